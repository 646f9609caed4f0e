//! The checker: the slides as a student, every mistake of the catalogue planted and named,
//! an early slip carried forward, and exact answers always correct.

use crate::support::random::random_scenario;
use crate::support::{Test, snapshot_stdout, values};
use nntrace::check::{self, Report, Verdict, answers};
use nntrace::formula::plain_number;
use nntrace::network::Explainer;
use nntrace::scenario::{self, Scenario};
use nntrace::trace::{Policy, Trace};
use proptest::prelude::*;
use std::collections::HashMap;

const SLIDES: &str = "scenarios/seesaw-cnn.slide-answers.yaml";

/// Checks answers written with 6 significant digits.
fn judge(s: &Scenario, pattern: usize, answers: &[(&str, f64)]) -> Report {
    let mut text = format!("pattern: {pattern}\nanswers:\n");
    for (id, v) in answers {
        text.push_str(&format!("  {id}: {}\n", plain_number(*v, 6)));
    }
    let file = answers::parse(&text, "planted.yaml").expect("a valid answers file");
    check::check(s, pattern, &file)
}

fn verdict_of<'r>(r: &'r Report, id: &str) -> &'r check::Judged {
    r.answers
        .iter()
        .find(|a| a.id == id)
        .unwrap_or_else(|| panic!("{id} not judged"))
}

#[test]
fn the_slides_numbers_show_exactly_the_slides_slips() {
    let mut t = Test::new()
        .args(["check", "seesaw-cnn", SLIDES, "--format", "json"])
        .status(1);
    let json: serde_json::Value = serde_json::from_str(&t.stdout()).unwrap();
    let slips = [
        ("pool.out.A", "wrong-pool-input"),
        ("loss", "log10-loss"),
        ("pool.grad.A", "missing-activation-derivative"),
        ("pool.grad.B", "missing-activation-derivative"),
    ];
    let answers = json["answers"].as_array().unwrap();
    assert!(answers.len() >= 20);
    for a in answers {
        let id = a["id"].as_str().unwrap();
        match slips.iter().find(|(slip, _)| *slip == id) {
            Some((_, code)) => {
                assert_eq!(a["verdict"], "wrong", "{id}");
                assert_eq!(a["diagnosis"], *code, "{id}");
            }
            None => assert!(
                a["verdict"] == "correct" || a["verdict"] == "consistent",
                "{id} should be correct or consistent: {a}"
            ),
        }
    }
    assert_eq!(json["first_root_error"], "pool.out.A");
    assert_eq!(json["score"]["wrong"], 4);
    let explanation =
        answers.iter().find(|a| a["id"] == "pool.out.A").unwrap()["explanation"].clone();
    assert_eq!(explanation, "max(0.2, 0.1) = 0.2 comes from r1; 0.1 is r2");
}

#[test]
fn check_seesaw_slides_table() {
    snapshot_stdout(
        "check_seesaw_slides_table",
        &["check", "seesaw-cnn", SLIDES, "--color", "never"],
        1,
    );
}

#[test]
fn check_seesaw_slides_json() {
    snapshot_stdout(
        "check_seesaw_slides_json",
        &["check", "seesaw-cnn", SLIDES, "--format", "json"],
        1,
    );
}

#[test]
fn template_seesaw_cnn() {
    snapshot_stdout("template_seesaw_cnn", &["template", "seesaw-cnn"], 0);
}

/// The ids of a template's answer lines, in order.
fn template_ids(template: &str) -> Vec<&str> {
    template
        .lines()
        .filter(|l| l.starts_with("  ") && !l.trim_start().starts_with('#'))
        .map(|l| {
            let (key, _) = l.trim().split_once(" #").expect("a comment after the id");
            key.trim_end().strip_suffix(':').expect("an id and a colon")
        })
        .collect()
}

/// `template --ascii` spells its comments in ASCII but never an id: with outputs named
/// `é` and `中文` every id stays as `check` reads it, and the filled-in file is judged.
#[test]
fn an_ascii_template_keeps_every_id_exact() {
    let file = "tests/scenarios/hostile-names.yaml";
    let plain = Test::new().args(["template", file]).status(0).stdout();
    let ascii = Test::new()
        .args(["template", file, "--ascii"])
        .status(0)
        .stdout();
    let ids = template_ids(&ascii);
    assert_eq!(ids, template_ids(&plain));
    assert!(ids.contains(&"out_put.out.中文") && ids.contains(&"out_put.out.é"));
    for line in ascii.lines() {
        let comment = line.split_once(" #").map_or(line, |(_, c)| c);
        assert!(comment.is_ascii(), "not ASCII: {line}");
    }
    let exact = values(file, 0);
    let mut filled = String::new();
    for line in ascii.lines() {
        match template_ids(line).first() {
            Some(id) => filled.push_str(&format!("  {id}: {}\n", exact[*id])),
            // The answers file is elsewhere: its scenario by absolute path.
            None if line.starts_with("scenario:") => filled.push_str(&format!(
                "scenario: {}/{file}\n",
                env!("CARGO_MANIFEST_DIR")
            )),
            None => filled.push_str(&format!("{line}\n")),
        }
    }
    let answers = std::env::temp_dir().join(format!("nntrace-ascii-{}.yaml", std::process::id()));
    std::fs::write(&answers, filled).unwrap();
    Test::new()
        .args(["check", answers.to_str().unwrap()])
        .status(0)
        .stdout_has(&format!("{} correct", ids.len()));
    std::fs::remove_file(answers).unwrap();
}

/// One planted mistake: where, the value a student with that mistake writes (worked out
/// here by hand from the exact values), and the diagnosis expected.
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
        // ∂L/∂A = Σ ∂L/∂(C, D)·w without the sigmoid derivative (the slides' slip).
        p(
            "seesaw-cnn",
            0,
            "pool.grad.A",
            |v| v["hidden.grad.C"] * v["hidden.w.w5"] + v["hidden.grad.D"] * v["hidden.w.w6"],
            "missing-activation-derivative",
        ),
        // ∂L/∂C through the output sigmoids without their derivative (squared error).
        p(
            "seesaw-mlp-sigmoid",
            0,
            "hidden.grad.C",
            |v| {
                v["output.grad.y1"] * v["output.w.w_y1_C"]
                    + v["output.grad.y2"] * v["output.w.w_y2_C"]
            },
            "missing-activation-derivative",
        ),
        p(
            "seesaw-cnn",
            0,
            "loss",
            |v| -v["output.out.p1"].log10(),
            "log10-loss",
        ),
        p(
            "seesaw-mlp-softmax",
            3,
            "loss",
            |v| -v["output.out.p2"].log10(),
            "log10-loss",
        ),
        p(
            "seesaw-cnn",
            0,
            "pool.out.A",
            |v| v["relu.out.r2"],
            "wrong-pool-input",
        ),
        p(
            "seesaw-cnn",
            2,
            "pool.out.A",
            |v| v["relu.out.r1"],
            "wrong-pool-input",
        ),
        // A's gradient sent to r2, which did not hold the maximum.
        p(
            "seesaw-cnn",
            0,
            "relu.grad.r2",
            |v| v["pool.grad.A"],
            "wrong-pool-input",
        ),
        p(
            "seesaw-cnn",
            0,
            "output.dw.w1",
            |v| -v["output.dw.w1"],
            "sign-flip",
        ),
        p(
            "seesaw-mlp-sigmoid",
            1,
            "hidden.delta.C",
            |v| -v["hidden.delta.C"],
            "sign-flip",
        ),
        p(
            "seesaw-cnn",
            0,
            "hidden.dw.w6",
            |v| -0.1 * v["hidden.wgrad.w6"],
            "missing-l2",
        ),
        p(
            "seesaw-mlp-softmax",
            0,
            "output.dw.w_p1_C",
            |v| -0.1 * v["output.wgrad.w_p1_C"],
            "missing-l2",
        ),
        p(
            "seesaw-cnn",
            0,
            "output.dw.w1",
            |v| v["output.wgrad.w1"] + 0.1 * v["output.w.w1"],
            "missing-learning-rate",
        ),
        p(
            "seesaw-mlp-sigmoid",
            2,
            "hidden.dw.w_C_In3",
            |v| v["hidden.wgrad.w_C_In3"] + 0.1 * v["hidden.w.w_C_In3"],
            "missing-learning-rate",
        ),
        p(
            "seesaw-cnn",
            0,
            "output.delta.p1",
            |v| v["output.out.p1"],
            "p-instead-of-p-minus-1",
        ),
        p(
            "seesaw-mlp-softmax",
            2,
            "output.delta.p2",
            |v| v["output.out.p2"],
            "p-instead-of-p-minus-1",
        ),
        // ∂L/∂C = Σ δ·w with the weights already updated.
        p(
            "seesaw-cnn",
            0,
            "hidden.grad.C",
            |v| {
                v["output.delta.p1"] * v["output.new.w1"]
                    + v["output.delta.p2"] * v["output.new.w2"]
            },
            "updated-weight",
        ),
        p(
            "seesaw-mlp-sigmoid",
            0,
            "hidden.grad.D",
            |v| {
                v["output.delta.y1"] * v["output.new.w_y1_D"]
                    + v["output.delta.y2"] * v["output.new.w_y2_D"]
            },
            "updated-weight",
        ),
        // f3 = 0 exactly: the slides pass the gradient there, PyTorch blocks it.
        p("seesaw-cnn", 0, "conv.grad.f3", |_| 0.0, "relu-at-zero"),
        p(
            "tests/scenarios/relu-at-zero.yaml",
            0,
            "hidden.delta.C",
            |v| v["hidden.grad.C"],
            "relu-at-zero",
        ),
        // The squared-error CNN: B taken from r4, which did not hold the maximum.
        p(
            "tests/scenarios/cnn-squared-error.yaml",
            1,
            "pool.out.B",
            |v| v["relu.out.r4"],
            "wrong-pool-input",
        ),
        p(
            "seesaw-mlp-sigmoid",
            3,
            "hidden.dw.w_D_In4",
            |v| -0.1 * v["hidden.wgrad.w_D_In4"],
            "missing-l2",
        ),
    ]
}

#[test]
fn every_mistake_of_the_catalogue_is_named() {
    let mut codes = std::collections::BTreeSet::new();
    for plant in plants() {
        let s = scenario::load(plant.scenario).unwrap();
        let v = values(plant.scenario, plant.pattern);
        let planted = (plant.value)(&v);
        assert!(
            (planted - v[plant.id]).abs() > 1e-6,
            "{} {}: the planted value must differ from the exact one",
            plant.scenario,
            plant.id
        );
        let report = judge(&s, plant.pattern, &[(plant.id, planted)]);
        let j = verdict_of(&report, plant.id);
        assert_eq!(j.verdict, Verdict::Wrong, "{} {}", plant.scenario, plant.id);
        assert_eq!(
            j.diagnosis(),
            Some(plant.code),
            "{} {} = {planted}: {:?}",
            plant.scenario,
            plant.id,
            j.explanation
        );
        codes.insert(plant.code);
    }
    assert_eq!(
        codes.len(),
        9,
        "every code of the SPEC's catalogue is planted"
    );
}

/// Every quantity after `slip` as computed from the student's wrong value there.
fn carried_from(name: &str, pattern: usize, slip: &str, wrong: f64) -> Vec<(String, f64)> {
    let s = scenario::load(name).unwrap();
    let p = &s.data[pattern];
    let mut exact = Trace::new(Policy::default());
    s.network.step(&s.setup, p, &mut exact);
    let ex = Explainer::new(&s.network, &s.setup, p, &exact);
    let key = exact
        .entries
        .iter()
        .map(|e| e.key)
        .find(|&k| ex.id(k) == slip)
        .unwrap();
    let mut carried = Trace::new(Policy {
        overrides: HashMap::from([(key, wrong)]),
        ..Policy::default()
    });
    s.network.step(&s.setup, p, &mut carried);
    let at = carried.entries.iter().position(|e| e.key == key).unwrap();
    carried.entries[at..]
        .iter()
        .map(|e| (ex.id(e.key), e.value))
        .collect()
}

#[test]
fn one_early_slip_leaves_every_later_answer_consistent() {
    for (name, pattern, slip, wrong) in [
        ("seesaw-cnn", 0, "pool.out.A", 0.1),
        ("seesaw-mlp-sigmoid", 0, "hidden.out.C", 0.6),
        ("seesaw-mlp-softmax", 1, "output.net.p1", -0.3),
    ] {
        let s = scenario::load(name).unwrap();
        let answers = carried_from(name, pattern, slip, wrong);
        let borrowed: Vec<(&str, f64)> = answers.iter().map(|(id, v)| (id.as_str(), *v)).collect();
        let report = judge(&s, pattern, &borrowed);
        assert_eq!(
            verdict_of(&report, slip).verdict,
            Verdict::Wrong,
            "{name}: the slip itself"
        );
        let later: Vec<_> = report.answers.iter().filter(|a| a.id != slip).collect();
        for a in &later {
            assert!(
                matches!(a.verdict, Verdict::Consistent | Verdict::Correct),
                "{name} {}: {:?}, given {} exact {:?} carried {:?}",
                a.id,
                a.verdict,
                a.text,
                a.exact,
                a.carried
            );
            if a.verdict == Verdict::Consistent {
                assert!(
                    a.follows_from.contains(&slip.to_string()),
                    "{name} {} names its cause",
                    a.id
                );
            }
        }
        let consistent = later
            .iter()
            .filter(|a| a.verdict == Verdict::Consistent)
            .count();
        assert!(
            consistent >= 10,
            "{name}: the slip reaches many later answers ({consistent})"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn exact_values_to_six_decimals_are_all_correct(text in random_scenario()) {
        let s = scenario::parse(&text, "random", "random").unwrap();
        let p = &s.data[0];
        let mut t = Trace::new(Policy::default());
        s.network.step(&s.setup, p, &mut t);
        let ex = Explainer::new(&s.network, &s.setup, p, &t);
        let mut file = String::from("answers:\n");
        for e in &t.entries {
            file.push_str(&format!("  {}: {:.6}\n", ex.id(e.key), e.value));
        }
        let answers = answers::parse(&file, "exact.yaml").unwrap();
        let report = check::check(&s, 0, &answers);
        prop_assert_eq!(report.score.correct, t.entries.len(), "{:?}", report.answers.iter().find(|a| a.verdict != Verdict::Correct));
        prop_assert_eq!(report.exit_code(), 0);
    }
}

#[test]
fn an_unknown_id_is_listed_with_the_nearest_id_and_the_rest_still_judged() {
    Test::new()
        .args(["check", "tests/answers/unknown-id.yaml"])
        .status(2)
        .stderr_has("error: tests/answers/unknown-id.yaml:4:3: answers.hidden.delta.c: no quantity has this id; did you mean `hidden.delta.C`?")
        .stdout_has("? unknown")
        .stdout_has("score: 2 correct, 0 consistent with an earlier error, 0 wrong, 1 unknown (3 answers)");
}

#[test]
fn a_value_that_is_not_a_number_is_listed_with_its_position() {
    Test::new()
        .args(["check", "seesaw-cnn", "tests/answers/not-a-number.yaml"])
        .status(2)
        .stderr_has("not-a-number.yaml:4:3: answers.hidden.out.C: `about a half` is not a number");
}

#[test]
fn empty_values_are_skipped() {
    Test::new()
        .args(["check", "tests/answers/all-right.yaml"])
        .status(0)
        .stdout_has("7 correct")
        .stdout_has("1 left empty")
        .stdout_has("no wrong answers");
    let mut t = Test::new()
        .args(["template", "seesaw-mlp-softmax"])
        .status(0);
    let blank = std::env::temp_dir().join(format!("nntrace-blank-{}.yaml", std::process::id()));
    std::fs::write(&blank, t.stdout()).unwrap();
    Test::new()
        .args(["check", blank.to_str().unwrap()])
        .status(2)
        .stderr_has("answers: nothing to check: every value is left empty");
    std::fs::remove_file(blank).unwrap();
}

#[test]
fn broken_answers_files_are_refused_with_line_and_column() {
    for (file, message) in [
        (
            "duplicate-id",
            "duplicate-id.yaml:5:3: answers.pool.out.A: given twice (line 3) and again here",
        ),
        (
            "malformed",
            "malformed.yaml:3:15: the list opened by this `[` is not closed: at 4:1 the YAML \
             parser expected `,` or `]`",
        ),
        (
            "unknown-key",
            "unknown-key.yaml:2:1: unknown field `student`, expected one of `scenario`, `pattern`, `answers`",
        ),
        (
            "list-value",
            "list-value.yaml:3:15: answers.pool.out.A: invalid type: sequence, expected a number",
        ),
    ] {
        let mut t = Test::new()
            .args(["check", "seesaw-cnn", &format!("tests/answers/{file}.yaml")])
            .status(2)
            .stderr_has(message);
        assert_eq!(
            t.stdout(),
            "",
            "{file}: no report for a file that cannot be read"
        );
    }
}

#[test]
fn answers_for_another_scenario_or_pattern_are_refused() {
    Test::new()
        .args(["check", "seesaw-cnn", "tests/answers/other-scenario.yaml"])
        .status(2)
        .stderr_has("other-scenario.yaml:1:1: scenario: these answers are for `seesaw-mlp-softmax`, not `seesaw-cnn`");
    Test::new()
        .args([
            "check",
            "seesaw-cnn",
            "tests/answers/other-pattern.yaml",
            "--pattern",
            "0",
        ])
        .status(2)
        .stderr_has(
            "other-pattern.yaml:2:1: pattern: these answers are for pattern 2, not --pattern 0",
        );
    Test::new()
        .args(["check", "tests/answers/other-pattern.yaml"])
        .status(0)
        .stdout_has("against pattern 2");
}

#[test]
fn the_scenario_comes_from_the_command_line_or_the_file() {
    Test::new()
        .args(["check", "tests/answers/other-scenario.yaml"])
        .status(0)
        .stdout_has("seesaw-mlp-softmax");
    Test::new()
        .args([
            "check",
            "scenarios/seesaw-cnn.yaml",
            "tests/answers/unknown-id.yaml",
        ])
        .status(2)
        .stdout_has("seesaw-cnn — checking");
    Test::new()
        .args(["check", "tests/answers/no-such-file.yaml"])
        .status(2)
        .stderr_has("cannot read");
    Test::new()
        .args(["check", "tests/scenarios/relu-at-zero.yaml"])
        .status(2)
        .stderr_has("unknown field");
}

#[test]
fn answers_that_do_not_name_their_scenario_need_one_on_the_command_line() {
    Test::new()
        .args(["check", "tests/answers/no-scenario.yaml"])
        .status(2)
        .stderr_has("error: tests/answers/no-scenario.yaml: scenario: missing: the file does not say which scenario it answers\n  help: add a line `scenario: NAME`, or run `nntrace check SCENARIO tests/answers/no-scenario.yaml`\n");
    Test::new()
        .args(["check", "seesaw-cnn", "tests/answers/no-scenario.yaml"])
        .status(0);
}

#[test]
fn options_that_shape_a_trace_are_refused_by_check() {
    Test::new()
        .args(["check", "seesaw-cnn", SLIDES, "--round", "3"])
        .status(2)
        .stderr_has("error: unexpected argument '--round' found");
}
