//! A 2-D network's diagram: feature maps as grids of cells, kernels and weights as small
//! grids, the step's cell and its receptive field or pool window marked, blocked ReLU
//! cells grey, the flatten's grid joined to its column. Every drawing is also rendered
//! with `resvg` to `target/tmp/diagram-2d/` to be looked at.

use crate::support::{Test, snapshot_settings};
use roxmltree::Document;

/// The SVG of `diagram FILE [--step ID]`, also written as a PNG under `name`.
fn drawn(name: &str, file: &str, step: Option<&str>) -> String {
    let mut args = vec!["diagram", file, "-o", "-"];
    if let Some(id) = step {
        args.extend(["--step", id]);
    }
    let svg = Test::new().args(args).stdout();
    png(name, &svg);
    svg
}

fn png(name: &str, svg: &str) {
    let mut opt = resvg::usvg::Options::default();
    opt.fontdb_mut().load_system_fonts();
    let tree = resvg::usvg::Tree::from_str(svg, &opt).expect("valid SVG");
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).expect("a size");
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/target/tmp/diagram-2d");
    std::fs::create_dir_all(dir).expect("the folder");
    pixmap
        .save_png(format!("{dir}/{name}.png"))
        .expect("the PNG");
}

/// The `data-node` of every cell with a rect of `class`, in document order.
fn marked(svg: &str, class: &str) -> Vec<String> {
    let doc = Document::parse(svg).expect("well-formed XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("cell"))
        .filter(|g| {
            g.children()
                .any(|r| r.has_tag_name("rect") && r.attribute("class") == Some(class))
        })
        .map(|g| g.attribute("data-node").unwrap().to_string())
        .collect()
}

fn cells(svg: &str) -> usize {
    marked(svg, "cell").len()
}

const CONV: &str = "tests/scenarios/grid-conv.yaml";

#[test]
fn maps_are_grids_of_cells_not_circles() {
    let svg = drawn("grid-conv", CONV, None);
    assert!(!svg.contains("<circle"), "no node is a circle");
    // input 4 × 4, conv 3 × 3, relu 3 × 3, flat 9, out 1
    assert_eq!(cells(&svg), 16 + 9 + 9 + 9 + 1);
    assert_eq!(
        marked(&svg, "current"),
        Vec::<String>::new(),
        "no step, no mark"
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("diagram_grid_conv", svg));
}

#[test]
fn the_step_marks_its_cell_and_its_receptive_field() {
    let svg = drawn("grid-conv-step-conv", CONV, Some("conv.out.f1_2_2"));
    assert_eq!(marked(&svg, "current"), ["conv.f1_2_2"]);
    assert_eq!(
        marked(&svg, "window"),
        [
            "input.x1_2_2",
            "input.x1_2_3",
            "input.x1_3_2",
            "input.x1_3_3"
        ]
    );
    snapshot_settings().bind(|| insta::assert_snapshot!("diagram_grid_conv_step", svg));
}

#[test]
fn large_maps_are_summed_up_and_say_what_was_left_out() {
    let file = "tests/scenarios/grid-large.yaml";
    let svg = drawn("grid-large-step", file, Some("conv.out.conv5_4_6"));
    // Heat maps of 10 × 10: no number in their cells; channels 1, 2, 3 and the fifth,
    // which holds the cell being computed.
    let doc = Document::parse(&svg).expect("well-formed XML");
    let conv: Vec<_> = doc
        .descendants()
        .filter(|n| {
            n.attribute("data-node")
                .is_some_and(|d| d.starts_with("conv."))
        })
        .collect();
    assert_eq!(conv.len(), 4 * 100);
    assert!(
        conv.iter()
            .all(|g| !g.children().any(|c| c.has_tag_name("text")))
    );
    assert!(
        conv.iter()
            .any(|g| g.attribute("data-node") == Some("conv.conv5_4_6"))
    );
    assert!(
        !conv
            .iter()
            .any(|g| g.attribute("data-node") == Some("conv.conv4_1_1"))
    );
    assert_eq!(marked(&svg, "current"), ["conv.conv5_4_6"]);
    assert_eq!(marked(&svg, "window").len(), 9, "a 3 × 3 receptive field");
    assert_eq!(
        marked(&svg, "cell")
            .iter()
            .filter(|n| n.starts_with("flat."))
            .count(),
        10,
        "the flatten's first and last five"
    );
    Test::new()
        .args(["diagram", file, "-o", "/dev/null"])
        .status(0)
        .stderr_has("note: layer conv has 5 channels: drawing 1, 2, 3, 4")
        .stderr_has("note: layer flat has 500 nodes: drawing the first and last 5")
        .stderr_has("note: layer out: its 500 weights are not drawn (the trace lists them)");
}

/// Laid out with the real fonts (`resvg`), every number in a cell of a map, a kernel or a
/// weight matrix lies inside its cell, at six digits too, and every text on the page.
#[test]
fn every_number_fits_its_cell() {
    use crate::diagram::{boxes, overlaps, rendered_texts};
    for (name, step) in [
        ("grid-conv-digits6", None),
        ("grid-conv-digits6-step", Some("relu.grad.r1_2_2")),
    ] {
        let mut args = vec!["diagram", CONV, "--digits", "6", "-o", "-"];
        args.extend(step.iter().flat_map(|s| ["--step", *s]));
        let svg = Test::new().args(args).stdout();
        png(name, &svg);
        let (shapes, _) = boxes(&svg);
        let (texts, width) = rendered_texts(&svg);
        let mut checked = 0;
        for (_, cell) in shapes.iter().filter(|(c, _)| c == "cell" || c == "param") {
            for t in &texts {
                let centre = (t.0 + t.2 / 2.0, t.1 + t.3 / 2.0);
                if overlaps(*cell, (centre.0, centre.1, 0.0, 0.0)) {
                    assert!(
                        t.0 >= cell.0 - 1.0 && t.0 + t.2 <= cell.0 + cell.2 + 1.0,
                        "{name}: text at {t:?} sticks out of {cell:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(
            checked > 60,
            "{name}: the cells' texts were found ({checked})"
        );
        assert!(
            texts.iter().all(|t| t.0 >= 0.0 && t.0 + t.2 <= width),
            "{name}: on the page"
        );
    }
}

const POOL: &str = "tests/scenarios/grid-pool.yaml";

/// The pool's routes: green borders on the inputs each window took its maximum from,
/// drawn once the window's value is known; at a pooled cell's step its window is shaded.
#[test]
fn max_pool_routes_and_windows_are_marked() {
    let svg = drawn("grid-pool-step-pool", POOL, Some("pool.out.p1_1_2"));
    assert_eq!(
        marked(&svg, "current"),
        ["pool.p1_1_2", "flat.p1_1_2"],
        "the cell, and the same node in the flatten's column"
    );
    assert_eq!(
        marked(&svg, "window"),
        ["relu.r1_1_3", "relu.r1_1_4", "relu.r1_2_3", "relu.r1_2_4"]
    );
    assert_eq!(
        marked(&svg, "route"),
        ["relu.r1_1_1", "relu.r1_1_4"],
        "the first two windows have chosen, the others not yet"
    );
    let end = drawn("grid-pool", POOL, None);
    assert_eq!(marked(&end, "route").len(), 4, "one route per window");
    snapshot_settings().bind(|| insta::assert_snapshot!("diagram_grid_pool", end));
}
