//! Multilayer networks: dense layers only.
//!
//! | level | network |
//! |---|---|
//! | 1 | 2 inputs (0/1) → 2 sigmoid → 1 sigmoid, half squared error, α drawn, λ = 0 |
//! | 2 | 3 inputs (0/1) → 2 sigmoid or ReLU (with biases) → 2 softmax, cross-entropy, λ 0 or 0.1 |
//! | 3 | 4 inputs (0–2) → 3 ReLU → 2 sigmoid (biases) → 3 softmax, cross-entropy, λ = 0.1 |
//!
//! `--with relu-zero` makes the first hidden layer ReLU at every level.

use super::draw::Draw;
use super::plan::{LayerPlan, Namer, Plan, Target, dense, numbered, zero_sum};
use super::{Family, Level, Plant};

pub struct Mlp;

impl Family for Mlp {
    fn name(&self) -> &'static str {
        "mlp"
    }

    fn plants(&self, plant: Plant) -> bool {
        match plant {
            Plant::ReluZero => true,
            Plant::Ties => false,
        }
    }

    fn draw(&self, d: &mut Draw, level: Level, plant: Option<Plant>) -> Option<Plan> {
        let (width, largest_input) = match level {
            Level::One => (2, 1),
            Level::Two => (3, 1),
            Level::Three => (4, 2),
        };
        let input = super::draw_input(d, width, largest_input);
        let input_names = numbered("In", width);
        let relu_first = plant == Some(Plant::ReluZero)
            || level == Level::Three
            || (level == Level::Two && d.below(2) == 0);
        let first = if relu_first { "relu" } else { "sigmoid" };
        let mut namer = Namer::default();
        let mut layers = Vec::new();
        let (target, loss, describe) = match level {
            Level::One => {
                let units = namer.letters(2);
                let hidden = dense(d, &mut namer, first, &input_names, units.clone(), false);
                layers.push(("hidden".to_string(), hidden));
                let output = dense(d, &mut namer, "sigmoid", &units, numbered("y", 1), false);
                layers.push(("output".to_string(), output));
                let target = Target::Vector(vec![d.int(0, 1)]);
                (
                    target,
                    "half_squared_error",
                    format!("2 → 2 {first} → 1 sigmoid"),
                )
            }
            Level::Two => {
                let units = namer.letters(2);
                let hidden = dense(d, &mut namer, first, &input_names, units.clone(), true);
                layers.push(("hidden".to_string(), hidden));
                let output = dense(d, &mut namer, "softmax", &units, numbered("p", 2), false);
                layers.push(("output".to_string(), output));
                let target = Target::Class(d.below(2) as usize);
                (
                    target,
                    "cross_entropy",
                    format!("3 → 2 {first} → 2 softmax"),
                )
            }
            Level::Three => {
                let first_units = namer.letters(3);
                let one = dense(
                    d,
                    &mut namer,
                    first,
                    &input_names,
                    first_units.clone(),
                    true,
                );
                layers.push(("hidden1".to_string(), one));
                let units = namer.letters(2);
                let two = dense(d, &mut namer, "sigmoid", &first_units, units.clone(), true);
                layers.push(("hidden2".to_string(), two));
                let output = dense(d, &mut namer, "softmax", &units, numbered("p", 3), false);
                layers.push(("output".to_string(), output));
                let target = Target::Class(d.below(3) as usize);
                (
                    target,
                    "cross_entropy",
                    format!("4 → 3 {first} → 2 sigmoid → 3 softmax"),
                )
            }
        };
        if plant == Some(Plant::ReluZero) {
            plant_zero(d, &mut layers[0].1, &input);
        }
        Some(Plan {
            name: String::new(),
            description: format!("multilayer network {describe}"),
            comment: String::new(),
            input_names,
            input: input.into(),
            target,
            alpha: d.pick(&[1, 5]),
            lambda: super::draw_lambda(d, level),
            loss,
            layers,
        })
    }
}

/// Makes one unit's net input exactly 0 through its bias, where the layer has biases.
fn plant_zero(d: &mut Draw, layer: &mut LayerPlan, input: &[i32]) {
    if let LayerPlan::Dense {
        weights,
        bias: Some((bias, _)),
        ..
    } = layer
    {
        let unit = d.below(weights.len() as u32) as usize;
        zero_sum(input, &weights[unit], &mut bias[unit]);
    }
}
