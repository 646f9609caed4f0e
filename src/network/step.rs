//! One training step: the forward pass, the backward pass with every Δw held, and the
//! update recorded as `new`.

use super::layer::{Ctx, Gradients, Outputs};
use super::{Incoming, Layer, Network, Pattern, Setup, TraceSize, Workspace};
use crate::numbers;
use crate::trace::{INPUT_LAYER, Key, Kind, LayerId, Recorder};

impl Network {
    /// One training step: forward, backward, and the update recorded as `new`. Returns
    /// the held Δw of every layer's parameters; the network itself is not changed (apply
    /// the Δw to train). Allocates its buffers; [`step_in`](Self::step_in) reuses them.
    pub fn step<R: Recorder>(
        &self,
        setup: &Setup,
        pattern: &Pattern,
        rec: &mut R,
    ) -> Vec<Vec<f64>> {
        let mut ws = Workspace::new(self);
        self.step_in(setup, pattern, &mut ws, rec);
        ws.into_held()
    }

    /// One training step in a workspace made for this network: the held Δw are left in
    /// [`Workspace::held`]. With the untraced recorder it allocates nothing.
    pub fn step_in<R: Recorder>(
        &self,
        setup: &Setup,
        pattern: &Pattern,
        ws: &mut Workspace,
        rec: &mut R,
    ) {
        assert!(
            ws.fits(self),
            "a workspace is made for its network's shapes"
        );
        if R::TRACING {
            rec.reserve(self.quantity_hint());
        }
        self.forward(setup, pattern, ws, rec);
        self.backward(setup, pattern, ws, rec);
        if R::TRACING {
            for (i, layer) in self.layers.iter().enumerate() {
                let layer = ws.altered[i].as_ref().unwrap_or(layer);
                let new = layer
                    .params()
                    .zip(&ws.held[i])
                    .map(|(&w, &d)| updated(w, d));
                rec.record_many(Self::layer_id(i), Kind::New, new);
            }
        }
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
        let mut ws = Workspace::new(self);
        self.predict_in(setup, pattern, &mut ws);
        (ws.outputs().to_vec(), ws.loss())
    }

    /// The forward pass alone, nothing recorded: the outputs are left in
    /// [`Workspace::outputs`], the data loss in [`Workspace::loss`]. Allocates nothing.
    pub fn predict_in(&self, setup: &Setup, pattern: &Pattern, ws: &mut Workspace) {
        assert!(
            ws.fits(self),
            "a workspace is made for its network's shapes"
        );
        self.forward(setup, pattern, ws, &mut crate::trace::Untraced);
    }

    /// Adds each held Δw to its weight.
    pub fn apply(&mut self, dw: &[Vec<f64>]) {
        for (layer, dw) in self.layers.iter_mut().zip(dw) {
            if let Some(params) = layer.trainable_mut() {
                for (w, d) in params.iter_mut().zip(dw) {
                    *w = updated(*w, *d);
                }
            }
        }
    }

    /// Adds each Δw held in `ws` to its weight, as [`apply`](Self::apply) does, bit for
    /// bit; a weight whose Δw is 0 step after step is snapped once, not every step
    /// ([`Stay`]).
    pub fn apply_held(&mut self, ws: &mut Workspace) {
        for ((layer, dw), stays) in self.layers.iter_mut().zip(&ws.held).zip(&mut ws.stays) {
            if let Some(params) = layer.trainable_mut() {
                for ((w, &d), stay) in params.iter_mut().zip(dw).zip(stays.iter_mut()) {
                    *w = if d == 0.0 {
                        stay.updated(*w)
                    } else {
                        updated(*w, d)
                    };
                }
            }
        }
    }

    fn forward<R: Recorder>(
        &self,
        setup: &Setup,
        pattern: &Pattern,
        ws: &mut Workspace,
        rec: &mut R,
    ) {
        for (i, (slot, &x)) in ws.acts[0].iter_mut().zip(&pattern.input).enumerate() {
            *slot = rec.record(Key::new(INPUT_LAYER, Kind::Out, i), x);
        }
        for (i, layer) in self.layers.iter().enumerate() {
            let id = Self::layer_id(i);
            record_params(layer, id, rec, &mut ws.altered[i]);
            let layer = ws.altered[i].as_ref().unwrap_or(layer);
            let mut ctx = Ctx {
                rec: &mut *rec,
                setup,
                id,
                wants_input_grad: i > 0,
                inputs_from: self.source(id - 1),
            };
            let (below, above) = ws.acts.split_at_mut(i + 1);
            let into = Outputs {
                out: &mut above[0],
                net: &mut ws.nets[i],
            };
            layer.forward(&below[i], into, &mut *ws.scratch[i], &mut ctx);
        }
        // Σw² only feeds the recorded total loss.
        let penalty = if R::TRACING {
            l2_penalty(
                self.layers
                    .iter()
                    .zip(&ws.altered)
                    .map(|(l, a)| a.as_ref().unwrap_or(l)),
            )
        } else {
            0.0
        };
        ws.loss = setup.loss.forward(
            ws.acts.last().expect("an output"),
            ws.nets.last().expect("a last layer"),
            pattern,
            penalty,
            setup,
            rec,
        );
    }

    fn backward<R: Recorder>(
        &self,
        setup: &Setup,
        pattern: &Pattern,
        ws: &mut Workspace,
        rec: &mut R,
    ) {
        let last = self.layers.len();
        let from_loss = &mut ws.grads[last];
        let gives_delta = setup.loss.backward(
            &ws.acts[last],
            pattern,
            Self::layer_id(last - 1),
            rec,
            from_loss,
        );
        for i in (0..last).rev() {
            let layer = ws.altered[i].as_ref().unwrap_or(&self.layers[i]);
            let mut ctx = Ctx {
                rec: &mut *rec,
                setup,
                id: Self::layer_id(i),
                wants_input_grad: i > 0,
                inputs_from: self.source(Self::layer_id(i) - 1),
            };
            let (below, above) = ws.grads.split_at_mut(i + 1);
            let incoming = if i + 1 == last && gives_delta {
                Incoming::Delta(&above[0])
            } else {
                Incoming::Grad(&above[0])
            };
            let io = Gradients {
                x: &ws.acts[i],
                y: &ws.acts[i + 1],
                net: &ws.nets[i],
                incoming,
                input_grad: &mut below[i],
                dw: &mut ws.held[i],
            };
            layer.backward(io, &mut *ws.scratch[i], &mut ctx);
        }
    }
}

/// new w = w + Δw, snapped as every sum is ([`numbers`]): 0.1 + (−0.1) is 0.
#[inline]
pub fn updated(w: f64, dw: f64) -> f64 {
    numbers::sum([w, dw])
}

/// Records a layer's weights; if the recorder altered any (rounding, a student's value),
/// leaves in `altered` a copy carrying the values to use (else None).
fn record_params<R: Recorder>(
    layer: &Layer,
    id: LayerId,
    rec: &mut R,
    altered: &mut Option<Layer>,
) {
    if !R::TRACING {
        return;
    }
    *altered = None;
    if rec.passes_through() {
        rec.record_many(id, Kind::W, layer.params().copied());
        return;
    }
    for (p, &w) in layer.params().enumerate() {
        let used = rec.record(Key::new(id, Kind::W, p), w);
        if used.to_bits() != w.to_bits() {
            altered
                .get_or_insert_with(|| layer.clone())
                .set_param(p, used);
        }
    }
}

/// Σw² over every weight (biases excluded).
fn l2_penalty<'l>(layers: impl Iterator<Item = &'l Layer>) -> f64 {
    let squares = layers
        .flat_map(|l| {
            (0..l.param_count())
                .filter(|&p| !l.is_bias(p))
                .map(|p| l.param(p))
        })
        .map(|w| w * w);
    numbers::sum(squares)
}

/// What [`updated`]`(w, 0)` last gave for one parameter, and for which w: the update of a
/// weight whose Δw is 0 (its input stayed 0) is the same snapped sum step after step, so
/// it is computed once for each w it meets. A pure function remembered, so exact.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stay {
    last: Option<(u64, f64)>,
}

impl Stay {
    /// updated(w, 0), remembered.
    #[inline]
    fn updated(&mut self, w: f64) -> f64 {
        match self.last {
            Some((bits, new)) if bits == w.to_bits() => new,
            _ => {
                let new = updated(w, 0.0);
                self.last = Some((w.to_bits(), new));
                new
            }
        }
    }
}
