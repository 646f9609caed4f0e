//! The trace as terminal tables: one per layer and phase, in the order computed, fitted
//! to the width (`Options::width`): formulas and notes wrap inside their cells, so no
//! line is longer than the width.

use super::{
    Block, CellView, ContribGrid, FOLD, Grids, Omitted, Options, Row, Section, Update,
    folded_sections, place, preamble, strip,
};
use crate::network::{Explainer, Note, NoteKind};
use crate::scenario::Scenario;
use crate::trace::{LayerId, Phase};
use colored::Colorize;
use tabled::builder::Builder;
use tabled::grid::util::string::get_text_width;
use tabled::settings::object::{Columns, Rows};
use tabled::settings::style::HorizontalLine;
use tabled::settings::{Alignment, Style};

/// Formula cells wider than this wrap between words, however wide the terminal.
const FORMULA_WIDTH: usize = 72;
/// A column that wraps keeps at least this width while another can give some up.
const MIN_WRAPPED: usize = 12;

/// Which tables, laid out how.
#[derive(Clone, Copy, Debug, Default)]
pub struct View {
    /// One line per quantity (the formula and its numbers side by side), no rules
    /// between rows.
    pub compact: bool,
    /// `--only LAYER[.PHASE]`: the tables of one layer, or of one layer in one phase.
    pub only: Option<Only>,
    /// Formulas only, every computed number `?` and no notes (the walk's hidden numbers).
    pub hidden: bool,
    /// `--full`: every row of every table; without it a long run of one kind of quantity
    /// shows its first and last few ([`FOLD`]).
    pub full: bool,
}

/// A choice of tables: a layer (its rows of the update table included), a phase, or both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Only {
    /// None: every layer (`--only update`).
    pub layer: Option<LayerId>,
    pub phase: Option<Phase>,
}

/// Every table of the trace as one text (the command line streams with [`write`]).
pub fn render(
    s: &Scenario,
    pattern: usize,
    ex: &Explainer,
    opts: &Options,
    round: Option<u32>,
    view: &View,
) -> String {
    let mut out = Vec::new();
    write(&mut out, s, pattern, ex, opts, round, view).expect("writing to memory");
    String::from_utf8(out).expect("tables are UTF-8")
}

/// Writes the preamble and every table, a section at a time as it is laid out.
pub fn write(
    out: &mut dyn std::io::Write,
    s: &Scenario,
    pattern: usize,
    ex: &Explainer,
    opts: &Options,
    round: Option<u32>,
    view: &View,
) -> std::io::Result<()> {
    for line in preamble(s, pattern, round) {
        out.write_all(fill(&opts.text(&line), opts.width, "  ").as_bytes())?;
    }
    for section in chosen(ex, opts, view) {
        out.write_all(b"\n")?;
        out.write_all(heading(ex, &section, opts).as_bytes())?;
        out.write_all(section_tables(&section, opts, view).as_bytes())?;
    }
    Ok(())
}

/// The sections `--only` asks for (every one without it), the update table cut to the
/// chosen layer's weights.
pub fn chosen(ex: &Explainer, opts: &Options, view: &View) -> Vec<Section> {
    let fold = (!view.full).then_some(FOLD);
    let mut out = folded_sections(ex, opts.digits, fold);
    let Some(only) = view.only else {
        return out;
    };
    out.retain(|s| only.phase.is_none_or(|p| p == s.phase));
    if let Some(layer) = only.layer {
        let name = ex.net.layer_name(layer);
        out.retain_mut(|s| {
            if s.phase != Phase::Update {
                return s.layer == layer;
            }
            s.blocks.retain_mut(|block| match block {
                Block::Updates(updates) => {
                    updates.retain(|u| u.layer == name);
                    !updates.is_empty()
                }
                Block::LeftOut(gap) => gap.layer == layer,
                Block::Rows(_) | Block::Contribs(_) | Block::Grids(_) => true,
            });
            !s.blocks.is_empty()
        });
    }
    out
}

/// Every table of one section, each followed by a blank line.
/// Blocks of rows (or of updates) with the gaps a summary left between them make one table.
pub fn section_tables(section: &Section, opts: &Options, view: &View) -> String {
    let mut out = String::new();
    let blocks = &section.blocks;
    let mut i = 0;
    while i < blocks.len() {
        let n = 1 + blocks[i + 1..]
            .iter()
            .take_while(|b| matches!(b, Block::LeftOut(_)) || same_kind(&blocks[i], b))
            .count();
        let run = &blocks[i..i + n];
        out.push_str(&match &blocks[i] {
            Block::Rows(_) => rows_table(
                &lines(run, |b| match b {
                    Block::Rows(rows) => Some(rows),
                    _ => None,
                }),
                opts,
                view,
            ),
            Block::Updates(_) => update_table(
                &lines(run, |b| match b {
                    Block::Updates(updates) => Some(updates),
                    _ => None,
                }),
                opts,
                view,
            ),
            Block::Contribs(grid) => contrib_table(grid, opts, view),
            Block::Grids(grids) => grids_tables(grids, opts, view),
            Block::LeftOut(gap) => rows_table(&[Line::LeftOut(gap.count)], opts, view),
        });
        out.push('\n');
        i += n;
    }
    out
}

/// Whether two blocks hold the same kind of line (rows, or updates), so that with the gaps
/// between them they make one table.
fn same_kind(a: &Block, b: &Block) -> bool {
    matches!(
        (a, b),
        (Block::Rows(_), Block::Rows(_)) | (Block::Updates(_), Block::Updates(_))
    )
}

/// A line of a table: a quantity shown, or how many a summary left out there.
enum Line<'a, T> {
    Shown(&'a T),
    LeftOut(usize),
}

/// The lines of a run of blocks: the items `items` finds in each, and the gaps.
fn lines<'a, T>(
    run: &'a [Block],
    items: impl Fn(&'a Block) -> Option<&'a Vec<T>>,
) -> Vec<Line<'a, T>> {
    let mut out = Vec::new();
    for block in run {
        match (block, items(block)) {
            (Block::LeftOut(gap), _) => out.push(Line::LeftOut(gap.count)),
            (_, Some(shown)) => out.extend(shown.iter().map(Line::Shown)),
            (_, None) => {}
        }
    }
    out
}

/// The line standing for `count` quantities left out, in a table of `columns` columns.
fn left_out_cells(count: usize, columns: usize, opts: &Options) -> Vec<Cell> {
    let mut cells = vec![
        Cell::plain(opts.text(&format!("⋮ {count} more"))),
        Cell::plain("--full shows them"),
    ];
    cells.resize_with(columns, || Cell::plain(""));
    cells
}

/// Plain text broken between words to `width` columns, later lines indented; each line
/// ends with a newline.
pub fn fill(text: &str, width: usize, indent: &str) -> String {
    wrap_lines(text, width, indent)
        .into_iter()
        .map(|l| l + "\n")
        .collect()
}

fn wrap_lines(text: &str, width: usize, indent: &str) -> Vec<String> {
    let options = textwrap::Options::new(width.max(indent.len() + 1))
        .subsequent_indent(indent)
        .word_separator(textwrap::WordSeparator::AsciiSpace);
    textwrap::wrap(text, options)
        .into_iter()
        .map(|l| l.into_owned())
        .collect()
}

fn heading(ex: &Explainer, section: &Section, opts: &Options) -> String {
    let place = place(ex.net, (section.phase, section.layer));
    let name = ex.net.layer_name(section.layer);
    let title = opts.text_keeping(&format!("━━ {place} ━━ {}", section.title), &[name]);
    let mut out = String::new();
    for line in wrap_lines(&title, opts.width, "   ") {
        out.push_str(&paint(&line, opts, |t| t.bold().cyan().to_string()));
        out.push('\n');
    }
    if section.phase != Phase::Update {
        let mut here = String::new();
        let stages: Vec<String> = strip(ex, section.layer)
            .into_iter()
            .map(|(name, current)| {
                if current {
                    here = format!("[{name}]");
                    here.clone()
                } else {
                    name
                }
            })
            .collect();
        let line = format!("   {}   (we are here)", stages.join(&opts.text(" ▸ ")));
        for piece in wrap_lines(&line, opts.width, "   ") {
            let piece = piece.replace(
                &here,
                &paint(&here, opts, |t| t.bold().yellow().to_string()),
            );
            out.push_str(&piece);
            out.push('\n');
        }
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

/// A note coloured by what it says: blocked red, the target yellow, ties magenta, a
/// gradient passed or routed green, the rest dimmed.
fn note_colour(note: &str, kind: NoteKind, opts: &Options) -> String {
    if !opts.color {
        return note.to_string();
    }
    match kind {
        NoteKind::Blocked => note.red().to_string(),
        NoteKind::Target => note.yellow().bold().to_string(),
        NoteKind::Tie => note.magenta().to_string(),
        NoteKind::Passed => note.green().to_string(),
        NoteKind::Remark | NoteKind::Held | NoteKind::Field => note.dimmed().to_string(),
    }
}

/// A table of ready texts fitted to the width: right-aligned number columns, the other
/// columns wrapped between words where the width requires it, and `wrap` (a column and
/// a width) wrapped at that width however wide the terminal.
pub(super) fn style(
    builder: Builder,
    opts: &Options,
    right: &[usize],
    wrap: Option<(usize, usize)>,
) -> String {
    grid(builder, right, wrap).map_or(String::new(), |g| g.render(opts, false))
}

/// As [`style`], with no rule between the rows: for long lists of mostly one-line rows.
pub(super) fn style_compact(
    builder: Builder,
    opts: &Options,
    right: &[usize],
    wrap: Option<(usize, usize)>,
) -> String {
    grid(builder, right, wrap).map_or(String::new(), |g| g.render(opts, true))
}

fn grid(builder: Builder, right: &[usize], wrap: Option<(usize, usize)>) -> Option<Grid> {
    let mut records: Vec<Vec<String>> = builder.into();
    if records.is_empty() {
        return None;
    }
    let header = records.remove(0);
    let wrapping = (0..header.len()).filter(|c| !right.contains(c)).collect();
    Some(Grid {
        header,
        rows: records
            .into_iter()
            .map(|r| r.into_iter().map(Cell::plain).collect())
            .collect(),
        right: right.to_vec(),
        wrapping,
        cap: wrap,
    })
}

fn borders(table: &mut tabled::Table, opts: &Options, compact: bool) {
    match (opts.ascii, compact) {
        (false, false) => table.with(Style::modern_rounded()),
        (false, true) => table.with(Style::rounded()),
        (true, false) => table.with(Style::ascii()),
        (true, true) => table.with(
            Style::ascii()
                .remove_horizontal()
                .horizontals([(1, HorizontalLine::full('-', '+', '+', '+'))]),
        ),
    };
}

/// How a line of a cell is coloured.
#[derive(Clone, Copy)]
enum Paint {
    Plain,
    Bold,
    Note(NoteKind),
}

/// A cell before layout: logical lines, each wrapped and painted on its own.
struct Cell(Vec<(String, Paint)>);

impl Cell {
    fn plain(text: impl Into<String>) -> Cell {
        Cell(vec![(text.into(), Paint::Plain)])
    }

    fn bold(text: impl Into<String>) -> Cell {
        Cell(vec![(text.into(), Paint::Bold)])
    }

    fn width(&self) -> usize {
        self.0
            .iter()
            .map(|(t, _)| get_text_width(t))
            .max()
            .unwrap_or(0)
    }

    /// The cell's text at `width` columns: continuation lines indented, each line painted.
    fn lay_out(&self, width: usize, opts: &Options) -> String {
        let mut lines = Vec::new();
        for (text, how) in &self.0 {
            for line in wrap_lines(text, width, "  ") {
                lines.push(match how {
                    Paint::Plain => line,
                    Paint::Bold => paint(&line, opts, |t| t.bold().to_string()),
                    Paint::Note(kind) => note_colour(&line, *kind, opts),
                });
            }
        }
        lines.join("\n")
    }
}

/// A table before layout: which columns are numbers (right-aligned) and which may wrap.
struct Grid {
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
    right: Vec<usize>,
    wrapping: Vec<usize>,
    /// A column wrapped at a width however wide the terminal.
    cap: Option<(usize, usize)>,
}

impl Grid {
    /// Each column's width with nothing wrapped.
    fn natural(&self) -> Vec<usize> {
        (0..self.header.len())
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| r[c].width())
                    .chain([get_text_width(&self.header[c])])
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// The natural widths, the capped column at its cap.
    fn capped(&self) -> Vec<usize> {
        let mut widths = self.natural();
        if let Some((c, cap)) = self.cap {
            widths[c] = widths[c].min(cap);
        }
        widths
    }

    /// The columns' content widths that fit `width` with borders and padding.
    fn widths(&self, width: usize) -> Vec<usize> {
        let n = self.header.len();
        let budget = width.saturating_sub(3 * n + 1);
        let mut widths = self.capped();
        shrink(&mut widths, &self.wrapping, budget, MIN_WRAPPED);
        let every: Vec<usize> = (0..n).collect();
        shrink(&mut widths, &every, budget, 4);
        widths
    }

    /// Whether the table fits `width` with only the capped column wrapped.
    fn fits(&self, width: usize) -> bool {
        self.capped().iter().sum::<usize>() + 3 * self.header.len() < width
    }

    fn render(&self, opts: &Options, compact: bool) -> String {
        let widths = self.widths(opts.width);
        let mut b = Builder::default();
        b.push_record(
            self.header
                .iter()
                .zip(&widths)
                .map(|(h, &w)| wrap_lines(h, w, " ").join("\n")),
        );
        for row in &self.rows {
            b.push_record(row.iter().zip(&widths).map(|(c, &w)| c.lay_out(w, opts)));
        }
        let mut table = b.build();
        borders(&mut table, opts, compact);
        for &c in &self.right {
            table.modify(Columns::one(c), Alignment::right());
        }
        table.modify(Rows::first(), Alignment::left());
        table.to_string()
    }
}

/// Takes columns off the widest of `columns` (never below `floor`) until the widths sum
/// to at most `budget`.
fn shrink(widths: &mut [usize], columns: &[usize], budget: usize, floor: usize) {
    let mut excess = widths.iter().sum::<usize>().saturating_sub(budget);
    while excess > 0 {
        let Some(&widest) = columns
            .iter()
            .filter(|&&c| widths[c] > floor)
            .max_by_key(|&&c| widths[c])
        else {
            return;
        };
        let next = columns
            .iter()
            .filter(|&&c| c != widest)
            .map(|&c| widths[c])
            .max()
            .unwrap_or(0)
            .max(floor);
        let take = (widths[widest] - next).clamp(1, excess);
        widths[widest] -= take;
        excess -= take;
    }
}

/// A computed number as shown: the number, or `?` while the numbers are hidden.
fn shown(x: f64, opts: &Options, view: &View) -> String {
    if view.hidden {
        "?".into()
    } else {
        opts.number(x)
    }
}

/// The formula cell: the formula, then its numbers (on the same line when compact), then
/// the note when it is folded in. Hidden numbers leave the formula alone.
fn formula_cell(r: &Row, opts: &Options, view: &View, note_inside: bool) -> Cell {
    let mut lines = match &r.formula {
        Some(_) if view.hidden && r.hint.is_some() => vec![(
            opts.text(&format!("? ({})", r.hint.as_deref().unwrap_or_default())),
            Paint::Plain,
        )],
        Some(f) if view.hidden => vec![(opts.text(f), Paint::Plain)],
        Some(f) if view.compact => {
            vec![(opts.text(&format!("{f} = {}", r.substituted)), Paint::Plain)]
        }
        Some(f) => vec![
            (opts.text(f), Paint::Plain),
            (opts.text(&format!("= {}", r.substituted)), Paint::Plain),
        ],
        None => vec![("given".to_string(), Paint::Plain)],
    };
    if note_inside && let Some(n) = note(r, view) {
        lines.push((opts.text(&format!("({})", n.text)), Paint::Note(n.kind)));
    }
    Cell(lines)
}

/// A row's note; hidden with the numbers, since notes tell the routing and the target.
fn note<'a>(r: &'a Row, view: &View) -> Option<&'a Note> {
    r.note.as_ref().filter(|_| !view.hidden)
}

fn rows_grid(lines: &[Line<Row>], opts: &Options, view: &View, note_inside: bool) -> Grid {
    let mut header = vec!["id", "quantity", "formula", "value"];
    if !note_inside {
        header.push("note");
    }
    let columns = header.len();
    let rows = lines
        .iter()
        .map(|line| {
            let r = match line {
                Line::Shown(r) => r,
                Line::LeftOut(count) => return left_out_cells(*count, columns, opts),
            };
            let value = match r.formula {
                Some(_) => shown(r.value, opts, view),
                None => opts.number(r.value),
            };
            let mut cells = vec![
                Cell::plain(r.id.clone()),
                Cell::plain(opts.text(&r.symbol)),
                formula_cell(r, opts, view, note_inside),
                Cell::bold(value),
            ];
            if !note_inside {
                let (text, kind) = note(r, view).map_or((String::new(), NoteKind::Remark), |n| {
                    (opts.text(&n.text), n.kind)
                });
                cells.push(Cell(vec![(text, Paint::Note(kind))]));
            }
            cells
        })
        .collect();
    Grid {
        header: header.into_iter().map(String::from).collect(),
        rows,
        right: vec![3],
        wrapping: if note_inside { vec![2] } else { vec![2, 4] },
        cap: Some((2, FORMULA_WIDTH)),
    }
}

/// One row per quantity; where the notes do not fit beside the formulas, each note goes
/// under its formula.
fn rows_table(lines: &[Line<Row>], opts: &Options, view: &View) -> String {
    let beside = rows_grid(lines, opts, view, false);
    if beside.fits(opts.width) {
        beside.render(opts, view.compact)
    } else {
        rows_grid(lines, opts, view, true).render(opts, view.compact)
    }
}

/// A term of the shared filter's gradient: its formula, numbers and value.
fn term_cell(c: &Row, opts: &Options, view: &View) -> Cell {
    let symbol = opts.text(&c.symbol);
    if view.hidden {
        return Cell(vec![(format!("{symbol} = ?"), Paint::Plain)]);
    }
    let substituted = opts.text(&format!("= {}", c.substituted));
    let value = opts.text(&format!("= {}", opts.number(c.value)));
    if view.compact {
        Cell(vec![(
            format!("{symbol} {substituted} {value}"),
            Paint::Plain,
        )])
    } else {
        Cell(vec![
            (symbol, Paint::Plain),
            (substituted, Paint::Plain),
            (value, Paint::Bold),
        ])
    }
}

/// The shared filter's terms, one row per position, as many weights a table as fit the
/// width (a 2-D filter of several channels has more weights than fit one table).
fn contrib_table(grid: &ContribGrid, opts: &Options, view: &View) -> String {
    let weights = grid.weight_names.len();
    let per_table =
        (opts.width.saturating_sub(CONTRIB_FIXED) / CONTRIB_COLUMN).clamp(1, weights.max(1));
    (0..weights)
        .step_by(per_table)
        .map(|first| contrib_part(grid, first..(first + per_table).min(weights), opts, view))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Width of the position and ∂L/∂f_k columns, and of one weight's column, in a table of
/// a shared filter's terms.
const CONTRIB_FIXED: usize = 30;
const CONTRIB_COLUMN: usize = 20;

fn contrib_part(
    grid: &ContribGrid,
    weights: std::ops::Range<usize>,
    opts: &Options,
    view: &View,
) -> String {
    let mut header = vec!["position k".to_string(), opts.text("∂L/∂f_k")];
    header.extend(
        grid.weight_names[weights.clone()]
            .iter()
            .map(|w| opts.text(&format!("term of ∂L/∂{w}"))),
    );
    // A summarised grid: a column standing for the weights left out, in the part that
    // holds the place where they were.
    let skipped = grid
        .omitted_weights
        .filter(|o| {
            weights.contains(&o.at)
                || (o.at == weights.end && weights.end == grid.weight_names.len())
        })
        .map(|o| (o.at - weights.start + 2, o.count));
    let with_skipped = |mut record: Vec<Cell>, cell: Cell| {
        if let Some((at, _)) = skipped {
            record.insert(at, cell);
        }
        record
    };
    if let Some((at, count)) = skipped {
        header.insert(at, opts.text(&format!("⋮ {count} more weights")));
    }
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for (k, (node, grad, cells)) in grid.positions.iter().enumerate() {
        if let Some(o) = grid.omitted_positions.filter(|o| o.at == k) {
            rows.push(left_out_cells(o.count, header.len(), opts));
        }
        let mut record = vec![
            Cell::plain(format!(
                "{} ({node})",
                Omitted::original(grid.omitted_positions, k) + 1
            )),
            Cell::plain(shown(*grad, opts, view)),
        ];
        record.extend(
            cells[weights.clone()]
                .iter()
                .map(|c| term_cell(c, opts, view)),
        );
        rows.push(with_skipped(record, Cell::plain(opts.text("⋮"))));
    }
    let mut sums = vec![Cell::plain(opts.text("Σ over k")), Cell::plain("")];
    sums.extend(
        grid.weight_names[weights.clone()]
            .iter()
            .zip(&grid.sums[weights])
            .map(|(w, s)| {
                Cell(vec![(
                    format!(
                        "{} = {}",
                        opts.text(&format!("∂L/∂{w}")),
                        shown(*s, opts, view)
                    ),
                    Paint::Bold,
                )])
            }),
    );
    rows.push(with_skipped(sums, Cell::plain("")));
    let terms = (2..header.len()).collect();
    Grid {
        header,
        rows,
        right: vec![],
        wrapping: terms,
        cap: None,
    }
    .render(opts, view.compact)
}

/// A titled set of grids, each a small table with row and column numbers; a legend for
/// the zeros the layer added. A grid wider than the terminal is left out with a line
/// saying so (its cells are in the rows of the section).
fn grids_tables(grids: &Grids, opts: &Options, view: &View) -> String {
    let mut out = fill(&opts.text(&grids.title), opts.width, "  ");
    if let Some(note) = &grids.note {
        out.push_str(&fill(&opts.text(note), opts.width, "  "));
    }
    if grids.has_zeros() {
        out.push_str(&fill(
            &opts.text("0ₚ: a zero of the padding; 0ₛ: a zero put between cells for the stride"),
            opts.width,
            "  ",
        ));
    }
    for g in &grids.grids {
        out.push_str(&opts.text(&g.caption));
        out.push('\n');
        let table = grid_table(g, opts, view);
        let widest = table.lines().map(get_text_width).max().unwrap_or(0);
        if widest > opts.width {
            out.push_str(&fill(
                &format!(
                    "({} × {} grid: too wide for {} columns; every cell is in the rows of this section)",
                    g.rows, g.cols, opts.width
                ),
                opts.width,
                "  ",
            ));
        } else {
            out.push_str(&table);
        }
    }
    out
}

fn grid_table(g: &super::GridView, opts: &Options, view: &View) -> String {
    let mut b = Builder::default();
    let mut header = vec![String::new()];
    header.extend((1..=g.cols).map(|c| c.to_string()));
    b.push_record(header);
    for (r, row) in g.cells.chunks(g.cols.max(1)).enumerate() {
        let mut record = vec![paint(&(r + 1).to_string(), opts, |t| t.bold().to_string())];
        record.extend(row.iter().map(|c| match c {
            CellView::Value { .. } if view.hidden => "?".to_string(),
            CellView::Value { shown: v, .. } => opts.text(v),
            CellView::Padding => opts.text("0ₚ"),
            CellView::Dilation => opts.text("0ₛ"),
        }));
        b.push_record(record);
    }
    let mut table = b.build();
    borders(&mut table, opts, true);
    table.modify(Columns::new(1..), Alignment::right());
    format!("{table}\n")
}

fn update_table(updates: &[Line<Update>], opts: &Options, view: &View) -> String {
    let header = [
        "layer",
        "weight",
        "w (old)",
        &opts.text("∂L/∂w"),
        &opts.text("Δw (held)"),
        "new w",
    ]
    .map(String::from)
    .to_vec();
    let columns = header.len();
    let rows = updates
        .iter()
        .map(|line| {
            let u = match line {
                Line::Shown(u) => u,
                Line::LeftOut(count) => return left_out_cells(*count, columns, opts),
            };
            vec![
                Cell::plain(u.layer.clone()),
                Cell::plain(u.weight.clone()),
                Cell::plain(opts.number(u.w)),
                Cell::plain(shown(u.wgrad, opts, view)),
                Cell::plain(shown(u.dw, opts, view)),
                Cell::bold(shown(u.new, opts, view)),
            ]
        })
        .collect();
    Grid {
        header,
        rows,
        right: vec![2, 3, 4, 5],
        wrapping: vec![],
        cap: None,
    }
    .render(opts, view.compact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinking_takes_from_the_widest_first() {
        let mut w = [10, 40, 30];
        shrink(&mut w, &[1, 2], 60, 12);
        assert_eq!(w, [10, 25, 25]);
        let mut w = [10, 40, 30];
        shrink(&mut w, &[1, 2], 20, 12);
        assert_eq!(w, [10, 12, 12], "never below the floor");
        let mut w = [10, 40, 30];
        shrink(&mut w, &[1, 2], 100, 12);
        assert_eq!(w, [10, 40, 30], "nothing to take when it fits");
    }
}
