//! Hostile input and hostile environments (issue 15): files nobody should write, devices,
//! pipes, full disks and symlinks. Each refusal is one message with a place; nothing
//! panics, nothing is replaced that should be written through.

use crate::support::Test;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A fresh folder for one test.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nntrace-hostile-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// A one-layer scenario with the given layer name (as YAML text, quoted).
fn with_layer_name(name: &str) -> String {
    format!(
        "data: [{{input: [1, 0], target: [1]}}]\nlearning_rate: 0.1\nloss: half_squared_error\n\
         layers:\n  - dense: {{name: {name}, activation: sigmoid, weights: [[0.1, 0.2]]}}\n"
    )
}

fn write(dir: &Path, file: &str, text: &str) -> String {
    let path = dir.join(file);
    fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_32761_character_layer_name_is_refused_by_template_without_panic() {
    let dir = folder("long-template");
    let file = write(&dir, "long.yaml", &with_layer_name(&"L".repeat(32_761)));
    let mut t = Test::new().args(["template", &file]).status(2);
    assert_eq!(
        t.stderr(),
        format!(
            "error: {file}: layers[0].name: `{}…` is not a usable name: 32761 characters; \
             at most 64 are allowed\n  help: names are used in quantity ids like \
             `hidden.delta.C`: up to 64 printable characters, no spaces, dots or @\n",
            "L".repeat(39)
        )
    );
}

#[test]
fn a_70000_character_layer_name_is_refused_by_walk_without_panic() {
    let dir = folder("long-walk");
    let file = write(&dir, "long.yaml", &with_layer_name(&"W".repeat(70_000)));
    Test::new()
        .args(["walk", &file])
        .status(2)
        .stderr_has("layers[0].name: `WWWW")
        .stderr_has("70000 characters; at most 64 are allowed");
}

#[test]
fn a_one_megabyte_input_name_is_refused_with_its_field_path() {
    let dir = folder("long-input");
    let text = with_layer_name("out").replace(
        "learning_rate",
        &format!("input_names: [a, {}]\nlearning_rate", "n".repeat(1 << 20)),
    );
    let file = write(&dir, "long.yaml", &text);
    let mut t = Test::new().args(["trace", &file]).status(2);
    let err = t.stderr();
    assert!(
        err.starts_with(&format!("error: {file}: input_names[1]: `nnn")),
        "{err}"
    );
    assert!(
        err.len() < 400,
        "the name is shortened in the message: {err}"
    );
}

#[test]
fn names_with_spaces_or_control_characters_are_refused_and_never_echoed_raw() {
    let dir = folder("names");
    for (name, path, problem) in [
        (
            "\"my layer\"",
            "layers[0].name",
            "it contains whitespace (\\u{20})",
        ),
        (
            "\"a\\e[31mred\\a\"",
            "layers[0].name",
            "it contains the control character \\u{1b}",
        ),
        (
            "\"nul\\0\"",
            "layers[0].name",
            "it contains the control character \\u{0}",
        ),
    ] {
        let file = write(&dir, "name.yaml", &with_layer_name(name));
        let mut t = Test::new().args(["trace", &file]).status(2);
        let err = t.stderr();
        assert!(
            err.starts_with(&format!("error: {file}: {path}: ")) && err.contains(problem),
            "{name}: {err}"
        );
        assert!(
            !err.contains(['\u{1b}', '\u{7}', '\0']),
            "raw control bytes: {err:?}"
        );
    }
    let text = with_layer_name("out").replace(
        "learning_rate",
        "input_names: [In1, \"In 2\"]\nlearning_rate",
    );
    let file = write(&dir, "input.yaml", &text);
    Test::new()
        .args(["trace", &file])
        .status(2)
        .stderr_has("input_names[1]: `In 2` is not a usable name: it contains whitespace");
    let text = with_layer_name("out").replace(
        "learning_rate",
        "classes: [\"tilt\\u001b]0;x\\u0007\"]\nlearning_rate",
    );
    let file = write(&dir, "class.yaml", &text);
    Test::new()
        .args(["trace", &file])
        .status(2)
        .stderr_has("classes[0]: `tilt\\u{1b}]0;x\\u{7}` contains the control character \\u{1b}");
}

#[test]
fn a_directory_a_device_and_a_missing_file_each_say_what_they_are() {
    Test::new()
        .args(["trace", "tests"])
        .status(2)
        .stderr_has("error: tests: a directory, not a file");
    Test::new()
        .args(["trace", "/dev/zero"])
        .status(2)
        .stderr_has("error: /dev/zero: a character device, not a file");
    Test::new()
        .args(["check", "seesaw-cnn", "/dev/zero"])
        .status(2)
        .stderr_has("error: /dev/zero: a character device, not a file");
    Test::new()
        .args(["trace", "no/such.yaml"])
        .status(2)
        .stderr_has("error: no/such.yaml: no such file, and no built-in scenario by that name");
}

/// A FIFO fed `bytes` (or endless zeros when None) by a background thread.
fn fifo(dir: &Path, bytes: Option<Vec<u8>>) -> String {
    let path = dir.join("fifo.yaml");
    let made = Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(made.success());
    let writer_path = path.clone();
    std::thread::spawn(move || {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .open(writer_path)
            .unwrap();
        match bytes {
            Some(b) => {
                let _ = f.write_all(&b);
            }
            None => {
                let zeros = vec![b'0'; 1 << 16];
                while f.write_all(&zeros).is_ok() {}
            }
        }
    });
    path.to_str().unwrap().to_string()
}

#[test]
fn a_pipe_is_read_and_an_endless_one_is_cut_at_16_mib() {
    let dir = folder("fifo");
    let path = fifo(&dir, None);
    Test::new()
        .args(["check", "seesaw-cnn", &path])
        .status(2)
        .stderr_has(&format!(
            "error: {path}: a pipe that gave more than 16777216 bytes (16 MiB); larger files are refused"
        ));
    let dir = folder("fifo-ok");
    let text = fs::read("scenarios/seesaw-cnn.yaml").unwrap();
    let path = fifo(&dir, Some(text));
    Test::new()
        .args(["trace", &path])
        .status(0)
        .stdout_has("0.512872");
}

#[test]
fn invalid_utf8_is_placed_by_line_column_and_byte() {
    let dir = folder("utf8");
    let path = dir.join("bad.yaml");
    fs::write(&path, b"name: ok\nloss: \xff\n").unwrap();
    let path = path.to_str().unwrap();
    Test::new()
        .args(["trace", path])
        .status(2)
        .stderr_has(&format!("error: {path}:2:7: invalid UTF-8 at byte 15"));
}

#[test]
fn a_closing_bracket_after_a_document_has_a_line() {
    let dir = folder("closer");
    let file = write(&dir, "closer.yaml", "[]\n}\n");
    Test::new()
        .args(["trace", &file])
        .status(2)
        .stderr_has(&format!("error: {file}:2:1: `}}` closes nothing"));
}

#[test]
fn deep_nesting_is_refused_before_the_parser_recurses() {
    let dir = folder("deep");
    let lists = format!("data: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let maps = format!("data: {}1{}\n", "{a: ".repeat(100_000), "}".repeat(100_000));
    for (name, text, column) in [("lists", lists, 207), ("maps", maps, 804)] {
        let file = write(&dir, &format!("{name}.yaml"), &text);
        Test::new()
            .args(["trace", &file])
            .status(2)
            .stderr_has(&format!(
                "error: {file}:1:{column}: nested more than 200 levels deep"
            ));
    }
    let answers = format!("scenario: seesaw-cnn\nanswers: {}\n", "[".repeat(50_000));
    let file = write(&dir, "answers.yaml", &answers);
    Test::new()
        .args(["check", &file])
        .status(2)
        .stderr_has(&format!(
            "error: {file}:2:210: nested more than 200 levels deep"
        ));
}

#[test]
fn diagram_writes_through_a_symlink_and_into_a_device() {
    let dir = folder("diagram-out");
    let real = dir.join("real.svg");
    fs::write(&real, "old").unwrap();
    let link = dir.join("link.svg");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    Test::new()
        .args(["diagram", "seesaw-cnn", "-o", link.to_str().unwrap()])
        .status(0);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(fs::read_to_string(&real).unwrap().contains("<svg"));
    Test::new()
        .args(["diagram", "seesaw-cnn", "-o", "/dev/null"])
        .status(0);
    use std::os::unix::fs::FileTypeExt;
    assert!(
        fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

#[test]
fn every_output_file_reports_a_full_disk() {
    Test::new()
        .args(["diagram", "seesaw-cnn", "-o", "/dev/full"])
        .status(2)
        .stderr_has("error: cannot write /dev/full: No space left on device (os error 28)");
    Test::new()
        .args([
            "train",
            "seesaw-cnn",
            "--epochs",
            "2",
            "--plot",
            "/dev/full",
        ])
        .status(2)
        .stderr_has("error: cannot write /dev/full: No space left on device (os error 28)");
    Test::new()
        .args([
            "compare",
            "seesaw-cnn",
            "--epochs",
            "2",
            "--plot",
            "/dev/full",
        ])
        .status(2)
        .stderr_has("error: cannot write /dev/full: No space left on device (os error 28)");
}

#[test]
fn train_and_compare_plots_write_through_symlinks() {
    let dir = folder("plots");
    for command in ["train", "compare"] {
        let real = dir.join(format!("{command}-real.svg"));
        let link = dir.join(format!("{command}.svg"));
        std::os::unix::fs::symlink(&real, &link).unwrap();
        Test::new()
            .args([command, "seesaw-cnn", "--epochs", "2", "--plot"])
            .args([link.to_str().unwrap()])
            .status(0);
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(fs::read_to_string(&real).unwrap().contains("<svg"));
    }
}

#[test]
fn standard_output_on_a_full_disk_is_an_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_nntrace"))
        .args(["trace", "seesaw-cnn"])
        .stdout(
            fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: cannot write the output: No space left on device (os error 28)\n"
    );
}

#[test]
fn an_overflowing_quantity_stops_the_trace_naming_its_formula_and_operands() {
    let dir = folder("overflow");
    let file = write(
        &dir,
        "big.yaml",
        "data: [{input: [1e308, 0], target: [1]}]\nlearning_rate: 0.1\n\
         loss: half_squared_error\nlayers:\n  - dense: {name: out, activation: sigmoid, \
         weights: [[10, 0.2]]}\n",
    );
    let message = format!(
        "error: {file}: pattern 0: out.net.out1 = inf is not a finite number\n  \
         I@out1 = x1·w_out1_x1 + x2·w_out1_x2\n  = 1e308·10 + 0·0.2\n  \
         help: 64-bit floating point ends near ±1.8e308; scale the inputs and weights of the \
         scenario down so that every value of the step stays in range\n"
    );
    for args in [
        vec!["trace", &file],
        vec!["trace", &file, "--format", "json"],
        vec!["template", &file],
        vec!["diagram", &file, "-o", "-"],
        vec!["walk", &file],
    ] {
        let mut t = Test::new().args(args.clone()).status(2);
        assert_eq!(t.stderr(), message, "{args:?}");
        assert_eq!(t.stdout(), "", "{args:?}: nothing printed");
    }
    let mut t = Test::new()
        .args(["train", &file, "--epochs", "3"])
        .status(2);
    let train = message.replace(
        ": pattern 0:",
        ": the run diverged at epoch 1, before any update: pattern 0:",
    );
    assert!(t.stderr().ends_with(&train), "{}", t.stderr());
}

#[test]
fn a_diverging_run_names_the_epoch_and_what_helps() {
    Test::new()
        .args(["train", "tests/scenarios/diverges.yaml"])
        .status(2)
        .stderr_has(
            "error: tests/scenarios/diverges.yaml: the run diverged at epoch 49: the SSE, the loss \
             or a weight is no longer a finite number\n  help: each step overshoots: try a smaller \
             --learning-rate, e.g. 0.5 (now 5)\n",
        );
    let dir = folder("diverge-at-once");
    let file = write(
        &dir,
        "lin.yaml",
        "data: [{input: [1e308, 0], target: [1]}, {input: [1, 1], target: [0]}]\npattern: 1\n\
         learning_rate: 0\nloss: half_squared_error\nlayers:\n  - dense: {name: out, \
         activation: linear, weights: [[10, 0.2]]}\n",
    );
    let mut t = Test::new().args(["train", &file]).status(2);
    let err = t.stderr();
    assert!(
        err.contains("the run diverged at epoch 1")
            && err.contains("help: the numbers overflow before any update: scale the inputs")
            && !err.contains("--learning-rate"),
        "{err}"
    );
}

/// A dense layer of `units` sigmoid units reading `inputs` inputs, as scenario text.
fn dense(inputs: usize, units: usize) -> String {
    let row = format!("[{}]", vec!["0.01"; inputs].join(", "));
    format!(
        "data: [{{input: [{}], target: [{}]}}]\nlearning_rate: 0.1\nloss: half_squared_error\n\
         layers:\n  - dense: {{activation: sigmoid, weights: [{}]}}\n",
        vec!["0.5"; inputs].join(", "),
        vec!["0"; units].join(", "),
        vec![row; units].join(", ")
    )
}

/// A conv1d of one filter of `kernel` over `input` values, then one linear unit.
fn long_filter(input: usize, kernel: usize) -> String {
    format!(
        "data: [{{input: [{}], target: [0]}}]\nlearning_rate: 0.1\nloss: half_squared_error\n\
         layers:\n  - conv1d: {{kernel: [{}]}}\n  - dense: {{activation: linear, weights: [[{}]]}}\n",
        vec!["0.5"; input].join(", "),
        vec!["0.01"; kernel].join(", "),
        vec!["0.01"; input - kernel + 1].join(", ")
    )
}

#[test]
fn networks_too_large_to_trace_are_refused_before_anything_is_allocated() {
    let dir = folder("too-large");
    let smaller = "make the network smaller to trace it (fewer units, filters or positions, a \
                   shorter kernel, a longer stride); `nntrace train` trains networks of any size \
                   without a trace";
    // Tables and JSON are written as they are made: up to 5,000,000 quantities.
    let file = write(&dir, "conv-9m.yaml", &long_filter(6000, 3000));
    for format in ["table", "json"] {
        let mut t = Test::new()
            .args(["trace", &file, "--format", format])
            .status(2);
        assert_eq!(
            t.stderr(),
            format!(
                "error: {file}: layers[0]: a traced step of this network records about 9045015 \
                 quantities, 9027004 of them in this layer (convolution, 1 shared filter of \
                 3000, stride 1); at most 5000000 are traced\n  help: {smaller}\n"
            )
        );
    }
    // Whatever holds every quantity at once: up to 200,000.
    let file = write(&dir, "conv.yaml", &long_filter(2000, 1000));
    let quiz = dir.join("quiz.gift");
    for args in [
        vec!["template", &file],
        vec!["walk", &file],
        vec!["trace", &file, "--full"],
        vec!["trace", &file, "--format", "markdown"],
        vec![
            "export",
            &file,
            "--format",
            "gift",
            "-o",
            quiz.to_str().unwrap(),
        ],
    ] {
        let mut t = Test::new().args(args.clone()).status(2);
        assert_eq!(
            t.stderr(),
            format!(
                "error: {file}: layers[0]: a traced step of this network records about 1015015 \
                 quantities, 1009004 of them in this layer (convolution, 1 shared filter of \
                 1000, stride 1); at most 200000 are traced where every quantity is held at \
                 once\n  help: `nntrace trace` prints the tables (with long runs summarised) \
                 and JSON of up to 5000000; or {smaller}\n"
            ),
            "{args:?}"
        );
    }
    assert!(!quiz.exists(), "no quiz is written");
    let file = write(&dir, "dense.yaml", &dense(49, 1000));
    Test::new().args(["template", &file]).status(2).stderr_has(
        "about 200052 quantities, 200000 of them in this layer (fully connected, sigmoid)",
    );
    Test::new()
        .args(["train", &file, "--epochs", "2"])
        .status(0);
    let file = write(&dir, "wide.yaml", &dense(10_000, 1));
    Test::new()
        .args(["trace", &file])
        .status(2)
        .stderr_has(&format!(
            "error: {file}: layers[0]: this layer's longest formula has 10001 terms; traced \
             formulas have at most 10000\n  help: make the layer narrower to trace it; \
             `nntrace train` trains networks of any size without a trace\n"
        ));
}

#[test]
fn a_softmax_of_3000_outputs_writes_its_denominator_once() {
    let dir = folder("softmax");
    let weights = vec!["[0.01]"; 3000].join(", ");
    let text = format!(
        "data: [{{input: [1], target: 0}}]\nlearning_rate: 0.1\nloss: cross_entropy\n\
         layers:\n  - dense: {{name: out, activation: softmax, weights: [{weights}]}}\n"
    );
    let file = write(&dir, "softmax.yaml", &text);
    let mut t = Test::new()
        .args(["trace", &file, "--format", "json"])
        .status(0);
    let out = t.stdout();
    assert!(out.contains("\"formula\": \"e^f@out1 / Σe^f\""));
    let longest = out.lines().map(str::len).max().unwrap();
    assert!(
        longest < 200,
        "a line of {longest} bytes: each output's formula names the sum, not 3000 terms"
    );
}

/// The nntrace process the pane's shell is running.
fn walk_pid(t: &crate::classroom::Tmux) -> String {
    let shell = t.pane("#{pane_pid}");
    let children = fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap();
    children
        .split_whitespace()
        .next()
        .expect("the walk runs")
        .to_string()
}

#[test]
fn walk_restores_the_terminal_when_killed_by_a_signal() {
    use crate::classroom::Tmux;
    for (signal, number) in [("TERM", 15), ("HUP", 1), ("INT", 2)] {
        let Some(t) = Tmux::start(&format!("signal-{signal}"), (100, 30), "walk seesaw-cnn") else {
            return;
        };
        t.wait_for("step 1/");
        assert_eq!(
            t.pane("#{alternate_on}#{cursor_flag}"),
            "10",
            "the walk's own screen"
        );
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &walk_pid(&t)])
            .status()
            .unwrap();
        assert!(killed.success());
        let screen = t.wait_until("the exit code and the terminal mode", |s| {
            s.contains("EXITED") && s.lines().any(|l| l.trim().ends_with("icanon"))
        });
        assert!(
            screen.contains(&format!("EXITED {}", 128 + number)),
            "SIG{signal}: exits with 128 + {number}:\n{screen}"
        );
        assert!(
            screen.lines().any(|l| l.trim() == "icanon"),
            "SIG{signal}: the terminal is back in cooked mode:\n{screen}"
        );
        assert_eq!(
            t.pane("#{alternate_on}#{cursor_flag}"),
            "01",
            "SIG{signal}: the alternate screen is left and the cursor shown"
        );
    }
}
