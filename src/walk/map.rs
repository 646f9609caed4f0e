//! The map under the strip, for a step in a 2-D layer: the cells the step is computed
//! from (its receptive field or pool window in the layer below; for a gradient, the cells
//! of the layer above that send it), an arrow, and the map of the cell being computed,
//! each a small grid of what is known so far; for a kernel weight's step (its value,
//! ∂L/∂w, Δw, its new value), its kernel as a grid of that quantity. The cell being computed and the cells it
//! reads are marked: in colour on a terminal, with `[ ]` and `( )` without colour. A map
//! wider or taller than the room shows the part around the marked cells and says which.
//! The cells read in several channels show every channel side by side under one title,
//! as many as the width holds; the legend names the channels left out.

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
    /// What it shows: `input · values`, `conv · K filter 1 channel 1 · weights`.
    title: String,
    /// The channel of a layer's map, and the layer's channels (`channel 2 of 3`).
    channel: Option<(usize, usize)>,
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
    let layout = Layout::new(&panels, &values, width.saturating_sub(2), &arrow, opts);
    let shown: Vec<&Panel> = layout.shown.iter().map(|&i| &panels[i]).collect();
    let sources = shown
        .iter()
        .any(|p| p.marks.values().any(|&m| m == Mark::Source));
    let mut legend = legend(sources, opts);
    // The channels left out are named after the legend, or on a line of their own where
    // the legend leaves no room (a map row fewer then).
    let left_out: Vec<&Panel> = (0..panels.len())
        .filter(|i| !layout.shown.contains(i))
        .map(|i| &panels[i])
        .collect();
    let left_out =
        left_out_words(&left_out).map(|words| opts.text_keeping(&words, &[&left_out[0].layer]));
    let separate = left_out.as_ref().is_some_and(|words| {
        line_width(&legend) + opts.text(" · ").chars().count() + words.chars().count() > width
    });
    let rows = rows - usize::from(separate);
    // A panel alone under its title names its channel there, where the title fits;
    // otherwise, and for the channels of one layer, the line under the title does.
    let split: Vec<bool> = shown
        .iter()
        .zip(&layout.rooms)
        .map(|(p, &room)| {
            !alone(&shown, p)
                || opts
                    .text_keeping(&full_title(p), &[&p.layer])
                    .chars()
                    .count()
                    > room
        })
        .collect();
    let mut drawn: Vec<Vec<Line>> = shown
        .iter()
        .zip(&layout.rooms)
        .zip(&split)
        .map(|((p, &room), &split)| {
            let channel = match (split, alone(&shown, p), p.channel) {
                (false, _, _) | (_, _, None) => String::new(),
                (true, true, Some((c, n))) => format!("channel {c} of {n}"),
                (true, false, _) => label(p),
            };
            grid(p, &values, room, &channel, rows - 3, opts)
        })
        .collect();
    // The line under the titles names the channels of a layer shown side by side, and
    // which part of a cropped map is shown; with neither, it goes.
    if drawn.iter().all(|d| d[0][0].0.is_empty()) {
        for d in &mut drawn {
            d.remove(0);
        }
    }
    let widths: Vec<usize> = drawn
        .iter()
        .map(|d| d.iter().map(line_width).max().unwrap_or(0))
        .collect();
    let gaps: Vec<String> = (0..shown.len())
        .map(|i| match i {
            0 => String::new(),
            _ => gap_between(shown[i - 1], shown[i], &arrow),
        })
        .collect();
    let (titles, widths) = titles(&shown, &split, widths, &gaps, &layout.rooms, opts);
    let height = drawn.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = vec![titles];
    for y in 0..height {
        let mut line: Line = vec![("  ".into(), Mark::Plain)];
        for (i, panel) in drawn.iter().enumerate() {
            if i > 0 {
                let gap = if y == height.div_ceil(2) && gaps[i] == arrow {
                    arrow.clone()
                } else {
                    " ".repeat(gaps[i].chars().count())
                };
                line.push((gap, Mark::Plain));
            }
            let piece = panel.get(y).cloned().unwrap_or_default();
            let pad = widths[i] - line_width(&piece);
            line.extend(piece);
            line.push((" ".repeat(pad), Mark::Plain));
        }
        out.push(line);
    }
    match left_out {
        Some(words) if separate => {
            out.push(legend);
            out.push(vec![(format!("  {words}"), Mark::Plain)]);
        }
        Some(words) => {
            legend.push((opts.text(" · "), Mark::Plain));
            legend.push((words, Mark::Plain));
            out.push(legend);
        }
        None => out.push(legend),
    }
    out
}

fn line_width(line: &Line) -> usize {
    line.iter().map(|(t, _)| t.chars().count()).sum()
}

/// `channel 2`, under a title of several channels; nothing for a kernel.
fn label(p: &Panel) -> String {
    p.channel
        .map_or(String::new(), |(c, _)| format!("channel {c}"))
}

/// The title over a panel alone: `input · values · channel 1 of 1`.
fn full_title(p: &Panel) -> String {
    match p.channel {
        Some((c, n)) => format!("{} · channel {c} of {n}", p.title),
        None => p.title.clone(),
    }
}

/// The title over several channels of one layer: `input · values · channels 1–3 of 3`.
fn group_title(group: &[&Panel]) -> String {
    let channels: Vec<usize> = group
        .iter()
        .filter_map(|p| p.channel)
        .map(|(c, _)| c)
        .collect();
    let of = group[0].channel.map_or(0, |(_, n)| n);
    format!("{} · {} of {of}", group[0].title, channels_words(&channels))
}

/// `channel 3`, `channels 1–3`, `channels 1, 3`.
fn channels_words(channels: &[usize]) -> String {
    match channels {
        [one] => format!("channel {one}"),
        [a, .., b] if b + 1 - a == channels.len() => format!("channels {a}–{b}"),
        all => format!(
            "channels {}",
            all.iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Whether `p` is the only panel under its title (its layer's only channel among them).
fn alone(panels: &[&Panel], p: &Panel) -> bool {
    panels.iter().filter(|q| q.title == p.title).count() == 1
}

/// Between two panels: a gap between channels of one layer, an arrow between layers.
fn gap_between(a: &Panel, b: &Panel, arrow: &str) -> String {
    if a.title == b.title {
        " ".repeat(CHANNEL_GAP)
    } else {
        arrow.to_string()
    }
}

/// The titles' line: a panel alone under its full title (without its channel where that
/// goes under it), the channels of one layer under one title across them, each clipped to
/// its room; with the panels' widths widened where a title needs it.
fn titles(
    shown: &[&Panel],
    split: &[bool],
    mut widths: Vec<usize>,
    gaps: &[String],
    rooms: &[usize],
    opts: &Options,
) -> (Line, Vec<usize>) {
    let gap_width = |from: usize, to: usize| -> usize {
        gaps[from + 1..to].iter().map(|g| g.chars().count()).sum()
    };
    let mut line = String::from("  ");
    let mut i = 0;
    while i < shown.len() {
        let end = i + shown[i..]
            .iter()
            .take_while(|p| p.title == shown[i].title)
            .count();
        let text = match end - i {
            1 if split[i] => shown[i].title.clone(),
            1 => full_title(shown[i]),
            _ => group_title(&shown[i..end]),
        };
        let room = rooms[i..end].iter().sum::<usize>() + gap_width(i, end);
        let text = opts.text_keeping(&text, &[&shown[i].layer]);
        let text = crate::text::clip(&text, room).into_owned();
        let span = widths[i..end].iter().sum::<usize>() + gap_width(i, end);
        let wanted = text.chars().count();
        if wanted > span {
            widths[end - 1] += wanted - span;
        }
        if i > 0 {
            line.push_str(&" ".repeat(gaps[i].chars().count()));
        }
        line.push_str(&text);
        line.push_str(&" ".repeat(span.max(wanted) - wanted));
        i = end;
    }
    (vec![(line, Mark::Plain)], widths)
}

/// `input: channels 5–6 of 6 not shown (too narrow)`, for the source panels left out.
fn left_out_words(left_out: &[&Panel]) -> Option<String> {
    let first = left_out.first()?;
    let channels: Vec<usize> = left_out
        .iter()
        .filter_map(|p| p.channel)
        .map(|(c, _)| c)
        .collect();
    let of = first.channel.map_or(0, |(_, n)| n);
    Some(format!(
        "{}: {} of {of} not shown (too narrow)",
        first.layer,
        channels_words(&channels)
    ))
}

/// Columns between two channels of one layer.
const CHANNEL_GAP: usize = 2;
/// A map at most this wide is shown whole or not at all; a wider one may be cropped to
/// the columns of its marked cells.
const WHOLE: usize = 40;

/// Which panels are shown across the width, and the room of each: the source panels
/// first, as many as fit (each whole, or a large map at least its marked columns), then
/// the step's own map.
struct Layout {
    /// Indices of the panels shown, in order.
    shown: Vec<usize>,
    /// The room of each panel shown.
    rooms: Vec<usize>,
}

impl Layout {
    fn new(
        panels: &[Panel],
        values: &HashMap<Key, f64>,
        width: usize,
        arrow: &str,
        opts: &Options,
    ) -> Layout {
        let all: Vec<&Panel> = panels.iter().collect();
        let sources = panels
            .iter()
            .filter(|p| !p.marks.values().any(|&m| m == Mark::Current))
            .count();
        // Each panel's width whole, and the least it is shown in.
        let sizes: Vec<(usize, usize)> = panels
            .iter()
            .map(|p| {
                let cell = cell_width(p, values, opts) + 3;
                let whole = p.cols * cell;
                let least = if whole <= WHOLE {
                    whole
                } else {
                    marked_columns(p) * cell
                };
                let label = if alone(&all, p) {
                    0
                } else {
                    label(p).chars().count()
                };
                (whole.max(label), least.max(label))
            })
            .collect();
        let with = |k: usize| -> Vec<usize> { (0..k).chain(sources..panels.len()).collect() };
        let gaps = |shown: &[usize]| -> usize {
            (1..shown.len())
                .map(|i| {
                    gap_between(&panels[shown[i - 1]], &panels[shown[i]], arrow)
                        .chars()
                        .count()
                })
                .sum()
        };
        let fits = |shown: &[usize]| {
            gaps(shown) + shown.iter().map(|&i| sizes[i].1).sum::<usize>() <= width
        };
        let mut k = sources.min(1);
        while k < sources && fits(&with(k + 1)) {
            k += 1;
        }
        let shown = with(k);
        let room = width.saturating_sub(gaps(&shown));
        // Whole, with a lone panel's title; else whole with titles clipped; else shared.
        let chosen: Vec<&Panel> = shown.iter().map(|&i| &panels[i]).collect();
        let titled: Vec<usize> = shown
            .iter()
            .map(|&i| {
                let p = &panels[i];
                let title = if alone(&chosen, p) {
                    full_title(p)
                } else {
                    String::new()
                };
                let title = opts.text_keeping(&title, &[&p.layer]).chars().count();
                sizes[i].0.max(title)
            })
            .collect();
        let whole: Vec<usize> = shown.iter().map(|&i| sizes[i].0).collect();
        let rooms = if titled.iter().sum::<usize>() <= room {
            titled
        } else if whole.iter().sum::<usize>() <= room {
            // What is left goes to the titles, first come first served.
            let mut left = room - whole.iter().sum::<usize>();
            whole
                .iter()
                .zip(&titled)
                .map(|(&w, &t)| {
                    let more = (t - w).min(left);
                    left -= more;
                    w + more
                })
                .collect()
        } else {
            share(&titled, room)
        };
        Layout { shown, rooms }
    }
}

/// How many columns the marked cells of a panel span (1 without marks).
fn marked_columns(p: &Panel) -> usize {
    let cols = p.marks.keys().map(|&i| i % p.cols.max(1));
    match (cols.clone().min(), cols.max()) {
        (Some(a), Some(b)) => b - a + 1,
        _ => 1,
    }
}

/// Shares `room` columns among panels that want `wants`: each gets what it wants where
/// that is no more than an equal share of what the others leave; the rest share equally.
fn share(wants: &[usize], room: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..wants.len()).collect();
    order.sort_by_key(|&i| wants[i]);
    let mut rooms = vec![0; wants.len()];
    let mut left = room;
    for (n, &i) in order.iter().enumerate() {
        let fair = (left / (wants.len() - n)).max(1);
        if wants[i] > fair {
            for &j in &order[n..] {
                rooms[j] = fair;
            }
            break;
        }
        rooms[i] = wants[i];
        left -= wants[i];
    }
    rooms
}

/// The widest value a panel's cells show (`·` for one not yet known).
fn cell_width(p: &Panel, values: &HashMap<Key, f64>, opts: &Options) -> usize {
    p.cells
        .iter()
        .map(|c| cell_text(*c, values, opts).chars().count())
        .max()
        .unwrap_or(1)
}

/// A cell's text: its value so far, `·` while unknown, `0` for a zero the layer put there.
fn cell_text(cell: Option<Key>, values: &HashMap<Key, f64>, opts: &Options) -> String {
    match cell {
        Some(key) => values
            .get(&key)
            .map_or_else(|| opts.text("·"), |v| opts.text(&number(*v, 3))),
        None => "0".to_string(),
    }
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
    for (l, c, ns) in by_channel {
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
        title: format!("{} · {what}", ex.net.layer_name(layer)),
        channel: Some((channel + 1, shape.channels)),
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
    let filter = ex.net.layer(key.layer)?.shared_filter()?;
    let weight = Key {
        kind: Kind::W,
        ..key
    };
    let grid = filter
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
        channel: None,
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

/// The panel's lines: its channel (when its layer shows several) and which part is shown
/// (empty when all of it), then its rows, cropped to `room` columns and `rows` rows
/// around the marked cells.
fn grid(
    p: &Panel,
    values: &HashMap<Key, f64>,
    room: usize,
    channel: &str,
    rows: usize,
    opts: &Options,
) -> Vec<Line> {
    let (h, w) = (p.rows, p.cols);
    let text = |r: usize, c: usize| cell_text(p.cells[r * w + c], values, opts);
    let cell = cell_width(p, values, opts);
    let fit_cols = (room / (cell + 3)).clamp(1, w);
    let fit_rows = rows.clamp(1, h);
    let marked: Vec<(usize, usize)> = p.marks.keys().map(|&i| (i / w, i % w)).collect();
    let centre = |n: usize, fit: usize, at: &dyn Fn(&(usize, usize)) -> usize| -> usize {
        let (lo, hi) = marked
            .iter()
            .map(at)
            .fold((n, 0), |(a, b), x| (a.min(x), b.max(x)));
        // The middle of the marked span, rounded up: an even span fits where it can.
        let mid = (lo + hi).div_ceil(2);
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
    let under = match (channel.is_empty(), part.is_empty()) {
        (false, false) => format!("{channel} · {part}"),
        (false, true) => channel.to_string(),
        _ => part,
    };
    let clipped = |t: &str| crate::text::clip(t, room).into_owned();
    let mut out = vec![vec![(clipped(&opts.text(&under)), Mark::Plain)]];
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
