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

const PADDED_1D: &str = "tests/scenarios/conv1d-padded.yaml";

/// Σ_j x_(start + j)·w_j over a window starting at cell `start` of the 1-D input padded
/// by 2 (padded cells 0), worked out here from the exact values.
fn padded_window(v: &HashMap<String, f64>, start: usize) -> f64 {
    (0..3)
        .map(|j| {
            let x = match start + j {
                p @ 2..=6 => v[&format!("input.out.x{}", p - 1)],
                _ => 0.0,
            };
            x * v[&format!("conv.w.w{}", j + 1)]
        })
        .sum()
}

#[test]
fn a_padded_1d_window_one_cell_off_is_a_receptive_field_shift() {
    let v = values(PADDED_1D, 0);
    // f1 reads (0, 0, x1); one cell later (0, x1, x2) — a padded 0 still read as 0.
    // f4 reads (x5, 0, 0); one cell earlier (x4, x5, 0).
    for (id, start) in [("conv.out.f1", 1), ("conv.out.f4", 5)] {
        let slipped = padded_window(&v, start);
        assert!((slipped - v[id]).abs() > 1e-6, "{id}: {slipped}");
        let j = judge_one(PADDED_1D, 0, id, slipped);
        assert_eq!(j.verdict, Verdict::Wrong, "{id}");
        assert_eq!(j.diagnoses, ["receptive-field-shift"], "{id}");
    }
    let j = judge_one(PADDED_1D, 0, "conv.out.f1", padded_window(&v, 1));
    assert_eq!(
        j.explanation.as_deref(),
        Some(
            "f1 reads x1 (stride 2, padding 2: padded cells are 0): f1 = 0·w1 + 0·w2 + x1·w3; \
             your value uses another window"
        )
    );
    // f2 with the stride ignored: its window at cell 1, (0, x1, x2).
    let j = judge_one(PADDED_1D, 0, "conv.out.f2", padded_window(&v, 1));
    assert_eq!(j.diagnoses, ["receptive-field-shift"]);
}

/// Σ x1_(r+u)_(c+v)·w1_1_(u+1)_(v+1) + b1 of conv2d-4x4 (2 × 2 kernel, no padding) for a
/// window whose top-left input is (r, c), counted from 1, from the exact values.
fn window_4x4(v: &HashMap<String, f64>, r: usize, c: usize) -> f64 {
    let mut sum = v["conv.w.b1"];
    for u in 0..2 {
        for w in 0..2 {
            sum += v[&format!("input.out.x1_{}_{}", r + u, c + w)]
                * v[&format!("conv.w.w1_1_{}_{}", u + 1, w + 1)];
        }
    }
    sum
}

#[test]
fn a_2d_window_one_row_or_column_off_is_a_receptive_field_shift() {
    let v = values("conv2d-4x4", 0);
    // f1_2_3 reads x1_2_3..x1_3_4: one row up or down, one column left or right.
    for (r, c) in [(1, 3), (3, 3), (2, 2), (2, 4)] {
        let slipped = window_4x4(&v, r, c);
        let case = format!("window at x1_{r}_{c}: {slipped}");
        assert!((slipped - v["conv.out.f1_2_3"]).abs() > 1e-6, "{case}");
        let j = judge_one("conv2d-4x4", 0, "conv.out.f1_2_3", slipped);
        assert_eq!(j.verdict, Verdict::Wrong, "{case}");
        assert_eq!(j.diagnoses, ["receptive-field-shift"], "{case}");
        assert_eq!(
            j.explanation.as_deref(),
            Some(
                "f1_2_3 (stride 1): receptive field x1_2_3..x1_3_4; your value uses the window \
                 one row or one column off"
            ),
            "{case}"
        );
    }
    // Two off is no slip of the window.
    let j = judge_one("conv2d-4x4", 0, "conv.out.f1_2_3", window_4x4(&v, 4, 3));
    assert!(
        !j.diagnoses.contains(&"receptive-field-shift"),
        "{:?}",
        j.diagnoses
    );
}

/// A window is only moved where it still fits: a corner cell has two neighbours.
#[test]
fn a_2d_window_slips_only_within_the_input() {
    let s = scenario::load("conv2d-4x4").unwrap();
    let nntrace::network::Layer::Conv2d(conv) = &s.network.layers[0] else {
        panic!("conv2d-4x4 starts with a conv2d");
    };
    assert_eq!(conv.slipped_origins(0), [[0, 1], [1, 0]]);
    assert_eq!(conv.slipped_origins(15), [[2, 3], [3, 2]]);
    assert_eq!(
        conv.slipped_origins(6),
        [[0, 2], [1, 1], [1, 3], [2, 2]],
        "up, left, right, down of f1_2_3"
    );
}

/// Σ x̃·w + b1 of conv2d-pad (3 × 3 kernel on a 5 × 5 input padded by 1) for a window whose
/// top-left cell is (r, c) of the padded input, counted from 0; padded cells 0.
fn window_pad(v: &HashMap<String, f64>, r: usize, c: usize) -> f64 {
    let mut sum = v["conv.w.b1"];
    for u in 0..3 {
        for w in 0..3 {
            let (row, col) = (r + u, c + w);
            if (1..=5).contains(&row) && (1..=5).contains(&col) {
                sum += v[&format!("input.out.x1_{row}_{col}")]
                    * v[&format!("conv.w.w1_1_{}_{}", u + 1, w + 1)];
            }
        }
    }
    sum
}

#[test]
fn a_padded_strided_2d_window_off_by_one_or_without_the_stride_is_named() {
    let v = values("conv2d-pad", 0);
    // f1_1_1's window starts at padded (0, 0): one row down it still reads the padded
    // column; f1_2_2's at (2, 2): with the stride ignored at (1, 1).
    for (id, r, c) in [("conv.out.f1_1_1", 1, 0), ("conv.out.f1_2_2", 1, 1)] {
        let slipped = window_pad(&v, r, c);
        let case = format!("{id} from ({r}, {c}): {slipped}");
        assert!((slipped - v[id]).abs() > 1e-6, "{case}");
        let j = judge_one("conv2d-pad", 0, id, slipped);
        assert_eq!(j.verdict, Verdict::Wrong, "{case}");
        assert_eq!(j.diagnoses, ["receptive-field-shift"], "{case}");
    }
    let j = judge_one("conv2d-pad", 0, "conv.out.f1_1_1", window_pad(&v, 1, 0));
    assert_eq!(
        j.explanation.as_deref(),
        Some(
            "f1_1_1 (stride 2): receptive field x1_1_1..x1_2_2; 5 padded 0s (shown as 0); \
             your value uses the window one row or one column off, or the stride ignored"
        )
    );
}
