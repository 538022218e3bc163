//! SQLite introspection from `sqlite_schema` and the `PRAGMA`s.
//!
//! `table_xinfo` gives columns, declared types, nullability, defaults and
//! the primary key; `foreign_key_list` the foreign keys with their actions;
//! `index_list` / `index_xinfo` the indexes (unique, descending, partial,
//! expression) and which ones back a `UNIQUE` constraint. What no `PRAGMA`
//! tells (check constraints, constraint names, `AUTOINCREMENT`, `STRICT`,
//! partial-index predicates) comes from parsing the stored `CREATE` text.
//!
//! The type map's implicit checks (`length(c) = 16`, the timestamp `GLOB`,
//! the integer ranges, `c IN (0, 1)`, `json_valid(c)`) are folded back into
//! the neutral column type with [`crate::normalize::fold_implicit_check`];
//! they never show as user checks. Declared types of non-`STRICT` tables are
//! read by name the way Diesel does (`BOOLEAN`, `TIMESTAMP`, `VARCHAR(n)`,
//! `UUID`, `BIGINT`, …).

use std::collections::HashMap;

use diesel::{RunQueryDsl, SqliteConnection};
use serde::Deserialize;

use super::{from_json, is_bookkeeping_table, Carried, DbObject, Introspection, JsonRow, Note};
use crate::error::{Error, Result};
use crate::model::*;
use crate::normalize::{
    canonical_expr, canonical_tokens, check_from_sql, fold_implicit_check, render_tokens, tokenize,
    ImplicitCheck, Tok,
};
use crate::render::ddl::quote_literal as lit;

fn query<T: serde::de::DeserializeOwned>(
    conn: &mut SqliteConnection,
    target: &str,
    what: &str,
    sql: &str,
) -> Result<Vec<T>> {
    let row: JsonRow = diesel::sql_query(sql)
        .get_result(conn)
        .map_err(|e| Error::Database {
            backend: Backend::Sqlite,
            target: target.to_string(),
            action: format!("read {what}"),
            message: e.to_string(),
        })?;
    from_json(Backend::Sqlite, target, what, row.j)
}

#[derive(Deserialize)]
struct MasterRow {
    #[serde(rename = "type")]
    kind: String,
    name: String,
    tbl: String,
    sql: Option<String>,
}

#[derive(Deserialize)]
struct ColRow {
    name: String,
    #[serde(rename = "type")]
    declared: String,
    notnull: i64,
    dflt: Option<String>,
    pk: i64,
    hidden: i64,
}

#[derive(Deserialize)]
struct FkRow {
    id: i64,
    #[serde(rename = "table")]
    ref_table: String,
    from: String,
    to: Option<String>,
    on_update: String,
    on_delete: String,
}

#[derive(Deserialize)]
struct IdxRow {
    name: String,
    unique: i64,
    origin: String,
}

#[derive(Deserialize)]
struct IdxColRow {
    cid: i64,
    name: Option<String>,
    desc: i64,
}

/// A check as written: its constraint name (if any) and its SQL.
pub type NamedCheck = (Option<String>, String);

/// What the stored `CREATE TABLE` text says that no `PRAGMA` does.
#[derive(Debug, Default)]
pub struct CreateInfo {
    /// A `STRICT` table.
    pub strict: bool,
    /// Per column (lower case): inline checks with their names, and
    /// whether it says `AUTOINCREMENT`.
    pub columns: HashMap<String, (Vec<NamedCheck>, bool)>,
    /// Table-level checks with their names.
    pub checks: Vec<NamedCheck>,
    /// Named unique constraints: columns, name.
    pub unique_names: Vec<(Vec<String>, String)>,
    /// Named foreign keys: columns, name.
    pub fk_names: Vec<(Vec<String>, String)>,
    /// Foreign keys (their columns, lower case) that say `DEFERRABLE`,
    /// and how: `INITIALLY DEFERRED` (the only spelling SQLite checks at
    /// COMMIT) or, for every other spelling, `INITIALLY IMMEDIATE`.
    pub deferrable_fks: Vec<(Vec<String>, Deferrable)>,
}

/// Whether `item` says `DEFERRABLE` (not `NOT DEFERRABLE`), and then
/// whether `INITIALLY DEFERRED` (a bare `DEFERRABLE` is initially
/// immediate, as in SQL).
fn deferrable(item: &[Tok]) -> Option<Deferrable> {
    let at = (0..item.len())
        .find(|&j| is(item.get(j), "deferrable") && !(j > 0 && is(item.get(j - 1), "not")))?;
    let deferred = is(item.get(at + 1), "initially") && is(item.get(at + 2), "deferred");
    Some(Deferrable::from_flags(true, deferred))
}

fn is(t: Option<&Tok>, word: &str) -> bool {
    matches!(t, Some(Tok::Ident(s)) if s == word)
}

fn punct(t: Option<&Tok>, p: &str) -> bool {
    matches!(t, Some(Tok::Punct(s)) if s == p)
}

/// The index of the `)` matching the `(` at `open`.
fn matching(toks: &[Tok], open: usize) -> usize {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Punct(p) if p == "(" => depth += 1,
            Tok::Punct(p) if p == ")" => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    toks.len()
}

fn ident_list(toks: &[Tok]) -> Vec<String> {
    toks.iter()
        .filter_map(|t| match t {
            Tok::Ident(s) if s != "asc" && s != "desc" && s != "collate" => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// Parses a stored `CREATE TABLE` statement. Never fails: what it cannot
/// follow it leaves out.
pub fn parse_create_table(sql: &str) -> CreateInfo {
    let toks = tokenize(sql);
    let mut info = CreateInfo::default();
    let Some(open) = toks.iter().position(|t| punct(Some(t), "(")) else {
        return info;
    };
    let close = matching(&toks, open);
    info.strict = toks
        .get(close + 1..)
        .is_some_and(|rest| rest.iter().any(|t| is(Some(t), "strict")));
    // Split the body at top-level commas.
    let mut items: Vec<&[Tok]> = Vec::new();
    let mut depth = 0usize;
    let mut start = open + 1;
    for i in open + 1..close.min(toks.len()) {
        match &toks[i] {
            Tok::Punct(p) if p == "(" => depth += 1,
            Tok::Punct(p) if p == ")" => depth = depth.saturating_sub(1),
            Tok::Punct(p) if p == "," && depth == 0 => {
                items.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&toks[start..close.min(toks.len())]);

    for item in items {
        let mut i = 0;
        let first = item.first();
        let table_level = ["constraint", "primary", "unique", "check", "foreign"]
            .iter()
            .any(|w| is(first, w));
        if table_level {
            let mut name = None;
            if is(first, "constraint") {
                if let Some(Tok::Ident(n)) = item.get(1) {
                    name = Some(n.clone());
                }
                i = 2;
            }
            let group = |from: usize| -> Option<(usize, usize)> {
                let open = (from..item.len()).find(|&j| punct(item.get(j), "("))?;
                Some((open, matching(item, open)))
            };
            if is(item.get(i), "check") {
                if let Some((o, c)) = group(i) {
                    info.checks
                        .push((name, render_tokens(&item[o + 1..c.min(item.len())])));
                }
            } else if is(item.get(i), "unique") {
                if let (Some((o, c)), Some(n)) = (group(i), name) {
                    info.unique_names
                        .push((ident_list(&item[o + 1..c.min(item.len())]), n));
                }
            } else if is(item.get(i), "foreign") {
                if let Some((o, c)) = group(i) {
                    let cols = ident_list(&item[o + 1..c.min(item.len())]);
                    if let Some(deferred) = deferrable(item) {
                        info.deferrable_fks.push((cols.clone(), deferred));
                    }
                    if let Some(n) = name {
                        info.fk_names.push((cols, n));
                    }
                }
            }
            continue;
        }
        let Some(Tok::Ident(column)) = first else {
            continue;
        };
        let mut checks = Vec::new();
        let mut autoincrement = false;
        let mut pending: Option<String> = None;
        i = 1;
        while i < item.len() {
            match &item[i] {
                Tok::Ident(w) if w == "constraint" => {
                    if let Some(Tok::Ident(n)) = item.get(i + 1) {
                        pending = Some(n.clone());
                    }
                    i += 2;
                    continue;
                }
                Tok::Ident(w) if w == "check" && punct(item.get(i + 1), "(") => {
                    let c = matching(item, i + 1);
                    checks.push((
                        pending.take(),
                        render_tokens(&item[i + 2..c.min(item.len())]),
                    ));
                    i = c + 1;
                    continue;
                }
                Tok::Ident(w) if w == "autoincrement" => autoincrement = true,
                Tok::Ident(w)
                    if [
                        "primary",
                        "not",
                        "null",
                        "unique",
                        "default",
                        "references",
                        "collate",
                        "generated",
                    ]
                    .contains(&w.as_str()) =>
                {
                    pending = None
                }
                Tok::Punct(p) if p == "(" => {
                    i = matching(item, i) + 1;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        if item.iter().any(|t| is(Some(t), "references")) {
            if let Some(deferred) = deferrable(item) {
                info.deferrable_fks.push((vec![column.clone()], deferred));
            }
        }
        info.columns.insert(column.clone(), (checks, autoincrement));
    }
    info
}

/// The predicate of a stored `CREATE INDEX … WHERE …`, canonical.
pub fn index_predicate(sql: &str) -> Option<String> {
    let toks = tokenize(sql);
    let open = toks.iter().position(|t| punct(Some(t), "("))?;
    let close = matching(&toks, open);
    let rest = toks.get(close + 1..)?;
    let w = rest.iter().position(|t| is(Some(t), "where"))?;
    Some(canonical_expr(&render_tokens(&rest[w + 1..])))
}

/// Reads a SQLite database.
///
/// # Errors
///
/// [`Error::Database`] when a catalog query fails.
pub fn introspect(conn: &mut SqliteConnection, target: &str) -> Result<Introspection> {
    introspect_reusing(conn, target, &mut TableCache::default())
}

/// What reading one ordinary table produced: the table and the notes,
/// carried objects and objects it added.
#[derive(Clone)]
struct ReadTable {
    table: Table,
    notes: Vec<Note>,
    carried: Vec<Carried>,
    objects: Vec<DbObject>,
}

/// Tables read by an earlier [`introspect_reusing`] of the same database,
/// each under the `sqlite_schema` rows it was read from (the table's own
/// `CREATE TABLE` and every index and trigger on it). Everything reading a
/// table finds (`pragma_table_xinfo`, `pragma_foreign_key_list`,
/// `pragma_index_list`, `pragma_index_xinfo`, the parsed `CREATE TABLE`) is
/// a function of those rows, so a table whose rows are unchanged is taken
/// from here instead of being read again.
#[derive(Default)]
pub struct TableCache {
    tables: HashMap<String, (String, ReadTable)>,
}

/// Reads a SQLite database like [`introspect`], reusing from `cache` the
/// tables whose `sqlite_schema` rows are unchanged, and keeping in it the
/// tables read now.
///
/// # Errors
///
/// [`Error::Database`] when a catalog query fails.
pub fn introspect_reusing(
    conn: &mut SqliteConnection,
    target: &str,
    cache: &mut TableCache,
) -> Result<Introspection> {
    let master: Vec<MasterRow> = query(
        conn,
        target,
        "sqlite_schema",
        "SELECT json_group_array(json_object('type', type, 'name', name, 'tbl', tbl_name, 'sql', sql)) AS j \
         FROM (SELECT * FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name)",
    )?;
    let mut r = Reader::default();
    let ordinary = r.schema_objects(&master);
    let sql_of: HashMap<&str, &str> = master
        .iter()
        .filter_map(|m| m.sql.as_deref().map(|s| (m.name.as_str(), s)))
        .collect();
    let mut fresh = HashMap::new();
    for m in ordinary {
        let key: String = master
            .iter()
            .filter(|o| o.tbl == m.tbl)
            .map(|o| {
                format!(
                    "{}\u{1f}{}\u{1f}{}\u{1e}",
                    o.kind,
                    o.name,
                    o.sql.as_deref().unwrap_or("")
                )
            })
            .collect();
        let read = match cache.tables.remove(&m.name) {
            Some((k, read)) if k == key => read,
            _ => {
                let (notes, carried, objects) = (r.notes.len(), r.carried.len(), r.objects.len());
                let table = r.table(conn, target, m, &sql_of)?;
                ReadTable {
                    table,
                    notes: r.notes.drain(notes..).collect(),
                    carried: r.carried.drain(carried..).collect(),
                    objects: r.objects.drain(objects..).collect(),
                }
            }
        };
        r.pk_of
            .insert(read.table.name.clone(), read.table.primary_key.clone());
        r.tables.push(read.table.clone());
        r.notes.extend(read.notes.iter().cloned());
        r.carried.extend(read.carried.iter().cloned());
        r.objects.extend(read.objects.iter().cloned());
        fresh.insert(m.name.clone(), (key, read));
    }
    cache.tables = fresh;
    r.resolve_foreign_key_targets();
    Ok(r.finish())
}

/// What `introspect` has read so far: the model and what it could not hold.
#[derive(Default)]
struct Reader {
    notes: Vec<Note>,
    objects: Vec<DbObject>,
    /// What the model cannot hold, carried with its own SQL.
    carried: Vec<Carried>,
    tables: Vec<Table>,
    /// Table name -> its primary key (what a foreign key without target
    /// columns references).
    pk_of: HashMap<String, Vec<String>>,
}

impl Reader {
    /// Sorts `sqlite_schema`: bookkeeping tables are noted, virtual tables,
    /// views and triggers carried; the ordinary tables are returned.
    fn schema_objects<'a>(&mut self, master: &'a [MasterRow]) -> Vec<&'a MasterRow> {
        let mut raw_tables: Vec<&MasterRow> = Vec::new();
        for m in master {
            match m.kind.as_str() {
                "table" => {
                    if is_bookkeeping_table(&m.name) {
                        self.notes.push(Note::new(
                            &m.name,
                            "migration bookkeeping table, not part of the schema; left out",
                        ));
                    } else if m
                        .sql
                        .as_deref()
                        .is_some_and(|s| s.to_ascii_lowercase().contains("create virtual table"))
                    {
                        self.carried.push(verbatim(
                            7,
                            "virtual table",
                            &m.name,
                            m.sql.as_deref(),
                            "DROP TABLE",
                            "a virtual table; the schema language has none",
                        ));
                        self.objects.push(DbObject {
                            kind: "virtual table".into(),
                            name: m.name.clone(),
                            table: None,
                            definition: m.sql.clone(),
                        });
                    } else {
                        raw_tables.push(m);
                    }
                }
                "view" | "trigger" => {
                    if m.kind == "view" {
                        self.carried.push(verbatim(
                            7,
                            "view",
                            &m.name,
                            m.sql.as_deref(),
                            "DROP VIEW",
                            "the schema language has no views",
                        ));
                    } else {
                        self.carried.push(verbatim(
                            9,
                            "trigger",
                            &m.name,
                            m.sql.as_deref(),
                            "DROP TRIGGER",
                            "a trigger; the schema language has none",
                        ));
                    }
                    self.objects.push(DbObject {
                        kind: m.kind.clone(),
                        name: m.name.clone(),
                        table: (m.kind == "trigger").then(|| m.tbl.clone()),
                        definition: m.sql.clone(),
                    })
                }
                _ => {}
            }
        }
        raw_tables
    }

    /// One ordinary table: columns and keys, checks, foreign keys, indexes.
    fn table(
        &mut self,
        conn: &mut SqliteConnection,
        target: &str,
        m: &MasterRow,
        sql_of: &HashMap<&str, &str>,
    ) -> Result<Table> {
        let info = parse_create_table(m.sql.as_deref().unwrap_or(""));
        let mut t = Table::named(m.name.clone());
        self.columns(conn, target, m, &info, &mut t)?;
        for (name, sql) in &info.checks {
            t.checks.push(Check {
                name: name.clone(),
                expr: check_from_sql(sql),
                span: Span::default(),
            });
        }
        self.pk_of.insert(t.name.clone(), t.primary_key.clone());
        foreign_keys(conn, target, m, &info, &mut t)?;
        self.indexes(conn, target, m, &info, sql_of, &mut t)?;
        decimal_literals(&mut t);
        Ok(t)
    }

    /// Columns (types folded from their implicit checks, defaults) and the
    /// primary key; an `INTEGER PRIMARY KEY` is never nullable.
    fn columns(
        &mut self,
        conn: &mut SqliteConnection,
        target: &str,
        m: &MasterRow,
        info: &CreateInfo,
        t: &mut Table,
    ) -> Result<()> {
        let cols: Vec<ColRow> = query(
            conn,
            target,
            &format!("columns of {}", m.name),
            &format!(
                "SELECT json_group_array(json_object('name', name, 'type', type, 'notnull', \"notnull\", \
                 'dflt', dflt_value, 'pk', pk, 'hidden', hidden)) AS j FROM (SELECT * FROM pragma_table_xinfo({}) ORDER BY cid)",
                lit(&m.name)
            ),
        )?;
        let mut pk: Vec<(i64, String)> = Vec::new();
        for c in cols {
            let object = format!("{}.{}", m.name, c.name);
            if c.hidden != 0 {
                self.notes.push(Note::new(
                    &object,
                    "a generated column; the schema language has none, left out",
                ));
                continue;
            }
            if c.pk > 0 {
                pk.push((c.pk, c.name.clone()));
            }
            let (inline, autoincrement) = info
                .columns
                .get(&c.name.to_ascii_lowercase())
                .cloned()
                .unwrap_or_default();
            let Some(mut ty) = declared_type(&c.declared, info.strict, &object, &mut self.notes)
            else {
                t.checks.extend(inline.into_iter().map(|(name, sql)| Check {
                    name,
                    expr: check_from_sql(&sql),
                    span: Span::default(),
                }));
                continue;
            };
            for (name, sql) in inline {
                let folded = if name.is_none() {
                    fold_implicit_check(&c.name, &sql).and_then(|k| fold(ty, k))
                } else {
                    None
                };
                match folded {
                    Some(new) => ty = new,
                    None => t.checks.push(Check {
                        name,
                        expr: check_from_sql(&sql),
                        span: Span::default(),
                    }),
                }
            }
            let default = match c.dflt.as_deref() {
                None => None,
                Some(expr) => {
                    let d = parse_default(ty, expr);
                    if d.is_none() && canonical_expr(expr) != "null" {
                        self.notes.push(Note::new(
                            &object,
                            format!(
                                "default `{expr}` has no neutral spelling; left out{}",
                                crate::normalize::calendar_default_hint(ty)
                            ),
                        ));
                    }
                    d
                }
            };
            t.columns.push(Column {
                name: c.name,
                sql_name: None,
                docs: Vec::new(),
                ty,
                nullable: c.notnull == 0,
                default,
                auto_increment: autoincrement,
                renamed_from: None,
                span: Span::default(),
                ty_span: Span::default(),
            });
        }
        pk.sort();
        t.primary_key = pk.into_iter().map(|(_, n)| n).collect();
        // INTEGER PRIMARY KEY is the rowid: it never holds NULL, whatever
        // the declaration says.
        if let [k] = t.primary_key.as_slice() {
            if let Some(c) = t.columns.iter_mut().find(|c| &c.name == k) {
                if c.ty.is_integer() {
                    c.nullable = false;
                }
            }
        }
        Ok(())
    }

    /// Indexes and unique constraints; expression indexes are carried.
    fn indexes(
        &mut self,
        conn: &mut SqliteConnection,
        target: &str,
        m: &MasterRow,
        info: &CreateInfo,
        sql_of: &HashMap<&str, &str>,
        t: &mut Table,
    ) -> Result<()> {
        let idxs: Vec<IdxRow> = query(
            conn,
            target,
            &format!("indexes of {}", m.name),
            &format!(
                "SELECT json_group_array(json_object('name', name, 'unique', \"unique\", 'origin', origin)) AS j \
                 FROM (SELECT * FROM pragma_index_list({}) ORDER BY name)",
                lit(&m.name)
            ),
        )?;
        for ix in idxs {
            if ix.origin == "pk" {
                continue;
            }
            let icols: Vec<IdxColRow> = query(
                conn,
                target,
                &format!("columns of index {}", ix.name),
                &format!(
                    "SELECT json_group_array(json_object('cid', cid, 'name', name, 'desc', \"desc\")) AS j \
                     FROM (SELECT * FROM pragma_index_xinfo({}) WHERE key = 1 ORDER BY seqno)",
                    lit(&ix.name)
                ),
            )?;
            let sql = sql_of.get(ix.name.as_str()).copied();
            if icols.iter().any(|c| c.cid < 0 || c.name.is_none()) {
                self.carried.push(verbatim(
                    6,
                    "index",
                    &ix.name,
                    sql,
                    "DROP INDEX",
                    "an expression index; the schema language indexes columns",
                ));
                self.objects.push(DbObject {
                    kind: "expression index".into(),
                    name: ix.name.clone(),
                    table: Some(m.name.clone()),
                    definition: sql.map(str::to_string),
                });
                continue;
            }
            let columns: Vec<IndexColumn> = icols
                .into_iter()
                .map(|c| IndexColumn {
                    column: c.name.unwrap_or_default(),
                    order: if c.desc != 0 { Order::Desc } else { Order::Asc },
                })
                .collect();
            if ix.origin == "u" {
                let names: Vec<String> = columns.iter().map(|c| c.column.clone()).collect();
                let lower: Vec<String> = names.iter().map(|c| c.to_ascii_lowercase()).collect();
                t.uniques.push(Unique {
                    name: info
                        .unique_names
                        .iter()
                        .find(|(cols, _)| *cols == lower)
                        .map(|(_, n)| n.clone()),
                    columns: names,
                    deferrable: Deferrable::No,
                    span: Span::default(),
                });
                continue;
            }
            t.indexes.push(Index {
                name: Some(ix.name.clone()),
                columns,
                unique: ix.unique != 0,
                predicate: sql.and_then(index_predicate),
                span: Span::default(),
            });
        }
        Ok(())
    }

    /// A foreign key without target columns references the primary key.
    fn resolve_foreign_key_targets(&mut self) {
        for t in &mut self.tables {
            for fk in &mut t.foreign_keys {
                if fk.ref_columns.is_empty() {
                    fk.ref_columns = self.pk_of.get(&fk.ref_table).cloned().unwrap_or_default();
                }
            }
        }
    }

    fn finish(self) -> Introspection {
        let enums = enums_of_columns(&self.tables);
        Introspection {
            backend: Backend::Sqlite,
            schema: Schema {
                tables: self.tables,
                raw_blocks: Vec::new(),
                extensions: Vec::new(),
                enums,
                custom_types: Vec::new(),
            },
            objects: self.objects,
            notes: self.notes,
            carried: self.carried,
        }
    }
}

/// Checks and index predicates of a table with a `Decimal` column in the
/// neutral language: SQLite stores the literals compared with a decimal
/// column scaled (`amount > -150` for `amount > -1.50`), which neutral text
/// would read as another number.
/// The enums the tables' columns use (SQLite has no enum types: a column
/// is an enum by its tagged check), first use first.
fn enums_of_columns(tables: &[Table]) -> Vec<DbEnum> {
    let mut enums: Vec<DbEnum> = Vec::new();
    for c in tables.iter().flat_map(|t| &t.columns) {
        if let ColumnType::Enum(e) = c.ty {
            if !enums.iter().any(|d| d.sql_name == e.sql_name()) {
                enums.push(DbEnum {
                    name: e.rust_name(),
                    sql_name: e.sql_name().to_string(),
                    labels: e.labels().to_vec(),
                    variants: label_variants(e.labels()),
                    docs: Vec::new(),
                    span: Span::default(),
                });
            }
        }
    }
    enums
}

fn decimal_literals(t: &mut Table) {
    if !t
        .columns
        .iter()
        .any(|c| matches!(c.ty, ColumnType::Decimal { .. }))
    {
        return;
    }
    let view = t.clone();
    let neutral =
        |text: &str| crate::normalize::by_meaning_from(text, &view, Some(Backend::Sqlite));
    for c in &mut t.checks {
        if let CheckExpr::Raw {
            sql: Some(sql),
            postgres: None,
            sqlite: None,
        } = &mut c.expr
        {
            *sql = neutral(sql);
        }
    }
    for ix in &mut t.indexes {
        if let Some(p) = &mut ix.predicate {
            *p = neutral(p);
        }
    }
}

/// A table's foreign keys, named as its `CREATE TABLE` names them.
fn foreign_keys(
    conn: &mut SqliteConnection,
    target: &str,
    m: &MasterRow,
    info: &CreateInfo,
    t: &mut Table,
) -> Result<()> {
    let fks: Vec<FkRow> = query(
        conn,
        target,
        &format!("foreign keys of {}", m.name),
        &format!(
            "SELECT json_group_array(json_object('id', id, 'table', \"table\", 'from', \"from\", 'to', \"to\", \
             'on_update', on_update, 'on_delete', on_delete)) AS j FROM (SELECT * FROM pragma_foreign_key_list({}) ORDER BY id, seq)",
            lit(&m.name)
        ),
    )?;
    let mut by_id: Vec<(i64, ForeignKey, Vec<Option<String>>)> = Vec::new();
    for f in fks {
        if let Some(entry) = by_id.iter_mut().find(|e| e.0 == f.id) {
            entry.1.columns.push(f.from);
            entry.2.push(f.to);
            continue;
        }
        by_id.push((
            f.id,
            ForeignKey {
                name: None,
                columns: vec![f.from],
                ref_table: f.ref_table,
                ref_columns: Vec::new(),
                on_delete: action(&f.on_delete),
                on_update: action(&f.on_update),
                deferrable: Deferrable::No,
                span: Span::default(),
            },
            vec![f.to],
        ));
    }
    // pragma_foreign_key_list lists the last declared key first.
    by_id.sort_by_key(|e| std::cmp::Reverse(e.0));
    for (_, mut fk, to) in by_id {
        fk.ref_columns = to.into_iter().flatten().collect();
        let lower: Vec<String> = fk.columns.iter().map(|c| c.to_ascii_lowercase()).collect();
        fk.name = info
            .fk_names
            .iter()
            .find(|(cols, _)| *cols == lower)
            .map(|(_, n)| n.clone());
        // `DEFERRABLE …` is in the table's SQL only (the pragma omits it).
        fk.deferrable = info
            .deferrable_fks
            .iter()
            .find(|(cols, _)| *cols == lower)
            .map_or(Deferrable::No, |(_, d)| *d);
        t.foreign_keys.push(fk);
    }
    Ok(())
}

/// An object carried with the SQL `sqlite_schema` holds for it.
fn verbatim(rank: u8, kind: &str, name: &str, sql: Option<&str>, drop: &str, why: &str) -> Carried {
    Carried {
        rank,
        kind: kind.into(),
        name: name.into(),
        up: format!(
            "{};\n",
            sql.unwrap_or_default().trim_end().trim_end_matches(';')
        ),
        down: format!("{drop} \"{}\";\n", name.replace('"', "\"\"")),
        why: why.into(),
        replaces: None,
    }
}

fn action(s: &str) -> FkAction {
    match s.to_ascii_uppercase().as_str() {
        "RESTRICT" => FkAction::Restrict,
        "CASCADE" => FkAction::Cascade,
        "SET NULL" => FkAction::SetNull,
        "SET DEFAULT" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// The neutral type a declared SQLite type names. In a `STRICT` table
/// `INTEGER` is 64-bit (`BigInt`) until a range check narrows it; in other
/// tables it is read as Diesel reads it (`Integer`).
pub fn declared_type(
    declared: &str,
    strict: bool,
    object: &str,
    notes: &mut Vec<Note>,
) -> Option<ColumnType> {
    let upper = declared.trim().to_ascii_uppercase();
    let (base, len) = match upper.split_once('(') {
        Some((b, rest)) => (
            b.trim().to_string(),
            rest.trim_end_matches(')')
                .split(',')
                .next()
                .and_then(|n| n.trim().parse::<u32>().ok()),
        ),
        None => (upper.clone(), None),
    };
    let ty = match base.as_str() {
        b if b.contains("UUID") => ColumnType::Uuid,
        "BOOLEAN" | "BOOL" => ColumnType::Bool,
        // SQLite's TIMESTAMP/DATETIME hold no zone, but most multi-backend
        // applications keep UTC text there next to PostgreSQL's TIMESTAMPTZ:
        // read as Timestamp (check-parity calls a PostgreSQL TIMESTAMP
        // against it representation only).
        "TIMESTAMP" | "TIMESTAMPTZ" | "DATETIME" | "TIMESTAMP WITH TIME ZONE" => {
            ColumnType::Timestamp
        }
        "VARCHAR" | "CHARACTER VARYING" | "CHAR" | "CHARACTER" | "NVARCHAR" | "NCHAR"
        | "VARYING CHARACTER" => ColumnType::Text { max_len: len },
        "TEXT" | "CLOB" | "STRING" => ColumnType::Text { max_len: None },
        "JSON" | "JSONB" => ColumnType::Json,
        "SMALLINT" | "INT2" | "TINYINT" => ColumnType::SmallInt,
        "INTEGER" | "INT" if strict => ColumnType::BigInt,
        "INTEGER" | "INT" | "MEDIUMINT" | "INT4" => ColumnType::Integer,
        "BIGINT" | "INT8" | "UNSIGNED BIG INT" => ColumnType::BigInt,
        "REAL" | "DOUBLE" | "DOUBLE PRECISION" | "FLOAT" | "FLOAT8" => ColumnType::Double,
        "BLOB" | "BYTEA" | "BINARY" => ColumnType::Binary,
        "DATE" => ColumnType::Date,
        "TIME" => ColumnType::Time,
        "NAIVETIMESTAMP" | "TIMESTAMP WITHOUT TIME ZONE" => ColumnType::NaiveTimestamp,
        _ => {
            notes.push(Note::new(
                object,
                format!(
                    "declared type `{declared}` has no neutral type ({}); column left out",
                    ColumnType::NAMES.join(", ")
                ),
            ));
            return None;
        }
    };
    Some(ty)
}

/// The type an implicit check narrows `ty` to, when it applies to it.
fn fold(ty: ColumnType, k: ImplicitCheck) -> Option<ColumnType> {
    use ColumnType as T;
    match (ty, k) {
        (T::Binary | T::Uuid, ImplicitCheck::UuidLength) => Some(T::Uuid),
        (T::Text { max_len: None }, ImplicitCheck::MaxLength(n)) => {
            Some(T::Text { max_len: Some(n) })
        }
        (T::Text { max_len: Some(m) }, ImplicitCheck::MaxLength(n)) if m == n => Some(ty),
        (T::Integer | T::BigInt | T::SmallInt, ImplicitCheck::SmallIntRange) => Some(T::SmallInt),
        (T::Integer | T::BigInt, ImplicitCheck::IntegerRange) => Some(T::Integer),
        (T::Integer | T::BigInt | T::SmallInt | T::Bool, ImplicitCheck::Bool) => Some(T::Bool),
        (T::Text { max_len: None } | T::Timestamp, ImplicitCheck::TimestampGlob) => {
            Some(T::Timestamp)
        }
        (T::Text { max_len: None } | T::Json, ImplicitCheck::JsonValid) => Some(T::Json),
        (T::Double | T::Float, ImplicitCheck::FloatRange) => Some(T::Float),
        (T::Text { max_len: None }, ImplicitCheck::Calendar(c)) => Some(c),
        (c, ImplicitCheck::Calendar(k)) if c == k => Some(c),
        (T::Integer | T::BigInt, ImplicitCheck::Decimal { precision, scale }) => {
            Some(T::Decimal { precision, scale })
        }
        (T::Text { max_len: None }, ImplicitCheck::Enum(e)) => Some(T::Enum(e)),
        _ => None,
    }
}

/// Reads a SQLite default (as `table_xinfo` stores it) for a column of
/// type `ty`.
pub fn parse_default(ty: ColumnType, expr: &str) -> Option<DefaultValue> {
    // An expression of the language (never a lone literal, `now` or a
    // random function, which it has no words for) reads back as its tree.
    let source = crate::expr::Source::Stored(crate::model::Backend::Sqlite);
    if let Ok(e) = crate::expr::parse_default_for(expr, source, "", ty) {
        return Some(DefaultValue::Expr(e));
    }
    if let ColumnType::Decimal { scale, .. } = ty {
        // The integer times 10^S.
        let t = expr.trim().trim_start_matches('(').trim_end_matches(')');
        return t
            .trim()
            .parse::<i64>()
            .ok()
            .map(|u| DefaultValue::Text(crate::decimal::format_units(u, scale)));
    }
    let toks = canonical_tokens(expr, true);
    if matches!(
        ty,
        ColumnType::NaiveTimestamp | ColumnType::Date | ColumnType::Time
    ) {
        // `CURRENT_TIMESTAMP` & co. have no neutral spelling on these types
        // (the caller notes it); a literal must be canonical text.
        return match toks.as_slice() {
            [Tok::Str(s)] => Some(DefaultValue::Text(
                crate::validate::canonicalize_calendar_text(ty, s)?,
            )),
            _ => None,
        };
    }
    let lower = render_tokens(&toks);
    if lower.contains("randomblob") || lower.contains("uuid") {
        return Some(DefaultValue::Uuid);
    }
    if lower == "current_timestamp"
        || ((lower.starts_with("strftime(") || lower.starts_with("datetime("))
            && lower.contains("'now'"))
    {
        return Some(DefaultValue::Now);
    }
    match toks.as_slice() {
        [Tok::Str(s)] => Some(match ty {
            ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt => match s.parse() {
                Ok(i) => DefaultValue::Int(i),
                Err(_) => DefaultValue::Text(s.clone()),
            },
            ColumnType::Double | ColumnType::Float => match s.parse() {
                Ok(f) => DefaultValue::Float(f),
                Err(_) => DefaultValue::Text(s.clone()),
            },
            // A boolean written as text ('t') stays text: SQLite stores it
            // as text, and the comparison shows it.
            _ => DefaultValue::Text(s.clone()),
        }),
        [Tok::Num(n)] => match ty {
            ColumnType::Double | ColumnType::Float => n.parse().ok().map(DefaultValue::Float),
            ColumnType::Bool if n == "0" || n == "1" => Some(DefaultValue::Bool(n == "1")),
            _ => n
                .parse()
                .ok()
                .map(DefaultValue::Int)
                .or_else(|| n.parse().ok().map(DefaultValue::Float)),
        },
        [Tok::Ident(b)] if b == "true" || b == "false" => Some(match ty {
            ColumnType::Bool => DefaultValue::Bool(b == "true"),
            _ => DefaultValue::Int(i64::from(b == "true")),
        }),
        [Tok::Blob(hex)]
            if ty == ColumnType::Uuid
                && hex.len() == 32
                && hex.chars().all(|c| c.is_ascii_hexdigit()) =>
        {
            Some(DefaultValue::Text(format!(
                "{}-{}-{}-{}-{}",
                &hex[0..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..32]
            )))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deferrable_foreign_keys_are_told_apart() {
        let sql = "CREATE TABLE c (\n  id INTEGER PRIMARY KEY,\n  \
                   p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED,\n  \
                   q INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY IMMEDIATE,\n  \
                   r INTEGER REFERENCES parent (id) NOT DEFERRABLE INITIALLY DEFERRED,\n  \
                   a INTEGER, b INTEGER,\n  \
                   FOREIGN KEY (a, b) REFERENCES pair (x, y) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,\n  \
                   CONSTRAINT c_fk FOREIGN KEY (b) REFERENCES parent (id) DEFERRABLE\n)";
        let info = parse_create_table(sql);
        let v = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            info.deferrable_fks,
            vec![
                (v(&["p"]), Deferrable::InitiallyDeferred),
                (v(&["q"]), Deferrable::InitiallyImmediate),
                (v(&["a", "b"]), Deferrable::InitiallyDeferred),
                (v(&["b"]), Deferrable::InitiallyImmediate),
            ]
        );
        assert_eq!(info.fk_names, vec![(v(&["b"]), "c_fk".to_string())]);
    }

    #[test]
    fn create_text_gives_checks_names_and_options() {
        let sql = "CREATE TABLE \"items\" (\n  id BLOB NOT NULL CHECK (length(id) = 16),\n  \
                   n INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,\n  \
                   s TEXT DEFAULT (strftime('%Y', 'now')) CONSTRAINT s_ok CHECK (s <> ''),\n  \
                   CONSTRAINT items_u UNIQUE (s, n),\n  \
                   CONSTRAINT items_fk FOREIGN KEY (id) REFERENCES other (id),\n  \
                   CHECK (n > 0)\n) STRICT";
        let info = parse_create_table(sql);
        assert!(info.strict);
        assert_eq!(
            info.columns["id"].0,
            vec![(None, "length(id) = 16".to_string())]
        );
        assert!(info.columns["n"].1);
        assert_eq!(
            info.columns["s"].0,
            vec![(Some("s_ok".to_string()), "s <> ''".to_string())]
        );
        assert_eq!(
            info.unique_names,
            vec![(
                vec!["s".to_string(), "n".to_string()],
                "items_u".to_string()
            )]
        );
        assert_eq!(
            info.fk_names,
            vec![(vec!["id".to_string()], "items_fk".to_string())]
        );
        assert_eq!(info.checks, vec![(None, "n > 0".to_string())]);
        assert!(!parse_create_table("CREATE TABLE t (a)").strict);
        // Garbage does not panic.
        let _ = parse_create_table("CREATE TABLE (((");
        let _ = parse_create_table("");
    }

    #[test]
    fn partial_index_predicates() {
        assert_eq!(
            index_predicate("CREATE INDEX i ON t (a DESC) WHERE (kind = 'x')").as_deref(),
            Some("kind = 'x'")
        );
        assert_eq!(index_predicate("CREATE INDEX i ON t (a)"), None);
    }

    #[test]
    fn declared_types_and_defaults() {
        let mut notes = Vec::new();
        let cases: &[(&str, bool, Option<ColumnType>)] = &[
            (
                "VARCHAR(255)",
                false,
                Some(ColumnType::Text { max_len: Some(255) }),
            ),
            ("INTEGER", true, Some(ColumnType::BigInt)),
            ("INTEGER", false, Some(ColumnType::Integer)),
            ("BOOLEAN", false, Some(ColumnType::Bool)),
            ("TIMESTAMP", false, Some(ColumnType::Timestamp)),
            ("BLOB", true, Some(ColumnType::Binary)),
            ("NUMERIC(10,2)", false, None),
        ];
        for (decl, strict, want) in cases {
            assert_eq!(
                declared_type(decl, *strict, "t.c", &mut notes),
                *want,
                "{decl}"
            );
        }
        assert_eq!(notes.len(), 1);
        assert!(notes[0].message.contains("NUMERIC(10,2)"));
        // A decimal's scaled integer, as its canonical text.
        assert_eq!(
            parse_default(
                ColumnType::Decimal {
                    precision: 10,
                    scale: 2
                },
                "-150"
            ),
            Some(D::Text("-1.50".into()))
        );
        // The tagged range check folds an INTEGER back to its Decimal<P, S>;
        // the same range without the tag stays a check.
        let check = crate::render::sqlite::decimal_check("c", 12, 2);
        let k = fold_implicit_check("c", &check).expect("decimal check");
        assert_eq!(
            fold(ColumnType::BigInt, k),
            Some(ColumnType::Decimal {
                precision: 12,
                scale: 2
            })
        );
        assert_eq!(
            fold_implicit_check("c", "c BETWEEN -999999999999 AND 999999999999"),
            None
        );
        use DefaultValue as D;
        assert_eq!(
            parse_default(
                ColumnType::Timestamp,
                "(strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'))"
            ),
            Some(D::Now)
        );
        assert_eq!(
            parse_default(ColumnType::Timestamp, "CURRENT_TIMESTAMP"),
            Some(D::Now)
        );
        assert_eq!(parse_default(ColumnType::Bool, "1"), Some(D::Bool(true)));
        assert_eq!(
            parse_default(ColumnType::Bool, "'t'"),
            Some(D::Text("t".into()))
        );
        assert_eq!(parse_default(ColumnType::SmallInt, "-3"), Some(D::Int(-3)));
        assert_eq!(
            parse_default(ColumnType::Uuid, "X'0000000000000000000000000000000A'"),
            Some(D::Text("00000000-0000-0000-0000-00000000000a".into()))
        );
    }

    #[test]
    fn calendar_types_by_declared_name_and_by_their_check() {
        let mut notes = Vec::new();
        for (decl, want) in [
            ("DATE", ColumnType::Date),
            ("TIME", ColumnType::Time),
            ("NaiveTimestamp", ColumnType::NaiveTimestamp),
        ] {
            assert_eq!(
                declared_type(decl, false, "t.c", &mut notes),
                Some(want),
                "{decl}"
            );
        }
        assert!(notes.is_empty(), "{notes:?}");
        for ty in [
            ColumnType::NaiveTimestamp,
            ColumnType::Date,
            ColumnType::Time,
        ] {
            let check = crate::render::sqlite::calendar_check("c", ty);
            let k = fold_implicit_check("c", &check).expect("recognized");
            assert_eq!(
                fold(ColumnType::Text { max_len: None }, k),
                Some(ty),
                "{check}"
            );
            assert_eq!(fold(ty, k), Some(ty));
            assert_eq!(fold(ColumnType::Integer, k), None);
        }
        use DefaultValue as D;
        assert_eq!(
            parse_default(ColumnType::Date, "'2024-01-01'"),
            Some(D::Text("2024-01-01".into()))
        );
        assert_eq!(
            parse_default(ColumnType::Time, "'10:00:00.000000'"),
            Some(D::Text("10:00:00".into()))
        );
        // SQLite's clock on a naive timestamp: no neutral spelling.
        assert_eq!(
            parse_default(ColumnType::NaiveTimestamp, "CURRENT_TIMESTAMP"),
            None
        );
        assert_eq!(parse_default(ColumnType::Date, "'yesterday'"), None);
    }
}
