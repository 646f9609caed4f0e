//! `--ascii` spells nntrace's own symbols, formulas and decorations in ASCII, never an id
//! or a layer's name: what a user reads off the screen and types back into `check`,
//! `--only` or the walk's `g` stays exactly the scenario's (SPEC section 3). The scenario
//! names its layer `ชั้น` and its nodes `ก`, `中文` and `Δy` (which a careless spelling
//! turns into `Dy`, an id that does not exist).

use crate::support::{Test, values};

const FILE: &str = "tests/scenarios/unicode-names.yaml";
const LAYER: &str = "ชั้น";

/// Every id of the scenario's trace, longest first.
fn ids() -> Vec<String> {
    let mut ids: Vec<String> = values(FILE, 0).into_keys().collect();
    ids.sort_by_key(|id| std::cmp::Reverse(id.len()));
    ids
}

/// What is left of `text` once the ids, the layer's name and the weights' names (the
/// update table's `weight` column) are taken out: all that `--ascii` spells, which must be
/// ASCII.
fn spelt_part(text: &str) -> String {
    let mut rest = text.to_string();
    let ids = ids();
    for id in &ids {
        rest = rest.replace(id, "");
    }
    for weight in ids.iter().filter_map(|id| id.strip_prefix("ชั้น.w.")) {
        rest = rest.replace(&format!("| {weight} "), "");
    }
    rest.replace(LAYER, "")
}

fn assert_spelt_in_ascii(text: &str) {
    for line in spelt_part(text).lines() {
        assert!(line.is_ascii(), "not ASCII: {line:?}\nin:\n{text}");
    }
}

/// The id of each step of a walk printed without a terminal: the first word under each
/// `step N/M` line.
fn walk_ids(walk: &str) -> Vec<String> {
    let lines: Vec<&str> = walk.lines().collect();
    lines
        .windows(2)
        .filter(|w| w[0].starts_with("step "))
        .map(|w| w[1].split_whitespace().next().unwrap().to_string())
        .collect()
}

/// An answers file for the scenario with these lines, written to a temporary file.
fn answers(name: &str, lines: &[String]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("nntrace-{name}-{}.yaml", std::process::id()));
    let text = format!(
        "scenario: {}/{FILE}\nanswers:\n{}",
        env!("CARGO_MANIFEST_DIR"),
        lines.iter().map(|l| format!("  {l}\n")).collect::<String>()
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// The walk without a terminal prints every id as `check` reads it, under `--ascii` as
/// without; the ids read off it, filled in with the right values, are all judged correct.
#[test]
fn an_ascii_walk_keeps_every_id_and_layer_name() {
    let plain = Test::new().args(["walk", FILE]).status(0).stdout();
    let ascii = Test::new()
        .args(["walk", FILE, "--ascii"])
        .status(0)
        .stdout();
    let read = walk_ids(&ascii);
    assert_eq!(read, walk_ids(&plain));
    assert_eq!(read.len(), 38, "{ascii}");
    let lines: Vec<&str> = ascii.lines().collect();
    for expected in [
        "step 1/38 * FORWARD * input",
        "  input.out.ก   ?",
        "step 4/38 * FORWARD * ชั้น",
        "  ชั้น.w.w_Δy_ก   w_Dy_?",
        "  ชั้น.out.Δy   Dy",
        "  = sigmoid(I@Dy)",
        "step 38/38 * UPDATE * all layers",
    ] {
        assert!(lines.contains(&expected), "no line {expected:?}:\n{ascii}");
    }
    assert_spelt_in_ascii(&ascii);
    let exact = values(FILE, 0);
    let filled: Vec<String> = read
        .iter()
        .map(|id| format!("{id}: {}", exact[id]))
        .collect();
    let file = answers("ascii-walk", &filled);
    Test::new()
        .args(["check", file.to_str().unwrap(), "--ascii"])
        .status(0)
        .stdout_has("score: 38 correct, 0 consistent with an earlier error, 0 wrong, 0 unknown");
    std::fs::remove_file(file).unwrap();
}

/// The tables' headings name the layer as `--only` takes it; the id column is exact.
#[test]
fn ascii_tables_keep_ids_and_layer_names() {
    let ascii = Test::new()
        .args(["trace", FILE, "--ascii"])
        .status(0)
        .stdout();
    let lines: Vec<&str> = ascii.lines().collect();
    for expected in [
        "-- FORWARD * ชั้น -- fully connected, sigmoid",
        "   input -> [ชั้น] -> loss   (we are here)",
    ] {
        assert!(lines.contains(&expected), "no line {expected:?}:\n{ascii}");
    }
    // The update table names a new weight by its layer and name, not by its id.
    for id in ids().iter().filter(|id| !id.contains(".new.")) {
        assert!(ascii.contains(&format!("| {id} ")), "no row {id}:\n{ascii}");
    }
    assert_spelt_in_ascii(&ascii);
    Test::new()
        .args(["trace", FILE, "--ascii", "--only", LAYER])
        .status(0)
        .stdout_has("-- BACKWARD * ชั้น --");
}

/// `check --ascii` names the ids it judged, follows from and suggests as written: the
/// first root error, "follows from your …", "did you mean …".
#[test]
fn an_ascii_check_report_keeps_the_ids_it_names() {
    let exact = values(FILE, 0);
    let net = "ชั้น.net.中文";
    let out = "ชั้น.out.中文";
    // I@中文 = 1·0.1 + 0.5·(−0.2) + 0.1 = 0.1, written 0.2; σ(0.2) = 0.549834 carried forward.
    let file = answers(
        "ascii-check",
        &[
            format!("input.out.ก: {}", exact["input.out.ก"]),
            format!("{net}: 0.2"),
            format!("{out}: 0.549834"),
            "ชั้น.out.Δ: 3".into(),
        ],
    );
    let path = file.to_str().unwrap();
    // An id that names nothing makes it exit 2, after the report.
    let report = Test::new()
        .args(["check", path, "--ascii"])
        .status(2)
        .stdout();
    let lines: Vec<&str> = report.lines().collect();
    for expected in [
        format!("unicode-names - checking {path} against pattern 0"),
        "-- FORWARD * ชั้น --".into(),
        format!("first root error: {net} (I@?? = 0.2): no common mistake reproduces this value"),
    ] {
        assert!(
            lines.contains(&expected.as_str()),
            "no line {expected:?}:\n{report}"
        );
    }
    // The diagnosis cell wraps: "follows from your" and the id on the line under it.
    assert!(report.contains("| follows from your "), "{report}");
    assert!(report.contains(&format!("|   {net} ")), "{report}");
    assert!(report.contains("`ชั้น.out.Δy`?"), "{report}");
    // The id the student wrote is theirs, shown as written.
    assert_spelt_in_ascii(&report.replace("ชั้น.out.Δ ", ""));
    let json = Test::new()
        .args(["check", path, "--ascii", "--format", "json"])
        .status(2)
        .stdout();
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let unknown = &json["answers"][3];
    assert_eq!(unknown["id"], "ชั้น.out.Δ");
    assert_eq!(
        unknown["explanation"],
        "no quantity has this id; did you mean `ชั้น.out.Δy`?"
    );
    std::fs::remove_file(file).unwrap();
}

/// The JSON trace under `--ascii`: its symbols and formulas are spelt, its ids, layers and
/// names are the scenario's (it was right before; this keeps it so).
#[test]
fn an_ascii_json_trace_keeps_ids_layers_and_names() {
    let json = Test::new()
        .args(["trace", FILE, "--ascii", "--format", "json"])
        .status(0)
        .stdout();
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let quantities = json["quantities"].as_array().unwrap();
    let mut read: Vec<String> = quantities
        .iter()
        .map(|q| q["id"].as_str().unwrap().to_string())
        .collect();
    let mut expected = ids();
    read.sort();
    expected.sort();
    assert_eq!(read, expected);
    let out = quantities.iter().find(|q| q["id"] == "ชั้น.out.Δy").unwrap();
    assert_eq!(
        (&out["layer"], &out["name"], &out["symbol"], &out["formula"]),
        (
            &serde_json::json!(LAYER),
            &serde_json::json!("Δy"),
            &serde_json::json!("Dy"),
            &serde_json::json!("sigmoid(I@Dy)")
        )
    );
}
