//! Training runs on paper: the milestone table, the sparkline, the final weights, the
//! lecture's closing table; and the same as JSON.

use super::Options;
use super::table::style;
use crate::formula::number;
use crate::network::{Loss, Network};
use crate::scenario::Scenario;
use crate::train::{Run, Settings, milestones, sparkline};
use serde_json::{Value, json};
use tabled::builder::Builder;

/// The lecture's closing table: (row title, SSE as printed, epochs).
pub fn slides_row(scenario: &str) -> Option<(&'static str, &'static str, u64)> {
    match scenario {
        "seesaw-mlp-sigmoid" => Some(("Multilayer NN with Sigmoid Output", "0.023", 1000)),
        "seesaw-mlp-softmax" => Some(("Multilayer NN with Softmax Output", "0.00", 324)),
        "seesaw-cnn" => Some(("Convolutional NN with Softmax Output", "0.00", 261)),
        _ => None,
    }
}

/// The network in one line: `5 → conv1d 1×2 → relu → maxpool 2 → dense 2 sigmoid → dense 2 softmax`.
pub fn architecture(net: &Network, loss: Loss) -> String {
    let mut parts = vec![net.input_names.len().to_string()];
    for layer in &net.layers {
        parts.push(layer.label());
    }
    format!(
        "{} ({})",
        parts.join(" → "),
        loss.as_str().replace('_', " ")
    )
}

fn verdict(run: &Run, set: &Settings) -> String {
    match (run.converged, run.diverged) {
        (_, Some(e)) => format!("diverged at epoch {e}"),
        (true, _) => format!("converged: SSE < {}", number(set.stop_sse, 3)),
        (false, _) => format!(
            "not converged: SSE ≥ {} after {} epochs",
            number(set.stop_sse, 3),
            run.epochs()
        ),
    }
}

pub fn summary(s: &Scenario, set: &Settings, run: &Run, opts: &Options) -> String {
    let n = |x: f64| opts.number(x);
    let mut out = paragraphs(&opts.text(&format!(
        "{} — {}\n{}\ntraining: {} patterns in data order, held Δw applied after each; α = {}, λ = {}; at most {} epochs, stop when SSE < {}\n\n",
        s.name,
        s.description,
        architecture(&s.network, set.setup.loss),
        s.data.len(),
        number(set.setup.alpha, 6),
        number(set.setup.lambda, 6),
        set.epochs,
        number(set.stop_sse, 6)
    )), opts);
    let mut b = Builder::default();
    b.push_record(["epoch", "SSE", "mean loss", "accuracy"]);
    for e in milestones(&run.history) {
        b.push_record([
            e.epoch.to_string(),
            n(e.sse),
            n(e.loss),
            format!("{:.0}%", 100.0 * e.accuracy),
        ]);
    }
    out.push_str(&style(b, opts, &[0, 1, 2, 3], None));
    out.push('\n');
    let first = &run.history[0];
    let last = run.last();
    out.push_str(&paragraphs(
        &opts.text(&format!(
            "SSE {}  from {} to {} in {} epochs; {}\n",
            sparkline(&run.history, 48, opts.ascii),
            n(first.sse),
            n(last.sse),
            run.epochs(),
            verdict(run, set)
        )),
        opts,
    ));
    if let Some(hint) = hint(set, run) {
        out.push_str(&super::table::fill(&opts.text(&hint), opts.width, "  "));
    }
    out.push_str("\nfinal weights:\n");
    let mut w = Builder::default();
    w.push_record(["layer", "weight", "initial", "final"]);
    for (before, after) in s.network.layers.iter().zip(&run.network.layers) {
        for (p, (a, b)) in before.params().zip(after.params()).enumerate() {
            w.push_record([
                before.name().to_string(),
                before.param_name(p).to_string(),
                n(*a),
                n(*b),
            ]);
        }
    }
    out.push_str(&style(w, opts, &[2, 3], None));
    out.push('\n');
    out
}

pub fn json(s: &Scenario, set: &Settings, run: &Run) -> Value {
    let weights: Vec<Value> = s
        .network
        .layers
        .iter()
        .zip(&run.network.layers)
        .flat_map(|(before, after)| {
            before.params().zip(after.params()).enumerate().map(move |(p, (a, b))| {
                json!({"id": format!("{}.w.{}", before.name(), before.param_name(p)), "initial": a, "final": b})
            })
        })
        .collect();
    json!({
        "scenario": s.name,
        "architecture": architecture(&s.network, set.setup.loss),
        "settings": {
            "learning_rate": set.setup.alpha,
            "l2": set.setup.lambda,
            "epochs": set.epochs,
            "stop_sse": set.stop_sse,
        },
        "epochs": run.epochs(),
        "converged": run.converged,
        "diverged_at": run.diverged,
        "history": run.history.iter().map(|e| json!({"epoch": e.epoch, "sse": e.sse, "loss": e.loss, "total": e.total, "accuracy": e.accuracy})).collect::<Vec<_>>(),
        "final_weights": weights,
    })
}

pub fn compare_table(rows: &[(&Scenario, Settings, Run)], slides: bool, opts: &Options) -> String {
    let mut b = Builder::default();
    let mut header = vec!["scenario", "α", "λ", "SSE", "epochs", "converged"];
    if slides {
        header.extend(["slides: SSE", "slides: epochs"]);
    }
    b.push_record(header.into_iter().map(|h| opts.text(h)));
    for (s, set, run) in rows {
        let mut record = vec![
            s.name.clone(),
            opts.number(set.setup.alpha),
            opts.number(set.setup.lambda),
            opts.number(run.last().sse),
            run.epochs().to_string(),
            if run.converged {
                "yes".into()
            } else {
                "no".into()
            },
        ];
        if slides {
            match slides_row(&s.name) {
                Some((_, sse, epochs)) => record.extend([sse.to_string(), epochs.to_string()]),
                None => record.extend([String::new(), String::new()]),
            }
        }
        b.push_record(record);
    }
    let mut out = style(b, opts, &[1, 2, 3, 4], None);
    out.push('\n');
    let name_width = rows
        .iter()
        .map(|(s, _, _)| s.name.chars().count())
        .max()
        .unwrap_or(0);
    for (s, set, _) in rows {
        let line = format!(
            "{:<name_width$}  {}",
            s.name,
            architecture(&s.network, set.setup.loss)
        );
        out.push_str(&super::table::fill(
            &opts.text(&line),
            opts.width,
            &" ".repeat(name_width + 4),
        ));
    }
    let mut notes = Vec::new();
    if let Some((_, set, _)) = rows.first() {
        notes.push(format!(
            "SSE = Σ over patterns and outputs of (t − y)², after the last epoch; stop when SSE < {}.",
            number(set.stop_sse, 3)
        ));
    }
    if slides {
        let titles: Vec<String> = rows
            .iter()
            .filter_map(|(s, _, _)| {
                slides_row(&s.name).map(|(title, _, _)| format!("{} is \"{title}\"", s.name))
            })
            .collect();
        if !titles.is_empty() {
            notes.push(format!("On the slides, {}.", titles.join(", ")));
        }
        notes.push(
            "The slides do not say which initial weights (beyond the CNN's, reconstructed), λ or stopping rule \
             their table used, so their numbers cannot be reproduced exactly; these runs use the settings shown."
                .into(),
        );
    }
    let held: Vec<&str> = rows
        .iter()
        .filter(|(_, set, run)| held_by_l2(set, run))
        .map(|(s, _, _)| s.name.as_str())
        .collect();
    if !held.is_empty() {
        notes.push(format!(
            "Not converged with λ > 0 ({}): the L2 penalty pulls every weight towards 0, which can keep \
             SSE above the stop rule; try --l2 0.",
            held.join(", ")
        ));
    }
    for note in notes {
        out.push_str(&super::table::fill(&opts.text(&note), opts.width, ""));
    }
    out
}

/// Each line of `text` filled to the width, later lines of a paragraph indented.
fn paragraphs(text: &str, opts: &Options) -> String {
    let body = text.strip_suffix('\n').unwrap_or(text);
    body.split('\n')
        .map(|line| {
            if line.is_empty() {
                "\n".to_string()
            } else {
                super::table::fill(line, opts.width, "  ")
            }
        })
        .collect()
}

/// Whether a run that did not converge had an L2 penalty that may be what held it back.
fn held_by_l2(set: &Settings, run: &Run) -> bool {
    !run.converged && run.diverged.is_none() && set.setup.lambda > 0.0
}

/// Why a run did not converge, and what to try.
fn hint(set: &Settings, run: &Run) -> Option<String> {
    if run.converged || run.diverged.is_some() {
        return None;
    }
    Some(if held_by_l2(set, run) {
        format!(
            "hint: with λ = {} the L2 term pulls the weights towards 0 and keeps SSE above the \
             stop rule; try --l2 0",
            number(set.setup.lambda, 6)
        )
    } else {
        "hint: more epochs (--epochs) or a larger learning rate (--learning-rate) may get there"
            .into()
    })
}

pub fn compare_json(rows: &[(&Scenario, Settings, Run)], slides: bool) -> Value {
    let runs: Vec<Value> = rows
        .iter()
        .map(|(s, set, run)| {
            let mut v = json!({
                "scenario": s.name,
                "architecture": architecture(&s.network, set.setup.loss),
                "learning_rate": set.setup.alpha,
                "l2": set.setup.lambda,
                "sse": run.last().sse,
                "epochs": run.epochs(),
                "converged": run.converged,
            });
            if let (true, Some((title, sse, epochs))) = (slides, slides_row(&s.name)) {
                v["slides"] = json!({"network": title, "sse": sse, "epochs": epochs});
            }
            v
        })
        .collect();
    json!({ "runs": runs })
}
