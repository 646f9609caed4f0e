//! Formulas as small expression trees.
//!
//! One tree renders twice: with names (`In1·w1 + In2·w2`) and with the numbers put in
//! (`1·0.1 + 1·0.1`), so the symbolic and the substituted formula can never disagree.
//! Every substituted formula is written so a student can re-type it into a calculator:
//! negative numbers are parenthesised wherever a sign could be misread.

pub use crate::numbers::round_sig;
use crate::numbers::{self, Decimal};
use crate::trace::Key;

/// An expression whose leaves carry both a name and the value that was used.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A literal constant, printed the same way in both renderings (`1`, `2`).
    Num(f64),
    /// A named value: the name in the symbolic rendering, the number in the substituted one;
    /// the key of the traced quantity it is, when it is one.
    Var(String, f64, Option<Key>),
    Add(Vec<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Mul(Vec<Expr>),
    Div(Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    /// `e^x`
    Exp(Box<Expr>),
    /// `x²`
    Square(Box<Expr>),
    /// A named function of its arguments: `σ(x)`, `tanh(x)`, `max(a, b)`, `ln(x)`, `log10(x)`.
    Call(&'static str, Vec<Expr>),
    /// Iverson bracket `[x ≥ 0]` (inclusive) or `[x > 0]`: 1 when it holds, 0 otherwise.
    Step(Box<Expr>, bool),
}

/// Which of the two renderings to produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rendering {
    Symbolic,
    Substituted,
}

/// Binding strength of a rendered piece: lower binds looser.
const SUM: u8 = 1;
const PRODUCT: u8 = 2;
const POWER: u8 = 4;
const ATOM: u8 = 6;

pub fn var(name: impl Into<String>, value: f64) -> Expr {
    Expr::Var(name.into(), value, None)
}

/// A named value that is a traced quantity.
pub fn quantity(name: impl Into<String>, value: f64, key: Key) -> Expr {
    Expr::Var(name.into(), value, Some(key))
}

impl Expr {
    pub fn mul(factors: Vec<Expr>) -> Expr {
        Expr::Mul(factors)
    }
    pub fn add(terms: Vec<Expr>) -> Expr {
        if terms.len() == 1 {
            terms.into_iter().next().expect("one term")
        } else {
            Expr::Add(terms)
        }
    }
    pub fn minus(a: Expr, b: Expr) -> Expr {
        Expr::Sub(Box::new(a), Box::new(b))
    }
    pub fn over(a: Expr, b: Expr) -> Expr {
        Expr::Div(Box::new(a), Box::new(b))
    }
    pub fn negate(a: Expr) -> Expr {
        Expr::Neg(Box::new(a))
    }
    pub fn exp(a: Expr) -> Expr {
        Expr::Exp(Box::new(a))
    }
    pub fn square(a: Expr) -> Expr {
        Expr::Square(Box::new(a))
    }
    pub fn call(name: &'static str, args: Vec<Expr>) -> Expr {
        Expr::Call(name, args)
    }
    pub fn step(a: Expr, inclusive: bool) -> Expr {
        Expr::Step(Box::new(a), inclusive)
    }

    /// Renders with names or with numbers; numbers get `digits` significant digits.
    pub fn render(&self, how: Rendering, digits: usize) -> String {
        let mut out = String::new();
        self.render_into(how, digits, &mut out);
        out
    }

    /// As [`Expr::render`], appended to `out`: one buffer can serve every formula of a
    /// trace, so rendering allocates nothing once it has grown.
    pub fn render_into(&self, how: Rendering, digits: usize, out: &mut String) {
        self.write_piece(how, digits, out);
    }

    /// Appends this expression in plain text and returns how strongly it binds.
    fn write_piece(&self, how: Rendering, digits: usize, out: &mut String) -> u8 {
        let sub = |e: &Expr, needed: u8, first: bool, out: &mut String| {
            let start = out.len();
            let strength = e.write_piece(how, digits, out);
            wrap_in_place(out, start, strength, needed, first);
        };
        match self {
            Expr::Num(v) => {
                number_into(*v, digits, out);
                ATOM
            }
            Expr::Var(name, v, _) => {
                match how {
                    Rendering::Symbolic => out.push_str(name),
                    Rendering::Substituted => number_into(*v, digits, out),
                }
                ATOM
            }
            Expr::Add(terms) => {
                for (i, t) in terms.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" + ");
                    }
                    sub(t, if i == 0 { SUM } else { PRODUCT }, i == 0, out);
                }
                SUM
            }
            Expr::Sub(a, b) => {
                sub(a, SUM, true, out);
                out.push_str(" − ");
                sub(b, PRODUCT, false, out);
                SUM
            }
            Expr::Mul(factors) => {
                for (i, f) in factors.iter().enumerate() {
                    if i > 0 {
                        out.push('·');
                    }
                    sub(f, if i == 0 { PRODUCT } else { 3 }, i == 0, out);
                }
                PRODUCT
            }
            Expr::Div(a, b) => {
                sub(a, PRODUCT, true, out);
                out.push_str(" / ");
                sub(b, POWER, false, out);
                PRODUCT
            }
            Expr::Neg(a) => {
                out.push('−');
                sub(a, PRODUCT, false, out);
                PRODUCT
            }
            Expr::Exp(a) => {
                out.push_str("e^");
                sub(a, ATOM, false, out);
                POWER
            }
            Expr::Square(a) => {
                sub(a, ATOM, false, out);
                out.push('²');
                POWER
            }
            Expr::Call(name, args) => {
                out.push_str(name);
                out.push('(');
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    a.write_piece(how, digits, out);
                }
                out.push(')');
                ATOM
            }
            Expr::Step(a, inclusive) => {
                out.push('[');
                a.write_piece(how, digits, out);
                out.push_str(if *inclusive { " ≥ 0]" } else { " > 0]" });
                ATOM
            }
        }
    }

    /// The same as LaTeX math (without the surrounding `$`).
    pub fn render_latex(&self, how: Rendering, digits: usize) -> String {
        self.piece(how, digits).0.replace('−', "-")
    }

    /// A piece of LaTeX math and how strongly it binds.
    fn piece(&self, how: Rendering, digits: usize) -> (String, u8) {
        match self {
            Expr::Num(v) => (plain_number(*v, digits), ATOM),
            Expr::Var(name, v, _) => match how {
                Rendering::Symbolic => (latex_name(name), ATOM),
                Rendering::Substituted => (plain_number(*v, digits), ATOM),
            },
            _ => self.latex_piece(how, digits),
        }
    }
}

impl Expr {
    /// The traced quantities this expression reads.
    pub fn operands(&self) -> Vec<Key> {
        let mut keys = Vec::new();
        self.collect_operands(&mut keys);
        keys
    }

    /// Every named value the expression reads, in order of appearance, once each: its
    /// name, its value, and the traced quantity it is, where it is one.
    pub fn named_values(&self) -> Vec<(&str, f64, Option<Key>)> {
        let mut out: Vec<(&str, f64, Option<Key>)> = Vec::new();
        self.collect_named(&mut out);
        out
    }

    fn collect_named<'e>(&'e self, out: &mut Vec<(&'e str, f64, Option<Key>)>) {
        match self {
            Expr::Num(_) => {}
            Expr::Var(name, v, key) => {
                if !out.iter().any(|(n, _, k)| n == name && k == key) {
                    out.push((name, *v, *key));
                }
            }
            Expr::Add(xs) | Expr::Mul(xs) | Expr::Call(_, xs) => {
                xs.iter().for_each(|x| x.collect_named(out))
            }
            Expr::Sub(a, b) | Expr::Div(a, b) => {
                a.collect_named(out);
                b.collect_named(out);
            }
            Expr::Neg(a) | Expr::Exp(a) | Expr::Square(a) | Expr::Step(a, _) => {
                a.collect_named(out)
            }
        }
    }

    fn collect_operands(&self, keys: &mut Vec<Key>) {
        match self {
            Expr::Num(_) | Expr::Var(_, _, None) => {}
            Expr::Var(_, _, Some(key)) => keys.push(*key),
            Expr::Add(xs) | Expr::Mul(xs) | Expr::Call(_, xs) => {
                xs.iter().for_each(|x| x.collect_operands(keys))
            }
            Expr::Sub(a, b) | Expr::Div(a, b) => {
                a.collect_operands(keys);
                b.collect_operands(keys);
            }
            Expr::Neg(a) | Expr::Exp(a) | Expr::Square(a) | Expr::Step(a, _) => {
                a.collect_operands(keys)
            }
        }
    }

    /// The value of the expression, its sums snapped as the engine's are
    /// ([`crate::numbers`]), with each traced quantity's value taken from
    /// `value_of(key, recorded value)`: the same formula with other operands, as when a
    /// checker asks what a mistaken step would have given.
    pub fn eval(&self, value_of: &dyn Fn(Key, f64) -> f64) -> f64 {
        let ev = |e: &Expr| e.eval(value_of);
        match self {
            Expr::Num(v) => *v,
            Expr::Var(_, v, None) => *v,
            Expr::Var(_, v, Some(key)) => value_of(*key, *v),
            Expr::Add(terms) => numbers::sum(terms.iter().map(ev)),
            Expr::Sub(a, b) => numbers::difference(ev(a), ev(b)),
            Expr::Mul(factors) => factors.iter().map(ev).product(),
            Expr::Div(a, b) => ev(a) / ev(b),
            Expr::Neg(a) => -ev(a),
            Expr::Exp(a) => ev(a).exp(),
            Expr::Square(a) => ev(a).powi(2),
            Expr::Call(name, args) => {
                let x = args.first().map_or(0.0, ev);
                match *name {
                    "σ" => crate::network::activation::sigmoid(x),
                    "tanh" => x.tanh(),
                    "ln" => x.ln(),
                    "log10" => x.log10(),
                    "max" => args.iter().map(ev).fold(f64::NEG_INFINITY, f64::max),
                    _ => f64::NAN,
                }
            }
            Expr::Step(a, inclusive) => {
                let x = ev(a);
                f64::from(u8::from(x > 0.0 || (*inclusive && x == 0.0)))
            }
        }
    }
}

impl Expr {
    fn latex_piece(&self, how: Rendering, digits: usize) -> (String, u8) {
        let sub = |e: &Expr| e.piece(how, digits);
        let join = |xs: &[Expr], sep: &str, first: u8, rest: u8| -> String {
            xs.iter()
                .enumerate()
                .map(|(i, x)| {
                    wrap(
                        minus_sign(sub(x)),
                        if i == 0 { first } else { rest },
                        i == 0,
                    )
                })
                .collect::<Vec<_>>()
                .join(sep)
        };
        match self {
            Expr::Add(terms) => (join(terms, " + ", SUM, PRODUCT), SUM),
            Expr::Sub(a, b) => (
                format!(
                    "{} - {}",
                    wrap(minus_sign(sub(a)), SUM, true),
                    wrap(minus_sign(sub(b)), PRODUCT, false)
                ),
                SUM,
            ),
            Expr::Mul(factors) => (join(factors, " \\cdot ", PRODUCT, 3), PRODUCT),
            // A fraction cannot break across lines: a long one is written inline, where
            // the line may break at each + of the denominator.
            Expr::Div(a, b) => {
                let (num, den) = (sub(a), sub(b));
                if num.0.len() + den.0.len() <= 60 {
                    (format!("\\frac{{{}}}{{{}}}", num.0, den.0), ATOM)
                } else {
                    let num = wrap(minus_sign(num), PRODUCT, true);
                    let den = wrap(minus_sign(den), POWER, false);
                    (format!("{num}/{den}"), PRODUCT)
                }
            }
            Expr::Neg(a) => (
                format!("-{}", wrap(minus_sign(sub(a)), PRODUCT, false)),
                PRODUCT,
            ),
            Expr::Exp(a) => (format!("e^{{{}}}", sub(a).0), POWER),
            Expr::Square(a) => (
                format!("{}^{{2}}", wrap(minus_sign(sub(a)), ATOM, false)),
                POWER,
            ),
            Expr::Call(name, args) => {
                let f = match *name {
                    "σ" => "\\sigma",
                    "tanh" => "\\tanh",
                    "ln" => "\\ln",
                    "log10" => "\\log_{10}",
                    "max" => "\\max",
                    other => other,
                };
                let parts: Vec<String> = args.iter().map(|a| sub(a).0).collect();
                (format!("{f}({})", parts.join(", ")), ATOM)
            }
            Expr::Step(a, inclusive) => {
                let op = if *inclusive { "\\geq" } else { ">" };
                (format!("[{} {op} 0]", sub(a).0), ATOM)
            }
            Expr::Num(_) | Expr::Var(..) => sub(self),
        }
    }
}

/// LaTeX writes a minus as `-`; `wrap` looks for the Unicode one.
fn minus_sign((text, strength): (String, u8)) -> (String, u8) {
    match text.strip_prefix('-') {
        Some(rest) => (format!("−{rest}"), strength),
        None => (text, strength),
    }
}

/// A quantity's name as LaTeX math, for pdflatex and MathJax alike: `∂L/∂w1` →
/// `\partial L/\partial w1`. Every character that means something to TeX is escaped, so a
/// name can never run a command (`\input{f}` prints as text); `L_i` is the subscript it
/// stands for; a long name gets break points.
pub fn latex_name(name: &str) -> String {
    let (mut out, rest) = match name.strip_prefix("L_i") {
        Some(rest) if !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') => {
            ("L_i".to_string(), rest)
        }
        _ => (String::new(), name),
    };
    // Printed width in characters: a code point written out takes eight.
    let width = |c: char| {
        let printable = c.is_ascii() || c as u32 <= 0x17f;
        if printable || crate::render::document::math_char(c).is_some() {
            1
        } else {
            8
        }
    };
    let long = rest.chars().map(width).sum::<usize>() > 8;
    let mut run = 0;
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\backslash "),
            '{' | '}' | '_' | '%' | '#' | '$' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '^' => out.push_str("\\hat{\\ }"),
            '~' => out.push_str("\\sim "),
            '"' => out.push_str("''"),
            '`' => out.push_str("\\grave{\\ }"),
            ' ' => out.push_str("\\ "),
            '·' => out.push_str(" \\cdot "),
            '−' => out.push('-'),
            '-' => out.push_str("\\text{-}"),
            c if c.is_ascii() => out.push(c),
            c => match crate::render::document::math_char(c) {
                Some(m) if m.starts_with('\\') => {
                    out.push_str(m);
                    out.push(' ');
                }
                Some(m) => out.push_str(m),
                None if ('\u{c0}'..='\u{17f}').contains(&c) => {
                    out.push_str(&format!("\\text{{{c}}}"))
                }
                None => out.push_str(&format!("\\text{{[U+{:04X}]}}", c as u32)),
            },
        }
        // `·` and spaces are already places to break.
        run = if matches!(c, '·' | ' ') {
            0
        } else {
            run + width(c)
        };
        if long && (matches!(c, '_' | '@') || run >= 8) && chars.peek().is_some() {
            out.push_str("\\allowbreak ");
            run = 0;
        }
    }
    out.trim_end().to_string()
}

/// Parenthesises the piece written at `out[start..]` when it binds looser than `needed`,
/// or when it starts with a minus sign where a sign would be misread (anywhere but first).
fn wrap_in_place(out: &mut String, start: usize, strength: u8, needed: u8, first: bool) {
    let signed = out[start..].starts_with('−');
    if strength < needed || (signed && !first) {
        out.insert(start, '(');
        out.push(')');
    }
}

/// Parenthesises a piece that binds looser than `needed`, or that starts with a minus
/// sign where a sign would be misread (anywhere but first).
fn wrap((text, strength): (String, u8), needed: u8, first: bool) -> String {
    let signed = text.starts_with('−');
    if strength < needed || (signed && !first) {
        format!("({text})")
    } else {
        text
    }
}

/// A number with `digits` significant digits, trailing zeros dropped, a true minus sign;
/// scientific notation only for very small or very large magnitudes.
pub fn number(x: f64, digits: usize) -> String {
    let mut out = String::new();
    number_into(x, digits, &mut out);
    out
}

/// [`number`], appended to `out`. A trace shows the same value in many formulas (an
/// input in every window that holds it, a weight at every position), so the text of
/// recently shown numbers is kept ([`Shown`]).
pub fn number_into(x: f64, digits: usize, out: &mut String) {
    SHOWN.with_borrow_mut(|shown| shown.write(x, digits, out));
}

thread_local! {
    static SHOWN: std::cell::RefCell<Shown> = std::cell::RefCell::new(Shown::default());
}

/// The text [`number`] gave for recently shown values: a direct-mapped table of
/// [`Shown::SLOTS`] entries keyed by the value's bits and the digits asked.
#[derive(Default)]
struct Shown {
    slots: Vec<ShownSlot>,
}

#[derive(Clone, Copy)]
struct ShownSlot {
    bits: u64,
    digits: usize,
    len: u8,
    text: [u8; 32],
}

impl Shown {
    const SLOTS: usize = 4096;

    /// The slot of a value (whatever the digits: a trace shows every number with the
    /// same digits).
    fn slot_of(bits: u64) -> usize {
        let hash = bits.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 52;
        hash as usize % Self::SLOTS
    }

    fn write(&mut self, x: f64, digits: usize, out: &mut String) {
        if self.slots.is_empty() {
            let empty = ShownSlot {
                bits: 0,
                digits: usize::MAX,
                len: 0,
                text: [0; 32],
            };
            self.slots = vec![empty; Self::SLOTS];
        }
        let bits = x.to_bits();
        let slot = &mut self.slots[Self::slot_of(bits)];
        if slot.bits == bits && slot.digits == digits {
            let text = &slot.text[..usize::from(slot.len)];
            out.push_str(std::str::from_utf8(text).expect("kept from a str"));
            return;
        }
        let start = out.len();
        write_number(x, digits, "−", out);
        let text = &out.as_bytes()[start..];
        if text.len() <= slot.text.len() {
            slot.text[..text.len()].copy_from_slice(text);
            (slot.bits, slot.digits, slot.len) = (bits, digits, text.len() as u8);
        }
    }
}

/// Like [`number`] but with an ASCII hyphen-minus. The digits are the value's decimal
/// digits rounded as a calculator rounds, a half away from zero (see [`crate::numbers`]);
/// in fixed notation the whole integer part is kept.
pub fn plain_number(x: f64, digits: usize) -> String {
    let mut out = String::new();
    write_number(x, digits, "-", &mut out);
    out
}

/// Appends `x` as [`plain_number`] writes it, with `minus` for its sign.
fn write_number(x: f64, digits: usize, minus: &str, out: &mut String) {
    if x == 0.0 {
        out.push('0');
        return;
    }
    if !x.is_finite() {
        let text = x.to_string();
        out.push_str(&text.replace('-', minus));
        return;
    }
    if x < 0.0 {
        out.push_str(minus);
    }
    let digits = digits.clamp(1, 17);
    let exact = Decimal::of(x);
    let rounded = exact.clone().round(digits);
    if (-5..15).contains(&rounded.exponent) {
        let shown = exact.round(digits.max((rounded.exponent + 1).max(0) as usize));
        write_fixed(&shown, out);
    } else {
        let d = &rounded.digits;
        out.push(d[0] as char);
        if d.len() > 1 {
            out.push('.');
            out.push_str(ascii(&d[1..]));
        }
        out.push('e');
        if rounded.exponent < 0 {
            out.push_str(minus);
        }
        out.push_str(&rounded.exponent.unsigned_abs().to_string());
    }
}

/// The digits of a decimal with exponent −5..15 in fixed notation, without its sign.
fn write_fixed(d: &Decimal, out: &mut String) {
    let digits = ascii(&d.digits);
    if d.exponent < 0 {
        out.push_str("0.");
        for _ in 0..(-d.exponent - 1) {
            out.push('0');
        }
        out.push_str(digits);
        return;
    }
    let units = d.exponent as usize + 1;
    if digits.len() <= units {
        out.push_str(digits);
        for _ in digits.len()..units {
            out.push('0');
        }
    } else {
        out.push_str(&digits[..units]);
        out.push('.');
        out.push_str(&digits[units..]);
    }
}

fn ascii(digits: &[u8]) -> &str {
    std::str::from_utf8(digits).expect("ASCII digits")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kept text is the text [`write_number`] gives, however values collide in the
    /// table: many values (more than it holds) and two that share a slot, all shown at one
    /// digit count, then at another, then again.
    #[test]
    fn kept_numbers_are_the_numbers() {
        use rand_chacha::rand_core::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let values: Vec<f64> = (0..3 * Shown::SLOTS)
            .map(|_| f64::from_bits(rng.next_u64()))
            .chain([
                0.0,
                -0.0,
                f64::NAN,
                f64::INFINITY,
                -1e-300,
                0.105,
                -123456.0,
            ])
            .collect();
        let mut fraction = || 0.1 + (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let a = fraction();
        let mut b = fraction();
        while b == a || Shown::slot_of(b.to_bits()) != Shown::slot_of(a.to_bits()) {
            b = fraction();
        }
        let collisions = [a, a, b, a, b];
        for digits in [3, 6, 6, 3] {
            for &x in values.iter().chain(&collisions) {
                {
                    let mut direct = String::new();
                    write_number(x, digits, "−", &mut direct);
                    assert_eq!(number(x, digits), direct, "{x:e}, {digits} digits");
                }
            }
        }
    }

    #[test]
    fn numbers_keep_significant_digits_and_drop_trailing_zeros() {
        assert_eq!(number(0.2, 6), "0.2");
        assert_eq!(number(-0.241128456, 6), "−0.241128");
        assert_eq!(number(0.00075646, 6), "0.00075646");
        assert_eq!(number(0.999_999_96, 6), "1");
        assert_eq!(number(1.5e-7, 3), "1.5e-7".replace('-', "−"));
        assert_eq!(number(123456.0, 3), "123456");
    }

    #[test]
    fn latex_math_for_handouts() {
        let soft = Expr::over(
            Expr::exp(var("f@p1", 0.201)),
            Expr::add(vec![
                Expr::exp(var("f@p1", 0.201)),
                Expr::exp(var("f@p2", -0.1)),
            ]),
        );
        assert_eq!(
            soft.render_latex(Rendering::Substituted, 6),
            "\\frac{e^{0.201}}{e^{0.201} + e^{-0.1}}"
        );
        let dw = Expr::negate(Expr::mul(vec![
            var("α", 0.1),
            Expr::add(vec![var("∂L/∂w_C_In1", -0.2), var("x", 1.0)]),
        ]));
        assert_eq!(
            dw.render_latex(Rendering::Symbolic, 6),
            "-\\alpha \\cdot (\\partial L/\\partial w\\_\\allowbreak C\\_\\allowbreak In1 + x)"
        );
        assert_eq!(
            dw.render_latex(Rendering::Substituted, 6),
            "-0.1 \\cdot (-0.2 + 1)"
        );
        assert_eq!(
            Expr::square(var("w", -0.1)).render_latex(Rendering::Substituted, 6),
            "(-0.1)^{2}"
        );
    }

    #[test]
    fn names_in_math_are_escaped_and_long_ones_may_break() {
        assert_eq!(latex_name("\\in{f}"), "\\backslash in\\{f\\}");
        assert_eq!(latex_name("y%#$&^~"), "y\\%\\#\\$\\&\\hat{\\ }\\sim");
        assert_eq!(latex_name("L_i"), "L_i");
        assert_eq!(latex_name("L_i (log10)"), "L_i\\ (log10)");
        assert_eq!(latex_name("L_ix"), "L\\_ix");
        assert_eq!(
            latex_name("w_output1_hidden2"),
            "w\\_\\allowbreak output1\\_\\allowbreak hidden2"
        );
        assert_eq!(latex_name("中"), "\\text{[U+4E2D]}");
    }

    #[test]
    fn rounding_matches_printing() {
        assert_eq!(round_sig(0.487128, 2), 0.49);
        assert_eq!(round_sig(-0.0243540, 3), -0.0244);
    }

    #[test]
    fn negative_numbers_are_parenthesised_where_a_sign_could_be_misread() {
        let e = Expr::negate(Expr::mul(vec![
            var("α", 0.1),
            Expr::add(vec![
                var("∂L/∂w1", -0.241128),
                Expr::mul(vec![var("λ", 0.1), var("w1", 0.1)]),
            ]),
        ]));
        assert_eq!(e.render(Rendering::Symbolic, 6), "−α·(∂L/∂w1 + λ·w1)");
        assert_eq!(
            e.render(Rendering::Substituted, 6),
            "−0.1·(−0.241128 + 0.1·0.1)"
        );
        assert!((e.eval(&|_, v| v) - 0.0231128).abs() < 1e-12);
        let sq = Expr::square(var("w5", -0.1));
        assert_eq!(sq.render(Rendering::Substituted, 6), "(−0.1)²");
        let sum = Expr::add(vec![var("a", 1.0), var("b", -2.0)]);
        assert_eq!(sum.render(Rendering::Substituted, 6), "1 + (−2)");
        let soft = Expr::over(
            Expr::exp(var("f@p1", -0.02)),
            Expr::add(vec![
                Expr::exp(var("f@p1", -0.02)),
                Expr::exp(var("f@p2", 0.1)),
            ]),
        );
        assert_eq!(
            soft.render(Rendering::Substituted, 6),
            "e^(−0.02) / (e^(−0.02) + e^0.1)"
        );
    }
}
