//! The record of one training step: every number the step computed, in order.
//!
//! Every value passes through one call, [`Recorder::record`]. The value it returns is the
//! value the next step uses, so hand-calculation rounding (`--round`) and a checker's
//! carried-forward answers plug in here without touching the layers. The untraced
//! recorder ([`Untraced`]) returns its input unchanged and compiles away, which is what
//! training uses.

use crate::formula::round_sig;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

/// What a quantity is (SPEC section 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A weight or bias before the update.
    W,
    /// A node's output value.
    Out,
    /// A node's weighted input before its activation (softmax: the score).
    Net,
    /// ∂L_i/∂(node output).
    Grad,
    /// The activation's derivative at the node.
    Dact,
    /// ∂L_i/∂(node net input).
    Delta,
    /// One term ∂L_i/∂f_k · In of a shared filter's gradient.
    Contrib,
    /// ∂L_i/∂w, the data-loss gradient of a weight.
    Wgrad,
    /// The held update Δw = −α(∂L_i/∂w + λw).
    Dw,
    /// The weight after all held updates are applied.
    New,
    /// The data loss L_i.
    Loss,
    /// Cross-entropy with log base 10, as the slides quote it.
    LossLog10,
    /// L_i + ½λΣw².
    LossTotal,
}

/// Where in the step a quantity is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    Forward,
    Backward,
    Update,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::W => "w",
            Kind::Out => "out",
            Kind::Net => "net",
            Kind::Grad => "grad",
            Kind::Dact => "dact",
            Kind::Delta => "delta",
            Kind::Contrib => "contrib",
            Kind::Wgrad => "wgrad",
            Kind::Dw => "dw",
            Kind::New => "new",
            Kind::Loss => "loss",
            Kind::LossLog10 => "log10",
            Kind::LossTotal => "total",
        }
    }

    pub fn phase(self) -> Phase {
        match self {
            Kind::W | Kind::Out | Kind::Net | Kind::Loss | Kind::LossLog10 | Kind::LossTotal => {
                Phase::Forward
            }
            Kind::New => Phase::Update,
            _ => Phase::Backward,
        }
    }

    /// Kinds that belong to a weight or bias rather than to a node.
    pub fn is_param(self) -> bool {
        matches!(self, Kind::W | Kind::Wgrad | Kind::Dw | Kind::New)
    }
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Forward => "forward",
            Phase::Backward => "backward",
            Phase::Update => "update",
        }
    }
}

/// Which layer a quantity belongs to: 0 is the input, `i + 1` the network's layer `i`,
/// [`LOSS_LAYER`] the loss.
pub type LayerId = u16;
pub const INPUT_LAYER: LayerId = 0;
pub const LOSS_LAYER: LayerId = u16::MAX;

/// The largest index a key holds. Validation keeps every layer's nodes, parameters and
/// contributions below it.
pub const MAX_INDEX: usize = u32::MAX as usize;

/// An index as a key stores it; a checked conversion, since a wrapped index would name
/// another quantity.
#[inline]
fn index_u32(index: usize) -> u32 {
    u32::try_from(index).expect("validation keeps every index below MAX_INDEX")
}

/// A compact, stable address of one quantity. The readable id
/// (`hidden.delta.C`) is derived from it with the network's names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub layer: LayerId,
    pub kind: Kind,
    /// Node index for node kinds, parameter index for weight kinds, the encoded
    /// (weight, position) pair for contributions.
    pub index: u32,
}

impl Key {
    /// Which table of the trace the quantity belongs to: its phase and its layer, with
    /// every update in one table (layer 0).
    pub fn section(self) -> (Phase, LayerId) {
        let phase = self.kind.phase();
        (
            phase,
            if phase == Phase::Update {
                0
            } else {
                self.layer
            },
        )
    }

    /// The key of quantity `index` of a layer. Validation refuses a network whose indices
    /// would not fit ([`MAX_INDEX`]), so the conversion cannot fail on a validated network.
    #[inline]
    pub fn new(layer: LayerId, kind: Kind, index: usize) -> Key {
        Key {
            layer,
            kind,
            index: index_u32(index),
        }
    }
}

/// Which inputs of a pooling window a pooled value came from; its gradient goes there.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Route<'t> {
    /// The pooled output.
    pub key: Key,
    /// Indices (into the previous layer's outputs) of the inputs chosen as the maximum
    /// (several on a tie under `all` or `split`).
    pub chosen: &'t [u32],
    /// The share of the gradient each chosen input receives (1, or 1/n under `split`).
    pub share: f64,
}

/// A route as stored: its chosen inputs are a range of `Trace::routed`, so recording a
/// route allocates nothing.
#[derive(Clone, Debug, PartialEq)]
struct StoredRoute {
    key: Key,
    chosen: std::ops::Range<usize>,
    share: f64,
}

/// Receives every value computed in a step.
pub trait Recorder {
    /// Whether routes are wanted; lets the untraced path skip building them.
    const TRACING: bool;
    /// Records one quantity and returns the value the next step must use.
    fn record(&mut self, key: Key, value: f64) -> f64;
    /// Records a pooling route: the inputs `chosen` (indices into the previous layer's
    /// outputs) each receive `share` of the pooled output's gradient.
    fn route(&mut self, _key: Key, _chosen: &[usize], _share: f64) {}
    /// About how many quantities are coming, so storage is set aside once.
    fn reserve(&mut self, _quantities: usize) {}
    /// Whether every value passes through unchanged (no rounding, overrides or mistakes).
    fn passes_through(&self) -> bool {
        true
    }
    /// Records quantities `layer.kind.0`, `layer.kind.1`, … that pass through unchanged.
    fn record_many(&mut self, layer: LayerId, kind: Kind, values: impl Iterator<Item = f64>) {
        for (i, v) in values.enumerate() {
            self.record(Key::new(layer, kind, i), v);
        }
    }
    /// Records the run of quantities `first`, `first + 1`, … of one kind; afterwards
    /// `values` holds the values the next step must use.
    fn record_run(&mut self, layer: LayerId, kind: Kind, first: usize, values: &mut [f64]) {
        for (i, v) in values.iter_mut().enumerate() {
            *v = self.record(Key::new(layer, kind, first + i), *v);
        }
    }
}

/// The fast path: nothing is kept, every value passes through unchanged.
pub struct Untraced;

impl Recorder for Untraced {
    const TRACING: bool = false;
    #[inline(always)]
    fn record(&mut self, _key: Key, value: f64) -> f64 {
        value
    }
    #[inline(always)]
    fn record_run(&mut self, _layer: LayerId, _kind: Kind, _first: usize, _values: &mut [f64]) {}
}

/// One recorded number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Entry {
    pub key: Key,
    pub value: f64,
}

/// A systematic change to what is computed, applied as each value is recorded: how a
/// checker replays a common mistake (an activation derivative left out, log base 10, …)
/// through every later step.
pub trait Alter {
    /// The value the mistaken calculation records at `key` instead of `value`; the trace
    /// recorded so far is there to look earlier values up.
    fn alter(&self, key: Key, value: f64, so_far: &Trace) -> f64;
}

/// How the values that pass through are altered before the next step uses them.
#[derive(Clone, Default)]
pub struct Policy {
    /// Hand-calculation mode: round every value to this many significant digits.
    pub round: Option<u32>,
    /// Values to use instead of the computed ones (a student's carried-forward answers).
    pub overrides: HashMap<Key, f64>,
    /// A mistake to replay.
    pub alter: Option<Rc<dyn Alter>>,
}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_struct("Policy")
            .field("round", &self.round)
            .field("overrides", &self.overrides)
            .field("alter", &self.alter.is_some())
            .finish()
    }
}

/// The full record of one step.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    pub entries: Vec<Entry>,
    routes: Vec<StoredRoute>,
    routed: Vec<u32>,
    policy: Policy,
    /// No rounding, overrides or mistakes: values pass through untouched (the common case).
    plain: bool,
    /// Where an override or rounding replaced a value: the value computed there, from the
    /// values used before it (a checker's carried-forward value, unrounded).
    computed: HashMap<Key, f64>,
    /// Where each key stands in `entries` (every key is recorded once), as far as looked up.
    index: RefCell<Index>,
    /// Where each pooled output's route stands in `routes`.
    route_index: RefCell<Index>,
}

/// How many kinds of quantity there are: the width of a layer's row in [`Index`].
const KINDS: usize = Kind::LossTotal as usize + 1;

/// Where each recorded key stands in `entries`: per layer and kind, a table by the key's
/// index (`ABSENT` where nothing was recorded), so a look-up is two array reads however
/// large the trace. Built on first look-up and extended over what was recorded since.
#[derive(Clone, Debug, Default)]
struct Index {
    /// Entries covered so far.
    covered: usize,
    /// By layer id (the loss layer last), then by kind.
    layers: Vec<[Vec<u32>; KINDS]>,
    loss: [Vec<u32>; KINDS],
}

const ABSENT: u32 = u32::MAX;

impl Index {
    fn table(&mut self, layer: LayerId, kind: Kind) -> &mut Vec<u32> {
        if layer == LOSS_LAYER {
            return &mut self.loss[kind as usize];
        }
        let l = usize::from(layer);
        if self.layers.len() <= l {
            self.layers.resize_with(l + 1, Default::default);
        }
        &mut self.layers[l][kind as usize]
    }

    /// Takes in the keys recorded since the last call (`keys` are all of them, in order).
    fn extend(&mut self, keys: impl ExactSizeIterator<Item = Key>) {
        let total = keys.len();
        for (at, key) in keys.enumerate().skip(self.covered) {
            let table = self.table(key.layer, key.kind);
            let i = key.index as usize;
            if table.len() <= i {
                table.resize(i + 1, ABSENT);
            }
            table[i] = u32::try_from(at).unwrap_or(ABSENT);
        }
        self.covered = total;
    }

    fn position(&self, key: Key) -> Option<usize> {
        let tables = if key.layer == LOSS_LAYER {
            &self.loss
        } else {
            self.layers.get(usize::from(key.layer))?
        };
        let at = *tables[key.kind as usize].get(key.index as usize)?;
        (at != ABSENT).then_some(at as usize)
    }
}

impl Trace {
    pub fn new(policy: Policy) -> Trace {
        Trace {
            plain: policy.round.is_none() && policy.overrides.is_empty() && policy.alter.is_none(),
            policy,
            ..Trace::default()
        }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The value the next step uses: the mistake replayed, then a given override, else the
    /// value rounded if asked. Where the value used is not the one computed, the computed
    /// one is kept beside it.
    #[cold]
    fn apply(&mut self, key: Key, value: f64) -> f64 {
        let value = match self.policy.alter.clone() {
            Some(alter) => alter.alter(key, value, self),
            None => value,
        };
        let used = match (self.policy.overrides.get(&key), self.policy.round) {
            (Some(&given), _) => given,
            (None, Some(digits)) => round_sig(value, digits),
            (None, None) => value,
        };
        if used.to_bits() != value.to_bits() {
            self.computed.insert(key, value);
        }
        used
    }

    /// Every pooling route, in the order recorded.
    pub fn routes(&self) -> impl Iterator<Item = Route<'_>> {
        self.routes.iter().map(|r| Route {
            key: r.key,
            chosen: &self.routed[r.chosen.clone()],
            share: r.share,
        })
    }

    /// The route of one pooled output.
    pub fn route(&self, key: Key) -> Option<Route<'_>> {
        let mut index = self.route_index.borrow_mut();
        if index.covered < self.routes.len() {
            index.extend(self.routes.iter().map(|r| r.key));
        }
        let r = &self.routes[index.position(key)?];
        Some(Route {
            key: r.key,
            chosen: &self.routed[r.chosen.clone()],
            share: r.share,
        })
    }

    /// The value computed at `key` from the values used before it: what was recorded, or,
    /// where an override or rounding replaced it, what it replaced (unrounded).
    pub fn computed(&self, key: Key) -> Option<f64> {
        self.computed.get(&key).copied().or_else(|| self.value(key))
    }

    /// The value recorded at `key`. Looking up extends the index over what was recorded
    /// since the last look-up, so recording itself spends nothing on it.
    pub fn value(&self, key: Key) -> Option<f64> {
        let mut index = self.index.borrow_mut();
        if index.covered < self.entries.len() {
            index.extend(self.entries.iter().map(|e| e.key));
        }
        index.position(key).map(|i| self.entries[i].value)
    }
}

impl Recorder for Trace {
    const TRACING: bool = true;

    #[inline(always)]
    fn record(&mut self, key: Key, value: f64) -> f64 {
        let value = if self.plain {
            value
        } else {
            self.apply(key, value)
        };
        self.entries.push(Entry {
            key,
            value: unsigned_zero(value),
        });
        value
    }

    fn route(&mut self, key: Key, chosen: &[usize], share: f64) {
        let from = self.routed.len();
        self.routed.extend(chosen.iter().map(|&p| index_u32(p)));
        self.routes.push(StoredRoute {
            key,
            chosen: from..self.routed.len(),
            share,
        });
    }

    fn reserve(&mut self, quantities: usize) {
        self.entries.reserve(quantities);
    }

    fn passes_through(&self) -> bool {
        self.plain
    }

    fn record_many(&mut self, layer: LayerId, kind: Kind, values: impl Iterator<Item = f64>) {
        if !self.plain {
            for (i, v) in values.enumerate() {
                self.record(Key::new(layer, kind, i), v);
            }
            return;
        }
        let entries = values.enumerate().map(|(i, value)| Entry {
            key: Key::new(layer, kind, i),
            value: unsigned_zero(value),
        });
        self.entries.extend(entries);
    }
    fn record_run(&mut self, layer: LayerId, kind: Kind, first: usize, values: &mut [f64]) {
        if !self.plain {
            for (i, v) in values.iter_mut().enumerate() {
                *v = self.record(Key::new(layer, kind, first + i), *v);
            }
            return;
        }
        let entries = values.iter().enumerate().map(|(i, &value)| Entry {
            key: Key::new(layer, kind, first + i),
            value: unsigned_zero(value),
        });
        self.entries.extend(entries);
    }
}

/// A calculator has no −0: a product such as −0.025·0 is recorded as 0 (x + 0 is x for
/// every other x, and +0 for −0).
#[inline(always)]
fn unsigned_zero(value: f64) -> f64 {
    value + 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_policy_changes_what_the_next_step_uses() {
        let mut t = Trace::new(Policy {
            round: Some(3),
            ..Policy::default()
        });
        let key = Key::new(1, Kind::Out, 0);
        assert_eq!(t.record(key, 0.487128), 0.487);
        assert_eq!(t.value(key), Some(0.487));
    }

    #[test]
    fn a_zero_is_recorded_without_a_sign() {
        let mut t = Trace::new(Policy::default());
        t.record(Key::new(1, Kind::Wgrad, 0), -0.025 * 0.0);
        t.record_run(1, Kind::Out, 0, &mut [-0.0, -1.0]);
        let signs: Vec<bool> = t
            .entries
            .iter()
            .map(|e| e.value.is_sign_negative())
            .collect();
        assert_eq!(signs, vec![false, false, true]);
    }

    #[test]
    fn an_override_wins_over_the_computed_value_which_is_kept() {
        let key = Key::new(2, Kind::Out, 0);
        let mut t = Trace::new(Policy {
            overrides: HashMap::from([(key, 0.1)]),
            ..Policy::default()
        });
        assert_eq!(t.record(key, 0.2), 0.1);
        assert_eq!(t.computed(key), Some(0.2));
        assert_eq!(t.record(Key::new(2, Kind::Out, 1), 0.3), 0.3);
    }

    #[test]
    fn under_rounding_the_unrounded_value_is_kept_as_computed() {
        let key = Key::new(1, Kind::Out, 0);
        let mut t = Trace::new(Policy {
            round: Some(2),
            ..Policy::default()
        });
        assert_eq!(t.record(key, 0.487128), 0.49);
        assert_eq!(t.computed(key), Some(0.487128));
        let exact = Key::new(1, Kind::Out, 1);
        assert_eq!(t.record(exact, 0.5), 0.5);
        assert_eq!(t.computed(exact), Some(0.5));
    }

    struct Halve;
    impl Alter for Halve {
        fn alter(&self, _key: Key, value: f64, _so_far: &Trace) -> f64 {
            value / 2.0
        }
    }

    #[test]
    fn a_mistake_is_replayed_on_every_value() {
        let mut t = Trace::new(Policy {
            alter: Some(Rc::new(Halve)),
            ..Policy::default()
        });
        assert_eq!(t.record(Key::new(1, Kind::Out, 0), 0.5), 0.25);
    }
}
