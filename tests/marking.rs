//! Marking as a good teacher does: rounding is not a mistake, answers files are found from
//! any folder, and a file with nothing filled in is said to have nothing to check.

use crate::support::Test;
use nntrace::check::{self, Report, Verdict, answers};
use nntrace::network::Explainer;
use nntrace::scenario::{self, Scenario};
use nntrace::trace::{Kind, Policy};
use std::path::{Path, PathBuf};

/// Checks an answers file given as text.
fn judge_text(s: &Scenario, text: &str) -> Report {
    let file = answers::parse(text, "student.yaml").expect("a valid answers file");
    check::check(s, 0, &file)
}

fn answer<'r>(r: &'r Report, id: &str) -> &'r check::Judged {
    r.answers
        .iter()
        .find(|a| a.id == id)
        .unwrap_or_else(|| panic!("{id} not judged"))
}

/// `x` with `n` significant digits as a student writes it, trailing zeros kept (so `1.0`,
/// not `1`, which would claim an exact value).
fn written(x: f64, n: usize) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (n as i32 - 1 - magnitude).max(1) as usize;
    format!("{x:.decimals$}")
}

#[test]
fn the_student_who_rounds_p1_to_three_digits_is_correct() {
    let s = scenario::load("seesaw-cnn").unwrap();
    // p1 = 0.513 (exact 0.512872), so ∂L/∂w1 = (0.513 − 1)·C = −0.487·0.495 = −0.241065.
    let c = 0.495_f64;
    let wgrad = (0.513 - 1.0) * c;
    assert_eq!(written(wgrad, 6), "-0.241065");

    let both = judge_text(
        &s,
        "answers:\n  output.out.p1: 0.513\n  output.wgrad.w1: -0.241065\n",
    );
    let a = answer(&both, "output.wgrad.w1");
    assert_eq!(a.verdict, Verdict::Correct);
    assert_eq!(
        a.explanation.as_deref(),
        Some("follows from your rounded output.out.p1 = 0.513: rounding is not a mistake")
    );
    assert_eq!(a.follows_from, vec!["output.out.p1".to_string()]);
    assert_eq!(both.score.correct, 2);
    assert_eq!(both.exit_code(), 0);

    let alone = judge_text(&s, "answers:\n  output.wgrad.w1: -0.241065\n");
    let a = answer(&alone, "output.wgrad.w1");
    assert_eq!(a.verdict, Verdict::Correct);
    assert_eq!(
        a.explanation.as_deref(),
        Some(
            "follows from the earlier values rounded to 3 significant digits: rounding is not a mistake"
        )
    );
}

/// One quantity of a hand calculation: its id and kind, the value rounded as it was used,
/// and the value computed from the rounded values before it (unrounded).
struct Hand {
    id: String,
    kind: Kind,
    rounded: f64,
    computed: f64,
}

/// Every quantity of the hand-calculation trace at `digits` significant digits.
fn hand_calculation(s: &Scenario, digits: u32) -> Vec<Hand> {
    let t = s.trace(
        0,
        Policy {
            round: Some(digits),
            ..Policy::default()
        },
    );
    let ex = Explainer::new(&s.network, &s.setup, &s.data[0], &t);
    t.entries
        .iter()
        .map(|e| Hand {
            id: ex.id(e.key),
            kind: e.key.kind,
            rounded: e.value,
            computed: t.computed(e.key).unwrap(),
        })
        .collect()
}

/// Which values a student writes down, and how.
enum Writes {
    /// Every value, as used (rounded).
    All,
    /// Every third value, as used.
    EveryThird,
    /// Only the held updates, each to 6 digits as the calculator showed it (computed from
    /// the rounded values before it).
    UpdatesOnly,
    /// Every other value as used, and the new weights to 6 digits.
    Mixed,
}

impl Writes {
    fn value(&self, i: usize, h: &Hand, digits: usize) -> Option<String> {
        match self {
            Writes::All => Some(written(h.rounded, digits)),
            Writes::EveryThird => i.is_multiple_of(3).then(|| written(h.rounded, digits)),
            Writes::UpdatesOnly => (h.kind == Kind::Dw).then(|| written(h.computed, 6)),
            Writes::Mixed if h.kind == Kind::New => Some(written(h.computed, 6)),
            Writes::Mixed => i.is_multiple_of(2).then(|| written(h.rounded, digits)),
        }
    }
}

#[test]
fn a_student_rounding_to_2_3_or_4_digits_is_correct_writing_all_or_some_values() {
    for name in ["seesaw-cnn", "seesaw-mlp-sigmoid"] {
        let s = scenario::load(name).unwrap();
        for digits in [2, 3, 4] {
            let hand = hand_calculation(&s, digits);
            let mut by_rounding = 0;
            for writes in [
                Writes::All,
                Writes::EveryThird,
                Writes::UpdatesOnly,
                Writes::Mixed,
            ] {
                let mut text = String::from("answers:\n");
                let mut count = 0;
                for (i, h) in hand.iter().enumerate() {
                    if let Some(v) = writes.value(i, h, digits as usize) {
                        text.push_str(&format!("  {}: {v}\n", h.id));
                        count += 1;
                    }
                }
                let report = judge_text(&s, &text);
                let not_correct: Vec<String> = report
                    .answers
                    .iter()
                    .filter(|a| a.verdict != Verdict::Correct)
                    .map(|a| {
                        format!(
                            "{} = {} ({:?}, exact {:?})",
                            a.id, a.text, a.verdict, a.exact
                        )
                    })
                    .collect();
                let case = format!("{name}, {digits} digits, {}", text.lines().count() - 1);
                assert!(not_correct.is_empty(), "{case}: {not_correct:#?}");
                assert_eq!(report.score.correct, count, "{case}");
                by_rounding += report
                    .answers
                    .iter()
                    .filter(|a| {
                        a.explanation
                            .as_deref()
                            .is_some_and(|e| e.ends_with("rounding is not a mistake"))
                    })
                    .count();
            }
            // The test is only worth something if rounding was needed somewhere.
            assert!(
                by_rounding > 0,
                "{name}, {digits} digits: no answer needed the rounding rule"
            );
        }
    }
}

#[test]
fn a_wrong_value_carried_with_rounding_is_consistent_not_correct() {
    let s = scenario::load("seesaw-cnn").unwrap();
    // A = 0.1 (the slides' slip), then C = σ(−0.1·0.1 + 0.2·B) with B = 0 … to 3 digits:
    // I@C = −0.01, C = σ(−0.01) = 0.4975 → 0.498 (exact C = σ(−0.02) = 0.495).
    let c = 1.0 / (1.0 + (0.01f64).exp());
    assert_eq!(written(c, 3), "0.498");
    let report = judge_text(&s, "answers:\n  pool.out.A: 0.1\n  hidden.out.C: 0.498\n");
    let a = answer(&report, "hidden.out.C");
    assert_eq!(a.verdict, Verdict::Consistent);
    assert_eq!(a.follows_from, vec!["pool.out.A".to_string()]);
    assert_eq!(answer(&report, "pool.out.A").verdict, Verdict::Wrong);
}

/// A folder of its own under the system's temporary folder, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str) -> Folder {
        let dir = std::env::temp_dir().join(format!("nntrace-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Folder(dir)
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The seesaw CNN under another name, as a lecturer's homework file.
fn homework() -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/seesaw-cnn.yaml"
    ))
    .unwrap();
    text.replace("name: seesaw-cnn", "name: homework")
}

#[test]
fn the_answers_files_scenario_is_found_from_any_folder() {
    let class = Folder::new("paths");
    let hw = class.write("hw/hw.yaml", &homework());
    let mine = class.write(
        "hw/mine.yaml",
        "scenario: hw.yaml\nanswers:\n  pool.out.A: 0.2\n",
    );
    let elsewhere = Folder::new("paths-elsewhere");
    let copy = elsewhere.write("copy-of-hw.yaml", &homework());
    let first_line = |mine: &str| format!("homework — checking {mine} against pattern 0\n");

    // From another folder: the answers file alone, and with the scenario's path.
    let mut t = Test::new()
        .dir(elsewhere.path())
        .args(["check", &mine])
        .status(0);
    assert!(t.stdout().starts_with(&first_line(&mine)), "{}", t.stdout());
    Test::new()
        .dir(elsewhere.path())
        .args(["check", &hw, &mine])
        .status(0);
    // From the answers' own folder, the scenario written another way.
    let mut t = Test::new()
        .dir(class.path().join("hw"))
        .args(["check", "./hw.yaml", "mine.yaml"])
        .status(0);
    assert!(t.stdout().starts_with(&first_line("mine.yaml")));
    Test::new()
        .dir(class.path())
        .args(["check", "hw/../hw/hw.yaml", "hw/mine.yaml"])
        .status(0);
    // Another file that declares the same name agrees.
    Test::new()
        .dir(elsewhere.path())
        .args(["check", "copy-of-hw.yaml", &mine])
        .status(0);
    assert!(copy.ends_with("copy-of-hw.yaml"));
    // A real disagreement is refused, at the `scenario:` line.
    let mut t = Test::new()
        .dir(elsewhere.path())
        .args(["check", "seesaw-cnn", &mine])
        .status(2);
    assert_eq!(
        t.stderr(),
        format!(
            "error: {mine}:1:1: scenario: these answers are for `hw.yaml`, not `seesaw-cnn`\n  \
             help: check them against `hw.yaml`, or change the `scenario:` line\n"
        )
    );
}

#[test]
fn a_missing_scenario_is_reported_at_the_answers_files_scenario_line() {
    let class = Folder::new("missing");
    let mine = class.write(
        "mine.yaml",
        "# my homework\nscenario: gone.yaml\nanswers:\n  pool.out.A: 0.2\n",
    );
    let looked = class.path().join("gone.yaml");
    let mut t = Test::new().dir("/").args(["check", &mine]).status(2);
    assert_eq!(
        t.stderr(),
        format!(
            "error: {mine}:2:1: scenario: `gone.yaml`: no such file (looked for {}), and no \
             built-in scenario by that name\n  help: `scenario:` is a built-in name (`nntrace \
             list`) or a path relative to the answers file's folder\n",
            looked.display()
        )
    );
    assert_eq!(t.stdout(), "");
}

#[test]
fn an_answers_file_with_nothing_filled_in_has_nothing_to_check() {
    let class = Folder::new("blank");
    let mut template = Test::new().args(["template", "seesaw-cnn"]).status(0);
    let blank = class.write("blank.yaml", &template.stdout());
    let mut t = Test::new().args(["check", &blank]).status(2);
    assert_eq!(
        t.stderr(),
        format!(
            "error: {blank}:7:1: answers: nothing to check: every value is left empty\n  \
             help: write each value you computed after its id, e.g. `pool.out.A: 0.2`; \
             `nntrace template SCENARIO` lists every id\n"
        )
    );
    assert_eq!(t.stdout(), "");
    let none = class.write("none.yaml", "scenario: seesaw-cnn\n");
    Test::new()
        .args(["check", &none])
        .status(2)
        .stderr_has(&format!(
            "error: {none}: answers: nothing to check: no answers are listed\n"
        ));
}

#[test]
fn a_pattern_in_the_answers_file_is_reported_there() {
    let class = Folder::new("pattern");
    let mine = class.write(
        "mine.yaml",
        "scenario: seesaw-cnn\npattern: 7\nanswers:\n  pool.out.A: 0.2\n",
    );
    let mut t = Test::new().args(["check", &mine]).status(2);
    assert_eq!(
        t.stderr(),
        format!(
            "error: {mine}:2:1: pattern: pattern 7, but seesaw-cnn has patterns 0 to 3\n  \
             help: change the `pattern:` line (patterns count from 0)\n"
        )
    );
}

#[test]
fn a_huge_integer_answer_is_judged_as_the_number_it_is() {
    let class = Folder::new("huge");
    let mine = class.write(
        "mine.yaml",
        "scenario: seesaw-cnn\nanswers:\n  pool.out.A: 99999999999999999999\n  pool.out.B: 0\n",
    );
    let mut t = Test::new()
        .args(["check", &mine, "--format", "json"])
        .status(1);
    let json: serde_json::Value = serde_json::from_str(&t.stdout()).unwrap();
    let a = &json["answers"][0];
    assert_eq!(a["id"], "pool.out.A");
    assert_eq!(a["given"], 1e20);
    assert_eq!(a["verdict"], "wrong");
    assert_eq!(json["answers"][1]["verdict"], "correct");
    assert_eq!(t.stderr(), "");
}
