//! One-output networks and the two textbook examples built in: Mazur's 2-2-2 network,
//! every value of his post, and Negnevitsky's XOR network.

use crate::support::{Test, values};
use nntrace::scenario;
use nntrace::train::{Settings, train};

/// A published figure, as printed: it must agree with nntrace to one unit of its last
/// printed digit (the post rounds, and sometimes truncates).
fn agrees(id: &str, got: f64, printed: &str) {
    let want: f64 = printed.parse().unwrap();
    let decimals = printed.split_once('.').map_or(0, |(_, d)| d.len());
    let unit = 10f64.powi(-(decimals as i32));
    assert!(
        (got - want).abs() <= unit,
        "{id}: nntrace gives {got}, the post {printed}"
    );
}

/// Every value Mazur's post states for the first step, by nntrace id.
const MAZUR: &[(&str, &str)] = &[
    ("hidden.net.h1", "0.3775"),
    ("hidden.out.h1", "0.593269992"),
    ("hidden.out.h2", "0.596884378"),
    ("output.net.o1", "1.105905967"),
    ("output.out.o1", "0.75136507"),
    ("output.out.o2", "0.772928465"),
    ("loss", "0.298371109"),
    ("output.grad.o1", "0.74136507"),
    ("output.dact.o1", "0.186815602"),
    ("output.delta.o1", "0.138498562"),
    ("output.wgrad.w5", "0.082167041"),
    ("output.new.w5", "0.35891648"),
    ("output.new.w6", "0.408666186"),
    ("output.new.w7", "0.511301270"),
    ("output.new.w8", "0.561370121"),
    ("hidden.grad.h1", "0.036350306"),
    ("hidden.dact.h1", "0.241300709"),
    ("hidden.wgrad.w1", "0.000438568"),
    ("hidden.new.w1", "0.149780716"),
    ("hidden.new.w2", "0.19956143"),
    ("hidden.new.w3", "0.24975114"),
    ("hidden.new.w4", "0.29950229"),
];

#[test]
fn mazur_every_value_of_the_first_step() {
    let v = values("mazur", 0);
    for (id, printed) in MAZUR {
        let got = *v.get(*id).unwrap_or_else(|| panic!("{id} is not traced"));
        agrees(id, got, printed);
    }
    // The post's parts of the sums, computed from the traced values.
    let e_o1 = 0.5 * (0.01 - v["output.out.o1"]).powi(2);
    let e_o2 = 0.5 * (0.99 - v["output.out.o2"]).powi(2);
    agrees("E_o1", e_o1, "0.274811083");
    agrees("E_o2", e_o2, "0.023560026");
    let from_o1 = v["output.delta.o1"] * v["output.w.w5"];
    let from_o2 = v["output.delta.o2"] * v["output.w.w7"];
    agrees("∂E_o1/∂out_h1", from_o1, "0.055399425");
    agrees("∂E_o2/∂out_h1", from_o2, "-0.019049119");
    agrees("∂net_o1/∂w5", v["hidden.out.h1"], "0.593269992");
}

#[test]
fn mazur_biases_stay_fixed_as_in_the_post() {
    let v = values("mazur", 0);
    for (b, value) in [
        ("hidden.b1_h1", 0.35),
        ("hidden.b1_h2", 0.35),
        ("output.b2_o1", 0.6),
        ("output.b2_o2", 0.6),
    ] {
        let (layer, name) = b.split_once('.').unwrap();
        assert_eq!(v[&format!("{layer}.dw.{name}")], 0.0, "{b} is not updated");
        assert_eq!(
            v[&format!("{layer}.new.{name}")],
            value,
            "{b} keeps its value"
        );
        assert_ne!(
            v[&format!("{layer}.wgrad.{name}")],
            0.0,
            "its gradient is shown"
        );
    }
    Test::new()
        .args(["trace", "mazur", "--color", "never"])
        .status(0)
        .stdout_has("biases stay fixed (update_biases: false)")
        .stdout_has("target (0.01, 0.99)");
}

/// After the first round the post's error is 0.291027924, and after 10,000 rounds
/// 0.0000351085 with outputs 0.015912196 and 0.984065734. These come from the post's
/// program rather than from the hand calculation; nntrace agrees to 6 significant digits
/// after one round (0.291027774) and to 4 after 10,000 (3.51019e-5, 0.0159136,
/// 0.984064). With the biases updated the figures would be far off (2.4e-6 after 10,000).
#[test]
fn mazur_after_one_and_after_ten_thousand_rounds() {
    let s = scenario::load("mazur").unwrap();
    let settings = Settings::of(&s);
    assert_eq!(settings.epochs, 10_000);
    let run = train(&s, &settings, None, |_| {});
    assert_eq!(run.epochs(), 10_000);
    let close = |what: &str, got: f64, want: f64, rel: f64| {
        assert!(
            ((got - want) / want).abs() < rel,
            "{what}: {got}, the post {want}"
        );
    };
    close(
        "error after one round",
        run.history[1].loss,
        0.291027924,
        1e-6,
    );
    close(
        "error after 10,000 rounds",
        run.last().loss,
        0.0000351085,
        2e-4,
    );
    let (y, _) = run.network.predict(&s.setup, &s.data[0]);
    close("out_o1 after 10,000 rounds", y[0], 0.015912196, 2e-4);
    close("out_o2 after 10,000 rounds", y[1], 0.984065734, 2e-6);
}

/// Negnevitsky's first step, as the book works it (4 decimals).
#[test]
fn xor_first_step_as_in_the_book() {
    let v = values("xor-mlp", 0);
    for (id, printed) in [
        ("hidden.out.y3", "0.5250"),
        ("hidden.out.y4", "0.8808"),
        ("output.out.y5", "0.5097"),
        ("output.delta.y5", "0.1274"),
        ("hidden.delta.y3", "-0.0381"),
        ("hidden.delta.y4", "0.0147"),
        ("output.new.w35", "-1.2067"),
        ("output.new.w45", "1.0888"),
        ("hidden.new.w13", "0.5038"),
        ("hidden.new.w14", "0.8985"),
        ("hidden.new.w23", "0.4038"),
        ("hidden.new.w24", "0.9985"),
        // The book's thresholds are minus these biases: θ3 = 0.7962, θ4 = −0.0985, θ5 = 0.3127.
        ("hidden.new.b3", "-0.7962"),
        ("hidden.new.b4", "0.0985"),
        ("output.new.b5", "-0.3127"),
    ] {
        agrees(id, v[id], printed);
    }
}

/// Trained until SSE < 0.001, the outputs are those of the book's trained network.
#[test]
fn xor_trains_to_the_books_outputs() {
    let s = scenario::load("xor-mlp").unwrap();
    let run = train(&s, &Settings::of(&s), None, |_| {});
    assert!(run.converged);
    assert_eq!(run.epochs(), 56_346);
    assert_eq!(run.last().accuracy, 1.0);
    for (p, printed) in ["0.0155", "0.9849", "0.9849", "0.0175"].iter().enumerate() {
        let (y, _) = run.network.predict(&s.setup, &s.data[p]);
        agrees(&format!("pattern {p}"), y[0], printed);
    }
}

#[test]
fn a_number_on_one_output_is_the_target_value() {
    let xor = |target: &str| {
        scenario::BUILTIN
            .iter()
            .find(|(n, _)| *n == "xor-mlp")
            .unwrap()
            .1
            .replace(
                "{input: [1, 1], target: 0}",
                &format!("{{input: [1, 1], target: {target}}}"),
            )
    };
    for (given, t) in [
        ("0", 0.0),
        ("1", 1.0),
        ("0.25", 0.25),
        ("-3", -3.0),
        ("[1]", 1.0),
    ] {
        let s = scenario::parse(&xor(given), "test", "test").unwrap();
        assert_eq!(s.data[0].target, vec![t], "target: {given}");
        assert_eq!(s.data[0].class, None, "target: {given} is no class");
    }
    let v = values("xor-mlp", 0);
    let y = v["output.out.y5"];
    assert!(
        (v["loss"] - 0.5 * y * y).abs() < 1e-15,
        "t = 0, not class 0 as t = 1"
    );
    Test::new()
        .args(["trace", "xor-mlp", "--pattern", "1", "--color", "never"])
        .status(0)
        .stdout_has("pattern 1: input (0, 1), target 1\n");
}

#[test]
fn accuracy_of_one_sigmoid_output_thresholds_at_one_half() {
    let s = scenario::load("xor-mlp").unwrap();
    let mut settings = Settings::of(&s);
    settings.epochs = 1;
    let run = train(&s, &settings, None, |_| {});
    // Before training the outputs are 0.5097 (t = 0), 0.5109 (t = 1), 0.4984 (t = 1) and
    // 0.4764 (t = 0): two on the target's side of 0.5, two not. (The largest of one
    // output is always the target's: the old rule said 100 %.)
    let outputs: Vec<f64> = s
        .data
        .iter()
        .map(|p| s.network.predict(&s.setup, p).0[0])
        .collect();
    let expected = [0.5097, 0.5109, 0.4984, 0.4764];
    for (y, want) in outputs.iter().zip(expected) {
        assert!((y - want).abs() < 5e-5, "{outputs:?}");
    }
    assert_eq!(run.history[0].accuracy, 0.5);
}

#[test]
fn a_class_index_must_be_a_whole_number_in_range() {
    let text = scenario::BUILTIN[0].1.replace(
        "- {input: [1, 1, 0, 0, 0], target: 0}",
        "- {input: [1, 1, 0, 0, 0], target: 0.5}",
    );
    let err = scenario::parse(&text, "f.yaml", "f").unwrap_err();
    assert_eq!(
        err.to_string(),
        "f.yaml: data[0].target: 0.5 is not a class index (a whole number)\n  help: classes \
         count from 0; for a target value per output give a list, e.g. `target: [0, 1]`"
    );
}
