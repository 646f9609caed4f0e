//! Numbers as a hand calculation sees them: a loss that stays finite where the
//! mathematics is, tiny sigmoid values, sums that are exactly 0 in decimal, ties equal in
//! decimal, and calculator rounding (the scenarios are in `tests/scenarios/`).

use crate::support::random::{TIES, decimal, decimal_network};
use crate::support::{Test, values};
use nntrace::scenario;
use nntrace::trace::{Key, Kind, Policy, Trace};
use proptest::prelude::*;
use std::collections::HashMap;

fn at(v: &HashMap<String, f64>, id: &str) -> f64 {
    *v.get(id).unwrap_or_else(|| panic!("no quantity {id}"))
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut t = Test::new().args(args.iter().copied()).status(0);
    serde_json::from_str(&t.stdout()).expect("JSON")
}

fn quantity<'j>(json: &'j serde_json::Value, id: &str) -> &'j serde_json::Value {
    json["quantities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == id)
        .unwrap_or_else(|| panic!("no quantity {id}"))
}

const CE_800: &str = "tests/scenarios/cross-entropy-800.yaml";

#[test]
fn cross_entropy_of_scores_0_and_800_is_800() {
    let v = values(CE_800, 0);
    assert_eq!(
        at(&v, "output.out.p1"),
        0.0,
        "e^(−800) is below every double"
    );
    assert_eq!(at(&v, "loss"), 800.0);
    assert_eq!(at(&v, "loss.log10"), 800.0 / std::f64::consts::LN_10);
    assert_eq!(at(&v, "loss.total"), 800.0);
    assert_eq!(at(&v, "output.delta.p1"), -1.0);
    assert_eq!(at(&v, "output.delta.p2"), 1.0);
    let j = json(&["trace", CE_800, "--format", "json"]);
    assert_eq!(quantity(&j, "loss")["value"], 800.0);
    assert_eq!(
        quantity(&j, "loss")["substituted"],
        "800 − 0 + ln(1 + e^(0 − 800))"
    );
    assert_eq!(quantity(&j, "loss.log10")["value"], 347.43558552260146);
    assert_eq!(quantity(&j, "loss.log10")["substituted"], "800 / ln(10)");
}

/// One softmax layer with scores 0 and `gap`, target 0, as a scenario file.
fn scores(gap: &str) -> String {
    format!(
        "data:\n  - {{input: [1], target: 0}}\nlearning_rate: 0.1\nloss: cross_entropy\n\
         layers:\n  - dense: {{activation: softmax, weights: [[0], [{gap}]]}}\n"
    )
}

#[test]
fn the_loss_keeps_every_digit_past_a_gap_of_708() {
    for (gap, loss) in [(740.0, 740.0), (708.5, 708.5), (1e6, 1e6), (700.0, 700.0)] {
        let s = scenario::parse(&scores(&gap.to_string()), "gap", "gap").unwrap();
        let got = s.network.loss(&s.setup, &s.data[0]);
        assert!(
            (got - loss).abs() <= 1e-15 * loss,
            "gap {gap}: loss {got}, not {loss}"
        );
    }
}

#[test]
fn a_run_through_a_huge_loss_trains_and_an_infinite_loss_is_a_divergence() {
    let j = json(&["train", CE_800, "--epochs", "3", "--format", "json"]);
    let losses: Vec<f64> = j["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["loss"].as_f64().expect("a finite loss, not null"))
        .collect();
    assert_eq!(losses.len(), 4);
    assert_eq!(losses[0], 800.0);
    assert_eq!(j["diverged_at"], serde_json::Value::Null);
    Test::new()
        .args(["train", "tests/scenarios/infinite-scores.yaml"])
        .status(2)
        .stderr_has("the run diverged at epoch 1");
}

#[test]
fn sigmoid_of_minus_740_is_tiny_and_the_relu_after_it_passes() {
    let v = values("tests/scenarios/sigmoid-underflow.yaml", 0);
    assert_eq!(at(&v, "tiny.out.s"), 4.2e-322);
    assert_eq!(at(&v, "gate.net.r"), 4.2e-322);
    assert_eq!(at(&v, "gate.dact.r"), 1.0, "4.2e−322 > 0: the ReLU passes");
    assert_eq!(at(&v, "gate.delta.r"), -1.0);
    assert_eq!(at(&v, "tiny.grad.s"), -1.0);
    assert_eq!(at(&v, "tiny.dact.s"), 4.2e-322);
    assert_eq!(at(&v, "tiny.delta.s"), -4.2e-322);
    assert_eq!(at(&v, "tiny.wgrad.w_s_x1"), -4.2e-322);
    Test::new()
        .args(["trace", "tests/scenarios/sigmoid-underflow.yaml"])
        .status(0)
        .stdout_has("= σ(−740)")
        .stdout_has("= [4.2e−322 > 0]");
}

#[test]
fn a_net_that_is_zero_in_decimal_is_exactly_zero_and_the_relu_passes_at_zero() {
    let v = values("tests/scenarios/exact-zero-net.yaml", 0);
    assert_eq!(at(&v, "hidden.net.h").to_bits(), 0.0f64.to_bits());
    assert_eq!(
        at(&v, "hidden.dact.h"),
        1.0,
        "relu_grad_at_zero: 1 passes at 0"
    );
    assert_eq!(at(&v, "hidden.grad.h"), -0.5);
    assert_eq!(at(&v, "hidden.delta.h"), -0.5);
    for w in ["w_h_x1", "w_h_x2", "w_h_x3", "b_h"] {
        assert_eq!(at(&v, &format!("hidden.wgrad.{w}")), -0.5, "{w}");
    }
    Test::new()
        .args(["trace", "tests/scenarios/exact-zero-net.yaml"])
        .status(0)
        .stdout_has("= [0 ≥ 0]");
}

#[test]
fn values_equal_in_decimal_tie_in_a_pooling_window() {
    let v = values("tests/scenarios/decimal-tie.yaml", 0);
    assert_eq!(at(&v, "conv.out.conv1").to_bits(), 0.3f64.to_bits());
    assert_eq!(at(&v, "conv.out.conv3").to_bits(), 0.3f64.to_bits());
    assert_eq!(at(&v, "conv.grad.conv1"), -0.7);
    assert_eq!(at(&v, "conv.grad.conv2"), 0.0);
    assert_eq!(at(&v, "conv.grad.conv3"), -0.7, "maxpool_ties: all");
    let j = json(&[
        "trace",
        "tests/scenarios/decimal-tie.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(
        j["routes"][0]["from"],
        serde_json::json!(["conv1", "conv3"])
    );
}

#[test]
fn a_half_rounds_away_from_zero_and_a_zero_prints_0() {
    let path = "tests/scenarios/calculator-half.yaml";
    let v = values(path, 0);
    assert_eq!(at(&v, "output.net.y1").to_bits(), 1.235f64.to_bits());
    assert_eq!(at(&v, "output.net.y2").to_bits(), 0.0f64.to_bits());
    let j = json(&["trace", path, "--round", "3", "--format", "json"]);
    assert_eq!(quantity(&j, "output.net.y1")["value"], 1.24);
    assert_eq!(
        quantity(&j, "output.net.y1")["substituted"],
        "1·0.71 + 1·0.525 + 1·0"
    );
    assert_eq!(quantity(&j, "output.net.y2")["value"], 0.0);
    Test::new()
        .args(["trace", path, "--round", "3"])
        .status(0)
        .stdout_has("│  1.24 │")
        .stdout_has("│     0 │");
}

/// What the trace recorded at `layer.kind.index` (layers counted from 1).
fn recorded(t: &Trace, layer: u16, kind: Kind, index: usize) -> f64 {
    t.value(Key::new(layer, kind, index))
        .unwrap_or_else(|| panic!("nothing recorded at {layer}.{kind:?}.{index}"))
}

/// 1 where a ReLU with this input passes the gradient, worked in decimal.
fn passes(input: i64, at_zero: bool) -> f64 {
    f64::from(u8::from(input > 0 || (input == 0 && at_zero)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Networks of two-decimal weights and 0/1 inputs, planted with nets that are exactly
    /// 0 and pooling windows that tie in decimal: every value is the decimal one, every
    /// ReLU follows `relu_grad_at_zero` exactly at 0, every window routes its tie by the
    /// rule — as the hand calculation, in integers here, says.
    #[test]
    fn relu_and_pooling_decide_as_in_decimal_arithmetic(net in decimal_network()) {
        let text = net.yaml();
        let s = scenario::parse(&text, "planted", "planted").unwrap_or_else(|e| panic!("{e}\n{text}"));
        let t = s.trace(0, Policy::default());
        let (conv, relu, pool, hidden) = (1, 2, 3, 4);
        let as_double = |n: i64, places| decimal(n, places).parse::<f64>().unwrap();
        let f = net.conv();
        for (k, &fk) in f.iter().enumerate() {
            prop_assert_eq!(recorded(&t, conv, Kind::Out, k).to_bits(), as_double(fk, 2).to_bits(), "conv {} of\n{}", k, text);
            prop_assert_eq!(recorded(&t, relu, Kind::Dact, k), passes(fk, net.relu_grad_at_zero), "ReLU {} of\n{}", k, text);
        }
        let r: Vec<i64> = f.iter().map(|&v| v.max(0)).collect();
        let routes: Vec<_> = t.routes().collect();
        prop_assert_eq!(routes.len(), r.len() - net.pool + 1);
        for (o, route) in routes.iter().enumerate() {
            let window = &r[o..o + net.pool];
            let top = *window.iter().max().unwrap();
            let mut tied: Vec<u32> = (0..net.pool).filter(|&i| window[i] == top).map(|i| (o + i) as u32).collect();
            if TIES[net.ties] == "first" {
                tied.truncate(1);
            }
            prop_assert_eq!(route.chosen, &tied[..], "window {} of\n{}", o, text);
            prop_assert_eq!(recorded(&t, pool, Kind::Out, o).to_bits(), as_double(top, 2).to_bits());
        }
        for (u, &net_u) in net.hidden_nets().iter().enumerate() {
            prop_assert_eq!(recorded(&t, hidden, Kind::Net, u).to_bits(), as_double(net_u, 4).to_bits(), "hidden {} of\n{}", u, text);
            prop_assert_eq!(recorded(&t, hidden, Kind::Dact, u), passes(net_u, net.relu_grad_at_zero), "hidden ReLU {} of\n{}", u, text);
        }
    }
}
