//! The catalogue of common mistakes (SPEC section 5). Each is replayed on the trace engine
//! — as a change to the values recorded, so it carries into every later step; as the
//! other convention; or on the quantity's own formula — and a wrong answer that the
//! replay reproduces is named. A new mistake is a few lines here.

use crate::network::{Activation, Explainer, Layer, Setup};
use crate::scenario::Scenario;
use crate::trace::{Alter, Key, Kind, LOSS_LAYER, Phase, Trace};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

pub struct Mistake {
    pub code: &'static str,
    pub replay: Replay,
    /// One line in the slides' words, from the exact trace.
    pub explain: fn(&Explainer, Key) -> String,
}

pub enum Replay {
    /// The recorded values are changed as they pass, so the mistake carries forward.
    Alter(Rc<dyn Alter>),
    /// The step run with other settings.
    Setup(Setup),
    /// What the quantity would be, from the values of the trace it is read in.
    Local(fn(&Explainer, Key) -> Option<f64>),
}

/// Every mistake that can happen in this scenario, most specific first.
pub fn catalogue(s: &Scenario, pattern: usize) -> Vec<Mistake> {
    let setup = &s.setup;
    let last = s.network.layers.len() as u16;
    let mut list = Vec::new();
    if has_relu(s) {
        let mut other = setup.clone();
        other.conventions.relu_passes_zero = !other.conventions.relu_passes_zero;
        list.push(Mistake {
            code: "relu-at-zero",
            replay: Replay::Setup(other),
            explain: |ex, _| {
                let (passes, n) = if ex.setup.conventions.relu_passes_zero { ("passes", 1) } else { ("blocks", 0) };
                format!("at an input of exactly 0 this scenario's ReLU {passes} the gradient (relu_grad_at_zero: {n}); your value uses the other convention")
            },
        });
    }
    // Left out at one layer, or at every layer.
    let with_derivative = (1..=last).filter(|&id| match s.network.layer(id) {
        Some(Layer::Relu(_)) => true,
        Some(Layer::Dense(d)) => !matches!(d.activation, Activation::Softmax | Activation::Linear),
        _ => false,
    });
    let layers = with_derivative.map(Some).chain([None]);
    for layer in layers {
        list.push(Mistake {
            code: "missing-activation-derivative",
            replay: Replay::Alter(Rc::new(NoDerivative(layer))),
            explain: |ex, key| {
                format!(
                    "{} passes through an activation: multiply by its derivative (f·(1 − f) for a sigmoid); your value leaves it out",
                    ex.explain(key).symbol
                )
            },
        });
    }
    if setup.loss.gives_delta() {
        list.push(Mistake {
            code: "log10-loss",
            replay: Replay::Alter(Rc::new(Kinds(Kind::Loss, |v| v / std::f64::consts::LN_10))),
            explain: |ex, _| {
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
            },
        });
    }
    let windows = pool_windows(s);
    if !windows.is_empty() {
        list.push(Mistake {
            code: "wrong-pool-input",
            replay: Replay::Alter(Rc::new(RunnerUp(windows))),
            explain: explain_pool,
        });
        list.push(Mistake {
            code: "wrong-pool-input",
            replay: Replay::Local(misrouted),
            explain: explain_pool,
        });
    }
    if let Some(class) = s.data[pattern].class.filter(|_| setup.loss.gives_delta()) {
        let target = Key::new(last, Kind::Delta, class);
        list.push(Mistake {
            code: "p-instead-of-p-minus-1",
            replay: Replay::Alter(Rc::new(At(target, |v| v + 1.0))),
            explain: |_, _| {
                "for the target, ∂L_i/∂f_target = p_target − 1, not p; every other p stays as it is"
                    .into()
            },
        });
    }
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
            explain: |_, _| "Δw = −α(∂L_i/∂w + λw): the regularisation term λw is missing".into(),
        });
    }
    if setup.alpha != 0.0 {
        let alpha = setup.alpha;
        list.push(Mistake {
            code: "missing-learning-rate",
            replay: Replay::Alter(Rc::new(Kinds(Kind::Dw, move |v| v / -alpha))),
            explain: |_, _| {
                "Δw = −α(∂L_i/∂w + λw): that is the gradient itself, not −α times it".into()
            },
        });
    }
    list.push(Mistake {
        code: "updated-weight",
        replay: Replay::Local(through_updated_weights),
        explain: |_, _| {
            "backpropagate through the old weights: every Δw is held and applied only at the end"
                .into()
        },
    });
    list.push(Mistake {
        code: "sign-flip",
        replay: Replay::Local(|ex, key| ex.trace.computed(key).map(|v| -v)),
        explain: |ex, key| {
            let e = ex.explain(key);
            let formula = e.formula.render(crate::formula::Rendering::Symbolic, 6);
            format!(
                "the right size with the wrong sign: {} = {formula}",
                e.symbol
            )
        },
    });
    list
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

/// For every pooled output, the outputs of the layer below in its window.
fn pool_windows(s: &Scenario) -> HashMap<Key, Vec<Key>> {
    let mut windows = HashMap::new();
    for (i, layer) in s.network.layers.iter().enumerate() {
        if let Layer::MaxPool1d(pool) = layer {
            let id = (i + 1) as u16;
            for o in 0..pool.outputs.len() {
                let inputs = pool
                    .window(o)
                    .map(|k| Key::new(id - 1, Kind::Out, k))
                    .collect();
                windows.insert(Key::new(id, Kind::Out, o), inputs);
            }
        }
    }
    windows
}

fn has_relu(s: &Scenario) -> bool {
    s.network.layers.iter().any(|l| match l {
        Layer::Relu(_) => true,
        Layer::Dense(d) => d.activation == Activation::Relu,
        _ => false,
    })
}

/// The gradient an input of a pooling window gets when the pooled value's gradient is
/// sent to the wrong input: the whole gradient where the input was not the maximum, 0
/// where it was.
fn misrouted(ex: &Explainer, key: Key) -> Option<f64> {
    let Some(Layer::MaxPool1d(pool)) = ex.net.layer(key.layer.saturating_add(1)) else {
        return None;
    };
    if key.kind != Kind::Grad {
        return None;
    }
    let input = key.index as usize;
    let o = (0..pool.outputs.len()).find(|&o| pool.window(o).contains(&input))?;
    let pooled = Key::new(key.layer.saturating_add(1), Kind::Out, o);
    let chosen = ex.trace.route(pooled)?.chosen.contains(&(input as u32));
    Some(if chosen {
        0.0
    } else {
        ex.value(key.layer.saturating_add(1), Kind::Grad, o)
    })
}

/// A gradient of the backward pass recomputed with every weight already updated.
fn through_updated_weights(ex: &Explainer, key: Key) -> Option<f64> {
    if key.kind.phase() != Phase::Backward {
        return None;
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
    Some(formula.eval(&updated))
}

/// "max(0.2, 0.1) = 0.2 comes from r1; 0.1 is r2", or where a pooled gradient goes.
fn explain_pool(ex: &Explainer, key: Key) -> String {
    let n = |x: f64| crate::formula::number(x, 6);
    let describe = |pooled: Key| -> Option<String> {
        let Some(Layer::MaxPool1d(pool)) = ex.net.layer(pooled.layer) else {
            return None;
        };
        let names = ex.net.node_names(pooled.layer - 1);
        let window = pool.window(pooled.index as usize);
        let route = ex.trace.route(pooled)?;
        let chosen: Vec<&str> = route
            .chosen
            .iter()
            .map(|&c| names[c as usize].as_str())
            .collect();
        let others: Vec<String> = window
            .clone()
            .filter(|i| !route.chosen.contains(&(*i as u32)))
            .map(|i| {
                format!(
                    "{} is {}",
                    n(ex.value(pooled.layer - 1, Kind::Out, i)),
                    names[i]
                )
            })
            .collect();
        let values: Vec<String> = window
            .map(|i| n(ex.value(pooled.layer - 1, Kind::Out, i)))
            .collect();
        Some(format!(
            "max({}) = {} comes from {}; {}",
            values.join(", "),
            n(ex.value(pooled.layer, Kind::Out, pooled.index as usize)),
            chosen.join(" and "),
            others.join(", ")
        ))
    };
    if key.kind == Kind::Out {
        return describe(key).unwrap_or_default();
    }
    // A gradient below a pool: name the pooled value whose window holds this input.
    let Some(Layer::MaxPool1d(pool)) = ex.net.layer(key.layer.saturating_add(1)) else {
        return String::new();
    };
    let pooled = (0..pool.outputs.len()).find(|&o| pool.window(o).contains(&(key.index as usize)));
    match pooled {
        Some(o) => format!(
            "the gradient of {} goes only to the input that held the maximum: {}",
            pool.outputs[o],
            describe(Key::new(key.layer.saturating_add(1), Kind::Out, o)).unwrap_or_default()
        ),
        None => String::new(),
    }
}
