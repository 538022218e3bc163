//! Runtime types for the code that `cloacina-codegen` generates.
//!
//! The generated `table!` modules name the custom SQL types of this crate
//! ([`DbUuid`], [`DbTimestamp`], [`DbBool`], [`DbJson`], [`DbNaiveTimestamp`],
//! [`DbDate`], [`DbTime`], [`DbDecimal`]); the generated models hold its
//! values ([`UniversalUuid`], [`UniversalTimestamp`], [`UniversalBool`],
//! [`UniversalJson`], [`UniversalNaiveTimestamp`], [`UniversalDate`],
//! [`UniversalTime`], [`UniversalDecimal`]), which read and write identically on PostgreSQL and
//! SQLite.
//!
//! **Two timestamps, named apart.** The neutral `Timestamp` ([`DbTimestamp`],
//! [`UniversalTimestamp`]) is a UTC *instant*: `TIMESTAMPTZ` on PostgreSQL.
//! Diesel's own `sql_types::Timestamp` is the other kind, a wall-clock
//! timestamp *without* time zone; its neutral counterpart is
//! `NaiveTimestamp` ([`DbNaiveTimestamp`], [`UniversalNaiveTimestamp`],
//! `TIMESTAMP` on PostgreSQL). A consuming crate depends on this crate next to
//! `diesel` and includes the generated file:
//!
//! ```toml
//! [dependencies]
//! cloacina-types = { version = "0.1", features = ["postgres", "sqlite", "serde"] }
//! diesel = { version = "2.3", features = ["postgres", "sqlite"] }
//!
//! [build-dependencies]
//! cloacina-codegen = { version = "0.1", default-features = false }
//! ```
//!
//! ```text
//! // build.rs
//! cloacina_codegen::Builder::new().schema("schema/app.rs").compile()?;
//! // src/lib.rs
//! mod db { include!(concat!(env!("OUT_DIR"), "/app.rs")); }
//! ```
//!
//! The generated file re-exports this crate as its `types` module (under
//! the path set by `Builder::types_path`, `::cloacina_types` by default) and
//! adds only what depends on the schema or must live in the consumer: the
//! `table!` modules, the models, the status enums, the `AnyConnection` enum
//! and the `MultiBackend` impls of these types (Rust's orphan rule puts
//! those in the crate that defines `MultiBackend`).
//!
//! # Features
//!
//! - `postgres`: the PostgreSQL wire formats (`ToSql`/`FromSql` for `Pg`);
//! - `sqlite`: the SQLite storage formats (`ToSql`/`FromSql` for `Sqlite`);
//! - `serde`: `Serialize`/`Deserialize` for the universal value types (UUIDs
//!   as hyphenated text, timestamps in the canonical
//!   `YYYY-MM-DDTHH:MM:SS.ffffffZ` form, naive timestamps, dates and times
//!   in their canonical SQLite text, decimals as plain digit text, JSON as
//!   itself).
//!
//! **The exact decimal.** `Decimal<P, S>` columns use [`DbDecimal<S>`]
//! (`NUMERIC(P, S)` on PostgreSQL, an `INTEGER` holding the value times
//! `10^S` on SQLite) and [`UniversalDecimal`] over `bigdecimal::BigDecimal`;
//! a value that does not fit the scale is an error, never rounded.
//!
//! **PostgreSQL-only columns** of a `#[backend(postgres)]` table use
//! Diesel's own SQL types and Rust values; the crates those values come
//! from are re-exported here under `postgres` ([`ipnet`] for `inet`/`cidr`,
//! [`chrono`], [`uuid`], [`serde_json`] and [`bigdecimal`] for ranges and
//! arrays, [`diesel_full_text_search`] for `tsvector`), so the generated models name them through this crate and a
//! consumer needs no extra dependency.
//!
//! Enable the features of every backend the generator was asked for (its
//! `Builder::backends`); `postgres` and `sqlite` are on by default.
#![warn(missing_docs)]

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

#[allow(unused_imports)]
use diesel::deserialize::{self, FromSql, FromSqlRow};

use diesel::expression::AsExpression;

#[allow(unused_imports)]
use diesel::serialize::{self, IsNull, Output, ToSql};

#[allow(unused_imports)]
use diesel::sql_types;

#[cfg(feature = "postgres")]
mod postgres;

/// `inet`/`cidr` values (`ipnet::IpNet`, Diesel's `ipnet-address` mapping).
#[cfg(feature = "postgres")]
pub use ipnet;

/// Dates and times of PostgreSQL range and array columns.
#[cfg(feature = "postgres")]
pub use chrono;

/// `uuid[]` elements.
#[cfg(feature = "postgres")]
pub use uuid;

/// `jsonb[]` elements.
#[cfg(feature = "postgres")]
pub use serde_json;

/// `numrange` bounds and `numeric[]` elements.
#[cfg(feature = "postgres")]
pub use bigdecimal;

/// `tsvector` columns: the SQL type `Tsvector`, the value `PgTsVector`
/// (read only: the crate has no `ToSql` for it) and the full-text search
/// functions and operators (`to_tsvector`, `to_tsquery`, `matches`).
#[cfg(feature = "postgres")]
pub use diesel_full_text_search;
#[cfg(feature = "serde")]
mod serde_impls;
#[cfg(feature = "sqlite")]
mod sqlite;

/// Text that names none of the values of a generated enum (the `FromStr`
/// error of every enum that `cloacina-codegen` generates for a
/// `#[check(in(...))]` column).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a {type_name}: expected one of {}", .expected.join(", "))]
pub struct UnknownVariant {
    /// The enum's name, e.g. `TaskExecutionStatus`.
    pub type_name: &'static str,
    /// The text that was not recognised.
    pub value: String,
    /// Every accepted text, in schema order.
    pub expected: &'static [&'static str],
}

/// PostgreSQL `uuid`; SQLite `BLOB` of exactly 16 bytes.
#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(oid = 2950, array_oid = 2951))]
#[diesel(sqlite_type(name = "Binary"))]
pub struct DbUuid;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, AsExpression, FromSqlRow,
)]
#[diesel(sql_type = DbUuid)]
/// A UUID that reads and writes identically on every backend.
pub struct UniversalUuid(pub uuid::Uuid);

impl UniversalUuid {
    /// A fresh random (version 4) UUID.
    pub fn new_v4() -> Self {
        Self(uuid::Uuid::new_v4())
    }
}

impl From<uuid::Uuid> for UniversalUuid {
    fn from(u: uuid::Uuid) -> Self {
        Self(u)
    }
}

impl From<UniversalUuid> for uuid::Uuid {
    fn from(u: UniversalUuid) -> Self {
        u.0
    }
}

impl fmt::Display for UniversalUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[allow(dead_code)] // used by the backend features
fn uuid_from_bytes(bytes: &[u8]) -> deserialize::Result<UniversalUuid> {
    uuid::Uuid::from_slice(bytes)
        .map(UniversalUuid)
        .map_err(|_| format!("DbUuid: expected exactly 16 bytes, got {}", bytes.len()).into())
}

/// PostgreSQL `timestamptz`; SQLite `TEXT` `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, 27 chars).
#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(oid = 1184, array_oid = 1185))]
#[diesel(sqlite_type(name = "Text"))]
pub struct DbTimestamp;

/// A UTC instant with microsecond precision: `TIMESTAMPTZ` on PostgreSQL, canonical
/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` text on SQLite. Always whole microseconds once it
/// has been through the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = DbTimestamp)]
pub struct UniversalTimestamp(pub DateTime<Utc>);

/// The first year both backends store alike.
pub const MIN_YEAR: i32 = 1;

/// The last year both backends store alike.
pub const MAX_YEAR: i32 = 9999;

impl UniversalTimestamp {
    /// Current time truncated to microseconds.
    pub fn now() -> Self {
        Self(Utc::now()).truncated()
    }

    /// Truncated (towards -inf) to whole microseconds, as stored by both backends.
    pub fn truncated(self) -> Self {
        DateTime::from_timestamp_micros(self.0.timestamp_micros())
            .map(Self)
            .unwrap_or(self)
    }

    /// Microseconds since the Unix epoch, after checking the parity range 0001..=9999.
    pub fn checked_unix_micros(&self) -> Result<i64, String> {
        let year = self.0.year();
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(format!(
                "DbTimestamp: year {year} outside the supported range {MIN_YEAR:04}..={MAX_YEAR:04} ({})",
                self.0
            ));
        }
        Ok(self.0.timestamp_micros())
    }

    /// Canonical text form `YYYY-MM-DDTHH:MM:SS.ffffffZ` (truncated to microseconds).
    pub fn to_canonical_string(&self) -> String {
        let t = self.truncated().0;
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.nanosecond() / 1_000
        )
    }

    /// Parses the canonical form exactly; falls back to lenient forms
    /// (`YYYY-MM-DD HH:MM[:SS[.f]]`, optional `T`/`Z`, RFC 3339 with offset).
    pub fn parse_text(s: &str) -> Result<Self, String> {
        if let Some(dt) = parse_canonical(s) {
            return Ok(Self(dt));
        }
        let trimmed = s.trim();
        const FORMATS: [&str; 8] = [
            "%Y-%m-%dT%H:%M:%S%.fZ",
            "%Y-%m-%d %H:%M:%S%.fZ",
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%MZ",
            "%Y-%m-%d %H:%MZ",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
        ];
        for f in FORMATS {
            if let Ok(n) = NaiveDateTime::parse_from_str(trimmed, f) {
                return Ok(Self(n.and_utc()).truncated());
            }
        }
        if let Ok(dt) = DateTime::parse_from_rfc3339(trimmed) {
            return Ok(Self(dt.with_timezone(&Utc)).truncated());
        }
        Err(format!(
            "DbTimestamp: cannot parse {s:?}; expected YYYY-MM-DDTHH:MM:SS.ffffffZ"
        ))
    }
}

fn parse_canonical(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() != 27
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[26] != b'Z'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    let time =
        NaiveTime::from_hms_micro_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?, num(20, 26)?)?;
    Some(NaiveDateTime::new(date, time).and_utc())
}

impl From<DateTime<Utc>> for UniversalTimestamp {
    fn from(dt: DateTime<Utc>) -> Self {
        Self(dt)
    }
}

impl From<UniversalTimestamp> for DateTime<Utc> {
    fn from(t: UniversalTimestamp) -> Self {
        t.0
    }
}

impl fmt::Display for UniversalTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_canonical_string())
    }
}

/// PostgreSQL `boolean`; SQLite `INTEGER` 0/1.
#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(oid = 16, array_oid = 1000))]
#[diesel(sqlite_type(name = "Integer"))]
pub struct DbBool;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, AsExpression, FromSqlRow,
)]
#[diesel(sql_type = DbBool)]
/// A boolean: `BOOLEAN` on PostgreSQL, `INTEGER` 0/1 on SQLite.
pub struct UniversalBool(pub bool);

impl From<bool> for UniversalBool {
    fn from(b: bool) -> Self {
        Self(b)
    }
}

impl From<UniversalBool> for bool {
    fn from(b: UniversalBool) -> Self {
        b.0
    }
}

impl fmt::Display for UniversalBool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// PostgreSQL `jsonb`; SQLite `TEXT` (JSON text).
#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(oid = 3802, array_oid = 3807))]
#[diesel(sqlite_type(name = "Text"))]
pub struct DbJson;

/// A JSON document: `JSONB` on PostgreSQL, JSON text on SQLite.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, AsExpression, FromSqlRow)]
#[diesel(sql_type = DbJson)]
pub struct UniversalJson(pub serde_json::Value);

impl From<serde_json::Value> for UniversalJson {
    fn from(v: serde_json::Value) -> Self {
        Self(v)
    }
}

impl From<UniversalJson> for serde_json::Value {
    fn from(v: UniversalJson) -> Self {
        v.0
    }
}

impl fmt::Display for UniversalJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The one canonical text of a time of day, as SQLite stores it:
/// `HH:MM:SS` for a whole second, else `HH:MM:SS.ffffff` (six digits, never
/// all zero), so equal times have equal text and text order is time order.
fn canonical_time_text(t: NaiveTime) -> String {
    let micros = t.nanosecond() / 1_000;
    if micros == 0 {
        format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
    } else {
        format!(
            "{:02}:{:02}:{:02}.{micros:06}",
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

/// Reads `HH:MM:SS` or `HH:MM:SS.f…` (up to 6 fraction digits; no leap
/// second).
fn parse_time_text(s: &str) -> Option<NaiveTime> {
    let b = s.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b.get(from..to)?.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let micros = match &b[8..] {
        [] => 0,
        [b'.', frac @ ..] if (1..=6).contains(&frac.len()) => {
            num(9, b.len())? * 10u32.pow(6 - frac.len() as u32)
        }
        _ => return None,
    };
    NaiveTime::from_hms_micro_opt(num(0, 2)?, num(3, 5)?, num(6, 8)?, micros)
}

/// Reads `YYYY-MM-DD` (four-digit year).
fn parse_date_text(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)
}

fn check_year(what: &str, year: i32) -> Result<(), String> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(format!(
            "{what}: year {year} outside the supported range {MIN_YEAR:04}..={MAX_YEAR:04}"
        ))
    }
}

/// PostgreSQL `timestamp` (without time zone); SQLite `TEXT`
/// `YYYY-MM-DD HH:MM:SS[.ffffff]`.
#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(oid = 1114, array_oid = 1115))]
#[diesel(sqlite_type(name = "Text"))]
pub struct DbNaiveTimestamp;

/// A wall-clock date and time WITHOUT time zone, microsecond precision:
/// `TIMESTAMP` on PostgreSQL, canonical text on SQLite (`YYYY-MM-DD
/// HH:MM:SS` for a whole second, else `YYYY-MM-DD HH:MM:SS.ffffff`; what
/// SQLite's `CURRENT_TIMESTAMP` writes is canonical). Not an instant: for
/// a UTC instant use [`UniversalTimestamp`]. Years 0001..=9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = DbNaiveTimestamp)]
pub struct UniversalNaiveTimestamp(pub NaiveDateTime);

impl UniversalNaiveTimestamp {
    /// Truncated to whole microseconds, as stored by both backends.
    pub fn truncated(self) -> Self {
        let t = self.0.time();
        let t = t
            .with_nanosecond(t.nanosecond() / 1_000 * 1_000)
            .unwrap_or(t);
        Self(NaiveDateTime::new(self.0.date(), t))
    }

    /// Microseconds since 1970-01-01 00:00:00 (as if it were UTC), after
    /// checking the parity range 0001..=9999.
    pub fn checked_micros(&self) -> Result<i64, String> {
        check_year("DbNaiveTimestamp", self.0.year())?;
        Ok(self.0.and_utc().timestamp_micros())
    }

    /// The canonical text (truncated to microseconds).
    pub fn to_canonical_string(&self) -> String {
        let t = self.truncated().0;
        format!(
            "{:04}-{:02}-{:02} {}",
            t.year(),
            t.month(),
            t.day(),
            canonical_time_text(t.time())
        )
    }

    /// Reads `YYYY-MM-DD HH:MM:SS[.f…]` (a `T` in place of the space is
    /// accepted too).
    ///
    /// # Errors
    /// Any other text, with what was expected.
    pub fn parse_text(s: &str) -> Result<Self, String> {
        let parsed = s
            .get(0..10)
            .zip(s.get(11..))
            .filter(|_| matches!(s.as_bytes().get(10), Some(b' ' | b'T')))
            .and_then(|(d, t)| Some(NaiveDateTime::new(parse_date_text(d)?, parse_time_text(t)?)));
        parsed.map(Self).ok_or_else(|| {
            format!("DbNaiveTimestamp: cannot parse {s:?}; expected YYYY-MM-DD HH:MM:SS[.ffffff]")
        })
    }
}

impl From<NaiveDateTime> for UniversalNaiveTimestamp {
    fn from(t: NaiveDateTime) -> Self {
        Self(t)
    }
}

impl From<UniversalNaiveTimestamp> for NaiveDateTime {
    fn from(t: UniversalNaiveTimestamp) -> Self {
        t.0
    }
}

impl fmt::Display for UniversalNaiveTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_canonical_string())
    }
}

/// PostgreSQL `date`; SQLite `TEXT` `YYYY-MM-DD`.
#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(oid = 1082, array_oid = 1182))]
#[diesel(sqlite_type(name = "Text"))]
pub struct DbDate;

/// A calendar date: `DATE` on PostgreSQL, `YYYY-MM-DD` text on SQLite.
/// Years 0001..=9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = DbDate)]
pub struct UniversalDate(pub NaiveDate);

impl UniversalDate {
    /// Days since 1970-01-01, after checking the parity range 0001..=9999.
    pub fn checked_days(&self) -> Result<i64, String> {
        check_year("DbDate", self.0.year())?;
        Ok(self
            .0
            .signed_duration_since(NaiveDate::default())
            .num_days())
    }

    /// The canonical text `YYYY-MM-DD`.
    pub fn to_canonical_string(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}",
            self.0.year(),
            self.0.month(),
            self.0.day()
        )
    }

    /// Reads `YYYY-MM-DD`.
    ///
    /// # Errors
    /// Any other text, with what was expected.
    pub fn parse_text(s: &str) -> Result<Self, String> {
        parse_date_text(s)
            .map(Self)
            .ok_or_else(|| format!("DbDate: cannot parse {s:?}; expected YYYY-MM-DD"))
    }
}

impl From<NaiveDate> for UniversalDate {
    fn from(d: NaiveDate) -> Self {
        Self(d)
    }
}

impl From<UniversalDate> for NaiveDate {
    fn from(d: UniversalDate) -> Self {
        d.0
    }
}

impl fmt::Display for UniversalDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_canonical_string())
    }
}

/// PostgreSQL `time` (without time zone); SQLite `TEXT` `HH:MM:SS[.ffffff]`.
#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(oid = 1083, array_oid = 1183))]
#[diesel(sqlite_type(name = "Text"))]
pub struct DbTime;

/// A time of day, microsecond precision: `TIME` on PostgreSQL, canonical
/// text on SQLite (`HH:MM:SS` for a whole second, else `HH:MM:SS.ffffff`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow)]
#[diesel(sql_type = DbTime)]
pub struct UniversalTime(pub NaiveTime);

impl UniversalTime {
    /// Truncated to whole microseconds (a leap second is refused on
    /// writing).
    pub fn truncated(self) -> Self {
        Self(
            self.0
                .with_nanosecond(self.0.nanosecond() / 1_000 * 1_000)
                .unwrap_or(self.0),
        )
    }

    /// Microseconds since midnight.
    pub fn checked_micros(&self) -> Result<i64, String> {
        if self.0.nanosecond() >= 1_000_000_000 {
            return Err(format!(
                "DbTime: a leap second ({}) is not supported",
                self.0
            ));
        }
        Ok(i64::from(self.0.num_seconds_from_midnight()) * 1_000_000
            + i64::from(self.0.nanosecond() / 1_000))
    }

    /// The canonical text (truncated to microseconds).
    pub fn to_canonical_string(&self) -> String {
        canonical_time_text(self.truncated().0)
    }

    /// Reads `HH:MM:SS[.f…]`.
    ///
    /// # Errors
    /// Any other text, with what was expected.
    pub fn parse_text(s: &str) -> Result<Self, String> {
        parse_time_text(s)
            .map(Self)
            .ok_or_else(|| format!("DbTime: cannot parse {s:?}; expected HH:MM:SS[.ffffff]"))
    }
}

impl From<NaiveTime> for UniversalTime {
    fn from(t: NaiveTime) -> Self {
        Self(t)
    }
}

impl From<UniversalTime> for NaiveTime {
    fn from(t: UniversalTime) -> Self {
        t.0
    }
}

impl fmt::Display for UniversalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_canonical_string())
    }
}

/// The largest precision of an exact decimal: its value times `10^S` fits
/// SQLite's 64-bit `INTEGER` (`10^18 - 1 < 2^63`).
pub const DECIMAL_MAX_PRECISION: u8 = 18;

/// An exact decimal with `S` digits after the point: PostgreSQL
/// `NUMERIC(P, S)`; SQLite `INTEGER` holding the value times `10^S` (so
/// rows sort, compare and `SUM` exactly). The precision `P` is the column's
/// check (SQLite) or declared type (PostgreSQL); the scale is part of the
/// SQL type because both backends need it to write and read a value.
#[derive(Debug, Clone, Copy, Default, diesel::query_builder::QueryId)]
pub struct DbDecimal<const S: u8>;

impl<const S: u8> sql_types::SqlType for DbDecimal<S> {
    type IsNull = sql_types::is_nullable::NotNull;
}

impl<const S: u8> sql_types::SingleValue for DbDecimal<S> {}

/// An exact decimal that reads and writes identically on every backend
/// (see [`DbDecimal`]). A value with more digits after the point than the
/// column's scale is refused on writing, never rounded; one with more
/// digits before it than the precision allows is refused by the database
/// (PostgreSQL's `numeric field overflow`, SQLite's check). Read back with
/// exactly the column's scale (`1.5` in a scale-2 column reads as `1.50`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, AsExpression, FromSqlRow)]
#[diesel(sql_type = DbDecimal<0>)]
#[diesel(sql_type = DbDecimal<1>)]
#[diesel(sql_type = DbDecimal<2>)]
#[diesel(sql_type = DbDecimal<3>)]
#[diesel(sql_type = DbDecimal<4>)]
#[diesel(sql_type = DbDecimal<5>)]
#[diesel(sql_type = DbDecimal<6>)]
#[diesel(sql_type = DbDecimal<7>)]
#[diesel(sql_type = DbDecimal<8>)]
#[diesel(sql_type = DbDecimal<9>)]
#[diesel(sql_type = DbDecimal<10>)]
#[diesel(sql_type = DbDecimal<11>)]
#[diesel(sql_type = DbDecimal<12>)]
#[diesel(sql_type = DbDecimal<13>)]
#[diesel(sql_type = DbDecimal<14>)]
#[diesel(sql_type = DbDecimal<15>)]
#[diesel(sql_type = DbDecimal<16>)]
#[diesel(sql_type = DbDecimal<17>)]
#[diesel(sql_type = DbDecimal<18>)]
pub struct UniversalDecimal(pub bigdecimal::BigDecimal);

impl UniversalDecimal {
    /// The value with exactly `scale` digits after the point, or an error
    /// naming the value when that would round it.
    ///
    /// # Errors
    /// More significant digits after the point than `scale`.
    pub fn with_exact_scale(&self, scale: u8) -> Result<bigdecimal::BigDecimal, String> {
        let scaled = self.0.with_scale(i64::from(scale));
        if scaled != self.0 {
            return Err(format!(
                "DbDecimal<{scale}>: {} has more than {scale} digits after the point; \
                 round it explicitly (it is never rounded silently)",
                self.0
            ));
        }
        Ok(scaled)
    }

    /// The value times `10^scale` as a 64-bit integer (SQLite's storage).
    ///
    /// # Errors
    /// More digits after the point than `scale`, or a value that does not
    /// fit 64 bits.
    pub fn scaled_units(&self, scale: u8) -> Result<i64, String> {
        let (units, _) = self.with_exact_scale(scale)?.into_bigint_and_exponent();
        i64::try_from(&units).map_err(|_| {
            format!(
                "DbDecimal<{scale}>: {} does not fit a precision of {DECIMAL_MAX_PRECISION} digits",
                self.0
            )
        })
    }

    /// The value `units / 10^scale`.
    pub fn from_scaled_units(units: i64, scale: u8) -> Self {
        Self(bigdecimal::BigDecimal::new(units.into(), i64::from(scale)))
    }

    /// The canonical text: plain digits, a `-` sign, as many digits after
    /// the point as the value carries (no exponent).
    pub fn to_canonical_string(&self) -> String {
        self.0.to_plain_string()
    }

    /// Reads a plain decimal (`-12.50`, `3`, `0.001`).
    ///
    /// # Errors
    /// Anything else, with what was expected.
    pub fn parse_text(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let digits = t.strip_prefix('-').unwrap_or(t);
        let plain = !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
            && digits.matches('.').count() <= 1
            && digits.chars().any(|c| c.is_ascii_digit());
        if !plain {
            return Err(format!(
                "DbDecimal: cannot parse {s:?}; expected plain digits such as -12.50"
            ));
        }
        t.parse::<bigdecimal::BigDecimal>()
            .map(Self)
            .map_err(|e| format!("DbDecimal: cannot parse {s:?}: {e}"))
    }
}

impl From<bigdecimal::BigDecimal> for UniversalDecimal {
    fn from(d: bigdecimal::BigDecimal) -> Self {
        Self(d)
    }
}

impl From<UniversalDecimal> for bigdecimal::BigDecimal {
    fn from(d: UniversalDecimal) -> Self {
        d.0
    }
}

impl std::str::FromStr for UniversalDecimal {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::parse_text(s)
    }
}

impl fmt::Display for UniversalDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_canonical_string())
    }
}

#[cfg(test)]
mod decimal_tests {
    use super::*;

    #[test]
    fn scaled_units_are_exact_or_refused() {
        let d = |s: &str| UniversalDecimal::parse_text(s).expect("decimal");
        assert_eq!(d("1.5").scaled_units(2), Ok(150));
        assert_eq!(d("-0.01").scaled_units(2), Ok(-1));
        assert_eq!(d("0").scaled_units(4), Ok(0));
        assert_eq!(d("1.500").scaled_units(2), Ok(150));
        let err = d("1.555").scaled_units(2).expect_err("would round");
        assert!(err.contains("never rounded"), "{err}");
        assert_eq!(
            d("999999999999999999").scaled_units(0),
            Ok(999_999_999_999_999_999)
        );
        assert!(d("99999999999999999999").scaled_units(0).is_err());
    }

    #[test]
    fn units_read_back_with_the_column_scale() {
        let v = UniversalDecimal::from_scaled_units(-150, 2);
        assert_eq!(v.to_canonical_string(), "-1.50");
        assert_eq!(UniversalDecimal::from_scaled_units(7, 0).to_string(), "7");
        assert_eq!(
            UniversalDecimal::from_scaled_units(5, 3).to_string(),
            "0.005"
        );
    }

    #[test]
    fn only_plain_text_parses() {
        for bad in ["", "-", ".", "1e5", "1.2.3", "abc", "+1", "1,5"] {
            assert!(UniversalDecimal::parse_text(bad).is_err(), "{bad}");
        }
        assert_eq!(
            UniversalDecimal::parse_text("-12.50").map(|d| d.to_string()),
            Ok("-12.50".to_string())
        );
    }
}

#[cfg(test)]
mod calendar_tests {
    use super::*;

    #[test]
    fn canonical_text_is_unique_and_round_trips() {
        let cases = [
            ("2024-01-01 10:00:00", "2024-01-01 10:00:00"),
            ("2024-01-01 10:00:00.000000", "2024-01-01 10:00:00"),
            ("2024-01-01 10:00:00.5", "2024-01-01 10:00:00.500000"),
            ("2024-01-01T10:00:00.123456", "2024-01-01 10:00:00.123456"),
            ("0001-01-01 00:00:00", "0001-01-01 00:00:00"),
            ("9999-12-31 23:59:59.999999", "9999-12-31 23:59:59.999999"),
        ];
        for (text, canonical) in cases {
            let t = UniversalNaiveTimestamp::parse_text(text).expect(text);
            assert_eq!(t.to_canonical_string(), canonical, "{text}");
            assert_eq!(UniversalNaiveTimestamp::parse_text(canonical), Ok(t));
        }
        for bad in [
            "2024-01-01",
            "2024-13-01 00:00:00",
            "2024-01-01 10:00",
            "2024-01-01 10:00:00.1234567",
            "2024-01-01 10:00:00Z",
        ] {
            assert!(UniversalNaiveTimestamp::parse_text(bad).is_err(), "{bad}");
        }
        let d = UniversalDate::parse_text("2024-02-29").expect("leap day");
        assert_eq!(d.to_string(), "2024-02-29");
        assert!(UniversalDate::parse_text("2023-02-29").is_err());
        assert!(UniversalDate::parse_text("24-02-29").is_err());
        let t = UniversalTime::parse_text("23:59:59.000001").expect("time");
        assert_eq!(t.to_string(), "23:59:59.000001");
        assert_eq!(t.checked_micros(), Ok(86_399_000_001));
        assert_eq!(
            UniversalTime::parse_text("07:00:00.0").map(|t| t.to_string()),
            Ok("07:00:00".into())
        );
        assert!(UniversalTime::parse_text("24:00:00").is_err());
    }

    #[test]
    fn the_parity_range_is_checked() {
        let old = NaiveDate::from_ymd_opt(0, 12, 31).expect("date");
        assert!(UniversalDate(old).checked_days().is_err());
        assert!(
            UniversalNaiveTimestamp(old.and_hms_opt(0, 0, 0).expect("t"))
                .checked_micros()
                .is_err()
        );
        let epoch = UniversalDate(NaiveDate::default());
        assert_eq!(epoch.checked_days(), Ok(0));
    }
}
