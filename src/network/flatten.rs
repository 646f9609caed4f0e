//! Flatten: the 2-D maps read as one vector, channel, then row, then column (as PyTorch's
//! flatten; the storage order already is). It computes nothing and records nothing: its
//! nodes are its input's nodes under their own names, so the dense layer after it names
//! its weights by them (`w_y_p1_1_2`), and the gradient of those nodes is filed under the
//! layer that made them (`pool.grad.p1_1_2`).

use super::{
    Ctx, Explained, Explainer, Gradients, Hazard, LayerKind, Link, Outputs, Params, Routing, Shape,
    SharedFilter, Slip, Step,
};
use crate::formula::Expr;
use crate::trace::{Key, LayerId, Recorder};

#[derive(Clone, Debug, PartialEq)]
pub struct Flatten {
    pub name: String,
    /// The shape it reads.
    pub input: Shape,
    /// The input's node names, in storage order.
    pub outputs: Vec<String>,
}

impl LayerKind for Flatten {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "flatten"
    }

    fn outputs(&self) -> &[String] {
        &self.outputs
    }

    fn shape(&self) -> Shape {
        Shape::flat(self.input.size())
    }

    fn describe(&self) -> String {
        format!(
            "flatten {} × {} × {} to {} (channel, row, column)",
            self.input.channels,
            self.input.rows,
            self.input.cols,
            self.input.size()
        )
    }

    fn label(&self) -> String {
        "flatten".into()
    }

    fn role(&self) -> &'static str {
        "flatten layer"
    }

    fn widest_formula(&self) -> usize {
        0
    }

    fn threshold(&self) -> f64 {
        0.5
    }

    /// Nothing: its values are its input's.
    fn quantities(&self) -> usize {
        0
    }

    fn is_view(&self) -> bool {
        true
    }

    fn trainable(&self) -> Option<&Params> {
        None
    }

    fn trainable_mut(&mut self) -> Option<&mut Params> {
        None
    }

    fn window(&self, o: usize) -> Vec<usize> {
        vec![o]
    }

    fn node_bias(&self, _o: usize) -> Option<usize> {
        None
    }

    /// No edges: the diagram draws the nodes once, where they are made.
    fn links(&self) -> Vec<Link> {
        Vec::new()
    }

    fn shared_filter(&self) -> Option<&dyn SharedFilter> {
        None
    }

    fn explain(&self, _key: Key, _ex: &Explainer) -> Explained {
        Explained::new("?", Expr::Num(0.0))
    }

    /// The gradient of its inputs is the gradient of its outputs, which the layer above
    /// computed: that layer explains it.
    fn explain_input_grad(&self, id: LayerId, i: usize, ex: &Explainer) -> Explained {
        match ex.net.layer(id.saturating_add(1)) {
            Some(above) => above.explain_input_grad(id.saturating_add(1), i, ex),
            None => Explained::new("?", Expr::Num(0.0)),
        }
    }

    fn hazards(&self, _id: LayerId, _ex: &Explainer) -> Vec<Hazard> {
        Vec::new()
    }

    fn why(&self, _key: Key, _ex: &Explainer) -> Option<String> {
        None
    }

    fn why_input_grad(&self, id: LayerId, ex: &Explainer) -> String {
        match ex.net.layer(id.saturating_add(1)) {
            Some(above) => above.why_input_grad(id.saturating_add(1), ex),
            None => "The gradient flows back from the layer above.".into(),
        }
    }

    fn masks(&self) -> bool {
        false
    }

    fn slips(&self) -> Vec<Slip> {
        Vec::new()
    }

    fn slipped(&self, _slip: Slip, _id: LayerId, _key: Key, _ex: &Explainer) -> Vec<f64> {
        Vec::new()
    }

    fn explain_slip(&self, _slip: Slip, _key: Key, _ex: &Explainer) -> Option<String> {
        None
    }

    fn routing(&self) -> Option<&dyn Routing> {
        None
    }
}

/// Flatten keeps nothing between steps.
pub struct NoScratch;

impl Step for Flatten {
    type Scratch = NoScratch;

    fn scratch(&self) -> NoScratch {
        NoScratch
    }

    fn net_inputs(&self) -> usize {
        0
    }

    fn forward<R: Recorder>(
        &self,
        x: &[f64],
        into: Outputs,
        _scratch: &mut NoScratch,
        _ctx: &mut Ctx<R>,
    ) {
        into.out.copy_from_slice(x);
    }

    /// The gradient passes unchanged; it was recorded where the layer above computed it
    /// (under the layer that made these nodes).
    fn backward<R: Recorder>(&self, io: Gradients, _scratch: &mut NoScratch, ctx: &mut Ctx<R>) {
        if ctx.wants_input_grad {
            io.input_grad.copy_from_slice(io.incoming.grad());
        }
    }
}
