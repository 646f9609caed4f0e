//! The window geometry every pooling layer shares, 1-D and 2-D: which inputs each pooled
//! output reads, and which outputs read an input. A 1-D pool is the 2-D one with windows
//! one row high, so max and average pooling each have one implementation for both ranks.

use super::{Rank, Shape};

/// Windows of `size` (rows, columns) moved by `stride` (rows, columns) over each channel
/// of `input`, channel by channel. Validation has made sure they cover the input exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolGeometry {
    pub input: Shape,
    pub size: [usize; 2],
    pub stride: [usize; 2],
}

impl PoolGeometry {
    /// Windows of `size` every `stride` along each channel of a 1-D input.
    pub fn line(input: Shape, size: usize, stride: usize) -> PoolGeometry {
        PoolGeometry {
            input,
            size: [1, size],
            stride: [1, stride],
        }
    }

    /// One window over the whole of each channel (global pooling).
    pub fn whole(input: Shape) -> PoolGeometry {
        PoolGeometry {
            input,
            size: [input.rows, input.cols],
            stride: [input.rows.max(1), input.cols.max(1)],
        }
    }

    /// Whether the windows are 2-D (the input is a grid).
    pub fn is_grid(&self) -> bool {
        self.input.rank == Rank::Grid
    }

    /// Window positions down a channel: (rows − size) / stride + 1.
    pub fn out_rows(&self) -> usize {
        (self.input.rows - self.size[0]) / self.stride[0] + 1
    }

    /// Window positions across a channel: (columns − size) / stride + 1.
    pub fn out_cols(&self) -> usize {
        (self.input.cols - self.size[1]) / self.stride[1] + 1
    }

    /// The pooled outputs' arrangement: a grid for a grid, else channels of sequences.
    pub fn out_shape(&self) -> Shape {
        let channels = self.input.channels;
        match self.input.rank {
            Rank::Grid => Shape::grid(channels, self.out_rows(), self.out_cols()),
            Rank::Line | Rank::Flat => Shape::line(channels, self.out_cols()),
        }
    }

    /// Pooled outputs in all.
    pub fn outputs(&self) -> usize {
        self.input.channels * self.out_rows() * self.out_cols()
    }

    /// Whether no input lies in two windows (the stride at least the size on each axis).
    pub fn windows_are_disjoint(&self) -> bool {
        self.stride[0] >= self.size[0] && self.stride[1] >= self.size[1]
    }

    /// n, the inputs in one window: rows × columns.
    pub fn area(&self) -> usize {
        self.size[0] * self.size[1]
    }

    /// The input indices of output `o`'s window, row after row (the order its formula
    /// shows them).
    pub fn window(&self, o: usize) -> impl Iterator<Item = usize> + Clone + use<> {
        let out = self.out_shape();
        let (c, r, k) = out.position(o);
        let (top, left) = (r * self.stride[0], k * self.stride[1]);
        let [rows, cols] = self.size;
        let input = self.input;
        (0..rows).flat_map(move |dr| (0..cols).map(move |dc| input.index(c, top + dr, left + dc)))
    }

    /// Every window's input indices, window after window ([`area`](Self::area) each, in
    /// the order of [`window`](Self::window)): what a pooling step reads, listed once.
    pub fn all_windows(&self) -> Vec<usize> {
        (0..self.outputs()).flat_map(|o| self.window(o)).collect()
    }

    /// The outputs whose window holds input `i`, in order (several where windows overlap).
    pub fn windows_holding(&self, i: usize) -> impl Iterator<Item = usize> + use<> {
        let (c, r, k) = self.input.position(i);
        let out = self.out_shape();
        let rows = covering(r, self.size[0], self.stride[0], self.out_rows());
        let cols = covering(k, self.size[1], self.stride[1], self.out_cols());
        rows.flat_map(move |pr| cols.clone().map(move |pk| out.index(c, pr, pk)))
    }

    /// `2 × 2` for a 2-D window, `2` for a 1-D one.
    pub fn size_words(&self) -> String {
        if self.is_grid() {
            format!("{} × {}", self.size[0], self.size[1])
        } else {
            self.size[1].to_string()
        }
    }

    /// `2 × 2` or `2` for the stride, as [`size_words`](Self::size_words).
    pub fn stride_words(&self) -> String {
        if self.is_grid() {
            format!("{} × {}", self.stride[0], self.stride[1])
        } else {
            self.stride[1].to_string()
        }
    }
}

/// The window positions along one axis that cover coordinate `p`: those `k` with
/// k·stride ≤ p < k·stride + size, among `positions`.
fn covering(p: usize, size: usize, stride: usize, positions: usize) -> std::ops::Range<usize> {
    let first = (p + 1).saturating_sub(size).div_ceil(stride);
    let last = (p / stride + 1).min(positions);
    first..last.max(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: usize, cols: usize, size: [usize; 2], stride: [usize; 2]) -> PoolGeometry {
        PoolGeometry {
            input: Shape::grid(2, rows, cols),
            size,
            stride,
        }
    }

    #[test]
    fn a_window_is_read_row_after_row_in_its_own_channel() {
        let g = grid(4, 4, [2, 2], [2, 2]);
        assert_eq!(g.out_shape(), Shape::grid(2, 2, 2));
        assert_eq!(g.window(0).collect::<Vec<_>>(), [0, 1, 4, 5]);
        assert_eq!(g.window(3).collect::<Vec<_>>(), [10, 11, 14, 15]);
        assert_eq!(g.window(4).collect::<Vec<_>>(), [16, 17, 20, 21]);
    }

    #[test]
    fn each_input_knows_the_windows_that_hold_it() {
        for g in [
            grid(4, 4, [2, 2], [2, 2]),
            grid(5, 4, [3, 2], [1, 2]),
            grid(5, 5, [3, 3], [2, 2]),
            grid(3, 6, [1, 2], [1, 1]),
            PoolGeometry::line(Shape::line(3, 7), 3, 2),
            PoolGeometry::whole(Shape::grid(2, 3, 4)),
        ] {
            for i in 0..g.input.size() {
                let scanned: Vec<usize> = (0..g.outputs())
                    .filter(|&o| g.window(o).any(|k| k == i))
                    .collect();
                assert_eq!(
                    g.windows_holding(i).collect::<Vec<_>>(),
                    scanned,
                    "{g:?} input {i}"
                );
            }
        }
    }

    #[test]
    fn a_line_is_a_grid_one_row_high() {
        let g = PoolGeometry::line(Shape::line(2, 6), 2, 2);
        assert_eq!(g.out_shape(), Shape::line(2, 3));
        assert_eq!(g.window(4).collect::<Vec<_>>(), [8, 9]);
        assert_eq!(g.size_words(), "2");
    }
}
