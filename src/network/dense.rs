//! Fully connected layer: I_j = Σ_i In_i·w_ji (+ b_j), out_j = f(I_j).

use super::activation::SPELLED_OUT;
use super::{
    Activation, Ctx, Explained, Explainer, Gate, Gradients, Hazard, Incoming, LayerKind, Link,
    NoteKind, Outputs, Params, Routing, Shape, SharedFilter, Slip, Step,
};
use crate::formula::{Expr, var};
use crate::numbers::{Sum, difference, dot};
use crate::trace::{Key, Kind, LayerId, Recorder};

/// Memo slots of a large softmax's sums, each computed once per trace.
const SUM_OF_EXPONENTIALS: u8 = 0;
const SUM_OF_GRADIENT_TIMES_OUTPUT: u8 = 1;

#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    pub name: String,
    pub activation: Activation,
    /// Weights: one row per output unit, one column per input.
    pub params: Params,
    pub outputs: Vec<String>,
}

impl Dense {
    /// (unit, input) of weight parameter `p`.
    fn at(&self, p: usize) -> (usize, usize) {
        (
            p % self.params.weights.nrows(),
            p / self.params.weights.nrows(),
        )
    }

    /// Whether this is a softmax too large to write its sums out in every formula: they
    /// are named once, and the quantities behind them are listed as dependencies.
    fn named_sums(&self) -> bool {
        self.activation == Activation::Softmax && self.outputs.len() > SPELLED_OUT
    }

    fn weight_index(&self, unit: usize, input: usize) -> usize {
        input * self.params.weights.nrows() + unit
    }

    /// The slides' name of a unit's net input: I@C, or the score f@p1 under softmax.
    /// The net input's name: `I@` (`f@` for a softmax) and the unit's.
    fn net_symbol(&self, unit: usize) -> String {
        [self.net_prefix(), &self.outputs[unit]].concat()
    }

    fn net_prefix(&self) -> &'static str {
        match self.activation {
            Activation::Softmax => "f@",
            _ => "I@",
        }
    }

    fn delta_symbol(&self, unit: usize) -> String {
        ["∂L/∂", self.net_prefix(), &self.outputs[unit]].concat()
    }

    /// δ of every unit into `delta`, from ∂L/∂out `g`, the outputs `y` and the net inputs.
    fn deltas<R: Recorder>(
        &self,
        g: &[f64],
        y: &[f64],
        net: &[f64],
        delta: &mut [f64],
        ctx: &mut Ctx<R>,
    ) {
        if self.activation == Activation::Softmax {
            let gp = dot(g, y);
            for (j, d) in delta.iter_mut().enumerate() {
                *d = ctx.record(Kind::Delta, j, y[j] * difference(g[j], gp));
            }
            return;
        }
        let passes_zero = ctx.setup.conventions.relu_passes_zero;
        for (j, d) in delta.iter_mut().enumerate() {
            let dact = self.activation.derivative(net[j], y[j], passes_zero);
            let dact = ctx.record(Kind::Dact, j, dact);
            *d = ctx.record(Kind::Delta, j, g[j] * dact);
        }
    }

    /// Each unit's net input, where its activation makes it delicate.
    fn delicate_nets(&self, id: LayerId, ex: &Explainer) -> Vec<Hazard> {
        (0..self.outputs.len())
            .filter_map(|j| {
                let net = Key::new(id, Kind::Net, j);
                let out = Key::new(id, Kind::Out, j);
                self.activation.hazard(net, out, ex.value(id, Kind::Net, j))
            })
            .collect()
    }

    fn explain_own(&self, key: Key, ex: &Explainer) -> Explained {
        let id = key.layer;
        let j = key.index as usize;
        let name = &self.outputs.get(j).cloned().unwrap_or_default();
        match key.kind {
            Kind::Net => Explained::new(self.net_symbol(j), self.net_formula(id, j, ex)),
            Kind::Out => {
                let units = self.outputs.len();
                let net = |u: usize| ex.operand(self.net_symbol(u), id, Kind::Net, u);
                let nets = || (0..units).map(net).collect();
                let sum = || {
                    ex.memo(id, SUM_OF_EXPONENTIALS, || {
                        (0..units).map(|u| ex.value(id, Kind::Net, u).exp()).sum()
                    })
                };
                let mut e = Explained::new(
                    name.clone(),
                    self.activation.formula(net(j), nets, units, sum),
                );
                if self.named_sums() {
                    e.depends = (0..units).map(|u| Key::new(id, Kind::Net, u)).collect();
                }
                e
            }
            Kind::Dact => {
                let formula = self.activation.derivative_formula(
                    ex.operand(self.net_symbol(j), id, Kind::Net, j),
                    ex.node(id, j),
                    ex.setup.conventions.relu_passes_zero,
                );
                let e = Explained::new(["f′(", &self.net_symbol(j), ")"].concat(), formula);
                match self.activation {
                    Activation::Sigmoid => {
                        e.note(NoteKind::Remark, "derivative of the sigmoid: f(1 − f)")
                    }
                    Activation::Relu if ex.value(id, Kind::Dact, j) == 0.0 => {
                        e.note(NoteKind::Blocked, "ReLU blocks the gradient")
                    }
                    _ => e,
                }
            }
            Kind::Delta => {
                let mut e = Explained::new(self.delta_symbol(j), self.delta_formula(id, j, ex));
                if self.named_sums() {
                    e.depends = (0..self.outputs.len())
                        .flat_map(|k| [Key::new(id, Kind::Grad, k), Key::new(id, Kind::Out, k)])
                        .collect();
                }
                e
            }
            Kind::Wgrad => self.explain_wgrad(id, j, ex),
            _ => Explained::new("?", Expr::Num(0.0)),
        }
    }

    fn net_formula(&self, id: LayerId, j: usize, ex: &Explainer) -> Expr {
        let mut terms: Vec<Expr> = (0..self.params.weights.ncols())
            .map(|i| {
                Expr::mul(vec![
                    ex.node(id - 1, i),
                    ex.param(id, self.weight_index(j, i)),
                ])
            })
            .collect();
        if let Some(b) = self.params.bias_of(j) {
            terms.push(ex.param(id, b));
        }
        Expr::add(terms)
    }

    fn delta_formula(&self, id: LayerId, j: usize, ex: &Explainer) -> Expr {
        let out = |u: usize| ex.node(id, u);
        let units = self.outputs.len();
        if self.activation == Activation::Softmax {
            let sum = if !self.named_sums() {
                Expr::add(
                    (0..units)
                        .map(|k| Expr::mul(vec![ex.grad(id, k), out(k)]))
                        .collect(),
                )
            } else {
                let gp = ex.memo(id, SUM_OF_GRADIENT_TIMES_OUTPUT, || {
                    (0..units)
                        .map(|k| ex.value(id, Kind::Grad, k) * ex.value(id, Kind::Out, k))
                        .sum()
                });
                var("Σ∂L/∂p·p", gp)
            };
            return Expr::mul(vec![out(j), Expr::minus(ex.grad(id, j), sum)]);
        }
        let dact = ex.operand(
            ["f′(", &self.net_symbol(j), ")"].concat(),
            id,
            Kind::Dact,
            j,
        );
        Expr::mul(vec![ex.grad(id, j), dact])
    }

    fn explain_wgrad(&self, id: LayerId, p: usize, ex: &Explainer) -> Explained {
        let symbol = ["∂L/∂", &self.params.names[p]].concat();
        let (unit, input) = if self.params.is_bias(p) {
            (p - self.params.weights.len(), None)
        } else {
            let (j, i) = self.at(p);
            (j, Some(i))
        };
        Explained::new(symbol, self.wgrad_formula(id, unit, input, ex))
    }

    /// ∂L/∂w = δ_unit·In_input (a bias: δ_unit).
    fn wgrad_formula(
        &self,
        id: LayerId,
        unit: usize,
        input: Option<usize>,
        ex: &Explainer,
    ) -> Expr {
        let delta = ex.operand(self.delta_symbol(unit), id, Kind::Delta, unit);
        match input {
            Some(i) => Expr::mul(vec![delta, ex.node(id - 1, i)]),
            None => delta,
        }
    }

    /// The gradient of weight parameter `p` taken with input `input` instead of the one it
    /// multiplies, δ_unit·In_input, from the values in a trace; None for a bias.
    fn wgrad_with_input(&self, id: LayerId, p: usize, input: usize, ex: &Explainer) -> Option<f64> {
        if self.params.is_bias(p) {
            return None;
        }
        let (unit, _) = self.at(p);
        Some(
            self.wgrad_formula(id, unit, Some(input), ex)
                .eval(&|_, v| v),
        )
    }

    /// The input weight parameter `p` multiplies; None for a bias.
    pub fn input_of(&self, p: usize) -> Option<usize> {
        (!self.params.is_bias(p)).then(|| self.at(p).1)
    }

    /// How many inputs each unit reads.
    pub fn inputs(&self) -> usize {
        self.params.weights.ncols()
    }

    /// ∂L/∂In_i = Σ_j δ_j·w_ji, the slides' Σ(∂L/∂f·w@c).
    fn input_grad_formula(&self, id: LayerId, i: usize, ex: &Explainer) -> Expr {
        Expr::add(
            (0..self.outputs.len())
                .map(|j| {
                    let delta = ex.operand(self.delta_symbol(j), id, Kind::Delta, j);
                    Expr::mul(vec![delta, ex.param(id, self.weight_index(j, i))])
                })
                .collect(),
        )
    }
}

/// A dense layer's running sums and deltas, one per unit.
pub struct DenseScratch {
    sums: Vec<Sum>,
    delta: Vec<f64>,
}

impl Step for Dense {
    type Scratch = DenseScratch;

    fn scratch(&self) -> DenseScratch {
        DenseScratch {
            sums: vec![Sum::default(); self.outputs.len()],
            delta: vec![0.0; self.outputs.len()],
        }
    }

    fn net_inputs(&self) -> usize {
        self.outputs.len()
    }

    /// I_j = In_1·w_j1 + In_2·w_j2 + … + b_j, added in that order (the order printed) and
    /// snapped to its decimal ([`Sum`]).
    fn forward<R: Recorder>(
        &self,
        x: &[f64],
        into: Outputs,
        scratch: &mut DenseScratch,
        ctx: &mut Ctx<R>,
    ) {
        let units = self.outputs.len();
        let sums = &mut scratch.sums;
        sums.fill(Sum::default());
        // Column by column: each unit's terms still come in input order.
        for (column, &xi) in self.params.weights.as_slice().chunks_exact(units).zip(x) {
            for (sum, &w) in sums.iter_mut().zip(column) {
                sum.add_product(xi, w);
            }
        }
        if let Some(b) = &self.params.bias {
            for (sum, &b) in sums.iter_mut().zip(b.iter()) {
                sum.add(b);
            }
        }
        for (net, sum) in into.net.iter_mut().zip(sums.iter()) {
            *net = sum.value();
        }
        ctx.record_run(Kind::Net, into.net);
        self.activation.apply(into.net, into.out);
        ctx.record_run(Kind::Out, into.out);
    }

    /// δ_j = ∂L/∂out_j · f′(I_j) (softmax: δ_j = p_j(g_j − Σ_k g_k p_k)), unless the loss
    /// already gave δ; then ∂L/∂w_ji = δ_j·In_i with held Δw, and ∂L/∂In_i = Σ_j δ_j·w_ji
    /// with the old weights.
    fn backward<R: Recorder>(&self, io: Gradients, scratch: &mut DenseScratch, ctx: &mut Ctx<R>) {
        let delta: &[f64] = match io.incoming {
            Incoming::Delta(d) => d,
            Incoming::Grad(g) => {
                self.deltas(g, io.y, io.net, &mut scratch.delta, ctx);
                &scratch.delta
            }
        };
        let weights = self.params.weights.as_slice();
        // Without weight decay, Δw = −α·(δ_j·x_i) snapped depends on δ_j·x_i alone (0·w is
        // 0 for a finite w): an input equal to the one before it (a blank stretch of a
        // pooled map) has the same column of Δw. Untraced only: a trace records each.
        let repeats =
            !R::TRACING && ctx.setup.lambda == 0.0 && weights.iter().all(|w| w.is_finite());
        for (i, &xi) in io.x.iter().enumerate() {
            let repeat = repeats && i > 0 && xi.to_bits() == io.x[i - 1].to_bits();
            for (j, &d) in delta.iter().enumerate() {
                let p = self.weight_index(j, i);
                io.dw[p] = if repeat {
                    io.dw[self.weight_index(j, i - 1)]
                } else {
                    ctx.hold(p, weights[p], d * xi, false)
                };
            }
        }
        if self.params.bias.is_some() {
            for (j, &d) in delta.iter().enumerate() {
                let p = self.params.bias_index(j);
                io.dw[p] = ctx.hold(p, self.params.get(p), d, true);
            }
        }
        if ctx.wants_input_grad {
            // ∂L/∂In_i = Σ_j δ_j·w_ji with the old weights: column i of W against δ.
            for (back, column) in io
                .input_grad
                .iter_mut()
                .zip(weights.chunks_exact(delta.len()))
            {
                *back = dot(delta, column);
            }
            ctx.record_input_grads(io.input_grad);
        }
    }
}

impl LayerKind for Dense {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "dense"
    }

    fn outputs(&self) -> &[String] {
        &self.outputs
    }

    fn shape(&self) -> Shape {
        Shape::flat(self.outputs.len())
    }

    fn describe(&self) -> String {
        format!("fully connected, {}", self.activation.as_str())
    }

    fn label(&self) -> String {
        format!("dense {} {}", self.outputs.len(), self.activation.as_str())
    }

    fn role(&self) -> &'static str {
        "fully connected layer"
    }

    /// Terms of the longest formula: a net input (every input and the bias) or an
    /// input's gradient (one term per unit).
    fn widest_formula(&self) -> usize {
        (self.params.weights.ncols() + 1).max(self.params.weights.nrows())
    }

    fn threshold(&self) -> f64 {
        self.activation.midpoint()
    }

    /// Each parameter's w, ∂L/∂w, Δw and new w; each unit's net, out, dact, delta and
    /// grad (counted as four: a softmax has no dact), and its input's grad.
    fn quantities(&self) -> usize {
        4 * self.params.count() + 4 * self.outputs.len()
    }

    fn is_view(&self) -> bool {
        false
    }

    fn trainable(&self) -> Option<&Params> {
        Some(&self.params)
    }

    fn trainable_mut(&mut self) -> Option<&mut Params> {
        Some(&mut self.params)
    }

    fn window(&self, _o: usize) -> Vec<usize> {
        (0..self.inputs()).collect()
    }

    fn node_bias(&self, o: usize) -> Option<usize> {
        self.params.bias_of(o)
    }

    fn links(&self) -> Vec<Link> {
        let units = self.outputs.len();
        (0..units)
            .flat_map(|j| {
                (0..self.inputs()).map(move |i| Link {
                    from: i,
                    to: j,
                    weight: Some(i * units + j),
                    contrib: None,
                    gate: Gate::Open,
                })
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
        let symbol = ["∂L/∂", &ex.net.node_names(id - 1)[i]].concat();
        Explained::new(symbol, self.input_grad_formula(id, i, ex))
    }

    fn hazards(&self, id: LayerId, ex: &Explainer) -> Vec<Hazard> {
        self.delicate_nets(id, ex)
    }

    fn why(&self, key: Key, _ex: &Explainer) -> Option<String> {
        match key.kind {
            Kind::Out if self.activation == Activation::Softmax => {
                Some("Softmax turns the scores into probabilities that add up to 1.".into())
            }
            Kind::Out => {
                Some("The activation function turns the node's sum into its output.".into())
            }
            Kind::Dact => Some(format!(
                "Chain rule: multiply by the derivative of the activation ({}).",
                self.activation.derivative_in_words()
            )),
            _ => None,
        }
    }

    fn why_input_grad(&self, _id: LayerId, _ex: &Explainer) -> String {
        "Collect ∂L_i/∂f from the layer above that backpropagates to this node: Σ(∂L_i/∂f · w)."
            .into()
    }

    fn masks(&self) -> bool {
        false
    }

    fn slips(&self) -> Vec<Slip> {
        let mut slips = vec![Slip::WrongWeightIndex];
        if self.activation == Activation::Relu {
            slips.push(Slip::ReluAtZero);
        }
        if !matches!(self.activation, Activation::Softmax | Activation::Linear) {
            slips.push(Slip::MissingActivationDerivative);
        }
        slips
    }

    /// A weight's gradient taken with each other input: δ_j·In_i' for i' ≠ i.
    fn slipped(&self, slip: Slip, id: LayerId, key: Key, ex: &Explainer) -> Vec<f64> {
        if slip != Slip::WrongWeightIndex || key.kind != Kind::Wgrad || key.layer != id {
            return Vec::new();
        }
        let p = key.index as usize;
        let Some(own) = self.input_of(p) else {
            return Vec::new();
        };
        (0..self.inputs())
            .filter(|&i| i != own)
            .filter_map(|i| self.wgrad_with_input(id, p, i, ex))
            .collect()
    }

    /// "∂L/∂w5 = ∂L/∂I@C·A: w5 multiplies A; your value takes another input".
    fn explain_slip(&self, slip: Slip, key: Key, ex: &Explainer) -> Option<String> {
        if slip != Slip::WrongWeightIndex {
            return None;
        }
        let e = ex.explain(key);
        let formula = e.formula.render(crate::formula::Rendering::Symbolic, 6);
        let weight = ex.name(key);
        let multiplies = self
            .input_of(key.index as usize)
            .map(|i| &ex.net.node_names(key.layer - 1)[i])
            .map_or(String::new(), |i| format!(": {weight} multiplies {i}"));
        Some(format!(
            "{} = {formula}{multiplies}; your value takes another input",
            e.symbol
        ))
    }

    fn routing(&self) -> Option<&dyn Routing> {
        None
    }
}
