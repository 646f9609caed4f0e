//! `train` and `compare`: settings from the scenario and the command line, the runs, the
//! progress bar, the chart.

use super::{Format, RunFormat, ShowArgs, TraceArgs, TrainArgs, emit, pretty, write_file};
use crate::error::{Divergence, Error};
use crate::output::Sink;
use crate::render::{self, Options};
use crate::scenario::{MAX_EPOCHS, Scenario};
use crate::train::{self, Run, Settings};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// The scenario's settings with the command line's overrides, checked.
fn settings(s: &Scenario, args: &TrainArgs) -> Result<Settings, Error> {
    let mut set = Settings::of(s);
    if let Some(e) = args.epochs {
        if e == 0 || e > MAX_EPOCHS {
            return Err(Error::Usage(format!(
                "--epochs {e}: give 1 to {MAX_EPOCHS}"
            )));
        }
        set.epochs = e;
    }
    let check = |name: &str, v: f64| -> Result<f64, Error> {
        if v.is_finite() && v >= 0.0 {
            Ok(v)
        } else {
            Err(Error::Usage(format!(
                "--{name} {v}: give a finite number, zero or more"
            )))
        }
    };
    if let Some(v) = args.stop_sse {
        set.stop_sse = check("stop-sse", v)?;
    }
    if let Some(v) = args.learning_rate {
        set.setup.alpha = check("learning-rate", v)?;
    }
    if let Some(v) = args.l2 {
        set.setup.lambda = check("l2", v)?;
    }
    Ok(set)
}

/// A progress bar on stderr, only when stderr is a terminal.
fn progress(epochs: u64, name: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(epochs), ProgressDrawTarget::hidden());
    if std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{prefix} [{bar:40}] epoch {pos}/{len}  {msg}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(name.to_string());
    }
    bar
}

/// Trains, after refusing a scenario whose own pattern overflows before any update (the
/// trace names the quantity; training alone could only name the epoch). A network too
/// large to trace is trained all the same.
fn run(s: &Scenario, set: &Settings, keep: Option<(u64, usize)>) -> Result<Run, Error> {
    if super::traceable(s).is_ok() {
        match super::traced(s, s.pattern, crate::trace::Policy::default()) {
            Err(Error::NonFinite(overflow)) => {
                return Err(Error::Diverged(Divergence {
                    scenario: s.source.clone(),
                    epoch: 1,
                    from_the_start: true,
                    alpha: set.setup.alpha,
                    lambda: set.setup.lambda,
                    overflow: Some(overflow),
                }));
            }
            result => {
                result?;
            }
        }
    }
    let bar = progress(set.epochs, &s.name);
    let run = train::train(s, set, keep, |e| {
        bar.set_position(e.epoch);
        if e.epoch % 16 == 0 {
            bar.set_message(format!("SSE {:.4}", e.sse));
        }
    });
    bar.finish_and_clear();
    Ok(run)
}

/// `--trace-at EPOCH:PATTERN`.
fn parse_step(text: &str, s: &Scenario) -> Result<(u64, usize), Error> {
    let bad = || {
        Error::Usage(format!(
            "--trace-at {text}: write EPOCH:PATTERN, e.g. 1:0 (epochs from 1, patterns from 0)"
        ))
    };
    let (e, p) = text.split_once(':').ok_or_else(bad)?;
    let (e, p): (u64, usize) = (
        e.trim().parse().map_err(|_| bad())?,
        p.trim().parse().map_err(|_| bad())?,
    );
    if e == 0 {
        return Err(bad());
    }
    if p >= s.data.len() {
        return Err(Error::Usage(format!(
            "--trace-at {text}: {} has patterns 0 to {}",
            s.name,
            s.data.len() - 1
        )));
    }
    Ok((e, p))
}

pub(crate) fn train(
    s: &Scenario,
    args: &TrainArgs,
    trace_at: Option<&str>,
    opts: &Options,
) -> Result<(String, i32), Error> {
    let set = settings(s, args)?;
    let keep = trace_at.map(|t| parse_step(t, s)).transpose()?;
    if let Some((e, _)) = keep
        && e > set.epochs
    {
        return Err(Error::Usage(format!(
            "--trace-at {}: the run has at most {} epochs",
            trace_at.unwrap_or(""),
            set.epochs
        )));
    }
    if s.data.len() == 1 {
        eprintln!(
            "note: {} has one training pattern; training fits that pattern alone",
            s.name
        );
    }
    let result = run(s, &set, keep)?;
    if let Some(path) = &args.plot {
        let curve = render::plot::Curve {
            name: s.name.clone(),
            points: result.history.iter().map(|e| (e.epoch, e.sse)).collect(),
        };
        let svg = render::plot::sse_chart(
            &format!("{}: SSE per epoch", s.name),
            &[curve],
            args.log_scale,
        )
        .map_err(Error::Chart)?;
        write_file(path, &svg)?;
    }
    if let Some(epoch) = result.diverged {
        let text = render::training::summary(s, &set, &result, opts);
        let _ = emit(&text);
        return Err(Error::Diverged(Divergence {
            scenario: s.source.clone(),
            epoch,
            from_the_start: !result.history[0].sse.is_finite(),
            alpha: set.setup.alpha,
            lambda: set.setup.lambda,
            overflow: None,
        }));
    }
    let mut text = match args.format {
        RunFormat::Json => pretty(&render::training::json(s, &set, &result)),
        RunFormat::Table => render::training::summary(s, &set, &result, opts),
    };
    if let Some((epoch, pattern)) = keep {
        let Some(net) = result.kept.clone() else {
            return Err(Error::Usage(format!(
                "--trace-at {epoch}:{pattern}: the run stopped after {} epochs",
                result.epochs()
            )));
        };
        let then = Scenario {
            network: net,
            setup: set.setup.clone(),
            ..s.clone()
        };
        let show = ShowArgs {
            pattern: Some(pattern),
            format: Format::Table,
            digits: opts.digits as u8,
        };
        text.push_str(&format!("\n━━ the step at epoch {epoch}, pattern {pattern}, with the weights as they were then ━━\n"));
        super::trace(
            &then,
            &show,
            &TraceArgs::default(),
            opts,
            Sink::Text(&mut text),
        )?;
    }
    Ok((text, 0))
}

pub(crate) fn compare(
    scenarios: &[Scenario],
    args: &TrainArgs,
    slides: bool,
    opts: &Options,
) -> Result<String, Error> {
    let mut rows = Vec::new();
    for s in scenarios {
        let set = settings(s, args)?;
        let result = run(s, &set, None)?;
        rows.push((s, set, result));
    }
    if let Some(path) = &args.plot {
        let curves: Vec<render::plot::Curve> = rows
            .iter()
            .map(|(s, _, r)| render::plot::Curve {
                name: s.name.clone(),
                points: r.history.iter().map(|e| (e.epoch, e.sse)).collect(),
            })
            .collect();
        let svg = render::plot::sse_chart("SSE per epoch", &curves, args.log_scale)
            .map_err(Error::Chart)?;
        write_file(path, &svg)?;
    }
    Ok(match args.format {
        RunFormat::Json => pretty(&render::training::compare_json(&rows, slides)),
        RunFormat::Table => render::training::compare_table(&rows, slides, opts),
    })
}
