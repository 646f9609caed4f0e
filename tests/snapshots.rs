//! The printed trace of the worked example, pinned. Review every change as code.

use crate::support::snapshot_stdout;

fn snapshot(name: &str, args: &[&str]) {
    snapshot_stdout(name, args, 0);
}

#[test]
fn trace_seesaw_cnn_table() {
    snapshot(
        "trace_seesaw_cnn_table",
        &["trace", "seesaw-cnn", "--color", "never"],
    );
}

#[test]
fn trace_seesaw_cnn_json() {
    snapshot(
        "trace_seesaw_cnn_json",
        &["trace", "seesaw-cnn", "--format", "json"],
    );
}

#[test]
fn trace_seesaw_cnn_round3_table() {
    snapshot(
        "trace_seesaw_cnn_round3_table",
        &["trace", "seesaw-cnn", "--round", "3", "--color", "never"],
    );
}

#[test]
fn trace_seesaw_mlp_sigmoid_ascii_table() {
    snapshot(
        "trace_seesaw_mlp_sigmoid_ascii_table",
        &["trace", "seesaw-mlp-sigmoid", "--ascii", "--color", "never"],
    );
}

#[test]
fn list_of_builtin_scenarios() {
    snapshot("list_of_builtin_scenarios", &["list"]);
}

/// The 2-D built-ins, small enough to read: each as the terminal tables, the JSON and the
/// Markdown handout.
#[test]
fn trace_2d_builtins_table_json_markdown() {
    for name in ["conv2d-4x4", "conv2d-pad", "conv2d-rgb"] {
        let slug = name.replace('-', "_");
        snapshot(
            &format!("trace_{slug}_table"),
            &["trace", name, "--color", "never"],
        );
        snapshot(
            &format!("trace_{slug}_json"),
            &["trace", name, "--format", "json"],
        );
        snapshot(
            &format!("trace_{slug}_markdown"),
            &["trace", name, "--format", "markdown"],
        );
    }
}
