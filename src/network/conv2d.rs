//! 2-D convolution with shared filters, stride and zero padding (SPEC section 6):
//!
//! f_(f,i,j) = Σ_c Σ_u Σ_v X̃_(c, i·s_r + u, j·s_c + v) · w_(f,c,u,v) (+ b_f)
//!
//! where X̃ is the input with `padding` zeros around it. Under the `flip` convention the
//! kernel is rotated by 180° first: the window cell (u, v) meets w_(f,c,kh−1−u,kw−1−v).
//! The filter is shared, so ∂L/∂w is a sum over positions, each term recorded
//! (`contrib`, `w1_1_2_1@3_2`): ∂L/∂w_(f,c,u,v) = Σ_(i,j) G_(f,i,j) · X̃_(c, i·s_r + u, j·s_c + v)
//! (correlate) — the padded input correlated with the gradient map G, dilated by the
//! stride. ∂L/∂X is the full convolution of G (dilated, padded by kernel − 1) with the
//! kernel rotated by 180°, the padding cropped away.

use super::filter::FilterStep;
use super::{
    Ctx, Explained, Explainer, Figure, FilterIndex, Gradients, GridCell, GridOf, Hazard, LayerKind,
    Link, NoteKind, Outputs, Params, Routing, Shape, SharedFilter, Slip, Step,
};
use crate::formula::Expr;
use crate::numbers::{Sum, sum};
use crate::trace::{Key, Kind, LayerId, Phase, Recorder};

#[derive(Clone, Debug, PartialEq)]
pub struct Conv2d {
    pub name: String,
    /// One column per filter; a column holds the filter's weights channel by channel,
    /// row by row (parameter `f·taps + (c·kh + u)·kw + v`); one bias per filter.
    pub params: Params,
    /// The input's shape (channels × rows × columns), before padding.
    pub input: Shape,
    /// Kernel rows and columns.
    pub kernel: [usize; 2],
    /// Stride along rows and columns.
    pub stride: [usize; 2],
    /// Zeros added on each side, along rows and columns.
    pub padding: [usize; 2],
    /// The `flip` convention: the kernel is rotated by 180° in the forward pass.
    pub flip: bool,
    /// One grid per filter, `<prefix><filter>_<row>_<column>`.
    pub outputs: Vec<String>,
}

/// Where a window cell falls: on an input, or on a padded zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cell {
    Input(usize),
    Padding,
}

impl Cell {
    /// The input it falls on; None for a padded zero.
    fn input(self) -> Option<usize> {
        match self {
            Cell::Input(i) => Some(i),
            Cell::Padding => None,
        }
    }
}

impl Conv2d {
    #[inline]
    pub fn filters(&self) -> usize {
        self.params.weights.ncols()
    }

    /// Weights per filter: channels × kernel rows × kernel columns.
    #[inline]
    pub fn taps(&self) -> usize {
        self.params.weights.nrows()
    }

    /// Output rows and columns: (input + 2·padding − kernel) / stride + 1.
    pub fn out_dims(&self) -> [usize; 2] {
        let dim = |a: usize| (self.padded()[a] - self.kernel[a]) / self.stride[a] + 1;
        [dim(0), dim(1)]
    }

    /// The padded input's rows and columns.
    pub fn padded(&self) -> [usize; 2] {
        [
            self.input.rows + 2 * self.padding[0],
            self.input.cols + 2 * self.padding[1],
        ]
    }

    /// Output positions per filter.
    #[inline]
    pub fn positions(&self) -> usize {
        let [r, c] = self.out_dims();
        r * c
    }

    /// (channel, row, column) of weight `j` within a filter.
    #[inline]
    fn tap(&self, j: usize) -> (usize, usize, usize) {
        let [kh, kw] = self.kernel;
        (j / (kh * kw), j / kw % kh, j % kw)
    }

    /// The weight (within a filter) that meets window cell `j` (same numbering as the
    /// weights: channel, row, column): itself, or under `flip` the cell rotated by 180°.
    /// Its own inverse.
    #[inline]
    fn pair(&self, j: usize) -> usize {
        if !self.flip {
            return j;
        }
        let [kh, kw] = self.kernel;
        let (c, u, v) = self.tap(j);
        (c * kh + kh - 1 - u) * kw + kw - 1 - v
    }

    /// What window cell `j` of position `pos` reads.
    #[inline]
    fn cell(&self, pos: usize, j: usize) -> Cell {
        let [_, out_cols] = self.out_dims();
        let (c, u, v) = self.tap(j);
        let r = (pos / out_cols) * self.stride[0] + u;
        let col = (pos % out_cols) * self.stride[1] + v;
        match (
            r.checked_sub(self.padding[0])
                .filter(|&r| r < self.input.rows),
            col.checked_sub(self.padding[1])
                .filter(|&col| col < self.input.cols),
        ) {
            (Some(r), Some(col)) => Cell::Input(self.input.index(c, r, col)),
            _ => Cell::Padding,
        }
    }

    /// Visits the window of position `pos` cell by cell (channel, row, column; cell `j`
    /// counting from 0) with the input it reads, None for a padded zero. The same cells
    /// as [`cell`](Self::cell), without a division per cell (the step's inner loop).
    #[inline]
    fn visit_window(
        &self,
        pos: usize,
        out_cols: usize,
        mut visit: impl FnMut(usize, Option<usize>),
    ) {
        let [kh, kw] = self.kernel;
        let r0 = (pos / out_cols) * self.stride[0];
        let c0 = (pos % out_cols) * self.stride[1];
        let mut j = 0;
        for c in 0..self.input.channels {
            for u in 0..kh {
                let r = (r0 + u)
                    .checked_sub(self.padding[0])
                    .filter(|&r| r < self.input.rows);
                for v in 0..kw {
                    let col = (c0 + v)
                        .checked_sub(self.padding[1])
                        .filter(|&col| col < self.input.cols);
                    visit(j, r.zip(col).map(|(r, col)| self.input.index(c, r, col)));
                    j += 1;
                }
            }
        }
    }

    /// The values window `pos` reads, cell by cell (padded cells 0), into `window`. Without
    /// padding every cell is inside the input, and each kernel row reads a run of
    /// `kw` neighbours in one input row.
    #[inline]
    fn read_window(&self, x: &[f64], pos: usize, out_cols: usize, window: &mut [f64]) {
        if self.padding != [0, 0] {
            self.visit_window(pos, out_cols, |j, cell| {
                window[j] = cell.map_or(0.0, |i| x[i])
            });
            return;
        }
        let [kh, kw] = self.kernel;
        let r0 = (pos / out_cols) * self.stride[0];
        let c0 = (pos % out_cols) * self.stride[1];
        for (c, channel) in window.chunks_exact_mut(kh * kw).enumerate() {
            for (u, row) in channel.chunks_exact_mut(kw).enumerate() {
                let start = self.input.index(c, r0 + u, c0);
                row.copy_from_slice(&x[start..start + kw]);
            }
        }
    }

    /// (position, window cell) of every term of ∂L/∂(input i), in the order printed.
    fn readers(&self, i: usize) -> Vec<(usize, usize, usize)> {
        let (c, a, b) = self.input.position(i);
        let [kh, kw] = self.kernel;
        let [_, out_cols] = self.out_dims();
        let mut terms = Vec::new();
        for f in 0..self.filters() {
            for pos in 0..self.positions() {
                let (pi, pj) = (pos / out_cols, pos % out_cols);
                let u = (a + self.padding[0]).checked_sub(pi * self.stride[0]);
                let v = (b + self.padding[1]).checked_sub(pj * self.stride[1]);
                if let (Some(u), Some(v)) = (u.filter(|&u| u < kh), v.filter(|&v| v < kw)) {
                    terms.push((f, pos, (c * kh + u) * kw + v));
                }
            }
        }
        terms
    }

    /// The weight (within a filter) mirrored through the kernel's centre.
    fn mirrored(&self, j: usize) -> usize {
        let [kh, kw] = self.kernel;
        let (c, u, v) = self.tap(j);
        (c * kh + kh - 1 - u) * kw + kw - 1 - v
    }

    /// ∂L/∂(input i) with the kernel not rotated: each term's weight mirrored.
    fn unrotated_input_grad(&self, id: LayerId, i: usize, ex: &Explainer) -> f64 {
        let taps = self.taps();
        sum(self.readers(i).into_iter().map(|(f, pos, j)| {
            ex.value(id, Kind::Grad, f * self.positions() + pos)
                * ex.value(id, Kind::W, f * taps + self.mirrored(self.pair(j)))
        }))
    }

    /// The top-left cell (row, column of the padded input) of position `pos`'s window.
    fn origin(&self, pos: usize) -> [usize; 2] {
        let [_, out_cols] = self.out_dims();
        [
            (pos / out_cols) * self.stride[0],
            (pos % out_cols) * self.stride[1],
        ]
    }

    /// Where a student may have put position `pos`'s window instead (top-left cells on the
    /// padded input): one row up or down, one column left or right, or at the position
    /// itself (the stride ignored). Only windows that fit on the padded input and differ
    /// from the true one.
    pub fn slipped_origins(&self, pos: usize) -> Vec<[usize; 2]> {
        let [r, c] = self.origin(pos);
        let [_, out_cols] = self.out_dims();
        let padded = self.padded();
        let fits = |[a, b]: [usize; 2]| {
            a.checked_add(self.kernel[0])
                .is_some_and(|end| end <= padded[0])
                && b.checked_add(self.kernel[1])
                    .is_some_and(|end| end <= padded[1])
        };
        let mut origins = vec![
            [r.wrapping_sub(1), c],
            [r + 1, c],
            [r, c.wrapping_sub(1)],
            [r, c + 1],
            [pos / out_cols, pos % out_cols],
        ];
        origins.retain(|&o| o != [r, c] && fits(o));
        origins.sort_unstable();
        origins.dedup();
        origins
    }

    /// Output `o` as it would be with its window's top-left cell on `origin` (row, column
    /// of the padded input; padded cells 0), from the inputs and weights recorded in a
    /// trace, summed in the order the formula prints.
    fn output_at(&self, id: LayerId, o: usize, origin: [usize; 2], ex: &Explainer) -> f64 {
        let f = o / self.positions();
        let taps = self.taps();
        let mut s = Sum::default();
        for j in 0..taps {
            let (c, u, v) = self.tap(j);
            let r = (origin[0] + u)
                .checked_sub(self.padding[0])
                .filter(|&r| r < self.input.rows);
            let col = (origin[1] + v)
                .checked_sub(self.padding[1])
                .filter(|&col| col < self.input.cols);
            let x = r.zip(col).map_or(0.0, |(r, col)| {
                ex.value(id - 1, Kind::Out, self.input.index(c, r, col))
            });
            s.add_product(x, ex.value(id, Kind::W, f * taps + self.pair(j)));
        }
        if let Some(b) = self.params.bias_of(f) {
            s.add(ex.value(id, Kind::W, b));
        }
        s.value()
    }

    /// Output `o` as it would be with its window on the unpadded input, starting at
    /// (row·stride, column·stride); None where that window does not fit.
    fn unpadded_output(&self, id: LayerId, o: usize, ex: &Explainer) -> Option<f64> {
        let [r0, c0] = self.origin(o % self.positions());
        let [kh, kw] = self.kernel;
        if r0 + kh > self.input.rows || c0 + kw > self.input.cols {
            return None;
        }
        Some(self.output_at(id, o, [r0 + self.padding[0], c0 + self.padding[1]], ex))
    }

    fn node_name<'e>(&self, ex: &'e Explainer, id: LayerId, i: usize) -> &'e str {
        &ex.net.node_names(id - 1)[i]
    }

    /// The input cell window cell `j` of position `pos` reads, as an operand: the input
    /// node, or a padded 0.
    fn operand(&self, ex: &Explainer, id: LayerId, pos: usize, j: usize) -> Expr {
        match self.cell(pos, j) {
            Cell::Input(i) => ex.node(id - 1, i),
            Cell::Padding => Expr::Num(0.0),
        }
    }

    /// How many cells of position `pos`'s window are padding.
    fn padded_cells(&self, pos: usize) -> usize {
        (0..self.taps())
            .filter(|&j| self.cell(pos, j) == Cell::Padding)
            .count()
    }

    fn explain_out(&self, id: LayerId, o: usize, ex: &Explainer) -> Explained {
        let (f, pos) = (o / self.positions(), o % self.positions());
        let taps = self.taps();
        let mut terms: Vec<Expr> = (0..taps)
            .map(|j| {
                Expr::mul(vec![
                    self.operand(ex, id, pos, j),
                    ex.param(id, f * taps + self.pair(j)),
                ])
            })
            .collect();
        if let Some(b) = self.params.bias_of(f) {
            terms.push(ex.param(id, b));
        }
        let mut note = self.field_words(ex, id, pos);
        if self.flip {
            note.push_str("; kernel rotated 180° (convolution: flip)");
        }
        Explained::new(self.outputs[o].clone(), Expr::add(terms)).note(NoteKind::Field, note)
    }

    /// `receptive field x1_1_1..x1_2_2`, with the padded zeros counted.
    fn field_words(&self, ex: &Explainer, id: LayerId, pos: usize) -> String {
        let inputs: Vec<usize> = (0..self.taps())
            .filter_map(|j| self.cell(pos, j).input())
            .collect();
        let mut words = match (inputs.first(), inputs.last()) {
            (Some(&a), Some(&b)) => format!(
                "receptive field {}..{}",
                self.node_name(ex, id, a),
                self.node_name(ex, id, b)
            ),
            _ => "receptive field all padding".to_string(),
        };
        let padded = self.padded_cells(pos);
        if padded > 0 {
            let s = if padded == 1 { "" } else { "s" };
            words.push_str(&format!("; {padded} padded 0{s} (shown as 0)"));
        }
        words
    }

    /// The symbol of a contribution: `∂L/∂f·x`, the input weight j met at that position
    /// (`0` where it met padding).
    fn contrib_symbol(&self, id: LayerId, index: usize, ex: &Explainer) -> String {
        let layout = self.filter_index();
        let (f, pos, j) = layout.parts(index);
        let o = layout.node(f, pos);
        let read = match self.cell(pos, self.pair(j)) {
            Cell::Input(i) => self.node_name(ex, id, i),
            Cell::Padding => "0",
        };
        ["∂L/∂", &self.outputs[o], "·", read].concat()
    }

    /// ∂L/∂f · (the input weight j met at that position).
    fn contrib_formula(&self, id: LayerId, index: usize, ex: &Explainer) -> (String, Expr) {
        let layout = self.filter_index();
        let (f, pos, j) = layout.parts(index);
        let o = layout.node(f, pos);
        (
            self.contrib_symbol(id, index, ex),
            Expr::mul(vec![
                ex.grad(id, o),
                self.operand(ex, id, pos, self.pair(j)),
            ]),
        )
    }

    fn explain_contrib(&self, id: LayerId, index: usize, ex: &Explainer) -> Explained {
        let (symbol, formula) = self.contrib_formula(id, index, ex);
        let (_, pos, j) = self.filter_index().parts(index);
        let e = Explained::new(symbol, formula);
        if self.cell(pos, self.pair(j)) == Cell::Padding {
            e.note(NoteKind::Remark, "here the weight met a padded 0")
        } else {
            e
        }
    }

    fn explain_wgrad(&self, id: LayerId, p: usize, ex: &Explainer) -> Explained {
        let symbol = ["∂L/∂", &self.params.names[p]].concat();
        let positions = self.positions();
        let Some((f, j)) = self.filter_index().filter_of(p) else {
            let f = p - self.params.weights.len();
            let terms = (0..positions)
                .map(|pos| ex.grad(id, f * positions + pos))
                .collect();
            return Explained::new(symbol, Expr::add(terms)).note(
                NoteKind::Remark,
                "the bias's gradient: Σ of the gradient map",
            );
        };
        let terms = (0..positions)
            .map(|pos| {
                let index = self.filter_index().contrib(f, pos, j);
                ex.operand(self.contrib_symbol(id, index, ex), id, Kind::Contrib, index)
            })
            .collect();
        Explained::new(symbol, Expr::add(terms)).note(
            NoteKind::Remark,
            "shared filter: the sum over every position",
        )
    }

    /// The padded input of channel `c` as grid cells (rows × columns of the padded input).
    fn padded_input(&self, id: LayerId, c: usize) -> GridOf {
        let [rows, cols] = self.padded();
        let [ph, pw] = self.padding;
        let cells = (0..rows * cols)
            .map(|k| {
                let (r, col) = (k / cols, k % cols);
                match (
                    r.checked_sub(ph).filter(|&r| r < self.input.rows),
                    col.checked_sub(pw).filter(|&c| c < self.input.cols),
                ) {
                    (Some(r), Some(col)) => {
                        GridCell::Quantity(Key::new(id - 1, Kind::Out, self.input.index(c, r, col)))
                    }
                    _ => GridCell::Padding,
                }
            })
            .collect();
        let caption = if ph + pw > 0 {
            format!("X channel {} padded", c + 1)
        } else {
            format!("X channel {}", c + 1)
        };
        GridOf {
            caption,
            rows,
            cols,
            cells,
        }
    }

    /// Filter `f`'s gradient map G, dilated by the stride (s − 1 zeros between cells),
    /// with `border` zeros of padding around it.
    fn gradient_map(&self, id: LayerId, f: usize, border: [usize; 2]) -> GridOf {
        let [out_rows, out_cols] = self.out_dims();
        let [sh, sw] = self.stride;
        let rows = (out_rows - 1) * sh + 1 + 2 * border[0];
        let cols = (out_cols - 1) * sw + 1 + 2 * border[1];
        let cells = (0..rows * cols)
            .map(|k| {
                let (r, c) = (k / cols, k % cols);
                let inner = (
                    r.checked_sub(border[0])
                        .filter(|&r| r <= (out_rows - 1) * sh),
                    c.checked_sub(border[1])
                        .filter(|&c| c <= (out_cols - 1) * sw),
                );
                match inner {
                    (Some(r), Some(c)) if r % sh == 0 && c % sw == 0 => {
                        let pos = r / sh * out_cols + c / sw;
                        GridCell::Quantity(Key::new(id, Kind::Grad, f * self.positions() + pos))
                    }
                    (Some(_), Some(_)) => GridCell::Dilation,
                    _ => GridCell::Padding,
                }
            })
            .collect();
        let mut caption = format!("G filter {}", f + 1);
        if sh * sw > 1 {
            caption.push_str(" dilated");
        }
        if border != [0, 0] {
            caption.push_str(" padded");
        }
        GridOf {
            caption,
            rows,
            cols,
            cells,
        }
    }

    /// Kernel (filter `f`, channel `c`) as a grid of quantities of `kind` (W or Wgrad),
    /// rotated by 180° when `rotated`.
    fn kernel_grid(
        &self,
        id: LayerId,
        kind: Kind,
        f: usize,
        c: usize,
        rotated: bool,
    ) -> Vec<GridCell> {
        let [kh, kw] = self.kernel;
        (0..kh * kw)
            .map(|k| {
                let (u, v) = (k / kw, k % kw);
                let (u, v) = if rotated {
                    (kh - 1 - u, kw - 1 - v)
                } else {
                    (u, v)
                };
                let p = f * self.taps() + (c * kh + u) * kw + v;
                GridCell::Quantity(Key::new(id, kind, p))
            })
            .collect()
    }

    fn kernel_figure(&self, id: LayerId) -> Figure {
        let [kh, kw] = self.kernel;
        let grids = (0..self.filters())
            .flat_map(|f| (0..self.input.channels).map(move |c| (f, c)))
            .map(|(f, c)| GridOf {
                caption: format!("K filter {} channel {}", f + 1, c + 1),
                rows: kh,
                cols: kw,
                cells: self.kernel_grid(id, Kind::W, f, c, false),
            })
            .collect();
        let note = self.flip.then(|| {
            "convolution: flip — each kernel is rotated by 180° before it slides over the input"
                .to_string()
        });
        Figure {
            title: "the kernels".into(),
            note,
            grids,
        }
    }

    /// ∂L/∂W (filter f, channel c) = padded input ⋆ G (dilated by the stride).
    fn wgrad_figure(&self, id: LayerId, f: usize, c: usize) -> Figure {
        let [kh, kw] = self.kernel;
        let result = GridOf {
            caption: if self.flip {
                format!("= rot180(∂L/∂W filter {} channel {})", f + 1, c + 1)
            } else {
                format!("= ∂L/∂W filter {} channel {}", f + 1, c + 1)
            },
            rows: kh,
            cols: kw,
            cells: self.kernel_grid(id, Kind::Wgrad, f, c, self.flip),
        };
        let mut notes = Vec::new();
        if self.padding != [0, 0] {
            notes.push(format!(
                "input padded by {} × {} zeros",
                self.padding[0], self.padding[1]
            ));
        }
        if self.stride != [1, 1] {
            notes.push(format!(
                "G dilated by the stride {} × {}",
                self.stride[0], self.stride[1]
            ));
        }
        if self.flip {
            notes.push(
                "flip: the forward pass rotated the kernel, so this gives rot180(∂L/∂W)".into(),
            );
        }
        Figure {
            title: format!(
                "∂L/∂W for filter {}, channel {}: the padded input correlated with the gradient map",
                f + 1,
                c + 1
            ),
            note: (!notes.is_empty()).then(|| notes.join("; ")),
            grids: vec![
                self.padded_input(id, c),
                self.gradient_map(id, f, [0, 0]),
                result,
            ],
        }
    }

    /// ∂L/∂X (channel c) = Σ_f full convolution of G_f (dilated, padded by kernel − 1)
    /// with rot180(K_(f,c)), the padding cropped.
    fn input_grad_figure(&self, id: LayerId, c: usize) -> Figure {
        let [kh, kw] = self.kernel;
        let mut grids = Vec::new();
        for f in 0..self.filters() {
            grids.push(self.gradient_map(id, f, [kh - 1, kw - 1]));
            grids.push(GridOf {
                caption: if self.flip {
                    format!("K filter {} channel {}", f + 1, c + 1)
                } else {
                    format!("rot180(K filter {} channel {})", f + 1, c + 1)
                },
                rows: kh,
                cols: kw,
                cells: self.kernel_grid(id, Kind::W, f, c, !self.flip),
            });
        }
        let (rows, cols) = (self.input.rows, self.input.cols);
        grids.push(GridOf {
            caption: format!("= ∂L/∂X channel {}", c + 1),
            rows,
            cols,
            cells: (0..rows * cols)
                .map(|k| {
                    GridCell::Quantity(Key::new(
                        id - 1,
                        Kind::Grad,
                        self.input.index(c, k / cols, k % cols),
                    ))
                })
                .collect(),
        });
        let mut notes = Vec::new();
        if self.stride != [1, 1] {
            notes.push(format!(
                "G dilated by the stride {} × {}",
                self.stride[0], self.stride[1]
            ));
        }
        notes.push(format!("padded by kernel − 1 = {} × {}", kh - 1, kw - 1));
        if self.padding != [0, 0] {
            notes.push(format!(
                "the forward padding ({} × {}) cropped from the result",
                self.padding[0], self.padding[1]
            ));
        }
        if self.filters() > 1 {
            notes.push("the filters' results added".into());
        }
        if self.flip {
            notes
                .push("flip: the forward pass rotated the kernel, so here it is as written".into());
        }
        Figure {
            title: format!(
                "∂L/∂X for channel {}: the full convolution of the gradient map with the kernel",
                c + 1
            ),
            note: Some(notes.join("; ")),
            grids,
        }
    }
}

impl SharedFilter for Conv2d {
    fn filter_index(&self) -> FilterIndex {
        FilterIndex::of(&self.params, self.positions())
    }

    /// `3_2`: output row 3, column 2.
    fn position_name(&self, position: usize) -> String {
        let [_, out_cols] = self.out_dims();
        format!("{}_{}", position / out_cols + 1, position % out_cols + 1)
    }

    /// Forward: the kernels. Backward: per filter and channel ∂L/∂W = X̃ ⋆ G, and (when
    /// the input's gradient is traced) per input channel ∂L/∂X as a full convolution.
    fn figures(&self, id: LayerId, phase: Phase) -> Vec<Figure> {
        match phase {
            Phase::Forward => vec![self.kernel_figure(id)],
            Phase::Backward => {
                let channels = self.input.channels;
                let mut figures: Vec<Figure> = (0..self.filters())
                    .flat_map(|f| (0..channels).map(move |c| (f, c)))
                    .map(|(f, c)| self.wgrad_figure(id, f, c))
                    .collect();
                if id > 1 {
                    figures.extend((0..channels).map(|c| self.input_grad_figure(id, c)));
                }
                figures
            }
            Phase::Update => Vec::new(),
        }
    }
}

impl LayerKind for Conv2d {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "conv2d"
    }

    fn outputs(&self) -> &[String] {
        &self.outputs
    }

    fn shape(&self) -> Shape {
        let [rows, cols] = self.out_dims();
        Shape::grid(self.filters(), rows, cols)
    }

    fn describe(&self) -> String {
        let n = self.filters();
        let filters = if n == 1 { "filter" } else { "filters" };
        let [kh, kw] = self.kernel;
        let mut text = format!(
            "2-D convolution, {n} shared {filters} of {} × {kh} × {kw}, stride {}",
            self.input.channels,
            pair_words(self.stride)
        );
        if self.padding != [0, 0] {
            text.push_str(&format!(", padding {}", pair_words(self.padding)));
        }
        if self.flip {
            text.push_str(", kernel flipped");
        }
        text
    }

    fn label(&self) -> String {
        let [kh, kw] = self.kernel;
        format!("conv2d {}×{kh}×{kw}", self.filters())
    }

    fn role(&self) -> &'static str {
        "convolution"
    }

    /// A net input (the window and the bias), a weight's gradient (one contribution per
    /// position), or an input's gradient (a term per filter and window that reads it).
    fn widest_formula(&self) -> usize {
        let [kh, kw] = self.kernel;
        (self.taps() + 1)
            .max(self.positions())
            .max(self.filters().saturating_mul(kh * kw))
    }

    fn threshold(&self) -> f64 {
        0.5
    }

    /// Each parameter's w, ∂L/∂w, Δw and new w; each node's out and grad; each input's
    /// grad; one contribution per filter weight and position.
    fn quantities(&self) -> usize {
        4 * self.params.count()
            + 2 * self.outputs.len()
            + self.input.size()
            + self.filter_index().count()
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
        let pos = o % self.positions();
        (0..self.taps())
            .filter_map(|j| self.cell(pos, j).input())
            .collect()
    }

    fn node_bias(&self, o: usize) -> Option<usize> {
        self.params.bias_of(o / self.positions())
    }

    fn links(&self) -> Vec<Link> {
        self.filter_index()
            .links(|pos, j| self.cell(pos, self.pair(j)).input())
    }

    fn shared_filter(&self) -> Option<&dyn SharedFilter> {
        Some(self)
    }

    fn explain(&self, key: Key, ex: &Explainer) -> Explained {
        let (id, i) = (key.layer, key.index as usize);
        match key.kind {
            Kind::Out => self.explain_out(id, i, ex),
            Kind::Contrib => self.explain_contrib(id, i, ex),
            Kind::Wgrad => self.explain_wgrad(id, i, ex),
            _ => Explained::new("?", Expr::Num(0.0)),
        }
    }

    /// ∂L/∂x = Σ over the (filter, position) whose window holds x of ∂L/∂f·w.
    fn explain_input_grad(&self, id: LayerId, i: usize, ex: &Explainer) -> Explained {
        let symbol = ["∂L/∂", self.node_name(ex, id, i)].concat();
        let taps = self.taps();
        let terms: Vec<Expr> = self
            .readers(i)
            .into_iter()
            .map(|(f, pos, j)| {
                Expr::mul(vec![
                    ex.grad(id, f * self.positions() + pos),
                    ex.param(id, f * taps + self.pair(j)),
                ])
            })
            .collect();
        if terms.is_empty() {
            return Explained::new(symbol, Expr::Num(0.0))
                .note(NoteKind::Blocked, "no window reads this input");
        }
        Explained::new(symbol, Expr::add(terms))
    }

    fn hazards(&self, _id: LayerId, _ex: &Explainer) -> Vec<Hazard> {
        Vec::new()
    }

    fn why(&self, key: Key, _ex: &Explainer) -> Option<String> {
        let text = match key.kind {
            Kind::Out => {
                "Each cell of the feature map applies the same shared kernel to its own window of the input (padded cells count as 0)."
            }
            Kind::Contrib => {
                "The kernel is shared, so every position adds a term ∂L_i/∂f · (the input that weight met there) to the weight's gradient."
            }
            Kind::Wgrad => {
                "Sum all the terms together: the shared weight's gradient, the padded input correlated with the gradient map."
            }
            _ => return None,
        };
        Some(text.into())
    }

    fn why_input_grad(&self, _id: LayerId, _ex: &Explainer) -> String {
        "Every window that holds this input sends back ∂L/∂f times the weight that met it: the full convolution of the gradient map with the rotated kernel.".into()
    }

    fn masks(&self) -> bool {
        false
    }

    fn slips(&self) -> Vec<Slip> {
        let mut slips = vec![
            Slip::ReceptiveFieldShift,
            Slip::FilterSumWithoutInput,
            Slip::UnsummedFilterGradient,
            Slip::KernelNotFlipped,
        ];
        if self.padding != [0, 0] {
            slips.push(Slip::PaddingIgnored);
        }
        slips
    }

    /// An input's gradient with each ∂L/∂f paired with the weight mirrored through the
    /// kernel's centre (the kernel not rotated); an output computed from a window one row
    /// or column off, or with the stride ignored; an output computed on the unpadded input
    /// (where its window fits there).
    fn slipped(&self, slip: Slip, id: LayerId, key: Key, ex: &Explainer) -> Vec<f64> {
        let i = key.index as usize;
        match (slip, key.kind) {
            (Slip::KernelNotFlipped, Kind::Grad) if key.layer + 1 == id => {
                vec![self.unrotated_input_grad(id, i, ex)]
            }
            (Slip::ReceptiveFieldShift, Kind::Out) if key.layer == id => self
                .slipped_origins(i % self.positions())
                .into_iter()
                .map(|origin| self.output_at(id, i, origin, ex))
                .collect(),
            (Slip::PaddingIgnored, Kind::Out) if key.layer == id && self.padding != [0, 0] => {
                self.unpadded_output(id, i, ex).into_iter().collect()
            }
            _ => Vec::new(),
        }
    }

    fn explain_slip(&self, slip: Slip, key: Key, ex: &Explainer) -> Option<String> {
        let e = ex.explain(key);
        let formula = e.formula.render(crate::formula::Rendering::Symbolic, 6);
        match slip {
            Slip::KernelNotFlipped => Some(format!(
                "{} = {formula}: ∂L/∂X is the full convolution of the gradient map with the \
                 kernel rotated by 180°{}; your value pairs each ∂L/∂f with the mirrored weight",
                e.symbol,
                if self.flip {
                    " — under `flip` the forward pass already rotated it, so here the kernel is used as written"
                } else {
                    ""
                }
            )),
            Slip::ReceptiveFieldShift if key.kind == Kind::Out => Some(format!(
                "{} (stride {}): {}; your value uses the window one row or one column off{}",
                e.symbol,
                pair_words(self.stride),
                self.field_words(ex, key.layer, key.index as usize % self.positions()),
                if self.stride == [1, 1] {
                    ""
                } else {
                    ", or the stride ignored"
                }
            )),
            Slip::PaddingIgnored => Some(format!(
                "{} = {formula}: the window slides over the input padded by {} × {} zeros; \
                 your value slides it over the unpadded input",
                e.symbol, self.padding[0], self.padding[1]
            )),
            _ => None,
        }
    }

    fn routing(&self) -> Option<&dyn Routing> {
        None
    }
}

impl Step for Conv2d {
    /// The buffers are the shared filters' step ([`FilterStep`]).
    type Scratch = FilterStep;

    fn scratch(&self) -> FilterStep {
        let pairs = (0..self.taps()).map(|j| self.pair(j)).collect();
        FilterStep::new(self.filter_index(), pairs, self.input.size())
    }

    fn net_inputs(&self) -> usize {
        0
    }

    /// Each cell: Σ over the window (channel, row, column) of X̃·w, then the bias, in the
    /// order the formula prints (padded cells add 0·w).
    fn forward<R: Recorder>(&self, x: &[f64], into: Outputs, s: &mut FilterStep, ctx: &mut Ctx<R>) {
        let [_, out_cols] = self.out_dims();
        for (pos, window) in s.windows_mut().enumerate() {
            self.read_window(x, pos, out_cols, window);
        }
        s.respond(&self.params, into.out);
        ctx.record_run(Kind::Out, into.out);
    }

    /// Each contribution G_(f,pos)·(the input weight j met there), recorded filter by
    /// filter, position by position, and summed into ∂L/∂w as printed; then the held Δw;
    /// then ∂L/∂X: for each input, Σ ∂L/∂f·w over the (filter, position) that read it, in
    /// the order printed.
    fn backward<R: Recorder>(&self, mut io: Gradients, s: &mut FilterStep, ctx: &mut Ctx<R>) {
        s.hold(&self.params, &mut io, ctx);
        if ctx.wants_input_grad {
            let reads = |pos, j| match self.cell(pos, j) {
                Cell::Input(i) => Some(i),
                Cell::Padding => None,
            };
            s.input_grads(reads, &mut io, ctx);
        }
    }
}

/// `2` for a square setting, `2 × 1` otherwise.
fn pair_words([a, b]: [usize; 2]) -> String {
    if a == b {
        a.to_string()
    } else {
        format!("{a} × {b}")
    }
}
