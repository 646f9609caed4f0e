//! The map under the strip, for a step in a 2-D layer: the cells the step is computed
//! from (its receptive field or pool window in the layer below; for a gradient, the cells
//! of the layer above that send it), an arrow, and the map of the cell being computed,
//! each a small grid of what is known so far. The cell being computed and the cells it
//! reads are marked: in colour on a terminal, with `[ ]` and `( )` without colour. A map
//! wider or taller than the room shows the part around the marked cells and says which.

use crate::formula::number;
use crate::network::{Explainer, Rank, Shape};
use crate::render::Options;
use crate::render::diagram::step_cells;
use crate::trace::{Entry, Key, Kind, LayerId};
use std::collections::HashMap;

/// How a piece of a map line is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mark {
    Plain,
    /// The cell being computed.
    Current,
    /// A cell it is computed from.
    Source,
}

/// One line of the map: pieces of text with their marks.
pub(crate) type Line = Vec<(String, Mark)>;

/// One grid: a channel of a layer's map, the part that is shown, and its marked cells.
struct Panel {
    title: String,
    shape: Shape,
    channel: usize,
    /// The quantity shown in the cells.
    kind: Kind,
    layer: LayerId,
    marks: HashMap<usize, Mark>,
}

/// The map lines of the step at `key` (none when the step is not in a 2-D layer), at most
/// `rows` lines, `width` columns.
pub(crate) fn lines(
    ex: &Explainer,
    key: Key,
    known: &[Entry],
    width: usize,
    rows: usize,
    opts: &Options,
) -> Vec<Line> {
    let panels = panels(ex, key, known);
    if panels.is_empty() || rows < 5 {
        return Vec::new();
    }
    let values: HashMap<Key, f64> = known
        .iter()
        .filter(|e| {
            panels
                .iter()
                .any(|p| p.layer == e.key.layer && p.kind == e.key.kind)
        })
        .map(|e| (e.key, e.value))
        .collect();
    let arrow = opts.text(" → ");
    let room = width.saturating_sub(2 + arrow.chars().count() * (panels.len() - 1)) / panels.len();
    let mut drawn: Vec<Vec<Line>> = panels
        .iter()
        .map(|p| grid(p, &values, room, rows - 3, opts))
        .collect();
    // The second line says which part of a cropped map is shown; without one, it goes.
    if drawn.iter().all(|d| d[1][0].0.is_empty()) {
        for d in &mut drawn {
            d.remove(1);
        }
    }
    let height = drawn.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = Vec::new();
    for y in 0..height {
        let mut line: Line = vec![("  ".into(), Mark::Plain)];
        for (i, panel) in drawn.iter().enumerate() {
            let w = panel.iter().map(line_width).max().unwrap_or(0);
            if i > 0 {
                let a = if y == 1 + height / 2 {
                    arrow.clone()
                } else {
                    " ".repeat(arrow.chars().count())
                };
                line.push((a, Mark::Plain));
            }
            let piece = panel.get(y).cloned().unwrap_or_default();
            let pad = w - line_width(&piece);
            line.extend(piece);
            line.push((" ".repeat(pad), Mark::Plain));
        }
        out.push(line);
    }
    let sources = panels
        .iter()
        .any(|p| p.marks.values().any(|&m| m == Mark::Source));
    out.push(legend(sources, opts));
    out
}

fn line_width(line: &Line) -> usize {
    line.iter().map(|(t, _)| t.chars().count()).sum()
}

/// What the marks mean, each in its own mark (the sources' only when there are some).
fn legend(sources: bool, opts: &Options) -> Line {
    let (current, source) = if opts.color {
        ("this cell", "the cells it is computed from")
    } else {
        ("[ ] this cell", "( ) the cells it is computed from")
    };
    let mut line = vec![("  ".into(), Mark::Plain), (current.into(), Mark::Current)];
    if sources {
        line.push((opts.text(" · "), Mark::Plain));
        line.push((source.into(), Mark::Source));
    }
    line
}

/// The panels of a step: the maps (one channel each) of the cells it reads, then the map
/// of its own cell; only maps of 2-D layers.
fn panels(ex: &Explainer, key: Key, known: &[Entry]) -> Vec<Panel> {
    let net = ex.net;
    let cells = step_cells(ex, key);
    let Some((layer, node)) = cells.node else {
        return Vec::new();
    };
    let is_grid = |l: LayerId| {
        let shape = net.shape_of(l);
        shape.rank == Rank::Grid && shape.size() > 0
    };
    let mut panels = Vec::new();
    let mut by_channel: Vec<(LayerId, usize, Vec<usize>)> = Vec::new();
    for &(l, n) in &cells.sources {
        if !is_grid(l) {
            continue;
        }
        let c = net.shape_of(l).position(n).0;
        match by_channel
            .iter_mut()
            .find(|(bl, bc, _)| *bl == l && *bc == c)
        {
            Some((_, _, ns)) => ns.push(n),
            None => by_channel.push((l, c, vec![n])),
        }
    }
    for (l, c, ns) in by_channel.into_iter().take(2) {
        let kind = if key.kind == Kind::Grad {
            // The layer above sends what it knows of its own cells: their deltas where it
            // has them, else their gradients.
            let has_delta = known
                .iter()
                .any(|e| e.key.layer == l && e.key.kind == Kind::Delta);
            if has_delta { Kind::Delta } else { Kind::Grad }
        } else {
            Kind::Out
        };
        panels.push(panel(
            ex,
            l,
            c,
            kind,
            ns.into_iter().map(|n| (n, Mark::Source)),
        ));
    }
    if is_grid(layer) {
        let c = net.shape_of(layer).position(node).0;
        let kind = match key.kind {
            Kind::Out | Kind::Net | Kind::Dact | Kind::Delta | Kind::Grad => key.kind,
            _ => Kind::Out,
        };
        panels.push(panel(
            ex,
            layer,
            c,
            kind,
            [(node, Mark::Current)].into_iter(),
        ));
    }
    panels
}

fn panel(
    ex: &Explainer,
    layer: LayerId,
    channel: usize,
    kind: Kind,
    marks: impl Iterator<Item = (usize, Mark)>,
) -> Panel {
    let shape = ex.net.shape_of(layer);
    let what = match kind {
        Kind::Out => "values",
        Kind::Net => "net inputs",
        Kind::Dact => "derivatives",
        Kind::Delta => "∂L/∂I",
        _ => "∂L/∂out",
    };
    Panel {
        title: format!(
            "{} · {what} · channel {} of {}",
            ex.net.layer_name(layer),
            channel + 1,
            shape.channels
        ),
        shape,
        channel,
        kind,
        layer,
        marks: marks.collect(),
    }
}

/// The panel's lines: its title, which part is shown (empty when all of it), then its
/// rows, cropped to `room` columns and `rows` rows around the marked cells.
fn grid(
    p: &Panel,
    values: &HashMap<Key, f64>,
    room: usize,
    rows: usize,
    opts: &Options,
) -> Vec<Line> {
    let Shape {
        rows: h, cols: w, ..
    } = p.shape;
    let text = |r: usize, c: usize| {
        let i = p.shape.index(p.channel, r, c);
        values
            .get(&Key::new(p.layer, p.kind, i))
            .map_or_else(|| opts.text("·"), |v| opts.text(&number(*v, 3)))
    };
    let cell = (0..h)
        .flat_map(|r| (0..w).map(move |c| (r, c)))
        .map(|(r, c)| text(r, c).chars().count())
        .max()
        .unwrap_or(1);
    let fit_cols = (room / (cell + 3)).clamp(1, w);
    let fit_rows = rows.clamp(1, h);
    let marked: Vec<(usize, usize)> = p
        .marks
        .keys()
        .map(|&i| {
            let (_, r, c) = p.shape.position(i);
            (r, c)
        })
        .collect();
    let centre = |n: usize, fit: usize, at: &dyn Fn(&(usize, usize)) -> usize| -> usize {
        let (lo, hi) = marked
            .iter()
            .map(at)
            .fold((n, 0), |(a, b), x| (a.min(x), b.max(x)));
        let mid = (lo + hi) / 2;
        mid.saturating_sub(fit / 2).min(n - fit)
    };
    let (r0, c0) = (centre(h, fit_rows, &|m| m.0), centre(w, fit_cols, &|m| m.1));
    let part = if fit_rows < h || fit_cols < w {
        format!(
            "rows {}–{} of {h}, columns {}–{} of {w}",
            r0 + 1,
            r0 + fit_rows,
            c0 + 1,
            c0 + fit_cols
        )
    } else {
        String::new()
    };
    let clipped = |t: &str| crate::text::clip(&opts.text(t), room).into_owned();
    let mut out = vec![
        vec![(clipped(&p.title), Mark::Plain)],
        vec![(clipped(&part), Mark::Plain)],
    ];
    for r in r0..r0 + fit_rows {
        let mut line = Line::new();
        for c in c0..c0 + fit_cols {
            let mark = p
                .marks
                .get(&p.shape.index(p.channel, r, c))
                .copied()
                .unwrap_or(Mark::Plain);
            let (open, close) = match (mark, opts.color) {
                (Mark::Current, false) => ("[", "]"),
                (Mark::Source, false) => ("(", ")"),
                _ => (" ", " "),
            };
            line.push((" ".into(), Mark::Plain));
            line.push((format!("{open}{:>cell$}{close}", text(r, c)), mark));
        }
        out.push(line);
    }
    out
}
