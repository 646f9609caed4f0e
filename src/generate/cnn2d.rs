//! 2-D convolutional networks: one shared 2-D kernel over a small image, ReLU, 2 × 2 max
//! pooling, flatten, dense layers, softmax with cross-entropy.
//!
//! | level | network |
//! |---|---|
//! | 1 | 3 × 3 input (0/1) → conv 2 × 2 (bias) → 2 × 2 map → ReLU → max pool 2 × 2 → 1 value → 2 softmax, λ = 0 |
//! | 2 | 5 × 5 input (0/1) → conv 2 × 2 (bias) → 4 × 4 map → ReLU → max pool 2 × 2 → 2 × 2 → flatten → 2 softmax, λ 0 or 0.1 |
//! | 3 | 3 × 3 input (0–2) → conv 2 × 2 (bias), padding 1 → 4 × 4 map → ReLU → max pool 2 × 2 → 2 × 2 → flatten → 2 sigmoid (biases) → 3 softmax, λ = 0.1 |
//!
//! Stride 1 everywhere; the pooling windows (2 × 2, stride 2) cover the map exactly.
//! Planting works on receptive fields, as in 1-D: a ReLU zero is set through the bias at
//! the first cell of a pooling window; a tie makes two cells of one window see the same
//! field, cell by cell. With padding that forces the cells paired with a padded zero to 0
//! as well (so at level 3 a planted tie is two cells that see only zeros and padding:
//! both are the bias).

use super::draw::Draw;
use super::plan::{Grid, LayerPlan, Namer, Plan, Target, dense, numbered, zero_sum};
use super::{Family, Level, Plant};

pub struct Cnn2d;

/// The sizes of one level.
struct Shape {
    /// Input rows = columns.
    side: usize,
    largest_input: i32,
    /// Kernel rows = columns.
    kernel: usize,
    padding: usize,
    hidden: usize,
    classes: usize,
}

fn shape(level: Level) -> Shape {
    match level {
        Level::One => Shape {
            side: 3,
            largest_input: 1,
            kernel: 2,
            padding: 0,
            hidden: 0,
            classes: 2,
        },
        Level::Two => Shape {
            side: 5,
            largest_input: 1,
            kernel: 2,
            padding: 0,
            hidden: 0,
            classes: 2,
        },
        Level::Three => Shape {
            side: 3,
            largest_input: 2,
            kernel: 2,
            padding: 1,
            hidden: 2,
            classes: 3,
        },
    }
}

impl Shape {
    /// The feature map's side: input + 2·padding − kernel + 1.
    fn map(&self) -> usize {
        self.side + 2 * self.padding - self.kernel + 1
    }

    /// The input cell (row-major index) that kernel offset (u, v) meets at map cell
    /// (i, j), or None on a padded zero.
    fn field(&self, (i, j): (usize, usize), (u, v): (usize, usize)) -> Option<usize> {
        let r = (i + u).checked_sub(self.padding)?;
        let c = (j + v).checked_sub(self.padding)?;
        (r < self.side && c < self.side).then_some(r * self.side + c)
    }

    /// The receptive field of map cell `at`, in kernel order, padded zeros as 0.
    fn window(&self, input: &[i32], at: (usize, usize)) -> Vec<i32> {
        offsets(self.kernel)
            .map(|o| self.field(at, o).map_or(0, |x| input[x]))
            .collect()
    }
}

/// Map cell `at` in tenths, Σ field·kernel + bias: the inputs are integers and the
/// weights tenths, so the sum is exact.
fn cell_sum(s: &Shape, input: &[i32], kernel: &[i32], bias: i32, at: (usize, usize)) -> i32 {
    let field = s.window(input, at);
    field.iter().zip(kernel).map(|(x, w)| x * w).sum::<i32>() + bias
}

/// Kernel offsets (u, v), row by row.
fn offsets(k: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..k).flat_map(move |u| (0..k).map(move |v| (u, v)))
}

impl Family for Cnn2d {
    fn name(&self) -> &'static str {
        "cnn2d"
    }

    fn plants(&self, plant: Plant) -> bool {
        match plant {
            Plant::Ties | Plant::ReluZero => true,
        }
    }

    fn draw(&self, d: &mut Draw, level: Level, plant: Option<Plant>) -> Option<Plan> {
        let s = shape(level);
        let mut input = super::draw_input(d, s.side * s.side, s.largest_input);
        let mut namer = Namer::default();
        let kernel: Vec<i32> = (0..s.kernel * s.kernel).map(|_| d.nonzero(9)).collect();
        let kernel_names: Vec<String> = (0..kernel.len()).map(|_| namer.weight()).collect();
        let mut bias = d.nonzero(9);
        // A planted value goes first (top left) in a pooling window, where the
        // convention decides.
        let windows = s.map() / 2;
        let corner = (
            2 * d.below(windows as u32) as usize,
            2 * d.below(windows as u32) as usize,
        );
        match plant {
            Some(Plant::Ties) => {
                plant_tie(d, &s, &mut input, corner);
                // The pair must be the window's maximum, above 0: otherwise a tie the
                // plant did not make (fields unlike each other) could be judged instead.
                let sum = |at| cell_sum(&s, &input, &kernel, bias, at);
                let pair = sum(corner);
                let below = [(corner.0 + 1, corner.1), (corner.0 + 1, corner.1 + 1)];
                if pair <= 0 || below.iter().any(|&at| sum(at) >= pair) {
                    return None;
                }
            }
            Some(Plant::ReluZero) => zero_sum(&s.window(&input, corner), &kernel, &mut bias),
            None => {}
        }
        let pooled = windows * windows;
        let pool_names: Vec<String> = (1..=windows)
            .flat_map(|r| (1..=windows).map(move |c| format!("m1_{r}_{c}")))
            .collect();
        let map = s.map();
        let mut layers = vec![
            (
                "conv".to_string(),
                LayerPlan::Conv2d {
                    kernel: Grid::square(kernel, s.kernel),
                    kernel_names,
                    bias: (bias, namer.bias()),
                    padding: s.padding,
                    prefix: "f",
                },
            ),
            ("relu".to_string(), LayerPlan::Relu2d { prefix: "r" }),
            (
                "pool".to_string(),
                LayerPlan::MaxPool2d {
                    size: 2,
                    stride: 2,
                    prefix: "m",
                },
            ),
            ("flat".to_string(), LayerPlan::Flatten),
        ];
        let mut inputs = pool_names;
        if s.hidden > 0 {
            let units = namer.letters(s.hidden);
            let hidden = dense(d, &mut namer, "sigmoid", &inputs, units.clone(), true);
            layers.push(("hidden".to_string(), hidden));
            inputs = units;
        }
        let output = dense(
            d,
            &mut namer,
            "softmax",
            &inputs,
            numbered("p", s.classes),
            false,
        );
        layers.push(("output".to_string(), output));
        let padding = if s.padding > 0 {
            format!(", padding {}", s.padding)
        } else {
            String::new()
        };
        let hidden = if s.hidden > 0 {
            format!(" → {} sigmoid", s.hidden)
        } else {
            String::new()
        };
        let side = s.side;
        let k = s.kernel;
        let p = windows;
        Some(Plan {
            name: String::new(),
            description: format!(
                "convolutional network {side} × {side} → conv {k} × {k}{padding} → {map} × {map} → ReLU → max pool 2 × 2 → {p} × {p} → flatten ({pooled}){hidden} → {} softmax",
                s.classes
            ),
            comment: String::new(),
            input_names: Vec::new(),
            input: Grid::square(input, side).into(),
            target: Target::Class(d.below(s.classes as u32) as usize),
            alpha: d.pick(&[1, 5]),
            lambda: super::draw_lambda(d, level),
            loss: "cross_entropy",
            layers,
        })
    }
}

/// Makes map cells `corner` and its right neighbour see the same receptive field, cell
/// by cell: input cells that one kernel offset pairs are joined into classes (a class
/// with a padded zero is 0), and each class gets one drawn value, so both cells compute
/// the same sum — a tie in the pooling window whose top left is `corner`.
fn plant_tie(d: &mut Draw, s: &Shape, input: &mut [i32], corner: (usize, usize)) {
    let right = (corner.0, corner.1 + 1);
    let mut class: Vec<usize> = (0..input.len()).collect();
    fn root(class: &mut [usize], mut x: usize) -> usize {
        while class[x] != x {
            x = class[x];
        }
        x
    }
    let mut padded = vec![false; input.len()];
    for o in offsets(s.kernel) {
        match (s.field(corner, o), s.field(right, o)) {
            (Some(a), Some(b)) => {
                let (ra, rb) = (root(&mut class, a), root(&mut class, b));
                class[ra] = rb;
            }
            (Some(x), None) | (None, Some(x)) => padded[x] = true,
            (None, None) => {}
        }
    }
    let roots: Vec<usize> = (0..input.len()).map(|x| root(&mut class, x)).collect();
    let mut zero = vec![false; input.len()];
    for (x, &r) in roots.iter().enumerate() {
        if padded[x] {
            zero[r] = true;
        }
    }
    let touched: Vec<usize> = offsets(s.kernel)
        .flat_map(|o| [s.field(corner, o), s.field(right, o)])
        .flatten()
        .collect();
    let mut value = vec![None; input.len()];
    for &x in &touched {
        let r = roots[x];
        input[x] = *value[r].get_or_insert_with(|| {
            if zero[r] {
                0
            } else {
                d.int(0, s.largest_input)
            }
        });
    }
}
