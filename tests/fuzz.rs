//! Fuzzing in the test suite: real scenarios and answers files, mutated byte by byte and
//! node by node, run through every command in-process. Whatever comes in: no panic, exit
//! code 0, 1 or 2, an exit-2 error that says where, well-formed JSON and SVG when the
//! command succeeds, and memory bounded. `PROPTEST_CASES=200000 cargo test --release
//! --test main fuzz::` runs it longer.

use crate::support::alloc;
use clap::Parser;
use nntrace::cli::{Cli, run};
use nntrace::error::Error;
use proptest::prelude::*;
use serde_yaml::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Cases per CI run (PROPTEST_CASES overrides).
const CASES: u32 = 10_000;
/// Memory one command may hold at its peak, beyond what was live before it.
const PEAK_BYTES: usize = 256 << 20;

/// The real files the fuzzer starts from: every scenario and answers file in the project.
fn corpus() -> &'static [(String, String)] {
    static FILES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["scenarios", "tests/scenarios", "tests/answers"] {
            let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                .collect();
            paths.sort();
            for p in paths {
                let text = std::fs::read_to_string(&p).unwrap();
                files.push((p.file_name().unwrap().to_string_lossy().into_owned(), text));
            }
        }
        files
    })
}

/// Text that tends to break parsers and validators.
const DICTIONARY: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    ": ",
    "- ",
    "\n",
    "\n  ",
    ",",
    "'",
    "\"",
    "#",
    "&a ",
    "*a",
    "!!str ",
    "---\n",
    "|\n",
    "1e308",
    "-1e308",
    "1e-320",
    "-1",
    "0",
    "99999999999999999999",
    ".nan",
    ".inf",
    "null",
    "~",
    "\u{0}",
    "\u{1b}[31m",
    "\u{7}",
    "é",
    "∂",
    "\u{202e}",
    "\t",
    "\r",
    "softmax",
    "conv1d",
    "dense",
    "maxpool1d",
    "relu",
    "weights",
    "kernel",
    "name",
    "outputs",
    "pattern",
    "answers",
    "scenario",
    "loss",
    "target",
    "input",
    "stride",
    "size",
];

/// One mutation: what, where (a fraction of the text or tree, as u32), and with what.
#[derive(Clone, Debug)]
enum Mutation {
    FlipByte(u32, u8),
    Insert(u32, usize),
    Delete(u32, u32),
    Duplicate(u32, u32),
    Truncate(u32),
    /// Replace a node of the parsed YAML by a hostile value.
    Node(u32, usize),
    /// Remove an entry of a mapping or list.
    Remove(u32),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<u32>(), any::<u8>()).prop_map(|(a, b)| Mutation::FlipByte(a, b)),
        (any::<u32>(), 0..DICTIONARY.len()).prop_map(|(a, d)| Mutation::Insert(a, d)),
        (any::<u32>(), 0u32..40).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<u32>(), 0u32..200).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
        any::<u32>().prop_map(Mutation::Truncate),
        (any::<u32>(), 0..HOSTILE_VALUES).prop_map(|(a, v)| Mutation::Node(a, v)),
        any::<u32>().prop_map(Mutation::Remove),
    ]
}

/// A position in `0..len` from a u32.
fn at(fraction: u32, len: usize) -> usize {
    if len == 0 {
        0
    } else {
        (fraction as u64 * len as u64 / (u32::MAX as u64 + 1)) as usize
    }
}

const HOSTILE_VALUES: usize = 12;

fn hostile_value(v: usize) -> Value {
    let yaml = match v {
        0 => "1e308",
        1 => "-0.0",
        2 => "[]",
        3 => "{}",
        4 => "null",
        5 => "18446744073709551615",
        6 => "\"a b\"",
        7 => "[[1, 2], [3]]",
        8 => "-3",
        9 => "\"\\e]0;x\\a\"",
        10 => "7",
        _ => "[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]",
    };
    serde_yaml::from_str(yaml).unwrap()
}

/// Visits the nodes of a tree in order; `f` may replace the n-th.
fn nth_node(v: &mut Value, n: &mut usize, f: &mut dyn FnMut(&mut Value) -> bool) -> bool {
    if *n == 0 {
        return f(v);
    }
    *n -= 1;
    match v {
        Value::Sequence(items) => items.iter_mut().any(|i| nth_node(i, n, f)),
        Value::Mapping(map) => map.iter_mut().any(|(_, i)| nth_node(i, n, f)),
        _ => false,
    }
}

fn count_nodes(v: &Value) -> usize {
    1 + match v {
        Value::Sequence(items) => items.iter().map(count_nodes).sum(),
        Value::Mapping(map) => map.iter().map(|(_, i)| count_nodes(i)).sum(),
        _ => 0,
    }
}

fn structural(text: &str, pick: u32, change: &mut dyn FnMut(&mut Value) -> bool) -> Option<String> {
    let mut tree: Value = serde_yaml::from_str(text).ok()?;
    let mut n = at(pick, count_nodes(&tree));
    nth_node(&mut tree, &mut n, change);
    serde_yaml::to_string(&tree).ok()
}

fn apply(mut bytes: Vec<u8>, m: &Mutation) -> Vec<u8> {
    let len = bytes.len();
    match *m {
        Mutation::FlipByte(a, b) if len > 0 => bytes[at(a, len)] ^= b,
        Mutation::Insert(a, d) => {
            let p = at(a, len + 1);
            bytes.splice(p..p, DICTIONARY[d].bytes());
        }
        Mutation::Delete(a, n) => {
            let p = at(a, len);
            bytes.drain(p..(p + n as usize).min(len));
        }
        Mutation::Duplicate(a, n) => {
            let p = at(a, len);
            let piece: Vec<u8> = bytes[p..(p + n as usize).min(len)].to_vec();
            bytes.splice(p..p, piece);
        }
        Mutation::Truncate(a) => bytes.truncate(at(a, len + 1)),
        Mutation::Node(a, v) => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            if let Some(t) = structural(&text, a, &mut |node| {
                *node = hostile_value(v);
                true
            }) {
                return t.into_bytes();
            }
        }
        Mutation::Remove(a) => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            if let Some(t) = structural(&text, a, &mut |node| match node {
                Value::Sequence(items) if !items.is_empty() => {
                    items.pop();
                    true
                }
                Value::Mapping(map) if !map.is_empty() => {
                    let key = map.keys().next().cloned();
                    key.is_some_and(|k| map.remove(&k).is_some())
                }
                _ => false,
            }) {
                return t.into_bytes();
            }
        }
        _ => {}
    }
    bytes
}

/// The commands a case may run, `{}` standing for the mutated file.
const COMMANDS: &[&[&str]] = &[
    &["trace", "{}"],
    &["trace", "{}", "--format", "json"],
    &["template", "{}"],
    &["diagram", "{}", "-o", "-"],
    &["train", "{}", "--epochs", "3"],
    &["check", "{}"],
    &["check", "{}", "--format", "json"],
];

/// A file of this thread's own, written with the case's bytes.
fn case_file(bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("nntrace-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let thread = format!("{:?}", std::thread::current().id())
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>();
    let path = dir.join(format!("case-{thread}.yaml"));
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

/// Whether an error says where: a file with line and column or a field path, the
/// quantity that overflowed, or the epoch of a divergence.
fn located(e: &Error) -> bool {
    match e {
        Error::Input(i) => i.position.is_some() || i.path.is_some(),
        Error::NonFinite(_) | Error::Diverged(_) => true,
        Error::Usage(_) | Error::Io(_) | Error::Chart(_) | Error::Generate(_) => false,
    }
}

fn run_case(source: usize, mutations: &[Mutation], command: usize) -> Result<(), TestCaseError> {
    let (_, text) = &corpus()[source];
    let bytes = mutations.iter().fold(text.clone().into_bytes(), apply);
    let file = case_file(&bytes);
    let args: Vec<&str> = std::iter::once("nntrace")
        .chain(
            COMMANDS[command]
                .iter()
                .map(|a| if *a == "{}" { file.as_str() } else { a }),
        )
        .collect();
    let cli = Cli::try_parse_from(&args).expect("the fuzzer writes valid command lines");
    let before = alloc::start_peak();
    let (result, out) = nntrace::output::capture(|| run(cli));
    let peak = alloc::peak_since(before);
    prop_assert!(peak < PEAK_BYTES, "{args:?} held {peak} bytes at its peak");
    match &result {
        Ok(code) => prop_assert!((0..=2).contains(code), "{args:?}: exit {code}"),
        Err(e) => prop_assert!(located(e), "{args:?}: exit 2 without a place: {e}"),
    }
    if matches!(result, Ok(0)) {
        match COMMANDS[command] {
            [_, _, "--format", "json"] => {
                let parsed: Result<serde_json::Value, _> = serde_json::from_str(&out);
                prop_assert!(parsed.is_ok(), "{args:?}: not JSON: {out}");
            }
            ["diagram", ..] => {
                let parsed = roxmltree::Document::parse(&out);
                prop_assert!(parsed.is_ok(), "{args:?}: not XML: {parsed:?}");
            }
            _ => {}
        }
    }
    Ok(())
}

fn config() -> ProptestConfig {
    crate::support::fixed_seed_config(CASES, 15)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_files_never_panic_and_always_say_where(
        source in 0..corpus().len(),
        mutations in prop::collection::vec(mutation(), 1..4),
        command in 0..COMMANDS.len(),
    ) {
        run_case(source, &mutations, command)?;
    }
}

#[test]
fn the_corpus_is_every_real_file() {
    let names: Vec<&str> = corpus().iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "seesaw-cnn.yaml",
        "seesaw-cnn.slide-answers.yaml",
        "all-right.yaml",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
}
