//! PostgreSQL wire formats of the universal types.

use std::io::Write;

use chrono::DateTime;
use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};

use crate::{
    uuid_from_bytes, DbBool, DbJson, DbTimestamp, DbUuid, UniversalBool, UniversalJson,
    UniversalTimestamp, UniversalUuid,
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
