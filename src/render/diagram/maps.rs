//! A network with 2-D layers drawn as its feature maps: one column (a stage) per layer,
//! each map a grid of cells (one grid per channel, each cell its value and, in blue, its
//! gradient), a layer's kernels as small grids under its maps, a flat layer (flatten,
//! dense) as a column of cells. At a step the cell just computed is outlined in orange and
//! the cells it is computed from (its receptive field or pool window, or for a gradient the
//! cells that send it) are shaded; a max-pool's chosen inputs have a green border, a ReLU
//! cell that blocks the gradient is grey. A map too large to print numbers in (more than
//! [`NUMBERED`] cells a side) is drawn as a heat map, and a layer of many channels shows
//! the first few (and the one being computed).
//!
//! Everything that depends on the kind of a layer is asked of the layer: its shape, the
//! window of each output, its links and their gates, whether it masks, its figures.

use super::{
    FONT, LINE, Rect, SMALL, Scene, draw_loss, escape, fit, loss_lines, open, text_width, wrap,
};
use crate::network::{Explainer, Gate, GridCell, Rank, Shape};
use crate::trace::{INPUT_LAYER, Key, Kind, LayerId};
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// A map with more rows or columns than this is drawn as a heat map, without numbers.
pub(crate) const NUMBERED: usize = 8;
/// Channels drawn of a layer; the rest are named in a note.
pub(crate) const MAX_CHANNELS: usize = 4;
/// A flat layer of more nodes shows its first and last [`AT_EACH_END`].
const MAX_FLAT: usize = 24;
const AT_EACH_END: usize = 5;
/// Lines drawn between two layers at most (the flatten's, a dense layer's).
const MAX_LINES: usize = 300;
/// A weight matrix with more rows or columns than this is not drawn.
const MAX_MATRIX: usize = 12;
/// A heat map's cell, in px.
const HEAT: f64 = 7.0;
const CELL_H: f64 = 36.0;
const FLAT_H: f64 = 52.0;
const GAP: f64 = 80.0;
/// A header wider than this (a long layer name) is shrunk or shortened.
const MAX_HEADER: f64 = 260.0;
const TOP: f64 = 110.0;
const LEFT: f64 = 20.0;

const LEGEND: &str = "each grid is a feature map, one per channel: in a cell its value, then ∂L/∂(cell) in blue · \
     orange outline: the value just computed · shaded orange: the cells it is computed from (its receptive field \
     or pool window; for a gradient, the cells that send it) · green border: where a max-pool takes its value and \
     sends its gradient · grey: a ReLU cell that blocks the gradient · kernels, weights and biases under their layer";
/// Added to the legend when a map is drawn as a heat map.
const HEAT_LEGEND: &str = " · a map too large for numbers is a heat map: red positive, blue negative, white 0, \
     grey not yet computed";

/// Whether the network has a 2-D layer (or a 2-D input), and so is drawn as maps.
pub(super) fn is_2d(scene: &Scene) -> bool {
    let net = scene.ex.net;
    (0..=net.layers.len()).any(|l| net.shape_of(l as LayerId).rank == Rank::Grid)
}

/// How a stage's nodes are drawn.
#[derive(Clone, Copy, PartialEq)]
enum Look {
    /// Grids with a number in each cell.
    Numbered,
    /// Grids of small coloured cells.
    Heat,
    /// A column of cells, each with its name.
    Flat,
}

/// A small grid of parameters under a layer: a kernel, a weight matrix, the biases.
struct ParamGrid {
    caption: String,
    rows: usize,
    cols: usize,
    /// Row after row; None for a cell that holds no parameter (a zero of padding).
    cells: Vec<Option<Key>>,
}

/// One layer's column: where each of its drawn nodes is, and its parameter grids.
struct Stage {
    id: LayerId,
    x: f64,
    width: f64,
    look: Look,
    /// The drawn nodes' boxes.
    cells: HashMap<usize, Rect>,
    /// Captions of the maps (`channel 1`) and of the ellipsis, with their place.
    captions: Vec<(f64, f64, String)>,
    params: Vec<(ParamGrid, Rect, f64)>,
    bottom: f64,
}

/// What the step highlights, by stage and node.
#[derive(Default)]
struct Marks {
    /// The node just computed, in each stage that shows it.
    current: HashSet<(LayerId, usize)>,
    /// The cells it is computed from.
    sources: HashSet<(LayerId, usize)>,
    /// The parameter just computed.
    param: Option<(LayerId, usize)>,
}

pub(super) fn render(scene: &Scene, title: &str) -> super::Diagram {
    let net = scene.ex.net;
    let mut notes = Vec::new();
    let marks = marks(scene);
    let mut x = LEFT;
    let caption = scene.current.map(|_| super::step_caption(scene));
    let mut stages = Vec::new();
    for l in 0..=net.layers.len() {
        let stage = stage(scene, l as LayerId, x, &marks, &mut notes);
        x = stage.x + stage.width + GAP;
        stages.push(stage);
    }
    let loss = loss_lines(scene);
    let loss_w = loss
        .iter()
        .map(|(_, t)| text_width(t, FONT, false))
        .fold(0.0, f64::max)
        + 24.0;
    let last = stages.last().expect("the input at least");
    let loss_x = last.right() + 40.0;
    let width = (loss_x + loss_w + 20.0)
        .max(x - GAP + 20.0)
        .max(600.0)
        .ceil();
    let step_lines = caption.map_or(Vec::new(), |c| wrap(&c, width - 40.0, FONT));
    let shift = LINE * step_lines.len().saturating_sub(1) as f64;
    for stage in &mut stages {
        stage.shift(shift);
    }
    let body = stages.iter().map(|s| s.bottom).fold(0.0, f64::max) + 30.0;
    let heat = stages.iter().any(|s| s.look == Look::Heat);
    let legend = wrap(
        &format!("{LEGEND}{}", if heat { HEAT_LEGEND } else { "" }),
        width - 40.0,
        FONT,
    );
    let height = (body + LINE * legend.len() as f64 + 10.0).ceil();
    let mut svg = String::new();
    open(&mut svg, width, height, title, &step_lines);
    for stage in &stages {
        header(&mut svg, scene, stage, TOP + shift);
    }
    svg.push_str("<g class=\"edges\">\n");
    for pair in stages.windows(2) {
        lines(&mut svg, scene, &pair[0], &pair[1], &marks, &mut notes);
    }
    svg.push_str("</g>\n<g class=\"nodes\">\n");
    for stage in &stages {
        draw_stage(&mut svg, scene, stage, &marks);
    }
    svg.push_str("</g>\n");
    let loss_box = Rect {
        x: loss_x,
        y: TOP + shift + 34.0,
        w: loss_w,
        h: 12.0 + LINE * loss.len() as f64,
    };
    draw_loss(&mut svg, &loss, loss_box, scene);
    for (i, line) in legend.iter().enumerate() {
        let _ = writeln!(
            svg,
            "<text class=\"legend\" x=\"20\" y=\"{}\" fill=\"#555\">{}</text>",
            body + 14.0 + LINE * i as f64,
            escape(line)
        );
    }
    svg.push_str("</svg>\n");
    super::Diagram { svg, notes }
}

/// The shape as a caption: `1 × 4 × 4` for maps, `9` for a vector.
fn shape_text(shape: Shape) -> String {
    match shape.rank {
        Rank::Grid => format!("{} × {} × {}", shape.channels, shape.rows, shape.cols),
        Rank::Line => format!("{} × {}", shape.channels, shape.cols),
        Rank::Flat => format!("{}", shape.size()),
    }
}

/// The layer's name, and its kind with its shape, above its stage.
fn header(svg: &mut String, scene: &Scene, stage: &Stage, top: f64) {
    let (name, kind) = header_texts(scene, stage.id);
    let w = stage.width.min(MAX_HEADER);
    let (size, shown) = fit(&name, w, FONT, true);
    let (small, kind) = fit(&kind, w, SMALL, false);
    let _ = writeln!(
        svg,
        "<text class=\"header\" x=\"{:.1}\" y=\"{top}\" font-weight=\"bold\" font-size=\"{size}\" fill=\"#555\">{}</text>",
        stage.x,
        escape(&shown)
    );
    let _ = writeln!(
        svg,
        "<text class=\"kind\" x=\"{:.1}\" y=\"{}\" font-size=\"{small}\" fill=\"#777\">{}</text>",
        stage.x,
        top + 16.0,
        escape(&kind)
    );
}

/// The value of node `node` of stage `id` (a view's nodes are those of its source).
fn node_value(scene: &Scene, id: LayerId, kind: Kind, node: usize) -> Option<f64> {
    scene.get(scene.ex.net.source(id), kind, node)
}

fn node_gradient(scene: &Scene, id: LayerId, node: usize) -> Option<(Kind, f64)> {
    [Kind::Grad, Kind::Delta]
        .into_iter()
        .find_map(|k| node_value(scene, id, k, node).map(|v| (k, v)))
}

/// The channels drawn: the first [`MAX_CHANNELS`], the last of them swapped for the one
/// holding the node just computed when that one would be left out.
fn shown_channels(shape: Shape, id: LayerId, marks: &Marks) -> Vec<usize> {
    let mut shown: Vec<usize> = (0..shape.channels.min(MAX_CHANNELS)).collect();
    let here = marks
        .current
        .iter()
        .chain(&marks.sources)
        .filter(|(l, _)| *l == id)
        .map(|&(_, n)| shape.position(n).0)
        .find(|c| !shown.contains(c));
    if let (Some(c), Some(last)) = (here, shown.last_mut()) {
        *last = c;
    }
    shown
}

/// Lays out one layer's stage at `x`: its maps or column, then its parameter grids.
fn stage(scene: &Scene, id: LayerId, x: f64, marks: &Marks, notes: &mut Vec<String>) -> Stage {
    let net = scene.ex.net;
    let shape = net.shape_of(id);
    let look = match shape.rank {
        Rank::Flat => Look::Flat,
        _ if shape.rows > NUMBERED || shape.cols > NUMBERED => Look::Heat,
        _ => Look::Numbered,
    };
    let names = net.node_names(id);
    let texts = |node: usize| {
        let mut t = vec![];
        if look == Look::Flat {
            t.push(text_width(&names[node], SMALL, true));
        }
        if let Some(v) = node_value(scene, id, Kind::Out, node) {
            t.push(text_width(&scene.n(v), SMALL, false));
        }
        if let Some((_, g)) = node_gradient(scene, id, node) {
            t.push(text_width(&format!("∂ {}", scene.n(g)), SMALL, false));
        }
        t.into_iter().fold(0.0, f64::max)
    };
    let mut stage = Stage {
        id,
        x,
        width: 0.0,
        look,
        cells: HashMap::new(),
        captions: Vec::new(),
        params: Vec::new(),
        bottom: 0.0,
    };
    let mut y = TOP + 34.0;
    match look {
        Look::Flat => {
            let len = shape.size();
            let drawn: Vec<usize> = if len > MAX_FLAT {
                notes.push(format!(
                    "layer {} has {len} nodes: drawing the first and last {AT_EACH_END}",
                    net.layer_name(id)
                ));
                (0..AT_EACH_END).chain(len - AT_EACH_END..len).collect()
            } else {
                (0..len).collect()
            };
            let w = drawn.iter().map(|&n| texts(n)).fold(56.0, f64::max) + 12.0;
            for (i, &node) in drawn.iter().enumerate() {
                if len > MAX_FLAT && i == AT_EACH_END {
                    stage.captions.push((
                        x + w / 2.0,
                        y + 16.0,
                        format!("⋮ {} more", len - 2 * AT_EACH_END),
                    ));
                    y += 28.0;
                }
                stage.cells.insert(node, Rect { x, y, w, h: FLAT_H });
                y += FLAT_H + 4.0;
            }
            stage.width = w;
        }
        Look::Numbered | Look::Heat => {
            let (cw, ch) = match look {
                Look::Heat => (HEAT, HEAT),
                _ => (
                    (0..shape.size()).map(texts).fold(44.0, f64::max) + 10.0,
                    CELL_H,
                ),
            };
            let channels = shown_channels(shape, id, marks);
            if channels.len() < shape.channels {
                notes.push(format!(
                    "layer {} has {} channels: drawing {}",
                    net.layer_name(id),
                    shape.channels,
                    channels
                        .iter()
                        .map(|c| (c + 1).to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            for &c in &channels {
                stage
                    .captions
                    .push((x, y + 12.0, format!("channel {}", c + 1)));
                y += 18.0;
                for r in 0..shape.rows {
                    for col in 0..shape.cols {
                        let node = shape.index(c, r, col);
                        let cell = Rect {
                            x: x + col as f64 * cw,
                            y: y + r as f64 * ch,
                            w: cw,
                            h: ch,
                        };
                        stage.cells.insert(node, cell);
                    }
                }
                y += shape.rows as f64 * ch + 14.0;
            }
            if channels.len() < shape.channels {
                stage.captions.push((
                    x,
                    y + 6.0,
                    match shape.channels - channels.len() {
                        1 => "… and 1 more channel".to_string(),
                        n => format!("… and {n} more channels"),
                    },
                ));
                y += 22.0;
            }
            stage.width = shape.cols as f64 * cw;
        }
    }
    y += 10.0;
    for grid in param_grids(scene, id, notes) {
        let cw = grid
            .cells
            .iter()
            .flatten()
            .filter_map(|k| param_value(scene, *k))
            .map(|v| text_width(&scene.n(v), SMALL, false))
            .fold(36.0, f64::max)
            + 10.0;
        let r = Rect {
            x,
            y: y + 16.0,
            w: cw * grid.cols as f64,
            h: 22.0 * grid.rows as f64,
        };
        stage.width = stage
            .width
            .max(r.w)
            .max(text_width(&grid.caption, SMALL, false));
        y = r.y + r.h + 12.0;
        stage.params.push((grid, r, cw));
    }
    stage.width = stage.width.max(header_width(scene, id).min(MAX_HEADER));
    stage.bottom = y;
    stage
}

/// The natural width of a stage's header: its name, and its kind with its shape.
fn header_width(scene: &Scene, id: LayerId) -> f64 {
    let (name, kind) = header_texts(scene, id);
    text_width(&name, FONT, true).max(text_width(&kind, SMALL, false))
}

fn header_texts(scene: &Scene, id: LayerId) -> (String, String) {
    let net = scene.ex.net;
    let label = net.layer(id).map_or("input".to_string(), |l| l.label());
    (
        net.layer_name(id).to_string(),
        format!("{label} · {}", shape_text(net.shape_of(id))),
    )
}

impl Stage {
    /// The right edge of its cells.
    fn right(&self) -> f64 {
        self.cells
            .values()
            .map(|r| r.x + r.w)
            .fold(self.x, f64::max)
    }

    fn shift(&mut self, dy: f64) {
        for r in self.cells.values_mut() {
            r.y += dy;
        }
        for c in &mut self.captions {
            c.1 += dy;
        }
        for (_, r, _) in &mut self.params {
            r.y += dy;
        }
        self.bottom += dy;
    }
}

/// The value of a parameter cell at the step: its recorded value, or the weight as given
/// before anything was recorded.
fn param_value(scene: &Scene, key: Key) -> Option<f64> {
    scene.values.get(&key).copied().or_else(|| {
        let layer = scene.ex.net.layer(key.layer)?;
        (key.kind == Kind::W).then(|| layer.param(key.index as usize))
    })
}

/// The parameters of layer `id` as small grids: its kernels (the layer's forward
/// figures), or the weight matrix its links carry (a row per unit, a column per input),
/// and its biases in a row.
fn param_grids(scene: &Scene, id: LayerId, notes: &mut Vec<String>) -> Vec<ParamGrid> {
    let Some(layer) = scene.ex.net.layer(id) else {
        return Vec::new();
    };
    let mut grids: Vec<ParamGrid> = layer
        .shared_filter()
        .map_or_else(Vec::new, |f| f.figures(id, crate::trace::Phase::Forward))
        .into_iter()
        .flat_map(|f| f.grids)
        .map(|g| ParamGrid {
            caption: g.caption,
            rows: g.rows,
            cols: g.cols,
            cells: g
                .cells
                .iter()
                .map(|c| match c {
                    GridCell::Quantity(k) => Some(*k),
                    GridCell::Padding | GridCell::Dilation => None,
                })
                .collect(),
        })
        .collect();
    if grids.len() > MAX_CHANNELS * 2 {
        notes.push(format!(
            "layer {}: {} kernels, drawing the first {}",
            layer.name(),
            grids.len(),
            MAX_CHANNELS * 2
        ));
        grids.truncate(MAX_CHANNELS * 2);
    }
    let links = layer.links();
    let weighted: Vec<_> = links
        .iter()
        .filter_map(|l| Some((l.to, l.from, l.weight?)))
        .collect();
    if grids.is_empty() && !weighted.is_empty() {
        let rows = weighted.iter().map(|w| w.0).max().unwrap_or(0) + 1;
        let cols = weighted.iter().map(|w| w.1).max().unwrap_or(0) + 1;
        if rows <= MAX_MATRIX && cols <= MAX_MATRIX {
            let mut cells = vec![None; rows * cols];
            for (to, from, p) in weighted {
                cells[to * cols + from] = Some(Key::new(id, Kind::W, p));
            }
            grids.push(ParamGrid {
                caption: "weights (a row per unit, a column per input)".into(),
                rows,
                cols,
                cells,
            });
        } else {
            notes.push(format!(
                "layer {}: its {} weights are not drawn (the trace lists them)",
                layer.name(),
                weighted.len()
            ));
        }
    }
    let mut biases: Vec<usize> = (0..layer.outputs().len())
        .filter_map(|o| layer.node_bias(o))
        .collect();
    biases.dedup();
    if !biases.is_empty() && biases.len() <= MAX_MATRIX {
        grids.push(ParamGrid {
            caption: format!(
                "bias{}: {}",
                if biases.len() == 1 { "" } else { "es" },
                biases
                    .iter()
                    .map(|&p| layer.param_name(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            rows: 1,
            cols: biases.len(),
            cells: biases
                .iter()
                .map(|&p| Some(Key::new(id, Kind::W, p)))
                .collect(),
        });
    }
    grids
}

/// What the step highlights: the node just computed and where it comes from.
fn marks(scene: &Scene) -> Marks {
    let mut marks = Marks::default();
    let Some(key) = scene.current else {
        return marks;
    };
    if key.kind.is_param() {
        marks.param = Some((key.layer, key.index as usize));
        return marks;
    }
    let net = scene.ex.net;
    let cells = step_cells(scene.ex, key);
    if let Some((layer, node)) = cells.node {
        let views = (layer..=net.layers.len() as LayerId).take_while(|&l| net.source(l) == layer);
        marks.current.extend(views.map(|l| (l, node)));
    }
    marks.sources.extend(cells.sources);
    marks
}

/// The cells a step is about: its node, and the cells it is computed from.
pub(crate) struct StepCells {
    /// The layer (the one that records it) and node of the quantity; none for a weight or
    /// the loss.
    pub node: Option<(LayerId, usize)>,
    /// The cells it is computed from: the node's receptive field or pool window in the
    /// layer below (a shared filter's term: the one input it multiplies); for a gradient,
    /// the cells of the layer above that read the node and send it.
    pub sources: Vec<(LayerId, usize)>,
}

pub(crate) fn step_cells(ex: &Explainer, key: Key) -> StepCells {
    let net = ex.net;
    let node = match key.kind {
        Kind::Contrib => net
            .layer(key.layer)
            .and_then(|l| l.shared_filter())
            .map(|f| f.filter_index().contrib_node(key.index as usize)),
        Kind::Loss | Kind::LossLog10 | Kind::LossTotal => None,
        k if k.is_param() => None,
        _ => Some(key.index as usize),
    };
    let Some(node) = node else {
        return StepCells {
            node: None,
            sources: Vec::new(),
        };
    };
    let mut sources = Vec::new();
    if key.kind == Kind::Grad {
        // Sent by the cells of the layer above (past any view) that read this node.
        let mut above = key.layer + 1;
        while net.layer(above).is_some_and(|l| l.is_view()) {
            above += 1;
        }
        if let Some(layer) = net.layer(above) {
            let senders = (0..layer.outputs().len()).filter(|&o| layer.window(o).contains(&node));
            sources.extend(senders.map(|o| (above, o)));
        }
    } else if let Some(layer) = net.layer(key.layer).filter(|_| key.layer != INPUT_LAYER) {
        let below = key.layer - 1;
        let window: Vec<usize> = match key.kind {
            Kind::Contrib => layer
                .links()
                .into_iter()
                .filter(|l| l.contrib == Some(key.index as usize))
                .map(|l| l.from)
                .collect(),
            _ => layer.window(node),
        };
        sources.extend(window.into_iter().map(|i| (below, i)));
    }
    StepCells {
        node: Some((key.layer, node)),
        sources,
    }
}

/// The lines from one stage to the next where the next one is flat: each of its cells
/// joined to the cells it reads (the flatten's grid turning into a column; a dense
/// layer's inputs). Between two maps no lines are drawn: the shading shows the window.
fn lines(
    svg: &mut String,
    scene: &Scene,
    from: &Stage,
    to: &Stage,
    marks: &Marks,
    notes: &mut Vec<String>,
) {
    if to.look != Look::Flat {
        return;
    }
    let layer = scene.ex.net.layer(to.id).expect("a layer above the input");
    let links = layer.links();
    let pairs: Vec<(usize, usize, Option<usize>, Gate)> = if links.is_empty() {
        (0..layer.outputs().len())
            .flat_map(|o| {
                layer
                    .window(o)
                    .into_iter()
                    .map(move |i| (i, o, None, Gate::Open))
            })
            .collect()
    } else {
        links
            .iter()
            .map(|l| (l.from, l.to, l.weight, l.gate))
            .collect()
    };
    let drawn: Vec<_> = pairs
        .iter()
        .filter_map(|&(i, o, w, gate)| {
            Some((from.cells.get(&i)?, to.cells.get(&o)?, (i, o, w, gate)))
        })
        .collect();
    if drawn.len() > MAX_LINES {
        notes.push(format!(
            "layer {}: {} connections, not drawn as lines",
            layer.name(),
            pairs.len()
        ));
        return;
    }
    // Lines leave a map at its right edge, at the row of their cell: each row of the grid
    // fans out into its part of the column.
    let right = from.right();
    for (a, b, (i, o, w, gate)) in drawn {
        let current = w.is_some_and(|p| marks.param == Some((to.id, p)))
            || marks.current.contains(&(to.id, o)) && marks.sources.contains(&(from.id, i));
        let blocked = gate == Gate::Relu && scene.get(to.id, Kind::Dact, o) == Some(0.0);
        let style = if current {
            "stroke=\"#e67e00\" stroke-width=\"3\""
        } else if blocked {
            "stroke=\"#bbbbbb\" stroke-width=\"1\" stroke-dasharray=\"6,4\""
        } else {
            "stroke=\"#aaaaaa\" stroke-width=\"1\""
        };
        let weight = w
            .map(|p| {
                format!(
                    " data-weight=\"{}\"",
                    escape(&scene.ex.id(Key::new(to.id, Kind::W, p)))
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            svg,
            "<line class=\"edge\"{weight} x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" {style}/>",
            right,
            a.y + a.h / 2.0,
            b.x,
            b.y + b.h / 2.0
        );
    }
}

/// A stage's cells, captions, highlights and parameter grids.
fn draw_stage(svg: &mut String, scene: &Scene, stage: &Stage, marks: &Marks) {
    let net = scene.ex.net;
    for (x, y, text) in &stage.captions {
        let _ = writeln!(
            svg,
            "<text class=\"caption\" x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{SMALL}\" fill=\"#555\">{}</text>",
            escape(text)
        );
    }
    let routed = routed(scene, stage.id + 1);
    // A heat map's cells are small: thinner borders keep their colour visible.
    let (route, outline) = match stage.look {
        Look::Heat => (1.0, 2.0),
        Look::Numbered | Look::Flat => (3.0, 4.0),
    };
    let heat_scale = stage_scale(scene, stage);
    let mut nodes: Vec<(&usize, &Rect)> = stage.cells.iter().collect();
    nodes.sort_by_key(|(n, _)| **n);
    for (&node, r) in nodes {
        let name = &net.node_names(stage.id)[node];
        let full = format!("{}.{name}", net.layer_name(stage.id));
        let blocked = net.layer(stage.id).is_some_and(|l| l.masks())
            && scene.get(stage.id, Kind::Dact, node) == Some(0.0);
        let value = node_value(scene, stage.id, Kind::Out, node);
        let fill = if blocked {
            "#d9d9d9".to_string()
        } else if stage.look == Look::Heat {
            heat(value, heat_scale)
        } else {
            "#ffffff".to_string()
        };
        // A page that reveals the trace step by step draws a blocked cell plain until its
        // ReLU′ is revealed, and a heat map's cell only once its value is.
        let reveal = if blocked {
            format!(
                " data-reveal=\"{}\"",
                escape(&scene.ex.id(Key::new(stage.id, Kind::Dact, node)))
            )
        } else {
            String::new()
        };
        let carries = match (stage.look, value) {
            (Look::Heat, Some(_)) => format!(
                " data-id=\"{}\"",
                escape(&scene.ex.id(Key::new(net.source(stage.id), Kind::Out, node)))
            ),
            _ => String::new(),
        };
        let _ = write!(
            svg,
            "<g class=\"cell\" data-node=\"{}\"{reveal}><title>{}</title>{}",
            escape(&full),
            escape(&full),
            r.svg(
                "cell",
                &format!("fill=\"{fill}\" stroke=\"#999999\" stroke-width=\"0.6\"{carries}")
            )
        );
        if stage.look != Look::Heat {
            cell_texts(svg, scene, stage, node, name, *r);
        }
        let inset = |d: f64| Rect {
            x: r.x + d,
            y: r.y + d,
            w: r.w - 2.0 * d,
            h: r.h - 2.0 * d,
        };
        if marks.sources.contains(&(stage.id, node)) {
            let _ = write!(
                svg,
                "{}",
                r.svg(
                    "window",
                    "fill=\"#ff9800\" fill-opacity=\"0.3\" stroke=\"#e67e00\" stroke-width=\"1\""
                )
            );
        }
        if let Some(pooled) = routed.get(&node) {
            // A page that reveals the trace step by step shows it once the pool chose.
            let reveal = escape(&scene.ex.id(*pooled));
            let _ = write!(
                svg,
                "{}",
                inset(route / 2.0).svg(
                    "route",
                    &format!(
                        "fill=\"none\" stroke=\"#1e8449\" stroke-width=\"{route}\" data-reveal=\"{reveal}\""
                    )
                )
            );
        }
        if marks.current.contains(&(stage.id, node)) {
            let _ = write!(
                svg,
                "{}",
                inset(1.0).svg(
                    "current",
                    &format!("fill=\"none\" stroke=\"#e67e00\" stroke-width=\"{outline}\"")
                )
            );
        }
        svg.push_str("</g>\n");
    }
    for (grid, r, cw) in &stage.params {
        draw_params(svg, scene, grid, *r, *cw, marks);
    }
}

/// A numbered cell's texts: a flat cell's name, the value, the gradient in blue.
fn cell_texts(svg: &mut String, scene: &Scene, stage: &Stage, node: usize, name: &str, r: Rect) {
    let cx = r.x + r.w / 2.0;
    let mut y = r.y + 14.0;
    if stage.look == Look::Flat {
        let (size, shown) = fit(name, r.w - 6.0, SMALL, true);
        let _ = write!(
            svg,
            "<text class=\"name\" x=\"{cx:.1}\" y=\"{y:.1}\" text-anchor=\"middle\" font-weight=\"bold\" font-size=\"{size}\">{}</text>",
            escape(&shown)
        );
        y += 16.0;
    }
    let source = scene.ex.net.source(stage.id);
    if let Some(v) = node_value(scene, stage.id, Kind::Out, node) {
        let _ = write!(
            svg,
            "<text data-id=\"{}\" x=\"{cx:.1}\" y=\"{y:.1}\" text-anchor=\"middle\" font-size=\"{SMALL}\">{}</text>",
            escape(&scene.ex.id(Key::new(source, Kind::Out, node))),
            scene.n(v)
        );
    }
    if let Some((kind, g)) = node_gradient(scene, stage.id, node) {
        let _ = write!(
            svg,
            "<text data-id=\"{}\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"{SMALL}\" fill=\"#1f5fbf\">∂ {}</text>",
            escape(&scene.ex.id(Key::new(source, kind, node))),
            y + 15.0,
            scene.n(g)
        );
    }
}

/// The inputs (of the layer below `id`) a max-pool has chosen so far, each with the pooled
/// output that chose it.
fn routed(scene: &Scene, id: LayerId) -> HashMap<usize, Key> {
    let Some(layer) = scene.ex.net.layer(id) else {
        return HashMap::new();
    };
    layer
        .links()
        .into_iter()
        .filter(|l| l.gate == Gate::Route && scene.get(id, Kind::Out, l.to).is_some())
        .filter(|l| {
            scene
                .ex
                .trace
                .route(Key::new(id, Kind::Out, l.to))
                .is_some_and(|r| r.chosen.contains(&(l.from as u32)))
        })
        .map(|l| (l.from, Key::new(id, Kind::Out, l.to)))
        .collect()
}

/// The largest magnitude among a heat map's known values (1 when none is known).
fn stage_scale(scene: &Scene, stage: &Stage) -> f64 {
    stage
        .cells
        .keys()
        .filter_map(|&n| node_value(scene, stage.id, Kind::Out, n))
        .map(f64::abs)
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE)
}

/// A heat map's colour: white at 0, red for positive values, blue for negative ones, the
/// strongest at the map's largest magnitude; light grey while not yet computed.
fn heat(value: Option<f64>, scale: f64) -> String {
    let Some(v) = value.filter(|v| v.is_finite()) else {
        return "#f2f2f2".into();
    };
    let t = (v.abs() / scale).clamp(0.0, 1.0);
    let fade = (255.0 * (1.0 - 0.85 * t)).round() as u8;
    if v >= 0.0 {
        format!("#ff{fade:02x}{fade:02x}")
    } else {
        format!("#{fade:02x}{fade:02x}ff")
    }
}

/// A small grid of parameters: its caption above, each cell the value at the step.
fn draw_params(svg: &mut String, scene: &Scene, grid: &ParamGrid, r: Rect, cw: f64, marks: &Marks) {
    let _ = writeln!(
        svg,
        "<text class=\"caption\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"{SMALL}\" fill=\"#555\">{}</text>",
        r.x,
        r.y - 5.0,
        escape(&grid.caption)
    );
    for (i, cell) in grid.cells.iter().enumerate() {
        let c = Rect {
            x: r.x + (i % grid.cols) as f64 * cw,
            y: r.y + (i / grid.cols) as f64 * 22.0,
            w: cw,
            h: 22.0,
        };
        let Some(key) = cell else {
            let _ = writeln!(
                svg,
                "{}",
                c.svg(
                    "param",
                    "fill=\"#eeeeee\" stroke=\"#999999\" stroke-width=\"0.6\""
                )
            );
            continue;
        };
        let current = marks.param == Some((key.layer, key.index as usize));
        let id = escape(&scene.ex.id(*key));
        let stroke = if current {
            "stroke=\"#e67e00\" stroke-width=\"3\""
        } else {
            "stroke=\"#999999\" stroke-width=\"0.6\""
        };
        let value = param_value(scene, *key)
            .map(|v| scene.n(v))
            .unwrap_or_default();
        let _ = writeln!(
            svg,
            "<g class=\"param\" data-weight=\"{id}\"><title>{}</title>{}<text data-id=\"{id}\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"{SMALL}\">{}</text></g>",
            escape(
                scene
                    .ex
                    .net
                    .layer(key.layer)
                    .map_or("", |l| l.param_name(key.index as usize))
            ),
            c.svg("param", &format!("fill=\"#f7f7f7\" {stroke}")),
            c.x + cw / 2.0,
            c.y + 15.0,
            escape(&value)
        );
    }
}
