//! `nntrace generate`: exercises with hand-workable numbers, the same files for the same
//! seed, that trace, re-type, pass the gradient check, and whose key `check` accepts.

use crate::support::{Test, snapshot_settings};
use nntrace::generate::{self, Level, NetKind, Plant, Request};
use nntrace::network::{Activation, Layer};
use nntrace::render::{self, Options};
use nntrace::scenario::{self, Scenario};
use nntrace::trace::Policy;
use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A fresh, empty folder under the test's scratch space.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

const FILES: [&str; 6] = [
    "exercise.yaml",
    "sheet.md",
    "sheet.tex",
    "key.md",
    "key.tex",
    "answers.yaml",
];

fn run_generate(args: &[&str], dir: &Path) -> Test {
    Test::new()
        .args(["generate"])
        .args(args.iter().copied())
        .args(["-o", dir.to_str().unwrap()])
}

#[test]
fn cnn2d_writes_every_file_of_a_2d_exercise() {
    let dir = scratch("cnn2d");
    run_generate(&["--kind", "cnn2d", "--seed", "7"], &dir)
        .status(0)
        .stdout_has("cnn2d-seed7-level2");
    for name in FILES {
        assert!(dir.join(name).is_file(), "{name}");
    }
    let yaml = std::fs::read_to_string(dir.join("exercise.yaml")).unwrap();
    for part in [
        "  - conv2d:",
        "  - maxpool2d:",
        "  - flatten:",
        "convolution: correlate",
    ] {
        assert!(yaml.contains(part), "{part}:\n{yaml}");
    }
    let sheet = std::fs::read_to_string(dir.join("sheet.md")).unwrap();
    assert!(sheet.contains("one grid per channel"), "the maps as grids");
    assert!(
        !sheet.contains("| 1.3 |"),
        "the sheet leaves the maps blank"
    );
}

#[test]
fn a_tie_cannot_be_planted_without_pooling() {
    let dir = scratch("mlp-ties");
    let mut t = run_generate(&["--kind", "mlp", "--seed", "1", "--with", "ties"], &dir).status(2);
    assert_eq!(
        t.stderr(),
        "error: --with ties: a mlp network has no max-pooling layer, so it cannot hold a tie\n  \
         help: use --kind cnn1d or --kind cnn2d for a planted tie\n"
    );
}

#[test]
fn the_same_seed_gives_the_same_files() {
    let (a, b, c) = (scratch("same-a"), scratch("same-b"), scratch("same-c"));
    run_generate(&["--kind", "cnn1d", "--seed", "7"], &a)
        .status(0)
        .stdout_has("cnn1d-seed7-level2");
    run_generate(&["--kind", "cnn1d", "--seed", "7"], &b).status(0);
    run_generate(&["--kind", "cnn1d", "--seed", "8"], &c).status(0);
    for name in FILES {
        let read = |dir: &Path| std::fs::read(dir.join(name)).unwrap();
        assert_eq!(read(&a), read(&b), "{name} differs between two runs");
        assert_ne!(read(&a), read(&c), "{name} is the same for seeds 7 and 8");
    }
}

fn request(kind: NetKind, seed: u64, level: Level, plant: Option<Plant>) -> Request {
    Request {
        kind,
        seed,
        level,
        plant,
    }
}

#[test]
fn seeds_1_to_3_of_each_kind_are_pinned() {
    for kind in [NetKind::Mlp, NetKind::Cnn1d, NetKind::Cnn2d] {
        for seed in 1..=3 {
            let e = generate::generate(request(kind, seed, Level::Two, None)).unwrap();
            let files = e.files();
            let file = |name: &str| files.iter().find(|(n, _)| *n == name).unwrap().1.clone();
            let tag = format!("generate-{}-seed{seed}", kind.as_str());
            snapshot_settings().bind(|| {
                insta::assert_snapshot!(format!("{tag}-exercise.yaml"), file("exercise.yaml"));
                insta::assert_snapshot!(format!("{tag}-key.md"), file("key.md"));
            });
        }
    }
}

/// The trace of a generated exercise as JSON, every value rounded to `round` digits when
/// asked (hand-calculation mode).
fn json(s: &Scenario, round: Option<u32>) -> Value {
    let t = s.trace(
        0,
        Policy {
            round,
            ..Policy::default()
        },
    );
    let ex = s.explainer(0, &t);
    let opts = Options {
        digits: 6,
        ascii: false,
        color: false,
        width: render::DEFAULT_WIDTH,
    };
    render::json::render(s, 0, &ex, &opts, round)
}

fn is_tenths(x: f64) -> bool {
    ((x * 10.0).round() - x * 10.0).abs() < 1e-9
}

/// The nice-number rules, checked on the scenario and its traced values (not on the
/// generator's own judgement): small integer inputs, weights of one decimal, α 0.1 or 0.5,
/// no pooling window whose top two are within 0.05, no ReLU input within 0.05 of 0, no
/// sigmoid input beyond ±4, and exactly what was planted.
fn assert_nice(s: &Scenario, plant: Option<Plant>) -> Result<(), String> {
    let input = &s.data[0].input;
    if !input
        .iter()
        .all(|&x| x == x.round() && (0.0..=2.0).contains(&x))
    {
        return Err(format!("inputs {input:?} are not small integers"));
    }
    if ![0.1, 0.5].contains(&s.setup.alpha) {
        return Err(format!("α = {}", s.setup.alpha));
    }
    for layer in &s.network.layers {
        for w in layer.params() {
            if !is_tenths(*w) || *w == 0.0 || w.abs() > 0.9 + 1e-12 {
                return Err(format!("{}: weight {w} is not ±0.1 … ±0.9", layer.name()));
            }
        }
    }
    let j = json(s, None);
    let mut ties_above_zero = 0;
    let mut ties_at_zero = 0;
    for route in j["routes"].as_array().unwrap() {
        let mut values: Vec<f64> = route["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        values.sort_by(|a, b| b.total_cmp(a));
        let gap = values[0] - values[1];
        match gap {
            0.0 if values[0] > 0.05 => ties_above_zero += 1,
            0.0 => ties_at_zero += 1,
            g if g <= 0.05 + 1e-9 => return Err(format!("{route}: top two within 0.05")),
            _ => {}
        }
    }
    let mut relu_inputs: Vec<f64> = j["masks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["input"].as_f64().unwrap())
        .collect();
    let quantities = j["quantities"].as_array().unwrap();
    for (i, layer) in s.network.layers.iter().enumerate() {
        let Layer::Dense(dense) = layer else { continue };
        let nets = quantities
            .iter()
            .filter(|q| q["layer"] == layer.name() && q["kind"] == "net")
            .map(|q| q["value"].as_f64().unwrap());
        match dense.activation {
            Activation::Relu => relu_inputs.extend(nets),
            Activation::Sigmoid => {
                for net in nets {
                    if net.abs() > 4.0 {
                        return Err(format!("layer {i}: sigmoid input {net} beyond ±4"));
                    }
                }
            }
            _ => {}
        }
    }
    let zeros = relu_inputs.iter().filter(|&&x| x == 0.0).count();
    if let Some(x) = relu_inputs
        .iter()
        .find(|&&x| x != 0.0 && x.abs() <= 0.05 + 1e-9)
    {
        return Err(format!("a ReLU input {x} within 0.05 of 0"));
    }
    let expected = match plant {
        None => (0, 0, 0),
        Some(Plant::Ties) => (1, 0, 0),
        Some(Plant::ReluZero) => (0, ties_at_zero.min(1), 1),
    };
    if (ties_above_zero, ties_at_zero, zeros) != expected {
        return Err(format!(
            "{ties_above_zero} ties, {ties_at_zero} ties at 0, {zeros} ReLU inputs of 0; \
             expected {expected:?}"
        ));
    }
    Ok(())
}

/// Everything a generated exercise must be: valid as written, hand-workable, re-typable
/// at 3 digits, and its gradients as a finite difference gives them.
fn assert_exercise(r: Request) -> Result<(), String> {
    let e = generate::generate(r).map_err(|e| e.to_string())?;
    let s = scenario::parse(&e.yaml, "exercise.yaml", "exercise").map_err(|e| e.to_string())?;
    assert_nice(&s, r.plant).map_err(|m| format!("{m}\n{}", e.yaml))?;
    match r.plant {
        Some(Plant::ReluZero) => {
            crate::gradcheck::check_at_kinks(&s.network, &s.setup, &s.data[0])?
        }
        _ => crate::gradcheck::check(&s.network, &s.setup, &s.data[0])?,
    };
    crate::round::retype_json(&json(&s, Some(3)), 3);
    if r.plant.is_some() && !e.files()[3].1.contains("Planted on purpose") {
        return Err("the key does not state what was planted".into());
    }
    Ok(())
}

fn level(n: u8) -> Level {
    [Level::One, Level::Two, Level::Three][n as usize]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    #[test]
    fn every_mlp_exercise_is_hand_workable(seed in 0u64..1_000_000, l in 0u8..3, relu_zero: bool) {
        let plant = relu_zero.then_some(Plant::ReluZero);
        let checked = assert_exercise(request(NetKind::Mlp, seed, level(l), plant));
        prop_assert!(checked.is_ok(), "seed {seed}: {}", checked.unwrap_err());
    }

    #[test]
    fn every_cnn1d_exercise_is_hand_workable(seed in 0u64..1_000_000, l in 0u8..3, p in 0u8..3) {
        let plant = [None, Some(Plant::Ties), Some(Plant::ReluZero)][p as usize];
        let checked = assert_exercise(request(NetKind::Cnn1d, seed, level(l), plant));
        prop_assert!(checked.is_ok(), "seed {seed}: {}", checked.unwrap_err());
    }

    #[test]
    fn every_cnn2d_exercise_is_hand_workable(seed in 0u64..1_000_000, l in 0u8..3, p in 0u8..3) {
        let plant = [None, Some(Plant::Ties), Some(Plant::ReluZero)][p as usize];
        let checked = assert_exercise(request(NetKind::Cnn2d, seed, level(l), plant));
        prop_assert!(checked.is_ok(), "seed {seed}: {}", checked.unwrap_err());
    }
}

/// The answers file with every value filled in by `value`.
fn filled(template: &str, value: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    for line in template.lines() {
        let trimmed = line.trim_start();
        match trimmed.split_once(':') {
            Some((id, rest)) if line.starts_with("  ") && !trimmed.starts_with('#') => {
                let _ = rest;
                out.push_str(&format!("  {id}: {}\n", value(id)));
            }
            _ => out.push_str(&format!("{line}\n")),
        }
    }
    out
}

#[test]
fn check_judges_the_key_all_correct() {
    for kind in ["mlp", "cnn1d", "cnn2d"] {
        let dir = scratch(&format!("key-{kind}"));
        run_generate(&["--kind", kind, "--seed", "7", "--difficulty", "3"], &dir).status(0);
        let s = scenario::load(dir.join("exercise.yaml").to_str().unwrap()).unwrap();
        let j = json(&s, None);
        let exact = |id: &str| {
            j["quantities"]
                .as_array()
                .unwrap()
                .iter()
                .find(|q| q["id"] == id)
                .unwrap_or_else(|| panic!("{id} is not in the trace"))["value"]
                .as_f64()
                .unwrap()
        };
        let template = std::fs::read_to_string(dir.join("answers.yaml")).unwrap();
        let total = template
            .lines()
            .filter(|l| {
                l.contains(": ")
                    && l.contains('#')
                    && l.starts_with("  ")
                    && !l.trim_start().starts_with('#')
            })
            .count();
        for (name, digits) in [("exact", 17), ("as-printed", 6)] {
            let answers = filled(&template, |id| {
                nntrace::formula::plain_number(exact(id), digits)
            });
            let file = dir.join(format!("{name}.yaml"));
            std::fs::write(&file, answers).unwrap();
            let file = file.to_str().unwrap().to_string();
            Test::new()
                .args(["check", &file, "--color", "never"])
                .status(0)
                .stdout_has(&format!(
                    "score: {total} correct, 0 consistent with an earlier error, 0 wrong, 0 unknown"
                ));
        }
    }
}

#[test]
fn a_class_gets_one_variant_each_and_a_list_of_who_got_which() {
    let dir = scratch("class");
    std::fs::create_dir_all(&dir).unwrap();
    let students = dir.join("students.txt");
    std::fs::write(
        &students,
        "Ada Lovelace\n\n# absent today\nAlan Turing\n\"Grace\", Hopper\n",
    )
    .unwrap();
    let out = dir.join("hw");
    run_generate(
        &[
            "--kind",
            "mlp",
            "--seed",
            "40",
            "--students",
            students.to_str().unwrap(),
        ],
        &out,
    )
    .status(0);
    assert_eq!(
        std::fs::read_to_string(out.join("class.csv")).unwrap(),
        "student,seed,folder\nAda Lovelace,40,01\nAlan Turing,41,02\n\"\"\"Grace\"\", Hopper\",42,03\n"
    );
    for folder in ["01", "02", "03"] {
        for name in FILES {
            assert!(out.join(folder).join(name).is_file(), "{folder}/{name}");
        }
    }
    let second = std::fs::read_to_string(out.join("02/exercise.yaml")).unwrap();
    assert!(second.contains("name: mlp-seed41-level2"), "{second}");
}

#[test]
fn a_planted_relu_zero_whose_window_ties_at_zero_passes_the_gradient_check_one_sided() {
    // f3 = 0 exactly, its window max(r3, r4) = max(0, 0): the loss has a kink in w1 there,
    // and a first-order one-sided difference is too coarse for the tolerance.
    let r = request(NetKind::Cnn1d, 190806, Level::Three, Some(Plant::ReluZero));
    assert_exercise(r).unwrap();
}
