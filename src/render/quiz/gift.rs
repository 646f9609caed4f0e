//! GIFT, Moodle's plain-text question format: one numerical question per line,
//! `::name::[html]prompt{#answer:tolerance}`, under a `$CATEGORY:` line.

use super::{Quiz, prompt_html};

/// GIFT's special characters, each escaped with a backslash wherever it is meant as text.
const SPECIAL: [char; 7] = ['\\', '~', '=', '#', '{', '}', ':'];

/// Text with GIFT's special characters escaped, on one line.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            c if SPECIAL.contains(&c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

pub fn write(quiz: &Quiz) -> String {
    let mut out = format!(
        "// nntrace: {}: numerical questions, one per quantity (import as GIFT)\n\
         $CATEGORY: $course$/top/nntrace/{}\n\n",
        quiz.title.replace('\n', " "),
        quiz.name.replace('\n', " ")
    );
    for q in quiz.questions() {
        out.push_str(&format!(
            "::{}::[html]{}{{#{}:{}}}\n\n",
            escape(&q.title(quiz.width())),
            escape(&prompt_html(q)),
            q.answer_text(),
            q.tolerance_text()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specials_are_escaped() {
        assert_eq!(
            escape("a = b: {c} ~d #e \\"),
            "a \\= b\\: \\{c\\} \\~d \\#e \\\\"
        );
        assert_eq!(escape("two\nlines"), "two lines");
    }
}
