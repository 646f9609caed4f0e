//! Average pooling, 1-D (`avgpool1d`), 2-D (`avgpool2d`) and over each whole channel
//! (`global_avgpool`): each output is the mean of the n inputs of its window,
//! out = (In_1 + … + In_n) / n. Backward, every input of the window gets an equal share
//! of the pooled gradient, ∂L/∂In = ∂L/∂out / n (summed over the windows that hold it).

use super::pool::PoolGeometry;
use super::{
    Ctx, Explained, Explainer, Gate, Gradients, Hazard, LayerKind, Link, NoteKind, Outputs, Params,
    Routing, Shape, SharedFilter, Slip, Step,
};
use crate::formula::{Expr, Rendering};
use crate::numbers::{self, Sum};
use crate::trace::{Key, Kind, LayerId, Recorder};

#[derive(Clone, Debug, PartialEq)]
pub struct AvgPool {
    pub name: String,
    /// The windows; each channel of the input is pooled on its own.
    pub geometry: PoolGeometry,
    pub outputs: Vec<String>,
    /// One mean per channel over the whole map (`global_avgpool`); its outputs are a
    /// plain vector, one value per channel, which a dense layer reads directly.
    pub global: bool,
}

impl AvgPool {
    /// n, the inputs averaged into one output.
    pub fn n(&self) -> usize {
        self.geometry.area()
    }

    /// The wrong divisors a student may use instead of n: 1 (not divided), n² (divided
    /// twice), and for a 2-D window each of its sides; none equal to n.
    pub fn wrong_divisors(&self) -> Vec<f64> {
        let n = self.n();
        let [rows, cols] = self.geometry.size;
        let mut divisors = vec![1, n * n, rows, cols];
        divisors.retain(|&d| d != n && d != 0);
        divisors.sort_unstable();
        divisors.dedup();
        divisors.into_iter().map(|d| d as f64).collect()
    }

    /// `n = 4` (1-D), `n = 2 × 2 = 4` (2-D).
    fn n_words(&self) -> String {
        if self.geometry.is_grid() {
            let [rows, cols] = self.geometry.size;
            format!("n = {rows} × {cols} = {}", self.n())
        } else {
            format!("n = {}", self.n())
        }
    }

    /// out = (In_1 + … + In_n) / n.
    fn explain_pooled(&self, key: Key, ex: &Explainer) -> Explained {
        let (id, o) = (key.layer, key.index as usize);
        if key.kind != Kind::Out {
            return Explained::new("?", Expr::Num(0.0));
        }
        let terms = self
            .geometry
            .window(o)
            .map(|i| ex.node(id - 1, i))
            .collect();
        let mean = Expr::over(Expr::add(terms), Expr::Num(self.n() as f64));
        Explained::new(self.outputs[o].clone(), mean).note(
            NoteKind::Field,
            format!("the mean of its window, {}", self.n_words()),
        )
    }

    /// ∂L/∂In_i = Σ over the windows holding In_i of ∂L/∂out / n.
    fn input_grad_formula(&self, id: LayerId, i: usize, ex: &Explainer) -> Explained {
        let holding: Vec<usize> = self.geometry.windows_holding(i).collect();
        let terms: Vec<Expr> = holding
            .iter()
            .map(|&o| Expr::over(ex.grad(id, o), Expr::Num(self.n() as f64)))
            .collect();
        let formula = if terms.is_empty() {
            Expr::Num(0.0)
        } else {
            Expr::add(terms)
        };
        let pooled: Vec<&str> = holding.iter().map(|&o| self.outputs[o].as_str()).collect();
        let n = self.n();
        let note = match pooled.as_slice() {
            [] => "in no window: gets 0".to_string(),
            [one] if self.global => {
                format!("each of the {n} inputs of its channel gets 1/{n} of {one}'s gradient")
            }
            [one] => format!("each of the {n} inputs of {one}'s window gets 1/{n} of its gradient"),
            many => format!(
                "1/{n} of the gradient of each window holding it: {}",
                many.join(", ")
            ),
        };
        Explained::new(format!("∂L/∂{}", ex.net.node_names(id - 1)[i]), formula)
            .note(NoteKind::Passed, note)
    }

    /// The sum of output `o`'s window and the gradients input `i` receives, each as they
    /// were recorded, for replaying a wrong divisor.
    fn window_sum(&self, id: LayerId, o: usize, ex: &Explainer) -> f64 {
        numbers::sum(
            self.geometry
                .window(o)
                .map(|i| ex.value(id - 1, Kind::Out, i)),
        )
    }

    fn grads_holding(&self, id: LayerId, i: usize, ex: &Explainer) -> Vec<f64> {
        self.geometry
            .windows_holding(i)
            .map(|o| ex.value(id, Kind::Grad, o))
            .collect()
    }
}

/// An average pool's windows (listed once) and its running sums of ∂L/∂In, one per input.
pub struct AvgPoolScratch {
    windows: Vec<usize>,
    sums: Vec<Sum>,
}

impl Step for AvgPool {
    type Scratch = AvgPoolScratch;

    fn scratch(&self) -> AvgPoolScratch {
        AvgPoolScratch {
            windows: self.geometry.all_windows(),
            sums: vec![Sum::default(); self.geometry.input.size()],
        }
    }

    fn net_inputs(&self) -> usize {
        0
    }

    fn forward<R: Recorder>(
        &self,
        x: &[f64],
        into: Outputs,
        s: &mut AvgPoolScratch,
        ctx: &mut Ctx<R>,
    ) {
        let n = self.n() as f64;
        for (out, window) in into.out.iter_mut().zip(s.windows.chunks_exact(self.n())) {
            *out = numbers::sum(window.iter().map(|&i| x[i])) / n;
        }
        ctx.record_run(Kind::Out, into.out);
    }

    /// ∂L/∂In_i = Σ over the windows holding In_i of ∂L/∂out / n.
    fn backward<R: Recorder>(&self, io: Gradients, s: &mut AvgPoolScratch, ctx: &mut Ctx<R>) {
        if !ctx.wants_input_grad {
            return;
        }
        let grad = io.incoming.grad();
        let n = self.n() as f64;
        // Each input's terms in the order printed: window by window.
        s.sums.fill(Sum::default());
        for (window, g) in s.windows.chunks_exact(self.n()).zip(grad) {
            for &i in window {
                s.sums[i].add(g / n);
            }
        }
        for (back, sum) in io.input_grad.iter_mut().zip(&s.sums) {
            *back = sum.value();
        }
        ctx.record_input_grads(io.input_grad);
    }
}

impl LayerKind for AvgPool {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        match (self.global, self.geometry.is_grid()) {
            (true, _) => "global_avgpool",
            (false, true) => "avgpool2d",
            (false, false) => "avgpool1d",
        }
    }

    fn outputs(&self) -> &[String] {
        &self.outputs
    }

    fn shape(&self) -> Shape {
        if self.global {
            Shape::flat(self.geometry.input.channels)
        } else {
            self.geometry.out_shape()
        }
    }

    fn describe(&self) -> String {
        let g = &self.geometry;
        if self.global {
            format!(
                "global average pooling, one mean per channel of {}",
                g.size_words()
            )
        } else {
            format!(
                "average pooling, size {}, stride {}",
                g.size_words(),
                g.stride_words()
            )
        }
    }

    fn label(&self) -> String {
        if self.global {
            "global avgpool".into()
        } else {
            format!("avgpool {}", self.geometry.size_words().replace(' ', ""))
        }
    }

    fn role(&self) -> &'static str {
        "pooling layer"
    }

    fn widest_formula(&self) -> usize {
        self.n()
    }

    fn threshold(&self) -> f64 {
        0.5
    }

    /// Each node's out and grad, and each input's grad.
    fn quantities(&self) -> usize {
        2 * self.outputs.len() + self.geometry.input.size()
    }

    fn is_view(&self) -> bool {
        false
    }

    fn trainable(&self) -> Option<&Params> {
        None
    }

    fn trainable_mut(&mut self) -> Option<&mut Params> {
        None
    }

    fn window(&self, o: usize) -> Vec<usize> {
        self.geometry.window(o).collect()
    }

    fn node_bias(&self, _o: usize) -> Option<usize> {
        None
    }

    fn links(&self) -> Vec<Link> {
        (0..self.outputs.len())
            .flat_map(|o| {
                self.geometry.window(o).map(move |i| Link {
                    from: i,
                    to: o,
                    weight: None,
                    contrib: None,
                    gate: Gate::Open,
                })
            })
            .collect()
    }

    fn shared_filter(&self) -> Option<&dyn SharedFilter> {
        None
    }

    fn explain(&self, key: Key, ex: &Explainer) -> Explained {
        self.explain_pooled(key, ex)
    }

    fn explain_input_grad(&self, id: LayerId, i: usize, ex: &Explainer) -> Explained {
        self.input_grad_formula(id, i, ex)
    }

    /// Nothing here hangs on a convention: every input counts the same.
    fn hazards(&self, _id: LayerId, _ex: &Explainer) -> Vec<Hazard> {
        Vec::new()
    }

    fn why(&self, key: Key, _ex: &Explainer) -> Option<String> {
        (key.kind == Kind::Out).then(|| {
            format!(
                "Each neuron in the pooling layer takes the mean of its window: the sum of its \
                 inputs divided by {}.",
                self.n_words()
            )
        })
    }

    fn why_input_grad(&self, _id: LayerId, _ex: &Explainer) -> String {
        format!(
            "Every input counts 1/n in the mean, so each input of a window gets the window's \
             gradient divided by n: ∂L/∂out / n ({}).",
            self.n_words()
        )
    }

    fn masks(&self) -> bool {
        false
    }

    fn slips(&self) -> Vec<Slip> {
        vec![Slip::AvgpoolDivisor]
    }

    /// A pooled mean, or an input's gradient, with the sum divided by a wrong n: not
    /// divided, divided twice, or (2-D) by one side of the window instead of its area.
    fn slipped(&self, slip: Slip, id: LayerId, key: Key, ex: &Explainer) -> Vec<f64> {
        if slip != Slip::AvgpoolDivisor {
            return Vec::new();
        }
        let i = key.index as usize;
        let slipped_by = |d: f64, terms: &[f64]| numbers::sum(terms.iter().map(|t| t / d));
        match key.kind {
            Kind::Out if key.layer == id => {
                let sum = self.window_sum(id, i, ex);
                self.wrong_divisors().iter().map(|d| sum / d).collect()
            }
            Kind::Grad if key.layer + 1 == id => {
                let grads = self.grads_holding(id, i, ex);
                self.wrong_divisors()
                    .iter()
                    .map(|&d| slipped_by(d, &grads))
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// "A = (r1 + r2 + r3 + r4) / 4: the sum of the window divided once by n = 2 × 2 = 4, …".
    fn explain_slip(&self, slip: Slip, key: Key, ex: &Explainer) -> Option<String> {
        if slip != Slip::AvgpoolDivisor {
            return None;
        }
        let what = match key.kind {
            Kind::Out if ex.net.layer_name(key.layer) == self.name => {
                "the sum of the window divided once by"
            }
            Kind::Grad if ex.net.layer_name(key.layer.saturating_add(1)) == self.name => {
                "each input of the window gets the pooled gradient divided once by"
            }
            _ => return None,
        };
        let e = ex.explain(key);
        let formula = e.formula.render(Rendering::Symbolic, 6);
        Some(format!(
            "{} = {formula}: {what} {}, the inputs in the window; your value divides by another \
             number, or not at all",
            e.symbol,
            self.n_words()
        ))
    }

    fn routing(&self) -> Option<&dyn Routing> {
        None
    }
}
