//! Judging a student's hand-calculated values (SPEC section 5).
//!
//! Each answer is *correct* (agrees with the exact value to the digits written),
//! *consistent* (agrees with the value recomputed from the student's own earlier numbers,
//! carried forward), *wrong* (then the catalogue of mistakes is replayed to name what went
//! wrong), or *unknown* (no such id, or not a number). Carrying forward and replaying
//! mistakes both rerun the trace engine with the student's values or the mistake plugged
//! into its one recording call; no layer knows about checking.

pub mod answers;
pub mod class;
pub mod mistakes;

use crate::error::nearest;
use crate::network::Explainer;
use crate::scenario::Scenario;
use crate::trace::{Key, Policy, Trace};
use answers::{AnswersFile, Given};
use mistakes::{Mistake, Replay};
use std::collections::HashMap;

/// How a student may carry the values not written down: at full precision, or rounded to
/// 5, 4, 3 or 2 significant digits as on a calculator (the least rounding named first).
const CALCULATOR_ROUNDING: [Option<u32>; 5] = [None, Some(5), Some(4), Some(3), Some(2)];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Correct,
    Consistent,
    Wrong,
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Correct => "correct",
            Verdict::Consistent => "consistent",
            Verdict::Wrong => "wrong",
            Verdict::Unknown => "unknown",
        }
    }
}

/// One answer, judged.
#[derive(Clone, Debug)]
pub struct Judged {
    pub id: String,
    /// The quantity, where the id names one.
    pub key: Option<Key>,
    pub symbol: String,
    pub position: Option<(usize, usize)>,
    pub text: String,
    pub given: Option<f64>,
    pub exact: Option<f64>,
    /// The value recomputed from the student's own earlier values.
    pub carried: Option<f64>,
    pub verdict: Verdict,
    /// Every mistake that reproduces a wrong value, the most specific first.
    pub diagnoses: Vec<&'static str>,
    pub explanation: Option<String>,
    /// The student's answers it was computed from: for a consistent answer the wrong
    /// ones, for an answer correct from rounded values the rounded ones.
    pub follows_from: Vec<String>,
    /// For an answer that follows from the student's values: the significant digits the
    /// values not written down were rounded to (None: kept at full precision).
    pub rounded_to: Option<u32>,
    /// Where the quantity stands in the trace.
    pub at: Option<usize>,
}

impl Judged {
    /// The most specific mistake named, if any.
    pub fn diagnosis(&self) -> Option<&'static str> {
        self.diagnoses.first().copied()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Score {
    pub correct: usize,
    pub consistent: usize,
    pub wrong: usize,
    pub unknown: usize,
    /// Ids left empty (skipped).
    pub empty: usize,
}

pub struct Report {
    pub scenario: String,
    pub pattern: usize,
    /// In trace order, then the unknown ids in file order.
    pub answers: Vec<Judged>,
    pub score: Score,
}

impl Report {
    /// The first wrong answer in the order the trace computes: where the trouble starts.
    pub fn first_root_error(&self) -> Option<&Judged> {
        self.answers.iter().find(|a| a.verdict == Verdict::Wrong)
    }

    /// 0 when nothing is wrong, 1 when something is, 2 when an answer could not be read.
    pub fn exit_code(&self) -> i32 {
        if self.score.unknown > 0 {
            2
        } else if self.score.wrong > 0 {
            1
        } else {
            0
        }
    }
}

/// Judges every answer of `file` against pattern `pattern` of `s`.
pub fn check(s: &Scenario, pattern: usize, file: &AnswersFile) -> Report {
    let exact = s.trace(pattern, Policy::default());
    let ex = s.explainer(pattern, &exact);
    let order: HashMap<String, (usize, Key)> = exact
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (ex.id(e.key), (i, e.key)))
        .collect();

    let mut score = Score::default();
    let mut judged = Vec::new();
    let mut unknown = Vec::new();
    let mut overrides = HashMap::new();
    for answer in &file.answers {
        let Some(text) = &answer.text else {
            score.empty += 1;
            continue;
        };
        let mut j = Judged {
            id: answer.id.clone(),
            key: None,
            symbol: String::new(),
            position: answer.position,
            text: text.clone(),
            given: None,
            exact: None,
            carried: None,
            verdict: Verdict::Unknown,
            diagnoses: Vec::new(),
            at: None,
            explanation: None,
            follows_from: Vec::new(),
            rounded_to: None,
        };
        match (order.get(&answer.id), Given::parse(text)) {
            (None, _) => {
                let near = nearest(&answer.id, order.keys().map(String::as_str));
                j.explanation = Some(match near {
                    Some(n) => format!("no quantity has this id; did you mean `{n}`?"),
                    None => "no quantity has this id; `nntrace template` lists them all".into(),
                });
                unknown.push(j);
            }
            (Some(_), None) => {
                j.explanation = Some(format!("`{text}` is not a number"));
                unknown.push(j);
            }
            (Some(&(at, key)), Some(given)) => {
                overrides.insert(key, given.value);
                j.key = Some(key);
                j.at = Some(at);
                j.given = Some(given.value);
                judged.push((at, given, j));
            }
        }
    }
    judged.sort_by_key(|(at, _, _)| *at);

    // The student's values carried forward; what was not written down kept at full
    // precision, or rounded as on a calculator.
    let carried: Vec<(Option<u32>, Trace)> = CALCULATOR_ROUNDING
        .iter()
        .map(|&round| {
            let policy = Policy {
                round,
                overrides: overrides.clone(),
                ..Policy::default()
            };
            (round, s.trace(pattern, policy))
        })
        .collect();
    let mistakes = mistakes::catalogue(s, pattern);
    let mut replays: Option<Vec<Option<[Trace; 2]>>> = None;

    for (_, given, j) in &mut judged {
        let key = j.key.expect("a known id");
        j.symbol = ex.explain(key).symbol;
        let e = exact.value(key).expect("in the exact trace");
        j.exact = Some(e);
        j.carried = carried[0].1.computed(key);
        let from_own = carried.iter().find_map(|(round, t)| {
            let c = t.computed(key).expect("in the carried trace");
            given.matches(c).then_some((*round, c))
        });
        j.verdict = if given.matches(e) {
            Verdict::Correct
        } else if let Some((round, c)) = from_own {
            // Consistent for now: correct if it follows from no wrong answer.
            j.carried = Some(c);
            j.rounded_to = round;
            Verdict::Consistent
        } else {
            Verdict::Wrong
        };
    }
    // A student who kept full precision between the numbers written down: carry only the
    // wrong values, and compute everything else exactly.
    let wrong_only: HashMap<Key, f64> = judged
        .iter()
        .filter(|(_, _, j)| j.verdict == Verdict::Wrong)
        .map(|(_, g, j)| (j.key.expect("known"), g.value))
        .collect();
    if !wrong_only.is_empty() {
        let precise = s.trace(
            pattern,
            Policy {
                overrides: wrong_only,
                ..Policy::default()
            },
        );
        for (_, given, j) in judged
            .iter_mut()
            .filter(|(_, _, j)| j.verdict == Verdict::Wrong)
        {
            let c = precise
                .computed(j.key.expect("known"))
                .expect("in the trace");
            if given.matches(c) {
                j.verdict = Verdict::Consistent;
                j.carried = Some(c);
            }
        }
    }
    for (_, given, j) in &mut judged {
        let key = j.key.expect("a known id");
        if j.verdict == Verdict::Wrong {
            // Replayed once, and only when some answer needs a diagnosis.
            let replays = replays.get_or_insert_with(|| {
                mistakes
                    .iter()
                    .map(|m| {
                        Some([
                            replay(s, pattern, m, &HashMap::new())?,
                            replay(s, pattern, m, &overrides)?,
                        ])
                    })
                    .collect()
            });
            let plain = [&exact, &carried[0].1];
            let found = diagnose(s, pattern, key, *given, &mistakes, replays, plain);
            let explained: Vec<String> = found
                .iter()
                .enumerate()
                .map(|(n, m)| match n {
                    0 => (m.explain)(&ex, key),
                    _ => format!("or {}: {}", m.code, (m.explain)(&ex, key)),
                })
                .collect();
            j.diagnoses = found.iter().map(|m| m.code).collect();
            if !explained.is_empty() {
                j.explanation = Some(explained.join("; "));
            }
        }
    }
    attribute(s, pattern, &carried[0].1, &mut judged);

    let mut answers: Vec<Judged> = judged.into_iter().map(|(_, _, j)| j).collect();
    answers.extend(unknown);
    for a in &answers {
        match a.verdict {
            Verdict::Correct => score.correct += 1,
            Verdict::Consistent => score.consistent += 1,
            Verdict::Wrong => score.wrong += 1,
            Verdict::Unknown => score.unknown += 1,
        }
    }
    Report {
        scenario: s.name.clone(),
        pattern,
        answers,
        score,
    }
}

/// The trace with a mistake replayed, on the student's values (or on none); None for a
/// mistake read off the plain traces.
fn replay(
    s: &Scenario,
    pattern: usize,
    m: &Mistake,
    overrides: &HashMap<Key, f64>,
) -> Option<Trace> {
    let overrides = overrides.clone();
    match &m.replay {
        Replay::Alter(alter) => Some(s.trace(
            pattern,
            Policy {
                overrides,
                alter: Some(alter.clone()),
                ..Policy::default()
            },
        )),
        Replay::Setup(setup) => {
            let mut t = Trace::new(Policy {
                overrides,
                ..Policy::default()
            });
            s.network.step(setup, &s.data[pattern], &mut t);
            Some(t)
        }
        Replay::Local(_) => None,
    }
}

/// Every mistake that reproduces the student's value, on the exact values or on the
/// student's own, each code once, in the catalogue's order (the most specific first). A
/// mistake that reproduces a wrong value has changed it: the value without it is the exact
/// or the carried one, which the student's value does not match. `plain` holds the exact
/// and the carried trace, which the mistakes read off a quantity's formula use.
fn diagnose<'m>(
    s: &Scenario,
    pattern: usize,
    key: Key,
    given: Given,
    mistakes: &'m [Mistake],
    replays: &[Option<[Trace; 2]>],
    plain: [&Trace; 2],
) -> Vec<&'m Mistake> {
    let mut found: Vec<&Mistake> = Vec::new();
    for (m, replayed) in mistakes.iter().zip(replays) {
        if found.iter().any(|f| f.code == m.code) {
            continue;
        }
        let traces: [&Trace; 2] = match replayed {
            Some([a, b]) => [a, b],
            None => plain,
        };
        let reproduces = traces.iter().any(|t| {
            let values = match m.replay {
                Replay::Local(local) => local(&s.explainer(pattern, t), key),
                _ => t.computed(key).into_iter().collect(),
            };
            values.into_iter().any(|v| given.matches(v))
        });
        if reproduces {
            found.push(m);
        }
    }
    found
}

/// Names, for each answer that follows from the student's own values, the answers it was
/// computed from — through its formula, and through a pooling route — back through the
/// quantities the student did not answer. If none of them is wrong, it follows from
/// correctly rounded values and is correct; otherwise it is consistent with the wrong ones.
fn attribute(s: &Scenario, pattern: usize, carried: &Trace, judged: &mut [(usize, Given, Judged)]) {
    if !judged
        .iter()
        .any(|(_, _, j)| j.verdict == Verdict::Consistent)
    {
        return;
    }
    let ex = s.explainer(pattern, carried);
    let answered: HashMap<Key, usize> = judged
        .iter()
        .enumerate()
        .map(|(i, (_, _, j))| (j.key.expect("known"), i))
        .collect();
    let mut memo = HashMap::new();
    let mut passed: Vec<Vec<usize>> = vec![Vec::new(); judged.len()];
    // In trace order, so an earlier answer's sources are known when a later one reads them.
    for i in 0..judged.len() {
        if judged[i].2.verdict == Verdict::Consistent {
            let key = judged[i].2.key.expect("known");
            let mut found = Vec::new();
            for input in ex.explain(key).inputs() {
                for at in sources(&ex, input, &answered, &passed, &mut memo) {
                    if !found.contains(&at) {
                        found.push(at);
                    }
                }
            }
            // Named in the order computed: the earliest slip first.
            found.sort_unstable();
            let wrong: Vec<usize> = found
                .iter()
                .copied()
                .filter(|&at| judged[at].2.verdict == Verdict::Wrong)
                .collect();
            if wrong.is_empty() {
                let rounded: Vec<&Judged> = found.iter().map(|&at| &judged[at].2).collect();
                let why = rounding_explained(&rounded, judged[i].2.rounded_to);
                let ids = rounded.iter().map(|j| j.id.clone()).collect();
                let j = &mut judged[i].2;
                j.follows_from = ids;
                j.verdict = Verdict::Correct;
                j.explanation = Some(why);
            } else {
                judged[i].2.follows_from =
                    wrong.iter().map(|&at| judged[at].2.id.clone()).collect();
                passed[i] = wrong;
                continue;
            }
        }
        let (_, given, j) = &judged[i];
        passed[i] = match j.verdict {
            Verdict::Wrong => vec![i],
            Verdict::Correct if j.exact != Some(given.value) => vec![i],
            _ => Vec::new(),
        };
    }
}

/// "from your rounded output.out.p1 = 0.513 and the rest rounded to 3 significant digits:
/// rounding is not a mistake".
fn rounding_explained(rounded: &[&Judged], digits: Option<u32>) -> String {
    let written: Vec<String> = rounded
        .iter()
        .map(|j| format!("{} = {}", j.id, j.text))
        .collect();
    let from = match (written.is_empty(), digits) {
        (false, None) => format!("follows from your rounded {}", written.join(", ")),
        (false, Some(n)) => format!(
            "follows from your rounded {} and the rest rounded to {n} significant digits",
            written.join(", ")
        ),
        (true, Some(n)) => {
            format!("follows from the earlier values rounded to {n} significant digits")
        }
        (true, None) => "follows from your own values".into(),
    };
    format!("{from}: rounding is not a mistake")
}

/// The answers a quantity's carried value comes from (indices into `judged`), following
/// its formula back through quantities the student did not answer; an answer passes on
/// what `passed` says.
fn sources(
    ex: &Explainer,
    key: Key,
    answered: &HashMap<Key, usize>,
    passed: &[Vec<usize>],
    memo: &mut HashMap<Key, Vec<usize>>,
) -> Vec<usize> {
    if let Some(&i) = answered.get(&key) {
        return passed[i].clone();
    }
    if let Some(found) = memo.get(&key) {
        return found.clone();
    }
    let mut found: Vec<usize> = Vec::new();
    // A given value (an input, a weight) is its own formula: nothing lies behind it.
    for operand in ex.explain(key).inputs().into_iter().filter(|&o| o != key) {
        for at in sources(ex, operand, answered, passed, memo) {
            if !found.contains(&at) {
                found.push(at);
            }
        }
    }
    memo.insert(key, found.clone());
    found
}
