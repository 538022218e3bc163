//! The one backend-neutral schema model.
//!
//! The parsed schema file, a migration snapshot and an introspected database
//! all become a [`Schema`]. Every value here is a closed enum or a plain
//! string identifier; backend escape hatches are explicit variants
//! ([`CheckExpr::Raw`], [`RawBlock`], [`BackendScope`]), never SQL passed
//! through in disguise.
//!
//! Source positions ([`Span`]) ride along for diagnostics but never take part
//! in equality: two schemas that say the same thing are equal wherever they
//! came from.

use std::fmt;

pub use crate::custom_type::{CustomType, CustomTypeDecl};

/// A byte range in the schema source. Ignored by `==`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Span {
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset one past the last character.
    pub end: usize,
}

impl Span {
    /// A span covering `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The number of bytes covered.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True when the span covers nothing (for example, a model built in code).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PartialEq for Span {
    fn eq(&self, _: &Span) -> bool {
        true
    }
}

/// A whole schema: tables in file order, then raw SQL blocks in file order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    /// Tables, in the order the schema file declares them.
    pub tables: Vec<Table>,
    /// Backend-specific SQL that rides along verbatim, in file order.
    pub raw_blocks: Vec<RawBlock>,
    /// The PostgreSQL extensions the file declares
    /// (`#![postgres_extensions(citext, pg_trgm)]`), in file order: created
    /// before any table on PostgreSQL, nothing on SQLite.
    pub extensions: Vec<Extension>,
    /// Declared enums (`#[db_enum] enum Mood { Happy, Sad }`), in file
    /// order: `CREATE TYPE … AS ENUM` on PostgreSQL, a checked `TEXT` on
    /// SQLite.
    pub enums: Vec<DbEnum>,
    /// Declared custom types (`#[custom_type(postgres = "ltree", ...)]
    /// struct Ltree;`), in file order.
    pub custom_types: Vec<CustomTypeDecl>,
}

/// A declared PostgreSQL extension: `citext`, or
/// `postgis(schema = "extensions", version = "3.4.2")` for
/// `CREATE EXTENSION ... WITH SCHEMA ... VERSION ...`.
///
/// It compares equal to its bare name (`"citext"`) when it sets neither
/// option.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Extension {
    /// The name (a lowercase SQL identifier, see [`is_extension_name`]).
    pub name: String,
    /// `WITH SCHEMA`: the schema its objects go into; `None` is the schema
    /// `CREATE EXTENSION` picks (the current one). Compared with a database,
    /// the current schema named explicitly counts as `None`; another schema
    /// is a difference.
    pub schema: Option<String>,
    /// `VERSION`: `None` is the extension's default version and matches any.
    pub version: Option<String>,
}

impl Extension {
    /// The extension `name` with neither option.
    pub fn named(name: impl Into<String>) -> Extension {
        Extension {
            name: name.into(),
            schema: None,
            version: None,
        }
    }

    /// How the schema language writes it: `citext`, or
    /// `postgis(schema = "extensions", version = "3.4.2")`.
    pub fn neutral_spelling(&self) -> String {
        let mut options = Vec::new();
        if let Some(s) = &self.schema {
            options.push(format!("schema = {s:?}"));
        }
        if let Some(v) = &self.version {
            options.push(format!("version = {v:?}"));
        }
        if options.is_empty() {
            self.name.clone()
        } else {
            format!("{}({})", self.name, options.join(", "))
        }
    }
}

impl PartialEq<str> for Extension {
    fn eq(&self, name: &str) -> bool {
        self.name == name && self.schema.is_none() && self.version.is_none()
    }
}

impl PartialEq<&str> for Extension {
    fn eq(&self, name: &&str) -> bool {
        self == *name
    }
}

impl Schema {
    /// The table whose schema-file name is `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The enum whose SQL name is `sql_name`.
    pub fn db_enum(&self, sql_name: &str) -> Option<&DbEnum> {
        self.enums.iter().find(|e| e.sql_name == sql_name)
    }

    /// The Rust name of the enum type `ty` (the declared one when the
    /// schema declares it, else [`EnumType::rust_name`]).
    pub fn enum_rust_name(&self, ty: EnumType) -> String {
        self.db_enum(ty.sql_name())
            .map_or_else(|| ty.rust_name(), |e| e.name.clone())
    }

    /// The custom type declared as `name`.
    pub fn custom_type(&self, name: &str) -> Option<&CustomTypeDecl> {
        self.custom_types.iter().find(|c| c.name == name)
    }

    /// Tables that exist on `backend`.
    pub fn tables_for(&self, backend: Backend) -> impl Iterator<Item = &Table> {
        self.tables
            .iter()
            .filter(move |t| t.scope.includes(backend))
    }
}

/// Whether `name` is a PostgreSQL extension name the schema language can
/// declare: a lowercase SQL identifier (`citext`, `pg_trgm`), which
/// `CREATE EXTENSION` takes without quotes.
pub fn is_extension_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A concrete database backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Backend {
    /// PostgreSQL (13 or newer).
    Postgres,
    /// SQLite (3.41 or newer; the bundled library).
    Sqlite,
}

impl Backend {
    /// Both backends, PostgreSQL first.
    pub const ALL: [Backend; 2] = [Backend::Postgres, Backend::Sqlite];

    /// The lowercase name used in folders, flags and attributes.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where an object exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum BackendScope {
    /// On every backend (the normal case).
    #[default]
    Both,
    /// On one backend only (`#[backend(postgres)]`).
    Only(Backend),
}

impl BackendScope {
    /// Whether an object with this scope exists on `backend`.
    pub fn includes(self, backend: Backend) -> bool {
        match self {
            BackendScope::Both => true,
            BackendScope::Only(b) => b == backend,
        }
    }
}

/// One table.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The name in the schema file and in generated Rust code.
    pub name: String,
    /// The SQL name when it differs from `name` (`#[sql_name = "..."]`).
    pub sql_name: Option<String>,
    /// Doc comment lines, carried into generated code.
    pub docs: Vec<String>,
    /// Which backends have this table.
    pub scope: BackendScope,
    /// Columns in declaration order.
    pub columns: Vec<Column>,
    /// Primary key columns (schema-file names), in key order.
    pub primary_key: Vec<String>,
    /// `#[primary_key(deferrable = ...)]`: PostgreSQL only (validation
    /// refuses it on a table that SQLite also has).
    pub primary_key_deferrable: Deferrable,
    /// Foreign keys, column-level ones included.
    pub foreign_keys: Vec<ForeignKey>,
    /// Unique constraints, column-level ones included.
    pub uniques: Vec<Unique>,
    /// Check constraints, column-level ones included (the type map's implicit
    /// checks, such as SQLite's boolean 0/1, are not listed here).
    pub checks: Vec<Check>,
    /// Indexes.
    pub indexes: Vec<Index>,
    /// The name this table had before (`#[renamed_from(old)]`).
    pub renamed_from: Option<String>,
    /// Where the table's name stands in the source.
    pub span: Span,
}

impl Table {
    /// An empty table named `name`, on every backend: no columns, keys,
    /// constraints or indexes yet (readers fill them in).
    pub fn named(name: impl Into<String>) -> Table {
        Table {
            name: name.into(),
            sql_name: None,
            docs: Vec::new(),
            scope: BackendScope::Both,
            columns: Vec::new(),
            primary_key: Vec::new(),
            primary_key_deferrable: Deferrable::No,
            foreign_keys: Vec::new(),
            uniques: Vec::new(),
            checks: Vec::new(),
            indexes: Vec::new(),
            renamed_from: None,
            span: Span::default(),
        }
    }

    /// The name used in SQL.
    pub fn sql_name(&self) -> &str {
        self.sql_name.as_deref().unwrap_or(&self.name)
    }

    /// The column whose schema-file name is `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The SQL name of the column `name` (falls back to `name`).
    pub fn column_sql_name<'a>(&'a self, name: &'a str) -> &'a str {
        self.column(name).map(Column::sql_name).unwrap_or(name)
    }

    /// The auto-increment key column, if the table has one.
    pub fn auto_increment_column(&self) -> Option<&Column> {
        self.columns.iter().find(|c| c.auto_increment)
    }
}

/// One column.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// The name in the schema file and in generated Rust code.
    pub name: String,
    /// The SQL name when it differs from `name`.
    pub sql_name: Option<String>,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// The neutral type.
    pub ty: ColumnType,
    /// `Nullable<T>`.
    pub nullable: bool,
    /// The column default.
    pub default: Option<DefaultValue>,
    /// An auto-increment integer key (`#[auto_increment]`).
    pub auto_increment: bool,
    /// The name this column had before (`#[renamed_from(old)]`).
    pub renamed_from: Option<String>,
    /// Where the column's name stands in the source.
    pub span: Span,
    /// Where the column's type stands in the source.
    pub ty_span: Span,
}

impl Column {
    /// The name used in SQL.
    pub fn sql_name(&self) -> &str {
        self.sql_name.as_deref().unwrap_or(&self.name)
    }

    /// Whether an insert may leave this column out (it has a default, is
    /// generated, or is nullable).
    pub fn insert_optional(&self) -> bool {
        self.default.is_some() || self.auto_increment || self.nullable
    }

    /// Whether the insert model has a field for this column: every column
    /// but a read-only one (`Tsvector`, see [`PgType::writable`]), which
    /// validation requires to be nullable or to have a default.
    pub fn written_on_insert(&self) -> bool {
        match self.ty {
            ColumnType::Postgres(p) => p.writable(),
            _ => true,
        }
    }
}

/// The neutral column types of the design's type map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColumnType {
    /// A UUID: `UUID` on PostgreSQL, a 16-byte `BLOB` on SQLite.
    Uuid,
    /// Text, optionally limited to `max_len` characters.
    Text {
        /// The maximum length in characters (`Text<255>`).
        max_len: Option<u32>,
    },
    /// A 16-bit integer.
    SmallInt,
    /// A 32-bit integer.
    Integer,
    /// A 64-bit integer.
    BigInt,
    /// A boolean: `BOOLEAN` on PostgreSQL, `INTEGER` 0/1 on SQLite.
    Bool,
    /// A UTC instant with microsecond precision (`TIMESTAMPTZ` on
    /// PostgreSQL; Diesel's naive `Timestamp` is [`ColumnType::NaiveTimestamp`]).
    Timestamp,
    /// A 64-bit float.
    Double,
    /// A 32-bit float: `REAL` on PostgreSQL, `REAL` with the 32-bit range
    /// checked on SQLite; `f32` in Rust.
    Float,
    /// Bytes.
    Binary,
    /// A JSON document: `JSONB` on PostgreSQL, checked `TEXT` on SQLite.
    Json,
    /// A wall-clock date and time WITHOUT time zone (what Diesel calls
    /// `Timestamp`), microseconds: `TIMESTAMP` on PostgreSQL, canonical
    /// `YYYY-MM-DD HH:MM:SS[.ffffff]` text on SQLite.
    NaiveTimestamp,
    /// A calendar date: `DATE` on PostgreSQL, `YYYY-MM-DD` text on SQLite.
    Date,
    /// A time of day, microseconds: `TIME` on PostgreSQL, canonical
    /// `HH:MM:SS[.ffffff]` text on SQLite.
    Time,
    /// An exact decimal of `precision` significant digits, `scale` of them
    /// after the point (`Decimal<P, S>`, 1 <= P <= 18, S <= P):
    /// `NUMERIC(P, S)` on PostgreSQL, an `INTEGER` holding the value times
    /// `10^S` on SQLite (exact, sorts and compares as numbers).
    Decimal {
        /// Significant digits in all (`P`).
        precision: u8,
        /// Digits after the point (`S`).
        scale: u8,
    },
    /// A PostgreSQL-only type, allowed only in a `#[backend(postgres)]`
    /// table (validation says so, located, anywhere else).
    Postgres(PgType),
    /// A declared enum ([`DbEnum`]): the native enum type on PostgreSQL,
    /// `TEXT` checked against the labels on SQLite.
    Enum(EnumType),
    /// A declared custom type ([`CustomTypeDecl`]): PostgreSQL's spelling
    /// verbatim, the declared SQLite type (only in PostgreSQL-only tables
    /// when it declares none).
    Custom(CustomType),
}

/// A declared enum (`#[db_enum(name = "mood")] enum Mood { Happy, Sad }`).
#[derive(Clone, Debug, PartialEq)]
pub struct DbEnum {
    /// The name in the schema file and in generated Rust code (`Mood`).
    pub name: String,
    /// The SQL type name (`mood`): the enum name in snake_case unless
    /// `#[db_enum(name = "...")]` says otherwise.
    pub sql_name: String,
    /// The labels, in declaration order (PostgreSQL's sort order).
    pub labels: Vec<String>,
    /// The Rust variant of each label, in the same order (the variant as
    /// written in the schema file; the label is the variant unless
    /// `#[value("...")]` says otherwise).
    pub variants: Vec<String>,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// Where the enum's name stands in the source.
    pub span: Span,
}

impl DbEnum {
    /// The column type of this enum.
    pub fn ty(&self) -> EnumType {
        EnumType::new(&self.sql_name, &self.labels)
    }
}

/// What a column of a declared enum type holds: the SQL type name and the
/// labels in order, the database's identity of the enum (the Rust name is
/// the schema's, [`Schema::enum_rust_name`]).
///
/// It is `Copy`, like every [`ColumnType`], so that the hundred places that
/// pass column types by value stay as they are: each distinct definition
/// is interned once per process (a few per schema, never freed) and the
/// type holds a reference to it. Equality, hashing and `Debug` look at the
/// definition, never at the address.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnumType(&'static EnumDef);

/// The definitions of one kind interned so far (see [`intern`]).
pub(crate) type Interned<T> =
    std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<&'static T>>>;

/// The one copy of `def` in `set`, made (and never freed) the first time:
/// how a `Copy` column type holds a definition with strings in it.
pub(crate) fn intern<T: Eq + std::hash::Hash>(set: &'static Interned<T>, def: T) -> &'static T {
    let mut set = set
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(found) = set.get(&def) {
        return found;
    }
    let leaked: &'static T = Box::leak(Box::new(def));
    set.insert(leaked);
    leaked
}

/// The interned definition behind an [`EnumType`].
#[derive(Debug, PartialEq, Eq, Hash)]
struct EnumDef {
    sql_name: String,
    labels: Vec<String>,
}

impl EnumType {
    /// The enum type named `sql_name` with `labels` in this order.
    pub fn new(sql_name: &str, labels: &[String]) -> EnumType {
        static INTERNED: Interned<EnumDef> = std::sync::OnceLock::new();
        EnumType(intern(
            &INTERNED,
            EnumDef {
                sql_name: sql_name.to_string(),
                labels: labels.to_vec(),
            },
        ))
    }

    /// The SQL type name (`execution_status`).
    pub fn sql_name(self) -> &'static str {
        &self.0.sql_name
    }

    /// The labels in order.
    pub fn labels(self) -> &'static [String] {
        &self.0.labels
    }

    /// The Rust name derived from the SQL name (`ExecutionStatus` for
    /// `execution_status`), for an enum no schema declares (a database
    /// read by `inspect`).
    pub fn rust_name(self) -> String {
        enum_rust_name(self.sql_name())
    }
}

impl fmt::Debug for EnumType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnumType")
            .field("sql_name", &self.0.sql_name)
            .field("labels", &self.0.labels)
            .finish()
    }
}

/// Rust variant names for labels read from a database: the label in
/// UpperCamelCase when that is an identifier (`in_progress` →
/// `InProgress`), else `ValueN`.
pub fn label_variants(labels: &[String]) -> Vec<String> {
    let mut taken: Vec<String> = Vec::new();
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut name: String = upper_camel(&l.replace(['-', ' ', '.'], "_"));
            let ok = name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && name != "Self";
            if !ok || taken.contains(&name) {
                name = format!("Value{}", i + 1);
            }
            taken.push(name.clone());
            name
        })
        .collect()
}

/// The Rust name of an enum read from a database by its SQL name:
/// `execution_status` → `ExecutionStatus`; `Enum` in front when that is
/// not an identifier that starts with a letter (`_` → `Enum`).
pub fn enum_rust_name(sql_name: &str) -> String {
    let name = upper_camel(sql_name);
    if name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name
    } else {
        format!("Enum{name}")
    }
}

/// `execution_status` → `ExecutionStatus`.
pub fn upper_camel(snake: &str) -> String {
    snake
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or_else(String::new, |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect()
}

/// `ExecutionStatus` → `execution_status` (an upper-case letter after a
/// lower-case letter or digit starts a word).
pub fn snake_case(camel: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// The PostgreSQL-only column types: those Diesel's PostgreSQL backend maps
/// to a Rust type (its own, or one of the crates `cloacina-types`
/// re-exports under its `postgres` feature: `ipnet`, `chrono`, `uuid`,
/// `serde_json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PgType {
    /// `T[]` of a neutral scalar (`Array<Text>`): `Vec<T>` in Rust, elements
    /// never NULL.
    Array(PgElem),
    /// A range (`Range<Integer>` is `INT4RANGE`): a pair of `Bound`s in Rust.
    Range(PgRange),
    /// `INTERVAL`: Diesel's `PgInterval`.
    Interval,
    /// `MONEY`: Diesel's `PgMoney` (cents as `i64`).
    Money,
    /// `OID`: `u32`.
    Oid,
    /// `MACADDR`: `[u8; 6]`.
    MacAddr,
    /// `MACADDR8` (EUI-64): `[u8; 8]`.
    MacAddr8,
    /// `CITEXT` (case-insensitive text; needs the `citext` extension,
    /// declared with `#![postgres_extensions(citext)]`): `String`.
    Citext,
    /// `INET` (a host address with an optional netmask): `ipnet::IpNet`.
    Inet,
    /// `CIDR` (a network, no bits set right of the mask): `ipnet::IpNet`.
    Cidr,
    /// `TSVECTOR` (a full-text search document): `PgTsVector` of
    /// `diesel_full_text_search`, read only. Diesel can read a tsvector but
    /// not write one, so the insert model leaves the column out: it must be
    /// nullable or have a default, and is filled in SQL (`to_tsvector(...)`
    /// in an `UPDATE` or a trigger).
    Tsvector,
}

/// The element types of a PostgreSQL array column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PgElem {
    /// `TEXT[]`.
    Text,
    /// `SMALLINT[]`.
    SmallInt,
    /// `INTEGER[]`.
    Integer,
    /// `BIGINT[]`.
    BigInt,
    /// `BOOLEAN[]`.
    Bool,
    /// `DOUBLE PRECISION[]`.
    Double,
    /// `REAL[]`.
    Float,
    /// `BYTEA[]`.
    Binary,
    /// `UUID[]`: `uuid::Uuid` elements.
    Uuid,
    /// `TIMESTAMPTZ[]`: `chrono::DateTime<chrono::Utc>` elements.
    Timestamp,
    /// `TIMESTAMP[]`: `chrono::NaiveDateTime` elements.
    NaiveTimestamp,
    /// `DATE[]`: `chrono::NaiveDate` elements.
    Date,
    /// `TIME[]`: `chrono::NaiveTime` elements.
    Time,
    /// `JSONB[]`: `serde_json::Value` elements.
    Json,
    /// `NUMERIC(P, S)[]` (`Array<Decimal<P, S>>`, the neutral decimal's
    /// bounds): `UniversalDecimal` elements (`Array<DbDecimal<S>>` in the
    /// unified module, so a digit too many is refused, never rounded).
    Decimal {
        /// Significant digits in all (`P`).
        precision: u8,
        /// Digits after the point (`S`).
        scale: u8,
    },
}

/// The element types of a PostgreSQL range column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PgRange {
    /// `INT4RANGE`.
    Integer,
    /// `INT8RANGE`.
    BigInt,
    /// `TSTZRANGE`: bounds of `chrono::DateTime<chrono::Utc>`.
    Timestamp,
    /// `TSRANGE`: bounds of `chrono::NaiveDateTime`.
    NaiveTimestamp,
    /// `DATERANGE`: bounds of `chrono::NaiveDate`.
    Date,
    /// `NUMRANGE` (`Range<Numeric>`): bounds of `bigdecimal::BigDecimal`.
    /// Its bounds are unconstrained numerics (no precision or scale), so
    /// the bound is named `Numeric`, not the exact `Decimal<P, S>`.
    Numeric,
}

impl PgRange {
    /// Every range type, in declaration order.
    pub const ALL: [PgRange; 6] = [
        PgRange::Integer,
        PgRange::BigInt,
        PgRange::Timestamp,
        PgRange::NaiveTimestamp,
        PgRange::Date,
        PgRange::Numeric,
    ];

    /// The neutral name of the bound type (`Integer` in `Range<Integer>`).
    pub fn neutral_name(self) -> &'static str {
        match self {
            PgRange::Integer => "Integer",
            PgRange::BigInt => "BigInt",
            PgRange::Timestamp => "Timestamp",
            PgRange::NaiveTimestamp => "NaiveTimestamp",
            PgRange::Date => "Date",
            PgRange::Numeric => "Numeric",
        }
    }

    /// PostgreSQL's name of the range type (`int4range`), DDL and catalogue.
    pub fn udt(self) -> &'static str {
        match self {
            PgRange::Integer => "int4range",
            PgRange::BigInt => "int8range",
            PgRange::Timestamp => "tstzrange",
            PgRange::NaiveTimestamp => "tsrange",
            PgRange::Date => "daterange",
            PgRange::Numeric => "numrange",
        }
    }

    /// Diesel's SQL type (`Int4range`).
    pub fn diesel(self) -> &'static str {
        match self {
            PgRange::Integer => "Int4range",
            PgRange::BigInt => "Int8range",
            PgRange::Timestamp => "Tstzrange",
            PgRange::NaiveTimestamp => "Tsrange",
            PgRange::Date => "Daterange",
            PgRange::Numeric => "Numrange",
        }
    }

    /// The Rust type of one bound (`i32`).
    pub fn rust(self) -> &'static str {
        match self {
            PgRange::Integer => "i32",
            PgRange::BigInt => "i64",
            PgRange::Timestamp => "super::types::chrono::DateTime<super::types::chrono::Utc>",
            PgRange::NaiveTimestamp => "super::types::chrono::NaiveDateTime",
            PgRange::Date => "super::types::chrono::NaiveDate",
            PgRange::Numeric => "super::types::bigdecimal::BigDecimal",
        }
    }
}

impl PgElem {
    /// Every element type without parameters, in declaration order (all
    /// but `Decimal`).
    pub const ALL: [PgElem; 14] = [
        PgElem::Text,
        PgElem::SmallInt,
        PgElem::Integer,
        PgElem::BigInt,
        PgElem::Bool,
        PgElem::Double,
        PgElem::Float,
        PgElem::Binary,
        PgElem::Uuid,
        PgElem::Timestamp,
        PgElem::NaiveTimestamp,
        PgElem::Date,
        PgElem::Time,
        PgElem::Json,
    ];

    /// The neutral name of the element (`Text`).
    pub fn neutral_name(self) -> String {
        if let PgElem::Decimal { precision, scale } = self {
            return format!("Decimal<{precision}, {scale}>");
        }
        match self {
            PgElem::Text => "Text",
            PgElem::SmallInt => "SmallInt",
            PgElem::Integer => "Integer",
            PgElem::BigInt => "BigInt",
            PgElem::Bool => "Bool",
            PgElem::Double => "Double",
            PgElem::Float => "Float",
            PgElem::Binary => "Binary",
            PgElem::Uuid => "Uuid",
            PgElem::Timestamp => "Timestamp",
            PgElem::NaiveTimestamp => "NaiveTimestamp",
            PgElem::Date => "Date",
            PgElem::Time => "Time",
            PgElem::Json => "Json",
            PgElem::Decimal { .. } => "Decimal",
        }
        .into()
    }

    /// The element's PostgreSQL type (`TEXT`).
    pub fn sql(self) -> String {
        if let PgElem::Decimal { precision, scale } = self {
            return format!("NUMERIC({precision},{scale})");
        }
        match self {
            PgElem::Text => "TEXT",
            PgElem::SmallInt => "SMALLINT",
            PgElem::Integer => "INTEGER",
            PgElem::BigInt => "BIGINT",
            PgElem::Bool => "BOOLEAN",
            PgElem::Double => "DOUBLE PRECISION",
            PgElem::Float => "REAL",
            PgElem::Binary => "BYTEA",
            PgElem::Uuid => "UUID",
            PgElem::Timestamp => "TIMESTAMPTZ",
            PgElem::NaiveTimestamp => "TIMESTAMP",
            PgElem::Date => "DATE",
            PgElem::Time => "TIME",
            PgElem::Json => "JSONB",
            PgElem::Decimal { .. } => "NUMERIC",
        }
        .into()
    }

    /// Diesel's SQL type of the element (`Text`).
    pub fn diesel(self) -> &'static str {
        match self {
            PgElem::Text => "Text",
            PgElem::SmallInt => "SmallInt",
            PgElem::Integer => "Integer",
            PgElem::BigInt => "BigInt",
            PgElem::Bool => "Bool",
            PgElem::Double => "Double",
            PgElem::Float => "Float",
            PgElem::Binary => "Binary",
            PgElem::Uuid => "Uuid",
            PgElem::Timestamp => "Timestamptz",
            PgElem::NaiveTimestamp => "Timestamp",
            PgElem::Date => "Date",
            PgElem::Time => "Time",
            PgElem::Json => "Jsonb",
            PgElem::Decimal { .. } => "Numeric",
        }
    }

    /// The Rust type of one element (`String`).
    pub fn rust(self) -> &'static str {
        match self {
            PgElem::Text => "String",
            PgElem::SmallInt => "i16",
            PgElem::Integer => "i32",
            PgElem::BigInt => "i64",
            PgElem::Bool => "bool",
            PgElem::Double => "f64",
            PgElem::Float => "f32",
            PgElem::Binary => "Vec<u8>",
            PgElem::Uuid => "super::types::uuid::Uuid",
            PgElem::Timestamp => "super::types::chrono::DateTime<super::types::chrono::Utc>",
            PgElem::NaiveTimestamp => "super::types::chrono::NaiveDateTime",
            PgElem::Date => "super::types::chrono::NaiveDate",
            PgElem::Time => "super::types::chrono::NaiveTime",
            PgElem::Json => "super::types::serde_json::Value",
            // The neutral decimal's value: refused on writing when it has
            // more digits after the point than S (PostgreSQL would round).
            PgElem::Decimal { .. } => "super::types::UniversalDecimal",
        }
    }

    /// PostgreSQL's catalogue name of the element type (`text`, `int4`).
    pub fn udt(self) -> &'static str {
        match self {
            PgElem::Text => "text",
            PgElem::SmallInt => "int2",
            PgElem::Integer => "int4",
            PgElem::BigInt => "int8",
            PgElem::Bool => "bool",
            PgElem::Double => "float8",
            PgElem::Float => "float4",
            PgElem::Binary => "bytea",
            PgElem::Uuid => "uuid",
            PgElem::Timestamp => "timestamptz",
            PgElem::NaiveTimestamp => "timestamp",
            PgElem::Date => "date",
            PgElem::Time => "time",
            PgElem::Json => "jsonb",
            PgElem::Decimal { .. } => "numeric",
        }
    }
}

impl PgType {
    /// The name as written in the schema file (`Array<Text>`).
    pub fn neutral_name(self) -> String {
        match self {
            PgType::Array(e) => format!("Array<{}>", e.neutral_name()),
            PgType::Range(r) => format!("Range<{}>", r.neutral_name()),
            PgType::Interval => "Interval".into(),
            PgType::Money => "Money".into(),
            PgType::Oid => "Oid".into(),
            PgType::MacAddr => "MacAddr".into(),
            PgType::MacAddr8 => "MacAddr8".into(),
            PgType::Citext => "Citext".into(),
            PgType::Inet => "Inet".into(),
            PgType::Cidr => "Cidr".into(),
            PgType::Tsvector => "Tsvector".into(),
        }
    }

    /// The PostgreSQL DDL type (`TEXT[]`).
    pub fn sql(self) -> String {
        match self {
            PgType::Array(e) => format!("{}[]", e.sql()),
            PgType::Range(r) => r.udt().to_ascii_uppercase(),
            PgType::Interval => "INTERVAL".into(),
            PgType::Money => "MONEY".into(),
            PgType::Oid => "OID".into(),
            PgType::MacAddr => "MACADDR".into(),
            PgType::MacAddr8 => "MACADDR8".into(),
            PgType::Citext => "CITEXT".into(),
            PgType::Inet => "INET".into(),
            PgType::Cidr => "CIDR".into(),
            PgType::Tsvector => "TSVECTOR".into(),
        }
    }

    /// Diesel's SQL type, as written inside `table!` (`Array<Text>`).
    pub fn diesel(self) -> String {
        match self {
            PgType::Array(e) => format!("Array<{}>", e.diesel()),
            PgType::Range(r) => r.diesel().into(),
            PgType::Interval => "Interval".into(),
            PgType::Money => "Money".into(),
            PgType::Oid => "Oid".into(),
            PgType::MacAddr => "MacAddr".into(),
            PgType::MacAddr8 => "MacAddr8".into(),
            PgType::Citext => "Citext".into(),
            PgType::Inet => "Inet".into(),
            PgType::Cidr => "Cidr".into(),
            PgType::Tsvector => "Tsvector".into(),
        }
    }

    /// The Rust value type Diesel maps it to, as prettyplease prints it.
    pub fn rust(self) -> String {
        match self {
            PgType::Array(e) => format!("Vec<{}>", e.rust()),
            PgType::Range(r) => {
                let b = r.rust();
                format!("(std::ops::Bound<{b}>, std::ops::Bound<{b}>)")
            }
            PgType::Interval => "diesel::pg::data_types::PgInterval".into(),
            PgType::Money => "diesel::pg::data_types::PgMoney".into(),
            PgType::Oid => "u32".into(),
            PgType::MacAddr => "[u8; 6]".into(),
            PgType::MacAddr8 => "[u8; 8]".into(),
            PgType::Citext => "String".into(),
            PgType::Inet | PgType::Cidr => "super::types::ipnet::IpNet".into(),
            PgType::Tsvector => "super::types::diesel_full_text_search::PgTsVector".into(),
        }
    }

    /// The type for PostgreSQL's catalogue name (`udt_name`: `_text`,
    /// `int4range`, `interval`), when it is one of these.
    pub fn from_udt(udt: &str) -> Option<PgType> {
        if let Some(elem) = udt.strip_prefix('_') {
            return PgElem::ALL
                .into_iter()
                .find(|e| e.udt() == elem)
                .map(PgType::Array);
        }
        if let Some(r) = PgRange::ALL.into_iter().find(|r| r.udt() == udt) {
            return Some(PgType::Range(r));
        }
        Some(match udt {
            "interval" => PgType::Interval,
            "money" => PgType::Money,
            "oid" => PgType::Oid,
            "macaddr" => PgType::MacAddr,
            "macaddr8" => PgType::MacAddr8,
            "citext" => PgType::Citext,
            "inet" => PgType::Inet,
            "cidr" => PgType::Cidr,
            "tsvector" => PgType::Tsvector,
            _ => return None,
        })
    }

    /// The names the parser accepts for these types (for help texts).
    pub const NAMES: [&'static str; 11] = [
        "Array<T>",
        "Range<Integer|BigInt|Timestamp|NaiveTimestamp|Date|Numeric>",
        "Interval",
        "Money",
        "Oid",
        "MacAddr",
        "MacAddr8",
        "Citext",
        "Inet",
        "Cidr",
        "Tsvector",
    ];

    /// Whether Diesel can write a value of this type. `Tsvector` it only
    /// reads (`diesel_full_text_search` has no `ToSql` for `PgTsVector`):
    /// the insert model leaves such a column out.
    pub fn writable(self) -> bool {
        !matches!(self, PgType::Tsvector)
    }
}

impl ColumnType {
    /// The neutral name as written in the schema file.
    pub fn neutral_name(&self) -> String {
        match self {
            ColumnType::Uuid => "Uuid".into(),
            ColumnType::Text { max_len: None } => "Text".into(),
            ColumnType::Text { max_len: Some(n) } => format!("Text<{n}>"),
            ColumnType::SmallInt => "SmallInt".into(),
            ColumnType::Integer => "Integer".into(),
            ColumnType::BigInt => "BigInt".into(),
            ColumnType::Bool => "Bool".into(),
            ColumnType::Timestamp => "Timestamp".into(),
            ColumnType::Double => "Double".into(),
            ColumnType::Float => "Float".into(),
            ColumnType::Binary => "Binary".into(),
            ColumnType::Json => "Json".into(),
            ColumnType::NaiveTimestamp => "NaiveTimestamp".into(),
            ColumnType::Date => "Date".into(),
            ColumnType::Time => "Time".into(),
            ColumnType::Postgres(p) => p.neutral_name(),
            ColumnType::Enum(e) => e.rust_name(),
            ColumnType::Custom(c) => c.name().into(),
            ColumnType::Decimal { precision, scale } => format!("Decimal<{precision}, {scale}>"),
        }
    }

    /// Whether this is one of the integer types.
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
        )
    }

    /// The neutral type names the parser accepts (for help texts).
    pub const NAMES: [&'static str; 15] = [
        "Uuid",
        "Text",
        "SmallInt",
        "Integer",
        "BigInt",
        "Bool",
        "Timestamp",
        "Double",
        "Float",
        "Binary",
        "Json",
        "NaiveTimestamp",
        "Date",
        "Time",
        "Decimal<P, S>",
    ];
}

/// A column default.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum DefaultValue {
    /// The current instant (`#[default(now)]`), for `Timestamp` columns.
    Now,
    /// A fresh random UUID (`#[default(uuid)]`), for `Uuid` columns.
    Uuid,
    /// A string literal.
    Text(String),
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// A boolean literal.
    Bool(bool),
    /// An expression of the expression language, with no column reference
    /// (`#[default(sql = "lower('ABC')")]`): the typed tree, rendered in
    /// each backend's spelling.
    Expr(crate::expr::Expr),
    /// One backend's SQL (`#[default(sql = "md5(random()::text)")]`),
    /// allowed only on a table scoped to that backend (`#[backend(...)]`)
    /// and written as given.
    Raw(String),
}

impl DefaultValue {
    /// How the default is written in the schema language.
    pub fn neutral_spelling(&self) -> String {
        match self {
            DefaultValue::Now => "now".into(),
            DefaultValue::Uuid => "uuid".into(),
            DefaultValue::Text(s) => format!("{s:?}"),
            DefaultValue::Int(i) => i.to_string(),
            DefaultValue::Float(f) => format_float(*f),
            DefaultValue::Bool(b) => b.to_string(),
            DefaultValue::Expr(e) => format!("sql = {:?}", crate::expr::render_neutral(e)),
            DefaultValue::Raw(s) => format!("sql = {s:?}"),
        }
    }
}

/// Formats a float so that it reads back as the same value and always looks
/// like a float (`1.0`, not `1`).
pub fn format_float(f: f64) -> String {
    let s = format!("{f:?}");
    if s.contains(['.', 'e', 'E', 'N', 'i']) {
        s
    } else {
        format!("{s}.0")
    }
}

/// A referential action for `ON DELETE` / `ON UPDATE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum FkAction {
    /// `NO ACTION` (the SQL default).
    #[default]
    NoAction,
    /// `RESTRICT`.
    Restrict,
    /// `CASCADE`.
    Cascade,
    /// `SET NULL`.
    SetNull,
    /// `SET DEFAULT`.
    SetDefault,
}

impl FkAction {
    /// The SQL spelling.
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }

    /// The spelling in the schema language.
    pub fn neutral_name(self) -> &'static str {
        match self {
            FkAction::NoAction => "no_action",
            FkAction::Restrict => "restrict",
            FkAction::Cascade => "cascade",
            FkAction::SetNull => "set_null",
            FkAction::SetDefault => "set_default",
        }
    }

    /// Every action with its schema-language name.
    pub const ALL: [FkAction; 5] = [
        FkAction::NoAction,
        FkAction::Restrict,
        FkAction::Cascade,
        FkAction::SetNull,
        FkAction::SetDefault,
    ];
}

/// When a constraint is checked: `DEFERRABLE INITIALLY DEFERRED |
/// IMMEDIATE`, or not deferrable (the SQL default).
///
/// Neutral on foreign keys (PostgreSQL and SQLite both defer them); on
/// unique constraints PostgreSQL only (SQLite never defers a unique).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Deferrable {
    /// `NOT DEFERRABLE` (the SQL default): checked at each statement.
    #[default]
    No,
    /// `DEFERRABLE INITIALLY IMMEDIATE`: checked at each statement unless a
    /// transaction says `SET CONSTRAINTS … DEFERRED`.
    InitiallyImmediate,
    /// `DEFERRABLE INITIALLY DEFERRED`: checked at `COMMIT`.
    InitiallyDeferred,
}

impl Deferrable {
    /// The clause appended to a constraint, with a leading space; empty
    /// for [`Deferrable::No`].
    pub fn sql_suffix(self) -> &'static str {
        match self {
            Deferrable::No => "",
            Deferrable::InitiallyImmediate => " DEFERRABLE INITIALLY IMMEDIATE",
            Deferrable::InitiallyDeferred => " DEFERRABLE INITIALLY DEFERRED",
        }
    }

    /// The full SQL spelling (`NOT DEFERRABLE` for [`Deferrable::No`]), as
    /// PostgreSQL's `ALTER CONSTRAINT` takes it and reports show it.
    pub fn sql(self) -> &'static str {
        match self {
            Deferrable::No => "NOT DEFERRABLE",
            Deferrable::InitiallyImmediate => "DEFERRABLE INITIALLY IMMEDIATE",
            Deferrable::InitiallyDeferred => "DEFERRABLE INITIALLY DEFERRED",
        }
    }

    /// The value in the schema language (`deferrable = <value>`); `None`
    /// for [`Deferrable::No`], which is written by leaving the option out.
    pub fn neutral_name(self) -> Option<&'static str> {
        match self {
            Deferrable::No => None,
            Deferrable::InitiallyImmediate => Some("initially_immediate"),
            Deferrable::InitiallyDeferred => Some("initially_deferred"),
        }
    }

    /// From the two flags a database reports (PostgreSQL's
    /// `condeferrable` / `condeferred`); `initially deferred` without
    /// `deferrable` cannot be declared and reads as not deferrable.
    pub fn from_flags(deferrable: bool, initially_deferred: bool) -> Deferrable {
        match (deferrable, initially_deferred) {
            (false, _) => Deferrable::No,
            (true, false) => Deferrable::InitiallyImmediate,
            (true, true) => Deferrable::InitiallyDeferred,
        }
    }
}

/// A foreign key.
#[derive(Clone, Debug, PartialEq)]
pub struct ForeignKey {
    /// Explicit constraint name, if given.
    pub name: Option<String>,
    /// Referencing columns (schema-file names).
    pub columns: Vec<String>,
    /// Referenced table (schema-file name).
    pub ref_table: String,
    /// Referenced columns (schema-file names).
    pub ref_columns: Vec<String>,
    /// `ON DELETE`.
    pub on_delete: FkAction,
    /// `ON UPDATE`.
    pub on_update: FkAction,
    /// `DEFERRABLE …` (`deferrable = initially_deferred`).
    pub deferrable: Deferrable,
    /// Where it was declared.
    pub span: Span,
}

/// A unique constraint.
#[derive(Clone, Debug, PartialEq)]
pub struct Unique {
    /// Explicit constraint name, if given.
    pub name: Option<String>,
    /// Columns (schema-file names).
    pub columns: Vec<String>,
    /// `DEFERRABLE …`: PostgreSQL only (validation refuses it on a table
    /// that SQLite also has).
    pub deferrable: Deferrable,
    /// Where it was declared.
    pub span: Span,
}

/// A check constraint.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// Explicit constraint name, if given.
    pub name: Option<String>,
    /// What it checks.
    pub expr: CheckExpr,
    /// Where it was declared.
    pub span: Span,
}

/// A literal in an `in(...)` check.
///
/// The model's enums ([`ColumnType`], [`PgType`], [`PgElem`], [`PgRange`],
/// [`DefaultValue`], [`CheckExpr`] and this one) are `#[non_exhaustive]`:
/// a new type or default is not a breaking change, so a match outside this
/// crate needs a `_` arm:
///
/// ```compile_fail,E0004
/// use cloacina_codegen::model::Literal;
/// fn shown(l: &Literal) -> String {
///     match l {
///         Literal::Text(s) => s.clone(),
///         Literal::Int(i) => i.to_string(),
///     }
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Literal {
    /// A string.
    Text(String),
    /// An integer.
    Int(i64),
}

/// What a check constraint checks.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CheckExpr {
    /// `column IN (values...)`.
    In {
        /// The column (schema-file name).
        column: String,
        /// The allowed values.
        values: Vec<Literal>,
    },
    /// The column holds valid JSON text.
    JsonValid {
        /// The column (schema-file name).
        column: String,
    },
    /// A raw SQL boolean expression, with optional per-backend spellings.
    Raw {
        /// The expression used where no backend spelling is given.
        sql: Option<String>,
        /// The PostgreSQL spelling.
        postgres: Option<String>,
        /// The SQLite spelling.
        sqlite: Option<String>,
    },
}

impl CheckExpr {
    /// The raw expression for `backend`, if this is a raw check.
    pub fn raw_for(&self, backend: Backend) -> Option<&str> {
        match self {
            CheckExpr::Raw {
                sql,
                postgres,
                sqlite,
            } => match backend {
                Backend::Postgres => postgres.as_deref().or(sql.as_deref()),
                Backend::Sqlite => sqlite.as_deref().or(sql.as_deref()),
            },
            _ => None,
        }
    }
}

/// Sort order of an index column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Order {
    /// Ascending (the default).
    #[default]
    Asc,
    /// Descending.
    Desc,
}

/// One column of an index.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexColumn {
    /// The column (schema-file name).
    pub column: String,
    /// Its sort order.
    pub order: Order,
}

/// An index.
#[derive(Clone, Debug, PartialEq)]
pub struct Index {
    /// Explicit name, if given.
    pub name: Option<String>,
    /// Indexed columns in order.
    pub columns: Vec<IndexColumn>,
    /// A unique index.
    pub unique: bool,
    /// The predicate of a partial index (raw SQL, same on both backends).
    pub predicate: Option<String>,
    /// Where it was declared.
    pub span: Span,
}

/// Backend-specific SQL that rides along verbatim (`raw_sql!`).
#[derive(Clone, Debug, PartialEq)]
pub struct RawBlock {
    /// Its name.
    pub name: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// The SQL per backend; a backend without an entry gets nothing.
    pub parts: Vec<RawPart>,
    /// Where it was declared.
    pub span: Span,
}

impl RawBlock {
    /// The part for `backend`, if any.
    pub fn part(&self, backend: Backend) -> Option<&RawPart> {
        self.parts.iter().find(|p| p.backend == backend)
    }
}

/// The SQL of a raw block for one backend.
#[derive(Clone, Debug, PartialEq)]
pub struct RawPart {
    /// The backend.
    pub backend: Backend,
    /// SQL that creates the object(s).
    pub up: String,
    /// SQL that removes them again.
    pub down: String,
}
