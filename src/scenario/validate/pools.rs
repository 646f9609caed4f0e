//! The pooling layers: `maxpool1d`, `maxpool2d`, `avgpool1d`, `avgpool2d` and
//! `global_avgpool`. Their windows must cover the input exactly; every message names the
//! input's shape, and a window that leaves inputs over says which size or stride would not.

use super::{
    Checker, NAME_HELP, Result, check_size, grid_names, node_prefix, output_names, sequence_input,
    shape_words,
};
use crate::network::{AvgPool, Layer, MaxPool, PoolGeometry, Rank, Shape};
use crate::scenario::names::name_problem;
use crate::scenario::raw::{RawGlobalPool, RawPair, RawPool1d, RawPool2d};

/// Which value a pool takes of its window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pooling {
    /// The largest (`maxpool1d`, `maxpool2d`).
    Max,
    /// The mean (`avgpool1d`, `avgpool2d`).
    Average,
}

impl Pooling {
    /// The scenario key: `maxpool1d`, `avgpool2d`, ….
    fn kind(self, dims: u8) -> String {
        let how = match self {
            Pooling::Max => "max",
            Pooling::Average => "avg",
        };
        format!("{how}pool{dims}d")
    }

    fn layer(self, (name, geometry, outputs): Pooled) -> Layer {
        match self {
            Pooling::Max => Layer::MaxPool(MaxPool {
                name,
                geometry,
                outputs,
            }),
            Pooling::Average => Layer::AvgPool(AvgPool {
                name,
                geometry,
                outputs,
                global: false,
            }),
        }
    }
}

/// One mean per channel, named `<prefix><channel>` (or as `outputs` gives them).
pub(super) fn global_avgpool(
    ck: &Checker,
    path: &str,
    default: String,
    raw: RawGlobalPool,
    input: Shape,
) -> Result<Layer> {
    let name = raw.name.unwrap_or(default);
    if raw.prefix.is_some() && raw.outputs.is_some() {
        return ck.fail(path, "give `prefix` or `outputs`, not both");
    }
    let prefix = channel_prefix(ck, path, raw.prefix, &name)?;
    let sep = separator(&prefix);
    let outputs = ck.names(
        &format!("{path}.outputs"),
        raw.outputs,
        input.channels,
        |c| format!("{prefix}{sep}{}", c + 1),
    )?;
    Ok(Layer::AvgPool(AvgPool {
        name,
        geometry: PoolGeometry::whole(input),
        outputs,
        global: true,
    }))
}

type Pooled = (String, PoolGeometry, Vec<String>);

/// `maxpool1d` or `avgpool1d`: windows along each channel of a sequence.
pub(super) fn pool1d(
    ck: &Checker,
    path: &str,
    how: Pooling,
    default: String,
    raw: RawPool1d,
    input: Shape,
) -> Result<Layer> {
    let name = raw.name.unwrap_or(default);
    sequence_input(ck, path, &how.kind(1), &how.kind(2), input)?;
    let stride = raw.stride.unwrap_or(raw.size);
    let axis = Axis {
        path,
        input,
        size: [1, raw.size],
        stride: [1, stride],
    };
    axis.fits(ck, 1, "inputs")?;
    axis.covers(ck, 1, "inputs")?;
    let geometry = PoolGeometry::line(input, raw.size, stride);
    let shape = geometry.out_shape();
    check_size(ck, path, shape.size())?;
    let outputs = output_names(ck, path, raw.outputs, &name, shape)?;
    Ok(how.layer((name, geometry, outputs)))
}

/// `maxpool2d` or `avgpool2d`: windows of rows × columns over each channel of a map.
pub(super) fn pool2d(
    ck: &Checker,
    path: &str,
    how: Pooling,
    default: String,
    raw: RawPool2d,
    input: Shape,
) -> Result<Layer> {
    let name = raw.name.unwrap_or(default);
    if input.rank != Rank::Grid {
        return ck.fail_help(
            path,
            format!(
                "{} pools 2-D maps, but its input is 1-D ({})",
                how.kind(2),
                shape_words(input)
            ),
            &format!("use `{}` for a 1-D input", how.kind(1)),
        );
    }
    let size = raw.size.pair();
    let stride = raw.stride.map_or(size, RawPair::pair);
    let axis = Axis {
        path,
        input,
        size,
        stride,
    };
    axis.fits(ck, 0, "rows")?;
    axis.fits(ck, 1, "columns")?;
    axis.covers(ck, 0, "rows")?;
    axis.covers(ck, 1, "columns")?;
    let geometry = PoolGeometry {
        input,
        size,
        stride,
    };
    let shape = geometry.out_shape();
    check_size(ck, path, shape.size())?;
    let prefix = node_prefix(ck, path, raw.prefix, &name, shape)?;
    Ok(how.layer((name, geometry, grid_names(&prefix, shape))))
}

/// The prefix of one-per-channel node names: as given (a valid name), or the layer's name.
fn channel_prefix(ck: &Checker, path: &str, given: Option<String>, layer: &str) -> Result<String> {
    match given {
        Some(p) => match name_problem(&p) {
            Some(problem) => ck.fail_help(format!("{path}.prefix"), problem, NAME_HELP),
            None => Ok(p),
        },
        None => Ok(layer.to_string()),
    }
}

/// `_` after a prefix that ends in a digit, so that the channel's number stays apart.
fn separator(prefix: &str) -> &'static str {
    if prefix.ends_with(|c: char| c.is_ascii_digit()) {
        "_"
    } else {
        ""
    }
}

/// A pool's windows over its input, checked one axis at a time.
struct Axis<'a> {
    path: &'a str,
    input: Shape,
    size: [usize; 2],
    stride: [usize; 2],
}

impl Axis<'_> {
    fn is_grid(&self) -> bool {
        self.input.rank == Rank::Grid
    }

    /// `3 × 3` or `3`.
    fn window(&self) -> String {
        if self.is_grid() {
            format!("{} × {}", self.size[0], self.size[1])
        } else {
            self.size[1].to_string()
        }
    }

    fn stride_words(&self) -> String {
        if self.is_grid() {
            format!("{} × {}", self.stride[0], self.stride[1])
        } else {
            self.stride[1].to_string()
        }
    }

    /// Axis `a` (0: rows, 1: columns): a size and stride of at least 1, and a window no
    /// larger than the input.
    fn fits(&self, ck: &Checker, a: usize, unit: &str) -> Result<()> {
        let path = self.path;
        let (size, stride) = (self.size[a], self.stride[a]);
        let len = [self.input.rows, self.input.cols][a];
        let input = shape_words(self.input);
        if size == 0 {
            return ck.fail(
                format!("{path}.size"),
                "a pool window of size 0; give 1 or more",
            );
        }
        if stride == 0 {
            return ck.fail(
                format!("{path}.stride"),
                "stride 0: the window would never move",
            );
        }
        let most = format!("{} × {}", self.input.rows, self.input.cols);
        if size > len && self.is_grid() {
            return ck.fail_help(
                format!("{path}.size"),
                format!(
                    "a {} pool window does not fit its input: {size} {unit}, but the input has \
                     {len} (the input is {input})",
                    self.window()
                ),
                &format!("the window can be at most {most}"),
            );
        }
        if size > len {
            return ck.fail_help(
                format!("{path}.size"),
                format!(
                    "a pool window of {size} does not fit an input of {len} (the input is {input})"
                ),
                &format!("the window can be at most {len} wide"),
            );
        }
        Ok(())
    }

    /// Axis `a` (0: rows, 1: columns): windows that end exactly at the input's end.
    fn covers(&self, ck: &Checker, a: usize, unit: &str) -> Result<()> {
        let path = self.path;
        let (size, stride) = (self.size[a], self.stride[a]);
        let len = [self.input.rows, self.input.cols][a];
        if (len - size).is_multiple_of(stride) {
            return Ok(());
        }
        let input = shape_words(self.input);
        let first_left = (len - size) / stride * stride + size + 1;
        let (what, one) = if self.is_grid() {
            (
                format!(
                    "a {} pool window with stride {}",
                    self.window(),
                    self.stride_words()
                ),
                if a == 0 { "row" } else { "column" },
            )
        } else {
            (
                format!("a pool window of {size} with stride {stride}"),
                "input",
            )
        };
        let along = if self.is_grid() {
            format!("along the {unit}, ")
        } else {
            String::new()
        };
        ck.fail_help(
            path,
            format!("{what} leaves {one} {first_left} of {len} uncovered (the input is {input})"),
            &format!(
                "{along}{} covers all {len} {unit}",
                covering(len, size, stride)
            ),
        )
    }
}

/// Which sizes (with the same stride) and which strides (with the same size) would cover
/// `len` exactly: `size 2 or 4 with stride 2, or size 3 with stride 1`. Stride 1 always
/// does, so there is always an answer.
fn covering(len: usize, size: usize, stride: usize) -> String {
    let covers = |z: usize, s: usize| z <= len && (len - z).is_multiple_of(s);
    let nearest = |candidates: Vec<usize>, to: usize| {
        let below = candidates.iter().copied().filter(|&c| c < to).max();
        let above = candidates.iter().copied().filter(|&c| c > to).min();
        let list: Vec<String> = below
            .into_iter()
            .chain(above)
            .map(|c| c.to_string())
            .collect();
        list.join(" or ")
    };
    let sizes = nearest((1..=len).filter(|&z| covers(z, stride)).collect(), size);
    let strides = nearest(
        (1..=len - size).filter(|&s| covers(size, s)).collect(),
        stride,
    );
    let mut ways = Vec::new();
    if !sizes.is_empty() {
        ways.push(format!("size {sizes} with stride {stride}"));
    }
    if !strides.is_empty() {
        ways.push(format!("size {size} with stride {strides}"));
    }
    ways.join(", or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_names_sizes_and_strides_that_cover() {
        assert_eq!(
            covering(4, 3, 2),
            "size 2 or 4 with stride 2, or size 3 with stride 1"
        );
        assert_eq!(
            covering(6, 3, 2),
            "size 2 or 4 with stride 2, or size 3 with stride 1 or 3"
        );
        assert_eq!(
            covering(5, 2, 2),
            "size 1 or 3 with stride 2, or size 2 with stride 1 or 3"
        );
    }
}
