//! Training: stochastic gradient descent exactly as traced — pattern by pattern in data
//! order, the held Δw applied after each pattern — until the epochs run out or the sum of
//! squared errors falls below the stop rule. The loop runs the same step as `trace`, with
//! the recorder that compiles away, so it builds no trace.

use crate::network::{Network, Pattern, Setup, Workspace};
use crate::scenario::Scenario;
use crate::trace::Untraced;

/// How long and how fast to train.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub epochs: u64,
    /// Stop once SSE falls below this.
    pub stop_sse: f64,
    pub setup: Setup,
}

impl Settings {
    pub fn of(s: &Scenario) -> Settings {
        Settings {
            epochs: s.train.epochs,
            stop_sse: s.train.stop_sse,
            setup: s.setup.clone(),
        }
    }
}

/// The state of the network after an epoch (epoch 0: before training).
#[derive(Clone, Debug, PartialEq)]
pub struct Epoch {
    pub epoch: u64,
    /// Σ over patterns and outputs of (t − y)².
    pub sse: f64,
    /// The mean data loss L_i over the patterns.
    pub loss: f64,
    /// What the step descends: the mean data loss plus the L2 penalty ½λΣw².
    pub total: f64,
    /// The share of patterns predicted right: the largest output is the target's, or for
    /// one output, it lies on the target's side of the threshold (0.5 for a sigmoid).
    pub accuracy: f64,
}

#[derive(Clone, Debug)]
pub struct Run {
    pub history: Vec<Epoch>,
    pub network: Network,
    pub converged: bool,
    /// The epoch at which the numbers (SSE, loss or a weight) stopped being finite, if they did.
    pub diverged: Option<u64>,
    /// The weights just before one chosen step (see `train`'s `keep`).
    pub kept: Option<Network>,
}

impl Run {
    /// Epochs actually trained.
    pub fn epochs(&self) -> u64 {
        self.history.last().map_or(0, |e| e.epoch)
    }

    pub fn last(&self) -> &Epoch {
        self.history.last().expect("epoch 0 is always measured")
    }
}

/// SSE, mean loss and accuracy of a network over the data set, predicted in `ws` (made
/// for the network).
pub fn measure(
    net: &Network,
    setup: &Setup,
    data: &[Pattern],
    epoch: u64,
    ws: &mut Workspace,
) -> Epoch {
    let (mut sse, mut loss, mut right) = (0.0, 0.0, 0usize);
    for p in data {
        net.predict_in(setup, p, ws);
        let (y, l) = (ws.outputs(), ws.loss());
        sse += y
            .iter()
            .zip(&p.target)
            .map(|(y, t)| (t - y) * (t - y))
            .sum::<f64>();
        loss += l;
        right += usize::from(correct(y, &p.target, net.threshold()));
    }
    let n = data.len().max(1) as f64;
    let penalty = 0.5 * setup.lambda * net.sum_w2();
    Epoch {
        epoch,
        sse,
        loss: loss / n,
        total: loss / n + penalty,
        accuracy: right as f64 / n,
    }
}

/// Whether a prediction is right: for one output, on the same side of the threshold as the
/// target (0.5 for a sigmoid); for several, the largest output is the target's.
fn correct(y: &[f64], target: &[f64], threshold: f64) -> bool {
    match (y, target) {
        ([y], [t]) => (*y >= threshold) == (*t >= threshold),
        _ => argmax(y) == argmax(target),
    }
}

fn argmax(v: &[f64]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}

/// One training step on one pattern in `ws` (made for the network): the held Δw
/// computed, then applied. Allocates nothing.
pub fn step(net: &mut Network, setup: &Setup, pattern: &Pattern, ws: &mut Workspace) {
    net.step_in(setup, pattern, ws, &mut Untraced);
    net.apply_held(ws);
}

/// Trains a copy of the scenario's network. `keep` = (epoch, pattern) keeps the weights as
/// they were just before that step (epochs count from 1). `on_epoch` sees every epoch.
pub fn train(
    s: &Scenario,
    settings: &Settings,
    keep: Option<(u64, usize)>,
    mut on_epoch: impl FnMut(&Epoch),
) -> Run {
    let mut net = s.network.clone();
    let mut ws = Workspace::new(&net);
    let mut history = vec![measure(&net, &settings.setup, &s.data, 0, &mut ws)];
    let mut kept = None;
    let mut converged = history[0].sse < settings.stop_sse;
    let mut diverged = None;
    for epoch in 1..=settings.epochs {
        if converged {
            break;
        }
        for (i, p) in s.data.iter().enumerate() {
            if keep == Some((epoch, i)) {
                kept = Some(net.clone());
            }
            step(&mut net, &settings.setup, p, &mut ws);
        }
        let measured = measure(&net, &settings.setup, &s.data, epoch, &mut ws);
        on_epoch(&measured);
        let finite = measured.sse.is_finite()
            && measured.loss.is_finite()
            && measured.total.is_finite()
            && net.layers.iter().all(|l| l.params().all(|w| w.is_finite()));
        converged = measured.sse < settings.stop_sse;
        history.push(measured);
        if !finite {
            diverged = Some(epoch);
            break;
        }
    }
    Run {
        history,
        network: net,
        converged,
        diverged,
        kept,
    }
}

/// The epochs worth a row in a summary: 0, 1, 2, 5, 10, 20, 50, … and the last.
pub fn milestones(history: &[Epoch]) -> Vec<&Epoch> {
    let last = history.last().map_or(0, |e| e.epoch);
    history
        .iter()
        .filter(|e| {
            let mut m = 1u64;
            let mut marks = vec![0];
            while m <= last {
                marks.extend([m, 2 * m, 5 * m]);
                m *= 10;
            }
            marks.contains(&e.epoch) || e.epoch == last
        })
        .collect()
}

/// The SSE curve in one line of block characters (`ascii`: digits 0–9), lowest low.
pub fn sparkline(history: &[Epoch], width: usize, ascii: bool) -> String {
    let values: Vec<f64> = history
        .iter()
        .map(|e| e.sse)
        .filter(|v| v.is_finite())
        .collect();
    if values.is_empty() {
        return String::new();
    }
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let blocks: Vec<char> = if ascii {
        "0123456789".chars().collect()
    } else {
        "▁▂▃▄▅▆▇█".chars().collect()
    };
    let width = width.min(values.len()).max(1);
    (0..width)
        .map(|i| {
            let v = values[i * (values.len() - 1) / (width - 1).max(1)];
            let level = if hi > lo { (v - lo) / (hi - lo) } else { 0.0 };
            blocks[((level * (blocks.len() - 1) as f64).round() as usize).min(blocks.len() - 1)]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milestones_are_one_two_five_and_the_last() {
        let history: Vec<Epoch> = (0..=261)
            .map(|e| Epoch {
                epoch: e,
                sse: 1.0,
                loss: 1.0,
                total: 1.0,
                accuracy: 0.5,
            })
            .collect();
        let epochs: Vec<u64> = milestones(&history).iter().map(|e| e.epoch).collect();
        assert_eq!(epochs, vec![0, 1, 2, 5, 10, 20, 50, 100, 200, 261]);
    }

    #[test]
    fn a_sparkline_falls_with_the_curve() {
        let history: Vec<Epoch> = (0..10)
            .map(|e| Epoch {
                epoch: e,
                sse: 10.0 - e as f64,
                loss: 0.0,
                total: 0.0,
                accuracy: 0.0,
            })
            .collect();
        assert_eq!(sparkline(&history, 10, true), "9876543210");
        assert_eq!(sparkline(&history, 4, false).chars().count(), 4);
    }
}
