//! The scenario file exactly as written (SPEC section 2). Unknown keys are rejected here;
//! shapes and ranges are checked in `validate`.

use crate::network::{Activation, Loss, Ties};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
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
    pub input: Vec<f64>,
    pub target: RawTarget,
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
    pub relu: Option<RawRelu>,
    pub maxpool1d: Option<RawMaxPool1d>,
    pub dense: Option<RawDense>,
}

#[derive(Debug)]
pub enum RawLayer {
    Conv1d(RawConv1d),
    Relu(RawRelu),
    Maxpool1d(RawMaxPool1d),
    Dense(RawDense),
}

impl RawLayer {
    /// The name the file gives the layer, if any.
    pub fn name(&self) -> Option<&str> {
        match self {
            RawLayer::Conv1d(c) => c.name.as_deref(),
            RawLayer::Relu(r) => r.name.as_deref(),
            RawLayer::Maxpool1d(p) => p.name.as_deref(),
            RawLayer::Dense(d) => d.name.as_deref(),
        }
    }
}

impl RawLayerEntry {
    /// The one layer this entry describes, or None if it names none or several.
    pub fn into_layer(self) -> Option<RawLayer> {
        let mut kinds = [
            self.conv1d.map(RawLayer::Conv1d),
            self.relu.map(RawLayer::Relu),
            self.maxpool1d.map(RawLayer::Maxpool1d),
            self.dense.map(RawLayer::Dense),
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
    Flat(Vec<String>),
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
    pub bias: Option<RawBias>,
    pub bias_names: Option<Vec<String>>,
    pub outputs: Option<Vec<String>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawRelu {
    pub name: Option<String>,
    pub outputs: Option<Vec<String>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawMaxPool1d {
    pub name: Option<String>,
    pub size: usize,
    pub stride: Option<usize>,
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
