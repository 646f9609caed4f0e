//! How the cost of a trace grows with the network: the step traced and written as JSON
//! and as tables (to a sink), on 1-D networks of 10^3 to 10^6 weights (10^4 and 10^5
//! doubled too), on one conv1d filter of 400 over 800 inputs (160,400 contributions), and
//! on the built-in lenet-mini (2-D, about 140,000 quantities).
//!
//! Run: `cargo bench --bench scale`. It also writes each scenario to
//! `target/bench-scale/` so the whole process can be timed, e.g.
//! `/usr/bin/time -f '%e s %M KB' ./target/release/nntrace trace
//! target/bench-scale/weights-1000000.yaml --format json > /dev/null`.
//! The figures are in the README's speed table.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use nntrace::render::{self, Options};
use nntrace::scenario::{self, Scenario};
use nntrace::trace::Policy;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// A fixed pseudo-random sequence of small weights, so every run measures the same network.
struct Weights(u64);

impl Weights {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 0.2
    }

    fn list(&mut self, n: usize) -> String {
        let v: Vec<String> = (0..n).map(|_| format!("{:.5}", self.next())).collect();
        format!("[{}]", v.join(", "))
    }
}

/// input → conv1d 4 filters of 5 → relu → maxpool 2 → dense `hidden` sigmoid → dense 2
/// softmax, about `weights` weights (the first dense layer holds nearly all of them).
fn network(weights: usize) -> String {
    let hidden = ((weights as f64).sqrt() / 2.0).ceil() as usize;
    // 4 filters over `input` give 4·(input − 4) nodes, pooled to half of that; the pool
    // of 2 needs input − 4 even.
    let pooled = (weights - 20 - 2 * hidden) / hidden / 4 * 4;
    let input = pooled / 2 + 4;
    let mut w = Weights(12345);
    let kernels: Vec<String> = (0..4).map(|_| w.list(5)).collect();
    let rows: Vec<String> = (0..hidden).map(|_| w.list(2 * (input - 4))).collect();
    let output: Vec<String> = (0..2).map(|_| w.list(hidden)).collect();
    format!(
        "description: 1-D network of about {weights} weights\n\
         data:\n  - {{input: {}, target: 1}}\nlearning_rate: 0.1\nl2: 0.1\nloss: cross_entropy\n\
         layers:\n  - conv1d: {{kernels: [{}]}}\n  - relu: {{}}\n  - maxpool1d: {{size: 2}}\n\
         \x20 - dense: {{activation: sigmoid, weights: [{}]}}\n\
         \x20 - dense: {{activation: softmax, weights: [{}]}}\n",
        w.list(input),
        kernels.join(", "),
        rows.join(", "),
        output.join(", ")
    )
}

/// One conv1d filter of 400 over 800 inputs: 401 positions × 400 weights = 160,400
/// contributions, then one sigmoid unit.
fn long_filter() -> String {
    let mut w = Weights(400);
    format!(
        "description: one conv1d filter of 400 over 800 inputs\n\
         data:\n  - {{input: {}, target: 0}}\nlearning_rate: 0.1\nloss: half_squared_error\n\
         layers:\n  - conv1d: {{kernel: {}}}\n  - dense: {{activation: sigmoid, weights: [{}]}}\n",
        w.list(800),
        w.list(400),
        w.list(401)
    )
}

/// Every scenario measured, written to `target/bench-scale/` for whole-process timing.
fn scenarios() -> Vec<(String, Scenario)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-scale");
    std::fs::create_dir_all(&dir).unwrap();
    // Each size and its double, for how the cost grows.
    let mut texts: Vec<(String, String)> = [1_000, 10_000, 20_000, 100_000, 200_000, 1_000_000]
        .into_iter()
        .map(|n| (format!("weights-{n}"), network(n)))
        .collect();
    texts.push(("conv1d-400-over-800".into(), long_filter()));
    let mut all: Vec<(String, Scenario)> = texts
        .into_iter()
        .map(|(name, text)| {
            let path = dir.join(format!("{name}.yaml"));
            std::fs::write(&path, &text).unwrap();
            let s = scenario::parse(&text, path.to_str().unwrap(), &name)
                .expect("a valid benchmark network");
            (name, s)
        })
        .collect();
    // Issue 10's scale scenario, a built-in: `nntrace trace lenet-mini` times it whole.
    all.push(("lenet-mini".into(), scenario::load("lenet-mini").unwrap()));
    all
}

/// Traces the step and writes it in `format` to a sink, as `nntrace trace` does.
fn trace_and_write(s: &Scenario, format: &str) {
    let opts = Options::default();
    let t = s.trace(0, Policy::default());
    let ex = s.explainer(0, &t);
    let mut sink = io::sink();
    match format {
        "json" => render::json::write(&mut sink, s, 0, &ex, &opts, None),
        _ => render::table::write(&mut sink, s, 0, &ex, &opts, None, &Default::default()),
    }
    .unwrap();
}

fn scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("scale");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    for (name, s) in scenarios() {
        for format in ["json", "table"] {
            group.bench_with_input(BenchmarkId::new(format, &name), &s, |b, s| {
                b.iter(|| trace_and_write(s, format))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, scale);
criterion_main!(benches);
