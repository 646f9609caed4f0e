//! The classroom: handouts, the diagram, the step-by-step walk.

use crate::support::{Test, snapshot_settings, snapshot_stdout};
use std::path::{Path, PathBuf};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nntrace-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn snapshot(name: &str, args: &[&str]) -> String {
    snapshot_stdout(name, args, 0)
}

#[test]
fn handout_seesaw_cnn_markdown() {
    let out = snapshot(
        "handout_seesaw_cnn_markdown",
        &["trace", "seesaw-cnn", "--format", "markdown"],
    );
    assert!(
        out.contains("| `pool.out.A` | $A$ | $\\max(r1, r2) = \\max(0.2, 0.1)$ | 0.2 | from r1 |")
    );
}

#[test]
fn handout_seesaw_cnn_blank_markdown() {
    let out = snapshot(
        "handout_seesaw_cnn_blank_markdown",
        &["trace", "seesaw-cnn", "--format", "markdown", "--blank"],
    );
    let room = "\\_".repeat(14);
    assert!(
        out.contains(&format!(
            "| `pool.out.A` | $A$ | $\\max(r1, r2)$ | {room} |\n"
        )),
        "results left empty, with room to write"
    );
    assert!(
        !out.contains("0.512872"),
        "no computed result is given away"
    );
    for (r, window) in [("r1", "A"), ("r2", "A"), ("r3", "B"), ("r4", "B")] {
        assert!(
            out.contains(&format!(
                "| `relu.grad.{r}` | $\\partial L/\\partial {r}$ | $?$ ({r} is in {window}'s window) | {room} |"
            )),
            "the routing of {r} is not given away"
        );
    }
}

/// The answers file does not give the routing away either.
#[test]
fn the_template_hides_where_pooled_gradients_go() {
    let mut t = Test::new().args(["template", "seesaw-cnn"]).status(0);
    let out = t.stdout();
    assert!(out.contains("  relu.grad.r2:       # ∂L/∂r2 = ?  (r2 is in A's window)\n"));
    assert!(!out.contains("= ∂L/∂A"), "{out}");
    assert!(!out.contains("∂L/∂r2 = 0"), "{out}");
}

#[test]
fn check_seesaw_slides_markdown() {
    let args = [
        "check",
        "seesaw-cnn",
        "scenarios/seesaw-cnn.slide-answers.yaml",
        "--format",
        "markdown",
    ];
    snapshot_stdout("check_seesaw_slides_markdown", &args, 1);
}

#[test]
fn handout_seesaw_cnn_latex() {
    snapshot(
        "handout_seesaw_cnn_latex",
        &["trace", "seesaw-cnn", "--format", "latex"],
    );
}

/// Compiles a LaTeX document with pdflatex in its own folder; returns the log, or None
/// when pdflatex is missing (CI sets NNTRACE_REQUIRE_TOOLS, so there it cannot skip).
fn pdflatex(tex: &Path, source: &str) -> Option<String> {
    if crate::support::tool_missing("pdflatex", "--version") {
        crate::support::skip_without("pdflatex", "the LaTeX is not compiled");
        return None;
    }
    std::fs::write(tex, source).unwrap();
    let run = std::process::Command::new("pdflatex")
        .args([
            "-interaction=nonstopmode",
            "-halt-on-error",
            tex.file_name().unwrap().to_str().unwrap(),
        ])
        .current_dir(tex.parent().unwrap())
        .output()
        .unwrap();
    let log = std::fs::read_to_string(tex.with_extension("log"))
        .unwrap_or_else(|_| String::from_utf8_lossy(&run.stdout).into_owned());
    assert!(
        run.status.success(),
        "{} does not compile:\n{log}",
        tex.display()
    );
    assert!(tex.with_extension("pdf").exists());
    Some(log)
}

/// Every handout compiles and fits the A4 page: every built-in scenario, a two-filter
/// CNN with default names, the checker's report, each as a handout and as an exercise
/// sheet, with no overfull box in the log.
#[test]
fn latex_handouts_compile_and_fit_the_page() {
    let mut runs: Vec<(String, Vec<String>, i32)> = Vec::new();
    // Generated 2-D exercises: a 5 × 5 map (level 2) and a padded one (level 3), whose
    // blank sheets hold grids of answers.
    let generated = ["2", "3"].map(|level| {
        let dir = temp(&format!("cnn2d-level{level}"));
        let dir = dir.to_str().unwrap().to_string();
        Test::new()
            .args(["generate", "--kind", "cnn2d", "--seed", "7"])
            .args(["--difficulty", level, "-o", &dir])
            .status(0);
        format!("{dir}/exercise.yaml")
    });
    // lenet-mini, the scale scenario, would be a handout of thousands of pages.
    let scenarios = nntrace::scenario::BUILTIN
        .iter()
        .map(|(name, _)| name.to_string())
        .filter(|name| name != "lenet-mini")
        .chain(["tests/scenarios/two-filter-cnn.yaml".to_string()])
        .chain(generated);
    for s in scenarios {
        for blank in [false, true] {
            let mut args = vec![
                "trace".to_string(),
                s.clone(),
                "--format".into(),
                "latex".into(),
            ];
            if blank {
                args.push("--blank".into());
            }
            let name = format!(
                "{}{}",
                s.rsplit("nntrace-test-")
                    .next()
                    .unwrap()
                    .replace(['/', '.'], "-"),
                if blank { "-blank" } else { "" }
            );
            runs.push((name, args, 0));
        }
    }
    runs.push((
        "check".into(),
        [
            "check",
            "seesaw-cnn",
            "scenarios/seesaw-cnn.slide-answers.yaml",
            "--format",
            "latex",
        ]
        .map(String::from)
        .to_vec(),
        1,
    ));
    runs.push((
        "round".into(),
        [
            "trace",
            "seesaw-mlp-sigmoid",
            "--format",
            "latex",
            "--round",
            "3",
        ]
        .map(String::from)
        .to_vec(),
        0,
    ));
    for (name, args, code) in runs {
        let mut t = Test::new().args(args).status(code);
        let Some(log) = pdflatex(&temp(&format!("{name}.tex")), &t.stdout()) else {
            return;
        };
        let overfull: Vec<&str> = log.lines().filter(|l| l.contains("Overfull")).collect();
        assert!(overfull.is_empty(), "{name}: {overfull:#?}");
    }
}

/// Names that mean something to TeX are printed, never obeyed: a node named
/// `\input{nntrace-secret}` does not make pdflatex read that file, and `y%`, `a#b&c`,
/// `$x$`, `c{o}n_v`, `w^1`, `b`t`, `中文` and a 64-character name compile and fit.
#[test]
fn hostile_names_are_printed_not_obeyed() {
    for blank in [false, true] {
        let mut args = vec![
            "trace",
            "tests/scenarios/hostile-names.yaml",
            "--format",
            "latex",
        ];
        if blank {
            args.push("--blank");
        }
        let mut t = Test::new().args(args).status(0);
        let tex = temp(&format!("hostile{blank}.tex"));
        std::fs::write(tex.with_file_name("nntrace-secret.tex"), "SECRETMARKER\n").unwrap();
        let Some(log) = pdflatex(&tex, &t.stdout()) else {
            return;
        };
        assert!(
            !log.contains("nntrace-secret.tex"),
            "the file was read:\n{log}"
        );
        assert!(!log.contains("SECRETMARKER"));
        let overfull: Vec<&str> = log.lines().filter(|l| l.contains("Overfull")).collect();
        assert!(overfull.is_empty(), "{overfull:#?}");
    }
    let mut md = Test::new()
        .args([
            "trace",
            "tests/scenarios/hostile-names.yaml",
            "--format",
            "markdown",
        ])
        .status(0);
    let md = md.stdout();
    assert!(!md.contains("$$"), "no accidental display math");
    // Every row of a table has as many cell borders as its header.
    let mut header_borders = None;
    for line in md.lines() {
        if !line.starts_with("| ") {
            header_borders = None;
            continue;
        }
        let borders = line.replace("\\|", "").matches('|').count();
        let want = *header_borders.get_or_insert(borders);
        assert_eq!(borders, want, "an unescaped | splits the row: {line}");
    }
    assert!(
        md.contains("| `c{o}n_v.out.f\\|1` |"),
        "a | in a code span is escaped"
    );
    assert!(
        md.contains("`` c{o}n_v.w.b`t ``"),
        "a backtick gets a longer fence"
    );
}

fn diagram(args: &[&str]) -> String {
    let out = temp(&format!("{}.svg", args.join("_").replace(['/', '.'], "-")));
    let mut all = vec!["diagram"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", out.to_str().unwrap()]);
    Test::new().args(all).status(0);
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn the_diagram_has_a_node_per_neuron_and_an_edge_per_weight() {
    let svg = diagram(&["seesaw-cnn"]);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let class = |n: &roxmltree::Node, c: &str| n.attribute("class") == Some(c);
    let nodes = doc.descendants().filter(|n| class(n, "node")).count();
    assert_eq!(
        nodes,
        5 + 4 + 4 + 2 + 2 + 2,
        "input, conv, relu, pool, hidden, output"
    );
    let weights: std::collections::BTreeSet<&str> = doc
        .descendants()
        .filter(|n| class(n, "edge"))
        .filter_map(|n| n.attribute("data-weight"))
        .collect();
    for w in [
        "conv.w.w1",
        "conv.w.w2",
        "hidden.w.w5",
        "hidden.w.w6",
        "hidden.w.w7",
        "hidden.w.w8",
        "output.w.w1",
        "output.w.w2",
        "output.w.w3",
        "output.w.w4",
    ] {
        assert!(weights.contains(w), "{w} has an edge");
    }
    let dense_edges = doc
        .descendants()
        .filter(|n| {
            class(n, "edge")
                && n.attribute("data-weight")
                    .is_some_and(|w| !w.starts_with("conv"))
        })
        .count();
    assert_eq!(dense_edges, 8, "one edge per dense weight");
    assert!(
        svg.contains("stroke=\"#1e8449\""),
        "the max-pool routes are drawn"
    );
}

#[test]
fn the_diagram_renders_with_a_real_svg_renderer() {
    let svg = diagram(&["seesaw-cnn"]);
    let tree =
        resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default()).expect("valid SVG");
    let size = tree.size().to_int_size();
    assert!(size.width() > 1000 && size.height() > 500, "projector size");
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    let inked = pixmap.pixels().iter().filter(|p| p.red() < 128).count();
    assert!(inked > 1000, "circles and lines are drawn");
}

#[test]
fn diagram_seesaw_cnn_svg() {
    let svg = diagram(&["seesaw-cnn"]);
    snapshot_settings().bind(|| insta::assert_snapshot!("diagram_seesaw_cnn_svg", svg.clone()));
    // The picture in the README is this file; it must be the current drawing.
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/seesaw-cnn.svg");
    assert_eq!(
        std::fs::read_to_string(committed).unwrap_or_default(),
        svg,
        "regenerate snapshots/seesaw-cnn.svg"
    );
}

#[test]
fn a_step_draws_what_is_known_then_and_highlights_it() {
    let svg = diagram(&["seesaw-cnn", "--step", "pool.grad.A"]);
    assert!(svg.contains("step: pool.grad.A = "));
    assert!(
        svg.contains("stroke=\"#e67e00\""),
        "the current node is highlighted"
    );
    let gradients = svg.matches("fill=\"#1f5fbf\"").count();
    assert_eq!(
        gradients, 5,
        "known then: ∂L/∂f@p1, ∂L/∂f@p2, ∂L/∂C, ∂L/∂D, ∂L/∂A"
    );
    let early = diagram(&["seesaw-cnn", "--step", "conv.out.f2"]);
    assert!(!early.contains("0.505"), "D is not computed yet");
}

#[test]
fn diagram_bad_input() {
    Test::new()
        .args([
            "diagram",
            "seesaw-cnn",
            "-o",
            "/tmp/x.svg",
            "--step",
            "hidden.delta.c",
        ])
        .status(2)
        .stderr_has(
            "--step hidden.delta.c: no quantity has this id; did you mean `hidden.delta.C`?",
        );
    let target = "/nonexistent-nntrace/dir/d.svg";
    Test::new()
        .args(["diagram", "seesaw-cnn", "-o", target])
        .status(2)
        .stderr_has("cannot write /nonexistent-nntrace/dir/d.svg");
    assert!(!Path::new(target).exists());
}

#[test]
fn a_layer_too_large_to_draw_is_shortened_and_said_so() {
    let rows: Vec<String> = (0..70)
        .map(|i| format!("[{}, 0.1]", i as f64 / 100.0))
        .collect();
    let yaml = format!(
        "data:\n  - {{input: [1, 0], target: 0}}\nlearning_rate: 0.1\nloss: cross_entropy\nlayers:\n  - dense: {{name: wide, activation: tanh, weights: [{}]}}\n  - dense: {{activation: softmax, weights: [[{}], [{}]]}}\n",
        rows.join(", "),
        vec!["0.1"; 70].join(", "),
        vec!["-0.1"; 70].join(", ")
    );
    let scenario = temp("wide.yaml");
    std::fs::write(&scenario, yaml).unwrap();
    let out = temp("wide.svg");
    Test::new()
        .args([
            "diagram",
            scenario.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .status(0)
        .stderr_has("note: layer wide has 70 nodes: drawing the first and last 5, 60 left out");
    let svg = std::fs::read_to_string(out).unwrap();
    assert!(svg.contains("⋮ 60 more"));
    roxmltree::Document::parse(&svg).expect("well-formed XML");
}

/// A terminal for `walk`: a tmux session of its own, driven by keys, read by capture-pane.
pub(crate) struct Tmux {
    socket: String,
}

impl Tmux {
    /// None when tmux is missing (CI installs it and sets NNTRACE_REQUIRE_TOOLS).
    pub(crate) fn start(name: &str, size: (u16, u16), args: &str) -> Option<Tmux> {
        if crate::support::tool_missing("tmux", "-V") {
            crate::support::skip_without("tmux", "the walk is not driven in a terminal");
            return None;
        }
        let socket = format!("nntrace-{name}-{}", std::process::id());
        let bin = env!("CARGO_BIN_EXE_nntrace");
        // After the walk: its exit code, and whether the terminal is back in cooked mode.
        let shell =
            format!("{bin} {args}; echo EXITED $?; stty -a | grep -o -- '-\\?icanon'; sleep 60");
        let ok = std::process::Command::new("tmux")
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-x",
                &size.0.to_string(),
                "-y",
                &size.1.to_string(),
                &shell,
            ])
            .env_remove("TMUX")
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux starts");
        Some(Tmux { socket })
    }

    /// A tmux format value of the pane (`#{cursor_flag}`, `#{alternate_on}`, `#{pane_pid}`).
    pub(crate) fn pane(&self, format: &str) -> String {
        let out = std::process::Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "display-message",
                "-p",
                "-t",
                "0",
                format,
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub(crate) fn keys(&self, keys: &[&str]) {
        let mut args = vec!["-L", &self.socket, "send-keys", "-t", "0"];
        args.extend_from_slice(keys);
        std::process::Command::new("tmux")
            .args(args)
            .status()
            .unwrap();
    }

    /// The screen with its colours and attributes as escape sequences.
    pub(crate) fn screen_with_escapes(&self) -> String {
        let out = std::process::Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-e", "-t", "0"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub(crate) fn screen(&self) -> String {
        let out = std::process::Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "0"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen shows `text` (at most ten seconds), and returns the screen.
    pub(crate) fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?} shown"), |screen| screen.contains(text))
    }

    /// Waits until the screen satisfies `done` (at most ten seconds), and returns it.
    pub(crate) fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        for _ in 0..200 {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the screen never had {what}:\n{}", self.screen());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = std::process::Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

#[test]
fn walk_steps_forward_and_back_and_restores_the_terminal() {
    let Some(t) = Tmux::start("walk", (110, 30), "walk seesaw-cnn") else {
        return;
    };
    t.wait_for("step 1/96");
    t.keys(&["Enter", "Space", "Right"]);
    let screen = t.wait_for("step 4/96");
    assert!(screen.contains("input.out.In4"));
    t.keys(&["Left"]);
    t.wait_for("step 3/96");
    t.keys(&["NPage"]);
    let screen = t.wait_for("FORWARD · conv");
    assert!(
        screen.contains("[conv]"),
        "the strip marks where we are:\n{screen}"
    );
    t.keys(&["g", "o", "u", "t", "p", "u", "t", "Enter"]);
    t.wait_for("FORWARD · output");
    for _ in 0..11 {
        t.keys(&["Enter"]);
    }
    let screen = t.wait_for("output.delta.p1");
    assert!(
        screen.contains("= 0.512872 − 1") && screen.contains("p_target − 1"),
        "{screen}"
    );
    t.keys(&["f"]);
    let hidden = t.wait_until("the numbers hidden", |screen| {
        !screen.contains("= 0.512872 − 1")
    });
    assert!(
        hidden.contains("output.delta.p1"),
        "still the same step:\n{hidden}"
    );
    t.keys(&["?"]);
    t.wait_for("hide / show the numbers");
    t.keys(&["q"]);
    let after = t.wait_for("icanon");
    assert!(after.contains("EXITED 0"), "{after}");
    assert!(
        after.contains("icanon") && !after.contains("-icanon"),
        "raw mode is off again:\n{after}"
    );
    assert!(
        !after.contains("nntrace walk"),
        "the alternate screen is gone:\n{after}"
    );
}

#[test]
fn walk_ctrl_c_restores_and_a_small_terminal_is_told() {
    let Some(t) = Tmux::start("small", (50, 12), "walk seesaw-cnn --ascii") else {
        return;
    };
    t.wait_for("too small");
    t.keys(&["C-c"]);
    let after = t.wait_for("icanon");
    assert!(
        after.contains("EXITED 0") && !after.contains("-icanon"),
        "{after}"
    );
}

#[test]
fn walk_without_a_terminal_prints_every_step() {
    let mut t = Test::new()
        .args(["walk", "seesaw-cnn", "--round", "3"])
        .status(0);
    let out = t.stdout();
    assert!(out.contains("step 1/96 · FORWARD · input"));
    assert!(out.contains("step 96/96 · UPDATE · all layers"));
    assert!(out.contains(
        "The gradient flows only through the input that held the maximum; the others get 0."
    ));
    assert!(out.contains("= 0.513"), "rounded to 3 digits");
}

#[test]
fn below_a_relu_the_walk_names_the_layer_that_sent_the_gradient() {
    let mut t = Test::new()
        .args(["walk", "tests/scenarios/relu-under-dense.yaml"])
        .status(0);
    let out = t.stdout();
    let collect: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_start().starts_with("Collect ∂L_i/∂f from the"))
        .map(str::trim)
        .collect();
    assert_eq!(
        collect,
        [
            "Collect ∂L_i/∂f from the layer above that backpropagates to this node: Σ(∂L_i/∂f · w).",
            "Collect ∂L_i/∂f from the layer above that backpropagates to this node: Σ(∂L_i/∂f · w).",
            "Collect ∂L_i/∂f from the fully connected layer and the layers above.",
            "Collect ∂L_i/∂f from the fully connected layer and the layers above.",
        ]
    );
}

mod every_renderer {
    use crate::support::random::random_scenario;
    use nntrace::render::{self, Options};
    use nntrace::scenario;
    use nntrace::trace::Policy;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Whatever the network, every output format is produced without a panic, and
        /// the documents are well formed where that can be checked.
        #[test]
        fn renders_any_network(text in random_scenario(), round in prop::option::of(2u32..5)) {
            let s = scenario::parse(&text, "random", "random").unwrap();
            let t = s.trace(0, Policy { round, ..Policy::default() });
            let ex = s.explainer(0, &t);
            let opts = Options { digits: 4, ascii: false, color: false, width: 80 };
            let table = render::table::render(&s, 0, &ex, &opts, round, &Default::default());
            prop_assert!(table.lines().all(|l| l.chars().count() <= 80), "no line over 80 columns:\n{}", table);
            prop_assert!(table.contains("UPDATE"));
            let json = serde_json::to_string(&render::json::render(&s, 0, &ex, &opts, round)).unwrap();
            prop_assert!(json.contains("\"quantities\""));
            for kind in [render::handout::Kind::Markdown, render::handout::Kind::Latex] {
                for blank in [false, true] {
                    let h = render::handout::Handout { kind, scenario: &s, pattern: 0, round, digits: 4, blank };
                    let doc = h.render(&ex);
                    prop_assert!(!doc.contains("$$"), "no accidental display math");
                }
            }
            let svg = render::diagram::render(&ex, "random", None, 4).svg;
            prop_assert!(roxmltree::Document::parse(&svg).is_ok());
            let last = t.entries.len() - 1;
            let step = render::diagram::render(&ex, "random", Some(last / 2), 4).svg;
            prop_assert!(roxmltree::Document::parse(&step).is_ok());
            let template = render::template::render("random.yaml", "random", 0, &ex, &opts);
            prop_assert!(nntrace::check::answers::parse(&template, "template").is_ok());
            let steps = nntrace::walk::steps(&ex, 4);
            prop_assert_eq!(steps.len(), t.entries.len());
            prop_assert!(!nntrace::walk::print_all(&steps, &opts).is_empty());
        }
    }
}
