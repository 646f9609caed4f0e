//! Scenario files: the only place that reads YAML. A scenario is a network, its data,
//! and the settings of a training step (SPEC section 2).

mod budget;
mod names;
mod prescan;
mod raw;
mod read;
mod unclosed;
mod validate;

use crate::error::{InputError, nearest};
use crate::network::{Explainer, Network, Pattern, Setup};
use crate::trace::{Policy, Trace};
pub use names::{MAX_NAME_CHARS, name_problem};
pub use read::{MAX_FILE_BYTES, read_limited};
pub use validate::{MAX_EPOCHS, MAX_WEIGHTS};

/// The scenarios compiled into the binary, usable by name from any directory.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "seesaw-cnn",
        include_str!("../../scenarios/seesaw-cnn.yaml"),
    ),
    (
        "seesaw-mlp-sigmoid",
        include_str!("../../scenarios/seesaw-mlp-sigmoid.yaml"),
    ),
    (
        "seesaw-mlp-softmax",
        include_str!("../../scenarios/seesaw-mlp-softmax.yaml"),
    ),
    ("xor-mlp", include_str!("../../scenarios/xor-mlp.yaml")),
    ("mazur", include_str!("../../scenarios/mazur.yaml")),
    (
        "conv2d-4x4",
        include_str!("../../scenarios/conv2d-4x4.yaml"),
    ),
    (
        "conv2d-pad",
        include_str!("../../scenarios/conv2d-pad.yaml"),
    ),
    (
        "conv2d-rgb",
        include_str!("../../scenarios/conv2d-rgb.yaml"),
    ),
    (
        "lenet-mini",
        include_str!("../../scenarios/lenet-mini.yaml"),
    ),
];

#[derive(Clone, Debug, PartialEq)]
pub struct TrainSettings {
    pub epochs: u64,
    /// Stop once the sum of squared errors over the data set falls below this.
    pub stop_sse: f64,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            epochs: 1000,
            stop_sse: 0.005,
        }
    }
}

/// A validated scenario: everything in it is consistent and safe to run.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// Where it came from: the path as given, or `built-in NAME`.
    pub source: String,
    pub data: Vec<Pattern>,
    /// The row that `trace` follows.
    pub pattern: usize,
    pub classes: Vec<String>,
    pub setup: Setup,
    pub network: Network,
    pub train: TrainSettings,
}

impl Scenario {
    /// One training step on pattern `pattern`, every value recorded under `policy`.
    pub fn trace(&self, pattern: usize, policy: Policy) -> Trace {
        let mut t = Trace::new(policy);
        self.network.step(&self.setup, &self.data[pattern], &mut t);
        t
    }

    /// Reads a trace of pattern `pattern` back, to explain each quantity.
    pub fn explainer<'a>(&'a self, pattern: usize, trace: &'a Trace) -> Explainer<'a> {
        Explainer::new(&self.network, &self.setup, &self.data[pattern], trace)
    }
}

/// Loads a scenario from a file path or a built-in name.
pub fn load(arg: &str) -> Result<Scenario, InputError> {
    let path = std::path::Path::new(arg);
    let builtin = BUILTIN.iter().find(|(name, _)| *name == arg);
    if path.exists() && !(path.is_dir() && builtin.is_some()) {
        let text = read_limited(path, arg)?;
        let stem = path
            .file_stem()
            .map_or(arg.to_string(), |s| s.to_string_lossy().into_owned());
        return parse(&text, arg, &stem);
    }
    if let Some((name, text)) = builtin {
        return parse(text, &format!("built-in {name}"), name);
    }
    let mut err = InputError {
        file: arg.to_string(),
        position: None,
        path: None,
        message: "no such file, and no built-in scenario by that name".into(),
        help: Some("`nntrace list` shows the built-in scenarios".into()),
    };
    if let Some(near) = nearest(arg, BUILTIN.iter().map(|(n, _)| *n)) {
        err.help = Some(format!(
            "did you mean `{near}`? `nntrace list` shows the built-in scenarios"
        ));
    }
    Err(err)
}

/// Where a SCENARIO argument leads, before anything is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A file, by its canonical path.
    File(std::path::PathBuf),
    /// A built-in scenario, by name.
    Builtin(&'static str),
}

/// Resolves a SCENARIO as `load` does — an existing file wins over a built-in of the same
/// name — with a relative path taken from `base` (an answers file's folder) when given.
/// Returns the argument to load it with, and where it leads; None when it leads nowhere.
pub fn locate(arg: &str, base: Option<&std::path::Path>) -> Option<(String, Source)> {
    let path = match base {
        Some(dir) => dir.join(arg),
        None => std::path::PathBuf::from(arg),
    };
    let builtin = BUILTIN.iter().find(|(name, _)| *name == arg);
    if path.exists() && !(path.is_dir() && builtin.is_some()) {
        let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
        return Some((path.to_string_lossy().into_owned(), Source::File(canonical)));
    }
    builtin.map(|(name, _)| (name.to_string(), Source::Builtin(name)))
}

/// Loads what `locate` found: the file, or the built-in (even if a file of that name
/// happens to lie in the working directory).
pub fn load_located(arg: &str, source: &Source) -> Result<Scenario, InputError> {
    match source {
        Source::File(_) => load(arg),
        Source::Builtin(name) => {
            let (_, text) = BUILTIN
                .iter()
                .find(|(n, _)| n == name)
                .expect("a located built-in");
            parse(text, &format!("built-in {name}"), name)
        }
    }
}

/// The built-in scenario nearest to a misspelt name, if any.
pub fn nearest_builtin(arg: &str) -> Option<&'static str> {
    nearest(arg, BUILTIN.iter().map(|(n, _)| *n))
}

/// Guards against YAML that nests too deeply or expands far beyond its size (alias
/// bombs): a linear scan of the text, then a count of the parsed events; call before
/// parsing.
pub fn check_expansion(text: &str, file: &str) -> Result<(), InputError> {
    prescan::scan(text).map_err(|r| InputError {
        file: file.to_string(),
        position: Some((r.line, r.column)),
        path: None,
        message: r.message,
        help: Some(r.help.to_string()),
    })?;
    budget::check(text).map_err(|refused| match refused {
        budget::Refused::Yaml(e) => yaml_error(&e, text, file),
        budget::Refused::TooLarge(e) => yaml_error(&e, text, file).help(budget::HELP),
    })
}

/// Parses and validates scenario text; `file` names it in messages.
pub fn parse(text: &str, file: &str, default_name: &str) -> Result<Scenario, InputError> {
    check_expansion(text, file)?;
    let raw: raw::RawScenario =
        serde_yaml::from_str(text).map_err(|e| yaml_error(&e, text, file))?;
    validate::validate(raw, file, default_name)
}

/// A YAML or serde error in `text` as file:line:column and what is wrong, in the user's
/// words; an unclosed `[`, `{` or quote at the place it opens.
pub fn yaml_error(e: &serde_yaml::Error, text: &str, file: &str) -> InputError {
    let reported = e.to_string();
    if let Some(unclosed) = unclosed::find(&reported, text) {
        return InputError {
            file: file.to_string(),
            position: Some(unclosed.opened),
            path: None,
            message: unclosed.message,
            help: Some(unclosed.help),
        };
    }
    let mut message = without_positions(&reported);
    for (internal, plain) in [
        (
            "struct RawScenario",
            "a scenario: a mapping with keys such as data, loss, layers",
        ),
        (
            "struct RawPattern",
            "a pattern such as `{input: [1, 0], target: 0}`",
        ),
        ("struct RawLayerEntry", "a layer such as `- dense: {...}`"),
        (
            "struct RawConventions",
            "a mapping such as `{relu_grad_at_zero: 1, maxpool_ties: all}`",
        ),
        (
            "struct RawTrain",
            "a mapping such as `{epochs: 1000, stop_sse: 0.005}`",
        ),
        ("struct RawConv1d", "the settings of a conv1d layer"),
        ("struct RawConv2d", "the settings of a conv2d layer"),
        ("untagged enum RawPair", "a number, or [rows, columns]"),
        (
            "untagged enum RawKernelNames",
            "names nested like the kernel: rows of names for `kernel`, [filter][channel][row][column] for `kernels`",
        ),
        (
            "struct RawRelu",
            "the settings of a relu layer (`{}` for none)",
        ),
        ("struct RawPool1d", "the settings of a 1-D pooling layer"),
        ("struct RawPool2d", "the settings of a 2-D pooling layer"),
        (
            "struct RawGlobalPool",
            "the settings of a global_avgpool layer",
        ),
        ("struct RawDense", "the settings of a dense layer"),
        (
            "struct RawFlatten",
            "the settings of a flatten layer (`{}` for none)",
        ),
        (
            "untagged enum RawNames",
            "a list of names, or one list per filter",
        ),
        (
            "untagged enum RawBias",
            "a number, or one number per filter",
        ),
    ] {
        message = message.replace(internal, plain);
    }
    let help = if message.contains("unknown field") {
        Some(
            "check the spelling; every key is listed in the README, section \"Scenario files\""
                .to_string(),
        )
    } else if message.contains("unknown variant") {
        Some("check the spelling of the value".to_string())
    } else {
        None
    };
    InputError {
        file: file.to_string(),
        position: e.location().map(|l| (l.line(), l.column())),
        path: None,
        message,
        help,
    }
}

/// Drops every " at line N column M" the parser wrote into its message (the position is
/// shown once, in front).
fn without_positions(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" at line ") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + " at line ".len()..];
        let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let after_line = &tail[digits(tail)..];
        rest = match after_line.strip_prefix(" column ") {
            Some(col) => &col[digits(col)..],
            None => after_line,
        };
    }
    out.push_str(rest);
    out
}

/// Every built-in scenario, parsed (they are tested to be valid).
pub fn builtins() -> Vec<Scenario> {
    BUILTIN
        .iter()
        .map(|(name, text)| {
            parse(text, &format!("built-in {name}"), name).expect("built-in scenarios are valid")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_positions_are_dropped_from_the_message() {
        assert_eq!(
            without_positions(
                "did not find ',' at line 5 column 14, while parsing a map at line 4 column 5"
            ),
            "did not find ',', while parsing a map"
        );
        assert_eq!(without_positions("plain"), "plain");
    }
}
