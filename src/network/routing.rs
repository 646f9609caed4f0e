//! What only a layer that routes its gradient answers (max pooling), asked through
//! [`LayerKind::routing`](super::LayerKind::routing): each pooled output passes its
//! gradient to the input(s) of its window that held the maximum, the others get 0. An
//! average pool does not route (every input of the window gets its share), so it has
//! nothing to say here.

use super::Explainer;
use crate::trace::LayerId;

/// The questions only a routing layer answers (the checker's pooling mistakes).
pub trait Routing {
    /// Each pooled output with the inputs of its window (indices into the previous
    /// layer's outputs), to take the runner-up from.
    fn pool_windows(&self) -> Vec<(usize, Vec<usize>)>;
    /// The windows whose maximum several inputs hold, in a trace: each pooled output with
    /// the tied inputs.
    fn ties(&self, id: LayerId, ex: &Explainer) -> Vec<(usize, Vec<usize>)>;
    /// One line on where pooled output `o`'s value came from, in a trace.
    fn describe_route(&self, id: LayerId, o: usize, ex: &Explainer) -> Option<String>;
}
