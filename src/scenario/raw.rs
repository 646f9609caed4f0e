//! The scenario file exactly as written (SPEC section 2). Unknown keys are rejected here;
//! shapes and ranges are checked in `validate`.

use crate::network::{Activation, Convolution, Loss, Ties};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use std::fmt;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub data: Vec<RawPattern>,
    pub pattern: Option<usize>,
    pub classes: Option<Vec<String>>,
    pub input_names: Option<Vec<String>>,
    pub learning_rate: f64,
    pub l2: Option<f64>,
    pub update_biases: Option<bool>,
    pub loss: Loss,
    pub conventions: Option<RawConventions>,
    pub layers: Vec<RawLayerEntry>,
    pub train: Option<RawTrain>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawPattern {
    pub input: RawInput,
    pub target: RawTarget,
}

/// A pattern's input as written: numbers (`[1, 0]`), rows of numbers (one channel of
/// rows × columns) or channels of rows, kept flat in that order (channel, row, column)
/// with its dimensions: `[n]`, `[rows, columns]` or `[channels, rows, columns]`. Rows of
/// different lengths and numbers mixed with lists are refused while reading, at the line
/// and column of the list that holds them.
#[derive(Debug)]
pub struct RawInput {
    pub values: Vec<f64>,
    pub dims: Vec<usize>,
}

impl<'de> Deserialize<'de> for RawInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut values = Vec::new();
        let dims = Nested {
            values: &mut values,
            depth: 0,
        }
        .deserialize(d)?;
        if dims.is_empty() {
            return Err(de::Error::custom(
                "a single number; write the input as a list, e.g. `[1, 0]`",
            ));
        }
        Ok(RawInput { values, dims })
    }
}

/// The deepest input: channels × rows × columns.
const MAX_INPUT_DEPTH: usize = 3;

/// Reads one item of an input (a number or a list, `depth` lists deep), appending its
/// numbers to `values`; returns its dimensions (none for a number).
struct Nested<'a> {
    values: &'a mut Vec<f64>,
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Nested<'_> {
    type Value = Vec<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<usize>, D::Error> {
        d.deserialize_any(self)
    }
}

/// What an item of these dimensions is, for messages: a value, a row, a channel.
fn item_word(dims: &[usize]) -> String {
    match dims {
        [] => "a number".into(),
        [n] => format!("a row of {n}"),
        [r, c] => format!("a channel of {r} × {c}"),
        _ => "a list nested deeper".into(),
    }
}

impl<'de> Visitor<'de> for Nested<'_> {
    type Value = Vec<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("numbers (`[1, 0]`), rows of numbers (`[[1, 0], [0, 1]]`) or channels of rows")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<usize>, E> {
        self.values.push(v as f64);
        Ok(Vec::new())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<usize>, E> {
        self.values.push(v as f64);
        Ok(Vec::new())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Vec<usize>, E> {
        self.values.push(v);
        Ok(Vec::new())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<usize>, A::Error> {
        if self.depth == MAX_INPUT_DEPTH {
            return Err(de::Error::custom(
                "an input nested more than three lists deep; \
                 at most channels × rows × columns",
            ));
        }
        let mut first: Option<Vec<usize>> = None;
        let mut count = 0usize;
        loop {
            let item = Nested {
                values: &mut *self.values,
                depth: self.depth + 1,
            };
            let Some(dims) = seq.next_element_seed(item)? else {
                break;
            };
            count += 1;
            match &first {
                None => first = Some(dims),
                Some(f) if *f == dims => {}
                Some(f) => return Err(de::Error::custom(mismatch(f, &dims, count))),
            }
        }
        let mut dims = vec![count];
        dims.extend(first.unwrap_or_default());
        Ok(dims)
    }
}

/// Item `n` (counting from 1) of a list is shaped unlike its first item.
fn mismatch(first: &[usize], item: &[usize], n: usize) -> String {
    match (first, item) {
        ([a], [b]) => format!(
            "ragged rows: row {n} has {b} values, but row 1 has {a}; \
             every row of an input needs the same number of columns"
        ),
        ([r0, c0], [r, c]) => format!(
            "channel {n} is {r} × {c}, but channel 1 is {r0} × {c0}; \
             every channel of an input has the same rows and columns"
        ),
        _ => format!(
            "mixed nesting: item {n} is {}, but item 1 is {}; \
             write numbers, rows of numbers, or channels of rows throughout",
            item_word(item),
            item_word(first)
        ),
    }
}

/// `target: 0` (a number: a class index, or the target value of a one-output network) or
/// `target: [1, 0]` (a vector).
#[derive(Debug)]
pub enum RawTarget {
    Number(f64),
    Vector(Vec<f64>),
}

impl<'de> Deserialize<'de> for RawTarget {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TargetVisitor;
        impl<'de> Visitor<'de> for TargetVisitor {
            type Value = RawTarget;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a class index (0, 1, …), a target value or a list of target values")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawTarget, E> {
                Ok(RawTarget::Number(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawTarget, E> {
                Ok(RawTarget::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawTarget, E> {
                Ok(RawTarget::Number(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawTarget, A::Error> {
                let mut values = Vec::new();
                while let Some(v) = seq.next_element::<f64>()? {
                    values.push(v);
                }
                Ok(RawTarget::Vector(values))
            }
        }
        d.deserialize_any(TargetVisitor)
    }
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawConventions {
    pub relu_grad_at_zero: Option<u8>,
    pub maxpool_ties: Option<Ties>,
    pub convolution: Option<Convolution>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawTrain {
    pub epochs: Option<u64>,
    pub stop_sse: Option<f64>,
}

/// One entry of `layers`: a map with exactly one key, the layer kind.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawLayerEntry {
    pub conv1d: Option<RawConv1d>,
    pub conv2d: Option<RawConv2d>,
    pub relu: Option<RawRelu>,
    pub maxpool1d: Option<RawPool1d>,
    pub maxpool2d: Option<RawPool2d>,
    pub avgpool1d: Option<RawPool1d>,
    pub avgpool2d: Option<RawPool2d>,
    pub global_avgpool: Option<RawGlobalPool>,
    pub dense: Option<RawDense>,
    pub flatten: Option<RawFlatten>,
}

#[derive(Debug)]
pub enum RawLayer {
    Conv1d(RawConv1d),
    Conv2d(RawConv2d),
    Relu(RawRelu),
    Maxpool1d(RawPool1d),
    Maxpool2d(RawPool2d),
    Avgpool1d(RawPool1d),
    Avgpool2d(RawPool2d),
    GlobalAvgpool(RawGlobalPool),
    Dense(RawDense),
    Flatten(RawFlatten),
}

impl RawLayer {
    /// The name the file gives the layer, if any.
    pub fn name(&self) -> Option<&str> {
        match self {
            RawLayer::Conv1d(c) => c.name.as_deref(),
            RawLayer::Conv2d(c) => c.name.as_deref(),
            RawLayer::Relu(r) => r.name.as_deref(),
            RawLayer::Maxpool1d(p) | RawLayer::Avgpool1d(p) => p.name.as_deref(),
            RawLayer::Maxpool2d(p) | RawLayer::Avgpool2d(p) => p.name.as_deref(),
            RawLayer::GlobalAvgpool(p) => p.name.as_deref(),
            RawLayer::Dense(d) => d.name.as_deref(),
            RawLayer::Flatten(f) => f.name.as_deref(),
        }
    }
}

impl RawLayerEntry {
    /// The one layer this entry describes, or None if it names none or several.
    pub fn into_layer(self) -> Option<RawLayer> {
        let mut kinds = [
            self.conv1d.map(RawLayer::Conv1d),
            self.conv2d.map(RawLayer::Conv2d),
            self.relu.map(RawLayer::Relu),
            self.maxpool1d.map(RawLayer::Maxpool1d),
            self.maxpool2d.map(RawLayer::Maxpool2d),
            self.avgpool1d.map(RawLayer::Avgpool1d),
            self.avgpool2d.map(RawLayer::Avgpool2d),
            self.global_avgpool.map(RawLayer::GlobalAvgpool),
            self.dense.map(RawLayer::Dense),
            self.flatten.map(RawLayer::Flatten),
        ]
        .into_iter()
        .flatten();
        let first = kinds.next();
        if kinds.next().is_some() { None } else { first }
    }
}

/// A list of names, or one list per filter.
#[derive(Deserialize, Debug)]
#[serde(untagged)]
pub enum RawNames {
    Flat(#[allow(dead_code)] Vec<String>),
    Nested(Vec<Vec<String>>),
}

/// One bias, or one per filter.
#[derive(Deserialize, Debug)]
#[serde(untagged)]
pub enum RawBias {
    One(f64),
    Many(Vec<f64>),
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawConv1d {
    pub name: Option<String>,
    pub kernel: Option<Vec<f64>>,
    pub kernels: Option<Vec<Vec<f64>>>,
    pub kernel_names: Option<RawNames>,
    pub stride: Option<usize>,
    pub padding: Option<usize>,
    pub bias: Option<RawBias>,
    pub bias_names: Option<Vec<String>>,
    pub outputs: Option<Vec<String>>,
}

/// 2-D kernel names, nested like the kernels: rows × columns for `kernel:`,
/// [filter][channel][row][column] for `kernels:`.
#[derive(Deserialize, Debug)]
#[serde(untagged)]
pub enum RawKernelNames {
    /// Not nested enough: refused with the nesting that fits.
    Flat(#[allow(dead_code)] Vec<String>),
    Grid(Vec<Vec<String>>),
    Filters(Vec<Vec<Vec<Vec<String>>>>),
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawConv2d {
    pub name: Option<String>,
    /// One filter of one channel: rows × columns.
    pub kernel: Option<Vec<Vec<f64>>>,
    /// [filter][input channel][row][column].
    pub kernels: Option<Vec<Vec<Vec<Vec<f64>>>>>,
    pub kernel_names: Option<RawKernelNames>,
    pub stride: Option<RawPair>,
    pub padding: Option<RawPair>,
    pub bias: Option<RawBias>,
    pub bias_names: Option<Vec<String>>,
    pub prefix: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawRelu {
    pub name: Option<String>,
    pub prefix: Option<String>,
    pub outputs: Option<Vec<String>>,
}

/// `maxpool1d` and `avgpool1d`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawPool1d {
    pub name: Option<String>,
    pub size: usize,
    pub stride: Option<usize>,
    pub outputs: Option<Vec<String>>,
}

/// A 2-D extent (a window's size, a stride, a padding): one number for rows and columns
/// alike, or `[rows, columns]`. Anything else is refused where it stands.
#[derive(Debug, Clone, Copy)]
pub enum RawPair {
    Same(usize),
    Each([usize; 2]),
}

impl<'de> Deserialize<'de> for RawPair {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PairVisitor;
        impl<'de> Visitor<'de> for PairVisitor {
            type Value = RawPair;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number, or [rows, columns] such as [2, 3]")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawPair, E> {
                usize::try_from(v)
                    .map(RawPair::Same)
                    .map_err(|_| E::custom(format!("{v} is too large")))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawPair, A::Error> {
                let mut values = Vec::new();
                while let Some(v) = seq.next_element::<usize>()? {
                    values.push(v);
                    if values.len() > 2 {
                        break;
                    }
                }
                match values[..] {
                    [rows, cols] => Ok(RawPair::Each([rows, cols])),
                    [_] => Err(de::Error::custom("1 number where [rows, columns] takes 2")),
                    [] => Err(de::Error::custom(
                        "no numbers where [rows, columns] takes 2",
                    )),
                    _ => Err(de::Error::custom(
                        "more than 2 numbers where [rows, columns] takes 2",
                    )),
                }
            }
        }
        d.deserialize_any(PairVisitor)
    }
}

impl RawPair {
    /// [rows, columns].
    pub fn pair(self) -> [usize; 2] {
        match self {
            RawPair::Same(n) => [n, n],
            RawPair::Each(p) => p,
        }
    }
}

/// `maxpool2d` and `avgpool2d`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawPool2d {
    pub name: Option<String>,
    pub size: RawPair,
    pub stride: Option<RawPair>,
    pub prefix: Option<String>,
}

/// `global_avgpool`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawGlobalPool {
    pub name: Option<String>,
    pub prefix: Option<String>,
    pub outputs: Option<Vec<String>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawDense {
    pub name: Option<String>,
    pub activation: Activation,
    pub outputs: Option<Vec<String>>,
    pub weights: Vec<Vec<f64>>,
    pub weight_names: Option<Vec<Vec<String>>>,
    pub bias: Option<Vec<f64>>,
    pub bias_names: Option<Vec<String>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawFlatten {
    pub name: Option<String>,
}
