//! Handouts: the trace as a Markdown page (GitHub tables, inline math) or a complete LaTeX
//! `article` (amsmath, booktabs), with the same steps as the terminal tables. Blank
//! handouts leave every computed result empty: an exercise sheet.

use super::document::{Col, Column, Latex, Markdown, Writer};
use super::{
    Block, CellView, ContribGrid, GridView, Grids, Row, Section, Update, place, preamble, sections,
    strip,
};
use crate::formula::{Rendering, latex_name, number};
use crate::network::Explainer;

/// A grid with more columns than this does not fit an A4 page as a table.
const MAX_GRID_COLUMNS: usize = 12;
use crate::scenario::Scenario;
use crate::trace::{self, INPUT_LAYER, Phase};

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
    use super::check::{groups, heading, remark, summary};
    let mut out = w.begin(&format!("nntrace check: {}", report.scenario));
    out.push_str(&w.paragraph(&[w.text(&format!(
        "{answers_file}, against pattern {}",
        report.pattern
    ))]));
    let shown = |v: Option<f64>| v.map(|v| number(v, digits)).unwrap_or_default();
    for (group, answers) in groups(&report.answers) {
        let title = heading(net, group).replace("━━ ", "").replace(" ━━", " —");
        out.push_str(&w.heading(title.trim_end_matches(" —")));
        let rows: Vec<Vec<String>> = answers
            .iter()
            .map(|a| {
                let carried = super::check::carried_if_different(a, &shown);
                vec![
                    w.code(&a.id),
                    w.math(&latex_name(&a.symbol)),
                    w.text(&a.text),
                    w.number(&shown(a.exact)),
                    w.number(&carried),
                    w.text(a.verdict.as_str()),
                    w.text(&remark(a)),
                ]
            })
            .collect();
        let layouts: [Col; super::check::COLUMNS.len()] = [
            Col::Text(20),
            Col::Text(14),
            Col::Text(12),
            Col::Number,
            Col::Number,
            Col::Text(15),
            Col::Text(39),
        ];
        let columns: Vec<Column> = super::check::COLUMNS
            .iter()
            .zip(layouts)
            .map(|(h, layout)| Column::new(w.text(h), layout))
            .collect();
        out.push_str(&w.table(&columns, &rows));
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
        self.render_with(ex, &[])
    }

    /// The handout with `remarks` (plain text, one paragraph each) after the opening
    /// lines: what an exercise's key says about a value planted on purpose.
    pub fn render_with(&self, ex: &Explainer, remarks: &[String]) -> String {
        match self.kind {
            Kind::Markdown => self.write(&Markdown, ex, remarks),
            Kind::Latex => self.write(&Latex, ex, remarks),
        }
    }

    fn write(&self, w: &dyn Writer, ex: &Explainer, remarks: &[String]) -> String {
        let s = self.scenario;
        let sheet = if self.blank { " (exercise)" } else { "" };
        let mut out = w.begin(&format!("nntrace: {}{sheet}", s.name));
        let mut lines: Vec<String> = preamble(s, self.pattern, self.round)
            .iter()
            .map(|l| w.text(l))
            .collect();
        if self.blank {
            lines.push(format!(
                "{} {} {}",
                w.text("Fill in every empty cell; a ? marks a formula for you to work out;"),
                w.code(&format!("nntrace template {}", template_argument(s))),
                w.text("gives the matching answers file.")
            ));
        }
        out.push_str(&w.paragraph(&lines));
        for remark in remarks {
            out.push_str(&w.paragraph(&[w.text(remark)]));
        }
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
                Block::Grids(grids) => self.grids(w, grids),
                Block::Updates(updates) => self.updates(w, updates),
                Block::LeftOut(gap) => w.paragraph(&[w.text(&format!("⋮ {} more", gap.count))]),
            });
        }
        out
    }

    /// A computed value, or room to write it on an exercise sheet.
    fn result(&self, w: &dyn Writer, x: f64) -> String {
        if self.blank {
            w.answer()
        } else {
            w.number(&number(x, self.digits))
        }
    }

    /// A row's formula as math: names, then the numbers put in, unless left blank. On an
    /// exercise sheet a formula that would give the answer away (where a pooled gradient
    /// went) is a `?` with a hint.
    fn formula(&self, w: &dyn Writer, r: &Row) -> String {
        if r.formula.is_none() {
            return w.text("given");
        }
        let symbol = r.expr.render_latex(Rendering::Symbolic, self.digits);
        match (&r.hint, self.blank) {
            (Some(hint), true) => format!("{} {}", w.math("?"), w.text(&format!("({hint})"))),
            (_, true) => w.math(&symbol),
            (_, false) => {
                let numbers = r.expr.render_latex(Rendering::Substituted, self.digits);
                w.math(&format!("{symbol} = {numbers}"))
            }
        }
    }

    fn rows(&self, w: &dyn Writer, rows: &[Row]) -> String {
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let given = r.formula.is_none();
                let mut cells = vec![
                    w.code(&r.id),
                    w.math(&latex_name(&r.symbol)),
                    self.formula(w, r),
                    if given {
                        w.number(&number(r.value, self.digits))
                    } else {
                        self.result(w, r.value)
                    },
                ];
                if !self.blank {
                    cells.push(w.text(r.note.as_ref().map_or("", |n| &*n.text)));
                }
                cells
            })
            .collect();
        let columns: &[(&str, Col)] = if self.blank {
            &[
                ("id", Col::Text(22)),
                ("quantity", Col::Text(16)),
                ("formula", Col::Text(36)),
                ("value", Col::Text(26)),
            ]
        } else {
            &[
                ("id", Col::Text(24)),
                ("quantity", Col::Text(16)),
                ("formula", Col::Text(34)),
                ("value", Col::Number),
                ("note", Col::Text(26)),
            ]
        };
        let columns: Vec<Column> = columns
            .iter()
            .map(|&(h, layout)| Column::new(w.text(h), layout))
            .collect();
        w.table(&columns, &body)
    }

    /// Grids as matrices: each a table with row and column numbers, under its caption. A
    /// grid too wide for the page is left out with a sentence saying so.
    fn grids(&self, w: &dyn Writer, grids: &Grids) -> String {
        let mut lines = vec![w.bold(&w.text(&grids.title))];
        lines.extend(grids.note.iter().map(|n| w.text(n)));
        if grids.has_zeros() {
            lines.push(
                w.text("0ₚ: a zero of the padding; 0ₛ: a zero put between cells for the stride"),
            );
        }
        let mut out = w.paragraph(&lines);
        for g in &grids.grids {
            out.push_str(&w.paragraph(&[w.text(&g.caption)]));
            if g.cols > MAX_GRID_COLUMNS {
                out.push_str(&w.paragraph(&[w.text(&format!(
                    "({} × {} grid: too wide for the page; every cell is in the rows of this section)",
                    g.rows, g.cols
                ))]));
            } else {
                out.push_str(&self.grid(w, g));
            }
        }
        out
    }

    fn grid(&self, w: &dyn Writer, g: &GridView) -> String {
        let mut columns = vec![Column::new(String::new(), Col::Number)];
        // On a blank sheet the cells are lines to write on, sharing the width.
        let layout = if self.blank {
            Col::Text((100 / g.cols.max(1)) as u32)
        } else {
            Col::Number
        };
        columns.extend((1..=g.cols).map(|c| Column::new(c.to_string(), layout)));
        let body: Vec<Vec<String>> = g
            .cells
            .chunks(g.cols.max(1))
            .enumerate()
            .map(|(r, row)| {
                let mut cells = vec![w.bold(&(r + 1).to_string())];
                cells.extend(row.iter().map(|c| self.grid_cell(w, c)));
                cells
            })
            .collect();
        w.table(&columns, &body)
    }

    /// A cell's number; on a blank sheet, room for every value the student computes (the
    /// input and the weights are given).
    fn grid_cell(&self, w: &dyn Writer, cell: &CellView) -> String {
        match cell {
            CellView::Value { key, .. }
                if self.blank && key.kind != trace::Kind::W && key.layer != INPUT_LAYER =>
            {
                w.answer()
            }
            CellView::Value { shown, .. } => w.number(shown),
            CellView::Padding => w.text("0ₚ"),
            CellView::Dilation => w.text("0ₛ"),
        }
    }

    /// The shared filter's terms, one row per position, at most three weights a table.
    fn contribs(&self, w: &dyn Writer, grid: &ContribGrid) -> String {
        let per_table = 3;
        let sizes = grid.weight_names.len();
        (0..sizes)
            .step_by(per_table)
            .map(|first| self.contrib_table(w, grid, first..(first + per_table).min(sizes)))
            .collect()
    }

    fn contrib_table(
        &self,
        w: &dyn Writer,
        grid: &ContribGrid,
        weights: std::ops::Range<usize>,
    ) -> String {
        let share = 72 / weights.len() as u32;
        let mut columns = vec![
            Column::new(w.text("position k"), Col::Text(12)),
            Column::new(w.math("\\partial L/\\partial f_k"), Col::Text(16)),
        ];
        columns.extend(grid.weight_names[weights.clone()].iter().map(|n| {
            let header = format!(
                "{} {}",
                w.text("term of"),
                w.math(&latex_name(&format!("∂L/∂{n}")))
            );
            Column::new(header, Col::Text(share))
        }));
        let mut body: Vec<Vec<String>> = grid
            .positions
            .iter()
            .enumerate()
            .map(|(k, (node, grad, cells))| {
                let mut row = vec![
                    w.text(&format!("{} ({node})", k + 1)),
                    self.result(w, *grad),
                ];
                row.extend(cells[weights.clone()].iter().map(|c| {
                    let symbol = c.expr.render_latex(Rendering::Symbolic, self.digits);
                    if self.blank {
                        format!("{} = {}", w.math(&symbol), w.answer())
                    } else {
                        let numbers = c.expr.render_latex(Rendering::Substituted, self.digits);
                        let value = number(c.value, self.digits).replace('−', "-");
                        w.math(&format!("{symbol} = {numbers} = {value}"))
                    }
                }));
                row
            })
            .collect();
        let mut sums = vec![w.text("Σ over k"), String::new()];
        sums.extend(
            grid.sums[weights.clone()]
                .iter()
                .map(|&v| self.result(w, v)),
        );
        body.push(sums);
        w.table(&columns, &body)
    }

    fn updates(&self, w: &dyn Writer, updates: &[Update]) -> String {
        let header = ["layer", "weight", "w (old)", "∂L/∂w", "Δw (held)", "new w"].map(|h| {
            if h.contains('∂') || h.contains('Δ') {
                let (symbol, rest) = h.split_once(' ').unwrap_or((h, ""));
                format!("{} {}", w.math(&latex_name(symbol)), w.text(rest))
                    .trim_end()
                    .to_string()
            } else {
                w.text(h)
            }
        });
        let body: Vec<Vec<String>> = updates
            .iter()
            .map(|u| {
                vec![
                    w.text(&u.layer),
                    w.math(&latex_name(&u.weight)),
                    w.number(&number(u.w, self.digits)),
                    self.result(w, u.wgrad),
                    self.result(w, u.dw),
                    self.result(w, u.new),
                ]
            })
            .collect();
        let layouts = if self.blank {
            [
                Col::Text(16),
                Col::Text(18),
                Col::Number,
                Col::Text(22),
                Col::Text(22),
                Col::Text(22),
            ]
        } else {
            [
                Col::Text(50),
                Col::Text(50),
                Col::Number,
                Col::Number,
                Col::Number,
                Col::Number,
            ]
        };
        let columns: Vec<Column> = header
            .into_iter()
            .zip(layouts)
            .map(|(h, layout)| Column::new(h, layout))
            .collect();
        w.table(&columns, &body)
    }
}

/// How `nntrace template` is told about this scenario: a built-in by its name, a file by
/// its path as given (a generated exercise: `exercise.yaml`, beside the sheet).
fn template_argument(s: &Scenario) -> &str {
    if s.source.starts_with("built-in ") {
        &s.name
    } else {
        &s.source
    }
}
