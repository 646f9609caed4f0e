//! The catalogue of common mistakes (SPEC section 5). Each is replayed on the trace engine
//! — as a change to the values recorded, so it carries into every later step; as the
//! other convention; or on the quantity's own formula — and a wrong answer that the
//! replay reproduces is named. A new mistake is a few lines here.

use crate::network::maxpool::tie_rule;
use crate::network::{Explainer, FilterIndex, Layer, Loss, Network, Setup, Slip, Ties};
use crate::scenario::Scenario;
use crate::trace::{Alter, Key, Kind, LOSS_LAYER, Phase, Trace};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

pub struct Mistake {
    pub code: &'static str,
    pub replay: Replay,
    /// One line in the slides' words, from the exact trace.
    pub explain: Explain,
}

/// Explains a mistake at a quantity, from the exact trace.
pub type Explain = Rc<dyn Fn(&Explainer, Key) -> String>;

pub enum Replay {
    /// The recorded values are changed as they pass, so the mistake carries forward.
    Alter(Rc<dyn Alter>),
    /// The step run with other settings.
    Setup(Setup),
    /// What the quantity could be with the mistake, from the values of the trace it is
    /// read in (several values where the mistake can be made in several ways).
    Local(fn(&Explainer, Key) -> Vec<f64>),
}

/// Positions of a shared filter at most, each tried as the one a gradient was taken from
/// instead of the sum (hand-sized networks; larger ones try the first and the last).
const UNSUMMED_POSITIONS: usize = 8;

/// Every mistake that can happen in this scenario, most specific first: slips in one
/// quantity's own formula, then routing and conventions, then a forgotten factor carried
/// through the backward pass, then the update, and a flipped sign last.
pub fn catalogue(s: &Scenario, pattern: usize) -> Vec<Mistake> {
    let mut list = Vec::new();
    formula_slips(s, &mut list);
    routing_slips(s, &mut list);
    backward_slips(s, pattern, &mut list);
    update_slips(s, &mut list);
    list.push(Mistake {
        code: "sign-flip",
        replay: Replay::Local(flipped),
        explain: Rc::new(|ex, key| {
            let e = ex.explain(key);
            let formula = e.formula.render(crate::formula::Rendering::Symbolic, 6);
            format!(
                "the right size with the wrong sign: {} = {formula}",
                e.symbol
            )
        }),
    });
    list
}

/// A gradient, delta or update with its sign flipped. A forward value has no sign
/// convention to slip on: a wrong sign there comes from another mistake.
fn flipped(ex: &Explainer, key: Key) -> Vec<f64> {
    if key.kind.phase() != Phase::Backward {
        return Vec::new();
    }
    ex.trace.computed(key).map(|v| -v).into_iter().collect()
}

/// Every layer (with its trace id) that makes `slip` possible.
fn layers_with(net: &Network, slip: Slip) -> Vec<(u16, &Layer)> {
    net.layers
        .iter()
        .enumerate()
        .map(|(i, l)| (Network::layer_id(i), l))
        .filter(|(_, l)| l.slips().contains(&slip))
        .collect()
}

/// Every layer with shared filters (with its trace id and their index geometry) that makes
/// `slip` possible.
fn filters_with(net: &Network, slip: Slip) -> Vec<(u16, FilterIndex)> {
    layers_with(net, slip)
        .into_iter()
        .filter_map(|(id, l)| Some((id, l.shared_filter()?.filter_index())))
        .collect()
}

/// What `key` could be with `slip` made, as the layer that computed it says: its own
/// layer, or for a gradient the layer above that sent it.
fn slipped_at(slip: Slip, ex: &Explainer, key: Key) -> Vec<f64> {
    [key.layer, key.layer.saturating_add(1)]
        .into_iter()
        .filter_map(|id| Some((id, ex.net.layer(id)?)))
        .flat_map(|(id, l)| l.slipped(slip, id, key, ex))
        .collect()
}

/// The layer's own words for `slip` at `key`: its own layer's, or for a gradient those of
/// the layer above that sent it.
fn slip_words(slip: Slip, ex: &Explainer, key: Key) -> String {
    [key.layer, key.layer.saturating_add(1)]
        .into_iter()
        .filter_map(|id| ex.net.layer(id)?.explain_slip(slip, key, ex))
        .next()
        .unwrap_or_default()
}

/// Slips in one quantity's own formula: a receptive field shifted, a weight's gradient
/// taken with another input, a shared filter's gradient without its inputs or from one
/// position only.
fn formula_slips(s: &Scenario, list: &mut Vec<Mistake>) {
    let net = &s.network;
    if !layers_with(net, Slip::ReceptiveFieldShift).is_empty() {
        list.push(Mistake {
            code: "receptive-field-shift",
            replay: Replay::Local(|ex, key| slipped_at(Slip::ReceptiveFieldShift, ex, key)),
            explain: Rc::new(|ex, key| slip_words(Slip::ReceptiveFieldShift, ex, key)),
        });
    }
    if !layers_with(net, Slip::AvgpoolDivisor).is_empty() {
        list.push(Mistake {
            code: "avgpool-divisor",
            replay: Replay::Local(|ex, key| slipped_at(Slip::AvgpoolDivisor, ex, key)),
            explain: Rc::new(|ex, key| slip_words(Slip::AvgpoolDivisor, ex, key)),
        });
    }
    if !layers_with(net, Slip::KernelNotFlipped).is_empty() {
        list.push(Mistake {
            code: "kernel-not-flipped",
            replay: Replay::Local(|ex, key| slipped_at(Slip::KernelNotFlipped, ex, key)),
            explain: Rc::new(|ex, key| slip_words(Slip::KernelNotFlipped, ex, key)),
        });
    }
    if !layers_with(net, Slip::PaddingIgnored).is_empty() {
        list.push(Mistake {
            code: "padding-ignored",
            replay: Replay::Local(|ex, key| slipped_at(Slip::PaddingIgnored, ex, key)),
            explain: Rc::new(|ex, key| slip_words(Slip::PaddingIgnored, ex, key)),
        });
    }
    if !layers_with(net, Slip::WrongWeightIndex).is_empty() {
        list.push(Mistake {
            code: "wrong-weight-index",
            replay: Replay::Local(|ex, key| slipped_at(Slip::WrongWeightIndex, ex, key)),
            explain: Rc::new(|ex, key| slip_words(Slip::WrongWeightIndex, ex, key)),
        });
    }
    for (layer, filter) in filters_with(net, Slip::FilterSumWithoutInput) {
        list.push(Mistake {
            code: "filter-sum-without-input",
            replay: Replay::Alter(Rc::new(WithoutInput { layer, filter })),
            explain: Rc::new(|ex, key| {
                format!(
                    "a shared filter's gradient is Σ_k ∂L/∂f_k·In, each ∂L/∂f_k times the input \
                     under the weight{}; your value leaves out the inputs",
                    sum_shown(ex, key)
                )
            }),
        });
    }
    for (layer, filter) in filters_with(net, Slip::UnsummedFilterGradient) {
        let positions = filter.positions;
        let tried: Vec<usize> = if positions <= UNSUMMED_POSITIONS {
            (0..positions).collect()
        } else {
            vec![0, positions - 1]
        };
        for position in tried {
            list.push(Mistake {
                code: "unsummed-filter-gradient",
                replay: Replay::Alter(Rc::new(OnePosition {
                    layer,
                    filter,
                    position,
                })),
                explain: Rc::new(move |ex, key| {
                    format!(
                        "the filter is shared: its gradient is the sum over every position; your \
                         value takes position {} alone{}",
                        position + 1,
                        sum_shown(ex, key)
                    )
                }),
            });
        }
    }
}

/// ` (∂L/∂w1 = ∂L/∂f1·In1 + …)` for a filter weight's gradient, its held update or new
/// value, else nothing.
fn sum_shown(ex: &Explainer, key: Key) -> String {
    if !matches!(key.kind, Kind::Wgrad | Kind::Dw | Kind::New) {
        return String::new();
    }
    let e = ex.explain(Key {
        kind: Kind::Wgrad,
        ..key
    });
    let formula = e.formula.render(crate::formula::Rendering::Symbolic, 6);
    format!(" ({} = {formula})", e.symbol)
}

/// A pooled value taken from, or its gradient sent to, the wrong input; ties routed by
/// another convention; the other ReLU-at-zero convention.
fn routing_slips(s: &Scenario, list: &mut Vec<Mistake>) {
    let setup = &s.setup;
    let windows = pool_windows(&s.network);
    if !layers_with(&s.network, Slip::TieConvention).is_empty() {
        for other in [Ties::All, Ties::First, Ties::Split] {
            if other == setup.conventions.maxpool_ties {
                continue;
            }
            let mut changed = setup.clone();
            changed.conventions.maxpool_ties = other;
            list.push(Mistake {
                code: "tie-convention",
                replay: Replay::Setup(changed),
                explain: Rc::new(move |ex, key| explain_ties(ex, key, other)),
            });
        }
    }
    if !layers_with(&s.network, Slip::WrongPoolInput).is_empty() {
        list.push(Mistake {
            code: "wrong-pool-input",
            replay: Replay::Alter(Rc::new(RunnerUp(windows))),
            explain: Rc::new(explain_pool),
        });
        list.push(Mistake {
            code: "wrong-pool-input",
            replay: Replay::Local(|ex, key| slipped_at(Slip::WrongPoolInput, ex, key)),
            explain: Rc::new(explain_pool),
        });
    }
    if !layers_with(&s.network, Slip::ReluAtZero).is_empty() {
        let mut other = setup.clone();
        other.conventions.relu_passes_zero = !other.conventions.relu_passes_zero;
        list.push(Mistake {
            code: "relu-at-zero",
            replay: Replay::Setup(other),
            explain: Rc::new(|ex, _| {
                let (passes, n) = if ex.setup.conventions.relu_passes_zero { ("passes", 1) } else { ("blocks", 0) };
                format!("at an input of exactly 0 this scenario's ReLU {passes} the gradient (relu_grad_at_zero: {n}); your value uses the other convention")
            }),
        });
    }
}

/// A factor forgotten or wrong on the way back: the softmax deltas, the ½ of a squared
/// error, an activation's derivative, the log base.
fn backward_slips(s: &Scenario, pattern: usize, list: &mut Vec<Mistake>) {
    let setup = &s.setup;
    let last = s.network.layers.len() as u16;
    if let Some(class) = s.data[pattern].class.filter(|_| setup.loss.gives_delta()) {
        list.push(Mistake {
            code: "p-minus-1-everywhere",
            replay: Replay::Alter(Rc::new(MinusOneEverywhere { last, class })),
            explain: Rc::new(|_, _| {
                "∂L_i/∂f_j = p_j − t_j: only the target's t is 1, so 1 comes off p_target \
                 alone; every other p stays as it is"
                    .into()
            }),
        });
        let target = Key::new(last, Kind::Delta, class);
        list.push(Mistake {
            code: "p-instead-of-p-minus-1",
            replay: Replay::Alter(Rc::new(At(target, |v| v + 1.0))),
            explain: Rc::new(|_, _| {
                "for the target, ∂L_i/∂f_target = p_target − 1, not p; every other p stays as it is"
                    .into()
            }),
        });
    }
    if let Some(factor) = setup.loss.half_slip() {
        list.push(Mistake {
            code: "missing-half",
            replay: Replay::Alter(Rc::new(LossGradient { last, factor })),
            explain: Rc::new(|ex, _| match ex.setup.loss {
                Loss::SquaredError => "L_i = Σ(t − y)² gives ∂L_i/∂y = −2(t − y); your value \
                                       has (y − t), the derivative of ½Σ(t − y)²"
                    .into(),
                Loss::HalfSquaredError | Loss::CrossEntropy => "L_i = ½Σ(t − y)² gives \
                     ∂L_i/∂y = −(t − y): the ½ cancels the 2; your value has 2(y − t)"
                    .into(),
            }),
        });
    }
    // Left out at one layer, or at every layer.
    let with_derivative = layers_with(&s.network, Slip::MissingActivationDerivative);
    let layers = with_derivative
        .into_iter()
        .map(|(id, _)| Some(id))
        .chain([None]);
    for layer in layers {
        list.push(Mistake {
            code: "missing-activation-derivative",
            replay: Replay::Alter(Rc::new(NoDerivative(layer))),
            explain: Rc::new(|ex, key| {
                format!(
                    "{} passes through an activation: multiply by its derivative (f·(1 − f) for a sigmoid); your value leaves it out",
                    ex.explain(key).symbol
                )
            }),
        });
    }
    if setup.loss.gives_delta() {
        list.push(Mistake {
            code: "log10-loss",
            replay: Replay::Alter(Rc::new(Kinds(Kind::Loss, |v| v / std::f64::consts::LN_10))),
            explain: Rc::new(|ex, _| {
                let p = ex
                    .pattern
                    .class
                    .map_or(0.0, |c| ex.value(ex.net.layers.len() as u16, Kind::Out, c));
                let n = |x: f64| crate::formula::number(x, 3);
                format!(
                    "−log10({}) = {}, but the cross-entropy uses the natural log: −ln({}) = {}",
                    n(p),
                    n(-p.log10()),
                    n(p),
                    n(-p.ln())
                )
            }),
        });
    }
}

/// The held update: without λw, without −α, or backpropagated through updated weights.
fn update_slips(s: &Scenario, list: &mut Vec<Mistake>) {
    let setup = &s.setup;
    if setup.lambda != 0.0 {
        let (alpha, lambda) = (setup.alpha, setup.lambda);
        let biases = bias_keys(s);
        list.push(Mistake {
            code: "missing-l2",
            replay: Replay::Alter(Rc::new(NoL2 {
                alpha,
                lambda,
                biases,
            })),
            explain: Rc::new(|_, _| {
                "Δw = −α(∂L_i/∂w + λw): the regularisation term λw is missing".into()
            }),
        });
    }
    if setup.alpha != 0.0 {
        let alpha = setup.alpha;
        list.push(Mistake {
            code: "missing-learning-rate",
            replay: Replay::Alter(Rc::new(Kinds(Kind::Dw, move |v| v / -alpha))),
            explain: Rc::new(|_, _| {
                "Δw = −α(∂L_i/∂w + λw): that is the gradient itself, not −α times it".into()
            }),
        });
    }
    list.push(Mistake {
        code: "updated-weight",
        replay: Replay::Local(through_updated_weights),
        explain: Rc::new(|_, _| {
            "backpropagate through the old weights: every Δw is held and applied only at the end"
                .into()
        }),
    });
}

/// "r3 and r4 tie at 0 for B; under `first` only r3 gets B's gradient, but this scenario's
/// maxpool_ties is `all`: each gets it whole".
fn explain_ties(ex: &Explainer, key: Key, other: Ties) -> String {
    let current = ex.setup.conventions.maxpool_ties;
    let mut ties = Vec::new();
    for (i, pool) in ex.net.layers.iter().enumerate() {
        let id = Network::layer_id(i);
        let names = ex.net.node_names(id - 1);
        let tied_here = pool.routing().map_or_else(Vec::new, |r| r.ties(id, ex));
        for (o, tied) in tied_here {
            let holds = key.layer == id - 1 && tied.contains(&(key.index as usize));
            ties.push((
                holds,
                id,
                o,
                tied.iter().map(|&t| names[t].clone()).collect::<Vec<_>>(),
                pool.outputs()[o].clone(),
            ));
        }
    }
    // The tie this quantity is part of, else every tie the gradient passed.
    ties.sort_by_key(|t| !t.0);
    let shown: Vec<String> = ties
        .iter()
        .take_while(|t| t.0 == ties[0].0)
        .map(|(_, id, o, names, pooled)| {
            let value = crate::formula::number(ex.value(*id, Kind::Out, *o), 6);
            let rule = |ties: Ties, what: &str| match ties {
                Ties::All => format!("each gets {what} whole"),
                Ties::First => format!("only {} gets {what}", names[0]),
                Ties::Split => format!("they share {what} equally"),
            };
            format!(
                "{} tie at {value} for {pooled}; under `{}` {}, but this scenario's maxpool_ties is `{}`: {}",
                names.join(" and "),
                other.as_str(),
                rule(other, &format!("{pooled}'s gradient")),
                current.as_str(),
                rule(current, "it")
            )
        })
        .collect();
    if shown.is_empty() {
        format!(
            "tied maxima: your value follows `{}` ({}), this scenario `{}` ({})",
            other.as_str(),
            tie_rule(other),
            current.as_str(),
            tie_rule(current)
        )
    } else {
        shown.join("; ")
    }
}

/// Every activation derivative taken as 1: at one layer, or at all of them.
struct NoDerivative(Option<u16>);

impl Alter for NoDerivative {
    fn alter(&self, key: Key, value: f64, _: &Trace) -> f64 {
        let here = self.0.is_none_or(|layer| layer == key.layer);
        if key.kind == Kind::Dact && here {
            1.0
        } else {
            value
        }
    }
}

/// Changes every value of one kind.
struct Kinds<F>(Kind, F);

impl<F: Fn(f64) -> f64> Alter for Kinds<F> {
    fn alter(&self, key: Key, value: f64, _: &Trace) -> f64 {
        let applies = key.kind == self.0 && (key.kind != Kind::Loss || key.layer == LOSS_LAYER);
        if applies { (self.1)(value) } else { value }
    }
}

/// Changes the value of one quantity.
struct At<F>(Key, F);

impl<F: Fn(f64) -> f64> Alter for At<F> {
    fn alter(&self, key: Key, value: f64, _: &Trace) -> f64 {
        if key == self.0 {
            (self.1)(value)
        } else {
            value
        }
    }
}

/// Δw = −α·∂L/∂w: the λw term left out (weights only; biases have none).
struct NoL2 {
    alpha: f64,
    lambda: f64,
    /// The Δw keys of biases.
    biases: HashSet<Key>,
}

impl Alter for NoL2 {
    fn alter(&self, key: Key, value: f64, so_far: &Trace) -> f64 {
        if key.kind != Kind::Dw || self.biases.contains(&key) {
            return value;
        }
        match so_far.value(Key {
            kind: Kind::W,
            ..key
        }) {
            Some(w) => value + self.alpha * self.lambda * w,
            None => value,
        }
    }
}

fn bias_keys(s: &Scenario) -> HashSet<Key> {
    let mut keys = HashSet::new();
    for (i, layer) in s.network.layers.iter().enumerate() {
        for p in (0..layer.param_count()).filter(|&p| layer.is_bias(p)) {
            keys.insert(Key::new((i + 1) as u16, Kind::Dw, p));
        }
    }
    keys
}

/// Each pooled value taken from the largest input that is not the maximum; the gradient
/// then follows it there, since routing follows the value used.
struct RunnerUp(HashMap<Key, Vec<Key>>);

impl Alter for RunnerUp {
    fn alter(&self, key: Key, value: f64, so_far: &Trace) -> f64 {
        let Some(inputs) = self.0.get(&key) else {
            return value;
        };
        inputs
            .iter()
            .filter_map(|&k| so_far.value(k))
            .filter(|&v| v < value)
            .fold(None, |best: Option<f64>, v| {
                Some(best.map_or(v, |b| b.max(v)))
            })
            .unwrap_or(value)
    }
}

/// Every pooled output of the network.
fn pool_windows_of(ex: &Explainer) -> Vec<Key> {
    pool_windows(ex.net).into_keys().collect()
}

/// For every pooled output, the outputs of the layer below in its window.
fn pool_windows(net: &Network) -> HashMap<Key, Vec<Key>> {
    let mut windows = HashMap::new();
    for (i, layer) in net.layers.iter().enumerate() {
        let id = Network::layer_id(i);
        let windows_here = layer.routing().map_or_else(Vec::new, |r| r.pool_windows());
        for (o, window) in windows_here {
            let inputs = window
                .into_iter()
                .map(|k| Key::new(id - 1, Kind::Out, k))
                .collect();
            windows.insert(Key::new(id, Kind::Out, o), inputs);
        }
    }
    windows
}

/// A gradient of the backward pass recomputed with every weight already updated.
fn through_updated_weights(ex: &Explainer, key: Key) -> Vec<f64> {
    if key.kind.phase() != Phase::Backward {
        return Vec::new();
    }
    let formula = ex.explain(key).formula;
    let updated = |k: Key, v: f64| match k.kind {
        Kind::W => ex
            .trace
            .value(Key {
                kind: Kind::New,
                ..k
            })
            .unwrap_or(v),
        _ => v,
    };
    vec![formula.eval(&updated)]
}

/// "max(0.2, 0.1) = 0.2 comes from r1; 0.1 is r2", or where a pooled gradient goes.
fn explain_pool(ex: &Explainer, key: Key) -> String {
    let describe = |pooled: Key| {
        ex.net.layer(pooled.layer)?.routing()?.describe_route(
            pooled.layer,
            pooled.index as usize,
            ex,
        )
    };
    if let Some(here) = describe(key).filter(|_| key.kind == Kind::Out) {
        return here;
    }
    // A gradient below a pool: every pooled value whose window holds this input.
    let pool_id = key.layer.saturating_add(1);
    let holding: Vec<String> = match ex.net.layer(pool_id).filter(|_| key.kind == Kind::Grad) {
        Some(pool) => pool
            .routing()
            .map_or_else(Vec::new, |r| r.pool_windows())
            .into_iter()
            .filter(|(_, window)| window.contains(&(key.index as usize)))
            .map(|(o, _)| {
                format!(
                    "the gradient of {} goes only to the input that held the maximum: {}",
                    pool.outputs()[o],
                    describe(Key::new(pool_id, Kind::Out, o)).unwrap_or_default()
                )
            })
            .collect(),
        None => Vec::new(),
    };
    if !holding.is_empty() {
        return holding.join("; ");
    }
    // Further on: the pooled values it was computed from.
    let mut pooled = pool_windows_of(ex);
    pooled.sort_by_key(|k| (k.layer, k.index));
    let pooled: Vec<String> = pooled.into_iter().filter_map(describe).take(3).collect();
    format!(
        "computed from a pooled value taken from an input that did not hold the maximum: {}",
        pooled.join("; ")
    )
}

/// A shared filter's gradient summed without the inputs: each contribution ∂L/∂f_k·In
/// taken as ∂L/∂f_k.
struct WithoutInput {
    layer: u16,
    filter: FilterIndex,
}

impl Alter for WithoutInput {
    fn alter(&self, key: Key, value: f64, so_far: &Trace) -> f64 {
        if key.layer != self.layer || key.kind != Kind::Contrib {
            return value;
        }
        let f = self.filter.contrib_node(key.index as usize);
        so_far
            .value(Key::new(self.layer, Kind::Grad, f))
            .unwrap_or(value)
    }
}

/// A shared filter's gradient taken from one position instead of the sum over all.
struct OnePosition {
    layer: u16,
    filter: FilterIndex,
    position: usize,
}

impl Alter for OnePosition {
    fn alter(&self, key: Key, value: f64, so_far: &Trace) -> f64 {
        if key.layer != self.layer || key.kind != Kind::Wgrad {
            return value;
        }
        let Some(term) = self.filter.contrib_at(key.index as usize, self.position) else {
            return value;
        };
        so_far
            .value(Key::new(self.layer, Kind::Contrib, term))
            .unwrap_or(value)
    }
}

/// 1 taken off every softmax output's delta, not only the target's.
struct MinusOneEverywhere {
    last: u16,
    class: usize,
}

impl Alter for MinusOneEverywhere {
    fn alter(&self, key: Key, value: f64, _: &Trace) -> f64 {
        let other =
            key.layer == self.last && key.kind == Kind::Delta && key.index as usize != self.class;
        if other { value - 1.0 } else { value }
    }
}

/// ∂L/∂y of a squared error off by a factor (the ½ mishandled).
struct LossGradient {
    last: u16,
    factor: f64,
}

impl Alter for LossGradient {
    fn alter(&self, key: Key, value: f64, _: &Trace) -> f64 {
        if key.layer == self.last && key.kind == Kind::Grad {
            value * self.factor
        } else {
            value
        }
    }
}
