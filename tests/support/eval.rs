//! An evaluator for the substituted formulas nntrace prints, written independently of the
//! printer so that a test can re-type every printed line like a student with a calculator.
//!
//! Grammar: sum := product (('+' | '−') product)*; product := unary (('·' | '/') unary)*;
//! unary := '−' unary | power; power := atom '²'* | 'e^' atom; atom := number | '(' sum ')'
//! | name '(' sum (',' sum)* ')' | '[' sum ('≥' | '>') sum ']'.
//!
//! Every value is computed twice: as a double, and — as long as the line uses only
//! numbers, +, −, ·, ², max and [ ] — exactly, as a decimal, the way a calculator that never
//! rounds would: that is what a printed line "is" in decimal arithmetic.

/// The value of a printed line, as a double.
pub fn eval(text: &str) -> Result<f64, String> {
    Ok(eval_exact(text)?.0)
}

/// The value of a printed line as a double, and exactly as a decimal where the line is
/// decimal arithmetic (None where it takes σ, e^, ln, a division, or overflows).
pub fn eval_exact(text: &str) -> Result<(f64, Option<Dec>), String> {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut p = Parser { chars, at: 0 };
    let v = p.sum()?;
    if p.at != p.chars.len() {
        return Err(format!("unexpected {:?} in {text:?}", p.rest()));
    }
    Ok((v.f, v.d))
}

/// An exact decimal: `mantissa` × 10^(−`scale`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dec {
    pub mantissa: i128,
    pub scale: u32,
}

impl Dec {
    fn parse(text: &str) -> Option<Dec> {
        let (mantissa, exponent) = match text.split_once('e') {
            Some((m, e)) => (m, e.parse::<i32>().ok()?),
            None => (text, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits: i128 = format!("{int}{frac}").parse().ok()?;
        let scale = frac.len() as i32 - exponent;
        if scale >= 0 {
            Some(Dec {
                mantissa: digits,
                scale: scale as u32,
            })
        } else {
            Some(Dec {
                mantissa: digits.checked_mul(10i128.checked_pow((-scale) as u32)?)?,
                scale: 0,
            })
        }
    }

    fn aligned(self, scale: u32) -> Option<i128> {
        self.mantissa
            .checked_mul(10i128.checked_pow(scale.checked_sub(self.scale)?)?)
    }

    fn add(self, other: Dec) -> Option<Dec> {
        let scale = self.scale.max(other.scale);
        Some(Dec {
            mantissa: self.aligned(scale)?.checked_add(other.aligned(scale)?)?,
            scale,
        })
    }

    fn mul(self, other: Dec) -> Option<Dec> {
        Some(Dec {
            mantissa: self.mantissa.checked_mul(other.mantissa)?,
            scale: self.scale.checked_add(other.scale)?,
        })
    }

    fn neg(self) -> Dec {
        Dec {
            mantissa: -self.mantissa,
            ..self
        }
    }

    fn cmp(self, other: Dec) -> Option<std::cmp::Ordering> {
        let scale = self.scale.max(other.scale);
        Some(self.aligned(scale)?.cmp(&other.aligned(scale)?))
    }

    pub fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    /// Rounded to `n` significant digits, a half away from zero, as a calculator does;
    /// and whether the digits cut off were exactly a half.
    pub fn round_sig(self, n: u32) -> (f64, bool) {
        if self.mantissa == 0 {
            return (0.0, false);
        }
        let digits = self.mantissa.unsigned_abs().to_string();
        let sign = if self.mantissa < 0 { "-" } else { "" };
        // value = 0.digits × 10^(len − scale)
        let exponent = digits.len() as i32 - self.scale as i32;
        let n = n as usize;
        if digits.len() <= n {
            return (
                format!("{sign}0.{digits}e{exponent}").parse().unwrap(),
                false,
            );
        }
        let (kept, cut) = digits.split_at(n);
        let half = cut.starts_with('5') && cut[1..].bytes().all(|b| b == b'0');
        let mut kept: u128 = kept.parse().unwrap();
        if cut.as_bytes()[0] >= b'5' {
            kept += 1;
        }
        let value = format!("{sign}{kept}e{}", exponent - n as i32)
            .parse()
            .unwrap();
        (value, half)
    }
}

/// A value as a double and, while the arithmetic is decimal, exactly.
#[derive(Clone, Copy)]
struct V {
    f: f64,
    d: Option<Dec>,
}

impl V {
    fn double(f: f64) -> V {
        V { f, d: None }
    }
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn rest(&self) -> String {
        self.chars[self.at..].iter().collect()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected {c:?} at {:?}", self.rest()))
        }
    }

    fn sum(&mut self) -> Result<V, String> {
        let mut v = self.product()?;
        loop {
            let minus = if self.eat('+') {
                false
            } else if self.eat('−') || self.eat('-') {
                true
            } else {
                return Ok(v);
            };
            let w = self.product()?;
            let (wf, wd) = if minus {
                (-w.f, w.d.map(Dec::neg))
            } else {
                (w.f, w.d)
            };
            v = V {
                f: v.f + wf,
                d: v.d.zip(wd).and_then(|(a, b)| a.add(b)),
            };
        }
    }

    fn product(&mut self) -> Result<V, String> {
        let mut v = self.unary()?;
        loop {
            if self.eat('·') || self.eat('*') {
                let w = self.unary()?;
                v = V {
                    f: v.f * w.f,
                    d: v.d.zip(w.d).and_then(|(a, b)| a.mul(b)),
                };
            } else if self.eat('/') {
                v = V::double(v.f / self.unary()?.f);
            } else {
                return Ok(v);
            }
        }
    }

    fn unary(&mut self) -> Result<V, String> {
        if self.eat('−') || self.eat('-') {
            let v = self.unary()?;
            return Ok(V {
                f: -v.f,
                d: v.d.map(Dec::neg),
            });
        }
        self.power()
    }

    fn power(&mut self) -> Result<V, String> {
        if self.rest().starts_with("e^") {
            self.at += 2;
            return Ok(V::double(self.atom()?.f.exp()));
        }
        let mut v = self.atom()?;
        while self.eat('²') {
            v = V {
                f: v.f * v.f,
                d: v.d.and_then(|d| d.mul(d)),
            };
        }
        Ok(v)
    }

    fn atom(&mut self) -> Result<V, String> {
        match self.peek() {
            Some('(') => {
                self.at += 1;
                let v = self.sum()?;
                self.expect(')')?;
                Ok(v)
            }
            Some('[') => {
                self.at += 1;
                let a = self.sum()?;
                let inclusive = if self.eat('≥') {
                    true
                } else {
                    self.expect('>')?;
                    false
                };
                let b = self.sum()?;
                self.expect(']')?;
                let holds = |o: std::cmp::Ordering| o.is_gt() || (inclusive && o.is_eq());
                let f = f64::from(u8::from(if inclusive { a.f >= b.f } else { a.f > b.f }));
                let d = a.d.zip(b.d).and_then(|(a, b)| a.cmp(b)).map(|o| Dec {
                    mantissa: i128::from(holds(o)),
                    scale: 0,
                });
                Ok(V { f, d })
            }
            Some(c) if c.is_ascii_digit() || c == '.' => self.number(),
            Some(_) => self.call(),
            None => Err("unexpected end".into()),
        }
    }

    fn number(&mut self) -> Result<V, String> {
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_digit() || c == '.') {
            self.at += 1;
        }
        let mut text: String = self.chars[start..self.at].iter().collect();
        if self.peek() == Some('e') && self.chars.get(self.at + 1) != Some(&'^') {
            self.at += 1;
            text.push('e');
            if self.eat('−') || self.eat('-') {
                text.push('-');
            }
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                text.push(self.chars[self.at]);
                self.at += 1;
            }
        }
        let f = text
            .parse()
            .map_err(|e| format!("bad number {text:?}: {e}"))?;
        Ok(V {
            f,
            d: Dec::parse(&text),
        })
    }

    fn call(&mut self) -> Result<V, String> {
        let start = self.at;
        while self.peek().is_some_and(|c| c != '(') {
            self.at += 1;
        }
        let name: String = self.chars[start..self.at].iter().collect();
        self.expect('(')?;
        let mut args = vec![self.sum()?];
        while self.eat(',') {
            args.push(self.sum()?);
        }
        self.expect(')')?;
        let x = args[0].f;
        Ok(match name.as_str() {
            // A calculator's σ: e^x / (1 + e^x) for x < 0, so nothing overflows.
            "σ" | "sigmoid" if x < 0.0 => V::double(x.exp() / (1.0 + x.exp())),
            "σ" | "sigmoid" => V::double(1.0 / (1.0 + (-x).exp())),
            "tanh" => V::double(x.tanh()),
            "ln" => V::double(x.ln()),
            "log10" => V::double(x.log10()),
            "max" => max(&args),
            other => return Err(format!("unknown function {other:?}")),
        })
    }
}

/// max of its arguments, exact while every argument is.
fn max(args: &[V]) -> V {
    let f = args.iter().map(|a| a.f).fold(f64::NEG_INFINITY, f64::max);
    let d = args.iter().try_fold(None, |best: Option<Dec>, a| {
        let a = a.d?;
        Some(Some(match best {
            Some(b) if b.cmp(a)?.is_ge() => b,
            _ => a,
        }))
    });
    V { f, d: d.flatten() }
}

#[test]
fn the_evaluator_reads_what_nntrace_prints() {
    assert_eq!(eval("1·0.1 + 1·0.1").unwrap(), 0.2);
    assert!((eval("−0.1·(−0.241128 + 0.1·0.1)").unwrap() - 0.0231128).abs() < 1e-12);
    assert_eq!(eval("(−0.1)²").unwrap(), 0.010000000000000002);
    assert!((eval("e^(−0.02) / (e^(−0.02) + e^0.1)").unwrap() - 0.470036).abs() < 1e-6);
    assert_eq!(eval("[0 ≥ 0]").unwrap(), 1.0);
    assert_eq!(eval("[0 > 0]").unwrap(), 0.0);
    assert_eq!(eval("max(0, 0.2)").unwrap(), 0.2);
    assert_eq!(eval("1.5e−7").unwrap(), 1.5e-7);
    assert_eq!(eval("σ(−740)").unwrap(), 4.2e-322);
    assert!(eval("1 +").is_err());
}

#[test]
fn the_exact_evaluator_is_decimal_arithmetic() {
    let exact = |t: &str| eval_exact(t).unwrap().1;
    let zero = exact("1·0.1 + 1·0.1 + 1·0.2 + (−0.4)").unwrap();
    assert!(zero.is_zero());
    assert_eq!(
        exact("1·0.71 + 1·0.525").unwrap().round_sig(3),
        (1.24, true)
    );
    assert_eq!(
        exact("−0.71 + (−0.525)").unwrap().round_sig(3),
        (-1.24, true)
    );
    assert_eq!(exact("0.3·0.35").unwrap().round_sig(2), (0.11, true));
    assert_eq!(exact("0.1234").unwrap().round_sig(3), (0.123, false));
    assert_eq!(exact("9.996").unwrap().round_sig(3), (10.0, false));
    assert_eq!(
        exact("max(0.3, 0.1·3)").unwrap(),
        Dec::parse("0.3").unwrap()
    );
    assert_eq!(exact("[0.1 + 0.2 − 0.3 ≥ 0]").unwrap().mantissa, 1);
    assert_eq!(exact("1.5e−7·2").unwrap().round_sig(3), (3e-7, false));
    assert_eq!(exact("σ(0)"), None);
    assert_eq!(exact("1 / 2"), None);
}
