//! The command line as a user meets it.

use crate::support::Test;

#[test]
fn list_names_every_builtin() {
    Test::new()
        .args(["list"])
        .status(0)
        .stdout_has("seesaw-cnn")
        .stdout_has("seesaw-mlp-sigmoid")
        .stdout_has("seesaw-mlp-softmax");
}

#[test]
fn a_misspelt_scenario_gets_a_suggestion() {
    Test::new()
        .args(["trace", "seesaw-cn"])
        .status(2)
        .stderr_has("error: seesaw-cn: no such file, and no built-in scenario by that name")
        .stderr_has("did you mean `seesaw-cnn`?");
}

#[test]
fn a_pattern_beyond_the_data_is_refused() {
    Test::new()
        .args(["trace", "seesaw-cnn", "--pattern", "9"])
        .status(2)
        .stderr_has("--pattern 9: seesaw-cnn has patterns 0 to 3");
}

#[test]
fn another_pattern_is_traced() {
    Test::new()
        .args(["trace", "seesaw-cnn", "--pattern", "2"])
        .status(0)
        .stdout_has("pattern 2: input (0, 0, 1, 1, 0), target class 1 (tilt right)");
}

#[test]
fn bad_usage_exits_2() {
    Test::new().args(["trace"]).status(2).stderr_has("SCENARIO");
    Test::new()
        .args(["trace", "seesaw-cnn", "--round", "0"])
        .status(2);
    Test::new()
        .args(["trace", "seesaw-cnn", "--format", "pdf"])
        .status(2);
    Test::new().args(["frobnicate"]).status(2);
}

#[test]
fn a_path_to_a_scenario_file_works() {
    Test::new()
        .args(["trace", "scenarios/seesaw-cnn.yaml"])
        .status(0)
        .stdout_has("0.512872");
}

#[test]
fn a_directory_is_not_a_scenario() {
    Test::new()
        .args(["trace", "scenarios"])
        .status(2)
        .stderr_has("error: scenarios: a directory, not a file");
}

#[test]
fn ascii_mode_prints_only_ascii() {
    let mut t = Test::new()
        .args(["trace", "seesaw-cnn", "--ascii"])
        .status(0);
    let out = t.stdout();
    assert!(
        out.is_ascii(),
        "non-ASCII: {:?}",
        out.chars().find(|c| !c.is_ascii())
    );
    assert!(out.contains("dL/dw1"));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let mut piped = Test::new().args(["trace", "seesaw-cnn"]).status(0);
    assert!(!piped.stdout().contains('\x1b'), "no colour when piped");
    let mut forced = Test::new()
        .args(["trace", "seesaw-cnn", "--color", "always"])
        .status(0);
    assert!(forced.stdout().contains('\x1b'), "colour when asked");
    let mut no_color = Test::new()
        .args(["trace", "seesaw-cnn"])
        .env("NO_COLOR", "1")
        .status(0);
    assert!(!no_color.stdout().contains('\x1b'));
}

#[test]
fn digits_sets_the_significant_digits_shown() {
    Test::new()
        .args(["trace", "seesaw-cnn", "--digits", "3"])
        .status(0)
        .stdout_has("0.513")
        .stdout_has("0.0231");
}
