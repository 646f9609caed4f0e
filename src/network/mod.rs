//! The network and the training step: forward pass, backward pass with held Δw, update.
//!
//! Each layer kind lives in its own file with its forward step, its backward step and the
//! formulas of what it computed side by side. Every value goes through the [`Recorder`],
//! so the same code produces the full trace (`trace`) and runs untraced (`train`).

pub mod activation;
pub mod conv1d;
pub mod dense;
pub mod loss;
pub mod maxpool1d;
pub mod params;
pub mod relu;

use crate::formula::{Expr, quantity, var};
use crate::numbers;
use crate::trace::{Entry, INPUT_LAYER, Key, Kind, LOSS_LAYER, LayerId, Recorder, Trace};
pub use activation::Activation;
pub use conv1d::Conv1d;
pub use dense::Dense;
pub use loss::Loss;
pub use maxpool1d::MaxPool1d;
pub use params::Params;
pub use relu::Relu;
use serde::Deserialize;
use std::borrow::Cow;

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

/// Choices on which textbooks and frameworks differ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Conventions {
    /// ReLU passes the gradient at an input of exactly 0 (the slides: "positive or zero").
    pub relu_passes_zero: bool,
    pub maxpool_ties: Ties,
}

impl Default for Conventions {
    fn default() -> Self {
        Conventions {
            relu_passes_zero: false,
            maxpool_ties: Ties::First,
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

/// A layer's output arrangement: `channels` channels of `len` values each, stored channel
/// after channel. 2-D layers will add a height here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub channels: usize,
    pub len: usize,
}

impl Shape {
    pub fn size(self) -> usize {
        self.channels * self.len
    }
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
    Relu(Relu),
    MaxPool1d(MaxPool1d),
    Dense(Dense),
}

/// What a layer's backward step receives from above.
pub enum Incoming {
    /// ∂L/∂(this layer's outputs).
    Grad(Vec<f64>),
    /// ∂L/∂(this layer's net inputs), already known (softmax with cross-entropy: p − t).
    Delta(Vec<f64>),
}

/// What a layer's forward step produced.
pub struct Forward {
    pub out: Vec<f64>,
    /// Net inputs before the activation (dense layers only; empty otherwise).
    pub net: Vec<f64>,
}

/// What a layer's backward step produced.
pub struct Backward {
    /// ∂L/∂(this layer's inputs), unless the input is the network input.
    pub input_grad: Option<Vec<f64>>,
    /// The held Δw of every parameter, in parameter order.
    pub dw: Vec<f64>,
}

/// A layer's view of the step in progress.
pub struct Ctx<'a, R: Recorder> {
    pub rec: &'a mut R,
    pub setup: &'a Setup,
    /// This layer's id in the trace.
    pub id: LayerId,
    /// Whether the gradient of this layer's inputs is needed (not for the network input).
    pub wants_input_grad: bool,
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

    /// Records the gradients of the previous layer's outputs (computed here, owned there).
    pub fn record_input_grads(&mut self, values: &mut [f64]) {
        self.rec.record_run(self.id - 1, Kind::Grad, 0, values);
    }

    /// Records ∂L/∂w and the held update Δw = −α(∂L/∂w + λw) (biases: no λ term, and
    /// Δb = 0 when biases are fixed); returns Δw. The weight itself is not changed until
    /// the update phase.
    pub fn hold(&mut self, param: usize, w: f64, wgrad: f64, is_bias: bool) -> f64 {
        let wgrad = self.record(Kind::Wgrad, param, wgrad);
        let dw = match (is_bias, self.setup.update_biases) {
            (true, false) => 0.0,
            (true, true) => -self.setup.alpha * wgrad,
            (false, _) => -self.setup.alpha * numbers::sum([wgrad, self.setup.lambda * w]),
        };
        self.record(Kind::Dw, param, dw)
    }
}

/// One row of a table: what a quantity is called and how it was computed.
pub struct Explained {
    /// Slide-style symbol, e.g. `∂L/∂C`, `Δw5`.
    pub symbol: String,
    pub formula: Expr,
    /// A remark in words: the target row, where a gradient was routed, a blocked ReLU.
    pub note: Option<String>,
    /// Quantities the value depends on that the formula does not show: the pooled value
    /// and window that decided where a gradient was routed.
    pub depends: Vec<Key>,
    /// Set when the formula itself gives the answer away — it shows a decision, such as
    /// where a pooled gradient was routed. An exercise sheet then shows `?` and this hint
    /// ("r2 is in A's window") instead of the formula.
    pub hint: Option<String>,
}

impl Explained {
    pub fn new(symbol: impl Into<String>, formula: Expr) -> Explained {
        Explained {
            symbol: symbol.into(),
            formula,
            note: None,
            depends: Vec::new(),
            hint: None,
        }
    }

    /// Every quantity the value was computed from: the formula's operands, then the rest.
    pub fn inputs(&self) -> Vec<Key> {
        let mut keys = self.formula.operands();
        keys.extend(&self.depends);
        keys
    }
    pub fn note(mut self, note: impl Into<String>) -> Explained {
        self.note = Some(note.into());
        self
    }
}

/// The network: named inputs and a stack of layers.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub input_names: Vec<String>,
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

    pub fn output_names(&self) -> &[String] {
        self.node_names(self.layers.len() as LayerId)
    }

    pub fn param_count(&self) -> usize {
        self.layers.iter().map(Layer::param_count).sum()
    }

    /// One training step: forward, backward, and the update recorded as `new`. Returns
    /// the held Δw of every layer's parameters; the network itself is not changed (apply
    /// the Δw to train).
    pub fn step<R: Recorder>(
        &self,
        setup: &Setup,
        pattern: &Pattern,
        rec: &mut R,
    ) -> Vec<Vec<f64>> {
        if R::TRACING {
            rec.reserve(self.quantity_hint());
        }
        let pass = self.forward(setup, pattern, rec);
        let dw = self.backward(setup, pattern, &pass, rec);
        if R::TRACING {
            for (i, layer) in pass.used.iter().enumerate() {
                let new = layer.params().zip(&dw[i]).map(|(&w, &d)| updated(w, d));
                rec.record_many(Self::layer_id(i), Kind::New, new);
            }
        }
        dw
    }

    /// About how many quantities a traced step records.
    fn quantity_hint(&self) -> usize {
        self.trace_size().quantities
    }

    /// What tracing one step costs, known before it runs: about how many quantities it
    /// records, and the longest formula (in terms), with the layer where each is largest.
    pub fn trace_size(&self) -> TraceSize {
        let mut size = TraceSize {
            quantities: self.input_names.len() + 3,
            most_quantities: 0,
            widest_formula: 0,
            widest_layer: 0,
        };
        let mut most = 0;
        for (i, l) in self.layers.iter().enumerate() {
            let contribs = match l {
                Layer::Conv1d(c) => c.contrib_count(),
                _ => 0,
            };
            let here = 4 * l.param_count() + 4 * l.outputs().len() + contribs;
            size.quantities = size.quantities.saturating_add(here);
            if here > most {
                (most, size.most_quantities) = (here, i);
            }
            let widest = l.widest_formula();
            if widest > size.widest_formula {
                (size.widest_formula, size.widest_layer) = (widest, i);
            }
        }
        size
    }

    /// The data loss L_i for a pattern, nothing recorded (finite-difference checks).
    pub fn loss(&self, setup: &Setup, pattern: &Pattern) -> f64 {
        self.predict(setup, pattern).1
    }

    /// Σw² over every weight, biases excluded (the L2 penalty is ½λ times this).
    pub fn sum_w2(&self) -> f64 {
        self.layers
            .iter()
            .filter_map(Layer::trainable)
            .map(|p| p.weights.norm_squared())
            .sum()
    }

    /// Where a one-output network's output is read as yes or no: the midpoint of the last
    /// layer's activation (0.5 for sigmoid).
    pub fn threshold(&self) -> f64 {
        match self.layers.last() {
            Some(Layer::Dense(d)) => d.activation.midpoint(),
            Some(Layer::Conv1d(_) | Layer::Relu(_) | Layer::MaxPool1d(_)) | None => 0.5,
        }
    }

    /// The outputs and the data loss for a pattern, nothing recorded.
    pub fn predict(&self, setup: &Setup, pattern: &Pattern) -> (Vec<f64>, f64) {
        let mut pass = self.forward(setup, pattern, &mut crate::trace::Untraced);
        (pass.acts.pop().unwrap_or_default(), pass.loss)
    }

    /// Adds each held Δw to its weight.
    pub fn apply(&mut self, dw: &[Vec<f64>]) {
        for (layer, dw) in self.layers.iter_mut().zip(dw) {
            for (p, d) in dw.iter().enumerate() {
                let w = layer.param(p);
                layer.set_param(p, updated(w, *d));
            }
        }
    }

    fn forward<'n, R: Recorder>(
        &'n self,
        setup: &Setup,
        pattern: &Pattern,
        rec: &mut R,
    ) -> Pass<'n> {
        let input: Vec<f64> = pattern
            .input
            .iter()
            .enumerate()
            .map(|(i, &x)| rec.record(Key::new(INPUT_LAYER, Kind::Out, i), x))
            .collect();
        let mut acts = vec![input];
        let mut nets = Vec::with_capacity(self.layers.len());
        let mut used = Vec::with_capacity(self.layers.len());
        for (i, layer) in self.layers.iter().enumerate() {
            let id = Self::layer_id(i);
            let layer = record_params(layer, id, rec);
            let mut ctx = Ctx {
                rec: &mut *rec,
                setup,
                id,
                wants_input_grad: i > 0,
            };
            let fwd = layer.forward(&acts[i], &mut ctx);
            acts.push(fwd.out);
            nets.push(fwd.net);
            used.push(layer);
        }
        // Σw² only feeds the recorded total loss.
        let penalty = if R::TRACING { l2_penalty(&used) } else { 0.0 };
        let loss = setup.loss.forward(
            acts.last().expect("an output"),
            nets.last().expect("a last layer"),
            pattern,
            penalty,
            setup,
            rec,
        );
        Pass {
            used,
            acts,
            nets,
            loss,
        }
    }

    fn backward<R: Recorder>(
        &self,
        setup: &Setup,
        pattern: &Pattern,
        pass: &Pass,
        rec: &mut R,
    ) -> Vec<Vec<f64>> {
        let last = self.layers.len();
        let mut incoming =
            setup
                .loss
                .backward(&pass.acts[last], pattern, Self::layer_id(last - 1), rec);
        let mut dw = vec![Vec::new(); last];
        for i in (0..last).rev() {
            let mut ctx = Ctx {
                rec: &mut *rec,
                setup,
                id: Self::layer_id(i),
                wants_input_grad: i > 0,
            };
            let back = pass.used[i].backward(
                &pass.acts[i],
                &pass.acts[i + 1],
                &pass.nets[i],
                incoming,
                &mut ctx,
            );
            dw[i] = back.dw;
            match back.input_grad {
                Some(g) => incoming = Incoming::Grad(g),
                None => break,
            }
        }
        dw
    }
}

/// new w = w + Δw, snapped as every sum is ([`numbers`]): 0.1 + (−0.1) is 0.
#[inline]
pub fn updated(w: f64, dw: f64) -> f64 {
    numbers::sum([w, dw])
}

/// The forward pass as the backward pass needs it.
struct Pass<'n> {
    /// The layers with the weights actually used (recorded, possibly rounded).
    used: Vec<Cow<'n, Layer>>,
    /// `acts[0]` is the input, `acts[i + 1]` the output of layer `i`.
    acts: Vec<Vec<f64>>,
    nets: Vec<Vec<f64>>,
    loss: f64,
}

/// Records a layer's weights; if the recorder altered any (rounding, a student's value),
/// returns a copy carrying the values to use.
fn record_params<'l, R: Recorder>(layer: &'l Layer, id: LayerId, rec: &mut R) -> Cow<'l, Layer> {
    if !R::TRACING {
        return Cow::Borrowed(layer);
    }
    if rec.passes_through() {
        rec.record_many(id, Kind::W, layer.params().copied());
        return Cow::Borrowed(layer);
    }
    let mut altered: Option<Layer> = None;
    for (p, &w) in layer.params().enumerate() {
        let used = rec.record(Key::new(id, Kind::W, p), w);
        if used.to_bits() != w.to_bits() {
            altered
                .get_or_insert_with(|| layer.clone())
                .set_param(p, used);
        }
    }
    altered.map_or(Cow::Borrowed(layer), Cow::Owned)
}

/// Σw² over every weight (biases excluded).
fn l2_penalty(layers: &[Cow<Layer>]) -> f64 {
    let squares = layers
        .iter()
        .flat_map(|l| {
            (0..l.param_count())
                .filter(|&p| !l.is_bias(p))
                .map(|p| l.param(p))
        })
        .map(|w| w * w);
    numbers::sum(squares)
}

impl Layer {
    pub fn name(&self) -> &str {
        match self {
            Layer::Conv1d(l) => &l.name,
            Layer::Relu(l) => &l.name,
            Layer::MaxPool1d(l) => &l.name,
            Layer::Dense(l) => &l.name,
        }
    }

    /// A short description for headings: `conv1d, 1 filter of 2, stride 1`.
    pub fn describe(&self) -> String {
        match self {
            Layer::Conv1d(l) => l.describe(),
            Layer::Relu(_) => "ReLU".into(),
            Layer::MaxPool1d(l) => format!("max pooling, size {}, stride {}", l.size, l.stride),
            Layer::Dense(l) => format!("fully connected, {}", l.activation.as_str()),
        }
    }

    /// Terms of the longest formula this layer explains.
    pub fn widest_formula(&self) -> usize {
        match self {
            Layer::Conv1d(l) => l.widest_formula(),
            Layer::Relu(_) => 1,
            Layer::MaxPool1d(l) => l.size,
            Layer::Dense(l) => l.widest_formula(),
        }
    }

    pub fn outputs(&self) -> &[String] {
        match self {
            Layer::Conv1d(l) => &l.outputs,
            Layer::Relu(l) => &l.outputs,
            Layer::MaxPool1d(l) => &l.outputs,
            Layer::Dense(l) => &l.outputs,
        }
    }

    pub fn shape(&self) -> Shape {
        match self {
            Layer::Conv1d(l) => l.shape(),
            Layer::Relu(l) => l.shape,
            Layer::MaxPool1d(l) => l.shape(),
            Layer::Dense(l) => Shape {
                channels: 1,
                len: l.outputs.len(),
            },
        }
    }

    /// The layer's weights and biases, if it has any.
    pub fn trainable(&self) -> Option<&Params> {
        match self {
            Layer::Conv1d(l) => Some(&l.params),
            Layer::Dense(l) => Some(&l.params),
            Layer::Relu(_) | Layer::MaxPool1d(_) => None,
        }
    }

    fn trainable_mut(&mut self) -> Option<&mut Params> {
        match self {
            Layer::Conv1d(l) => Some(&mut l.params),
            Layer::Dense(l) => Some(&mut l.params),
            Layer::Relu(_) | Layer::MaxPool1d(_) => None,
        }
    }

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

    fn forward<R: Recorder>(&self, x: &[f64], ctx: &mut Ctx<R>) -> Forward {
        match self {
            Layer::Conv1d(l) => l.forward(x, ctx),
            Layer::Relu(l) => l.forward(x, ctx),
            Layer::MaxPool1d(l) => l.forward(x, ctx),
            Layer::Dense(l) => l.forward(x, ctx),
        }
    }

    fn backward<R: Recorder>(
        &self,
        x: &[f64],
        y: &[f64],
        net: &[f64],
        incoming: Incoming,
        ctx: &mut Ctx<R>,
    ) -> Backward {
        let grad = |incoming| match incoming {
            Incoming::Grad(g) => g,
            Incoming::Delta(_) => unreachable!("only a dense layer receives a delta"),
        };
        match self {
            Layer::Conv1d(l) => l.backward(x, grad(incoming), ctx),
            Layer::Relu(l) => l.backward(x, grad(incoming), ctx),
            Layer::MaxPool1d(l) => l.backward(x, y, grad(incoming), ctx),
            Layer::Dense(l) => l.backward(x, y, net, incoming, ctx),
        }
    }
}

/// Reads a recorded trace back to explain each quantity: its symbol, its formula with the
/// values that were used, and a remark.
pub struct Explainer<'a> {
    pub net: &'a Network,
    pub setup: &'a Setup,
    pub pattern: &'a Pattern,
    pub trace: &'a Trace,
    /// Values derived once per layer for its formulas (a large softmax's sums).
    memo: std::cell::RefCell<std::collections::HashMap<(LayerId, u8), f64>>,
}

impl<'a> Explainer<'a> {
    pub fn new(net: &'a Network, setup: &'a Setup, pattern: &'a Pattern, trace: &'a Trace) -> Self {
        Explainer {
            net,
            setup,
            pattern,
            trace,
            memo: Default::default(),
        }
    }

    /// A value a layer derives from the trace for its formulas (`slot` tells which),
    /// computed on first use and kept: a sum over a whole layer is added up once, not once
    /// per formula.
    pub fn memo(&self, layer: LayerId, slot: u8, compute: impl FnOnce() -> f64) -> f64 {
        if let Some(&v) = self.memo.borrow().get(&(layer, slot)) {
            return v;
        }
        let v = compute();
        self.memo.borrow_mut().insert((layer, slot), v);
        v
    }

    pub fn entries(&self) -> &'a [Entry] {
        &self.trace.entries
    }

    /// The recorded value of a quantity (0 if it was never recorded).
    pub fn value(&self, layer: LayerId, kind: Kind, index: usize) -> f64 {
        self.trace
            .value(Key::new(layer, kind, index))
            .unwrap_or(0.0)
    }

    /// Every value of the trace that is delicate to work by hand, layer by layer.
    pub fn hazards(&self) -> Vec<Hazard> {
        (0..self.net.layers.len())
            .flat_map(|i| {
                let id = Network::layer_id(i);
                self.net.layers[i].hazards(id, self)
            })
            .collect()
    }

    /// The stable id `<layer>.<kind>.<name>` of a quantity.
    pub fn id(&self, key: Key) -> String {
        match key.kind {
            Kind::Loss => "loss".into(),
            Kind::LossLog10 => "loss.log10".into(),
            Kind::LossTotal => "loss.total".into(),
            _ => format!(
                "{}.{}.{}",
                self.net.layer_name(key.layer),
                key.kind.as_str(),
                self.name(key)
            ),
        }
    }

    /// The name part of a quantity's id: a node, a weight, or `w2@3`.
    pub fn name(&self, key: Key) -> String {
        let i = key.index as usize;
        match (key.kind, self.net.layer(key.layer)) {
            (Kind::Contrib, Some(Layer::Conv1d(conv))) => conv.contrib_name(i),
            (k, Some(layer)) if k.is_param() => layer.param_name(i).to_string(),
            _ => self
                .net
                .node_names(key.layer)
                .get(i)
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// A node's output as an operand: its name and recorded value.
    pub fn node(&self, layer: LayerId, i: usize) -> Expr {
        self.operand(self.net.node_names(layer)[i].clone(), layer, Kind::Out, i)
    }

    /// A traced quantity as an operand: its name, its recorded value, its key.
    pub fn operand(&self, name: String, layer: LayerId, kind: Kind, i: usize) -> Expr {
        quantity(name, self.value(layer, kind, i), Key::new(layer, kind, i))
    }

    /// ∂L/∂(node output) as an operand.
    pub fn grad(&self, layer: LayerId, i: usize) -> Expr {
        let name = format!("∂L/∂{}", self.net.node_names(layer)[i]);
        self.operand(name, layer, Kind::Grad, i)
    }

    /// A parameter before the update as an operand.
    pub fn param(&self, layer: LayerId, p: usize) -> Expr {
        let name = self.net.layer(layer).map_or("?", |l| l.param_name(p));
        self.operand(name.to_string(), layer, Kind::W, p)
    }

    /// How one recorded quantity was computed.
    pub fn explain(&self, key: Key) -> Explained {
        let i = key.index as usize;
        let last = self.net.layers.len() as LayerId;
        let from_loss = key.layer == LOSS_LAYER
            || (key.layer == last && matches!(key.kind, Kind::Grad))
            || (key.layer == last && key.kind == Kind::Delta && self.setup.loss.gives_delta());
        if from_loss {
            return self.setup.loss.explain(key, self);
        }
        if key.layer == INPUT_LAYER {
            let name = self.net.input_names[i].clone();
            return Explained::new(name.clone(), self.operand(name, 0, Kind::Out, i));
        }
        match key.kind {
            Kind::W => self.explain_weight(key),
            Kind::Dw => self.explain_held(key),
            Kind::New => self.explain_new(key),
            // ∂L/∂(outputs) of a layer is computed by the layer that consumes them.
            Kind::Grad => match self.net.layer(key.layer.saturating_add(1)) {
                Some(consumer) => consumer.explain_input_grad(key.layer.saturating_add(1), i, self),
                None => Explained::new("?", Expr::Num(0.0)),
            },
            _ => match self.net.layer(key.layer) {
                Some(layer) => layer.explain(key, self),
                None => Explained::new("?", Expr::Num(0.0)),
            },
        }
    }

    fn explain_weight(&self, key: Key) -> Explained {
        let w = self.param(key.layer, key.index as usize);
        let name = self.name(key);
        Explained::new(name, w).note("held until the update")
    }

    /// Δw = −α(∂L/∂w + λw), or −α·∂L/∂w for a bias or when λ = 0.
    fn explain_held(&self, key: Key) -> Explained {
        let p = key.index as usize;
        let name = self.name(key);
        let wgrad = self.operand(format!("∂L/∂{name}"), key.layer, Kind::Wgrad, p);
        let alpha = var("α", self.setup.alpha);
        let is_bias = self.net.layer(key.layer).is_some_and(|l| l.is_bias(p));
        if is_bias && !self.setup.update_biases {
            return Explained::new(format!("Δ{name}"), Expr::Num(0.0))
                .note("biases stay fixed (update_biases: false)");
        }
        // With λ = 0 there is no decay term to show: Δw = −α·∂L/∂w.
        let inner = if is_bias || self.setup.lambda == 0.0 {
            wgrad
        } else {
            let decay = Expr::mul(vec![var("λ", self.setup.lambda), self.param(key.layer, p)]);
            Expr::add(vec![wgrad, decay])
        };
        Explained::new(
            format!("Δ{name}"),
            Expr::negate(Expr::mul(vec![alpha, inner])),
        )
        .note("held: applied only at the end")
    }

    fn explain_new(&self, key: Key) -> Explained {
        let p = key.index as usize;
        let name = self.name(key);
        let dw = self.operand(format!("Δ{name}"), key.layer, Kind::Dw, p);
        Explained::new(
            format!("new {name}"),
            Expr::add(vec![self.param(key.layer, p), dw]),
        )
    }
}

impl Layer {
    fn explain(&self, key: Key, ex: &Explainer) -> Explained {
        match self {
            Layer::Conv1d(l) => l.explain(key, ex),
            Layer::Relu(l) => l.explain(key, ex),
            Layer::MaxPool1d(l) => l.explain(key, ex),
            Layer::Dense(l) => l.explain(key, ex),
        }
    }

    /// The values of this layer, in a recorded trace, that are delicate to work by hand.
    pub fn hazards(&self, id: LayerId, ex: &Explainer) -> Vec<Hazard> {
        match self {
            Layer::Conv1d(_) => Vec::new(),
            Layer::Relu(l) => l.hazards(id, ex),
            Layer::MaxPool1d(l) => l.hazards(id, ex),
            Layer::Dense(l) => l.hazards(id, ex),
        }
    }

    /// The formula of ∂L/∂(input i) of this layer, which it computed in its backward step.
    fn explain_input_grad(&self, id: LayerId, i: usize, ex: &Explainer) -> Explained {
        let symbol = format!("∂L/∂{}", ex.net.node_names(id - 1)[i]);
        let (formula, note) = match self {
            Layer::Conv1d(l) => (l.input_grad_formula(id, i, ex), None),
            Layer::Relu(l) => l.input_grad_formula(id, i, ex),
            Layer::MaxPool1d(l) => l.input_grad_formula(id, i, ex),
            Layer::Dense(l) => (l.input_grad_formula(id, i, ex), None),
        };
        let (depends, hint) = match self {
            Layer::MaxPool1d(l) => (l.routing_inputs(id, i), Some(l.window_hint(id, i, ex))),
            Layer::Conv1d(_) | Layer::Relu(_) | Layer::Dense(_) => (Vec::new(), None),
        };
        Explained {
            symbol,
            formula,
            note,
            depends,
            hint,
        }
    }
}
