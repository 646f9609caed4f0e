//! `t` in the walk: a whole table at once — the shared filter's terms, the update table —
//! instead of one quantity at a time.

use super::Step;
use crate::network::Explainer;
use crate::render::table::{View, section_tables};
use crate::render::{Options, section};

/// The steps `first..=last` of the table that step `at` belongs to.
pub fn range(steps: &[Step], at: usize) -> (usize, usize) {
    let table = steps[at].table;
    let first = steps[..at]
        .iter()
        .rposition(|s| s.table != table)
        .map_or(0, |p| p + 1);
    let last = steps[at..]
        .iter()
        .position(|s| s.table != table)
        .map_or(steps.len() - 1, |p| at + p - 1);
    (first, last)
}

/// The table of step `at` as lines of at most `width` columns: compact, and with the
/// numbers hidden when they are.
pub fn lines(
    ex: &Explainer,
    steps: &[Step],
    at: usize,
    numbers: bool,
    width: usize,
    opts: &Options,
) -> Vec<String> {
    let (first, last) = range(steps, at);
    let part = section(ex, &ex.entries()[first..=last], opts.digits);
    let plain = Options {
        color: false,
        width,
        ..*opts
    };
    let view = View {
        compact: true,
        only: None,
        hidden: !numbers,
        full: true,
    };
    section_tables(&part, &plain, &view)
        .lines()
        .map(String::from)
        .collect()
}
