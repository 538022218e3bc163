//! `Serialize`/`Deserialize` for the universal value types (feature `serde`).
//!
//! Each type serializes as the text or value a person reads: a UUID as
//! hyphenated text, a timestamp in the canonical
//! `YYYY-MM-DDTHH:MM:SS.ffffffZ` form (the lenient forms of
//! [`UniversalTimestamp::parse_text`] are accepted back), a boolean as a
//! boolean and a JSON document as itself.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{
    UniversalBool, UniversalDate, UniversalDecimal, UniversalJson, UniversalNaiveTimestamp,
    UniversalTime, UniversalTimestamp, UniversalUuid,
};

impl Serialize for UniversalUuid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for UniversalUuid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        uuid::Uuid::parse_str(&text)
            .map(Self)
            .map_err(|e| D::Error::custom(format!("UniversalUuid: {e}")))
    }
}

impl Serialize for UniversalTimestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_canonical_string())
    }
}

impl<'de> Deserialize<'de> for UniversalTimestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse_text(&text).map_err(D::Error::custom)
    }
}

impl Serialize for UniversalBool {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(self.0)
    }
}

impl<'de> Deserialize<'de> for UniversalBool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        bool::deserialize(d).map(Self)
    }
}

impl Serialize for UniversalJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for UniversalJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(d).map(Self)
    }
}

/// The canonical text serializes; what `parse_text` accepts reads back.
macro_rules! text_serde {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_canonical_string())
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                Self::parse_text(&text).map_err(D::Error::custom)
            }
        }
    )*};
}

text_serde!(UniversalNaiveTimestamp, UniversalDate, UniversalTime);

impl Serialize for UniversalDecimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_canonical_string())
    }
}

impl<'de> Deserialize<'de> for UniversalDecimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse_text(&text).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use crate::{UniversalBool, UniversalJson, UniversalTimestamp, UniversalUuid};

    #[test]
    fn values_round_trip_through_json() {
        let id = UniversalUuid(uuid::Uuid::from_u128(
            0x0123_4567_89ab_cdef_0123_4567_89ab_cdef,
        ));
        let text = serde_json::to_string(&id).expect("serialize uuid");
        assert_eq!(text, "\"01234567-89ab-cdef-0123-456789abcdef\"");
        assert_eq!(
            serde_json::from_str::<UniversalUuid>(&text).expect("uuid"),
            id
        );

        let at = UniversalTimestamp::parse_text("2024-02-29T23:59:59.123456Z").expect("parse");
        let text = serde_json::to_string(&at).expect("serialize timestamp");
        assert_eq!(text, "\"2024-02-29T23:59:59.123456Z\"");
        assert_eq!(
            serde_json::from_str::<UniversalTimestamp>(&text).expect("ts"),
            at
        );

        assert_eq!(
            serde_json::to_string(&UniversalBool(true)).expect("bool"),
            "true"
        );
        let doc = UniversalJson(serde_json::json!({"a": [1, null]}));
        let text = serde_json::to_string(&doc).expect("json");
        assert_eq!(
            serde_json::from_str::<UniversalJson>(&text).expect("json"),
            doc
        );
    }

    #[test]
    fn bad_text_is_a_clear_error() {
        let err = serde_json::from_str::<UniversalUuid>("\"nope\"").expect_err("bad uuid");
        assert!(err.to_string().contains("UniversalUuid"), "{err}");
        let err = serde_json::from_str::<UniversalTimestamp>("\"yesterday\"").expect_err("bad ts");
        assert!(err.to_string().contains("YYYY-MM-DD"), "{err}");
    }

    #[test]
    fn calendar_values_serialize_as_their_canonical_text() {
        use crate::{UniversalDate, UniversalNaiveTimestamp, UniversalTime};
        let at = UniversalNaiveTimestamp::parse_text("2024-02-29 23:59:59.5").expect("parse");
        let text = serde_json::to_string(&at).expect("serialize");
        assert_eq!(text, "\"2024-02-29 23:59:59.500000\"");
        assert_eq!(
            serde_json::from_str::<UniversalNaiveTimestamp>(&text).expect("read"),
            at
        );
        let day = UniversalDate::parse_text("0001-01-01").expect("parse");
        assert_eq!(
            serde_json::to_string(&day).expect("serialize"),
            "\"0001-01-01\""
        );
        let t = serde_json::from_str::<UniversalTime>("\"07:00:00.000000\"").expect("read");
        assert_eq!(
            serde_json::to_string(&t).expect("serialize"),
            "\"07:00:00\""
        );
        let err = serde_json::from_str::<UniversalDate>("\"2023-02-29\"").expect_err("no such day");
        assert!(err.to_string().contains("expected YYYY-MM-DD"), "{err}");
    }
}
