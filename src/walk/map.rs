//! The map under the strip, for a step in a 2-D layer: the cells the step is computed
//! from (its receptive field or pool window in the layer below; for a gradient, the cells
//! of the layer above that send it), an arrow, and the map of the cell being computed,
//! each a small grid of what is known so far; for a kernel weight's step (its value,
//! ∂L/∂w, Δw, its new value), its kernel as a grid of that quantity. The cell being computed and the cells it
//! reads are marked: in colour on a terminal, with `[ ]` and `( )` without colour. A map
//! wider or taller than the room shows the part around the marked cells and says which.

use crate::formula::number;
use crate::network::{Explainer, GridCell, Rank};
use crate::render::Options;
use crate::render::diagram::step_cells;
use crate::trace::{Entry, Key, Kind, LayerId};
use std::collections::{HashMap, HashSet};

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

/// One grid: a channel of a layer's map, or a kernel, with its marked cells.
struct Panel {
    title: String,
    /// The layer's name in the title, kept as written under `--ascii` (ids and `g` use it).
    layer: String,
    rows: usize,
    cols: usize,
    /// Row after row: the quantity each cell shows (None: a zero the layer put there).
    cells: Vec<Option<Key>>,
    /// Marked cells, by their place (row × cols + column).
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
    let shown: HashSet<Key> = panels
        .iter()
        .flat_map(|p| p.cells.iter().flatten())
        .copied()
        .collect();
    let values: HashMap<Key, f64> = known
        .iter()
        .filter(|e| shown.contains(&e.key))
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
    if key.kind.is_param() {
        return kernel(ex, key).into_iter().collect();
    }
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

/// The map of channel `channel` of `layer`'s nodes, each cell its `kind` of quantity.
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
    let first = shape.index(channel, 0, 0);
    Panel {
        title: format!(
            "{} · {what} · channel {} of {}",
            ex.net.layer_name(layer),
            channel + 1,
            shape.channels
        ),
        layer: ex.net.layer_name(layer).to_string(),
        rows: shape.rows,
        cols: shape.cols,
        cells: (first..first + shape.plane())
            .map(|i| Some(Key::new(layer, kind, i)))
            .collect(),
        marks: marks.map(|(n, m)| (n - first, m)).collect(),
    }
}

/// For a step of a weight (its value, ∂L/∂w, Δw, its new value): the kernel it belongs to,
/// as the layer's figures lay it out, each cell the same kind of quantity, the weight
/// marked. None for a weight outside a kernel (a dense layer's, a bias).
fn kernel(ex: &Explainer, key: Key) -> Option<Panel> {
    let layer = ex.net.layer(key.layer)?;
    let weight = Key {
        kind: Kind::W,
        ..key
    };
    let grid = layer
        .figures(key.layer, crate::trace::Phase::Forward)
        .into_iter()
        .flat_map(|f| f.grids)
        .find(|g| g.cells.contains(&GridCell::Quantity(weight)))?;
    let at = grid
        .cells
        .iter()
        .position(|c| *c == GridCell::Quantity(weight))?;
    let what = match key.kind {
        Kind::W => "weights",
        Kind::Wgrad => "∂L/∂w",
        Kind::Dw => "Δw",
        _ => "new weights",
    };
    Some(Panel {
        title: format!(
            "{} · {} · {what}",
            ex.net.layer_name(key.layer),
            grid.caption
        ),
        layer: ex.net.layer_name(key.layer).to_string(),
        rows: grid.rows,
        cols: grid.cols,
        cells: grid
            .cells
            .iter()
            .map(|c| match c {
                GridCell::Quantity(k) => Some(Key {
                    kind: key.kind,
                    ..*k
                }),
                GridCell::Padding | GridCell::Dilation => None,
            })
            .collect(),
        marks: HashMap::from([(at, Mark::Current)]),
    })
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
    let (h, w) = (p.rows, p.cols);
    let text = |r: usize, c: usize| match p.cells[r * w + c] {
        Some(key) => values
            .get(&key)
            .map_or_else(|| opts.text("·"), |v| opts.text(&number(*v, 3))),
        None => "0".to_string(),
    };
    let cell = (0..h)
        .flat_map(|r| (0..w).map(move |c| (r, c)))
        .map(|(r, c)| text(r, c).chars().count())
        .max()
        .unwrap_or(1);
    let fit_cols = (room / (cell + 3)).clamp(1, w);
    let fit_rows = rows.clamp(1, h);
    let marked: Vec<(usize, usize)> = p.marks.keys().map(|&i| (i / w, i % w)).collect();
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
    let clipped = |t: &str| crate::text::clip(t, room).into_owned();
    let mut out = vec![
        vec![(
            clipped(&opts.text_keeping(&p.title, &[&p.layer])),
            Mark::Plain,
        )],
        vec![(clipped(&opts.text(&part)), Mark::Plain)],
    ];
    for r in r0..r0 + fit_rows {
        let mut line = Line::new();
        for c in c0..c0 + fit_cols {
            let mark = p.marks.get(&(r * w + c)).copied().unwrap_or(Mark::Plain);
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
