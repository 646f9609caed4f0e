//! What every layer kind answers. A layer kind is one file in `src/network/` with a
//! struct that implements [`LayerKind`] (every question, no defaults) and the step
//! ([`forward`](crate::network::Layer::forward), [`backward`](crate::network::Layer::backward));
//! adding one is a compile error at each place that dispatches on [`Layer`](super::Layer)
//! until it is answered there too. Questions only some kinds can answer are grouped in
//! small traits of their own ([`SharedFilter`], [`Routing`]), each reached through a
//! required accessor of [`LayerKind`] that a new kind answers with its own or `None`.

use super::explain::{Explained, Explainer};
use super::{Hazard, Params, Routing, Setup, SharedFilter};
use crate::trace::{Key, Kind, LayerId, Recorder};

/// A layer's output arrangement: `channels` maps of `rows × cols` values, stored channel
/// after channel, row after row (as PyTorch stores C × H × W). A 1-D layer has one row;
/// a flat layer (dense) one channel of one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub channels: usize,
    pub rows: usize,
    pub cols: usize,
    pub rank: Rank,
}

/// How a shape is meant: a plain vector, channels of sequences, or channels of grids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rank {
    Flat,
    Line,
    Grid,
}

impl Shape {
    /// A plain vector of `len` values (a dense layer's outputs, the named inputs).
    pub fn flat(len: usize) -> Shape {
        Shape {
            channels: 1,
            rows: 1,
            cols: len,
            rank: Rank::Flat,
        }
    }

    /// `channels` sequences of `len` values (1-D convolution and pooling).
    pub fn line(channels: usize, len: usize) -> Shape {
        Shape {
            channels,
            rows: 1,
            cols: len,
            rank: Rank::Line,
        }
    }

    /// `channels` grids of `rows × cols` values.
    pub fn grid(channels: usize, rows: usize, cols: usize) -> Shape {
        Shape {
            channels,
            rows,
            cols,
            rank: Rank::Grid,
        }
    }

    /// Values in all; saturates, so a shape too large to hold is refused, not wrapped.
    pub fn size(self) -> usize {
        self.channels
            .saturating_mul(self.rows)
            .saturating_mul(self.cols)
    }

    /// Values in one channel.
    pub fn plane(self) -> usize {
        self.rows.saturating_mul(self.cols)
    }

    /// The storage index of (channel, row, column).
    #[inline]
    pub fn index(self, channel: usize, row: usize, col: usize) -> usize {
        (channel * self.rows + row) * self.cols + col
    }

    /// (channel, row, column) of a storage index.
    #[inline]
    pub fn position(self, index: usize) -> (usize, usize, usize) {
        let plane = self.plane();
        (index / plane, index % plane / self.cols, index % self.cols)
    }

    /// The dimensions as the JSON shows them: `[n]`, `[channels, length]` or
    /// `[channels, rows, columns]`.
    pub fn dims(self) -> Vec<usize> {
        match self.rank {
            Rank::Flat => vec![self.size()],
            Rank::Line => vec![self.channels, self.cols],
            Rank::Grid => vec![self.channels, self.rows, self.cols],
        }
    }
}

/// What a layer's backward step receives from above.
#[derive(Clone, Copy, Debug)]
pub enum Incoming<'a> {
    /// ∂L/∂(this layer's outputs).
    Grad(&'a [f64]),
    /// ∂L/∂(this layer's net inputs), already known (softmax with cross-entropy: p − t).
    Delta(&'a [f64]),
}

impl<'a> Incoming<'a> {
    /// ∂L/∂(outputs), for every layer but a dense one (the only one given a delta).
    pub fn grad(self) -> &'a [f64] {
        match self {
            Incoming::Grad(g) => g,
            Incoming::Delta(_) => unreachable!("only a dense layer receives a delta"),
        }
    }
}

/// Where a layer's forward step writes, in buffers the [`Workspace`](super::Workspace)
/// sized once: every output, and a dense layer's net inputs.
pub struct Outputs<'a> {
    /// The outputs, [`shape`](LayerKind::shape)`.size()` of them.
    pub out: &'a mut [f64],
    /// The net inputs before the activation, [`Step::net_inputs`] of them.
    pub net: &'a mut [f64],
}

/// What a layer's backward step reads, and the buffers it writes.
pub struct Gradients<'a> {
    /// The layer's inputs, outputs and (dense) net inputs from the forward step.
    pub x: &'a [f64],
    pub y: &'a [f64],
    pub net: &'a [f64],
    /// What the layer above sent.
    pub incoming: Incoming<'a>,
    /// ∂L/∂(inputs), to be written where [`Ctx::wants_input_grad`] (as long as `x`).
    pub input_grad: &'a mut [f64],
    /// The held Δw of every parameter, in parameter order, to be written.
    pub dw: &'a mut [f64],
}

/// A layer's view of the step in progress.
pub struct Ctx<'a, R: Recorder> {
    pub rec: &'a mut R,
    pub setup: &'a Setup,
    /// This layer's id in the trace.
    pub id: LayerId,
    /// Whether the gradient of this layer's inputs is needed (not for the network input).
    pub wants_input_grad: bool,
    /// The layer that recorded this layer's inputs (the one below, or below a view such
    /// as flatten): the gradients of the inputs are filed under it.
    pub inputs_from: LayerId,
}

impl<R: Recorder> Ctx<'_, R> {
    /// Records a quantity of this layer; returns the value to use from here on.
    #[inline]
    pub fn record(&mut self, kind: Kind, index: usize, value: f64) -> f64 {
        self.rec.record(Key::new(self.id, kind, index), value)
    }

    /// Records a whole run of this layer's quantities of one kind, indices from 0; the
    /// slice then holds the values to use.
    pub fn record_run(&mut self, kind: Kind, values: &mut [f64]) {
        self.rec.record_run(self.id, kind, 0, values);
    }

    /// Records this layer's quantities `first`, `first + 1`, … of one kind; the slice then
    /// holds the values to use.
    pub fn record_run_from(&mut self, kind: Kind, first: usize, values: &mut [f64]) {
        self.rec.record_run(self.id, kind, first, values);
    }

    /// Records the gradients of the previous layer's outputs (computed here, owned there).
    pub fn record_input_grads(&mut self, values: &mut [f64]) {
        self.rec.record_run(self.inputs_from, Kind::Grad, 0, values);
    }

    /// Records where the gradient of pooled output `o` goes: `chosen` are indices into the
    /// previous layer's outputs, each receiving `share` of it.
    pub fn route(&mut self, o: usize, chosen: &[usize], share: f64) {
        self.rec
            .route(Key::new(self.id, Kind::Out, o), chosen, share);
    }

    /// Records ∂L/∂w and the held update Δw = −α(∂L/∂w + λw) (biases: no λ term, and
    /// Δb = 0 when biases are fixed); returns Δw. The weight itself is not changed until
    /// the update phase.
    pub fn hold(&mut self, param: usize, w: f64, wgrad: f64, is_bias: bool) -> f64 {
        let wgrad = self.record(Kind::Wgrad, param, wgrad);
        let dw = match (is_bias, self.setup.update_biases) {
            (true, false) => 0.0,
            (true, true) => -self.setup.alpha * wgrad,
            (false, _) => -self.setup.alpha * crate::numbers::sum([wgrad, self.setup.lambda * w]),
        };
        self.record(Kind::Dw, param, dw)
    }
}

/// One edge of the diagram: input `from` (of the previous layer) feeds output `to`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Link {
    pub from: usize,
    pub to: usize,
    /// The parameter the edge carries, if any.
    pub weight: Option<usize>,
    /// The contribution recorded for this edge (a shared filter's term), if any.
    pub contrib: Option<usize>,
    /// What decides whether the gradient flows along this edge.
    pub gate: Gate,
}

/// What decides whether the gradient flows along an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// It always flows (a weight).
    Open,
    /// The ReLU derivative at this node: 0 blocks it.
    Relu,
    /// The pooled output's route: it flows only to the chosen input(s).
    Route,
}

/// Numbers shown as grids (rows × columns), for 2-D layers: a kernel, or one side of an
/// identity such as ∂L/∂W = (padded input) ⋆ G. Every cell is a recorded quantity or a
/// zero the layer put there (padding, or the zeros of a stride's dilation), so a renderer
/// only lays it out.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// What the figure shows: `∂L/∂W = X ⋆ G for filter 1`.
    pub title: String,
    /// A remark: which cells are padding, which convention, what was rotated.
    pub note: Option<String>,
    /// The grids side by side, each with a caption (`X padded`, `G`, `= ∂L/∂W`).
    pub grids: Vec<GridOf>,
}

/// One grid of a [`Figure`].
#[derive(Clone, Debug, PartialEq)]
pub struct GridOf {
    pub caption: String,
    pub rows: usize,
    pub cols: usize,
    /// Row after row.
    pub cells: Vec<GridCell>,
}

/// One cell of a [`GridOf`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GridCell {
    /// A traced quantity, shown with its recorded value.
    Quantity(Key),
    /// A zero of the padding around an input.
    Padding,
    /// A zero put between a gradient map's cells for a stride above 1.
    Dilation,
}

/// A mistake a layer makes possible, named as SPEC section 5 names it. The checker asks
/// each layer for its slips and replays them through [`LayerKind::slipped`] or a change to
/// the recorded values; the layer knows where each can happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Slip {
    /// A convolution output computed from a window shifted by one, or with the stride
    /// ignored.
    ReceptiveFieldShift,
    /// A shared filter's gradient summed without its inputs.
    FilterSumWithoutInput,
    /// A shared filter's gradient from one position only.
    UnsummedFilterGradient,
    /// A dense weight's gradient taken with another input.
    WrongWeightIndex,
    /// A pooled value taken from, or its gradient sent to, the wrong input.
    WrongPoolInput,
    /// Tied maxima routed by another convention.
    TieConvention,
    /// An average pool's sum, or its gradient, divided by another number than the n
    /// inputs of the window (not at all, twice, or by one side of a 2-D window).
    AvgpoolDivisor,
    /// A convolution's input gradient computed with the kernel not rotated by 180° (under
    /// `flip`: rotated when it should not be).
    KernelNotFlipped,
    /// A padded convolution's output computed as if it had no padding.
    PaddingIgnored,
    /// The other ReLU′(0) convention.
    ReluAtZero,
    /// An activation's derivative left out.
    MissingActivationDerivative,
}

/// The training step of a layer kind, beside the derivative it needs (micrograd's habit):
/// generic over the recorder, so the same code traces and trains. Both steps write into
/// buffers sized once per [`Workspace`](super::Workspace) and overwrite every value of
/// them, so a step allocates nothing and keeps nothing from the step before.
pub trait Step {
    /// The buffers the step reuses from one step to the next, besides its outputs and
    /// gradients (running sums, a window's values).
    type Scratch: 'static;
    /// The scratch, sized from the layer's shapes; made once per workspace.
    fn scratch(&self) -> Self::Scratch;
    /// How many net inputs the forward step keeps for the backward step (a dense
    /// layer's units; 0 for the others).
    fn net_inputs(&self) -> usize;
    /// The outputs (and, for a dense layer, the net inputs) from the inputs `x`.
    fn forward<R: Recorder>(
        &self,
        x: &[f64],
        into: Outputs,
        scratch: &mut Self::Scratch,
        ctx: &mut Ctx<R>,
    );
    /// ∂L/∂(inputs) (where wanted) and the held Δw, from the forward step's values and
    /// what the layer above sent.
    fn backward<R: Recorder>(&self, io: Gradients, scratch: &mut Self::Scratch, ctx: &mut Ctx<R>);
}

/// The questions every layer kind answers. Object-safe: everything but the step itself,
/// which is generic over the recorder and dispatched in `network/mod.rs`. What only some
/// kinds answer is asked through [`shared_filter`](Self::shared_filter) and
/// [`routing`](Self::routing).
pub trait LayerKind {
    fn name(&self) -> &str;
    /// The scenario key of this kind: `conv1d`, `dense`, ….
    fn kind(&self) -> &'static str;
    /// The node names of the outputs, in storage order.
    fn outputs(&self) -> &[String];
    fn shape(&self) -> Shape;
    /// A short description for headings: `convolution, 1 shared filter of 2, stride 1`.
    fn describe(&self) -> String;
    /// The layer in the one-line architecture: `conv1d 1×2`, `maxpool 2`.
    fn label(&self) -> String;
    /// What the layer is, as a noun for prose: `pooling layer`, `convolution`.
    fn role(&self) -> &'static str;
    /// Terms of the longest formula this layer explains.
    fn widest_formula(&self) -> usize;
    /// Where a one-output network ending in this layer reads its output as yes or no:
    /// the midpoint of its activation (0.5 for sigmoid).
    fn threshold(&self) -> f64;
    /// How many quantities a traced step records for this layer (its parameters' four
    /// kinds, its nodes' kinds, its contributions), known before the step runs.
    fn quantities(&self) -> usize;
    /// Whether the layer is a view of its input (flatten): its outputs are its inputs
    /// under the same names, it records nothing, and its nodes' values and gradients are
    /// those recorded for the layer below ([`Network::source`](super::Network::source)).
    fn is_view(&self) -> bool;
    /// The layer's weights and biases, if it has any.
    fn trainable(&self) -> Option<&Params>;
    fn trainable_mut(&mut self) -> Option<&mut Params>;

    /// The inputs (indices into the previous layer's outputs) that output `o` reads, in
    /// the order its formula shows them. A dense unit reads every input.
    fn window(&self, o: usize) -> Vec<usize>;
    /// The bias parameter of output node `o`, if it has one.
    fn node_bias(&self, o: usize) -> Option<usize>;
    /// The edges into this layer, for the diagram.
    fn links(&self) -> Vec<Link>;
    /// The layer's shared filters, if it has any: its contributions, their tables and
    /// names ([`SharedFilter`]). A new layer kind decides here (usually `None`).
    fn shared_filter(&self) -> Option<&dyn SharedFilter>;

    /// How quantity `key` (of this layer, not a parameter's) was computed.
    fn explain(&self, key: Key, ex: &Explainer) -> Explained;
    /// How ∂L/∂(input `i`) was computed, which this layer did in its backward step.
    fn explain_input_grad(&self, id: LayerId, i: usize, ex: &Explainer) -> Explained;
    /// The values of this layer, in a recorded trace, that are delicate to work by hand.
    fn hazards(&self, id: LayerId, ex: &Explainer) -> Vec<Hazard>;
    /// The reasoning of a step in the slides' words, for this layer's own quantity `key`
    /// (its outputs, derivatives, contributions, weight gradients).
    fn why(&self, key: Key, ex: &Explainer) -> Option<String>;
    /// The reasoning for ∂L/∂(inputs) of this layer (id `id`), which it computes.
    fn why_input_grad(&self, id: LayerId, ex: &Explainer) -> String;
    /// Whether this layer is a mask: its derivative (0 or 1) decides node by node whether
    /// the gradient passes (the JSON's masks, the diagram's grey nodes).
    fn masks(&self) -> bool;

    /// The mistakes this layer makes possible.
    fn slips(&self) -> Vec<Slip>;
    /// What quantity `key` could be with `slip` made (several values where it can be
    /// made in several ways), from the values of the trace. `key` is this layer's, or
    /// (for a gradient routed here) the previous layer's.
    fn slipped(&self, slip: Slip, id: LayerId, key: Key, ex: &Explainer) -> Vec<f64>;
    /// One line on how `slip` differs from the right calculation of `key`, where this
    /// layer knows better than the checker's general words.
    fn explain_slip(&self, slip: Slip, key: Key, ex: &Explainer) -> Option<String>;
    /// How the layer routes its gradient, if it does (max pooling): its windows, ties
    /// and routes ([`Routing`]). A new layer kind decides here (usually `None`).
    fn routing(&self) -> Option<&dyn Routing>;
}
