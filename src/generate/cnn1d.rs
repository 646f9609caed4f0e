//! 1-D convolutional networks, the lecture's shape: a shared filter, ReLU, max pooling,
//! dense layers, softmax with cross-entropy.
//!
//! | level | network |
//! |---|---|
//! | 1 | 5 inputs (0/1) → conv 1 filter of 2 (bias) → ReLU → max pool 2/2 → 2 softmax, λ = 0 |
//! | 2 | 5 inputs (0/1) → conv 1 filter of 2 (bias) → ReLU → max pool 2/2 → 2 sigmoid → 2 softmax, λ 0 or 0.1 |
//! | 3 | 8 inputs (0–2) → conv 1 filter of 3 (bias) → ReLU → max pool 2/2 → 2 sigmoid (biases) → 3 softmax, λ = 0.1 |
//!
//! One filter at every level: a tie is planted by giving two neighbouring positions the
//! same receptive field, and with a second filter that would tie its window as well.

use super::draw::Draw;
use super::plan::{LayerPlan, Namer, Plan, Target, dense, numbered, zero_sum};
use super::{Family, Level, Plant};

pub struct Cnn1d;

/// The sizes of one level: inputs, largest input, filters, filter size, hidden units,
/// classes.
struct Shape {
    width: usize,
    largest_input: i32,
    filters: usize,
    size: usize,
    hidden: usize,
    classes: usize,
}

fn shape(level: Level) -> Shape {
    match level {
        Level::One => Shape {
            width: 5,
            largest_input: 1,
            filters: 1,
            size: 2,
            hidden: 0,
            classes: 2,
        },
        Level::Two => Shape {
            width: 5,
            largest_input: 1,
            filters: 1,
            size: 2,
            hidden: 2,
            classes: 2,
        },
        Level::Three => Shape {
            width: 8,
            largest_input: 2,
            filters: 1,
            size: 3,
            hidden: 2,
            classes: 3,
        },
    }
}

impl Family for Cnn1d {
    fn name(&self) -> &'static str {
        "cnn1d"
    }

    fn plants(&self, plant: Plant) -> bool {
        match plant {
            Plant::Ties | Plant::ReluZero => true,
        }
    }

    fn draw(&self, d: &mut Draw, level: Level, plant: Option<Plant>) -> Option<Plan> {
        let s = shape(level);
        let mut input = super::draw_input(d, s.width, s.largest_input);
        let mut namer = Namer::default();
        let positions = s.width - s.size + 1;
        let nodes = s.filters * positions;
        let kernel_names: Vec<Vec<String>> = (0..s.filters)
            .map(|_| (0..s.size).map(|_| namer.weight()).collect())
            .collect();
        let kernels: Vec<Vec<i32>> = (0..s.filters)
            .map(|_| (0..s.size).map(|_| d.nonzero(9)).collect())
            .collect();
        let mut bias_values: Vec<i32> = (0..s.filters).map(|_| d.nonzero(9)).collect();
        // A planted value goes first in a pooling window, where the convention decides.
        let filter = d.below(s.filters as u32) as usize;
        let window_start = 2 * d.below(positions as u32 / 2) as usize;
        match plant {
            Some(Plant::Ties) => {
                // Equal receptive fields side by side give equal outputs: a tie.
                let v = d.int(1, s.largest_input);
                input[window_start..=window_start + s.size].fill(v);
            }
            Some(Plant::ReluZero) => {
                let field = &input[window_start..window_start + s.size];
                zero_sum(field, &kernels[filter], &mut bias_values[filter]);
            }
            None => {}
        }
        let bias_names = (0..s.filters).map(|_| namer.bias()).collect();
        let pooled = nodes / 2;
        let pool_names = namer.letters(pooled);
        let mut layers = vec![
            (
                "conv".to_string(),
                LayerPlan::Conv1d {
                    kernels,
                    kernel_names,
                    bias: Some((bias_values, bias_names)),
                    outputs: numbered("f", nodes),
                },
            ),
            (
                "relu".to_string(),
                LayerPlan::Relu {
                    outputs: numbered("r", nodes),
                },
            ),
            (
                "pool".to_string(),
                LayerPlan::MaxPool1d {
                    size: 2,
                    stride: 2,
                    outputs: pool_names.clone(),
                },
            ),
        ];
        let mut inputs = pool_names;
        if s.hidden > 0 {
            let units = namer.letters(s.hidden);
            let with_bias = level == Level::Three;
            let hidden = dense(d, &mut namer, "sigmoid", &inputs, units.clone(), with_bias);
            layers.push(("hidden".to_string(), hidden));
            inputs = units;
        }
        let outputs = numbered("p", s.classes);
        let output = dense(d, &mut namer, "softmax", &inputs, outputs, false);
        layers.push(("output".to_string(), output));
        let filters = if s.filters == 1 { "filter" } else { "filters" };
        let hidden = if s.hidden > 0 {
            format!(" → {} sigmoid", s.hidden)
        } else {
            String::new()
        };
        Some(Plan {
            name: String::new(),
            description: format!(
                "convolutional network {} → conv {} {filters} of {} → ReLU → max pool 2{hidden} → {} softmax",
                s.width, s.filters, s.size, s.classes
            ),
            comment: String::new(),
            input_names: numbered("In", s.width),
            input: input.into(),
            target: Target::Class(d.below(s.classes as u32) as usize),
            alpha: d.pick(&[1, 5]),
            lambda: super::draw_lambda(d, level),
            loss: "cross_entropy",
            layers,
        })
    }
}
