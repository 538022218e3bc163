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
//! Keys, uniques, `IN (...)` checks, comparisons of two columns of one type
//! (`closes_at > opens_at`, `min_len <= max_len`, `a <> b`, also under `AND`
//! and `c IS NULL OR`) and foreign keys are satisfied by construction
//! (parents are filled first; a child row points at a parent row seeded in
//! the same round). Checks the seeder cannot read (raw SQL)
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
use crate::model::{Backend, CheckExpr, ColumnType, Literal, PgType, Schema, Table};
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
        // The seeder cannot invent a value of a type it does not know:
        // such a column is seeded only when NULL or its default will do
        // (`seed` reports a table it cannot fill).
        ColumnType::Custom(_) => Value::Null,
        // A valid label, in turn.
        ColumnType::Enum(e) => {
            let labels = e.labels();
            match labels.get(n as usize % labels.len().max(1)) {
                Some(l) => Value::Text(l.clone()),
                None => Value::Text(String::new()),
            }
        }
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
        ColumnType::Postgres(p) => Value::Text(pg_value(p, n, boundary)),
    }
}

/// A value of a PostgreSQL-only type, as PostgreSQL prints it (`::text`),
/// so that a value read back compares equal to the one written.
fn pg_value(ty: PgType, n: u64, boundary: bool) -> String {
    use crate::model::{PgElem, PgRange};
    let i = n % 1000;
    // A day of January that leaves room for a range's upper bound.
    let d = 1 + n % 27;
    match (ty, boundary && n == 0) {
        (PgType::Array(_) | PgType::Range(_), true) => {
            if matches!(ty, PgType::Range(_)) {
                "empty".into()
            } else {
                "{}".into()
            }
        }
        (PgType::Array(e), false) => match e {
            PgElem::Text => format!("{{v{i},\"a b\"}}"),
            PgElem::SmallInt | PgElem::Integer | PgElem::BigInt => format!("{{{i},-1}}"),
            PgElem::Bool => "{t,f}".into(),
            PgElem::Double | PgElem::Float => format!("{{{i}.25,-0.5}}"),
            PgElem::Binary => format!("{{\"\\\\x{:02x}\"}}", i % 256),
            PgElem::Uuid => format!("{{00000000-0000-4000-8000-{i:012x}}}"),
            PgElem::Timestamp => {
                format!("{{\"2024-01-{d:02} 10:00:00+00\",\"1999-12-31 23:59:59.5+00\"}}")
            }
            PgElem::NaiveTimestamp => {
                format!("{{\"2024-01-{d:02} 10:00:00\",\"1999-12-31 23:59:59.5\"}}")
            }
            PgElem::Date => format!("{{2024-01-{d:02},2024-02-29}}"),
            PgElem::Time => format!("{{10:{:02}:00,23:59:59.999999}}", i % 60),
            // Units of 10^-S below 10, so every precision holds them.
            PgElem::Decimal { scale, .. } => format!(
                "{{{},{}}}",
                crate::decimal::format_units((n % 10) as i64, scale),
                crate::decimal::format_units(-1, scale)
            ),
            PgElem::Json => format!("{{\"{{\\\"n\\\": {i}}}\",[]}}"),
        },
        (PgType::Range(PgRange::Integer | PgRange::BigInt), false) => format!("[{i},{})", i + 10),
        (PgType::Range(PgRange::Timestamp), false) => {
            format!(
                "[\"2024-01-{d:02} 00:00:00+00\",\"2024-01-{:02} 12:30:00+00\")",
                d + 1
            )
        }
        (PgType::Range(PgRange::NaiveTimestamp), false) => {
            format!(
                "[\"2024-01-{d:02} 00:00:00\",\"2024-01-{:02} 12:30:00\")",
                d + 1
            )
        }
        (PgType::Range(PgRange::Date), false) => format!("[2024-01-{d:02},2024-01-{:02})", d + 2),
        // Printed as written: NUMERIC keeps the digits it was given.
        (PgType::Range(PgRange::Numeric), false) => format!("[{i}.5,{}.25)", i + 10),
        (PgType::Interval, _) => format!("{i} days 01:02:03"),
        (PgType::Money, _) => format!("${i}.25"),
        (PgType::Oid, _) => i.to_string(),
        (PgType::MacAddr, _) => format!("08:00:2b:01:02:{:02x}", i % 256),
        (PgType::MacAddr8, _) => format!("08:00:2b:01:02:03:04:{:02x}", i % 256),
        // Mixed case: read back exactly as written (citext keeps the case it
        // stores, only comparisons ignore it).
        (PgType::Citext, _) => format!("Row{i}-MiXeD"),
        (PgType::Inet, _) => format!("192.168.{}.{}/24", i / 256, i % 256),
        (PgType::Cidr, _) => format!("10.{}.0.0/16", i % 256),
        // PostgreSQL prints a tsvector's lexemes quoted and sorted (by
        // length, then bytes; `fat` comes first by either), with positions.
        (PgType::Tsvector, true) => String::new(),
        (PgType::Tsvector, false) => format!("'fat':1 'row{i}':2,3"),
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
/// list `0, 1`. A check as a backend stored it is read through the
/// expression language, so PostgreSQL's spelling of an `IN` list on a
/// `VARCHAR(n)` column (`(c)::text = ANY ((ARRAY['a'::character varying,
/// …])::text[])`) gives its values too.
fn in_list(t: &Table, column: &str) -> Option<Vec<Literal>> {
    let bool_list = || vec![Literal::Int(0), Literal::Int(1)];
    t.checks.iter().find_map(|c| match &c.expr {
        CheckExpr::In { column: c, values } if c == column => Some(values.clone()),
        CheckExpr::Raw { sql: Some(sql), .. }
            if crate::normalize::bool_check_column(sql).as_deref() == Some(column) =>
        {
            Some(bool_list())
        }
        CheckExpr::Raw { sql: Some(sql), .. } => {
            let sql_name = t.column_sql_name(column);
            crate::expr::read_back(sql, t).and_then(|e| allowed_values(&e, sql_name))
        }
        _ => None,
    })
}

/// The literals a check tree allows `column` (SQL name) to hold: `c IN
/// (…)`, `c = 'x'`, either under `c IS NULL OR …`; `None` for any other
/// shape.
fn allowed_values(e: &crate::expr::Expr, column: &str) -> Option<Vec<Literal>> {
    use crate::expr::{CmpOp, Expr, Lit};
    let is_column = |x: &Expr| matches!(x, Expr::Column(c) if c == column);
    let literal = |x: &Expr| match x {
        Expr::Lit(Lit::Text(s)) => Some(Literal::Text(s.clone())),
        Expr::Lit(Lit::Int(i)) => Some(Literal::Int(*i)),
        _ => None,
    };
    match e {
        Expr::In {
            expr,
            list,
            negated: false,
        } if is_column(expr) => list.iter().map(literal).collect(),
        Expr::Cmp(l, CmpOp::Eq, r) if is_column(l) => literal(r).map(|v| vec![v]),
        Expr::Cmp(l, CmpOp::Eq, r) if is_column(r) => literal(l).map(|v| vec![v]),
        Expr::Or(a, b) => match (&**a, &**b) {
            (
                Expr::IsNull {
                    expr,
                    negated: false,
                },
                other,
            )
            | (
                other,
                Expr::IsNull {
                    expr,
                    negated: false,
                },
            ) if is_column(expr) => allowed_values(other, column),
            _ => None,
        },
        _ => None,
    }
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
                in_list(t, &c.name).as_deref(),
                n,
                keys.contains(c.name.as_str()),
                tame.covers(&c.name),
                json_checked(t, &c.name),
            )
        })
        .collect();
    order_compared_columns(t, &mut row);
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

/// A comparison between two columns that a check asks every row to meet:
/// `lo < hi` (strict) or `lo <= hi`, or `a <> b`, by column index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Order {
    Less { lo: usize, hi: usize, strict: bool },
    Differ { a: usize, b: usize },
}

/// The two-column comparisons of `t`'s checks (`closes_at > opens_at`,
/// `min_len <= max_len`, `a <> b`), also under `AND` and under `c IS NULL
/// OR …`, between columns of the same orderable type (any two integer
/// types count as one).
fn column_orders(t: &Table) -> Vec<Order> {
    use crate::expr::{CmpOp, Expr};
    fn walk(t: &Table, e: &Expr, out: &mut Vec<Order>) {
        match e {
            Expr::And(a, b) => {
                walk(t, a, out);
                walk(t, b, out);
            }
            // A NULL already satisfies the check; the other side must hold
            // when the value is there.
            Expr::Or(a, b) if null_test(a) => walk(t, b, out),
            Expr::Or(a, b) if null_test(b) => walk(t, a, out),
            Expr::Cmp(l, op, r) => {
                let (Expr::Column(l), Expr::Column(r)) = (&**l, &**r) else {
                    return;
                };
                let index = |name: &str| t.columns.iter().position(|c| c.sql_name() == name);
                let (Some(l), Some(r)) = (index(l), index(r)) else {
                    return;
                };
                let (a, b) = (t.columns[l].ty, t.columns[r].ty);
                if !(a == b && orderable(a) || a.is_integer() && b.is_integer()) {
                    return;
                }
                out.push(match op {
                    CmpOp::Lt => Order::Less {
                        lo: l,
                        hi: r,
                        strict: true,
                    },
                    CmpOp::Le => Order::Less {
                        lo: l,
                        hi: r,
                        strict: false,
                    },
                    CmpOp::Gt => Order::Less {
                        lo: r,
                        hi: l,
                        strict: true,
                    },
                    CmpOp::Ge => Order::Less {
                        lo: r,
                        hi: l,
                        strict: false,
                    },
                    CmpOp::Ne => Order::Differ { a: l, b: r },
                    CmpOp::Eq => return,
                });
            }
            _ => {}
        }
    }
    /// `c IS NULL`, or several of them under `OR`.
    fn null_test(e: &Expr) -> bool {
        match e {
            Expr::IsNull { negated: false, .. } => true,
            Expr::Or(a, b) => null_test(a) && null_test(b),
            _ => false,
        }
    }
    let mut out = Vec::new();
    for c in &t.checks {
        if let CheckExpr::Raw { sql: Some(sql), .. } = &c.expr {
            if let Some(e) = crate::expr::read_back(sql, t) {
                walk(t, &e, &mut out);
            }
        }
    }
    out
}

/// Types whose seeded values the seeder can order and step.
fn orderable(ty: ColumnType) -> bool {
    ty.is_integer()
        || matches!(
            ty,
            ColumnType::Double
                | ColumnType::Float
                | ColumnType::Timestamp
                | ColumnType::NaiveTimestamp
                | ColumnType::Date
                | ColumnType::Time
                | ColumnType::Text { .. }
        )
}

/// Whether `a < b` (or `a <= b` when not `strict`) for two seeded values of
/// `ty`, or `None` when the seeder cannot tell (text, whose order depends
/// on PostgreSQL's collation, is never taken as already ordered).
fn holds(ty: ColumnType, a: &Value, b: &Value, strict: bool) -> Option<bool> {
    let ord = match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y)?,
        (Value::Instant(x), Value::Instant(y)) => x.cmp(y),
        // Canonical calendar text is fixed-width up to the seconds, so it
        // sorts as the values do.
        (Value::Text(x), Value::Text(y)) if !matches!(ty, ColumnType::Text { .. }) => x.cmp(y),
        _ => return None,
    };
    Some(if strict { ord.is_lt() } else { ord.is_le() })
}

/// A value of `ty` just above (`up`) or just below `v`, within the type's
/// range; `None` at the end of the range.
fn step(ty: ColumnType, v: &Value, up: bool) -> Option<Value> {
    let (min, max) = match ty {
        ColumnType::SmallInt => (i16::MIN.into(), i16::MAX.into()),
        ColumnType::Integer => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN, i64::MAX),
    };
    match v {
        Value::Int(i) => {
            let next = if up {
                i.checked_add(1)?
            } else {
                i.checked_sub(1)?
            };
            (min..=max).contains(&next).then_some(Value::Int(next))
        }
        Value::Float(f) => {
            let delta = if up { 1.0 } else { -1.0 };
            // A 32-bit float's step is taken in 32 bits, so it stays exact.
            let next = match ty {
                ColumnType::Float => f64::from(*f as f32 + delta as f32),
                _ => f + delta,
            };
            (next.is_finite() && next != *f).then_some(Value::Float(next))
        }
        Value::Instant(us) => {
            // Within 0001-01-01 .. 9999-12-31T23:59:59.999999Z.
            let next = if up {
                us.checked_add(1_000_000)?
            } else {
                us.checked_sub(1_000_000)?
            };
            (-62_135_596_800_000_000..=253_402_300_799_999_999)
                .contains(&next)
                .then_some(Value::Instant(next))
        }
        Value::Text(s) => match ty {
            ColumnType::Text { max_len } => {
                // Longer than a prefix of itself sorts after it in every
                // collation; nothing sorts below the empty text.
                if up && max_len.is_none_or(|m| s.chars().count() < m as usize) {
                    Some(Value::Text(format!("{s}~")))
                } else if !up && !s.is_empty() {
                    let mut shorter = s.clone();
                    shorter.pop();
                    Some(Value::Text(shorter))
                } else {
                    None
                }
            }
            _ => step_calendar(ty, s, up).map(Value::Text),
        },
        _ => None,
    }
}

/// The canonical text one second (a day for a date) after or before a
/// calendar value's canonical text, within years 0001..9999.
fn step_calendar(ty: ColumnType, s: &str, up: bool) -> Option<String> {
    use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
    let strip = |t: String| t.strip_suffix(".000000").map(str::to_string).unwrap_or(t);
    let in_range = |d: NaiveDate| (1..=9999).contains(&d.year());
    match ty {
        ColumnType::Date => {
            let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
            let next = if up { d.succ_opt()? } else { d.pred_opt()? };
            in_range(next).then(|| next.format("%Y-%m-%d").to_string())
        }
        ColumnType::Time => {
            let t = NaiveTime::parse_from_str(s, "%H:%M:%S%.f").ok()?;
            let (next, wrapped) = if up {
                t.overflowing_add_signed(Duration::seconds(1))
            } else {
                t.overflowing_sub_signed(Duration::seconds(1))
            };
            (wrapped == 0).then(|| strip(next.format("%H:%M:%S%.6f").to_string()))
        }
        _ => {
            let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").ok()?;
            let next = if up {
                t.checked_add_signed(Duration::seconds(1))?
            } else {
                t.checked_sub_signed(Duration::seconds(1))?
            };
            in_range(next.date()).then(|| strip(next.format("%Y-%m-%d %H:%M:%S%.6f").to_string()))
        }
    }
}

/// Makes `row` meet the two-column comparisons of `t`'s checks: where a
/// pair is out of order, the upper column takes the lower one's value (a
/// step above it for a strict comparison), or, at the end of the type's
/// range, the lower column a step below the upper one. A NULL on either
/// side already meets the check. Rows stay deterministic.
fn order_compared_columns(t: &Table, row: &mut Row) {
    for order in column_orders(t) {
        match order {
            Order::Less { lo, hi, strict } => {
                let ty = t.columns[hi].ty;
                if row[lo] == Value::Null || row[hi] == Value::Null {
                    continue;
                }
                if holds(ty, &row[lo], &row[hi], strict) == Some(true) {
                    continue;
                }
                let raised = if strict {
                    step(ty, &row[lo], true)
                } else {
                    Some(row[lo].clone())
                };
                match raised {
                    Some(v) => row[hi] = v,
                    None => {
                        if let Some(v) = step(t.columns[lo].ty, &row[hi], false) {
                            row[lo] = v;
                        }
                    }
                }
            }
            Order::Differ { a, b } => {
                if row[a] != Value::Null && row[a] == row[b] {
                    let ty = t.columns[b].ty;
                    if let Some(v) = step(ty, &row[b], true).or_else(|| step(ty, &row[b], false)) {
                        row[b] = v;
                    }
                }
            }
        }
    }
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
    // A custom type's column is left to its default (or NULL): the seeder
    // cannot invent a value of a type it does not know (`seed` reports a
    // table whose such column has neither).
    let written = |c: &crate::model::Column| !matches!(c.ty, ColumnType::Custom(_));
    let cols: Vec<String> = t
        .columns
        .iter()
        .filter(|c| written(c))
        .map(|c| quote_ident(&c.name))
        .collect();
    let values: Vec<String> = rows
        .iter()
        .map(|(n, row)| {
            let v: Vec<String> = t
                .columns
                .iter()
                .zip(row)
                .filter(|(c, _)| written(c))
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
        if let Some(c) = t
            .columns
            .iter()
            .find(|c| matches!(c.ty, ColumnType::Custom(_)) && !c.nullable && c.default.is_none())
        {
            notes.push(SeedNote {
                migration: migration.to_string(),
                backend: backend.name().to_string(),
                table: t.name.clone(),
                refused: ROWS_PER_ROUND,
                offered: ROWS_PER_ROUND,
                reason: format!(
                    "column {} has the custom type {} and is NOT NULL without a default: the seeder cannot invent a value of a type it does not know, so this table is checked without rows (give the column a default to check it with rows)",
                    c.name,
                    c.ty.neutral_name()
                ),
            });
            let cols = t.columns.iter().map(|c| c.name.clone()).collect();
            seeded.insert(t.name.clone(), (cols, Vec::new()));
            continue;
        }
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
            primary_key_deferrable: crate::model::Deferrable::No,
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
    fn two_column_comparisons_of_checks_hold_in_every_row() {
        use crate::model::Check;
        let raw = |sql: &str| Check {
            name: None,
            expr: CheckExpr::Raw {
                sql: Some(sql.into()),
                postgres: None,
                sqlite: None,
            },
            span: Default::default(),
        };
        let text = ColumnType::Text { max_len: None };
        let t = Table {
            name: "hours".into(),
            sql_name: None,
            docs: vec![],
            scope: Default::default(),
            columns: vec![
                col("opens_at", ColumnType::NaiveTimestamp, false),
                col("closes_at", ColumnType::NaiveTimestamp, false),
                col("min_len", ColumnType::SmallInt, true),
                col("max_len", ColumnType::Integer, true),
                col("first_day", ColumnType::Date, false),
                col("last_day", ColumnType::Date, false),
                col("starts", ColumnType::Time, false),
                col("ends", ColumnType::Time, false),
                col("low", ColumnType::Float, false),
                col("high", ColumnType::Float, false),
                col("at", ColumnType::Timestamp, false),
                col("until", ColumnType::Timestamp, false),
                col("a", text, false),
                col("b", text, false),
            ],
            primary_key: vec![],
            primary_key_deferrable: crate::model::Deferrable::No,
            foreign_keys: vec![],
            uniques: vec![],
            checks: vec![
                raw("closes_at > opens_at"),
                raw("min_len IS NULL OR max_len IS NULL OR min_len <= max_len"),
                raw("first_day < last_day AND starts < ends"),
                raw("high > low AND until >= at"),
                raw("a <> b"),
            ],
            indexes: vec![],
            renamed_from: None,
            span: Default::default(),
        };
        assert_eq!(column_orders(&t).len(), 7);
        let at = |name: &str| t.columns.iter().position(|c| c.name == name).unwrap_or(0);
        let pairs = [
            ("opens_at", "closes_at", true),
            ("min_len", "max_len", false),
            ("first_day", "last_day", true),
            ("starts", "ends", true),
            ("low", "high", true),
            ("at", "until", false),
        ];
        for tame in [Tame::None, Tame::All] {
            for n in 0..40 {
                let row = build_row(&t, n, 0, &tame, &BTreeMap::new()).unwrap_or_default();
                for (lo, hi, strict) in pairs {
                    let (l, h) = (&row[at(lo)], &row[at(hi)]);
                    if *l == Value::Null || *h == Value::Null {
                        continue;
                    }
                    let ty = t.columns[at(hi)].ty;
                    assert_eq!(
                        holds(ty, l, h, strict),
                        Some(true),
                        "row {n}: {lo} {l:?}, {hi} {h:?}"
                    );
                }
                assert_ne!(row[at("a")], row[at("b")], "row {n}");
                // Every value is still one its type holds.
                for (c, v) in t.columns.iter().zip(&row) {
                    if let (ColumnType::SmallInt, Value::Int(i)) = (c.ty, v) {
                        assert!(i16::try_from(*i).is_ok(), "row {n}: {} {i}", c.name);
                    }
                    if let (ColumnType::Float, Value::Float(f)) = (c.ty, v) {
                        assert_eq!(f64::from(*f as f32), *f, "row {n}: {}", c.name);
                    }
                }
            }
        }
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

    /// PostgreSQL stores `CHECK (s IN ('a', 'b'))` on a `VARCHAR(n)` column
    /// with casts to text and an array; the seeder still offers only the
    /// allowed values (and NULL under `IS NULL OR`).
    #[test]
    fn varchar_in_checks_as_postgres_stores_them_give_the_allowed_values() {
        let mut t = Table::named("t");
        t.columns = vec![
            col("s", ColumnType::Text { max_len: Some(10) }, false),
            col("n", ColumnType::Text { max_len: Some(10) }, true),
            col("k", ColumnType::Integer, false),
        ];
        let raw = |sql: &str| crate::model::Check {
            name: None,
            expr: crate::normalize::check_from_stored(sql),
            span: Default::default(),
        };
        t.checks = vec![
            raw("((s)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))"),
            raw("((n IS NULL) OR ((n)::text = 'x'::text))"),
            raw("(k > 0)"),
        ];
        let text = |v: &[&str]| {
            v.iter()
                .map(|s| Literal::Text(s.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(in_list(&t, "s"), Some(text(&["a", "b"])));
        assert_eq!(in_list(&t, "n"), Some(text(&["x"])));
        assert_eq!(in_list(&t, "k"), None);
        for n in 0..12 {
            let v = generate(
                "t",
                &t.columns[0],
                in_list(&t, "s").as_deref(),
                n,
                false,
                false,
                false,
            );
            assert!(
                matches!(&v, Value::Text(s) if s == "a" || s == "b"),
                "row {n}: {v:?}"
            );
        }
    }
}
