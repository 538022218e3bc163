//! Importing an existing Diesel `schema.rs` into the neutral model.
//!
//! Reads the file with `syn`: every `table!` / `diesel::table!` at any
//! module depth (a unified module and per-backend modules may sit in one
//! file), `joinable!` (a foreign key to the referenced table's primary key),
//! `allow_tables_to_appear_in_same_query!` (nothing to keep), `#[sql_name]`,
//! `#[max_length]`, doc comments, and custom SQL types declared in a
//! `sql_types` module. Diesel types map to neutral types by name
//! (`Int4`/`Integer` → `Integer`, `Timestamptz` → `Timestamp`, …); a custom
//! type maps by what its name says (`DbUuid` → `Uuid`, `DbBool` → `Bool`,
//! `DbTimestamp` → `Timestamp`, `Jsonb`-like → `Json`), and one that says
//! nothing (a PostgreSQL enum, say) becomes `Text` with a note naming it.
//!
//! When several modules define the same table, they are compared (modulo the
//! type map: a SQLite module's `Binary` for a `Uuid` is no disagreement) and
//! every disagreement is reported; the unified module's version is kept
//! (else PostgreSQL's, else the first), and the report says which.
//!
//! A `table!` cannot hold defaults, indexes, checks or unique constraints;
//! [`merge_with_database`] takes them from a live database's introspection
//! and reports where the file and the database disagree (primary key,
//! nullability, types, tables on one side only).

use std::collections::HashMap;

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

/// Something the importer read approximately or left out, with its place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportNote {
    /// `file:line:column`.
    pub at: String,
    /// What happened.
    pub message: String,
}

/// Modules of one file that define a table differently.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    /// The table (SQL name).
    pub table: String,
    /// The module whose version was kept (`(top level)` for none).
    pub kept: String,
    /// The other module.
    pub other: String,
    /// How they differ: left is the kept module, right the other.
    pub differences: Vec<Difference>,
}

/// The result of [`import_str`].
#[derive(Clone, Debug)]
pub struct Imported {
    /// The tables, in file order (first definition of each).
    pub schema: Schema,
    /// Approximations and things left out.
    pub notes: Vec<ImportNote>,
    /// Tables that modules of the file define differently.
    pub disagreements: Vec<Disagreement>,
}

struct RawTable {
    module: Vec<String>,
    table: Table,
}

struct Cx<'a> {
    path: &'a str,
    notes: Vec<ImportNote>,
    custom_types: HashMap<String, String>,
    tables: Vec<RawTable>,
    joins: Vec<(Vec<String>, String, String, String, PmSpan)>,
}

impl Cx<'_> {
    fn at(&self, span: PmSpan) -> String {
        let s = span.start();
        format!("{}:{}:{}", self.path, s.line, s.column + 1)
    }

    fn note(&mut self, span: PmSpan, message: impl Into<String>) {
        let at = self.at(span);
        self.notes.push(ImportNote {
            at,
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
                        let (table, type_notes) = parsed;
                        for (span, msg) in type_notes {
                            cx.note(span, msg);
                        }
                        let mut table = table;
                        finish_types(cx, &mut table);
                        cx.tables.push(RawTable {
                            module: module.to_vec(),
                            table,
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
                        cx.joins
                            .push((module.to_vec(), parsed.0, parsed.1, parsed.2, parsed.3));
                    }
                    "allow_tables_to_appear_in_same_query"
                    | "allow_columns_to_appear_in_same_group_by_clause" => {}
                    other => cx.note(
                        m.mac.path.span(),
                        format!("macro `{other}!` is not part of a Diesel schema; ignored"),
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

type TypeNotes = Vec<(PmSpan, String)>;

/// A column type as written, kept until custom types are known.
const PENDING: &str = "\u{0}pending:";

fn parse_table(input: ParseStream) -> syn::Result<(Table, TypeNotes)> {
    while input.peek(Token![use]) {
        input.parse::<syn::ItemUse>()?;
    }
    let attrs = input.call(Attribute::parse_outer)?;
    let mut name = input.call(Ident::parse_any)?;
    if input.peek(Token![.]) {
        input.parse::<Token![.]>()?;
        name = input.call(Ident::parse_any)?;
    }
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
    let mut columns = Vec::new();
    let mut notes = Vec::new();
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
        let (col_ty, note) = diesel_type(&written, max_len);
        if let Some(n) = note {
            notes.push((
                ty.span(),
                format!("{}.{}: {n}", unraw(&name), unraw(&cname)),
            ));
        }
        columns.push(Column {
            name: unraw(&cname),
            sql_name,
            docs: docs(&cattrs),
            ty: col_ty.unwrap_or(ColumnType::Text { max_len }),
            nullable,
            default: None,
            auto_increment: false,
            renamed_from: None,
            span: Span::default(),
            ty_span: Span::default(),
        });
        if col_ty.is_none() {
            // Resolved against the custom types once the whole file is read.
            let last = columns.len() - 1;
            columns[last].docs.push(format!("{PENDING}{written}"));
        }
    }
    let sql_name = attrs
        .iter()
        .find(|a| a.path().is_ident("sql_name"))
        .and_then(str_attr);
    Ok((
        Table {
            name: unraw(&name),
            sql_name,
            docs: docs(&attrs),
            scope: BackendScope::Both,
            columns,
            primary_key,
            foreign_keys: Vec::new(),
            uniques: Vec::new(),
            checks: Vec::new(),
            indexes: Vec::new(),
            renamed_from: None,
            span: Span::default(),
        },
        notes,
    ))
}

/// The type's last path segment, with `Nullable<…>` taken off.
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
                syn::PathArguments::None => String::new(),
                other => other.to_token_stream_string().replace(' ', ""),
            };
            return (format!("{}{args}", last.ident), false);
        }
    }
    (ty.to_token_stream_string(), false)
}

/// A Diesel SQL type name as a neutral type; `None` when the name is not a
/// Diesel built-in (custom types are resolved later).
fn diesel_type(name: &str, max_len: Option<u32>) -> (Option<ColumnType>, Option<String>) {
    let ty = match name {
        "Uuid" => ColumnType::Uuid,
        "Text" | "Varchar" | "VarChar" | "Char" | "Bpchar" | "Citext" | "Tinytext"
        | "Mediumtext" | "Longtext" => ColumnType::Text { max_len },
        "Int2" | "SmallInt" | "Smallint" | "TinyInt" | "Tinyint" => ColumnType::SmallInt,
        "Int4" | "Integer" => ColumnType::Integer,
        "Int8" | "BigInt" | "Bigint" => ColumnType::BigInt,
        "Bool" => ColumnType::Bool,
        "Timestamptz" | "TimestamptzSqlite" | "Timestamp" | "Datetime" => ColumnType::Timestamp,
        "Float8" | "Double" => ColumnType::Double,
        "Float4" | "Float" => {
            return (
                Some(ColumnType::Double),
                Some(format!(
                    "{name} read as Double, the only float type of the schema language"
                )),
            )
        }
        "Bytea" | "Binary" | "Blob" => ColumnType::Binary,
        "Jsonb" | "Json" => ColumnType::Json,
        _ => return (None, None),
    };
    (Some(ty), None)
}

fn finish_types(cx: &mut Cx, table: &mut Table) {
    let tname = table.name.clone();
    for c in &mut table.columns {
        let Some(pos) = c.docs.iter().position(|d| d.starts_with(PENDING)) else {
            continue;
        };
        let written = c.docs.remove(pos)[PENDING.len()..].to_string();
        let lower = written.to_ascii_lowercase();
        let guessed = if lower.contains("uuid") {
            Some(ColumnType::Uuid)
        } else if lower.contains("bool") {
            Some(ColumnType::Bool)
        } else if lower.contains("timestamp") || lower.contains("datetime") {
            Some(ColumnType::Timestamp)
        } else if lower.contains("json") {
            Some(ColumnType::Json)
        } else if lower.contains("text") || lower.contains("string") {
            Some(ColumnType::Text { max_len: None })
        } else {
            None
        };
        let known = cx.custom_types.get(&written).cloned();
        match (guessed, known) {
            (Some(ty), _) => c.ty = ty,
            (None, Some(db)) => {
                c.ty = ColumnType::Text { max_len: None };
                cx.notes.push(ImportNote {
                    at: cx.path.to_string(),
                    message: format!(
                        "{tname}.{}: custom SQL type `{written}`{} has no neutral type; imported as Text (add a #[check(in(...))] for its values)",
                        c.name,
                        if db.is_empty() { String::new() } else { format!(" (database type `{db}`)") }
                    ),
                });
            }
            (None, None) => {
                c.ty = ColumnType::Text { max_len: None };
                cx.notes.push(ImportNote {
                    at: cx.path.to_string(),
                    message: format!(
                        "{tname}.{}: SQL type `{written}` is neither a Diesel type nor declared in this file; imported as Text",
                        c.name
                    ),
                });
            }
        }
    }
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
    // joinable! -> foreign keys, in the module of the join.
    let joins = std::mem::take(&mut cx.joins);
    for (module, child, parent, column, span) in joins {
        let parent_pk = cx
            .tables
            .iter()
            .find(|t| t.module == module && t.table.name == parent)
            .map(|t| t.table.primary_key.clone());
        let Some(child_t) = cx
            .tables
            .iter_mut()
            .find(|t| t.module == module && t.table.name == child)
        else {
            cx.note(span, format!("joinable!({child} -> {parent}) names a table not defined in module {}; ignored", module_name(&module)));
            continue;
        };
        match parent_pk {
            Some(pk) if pk.len() == 1 => child_t.table.foreign_keys.push(ForeignKey {
                name: None,
                columns: vec![column],
                ref_table: parent,
                ref_columns: pk,
                on_delete: FkAction::NoAction,
                on_update: FkAction::NoAction,
                span: Span::default(),
            }),
            _ => cx.note(span, format!("joinable!({child} -> {parent}): {parent} has no single-column primary key in module {}; ignored", module_name(&module))),
        }
    }
    // Group definitions of one table across modules.
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<&RawTable>> = HashMap::new();
    for t in &cx.tables {
        let key = t.table.sql_name().to_ascii_lowercase();
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(t);
    }
    let mut tables = Vec::new();
    let mut disagreements = Vec::new();
    for key in order {
        let defs = &groups[&key];
        let kept = defs
            .iter()
            .find(|d| module_backend(&d.module).is_none())
            .or_else(|| {
                defs.iter()
                    .find(|d| module_backend(&d.module) == Some(Backend::Postgres))
            })
            .unwrap_or(&defs[0]);
        for other in defs.iter().filter(|d| !std::ptr::eq(**d, *kept)) {
            let mut theirs = other.table.clone();
            if module_backend(&other.module) == Some(Backend::Sqlite) {
                // Modulo the type map: a SQLite module spells a Uuid as
                // Binary, a Timestamp as Text, a Bool as Integer.
                let d = crate::render::ddl::dialect(Backend::Sqlite);
                for c in &mut theirs.columns {
                    if let Some(k) = kept
                        .table
                        .columns
                        .iter()
                        .find(|k| k.sql_name() == c.sql_name())
                    {
                        if d.column_type(k.ty) == d.column_type(c.ty) {
                            c.ty = k.ty;
                        }
                    }
                }
            }
            let one = |t: &Table| {
                let mut t = t.clone();
                t.foreign_keys.clear();
                normalize(
                    &Schema {
                        tables: vec![t],
                        raw_blocks: Vec::new(),
                    },
                    None,
                )
            };
            let differences = compare_with(
                &one(&kept.table),
                &one(&theirs),
                &CompareOptions::without_names(),
            );
            if !differences.is_empty() {
                disagreements.push(Disagreement {
                    table: key.clone(),
                    kept: module_name(&kept.module),
                    other: module_name(&other.module),
                    differences,
                });
            }
        }
        tables.push(kept.table.clone());
    }
    Imported {
        schema: Schema {
            tables,
            raw_blocks: Vec::new(),
        },
        notes: cx.notes,
        disagreements,
    }
}

/// Combines an imported schema with a live database's schema: tables in
/// both take the database's defaults, indexes and constraints (which a
/// `table!` cannot hold) and keep the file's Rust names and docs; tables in
/// one only are kept as they are. Returns the merged schema and where the
/// file and the database disagree (left: the file, right: the database) on
/// what a `table!` does say: tables, columns, types, nullability, primary
/// keys, `joinable!` foreign keys. On SQLite, types compare modulo the type
/// map and the file's more specific type is kept.
pub fn merge_with_database(
    imported: &Schema,
    database: &Schema,
    backend: Backend,
) -> (Schema, Vec<Difference>) {
    let sqlite = crate::render::ddl::dialect(Backend::Sqlite);
    let mut merged = Vec::new();
    let mut file_side = Vec::new();
    let mut db_side = Vec::new();
    for t in &imported.tables {
        let Some(db) = database
            .tables
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(t.sql_name()))
        else {
            merged.push(t.clone());
            file_side.push(t.clone());
            continue;
        };
        let mut m = db.clone();
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
        merged.push(m);
        file_side.push(t.clone());
        db_side.push(db_copy);
    }
    for d in &database.tables {
        if !imported
            .tables
            .iter()
            .any(|t| t.sql_name().eq_ignore_ascii_case(&d.name))
        {
            merged.push(d.clone());
            db_side.push(d.clone());
        }
    }
    let file_n = normalize(
        &Schema {
            tables: file_side,
            raw_blocks: Vec::new(),
        },
        None,
    );
    let db_n = normalize(
        &Schema {
            tables: db_side,
            raw_blocks: Vec::new(),
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
    (
        Schema {
            tables: merged,
            raw_blocks: Vec::new(),
        },
        diffs,
    )
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
        let feeling = users.column("feeling").expect("feeling");
        assert!(feeling.nullable);
        assert!(
            imp.notes
                .iter()
                .any(|n| n.message.contains("Mood") && n.message.contains("mood")),
            "{:?}",
            imp.notes
        );
        let posts = imp.schema.table("posts").expect("posts");
        assert_eq!(posts.primary_key, ["id"]);
        assert_eq!(posts.foreign_keys[0].ref_table, "users");
        assert_eq!(posts.foreign_keys[0].ref_columns, ["id"]);
        assert!(imp.disagreements.is_empty());
    }

    #[test]
    fn modules_that_disagree_are_reported() {
        let src = r#"
pub mod unified { diesel::table! { t (id) { id -> DbUuid, at -> DbTimestamp, n -> Nullable<Integer>, } } }
pub mod postgres { diesel::table! { t (id) { id -> Uuid, at -> Timestamptz, n -> Integer, } } }
pub mod sqlite { diesel::table! { t (other) { id -> Binary, at -> Text, other -> Integer, n -> Nullable<Integer>, } } }
"#;
        let imp = import_str("schema.rs", src).expect("imports");
        let t = imp.schema.table("t").expect("t");
        assert_eq!(t.column("id").map(|c| c.ty), Some(ColumnType::Uuid));
        assert_eq!(imp.disagreements.len(), 2, "{:#?}", imp.disagreements);
        let pg = &imp.disagreements[0];
        assert_eq!(
            (pg.kept.as_str(), pg.other.as_str()),
            ("unified", "postgres")
        );
        assert_eq!(pg.differences.len(), 1);
        assert_eq!(pg.differences[0].attribute, "nullable");
        let lite = &imp.disagreements[1];
        assert!(lite
            .differences
            .iter()
            .any(|d| d.kind == ObjectKind::PrimaryKey));
        assert!(lite
            .differences
            .iter()
            .any(|d| d.object.as_deref() == Some("other")));
        assert!(
            !lite.differences.iter().any(|d| d.attribute == "type"),
            "{:#?}",
            lite.differences
        );
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
