//! Rendering the Diesel side: custom SQL types and their value types, the
//! `table!` modules (unified, and one native module per backend),
//! `joinable!`/`allow_tables_to_appear_in_same_query!`, model structs, and
//! the `AnyConnection` `MultiConnection` wiring.
//!
//! The output is ONE Rust file meant to be `include!`d into a module of the
//! consuming crate:
//!
//! ```text
//! types        a re-export of the runtime types crate (`cloacina-types` by
//!              default, see `Builder::types_path`): DbUuid, DbTimestamp, DbBool,
//!              DbJson and UniversalUuid, UniversalTimestamp, UniversalBool, UniversalJson
//!              (and the calendar types DbNaiveTimestamp, DbDate, DbTime with
//!              UniversalNaiveTimestamp, UniversalDate, UniversalTime where the
//!              schema uses them)
//! schema       unified (custom types, serves every backend through AnyConnection),
//!              postgres and sqlite (native Diesel SQL types)
//! models       <Table> (Queryable, Selectable, Identifiable), New<Table> (Insertable,
//!              with `new(required columns)` and `with_<column>` setters) and one
//!              enum per `Text` column with a `#[check(in(...))]` of strings
//! connection   AnyConnection (#[derive(MultiConnection)]) + MultiBackend impls
//! ```
//!
//! The runtime types live in a compiled crate; what is generated is what
//! depends on the schema, plus the `MultiBackend` impls of the custom SQL
//! types: `MultiBackend` is defined by the derive in the consumer's crate,
//! so Rust's orphan rule lets only that crate implement `HasSqlType`,
//! `FromSql` and `ToSql` for it with the types crate's types.
//!
//! The small fixed parts are built with `quote` and printed by
//! `prettyplease`. What grows with the schema is written as text directly,
//! because this runs in build scripts, which cargo compiles without
//! optimisation, where `quote` → `syn` → `prettyplease` (and parsing the
//! whole file back) cost about 10 ms per table: the `table!` modules are
//! laid out by hand (prettyplease prints macro bodies on one line) from
//! validated names, and each table's models are written by `models_text`
//! exactly as prettyplease prints them, falling back to prettyplease per
//! item for any shape it cannot lay out with certainty. The unit tests
//! parse the output and compare it byte for byte with the all-prettyplease
//! rendering.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::error::{Error, Result};
use crate::model::{Backend, CheckExpr, Column, ColumnType, Literal, PgType, Schema, Table};

/// How the Rust file is rendered: the settings of [`crate::Builder`] that
/// shape the generated Rust (see the builder's methods of the same names).
#[derive(Clone, Debug)]
pub struct RustOptions {
    /// The path of the runtime types crate, e.g. `::cloacina_types`.
    pub types_path: String,
    /// Model fields of enum columns hold the generated enum, not `String`.
    pub typed_enums: bool,
    /// `(path, attribute)` pairs added to model structs.
    pub model_attributes: Vec<(String, String)>,
    /// `(path, attribute)` pairs added to generated enums.
    pub enum_attributes: Vec<(String, String)>,
    /// `(path, attribute)` pairs added to model fields.
    pub field_attributes: Vec<(String, String)>,
}

/// The default path of the runtime types crate.
pub const DEFAULT_TYPES_PATH: &str = "::cloacina_types";

impl Default for RustOptions {
    fn default() -> Self {
        RustOptions {
            types_path: DEFAULT_TYPES_PATH.into(),
            typed_enums: false,
            model_attributes: Vec::new(),
            enum_attributes: Vec::new(),
            field_attributes: Vec::new(),
        }
    }
}

/// Renders the whole Rust file for `schema`, with wiring for `backends`.
///
/// # Errors
///
/// [`Error::Setting`] when `options` holds a types path or an attribute
/// that is not valid Rust, or an attribute path that matches nothing;
/// [`Error::GeneratedCode`] if the result is not valid Rust (a bug).
pub fn render(
    schema: &Schema,
    schema_path: &str,
    backends: &[Backend],
    options: &RustOptions,
) -> Result<String> {
    let backends: Vec<Backend> = if backends.is_empty() {
        Backend::ALL.to_vec()
    } else {
        backends.to_vec()
    };
    // A build without PostgreSQL has no Rust types for the PostgreSQL-only
    // column types: their tables (PostgreSQL-only by validation) are left
    // out of it entirely, as the native modules leave them out.
    let kept;
    let schema = if backends.contains(&Backend::Postgres) {
        schema
    } else {
        kept = Schema {
            tables: schema
                .tables
                .iter()
                .filter(|t| {
                    !t.columns.iter().any(|c| match c.ty {
                        ColumnType::Postgres(_) => true,
                        ColumnType::Custom(ct) => ct.sqlite().is_none(),
                        _ => false,
                    })
                })
                .cloned()
                .collect(),
            raw_blocks: schema.raw_blocks.clone(),
            extensions: Vec::new(),
            enums: schema.enums.clone(),
            custom_types: schema.custom_types.clone(),
        };
        &kept
    };
    let mut out = String::new();
    out.push_str(&rust_header(schema_path));

    let models = models_text(schema, options)?;
    out.push_str(&pretty("types", types_reexport(&options.types_path)?)?);
    out.push('\n');
    out.push_str(&schema_module(schema, &backends)?);
    out.push('\n');
    out.push_str(&models);
    out.push('\n');
    let calendar = schema
        .tables
        .iter()
        .any(|t| t.columns.iter().any(|c| is_calendar(c.ty)));
    let decimal = schema
        .tables
        .iter()
        .any(|t| t.columns.iter().any(|c| is_decimal(c.ty)));
    let mut connection = connection_module(&backends, calendar, decimal)?;
    if !schema.enums.is_empty() {
        connection = with_enum_glue(connection, super::db_enums::multi_backend_impls(schema))?;
    }
    let custom_glue = custom_multi_backend_impls(schema);
    if !custom_glue.is_empty() {
        connection = with_enum_glue(connection, custom_glue)?;
    }
    out.push_str(&pretty("connection", connection)?);
    Ok(out)
}

/// The `connection` module with the enums' `MultiBackend` glue appended
/// inside it.
fn with_enum_glue(connection: TokenStream, glue: TokenStream) -> Result<TokenStream> {
    let mut module: syn::ItemMod = syn::parse2(connection).map_err(|e| Error::GeneratedCode {
        what: "connection".into(),
        message: e.to_string(),
    })?;
    let glue: syn::File = syn::parse2(glue).map_err(|e| Error::GeneratedCode {
        what: "connection".into(),
        message: e.to_string(),
    })?;
    if let Some((_, items)) = module.content.as_mut() {
        items.extend(glue.items);
    }
    Ok(quote!(#module))
}

/// The `MultiBackend` glue of the custom types that exist on both backends
/// (a SQLite mapping): the three impls the runtime types get, for the
/// declared Diesel SQL type and Rust type. A SQL type of Diesel's own
/// (`diesel::sql_types::Text`) has its glue from the derive already.
fn custom_multi_backend_impls(schema: &Schema) -> TokenStream {
    let impls = schema
        .custom_types
        .iter()
        .filter(|d| d.sqlite.is_some() && !d.diesel.starts_with("diesel::"))
        .filter_map(|d| {
            let sql: syn::Path = syn::parse_str(&d.diesel).ok()?;
            let value: syn::Type = syn::parse_str(&d.rust).ok()?;
            Some(super::db_enums::multi_backend_glue(
                &quote!(#sql),
                &quote!(#value),
            ))
        });
    quote!(#(#impls)*)
}

/// The `@generated` header of the Rust file.
pub fn rust_header(schema_path: &str) -> String {
    format!(
        "// @generated by cloacina-codegen from {schema_path}. Do not edit: change the schema file and rebuild.\n\n"
    )
}

fn pretty(what: &str, tokens: TokenStream) -> Result<String> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| Error::GeneratedCode {
        what: what.into(),
        message: e.to_string(),
    })?;
    Ok(prettyplease::unparse(&file))
}

/// `pub use <types_path> as types;`: the runtime types crate under the
/// name the rest of the file uses.
fn types_reexport(types_path: &str) -> Result<TokenStream> {
    let path: syn::Path = syn::parse_str(types_path).map_err(|e| Error::Setting {
        setting: "types_path",
        value: types_path.into(),
        message: format!(
            "not a Rust path ({e}); write the crate's path as the generated code should name it, e.g. `::cloacina_types` or `::cloacina::types`"
        ),
    })?;
    Ok(quote! {
        /// The runtime types (custom SQL types and the values that read and
        /// write them identically on every backend), from their crate.
        pub use #path as types;
    })
}

/// Whether `ty` is one of the calendar types (`NaiveTimestamp`, `Date`,
/// `Time`), whose SQL types are named only where a schema uses them.
fn is_calendar(ty: ColumnType) -> bool {
    matches!(
        ty,
        ColumnType::NaiveTimestamp | ColumnType::Date | ColumnType::Time
    )
}

/// Whether `ty` is a `Decimal<P, S>`, whose SQL type (generic over the
/// scale) is named only where a schema uses one.
fn is_decimal(ty: ColumnType) -> bool {
    matches!(ty, ColumnType::Decimal { .. })
}

fn connection_module(backends: &[Backend], calendar: bool, decimal: bool) -> Result<TokenStream> {
    let variants = backends.iter().map(|b| match b {
        Backend::Postgres => quote! {
            /// A PostgreSQL connection.
            Postgresql(diesel::PgConnection)
        },
        Backend::Sqlite => quote! {
            /// A SQLite connection.
            Sqlite(diesel::SqliteConnection)
        },
    });
    let mut multi = multi_backend_impls(calendar);
    if decimal {
        multi.extend(decimal_multi_backend_impls());
    }
    Ok(quote! {
        /// The connection enum that picks its backend at run time.
        pub mod connection {
            /// A connection to any of the configured backends. Build it by
            /// establishing the inner connection and wrapping it: Diesel's
            /// `establish` on the enum tries each variant in turn and hides
            /// the real error.
            #[derive(diesel::MultiConnection)]
            pub enum AnyConnection {
                #(#variants),*
            }

            #multi
        }
    })
}

/// The `MultiBackend` glue of the `connection` module: three impls per custom
/// SQL type. Everything else (`Nullable<_>`, `Option<_>`, `&T`,
/// `AsExpression`, `Queryable`) comes from blanket impls and the derives.
/// They must be generated: `MultiBackend` is defined in the consumer's crate.
/// The calendar types' impls are written only when `calendar` (the schema
/// uses one of them), so a schema without them gets the same file as before.
fn multi_backend_impls(calendar: bool) -> TokenStream {
    let mut pairs = vec![
        ("DbUuid", "UniversalUuid"),
        ("DbTimestamp", "UniversalTimestamp"),
        ("DbBool", "UniversalBool"),
        ("DbJson", "UniversalJson"),
    ];
    if calendar {
        pairs.extend([
            ("DbNaiveTimestamp", "UniversalNaiveTimestamp"),
            ("DbDate", "UniversalDate"),
            ("DbTime", "UniversalTime"),
        ]);
    }
    let calendar_imports = calendar.then(|| {
        quote! {
            use super::types::{
                DbDate, DbNaiveTimestamp, DbTime, UniversalDate, UniversalNaiveTimestamp,
                UniversalTime,
            };
        }
    });
    let impls = pairs.iter().map(|(sql, value)| {
        let sql = format_ident!("{sql}");
        let value = format_ident!("{value}");
        quote! {
            impl HasSqlType<#sql> for MultiBackend {
                fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
                    MultiBackend::lookup_sql_type::<#sql>(lookup)
                }
            }

            impl FromSql<#sql, MultiBackend> for #value {
                fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                    bytes.from_sql::<#value, #sql>()
                }
            }

            impl ToSql<#sql, MultiBackend> for #value {
                fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                    out.set_value((#sql, self));
                    Ok(IsNull::No)
                }
            }
        }
    });
    quote! {
        use diesel::backend::Backend;
        use diesel::deserialize::{self, FromSql};
        use diesel::serialize::{self, IsNull, Output, ToSql};
        use diesel::sql_types::HasSqlType;

        use super::types::{
            DbBool, DbJson, DbTimestamp, DbUuid, UniversalBool, UniversalJson, UniversalTimestamp,
            UniversalUuid,
        };
        #calendar_imports

        #(#impls)*
    }
}

/// The `MultiBackend` glue of `DbDecimal<S>` (the three impls of
/// [`multi_backend_impls`], generic over the scale), written only when the
/// schema has a `Decimal` column.
fn decimal_multi_backend_impls() -> TokenStream {
    quote! {
        use super::types::{DbDecimal, UniversalDecimal};

        impl<const S: u8> HasSqlType<DbDecimal<S>> for MultiBackend {
            fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
                MultiBackend::lookup_sql_type::<DbDecimal<S>>(lookup)
            }
        }

        impl<const S: u8> FromSql<DbDecimal<S>, MultiBackend> for UniversalDecimal {
            fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                bytes.from_sql::<UniversalDecimal, DbDecimal<S>>()
            }
        }

        impl<const S: u8> ToSql<DbDecimal<S>, MultiBackend> for UniversalDecimal {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((DbDecimal::<S>, self));
                Ok(IsNull::No)
            }
        }
    }
}

/// The Rust identifier for a schema name (raw when it is a keyword).
/// Model names are stored without the `r#` of a raw identifier; one that
/// still has it (a hand-built model) is taken as that raw identifier
/// rather than doubled (`r#r#type`) or passed to `Ident::new`, which
/// panics on it.
pub(super) fn rust_ident(name: &str) -> Ident {
    let name = name.strip_prefix("r#").unwrap_or(name);
    if plain_ident(name) {
        Ident::new(name, Span::call_site())
    } else {
        Ident::new_raw(name, Span::call_site())
    }
}

/// Whether `name` is a Rust identifier as it stands (not a keyword and not
/// already a raw identifier such as `r#type`, which `syn` accepts), as
/// `syn` parses it; the common case is decided without running the parser.
fn plain_ident(name: &str) -> bool {
    // Bytes with an index, not `chars()`: this runs for every name the
    // module prints, in the unoptimised build-script profile.
    let bytes = name.as_bytes();
    let mut simple = bytes
        .first()
        .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_');
    let mut i = 1;
    while simple && i < bytes.len() {
        simple = bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_';
        i += 1;
    }
    if !simple {
        return !name.starts_with("r#") && syn::parse_str::<syn::Ident>(name).is_ok();
    }
    // No keyword is longer than 8 bytes: most names skip the comparisons
    // below (a string compare each in the unoptimised build-script profile).
    if name.len() > 8 {
        return true;
    }
    !matches!(
        name,
        "_" | "abstract"
            | "as"
            | "async"
            | "await"
            | "become"
            | "box"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "do"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "final"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "macro"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "override"
            | "priv"
            | "pub"
            | "ref"
            | "return"
            | "Self"
            | "self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "try"
            | "type"
            | "typeof"
            | "unsafe"
            | "unsized"
            | "use"
            | "virtual"
            | "where"
            | "while"
            | "yield"
    )
}

fn ident_text(name: &str) -> String {
    if plain_ident(name) {
        name.to_string()
    } else {
        rust_ident(name).to_string()
    }
}

/// The Diesel SQL type of a column in the unified module.
fn unified_sql_type(ty: ColumnType) -> String {
    match ty {
        ColumnType::Uuid => "DbUuid",
        ColumnType::Text { .. } => "Text",
        ColumnType::SmallInt => "SmallInt",
        ColumnType::Integer => "Integer",
        ColumnType::BigInt => "BigInt",
        ColumnType::Bool => "DbBool",
        ColumnType::Timestamp => "DbTimestamp",
        ColumnType::Double => "Double",
        ColumnType::Float => "Float",
        ColumnType::Binary => "Binary",
        ColumnType::Json => "DbJson",
        ColumnType::NaiveTimestamp => "DbNaiveTimestamp",
        ColumnType::Date => "DbDate",
        ColumnType::Time => "DbTime",
        // The neutral decimal's SQL type: a digit too many after the point
        // is refused on writing (PostgreSQL's NUMERIC(P, S) would round).
        ColumnType::Postgres(PgType::Array(crate::model::PgElem::Decimal { scale, .. })) => {
            return format!("Array<DbDecimal<{scale}>>")
        }
        ColumnType::Postgres(p) => return p.diesel(),
        // With its scale as the generic argument (see `table_module`).
        ColumnType::Decimal { .. } => "DbDecimal",
        // The schema's name for it (see `table_module`).
        ColumnType::Enum(e) => return e.rust_name(),
        // The declared Diesel path (see `table_module`).
        ColumnType::Custom(c) => return c.name().into(),
    }
    .into()
}

/// The Diesel SQL type of a column in a backend's native module.
fn native_sql_type(ty: ColumnType, backend: Backend) -> String {
    match (backend, ty) {
        (Backend::Postgres, ColumnType::Uuid) => "Uuid",
        (Backend::Postgres, ColumnType::Text { max_len: Some(_) }) => "Varchar",
        (Backend::Postgres, ColumnType::Timestamp) => "Timestamptz",
        (Backend::Postgres, ColumnType::Json) => "Jsonb",
        (Backend::Sqlite, ColumnType::Uuid) => "Binary",
        (Backend::Sqlite, ColumnType::Timestamp | ColumnType::Json) => "Text",
        (Backend::Postgres, ColumnType::NaiveTimestamp) => "Timestamp",
        (Backend::Postgres, ColumnType::Date) => "Date",
        (Backend::Postgres, ColumnType::Time) => "Time",
        (Backend::Sqlite, ColumnType::NaiveTimestamp | ColumnType::Date | ColumnType::Time) => {
            "Text"
        }
        (Backend::Postgres, ColumnType::Decimal { .. }) => "Numeric",
        // The value times 10^S.
        (Backend::Sqlite, ColumnType::Decimal { .. }) => "BigInt",
        (_, ColumnType::Text { .. }) => "Text",
        (_, ColumnType::SmallInt) => "SmallInt",
        (_, ColumnType::Integer) => "Integer",
        (_, ColumnType::BigInt) => "BigInt",
        (_, ColumnType::Bool) => "Bool",
        (_, ColumnType::Double) => "Double",
        (_, ColumnType::Float) => "Float",
        (_, ColumnType::Binary) => "Binary",
        // Validation keeps these in PostgreSQL-only tables.
        (_, ColumnType::Postgres(p)) => return p.diesel(),
        // The schema's SQL type for it (see `table_module`).
        (_, ColumnType::Enum(e)) => return e.rust_name(),
        // The declared Diesel path (see `table_module`).
        (_, ColumnType::Custom(c)) => return c.name().into(),
    }
    .into()
}

fn doc_lines(out: &mut String, indent: &str, docs: &[String]) {
    for d in docs {
        if d.is_empty() {
            out.push_str(&format!("{indent}///\n"));
        } else {
            out.push_str(&format!("{indent}/// {d}\n"));
        }
    }
}

/// Which flavour of `table!` module to write.
#[derive(Clone, Copy)]
enum Flavour {
    Unified,
    Native(Backend),
}

fn schema_module(schema: &Schema, backends: &[Backend]) -> Result<String> {
    let mut out = String::new();
    out.push_str(
        "/// Diesel `table!` definitions generated from the schema file.\npub mod schema {\n",
    );
    let sql_types = super::db_enums::sql_types_module(schema, backends);
    if !sql_types.is_empty() {
        for line in pretty("sql_types", sql_types)?.lines() {
            if !line.is_empty() {
                out.push_str("    ");
            }
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str(&table_module(
        schema,
        Flavour::Unified,
        "unified",
        "Tables with the custom SQL types of the `types` module: one module that serves every\n    /// backend through `AnyConnection`.",
    ));
    for &b in backends {
        let doc = match b {
            Backend::Postgres => {
                "Tables as PostgreSQL sees them, with Diesel's native PostgreSQL SQL types."
            }
            Backend::Sqlite => "Tables as SQLite sees them, with Diesel's native SQLite SQL types.",
        };
        out.push('\n');
        out.push_str(&table_module(schema, Flavour::Native(b), b.name(), doc));
    }
    out.push_str("}\n");
    Ok(out)
}

fn table_module(schema: &Schema, flavour: Flavour, name: &str, doc: &str) -> String {
    let tables: Vec<&Table> = match flavour {
        Flavour::Unified => schema.tables.iter().collect(),
        Flavour::Native(b) => schema.tables_for(b).collect(),
    };
    let mut out = String::new();
    out.push_str(&format!("    /// {doc}\n    pub mod {name} {{\n"));
    for (i, t) in tables.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str("        diesel::table! {\n");
        out.push_str("            use diesel::sql_types::*;\n");
        if matches!(flavour, Flavour::Unified) {
            out.push_str("            #[allow(unused_imports)]\n");
            out.push_str("            use super::super::super::types::{DbBool, DbJson, DbTimestamp, DbUuid};\n");
            if t.columns.iter().any(|c| is_calendar(c.ty)) {
                out.push_str("            #[allow(unused_imports)]\n");
                out.push_str(
                    "            use super::super::super::types::{DbDate, DbNaiveTimestamp, DbTime};\n",
                );
            }
            if t.columns.iter().any(|c| {
                is_decimal(c.ty)
                    || matches!(
                        c.ty,
                        ColumnType::Postgres(PgType::Array(crate::model::PgElem::Decimal { .. }))
                    )
            }) {
                out.push_str("            use super::super::super::types::DbDecimal;\n");
            }
        }
        // Diesel has no `Tsvector` of its own: the full-text search crate's.
        if !matches!(flavour, Flavour::Native(Backend::Sqlite))
            && t.columns
                .iter()
                .any(|c| c.ty == ColumnType::Postgres(PgType::Tsvector))
        {
            out.push_str(
                "            use super::super::super::types::diesel_full_text_search::Tsvector;\n",
            );
        }
        let mut enums: Vec<String> = t
            .columns
            .iter()
            .filter_map(|c| match c.ty {
                ColumnType::Enum(e) => Some(schema.enum_rust_name(e)),
                _ => None,
            })
            .collect();
        enums.sort();
        enums.dedup();
        if !enums.is_empty() {
            out.push_str(&format!(
                "            use super::super::sql_types::{};\n",
                if enums.len() == 1 {
                    enums[0].clone()
                } else {
                    format!("{{{}}}", enums.join(", "))
                }
            ));
        }
        out.push('\n');
        doc_lines(&mut out, "            ", &t.docs);
        if let Some(sql) = &t.sql_name {
            out.push_str(&format!("            #[sql_name = \"{sql}\"]\n"));
        }
        let pk: Vec<String> = t.primary_key.iter().map(|k| ident_text(k)).collect();
        out.push_str(&format!(
            "            {} ({}) {{\n",
            ident_text(&t.name),
            pk.join(", ")
        ));
        for c in &t.columns {
            doc_lines(&mut out, "                ", &c.docs);
            if let Some(sql) = &c.sql_name {
                out.push_str(&format!("                #[sql_name = \"{sql}\"]\n"));
            }
            let mut base = match flavour {
                Flavour::Unified => unified_sql_type(c.ty),
                Flavour::Native(b) => native_sql_type(c.ty, b),
            }
            .to_string();
            if let (Flavour::Unified, ColumnType::Decimal { scale, .. }) = (flavour, c.ty) {
                base = format!("{base}<{scale}>");
            }
            if let ColumnType::Enum(e) = c.ty {
                base = schema.enum_rust_name(e);
            }
            if let Some(custom) = custom_sql_type(schema, c.ty, flavour) {
                base = custom;
            }
            let ty = if c.nullable {
                format!("Nullable<{base}>")
            } else {
                base.to_string()
            };
            out.push_str(&format!(
                "                {} -> {ty},\n",
                ident_text(&c.name)
            ));
        }
        out.push_str("            }\n        }\n");
    }
    // joinable!: one per (child, parent) pair, for single-column keys that
    // reference the parent's primary key (Diesel allows one per pair).
    let mut pairs: std::collections::HashSet<(&str, &str)> = std::collections::HashSet::new();
    let mut by_name: std::collections::HashMap<&str, &Table> = std::collections::HashMap::new();
    for t in tables.iter().rev() {
        by_name.insert(&t.name, t);
    }
    let mut joins = String::new();
    for t in &tables {
        for fk in &t.foreign_keys {
            let Some(parent) = by_name.get(fk.ref_table.as_str()) else {
                continue;
            };
            if parent.name == t.name
                || fk.columns.len() != 1
                || parent.primary_key != fk.ref_columns
                || pairs.contains(&(&t.name, &parent.name))
                || pairs.contains(&(&parent.name, &t.name))
            {
                continue;
            }
            pairs.insert((&t.name, &parent.name));
            joins.push_str(&format!(
                "        diesel::joinable!({} -> {} ({}));\n",
                ident_text(&t.name),
                ident_text(&parent.name),
                ident_text(&fk.columns[0])
            ));
        }
    }
    if !joins.is_empty() {
        out.push('\n');
        out.push_str(&joins);
    }
    if tables.len() > 1 {
        out.push_str("\n        diesel::allow_tables_to_appear_in_same_query!(\n");
        for t in &tables {
            out.push_str(&format!("            {},\n", ident_text(&t.name)));
        }
        out.push_str("        );\n");
    }
    out.push_str("    }\n");
    out
}

/// The Rust value type of a column (without `Option`).
fn rust_type(ty: ColumnType) -> TokenStream {
    match ty {
        ColumnType::Uuid => quote!(super::types::UniversalUuid),
        ColumnType::Text { .. } => quote!(String),
        ColumnType::SmallInt => quote!(i16),
        ColumnType::Integer => quote!(i32),
        ColumnType::BigInt => quote!(i64),
        ColumnType::Bool => quote!(super::types::UniversalBool),
        ColumnType::Timestamp => quote!(super::types::UniversalTimestamp),
        ColumnType::Double => quote!(f64),
        ColumnType::Float => quote!(f32),
        ColumnType::Binary => quote!(Vec<u8>),
        ColumnType::Json => quote!(super::types::UniversalJson),
        ColumnType::NaiveTimestamp => quote!(super::types::UniversalNaiveTimestamp),
        ColumnType::Date => quote!(super::types::UniversalDate),
        ColumnType::Time => quote!(super::types::UniversalTime),
        ColumnType::Decimal { .. } => quote!(super::types::UniversalDecimal),
        ColumnType::Postgres(p) => pg_rust_type(p),
        // The models' own enum (`enum_of` names it).
        ColumnType::Enum(e) => {
            let ident = rust_ident(&e.rust_name());
            quote!(#ident)
        }
        // The declared Rust path (`enum_of` gives it: it is the schema's).
        ColumnType::Custom(c) => {
            let ident = rust_ident(c.name());
            quote!(#ident)
        }
    }
}

/// The declared Rust type of a custom-type column (`None` for any other
/// type, or a type the schema does not declare).
fn custom_rust_type(schema: &Schema, ty: ColumnType) -> Option<TokenStream> {
    let ColumnType::Custom(ct) = ty else {
        return None;
    };
    let d = schema.custom_type(ct.name())?;
    // Parsed when the schema was read (a located error otherwise).
    syn::parse_str::<syn::Type>(&d.rust)
        .ok()
        .map(|t| quote!(#t))
}

/// The declared Diesel SQL type of a custom-type column in a `table!` of
/// `flavour` (`None` for any other type).
fn custom_sql_type(schema: &Schema, ty: ColumnType, flavour: Flavour) -> Option<String> {
    let ColumnType::Custom(ct) = ty else {
        return None;
    };
    let d = schema.custom_type(ct.name())?;
    Some(match flavour {
        Flavour::Native(Backend::Sqlite) => {
            d.sqlite_diesel.clone().unwrap_or_else(|| d.diesel.clone())
        }
        _ => d.diesel.clone(),
    })
}

/// The Rust value type Diesel maps a PostgreSQL-only type to: the text of
/// [`PgType::rust`] (which the text writer prints) as tokens, so the two
/// writers cannot disagree.
fn pg_rust_type(ty: PgType) -> TokenStream {
    // Every text of `PgType::rust` is a Rust type (a unit test parses them
    // all); `()` would not compile in a model, so a slip cannot go unseen.
    ty.rust()
        .parse::<TokenStream>()
        .unwrap_or_else(|_| quote!(()))
}

/// The model struct name of a table: singular, UpperCamelCase.
pub fn model_name(table: &str) -> String {
    crate::model::upper_camel(&singularize(table))
}

fn singularize(name: &str) -> String {
    let (head, last) = match name.rsplit_once('_') {
        Some((h, l)) => (format!("{h}_"), l),
        None => (String::new(), name),
    };
    let one = if let Some(stem) = last.strip_suffix("ies") {
        format!("{stem}y")
    } else if last.ends_with("sses")
        || last.ends_with("uses")
        || last.ends_with("xes")
        || last.ends_with("ches")
        || last.ends_with("shes")
    {
        last[..last.len() - 2].to_string()
    } else if last.ends_with('s')
        && !last.ends_with("ss")
        && !last.ends_with("us")
        && !last.ends_with("is")
    {
        last[..last.len() - 1].to_string()
    } else {
        last.to_string()
    };
    format!("{head}{one}")
}

fn doc_attrs(docs: &[String]) -> TokenStream {
    let lines = docs.iter().map(|d| {
        let d = format!(" {d}");
        quote!(#[doc = #d])
    });
    quote!(#(#lines)*)
}

/// The generated enum of one column: a `Text` column with exactly one
/// `#[check(in(...))]` whose values are all strings.
struct EnumColumn<'a> {
    table: &'a Table,
    column: &'a Column,
    ident: Ident,
    values: Vec<&'a str>,
}

/// The allowed values of `column` when it gets an enum.
fn enum_values<'a>(table: &'a Table, column: &Column) -> Option<Vec<&'a str>> {
    if !matches!(column.ty, ColumnType::Text { .. }) {
        return None;
    }
    let mut lists = table.checks.iter().filter_map(|ch| match &ch.expr {
        CheckExpr::In {
            column: col,
            values,
        } if *col == column.name => Some(values),
        _ => None,
    });
    let values = lists.next()?;
    if lists.next().is_some() || values.is_empty() {
        return None;
    }
    values
        .iter()
        .map(|v| match v {
            Literal::Text(t) => Some(t.as_str()),
            Literal::Int(_) => None,
        })
        .collect()
}

/// UpperCamelCase of a schema name or value: `run_once` → `RunOnce`,
/// `NotStarted` stays. Empty when nothing alphanumeric is left.
fn camel(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut cs = p.chars();
            cs.next()
                .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The variant names of an enum's values: UpperCamelCase, `V` before a
/// leading digit, `_` after `Self`; `Value<n>` (1-based position) for a
/// value that gives no name or a name already taken.
fn variant_names(values: &[&str]) -> Vec<Ident> {
    let mut taken: Vec<String> = Vec::new();
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut name = camel(v);
            if name.starts_with(|c: char| c.is_ascii_digit()) {
                name = format!("V{name}");
            }
            if name == "Self" {
                name.push('_');
            }
            if name.is_empty() || taken.contains(&name) {
                name = format!("Value{}", i + 1);
            }
            taken.push(name.clone());
            format_ident!("{name}")
        })
        .collect()
}

/// Every generated enum of the schema, in table and column order. An enum
/// is called `<Model><Column>` (`task_executions.status` →
/// `TaskExecutionStatus`), with `Enum` appended when that name is taken by a
/// model struct or another enum.
fn enum_columns(schema: &Schema) -> Vec<EnumColumn<'_>> {
    let mut taken: std::collections::HashSet<String> = schema
        .tables
        .iter()
        .flat_map(|t| [model_name(&t.name), format!("New{}", model_name(&t.name))])
        // The declared enums live in the same `models` module.
        .chain(schema.enums.iter().map(|e| e.name.clone()))
        .collect();
    let mut out = Vec::new();
    for table in &schema.tables {
        for column in &table.columns {
            let Some(values) = enum_values(table, column) else {
                continue;
            };
            let mut name = format!("{}{}", model_name(&table.name), camel(&column.name));
            if taken.contains(&name) {
                name.push_str("Enum");
            }
            taken.insert(name.clone());
            out.push(EnumColumn {
                table,
                column,
                ident: format_ident!("{name}"),
                values,
            });
        }
    }
    out
}

/// One attribute hook of the builder: the attribute, parsed, and whether it
/// matched anything yet.
struct Hook {
    setting: &'static str,
    path: String,
    text: String,
    attrs: Vec<syn::Attribute>,
    used: std::cell::Cell<bool>,
}

fn hooks(setting: &'static str, pairs: &[(String, String)]) -> Result<Vec<Hook>> {
    use syn::parse::Parser;
    pairs
        .iter()
        .map(|(path, text)| {
            let attrs = syn::Attribute::parse_outer
                .parse_str(text)
                .ok()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| Error::Setting {
                    setting,
                    value: format!("{path:?}, {text:?}"),
                    message: "the attribute is not an outer Rust attribute; write it whole, e.g. `#[derive(serde::Serialize)]`".into(),
                })?;
            Ok(Hook {
                setting,
                path: path.clone(),
                text: text.clone(),
                attrs,
                used: std::cell::Cell::new(false),
            })
        })
        .collect()
}

/// The attributes of every hook whose path is `*` or one of `names`.
fn hooked(hooks: &[Hook], names: &[String]) -> TokenStream {
    let attrs = hooks
        .iter()
        .filter(|h| h.path == "*" || names.contains(&h.path))
        .flat_map(|h| {
            h.used.set(true);
            h.attrs.iter()
        });
    quote!(#(#attrs)*)
}

/// A hook whose path matched nothing is a typo: say so.
fn unused_hooks(hooks: &[Hook]) -> Result<()> {
    match hooks.iter().find(|h| h.path != "*" && !h.used.get()) {
        None => Ok(()),
        Some(h) => Err(Error::Setting {
            setting: h.setting,
            value: format!("{:?}, {:?}", h.path, h.text),
            message: format!(
                "the path `{}` matches nothing generated; see the builder method's documentation for what a path may name (`*`, a table, a struct or enum name, `table.column`)",
                h.path
            ),
        }),
    }
}

/// The `models` module as text: each table's items written directly by
/// `models_text` when it can, else printed by prettyplease item by item,
/// then the enums (written directly too when sure); byte for byte what
/// prettyplease prints for the whole module built by [`models_module`].
fn models_text(schema: &Schema, options: &RustOptions) -> Result<String> {
    let model_hooks = hooks("model_attribute", &options.model_attributes)?;
    let enum_hooks = hooks("enum_attribute", &options.enum_attributes)?;
    let field_hooks = hooks("field_attribute", &options.field_attributes)?;
    let enums = enum_columns(schema);
    let by_column: std::collections::HashMap<(&str, &str), &Ident> = enums
        .iter()
        .rev()
        .map(|e| ((e.table.name.as_str(), e.column.name.as_str()), &e.ident))
        .collect();
    let enum_of = |t: &Table, c: &Column| -> Option<TokenStream> {
        if let Some(rust) = declared_rust_type(schema, c) {
            return Some(rust);
        }
        if !options.typed_enums {
            return None;
        }
        by_column
            .get(&(t.name.as_str(), c.name.as_str()))
            .map(|i| quote!(#i))
    };
    let direct = model_hooks.is_empty() && field_hooks.is_empty();
    let mut body = String::new();
    for t in &schema.tables {
        let model_text = model_name(&t.name);
        // The text writer knows the layout of the types it writes; a
        // declared Rust type is printed by prettyplease.
        let custom = t
            .columns
            .iter()
            .any(|c| matches!(c.ty, ColumnType::Custom(_)));
        let text = if direct && !custom {
            super::models_text::table_items(t, &model_text, ident_text, |c| {
                enum_of(t, c).map(|i| i.to_string())
            })
        } else {
            None
        };
        match text {
            Some(text) => body.push_str(&text),
            None => body.push_str(&pretty_items(table_items(
                t,
                &model_hooks,
                &field_hooks,
                &enum_of,
            ))?),
        }
    }
    for e in &enums {
        match enum_text(e, &enum_hooks) {
            Some(text) => body.push_str(&text),
            None => body.push_str(&pretty_items(enum_item(e, &enum_hooks))?),
        }
    }
    if !schema.enums.is_empty() {
        let db_enums =
            super::db_enums::model_items(schema, &|name| hooked(&enum_hooks, &[name.to_string()]));
        body.push_str(&pretty_items(db_enums)?);
    }
    unused_hooks(&model_hooks)?;
    unused_hooks(&enum_hooks)?;
    unused_hooks(&field_hooks)?;
    if body.is_empty() {
        return pretty("models", models_module(schema, options)?);
    }
    Ok(format!("{MODELS_HEADER}{body}}}\n"))
}

/// One enum written directly by `models_text` when no hook adds to it and
/// its layout is certain, else `None` (printed by prettyplease).
fn enum_text(e: &EnumColumn<'_>, hooks: &[Hook]) -> Option<String> {
    let name = e.ident.to_string();
    let names = [
        e.table.name.clone(),
        format!("{}.{}", e.table.name, e.column.name),
        name.clone(),
    ];
    if hooks
        .iter()
        .any(|h| h.path == "*" || names.contains(&h.path))
    {
        return None;
    }
    let variants: Vec<String> = variant_names(&e.values)
        .iter()
        .map(Ident::to_string)
        .collect();
    super::models_text::enum_items(
        &name,
        e.table.sql_name(),
        e.column.sql_name(),
        &variants,
        &e.values,
    )
}

/// The first lines of the `models` module as prettyplease prints them.
const MODELS_HEADER: &str = "/// Model structs: one to read each table, one to insert into it; and\n/// one enum per `Text` column whose check lists its values.\npub mod models {\n";

/// Items printed by prettyplease as they are inside the `models` module:
/// indented one level, no surrounding braces.
fn pretty_items(items: TokenStream) -> Result<String> {
    let text = pretty("models", quote!(mod m { #items }))?;
    Ok(text
        .strip_prefix("mod m {\n")
        .and_then(|t| t.strip_suffix("}\n"))
        .unwrap_or_default()
        .to_string())
}

/// The Rust type of a column of a declared enum or custom type (`None`
/// for any other column).
fn declared_rust_type(schema: &Schema, c: &Column) -> Option<TokenStream> {
    if let ColumnType::Enum(e) = c.ty {
        let ident = rust_ident(&schema.enum_rust_name(e));
        return Some(quote!(#ident));
    }
    custom_rust_type(schema, c.ty)
}

/// The tokens of the `models` module, printed whole by prettyplease: the
/// reference layout [`models_text`] reproduces (and its fallback for an
/// empty schema).
fn models_module(schema: &Schema, options: &RustOptions) -> Result<TokenStream> {
    let model_hooks = hooks("model_attribute", &options.model_attributes)?;
    let enum_hooks = hooks("enum_attribute", &options.enum_attributes)?;
    let field_hooks = hooks("field_attribute", &options.field_attributes)?;
    let enums = enum_columns(schema);
    let enum_items: Vec<TokenStream> = enums.iter().map(|e| enum_item(e, &enum_hooks)).collect();
    let enum_of = |t: &Table, c: &Column| -> Option<TokenStream> {
        if let Some(rust) = declared_rust_type(schema, c) {
            return Some(rust);
        }
        if !options.typed_enums {
            return None;
        }
        enums
            .iter()
            .find(|e| e.table.name == t.name && e.column.name == c.name)
            .map(|e| {
                let ident = &e.ident;
                quote!(#ident)
            })
    };
    let structs: Vec<TokenStream> = schema
        .tables
        .iter()
        .map(|t| table_items(t, &model_hooks, &field_hooks, &enum_of))
        .collect();
    let db_enums =
        super::db_enums::model_items(schema, &|name| hooked(&enum_hooks, &[name.to_string()]));
    unused_hooks(&model_hooks)?;
    unused_hooks(&enum_hooks)?;
    unused_hooks(&field_hooks)?;
    Ok(quote! {
        /// Model structs: one to read each table, one to insert into it; and
        /// one enum per `Text` column whose check lists its values.
        pub mod models {
            #(#structs)*
            #(#enum_items)*
            #db_enums
        }
    })
}

/// The model struct, insert struct and builder of one table, as tokens.
fn table_items(
    t: &Table,
    model_hooks: &[Hook],
    field_hooks: &[Hook],
    enum_of: &dyn Fn(&Table, &Column) -> Option<TokenStream>,
) -> TokenStream {
    {
        let table = rust_ident(&t.name);
        let model_text = model_name(&t.name);
        let new_text = format!("New{model_text}");
        let model = format_ident!("{model_text}");
        let new_model = format_ident!("{new_text}");
        let docs = doc_attrs(&t.docs);
        let pk = t.primary_key.iter().map(|k| rust_ident(k));
        let hook_names = |strukt: &str| vec![t.name.clone(), strukt.to_string()];
        let model_attrs = hooked(model_hooks, &hook_names(&model_text));
        let new_attrs = hooked(model_hooks, &hook_names(&new_text));
        let fields = t.columns.iter().map(|c| {
            let attrs = hooked(field_hooks, &field_names(t, c, &model_text));
            field(c, false, enum_of(t, c), attrs)
        });
        let new_fields = t.columns.iter().filter(|c| c.written_on_insert()).map(|c| {
            let attrs = hooked(field_hooks, &field_names(t, c, &new_text));
            field(c, true, enum_of(t, c), attrs)
        });
        let builder = insert_builder(t, &new_model, |c| enum_of(t, c));
        let model_doc = format!(" A row of `{}`.", t.sql_name());
        let new_doc = format!(
            " A row to insert into `{}`; `None` leaves a column to its default (or NULL).",
            t.sql_name()
        );
        let new_doc2 = format!(
            " Build it with [`{new_text}::new`], which takes the columns that have no default, and the `with_<column>` setters: code written so keeps compiling when a column with a default or a nullable column is added."
        );
        let read_only = read_only_doc(t).map(|d| quote!(#[doc = ""] #[doc = #d]));
        quote! {
            #[doc = #model_doc]
            #docs
            #[derive(Debug, Clone, PartialEq, diesel::Queryable, diesel::Selectable, diesel::Identifiable)]
            #[diesel(table_name = super::schema::unified::#table)]
            #[diesel(primary_key(#(#pk),*))]
            #model_attrs
            pub struct #model {
                #(#fields)*
            }

            #[doc = #new_doc]
            #[doc = ""]
            #[doc = #new_doc2]
            #read_only
            #[derive(Debug, Clone, PartialEq, diesel::Insertable)]
            #[diesel(table_name = super::schema::unified::#table)]
            #new_attrs
            pub struct #new_model {
                #(#new_fields)*
            }

            #builder
        }
    }
}

/// The insert struct's note on the columns it leaves out (Diesel reads
/// them but cannot write them), if the table has any.
pub(super) fn read_only_doc(t: &Table) -> Option<String> {
    let names: Vec<String> = t
        .columns
        .iter()
        .filter(|c| !c.written_on_insert())
        .map(|c| format!("`{}`", c.sql_name()))
        .collect();
    (!names.is_empty()).then(|| {
        format!(
            " Not here: {} (Diesel reads a tsvector but cannot write one); an insert leaves each to its default (or NULL), and SQL fills it (`to_tsvector`).",
            names.join(", ")
        )
    })
}

/// The names a field answers to in `field_attribute` paths.
fn field_names(t: &Table, c: &Column, strukt: &str) -> Vec<String> {
    vec![
        format!("{}.{}", t.name, c.name),
        format!("{strukt}.{}", c.name),
        format!("{}.*", t.name),
        format!("{strukt}.*"),
    ]
}

fn field(
    c: &Column,
    for_insert: bool,
    enum_ty: Option<TokenStream>,
    attrs: TokenStream,
) -> TokenStream {
    let name = rust_ident(&c.name);
    let base = match enum_ty {
        Some(e) => quote!(#e),
        None => rust_type(c.ty),
    };
    let ty = if c.nullable || (for_insert && c.insert_optional()) {
        quote!(Option<#base>)
    } else {
        quote!(#base)
    };
    let docs = doc_attrs(&c.docs);
    quote! {
        #docs
        #attrs
        pub #name: #ty,
    }
}

/// `impl New<Table> { fn new(required…) ; fn with_<column>(…) }`: `new`
/// takes the columns an insert must give (NOT NULL, no default, not
/// auto-increment); every other column starts as `None` (its default, or
/// NULL) and has a setter.
fn insert_builder(
    t: &Table,
    new_model: &Ident,
    enum_of: impl Fn(&Column) -> Option<TokenStream>,
) -> TokenStream {
    let value_type = |c: &Column| match enum_of(c) {
        Some(e) => quote!(#e),
        None => rust_type(c.ty),
    };
    let written: Vec<&Column> = t.columns.iter().filter(|c| c.written_on_insert()).collect();
    let required: Vec<&Column> = written
        .iter()
        .copied()
        .filter(|c| !c.insert_optional())
        .collect();
    let params = required.iter().map(|c| {
        let name = rust_ident(&c.name);
        let ty = value_type(c);
        quote!(#name: impl Into<#ty>)
    });
    let inits = written.iter().map(|c| {
        let name = rust_ident(&c.name);
        if c.insert_optional() {
            quote!(#name: None)
        } else {
            quote!(#name: #name.into())
        }
    });
    let setters = written.iter().filter(|c| c.insert_optional()).map(|c| {
        let name = rust_ident(&c.name);
        let setter = format_ident!("with_{}", c.name);
        let ty = value_type(c);
        let when_unset = if c.default.is_some() || c.auto_increment {
            "its default"
        } else {
            "NULL"
        };
        let doc = format!(
            " Sets `{}` (left unset, it gets {when_unset}).",
            c.sql_name()
        );
        quote! {
            #[doc = #doc]
            #[must_use]
            pub fn #setter(mut self, value: impl Into<#ty>) -> Self {
                self.#name = Some(value.into());
                self
            }
        }
    });
    let new_doc = if required.is_empty() {
        " A row with every column left to its default (or NULL).".to_string()
    } else {
        let names: Vec<String> = required
            .iter()
            .map(|c| format!("`{}`", c.sql_name()))
            .collect();
        format!(
            " A row with the columns that have no default ({}); every other column is left to its default (or NULL) unless set with a `with_` method.",
            names.join(", ")
        )
    };
    // Diesel's own limit is far above clippy's: a wide table is not a smell here.
    let allow_many = (required.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let default_impl = required.is_empty().then(|| {
        quote! {
            impl ::std::default::Default for #new_model {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    });
    quote! {
        #default_impl

        impl #new_model {
            #[doc = #new_doc]
            #allow_many
            pub fn new(#(#params),*) -> Self {
                Self {
                    #(#inits),*
                }
            }

            #(#setters)*
        }
    }
}

/// What [`value_enum_core`] needs to write a Rust enum of stored labels.
pub(super) struct ValueEnum<'a> {
    pub ident: &'a Ident,
    /// The type's name in error messages (`UnknownVariant::type_name`).
    pub name: &'a str,
    /// Doc lines of the enum, each with its leading space.
    pub docs: &'a [String],
    /// Whether it derives `PartialOrd`/`Ord` (declaration order).
    pub ordered: bool,
    pub sql_type: TokenStream,
    pub attrs: &'a TokenStream,
    pub variants: &'a [Ident],
    pub labels: &'a [&'a str],
    /// How `ALL` is ordered, for its doc ("in declaration order").
    pub order: &'a str,
    /// What a stored value is called in the docs ("label", "text").
    pub noun: &'a str,
}

/// The part every generated enum of stored labels shares (the text enums
/// of checked `Text` columns and the declared `#[db_enum]`s): the enum
/// with its Diesel derives, `ALL`, `VALUES`, `as_str`, `Display` and
/// `FromStr`.
pub(super) fn value_enum_core(e: &ValueEnum<'_>) -> TokenStream {
    let ValueEnum {
        ident,
        name,
        docs,
        sql_type,
        attrs,
        variants,
        labels,
        ..
    } = e;
    let n = proc_macro2::Literal::usize_unsuffixed(labels.len());
    let ord = if e.ordered {
        quote!(PartialOrd, Ord,)
    } else {
        quote!()
    };
    let variant_defs = variants.iter().zip(labels.iter()).map(|(v, l)| {
        let d = format!(" `{l:?}`");
        quote! {
            #[doc = #d]
            #v
        }
    });
    let arms = variants
        .iter()
        .zip(labels.iter())
        .map(|(v, l)| quote!(#ident::#v => #l));
    // Names the schema file spells in lower case (a raw `r#type`
    // variant) would warn in every build of the consuming crate.
    let lower = |i: &Ident| {
        i.to_string()
            .trim_start_matches("r#")
            .starts_with(|c: char| c.is_ascii_lowercase())
    };
    let allow = (lower(ident) || variants.iter().any(lower))
        .then(|| quote!(#[allow(non_camel_case_types)]));
    let all_doc = format!(" Every value, {}.", e.order);
    let values_doc = format!(" The stored {} of every value, in the same order.", e.noun);
    let as_str_doc = format!(" The stored {}.", e.noun);
    quote! {
        #(#[doc = #docs])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, #ord diesel::expression::AsExpression, diesel::deserialize::FromSqlRow)]
        #[diesel(sql_type = #sql_type)]
        #attrs
        #allow
        pub enum #ident {
            #(#variant_defs),*
        }

        impl #ident {
            #[doc = #all_doc]
            pub const ALL: [#ident; #n] = [#(#ident::#variants),*];

            #[doc = #values_doc]
            pub const VALUES: [&'static str; #n] = [#(#labels),*];

            #[doc = #as_str_doc]
            pub const fn as_str(self) -> &'static str {
                match self {
                    #(#arms),*
                }
            }
        }

        impl ::std::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for #ident {
            type Err = super::types::UnknownVariant;

            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                #ident::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| super::types::UnknownVariant {
                        type_name: #name,
                        value: s.to_string(),
                        expected: &#ident::VALUES,
                    })
            }
        }
    }
}

/// The enum of one `Text` column with a check list: variants, `ALL`,
/// `as_str`, `Display`, `FromStr`, conversions and comparisons with text,
/// and the Diesel impls that read and write it as `Text` on every backend
/// (one generic impl each, so `Pg`, `Sqlite` and the consumer's
/// `MultiBackend` are all served).
fn enum_item(e: &EnumColumn<'_>, hooks: &[Hook]) -> TokenStream {
    let ident = &e.ident;
    let name = ident.to_string();
    let variants = variant_names(&e.values);
    let values = &e.values;
    let attrs = hooked(
        hooks,
        &[
            e.table.name.clone(),
            format!("{}.{}", e.table.name, e.column.name),
            name.clone(),
        ],
    );
    let doc = format!(
        " The values of `{}.{}` (its `CHECK` lists them); stored as text.",
        e.table.sql_name(),
        e.column.sql_name()
    );
    let core = value_enum_core(&ValueEnum {
        ident,
        name: &name,
        docs: std::slice::from_ref(&doc),
        ordered: true,
        sql_type: quote!(diesel::sql_types::Text),
        attrs: &attrs,
        variants: &variants,
        labels: values,
        order: "in the order of the schema's check",
        noun: "text",
    });
    quote! {
        #core

        impl ::std::convert::From<#ident> for String {
            fn from(v: #ident) -> Self {
                v.as_str().to_string()
            }
        }

        impl ::std::cmp::PartialEq<str> for #ident {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl ::std::cmp::PartialEq<&str> for #ident {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl ::std::cmp::PartialEq<String> for #ident {
            fn eq(&self, other: &String) -> bool {
                self.as_str() == other.as_str()
            }
        }

        impl ::std::cmp::PartialEq<#ident> for String {
            fn eq(&self, other: &#ident) -> bool {
                self.as_str() == other.as_str()
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for #ident
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(self.as_str(), out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for #ident
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: <DB as diesel::backend::Backend>::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                Ok(text.parse::<#ident>()?)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every PostgreSQL-only type's Rust text is a Rust type (the models
    /// would otherwise get `()`), and its name reads back through the
    /// parser's names and its catalogue name.
    #[test]
    fn postgres_only_rust_types_parse_and_names_round_trip() {
        use crate::model::{PgElem, PgRange};
        let mut all: Vec<PgType> = PgElem::ALL.into_iter().map(PgType::Array).collect();
        all.extend(PgRange::ALL.into_iter().map(PgType::Range));
        all.extend([
            PgType::Interval,
            PgType::Money,
            PgType::Oid,
            PgType::MacAddr,
            PgType::MacAddr8,
            PgType::Citext,
            PgType::Inet,
            PgType::Cidr,
            PgType::Tsvector,
        ]);
        let decimal = PgType::Array(PgElem::Decimal {
            precision: 10,
            scale: 2,
        });
        assert_eq!(decimal.neutral_name(), "Array<Decimal<10, 2>>");
        assert_eq!(decimal.sql(), "NUMERIC(10,2)[]");
        all.push(decimal);
        for ty in all {
            let text = ty.rust();
            assert!(
                syn::parse_str::<syn::Type>(&text).is_ok(),
                "{text} is not a type"
            );
            assert_eq!(
                pg_rust_type(ty).to_string(),
                text.parse::<TokenStream>()
                    .map(|t| t.to_string())
                    .unwrap_or_default()
            );
            let udt = match ty {
                PgType::Array(e) => format!("_{}", e.udt()),
                other => other.sql().to_ascii_lowercase(),
            };
            // `_numeric` alone lacks P and S (the catalogue's typmod has
            // them; introspection reads it).
            let want = (ty != decimal).then_some(ty);
            assert_eq!(PgType::from_udt(&udt), want, "{udt}");
            let src = format!(
                "table! {{ #[backend(postgres)] t (id) {{ id -> BigInt, c -> {}, }} }}",
                ty.neutral_name()
            );
            let (schema, diags) = crate::parse::parse(&src);
            assert!(diags.is_empty(), "{}: {diags:?}", ty.neutral_name());
            let c = schema.table("t").and_then(|t| t.column("c")).map(|c| c.ty);
            assert_eq!(c, Some(ColumnType::Postgres(ty)));
        }
    }

    const JOBS: &str = r#"
        table! {
            jobs (id) {
                id -> Integer,
                #[check(in("queued", "run_once", "2fast", "Self", "run-once", ""))]
                state -> Text,
                #[check(in(1, 2))]
                tier -> Integer,
                note -> Nullable<Text>,
            }
        }
    "#;

    fn jobs() -> Schema {
        crate::parse_str("jobs.rs", JOBS).expect("valid schema")
    }

    fn render_with(options: &RustOptions) -> Result<String> {
        render(&jobs(), "jobs.rs", &[], options)
    }

    #[test]
    fn variant_names_are_rust_identifiers() {
        let names: Vec<String> =
            variant_names(&["queued", "run_once", "2fast", "Self", "run-once", ""])
                .iter()
                .map(|i| i.to_string())
                .collect();
        assert_eq!(
            names,
            ["Queued", "RunOnce", "V2fast", "Self_", "Value5", "Value6"]
        );
    }

    #[test]
    fn only_text_columns_with_a_string_list_get_an_enum() {
        let schema = jobs();
        let enums = enum_columns(&schema);
        let names: Vec<String> = enums.iter().map(|e| e.ident.to_string()).collect();
        assert_eq!(names, ["JobState"]);
    }

    #[test]
    fn typed_enums_switch_the_field_types() {
        let plain = render_with(&RustOptions::default()).expect("render");
        assert!(plain.contains("pub state: String,"), "{plain}");
        assert!(plain.contains("pub enum JobState"), "{plain}");
        let typed = render_with(&RustOptions {
            typed_enums: true,
            ..RustOptions::default()
        })
        .expect("render");
        assert!(typed.contains("pub state: JobState,"), "{typed}");
        assert!(typed.contains("state: impl Into<JobState>,"), "{typed}");
    }

    #[test]
    fn hooks_add_attributes_where_their_paths_point() {
        let out = render_with(&RustOptions {
            model_attributes: vec![("NewJob".into(), "#[derive(Default)]".into())],
            enum_attributes: vec![("jobs.state".into(), "#[non_exhaustive]".into())],
            field_attributes: vec![("Job.note".into(), "#[doc(alias = \"remark\")]".into())],
            ..RustOptions::default()
        })
        .expect("render");
        assert_eq!(out.matches("#[derive(Default)]").count(), 1, "{out}");
        assert_eq!(out.matches("#[non_exhaustive]").count(), 1, "{out}");
        assert_eq!(
            out.matches("#[doc(alias = \"remark\")]").count(),
            1,
            "{out}"
        );
    }

    #[test]
    fn bad_settings_are_located_errors() {
        for (options, setting, says) in [
            (
                RustOptions {
                    model_attributes: vec![("*".into(), "derive(Clone)".into())],
                    ..RustOptions::default()
                },
                "model_attribute",
                "not an outer Rust attribute",
            ),
            (
                RustOptions {
                    enum_attributes: vec![("jobs.tier".into(), "#[derive(Default)]".into())],
                    ..RustOptions::default()
                },
                "enum_attribute",
                "matches nothing generated",
            ),
            (
                RustOptions {
                    types_path: "not a path".into(),
                    ..RustOptions::default()
                },
                "types_path",
                "not a Rust path",
            ),
        ] {
            match render_with(&options) {
                Err(Error::Setting {
                    setting: got,
                    message,
                    ..
                }) => {
                    assert_eq!(got, setting);
                    assert!(message.contains(says), "{message}");
                }
                other => panic!("{setting}: expected a Setting error, got {other:?}"),
            }
        }
    }

    /// Schemas whose models take every branch of `models_text`: long names
    /// (signatures on one line and broken, lines too wide to be sure),
    /// more than seven required columns, docs with trailing spaces, empty
    /// doc lines, keyword names, one-column tables.
    fn layout_schemas() -> Vec<(String, String)> {
        let long = "l".repeat(40);
        let longer = "m".repeat(60);
        let mid = "m".repeat(55);
        let mut shapes = format!(
            r#"
            table! {{
                /// Trailing spaces.   
                ///
                {long}_items (id) {{
                    #[auto_increment]
                    id -> Integer,
                }}
            }}
            table! {{
                wide (a) {{
                    a -> Integer, b -> Text, c -> BigInt, d -> Double, e -> Binary,
                    f -> Json, g -> Timestamp, h -> Uuid, i -> SmallInt,
                    /// A doc.
                    {long} -> Nullable<Timestamp>,
                    #[default(now)]
                    x{long} -> Timestamp,
                    #[default(now)]
                    y{long}abcd -> Timestamp,
                    #[default(now)]
                    z{long}abcde -> Timestamp,
                    #[default(1)]
                    {longer} -> Integer,
                    #[check(in("a", "b"))]
                    #[default("a")]
                    kind -> Text,
                    r#type -> Nullable<Text>,
                }}
            }}
            table! {{
                {mid}s (k) {{
                    k -> Integer,
                    {long}_a -> Timestamp,
                    {long}_b -> Timestamp,
                }}
            }}
            table! {{
                solo (id) {{
                    id -> Integer,
                }}
            }}
            table! {{
                duo (id) {{
                    #[auto_increment]
                    id -> Integer,
                    n -> Integer,
                }}
            }}
            table! {{
                trio (id) {{
                    #[auto_increment]
                    id -> Integer,
                    n -> Integer,
                    o -> Integer,
                }}
            }}
            "#
        );
        for n in [20, 24, 28, 32, 36] {
            let name = "n".repeat(n);
            let _ = std::fmt::Write::write_fmt(
                &mut shapes,
                format_args!(
                    "table! {{ t{n} (id) {{ #[default(uuid)] id -> Uuid, {name} -> Uuid, #[default(now)] {name}_at -> Timestamp, }} }}\n"
                ),
            );
        }
        // Enums: names from short to past the margin (impl headers on one
        // line and not, arrays flat and broken), values prettyplease
        // escapes, many values.
        let mut enums = String::new();
        for n in [1, 4, 8, 12, 14, 15, 16, 17, 18, 20, 24, 30, 40] {
            let name = "e".repeat(n);
            let _ = std::fmt::Write::write_fmt(
                &mut enums,
                format_args!(
                    "table! {{ {name} (id) {{ id -> Integer, #[check(in(\"plain\", \"special\", \"x{name}\"))] k -> Text, #[check(in(\"a\"))] s -> Text, }} }}\n"
                ),
            );
        }
        enums.push_str(
            r#"table! { odd (id) { id -> Integer, #[check(in("it's", "a\"b", "back\\slash", "tab\there", "é", "a b", "a-b"))] v -> Text, } }
            table! { many (id) { id -> Integer, #[check(in("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"))] v -> Text, } }
            "#,
        );
        vec![
            ("enums.rs".into(), enums),
            ("jobs.rs".into(), JOBS.into()),
            ("shapes.rs".into(), shapes),
            (
                "everything.rs".into(),
                include_str!("../../tests/fixtures/valid/everything.rs").into(),
            ),
            (
                "cloacina.rs".into(),
                include_str!("../../../schema/cloacina.rs").into(),
            ),
            ("synthetic.rs".into(), crate::synthetic::schema_source(10)),
        ]
    }

    #[test]
    fn models_text_is_what_prettyplease_prints() {
        for (name, source) in layout_schemas() {
            let schema = crate::parse_str(&name, &source)
                .unwrap_or_else(|e| panic!("{name}: {}", e.render_plain()));
            for typed_enums in [false, true] {
                let options = RustOptions {
                    typed_enums,
                    ..RustOptions::default()
                };
                let fast = models_text(&schema, &options).expect("models text");
                let reference = pretty("models", models_module(&schema, &options).expect("tokens"))
                    .expect("pretty");
                if fast != reference {
                    let line = fast
                        .lines()
                        .zip(reference.lines())
                        .position(|(a, b)| a != b)
                        .unwrap_or(0);
                    panic!(
                        "{name} (typed_enums {typed_enums}): first difference at line {}:\n  got:  {:?}\n  want: {:?}",
                        line + 1,
                        fast.lines().nth(line),
                        reference.lines().nth(line)
                    );
                }
                let all = render(&schema, &name, &[], &options).expect("render");
                if let Err(e) = syn::parse_file(&all) {
                    panic!("{name}: the generated module does not parse: {e}");
                }
            }
        }
    }

    #[test]
    fn the_direct_writer_covers_the_common_shapes() {
        // Everything in the project's schema and the fixture is written
        // without prettyplease; only too-wide lines fall back.
        for (name, source) in layout_schemas()
            .into_iter()
            .filter(|(n, _)| n != "shapes.rs" && n != "enums.rs")
        {
            let schema = crate::parse_str(&name, &source).expect("valid");
            for t in &schema.tables {
                let direct = super::super::models_text::table_items(
                    t,
                    &model_name(&t.name),
                    ident_text,
                    |_| None,
                );
                assert!(direct.is_some(), "{name}: {} fell back", t.name);
            }
            for e in &enum_columns(&schema) {
                assert!(
                    enum_text(e, &[]).is_some(),
                    "{name}: enum {} fell back",
                    e.ident
                );
            }
        }
    }

    #[test]
    fn plain_ident_agrees_with_syn() {
        for name in [
            "_",
            "as",
            "abstract",
            "continue",
            "override",
            "unsized",
            "Self",
            "self",
            "super",
            "crate",
            "type",
            "types",
            "continues",
            "abstracts",
            "a",
            "_a",
            "é",
            "1a",
            "status",
            "workflow_executions",
            "",
        ] {
            assert_eq!(
                plain_ident(name),
                syn::parse_str::<syn::Ident>(name).is_ok(),
                "{name}"
            );
        }
    }

    /// `syn` parses `r#type`, but it is a raw identifier, not a plain one:
    /// `plain_ident` said yes, and `rust_ident` then gave it to
    /// `Ident::new`, which panics on `r#`.
    #[test]
    fn raw_identifiers_are_not_plain() {
        for raw in ["r#type", "r#match", "r#status"] {
            assert!(!plain_ident(raw), "{raw}");
        }
        assert_eq!(ident_text("r#type"), "r#type");
        assert_eq!(ident_text("type"), "r#type");
        assert_eq!(ident_text("r#status"), "status");
        assert_eq!(rust_ident("r#match").to_string(), "r#match");
    }

    #[test]
    fn model_names() {
        for (table, want) in [
            ("workflow_executions", "WorkflowExecution"),
            ("contexts", "Context"),
            ("task_execution_metadata", "TaskExecutionMetadata"),
            ("recovery_events", "RecoveryEvent"),
            ("schedules", "Schedule"),
            ("policies", "Policy"),
            ("statuses", "Status"),
            ("status", "Status"),
            ("everything", "Everything"),
            ("boxes", "Box"),
        ] {
            assert_eq!(model_name(table), want, "{table}");
        }
    }
}
