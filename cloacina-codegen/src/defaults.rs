//! Defaults compared by the value each backend produces (`check-parity`).
//!
//! The model holds a default only when it has a neutral spelling (`now`,
//! `uuid`, a literal). Hand-kept migrations write others: `md5(random()::text)`,
//! a fixed timestamp literal, `datetime('now', '+7 days')`,
//! `lower(hex(randomblob(16)))`. Those are never treated as absent, nor as
//! `now`/`uuid`: [`read`] takes each column's default text from the live
//! scratch database and [`judge`] compares the two sides:
//!
//! - a constant default is evaluated on its own backend (`SELECT <expr>`)
//!   and the values are compared by the column's type (instants as
//!   instants, numbers as numbers, text as text);
//! - a volatile default is compared by its kind (the current instant, the
//!   current instant moved, random): two random defaults are the same
//!   representation; what cannot be matched is reported as unknown (a
//!   warning), with both texts.

use diesel::RunQueryDsl;

use crate::compare::{DiffKind, Entry, Severity};
use crate::introspect::{Database, JsonRow};
use crate::model::{ColumnType, Schema};

/// One column's default as its backend stores and produces it.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct RawDefault {
    /// The table.
    #[serde(rename = "t")]
    pub table: String,
    /// The column.
    #[serde(rename = "c")]
    pub column: String,
    /// The default's text, as the catalog stores it.
    #[serde(rename = "d")]
    pub expr: String,
    /// The value `SELECT <expr>` gives, as text (constants only).
    #[serde(skip)]
    pub value: Option<String>,
}

/// What kind of value a default produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultKind {
    /// The same value every time: evaluated and compared.
    Constant,
    /// The current instant.
    Now,
    /// The current instant moved (`now() + interval '7 days'`,
    /// `datetime('now', '+7 days')`).
    NowMoved,
    /// Random (`gen_random_uuid()`, `randomblob(16)`, `md5(random()::text)`).
    Random,
    /// Something else that may change from row to row (`nextval`, a function).
    Volatile,
}

/// The kind of a default's text (either backend's spelling).
pub fn kind_of(expr: &str) -> DefaultKind {
    let canon = crate::normalize::canonical_expr(expr);
    let has = |w: &str| canon.contains(w);
    if has("random") || has("uuid") {
        return DefaultKind::Random;
    }
    let now =
        has("now") || has("current_timestamp") || has("current_date") || has("localtimestamp");
    if now {
        let sqlite_fn = canon.starts_with("datetime(")
            || canon.starts_with("strftime(")
            || canon.starts_with("julianday(")
            || canon.starts_with("date(");
        let moved = if sqlite_fn {
            // A modifier after 'now' ('+7 days', 'start of day', …) moves it.
            canon
                .split_once("'now'")
                .is_some_and(|(_, rest)| rest.contains('\''))
        } else {
            canon.contains(" + ") || canon.contains(" - ") || has("interval")
        };
        return if moved {
            DefaultKind::NowMoved
        } else {
            DefaultKind::Now
        };
    }
    if canon.contains('(') && !canon.starts_with('(') {
        // A function call of no known kind (nextval, a user function).
        let constant_fns = ["json(", "lower(", "upper(", "x'", "cast("];
        if !constant_fns.iter().any(|f| canon.starts_with(f)) {
            return DefaultKind::Volatile;
        }
    }
    DefaultKind::Constant
}

/// Every column default of the database, constants evaluated.
///
/// # Errors
///
/// The database's message when the catalog cannot be read.
pub fn read(db: &mut Database) -> std::result::Result<Vec<RawDefault>, String> {
    let mut out: Vec<RawDefault> = match db {
        Database::Postgres { conn, .. } => {
            let row: JsonRow = diesel::sql_query(
                "SELECT coalesce(json_agg(json_build_object('t', table_name, 'c', column_name, 'd', column_default)), '[]'::json)::text AS j \
                 FROM information_schema.columns WHERE table_schema = current_schema() AND column_default IS NOT NULL",
            )
            .get_result(conn.as_mut())
            .map_err(|e| e.to_string())?;
            serde_json::from_str(row.j.as_deref().unwrap_or("[]")).map_err(|e| e.to_string())?
        }
        Database::Sqlite { conn, .. } => {
            let row: JsonRow = diesel::sql_query(
                "SELECT json_group_array(json_object('t', m.name, 'c', p.name, 'd', p.dflt_value)) AS j \
                 FROM sqlite_schema m JOIN pragma_table_xinfo(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND p.dflt_value IS NOT NULL",
            )
            .get_result(conn.as_mut())
            .map_err(|e| e.to_string())?;
            serde_json::from_str(row.j.as_deref().unwrap_or("[]")).map_err(|e| e.to_string())?
        }
    };
    for d in &mut out {
        if kind_of(&d.expr) == DefaultKind::Constant {
            d.value = evaluate(db, &d.expr);
        }
    }
    Ok(out)
}

/// `SELECT <expr>` on the database, as text; `None` when it fails.
fn evaluate(db: &mut Database, expr: &str) -> Option<String> {
    let row: Option<JsonRow> = match db {
        Database::Postgres { conn, .. } => {
            diesel::sql_query(format!("SELECT (({expr}))::text AS j"))
                .get_result(conn.as_mut())
                .ok()
        }
        Database::Sqlite { conn, .. } => {
            diesel::sql_query(format!("SELECT CAST(({expr}) AS TEXT) AS j"))
                .get_result(conn.as_mut())
                .ok()
        }
    };
    row.and_then(|r| r.j)
}

/// An instant from either backend's text of a timestamp.
fn instant(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let s = s.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.to_utc());
    }
    for f in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%#z"] {
        if let Ok(t) = chrono::DateTime::parse_from_str(s, f) {
            return Some(t.to_utc());
        }
    }
    for f in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc());
        }
        if let Ok(d) = chrono::NaiveDate::parse_from_str(s, f) {
            return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        }
    }
    None
}

/// Whether two evaluated constants are the same value for a column of `ty`
/// (`a` PostgreSQL's, `b` SQLite's).
fn same_value(ty: ColumnType, a: &str, b: &str) -> bool {
    match ty {
        // PostgreSQL's NUMERIC text against SQLite's integer times 10^S.
        ColumnType::Decimal { precision, scale } => {
            match (
                crate::decimal::parse_units(a, precision, scale),
                b.trim().parse::<i64>(),
            ) {
                (Ok(x), Ok(y)) => x == y,
                _ => a == b,
            }
        }
        ColumnType::Timestamp => match (instant(a), instant(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
        ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt | ColumnType::Double => {
            match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
                (Ok(x), Ok(y)) => x == y,
                _ => a == b,
            }
        }
        ColumnType::NaiveTimestamp | ColumnType::Date | ColumnType::Time => {
            match (
                crate::validate::canonicalize_calendar_text(ty, a),
                crate::validate::canonicalize_calendar_text(ty, b),
            ) {
                (Some(x), Some(y)) => x == y,
                _ => a == b,
            }
        }
        ColumnType::Json => {
            match (
                serde_json::from_str::<serde_json::Value>(a),
                serde_json::from_str::<serde_json::Value>(b),
            ) {
                (Ok(x), Ok(y)) => x == y,
                _ => a == b,
            }
        }
        ColumnType::Uuid => a.replace('-', "").eq_ignore_ascii_case(&b.replace('-', "")),
        _ => a == b,
    }
}

/// Whether the model read this default faithfully: a neutral spelling that
/// means what the text does (plain `now`, a UUID generator, a literal).
fn model_holds(schema: &Schema, table: &str, column: &str, raw: Option<&RawDefault>) -> bool {
    let model = schema
        .table(table)
        .and_then(|t| t.column(column))
        .and_then(|c| c.default.clone());
    match (raw, model) {
        (None, None) => true,
        (Some(_), None) | (None, Some(_)) => false,
        (Some(r), Some(m)) => match (kind_of(&r.expr), m) {
            (DefaultKind::Now, crate::model::DefaultValue::Now) => true,
            (DefaultKind::Random, crate::model::DefaultValue::Uuid) => {
                // lower(hex(randomblob(16))) is 32 hex digits of text, not a UUID.
                let c = crate::normalize::canonical_expr(&r.expr);
                !c.contains("hex(") && !c.contains("md5(")
            }
            (DefaultKind::Constant, m) => !matches!(
                m,
                crate::model::DefaultValue::Now | crate::model::DefaultValue::Uuid
            ),
            _ => false,
        },
    }
}

/// The default entries of `table.column` judged from the raw texts, when
/// the model could not hold a side's default faithfully; `None` when the
/// model's comparison stands.
pub fn judge(
    pg_schema: &Schema,
    lite_schema: &Schema,
    table: &str,
    column: &str,
    pg: Option<&RawDefault>,
    lite: Option<&RawDefault>,
) -> Option<Option<Entry>> {
    let ty = pg_schema.table(table)?.column(column)?.ty;
    let model_default = |s: &Schema| s.table(table)?.column(column)?.default.clone();
    let both_constant = [pg, lite]
        .iter()
        .all(|r| r.is_some_and(|r| kind_of(&r.expr) == DefaultKind::Constant && r.value.is_some()));
    // Booleans keep the model's verdict, which says how each backend reads
    // the stored value.
    let by_value = both_constant && ty != ColumnType::Bool;
    if !by_value
        && model_holds(pg_schema, table, column, pg)
        && model_holds(lite_schema, table, column, lite)
    {
        return None;
    }
    let same_in_model = model_default(pg_schema) == model_default(lite_schema);
    let text = |r: Option<&RawDefault>| {
        r.map_or(serde_json::Value::Null, |r| {
            serde_json::Value::String(r.expr.clone())
        })
    };
    let make = |kind: DiffKind, severity: Severity, why: String| {
        Some(Some(Entry {
            kind,
            severity,
            table: table.to_string(),
            object: format!("column {column}"),
            attribute: "default".into(),
            left: text(pg),
            right: text(lite),
            explanation: Some(why),
            accepted: false,
        }))
    };
    let (Some(p), Some(l)) = (pg, lite) else {
        return make(
            DiffKind::ValueSemantics,
            Severity::Error,
            format!(
                "a default on {} only",
                if pg.is_some() { "postgres" } else { "sqlite" }
            ),
        );
    };
    use DefaultKind as K;
    match (kind_of(&p.expr), kind_of(&l.expr)) {
        (K::Constant, K::Constant) => match (&p.value, &l.value) {
            (Some(a), Some(b)) if same_value(ty, a, b) => {
                if p.expr == l.expr || same_in_model {
                    Some(None)
                } else {
                    make(
                        DiffKind::RepresentationOnly,
                        Severity::Info,
                        format!("both produce {a}"),
                    )
                }
            }
            (Some(a), Some(b)) => make(
                DiffKind::ValueSemantics,
                Severity::Error,
                format!("postgres produces {a}, sqlite produces {b}"),
            ),
            _ => make(
                DiffKind::ValueSemantics,
                Severity::Warning,
                "unknown: a default could not be evaluated".into(),
            ),
        },
        (K::Now, K::Now) => Some(None),
        (K::Random, K::Random) => make(
            DiffKind::RepresentationOnly,
            Severity::Info,
            "both random; the values cannot be compared".into(),
        ),
        (K::Constant, _) | (_, K::Constant) => make(
            DiffKind::ValueSemantics,
            Severity::Error,
            "a constant on one backend, a value that changes on the other".into(),
        ),
        (a, b) if a != b && a != K::Volatile && b != K::Volatile => make(
            DiffKind::ValueSemantics,
            Severity::Error,
            format!("{} on postgres, {} on sqlite", describe(a), describe(b)),
        ),
        _ => make(
            DiffKind::ValueSemantics,
            Severity::Warning,
            "unknown: volatile defaults whose values cannot be matched".into(),
        ),
    }
}

fn describe(k: DefaultKind) -> &'static str {
    match k {
        DefaultKind::Constant => "a constant",
        DefaultKind::Now => "the current instant",
        DefaultKind::NowMoved => "the current instant moved",
        DefaultKind::Random => "a random value",
        DefaultKind::Volatile => "a volatile value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_defaults() {
        for (e, k) in [
            ("now()", DefaultKind::Now),
            ("CURRENT_TIMESTAMP", DefaultKind::Now),
            ("strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", DefaultKind::Now),
            ("datetime('now', '+7 days')", DefaultKind::NowMoved),
            ("(now() + '7 days'::interval)", DefaultKind::NowMoved),
            ("md5((random())::text)", DefaultKind::Random),
            ("lower(hex(randomblob(16)))", DefaultKind::Random),
            ("gen_random_uuid()", DefaultKind::Random),
            ("nextval('t_id_seq'::regclass)", DefaultKind::Volatile),
            (
                "'2020-01-01 00:00:00+00'::timestamp with time zone",
                DefaultKind::Constant,
            ),
            ("'t'", DefaultKind::Constant),
            ("42", DefaultKind::Constant),
        ] {
            assert_eq!(kind_of(e), k, "{e}");
        }
    }

    #[test]
    fn constants_compare_by_value() {
        assert!(same_value(
            ColumnType::Timestamp,
            "2020-01-01 00:00:00+00",
            "2020-01-01T00:00:00Z"
        ));
        assert!(!same_value(
            ColumnType::Timestamp,
            "2020-01-01 00:00:00+00",
            "2020-01-02 00:00:00"
        ));
        assert!(same_value(ColumnType::Double, "1", "1.0"));
        assert!(!same_value(ColumnType::Text { max_len: None }, "a", "b"));
    }
}
