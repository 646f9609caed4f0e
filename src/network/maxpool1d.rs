//! Max pooling: each output is the largest value of its window. Backward, its gradient
//! goes to the input that held the maximum; the others get 0. Ties follow the scenario's
//! convention: every tied maximum (`all`, the slides), the first (`first`), or a share
//! each (`split`).

use super::{Backward, Ctx, Explained, Explainer, Forward, Hazard, Shape, Ties};
use crate::formula::Expr;
use crate::numbers::Sum;
use crate::trace::{Key, Kind, LayerId, Recorder};

#[derive(Clone, Debug, PartialEq)]
pub struct MaxPool1d {
    pub name: String,
    pub size: usize,
    pub stride: usize,
    pub outputs: Vec<String>,
    /// The shape of the input; each channel is pooled on its own.
    pub input: Shape,
}

impl MaxPool1d {
    pub fn out_len(&self) -> usize {
        (self.input.len - self.size) / self.stride + 1
    }

    pub fn shape(&self) -> Shape {
        Shape {
            channels: self.input.channels,
            len: self.out_len(),
        }
    }

    /// The input indices of output `o`'s window.
    pub fn window(&self, o: usize) -> std::ops::Range<usize> {
        let (c, k) = (o / self.out_len(), o % self.out_len());
        let start = c * self.input.len + k * self.stride;
        start..start + self.size
    }

    pub fn forward<R: Recorder>(&self, x: &[f64], ctx: &mut Ctx<R>) -> Forward {
        let mut out: Vec<f64> = (0..self.outputs.len())
            .map(|o| {
                x[self.window(o)]
                    .iter()
                    .copied()
                    .fold(f64::NEG_INFINITY, f64::max)
            })
            .collect();
        ctx.record_run(Kind::Out, &mut out);
        if R::TRACING {
            let ties = ctx.setup.conventions.maxpool_ties;
            let mut chosen = Vec::with_capacity(self.size);
            for (o, &pooled) in out.iter().enumerate() {
                let window = self.window(o);
                let share = choose(&x[window.clone()], pooled, ties, &mut chosen);
                ctx.rec
                    .route(Key::new(ctx.id, Kind::Out, o), window.start, &chosen, share);
            }
        }
        Forward {
            out,
            net: Vec::new(),
        }
    }

    /// ∂L/∂In_i = Σ over the windows in which In_i is a chosen maximum of share·∂L/∂out.
    pub fn backward<R: Recorder>(
        &self,
        x: &[f64],
        y: &[f64],
        grad: Vec<f64>,
        ctx: &mut Ctx<R>,
    ) -> Backward {
        if !ctx.wants_input_grad {
            return Backward {
                input_grad: None,
                dw: Vec::new(),
            };
        }
        let ties = ctx.setup.conventions.maxpool_ties;
        // Each input's terms in the order printed: window by window.
        let mut sums = vec![Sum::default(); x.len()];
        let mut chosen = Vec::with_capacity(self.size);
        for (o, g) in grad.iter().enumerate() {
            let window = self.window(o);
            let share = choose(&x[window.clone()], y[o], ties, &mut chosen);
            for &c in &chosen {
                sums[window.start + c].add(share * g);
            }
        }
        let mut back: Vec<f64> = sums.iter().map(Sum::value).collect();
        ctx.record_input_grads(&mut back);
        Backward {
            input_grad: Some(back),
            dw: Vec::new(),
        }
    }

    /// Every window's margin: the largest input minus the second largest (0 on a tie).
    pub fn hazards(&self, id: LayerId, ex: &Explainer) -> Vec<Hazard> {
        if self.size < 2 {
            return Vec::new();
        }
        (0..self.outputs.len())
            .map(|o| {
                let mut values: Vec<f64> = self
                    .window(o)
                    .map(|i| ex.value(id - 1, Kind::Out, i))
                    .collect();
                values.sort_by(|a, b| b.total_cmp(a));
                Hazard::PoolGap {
                    pooled: Key::new(id, Kind::Out, o),
                    gap: values[0] - values[1],
                }
            })
            .collect()
    }

    pub fn explain(&self, key: Key, ex: &Explainer) -> Explained {
        let id = key.layer;
        let o = key.index as usize;
        if key.kind != Kind::Out {
            return Explained::new("?", Expr::Num(0.0));
        }
        let args = self.window(o).map(|i| ex.node(id - 1, i)).collect();
        let names = ex.net.node_names(id - 1);
        let route = ex.trace.route(key);
        let note = match route {
            Some(r) if r.chosen.len() == 1 => format!("from {}", names[r.chosen[0] as usize]),
            Some(r) => {
                let tied: Vec<&str> = r
                    .chosen
                    .iter()
                    .map(|&c| names[c as usize].as_str())
                    .collect();
                format!(
                    "tie: {} ({})",
                    tied.join(", "),
                    tie_rule(ex.setup.conventions.maxpool_ties)
                )
            }
            None => String::new(),
        };
        Explained::new(self.outputs[o].clone(), Expr::call("max", args)).note(note)
    }

    /// The pooled outputs whose window holds input `i` (several where windows overlap).
    pub fn windows_holding(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.outputs.len()).filter(move |&o| self.window(o).contains(&i))
    }

    /// The gradient input `i` gets when the gradient of a window holding it is sent to the
    /// wrong input — all of ∂L/∂out where `i` was not the maximum, none of it where it was
    /// — for each such window in turn, and (where windows overlap) for all at once. A
    /// window where `i` ties for the maximum is left to the tie convention.
    pub fn misrouted_grads(&self, id: LayerId, i: usize, ex: &Explainer) -> Vec<f64> {
        let recorded = ex.value(id - 1, Kind::Grad, i);
        let changes: Vec<f64> = self
            .windows_holding(i)
            .filter_map(|o| {
                let route = ex.trace.route(Key::new(id, Kind::Out, o))?;
                let top = ex.value(id, Kind::Out, o);
                let at_top = |k: usize| ex.value(id - 1, Kind::Out, k) == top;
                if at_top(i) && self.window(o).filter(|&k| at_top(k)).count() > 1 {
                    return None;
                }
                let g = ex.value(id, Kind::Grad, o);
                Some(if route.chosen.contains(&(i as u32)) {
                    -route.share * g
                } else {
                    g
                })
            })
            .collect();
        let mut grads: Vec<f64> = changes.iter().map(|c| recorded + c).collect();
        if changes.len() > 1 {
            grads.push(recorded + changes.iter().sum::<f64>());
        }
        grads
    }

    /// The windows whose maximum several inputs hold, in a trace: each pooled output with
    /// the tied inputs (indices into the previous layer's outputs).
    pub fn ties(&self, id: LayerId, ex: &Explainer) -> Vec<(usize, Vec<usize>)> {
        (0..self.outputs.len())
            .filter_map(|o| {
                let top = ex.value(id, Kind::Out, o);
                let tied: Vec<usize> = self
                    .window(o)
                    .filter(|&i| ex.value(id - 1, Kind::Out, i) == top)
                    .collect();
                (tied.len() > 1).then_some((o, tied))
            })
            .collect()
    }

    /// What decided whether input `i` receives a gradient: each pooled value whose window
    /// holds it, and that window's inputs.
    pub fn routing_inputs(&self, id: LayerId, i: usize) -> Vec<Key> {
        let mut keys = Vec::new();
        for o in self.windows_holding(i) {
            keys.push(Key::new(id, Kind::Out, o));
            keys.extend(self.window(o).map(|k| Key::new(id - 1, Kind::Out, k)));
        }
        keys
    }

    /// For an exercise, where input `i` stands without saying where the gradient went:
    /// "r2 is in A's window".
    pub fn window_hint(&self, id: LayerId, i: usize, ex: &Explainer) -> String {
        let input = &ex.net.node_names(id - 1)[i];
        let owners: Vec<&str> = (0..self.outputs.len())
            .filter(|&o| self.window(o).contains(&i))
            .map(|o| self.outputs[o].as_str())
            .collect();
        match owners.as_slice() {
            [one] => format!("{input} is in {one}'s window"),
            [] => format!("{input} is in no window"),
            many => format!("{input} is in the windows of {}", many.join(", ")),
        }
    }

    pub fn input_grad_formula(
        &self,
        id: LayerId,
        i: usize,
        ex: &Explainer,
    ) -> (Expr, Option<String>) {
        let mut terms = Vec::new();
        let mut notes = Vec::new();
        for o in (0..self.outputs.len()).filter(|&o| self.window(o).contains(&i)) {
            let route = ex.trace.route(Key::new(id, Kind::Out, o));
            let chosen = route.is_some_and(|r| r.chosen.contains(&(i as u32)));
            let pooled = &self.outputs[o];
            match (chosen, route) {
                (true, Some(r)) if r.share != 1.0 => {
                    terms.push(Expr::over(ex.grad(id, o), Expr::Num(r.chosen.len() as f64)));
                    notes.push(format!("a tied maximum of {pooled}: shares its gradient"));
                }
                (true, Some(r)) if r.chosen.len() > 1 => {
                    terms.push(ex.grad(id, o));
                    notes.push(format!(
                        "a tied maximum of {pooled}: gets its whole gradient"
                    ));
                }
                (true, _) => {
                    terms.push(ex.grad(id, o));
                    notes.push(format!("the maximum of {pooled}: gets its gradient"));
                }
                (false, _) => notes.push(format!("not the maximum of {pooled}: gets 0")),
            }
        }
        let formula = if terms.is_empty() {
            Expr::Num(0.0)
        } else {
            Expr::add(terms)
        };
        (formula, Some(notes.join("; ")))
    }
}

pub fn tie_rule(ties: Ties) -> &'static str {
    match ties {
        Ties::All => "each gets the whole gradient",
        Ties::First => "the first gets the gradient",
        Ties::Split => "they share the gradient",
    }
}

/// Which positions of a window receive the pooled value's gradient (into `chosen`), and
/// the share each gets. The chosen inputs are those equal to the pooled value actually
/// used (so a carried-forward value taken from another input routes there); if none
/// equals it, the window's maxima.
pub fn choose(window: &[f64], pooled: f64, ties: Ties, chosen: &mut Vec<usize>) -> f64 {
    let equal = |v: f64, chosen: &mut Vec<usize>| {
        chosen.clear();
        chosen.extend((0..window.len()).filter(|&i| window[i] == v));
    };
    equal(pooled, chosen);
    if chosen.is_empty() {
        equal(
            window.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            chosen,
        );
    }
    match ties {
        Ties::All => 1.0,
        Ties::First => {
            chosen.truncate(1);
            1.0
        }
        Ties::Split => 1.0 / chosen.len().max(1) as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chosen(window: &[f64], pooled: f64, ties: Ties) -> (Vec<usize>, f64) {
        let mut chosen = Vec::new();
        let share = choose(window, pooled, ties, &mut chosen);
        (chosen, share)
    }

    #[test]
    fn ties_follow_the_convention() {
        assert_eq!(chosen(&[0.0, 0.0], 0.0, Ties::All), (vec![0, 1], 1.0));
        assert_eq!(chosen(&[0.0, 0.0], 0.0, Ties::First), (vec![0], 1.0));
        assert_eq!(chosen(&[0.0, 0.0], 0.0, Ties::Split), (vec![0, 1], 0.5));
    }

    #[test]
    fn a_value_taken_from_another_input_routes_there() {
        assert_eq!(chosen(&[0.2, 0.1], 0.1, Ties::All), (vec![1], 1.0));
        assert_eq!(chosen(&[0.2, 0.1], 0.15, Ties::All), (vec![0], 1.0));
    }
}
