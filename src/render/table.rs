//! The trace as terminal tables: one per layer and phase, in the order computed.

use super::{Block, ContribGrid, Options, Row, Section, Update, place, preamble, sections, strip};
use crate::network::Explainer;
use crate::scenario::Scenario;
use crate::trace::Phase;
use colored::Colorize;
use tabled::builder::Builder;
use tabled::settings::object::{Columns, Rows};
use tabled::settings::{Alignment, Style, Width};

/// Formula cells wider than this wrap between words.
const FORMULA_WIDTH: usize = 72;

pub fn render(
    s: &Scenario,
    pattern: usize,
    ex: &Explainer,
    opts: &Options,
    round: Option<u32>,
) -> String {
    let mut out = String::new();
    for line in preamble(s, pattern, round) {
        out.push_str(&opts.text(&line));
        out.push('\n');
    }
    for section in sections(ex, opts.digits) {
        out.push('\n');
        out.push_str(&heading(ex, &section, opts));
        for block in &section.blocks {
            out.push_str(&match block {
                Block::Rows(rows) => rows_table(rows, opts),
                Block::Contribs(grid) => contrib_table(grid, opts),
                Block::Updates(updates) => update_table(updates, opts),
            });
            out.push('\n');
        }
    }
    out
}

fn heading(ex: &Explainer, section: &Section, opts: &Options) -> String {
    let place = place(ex.net, (section.phase, section.layer));
    let title = opts.text(&format!("━━ {place} ━━ {}", section.title));
    let mut out = paint(&title, opts, |t| t.bold().cyan().to_string());
    out.push('\n');
    if section.phase != Phase::Update {
        let stages: Vec<String> = strip(ex, section.layer)
            .into_iter()
            .map(|(name, here)| {
                if here {
                    paint(&format!("[{name}]"), opts, |t| {
                        t.bold().yellow().to_string()
                    })
                } else {
                    name
                }
            })
            .collect();
        let sep = opts.text(" ▸ ");
        out.push_str(&format!("   {}   ({})\n", stages.join(&sep), "we are here"));
    }
    out
}

fn paint(text: &str, opts: &Options, style: impl Fn(&str) -> String) -> String {
    if opts.color {
        style(text)
    } else {
        text.to_string()
    }
}

fn note_colour(note: &str, opts: &Options) -> String {
    let text = opts.text(note);
    if !opts.color {
        return text;
    }
    if note.contains("blocked") || note.contains("gets 0") {
        text.red().to_string()
    } else if note.starts_with("target") {
        text.yellow().bold().to_string()
    } else if note.starts_with("tie") {
        text.magenta().to_string()
    } else if note.contains("passed")
        || note.contains("gets its gradient")
        || note.starts_with("from")
    {
        text.green().to_string()
    } else {
        text.dimmed().to_string()
    }
}

/// Borders (Unicode or ASCII), right-aligned number columns, and one column wrapped
/// between words at a width.
pub(super) fn style(
    builder: Builder,
    opts: &Options,
    right: &[usize],
    wrap: Option<(usize, usize)>,
) -> String {
    let mut table = builder.build();
    if let Some((column, width)) = wrap {
        table.modify(Columns::one(column), Width::wrap(width).keep_words(true));
    }
    if opts.ascii {
        table.with(Style::ascii());
    } else {
        table.with(Style::modern_rounded());
    }
    for &c in right {
        table.modify(Columns::one(c), Alignment::right());
    }
    table.modify(Rows::first(), Alignment::left());
    table.to_string()
}

fn value(x: f64, opts: &Options) -> String {
    paint(&opts.number(x), opts, |t| t.bold().to_string())
}

fn rows_table(rows: &[Row], opts: &Options) -> String {
    let mut b = Builder::default();
    b.push_record(["id", "quantity", "formula", "value", "note"]);
    for r in rows {
        let formula = match &r.formula {
            Some(f) => format!("{}\n= {}", opts.text(f), opts.text(&r.substituted)),
            None => "given".to_string(),
        };
        b.push_record([
            r.id.clone(),
            opts.text(&r.symbol),
            formula,
            value(r.value, opts),
            r.note
                .as_deref()
                .map(|n| note_colour(n, opts))
                .unwrap_or_default(),
        ]);
    }
    style(b, opts, &[3], Some((2, FORMULA_WIDTH)))
}

fn contrib_table(grid: &ContribGrid, opts: &Options) -> String {
    let mut b = Builder::default();
    let mut header = vec!["position k".to_string(), opts.text("∂L/∂f_k")];
    header.extend(
        grid.weight_names
            .iter()
            .map(|w| opts.text(&format!("term of ∂L/∂{w}"))),
    );
    b.push_record(header);
    for (k, (node, grad, cells)) in grid.positions.iter().enumerate() {
        let mut record = vec![format!("{} ({node})", k + 1), opts.number(*grad)];
        record.extend(cells.iter().map(|c| {
            format!(
                "{}\n= {}\n= {}",
                opts.text(&c.symbol),
                opts.text(&c.substituted),
                value(c.value, opts)
            )
        }));
        b.push_record(record);
    }
    let mut sums = vec![opts.text("Σ over k"), String::new()];
    sums.extend(
        grid.weight_names
            .iter()
            .zip(&grid.sums)
            .map(|(w, s)| format!("{} = {}", opts.text(&format!("∂L/∂{w}")), value(*s, opts))),
    );
    b.push_record(sums);
    style(b, opts, &[], None)
}

fn update_table(updates: &[Update], opts: &Options) -> String {
    let mut b = Builder::default();
    b.push_record(
        [
            "layer",
            "weight",
            "w (old)",
            &opts.text("∂L/∂w"),
            &opts.text("Δw (held)"),
            "new w",
        ]
        .map(String::from),
    );
    for u in updates {
        b.push_record([
            u.layer.clone(),
            u.weight.clone(),
            opts.number(u.w),
            opts.number(u.wgrad),
            opts.number(u.dw),
            value(u.new, opts),
        ]);
    }
    style(b, opts, &[2, 3, 4, 5], None)
}
