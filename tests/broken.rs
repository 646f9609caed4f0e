//! Broken scenario files: each gets one clear message naming the file and the line and
//! column or the field path, exit code 2, and never a panic. Each file states its exact
//! location in one `# expect:` line, as the message prints it after `error: `: the file
//! and `:line:column`, or the file and `: ` and the field path, or both (`file:9:7:
//! layers[0].conv1d`). The whole message is pinned in a snapshot per file,
//! `snapshots/broken_scenario_stderr@FILE.snap`.

use crate::support::{Test, snapshot_settings};
use std::path::Path;

/// The one location a broken file states.
fn expected_location(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let stated: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .collect();
    match stated[..] {
        [location] => location.to_string(),
        _ => panic!(
            "{} states {} locations, not one",
            path.display(),
            stated.len()
        ),
    }
}

#[test]
fn every_broken_scenario_is_refused_at_its_stated_place() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let files = std::fs::read_dir(dir).unwrap().count();
    assert!(files >= 30, "only {files} broken scenarios");
    snapshot_settings().bind(|| {
        insta::glob!("broken/*.yaml", |path| {
            let rel = format!(
                "tests/broken/{}",
                path.file_name().unwrap().to_string_lossy()
            );
            let mut t = Test::new().args(["trace", &rel]).status(2);
            let err = t.stderr();
            let location = format!("error: tests/broken/{}: ", expected_location(path));
            assert!(
                err.starts_with(&location),
                "{rel}: expected the message to start with {location:?}:\n{err}"
            );
            assert_eq!(
                err.lines().filter(|l| l.starts_with("error")).count(),
                1,
                "{rel}: one message:\n{err}"
            );
            insta::assert_snapshot!("broken_scenario_stderr", err);
        });
    });
}

/// `alias-expansion-past-the-prescan.yaml` gets past the linear pre-scan (it takes the
/// first line of a plain string that goes on over the next for the anchored value), so the
/// refusal is the expansion budget's, counted on the parsed document: at the anchor the
/// 999th alias repeats, with the alias's path. (`alias-expansion-anchor-on-a-tag.yaml`,
/// the same with the text after a tag, is the pre-scan's: at the 999th alias itself.)
#[test]
fn the_expansion_budget_stops_what_the_prescan_lets_pass() {
    let file = "tests/broken/alias-expansion-past-the-prescan.yaml";
    let mut t = Test::new().args(["trace", file]).status(2);
    assert_eq!(
        t.stderr(),
        format!(
            "error: {file}:6:7: copies[998]: the document expands to more than 20000000 values \
             or 100000000 bytes (YAML aliases repeat too much)\n  help: write the values out \
             instead of repeating anchors inside anchors\n"
        )
    );
    let tagged = "tests/broken/alias-expansion-anchor-on-a-tag.yaml";
    let mut t = Test::new().args(["trace", tagged]).status(2);
    assert_eq!(
        t.stderr(),
        format!(
            "error: {tagged}:7:4002: the alias *s makes the document expand to more than \
             20000000 values or 100000000 bytes (YAML aliases repeat too much)\n  help: write \
             the values out instead of repeating anchors inside anchors\n"
        )
    );
}
