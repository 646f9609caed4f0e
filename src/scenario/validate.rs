//! From the file as written to a network that cannot panic: every shape, range and name
//! is checked here, and each problem is reported with its field path.

mod pools;

use pools::Pooling::{Average, Max};

use super::names::{MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, label_problem, name_problem};
use super::raw::*;
use super::{Scenario, TrainSettings};
use crate::error::InputError;
use crate::network::*;
use crate::text::shown;
use nalgebra::{DMatrix, DVector};
use std::collections::{HashMap, HashSet};

/// Sizes beyond which a scenario is refused rather than traced.
pub const MAX_WEIGHTS: usize = 1_000_000;
pub const MAX_NODES: usize = 1_000_000;
pub const MAX_ROWS: usize = 100_000;
pub const MAX_LAYERS: usize = 1_000;
pub const MAX_EPOCHS: u64 = 10_000_000;

// Every node and parameter index of a validated network fits a quantity's key; the
// contributions, which can outnumber both, are bounded by the trace-size limit.
const _: () =
    assert!(MAX_NODES <= crate::trace::MAX_INDEX && MAX_WEIGHTS <= crate::trace::MAX_INDEX);

type Result<T> = std::result::Result<T, InputError>;

const NAME_HELP: &str = "names are used in quantity ids like `hidden.delta.C`: up to 64 \
                         printable characters, no spaces, dots or @";

const PARAM_HELP: &str = "each weight and bias of a layer needs its own name";

/// Where a parameter's name comes from.
enum Origin {
    /// The file writes it at this field path.
    Written(String),
    /// nntrace gives it, because this field (`bias_names`, …) is not given.
    Default(&'static str),
}

/// A layer's parameter names in the order they are stored, each with its origin.
#[derive(Default)]
struct ParamNames {
    names: Vec<String>,
    origins: Vec<Origin>,
}

impl ParamNames {
    fn push(&mut self, name: String, origin: Origin) {
        self.names.push(name);
        self.origins.push(origin);
    }
}

struct Checker<'a> {
    file: &'a str,
}

impl Checker<'_> {
    fn fail<T>(&self, path: impl Into<String>, message: impl Into<String>) -> Result<T> {
        Err(InputError::at_path(self.file, path, message))
    }

    fn fail_help<T>(
        &self,
        path: impl Into<String>,
        message: impl Into<String>,
        help: &str,
    ) -> Result<T> {
        Err(InputError::at_path(self.file, path, message).help(help))
    }

    fn finite(&self, path: impl Fn() -> String, values: &[f64]) -> Result<()> {
        match values.iter().position(|v| !v.is_finite()) {
            Some(i) => self.fail(
                format!("{}[{i}]", path()),
                format!("{} is not a finite number", values[i]),
            ),
            None => Ok(()),
        }
    }

    /// Names as given (checked: count, uniqueness, characters) or generated.
    fn names(
        &self,
        path: &str,
        given: Option<Vec<String>>,
        count: usize,
        default: impl Fn(usize) -> String,
    ) -> Result<Vec<String>> {
        let names = match given {
            None => return Ok((0..count).map(default).collect()),
            Some(n) => n,
        };
        if names.len() != count {
            return self.fail(
                path,
                format!("{} names given, but there are {count}", names.len()),
            );
        }
        self.distinct(path, &names)?;
        Ok(names)
    }

    fn distinct(&self, path: &str, names: &[String]) -> Result<()> {
        let mut seen = HashSet::new();
        for (i, name) in names.iter().enumerate() {
            if let Some(problem) = name_problem(name) {
                return self.fail_help(format!("{path}[{i}]"), problem, NAME_HELP);
            }
            if !seen.insert(name.as_str()) {
                return self.fail(
                    format!("{path}[{i}]"),
                    format!("the name {} is used twice in this layer", shown(name)),
                );
            }
        }
        Ok(())
    }

    /// Every written name of a layer's parameters is usable, and no two parameters share
    /// a name; a clash is reported where the file writes the name, or at the layer (`path`)
    /// when two default names meet (`w_a_b_c` for unit `a_b`, input `c` and for unit `a`,
    /// input `b_c`).
    fn param_names(&self, path: &str, names: &ParamNames) -> Result<()> {
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (i, (name, origin)) in names.names.iter().zip(&names.origins).enumerate() {
            if let (Origin::Written(at), Some(problem)) = (origin, name_problem(name)) {
                return self.fail_help(at.as_str(), problem, NAME_HELP);
            }
            let Some(&f) = first.get(name.as_str()) else {
                first.insert(name, i);
                continue;
            };
            let twice = format!("the name {} is used twice in this layer", shown(name));
            let name = shown(name);
            return match (origin, &names.origins[f]) {
                (Origin::Written(here), Origin::Written(other)) => self.fail_help(
                    here.as_str(),
                    twice,
                    &format!("{name} also names {other}; {PARAM_HELP}"),
                ),
                (Origin::Written(here), Origin::Default(field))
                | (Origin::Default(field), Origin::Written(here)) => self.fail_help(
                    here.as_str(),
                    twice,
                    &format!(
                        "{name} is also the name nntrace gives a parameter, as `{field}` is \
                         not given; {PARAM_HELP}"
                    ),
                ),
                (Origin::Default(field), Origin::Default(_)) => self.fail_help(
                    path,
                    format!("two weights get the default name {name}"),
                    &format!("name them with `{field}`, or rename the nodes they join"),
                ),
            };
        }
        Ok(())
    }

    /// A label shown but not used in ids (a class, the scenario's name).
    fn label(&self, path: impl Into<String>, label: &str, max_chars: usize) -> Result<()> {
        match label_problem(label, max_chars) {
            Some(problem) => self.fail(path, problem),
            None => Ok(()),
        }
    }
}

pub fn validate(raw: RawScenario, file: &str, default_name: &str) -> Result<Scenario> {
    let ck = Checker { file };
    if raw.data.is_empty() {
        return ck.fail_help(
            "data",
            "no training patterns",
            "add at least one row: `- {input: [1, 0], target: 0}`",
        );
    }
    if raw.data.len() > MAX_ROWS {
        return ck.fail(
            "data",
            format!(
                "{} patterns; at most {MAX_ROWS} are supported",
                raw.data.len()
            ),
        );
    }
    let input_shape = input_shape(&ck, &raw.data)?;
    for (r, row) in raw.data.iter().enumerate() {
        ck.finite(|| format!("data[{r}].input"), &row.input.values)?;
    }
    let input_names = input_names(&ck, raw.input_names, input_shape)?;
    let conventions = conventions(&ck, raw.conventions)?;
    let network = build_network(&ck, raw.layers, input_names, input_shape, conventions)?;
    let outputs = network.output_names().len();

    let setup = Setup {
        alpha: check_rate(&ck, "learning_rate", raw.learning_rate)?,
        lambda: check_rate(&ck, "l2", raw.l2.unwrap_or(0.0))?,
        update_biases: raw.update_biases.unwrap_or(true),
        loss: raw.loss,
        conventions,
    };
    if setup.loss == Loss::CrossEntropy {
        let softmax_last = matches!(network.layers.last(), Some(Layer::Dense(d)) if d.activation == Activation::Softmax);
        if !softmax_last {
            return ck.fail_help(
                "loss",
                "cross_entropy needs a dense layer with `activation: softmax` last",
                "make the last layer softmax, or use `loss: half_squared_error`",
            );
        }
    }
    let data = raw
        .data
        .into_iter()
        .enumerate()
        .map(|(r, row)| pattern(&ck, r, row, outputs, setup.loss))
        .collect::<Result<Vec<_>>>()?;
    let pattern = raw.pattern.unwrap_or(0);
    if pattern >= data.len() {
        return ck.fail(
            "pattern",
            format!(
                "pattern {pattern} does not exist: data has rows 0 to {}",
                data.len() - 1
            ),
        );
    }
    let classes = raw.classes.unwrap_or_default();
    for (i, class) in classes.iter().enumerate() {
        ck.label(format!("classes[{i}]"), class, MAX_NAME_CHARS)?;
    }
    if let Some(name) = &raw.name {
        ck.label("name", name, MAX_NAME_CHARS)?;
    }
    if let Some(description) = &raw.description {
        ck.label("description", description, MAX_DESCRIPTION_CHARS)?;
    }
    if !classes.is_empty() && classes.len() != outputs {
        return ck.fail(
            "classes",
            format!("{} class names for {outputs} outputs", classes.len()),
        );
    }
    Ok(Scenario {
        name: raw.name.unwrap_or_else(|| default_name.to_string()),
        description: raw.description.unwrap_or_default(),
        source: file.to_string(),
        data,
        pattern,
        classes,
        setup,
        network,
        train: train_settings(&ck, raw.train)?,
    })
}

/// The input's shape, from the first pattern: a vector, or channels of rows × columns
/// (SPEC section 6). Every pattern must have it.
fn input_shape(ck: &Checker, data: &[RawPattern]) -> Result<Shape> {
    let dims = &data[0].input.dims;
    let shape = match dims[..] {
        [n] => Shape::flat(n),
        [rows, cols] => Shape::grid(1, rows, cols),
        [channels, rows, cols] => Shape::grid(channels, rows, cols),
        _ => unreachable!("an input is read at most three lists deep"),
    };
    if shape.size() == 0 {
        return ck.fail("data[0].input", "the input is empty");
    }
    if shape.size() > MAX_NODES {
        return ck.fail(
            "data[0].input",
            format!("{} inputs; at most {MAX_NODES} are supported", shape.size()),
        );
    }
    for (r, row) in data.iter().enumerate().skip(1) {
        if let ([n], [m]) = (&row.input.dims[..], &dims[..])
            && n != m
        {
            return ck.fail(
                format!("data[{r}].input"),
                format!("{n} values, but data[0].input has {m}"),
            );
        }
        if row.input.dims != *dims {
            return ck.fail_help(
                format!("data[{r}].input"),
                format!(
                    "{}, but data[0].input has {}",
                    dims_words(&row.input.dims),
                    dims_words(dims)
                ),
                "every pattern's input has the same shape",
            );
        }
    }
    Ok(shape)
}

/// An input's dimensions in words: `4 values`, `1 channel of 5 × 5`.
fn dims_words(dims: &[usize]) -> String {
    match dims {
        [n] => format!("{n} values"),
        [r, c] => format!("1 channel of {r} × {c}"),
        [1, r, c] => format!("1 channel of {r} × {c}"),
        [ch, r, c] => format!("{ch} channels of {r} × {c}"),
        _ => format!("{dims:?}"),
    }
}

/// The input's node names: given (a vector input only) or `x1`, `x2`, …; a 2-D input's
/// are `x<channel>_<row>_<column>`.
fn input_names(ck: &Checker, given: Option<Vec<String>>, shape: Shape) -> Result<Vec<String>> {
    if shape.rank == Rank::Grid {
        if given.is_some() {
            return ck.fail_help(
                "input_names",
                format!(
                    "names for a 2-D input ({}); a 2-D input's nodes are named by position",
                    shape_words(shape)
                ),
                "remove `input_names`: the nodes are x<channel>_<row>_<column>, e.g. x1_2_3",
            );
        }
        return Ok(grid_names("x", shape));
    }
    ck.names("input_names", given, shape.size(), |i| {
        format!("x{}", i + 1)
    })
}

/// A shape in words for messages: `5 values`, `1 × 5 × 5`, `2 channels of 4`.
pub(crate) fn shape_words(shape: Shape) -> String {
    match shape.rank {
        Rank::Flat => format!("{} values", shape.size()),
        Rank::Line if shape.channels == 1 => format!("a sequence of {}", shape.cols),
        Rank::Line => format!("{} channels of {}", shape.channels, shape.cols),
        Rank::Grid => format!("{} × {} × {}", shape.channels, shape.rows, shape.cols),
    }
}

/// The names of a 2-D layer's nodes, `<prefix><channel>_<row>_<column>` counting from 1,
/// with an underscore after a prefix that ends in a digit (SPEC section 6).
pub(crate) fn grid_names(prefix: &str, shape: Shape) -> Vec<String> {
    let sep = if prefix.ends_with(|c: char| c.is_ascii_digit()) {
        "_"
    } else {
        ""
    };
    (0..shape.size())
        .map(|i| {
            let (c, r, col) = shape.position(i);
            format!("{prefix}{sep}{}_{}_{}", c + 1, r + 1, col + 1)
        })
        .collect()
}

fn check_rate(ck: &Checker, path: &str, v: f64) -> Result<f64> {
    if !v.is_finite() || v < 0.0 {
        return ck.fail(path, format!("{v} must be a finite number, zero or more"));
    }
    Ok(v)
}

fn conventions(ck: &Checker, raw: Option<RawConventions>) -> Result<Conventions> {
    let mut c = Conventions::default();
    if let Some(raw) = raw {
        c.relu_passes_zero = match raw.relu_grad_at_zero {
            None | Some(0) => false,
            Some(1) => true,
            Some(v) => {
                return ck.fail_help(
                    "conventions.relu_grad_at_zero",
                    format!("{v} is not 0 or 1"),
                    "1: the gradient passes at exactly 0, as on the slides; 0: as PyTorch",
                );
            }
        };
        c.maxpool_ties = raw.maxpool_ties.unwrap_or(c.maxpool_ties);
        c.convolution = raw.convolution.unwrap_or(c.convolution);
    }
    Ok(c)
}

fn train_settings(ck: &Checker, raw: Option<RawTrain>) -> Result<TrainSettings> {
    let mut t = TrainSettings::default();
    if let Some(raw) = raw {
        if let Some(e) = raw.epochs {
            if e == 0 || e > MAX_EPOCHS {
                return ck.fail(
                    "train.epochs",
                    format!("{e} epochs; give 1 to {MAX_EPOCHS}"),
                );
            }
            t.epochs = e;
        }
        if let Some(s) = raw.stop_sse {
            t.stop_sse = check_rate(ck, "train.stop_sse", s)?;
        }
    }
    Ok(t)
}

/// A pattern's target as a vector. A number is a class index (one-hot), except on a
/// one-output network, where it is the target value itself (0 or 1 for a sigmoid, any
/// number for squared error). The class is kept where the target is one.
fn pattern(ck: &Checker, r: usize, row: RawPattern, outputs: usize, loss: Loss) -> Result<Pattern> {
    let path = format!("data[{r}].target");
    let target = match row.target {
        RawTarget::Number(v) if outputs == 1 => vec![v],
        RawTarget::Number(v) => {
            let c = class_index(ck, &path, v, outputs)?;
            (0..outputs).map(|j| f64::from(u8::from(j == c))).collect()
        }
        RawTarget::Vector(t) => {
            if t.len() != outputs {
                return ck.fail(
                    path,
                    format!("{} target values for {outputs} outputs", t.len()),
                );
            }
            t
        }
    };
    ck.finite(|| path.clone(), &target)?;
    let one_hot = target.iter().filter(|&&v| v == 1.0).count() == 1
        && target.iter().all(|&v| v == 0.0 || v == 1.0);
    let is_class = outputs > 1 || loss == Loss::CrossEntropy;
    let class = (one_hot && is_class)
        .then(|| target.iter().position(|&v| v == 1.0))
        .flatten();
    if loss == Loss::CrossEntropy && class.is_none() {
        return ck.fail_help(
            path,
            "cross_entropy needs a class",
            "write the class index, e.g. `target: 0`",
        );
    }
    Ok(Pattern {
        input: row.input.values,
        target,
        class,
    })
}

/// A number written as a class index: a whole number from 0 to outputs − 1.
fn class_index(ck: &Checker, path: &str, v: f64, outputs: usize) -> Result<usize> {
    let help =
        "classes count from 0; for a target value per output give a list, e.g. `target: [0, 1]`";
    if v < 0.0 {
        return ck.fail_help(path, format!("{v}: a class index cannot be negative"), help);
    }
    if v.fract() != 0.0 || !v.is_finite() {
        return ck.fail_help(
            path,
            format!("{v} is not a class index (a whole number)"),
            help,
        );
    }
    if v >= outputs as f64 {
        return ck.fail(
            path,
            format!(
                "class {v} does not exist: the network has {outputs} outputs, classes 0 to {}",
                outputs - 1
            ),
        );
    }
    Ok(v as usize)
}

fn build_network(
    ck: &Checker,
    raw: Vec<RawLayerEntry>,
    input_names: Vec<String>,
    input_shape: Shape,
    conventions: Conventions,
) -> Result<Network> {
    if raw.is_empty() {
        return ck.fail_help(
            "layers",
            "the network has no layers",
            "add at least one `dense` layer",
        );
    }
    if raw.len() > MAX_LAYERS {
        return ck.fail(
            "layers",
            format!("{} layers; at most {MAX_LAYERS} are supported", raw.len()),
        );
    }
    let mut shape = input_shape;
    let mut kinds = Vec::with_capacity(raw.len());
    for (i, raw) in raw.into_iter().enumerate() {
        let Some(raw) = raw.into_layer() else {
            return ck.fail_help(
                format!("layers[{i}]"),
                "a layer entry needs exactly one kind",
                "write e.g. `- dense: {...}`; kinds: conv1d, conv2d, relu, maxpool1d, maxpool2d, \
                 avgpool1d, avgpool2d, global_avgpool, flatten, dense",
            );
        };
        if let Some(problem) = raw.name().and_then(name_problem) {
            return ck.fail_help(format!("layers[{i}].name"), problem, NAME_HELP);
        }
        kinds.push(raw);
    }
    let defaults = default_layer_names(&kinds);
    let mut layers = Vec::new();
    let mut weights = 0usize;
    let mut layer_names: HashSet<String> = HashSet::new();
    let count = kinds.len();
    for (i, (raw, default)) in kinds.into_iter().zip(defaults).enumerate() {
        let path = format!("layers[{i}]");
        let layer = match raw {
            RawLayer::Conv1d(c) => {
                let flip = conventions.convolution == Convolution::Flip;
                Layer::Conv1d(conv1d(ck, &path, default, c, shape, flip)?)
            }
            RawLayer::Conv2d(c) => {
                let flip = conventions.convolution == Convolution::Flip;
                Layer::Conv2d(conv2d(ck, &path, default, c, shape, flip)?)
            }
            RawLayer::Relu(r) => Layer::Relu(relu(ck, &path, default, r, shape)?),
            RawLayer::Maxpool1d(p) => pools::pool1d(ck, &path, Max, default, p, shape)?,
            RawLayer::Maxpool2d(p) => pools::pool2d(ck, &path, Max, default, p, shape)?,
            RawLayer::Avgpool1d(p) => pools::pool1d(ck, &path, Average, default, p, shape)?,
            RawLayer::Avgpool2d(p) => pools::pool2d(ck, &path, Average, default, p, shape)?,
            RawLayer::GlobalAvgpool(p) => pools::global_avgpool(ck, &path, default, p, shape)?,
            RawLayer::Flatten(_) if i + 1 == count => {
                return ck.fail_help(
                    path,
                    "flatten is the last layer: it changes nothing there",
                    "remove it; flatten goes between 2-D layers and a dense layer",
                );
            }
            RawLayer::Flatten(f) => Layer::Flatten(Flatten {
                name: f.name.unwrap_or(default),
                input: shape,
                outputs: layers
                    .last()
                    .map_or(input_names.as_slice(), |l: &Layer| l.outputs())
                    .to_vec(),
            }),
            RawLayer::Dense(_) if shape.rank == Rank::Grid => {
                return ck.fail_help(
                    path,
                    format!(
                        "a dense layer cannot read 2-D nodes directly (its input is {})",
                        shape_words(shape)
                    ),
                    "add `- flatten: {}` before it (channel, then row, then column)",
                );
            }
            RawLayer::Dense(d) => Layer::Dense(dense(
                ck,
                &path,
                default,
                d,
                shape,
                layers.last().map_or(&input_names, |l: &Layer| l.outputs()),
            )?),
        };
        let name = layer.name().to_string();
        if ["input", "loss"].contains(&name.as_str()) {
            return ck.fail(
                format!("{path}.name"),
                format!("`{name}` cannot name a layer: quantity ids use it"),
            );
        }
        if !layer_names.insert(name.clone()) {
            return ck.fail(
                format!("{path}.name"),
                format!("two layers are named {}", shown(&name)),
            );
        }
        weights += layer.param_count();
        if weights > MAX_WEIGHTS {
            return ck.fail(
                path,
                format!(
                    "more than {MAX_WEIGHTS} weights; nntrace is for networks small enough to read"
                ),
            );
        }
        shape = layer.shape();
        layers.push(layer);
    }
    Ok(Network {
        input_names,
        input_shape,
        layers,
    })
}

fn check_size(ck: &Checker, path: &str, nodes: usize) -> Result<()> {
    if nodes > MAX_NODES {
        return ck.fail(
            path,
            format!("{nodes} outputs; at most {MAX_NODES} are supported"),
        );
    }
    Ok(())
}

/// The name of each layer the file leaves unnamed, one a student can say aloud: its kind
/// (`conv`, `relu`, `pool`; a dense layer is `hidden`, or `output` when it is the last
/// layer), numbered from 1 only when several unnamed layers share the word (`hidden1`,
/// `hidden2`), and never a name the file gives another layer.
fn default_layer_names(layers: &[RawLayer]) -> Vec<String> {
    let word = |i: usize| match &layers[i] {
        RawLayer::Conv1d(_) | RawLayer::Conv2d(_) => "conv",
        RawLayer::Relu(_) => "relu",
        RawLayer::Maxpool1d(_)
        | RawLayer::Maxpool2d(_)
        | RawLayer::Avgpool1d(_)
        | RawLayer::Avgpool2d(_)
        | RawLayer::GlobalAvgpool(_) => "pool",
        RawLayer::Dense(_) if i + 1 == layers.len() => "output",
        RawLayer::Dense(_) => "hidden",
        RawLayer::Flatten(_) => "flat",
    };
    let mut taken: HashSet<String> = layers
        .iter()
        .filter_map(|l| l.name().map(str::to_string))
        .collect();
    let unnamed = |w: &str| {
        (0..layers.len())
            .filter(|&i| layers[i].name().is_none() && word(i) == w)
            .count()
    };
    let mut next: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    (0..layers.len())
        .map(|i| {
            let w = word(i);
            if layers[i].name().is_some() {
                return String::new();
            }
            let numbered = unnamed(w) > 1;
            let mut candidate = w.to_string();
            loop {
                if numbered || taken.contains(&candidate) {
                    let n = next.entry(w).or_insert(0);
                    *n += 1;
                    candidate = format!("{w}{n}");
                }
                if taken.insert(candidate.clone()) {
                    return candidate;
                }
            }
        })
        .collect()
}

/// Output names: given, or `<layer>1..` (`<layer><channel>_<k>` with several channels);
/// after a layer name ending in a digit an underscore keeps the numbers apart
/// (`hidden2_1`, `conv2_1_3`), as SPEC section 6 writes 2-D names. A 2-D layer's nodes
/// are `<prefix><channel>_<row>_<column>` ([`grid_names`]; the prefix defaults to the
/// layer's name).
fn output_names(
    ck: &Checker,
    path: &str,
    given: Option<Vec<String>>,
    layer: &str,
    shape: Shape,
) -> Result<Vec<String>> {
    if shape.rank == Rank::Grid && given.is_none() {
        return Ok(grid_names(layer, shape));
    }
    let sep = if layer.ends_with(|c: char| c.is_ascii_digit()) {
        "_"
    } else {
        ""
    };
    ck.names(&format!("{path}.outputs"), given, shape.size(), |i| {
        if shape.channels == 1 {
            format!("{layer}{sep}{}", i + 1)
        } else {
            format!("{layer}{sep}{}_{}", i / shape.cols + 1, i % shape.cols + 1)
        }
    })
}

/// The prefix of a layer's 2-D node names: given (checked as a name) or the layer's name.
/// Refused on a layer whose nodes are not 2-D, where it would name nothing.
fn node_prefix(
    ck: &Checker,
    path: &str,
    given: Option<String>,
    layer: &str,
    shape: Shape,
) -> Result<String> {
    let Some(prefix) = given else {
        return Ok(layer.to_string());
    };
    if let Some(problem) = name_problem(&prefix) {
        return ck.fail_help(format!("{path}.prefix"), problem, NAME_HELP);
    }
    if shape.rank != Rank::Grid {
        return ck.fail_help(
            format!("{path}.prefix"),
            format!(
                "`prefix` names 2-D nodes, but this layer's nodes are {}",
                shape_words(shape)
            ),
            "name 1-D nodes with `outputs`, or remove `prefix`",
        );
    }
    Ok(prefix)
}

/// Windows of `size` every `stride` must cover the input exactly, with nothing left over.
fn check_windows(
    ck: &Checker,
    path: &str,
    what: &str,
    size: usize,
    stride: usize,
    padding: usize,
    input_len: usize,
) -> Result<()> {
    let len = input_len + 2 * padding;
    if size == 0 {
        return ck.fail(format!("{path}.size"), format!("a {what} of size 0"));
    }
    if stride == 0 {
        return ck.fail(
            format!("{path}.stride"),
            "stride 0: the window would never move",
        );
    }
    if padding > 0 && padding >= size {
        return ck.fail_help(
            format!("{path}.padding"),
            format!(
                "padding {padding} with a {what} of {size}: a window could hold nothing but padding"
            ),
            "padding must be smaller than the filter",
        );
    }
    let input = if padding > 0 {
        format!("the padded input of {len} ({input_len} and {padding} zeros at each end)")
    } else {
        format!("an input of {len}")
    };
    if size > len {
        return ck.fail(path, format!("a {what} of {size} does not fit {input}"));
    }
    if !(len - size).is_multiple_of(stride) {
        let covered = (len - size) / stride * stride + size;
        let cell = if padding > 0 { "padded cell" } else { "input" };
        return ck.fail_help(
            path,
            format!(
                "a {what} of {size} with stride {stride} leaves {cell} {} of {len} uncovered",
                covered + 1
            ),
            "choose a size and stride with (input − size) divisible by stride",
        );
    }
    Ok(())
}

/// A 1-D layer reads sequences; on a 2-D input it says which 2-D kind to use.
fn sequence_input(ck: &Checker, path: &str, kind: &str, instead: &str, input: Shape) -> Result<()> {
    if input.rank == Rank::Grid {
        return ck.fail_help(
            path,
            format!(
                "{kind} reads sequences, but its input is 2-D ({})",
                shape_words(input)
            ),
            &format!("use `{instead}` for a 2-D input"),
        );
    }
    Ok(())
}

fn conv1d(
    ck: &Checker,
    path: &str,
    default: String,
    raw: RawConv1d,
    input: Shape,
    flip: bool,
) -> Result<Conv1d> {
    let name = raw.name.unwrap_or(default);
    sequence_input(ck, path, "conv1d", "conv2d", input)?;
    if input.channels != 1 {
        return ck.fail(
            path,
            format!("conv1d reads one channel; its input has {}", input.channels),
        );
    }
    let (rows, nested) = match (raw.kernel, raw.kernels) {
        (Some(k), None) => (vec![k], false),
        (None, Some(ks)) => (ks, true),
        (Some(_), Some(_)) => return ck.fail(path, "give `kernel` or `kernels`, not both"),
        (None, None) => return ck.fail_help(path, "no filter", "add `kernel: [0.1, 0.1]`"),
    };
    let field = if nested { "kernels" } else { "kernel" };
    if rows.is_empty() || rows[0].is_empty() {
        return ck.fail(format!("{path}.{field}"), "the filter is empty");
    }
    let size = rows[0].len();
    for (c, row) in rows.iter().enumerate() {
        let p = if nested {
            format!("{path}.kernels[{c}]")
        } else {
            format!("{path}.kernel")
        };
        if row.len() != size {
            return ck.fail(
                p,
                format!("{} weights, but the first filter has {size}", row.len()),
            );
        }
        ck.finite(|| p.clone(), row)?;
    }
    let stride = raw.stride.unwrap_or(1);
    let padding = raw.padding.unwrap_or(0);
    check_windows(ck, path, "filter", size, stride, padding, input.cols)?;
    let filters = rows.len();
    let kernels = DMatrix::from_fn(size, filters, |j, c| rows[c][j]);
    let bias = filter_biases(ck, path, raw.bias, filters)?;
    let mut names = kernel_names(ck, path, raw.kernel_names, filters, size)?;
    bias_names(
        ck,
        path,
        &mut names,
        raw.bias_names,
        bias.as_ref().map(Vec::len),
        |c| {
            if filters == 1 {
                "b".to_string()
            } else {
                format!("b{}", c + 1)
            }
        },
    )?;
    ck.param_names(path, &names)?;
    let positions = (input.cols + 2 * padding - size) / stride + 1;
    let shape = Shape::line(filters, positions);
    check_size(ck, path, shape.size())?;
    let outputs = output_names(ck, path, raw.outputs, &name, shape)?;
    Ok(Conv1d {
        name,
        params: Params {
            weights: kernels,
            bias: bias.map(DVector::from_vec),
            names: names.names,
        },
        stride,
        padding,
        flip,
        input_len: input.cols,
        outputs,
    })
}

/// A convolution's biases, one per filter (a single number where there is one filter),
/// each finite.
fn filter_biases(
    ck: &Checker,
    path: &str,
    given: Option<RawBias>,
    filters: usize,
) -> Result<Option<Vec<f64>>> {
    let bias = match given {
        None => None,
        Some(RawBias::One(b)) if filters == 1 => Some(vec![b]),
        Some(RawBias::One(_)) => {
            return ck.fail(
                format!("{path}.bias"),
                format!("one bias for {filters} filters; give a list"),
            );
        }
        Some(RawBias::Many(b)) if b.len() == filters => Some(b),
        Some(RawBias::Many(b)) => {
            return ck.fail(
                format!("{path}.bias"),
                format!("{} biases for {filters} filters", b.len()),
            );
        }
    };
    if let Some(b) = &bias {
        ck.finite(|| format!("{path}.bias"), b)?;
    }
    Ok(bias)
}

/// A filter's weight names as the file writes them (one list, or one list per filter),
/// each with its field path, or the defaults `w1, w2, …` (`w1_1, w1_2, …, w2_1, …` with
/// several filters), filter by filter.
fn kernel_names(
    ck: &Checker,
    path: &str,
    given: Option<RawNames>,
    filters: usize,
    size: usize,
) -> Result<ParamNames> {
    let field = format!("{path}.kernel_names");
    let mut names = ParamNames::default();
    let rows = match given {
        None => {
            for p in 0..filters * size {
                names.push(
                    if filters == 1 {
                        format!("w{}", p + 1)
                    } else {
                        format!("w{}_{}", p / size + 1, p % size + 1)
                    },
                    Origin::Default("kernel_names"),
                );
            }
            return Ok(names);
        }
        Some(RawNames::Flat(n)) if filters == 1 => vec![(field.clone(), n)],
        Some(RawNames::Nested(n)) if n.len() == filters => n
            .into_iter()
            .enumerate()
            .map(|(c, row)| (format!("{field}[{c}]"), row))
            .collect(),
        Some(_) => {
            return ck.fail(
                field,
                format!("give one list of {size} names per filter ({filters} filters)"),
            );
        }
    };
    for (at, row) in rows {
        if row.len() != size {
            return ck.fail(
                at,
                format!("{} names given for a filter of size {size}", row.len()),
            );
        }
        for (k, name) in row.into_iter().enumerate() {
            names.push(name, Origin::Written(format!("{at}[{k}]")));
        }
    }
    Ok(names)
}

/// The names of a layer's `biases` (None: the layer has no bias), as written or by
/// default, added after its weights' names. Names without a bias are refused rather than
/// dropped.
fn bias_names(
    ck: &Checker,
    path: &str,
    names: &mut ParamNames,
    given: Option<Vec<String>>,
    biases: Option<usize>,
    default: impl Fn(usize) -> String,
) -> Result<()> {
    let field = format!("{path}.bias_names");
    match (given, biases) {
        (None, None) => Ok(()),
        (Some(_), None) => ck.fail_help(
            field,
            "bias names, but the layer has no `bias`",
            "add `bias` with one value per name, or remove `bias_names`",
        ),
        (None, Some(count)) => {
            (0..count).for_each(|j| names.push(default(j), Origin::Default("bias_names")));
            Ok(())
        }
        (Some(given), Some(count)) if given.len() != count => ck.fail(
            field,
            format!("{} names given, but there are {count}", given.len()),
        ),
        (Some(given), Some(_)) => {
            for (j, name) in given.into_iter().enumerate() {
                names.push(name, Origin::Written(format!("{field}[{j}]")));
            }
            Ok(())
        }
    }
}

/// `channel` or `channels`, by count.
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// 2-D kernels as written: [filter][channel][row][column].
type Kernels2d = Vec<Vec<Vec<Vec<f64>>>>;

/// The kernels as [filter][channel][row][column], with the field path of each filter's
/// weights (`kernel`, or `kernels[f]`) and whether they were written nested.
fn kernels_2d(ck: &Checker, path: &str, raw: &mut RawConv2d) -> Result<(Kernels2d, bool)> {
    match (raw.kernel.take(), raw.kernels.take()) {
        (Some(k), None) => Ok((vec![vec![k]], false)),
        (None, Some(ks)) => Ok((ks, true)),
        (Some(_), Some(_)) => ck.fail(path, "give `kernel` or `kernels`, not both"),
        (None, None) => ck.fail_help(
            path,
            "no kernel",
            "add `kernel: [[0.1, -0.2], [0.0, 0.3]]` (rows × columns), or `kernels:` \
             [filter][channel][row][column]",
        ),
    }
}

/// Every filter has one kernel per input channel, all of the first kernel's rows ×
/// columns, finite; returns (rows, columns).
fn kernel_dims(
    ck: &Checker,
    path: &str,
    kernels: &[Vec<Vec<Vec<f64>>>],
    nested: bool,
    channels: usize,
) -> Result<[usize; 2]> {
    let at = |f: usize, c: usize| {
        if nested {
            format!("{path}.kernels[{f}][{c}]")
        } else {
            format!("{path}.kernel")
        }
    };
    if kernels.is_empty()
        || kernels[0].is_empty()
        || kernels[0][0].is_empty()
        || kernels[0][0][0].is_empty()
    {
        let field = if nested { "kernels" } else { "kernel" };
        return ck.fail(format!("{path}.{field}"), "the kernel is empty");
    }
    let (kh, kw) = (kernels[0][0].len(), kernels[0][0][0].len());
    for (f, filter) in kernels.iter().enumerate() {
        if filter.len() != channels {
            let p = if nested {
                format!("{path}.kernels[{f}]")
            } else {
                format!("{path}.kernel")
            };
            let help = if nested {
                "give each filter one kernel per input channel: [filter][channel][row][column]"
            } else {
                "`kernel` is one channel; for several input channels write `kernels: \
                 [[channel 1 rows, channel 2 rows, …]]`"
            };
            return ck.fail_help(
                p,
                format!(
                    "{} kernel {}, but the input has {channels} {}",
                    filter.len(),
                    plural(filter.len(), "channel"),
                    plural(channels, "channel")
                ),
                help,
            );
        }
        for (c, rows) in filter.iter().enumerate() {
            if rows.len() != kh {
                return ck.fail(
                    at(f, c),
                    format!("{} rows, but the first kernel has {kh}", rows.len()),
                );
            }
            for (u, row) in rows.iter().enumerate() {
                let p = format!("{}[{u}]", at(f, c));
                if row.len() != kw {
                    return ck.fail(
                        p,
                        format!(
                            "{} {}, but the first kernel's rows have {kw}",
                            row.len(),
                            plural(row.len(), "weight")
                        ),
                    );
                }
                ck.finite(|| p.clone(), row)?;
            }
        }
    }
    Ok([kh, kw])
}

/// The windows of a 2-D layer must fit the padded input and cover it exactly, along rows
/// and along columns.
fn check_windows_2d(
    ck: &Checker,
    path: &str,
    what: &str,
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
    input: Shape,
) -> Result<()> {
    let size = [input.rows, input.cols];
    if stride.contains(&0) {
        return ck.fail(
            format!("{path}.stride"),
            "stride 0: the window would never move",
        );
    }
    if padding[0] >= kernel[0] || padding[1] >= kernel[1] {
        return ck.fail_help(
            format!("{path}.padding"),
            format!(
                "padding {} × {} with a {} of {} × {}: a window could hold nothing but padding",
                padding[0], padding[1], what, kernel[0], kernel[1]
            ),
            "padding must be smaller than the kernel along each side",
        );
    }
    let padded = [size[0] + 2 * padding[0], size[1] + 2 * padding[1]];
    if kernel[0] > padded[0] || kernel[1] > padded[1] {
        return ck.fail_help(
            path,
            format!(
                "a {what} of {} × {} is larger than the padded input {} × {} (input {} × {}, padding {} × {})",
                kernel[0], kernel[1], padded[0], padded[1], size[0], size[1], padding[0], padding[1]
            ),
            "use a smaller kernel or more padding",
        );
    }
    for a in 0..2 {
        let (len, k, s) = (padded[a], kernel[a], stride[a]);
        if !(len - k).is_multiple_of(s) {
            let covered = (len - k) / s * s + k;
            let (cell, unit) = (["row", "column"][a], ["rows", "columns"][a]);
            let left = if len - covered == 1 {
                format!("{cell} {len}")
            } else {
                format!("{unit} {}–{len}", covered + 1)
            };
            let fits: Vec<String> = (1..=(len - k).max(1))
                .filter(|&t| (len - k).is_multiple_of(t))
                .take(4)
                .map(|t| t.to_string())
                .collect();
            return ck.fail_help(
                path,
                format!(
                    "a {what} of {} × {} with stride {} × {} leaves {left} of the padded input \
                     ({} × {}) uncovered",
                    kernel[0], kernel[1], stride[0], stride[1], padded[0], padded[1]
                ),
                &format!(
                    "the stride must divide padded {unit} − kernel {unit} = {len} − {k} = {}: \
                     stride {} fits, or change the padding or the kernel",
                    len - k,
                    fits.join(" or ")
                ),
            );
        }
    }
    Ok(())
}

fn conv2d(
    ck: &Checker,
    path: &str,
    default: String,
    mut raw: RawConv2d,
    input: Shape,
    flip: bool,
) -> Result<Conv2d> {
    let name = raw.name.take().unwrap_or(default);
    if input.rank != Rank::Grid {
        return ck.fail_help(
            path,
            format!(
                "conv2d reads 2-D maps, but its input is {}",
                shape_words(input)
            ),
            "give the input as rows of numbers (`input: [[1, 0], [0, 1]]`), or use `conv1d`",
        );
    }
    let (kernels, nested) = kernels_2d(ck, path, &mut raw)?;
    let channels = input.channels;
    let kernel = kernel_dims(ck, path, &kernels, nested, channels)?;
    let stride = raw.stride.map_or([1, 1], RawPair::pair);
    let padding = raw.padding.map_or([0, 0], RawPair::pair);
    check_windows_2d(ck, path, "kernel", kernel, stride, padding, input)?;
    let filters = kernels.len();
    let [kh, kw] = kernel;
    let taps = channels * kh * kw;
    if filters.saturating_mul(taps) > MAX_WEIGHTS {
        return ck.fail(
            path,
            format!("{filters}×{taps} weights; at most {MAX_WEIGHTS} are supported"),
        );
    }
    let weights = DMatrix::from_fn(taps, filters, |j, f| {
        kernels[f][j / (kh * kw)][j / kw % kh][j % kw]
    });
    let bias = filter_biases(ck, path, raw.bias, filters)?;
    let given = kernel_names_2d(ck, path, raw.kernel_names, filters, channels, kernel)?;
    let mut names = ck.names(
        &format!("{path}.kernel_names"),
        given,
        filters * taps,
        |p| {
            let (f, j) = (p / taps, p % taps);
            format!(
                "w{}_{}_{}_{}",
                f + 1,
                j / (kh * kw) + 1,
                j / kw % kh + 1,
                j % kw + 1
            )
        },
    )?;
    if let Some(b) = &bias {
        names.extend(ck.names(
            &format!("{path}.bias_names"),
            raw.bias_names,
            b.len(),
            |f| format!("b{}", f + 1),
        )?);
        ck.distinct(&format!("{path}.bias_names"), &names)?;
    } else if raw.bias_names.is_some() {
        return ck.fail_help(
            format!("{path}.bias_names"),
            "names for biases, but the layer has no `bias`",
            "add `bias: [0.0]` (one per filter), or remove `bias_names`",
        );
    }
    let mut layer = Conv2d {
        name,
        params: Params {
            weights,
            bias: bias.map(DVector::from_vec),
            names,
        },
        input,
        kernel,
        stride,
        padding,
        flip,
        outputs: Vec::new(),
    };
    let shape = layer.shape();
    check_size(ck, path, shape.size())?;
    let prefix = node_prefix(ck, path, raw.prefix, &layer.name, shape)?;
    layer.outputs = grid_names(&prefix, shape);
    Ok(layer)
}

/// `kernel_names` nested like the kernels, flattened in parameter order.
fn kernel_names_2d(
    ck: &Checker,
    path: &str,
    raw: Option<RawKernelNames>,
    filters: usize,
    channels: usize,
    [kh, kw]: [usize; 2],
) -> Result<Option<Vec<String>>> {
    let nested: Vec<Vec<Vec<Vec<String>>>> = match raw {
        None => return Ok(None),
        Some(RawKernelNames::Flat(_)) => Vec::new(),
        Some(RawKernelNames::Grid(g)) => vec![vec![g]],
        Some(RawKernelNames::Filters(f)) => f,
    };
    let fits = nested.len() == filters
        && nested.iter().all(|f| {
            f.len() == channels
                && f.iter()
                    .all(|c| c.len() == kh && c.iter().all(|r| r.len() == kw))
        });
    if !fits {
        return ck.fail_help(
            format!("{path}.kernel_names"),
            format!(
                "names nested unlike the kernels: give [filter][channel][row][column] = \
                 {filters} × {channels} × {kh} × {kw} names"
            ),
            "write kernel_names exactly as the kernels are written, a name where each weight is \
             (for `kernel:` rows × columns)",
        );
    }
    Ok(Some(
        nested.into_iter().flatten().flatten().flatten().collect(),
    ))
}

fn relu(ck: &Checker, path: &str, default: String, raw: RawRelu, input: Shape) -> Result<Relu> {
    let name = raw.name.unwrap_or(default);
    let prefix = node_prefix(ck, path, raw.prefix, &name, input)?;
    let outputs = output_names(ck, path, raw.outputs, &prefix, input)?;
    Ok(Relu {
        name,
        outputs,
        shape: input,
    })
}

fn dense(
    ck: &Checker,
    path: &str,
    default: String,
    raw: RawDense,
    input: Shape,
    previous: &[String],
) -> Result<Dense> {
    let name = raw.name.unwrap_or(default);
    let inputs = input.size();
    let units = raw.weights.len();
    if units == 0 {
        return ck.fail_help(
            format!("{path}.weights"),
            "no weight rows",
            "one row per output unit, one column per input",
        );
    }
    check_size(ck, path, units)?;
    if units.saturating_mul(inputs) > MAX_WEIGHTS {
        return ck.fail(
            format!("{path}.weights"),
            format!("{units}×{inputs} weights; at most {MAX_WEIGHTS} are supported"),
        );
    }
    for (j, row) in raw.weights.iter().enumerate() {
        if row.len() != inputs {
            return ck.fail_help(
                format!("{path}.weights[{j}]"),
                format!("{} weights, but the layer has {inputs} inputs", row.len()),
                "one row per output unit, one column per input of the previous layer",
            );
        }
        ck.finite(|| format!("{path}.weights[{j}]"), row)?;
    }
    let shape = Shape::flat(units);
    let outputs = output_names(ck, path, raw.outputs, &name, shape)?;
    let mut names = weight_names(ck, path, raw.weight_names, &outputs, previous)?;
    let bias = match raw.bias {
        Some(b) if b.len() != units => {
            return ck.fail(
                format!("{path}.bias"),
                format!("{} biases for {units} units", b.len()),
            );
        }
        b => b,
    };
    if let Some(b) = &bias {
        ck.finite(|| format!("{path}.bias"), b)?;
    }
    bias_names(
        ck,
        path,
        &mut names,
        raw.bias_names,
        bias.as_ref().map(Vec::len),
        |j| format!("b_{}", outputs[j]),
    )?;
    ck.param_names(path, &names)?;
    Ok(Dense {
        name,
        activation: raw.activation,
        params: Params {
            weights: DMatrix::from_fn(units, inputs, |j, i| raw.weights[j][i]),
            bias: bias.map(DVector::from_vec),
            names: names.names,
        },
        outputs,
    })
}

/// A dense layer's weight names: written row by row (one row per unit, one name per
/// input), each with its field path, or the defaults `w_<unit>_<input>`; stored column by
/// column, as the weights are.
fn weight_names(
    ck: &Checker,
    path: &str,
    given: Option<Vec<Vec<String>>>,
    outputs: &[String],
    previous: &[String],
) -> Result<ParamNames> {
    let (units, inputs) = (outputs.len(), previous.len());
    let mut names = ParamNames::default();
    match given {
        None => {
            for p in 0..units * inputs {
                names.push(
                    format!("w_{}_{}", outputs[p % units], previous[p / units]),
                    Origin::Default("weight_names"),
                );
            }
        }
        Some(rows) if rows.len() != units || rows.iter().any(|r| r.len() != inputs) => {
            return ck.fail(
                format!("{path}.weight_names"),
                format!("give {units} rows of {inputs} names, like `weights`"),
            );
        }
        Some(rows) => {
            for p in 0..units * inputs {
                let (j, i) = (p % units, p / units);
                names.push(
                    rows[j][i].clone(),
                    Origin::Written(format!("{path}.weight_names[{j}][{i}]")),
                );
            }
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    fn layer_names(layers: &str) -> Vec<(String, Vec<String>)> {
        let text = format!(
            "data: [{{input: [1, 0, 1, 0, 1, 0], target: 0}}]\nlearning_rate: 0.1\n\
             loss: half_squared_error\nlayers:\n{layers}"
        );
        let s = crate::scenario::parse(&text, "t", "t").unwrap();
        s.network
            .layers
            .iter()
            .map(|l| (l.name().to_string(), l.outputs().to_vec()))
            .collect()
    }

    #[test]
    fn default_names_can_be_said_aloud() {
        let got = layer_names(
            "  - conv1d: {kernels: [[0.1, 0.2, 0.3], [0.3, 0.2, 0.1]]}\n  - relu: {}\n\
             \x20 - maxpool1d: {size: 2}\n  - dense: {activation: sigmoid, weights: [[1, 1, 1, 1]]}\n\
             \x20 - dense: {activation: sigmoid, weights: [[1]]}\n",
        );
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["conv", "relu", "pool", "hidden", "output"]);
        assert_eq!(
            got[1].1[..2],
            ["relu1_1", "relu1_2"],
            "channel 1, positions 1, 2"
        );
        assert_eq!(got[2].1, ["pool1_1", "pool1_2", "pool2_1", "pool2_2"]);
        assert_eq!(got[3].1, ["hidden1"]);
        assert_eq!(got[4].1, ["output1"]);
        let s = crate::scenario::parse(
            "data: [{input: [1, 0], target: 0}]\nlearning_rate: 0.1\nloss: half_squared_error\n\
             layers:\n  - dense: {activation: sigmoid, weights: [[1, 1], [1, 1]]}\n\
             \x20 - dense: {activation: sigmoid, weights: [[1, 1]]}\n",
            "t",
            "t",
        )
        .unwrap();
        let params = s.network.layers[1].trainable().unwrap();
        assert_eq!(params.name(0), "w_output1_hidden1");
    }

    #[test]
    fn several_unnamed_layers_of_a_kind_are_numbered_with_an_underscore_before_nodes() {
        let got = layer_names(
            "  - dense: {activation: sigmoid, weights: [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]]}\n\
             \x20 - dense: {activation: sigmoid, weights: [[1, 1]]}\n\
             \x20 - dense: {activation: sigmoid, weights: [[1]]}\n",
        );
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["hidden1", "hidden2", "output"]);
        assert_eq!(got[0].1, ["hidden1_1", "hidden1_2"]);
        assert_eq!(got[1].1, ["hidden2_1"]);
    }

    #[test]
    fn a_default_never_takes_a_name_the_file_gives() {
        let got = layer_names(
            "  - dense: {name: output, activation: sigmoid, weights: [[1, 1, 1, 1, 1, 1]]}\n\
             \x20 - dense: {activation: sigmoid, weights: [[1]]}\n",
        );
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["output", "output1"]);
        assert_eq!(got[1].1, ["output1_1"]);
    }
}
