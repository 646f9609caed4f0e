//! Random networks for property tests, written as scenario files.

use proptest::prelude::*;

/// A random network as a scenario file: an optional convolution block, 0–2 hidden dense
/// layers, an output layer, and one of the three losses.
pub fn random_scenario() -> impl Strategy<Value = String> {
    let weight = || -1.0f64..1.0;
    (
        3usize..8,                    // input width
        prop::option::of((1usize..4, 1usize..3, any::<bool>(), any::<bool>(), any::<bool>())), // conv
        prop::collection::vec((1usize..5, 0usize..5, any::<bool>()), 0..3),                   // hidden
        (0usize..3, 2usize..4, 0usize..5, any::<bool>()),                                       // loss, outputs
        prop::collection::vec(weight(), 400),
        (any::<bool>(), 0usize..3),
    )
        .prop_map(|(width, conv, hidden, (loss, outputs, out_act, out_bias), numbers, (relu_zero, ties))| {
            let mut numbers = numbers.into_iter().cycle();
            let mut take = |n: usize| -> String {
                let v: Vec<String> = (0..n).map(|_| format!("{:.6}", numbers.next().unwrap())).collect();
                format!("[{}]", v.join(", "))
            };
            let mut layers = Vec::new();
            let mut size = width;
            if let Some((k, filters, bias, relu, pool)) = conv {
                let k = k.min(width);
                let kernels: Vec<String> = (0..filters).map(|_| take(k)).collect();
                let bias = if bias { format!(", bias: {}", take(filters)) } else { String::new() };
                layers.push(format!("- conv1d: {{kernels: [{}]{bias}}}", kernels.join(", ")));
                let len = width - k + 1;
                size = filters * len;
                if relu {
                    layers.push("- relu: {}".to_string());
                }
                if pool && len >= 2 {
                    layers.push("- maxpool1d: {size: 2, stride: 1}".to_string());
                    size = filters * (len - 1);
                }
            }
            let acts = ["sigmoid", "tanh", "relu", "linear", "softmax"];
            for (units, act, bias) in hidden {
                let rows: Vec<String> = (0..units).map(|_| take(size)).collect();
                let bias = if bias { format!(", bias: {}", take(units)) } else { String::new() };
                layers.push(format!("- dense: {{activation: {}, weights: [{}]{bias}}}", acts[act], rows.join(", ")));
                size = units;
            }
            let (loss, act) = match loss {
                0 => ("cross_entropy", "softmax"),
                1 => ("half_squared_error", acts[out_act]),
                _ => ("squared_error", acts[out_act]),
            };
            let rows: Vec<String> = (0..outputs).map(|_| take(size)).collect();
            let bias = if out_bias { format!(", bias: {}", take(outputs)) } else { String::new() };
            layers.push(format!("- dense: {{activation: {act}, weights: [{}]{bias}}}", rows.join(", ")));
            let target = if loss == "cross_entropy" { "1".to_string() } else { take(outputs) };
            format!(
                "data:\n  - {{input: {}, target: {target}}}\nlearning_rate: 0.1\nl2: 0.1\nloss: {loss}\n\
                 conventions: {{relu_grad_at_zero: {}, maxpool_ties: {}}}\nlayers:\n{}\n",
                take(width),
                u8::from(relu_zero),
                ["all", "first", "split"][ties],
                layers.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
            )
        })
}
