//! What an application writes for a declared custom type: its Diesel SQL
//! types and the Rust value type with `ToSql`/`FromSql`, here for the
//! `ltree` extension's label paths (the fixture
//! `cloacina-codegen/tests/fixtures/custom_types/custom_types.rs` names
//! these paths in its `#[custom_type(...)]` declarations).

use std::io::Write;

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sqlite::Sqlite;

/// `ltree`, PostgreSQL only (looked up by name at run time).
#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(name = "ltree"))]
pub struct Ltree;

/// `ltree` on PostgreSQL, `TEXT` on SQLite: one SQL type for both
/// backends, as the unified `table!` module needs.
#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(name = "ltree"))]
#[diesel(sqlite_type(name = "Text"))]
pub struct AnyLtree;

/// A label path (`top.science.astronomy`).
#[derive(Debug, Clone, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Ltree)]
#[diesel(sql_type = AnyLtree)]
pub struct LabelPath(pub String);

impl From<&str> for LabelPath {
    fn from(s: &str) -> Self {
        LabelPath(s.to_string())
    }
}

/// `ltree`'s binary form: a version byte (1), then the text.
fn write_pg(path: &LabelPath, out: &mut Output<'_, '_, Pg>) -> serialize::Result {
    out.write_all(&[1])?;
    out.write_all(path.0.as_bytes())?;
    Ok(IsNull::No)
}

fn read_pg(value: PgValue<'_>) -> deserialize::Result<LabelPath> {
    match value.as_bytes().split_first() {
        Some((1, text)) => Ok(LabelPath(std::str::from_utf8(text)?.to_string())),
        _ => Err("ltree: unknown binary format version".into()),
    }
}

impl ToSql<Ltree, Pg> for LabelPath {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        write_pg(self, out)
    }
}

impl FromSql<Ltree, Pg> for LabelPath {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        read_pg(value)
    }
}

impl ToSql<AnyLtree, Pg> for LabelPath {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        write_pg(self, out)
    }
}

impl FromSql<AnyLtree, Pg> for LabelPath {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        read_pg(value)
    }
}

impl ToSql<AnyLtree, Sqlite> for LabelPath {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.0.as_str());
        Ok(IsNull::No)
    }
}

impl FromSql<AnyLtree, Sqlite> for LabelPath {
    fn from_sql(value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<diesel::sql_types::Text, Sqlite>>::from_sql(value)?;
        Ok(LabelPath(text))
    }
}
