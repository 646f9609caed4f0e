//! Helpers shared by the integration tests.

pub mod alloc;
pub mod eval;
pub mod random;

use nntrace::network::Explainer;
use nntrace::scenario;
use nntrace::trace::{Policy, Trace};
use std::collections::HashMap;
use std::process::{Command, Output};

/// Every recorded value of a scenario's pattern, by id.
pub fn values(name: &str, pattern: usize) -> HashMap<String, f64> {
    let s = scenario::load(name).expect("a valid scenario");
    let p = &s.data[pattern];
    let mut t = Trace::new(Policy::default());
    s.network.step(&s.setup, p, &mut t);
    let ex = Explainer::new(&s.network, &s.setup, p, &t);
    t.entries.iter().map(|e| (ex.id(e.key), e.value)).collect()
}

/// A run of the `nntrace` binary, built up like a sentence:
/// `Test::new().args(["trace", "seesaw-cnn"]).status(0).stdout_has("0.512872")`.
pub struct Test {
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// The working directory (default: the crate's root).
    dir: Option<std::path::PathBuf>,
    output: Option<Output>,
}

impl Test {
    pub fn new() -> Test {
        Test {
            args: Vec::new(),
            env: Vec::new(),
            dir: None,
            output: None,
        }
    }

    pub fn args<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Runs in this working directory instead of the crate's root.
    pub fn dir(mut self, dir: impl Into<std::path::PathBuf>) -> Test {
        self.dir = Some(dir.into());
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Test {
        self.env.push((key.into(), value.into()));
        self
    }

    fn output(&mut self) -> &Output {
        if self.output.is_none() {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_nntrace"));
            let dir = self
                .dir
                .clone()
                .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into());
            cmd.args(&self.args).current_dir(dir);
            cmd.env_remove("NO_COLOR");
            // Tables fit COLUMNS (else 100): every run starts from the same width.
            cmd.env_remove("COLUMNS");
            for (k, v) in &self.env {
                cmd.env(k, v);
            }
            self.output = Some(cmd.output().expect("the nntrace binary runs"));
        }
        self.output.as_ref().expect("just run")
    }

    pub fn stdout(&mut self) -> String {
        String::from_utf8(self.output().stdout.clone()).expect("stdout is UTF-8")
    }

    pub fn stderr(&mut self) -> String {
        String::from_utf8(self.output().stderr.clone()).expect("stderr is UTF-8")
    }

    /// Asserts the exit code (and that nothing panicked).
    pub fn status(mut self, code: i32) -> Test {
        let out = self.output().clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "nntrace panicked: {stderr}");
        assert_eq!(
            out.status.code(),
            Some(code),
            "args {:?}\nstderr: {stderr}",
            self.args
        );
        self
    }

    pub fn stdout_has(mut self, text: &str) -> Test {
        let out = self.stdout();
        assert!(out.contains(text), "stdout lacks {text:?}:\n{out}");
        self
    }

    pub fn stderr_has(mut self, text: &str) -> Test {
        let err = self.stderr();
        assert!(err.contains(text), "stderr lacks {text:?}:\n{err}");
        self
    }
}

/// True when `program` cannot be started (run with `arg`, e.g. `--version`).
pub fn tool_missing(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_err()
}

/// A test that needs `tool` and cannot find it: with NNTRACE_REQUIRE_TOOLS set (CI) it
/// fails; otherwise it says `SKIPPED` with the test's name and what goes untested, on the
/// real standard error — past the harness's capture, which would hide an `eprintln!` of a
/// passing test — and the caller returns.
pub fn skip_without(tool: &str, untested: &str) {
    assert!(
        std::env::var_os("NNTRACE_REQUIRE_TOOLS").is_none(),
        "{tool} is required here (NNTRACE_REQUIRE_TOOLS is set)"
    );
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let line = format!("SKIPPED {test}: {tool} not found, so {untested} (CI installs it)\n");
    std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes()).unwrap();
}

/// Snapshot settings: stored in `snapshots/`, named after what they show.
pub fn snapshot_settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s
}

/// Runs nntrace, expects `status`, snapshots its stdout as `name`, and returns it.
pub fn snapshot_stdout(name: &str, args: &[&str], status: i32) -> String {
    let mut t = Test::new().args(args.iter().copied()).status(status);
    let out = t.stdout();
    snapshot_settings().bind(|| insta::assert_snapshot!(name, out.clone()));
    out
}

/// A property's cases: the same `cases` on a fixed `seed` in every CI run, so a red run
/// can be repeated; with `PROPTEST_CASES` set, that many new cases from a random seed
/// (failures are not saved: copy a printed failing input into a regular test).
pub fn fixed_seed_config(cases: u32, seed: u64) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, RngSeed};
    let asked = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok());
    Config {
        cases: asked.unwrap_or(cases),
        failure_persistence: None,
        rng_seed: match asked {
            Some(_) => RngSeed::Random,
            None => RngSeed::Fixed(seed),
        },
        ..Config::default()
    }
}
