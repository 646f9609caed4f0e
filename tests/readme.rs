//! The README is the manual a clone carries: it must stand alone, its scenario example
//! must be a valid scenario, and it must list every key the parser accepts (the error for
//! an unknown key says it does).

use crate::support::Test;
use nntrace::scenario;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

#[test]
fn the_readme_stands_alone() {
    let text = readme();
    assert!(!text.contains("../shared"), "a clone has no ../shared");
    assert!(!text.contains("SPEC"), "a clone has no SPEC");
    let setup = text.find("cargo test ").unwrap();
    let install = text.find("cargo install --path .").unwrap();
    assert!(
        install > setup && install < text.find("## ").unwrap(),
        "install comes first"
    );
}

#[test]
fn the_scenario_example_is_a_valid_scenario() {
    let text = readme();
    let section = &text[text.find("## Scenario files").unwrap()..];
    let start = section.find("```yaml\n").unwrap() + "```yaml\n".len();
    let yaml = &section[start..start + section[start..].find("```").unwrap()];
    let s = scenario::parse(yaml, "README", "readme").unwrap();
    assert_eq!(s.network.layers.len(), 5);
}

/// The keys the parser allows at one place, as its message for an unknown key lists them.
fn allowed(scenario: &str) -> Vec<String> {
    let path = std::env::temp_dir().join(format!("nntrace-readme-{}.yaml", std::process::id()));
    std::fs::write(&path, scenario).unwrap();
    let mut t = Test::new()
        .args(["trace", path.to_str().unwrap()])
        .status(2);
    keys_in_message(&t.stderr())
}

fn keys_in_message(err: &str) -> Vec<String> {
    assert!(
        err.contains("every key is listed in the README, section \"Scenario files\""),
        "{err}"
    );
    // serde writes "expected one of `a`, `b`, `c`", "expected `a` or `b`" or "expected `a`".
    let list = err
        .split("expected ")
        .nth(1)
        .unwrap_or_else(|| panic!("{err}"));
    let list = list.lines().next().unwrap().trim_start_matches("one of ");
    list.split(", ")
        .flat_map(|part| part.split(" or "))
        .map(|k| k.trim_matches('`').to_string())
        .collect()
}

#[test]
fn every_key_the_parser_accepts_is_in_the_readme() {
    let text = readme();
    let row = |place: &str| -> String {
        text.lines()
            .find(|l| l.starts_with(&format!("| {place} |")))
            .unwrap_or_else(|| panic!("no README row for {place}"))
            .to_string()
    };
    let base = "data: [{input: [1, 0], target: 0}]\nlearning_rate: 0.1\nloss: half_squared_error\n";
    let dense = "layers: [{dense: {activation: sigmoid, weights: [[1, 1], [1, 1]]}}]\n";
    let places = [
        ("top level", format!("{base}{dense}zzz: 1\n")),
        (
            "a row of `data`",
            format!(
                "data: [{{input: [1, 0], target: 0, zzz: 1}}]\nlearning_rate: 0.1\nloss: half_squared_error\n{dense}"
            ),
        ),
        (
            "`conventions`",
            format!("{base}{dense}conventions: {{zzz: 1}}\n"),
        ),
        ("`train`", format!("{base}{dense}train: {{zzz: 1}}\n")),
        (
            "`conv1d`",
            format!("{base}layers: [{{conv1d: {{kernel: [1], zzz: 1}}}}]\n"),
        ),
        ("`relu`", format!("{base}layers: [{{relu: {{zzz: 1}}}}]\n")),
        (
            "`conv2d`",
            format!("{base}layers: [{{conv2d: {{kernel: [[1]], zzz: 1}}}}]\n"),
        ),
        (
            "`flatten`",
            format!("{base}layers: [{{flatten: {{zzz: 1}}}}]\n"),
        ),
        (
            "`maxpool1d`",
            format!("{base}layers: [{{maxpool1d: {{size: 1, zzz: 1}}}}]\n"),
        ),
        (
            "`dense`",
            format!(
                "{base}layers: [{{dense: {{activation: sigmoid, weights: [[1, 1]], zzz: 1}}}}]\n"
            ),
        ),
        (
            "`avgpool1d`",
            format!("{base}layers: [{{avgpool1d: {{size: 1, zzz: 1}}}}]\n"),
        ),
        (
            "`maxpool2d`",
            format!("{base}layers: [{{maxpool2d: {{size: 1, zzz: 1}}}}]\n"),
        ),
        (
            "`avgpool2d`",
            format!("{base}layers: [{{avgpool2d: {{size: 1, zzz: 1}}}}]\n"),
        ),
        (
            "`global_avgpool`",
            format!("{base}layers: [{{global_avgpool: {{zzz: 1}}}}]\n"),
        ),
    ];
    for (place, file) in places {
        let keys = allowed(&file);
        assert!(!keys.is_empty(), "{place}: {keys:?}");
        let row = row(place);
        for key in keys {
            assert!(
                row.contains(&format!("`{key}`")),
                "{place}: `{key}` is not in\n{row}"
            );
        }
    }
    let answers = std::env::temp_dir().join(format!(
        "nntrace-readme-{}-answers.yaml",
        std::process::id()
    ));
    std::fs::write(&answers, "scenario: seesaw-cnn\nzzz: 1\n").unwrap();
    let mut t = Test::new()
        .args(["check", answers.to_str().unwrap()])
        .status(2);
    let row = row("an answers file (`check`)");
    for key in keys_in_message(&t.stderr()) {
        assert!(
            row.contains(&format!("`{key}`")),
            "answers: `{key}` is not in\n{row}"
        );
    }
}
