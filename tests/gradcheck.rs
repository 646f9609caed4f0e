//! Every weight gradient agrees with a central finite difference of the data loss, on the
//! built-in scenarios and on random networks.

use crate::support::random::random_scenario;
use nntrace::network::{Network, Pattern, Setup};
use nntrace::scenario::{self, Scenario};
use nntrace::trace::{Key, Kind, Policy, Trace};
use proptest::prelude::*;

/// Step of the central difference (L(w + h) − L(w − h)) / 2h.
const H: f64 = 1e-6;
/// Allowed relative error.
const RELATIVE: f64 = 1e-5;
/// A layer with more parameters than this has every `SAMPLE_EVERY`-th one checked (and its
/// first and last), so the scale scenario's 13,000 dense weights cost seconds, not minutes.
const ALL_UP_TO: usize = 1000;
const SAMPLE_EVERY: usize = 53;

/// Gradients smaller than this are compared absolutely, at RELATIVE·FLOOR: below it the
/// finite difference itself is only as good as the rounding of L, about 1e-10/h.
const FLOOR: f64 = 1e-3;

/// Checks every `wgrad` of one pattern; returns how many were checked.
pub fn check(net: &Network, setup: &Setup, pattern: &Pattern) -> Result<usize, String> {
    check_with(net, setup, pattern, false)
}

/// Like [`check`], but where the loss has a kink (a ReLU input of exactly 0, where the
/// gradient is a convention) a one-sided difference that agrees passes too.
pub fn check_at_kinks(net: &Network, setup: &Setup, pattern: &Pattern) -> Result<usize, String> {
    check_with(net, setup, pattern, true)
}

fn check_with(
    net: &Network,
    setup: &Setup,
    pattern: &Pattern,
    one_sided: bool,
) -> Result<usize, String> {
    let mut t = Trace::new(Policy::default());
    net.step(setup, pattern, &mut t);
    let mut checked = 0;
    for (i, layer) in net.layers.iter().enumerate() {
        let id = Network::layer_id(i);
        let count = layer.param_count();
        let sampled =
            |p: usize| count <= ALL_UP_TO || p.is_multiple_of(SAMPLE_EVERY) || p + 1 == count;
        for p in (0..count).filter(|&p| sampled(p)) {
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
            let agrees = |numeric: f64| {
                let scale = traced.abs().max(numeric.abs()).max(FLOOR);
                (traced - numeric).abs() <= RELATIVE * scale
            };
            // One-sided differences of second order (error O(h²), like the central one):
            // (−3L(w) + 4L(w + h) − L(w + 2h)) / 2h and its mirror.
            let sides = || {
                let at = loss_at(w);
                [
                    (-3.0 * at + 4.0 * loss_at(w + H) - loss_at(w + 2.0 * H)) / (2.0 * H),
                    (3.0 * at - 4.0 * loss_at(w - H) + loss_at(w - 2.0 * H)) / (2.0 * H),
                ]
            };
            let at_kink = one_sided && sides().into_iter().any(agrees);
            if !(agrees(numeric) || at_kink) {
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
            assert!(n > 0 && n <= s.network.param_count(), "{}: {n}", s.name);
        }
    }
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
