//! PostgreSQL wire formats of the universal types.

use std::io::Write;

use chrono::{DateTime, NaiveDate, NaiveTime};
use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};

use bigdecimal::BigDecimal;
use diesel::pg::data_types::PgNumeric;

use crate::{
    uuid_from_bytes, DbBool, DbDate, DbDecimal, DbJson, DbNaiveTimestamp, DbTime, DbTimestamp,
    DbUuid, UniversalBool, UniversalDate, UniversalDecimal, UniversalJson, UniversalNaiveTimestamp,
    UniversalTime, UniversalTimestamp, UniversalUuid,
};

impl ToSql<DbUuid, Pg> for UniversalUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(self.0.as_bytes())?;
        Ok(IsNull::No)
    }
}

impl FromSql<DbUuid, Pg> for UniversalUuid {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        uuid_from_bytes(value.as_bytes())
    }
}

/// 2000-01-01T00:00:00Z in microseconds since the Unix epoch (PostgreSQL's epoch).
const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;

impl ToSql<DbTimestamp, Pg> for UniversalTimestamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        let micros = self.checked_unix_micros()? - PG_EPOCH_UNIX_MICROS;
        out.write_all(&micros.to_be_bytes())?;
        Ok(IsNull::No)
    }
}

impl FromSql<DbTimestamp, Pg> for UniversalTimestamp {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        let bytes: [u8; 8] = value.as_bytes().try_into().map_err(|_| {
            format!(
                "DbTimestamp: expected 8 bytes of timestamptz, got {}",
                value.as_bytes().len()
            )
        })?;
        let pg_micros = i64::from_be_bytes(bytes);
        if pg_micros == i64::MAX || pg_micros == i64::MIN {
            return Err("DbTimestamp: 'infinity'/'-infinity' is not supported".into());
        }
        pg_micros
            .checked_add(PG_EPOCH_UNIX_MICROS)
            .and_then(DateTime::from_timestamp_micros)
            .map(Self)
            .ok_or_else(|| format!("DbTimestamp: {pg_micros} µs out of range").into())
    }
}

impl ToSql<DbBool, Pg> for UniversalBool {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(&[u8::from(self.0)])?;
        Ok(IsNull::No)
    }
}

impl FromSql<DbBool, Pg> for UniversalBool {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        match value.as_bytes() {
            [0] => Ok(Self(false)),
            [1] => Ok(Self(true)),
            other => Err(format!("DbBool: invalid PostgreSQL bool bytes {other:?}").into()),
        }
    }
}

impl ToSql<DbJson, Pg> for UniversalJson {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(&[1])?; // jsonb binary format version
        serde_json::to_writer(&mut *out, &self.0)?;
        Ok(IsNull::No)
    }
}

impl FromSql<DbJson, Pg> for UniversalJson {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        match value.as_bytes() {
            [1, rest @ ..] => Ok(Self(serde_json::from_slice(rest)?)),
            [v, ..] => Err(format!("DbJson: unsupported jsonb version {v}").into()),
            [] => Err("DbJson: empty jsonb value".into()),
        }
    }
}

/// `N` big-endian bytes of a PostgreSQL binary value, or an error naming the type.
fn fixed<const N: usize>(value: &PgValue<'_>, what: &str) -> deserialize::Result<[u8; N]> {
    value
        .as_bytes()
        .try_into()
        .map_err(|_| format!("{what}: expected {N} bytes, got {}", value.as_bytes().len()).into())
}

impl ToSql<DbNaiveTimestamp, Pg> for UniversalNaiveTimestamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        let micros = self.checked_micros()? - PG_EPOCH_UNIX_MICROS;
        out.write_all(&micros.to_be_bytes())?;
        Ok(IsNull::No)
    }
}

impl FromSql<DbNaiveTimestamp, Pg> for UniversalNaiveTimestamp {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        let pg_micros = i64::from_be_bytes(fixed(&value, "DbNaiveTimestamp")?);
        if pg_micros == i64::MAX || pg_micros == i64::MIN {
            return Err("DbNaiveTimestamp: 'infinity'/'-infinity' is not supported".into());
        }
        pg_micros
            .checked_add(PG_EPOCH_UNIX_MICROS)
            .and_then(DateTime::from_timestamp_micros)
            .map(|t| Self(t.naive_utc()))
            .ok_or_else(|| format!("DbNaiveTimestamp: {pg_micros} µs out of range").into())
    }
}

/// 2000-01-01 in days since 1970-01-01 (PostgreSQL's date epoch).
const PG_EPOCH_UNIX_DAYS: i64 = 10_957;

impl ToSql<DbDate, Pg> for UniversalDate {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        let days = i32::try_from(self.checked_days()? - PG_EPOCH_UNIX_DAYS)?;
        out.write_all(&days.to_be_bytes())?;
        Ok(IsNull::No)
    }
}

impl FromSql<DbDate, Pg> for UniversalDate {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        let pg_days = i32::from_be_bytes(fixed(&value, "DbDate")?);
        if pg_days == i32::MAX || pg_days == i32::MIN {
            return Err("DbDate: 'infinity'/'-infinity' is not supported".into());
        }
        NaiveDate::default()
            .checked_add_signed(chrono::TimeDelta::days(
                i64::from(pg_days) + PG_EPOCH_UNIX_DAYS,
            ))
            .map(Self)
            .ok_or_else(|| format!("DbDate: {pg_days} days out of range").into())
    }
}

impl ToSql<DbTime, Pg> for UniversalTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(&self.checked_micros()?.to_be_bytes())?;
        Ok(IsNull::No)
    }
}

impl FromSql<DbTime, Pg> for UniversalTime {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        let micros = i64::from_be_bytes(fixed(&value, "DbTime")?);
        let secs = u32::try_from(micros.div_euclid(1_000_000)).ok();
        let frac = u32::try_from(micros.rem_euclid(1_000_000) * 1_000).ok();
        secs.zip(frac)
            .and_then(|(s, n)| NaiveTime::from_num_seconds_from_midnight_opt(s, n))
            .map(Self)
            // PostgreSQL accepts 24:00:00, which no NaiveTime holds.
            .ok_or_else(|| format!("DbTime: {micros} µs after midnight is not a time of day (24:00:00 is not supported)").into())
    }
}

impl<const S: u8> diesel::sql_types::HasSqlType<DbDecimal<S>> for Pg {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        <Pg as diesel::sql_types::HasSqlType<diesel::sql_types::Numeric>>::metadata(lookup)
    }
}

impl<const S: u8> ToSql<DbDecimal<S>, Pg> for UniversalDecimal {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        // PostgreSQL would round a value with more digits after the point
        // than the column's scale; refuse it here instead.
        let numeric = PgNumeric::from(self.with_exact_scale(S)?);
        ToSql::<diesel::sql_types::Numeric, Pg>::to_sql(&numeric, &mut out.reborrow())
    }
}

impl<const S: u8> FromSql<DbDecimal<S>, Pg> for UniversalDecimal {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        let d = <BigDecimal as FromSql<diesel::sql_types::Numeric, Pg>>::from_sql(value)?;
        Ok(Self(d.with_scale(i64::from(S))))
    }
}
