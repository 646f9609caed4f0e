//! Every weight gradient agrees with a central finite difference of the data loss, on the
//! built-in scenarios and on random networks.

use nntrace::network::{Network, Pattern, Setup};
use nntrace::scenario::{self, Scenario};
use nntrace::trace::{Key, Kind, Policy, Trace};
use proptest::prelude::*;

/// Step of the central difference (L(w + h) − L(w − h)) / 2h.
const H: f64 = 1e-6;
/// Allowed relative error.
const RELATIVE: f64 = 1e-5;
/// Gradients smaller than this are compared absolutely, at RELATIVE·FLOOR: below it the
/// finite difference itself is only as good as the rounding of L, about 1e-10/h.
const FLOOR: f64 = 1e-3;

/// Checks every `wgrad` of one pattern; returns how many were checked.
fn check(net: &Network, setup: &Setup, pattern: &Pattern) -> Result<usize, String> {
    let mut t = Trace::new(Policy::default());
    net.step(setup, pattern, &mut t);
    let mut checked = 0;
    for (i, layer) in net.layers.iter().enumerate() {
        let id = Network::layer_id(i);
        for p in 0..layer.param_count() {
            let traced = t
                .value(Key::new(id, Kind::Wgrad, p))
                .ok_or("a wgrad is missing")?;
            let loss_at = |w: f64| {
                let mut moved = net.clone();
                moved.layers[i].set_param(p, w);
                moved.loss(setup, pattern)
            };
            let w = layer.param(p);
            let numeric = (loss_at(w + H) - loss_at(w - H)) / (2.0 * H);
            let scale = traced.abs().max(numeric.abs()).max(FLOOR);
            if (traced - numeric).abs() > RELATIVE * scale {
                return Err(format!(
                    "layer {} parameter {}: traced {traced}, finite difference {numeric}",
                    layer.name(),
                    layer.param_name(p)
                ));
            }
            checked += 1;
        }
    }
    Ok(checked)
}

#[test]
fn every_builtin_scenario_and_pattern() {
    for s in scenario::builtins() {
        for (i, p) in s.data.iter().enumerate() {
            let n = check(&s.network, &s.setup, p)
                .unwrap_or_else(|e| panic!("{} pattern {i}: {e}", s.name));
            assert_eq!(n, s.network.param_count());
        }
    }
}

/// A random network as a scenario file: an optional convolution block, 0–2 hidden dense
/// layers, an output layer, and one of the three losses.
fn random_scenario() -> impl Strategy<Value = String> {
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

fn parse(text: &str) -> Scenario {
    scenario::parse(text, "random", "random").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_networks_agree_with_finite_differences(text in random_scenario()) {
        let s = parse(&text);
        let checked = check(&s.network, &s.setup, &s.data[0]);
        prop_assert!(checked.is_ok(), "{}\n{}", checked.unwrap_err(), text);
    }
}
