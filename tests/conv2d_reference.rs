//! The worked 2-D example (conv2d → ReLU → max pool → flatten → dense sigmoid), value by
//! value: every quantity the engine records against the numbers of the independent
//! reference (computed in Python, checked against PyTorch float64 autograd on all its
//! ids), transcribed below from its tables, 8 significant digits or exact decimals.
//! The scenario is `tests/scenarios/conv2d-example.yaml`, as the reference writes it.
//!
//! Ids the reference names that nntrace does not record, each on purpose:
//! - `conv.net.f1_i_j` and `relu.net.r1_i_j`: a convolution's node is its net input (no
//!   activation), so only `conv.out` is recorded; a ReLU's input is the conv's output,
//!   recorded once as `conv.out`.
//! - `conv.delta.f1_i_j` and `relu.delta.r1_i_j`: the delta of a ReLU node is the
//!   gradient of its input, recorded once as `conv.grad.f1_i_j` (the reference: "The
//!   delta is the conv gradient map G").
//! - `conv.contrib.b1@i_j`: a bias's terms are the cells of G, `conv.grad.f1_i_j`
//!   themselves; `conv.wgrad.b1` shows them summed.
//! - `input.grad.x1_a_b`: the gradient of the network's input is not traced (nothing
//!   learns from it). It is checked on a copy of the network with a ReLU in front of the
//!   convolution (the identity on this input of non-negative numbers, ReLU′(0) = 1),
//!   whose gradient is the same map, recorded as `lift.grad.x1_a_b`.
//! - `pool.route.*` are routes, not numbers: checked against the trace's routes.

use nntrace::network::{Figure, GridCell, Network};
use nntrace::scenario::{self, Scenario};
use nntrace::trace::{Key, Kind, Phase, Policy};
use std::collections::HashMap;

const FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/scenarios/conv2d-example.yaml"
);

/// (id, value) as the reference prints them.
const REFERENCE: &[(&str, &str)] = &[
    ("input.out.x1_1_1", "0"),
    ("input.out.x1_1_2", "1"),
    ("input.out.x1_1_3", "2"),
    ("input.out.x1_1_4", "1"),
    ("input.out.x1_1_5", "1"),
    ("input.out.x1_2_1", "0"),
    ("input.out.x1_2_2", "0"),
    ("input.out.x1_2_3", "2"),
    ("input.out.x1_2_4", "1"),
    ("input.out.x1_2_5", "0"),
    ("input.out.x1_3_1", "1"),
    ("input.out.x1_3_2", "1"),
    ("input.out.x1_3_3", "1"),
    ("input.out.x1_3_4", "1"),
    ("input.out.x1_3_5", "0"),
    ("input.out.x1_4_1", "1"),
    ("input.out.x1_4_2", "2"),
    ("input.out.x1_4_3", "2"),
    ("input.out.x1_4_4", "1"),
    ("input.out.x1_4_5", "2"),
    ("input.out.x1_5_1", "0"),
    ("input.out.x1_5_2", "1"),
    ("input.out.x1_5_3", "2"),
    ("input.out.x1_5_4", "0"),
    ("input.out.x1_5_5", "2"),
    ("conv.w.w1_1_1_1", "0.2"),
    ("conv.w.w1_1_1_2", "-0.1"),
    ("conv.w.w1_1_2_1", "-0.3"),
    ("conv.w.w1_1_2_2", "0.4"),
    ("conv.out.f1_1_1", "-0.1"),
    ("conv.out.f1_1_2", "0.8"),
    ("conv.out.f1_1_3", "0.1"),
    ("conv.out.f1_1_4", "-0.2"),
    ("conv.out.f1_2_1", "0.1"),
    ("conv.out.f1_2_2", "-0.1"),
    ("conv.out.f1_2_3", "0.4"),
    ("conv.out.f1_2_4", "-0.1"),
    ("conv.out.f1_3_1", "0.6"),
    ("conv.out.f1_3_2", "0.3"),
    ("conv.out.f1_3_3", "-0.1"),
    ("conv.out.f1_3_4", "0.7"),
    ("conv.out.f1_4_1", "0.4"),
    ("conv.out.f1_4_2", "0.7"),
    ("conv.out.f1_4_3", "-0.3"),
    ("conv.out.f1_4_4", "0.8"),
    ("relu.out.r1_1_1", "0"),
    ("relu.out.r1_1_2", "0.8"),
    ("relu.out.r1_1_3", "0.1"),
    ("relu.out.r1_1_4", "0"),
    ("relu.out.r1_2_1", "0.1"),
    ("relu.out.r1_2_2", "0"),
    ("relu.out.r1_2_3", "0.4"),
    ("relu.out.r1_2_4", "0"),
    ("relu.out.r1_3_1", "0.6"),
    ("relu.out.r1_3_2", "0.3"),
    ("relu.out.r1_3_3", "0"),
    ("relu.out.r1_3_4", "0.7"),
    ("relu.out.r1_4_1", "0.4"),
    ("relu.out.r1_4_2", "0.7"),
    ("relu.out.r1_4_3", "0"),
    ("relu.out.r1_4_4", "0.8"),
    ("pool.out.p1_1_1", "0.8"),
    ("pool.out.p1_1_2", "0.4"),
    ("pool.out.p1_2_1", "0.7"),
    ("pool.out.p1_2_2", "0.8"),
    ("out.net.y", "0.61"),
    ("out.out.y", "0.64794080"),
    ("loss", "0.061972839"),
    ("loss.total", "0.066172839"),
    ("out.grad.y", "-0.35205920"),
    ("out.dact.y", "0.22811352"),
    ("out.delta.y", "-0.080309463"),
    ("out.wgrad.w_y_p1_1_1", "-0.064247570"),
    ("out.wgrad.w_y_p1_1_2", "-0.032123785"),
    ("out.wgrad.w_y_p1_2_1", "-0.056216624"),
    ("out.wgrad.w_y_p1_2_2", "-0.064247570"),
    ("pool.grad.p1_1_1", "-0.040154731"),
    ("pool.grad.p1_1_2", "0.032123785"),
    ("pool.grad.p1_2_1", "-0.024092839"),
    ("pool.grad.p1_2_2", "-0.016061893"),
    ("relu.grad.r1_1_1", "0"),
    ("relu.grad.r1_1_2", "-0.040154731"),
    ("relu.grad.r1_1_3", "0"),
    ("relu.grad.r1_1_4", "0"),
    ("relu.grad.r1_2_1", "0"),
    ("relu.grad.r1_2_2", "0"),
    ("relu.grad.r1_2_3", "0.032123785"),
    ("relu.grad.r1_2_4", "0"),
    ("relu.grad.r1_3_1", "0"),
    ("relu.grad.r1_3_2", "0"),
    ("relu.grad.r1_3_3", "0"),
    ("relu.grad.r1_3_4", "0"),
    ("relu.grad.r1_4_1", "0"),
    ("relu.grad.r1_4_2", "-0.024092839"),
    ("relu.grad.r1_4_3", "0"),
    ("relu.grad.r1_4_4", "-0.016061893"),
    ("relu.dact.r1_1_1", "0"),
    ("relu.dact.r1_1_2", "1"),
    ("relu.dact.r1_1_3", "1"),
    ("relu.dact.r1_1_4", "0"),
    ("relu.dact.r1_2_1", "1"),
    ("relu.dact.r1_2_2", "0"),
    ("relu.dact.r1_2_3", "1"),
    ("relu.dact.r1_2_4", "0"),
    ("relu.dact.r1_3_1", "1"),
    ("relu.dact.r1_3_2", "1"),
    ("relu.dact.r1_3_3", "0"),
    ("relu.dact.r1_3_4", "1"),
    ("relu.dact.r1_4_1", "1"),
    ("relu.dact.r1_4_2", "1"),
    ("relu.dact.r1_4_3", "0"),
    ("relu.dact.r1_4_4", "1"),
    ("conv.grad.f1_1_1", "0"),
    ("conv.grad.f1_1_2", "-0.040154731"),
    ("conv.grad.f1_1_3", "0"),
    ("conv.grad.f1_1_4", "0"),
    ("conv.grad.f1_2_1", "0"),
    ("conv.grad.f1_2_2", "0"),
    ("conv.grad.f1_2_3", "0.032123785"),
    ("conv.grad.f1_2_4", "0"),
    ("conv.grad.f1_3_1", "0"),
    ("conv.grad.f1_3_2", "0"),
    ("conv.grad.f1_3_3", "0"),
    ("conv.grad.f1_3_4", "0"),
    ("conv.grad.f1_4_1", "0"),
    ("conv.grad.f1_4_2", "-0.024092839"),
    ("conv.grad.f1_4_3", "0"),
    ("conv.grad.f1_4_4", "-0.016061893"),
    ("conv.contrib.w1_1_1_1@1_1", "0"),
    ("conv.contrib.w1_1_1_1@1_2", "-0.040154731"),
    ("conv.contrib.w1_1_1_1@1_3", "0"),
    ("conv.contrib.w1_1_1_1@1_4", "0"),
    ("conv.contrib.w1_1_1_1@2_1", "0"),
    ("conv.contrib.w1_1_1_1@2_2", "0"),
    ("conv.contrib.w1_1_1_1@2_3", "0.064247570"),
    ("conv.contrib.w1_1_1_1@2_4", "0"),
    ("conv.contrib.w1_1_1_1@3_1", "0"),
    ("conv.contrib.w1_1_1_1@3_2", "0"),
    ("conv.contrib.w1_1_1_1@3_3", "0"),
    ("conv.contrib.w1_1_1_1@3_4", "0"),
    ("conv.contrib.w1_1_1_1@4_1", "0"),
    ("conv.contrib.w1_1_1_1@4_2", "-0.048185678"),
    ("conv.contrib.w1_1_1_1@4_3", "0"),
    ("conv.contrib.w1_1_1_1@4_4", "-0.016061893"),
    ("conv.contrib.w1_1_1_2@1_1", "0"),
    ("conv.contrib.w1_1_1_2@1_2", "-0.080309463"),
    ("conv.contrib.w1_1_1_2@1_3", "0"),
    ("conv.contrib.w1_1_1_2@1_4", "0"),
    ("conv.contrib.w1_1_1_2@2_1", "0"),
    ("conv.contrib.w1_1_1_2@2_2", "0"),
    ("conv.contrib.w1_1_1_2@2_3", "0.032123785"),
    ("conv.contrib.w1_1_1_2@2_4", "0"),
    ("conv.contrib.w1_1_1_2@3_1", "0"),
    ("conv.contrib.w1_1_1_2@3_2", "0"),
    ("conv.contrib.w1_1_1_2@3_3", "0"),
    ("conv.contrib.w1_1_1_2@3_4", "0"),
    ("conv.contrib.w1_1_1_2@4_1", "0"),
    ("conv.contrib.w1_1_1_2@4_2", "-0.048185678"),
    ("conv.contrib.w1_1_1_2@4_3", "0"),
    ("conv.contrib.w1_1_1_2@4_4", "-0.032123785"),
    ("conv.contrib.w1_1_2_1@1_1", "0"),
    ("conv.contrib.w1_1_2_1@1_2", "0"),
    ("conv.contrib.w1_1_2_1@1_3", "0"),
    ("conv.contrib.w1_1_2_1@1_4", "0"),
    ("conv.contrib.w1_1_2_1@2_1", "0"),
    ("conv.contrib.w1_1_2_1@2_2", "0"),
    ("conv.contrib.w1_1_2_1@2_3", "0.032123785"),
    ("conv.contrib.w1_1_2_1@2_4", "0"),
    ("conv.contrib.w1_1_2_1@3_1", "0"),
    ("conv.contrib.w1_1_2_1@3_2", "0"),
    ("conv.contrib.w1_1_2_1@3_3", "0"),
    ("conv.contrib.w1_1_2_1@3_4", "0"),
    ("conv.contrib.w1_1_2_1@4_1", "0"),
    ("conv.contrib.w1_1_2_1@4_2", "-0.024092839"),
    ("conv.contrib.w1_1_2_1@4_3", "0"),
    ("conv.contrib.w1_1_2_1@4_4", "0"),
    ("conv.contrib.w1_1_2_2@1_1", "0"),
    ("conv.contrib.w1_1_2_2@1_2", "-0.080309463"),
    ("conv.contrib.w1_1_2_2@1_3", "0"),
    ("conv.contrib.w1_1_2_2@1_4", "0"),
    ("conv.contrib.w1_1_2_2@2_1", "0"),
    ("conv.contrib.w1_1_2_2@2_2", "0"),
    ("conv.contrib.w1_1_2_2@2_3", "0.032123785"),
    ("conv.contrib.w1_1_2_2@2_4", "0"),
    ("conv.contrib.w1_1_2_2@3_1", "0"),
    ("conv.contrib.w1_1_2_2@3_2", "0"),
    ("conv.contrib.w1_1_2_2@3_3", "0"),
    ("conv.contrib.w1_1_2_2@3_4", "0"),
    ("conv.contrib.w1_1_2_2@4_1", "0"),
    ("conv.contrib.w1_1_2_2@4_2", "-0.048185678"),
    ("conv.contrib.w1_1_2_2@4_3", "0"),
    ("conv.contrib.w1_1_2_2@4_4", "-0.032123785"),
    ("conv.wgrad.w1_1_1_1", "-0.040154731"),
    ("conv.wgrad.w1_1_1_2", "-0.12849514"),
    ("conv.wgrad.w1_1_2_1", "0.0080309463"),
    ("conv.wgrad.w1_1_2_2", "-0.12849514"),
    ("input.grad.x1_1_1", "0"),
    ("input.grad.x1_1_2", "-0.0080309463"),
    ("input.grad.x1_1_3", "0.0040154731"),
    ("input.grad.x1_1_4", "0"),
    ("input.grad.x1_1_5", "0"),
    ("input.grad.x1_2_1", "0"),
    ("input.grad.x1_2_2", "0.012046419"),
    ("input.grad.x1_2_3", "-0.0096371355"),
    ("input.grad.x1_2_4", "-0.0032123785"),
    ("input.grad.x1_2_5", "0"),
    ("input.grad.x1_3_1", "0"),
    ("input.grad.x1_3_2", "0"),
    ("input.grad.x1_3_3", "-0.0096371355"),
    ("input.grad.x1_3_4", "0.012849514"),
    ("input.grad.x1_3_5", "0"),
    ("input.grad.x1_4_1", "0"),
    ("input.grad.x1_4_2", "-0.0048185678"),
    ("input.grad.x1_4_3", "0.0024092839"),
    ("input.grad.x1_4_4", "-0.0032123785"),
    ("input.grad.x1_4_5", "0.0016061893"),
    ("input.grad.x1_5_1", "0"),
    ("input.grad.x1_5_2", "0.0072278516"),
    ("input.grad.x1_5_3", "-0.0096371355"),
    ("input.grad.x1_5_4", "0.0048185678"),
    ("input.grad.x1_5_5", "-0.0064247570"),
    ("conv.dw.w1_1_1_1", "0.0038154731"),
    ("conv.new.w1_1_1_1", "0.20381547"),
    ("conv.dw.w1_1_1_2", "0.012949514"),
    ("conv.new.w1_1_1_2", "-0.087050486"),
    ("conv.dw.w1_1_2_1", "-0.00050309463"),
    ("conv.new.w1_1_2_1", "-0.30050309"),
    ("conv.dw.w1_1_2_2", "0.012449514"),
    ("conv.new.w1_1_2_2", "0.41244951"),
    ("conv.w.b1", "0"),
    ("conv.wgrad.b1", "-0.048185678"),
    ("conv.dw.b1", "0.0048185678"),
    ("conv.new.b1", "0.0048185678"),
    ("out.w.w_y_p1_1_1", "0.5"),
    ("out.dw.w_y_p1_1_1", "0.0059247570"),
    ("out.new.w_y_p1_1_1", "0.50592476"),
    ("out.w.w_y_p1_1_2", "-0.4"),
    ("out.dw.w_y_p1_1_2", "0.0036123785"),
    ("out.new.w_y_p1_1_2", "-0.39638762"),
    ("out.w.w_y_p1_2_1", "0.3"),
    ("out.dw.w_y_p1_2_1", "0.0053216624"),
    ("out.new.w_y_p1_2_1", "0.30532166"),
    ("out.w.w_y_p1_2_2", "0.2"),
    ("out.dw.w_y_p1_2_2", "0.0062247570"),
    ("out.new.w_y_p1_2_2", "0.20622476"),
];

/// Each pooled node and the ReLU node its maximum came from.
const ROUTES: &[(&str, &str)] = &[
    ("p1_1_1", "r1_1_2"),
    ("p1_1_2", "r1_2_3"),
    ("p1_2_1", "r1_4_2"),
    ("p1_2_2", "r1_4_4"),
];

/// The reference's "G padded": G with one ring of zeros (kernel size − 1).
const G_PADDED: [[&str; 6]; 6] = [
    ["0", "0", "0", "0", "0", "0"],
    ["0", "0", "-0.040154731", "0", "0", "0"],
    ["0", "0", "0", "0.032123785", "0", "0"],
    ["0", "0", "0", "0", "0", "0"],
    ["0", "0", "-0.024092839", "0", "-0.016061893", "0"],
    ["0", "0", "0", "0", "0", "0"],
];

/// The reference's rot180(K).
const ROT180_K: [[&str; 2]; 2] = [["0.4", "-0.3"], ["-0.1", "0.2"]];

fn load(text: &str) -> Scenario {
    scenario::parse(text, "conv2d-example", "conv2d-example").unwrap_or_else(|e| panic!("{e}"))
}

/// Every recorded quantity by id, and the scenario's trace.
fn recorded(s: &Scenario) -> HashMap<String, f64> {
    let t = s.trace(0, Policy::default());
    let ex = s.explainer(0, &t);
    t.entries.iter().map(|e| (ex.id(e.key), e.value)).collect()
}

/// The reference's number, to the digits it prints: 8 significant digits (a relative
/// error up to 5·10⁻⁸), or exact.
fn agrees(ours: f64, printed: &str) -> bool {
    let reference: f64 = printed.parse().unwrap_or_else(|_| panic!("{printed:?}"));
    ours == reference || (ours - reference).abs() <= 5.000_001e-8 * reference.abs()
}

/// A copy of the scenario with a ReLU in front of the convolution, its nodes named as
/// the input's, so that the gradient of the input map is traced (as `lift.grad`).
fn lifted() -> Scenario {
    let text = std::fs::read_to_string(FILE).unwrap();
    load(&text.replace("layers:\n", "layers:\n  - relu: {name: lift, prefix: x}\n"))
}

#[test]
fn every_recorded_quantity_is_the_references() {
    let s = load(&std::fs::read_to_string(FILE).unwrap());
    let ours = recorded(&s);
    let reference: HashMap<&str, &str> = REFERENCE.iter().copied().collect();
    let mut checked = 0;
    for (id, value) in &ours {
        let printed = reference
            .get(id.as_str())
            .unwrap_or_else(|| panic!("{id} is recorded but not in the reference"));
        assert!(
            agrees(*value, printed),
            "{id}: ours {value}, reference {printed}"
        );
        checked += 1;
    }
    assert_eq!(checked, 220, "every quantity of the step");
    // The reference's ids that the trace does not hold are exactly the input's gradient.
    let missing: Vec<&str> = REFERENCE
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !ours.contains_key(*id))
        .collect();
    assert_eq!(missing.len(), 25);
    assert!(
        missing.iter().all(|id| id.starts_with("input.grad.")),
        "{missing:?}"
    );
}

#[test]
fn the_input_gradient_is_the_full_convolution_of_the_references() {
    let ours = recorded(&lifted());
    for (id, printed) in REFERENCE
        .iter()
        .filter(|(id, _)| id.starts_with("input.grad."))
    {
        let lift = id.replace("input.grad.", "lift.grad.");
        assert!(
            agrees(ours[&lift], printed),
            "{lift}: ours {}, reference {printed}",
            ours[&lift]
        );
    }
    // The rest of the step is unchanged by the identity in front.
    for (id, printed) in REFERENCE.iter().filter(|(id, _)| id.starts_with("conv.")) {
        assert!(agrees(ours[*id], printed), "{id}");
    }
}

#[test]
fn each_pooled_maximum_comes_from_the_references_relu_cell() {
    let s = load(&std::fs::read_to_string(FILE).unwrap());
    let t = s.trace(0, Policy::default());
    let pool = Network::layer_id(2);
    let names = s.network.node_names(pool);
    for (node, from) in ROUTES {
        let o = names.iter().position(|n| n == node).unwrap();
        let route = t.route(Key::new(pool, Kind::Out, o)).expect("a route");
        let chosen: Vec<&str> = route
            .chosen
            .iter()
            .map(|&i| s.network.node_names(pool - 1)[i as usize].as_str())
            .collect();
        assert_eq!(chosen, [*from], "{node}");
    }
}

/// A figure's grid as the reference prints it: padding and dilation as 0, quantities
/// by their recorded values.
fn grid_values(s: &Scenario, figure: &Figure, caption: &str) -> Vec<Vec<f64>> {
    let t = s.trace(0, Policy::default());
    let grid = figure
        .grids
        .iter()
        .find(|g| g.caption.starts_with(caption))
        .unwrap_or_else(|| panic!("no grid {caption} in {:?}", figure.title));
    grid.cells
        .chunks(grid.cols)
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    GridCell::Quantity(key) => t.value(*key).expect("a recorded cell"),
                    GridCell::Padding | GridCell::Dilation => 0.0,
                })
                .collect()
        })
        .collect()
}

#[test]
fn the_input_gradient_figure_is_the_references_padded_map_and_rotated_kernel() {
    let s = lifted();
    let conv = Network::layer_id(1);
    let figures = s.network.layers[1]
        .shared_filter()
        .expect("a convolution")
        .figures(conv, Phase::Backward);
    let full = figures
        .iter()
        .find(|f| f.title.starts_with("∂L/∂X"))
        .expect("the ∂L/∂X figure");
    let padded = grid_values(&s, full, "G filter 1");
    assert_eq!(padded.len(), 6);
    for (r, row) in G_PADDED.iter().enumerate() {
        for (c, printed) in row.iter().enumerate() {
            assert!(agrees(padded[r][c], printed), "G padded {r},{c}");
        }
    }
    let rotated = grid_values(&s, full, "rot180(K");
    for (r, row) in ROT180_K.iter().enumerate() {
        for (c, printed) in row.iter().enumerate() {
            assert!(agrees(rotated[r][c], printed), "rot180(K) {r},{c}");
        }
    }
    // The ring is padding, not recorded zeros.
    let grid = full
        .grids
        .iter()
        .find(|g| g.caption.starts_with("G filter 1"))
        .unwrap();
    assert_eq!(grid.cells[0], GridCell::Padding);
    assert!(matches!(grid.cells[6 + 2], GridCell::Quantity(_)));
}
