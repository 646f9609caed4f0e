//! Failures are typed by what went wrong, not all "usage": a refused write is an I/O
//! failure naming what was written, a run whose numbers overflow is a divergence naming
//! the epoch. Each is checked as the value `cli::run` returns (its kind and data), and
//! as the user sees it (one message, exit 2).

use crate::support::Test;
use clap::Parser;
use nntrace::cli::{Cli, run};
use nntrace::error::{Doing, Error};
use std::fs;

/// The command line run in-process: its error, which must be one.
fn error_of(args: &[&str]) -> Error {
    let cli = Cli::try_parse_from(std::iter::once("nntrace").chain(args.iter().copied()))
        .expect("a valid command line");
    let (result, _) = nntrace::output::capture(|| run(cli));
    match result {
        Ok(code) => panic!("{args:?} succeeded with exit {code}"),
        Err(e) => e,
    }
}

#[test]
fn a_full_disk_is_an_io_failure_naming_the_file() {
    let e = error_of(&["diagram", "seesaw-cnn", "-o", "/dev/full"]);
    let Error::Io(failure) = &e else {
        panic!("not an I/O failure: {e:?}");
    };
    assert_eq!(failure.doing, Doing::Writing("/dev/full".into()));
    assert_eq!(failure.error.raw_os_error(), Some(28));
    assert_eq!(e.exit_code(), 2);
    assert_eq!(
        e.to_string(),
        "cannot write /dev/full: No space left on device (os error 28)"
    );
}

#[test]
fn an_exercise_folder_that_cannot_be_made_is_an_io_failure() {
    let dir = std::env::temp_dir().join(format!("nntrace-errors-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join("a-file");
    fs::write(&file, "not a folder").unwrap();
    let target = file.join("exercise");
    let target = target.to_str().unwrap();
    let args = ["generate", "--kind", "mlp", "--seed", "1", "-o", target];
    let e = error_of(&args);
    let Error::Io(failure) = &e else {
        panic!("not an I/O failure: {e:?}");
    };
    assert_eq!(failure.doing, Doing::CreatingFolder(target.into()));
    let message = format!("error: cannot create {target}: Not a directory (os error 20)\n");
    assert_eq!(e.to_string(), message["error: ".len()..].trim_end());
    let mut t = Test::new().args(args).status(2);
    assert_eq!(t.stderr(), message);
    assert_eq!(fs::read_to_string(&file).unwrap(), "not a folder");
}

#[test]
fn a_diverging_run_is_a_divergence_with_its_epoch_and_rates() {
    let e = error_of(&["train", "tests/scenarios/diverges.yaml"]);
    let Error::Diverged(d) = &e else {
        panic!("not a divergence: {e:?}");
    };
    assert_eq!(
        (d.epoch, d.from_the_start, d.alpha, d.lambda),
        (49, false, 5.0, 0.0)
    );
    assert!(d.overflow.is_none());
    assert_eq!(e.exit_code(), 2);
}

#[test]
fn an_overflow_before_any_update_is_a_divergence_carrying_the_quantity() {
    let dir = std::env::temp_dir().join(format!("nntrace-errors-overflow-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join("big.yaml");
    fs::write(
        &file,
        "data: [{input: [1e308, 0], target: [1]}]\nlearning_rate: 0.1\n\
         loss: half_squared_error\nlayers:\n  - dense: {name: out, activation: sigmoid, \
         weights: [[10, 0.2]]}\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let e = error_of(&["train", file, "--epochs", "3"]);
    let Error::Diverged(d) = &e else {
        panic!("not a divergence: {e:?}");
    };
    let overflow = d.overflow.as_ref().expect("the quantity that overflowed");
    assert_eq!((d.epoch, d.from_the_start), (1, true));
    assert_eq!(
        (overflow.id.as_str(), overflow.pattern),
        ("out.net.out1", 0)
    );
    let Error::NonFinite(n) = error_of(&["trace", file]) else {
        panic!("trace: not a non-finite quantity");
    };
    assert_eq!(n.id, "out.net.out1");
}

#[test]
fn bad_usage_stays_usage() {
    let e = error_of(&["trace", "seesaw-cnn", "--pattern", "9"]);
    let Error::Usage(message) = &e else {
        panic!("not usage: {e:?}");
    };
    assert_eq!(message, "--pattern 9: seesaw-cnn has patterns 0 to 3");
    assert_eq!(e.exit_code(), 2);
}
