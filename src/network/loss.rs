//! Losses, the last step forward and the first step backward.
//!
//! cross_entropy: L_i = −ln p_target (softmax last); then ∂L_i/∂f_j = p_j − t_j, so the
//! target's delta is p_target − 1 and every other p stays as it is.
//! half_squared_error: L_i = Σ ½(t − y)², ∂L_i/∂y = −(t − y).
//! squared_error: L_i = Σ (t − y)², ∂L_i/∂y = −2(t − y).

use super::NoteKind;
use super::{Explained, Explainer, Pattern, Setup};
use crate::formula::{Expr, var};
use crate::numbers::{difference, sum};
use crate::trace::{Key, Kind, LOSS_LAYER, LayerId, Recorder};
use serde::Deserialize;
use std::f64::consts::LN_10;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    CrossEntropy,
    HalfSquaredError,
    SquaredError,
}

/// Above this many weights, ½λΣw² is shown with Σw² as one number rather than term by term.
const PENALTY_TERMS_SHOWN: usize = 24;

impl Loss {
    pub fn as_str(self) -> &'static str {
        match self {
            Loss::CrossEntropy => "cross_entropy",
            Loss::HalfSquaredError => "half_squared_error",
            Loss::SquaredError => "squared_error",
        }
    }

    /// Whether the backward step starts from the delta (p − t) rather than ∂L/∂y.
    pub fn gives_delta(self) -> bool {
        self == Loss::CrossEntropy
    }

    /// The factor by which ∂L/∂y is off when the ½ of a squared error is mishandled:
    /// (y − t) for Σ(t − y)² is half the true −2(t − y), and 2(y − t) for ½Σ(t − y)² twice
    /// the true −(t − y). None for cross-entropy.
    pub fn half_slip(self) -> Option<f64> {
        match self {
            Loss::SquaredError => Some(0.5),
            Loss::HalfSquaredError => Some(2.0),
            Loss::CrossEntropy => None,
        }
    }

    /// Records L_i (and its log10 form for cross-entropy) and L_i + ½λΣw²; returns L_i.
    /// `scores` are the last layer's net inputs (the softmax scores under cross-entropy).
    pub fn forward<R: Recorder>(
        self,
        y: &[f64],
        scores: &[f64],
        pattern: &Pattern,
        sum_w2: f64,
        setup: &Setup,
        rec: &mut R,
    ) -> f64 {
        let key = |kind| Key::new(LOSS_LAYER, kind, 0);
        let loss = match self {
            Loss::CrossEntropy => {
                let class = pattern.class.expect("cross-entropy has a class");
                let p = y[class];
                if through_log_sum_exp(p) {
                    let loss = rec.record(key(Kind::Loss), log_sum_exp_loss(scores, class));
                    rec.record(key(Kind::LossLog10), loss / LN_10);
                    loss
                } else {
                    let loss = rec.record(key(Kind::Loss), -p.ln());
                    rec.record(key(Kind::LossLog10), -p.log10());
                    loss
                }
            }
            Loss::HalfSquaredError | Loss::SquaredError => {
                let sse = sum(y.iter().zip(&pattern.target).map(|(y, t)| {
                    let e = difference(*t, *y);
                    e * e
                }));
                let scale = if self == Loss::HalfSquaredError {
                    0.5
                } else {
                    1.0
                };
                rec.record(key(Kind::Loss), scale * sse)
            }
        };
        rec.record(
            key(Kind::LossTotal),
            sum([loss, 0.5 * setup.lambda * sum_w2]),
        );
        loss
    }

    /// The first gradient of the backward pass, recorded under the last layer's id, into
    /// `into`: the delta p − t (cross-entropy; returns true) or ∂L/∂y (returns false).
    pub fn backward<R: Recorder>(
        self,
        y: &[f64],
        pattern: &Pattern,
        last: LayerId,
        rec: &mut R,
        into: &mut [f64],
    ) -> bool {
        let t = &pattern.target;
        match self {
            Loss::CrossEntropy => {
                for (j, d) in into.iter_mut().enumerate() {
                    *d = rec.record(Key::new(last, Kind::Delta, j), difference(y[j], t[j]));
                }
                true
            }
            Loss::HalfSquaredError | Loss::SquaredError => {
                let scale = if self == Loss::HalfSquaredError {
                    1.0
                } else {
                    2.0
                };
                for (j, g) in into.iter_mut().enumerate() {
                    let grad = -scale * difference(t[j], y[j]);
                    *g = rec.record(Key::new(last, Kind::Grad, j), grad);
                }
                false
            }
        }
    }

    pub fn explain(self, key: Key, ex: &Explainer) -> Explained {
        let last = ex.net.layers.len() as LayerId;
        let names = ex.net.output_names();
        let j = key.index as usize;
        let target = |j: usize| var(format!("t_{}", names[j]), ex.pattern.target[j]);
        match key.kind {
            Kind::Loss | Kind::LossLog10 if self == Loss::CrossEntropy => {
                let class = ex.pattern.class.unwrap_or(0);
                if through_log_sum_exp(ex.value(last, Kind::Out, class)) {
                    return explain_log_sum_exp(key.kind, class, ex);
                }
                let p = ex.node(last, class);
                if key.kind == Kind::Loss {
                    Explained::new("L_i", Expr::negate(Expr::call("ln", vec![p])))
                        .note(NoteKind::Remark, "cross-entropy, natural log: −ln p_target")
                } else {
                    Explained::new("L_i (log10)", Expr::negate(Expr::call("log10", vec![p]))).note(
                        NoteKind::Remark,
                        "log base 10: L_i / ln 10, the figure some slides quote",
                    )
                }
            }
            Kind::Loss => {
                let terms = (0..names.len())
                    .map(|j| Expr::square(Expr::minus(target(j), ex.node(last, j))))
                    .collect();
                let sum = Expr::add(terms);
                let formula = if self == Loss::HalfSquaredError {
                    Expr::mul(vec![var("½", 0.5), sum])
                } else {
                    sum
                };
                Explained::new("L_i", formula)
            }
            Kind::LossTotal if ex.setup.lambda == 0.0 => {
                Explained::new("L", self.total_formula(ex)).note(
                    NoteKind::Remark,
                    "λ = 0: no L2 penalty, the loss is the data loss",
                )
            }
            Kind::LossTotal => Explained::new("L", self.total_formula(ex)).note(
                NoteKind::Remark,
                "data loss plus the L2 penalty ½·λ·Σw² (weights, not biases)",
            ),
            Kind::Delta => {
                let p = ex.node(last, j);
                let symbol = format!("∂L/∂f@{}", names[j]);
                if ex.pattern.class == Some(j) {
                    Explained::new(symbol, Expr::minus(p, Expr::Num(1.0)))
                        .note(NoteKind::Target, "target: p_target − 1")
                } else {
                    Explained::new(symbol, p).note(NoteKind::Remark, "not the target: p unchanged")
                }
            }
            Kind::Grad => {
                let diff = Expr::minus(target(j), ex.node(last, j));
                let formula = if self == Loss::HalfSquaredError {
                    Expr::negate(diff)
                } else {
                    Expr::mul(vec![Expr::Num(-2.0), diff])
                };
                Explained::new(format!("∂L/∂{}", names[j]), formula)
            }
            _ => Explained::new("?", Expr::Num(0.0)),
        }
    }

    /// L = L_i + ½·λ·(w1² + w2² + …); L = L_i when λ = 0.
    fn total_formula(self, ex: &Explainer) -> Expr {
        let loss = ex.operand("L_i".into(), LOSS_LAYER, Kind::Loss, 0);
        if ex.setup.lambda == 0.0 {
            return loss;
        }
        let mut squares = Vec::new();
        let mut sum_w2 = 0.0;
        for (i, layer) in ex.net.layers.iter().enumerate() {
            let id = (i + 1) as LayerId;
            for p in (0..layer.param_count()).filter(|&p| !layer.is_bias(p)) {
                let w = ex.param(id, p);
                if let Expr::Var(_, v, _) = &w {
                    sum_w2 += v * v;
                }
                squares.push(Expr::square(w));
            }
        }
        let penalty = if squares.len() > PENALTY_TERMS_SHOWN {
            var("Σw²", sum_w2)
        } else {
            Expr::add(squares)
        };
        Expr::add(vec![
            loss,
            Expr::mul(vec![var("½", 0.5), var("λ", ex.setup.lambda), penalty]),
        ])
    }
}

/// Whether −ln p_target would lose digits: p below the smallest normal double (2.2e−308,
/// a loss above 708) keeps fewer than 53 bits, and 0 gives ∞. The loss then comes from
/// the scores.
fn through_log_sum_exp(p_target: f64) -> bool {
    p_target < f64::MIN_POSITIVE
}

/// The index of the largest score (the first, on a tie).
fn top(scores: &[f64]) -> usize {
    (0..scores.len()).fold(0, |m, k| if scores[k] > scores[m] { k } else { m })
}

/// −ln p_t = ln Σ_k e^(f_k) − f_t, written with the largest score f_m taken out so that
/// nothing overflows: L_i = (f_m − f_t) + ln(1 + Σ_(k≠m) e^(f_k − f_m)). Logits (0, 800),
/// target 0: 800 − 0 + ln(1 + e^(−800)) = 800.
pub fn log_sum_exp_loss(scores: &[f64], target: usize) -> f64 {
    let m = top(scores);
    let rest = sum((0..scores.len())
        .filter(|&k| k != m)
        .map(|k| difference(scores[k], scores[m]).exp()));
    sum([difference(scores[m], scores[target]), rest.ln_1p()])
}

/// The formula of the loss through log-sum-exp, in the scores' names.
fn explain_log_sum_exp(kind: Kind, class: usize, ex: &Explainer) -> Explained {
    let last = ex.net.layers.len() as LayerId;
    let count = ex.net.output_names().len();
    let score = |k: usize| {
        let name = format!("f@{}", ex.net.output_names()[k]);
        ex.operand(name, last, Kind::Net, k)
    };
    let scores: Vec<f64> = (0..count).map(|k| ex.value(last, Kind::Net, k)).collect();
    let m = top(&scores);
    let mut inside = vec![Expr::Num(1.0)];
    inside.extend(
        (0..count)
            .filter(|&k| k != m)
            .map(|k| Expr::exp(Expr::minus(score(k), score(m)))),
    );
    let formula = Expr::add(vec![
        Expr::minus(score(m), score(class)),
        Expr::call("ln", vec![Expr::add(inside)]),
    ]);
    if kind == Kind::Loss {
        let p = &ex.net.output_names()[class];
        let note = format!("{p} is too small for a double: −ln {p} from the scores (log-sum-exp)");
        return Explained::new("L_i", formula).note(NoteKind::Remark, note);
    }
    let loss = ex.operand("L_i".into(), LOSS_LAYER, Kind::Loss, 0);
    let ln10 = Expr::call("ln", vec![Expr::Num(10.0)]);
    Explained::new("L_i (log10)", Expr::over(loss, ln10)).note(
        NoteKind::Remark,
        "log base 10: L_i / ln 10, the figure some slides quote",
    )
}
