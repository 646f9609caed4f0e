//! Hand-calculation mode: every printed line, re-typed into a calculator, gives the
//! printed result.

use crate::support::{Test, eval::eval};
use nntrace::formula::round_sig;

pub(crate) fn retype_every_line(scenario: &str, pattern: &str, digits: u32) {
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
    for q in quantities {
        let id = q["id"].as_str().unwrap();
        let printed = q["value"].as_f64().unwrap();
        let formula = q["substituted"].as_str().unwrap();
        let retyped =
            eval(formula).unwrap_or_else(|e| panic!("{id}: cannot re-type {formula:?}: {e}"));
        let rounded = round_sig(retyped, digits);
        assert!(
            rounded == printed || (rounded - printed).abs() <= 1e-12 * printed.abs().max(1.0),
            "{id}: {formula} = {retyped}, rounds to {rounded}, but {printed} is printed"
        );
        assert_eq!(
            round_sig(printed, digits),
            printed,
            "{id}: the printed value is itself rounded"
        );
    }
}

#[test]
fn every_line_of_the_seesaw_cnn_can_be_retyped_at_3_digits() {
    retype_every_line("seesaw-cnn", "0", 3);
}

#[test]
fn every_line_of_every_builtin_and_pattern_can_be_retyped() {
    for s in ["seesaw-cnn", "seesaw-mlp-sigmoid", "seesaw-mlp-softmax"] {
        for p in ["0", "1", "2", "3"] {
            retype_every_line(s, p, 2);
            retype_every_line(s, p, 4);
        }
    }
}

#[test]
fn hand_calculation_carries_the_rounded_values_forward() {
    let mut t = Test::new()
        .args(["trace", "seesaw-cnn", "--round", "2", "--format", "json"])
        .status(0);
    let json: serde_json::Value = serde_json::from_str(&t.stdout()).unwrap();
    let q = |id: &str| {
        json["quantities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["id"] == id)
            .unwrap()
            .clone()
    };
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
