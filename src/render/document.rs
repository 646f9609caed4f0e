//! The two document languages of the handouts, Markdown (GitHub-flavoured, math between
//! `$`) and LaTeX (a complete A4 `article`), as far as a handout needs them.
//!
//! Everything that comes from a scenario — names, descriptions, notes — is escaped for
//! the medium here, so a name can never act as markup: `\input{/etc/passwd}` prints as
//! text in both, `y%` and `conv1_1` compile, `|` cannot split a Markdown table.

/// How a table column is laid out on paper.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Col {
    /// Words, wrapped within this share (in per cent) of the width the numbers leave.
    Text(u32),
    /// Numbers, right-aligned, as wide as the widest.
    Number,
}

/// A column of a table: its header (already written for the document) and how it is laid
/// out on paper, side by side, so a table cannot have more headers than layouts.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Column {
    pub header: String,
    pub layout: Col,
}

impl Column {
    pub fn new(header: String, layout: Col) -> Column {
        Column { header, layout }
    }
}

pub(crate) trait Writer {
    fn begin(&self, title: &str) -> String;
    fn end(&self) -> String;
    fn heading(&self, text: &str) -> String;
    /// Lines already written for the document (escaped), one under the other.
    fn paragraph(&self, lines: &[String]) -> String;
    /// A table whose cells are already written for the document, a row a cell per column.
    fn table(&self, columns: &[Column], rows: &[Vec<String>]) -> String;
    /// Math (already LaTeX) inline: `$…$` in both languages.
    fn math(&self, latex: &str) -> String {
        inline_math(latex)
    }
    /// A number as printed (`−0.1` with a true minus sign).
    fn number(&self, shown: &str) -> String;
    /// Plain text, escaped for the document, its symbols written the document's way.
    fn text(&self, text: &str) -> String;
    /// An id or a command, in a fixed-width font.
    fn code(&self, text: &str) -> String;
    /// Escaped text, in bold.
    fn bold(&self, text: &str) -> String;
    /// An empty cell with room to write an answer in.
    fn answer(&self) -> String;
}

/// `$…$`, or nothing for nothing.
fn inline_math(latex: &str) -> String {
    if latex.is_empty() {
        String::new()
    } else if latex.starts_with("\\$") || latex.ends_with("\\$") {
        // `$\$x\$$` would read as display math; an empty group keeps the dollars apart.
        format!("${{}}{latex}{{}}$")
    } else {
        format!("${latex}$")
    }
}

pub(crate) struct Markdown;
pub(crate) struct Latex;

impl Writer for Markdown {
    fn begin(&self, title: &str) -> String {
        format!("# {}\n\n", self.text(title))
    }
    fn end(&self) -> String {
        String::new()
    }
    fn heading(&self, text: &str) -> String {
        format!("## {}\n\n", self.text(text))
    }
    fn paragraph(&self, lines: &[String]) -> String {
        format!("{}\n\n", lines.join("  \n"))
    }
    fn table(&self, columns: &[Column], rows: &[Vec<String>]) -> String {
        // GitHub splits cells at every `|`, even inside code and math, unless escaped.
        let line = |cells: &[String]| {
            let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
            format!("| {} |\n", cells.join(" | "))
        };
        let header: Vec<String> = columns.iter().map(|c| c.header.clone()).collect();
        let rule: Vec<String> = columns
            .iter()
            .map(|c| match c.layout {
                Col::Number => "---:".into(),
                Col::Text(_) => "---".into(),
            })
            .collect();
        let mut out = line(&header) + &format!("| {} |\n", rule.join(" | "));
        for r in rows {
            out.push_str(&line(r));
        }
        out + "\n"
    }
    fn number(&self, shown: &str) -> String {
        shown.replace('-', "−")
    }
    fn text(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if matches!(
                c,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '$' | '~' | '#' | '&'
            ) {
                out.push('\\');
            }
            out.push(c);
        }
        out
    }
    fn code(&self, text: &str) -> String {
        // A code span is fenced by more backticks than it holds in a row.
        let (longest, _) = text.chars().fold((0, 0), |(best, now), c| {
            let now = if c == '`' { now + 1 } else { 0 };
            (best.max(now), now)
        });
        let fence = "`".repeat(longest + 1);
        if longest > 0 {
            format!("{fence} {text} {fence}")
        } else {
            format!("{fence}{text}{fence}")
        }
    }
    fn bold(&self, text: &str) -> String {
        format!("**{text}**")
    }
    fn answer(&self) -> String {
        "\\_".repeat(14)
    }
}

/// A4 with 18 mm margins; tables are `longtable`s (they break across pages) whose text
/// columns wrap ragged-right. Only packages of TeX Live's base and recommended sets.
const LATEX_PREAMBLE: &str = "\\documentclass[a4paper,11pt]{article}
\\usepackage[a4paper,margin=18mm]{geometry}
\\usepackage{amsmath}
\\usepackage{array}
\\usepackage{booktabs}
\\usepackage{longtable}
\\setlength{\\parindent}{0pt}
\\setlength{\\parskip}{4pt}
\\setlength{\\LTpre}{2pt}
\\setlength{\\LTpost}{10pt}
\\begin{document}
";

impl Writer for Latex {
    /// Math may break after a comma, as between the arguments of a 2-D window's
    /// `max(r1_1_1, r1_1_2, r1_2_1, r1_2_2)` (TeX breaks math only after operators).
    fn math(&self, latex: &str) -> String {
        inline_math(&latex.replace(", ", ",\\allowbreak "))
    }
    fn begin(&self, title: &str) -> String {
        format!("{LATEX_PREAMBLE}\\section*{{{}}}\n\n", self.text(title))
    }
    fn end(&self) -> String {
        "\\end{document}\n".into()
    }
    fn heading(&self, text: &str) -> String {
        format!("\\subsection*{{{}}}\n\n", self.text(text))
    }
    fn paragraph(&self, lines: &[String]) -> String {
        format!("{}\n\n", lines.join(" \\\\\n"))
    }
    fn table(&self, columns: &[Column], rows: &[Vec<String>]) -> String {
        let spec = column_spec(columns, rows);
        let line = |cells: &[String]| format!("{} \\\\\n", cells.join(" & "));
        let mut out = format!("{{\\small\n\\begin{{longtable}}{{@{{}}{spec}@{{}}}}\n\\toprule\n");
        let header: Vec<String> = columns.iter().map(|c| c.header.clone()).collect();
        out.push_str(&line(&header));
        out.push_str("\\midrule\n\\endhead\n");
        for r in rows {
            out.push_str(&line(r));
        }
        out + "\\bottomrule\n\\end{longtable}}\n\n"
    }
    fn number(&self, shown: &str) -> String {
        self.math(&shown.replace('−', "-"))
    }
    fn text(&self, text: &str) -> String {
        latex_text(text, Breaks::Long)
    }
    fn code(&self, text: &str) -> String {
        format!("\\texttt{{{}}}", latex_text(text, Breaks::Id))
    }
    fn bold(&self, text: &str) -> String {
        format!("\\textbf{{{text}}}")
    }
    fn answer(&self) -> String {
        LATEX_ANSWER.into()
    }
}

/// A line to write on, with room above it: as wide as its column.
const LATEX_ANSWER: &str = "\\rule[-1.5mm]{0pt}{9mm}\\hrulefill";
/// The room a number column gives a written answer (a grid of answers stays on the page).
const ANSWER_EM: f64 = 6.0;

/// The `longtable` columns: numbers as wide as the widest number (estimated from Computer
/// Modern's glyph widths), text columns sharing what is left, so the table is exactly as
/// wide as the text.
fn column_spec(columns: &[Column], rows: &[Vec<String>]) -> String {
    let n = columns.len();
    let widths: Vec<f64> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| match c.layout {
            Col::Number => rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| number_em(c))
                .chain([longest_word_em(&c.header)])
                .fold(1.0, f64::max),
            Col::Text(_) => 0.0,
        })
        .collect();
    let fixed: f64 = widths.iter().sum();
    let total: u32 = columns
        .iter()
        .map(|c| match c.layout {
            Col::Text(share) => share,
            Col::Number => 0,
        })
        .sum::<u32>()
        .max(1);
    columns
        .iter()
        .zip(&widths)
        .map(|(c, w)| match c.layout {
            Col::Number => format!(">{{\\raggedleft\\arraybackslash}}p{{{w:.2}em}}"),
            Col::Text(share) => format!(
                ">{{\\raggedright\\arraybackslash}}p{{\\dimexpr(\\linewidth-{fixed:.2}em-{}\\tabcolsep)*{share}/{total}\\relax}}",
                2 * (n - 1)
            ),
        })
        .collect()
}

/// The printed width of a number cell such as `$-0.000634691$`, in em.
fn number_em(cell: &str) -> f64 {
    if cell == LATEX_ANSWER {
        return ANSWER_EM;
    }
    0.2 + cell
        .chars()
        .map(|c| match c {
            '0'..='9' => 0.5,
            '.' | ',' => 0.28,
            '-' | '+' => 0.78,
            'e' => 0.45,
            '$' => 0.0,
            _ => 0.55,
        })
        .sum::<f64>()
}

/// The widest word of a header such as `$\Delta w$ (held)`, in em (commands count as one
/// glyph).
fn longest_word_em(header: &str) -> f64 {
    let mut visible = String::new();
    let mut chars = header.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                while chars.peek().is_some_and(char::is_ascii_alphabetic) {
                    chars.next();
                }
                visible.push('x');
            }
            '$' | '{' | '}' => {}
            c => visible.push(c),
        }
    }
    0.2 + visible
        .split_whitespace()
        .map(|w| w.chars().count() as f64 * 0.55)
        .fold(0.0, f64::max)
}

/// Where a line may break inside a word.
#[derive(Clone, Copy, PartialEq)]
enum Breaks {
    /// Only inside runs too long for a column (long names).
    Long,
    /// Also after every `.`, `_` and `@` (quantity ids).
    Id,
}

/// A run of this many characters without a break gets a break point.
const RUN: usize = 14;

/// Text escaped for LaTeX: every special character printed as itself, straight quotes
/// as opening and closing quotes, `L_i` and `p_target` as the math they stand for, the
/// symbols as math, and break points inside long words.
fn latex_text(text: &str, breaks: Breaks) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() * 2);
    let (mut run, mut open_quote) = (0usize, true);
    let mut i = 0;
    while i < chars.len() {
        if let Some((math, len)) = subscript_at(&chars, i) {
            out.push_str(&format!("${math}$"));
            i += len;
            run = 0;
            continue;
        }
        let c = chars[i];
        i += 1;
        match c {
            '\\' => out.push_str("$\\backslash$"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            // Spelled with OT1 accents and math: the TS1 text symbols would need fonts
            // that TeX Live's base sets lack.
            '~' => out.push_str("\\~{}"),
            '^' => out.push_str("\\^{}"),
            '<' => out.push_str("$<$"),
            '>' => out.push_str("$>$"),
            '|' => out.push_str("$|$"),
            '`' => out.push_str("\\`{}"),
            '-' if chars.get(i) == Some(&'-') => out.push_str("-{}"),
            '\n' | '\r' | '\t' => out.push(' '),
            '"' if breaks == Breaks::Id => out.push('"'),
            '"' => {
                out.push_str(if open_quote { "``" } else { "''" });
                open_quote = !open_quote;
            }
            '−' => out.push_str("$-$"),
            '·' => out.push_str("$\\cdot$"),
            '▸' | '→' => out.push_str("$\\to$"),
            '←' => out.push_str("$\\leftarrow$"),
            '—' => out.push_str("---"),
            '–' => out.push_str("--"),
            '…' => out.push_str("\\ldots{}"),
            '≥' => out.push_str("$\\geq$"),
            '≤' => out.push_str("$\\leq$"),
            '≈' => out.push_str("$\\approx$"),
            '✓' => out.push_str("$\\checkmark$"),
            '✗' => out.push_str("$\\times$"),
            '━' | '─' => {}
            c if c.is_ascii() => out.push(c),
            c => out.push_str(&math_char(c).map_or_else(|| latin_or_code(c), |m| format!("${m}$"))),
        }
        run = if c.is_whitespace() { 0 } else { run + 1 };
        let at_mark = breaks == Breaks::Id && matches!(c, '.' | '_' | '@');
        let word_goes_on = chars.get(i).is_some_and(|c| !c.is_whitespace());
        if (at_mark || run >= RUN) && word_goes_on {
            out.push_str("\\allowbreak{}");
            run = 0;
        }
    }
    // Adjacent inline math merges: `$a$$b$` would open display math.
    out.replace("$$", "")
}

/// `L_i`, `p_target` and `f_target` standing alone at `i`: the math they mean, and their
/// length.
fn subscript_at(chars: &[char], i: usize) -> Option<(String, usize)> {
    let word = |c: &char| c.is_alphanumeric() || *c == '_';
    if i > 0 && word(&chars[i - 1]) {
        return None;
    }
    let rest = &chars[i..];
    let (math, len) = if rest.starts_with(&['L', '_', 'i']) {
        ("L_i".to_string(), 3)
    } else if rest.len() >= 8 && rest[1..8].iter().copied().eq("_target".chars()) {
        (format!("{}_{{\\mathrm{{target}}}}", rest[0]), 8)
    } else {
        return None;
    };
    match chars.get(i + len) {
        Some(c) if word(c) => None,
        _ => Some((math, len)),
    }
}

/// The math of a symbol nntrace writes (`∂`, `Σ`, Greek letters), if it is one.
pub(crate) fn math_char(c: char) -> Option<&'static str> {
    Some(match c {
        '∂' => "\\partial",
        'Δ' => "\\Delta",
        'Σ' => "\\Sigma",
        'α' => "\\alpha",
        'λ' => "\\lambda",
        'σ' => "\\sigma",
        'θ' => "\\theta",
        'δ' => "\\delta",
        'η' => "\\eta",
        '½' => "\\tfrac{1}{2}",
        '²' => "^{2}",
        '′' => "'",
        '×' => "\\times",
        '÷' => "\\div",
        '∑' => "\\sum",
        'ₚ' => "_{p}",
        'ₛ' => "_{s}",
        '⋆' => "\\star",
        '°' => "^{\\circ}",
        _ => return None,
    })
}

/// A letter pdflatex can print in text (Latin-1 and Latin Extended-A), or the code point
/// written out, so no name can stop the document from compiling.
fn latin_or_code(c: char) -> String {
    if ('\u{c0}'..='\u{17f}').contains(&c) {
        c.to_string()
    } else {
        format!("[U+{:04X}]", c as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latex_specials_print_as_themselves() {
        assert_eq!(
            Latex.text("\\input{/pw} y% a#b $5 & x_1 ^ ~"),
            "$\\backslash$input\\{/pw\\} y\\% a\\#b \\$5 \\& x\\_1 \\^{} \\~{}"
        );
        assert_eq!(
            Latex.text("the slides' \"Data loss\""),
            "the slides' ``Data loss''"
        );
        assert_eq!(
            Latex.text("−ln p_target; L_i and L_ix"),
            "$-$ln $p_{\\mathrm{target}}$; $L_i$ and L\\_ix"
        );
    }

    #[test]
    fn ids_break_at_their_dots_and_long_names_anywhere() {
        assert_eq!(
            Latex.code("conv.out.f1"),
            "\\texttt{conv.\\allowbreak{}out.\\allowbreak{}f1}"
        );
        assert_eq!(
            Latex.text("abcdefghijklmnopq"),
            "abcdefghijklmn\\allowbreak{}opq"
        );
    }

    #[test]
    fn markdown_escapes_what_would_act_as_markup() {
        assert_eq!(Markdown.text("a_b*c `d` [e]"), "a\\_b\\*c \\`d\\` \\[e\\]");
        assert_eq!(Markdown.code("a`b"), "`` a`b ``");
        assert_eq!(Markdown.code("conv.out.f1"), "`conv.out.f1`");
        let t = Markdown.table(
            &[Column::new("id".into(), Col::Text(100))],
            &[vec![Markdown.code("a|b")]],
        );
        assert!(t.contains("| `a\\|b` |"), "{t}");
    }

    #[test]
    fn a_number_column_is_as_wide_as_its_widest_number() {
        let spec = column_spec(
            &[Column::new("value".into(), Col::Number)],
            &[vec![Latex.number("-0.000634691")], vec![Latex.number("1")]],
        );
        assert_eq!(spec, ">{\\raggedleft\\arraybackslash}p{6.26em}");
    }
}
