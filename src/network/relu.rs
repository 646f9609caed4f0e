//! ReLU layer: r_k = max(0, f_k). Backward, the gradient passes where f_k > 0, and at
//! f_k = 0 too under the slides' convention ("positive or zero"); elsewhere it is blocked.

use super::activation::relu_step;
use super::{
    Ctx, Explained, Explainer, Gate, Gradients, Hazard, LayerKind, Link, NoteKind, Outputs, Params,
    Routing, Shape, SharedFilter, Slip, Step,
};
use crate::formula::Expr;
use crate::trace::{Key, Kind, LayerId, Recorder};

#[derive(Clone, Debug, PartialEq)]
pub struct Relu {
    pub name: String,
    pub outputs: Vec<String>,
    pub shape: Shape,
}

impl Relu {
    /// Every node's input: at or near 0, the pass/block decision is delicate.
    fn inputs_near_zero(&self, id: LayerId, ex: &Explainer) -> Vec<Hazard> {
        (0..self.outputs.len())
            .map(|k| Hazard::ReluInput {
                input: Key::new(id - 1, Kind::Out, k),
                output: Key::new(id, Kind::Out, k),
                value: ex.value(id - 1, Kind::Out, k),
            })
            .collect()
    }

    fn explain_own(&self, key: Key, ex: &Explainer) -> Explained {
        let id = key.layer;
        let k = key.index as usize;
        let input = ex.node(id - 1, k);
        let input_name = &ex.net.node_names(id - 1)[k];
        match key.kind {
            Kind::Out => Explained::new(
                self.outputs[k].clone(),
                Expr::call("max", vec![Expr::Num(0.0), input]),
            ),
            Kind::Dact => {
                let passes_zero = ex.setup.conventions.relu_passes_zero;
                let passed = ex.value(id, Kind::Dact, k) != 0.0;
                let at_zero = ex.value(id - 1, Kind::Out, k) == 0.0;
                let verdict = match (passed, at_zero) {
                    (true, false) => "passed",
                    (true, true) => "passed: input exactly 0, and ReLU′(0) = 1 by convention",
                    (false, true) => {
                        "blocked: input exactly 0, and ReLU′(0) = 0 by convention; zero gradient"
                    }
                    (false, false) => "blocked: negative input, zero gradient",
                };
                let kind = if passed {
                    NoteKind::Passed
                } else {
                    NoteKind::Blocked
                };
                Explained::new(
                    ["∂", &self.outputs[k], "/∂", input_name].concat(),
                    Expr::step(input, passes_zero),
                )
                .note(kind, verdict)
            }
            _ => Explained::new("?", Expr::Num(0.0)),
        }
    }

    /// ∂L/∂f_k = ∂L/∂r_k · ∂r_k/∂f_k.
    fn input_grad_formula(&self, id: LayerId, k: usize, ex: &Explainer) -> Explained {
        let input_name = &ex.net.node_names(id - 1)[k];
        let step = ex.operand(
            ["∂", &self.outputs[k], "/∂", input_name].concat(),
            id,
            Kind::Dact,
            k,
        );
        let explained = Explained::new(
            ["∂L/∂", input_name].concat(),
            Expr::mul(vec![ex.grad(id, k), step]),
        );
        if ex.value(id, Kind::Dact, k) == 0.0 {
            explained.note(NoteKind::Blocked, "blocked by the ReLU")
        } else {
            explained
        }
    }
}

impl Step for Relu {
    /// The derivatives [f_k ≥ 0], recorded before they are multiplied in.
    type Scratch = Vec<f64>;

    fn scratch(&self) -> Vec<f64> {
        vec![0.0; self.outputs.len()]
    }

    fn net_inputs(&self) -> usize {
        0
    }

    fn forward<R: Recorder>(
        &self,
        x: &[f64],
        into: Outputs,
        _scratch: &mut Vec<f64>,
        ctx: &mut Ctx<R>,
    ) {
        for (out, f) in into.out.iter_mut().zip(x) {
            *out = f.max(0.0);
        }
        ctx.record_run(Kind::Out, into.out);
    }

    /// ∂L/∂f_k = ∂L/∂r_k · [f_k ≥ 0] (or [f_k > 0]).
    fn backward<R: Recorder>(&self, io: Gradients, steps: &mut Vec<f64>, ctx: &mut Ctx<R>) {
        let grad = io.incoming.grad();
        let passes_zero = ctx.setup.conventions.relu_passes_zero;
        for (step, &f) in steps.iter_mut().zip(io.x) {
            *step = relu_step(f, passes_zero);
        }
        ctx.record_run(Kind::Dact, steps);
        if ctx.wants_input_grad {
            for ((back, g), step) in io.input_grad.iter_mut().zip(grad).zip(steps.iter()) {
                *back = g * step;
            }
            ctx.record_input_grads(io.input_grad);
        }
    }
}

impl LayerKind for Relu {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "relu"
    }

    fn outputs(&self) -> &[String] {
        &self.outputs
    }

    fn shape(&self) -> Shape {
        self.shape
    }

    fn describe(&self) -> String {
        "ReLU".into()
    }

    fn label(&self) -> String {
        "relu".into()
    }

    fn role(&self) -> &'static str {
        "ReLU"
    }

    fn widest_formula(&self) -> usize {
        1
    }

    fn threshold(&self) -> f64 {
        0.5
    }

    /// Each node's out, dact and grad, and its input's grad.
    fn quantities(&self) -> usize {
        4 * self.outputs.len()
    }

    fn is_view(&self) -> bool {
        false
    }

    fn trainable(&self) -> Option<&Params> {
        None
    }

    fn trainable_mut(&mut self) -> Option<&mut Params> {
        None
    }

    fn window(&self, o: usize) -> Vec<usize> {
        vec![o]
    }

    fn node_bias(&self, _o: usize) -> Option<usize> {
        None
    }

    fn links(&self) -> Vec<Link> {
        (0..self.outputs.len())
            .map(|k| Link {
                from: k,
                to: k,
                weight: None,
                contrib: None,
                gate: Gate::Relu,
            })
            .collect()
    }

    fn shared_filter(&self) -> Option<&dyn SharedFilter> {
        None
    }

    fn explain(&self, key: Key, ex: &Explainer) -> Explained {
        self.explain_own(key, ex)
    }

    fn explain_input_grad(&self, id: LayerId, i: usize, ex: &Explainer) -> Explained {
        self.input_grad_formula(id, i, ex)
    }

    fn hazards(&self, id: LayerId, ex: &Explainer) -> Vec<Hazard> {
        self.inputs_near_zero(id, ex)
    }

    fn why(&self, key: Key, ex: &Explainer) -> Option<String> {
        let text = match key.kind {
            Kind::Out => "ReLU(x) = max(0, x): it filters out negative values.",
            Kind::Dact if ex.setup.conventions.relu_passes_zero => {
                "The gradient flows through the ReLU where its input was positive or zero; otherwise it is 0."
            }
            Kind::Dact => {
                "The gradient flows through the ReLU only where its input was positive; otherwise it is 0."
            }
            _ => return None,
        };
        Some(text.into())
    }

    /// ∂L/∂f comes from the ReLU's own gradient, which the layer above it sent.
    fn why_input_grad(&self, id: LayerId, ex: &Explainer) -> String {
        match ex.net.layer(id.saturating_add(1)) {
            Some(above) => format!(
                "Collect ∂L_i/∂f from the {} and the layers above.",
                above.role()
            ),
            None => "Collect ∂L_i/∂f from the loss, through the ReLU.".into(),
        }
    }

    fn masks(&self) -> bool {
        true
    }

    fn slips(&self) -> Vec<Slip> {
        vec![Slip::ReluAtZero, Slip::MissingActivationDerivative]
    }

    fn slipped(&self, _slip: Slip, _id: LayerId, _key: Key, _ex: &Explainer) -> Vec<f64> {
        Vec::new()
    }

    fn explain_slip(&self, _slip: Slip, _key: Key, _ex: &Explainer) -> Option<String> {
        None
    }

    fn routing(&self) -> Option<&dyn Routing> {
        None
    }
}
