//! The trace as one self-contained web page: the diagram (the same drawing as `diagram`,
//! inline SVG), the tables, and a step-through as in `walk`. Inline CSS and JavaScript,
//! no framework, no request to any address (a Content-Security-Policy forbids them), so
//! the file works offline from `file://`.
//!
//! Nothing is computed here. Every value, formula and reasoning line comes from the trace
//! through [`super::row`], [`super::sections`] and [`crate::walk::steps`]; the page's
//! script only shows and hides what was written. Every element that shows a value carries
//! `data-id` (the quantity's id), so whatever shows a value — a table cell, a node, an
//! edge label, a cell of a 2-D map — is revealed and hidden by the same rule.

use super::check::{COLUMNS, carried_if_different, groups, remark};
use super::diagram::{self, element_of};
use super::{
    Block, CellView, ContribGrid, Grids, Row, Section, Update, place, preamble, sections,
    xml_escape,
};
use crate::check::{Report, Verdict};
use crate::formula::number;
use crate::network::{Explainer, Network, Rank};
use crate::scenario::Scenario;
use crate::trace::{Key, Kind, LayerId};
use serde_json::json;
use std::fmt::Write;

const STYLE: &str = include_str!("html/page.css");
const SCRIPT: &str = include_str!("html/step.js");

/// `nntrace trace SCENARIO --format html`: the whole page.
pub fn trace_page(
    s: &Scenario,
    pattern: usize,
    ex: &Explainer,
    digits: usize,
    round: Option<u32>,
) -> String {
    let title = format!("{} · pattern {pattern}", s.name);
    let mut body = String::new();
    body.push_str("<header class=\"intro\">\n");
    let lines = preamble(s, pattern, round);
    let _ = writeln!(body, "<h1>{}</h1>", xml_escape(&lines[0]));
    for line in &lines[1..] {
        let _ = writeln!(body, "<p>{}</p>", xml_escape(line));
    }
    body.push_str("</header>\n");
    body.push_str(CONTROLS);
    let drawing = diagram::render(ex, &title, None, digits).svg;
    let svg = drawing
        .split_once("?>\n")
        .map_or(drawing.as_str(), |(_, rest)| rest);
    let _ = writeln!(
        body,
        "<figure class=\"diagram\" aria-label=\"the network\">\n<div class=\"scroll\">\n{svg}</div>\n<figcaption>Click a node or an edge (or focus it and press Enter) to see its formulas.</figcaption>\n</figure>"
    );
    body.push_str("<main id=\"tables\">\n");
    for (i, section) in sections(ex, digits).iter().enumerate() {
        body.push_str(&section_html(ex, section, i, digits));
    }
    body.push_str("</main>\n");
    let steps = steps_json(ex, digits);
    let _ = writeln!(
        body,
        "<script type=\"application/json\" id=\"steps\">{}</script>\n<script>{SCRIPT}</script>",
        script_safe(&steps)
    );
    page(&format!("nntrace · {title}"), "trace", &body)
}

/// The controls of the step-through and the panels it fills.
const CONTROLS: &str = r#"<div class="bar" role="toolbar" aria-label="step through the trace">
<button type="button" id="first" title="back to the start (Home)">« start</button>
<button type="button" id="prev" title="previous step (←)">← back</button>
<button type="button" id="next" title="next step (→)">next →</button>
<button type="button" id="table" title="to the end of this table (t)">table ⇥</button>
<button type="button" id="all" title="show every step (End)">show all »</button>
<button type="button" id="hide" aria-pressed="false" title="hide the numbers of the current step (h)">hide numbers</button>
<span id="counter" aria-live="polite"></span>
</div>
<section id="now" aria-live="polite" aria-label="the current step"></section>
<section id="detail" aria-live="polite" aria-label="details" hidden></section>
"#;

/// One table of the trace: a layer in a phase.
fn section_html(ex: &Explainer, section: &Section, index: usize, digits: usize) -> String {
    let mut out = format!(
        "<section class=\"table\" id=\"section-{index}\">\n<h2><span class=\"place\">{}</span> {}</h2>\n",
        xml_escape(&place(ex.net, (section.phase, section.layer))),
        xml_escape(&section.title)
    );
    for block in &section.blocks {
        out.push_str(&match block {
            Block::Rows(rows) => rows_html(rows),
            Block::Contribs(grid) => contribs_html(ex, grid, digits),
            Block::Grids(grids) => grids_html(ex, grids),
            Block::Updates(updates) => updates_html(ex, updates, digits),
            Block::LeftOut(gap) => format!("<p class=\"left-out\">⋮ {} more</p>\n", gap.count),
        });
    }
    out.push_str("</section>\n");
    out
}

fn rows_html(rows: &[Row]) -> String {
    let mut out = String::from(
        "<table class=\"rows\"><thead><tr><th>id</th><th>quantity</th><th>formula</th><th>value</th><th>note</th></tr></thead><tbody>\n",
    );
    for row in rows {
        let id = xml_escape(&row.id);
        let formula = row.formula.as_deref().map_or(String::new(), |f| {
            format!(
                "<span class=\"formula\" data-id=\"{id}\">{}</span><br><span data-id=\"{id}\">= {}</span>",
                xml_escape(f),
                xml_escape(&row.substituted)
            )
        });
        let _ = writeln!(
            out,
            "<tr data-row=\"{id}\" tabindex=\"0\"><td class=\"id\" data-label=\"id\"><code>{id}</code></td><td class=\"sym\" data-label=\"quantity\">{}</td><td class=\"math\" data-label=\"formula\">{formula}</td><td class=\"value\" data-label=\"value\"><span data-id=\"{id}\">{}</span></td><td class=\"note\" data-label=\"note\">{}</td></tr>",
            xml_escape(&row.symbol),
            xml_escape(&row.shown_value),
            row.note.as_ref().map_or(String::new(), |n| format!(
                "<span data-id=\"{id}\">{}</span>",
                xml_escape(&n.text)
            ))
        );
    }
    out.push_str("</tbody></table>\n");
    out
}

/// A value in a cell, tagged with its quantity.
fn cell(ex: &Explainer, key: Key, value: &str) -> String {
    format!(
        "<td class=\"value\"><span data-id=\"{}\">{}</span></td>",
        xml_escape(&ex.id(key)),
        xml_escape(value)
    )
}

/// A cell of a 2-D map: its value, and like a table row it opens its quantity's
/// formulas when clicked and is highlighted when its step is the current one.
fn grid_cell(ex: &Explainer, key: Key, value: &str) -> String {
    format!(
        "<td class=\"value\" data-row=\"{0}\" tabindex=\"0\"><span data-id=\"{0}\">{1}</span></td>",
        xml_escape(&ex.id(key)),
        xml_escape(value)
    )
}

fn contribs_html(ex: &Explainer, grid: &ContribGrid, digits: usize) -> String {
    let mut out = String::from(
        "<table class=\"grid\"><caption>a shared filter: one row per position, one column per filter weight; each column sums to ∂L/∂w</caption><thead><tr><th>position</th><th>∂L/∂(node)</th>",
    );
    for w in &grid.weight_names {
        let _ = write!(out, "<th>∂L/∂f·In for {}</th>", xml_escape(w));
    }
    out.push_str("</tr></thead><tbody>\n");
    for (k, ((node, grad, cells), key)) in grid.positions.iter().zip(&grid.grad_keys).enumerate() {
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{} ({})</th>{}",
            k + 1,
            xml_escape(node),
            cell(ex, *key, &number(*grad, digits))
        );
        for c in cells {
            let _ = write!(
                out,
                "<td class=\"value\" data-row=\"{0}\" tabindex=\"0\"><span data-id=\"{0}\">{1}</span></td>",
                xml_escape(&c.id),
                xml_escape(&c.shown_value)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("<tr class=\"sum\"><th scope=\"row\">Σ = ∂L/∂w</th><td></td>");
    for (key, sum) in grid.sum_keys.iter().zip(&grid.sums) {
        out.push_str(&cell(ex, *key, &number(*sum, digits)));
    }
    out.push_str("</tr>\n</tbody></table>\n");
    out
}

/// Grids as small tables under a title, each cell tagged with its quantity so clicking it
/// shows its formula; the zeros the layer added are marked.
fn grids_html(ex: &Explainer, grids: &Grids) -> String {
    let mut out = format!(
        "<figure class=\"maps\"><figcaption>{}",
        xml_escape(&grids.title)
    );
    if let Some(note) = &grids.note {
        let _ = write!(out, "<br><small>{}</small>", xml_escape(note));
    }
    if grids.has_zeros() {
        out.push_str("<br><small>0ₚ: a zero of the padding; 0ₛ: a zero put between cells for the stride</small>");
    }
    out.push_str("</figcaption>\n");
    for g in &grids.grids {
        let _ = write!(
            out,
            "<table class=\"map\"><caption>{}</caption><thead><tr><th></th>",
            xml_escape(&g.caption)
        );
        for c in 1..=g.cols {
            let _ = write!(out, "<th>{c}</th>");
        }
        out.push_str("</tr></thead><tbody>\n");
        for (r, row) in g.cells.chunks(g.cols.max(1)).enumerate() {
            let _ = write!(out, "<tr><th scope=\"row\">{}</th>", r + 1);
            for c in row {
                out.push_str(&match c {
                    CellView::Value { key, shown } => grid_cell(ex, *key, shown),
                    CellView::Padding => "<td class=\"pad\">0ₚ</td>".into(),
                    CellView::Dilation => "<td class=\"pad\">0ₛ</td>".into(),
                });
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</figure>\n");
    out
}

fn updates_html(ex: &Explainer, updates: &[Update], digits: usize) -> String {
    let mut out = String::from(
        "<table class=\"updates\"><thead><tr><th>layer</th><th>weight</th><th>w</th><th>∂L/∂w</th><th>Δw</th><th>new w</th></tr></thead><tbody>\n",
    );
    for u in updates {
        let k = |kind: Kind| Key { kind, ..u.key };
        let id = xml_escape(&ex.id(u.key));
        let _ = writeln!(
            out,
            "<tr data-row=\"{id}\" tabindex=\"0\"><td>{}</td><td>{}</td>{}{}{}{}</tr>",
            xml_escape(&u.layer),
            xml_escape(&u.weight),
            cell(ex, k(Kind::W), &number(u.w, digits)),
            cell(ex, k(Kind::Wgrad), &number(u.wgrad, digits)),
            cell(ex, k(Kind::Dw), &number(u.dw, digits)),
            cell(ex, k(Kind::New), &number(u.new, digits)),
        );
    }
    out.push_str("</tbody></table>\n");
    out
}

/// Every step as the script needs it: what to show, and which element it belongs to.
fn steps_json(ex: &Explainer, digits: usize) -> String {
    let steps: Vec<serde_json::Value> = crate::walk::steps(ex, digits)
        .iter()
        .map(|s| {
            let (attr, element) = element_of(ex, s.row.key);
            let mut step = json!({
                "id": s.row.id,
                "place": s.heading,
                "section": s.section,
                "symbol": s.row.symbol,
                "formula": s.row.formula,
                "substituted": s.row.substituted,
                "value": s.row.shown_value,
                "note": s.row.note.as_ref().map(|n| &n.text),
                "why": s.why,
                "at": { "attr": attr, "value": element },
            });
            let window = window_of(ex, s.row.key);
            if !window.is_empty() {
                step["window"] = json!(window);
            }
            step
        })
        .collect();
    // One step per line, so that a change to one step reads as one changed line.
    let lines: Vec<String> = steps
        .iter()
        .map(|s| serde_json::to_string(s).expect("JSON of plain values"))
        .collect();
    format!("[\n{}\n]", lines.join(",\n"))
}

/// The elements to shade while the step at `key` is the current one, as attribute and
/// value: the cells of 2-D maps it is computed from, as the diagram shades them (a cell's
/// receptive field or pool window in the map below, for a gradient the cells of the map
/// above that send it) — each as drawn (`data-node`) and as a cell of the tables' grids
/// (`data-row`: their values, or for a gradient their gradients) — and, for a cell of a
/// convolution's map, every weight of its filter (`data-weight`, and their table cells).
fn window_of(ex: &Explainer, key: Key) -> Vec<[String; 2]> {
    let net = ex.net;
    let cells = diagram::step_cells(ex, key);
    let Some((layer, node)) = cells.node else {
        return Vec::new();
    };
    let is_grid = |l: LayerId| net.shape_of(l).rank == Rank::Grid;
    let kind = if key.kind == Kind::Grad {
        Kind::Grad
    } else {
        Kind::Out
    };
    let mut pairs = Vec::new();
    for (l, n) in cells.sources.into_iter().filter(|&(l, _)| is_grid(l)) {
        pairs.push([
            "data-node".to_string(),
            format!("{}.{}", net.layer_name(l), net.node_names(l)[n]),
        ]);
        pairs.push([
            "data-row".to_string(),
            ex.id(Key::new(net.source(l), kind, n)),
        ]);
    }
    if key.kind == Kind::Out && is_grid(layer) {
        // Every weight of the cell's filter, those that meet a padded 0 too.
        let tables = net
            .layer(layer)
            .and_then(|l| l.shared_filter())
            .map_or(Vec::new(), |f| f.filter_index().tables());
        let kernel = tables.iter().find(|t| t.nodes.contains(&node));
        for &p in kernel.map_or(&[][..], |t| &t.weights) {
            let id = ex.id(Key::new(layer, Kind::W, p));
            pairs.push(["data-weight".to_string(), id.clone()]);
            pairs.push(["data-row".to_string(), id]);
        }
    }
    pairs
}

/// JSON inside a script element: no `<` may end it early.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
}

/// The page around a body: one file, its own style, no outside resource.
fn page(title: &str, kind: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"generator\" content=\"nntrace\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body class=\"{kind}\">\n{body}\
         <footer>Made by nntrace. One file: it works offline and asks nothing of any server.</footer>\n</body>\n</html>\n",
        xml_escape(title)
    )
}

/// `nntrace check … --format html`: the student's report as a page in the same style.
pub fn check_page(report: &Report, net: &Network, answers_file: &str, digits: usize) -> String {
    let mut body = format!(
        "<header class=\"intro\">\n<h1>{} — checking {} against pattern {}</h1>\n</header>\n",
        xml_escape(&report.scenario),
        xml_escape(answers_file),
        report.pattern
    );
    let summary = super::check::summary(
        report,
        &super::Options {
            digits,
            ascii: false,
            color: false,
            width: super::DEFAULT_WIDTH,
        },
    );
    body.push_str("<section id=\"summary\" class=\"summary\">\n");
    for line in summary.lines() {
        let _ = writeln!(body, "<p>{}</p>", xml_escape(line));
    }
    body.push_str("</section>\n<main>\n");
    let number = |v: Option<f64>| v.map(|v| number(v, digits)).unwrap_or_default();
    for (group, answers) in groups(&report.answers) {
        let heading = match group {
            Some(g) => place(net, g),
            None => "not checked: ids that name no quantity, or values that are not numbers".into(),
        };
        let _ = writeln!(
            body,
            "<section class=\"table\">\n<h2><span class=\"place\">{}</span></h2>\n<table class=\"report\"><thead><tr>{}</tr></thead><tbody>",
            xml_escape(&heading),
            COLUMNS
                .iter()
                .map(|c| format!("<th>{c}</th>"))
                .collect::<String>()
        );
        for a in answers {
            let (class, verdict) = match a.verdict {
                Verdict::Correct => ("correct", "✓ correct"),
                Verdict::Consistent => ("consistent", "≈ consistent"),
                Verdict::Wrong => ("wrong", "✗ wrong"),
                Verdict::Unknown => ("unknown", "? unknown"),
            };
            let at = a
                .position
                .map_or(String::new(), |(l, c)| format!(" (line {l}:{c})"));
            let cells = [
                format!("<code>{}</code>{}", xml_escape(&a.id), xml_escape(&at)),
                xml_escape(&a.symbol),
                xml_escape(&a.text),
                xml_escape(&number(a.exact)),
                xml_escape(&carried_if_different(a, &number)),
                format!("<strong>{verdict}</strong>"),
                xml_escape(&remark(a)),
            ];
            let _ = writeln!(
                body,
                "<tr class=\"{class}\">{}</tr>",
                cells
                    .iter()
                    .zip(COLUMNS)
                    .map(|(c, label)| format!("<td data-label=\"{label}\">{c}</td>"))
                    .collect::<String>()
            );
        }
        body.push_str("</tbody></table>\n</section>\n");
    }
    body.push_str("</main>\n");
    page(
        &format!("nntrace · check · {}", report.scenario),
        "report",
        &body,
    )
}
