//! The lecture's worked example, number by number (reference section 4).

use crate::support::{Test, values};
use nntrace::network::Explainer;
use nntrace::scenario;
use nntrace::trace::{Policy, Trace};
use std::collections::HashMap;

/// Reference section 4, every value listed there.
const EXACT: &[(&str, f64)] = &[
    ("conv.out.f1", 0.2),
    ("conv.out.f2", 0.1),
    ("conv.out.f3", 0.0),
    ("conv.out.f4", 0.0),
    ("relu.out.r1", 0.2),
    ("relu.out.r2", 0.1),
    ("relu.out.r3", 0.0),
    ("relu.out.r4", 0.0),
    ("pool.out.A", 0.2),
    ("pool.out.B", 0.0),
    ("hidden.net.C", -0.02),
    ("hidden.net.D", 0.02),
    ("hidden.out.C", 0.495),
    ("hidden.out.D", 0.505),
    ("output.net.p1", 0.2010),
    ("output.net.p2", 0.1495),
    ("output.out.p1", 0.512872),
    ("output.out.p2", 0.487128),
    ("loss", 0.667729),
    ("loss.log10", 0.289991),
    ("output.w.w1", 0.1),
    ("output.w.w2", 0.2),
    ("output.w.w3", 0.3),
    ("output.w.w4", 0.1),
    ("hidden.w.w5", -0.1),
    ("hidden.w.w6", 0.1),
    ("hidden.w.w7", 0.2),
    ("hidden.w.w8", -0.1),
    ("conv.w.w1", 0.1),
    ("conv.w.w2", 0.1),
    ("output.wgrad.w1", -0.241128),
    ("output.wgrad.w2", 0.241128),
    ("output.wgrad.w3", -0.245999),
    ("output.wgrad.w4", 0.245999),
    ("hidden.wgrad.w5", 0.0024354),
    ("hidden.wgrad.w6", -0.00487079),
    ("hidden.wgrad.w7", 0.0),
    ("hidden.wgrad.w8", 0.0),
    ("conv.wgrad.w1", -0.00365309),
    ("conv.wgrad.w2", -0.00365309),
    ("output.dw.w1", 0.0231128),
    ("output.dw.w2", -0.0261128),
    ("output.dw.w3", 0.0215999),
    ("output.dw.w4", -0.0255999),
    ("hidden.dw.w5", 0.00075646),
    ("hidden.dw.w6", -0.000512921),
    ("hidden.dw.w7", -0.002),
    ("hidden.dw.w8", 0.001),
    ("conv.dw.w1", -0.000634691),
    ("conv.dw.w2", -0.000634691),
    ("output.new.w1", 0.123113),
    ("output.new.w2", 0.173887),
    ("output.new.w3", 0.321600),
    ("output.new.w4", 0.0744001),
    ("hidden.new.w5", -0.0992435),
    ("hidden.new.w6", 0.0994871),
    ("hidden.new.w7", 0.198),
    ("hidden.new.w8", -0.099),
    ("conv.new.w1", 0.0993653),
    ("conv.new.w2", 0.0993653),
    ("hidden.grad.C", 0.0487128),
    ("hidden.grad.D", -0.0974256),
    ("hidden.dact.C", 0.249975),
    ("hidden.dact.D", 0.249975),
    ("hidden.delta.C", 0.0121770),
    ("hidden.delta.D", -0.0243540),
    ("pool.grad.A", -0.00365309),
    ("pool.grad.B", 0.00487079),
    ("conv.grad.f1", -0.00365309),
    ("conv.grad.f2", 0.0),
    ("conv.grad.f3", 0.00487079),
    ("conv.grad.f4", 0.00487079),
    ("output.delta.p1", -0.487128),
    ("output.delta.p2", 0.487128),
];

#[test]
fn the_exact_trace_of_the_worked_example() {
    let got = values("seesaw-cnn", 0);
    for (id, want) in EXACT {
        let v = got.get(*id).unwrap_or_else(|| panic!("{id} is not traced"));
        assert!(
            (v - want).abs() < 1e-6,
            "{id}: {v} but the reference says {want}"
        );
    }
}

/// Each value of the printed tables with the id of its row: in a table whose header starts
/// with `id`, the cell under `value` on the row's first line; in the update table (`layer`,
/// `weight`, then `w (old)`, `∂L/∂w`, `Δw (held)`, `new w`), each of those four cells with
/// the id of that quantity of the row's weight (`output.new.w1`).
fn printed_values(tables: &str) -> Vec<(String, String)> {
    let mut header: Vec<String> = Vec::new();
    let mut values = Vec::new();
    for line in tables.lines() {
        let Some(inside) = line.strip_prefix('│') else {
            if line.starts_with('╭') {
                header.clear();
            }
            continue;
        };
        let cells: Vec<&str> = inside.split('│').map(str::trim).collect();
        if header.is_empty() {
            header = cells.iter().map(|c| c.to_string()).collect();
        } else if !cells[0].is_empty() {
            values.extend(row_values(&header, &cells));
        }
    }
    values
}

/// The (id, printed value) pairs of one table row under `header`.
fn row_values(header: &[String], cells: &[&str]) -> Vec<(String, String)> {
    let column = |name: &str| header.iter().position(|h| h == name);
    if header[0] == "id" {
        return column("value")
            .map(|v| (cells[0].to_string(), cells[v].to_string()))
            .into_iter()
            .collect();
    }
    let [layer, weight, ..] = cells else {
        return Vec::new();
    };
    [
        ("w (old)", "w"),
        ("∂L/∂w", "wgrad"),
        ("Δw (held)", "dw"),
        ("new w", "new"),
    ]
    .into_iter()
    .filter_map(|(name, kind)| column(name).map(|c| (kind, c)))
    .map(|(kind, c)| (format!("{layer}.{kind}.{weight}"), cells[c].to_string()))
    .collect()
}

#[test]
fn the_printed_table_shows_every_reference_number_in_its_row() {
    let mut t = Test::new().args(["trace", "seesaw-cnn"]).status(0);
    let out = t.stdout();
    let rows = printed_values(&out);
    for (id, want) in EXACT {
        let shown = nntrace::formula::number(*want, 6);
        let printed: Vec<&str> = rows
            .iter()
            .filter(|(row, _)| row == id)
            .map(|(_, value)| value.as_str())
            .collect();
        assert!(!printed.is_empty(), "{id} has no row");
        assert!(
            printed.iter().all(|&p| p == shown),
            "{id}: its rows show {printed:?}, the reference {shown}"
        );
    }
}

#[test]
fn the_json_carries_every_kind_of_quantity_id() {
    let mut t = Test::new()
        .args(["trace", "seesaw-cnn", "--format", "json"])
        .status(0);
    let json: serde_json::Value = serde_json::from_str(&t.stdout()).expect("valid JSON");
    let ids: Vec<&str> = json["quantities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    for id in [
        "input.out.In1",
        "conv.w.w1",
        "conv.out.f1",
        "relu.out.r1",
        "pool.out.A",
        "hidden.net.C",
        "hidden.out.C",
        "output.net.p1",
        "output.out.p1",
        "loss",
        "loss.log10",
        "loss.total",
        "output.delta.p1",
        "output.wgrad.w1",
        "output.dw.w1",
        "hidden.grad.C",
        "hidden.dact.C",
        "hidden.delta.C",
        "hidden.wgrad.w5",
        "hidden.dw.w5",
        "pool.grad.A",
        "relu.grad.r1",
        "relu.dact.r1",
        "conv.grad.f1",
        "conv.contrib.w2@3",
        "conv.wgrad.w1",
        "conv.dw.w1",
        "conv.new.w1",
        "hidden.new.w5",
        "output.new.w4",
    ] {
        assert!(ids.contains(&id), "{id} missing from the JSON");
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "ids are unique");
    assert_eq!(json["conventions"]["maxpool_ties"], "all");
    let b = json["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "pool.route.B")
        .unwrap();
    assert_eq!(
        b["from"],
        serde_json::json!(["r3", "r4"]),
        "the tie sends B's gradient to both"
    );
    let a = json["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "pool.route.A")
        .unwrap();
    assert_eq!(a["from"], serde_json::json!(["r1"]));
    assert_eq!(a["values"], serde_json::json!([0.2, 0.1]));
    let masks = json["masks"].as_array().unwrap();
    assert_eq!(masks.len(), 4);
    assert!(
        masks.iter().all(|m| m["passed"] == true),
        "ReLU passes at 0 under the slides' convention"
    );
}

#[test]
fn pytorch_conventions_block_at_zero_and_pick_the_first_tie() {
    let text = scenario::BUILTIN[0]
        .1
        .replace("relu_grad_at_zero: 1", "relu_grad_at_zero: 0")
        .replace("maxpool_ties: all", "maxpool_ties: first");
    let s = scenario::parse(&text, "test", "test").unwrap();
    let mut t = Trace::new(Policy::default());
    s.network.step(&s.setup, &s.data[0], &mut t);
    let ex = Explainer::new(&s.network, &s.setup, &s.data[0], &t);
    let v: HashMap<String, f64> = t.entries.iter().map(|e| (ex.id(e.key), e.value)).collect();
    assert!(
        (v["relu.grad.r3"] - 0.00487079).abs() < 1e-8,
        "the first tied input gets B's gradient"
    );
    assert_eq!(v["relu.grad.r4"], 0.0, "first tie only");
    assert_eq!(v["conv.grad.f3"], 0.0, "blocked at exactly 0");
}

#[test]
fn a_training_step_applies_exactly_the_traced_new_weights() {
    let s = scenario::load("seesaw-cnn").unwrap();
    let p = &s.data[0];
    let mut t = Trace::new(Policy::default());
    let step = s.network.step(&s.setup, p, &mut t);
    let untraced = s.network.step(&s.setup, p, &mut nntrace::trace::Untraced);
    assert_eq!(
        step, untraced,
        "the untraced path computes bit for bit the same"
    );
    let mut net = s.network.clone();
    net.apply(&untraced);
    let ex = Explainer::new(&s.network, &s.setup, p, &t);
    for e in t
        .entries
        .iter()
        .filter(|e| e.key.kind == nntrace::trace::Kind::New)
    {
        let layer = net.layer(e.key.layer).unwrap();
        assert_eq!(
            layer.param(e.key.index as usize),
            e.value,
            "{}",
            ex.id(e.key)
        );
    }
}
