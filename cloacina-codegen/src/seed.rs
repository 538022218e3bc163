//! Seeding for the data-carrying replay: deterministic rows for every table
//! of an introspected database.
//!
//! Rows are made from the neutral model ([`Schema`] as introspection reads
//! it), never from the backend, so both backends receive the same values:
//! the value of a cell depends only on the table, the column, its neutral
//! type and the table's row counter. The first rows of a table carry the
//! boundaries of every type (NULLs, `i64` extremes, empty and long strings,
//! Unicode, the first and last representable timestamps at microsecond
//! precision, all-zero and all-one UUID bytes, JSON scalars and documents);
//! later rows carry ordinary values that stay distinct per column, so an
//! index made unique later does not fail on seeded duplicates.
//!
//! Keys, uniques, `IN (...)` checks and foreign keys are satisfied by
//! construction (parents are filled first; a child row points at a parent
//! row seeded in the same round). Checks the seeder cannot read (raw SQL)
//! are met by trying the row again with tame values; a row refused even
//! then is recorded in a [`SeedNote`] with the database's reason, never
//! dropped silently.
//!
//! On SQLite, a boolean column of a table that is not `STRICT` receives the
//! representations a legacy project really stores, varied across rows:
//! `0`/`1` and `'t'`/`'f'`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::introspect::Database;
use crate::model::{Backend, CheckExpr, ColumnType, Literal, Schema, Table};
use crate::rows::{quote_ident, Value};

/// Rows added to every table before each migration.
pub const ROWS_PER_ROUND: u64 = 12;

/// A table that was not (or not fully) seeded, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeedNote {
    /// The migration the rows were meant to go through.
    pub migration: String,
    /// `postgres` or `sqlite`.
    pub backend: String,
    /// The table.
    pub table: String,
    /// How many of the generated rows the database refused.
    pub refused: u64,
    /// How many rows were offered.
    pub offered: u64,
    /// The database's reason for the first refusal.
    pub reason: String,
}

/// What a seeding round carries over to the next one, per backend.
#[derive(Debug, Default)]
pub struct SeedState {
    /// The next row number per table.
    next: HashMap<String, u64>,
    /// SQLite columns `(table, column)` that hold UUIDs as hyphenated TEXT
    /// (a hand-kept representation convention): their seeded UUIDs are
    /// written as text, the same value PostgreSQL receives as a `UUID`.
    pub text_uuids: BTreeSet<(String, String)>,
}

/// One generated row: its values in the table's column order.
type Row = Vec<Value>;

/// How a value is spelled for the database.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Spelling {
    /// Varied legacy representations (SQLite booleans as `'t'`/`'f'`).
    Legacy,
    /// The type map's representation.
    Canonical,
}

/// The tables of `schema` in an order that puts referenced tables first
/// (cycles are broken in declaration order).
fn parents_first(schema: &Schema) -> Vec<&Table> {
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    let mut rest: Vec<&Table> = schema.tables.iter().collect();
    while !rest.is_empty() {
        let ready = rest.iter().position(|t| {
            t.foreign_keys
                .iter()
                .all(|fk| fk.ref_table == t.name || done.contains(fk.ref_table.as_str()))
        });
        let t = rest.remove(ready.unwrap_or(0));
        done.insert(t.name.as_str());
        out.push(t);
    }
    out
}

/// FNV-1a of a name: spreads NULLs and choices over rows per column.
fn spread(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Columns that belong to the primary key or to a unique constraint or
/// unique index: their values must differ between rows.
fn keyed(t: &Table) -> BTreeSet<&str> {
    let mut k: BTreeSet<&str> = t.primary_key.iter().map(String::as_str).collect();
    for u in &t.uniques {
        k.extend(u.columns.iter().map(String::as_str));
    }
    for i in t.indexes.iter().filter(|i| i.unique) {
        k.extend(i.columns.iter().map(|c| c.column.as_str()));
    }
    k
}

const LONG_LEN: usize = 4000;

fn text_boundary(i: u64) -> Option<String> {
    Some(match i {
        0 => String::new(),
        1 => "Grüße, 世界 🦀 'quoted' \"double\" \\back\tslash\nnewline".into(),
        2 => format!("{}é", "x".repeat(LONG_LEN)),
        3 => " padded ".into(),
        4 => "NULL".into(),
        _ => return None,
    })
}

/// Microseconds since the Unix epoch of the boundary timestamps.
fn timestamp_boundary(i: u64) -> Option<i64> {
    Some(match i {
        0 => 0,
        1 => -62_135_596_800_000_000, // 0001-01-01T00:00:00.000000Z
        2 => 253_402_300_799_999_999, // 9999-12-31T23:59:59.999999Z
        3 => 951_868_799_999_999,     // 2000-02-29T23:59:59.999999Z
        4 => 1_719_750_896_000_001,   // 2024-06-30T12:34:56.000001Z
        5 => -1,                      // 1969-12-31T23:59:59.999999Z
        _ => return None,
    })
}

/// The canonical text of the `n`th value of a calendar column: the ends of
/// the range, a leap day and the smallest fraction first when `boundary`.
fn calendar_value(ty: ColumnType, n: u64, boundary: bool) -> String {
    let dates = ["0001-01-01", "9999-12-31", "2000-02-29", "1970-01-01"];
    let times = [
        "00:00:00",
        "23:59:59.999999",
        "12:00:00.000001",
        "00:00:00.500000",
    ];
    let date = match (boundary, dates.get(n as usize)) {
        (true, Some(d)) => d.to_string(),
        _ => format!("2020-{:02}-{:02}", 1 + n % 12, 1 + n % 28),
    };
    let time = match (boundary, times.get(n as usize)) {
        (true, Some(t)) => t.to_string(),
        _ => {
            let whole = format!("{:02}:{:02}:{:02}", n % 24, (n * 7) % 60, (n * 13) % 60);
            match (n * 1_001) % 1_000_000 {
                0 => whole,
                f => format!("{whole}.{f:06}"),
            }
        }
    };
    match ty {
        ColumnType::Date => date,
        ColumnType::Time => time,
        _ => format!("{date} {time}"),
    }
}

fn json_boundary(i: u64) -> Option<serde_json::Value> {
    use serde_json::json;
    Some(match i {
        0 => json!({}),
        1 => json!([]),
        2 => {
            json!({"k": "Grüße 🦀", "n": [1, -2, 9_223_372_036_854_775_807i64], "nested": {"a": null, "b": true}})
        }
        3 => json!("a string"),
        4 => json!(0),
        5 => serde_json::Value::Null,
        _ => return None,
    })
}

/// The value of row `n` of column `column` (of type `ty`) in `table`.
fn generate(
    table: &str,
    column: &crate::model::Column,
    in_list: Option<&[Literal]>,
    n: u64,
    is_keyed: bool,
    tame: bool,
    json_text: bool,
) -> Value {
    let h = spread(&format!("{table}.{}", column.name));
    let boundary = !tame && !column.auto_increment;
    // One NULL right after the boundaries, then about one row in four.
    if column.nullable
        && !is_keyed
        && !column.auto_increment
        && n >= 6
        && (n == 6 || (n + h) % 4 == 0)
    {
        return Value::Null;
    }
    if let Some(values) = in_list.filter(|v| !v.is_empty()) {
        let pick = &values[((n + h) % values.len() as u64) as usize];
        return match pick {
            Literal::Text(s) => Value::Text(s.clone()),
            Literal::Int(i) => Value::Int(*i),
        };
    }
    let ints = |min: i64, max: i64| -> Value {
        if column.auto_increment {
            return Value::Int(1_000_000 + n as i64);
        }
        let b = [0, min, max, -1, 1];
        match (boundary, b.get(n as usize)) {
            (true, Some(v)) => Value::Int(*v),
            _ => Value::Int(100 + n as i64),
        }
    };
    if let (ColumnType::Text { .. }, true) = (column.ty, json_text) {
        let j = json_boundary(n).filter(|_| boundary);
        return Value::Text(
            j.unwrap_or_else(|| serde_json::json!({ "n": n }))
                .to_string(),
        );
    }
    match column.ty {
        ColumnType::SmallInt => ints(i16::MIN.into(), i16::MAX.into()),
        ColumnType::Integer => ints(i32::MIN.into(), i32::MAX.into()),
        ColumnType::BigInt => ints(i64::MIN, i64::MAX),
        ColumnType::Text { max_len } => {
            let s = match text_boundary(n).filter(|_| boundary) {
                Some(s) => s,
                None => format!("v{n} ü"),
            };
            match max_len {
                Some(m) => Value::Text(s.chars().take(m as usize).collect()),
                None => Value::Text(s),
            }
        }
        ColumnType::Bool => Value::Bool((n + h) % 2 == 1),
        ColumnType::Timestamp => match timestamp_boundary(n).filter(|_| boundary) {
            Some(us) => Value::Instant(us),
            // 2020-01-01T00:00:00Z plus n seconds and n microseconds.
            None => Value::Instant(1_577_836_800_000_000 + n as i64 * 1_000_001),
        },
        // Values a 32-bit float holds exactly, printed alike by both backends.
        ColumnType::Float => {
            let b = [0.0f32, 65504.0, -0.5, 1.0e-3, 16_777_216.0];
            match (boundary, b.get(n as usize)) {
                (true, Some(v)) => Value::Float(f64::from(*v)),
                _ => Value::Float(f64::from(n as f32) + 0.25),
            }
        }
        ColumnType::NaiveTimestamp | ColumnType::Date | ColumnType::Time => {
            Value::Text(calendar_value(column.ty, n, boundary))
        }
        ColumnType::Decimal { precision, scale } => {
            let max = crate::decimal::max_units(precision);
            // Zero, both ends of the range, the smallest step either side.
            let b = [0, max, -max, -1, 1];
            let units = match (boundary, b.get(n as usize)) {
                (true, Some(v)) => *v,
                _ => (100 + n as i64 * 37) % (max + 1),
            };
            Value::Text(crate::decimal::format_units(units, scale))
        }
        ColumnType::Double => {
            let b = [0.0, f64::MAX, f64::MIN_POSITIVE, -1.5e300, 1.0e-300, -0.5];
            match (boundary, b.get(n as usize)) {
                (true, Some(v)) => Value::Float(*v),
                _ => Value::Float(n as f64 + 0.25),
            }
        }
        ColumnType::Uuid => {
            let mut bytes = [0u8; 16];
            match (boundary, n) {
                (true, 0) => {}
                (true, 1) => bytes = [0xff; 16],
                _ => {
                    bytes[..8].copy_from_slice(&h.to_be_bytes());
                    bytes[8..].copy_from_slice(&n.to_be_bytes());
                }
            }
            Value::Bytes(bytes.to_vec())
        }
        ColumnType::Binary => match (boundary, n) {
            (true, 0) => Value::Bytes(Vec::new()),
            (true, 1) => Value::Bytes((0..=255).collect()),
            (true, 2) => Value::Bytes(vec![0]),
            _ => Value::Bytes(n.to_be_bytes().to_vec()),
        },
        ColumnType::Json => match json_boundary(n).filter(|_| boundary) {
            Some(j) => Value::Json(j),
            None => Value::Json(serde_json::json!({ "n": n, "s": "ü" })),
        },
    }
}

/// Which columns get tame values instead of boundaries.
#[derive(Clone, Debug, Default)]
enum Tame {
    /// None: boundaries where the row number calls for them.
    #[default]
    None,
    /// These columns.
    Columns(BTreeSet<String>),
    /// Every column.
    All,
}

impl Tame {
    fn covers(&self, column: &str) -> bool {
        match self {
            Tame::None => false,
            Tame::Columns(c) => c.contains(column),
            Tame::All => true,
        }
    }
}

/// The columns of the checks that a refusal message names (SQLite prints
/// the constraint's name or its expression, PostgreSQL its name).
fn refused_columns(t: &Table, message: &str) -> BTreeSet<String> {
    let lower = message.to_ascii_lowercase();
    let mut out = BTreeSet::new();
    for c in &t.checks {
        let sql = [Backend::Postgres, Backend::Sqlite]
            .iter()
            .filter_map(|b| c.expr.raw_for(*b))
            .collect::<Vec<_>>()
            .join(" ");
        let named = c
            .name
            .as_deref()
            .is_some_and(|n| lower.contains(&n.to_ascii_lowercase()));
        let squeeze = |s: &str| -> String {
            s.chars()
                .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '"' | '`'))
                .collect()
        };
        let spelled = [Backend::Postgres, Backend::Sqlite]
            .iter()
            .filter_map(|b| c.expr.raw_for(*b))
            .any(|e| squeeze(&lower).contains(&squeeze(&e.to_ascii_lowercase())));
        if !(named || spelled) {
            continue;
        }
        let words: BTreeSet<String> = crate::normalize::tokenize(&sql)
            .into_iter()
            .filter_map(|tok| match tok {
                crate::normalize::Tok::Ident(i) => Some(i),
                _ => None,
            })
            .collect();
        out.extend(
            t.columns
                .iter()
                .filter(|col| words.contains(&col.name.to_ascii_lowercase()))
                .map(|col| col.name.clone()),
        );
    }
    out
}

/// The `IN (...)` list that constrains `column`, if any.
/// A hand-kept boolean check (`c IS NULL OR c IN (0, 1)`) counts as the
/// list `0, 1`.
fn in_list<'a>(t: &'a Table, column: &str) -> Option<&'a [Literal]> {
    const BOOL: &[Literal] = &[Literal::Int(0), Literal::Int(1)];
    t.checks.iter().find_map(|c| match &c.expr {
        CheckExpr::In { column: c, values } if c == column => Some(values.as_slice()),
        CheckExpr::Raw { sql: Some(sql), .. }
            if crate::normalize::bool_check_column(sql).as_deref() == Some(column) =>
        {
            Some(BOOL)
        }
        _ => None,
    })
}

/// Whether a check of `t` says `column` holds JSON text (`json_valid(c)`,
/// or a hand-kept `c::json IS NOT NULL`).
fn json_checked(t: &Table, column: &str) -> bool {
    t.checks.iter().any(|k| match &k.expr {
        CheckExpr::JsonValid { column: c } => c == column,
        CheckExpr::Raw { sql: Some(sql), .. } => {
            crate::normalize::json_validity_column(sql).as_deref() == Some(column)
        }
        _ => false,
    })
}

/// Builds row `n` (row `index` of this round) of `t`. Foreign key columns
/// point at row `index` of the parent's rows of this round (or the row
/// itself for a self reference); `None` when a required parent has no row.
fn build_row(
    t: &Table,
    n: u64,
    index: usize,
    tame: &Tame,
    parents: &BTreeMap<String, (Vec<String>, Vec<Row>)>,
) -> Option<Row> {
    let keys = keyed(t);
    let mut row: Row = t
        .columns
        .iter()
        .map(|c| {
            generate(
                &t.name,
                c,
                in_list(t, &c.name),
                n,
                keys.contains(c.name.as_str()),
                tame.covers(&c.name),
                json_checked(t, &c.name),
            )
        })
        .collect();
    for fk in &t.foreign_keys {
        let source: Option<Vec<Value>> = if fk.ref_table == t.name {
            fk.ref_columns
                .iter()
                .map(|rc| {
                    t.columns
                        .iter()
                        .position(|c| &c.name == rc)
                        .map(|i| row[i].clone())
                })
                .collect()
        } else {
            parents.get(&fk.ref_table).and_then(|(cols, rows)| {
                if rows.is_empty() {
                    return None;
                }
                let parent = &rows[index % rows.len()];
                fk.ref_columns
                    .iter()
                    .map(|rc| cols.iter().position(|c| c == rc).map(|i| parent[i].clone()))
                    .collect()
            })
        };
        for (k, col) in fk.columns.iter().enumerate() {
            let Some(i) = t.columns.iter().position(|c| &c.name == col) else {
                continue;
            };
            match source.as_ref().and_then(|s| s.get(k)) {
                Some(v) => row[i] = v.clone(),
                None if t.columns[i].nullable => row[i] = Value::Null,
                None => return None,
            }
        }
    }
    Some(row)
}

/// The SQL literal of `v` for a column of `ty` on `backend`.
fn literal(
    backend: Backend,
    ty: ColumnType,
    v: &Value,
    spelling: Spelling,
    n: u64,
    text_uuid: bool,
) -> String {
    let text = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    match (backend, v) {
        (Backend::Sqlite, Value::Bytes(b)) if text_uuid && ty == ColumnType::Uuid => {
            text(&crate::rows::hyphenated(b))
        }
        (_, Value::Null) => "NULL".into(),
        // The canonical text as SQLite's integer times 10^S.
        (Backend::Sqlite, Value::Text(s)) if matches!(ty, ColumnType::Decimal { .. }) => {
            let ColumnType::Decimal { precision, scale } = ty else {
                return text(s);
            };
            crate::decimal::parse_units(s, precision, scale)
                .map_or_else(|_| text(s), |u| u.to_string())
        }
        (_, Value::Int(i)) => i.to_string(),
        (_, Value::Float(f)) => format!("{f:?}"),
        (_, Value::Text(s)) | (_, Value::Other(s)) => text(s),
        (_, Value::Json(j)) => text(&j.to_string()),
        (_, Value::Instant(us)) => text(&crate::rows::format_instant(*us)),
        (Backend::Postgres, Value::Bool(b)) => if *b { "TRUE" } else { "FALSE" }.into(),
        (Backend::Sqlite, Value::Bool(b)) => match (spelling, n % 2) {
            (Spelling::Legacy, 1) => if *b { "'t'" } else { "'f'" }.into(),
            _ => if *b { "1" } else { "0" }.into(),
        },
        (Backend::Postgres, Value::Bytes(b)) if ty == ColumnType::Uuid => text(&hex(b)),
        (Backend::Postgres, Value::Bytes(b)) => format!("'\\x{}'", hex(b)),
        (Backend::Sqlite, Value::Bytes(b)) => format!("X'{}'", hex(b)),
    }
}

fn insert_sql(
    backend: Backend,
    t: &Table,
    rows: &[(u64, Row)],
    spelling: Spelling,
    text_uuids: &BTreeSet<(String, String)>,
) -> String {
    let cols: Vec<String> = t.columns.iter().map(|c| quote_ident(&c.name)).collect();
    let values: Vec<String> = rows
        .iter()
        .map(|(n, row)| {
            let v: Vec<String> = t
                .columns
                .iter()
                .zip(row)
                .map(|(c, v)| {
                    let as_text = text_uuids.contains(&(t.name.clone(), c.name.clone()));
                    literal(backend, c.ty, v, spelling, *n, as_text)
                })
                .collect();
            format!("({})", v.join(", "))
        })
        .collect();
    let overriding = match backend {
        Backend::Postgres => " OVERRIDING SYSTEM VALUE",
        Backend::Sqlite => "",
    };
    format!(
        "INSERT INTO {} ({}){overriding} VALUES {}",
        quote_ident(&t.name),
        cols.join(", "),
        values.join(", ")
    )
}

/// Runs `sql` inside a savepoint; on failure rolls back to it and returns
/// the database's message.
fn attempt(db: &mut Database, sql: &str) -> std::result::Result<(), String> {
    db.execute("SAVEPOINT cloacina_seed", false)?;
    match db.execute(sql, false) {
        Ok(()) => db.execute("RELEASE SAVEPOINT cloacina_seed", false),
        Err(e) => {
            db.execute(
                "ROLLBACK TO SAVEPOINT cloacina_seed; RELEASE SAVEPOINT cloacina_seed",
                false,
            )?;
            Err(e)
        }
    }
}

/// Adds [`ROWS_PER_ROUND`] rows to every table of `schema` (the database's
/// own introspected structure), parents first, in one transaction.
/// `legacy_bools` names the SQLite tables whose booleans may be stored as
/// `'t'`/`'f'` (tables that are not `STRICT`). Returns what was refused.
///
/// # Errors
///
/// The database's message when the transaction itself fails.
pub fn seed(
    db: &mut Database,
    schema: &Schema,
    legacy_bools: &BTreeSet<String>,
    state: &mut SeedState,
    migration: &str,
) -> std::result::Result<Vec<SeedNote>, String> {
    let backend = db.backend();
    let mut notes = Vec::new();
    let mut seeded: BTreeMap<String, (Vec<String>, Vec<Row>)> = BTreeMap::new();
    db.execute("BEGIN", false)?;
    for t in parents_first(schema) {
        if t.columns.is_empty() {
            continue;
        }
        let start = state.next.get(&t.name).copied().unwrap_or(0);
        state.next.insert(t.name.clone(), start + ROWS_PER_ROUND);
        let spelling = if backend == Backend::Sqlite && legacy_bools.contains(&t.name) {
            Spelling::Legacy
        } else {
            Spelling::Canonical
        };
        let mut accepted: Vec<Row> = Vec::new();
        let mut refused = 0u64;
        let mut reason: Option<String> = None;
        let mut wanted: Vec<(u64, Row)> = Vec::new();
        for (index, n) in (start..start + ROWS_PER_ROUND).enumerate() {
            match build_row(t, n, index, &Tame::None, &seeded) {
                Some(r) => wanted.push((n, r)),
                None => {
                    refused += 1;
                    reason.get_or_insert_with(|| {
                        "a NOT NULL foreign key points at a table that holds no seeded row".into()
                    });
                }
            }
        }
        if !wanted.is_empty()
            && attempt(
                db,
                &insert_sql(backend, t, &wanted, spelling, &state.text_uuids),
            )
            .is_ok()
        {
            accepted.extend(wanted.into_iter().map(|(_, r)| r));
        } else {
            // Row by row: as generated; in the type map's spelling; with
            // the columns of the refusing check tamed (as often as the
            // refusals name new columns); all tame.
            for (index, (n, row)) in wanted.into_iter().enumerate() {
                let mut tame = BTreeSet::new();
                let mut next = Some((row, spelling));
                let mut tried_all = false;
                let mut done = false;
                let mut tries = 0;
                let mut last_error = String::new();
                while let Some((r, s)) = next.take() {
                    tries += 1;
                    let e = match attempt(
                        db,
                        &insert_sql(backend, t, &[(n, r.clone())], s, &state.text_uuids),
                    ) {
                        Ok(()) => {
                            accepted.push(r);
                            done = true;
                            break;
                        }
                        Err(e) => e,
                    };
                    let more = refused_columns(t, &e);
                    last_error = e;
                    if s == Spelling::Legacy {
                        next = Some((r, Spelling::Canonical));
                    } else if tries < 8 && !more.is_subset(&tame) {
                        tame.extend(more);
                        next = build_row(t, n, index, &Tame::Columns(tame.clone()), &seeded)
                            .map(|r| (r, Spelling::Canonical));
                    } else if !tried_all {
                        tried_all = true;
                        next = build_row(t, n, index, &Tame::All, &seeded)
                            .map(|r| (r, Spelling::Canonical));
                    }
                }
                if !done {
                    refused += 1;
                    reason.get_or_insert(last_error);
                }
            }
        }
        if refused > 0 {
            notes.push(SeedNote {
                migration: migration.to_string(),
                backend: backend.name().to_string(),
                table: t.name.clone(),
                refused,
                offered: ROWS_PER_ROUND,
                reason: reason.unwrap_or_default(),
            });
        }
        let cols = t.columns.iter().map(|c| c.name.clone()).collect();
        seeded.insert(t.name.clone(), (cols, accepted));
    }
    db.execute("COMMIT", false)?;
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Column;

    fn col(name: &str, ty: ColumnType, nullable: bool) -> Column {
        Column {
            name: name.into(),
            sql_name: None,
            docs: vec![],
            ty,
            nullable,
            default: None,
            auto_increment: false,
            renamed_from: None,
            span: Default::default(),
            ty_span: Default::default(),
        }
    }

    #[test]
    fn boundaries_come_first_and_later_values_stay_distinct() {
        let c = col("n", ColumnType::BigInt, false);
        let got: Vec<Value> = (0..8)
            .map(|n| generate("t", &c, None, n, false, false, false))
            .collect();
        assert_eq!(got[1], Value::Int(i64::MIN));
        assert_eq!(got[2], Value::Int(i64::MAX));
        assert_eq!(got[6], Value::Int(106));
        let nullable = col("x", ColumnType::Text { max_len: Some(3) }, true);
        assert_eq!(
            generate("t", &nullable, None, 6, false, false, false),
            Value::Null
        );
        assert_eq!(
            generate("t", &nullable, None, 2, false, false, false),
            Value::Text("xxx".into())
        );
        let tame = generate("t", &c, None, 1, false, true, false);
        assert_eq!(tame, Value::Int(101));
        let status = [Literal::Text("A".into()), Literal::Text("B".into())];
        assert!(matches!(
            generate("t", &col("s", ColumnType::Text { max_len: None }, false), Some(&status), 3, false, false, false),
            Value::Text(s) if s == "A" || s == "B"
        ));
    }

    #[test]
    fn a_refusal_names_the_columns_of_its_check() {
        use crate::model::Check;
        let raw = |name: Option<&str>, sql: &str| Check {
            name: name.map(str::to_string),
            expr: CheckExpr::Raw {
                sql: Some(sql.into()),
                postgres: None,
                sqlite: None,
            },
            span: Default::default(),
        };
        let t = Table {
            name: "posts".into(),
            sql_name: None,
            docs: vec![],
            scope: Default::default(),
            columns: vec![
                col("score", ColumnType::Integer, false),
                col("title", ColumnType::Text { max_len: None }, false),
            ],
            primary_key: vec![],
            foreign_keys: vec![],
            uniques: vec![],
            checks: vec![
                raw(Some("posts_score_check"), "score >= 0"),
                raw(None, "length(title) > 0"),
            ],
            indexes: vec![],
            renamed_from: None,
            span: Default::default(),
        };
        let cols = |m: &str| refused_columns(&t, m).into_iter().collect::<Vec<_>>();
        assert_eq!(
            cols("new row for relation \"posts\" violates check constraint \"posts_score_check\""),
            ["score"]
        );
        assert_eq!(cols("CHECK constraint failed: length(title)>0"), ["title"]);
        assert!(cols("UNIQUE constraint failed: posts.title").is_empty());
    }

    #[test]
    fn literals_per_backend() {
        let u = Value::Bytes(vec![0xab; 16]);
        assert_eq!(
            literal(
                Backend::Sqlite,
                ColumnType::Uuid,
                &u,
                Spelling::Canonical,
                0,
                false
            ),
            format!("X'{}'", "ab".repeat(16))
        );
        assert_eq!(
            literal(
                Backend::Postgres,
                ColumnType::Binary,
                &Value::Bytes(vec![1]),
                Spelling::Canonical,
                0,
                false
            ),
            "'\\x01'"
        );
        let b = Value::Bool(true);
        assert_eq!(
            literal(
                Backend::Sqlite,
                ColumnType::Bool,
                &b,
                Spelling::Legacy,
                1,
                false
            ),
            "'t'"
        );
        assert_eq!(
            literal(
                Backend::Sqlite,
                ColumnType::Bool,
                &b,
                Spelling::Legacy,
                2,
                false
            ),
            "1"
        );
        assert_eq!(
            literal(
                Backend::Postgres,
                ColumnType::Bool,
                &b,
                Spelling::Legacy,
                1,
                false
            ),
            "TRUE"
        );
        assert_eq!(
            literal(
                Backend::Sqlite,
                ColumnType::Text { max_len: None },
                &Value::Text("it's".into()),
                Spelling::Canonical,
                0,
                false
            ),
            "'it''s'"
        );
        // A UUID kept as TEXT on SQLite is written hyphenated.
        assert_eq!(
            literal(
                Backend::Sqlite,
                ColumnType::Uuid,
                &u,
                Spelling::Canonical,
                0,
                true
            ),
            "'abababab-abab-abab-abab-abababababab'"
        );
    }
}
