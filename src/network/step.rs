//! One training step: the forward pass, the backward pass with every Δw held, and the
//! update recorded as `new`.

use super::layer::Ctx;
use super::{Incoming, Layer, Network, Pattern, Setup, TraceSize};
use crate::numbers;
use crate::trace::{INPUT_LAYER, Key, Kind, LayerId, Recorder};
use std::borrow::Cow;

impl Network {
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
            let here = l.quantities();
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
            .filter_map(|l| l.trainable())
            .map(|p| p.weights.norm_squared())
            .sum()
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
                inputs_from: self.source(id - 1),
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
                inputs_from: self.source(Self::layer_id(i) - 1),
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
