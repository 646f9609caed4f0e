//! Handouts: the trace as a Markdown page (GitHub tables, inline math) or a complete LaTeX
//! `article` (amsmath, booktabs), with the same steps as the terminal tables. Blank
//! handouts leave every computed result empty: an exercise sheet.

use super::{Block, ContribGrid, Row, Section, Update, place, preamble, sections, strip};
use crate::formula::{Rendering, latex_name, plain_number};
use crate::network::Explainer;
use crate::scenario::Scenario;
use crate::trace::Phase;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Markdown,
    Latex,
}

/// What to write, and whether to leave the results empty.
pub struct Handout<'a> {
    pub kind: Kind,
    pub scenario: &'a Scenario,
    pub pattern: usize,
    pub round: Option<u32>,
    pub digits: usize,
    pub blank: bool,
}

/// The two document languages, as far as a handout needs them.
trait Writer {
    fn begin(&self, title: &str) -> String;
    fn end(&self) -> String;
    fn heading(&self, text: &str) -> String;
    fn paragraph(&self, lines: &[String]) -> String;
    /// A table; `right` marks the columns of numbers.
    fn table(&self, header: &[String], rows: &[Vec<String>], right: &[bool]) -> String;
    /// Math (already LaTeX) inline: `$…$` in both languages.
    fn math(&self, latex: &str) -> String {
        if latex.is_empty() {
            String::new()
        } else {
            format!("${latex}$")
        }
    }
    /// Text escaped for the document, its symbols written the document's way.
    fn text(&self, text: &str) -> String;
    fn code(&self, text: &str) -> String;
    fn bold(&self, text: &str) -> String;
}

struct Markdown;
struct Latex;

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
    fn table(&self, header: &[String], rows: &[Vec<String>], right: &[bool]) -> String {
        let line = |cells: &[String]| format!("| {} |\n", cells.join(" | "));
        let rule: Vec<String> = right
            .iter()
            .map(|&r| if r { "---:".into() } else { "---".into() })
            .collect();
        let mut out = line(header) + &line(&rule);
        for r in rows {
            out.push_str(&line(r));
        }
        out + "\n"
    }
    fn text(&self, text: &str) -> String {
        text.replace('|', "\\|")
    }
    fn code(&self, text: &str) -> String {
        format!("`{text}`")
    }
    fn bold(&self, text: &str) -> String {
        format!("**{text}**")
    }
}

impl Writer for Latex {
    fn begin(&self, title: &str) -> String {
        format!(
            "\\documentclass{{article}}\n\\usepackage{{amsmath}}\n\\usepackage{{booktabs}}\n\
             \\addtolength{{\\textwidth}}{{5cm}}\n\\addtolength{{\\oddsidemargin}}{{-2.5cm}}\n\
             \\addtolength{{\\evensidemargin}}{{-2.5cm}}\n\\setlength{{\\parindent}}{{0pt}}\n\
             \\begin{{document}}\n\\section*{{{}}}\n\n",
            self.text(title)
        )
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
    fn table(&self, header: &[String], rows: &[Vec<String>], right: &[bool]) -> String {
        let spec: String = right
            .iter()
            .enumerate()
            .map(|(i, &r)| match (r, header.len(), i) {
                (true, _, _) => "r",
                (false, 7, 6) => "p{6cm}",
                (false, 5, 2) => "p{8cm}",
                (false, 5, 4) => "p{4cm}",
                _ => "l",
            })
            .collect();
        let line = |cells: &[String]| format!("{} \\\\\n", cells.join(" & "));
        let mut out = format!("{{\\small\n\\begin{{tabular}}{{@{{}}{spec}@{{}}}}\n\\toprule\n");
        out.push_str(&line(header));
        out.push_str("\\midrule\n");
        for r in rows {
            out.push_str(&line(r));
        }
        out + "\\bottomrule\n\\end{tabular}}\n\n"
    }
    fn text(&self, text: &str) -> String {
        let mut out = String::new();
        for c in text.chars() {
            match c {
                '\\' => out.push_str("\\textbackslash{}"),
                '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                    out.push('\\');
                    out.push(c);
                }
                '~' => out.push_str("\\textasciitilde{}"),
                '^' => out.push_str("\\textasciicircum{}"),
                '−' => out.push_str("$-$"),
                '·' => out.push_str("$\\cdot$"),
                '▸' | '→' => out.push_str("$\\to$"),
                '←' => out.push_str("$\\leftarrow$"),
                '—' => out.push_str("---"),
                '…' => out.push_str("\\ldots{}"),
                '≥' => out.push_str("$\\geq$"),
                '━' => {}
                c if c.is_ascii() => out.push(c),
                c => out.push_str(&format!("${}$", latex_name(&c.to_string()))),
            }
        }
        // Adjacent inline math merges: `$a$$b$` would open display math.
        out.replace("$$", "")
    }
    fn code(&self, text: &str) -> String {
        format!("\\texttt{{{}}}", self.text(text))
    }
    fn bold(&self, text: &str) -> String {
        format!("\\textbf{{{text}}}")
    }
}

/// The checker's report as a handout: a table per layer, then the score.
pub fn report(
    kind: Kind,
    report: &crate::check::Report,
    net: &crate::network::Network,
    answers_file: &str,
    digits: usize,
) -> String {
    match kind {
        Kind::Markdown => write_report(&Markdown, report, net, answers_file, digits),
        Kind::Latex => write_report(&Latex, report, net, answers_file, digits),
    }
}

fn write_report(
    w: &dyn Writer,
    report: &crate::check::Report,
    net: &crate::network::Network,
    answers_file: &str,
    digits: usize,
) -> String {
    use super::check::{group_of, heading, remark, summary};
    let mut out = w.begin(&format!("nntrace check: {}", report.scenario));
    out.push_str(&w.paragraph(&[w.text(&format!(
        "{answers_file}, against pattern {}",
        report.pattern
    ))]));
    let value = |v: Option<f64>| v.map(|v| plain_number(v, digits)).unwrap_or_default();
    let answers = &report.answers;
    let mut i = 0;
    while i < answers.len() {
        let group = group_of(&answers[i]);
        let n = answers[i..]
            .iter()
            .take_while(|a| group_of(a) == group)
            .count();
        let title = heading(net, group).replace("━━ ", "").replace(" ━━", " —");
        out.push_str(&w.heading(title.trim_end_matches(" —")));
        let header = super::check::COLUMNS.map(String::from);
        let rows: Vec<Vec<String>> = answers[i..i + n]
            .iter()
            .map(|a| {
                let carried = super::check::carried_if_different(a, &value);
                vec![
                    w.code(&a.id),
                    w.math(&latex_name(&a.symbol)),
                    w.text(&a.text),
                    value(a.exact),
                    carried,
                    w.text(a.verdict.as_str()),
                    w.text(&remark(a)),
                ]
            })
            .collect();
        out.push_str(&w.table(
            &header,
            &rows,
            &[false, false, true, true, true, false, false],
        ));
        i += n;
    }
    let plain = super::Options {
        digits,
        ascii: false,
        color: false,
        ..super::Options::default()
    };
    let lines: Vec<String> = summary(report, &plain).lines().map(|l| w.text(l)).collect();
    out.push_str(&w.paragraph(&lines));
    out + &w.end()
}

impl Handout<'_> {
    pub fn render(&self, ex: &Explainer) -> String {
        match self.kind {
            Kind::Markdown => self.write(&Markdown, ex),
            Kind::Latex => self.write(&Latex, ex),
        }
    }

    fn write(&self, w: &dyn Writer, ex: &Explainer) -> String {
        let s = self.scenario;
        let sheet = if self.blank { " (exercise)" } else { "" };
        let mut out = w.begin(&format!("nntrace: {}{sheet}", s.name));
        let mut lines: Vec<String> = preamble(s, self.pattern, self.round)
            .iter()
            .map(|l| w.text(l))
            .collect();
        if self.blank {
            lines.push(w.text(
                "Fill in every empty cell; `nntrace template` gives the matching answers file.",
            ));
        }
        out.push_str(&w.paragraph(&lines));
        for section in sections(ex, self.digits) {
            out.push_str(&self.section(w, ex, &section));
        }
        out + &w.end()
    }

    fn section(&self, w: &dyn Writer, ex: &Explainer, section: &Section) -> String {
        let place = place(ex.net, (section.phase, section.layer));
        let mut out = w.heading(&format!("{place} — {}", section.title));
        if section.phase != Phase::Update {
            let stages: Vec<String> = strip(ex, section.layer)
                .into_iter()
                .map(|(stage, here)| {
                    if here {
                        w.bold(&w.text(&stage))
                    } else {
                        w.text(&stage)
                    }
                })
                .collect();
            out.push_str(&w.paragraph(&[format!(
                "{} {}",
                w.text("we are here:"),
                stages.join(&w.text(" ▸ "))
            )]));
        }
        for block in &section.blocks {
            out.push_str(&match block {
                Block::Rows(rows) => self.rows(w, rows),
                Block::Contribs(grid) => self.contribs(w, grid),
                Block::Updates(updates) => self.updates(w, updates),
            });
        }
        out
    }

    fn value(&self, x: f64) -> String {
        plain_number(x, self.digits)
    }

    /// A row's formula as math: names, then the numbers put in, unless left blank.
    fn formula(&self, w: &dyn Writer, r: &Row) -> String {
        let symbol = r.expr.render_latex(Rendering::Symbolic, self.digits);
        let numbers = r.expr.render_latex(Rendering::Substituted, self.digits);
        if r.formula.is_none() {
            return w.text("given");
        }
        if self.blank {
            return w.math(&symbol);
        }
        w.math(&format!("{symbol} = {numbers}"))
    }

    fn rows(&self, w: &dyn Writer, rows: &[Row]) -> String {
        let header = ["id", "quantity", "formula", "value", "note"].map(|h| h.to_string());
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let given = r.formula.is_none();
                vec![
                    w.code(&r.id),
                    w.math(&latex_name(&r.symbol)),
                    self.formula(w, r),
                    if self.blank && !given {
                        String::new()
                    } else {
                        self.value(r.value)
                    },
                    if self.blank {
                        String::new()
                    } else {
                        w.text(r.note.as_deref().unwrap_or(""))
                    },
                ]
            })
            .collect();
        w.table(&header, &body, &[false, false, false, true, false])
    }

    fn contribs(&self, w: &dyn Writer, grid: &ContribGrid) -> String {
        let mut header = vec![
            "position k".to_string(),
            w.math("\\partial L/\\partial f_k"),
        ];
        header.extend(
            grid.weight_names
                .iter()
                .map(|n| w.text(&format!("term of ∂L/∂{n}"))),
        );
        let mut body: Vec<Vec<String>> = grid
            .positions
            .iter()
            .enumerate()
            .map(|(k, (node, grad, cells))| {
                let mut row = vec![
                    format!("{} ({node})", k + 1),
                    if self.blank {
                        String::new()
                    } else {
                        self.value(*grad)
                    },
                ];
                row.extend(cells.iter().map(|c| {
                    let symbol = c.expr.render_latex(Rendering::Symbolic, self.digits);
                    if self.blank {
                        w.math(&symbol)
                    } else {
                        let numbers = c.expr.render_latex(Rendering::Substituted, self.digits);
                        w.math(&format!("{symbol} = {numbers} = {}", self.value(c.value)))
                    }
                }));
                row
            })
            .collect();
        let mut sums = vec![w.text("Σ over k"), String::new()];
        sums.extend(grid.sums.iter().map(|&v| {
            if self.blank {
                String::new()
            } else {
                self.value(v)
            }
        }));
        body.push(sums);
        let right = vec![false; header.len()];
        w.table(&header, &body, &right)
    }

    fn updates(&self, w: &dyn Writer, updates: &[Update]) -> String {
        let header =
            ["layer", "weight", "w (old)", "∂L/∂w", "Δw (held)", "new w"].map(|h| w.text(h));
        let blank = |x: f64| {
            if self.blank {
                String::new()
            } else {
                self.value(x)
            }
        };
        let body: Vec<Vec<String>> = updates
            .iter()
            .map(|u| {
                vec![
                    w.text(&u.layer),
                    w.math(&latex_name(&u.weight)),
                    self.value(u.w),
                    blank(u.wgrad),
                    blank(u.dw),
                    blank(u.new),
                ]
            })
            .collect();
        w.table(&header, &body, &[false, false, true, true, true, true])
    }
}
