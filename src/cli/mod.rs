//! The command line: parses arguments, loads the scenario, runs the step, prints.

mod checking;
mod exercise;
mod training;

use crate::error::{Doing, Error, InputError, IoFailure, NonFinite};
use crate::network::Explainer;
use crate::output::Sink;
use crate::render::{self, Options};
use crate::scenario::{self, Scenario};
use crate::trace::{Policy, Trace};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;

#[derive(Parser, Debug)]
#[command(
    name = "nntrace",
    version,
    about = "Backpropagation made visible: every value and gradient of one training step, \
             worked the way a lecturer works it on the board."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour: auto (only on a terminal, never with NO_COLOR set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// Plain ASCII symbols (d instead of ∂, * instead of ·) for terminals without Unicode.
    #[arg(long, global = true)]
    pub ascii: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// One training pattern: forward pass, backward pass, held Δw, update; a table per layer.
    Trace {
        /// A scenario file, or the name of a built-in scenario (see `nntrace list`).
        scenario: String,
        #[command(flatten)]
        show: TraceShowArgs,
        #[command(flatten)]
        only: TraceArgs,
    },
    /// Judges a student's hand-calculated values: correct, consistent with an earlier
    /// error (carried forward), or wrong, with the mistake named.
    ///
    /// With several answers files (or a folder of them) after the scenario it judges a
    /// class: one line per file, the share who got each quantity right, the diagnoses by
    /// frequency; `--format csv` prints the gradebook.
    Check {
        /// [SCENARIO] ANSWERS...: a scenario file or built-in name (may be left out when a
        /// single answers file names it), then answers files or folders of them.
        #[arg(value_name = "SCENARIO] [ANSWERS", required = true, num_args = 1..)]
        files: Vec<String>,
        #[command(flatten)]
        show: ShowArgs,
    },
    /// Prints a blank answers file: every quantity id of the trace, values left empty.
    Template {
        /// A scenario file, or the name of a built-in scenario.
        scenario: String,
        /// Which row of the scenario's `data` (default: the scenario's `pattern`).
        #[arg(long)]
        pattern: Option<usize>,
    },
    /// The network drawn as on the slides, each node and edge labelled with its value and
    /// gradient, as an SVG file.
    Diagram {
        /// A scenario file, or the name of a built-in scenario.
        scenario: String,
        /// Where to write the SVG (`-` for standard output).
        #[arg(short, long, value_name = "FILE.svg")]
        output: String,
        /// Draw the state at this step of the trace (a quantity id, e.g. `hidden.delta.C`).
        #[arg(long, value_name = "ID")]
        step: Option<String>,
        /// Which row of the scenario's `data` (default: the scenario's `pattern`).
        #[arg(long)]
        pattern: Option<usize>,
        /// Significant digits shown.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=17))]
        digits: u8,
    },
    /// The trace revealed one step at a time in the terminal (Enter/Space/→ next, ← back,
    /// PgDn/PgUp layer, t whole table, g jump, f hide numbers, ? keys, q quit). Not a
    /// terminal: prints every step.
    Walk {
        /// A scenario file, or the name of a built-in scenario.
        scenario: String,
        /// Which row of the scenario's `data` (default: the scenario's `pattern`).
        #[arg(long)]
        pattern: Option<usize>,
        /// Significant digits shown.
        #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=17))]
        digits: u8,
        /// Hand-calculation mode: round every value to N significant digits before it is used.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=15))]
        round: Option<u8>,
    },
    /// Many epochs of stochastic gradient descent over the data set, exactly as traced;
    /// SSE per epoch, the stop rule, the final weights.
    Train {
        /// A scenario file, or the name of a built-in scenario.
        scenario: String,
        #[command(flatten)]
        run: TrainArgs,
        /// Print the full trace of one step, with the weights as they were then
        /// (EPOCH counts from 1, PATTERN from 0).
        #[arg(long, value_name = "EPOCH:PATTERN")]
        trace_at: Option<String>,
    },
    /// Trains each scenario and prints the lecture's closing table: architecture, SSE, epochs.
    Compare {
        /// Scenario files or built-in names.
        #[arg(required = true)]
        scenarios: Vec<String>,
        #[command(flatten)]
        run: TrainArgs,
        /// Put the lecture's published numbers beside each seesaw scenario.
        #[arg(long)]
        slides: bool,
    },
    /// A new exercise with hand-workable numbers: the scenario, a blank sheet, the key
    /// (Markdown and LaTeX) and the answers file for `check`.
    Generate(exercise::GenerateArgs),
    /// The trace's quantities as numerical questions for a learning platform (Moodle XML,
    /// GIFT, or QTI 1.2 for Canvas).
    Export(exercise::ExportArgs),
    /// The built-in scenarios, one line each.
    List,
}

/// Settings of a training run; each overrides the scenario's.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Epochs at most (the scenario's `train.epochs`, else 1000).
    #[arg(long)]
    pub epochs: Option<u64>,
    /// Stop once the sum of squared errors is below this (the scenario's, else 0.005).
    #[arg(long, value_name = "SSE")]
    pub stop_sse: Option<f64>,
    /// The learning rate α.
    #[arg(long, value_name = "ALPHA", allow_negative_numbers = true)]
    pub learning_rate: Option<f64>,
    /// The L2 strength λ.
    #[arg(long, value_name = "LAMBDA", allow_negative_numbers = true)]
    pub l2: Option<f64>,
    /// Write the SSE curve(s) as an SVG chart.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<String>,
    /// With --plot: a logarithmic SSE axis.
    #[arg(long)]
    pub log_scale: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RunFormat::Table)]
    pub format: RunFormat,
    /// Significant digits shown.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=17))]
    pub digits: u8,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// Which row of the scenario's `data` to follow (default: the scenario's `pattern`).
    #[arg(long)]
    pub pattern: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Significant digits shown.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=17))]
    pub digits: u8,
}

/// `trace`'s pattern, format and digits: the formats a trace is printed in.
#[derive(Args, Debug)]
pub struct TraceShowArgs {
    /// Which row of the scenario's `data` to follow (default: the scenario's `pattern`).
    #[arg(long)]
    pub pattern: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TraceFormat::Table)]
    pub format: TraceFormat,
    /// Significant digits shown.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=17))]
    pub digits: u8,
}

/// What `trace` prints (the class gradebook, `csv`, is `check`'s alone).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceFormat {
    Table,
    Json,
    /// A handout: GitHub-flavoured Markdown, formulas in inline math.
    Markdown,
    /// A handout: a complete LaTeX article (amsmath, booktabs).
    Latex,
    /// One self-contained web page: diagram, tables, step-through; works offline.
    Html,
}

impl From<TraceShowArgs> for ShowArgs {
    fn from(t: TraceShowArgs) -> ShowArgs {
        ShowArgs {
            pattern: t.pattern,
            format: match t.format {
                TraceFormat::Table => Format::Table,
                TraceFormat::Json => Format::Json,
                TraceFormat::Markdown => Format::Markdown,
                TraceFormat::Latex => Format::Latex,
                TraceFormat::Html => Format::Html,
            },
            digits: t.digits,
        }
    }
}

/// The options only `trace` takes: how the step is worked and which tables it prints.
#[derive(Args, Debug, Default)]
pub struct TraceArgs {
    /// Hand-calculation mode: round every value to N significant digits before the next
    /// step uses it, as a student with a calculator does.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=15))]
    pub round: Option<u8>,
    /// With --format markdown or latex: leave every computed result empty (an exercise sheet).
    #[arg(long)]
    pub blank: bool,
    /// Only the tables of one layer, or of one layer in one phase (forward, backward,
    /// update): `--only conv`, `--only conv.backward`, `--only update`.
    #[arg(long, value_name = "LAYER[.PHASE]")]
    pub only: Option<String>,
    /// One line per quantity (formula and numbers side by side), no rules between rows.
    #[arg(long)]
    pub compact: bool,
    /// Every row of every table. Without it, a layer's long run of one kind of quantity
    /// (more than 60) shows its first and last five and how many are left out.
    #[arg(long)]
    pub full: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    /// A handout: GitHub-flavoured Markdown, formulas in inline math.
    Markdown,
    /// A handout: a complete LaTeX article (amsmath, booktabs).
    Latex,
    /// The gradebook of a class (check with several answers files): one line per file.
    Csv,
    /// One self-contained web page: diagram, tables, step-through; works offline.
    Html,
}

/// What `train` and `compare` print.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunFormat {
    Table,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Colour only on a terminal, and never when NO_COLOR is set to anything non-empty.
    fn decide(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                !no_color && std::io::stdout().is_terminal()
            }
        }
    }
}

/// Quantities a traced step may record for `trace`'s tables (long runs summarised) and
/// JSON, which are written as they are produced (weights count four times: w, ∂L/∂w, Δw,
/// new w). A network of 10^6 weights fits.
pub(crate) const MAX_TRACED_QUANTITIES: usize = 5_000_000;
/// Quantities a traced step may record where every one is explained and held at once:
/// `--full` tables, handouts, the web page, walk, template, check, quizzes, the diagram.
pub(crate) const MAX_HELD_QUANTITIES: usize = 200_000;

/// What a traced step is for, which decides how large it may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Use {
    /// Written as it is produced: `trace`'s JSON, and its tables with long runs summarised.
    Streamed,
    /// Explained whole: `--full` tables, handouts, pages, walk, template, check, quizzes,
    /// the diagram.
    Held,
}

impl Use {
    fn limit(self) -> usize {
        match self {
            Use::Streamed => MAX_TRACED_QUANTITIES,
            Use::Held => MAX_HELD_QUANTITIES,
        }
    }
}
/// Terms the longest formula of a trace may have.
pub(crate) const MAX_FORMULA_TERMS: usize = 10_000;

/// How this process prints: decided once, from the command line and the terminal.
struct Terminal {
    color: bool,
    ascii: bool,
    width: usize,
}

impl Terminal {
    /// Colour as `--color` and `NO_COLOR` say (set once for the whole process), the
    /// width of the terminal or `COLUMNS`.
    fn decide(color: ColorChoice, ascii: bool) -> Terminal {
        let color = color.decide();
        colored::control::set_override(color);
        Terminal {
            color,
            ascii,
            width: width(),
        }
    }

    fn options(&self, digits: u8) -> Options {
        Options {
            digits: digits.into(),
            ascii: self.ascii,
            color: self.color,
            width: self.width,
        }
    }
}

/// Runs a parsed command line: one function per command. Returns the exit code; an
/// error is returned to `main`, which prints it once.
pub fn run(cli: Cli) -> Result<i32, Error> {
    let term = Terminal::decide(cli.color, cli.ascii);
    match cli.command {
        Command::Trace {
            scenario,
            show,
            only,
        } => trace_command(&scenario, show, &only, &term),
        Command::Check { files, show } => checking::run(&files, &show, &term.options(show.digits)),
        Command::Template { scenario, pattern } => template(&scenario, pattern, &term),
        Command::Diagram {
            scenario,
            output,
            step,
            pattern,
            digits,
        } => diagram(&scenario, &output, step.as_deref(), pattern, digits),
        Command::Walk {
            scenario,
            pattern,
            digits,
            round,
        } => walk(&scenario, pattern, round, &term.options(digits)),
        Command::Train {
            scenario,
            run,
            trace_at,
        } => train(&scenario, &run, trace_at.as_deref(), &term),
        Command::Compare {
            scenarios,
            run,
            slides,
        } => compare(&scenarios, &run, slides, &term),
        Command::Generate(args) => exercise::generate(&args),
        Command::Export(args) => exercise::export(&args),
        Command::List => list(&term),
    }
}

/// `nntrace trace`: the step of one pattern, printed in the format asked for.
fn trace_command(
    scenario: &str,
    show: TraceShowArgs,
    tables: &TraceArgs,
    term: &Terminal,
) -> Result<i32, Error> {
    let s = scenario::load(scenario)?;
    let opts = term.options(show.digits);
    trace(&s, &show.into(), tables, &opts, Sink::Stdout)
}

/// `nntrace template`: a blank answers file for one pattern.
fn template(scenario: &str, pattern: Option<usize>, term: &Terminal) -> Result<i32, Error> {
    let s = scenario::load(scenario)?;
    let pattern = pattern_index(&s, pattern)?;
    let t = traced(&s, pattern, Policy::default())?;
    let ex = s.explainer(pattern, &t);
    emit(&render::template::render(
        scenario,
        &s.name,
        pattern,
        &ex,
        &term.options(6),
    ))
}

/// `nntrace diagram`: the SVG drawing, at the end of the step or at `--step`; what was
/// left out of it is noted on stderr.
fn diagram(
    scenario: &str,
    output: &str,
    step: Option<&str>,
    pattern: Option<usize>,
    digits: u8,
) -> Result<i32, Error> {
    let s = scenario::load(scenario)?;
    let pattern = pattern_index(&s, pattern)?;
    let t = traced(&s, pattern, Policy::default())?;
    let ex = s.explainer(pattern, &t);
    let upto = step.map(|id| step_index(&ex, id)).transpose()?;
    let title = format!("{} · pattern {pattern}", s.name);
    let diagram = render::diagram::render(&ex, &title, upto, digits.into());
    for note in &diagram.notes {
        eprintln!("note: {}", crate::text::terminal_safe(note));
    }
    write_file(output, &diagram.svg)
}

/// `nntrace walk`: step by step in the terminal, or every step printed when stdout is
/// not one.
fn walk(
    scenario: &str,
    pattern: Option<usize>,
    round: Option<u8>,
    opts: &Options,
) -> Result<i32, Error> {
    let s = scenario::load(scenario)?;
    let pattern = pattern_index(&s, pattern)?;
    let policy = Policy {
        round: round.map(u32::from),
        ..Policy::default()
    };
    let t = traced(&s, pattern, policy)?;
    let ex = s.explainer(pattern, &t);
    let steps = crate::walk::steps(&ex, opts.digits);
    if !std::io::stdout().is_terminal() {
        return emit(&crate::walk::print_all(&steps, opts));
    }
    let title = format!("{} · pattern {pattern}", s.name);
    crate::walk::run(&ex, &title, &steps, opts)
        .map_err(|e| IoFailure::new(Doing::UsingTerminal, e))?;
    Ok(0)
}

/// `nntrace train`: the run, its summary or JSON, and the step asked for by `--trace-at`.
fn train(
    scenario: &str,
    run: &TrainArgs,
    trace_at: Option<&str>,
    term: &Terminal,
) -> Result<i32, Error> {
    let s = scenario::load(scenario)?;
    let (text, code) = training::train(&s, run, trace_at, &term.options(run.digits))?;
    emit(&text).map(|_| code)
}

/// `nntrace compare`: every scenario trained, the lecture's closing table.
fn compare(
    scenarios: &[String],
    run: &TrainArgs,
    slides: bool,
    term: &Terminal,
) -> Result<i32, Error> {
    let loaded = scenarios
        .iter()
        .map(|s| scenario::load(s))
        .collect::<Result<Vec<_>, _>>()?;
    let opts = term.options(run.digits);
    emit(&training::compare(&loaded, run, slides, &opts)?)
}

/// `nntrace list`: the built-in scenarios, one line each, the description wrapped.
fn list(term: &Terminal) -> Result<i32, Error> {
    let mut out = String::new();
    for s in scenario::builtins() {
        let line = format!("{:<20} {}", s.name, s.description);
        out.push_str(&render::table::fill(&line, term.width, &" ".repeat(21)));
    }
    emit(&out)
}

/// Writes the trace of one pattern in the requested format to `sink`. Tables and JSON are
/// written as they are produced.
pub(crate) fn trace(
    s: &Scenario,
    show: &ShowArgs,
    tables: &TraceArgs,
    opts: &Options,
    sink: Sink,
) -> Result<i32, Error> {
    let pattern = pattern_index(s, show.pattern)?;
    if show.format == Format::Csv {
        return Err(Error::Usage(
            "--format csv is the gradebook of `check` with several answers files; \
             trace prints table, json, markdown or latex"
                .into(),
        ));
    }
    if tables.blank && !matches!(show.format, Format::Markdown | Format::Latex) {
        return Err(Error::Usage(
            "--blank makes an exercise sheet: use it with --format markdown or latex".into(),
        ));
    }
    if tables.full && show.format != Format::Table {
        return Err(Error::Usage(
            "--full shows every row of the terminal tables: use it with --format table".into(),
        ));
    }
    if (tables.only.is_some() || tables.compact) && show.format != Format::Table {
        return Err(Error::Usage(
            "--only and --compact shape the terminal tables: use them with --format table".into(),
        ));
    }
    let view = render::table::View {
        compact: tables.compact,
        only: match &tables.only {
            Some(text) => Some(only(&s.network, text)?),
            None => None,
        },
        hidden: false,
        full: tables.full,
    };
    let round = tables.round.map(u32::from);
    let streamed = show.format == Format::Json || (show.format == Format::Table && !tables.full);
    let t = traced_for(
        s,
        pattern,
        Policy {
            round,
            ..Policy::default()
        },
        if streamed { Use::Streamed } else { Use::Held },
    )?;
    let ex = s.explainer(pattern, &t);
    if let (Some(only), Some(text)) = (view.only, &tables.only) {
        no_empty_choice(&ex, opts, only, text)?;
    }
    let text = match show.format {
        Format::Table => {
            return sink
                .write(|out| render::table::write(out, s, pattern, &ex, opts, round, &view))
                .map(|()| 0);
        }
        Format::Json => {
            return sink
                .write_escaped(|out| render::json::write(out, s, pattern, &ex, opts, round))
                .map(|()| 0);
        }
        Format::Csv => unreachable!("refused above"),
        Format::Markdown | Format::Latex => {
            let kind = if show.format == Format::Latex {
                render::handout::Kind::Latex
            } else {
                render::handout::Kind::Markdown
            };
            let handout = render::handout::Handout {
                kind,
                scenario: s,
                pattern,
                round,
                digits: opts.digits,
                blank: tables.blank,
            };
            handout.render(&ex)
        }
        Format::Html => render::html::trace_page(s, pattern, &ex, opts.digits, round),
    };
    sink.write(|out| out.write_all(text.as_bytes())).map(|()| 0)
}

/// One step traced to be held whole ([`Use::Held`]); see [`traced_for`].
pub(crate) fn traced(s: &Scenario, pattern: usize, policy: Policy) -> Result<Trace, Error> {
    traced_for(s, pattern, policy, Use::Held)
}

/// One step traced, refused before it runs when it would be too large for `what`, and
/// after when a quantity is not a finite number: the first one is named with its formula
/// and operands.
pub(crate) fn traced_for(
    s: &Scenario,
    pattern: usize,
    policy: Policy,
    what: Use,
) -> Result<Trace, Error> {
    traceable_for(s, what)?;
    let t = s.trace(pattern, policy);
    let Some(entry) = t.entries.iter().find(|e| !e.value.is_finite()) else {
        return Ok(t);
    };
    let row = render::row(&s.explainer(pattern, &t), entry, 6);
    Err(Error::NonFinite(Box::new(NonFinite {
        scenario: s.source.clone(),
        pattern,
        id: row.id,
        value: row.value,
        symbol: row.symbol,
        formula: row.formula,
        substituted: row.substituted,
    })))
}

/// Refuses, before anything is allocated, a network whose trace would be too large to
/// hold whole ([`Use::Held`]); see [`traceable_for`].
pub(crate) fn traceable(s: &Scenario) -> Result<(), InputError> {
    traceable_for(s, Use::Held)
}

/// Refuses, before anything is allocated, a network whose trace would be too large for
/// `what`: too many quantities (counted from the shapes alone: parameters, nodes,
/// filters × positions × kernel), or a formula too long. The message names the layer
/// that records the most and says what to do.
pub(crate) fn traceable_for(s: &Scenario, what: Use) -> Result<(), InputError> {
    let size = s.network.trace_size();
    let fail = |layer: usize, message: String, help: String| {
        Err(InputError::at_path(&s.source, format!("layers[{layer}]"), message).help(help))
    };
    let limit = what.limit();
    if size.quantities > limit {
        let layer = &s.network.layers[size.most_quantities];
        let smaller = "make the network smaller to trace it (fewer units, filters or \
                       positions, a shorter kernel, a longer stride); `nntrace train` trains \
                       networks of any size without a trace";
        let help = match what {
            Use::Streamed => smaller.to_string(),
            Use::Held => format!(
                "`nntrace trace` prints the tables (with long runs summarised) and JSON of up \
                 to {MAX_TRACED_QUANTITIES}; or {smaller}"
            ),
        };
        return fail(
            size.most_quantities,
            format!(
                "a traced step of this network records about {} quantities, {} of them in \
                 this layer ({}); at most {limit} are traced{}",
                size.quantities,
                layer.quantities(),
                layer.describe(),
                match what {
                    Use::Streamed => "",
                    Use::Held => " where every quantity is held at once",
                }
            ),
            help,
        );
    }
    if size.widest_formula > MAX_FORMULA_TERMS {
        return fail(
            size.widest_layer,
            format!(
                "this layer's longest formula has {} terms; traced formulas have at most \
                 {MAX_FORMULA_TERMS}",
                size.widest_formula
            ),
            "make the layer narrower to trace it; `nntrace train` trains networks of any \
             size without a trace"
                .into(),
        );
    }
    Ok(())
}

pub(crate) fn pretty(value: &serde_json::Value) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(value).expect("JSON of plain values")
    )
}

/// The width to fit tables to: the terminal's when stdout is one, else `COLUMNS`, else
/// 100; never under 40.
fn width() -> usize {
    let terminal = std::io::stdout()
        .is_terminal()
        .then(crossterm::terminal::size)
        .and_then(Result::ok)
        .map(|(w, _)| usize::from(w))
        .filter(|&w| w > 0);
    let columns = || {
        std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|&w| w > 0)
    };
    terminal
        .or_else(columns)
        .unwrap_or(render::DEFAULT_WIDTH)
        .max(render::MIN_WIDTH)
}

/// `--only LAYER[.PHASE]` read against the network's layer names (`input` and `loss`
/// included; `update` alone is the whole update table).
fn only(net: &crate::network::Network, text: &str) -> Result<render::table::Only, Error> {
    use crate::trace::{LOSS_LAYER, Phase};
    let phases = [Phase::Forward, Phase::Backward, Phase::Update];
    let (name, phase) = match text.rsplit_once('.') {
        Some((name, phase)) => match phases.iter().find(|p| p.as_str() == phase) {
            Some(&p) => (name, Some(p)),
            None => {
                return Err(Error::Usage(format!(
                    "--only {text}: `{phase}` is not a phase; the phases are forward, backward and update"
                )));
            }
        },
        None => (text, None),
    };
    let mut layers = vec!["input"];
    layers.extend(net.layers.iter().map(|l| l.name()));
    layers.push("loss");
    let layer = match layers.iter().position(|&l| l == name) {
        Some(0) => Some(0),
        Some(p) if p == layers.len() - 1 => Some(LOSS_LAYER),
        Some(p) => Some(p as crate::trace::LayerId),
        None if name == "update" && phase.is_none() => None,
        None => {
            let hint = match crate::error::nearest(name, layers.iter().copied()) {
                Some(near) => format!("did you mean `{near}`? "),
                None => String::new(),
            };
            return Err(Error::Usage(format!(
                "--only {text}: no layer named `{name}`; {hint}the layers are {}",
                layers.join(", ")
            )));
        }
    };
    Ok(render::table::Only {
        layer,
        phase: if layer.is_none() {
            Some(Phase::Update)
        } else {
            phase
        },
    })
}

/// `--only` that chooses no table (`loss.backward`) is refused with the phases there are.
fn no_empty_choice(
    ex: &Explainer,
    opts: &Options,
    only: render::table::Only,
    text: &str,
) -> Result<(), Error> {
    use crate::trace::Phase;
    let view = |only| render::table::View {
        only: Some(only),
        ..Default::default()
    };
    if !render::table::chosen(ex, opts, &view(only)).is_empty() {
        return Ok(());
    }
    let has: Vec<&str> = [Phase::Forward, Phase::Backward, Phase::Update]
        .into_iter()
        .filter(|&p| {
            let each = render::table::Only {
                phase: Some(p),
                ..only
            };
            !render::table::chosen(ex, opts, &view(each)).is_empty()
        })
        .map(|p| p.as_str())
        .collect();
    let (name, phase) = text.rsplit_once('.').unwrap_or((text, ""));
    Err(Error::Usage(format!(
        "--only {text}: {name} has no {phase} table; it has {}",
        has.join(" and ")
    )))
}

pub(crate) fn pattern_index(s: &Scenario, given: Option<usize>) -> Result<usize, Error> {
    let p = given.unwrap_or(s.pattern);
    if p >= s.data.len() {
        return Err(Error::Usage(format!(
            "--pattern {p}: {} has patterns 0 to {}",
            s.name,
            s.data.len() - 1
        )));
    }
    Ok(p)
}

/// The position in the trace of the quantity `id`; a misspelt id gets the nearest one.
fn step_index(ex: &Explainer, id: &str) -> Result<usize, Error> {
    let ids: Vec<String> = ex.entries().iter().map(|e| ex.id(e.key)).collect();
    match ids.iter().position(|i| i == id) {
        Some(at) => Ok(at),
        None => {
            let hint = match crate::error::nearest(id, ids.iter().map(String::as_str)) {
                Some(near) => format!("; did you mean `{near}`?"),
                None => "; `nntrace template` lists every id".into(),
            };
            Err(Error::Usage(format!(
                "--step {id}: no quantity has this id{hint}"
            )))
        }
    }
}

/// Writes `text` to the file `path` (`-`: standard output), through `output`.
pub(crate) fn write_file(path: &str, text: &str) -> Result<i32, Error> {
    crate::output::to_file(path, text).map(|()| 0)
}

/// Writes to stdout, through `output`; a closed pipe is not an error.
pub(crate) fn emit(text: &str) -> Result<i32, Error> {
    crate::output::to_stdout(text).map(|()| 0)
}
