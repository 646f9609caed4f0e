//! A class at once: a folder of answers files, one of them broken, judged together.

use crate::support::{Test, snapshot_stdout};

#[test]
fn check_class_table() {
    let out = snapshot_stdout(
        "check_class_table",
        &["check", "seesaw-cnn", "tests/class", "--color", "never"],
        2,
    );
    assert!(
        out.starts_with("seesaw-cnn — 5 answers files in tests/class/, 1 could not be checked\n")
    );
}

#[test]
fn a_broken_file_gets_its_own_line_and_the_others_are_judged() {
    let mut t = Test::new()
        .args(["check", "seesaw-cnn", "tests/class", "--format", "csv"])
        .status(2);
    assert_eq!(
        t.stderr(),
        "error: tests/class/erin.yaml:4:15: the list opened by this `[` is not closed: at 5:15 \
         the YAML parser expected `,` or `]`\n  help: add the missing `]` where the list ends, \
         or the missing `,` between its entries\n"
    );
    assert_eq!(
        t.stdout(),
        "file,correct,consistent,wrong,unknown,left_empty,score,first_root_error,diagnosis,error\n\
         tests/class/alice.yaml,8,0,0,0,0,100.0,,,\n\
         tests/class/bob.yaml,4,0,3,0,0,57.1,pool.out.A,wrong-pool-input,\n\
         tests/class/carol.yaml,7,0,0,0,0,100.0,,,\n\
         tests/class/dave.yaml,2,1,2,0,0,60.0,output.delta.p2,p-minus-1-everywhere,\n\
         tests/class/erin.yaml,,,,,,,,,\"4:15: the list opened by this `[` is not closed: at 5:15 the YAML parser expected `,` or `]`\"\n"
    );
}

#[test]
fn files_named_one_by_one_form_a_class_too() {
    let mut t = Test::new()
        .args([
            "check",
            "seesaw-cnn",
            "tests/class/alice.yaml",
            "tests/class/carol.yaml",
            "tests/class/nobody.yaml",
            "--format",
            "json",
        ])
        .status(2);
    let json: serde_json::Value = serde_json::from_str(&t.stdout()).unwrap();
    let students = json["students"].as_array().unwrap();
    assert_eq!(students.len(), 3);
    assert_eq!(students[1]["percent"], 100.0);
    assert_eq!(
        students[2],
        serde_json::json!({
            "file": "tests/class/nobody.yaml",
            "error": "cannot read: No such file or directory (os error 2)"
        })
    );
    assert_eq!(
        json["quantities"][0],
        serde_json::json!({"id": "pool.out.A", "answered": 2, "correct": 2, "consistent": 0,
                           "wrong": 0, "right_percent": 100.0})
    );
}

#[test]
fn a_class_needs_its_scenario_named() {
    Test::new()
        .args(["check", "tests/class"])
        .status(2)
        .stderr_has(
            "error: to check a class, name the scenario first: `nntrace check SCENARIO tests/class`\n",
        );
    Test::new()
        .args(["check", "seesaw-cnn", "tests/class/alice.yaml", "--format", "csv"])
        .status(2)
        .stderr_has(
            "error: --format csv is the gradebook of a class: give several answers files, or a folder\n",
        );
}
