//! 2-D convolution: the reference example value by value, every weight and input
//! gradient against finite differences on random 2-D networks, the ids of SPEC section 6,
//! padding, the `flip` convention and `flatten`.

use crate::gradcheck;
use crate::support::fixed_seed_config;
use crate::support::random::{random_conv2d_scenario, random_padded_conv1d_scenario};
use nntrace::network::{Explainer, Network};
use nntrace::scenario::{self, Scenario};
use nntrace::trace::{Key, Kind, Policy, Trace};
use proptest::prelude::*;
use std::collections::HashMap;

fn parse(text: &str) -> Scenario {
    scenario::parse(text, "test", "test").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Every recorded quantity of pattern 0 by id.
fn values(s: &Scenario) -> HashMap<String, f64> {
    let t = s.trace(0, Policy::default());
    let ex = s.explainer(0, &t);
    t.entries.iter().map(|e| (ex.id(e.key), e.value)).collect()
}

/// Step and tolerance of the central differences of the input gradient.
const H: f64 = 1e-6;
const RELATIVE: f64 = 1e-5;
const FLOOR: f64 = 1e-3;

/// Checks ∂L/∂input, recorded under the first layer (a relu that is the identity on
/// positive inputs), against central differences of the loss in each input value.
pub(crate) fn check_input_grads(s: &Scenario) -> Result<usize, String> {
    let pattern = &s.data[0];
    let mut t = Trace::new(Policy::default());
    s.network.step(&s.setup, pattern, &mut t);
    for (i, &x) in pattern.input.iter().enumerate() {
        let traced = t
            .value(Key::new(Network::layer_id(0), Kind::Grad, i))
            .ok_or("an input gradient is missing")?;
        let loss_at = |v: f64| {
            let mut moved = pattern.clone();
            moved.input[i] = v;
            s.network.loss(&s.setup, &moved)
        };
        let numeric = (loss_at(x + H) - loss_at(x - H)) / (2.0 * H);
        let scale = traced.abs().max(numeric.abs()).max(FLOOR);
        if (traced - numeric).abs() > RELATIVE * scale {
            return Err(format!(
                "input {i}: traced {traced}, finite difference {numeric}"
            ));
        }
    }
    Ok(pattern.input.len())
}

proptest! {
    #![proptest_config(fixed_seed_config(200, 0x2d_c0_4e))]

    /// ≥ 200 random 2-D networks a run: channels, filters, kernel sizes, strides, padding,
    /// bias, both conventions.
    #[test]
    fn random_2d_networks_agree_with_finite_differences(text in random_conv2d_scenario()) {
        let s = parse(&text);
        let weights = gradcheck::check(&s.network, &s.setup, &s.data[0]);
        prop_assert!(weights.is_ok(), "{}\n{}", weights.unwrap_err(), text);
        prop_assert_eq!(weights.unwrap(), s.network.param_count());
        let inputs = check_input_grads(&s);
        prop_assert!(inputs.is_ok(), "{}\n{}", inputs.unwrap_err(), text);
    }
}

proptest! {
    #![proptest_config(fixed_seed_config(100, 0x1d_9a_dd))]

    /// `padding` and `flip` for conv1d: every wgrad and input gradient.
    #[test]
    fn random_padded_1d_networks_agree_with_finite_differences(text in random_padded_conv1d_scenario()) {
        let s = parse(&text);
        let weights = gradcheck::check(&s.network, &s.setup, &s.data[0]);
        prop_assert!(weights.is_ok(), "{}\n{}", weights.unwrap_err(), text);
        let inputs = check_input_grads(&s);
        prop_assert!(inputs.is_ok(), "{}\n{}", inputs.unwrap_err(), text);
    }
}

#[test]
fn conv1d_padding_by_hand() {
    // In = (1, 2, 3) padded to (0, 1, 2, 3, 0); filter (1, 10, 100), stride 2:
    // f1 = 0·1 + 1·10 + 2·100 = 210, f2 = 2·1 + 3·10 + 0·100 = 32.
    let text = "data:\n  - {input: [1, 2, 3], target: [0, 0]}\nlearning_rate: 0.1\n\
                loss: half_squared_error\nconventions: {convolution: CONV}\nlayers:\n\
                \x20 - relu: {name: lift}\n\
                \x20 - conv1d: {kernel: [1, 10, 100], stride: 2, padding: 1}\n";
    let s = parse(&text.replace("CONV", "correlate"));
    let v = values(&s);
    assert_eq!((v["conv.out.conv1"], v["conv.out.conv2"]), (210.0, 32.0));
    // ∂L/∂f = f − 0; w1 meets 0 (padding) at position 1 and In2 at position 2.
    assert_eq!(v["conv.contrib.w1@1"], 0.0);
    assert_eq!(v["conv.wgrad.w1"], 32.0 * 2.0);
    // In2 is read by both windows: by w3 at position 1, by w1 at position 2.
    assert_eq!(v["lift.grad.lift2"], 210.0 * 100.0 + 32.0);
    let e = explained(&s, "conv.out.conv1");
    use nntrace::formula::Rendering;
    assert_eq!(
        e.formula.render(Rendering::Symbolic, 6),
        "0·w1 + lift1·w2 + lift2·w3"
    );
    assert_eq!(
        e.note.unwrap().text,
        "receptive field lift1..lift2; 1 padded 0 (shown as 0)"
    );
    // Flipped, the filter reads (100, 10, 1): f1 = 0·100 + 1·10 + 2·1.
    let v = values(&parse(&text.replace("CONV", "flip")));
    assert_eq!((v["conv.out.conv1"], v["conv.out.conv2"]), (12.0, 230.0));
}

const PADDED: &str = "data:
  - input:
      - [1, 2, 3]
      - [4, 5, 6]
      - [7, 8, 9]
    target: [0.5]
learning_rate: 0.1
loss: half_squared_error
conventions: {convolution: CONV}
layers:
  - relu: {name: lift, prefix: r}
  - conv2d:
      name: conv
      kernel: [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
      stride: 2
      padding: 1
      bias: 0.5
      prefix: f
  - flatten: {name: flat}
  - dense: {name: out, activation: linear, outputs: [y], weights: [[1, -1, 2, -2]]}
";

fn padded(convention: &str) -> Scenario {
    parse(&PADDED.replace("CONV", convention))
}

#[test]
fn padded_strided_cells_by_hand() {
    // The padded input P is 5 × 5 (a ring of zeros around r); the 3 × 3 kernel at stride
    // 2 starts at padded rows/columns 0 and 2. f1_1_1 reads P rows 0–2, columns 0–2:
    // r1_1_1·w(2,2) + r1_1_2·w(2,3) + r1_2_1·w(3,2) + r1_2_2·w(3,3) = 1·5 + 2·6 + 4·8 + 5·9.
    let v = values(&padded("correlate"));
    assert_eq!(v["conv.out.f1_1_1"], 94.5);
    // f1_1_2: 2·4 + 3·5 + 5·7 + 6·8 + 0.5; f1_2_1: 4·2 + 5·3 + 7·5 + 8·6 + 0.5.
    assert_eq!(v["conv.out.f1_1_2"], 106.5);
    assert_eq!(v["conv.out.f1_2_1"], 106.5);
    // f1_2_2: 5·1 + 6·2 + 8·4 + 9·5 + 0.5.
    assert_eq!(v["conv.out.f1_2_2"], 94.5);
    // y = 94.5 − 106.5 + 2·106.5 − 2·94.5 = 12, ∂L/∂y = y − t = 11.5.
    assert_eq!(v["out.grad.y"], 11.5);
    assert_eq!(v["conv.grad.f1_1_2"], -11.5);
    assert_eq!(v["conv.grad.f1_2_2"], -23.0);
    // The centre weight meets r1_1_1, r1_1_3, r1_3_1, r1_3_3 at the four positions.
    assert_eq!(v["conv.contrib.w1_1_2_2@1_2"], -11.5 * 3.0);
    assert_eq!(v["conv.contrib.w1_1_1_1@1_1"], 0.0, "a padded zero");
    assert_eq!(v["conv.wgrad.w1_1_2_2"], 11.5 - 34.5 + 161.0 - 207.0);
    // r1_2_2 lies in all four windows, at kernel cells (3,3), (3,1), (1,3), (1,1):
    // 11.5·9 − 11.5·7 + 23·3 − 23·1.
    assert_eq!(v["lift.grad.r1_2_2"], 69.0);
    assert_eq!(v["conv.wgrad.b1"], 0.0);
}

#[test]
fn padded_zeros_appear_in_formulas_as_0_and_are_noted() {
    let s = padded("correlate");
    let e = explained(&s, "conv.out.f1_1_2");
    use nntrace::formula::Rendering;
    assert_eq!(
        e.formula.render(Rendering::Symbolic, 6),
        "0·w1_1_1_1 + 0·w1_1_1_2 + 0·w1_1_1_3 + r1_1_2·w1_1_2_1 + r1_1_3·w1_1_2_2 + \
         0·w1_1_2_3 + r1_2_2·w1_1_3_1 + r1_2_3·w1_1_3_2 + 0·w1_1_3_3 + b1"
    );
    assert_eq!(
        e.formula.render(Rendering::Substituted, 6),
        "0·1 + 0·2 + 0·3 + 2·4 + 3·5 + 0·6 + 5·7 + 6·8 + 0·9 + 0.5"
    );
    assert_eq!(
        e.note.unwrap().text,
        "receptive field r1_1_2..r1_2_3; 5 padded 0s (shown as 0)"
    );
}

#[test]
fn flip_rotates_the_kernel_by_180_degrees() {
    // Rotated, the kernel is [[9, 8, 7], [6, 5, 4], [3, 2, 1]]:
    // f1_2_2 = 5·9 + 6·8 + 8·6 + 9·5 + 0.5.
    let v = values(&padded("flip"));
    assert_eq!(v["conv.out.f1_2_2"], 186.5);
    // The same numbers as correlating with the rotated kernel written out.
    let rotated = parse(&PADDED.replace("CONV", "correlate").replace(
        "[[1, 2, 3], [4, 5, 6], [7, 8, 9]]",
        "[[9, 8, 7], [6, 5, 4], [3, 2, 1]]",
    ));
    let r = values(&rotated);
    for id in [
        "conv.out.f1_1_1",
        "conv.out.f1_1_2",
        "conv.out.f1_2_1",
        "out.out.y",
        "lift.grad.r1_2_3",
        "conv.wgrad.b1",
    ] {
        assert_eq!(v[id], r[id], "{id}");
    }
    // A weight's gradient follows the weight: w1_1_1_1 under flip is w1_1_3_3 of the
    // rotated kernel.
    assert_eq!(v["conv.wgrad.w1_1_1_1"], r["conv.wgrad.w1_1_3_3"]);
    assert_eq!(v["conv.wgrad.w1_1_2_1"], r["conv.wgrad.w1_1_2_3"]);
}

#[test]
fn ids_follow_the_naming_rules() {
    let s = parse(
        "data:
  - input: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]
    target: [1]
learning_rate: 0.1
loss: half_squared_error
layers:
  - conv2d:
      name: conv2
      kernels: [[[[1]], [[2]]], [[[3]], [[4]]]]
      bias: [0, 0]
  - flatten: {}
  - dense: {activation: linear, outputs: [y], weights: [[1, 1, 1, 1, 1, 1, 1, 1]]}
",
    );
    let v = values(&s);
    for id in [
        "input.out.x2_1_2",
        "conv2.w.w2_1_1_1",
        "conv2.w.w1_2_1_1",
        "conv2.w.b2",
        "conv2.out.conv2_2_2_1",
        "conv2.contrib.w2_2_1_1@2_1",
        "output.w.w_y_conv2_2_1_2",
        "conv2.grad.conv2_1_1_1",
    ] {
        assert!(v.contains_key(id), "{id} in {:?}", {
            let mut k: Vec<_> = v.keys().collect();
            k.sort();
            k
        });
    }
    // Filter 2 reads channel 1 with 3 and channel 2 with 4: 2·3 + 6·4.
    assert_eq!(v["conv2.out.conv2_2_1_2"], 30.0);
    assert!(
        !v.keys().any(|k| k.starts_with("flatten.")),
        "flatten records nothing"
    );
    assert_eq!(s.network.layers[1].quantities(), 0);
}

#[test]
fn kernel_names_nest_like_the_kernels() {
    let s = parse(
        "data:
  - input: [[1, 2], [3, 4]]
    target: [1]
learning_rate: 0.1
loss: half_squared_error
layers:
  - conv2d: {kernel: [[1, 2], [3, 4]], kernel_names: [[a, b], [c, d]], bias: 1, bias_names: [beta]}
  - flatten: {}
  - dense: {activation: linear, weights: [[1]]}
",
    );
    let v = values(&s);
    assert_eq!(v["conv.w.d"], 4.0);
    assert_eq!(v["conv.w.beta"], 1.0);
    assert_eq!(v["conv.out.conv1_1_1"], 31.0);
    assert_eq!(v["conv.contrib.c@1_1"], v["conv.grad.conv1_1_1"] * 3.0);
}

/// Every renderer and command runs on a network with a layer that records nothing.
#[test]
fn every_output_works_with_a_flatten() {
    let dir = std::env::temp_dir().join(format!("nntrace-conv2d-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("padded.yaml");
    std::fs::write(&file, PADDED.replace("CONV", "correlate")).unwrap();
    let f = file.to_str().unwrap();
    let svg = dir.join("d.svg");
    for args in [
        vec!["trace", f],
        vec!["trace", f, "--format", "json"],
        vec!["trace", f, "--format", "markdown"],
        vec!["trace", f, "--round", "3"],
        vec!["template", f],
        vec!["train", f, "--learning-rate", "0.00001"],
        vec!["diagram", f, "-o", svg.to_str().unwrap()],
    ] {
        crate::support::Test::new().args(args.clone()).status(0);
    }
    let answers = dir.join("answers.yaml");
    std::fs::write(
        &answers,
        "answers:\n  conv.out.f1_1_1: 94.5\n  out.w.w_y_f1_1_2: -1\n  lift.grad.r1_2_2: 70\n",
    )
    .unwrap();
    let mut t = crate::support::Test::new()
        .args(["check", f, answers.to_str().unwrap()])
        .status(1);
    let out = t.stdout();
    assert!(out.contains("lift.grad.r1_2_2"), "{out}");
    let ex_ids = {
        let s = padded("correlate");
        let t = s.trace(0, Policy::default());
        let ex: Explainer = s.explainer(0, &t);
        t.entries.iter().map(|e| ex.id(e.key)).collect::<Vec<_>>()
    };
    assert!(ex_ids.iter().all(|id| !id.starts_with("flat.")));
}

/// The planted mistakes of a padded, strided convolution are named.
#[test]
fn a_kernel_not_rotated_and_ignored_padding_are_named() {
    use crate::diagnoses::judge_one;
    use nntrace::check::Verdict;
    const FILE: &str = "tests/scenarios/conv2d-padded.yaml";
    let named = |id: &str, value: f64| {
        let j = judge_one(FILE, 0, id, value);
        assert_eq!(j.verdict, Verdict::Wrong, "{id} = {value}");
        j.diagnosis().map(str::to_string)
    };
    // r1_2_1 (padded (2, 1)) meets w(3,2) = 8 at f1_1_1 and w(1,2) = 2 at f1_2_1:
    // 11.5·8 + 23·2 = 138; with the kernel not rotated, 11.5·2 + 23·8 = 207.
    assert_eq!(
        values(&parse(&std::fs::read_to_string(FILE).unwrap()))["lift.grad.r1_2_1"],
        138.0
    );
    assert_eq!(
        named("lift.grad.r1_2_1", 207.0).as_deref(),
        Some("kernel-not-flipped")
    );
    // f1_1_1 on the unpadded map: 1·1 + 2·2 + … + 9·9 + 0.5.
    assert_eq!(
        named("conv.out.f1_1_1", 285.5).as_deref(),
        Some("padding-ignored")
    );
    // A value no mistake gives is wrong without a name.
    assert_eq!(named("conv.out.f1_1_1", 1234.5), None);
}

/// How the quantity with `id` was computed, in the trace of `s`.
fn explained(s: &Scenario, id: &str) -> nntrace::network::Explained {
    let t = s.trace(0, Policy::default());
    let ex = s.explainer(0, &t);
    let key = t.entries.iter().map(|e| e.key).find(|&k| ex.id(k) == id);
    ex.explain(key.unwrap_or_else(|| panic!("no quantity {id}")))
}
