//! A blank answers file: every quantity id of the trace, in trace order, grouped by layer
//! and phase, each with its slide-style symbol, values left empty.

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
    let mut out = format!(
        "# nntrace answers file: {name}, pattern {pattern}\n\
         # Write the values you worked out by hand after the colons, with the digits you have\n\
         # (0.49 is judged to two decimals); leave the rest empty. Then run:\n\
         #   nntrace check {scenario_arg} THIS_FILE\n\
         scenario: {scenario_arg}\npattern: {pattern}\nanswers:\n"
    );
    let mut group = None;
    for r in &rows {
        let here = r.key.section();
        if group != Some(here) {
            group = Some(here);
            out.push_str(&format!("  # {}\n", super::place(ex.net, here)));
        }
        let key = format!("{}:", r.id);
        let how = match (&r.formula, &r.hint) {
            (Some(_), Some(hint)) => format!("{} = ?  ({hint})", r.symbol),
            (Some(f), None) => format!("{} = {f}", r.symbol),
            (None, _) => format!("{} (given)", r.symbol),
        };
        out.push_str(&format!(
            "  {} # {how}\n",
            crate::text::pad(&key, width + 1)
        ));
    }
    opts.text(&out)
}
