//! Broken scenario files: each gets one clear message naming the file and the line and
//! column or the field path, exit code 2, and never a panic. Each file states what its
//! message must contain in `# expect:` lines.

use crate::support::Test;
use std::path::Path;

#[test]
fn every_broken_scenario_is_refused_clearly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 15, "at least 15 broken scenarios");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let expected: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .collect();
        assert!(
            !expected.is_empty(),
            "{} states no expectation",
            path.display()
        );
        let rel = format!(
            "tests/broken/{}",
            path.file_name().unwrap().to_string_lossy()
        );
        let mut t = Test::new().args(["trace", &rel]).status(2);
        let err = t.stderr();
        assert!(
            err.starts_with(&format!("error: {rel}")),
            "{rel}: the message names the file:\n{err}"
        );
        assert_eq!(
            err.lines().filter(|l| l.starts_with("error")).count(),
            1,
            "{rel}: one message:\n{err}"
        );
        for want in expected {
            let want = want.replace(
                &format!("{}:", path.file_name().unwrap().to_string_lossy()),
                &format!("{rel}:"),
            );
            assert!(
                err.contains(want.as_str()),
                "{rel}: expected {want:?} in:\n{err}"
            );
        }
        let located =
            err.contains(&format!("{rel}:")) && (err.contains("]:") || err.contains(": "));
        assert!(
            located,
            "{rel}: names a line and column or a field path:\n{err}"
        );
    }
}
