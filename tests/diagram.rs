//! The diagram's geometry, read back from the SVG: labels never collide, names fit their
//! nodes, biases and the loss are drawn and labelled, the caption wraps, a step shows its
//! value, and any name gives well-formed XML.

use crate::support::random::random_scenario;
use nntrace::render::diagram;
use nntrace::scenario::{self, Scenario};
use nntrace::trace::Policy;
use proptest::prelude::*;

/// A box in the drawing: (x, y, width, height).
type Box2 = (f64, f64, f64, f64);

pub(crate) fn overlaps(a: Box2, b: Box2) -> bool {
    a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3
}

fn num(n: &roxmltree::Node, attr: &str) -> f64 {
    n.attribute(attr).unwrap().parse().unwrap()
}

/// Every box that holds text beside a node or an edge (class label, bias, callout, loss),
/// with its class, and every node circle's bounding box.
pub(crate) fn boxes(svg: &str) -> (Vec<(String, Box2)>, Vec<Box2>) {
    let doc = roxmltree::Document::parse(svg).expect("well-formed XML");
    let texts = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter_map(|n| {
            let class = n.attribute("class")?;
            Some((
                class.to_string(),
                (
                    num(&n, "x"),
                    num(&n, "y"),
                    num(&n, "width"),
                    num(&n, "height"),
                ),
            ))
        })
        .collect();
    let circles = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .map(|n| {
            let r = num(&n, "r");
            (num(&n, "cx") - r, num(&n, "cy") - r, 2.0 * r, 2.0 * r)
        })
        .collect();
    (texts, circles)
}

/// No two text boxes intersect, and none covers a node.
fn assert_nothing_collides(svg: &str) -> Result<(), TestCaseError> {
    let (texts, circles) = boxes(svg);
    for (i, (ca, a)) in texts.iter().enumerate() {
        for (cb, b) in &texts[i + 1..] {
            prop_assert!(!overlaps(*a, *b), "{ca} {a:?} overlaps {cb} {b:?}");
        }
        for c in &circles {
            prop_assert!(!overlaps(*a, *c), "{ca} {a:?} covers the node at {c:?}");
        }
    }
    Ok(())
}

fn svg_of(s: &Scenario, step: Option<usize>) -> String {
    let t = s.trace(0, Policy::default());
    let ex = s.explainer(0, &t);
    diagram::render(&ex, &s.name, step, 4).svg
}

/// Whatever the network, and at whatever step: no two label boxes intersect, no label
/// covers a node, and every weight has its label on its edge.
fn labels_hold(text: &str, at: f64) -> Result<(), TestCaseError> {
    let s = scenario::parse(text, "random", "random").unwrap();
    let svg = svg_of(&s, None);
    assert_nothing_collides(&svg)?;
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let labelled = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("label"))
        .count();
    let weights = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("edge") && n.has_attribute("data-weight"))
        .count();
    prop_assert_eq!(labelled, weights, "every weighted edge is labelled");
    let entries = s.trace(0, Policy::default()).entries.len();
    let step = ((entries - 1) as f64 * at) as usize;
    assert_nothing_collides(&svg_of(&s, Some(step)))
}

/// Cases per CI run (PROPTEST_CASES overrides).
const CASES: u32 = 32;

fn config() -> ProptestConfig {
    crate::support::fixed_seed_config(CASES, 14)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn labels_never_collide(text in random_scenario(), at in 0.0f64..1.0) {
        labels_hold(&text, at)?;
    }
}

/// A case the property once failed: 63 labels for 64 edges (one weight of the 8 → 4 dense
/// gap found no free place); now placed, some beside their edges with leader lines.
const CROWDED: &str = "data:
  - {input: [0.000000, 0.000000, 0.000000, 0.000000, 0.000000, 0.000000], target: 1}
learning_rate: 0.1
l2: 0.1
loss: cross_entropy
conventions: {relu_grad_at_zero: 1, maxpool_ties: all}
layers:
  - conv1d: {kernels: [[0.000000, 0.000000, 0.000000], [0.000000, 0.000000, 0.000000]]}
  - dense: {activation: sigmoid, weights: [[0.000000, 0.000000, 0.000000, 0.000000, 0.000000, 0.000000, 0.319470, 0.000000], [0.000000, 0.000000, 0.000000, 0.000000, 0.000000, 0.000000, -0.987554, 0.030042], [0.000000, 0.000000, 0.000000, 0.000000, 0.000000, 0.000000, -0.904749, 0.000000], [0.000000, 0.000000, 0.000000, 0.000000, 0.000000, 0.478428, 0.000000, 0.000000]]}
  - dense: {activation: softmax, weights: [[0.000000, 0.000000, 0.000000, 0.000000], [0.000000, 0.000000, 0.000000, 0.000000]]}
";

#[test]
fn labels_never_collide_on_a_crowded_dense_gap() {
    labels_hold(CROWDED, 0.4449973135197174).unwrap();
}

const TWO_FILTERS: &str = "name: two-filter
description: two filters with biases
data:
  - {input: [1, 0.5, 0, 0.25, 1], target: 1}
learning_rate: 0.1
l2: 0.01
loss: cross_entropy
layers:
  - conv1d: {kernels: [[0.1, -0.2], [0.3, 0.1]], bias: [0.05, -0.05]}
  - relu: {}
  - maxpool1d: {size: 2, stride: 2}
  - dense: {activation: tanh, weights: [[0.1, 0.2, 0.3, 0.4], [0.2, -0.1, 0.1, 0.3], [0.1, 0.1, -0.3, 0.2]], bias: [0.1, 0.2, 0.3]}
  - dense: {activation: softmax, weights: [[0.1, 0.2, 0.3], [0.3, -0.2, 0.1]], bias: [0, 0.1]}
";

const NARROW: &str = "name: narrow
description: one input, one output
data:
  - {input: [1], target: [1]}
learning_rate: 0.5
loss: squared_error
layers:
  - dense: {activation: sigmoid, weights: [[0.5]], bias: [0.2]}
";

/// Every text as a real renderer lays it out with the system's fonts (DejaVu Sans, which
/// the SVG asks for first): its bounding box.
pub(crate) fn rendered_texts(svg: &str) -> (Vec<Box2>, f64) {
    let mut opt = resvg::usvg::Options::default();
    opt.fontdb_mut().load_system_fonts();
    let tree = resvg::usvg::Tree::from_str(svg, &opt).expect("valid SVG");
    fn walk(g: &resvg::usvg::Group, out: &mut Vec<Box2>) {
        for node in g.children() {
            match node {
                resvg::usvg::Node::Group(g) => walk(g, out),
                resvg::usvg::Node::Text(t) => {
                    let b = t.abs_bounding_box();
                    out.push((
                        b.x() as f64,
                        b.y() as f64,
                        b.width() as f64,
                        b.height() as f64,
                    ));
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(tree.root(), &mut out);
    (out, tree.size().width() as f64)
}

/// A text whose centre lies in a box or a node lies wholly inside it (to 1 px): names fit
/// their nodes, weights their labels, biases their tags.
#[test]
fn every_text_fits_its_box_and_the_page() {
    let cnn = scenario::load("seesaw-cnn").unwrap();
    let two = scenario::parse(TWO_FILTERS, "two.yaml", "two").unwrap();
    let narrow = scenario::parse(NARROW, "narrow.yaml", "narrow").unwrap();
    for (s, step) in [
        (&cnn, None),
        (&cnn, Some(40)),
        (&two, None),
        (&narrow, None),
    ] {
        let svg = svg_of(s, step);
        let (shapes, circles) = boxes(&svg);
        let (texts, width) = rendered_texts(&svg);
        assert!(texts.len() > 10, "{}: texts are laid out", s.name);
        let holders = shapes
            .iter()
            .filter(|(class, _)| class != "loss")
            .map(|(_, b)| *b)
            .chain(circles);
        let mut checked = 0;
        for holder in holders {
            for t in &texts {
                let centre = (t.0 + t.2 / 2.0, t.1 + t.3 / 2.0);
                if overlaps(holder, (centre.0, centre.1, 0.0, 0.0)) {
                    assert!(
                        t.0 >= holder.0 - 1.0 && t.0 + t.2 <= holder.0 + holder.2 + 1.0,
                        "{}: text at {t:?} sticks out of {holder:?}",
                        s.name
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 3, "{}: texts were matched to their boxes", s.name);
        for t in &texts {
            assert!(
                t.0 >= 0.0 && t.0 + t.2 <= width,
                "{}: text at {t:?} leaves the page (width {width})",
                s.name
            );
        }
    }
}

#[test]
fn biases_are_drawn_above_their_nodes() {
    let two = scenario::parse(TWO_FILTERS, "two.yaml", "two").unwrap();
    let svg = svg_of(&two, None);
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let tags: Vec<String> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("bias-tag"))
        .map(|n| n.attribute("data-weight").unwrap().to_string())
        .collect();
    assert_eq!(tags.len(), 8 + 3 + 2, "every conv node, every dense unit");
    assert_eq!(
        tags.iter().filter(|t| t.as_str() == "conv.w.b1").count(),
        4,
        "a filter's bias on each of its positions"
    );
    assert!(svg.contains(">b1 = 0.05<") && svg.contains(">b2 = −0.05<"));
}

#[test]
fn the_loss_box_says_which_loss_it_shows() {
    let cnn = svg_of(&scenario::load("seesaw-cnn").unwrap(), None);
    assert!(cnn.contains(">data loss L_i = 0.6677<"), "{cnn}");
    assert!(cnn.contains(">L = L_i + ½λΣw² = 0.6797<"));
    let narrow = svg_of(&scenario::parse(NARROW, "n.yaml", "n").unwrap(), None);
    assert!(narrow.contains(">data loss L_i = "));
    assert!(
        !narrow.contains("½λΣw²"),
        "λ = 0: the total is the data loss"
    );
}

#[test]
fn the_caption_wraps_on_a_narrow_network() {
    let svg = svg_of(&scenario::parse(NARROW, "n.yaml", "n").unwrap(), None);
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let legend: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("legend"))
        .filter_map(|n| n.text())
        .collect();
    assert!(legend.len() >= 2, "wrapped: {legend:?}");
    assert!(legend[0].starts_with("under each node: its value"));
}

#[test]
fn a_step_shows_the_value_just_computed() {
    let cnn = scenario::load("seesaw-cnn").unwrap();
    let t = cnn.trace(0, Policy::default());
    let ex = cnn.explainer(0, &t);
    let at = |id: &str| {
        let i = t.entries.iter().position(|e| ex.id(e.key) == id).unwrap();
        diagram::render(&ex, "seesaw", Some(i), 4).svg
    };
    // A node's δ is not one of the lines under it: a callout beside the node shows it.
    let delta = at("hidden.delta.C");
    let doc = roxmltree::Document::parse(&delta).unwrap();
    let callout = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("callout") && n.has_tag_name("g"))
        .expect("a callout");
    assert_eq!(callout.attribute("data-id"), Some("hidden.delta.C"));
    let text: String = callout
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(text, "∂L/∂I@C = 0.01218");
    // A weight's gradient: by its edge.
    let wgrad = at("hidden.wgrad.w5");
    assert!(wgrad.contains(">∂L/∂w5 = 0.002435<"), "{wgrad}");
    // A node's value is the line under it, emphasised.
    let out = at("pool.out.A");
    let doc = roxmltree::Document::parse(&out).unwrap();
    let value = doc
        .descendants()
        .find(|n| n.attribute("data-id") == Some("pool.out.A"))
        .unwrap();
    assert_eq!(value.text(), Some("0.2"));
    assert_eq!(value.attribute("font-weight"), Some("bold"));
    assert_eq!(value.attribute("text-decoration"), Some("underline"));
}

/// Names are escaped, and control characters (NUL included), which XML cannot carry,
/// are shown as their visible pictures.
#[test]
fn any_name_gives_well_formed_xml() {
    let mut s = scenario::load("seesaw-cnn").unwrap();
    s.network.input_names[0] = "a\0<b>&\"'\u{1b}".into();
    s.name = "x\0y".into();
    let svg = svg_of(&s, None);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let names: Vec<&str> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("name"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(names[0], "a\u{2400}<b>&\"'\u{241b}");
    assert!(svg.contains(">x\u{2400}y<"));
}
