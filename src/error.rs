//! Errors, typed where they arise and printed once, in `main`.

use std::fmt;

/// Something wrong with a scenario or answers file: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    /// The file as the user named it (or `built-in NAME`).
    pub file: String,
    /// 1-based line and column, when the YAML parser knows them.
    pub position: Option<(usize, usize)>,
    /// The field path, e.g. `layers[3].weights[1]`.
    pub path: Option<String>,
    pub message: String,
    pub help: Option<String>,
}

impl InputError {
    pub fn at_path(file: &str, path: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError {
            file: file.to_string(),
            position: None,
            path: Some(path.into()),
            message: message.into(),
            help: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> InputError {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": ")?;
        if let Some(path) = &self.path {
            write!(f, "{path}: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// The first quantity of a trace that is not a finite number: where the arithmetic of
/// 64-bit floating point (largest about ±1.8·10^308) overflowed, with the formula and the
/// operands that produced it.
#[derive(Debug, Clone, PartialEq)]
pub struct NonFinite {
    /// The scenario as the user named it.
    pub scenario: String,
    pub pattern: usize,
    pub id: String,
    pub value: f64,
    pub symbol: String,
    /// The formula with names (None for a given value).
    pub formula: Option<String>,
    /// The formula with the operands' values put in.
    pub substituted: String,
}

/// Longest formula line quoted in a message.
const FORMULA_CHARS: usize = 300;

impl NonFinite {
    /// Where and what: the pattern, the quantity, its formula and operands.
    fn detail(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let clip = |s: &str| crate::text::clip(s, FORMULA_CHARS).into_owned();
        writeln!(
            f,
            "pattern {}: {} = {} is not a finite number",
            self.pattern, self.id, self.value
        )?;
        match &self.formula {
            Some(formula) => writeln!(
                f,
                "  {} = {}\n  = {}",
                self.symbol,
                clip(formula),
                clip(&self.substituted)
            ),
            None => writeln!(f, "  {} is given as {}", self.symbol, self.value),
        }
    }
}

impl fmt::Display for NonFinite {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}: ", self.scenario)?;
        self.detail(f)?;
        write!(f, "  help: {SCALE_DOWN}")
    }
}

/// What helps when the numbers overflow before anything is learnt.
const SCALE_DOWN: &str = "64-bit floating point ends near ±1.8e308; scale the inputs and \
                          weights of the scenario down so that every value of the step stays \
                          in range";

/// Every way a command can fail.
#[derive(Debug)]
pub enum Error {
    /// A scenario or answers file is malformed.
    Input(InputError),
    /// The command line asks for something impossible (e.g. `--pattern 9` of 4 rows).
    Usage(String),
    /// The system refused a read or a write: a full disk, a missing folder, a terminal gone.
    Io(IoFailure),
    /// The charting library could not draw the SSE chart (its own message).
    Chart(String),
    /// An exercise could not be generated as asked.
    Generate(crate::generate::GenerateError),
    /// A traced quantity overflowed.
    NonFinite(Box<NonFinite>),
    /// Training produced a non-finite SSE, loss or weight.
    Diverged(Divergence),
}

/// A read or write the system refused: what nntrace was doing, and what the system said.
#[derive(Debug)]
pub struct IoFailure {
    pub doing: Doing,
    pub error: std::io::Error,
}

/// What nntrace was doing when the system refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Doing {
    /// Writing to standard output.
    WritingOutput,
    /// Writing the file at this path (as the user named it).
    Writing(String),
    /// Listing a folder of answers files.
    ReadingFolder(String),
    /// Creating an exercise's folder.
    CreatingFolder(String),
    /// Drawing the walk in the terminal, or reading its keys.
    UsingTerminal,
}

impl IoFailure {
    pub fn new(doing: Doing, error: std::io::Error) -> IoFailure {
        IoFailure { doing, error }
    }
}

impl fmt::Display for IoFailure {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let error = &self.error;
        match &self.doing {
            Doing::WritingOutput => write!(f, "cannot write the output: {error}"),
            Doing::Writing(path) => write!(f, "cannot write {path}: {error}"),
            Doing::ReadingFolder(path) => write!(f, "cannot read the folder {path}: {error}"),
            Doing::CreatingFolder(path) => write!(f, "cannot create {path}: {error}"),
            Doing::UsingTerminal => write!(f, "the terminal failed: {error}"),
        }
    }
}

/// A training run whose numbers stopped being finite, and what would help.
#[derive(Debug, Clone, PartialEq)]
pub struct Divergence {
    pub scenario: String,
    /// The epoch (from 1) after which the numbers were no longer finite.
    pub epoch: u64,
    /// Whether they were not finite already before the first update.
    pub from_the_start: bool,
    pub alpha: f64,
    pub lambda: f64,
    /// The first value of the first step that is not finite, when the scenario's own
    /// pattern overflows before any update.
    pub overflow: Option<Box<NonFinite>>,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if let Some(overflow) = &self.overflow {
            write!(
                f,
                "{}: the run diverged at epoch 1, before any update: ",
                self.scenario
            )?;
            overflow.detail(f)?;
            return write!(f, "  help: {SCALE_DOWN}");
        }
        write!(
            f,
            "{}: the run diverged at epoch {}: the SSE, the loss or a weight is no longer a \
             finite number",
            self.scenario, self.epoch
        )?;
        if self.from_the_start || self.alpha == 0.0 {
            return write!(
                f,
                "\n  help: the numbers overflow before any update: scale the inputs and weights \
                 down (64-bit floating point ends near ±1.8e308); `nntrace trace` names the \
                 first value that overflows"
            );
        }
        write!(
            f,
            "\n  help: each step overshoots: try a smaller --learning-rate, e.g. {} (now {})",
            self.alpha / 10.0,
            self.alpha
        )?;
        if self.alpha * self.lambda >= 1.0 {
            write!(
                f,
                ", or a smaller --l2 (now {}): with α·λ ≥ 1 the weight decay overshoots zero",
                self.lambda
            )?;
        }
        Ok(())
    }
}

impl Error {
    /// The exit code: 2 for every failure, as the SPEC fixes (1 is `check`'s "an answer
    /// is wrong", which is a result, not an error).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_)
            | Error::Usage(_)
            | Error::Io(_)
            | Error::Chart(_)
            | Error::Generate(_)
            | Error::NonFinite(_)
            | Error::Diverged(_) => 2,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Error::Input(e) => write!(f, "{e}"),
            Error::Usage(msg) => write!(f, "{msg}"),
            Error::Io(e) => write!(f, "{e}"),
            Error::Chart(msg) => write!(f, "cannot draw the chart: {msg}"),
            Error::Generate(e) => write!(f, "{e}"),
            Error::NonFinite(e) => write!(f, "{e}"),
            Error::Diverged(e) => write!(f, "{e}"),
        }
    }
}

impl From<crate::generate::GenerateError> for Error {
    fn from(e: crate::generate::GenerateError) -> Error {
        Error::Generate(e)
    }
}

impl From<IoFailure> for Error {
    fn from(e: IoFailure) -> Error {
        Error::Io(e)
    }
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Error {
        Error::Input(e)
    }
}

/// The closest candidate to a misspelt name (edit distance at most a third of its length);
/// a difference of case alone counts least, and ties go to the alphabetically first.
pub(crate) fn nearest<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = given.chars().count() / 3 + 1;
    let lower = given.to_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            (
                edit_distance(&lower, &c.to_lowercase()),
                edit_distance(given, c),
                c,
            )
        })
        .filter(|&(_, d, _)| d <= limit)
        .min()
        .map(|(_, _, c)| c)
}

/// Levenshtein distance.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_name() {
        assert_eq!(
            nearest("seesaw-cn", ["seesaw-cnn", "seesaw-mlp-softmax"]),
            Some("seesaw-cnn")
        );
        assert_eq!(nearest("zzzzzz", ["seesaw-cnn"]), None);
        assert_eq!(
            nearest("hidden.delta.c", ["hidden.delta.D", "hidden.delta.C"]),
            Some("hidden.delta.C")
        );
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn an_io_failure_says_what_was_being_done_and_exits_2() {
        let denied = || std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let cases = [
            (
                Doing::WritingOutput,
                "cannot write the output: permission denied",
            ),
            (
                Doing::Writing("a.svg".into()),
                "cannot write a.svg: permission denied",
            ),
            (
                Doing::ReadingFolder("class".into()),
                "cannot read the folder class: permission denied",
            ),
            (
                Doing::CreatingFolder("ex/01".into()),
                "cannot create ex/01: permission denied",
            ),
            (
                Doing::UsingTerminal,
                "the terminal failed: permission denied",
            ),
        ];
        for (doing, message) in cases {
            let e = Error::from(IoFailure::new(doing, denied()));
            assert_eq!((e.to_string().as_str(), e.exit_code()), (message, 2));
        }
        let chart = Error::Chart("no font".into());
        assert_eq!(chart.to_string(), "cannot draw the chart: no font");
    }
}
