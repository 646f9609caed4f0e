//! Plain-text helpers that cannot fail: shortening to a width with an ellipsis, padding
//! without a formatting width (which panics beyond 65,535), and making text safe for a
//! terminal (no raw escape sequences or bells, whatever a file contained).

use std::borrow::Cow;

/// Names quoted in messages are shortened to this many characters.
const SHOWN_CHARS: usize = 40;

/// `text` in at most `width` characters; a shortened text ends in `…`.
pub fn clip(text: &str, width: usize) -> Cow<'_, str> {
    match text.char_indices().nth(width) {
        None => Cow::Borrowed(text),
        Some(_) => {
            let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
            out.push('…');
            Cow::Owned(out)
        }
    }
}

/// `text` followed by spaces up to `width` characters (as `{:<width$}`, for any width).
pub fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    let mut out = String::with_capacity(text.len() + width.saturating_sub(len));
    out.push_str(text);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(len)));
    out
}

/// A name as quoted in a message: in backticks, control characters escaped, shortened.
pub fn shown(name: &str) -> String {
    let escaped: String = name
        .chars()
        .take(SHOWN_CHARS + 1)
        .flat_map(|c| {
            if c.is_control() {
                c.escape_unicode().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    let clipped = if name.chars().nth(SHOWN_CHARS).is_some() {
        clip(&escaped, SHOWN_CHARS).into_owned()
    } else {
        escaped
    };
    format!("`{clipped}`")
}

/// Text safe to write to a terminal: every control character except newline and tab is
/// escaped (`\u{1b}`), except colour sequences (`ESC [ digits ; m`), which only colour.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\u{1b}'
            && let Some(len) = colour_sequence(rest)
        {
            out.push_str(&rest[..len]);
            rest = &rest[len..];
            continue;
        }
        if c.is_control() && c != '\n' && c != '\t' {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// The length of a colour sequence `ESC [ (digits|;)* m` at the start of `text`.
fn colour_sequence(text: &str) -> Option<usize> {
    let body = text.strip_prefix("\u{1b}[")?;
    let params = body
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';')
        .count();
    (body.as_bytes().get(params) == Some(&b'm')).then_some(2 + params + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_keeps_short_text_and_marks_long_text() {
        assert_eq!(clip("hidden", 6), "hidden");
        assert_eq!(clip("hidden", 4), "hid…");
        assert_eq!(clip("∂∂∂∂∂", 3), "∂∂…");
        assert_eq!(clip("abc", 0), "…");
    }

    #[test]
    fn padding_works_beyond_any_formatting_width() {
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("abcdef", 4), "abcdef");
        assert_eq!(pad("x", 70_001).len(), 70_001);
    }

    #[test]
    fn terminals_get_colour_but_no_raw_control_sequences() {
        assert_eq!(terminal_safe("plain\n\ttext"), "plain\n\ttext");
        assert_eq!(
            terminal_safe("\u{1b}[1;31mred\u{1b}[0m"),
            "\u{1b}[1;31mred\u{1b}[0m"
        );
        assert_eq!(
            terminal_safe("a\u{1b}]0;title\u{7}b\u{1b}[2J"),
            "a\\u{1b}]0;title\\u{7}b\\u{1b}[2J"
        );
        assert_eq!(terminal_safe("\r\u{9b}"), "\\u{d}\\u{9b}");
    }

    #[test]
    fn names_in_messages_are_escaped_and_short() {
        assert_eq!(shown("C"), "`C`");
        assert_eq!(shown("a\u{7}"), "`a\\u{7}`");
        assert_eq!(shown(&"n".repeat(1_000_000)).chars().count(), 42);
    }
}
