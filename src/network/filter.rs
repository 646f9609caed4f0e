//! What only a layer with shared filters answers (conv1d, conv2d), asked through
//! [`LayerKind::shared_filter`](super::LayerKind::shared_filter): one filter applied at
//! every output position, so each weight's gradient is a sum of recorded contributions,
//! one per position. The index arithmetic of those contributions is [`FilterIndex`], the
//! same for both ranks.

use super::layer::{Ctx, Gradients};
use super::{Figure, Gate, Link, Params};
use crate::numbers::{Snapper, Sum};
use crate::trace::{Kind, LayerId, Phase, Recorder};

/// The index geometry of a layer's shared filters: `filters` filters of `taps` weights
/// each, every filter applied at `positions` output positions (1-D: the window positions
/// along the input; 2-D: output rows × columns, row after row). Every (filter, position,
/// tap) records one contribution ∂L/∂f·In, numbered filter by filter, position by
/// position, tap by tap:
///
/// contribution = (filter · positions + position) · taps + tap
///
/// Filter `filter`'s weight `tap` is parameter filter · taps + tap (weights stored filter
/// by filter, the biases after all of them), and its output at `position` is node
/// filter · positions + position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FilterIndex {
    pub filters: usize,
    pub positions: usize,
    /// Weights per filter (1-D: the filter's length; 2-D: channels × kernel rows ×
    /// kernel columns).
    pub taps: usize,
}

impl FilterIndex {
    /// The geometry of filters stored as the columns of `params`' weight matrix (one
    /// column per filter, its taps down the column), each applied at `positions`
    /// positions.
    pub fn of(params: &Params, positions: usize) -> FilterIndex {
        FilterIndex {
            filters: params.weights.ncols(),
            positions,
            taps: params.weights.nrows(),
        }
    }

    /// Contributions recorded: one per filter weight and position.
    pub fn count(self) -> usize {
        self.filters * self.positions * self.taps
    }

    /// The contribution of `filter`'s weight `tap` at `position`.
    #[inline]
    pub fn contrib(self, filter: usize, position: usize, tap: usize) -> usize {
        (filter * self.positions + position) * self.taps + tap
    }

    /// `(filter, position, tap)` of contribution `index`.
    pub fn parts(self, index: usize) -> (usize, usize, usize) {
        (
            index / self.taps / self.positions,
            index / self.taps % self.positions,
            index % self.taps,
        )
    }

    /// The output node of `filter` at `position`.
    #[inline]
    pub fn node(self, filter: usize, position: usize) -> usize {
        filter * self.positions + position
    }

    /// The parameter of `filter`'s weight `tap`.
    #[inline]
    pub fn weight(self, filter: usize, tap: usize) -> usize {
        filter * self.taps + tap
    }

    /// The output node whose gradient contribution `index` multiplies: the node `k` of
    /// ∂L/∂f_k·In.
    pub fn contrib_node(self, index: usize) -> usize {
        let (filter, position, _) = self.parts(index);
        self.node(filter, position)
    }

    /// The (filter, tap) of parameter `p`; None for a bias.
    pub fn filter_of(self, p: usize) -> Option<(usize, usize)> {
        (p < self.filters * self.taps).then(|| (p / self.taps, p % self.taps))
    }

    /// The contribution of weight parameter `p` at `position`; None for a bias.
    pub fn contrib_at(self, p: usize, position: usize) -> Option<usize> {
        let (filter, tap) = self.filter_of(p)?;
        Some(self.contrib(filter, position, tap))
    }

    /// The diagram's edges: one per (filter, position, tap) whose weight meets an input,
    /// `meets(position, tap)` (None where it meets a padded zero), each carrying its
    /// weight and its contribution.
    pub fn links(self, meets: impl Fn(usize, usize) -> Option<usize>) -> Vec<Link> {
        let mut links = Vec::with_capacity(self.count());
        for f in 0..self.filters {
            for k in 0..self.positions {
                for j in 0..self.taps {
                    if let Some(from) = meets(k, j) {
                        links.push(Link {
                            from,
                            to: self.node(f, k),
                            weight: Some(self.weight(f, j)),
                            contrib: Some(self.contrib(f, k, j)),
                            gate: Gate::Open,
                        });
                    }
                }
            }
        }
        links
    }

    /// The contribution tables of the gradient, one per filter.
    pub fn tables(self) -> Vec<FilterTable> {
        (0..self.filters)
            .map(|f| FilterTable {
                weights: (0..self.taps).map(|j| self.weight(f, j)).collect(),
                nodes: (0..self.positions).map(|k| self.node(f, k)).collect(),
                contribs: (0..self.positions)
                    .map(|k| (0..self.taps).map(|j| self.contrib(f, k, j)).collect())
                    .collect(),
            })
            .collect()
    }
}

/// The step of a layer with shared filters once its windows are read, the same in 1-D
/// and 2-D, with the buffers it keeps between the forward and the backward step:
///
/// - forward, each output f_(pos) = Σ_j X̃_(pos, j)·w_(pair j) + b, window cell by cell as
///   the formula prints it ([`respond`](Self::respond));
/// - backward, each weight's ∂L/∂w_j = Σ_pos ∂L/∂f_(pos)·X̃_(pos, pair j) and each bias's
///   ∂L/∂b = Σ_pos ∂L/∂f_(pos), position by position as the filter table prints them
///   ([`hold`](Self::hold)), and ∂L/∂X̃_i = Σ ∂L/∂f_(pos)·w over the (filter, position,
///   cell) that read input i ([`input_grads`](Self::input_grads)).
///
/// X̃ is the (padded) input as the windows read it: `windows` holds, position after
/// position, the value each window cell reads (0 for padding), written by the layer
/// ([`windows_mut`](Self::windows_mut)). Weight j meets window cell `pairs[j]`, and cell
/// j meets weight `pairs[j]` (itself, or the mirrored one under `flip`).
#[derive(Clone, Debug)]
pub struct FilterStep {
    index: FilterIndex,
    windows: Vec<f64>,
    /// Whether every cell of a position's window is 0 (a blank part of an image): a
    /// finite filter's response there is its bias alone.
    blank: Vec<bool>,
    pairs: Vec<usize>,
    /// Filter by filter, the weight each window cell meets.
    met: Vec<f64>,
    wgrad: Vec<Sum>,
    bias: Vec<Sum>,
    terms: Vec<f64>,
    input_grad: Vec<Sum>,
}

impl FilterStep {
    /// The buffers for `index`'s filters, with weight j meeting window cell `pairs[j]`,
    /// over `inputs` inputs.
    pub fn new(index: FilterIndex, pairs: Vec<usize>, inputs: usize) -> FilterStep {
        let weights = index.filters * index.taps;
        FilterStep {
            index,
            windows: vec![0.0; index.positions * index.taps],
            blank: vec![false; index.positions],
            pairs,
            met: vec![0.0; weights],
            wgrad: vec![Sum::default(); weights],
            bias: vec![Sum::default(); index.filters],
            terms: vec![0.0; index.taps],
            input_grad: vec![Sum::default(); inputs],
        }
    }

    /// Each position's window, to be filled with the values its cells read.
    pub fn windows_mut(&mut self) -> std::slice::ChunksExactMut<'_, f64> {
        self.windows.chunks_exact_mut(self.index.taps)
    }

    /// Every filter's output at every position into `out` (filter by filter), snapped;
    /// a run of equal sums is snapped once ([`Snapper`]).
    pub fn respond(&mut self, params: &Params, out: &mut [f64]) {
        let taps = self.index.taps;
        for (blank, window) in self.blank.iter_mut().zip(self.windows.chunks_exact(taps)) {
            *blank = window.iter().all(|&v| v == 0.0);
        }
        let weights = params.weights.as_slice();
        for (met, w) in self
            .met
            .chunks_exact_mut(taps)
            .zip(weights.chunks_exact(taps))
        {
            for (m, &p) in met.iter_mut().zip(&self.pairs) {
                *m = w[p];
            }
        }
        let maps = out.chunks_exact_mut(self.index.positions);
        for (f, (map, w)) in maps.zip(self.met.chunks_exact(taps)).enumerate() {
            let finite = w.iter().all(|v| v.is_finite());
            let bias = params.bias_of(f).map(|b| params.get(b));
            let mut snapper = Snapper::default();
            let cells = self.windows.chunks_exact(taps).zip(&self.blank);
            for (out, (window, &blank)) in map.iter_mut().zip(cells) {
                let mut sum = Sum::default();
                if blank && finite {
                    sum.add_zeros(taps as u32);
                } else {
                    for (xj, wj) in window.iter().zip(w) {
                        sum.add_product(*xj, *wj);
                    }
                }
                if let Some(b) = bias {
                    sum.add(b);
                }
                *out = snapper.value(&sum);
            }
        }
    }

    /// Records every contribution ∂L/∂f_(pos)·X̃ and holds each weight's and bias's Δw
    /// in `io.dw`. Untraced, a position whose gradient is 0 adds only zeros and is
    /// counted, not added ([`skips_zero_gradients`]).
    pub fn hold<R: Recorder>(&mut self, params: &Params, io: &mut Gradients, ctx: &mut Ctx<R>) {
        let index = self.index;
        let grad = io.incoming.grad();
        self.wgrad.fill(Sum::default());
        self.bias.fill(Sum::default());
        let skips_zeros = skips_zero_gradients::<R>(io.x);
        let filters = self.wgrad.chunks_exact_mut(index.taps).zip(&mut self.bias);
        for (f, (sums, bias)) in filters.enumerate() {
            let mut zeros = 0;
            for (pos, window) in self.windows.chunks_exact(index.taps).enumerate() {
                let g = grad[index.node(f, pos)];
                if skips_zeros && g == 0.0 {
                    zeros += 1;
                    continue;
                }
                bias.add(g);
                for (term, &cell) in self.terms.iter_mut().zip(&self.pairs) {
                    *term = g * window[cell];
                }
                ctx.record_run_from(Kind::Contrib, index.contrib(f, pos, 0), &mut self.terms);
                for (sum, term) in sums.iter_mut().zip(&self.terms) {
                    sum.add(*term);
                }
            }
            sums.iter_mut().for_each(|sum| sum.add_zeros(zeros));
            bias.add_zeros(zeros);
        }
        for (p, sum) in self.wgrad.iter().enumerate() {
            io.dw[p] = ctx.hold(p, params.get(p), sum.value(), false);
        }
        if params.bias.is_some() {
            for (f, sum) in self.bias.iter().enumerate() {
                let p = params.bias_index(f);
                io.dw[p] = ctx.hold(p, params.get(p), sum.value(), true);
            }
        }
    }

    /// ∂L/∂X into `io.input_grad`, recorded: for each input, Σ ∂L/∂f·w over the (filter,
    /// position, window cell) that read it, in that order, with the weights of the
    /// forward step; `reads(pos, j)` is the input window cell j of `pos` reads (None
    /// for padding).
    pub fn input_grads<R: Recorder>(
        &mut self,
        reads: impl Fn(usize, usize) -> Option<usize>,
        io: &mut Gradients,
        ctx: &mut Ctx<R>,
    ) {
        let index = self.index;
        let grad = io.incoming.grad();
        self.input_grad.fill(Sum::default());
        for (f, w) in self.met.chunks_exact(index.taps).enumerate() {
            for pos in 0..index.positions {
                let g = grad[index.node(f, pos)];
                for (j, &wj) in w.iter().enumerate() {
                    if let Some(i) = reads(pos, j) {
                        self.input_grad[i].add_product(g, wj);
                    }
                }
            }
        }
        for (back, sum) in io.input_grad.iter_mut().zip(&self.input_grad) {
            *back = sum.value();
        }
        ctx.record_input_grads(io.input_grad);
    }
}

/// Whether a shared filter's backward step may leave out the terms of a position whose
/// gradient is 0 ([`Sum::add_zeros`](crate::numbers::Sum::add_zeros)): only untraced (a
/// trace records every term, 0 or not) and only when every input is finite (0·∞ is not 0).
/// Behind a max-pool three gradients in four are 0.
fn skips_zero_gradients<R: Recorder>(x: &[f64]) -> bool {
    !R::TRACING && x.iter().all(|v| v.is_finite())
}

/// A shared filter's gradient laid out as a table: for each filter, its weights as
/// columns and its output positions as rows, each cell one recorded contribution.
#[derive(Clone, Debug, PartialEq)]
pub struct FilterTable {
    /// The filter's weight parameters, in column order.
    pub weights: Vec<usize>,
    /// The output node of each row.
    pub nodes: Vec<usize>,
    /// `contribs[row][column]`: the contribution index of that weight at that position.
    pub contribs: Vec<Vec<usize>>,
}

/// The questions only a layer with shared filters answers.
pub trait SharedFilter {
    /// Where each contribution, filter weight and output stands.
    fn filter_index(&self) -> FilterIndex;
    /// Output position `position` as a contribution's name writes it after the weight's
    /// (`w2@3`), counting from 1: `3` in 1-D, `3_2` (row 3, column 2) in 2-D.
    fn position_name(&self, position: usize) -> String;
    /// The filters' numbers as grids for the tables of `phase`: in 2-D the kernels
    /// (forward pass) and the identities ∂L/∂W = X̃ ⋆ G and ∂L/∂X (backward pass); none
    /// in 1-D.
    fn figures(&self, id: LayerId, phase: Phase) -> Vec<Figure>;
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: FilterIndex = FilterIndex {
        filters: 2,
        positions: 3,
        taps: 4,
    };

    #[test]
    fn contributions_run_filter_by_filter_position_by_position_tap_by_tap() {
        let mut expected = 0;
        for f in 0..2 {
            for k in 0..3 {
                for j in 0..4 {
                    assert_eq!(INDEX.contrib(f, k, j), expected);
                    assert_eq!(INDEX.parts(expected), (f, k, j));
                    assert_eq!(INDEX.contrib_node(expected), f * 3 + k);
                    expected += 1;
                }
            }
        }
        assert_eq!(INDEX.count(), expected);
    }

    #[test]
    fn a_bias_has_no_contribution() {
        assert_eq!(INDEX.filter_of(5), Some((1, 1)));
        assert_eq!(INDEX.contrib_at(5, 2), Some(21));
        assert_eq!(INDEX.filter_of(8), None);
        assert_eq!(INDEX.contrib_at(9, 0), None);
    }

    #[test]
    fn an_edge_is_left_out_where_its_weight_meets_padding() {
        let links = INDEX.links(|k, j| (k != 1).then_some(10 * k + j));
        assert_eq!(links.len(), 2 * 2 * 4);
        assert_eq!(
            links[5],
            Link {
                from: 21,
                to: 2,
                weight: Some(1),
                contrib: Some(9),
                gate: Gate::Open,
            }
        );
    }

    #[test]
    fn a_table_row_is_one_position_of_one_filter() {
        let tables = INDEX.tables();
        assert_eq!(tables.len(), 2);
        assert_eq!(tables[1].weights, [4, 5, 6, 7]);
        assert_eq!(tables[1].nodes, [3, 4, 5]);
        assert_eq!(tables[1].contribs[2], [20, 21, 22, 23]);
    }
}
