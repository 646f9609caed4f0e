//! Terminal tables: fitted to the width, `--compact`, `--only`; the small texts that must
//! follow the scenario.

use crate::support::Test;
use std::path::PathBuf;

/// Every built-in scenario's name but the scale scenario lenet-mini, whose tables are
/// checked once, at 80 columns, below (its re-typing is in tests/round.rs, its speed in
/// the benchmarks).
fn builtins() -> Vec<String> {
    nntrace::scenario::builtins()
        .into_iter()
        .map(|s| s.name)
        .filter(|name| name != "lenet-mini")
        .collect()
}

fn widest_line(text: &str) -> (usize, String) {
    text.lines()
        .map(|l| (l.chars().count(), l.to_string()))
        .max()
        .unwrap_or_default()
}

/// The seesaw CNN with other settings: a scenario file written for the test.
fn seesaw_with(name: &str, replace: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nntrace-tables-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = include_str!("../scenarios/seesaw-cnn.yaml").to_string();
    for (from, to) in replace {
        assert!(text.contains(from), "the seesaw file has {from:?}");
        text = text.replace(from, to);
    }
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn no_line_is_longer_than_columns_for_every_builtin() {
    for width in ["80", "100", "120"] {
        for s in builtins() {
            let s = s.as_str();
            for extra in [&[][..], &["--compact"], &["--ascii"], &["--round", "3"]] {
                let mut args = vec!["trace", s];
                args.extend_from_slice(extra);
                let mut t = Test::new().args(args).env("COLUMNS", width).status(0);
                let out = t.stdout();
                let (longest, line) = widest_line(&out);
                let limit: usize = width.parse().unwrap();
                assert!(
                    longest <= limit,
                    "{s} {extra:?} at COLUMNS={width}: a line of {longest}:\n{line}"
                );
                assert!(out.contains("UPDATE"), "every table is still there");
            }
        }
    }
}

#[test]
fn the_scale_scenario_fits_80_columns_with_its_long_layers_summarised() {
    let mut t = Test::new()
        .args(["trace", "lenet-mini"])
        .env("COLUMNS", "80")
        .status(0);
    let out = t.stdout();
    let (longest, line) = widest_line(&out);
    assert!(longest <= 80, "a line of {longest}:\n{line}");
    assert!(out.contains("UPDATE"), "every table is still there");
    assert!(
        out.lines().count() < 60_000,
        "summarised: {} lines",
        out.lines().count()
    );
}

#[test]
fn list_fits_the_width() {
    let mut t = Test::new().args(["list"]).env("COLUMNS", "80").status(0);
    let out = t.stdout();
    let (longest, line) = widest_line(&out);
    assert!(longest <= 80, "a line of {longest}:\n{line}");
    assert!(out.contains("seesaw-cnn           Seesaw problem"), "{out}");
}

#[test]
fn without_columns_tables_fit_100() {
    let mut t = Test::new().args(["trace", "seesaw-cnn"]).status(0);
    let (longest, line) = widest_line(&t.stdout());
    assert!(longest <= 100, "a line of {longest}:\n{line}");
}

#[test]
fn formulas_wrap_inside_their_cell() {
    let mut t = Test::new()
        .args(["trace", "seesaw-cnn", "--only", "loss"])
        .env("COLUMNS", "80")
        .status(0);
    let out = t.stdout();
    // The L2 penalty's sum is too long for 80 columns: it continues, indented, in its cell.
    assert!(
        out.contains("│ loss.total │ L           │ L_i + ½·λ·(w1² + w2² + w5² + w6² + w7² │ 0.679729 │\n│            │             │   + w8² + w1² + w2² + w3² + w4²)       │          │"),
        "{out}"
    );
    // The note goes under the formula when it does not fit beside it.
    assert!(
        out.contains(
            "│            │             │ (cross-entropy, natural log: −ln       │          │"
        ),
        "{out}"
    );
}

#[test]
fn compact_is_one_line_per_quantity_without_rules() {
    let mut t = Test::new()
        .args([
            "trace",
            "seesaw-cnn",
            "--compact",
            "--only",
            "hidden.forward",
        ])
        .env("COLUMNS", "120")
        .status(0);
    let out = t.stdout();
    assert!(
        out.contains("│ hidden.net.C │ I@C      │ A·w5 + B·w7 = 0.2·(−0.1) + 0·0.2 │ −0.02 │"),
        "{out}"
    );
    let body: Vec<&str> = out.lines().filter(|l| l.starts_with('│')).collect();
    assert_eq!(body.len(), 1 + 4 + 4, "header, 4 weights, 4 nodes:\n{out}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with('├')).count(),
        1,
        "a rule under the header only:\n{out}"
    );
}

#[test]
fn only_shows_one_layer_or_one_layer_in_one_phase() {
    let mut t = Test::new()
        .args(["trace", "seesaw-cnn", "--only", "conv.backward"])
        .status(0);
    let out = t.stdout();
    let headings: Vec<&str> = out.lines().filter(|l| l.starts_with("━━")).collect();
    assert_eq!(
        headings,
        ["━━ BACKWARD · conv ━━ convolution, 1 shared filter of 2, stride 1"]
    );
    assert!(out.contains("term of ∂L/∂w1"), "the filter table too");
    assert!(out.starts_with("seesaw-cnn — "), "the preamble stays");

    let mut t = Test::new()
        .args(["trace", "seesaw-cnn", "--only", "hidden"])
        .status(0);
    let out = t.stdout();
    let headings: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("━━"))
        .map(|l| l.split(" ━━ ").next().unwrap())
        .collect();
    assert_eq!(
        headings,
        [
            "━━ FORWARD · hidden",
            "━━ BACKWARD · hidden",
            "━━ UPDATE · all layers"
        ]
    );
    let update = out.split("UPDATE").nth(1).unwrap();
    assert!(update.contains("│ hidden │ w5"), "{update}");
    assert!(
        !update.contains("│ conv "),
        "only hidden's weights:\n{update}"
    );

    let mut t = Test::new()
        .args(["trace", "seesaw-cnn", "--only", "update"])
        .status(0);
    let out = t.stdout();
    assert_eq!(out.matches("━━").count(), 2, "one heading:\n{out}");
    assert!(out.contains("│ conv   │ w1") && out.contains("│ output │ w4"));
}

#[test]
fn only_with_an_unknown_layer_or_phase_is_refused() {
    Test::new()
        .args(["trace", "seesaw-cnn", "--only", "hiden"])
        .status(2)
        .stderr_has(
            "error: --only hiden: no layer named `hiden`; did you mean `hidden`? \
             the layers are input, conv, relu, pool, hidden, output, loss",
        );
    Test::new()
        .args(["trace", "seesaw-cnn", "--only", "conv.sideways"])
        .status(2)
        .stderr_has(
            "error: --only conv.sideways: `sideways` is not a phase; the phases are forward, backward and update",
        );
    Test::new()
        .args(["trace", "seesaw-cnn", "--only", "loss.backward"])
        .status(2)
        .stderr_has("error: --only loss.backward: loss has no backward table; it has forward");
    Test::new()
        .args(["trace", "seesaw-cnn", "--only", "conv", "--format", "json"])
        .status(2)
        .stderr_has("--only and --compact shape the terminal tables");
}

#[test]
fn without_l2_no_zero_terms_are_printed_and_every_line_retypes() {
    let path = seesaw_with("no-l2", &[("l2: 0.1", "l2: 0")]);
    let path = path.to_str().unwrap();
    let mut t = Test::new().args(["trace", path]).status(0);
    let out = t.stdout();
    assert!(!out.contains("λ·"), "no λ term:\n{out}");
    assert!(!out.contains("0.5·0·"), "no zero penalty:\n{out}");
    assert!(out.contains("−α·∂L/∂w1"), "{out}");
    assert!(out.contains("no L2 penalty"), "{out}");
    for digits in [2, 3, 4] {
        crate::round::retype_every_line(path, "0", digits);
    }
}

#[test]
fn a_relu_input_of_exactly_zero_says_what_the_convention_did() {
    let mut t = Test::new()
        .args(["trace", "seesaw-cnn", "--only", "relu.backward"])
        .env("COLUMNS", "200")
        .status(0);
    let out = t.stdout();
    assert!(out.contains("passed: input exactly 0, and ReLU′(0) = 1 by convention"));
    assert!(!out.contains("negative"), "{out}");
    let path = seesaw_with(
        "relu-zero-blocks",
        &[("relu_grad_at_zero: 1", "relu_grad_at_zero: 0")],
    );
    let mut t = Test::new()
        .args(["trace", path.to_str().unwrap(), "--only", "relu.backward"])
        .env("COLUMNS", "200")
        .status(0);
    let out = t.stdout();
    assert!(
        out.contains("blocked: input exactly 0, and ReLU′(0) = 0 by convention; zero gradient"),
        "{out}"
    );
    assert!(!out.contains("negative"), "{out}");
}

#[test]
fn seesaw_texts_stay_in_the_seesaw() {
    for s in builtins() {
        let mut t = Test::new()
            .args(["trace", &s, "--format", "json"])
            .status(0);
        let out = t.stdout();
        assert!(
            !out.contains("Data loss = 0.29"),
            "{s}: the slides' data loss"
        );
        assert!(!out.contains("f@c"), "{s}: the slides' notation");
    }
    let mut t = Test::new().args(["walk", "seesaw-mlp-softmax"]).status(0);
    let out = t.stdout();
    assert!(out.contains("The same loss with log base 10"), "{out}");
    assert!(!out.contains("(0.29)") && !out.contains("f@c"), "{out}");
    let mut t = Test::new()
        .args(["walk", "tests/scenarios/relu-at-zero.yaml"])
        .status(0);
    let out = t.stdout();
    assert!(
        out.contains("Chain rule: multiply by the derivative of the activation (the ReLU's is 1 where the sum is positive, else 0)."),
        "the reasoning follows the layer's activation:\n{out}"
    );
}

#[test]
fn ascii_writes_the_change_of_a_weight_as_dw() {
    let mut t = Test::new()
        .args([
            "trace",
            "seesaw-cnn",
            "--ascii",
            "--only",
            "output.backward",
        ])
        .env("COLUMNS", "200")
        .status(0);
    let out = t.stdout();
    assert!(
        out.contains("| output.dw.w1    | Dw1      | -alpha*(dL/dw1 + lambda*w1)"),
        "{out}"
    );
    assert!(!out.contains("delta_"), "{out}");
}

#[test]
fn compare_fits_100_columns_and_hints_only_when_l2_is_on() {
    let all = [
        "compare",
        "seesaw-cnn",
        "seesaw-mlp-softmax",
        "seesaw-mlp-sigmoid",
    ];
    let mut t = Test::new()
        .args(all.iter().chain(&["--slides", "--l2", "0"]).copied())
        .status(0);
    let out = t.stdout();
    let (longest, line) = widest_line(&out);
    assert!(longest <= 100, "a line of {longest}:\n{line}");
    assert!(!out.contains("try --l2 0"), "--l2 0 was given:\n{out}");
    let mut t = Test::new()
        .args(all.iter().chain(&["--slides"]).copied())
        .status(0);
    let out = t.stdout();
    assert!(widest_line(&out).0 <= 100, "{out}");
    assert!(
        out.contains(
            "Not converged with λ > 0 (seesaw-cnn, seesaw-mlp-softmax, seesaw-mlp-sigmoid): the L2 penalty"
        ),
        "{out}"
    );
}

#[test]
fn train_says_why_it_did_not_converge() {
    let mut t = Test::new().args(["train", "seesaw-cnn"]).status(0);
    let out = t.stdout();
    assert!(
        out.contains(
            "after 1000 epochs\nhint: with λ = 0.1 the L2 term pulls the weights towards 0 and keeps SSE above the stop rule; try\n  --l2 0\n"
        ),
        "{out}"
    );
    let mut t = Test::new()
        .args(["train", "seesaw-mlp-sigmoid", "--l2", "0"])
        .status(0);
    let out = t.stdout();
    assert!(
        out.contains(
            "hint: more epochs (--epochs) or a larger learning rate (--learning-rate) may get there"
        ),
        "{out}"
    );
}

#[test]
fn help_lists_only_what_works() {
    let mut t = Test::new().args(["compare", "--help"]).status(0);
    let out = t.stdout();
    assert!(out.contains("[possible values: table, json]"), "{out}");
    assert!(!out.contains("markdown") && !out.contains("latex"), "{out}");
    let mut t = Test::new().args(["check", "--help"]).status(0);
    let out = t.stdout();
    assert!(
        !out.contains("--blank") && !out.contains("--round"),
        "{out}"
    );
}

/// input of 80 → conv1d of one filter of 10 (71 positions) → dense 2 sigmoid (142
/// weights) → dense 2 softmax: long runs to summarise.
fn long_layers() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nntrace-fold-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let list = |n: usize, step: usize| {
        let v: Vec<String> = (0..n)
            .map(|i| format!("{}", ((i * step) % 9) as f64 / 10.0 - 0.4))
            .collect();
        format!("[{}]", v.join(", "))
    };
    let text = format!(
        "data: [{{input: {}, target: 1}}]\nlearning_rate: 0.1\nloss: cross_entropy\nlayers:\n\
         \x20 - conv1d: {{kernel: {}}}\n\
         \x20 - dense: {{activation: sigmoid, weights: [{}, {}]}}\n\
         \x20 - dense: {{activation: softmax, weights: [[0.1, 0.2], [0.3, -0.1]]}}\n",
        list(80, 7),
        list(10, 5),
        list(71, 2),
        list(71, 4)
    );
    let path = dir.join("long.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn long_runs_show_their_first_and_last_five_unless_full() {
    let file = long_layers();
    let file = file.to_str().unwrap();
    let mut t = Test::new().args(["trace", file]).status(0);
    let summary = t.stdout();
    let ids = |text: &str, prefix: &str| {
        text.lines()
            .filter_map(|l| l.split('│').nth(1))
            .map(str::trim)
            .filter(|id| id.starts_with(prefix))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    // 142 weights of the hidden layer: 5 + 132 left out + 5.
    let weights = ids(&summary, "hidden.w.");
    assert_eq!(weights.len(), 10, "{weights:?}");
    assert_eq!(weights[4], "hidden.w.w_hidden1_conv3");
    assert_eq!(weights[5], "hidden.w.w_hidden2_conv69");
    assert!(
        summary
            .lines()
            .any(|l| l.starts_with("│ ⋮ 132 more ") && l.contains("│ --full shows them")),
        "{summary}"
    );
    // The two nets and outputs of the hidden layer are few: all shown.
    assert_eq!(ids(&summary, "hidden.net.").len(), 2);
    // The filter table: positions 1–5 and 67–71; all ten weights (a filter is folded
    // only above 27 weights), in as many tables as the width needs.
    for w in 1..=10 {
        assert!(
            summary.contains(&format!("term of ∂L/∂w{w} ")),
            "w{w}: {summary}"
        );
    }
    assert!(!summary.contains("more weights"), "{summary}");
    assert!(summary.contains("5 (conv5)") && summary.contains("67 (conv67)"));
    assert!(!summary.contains("6 (conv6)") && !summary.contains("66 (conv66)"));
    assert!(summary.contains("⋮ 61 more"));
    // The update table: the hidden layer's 142 weights summarised too.
    let updates = summary.split("UPDATE").nth(1).unwrap();
    assert!(updates.contains("⋮ 132 more"), "{updates}");
    let mut t = Test::new().args(["trace", file, "--full"]).status(0);
    let full = t.stdout();
    assert_eq!(ids(&full, "hidden.w.").len(), 142);
    assert!(!full.contains('⋮'), "nothing is left out with --full");
    let mut t = Test::new()
        .args(["trace", file, "--only", "hidden.update"])
        .status(0);
    let only = t.stdout();
    assert!(
        only.contains("⋮ 132 more") && !only.contains("conv  "),
        "{only}"
    );
    Test::new()
        .args(["trace", file, "--full", "--format", "json"])
        .status(2)
        .stderr_has("--full shows every row of the terminal tables: use it with --format table");
}
