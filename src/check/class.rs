//! A class at once: every student's report over one scenario, summed up as a lecturer
//! reads them after collecting the homework — one line per student, the share who got
//! each quantity right, the mistakes by frequency.

use super::{Report, Verdict};
use std::collections::HashMap;

/// One answers file: its report, or why it could not be checked.
pub struct Student {
    pub file: String,
    /// The report, or the message saying why the file could not be checked.
    pub judged: Result<Report, String>,
}

impl Student {
    /// The share of the answers judged right — correct, or consistent with an earlier
    /// error, as a marker who carries errors forward gives credit — in per cent.
    pub fn score(&self) -> Option<f64> {
        let s = &self.judged.as_ref().ok()?.score;
        let total = s.correct + s.consistent + s.wrong + s.unknown;
        (total > 0).then(|| 100.0 * (s.correct + s.consistent) as f64 / total as f64)
    }
}

/// How the class did on one quantity.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Quantity {
    pub id: String,
    pub symbol: String,
    /// Students who wrote a value for it (that could be read).
    pub answered: usize,
    pub correct: usize,
    pub consistent: usize,
    pub wrong: usize,
    /// Where it stands in the trace.
    order: usize,
}

impl Quantity {
    /// Correct or consistent.
    pub fn right(&self) -> usize {
        self.correct + self.consistent
    }

    /// The share of those who answered that got it right, in per cent.
    pub fn share(&self) -> f64 {
        100.0 * self.right() as f64 / self.answered.max(1) as f64
    }
}

/// How often a mistake was named.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnosis {
    /// The code, or None for wrong answers no common mistake reproduces.
    pub code: Option<&'static str>,
    pub answers: usize,
    pub students: usize,
    /// The ids it was named at, the most frequent first.
    pub at: Vec<(String, usize)>,
}

pub struct Class {
    pub scenario: String,
    pub students: Vec<Student>,
    /// In the order the trace computes them.
    pub quantities: Vec<Quantity>,
    /// The most frequent first; wrong answers no mistake reproduces last.
    pub diagnoses: Vec<Diagnosis>,
}

impl Class {
    pub fn new(scenario: &str, students: Vec<Student>) -> Class {
        let reports: Vec<&Report> = students
            .iter()
            .filter_map(|s| s.judged.as_ref().ok())
            .collect();
        Class {
            scenario: scenario.to_string(),
            quantities: quantities(&reports),
            diagnoses: diagnoses(&reports),
            students,
        }
    }

    /// 2 if a file could not be checked or held an answer that could not be read, else 1
    /// if any answer was wrong, else 0.
    pub fn exit_code(&self) -> i32 {
        self.students
            .iter()
            .map(|s| s.judged.as_ref().map_or(2, Report::exit_code))
            .max()
            .unwrap_or(0)
    }

    /// Files that could not be checked.
    pub fn broken(&self) -> usize {
        self.students.iter().filter(|s| s.judged.is_err()).count()
    }
}

fn quantities(reports: &[&Report]) -> Vec<Quantity> {
    let mut by_id: HashMap<&str, Quantity> = HashMap::new();
    for report in reports {
        for a in &report.answers {
            let Some(order) = a.at else {
                continue;
            };
            let q = by_id.entry(&a.id).or_insert_with(|| Quantity {
                id: a.id.clone(),
                symbol: a.symbol.clone(),
                order,
                ..Quantity::default()
            });
            q.answered += 1;
            match a.verdict {
                Verdict::Correct => q.correct += 1,
                Verdict::Consistent => q.consistent += 1,
                _ => q.wrong += 1,
            }
        }
    }
    let mut list: Vec<Quantity> = by_id.into_values().collect();
    list.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.id.cmp(&b.id)));
    list
}

/// How often one diagnosis was named while counting.
#[derive(Default)]
struct Tally<'r> {
    answers: usize,
    students: usize,
    at: HashMap<&'r str, usize>,
}

fn diagnoses(reports: &[&Report]) -> Vec<Diagnosis> {
    let mut counts: HashMap<Option<&'static str>, Tally> = HashMap::new();
    for report in reports {
        let mut seen = Vec::new();
        for a in report
            .answers
            .iter()
            .filter(|a| a.verdict == Verdict::Wrong)
        {
            let codes: Vec<Option<&'static str>> = if a.diagnoses.is_empty() {
                vec![None]
            } else {
                a.diagnoses.iter().copied().map(Some).collect()
            };
            for code in codes {
                let tally = counts.entry(code).or_default();
                tally.answers += 1;
                *tally.at.entry(&a.id).or_default() += 1;
                if !seen.contains(&code) {
                    seen.push(code);
                    tally.students += 1;
                }
            }
        }
    }
    let mut list: Vec<Diagnosis> = counts
        .into_iter()
        .map(|(code, tally)| {
            let mut at: Vec<(String, usize)> = tally
                .at
                .into_iter()
                .map(|(id, n)| (id.to_string(), n))
                .collect();
            at.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            Diagnosis {
                code,
                answers: tally.answers,
                students: tally.students,
                at,
            }
        })
        .collect();
    list.sort_by(|a, b| {
        (a.code.is_none(), std::cmp::Reverse(a.answers), a.code).cmp(&(
            b.code.is_none(),
            std::cmp::Reverse(b.answers),
            b.code,
        ))
    });
    list
}
