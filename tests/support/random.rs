//! Random networks for property tests, written as scenario files.

use proptest::prelude::*;

/// A random network as a scenario file: an optional convolution block (conv1d, maybe a
/// ReLU, maybe a max, average or global average pool), 0–2 hidden dense layers, an output
/// layer, and one of the three losses.
pub fn random_scenario() -> impl Strategy<Value = String> {
    let weight = || -1.0f64..1.0;
    (
        3usize..8,                    // input width
        prop::option::of((1usize..4, 1usize..3, any::<bool>(), any::<bool>(), 0usize..4)), // conv
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
                // No pool, a max or average pool of 2 with stride 1, or one mean per channel.
                match pool {
                    1 | 2 if len >= 2 => {
                        let kind = if pool == 1 { "maxpool1d" } else { "avgpool1d" };
                        layers.push(format!("- {kind}: {{size: 2, stride: 1}}"));
                        size = filters * (len - 1);
                    }
                    3 => {
                        layers.push("- global_avgpool: {}".to_string());
                        size = filters;
                    }
                    _ => {}
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

/// A random network in decimal numbers a student can work by hand — weights of two
/// decimals, inputs 0 or 1 — planted so that some nets are exactly 0 and a pooling window
/// ties in decimal: conv1d (one filter, maybe a bias) → relu → maxpool1d (stride 1) →
/// dense relu → dense linear or sigmoid, half squared error. Numbers are integers:
/// hundredths, or ten-thousandths for the hidden biases.
#[derive(Clone, Debug)]
pub struct DecimalNet {
    pub input: Vec<i64>,
    pub kernel: Vec<i64>,
    pub conv_bias: Option<i64>,
    pub pool: usize,
    pub hidden: Vec<Vec<i64>>,
    pub hidden_bias: Vec<i64>,
    pub output: Vec<Vec<i64>>,
    pub sigmoid: bool,
    pub target: Vec<i64>,
    pub relu_grad_at_zero: bool,
    pub ties: usize,
}

/// The three tie rules in the order of [`DecimalNet::ties`].
pub const TIES: [&str; 3] = ["all", "first", "split"];

/// `n` × 10^(−places) written out in decimal.
pub fn decimal(n: i64, places: u32) -> String {
    if places == 0 {
        return n.to_string();
    }
    let unit = 10i64.pow(places);
    let sign = if n < 0 { "-" } else { "" };
    let (int, frac) = (n.abs() / unit, n.abs() % unit);
    format!("{sign}{int}.{frac:0width$}", width = places as usize)
}

impl DecimalNet {
    /// The convolution's outputs in hundredths, exactly.
    pub fn conv(&self) -> Vec<i64> {
        let k = self.kernel.len();
        (0..=self.input.len() - k)
            .map(|p| {
                let dot: i64 = (0..k).map(|j| self.input[p + j] * self.kernel[j]).sum();
                dot + self.conv_bias.unwrap_or(0)
            })
            .collect()
    }

    /// The pooled values in hundredths, exactly.
    pub fn pooled(&self) -> Vec<i64> {
        let relu: Vec<i64> = self.conv().iter().map(|&f| f.max(0)).collect();
        relu.windows(self.pool)
            .map(|w| *w.iter().max().unwrap())
            .collect()
    }

    /// The hidden units' nets in ten-thousandths, exactly.
    pub fn hidden_nets(&self) -> Vec<i64> {
        let pooled = self.pooled();
        self.hidden
            .iter()
            .zip(&self.hidden_bias)
            .map(|(row, b)| row.iter().zip(&pooled).map(|(w, a)| w * a).sum::<i64>() + b)
            .collect()
    }

    pub fn yaml(&self) -> String {
        let list = |v: &[i64], places| {
            let items: Vec<String> = v.iter().map(|&n| decimal(n, places)).collect();
            format!("[{}]", items.join(", "))
        };
        let rows = |m: &[Vec<i64>]| {
            let rows: Vec<String> = m.iter().map(|r| list(r, 2)).collect();
            format!("[{}]", rows.join(", "))
        };
        let bias = self
            .conv_bias
            .map_or(String::new(), |b| format!(", bias: [{}]", decimal(b, 2)));
        format!(
            "data:\n  - {{input: {}, target: {}}}\nlearning_rate: 0.1\nl2: 0.1\n\
             loss: half_squared_error\n\
             conventions: {{relu_grad_at_zero: {}, maxpool_ties: {}}}\nlayers:\n\
             \x20 - conv1d: {{name: conv, kernel: {}{bias}}}\n\
             \x20 - relu: {{name: relu}}\n\
             \x20 - maxpool1d: {{name: pool, size: {}, stride: 1}}\n\
             \x20 - dense: {{name: hidden, activation: relu, weights: {}, bias: {}}}\n\
             \x20 - dense: {{name: output, activation: {}, weights: {}}}\n",
            list(&self.input, 0),
            list(&self.target, 0),
            u8::from(self.relu_grad_at_zero),
            TIES[self.ties],
            list(&self.kernel, 2),
            self.pool,
            rows(&self.hidden),
            list(&self.hidden_bias, 4),
            if self.sigmoid { "sigmoid" } else { "linear" },
            rows(&self.output),
        )
    }
}

/// Random [`DecimalNet`]s, planted.
pub fn decimal_network() -> impl Strategy<Value = DecimalNet> {
    let hundredths = || -100i64..=100;
    (
        (4usize..8, 2usize..4, 2usize..4),
        prop::collection::vec(0i64..=1, 8),
        prop::collection::vec(hundredths(), 3),
        (any::<bool>(), any::<bool>(), any::<prop::sample::Index>()),
        (1usize..4, prop::collection::vec(hundredths(), 40)),
        (
            prop::collection::vec(any::<bool>(), 3),
            prop::collection::vec(hundredths(), 3),
        ),
        (1usize..3, any::<bool>(), prop::collection::vec(0i64..=1, 2)),
        (any::<bool>(), 0usize..3, any::<prop::sample::Index>()),
    )
        .prop_map(
            |(
                (width, k, pool),
                input,
                kernel,
                (plant_tie, conv_bias, at),
                (units, weights),
                (plant_zero, biases),
                (outputs, sigmoid, target),
                (relu_zero, ties, window),
            )| {
                let k = k.min(width - 2);
                let positions = width - k + 1;
                let pool = pool.min(positions);
                let mut net = DecimalNet {
                    input: input[..width].to_vec(),
                    kernel: kernel[..k].to_vec(),
                    conv_bias: None,
                    pool,
                    hidden: Vec::new(),
                    hidden_bias: Vec::new(),
                    output: Vec::new(),
                    sigmoid,
                    target: target[..outputs].to_vec(),
                    relu_grad_at_zero: relu_zero,
                    ties,
                };
                if plant_tie {
                    plant_a_tie(&mut net, window.index(positions - pool + 1));
                }
                if conv_bias {
                    // Exactly 0 at one position: a ReLU input at 0.
                    let p = at.index(positions);
                    let without: i64 = (0..k).map(|j| net.input[p + j] * net.kernel[j]).sum();
                    net.conv_bias = Some(-without);
                }
                let pooled = net.pooled().len();
                let mut weights = weights.into_iter();
                net.hidden = (0..units)
                    .map(|_| weights.by_ref().take(pooled).collect())
                    .collect();
                net.hidden_bias = vec![0; units];
                let nets = net.hidden_nets();
                net.hidden_bias = (0..units)
                    .map(|u| {
                        if plant_zero[u] {
                            -nets[u]
                        } else {
                            biases[u] * 100
                        }
                    })
                    .collect();
                net.output = (0..outputs)
                    .map(|_| weights.by_ref().take(units).collect())
                    .collect();
                net
            },
        )
}

/// Makes two positions of pooling window `o` equal in decimal by changing one filter
/// weight (where their fields differ at all), however differently they add up in binary.
fn plant_a_tie(net: &mut DecimalNet, o: usize) {
    let (a, b) = (o, o + net.pool - 1);
    let k = net.kernel.len();
    let c: Vec<i64> = (0..k)
        .map(|j| net.input[a + j] - net.input[b + j])
        .collect();
    if let Some(j) = (0..k).find(|&j| c[j] != 0) {
        let rest: i64 = (0..k)
            .filter(|&i| i != j)
            .map(|i| c[i] * net.kernel[i])
            .sum();
        net.kernel[j] = -rest / c[j];
    }
}

/// A random 2-D convolution network as a scenario file, every value away from a kink:
/// an input of 1–3 channels with values in [0.1, 2), a `relu` on it (the identity there,
/// so that ∂L/∂input is traced, filed under the relu, and can be checked by moving the
/// input), a `conv2d` of 1–2 filters, kernel 1–3 × 1–3, stride 1–2 and padding below the
/// kernel per axis, with or without a bias, under either convention; then `flatten` and a
/// dense sigmoid layer of 1–2 units, half squared error. The input's rows and columns
/// are chosen so that the windows cover the padded input exactly.
pub fn random_conv2d_scenario() -> impl Strategy<Value = String> {
    (
        (1usize..4, 1usize..3),                    // channels, filters
        (1usize..4, 1usize..4),                    // kernel rows, columns
        (1usize..3, 1usize..3),                    // stride
        (0usize..3, 0usize..3),                    // padding (reduced below the kernel)
        (1usize..4, 1usize..4),                    // output rows, columns (at least)
        (any::<bool>(), any::<bool>(), 1usize..3), // bias, flip, dense units
        prop::collection::vec(-1.0f64..1.0, 300),
        prop::collection::vec(0.1f64..2.0, 200),
    )
        .prop_map(
            |((channels, filters), (kh, kw), (sh, sw), (ph, pw), (or, oc), (bias, flip, units), w, x)| {
                let (ph, pw) = (ph % kh, pw % kw);
                // Input size for `out` positions: (out − 1)·s + k − 2p, at least 1.
                let side = |out: usize, s: usize, k: usize, p: usize| {
                    (out..).map(|o| ((o - 1) * s + k) as i64 - 2 * p as i64).find(|&n| n >= 1).unwrap() as usize
                };
                let (rows, cols) = (side(or, sh, kh, ph), side(oc, sw, kw, pw));
                let mut weights = w.into_iter().cycle();
                let mut inputs = x.into_iter().cycle();
                let input: Vec<String> = (0..channels).map(|_| grid(rows, cols, &mut inputs)).collect();
                let kernels = kernels(filters, channels, (kh, kw), &mut weights);
                let bias = if bias { format!(", bias: {}", list(filters, &mut weights)) } else { String::new() };
                let out_r = (rows + 2 * ph - kh) / sh + 1;
                let out_c = (cols + 2 * pw - kw) / sw + 1;
                let flat = filters * out_r * out_c;
                let dense: Vec<String> = (0..units).map(|_| list(flat, &mut weights)).collect();
                let target = list(units, &mut weights);
                format!(
                    "data:\n  - input: [{}]\n    target: {target}\nlearning_rate: 0.1\nl2: 0.1\n\
                     loss: half_squared_error\nconventions: {{convolution: {}}}\nlayers:\n\
                     \x20 - relu: {{name: lift}}\n\
                     \x20 - conv2d: {{name: conv, kernels: [{}], stride: [{sh}, {sw}], padding: [{ph}, {pw}]{bias}}}\n\
                     \x20 - flatten: {{}}\n\
                     \x20 - dense: {{activation: sigmoid, weights: [{}]}}\n",
                    input.join(", "),
                    if flip { "flip" } else { "correlate" },
                    kernels,
                    dense.join(", ")
                )
            },
        )
}

/// `[a, b, …]`: the next `n` numbers, four decimals.
fn list(n: usize, it: &mut dyn Iterator<Item = f64>) -> String {
    let v: Vec<String> = (0..n)
        .map(|_| format!("{:.4}", it.next().unwrap()))
        .collect();
    format!("[{}]", v.join(", "))
}

/// `[…], […]`: `filters` kernels, each `channels` grids of `rows × cols` numbers.
fn kernels(
    filters: usize,
    channels: usize,
    (rows, cols): (usize, usize),
    it: &mut dyn Iterator<Item = f64>,
) -> String {
    let kernels: Vec<String> = (0..filters)
        .map(|_| {
            let chans: Vec<String> = (0..channels).map(|_| grid(rows, cols, it)).collect();
            format!("[{}]", chans.join(", "))
        })
        .collect();
    kernels.join(", ")
}

/// `[[…], […]]`: `rows` lists of `cols` numbers.
fn grid(rows: usize, cols: usize, it: &mut dyn Iterator<Item = f64>) -> String {
    let v: Vec<String> = (0..rows).map(|_| list(cols, it)).collect();
    format!("[{}]", v.join(", "))
}

/// A mostly blank image (each cell 0 with probability ¾) of 1–2 channels, a `conv2d` of
/// 1–3 filters, kernel 1–3, stride 1, padding 0 or 1 (below the kernel), with or without a
/// bias; ReLU, a 2 × 2 max pool (so three gradients in four are 0), flatten and a dense
/// softmax over 2 classes. `dim` is the input side for each pooled side of 1–2.
pub fn sparse_conv2d_scenario() -> impl Strategy<Value = String> {
    (
        (1usize..3, 1usize..4, 1usize..4, 0usize..2), // channels, filters, kernel, padding
        (1usize..3, any::<bool>(), any::<bool>()),    // pooled side, bias, flip
        prop::collection::vec((0u8..4, -1.0f64..1.0), 200),
        prop::collection::vec(-1.0f64..1.0, 200),
    )
        .prop_map(|((channels, filters, k, pad), (pooled, bias, flip), cells, w)| {
            let pad = pad % k;
            let conv_side = 2 * pooled;
            let side = conv_side + k - 1 - 2 * pad;
            let mut cells = cells
                .into_iter()
                .map(|(blank, v)| if blank == 0 { v } else { 0.0 })
                .cycle();
            let mut weights = w.into_iter().cycle();
            let input: Vec<String> = (0..channels).map(|_| grid(side, side, &mut cells)).collect();
            let kernels = kernels(filters, channels, (k, k), &mut weights);
            let bias = if bias {
                format!(", bias: {}", list(filters, &mut weights))
            } else {
                String::new()
            };
            let flat = filters * pooled * pooled;
            let dense = grid(2, flat, &mut weights);
            format!(
                "data:\n  - input: [{}]\n    target: 1\nlearning_rate: 0.1\nloss: cross_entropy\n\
                 conventions: {{convolution: {}}}\nlayers:\n\
                 \x20 - conv2d: {{name: conv, kernels: [{}], padding: {pad}{bias}}}\n\
                 \x20 - relu: {{name: relu}}\n\
                 \x20 - maxpool2d: {{name: pool, size: 2}}\n\
                 \x20 - flatten: {{}}\n\
                 \x20 - dense: {{activation: softmax, weights: {dense}}}\n",
                input.join(", "),
                if flip { "flip" } else { "correlate" },
                kernels,
            )
        })
}

/// A random 1-D convolution with zero padding as a scenario file: input values in
/// [0.1, 2) behind an identity `relu` (so ∂L/∂input is traced), a `conv1d` of 1–2
/// filters of 1–3 weights, padding below the filter size, stride 1–2, with or without a
/// bias, under either convention, then a dense sigmoid layer; half squared error. The
/// input's length makes the windows cover the padded input exactly.
pub fn random_padded_conv1d_scenario() -> impl Strategy<Value = String> {
    (
        (1usize..3, 1usize..4, 0usize..3, 1usize..3, 1usize..5),
        (any::<bool>(), any::<bool>(), 1usize..3),
        prop::collection::vec(-1.0f64..1.0, 100),
        prop::collection::vec(0.1f64..2.0, 20),
    )
        .prop_map(|((filters, size, padding, stride, out), (bias, flip, units), w, x)| {
            let padding = padding % size;
            let len = (out..)
                .map(|o| ((o - 1) * stride + size) as i64 - 2 * padding as i64)
                .find(|&n| n >= 1)
                .unwrap() as usize;
            let positions = (len + 2 * padding - size) / stride + 1;
            let mut weights = w.into_iter().cycle();
            let kernels: Vec<String> = (0..filters).map(|_| list(size, &mut weights)).collect();
            let bias = if bias { format!(", bias: {}", list(filters, &mut weights)) } else { String::new() };
            let dense: Vec<String> = (0..units).map(|_| list(filters * positions, &mut weights)).collect();
            let target = list(units, &mut weights);
            format!(
                "data:\n  - {{input: {}, target: {target}}}\nlearning_rate: 0.1\nl2: 0.1\n\
                 loss: half_squared_error\nconventions: {{convolution: {}}}\nlayers:\n\
                 \x20 - relu: {{name: lift}}\n\
                 \x20 - conv1d: {{name: conv, kernels: [{}], stride: {stride}, padding: {padding}{bias}}}\n\
                 \x20 - dense: {{activation: sigmoid, weights: [{}]}}\n",
                list(len, &mut x.into_iter().cycle()),
                if flip { "flip" } else { "correlate" },
                kernels.join(", "),
                dense.join(", ")
            )
        })
}
