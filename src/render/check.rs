//! The checker's report: one row per answer grouped by layer, then the score and the
//! first root error.

use super::Options;
use crate::check::{Judged, Report, Verdict};
use crate::network::Network;
use crate::trace::{Key, Phase};
use colored::Colorize;
use serde_json::{Value, json};
use tabled::builder::Builder;

/// The columns of the report, in every format.
pub(super) const COLUMNS: [&str; 7] = [
    "id",
    "quantity",
    "given",
    "exact",
    "carried",
    "verdict",
    "diagnosis",
];

/// The carried-forward value, shown only where it differs from the exact one as printed.
pub(super) fn carried_if_different(a: &Judged, number: &dyn Fn(Option<f64>) -> String) -> String {
    let (carried, exact) = (number(a.carried), number(a.exact));
    if carried != exact {
        carried
    } else {
        String::new()
    }
}

/// Diagnosis cells wider than this wrap between words.
const DIAGNOSIS_WIDTH: usize = 64;

pub fn table(report: &Report, net: &Network, answers_file: &str, opts: &Options) -> String {
    let mut out = opts.text_keeping(
        &format!(
            "{} — checking {answers_file} against pattern {}\n",
            report.scenario, report.pattern
        ),
        &[answers_file],
    );
    for (group, answers) in groups(&report.answers) {
        out.push('\n');
        let name = group.map_or("", |(_, layer)| net.layer_name(layer));
        let heading = opts.text_keeping(&heading(net, group), &[name]);
        out.push_str(&if opts.color {
            heading.bold().cyan().to_string()
        } else {
            heading
        });
        out.push('\n');
        out.push_str(&rows(answers, opts));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&summary(report, opts));
    out
}

/// Which table an answer goes in: a layer in a phase, or the unknown ids.
fn group_of(a: &Judged) -> Option<(Phase, u16)> {
    a.key.map(Key::section)
}

/// The answers in runs of one table each, with the table they go in.
pub(super) fn groups(
    answers: &[Judged],
) -> impl Iterator<Item = (Option<(Phase, u16)>, &[Judged])> {
    answers
        .chunk_by(|a, b| group_of(a) == group_of(b))
        .map(|run| (group_of(&run[0]), run))
}

pub(super) fn heading(net: &Network, group: Option<(Phase, u16)>) -> String {
    match group {
        None => {
            "━━ not checked ━━ ids that name no quantity, or values that are not numbers".into()
        }
        Some(group) => format!("━━ {} ━━", super::place(net, group)),
    }
}

fn verdict(v: Verdict, opts: &Options) -> String {
    let text = opts.text(match v {
        Verdict::Correct => "✓ correct",
        Verdict::Consistent => "≈ consistent",
        Verdict::Wrong => "✗ wrong",
        Verdict::Unknown => "? unknown",
    });
    if !opts.color {
        return text;
    }
    match v {
        Verdict::Correct => text.green().to_string(),
        Verdict::Consistent => text.yellow().to_string(),
        Verdict::Wrong => text.red().bold().to_string(),
        Verdict::Unknown => text.magenta().to_string(),
    }
}

/// The diagnosis cell: the mistake and why, or what a consistent answer follows from.
pub(super) fn remark(a: &Judged) -> String {
    match (a.verdict, a.diagnosis(), &a.explanation) {
        (_, Some(code), Some(why)) => format!("{code}: {why}"),
        (Verdict::Consistent, _, _) if !a.follows_from.is_empty() => {
            format!("follows from your {}", a.follows_from.join(", "))
        }
        (Verdict::Consistent, _, _) => "follows from your own rounded values".into(),
        (Verdict::Wrong, None, _) => "no common mistake reproduces this value".into(),
        (_, _, Some(why)) => why.clone(),
        _ => String::new(),
    }
}

/// The diagnosis cell as shown: under `--ascii` the ids it names stay as written.
fn spelt_remark(a: &Judged, opts: &Options) -> String {
    let ids: Vec<&str> = a.follows_from.iter().map(String::as_str).collect();
    opts.text_keeping(&remark(a), &ids)
}

fn rows(answers: &[Judged], opts: &Options) -> String {
    let mut b = Builder::default();
    b.push_record(COLUMNS);
    for a in answers {
        let number = |v: Option<f64>| v.map(|v| opts.number(v)).unwrap_or_default();
        let carried = carried_if_different(a, &number);
        let at = a
            .position
            .map_or(String::new(), |(l, c)| format!(" ({l}:{c})"));
        let id = if a.verdict == Verdict::Unknown {
            format!("{}{at}", a.id)
        } else {
            a.id.clone()
        };
        b.push_record([
            id,
            opts.text(&a.symbol),
            opts.text(&a.text),
            number(a.exact),
            carried,
            verdict(a.verdict, opts),
            spelt_remark(a, opts),
        ]);
    }
    super::table::style(b, opts, &[3, 4], Some((6, DIAGNOSIS_WIDTH)))
}

pub(super) fn summary(report: &Report, opts: &Options) -> String {
    let s = &report.score;
    let total = s.correct + s.consistent + s.wrong + s.unknown;
    let answers = if total == 1 { "answer" } else { "answers" };
    let mut out = format!(
        "score: {} correct, {} consistent with an earlier error, {} wrong, {} unknown ({total} {answers}",
        s.correct, s.consistent, s.wrong, s.unknown
    );
    if s.empty > 0 {
        out.push_str(&format!(", {} left empty", s.empty));
    }
    out.push_str(")\n");
    out = opts.text(&out);
    match report.first_root_error() {
        Some(first) => {
            out.push_str(&opts.text_keeping(
                &format!(
                    "first root error: {} ({} = {}): ",
                    first.id, first.symbol, first.text
                ),
                &[&first.id],
            ));
            out.push_str(&spelt_remark(first, opts));
            out.push('\n');
            if s.consistent > 0 {
                out.push_str(
                    "answers after it were checked against your own numbers, carried forward\n",
                );
            }
        }
        None if s.unknown == 0 => out.push_str("no wrong answers\n"),
        None => {}
    }
    out
}

/// One `error:` line per answer that could not be checked: file:line:column, what is
/// wrong, and the nearest id where there is one. For stderr.
pub fn problems(report: &Report, answers_file: &str) -> Vec<String> {
    report
        .answers
        .iter()
        .filter(|a| a.verdict == Verdict::Unknown)
        .map(|a| {
            let at = a
                .position
                .map_or(String::new(), |(l, c)| format!(":{l}:{c}"));
            let why = a.explanation.as_deref().unwrap_or("cannot be checked");
            format!("{answers_file}{at}: answers.{}: {why}", a.id)
        })
        .collect()
}

pub fn json(report: &Report, opts: &Options) -> Value {
    let answers: Vec<Value> = report
        .answers
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "symbol": opts.text(&a.symbol),
                "line": a.position.map(|p| p.0),
                "column": a.position.map(|p| p.1),
                "given": a.given,
                "written": a.text,
                "exact": a.exact,
                "carried": a.carried,
                "verdict": a.verdict.as_str(),
                "diagnosis": a.diagnosis(),
                "diagnoses": a.diagnoses,
                "explanation": a.explanation.as_ref().map(|e| {
                    let ids: Vec<&str> = a.follows_from.iter().map(String::as_str).collect();
                    opts.text_keeping(e, &ids)
                }),
                "follows_from": a.follows_from,
            })
        })
        .collect();
    let s = &report.score;
    json!({
        "scenario": report.scenario,
        "pattern": report.pattern,
        "answers": answers,
        "score": {"correct": s.correct, "consistent": s.consistent, "wrong": s.wrong, "unknown": s.unknown, "empty": s.empty},
        "first_root_error": report.first_root_error().map(|a| a.id.clone()),
    })
}
