//! A class's report: one line per student, the share who got each quantity right, the
//! diagnoses by frequency; the gradebook as CSV; all of it as JSON.

use super::Options;
use crate::check::class::{Class, Diagnosis, Student};
use crate::check::{Judged, Report};
use colored::Colorize;
use serde_json::{Value, json};
use tabled::builder::Builder;

/// The first-root-error column wraps between words at this width.
const ROOT_ERROR_WIDTH: usize = 40;
/// The column of ids a mistake was named at wraps at this width.
const AT_WIDTH: usize = 40;

pub fn table(class: &Class, opts: &Options) -> String {
    let (folder, names) = short_names(&class.students);
    let mut out = format!(
        "{} — {} answers files{}",
        class.scenario,
        class.students.len(),
        folder.map_or(String::new(), |f| format!(" in {f}"))
    );
    match class.broken() {
        0 => out.push('\n'),
        n => out.push_str(&format!(", {n} could not be checked\n")),
    }
    out.push_str(&heading("students", opts));
    out.push_str(
        &opts.text(
            "✓ correct, ≈ consistent with an earlier error, ✗ wrong, ? unknown; score: ✓ + ≈\n",
        ),
    );
    out.push_str(&students(class, &names, opts));
    out.push('\n');
    out.push_str(&heading("quantities", opts));
    out.push_str("right: correct or consistent, of those who answered\n");
    out.push_str(&quantities(class, opts));
    out.push('\n');
    out.push_str(&heading("diagnoses", opts));
    if class.diagnoses.is_empty() {
        out.push_str("no wrong answers\n");
    } else {
        out.push_str(&diagnoses(&class.diagnoses, opts));
        out.push('\n');
    }
    out
}

fn heading(title: &str, opts: &Options) -> String {
    let text = opts.text(&format!("\n━━ {title} ━━"));
    let text = if opts.color {
        text.bold().cyan().to_string()
    } else {
        text
    };
    format!("{text}\n")
}

/// The files' names without the folder they all share, and that folder.
fn short_names(students: &[Student]) -> (Option<String>, Vec<String>) {
    let folder = |f: &str| {
        std::path::Path::new(f)
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
    };
    let first = students.first().and_then(|s| folder(&s.file));
    let shared = first
        .filter(|f| !f.is_empty() && students.iter().all(|s| folder(&s.file).as_ref() == Some(f)));
    let names = students
        .iter()
        .map(|s| match &shared {
            Some(f) => s.file[f.len()..]
                .trim_start_matches(std::path::MAIN_SEPARATOR)
                .to_string(),
            None => s.file.clone(),
        })
        .collect();
    (
        shared.map(|f| format!("{f}{}", std::path::MAIN_SEPARATOR)),
        names,
    )
}

fn students(class: &Class, names: &[String], opts: &Options) -> String {
    let mut b = Builder::default();
    b.push_record(["file", "✓", "≈", "✗", "?", "score", "first root error"].map(|h| opts.text(h)));
    for (student, name) in class.students.iter().zip(names) {
        let mut row = vec![name.clone()];
        match &student.judged {
            Ok(report) => {
                let s = &report.score;
                row.extend([s.correct, s.consistent, s.wrong, s.unknown].map(|n| n.to_string()));
                row.push(percent(student.score()));
                row.push(opts.text(&root_error(report)));
            }
            Err(message) => {
                row.extend(["", "", "", "", ""].map(String::from));
                row.push(opts.text(&format!("cannot be checked: {message}")));
            }
        }
        b.push_record(row);
    }
    super::table::style_compact(b, opts, &[1, 2, 3, 4, 5], Some((6, ROOT_ERROR_WIDTH)))
}

fn percent(share: Option<f64>) -> String {
    share.map_or(String::new(), |p| format!("{p:.0}%"))
}

/// "pool.out.A: wrong-pool-input", or "pool.out.A" when no common mistake reproduces it.
fn root_error(report: &Report) -> String {
    report
        .first_root_error()
        .map_or(String::new(), |a: &Judged| match a.diagnoses.as_slice() {
            [] => a.id.clone(),
            codes => format!("{}: {}", a.id, codes.join(" or ")),
        })
}

fn quantities(class: &Class, opts: &Options) -> String {
    let mut b = Builder::default();
    b.push_record(["id", "quantity", "answered", "✓", "≈", "✗", "right"].map(|h| opts.text(h)));
    for q in &class.quantities {
        b.push_record([
            q.id.clone(),
            opts.text(&q.symbol),
            q.answered.to_string(),
            q.correct.to_string(),
            q.consistent.to_string(),
            q.wrong.to_string(),
            percent(Some(q.share())),
        ]);
    }
    super::table::style_compact(b, opts, &[2, 3, 4, 5, 6], None)
}

fn diagnoses(list: &[Diagnosis], opts: &Options) -> String {
    let mut b = Builder::default();
    b.push_record(["diagnosis", "answers", "students", "named at"]);
    for d in list {
        let at: Vec<String> = d.at.iter().map(|(id, n)| format!("{id} ({n})")).collect();
        b.push_record([
            d.code.unwrap_or("no common mistake").to_string(),
            d.answers.to_string(),
            d.students.to_string(),
            at.join(", "),
        ]);
    }
    super::table::style_compact(b, opts, &[1, 2], Some((3, AT_WIDTH)))
}

/// The gradebook: a header, then one line per file.
pub fn csv(class: &Class) -> String {
    let mut out = String::from(
        "file,correct,consistent,wrong,unknown,left_empty,score,first_root_error,diagnosis,error\n",
    );
    for student in &class.students {
        let fields: Vec<String> = match &student.judged {
            Ok(report) => {
                let s = &report.score;
                let first = report.first_root_error();
                vec![
                    student.file.clone(),
                    s.correct.to_string(),
                    s.consistent.to_string(),
                    s.wrong.to_string(),
                    s.unknown.to_string(),
                    s.empty.to_string(),
                    student.score().map_or(String::new(), |p| format!("{p:.1}")),
                    first.map_or(String::new(), |a| a.id.clone()),
                    first.map_or(String::new(), |a| a.diagnoses.join(" ")),
                    String::new(),
                ]
            }
            Err(message) => {
                let mut row = vec![student.file.clone()];
                row.extend(std::iter::repeat_n(String::new(), 8));
                row.push(message.clone());
                row
            }
        };
        let quoted: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&quoted.join(","));
        out.push('\n');
    }
    out
}

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

pub fn json(class: &Class) -> Value {
    let students: Vec<Value> = class
        .students
        .iter()
        .map(|student| match &student.judged {
            Ok(report) => {
                let s = &report.score;
                json!({
                    "file": student.file,
                    "score": {"correct": s.correct, "consistent": s.consistent, "wrong": s.wrong, "unknown": s.unknown, "empty": s.empty},
                    "percent": student.score(),
                    "first_root_error": report.first_root_error().map(|a| a.id.clone()),
                    "diagnosis": report.first_root_error().and_then(Judged::diagnosis),
                    "error": null,
                })
            }
            Err(message) => json!({"file": student.file, "error": message}),
        })
        .collect();
    let quantities: Vec<Value> = class
        .quantities
        .iter()
        .map(|q| {
            json!({
                "id": q.id, "answered": q.answered, "correct": q.correct,
                "consistent": q.consistent, "wrong": q.wrong, "right_percent": q.share(),
            })
        })
        .collect();
    let diagnoses: Vec<Value> = class
        .diagnoses
        .iter()
        .map(|d| {
            let at: Vec<Value> =
                d.at.iter()
                    .map(|(id, n)| json!({"id": id, "answers": n}))
                    .collect();
            json!({"diagnosis": d.code, "answers": d.answers, "students": d.students, "at": at})
        })
        .collect();
    json!({
        "scenario": class.scenario,
        "students": students,
        "quantities": quantities,
        "diagnoses": diagnoses,
    })
}
