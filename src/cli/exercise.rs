//! `generate` (new exercises) and `export` (quizzes for a learning platform).

use super::Error;
use crate::error::{Doing, IoFailure};
use crate::generate::{self, Level, NetKind, Plant, Request};
use crate::render::quiz::{self, Selection, Tolerance};
use crate::scenario::{self, Scenario};
use crate::trace::{Phase, Policy};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum KindArg {
    /// Dense layers only.
    Mlp,
    /// A 1-D convolution, ReLU, max pooling and dense layers, as in the lecture.
    Cnn1d,
    /// 2-D convolution (needs the 2-D layers, not in this version).
    Cnn2d,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlantArg {
    /// Exactly one pooling window with a tie.
    Ties,
    /// Exactly one ReLU input of exactly 0.
    ReluZero,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuizFormat {
    /// Moodle XML (numerical questions; one Cloze question per table with --cloze).
    Moodle,
    /// GIFT, Moodle's plain-text format.
    Gift,
    /// QTI 1.2 as Canvas imports it: a zip with imsmanifest.xml.
    Qti,
}

impl QuizFormat {
    /// The file name of a quiz written beside an exercise.
    fn file_name(self) -> &'static str {
        match self {
            QuizFormat::Moodle => "quiz.xml",
            QuizFormat::Gift => "quiz.gift",
            QuizFormat::Qti => "quiz.zip",
        }
    }
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// The kind of network.
    #[arg(long, value_enum)]
    pub kind: KindArg,
    /// The seed: the same kind, seed and difficulty give the same files everywhere.
    #[arg(long)]
    pub seed: u64,
    /// The size: 1 small, 2 the lecture's (default), 3 larger, with biases and L2.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub difficulty: u8,
    /// Plant exactly one delicate value on purpose (stated in the key).
    #[arg(long = "with", value_enum, value_name = "WHAT")]
    pub plant: Option<PlantArg>,
    /// The folder to write into (created if missing; the exercise's files are replaced).
    #[arg(short, long, value_name = "DIR")]
    pub output: String,
    /// Write K variants, seeds N, N+1, …, into DIR/01, DIR/02, …
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub count: Option<u32>,
    /// One student name per line: a variant each, and DIR/class.csv saying who got which.
    #[arg(long, value_name = "FILE")]
    pub students: Option<String>,
    /// Also write the quiz beside each exercise (quiz.xml, quiz.gift or quiz.zip).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub quiz: Option<QuizFormat>,
    #[command(flatten)]
    pub questions: QuestionArgs,
}

/// Which quantities become questions, and how exactly they must be answered.
#[derive(Args, Debug)]
pub struct QuestionArgs {
    /// Only quantities of these kinds (out, net, grad, dact, delta, contrib, wgrad, dw,
    /// new, loss, …); every computed quantity when left out.
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    pub kinds: Vec<String>,
    /// Only this layer, or one phase of it (LAYER or LAYER.forward|backward|update);
    /// may be given several times.
    #[arg(long, value_delimiter = ',', value_name = "LAYER[.PHASE]")]
    pub only: Vec<String>,
    /// Relative tolerance of every answer (default: half a unit in the third significant
    /// digit of the exact value).
    #[arg(long, value_name = "FRACTION")]
    pub tolerance: Option<f64>,
    /// Moodle: one Cloze question per table instead of one numerical question per quantity.
    #[arg(long)]
    pub cloze: bool,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// A scenario file, or the name of a built-in scenario.
    pub scenario: String,
    /// The quiz format.
    #[arg(long, value_enum)]
    pub format: QuizFormat,
    /// Where to write it (`-` for standard output, not for qti).
    #[arg(short, long, value_name = "FILE")]
    pub output: String,
    /// Which row of the scenario's `data` (default: the scenario's `pattern`).
    #[arg(long)]
    pub pattern: Option<usize>,
    #[command(flatten)]
    pub questions: QuestionArgs,
}

impl QuestionArgs {
    fn selection(&self, s: &Scenario) -> Result<Selection, Error> {
        let mut kinds = Vec::new();
        for name in &self.kinds {
            match quiz::kind_named(name.trim()) {
                Some(k) => kinds.push(k),
                None => {
                    return Err(Error::Usage(format!(
                        "--kinds {name}: no such kind of quantity\n  help: kinds are w, out, \
                         net, grad, dact, delta, contrib, wgrad, dw, new, loss, log10, total"
                    )));
                }
            }
        }
        let layers: Vec<&str> = std::iter::once("loss")
            .chain(s.network.layers.iter().map(|l| l.name()))
            .collect();
        let mut only = Vec::new();
        for given in &self.only {
            let (layer, phase) = match given.split_once('.') {
                Some((l, p)) => (l, Some(phase_named(given, p)?)),
                None => (given.as_str(), None),
            };
            if !layers.contains(&layer) {
                let hint = match crate::error::nearest(layer, layers.iter().copied()) {
                    Some(near) => format!("did you mean `{near}`? "),
                    None => String::new(),
                };
                return Err(Error::Usage(format!(
                    "--only {given}: {} has no layer `{layer}`\n  help: {hint}its layers are {}",
                    s.name,
                    layers.join(", ")
                )));
            }
            only.push((layer.to_string(), phase));
        }
        Ok(Selection { kinds, only })
    }

    fn tolerance(&self) -> Result<Tolerance, Error> {
        match self.tolerance {
            None => Ok(Tolerance::ThirdDigit),
            Some(t) if t.is_finite() && t > 0.0 && t < 1.0 => Ok(Tolerance::Relative(t)),
            Some(t) => Err(Error::Usage(format!(
                "--tolerance {t}: give a fraction of the exact value between 0 and 1, e.g. 0.01 for 1%"
            ))),
        }
    }

    /// The quiz of one pattern of a scenario, in `format`.
    fn quiz(&self, s: &Scenario, pattern: usize, format: QuizFormat) -> Result<Vec<u8>, Error> {
        if self.cloze && format != QuizFormat::Moodle {
            return Err(Error::Usage(
                "--cloze makes Moodle Cloze questions: use it with --format moodle".into(),
            ));
        }
        let selection = self.selection(s)?;
        super::traceable(s)?;
        let trace = s.trace(pattern, Policy::default());
        let ex = s.explainer(pattern, &trace);
        let title = format!("{}, pattern {pattern}", s.name);
        let quiz = quiz::build(&ex, &title, &s.name, &selection, self.tolerance()?);
        if quiz.groups.is_empty() {
            return Err(Error::Usage(
                "no quantity matches --kinds and --only: the quiz would be empty".into(),
            ));
        }
        Ok(match format {
            QuizFormat::Moodle => quiz::moodle::write(&quiz, self.cloze).into_bytes(),
            QuizFormat::Gift => quiz::gift::write(&quiz).into_bytes(),
            QuizFormat::Qti => quiz::qti::write(&quiz),
        })
    }
}

fn phase_named(given: &str, phase: &str) -> Result<Phase, Error> {
    [Phase::Forward, Phase::Backward, Phase::Update]
        .into_iter()
        .find(|p| p.as_str() == phase)
        .ok_or_else(|| {
            Error::Usage(format!(
                "--only {given}: `{phase}` is not a phase\n  help: phases are forward, backward, update"
            ))
        })
}

/// Writes a whole file or nothing; text may go to standard output (`-`).
fn write_bytes(path: &str, bytes: &[u8]) -> Result<i32, Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => crate::output::to_file(path, text),
        Err(_) => crate::output::bytes_to_file(path, bytes),
    }
    .map(|()| 0)
}

pub(crate) fn export(args: &ExportArgs) -> Result<i32, Error> {
    let s = scenario::load(&args.scenario)?;
    let pattern = super::pattern_index(&s, args.pattern)?;
    if args.output == "-" && args.format == QuizFormat::Qti {
        return Err(Error::Usage(
            "-o -: a QTI package is a zip file; give a file name such as quiz.zip".into(),
        ));
    }
    let bytes = args.questions.quiz(&s, pattern, args.format)?;
    write_bytes(&args.output, &bytes)
}

/// Who gets which variant: one name per line (blank lines and `#` comments skipped).
fn students(path: &str) -> Result<Vec<String>, Error> {
    let text = scenario::read_limited(Path::new(path), path)?;
    let names: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    if names.is_empty() {
        return Err(Error::Usage(format!(
            "--students {path}: no names in it; write one student per line"
        )));
    }
    Ok(names)
}

/// A CSV field, quoted when it has to be.
fn csv(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

pub(crate) fn generate(args: &GenerateArgs) -> Result<i32, Error> {
    let kind = match args.kind {
        KindArg::Mlp => NetKind::Mlp,
        KindArg::Cnn1d => NetKind::Cnn1d,
        KindArg::Cnn2d => NetKind::Cnn2d,
    };
    let level = match args.difficulty {
        1 => Level::One,
        2 => Level::Two,
        _ => Level::Three,
    };
    let plant = args.plant.map(|p| match p {
        PlantArg::Ties => Plant::Ties,
        PlantArg::ReluZero => Plant::ReluZero,
    });
    let class = match &args.students {
        Some(path) => Some(students(path)?),
        None => None,
    };
    let count = match (&class, args.count) {
        (Some(names), Some(k)) if names.len() != k as usize => {
            return Err(Error::Usage(format!(
                "--count {k} but {} names in --students: leave out --count, or make them agree",
                names.len()
            )));
        }
        (Some(names), _) => names.len(),
        (None, k) => k.unwrap_or(1) as usize,
    };
    let root = PathBuf::from(&args.output);
    let width = count.to_string().len().max(2);
    let mut rows = String::from("student,seed,folder\n");
    let mut report = String::new();
    for i in 0..count {
        let seed = args.seed.checked_add(i as u64).ok_or_else(|| {
            Error::Usage(format!(
                "--seed {}: too large for {count} variants",
                args.seed
            ))
        })?;
        let request = Request {
            kind,
            seed,
            level,
            plant,
        };
        let exercise = generate::generate(request)?;
        let dir = if count == 1 && class.is_none() {
            root.clone()
        } else {
            root.join(format!("{:0width$}", i + 1))
        };
        write_exercise(&dir, &exercise, args)?;
        report.push_str(&format!("{}: {}\n", dir.display(), exercise.scenario.name));
        if let Some(names) = &class {
            let folder = format!("{:0width$}", i + 1);
            rows.push_str(&format!("{},{seed},{folder}\n", csv(&names[i])));
        }
    }
    if class.is_some() {
        let path = root.join("class.csv");
        write_bytes(&path.to_string_lossy(), rows.as_bytes())?;
        report.push_str(&format!("{}: who got which seed\n", path.display()));
    }
    super::emit(&report)
}

fn write_exercise(
    dir: &Path,
    exercise: &generate::Exercise,
    args: &GenerateArgs,
) -> Result<(), Error> {
    std::fs::create_dir_all(dir)
        .map_err(|e| IoFailure::new(Doing::CreatingFolder(dir.display().to_string()), e))?;
    for (name, text) in exercise.files() {
        write_bytes(&dir.join(name).to_string_lossy(), text.as_bytes())?;
    }
    if let Some(format) = args.quiz {
        let bytes = args.questions.quiz(&exercise.scenario, 0, format)?;
        write_bytes(&dir.join(format.file_name()).to_string_lossy(), &bytes)?;
    }
    Ok(())
}
