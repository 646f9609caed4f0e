//! The answers file (SPEC section 5): which scenario and pattern, and the values a student
//! computed by hand, each with the exact text written and where it stands in the file.

use crate::error::InputError;
use crate::scenario::{check_expansion, yaml_error};
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use std::fmt;

/// One answer as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub id: String,
    /// The value exactly as written; None where it was left empty.
    pub text: Option<String>,
    /// 1-based line and column of the id, where it could be found.
    pub position: Option<(usize, usize)>,
}

/// A value a student wrote, and how precisely.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Given {
    pub value: f64,
    /// One unit of the last digit written (0.01 for `0.49`); 0 for a value written without
    /// decimals, which is taken as exact.
    pub unit: f64,
}

impl Given {
    /// Reads `0.49`, `-1.5e-3`, `−0.0147` (a true minus sign too); None if not a number.
    pub fn parse(text: &str) -> Option<Given> {
        let text = text.trim().replace('−', "-");
        let value: f64 = text.parse().ok().filter(|v: &f64| v.is_finite())?;
        if !text.bytes().any(|b| b.is_ascii_digit()) {
            return None;
        }
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(at) => (&text[..at], text[at + 1..].parse::<i32>().ok()?),
            None => (text.as_str(), 0),
        };
        let decimals = mantissa.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
        let unit = if decimals == 0 && exponent == 0 {
            0.0
        } else {
            10f64.powi(exponent - decimals)
        };
        Some(Given { value, unit })
    }

    /// Whether `target` agrees with this value to the digits written: less than one unit
    /// of the last digit apart (so both rounding and truncation pass), or equal when
    /// written without decimals.
    pub fn matches(&self, target: f64) -> bool {
        let diff = (self.value - target).abs();
        if self.unit == 0.0 {
            diff <= 1e-9 * target.abs().max(1.0)
        } else {
            diff < self.unit * (1.0 - 1e-9)
        }
    }
}

/// A parsed answers file.
#[derive(Clone, Debug, PartialEq)]
pub struct AnswersFile {
    pub file: String,
    pub scenario: Option<(String, Option<(usize, usize)>)>,
    pub pattern: Option<(usize, Option<(usize, usize)>)>,
    pub answers: Vec<Answer>,
    /// Where the `answers:` key stands.
    pub answers_position: Option<(usize, usize)>,
}

impl AnswersFile {
    /// Refuses a file in which no value is filled in: there is nothing to judge.
    pub fn something_to_check(&self) -> Result<(), InputError> {
        if self.answers.iter().any(|a| a.text.is_some()) {
            return Ok(());
        }
        let message = if self.answers.is_empty() {
            "nothing to check: no answers are listed"
        } else {
            "nothing to check: every value is left empty"
        };
        Err(InputError {
            file: self.file.clone(),
            position: self.answers_position,
            path: Some("answers".into()),
            message: message.into(),
            help: Some(
                "write each value you computed after its id, e.g. `pool.out.A: 0.2`; \
                 `nntrace template SCENARIO` lists every id"
                    .into(),
            ),
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnswers {
    scenario: Option<String>,
    pattern: Option<usize>,
    answers: Option<Entries>,
}

/// The `answers` mapping as a list, so that an id given twice is seen, not merged.
struct Entries(Vec<(String, Option<String>)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of quantity ids to values, like `pool.out.A: 0.2`")
            }
            fn visit_unit<E>(self) -> Result<Entries, E> {
                Ok(Entries(Vec::new()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(id) = map.next_key::<String>()? {
                    entries.push((id, map.next_value::<Option<String>>()?));
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_any(EntriesVisitor)
    }
}

/// Reads an answers file; `file` names it in messages.
pub fn parse(text: &str, file: &str) -> Result<AnswersFile, InputError> {
    check_expansion(text, file)?;
    let raw: RawAnswers = serde_yaml::from_str(text).map_err(|e| {
        let mut err = yaml_error(&e, text, file);
        err.message = err
            .message
            .replace("expected a string", "expected a number");
        err
    })?;
    let lines: Vec<&str> = text.lines().collect();
    let top = |key: &str| find_key(&lines, 0, key, false);
    let start = top("answers").map_or(0, |(line, _)| line);
    let mut after = start;
    let mut answers = Vec::new();
    for (id, text) in raw.answers.map(|e| e.0).unwrap_or_default() {
        let position = find_key(&lines, after, &id, true);
        if let Some((line, _)) = position {
            after = line;
        }
        if let Some(first) = answers.iter().find(|a: &&Answer| a.id == id) {
            let at = |p: Option<(usize, usize)>| {
                p.map_or(String::new(), |(l, _)| format!(" (line {l})"))
            };
            return Err(InputError {
                file: file.to_string(),
                position,
                path: Some(format!("answers.{id}")),
                message: format!("given twice{} and again here", at(first.position)),
                help: Some("keep one value per id".into()),
            });
        }
        answers.push(Answer { id, text, position });
    }
    Ok(AnswersFile {
        file: file.to_string(),
        scenario: raw.scenario.map(|s| (s, top("scenario"))),
        pattern: raw.pattern.map(|p| (p, top("pattern"))),
        answers,
        answers_position: top("answers"),
    })
}

/// 1-based line and column of `key:` at or after line `from` (0-based), indented or not.
fn find_key(lines: &[&str], from: usize, key: &str, indented: bool) -> Option<(usize, usize)> {
    lines.iter().enumerate().skip(from).find_map(|(i, line)| {
        let body = line.trim_start();
        let indent = line.len() - body.len();
        if indented == (indent == 0) {
            return None;
        }
        [key.to_string(), format!("'{key}'"), format!("\"{key}\"")]
            .iter()
            .any(|k| {
                body.strip_prefix(k.as_str())
                    .is_some_and(|rest| rest.trim_start().starts_with(':'))
            })
            .then_some((i + 1, indent + 1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_follows_the_digits_written() {
        let g = Given::parse("0.49").unwrap();
        assert_eq!((g.value, g.unit), (0.49, 0.01));
        assert!(g.matches(0.4975), "truncation passes");
        assert!(g.matches(0.487128), "rounding passes");
        assert!(!Given::parse("0.1").unwrap().matches(0.2));
        assert!(Given::parse("0").unwrap().matches(0.0));
        assert!(!Given::parse("0").unwrap().matches(0.00365));
        assert_eq!(Given::parse("−1.5e-3").unwrap().unit, 1e-4);
        assert_eq!(Given::parse("abc"), None);
        assert_eq!(Given::parse(".nan"), None);
        assert_eq!(Given::parse("inf"), None);
    }

    #[test]
    fn answers_keep_their_text_and_position() {
        let f = parse(
            "scenario: seesaw-cnn\nanswers:\n  pool.out.A: 0.10\n  hidden.out.C:\n",
            "a.yaml",
        )
        .unwrap();
        assert_eq!(f.answers[0].text.as_deref(), Some("0.10"));
        assert_eq!(f.answers[0].position, Some((3, 3)));
        assert_eq!(f.answers[1].text, None);
        assert_eq!(f.scenario, Some(("seesaw-cnn".into(), Some((1, 1)))));
    }

    #[test]
    fn an_id_given_twice_is_refused_where_it_is_repeated() {
        let err = parse("answers:\n  loss: 0.6\n  loss: 0.7\n", "a.yaml").unwrap_err();
        assert_eq!(err.position, Some((3, 3)));
        assert!(
            err.message.contains("given twice (line 2)"),
            "{}",
            err.message
        );
    }
}
