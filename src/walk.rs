//! `nntrace walk`: the trace revealed one quantity at a time in the terminal, the way the
//! slides walk through the network ("We are here."). The walk itself — which step, what
//! a key does — is plain state; drawing and the terminal are at the edges.

use crate::network::{Explainer, Layer};
use crate::render::{Options, Row, asciify, place, row, strip};
use crate::trace::{Kind, LOSS_LAYER, LayerId, Phase};
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::style::{Attribute, Color, Print, ResetColor, SetAttribute, SetForegroundColor};
use crossterm::{cursor, execute, queue, terminal};
use std::io::{self, Write};

/// The smallest terminal the walk draws in.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// One step: one quantity, explained.
pub struct Step {
    pub row: Row,
    pub phase: Phase,
    pub layer: LayerId,
    /// Which table of the trace it belongs to (a layer in a phase).
    pub section: usize,
    pub heading: String,
    /// A line of plain language, after the slides' reasoning.
    pub why: String,
}

pub fn steps(ex: &Explainer, digits: usize) -> Vec<Step> {
    let mut section = 0;
    let mut last = None;
    ex.entries()
        .iter()
        .map(|e| {
            let group = e.key.section();
            let phase = group.0;
            if last.is_some_and(|l| l != group) {
                section += 1;
            }
            last = Some(group);
            let heading = place(ex.net, group);
            Step {
                row: row(ex, e, digits),
                phase,
                layer: e.key.layer,
                section,
                heading,
                why: why(ex, e.key),
            }
        })
        .collect()
}

/// The reasoning of a step in the slides' words.
fn why(ex: &Explainer, key: crate::trace::Key) -> String {
    let layer = ex.net.layer(key.layer);
    let last = key.layer as usize == ex.net.layers.len();
    // The layer that consumes this one's outputs (and computed their gradients).
    let above = ex.net.layer(key.layer.saturating_add(1));
    let text = match (key.kind, layer) {
        (Kind::Out, None) if key.layer != LOSS_LAYER => "The training pattern enters the network.",
        (Kind::W, _) => {
            "The weights stay as they are until the very end: every Δw is computed with these."
        }
        (Kind::Out, Some(Layer::Conv1d(_))) => {
            "Each neuron of the convolution applies the same shared filter to its own window of the input."
        }
        (Kind::Out, Some(Layer::Relu(_))) => "ReLU(x) = max(0, x): it filters out negative values.",
        (Kind::Out, Some(Layer::MaxPool1d(_))) => {
            "Each neuron in the pooling layer just pools the maximum value of its window."
        }
        (Kind::Net, _) => "Each node sums its inputs, each times the weight of its edge.",
        (Kind::Out, Some(Layer::Dense(d)))
            if d.activation == crate::network::Activation::Softmax =>
        {
            "Softmax turns the scores into probabilities that add up to 1."
        }
        (Kind::Out, Some(Layer::Dense(_))) => {
            "The activation function turns the node's sum into its output."
        }
        (Kind::Loss, _) => {
            "The data loss of this pattern: how far the prediction is from the target."
        }
        (Kind::LossLog10, _) => {
            "The same loss with log base 10 (L_i / ln 10), the figure some slides quote."
        }
        (Kind::LossTotal, _) => {
            "Loss = data loss + regularization ½λΣw²: the model should also be simple."
        }
        (Kind::Delta, _) if last && ex.setup.loss.gives_delta() => {
            if ex.pattern.class == Some(key.index as usize) {
                "For the target, ∂L_i/∂f_target = p_target − 1: only the target gets −1."
            } else {
                "For any other output, ∂L_i/∂f = p: the other p's remain unchanged."
            }
        }
        (Kind::Grad, _) if last => "The loss tells each output which way to move: ∂L_i/∂(output).",
        (Kind::Grad, _) if matches!(above, Some(Layer::MaxPool1d(_))) => {
            "The gradient flows only through the input that held the maximum; the others get 0."
        }
        (Kind::Grad, _) if matches!(above, Some(Layer::Relu(_))) => {
            "Collect ∂L_i/∂f from the pooling layer and the layers above."
        }
        (Kind::Grad, _) if matches!(above, Some(Layer::Dense(_))) => {
            "Collect ∂L_i/∂f from the layer above that backpropagates to this node: Σ(∂L_i/∂f · w)."
        }
        (Kind::Grad, _) => "The gradient flows back from the layer above.",
        (Kind::Dact, Some(Layer::Relu(_))) => {
            if ex.setup.conventions.relu_passes_zero {
                "The gradient flows through the ReLU where its input was positive or zero; otherwise it is 0."
            } else {
                "The gradient flows through the ReLU only where its input was positive; otherwise it is 0."
            }
        }
        (Kind::Dact, _) => {
            "Chain rule: multiply by the derivative of the activation (for a sigmoid f(1 − f))."
        }
        (Kind::Delta, _) => "∂L_i/∂I = ∂L_i/∂f · f′(I): the gradient of the node's sum.",
        (Kind::Contrib, _) => {
            "The filter is shared, so every position adds a term ∂L_i/∂f_k · In to the weight's gradient."
        }
        (Kind::Wgrad, Some(Layer::Conv1d(_))) => {
            "Sum all the terms together: the shared weight's gradient."
        }
        (Kind::Wgrad, _) => {
            "Chain rule: ∂L_i/∂w = ∂L_i/∂(node's sum) · the input the weight multiplies."
        }
        (Kind::Dw, _) => {
            "Calculate Δw = −α(∂L_i/∂w + λw), but do not update the weight: hold it until the last step."
        }
        (Kind::New, _) => {
            "Add the corresponding Δw to every weight; then the next pattern comes in."
        }
        _ => "",
    };
    text.to_string()
}

/// Without a terminal: every step in order, as plain text.
pub fn print_all(steps: &[Step], opts: &Options) -> String {
    let mut out = String::new();
    for (i, s) in steps.iter().enumerate() {
        out.push_str(&format!("step {}/{} · {}\n", i + 1, steps.len(), s.heading));
        for line in lines(s, true) {
            out.push_str(&if line.is_empty() {
                "\n".to_string()
            } else {
                format!("  {line}\n")
            });
        }
        out.push('\n');
    }
    opts.text(&out)
}

/// The lines that reveal a step: what it is, the formula, the numbers, the result.
fn lines(s: &Step, numbers: bool) -> Vec<String> {
    let r = &s.row;
    let mut out = vec![format!("{}   {}", r.id, r.symbol)];
    match &r.formula {
        Some(f) => {
            out.push(format!("= {f}"));
            if numbers {
                out.push(format!("= {}", r.substituted));
                out.push(format!("= {}", r.shown_value));
            }
        }
        None => out.push(format!("= {} (given)", r.substituted)),
    }
    if numbers && let Some(note) = &r.note {
        out.push(format!("({note})"));
    }
    if !s.why.is_empty() {
        out.push(String::new());
        out.push(s.why.clone());
    }
    out
}

/// What the walk is showing.
pub struct Walk {
    pub at: usize,
    pub count: usize,
    /// Whether the numbers and the result are shown (`f` hides them: work them out first).
    pub numbers: bool,
    pub help: bool,
    /// The layer name being typed after `g`.
    pub jump: Option<String>,
    pub message: Option<String>,
}

pub enum Action {
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
        }
    }

    /// What a key does. `sections[i]` is step i's section; `layers[i]` its layer's name.
    pub fn key(&mut self, key: KeyEvent, sections: &[usize], layers: &[&str]) -> Action {
        self.message = None;
        if let Some(typed) = &mut self.jump {
            match key.code {
                KeyCode::Enter => {
                    let name = typed.clone();
                    self.jump = None;
                    match layers.iter().position(|l| *l == name) {
                        Some(at) => self.at = at,
                        None => self.message = Some(format!("no layer named `{name}`")),
                    }
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
            KeyCode::Char('f') => self.numbers = !self.numbers,
            KeyCode::Char('?') => self.help = !self.help,
            _ => {}
        }
        Action::Stay
    }
}

/// Puts the terminal back however the walk ends: normally, on an error, or by a panic.
struct Screen;

impl Screen {
    fn enter() -> io::Result<Screen> {
        terminal::enable_raw_mode()?;
        let screen = Screen;
        execute!(io::stdout(), terminal::EnterAlternateScreen, cursor::Hide)?;
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
        Ok(screen)
    }
}

fn restore() {
    let _ = execute!(io::stdout(), cursor::Show, terminal::LeaveAlternateScreen);
    let _ = terminal::disable_raw_mode();
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
    }
}

/// Runs the walk in the terminal until `q`.
pub fn run(ex: &Explainer, title: &str, steps: &[Step], opts: &Options) -> io::Result<()> {
    let _screen = Screen::enter()?;
    let sections: Vec<usize> = steps.iter().map(|s| s.section).collect();
    let layers: Vec<&str> = steps.iter().map(|s| ex.net.layer_name(s.layer)).collect();
    let mut walk = Walk::new(steps.len());
    loop {
        draw(&mut io::stdout(), ex, title, steps, &walk, opts)?;
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
    let t = |s: &str| {
        let safe = crate::text::terminal_safe(s);
        if opts.ascii {
            asciify(&safe)
        } else {
            safe.into_owned()
        }
    };
    if width < MIN_WIDTH || height < MIN_HEIGHT {
        let msg = format!(
            "The terminal is too small: {width}×{height}. The walk needs {MIN_WIDTH}×{MIN_HEIGHT}; enlarge it, or press q."
        );
        for (i, line) in wrap(&t(&msg), width.max(10) as usize).iter().enumerate() {
            queue!(out, cursor::MoveTo(0, i as u16), Print(line))?;
        }
        return out.flush();
    }
    let w = width as usize;
    let step = &steps[walk.at];
    let counter = format!("step {}/{}", walk.at + 1, steps.len());
    let head = t(&format!("nntrace walk · {title}"));
    queue!(
        out,
        SetAttribute(Attribute::Bold),
        Print(clip(&head, w.saturating_sub(counter.len() + 1))),
        SetAttribute(Attribute::Reset)
    )?;
    queue!(
        out,
        cursor::MoveTo((width as usize - counter.len()) as u16, 0),
        Print(&counter)
    )?;
    let known = &ex.entries()[..=walk.at];
    let mut y = 2u16;
    for (i, line) in strip_lines(ex, step.layer, known, opts).iter().enumerate() {
        queue!(out, cursor::MoveTo(0, y))?;
        if i == 1 {
            for (text, here) in line_parts(line) {
                if here {
                    queue!(
                        out,
                        SetForegroundColor(Color::Yellow),
                        SetAttribute(Attribute::Bold),
                        Print(clip(&text, w)),
                        SetAttribute(Attribute::Reset),
                        ResetColor
                    )?;
                } else {
                    queue!(out, Print(clip(&text, w)))?;
                }
            }
        } else {
            let color = if i == 0 { Color::Reset } else { Color::Blue };
            queue!(
                out,
                SetForegroundColor(color),
                Print(clip(line, w)),
                ResetColor
            )?;
        }
        y += 1;
    }
    queue!(
        out,
        cursor::MoveTo(0, y),
        Print(
            "─"
                .repeat(w)
                .replace('─', if opts.ascii { "-" } else { "─" })
        )
    )?;
    y += 2;
    queue!(
        out,
        cursor::MoveTo(0, y),
        SetForegroundColor(Color::Cyan),
        SetAttribute(Attribute::Bold),
        Print(clip(&t(&step.heading), w)),
        SetAttribute(Attribute::Reset),
        ResetColor
    )?;
    y += 2;
    let footer = height - 1;
    for (i, line) in lines(step, walk.numbers).iter().enumerate() {
        for piece in wrap(&t(line), w.saturating_sub(2)) {
            if y >= footer - 1 {
                break;
            }
            let bold = i == 0 || (walk.numbers && line.starts_with("= ") && i == 3);
            queue!(out, cursor::MoveTo(2, y))?;
            if bold {
                queue!(
                    out,
                    SetAttribute(Attribute::Bold),
                    Print(piece),
                    SetAttribute(Attribute::Reset)
                )?;
            } else {
                queue!(out, Print(piece))?;
            }
            y += 1;
        }
    }
    if walk.help {
        help(out, width, height, opts)?;
    }
    let bottom = match (&walk.jump, &walk.message) {
        (Some(typed), _) => format!("jump to layer: {typed}_   (Enter to go, Esc to cancel)"),
        (None, Some(message)) => message.clone(),
        (None, None) => t(
            "Enter/Space/→ next · ← back · PgDn/PgUp layer · g jump · f numbers · ? keys · q quit",
        ),
    };
    queue!(
        out,
        cursor::MoveTo(0, footer),
        SetAttribute(Attribute::Dim),
        Print(clip(&bottom, w)),
        SetAttribute(Attribute::Reset)
    )?;
    out.flush()
}

fn help(out: &mut impl Write, width: u16, height: u16, opts: &Options) -> io::Result<()> {
    let keys = [
        "Keys",
        "",
        "Enter, Space, →   next step",
        "←                 previous step",
        "PgDn / PgUp       next / previous layer",
        "g NAME Enter      jump to a layer",
        "f                 hide / show the numbers (work them out first)",
        "?                 this help",
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

/// The strip of layers: known output values above each name, known gradients below.
fn strip_lines(
    ex: &Explainer,
    current: LayerId,
    known: &[crate::trace::Entry],
    opts: &Options,
) -> [String; 3] {
    let mut lines = [String::new(), String::new(), String::new()];
    let sep = if opts.ascii { " -> " } else { " ▸ " };
    for (i, (name, here)) in strip(ex, current).into_iter().enumerate() {
        let id = match name.as_str() {
            "input" => 0,
            "loss" => LOSS_LAYER,
            _ => ex
                .net
                .layers
                .iter()
                .position(|l| l.name() == name)
                .map_or(0, |p| p as LayerId + 1),
        };
        let pick = |kinds: &[Kind]| -> String {
            let values: Vec<String> = known
                .iter()
                .filter(|e| e.key.layer == id && kinds.contains(&e.key.kind))
                .map(|e| crate::formula::number(e.value, 3))
                .collect();
            clip(&values.join(" "), 22)
        };
        let values = if id == LOSS_LAYER {
            pick(&[Kind::Loss])
        } else {
            pick(&[Kind::Out])
        };
        let grads = pick(&[Kind::Grad, Kind::Delta]);
        let name = clip(&name, 22);
        let label = if here {
            format!("[{name}]")
        } else {
            name.clone()
        };
        let width = [
            label.chars().count(),
            values.chars().count(),
            grads.chars().count(),
        ]
        .into_iter()
        .max()
        .unwrap_or(0);
        let pad = |s: &str| crate::text::pad(s, width);
        let lead = if i == 0 {
            String::new()
        } else {
            " ".repeat(sep.chars().count())
        };
        lines[0].push_str(&format!("{lead}{}", pad(&values)));
        lines[1].push_str(&format!(
            "{}{}",
            if i == 0 { "" } else { sep },
            if here {
                format!("\u{1}{}\u{2}", pad(&label))
            } else {
                pad(&label)
            }
        ));
        lines[2].push_str(&format!(
            "{lead}{}",
            pad(&if grads.is_empty() {
                String::new()
            } else {
                format!("∂ {grads}")
            })
        ));
    }
    lines.map(|l| if opts.ascii { asciify(&l) } else { l })
}

/// Splits the strip's name line into plain and highlighted parts (marked \u{1}…\u{2}).
fn line_parts(line: &str) -> Vec<(String, bool)> {
    let mut parts = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find('\u{1}') {
        parts.push((rest[..start].to_string(), false));
        let end = rest[start..]
            .find('\u{2}')
            .map_or(rest.len(), |e| start + e);
        parts.push((rest[start + 1..end].to_string(), true));
        rest = rest.get(end + 1..).unwrap_or("");
    }
    parts.push((rest.to_string(), false));
    parts
}

/// `text` shortened to `width` characters, ending in `…` when shortened.
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
        assert_eq!(w.message.as_deref(), Some("no layer named `x`"));
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
    fn wrapping_keeps_words_and_width() {
        assert_eq!(wrap("aaaa bbbb cccc", 9), vec!["aaaa bbbb", "cccc"]);
        assert!(
            wrap(&"x".repeat(30), 10)
                .iter()
                .all(|l| l.chars().count() <= 10)
        );
    }
}
