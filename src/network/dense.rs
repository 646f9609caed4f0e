//! Fully connected layer: I_j = Σ_i In_i·w_ji (+ b_j), out_j = f(I_j).

use super::Params;
use super::activation::SPELLED_OUT;
use super::{Activation, Backward, Ctx, Explained, Explainer, Forward, Hazard, Incoming};
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

    /// Terms of the longest formula: a net input (every input and the bias) or an
    /// input's gradient (one term per unit).
    pub fn widest_formula(&self) -> usize {
        (self.params.weights.ncols() + 1).max(self.params.weights.nrows())
    }

    fn weight_index(&self, unit: usize, input: usize) -> usize {
        input * self.params.weights.nrows() + unit
    }

    /// The slides' name of a unit's net input: I@C, or the score f@p1 under softmax.
    fn net_symbol(&self, unit: usize) -> String {
        match self.activation {
            Activation::Softmax => format!("f@{}", self.outputs[unit]),
            _ => format!("I@{}", self.outputs[unit]),
        }
    }

    fn delta_symbol(&self, unit: usize) -> String {
        format!("∂L/∂{}", self.net_symbol(unit))
    }

    /// I_j = In_1·w_j1 + In_2·w_j2 + … + b_j, added in that order (the order printed) and
    /// snapped to its decimal ([`Sum`]).
    pub fn forward<R: Recorder>(&self, x: &[f64], ctx: &mut Ctx<R>) -> Forward {
        let units = self.outputs.len();
        let mut sums = vec![Sum::default(); units];
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
        let mut net: Vec<f64> = sums.iter().map(Sum::value).collect();
        ctx.record_run(Kind::Net, &mut net);
        let mut out = self.activation.apply(&net);
        ctx.record_run(Kind::Out, &mut out);
        Forward { out, net }
    }

    /// δ_j = ∂L/∂out_j · f′(I_j) (softmax: δ_j = p_j(g_j − Σ_k g_k p_k)), unless the loss
    /// already gave δ; then ∂L/∂w_ji = δ_j·In_i with held Δw, and ∂L/∂In_i = Σ_j δ_j·w_ji
    /// with the old weights.
    pub fn backward<R: Recorder>(
        &self,
        x: &[f64],
        y: &[f64],
        net: &[f64],
        incoming: Incoming,
        ctx: &mut Ctx<R>,
    ) -> Backward {
        let delta = match incoming {
            Incoming::Delta(d) => d,
            Incoming::Grad(g) => self.deltas(&g, y, net, ctx),
        };
        let mut dw = vec![0.0; self.params.count()];
        let weights = self.params.weights.as_slice();
        for (i, &xi) in x.iter().enumerate() {
            for (j, &d) in delta.iter().enumerate() {
                let p = self.weight_index(j, i);
                dw[p] = ctx.hold(p, weights[p], d * xi, false);
            }
        }
        if self.params.bias.is_some() {
            for (j, &d) in delta.iter().enumerate() {
                let p = self.params.bias_index(j);
                dw[p] = ctx.hold(p, self.params.get(p), d, true);
            }
        }
        let input_grad = ctx.wants_input_grad.then(|| {
            // ∂L/∂In_i = Σ_j δ_j·w_ji with the old weights: column i of W against δ.
            let weights = self.params.weights.as_slice();
            let mut back: Vec<f64> = weights
                .chunks_exact(delta.len())
                .map(|column| dot(&delta, column))
                .collect();
            ctx.record_input_grads(&mut back);
            back
        });
        Backward { input_grad, dw }
    }

    fn deltas<R: Recorder>(&self, g: &[f64], y: &[f64], net: &[f64], ctx: &mut Ctx<R>) -> Vec<f64> {
        if self.activation == Activation::Softmax {
            let gp = dot(g, y);
            return (0..g.len())
                .map(|j| ctx.record(Kind::Delta, j, y[j] * difference(g[j], gp)))
                .collect();
        }
        let passes_zero = ctx.setup.conventions.relu_passes_zero;
        (0..g.len())
            .map(|j| {
                let dact = self.activation.derivative(net[j], y[j], passes_zero);
                let dact = ctx.record(Kind::Dact, j, dact);
                ctx.record(Kind::Delta, j, g[j] * dact)
            })
            .collect()
    }

    /// Each unit's net input, where its activation makes it delicate.
    pub fn hazards(&self, id: LayerId, ex: &Explainer) -> Vec<Hazard> {
        (0..self.outputs.len())
            .filter_map(|j| {
                let net = Key::new(id, Kind::Net, j);
                let out = Key::new(id, Kind::Out, j);
                self.activation.hazard(net, out, ex.value(id, Kind::Net, j))
            })
            .collect()
    }

    pub fn explain(&self, key: crate::trace::Key, ex: &Explainer) -> Explained {
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
                let e = Explained::new(format!("f′({})", self.net_symbol(j)), formula);
                match self.activation {
                    Activation::Sigmoid => e.note("derivative of the sigmoid: f(1 − f)"),
                    Activation::Relu if ex.value(id, Kind::Dact, j) == 0.0 => {
                        e.note("ReLU blocks the gradient")
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
        if self.params.bias.is_some() {
            terms.push(ex.param(id, self.params.bias_index(j)));
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
        let dact = ex.operand(format!("f′({})", self.net_symbol(j)), id, Kind::Dact, j);
        Expr::mul(vec![ex.grad(id, j), dact])
    }

    fn explain_wgrad(&self, id: LayerId, p: usize, ex: &Explainer) -> Explained {
        let symbol = format!("∂L/∂{}", self.params.names[p]);
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
    pub fn wgrad_with_input(
        &self,
        id: LayerId,
        p: usize,
        input: usize,
        ex: &Explainer,
    ) -> Option<f64> {
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
    pub fn input_grad_formula(&self, id: LayerId, i: usize, ex: &Explainer) -> Expr {
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
