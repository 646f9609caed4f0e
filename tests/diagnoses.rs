//! The seven 1-D diagnosis codes, each planted twice in different networks (its value worked
//! out here from the exact values), a value two mistakes reproduce, a slip whose value
//! looks like a flipped sign, and overlapping pooling windows.

use crate::support::values;
use nntrace::check::{self, Judged, Verdict, answers};
use nntrace::formula::plain_number;
use nntrace::scenario;
use std::collections::HashMap;

const STRIDE2: &str = "tests/scenarios/cnn-stride2-overlap.yaml";
const SQUARED: &str = "tests/scenarios/cnn-squared-error.yaml";

/// Judges one answer, written to 6 significant digits, alone in its answers file.
pub(crate) fn judge_one(name: &str, pattern: usize, id: &str, value: f64) -> Judged {
    let s = scenario::load(name).unwrap();
    let text = format!(
        "pattern: {pattern}\nanswers:\n  {id}: {}\n",
        plain_number(value, 6)
    );
    let file = answers::parse(&text, "planted.yaml").unwrap();
    let report = check::check(&s, pattern, &file);
    report.answers.into_iter().next().unwrap()
}

struct Plant {
    scenario: &'static str,
    pattern: usize,
    id: &'static str,
    value: fn(&HashMap<String, f64>) -> f64,
    code: &'static str,
}

fn plants() -> Vec<Plant> {
    let p = |scenario, pattern, id, value, code| Plant {
        scenario,
        pattern,
        id,
        value,
        code,
    };
    vec![
        // f2 from In1..In2, one input too early (seesaw: stride 1).
        p(
            "seesaw-cnn",
            0,
            "conv.out.f2",
            |v| v["input.out.In1"] * v["conv.w.w1"] + v["input.out.In2"] * v["conv.w.w2"],
            "receptive-field-shift",
        ),
        // f2 from x2..x4: the stride of 2 ignored.
        p(
            STRIDE2,
            0,
            "conv.out.f2",
            |v| {
                v["input.out.x2"] * v["conv.w.w1"]
                    + v["input.out.x3"] * v["conv.w.w2"]
                    + v["input.out.x4"] * v["conv.w.w3"]
            },
            "receptive-field-shift",
        ),
        // ∂L/∂w1 = Σ_k ∂L/∂f_k, the inputs left out.
        p(
            "seesaw-cnn",
            0,
            "conv.wgrad.w1",
            |v| v["conv.grad.f1"] + v["conv.grad.f2"] + v["conv.grad.f3"] + v["conv.grad.f4"],
            "filter-sum-without-input",
        ),
        // … and carried into Δw1 = −α(∂L/∂w1 + λ·w1).
        p(
            STRIDE2,
            0,
            "conv.dw.w1",
            |v| {
                let sum = v["conv.grad.f1"] + v["conv.grad.f2"] + v["conv.grad.f3"];
                -0.5 * (sum + 0.1 * v["conv.w.w1"])
            },
            "filter-sum-without-input",
        ),
        // ∂L/∂w1 from position 3 alone (positions 2 and 3 both carry a gradient).
        p(
            "seesaw-cnn",
            1,
            "conv.wgrad.w1",
            |v| v["conv.contrib.w1@3"],
            "unsummed-filter-gradient",
        ),
        p(
            SQUARED,
            1,
            "conv.dw.w2",
            |v| -0.1 * (v["conv.contrib.w2@2"] + 0.1 * v["conv.w.w2"]),
            "unsummed-filter-gradient",
        ),
        // ½Σ(t − y)² differentiated as 2(y − t).
        p(
            "seesaw-mlp-sigmoid",
            0,
            "output.grad.y1",
            |v| 2.0 * (v["output.out.y1"] - 1.0),
            "missing-half",
        ),
        // Σ(t − y)² differentiated as (y − t), carried into the output delta.
        p(
            SQUARED,
            0,
            "output.delta.y2",
            |v| (v["output.out.y2"] - 0.0) * v["output.dact.y2"],
            "missing-half",
        ),
        // 1 taken off a p that is not the target's.
        p(
            "seesaw-cnn",
            0,
            "output.delta.p2",
            |v| v["output.out.p2"] - 1.0,
            "p-minus-1-everywhere",
        ),
        p(
            "seesaw-mlp-softmax",
            2,
            "output.wgrad.w_p1_C",
            |v| (v["output.out.p1"] - 1.0) * v["hidden.out.C"],
            "p-minus-1-everywhere",
        ),
        // ∂L/∂w1 (p1 ← C) taken with D.
        p(
            "seesaw-cnn",
            0,
            "output.wgrad.w1",
            |v| v["output.delta.p1"] * v["hidden.out.D"],
            "wrong-weight-index",
        ),
        p(
            STRIDE2,
            0,
            "output.wgrad.v1",
            |v| v["output.delta.p1"] * v["pool.out.Q"],
            "wrong-weight-index",
        ),
        // r3 and r4 tie for B: under `first` r4 gets nothing (the slides: `all`).
        p("seesaw-cnn", 0, "relu.grad.r4", |_| 0.0, "tie-convention"),
        // r1 and r2 tie for P: under `all` r2 gets P's whole gradient (here: `first`).
        p(
            STRIDE2,
            0,
            "relu.grad.r2",
            |v| v["pool.grad.P"],
            "tie-convention",
        ),
        // Overlapping windows: r2 is in P's and Q's; Q's gradient sent to r2, not r3.
        p(
            STRIDE2,
            0,
            "relu.grad.r2",
            |v| v["pool.grad.Q"],
            "wrong-pool-input",
        ),
    ]
}

#[test]
fn every_new_code_is_named_where_it_is_planted() {
    let mut planted: HashMap<&str, usize> = HashMap::new();
    for plant in plants() {
        let v = values(plant.scenario, plant.pattern);
        let value = (plant.value)(&v);
        let case = format!("{} {} = {value}", plant.scenario, plant.id);
        assert!(
            (value - v[plant.id]).abs() > 1e-6,
            "{case}: the planted value must differ from the exact one"
        );
        let j = judge_one(plant.scenario, plant.pattern, plant.id, value);
        assert_eq!(j.verdict, Verdict::Wrong, "{case}");
        assert_eq!(
            j.diagnosis(),
            Some(plant.code),
            "{case}: {:?} {:?}",
            j.diagnoses,
            j.explanation
        );
        *planted.entry(plant.code).or_default() += 1;
    }
    for code in [
        "receptive-field-shift",
        "filter-sum-without-input",
        "unsummed-filter-gradient",
        "missing-half",
        "p-minus-1-everywhere",
        "wrong-weight-index",
        "tie-convention",
    ] {
        assert_eq!(planted.get(code), Some(&2), "{code} is planted twice");
    }
}

#[test]
fn a_tie_is_explained_by_the_tie_and_the_convention() {
    let j = judge_one("seesaw-cnn", 0, "relu.grad.r4", 0.0);
    assert_eq!(j.diagnoses, ["tie-convention"]);
    assert_eq!(
        j.explanation.as_deref(),
        Some(
            "r3 and r4 tie at 0 for B; under `first` only r3 gets B's gradient, but this \
             scenario's maxpool_ties is `all`: each gets it whole"
        )
    );
    let v = values(STRIDE2, 0);
    let j = judge_one(STRIDE2, 0, "relu.grad.r2", v["pool.grad.P"] / 2.0);
    assert_eq!(j.diagnoses, ["tie-convention"]);
    assert_eq!(
        j.explanation.as_deref(),
        Some(
            "r1 and r2 tie at 0 for P; under `split` they share P's gradient equally, but this \
             scenario's maxpool_ties is `first`: only r1 gets it"
        )
    );
}

#[test]
fn a_value_two_mistakes_reproduce_names_both_the_more_specific_first() {
    // ∂L/∂f4 = 0: r4's share of B's gradient lost to the `first` tie rule, or f4 = 0
    // blocked by the other ReLU-at-zero convention.
    let j = judge_one("seesaw-cnn", 0, "conv.grad.f4", 0.0);
    assert_eq!(j.diagnoses, ["tie-convention", "relu-at-zero"]);
    assert_eq!(
        j.explanation.as_deref(),
        Some(
            "r3 and r4 tie at 0 for B; under `first` only r3 gets B's gradient, but this \
             scenario's maxpool_ties is `all`: each gets it whole; or relu-at-zero: at an \
             input of exactly 0 this scenario's ReLU passes the gradient (relu_grad_at_zero: \
             1); your value uses the other convention"
        )
    );
}

#[test]
fn a_stride_slip_that_looks_like_a_flipped_sign_is_named_for_what_it_is() {
    let v = values(STRIDE2, 0);
    // f2 = x3·w1 + x4·w2 + x5·w3 = −0.1; from x2..x4 it is +0.1.
    let slipped = v["input.out.x2"] * v["conv.w.w1"]
        + v["input.out.x3"] * v["conv.w.w2"]
        + v["input.out.x4"] * v["conv.w.w3"];
    assert!((slipped + v["conv.out.f2"]).abs() < 1e-12);
    let j = judge_one(STRIDE2, 0, "conv.out.f2", slipped);
    assert_eq!(j.diagnoses, ["receptive-field-shift"], "no sign-flip");
    assert_eq!(
        j.explanation.as_deref(),
        Some(
            "f2 reads x3..x5 (stride 2): f2 = x3·w1 + x4·w2 + x5·w3; your value uses another \
             window"
        )
    );
    // A flipped sign on the way back is still one.
    let j = judge_one(STRIDE2, 0, "conv.grad.f3", -v["conv.grad.f3"]);
    assert_eq!(j.diagnoses, ["sign-flip"]);
}

#[test]
fn a_gradient_misrouted_in_an_overlapping_window_names_both_windows() {
    let v = values(STRIDE2, 0);
    let j = judge_one(STRIDE2, 0, "relu.grad.r2", v["pool.grad.Q"]);
    assert_eq!(j.diagnoses, ["wrong-pool-input"]);
    assert_eq!(
        j.explanation.as_deref(),
        Some(
            "the gradient of P goes only to the input that held the maximum: max(0, 0) = 0 \
             comes from r1; 0 is r2; the gradient of Q goes only to the input that held the \
             maximum: max(0, 0.3) = 0.3 comes from r3; 0 is r2"
        )
    );
}
