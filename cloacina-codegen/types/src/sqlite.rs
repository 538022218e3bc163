//! SQLite storage formats of the universal types.

use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types;
use diesel::sqlite::{Sqlite, SqliteType, SqliteValue};

use crate::{
    uuid_from_bytes, DbBool, DbDate, DbDecimal, DbJson, DbNaiveTimestamp, DbTime, DbTimestamp,
    DbUuid, UniversalBool, UniversalDate, UniversalDecimal, UniversalJson, UniversalNaiveTimestamp,
    UniversalTime, UniversalTimestamp, UniversalUuid,
};

/// Fails with a clear message unless SQLite reports the expected storage class.
fn expect_sqlite_type(
    value: &SqliteValue<'_, '_, '_>,
    expected: SqliteType,
    what: &str,
) -> deserialize::Result<()> {
    match value.value_type() {
        Some(t) if t == expected => Ok(()),
        other => Err(format!(
            "{what}: expected SQLite storage class {expected:?}, found {other:?}"
        )
        .into()),
    }
}

impl ToSql<DbUuid, Sqlite> for UniversalUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(&self.0.as_bytes()[..]);
        Ok(IsNull::No)
    }
}

impl FromSql<DbUuid, Sqlite> for UniversalUuid {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        expect_sqlite_type(&value, SqliteType::Binary, "DbUuid")?;
        let bytes = <Vec<u8> as FromSql<sql_types::Binary, Sqlite>>::from_sql(value)?;
        uuid_from_bytes(&bytes)
    }
}

impl ToSql<DbTimestamp, Sqlite> for UniversalTimestamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        self.checked_unix_micros()?;
        out.set_value(self.to_canonical_string());
        Ok(IsNull::No)
    }
}

impl FromSql<DbTimestamp, Sqlite> for UniversalTimestamp {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        expect_sqlite_type(&value, SqliteType::Text, "DbTimestamp")?;
        let text = <String as FromSql<sql_types::Text, Sqlite>>::from_sql(value)?;
        Ok(Self::parse_text(&text)?)
    }
}

impl ToSql<DbBool, Sqlite> for UniversalBool {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(i32::from(self.0));
        Ok(IsNull::No)
    }
}

impl FromSql<DbBool, Sqlite> for UniversalBool {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        expect_sqlite_type(&value, SqliteType::Long, "DbBool")?;
        match <i64 as FromSql<sql_types::BigInt, Sqlite>>::from_sql(value)? {
            0 => Ok(Self(false)),
            1 => Ok(Self(true)),
            n => Err(format!("DbBool: expected 0 or 1, got {n}").into()),
        }
    }
}

impl ToSql<DbJson, Sqlite> for UniversalJson {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(serde_json::to_string(&self.0)?);
        Ok(IsNull::No)
    }
}

impl FromSql<DbJson, Sqlite> for UniversalJson {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        expect_sqlite_type(&value, SqliteType::Text, "DbJson")?;
        let text = <String as FromSql<sql_types::Text, Sqlite>>::from_sql(value)?;
        Ok(Self(serde_json::from_str(&text)?))
    }
}

/// The text of a `TEXT` value, or an error naming the type.
fn text_of(value: SqliteValue<'_, '_, '_>, what: &str) -> deserialize::Result<String> {
    expect_sqlite_type(&value, SqliteType::Text, what)?;
    <String as FromSql<sql_types::Text, Sqlite>>::from_sql(value)
}

impl ToSql<DbNaiveTimestamp, Sqlite> for UniversalNaiveTimestamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        self.checked_micros()?;
        out.set_value(self.to_canonical_string());
        Ok(IsNull::No)
    }
}

impl FromSql<DbNaiveTimestamp, Sqlite> for UniversalNaiveTimestamp {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        Ok(Self::parse_text(&text_of(value, "DbNaiveTimestamp")?)?)
    }
}

impl ToSql<DbDate, Sqlite> for UniversalDate {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        self.checked_days()?;
        out.set_value(self.to_canonical_string());
        Ok(IsNull::No)
    }
}

impl FromSql<DbDate, Sqlite> for UniversalDate {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        Ok(Self::parse_text(&text_of(value, "DbDate")?)?)
    }
}

impl ToSql<DbTime, Sqlite> for UniversalTime {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        self.checked_micros()?;
        out.set_value(self.to_canonical_string());
        Ok(IsNull::No)
    }
}

impl FromSql<DbTime, Sqlite> for UniversalTime {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        Ok(Self::parse_text(&text_of(value, "DbTime")?)?)
    }
}

impl<const S: u8> diesel::sql_types::HasSqlType<DbDecimal<S>> for Sqlite {
    fn metadata(_: &mut ()) -> SqliteType {
        SqliteType::Long
    }
}

impl<const S: u8> ToSql<DbDecimal<S>, Sqlite> for UniversalDecimal {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.scaled_units(S)?);
        Ok(IsNull::No)
    }
}

impl<const S: u8> FromSql<DbDecimal<S>, Sqlite> for UniversalDecimal {
    fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        expect_sqlite_type(&value, SqliteType::Long, "DbDecimal")?;
        let units = <i64 as FromSql<sql_types::BigInt, Sqlite>>::from_sql(value)?;
        Ok(Self::from_scaled_units(units, S))
    }
}
