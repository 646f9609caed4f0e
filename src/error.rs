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

/// Every way a command can fail.
#[derive(Debug)]
pub enum Error {
    /// A scenario or answers file is malformed.
    Input(InputError),
    /// The command line asks for something impossible (e.g. `--pattern 9` of 4 rows).
    Usage(String),
    /// Writing the output failed.
    Io(String),
}

impl Error {
    /// 2 for bad usage and invalid files, as the SPEC fixes.
    pub fn exit_code(&self) -> i32 {
        2
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Error::Input(e) => write!(f, "{e}"),
            Error::Usage(msg) | Error::Io(msg) => write!(f, "{msg}"),
        }
    }
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Error {
        Error::Input(e)
    }
}

/// The closest candidate to a misspelt name (edit distance at most a third of its length);
/// a difference of case alone counts least, and ties go to the alphabetically first.
pub fn nearest<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
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
}
