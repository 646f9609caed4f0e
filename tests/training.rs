//! Training and the lecture's closing table.

use crate::support::random::sparse_conv2d_scenario;
use crate::support::{Test, alloc, snapshot_stdout};
use nntrace::network::{Explainer, Workspace};
use nntrace::scenario;
use nntrace::trace::{Kind, Policy, Trace, Untraced};
use nntrace::train::{self, Settings};
use proptest::prelude::*;

const SEESAW: [&str; 3] = ["seesaw-cnn", "seesaw-mlp-softmax", "seesaw-mlp-sigmoid"];

#[test]
fn one_training_step_gives_exactly_the_traced_new_weights() {
    for name in SEESAW {
        let s = scenario::load(name).unwrap();
        for (i, p) in s.data.iter().enumerate() {
            let mut t = Trace::new(Policy::default());
            s.network.step(&s.setup, p, &mut t);
            let mut net = s.network.clone();
            let mut ws = Workspace::new(&net);
            train::step(&mut net, &s.setup, p, &mut ws);
            let ex = Explainer::new(&s.network, &s.setup, p, &t);
            for e in t.entries.iter().filter(|e| e.key.kind == Kind::New) {
                let trained = net.layer(e.key.layer).unwrap().param(e.key.index as usize);
                assert_eq!(
                    trained.to_bits(),
                    e.value.to_bits(),
                    "{name} pattern {i}: {}",
                    ex.id(e.key)
                );
            }
        }
    }
}

#[test]
fn the_objective_never_rises_early_and_without_l2_the_loss_never_rises() {
    for name in SEESAW {
        let s = scenario::load(name).unwrap();
        let set = Settings::of(&s);
        let run = train::train(&s, &set, None, |_| {});
        for w in run.history[..=300].windows(2) {
            assert!(
                w[1].total <= w[0].total,
                "{name}: the objective rose at epoch {}",
                w[1].epoch
            );
        }
        let mut plain = set.clone();
        plain.setup.lambda = 0.0;
        let run = train::train(&s, &plain, None, |_| {});
        for w in run.history.windows(2) {
            assert!(
                w[1].loss <= w[0].loss,
                "{name}, λ = 0: the loss rose at epoch {}",
                w[1].epoch
            );
        }
    }
}

#[test]
fn the_same_scenario_gives_the_same_numbers_bit_for_bit() {
    let mut a = Test::new()
        .args(["train", "seesaw-cnn", "--l2", "0", "--format", "json"])
        .status(0);
    let mut b = Test::new()
        .args(["train", "seesaw-cnn", "--l2", "0", "--format", "json"])
        .status(0);
    assert_eq!(a.stdout(), b.stdout());
    let json: serde_json::Value = serde_json::from_str(&a.stdout()).unwrap();
    assert_eq!(json["converged"], true);
    assert_eq!(
        json["epochs"], 202,
        "the CNN without L2 stops after 202 epochs (the reference: about 200)"
    );
}

const COMPARE: [&str; 6] = [
    "compare",
    "seesaw-cnn",
    "seesaw-mlp-softmax",
    "seesaw-mlp-sigmoid",
    "--slides",
    "--color=never",
];

#[test]
fn compare_seesaw_slides_table() {
    snapshot_stdout("compare_seesaw_slides_table", &COMPARE, 0);
}

#[test]
fn compare_seesaw_slides_without_l2_table() {
    let args = [&COMPARE[..], &["--l2", "0"]].concat();
    snapshot_stdout("compare_seesaw_slides_without_l2_table", &args, 0);
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("nntrace-train-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn the_plot_is_svg_with_both_axes_labelled() {
    for (args, name) in [
        (vec!["train", "seesaw-cnn", "--l2", "0"], "one.svg"),
        (
            vec![
                "compare",
                "seesaw-cnn",
                "seesaw-mlp-softmax",
                "--l2",
                "0",
                "--log-scale",
            ],
            "all.svg",
        ),
    ] {
        let path = temp(name);
        let mut all = args.clone();
        all.extend(["--plot", path.to_str().unwrap()]);
        Test::new().args(all).status(0);
        let svg = std::fs::read_to_string(&path).unwrap();
        let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
        let texts: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("text"))
            .map(|n| n.text().unwrap_or("").trim().to_string())
            .collect();
        assert!(
            texts.iter().any(|t| t == "epoch"),
            "the x axis is labelled: {texts:?}"
        );
        assert!(
            texts.iter().any(|t| t.starts_with("SSE")),
            "the y axis is labelled"
        );
        assert!(
            texts.iter().any(|t| t == "seesaw-cnn"),
            "the legend names the run"
        );
        let lines = doc
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .count();
        assert!(lines >= args.len() - 3, "a curve per run");
    }
}

#[test]
fn trace_at_shows_the_step_with_the_weights_of_then() {
    Test::new()
        .args([
            "train",
            "seesaw-cnn",
            "--epochs",
            "3",
            "--trace-at",
            "1:0",
            "--color",
            "never",
        ])
        .status(0)
        .stdout_has("the step at epoch 1, pattern 0")
        .stdout_has("0.0231128");
    let mut later = Test::new()
        .args([
            "train",
            "seesaw-cnn",
            "--epochs",
            "3",
            "--trace-at",
            "2:1",
            "--color",
            "never",
        ])
        .status(0);
    let out = later.stdout();
    assert!(out.contains("pattern 1: input (0, 1, 1, 0, 0)"));
    assert!(!out.contains("0.0231128"), "the weights have moved by then");
}

#[test]
fn bad_training_settings_are_refused() {
    let cases: [(&[&str], &str); 9] = [
        (
            &["train", "seesaw-cnn", "--format", "latex"],
            "invalid value 'latex' for '--format <FORMAT>'",
        ),
        (
            &["train", "seesaw-cnn", "--epochs", "0"],
            "--epochs 0: give 1 to 10000000",
        ),
        (
            &["train", "seesaw-cnn", "--epochs", "20000000"],
            "give 1 to 10000000",
        ),
        (
            &["train", "seesaw-cnn", "--learning-rate", "-0.1"],
            "--learning-rate -0.1: give a finite number, zero or more",
        ),
        (&["compare", "seesaw-cnn", "--l2", "-1"], "--l2 -1"),
        (
            &["train", "seesaw-cnn", "--trace-at", "5000:0"],
            "the run has at most 1000 epochs",
        ),
        (
            &["train", "seesaw-cnn", "--trace-at", "1:9"],
            "seesaw-cnn has patterns 0 to 3",
        ),
        (
            &["train", "seesaw-cnn", "--trace-at", "one"],
            "write EPOCH:PATTERN",
        ),
        (
            &["train", "seesaw-cnn", "--l2", "0", "--trace-at", "500:0"],
            "--trace-at 500:0: the run stopped after 202 epochs",
        ),
    ];
    for (args, message) in cases {
        Test::new()
            .args(args.iter().copied())
            .status(2)
            .stderr_has(message);
    }
}

#[test]
fn a_diverging_run_stops_and_says_why() {
    Test::new()
        .args(["train", "tests/scenarios/diverges.yaml"])
        .status(2)
        .stderr_has("the run diverged at epoch")
        .stderr_has("try a smaller --learning-rate, e.g. 0.5 (now 5)");
}

#[test]
fn one_pattern_is_trained_with_a_note() {
    let path = temp("one.yaml");
    std::fs::write(&path, "data:\n  - {input: [1, 0], target: 0}\nlearning_rate: 0.5\nloss: cross_entropy\nlayers:\n  - dense: {activation: softmax, weights: [[0.1, 0.2], [0.3, 0.1]]}\n").unwrap();
    Test::new()
        .args(["train", path.to_str().unwrap()])
        .status(0)
        .stderr_has("has one training pattern")
        .stdout_has("converged");
}

/// Every built-in network, trained a few steps pattern by pattern in one workspace.
fn builtins() -> impl Iterator<Item = scenario::Scenario> {
    scenario::BUILTIN
        .iter()
        .map(|(name, _)| scenario::load(name).unwrap())
}

/// Allocations on this thread while `steps` untraced training steps (and the prediction
/// `train` measures each epoch with) run in one workspace.
fn allocations_in(s: &scenario::Scenario, steps: usize) -> usize {
    let mut net = s.network.clone();
    let mut ws = Workspace::new(&net);
    let before = alloc::allocations();
    for k in 0..steps {
        let p = &s.data[k % s.data.len()];
        train::step(&mut net, &s.setup, p, &mut ws);
        net.predict_in(&s.setup, p, &mut ws);
    }
    let made = alloc::allocations() - before;
    std::hint::black_box(&net);
    made
}

#[test]
fn an_untraced_training_step_allocates_nothing() {
    for s in builtins() {
        let (n, twice) = (allocations_in(&s, 4), allocations_in(&s, 8));
        assert_eq!(
            (n, twice),
            (0, 0),
            "{}: allocations in 4 and in 8 steps in one workspace",
            s.name
        );
    }
}

#[test]
fn the_allocation_count_sees_an_allocation() {
    let before = alloc::allocations();
    let v: Vec<f64> = std::hint::black_box(Vec::with_capacity(8));
    assert_eq!(alloc::allocations() - before, 1);
    drop(v);
}

#[test]
fn a_reused_workspace_trains_and_traces_exactly_as_fresh_buffers() {
    for s in builtins() {
        let (mut reused, mut fresh) = (s.network.clone(), s.network.clone());
        let mut ws = Workspace::new(&reused);
        for k in 0..3 * s.data.len() {
            let p = &s.data[k % s.data.len()];
            train::step(&mut reused, &s.setup, p, &mut ws);
            let dw = fresh.step(&s.setup, p, &mut nntrace::trace::Untraced);
            fresh.apply(&dw);
            assert_eq!(reused, fresh, "{} after step {k}", s.name);
        }
        // A traced step under rounding, twice in one workspace: the recorder's altered
        // weights of the first step must not leak into the second.
        let p = &s.data[s.pattern];
        let rounded = || {
            Trace::new(Policy {
                round: Some(3),
                ..Policy::default()
            })
        };
        let mut expected = rounded();
        s.network.step(&s.setup, p, &mut expected);
        for _ in 0..2 {
            let mut t = rounded();
            s.network.step_in(&s.setup, p, &mut ws, &mut t);
            assert_eq!(t.entries, expected.entries, "{}", s.name);
        }
    }
}

/// The held Δw of one step, bit for bit.
fn held_bits(dw: &[Vec<f64>]) -> Vec<Vec<u64>> {
    dw.iter()
        .map(|layer| layer.iter().map(|d| d.to_bits()).collect())
        .collect()
}

/// The untraced step and the traced one (every value passed through) on one pattern.
fn untraced_and_traced(s: &scenario::Scenario, p: usize) -> (Vec<Vec<u64>>, Vec<Vec<u64>>) {
    let p = &s.data[p];
    let untraced = s.network.step(&s.setup, p, &mut Untraced);
    let traced = s
        .network
        .step(&s.setup, p, &mut Trace::new(Policy::default()));
    (held_bits(&untraced), held_bits(&traced))
}

/// The untraced step leaves out terms it knows to be 0 (a convolution over a blank
/// window, a shared filter's terms at a position whose gradient is 0 behind a max pool);
/// the traced step records every one. Their held Δw agree bit for bit.
#[test]
fn the_untraced_step_holds_the_traced_steps_dw_on_every_builtin() {
    for s in scenario::builtins() {
        for p in 0..s.data.len() {
            let (untraced, traced) = untraced_and_traced(&s, p);
            assert_eq!(untraced, traced, "{} pattern {p}", s.name);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn the_untraced_step_holds_the_traced_steps_dw_on_sparse_random_images(text in sparse_conv2d_scenario()) {
        let s = scenario::parse(&text, "random", "random").unwrap_or_else(|e| panic!("{e}\n{text}"));
        let (untraced, traced) = untraced_and_traced(&s, 0);
        prop_assert_eq!(untraced, traced, "{}", text);
    }
}
