//! The trace as one JSON object (SPEC section 4). Values are full-precision numbers.

use super::{Options, rows};
use crate::network::Explainer;
use crate::scenario::Scenario;
use crate::trace::Kind;
use serde_json::{Value, json};

pub fn render(
    s: &Scenario,
    pattern: usize,
    ex: &Explainer,
    opts: &Options,
    round: Option<u32>,
) -> Value {
    let quantities: Vec<Value> = rows(ex, opts.digits)
        .into_iter()
        .map(|r| {
            json!({
                "id": r.id,
                "layer": ex.net.layer_name(r.key.layer),
                "phase": r.key.kind.phase().as_str(),
                "kind": r.key.kind.as_str(),
                "name": ex.name(r.key),
                "symbol": opts.text(&r.symbol),
                "value": r.value,
                "formula": opts.text(r.formula.as_deref().unwrap_or(&r.symbol)),
                "substituted": opts.text(&r.substituted),
                "note": r.note.as_ref().map(|n| opts.text(&n.text)),
            })
        })
        .collect();
    let routes: Vec<Value> = ex
        .trace
        .routes()
        .map(|route| {
            let prev = ex.net.node_names(route.key.layer - 1);
            let from: Vec<&String> = route.chosen.iter().map(|&i| &prev[i as usize]).collect();
            let window = ex
                .net
                .layer(route.key.layer)
                .map_or(Vec::new(), |l| l.window(route.key.index as usize));
            let values: Vec<f64> = window
                .iter()
                .map(|&i| ex.value(route.key.layer - 1, Kind::Out, i))
                .collect();
            json!({
                "id": format!("{}.route.{}", ex.net.layer_name(route.key.layer), ex.name(route.key)),
                "from": from,
                "window": window.iter().map(|&i| &prev[i]).collect::<Vec<_>>(),
                "values": values,
                "share": route.share,
            })
        })
        .collect();
    // Each ReLU node: whether it passed the gradient (its derivative) and what it saw.
    let masks: Vec<Value> = ex
        .entries()
        .iter()
        .filter(|e| {
            e.key.kind == Kind::Dact && ex.net.layer(e.key.layer).is_some_and(|l| l.masks())
        })
        .map(|e| {
            let i = e.key.index as usize;
            json!({
                "id": format!("{}.mask.{}", ex.net.layer_name(e.key.layer), ex.name(e.key)),
                "passed": e.value != 0.0,
                "input": ex.value(e.key.layer - 1, Kind::Out, i),
            })
        })
        .collect();
    let c = &s.setup.conventions;
    json!({
        "scenario": s.name,
        "pattern": pattern,
        "round": round,
        "conventions": {
            "relu_grad_at_zero": u8::from(c.relu_passes_zero),
            "maxpool_ties": c.maxpool_ties.as_str(),
        },
        "quantities": quantities,
        "routes": routes,
        "masks": masks,
    })
}
