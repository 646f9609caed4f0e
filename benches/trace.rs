//! How fast a step is, traced and untraced, and how fast training runs, on the worked
//! example, on a 1-D network with over 10,000 weights and on lenet-mini.
//!
//! Run: `cargo bench --bench trace`. The medians are in the README.

use criterion::{Criterion, criterion_group, criterion_main};
use nntrace::network::{Explainer, Workspace};
use nntrace::render::{self, Options};
use nntrace::scenario::{self, Scenario};
use nntrace::trace::{Policy, Trace, Untraced};
use std::hint::black_box;

/// input 200 → conv1d 8 filters of 9 → relu → maxpool 2/2 → dense 14 sigmoid → dense 2
/// softmax: 72 + 10,752 + 28 = 10,852 weights. Weights from a fixed linear congruential
/// sequence, so every run measures the same network.
fn wide_network() -> Scenario {
    let mut state: u64 = 12345;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as f64 / (1u64 << 31) as f64 - 0.5) * 0.2
    };
    let mut list = |n: usize| {
        let v: Vec<String> = (0..n).map(|_| format!("{:.5}", next())).collect();
        format!("[{}]", v.join(", "))
    };
    let kernels: Vec<String> = (0..8).map(|_| list(9)).collect();
    let hidden: Vec<String> = (0..14).map(|_| list(768)).collect();
    let output: Vec<String> = (0..2).map(|_| list(14)).collect();
    let text = format!(
        "data:\n  - {{input: {}, target: 1}}\nlearning_rate: 0.1\nl2: 0.1\nloss: cross_entropy\n\
         conventions: {{relu_grad_at_zero: 1, maxpool_ties: all}}\nlayers:\n\
         \x20 - conv1d: {{kernels: [{}]}}\n  - relu: {{}}\n  - maxpool1d: {{size: 2, stride: 2}}\n\
         \x20 - dense: {{activation: sigmoid, weights: [{}]}}\n\
         \x20 - dense: {{activation: softmax, weights: [{}]}}\n",
        list(200),
        kernels.join(", "),
        hidden.join(", "),
        output.join(", ")
    );
    let s = scenario::parse(&text, "bench", "wide").expect("a valid benchmark network");
    assert!(s.network.param_count() >= 10_000);
    s
}

fn steps(c: &mut Criterion) {
    for (name, s) in [
        ("seesaw-cnn", scenario::load("seesaw-cnn").unwrap()),
        ("wide-1d-10852-weights", wide_network()),
        ("lenet-mini", scenario::load("lenet-mini").unwrap()),
    ] {
        let p = &s.data[s.pattern];
        c.bench_function(&format!("{name}/step untraced"), |b| {
            let mut ws = Workspace::new(&s.network);
            b.iter(|| {
                s.network
                    .step_in(&s.setup, black_box(p), &mut ws, &mut Untraced)
            })
        });
        c.bench_function(&format!("{name}/step traced"), |b| {
            b.iter(|| {
                let mut t = Trace::new(Policy::default());
                s.network.step(&s.setup, black_box(p), &mut t);
                t
            })
        });
    }
    let s = scenario::load("seesaw-cnn").unwrap();
    let p = &s.data[s.pattern];
    let opts = Options {
        digits: 6,
        ascii: false,
        color: false,
        ..Options::default()
    };
    c.bench_function("seesaw-cnn/trace and render json", |b| {
        b.iter(|| {
            let mut t = Trace::new(Policy::default());
            s.network.step(&s.setup, p, &mut t);
            let ex = Explainer::new(&s.network, &s.setup, p, &t);
            serde_json::to_string(&render::json::render(&s, 0, &ex, &opts, None)).unwrap()
        })
    });
}

/// Training as `nntrace train` runs it: whole epochs, untraced, SSE measured after each.
fn training(c: &mut Criterion) {
    let s = scenario::load("seesaw-cnn").unwrap();
    let mut set = nntrace::train::Settings::of(&s);
    set.epochs = 1000;
    set.stop_sse = 0.0;
    c.bench_function("seesaw-cnn/train 1000 epochs", |b| {
        b.iter(|| nntrace::train::train(&s, black_box(&set), None, |_| {}))
    });
    let wide = wide_network();
    let p = &wide.data[0];
    let mut group = c.benchmark_group("wide-1d-10852-weights");
    group.throughput(criterion::Throughput::Elements(1));
    group.bench_function("train step (held Δw applied)", |b| {
        let mut net = wide.network.clone();
        let mut ws = Workspace::new(&net);
        b.iter(|| nntrace::train::step(&mut net, &wide.setup, black_box(p), &mut ws))
    });
    group.finish();
    // The step benches/lenet_pytorch.py times in PyTorch: forward, backward, update.
    let lenet = scenario::load("lenet-mini").unwrap();
    let p = &lenet.data[0];
    c.bench_function("lenet-mini/train step (held Δw applied)", |b| {
        let mut net = lenet.network.clone();
        let mut ws = Workspace::new(&net);
        b.iter(|| nntrace::train::step(&mut net, &lenet.setup, black_box(p), &mut ws))
    });
}

criterion_group!(benches, steps, training);
criterion_main!(benches);
