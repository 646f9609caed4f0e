//! A drawn exercise before it is a scenario: every number an integer (weights in tenths),
//! written out as the scenario file `exercise.yaml`, which is then parsed and traced like
//! any other scenario.

use super::draw::Draw;
use std::fmt::Write;

/// A number of tenths written as a decimal: 3 → `0.3`, −12 → `-1.2`, 10 → `1`.
pub fn tenths(t: i32) -> String {
    let sign = if t < 0 { "-" } else { "" };
    let (whole, tenth) = (t.unsigned_abs() / 10, t.unsigned_abs() % 10);
    if tenth == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{tenth}")
    }
}

fn list<T>(items: &[T], show: impl Fn(&T) -> String) -> String {
    let shown: Vec<String> = items.iter().map(show).collect();
    format!("[{}]", shown.join(", "))
}

fn names(items: &[String]) -> String {
    list(items, Clone::clone)
}

/// A grid of integers (inputs, or weights in tenths), row by row.
pub struct Grid {
    pub cols: usize,
    pub cells: Vec<i32>,
}

impl Grid {
    /// `cells` as a `side` × `side` grid.
    pub fn square(cells: Vec<i32>, side: usize) -> Grid {
        assert_eq!(cells.len(), side * side, "a square grid");
        Grid { cols: side, cells }
    }

    fn rows(&self) -> impl Iterator<Item = &[i32]> {
        self.cells.chunks(self.cols)
    }

    /// `[[a, b], [c, d]]`, each cell written by `show`.
    fn nested(&self, show: impl Fn(&i32) -> String) -> String {
        let rows: Vec<String> = self.rows().map(|r| list(r, &show)).collect();
        format!("[{}]", rows.join(", "))
    }
}

/// The input of the one training pattern: a vector, or one channel of rows × columns.
pub enum Input {
    Vector(Vec<i32>),
    Grid(Grid),
}

impl From<Vec<i32>> for Input {
    fn from(v: Vec<i32>) -> Input {
        Input::Vector(v)
    }
}

impl From<Grid> for Input {
    fn from(g: Grid) -> Input {
        Input::Grid(g)
    }
}

/// The target of the one training pattern.
pub enum Target {
    Class(usize),
    /// 0/1 per output (sigmoid outputs with squared error).
    Vector(Vec<i32>),
}

pub enum LayerPlan {
    Conv1d {
        /// Per filter, its weights in tenths and their names.
        kernels: Vec<Vec<i32>>,
        kernel_names: Vec<Vec<String>>,
        /// Per filter, a bias in tenths and its name.
        bias: Option<(Vec<i32>, Vec<String>)>,
        outputs: Vec<String>,
    },
    Relu {
        outputs: Vec<String>,
    },
    MaxPool1d {
        size: usize,
        stride: usize,
        outputs: Vec<String>,
    },
    /// One filter of one channel (`kernel:`), stride 1.
    Conv2d {
        /// The weights in tenths, rows × columns.
        kernel: Grid,
        /// Their names, row by row.
        kernel_names: Vec<String>,
        /// The bias in tenths and its name.
        bias: (i32, String),
        padding: usize,
        prefix: &'static str,
    },
    /// A ReLU over 2-D maps, nodes named by `prefix`.
    Relu2d {
        prefix: &'static str,
    },
    MaxPool2d {
        size: usize,
        stride: usize,
        prefix: &'static str,
    },
    Flatten,
    Dense {
        activation: &'static str,
        /// The names of the inputs, for the file's comments.
        inputs: Vec<String>,
        /// One row per unit, one weight (tenths) per input.
        weights: Vec<Vec<i32>>,
        weight_names: Vec<Vec<String>>,
        bias: Option<(Vec<i32>, Vec<String>)>,
        outputs: Vec<String>,
    },
}

/// A whole exercise as drawn.
pub struct Plan {
    pub name: String,
    pub description: String,
    /// The header comment: how to make the same file again.
    pub comment: String,
    /// Names of a vector input's nodes (none for a grid: they are `x1_<row>_<column>`).
    pub input_names: Vec<String>,
    pub input: Input,
    pub target: Target,
    /// Learning rate α and L2 strength λ, in tenths.
    pub alpha: i32,
    pub lambda: i32,
    pub loss: &'static str,
    /// Layer names and what they are.
    pub layers: Vec<(String, LayerPlan)>,
}

impl Plan {
    /// The scenario file (SPEC section 2), conventions written out.
    pub fn yaml(&self) -> String {
        let mut y = String::new();
        for line in self.comment.lines() {
            let _ = writeln!(y, "# {line}");
        }
        let target = match &self.target {
            Target::Class(c) => c.to_string(),
            Target::Vector(v) => list(v, i32::to_string),
        };
        let _ = writeln!(y, "name: {}", self.name);
        let _ = writeln!(y, "description: {}", self.description);
        let _ = writeln!(y, "data:");
        match &self.input {
            Input::Vector(v) => {
                let input = list(v, i32::to_string);
                let _ = writeln!(y, "  - {{input: {input}, target: {target}}}");
            }
            Input::Grid(g) => {
                let _ = writeln!(y, "  - input:");
                for row in g.rows() {
                    let _ = writeln!(y, "      - {}", list(row, i32::to_string));
                }
                let _ = writeln!(y, "    target: {target}");
            }
        }
        let _ = writeln!(y, "pattern: 0");
        if !self.input_names.is_empty() {
            let _ = writeln!(y, "input_names: {}", names(&self.input_names));
        }
        let _ = writeln!(y, "learning_rate: {}", tenths(self.alpha));
        let _ = writeln!(y, "l2: {}", tenths(self.lambda));
        let _ = writeln!(y, "loss: {}", self.loss);
        // A 2-D exercise also says which way its kernel meets the input.
        let convolution = match self.input {
            Input::Vector(_) => "",
            Input::Grid(_) => ", convolution: correlate",
        };
        let _ = writeln!(
            y,
            "conventions: {{relu_grad_at_zero: 0, maxpool_ties: first{convolution}}}"
        );
        let _ = writeln!(y, "layers:");
        for (name, layer) in &self.layers {
            layer.write(&mut y, name);
        }
        y
    }
}

impl LayerPlan {
    fn write(&self, y: &mut String, name: &str) {
        let t = |v: &Vec<i32>| list(v, |&w| tenths(w));
        match self {
            LayerPlan::Conv1d {
                kernels,
                kernel_names,
                bias,
                outputs,
            } => {
                let _ = writeln!(y, "  - conv1d:\n      name: {name}");
                let _ = writeln!(y, "      kernels: {}", list(kernels, t));
                let _ = writeln!(
                    y,
                    "      kernel_names: {}",
                    list(kernel_names, |n| names(n))
                );
                if let Some((values, names_)) = bias {
                    let _ = writeln!(y, "      bias: {}", t(values));
                    let _ = writeln!(y, "      bias_names: {}", names(names_));
                }
                let _ = writeln!(y, "      stride: 1\n      outputs: {}", names(outputs));
            }
            LayerPlan::Relu { outputs } => {
                let _ = writeln!(y, "  - relu: {{name: {name}, outputs: {}}}", names(outputs));
            }
            LayerPlan::MaxPool1d {
                size,
                stride,
                outputs,
            } => {
                let _ = writeln!(
                    y,
                    "  - maxpool1d: {{name: {name}, size: {size}, stride: {stride}, outputs: {}}}",
                    names(outputs)
                );
            }
            LayerPlan::Conv2d {
                kernel,
                kernel_names,
                bias: (bias, bias_name),
                padding,
                prefix,
            } => {
                let _ = writeln!(y, "  - conv2d:\n      name: {name}");
                let _ = writeln!(y, "      kernel:");
                for row in kernel.rows() {
                    let _ = writeln!(y, "        - {}", list(row, |&w| tenths(w)));
                }
                let named = Grid {
                    cols: kernel.cols,
                    cells: (0..kernel_names.len() as i32).collect(),
                };
                let _ = writeln!(
                    y,
                    "      kernel_names: {}",
                    named.nested(|&i| kernel_names[i as usize].clone())
                );
                let _ = writeln!(y, "      bias: {}", tenths(*bias));
                let _ = writeln!(y, "      bias_names: [{bias_name}]");
                let _ = writeln!(y, "      stride: 1\n      padding: {padding}");
                let _ = writeln!(y, "      prefix: {prefix}");
            }
            LayerPlan::Relu2d { prefix } => {
                let _ = writeln!(y, "  - relu: {{name: {name}, prefix: {prefix}}}");
            }
            LayerPlan::MaxPool2d {
                size,
                stride,
                prefix,
            } => {
                let _ = writeln!(
                    y,
                    "  - maxpool2d: {{name: {name}, size: {size}, stride: {stride}, prefix: {prefix}}}"
                );
            }
            LayerPlan::Flatten => {
                let _ = writeln!(y, "  - flatten: {{name: {name}}}");
            }
            LayerPlan::Dense {
                activation,
                inputs,
                weights,
                weight_names,
                bias,
                outputs,
            } => {
                let _ = writeln!(y, "  - dense:\n      name: {name}");
                let _ = writeln!(y, "      activation: {activation}");
                let _ = writeln!(y, "      outputs: {}", names(outputs));
                let _ = writeln!(y, "      weights:");
                for (row, unit) in weights.iter().zip(outputs) {
                    let from = inputs.join(", ");
                    let _ = writeln!(y, "        - {:<24}# {unit} <- {from}", t(row));
                }
                let _ = writeln!(
                    y,
                    "      weight_names: {}",
                    list(weight_names, |n| names(n))
                );
                if let Some((values, names_)) = bias {
                    let _ = writeln!(y, "      bias: {}", t(values));
                    let _ = writeln!(y, "      bias_names: {}", names(names_));
                }
            }
        }
    }
}

/// Hands out the names of a network as the slides do: weights w1, w2, … and biases b1,
/// b2, … numbered through the whole network; hidden units A, B, C, … in order.
#[derive(Default)]
pub struct Namer {
    weights: usize,
    biases: usize,
    letters: u8,
}

impl Namer {
    pub fn weight(&mut self) -> String {
        self.weights += 1;
        format!("w{}", self.weights)
    }

    pub fn bias(&mut self) -> String {
        self.biases += 1;
        format!("b{}", self.biases)
    }

    /// The next `n` capital letters.
    pub fn letters(&mut self, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| {
                self.letters += 1;
                char::from(b'A' + self.letters - 1).to_string()
            })
            .collect()
    }
}

/// `prefix1 … prefixN`.
pub fn numbered(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}{i}")).collect()
}

/// A dense layer from `inputs` to `outputs` with weights of ±0.1 … ±0.9, named in the
/// slides' order: all weights leaving the first input, then the second, … (w5 A→C, w6
/// A→D, w7 B→C, w8 B→D).
pub fn dense(
    d: &mut Draw,
    namer: &mut Namer,
    activation: &'static str,
    inputs: &[String],
    outputs: Vec<String>,
    with_bias: bool,
) -> LayerPlan {
    let units = outputs.len();
    let names = inputs.to_vec();
    let inputs = inputs.len();
    let weights: Vec<Vec<i32>> = (0..units)
        .map(|_| (0..inputs).map(|_| d.nonzero(9)).collect())
        .collect();
    let mut weight_names = vec![vec![String::new(); inputs]; units];
    for input in 0..inputs {
        for row in weight_names.iter_mut() {
            row[input] = namer.weight();
        }
    }
    let bias = with_bias.then(|| {
        let values = (0..units).map(|_| d.nonzero(9)).collect();
        (values, (0..units).map(|_| namer.bias()).collect())
    });
    LayerPlan::Dense {
        activation,
        inputs: names,
        weights,
        weight_names,
        bias,
        outputs,
    }
}

/// Sets `bias` so that `Σ input·weight + bias` is exactly 0 in tenths, if a bias of
/// ±0.1 … ±0.9 can do it: how a ReLU input of 0 is planted on purpose.
pub fn zero_sum(input: &[i32], weights: &[i32], bias: &mut i32) {
    let sum: i32 = input.iter().zip(weights).map(|(x, w)| x * w).sum();
    if (1..=9).contains(&sum.abs()) {
        *bias = -sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenths_are_written_as_decimals() {
        assert_eq!(tenths(3), "0.3");
        assert_eq!(tenths(-3), "-0.3");
        assert_eq!(tenths(-12), "-1.2");
        assert_eq!(tenths(10), "1");
        assert_eq!(tenths(0), "0");
    }
}
