//! A blank answers file: every quantity id of the trace, in trace order, grouped by layer
//! and phase, each with its slide-style symbol, values left empty.
//!
//! With `--ascii` only the comments (prose, symbols, formulas) are spelt in ASCII; the ids
//! and the scenario's path stay exactly as `check` reads them, whatever characters the
//! scenario's names use.

use super::{Options, rows};
use crate::network::Explainer;

pub fn render(
    scenario_arg: &str,
    name: &str,
    pattern: usize,
    ex: &Explainer,
    opts: &Options,
) -> String {
    let rows = rows(ex, opts.digits);
    let width = rows.iter().map(|r| r.id.chars().count()).max().unwrap_or(0) + 1;
    let mut out = opts.text(&format!(
        "# nntrace answers file: {name}, pattern {pattern}\n\
         # Write the values you worked out by hand after the colons, with the digits you have\n\
         # (0.49 is judged to two decimals); leave the rest empty. Then run:\n"
    ));
    out.push_str(&format!(
        "#   nntrace check {scenario_arg} THIS_FILE\n\
         scenario: {scenario_arg}\npattern: {pattern}\nanswers:\n"
    ));
    let mut group = None;
    for r in &rows {
        let here = r.key.section();
        if group != Some(here) {
            group = Some(here);
            out.push_str(&opts.text(&format!("  # {}\n", super::place(ex.net, here))));
        }
        let key = format!("{}:", r.id);
        let how = match (&r.formula, &r.hint) {
            (Some(_), Some(hint)) => format!("{} = ?  ({hint})", r.symbol),
            (Some(f), None) => format!("{} = {f}", r.symbol),
            (None, _) => format!("{} (given)", r.symbol),
        };
        out.push_str(&format!(
            "  {} # {}\n",
            crate::text::pad(&key, width + 1),
            opts.text(&how)
        ));
    }
    out
}
