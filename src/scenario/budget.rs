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

/// Fails if the document expands beyond the limits.
pub fn check(text: &str) -> Result<(), serde_yaml::Error> {
    check_within(text, MAX_VALUES, MAX_TEXT_BYTES)
}

fn check_within(text: &str, max_values: u64, max_bytes: u64) -> Result<(), serde_yaml::Error> {
    let spent = Budget {
        values: Cell::new(0),
        bytes: Cell::new(0),
        max_values,
        max_bytes,
    };
    Counter(&spent).deserialize(serde_yaml::Deserializer::from_str(text))
}

struct Budget {
    values: Cell<u64>,
    bytes: Cell<u64>,
    max_values: u64,
    max_bytes: u64,
}

#[derive(Clone, Copy)]
struct Counter<'a>(&'a Budget);

impl Counter<'_> {
    fn spend<E: de::Error>(self, bytes: usize) -> Result<(), E> {
        let b = self.0;
        b.values.set(b.values.get() + 1);
        b.bytes.set(b.bytes.get() + bytes as u64);
        if b.values.get() > b.max_values || b.bytes.get() > b.max_bytes {
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

    #[test]
    fn a_billion_laughs_is_stopped() {
        let mut text = String::from("a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n");
        for i in 1..9 {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
        }
        let err = check(&text).unwrap_err().to_string();
        assert!(
            err.contains("repeat too much") || err.contains("repetition limit"),
            "{err}"
        );
    }

    #[test]
    fn an_anchor_repeated_a_few_times_is_stopped_by_the_budget_not_the_parser() {
        // The file expands to 3·10^7 values; a tenth of the limit keeps the test quick.
        let text = include_str!("../../tests/broken/alias-expansion.yaml");
        let err = check_within(text, MAX_VALUES / 10, MAX_TEXT_BYTES)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("the document expands to more than 2000000 values"),
            "{err}"
        );
    }
}
