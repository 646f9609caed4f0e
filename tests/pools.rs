//! The pooling layers: exact values on small examples worked by hand, the tie conventions
//! on planted ties, and every input gradient against central finite differences of
//! L = Σ c_o·out_o on random windows (sizes, strides, overlaps, channels).

use crate::conv2d::check_input_grads;
use crate::diagnoses::judge_one;
use crate::gradcheck;
use crate::support::{fixed_seed_config, values};
use nntrace::check::Verdict;
use nntrace::network::{
    AvgPool, Conventions, Ctx, Gradients, Incoming, Loss, MaxPool, Outputs, PoolGeometry, Setup,
    Shape, Step, Ties,
};
use nntrace::trace::Untraced;
use proptest::prelude::*;

fn setup(ties: Ties) -> Setup {
    Setup {
        alpha: 0.1,
        lambda: 0.0,
        update_biases: true,
        loss: Loss::HalfSquaredError,
        conventions: Conventions {
            relu_passes_zero: false,
            maxpool_ties: ties,
            ..Conventions::default()
        },
    }
}

/// The layer's outputs for `x`, and ∂L/∂x for the gradient `upstream` of its outputs.
fn run<L: Step>(layer: &L, x: &[f64], upstream: &[f64], ties: Ties) -> (Vec<f64>, Vec<f64>) {
    let setup = setup(ties);
    let mut rec = Untraced;
    let mut ctx = Ctx {
        rec: &mut rec,
        setup: &setup,
        id: 1,
        wants_input_grad: true,
        inputs_from: 0,
    };
    let mut scratch = layer.scratch();
    let mut y = vec![0.0; upstream.len()];
    let into = Outputs {
        out: &mut y,
        net: &mut [],
    };
    layer.forward(x, into, &mut scratch, &mut ctx);
    let mut back = vec![0.0; x.len()];
    let io = Gradients {
        x,
        y: &y,
        net: &[],
        incoming: Incoming::Grad(upstream),
        input_grad: &mut back,
        dw: &mut [],
    };
    layer.backward(io, &mut scratch, &mut ctx);
    (y, back)
}

fn max_pool(geometry: PoolGeometry) -> MaxPool {
    MaxPool {
        name: "pool".into(),
        geometry,
        outputs: (0..geometry.outputs()).map(|o| format!("p{o}")).collect(),
    }
}

fn avg_pool(geometry: PoolGeometry, global: bool) -> AvgPool {
    let outputs = if global {
        geometry.input.channels
    } else {
        geometry.outputs()
    };
    AvgPool {
        name: "pool".into(),
        geometry,
        outputs: (0..outputs).map(|o| format!("p{o}")).collect(),
        global,
    }
}

fn grid(
    channels: usize,
    rows: usize,
    cols: usize,
    size: [usize; 2],
    stride: [usize; 2],
) -> PoolGeometry {
    PoolGeometry {
        input: Shape::grid(channels, rows, cols),
        size,
        stride,
    }
}

/// The ReLU map of the reference example (conv2d-example.md), 4 × 4.
const RELU_MAP: [f64; 16] = [
    0.0, 0.8, 0.1, 0.0, //
    0.1, 0.0, 0.4, 0.0, //
    0.6, 0.3, 0.0, 0.7, //
    0.4, 0.7, 0.0, 0.8,
];

#[test]
fn maxpool2d_takes_each_windows_maximum_and_routes_its_gradient_there() {
    let pool = max_pool(grid(1, 4, 4, [2, 2], [2, 2]));
    let upstream = [-0.040154731, 0.032123785, -0.024092839, -0.016061893];
    let (y, dx) = run(&pool, &RELU_MAP, &upstream, Ties::All);
    assert_eq!(y, [0.8, 0.4, 0.7, 0.8]);
    let mut expected = [0.0; 16];
    expected[1] = -0.040154731; // r1_1_2
    expected[6] = 0.032123785; // r1_2_3
    expected[13] = -0.024092839; // r1_4_2
    expected[15] = -0.016061893; // r1_4_4
    assert_eq!(dx, expected);
}

#[test]
fn maxpool2d_with_a_rectangular_window_and_two_channels() {
    // 2 channels of 2 × 4, windows of 1 row × 2 columns, stride [1, 2].
    let pool = max_pool(grid(2, 2, 4, [1, 2], [1, 2]));
    let x = [
        1.0, 3.0, 5.0, 2.0, 0.0, -1.0, 4.0, 4.5, 9.0, 8.0, 7.0, 6.0, 0.5, 0.25, 0.0, 1.0,
    ];
    let (y, dx) = run(
        &pool,
        &x,
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        Ties::All,
    );
    assert_eq!(y, [3.0, 5.0, 0.0, 4.5, 9.0, 7.0, 0.5, 1.0]);
    assert_eq!(
        dx,
        [
            0.0, 1.0, 2.0, 0.0, 3.0, 0.0, 0.0, 4.0, 5.0, 0.0, 6.0, 0.0, 7.0, 0.0, 0.0, 8.0
        ]
    );
}

#[test]
fn avgpool2d_takes_each_windows_mean_and_sends_grad_over_n_to_every_input() {
    let pool = avg_pool(grid(1, 4, 4, [2, 2], [2, 2]), false);
    let (y, dx) = run(&pool, &RELU_MAP, &[0.4, -0.8, 1.2, 2.0], Ties::All);
    // (0 + 0.8 + 0.1 + 0)/4, (0.1 + 0 + 0.4 + 0)/4, (0.6 + 0.3 + 0.4 + 0.7)/4, (0 + 0.7 + 0 + 0.8)/4
    assert_eq!(y, [0.225, 0.125, 0.5, 0.375]);
    assert_eq!(
        dx,
        [
            0.1, 0.1, -0.2, -0.2, //
            0.1, 0.1, -0.2, -0.2, //
            0.3, 0.3, 0.5, 0.5, //
            0.3, 0.3, 0.5, 0.5,
        ]
    );
}

#[test]
fn overlapping_average_windows_add_their_shares() {
    // 3 × 3 input 1..9, 2 × 2 windows with stride 1: the centre is in all four windows.
    let pool = avg_pool(grid(1, 3, 3, [2, 2], [1, 1]), false);
    let x: Vec<f64> = (1..=9).map(f64::from).collect();
    let (y, dx) = run(&pool, &x, &[1.0, 1.0, 1.0, 1.0], Ties::All);
    assert_eq!(y, [3.0, 4.0, 6.0, 7.0]);
    assert_eq!(dx, [0.25, 0.5, 0.25, 0.5, 1.0, 0.5, 0.25, 0.5, 0.25]);
}

#[test]
fn avgpool1d_means_each_window_of_each_channel() {
    let pool = avg_pool(PoolGeometry::line(Shape::line(2, 6), 3, 3), false);
    let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 0.3, 0.6, 0.9, 1.5, 0.0, 0.0];
    let (y, dx) = run(&pool, &x, &[3.0, -1.5, 0.75, 6.0], Ties::All);
    assert_eq!(y, [2.0, 5.0, 0.6, 0.5]);
    assert_eq!(
        dx,
        [
            1.0, 1.0, 1.0, -0.5, -0.5, -0.5, 0.25, 0.25, 0.25, 2.0, 2.0, 2.0
        ]
    );
}

#[test]
fn global_avgpool_gives_one_mean_per_channel() {
    let pool = avg_pool(PoolGeometry::whole(Shape::grid(2, 2, 2)), true);
    let x = [1.0, 2.0, 3.0, 4.0, 0.5, 0.5, 1.0, 2.0];
    let (y, dx) = run(&pool, &x, &[2.0, -4.0], Ties::All);
    assert_eq!(y, [2.5, 1.0]);
    assert_eq!(dx, [0.5, 0.5, 0.5, 0.5, -1.0, -1.0, -1.0, -1.0]);
    let line = avg_pool(PoolGeometry::whole(Shape::line(1, 4)), true);
    assert_eq!(
        run(&line, &[0.1, 0.2, 0.3, 0.4], &[1.0], Ties::All).0,
        [0.25]
    );
}

#[test]
fn tied_maxima_in_a_2d_window_follow_the_convention() {
    let pool = max_pool(grid(1, 2, 2, [2, 2], [2, 2]));
    let x = [0.5, 0.5, 0.1, 0.5];
    let got = |ties| run(&pool, &x, &[0.6], ties).1;
    assert_eq!(got(Ties::All), [0.6, 0.6, 0.0, 0.6]);
    assert_eq!(got(Ties::First), [0.6, 0.0, 0.0, 0.0]);
    assert_eq!(got(Ties::Split), [0.2, 0.2, 0.0, 0.2]);
}

/// A random pool: channels, input sides, window and stride along each axis chosen so the
/// windows cover the input exactly; `line` makes it 1-D.
fn geometry() -> impl Strategy<Value = PoolGeometry> {
    let axis = || (1usize..4, 1usize..4, 1usize..4);
    (1usize..4, [axis(), axis()], any::<bool>()).prop_map(|(channels, axes, line)| {
        let [(size_r, stride_r, steps_r), (size_c, stride_c, steps_c)] = axes;
        // (steps − 1) strides after the first window: side = size + (steps − 1)·stride.
        let side = |size: usize, stride: usize, steps: usize| size + (steps - 1) * stride;
        let cols = side(size_c, stride_c, steps_c);
        if line {
            return PoolGeometry::line(Shape::line(channels, cols), size_c, stride_c);
        }
        grid(
            channels,
            side(size_r, stride_r, steps_r),
            cols,
            [size_r, size_c],
            [stride_r, stride_c],
        )
    })
}

/// Distinct inputs 0.1 apart (a maximum never changes within the finite difference's
/// step), shuffled by `order`; upstream gradients in [−1, 1].
fn inputs(g: PoolGeometry, order: u64, upstream: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let n = g.input.size();
    let x = (0..n)
        .map(|i| (((i as u64 * 7919 + order) % n as u64) as f64) * 0.1 - 0.3)
        .collect();
    let c = (0..g.outputs())
        .map(|o| upstream[o % upstream.len()])
        .collect();
    (x, c)
}

/// ∂L/∂x against (L(x + h) − L(x − h)) / 2h for L = Σ c_o·out_o.
fn agrees_with_differences<L: Step>(layer: &L, x: &[f64], c: &[f64]) -> Result<(), String> {
    const H: f64 = 1e-6;
    let (_, dx) = run(layer, x, c, Ties::First);
    let loss = |x: &[f64]| -> f64 {
        let (y, _) = run(layer, x, c, Ties::First);
        y.iter().zip(c).map(|(y, c)| y * c).sum()
    };
    for i in 0..x.len() {
        let mut up = x.to_vec();
        let mut down = x.to_vec();
        up[i] += H;
        down[i] -= H;
        let numeric = (loss(&up) - loss(&down)) / (2.0 * H);
        if (numeric - dx[i]).abs() > 1e-6 * numeric.abs().max(1.0) {
            return Err(format!(
                "input {i}: traced {}, finite difference {numeric}",
                dx[i]
            ));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(fixed_seed_config(256, 0x9001))]

    #[test]
    fn maxpool_gradients_agree_with_finite_differences(
        g in geometry(),
        order in 0u64..1000,
        upstream in prop::collection::vec(-1.0f64..1.0, 1..8),
    ) {
        let (x, c) = inputs(g, order, &upstream);
        let checked = agrees_with_differences(&max_pool(g), &x, &c);
        prop_assert!(checked.is_ok(), "{:?}: {}", g, checked.unwrap_err());
    }

    #[test]
    fn avgpool_gradients_agree_with_finite_differences(
        g in geometry(),
        order in 0u64..1000,
        upstream in prop::collection::vec(-1.0f64..1.0, 1..8),
        global in any::<bool>(),
    ) {
        let g = if global { PoolGeometry::whole(g.input) } else { g };
        let (x, c) = inputs(g, order, &upstream);
        let pool = avg_pool(g, global);
        let c = &c[..pool.outputs.len()];
        let checked = agrees_with_differences(&pool, &x, c);
        prop_assert!(checked.is_ok(), "{:?}: {}", g, checked.unwrap_err());
    }
}

const AVGPOOL: &str = "tests/scenarios/cnn-avgpool.yaml";

/// `value` for `id` is wrong, and the first mistake named is `code`.
fn assert_named(scenario: &str, id: &str, value: f64, code: &str) {
    let j = judge_one(scenario, 0, id, value);
    assert_eq!(j.verdict, Verdict::Wrong, "{id} = {value}");
    assert_eq!(
        j.diagnosis(),
        Some(code),
        "{id} = {value}: {:?}",
        j.diagnoses
    );
}

#[test]
fn an_average_pool_traces_its_means_and_shares() {
    let v = values(AVGPOOL, 0);
    // r = (0.2, 0, 0.3, 0.2, 0, 0.1): A = 0.5/3, B = 0.3/3.
    assert_eq!(v["pool.out.A"], 0.5 / 3.0);
    assert_eq!(v["pool.out.B"], 0.3 / 3.0);
    for (r, pooled) in [("r1", "A"), ("r2", "A"), ("r3", "A"), ("r5", "B")] {
        assert_eq!(
            v[&format!("relu.grad.{r}")],
            v[&format!("pool.grad.{pooled}")] / 3.0
        );
    }
}

#[test]
fn a_wrong_divisor_is_named_avgpool_divisor() {
    let v = values(AVGPOOL, 0);
    let sum = v["relu.out.r1"] + v["relu.out.r2"] + v["relu.out.r3"];
    for (id, value) in [
        ("pool.out.A", sum),
        ("pool.out.A", sum / 9.0),
        ("relu.grad.r2", v["pool.grad.A"]),
        ("relu.grad.r4", v["pool.grad.B"] / 9.0),
    ] {
        assert_named(AVGPOOL, id, value, "avgpool-divisor");
    }
    let j = judge_one(AVGPOOL, 0, "pool.out.A", sum);
    assert_eq!(
        j.explanation.as_deref(),
        Some(
            "A = (r1 + r2 + r3) / 3: the sum of the window divided once by n = 3, the inputs in \
             the window; your value divides by another number, or not at all"
        )
    );
    let j = judge_one(AVGPOOL, 0, "relu.grad.r2", v["pool.grad.A"]);
    assert_eq!(
        j.explanation.as_deref(),
        Some(
            "∂L/∂r2 = ∂L/∂A / 3: each input of the window gets the pooled gradient divided once \
             by n = 3, the inputs in the window; your value divides by another number, or not \
             at all"
        )
    );
}

const AVGPOOL2D: &str = "tests/scenarios/avgpool2d.yaml";
const MAXPOOL2D_TIE: &str = "tests/scenarios/maxpool2d-tie.yaml";

#[test]
fn a_2d_average_pool_and_a_global_one_trace_their_means_and_shares() {
    let v = values(AVGPOOL2D, 0);
    let pooled = [
        ("p1_1_1", 0.225),
        ("p1_1_2", 0.125),
        ("p1_2_1", 0.5),
        ("p1_2_2", 0.375),
    ];
    for (p, mean) in pooled {
        assert_eq!(v[&format!("pool.out.{p}")], mean, "{p}");
        assert_eq!(
            v[&format!("pool.grad.{p}")],
            v["gap.grad.gap1"] / 4.0,
            "{p}"
        );
    }
    assert_eq!(v["gap.out.gap1"], 1.225 / 4.0);
    // r1_2_2 is in p1_1_1's window, r1_3_4 in p1_2_2's.
    assert_eq!(v["relu.grad.r1_2_2"], v["pool.grad.p1_1_1"] / 4.0);
    assert_eq!(v["relu.grad.r1_3_4"], v["pool.grad.p1_2_2"] / 4.0);
}

#[test]
fn a_2d_average_divided_by_the_windows_side_is_named_avgpool_divisor() {
    let v = values(AVGPOOL2D, 0);
    let window = ["r1_1_1", "r1_1_2", "r1_2_1", "r1_2_2"];
    let sum: f64 = window.iter().map(|r| v[&format!("relu.out.{r}")]).sum();
    for (id, value) in [
        ("pool.out.p1_1_1", sum / 2.0),
        ("relu.grad.r1_2_1", v["pool.grad.p1_1_1"] / 2.0),
        ("pool.grad.p1_2_1", v["gap.grad.gap1"]),
        ("gap.out.gap1", (0.225 + 0.125 + 0.5 + 0.375) / 2.0),
    ] {
        assert_named(AVGPOOL2D, id, value, "avgpool-divisor");
    }
    let j = judge_one(AVGPOOL2D, 0, "pool.out.p1_1_1", sum / 2.0);
    assert_eq!(
        j.explanation.as_deref(),
        Some(
            "p1_1_1 = (r1_1_1 + r1_1_2 + r1_2_1 + r1_2_2) / 4: the sum of the window divided \
             once by n = 2 × 2 = 4, the inputs in the window; your value divides by another \
             number, or not at all"
        )
    );
}

#[test]
fn a_2d_max_pool_routes_by_name_and_its_slips_are_named() {
    let v = values(MAXPOOL2D_TIE, 0);
    assert_eq!(v["pool.out.p1_1_1"], 0.5);
    // `all`: both tied maxima get p1_1_1's whole gradient; the others of the window none.
    assert_eq!(v["relu.grad.r1_1_1"], v["pool.grad.p1_1_1"]);
    assert_eq!(v["relu.grad.r1_1_2"], v["pool.grad.p1_1_1"]);
    assert_eq!(v["relu.grad.r1_2_2"], 0.0);
    assert_eq!(v["relu.grad.r1_2_3"], v["pool.grad.p1_1_2"]);
    // 0 also follows from taking p1_1_1 from its runner-up r1_2_2 (0.2): named second.
    let j = judge_one(MAXPOOL2D_TIE, 0, "relu.grad.r1_1_2", 0.0);
    assert_eq!(j.diagnoses, ["tie-convention", "wrong-pool-input"]);
    assert_eq!(
        j.explanation.as_deref(),
        Some(
            "r1_1_1 and r1_1_2 tie at 0.5 for p1_1_1; under `first` only r1_1_1 gets p1_1_1's \
             gradient, but this scenario's maxpool_ties is `all`: each gets it whole; or \
             wrong-pool-input: the gradient of p1_1_1 goes only to the input that held the \
             maximum: max(0.5, 0.5, 0.1, 0.2) = 0.5 comes from r1_1_1 and r1_1_2; 0.1 is \
             r1_2_1, 0.2 is r1_2_2"
        )
    );
    // p1_1_2 taken from r1_2_4 (0.3), the runner-up of max(0.1, 0, 0.4, 0.3).
    let j = judge_one(MAXPOOL2D_TIE, 0, "pool.out.p1_1_2", 0.3);
    assert_eq!(j.diagnoses, ["wrong-pool-input"]);
    assert_eq!(
        j.explanation.as_deref(),
        Some(
            "max(0.1, 0, 0.4, 0.3) = 0.4 comes from r1_2_3; 0.1 is r1_1_3, 0 is r1_1_4, 0.3 is r1_2_4"
        )
    );
    let mut t = crate::support::Test::new()
        .args(["trace", MAXPOOL2D_TIE, "--only", "pool.forward"])
        .status(0);
    let out = t.stdout();
    assert!(
        out.contains("(tie: r1_1_1, r1_1_2 (each gets the whole gradient))"),
        "{out}"
    );
    assert!(out.contains("(from r1_4_4)"), "{out}");
}

/// `[a, b, …]`: `n` numbers of `values`, four decimals.
fn numbers(n: usize, values: &mut dyn Iterator<Item = f64>) -> String {
    let v: Vec<String> = (0..n)
        .map(|_| format!("{:.4}", values.next().unwrap()))
        .collect();
    format!("[{}]", v.join(", "))
}

/// `[[…], […]]`: `rows` lists of `cols` numbers.
fn rows(rows: usize, cols: usize, values: &mut dyn Iterator<Item = f64>) -> String {
    let v: Vec<String> = (0..rows).map(|_| numbers(cols, values)).collect();
    format!("[{}]", v.join(", "))
}

/// A random 2-D network with a pool between weights, as a scenario file: an input of
/// 1–3 channels in [0.1, 2), a `relu` on it (the identity there, so that ∂L/∂input is
/// traced), a `conv2d` of 1–2 filters with a 1–2 × 1–2 kernel, then a `maxpool2d` or
/// `avgpool2d` of 1–3 × 1–3 with stride 1–3 per axis (windows overlapping, touching or
/// leaving gaps between them; the map sized so that they cover it exactly) and `flatten`,
/// or a `global_avgpool` (with or without a `flatten` after it, which changes nothing);
/// then a dense sigmoid layer of 1–2 units, half squared error, any tie convention. The
/// inputs are drawn anew for every cell (at most 3 × 10 × 10 of them), so no two tie.
fn random_pool2d_scenario() -> impl Strategy<Value = String> {
    (
        (1usize..4, 1usize..3, 1usize..3, 1usize..3), // channels, filters, kernel rows, columns
        ([1usize..4, 1usize..4], [1usize..4, 1usize..4], [1usize..4, 1usize..4]), // size, stride, positions
        (0usize..3, 0usize..3, any::<bool>(), 1usize..3), // pool kind, ties, flatten after global, units
        prop::collection::vec(-1.0f64..1.0, 300),
        prop::collection::vec(0.1f64..2.0, 320),
    )
        .prop_map(
            |((channels, filters, kh, kw), (size, stride, positions), (kind, ties, flat, units), w, x)| {
                let mut weights = w.into_iter().cycle();
                let mut inputs = x.into_iter().cycle();
                // The conv map: (positions − 1)·stride + size per axis; the input: + kernel − 1.
                let map = [0, 1].map(|a| (positions[a] - 1) * stride[a] + size[a]);
                let input: Vec<String> = (0..channels)
                    .map(|_| rows(map[0] + kh - 1, map[1] + kw - 1, &mut inputs))
                    .collect();
                let kernels: Vec<String> = (0..filters)
                    .map(|_| {
                        let k: Vec<String> = (0..channels).map(|_| rows(kh, kw, &mut weights)).collect();
                        format!("[{}]", k.join(", "))
                    })
                    .collect();
                let (pool, width) = match kind {
                    0 | 1 => (
                        format!(
                            "{}: {{name: pool, size: [{}, {}], stride: [{}, {}]}}\n  - flatten: {{}}",
                            ["maxpool2d", "avgpool2d"][kind],
                            size[0], size[1], stride[0], stride[1]
                        ),
                        filters * positions[0] * positions[1],
                    ),
                    _ if flat => ("global_avgpool: {name: pool}\n  - flatten: {}".to_string(), filters),
                    _ => ("global_avgpool: {name: pool}".to_string(), filters),
                };
                let dense: Vec<String> = (0..units).map(|_| numbers(width, &mut weights)).collect();
                format!(
                    "data:\n  - input: [{}]\n    target: {}\nlearning_rate: 0.1\nl2: 0.1\n\
                     loss: half_squared_error\nconventions: {{maxpool_ties: {}}}\nlayers:\n\
                     \x20 - relu: {{name: lift}}\n\
                     \x20 - conv2d: {{name: conv, kernels: [{}], bias: {}}}\n\
                     \x20 - {pool}\n\
                     \x20 - dense: {{activation: sigmoid, weights: [{}]}}\n",
                    input.join(", "),
                    numbers(units, &mut weights),
                    ["all", "first", "split"][ties],
                    kernels.join(", "),
                    numbers(filters, &mut weights),
                    dense.join(", ")
                )
            },
        )
}

proptest! {
    #![proptest_config(fixed_seed_config(200, 0x9002))]

    /// Every weight gradient (the convolution's below the pool included) and every input
    /// gradient against central differences; a max pool's window is a kink only at a
    /// near-tie, where a one-sided difference that agrees passes too.
    #[test]
    fn random_2d_networks_with_pools_agree_with_finite_differences(text in random_pool2d_scenario()) {
        let s = nntrace::scenario::parse(&text, "test", "test").unwrap_or_else(|e| panic!("{e}\n{text}"));
        let weights = gradcheck::check_at_kinks(&s.network, &s.setup, &s.data[0]);
        prop_assert!(weights.is_ok(), "{}\n{}", weights.unwrap_err(), text);
        prop_assert_eq!(weights.unwrap(), s.network.param_count());
        let inputs = check_input_grads(&s);
        prop_assert!(inputs.is_ok(), "{}\n{}", inputs.unwrap_err(), text);
    }
}

#[test]
fn a_flatten_after_a_global_average_pool_changes_nothing() {
    let text = std::fs::read_to_string(AVGPOOL2D).unwrap();
    let flattened = text.replace(
        "  - global_avgpool: {name: gap}\n",
        "  - global_avgpool: {name: gap}\n  - flatten: {name: flat}\n",
    );
    assert_ne!(text, flattened);
    let quantities = |text: &str| {
        let s = nntrace::scenario::parse(text, "t", "t").unwrap();
        let t = s.trace(0, nntrace::trace::Policy::default());
        let ex = s.explainer(0, &t);
        let q: Vec<(String, f64)> = t.entries.iter().map(|e| (ex.id(e.key), e.value)).collect();
        q
    };
    assert_eq!(quantities(&flattened), quantities(&text));
}
