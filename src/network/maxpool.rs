//! Max pooling, 1-D (`maxpool1d`) and 2-D (`maxpool2d`): each output is the largest value
//! of its window. Backward, its gradient goes to the input that held the maximum; the
//! others get 0. Ties follow the scenario's convention: every tied maximum (`all`, the
//! slides), the first (`first`), or a share each (`split`).

use super::pool::PoolGeometry;
use super::{
    Ctx, Explained, Explainer, Gate, Gradients, Hazard, LayerKind, Link, NoteKind, Outputs, Params,
    Routing, Shape, SharedFilter, Slip, Step, Ties,
};
use crate::formula::Expr;
use crate::numbers::Sum;
use crate::trace::{Key, Kind, LayerId, Recorder};

#[derive(Clone, Debug, PartialEq)]
pub struct MaxPool {
    pub name: String,
    /// The windows; each channel of the input is pooled on its own.
    pub geometry: PoolGeometry,
    pub outputs: Vec<String>,
}

impl MaxPool {
    /// The input indices of output `o`'s window, row after row.
    pub fn span(&self, o: usize) -> impl Iterator<Item = usize> + Clone + use<> {
        self.geometry.window(o)
    }

    /// The inputs of `window` chosen as its maximum (indices into the previous layer's
    /// outputs) into `chosen`, by the tie convention; returns the share each receives.
    fn route(
        window: &[usize],
        x: &[f64],
        pooled: f64,
        ties: Ties,
        values: &mut Vec<f64>,
        chosen: &mut Vec<usize>,
    ) -> f64 {
        values.clear();
        values.extend(window.iter().map(|&i| x[i]));
        let share = choose(values, pooled, ties, chosen);
        chosen.iter_mut().for_each(|c| *c = window[*c]);
        share
    }

    /// Every window's margin: the largest input minus the second largest (0 on a tie).
    fn pool_gaps(&self, id: LayerId, ex: &Explainer) -> Vec<Hazard> {
        if self.geometry.area() < 2 {
            return Vec::new();
        }
        (0..self.outputs.len())
            .map(|o| {
                let mut values: Vec<f64> = self
                    .span(o)
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

    fn explain_pooled(&self, key: Key, ex: &Explainer) -> Explained {
        let id = key.layer;
        let o = key.index as usize;
        if key.kind != Kind::Out {
            return Explained::new("?", Expr::Num(0.0));
        }
        let args = self.span(o).map(|i| ex.node(id - 1, i)).collect();
        let names = ex.net.node_names(id - 1);
        let route = ex.trace.route(key);
        let (kind, note) = match route {
            Some(r) if r.chosen.len() == 1 => (
                NoteKind::Passed,
                format!("from {}", names[r.chosen[0] as usize]),
            ),
            Some(r) => {
                let tied: Vec<&str> = r
                    .chosen
                    .iter()
                    .map(|&c| names[c as usize].as_str())
                    .collect();
                let text = format!(
                    "tie: {} ({})",
                    tied.join(", "),
                    tie_rule(ex.setup.conventions.maxpool_ties)
                );
                (NoteKind::Tie, text)
            }
            None => (NoteKind::Remark, String::new()),
        };
        Explained::new(self.outputs[o].clone(), Expr::call("max", args)).note(kind, note)
    }

    /// The pooled outputs whose window holds input `i` (several where windows overlap).
    pub fn windows_holding(&self, i: usize) -> impl Iterator<Item = usize> + use<> {
        self.geometry.windows_holding(i)
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
                if at_top(i) && self.span(o).filter(|&k| at_top(k)).count() > 1 {
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

    /// What decided whether input `i` receives a gradient: each pooled value whose window
    /// holds it, and that window's inputs.
    pub fn routing_inputs(&self, id: LayerId, i: usize) -> Vec<Key> {
        let mut keys = Vec::new();
        for o in self.windows_holding(i) {
            keys.push(Key::new(id, Kind::Out, o));
            keys.extend(self.span(o).map(|k| Key::new(id - 1, Kind::Out, k)));
        }
        keys
    }

    /// For an exercise, where input `i` stands without saying where the gradient went:
    /// "r2 is in A's window".
    pub fn window_hint(&self, id: LayerId, i: usize, ex: &Explainer) -> String {
        let input = &ex.net.node_names(id - 1)[i];
        let owners: Vec<&str> = self
            .windows_holding(i)
            .map(|o| self.outputs[o].as_str())
            .collect();
        match owners.as_slice() {
            [one] => format!("{input} is in {one}'s window"),
            [] => format!("{input} is in no window"),
            many => format!("{input} is in the windows of {}", many.join(", ")),
        }
    }

    /// ∂L/∂In_i: the sum of the gradients of the windows where In_i was chosen, and a note
    /// saying, window by window, whether it was.
    fn input_grad_formula(
        &self,
        id: LayerId,
        i: usize,
        ex: &Explainer,
    ) -> (Expr, NoteKind, String) {
        let mut terms = Vec::new();
        let mut notes = Vec::new();
        let mut kind = NoteKind::Passed;
        for o in self.windows_holding(i) {
            let route = ex.trace.route(Key::new(id, Kind::Out, o));
            let chosen = route.is_some_and(|r| r.chosen.contains(&(i as u32)));
            let pooled = &self.outputs[o];
            match (chosen, route) {
                (true, Some(r)) if r.share != 1.0 => {
                    terms.push(Expr::over(ex.grad(id, o), Expr::Num(r.chosen.len() as f64)));
                    kind = tie_unless_blocked(kind);
                    notes.push(format!("a tied maximum of {pooled}: shares its gradient"));
                }
                (true, Some(r)) if r.chosen.len() > 1 => {
                    terms.push(ex.grad(id, o));
                    kind = tie_unless_blocked(kind);
                    notes.push(format!(
                        "a tied maximum of {pooled}: gets its whole gradient"
                    ));
                }
                (true, _) => {
                    terms.push(ex.grad(id, o));
                    notes.push(format!("the maximum of {pooled}: gets its gradient"));
                }
                (false, _) => {
                    kind = NoteKind::Blocked;
                    notes.push(format!("not the maximum of {pooled}: gets 0"));
                }
            }
        }
        let formula = if terms.is_empty() {
            Expr::Num(0.0)
        } else {
            Expr::add(terms)
        };
        (formula, kind, notes.join("; "))
    }
}

/// A tie colours the note unless a window already blocked the gradient.
fn tie_unless_blocked(kind: NoteKind) -> NoteKind {
    match kind {
        NoteKind::Blocked => NoteKind::Blocked,
        _ => NoteKind::Tie,
    }
}

/// A max pool's windows (listed once), its running sums (one per input), and one
/// window's values and chosen maxima.
pub struct MaxPoolScratch {
    windows: Vec<usize>,
    sums: Vec<Sum>,
    values: Vec<f64>,
    chosen: Vec<usize>,
}

impl Step for MaxPool {
    type Scratch = MaxPoolScratch;

    fn scratch(&self) -> MaxPoolScratch {
        let area = self.geometry.area();
        MaxPoolScratch {
            windows: self.geometry.all_windows(),
            sums: vec![Sum::default(); self.geometry.input.size()],
            values: Vec::with_capacity(area),
            chosen: Vec::with_capacity(area),
        }
    }

    fn net_inputs(&self) -> usize {
        0
    }

    fn forward<R: Recorder>(
        &self,
        x: &[f64],
        into: Outputs,
        s: &mut MaxPoolScratch,
        ctx: &mut Ctx<R>,
    ) {
        let area = self.geometry.area();
        for (out, window) in into.out.iter_mut().zip(s.windows.chunks_exact(area)) {
            *out = window
                .iter()
                .map(|&i| x[i])
                .fold(f64::NEG_INFINITY, f64::max);
        }
        ctx.record_run(Kind::Out, into.out);
        if R::TRACING {
            let ties = ctx.setup.conventions.maxpool_ties;
            for (o, window) in s.windows.chunks_exact(area).enumerate() {
                let pooled = into.out[o];
                let share = Self::route(window, x, pooled, ties, &mut s.values, &mut s.chosen);
                ctx.route(o, &s.chosen, share);
            }
        }
    }

    /// ∂L/∂In_i = Σ over the windows in which In_i is a chosen maximum of share·∂L/∂out.
    fn backward<R: Recorder>(&self, io: Gradients, s: &mut MaxPoolScratch, ctx: &mut Ctx<R>) {
        if !ctx.wants_input_grad {
            return;
        }
        let grad = io.incoming.grad();
        let ties = ctx.setup.conventions.maxpool_ties;
        let area = self.geometry.area();
        if self.geometry.windows_are_disjoint() {
            self.route_disjoint(io, s, ties, ctx);
            return;
        }
        // Each input's terms in the order printed: window by window.
        s.sums.fill(Sum::default());
        for ((window, g), &pooled) in s.windows.chunks_exact(area).zip(grad).zip(io.y) {
            let share = Self::route(window, io.x, pooled, ties, &mut s.values, &mut s.chosen);
            for &i in &s.chosen {
                s.sums[i].add(share * g);
            }
        }
        for (back, sum) in io.input_grad.iter_mut().zip(&s.sums) {
            *back = sum.value();
        }
        ctx.record_input_grads(io.input_grad);
    }
}

impl MaxPool {
    /// The backward step where no input lies in two windows: each chosen input's
    /// ∂L/∂In is its one term share·∂L/∂out (as a [`Sum`] of one term), every other
    /// input's 0.
    fn route_disjoint<R: Recorder>(
        &self,
        io: Gradients,
        s: &mut MaxPoolScratch,
        ties: Ties,
        ctx: &mut Ctx<R>,
    ) {
        let area = self.geometry.area();
        io.input_grad.fill(0.0);
        for ((window, g), &pooled) in s
            .windows
            .chunks_exact(area)
            .zip(io.incoming.grad())
            .zip(io.y)
        {
            let share = Self::route(window, io.x, pooled, ties, &mut s.values, &mut s.chosen);
            for &i in &s.chosen {
                let mut sum = Sum::default();
                sum.add(share * g);
                io.input_grad[i] = sum.value();
            }
        }
        ctx.record_input_grads(io.input_grad);
    }
}

impl LayerKind for MaxPool {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        if self.geometry.is_grid() {
            "maxpool2d"
        } else {
            "maxpool1d"
        }
    }

    fn outputs(&self) -> &[String] {
        &self.outputs
    }

    fn shape(&self) -> Shape {
        self.geometry.out_shape()
    }

    fn describe(&self) -> String {
        let g = &self.geometry;
        format!(
            "max pooling, size {}, stride {}",
            g.size_words(),
            g.stride_words()
        )
    }

    fn label(&self) -> String {
        format!("maxpool {}", self.geometry.size_words().replace(' ', ""))
    }

    fn role(&self) -> &'static str {
        "pooling layer"
    }

    fn widest_formula(&self) -> usize {
        self.geometry.area()
    }

    fn threshold(&self) -> f64 {
        0.5
    }

    /// Each node's out and grad, and each input's grad.
    fn quantities(&self) -> usize {
        2 * self.outputs.len() + self.geometry.input.size()
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
        self.span(o).collect()
    }

    fn node_bias(&self, _o: usize) -> Option<usize> {
        None
    }

    fn links(&self) -> Vec<Link> {
        (0..self.outputs.len())
            .flat_map(|o| {
                self.span(o).map(move |i| Link {
                    from: i,
                    to: o,
                    weight: None,
                    contrib: None,
                    gate: Gate::Route,
                })
            })
            .collect()
    }

    fn shared_filter(&self) -> Option<&dyn SharedFilter> {
        None
    }

    fn explain(&self, key: Key, ex: &Explainer) -> Explained {
        self.explain_pooled(key, ex)
    }

    fn explain_input_grad(&self, id: LayerId, i: usize, ex: &Explainer) -> Explained {
        let symbol = ["∂L/∂", &ex.net.node_names(id - 1)[i]].concat();
        let (formula, kind, note) = self.input_grad_formula(id, i, ex);
        let mut explained = Explained::new(symbol, formula).note(kind, note);
        explained.depends = self.routing_inputs(id, i);
        explained.hint = Some(self.window_hint(id, i, ex));
        explained
    }

    fn hazards(&self, id: LayerId, ex: &Explainer) -> Vec<Hazard> {
        self.pool_gaps(id, ex)
    }

    fn why(&self, key: Key, _ex: &Explainer) -> Option<String> {
        (key.kind == Kind::Out).then(|| {
            "Each neuron in the pooling layer just pools the maximum value of its window.".into()
        })
    }

    fn why_input_grad(&self, _id: LayerId, _ex: &Explainer) -> String {
        "The gradient flows only through the input that held the maximum; the others get 0.".into()
    }

    fn masks(&self) -> bool {
        false
    }

    fn slips(&self) -> Vec<Slip> {
        vec![Slip::TieConvention, Slip::WrongPoolInput]
    }

    /// The gradient an input of a pooling window gets when a pooled value's gradient is
    /// sent to the wrong input, for each window that holds it.
    fn slipped(&self, slip: Slip, id: LayerId, key: Key, ex: &Explainer) -> Vec<f64> {
        if slip != Slip::WrongPoolInput || key.kind != Kind::Grad || key.layer + 1 != id {
            return Vec::new();
        }
        self.misrouted_grads(id, key.index as usize, ex)
    }

    fn explain_slip(&self, _slip: Slip, _key: Key, _ex: &Explainer) -> Option<String> {
        None
    }

    fn routing(&self) -> Option<&dyn Routing> {
        Some(self)
    }
}

impl Routing for MaxPool {
    fn pool_windows(&self) -> Vec<(usize, Vec<usize>)> {
        (0..self.outputs.len())
            .map(|o| (o, self.span(o).collect()))
            .collect()
    }

    fn ties(&self, id: LayerId, ex: &Explainer) -> Vec<(usize, Vec<usize>)> {
        (0..self.outputs.len())
            .filter_map(|o| {
                let top = ex.value(id, Kind::Out, o);
                let tied: Vec<usize> = self
                    .span(o)
                    .filter(|&i| ex.value(id - 1, Kind::Out, i) == top)
                    .collect();
                (tied.len() > 1).then_some((o, tied))
            })
            .collect()
    }

    /// "max(0.2, 0.1) = 0.2 comes from r1; 0.1 is r2".
    fn describe_route(&self, id: LayerId, o: usize, ex: &Explainer) -> Option<String> {
        let n = |x: f64| crate::formula::number(x, 6);
        let names = ex.net.node_names(id - 1);
        let route = ex.trace.route(Key::new(id, Kind::Out, o))?;
        let chosen: Vec<&str> = route
            .chosen
            .iter()
            .map(|&c| names[c as usize].as_str())
            .collect();
        let others: Vec<String> = self
            .span(o)
            .filter(|&i| !route.chosen.contains(&(i as u32)))
            .map(|i| format!("{} is {}", n(ex.value(id - 1, Kind::Out, i)), names[i]))
            .collect();
        let values: Vec<String> = self
            .span(o)
            .map(|i| n(ex.value(id - 1, Kind::Out, i)))
            .collect();
        Some(format!(
            "max({}) = {} comes from {}; {}",
            values.join(", "),
            n(ex.value(id, Kind::Out, o)),
            chosen.join(" and "),
            others.join(", ")
        ))
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
