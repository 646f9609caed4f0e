//! 1-D convolution with shared filters: f_(c,k) = Σ_j Ĩn_(k·stride + j)·w_(c,j) (+ b_c),
//! Ĩn the input with `padding` zeros at each end (a padded zero appears in formulas as
//! `0`). Under the `flip` convention the filter is reversed first: window cell j meets
//! w_(c,size−1−j). Because the filter is shared, its gradient is a sum over positions:
//! ∂L/∂w_(c,j) = Σ_k ∂L/∂f_(c,k) · Ĩn_(k·stride + j); each term is recorded (`contrib`).

use super::filter::FilterStep;
use super::{
    Ctx, Explained, Explainer, Figure, FilterIndex, Gradients, Hazard, LayerKind, Link, NoteKind,
    Outputs, Params, Routing, Shape, SharedFilter, Slip, Step,
};
use crate::formula::Expr;
use crate::numbers::Sum;
use crate::trace::{Key, Kind, LayerId, Phase, Recorder};

#[derive(Clone, Debug, PartialEq)]
pub struct Conv1d {
    pub name: String,
    /// Filters: one column per filter, one row per filter weight (storage runs filter by
    /// filter); one bias per filter.
    pub params: Params,
    pub stride: usize,
    /// Zeros added at each end of the input.
    pub padding: usize,
    /// The `flip` convention: the filter is reversed in the forward pass.
    pub flip: bool,
    /// The length of the (single-channel) input, before padding.
    pub input_len: usize,
    /// One channel per filter, each `positions()` long.
    pub outputs: Vec<String>,
}

impl Conv1d {
    #[inline]
    pub fn size(&self) -> usize {
        self.params.weights.nrows()
    }

    #[inline]
    pub fn filters(&self) -> usize {
        self.params.weights.ncols()
    }

    /// Output positions per filter.
    #[inline]
    pub fn positions(&self) -> usize {
        (self.input_len + 2 * self.padding - self.size()) / self.stride + 1
    }

    /// The input that window cell `j` of position `k` reads; None for a padded zero.
    #[inline]
    fn cell(&self, k: usize, j: usize) -> Option<usize> {
        (k * self.stride + j)
            .checked_sub(self.padding)
            .filter(|&i| i < self.input_len)
    }

    /// The value window cell `j` of position `k` reads: an input, or a padded 0.
    #[inline]
    fn read(&self, x: &[f64], k: usize, j: usize) -> f64 {
        self.cell(k, j).map_or(0.0, |i| x[i])
    }

    /// The filter weight that meets window cell `j` (and the cell weight `j` meets):
    /// itself, or under `flip` the mirrored one.
    #[inline]
    fn pair(&self, j: usize) -> usize {
        if self.flip { self.size() - 1 - j } else { j }
    }

    /// Window cell `j` of position `k` as an operand: the input node, or a padded 0.
    fn operand(&self, ex: &Explainer, id: LayerId, k: usize, j: usize) -> Expr {
        match self.cell(k, j) {
            Some(i) => ex.node(id - 1, i),
            None => Expr::Num(0.0),
        }
    }

    /// Where the window of output `i` starts on the padded input, and where a student may
    /// have put it instead: one cell earlier or later (off by one), or at the output's
    /// position itself (the stride ignored). Only windows that fit on the padded input and
    /// differ from the true one; a padded cell they cover reads 0.
    pub fn slipped_starts(&self, i: usize) -> Vec<usize> {
        let k = i % self.positions();
        let start = k * self.stride;
        let padded_len = self.input_len + 2 * self.padding;
        let mut starts = vec![start.wrapping_sub(1), start + 1, k];
        starts.retain(|&s| {
            s != start
                && s.checked_add(self.size())
                    .is_some_and(|end| end <= padded_len)
        });
        starts.sort_unstable();
        starts.dedup();
        starts
    }

    /// Output `i` as it would be with its window starting at cell `start` of the padded
    /// input (padded cells 0), from the inputs and weights recorded in a trace.
    pub fn output_at(&self, id: LayerId, i: usize, start: usize, ex: &Explainer) -> f64 {
        let (size, c) = (self.size(), i / self.positions());
        let field: Vec<f64> = (start..start + size)
            .map(|p| {
                p.checked_sub(self.padding)
                    .filter(|&x| x < self.input_len)
                    .map_or(0.0, |x| ex.value(id - 1, Kind::Out, x))
            })
            .collect();
        let w: Vec<f64> = (0..size)
            .map(|j| ex.value(id, Kind::W, c * size + self.pair(j)))
            .collect();
        let b = self.params.bias_of(c).map(|b| ex.value(id, Kind::W, b));
        respond(&field, &w, b)
    }

    fn explain_own(&self, key: Key, ex: &Explainer) -> Explained {
        let id = key.layer;
        let i = key.index as usize;
        let (size, positions) = (self.size(), self.positions());
        match key.kind {
            Kind::Out => {
                let (c, k) = (i / positions, i % positions);
                let mut terms: Vec<Expr> = (0..size)
                    .map(|j| {
                        Expr::mul(vec![
                            self.operand(ex, id, k, j),
                            ex.param(id, c * size + self.pair(j)),
                        ])
                    })
                    .collect();
                if let Some(b) = self.params.bias_of(c) {
                    terms.push(ex.param(id, b));
                }
                let field = self.field_words(ex, id, k);
                Explained::new(self.outputs[i].clone(), Expr::add(terms))
                    .note(NoteKind::Field, field)
            }
            Kind::Contrib => {
                let (symbol, formula) = self.contrib_formula(id, i, ex);
                Explained::new(symbol, formula)
            }
            Kind::Wgrad => self.explain_wgrad(id, i, ex),
            _ => Explained::new("?", Expr::Num(0.0)),
        }
    }

    /// `receptive field In2..In3`, with the padded zeros counted.
    fn field_words(&self, ex: &Explainer, id: LayerId, k: usize) -> String {
        let names = ex.net.node_names(id - 1);
        let inputs: Vec<usize> = (0..self.size()).filter_map(|j| self.cell(k, j)).collect();
        let mut words = match (inputs.first(), inputs.last()) {
            (Some(&a), Some(&b)) => format!("receptive field {}..{}", names[a], names[b]),
            _ => "receptive field all padding".to_string(),
        };
        let padded = self.size() - inputs.len();
        if padded > 0 {
            let s = if padded == 1 { "" } else { "s" };
            words.push_str(&format!("; {padded} padded 0{s} (shown as 0)"));
        }
        if self.flip {
            words.push_str("; filter reversed (convolution: flip)");
        }
        words
    }

    /// The symbol of a contribution: `∂L/∂f_k·In`, the input weight j met at position k
    /// (`0` where it met padding).
    fn contrib_symbol(&self, id: LayerId, index: usize, ex: &Explainer) -> String {
        let layout = self.filter_index();
        let (c, k, j) = layout.parts(index);
        let read = match self.cell(k, self.pair(j)) {
            Some(i) => ex.net.node_names(id - 1)[i].as_str(),
            None => "0",
        };
        ["∂L/∂", &self.outputs[layout.node(c, k)], "·", read].concat()
    }

    /// ∂L/∂f_k · Ĩn_(k·stride + j'), j' the cell weight j meets.
    fn contrib_formula(&self, id: LayerId, index: usize, ex: &Explainer) -> (String, Expr) {
        let layout = self.filter_index();
        let (c, k, j) = layout.parts(index);
        let f = layout.node(c, k);
        (
            self.contrib_symbol(id, index, ex),
            Expr::mul(vec![ex.grad(id, f), self.operand(ex, id, k, self.pair(j))]),
        )
    }

    fn explain_wgrad(&self, id: LayerId, p: usize, ex: &Explainer) -> Explained {
        let symbol = ["∂L/∂", &self.params.names[p]].concat();
        let positions = self.positions();
        if self.params.is_bias(p) {
            let c = p - self.params.weights.len();
            let terms = (0..positions)
                .map(|k| ex.grad(id, c * positions + k))
                .collect();
            return Explained::new(symbol, Expr::add(terms));
        }
        let (c, j) = (p / self.size(), p % self.size());
        let terms = (0..positions)
            .map(|k| {
                let index = self.filter_index().contrib(c, k, j);
                ex.operand(self.contrib_symbol(id, index, ex), id, Kind::Contrib, index)
            })
            .collect();
        Explained::new(symbol, Expr::add(terms)).note(
            NoteKind::Remark,
            "shared filter: the sum over every position",
        )
    }

    /// ∂L/∂In_i = Σ over the (filter, position, weight) that read In_i of ∂L/∂f·w.
    fn input_grad_formula(&self, id: LayerId, i: usize, ex: &Explainer) -> Expr {
        let (size, positions) = (self.size(), self.positions());
        let mut terms = Vec::new();
        for c in 0..self.filters() {
            for k in 0..positions {
                let cell = (i + self.padding).checked_sub(k * self.stride);
                if let Some(j) = cell.filter(|&j| j < size) {
                    terms.push(Expr::mul(vec![
                        ex.grad(id, c * positions + k),
                        ex.param(id, c * size + self.pair(j)),
                    ]));
                }
            }
        }
        if terms.is_empty() {
            Expr::Num(0.0)
        } else {
            Expr::add(terms)
        }
    }
}

impl SharedFilter for Conv1d {
    fn filter_index(&self) -> FilterIndex {
        FilterIndex::of(&self.params, self.positions())
    }

    /// `3`: position 3.
    fn position_name(&self, position: usize) -> String {
        (position + 1).to_string()
    }

    /// None: the contribution tables show it all.
    fn figures(&self, _id: LayerId, _phase: Phase) -> Vec<Figure> {
        Vec::new()
    }
}

impl LayerKind for Conv1d {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "conv1d"
    }

    fn outputs(&self) -> &[String] {
        &self.outputs
    }

    fn shape(&self) -> Shape {
        Shape::line(self.filters(), self.positions())
    }

    fn describe(&self) -> String {
        let n = self.filters();
        let filters = if n == 1 { "filter" } else { "filters" };
        let mut text = format!(
            "convolution, {n} shared {filters} of {}, stride {}",
            self.size(),
            self.stride
        );
        if self.padding > 0 {
            text.push_str(&format!(", padding {}", self.padding));
        }
        if self.flip {
            text.push_str(", filter reversed");
        }
        text
    }

    fn label(&self) -> String {
        format!("conv1d {}×{}", self.filters(), self.size())
    }

    fn role(&self) -> &'static str {
        "convolution"
    }

    /// Terms of the longest formula: a net input (the window and the bias), a filter
    /// weight's gradient (one contribution per position), or an input's gradient (one
    /// term per filter weight that reads it).
    fn widest_formula(&self) -> usize {
        (self.size() + 1)
            .max(self.positions())
            .max(self.filters() * self.size())
    }

    fn threshold(&self) -> f64 {
        0.5
    }

    /// Each parameter's w, ∂L/∂w, Δw and new w; each node's out and grad (and its input's
    /// grad); one contribution per filter weight and position.
    fn quantities(&self) -> usize {
        4 * self.params.count() + 4 * self.outputs.len() + self.filter_index().count()
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

    /// The inputs output `o` reads, in its formula's order (padded cells left out).
    fn window(&self, o: usize) -> Vec<usize> {
        let k = o % self.positions();
        (0..self.size()).filter_map(|j| self.cell(k, j)).collect()
    }

    fn node_bias(&self, o: usize) -> Option<usize> {
        self.params.bias_of(o / self.positions())
    }

    fn links(&self) -> Vec<Link> {
        self.filter_index().links(|k, j| self.cell(k, self.pair(j)))
    }

    fn shared_filter(&self) -> Option<&dyn SharedFilter> {
        Some(self)
    }

    fn explain(&self, key: Key, ex: &Explainer) -> Explained {
        self.explain_own(key, ex)
    }

    fn explain_input_grad(&self, id: LayerId, i: usize, ex: &Explainer) -> Explained {
        let symbol = ["∂L/∂", &ex.net.node_names(id - 1)[i]].concat();
        Explained::new(symbol, self.input_grad_formula(id, i, ex))
    }

    fn hazards(&self, _id: LayerId, _ex: &Explainer) -> Vec<Hazard> {
        Vec::new()
    }

    fn why(&self, key: Key, _ex: &Explainer) -> Option<String> {
        let text = match key.kind {
            Kind::Out => {
                "Each neuron of the convolution applies the same shared filter to its own window of the input."
            }
            Kind::Contrib => {
                "The filter is shared, so every position adds a term ∂L_i/∂f_k · In to the weight's gradient."
            }
            Kind::Wgrad => "Sum all the terms together: the shared weight's gradient.",
            _ => return None,
        };
        Some(text.into())
    }

    fn why_input_grad(&self, _id: LayerId, _ex: &Explainer) -> String {
        "The gradient flows back from the layer above.".into()
    }

    fn masks(&self) -> bool {
        false
    }

    fn slips(&self) -> Vec<Slip> {
        vec![
            Slip::ReceptiveFieldShift,
            Slip::FilterSumWithoutInput,
            Slip::UnsummedFilterGradient,
        ]
    }

    /// A convolution output computed from a window off by one, or with the stride ignored.
    fn slipped(&self, slip: Slip, id: LayerId, key: Key, ex: &Explainer) -> Vec<f64> {
        if slip != Slip::ReceptiveFieldShift || key.kind != Kind::Out || key.layer != id {
            return Vec::new();
        }
        let i = key.index as usize;
        self.slipped_starts(i)
            .into_iter()
            .map(|start| self.output_at(id, i, start, ex))
            .collect()
    }

    /// "f2 reads In2..In3 (stride 1): f2 = In2·w1 + In3·w2; your value uses another window"
    /// (a padded convolution says its padding too).
    fn explain_slip(&self, slip: Slip, key: Key, ex: &Explainer) -> Option<String> {
        if slip != Slip::ReceptiveFieldShift || key.kind != Kind::Out {
            return None;
        }
        let i = key.index as usize;
        let names = ex.net.node_names(key.layer - 1);
        let window = self.window(i);
        let e = self.explain_own(key, ex);
        let formula = e.formula.render(crate::formula::Rendering::Symbolic, 6);
        let padding = match self.padding {
            0 => String::new(),
            p => format!(", padding {p}: padded cells are 0"),
        };
        let (first, last) = (&names[window[0]], &names[window[window.len() - 1]]);
        let field = if first == last {
            first.clone()
        } else {
            format!("{first}..{last}")
        };
        Some(format!(
            "{} reads {field} (stride {}{padding}): {} = {formula}; your value uses another window",
            e.symbol, self.stride, e.symbol
        ))
    }

    fn routing(&self) -> Option<&dyn Routing> {
        None
    }
}

impl Step for Conv1d {
    /// The buffers are the shared filters' step ([`FilterStep`]).
    type Scratch = FilterStep;

    fn scratch(&self) -> FilterStep {
        let pairs = (0..self.size()).map(|j| self.pair(j)).collect();
        FilterStep::new(self.filter_index(), pairs, self.input_len)
    }

    fn net_inputs(&self) -> usize {
        0
    }

    fn forward<R: Recorder>(&self, x: &[f64], into: Outputs, s: &mut FilterStep, ctx: &mut Ctx<R>) {
        for (k, window) in s.windows_mut().enumerate() {
            for (j, cell) in window.iter_mut().enumerate() {
                *cell = self.read(x, k, j);
            }
        }
        s.respond(&self.params, into.out);
        ctx.record_run(Kind::Out, into.out);
    }

    /// Each contribution ∂L/∂f_(c,k)·Ĩn_(k·stride + j), recorded filter by filter, position
    /// by position, and summed into ∂L/∂w as printed; then the held Δw; then ∂L/∂In.
    fn backward<R: Recorder>(&self, mut io: Gradients, s: &mut FilterStep, ctx: &mut Ctx<R>) {
        s.hold(&self.params, &mut io, ctx);
        if ctx.wants_input_grad {
            s.input_grads(|k, j| self.cell(k, j), &mut io, ctx);
        }
    }
}

/// One filter's response at one window: Σ_j In_j·w_j (+ b), in the order printed,
/// snapped ([`Sum`]).
fn respond(field: &[f64], w: &[f64], b: Option<f64>) -> f64 {
    let mut sum = Sum::default();
    field
        .iter()
        .zip(w)
        .for_each(|(xi, wj)| sum.add_product(*xi, *wj));
    if let Some(b) = b {
        sum.add(b);
    }
    sum.value()
}
