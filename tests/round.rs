//! Hand-calculation mode: every printed line, re-typed into a calculator, gives the
//! printed result — rounded as a calculator rounds: a line that is decimal arithmetic
//! (numbers, +, −, ·, ², max, [ ]) is evaluated exactly, in decimal, and must print that
//! value rounded half away from zero (a half such as 1.235 → 1.24 at 3 digits), and 0
//! where its operands give exactly 0.

use crate::support::random::decimal_network;
use crate::support::{Test, eval::eval_exact};
use nntrace::formula::round_sig;
use nntrace::render;
use nntrace::scenario;
use nntrace::trace::Policy;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

/// How many lines were re-typed, and how many of them were exact halves or exact zeros.
#[derive(Default, Debug)]
pub struct Tally {
    lines: usize,
    exact: usize,
    halves: usize,
    zeros: usize,
}

/// Re-types one printed line `formula` whose printed value is `printed`.
fn retype(id: &str, formula: &str, printed: f64, digits: u32, tally: &mut Tally) {
    let (retyped, exact) =
        eval_exact(formula).unwrap_or_else(|e| panic!("{id}: cannot re-type {formula:?}: {e}"));
    tally.lines += 1;
    assert_eq!(
        round_sig(printed, digits),
        printed,
        "{id}: the printed value is itself rounded"
    );
    match exact {
        Some(d) => {
            let (expected, half) = d.round_sig(digits);
            tally.exact += 1;
            tally.halves += usize::from(half);
            tally.zeros += usize::from(d.is_zero());
            assert_eq!(
                printed.to_bits(),
                expected.to_bits(),
                "{id}: {formula} is exactly {d:?}, which a calculator rounds to {expected}, \
                 but {printed} is printed"
            );
        }
        None => {
            let rounded = round_sig(retyped, digits);
            assert!(
                rounded == printed || (rounded - printed).abs() <= 1e-12 * printed.abs().max(1.0),
                "{id}: {formula} = {retyped}, rounds to {rounded}, but {printed} is printed"
            );
        }
    }
}

pub fn retype_every_line(scenario: &str, pattern: &str, digits: u32) -> Tally {
    let round = digits.to_string();
    let mut t = Test::new()
        .args([
            "trace",
            scenario,
            "--pattern",
            pattern,
            "--round",
            &round,
            "--format",
            "json",
        ])
        .status(0);
    let json: serde_json::Value = serde_json::from_str(&t.stdout()).unwrap();
    let quantities = json["quantities"].as_array().unwrap();
    assert!(quantities.len() > 20);
    let mut tally = Tally::default();
    for q in quantities {
        let id = q["id"].as_str().unwrap();
        let printed = q["value"].as_f64().unwrap();
        let formula = q["substituted"].as_str().unwrap();
        retype(id, formula, printed, digits, &mut tally);
    }
    tally
}

/// Re-types every substituted formula of a `--round digits` JSON trace.
pub fn retype_json(json: &serde_json::Value, digits: u32) -> Tally {
    let mut tally = Tally::default();
    for q in json["quantities"].as_array().unwrap() {
        let id = q["id"].as_str().unwrap();
        let printed = q["value"].as_f64().unwrap();
        let formula = q["substituted"].as_str().unwrap();
        retype(id, formula, printed, digits, &mut tally);
    }
    tally
}

#[test]
fn every_line_of_the_seesaw_cnn_can_be_retyped_at_3_digits() {
    let tally = retype_every_line("seesaw-cnn", "0", 3);
    assert!(tally.exact > 40 && tally.zeros > 10, "{tally:?}");
}

#[test]
fn every_line_of_the_2d_builtins_can_be_retyped_at_3_digits() {
    for name in ["conv2d-4x4", "conv2d-pad", "conv2d-rgb", "lenet-mini"] {
        let tally = retype_every_line(name, "0", 3);
        assert!(tally.exact > 40, "{name}: {tally:?}");
    }
}

#[test]
fn every_line_of_every_builtin_and_pattern_can_be_retyped() {
    // lenet-mini (130,000 lines) is re-typed once, at 3 digits, above.
    for s in scenario::builtins()
        .into_iter()
        .filter(|s| s.name != "lenet-mini")
    {
        for p in 0..s.data.len().min(4) {
            retype_every_line(&s.name, &p.to_string(), 2);
            retype_every_line(&s.name, &p.to_string(), 4);
        }
    }
}

/// 200 random networks of two-decimal weights and 0/1 inputs (the same every run), every
/// line at `--round 3`: the halves go away from zero and the exact zeros print 0 — and
/// there are plenty of both.
#[test]
fn halves_go_away_from_zero_and_zeros_print_0_on_random_decimal_networks() {
    let mut runner = TestRunner::deterministic();
    let mut tally = Tally::default();
    for _ in 0..200 {
        let net = decimal_network().new_tree(&mut runner).unwrap().current();
        let s = scenario::parse(&net.yaml(), "random", "random").unwrap();
        let t = s.trace(
            0,
            Policy {
                round: Some(3),
                ..Policy::default()
            },
        );
        let ex = s.explainer(0, &t);
        for row in render::rows(&ex, 6) {
            retype(&row.id, &row.substituted, row.value, 3, &mut tally);
        }
    }
    assert!(tally.halves >= 50, "too few halves to tell: {tally:?}");
    assert!(tally.zeros >= 200, "too few zeros to tell: {tally:?}");
}

#[test]
fn a_large_softmax_names_its_sums_and_every_line_can_still_be_retyped() {
    for p in ["0", "1"] {
        for digits in [2, 3, 4] {
            retype_every_line("tests/scenarios/softmax-six.yaml", p, digits);
        }
    }
    let mut t = Test::new()
        .args([
            "trace",
            "tests/scenarios/softmax-six.yaml",
            "--format",
            "json",
        ])
        .status(0);
    let json: serde_json::Value = serde_json::from_str(&t.stdout()).unwrap();
    let q = |id: &str| quantity(&json, id);
    assert_eq!(q("out.out.out3")["formula"], "e^f@out3 / Σe^f");
    assert_eq!(q("out.delta.out3")["formula"], "out3·(∂L/∂out3 − Σ∂L/∂p·p)");
}

#[test]
fn hand_calculation_carries_the_rounded_values_forward() {
    let mut t = Test::new()
        .args(["trace", "seesaw-cnn", "--round", "2", "--format", "json"])
        .status(0);
    let json: serde_json::Value = serde_json::from_str(&t.stdout()).unwrap();
    let q = |id: &str| quantity(&json, id);
    assert_eq!(
        q("hidden.out.C")["value"],
        0.5,
        "σ(−0.02) = 0.495 rounds to 0.50 at two digits"
    );
    assert_eq!(
        q("output.net.p1")["substituted"],
        "0.5·0.1 + 0.5·0.3",
        "the rounded C and D are used"
    );
}

/// The quantity `id` of a JSON trace (the test fails when there is none).
#[track_caller]
fn quantity(json: &serde_json::Value, id: &str) -> serde_json::Value {
    let found = json["quantities"]
        .as_array()
        .expect("a JSON trace lists its quantities")
        .iter()
        .find(|q| q["id"] == id);
    found.unwrap_or_else(|| panic!("no quantity {id}")).clone()
}
