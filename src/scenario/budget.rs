//! A guard against YAML alias bombs: anchors and aliases can make a small file expand to
//! billions of values. Before the typed parse, one pass counts every value the document
//! expands to and stops as soon as the count passes a limit far above any real scenario.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::cell::Cell;
use std::fmt;

/// Values (numbers, strings, list and map entries) a document may expand to.
pub const MAX_VALUES: u64 = 20_000_000;
/// Bytes of text its strings may expand to.
pub const MAX_TEXT_BYTES: u64 = 100_000_000;

/// What to do about a document that expands too far (also said by the pre-scan).
pub const HELP: &str = "write the values out instead of repeating anchors inside anchors";

/// Why the count stopped.
#[derive(Debug)]
pub enum Refused {
    /// The text is not YAML the parser can read.
    Yaml(serde_yaml::Error),
    /// The document expands beyond the limits; the error says where the parser was.
    TooLarge(serde_yaml::Error),
}

/// Fails if the document expands beyond the limits.
pub fn check(text: &str) -> Result<(), Refused> {
    check_within(text, MAX_VALUES, MAX_TEXT_BYTES)
}

fn check_within(text: &str, max_values: u64, max_bytes: u64) -> Result<(), Refused> {
    let spent = Budget {
        values: Cell::new(0),
        bytes: Cell::new(0),
        max_values,
        max_bytes,
    };
    Counter(&spent)
        .deserialize(serde_yaml::Deserializer::from_str(text))
        .map_err(|e| match spent.exceeded() {
            true => Refused::TooLarge(e),
            false => Refused::Yaml(e),
        })
}

struct Budget {
    values: Cell<u64>,
    bytes: Cell<u64>,
    max_values: u64,
    max_bytes: u64,
}

impl Budget {
    fn exceeded(&self) -> bool {
        self.values.get() > self.max_values || self.bytes.get() > self.max_bytes
    }
}

#[derive(Clone, Copy)]
struct Counter<'a>(&'a Budget);

impl Counter<'_> {
    fn spend<E: de::Error>(self, bytes: usize) -> Result<(), E> {
        let b = self.0;
        b.values.set(b.values.get() + 1);
        b.bytes.set(b.bytes.get() + bytes as u64);
        if b.exceeded() {
            return Err(E::custom(format!(
                "the document expands to more than {} values or {} bytes \
                 (YAML aliases repeat too much)",
                b.max_values, b.max_bytes
            )));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Counter<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Counter<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.spend(0)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.spend(0)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.spend(0)
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> Result<(), E> {
        self.spend(0)
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<(), E> {
        self.spend(0)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.spend(0)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.spend(s.len())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.spend(0)
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.spend(0)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.spend(0)?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.spend(0)?;
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        use de::VariantAccess;
        let ((), variant) = data.variant_seed(self)?;
        variant.newtype_variant_seed(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ordinary_document_passes() {
        assert!(check("a: [1, 2, 3]\nb: {c: d}\n").is_ok());
    }

    /// The message of a refusal, and whether the budget (not the parser) refused.
    fn refusal(text: &str, max_values: u64) -> (bool, String) {
        match check_within(text, max_values, MAX_TEXT_BYTES).unwrap_err() {
            Refused::TooLarge(e) => (true, e.to_string()),
            Refused::Yaml(e) => (false, e.to_string()),
        }
    }

    #[test]
    fn a_billion_laughs_is_stopped_by_the_parser_before_the_budget() {
        let mut text = String::from("a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n");
        for i in 1..9 {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
        }
        assert_eq!(
            refusal(&text, MAX_VALUES),
            (false, "repetition limit exceeded".into())
        );
    }

    #[test]
    fn an_anchor_repeated_a_few_times_is_stopped_by_the_budget_not_the_parser() {
        // The file expands to 3·10^7 values; a tenth of the limit keeps the test quick.
        let text = include_str!("../../tests/broken/alias-expansion.yaml");
        assert_eq!(
            refusal(text, MAX_VALUES / 10),
            (
                true,
                "data[0][996][995]: the document expands to more than 2000000 values or \
                 100000000 bytes (YAML aliases repeat too much) at line 4 column 2993"
                    .into()
            )
        );
    }

    /// The pre-scan measures an anchored plain string by its first line (the budget counts
    /// the whole parsed string); an anchor on a tag it measures by the node after the tag.
    #[test]
    fn what_the_prescan_lets_pass_the_budget_stops() {
        let tagged = include_str!("../../tests/broken/alias-expansion-anchor-on-a-tag.yaml");
        let refused = super::super::prescan::scan(tagged).expect_err("refused by the pre-scan");
        assert_eq!((refused.line, refused.column), (7, 4002));
        let text = include_str!("../../tests/broken/alias-expansion-past-the-prescan.yaml");
        assert_eq!(super::super::prescan::scan(text), Ok(()));
        assert_eq!(
            refusal(text, MAX_VALUES),
            (
                true,
                "copies[998]: the document expands to more than 20000000 values or 100000000 \
                 bytes (YAML aliases repeat too much) at line 6 column 7"
                    .into()
            )
        );
    }
}
