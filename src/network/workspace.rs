//! The buffers of a training step, allocated once per network and reused step after step:
//! every layer's outputs, net inputs, gradients and held Δw, and each layer's own scratch.
//! Training runs thousands of steps in one workspace, so a step allocates nothing.

use super::step::Stay;
use super::{Layer, Network};
use std::any::Any;

/// Everything one step of a network writes, sized from the network's shapes.
pub struct Workspace {
    /// `acts[0]` is the input, `acts[i + 1]` the outputs of layer `i`.
    pub(super) acts: Vec<Vec<f64>>,
    /// The net inputs of layer `i` (a dense layer's; empty for the others).
    pub(super) nets: Vec<Vec<f64>>,
    /// `grads[i]` is ∂L/∂`acts[i]` (the last one: what the loss sent, a gradient or a
    /// delta); `grads[0]`, the input's, is never computed.
    pub(super) grads: Vec<Vec<f64>>,
    /// The held Δw of layer `i`'s parameters, in parameter order.
    pub(super) held: Vec<Vec<f64>>,
    /// For each parameter, its last update by a Δw of 0 ([`Network::apply_held`]).
    pub(super) stays: Vec<Vec<Stay>>,
    /// Layer `i` with the weights a recorder changed (rounding, a student's values), where
    /// it changed any; the untraced step never does.
    pub(super) altered: Vec<Option<Layer>>,
    /// Each layer's [`Step::Scratch`](super::Step::Scratch).
    pub(super) scratch: Vec<Box<dyn Any>>,
    /// The data loss of the last forward pass.
    pub(super) loss: f64,
}

impl Workspace {
    /// The buffers for steps of `net` (or of any network of the same shapes, such as
    /// `net` after training).
    pub fn new(net: &Network) -> Workspace {
        let layers = &net.layers;
        let sizes: Vec<usize> = std::iter::once(net.input_names.len())
            .chain(layers.iter().map(|l| l.shape().size()))
            .collect();
        Workspace {
            acts: sizes.iter().map(|&n| vec![0.0; n]).collect(),
            nets: layers.iter().map(|l| vec![0.0; l.net_inputs()]).collect(),
            grads: sizes.iter().map(|&n| vec![0.0; n]).collect(),
            held: layers.iter().map(|l| vec![0.0; l.param_count()]).collect(),
            stays: layers
                .iter()
                .map(|l| vec![Stay::default(); l.param_count()])
                .collect(),
            altered: layers.iter().map(|_| None).collect(),
            scratch: layers.iter().map(Layer::scratch).collect(),
            loss: 0.0,
        }
    }

    /// Whether the workspace was made for a network of `net`'s shapes.
    pub fn fits(&self, net: &Network) -> bool {
        self.acts.len() == net.layers.len() + 1
            && net.layers.iter().enumerate().all(|(i, l)| {
                self.acts[i + 1].len() == l.shape().size()
                    && self.held[i].len() == l.param_count()
                    && self.nets[i].len() == l.net_inputs()
            })
    }

    /// The held Δw of every layer's parameters after a step.
    pub fn held(&self) -> &[Vec<f64>] {
        &self.held
    }

    /// The held Δw, the workspace given up.
    pub fn into_held(self) -> Vec<Vec<f64>> {
        self.held
    }

    /// The network's outputs after a step or a prediction.
    pub fn outputs(&self) -> &[f64] {
        self.acts.last().expect("the input at least")
    }

    /// The data loss L_i of the last forward pass.
    pub fn loss(&self) -> f64 {
        self.loss
    }
}
