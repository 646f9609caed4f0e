//! The network and the training step: forward pass, backward pass with held Δw, update.
//!
//! Each layer kind lives in its own file with its forward step, its backward step and the
//! formulas of what it computed side by side, answering every question of [`LayerKind`]
//! (and those of [`SharedFilter`] or [`Routing`] if it has shared filters or routes its
//! gradient). The step is in `step.rs`, the explanations of a recorded trace in
//! `explain.rs`. Every value goes through the [`Recorder`](crate::trace::Recorder), so the
//! same code produces the full trace (`trace`) and runs untraced (`train`).

pub mod activation;
pub mod avgpool;
pub mod conv1d;
pub mod conv2d;
pub mod dense;
mod explain;
mod filter;
pub mod flatten;
mod layer;
pub mod loss;
pub mod maxpool;
pub mod params;
pub mod pool;
pub mod relu;
mod routing;
mod step;
mod workspace;

use crate::trace::{INPUT_LAYER, Key, LOSS_LAYER, LayerId, Recorder};
pub use activation::Activation;
pub use avgpool::AvgPool;
pub use conv1d::Conv1d;
pub use conv2d::Conv2d;
pub use dense::Dense;
pub use explain::{Explained, Explainer, Note, NoteKind};
pub use filter::{FilterIndex, FilterStep, FilterTable, SharedFilter};
pub use flatten::Flatten;
pub use layer::{
    Ctx, Figure, Gate, Gradients, GridCell, GridOf, Incoming, LayerKind, Link, Outputs, Rank,
    Shape, Slip, Step,
};
pub use loss::Loss;
pub use maxpool::MaxPool;
pub use params::Params;
pub use pool::PoolGeometry;
pub use relu::Relu;
pub use routing::Routing;
use serde::Deserialize;
pub use step::updated;
pub use workspace::Workspace;

/// How a max-pool shares its gradient among tied maxima.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ties {
    /// Every tied maximum gets the whole gradient (the slides).
    All,
    /// Only the first maximum gets it (PyTorch, TensorFlow).
    First,
    /// The tied maxima share it equally.
    Split,
}

impl Ties {
    pub fn as_str(self) -> &'static str {
        match self {
            Ties::All => "all",
            Ties::First => "first",
            Ties::Split => "split",
        }
    }
}

/// How a convolution meets its kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Convolution {
    /// The kernel slides as written (cross-correlation, as every framework computes).
    Correlate,
    /// The kernel is rotated by 180° first (the mathematical convolution, as some
    /// textbooks write it).
    Flip,
}

impl Convolution {
    pub fn as_str(self) -> &'static str {
        match self {
            Convolution::Correlate => "correlate",
            Convolution::Flip => "flip",
        }
    }
}

/// Choices on which textbooks and frameworks differ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Conventions {
    /// ReLU passes the gradient at an input of exactly 0 (the slides: "positive or zero").
    pub relu_passes_zero: bool,
    pub maxpool_ties: Ties,
    /// Whether convolutions rotate their kernel by 180° (`flip`) or not (`correlate`).
    pub convolution: Convolution,
}

impl Default for Conventions {
    fn default() -> Self {
        Conventions {
            relu_passes_zero: false,
            maxpool_ties: Ties::First,
            convolution: Convolution::Correlate,
        }
    }
}

/// Everything a step needs besides the weights and the pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct Setup {
    /// Learning rate α.
    pub alpha: f64,
    /// L2 strength λ; the penalty is ½λΣw² over weights, not biases.
    pub lambda: f64,
    /// Whether biases learn; `false` keeps them at their given values (Δb = 0), as in
    /// examples that train only the weights.
    pub update_biases: bool,
    pub loss: Loss,
    pub conventions: Conventions,
}

/// A value where working by hand is delicate: the answer hangs on a convention, or on a
/// digit a student may have rounded away. Each layer reports its own (exercise generator).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Hazard {
    /// A pooling window whose two largest inputs are `gap` apart (0: a tie, and the
    /// max-pool convention decides where the gradient goes).
    PoolGap { pooled: Key, gap: f64 },
    /// A ReLU whose input (the quantity `input`) is `value`: at exactly 0, ReLU′(0) is a
    /// convention. `output` is the ReLU's output (a ReLU node, or a dense unit).
    ReluInput { input: Key, output: Key, value: f64 },
    /// A sigmoid whose net input (the quantity `input`) is `value`: far from 0,
    /// σ′ = σ(1 − σ) is tiny.
    SigmoidInput { input: Key, value: f64 },
}

/// One training pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    pub input: Vec<f64>,
    /// The target as a vector (one-hot for a class).
    pub target: Vec<f64>,
    /// The target class, where the target is a class.
    pub class: Option<usize>,
}

/// The size of a traced step, from the network's shape alone.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TraceSize {
    pub quantities: usize,
    /// The layer (index into `layers`) that records the most quantities.
    pub most_quantities: usize,
    /// Terms of the longest formula, and its layer.
    pub widest_formula: usize,
    pub widest_layer: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Layer {
    Conv1d(Conv1d),
    Conv2d(Conv2d),
    Relu(Relu),
    MaxPool(MaxPool),
    AvgPool(AvgPool),
    Dense(Dense),
    Flatten(Flatten),
}

/// The network: named inputs and a stack of layers.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub input_names: Vec<String>,
    /// How the inputs are arranged: a plain vector, or channels of rows × columns.
    pub input_shape: Shape,
    pub layers: Vec<Layer>,
}

impl Network {
    pub fn layer_id(index: usize) -> LayerId {
        (index + 1) as LayerId
    }

    /// The layer behind a trace layer id (None for the input and the loss).
    pub fn layer(&self, id: LayerId) -> Option<&Layer> {
        if id == INPUT_LAYER || id == LOSS_LAYER {
            None
        } else {
            self.layers.get(id as usize - 1)
        }
    }

    pub fn layer_name(&self, id: LayerId) -> &str {
        match id {
            INPUT_LAYER => "input",
            LOSS_LAYER => "loss",
            _ => self.layer(id).map_or("?", |l| l.name()),
        }
    }

    /// The node names of a layer's outputs (the input's names for id 0).
    pub fn node_names(&self, id: LayerId) -> &[String] {
        match self.layer(id) {
            Some(layer) => layer.outputs(),
            None => &self.input_names,
        }
    }

    /// The layer whose recorded values layer `id`'s nodes are: `id` itself, or for a
    /// view (flatten) the layer below it, followed down to one that records.
    pub fn source(&self, id: LayerId) -> LayerId {
        let mut id = id;
        while id != INPUT_LAYER && self.layer(id).is_some_and(|l| l.is_view()) {
            id -= 1;
        }
        id
    }

    /// The arrangement of a layer's outputs (the input's for id 0).
    pub fn shape_of(&self, id: LayerId) -> Shape {
        self.layer(id).map_or(self.input_shape, |l| l.shape())
    }

    pub fn output_names(&self) -> &[String] {
        self.node_names(self.layers.len() as LayerId)
    }

    pub fn param_count(&self) -> usize {
        self.layers.iter().map(Layer::param_count).sum()
    }

    /// Where a one-output network's output is read as yes or no: the midpoint of the last
    /// layer's activation (0.5 for sigmoid).
    pub fn threshold(&self) -> f64 {
        self.layers.last().map_or(0.5, |l| l.threshold())
    }
}

/// Every layer kind. The one place that lists them: [`Deref`](std::ops::Deref) gives
/// each kind's answers to [`LayerKind`]; `forward` and `backward` dispatch the step.
macro_rules! each_kind {
    ($layer:expr, $l:ident => $body:expr) => {
        match $layer {
            Layer::Conv1d($l) => $body,
            Layer::Conv2d($l) => $body,
            Layer::Relu($l) => $body,
            Layer::MaxPool($l) => $body,
            Layer::AvgPool($l) => $body,
            Layer::Dense($l) => $body,
            Layer::Flatten($l) => $body,
        }
    };
}

impl std::ops::Deref for Layer {
    type Target = dyn LayerKind;
    fn deref(&self) -> &Self::Target {
        each_kind!(self, l => l as &dyn LayerKind)
    }
}

impl std::ops::DerefMut for Layer {
    fn deref_mut(&mut self) -> &mut Self::Target {
        each_kind!(self, l => l as &mut dyn LayerKind)
    }
}

impl Layer {
    pub fn param_count(&self) -> usize {
        self.trainable().map_or(0, Params::count)
    }

    /// Every parameter in parameter order: the weights as stored, then the biases.
    pub fn params(&self) -> std::iter::Chain<std::slice::Iter<'_, f64>, std::slice::Iter<'_, f64>> {
        match self.trainable() {
            Some(p) => p.iter(),
            None => Params::none(),
        }
    }

    pub fn param(&self, p: usize) -> f64 {
        self.trainable().expect("a layer with parameters").get(p)
    }

    pub fn set_param(&mut self, p: usize, value: f64) {
        self.trainable_mut()
            .expect("a layer with parameters")
            .set(p, value);
    }

    pub fn is_bias(&self, p: usize) -> bool {
        self.trainable().is_some_and(|t| t.is_bias(p))
    }

    pub fn param_name(&self, p: usize) -> &str {
        self.trainable().map_or("?", |t| t.name(p))
    }

    /// This layer's kind's scratch for a [`Workspace`].
    fn scratch(&self) -> Box<dyn std::any::Any> {
        each_kind!(self, l => Box::new(l.scratch()))
    }

    /// How many net inputs this layer keeps for its backward step.
    fn net_inputs(&self) -> usize {
        each_kind!(self, l => l.net_inputs())
    }

    /// The forward step of this layer's kind, with its scratch from the workspace.
    fn forward<R: Recorder>(
        &self,
        x: &[f64],
        into: Outputs,
        scratch: &mut dyn std::any::Any,
        ctx: &mut Ctx<R>,
    ) {
        each_kind!(self, l => l.forward(x, into, own(scratch), ctx))
    }

    /// The backward step of this layer's kind, with its scratch from the workspace.
    fn backward<R: Recorder>(
        &self,
        io: Gradients,
        scratch: &mut dyn std::any::Any,
        ctx: &mut Ctx<R>,
    ) {
        each_kind!(self, l => l.backward(io, own(scratch), ctx))
    }
}

/// A layer's scratch from the workspace, as its own type (a workspace is made for its
/// network, layer by layer, so the type always matches).
fn own<T: 'static>(scratch: &mut dyn std::any::Any) -> &mut T {
    scratch
        .downcast_mut()
        .expect("a workspace is made for its network, layer by layer")
}
