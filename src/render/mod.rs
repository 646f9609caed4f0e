//! Turning a trace into something to read: terminal tables, JSON. Nothing here computes;
//! every number shown was recorded in the trace, every formula comes from the layer that
//! computed it.

pub mod check;
pub mod class;
pub mod diagram;
pub mod document;
pub mod handout;
pub mod html;
pub mod json;
pub mod plot;
pub mod quiz;
pub mod table;
pub mod template;
pub mod training;

use crate::formula::{Expr, Rendering, number};
use crate::network::{Convolution, Explainer, Figure, GridCell, Network, Note, Rank};
use crate::scenario::Scenario;
use crate::trace::{Entry, Key, Kind, LOSS_LAYER, LayerId, Phase};

/// How to print.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Significant digits of every number shown.
    pub digits: usize,
    /// Plain ASCII instead of Unicode symbols.
    pub ascii: bool,
    pub color: bool,
    /// The width tables and text are fitted to, in terminal columns.
    pub width: usize,
}

/// The width when nothing says otherwise (no terminal, no `COLUMNS`).
pub const DEFAULT_WIDTH: usize = 100;
/// Tables are not fitted narrower than this.
pub const MIN_WIDTH: usize = 40;

impl Default for Options {
    fn default() -> Options {
        Options {
            digits: 6,
            ascii: false,
            color: false,
            width: DEFAULT_WIDTH,
        }
    }
}

impl Options {
    /// Text as it should be shown: Unicode, or its ASCII spelling.
    pub fn text(&self, s: &str) -> String {
        if self.ascii {
            asciify(s)
        } else {
            s.to_string()
        }
    }

    /// Text as it should be shown, except the `verbatim` parts wherever they occur (ids,
    /// layer names: what a user types back into `check`, `--only` or the walk's `g`) and
    /// anything between backticks (a quoted id or what a student wrote), which stay
    /// exactly as written under `--ascii` too.
    pub fn text_keeping(&self, s: &str, verbatim: &[&str]) -> String {
        if !self.ascii || s.is_ascii() {
            return s.to_string();
        }
        let mut keep: Vec<&str> = verbatim.iter().copied().filter(|v| !v.is_empty()).collect();
        keep.extend(s.split('`').skip(1).step_by(2).filter(|q| !q.is_empty()));
        keep.sort_by_key(|v| std::cmp::Reverse(v.len()));
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(c) = rest.chars().next() {
            let len = match keep.iter().find(|v| rest.starts_with(**v)) {
                Some(v) => {
                    out.push_str(v);
                    v.len()
                }
                None => {
                    out.push_str(&asciify(c.encode_utf8(&mut [0; 4])));
                    c.len_utf8()
                }
            };
            rest = &rest[len..];
        }
        out
    }

    pub fn number(&self, x: f64) -> String {
        self.text(&number(x, self.digits))
    }
}

/// The ASCII spelling of every symbol nntrace prints.
pub fn asciify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '·' => out.push('*'),
            '−' => out.push('-'),
            'σ' => out.push_str("sigmoid"),
            'α' => out.push_str("alpha"),
            'λ' => out.push_str("lambda"),
            '∂' => out.push('d'),
            // Not "delta": the id kind `delta` is ∂L/∂I; d is ∂.
            'Δ' => out.push('D'),
            'Σ' => out.push_str("sum "),
            '²' => out.push_str("^2"),
            '½' => out.push_str("0.5"),
            '′' => out.push('\''),
            '≥' => out.push_str(">="),
            '▸' | '→' => out.push_str("->"),
            '←' => out.push_str("<-"),
            '…' | '⋮' => out.push_str("..."),
            '—' | '─' | '━' => out.push('-'),
            '✓' => out.push_str("ok"),
            '✗' => out.push('x'),
            '≈' => out.push('~'),
            'ₚ' => out.push('p'),
            'ₛ' => out.push('s'),
            '⋆' => out.push('*'),
            '×' => out.push('x'),
            c if c.is_ascii() => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// One quantity, explained.
pub struct Row {
    pub key: Key,
    pub id: String,
    pub symbol: String,
    /// The formula with names, or None when the value is simply given (inputs, weights).
    pub formula: Option<String>,
    pub substituted: String,
    pub value: f64,
    pub note: Option<Note>,
    /// For an exercise: the formula gives the answer away, show `?` and this instead.
    pub hint: Option<String>,
    /// The formula itself, for renderers that write it in another notation.
    pub expr: Expr,
    /// The value as printed, with the digits asked for.
    pub shown_value: String,
}

/// The terms of a shared filter's gradient: one row per position, one column per weight.
/// A summarised grid leaves out positions and weights in its middle.
pub struct ContribGrid {
    pub weight_names: Vec<String>,
    /// Per position: the conv node, its gradient, and one cell per filter weight.
    pub positions: Vec<(String, f64, Vec<Row>)>,
    /// Positions (rows) left out of a summarised grid.
    pub omitted_positions: Option<Omitted>,
    /// Weights (columns) left out of a summarised grid.
    pub omitted_weights: Option<Omitted>,
    /// ∂L/∂w of each filter weight: the sum of its column.
    pub sums: Vec<f64>,
    /// The quantities shown: each position's ∂L/∂(node), each column's ∂L/∂w.
    pub grad_keys: Vec<Key>,
    pub sum_keys: Vec<Key>,
}

/// One line of the update table.
pub struct Update {
    /// The key of the new weight; the other columns are the same weight's w, ∂L/∂w, Δw.
    pub key: Key,
    pub layer: String,
    pub weight: String,
    pub w: f64,
    pub wgrad: f64,
    pub dw: f64,
    pub new: f64,
}

/// Numbers laid out as grids, row after row: a 2-D layer's map of one kind of quantity
/// (one grid per channel), or one of the layer's figures (a kernel, the two sides of
/// ∂L/∂W = X ⋆ G).
pub struct Grids {
    pub title: String,
    pub note: Option<String>,
    pub grids: Vec<GridView>,
}

/// One grid of [`Grids`].
pub struct GridView {
    pub caption: String,
    pub rows: usize,
    pub cols: usize,
    pub cells: Vec<CellView>,
}

/// One cell as shown.
pub enum CellView {
    /// A recorded quantity and its value as printed.
    Value { key: Key, shown: String },
    /// A zero of the padding.
    Padding,
    /// A zero between a gradient map's cells (a stride above 1).
    Dilation,
}

impl Grids {
    /// Whether any cell is a zero the layer added (the legend says what they are).
    pub fn has_zeros(&self) -> bool {
        self.grids
            .iter()
            .flat_map(|g| &g.cells)
            .any(|c| !matches!(c, CellView::Value { .. }))
    }
}

pub enum Block {
    Rows(Vec<Row>),
    Contribs(ContribGrid),
    Grids(Grids),
    Updates(Vec<Update>),
    /// Quantities left out of a summarised table, between the blocks either side of it.
    LeftOut(LeftOut),
}

/// How a long table is summarised (as the diagram summarises a long column): of the
/// quantities of one kind in one layer, when there are more than `above`, the first and
/// last `at_each_end` are shown; a filter table shows at most `above` positions and
/// `columns_above` weights the same way. `--full` shows everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fold {
    pub above: usize,
    pub at_each_end: usize,
    pub columns_above: usize,
    pub columns_at_each_end: usize,
}

/// The summary the terminal tables use without `--full`.
/// A filter's weights are all shown up to a 3 × 3 kernel over 3 channels (27); the
/// terminal table cuts them into as many tables as the width needs.
pub const FOLD: Fold = Fold {
    above: 60,
    at_each_end: 5,
    columns_above: 27,
    columns_at_each_end: 3,
};

impl Fold {
    /// Which of `n` items are shown: all, or the first and last few with the count of
    /// those left out between them.
    fn split(above: usize, at_each_end: usize, n: usize) -> (Vec<usize>, Option<Omitted>) {
        if n <= above {
            return ((0..n).collect(), None);
        }
        let shown = (0..at_each_end).chain(n - at_each_end..n).collect();
        let omitted = Omitted {
            at: at_each_end,
            count: n - 2 * at_each_end,
        };
        (shown, Some(omitted))
    }
}

/// Items left out of a list that shows only some: `count` of them, before the shown
/// item `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Omitted {
    pub at: usize,
    pub count: usize,
}

impl Omitted {
    /// The number (from 0) of the `i`-th shown item among all of them.
    pub fn original(omitted: Option<Omitted>, i: usize) -> usize {
        match omitted {
            Some(o) if i >= o.at => i + o.count,
            _ => i,
        }
    }
}

/// Quantities of one layer a summarised table leaves out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeftOut {
    pub layer: LayerId,
    pub count: usize,
}

/// One table's worth: a layer in one phase.
pub struct Section {
    pub phase: Phase,
    pub layer: LayerId,
    pub title: String,
    pub blocks: Vec<Block>,
}

/// Explains one recorded quantity.
pub fn row(ex: &Explainer, entry: &Entry, digits: usize) -> Row {
    let explained = ex.explain(entry.key);
    let given = matches!(&explained.formula, Expr::Var(name, _, _) if *name == explained.symbol);
    Row {
        key: entry.key,
        id: ex.id(entry.key),
        formula: (!given).then(|| explained.formula.render(Rendering::Symbolic, digits)),
        substituted: explained.formula.render(Rendering::Substituted, digits),
        symbol: explained.symbol,
        value: entry.value,
        note: explained.note.filter(|n| !n.text.is_empty()),
        hint: explained.hint,
        expr: explained.formula,
        shown_value: number(entry.value, digits),
    }
}

/// Every quantity of the trace, in order, explained.
pub fn rows(ex: &Explainer, digits: usize) -> Vec<Row> {
    ex.entries().iter().map(|e| row(ex, e, digits)).collect()
}

/// The trace cut into sections: a layer in a phase, in the order computed.
pub fn sections(ex: &Explainer, digits: usize) -> Vec<Section> {
    folded_sections(ex, digits, None)
}

/// The sections, long runs of one kind of quantity summarised by `fold`: only what is
/// shown is explained, so a summary of a large network costs little.
pub fn folded_sections(ex: &Explainer, digits: usize, fold: Option<Fold>) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    let entries = ex.entries();
    let mut start = 0;
    while start < entries.len() {
        let head = entries[start].key;
        let same = |e: &Entry| e.key.section() == head.section();
        let end = start + entries[start..].iter().take_while(|e| same(e)).count();
        out.push(folded_section(ex, &entries[start..end], digits, fold));
        start = end;
    }
    out
}

/// One section of consecutive entries (a layer in a phase, or a part of one).
pub fn section(ex: &Explainer, entries: &[Entry], digits: usize) -> Section {
    folded_section(ex, entries, digits, None)
}

fn folded_section(ex: &Explainer, entries: &[Entry], digits: usize, fold: Option<Fold>) -> Section {
    let head = entries[0].key;
    let phase = head.kind.phase();
    if phase == Phase::Update {
        let mut blocks = Vec::new();
        fold_run(
            entries,
            fold,
            &mut blocks,
            |e| update(ex, e.key),
            Block::Updates,
        );
        return Section {
            phase,
            layer: head.layer,
            title: "every weight: new w = w + Δw, the held updates applied at the end".into(),
            blocks,
        };
    }
    let filter = ex.net.layer(head.layer).and_then(|l| l.shared_filter());
    let figures: Vec<Grids> = filter.map_or(Vec::new(), |filter| {
        let figures = filter.figures(head.layer, phase);
        figures.iter().map(|f| figure(ex, f, digits)).collect()
    });
    // The board first: the maps, and in the forward pass the kernels; in the backward
    // pass the identities close the section, after the cells they sum up.
    let (before, after): (Vec<Grids>, Vec<Grids>) = if phase == Phase::Forward {
        (figures, Vec::new())
    } else {
        (Vec::new(), figures)
    };
    let mut blocks: Vec<Block> = maps(ex, entries, digits)
        .into_iter()
        .chain(before)
        .map(Block::Grids)
        .collect();
    let mut i = 0;
    while i < entries.len() {
        let contribs = entries[i].key.kind == Kind::Contrib;
        let n = entries[i..]
            .iter()
            .take_while(|e| (e.key.kind == Kind::Contrib) == contribs)
            .count();
        let run = &entries[i..i + n];
        if contribs {
            blocks.extend(
                contrib_grids(ex, run, digits, fold)
                    .into_iter()
                    .map(Block::Contribs),
            );
        } else {
            fold_run(run, fold, &mut blocks, |e| row(ex, e, digits), Block::Rows);
        }
        i += n;
    }
    blocks.extend(after.into_iter().map(Block::Grids));
    Section {
        phase,
        layer: head.layer,
        title: title(ex, head.layer, phase),
        blocks,
    }
}

/// The maps of a section whose layer is 2-D: for each kind of node quantity recorded for
/// every node (outputs, gradients, derivatives), its values as one grid per channel.
fn maps(ex: &Explainer, entries: &[Entry], digits: usize) -> Vec<Grids> {
    let layer = entries[0].key.layer;
    let shape = ex.net.shape_of(layer);
    if shape.rank != Rank::Grid || layer == LOSS_LAYER {
        return Vec::new();
    }
    let mut kinds: Vec<Kind> = Vec::new();
    for e in entries
        .iter()
        .filter(|e| e.key.layer == layer && !e.key.kind.is_param())
    {
        if e.key.kind != Kind::Contrib && !kinds.contains(&e.key.kind) {
            kinds.push(e.key.kind);
        }
    }
    kinds
        .into_iter()
        .filter(|&kind| {
            (0..shape.size()).all(|i| ex.trace.value(Key::new(layer, kind, i)).is_some())
        })
        .map(|kind| Grids {
            title: format!(
                "{} ({}.{}), one grid per channel",
                map_words(kind),
                ex.net.layer_name(layer),
                kind.as_str()
            ),
            note: None,
            grids: (0..shape.channels)
                .map(|c| GridView {
                    caption: format!("channel {}", c + 1),
                    rows: shape.rows,
                    cols: shape.cols,
                    cells: (0..shape.plane())
                        .map(|i| {
                            value_cell(ex, Key::new(layer, kind, c * shape.plane() + i), digits)
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

/// What a map of one kind of node quantity shows, in words.
fn map_words(kind: Kind) -> &'static str {
    match kind {
        Kind::Out => "the outputs",
        Kind::Net => "the net inputs",
        Kind::Grad => "∂L/∂(output) of every node",
        Kind::Dact => "the derivative at every node (for a ReLU: 1 passed, 0 blocked)",
        Kind::Delta => "∂L/∂(net input) of every node",
        Kind::W | Kind::Contrib | Kind::Wgrad | Kind::Dw | Kind::New => "the values",
        Kind::Loss | Kind::LossLog10 | Kind::LossTotal => "the loss",
    }
}

/// A layer's figure with the recorded values filled in.
fn figure(ex: &Explainer, f: &Figure, digits: usize) -> Grids {
    Grids {
        title: f.title.clone(),
        note: f.note.clone(),
        grids: f
            .grids
            .iter()
            .map(|g| GridView {
                caption: g.caption.clone(),
                rows: g.rows,
                cols: g.cols,
                cells: g
                    .cells
                    .iter()
                    .map(|c| match *c {
                        GridCell::Quantity(key) => value_cell(ex, key, digits),
                        GridCell::Padding => CellView::Padding,
                        GridCell::Dilation => CellView::Dilation,
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn value_cell(ex: &Explainer, key: Key, digits: usize) -> CellView {
    CellView::Value {
        key,
        shown: number(ex.trace.value(key).unwrap_or(0.0), digits),
    }
}

fn title(ex: &Explainer, layer: LayerId, phase: Phase) -> String {
    let loss = ex.setup.loss.as_str().replace('_', " ");
    match (layer, ex.net.layer(layer)) {
        (LOSS_LAYER, _) => format!("the data loss ({loss}) and the total loss with the L2 penalty"),
        (_, None) => "the training pattern".into(),
        (_, Some(l)) => {
            let what = l.describe();
            if phase == Phase::Backward && layer as usize == ex.net.layers.len() {
                format!("{what}, {loss}: the gradient starts here")
            } else {
                what
            }
        }
    }
}

/// Adds a run of entries to `blocks` as blocks of what `make` makes of each, summarised by
/// `fold`: of each kind of quantity in each layer, only the first and last few when there
/// are many, a [`LeftOut`] block standing for each gap.
fn fold_run<T>(
    entries: &[Entry],
    fold: Option<Fold>,
    blocks: &mut Vec<Block>,
    mut make: impl FnMut(&Entry) -> T,
    block: impl Fn(Vec<T>) -> Block,
) {
    let Some(fold) = fold else {
        blocks.push(block(entries.iter().map(make).collect()));
        return;
    };
    // (layer, kind), how many of them, how many seen so far.
    let mut kinds: Vec<((LayerId, Kind), usize, usize)> = Vec::new();
    for e in entries {
        let group = (e.key.layer, e.key.kind);
        match kinds.iter_mut().find(|k| k.0 == group) {
            Some(k) => k.1 += 1,
            None => kinds.push((group, 1, 0)),
        }
    }
    let mut shown = Vec::new();
    let mut left_out: Option<LeftOut> = None;
    for e in entries {
        let group = (e.key.layer, e.key.kind);
        let k = kinds
            .iter_mut()
            .find(|k| k.0 == group)
            .expect("counted above");
        let (n, rank) = (k.1, k.2);
        k.2 += 1;
        let keep = n <= fold.above || rank < fold.at_each_end || rank >= n - fold.at_each_end;
        if !keep {
            left_out
                .get_or_insert(LeftOut {
                    layer: e.key.layer,
                    count: 0,
                })
                .count += 1;
            continue;
        }
        if let Some(gap) = left_out.take() {
            blocks.push(block(std::mem::take(&mut shown)));
            blocks.push(Block::LeftOut(gap));
        }
        shown.push(make(e));
    }
    if let Some(gap) = left_out {
        blocks.push(block(std::mem::take(&mut shown)));
        blocks.push(Block::LeftOut(gap));
    }
    if !shown.is_empty() {
        blocks.push(block(shown));
    }
}

/// The contributions of a layer's shared filters as tables, laid out as the layer says
/// ([`FilterIndex::tables`](crate::network::FilterIndex::tables)).
fn contrib_grids(
    ex: &Explainer,
    entries: &[Entry],
    digits: usize,
    fold: Option<Fold>,
) -> Vec<ContribGrid> {
    let layer = entries[0].key.layer;
    let Some((l, filter)) = ex
        .net
        .layer(layer)
        .and_then(|l| Some((l, l.shared_filter()?)))
    else {
        return Vec::new();
    };
    let cell = |index: usize| {
        let key = Key::new(layer, Kind::Contrib, index);
        let value = ex.trace.value(key).unwrap_or(0.0);
        row(ex, &Entry { key, value }, digits)
    };
    filter
        .filter_index()
        .tables()
        .into_iter()
        .map(|table| {
            let (positions, omitted_positions) = match fold {
                Some(f) => Fold::split(f.above, f.at_each_end, table.nodes.len()),
                None => Fold::split(usize::MAX, 0, table.nodes.len()),
            };
            let (columns, omitted_weights) = match fold {
                Some(f) => Fold::split(f.columns_above, f.columns_at_each_end, table.weights.len()),
                None => Fold::split(usize::MAX, 0, table.weights.len()),
            };
            let weights: Vec<usize> = columns.iter().map(|&c| table.weights[c]).collect();
            let nodes: Vec<usize> = positions.iter().map(|&k| table.nodes[k]).collect();
            ContribGrid {
                weight_names: weights
                    .iter()
                    .map(|&p| l.param_name(p).to_string())
                    .collect(),
                positions: positions
                    .iter()
                    .map(|&k| {
                        let node = table.nodes[k];
                        (
                            l.outputs()[node].clone(),
                            ex.value(layer, Kind::Grad, node),
                            columns
                                .iter()
                                .map(|&c| cell(table.contribs[k][c]))
                                .collect(),
                        )
                    })
                    .collect(),
                omitted_positions,
                omitted_weights,
                sums: weights
                    .iter()
                    .map(|&p| ex.value(layer, Kind::Wgrad, p))
                    .collect(),
                grad_keys: nodes
                    .iter()
                    .map(|&node| Key::new(layer, Kind::Grad, node))
                    .collect(),
                sum_keys: weights
                    .iter()
                    .map(|&p| Key::new(layer, Kind::Wgrad, p))
                    .collect(),
            }
        })
        .collect()
}

fn update(ex: &Explainer, key: Key) -> Update {
    let p = key.index as usize;
    Update {
        key,
        layer: ex.net.layer_name(key.layer).to_string(),
        weight: ex.name(key),
        w: ex.value(key.layer, Kind::W, p),
        wgrad: ex.value(key.layer, Kind::Wgrad, p),
        dw: ex.value(key.layer, Kind::Dw, p),
        new: ex.value(key.layer, Kind::New, p),
    }
}

/// The opening lines: what is traced, with which settings.
pub fn preamble(s: &Scenario, pattern: usize, round: Option<u32>) -> Vec<String> {
    let p = &s.data[pattern];
    let shape = s.network.input_shape;
    let inputs: Vec<String> = if shape.rank == Rank::Grid {
        let channels = if shape.channels == 1 {
            "channel"
        } else {
            "channels"
        };
        vec![format!(
            "{} {channels} of {} × {}, the map below",
            shape.channels, shape.rows, shape.cols
        )]
    } else {
        p.input.iter().map(|&x| number(x, 6)).collect()
    };
    let target = match p.class {
        Some(c) => match s.classes.get(c) {
            Some(name) => format!("class {c} ({name})"),
            None => format!("class {c}"),
        },
        None => {
            let values: Vec<String> = p.target.iter().map(|&t| number(t, 6)).collect();
            match values.as_slice() {
                [one] => one.clone(),
                _ => format!("({})", values.join(", ")),
            }
        }
    };
    let c = &s.setup.conventions;
    let mut lines = vec![
        format!("{} — {}", s.name, s.description),
        format!(
            "pattern {pattern}: input ({}), target {target}",
            inputs.join(", ")
        ),
        format!(
            "α = {}, λ = {}, loss {}; ReLU′(0) = {}, max-pool ties: {}",
            number(s.setup.alpha, 6),
            number(s.setup.lambda, 6),
            s.setup.loss.as_str(),
            u8::from(c.relu_passes_zero),
            c.maxpool_ties.as_str()
        ),
    ];
    // Said for 2-D networks, where textbooks differ most, and whenever it is `flip`; a
    // 1-D trace under the default stays as the lecture printed it.
    let has_filters = s.network.layers.iter().any(|l| l.shared_filter().is_some());
    let said = c.convolution == Convolution::Flip || s.network.input_shape.rank == Rank::Grid;
    if has_filters && said {
        lines.push(format!(
            "convolution: {} ({})",
            c.convolution.as_str(),
            match c.convolution {
                Convolution::Correlate => "the kernel as written, as every framework",
                Convolution::Flip => "the kernel rotated by 180°, as some textbooks",
            }
        ));
    }
    if !s.setup.update_biases {
        lines.push("biases stay fixed (update_biases: false): only the weights learn".into());
    }
    if let Some(n) = round {
        lines.push(format!(
            "hand-calculation mode: every value is rounded to {n} significant digits before the next step uses it"
        ));
    }
    lines
}

/// Where a part of the trace stands: `FORWARD · conv`, `BACKWARD · loss`, and every
/// update together as `UPDATE · all layers`.
pub fn place(net: &Network, (phase, layer): (Phase, LayerId)) -> String {
    let name = if phase == Phase::Update {
        "all layers"
    } else {
        net.layer_name(layer)
    };
    format!("{} · {name}", phase.as_str().to_uppercase())
}

/// The network as a strip of stages, the current one marked: input ▸ conv ▸ [relu] ▸ …
pub fn strip(ex: &Explainer, current: LayerId) -> Vec<(String, bool)> {
    let mut stages = vec![("input".to_string(), current == 0)];
    for (i, l) in ex.net.layers.iter().enumerate() {
        stages.push((l.name().to_string(), current as usize == i + 1));
    }
    stages.push(("loss".to_string(), current == LOSS_LAYER));
    stages
}

/// Text made safe for XML and HTML, in content and in quoted attributes. Control
/// characters, which XML 1.0 cannot carry at all (NUL not even as a reference), are shown
/// as their visible pictures (U+2400…), so a name with a NUL still gives a well-formed file.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\u{7f}' => out.push('\u{2421}'),
            '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c if c < ' ' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}')),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeping_spells_all_but_the_kept_parts_and_quotes() {
        let ascii = Options {
            ascii: true,
            ..Options::default()
        };
        assert_eq!(
            ascii.text_keeping("∂L/∂Δy · ชั้น.out.Δy → `Δz` Δ", &["ชั้น.out.Δy"]),
            "dL/dDy * ชั้น.out.Δy -> `Δz` D"
        );
        assert_eq!(ascii.text_keeping("σ(Δ)", &[""]), "sigmoid(D)");
        let unicode = Options::default();
        assert_eq!(unicode.text_keeping("σ · ก", &[]), "σ · ก");
    }
}
