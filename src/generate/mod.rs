//! New exercises on demand (SPEC section 7): a network of a chosen kind and size with
//! numbers that can be worked by hand, drawn from a seed, checked by tracing it.
//!
//! Each kind of network is a [`Family`] in its own file (`mlp.rs`, `cnn1d.rs`,
//! `cnn2d.rs`). A family draws a [`plan::Plan`]
//! from the portable random stream of [`draw::Draw`]; the plan is written as a scenario
//! file, parsed and traced like any other, and the trace is judged against the rules for
//! hand-workable numbers ([`judge`]). A candidate that breaks them is drawn again, from
//! the same stream, so the result depends on the seed alone.

pub mod cnn1d;
pub mod cnn2d;
pub mod draw;
pub mod mlp;
pub mod plan;

use crate::formula::{Rendering, plain_number};
use crate::network::{Explainer, Hazard};
use crate::scenario::{self, Scenario};
use crate::trace::{Key, Kind as Quantity, Policy};
use draw::Draw;
use plan::Plan;
use std::fmt;

/// Within this of a decision (a pooling window's top two, a ReLU input and 0) the answer
/// hangs on a digit a student may have rounded away.
pub const NEAR: f64 = 0.05;
/// Beyond ±this a sigmoid's derivative σ(1 − σ) is below 0.018: vanishingly small by hand.
pub const SIGMOID_LIMIT: f64 = 4.0;
/// How many candidates are drawn before giving up (never reached in the tested seeds).
pub const MAX_TRIES: u32 = 20_000;
/// Room for the rounding of sums of tenths (0.1 + 0.2 is not 0.3 in binary).
const SLACK: f64 = 1e-9;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetKind {
    Mlp,
    Cnn1d,
    Cnn2d,
}

impl NetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NetKind::Mlp => "mlp",
            NetKind::Cnn1d => "cnn1d",
            NetKind::Cnn2d => "cnn2d",
        }
    }

    fn tag(self) -> u8 {
        match self {
            NetKind::Mlp => 1,
            NetKind::Cnn1d => 2,
            NetKind::Cnn2d => 3,
        }
    }

    /// The family that draws this kind.
    fn family(self) -> &'static dyn Family {
        match self {
            NetKind::Mlp => &mlp::Mlp,
            NetKind::Cnn1d => &cnn1d::Cnn1d,
            NetKind::Cnn2d => &cnn2d::Cnn2d,
        }
    }
}

/// The size of an exercise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    One,
    Two,
    Three,
}

impl Level {
    pub fn number(self) -> u8 {
        match self {
            Level::One => 1,
            Level::Two => 2,
            Level::Three => 3,
        }
    }
}

/// A delicate value planted on purpose (`--with`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plant {
    /// Exactly one pooling window with a tie.
    Ties,
    /// Exactly one ReLU input of exactly 0.
    ReluZero,
}

impl Plant {
    pub fn as_str(self) -> &'static str {
        match self {
            Plant::Ties => "ties",
            Plant::ReluZero => "relu-zero",
        }
    }

    fn tag(plant: Option<Plant>) -> u8 {
        match plant {
            None => 0,
            Some(Plant::Ties) => 1,
            Some(Plant::ReluZero) => 2,
        }
    }
}

/// One kind of network the generator draws.
pub trait Family {
    fn name(&self) -> &'static str;
    /// Whether this kind of network has what `plant` needs (a tie needs pooling).
    fn plants(&self, plant: Plant) -> bool;
    /// One candidate: every number drawn from `d`; None when this draw cannot hold the
    /// plant (the next candidate is drawn from the same stream).
    fn draw(&self, d: &mut Draw, level: Level, plant: Option<Plant>) -> Option<Plan>;
}

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub kind: NetKind,
    pub seed: u64,
    pub level: Level,
    pub plant: Option<Plant>,
}

impl Request {
    /// The command line that makes this exercise again.
    pub fn command(&self) -> String {
        let with = self
            .plant
            .map(|p| format!(" --with {}", p.as_str()))
            .unwrap_or_default();
        format!(
            "nntrace generate --kind {} --seed {} --difficulty {}{with}",
            self.kind.as_str(),
            self.seed,
            self.level.number()
        )
    }

    /// The scenario's name: `cnn1d-seed7-level2` (`-ties`, `-relu-zero` when planted).
    pub fn name(&self) -> String {
        let with = self
            .plant
            .map(|p| format!("-{}", p.as_str()))
            .unwrap_or_default();
        format!(
            "{}-seed{}-level{}{with}",
            self.kind.as_str(),
            self.seed,
            self.level.number()
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum GenerateError {
    /// The plant needs a layer this kind of network does not have.
    CannotPlant { kind: NetKind, plant: Plant },
    /// No candidate met the rules within [`MAX_TRIES`].
    NothingFound { request: Request },
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            GenerateError::CannotPlant { kind, plant } => write!(
                f,
                "--with {}: a {} network has no max-pooling layer, so it cannot hold a tie\n  \
                 help: use --kind cnn1d or --kind cnn2d for a planted tie",
                plant.as_str(),
                kind.as_str()
            ),
            GenerateError::NothingFound { request } => write!(
                f,
                "no hand-workable exercise found for `{}` in {MAX_TRIES} tries\n  help: try another --seed",
                request.command()
            ),
        }
    }
}

/// A generated exercise: the scenario file, the scenario it parses to, and what was
/// planted on purpose, in words for the key.
pub struct Exercise {
    pub request: Request,
    pub yaml: String,
    pub scenario: Scenario,
    pub planted: Option<String>,
    /// How many candidates were drawn.
    pub tries: u32,
}

/// Draws candidates until one traces to hand-workable numbers.
pub fn generate(request: Request) -> Result<Exercise, GenerateError> {
    let family = request.kind.family();
    if let Some(plant) = request.plant
        && !family.plants(plant)
    {
        return Err(GenerateError::CannotPlant {
            kind: request.kind,
            plant,
        });
    }
    let tags = [
        request.kind.tag(),
        request.level.number(),
        Plant::tag(request.plant),
    ];
    let mut d = Draw::new(request.seed, tags);
    for tries in 1..=MAX_TRIES {
        let Some(mut plan) = family.draw(&mut d, request.level, request.plant) else {
            continue;
        };
        plan.name = request.name();
        plan.comment = format!(
            "A generated exercise: {}\n(the same command gives the same file on every machine)",
            request.command()
        );
        let yaml = plan.yaml();
        let s = scenario::parse(&yaml, "exercise.yaml", &plan.name)
            .unwrap_or_else(|e| panic!("a generated scenario is valid: {e}\n{yaml}"));
        let trace = s.trace(0, Policy::default());
        let ex = s.explainer(0, &trace);
        if let Some(planted) = judge(&ex, request.plant) {
            let planted = planted.map(|h| statement(&ex, h));
            return Ok(Exercise {
                request,
                yaml,
                scenario: s,
                planted,
                tries,
            });
        }
    }
    Err(GenerateError::NothingFound { request })
}

/// How a delicate value stands against the rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Standing {
    /// Clear of every decision.
    Clear,
    /// Exactly on a decision (a tie, a ReLU input of 0) where it matters: a gradient
    /// flows there, so the convention changes the answer.
    Planted(Plant),
    /// A tie at 0 in the pooling window of a planted ReLU zero: where a ReLU input of 0
    /// gets a gradient at all (its window's maximum is 0), it is tied with its neighbours.
    Companion,
    /// On or near a decision by accident, or a saturated sigmoid.
    Refused,
}

fn standing(h: Hazard, ex: &Explainer, plant: Option<Plant>) -> Standing {
    let gradient_flows = |key: Key| ex.value(key.layer, Quantity::Grad, key.index as usize) != 0.0;
    match h {
        Hazard::PoolGap { pooled, gap } => {
            let value = ex.value(pooled.layer, Quantity::Out, pooled.index as usize);
            if gap == 0.0 && value > NEAR && gradient_flows(pooled) {
                Standing::Planted(Plant::Ties)
            } else if gap == 0.0
                && value == 0.0
                && plant == Some(Plant::ReluZero)
                && gradient_flows(pooled)
            {
                Standing::Companion
            } else if gap <= NEAR + SLACK {
                Standing::Refused
            } else {
                Standing::Clear
            }
        }
        Hazard::ReluInput { output, value, .. } => {
            if value == 0.0 && gradient_flows(output) {
                Standing::Planted(Plant::ReluZero)
            } else if value.abs() <= NEAR + SLACK {
                Standing::Refused
            } else {
                Standing::Clear
            }
        }
        Hazard::SigmoidInput { value, .. } => {
            if value.abs() > SIGMOID_LIMIT {
                Standing::Refused
            } else {
                Standing::Clear
            }
        }
    }
}

/// Whether a traced candidate is hand-workable: with no plant, every delicate value is
/// clear; with a plant, exactly one is planted (returned) and every other is clear (but
/// for the tie at 0 a planted ReLU zero needs to receive a gradient after pooling).
/// None when the candidate is refused.
fn judge(ex: &Explainer, plant: Option<Plant>) -> Option<Option<Hazard>> {
    let mut planted = Vec::new();
    let mut companions = 0;
    for h in ex.hazards() {
        match standing(h, ex, plant) {
            Standing::Clear => {}
            Standing::Companion => companions += 1,
            Standing::Planted(p) if Some(p) == plant => planted.push(h),
            Standing::Planted(_) | Standing::Refused => return None,
        }
    }
    match (plant, planted.as_slice()) {
        (None, []) => Some(None),
        (Some(_), [one]) if companions <= 1 => Some(Some(*one)),
        _ => None,
    }
}

/// The key's sentence on what was planted on purpose and what the convention does there.
fn statement(ex: &Explainer, h: Hazard) -> String {
    let show = |key: Key| {
        let e = ex.explain(key);
        let symbolic = e.formula.render(Rendering::Symbolic, 6);
        let numbers = e.formula.render(Rendering::Substituted, 6);
        let value = plain_number(ex.value(key.layer, key.kind, key.index as usize), 6);
        format!("{} = {symbolic} = {numbers} = {value}", e.symbol)
    };
    match h {
        Hazard::PoolGap { pooled, .. } => {
            let route = ex.trace.route(pooled);
            let names = ex.net.node_names(pooled.layer - 1);
            let first = route
                .and_then(|r| r.chosen.first())
                .map_or("?", |&c| names[c as usize].as_str());
            let name = ex.name(pooled);
            format!(
                "Planted on purpose: a tie. {} holds its maximum twice. Under this \
                 exercise's convention (max-pool ties: first, as in PyTorch) ∂L/∂{name} goes \
                 to {first} only; with ties: all (the lecture's) every tied input would get \
                 it, with ties: split each a share.",
                show(pooled)
            )
        }
        Hazard::ReluInput { input, output, .. } => {
            let grad = ex.value(output.layer, Quantity::Grad, output.index as usize);
            let name = ex.name(output);
            format!(
                "Planted on purpose: a ReLU input of exactly 0. {}. Under this exercise's \
                 convention ReLU′(0) = 0 (PyTorch's) the gradient ∂L/∂{name} = {} stops \
                 there; under the lecture's convention (ReLU′(0) = 1, \"positive or zero\") it \
                 would pass.",
                show(input),
                plain_number(grad, 6)
            )
        }
        Hazard::SigmoidInput { input, .. } => show(input),
    }
}

/// `width` inputs from 0 to `largest`, not all 0.
pub(crate) fn draw_input(d: &mut Draw, width: usize, largest: i32) -> Vec<i32> {
    loop {
        let input: Vec<i32> = (0..width).map(|_| d.int(0, largest)).collect();
        if input.iter().any(|&x| x != 0) {
            return input;
        }
    }
}

/// λ in tenths: none at level 1, 0 or 0.1 at level 2, 0.1 (as in the lecture) at level 3.
pub(crate) fn draw_lambda(d: &mut Draw, level: Level) -> i32 {
    match level {
        Level::One => 0,
        Level::Two => d.pick(&[0, 1]),
        Level::Three => 1,
    }
}

impl Exercise {
    /// The six files of the exercise, names and contents: the scenario, the blank sheet
    /// and the key (Markdown and LaTeX, through the handout renderer), and the answers
    /// template for `check`.
    pub fn files(&self) -> Vec<(&'static str, String)> {
        use crate::render::handout::{Handout, Kind};
        let s = &self.scenario;
        let trace = s.trace(0, Policy::default());
        let ex = s.explainer(0, &trace);
        let handout = |kind, blank| Handout {
            kind,
            scenario: s,
            pattern: 0,
            round: None,
            digits: 6,
            blank,
        };
        let remarks: Vec<String> = self.planted.iter().cloned().collect();
        let opts = crate::render::Options {
            digits: 6,
            ascii: false,
            color: false,
            width: crate::render::DEFAULT_WIDTH,
        };
        vec![
            ("exercise.yaml", self.yaml.clone()),
            ("sheet.md", handout(Kind::Markdown, true).render(&ex)),
            ("sheet.tex", handout(Kind::Latex, true).render(&ex)),
            (
                "key.md",
                handout(Kind::Markdown, false).render_with(&ex, &remarks),
            ),
            (
                "key.tex",
                handout(Kind::Latex, false).render_with(&ex, &remarks),
            ),
            (
                "answers.yaml",
                crate::render::template::render("exercise.yaml", &s.name, 0, &ex, &opts),
            ),
        ]
    }
}
