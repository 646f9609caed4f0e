//! Numbers as a hand calculation sees them: the one place where sums are added up,
//! compared and rounded.
//!
//! A student adds the printed operands of a formula in decimal. The engine adds doubles,
//! which carry a tiny binary error: 1·0.1 + 1·0.1 + 1·0.2 + (−0.4) is −2.8e−17 in doubles
//! and 0 on any calculator. So every sum the trace prints is computed by [`Sum`]: term by
//! term in the order its formula prints them, with the error bound
//!
//! ```text
//! B = (n + 1)·ε·Σ|tᵢ|        (n terms, ε = 2⁻⁵²)
//! ```
//!
//! between the double result s and the exact decimal sum of the terms' decimal values
//! (each addition, each product and each operand's decimal-to-binary conversion is off by
//! at most ½ε relative). The result is then *snapped*: if 0 lies within s ± B it is 0;
//! otherwise, if a decimal of at most [`DECIMAL_DIGITS`] significant digits lies within
//! s ± B, it is the double nearest to the shortest such decimal; otherwise it is s. For
//! operands of a few decimals the exact decimal sum is such a short decimal and the only
//! one that close, so zeros are exactly 0, sums equal in decimal are the same double
//! (pooling ties), and a half such as 0.71 + 0.525 = 1.235 is the double that prints as
//! 1.235. A value that is not such a short decimal moves by at most B.
//!
//! [`round_sig`] rounds like a calculator: the value's decimal digits, a half away from
//! zero; [`Decimal`] gives those digits to the printer too.

/// The precision of a double: the distance from 1 to the next double, 2⁻⁵².
const EPS: f64 = f64::EPSILON;

/// The longest decimal (significant digits) a result is snapped to.
pub const DECIMAL_DIGITS: i32 = 12;

/// A sum whose terms are added in the order its formula prints them; its
/// [`value`](Sum::value) is snapped to the decimal it stands for (see the module).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sum {
    total: f64,
    magnitude: f64,
    terms: u32,
}

impl Sum {
    #[inline]
    pub fn add(&mut self, term: f64) {
        self.total += term;
        self.magnitude += term.abs();
        self.terms += 1;
    }

    /// Adds `count` terms that are 0 (such as 0·In for a finite In) without adding them:
    /// the total and Σ|t| stay as they are (x + ±0 is x, and a sum starting from +0 is
    /// never −0), only the count of terms, and so the bound, grows.
    #[inline]
    pub fn add_zeros(&mut self, count: u32) {
        self.terms += count;
    }

    /// Adds a product a·b (a term such as In·w).
    #[inline]
    pub fn add_product(&mut self, a: f64, b: f64) {
        self.add(a * b);
    }

    /// The sum, 0 if it may be 0 within its error bound, else the shortest decimal within
    /// it (of at most [`DECIMAL_DIGITS`] digits), else the double sum.
    #[inline]
    pub fn value(&self) -> f64 {
        snap(
            self.total,
            (f64::from(self.terms) + 1.0) * EPS * self.magnitude,
        )
    }
}

/// A run of sums snapped, the last one remembered: equal sums in a row (a filter over a
/// blank part of an image: the bias plus zeros, position after position) are snapped
/// once. Exact: a sum's value depends only on its total, its magnitude and its count of
/// terms, compared bit for bit.
#[derive(Clone, Copy, Debug, Default)]
pub struct Snapper {
    last: Option<(u64, u64, u32, f64)>,
}

impl Snapper {
    /// [`Sum::value`] of `sum`, or of the last sum if it is the same.
    #[inline]
    pub fn value(&mut self, sum: &Sum) -> f64 {
        let key = (sum.total.to_bits(), sum.magnitude.to_bits(), sum.terms);
        match self.last {
            Some((t, m, n, value)) if (t, m, n) == key => value,
            _ => {
                let value = sum.value();
                self.last = Some((key.0, key.1, key.2, value));
                value
            }
        }
    }
}

/// Σ terms, in order, snapped.
#[inline]
pub fn sum(terms: impl IntoIterator<Item = f64>) -> f64 {
    let mut s = Sum::default();
    terms.into_iter().for_each(|t| s.add(t));
    s.value()
}

/// Σ aᵢ·bᵢ, in order, snapped.
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut s = Sum::default();
    a.iter().zip(b).for_each(|(a, b)| s.add_product(*a, *b));
    s.value()
}

/// a − b, snapped: 1 − 0.495 is 0.505, 0.3 − 0.1·3 is 0.
#[inline]
pub fn difference(a: f64, b: f64) -> f64 {
    sum([a, -b])
}

/// `value` snapped within `bound`: 0 if |value| ≤ bound, else the double nearest to the
/// shortest decimal within the bound, if it has at most [`DECIMAL_DIGITS`] digits.
#[inline]
pub fn snap(value: f64, bound: f64) -> f64 {
    if !value.is_finite() {
        return value;
    }
    if value.abs() <= bound {
        return 0.0;
    }
    shortest_decimal_within(value, bound).unwrap_or(value)
}

/// The double nearest to the shortest decimal (of at most [`DECIMAL_DIGITS`] significant
/// digits) within `bound` of `x`, if there is one. A quick test on the grid of
/// [`DECIMAL_DIGITS`]-digit decimals ([`near_grid`]) rules out almost every other value (a
/// few multiplies); then the candidates m·10^k with 1, 2, … digits are tried, each the
/// double nearest to it.
#[inline(always)]
fn shortest_decimal_within(x: f64, bound: f64) -> Option<f64> {
    let a = x.abs();
    if !(1e-290..1e290).contains(&a) || !near_grid(a, bound) {
        return None;
    }
    candidates(x, a, bound, decimal_exponent(a))
}

/// Whether a = |x| may lie within `bound` of a decimal of [`DECIMAL_DIGITS`] significant
/// digits: whether a·10ⁿ lies within the bound so scaled (and [`GRID_SLACK`], for the
/// test's own rounding) of a whole number, n = 11 − e for e = ⌊log10 a⌋. False only where
/// no such decimal is within the bound, so the candidates need not be tried.
///
/// For a from 2⁻³⁶ to below 2⁴⁰ the scale comes from a's binary exponent alone ([`GRID_SCALE`]):
/// 10ⁿ for e = ⌊e₂·log10 2⌋, which is ⌊log10 a⌋ or one less. One less, the test is on the
/// grid of [`DECIMAL_DIGITS`] + 1 digits, which holds every decimal of the right one; a·10ⁿ
/// is then below 10¹³ < 2⁴⁴ and its rounding at most 2⁻¹⁰. Elsewhere e is corrected by one
/// comparison with a power of ten ([`TENS`], within a relative 10⁻¹³: only that close to a
/// power of ten can e be one too high, where the coarser grid holds that power, the one
/// decimal so close, or one too low, where the finer grid holds every decimal).
#[inline]
fn near_grid(a: f64, bound: f64) -> bool {
    let biased = (a.to_bits() >> 52) as usize;
    match GRID_SCALE.get(biased.wrapping_sub(GRID_SCALE_FIRST)) {
        Some(&scale) => distance_to_whole(a * scale) <= bound * scale + GRID_SLACK,
        None => near_grid_far_from_one(a, bound),
    }
}

/// [`near_grid`] for a below 2⁻³⁶ or from 2⁴⁰ on, with e corrected by one comparison.
#[cold]
#[inline(never)]
fn near_grid_far_from_one(a: f64, bound: f64) -> bool {
    let guess = binary_guess(a);
    let exponent = guess + i32::from(a >= TENS[(guess + 1 + TENS_OFFSET) as usize]);
    let n = DECIMAL_DIGITS - 1 - exponent;
    distance_to_whole(scaled(a, n)) <= scaled(bound, n) + GRID_SLACK
}

/// What the grid test allows for its own rounding, in grid steps: a·10ⁿ below 2⁴⁴ is
/// rounded by at most 2⁻¹⁰ (and 10ⁿ is exact, or within a relative 10⁻¹³ well away from
/// the grid's reach, see [`near_grid`]).
const GRID_SLACK: f64 = 2e-3;

/// The first biased binary exponent [`GRID_SCALE`] covers.
const GRID_SCALE_FIRST: usize = 1023 - 36;

/// `GRID_SCALE[b − GRID_SCALE_FIRST]` = 10^(11 − ⌊e₂·log10 2⌋) for the doubles of biased
/// binary exponent b (e₂ = b − 1023), wherever that power is exact (at most 10²²): the
/// doubles from 2⁻³⁶ to below 2⁴⁰, about 1.5·10⁻¹¹ to 1.1·10¹².
const GRID_SCALE: [f64; 76] = {
    let mut scale = [0.0; 76];
    let mut i = 0;
    while i < 76 {
        let binary = (GRID_SCALE_FIRST + i) as i32 - 1023;
        let n = DECIMAL_DIGITS - 1 - ((binary * 78_913) >> 18);
        scale[i] = POWERS[n as usize];
        i += 1;
    }
    scale
};

/// ⌊e₂·log10 2⌋ for a's binary exponent e₂, which is ⌊log10 a⌋ or one less.
#[inline]
fn binary_guess(a: f64) -> i32 {
    let binary = ((a.to_bits() >> 52) & 0x7ff) as i32 - 1023;
    (binary * 78_913) >> 18
}

/// The first of m·10^k, m of 1, 2, … [`DECIMAL_DIGITS`] digits, within `bound` of a = |x|.
/// A count of digits whose a·10^−k lies farther from a whole number than the scaled
/// bound (and the scaling's rounding, below a hundredth) has no candidate within the bound
/// and is passed over without computing it. Reached only by the values the grid test lets
/// through: in training few, in a worked example of short decimals most sums.
///
/// Where the bound is below half a step of the [`DECIMAL_DIGITS`]-digit grid (almost
/// always), at most one decimal of that grid lies within it, the rounding m·10^k of a to
/// that grid; every shorter decimal is on the grid too, so a shorter candidate within the
/// bound is that same number (m with its trailing zeros dropped): the first candidate is
/// the double nearest to m·10^k, if it is within the bound, and there is none otherwise.
#[inline(never)]
fn candidates(x: f64, a: f64, bound: f64, exponent: i32) -> Option<f64> {
    const SLACK: f64 = 1e-2;
    let finest = exponent - DECIMAL_DIGITS + 1;
    if scaled(bound, -finest) < 0.5 - SLACK {
        let r = nearest(scaled(a, -finest).round(), finest);
        return ((r - a).abs() <= bound).then(|| r.copysign(x));
    }
    (1..=DECIMAL_DIGITS).find_map(|digits| {
        let k = exponent - digits + 1;
        let s = scaled(a, -k);
        if distance_to_whole(s) > scaled(bound, -k) + SLACK {
            return None;
        }
        let r = nearest(s.round(), k);
        ((r - a).abs() <= bound).then(|| r.copysign(x))
    })
}

/// |t − round(t)| for 0 ≤ t < 2⁵²: adding and taking away 2⁵² rounds t to a whole number
/// (ties to even, which leaves the distance, ½, unchanged), and the difference is exact.
#[inline]
fn distance_to_whole(t: f64) -> f64 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    (t - ((t + TWO_52) - TWO_52)).abs()
}

/// ⌊log10 a⌋ as `a.log10().floor()` gives it, for a in [1e−290, 1e290): the binary
/// exponent e₂ gives ⌊e₂·log10 2⌋ ([`binary_guess`]), one comparison with a power of ten
/// corrects it by one. Within a relative 10⁻¹⁰ of a power of ten (where the table's and
/// `log10`'s own rounding could disagree) it asks `log10`, so the candidates are counted
/// from the exponent they always were.
#[inline]
fn decimal_exponent(a: f64) -> i32 {
    const NEAR: f64 = 1e-10;
    let guess = binary_guess(a);
    let below = TENS[(guess + TENS_OFFSET) as usize];
    let above = TENS[(guess + 1 + TENS_OFFSET) as usize];
    let near = |p: f64| (a - p).abs() <= NEAR * p;
    if near(below) || near(above) {
        return a.log10().floor() as i32;
    }
    if a >= above {
        guess + 1
    } else if a < below {
        guess - 1
    } else {
        guess
    }
}

/// `TENS[k + TENS_OFFSET]` ≈ 10^k for k in −300..=300, within a relative 10⁻¹³.
const TENS_OFFSET: i32 = 300;
const TENS: [f64; 601] = {
    let mut tens = [1.0; 601];
    let mut k = 1;
    while k <= 300 {
        tens[300 + k] = tens[300 + k - 1] * 10.0;
        tens[300 - k] = tens[300 - k + 1] / 10.0;
        k += 1;
    }
    tens
};

/// The powers of ten a double holds exactly.
const POWERS: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// a·10^n, with one rounding where 10^|n| is exact.
#[inline]
fn scaled(a: f64, n: i32) -> f64 {
    match n {
        0..=22 => a * POWERS[n as usize],
        -22..0 => a / POWERS[n.unsigned_abs() as usize],
        _ => a * 10f64.powi(n),
    }
}

/// The double nearest to m·10^k, m a whole number below 10^12: one correctly rounded
/// product or quotient of exact doubles where 10^|k| is exact, else read from text.
#[inline]
fn nearest(m: f64, k: i32) -> f64 {
    match k {
        0..=22 => m * POWERS[k as usize],
        -22..0 => m / POWERS[k.unsigned_abs() as usize],
        _ => format!("{m}e{k}").parse().expect("a decimal parses"),
    }
}

/// x rounded to `digits` significant digits as a calculator rounds: its decimal value
/// ([`Decimal::of`]), a half away from zero. 1.235 → 1.24, −0.0625 → −0.063 (2 digits).
pub fn round_sig(x: f64, digits: u32) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    if !x.is_finite() {
        return x;
    }
    Decimal::of(x).round(digits.clamp(1, 17) as usize).to_f64()
}

/// The shortest significant digits that read back as `a` (positive, finite), the nearest
/// to `a` where several are as short, no trailing zeros; and the decimal exponent of the
/// first: what `{:e}` writes, found by Ryū without the formatting machinery. Where `a`
/// could lie exactly halfway between two shortest candidates, Ryū would take the even one
/// and `{:e}` the one away from zero; `{:e}` writes those few.
fn shortest_digits(a: f64) -> (Digits, i32) {
    let mut buffer = ryu::Buffer::new();
    // `0.00339357`, `123.0`, `1e-7` or `2.2848518038681013e16`.
    let (digits, exponent) = digits_of(buffer.format_finite(a));
    if may_tie(a, exponent, digits.len()) {
        return digits_of(&format!("{a:e}"));
    }
    (digits, exponent)
}

/// The significant digits (no trailing zeros) and the decimal exponent of the first, of a
/// positive number written `0.00339357`, `123.0`, `1e-7` or `3.39357e-3`.
fn digits_of(text: &str) -> (Digits, i32) {
    let (mut digits, mut units, mut leading) = (Digits::default(), 0, 0);
    let (mut point, mut power) = (false, 0);
    for (at, b) in text.bytes().enumerate() {
        match b {
            b'.' => point = true,
            b'e' => {
                power = text[at + 1..].parse().expect("an integer exponent");
                break;
            }
            _ => {
                units += i32::from(!point);
                if b == b'0' && digits.is_empty() {
                    leading += 1;
                } else {
                    digits.push(b);
                }
            }
        }
    }
    trim_trailing_zeros(&mut digits);
    (digits, power + units - 1 - leading)
}

/// Whether `a`, whose shortest decimal has `len` digits from 10^`exponent`, could lie
/// exactly halfway between two such decimals. `a` = m·2^e with m odd: for e < 0 its exact
/// decimal expansion ends −e places after the point, so it has `exponent` + 1 − e
/// significant digits, and a tie needs it only one longer than the candidates (the
/// margin of one more covers an exponent that rounding moved up). An integer below 2^53
/// is its own shortest decimal; above, ties are left to `{:e}` too.
fn may_tie(a: f64, exponent: i32, len: usize) -> bool {
    let bits = a.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (m, e) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased - 1075)
    };
    let e = e + m.trailing_zeros() as i32;
    if e >= 0 {
        return a >= 9_007_199_254_740_992.0;
    }
    exponent + 1 - e <= len as i32 + 2
}

/// A nonzero finite number as decimal digits: ±d₁.d₂d₃… × 10^exponent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decimal {
    pub negative: bool,
    /// The significant digits, ASCII, the first nonzero, no trailing zeros.
    pub digits: Digits,
    pub exponent: i32,
}

impl Decimal {
    /// The decimal a calculator shows for `x`: the shortest decimal within two units of the
    /// last place (so a product 0.3·0.35 that lands a bit below 0.105 is 0.105), else the
    /// shortest decimal that reads back as `x`. `x` must be finite and nonzero.
    pub fn of(x: f64) -> Decimal {
        let v = shortest_decimal_within(x, 2.0 * EPS * x.abs()).unwrap_or(x);
        let (digits, exponent) = shortest_digits(v.abs());
        Decimal {
            negative: x < 0.0,
            digits,
            exponent,
        }
    }

    /// Rounded to `n` significant digits, a half away from zero.
    pub fn round(mut self, n: usize) -> Decimal {
        let n = n.max(1);
        if self.digits.len() <= n {
            return self;
        }
        let up = self.digits[n] >= b'5';
        self.digits.truncate(n);
        if up {
            match self.digits.iter().rposition(|&d| d != b'9') {
                Some(i) => {
                    self.digits[i] += 1;
                    self.digits.truncate(i + 1);
                }
                None => {
                    self.digits = Digits::default();
                    self.digits.push(b'1');
                    self.exponent += 1;
                }
            }
        }
        trim_trailing_zeros(&mut self.digits);
        self
    }

    pub fn to_f64(&self) -> f64 {
        let sign = if self.negative { "-" } else { "" };
        let digits = std::str::from_utf8(&self.digits).expect("ASCII digits");
        let exponent = self.exponent - (self.digits.len() as i32 - 1);
        format!("{sign}{digits}e{exponent}")
            .parse()
            .expect("a decimal parses")
    }
}

fn trim_trailing_zeros(digits: &mut Digits) {
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.truncate(digits.len() - 1);
    }
}

/// The significant digits of a decimal, ASCII, kept inline: a double's shortest decimal
/// has at most 17 (a longer text keeps its first 17: they decide every rounding asked).
#[derive(Clone, Copy, Default)]
pub struct Digits {
    bytes: [u8; 17],
    len: u8,
}

impl Digits {
    fn push(&mut self, digit: u8) {
        if let Some(slot) = self.bytes.get_mut(usize::from(self.len)) {
            *slot = digit;
            self.len += 1;
        }
    }

    fn truncate(&mut self, n: usize) {
        self.len = self.len.min(n as u8);
    }
}

impl std::ops::Deref for Digits {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl std::ops::DerefMut for Digits {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.bytes[..usize::from(self.len)]
    }
}

impl PartialEq for Digits {
    fn eq(&self, other: &Digits) -> bool {
        **self == **other
    }
}

impl Eq for Digits {}

impl std::fmt::Debug for Digits {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(std::str::from_utf8(self).unwrap_or("?"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapper_gives_each_sum_its_own_value_also_after_an_equal_one() {
        let sums: Vec<Sum> = [
            vec![0.1, 0.2],
            vec![0.1, 0.2],
            vec![0.3],
            vec![0.0, -0.0],
            vec![-0.0],
            vec![f64::NAN],
            vec![f64::NAN],
            vec![1.0, 1e-17],
            vec![1.0, 1e-17],
            vec![0.1, 0.2],
        ]
        .into_iter()
        .map(|terms| {
            let mut s = Sum::default();
            terms.into_iter().for_each(|t| s.add(t));
            s
        })
        .collect();
        let mut snapper = Snapper::default();
        for s in &sums {
            assert_eq!(snapper.value(s).to_bits(), s.value().to_bits(), "{s:?}");
        }
    }

    #[test]
    fn a_sum_that_is_zero_in_decimal_is_zero() {
        let bias_first = -0.4 + 0.1 + 0.1 + 0.2;
        assert!(bias_first != 0.0, "the doubles leave {bias_first}");
        assert_eq!(sum([-0.4, 0.1, 0.1, 0.2]).to_bits(), 0.0f64.to_bits());
        assert_eq!(sum([0.1, 0.1, 0.2, -0.4]).to_bits(), 0.0f64.to_bits());
        assert_eq!(dot(&[0.3, 0.2], &[0.1, -0.15]), 0.0);
    }

    #[test]
    fn sums_equal_in_decimal_are_the_same_double() {
        let (a, b) = (std::hint::black_box(0.1), 0.2);
        assert!(a + b != 0.3, "in doubles 0.1 + 0.2 is not 0.3");
        assert_eq!(sum([0.1, 0.2]).to_bits(), 0.3f64.to_bits());
        assert_eq!(sum([0.9, 0.8, -1.4]).to_bits(), 0.3f64.to_bits());
        assert_eq!(sum([0.71, 0.525]).to_bits(), 1.235f64.to_bits());
    }

    #[test]
    fn values_that_are_not_short_decimals_keep_their_bits() {
        let third = 1.0 / 3.0;
        assert_eq!(sum([third, 0.0]).to_bits(), third.to_bits());
        assert_eq!(sum([1e-300, 0.0]).to_bits(), 1e-300f64.to_bits());
        assert_eq!(sum([4.2e-322]).to_bits(), 4.2e-322f64.to_bits());
        assert!(sum([f64::INFINITY, 1.0]).is_infinite());
        assert!(sum([f64::NAN]).is_nan());
    }

    #[test]
    fn a_genuine_tiny_difference_is_kept() {
        assert_eq!(difference(0.3, 0.2999999), 1e-7);
        assert_eq!(difference(1.0, 1.0 - 1e-12), 1e-12);
    }

    #[test]
    fn rounding_is_a_calculators() {
        assert_eq!(round_sig(1.235, 3), 1.24);
        assert_eq!(round_sig(-1.235, 3), -1.24);
        assert_eq!(round_sig(0.3 * 0.35, 2), 0.11);
        assert_eq!(round_sig(0.125, 2), 0.13);
        assert_eq!(round_sig(0.487128, 2), 0.49);
        assert_eq!(round_sig(-0.024354, 3), -0.0244);
        assert_eq!(round_sig(9.996, 3), 10.0);
        assert_eq!(round_sig(4.2e-322, 3), 4.2e-322);
        assert_eq!(round_sig(0.0, 3), 0.0);
    }

    #[test]
    fn decimal_digits() {
        let d = Decimal::of(-0.0625).round(2);
        assert_eq!((d.negative, &*d.digits, d.exponent), (true, &b"63"[..], -2));
        assert_eq!(Decimal::of(999.96).round(3).to_f64(), 1000.0);
    }

    /// The snapping this module shipped first (`log10`, `powi`, `round` on every sum): the
    /// reference the fast [`snap`] must equal bit for bit.
    mod reference {
        use super::super::{DECIMAL_DIGITS, nearest, scaled};

        pub fn snap(value: f64, bound: f64) -> f64 {
            if !value.is_finite() {
                return value;
            }
            if value.abs() <= bound {
                return 0.0;
            }
            shortest_decimal_within(value, bound).unwrap_or(value)
        }

        fn shortest_decimal_within(x: f64, bound: f64) -> Option<f64> {
            let a = x.abs();
            if !(1e-290..1e290).contains(&a) {
                return None;
            }
            let exponent = a.log10().floor() as i32;
            let t = scaled(a, DECIMAL_DIGITS - 1 - exponent);
            if (t - t.round()).abs() > scaled(bound, DECIMAL_DIGITS - 1 - exponent) + 1e-3 {
                return None;
            }
            (1..=DECIMAL_DIGITS).find_map(|digits| {
                let k = exponent - digits + 1;
                let r = nearest(scaled(a, -k).round(), k);
                ((r - a).abs() <= bound).then(|| r.copysign(x))
            })
        }
    }

    fn assert_same_snap(value: f64, bound: f64) {
        let (fast, old) = (snap(value, bound), reference::snap(value, bound));
        assert!(
            fast.to_bits() == old.to_bits() || (fast.is_nan() && old.is_nan()),
            "snap({value:e}, {bound:e}) is {fast:e}, the reference gives {old:e}"
        );
    }

    /// A sum's bound, (n + 1)·ε·Σ|t| for n from 1 to 64 and Σ|t| up to 100 times |x|.
    fn bound_for(x: f64, rng: &mut rand_chacha::ChaCha8Rng) -> f64 {
        use rand_chacha::rand_core::Rng;
        let terms = (rng.next_u64() % 64 + 2) as f64;
        let magnitude = 1.0 + (rng.next_u64() % 100) as f64;
        terms * EPS * magnitude * x.abs()
    }

    /// The digits and exponent as `{:e}` writes them (the first implementation).
    fn by_std_format(v: f64) -> (Digits, i32) {
        let text = format!("{:e}", v.abs());
        let (mantissa, exponent) = text.split_once('e').unwrap();
        let mut digits = Digits::default();
        mantissa
            .bytes()
            .filter(u8::is_ascii_digit)
            .for_each(|d| digits.push(d));
        trim_trailing_zeros(&mut digits);
        (digits, exponent.parse().unwrap())
    }

    #[test]
    fn a_decimal_has_the_digits_std_formatting_gives() {
        use rand_chacha::rand_core::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut values = vec![
            1.0,
            0.1,
            0.105,
            123.0,
            1e-7,
            1e21,
            5e-324,
            f64::MAX,
            0.00339357,
        ];
        values.extend((0..200_000).map(|_| f64::from_bits(rng.next_u64() >> 1)));
        values.extend((0..200_000).map(|_| (rng.next_u64() % 2_000_000) as f64 / 1e4 - 100.0));
        // Dyadic values with short exact expansions: where ties between two shortest
        // decimals arise (28068075378721.0625 lies halfway between …2106 and …2107).
        values.extend(
            (0..200_000).map(|i| (rng.next_u64() >> (i % 40)) as f64 / f64::from(1u32 << (i % 24))),
        );
        for v in values.into_iter().filter(|v| v.is_finite() && *v != 0.0) {
            // A value that is its own shortest decimal within the bound: compare the
            // digit strings of `v` itself.
            let d = Decimal::of(v);
            let snapped = shortest_decimal_within(v, 2.0 * EPS * v.abs()).unwrap_or(v);
            assert_eq!(
                (d.digits, d.exponent),
                by_std_format(snapped),
                "{v:e} (snapped to {snapped:e})"
            );
        }
    }

    #[test]
    fn the_exponent_is_log10s_at_every_binary_exponent_and_power_of_ten() {
        let mut points = Vec::new();
        for binary in -964..=963 {
            let low = 2f64.powi(binary);
            points.extend([low, f64::from_bits((2.0 * low).to_bits() - 1)]);
        }
        for k in -290..290 {
            let p: f64 = format!("1e{k}").parse().unwrap();
            for ulps in 0..=40u64 {
                points.extend([
                    f64::from_bits(p.to_bits() + ulps),
                    f64::from_bits(p.to_bits() - ulps),
                ]);
            }
            points.extend([p * (1.0 + 2e-10), p * (1.0 - 2e-10), p * 1.5, p * 9.99]);
        }
        for a in points.into_iter().filter(|a| (1e-290..1e290).contains(a)) {
            assert_eq!(decimal_exponent(a), a.log10().floor() as i32, "{a:e}");
        }
    }

    #[test]
    fn snapping_equals_the_reference_on_random_doubles_and_bounds() {
        use rand_chacha::rand_core::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
        for _ in 0..10_000 {
            // Any double at all, with a bound from none to far beyond the value.
            let any = f64::from_bits(rng.next_u64());
            let width = 2f64.powi((rng.next_u64() % 120) as i32 - 60);
            assert_same_snap(any, 0.0);
            assert_same_snap(any, width * any.abs());
            // A short decimal m·10^k, a few units off as a double sum leaves it.
            let m = (rng.next_u64() % 1_000_000) as f64 - 500_000.0;
            let k = (rng.next_u64() % 40) as i32 - 30;
            let decimal: f64 = format!("{m}e{k}").parse().unwrap();
            let off = (rng.next_u64() % 9) as i64 - 4;
            let sum = f64::from_bits((decimal.to_bits() as i64 + off) as u64);
            assert_same_snap(sum, bound_for(sum, &mut rng));
            // A decimal of all twelve digits, a few units off, at any binary exponent
            // the grid test's table covers (and a little beyond).
            let m = (rng.next_u64() % 900_000_000_000 + 100_000_000_000) as f64;
            let k = (rng.next_u64() % 28) as i32 - 24;
            let decimal: f64 = format!("{m}e{k}").parse().unwrap();
            let off = (rng.next_u64() % 9) as i64 - 4;
            let sum = f64::from_bits((decimal.to_bits() as i64 + off) as u64);
            assert_same_snap(sum, bound_for(sum, &mut rng));
            assert_same_snap(sum, 2.0 * EPS * sum.abs());
            // A value of full precision, as training leaves weights.
            let weight = (rng.next_u64() >> 11) as f64 / 2f64.powi(53) * 4.0 - 2.0;
            assert_same_snap(weight, bound_for(weight, &mut rng));
        }
    }

    #[test]
    fn snapping_equals_the_reference_near_powers_of_ten_subnormals_and_huge_values() {
        use rand_chacha::rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(10);
        let mut values = vec![
            4.2e-322,
            5e-324,
            2.2e-308,
            1e-290,
            9.99e-291,
            1e290,
            9.99e289,
            1.7e308,
            f64::MAX,
            f64::MIN_POSITIVE,
            0.0,
            f64::INFINITY,
            f64::NAN,
        ];
        for k in -300..300 {
            let p: f64 = format!("1e{k}").parse().unwrap();
            for ulps in 0..=6u64 {
                values.extend([
                    f64::from_bits(p.to_bits() + ulps),
                    f64::from_bits(p.to_bits() - ulps),
                ]);
            }
        }
        for v in values {
            for x in [v, -v] {
                assert_same_snap(x, 0.0);
                assert_same_snap(x, bound_for(x, &mut rng));
                assert_same_snap(x, 1e-3 * x.abs());
            }
        }
    }
}
