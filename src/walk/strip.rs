//! The strip at the top of the walk: the network's layers side by side, the current one
//! marked, and under each name what is known so far, one quantity kind per row. When the
//! layers do not fit the width the strip scrolls sideways, so the current layer is always
//! on screen; `…` says that layers are left out on that side.

use crate::formula::number;
use crate::network::Explainer;
use crate::render::{Options, strip};
use crate::trace::{Entry, Kind, LOSS_LAYER, LayerId};

/// The rows under the names: a label and the kinds of quantity each shows.
const ROWS: [(&str, &[Kind]); 3] = [
    ("value", &[Kind::Out, Kind::Loss]),
    ("∂L/∂out", &[Kind::Grad]),
    ("∂L/∂I", &[Kind::Delta]),
];

/// A layer's numbers are cut to this many characters (the rest is in the step itself).
const CELL: usize = 30;

/// One line of the strip: pieces of text, the current layer's name marked `true`.
pub type Line = Vec<(String, bool)>;

/// A layer in the strip: its name, whether we are there, and one cell per row.
struct Column {
    name: String,
    here: bool,
    cells: Vec<String>,
}

impl Column {
    fn width(&self) -> usize {
        self.cells
            .iter()
            .map(|c| c.chars().count())
            .chain([self.name.chars().count()])
            .max()
            .unwrap_or(0)
    }
}

/// The strip's lines (names, then one row per quantity kind) at `width` columns.
/// `known` is what may be shown: every entry up to the step, or, with the numbers hidden,
/// only those revealed before it.
pub fn lines(
    ex: &Explainer,
    current: LayerId,
    known: &[Entry],
    width: usize,
    opts: &Options,
) -> Vec<Line> {
    let columns = columns(ex, current, known, opts);
    let labels: Vec<String> = ROWS.iter().map(|(l, _)| opts.text(l)).collect();
    let gutter = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 2;
    let arrow = opts.text(" ▸ ");
    let sep = arrow.chars().count();
    let here = columns.iter().position(|c| c.here).unwrap_or(0);
    let (first, last) = window(&columns, here, width.saturating_sub(gutter), sep);
    let more = opts.text("… ");
    let left = if first > 0 { more.as_str() } else { "" };
    let right = if last + 1 < columns.len() { " …" } else { "" };
    let shown = &columns[first..=last];
    let mut names: Line = vec![(format!("{:gutter$}{left}", ""), false)];
    for (i, c) in shown.iter().enumerate() {
        if i > 0 {
            names.push((arrow.clone(), false));
        }
        names.push((format!("{:<w$}", c.name, w = c.width()), c.here));
    }
    names.push((opts.text(right), false));
    let mut out = vec![names];
    for (row, label) in labels.iter().enumerate() {
        let pad = " ".repeat(left.chars().count());
        let cells: Vec<String> = shown
            .iter()
            .map(|c| format!("{:<w$}", c.cells[row], w = c.width()))
            .collect();
        let text = format!("{label:<gutter$}{pad}{}", cells.join(&" ".repeat(sep)));
        out.push(vec![(text.trim_end().to_string(), false)]);
    }
    out
}

/// Every stage of the network with the known numbers of each row.
fn columns(ex: &Explainer, current: LayerId, known: &[Entry], opts: &Options) -> Vec<Column> {
    let stages = strip(ex, current);
    let count = stages.len();
    stages
        .into_iter()
        .enumerate()
        .map(|(i, (name, here))| {
            let id = match i {
                0 => 0,
                _ if i + 1 == count => LOSS_LAYER,
                _ => i as LayerId,
            };
            let cells = ROWS
                .iter()
                .map(|(_, kinds)| {
                    let values: Vec<String> = known
                        .iter()
                        .filter(|e| e.key.layer == id && kinds.contains(&e.key.kind))
                        .map(|e| number(e.value, 3))
                        .collect();
                    opts.text(&clip(&values.join(" "), CELL))
                })
                .collect();
            Column {
                name: if here { format!("[{name}]") } else { name },
                here,
                cells,
            }
        })
        .collect()
}

/// The columns `first..=last` to show in `width`: as many as fit, the current one always
/// among them, and as much of what came before it as fits.
fn window(columns: &[Column], here: usize, width: usize, sep: usize) -> (usize, usize) {
    let span = |a: usize, b: usize| -> usize {
        let marks = if a > 0 { 2 } else { 0 } + if b + 1 < columns.len() { 2 } else { 0 };
        columns[a..=b].iter().map(Column::width).sum::<usize>() + sep * (b - a) + marks
    };
    let mut first = 0;
    while first < here && span(first, here) > width {
        first += 1;
    }
    let mut last = here;
    while last + 1 < columns.len() && span(first, last + 1) <= width {
        last += 1;
    }
    (first, last)
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, width: usize) -> Column {
        Column {
            name: name.into(),
            here: false,
            cells: vec!["x".repeat(width)],
        }
    }

    #[test]
    fn the_window_keeps_the_current_column_and_what_came_before() {
        let columns: Vec<Column> = (0..6).map(|i| column(&format!("c{i}"), 10)).collect();
        assert_eq!(window(&columns, 0, 200, 3), (0, 5), "all fit");
        assert_eq!(window(&columns, 0, 40, 3), (0, 2), "from the start");
        let (first, last) = window(&columns, 5, 40, 3);
        assert_eq!((first, last), (3, 5), "scrolled to the end");
        let (first, last) = window(&columns, 3, 40, 3);
        assert!(first <= 3 && 3 <= last, "the current one is shown");
    }
}
