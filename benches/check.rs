//! How fast a class is judged: 200 answers files of the seesaw CNN, each with a different
//! mix of exact, rounded and wrong values (wrong ones make the checker replay its whole
//! catalogue of mistakes), read, judged and summed up into the class report.
//!
//! Run: `cargo bench --bench check`. It leaves the 200 files in `target/bench-class/`, so
//! the whole process can be timed too:
//! `hyperfine -N --warmup 3 './target/release/nntrace check seesaw-cnn target/bench-class'`.
//! The medians are in the README.

use criterion::{Criterion, criterion_group, criterion_main};
use nntrace::check::class::{Class, Student};
use nntrace::check::{self, answers};
use nntrace::formula::plain_number;
use nntrace::render::{self, Options};
use nntrace::scenario;
use nntrace::trace::Policy;
use std::hint::black_box;
use std::path::PathBuf;

const STUDENTS: usize = 200;

/// A fixed pseudo-random sequence in [0, 1), so every run judges the same class.
struct Dice(u64);

impl Dice {
    fn roll(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The class's answers files: each student writes about two thirds of the quantities,
/// most exactly, some rounded to 3 digits, some wrong.
fn write_class() -> Vec<PathBuf> {
    let s = scenario::load("seesaw-cnn").unwrap();
    let t = s.trace(0, Policy::default());
    let ex = s.explainer(0, &t);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-class");
    std::fs::create_dir_all(&dir).unwrap();
    let mut dice = Dice(2026);
    (0..STUDENTS)
        .map(|n| {
            let mut text = String::from("scenario: seesaw-cnn\npattern: 0\nanswers:\n");
            for e in &t.entries {
                if dice.roll() < 0.35 {
                    continue;
                }
                let roll = dice.roll();
                let value = if roll < 0.6 {
                    plain_number(e.value, 6)
                } else if roll < 0.88 {
                    plain_number(e.value, 3)
                } else {
                    plain_number(e.value * 1.3 + 0.01, 4)
                };
                text.push_str(&format!("  {}: {value}\n", ex.id(e.key)));
            }
            let path = dir.join(format!("student-{n:03}.yaml"));
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

fn judge_class(files: &[PathBuf]) -> String {
    let s = scenario::load("seesaw-cnn").unwrap();
    let students = files
        .iter()
        .map(|path| {
            let name = path.to_string_lossy().into_owned();
            let text = std::fs::read_to_string(path).unwrap();
            let file = answers::parse(&text, &name).unwrap();
            Student {
                file: name,
                judged: Ok(check::check(&s, 0, &file)),
            }
        })
        .collect();
    let class = Class::new(&s.name, students);
    let opts = Options {
        digits: 6,
        ascii: false,
        color: false,
        width: render::DEFAULT_WIDTH,
    };
    render::class::table(&class, &opts)
}

fn bench(c: &mut Criterion) {
    let files = write_class();
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    group.bench_function(
        "200 answers files of seesaw-cnn, judged and summed up",
        |b| b.iter(|| black_box(judge_class(black_box(&files)))),
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
