//! A linear pass over the YAML text before any parser sees it. It refuses, with the line
//! and column where it happens, what would make a parser recurse deeply or expand without
//! bound: nesting deeper than [`MAX_DEPTH`], aliases that repeat an anchor into more than
//! [`MAX_VALUES`] values or [`MAX_TEXT_BYTES`] bytes, and a closing bracket that closes
//! nothing. It reads the text the way YAML does only as far as these three need: quoted
//! strings, comments, block scalars, flow brackets, indentation and `- ` items; everything
//! else is counted as plain values. [`super::budget`] checks the expansion again on the
//! parsed events.

use super::budget::{MAX_TEXT_BYTES, MAX_VALUES};
use std::collections::HashMap;

/// Levels of nesting (lists and mappings inside each other) a file may have.
pub const MAX_DEPTH: usize = 200;
/// How many alias jumps per value the parser tolerates before it gives up without a
/// position ("repetition limit exceeded"); refused here first, with the alias's line.
const MAX_JUMPS_PER_VALUE: u64 = 20;

/// What the pass refuses, and where (1-based line and column).
#[derive(Debug, PartialEq)]
pub struct Refusal {
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: &'static str,
}

/// How much an anchored node expands to.
#[derive(Clone, Copy, Default)]
struct Size {
    values: u64,
    bytes: u64,
    jumps: u64,
}

/// An anchored node still open: its name, the totals when it opened, and where it ends.
struct Open {
    name: String,
    start: Size,
    end: End,
}

enum End {
    /// When the flow depth falls back to this.
    Flow(usize),
    /// At the first content line indented at most this far (a key's value may continue
    /// with `- ` items at the key's own indentation).
    Block { indent: usize, dash_continues: bool },
}

struct Scan<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
    line_start: usize,
    total: Size,
    events: u64,
    anchors: HashMap<String, Size>,
    open: Vec<Open>,
    /// An anchor seen, waiting for the node it names.
    pending: Option<String>,
    flow: usize,
    indents: Vec<usize>,
    /// The alias jumps so far at each alias, with its line, line start and byte; checked
    /// once the number of events is known.
    jump_marks: Vec<(u64, usize, usize, usize)>,
    /// A `...` line ended the document.
    ended: bool,
    /// The indentation of the document's first line: no line may be indented less.
    root_indent: Option<usize>,
    /// The document is one flow collection (`[…]` or `{…}`) at the root…
    root_flow: bool,
    /// …which has closed: nothing may follow it.
    root_closed: bool,
}

/// Scans `text`; Ok when none of the three problems is there.
pub fn scan(text: &str) -> Result<(), Refusal> {
    // A carriage return alone breaks a line in YAML, as a newline does (same length, so
    // the columns stay).
    let lone_cr = |(i, b): (usize, &u8)| *b == b'\r' && text.as_bytes().get(i + 1) != Some(&b'\n');
    let unified: Vec<u8>;
    let bytes = if text.as_bytes().iter().enumerate().any(lone_cr) {
        unified = text
            .as_bytes()
            .iter()
            .enumerate()
            .map(|(i, b)| if lone_cr((i, b)) { b'\n' } else { *b })
            .collect();
        &unified[..]
    } else {
        text.as_bytes()
    };
    let mut s = Scan {
        bytes,
        at: 0,
        line: 1,
        line_start: 0,
        total: Size::default(),
        events: 2,
        anchors: HashMap::new(),
        open: Vec::new(),
        pending: None,
        flow: 0,
        indents: Vec::new(),
        jump_marks: Vec::new(),
        ended: false,
        root_indent: None,
        root_flow: false,
        root_closed: false,
    };
    while s.at < s.bytes.len() {
        s.line_head()?;
        s.rest_of_line()?;
    }
    s.close_all();
    let limit = s.events.saturating_mul(MAX_JUMPS_PER_VALUE);
    if let Some(&(_, line, start, at)) = s.jump_marks.iter().find(|m| m.0 > limit) {
        return Err(Refusal {
            line,
            column: s.column_of(start, at),
            message: "this alias repeats its anchor too often (YAML aliases expand the \
                      document far beyond its size)"
                .into(),
            help: super::budget::HELP,
        });
    }
    Ok(())
}

impl Scan<'_> {
    fn column(&self) -> usize {
        self.column_of(self.line_start, self.at)
    }

    /// The 1-based column (in characters) of byte `at` on the line starting at byte `start`.
    fn column_of(&self, start: usize, at: usize) -> usize {
        String::from_utf8_lossy(&self.bytes[start..at])
            .chars()
            .count()
            + 1
    }

    fn refuse(&self, message: String, help: &'static str) -> Refusal {
        Refusal {
            line: self.line,
            column: self.column(),
            message,
            help,
        }
    }

    fn peek(&self, ahead: usize) -> u8 {
        self.bytes.get(self.at + ahead).copied().unwrap_or(b'\n')
    }

    fn newline(&mut self) {
        self.at += 1;
        self.line += 1;
        self.line_start = self.at;
    }

    /// Indentation and `- ` items at the start of a line: the block nesting.
    fn line_head(&mut self) -> Result<(), Refusal> {
        let mut indent = 0;
        while self.peek(0) == b' ' {
            self.at += 1;
            indent += 1;
        }
        if self.flow > 0 || matches!(self.peek(0), b'\n' | b'\r' | b'#') {
            return Ok(());
        }
        if indent == 0 {
            self.document_marker()?;
        }
        while self.peek(0) == b' ' {
            self.at += 1;
        }
        if matches!(self.peek(0), b'\n' | b'\r' | b'#') || self.at >= self.bytes.len() {
            return Ok(());
        }
        match self.root_indent {
            Some(root) if indent < root => {
                return Err(self.refuse(
                    "a second YAML document starts here: this line is indented less than the \
                     document's first line"
                        .into(),
                    "indent every line of the document at least as far as its first",
                ));
            }
            None => self.root_indent = Some(indent),
            Some(_) => {}
        }
        self.close_block(indent);
        while self.indents.last().is_some_and(|&i| i > indent) {
            self.indents.pop();
        }
        if self.indents.last() != Some(&indent) {
            self.indents.push(indent);
        }
        self.deep_enough()?;
        while self.peek(0) == b'-' && matches!(self.peek(1), b' ' | b'\n' | b'\r') {
            let dash = self.at - self.line_start;
            self.at += 1;
            while self.peek(0) == b' ' {
                self.at += 1;
            }
            self.indents.push(dash + 1);
            self.events += 2;
            self.deep_enough()?;
            if self.peek(0) == b'&' {
                self.anchor(End::Block {
                    indent: dash,
                    dash_continues: false,
                });
            }
        }
        Ok(())
    }

    /// `---` after content starts a second document; anything after `...` is outside the
    /// first. A scenario or answers file is one document.
    fn document_marker(&mut self) -> Result<(), Refusal> {
        let marker = |m: &[u8]| {
            self.bytes[self.at..].starts_with(m)
                && matches!(self.peek(3), b' ' | b'\t' | b'\n' | b'\r')
        };
        let help = "a scenario or answers file is one YAML document: remove the marker, or \
                    split the file";
        if self.ended {
            return Err(self.refuse("content after the end of the document (`...`)".into(), help));
        }
        let (starts, ends) = (marker(b"---"), marker(b"..."));
        if starts {
            if self.events > 2 {
                return Err(self.refuse("a second YAML document starts here".into(), help));
            }
            self.at += 3;
        }
        if ends {
            self.ended = true;
            while self.peek(0) != b'\n' && self.at < self.bytes.len() {
                self.at += 1;
            }
        }
        Ok(())
    }

    fn deep_enough(&self) -> Result<(), Refusal> {
        if self.indents.len() + self.flow > MAX_DEPTH {
            return Err(self.refuse(
                format!("nested more than {MAX_DEPTH} levels deep"),
                "a scenario or answers file needs a few levels of lists and mappings",
            ));
        }
        Ok(())
    }

    /// Ends the anchored block nodes that a line indented `indent` is no longer part of.
    fn close_block(&mut self, indent: usize) {
        let dash = self.peek(0) == b'-' && matches!(self.peek(1), b' ' | b'\n' | b'\r');
        while let Some(open) = self.open.last() {
            let ends = match open.end {
                End::Block {
                    indent: i,
                    dash_continues,
                } => indent < i || (indent == i && !(dash && dash_continues)),
                End::Flow(_) => false,
            };
            if !ends {
                break;
            }
            self.finish_anchor();
        }
    }

    fn finish_anchor(&mut self) {
        if let Some(open) = self.open.pop() {
            let size = Size {
                values: self.total.values - open.start.values,
                bytes: self.total.bytes - open.start.bytes,
                jumps: self.total.jumps - open.start.jumps,
            };
            self.anchors.insert(open.name, size);
        }
    }

    fn close_all(&mut self) {
        while !self.open.is_empty() {
            self.finish_anchor();
        }
    }

    /// Reads `&name`; the node it names starts after it, and after its tag when one
    /// follows (`&a !!seq` then the items on the next lines: the tag is not the node).
    fn anchor(&mut self, block_end: End) {
        self.at += 1;
        let name = self.word();
        self.spaces();
        if self.peek(0) == b'!' {
            self.tag();
            self.spaces();
        }
        let end = match self.peek(0) {
            b'[' | b'{' => End::Flow(self.flow),
            b'\n' | b'\r' | b'#' if self.flow == 0 => block_end,
            _ => {
                self.pending = Some(name);
                return;
            }
        };
        self.open.push(Open {
            name,
            start: self.total,
            end,
        });
    }

    fn spaces(&mut self) {
        while self.peek(0) == b' ' {
            self.at += 1;
        }
    }

    /// Skips a tag (`!`, `!!seq`, `!local`, `!<tag:yaml.org,2002:str>`): a property of the
    /// node after it, neither a value nor part of one.
    fn tag(&mut self) {
        if self.peek(1) == b'<' {
            while !matches!(self.peek(0), b'>' | b'\n' | b'\r') {
                self.at += 1;
            }
            if self.peek(0) == b'>' {
                self.at += 1;
            }
        } else {
            self.word();
        }
    }

    fn word(&mut self) -> String {
        let start = self.at;
        while !matches!(
            self.peek(0),
            b' ' | b'\n' | b'\r' | b'\t' | b',' | b'[' | b']' | b'{' | b'}'
        ) {
            self.at += 1;
        }
        String::from_utf8_lossy(&self.bytes[start..self.at]).into_owned()
    }

    /// Counts one value of `bytes` bytes (and names it, when an anchor is waiting).
    fn value(&mut self, bytes: u64) {
        self.total.values += 1;
        self.total.bytes += bytes;
        self.events += 1;
        if let Some(name) = self.pending.take() {
            self.anchors.insert(
                name,
                Size {
                    values: 1,
                    bytes,
                    jumps: 0,
                },
            );
        }
    }

    fn alias(&mut self) -> Result<(), Refusal> {
        let (line, start, at) = (self.line, self.line_start, self.at);
        self.at += 1;
        let name = self.word();
        self.events += 1;
        let Some(size) = self.anchors.get(&name).copied() else {
            return Ok(());
        };
        self.total.values += size.values;
        self.total.bytes += size.bytes;
        self.total.jumps += 1 + size.jumps;
        if let Some(pending) = self.pending.take() {
            self.anchors.insert(pending, size);
        }
        self.jump_marks.push((self.total.jumps, line, start, at));
        if self.total.values > MAX_VALUES || self.total.bytes > MAX_TEXT_BYTES {
            return Err(Refusal {
                line,
                column: self.column_of(start, at),
                message: format!(
                    "the alias *{name} makes the document expand to more than {MAX_VALUES} \
                     values or {MAX_TEXT_BYTES} bytes (YAML aliases repeat too much)"
                ),
                help: super::budget::HELP,
            });
        }
        Ok(())
    }

    /// Everything after a line's indentation and `- ` items, up to and including its end
    /// (or further, for quoted strings and block scalars that span lines).
    fn rest_of_line(&mut self) -> Result<(), Refusal> {
        let mut token_start = true;
        while self.at < self.bytes.len() {
            let c = self.peek(0);
            match c {
                b'\n' => {
                    self.newline();
                    return Ok(());
                }
                b' ' | b'\t' | b'\r' => {
                    self.at += 1;
                    token_start = true;
                    continue;
                }
                b'#' if token_start => {
                    while self.peek(0) != b'\n' {
                        self.at += 1;
                    }
                    continue;
                }
                _ if self.root_closed && !matches!(c, b']' | b'}') => {
                    return Err(self.refuse(
                        "a second YAML document starts here, after the first one ended".into(),
                        "a scenario or answers file is one YAML document",
                    ));
                }
                b'"' | b'\'' if token_start => self.quoted(c),
                b'&' if token_start => {
                    let key_indent = self.at - self.line_start;
                    self.anchor(End::Block {
                        indent: self.indents.last().copied().unwrap_or(0).min(key_indent),
                        dash_continues: true,
                    });
                }
                b'*' if token_start => self.alias()?,
                b'!' if token_start => self.tag(),
                b'[' | b'{' if token_start || self.flow > 0 => {
                    if self.flow == 0 && self.events == 2 && self.indents.len() <= 1 {
                        self.root_flow = true;
                    }
                    self.at += 1;
                    self.flow += 1;
                    self.events += 2;
                    self.deep_enough()?;
                }
                b']' | b'}' if token_start || self.flow > 0 || self.root_closed => {
                    if self.flow == 0 {
                        return Err(self.refuse(
                            format!("`{}` closes nothing", c as char),
                            "remove it, or open the list `[` or mapping `{` it should close",
                        ));
                    }
                    self.at += 1;
                    self.flow -= 1;
                    self.root_closed = self.flow == 0 && self.root_flow;
                    if matches!(self.open.last(), Some(Open { end: End::Flow(d), .. }) if *d == self.flow)
                    {
                        self.finish_anchor();
                    }
                }
                b',' if self.flow > 0 => self.at += 1,
                b'|' | b'>' if token_start && self.flow == 0 => {
                    self.block_scalar();
                    return Ok(());
                }
                b':' if matches!(self.peek(1), b' ' | b'\n' | b'\r') => self.at += 1,
                _ => self.plain(),
            }
            token_start = match self.bytes.get(self.at.wrapping_sub(1)) {
                Some(b' ' | b'\t') => true,
                Some(b'[' | b'{' | b',') => self.flow > 0,
                _ => false,
            };
        }
        Ok(())
    }

    /// A quoted string, which may span lines; `\"` and `''` do not end it.
    fn quoted(&mut self, quote: u8) {
        let start = self.at;
        self.at += 1;
        while self.at < self.bytes.len() {
            match self.peek(0) {
                b'\\' if quote == b'"' => self.at += 2,
                b'\'' if quote == b'\'' && self.peek(1) == b'\'' => self.at += 2,
                b'\n' => self.newline(),
                q if q == quote => {
                    self.at += 1;
                    break;
                }
                _ => self.at += 1,
            }
        }
        self.at = self.at.min(self.bytes.len());
        self.value((self.at - start) as u64);
        self.maybe_root_scalar();
    }

    /// A scalar that is the whole document (the first value, at the root, not a key):
    /// nothing may follow it.
    fn maybe_root_scalar(&mut self) {
        let mut ahead = self.at;
        while matches!(self.bytes.get(ahead), Some(b' ' | b'\t')) {
            ahead += 1;
        }
        let key = self.bytes.get(ahead) == Some(&b':');
        if self.events == 3 && self.flow == 0 && self.indents.len() <= 1 && !key {
            self.root_closed = true;
        }
    }

    /// A plain value: up to `: `, a comment, the line's end or (in flow) a flow indicator.
    fn plain(&mut self) {
        let start = self.at;
        loop {
            let c = self.peek(0);
            let ends = match c {
                b'\n' | b'\r' => true,
                b':' => matches!(self.peek(1), b' ' | b'\n' | b'\r'),
                b'#' => matches!(self.bytes.get(self.at.wrapping_sub(1)), Some(b' ')),
                b',' | b'[' | b']' | b'{' | b'}' => self.flow > 0,
                _ => false,
            };
            if ends || self.at >= self.bytes.len() {
                break;
            }
            self.at += 1;
        }
        self.value((self.at - start) as u64);
        self.maybe_root_scalar();
    }

    /// `|` or `>`: the lines indented deeper than the line that starts it are text.
    fn block_scalar(&mut self) {
        let owner = self.indents.last().copied().unwrap_or(0);
        let start = self.at;
        while self.peek(0) != b'\n' && self.at < self.bytes.len() {
            self.at += 1;
        }
        loop {
            if self.at >= self.bytes.len() {
                break;
            }
            let next = self.at + 1;
            let rest = &self.bytes[next.min(self.bytes.len())..];
            let indent = rest.iter().take_while(|&&b| b == b' ').count();
            let blank = matches!(rest.get(indent), None | Some(b'\n') | Some(b'\r'));
            if !blank && indent <= owner {
                self.newline();
                break;
            }
            self.newline();
            while self.peek(0) != b'\n' && self.at < self.bytes.len() {
                self.at += 1;
            }
        }
        self.value((self.at - start) as u64);
        self.maybe_root_scalar();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(text: &str) -> (usize, usize, String) {
        let r = scan(text).expect_err("refused");
        (r.line, r.column, r.message)
    }

    #[test]
    fn real_files_pass() {
        for (_, text) in crate::scenario::BUILTIN {
            assert_eq!(scan(text), Ok(()));
        }
        let text = "a: &x [1, 2]\nb: *x\nc: |\n  ] text [\n  more }\nd: 'it''s [' # ]\n";
        assert_eq!(scan(text), Ok(()));
    }

    #[test]
    fn deep_flow_nesting_is_refused_where_it_passes_the_bound() {
        let text = format!("data: {}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            refusal(&text),
            (1, 7 + MAX_DEPTH, "nested more than 200 levels deep".into())
        );
        let text = format!("data: {}1{}", "{a: ".repeat(100_000), "}".repeat(100_000));
        assert_eq!(refusal(&text).0, 1);
    }

    #[test]
    fn deep_block_nesting_is_refused() {
        let text = format!("data:\n{}x\n", "- ".repeat(300));
        assert_eq!(refusal(&text).0, 2);
        let mut text = String::new();
        for i in 0..300 {
            text.push_str(&format!("{}a:\n", " ".repeat(i)));
        }
        assert_eq!(refusal(&text).0, 201);
    }

    #[test]
    fn a_closer_that_closes_nothing_has_a_line() {
        assert_eq!(refusal("[]\n}\n"), (2, 1, "`}` closes nothing".to_string()));
    }

    #[test]
    fn a_second_document_has_a_line() {
        assert_eq!(
            refusal("a: 1\n---\nb: 2\n"),
            (2, 1, "a second YAML document starts here".to_string())
        );
        assert_eq!(refusal("a: 1\n...\n# fine\nb: 2\n").0, 4);
        assert_eq!(scan("---\na: 1\n...\n"), Ok(()));
        assert_eq!(refusal("[][]\n").1, 3);
        assert_eq!(refusal("{a: 1}\n- x\n").0, 2);
        assert_eq!(scan("[1, 2] # fine\n\n"), Ok(()));
        assert_eq!(refusal("\"x\" 'y'\n").1, 5);
        assert_eq!(refusal("just text\n- x\n").0, 2);
        assert_eq!(scan("key: value\nother: 1\n"), Ok(()));
        assert_eq!(refusal(" a: b\n# c\nd\n").0, 3);
        assert_eq!(refusal("|\n-3\n").0, 2);
        assert_eq!(refusal("[]]\n"), (1, 3, "`]` closes nothing".to_string()));
        assert_eq!(scan("a: '---'\nb: ---x\n"), Ok(()));
    }

    #[test]
    fn an_expanding_alias_is_refused_at_its_line() {
        let mut text = format!("a: &a [{}]\n", vec!["1"; 1000].join(", "));
        text.push_str(&format!("b: &b [{}]\n", vec!["*a"; 1000].join(", ")));
        text.push_str(&format!("c: [{}]\n", vec!["*b"; 30].join(", ")));
        let (line, column, message) = refusal(&text);
        // a: 1000 values, b: 10^6; the 19th *b passes 2·10^7.
        assert_eq!((line, column), (3, 5 + 4 * 18));
        assert!(
            message.starts_with("the alias *b makes the document expand"),
            "{message}"
        );
    }

    #[test]
    fn block_anchors_are_measured() {
        // a: 2000 values; b: 2000 × 2000; the fourth *b passes 2·10^7, on line 4003 + 4.
        assert_eq!(refusal(&tagged_bomb("&a")).0, 4003 + 4);
    }

    /// A block sequence of 2000 values anchored with `props` (an anchor, perhaps with a tag)
    /// on the line before its items, repeated 2000 times by `b`, `b` ten times by `c`.
    fn tagged_bomb(props: &str) -> String {
        let mut text = format!("a: {props}\n");
        for _ in 0..2000 {
            text.push_str("  - 1\n");
        }
        text.push_str("b: &b\n");
        for _ in 0..2000 {
            text.push_str("  - *a\n");
        }
        text.push_str("c:\n");
        for _ in 0..10 {
            text.push_str("  - *b\n");
        }
        text
    }

    #[test]
    fn an_anchor_on_a_tagged_node_measures_the_node_not_the_tag() {
        for props in [
            "&a !!seq",
            "!!seq &a",
            "&a !<tag:yaml.org,2002:seq>",
            "&a !!seq # the items follow",
        ] {
            // As for the untagged block anchors: the fourth *b, on line 4003 + 4.
            assert_eq!(refusal(&tagged_bomb(props)).0, 4003 + 4, "{props}");
        }
        let mut text = format!("s: &s !!str\n  {}\n", "x".repeat(100_000));
        text.push_str(&format!("c: [{}]\n", vec!["*s"; 1000].join(", ")));
        // s: 100,001 bytes with its key; the 999th alias passes 10^8.
        let (line, column, message) = refusal(&text);
        assert_eq!((line, column), (3, 5 + 4 * 998), "{message}");
        let text = "- &a !!str\n  text\n- *a\n- !!seq\n  - *a\n- !<x> &b [*a]\n- *b\n";
        assert_eq!(scan(text), Ok(()));
    }

    #[test]
    fn repeated_anchors_inside_anchors_are_refused_at_an_alias() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/broken/alias-bomb.yaml"
        ))
        .unwrap();
        let r = scan(&text).expect_err("refused");
        assert_eq!((r.line, r.column), (9, 20), "{r:?}");
    }
}
