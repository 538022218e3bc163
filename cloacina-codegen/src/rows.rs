//! Rows read back through typed decoding, and their comparison.
//!
//! Each backend is read with the expressions that expose its representation
//! of the neutral types exactly (PostgreSQL: UUID and `BYTEA` as hex, a
//! timestamp through `to_char` in UTC to the microsecond, JSON as text;
//! SQLite: `BLOB`s as hex, everything else as stored), one JSON document per
//! table, and decoded per column type into a [`Value`]: UUIDs and bytes as
//! bytes, timestamps as instants, booleans as `bool` (SQLite's `0`/`1` and
//! the legacy `'t'`/`'f'`, `'true'`/`'false'` alike), JSON as a value. A
//! representation that stores the same value differently is therefore equal;
//! a value that reads differently is not.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDateTime};
use diesel::RunQueryDsl;

use crate::error::{Error, Result};
use crate::introspect::{Database, JsonRow};
use crate::model::{Backend, ColumnType, Schema, Table};

/// One decoded cell.
#[derive(Clone, Debug)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// An integer of any width.
    Int(i64),
    /// A double.
    Float(f64),
    /// Text.
    Text(String),
    /// Bytes (UUIDs too).
    Bytes(Vec<u8>),
    /// A boolean.
    Bool(bool),
    /// A UTC instant in microseconds since the Unix epoch.
    Instant(i64),
    /// A JSON document.
    Json(serde_json::Value),
    /// A stored value that does not decode as the column's type, as read.
    Other(String),
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Text(a), Text(b)) | (Other(a), Other(b)) => a == b,
            (Bytes(a), Bytes(b)) => a == b,
            (Bool(a), Bool(b)) => a == b,
            (Instant(a), Instant(b)) => a == b,
            (Json(a), Json(b)) => a == b,
            _ => false,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let short = |s: &str| -> String {
            let n = s.chars().count();
            if n > 40 {
                format!("{:?}… ({n} chars)", s.chars().take(40).collect::<String>())
            } else {
                format!("{s:?}")
            }
        };
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::Text(s) => f.write_str(&short(s)),
            Value::Bytes(b) if b.len() <= 32 => write!(f, "x'{}'", hex(b)),
            Value::Bytes(b) => write!(f, "x'{}…' ({} bytes)", hex(&b[..32]), b.len()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Instant(us) => f.write_str(&format_instant(*us)),
            Value::Json(j) => f.write_str(&short(&j.to_string())),
            Value::Other(s) => write!(f, "{} (undecodable)", short(s)),
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The hyphenated text of UUID bytes (`8-4-4-4-12` lowercase hex); other
/// lengths as plain hex.
pub fn hyphenated(b: &[u8]) -> String {
    let h = hex(b);
    if b.len() != 16 {
        return h;
    }
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The bytes of a UUID read as text: 32 hex digits (a blob's `hex()` or
/// `lower(hex(randomblob(16)))`) or the hyphenated form, either case.
fn uuid_bytes(s: &str) -> Option<Vec<u8>> {
    let plain: String = if s.len() == 36 {
        let b = s.as_bytes();
        if [8, 13, 18, 23].iter().any(|&i| b.get(i) != Some(&b'-')) {
            return None;
        }
        s.chars().filter(|c| *c != '-').collect()
    } else {
        s.to_string()
    };
    if plain.len() != 32 {
        return None;
    }
    unhex(&plain)
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// `"name"`, quoted for both backends.
pub use crate::render::ddl::quote_ident;

/// The canonical text of an instant (the SQLite representation of the type
/// map): `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub fn format_instant(us: i64) -> String {
    match DateTime::from_timestamp_micros(us) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        None => format!("{us} µs since the epoch"),
    }
}

/// An instant from the texts both backends (and legacy SQLite files) store.
fn parse_instant(s: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_micros());
    }
    let s = s.trim_end_matches('Z');
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| t.and_utc().timestamp_micros())
}

fn decode(backend: Backend, ty: ColumnType, j: serde_json::Value) -> Value {
    use serde_json::Value as J;
    let other = |j: &J| Value::Other(j.as_str().map_or_else(|| j.to_string(), str::to_string));
    match (ty, &j) {
        (_, J::Null) => Value::Null,
        (ColumnType::Uuid, J::String(s)) => uuid_bytes(s).map_or_else(|| other(&j), Value::Bytes),
        (ColumnType::Binary, J::String(s)) => unhex(s).map_or_else(|| other(&j), Value::Bytes),
        (ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt, J::Number(n)) => {
            n.as_i64().map_or_else(|| other(&j), Value::Int)
        }
        (ColumnType::Double, J::Number(n)) => n.as_f64().map_or_else(|| other(&j), Value::Float),
        (ColumnType::Double, J::String(s)) => s.parse().map_or_else(|_| other(&j), Value::Float),
        // A 32-bit float compares as the f32 it is, however a backend prints it.
        (ColumnType::Float, J::Number(n)) => n
            .as_f64()
            .map_or_else(|| other(&j), |f| Value::Float(f64::from(f as f32))),
        (ColumnType::Float, J::String(s)) => s
            .parse::<f32>()
            .map_or_else(|_| other(&j), |f| Value::Float(f64::from(f))),
        (ColumnType::Bool, J::Bool(b)) => Value::Bool(*b),
        (ColumnType::Bool, J::Number(n)) if backend == Backend::Sqlite => match n.as_i64() {
            Some(0) => Value::Bool(false),
            Some(1) => Value::Bool(true),
            _ => other(&j),
        },
        (ColumnType::Bool, J::String(s)) if backend == Backend::Sqlite => {
            match s.to_ascii_lowercase().as_str() {
                "t" | "true" | "1" => Value::Bool(true),
                "f" | "false" | "0" => Value::Bool(false),
                _ => other(&j),
            }
        }
        (ColumnType::Timestamp, J::String(s)) => {
            parse_instant(s).map_or_else(|| other(&j), Value::Instant)
        }
        (ColumnType::Json, J::String(s)) => {
            serde_json::from_str(s).map_or_else(|_| other(&j), Value::Json)
        }
        (
            ColumnType::Text { .. } | ColumnType::Postgres(_) | ColumnType::Custom(_),
            J::String(s),
        ) => Value::Text(s.clone()),
        // PostgreSQL's NUMERIC as text; SQLite's integer times 10^S. Both
        // read back as the canonical text with exactly S digits.
        (ColumnType::Decimal { precision, scale }, J::String(s))
            if backend == Backend::Postgres =>
        {
            crate::decimal::canonical(s, precision, scale).map_or_else(|_| other(&j), Value::Text)
        }
        (ColumnType::Decimal { scale, .. }, J::Number(n)) if backend == Backend::Sqlite => {
            n.as_i64().map_or_else(
                || other(&j),
                |u| Value::Text(crate::decimal::format_units(u, scale)),
            )
        }
        (ColumnType::NaiveTimestamp | ColumnType::Date | ColumnType::Time, J::String(s)) => {
            crate::validate::canonicalize_calendar_text(ty, s)
                .map_or_else(|| other(&j), Value::Text)
        }
        _ => other(&j),
    }
}

/// The rows of one table.
#[derive(Clone, Debug, PartialEq)]
pub struct TableRows {
    /// Column names and types, in table order.
    pub columns: Vec<(String, ColumnType)>,
    /// Positions of the columns that identify a row (the primary key; empty
    /// when the table has none, in which case the whole row does).
    pub key: Vec<usize>,
    /// The rows.
    pub rows: Vec<Vec<Value>>,
}

impl TableRows {
    /// Position of a column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|(c, _)| c == name)
    }

    /// Rows by their key text, in key order. Rows of a table without key
    /// are keyed by their whole content and a running number.
    pub fn by_key(&self, key: &[usize]) -> BTreeMap<String, &Vec<Value>> {
        let mut out = BTreeMap::new();
        for r in &self.rows {
            let k = key_text(self, key, r);
            let mut unique = k.clone();
            let mut i = 1;
            while out.contains_key(&unique) {
                i += 1;
                unique = format!("{k} #{i}");
            }
            out.insert(unique, r);
        }
        out
    }
}

/// `col=value, …` of the key columns (all columns when `key` is empty).
pub fn key_text(t: &TableRows, key: &[usize], row: &[Value]) -> String {
    let all: Vec<usize> = (0..t.columns.len()).collect();
    let key = if key.is_empty() { &all } else { key };
    key.iter()
        .filter_map(|&i| Some(format!("{}={}", t.columns.get(i)?.0, row.get(i)?)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every table's rows.
pub type Snapshot = BTreeMap<String, TableRows>;

fn expression(backend: Backend, name: &str, ty: ColumnType) -> String {
    let c = quote_ident(name);
    match (backend, ty) {
        (Backend::Postgres, ColumnType::Uuid) => format!("replace({c}::text, '-', '')"),
        (Backend::Postgres, ColumnType::Binary) => format!("encode({c}, 'hex')"),
        (Backend::Postgres, ColumnType::Timestamp) => {
            format!("to_char({c}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
        }
        (Backend::Postgres, ColumnType::Json | ColumnType::Postgres(_) | ColumnType::Custom(_)) => {
            format!("{c}::text")
        }
        (Backend::Postgres, ColumnType::Double | ColumnType::Float) => format!("{c}::text"),
        // Text, so no digit goes through a JSON float.
        (Backend::Postgres, ColumnType::Decimal { .. }) => format!("{c}::text"),
        // `::text` keeps the space of a timestamp (JSON would write `T`).
        (
            Backend::Postgres,
            ColumnType::NaiveTimestamp | ColumnType::Date | ColumnType::Time,
        ) => format!("{c}::text"),
        (Backend::Postgres, _) => c,
        (Backend::Sqlite, ColumnType::Binary) => {
            format!("CASE WHEN {c} IS NULL THEN NULL ELSE hex({c}) END")
        }
        // A UUID as a 16-byte BLOB or as TEXT (hyphenated or 32 hex digits).
        (Backend::Sqlite, ColumnType::Uuid) => {
            format!("CASE typeof({c}) WHEN 'blob' THEN hex({c}) ELSE {c} END")
        }
        (Backend::Sqlite, ColumnType::Double | ColumnType::Float) => format!(
            "CASE typeof({c}) WHEN 'real' THEN printf('%!.17g', {c}) WHEN 'blob' THEN 'x' || hex({c}) ELSE {c} END"
        ),
        (Backend::Sqlite, _) => {
            format!("CASE WHEN typeof({c}) = 'blob' THEN 'x' || hex({c}) ELSE {c} END")
        }
    }
}

/// Tables read in one query: far below PostgreSQL's 100 arguments of a
/// function and SQLite's 127.
const TABLES_PER_QUERY: usize = 40;

/// The query that reads one table's rows as a JSON array of arrays (or
/// `NULL` when it has none), its one column named `alias` when given.
fn table_query(backend: Backend, t: &Table, alias: Option<&str>) -> String {
    let alias = alias.map_or_else(String::new, |a| format!(" AS {a}"));
    let exprs: Vec<String> = t
        .columns
        .iter()
        .map(|c| expression(backend, &c.name, c.ty))
        .collect();
    match backend {
        Backend::Postgres => format!(
            "SELECT json_agg(json_build_array({})){alias} FROM {}",
            exprs.join(", "),
            quote_ident(&t.name)
        ),
        Backend::Sqlite => format!(
            "SELECT json_group_array(json_array({})){alias} FROM {}",
            exprs.join(", "),
            quote_ident(&t.name)
        ),
    }
}

fn fetch(db: &mut Database, sql: &str) -> std::result::Result<Option<String>, String> {
    let result: std::result::Result<JsonRow, diesel::result::Error> = match db {
        Database::Postgres { conn, .. } => diesel::sql_query(sql).get_result(conn.as_mut()),
        Database::Sqlite { conn, .. } => diesel::sql_query(sql).get_result(conn.as_mut()),
    };
    result.map(|row| row.j).map_err(|e| e.to_string())
}

/// Decodes one table's JSON rows by its column types.
fn decode_table(backend: Backend, t: &Table, raw: Vec<Vec<serde_json::Value>>) -> TableRows {
    let columns: Vec<(String, ColumnType)> =
        t.columns.iter().map(|c| (c.name.clone(), c.ty)).collect();
    let rows = raw
        .into_iter()
        .map(|r| {
            r.into_iter()
                .zip(&columns)
                .map(|(j, (_, ty))| decode(backend, *ty, j))
                .collect()
        })
        .collect();
    let key = t
        .primary_key
        .iter()
        .filter_map(|k| columns.iter().position(|(c, _)| c == k))
        .collect();
    TableRows { columns, key, rows }
}

/// Reads one table on its own (its own query, its own error).
pub fn read_one(db: &mut Database, t: &Table) -> Result<TableRows> {
    let backend = db.backend();
    let fail = |message: String| Error::Database {
        backend,
        target: db_target(backend),
        action: format!("read the rows of {}", t.name),
        message,
    };
    let j = fetch(db, &table_query(backend, t, Some("j"))).map_err(fail)?;
    let raw: Vec<Vec<serde_json::Value>> = serde_json::from_str(j.as_deref().unwrap_or("[]"))
        .map_err(|e| fail(format!("unexpected row document ({e})")))?;
    Ok(decode_table(backend, t, raw))
}

/// Reads `tables` in one query, each as a scalar subquery giving one JSON
/// array; their rows in the same order.
///
/// # Errors
///
/// The database's message, or what is wrong with the document it returned.
pub fn read_batch(
    db: &mut Database,
    tables: &[&Table],
) -> std::result::Result<Vec<TableRows>, String> {
    let backend = db.backend();
    // SQLite's subquery gives text: `json()` makes it JSON again, so the
    // outer array holds it as an array, not as a string.
    let parts: Vec<String> = tables
        .iter()
        .map(|t| match backend {
            Backend::Postgres => format!("({})", table_query(backend, t, None)),
            Backend::Sqlite => format!("json(({}))", table_query(backend, t, None)),
        })
        .collect();
    let sql = match backend {
        Backend::Postgres => format!("SELECT json_build_array({})::text AS j", parts.join(", ")),
        Backend::Sqlite => format!("SELECT json_array({}) AS j", parts.join(", ")),
    };
    let j = fetch(db, &sql)?;
    let raws: Vec<Option<Vec<Vec<serde_json::Value>>>> =
        serde_json::from_str(j.as_deref().unwrap_or("[]"))
            .map_err(|e| format!("unexpected row document ({e})"))?;
    if raws.len() != tables.len() {
        return Err(format!(
            "unexpected row document: {} tables asked, {} read",
            tables.len(),
            raws.len()
        ));
    }
    Ok(tables
        .iter()
        .zip(raws)
        .map(|(t, raw)| decode_table(backend, t, raw.unwrap_or_default()))
        .collect())
}

/// Reads every table of `schema` (the database's own introspected
/// structure) from `db`.
///
/// Tables are read `TABLES_PER_QUERY` (40) at a time, each as a scalar
/// subquery of one JSON array (one round trip instead of one per table);
/// when such a query fails, its tables are read one by one, so the error
/// names the table.
///
/// # Errors
///
/// [`Error::Database`] when a table cannot be read.
pub fn read(db: &mut Database, schema: &Schema) -> Result<Snapshot> {
    let mut out = Snapshot::new();
    let tables: Vec<&Table> = schema
        .tables
        .iter()
        .filter(|t| !t.columns.is_empty())
        .collect();
    for chunk in tables.chunks(TABLES_PER_QUERY) {
        if let [t] = chunk {
            out.insert(t.name.clone(), read_one(db, t)?);
            continue;
        }
        match read_batch(db, chunk) {
            Ok(read) => {
                for (t, rows) in chunk.iter().zip(read) {
                    out.insert(t.name.clone(), rows);
                }
            }
            Err(_) => {
                for t in chunk {
                    out.insert(t.name.clone(), read_one(db, t)?);
                }
            }
        }
    }
    Ok(out)
}

fn db_target(backend: Backend) -> String {
    format!("scratch {backend} database")
}

/// What one backend did to the rows of one migration, beyond what its
/// structure change intends.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Rows of a table that still exists are gone.
    RowsLost {
        /// The table.
        table: String,
        /// Rows before the migration.
        before: usize,
        /// Rows after it.
        after: usize,
        /// The keys of the missing rows.
        missing: Vec<String>,
    },
    /// A value of a surviving row and column differs.
    Value {
        /// The table.
        table: String,
        /// The row's key.
        row: String,
        /// The column (its name after the migration).
        column: String,
        /// The value before.
        before: Value,
        /// The value after.
        after: Value,
    },
}

/// How the columns of a table map across a migration: for each column
/// before, its position after (following a rename), or `None` when dropped
/// or converted to another type (both intended).
///
/// A column that disappeared is taken as renamed to a new column of the
/// same type that holds its values in more than half of the surviving rows
/// (and in at least one that is not `NULL`); its other rows are then
/// compared like any other column, so a rename that also changes values is
/// reported, not mistaken for a drop.
fn column_map(before: &TableRows, after: &TableRows) -> Vec<Option<usize>> {
    let b_keyed = before.by_key(&before.key);
    let a_keyed = after.by_key(&before_key_in(before, after));
    let pairs: Vec<(&Vec<Value>, &Vec<Value>)> = b_keyed
        .iter()
        .filter_map(|(k, r)| Some((*r, *a_keyed.get(k)?)))
        .collect();
    let mut used: Vec<bool> = after
        .columns
        .iter()
        .map(|(c, _)| before.column(c).is_some())
        .collect();
    before
        .columns
        .iter()
        .enumerate()
        .map(|(i, (name, ty))| {
            if let Some(j) = after.column(name) {
                return (after.columns[j].1 == *ty).then_some(j);
            }
            let score = |j: usize| -> (usize, usize) {
                let same = pairs.iter().filter(|(r, a)| r.get(i) == a.get(j));
                let non_null = same.clone().filter(|(r, _)| r.get(i) != Some(&Value::Null));
                (same.count(), non_null.count())
            };
            let j = (0..after.columns.len())
                .filter(|&j| !used[j] && after.columns[j].1 == *ty)
                .map(|j| (j, score(j)))
                .filter(|(_, (same, non_null))| *non_null > 0 && *same * 2 > pairs.len())
                .max_by_key(|(_, (same, _))| *same)
                .map(|(j, _)| j)?;
            used[j] = true;
            Some(j)
        })
        .collect()
}

/// The before-key's positions in `after` (empty when a key column is gone).
fn before_key_in(before: &TableRows, after: &TableRows) -> Vec<usize> {
    let mapped: Option<Vec<usize>> = before
        .key
        .iter()
        .map(|&i| after.column(&before.columns[i].0))
        .collect();
    mapped.unwrap_or_default()
}

/// Rows and values of `before` that `after` lost or changed. Tables gone
/// after are dropped (intended); columns gone are dropped, columns whose
/// type changed are converted (intended); new columns are not compared.
pub fn lost_or_changed(before: &Snapshot, after: &Snapshot) -> Vec<Change> {
    let mut out = Vec::new();
    for (table, b) in before {
        let Some(a) = after.get(table) else { continue };
        let a_key = before_key_in(b, a);
        if b.key.is_empty() || a_key.len() != b.key.len() {
            // No key to follow rows by: the count is what can be judged.
            if a.rows.len() < b.rows.len() {
                out.push(Change::RowsLost {
                    table: table.clone(),
                    before: b.rows.len(),
                    after: a.rows.len(),
                    missing: Vec::new(),
                });
            }
            if !b.key.is_empty() || !a_key.is_empty() {
                continue;
            }
        }
        let map = column_map(b, a);
        let b_rows = b.by_key(&b.key);
        let a_rows = a.by_key(&a_key);
        // In the order the rows were read (insertion order on both backends).
        let missing: Vec<String> = b
            .rows
            .iter()
            .map(|r| key_text(b, &b.key, r))
            .filter(|k| !a_rows.contains_key(k))
            .collect();
        if !missing.is_empty() && !b.key.is_empty() {
            out.push(Change::RowsLost {
                table: table.clone(),
                before: b.rows.len(),
                after: a.rows.len(),
                missing,
            });
        }
        if b.key.is_empty() {
            continue;
        }
        for (k, r) in &b_rows {
            let Some(ar) = a_rows.get(k) else { continue };
            for (i, j) in map.iter().enumerate() {
                let Some(j) = *j else { continue };
                if r.get(i) != ar.get(j) {
                    out.push(Change::Value {
                        table: table.clone(),
                        row: k.clone(),
                        column: a.columns[j].0.clone(),
                        before: r[i].clone(),
                        after: ar[j].clone(),
                    });
                }
            }
        }
    }
    out
}

/// A difference between the two backends' rows of one table.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    /// The table.
    pub table: String,
    /// The row's key.
    pub row: String,
    /// The column; `None` when the row exists on one side only.
    pub column: Option<String>,
    /// The left (PostgreSQL) value; `None` when the row is absent there.
    pub left: Option<Value>,
    /// The right (SQLite) value.
    pub right: Option<Value>,
}

/// Where the backends' rows differ, over the tables and columns both have
/// with the same type. `skip(table, column, row)` leaves out cells whose
/// values a database made itself (a `now` or random default).
pub fn diverging(
    left: &Snapshot,
    right: &Snapshot,
    skip: &dyn Fn(&str, &str, &str) -> bool,
) -> Vec<Divergence> {
    let mut out = Vec::new();
    for (table, l) in left {
        let Some(r) = right.get(table) else { continue };
        let r_key: Option<Vec<usize>> = l.key.iter().map(|&i| r.column(&l.columns[i].0)).collect();
        let Some(r_key) = r_key else { continue };
        let l_rows = l.by_key(&l.key);
        let r_rows = r.by_key(&r_key);
        for (k, lr) in &l_rows {
            match r_rows.get(k) {
                None => out.push(Divergence {
                    table: table.clone(),
                    row: k.clone(),
                    column: None,
                    left: Some(Value::Text("(row present)".into())),
                    right: None,
                }),
                Some(rr) => {
                    for (i, (name, ty)) in l.columns.iter().enumerate() {
                        let Some(j) = r.column(name) else { continue };
                        if r.columns[j].1 != *ty || skip(table, name, k) {
                            continue;
                        }
                        if lr.get(i) != rr.get(j) {
                            out.push(Divergence {
                                table: table.clone(),
                                row: k.clone(),
                                column: Some(name.clone()),
                                left: lr.get(i).cloned(),
                                right: rr.get(j).cloned(),
                            });
                        }
                    }
                }
            }
        }
        for k in r_rows.keys().filter(|k| !l_rows.contains_key(*k)) {
            out.push(Divergence {
                table: table.clone(),
                row: k.clone(),
                column: None,
                left: None,
                right: Some(Value::Text("(row present)".into())),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn backends_decode_to_the_same_values() {
        let ts = "2000-02-29T23:59:59.999999Z";
        assert_eq!(
            decode(Backend::Postgres, ColumnType::Timestamp, json!(ts)),
            decode(
                Backend::Sqlite,
                ColumnType::Timestamp,
                json!("2000-02-29 23:59:59.999999")
            )
        );
        assert_eq!(format_instant(951_868_799_999_999), ts);
        assert_eq!(
            format_instant(-62_135_596_800_000_000),
            "0001-01-01T00:00:00.000000Z"
        );
        assert_eq!(
            decode(Backend::Sqlite, ColumnType::Bool, json!("t")),
            decode(Backend::Postgres, ColumnType::Bool, json!(true))
        );
        assert_eq!(
            decode(Backend::Sqlite, ColumnType::Bool, json!(0)),
            Value::Bool(false)
        );
        let pg_uuid = decode(
            Backend::Postgres,
            ColumnType::Uuid,
            json!("00ff00000000000000000000000000ab"),
        );
        assert_eq!(
            pg_uuid,
            decode(
                Backend::Sqlite,
                ColumnType::Uuid,
                json!("00FF00000000000000000000000000AB")
            )
        );
        // A UUID kept as hyphenated TEXT on SQLite reads as the same value;
        // text that is no UUID stays what it is.
        assert_eq!(
            pg_uuid,
            decode(
                Backend::Sqlite,
                ColumnType::Uuid,
                json!("00ff0000-0000-0000-0000-0000000000ab")
            )
        );
        assert!(matches!(
            decode(Backend::Sqlite, ColumnType::Uuid, json!("not-a-uuid")),
            Value::Other(s) if s == "not-a-uuid"
        ));
        assert_eq!(
            hyphenated(&[0xab; 16]),
            "abababab-abab-abab-abab-abababababab"
        );
        assert_eq!(
            decode(
                Backend::Postgres,
                ColumnType::Json,
                json!("{\"a\": 1, \"b\": [true]}")
            ),
            decode(
                Backend::Sqlite,
                ColumnType::Json,
                json!("{\"b\":[true],\"a\":1}")
            )
        );
        assert!(matches!(
            decode(Backend::Sqlite, ColumnType::Integer, json!("seven")),
            Value::Other(s) if s == "seven"
        ));
        assert_eq!(
            decode(
                Backend::Sqlite,
                ColumnType::Double,
                json!("1.7976931348623157e+308")
            ),
            Value::Float(f64::MAX)
        );
    }

    fn rows(cols: &[(&str, ColumnType)], key: &[usize], rows: Vec<Vec<Value>>) -> TableRows {
        TableRows {
            columns: cols.iter().map(|(c, t)| (c.to_string(), *t)).collect(),
            key: key.to_vec(),
            rows,
        }
    }

    #[test]
    fn losses_and_changes_follow_renames_and_ignore_drops() {
        let text = ColumnType::Text { max_len: None };
        let before: Snapshot = [(
            "t".to_string(),
            rows(
                &[("id", ColumnType::Integer), ("old", text), ("gone", text)],
                &[0],
                vec![
                    vec![Value::Int(1), Value::Text("a".into()), Value::Null],
                    vec![Value::Int(2), Value::Text("b".into()), Value::Null],
                    vec![Value::Int(3), Value::Text("c".into()), Value::Null],
                ],
            ),
        )]
        .into();
        let after: Snapshot = [(
            "t".to_string(),
            rows(
                &[("id", ColumnType::Integer), ("new", text)],
                &[0],
                vec![
                    vec![Value::Int(1), Value::Text("a".into())],
                    vec![Value::Int(2), Value::Text("b".into())],
                ],
            ),
        )]
        .into();
        let got = lost_or_changed(&before, &after);
        assert_eq!(
            got,
            vec![Change::RowsLost {
                table: "t".into(),
                before: 3,
                after: 2,
                missing: vec!["id=3".into()]
            }]
        );
        // All three rows kept, one value changed on the way through a
        // rename: "old" still matches "new" in most rows, so the change is
        // reported under the new name.
        let renamed = |values: [&str; 3]| -> Snapshot {
            [(
                "t".to_string(),
                rows(
                    &[("id", ColumnType::Integer), ("new", text)],
                    &[0],
                    (1..=3)
                        .zip(values)
                        .map(|(i, v)| vec![Value::Int(i), Value::Text(v.into())])
                        .collect(),
                ),
            )]
            .into()
        };
        let got = lost_or_changed(&before, &renamed(["a", "B", "c"]));
        assert!(
            matches!(
                got.as_slice(),
                [Change::Value { row, column, before: Value::Text(b), after: Value::Text(a), .. }]
                    if row == "id=2" && column == "new" && b == "b" && a == "B"
            ),
            "{got:?}"
        );
        // A new column that matches in fewer than half the rows is an added
        // column, and the old one was dropped: nothing to report.
        assert!(lost_or_changed(&before, &renamed(["A", "B", "c"])).is_empty());
        assert!(lost_or_changed(&before, &before).is_empty());
        let d = diverging(&before, &after, &|_, _, _| false);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].row, "id=3");
    }
}
