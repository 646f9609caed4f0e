//! Runs N untraced training steps of lenet-mini (default 200) and prints a fingerprint of
//! the trained weights' bits: two builds that print the same fingerprint trained to the
//! same weights, bit for bit. A fixed amount of work for instruction counts, which this
//! shared machine's wandering speed does not disturb (README, Speed):
//!
//!     cargo build --release --example lenet_steps
//!     valgrind --tool=callgrind ./target/release/examples/lenet_steps 100

use nntrace::network::Workspace;
use nntrace::scenario;

fn main() {
    let steps: usize = match std::env::args().nth(1) {
        Some(n) => n.parse().expect("the number of steps, a whole number"),
        None => 200,
    };
    let lenet = scenario::load("lenet-mini").expect("a built-in scenario");
    let pattern = &lenet.data[0];
    let mut net = lenet.network.clone();
    let mut ws = Workspace::new(&net);
    for _ in 0..steps {
        nntrace::train::step(&mut net, &lenet.setup, pattern, &mut ws);
    }
    let fingerprint = net
        .layers
        .iter()
        .flat_map(|l| l.params())
        .fold(0u64, |h, w| h.rotate_left(5) ^ w.to_bits());
    println!("{fingerprint:016x}");
}
