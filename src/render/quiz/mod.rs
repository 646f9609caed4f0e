//! Quizzes for a learning platform (SPEC section 7): the trace's quantities as numerical
//! questions, written as Moodle XML, GIFT or QTI 1.2 (as Canvas imports it).
//!
//! Each question is one quantity: its symbol and its formula without numbers as the
//! prompt, the values it reads listed with where they come from (given, or the answer to
//! an earlier question, whose exact value is stated so that one slip does not cost every
//! later question), and the exact recorded value as the answer with a tolerance.

pub mod gift;
pub mod moodle;
pub mod qti;

use super::{Row, place, rows};
use crate::formula::{Rendering, number, plain_number, round_sig};
use crate::network::Explainer;
use crate::trace::{INPUT_LAYER, Key, Kind, Phase};

/// Which quantities become questions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selection {
    /// Only these kinds (`--kinds out,grad,dw`); all computed kinds when empty.
    pub kinds: Vec<Kind>,
    /// Only these layers, each in one phase or all (`--only hidden.backward`); every
    /// layer when empty.
    pub only: Vec<(String, Option<Phase>)>,
}

/// How far from the exact value an answer may be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tolerance {
    /// Half a unit in the third significant digit of the exact value.
    ThirdDigit,
    /// This fraction of the exact value.
    Relative(f64),
}

impl Tolerance {
    /// The absolute tolerance around `value`, to 3 significant digits.
    pub fn around(self, value: f64) -> f64 {
        if value == 0.0 {
            return 0.0;
        }
        let tol = match self {
            Tolerance::ThirdDigit => 0.5 * 10f64.powi(value.abs().log10().floor() as i32 - 2),
            Tolerance::Relative(r) => r * value.abs(),
        };
        round_sig(tol, 3)
    }
}

/// A value a question's formula reads.
#[derive(Clone, Debug, PartialEq)]
pub struct Operand {
    /// As the formula names it: `C`, `∂L/∂f@p1`, `α`.
    pub name: String,
    /// The value to use, to 6 significant digits.
    pub value: String,
    pub source: Source,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// An input, a weight or a setting: stated by the exercise.
    Given,
    /// The answer to this earlier question.
    Question(usize),
    /// Computed earlier in the trace, but not asked.
    Earlier,
}

/// One numerical question.
#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    /// From 1, in the order computed.
    pub number: usize,
    pub id: String,
    pub key: Key,
    /// `BACKWARD · hidden`.
    pub place: String,
    pub symbol: String,
    /// The formula with names.
    pub formula: String,
    /// The formula with the numbers put in, and the value: the worked line for feedback.
    pub worked: String,
    pub operands: Vec<Operand>,
    /// The exact recorded value.
    pub answer: f64,
    pub tolerance: f64,
}

impl Question {
    /// The prompt as plain text: what to compute, and with which values.
    pub fn prompt(&self) -> String {
        let mut text = format!(
            "{}: compute {} = {}.",
            self.place, self.symbol, self.formula
        );
        if !self.operands.is_empty() {
            let uses: Vec<String> = self.operands.iter().map(Operand::describe).collect();
            text.push_str(&format!(" Use {}.", uses.join(", ")));
        }
        text
    }

    /// The answer as written in a quiz file: every digit of the recorded value.
    pub fn answer_text(&self) -> String {
        format!("{}", self.answer)
    }

    pub fn tolerance_text(&self) -> String {
        format!("{}", self.tolerance)
    }

    /// Its name in a question bank: `07 hidden.grad.C`.
    pub fn title(&self, width: usize) -> String {
        format!("{:0width$} {}", self.number, self.id)
    }
}

impl Operand {
    /// `C = 0.495025`.
    pub fn value_text(&self) -> String {
        format!("{} = {}", self.name, self.value)
    }

    fn describe(&self) -> String {
        let from = match self.source {
            Source::Given => "given".to_string(),
            Source::Question(n) => format!("your answer to question {n}"),
            Source::Earlier => "computed earlier".to_string(),
        };
        format!("{} = {} ({from})", self.name, self.value)
    }
}

/// A group of questions: one table of the trace (a layer in a phase).
pub struct Group {
    pub title: String,
    pub questions: Vec<Question>,
}

/// Every question of a trace, grouped by table.
pub struct Quiz {
    /// `seesaw-cnn, pattern 0`.
    pub title: String,
    /// The scenario's name, for the question bank's category.
    pub name: String,
    pub groups: Vec<Group>,
}

impl Quiz {
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.groups.iter().flat_map(|g| &g.questions)
    }

    /// Digits of the largest question number, for names that sort.
    pub fn width(&self) -> usize {
        self.questions().count().to_string().len().max(2)
    }
}

impl Selection {
    fn admits(&self, ex: &Explainer, row: &Row) -> bool {
        let computed = row.formula.is_some() && row.key.layer != INPUT_LAYER;
        let kind = self.kinds.is_empty() || self.kinds.contains(&row.key.kind);
        let layer = ex.net.layer_name(row.key.layer);
        let phase = row.key.kind.phase();
        let only = self.only.is_empty()
            || self
                .only
                .iter()
                .any(|(l, p)| l == layer && p.is_none_or(|p| p == phase));
        computed && kind && only
    }
}

/// The questions a selection makes of a trace.
pub fn build(
    ex: &Explainer,
    title: &str,
    name: &str,
    selection: &Selection,
    tolerance: Tolerance,
) -> Quiz {
    let rows = rows(ex, 6);
    let mut numbers: Vec<(Key, usize)> = Vec::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut section = None;
    for row in rows.iter().filter(|r| selection.admits(ex, r)) {
        let number = numbers.len() + 1;
        let operands = row
            .expr
            .named_values()
            .into_iter()
            .map(|(name, value, key)| Operand {
                name: name.to_string(),
                value: number_text(value),
                source: source(key, &numbers),
            })
            .collect();
        let question = Question {
            number,
            id: row.id.clone(),
            key: row.key,
            place: place(ex.net, row.key.section()),
            symbol: row.symbol.clone(),
            formula: row.formula.clone().unwrap_or_default(),
            worked: format!(
                "{} = {} = {} = {}",
                row.symbol,
                row.formula.as_deref().unwrap_or_default(),
                row.expr.render(Rendering::Substituted, 6),
                row.shown_value
            ),
            operands,
            answer: row.value,
            tolerance: tolerance.around(row.value),
        };
        numbers.push((row.key, number));
        if section != Some(row.key.section()) {
            section = Some(row.key.section());
            groups.push(Group {
                title: question.place.clone(),
                questions: Vec::new(),
            });
        }
        groups.last_mut().expect("a group").questions.push(question);
    }
    Quiz {
        title: title.to_string(),
        name: name.to_string(),
        groups,
    }
}

fn number_text(value: f64) -> String {
    number(value, 6)
}

fn source(key: Option<Key>, numbers: &[(Key, usize)]) -> Source {
    match key {
        None => Source::Given,
        Some(k) if k.layer == INPUT_LAYER || k.kind == Kind::W => Source::Given,
        Some(k) => numbers
            .iter()
            .find(|(asked, _)| *asked == k)
            .map_or(Source::Earlier, |&(_, n)| Source::Question(n)),
    }
}

/// The kinds `--kinds` accepts, by their names in quantity ids.
pub fn kind_named(name: &str) -> Option<Kind> {
    use Kind::*;
    [
        W, Out, Net, Grad, Dact, Delta, Contrib, Wgrad, Dw, New, Loss, LossLog10, LossTotal,
    ]
    .into_iter()
    .find(|k| k.as_str() == name)
}

/// Text escaped for HTML.
pub fn html(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// A question's prompt as HTML: the place, what to compute, the values to use.
pub fn prompt_html(q: &Question) -> String {
    let mut out = format!(
        "<p>{}</p><p>Compute <b>{}</b> = {}</p>",
        html(&q.place),
        html(&q.symbol),
        html(&q.formula)
    );
    if !q.operands.is_empty() {
        let uses: Vec<String> = q.operands.iter().map(|o| html(&o.describe())).collect();
        out.push_str(&format!("<p>Use {}.</p>", uses.join(", ")));
    }
    out
}

/// The worked line as HTML feedback.
pub fn feedback_html(q: &Question) -> String {
    format!("<p>{}</p>", html(&q.worked))
}

/// The number of a tolerance band's ends, as a quiz file writes them.
pub fn bound(x: f64) -> String {
    plain_number(x, 15)
}
