use nntrace::network::Explainer;
use nntrace::trace::{Policy, Trace};
fn main() {
    let s = nntrace::scenario::load("seesaw-cnn").unwrap();
    let p = &s.data[s.pattern];
    let mut t = Trace::new(Policy::default());
    s.network.step(&s.setup, p, &mut t);
    let ex = Explainer::new(&s.network, &s.setup, p, &t);
    for e in &t.entries {
        let x = ex.explain(e.key);
        println!("{:28} {:14} {:40} {}", ex.id(e.key), x.symbol, x.formula.render(nntrace::formula::Rendering::Symbolic, 6), nntrace::formula::number(e.value, 6));
    }
}
