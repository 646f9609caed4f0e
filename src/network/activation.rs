//! Activation functions. The enum is what `activation: sigmoid` in a scenario
//! deserialises to, and it is also the code that runs.

use super::Hazard;
use crate::formula::{Expr, var};
use crate::numbers::difference;
use crate::trace::Key;

/// A softmax of at most this many units writes every term of its sums in each formula,
/// as the slides do; a larger one names each sum once (its formulas stay short).
pub const SPELLED_OUT: usize = 4;
/// The name of a large softmax's denominator Σ_k e^(f_k).
pub const SOFTMAX_SUM: &str = "Σe^f";
use serde::Deserialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Sigmoid,
    Tanh,
    Relu,
    Linear,
    Softmax,
}

impl Activation {
    pub fn as_str(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::Linear => "linear",
            Activation::Softmax => "softmax",
        }
    }

    /// Its derivative in words, for the walk's reasoning: `f(1 − f)` for the sigmoid.
    pub fn derivative_in_words(self) -> &'static str {
        match self {
            Activation::Sigmoid => "the sigmoid's is f(1 − f)",
            Activation::Tanh => "tanh's is 1 − f²",
            Activation::Relu => "the ReLU's is 1 where the sum is positive, else 0",
            Activation::Linear => "a linear unit's is 1",
            Activation::Softmax => "softmax's comes with the loss",
        }
    }

    /// The middle of the output range, where one output is read as yes (above) or no:
    /// 0.5 for sigmoid (and for the unbounded ones, whose targets are usually 0 and 1),
    /// 0 for tanh (targets −1 and 1).
    pub fn midpoint(self) -> f64 {
        match self {
            Activation::Tanh => 0.0,
            Activation::Sigmoid | Activation::Relu | Activation::Linear | Activation::Softmax => {
                0.5
            }
        }
    }

    /// f(net) for every unit of a layer (softmax needs them all at once), into `out`.
    pub fn apply(self, net: &[f64], out: &mut [f64]) {
        let each = |f: fn(f64) -> f64, out: &mut [f64]| {
            out.iter_mut().zip(net).for_each(|(o, &x)| *o = f(x));
        };
        match self {
            Activation::Sigmoid => each(sigmoid, out),
            Activation::Tanh => each(f64::tanh, out),
            Activation::Relu => each(|x| x.max(0.0), out),
            Activation::Linear => out.copy_from_slice(net),
            Activation::Softmax => softmax_into(net, out),
        }
    }

    /// f′ at one unit, from its net input and its output:
    /// sigmoid f(1 − f), tanh 1 − f², relu [net ≥ 0] (or [net > 0]), linear 1.
    /// Softmax has no per-unit derivative (its Jacobian is not diagonal).
    pub fn derivative(self, net: f64, out: f64, relu_passes_zero: bool) -> f64 {
        match self {
            Activation::Sigmoid => out * difference(1.0, out),
            Activation::Tanh => difference(1.0, out * out),
            Activation::Relu => relu_step(net, relu_passes_zero),
            Activation::Linear | Activation::Softmax => 1.0,
        }
    }

    /// The formula of f(net) at one unit, from its net input `x`; `nets` gives every
    /// unit's net input as an operand (a softmax of up to [`SPELLED_OUT`] units writes its
    /// denominator out), `sum` the value of Σ e^f (a larger softmax names it once).
    pub fn formula(
        self,
        x: Expr,
        nets: impl FnOnce() -> Vec<Expr>,
        units: usize,
        sum: impl FnOnce() -> f64,
    ) -> Expr {
        match self {
            Activation::Sigmoid => Expr::call("σ", vec![x]),
            Activation::Tanh => Expr::call("tanh", vec![x]),
            Activation::Relu => Expr::call("max", vec![Expr::Num(0.0), x]),
            Activation::Linear => x,
            Activation::Softmax if units <= SPELLED_OUT => Expr::over(
                Expr::exp(x),
                Expr::add(nets().into_iter().map(Expr::exp).collect()),
            ),
            Activation::Softmax => Expr::over(Expr::exp(x), var(SOFTMAX_SUM, sum())),
        }
    }

    /// What makes a unit with this activation delicate to work by hand at net input `net`:
    /// a sigmoid far from 0 (σ′ tiny), a ReLU at 0 (ReLU′(0) a convention).
    pub fn hazard(self, input: Key, output: Key, net: f64) -> Option<Hazard> {
        match self {
            Activation::Sigmoid => Some(Hazard::SigmoidInput { input, value: net }),
            Activation::Relu => Some(Hazard::ReluInput {
                input,
                output,
                value: net,
            }),
            Activation::Tanh | Activation::Linear | Activation::Softmax => None,
        }
    }

    /// The formula of f′ at one unit, written the way the slides do: f(1 − f) for sigmoid.
    pub fn derivative_formula(self, net: Expr, out: Expr, relu_passes_zero: bool) -> Expr {
        let y = || out.clone();
        match self {
            Activation::Sigmoid => Expr::mul(vec![y(), Expr::minus(Expr::Num(1.0), y())]),
            Activation::Tanh => Expr::minus(Expr::Num(1.0), Expr::square(y())),
            Activation::Relu => Expr::step(net, relu_passes_zero),
            Activation::Linear | Activation::Softmax => Expr::Num(1.0),
        }
    }
}

/// σ(x) = 1 / (1 + e^(−x)). Below x = −37, e^x is under half an ulp of 1, so
/// σ(x) = e^x / (1 + e^x) is e^x to the last bit: a very negative x gives the correctly
/// rounded tiny value (σ(−740) = 4.2e−322) where 1 / (1 + e^740) would be 1/∞ = 0.
pub fn sigmoid(x: f64) -> f64 {
    if x < -37.0 {
        x.exp()
    } else {
        1.0 / (1.0 + (-x).exp())
    }
}

/// 1 where a ReLU passes the gradient: x > 0, and x = 0 too under the slides' convention.
pub fn relu_step(x: f64, passes_zero: bool) -> f64 {
    if x > 0.0 || (passes_zero && x == 0.0) {
        1.0
    } else {
        0.0
    }
}

/// p_j = e^(f_j) / Σ_k e^(f_k), computed with the maximum subtracted so it cannot overflow.
/// Infinite scores are the limit: the units at the largest score (+∞, or all of them at
/// −∞) share the probability equally; no score that is a number gives NaN.
pub fn softmax(scores: &[f64]) -> Vec<f64> {
    let mut p = vec![0.0; scores.len()];
    softmax_into(scores, &mut p);
    p
}

/// [`softmax`] into `p`, as long as `scores`.
pub fn softmax_into(scores: &[f64], p: &mut [f64]) {
    let top = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if top.is_infinite() {
        let at_top = scores.iter().filter(|&&s| s == top).count() as f64;
        for (p, &s) in p.iter_mut().zip(scores) {
            *p = if s == top { 1.0 / at_top } else { 0.0 };
        }
        return;
    }
    for (p, &s) in p.iter_mut().zip(scores) {
        *p = (s - top).exp();
    }
    let total: f64 = p.iter().sum();
    p.iter_mut().for_each(|p| *p /= total);
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn softmax_of_the_seesaw_scores() {
        let p = softmax(&[0.2010, 0.1495]);
        assert_relative_eq!(p[0], 0.512872, epsilon = 1e-6);
        assert_relative_eq!(p[0] + p[1], 1.0, epsilon = 1e-15);
    }

    #[test]
    fn softmax_survives_huge_scores() {
        let p = softmax(&[1000.0, 0.0]);
        assert!(p.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn softmax_of_infinite_scores_is_the_limit() {
        assert_eq!(softmax(&[f64::INFINITY, 0.0]), vec![1.0, 0.0]);
        assert_eq!(softmax(&[f64::INFINITY, f64::INFINITY]), vec![0.5, 0.5]);
        assert_eq!(softmax(&[f64::NEG_INFINITY; 2]), vec![0.5, 0.5]);
        assert_eq!(softmax(&[f64::NEG_INFINITY, 0.0]), vec![0.0, 1.0]);
    }

    #[test]
    fn sigmoid_keeps_tiny_values() {
        assert_eq!(sigmoid(-740.0), 4.2e-322);
        assert_eq!(sigmoid(-745.2), 0.0);
        assert_eq!(sigmoid(800.0), 1.0);
        assert_eq!(sigmoid(0.0), 0.5);
    }

    #[test]
    fn relu_at_zero_follows_the_convention() {
        assert_eq!(relu_step(0.0, true), 1.0);
        assert_eq!(relu_step(0.0, false), 0.0);
        assert_eq!(relu_step(-1e-300, true), 0.0);
    }
}
