//! ReLU layer: r_k = max(0, f_k). Backward, the gradient passes where f_k > 0, and at
//! f_k = 0 too under the slides' convention ("positive or zero"); elsewhere it is blocked.

use super::activation::relu_step;
use super::{Backward, Ctx, Explained, Explainer, Forward, Hazard, Shape};
use crate::formula::Expr;
use crate::trace::{Key, Kind, LayerId, Recorder};

#[derive(Clone, Debug, PartialEq)]
pub struct Relu {
    pub name: String,
    pub outputs: Vec<String>,
    pub shape: Shape,
}

impl Relu {
    pub fn forward<R: Recorder>(&self, x: &[f64], ctx: &mut Ctx<R>) -> Forward {
        let mut out: Vec<f64> = x.iter().map(|f| f.max(0.0)).collect();
        ctx.record_run(Kind::Out, &mut out);
        Forward {
            out,
            net: Vec::new(),
        }
    }

    /// ∂L/∂f_k = ∂L/∂r_k · [f_k ≥ 0] (or [f_k > 0]).
    pub fn backward<R: Recorder>(&self, x: &[f64], grad: Vec<f64>, ctx: &mut Ctx<R>) -> Backward {
        let passes_zero = ctx.setup.conventions.relu_passes_zero;
        let mut steps: Vec<f64> = x.iter().map(|&f| relu_step(f, passes_zero)).collect();
        ctx.record_run(Kind::Dact, &mut steps);
        let input_grad = ctx.wants_input_grad.then(|| {
            let mut back: Vec<f64> = grad.iter().zip(&steps).map(|(g, step)| g * step).collect();
            ctx.record_input_grads(&mut back);
            back
        });
        Backward {
            input_grad,
            dw: Vec::new(),
        }
    }

    /// Every node's input: at or near 0, the pass/block decision is delicate.
    pub fn hazards(&self, id: LayerId, ex: &Explainer) -> Vec<Hazard> {
        (0..self.outputs.len())
            .map(|k| Hazard::ReluInput {
                input: Key::new(id - 1, Kind::Out, k),
                output: Key::new(id, Kind::Out, k),
                value: ex.value(id - 1, Kind::Out, k),
            })
            .collect()
    }

    pub fn explain(&self, key: Key, ex: &Explainer) -> Explained {
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
                Explained::new(
                    format!("∂{}/∂{input_name}", self.outputs[k]),
                    Expr::step(input, passes_zero),
                )
                .note(verdict)
            }
            _ => Explained::new("?", Expr::Num(0.0)),
        }
    }

    pub fn input_grad_formula(
        &self,
        id: LayerId,
        k: usize,
        ex: &Explainer,
    ) -> (Expr, Option<String>) {
        let input_name = &ex.net.node_names(id - 1)[k];
        let step = ex.operand(
            format!("∂{}/∂{input_name}", self.outputs[k]),
            id,
            Kind::Dact,
            k,
        );
        let note = (ex.value(id, Kind::Dact, k) == 0.0).then(|| "blocked by the ReLU".to_string());
        (Expr::mul(vec![ex.grad(id, k), step]), note)
    }
}
