//! The walk in a real terminal (tmux), at 80 and 120 columns: hidden numbers stay hidden,
//! the strip always shows where we are, Esc closes the help, `g` helps with a misspelt
//! layer, `t` takes a whole table.

use crate::classroom::Tmux;

/// The screen once it shows step `n` (of the seesaw's 96), drawn to its last line.
fn at_step(t: &Tmux, n: usize) -> String {
    let counter = format!("step {n}/96");
    t.wait_until(&format!("{counter:?} drawn"), |screen| {
        screen.contains(&counter) && screen.contains("q quit")
    })
}

/// Presses Enter `n` times, one at a time, waiting for each step.
fn forward(t: &Tmux, from: usize, n: usize) -> String {
    let mut screen = String::new();
    for step in from + 1..=from + n {
        t.keys(&["Enter"]);
        screen = at_step(t, step);
    }
    screen
}

/// The layer of the step on screen: the first part of its id (the body's first line).
fn layer_of_step(screen: &str) -> String {
    let id = screen
        .lines()
        .skip(8)
        .find(|l| l.starts_with("  ") && !l.trim().is_empty())
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no step on the screen:\n{screen}"));
    id.split('.').next().unwrap().to_string()
}

fn strip(screen: &str) -> Vec<&str> {
    screen.lines().skip(2).take(4).collect()
}

#[test]
fn hidden_numbers_are_hidden_everywhere_and_say_so() {
    for width in [80, 120] {
        let Some(t) = Tmux::start(&format!("hide{width}"), (width, 30), "walk seesaw-cnn") else {
            return;
        };
        at_step(&t, 1);
        // Step 24 is C = σ(I@C) = 0.495: hidden from step 23 on, it appears nowhere, not
        // even in the strip.
        forward(&t, 1, 22);
        t.keys(&["f"]);
        t.wait_for("NUMBERS HIDDEN");
        let hidden = forward(&t, 23, 1);
        assert!(hidden.contains("hidden.out.C"), "{hidden}");
        assert!(
            !hidden.contains("0.495"),
            "C is given away at {width}:\n{hidden}"
        );
        assert!(hidden.contains("= ?   (numbers hidden: work it out, then press f)"));
        // Walking on with the numbers hidden reveals nothing new: step 37 is ∂L/∂f@p1.
        let later = forward(&t, 24, 13);
        assert!(later.contains("output.delta.p1") && later.contains("NUMBERS HIDDEN"));
        for secret in ["0.495", "0.505", "0.513", "0.487", "0.668"] {
            assert!(
                !later.contains(secret),
                "{secret} shown at {width}:\n{later}"
            );
        }
        assert!(
            later.contains("0.2 0.1 0 0"),
            "what was revealed stays:\n{later}"
        );
        t.keys(&["f"]);
        let revealed = t.wait_until("the numbers back", |s| !s.contains("NUMBERS HIDDEN"));
        assert!(revealed.contains("= 0.512872 − 1"), "{revealed}");
        assert!(
            revealed.contains("0.495 0.505"),
            "the strip shows them again"
        );
    }
}

#[test]
fn the_strip_shows_the_current_layer_one_kind_per_row_at_every_step() {
    for width in [80u16, 120] {
        let Some(t) = Tmux::start(&format!("strip{width}"), (width, 30), "walk seesaw-cnn") else {
            return;
        };
        at_step(&t, 1);
        forward(&t, 1, 63);
        for step in 64..=96 {
            let screen = if step == 64 {
                at_step(&t, 64)
            } else {
                forward(&t, step - 1, 1)
            };
            let rows = strip(&screen);
            let layer = layer_of_step(&screen);
            assert!(
                rows[0].contains(&format!("[{layer}]")),
                "step {step} at {width}: [{layer}] is not in the strip:\n{screen}"
            );
            for row in &rows {
                assert!(row.chars().count() <= usize::from(width), "{row}");
            }
            assert!(rows[1].starts_with("value "), "{screen}");
            assert!(rows[2].starts_with("∂L/∂out "), "{screen}");
            assert!(rows[3].starts_with("∂L/∂I"), "{screen}");
        }
        // At the end every gradient is known: ∂L/∂C in its row, δ of C in its own.
        let last = t.screen();
        let rows = strip(&last);
        if rows[0].contains("hidden") {
            assert!(
                rows[2].contains("0.0487") && !rows[2].contains("0.0122"),
                "{last}"
            );
            assert!(
                rows[3].contains("0.0122") && !rows[3].contains("0.0487"),
                "{last}"
            );
        }
    }
}

#[test]
fn esc_closes_the_help_and_q_still_quits() {
    let Some(t) = Tmux::start("help", (80, 30), "walk seesaw-cnn") else {
        return;
    };
    at_step(&t, 1);
    t.keys(&["?"]);
    t.wait_for("Esc closes it");
    t.keys(&["Escape"]);
    let after = t.wait_until("the help closed", |s| !s.contains("Esc closes it"));
    assert!(after.contains("step 1/96"), "the walk goes on:\n{after}");
    t.keys(&["Right"]);
    at_step(&t, 2);
    t.keys(&["q"]);
    let gone = t.wait_for("EXITED");
    assert!(gone.contains("EXITED 0"), "{gone}");
}

#[test]
fn g_with_an_unknown_name_suggests_and_lists_and_again_goes_on() {
    let Some(t) = Tmux::start("jump", (120, 30), "walk seesaw-cnn") else {
        return;
    };
    at_step(&t, 1);
    t.keys(&["g"]);
    t.wait_for("jump to layer (input, conv, relu, pool, hidden, output, loss): _");
    t.keys(&["h", "i", "d", "e", "n", "Enter"]);
    t.wait_for(
        "no layer named `hiden`; did you mean `hidden`? the layers: input, conv, relu, pool, hidden, output, loss",
    );
    t.keys(&["g", "h", "i", "d", "d", "e", "n", "Enter"]);
    t.wait_for("FORWARD · hidden");
    t.keys(&["g", "h", "i", "d", "d", "e", "n", "Enter"]);
    t.wait_for("BACKWARD · hidden");
}

#[test]
fn t_takes_a_whole_table_the_filter_table_and_the_update_table() {
    let Some(t) = Tmux::start("table", (80, 40), "walk seesaw-cnn") else {
        return;
    };
    at_step(&t, 1);
    t.keys(&["g", "c", "o", "n", "v", "Enter"]);
    t.wait_for("FORWARD · conv");
    t.keys(&["g", "c", "o", "n", "v", "Enter"]);
    let start = t.wait_for("BACKWARD · conv");
    assert!(start.contains("step 71/96"), "{start}");
    t.keys(&["t"]);
    t.wait_for("the whole table: steps 71 to 74");
    t.keys(&["t"]);
    // Wait for the table's last line, not its heading: the screen is drawn top down.
    let terms = t.wait_for("│ Σ over k");
    assert!(terms.contains("the whole table: steps 75 to 82"), "{terms}");
    assert!(terms.contains("step 82/96"), "{terms}");
    assert!(
        terms.contains("│ 1 (f1)     │ −0.00365309 │ ∂L/∂f1·In1 =  "),
        "{terms}"
    );
    t.keys(&["f"]);
    let hidden = t.wait_until("the hidden table drawn", |screen| {
        screen.contains("numbers hidden") && screen.contains("│ Σ over k")
    });
    assert!(
        hidden.contains("the whole table: steps 75 to 82, numbers hidden"),
        "{hidden}"
    );
    assert!(hidden.contains("│ ∂L/∂f1·In1 = ? │"), "{hidden}");
    assert!(!hidden.contains("0.00365309"), "{hidden}");
    t.keys(&["f", "t", "t"]);
    let update = t.wait_for("0.0744001");
    assert!(
        update.contains("the whole table: steps 87 to 96") && update.contains("step 96/96"),
        "{update}"
    );
    t.keys(&["Left"]);
    let single = t.wait_for("step 95/96");
    assert!(!single.contains("the whole table"), "{single}");
}

#[test]
fn no_colour_when_told_so() {
    let foreground = |screen: &str| {
        screen.contains("\x1b[38;") || (30..=37).any(|c| screen.contains(&format!("\x1b[{c}m")))
    };
    let Some(t) = Tmux::start("colour", (80, 30), "walk seesaw-cnn") else {
        return;
    };
    at_step(&t, 1);
    t.keys(&["f"]);
    t.wait_for("NUMBERS HIDDEN");
    assert!(
        foreground(&t.screen_with_escapes()),
        "coloured on a terminal"
    );
    let Some(t) = Tmux::start("nocolour", (80, 30), "walk seesaw-cnn --color never") else {
        return;
    };
    at_step(&t, 1);
    t.keys(&["f"]);
    t.wait_for("NUMBERS HIDDEN");
    let screen = t.screen_with_escapes();
    assert!(!foreground(&screen), "--color never:\n{screen:?}");
}

#[test]
fn hidden_routing_shows_the_window_not_the_answer() {
    let Some(t) = Tmux::start("routing", (80, 30), "walk seesaw-cnn") else {
        return;
    };
    at_step(&t, 1);
    t.keys(&["g", "r", "e", "l", "u", "Enter"]);
    t.wait_for("FORWARD · relu");
    t.keys(&["g", "r", "e", "l", "u", "Enter"]);
    t.wait_for("BACKWARD · relu");
    t.keys(&["f"]);
    let hidden = t.wait_until("the routing hidden", |s| {
        s.contains("NUMBERS HIDDEN") && s.contains("q quit")
    });
    assert!(hidden.contains("relu.grad.r1"), "{hidden}");
    assert!(hidden.contains("= ?   (r1 is in A's window)"), "{hidden}");
    assert!(
        !hidden.contains("= ∂L/∂A"),
        "the routing is given away:\n{hidden}"
    );
    t.keys(&["t"]);
    let table = t.wait_until("the relu table", |s| {
        s.contains("the whole table") && s.contains("╰")
    });
    assert!(table.contains("? (r2 is in A's window)"), "{table}");
}

/// The screen once it shows step `n` of the 2-D network's 160, drawn to its last line.
fn at_grid_step(t: &Tmux, n: usize) -> String {
    let counter = format!("step {n}/160");
    t.wait_until(&format!("{counter:?} drawn"), |screen| {
        screen.contains(&counter) && screen.contains("q quit")
    })
}

/// The map's lines: from the one after the strip's rule to the legend (none when the
/// heading follows the rule).
fn map_lines(screen: &str) -> Vec<&str> {
    screen
        .lines()
        .skip(8)
        .take_while(|l| l.starts_with("  "))
        .map(str::trim_end)
        .collect()
}

#[test]
fn a_2d_step_shows_its_map_its_cell_and_its_receptive_field() {
    let Some(t) = Tmux::start(
        "grid80",
        (80, 40),
        "walk tests/scenarios/grid-conv.yaml --color never",
    ) else {
        return;
    };
    at_grid_step(&t, 1);
    t.keys(&["g", "c", "o", "n", "v", "Enter"]);
    let screen = at_grid_step(&t, 17);
    assert_eq!(
        map_lines(&screen),
        [
            "  conv · K filter 1 channel 1 · weights",
            "   [0.1]    ·",
            "      ·     ·",
            "  [ ] this cell",
        ],
        "a kernel weight's step shows its kernel:\n{screen}"
    );
    // `m`: the kernel at once, to its last weight (the bias), then cell by cell.
    t.keys(&["m"]);
    let screen = at_grid_step(&t, 21);
    assert!(screen.contains("conv.w.b1"), "{screen}");
    assert!(
        map_lines(&screen).is_empty(),
        "a weight has no map:\n{screen}"
    );
    for _ in 0..5 {
        t.keys(&["Enter"]);
    }
    let screen = at_grid_step(&t, 26);
    assert!(screen.contains("conv.out.f1_2_2"), "{screen}");
    assert_eq!(
        map_lines(&screen),
        [
            "  input · values · channel 1 of 1   conv · values · channel 1 of 1",
            "    1   0   2   1                     0.5     0   0.1",
            "    0  (1) (1)  0                     0.2  [  0]    ·",
            "    2  (1) (0)  1                 →     ·     ·     ·",
            "    1   0   1   2",
            "  [ ] this cell · ( ) the cells it is computed from",
        ],
        "{screen}"
    );
    // `m` again: the rest of the map at once, ending on its last cell.
    t.keys(&["m"]);
    let screen = at_grid_step(&t, 30);
    assert_eq!(
        map_lines(&screen)[1..5],
        [
            "    1   0   2   1                     0.5     0   0.1",
            "    0   1   1   0                     0.2     0   0.5",
            "    2   1  (0) (1)                →   0.1   0.5  [0.5]",
            "    1   0  (1) (2)",
        ],
        "{screen}"
    );
    t.keys(&["?"]);
    t.wait_for("m                 a 2-D map at a time");
    t.keys(&["q"]);
    t.wait_for("EXITED 0");
}

#[test]
fn a_2d_map_is_coloured_on_a_terminal_and_fits_120_columns() {
    let Some(t) = Tmux::start("grid120", (120, 40), "walk tests/scenarios/grid-conv.yaml") else {
        return;
    };
    at_grid_step(&t, 1);
    t.keys(&["g", "r", "e", "l", "u", "Enter"]);
    at_grid_step(&t, 31);
    t.keys(&["g", "r", "e", "l", "u", "Enter"]);
    at_grid_step(&t, 74);
    for _ in 0..4 {
        t.keys(&["Enter"]);
    }
    let screen = at_grid_step(&t, 78);
    assert!(screen.contains("relu.grad.r1_2_2"), "{screen}");
    assert_eq!(
        map_lines(&screen),
        [
            "  relu · ∂L/∂out · channel 1 of 1",
            "    −0.0247    0.0124   −0.0495",
            "    −0.0124   −0.0371         ·",
            "          ·         ·         ·",
            "  this cell",
        ],
        "coloured, so no brackets:\n{screen}"
    );
    let coloured = t.screen_with_escapes();
    let cell = coloured
        .lines()
        .find(|l| l.contains("−0.0371"))
        .expect("the cell's line");
    assert!(
        cell.contains("\x1b[1;7m") && cell.contains("38;5;11m −0.0371 "),
        "the cell in reverse yellow: {cell:?}"
    );
    assert!(screen.lines().all(|l| l.chars().count() <= 120));
}

#[test]
fn a_pooled_cell_shows_its_window() {
    let Some(t) = Tmux::start(
        "gridpool",
        (80, 40),
        "walk tests/scenarios/grid-pool.yaml --color never",
    ) else {
        return;
    };
    t.wait_for("step 1/220");
    t.keys(&["g", "p", "o", "o", "l", "Enter"]);
    t.wait_for("step 63/220");
    t.keys(&["Enter"]);
    let screen = t.wait_until("step 64 drawn", |s| {
        s.contains("step 64/220") && s.contains("q quit")
    });
    assert!(screen.contains("pool.out.p1_1_2"), "{screen}");
    assert_eq!(
        map_lines(&screen),
        [
            "  relu · values · channel 1 of 1   pool · values · channel 1 of 1",
            "    0.5     0  (0.1) (0.5)           0.5  [0.5]",
            "    0.2     0  (0.5) (  0)             ·     ·",
            "    0.1   0.5   0.5   0.5        →",
            "    0.5     0   0.1   0.4",
            "  [ ] this cell · ( ) the cells it is computed from",
        ],
        "{screen}"
    );
}

#[test]
fn a_large_map_shows_the_part_around_its_cell() {
    let Some(t) = Tmux::start(
        "gridlarge",
        (80, 30),
        "walk tests/scenarios/grid-large.yaml --color never",
    ) else {
        return;
    };
    let at = |n: usize| {
        let counter = format!("step {n}/9331");
        t.wait_until(&counter.clone(), |s| {
            s.contains(&counter) && s.contains("q quit")
        })
    };
    at(1);
    t.keys(&["g", "c", "o", "n", "v", "Enter"]);
    at(145);
    t.keys(&["m"]);
    at(189);
    for _ in 0..36 {
        t.keys(&["Enter"]);
    }
    let screen = at(225);
    assert!(screen.contains("conv.out.conv1_4_6"), "{screen}");
    let map = map_lines(&screen);
    assert_eq!(
        map[..3],
        [
            "  input · values · channel 1 of 1       conv · values · channel 1 of 5",
            "  rows 2–8 of 12, columns 4–10 of 12    rows 1–7 of 10, columns 4–8 of 10",
            "     0    3    1   −1    2    0    3      −1.7   −1.7    2.8   −1.2    1.8",
        ],
        "{screen}"
    );
    assert_eq!(
        map[5], "     1   −1  ( 2) ( 0) ( 3)   1   −1  →    2.8   −1.2  [ 1.8]     ·      ·",
        "{screen}"
    );
    assert!(screen.lines().all(|l| l.chars().count() <= 80));
}

/// Under `--ascii` the screen spells symbols in ASCII but shows every id and layer name as
/// written, and the name read off the `g` prompt, typed back, jumps to the layer.
#[test]
fn an_ascii_walk_shows_ids_and_layer_names_as_written() {
    let args = format!(
        "walk {}/tests/scenarios/unicode-names.yaml --ascii",
        env!("CARGO_MANIFEST_DIR")
    );
    let Some(t) = Tmux::start("ascii", (80, 30), &args) else {
        return;
    };
    let first = t.wait_for("step 1/38");
    assert!(first.contains("\n  input.out.ก   ?\n"), "{first}");
    assert!(first.contains("[input] -> ชั้น -> loss"), "{first}");
    t.keys(&["g"]);
    t.wait_for("jump to layer (input, ชั้น, loss): _");
    t.keys(&["-l", "ชั้น"]);
    t.keys(&["Enter"]);
    let layer = t.wait_for("FORWARD * ชั้น");
    assert!(layer.contains("step 3/38"), "{layer}");
    assert!(layer.contains("\n  ชั้น.w.w_中文_ก   w_??_?\n"), "{layer}");
    t.keys(&["Enter"]);
    let greek = t.wait_for("step 4/38");
    assert!(greek.contains("\n  ชั้น.w.w_Δy_ก   w_Dy_?\n"), "{greek}");
}

/// Walks `scenario` (without colour) to its layer `conv`, then `n` steps on, and returns
/// the screen at step `step` of `total`.
fn conv_step(
    name: &str,
    size: (u16, u16),
    scenario: &str,
    n: usize,
    step: usize,
    total: usize,
) -> Option<String> {
    let t = Tmux::start(name, size, &format!("walk {scenario} --color never"))?;
    let at = |n: usize| {
        let counter = format!("step {n}/{total}");
        t.wait_until(&counter.clone(), |s| {
            s.contains(&counter) && s.contains("q quit")
        })
    };
    at(1);
    t.keys(&["g", "c", "o", "n", "v", "Enter"]);
    at(step - n);
    for _ in 0..n {
        t.keys(&["Enter"]);
    }
    Some(at(step))
}

/// conv2d-rgb's f1_2_2 reads rows 3–4, columns 3–4 of each of its three input channels:
/// all three are shown, side by side under one title, at 80 and at 120 columns.
#[test]
fn every_channel_a_cell_reads_is_shown_at_80_and_120_columns() {
    let rows = [
        "    1   0   2   1     0   1   0   1     2   1   0   0      0.7   0.2",
        "    0   1   1   0     1   2   1   0     1   0   0   1      0.2  [  0]",
        "    2   0  (1) (1)    0   1  (2) (1)    0   0  (1) (2) →",
        "    1   1  (0) (2)    1   0  (1) (0)    1   2  (1) (1)",
        "  [ ] this cell · ( ) the cells it is computed from",
    ];
    let Some(screen) = conv_step("rgb80", (80, 40), "conv2d-rgb", 29, 78, 340) else {
        return;
    };
    assert!(screen.contains("conv.out.f1_2_2"), "{screen}");
    let map = map_lines(&screen);
    assert_eq!(
        map[..2],
        [
            "  input · values · channels 1–3 of 3                     conv · values",
            "  channel 1         channel 2         channel 3          channel 1 of 2",
        ],
        "{screen}"
    );
    assert_eq!(map[2..], rows, "{screen}");
    let Some(screen) = conv_step("rgb120", (120, 40), "conv2d-rgb", 29, 78, 340) else {
        return;
    };
    let map = map_lines(&screen);
    assert_eq!(
        map[..2],
        [
            "  input · values · channels 1–3 of 3                     conv · values · channel 1 of 2",
            "  channel 1         channel 2         channel 3",
        ],
        "{screen}"
    );
    assert_eq!(map[2..], rows, "{screen}");
}

/// Eight input channels: as many as the width holds, the rest named.
#[test]
fn channels_left_out_for_want_of_width_are_named() {
    let scenario = "tests/scenarios/grid-channels.yaml";
    let Some(screen) = conv_step("channels80", (80, 40), scenario, 36, 109, 363) else {
        return;
    };
    assert!(screen.contains("conv.out.f1_2_2"), "{screen}");
    assert_eq!(
        map_lines(&screen),
        [
            "  input · values · channels 1–4 of 8                       conv · values",
            "  channel 1     channel 2     channel 3     channel 4      channel 1 of 1",
            "    0   2   2     0   2   0     1   2   2     0   2   1        −2   −0.2",
            "    0  (1) (2)    1  (1) (2)    1  (1) (2)    2  (0) (2) →   −0.2  [−1.3]",
            "    1  (2) (2)    0  (0) (2)    0  (0) (2)    0  (0) (2)",
            "  [ ] this cell · ( ) the cells it is computed from",
            "  input: channels 5–8 of 8 not shown (too narrow)",
        ],
        "{screen}"
    );
    let Some(screen) = conv_step("channels120", (120, 40), scenario, 36, 109, 363) else {
        return;
    };
    let map = map_lines(&screen);
    assert!(
        map[0].starts_with("  input · values · channels 1–7 of 8 "),
        "{screen}"
    );
    assert_eq!(
        map.last().copied(),
        Some(
            "  [ ] this cell · ( ) the cells it is computed from · input: channel 8 of 8 not \
             shown (too narrow)"
        ),
        "{screen}"
    );
    assert!(screen.lines().all(|l| l.chars().count() <= 120));
}

/// Under `--ascii` a 2-D map's title names its layer as written (`g` takes that name).
#[test]
fn an_ascii_map_title_keeps_the_layer_name() {
    let text = std::fs::read_to_string("tests/scenarios/grid-conv.yaml").unwrap();
    let text = text.replace("name: conv", "name: ชั้น");
    assert!(text.contains("ชั้น"));
    let file = std::env::temp_dir().join(format!("nntrace-ascii-map-{}.yaml", std::process::id()));
    std::fs::write(&file, text).unwrap();
    let args = format!("walk {} --ascii --color never", file.display());
    let Some(t) = Tmux::start("ascii-map", (80, 40), &args) else {
        std::fs::remove_file(file).unwrap();
        return;
    };
    at_grid_step(&t, 1);
    t.keys(&["g"]);
    t.keys(&["-l", "ชั้น"]);
    t.keys(&["Enter"]);
    let screen = at_grid_step(&t, 17);
    assert_eq!(
        map_lines(&screen)[0],
        "  ชั้น * K filter 1 channel 1 * weights",
        "{screen}"
    );
    assert!(
        screen.contains("\n  ชั้น.w.w1_1_1_1   w1_1_1_1\n"),
        "{screen}"
    );
    std::fs::remove_file(file).unwrap();
}
