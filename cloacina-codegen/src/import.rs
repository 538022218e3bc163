//! Importing an existing Diesel `schema.rs` into the neutral model.
//!
//! Reads the file with `syn`: every `table!` / `diesel::table!` at any
//! module depth (a unified module and per-backend modules may sit in one
//! file), `joinable!`, `allow_tables_to_appear_in_same_query!` (nothing to
//! keep), `#[sql_name]`, `#[max_length]`, doc comments, and custom SQL types
//! declared in a `sql_types` module.
//!
//! Nothing is guessed silently. Every construct is
//! - carried: a Diesel type with a neutral type (`Int4` → `Integer`,
//!   `Timestamptz` → `Timestamp`, Diesel's naive `Timestamp` →
//!   `NaiveTimestamp`, `Date` → `Date`, `Time` → `Time`, the bridge types
//!   `DbUuid`/`DbBool`/`DbTimestamp`/`DbNaiveTimestamp`/`DbDate`/`DbTime`
//!   by their names);
//! - scoped: a table defined in only one backend's module gets
//!   `#[backend(..)]`; a column present in only one backend's module, or of
//!   a type the schema language has no neutral type for but the backend can
//!   spell (`Numeric`, whose precision and scale only `--database` says,
//!   then read as `Decimal<P, S>`; PostgreSQL arrays,
//!   `Tsvector`, `Inet`, ranges, …), is carried as backend-scoped
//!   `raw_sql!` (`ALTER TABLE … ADD COLUMN …`) and is then not part of the
//!   generated Diesel code;
//! - or reported as left out ([`NoteKind::LeftOut`]: a PostgreSQL enum
//!   whose definition schema.rs does not hold, a table whose key is such a
//!   column), with `file:line:column` and what to write instead.
//!
//! `joinable!` is a join hint, never a foreign key: schema.rs cannot say
//! whether a constraint exists (a polymorphic `owner_id` joins two tables)
//! nor its actions. Foreign keys, their actions, identities, defaults,
//! checks and indexes come from [`merge_with_database`]; without a database
//! the notes say what is unknown ([`NoteKind::Unknown`]).
//!
//! When several modules define the same table they are compared (modulo the
//! type map: a SQLite module's `Binary` for a `Uuid` is no disagreement).
//! The PostgreSQL module's definition is kept (it spells types most
//! precisely), else the unified module's, else the first; the disagreements
//! are listed once per table with that resolution.

use std::collections::{BTreeSet, HashMap, HashSet};

use proc_macro2::Span as PmSpan;
use serde::Serialize;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Attribute, Ident, Token};

use crate::compare::{compare_with, CompareOptions, Difference, ObjectKind};
use crate::error::{Error, Result};
use crate::model::*;
use crate::normalize::normalize;
use crate::render::ddl::quote_ident;

/// How the importer handled a construct.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// Carried as a neutral construct that is close but not identical; the
    /// message says what changed.
    Approximate,
    /// Carried on one backend only (`#[backend(..)]`) or as backend-scoped
    /// `raw_sql!`.
    Scoped,
    /// Not in the written schema; the message says what to write instead.
    LeftOut,
    /// Something schema.rs does not say; the written schema does not know it.
    Unknown,
    /// A `joinable!`: a join hint, not a constraint.
    JoinHint,
}

impl NoteKind {
    /// A short label for text reports.
    pub fn label(self) -> &'static str {
        match self {
            NoteKind::Approximate => "approximate",
            NoteKind::Scoped => "scoped",
            NoteKind::LeftOut => "LEFT OUT",
            NoteKind::Unknown => "unknown",
            NoteKind::JoinHint => "join hint",
        }
    }
}

/// Something the importer scoped, approximated, left out or could not know,
/// with its place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportNote {
    /// `file:line:column`.
    pub at: String,
    /// How it was handled.
    pub kind: NoteKind,
    /// What happened and what to do.
    pub message: String,
}

/// One difference between the kept definition of a table and another
/// module's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModuleDifference {
    /// The other module.
    pub module: String,
    /// How it differs: left is the kept module, right the other.
    #[serde(flatten)]
    pub difference: Difference,
}

/// A table that the modules of one file define differently, listed once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    /// The table (SQL name).
    pub table: String,
    /// Where the table is defined (`file:line:column` of its first definition).
    pub at: String,
    /// The module whose version was kept (`(top level)` for none).
    pub kept: String,
    /// The resolution taken, in words.
    pub resolution: String,
    /// How the other modules differ from the kept one.
    pub differences: Vec<ModuleDifference>,
}

/// A `joinable!(child -> parent (column))`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JoinHint {
    /// The table holding the column.
    pub child: String,
    /// The table joined to.
    pub parent: String,
    /// The joining column of `child`.
    pub column: String,
    /// `file:line:column` of the (first) `joinable!`.
    pub at: String,
}

/// The result of [`import_str`].
#[derive(Clone, Debug)]
pub struct Imported {
    /// The tables, in file order (first definition of each), and the
    /// `raw_sql!` blocks that carry backend-scoped columns.
    pub schema: Schema,
    /// Every construct scoped, approximated, left out or unknown.
    pub notes: Vec<ImportNote>,
    /// Tables that modules of the file define differently.
    pub disagreements: Vec<Disagreement>,
    /// The `joinable!` hints (deduplicated across modules).
    pub joins: Vec<JoinHint>,
    /// Columns carried as raw SQL instead of neutral columns: (table SQL
    /// name, column SQL name).
    pub raw_columns: Vec<(String, String)>,
}

impl Imported {
    /// Whether something was left out (the caller should exit non-zero).
    pub fn left_out(&self) -> usize {
        self.notes
            .iter()
            .filter(|n| n.kind == NoteKind::LeftOut)
            .count()
    }
}

/// A column as one module wrote it.
#[derive(Clone, Debug)]
struct ColRead {
    column: Column,
    read: TypeRead,
    at: PmSpan,
}

struct RawTable {
    module: Vec<String>,
    table: Table,
    cols: Vec<ColRead>,
    at: PmSpan,
}

struct Cx<'a> {
    path: &'a str,
    notes: Vec<ImportNote>,
    custom_types: HashMap<String, String>,
    tables: Vec<RawTable>,
    joins: Vec<(String, String, String, PmSpan)>,
}

impl Cx<'_> {
    fn at(&self, span: PmSpan) -> String {
        let s = span.start();
        format!("{}:{}:{}", self.path, s.line, s.column + 1)
    }

    fn note(&mut self, span: PmSpan, kind: NoteKind, message: impl Into<String>) {
        let at = self.at(span);
        self.notes.push(ImportNote {
            at,
            kind,
            message: message.into(),
        });
    }
}

fn syn_error(path: &str, e: &syn::Error, what: &str) -> Error {
    let s = e.span().start();
    Error::Import {
        path: path.to_string(),
        line: s.line,
        column: s.column + 1,
        message: format!("{e} ({what}); a Diesel schema.rs holds `diesel::table! {{ name (key) {{ column -> Type, }} }}` items"),
    }
}

/// Reads a Diesel `schema.rs`.
///
/// # Errors
///
/// [`Error::Read`] when the file cannot be read, [`Error::NotUtf8`] when
/// it is not UTF-8 text; see [`import_str`].
pub fn import(path: &std::path::Path) -> Result<Imported> {
    let source = crate::parse::read_source(path)?;
    import_str(&path.display().to_string(), &source)
}

/// Reads the text of a Diesel `schema.rs`; `path` names it in messages.
///
/// # Errors
///
/// [`Error::Import`] with the line and column when the file is not Rust or
/// a `table!` cannot be read.
pub fn import_str(path: &str, source: &str) -> Result<Imported> {
    let file = crate::parse::parse_file(source).map_err(|e| match e {
        crate::parse::FileError::Syn(e) => syn_error(path, &e, "not valid Rust"),
        crate::parse::FileError::TooDeep(span) => {
            let e = syn::Error::new(
                span,
                format!(
                    "{}; {}",
                    crate::parse::too_deep_message(),
                    crate::parse::NESTING_HELP
                ),
            );
            syn_error(path, &e, "refused before parsing")
        }
    })?;
    let mut cx = Cx {
        path,
        notes: Vec::new(),
        custom_types: HashMap::new(),
        tables: Vec::new(),
        joins: Vec::new(),
    };
    collect_types(&mut cx, &file.items);
    items(&mut cx, &file.items, &[])?;
    Ok(assemble(cx))
}

fn collect_types(cx: &mut Cx, items: &[syn::Item]) {
    for item in items {
        match item {
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    collect_types(cx, inner);
                }
            }
            syn::Item::Struct(s) => {
                let mut db_name = None;
                for a in &s.attrs {
                    if a.path().is_ident("diesel") {
                        let text = a.meta.to_token_stream_string();
                        if let Some(i) = text.find("name = \"") {
                            let rest = &text[i + 8..];
                            db_name = rest.split('"').next().map(str::to_string);
                        }
                    }
                }
                let derives_sql_type = s
                    .attrs
                    .iter()
                    .any(|a| a.meta.to_token_stream_string().contains("SqlType"));
                if derives_sql_type || db_name.is_some() {
                    cx.custom_types
                        .insert(s.ident.to_string(), db_name.unwrap_or_default());
                }
            }
            _ => {}
        }
    }
}

trait TokenString {
    fn to_token_stream_string(&self) -> String;
}

impl<T: quote::ToTokens> TokenString for T {
    fn to_token_stream_string(&self) -> String {
        self.to_token_stream().to_string()
    }
}

fn macro_name(path: &syn::Path) -> String {
    path.segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

fn items(cx: &mut Cx, list: &[syn::Item], module: &[String]) -> Result<()> {
    for item in list {
        match item {
            syn::Item::Macro(m) => {
                let name = macro_name(&m.mac.path);
                match name.as_str() {
                    "table" => {
                        let tokens = m.mac.tokens.clone();
                        let parsed = (|input: ParseStream| parse_table(input))
                            .parse2(tokens)
                            .map_err(|e| syn_error(cx.path, &e, "in a table! macro"))?;
                        let (table, mut cols, at) = parsed;
                        for c in &mut cols {
                            if let TypeRead::Custom(written) = &c.read {
                                c.read = custom_type(cx, written);
                                if let TypeRead::Approx(t, _) = &c.read {
                                    c.column.ty = *t;
                                }
                            }
                        }
                        cx.tables.push(RawTable {
                            module: module.to_vec(),
                            table,
                            cols,
                            at,
                        });
                    }
                    "joinable" => {
                        let parsed = (|input: ParseStream| {
                            let child = input.call(Ident::parse_any)?;
                            input.parse::<Token![->]>()?;
                            let parent = input.call(Ident::parse_any)?;
                            let content;
                            syn::parenthesized!(content in input);
                            let col = content.call(Ident::parse_any)?;
                            Ok((unraw(&child), unraw(&parent), unraw(&col), child.span()))
                        })
                        .parse2(m.mac.tokens.clone())
                        .map_err(|e| {
                            syn_error(
                                cx.path,
                                &e,
                                "in a joinable! macro: expected `child -> parent (column)`",
                            )
                        })?;
                        cx.joins.push(parsed);
                    }
                    "allow_tables_to_appear_in_same_query"
                    | "allow_columns_to_appear_in_same_group_by_clause" => {}
                    other => cx.note(
                        m.mac.path.span(),
                        NoteKind::LeftOut,
                        format!("macro `{other}!` is not part of a Diesel schema; left out (move what it declares into the schema file by hand, or into a raw_sql! block)"),
                    ),
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    let mut path = module.to_vec();
                    path.push(m.ident.to_string());
                    items(cx, inner, &path)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn unraw(i: &Ident) -> String {
    let s = i.to_string();
    s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
}

fn str_attr(a: &Attribute) -> Option<String> {
    if let syn::Meta::NameValue(nv) = &a.meta {
        if let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) = &nv.value
        {
            return Some(s.value());
        }
    }
    None
}

fn int_attr(a: &Attribute) -> Option<u32> {
    if let syn::Meta::NameValue(nv) = &a.meta {
        if let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) = &nv.value
        {
            return i.base10_parse().ok();
        }
    }
    None
}

fn docs(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(str_attr)
        .map(|s| s.strip_prefix(' ').unwrap_or(&s).trim_end().to_string())
        .collect()
}

fn parse_table(input: ParseStream) -> syn::Result<(Table, Vec<ColRead>, PmSpan)> {
    while input.peek(Token![use]) {
        input.parse::<syn::ItemUse>()?;
    }
    let attrs = input.call(Attribute::parse_outer)?;
    let mut name = input.call(Ident::parse_any)?;
    if input.peek(Token![.]) {
        input.parse::<Token![.]>()?;
        name = input.call(Ident::parse_any)?;
    }
    let at = name.span();
    let primary_key = if input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in input);
        let keys = content.parse_terminated(Ident::parse_any, Token![,])?;
        keys.iter().map(unraw).collect()
    } else {
        vec!["id".to_string()]
    };
    let content;
    syn::braced!(content in input);
    let mut cols = Vec::new();
    while !content.is_empty() {
        let cattrs = content.call(Attribute::parse_outer)?;
        let cname = content.call(Ident::parse_any)?;
        content.parse::<Token![->]>()?;
        let ty: syn::Type = content.parse()?;
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
        let max_len = cattrs
            .iter()
            .find(|a| a.path().is_ident("max_length"))
            .and_then(int_attr);
        let sql_name = cattrs
            .iter()
            .find(|a| a.path().is_ident("sql_name"))
            .and_then(str_attr);
        let (written, nullable) = unwrap_nullable(&ty);
        let read = diesel_type(&written, max_len);
        let neutral = match &read {
            TypeRead::Neutral(t) | TypeRead::Approx(t, _) => *t,
            // A placeholder; such columns never reach the neutral table.
            _ => ColumnType::Text { max_len: None },
        };
        cols.push(ColRead {
            column: Column {
                name: unraw(&cname),
                sql_name,
                docs: docs(&cattrs),
                ty: neutral,
                nullable,
                default: None,
                auto_increment: false,
                renamed_from: None,
                span: Span::default(),
                ty_span: Span::default(),
            },
            read,
            at: ty.span(),
        });
    }
    let sql_name = attrs
        .iter()
        .find(|a| a.path().is_ident("sql_name"))
        .and_then(str_attr);
    Ok((
        Table {
            sql_name,
            docs: docs(&attrs),
            primary_key,
            ..Table::named(unraw(&name))
        },
        cols,
        at,
    ))
}

/// The type's path with `Nullable<…>` taken off (generic arguments kept,
/// path prefixes dropped: `diesel::sql_types::Array<Text>` → `Array<Text>`).
fn unwrap_nullable(ty: &syn::Type) -> (String, bool) {
    if let syn::Type::Path(p) = ty {
        if let Some(last) = p.path.segments.last() {
            if last.ident == "Nullable" {
                if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                    if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                        return (unwrap_nullable(inner).0, true);
                    }
                }
            }
            let args = match &last.arguments {
                syn::PathArguments::AngleBracketed(a) => {
                    let inner: Vec<String> = a
                        .args
                        .iter()
                        .map(|g| match g {
                            // `Array<Nullable<Int4>>` keeps its inner `Nullable`
                            // (its Rust type holds `Option`s).
                            syn::GenericArgument::Type(t) => match unwrap_nullable(t) {
                                (inner, true) => format!("Nullable<{inner}>"),
                                (inner, false) => inner,
                            },
                            other => other.to_token_stream_string().replace(' ', ""),
                        })
                        .collect();
                    format!("<{}>", inner.join(","))
                }
                syn::PathArguments::None => String::new(),
                other => other.to_token_stream_string().replace(' ', ""),
            };
            return (format!("{}{args}", last.ident), false);
        }
    }
    (ty.to_token_stream_string(), false)
}

/// What a Diesel SQL type name says, before custom types are known.
#[derive(Clone, Debug, PartialEq)]
enum TypeRead {
    /// A neutral type, exactly.
    Neutral(ColumnType),
    /// A neutral type that holds every value, with what changed.
    Approx(ColumnType, String),
    /// No neutral type: how each backend spells it (`None`: that backend
    /// has no such type), and why it is not a neutral type.
    Foreign(Foreign),
    /// A name that is not a Diesel built-in; resolved against the file's
    /// `sql_types` declarations.
    Custom(String),
}

/// A column type the schema language has no neutral type for.
#[derive(Clone, Debug, PartialEq)]
struct Foreign {
    /// The Diesel type as written.
    diesel: String,
    /// The PostgreSQL spelling, if PostgreSQL has the type.
    postgres: Option<String>,
    /// The SQLite spelling, if SQLite has the type.
    sqlite: Option<String>,
    /// Why it is not read as a neutral type.
    why: String,
}

fn foreign(diesel: &str, postgres: Option<&str>, sqlite: Option<&str>, why: &str) -> TypeRead {
    TypeRead::Foreign(Foreign {
        diesel: diesel.to_string(),
        postgres: postgres.map(str::to_string),
        sqlite: sqlite.map(str::to_string),
        why: why.to_string(),
    })
}

const PG_ONLY: &str = "a PostgreSQL-only type; the schema language has no neutral type for it";

/// The PostgreSQL spelling of a Diesel element type inside `Array<…>` or
/// `Range<…>`.
fn pg_element(name: &str) -> Option<&'static str> {
    Some(match name {
        "Text" | "Varchar" | "VarChar" => "TEXT",
        "Int2" | "SmallInt" | "Smallint" => "SMALLINT",
        "Int4" | "Integer" => "INTEGER",
        "Int8" | "BigInt" | "Bigint" => "BIGINT",
        "Bool" => "BOOLEAN",
        "Uuid" => "UUID",
        "Float4" | "Float" => "REAL",
        "Float8" | "Double" => "DOUBLE PRECISION",
        "Numeric" | "Decimal" => "NUMERIC",
        "Timestamptz" => "TIMESTAMPTZ",
        "Timestamp" => "TIMESTAMP",
        "Date" => "DATE",
        "Time" => "TIME",
        "Jsonb" => "JSONB",
        "Json" => "JSON",
        "Bytea" | "Binary" => "BYTEA",
        "Inet" => "INET",
        "Cidr" => "CIDR",
        "Citext" => "CITEXT",
        _ => return None,
    })
}

/// `Name<Inner>` split into `("Name", Some("Inner"))` (one level; a
/// `Nullable<…>` inside is taken off).
fn generic(name: &str) -> (&str, Option<&str>) {
    match (name.find('<'), name.ends_with('>')) {
        (Some(i), true) => {
            let inner = &name[i + 1..name.len() - 1];
            let inner = inner
                .strip_prefix("Nullable<")
                .and_then(|x| x.strip_suffix('>'))
                .unwrap_or(inner);
            let inner = inner.rsplit("::").next().unwrap_or(inner);
            (&name[..i], Some(inner))
        }
        _ => (name, None),
    }
}

/// A Diesel SQL type name, read.
fn diesel_type(name: &str, max_len: Option<u32>) -> TypeRead {
    let (head, inner) = generic(name);
    let ty = match head {
        "Uuid" => ColumnType::Uuid,
        "Text" | "Varchar" | "VarChar" | "Char" | "Bpchar" | "Tinytext" | "Mediumtext"
        | "Longtext" => ColumnType::Text { max_len },
        "Int2" | "SmallInt" | "Smallint" | "TinyInt" | "Tinyint" => ColumnType::SmallInt,
        "Int4" | "Integer" => ColumnType::Integer,
        "Int8" | "BigInt" | "Bigint" => ColumnType::BigInt,
        "Bool" => ColumnType::Bool,
        "Timestamptz" | "TimestamptzSqlite" => ColumnType::Timestamp,
        // Diesel's Timestamp has no time zone: the neutral NaiveTimestamp,
        // not the neutral (UTC) Timestamp.
        "Timestamp" | "Datetime" => ColumnType::NaiveTimestamp,
        "Date" => ColumnType::Date,
        "Time" => ColumnType::Time,
        "Numeric" | "Decimal" => {
            return foreign(
                name,
                Some("NUMERIC"),
                Some("NUMERIC"),
                "Diesel's Numeric carries no precision and scale, which the exact Decimal<P, S> needs (Double would round); pass --database to read numeric(P,S) with P <= 18 as Decimal<P, S>",
            )
        }
        "Float8" | "Double" => ColumnType::Double,
        "Float4" | "Float" => ColumnType::Float,
        "Bytea" | "Binary" | "Blob" => ColumnType::Binary,
        "Jsonb" | "Json" => ColumnType::Json,
        "Array" => {
            let pg = inner.and_then(pg_element).map(|e| format!("{e}[]"));
            return TypeRead::Foreign(Foreign {
                diesel: name.to_string(),
                postgres: pg,
                sqlite: None,
                why: PG_ONLY.into(),
            });
        }
        "Range" => {
            let pg = match inner {
                Some("Int4" | "Integer") => Some("INT4RANGE"),
                Some("Int8" | "BigInt") => Some("INT8RANGE"),
                Some("Numeric") => Some("NUMRANGE"),
                Some("Timestamp") => Some("TSRANGE"),
                Some("Timestamptz") => Some("TSTZRANGE"),
                Some("Date") => Some("DATERANGE"),
                _ => None,
            };
            return foreign(name, pg, None, PG_ONLY);
        }
        "Int4range" => return foreign(name, Some("INT4RANGE"), None, PG_ONLY),
        "Int8range" => return foreign(name, Some("INT8RANGE"), None, PG_ONLY),
        "Numrange" => return foreign(name, Some("NUMRANGE"), None, PG_ONLY),
        "Tsrange" => return foreign(name, Some("TSRANGE"), None, PG_ONLY),
        "Tstzrange" => return foreign(name, Some("TSTZRANGE"), None, PG_ONLY),
        "Daterange" => return foreign(name, Some("DATERANGE"), None, PG_ONLY),
        "Tsvector" | "TsVector" => return foreign(name, Some("TSVECTOR"), None, PG_ONLY),
        "Tsquery" | "TsQuery" => return foreign(name, Some("TSQUERY"), None, PG_ONLY),
        "Inet" => return foreign(name, Some("INET"), None, PG_ONLY),
        "Cidr" => return foreign(name, Some("CIDR"), None, PG_ONLY),
        "MacAddr" | "Macaddr" => return foreign(name, Some("MACADDR"), None, PG_ONLY),
        "MacAddr8" | "Macaddr8" => return foreign(name, Some("MACADDR8"), None, PG_ONLY),
        "Money" => return foreign(name, Some("MONEY"), None, PG_ONLY),
        "Interval" => return foreign(name, Some("INTERVAL"), None, PG_ONLY),
        "Oid" => return foreign(name, Some("OID"), None, PG_ONLY),
        "Citext" => {
            return foreign(
                name,
                Some("CITEXT"),
                None,
                "a PostgreSQL extension type (case-insensitive text, needs CREATE EXTENSION citext); Text would compare case-sensitively",
            )
        }
        _ => return TypeRead::Custom(name.to_string()),
    };
    TypeRead::Neutral(ty)
}

/// A custom SQL type (`sql_types`) read by what its name says: the bridge
/// types of a multi-backend application (`DbUuid`, `DbBool`,
/// `DbTimestamp`, `…Json…`). Anything else (a PostgreSQL enum, say) has no
/// neutral type.
fn custom_type(cx: &Cx, written: &str) -> TypeRead {
    let lower = written.to_ascii_lowercase();
    let guessed = if lower.contains("uuid") {
        Some(ColumnType::Uuid)
    } else if lower.contains("bool") {
        Some(ColumnType::Bool)
    } else if lower.contains("naive") {
        Some(ColumnType::NaiveTimestamp)
    } else if lower.contains("timestamp") || lower.contains("datetime") {
        Some(ColumnType::Timestamp)
    } else if lower == "dbdate" {
        Some(ColumnType::Date)
    } else if lower == "dbtime" {
        Some(ColumnType::Time)
    } else if lower.contains("json") {
        Some(ColumnType::Json)
    } else {
        None
    };
    if let Some(ty) = guessed {
        return TypeRead::Approx(
            ty,
            format!("custom SQL type `{written}` read as the neutral {} by its name; check that it is that backend bridge", ty.neutral_name()),
        );
    }
    let why = match cx.custom_types.get(written) {
        // A name a `#[db_enum(name = ...)]` cannot take: never suggest one
        // (nor `--database`, which reads only enums it can declare).
        Some(db)
            if !db.is_empty()
                && (crate::names::check_ident(db).is_err() || crate::names::pg_builtin_type(db)) =>
        {
            format!(
                "custom SQL type `{written}` (database type `{db}`, a PostgreSQL enum or domain): a #[db_enum] cannot take that SQL name (it needs quotes in SQL, is a reserved word or names one of PostgreSQL's own types); to import it as an enum, rename the type in the database (ALTER TYPE {} RENAME TO ...) and run import again with `--database postgres://…`. {}",
                quote_ident(db),
                custom_type_hint(written, db)
            )
        }
        Some(db) if !db.is_empty() => format!(
            "custom SQL type `{written}` (database type `{db}`, a PostgreSQL enum or domain): schema.rs does not list its labels; run import with `--database postgres://…` to read them from the database, or declare `#[db_enum(name = \"{db}\")] enum {written} {{ … }}` in the schema file and use `{written}` as the column's type. {}",
            custom_type_hint(written, db)
        ),
        Some(_) => format!("custom SQL type `{written}` has no neutral type"),
        None => format!(
            "SQL type `{written}` is neither a Diesel type nor declared in this file's sql_types"
        ),
    };
    TypeRead::Foreign(Foreign {
        diesel: written.to_string(),
        postgres: None,
        sqlite: None,
        why,
    })
}

/// What to write for a custom SQL type of schema.rs that is no enum: the
/// exact `#[custom_type]` item (schema.rs never says its Rust type, so
/// import does not write one for it: a declaration needs it).
fn custom_type_hint(written: &str, db: &str) -> String {
    // PostgreSQL's spelling of the name: quoted where SQL needs it.
    let spelled = if crate::names::check_ident(db).is_ok() {
        db.to_string()
    } else {
        quote_ident(db)
    };
    format!(
        "If `{db}` is no enum (an extension's type such as ltree or geometry, a domain), declare it as `#[custom_type(postgres = {spelled:?}, diesel = \"crate::schema::sql_types::{written}\", rust = \"<the Rust type your code reads it as>\")] struct {written};` (the diesel path as your code names that struct; add `sqlite = \"TEXT\"` if it also exists on SQLite) and use `{written}` as the column's type"
    )
}

fn module_name(m: &[String]) -> String {
    if m.is_empty() {
        "(top level)".into()
    } else {
        m.join("::")
    }
}

fn module_backend(m: &[String]) -> Option<Backend> {
    let joined = m.join("::").to_ascii_lowercase();
    if joined.contains("sqlite") {
        Some(Backend::Sqlite)
    } else if joined.contains("postgres") || joined.contains("pg") {
        Some(Backend::Postgres)
    } else {
        None
    }
}

fn assemble(mut cx: Cx) -> Imported {
    let joins = join_hints(&mut cx);
    let modules_of: BTreeSet<Backend> = cx
        .tables
        .iter()
        .filter_map(|t| module_backend(&t.module))
        .collect();
    // Group definitions of one table across modules, in file order.
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, t) in cx.tables.iter().enumerate() {
        let key = t.table.sql_name().to_ascii_lowercase();
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(i);
    }
    let mut out = Assembly::default();
    for key in order {
        let defs: Vec<&RawTable> = groups[&key].iter().map(|&i| &cx.tables[i]).collect();
        let mut notes = Vec::new();
        one_table(&cx, &key, &defs, &modules_of, &mut out, &mut notes);
        cx.notes.extend(notes);
    }
    Imported {
        schema: Schema {
            tables: out.tables,
            raw_blocks: out.raw_blocks,
            extensions: out.extensions,
            enums: out.enums,
            custom_types: Vec::new(),
        },
        notes: cx.notes,
        disagreements: out.disagreements,
        joins,
        raw_columns: out.raw_columns,
    }
}

#[derive(Default)]
struct Assembly {
    tables: Vec<Table>,
    raw_blocks: Vec<RawBlock>,
    /// PostgreSQL extensions the imported types need (`citext`).
    extensions: Vec<Extension>,
    /// Declared enums (read from the database for `sql_types` structs).
    enums: Vec<DbEnum>,
    disagreements: Vec<Disagreement>,
    raw_columns: Vec<(String, String)>,
}

/// `joinable!` as join hints: one per (child, parent, column), a note for
/// each, and a note for a column joined to more than one table.
fn join_hints(cx: &mut Cx) -> Vec<JoinHint> {
    let raw = std::mem::take(&mut cx.joins);
    let mut hints: Vec<JoinHint> = Vec::new();
    for (child, parent, column, span) in raw {
        if hints
            .iter()
            .any(|h| h.child == child && h.parent == parent && h.column == column)
        {
            continue;
        }
        let at = cx.at(span);
        cx.notes.push(ImportNote {
            at: at.clone(),
            kind: NoteKind::JoinHint,
            message: format!(
                "joinable!({child} -> {parent} ({column})) is a join hint, not a foreign key: schema.rs says neither that a constraint exists nor its ON DELETE/ON UPDATE; pass --database to read the real foreign keys, or write #[references({parent}.<key>, on_delete = ...)] on {child}.{column}"
            ),
        });
        hints.push(JoinHint {
            child,
            parent,
            column,
            at,
        });
    }
    let mut seen = HashSet::new();
    for h in &hints {
        if !seen.insert((h.child.clone(), h.column.clone())) {
            continue;
        }
        let parents: Vec<&str> = hints
            .iter()
            .filter(|o| o.child == h.child && o.column == h.column)
            .map(|o| o.parent.as_str())
            .collect();
        if parents.len() > 1 {
            cx.notes.push(ImportNote {
                at: h.at.clone(),
                kind: NoteKind::JoinHint,
                message: format!(
                    "{}.{} joins {} tables ({}): a polymorphic reference, which no single foreign key can express; none is written",
                    h.child,
                    h.column,
                    parents.len(),
                    parents.join(", ")
                ),
            });
        }
    }
    hints
}

/// The SQL type of a raw-carried column per backend (`None`: not there).
type PerBackend = Vec<(Backend, Option<String>)>;

/// Where one column exists and how it is carried.
enum Carry {
    /// A neutral column on every backend of the table.
    Neutral,
    /// Raw SQL per backend (`None`: not on that backend).
    Raw(Vec<(Backend, Option<String>)>),
    /// A first-class PostgreSQL-only column of a table scoped to PostgreSQL.
    Postgres(PgType),
}

/// The first-class PostgreSQL-only type of a Diesel SQL type (`Array<Text>`,
/// `Range<Int4>`, `Interval`, …), if it has one. An array of `Nullable`
/// elements has none (its Rust type holds `Option`s).
fn first_class(diesel: &str) -> Option<PgType> {
    let elem = |name: &str| -> Option<PgElem> {
        Some(match name {
            "Text" => PgElem::Text,
            "Int2" | "SmallInt" | "Smallint" => PgElem::SmallInt,
            "Int4" | "Integer" => PgElem::Integer,
            "Int8" | "BigInt" | "Bigint" => PgElem::BigInt,
            "Bool" => PgElem::Bool,
            "Float8" | "Double" => PgElem::Double,
            "Float4" | "Float" => PgElem::Float,
            "Bytea" | "Binary" => PgElem::Binary,
            "Uuid" => PgElem::Uuid,
            "Timestamptz" => PgElem::Timestamp,
            "Timestamp" => PgElem::NaiveTimestamp,
            "Date" => PgElem::Date,
            "Time" => PgElem::Time,
            // `JSONB[]` only: `JSON[]` keeps its text and is another type.
            "Jsonb" => PgElem::Json,
            _ => return None,
        })
    };
    if diesel.contains("Nullable<") {
        return None;
    }
    let (head, inner) = generic(diesel);
    Some(match (head, inner) {
        ("Array", Some(e)) => PgType::Array(elem(e)?),
        ("Range", Some("Int4" | "Integer")) | ("Int4range", None) => {
            PgType::Range(PgRange::Integer)
        }
        ("Range", Some("Int8" | "BigInt")) | ("Int8range", None) => PgType::Range(PgRange::BigInt),
        ("Range", Some("Timestamptz")) | ("Tstzrange", None) => PgType::Range(PgRange::Timestamp),
        ("Range", Some("Timestamp")) | ("Tsrange", None) => PgType::Range(PgRange::NaiveTimestamp),
        ("Range", Some("Date")) | ("Daterange", None) => PgType::Range(PgRange::Date),
        ("Range", Some("Numeric")) | ("Numrange", None) => PgType::Range(PgRange::Numeric),
        // diesel_full_text_search's SQL type, under either of its names.
        ("Tsvector" | "TsVector", None) => PgType::Tsvector,
        ("Inet", None) => PgType::Inet,
        ("Cidr", None) => PgType::Cidr,
        ("Interval", None) => PgType::Interval,
        ("Money", None) => PgType::Money,
        ("Oid", None) => PgType::Oid,
        ("MacAddr" | "Macaddr", None) => PgType::MacAddr,
        ("MacAddr8" | "Macaddr8", None) => PgType::MacAddr8,
        ("Citext", None) => PgType::Citext,
        _ => return None,
    })
}

fn one_table(
    cx: &Cx,
    key: &str,
    defs: &[&RawTable],
    modules_of: &BTreeSet<Backend>,
    out: &mut Assembly,
    notes: &mut Vec<ImportNote>,
) {
    let first = defs[0];
    let at = cx.at(first.at);
    let def_for = |b: Backend| defs.iter().find(|d| module_backend(&d.module) == Some(b));
    let has_unified = defs.iter().any(|d| module_backend(&d.module).is_none());
    // Where the table exists: a backend's module, where the file has one,
    // decides; a backend without a module takes the unified definition.
    let mut scope_set: BTreeSet<Backend> = Backend::ALL
        .into_iter()
        .filter(|b| {
            if modules_of.contains(b) {
                def_for(*b).is_some()
            } else {
                has_unified || def_for(*b).is_some()
            }
        })
        .collect();
    if scope_set.is_empty() {
        // Only in the unified module although both backends have modules.
        scope_set = Backend::ALL.into_iter().collect();
        notes.push(ImportNote {
            at: at.clone(),
            kind: NoteKind::Unknown,
            message: format!("table {key} is defined only in the unified module, in neither backend's module; kept on both backends (scope it with #[backend(..)] if one backend does not have it)"),
        });
    }
    let scope = if scope_set.len() == Backend::ALL.len() {
        BackendScope::Both
    } else {
        let b = *scope_set.iter().next().unwrap_or(&Backend::Postgres);
        notes.push(ImportNote {
            at: at.clone(),
            kind: NoteKind::Scoped,
            message: format!(
                "table {key} is defined only in the {b} module: scoped with #[backend({b})]; the other backend does not get it"
            ),
        });
        BackendScope::Only(b)
    };
    let base = def_for(Backend::Postgres)
        .or_else(|| defs.iter().find(|d| module_backend(&d.module).is_none()))
        .unwrap_or(&first);
    // Columns: the kept definition's, then columns only other modules have.
    let mut cols: Vec<&ColRead> = base.cols.iter().collect();
    for d in defs {
        for c in &d.cols {
            if !cols.iter().any(|k| {
                k.column
                    .sql_name()
                    .eq_ignore_ascii_case(c.column.sql_name())
            }) {
                cols.push(c);
            }
        }
    }
    let mut table = base.table.clone();
    table.scope = scope;
    let mut raw: Vec<(&ColRead, PerBackend)> = Vec::new();
    for c in cols {
        let sql = c.column.sql_name();
        let having: Vec<Backend> = scope_set
            .iter()
            .copied()
            .filter(|b| match def_for(*b) {
                Some(d) => d
                    .cols
                    .iter()
                    .any(|x| x.column.sql_name().eq_ignore_ascii_case(sql)),
                None => true,
            })
            .collect();
        let first_class_pg = match &c.read {
            TypeRead::Foreign(f) if scope == BackendScope::Only(Backend::Postgres) => {
                first_class(&f.diesel).filter(|p| {
                    // A read-only type (`Tsvector`) needs NULL or a default,
                    // since the insert model leaves it out: a NOT NULL one
                    // without a default stays raw SQL (see `raw_reason`).
                    p.writable() || c.column.nullable || c.column.default.is_some()
                })
            }
            _ => None,
        };
        if first_class_pg == Some(PgType::Citext)
            && !out.extensions.iter().any(|e| e.name == "citext")
        {
            // A first-class `Citext` needs its extension declared.
            out.extensions.push(Extension::named("citext"));
        }
        let carry = match (first_class_pg, &c.read) {
            (Some(p), _) => Carry::Postgres(p),
            (None, TypeRead::Foreign(f)) => Carry::Raw(
                having
                    .iter()
                    .map(|b| {
                        (
                            *b,
                            match b {
                                Backend::Postgres => f.postgres.clone(),
                                Backend::Sqlite => f.sqlite.clone(),
                            },
                        )
                    })
                    .collect(),
            ),
            (None, TypeRead::Neutral(t) | TypeRead::Approx(t, _))
                if having.len() < scope_set.len() =>
            {
                Carry::Raw(
                    having
                        .iter()
                        .map(|b| (*b, Some(crate::render::ddl::dialect(*b).column_type(*t))))
                        .collect(),
                )
            }
            _ => Carry::Neutral,
        };
        match carry {
            Carry::Neutral => {
                if let TypeRead::Approx(_, msg) = &c.read {
                    // A bridge type is noted once, a float per column.
                    let message = if msg.starts_with("custom SQL type") {
                        msg.clone()
                    } else {
                        format!("{key}.{}: {msg}", c.column.name)
                    };
                    if !notes.iter().any(|n| n.message == message)
                        && !cx.notes.iter().any(|n| n.message == message)
                    {
                        notes.push(ImportNote {
                            at: cx.at(c.at),
                            kind: NoteKind::Approximate,
                            message,
                        });
                    }
                }
                table.columns.push(c.column.clone());
            }
            Carry::Postgres(p) => {
                let mut column = c.column.clone();
                column.ty = ColumnType::Postgres(p);
                table.columns.push(column);
            }
            Carry::Raw(per) => raw.push((c, per)),
        }
    }
    // A key column that cannot be neutral: the table cannot be carried.
    if let Some((c, _)) = raw.iter().find(|(c, _)| {
        table
            .primary_key
            .iter()
            .any(|k| k.eq_ignore_ascii_case(&c.column.name))
    }) {
        notes.push(ImportNote {
            at: cx.at(c.at),
            kind: NoteKind::LeftOut,
            message: format!(
                "table {key} left out: its key column {} is {}; the schema language cannot declare the table. Write it as a raw_sql! block per backend, or change the key to a neutral type",
                c.column.name,
                raw_reason(c)
            ),
        });
        return;
    }
    assume_identity(cx, key, &mut table, first, notes);
    let mut parts: Vec<RawPart> = Vec::new();
    for (c, per) in &raw {
        carry_raw(cx, key, &table, c, per, &mut parts, notes);
        if per.iter().any(|(_, s)| s.is_some()) {
            out.raw_columns.push((
                table.sql_name().to_string(),
                c.column.sql_name().to_string(),
            ));
        }
    }
    if !parts.is_empty() {
        out.raw_blocks.push(RawBlock {
            name: format!("{}_backend_columns", table.name),
            docs: vec![format!(
                "Columns of {} that the schema language cannot declare neutrally (written by import; see its report).",
                table.sql_name()
            )],
            parts,
            span: Span::default(),
        });
    }
    let raw_names: Vec<String> = raw
        .iter()
        .map(|(c, _)| c.column.sql_name().to_ascii_lowercase())
        .collect();
    if let Some(d) = disagreement(key, &at, base, defs, &table, &raw_names) {
        out.disagreements.push(d);
    }
    out.tables.push(table);
}

fn raw_reason(c: &ColRead) -> String {
    match &c.read {
        TypeRead::Foreign(f) if first_class(&f.diesel).is_some_and(|p| !p.writable()) => format!(
            "`{}`: {}; first class only in a postgres-scoped table and when nullable or with a default (the generated insert model leaves a tsvector out: Diesel reads it and cannot write it)",
            f.diesel, f.why
        ),
        TypeRead::Foreign(f) if first_class(&f.diesel).is_some() => format!(
            "`{}`: {}; scope the table to postgres to get a first-class column",
            f.diesel, f.why
        ),
        TypeRead::Foreign(f) => format!("`{}`: {}", f.diesel, f.why),
        _ => "present in only one backend's module".into(),
    }
}

/// Adds the `ALTER TABLE … ADD COLUMN` of one raw-carried column to the
/// per-backend parts, with a note saying where it went.
fn carry_raw(
    cx: &Cx,
    key: &str,
    table: &Table,
    c: &ColRead,
    per: &[(Backend, Option<String>)],
    parts: &mut Vec<RawPart>,
    notes: &mut Vec<ImportNote>,
) {
    let col = &c.column;
    let reason = raw_reason(c);
    let carried: Vec<(Backend, &String)> = per
        .iter()
        .filter_map(|(b, s)| s.as_ref().map(|s| (*b, s)))
        .collect();
    if carried.is_empty() {
        notes.push(ImportNote {
            at: cx.at(c.at),
            kind: NoteKind::LeftOut,
            message: format!(
                "{key}.{} left out: {reason}. Declare it yourself: a neutral column (for an enum: a `#[db_enum]` item and the column of its type), or a raw_sql! block that creates the type and adds the column",
                col.name
            ),
        });
        return;
    }
    let mut lost_not_null = false;
    for (b, ty) in &carried {
        let not_null = !col.nullable && *b == Backend::Postgres;
        lost_not_null |= !col.nullable && *b == Backend::Sqlite;
        let up = format!(
            "ALTER TABLE {} ADD COLUMN {} {ty}{};\n",
            quote_ident(table.sql_name()),
            quote_ident(col.sql_name()),
            if not_null { " NOT NULL" } else { "" }
        );
        let down = format!(
            "ALTER TABLE {} DROP COLUMN {};\n",
            quote_ident(table.sql_name()),
            quote_ident(col.sql_name())
        );
        match parts.iter_mut().find(|p| p.backend == *b) {
            Some(p) => {
                p.up.push_str(&up);
                p.down = format!("{down}{}", p.down);
            }
            None => parts.push(RawPart {
                backend: *b,
                up,
                down,
            }),
        }
    }
    let spelled: Vec<String> = carried.iter().map(|(b, ty)| format!("{b} {ty}")).collect();
    let missing: Vec<&str> = per
        .iter()
        .filter(|(_, s)| s.is_none())
        .map(|(b, _)| b.name())
        .collect();
    let mut message = format!(
        "{key}.{} ({reason}) carried as raw_sql! block {}_backend_columns ({}); it is not in the generated Diesel code",
        col.name,
        table.name,
        spelled.join(", ")
    );
    if !missing.is_empty() {
        message.push_str(&format!(
            "; {} has no such type, so the column exists only on {}",
            missing.join(", "),
            carried
                .iter()
                .map(|(b, _)| b.name())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if lost_not_null {
        message.push_str("; NOT NULL is kept on PostgreSQL only (SQLite cannot ADD a NOT NULL column without a default)");
    }
    notes.push(ImportNote {
        at: cx.at(c.at),
        kind: NoteKind::Scoped,
        message,
    });
}

/// A single integer key column is most likely SERIAL/IDENTITY, which
/// schema.rs does not say: it is written as `#[auto_increment]`, and the
/// note says that it was assumed.
fn assume_identity(
    cx: &Cx,
    key: &str,
    table: &mut Table,
    first: &RawTable,
    notes: &mut Vec<ImportNote>,
) {
    let [pk] = table.primary_key.as_slice() else {
        return;
    };
    let pk = pk.clone();
    let Some(c) = table
        .columns
        .iter_mut()
        .find(|c| c.name == pk && c.ty.is_integer() && !c.nullable)
    else {
        return;
    };
    c.auto_increment = true;
    notes.push(ImportNote {
        at: cx.at(first.at),
        kind: NoteKind::Unknown,
        message: format!(
            "{key}.{pk}: schema.rs does not say whether the integer key is SERIAL/IDENTITY; written as #[auto_increment] so that inserts without an id keep working. Pass --database to read it, or remove the attribute if the application always supplies ids"
        ),
    });
}

/// Compares the kept definition with every other module's (modulo the type
/// map; raw-carried columns excluded): one entry for the table.
fn disagreement(
    key: &str,
    at: &str,
    base: &RawTable,
    defs: &[&RawTable],
    kept: &Table,
    raw_names: &[String],
) -> Option<Disagreement> {
    let as_table = |d: &RawTable| {
        let mut t = d.table.clone();
        t.columns = d
            .cols
            .iter()
            .filter(|c| !raw_names.contains(&c.column.sql_name().to_ascii_lowercase()))
            .map(|c| c.column.clone())
            .collect();
        t
    };
    let mut mine = kept.clone();
    mine.scope = BackendScope::Both;
    for c in &mut mine.columns {
        c.auto_increment = false;
    }
    let one = |t: &Table| {
        normalize(
            &Schema {
                tables: vec![t.clone()],
                raw_blocks: Vec::new(),
                extensions: Vec::new(),
                enums: Vec::new(),
                custom_types: Vec::new(),
            },
            None,
        )
    };
    let mut differences = Vec::new();
    for other in defs.iter().filter(|d| !std::ptr::eq(**d, base)) {
        let mut theirs = as_table(other);
        if module_backend(&other.module) == Some(Backend::Sqlite) {
            // Modulo the type map: a SQLite module spells a Uuid as
            // Binary, a Timestamp as Text, a Bool as Integer.
            let d = crate::render::ddl::dialect(Backend::Sqlite);
            for c in &mut theirs.columns {
                if let Some(k) = mine.columns.iter().find(|k| k.sql_name() == c.sql_name()) {
                    if d.column_type(k.ty) == d.column_type(c.ty) {
                        c.ty = k.ty;
                    }
                }
            }
        }
        for difference in compare_with(&one(&mine), &one(&theirs), &CompareOptions::without_names())
        {
            differences.push(ModuleDifference {
                module: module_name(&other.module),
                difference,
            });
        }
    }
    (!differences.is_empty()).then(|| Disagreement {
        table: key.to_string(),
        at: at.to_string(),
        kept: module_name(&base.module),
        resolution: format!(
            "the {} module's definition was kept{}",
            module_name(&base.module),
            if module_backend(&base.module) == Some(Backend::Postgres) {
                " (PostgreSQL spells types most precisely); check the differences below and edit the written schema where the other module is right"
            } else {
                "; check the differences below and edit the written schema where the other module is right"
            }
        ),
        differences,
    })
}

/// Combines an imported schema with a live database's schema: tables in
/// both take the database's defaults, indexes and constraints (which a
/// `table!` cannot hold) and keep the file's Rust names and docs; tables in
/// one only are kept as they are. Returns the merged schema and where the
/// file and the database disagree (left: the file, right: the database) on
/// what a `table!` does say: tables, columns, types, nullability, primary
/// keys, `joinable!` foreign keys. On SQLite, types compare modulo the type
/// map and the file's more specific type is kept.
///
/// Columns the import carried as backend-scoped raw SQL stay raw (the
/// database's reading of them, and constraints or indexes naming them, are
/// left out of the neutral table, with a note); a table scoped away from
/// `backend` is not expected in the database. The notes of the import that
/// the database answers (assumed identities, join hints) are replaced by
/// what the database says.
pub fn merge_with_database(imported: &Imported, database: &Schema, backend: Backend) -> Merged {
    let sqlite = crate::render::ddl::dialect(Backend::Sqlite);
    let mut merged = Vec::new();
    let mut file_side = Vec::new();
    let mut db_side = Vec::new();
    let mut notes: Vec<ImportNote> = imported
        .notes
        .iter()
        .filter(|n| !answered_by_database(n, &imported.schema, database))
        .cloned()
        .collect();
    let mut raw_blocks = imported.schema.raw_blocks.clone();
    let raw_columns = adopt_decimals(imported, database, backend, &mut raw_blocks, &mut notes);
    for t in &imported.schema.tables {
        if !t.scope.includes(backend) {
            merged.push(t.clone());
            continue;
        }
        let Some(db) = database
            .tables
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(t.sql_name()))
        else {
            merged.push(t.clone());
            file_side.push(t.clone());
            continue;
        };
        let mut db = db.clone();
        drop_raw_columns(&mut db, &raw_columns, &mut notes);
        let db = &db;
        let mut m = db.clone();
        m.scope = t.scope;
        m.name = t.name.clone();
        m.sql_name = t.sql_name.clone();
        if m.docs.is_empty() {
            m.docs = t.docs.clone();
        }
        let mut db_copy = db.clone();
        db_copy.name = t.sql_name().to_string();
        for c in &mut m.columns {
            if let Some(fc) = t
                .columns
                .iter()
                .find(|fc| fc.sql_name().eq_ignore_ascii_case(&c.name))
            {
                let sql = c.name.clone();
                c.name = fc.name.clone();
                c.sql_name = fc.sql_name.clone();
                if c.docs.is_empty() {
                    c.docs = fc.docs.clone();
                }
                if backend == Backend::Sqlite
                    && sqlite.column_type(fc.ty) == sqlite.column_type(c.ty)
                {
                    c.ty = fc.ty;
                    if let Some(dc) = db_copy.columns.iter_mut().find(|dc| dc.name == sql) {
                        dc.ty = fc.ty;
                    }
                }
                // Keys and references use the Rust names from here on.
                for k in &mut m.primary_key {
                    if *k == sql {
                        k.clone_from(&fc.name);
                    }
                }
            }
        }
        rename_refs(&mut m, t);
        immediate_uniques(&mut m, &mut notes);
        merged.push(m);
        file_side.push(with_enum_columns_of(t, &imported.notes, db, database));
        db_side.push(db_copy);
    }
    for d in &database.tables {
        if !imported
            .schema
            .tables
            .iter()
            .any(|t| t.sql_name().eq_ignore_ascii_case(&d.name))
        {
            // A table only the database has is written for both backends:
            // its deferrable uniques too are read as immediate (the file
            // failed its own validate).
            let mut m = d.clone();
            immediate_uniques(&mut m, &mut notes);
            merged.push(m);
            db_side.push(d.clone());
        }
    }
    let file_n = normalize(
        &Schema {
            tables: file_side,
            raw_blocks: Vec::new(),
            extensions: Vec::new(),
            enums: Vec::new(),
            custom_types: Vec::new(),
        },
        None,
    );
    let db_n = normalize(
        &Schema {
            tables: db_side,
            raw_blocks: Vec::new(),
            extensions: Vec::new(),
            enums: Vec::new(),
            custom_types: Vec::new(),
        },
        None,
    );
    let diffs = compare_with(&file_n, &db_n, &CompareOptions::without_names())
        .into_iter()
        .filter(|d| match d.kind {
            ObjectKind::Table => true,
            ObjectKind::Column => {
                matches!(d.attribute.as_str(), "exists" | "type" | "nullable")
            }
            ObjectKind::PrimaryKey => true,
            ObjectKind::ForeignKey => d.left.is_some(),
            _ => false,
        })
        .collect();
    for h in &imported.joins {
        let fk = merged
            .iter()
            .filter(|t| t.name == h.child)
            .flat_map(|t| &t.foreign_keys)
            .find(|fk| fk.columns == [h.column.clone()]);
        let message = match fk {
            Some(fk) if fk.ref_table.eq_ignore_ascii_case(&h.parent) => continue,
            Some(fk) => format!(
                "joinable!({} -> {} ({})): the {backend} database's foreign key on {}.{} references {}, not {}; the database's foreign key was kept",
                h.child, h.parent, h.column, h.child, h.column, fk.ref_table, h.parent
            ),
            None => format!(
                "joinable!({} -> {} ({})): the {backend} database has no foreign key on {}.{}; kept as a join hint only, no foreign key written",
                h.child, h.parent, h.column, h.child, h.column
            ),
        };
        notes.push(ImportNote {
            at: h.at.clone(),
            kind: NoteKind::JoinHint,
            message,
        });
    }
    Merged {
        schema: Schema {
            tables: merged,
            raw_blocks,
            extensions: {
                // The database's extensions by name, in its schema; the
                // installed version is not pinned (as `inspect` writes it).
                let mut e = imported.schema.extensions.clone();
                for x in &database.extensions {
                    match e.iter_mut().find(|i| i.name == x.name) {
                        Some(i) => i.schema.clone_from(&x.schema),
                        None => e.push(Extension {
                            version: None,
                            ..x.clone()
                        }),
                    }
                }
                e
            },
            enums: {
                let mut e = imported.schema.enums.clone();
                for x in &database.enums {
                    if !e.iter().any(|d| d.sql_name == x.sql_name) {
                        e.push(x.clone());
                    }
                }
                e
            },
            custom_types: imported.schema.custom_types.clone(),
        },
        differences: diffs,
        notes,
    }
}

/// Diesel's `Numeric` has no precision and scale, so import carried it as
/// raw SQL; a database column of the same name that reads as
/// `Decimal<P, S>` (PostgreSQL's `numeric(p,s)`, p <= 18) says them. Such a
/// column stays in the merged table as that neutral type, its lines leave
/// the raw blocks, and a note says so. Returns the raw columns left.
fn adopt_decimals(
    imported: &Imported,
    database: &Schema,
    backend: Backend,
    raw_blocks: &mut Vec<RawBlock>,
    notes: &mut Vec<ImportNote>,
) -> Vec<(String, String)> {
    let mut left = Vec::new();
    for (table, column) in &imported.raw_columns {
        let ty = database
            .tables
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(table))
            .and_then(|d| {
                d.columns
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(column))
            })
            .map(|c| c.ty);
        let Some(ty @ ColumnType::Decimal { .. }) = ty else {
            left.push((table.clone(), column.clone()));
            continue;
        };
        let (qt, qc) = (quote_ident(table), quote_ident(column));
        let add = format!("ALTER TABLE {qt} ADD COLUMN {qc} ");
        let drop = format!("ALTER TABLE {qt} DROP COLUMN {qc};");
        for block in raw_blocks.iter_mut() {
            for part in &mut block.parts {
                for text in [&mut part.up, &mut part.down] {
                    *text = text
                        .lines()
                        .filter(|l| !l.starts_with(&add) && *l != drop)
                        .map(|l| format!("{l}\n"))
                        .collect();
                }
            }
            block.parts.retain(|p| !p.up.trim().is_empty());
        }
        raw_blocks.retain(|b| !b.parts.is_empty());
        let carried = format!("{table}.{column} (");
        notes.retain(|n| !(n.kind == NoteKind::Scoped && n.message.starts_with(&carried)));
        notes.push(ImportNote {
            at: format!("database table {table}"),
            kind: NoteKind::Approximate,
            message: format!(
                "{table}.{column}: Diesel's Numeric read as {} from the {backend} database's column (schema.rs has no precision and scale)",
                ty.neutral_name()
            ),
        });
    }
    left
}

/// The result of [`merge_with_database`].
#[derive(Clone, Debug)]
pub struct Merged {
    /// The merged schema.
    pub schema: Schema,
    /// Where the file and the database disagree (left: the file, right: the
    /// database); the database's version was kept.
    pub differences: Vec<Difference>,
    /// The import's notes, without those the database answered, and what
    /// the merge scoped or left out.
    pub notes: Vec<ImportNote>,
}

const ASSUMED_IDENTITY: &str = "does not say whether the integer key is SERIAL/IDENTITY";

/// The file's table `t` with the columns the import left out for a custom
/// SQL type that is an enum of the database (`users.feeling left out: …
/// (database type `mood`, …`) put back as the database has them: the file
/// declared them, only their labels were unknown, so they are no
/// difference between the file and the database.
fn with_enum_columns_of(t: &Table, notes: &[ImportNote], db: &Table, database: &Schema) -> Table {
    let mut t = t.clone();
    for n in notes.iter().filter(|n| n.kind == NoteKind::LeftOut) {
        let Some(column) = n
            .message
            .strip_prefix(&format!("{}.", t.name))
            .and_then(|rest| rest.split(" left out: ").next())
        else {
            continue;
        };
        let enum_in_db = n
            .message
            .split("(database type `")
            .nth(1)
            .and_then(|rest| rest.split('`').next())
            .is_some_and(|db_type| database.db_enum(db_type).is_some());
        if let Some(c) = db.columns.iter().find(|c| c.name == column) {
            if enum_in_db && t.column(column).is_none() {
                t.columns.push(c.clone());
            }
        }
    }
    t
}

/// Whether the database answers what this note says is unknown.
fn answered_by_database(n: &ImportNote, file: &Schema, database: &Schema) -> bool {
    let in_db = |table: &str| {
        file.table(table)
            .map(|t| {
                database
                    .tables
                    .iter()
                    .any(|d| d.name.eq_ignore_ascii_case(t.sql_name()))
            })
            .unwrap_or(false)
    };
    match n.kind {
        // A custom SQL type that is an enum of the database: its labels
        // are read from there (the merged table takes the database's column).
        // Only where the database has the column too: else the column was
        // dropped with its note, silently.
        NoteKind::LeftOut if n.message.contains("custom SQL type") => {
            let enum_in_db = n
                .message
                .split("(database type `")
                .nth(1)
                .and_then(|rest| rest.split('`').next())
                .is_some_and(|db| database.db_enum(db).is_some());
            let column_in_db = n
                .message
                .split(" left out: ")
                .next()
                .and_then(|tc| tc.split_once('.'))
                .is_some_and(|(table, column)| {
                    file.table(table).is_some_and(|t| {
                        database.tables.iter().any(|d| {
                            d.name.eq_ignore_ascii_case(t.sql_name())
                                && d.columns.iter().any(|c| c.name == column)
                        })
                    })
                });
            enum_in_db && column_in_db
        }
        NoteKind::Unknown if n.message.contains(ASSUMED_IDENTITY) => {
            n.message.split('.').next().is_some_and(in_db)
        }
        NoteKind::JoinHint => !n.message.contains("polymorphic"),
        _ => false,
    }
}

/// Takes the columns the import carried as raw SQL out of a database table,
/// with every constraint and index that names them (noted).
fn drop_raw_columns(t: &mut Table, raw: &[(String, String)], notes: &mut Vec<ImportNote>) {
    let gone: Vec<String> = raw
        .iter()
        .filter(|(tb, _)| tb.eq_ignore_ascii_case(&t.name))
        .map(|(_, c)| c.to_ascii_lowercase())
        .collect();
    if gone.is_empty() {
        return;
    }
    let hit = |c: &str| gone.contains(&c.to_ascii_lowercase());
    t.columns.retain(|c| !hit(&c.name));
    let table = t.name.clone();
    let mut lost = |what: String| {
        notes.push(ImportNote {
            at: format!("database table {table}"),
            kind: NoteKind::LeftOut,
            message: format!("{what} names a column carried as raw SQL; left out of the neutral table (add it to that table's raw_sql! block by hand)"),
        })
    };
    t.indexes.retain(|ix| {
        let keep = !ix.columns.iter().any(|c| hit(&c.column));
        if !keep {
            lost(format!(
                "index {}",
                ix.name.as_deref().unwrap_or("(unnamed)")
            ));
        }
        keep
    });
    t.uniques.retain(|u| {
        let keep = !u.columns.iter().any(|c| hit(c));
        if !keep {
            lost(format!("unique constraint on ({})", u.columns.join(", ")));
        }
        keep
    });
    t.foreign_keys.retain(|fk| {
        let keep = !fk.columns.iter().any(|c| hit(c));
        if !keep {
            lost(format!("foreign key on ({})", fk.columns.join(", ")));
        }
        keep
    });
    t.checks.retain(|ck| {
        let keep = match &ck.expr {
            CheckExpr::In { column, .. } | CheckExpr::JsonValid { column } => !hit(column),
            CheckExpr::Raw { .. } => true,
        };
        if !keep {
            lost(format!(
                "check {}",
                ck.name.as_deref().unwrap_or("(unnamed)")
            ));
        }
        keep
    });
}

/// A deferrable unique constraint (or primary key) the database has on a
/// table SQLite also has is read as immediate (SQLite never defers one),
/// with a note saying so and how to keep it.
fn immediate_uniques(m: &mut Table, notes: &mut Vec<ImportNote>) {
    if !m.scope.includes(Backend::Sqlite) {
        return;
    }
    if let Some(value) = m.primary_key_deferrable.neutral_name() {
        notes.push(ImportNote {
            at: format!("database table {}", m.name),
            kind: NoteKind::Approximate,
            message: format!(
                "primary key ({}) is {} in the database, read as immediate: SQLite never defers a primary key; scope the table to postgres (`#[backend(postgres)]`) and write `#[primary_key(deferrable = {value})]` on it to keep it",
                m.primary_key.join(", "),
                m.primary_key_deferrable.sql(),
            ),
        });
        m.primary_key_deferrable = Deferrable::No;
    }
    for u in &mut m.uniques {
        if u.deferrable == Deferrable::No {
            continue;
        }
        notes.push(ImportNote {
            at: format!("database table {}", m.name),
            kind: NoteKind::Approximate,
            message: format!(
                "unique constraint on ({}) is {} in the database, read as immediate: SQLite never defers a unique constraint; scope the table to postgres (`#[backend(postgres)]`) and write `deferrable = {}` on its `#[unique]` to keep it",
                u.columns.join(", "),
                u.deferrable.sql(),
                u.deferrable.neutral_name().unwrap_or("initially_deferred")
            ),
        });
        u.deferrable = Deferrable::No;
    }
}

/// Column names inside constraints and indexes of `m` (database SQL names)
/// to the Rust names of the file's table `t`.
fn rename_refs(m: &mut Table, t: &Table) {
    let map = |c: &mut String| {
        if let Some(fc) = t
            .columns
            .iter()
            .find(|fc| fc.sql_name().eq_ignore_ascii_case(c))
        {
            c.clone_from(&fc.name);
        }
    };
    for fk in &mut m.foreign_keys {
        fk.columns.iter_mut().for_each(map);
    }
    for u in &mut m.uniques {
        u.columns.iter_mut().for_each(map);
    }
    for ix in &mut m.indexes {
        ix.columns.iter_mut().for_each(|c| map(&mut c.column));
    }
    for ck in &mut m.checks {
        match &mut ck.expr {
            CheckExpr::In { column, .. } | CheckExpr::JsonValid { column } => map(column),
            CheckExpr::Raw { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_custom_sql_type_that_is_no_enum_is_left_out_with_the_exact_declaration_to_write() {
        let src = r#"
pub mod sql_types {
    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "ltree"))]
    pub struct Ltree;
}
diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Ltree;
    categories (id) {
        id -> Int8,
        path -> Ltree,
    }
}
"#;
        let imp = import_str("schema.rs", src).expect("imports");
        // Never silently Text, never a file that fails validate: left out.
        let t = imp.schema.table("categories").expect("categories");
        assert!(t.column("path").is_none());
        let note = imp
            .notes
            .iter()
            .find(|n| n.message.contains("#[custom_type("))
            .expect("a note naming the declaration");
        assert_eq!(note.kind, NoteKind::LeftOut);
        assert_eq!(note.at, "schema.rs:12:17");
        let line = "#[custom_type(postgres = \"ltree\", diesel = \"crate::schema::sql_types::Ltree\", rust = \"<the Rust type your code reads it as>\")] struct Ltree;";
        assert!(note.message.contains(line), "{}", note.message);
        // The line, with a Rust type filled in, makes the column first class.
        let declared = line.replace("<the Rust type your code reads it as>", "String");
        let file = format!(
            "{declared}\ntable! {{\n    #[backend(postgres)]\n    categories (id) {{\n        id -> BigInt,\n        path -> Ltree,\n    }}\n}}\n"
        );
        crate::parse_str("app.rs", &file).unwrap_or_else(|e| panic!("{}", e.render()));
    }

    /// A database type whose name needs quotes (`"Weird Name"`): the note
    /// suggested `#[db_enum(name = "Weird Name")]`, which validate refuses,
    /// and `--database` even when it was given, and a `#[custom_type]`
    /// whose PostgreSQL spelling was the bare two words. Now it says to
    /// rename the type, and the `#[custom_type]` line validates and quotes.
    #[test]
    fn a_type_name_needing_quotes_gets_declarations_that_validate() {
        let src = r#"
pub mod sql_types {
    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "Weird Name"))]
    pub struct WeirdName;
}
diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::WeirdName;
    t (id) {
        id -> Int8,
        w -> WeirdName,
    }
}
"#;
        let imp = import_str("schema.rs", src).expect("imports");
        let note = imp
            .notes
            .iter()
            .find(|n| n.message.contains("#[custom_type("))
            .expect("a note naming the declaration");
        assert!(!note.message.contains("#[db_enum(name"), "{}", note.message);
        assert!(
            note.message.contains("ALTER TYPE \"Weird Name\" RENAME TO"),
            "{}",
            note.message
        );
        let line = "#[custom_type(postgres = \"\\\"Weird Name\\\"\", diesel = \"crate::schema::sql_types::WeirdName\", rust = \"<the Rust type your code reads it as>\")] struct WeirdName;";
        assert!(note.message.contains(line), "{}", note.message);
        let declared = line.replace("<the Rust type your code reads it as>", "String");
        let file = format!(
            "{declared}\ntable! {{\n    #[backend(postgres)]\n    t (id) {{\n        id -> BigInt,\n        w -> WeirdName,\n    }}\n}}\n"
        );
        let schema = crate::parse_str("app.rs", &file).unwrap_or_else(|e| panic!("{}", e.render()));
        let ddl = crate::internals::render::ddl::render_schema(&schema, Backend::Postgres);
        assert!(ddl.contains("w \"Weird Name\" NOT NULL"), "{ddl}");
    }

    #[test]
    fn reads_diesel_print_schema_output() {
        let src = r#"
// @generated automatically by Diesel CLI.
pub mod sql_types {
    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "mood"))]
    pub struct Mood;
}
diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Mood;
    /// Users.
    users (id) {
        id -> Int4,
        #[max_length = 80]
        name -> Varchar,
        feeling -> Nullable<Mood>,
        #[sql_name = "type"]
        type_ -> Text,
    }
}
diesel::table! {
    posts {
        id -> Int8,
        user_id -> Int4,
        at -> Timestamptz,
    }
}
diesel::joinable!(posts -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(posts, users,);
"#;
        let imp = import_str("schema.rs", src).expect("imports");
        let users = imp.schema.table("users").expect("users");
        assert_eq!(users.docs, ["Users."]);
        assert_eq!(
            users.column("name").map(|c| c.ty),
            Some(ColumnType::Text { max_len: Some(80) })
        );
        assert_eq!(
            users
                .column("type_")
                .and_then(|c| c.sql_name.clone())
                .as_deref(),
            Some("type")
        );
        // The enum is not rewritten to Text: it is left out, with its place.
        assert!(users.column("feeling").is_none());
        let feeling = imp
            .notes
            .iter()
            .find(|n| n.message.contains("Mood") && n.message.contains("mood"))
            .expect("a note on the enum");
        assert_eq!(feeling.kind, NoteKind::LeftOut);
        assert_eq!(feeling.at, "schema.rs:16:20");
        assert_eq!(imp.left_out(), 1);
        // Serial keys keep an identity, and say that it was assumed.
        assert!(users.column("id").is_some_and(|c| c.auto_increment));
        let posts = imp.schema.table("posts").expect("posts");
        assert_eq!(posts.primary_key, ["id"]);
        // joinable! is a hint, not a foreign key.
        assert!(posts.foreign_keys.is_empty());
        assert_eq!(imp.joins.len(), 1);
        assert_eq!(imp.joins[0].at, "schema.rs:28:19");
        assert!(imp.notes.iter().any(|n| n.kind == NoteKind::JoinHint));
        assert!(imp.disagreements.is_empty());
    }

    #[test]
    fn a_database_gives_deferrable_foreign_keys_and_immediate_uniques_with_a_note() {
        let src = "diesel::table! { users (id) { id -> Int8, } }\n\
                   diesel::table! { posts (id) { id -> Int8, user_id -> Int8, slot -> Int4, } }";
        let imp = import_str("schema.rs", src).expect("imports");
        let db = crate::parse::parse(
            "table! { users (id) { id -> BigInt, } }\n\
             table! { #[unique(slot, deferrable = initially_deferred)] posts (id) { id -> BigInt, \
             #[references(users.id, deferrable = initially_deferred)] user_id -> BigInt, slot -> Integer, } }",
        )
        .0;
        let m = merge_with_database(&imp, &db, Backend::Postgres);
        let posts = m.schema.table("posts").expect("posts");
        assert_eq!(
            posts
                .foreign_keys
                .iter()
                .map(|f| f.deferrable)
                .collect::<Vec<_>>(),
            [Deferrable::InitiallyDeferred]
        );
        assert_eq!(
            posts
                .uniques
                .iter()
                .map(|u| u.deferrable)
                .collect::<Vec<_>>(),
            [Deferrable::No]
        );
        let note = m
            .notes
            .iter()
            .find(|n| {
                n.message
                    .starts_with("unique constraint on (slot) is DEFERRABLE INITIALLY DEFERRED")
            })
            .expect("a note on the unique");
        assert_eq!(note.kind, NoteKind::Approximate);
        assert_eq!(note.at, "database table posts");
        assert!(crate::validate::validate(&m.schema).is_empty());
    }

    /// The same for a table only the database has (written for both
    /// backends, it kept its deferrable unique and failed validate).
    #[test]
    fn a_table_only_the_database_has_gets_immediate_uniques_too() {
        let imp = import_str("schema.rs", "diesel::table! { users (id) { id -> Int8, } }")
            .expect("imports");
        let db = crate::parse::parse(
            "table! { users (id) { id -> BigInt, } }\n\
             table! { #[backend(postgres)] #[unique(slot, deferrable = initially_deferred)] slots (id) { id -> BigInt, slot -> Integer, } }",
        )
        .0;
        let mut db = db;
        // As the introspection reads it: a table of both backends.
        db.tables[1].scope = crate::model::BackendScope::Both;
        let m = merge_with_database(&imp, &db, Backend::Postgres);
        let slots = m.schema.table("slots").expect("slots");
        assert_eq!(slots.uniques[0].deferrable, Deferrable::No);
        assert!(m
            .notes
            .iter()
            .any(|n| n.at == "database table slots" && n.kind == NoteKind::Approximate));
        assert!(crate::validate::validate(&m.schema).is_empty());
    }

    /// An enum column of schema.rs the database's table does not have
    /// keeps its "left out" note (the database knowing the enum answered
    /// it, and the column vanished from the written file silently); the
    /// one the database has is read from there.
    #[test]
    fn an_enum_column_the_database_lacks_stays_left_out() {
        let src = r#"
pub mod sql_types {
    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "mood"))]
    pub struct Mood;
}
diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Mood;
    t (id) {
        id -> Int8,
        here -> Mood,
        gone -> Nullable<Mood>,
    }
}
"#;
        let imp = import_str("schema.rs", src).expect("imports");
        let db = crate::parse::parse(
            "#[db_enum]\nenum Mood { Calm }\ntable! { t (id) { id -> BigInt, here -> Mood, } }",
        )
        .0;
        let m = merge_with_database(&imp, &db, Backend::Postgres);
        let t = m.schema.table("t").expect("t");
        assert!(t.column("here").is_some());
        let left: Vec<&str> = m
            .notes
            .iter()
            .filter(|n| n.kind == NoteKind::LeftOut)
            .map(|n| n.message.as_str())
            .collect();
        assert_eq!(left.len(), 1, "{left:?}");
        assert!(left[0].starts_with("t.gone left out"), "{left:?}");
    }

    #[test]
    fn a_database_deferrable_primary_key_is_read_as_immediate_with_a_note() {
        let src = "diesel::table! { slots (id) { id -> Int8, } }";
        let imp = import_str("schema.rs", src).expect("imports");
        let db = crate::parse::parse(
            "table! { #[primary_key(deferrable = initially_immediate)] slots (id) { id -> BigInt, } }",
        )
        .0;
        assert_eq!(
            db.table("slots").map(|t| t.primary_key_deferrable),
            Some(Deferrable::InitiallyImmediate)
        );
        let m = merge_with_database(&imp, &db, Backend::Postgres);
        let slots = m.schema.table("slots").expect("slots");
        assert_eq!(slots.primary_key_deferrable, Deferrable::No);
        let note = m
            .notes
            .iter()
            .find(|n| {
                n.message
                    .starts_with("primary key (id) is DEFERRABLE INITIALLY IMMEDIATE in the database, read as immediate")
            })
            .expect("a note on the key");
        assert_eq!(note.kind, NoteKind::Approximate);
        assert!(crate::validate::validate(&m.schema).is_empty());
    }

    #[test]
    fn numeric_is_raw_sql_until_a_database_gives_its_precision_and_scale() {
        let src = "diesel::table! { ledger (id) { id -> Int4, amount -> Numeric, note -> Nullable<Numeric>, } }";
        let imp = import_str("schema.rs", src).expect("imports");
        let t = imp.schema.table("ledger").expect("ledger");
        assert!(t.column("amount").is_none());
        let note = imp
            .notes
            .iter()
            .find(|n| n.message.starts_with("ledger.amount ("))
            .expect("a note on amount");
        assert_eq!(note.kind, NoteKind::Scoped);
        assert!(note.message.contains("pass --database"), "{}", note.message);
        assert_eq!(note.at, "schema.rs:1:54"); // the type `Numeric`
                                               // The database says numeric(10,2) for one and nothing neutral for
                                               // the other (an unconstrained numeric is not read as a column).
        let db = crate::parse::parse(
            "table! { ledger (id) { #[auto_increment] id -> Integer, amount -> Decimal<10, 2>, } }",
        )
        .0;
        let m = merge_with_database(&imp, &db, Backend::Postgres);
        let t = m.schema.table("ledger").expect("ledger");
        assert_eq!(
            t.column("amount").map(|c| (c.ty, c.nullable)),
            Some((
                ColumnType::Decimal {
                    precision: 10,
                    scale: 2
                },
                false
            ))
        );
        let raw: String = m
            .schema
            .raw_blocks
            .iter()
            .flat_map(|b| &b.parts)
            .map(|p| format!("{}{}", p.up, p.down))
            .collect();
        assert!(!raw.contains("\"amount\""), "{raw}");
        assert!(raw.contains("ADD COLUMN \"note\" NUMERIC"), "{raw}");
        assert!(m.notes.iter().any(|n| n.kind == NoteKind::Approximate
            && n.message
                .contains("ledger.amount: Diesel's Numeric read as Decimal<10, 2>")));
        assert!(!m
            .notes
            .iter()
            .any(|n| n.message.starts_with("ledger.amount (")));
        assert!(m
            .notes
            .iter()
            .any(|n| n.message.starts_with("ledger.note (")));
    }

    #[test]
    fn modules_that_disagree_are_reported_once_per_table() {
        let src = r#"
pub mod unified { diesel::table! { t (id) { id -> DbUuid, at -> DbTimestamp, n -> Nullable<Integer>, } } }
pub mod postgres { diesel::table! { t (id) { id -> Uuid, at -> Timestamptz, n -> Integer, } } }
pub mod sqlite { diesel::table! { t (other) { id -> Binary, at -> Text, other -> Integer, n -> Nullable<Integer>, } } }
"#;
        let imp = import_str("schema.rs", src).expect("imports");
        let t = imp.schema.table("t").expect("t");
        assert_eq!(t.column("id").map(|c| c.ty), Some(ColumnType::Uuid));
        // PostgreSQL's definition is kept.
        assert_eq!(t.column("n").map(|c| c.nullable), Some(false));
        assert_eq!(imp.disagreements.len(), 1, "{:#?}", imp.disagreements);
        let d = &imp.disagreements[0];
        assert_eq!(d.kept, "postgres");
        assert!(d
            .resolution
            .contains("postgres module's definition was kept"));
        let by = |m: &str| {
            d.differences
                .iter()
                .filter(|x| x.module == m)
                .map(|x| &x.difference)
                .collect::<Vec<_>>()
        };
        assert_eq!(by("unified").len(), 1);
        assert_eq!(by("unified")[0].attribute, "nullable");
        assert!(by("sqlite")
            .iter()
            .any(|x| x.kind == ObjectKind::PrimaryKey));
        assert!(!by("sqlite").iter().any(|x| x.attribute == "type"));
        // `other` is only in the SQLite module: carried for SQLite only.
        assert!(t.column("other").is_none());
        assert_eq!(imp.schema.raw_blocks.len(), 1);
        let part = imp.schema.raw_blocks[0]
            .part(Backend::Sqlite)
            .expect("sqlite part");
        assert!(
            part.up.contains(r#"ADD COLUMN "other" INTEGER"#),
            "{}",
            part.up
        );
        assert!(imp.schema.raw_blocks[0].part(Backend::Postgres).is_none());
    }

    #[test]
    fn types_without_a_neutral_type_are_scoped_not_rewritten() {
        let src = r#"
pub mod postgres {
    diesel::table! { t (id) { id -> Int8, tags -> Array<Text>, at -> Timestamp, d -> Nullable<Date>, ok -> Timestamptz, } }
    diesel::table! { pg_only (id) { id -> Int4, v -> Tsvector, } }
}
pub mod sqlite {
    diesel::table! { t (id) { id -> BigInt, at -> Timestamp, d -> Nullable<Date>, ok -> Text, } }
}
"#;
        let imp = import_str("schema.rs", src).expect("imports");
        let t = imp.schema.table("t").expect("t");
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "at", "d", "ok"]);
        assert_eq!(t.column("ok").map(|c| c.ty), Some(ColumnType::Timestamp));
        // Diesel's naive Timestamp is the neutral NaiveTimestamp, never the
        // UTC Timestamp; Date is Date.
        let at = t.column("at").expect("at");
        assert_eq!((at.ty, at.nullable), (ColumnType::NaiveTimestamp, false));
        let d = t.column("d").expect("d");
        assert_eq!((d.ty, d.nullable), (ColumnType::Date, true));
        let block = &imp.schema.raw_blocks[0];
        let pg = block.part(Backend::Postgres).expect("pg");
        assert!(pg.up.contains(r#""tags" TEXT[] NOT NULL"#), "{}", pg.up);
        assert!(!pg.up.contains(r#""at""#), "{}", pg.up);
        assert!(block.part(Backend::Sqlite).is_none());
        let pg_only = imp.schema.table("pg_only").expect("pg_only");
        assert_eq!(pg_only.scope, BackendScope::Only(Backend::Postgres));
        for col in ["t.at", "t.d"] {
            assert!(
                !imp.notes.iter().any(|n| n.message.starts_with(col)),
                "{col} is carried as a neutral type: {:#?}",
                imp.notes
            );
        }
        for col in ["t.tags", "pg_only.v"] {
            let n = imp
                .notes
                .iter()
                .find(|n| n.message.starts_with(col))
                .unwrap_or_else(|| panic!("no note on {col}: {:#?}", imp.notes));
            assert_eq!(n.kind, NoteKind::Scoped, "{col}");
            assert!(n.at.starts_with("schema.rs:"), "{col}: {}", n.at);
        }
        assert!(imp
            .notes
            .iter()
            .any(|n| n.kind == NoteKind::Scoped && n.message.contains("table pg_only")));
        assert_eq!(imp.left_out(), 0);
    }

    #[test]
    fn postgres_only_tables_get_first_class_postgres_types() {
        let src = r#"
pub mod postgres {
    diesel::table! { t (id) { id -> Int8, tags -> Array<Text>, } }
    diesel::table! { pg_only (id) {
        id -> Int4,
        tags -> Array<Text>,
        maybe -> Nullable<Array<Int4>>,
        holes -> Array<Nullable<Int4>>,
        days -> Range<Int4>,
        ids -> Int8range,
        grace -> Interval,
        at -> Inet,
        net -> Nullable<Cidr>,
        during -> Tstzrange,
        wall -> Range<Timestamp>,
        days_off -> Daterange,
        keys -> Array<Uuid>,
        seen -> Array<Timestamptz>,
        naive -> Array<Timestamp>,
        dates -> Array<Date>,
        times -> Array<Time>,
        docs -> Array<Jsonb>,
        plain_docs -> Array<Json>,
        words -> Tsvector,
        search -> Nullable<diesel_full_text_search::Tsvector>,
        search2 -> Nullable<TsVector>,
        bands -> Numrange,
        prices -> Nullable<Range<Numeric>>,
        mac8 -> Macaddr8,
        email -> Citext,
    } }
}
pub mod sqlite {
    diesel::table! { t (id) { id -> BigInt, } }
}
"#;
        let imp = import_str("schema.rs", src).expect("imports");
        let t = imp.schema.table("pg_only").expect("pg_only");
        assert_eq!(t.scope, BackendScope::Only(Backend::Postgres));
        let ty = |c: &str| t.column(c).map(|c| (c.ty, c.nullable));
        let pg = ColumnType::Postgres;
        assert_eq!(ty("tags"), Some((pg(PgType::Array(PgElem::Text)), false)));
        assert_eq!(
            ty("maybe"),
            Some((pg(PgType::Array(PgElem::Integer)), true))
        );
        assert_eq!(
            ty("days"),
            Some((pg(PgType::Range(PgRange::Integer)), false))
        );
        assert_eq!(ty("ids"), Some((pg(PgType::Range(PgRange::BigInt)), false)));
        assert_eq!(ty("grace"), Some((pg(PgType::Interval), false)));
        assert_eq!(ty("at"), Some((pg(PgType::Inet), false)));
        assert_eq!(ty("net"), Some((pg(PgType::Cidr), true)));
        assert_eq!(ty("mac8"), Some((pg(PgType::MacAddr8), false)));
        // A first-class `Citext` brings its extension's declaration.
        assert_eq!(ty("email"), Some((pg(PgType::Citext), false)));
        assert_eq!(imp.schema.extensions, ["citext"]);
        assert_eq!(
            ty("during"),
            Some((pg(PgType::Range(PgRange::Timestamp)), false))
        );
        assert_eq!(
            ty("wall"),
            Some((pg(PgType::Range(PgRange::NaiveTimestamp)), false))
        );
        assert_eq!(
            ty("days_off"),
            Some((pg(PgType::Range(PgRange::Date)), false))
        );
        for (c, e) in [
            ("keys", PgElem::Uuid),
            ("seen", PgElem::Timestamp),
            ("naive", PgElem::NaiveTimestamp),
            ("dates", PgElem::Date),
            ("times", PgElem::Time),
            ("docs", PgElem::Json),
        ] {
            assert_eq!(ty(c), Some((pg(PgType::Array(e)), false)), "{c}");
        }
        // diesel_full_text_search's `Tsvector` (or `TsVector`), nullable:
        // first class (the insert model leaves it out).
        assert_eq!(ty("search"), Some((pg(PgType::Tsvector), true)));
        assert_eq!(ty("search2"), Some((pg(PgType::Tsvector), true)));
        // `Numrange` and `Range<Numeric>` are `Range<Numeric>`.
        assert_eq!(
            ty("bands"),
            Some((pg(PgType::Range(PgRange::Numeric)), false))
        );
        assert_eq!(
            ty("prices"),
            Some((pg(PgType::Range(PgRange::Numeric)), true))
        );
        // No first-class type: an array of nullable elements, `JSON[]`
        // (text documents, not the neutral JSONB), a NOT NULL text search
        // vector without a default (the insert model could not leave it
        // out: its note says so).
        for c in ["holes", "plain_docs", "words"] {
            assert!(t.column(c).is_none(), "{c}");
        }
        let words = imp
            .notes
            .iter()
            .find(|n| n.message.starts_with("pg_only.words"))
            .expect("note on pg_only.words");
        assert!(
            words.message.contains("when nullable or with a default"),
            "{}",
            words.message
        );
        let raw = imp
            .schema
            .raw_blocks
            .iter()
            .find(|b| b.name == "pg_only_backend_columns")
            .and_then(|b| b.part(Backend::Postgres))
            .expect("carried");
        assert!(
            raw.up.contains(r#""holes" INTEGER[] NOT NULL"#),
            "{}",
            raw.up
        );
        assert!(
            raw.up.contains(r#""words" TSVECTOR NOT NULL"#),
            "{}",
            raw.up
        );
        // In a table of both modules the array stays carried, and the note
        // says how to get a first-class column.
        assert!(imp.schema.table("t").expect("t").column("tags").is_none());
        let note = imp
            .notes
            .iter()
            .find(|n| n.message.starts_with("t.tags"))
            .expect("note on t.tags");
        assert!(
            note.message
                .contains("scope the table to postgres to get a first-class column"),
            "{}",
            note.message
        );
        // What import writes validates and reads back as the same schema.
        assert!(crate::validate::validate(&imp.schema).is_empty());
        let text = crate::render::neutral::render(&imp.schema, &[]);
        let back = crate::parse_str("imported.rs", &text).expect("parses");
        assert_eq!(
            back.table("pg_only").map(|t| t
                .columns
                .iter()
                .map(|c| (c.ty, c.nullable))
                .collect::<Vec<_>>()),
            Some(t.columns.iter().map(|c| (c.ty, c.nullable)).collect())
        );
    }

    #[test]
    fn a_key_of_a_foreign_type_leaves_the_table_out() {
        let src = "diesel::table! { t (span) { span -> Interval, v -> Text, } }";
        let imp = import_str("schema.rs", src).expect("imports");
        assert!(imp.schema.tables.is_empty());
        assert_eq!(imp.left_out(), 1);
        assert!(imp.notes[0].message.contains("table t left out"));
    }

    #[test]
    fn polymorphic_joins_are_named() {
        let src = r#"
diesel::table! { a (id) { id -> Int8, } }
diesel::table! { b (id) { id -> Int8, } }
diesel::table! { n (id) { id -> Int8, owner_id -> Int8, } }
diesel::joinable!(n -> a (owner_id));
diesel::joinable!(n -> b (owner_id));
"#;
        let imp = import_str("schema.rs", src).expect("imports");
        assert!(imp.schema.tables.iter().all(|t| t.foreign_keys.is_empty()));
        assert!(imp
            .notes
            .iter()
            .any(|n| n.message.contains("polymorphic") && n.message.contains("a, b")));
    }

    #[test]
    fn unreadable_input_names_the_place() {
        match import_str("bad.rs", "diesel::table! { t (id) { id -> , } }") {
            Err(Error::Import { path, line, .. }) => {
                assert_eq!((path.as_str(), line), ("bad.rs", 1))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            import_str("bad.rs", "fn ("),
            Err(Error::Import { .. })
        ));
    }
}
