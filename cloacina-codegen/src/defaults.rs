//! Defaults compared by the value each backend produces (`check-parity`).
//!
//! The model holds a default only when it has a neutral spelling (`now`,
//! `uuid`, a literal). Hand-kept migrations write others: `md5(random()::text)`,
//! a fixed timestamp literal, `datetime('now', '+7 days')`,
//! `lower(hex(randomblob(16)))`. Those are never treated as absent, nor as
//! `now`/`uuid`: [`read`] takes each column's default text from the live
//! scratch database and [`judge`] compares the two sides:
//!
//! - each default is made to produce a value the way a row gets it: a
//!   scratch copy of the column (a temporary table with the column's
//!   declared type and default) takes a row with `DEFAULT VALUES`, which is
//!   read back through the typed decoder of the data proof ([`crate::rows`])
//!   with the column's neutral type (the PostgreSQL side's, so a SQLite
//!   timestamp stored as text decodes as an instant). Where no scratch copy
//!   can be made (the type or the default is refused there), the constant
//!   is evaluated on its own (`SELECT <expr>`) and compared as text by the
//!   column's type;
//! - constants compare by value; booleans keep the model's verdict, which
//!   says how each backend reads the stored value (`'t'` reads as false on
//!   SQLite);
//! - non-deterministic defaults compare by shape, not value: the current
//!   instant (moved or not) by the two instants produced, equal when
//!   within [`NOW_TOLERANCE_SECONDS`] of each other (so `now() + interval
//!   '7 days'` and `datetime('now', '+7 days')` match, `+7 days` and
//!   `+1 day` do not); random values by their decoded shape (16 bytes, a
//!   32-character lowercase hex text, …), since two draws never match;
//!   what still cannot be matched is reported as unknown (a warning), with
//!   both texts.

use diesel::RunQueryDsl;

use crate::compare::{DiffKind, Entry, Severity};
use crate::introspect::{Database, JsonRow};
use crate::model::{Column, ColumnType, Schema, Table};
use crate::rows::Value;

/// How far apart two instants produced by "current instant" defaults may
/// be and still count as the same default: the two backends are probed one
/// after the other within one run, seconds apart.
pub const NOW_TOLERANCE_SECONDS: i64 = 60;

/// The scratch table a default is probed in.
const PROBE: &str = "cloacina_default_probe";

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
    /// The column's declared type, as the catalog prints it.
    #[serde(rename = "y", default)]
    pub declared: Option<String>,
    /// The value `SELECT <expr>` gives, as text (constants only).
    #[serde(skip)]
    pub value: Option<String>,
    /// The value a row inserted into a scratch copy of the column got,
    /// decoded by the column's neutral type; `None` when no copy could be
    /// made or the default is volatile of no known kind.
    #[serde(skip)]
    pub produced: Option<Value>,
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
    if canon.contains('(') && !canon.starts_with('(') && !crate::expr::reads_as_constant(expr) {
        // A function call of no known kind (nextval, a user function).
        let constant_fns = ["json(", "lower(", "upper(", "x'", "cast("];
        if !constant_fns.iter().any(|f| canon.starts_with(f)) {
            return DefaultKind::Volatile;
        }
    }
    DefaultKind::Constant
}

/// Every column default of the database, each made to produce a value in a
/// scratch copy of its column (decoded by the neutral type the column has
/// in `types`, else in `own`: pass the PostgreSQL side's schema as `types`
/// for both backends), constants also evaluated on their own.
///
/// # Errors
///
/// The database's message when the catalog cannot be read.
pub fn read(
    db: &mut Database,
    types: &Schema,
    own: &Schema,
) -> std::result::Result<Vec<RawDefault>, String> {
    let mut out: Vec<RawDefault> = match db {
        Database::Postgres { conn, .. } => {
            let row: JsonRow = diesel::sql_query(
                "SELECT coalesce(json_agg(json_build_object('t', table_name, 'c', column_name, 'd', column_default, \
                 'y', (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a \
                       WHERE a.attrelid = format('%I.%I', table_schema, table_name)::regclass AND a.attname = column_name))), '[]'::json)::text AS j \
                 FROM information_schema.columns WHERE table_schema = current_schema() AND column_default IS NOT NULL",
            )
            .get_result(conn.as_mut())
            .map_err(|e| e.to_string())?;
            serde_json::from_str(row.j.as_deref().unwrap_or("[]")).map_err(|e| e.to_string())?
        }
        Database::Sqlite { conn, .. } => {
            let row: JsonRow = diesel::sql_query(
                "SELECT json_group_array(json_object('t', m.name, 'c', p.name, 'd', p.dflt_value, 'y', p.type)) AS j \
                 FROM sqlite_schema m JOIN pragma_table_xinfo(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND p.dflt_value IS NOT NULL",
            )
            .get_result(conn.as_mut())
            .map_err(|e| e.to_string())?;
            serde_json::from_str(row.j.as_deref().unwrap_or("[]")).map_err(|e| e.to_string())?
        }
    };
    let column_type = |s: &Schema, d: &RawDefault| {
        s.tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(&d.table))
            .and_then(|t| {
                t.columns
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(&d.column))
            })
            .map(|c| c.ty)
    };
    for d in &mut out {
        let kind = kind_of(&d.expr);
        if kind == DefaultKind::Constant {
            d.value = evaluate(db, &d.expr);
        }
        if kind != DefaultKind::Volatile {
            if let Some(ty) = column_type(types, d).or_else(|| column_type(own, d)) {
                d.produced = produce(db, ty, d.declared.as_deref().unwrap_or(""), &d.expr);
            }
        }
    }
    Ok(out)
}

/// The value a row gets from `expr` in a scratch copy of the column
/// (declared type `declared`, neutral type `ty`), read back through the
/// typed decoder; `None` when the copy or the insert is refused.
fn produce(db: &mut Database, ty: ColumnType, declared: &str, expr: &str) -> Option<Value> {
    let create = format!("CREATE TEMP TABLE {PROBE} (v {declared} DEFAULT ({expr}))");
    db.execute(&create, false).ok()?;
    let inserted = db.execute(&format!("INSERT INTO {PROBE} DEFAULT VALUES"), false);
    let mut table = Table::named(PROBE);
    table.columns.push(Column {
        name: "v".into(),
        sql_name: None,
        docs: Vec::new(),
        ty,
        nullable: true,
        default: None,
        auto_increment: false,
        renamed_from: None,
        span: Default::default(),
        ty_span: Default::default(),
    });
    let schema = Schema {
        tables: vec![table],
        ..Schema::default()
    };
    let read = inserted
        .ok()
        .and_then(|()| crate::rows::read(db, &schema).ok());
    let _ = db.execute(&format!("DROP TABLE {PROBE}"), false);
    read?
        .remove(PROBE)?
        .rows
        .into_iter()
        .next()?
        .into_iter()
        .next()
}

/// The shape of a random value, in words: what two draws of the same
/// generator share.
fn shape(v: &Value) -> String {
    match v {
        Value::Bytes(b) => format!("{} bytes", b.len()),
        Value::Text(s) | Value::Other(s) => {
            let n = s.chars().count();
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
            {
                format!("{n} lowercase hex characters")
            } else if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))
            {
                format!("{n} uppercase hex characters")
            } else {
                format!("text of {n} characters")
            }
        }
        Value::Int(_) => "an integer".into(),
        Value::Float(_) => "a float".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Instant(_) => "an instant".into(),
        Value::Json(_) => "a JSON document".into(),
        Value::Null => "NULL".into(),
    }
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
    let both_constant = [pg, lite].iter().all(|r| {
        r.is_some_and(|r| {
            kind_of(&r.expr) == DefaultKind::Constant && (r.produced.is_some() || r.value.is_some())
        })
    });
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
    let same_text_or_model = p.expr == l.expr || same_in_model;
    match (kind_of(&p.expr), kind_of(&l.expr)) {
        // The values rows really got, decoded by the column's type.
        (K::Constant, K::Constant) if p.produced.is_some() && l.produced.is_some() => {
            match (&p.produced, &l.produced) {
                (Some(a), Some(b)) if a == b => {
                    if same_text_or_model {
                        Some(None)
                    } else {
                        make(
                            DiffKind::RepresentationOnly,
                            Severity::Info,
                            format!("both produce {a}"),
                        )
                    }
                }
                (a, b) => make(
                    DiffKind::ValueSemantics,
                    Severity::Error,
                    format!(
                        "postgres produces {}, sqlite produces {}",
                        a.as_ref().map_or_else(|| "-".into(), Value::to_string),
                        b.as_ref().map_or_else(|| "-".into(), Value::to_string)
                    ),
                ),
            }
        }
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
        // The current instant, moved or not: the two instants produced, a
        // few seconds apart at most when the defaults agree.
        (a @ (K::Now | K::NowMoved), b @ (K::Now | K::NowMoved)) => {
            match (&p.produced, &l.produced) {
                (Some(Value::Instant(x)), Some(Value::Instant(y))) => {
                    let apart = (x - y).abs() / 1_000_000;
                    if apart <= NOW_TOLERANCE_SECONDS {
                        if a == K::Now && b == K::Now {
                            Some(None)
                        } else {
                            make(
                                DiffKind::RepresentationOnly,
                                Severity::Info,
                                format!(
                                    "both produce the current instant moved alike (rows got instants within {NOW_TOLERANCE_SECONDS} s of each other)"
                                ),
                            )
                        }
                    } else {
                        make(
                            DiffKind::ValueSemantics,
                            Severity::Error,
                            format!(
                                "rows get {} on postgres and {} on sqlite, {} apart: the defaults move the current instant differently",
                                crate::rows::format_instant(*x),
                                crate::rows::format_instant(*y),
                                span_words(apart)
                            ),
                        )
                    }
                }
                _ if a == K::Now && b == K::Now => Some(None),
                _ if a != b => make(
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
        // Two draws never match: compared by what they are made of.
        (K::Random, K::Random) => match (&p.produced, &l.produced) {
            (Some(x), Some(y)) if shape(x) != shape(y) => make(
                DiffKind::ValueSemantics,
                Severity::Error,
                format!(
                    "both random, but rows get {} on postgres and {} on sqlite",
                    shape(x),
                    shape(y)
                ),
            ),
            (Some(x), Some(_)) => make(
                DiffKind::RepresentationOnly,
                Severity::Info,
                format!(
                    "both random, of the same shape ({}); the values cannot be compared",
                    shape(x)
                ),
            ),
            _ => make(
                DiffKind::RepresentationOnly,
                Severity::Info,
                "both random; the values cannot be compared".into(),
            ),
        },
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

/// `seconds` in days, hours, minutes and seconds (`7 days 0 h 0 min 0 s`).
fn span_words(seconds: i64) -> String {
    let (d, rest) = (seconds / 86_400, seconds % 86_400);
    let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    if d > 0 {
        format!("{d} days {h} h {m} min {s} s")
    } else {
        format!("{h} h {m} min {s} s")
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
            // Expression defaults of the language are constants.
            ("COALESCE(NULL::integer, (2 + 3))", DefaultKind::Constant),
            ("(abs('-2'::integer) = 2)", DefaultKind::Constant),
            ("lower('QUEUE'::text)", DefaultKind::Constant),
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

    #[test]
    fn random_values_compare_by_shape_and_spans_read_in_words() {
        assert_eq!(shape(&Value::Bytes(vec![0; 16])), "16 bytes");
        let md5 = Value::Text("0cc175b9c0f1b6a831c399e269772661".into());
        let hex = Value::Text("9F86D081884C7D659A2FEAA0C55AD015".into());
        assert_eq!(shape(&md5), "32 lowercase hex characters");
        assert_eq!(shape(&hex), "32 uppercase hex characters");
        assert_eq!(shape(&Value::Text("a-b".into())), "text of 3 characters");
        assert_eq!(span_words(6 * 86_400 + 61), "6 days 0 h 1 min 1 s");
        assert_eq!(span_words(3_599), "0 h 59 min 59 s");
    }

    fn one_column(ty: ColumnType) -> Schema {
        let mut t = Table::named("t");
        t.columns.push(Column {
            name: "c".into(),
            sql_name: None,
            docs: Vec::new(),
            ty,
            nullable: true,
            default: None,
            auto_increment: false,
            renamed_from: None,
            span: Default::default(),
            ty_span: Default::default(),
        });
        Schema {
            tables: vec![t],
            ..Schema::default()
        }
    }

    fn raw(expr: &str, produced: Value) -> RawDefault {
        RawDefault {
            table: "t".into(),
            column: "c".into(),
            expr: expr.into(),
            declared: None,
            value: None,
            produced: Some(produced),
        }
    }

    /// The verdicts on the values rows got: the explanation, or `None`
    /// when the two defaults are the same.
    fn verdict(
        ty: ColumnType,
        pg: RawDefault,
        lite: RawDefault,
    ) -> Option<(DiffKind, Severity, String)> {
        // The models hold each side's text, spelled differently.
        let model = |r: &RawDefault| {
            let mut s = one_column(ty);
            s.tables[0].columns[0].default = Some(crate::model::DefaultValue::Raw(r.expr.clone()));
            s
        };
        judge(&model(&pg), &model(&lite), "t", "c", Some(&pg), Some(&lite))
            .flatten()
            .map(|e| (e.kind, e.severity, e.explanation.unwrap_or_default()))
    }

    #[test]
    fn defaults_are_judged_by_the_values_rows_got() {
        use DiffKind as K;
        // An expression default and a literal that produce the same value.
        assert_eq!(
            verdict(
                ColumnType::Integer,
                raw("COALESCE(NULL::integer, (2 + 3))", Value::Int(5)),
                raw("5", Value::Int(5))
            ),
            Some((
                K::RepresentationOnly,
                Severity::Info,
                "both produce 5".into()
            ))
        );
        assert_eq!(
            verdict(
                ColumnType::Integer,
                raw("5", Value::Int(5)),
                raw("6", Value::Int(6))
            ),
            Some((
                K::ValueSemantics,
                Severity::Error,
                "postgres produces 5, sqlite produces 6".into()
            ))
        );
        // The current instant moved alike, and moved apart.
        let day = 86_400_000_000_i64;
        let now = 1_700_000_000_000_000_i64;
        let moved = |us| raw("(now() + '7 days'::interval)", Value::Instant(us));
        let lite = |us| raw("datetime('now', '+7 days')", Value::Instant(us));
        assert_eq!(
            verdict(
                ColumnType::Timestamp,
                moved(now + 7 * day),
                lite(now + 7 * day + 2_000_000)
            )
            .map(|v| v.0),
            Some(K::RepresentationOnly)
        );
        let apart = verdict(ColumnType::Timestamp, moved(now + 7 * day), lite(now + day));
        assert!(
            apart.as_ref().is_some_and(|(k, s, w)| *k == K::ValueSemantics
                && *s == Severity::Error
                && w.ends_with("6 days 0 h 0 min 0 s apart: the defaults move the current instant differently")),
            "{apart:?}"
        );
        // Random values by shape.
        let uuid = raw("gen_random_uuid()", Value::Bytes(vec![7; 16]));
        let blob = raw("randomblob(16)", Value::Bytes(vec![9; 16]));
        assert_eq!(
            verdict(ColumnType::Uuid, uuid.clone(), blob).map(|v| v.0),
            Some(K::RepresentationOnly)
        );
        let text = raw(
            "lower(hex(randomblob(8)))",
            Value::Text("0123456789abcdef".into()),
        );
        assert_eq!(
            verdict(ColumnType::Uuid, uuid, text).map(|v| (v.0, v.2)),
            Some((K::ValueSemantics, "both random, but rows get 16 bytes on postgres and 16 lowercase hex characters on sqlite".into()))
        );
    }
}
