//! The network drawn as on the slides: one column per layer, nodes labelled with their
//! name, value and gradient, edges with their weights, pooling routes (ties included)
//! drawn, blocked ReLUs greyed. Plain SVG 1.1, text as text, the layout fixed by the
//! network alone so the same scenario always gives the same file.

use crate::formula::plain_number;
use crate::network::{Explainer, Layer};
use crate::trace::{Entry, Key, Kind, LOSS_LAYER, LayerId};
use std::collections::HashMap;
use std::fmt::Write;

/// Above this many nodes a column shows its first and last few, with an ellipsis.
pub const MAX_DRAWN: usize = 60;
const SHOWN_AT_EACH_END: usize = 5;
const COLUMN: f64 = 250.0;
const ROW: f64 = 120.0;
const RADIUS: f64 = 30.0;
const TOP: f64 = 150.0;
const LEFT: f64 = 110.0;

pub struct Diagram {
    pub svg: String,
    /// What was left out, to tell the user.
    pub notes: Vec<String>,
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

/// The values known at the step drawn, by key.
struct Known<'a> {
    values: HashMap<Key, f64>,
    current: Option<Key>,
    ex: &'a Explainer<'a>,
}

impl Known<'_> {
    fn get(&self, layer: LayerId, kind: Kind, i: usize) -> Option<f64> {
        self.values.get(&Key::new(layer, kind, i)).copied()
    }
}

/// Draws the trace up to and including entry `upto` (all of it when None).
pub fn render(ex: &Explainer, title: &str, upto: Option<usize>, digits: usize) -> Diagram {
    let entries: &[Entry] = match upto {
        Some(i) => &ex.entries()[..=i],
        None => ex.entries(),
    };
    let known = Known {
        values: entries.iter().map(|e| (e.key, e.value)).collect(),
        current: upto.map(|i| ex.entries()[i].key),
        ex,
    };
    let net = ex.net;
    let layers = net.layers.len();
    let columns: Vec<Column> = (0..=layers)
        .map(|l| Column::new(net.node_names(l as LayerId).len()))
        .collect();
    let tallest = columns.iter().map(Column::rows).max().unwrap_or(1) as f64;
    let width = LEFT * 2.0 + COLUMN * (layers + 1) as f64;
    let height = TOP + tallest * ROW + 80.0;
    let place = |layer: usize, node: usize| -> Option<(f64, f64)> {
        let column = &columns[layer];
        let row = column.row(node)? as f64;
        let offset = (tallest - column.rows() as f64) * ROW / 2.0;
        Some((LEFT + COLUMN * layer as f64, TOP + offset + row * ROW))
    };
    let n = |x: f64| plain_number(x, digits).replace('-', "−");

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" \
         width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
         font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\" font-size=\"15\">"
    );
    let _ = writeln!(
        svg,
        "<rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );
    let _ = writeln!(
        svg,
        "<text x=\"20\" y=\"32\" font-size=\"22\" font-weight=\"bold\">{}</text>",
        escape(title)
    );
    if let Some(key) = known.current {
        let row = crate::render::row(
            ex,
            ex.entries()
                .iter()
                .find(|e| e.key == key)
                .expect("the step"),
            digits,
        );
        let formula = row
            .formula
            .map(|f| format!("{f} = {} = ", row.substituted))
            .unwrap_or_default();
        let caption = format!("step: {} = {formula}{}", row.id, n(row.value));
        let _ = writeln!(
            svg,
            "<text x=\"20\" y=\"64\" fill=\"#b34700\">{}</text>",
            escape(&caption)
        );
    }
    for l in 0..=layers {
        let name = if l == 0 {
            "input"
        } else {
            net.layers[l - 1].name()
        };
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\" fill=\"#555\">{}</text>",
            LEFT + COLUMN * l as f64,
            TOP - 48.0,
            escape(name)
        );
    }
    svg.push_str("<g class=\"edges\">\n");
    for (i, layer) in net.layers.iter().enumerate() {
        edges(&mut svg, layer, i + 1, &known, &place, &n);
    }
    svg.push_str("</g>\n<g class=\"nodes\">\n");
    for (l, column) in columns.iter().enumerate() {
        for &node in &column.shown {
            let (x, y) = place(l, node).expect("shown");
            nodes(&mut svg, l as LayerId, node, (x, y), &known, &n);
        }
        if column.hidden > 0 {
            let (x, y) = place(l, SHOWN_AT_EACH_END - 1).expect("shown");
            let _ = writeln!(
                svg,
                "<text class=\"ellipsis\" x=\"{x}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">⋮ {} more</text>",
                y + ROW,
                column.hidden
            );
        }
    }
    svg.push_str("</g>\n");
    loss(
        &mut svg,
        &known,
        (LEFT + COLUMN * (layers as f64 + 0.55), TOP),
        &n,
    );
    let _ = writeln!(
        svg,
        "<text x=\"20\" y=\"{}\" fill=\"#555\">under each node: its value, then ∂L/∂(node) in blue · green: where a max-pool takes its value and sends its gradient · grey: a ReLU that blocks the gradient</text>",
        height - 24.0
    );
    svg.push_str("</svg>\n");
    let notes = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.hidden > 0)
        .map(|(l, c)| {
            let name = if l == 0 { "input" } else { net.layers[l - 1].name() };
            format!("layer {name} has {} nodes: drawing the first and last {SHOWN_AT_EACH_END}, {} left out", c.shown.len() + c.hidden, c.hidden)
        })
        .collect();
    Diagram { svg, notes }
}

fn nodes(
    svg: &mut String,
    id: LayerId,
    node: usize,
    (x, y): (f64, f64),
    known: &Known,
    n: &dyn Fn(f64) -> String,
) {
    let ex = known.ex;
    let name = &ex.net.node_names(id)[node];
    let blocked = matches!(ex.net.layer(id), Some(Layer::Relu(_)))
        && known.get(id, Kind::Dact, node) == Some(0.0);
    let current = known.current.is_some_and(|k| {
        k.layer == id && !k.kind.is_param() && k.kind != Kind::Contrib && k.index as usize == node
    });
    let fill = if blocked { "#d9d9d9" } else { "#ffffff" };
    let (stroke, width) = if current {
        ("#e67e00", 5)
    } else {
        ("#333333", 2)
    };
    let _ = writeln!(
        svg,
        "<g class=\"node\" id=\"node-{}\">",
        escape(&format!("{}.{name}", ex.net.layer_name(id)))
    );
    let _ = writeln!(
        svg,
        "<circle cx=\"{x}\" cy=\"{y}\" r=\"{RADIUS}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"/>"
    );
    let _ = writeln!(
        svg,
        "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>",
        y + 5.0,
        escape(name)
    );
    if let Some(v) = known.get(id, Kind::Out, node) {
        let _ = writeln!(
            svg,
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            y + RADIUS + 20.0,
            n(v)
        );
    }
    let gradient = known
        .get(id, Kind::Grad, node)
        .or_else(|| known.get(id, Kind::Delta, node));
    if let Some(g) = gradient {
        let _ = writeln!(
            svg,
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" fill=\"#1f5fbf\">∂ {}</text>",
            y + RADIUS + 38.0,
            n(g)
        );
    }
    svg.push_str("</g>\n");
}

fn loss(svg: &mut String, known: &Known, (x, y): (f64, f64), n: &dyn Fn(f64) -> String) {
    let Some(l) = known.get(LOSS_LAYER, Kind::Loss, 0) else {
        return;
    };
    let _ = writeln!(
        svg,
        "<g class=\"loss\"><rect x=\"{}\" y=\"{}\" width=\"130\" height=\"44\" rx=\"8\" fill=\"#fff6e0\" stroke=\"#333\"/>",
        x - 65.0,
        y - 22.0
    );
    let _ = writeln!(
        svg,
        "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">L = {}</text></g>",
        y + 5.0,
        n(l)
    );
}

/// Draws the edges into `layer` (trace id `id`) from the layer below.
fn edges(
    svg: &mut String,
    layer: &Layer,
    id: usize,
    known: &Known,
    place: &dyn Fn(usize, usize) -> Option<(f64, f64)>,
    n: &dyn Fn(f64) -> String,
) {
    let lid = id as LayerId;
    let mut line = |from: usize, to: usize, style: &str, label: Option<(Key, String)>| {
        let (Some(a), Some(b)) = (place(id - 1, from), place(id, to)) else {
            return;
        };
        let weight = label
            .as_ref()
            .map(|(k, _)| format!(" data-weight=\"{}\"", escape(&known.ex.id(*k))))
            .unwrap_or_default();
        let current = label.as_ref().is_some_and(|(k, _)| {
            known
                .current
                .is_some_and(|c| c.layer == k.layer && c.index == k.index && c.kind.is_param())
        });
        let style = if current {
            "stroke=\"#e67e00\" stroke-width=\"4\""
        } else {
            style
        };
        let _ = writeln!(
            svg,
            "<g class=\"edge\"{weight}><line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" {style}/>",
            a.0 + RADIUS,
            a.1,
            b.0 - RADIUS,
            b.1
        );
        if let Some((_, text)) = label {
            // Labels sit nearer the target, spread by the source row, so they overlap less.
            let t = 0.62 + 0.08 * ((from % 3) as f64 - 1.0);
            let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t - 6.0);
            let _ = writeln!(
                svg,
                "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#444\">{}</text>",
                escape(&text)
            );
        }
        svg.push_str("</g>\n");
    };
    let plain = "stroke=\"#888888\" stroke-width=\"1.5\"";
    match layer {
        Layer::Dense(d) => {
            for j in 0..d.outputs.len() {
                for i in 0..d.params.weights.ncols() {
                    let p = i * d.outputs.len() + j;
                    let key = Key::new(lid, Kind::W, p);
                    let text = format!("{} = {}", d.params.name(p), n(d.params.get(p)));
                    line(i, j, plain, Some((key, text)));
                }
            }
        }
        Layer::Conv1d(c) => {
            let (size, positions) = (c.size(), c.positions());
            for ch in 0..c.filters() {
                for k in 0..positions {
                    for j in 0..size {
                        let p = ch * size + j;
                        let key = Key::new(lid, Kind::W, p);
                        let text = format!("{} = {}", c.params.name(p), n(c.params.get(p)));
                        line(
                            k * c.stride + j,
                            ch * positions + k,
                            plain,
                            Some((key, text)),
                        );
                    }
                }
            }
        }
        Layer::Relu(r) => {
            for k in 0..r.outputs.len() {
                let blocked = known.get(lid, Kind::Dact, k) == Some(0.0);
                let style = if blocked {
                    "stroke=\"#bbbbbb\" stroke-width=\"1.5\" stroke-dasharray=\"6,4\""
                } else {
                    plain
                };
                line(k, k, style, None);
            }
        }
        Layer::MaxPool1d(pool) => {
            for o in 0..pool.outputs.len() {
                let route = known
                    .ex
                    .trace
                    .route(Key::new(lid, Kind::Out, o))
                    .filter(|_| known.get(lid, Kind::Out, o).is_some());
                for i in pool.window(o) {
                    let chosen = route.is_some_and(|r| r.chosen.contains(&(i as u32)));
                    let style = if chosen {
                        "stroke=\"#1e8449\" stroke-width=\"4\""
                    } else {
                        "stroke=\"#bbbbbb\" stroke-width=\"1.5\" stroke-dasharray=\"6,4\""
                    };
                    line(i, o, style, None);
                }
            }
        }
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
