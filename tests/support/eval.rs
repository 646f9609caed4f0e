//! An evaluator for the substituted formulas nntrace prints, written independently of the
//! printer so that a test can re-type every printed line like a student with a calculator.
//!
//! Grammar: sum := product (('+' | '−') product)*; product := unary (('·' | '/') unary)*;
//! unary := '−' unary | power; power := atom '²'* | 'e^' atom; atom := number | '(' sum ')'
//! | name '(' sum (',' sum)* ')' | '[' sum ('≥' | '>') sum ']'.

pub fn eval(text: &str) -> Result<f64, String> {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut p = Parser { chars, at: 0 };
    let v = p.sum()?;
    if p.at != p.chars.len() {
        return Err(format!("unexpected {:?} in {text:?}", p.rest()));
    }
    Ok(v)
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

    fn sum(&mut self) -> Result<f64, String> {
        let mut v = self.product()?;
        loop {
            if self.eat('+') {
                v += self.product()?;
            } else if self.eat('−') || self.eat('-') {
                v -= self.product()?;
            } else {
                return Ok(v);
            }
        }
    }

    fn product(&mut self) -> Result<f64, String> {
        let mut v = self.unary()?;
        loop {
            if self.eat('·') || self.eat('*') {
                v *= self.unary()?;
            } else if self.eat('/') {
                v /= self.unary()?;
            } else {
                return Ok(v);
            }
        }
    }

    fn unary(&mut self) -> Result<f64, String> {
        if self.eat('−') || self.eat('-') {
            return Ok(-self.unary()?);
        }
        self.power()
    }

    fn power(&mut self) -> Result<f64, String> {
        if self.rest().starts_with("e^") {
            self.at += 2;
            return Ok(self.atom()?.exp());
        }
        let mut v = self.atom()?;
        while self.eat('²') {
            v *= v;
        }
        Ok(v)
    }

    fn atom(&mut self) -> Result<f64, String> {
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
                Ok(f64::from(u8::from(if inclusive { a >= b } else { a > b })))
            }
            Some(c) if c.is_ascii_digit() || c == '.' => self.number(),
            Some(_) => self.call(),
            None => Err("unexpected end".into()),
        }
    }

    fn number(&mut self) -> Result<f64, String> {
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
        text.parse()
            .map_err(|e| format!("bad number {text:?}: {e}"))
    }

    fn call(&mut self) -> Result<f64, String> {
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
        let x = args[0];
        Ok(match name.as_str() {
            "σ" | "sigmoid" => 1.0 / (1.0 + (-x).exp()),
            "tanh" => x.tanh(),
            "ln" => x.ln(),
            "log10" => x.log10(),
            "max" => args.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            other => return Err(format!("unknown function {other:?}")),
        })
    }
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
    assert!(eval("1 +").is_err());
}
