//! `nntrace walk`: the trace revealed one quantity at a time in the terminal, the way the
//! slides walk through the network ("We are here."). The walk itself — which step, what
//! a key does — is plain state; drawing and the terminal are at the edges.

use crate::network::Explainer;
use crate::render::{Options, Row, asciify, place, row, strip};
use crate::trace::{Kind, LOSS_LAYER, LayerId};
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::style::{Attribute, Color, Print, ResetColor, SetAttribute, SetForegroundColor};
use crossterm::{cursor, execute, queue, terminal};
use std::io::{self, Write};

mod map;
mod strip;
mod table;

/// The smallest terminal the walk draws in.
pub(crate) const MIN_WIDTH: u16 = 60;
pub(crate) const MIN_HEIGHT: u16 = 16;

/// One step: one quantity, explained.
pub struct Step {
    pub(crate) row: Row,
    pub(crate) layer: LayerId,
    /// Which table of the trace it belongs to (a layer in a phase).
    pub(crate) section: usize,
    /// Which table it is shown in: its section, or the shared filter's terms within it.
    pub(crate) table: usize,
    /// Which run of same-shaped cells it belongs to: one map (a layer's quantity in one
    /// channel of a 2-D layer), for `m`; a step of its own elsewhere.
    pub(crate) grid: usize,
    pub(crate) heading: String,
    /// The name of the layer it is in, as the ids and `g` spell it, kept under `--ascii`.
    pub(crate) layer_name: String,
    /// A line of plain language, after the slides' reasoning.
    pub(crate) why: String,
}

pub fn steps(ex: &Explainer, digits: usize) -> Vec<Step> {
    let mut section = 0;
    let mut table = 0;
    let mut last = None;
    let mut grid = 0;
    let mut last_map = None;
    ex.entries()
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let map = map_of(ex, e.key);
            if i > 0 && (map.is_none() || map != last_map) {
                grid += 1;
            }
            last_map = map;
            let group = e.key.section();
            let terms = e.key.kind == Kind::Contrib;
            if let Some((l, was_terms)) = last {
                if l != group {
                    section += 1;
                }
                if l != group || was_terms != terms {
                    table += 1;
                }
            }
            last = Some((group, terms));
            let heading = place(ex.net, group);
            Step {
                row: row(ex, e, digits),
                layer: e.key.layer,
                section,
                table,
                grid,
                heading,
                layer_name: ex.net.layer_name(e.key.layer).to_string(),
                why: why(ex, e.key),
            }
        })
        .collect()
}

/// The map a step's cell lies in, for stepping a map at a time: the layer, the kind of
/// quantity and the channel, for a cell (or a shared filter's term, or a kernel weight)
/// of a 2-D layer; None for the rest.
fn map_of(ex: &Explainer, key: crate::trace::Key) -> Option<(LayerId, Kind, usize)> {
    if key.layer == LOSS_LAYER {
        return None;
    }
    let shape = ex.net.shape_of(key.layer);
    if shape.rank != crate::network::Rank::Grid {
        return None;
    }
    if key.kind.is_param() {
        return Some((key.layer, key.kind, 0));
    }
    let node = match key.kind {
        Kind::Contrib => ex
            .net
            .layer(key.layer)?
            .shared_filter()?
            .filter_index()
            .contrib_node(key.index as usize),
        _ => key.index as usize,
    };
    Some((key.layer, key.kind, shape.position(node).0))
}

/// The reasoning of a step in the slides' words: the layer's own words for its
/// quantities ([`LayerKind::why`](crate::network::LayerKind::why)), the consuming layer's
/// for a gradient it sent back, and the words every layer shares for the rest.
fn why(ex: &Explainer, key: crate::trace::Key) -> String {
    let layer = ex.net.layer(key.layer);
    let last = key.layer as usize == ex.net.layers.len();
    if key.kind == Kind::W {
        return "The weights stay as they are until the very end: every Δw is computed with these."
            .into();
    }
    if key.kind == Kind::Delta && last && ex.setup.loss.gives_delta() {
        return if ex.pattern.class == Some(key.index as usize) {
            "For the target, ∂L_i/∂f_target = p_target − 1: only the target gets −1."
        } else {
            "For any other output, ∂L_i/∂f = p: the other p's remain unchanged."
        }
        .into();
    }
    if key.kind == Kind::Grad {
        // The layer that consumes this one's outputs computed their gradients.
        let above = ex.net.layer(key.layer.saturating_add(1));
        return match above {
            _ if last => "The loss tells each output which way to move: ∂L_i/∂(output).".into(),
            Some(above) => above.why_input_grad(key.layer + 1, ex),
            None => "The gradient flows back from the layer above.".into(),
        };
    }
    if let Some(own) = layer.and_then(|l| l.why(key, ex)) {
        return own;
    }
    shared_why(key, layer.is_none() && key.layer != LOSS_LAYER).into()
}

/// The reasoning every layer shares, by the kind of quantity.
fn shared_why(key: crate::trace::Key, is_input: bool) -> &'static str {
    match key.kind {
        Kind::Out if is_input => "The training pattern enters the network.",
        Kind::Net => "Each node sums its inputs, each times the weight of its edge.",
        Kind::Loss => "The data loss of this pattern: how far the prediction is from the target.",
        Kind::LossLog10 => {
            "The same loss with log base 10 (L_i / ln 10), the figure some slides quote."
        }
        Kind::LossTotal => {
            "Loss = data loss + regularization ½λΣw²: the model should also be simple."
        }
        Kind::Dact => "Chain rule: multiply by the derivative of the activation.",
        Kind::Delta => "∂L_i/∂I = ∂L_i/∂f · f′(I): the gradient of the node's sum.",
        Kind::Wgrad => {
            "Chain rule: ∂L_i/∂w = ∂L_i/∂(node's sum) · the input the weight multiplies."
        }
        Kind::Dw => {
            "Calculate Δw = −α(∂L_i/∂w + λw), but do not update the weight: hold it until the last step."
        }
        Kind::New => "Add the corresponding Δw to every weight; then the next pattern comes in.",
        Kind::Out | Kind::W | Kind::Grad | Kind::Contrib => "",
    }
}

/// Without a terminal: every step in order, as plain text.
pub fn print_all(steps: &[Step], opts: &Options) -> String {
    let mut out = String::new();
    for (i, s) in steps.iter().enumerate() {
        let heading = format!("step {}/{} · {}", i + 1, steps.len(), s.heading);
        out.push_str(&opts.text_keeping(&heading, &[&s.layer_name]));
        out.push('\n');
        for Line { text, .. } in lines(s, true) {
            if !text.is_empty() {
                out.push_str("  ");
                out.push_str(&opts.text_keeping(&text, &[&s.row.id]));
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// What stands where the numbers are while they are hidden.
const HIDDEN_LINE: &str = "= ?   (numbers hidden: work it out, then press f)";

/// How a line of a step is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Look {
    /// What the step is, and its result: in bold.
    Strong,
    /// Where the numbers stand while they are hidden: in yellow.
    Hidden,
    Plain,
}

/// One line of a step and how it is drawn.
#[derive(Debug, PartialEq)]
struct Line {
    look: Look,
    text: String,
}

impl Line {
    fn new(look: Look, text: impl Into<String>) -> Line {
        Line {
            look,
            text: text.into(),
        }
    }
}

/// The lines that reveal a step: what it is, the formula, the numbers, the result.
fn lines(s: &Step, numbers: bool) -> Vec<Line> {
    let r = &s.row;
    let mut out = vec![Line::new(Look::Strong, format!("{}   {}", r.id, r.symbol))];
    match (&r.formula, &r.hint) {
        // Hidden, a formula that shows a decision (where a gradient was routed) gives way
        // to what the student needs to decide it.
        (Some(_), Some(hint)) if !numbers => {
            out.push(Line::new(Look::Plain, format!("= ?   ({hint})")));
            out.push(Line::new(Look::Hidden, HIDDEN_LINE));
        }
        (Some(f), _) => {
            out.push(Line::new(Look::Plain, format!("= {f}")));
            if numbers {
                out.push(Line::new(Look::Plain, format!("= {}", r.substituted)));
                out.push(Line::new(Look::Strong, format!("= {}", r.shown_value)));
            } else {
                out.push(Line::new(Look::Hidden, HIDDEN_LINE));
            }
        }
        (None, _) => out.push(Line::new(
            Look::Plain,
            format!("= {} (given)", r.substituted),
        )),
    }
    if numbers && let Some(note) = &r.note {
        out.push(Line::new(Look::Plain, format!("({})", note.text)));
    }
    if !s.why.is_empty() {
        out.push(Line::new(Look::Plain, ""));
        out.push(Line::new(Look::Plain, s.why.clone()));
    }
    out
}

/// What the walk is showing.
pub(crate) struct Walk {
    pub at: usize,
    pub count: usize,
    /// Whether the numbers and the result are shown (`f` hides them: work them out first).
    pub numbers: bool,
    pub help: bool,
    /// The layer name being typed after `g`.
    pub jump: Option<String>,
    pub message: Option<String>,
    /// How many steps from the start have had their numbers shown: with the numbers
    /// hidden, the strip shows only these.
    pub revealed: usize,
    /// Whether the whole table of the step is shown (`t`) rather than the step alone.
    pub whole_table: bool,
    /// Each step's table (see [`Step::table`]), for `t`.
    pub tables: Vec<usize>,
    /// Each step's map (see [`Step::grid`]), for `m`.
    pub grids: Vec<usize>,
}

pub(crate) enum Action {
    Stay,
    Quit,
}

impl Walk {
    pub fn new(count: usize) -> Walk {
        Walk {
            at: 0,
            count,
            numbers: true,
            help: false,
            jump: None,
            message: None,
            revealed: 1,
            whole_table: false,
            tables: (0..count).collect(),
            grids: (0..count).collect(),
        }
    }

    /// The walk with each step's map, so that `m` can take a map at a time.
    pub fn with_grids(mut self, grids: Vec<usize>) -> Walk {
        self.grids = grids;
        self
    }

    /// `m`: to the last step of this map (its last cell); from there, to the last step
    /// of the next map. A step outside a 2-D map is a map of its own.
    fn map_key(&mut self) {
        let next = (self.at + 1).min(self.count - 1);
        let map = self.grids[next];
        self.at = self.grids.iter().rposition(|&g| g == map).unwrap_or(next);
    }

    /// The walk with each step's table, so that `t` can take a whole table at once.
    pub fn with_tables(mut self, tables: Vec<usize>) -> Walk {
        self.tables = tables;
        self
    }

    /// How many steps from the start the strip may show numbers of: every one up to the
    /// current step, or, with the numbers hidden, those revealed before it.
    pub fn visible(&self) -> usize {
        if self.numbers {
            self.at + 1
        } else {
            self.revealed.min(self.at)
        }
    }

    /// What a key does. `sections[i]` is step i's section; `layers[i]` its layer's name.
    pub fn key(&mut self, key: KeyEvent, sections: &[usize], layers: &[&str]) -> Action {
        let action = if self.help {
            self.help_key(key)
        } else {
            self.step_key(key, sections, layers)
        };
        if self.numbers {
            self.revealed = self.revealed.max(self.at + 1);
        }
        action
    }

    /// With the help shown: Esc, `?` or any other key closes it; `q` and Ctrl-C still quit.
    fn help_key(&mut self, key: KeyEvent) -> Action {
        let ctrl_c =
            key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl_c || key.code == KeyCode::Char('q') {
            return Action::Quit;
        }
        self.help = false;
        Action::Stay
    }

    /// `t`: the whole table of this step at once, ending on its last step; again, the next.
    fn whole_table_key(&mut self) {
        let here = self.tables[self.at];
        let next = if self.whole_table {
            self.tables.iter().position(|&t| t > here)
        } else {
            Some(self.at)
        };
        if let Some(start) = next {
            let table = self.tables[start];
            self.at = self
                .tables
                .iter()
                .rposition(|&t| t == table)
                .unwrap_or(start);
            self.whole_table = true;
        }
    }

    /// `g NAME`: the next table of that layer (its forward, then its backward table); an
    /// unknown name is answered with the nearest name and the list.
    fn jump_to(&mut self, name: &str, sections: &[usize], layers: &[&str]) {
        let starts: Vec<usize> = (0..layers.len())
            .filter(|&i| layers[i] == name && (i == 0 || sections[i] != sections[i - 1]))
            .collect();
        if let Some(&first) = starts.first() {
            self.at = starts
                .iter()
                .copied()
                .find(|&i| i > self.at)
                .unwrap_or(first);
            return;
        }
        let mut names: Vec<&str> = Vec::new();
        for l in layers {
            if !names.contains(l) {
                names.push(l);
            }
        }
        let hint = match crate::error::nearest(name, names.iter().copied()) {
            Some(near) => format!("did you mean `{near}`? "),
            None => String::new(),
        };
        self.message = Some(format!(
            "no layer named `{name}`; {hint}the layers: {}",
            names.join(", ")
        ));
    }

    fn step_key(&mut self, key: KeyEvent, sections: &[usize], layers: &[&str]) -> Action {
        self.message = None;
        let whole = std::mem::take(&mut self.whole_table);
        if let Some(typed) = &mut self.jump {
            match key.code {
                KeyCode::Enter => {
                    let name = typed.clone();
                    self.jump = None;
                    self.jump_to(name.trim(), sections, layers);
                }
                KeyCode::Esc => self.jump = None,
                KeyCode::Backspace => {
                    typed.pop();
                }
                KeyCode::Char(c) => typed.push(c),
                _ => {}
            }
            return Action::Stay;
        }
        let ctrl_c =
            key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            _ if ctrl_c => return Action::Quit,
            KeyCode::Char('q') | KeyCode::Esc => return Action::Quit,
            KeyCode::Enter | KeyCode::Char(' ') | KeyCode::Right => {
                self.at = (self.at + 1).min(self.count - 1)
            }
            KeyCode::Left => self.at = self.at.saturating_sub(1),
            KeyCode::PageDown => {
                let here = sections[self.at];
                self.at = sections.iter().position(|&s| s > here).unwrap_or(self.at);
            }
            KeyCode::PageUp => {
                let here = sections[self.at];
                let start = sections.iter().position(|&s| s == here).unwrap_or(0);
                if start < self.at {
                    self.at = start;
                } else if here > 0 {
                    self.at = sections.iter().position(|&s| s == here - 1).unwrap_or(0);
                }
            }
            KeyCode::Char('g') => self.jump = Some(String::new()),
            KeyCode::Char('f') => {
                self.numbers = !self.numbers;
                self.whole_table = whole;
            }
            KeyCode::Char('t') => {
                self.whole_table = whole;
                self.whole_table_key();
            }
            KeyCode::Char('m') => self.map_key(),
            KeyCode::Char('?') => {
                self.help = true;
                self.whole_table = whole;
            }
            _ => self.whole_table = whole,
        }
        Action::Stay
    }
}

/// Puts the terminal back however the walk ends: normally, on an error, or by a panic.
struct Screen {
    /// Stops the thread that restores the terminal on SIGTERM, SIGHUP or SIGINT.
    signals: signal_hook::iterator::Handle,
}

impl Screen {
    fn enter() -> io::Result<Screen> {
        let signals = restore_on_signals()?;
        terminal::enable_raw_mode()?;
        let screen = Screen { signals };
        execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide)?;
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        Ok(screen)
    }
}

/// A walk killed by a signal (`kill`, a closed terminal, SIGINT from outside; Ctrl-C in
/// raw mode is a key) puts the terminal back as `q` does, then exits with 128 + signal.
fn restore_on_signals() -> io::Result<signal_hook::iterator::Handle> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT])?;
    let handle = signals.handle();
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            restore();
            std::process::exit(128 + signal);
        }
    });
    Ok(handle)
}

fn restore() {
    let _ = execute!(io::stdout(), cursor::Show, terminal::LeaveAlternateScreen);
    let _ = terminal::disable_raw_mode();
}

impl Drop for Screen {
    fn drop(&mut self) {
        self.signals.close();
        restore();
    }
}

/// Runs the walk in the terminal until `q`.
pub(crate) fn run(ex: &Explainer, title: &str, steps: &[Step], opts: &Options) -> io::Result<()> {
    let _screen = Screen::enter()?;
    let sections: Vec<usize> = steps.iter().map(|s| s.section).collect();
    let layers: Vec<&str> = steps.iter().map(|s| ex.net.layer_name(s.layer)).collect();
    let mut walk = Walk::new(steps.len())
        .with_tables(steps.iter().map(|s| s.table).collect())
        .with_grids(steps.iter().map(|s| s.grid).collect());
    loop {
        // The whole screen in one write: no half-drawn screen is ever seen.
        let mut screen = Vec::new();
        draw(&mut screen, ex, title, steps, &walk, opts)?;
        // The lock is released before waiting for a key: a signal's restore writes too.
        {
            let mut out = io::stdout().lock();
            out.write_all(&screen)?;
            out.flush()?;
        }
        match event::read()? {
            Event::Key(key) if key.kind != KeyEventKind::Release => {
                if let Action::Quit = walk.key(key, &sections, &layers) {
                    return Ok(());
                }
            }
            _ => {}
        }
    }
}

/// The whole screen: the header, the strip, the step's place, the step or its whole
/// table, the help over it when asked, the keys at the bottom.
fn draw(
    out: &mut impl Write,
    ex: &Explainer,
    title: &str,
    steps: &[Step],
    walk: &Walk,
    opts: &Options,
) -> io::Result<()> {
    let (width, height) = terminal::size()?;
    queue!(
        out,
        terminal::Clear(terminal::ClearType::All),
        cursor::MoveTo(0, 0)
    )?;
    if width < MIN_WIDTH || height < MIN_HEIGHT {
        too_small(out, (width, height), opts)?;
        return out.flush();
    }
    let w = usize::from(width);
    let step = &steps[walk.at];
    header(out, title, walk, steps.len(), w, opts)?;
    let y = draw_strip(out, ex, step.layer, walk, w, opts)?;
    let bottom = bottom_lines(ex, walk, w, opts);
    let footer = height - bottom.len() as u16;
    // The map takes what is left when the step has its heading and eight lines.
    let room = usize::from(footer.saturating_sub(y + 2 + 8)).min(MAP_ROWS);
    let y = draw_map(out, ex, walk, (y, room), w, opts)?;
    let heading = opts.text_keeping(&step.heading, &[&step.layer_name]);
    let y = draw_heading(out, &heading, y, w, opts)?;
    if walk.whole_table {
        draw_whole_table(out, ex, steps, walk, (y, footer - 1), w, opts)?;
    } else {
        draw_step(out, step, walk.numbers, (y, footer - 1), w, opts)?;
    }
    if walk.help {
        help(out, width, height, opts)?;
    }
    draw_bottom(out, &bottom, footer)?;
    out.flush()
}

/// Text from a scenario made safe for the terminal, in ASCII when asked.
fn safe(text: &str, opts: &Options) -> String {
    let safe = crate::text::terminal_safe(text);
    if opts.ascii {
        asciify(&safe)
    } else {
        safe.into_owned()
    }
}

/// A terminal smaller than the walk needs: that, and how to go on.
fn too_small(out: &mut impl Write, (width, height): (u16, u16), opts: &Options) -> io::Result<()> {
    let msg = format!(
        "The terminal is too small: {width}×{height}. The walk needs {MIN_WIDTH}×{MIN_HEIGHT}; enlarge it, or press q."
    );
    for (i, line) in wrap(&safe(&msg, opts), width.max(10) as usize)
        .iter()
        .enumerate()
    {
        queue!(out, cursor::MoveTo(0, i as u16), Print(line))?;
    }
    Ok(())
}

/// The strip from the third line, with what is known so far, and a rule under it;
/// returns the line after the gap that follows.
fn draw_strip(
    out: &mut impl Write,
    ex: &Explainer,
    layer: LayerId,
    walk: &Walk,
    w: usize,
    opts: &Options,
) -> io::Result<u16> {
    let known = &ex.entries()[..walk.visible()];
    let mut y = 2u16;
    for line in strip::lines(ex, layer, known, w, opts) {
        draw_strip_line(out, &line, y, w, opts)?;
        y += 1;
    }
    queue!(out, cursor::MoveTo(0, y), Print(opts.text("─").repeat(w)))?;
    Ok(y + 2)
}

/// Lines the map under the strip takes at most (its titles and legend included).
const MAP_ROWS: usize = 12;

/// The map of a step in a 2-D layer (see [`map`]) from line `y`, in at most `rows`
/// lines; returns the line after the gap that follows (`y` when there is no map).
fn draw_map(
    out: &mut impl Write,
    ex: &Explainer,
    walk: &Walk,
    (mut y, rows): (u16, usize),
    w: usize,
    opts: &Options,
) -> io::Result<u16> {
    let key = ex.entries()[walk.at].key;
    let known = &ex.entries()[..walk.visible()];
    let lines = map::lines(ex, key, known, w, rows, opts);
    if lines.is_empty() {
        return Ok(y);
    }
    for line in lines {
        queue!(out, cursor::MoveTo(0, y))?;
        let mut left = w;
        for (text, mark) in line {
            let piece = clip(&crate::text::terminal_safe(&text), left);
            left = left.saturating_sub(piece.chars().count());
            match mark {
                map::Mark::Plain => queue!(out, Print(piece))?,
                map::Mark::Current => queue!(
                    out,
                    SetForegroundColor(ink(opts, Color::Yellow)),
                    SetAttribute(Attribute::Reverse),
                    SetAttribute(Attribute::Bold),
                    Print(piece),
                    SetAttribute(Attribute::Reset),
                    ResetColor
                )?,
                map::Mark::Source => queue!(
                    out,
                    SetForegroundColor(ink(opts, Color::Cyan)),
                    SetAttribute(Attribute::Bold),
                    Print(piece),
                    SetAttribute(Attribute::Reset),
                    ResetColor
                )?,
            }
        }
        y += 1;
    }
    Ok(y + 1)
}

/// Where the step stands (phase and layer) in bold cyan at line `y`; returns the line
/// after the gap that follows.
fn draw_heading(
    out: &mut impl Write,
    heading: &str,
    y: u16,
    w: usize,
    opts: &Options,
) -> io::Result<u16> {
    queue!(
        out,
        cursor::MoveTo(0, y),
        SetForegroundColor(ink(opts, Color::Cyan)),
        SetAttribute(Attribute::Bold),
        Print(clip(&crate::text::terminal_safe(heading), w)),
        SetAttribute(Attribute::Reset),
        ResetColor
    )?;
    Ok(y + 2)
}

/// The bottom lines, dimmed, from line `footer`.
fn draw_bottom(out: &mut impl Write, bottom: &[String], footer: u16) -> io::Result<()> {
    for (i, line) in bottom.iter().enumerate() {
        queue!(
            out,
            cursor::MoveTo(0, footer + i as u16),
            SetAttribute(Attribute::Dim),
            Print(line),
            SetAttribute(Attribute::Reset)
        )?;
    }
    Ok(())
}

/// The bottom lines (at most three): the layer being typed after `g` with the names it
/// takes, a message, or the keys.
/// Under `--ascii` the layers' names and what was typed stay as written.
fn bottom_lines(ex: &Explainer, walk: &Walk, w: usize, opts: &Options) -> Vec<String> {
    let names = layer_names(ex);
    let text = match (&walk.jump, &walk.message) {
        (Some(typed), _) => format!(
            "jump to layer ({}): {typed}_   (Enter to go, Esc to cancel)",
            names.join(", ")
        ),
        (None, Some(message)) => message.clone(),
        (None, None) => "Enter/Space/→ next · ← back · PgDn/PgUp layer · t table · m map · g jump · f numbers · ? keys · q quit".into(),
    };
    let mut keep: Vec<&str> = names.iter().map(String::as_str).collect();
    keep.extend(walk.jump.as_deref());
    let mut lines = wrap(&opts.text_keeping(&text, &keep), w);
    if lines.len() > 3 {
        lines.drain(..lines.len() - 3);
    }
    lines
}

/// The top line: the title, the "numbers hidden" marker while they are, the step counter.
fn header(
    out: &mut impl Write,
    title: &str,
    walk: &Walk,
    count: usize,
    w: usize,
    opts: &Options,
) -> io::Result<()> {
    let counter = format!("step {}/{}", walk.at + 1, count);
    let marker = if walk.numbers {
        String::new()
    } else {
        " NUMBERS HIDDEN (f shows them) ".to_string()
    };
    let head = opts.text(&format!("nntrace walk · {title}"));
    let room = w.saturating_sub(counter.len() + marker.chars().count() + 2);
    queue!(
        out,
        SetAttribute(Attribute::Bold),
        Print(clip(&head, room)),
        SetAttribute(Attribute::Reset)
    )?;
    let right = w.saturating_sub(counter.len());
    if !marker.is_empty() {
        let x = right.saturating_sub(marker.chars().count() + 1);
        queue!(
            out,
            cursor::MoveTo(x as u16, 0),
            SetAttribute(Attribute::Reverse),
            SetForegroundColor(ink(opts, Color::Yellow)),
            Print(&marker),
            SetAttribute(Attribute::Reset),
            ResetColor
        )?;
    }
    queue!(out, cursor::MoveTo(right as u16, 0), Print(&counter))
}

/// One line of the strip; the current layer's name in bold yellow.
fn draw_strip_line(
    out: &mut impl Write,
    line: &strip::Line,
    y: u16,
    w: usize,
    opts: &Options,
) -> io::Result<()> {
    queue!(out, cursor::MoveTo(0, y))?;
    let mut left = w;
    for (text, here) in line {
        let piece = clip(text, left);
        left = left.saturating_sub(piece.chars().count());
        if *here {
            queue!(
                out,
                SetForegroundColor(ink(opts, Color::Yellow)),
                SetAttribute(Attribute::Bold),
                Print(piece),
                SetAttribute(Attribute::Reset),
                ResetColor
            )?;
        } else {
            queue!(out, Print(piece))?;
        }
    }
    Ok(())
}

/// One step: what it is, its formula, its numbers (or that they are hidden), its reasoning,
/// between the lines `rows.0` and `rows.1`.
fn draw_step(
    out: &mut impl Write,
    step: &Step,
    numbers: bool,
    (mut y, end): (u16, u16),
    w: usize,
    opts: &Options,
) -> io::Result<()> {
    for line in lines(step, numbers) {
        let text = opts.text_keeping(&line.text, &[&step.row.id]);
        for piece in wrap(&text, w.saturating_sub(2)) {
            if y >= end {
                return Ok(());
            }
            queue!(out, cursor::MoveTo(2, y))?;
            match line.look {
                Look::Strong => queue!(
                    out,
                    SetAttribute(Attribute::Bold),
                    Print(piece),
                    SetAttribute(Attribute::Reset)
                )?,
                Look::Hidden => queue!(
                    out,
                    SetForegroundColor(ink(opts, Color::Yellow)),
                    Print(piece),
                    ResetColor
                )?,
                Look::Plain => queue!(out, Print(piece))?,
            }
            y += 1;
        }
    }
    Ok(())
}

/// `t`: the step's whole table, as many lines as fit, then how many are left out.
fn draw_whole_table(
    out: &mut impl Write,
    ex: &Explainer,
    steps: &[Step],
    walk: &Walk,
    (mut y, end): (u16, u16),
    w: usize,
    opts: &Options,
) -> io::Result<()> {
    let (first, last) = table::range(steps, walk.at);
    let about = format!(
        "the whole table: steps {} to {}{}",
        first + 1,
        last + 1,
        if walk.numbers { "" } else { ", numbers hidden" }
    );
    queue!(
        out,
        cursor::MoveTo(2, y),
        Print(clip(&opts.text(&about), w - 2))
    )?;
    y += 1;
    let rows = table::lines(ex, steps, walk.at, walk.numbers, w.saturating_sub(2), opts);
    let room = usize::from(end.saturating_sub(y));
    let cut = rows.len() > room;
    let shown = if cut {
        room.saturating_sub(1)
    } else {
        rows.len()
    };
    for line in &rows[..shown] {
        queue!(out, cursor::MoveTo(2, y), Print(clip(line, w - 2)))?;
        y += 1;
    }
    if cut {
        let more = format!(
            "… {} more lines: enlarge the terminal, or step through with Enter",
            rows.len() - shown
        );
        queue!(
            out,
            cursor::MoveTo(2, y),
            Print(clip(&opts.text(&more), w - 2))
        )?;
    }
    Ok(())
}

/// A colour, or the terminal's own when colour is off (`--color never`, `NO_COLOR`).
fn ink(opts: &Options, colour: Color) -> Color {
    if opts.color { colour } else { Color::Reset }
}

/// The names `g` takes: the stages of the strip.
fn layer_names(ex: &Explainer) -> Vec<String> {
    strip(ex, 0).into_iter().map(|(name, _)| name).collect()
}

fn help(out: &mut impl Write, width: u16, height: u16, opts: &Options) -> io::Result<()> {
    let keys = [
        "Keys",
        "",
        "Enter, Space, →   next step",
        "←                 previous step",
        "PgDn / PgUp       next / previous layer",
        "t                 the whole table at once (again: the next table)",
        "m                 a 2-D map at a time: to its last cell (again: the next map)",
        "g NAME Enter      jump to a layer (again: its next table)",
        "f                 hide / show the numbers (work them out first)",
        "?                 this help (Esc closes it)",
        "q, Esc, Ctrl-C    quit",
    ];
    let top = (height.saturating_sub(keys.len() as u16 + 2)) / 2;
    let left = width.saturating_sub(66) / 2;
    for (i, k) in keys.iter().enumerate() {
        let text = if opts.ascii {
            asciify(k)
        } else {
            k.to_string()
        };
        queue!(
            out,
            cursor::MoveTo(left, top + i as u16),
            SetAttribute(Attribute::Reverse),
            Print(format!(" {text:<64} ")),
            SetAttribute(Attribute::Reset)
        )?;
    }
    Ok(())
}

fn clip(text: &str, width: usize) -> String {
    crate::text::clip(text, width).into_owned()
}

/// Breaks a line into pieces at most `width` characters, between words where it can.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(8);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while line.chars().count() > width {
            let head: String = line.chars().take(width).collect();
            line = line.chars().skip(width).collect();
            out.push(head);
        }
    }
    out.push(line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(walk: &mut Walk, code: KeyCode, sections: &[usize], layers: &[&str]) {
        walk.key(KeyEvent::new(code, KeyModifiers::NONE), sections, layers);
    }

    #[test]
    fn m_takes_a_map_at_a_time() {
        let (sections, layers) = (vec![0; 7], vec!["conv"; 7]);
        // A weight, a map of three cells, a map of two, a step of its own.
        let mut w = Walk::new(7).with_grids(vec![0, 1, 1, 1, 2, 2, 3]);
        press(&mut w, KeyCode::Char('m'), &sections, &layers);
        assert_eq!(w.at, 3, "from the weight to the first map's last cell");
        press(&mut w, KeyCode::Char('m'), &sections, &layers);
        assert_eq!(w.at, 5, "the next map");
        press(&mut w, KeyCode::Left, &sections, &layers);
        press(&mut w, KeyCode::Char('m'), &sections, &layers);
        assert_eq!(w.at, 5, "from within a map, to its end");
        press(&mut w, KeyCode::Char('m'), &sections, &layers);
        press(&mut w, KeyCode::Char('m'), &sections, &layers);
        assert_eq!(w.at, 6, "stops at the last step");
    }

    #[test]
    fn keys_move_through_steps_and_layers() {
        let sections = [0, 0, 1, 1, 1, 2];
        let layers = ["input", "input", "conv", "conv", "conv", "relu"];
        let mut w = Walk::new(6);
        press(&mut w, KeyCode::Right, &sections, &layers);
        assert_eq!(w.at, 1);
        press(&mut w, KeyCode::PageDown, &sections, &layers);
        assert_eq!(w.at, 2);
        press(&mut w, KeyCode::PageDown, &sections, &layers);
        assert_eq!(w.at, 5);
        press(&mut w, KeyCode::Enter, &sections, &layers);
        assert_eq!(w.at, 5, "the last step stays");
        press(&mut w, KeyCode::PageUp, &sections, &layers);
        assert_eq!(w.at, 2, "back to the start of the previous layer");
        press(&mut w, KeyCode::Char('g'), &sections, &layers);
        for c in "relu".chars() {
            press(&mut w, KeyCode::Char(c), &sections, &layers);
        }
        press(&mut w, KeyCode::Enter, &sections, &layers);
        assert_eq!(w.at, 5);
        press(&mut w, KeyCode::Char('g'), &sections, &layers);
        press(&mut w, KeyCode::Char('x'), &sections, &layers);
        press(&mut w, KeyCode::Enter, &sections, &layers);
        assert_eq!(
            w.message.as_deref(),
            Some("no layer named `x`; the layers: input, conv, relu")
        );
        press(&mut w, KeyCode::Char('g'), &sections, &layers);
        for c in "rleu".chars() {
            press(&mut w, KeyCode::Char(c), &sections, &layers);
        }
        press(&mut w, KeyCode::Enter, &sections, &layers);
        assert_eq!(
            w.message.as_deref(),
            Some("no layer named `rleu`; did you mean `relu`? the layers: input, conv, relu")
        );
        assert!(matches!(
            w.key(
                KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
                &sections,
                &layers
            ),
            Action::Quit
        ));
    }

    #[test]
    fn esc_closes_the_help_and_t_takes_whole_tables() {
        let sections = [0, 0, 1, 1, 1, 1, 2];
        let layers = ["input", "input", "conv", "conv", "conv", "conv", "relu"];
        let mut w = Walk::new(7).with_tables(vec![0, 0, 1, 1, 2, 2, 3]);
        press(&mut w, KeyCode::Char('?'), &sections, &layers);
        assert!(w.help);
        assert!(matches!(
            w.key(
                KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
                &sections,
                &layers
            ),
            Action::Stay
        ));
        assert!(!w.help, "Esc closes the help, the walk goes on");
        press(&mut w, KeyCode::Char('t'), &sections, &layers);
        assert_eq!(
            (w.at, w.whole_table),
            (1, true),
            "the end of the first table"
        );
        press(&mut w, KeyCode::Char('t'), &sections, &layers);
        assert_eq!((w.at, w.whole_table), (3, true), "again: the next table");
        press(&mut w, KeyCode::Enter, &sections, &layers);
        assert_eq!((w.at, w.whole_table), (4, false), "Enter: one step again");
    }

    #[test]
    fn hidden_numbers_show_only_what_was_revealed() {
        let (sections, layers) = ([0; 5], ["input"; 5]);
        let mut w = Walk::new(5);
        press(&mut w, KeyCode::Right, &sections, &layers);
        assert_eq!(w.visible(), 2);
        press(&mut w, KeyCode::Char('f'), &sections, &layers);
        assert_eq!(w.visible(), 1, "not the current step");
        press(&mut w, KeyCode::Right, &sections, &layers);
        press(&mut w, KeyCode::Right, &sections, &layers);
        assert_eq!(w.visible(), 2, "nothing new while hidden");
        press(&mut w, KeyCode::Char('f'), &sections, &layers);
        assert_eq!(w.visible(), 4);
    }

    /// The looks of a step's lines, by the step's id.
    fn looks(id: &str, numbers: bool) -> Vec<(Look, String)> {
        let s = crate::scenario::load("seesaw-cnn").unwrap();
        let t = s.trace(s.pattern, crate::trace::Policy::default());
        let ex = s.explainer(s.pattern, &t);
        let steps = steps(&ex, 6);
        let step = steps.iter().find(|s| s.row.id == id).unwrap();
        lines(step, numbers)
            .into_iter()
            .map(|l| (l.look, l.text))
            .collect()
    }

    #[test]
    fn a_step_says_how_each_line_is_drawn() {
        use Look::{Hidden, Plain, Strong};
        let kinds = |lines: &[(Look, String)]| lines.iter().map(|l| l.0).collect::<Vec<_>>();
        let shown = looks("relu.grad.r1", true);
        assert_eq!(
            kinds(&shown),
            [Strong, Plain, Plain, Strong, Plain, Plain, Plain]
        );
        assert_eq!(shown[3].1, "= −0.00365309");
        let hidden = looks("relu.grad.r1", false);
        assert_eq!(kinds(&hidden[..3]), [Strong, Plain, Hidden]);
        assert_eq!(hidden[1].1, "= ?   (r1 is in A's window)");
        assert_eq!(hidden[2].1, HIDDEN_LINE);
        let given = looks("input.out.In1", true);
        assert_eq!(kinds(&given[..2]), [Strong, Plain]);
        assert!(given[1].1.ends_with(" (given)"), "{given:?}");
        assert!(!kinds(&given[1..]).contains(&Strong), "{given:?}");
    }

    #[test]
    fn wrapping_keeps_words_and_width() {
        assert_eq!(wrap("aaaa bbbb cccc", 9), vec!["aaaa bbbb", "cccc"]);
        assert!(
            wrap(&"x".repeat(30), 10)
                .iter()
                .all(|l| l.chars().count() <= 10)
        );
    }
}
