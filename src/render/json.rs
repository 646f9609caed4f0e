//! The trace as one JSON object (SPEC section 4). Values are full-precision numbers.
//!
//! The object is written as it is produced: each quantity is explained, written and
//! forgotten, so a trace of millions of quantities never exists whole as JSON in memory.

use super::Options;
use crate::formula::Rendering;
use crate::network::Explainer;
use crate::scenario::Scenario;
use crate::trace::{Entry, Kind};
use serde::Serialize;
use serde::ser::{SerializeSeq, Serializer};
use serde_json::ser::Formatter;
use std::borrow::Cow;
use std::io;

/// Writes the trace as pretty-printed JSON (two-space indent), ending with a newline:
/// the text `serde_json::to_string_pretty` gives for [`render`]'s value, with DEL and the
/// C1 controls escaped too ([`Escaping`]). The quantities, nearly all of the text, are
/// written by [`write_quantity`] without serde's per-field machinery; the few small
/// fields around them go through serde.
pub fn write(
    out: &mut dyn io::Write,
    s: &Scenario,
    pattern: usize,
    ex: &Explainer,
    opts: &Options,
    round: Option<u32>,
) -> io::Result<()> {
    let doc = document(s, pattern, ex, opts, round);
    let mut out = Chunked::new(out);
    out.bytes.push(b'{');
    field(&mut out, "scenario", &doc.scenario, true)?;
    field(&mut out, "pattern", &doc.pattern, false)?;
    field(&mut out, "round", &doc.round, false)?;
    field(&mut out, "conventions", &doc.conventions, false)?;
    field(&mut out, "layers", &doc.layers, false)?;
    out.bytes.extend_from_slice(b",\n  \"quantities\": [");
    write_quantities(&mut out, ex, opts)?;
    field(&mut out, "routes", &doc.routes, false)?;
    field(&mut out, "masks", &doc.masks, false)?;
    out.bytes.extend_from_slice(b"\n}\n");
    out.flush()
}

/// One top-level field, `"name": value`, the value written by serde one level deep.
fn field(out: &mut Chunked, name: &str, value: &impl Serialize, first: bool) -> io::Result<()> {
    out.bytes
        .extend_from_slice(if first { b"\n  \"" } else { b",\n  \"" });
    out.bytes.extend_from_slice(name.as_bytes());
    out.bytes.extend_from_slice(b"\": ");
    let formatter = Escaping {
        depth: 1,
        has_value: false,
    };
    let mut json = serde_json::Serializer::with_formatter(&mut out.bytes, formatter);
    value.serialize(&mut json).map_err(io::Error::from)?;
    out.spill()
}

/// Output gathered in memory and passed on in large pieces.
struct Chunked<'w> {
    bytes: Vec<u8>,
    out: &'w mut dyn io::Write,
}

impl<'w> Chunked<'w> {
    const SIZE: usize = 1 << 16;

    fn new(out: &'w mut dyn io::Write) -> Self {
        Chunked {
            bytes: Vec::with_capacity(2 * Self::SIZE),
            out,
        }
    }

    /// Passes the gathered bytes on once there are enough of them.
    fn spill(&mut self) -> io::Result<()> {
        if self.bytes.len() >= Self::SIZE {
            self.out.write_all(&self.bytes)?;
            self.bytes.clear();
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.write_all(&self.bytes)?;
        self.bytes.clear();
        self.out.flush()
    }
}

/// Every quantity in the order recorded, each explained, written and forgotten.
fn write_quantities(out: &mut Chunked, ex: &Explainer, opts: &Options) -> io::Result<()> {
    let entries = ex.entries();
    let mut buffers = Buffers::default();
    for (i, e) in entries.iter().enumerate() {
        out.bytes
            .extend_from_slice(if i == 0 { b"\n    {" } else { b",\n    {" });
        quantity(ex, opts, e, &mut buffers, |q| {
            write_quantity(&mut out.bytes, q)
        });
        out.bytes.extend_from_slice(b"\n    }");
        out.spill()?;
    }
    if !entries.is_empty() {
        out.bytes.extend_from_slice(b"\n  ");
    }
    out.bytes.push(b']');
    Ok(())
}

/// The fields of one quantity, as serde writes [`Quantity`] two levels deep.
fn write_quantity(out: &mut Vec<u8>, q: &Quantity) {
    let text = |out: &mut Vec<u8>, name: &[u8], value: &str| {
        out.extend_from_slice(name);
        write_string(out, value);
    };
    text(out, b"\n      \"id\": ", q.id);
    text(out, b",\n      \"layer\": ", q.layer);
    text(out, b",\n      \"phase\": ", q.phase);
    text(out, b",\n      \"kind\": ", q.kind);
    text(out, b",\n      \"name\": ", q.name);
    text(out, b",\n      \"symbol\": ", &q.symbol);
    out.extend_from_slice(b",\n      \"value\": ");
    if q.value.is_finite() {
        out.extend_from_slice(ryu::Buffer::new().format_finite(q.value).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
    text(out, b",\n      \"formula\": ", &q.formula);
    text(out, b",\n      \"substituted\": ", &q.substituted);
    match &q.note {
        Some(note) => text(out, b",\n      \"note\": ", note),
        None => out.extend_from_slice(b",\n      \"note\": null"),
    }
}

/// What a byte of a string becomes in JSON: 0 stays itself, `u` is written `\u00XX`,
/// any other is written after a backslash (serde_json's table, with DEL added).
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table[0x7f] = b'u';
    table
};

/// Whether any of the eight bytes of `w` needs a look: a control (below 0x20), `"`, `\`,
/// DEL, or 0xC2 followed by 0x80–0x9F (a C1 control; not `·`, 0xC2 0xB7) or ending the
/// word. A byte b is flagged by (b − 1) & !b & 0x80 when it is 0, so b ^ c flags b = c,
/// and (b − 0x20) & !b & 0x80 flags b < 0x20; a byte that should be is always flagged.
#[inline]
fn needs_look(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    let equal = |c: u8| zero(w ^ (ONES * u64::from(c)));
    let lead = equal(0xc2);
    let c1_second = zero((w & (ONES * 0xe0)) ^ (ONES * 0x80));
    let c1 = (lead << 8) & c1_second | lead >> 56;
    below_space | equal(b'"') | equal(b'\\') | equal(0x7f) | c1 != 0
}

/// `s` as a JSON string, escaped as [`Escaping`] escapes it: serde_json's escapes, plus
/// DEL and the C1 controls (U+0080–U+009F, the bytes 0xC2 0x80–0x9F) as `\u00XX`.
fn write_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(word) = bytes.get(i..i + 8)
            && !needs_look(u64::from_le_bytes(word.try_into().expect("eight bytes")))
        {
            i += 8;
            continue;
        }
        let b = bytes[i];
        if ESCAPE[usize::from(b)] == 0 && b != 0xc2 {
            i += 1;
            continue;
        }
        let (code, len) = match bytes.get(i + 1) {
            Some(&next @ 0x80..=0x9f) if b == 0xc2 => (next, 2),
            _ if b == 0xc2 => {
                i += 1;
                continue;
            }
            _ => (b, 1),
        };
        out.extend_from_slice(&bytes[start..i]);
        match ESCAPE[usize::from(code)] {
            short @ (b'"' | b'\\' | b'b' | b't' | b'n' | b'f' | b'r') if len == 1 => {
                out.extend_from_slice(&[b'\\', short])
            }
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(code >> 4)],
                HEX[usize::from(code & 0xf)],
            ]),
        }
        i += len;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// The whole JSON text, as [`write`] writes it (the command line streams instead).
pub fn text(
    s: &Scenario,
    pattern: usize,
    ex: &Explainer,
    opts: &Options,
    round: Option<u32>,
) -> String {
    let mut out = Vec::new();
    write(&mut out, s, pattern, ex, opts, round).expect("writing to memory");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// The trace as a JSON value (for tests that look into it).
pub fn render(
    s: &Scenario,
    pattern: usize,
    ex: &Explainer,
    opts: &Options,
    round: Option<u32>,
) -> serde_json::Value {
    serde_json::to_value(document(s, pattern, ex, opts, round)).expect("JSON of plain values")
}

fn document<'a>(
    s: &'a Scenario,
    pattern: usize,
    ex: &'a Explainer<'a>,
    opts: &'a Options,
    round: Option<u32>,
) -> Document<'a> {
    let c = &s.setup.conventions;
    Document {
        scenario: &s.name,
        pattern,
        round,
        conventions: Conventions {
            relu_grad_at_zero: u8::from(c.relu_passes_zero),
            maxpool_ties: c.maxpool_ties.as_str(),
            convolution: c.convolution.as_str(),
        },
        layers: layers(ex),
        quantities: Quantities { ex, opts },
        routes: Routes { ex },
        masks: Masks { ex },
    }
}

/// serde_json's pretty layout (two-space indent, as `to_string_pretty` writes it), each
/// line break and its indent written in one piece; in strings DEL and the C1 controls
/// (U+0080–U+009F) are escaped as well as the C0 controls serde escapes itself: the JSON
/// holds no control character but its newlines, so it is safe to send to a terminal as
/// it is written ([`crate::output::stream_escaped`]).
#[derive(Default)]
struct Escaping {
    depth: usize,
    has_value: bool,
}

/// A line break and the deepest indent written: the start of it is each line's.
const INDENT: &[u8; 65] = b"\n                                                                ";

impl Escaping {
    /// A line break and the indent of the current depth.
    fn new_line<W: ?Sized + io::Write>(&self, w: &mut W) -> io::Result<()> {
        let mut spaces = 2 * self.depth;
        w.write_all(&INDENT[..1 + spaces.min(64)])?;
        while spaces > 64 {
            spaces -= 64;
            w.write_all(&INDENT[1..1 + spaces.min(64)])?;
        }
        Ok(())
    }

    fn open<W: ?Sized + io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.new_line(w)?;
        }
        w.write_all(bracket)
    }

    fn item<W: ?Sized + io::Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.new_line(w)
    }
}

impl Formatter for Escaping {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let bytes = fragment.as_bytes();
        let mut start = 0;
        // DEL, or the first byte of U+0080–U+009F (0xC2 0x80–0x9F); 0xC2 also starts `·`.
        for i in memchr::memchr2_iter(0x7f, 0xc2, bytes) {
            let (code, len) = match (bytes[i], bytes.get(i + 1)) {
                (0x7f, _) => (0x7f, 1),
                (_, Some(&next)) if (0x80..0xa0).contains(&next) => (u32::from(next), 2),
                _ => continue,
            };
            w.write_all(&bytes[start..i])?;
            write!(w, "\\u{code:04x}")?;
            start = i + len;
        }
        w.write_all(&bytes[start..])
    }
}

#[derive(Serialize)]
struct Document<'a> {
    scenario: &'a str,
    pattern: usize,
    round: Option<u32>,
    conventions: Conventions,
    layers: Vec<LayerJson<'a>>,
    quantities: Quantities<'a>,
    routes: Routes<'a>,
    masks: Masks<'a>,
}

#[derive(Serialize)]
struct Conventions {
    relu_grad_at_zero: u8,
    maxpool_ties: &'static str,
    convolution: &'static str,
}

/// One layer as the JSON lists it: the input first, then every layer in order.
#[derive(Serialize)]
struct LayerJson<'a> {
    name: &'a str,
    kind: &'static str,
    /// `[channels, rows, columns]`, `[channels, length]`, or `[n]` for a plain vector.
    shape: Vec<usize>,
}

fn layers<'a>(ex: &'a Explainer<'a>) -> Vec<LayerJson<'a>> {
    let input = LayerJson {
        name: "input",
        kind: "input",
        shape: ex.net.input_shape.dims(),
    };
    let layers = ex.net.layers.iter().map(|l| LayerJson {
        name: l.name(),
        kind: l.kind(),
        shape: l.shape().dims(),
    });
    std::iter::once(input).chain(layers).collect()
}

/// Every quantity in the order recorded, each written as soon as it is explained.
struct Quantities<'a> {
    ex: &'a Explainer<'a>,
    opts: &'a Options,
}

/// One quantity as written.
#[derive(Serialize)]
struct Quantity<'a> {
    id: &'a str,
    layer: &'a str,
    phase: &'static str,
    kind: &'static str,
    name: &'a str,
    symbol: Cow<'a, str>,
    value: f64,
    formula: Cow<'a, str>,
    substituted: Cow<'a, str>,
    note: Option<Cow<'a, str>>,
}

impl Serialize for Quantities<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (ex, opts) = (self.ex, self.opts);
        let entries = ex.entries();
        let mut seq = serializer.serialize_seq(Some(entries.len()))?;
        let mut buffers = Buffers::default();
        for e in entries {
            quantity(ex, opts, e, &mut buffers, |q| seq.serialize_element(q))?;
        }
        seq.end()
    }
}

/// The text of a quantity's formula, kept from one quantity to the next so that rendering
/// allocates only while the buffers grow.
#[derive(Default)]
struct Buffers {
    id: String,
    formula: String,
    substituted: String,
}

/// Explains one entry and hands it, as written, to `write`. The formula's two renderings
/// are derived from one tree into the reused `buffers`.
fn quantity<T>(
    ex: &Explainer,
    opts: &Options,
    e: &Entry,
    buffers: &mut Buffers,
    write: impl FnOnce(&Quantity) -> T,
) -> T {
    let explained = ex.explain(e.key);
    let (formula, substituted) = (&mut buffers.formula, &mut buffers.substituted);
    formula.clear();
    substituted.clear();
    let digits = opts.digits;
    explained
        .formula
        .render_into(Rendering::Symbolic, digits, formula);
    explained
        .formula
        .render_into(Rendering::Substituted, digits, substituted);
    let name = ex.name(e.key);
    buffers.id.clear();
    ex.write_id(e.key, &name, &mut buffers.id);
    write(&Quantity {
        id: &buffers.id,
        layer: ex.net.layer_name(e.key.layer),
        phase: e.key.kind.phase().as_str(),
        kind: e.key.kind.as_str(),
        name: &name,
        symbol: shown(opts, &explained.symbol),
        value: e.value,
        formula: shown(opts, formula),
        substituted: shown(opts, substituted),
        note: explained
            .note
            .as_ref()
            .filter(|n| !n.text.is_empty())
            .map(|n| shown(opts, &n.text)),
    })
}

/// Text as shown: borrowed unless it has to be spelt in ASCII.
fn shown<'a>(opts: &Options, s: &'a str) -> Cow<'a, str> {
    if opts.ascii {
        Cow::Owned(super::asciify(s))
    } else {
        Cow::Borrowed(s)
    }
}

/// Each pooled output: the inputs chosen as the maximum, its window and their values.
struct Routes<'a> {
    ex: &'a Explainer<'a>,
}

#[derive(Serialize)]
struct RouteJson<'a> {
    id: String,
    from: Vec<&'a String>,
    window: Vec<&'a String>,
    values: Vec<f64>,
    share: f64,
}

impl Serialize for Routes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let ex = self.ex;
        serializer.collect_seq(ex.trace.routes().map(|route| {
            let prev = ex.net.node_names(route.key.layer - 1);
            let from: Vec<&String> = route.chosen.iter().map(|&i| &prev[i as usize]).collect();
            let window = ex
                .net
                .layer(route.key.layer)
                .map_or(Vec::new(), |l| l.window(route.key.index as usize));
            let values: Vec<f64> = window
                .iter()
                .map(|&i| ex.value(route.key.layer - 1, Kind::Out, i))
                .collect();
            RouteJson {
                id: format!(
                    "{}.route.{}",
                    ex.net.layer_name(route.key.layer),
                    ex.name(route.key)
                ),
                from,
                window: window.iter().map(|&i| &prev[i]).collect(),
                values,
                share: route.share,
            }
        }))
    }
}

/// Each ReLU node: whether it passed the gradient (its derivative) and what it saw.
struct Masks<'a> {
    ex: &'a Explainer<'a>,
}

#[derive(Serialize)]
struct Mask {
    id: String,
    passed: bool,
    input: f64,
}

impl Serialize for Masks<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let ex = self.ex;
        let masks = ex
            .entries()
            .iter()
            .filter(|e| {
                e.key.kind == Kind::Dact && ex.net.layer(e.key.layer).is_some_and(|l| l.masks())
            })
            .map(|e| Mask {
                id: format!("{}.mask.{}", ex.net.layer_name(e.key.layer), ex.name(e.key)),
                passed: e.value != 0.0,
                input: ex.value(e.key.layer - 1, Kind::Out, e.key.index as usize),
            });
        serializer.collect_seq(masks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn del_and_c1_controls_are_escaped_and_other_text_is_left_alone() {
        let mut out = Vec::new();
        let mut json = serde_json::Serializer::with_formatter(&mut out, Escaping::default());
        ["a\u{7f}b·c\u{85}d\u{1b}\u{c2}", "∂L/∂w\u{9f}"]
            .serialize(&mut json)
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "[\n  \"a\\u007fb·c\\u0085d\\u001b\u{c2}\",\n  \"∂L/∂w\\u009f\"\n]"
        );
    }

    /// `write_string` escapes as serde_json with [`Escaping`] does, character by character
    /// over the controls, ASCII, the C1 block and beyond (at each place in an eight-byte
    /// word), and in mixed strings.
    #[test]
    fn strings_are_written_as_serde_writes_them() {
        let mut cases: Vec<String> = (0u32..0x300)
            .filter_map(char::from_u32)
            .flat_map(|c| (0..9).map(move |at| format!("{}{c}ijklmnopq", &"abcdefgh"[..at])))
            .collect();
        cases.extend(
            [
                "",
                "\"\\",
                "∂L/∂w·x\u{85}²\u{c2}\u{9f}",
                "\u{7f}\u{7f}",
                "\n\t\r\u{8}\u{c}",
            ]
            .map(String::from),
        );
        for case in cases {
            let mut ours = Vec::new();
            write_string(&mut ours, &case);
            let mut theirs = Vec::new();
            let mut json = serde_json::Serializer::with_formatter(&mut theirs, Escaping::default());
            case.serialize(&mut json).unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(theirs).unwrap(),
                "{case:?}"
            );
        }
    }

    /// The written JSON is exactly the document serde writes through [`Escaping`], for
    /// every built-in, rounded or not, in Unicode and in ASCII.
    #[test]
    fn the_written_document_is_serdes() {
        for s in crate::scenario::builtins() {
            for (round, ascii) in [(None, false), (Some(3), true)] {
                let t = s.trace(
                    0,
                    crate::trace::Policy {
                        round,
                        ..Default::default()
                    },
                );
                let ex = s.explainer(0, &t);
                let opts = Options {
                    digits: 6,
                    ascii,
                    color: false,
                    width: super::super::DEFAULT_WIDTH,
                };
                let mut theirs = Vec::new();
                let mut json =
                    serde_json::Serializer::with_formatter(&mut theirs, Escaping::default());
                document(&s, 0, &ex, &opts, round)
                    .serialize(&mut json)
                    .unwrap();
                theirs.push(b'\n');
                assert!(
                    text(&s, 0, &ex, &opts, round).as_bytes() == theirs,
                    "{} (round {round:?}, ascii {ascii})",
                    s.name
                );
            }
        }
    }
}
