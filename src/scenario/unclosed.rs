//! An unclosed `[`, `{` or quote, placed where it opens. The YAML library stops where it
//! gives up — often lines later, at the next key or the end of the file — and names the
//! opening only in its message's context ("…, while parsing a flow sequence at line 3
//! column 12"). A student who forgot a `]` is shown the `[`, and where the parser gave up.

/// What the YAML library's message says about an unclosed construct.
#[derive(Debug, PartialEq)]
pub(super) struct Unclosed {
    /// 1-based line and column of the opening `[`, `{` or quote.
    pub opened: (usize, usize),
    pub message: String,
    pub help: String,
}

/// The opening a construct's context names, the problems that mean it was not closed,
/// and what is missing, in the user's words.
struct Construct {
    context: &'static str,
    problems: &'static [&'static str],
    what: &'static str,
}

const CONSTRUCTS: [Construct; 3] = [
    Construct {
        context: "while parsing a flow sequence",
        problems: &["did not find expected ',' or ']'"],
        what: "list",
    },
    Construct {
        context: "while parsing a flow mapping",
        problems: &["did not find expected ',' or '}'"],
        what: "mapping",
    },
    Construct {
        context: "while scanning a quoted scalar",
        problems: &[
            "found unexpected end of stream",
            "found unexpected document indicator",
        ],
        what: "text",
    },
];

/// The unclosed construct a YAML error `reported` (the library's whole message, with its
/// positions) is about, in `text`; None for every other error.
pub(super) fn find(reported: &str, text: &str) -> Option<Unclosed> {
    let (problem, context) = reported.split_once(", while ")?;
    let context = format!("while {context}");
    let construct = CONSTRUCTS.iter().find(|c| context.starts_with(c.context))?;
    let (problem, gave_up) = problem.rsplit_once(" at line ")?;
    if !construct.problems.contains(&problem) {
        return None;
    }
    let gave_up = position(gave_up)?;
    let opened = position(context.rsplit_once(" at line ")?.1)?;
    let opener = char_at(text, opened)?;
    let closer = match opener {
        '[' => ']',
        '{' => '}',
        '\'' | '"' => opener,
        _ => return None,
    };
    let (line, column) = gave_up;
    let what = construct.what;
    let reached = if problem.ends_with("end of stream") {
        "the end of the file"
    } else {
        "a `---` or `...` line"
    };
    let (message, help) = match opener {
        '\'' | '"' => (
            format!(
                "the {what} opened by this `{opener}` is never closed: the YAML parser reached \
                 {reached} at {line}:{column} without finding the closing `{closer}`"
            ),
            format!(
                "add the closing `{closer}` where the text ends ({})",
                if opener == '\'' {
                    "a `'` inside single-quoted text is written `''`"
                } else {
                    "a `\"` inside double-quoted text is written `\\\"`"
                }
            ),
        ),
        _ => (
            format!(
                "the {what} opened by this `{opener}` is not closed: at {line}:{column} the YAML \
                 parser expected `,` or `{closer}`"
            ),
            format!(
                "add the missing `{closer}` where the {what} ends, or the missing `,` between its \
                 entries"
            ),
        ),
    };
    Some(Unclosed {
        opened,
        message,
        help,
    })
}

/// "5 column 14" (what follows " at line "), as (5, 14).
fn position(text: &str) -> Option<(usize, usize)> {
    let (line, rest) = text.split_once(" column ")?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    Some((line.parse().ok()?, rest[..digits].parse().ok()?))
}

/// The character at a 1-based line and column (columns count characters, as the YAML
/// library counts them).
fn char_at(text: &str, (line, column): (usize, usize)) -> Option<char> {
    text.split('\n')
        .nth(line.checked_sub(1)?)?
        .chars()
        .nth(column.checked_sub(1)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unclosed_list_is_placed_at_its_bracket() {
        let text = "a:\n  b: [1, 2\n  c: 3\n";
        let found = find(
            "did not find expected ',' or ']' at line 3 column 4, while parsing a flow \
             sequence at line 2 column 6",
            text,
        )
        .unwrap();
        assert_eq!(found.opened, (2, 6));
        assert_eq!(
            found.message,
            "the list opened by this `[` is not closed: at 3:4 the YAML parser expected `,` or `]`"
        );
    }

    #[test]
    fn other_errors_and_other_characters_are_left_alone() {
        let text = "a: [1\n";
        let bad_escape = "found unknown escape character at line 1 column 6, while scanning \
                          a quoted scalar at line 1 column 4";
        assert_eq!(find(bad_escape, text), None);
        let block = "did not find expected key at line 3 column 1, while parsing a block \
                     mapping at line 1 column 1";
        assert_eq!(find(block, text), None);
        // The context's position does not hold a `[` in this text.
        let elsewhere = "did not find expected ',' or ']' at line 1 column 6, while parsing a \
                         flow sequence at line 1 column 1";
        assert_eq!(find(elsewhere, text), None);
    }

    #[test]
    fn an_unclosed_single_quote_says_how_to_write_one_inside() {
        let text = "name: 'its\n";
        let found = find(
            "found unexpected end of stream at line 2 column 1, while scanning a quoted \
             scalar at line 1 column 7",
            text,
        )
        .unwrap();
        assert_eq!(found.opened, (1, 7));
        assert_eq!(
            found.message,
            "the text opened by this `'` is never closed: the YAML parser reached the end of \
             the file at 2:1 without finding the closing `'`"
        );
        assert_eq!(
            found.help,
            "add the closing `'` where the text ends (a `'` inside single-quoted text is \
             written `''`)"
        );
    }
}
