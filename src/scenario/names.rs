//! The one rule for every name a scenario gives (layers, nodes, weights, biases, inputs)
//! and the looser one for labels shown but never used in ids (classes, the scenario's
//! name and description).

use crate::text::shown;

/// Names and labels are at most this many characters.
pub const MAX_NAME_CHARS: usize = 64;
/// A description is at most this many characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;

/// Why `name` cannot name a layer, node, weight, bias or input; None if it can.
/// A name is 1 to 64 printable characters without whitespace, and without `.` and `@`,
/// which separate the parts of a quantity id (`hidden.delta.C`, `conv.contrib.w2@3`).
pub fn name_problem(name: &str) -> Option<String> {
    let problem = if name.is_empty() {
        "it is empty".to_string()
    } else if let Some(c) = name.chars().find(|&c| invisible(c)) {
        format!("it contains the control character {}", c.escape_unicode())
    } else if let Some(c) = name.chars().find(|c| c.is_whitespace()) {
        format!("it contains whitespace ({})", c.escape_unicode())
    } else if let Some(c) = name.chars().find(|c| matches!(c, '.' | '@')) {
        format!("it contains `{c}`, which separates the parts of a quantity id")
    } else {
        return too_long(name);
    };
    Some(format!("{} is not a usable name: {problem}", shown(name)))
}

/// Why `label` cannot be shown as a class or scenario name (spaces are fine here).
pub fn label_problem(label: &str, max_chars: usize) -> Option<String> {
    if let Some(c) = label.chars().find(|&c| invisible(c) && c != '\n') {
        return Some(format!(
            "{} contains the control character {}",
            shown(label),
            c.escape_unicode()
        ));
    }
    let count = label.chars().count();
    (count > max_chars).then(|| format!("{count} characters; at most {max_chars} are allowed"))
}

fn too_long(name: &str) -> Option<String> {
    let count = name.chars().count();
    (count > MAX_NAME_CHARS).then(|| {
        format!(
            "{} is not a usable name: {count} characters; at most {MAX_NAME_CHARS} are allowed",
            shown(name)
        )
    })
}

/// Control characters, and the invisible ones that reorder or hide text (bidirectional
/// overrides, zero-width spaces, the byte-order mark).
fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_pass() {
        for name in [
            "C",
            "w5",
            "In1",
            "f@c".replace('@', "_").as_str(),
            "p₁",
            "∂x",
        ] {
            assert_eq!(name_problem(name), None, "{name}");
        }
        assert_eq!(name_problem(&"x".repeat(64)), None);
    }

    #[test]
    fn each_problem_is_named() {
        assert_eq!(
            name_problem("a b").unwrap(),
            "`a b` is not a usable name: it contains whitespace (\\u{20})"
        );
        assert_eq!(
            name_problem("a\u{1b}[31m").unwrap(),
            "`a\\u{1b}[31m` is not a usable name: it contains the control character \\u{1b}"
        );
        assert_eq!(
            name_problem("a.b").unwrap(),
            "`a.b` is not a usable name: it contains `.`, which separates the parts of a quantity id"
        );
        assert_eq!(
            name_problem(&"x".repeat(65)).unwrap(),
            format!(
                "`{}…` is not a usable name: 65 characters; at most 64 are allowed",
                "x".repeat(39)
            )
        );
        assert_eq!(
            name_problem("").unwrap(),
            "`` is not a usable name: it is empty"
        );
        assert!(name_problem("a\u{202E}b").is_some());
    }

    #[test]
    fn labels_may_have_spaces() {
        assert_eq!(label_problem("tilt left", 64), None);
        assert!(label_problem("tilt\u{7}", 64).is_some());
        assert_eq!(
            label_problem(&"y".repeat(70), 64).unwrap(),
            "70 characters; at most 64 are allowed"
        );
    }
}
