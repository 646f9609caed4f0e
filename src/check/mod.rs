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
pub(crate) mod mistakes;

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

/// An answer that names a quantity of the trace and gives a number: what the phases of
/// [`check`] judge. (An answer that does neither is judged unknown at once.)
struct Known {
    key: Key,
    /// Where the quantity stands in the trace.
    at: usize,
    given: Given,
    judged: Judged,
}

/// The answers of a file, sorted by what can be done with them.
struct Sorted {
    /// In trace order.
    known: Vec<Known>,
    /// No such id, or not a number: judged already, in file order.
    unknown: Vec<Judged>,
    /// Ids left empty.
    empty: usize,
}

/// Judges every answer of `file` against pattern `pattern` of `s`: each against the exact
/// value, then against the student's own values carried forward (rounded as on a
/// calculator, or only the wrong ones carried), then the wrong ones diagnosed, then each
/// answer that follows from the student's values traced to the answers it came from.
pub fn check(s: &Scenario, pattern: usize, file: &AnswersFile) -> Report {
    let exact = s.trace(pattern, Policy::default());
    let ex = s.explainer(pattern, &exact);
    let Sorted {
        mut known,
        unknown,
        empty,
    } = sort(&exact, &ex, file);
    let overrides: HashMap<Key, f64> = known.iter().map(|k| (k.key, k.given.value)).collect();
    let carried = carried_forward(s, pattern, &overrides);
    judge(&ex, &exact, &carried, &mut known);
    carry_only_the_wrong(s, pattern, &mut known);
    let plain = [&exact, &carried[0].1];
    diagnose_the_wrong(s, pattern, &ex, plain, &overrides, &mut known);
    attribute(s, pattern, &carried[0].1, &mut known);
    report(s, pattern, known, unknown, empty)
}

/// Each answer with its quantity and its number, or judged unknown: no such id (with the
/// nearest one), or not a number.
fn sort(exact: &Trace, ex: &Explainer, file: &AnswersFile) -> Sorted {
    let order: HashMap<String, (usize, Key)> = exact
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| (ex.id(e.key), (i, e.key)))
        .collect();
    let mut sorted = Sorted {
        known: Vec::new(),
        unknown: Vec::new(),
        empty: 0,
    };
    for answer in &file.answers {
        let Some(text) = &answer.text else {
            sorted.empty += 1;
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
                sorted.unknown.push(j);
            }
            (Some(_), None) => {
                j.explanation = Some(format!("`{text}` is not a number"));
                sorted.unknown.push(j);
            }
            (Some(&(at, key)), Some(given)) => {
                j.key = Some(key);
                j.at = Some(at);
                j.given = Some(given.value);
                sorted.known.push(Known {
                    key,
                    at,
                    given,
                    judged: j,
                });
            }
        }
    }
    sorted.known.sort_by_key(|k| k.at);
    sorted
}

/// The student's values carried forward; what was not written down kept at full
/// precision, or rounded as on a calculator (full precision first).
fn carried_forward(
    s: &Scenario,
    pattern: usize,
    overrides: &HashMap<Key, f64>,
) -> Vec<(Option<u32>, Trace)> {
    CALCULATOR_ROUNDING
        .iter()
        .map(|&round| {
            let policy = Policy {
                round,
                overrides: overrides.clone(),
                ..Policy::default()
            };
            (round, s.trace(pattern, policy))
        })
        .collect()
}

/// Correct when the answer matches the exact value; consistent (for now: [`attribute`]
/// decides) when it matches the value recomputed from the student's own values under
/// some rounding; wrong otherwise.
fn judge(ex: &Explainer, exact: &Trace, carried: &[(Option<u32>, Trace)], known: &mut [Known]) {
    for Known {
        key, given, judged, ..
    } in known
    {
        let key = *key;
        judged.symbol = ex.explain(key).symbol;
        let e = exact.value(key).expect("in the exact trace");
        judged.exact = Some(e);
        judged.carried = carried[0].1.computed(key);
        let from_own = carried.iter().find_map(|(round, t)| {
            let c = t.computed(key).expect("in the carried trace");
            given.matches(c).then_some((*round, c))
        });
        judged.verdict = if given.matches(e) {
            Verdict::Correct
        } else if let Some((round, c)) = from_own {
            judged.carried = Some(c);
            judged.rounded_to = round;
            Verdict::Consistent
        } else {
            Verdict::Wrong
        };
    }
}

/// A student who kept full precision between the numbers written down: only the wrong
/// values carried, everything else computed exactly. A wrong answer that matches this is
/// consistent.
fn carry_only_the_wrong(s: &Scenario, pattern: usize, known: &mut [Known]) {
    let wrong_only: HashMap<Key, f64> = known
        .iter()
        .filter(|k| k.judged.verdict == Verdict::Wrong)
        .map(|k| (k.key, k.given.value))
        .collect();
    if wrong_only.is_empty() {
        return;
    }
    let precise = s.trace(
        pattern,
        Policy {
            overrides: wrong_only,
            ..Policy::default()
        },
    );
    for k in known
        .iter_mut()
        .filter(|k| k.judged.verdict == Verdict::Wrong)
    {
        let c = precise.computed(k.key).expect("in the trace");
        if k.given.matches(c) {
            k.judged.verdict = Verdict::Consistent;
            k.judged.carried = Some(c);
        }
    }
}

/// Names the mistakes that reproduce each wrong answer, with their explanations. The
/// catalogue is replayed once, and only when some answer is wrong.
fn diagnose_the_wrong(
    s: &Scenario,
    pattern: usize,
    ex: &Explainer,
    plain: [&Trace; 2],
    overrides: &HashMap<Key, f64>,
    known: &mut [Known],
) {
    if !known.iter().any(|k| k.judged.verdict == Verdict::Wrong) {
        return;
    }
    let mistakes = mistakes::catalogue(s, pattern);
    let replays: Vec<Option<[Trace; 2]>> = mistakes
        .iter()
        .map(|m| {
            Some([
                replay(s, pattern, m, &HashMap::new())?,
                replay(s, pattern, m, overrides)?,
            ])
        })
        .collect();
    for k in known
        .iter_mut()
        .filter(|k| k.judged.verdict == Verdict::Wrong)
    {
        let found = diagnose(s, pattern, k.key, k.given, &mistakes, &replays, plain);
        let explained: Vec<String> = found
            .iter()
            .enumerate()
            .map(|(n, m)| match n {
                0 => (m.explain)(ex, k.key),
                _ => format!("or {}: {}", m.code, (m.explain)(ex, k.key)),
            })
            .collect();
        k.judged.diagnoses = found.iter().map(|m| m.code).collect();
        if !explained.is_empty() {
            k.judged.explanation = Some(explained.join("; "));
        }
    }
}

/// The report: the known answers in trace order, then the unknown in file order, counted.
fn report(
    s: &Scenario,
    pattern: usize,
    known: Vec<Known>,
    unknown: Vec<Judged>,
    empty: usize,
) -> Report {
    let mut answers: Vec<Judged> = known.into_iter().map(|k| k.judged).collect();
    answers.extend(unknown);
    let mut score = Score {
        empty,
        ..Score::default()
    };
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
fn attribute(s: &Scenario, pattern: usize, carried: &Trace, known: &mut [Known]) {
    if !known
        .iter()
        .any(|k| k.judged.verdict == Verdict::Consistent)
    {
        return;
    }
    let ex = s.explainer(pattern, carried);
    let answered: HashMap<Key, usize> = known.iter().enumerate().map(|(i, k)| (k.key, i)).collect();
    let mut memo = HashMap::new();
    let mut passed: Vec<Vec<usize>> = vec![Vec::new(); known.len()];
    // In trace order, so an earlier answer's sources are known when a later one reads them.
    for i in 0..known.len() {
        if known[i].judged.verdict == Verdict::Consistent {
            let mut found = Vec::new();
            for input in ex.explain(known[i].key).inputs() {
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
                .filter(|&at| known[at].judged.verdict == Verdict::Wrong)
                .collect();
            if wrong.is_empty() {
                let rounded: Vec<&Judged> = found.iter().map(|&at| &known[at].judged).collect();
                let why = rounding_explained(&rounded, known[i].judged.rounded_to);
                let ids = rounded.iter().map(|j| j.id.clone()).collect();
                let j = &mut known[i].judged;
                j.follows_from = ids;
                j.verdict = Verdict::Correct;
                j.explanation = Some(why);
            } else {
                known[i].judged.follows_from = wrong
                    .iter()
                    .map(|&at| known[at].judged.id.clone())
                    .collect();
                passed[i] = wrong;
                continue;
            }
        }
        let Known { given, judged, .. } = &known[i];
        passed[i] = match judged.verdict {
            Verdict::Wrong => vec![i],
            Verdict::Correct if judged.exact != Some(given.value) => vec![i],
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
