//! The network drawn as on the slides: one column per layer, nodes labelled with their
//! name, value and gradient, biases above their nodes, edges with their weights, pooling
//! routes (ties included) drawn, blocked ReLUs greyed. Plain SVG 1.1, text as text, the
//! layout fixed by the network alone so the same scenario always gives the same file.
//!
//! Edge labels are placed, not just put down: each goes to the point along its edge whose
//! box overlaps no other label, node or bias tag and is crossed by the fewest other edges;
//! when a gap between two columns has no room, the gap is widened. Every text that could
//! collide is drawn inside a box of class `label`, `bias`, `callout` or `loss` whose
//! geometry is in the file, so a test can check that no two of them intersect.

use crate::formula::number;
use crate::network::{Explainer, Gate, Layer};
use crate::render::xml_escape as escape;
use crate::trace::{Entry, Key, Kind, LOSS_LAYER, LayerId};
use std::collections::HashMap;
use std::fmt::Write;

mod maps;
pub(crate) use maps::step_cells;

/// Above this many nodes a column shows its first and last few, with an ellipsis.
pub(crate) const MAX_DRAWN: usize = 60;
/// Above this many weights between two columns the edges are drawn without labels.
pub(crate) const MAX_LABELS: usize = 300;
const SHOWN_AT_EACH_END: usize = 5;
const COLUMN: f64 = 250.0;
const MIN_RADIUS: f64 = 30.0;
const MAX_RADIUS: f64 = 50.0;
const TOP: f64 = 150.0;
const LEFT: f64 = 110.0;
const FONT: f64 = 15.0;
const SMALL: f64 = 12.0;
const LINE: f64 = 20.0;
/// Widths tried for a gap between two columns, in multiples of [`COLUMN`].
const GAP_GROWTH: [f64; 4] = [1.0, 1.4, 2.0, 3.0];
/// Where along its edge a label may sit: from 6 % to 94 % of the way, in steps of 2 %.
const ALONG: std::ops::RangeInclusive<u32> = 3..=47;
/// How far above or below its edge a label may sit, best first.
const ASIDE: [f64; 5] = [0.0, -10.0, 10.0, -18.0, 18.0];
/// How many times the labels that found no place are tried first.
const ROUNDS: usize = 3;

pub struct Diagram {
    pub svg: String,
    /// What was left out, to tell the user.
    pub notes: Vec<String>,
}

/// The advance width of `text` in DejaVu Sans (the first font asked for) at `size` px,
/// estimated from character classes and rounded up, so a box this wide holds the text.
pub(crate) fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let ems: f64 = text
        .chars()
        .map(|c| match c {
            ' ' | '.' | ',' | ':' | ';' | '!' | '|' | '\'' | 'i' | 'j' | 'l' | 'I' => 0.34,
            'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '1' => 0.5,
            'm' | 'w' | 'M' | 'W' | '@' | '%' | '—' => 1.0,
            '·' | '²' => 0.45,
            '=' | '+' | '−' | '-' | '<' | '>' | '≥' | '→' => 0.84,
            c if c.is_ascii_uppercase() => 0.78,
            c if c.is_ascii() => 0.6,
            _ => 0.9,
        })
        .sum();
    ems * size * if bold { 1.12 } else { 1.0 }
}

/// The least space between two boxes, in px.
const GAP: f64 = 1.0;

/// A point of the drawing, in px.
type Point = (f64, f64);

/// An axis-aligned box.
#[derive(Clone, Copy, Debug)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn centred(cx: f64, cy: f64, w: f64, h: f64) -> Rect {
        Rect {
            x: cx - w / 2.0,
            y: cy - h / 2.0,
            w,
            h,
        }
    }

    /// Whether two boxes come closer than [`GAP`] (so that they stay apart once the file
    /// writes their coordinates to one decimal).
    fn intersects(&self, o: &Rect) -> bool {
        self.x < o.x + o.w + GAP
            && o.x < self.x + self.w + GAP
            && self.y < o.y + o.h + GAP
            && o.y < self.y + self.h + GAP
    }

    /// Whether the segment from `a` to `b` passes through the box (Liang–Barsky clipping).
    fn crossed_by(&self, a: (f64, f64), b: (f64, f64)) -> bool {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        for (p, q) in [
            (-dx, a.0 - self.x),
            (dx, self.x + self.w - a.0),
            (-dy, a.1 - self.y),
            (dy, self.y + self.h - a.1),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    return false;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
            }
        }
        t0 < t1
    }

    fn svg(&self, class: &str, style: &str) -> String {
        format!(
            "<rect class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" {style}/>",
            self.x, self.y, self.w, self.h
        )
    }
}

/// Which node rows of a column are drawn, and where the ellipsis goes.
struct Column {
    shown: Vec<usize>,
    hidden: usize,
}

impl Column {
    fn new(len: usize) -> Column {
        if len <= MAX_DRAWN {
            return Column {
                shown: (0..len).collect(),
                hidden: 0,
            };
        }
        let shown = (0..SHOWN_AT_EACH_END)
            .chain(len - SHOWN_AT_EACH_END..len)
            .collect();
        Column {
            shown,
            hidden: len - 2 * SHOWN_AT_EACH_END,
        }
    }

    /// Drawn rows, counting the ellipsis as one.
    fn rows(&self) -> usize {
        self.shown.len() + usize::from(self.hidden > 0)
    }

    /// The row a node is drawn in, if it is drawn.
    fn row(&self, node: usize) -> Option<usize> {
        let at = self.shown.iter().position(|&n| n == node)?;
        Some(if self.hidden > 0 && at >= SHOWN_AT_EACH_END {
            at + 1
        } else {
            at
        })
    }
}

/// What is drawn: the values known at the step, by key, and the size of the nodes.
struct Scene<'a> {
    values: HashMap<Key, f64>,
    /// A node's radius: wide enough for the longest node name at 13 px.
    radius: f64,
    /// From one node's centre to the next one's in a column.
    row: f64,
    current: Option<Key>,
    ex: &'a Explainer<'a>,
    digits: usize,
}

impl Scene<'_> {
    fn get(&self, layer: LayerId, kind: Kind, i: usize) -> Option<f64> {
        self.values.get(&Key::new(layer, kind, i)).copied()
    }

    fn n(&self, x: f64) -> String {
        number(x, self.digits)
    }

    /// `symbol = value` of the quantity just computed.
    fn current_text(&self) -> Option<String> {
        let key = self.current?;
        let explained = self.ex.explain(key);
        Some(format!(
            "{} = {}",
            explained.symbol,
            self.n(self.values[&key])
        ))
    }
}

/// A line between two nodes, with the weight it carries.
struct Edge {
    from: usize,
    to: usize,
    style: &'static str,
    /// The weight's key and `name = value`.
    label: Option<(Key, String)>,
    /// The contribution term this edge carries in a shared filter's gradient.
    contrib: Option<Key>,
    /// The quantity whose computing decides the edge's style (a pooling route, a ReLU
    /// that blocks): a page that reveals the trace step by step draws it plain until then.
    reveal: Option<Key>,
}

/// A node's bias: its key and `name = value`.
type Bias = (Key, String);

/// Everything drawn, with its place.
struct Layout {
    xs: Vec<f64>,
    /// The edges into each layer, and their labels' boxes.
    edges: Vec<Vec<Edge>>,
    labels: Vec<Vec<Option<Rect>>>,
    biases: Vec<Vec<Option<Bias>>>,
    /// Boxes nothing else may overlap: nodes with their texts, bias tags, headers.
    obstacles: Vec<Rect>,
    unlabelled: Vec<String>,
}

/// The page's frame: its size and the bands from top to bottom (title, the step's
/// caption, the network, the legend), with the network's layout.
struct Page {
    width: f64,
    height: f64,
    /// The centre line of the first row of nodes.
    top: f64,
    /// Where the network ends and the legend begins.
    body: f64,
    step_lines: Vec<String>,
    legend: Vec<String>,
    /// The loss box's lines, and the box right of the last column of the first layout.
    loss: Vec<(Kind, String)>,
    loss_box: Rect,
    /// Rows of the tallest column.
    tallest: f64,
    at: Layout,
}

/// Draws the trace up to and including entry `upto` (all of it when None).
pub fn render(ex: &Explainer, title: &str, upto: Option<usize>, digits: usize) -> Diagram {
    let scene = scene(ex, upto, digits);
    if maps::is_2d(&scene) {
        return maps::render(&scene, title);
    }
    let columns: Vec<Column> = (0..=ex.net.layers.len())
        .map(|l| Column::new(ex.net.node_names(l as LayerId).len()))
        .collect();
    let page = plan(&scene, &columns);
    let mut svg = String::new();
    open(&mut svg, page.width, page.height, title, &page.step_lines);
    headers(&mut svg, &scene, &page.at, page.top);
    let place = |layer: usize, node: usize| {
        Some((
            page.at.xs[layer],
            node_y(&scene, &columns, page.tallest, page.top, layer, node)?,
        ))
    };
    draw_edges(&mut svg, &page.at, &scene, &place);
    draw_nodes(&mut svg, &columns, &page.at, &scene, &place);
    draw_loss(&mut svg, &page.loss, page.loss_box, &scene);
    callout(
        &mut svg,
        &scene,
        &page.at,
        page.loss_box,
        &place,
        page.width,
        page.body,
    );
    close(&mut svg, &page);
    let mut notes = left_out(ex, &columns);
    notes.extend(page.at.unlabelled);
    Diagram { svg, notes }
}

/// What is drawn at entry `upto`: the values known by then, and nodes wide enough for
/// the longest node name.
fn scene<'a>(ex: &'a Explainer<'a>, upto: Option<usize>, digits: usize) -> Scene<'a> {
    let entries: &[Entry] = match upto {
        Some(i) => &ex.entries()[..=i],
        None => ex.entries(),
    };
    let widest = (0..=ex.net.layers.len())
        .flat_map(|l| ex.net.node_names(l as LayerId))
        .map(|name| text_width(name, 13.0, true))
        .fold(0.0, f64::max);
    let radius = ((widest + 10.0) / 2.0).clamp(MIN_RADIUS, MAX_RADIUS).ceil();
    Scene {
        values: entries.iter().map(|e| (e.key, e.value)).collect(),
        radius,
        row: 2.0 * radius + 70.0,
        current: upto.map(|i| ex.entries()[i].key),
        ex,
        digits,
    }
}

/// The page's size and bands. A first layout gives the width (the last column and the
/// loss box); the step's caption, wrapped to that width, moves the network down, and the
/// network is laid out again there.
fn plan(scene: &Scene, columns: &[Column]) -> Page {
    let layers = scene.ex.net.layers.len();
    let tallest = columns.iter().map(Column::rows).max().unwrap_or(1) as f64;
    let rough = layout(scene, columns, tallest, TOP);
    let loss = loss_lines(scene);
    let loss_w = loss
        .iter()
        .map(|(_, t)| text_width(t, FONT, false))
        .fold(0.0, f64::max)
        + 24.0;
    let last = rough.xs[layers];
    let width = (last + scene.radius + 50.0 + loss_w + 30.0)
        .max(last + LEFT)
        .ceil();
    let step = scene.current.map(|_| step_caption(scene));
    let step_lines = step
        .as_deref()
        .map_or(Vec::new(), |s| wrap(s, width - 40.0, FONT));
    let top = TOP + (scene.radius - MIN_RADIUS) + LINE * step_lines.len().saturating_sub(1) as f64;
    let at = layout(scene, columns, tallest, top);
    let legend = wrap(LEGEND, width - 40.0, FONT);
    let body = top + (tallest - 1.0) * scene.row + scene.radius + 2.0 * LINE + 40.0;
    let height = (body + LINE * legend.len() as f64 + 10.0).ceil();
    let loss_box = Rect {
        x: last + scene.radius + 50.0,
        y: top - 22.0,
        w: loss_w,
        h: 12.0 + LINE * loss.len() as f64,
    };
    Page {
        width,
        height,
        top,
        body,
        step_lines,
        legend,
        loss,
        loss_box,
        tallest,
        at,
    }
}

/// The SVG's opening: its size and fonts, a white ground, the title and the step's
/// caption.
fn open(svg: &mut String, width: f64, height: f64, title: &str, step_lines: &[String]) {
    let _ = writeln!(
        svg,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" \
         width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
         font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\" font-size=\"{FONT}\">"
    );
    let _ = writeln!(
        svg,
        "<rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );
    let (size, shown) = fit(title, width - 40.0, 22.0, true);
    let _ = writeln!(
        svg,
        "<text x=\"20\" y=\"32\" font-size=\"{size}\" font-weight=\"bold\">{}</text>",
        escape(&shown)
    );
    for (i, line) in step_lines.iter().enumerate() {
        let _ = writeln!(
            svg,
            "<text class=\"step\" x=\"20\" y=\"{}\" fill=\"#b34700\">{}</text>",
            64.0 + LINE * i as f64,
            escape(line)
        );
    }
}

/// Every edge, with its label where it was placed.
fn draw_edges(
    svg: &mut String,
    at: &Layout,
    scene: &Scene,
    place: &dyn Fn(usize, usize) -> Option<(f64, f64)>,
) {
    svg.push_str("<g class=\"edges\">\n");
    for (l, edges) in at.edges.iter().enumerate() {
        for (e, edge) in edges.iter().enumerate() {
            draw_edge(svg, l + 1, edge, at.labels[l][e], scene, place);
        }
    }
    svg.push_str("</g>\n");
}

/// Every drawn node with its bias tag, and in a column too tall to draw, how many
/// nodes the ellipsis stands for.
fn draw_nodes(
    svg: &mut String,
    columns: &[Column],
    at: &Layout,
    scene: &Scene,
    place: &dyn Fn(usize, usize) -> Option<(f64, f64)>,
) {
    svg.push_str("<g class=\"nodes\">\n");
    for (l, column) in columns.iter().enumerate() {
        for &node in &column.shown {
            let (x, y) = place(l, node).expect("shown");
            draw_node(svg, l as LayerId, node, (x, y), scene);
            if let Some(bias) = &at.biases[l][node] {
                draw_bias(svg, bias, (x, y), scene);
            }
        }
        if column.hidden > 0 {
            let (x, y) = place(l, SHOWN_AT_EACH_END - 1).expect("shown");
            let _ = writeln!(
                svg,
                "<text class=\"ellipsis\" x=\"{x}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">⋮ {} more</text>",
                y + scene.row,
                column.hidden
            );
        }
    }
    svg.push_str("</g>\n");
}

/// The legend under the network, and the SVG's end.
fn close(svg: &mut String, page: &Page) {
    for (i, line) in page.legend.iter().enumerate() {
        let _ = writeln!(
            svg,
            "<text class=\"legend\" x=\"20\" y=\"{}\" fill=\"#555\">{}</text>",
            page.body + 14.0 + LINE * i as f64,
            escape(line)
        );
    }
    svg.push_str("</svg>\n");
}

/// What the user is told was left out: the nodes of columns too tall to draw.
fn left_out(ex: &Explainer, columns: &[Column]) -> Vec<String> {
    columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.hidden > 0)
        .map(|(l, c)| {
            format!(
                "layer {} has {} nodes: drawing the first and last {SHOWN_AT_EACH_END}, {} left out",
                ex.net.layer_name(l as LayerId),
                c.shown.len() + c.hidden,
                c.hidden
            )
        })
        .collect()
}

const LEGEND: &str = "under each node: its value, then ∂L/∂(node) in blue · above a node: its bias · on each edge: its weight · green: where a max-pool takes its value and sends its gradient · grey: a ReLU that blocks the gradient";

/// How far down a node is drawn, if it is drawn.
fn node_y(
    scene: &Scene,
    columns: &[Column],
    tallest: f64,
    top: f64,
    layer: usize,
    node: usize,
) -> Option<f64> {
    let column = &columns[layer];
    let row = column.row(node)? as f64;
    let offset = (tallest - column.rows() as f64) * scene.row / 2.0;
    Some(top + offset + row * scene.row)
}

/// Places every column, bias tag and edge label, widening a gap until its labels fit.
fn layout(scene: &Scene, columns: &[Column], tallest: f64, top: f64) -> Layout {
    let net = scene.ex.net;
    let biases: Vec<Vec<Option<Bias>>> = (0..columns.len())
        .map(|l| node_biases(scene, l, columns[l].shown.len() + columns[l].hidden))
        .collect();
    let boxes_of = |l: usize, x: f64| -> Vec<Rect> {
        columns[l]
            .shown
            .iter()
            .flat_map(|&node| {
                let y = node_y(scene, columns, tallest, top, l, node).expect("shown");
                node_boxes(scene, l, node, (x, y), &biases[l][node])
            })
            .collect()
    };
    let mut xs = vec![LEFT];
    let mut edges_all = Vec::new();
    let mut labels_all = Vec::new();
    let mut unlabelled = Vec::new();
    for (l, layer) in net.layers.iter().enumerate() {
        let edges = layer_edges(layer, l + 1, scene);
        let labelled = edges.iter().filter(|e| e.label.is_some()).count();
        let label_them = labelled <= MAX_LABELS;
        if !label_them {
            unlabelled.push(format!(
                "layer {} has {labelled} weights: its edges are drawn without labels (the trace lists them)",
                layer.name()
            ));
        }
        let x0 = xs[l];
        let mut chosen = (x0 + COLUMN, vec![None; edges.len()], 0);
        for grow in GAP_GROWTH {
            if !label_them {
                break;
            }
            let x1 = x0 + COLUMN * grow;
            let place = |c: usize, node: usize| {
                Some((
                    [x0, x1][c],
                    node_y(scene, columns, tallest, top, l + c, node)?,
                ))
            };
            let mut fixed = boxes_of(l, x0);
            fixed.extend(boxes_of(l + 1, x1));
            // A label near the end of the previous gap may reach into this one.
            fixed.extend(labels_all.last().into_iter().flatten().flatten().copied());
            let bounds = (
                top - scene.radius,
                top + (tallest - 1.0) * scene.row + scene.radius + 2.0 * LINE,
            );
            // Labels set aside from their edges only when the widest gap is not enough.
            let aside = (grow == GAP_GROWTH[GAP_GROWTH.len() - 1]).then_some(bounds);
            let placed = place_labels(scene, &edges, &fixed, aside, &place);
            let missing = edges
                .iter()
                .zip(&placed)
                .filter(|(e, p)| e.label.is_some() && p.is_none())
                .count();
            chosen = (x1, placed, missing);
            if missing == 0 {
                break;
            }
        }
        let (x1, placed, missing) = chosen;
        if missing > 0 {
            unlabelled.push(format!(
                "layer {}: {missing} weight labels found no free place and are left out",
                layer.name()
            ));
        }
        xs.push(x1);
        edges_all.push(edges);
        labels_all.push(placed);
    }
    let obstacles = xs
        .iter()
        .enumerate()
        .flat_map(|(l, &x)| boxes_of(l, x))
        .collect();
    Layout {
        xs,
        edges: edges_all,
        labels: labels_all,
        biases,
        obstacles,
        unlabelled,
    }
}

/// One box per drawn node: the circle with the value and gradient under it, and its bias
/// tag above.
fn node_boxes(
    scene: &Scene,
    layer: usize,
    node: usize,
    (x, y): (f64, f64),
    bias: &Option<Bias>,
) -> Vec<Rect> {
    let lid = layer as LayerId;
    let texts = [
        scene.get(lid, Kind::Out, node).map(|v| scene.n(v)),
        node_gradient(scene, lid, node).map(|g| format!("∂ {}", scene.n(g))),
    ];
    let below = texts
        .iter()
        .flatten()
        .map(|t| text_width(t, FONT, false))
        .fold(2.0 * scene.radius, f64::max)
        + 4.0;
    let mut boxes = vec![Rect {
        x: x - below / 2.0,
        y: y - scene.radius - 2.0,
        w: below,
        h: 2.0 * scene.radius + 2.0 * LINE + 10.0,
    }];
    if let Some((_, text)) = bias {
        boxes.push(bias_box(scene, text, (x, y)));
    }
    boxes
}

fn node_gradient(scene: &Scene, id: LayerId, node: usize) -> Option<f64> {
    scene
        .get(id, Kind::Grad, node)
        .or_else(|| scene.get(id, Kind::Delta, node))
}

/// The bias of each node of a layer, if the layer has biases.
fn node_biases(scene: &Scene, layer: usize, len: usize) -> Vec<Option<Bias>> {
    let lid = layer as LayerId;
    let Some(l) = layer.checked_sub(1).map(|i| &scene.ex.net.layers[i]) else {
        return vec![None; len];
    };
    (0..len)
        .map(|node| {
            let p = l.node_bias(node)?;
            Some((
                Key::new(lid, Kind::W, p),
                format!("{} = {}", l.param_name(p), scene.n(l.param(p))),
            ))
        })
        .collect()
}

fn bias_box(scene: &Scene, text: &str, (x, y): (f64, f64)) -> Rect {
    let w = text_width(text, SMALL, false).min(COLUMN - 30.0) + 8.0;
    Rect::centred(x, y - scene.radius - 13.0, w, 17.0)
}

/// For each edge, the box of its label: the free place along it crossed by the fewest
/// other edges, nearest the middle; None when no place is free. Labels are placed one by
/// one; when some find no place, they go first in another round, up to [`ROUNDS`]. With
/// `aside` (the drawing's top and bottom), a label finding no place on its edge is set
/// beside it.
fn place_labels(
    scene: &Scene,
    edges: &[Edge],
    fixed: &[Rect],
    aside: Option<(f64, f64)>,
    place: &dyn Fn(usize, usize) -> Option<(f64, f64)>,
) -> Vec<Option<Rect>> {
    let ends: Vec<Option<(Point, Point)>> = edges
        .iter()
        .map(|e| {
            let (a, b) = (place(0, e.from)?, place(1, e.to)?);
            Some(((a.0 + scene.radius, a.1), (b.0 - scene.radius, b.1)))
        })
        .collect();
    let mut order: Vec<usize> = (0..edges.len()).collect();
    let mut out = vec![None; edges.len()];
    for _ in 0..ROUNDS {
        out = vec![None; edges.len()];
        let mut placed: Vec<Rect> = Vec::new();
        for &i in &order {
            let (Some((_, text)), Some(end)) = (&edge_label(&edges[i]), ends[i]) else {
                continue;
            };
            out[i] = best_spot(i, text, end, &ends, fixed, &placed)
                .or_else(|| aside_spot(text, end, fixed, &placed, aside?));
            placed.extend(out[i]);
        }
        let (missing, rest): (Vec<usize>, Vec<usize>) = order
            .iter()
            .partition(|&&i| edges[i].label.is_some() && out[i].is_none());
        if missing.is_empty() {
            break;
        }
        order = missing.into_iter().chain(rest).collect();
    }
    out
}

fn edge_label(edge: &Edge) -> Option<(Key, &str)> {
    edge.label.as_ref().map(|(k, t)| (*k, t.as_str()))
}

/// The free place for edge `i`'s label crossed by the fewest other edges, nearest the
/// middle of the edge.
fn best_spot(
    i: usize,
    text: &str,
    (a, b): (Point, Point),
    ends: &[Option<(Point, Point)>],
    fixed: &[Rect],
    placed: &[Rect],
) -> Option<Rect> {
    let (w, h) = (label_width(text), 16.0);
    let mut best: Option<(usize, usize, Rect)> = None;
    let spots = ALONG.flat_map(|k| ASIDE.iter().map(move |&d| (k as f64 / 50.0, d)));
    for (t, aside) in spots {
        let rank = ((t - 0.5).abs() * 100.0) as usize + aside.abs() as usize;
        let r = Rect::centred(a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t + aside, w, h);
        if fixed.iter().chain(placed).any(|o| o.intersects(&r)) {
            continue;
        }
        let crossings = ends
            .iter()
            .enumerate()
            .filter(|&(j, e)| j != i && e.is_some_and(|(p, q)| r.crossed_by(p, q)))
            .count();
        if best.is_none_or(|(c, k, _)| (crossings, rank) < (c, k)) {
            best = Some((crossings, rank, r));
        }
    }
    best.map(|(_, _, r)| r)
}

/// When no place on the edge is free: a place above or below a point of the edge, the
/// nearest free one, joined to the edge by a leader line (drawn by [`draw_edge`]).
fn aside_spot(
    text: &str,
    (a, b): (Point, Point),
    fixed: &[Rect],
    placed: &[Rect],
    (low, high): (f64, f64),
) -> Option<Rect> {
    let (w, h) = (label_width(text), 16.0);
    let reach = (1..=40).flat_map(|k| [k as f64 * 18.0, -(k as f64) * 18.0]);
    reach
        .flat_map(|d| [0.5, 0.4, 0.6, 0.3, 0.7].map(|t| (t, d)))
        .map(|(t, d)| Rect::centred(a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t + d, w, h))
        .find(|r| {
            r.y >= low && r.y + r.h <= high && !fixed.iter().chain(placed).any(|o| o.intersects(r))
        })
}

fn label_width(text: &str) -> f64 {
    text_width(text, SMALL, false) + 8.0
}

/// The edges into `layer` (trace id `id`) from the layer below, as the layer links them
/// ([`LayerKind::links`](crate::network::LayerKind::links)): a weight's edge is labelled
/// with it, a ReLU's edge fades where the ReLU blocked the gradient, a pool's edge is bold
/// where the route chose it.
fn layer_edges(layer: &Layer, id: usize, scene: &Scene) -> Vec<Edge> {
    let lid = id as LayerId;
    let plain = "stroke=\"#888888\" stroke-width=\"1.5\"";
    let faint = "stroke=\"#bbbbbb\" stroke-width=\"1.5\" stroke-dasharray=\"6,4\"";
    let chosen = "stroke=\"#1e8449\" stroke-width=\"4\"";
    layer
        .links()
        .into_iter()
        .map(|link| {
            let (style, reveal) = match link.gate {
                Gate::Open => (plain, None),
                Gate::Relu => {
                    let blocked = scene.get(lid, Kind::Dact, link.to) == Some(0.0);
                    let style = if blocked { faint } else { plain };
                    (style, blocked.then_some(Key::new(lid, Kind::Dact, link.to)))
                }
                Gate::Route => {
                    let pooled = Key::new(lid, Kind::Out, link.to);
                    let route = scene
                        .ex
                        .trace
                        .route(pooled)
                        .filter(|_| scene.get(lid, Kind::Out, link.to).is_some());
                    let taken = route.is_some_and(|r| r.chosen.contains(&(link.from as u32)));
                    (if taken { chosen } else { faint }, Some(pooled))
                }
            };
            Edge {
                from: link.from,
                to: link.to,
                style,
                label: link.weight.map(|p| {
                    (
                        Key::new(lid, Kind::W, p),
                        format!("{} = {}", layer.param_name(p), scene.n(layer.param(p))),
                    )
                }),
                contrib: link.contrib.map(|c| Key::new(lid, Kind::Contrib, c)),
                reveal,
            }
        })
        .collect()
}

/// The element of the drawing a quantity belongs to, as an attribute and its value: its
/// node (`data-node="hidden.C"`), its weight or bias (`data-weight="hidden.w.w5"`, for
/// ∂L/∂w, Δw and the new weight too), its edge (`data-contrib`), or the loss box.
pub(crate) fn element_of(ex: &Explainer, key: Key) -> (&'static str, String) {
    match key.kind {
        Kind::Loss | Kind::LossLog10 | Kind::LossTotal => ("data-node", "loss".into()),
        Kind::Contrib => ("data-contrib", ex.id(key)),
        k if k.is_param() => (
            "data-weight",
            ex.id(Key {
                kind: Kind::W,
                ..key
            }),
        ),
        _ => (
            "data-node",
            format!("{}.{}", ex.net.layer_name(key.layer), ex.name(key)),
        ),
    }
}

/// Whether the quantity just computed belongs to this weight or bias.
fn is_current_param(scene: &Scene, key: Key) -> bool {
    scene
        .current
        .is_some_and(|c| c.layer == key.layer && c.index == key.index && c.kind.is_param())
}

fn is_current_edge(scene: &Scene, edge: &Edge) -> bool {
    edge.label
        .as_ref()
        .is_some_and(|(k, _)| is_current_param(scene, *k))
        || edge.contrib.is_some() && edge.contrib == scene.current
}

fn draw_edge(
    svg: &mut String,
    id: usize,
    edge: &Edge,
    label: Option<Rect>,
    scene: &Scene,
    place: &dyn Fn(usize, usize) -> Option<(f64, f64)>,
) {
    let (Some(a), Some(b)) = (place(id - 1, edge.from), place(id, edge.to)) else {
        return;
    };
    let ex = scene.ex;
    let weight = edge
        .label
        .as_ref()
        .map(|(k, _)| format!(" data-weight=\"{}\"", escape(&ex.id(*k))))
        .unwrap_or_default();
    let contrib = edge
        .contrib
        .map(|k| format!(" data-contrib=\"{}\"", escape(&ex.id(k))))
        .unwrap_or_default();
    let reveal = edge
        .reveal
        .map(|k| format!(" data-reveal=\"{}\"", escape(&ex.id(k))))
        .unwrap_or_default();
    let current = is_current_edge(scene, edge);
    let style = if current {
        "stroke=\"#e67e00\" stroke-width=\"4\""
    } else {
        edge.style
    };
    let _ = writeln!(
        svg,
        "<g class=\"edge{}\"{weight}{contrib}{reveal}><line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" {style}/>",
        if current { " current" } else { "" },
        a.0 + scene.radius,
        a.1,
        b.0 - scene.radius,
        b.1
    );
    if let (Some((key, text)), Some(r)) = (&edge.label, label) {
        let (x1, y1, x2, y2) = (a.0 + scene.radius, a.1, b.0 - scene.radius, b.1);
        let cx = r.x + r.w / 2.0;
        let on_edge = y1 + (y2 - y1) * (cx - x1) / (x2 - x1);
        if on_edge < r.y - 2.0 || on_edge > r.y + r.h + 2.0 {
            // A label set aside from its edge: a leader line joins them.
            let near = if on_edge < r.y { r.y } else { r.y + r.h };
            let _ = writeln!(
                svg,
                "<line class=\"leader\" x1=\"{cx:.1}\" y1=\"{on_edge:.1}\" x2=\"{cx:.1}\" y2=\"{near:.1}\" stroke=\"#999999\" stroke-width=\"1\" stroke-dasharray=\"2,2\"/>"
            );
        }
        let stroke = if current { "#e67e00" } else { "#cccccc" };
        let _ = writeln!(
            svg,
            "{}",
            r.svg(
                "label",
                &format!("rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.9\" stroke=\"{stroke}\" stroke-width=\"0.8\"")
            )
        );
        let _ = writeln!(
            svg,
            "<text data-id=\"{}\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"{SMALL}\" fill=\"#333\">{}</text>",
            escape(&ex.id(*key)),
            r.x + r.w / 2.0,
            r.y + 12.0,
            escape(text)
        );
    }
    svg.push_str("</g>\n");
}

fn draw_node(svg: &mut String, id: LayerId, node: usize, (x, y): (f64, f64), scene: &Scene) {
    let ex = scene.ex;
    let name = &ex.net.node_names(id)[node];
    let blocked =
        ex.net.layer(id).is_some_and(|l| l.masks()) && scene.get(id, Kind::Dact, node) == Some(0.0);
    let current = scene.current.is_some_and(|k| {
        k.layer == id && !k.kind.is_param() && k.kind != Kind::Contrib && k.index as usize == node
    });
    let fill = if blocked { "#d9d9d9" } else { "#ffffff" };
    let (stroke, width) = if current {
        ("#e67e00", 5)
    } else {
        ("#333333", 2)
    };
    let full = format!("{}.{name}", ex.net.layer_name(id));
    let reveal = if blocked {
        format!(
            " data-reveal=\"{}\"",
            escape(&ex.id(Key::new(id, Kind::Dact, node)))
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        svg,
        "<g class=\"node{}\" id=\"node-{}\" data-node=\"{}\"{reveal}><title>{}</title>",
        if current { " current" } else { "" },
        escape(&full),
        escape(&full),
        escape(&full)
    );
    let _ = writeln!(
        svg,
        "<circle cx=\"{x}\" cy=\"{y}\" r=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"/>",
        scene.radius
    );
    let (size, shown) = fit(name, 2.0 * scene.radius - 8.0, FONT, true);
    let _ = writeln!(
        svg,
        "<text class=\"name\" x=\"{x}\" y=\"{:.1}\" text-anchor=\"middle\" font-weight=\"bold\" font-size=\"{size}\">{}</text>",
        y + size / 3.0,
        escape(&shown)
    );
    let highlight = |kind: Kind| {
        if scene.current == Some(Key::new(id, kind, node)) {
            " font-weight=\"bold\" text-decoration=\"underline\""
        } else {
            ""
        }
    };
    if let Some(v) = scene.get(id, Kind::Out, node) {
        let _ = writeln!(
            svg,
            "<text data-id=\"{}\" x=\"{x}\" y=\"{}\" text-anchor=\"middle\"{}>{}</text>",
            escape(&ex.id(Key::new(id, Kind::Out, node))),
            y + scene.radius + 20.0,
            highlight(Kind::Out),
            scene.n(v)
        );
    }
    let kind = if scene.get(id, Kind::Grad, node).is_some() {
        Kind::Grad
    } else {
        Kind::Delta
    };
    if let Some(g) = scene.get(id, kind, node) {
        let _ = writeln!(
            svg,
            "<text data-id=\"{}\" x=\"{x}\" y=\"{}\" text-anchor=\"middle\" fill=\"#1f5fbf\"{}>∂ {}</text>",
            escape(&ex.id(Key::new(id, kind, node))),
            y + scene.radius + 38.0,
            highlight(kind),
            scene.n(g)
        );
    }
    svg.push_str("</g>\n");
}

fn draw_bias(svg: &mut String, (key, text): &Bias, at: (f64, f64), scene: &Scene) {
    let r = bias_box(scene, text, at);
    let stroke = if is_current_param(scene, *key) {
        "#e67e00\" stroke-width=\"3"
    } else {
        "#999999"
    };
    let (size, shown) = fit(text, r.w - 8.0, SMALL, false);
    let id = escape(&scene.ex.id(*key));
    let _ = writeln!(
        svg,
        "<g class=\"bias-tag\" data-weight=\"{id}\">{}<text data-id=\"{id}\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"{size}\" fill=\"#333\">{}</text></g>",
        r.svg(
            "bias",
            &format!("rx=\"8\" fill=\"#f4f4f4\" stroke=\"{stroke}\"")
        ),
        r.x + r.w / 2.0,
        r.y + 12.5,
        escape(&shown)
    );
}

/// The loss box's lines: the data loss L_i, and the total L when the L2 term adds to it.
fn loss_lines(scene: &Scene) -> Vec<(Kind, String)> {
    let mut lines = Vec::new();
    if let Some(l) = scene.get(LOSS_LAYER, Kind::Loss, 0) {
        lines.push((Kind::Loss, format!("data loss L_i = {}", scene.n(l))));
    }
    if scene.ex.setup.lambda != 0.0
        && let Some(total) = scene.get(LOSS_LAYER, Kind::LossTotal, 0)
    {
        lines.push((
            Kind::LossTotal,
            format!("L = L_i + ½λΣw² = {}", scene.n(total)),
        ));
    }
    lines
}

fn draw_loss(svg: &mut String, lines: &[(Kind, String)], r: Rect, scene: &Scene) {
    if lines.is_empty() {
        return;
    }
    let current = scene.current.is_some_and(|k| k.layer == LOSS_LAYER);
    let stroke = if current {
        "#e67e00\" stroke-width=\"4"
    } else {
        "#333"
    };
    let _ = writeln!(
        svg,
        "<g class=\"loss-box\" data-node=\"loss\">{}",
        r.svg(
            "loss",
            &format!("rx=\"8\" fill=\"#fff6e0\" stroke=\"{stroke}\"")
        )
    );
    for (i, (kind, text)) in lines.iter().enumerate() {
        let _ = writeln!(
            svg,
            "<text data-id=\"{}\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            scene.ex.id(Key::new(LOSS_LAYER, *kind, 0)),
            r.x + 12.0,
            r.y + 26.0 + LINE * i as f64,
            escape(text)
        );
    }
    svg.push_str("</g>\n");
}

/// The value just computed, in a box beside its node or edge (when it is not already
/// the highlighted line under the node).
fn callout(
    svg: &mut String,
    scene: &Scene,
    at: &Layout,
    loss_box: Rect,
    place: &dyn Fn(usize, usize) -> Option<(f64, f64)>,
    width: f64,
    bottom: f64,
) {
    let (Some(key), Some(text)) = (scene.current, scene.current_text()) else {
        return;
    };
    if matches!(
        key.kind,
        Kind::Out | Kind::Grad | Kind::Loss | Kind::LossTotal
    ) {
        return;
    }
    let anchor = if key.kind.is_param() || key.kind == Kind::Contrib {
        let l = key.layer as usize - 1;
        let edge = at.edges[l]
            .iter()
            .position(|e| is_current_edge(scene, e))
            .and_then(|e| {
                Some((
                    place(l, at.edges[l][e].from)?,
                    place(l + 1, at.edges[l][e].to)?,
                ))
            })
            .map(|(a, b)| ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0));
        let bias = at.biases[key.layer as usize]
            .iter()
            .position(|b| b.as_ref().is_some_and(|(k, _)| is_current_param(scene, *k)))
            .and_then(|node| place(key.layer as usize, node));
        edge.or(bias)
    } else if key.kind == Kind::LossLog10 {
        Some((loss_box.x + loss_box.w / 2.0, loss_box.y + loss_box.h))
    } else {
        place(key.layer as usize, key.index as usize)
    };
    let Some((x, y)) = anchor else {
        return;
    };
    let w = text_width(&text, FONT, true) + 12.0;
    let h = 24.0;
    let taken: Vec<Rect> = at
        .obstacles
        .iter()
        .copied()
        .chain(at.labels.iter().flatten().flatten().copied())
        .chain([loss_box])
        .collect();
    let spots = (1..40).flat_map(|d| {
        let d = d as f64 * 16.0;
        [
            (x + scene.radius + d + w / 2.0, y - d),
            (x + scene.radius + d + w / 2.0, y + d),
            (x - scene.radius - d - w / 2.0, y - d),
            (x - scene.radius - d - w / 2.0, y + d),
            (x, y - scene.radius - d - h / 2.0),
            (x, y + scene.radius + d + h / 2.0 + 2.0 * LINE),
        ]
    });
    let free = spots.map(|(cx, cy)| Rect::centred(cx, cy, w, h)).find(|r| {
        r.x >= 0.0
            && r.x + r.w <= width
            && r.y >= 0.0
            && r.y + r.h <= bottom
            && !taken.iter().any(|o| o.intersects(r))
    });
    let Some(r) = free else {
        return;
    };
    let _ = writeln!(
        svg,
        "<g class=\"callout\" data-id=\"{}\"><line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#e67e00\" stroke-width=\"1.5\"/>{}<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-weight=\"bold\" fill=\"#b34700\">{}</text></g>",
        escape(&scene.ex.id(key)),
        r.x + r.w / 2.0,
        r.y + r.h / 2.0,
        r.svg(
            "callout",
            "rx=\"6\" fill=\"#fff3e0\" stroke=\"#e67e00\" stroke-width=\"2\""
        ),
        r.x + r.w / 2.0,
        r.y + 17.0,
        escape(&text)
    );
}

fn step_caption(scene: &Scene) -> String {
    let ex = scene.ex;
    let key = scene.current.expect("a step");
    let entry = ex
        .entries()
        .iter()
        .find(|e| e.key == key)
        .expect("the step");
    let row = crate::render::row(ex, entry, scene.digits);
    let formula = row
        .formula
        .map(|f| format!("{f} = {} = ", row.substituted))
        .unwrap_or_default();
    format!("step: {} = {formula}{}", row.id, scene.n(row.value))
}

/// The column headers: each layer's name, shrunk or shortened to fit its column.
fn headers(svg: &mut String, scene: &Scene, at: &Layout, top: f64) {
    let net = scene.ex.net;
    for (l, &x) in at.xs.iter().enumerate() {
        let name = net.layer_name(l as LayerId);
        let (size, shown) = fit(name, COLUMN - 30.0, FONT, true);
        let _ = writeln!(
            svg,
            "<text class=\"header\" x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\" font-size=\"{size}\" fill=\"#555\">{}</text>",
            top - scene.radius - 30.0,
            escape(&shown)
        );
    }
}

/// A text that fits `width`: in a smaller font (down to 9 px) or, failing that,
/// shortened with an ellipsis.
fn fit(text: &str, width: f64, size: f64, bold: bool) -> (f64, String) {
    let natural = text_width(text, size, bold);
    if natural <= width {
        return (size, text.to_string());
    }
    let smaller = (size * width / natural).floor();
    if smaller >= 9.0 {
        return (smaller, text.to_string());
    }
    let mut shown: String = text.to_string();
    while !shown.is_empty() && text_width(&format!("{shown}…"), 9.0, bold) > width {
        shown.pop();
    }
    (9.0, format!("{shown}…"))
}

/// Greedy word wrap to `width` pixels; a word longer than a line gets a line of its own.
fn wrap(text: &str, width: f64, size: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && text_width(&candidate, size, false) > width {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    lines.push(line);
    lines
}
