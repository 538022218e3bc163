// The `MultiBackend` glue of the generated `connection` module: three impls per custom SQL type.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::HasSqlType;

use super::types::{
    DbBool, DbJson, DbTimestamp, DbUuid, UniversalBool, UniversalJson, UniversalTimestamp,
    UniversalUuid,
};

// One block of three impls per custom SQL type. Everything else (Nullable<_>,
// Option<_>, &T, AsExpression, Queryable) comes from blanket impls / the derives.

impl HasSqlType<DbUuid> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<DbUuid>(lookup)
    }
}

impl FromSql<DbUuid, MultiBackend> for UniversalUuid {
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<UniversalUuid, DbUuid>()
    }
}

impl ToSql<DbUuid, MultiBackend> for UniversalUuid {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((DbUuid, self));
        Ok(IsNull::No)
    }
}

impl HasSqlType<DbTimestamp> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<DbTimestamp>(lookup)
    }
}

impl FromSql<DbTimestamp, MultiBackend> for UniversalTimestamp {
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<UniversalTimestamp, DbTimestamp>()
    }
}

impl ToSql<DbTimestamp, MultiBackend> for UniversalTimestamp {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((DbTimestamp, self));
        Ok(IsNull::No)
    }
}

impl HasSqlType<DbBool> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<DbBool>(lookup)
    }
}

impl FromSql<DbBool, MultiBackend> for UniversalBool {
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<UniversalBool, DbBool>()
    }
}

impl ToSql<DbBool, MultiBackend> for UniversalBool {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((DbBool, self));
        Ok(IsNull::No)
    }
}

impl HasSqlType<DbJson> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<DbJson>(lookup)
    }
}

impl FromSql<DbJson, MultiBackend> for UniversalJson {
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        bytes.from_sql::<UniversalJson, DbJson>()
    }
}

impl ToSql<DbJson, MultiBackend> for UniversalJson {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((DbJson, self));
        Ok(IsNull::No)
    }
}
