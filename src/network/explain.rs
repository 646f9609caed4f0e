//! Reading a recorded trace back: each quantity's symbol, its formula with the values
//! that were used, and a remark. Each layer explains its own quantities
//! ([`LayerKind::explain`](super::LayerKind::explain)); the weights, held updates and new
//! weights, common to every layer, are explained here.

use super::{Hazard, Network, Pattern, Setup};
use crate::formula::{Expr, quantity, var};
use crate::trace::{Entry, INPUT_LAYER, Key, Kind, LOSS_LAYER, LayerId, Trace};
use std::borrow::Cow;

/// One row of a table: what a quantity is called and how it was computed.
pub struct Explained {
    /// Slide-style symbol, e.g. `∂L/∂C`, `Δw5`.
    pub symbol: String,
    pub formula: Expr,
    /// A remark in words: the target row, where a gradient was routed, a blocked ReLU.
    pub note: Option<Note>,
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
    pub fn note(mut self, kind: NoteKind, text: impl Into<Cow<'static, str>>) -> Explained {
        self.note = Some(Note {
            kind,
            text: text.into(),
        });
        self
    }
}

/// A remark on a quantity: what kind of remark it is, and the words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub kind: NoteKind,
    /// Most remarks are fixed words ("held until the update"), kept without a copy.
    pub text: Cow<'static, str>,
}

/// What a remark says, so that colour and layout follow the meaning, not the words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteKind {
    /// A plain remark: which formula, which convention.
    Remark,
    /// A weight or update held until the end, or a bias kept fixed.
    Held,
    /// The window a node reads (a receptive field).
    Field,
    /// The gradient passed (a ReLU, a route to the maximum).
    Passed,
    /// The gradient was blocked or sent elsewhere: this node gets 0.
    Blocked,
    /// Tied maxima and the convention that decided them.
    Tie,
    /// The target's row.
    Target,
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
            .value(self.recorded(Key::new(layer, kind, index)))
            .unwrap_or(0.0)
    }

    /// The key under which a quantity was recorded: a node of a view (flatten) is the
    /// node of the layer below, its value and gradient recorded there.
    pub fn recorded(&self, key: Key) -> Key {
        match key.kind {
            Kind::Out | Kind::Grad => {
                Key::new(self.net.source(key.layer), key.kind, key.index as usize)
            }
            _ => key,
        }
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
        let mut id = String::new();
        self.write_id(key, &self.name(key), &mut id);
        id
    }

    /// The id of `key`, whose name part ([`Explainer::name`]) is `name`, appended to `out`:
    /// for a writer that needs both and keeps one buffer for every id.
    pub fn write_id(&self, key: Key, name: &str, out: &mut String) {
        match key.kind {
            Kind::Loss => out.push_str("loss"),
            Kind::LossLog10 => out.push_str("loss.log10"),
            Kind::LossTotal => out.push_str("loss.total"),
            _ => {
                out.push_str(self.net.layer_name(key.layer));
                out.push('.');
                out.push_str(key.kind.as_str());
                out.push('.');
                out.push_str(name);
            }
        }
    }

    /// The name part of a quantity's id: a node, a weight, or a contribution: its weight at
    /// its position (`w2@3`, `w1_1_2_1@3_2`).
    pub fn name(&self, key: Key) -> String {
        let i = key.index as usize;
        let layer = self.net.layer(key.layer);
        if let Some((l, filter)) = layer
            .filter(|_| key.kind == Kind::Contrib)
            .and_then(|l| Some((l, l.shared_filter()?)))
        {
            let layout = filter.filter_index();
            let (f, position, tap) = layout.parts(i);
            let weight = l.param_name(layout.weight(f, tap));
            return [weight, "@", &filter.position_name(position)].concat();
        }
        match layer {
            Some(layer) if key.kind.is_param() => layer.param_name(i).to_string(),
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
        let key = self.recorded(Key::new(layer, kind, i));
        quantity(name, self.value(layer, kind, i), key)
    }

    /// ∂L/∂(node output) as an operand.
    pub fn grad(&self, layer: LayerId, i: usize) -> Expr {
        let name = ["∂L/∂", &self.net.node_names(layer)[i]].concat();
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
        Explained::new(name, w).note(NoteKind::Held, "held until the update")
    }

    /// Δw = −α(∂L/∂w + λw), or −α·∂L/∂w for a bias or when λ = 0.
    fn explain_held(&self, key: Key) -> Explained {
        let p = key.index as usize;
        let name = self.name(key);
        let wgrad = self.operand(["∂L/∂", &name].concat(), key.layer, Kind::Wgrad, p);
        let alpha = var("α", self.setup.alpha);
        let is_bias = self.net.layer(key.layer).is_some_and(|l| l.is_bias(p));
        if is_bias && !self.setup.update_biases {
            return Explained::new(["Δ", &name].concat(), Expr::Num(0.0))
                .note(NoteKind::Held, "biases stay fixed (update_biases: false)");
        }
        // With λ = 0 there is no decay term to show: Δw = −α·∂L/∂w.
        let inner = if is_bias || self.setup.lambda == 0.0 {
            wgrad
        } else {
            let decay = Expr::mul(vec![var("λ", self.setup.lambda), self.param(key.layer, p)]);
            Expr::add(vec![wgrad, decay])
        };
        Explained::new(
            ["Δ", &name].concat(),
            Expr::negate(Expr::mul(vec![alpha, inner])),
        )
        .note(NoteKind::Held, "held: applied only at the end")
    }

    fn explain_new(&self, key: Key) -> Explained {
        let p = key.index as usize;
        let name = self.name(key);
        let dw = self.operand(["Δ", &name].concat(), key.layer, Kind::Dw, p);
        Explained::new(
            ["new ", &name].concat(),
            Expr::add(vec![self.param(key.layer, p), dw]),
        )
    }
}
