//! `inspect` reads the calendar types of hand-written databases: PostgreSQL
//! `timestamp` (without time zone), `date` and `time`, with their defaults
//! and checks, and SQLite's conventional `DATE` / `TIME` spellings, as the
//! neutral `NaiveTimestamp`, `Date` and `Time`; what has no neutral
//! spelling (a clock default, a precision below microseconds) is named. The
//! written file validates, and rendering it for PostgreSQL and inspecting
//! again gives the same schema.
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`);
//! without a server these tests fail with instructions; they never skip.

#![cfg(feature = "live")]

mod live_support;

use std::path::Path;

use cloacina_codegen::check::{with_database, ScratchPostgres, ScratchSqlite};
use cloacina_codegen::internals::render::ddl::render_schema;
use cloacina_codegen::model::{Backend, ColumnType, DefaultValue};
use live_support::{inspect_ok, TempDir};

const SHOP_PG: &str = "
CREATE TABLE shifts (
    id BIGINT PRIMARY KEY,
    day DATE NOT NULL DEFAULT '2024-02-29',
    starts TIME NOT NULL DEFAULT '09:30:00.5',
    ends TIME WITHOUT TIME ZONE,
    logged_at TIMESTAMP NOT NULL DEFAULT '2024-01-01 10:00:00',
    touched_at TIMESTAMP WITHOUT TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    rounded TIMESTAMP(0),
    CHECK (day >= '2000-01-01'),
    CHECK (ends > '12:00:00.25')
);
CREATE INDEX shifts_day_idx ON shifts (day) WHERE logged_at >= '2020-01-01 00:00:00';
";

fn column(t: &cloacina_codegen::model::Table, name: &str) -> (ColumnType, bool) {
    let c = t.column(name).unwrap_or_else(|| panic!("no column {name}"));
    (c.ty, c.nullable)
}

#[test]
fn inspect_reads_postgres_dates_and_times_as_the_calendar_types() {
    let dir = TempDir::new("inspect-calendar-pg");
    let url = live_support::postgres_url();
    let (g1, mut db1) = ScratchPostgres::new(&url).expect("postgres");
    db1.execute(SHOP_PG, true).expect("ddl");
    drop(db1);
    let first = dir.path().join("first.rs");
    let (written, schema) = inspect_ok(&with_database(&url, &g1.name), &first);
    let t = schema.table("shifts").expect("shifts");
    assert_eq!(column(t, "day"), (ColumnType::Date, false), "{written}");
    assert_eq!(column(t, "starts"), (ColumnType::Time, false));
    assert_eq!(column(t, "ends"), (ColumnType::Time, true));
    assert_eq!(column(t, "logged_at"), (ColumnType::NaiveTimestamp, false));
    assert_eq!(column(t, "touched_at"), (ColumnType::NaiveTimestamp, true));
    assert_eq!(column(t, "rounded"), (ColumnType::NaiveTimestamp, true));
    let default = |c: &str| t.column(c).and_then(|c| c.default.clone());
    let text = |s: &str| Some(DefaultValue::Text(s.into()));
    assert_eq!(default("day"), text("2024-02-29"));
    assert_eq!(default("starts"), text("09:30:00.500000"));
    assert_eq!(default("logged_at"), text("2024-01-01 10:00:00"));
    // The session's clock on a type without zone has no neutral spelling:
    // left out, and said so.
    assert_eq!(default("touched_at"), None);
    let note = |what: &str, about: &str| {
        assert!(
            written
                .lines()
                .any(|l| l.starts_with("//") && l.contains(what) && l.contains(about)),
            "no note on {what} ({about}):\n{written}"
        )
    };
    note("shifts.touched_at", "no neutral spelling");
    note("shifts.rounded", "NaiveTimestamp (microseconds)");
    // Checks and the partial index keep their calendar literals.
    assert!(written.contains("day >= '2000-01-01'"), "{written}");
    assert!(written.contains("ends > '12:00:00.250000'"), "{written}");
    assert!(
        written.contains("logged_at >= '2020-01-01 00:00:00'"),
        "{written}"
    );
    // Render for PostgreSQL, apply, inspect again: the same schema.
    let (g2, mut db2) = ScratchPostgres::new(&url).expect("postgres");
    let ddl = render_schema(&schema, Backend::Postgres);
    db2.execute(&ddl, true)
        .unwrap_or_else(|e| panic!("apply: {e}\n{ddl}"));
    drop(db2);
    let second = dir.path().join("second.rs");
    let (_, schema2) = inspect_ok(&with_database(&url, &g2.name), &second);
    assert_eq!(schema, schema2);
    // And the same file applies on SQLite.
    let (_g, mut lite) = ScratchSqlite::new().expect("sqlite");
    lite.execute(&render_schema(&schema, Backend::Sqlite), true)
        .unwrap_or_else(|e| panic!("on sqlite: {e}"));
}

#[test]
fn inspect_reads_sqlite_date_and_time_declarations() {
    let dir = TempDir::new("inspect-calendar-sqlite");
    let path = dir.path().join("shop.sqlite3");
    {
        let mut db =
            cloacina_codegen::internals::introspect::Database::open_sqlite(&path.to_string_lossy())
                .expect("create");
        db.execute(
            "CREATE TABLE shifts (id INTEGER PRIMARY KEY, day DATE NOT NULL DEFAULT '2024-01-01', \
             starts TIME DEFAULT '10:00:00.000000');",
            true,
        )
        .expect("ddl");
    }
    let out = dir.path().join("shop.rs");
    let (written, schema) = inspect_ok(&path.to_string_lossy(), &out);
    let t = schema.table("shifts").expect("shifts");
    assert_eq!(column(t, "day"), (ColumnType::Date, false), "{written}");
    assert_eq!(column(t, "starts"), (ColumnType::Time, true));
    assert_eq!(
        t.column("starts").and_then(|c| c.default.clone()),
        Some(DefaultValue::Text("10:00:00".into()))
    );
}

/// A legacy SQLite file whose `TIMESTAMP`/`DATETIME` columns were filled by
/// `CURRENT_TIMESTAMP` (`2024-01-01 10:00:00`, no zone): `inspect` looks at
/// the rows, reads such columns as NaiveTimestamp (a column of canonical
/// UTC text, or an empty one, stays Timestamp), reads a column whose rows
/// are in neither form as Text, names each with a row, and writes nothing
/// that the rows fail: they copy into a database made from the written
/// file, every check enforced.
#[test]
fn inspect_reads_legacy_sqlite_timestamps_by_their_rows() {
    let dir = TempDir::new("inspect-legacy-timestamps");
    let path = dir.path().join("legacy.sqlite3");
    let open = |p: &Path| {
        cloacina_codegen::internals::introspect::Database::open_sqlite(&p.to_string_lossy())
            .expect("open")
    };
    open(&path)
        .execute(
            "CREATE TABLE events (\
                 id INTEGER PRIMARY KEY, \
                 name TEXT NOT NULL, \
                 created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, \
                 seen DATETIME, \
                 utc_at TIMESTAMP, \
                 odd_at DATETIME); \
             INSERT INTO events (id, name, seen, utc_at, odd_at) VALUES \
                 (1, 'a', '2024-01-01 10:00:00', '2024-01-01T10:00:00.000000Z', '2024-01-01 10:00:00'), \
                 (2, 'b', NULL, NULL, NULL), \
                 (3, 'c', '2024-02-29 23:59:59.250000', '2024-02-29T23:59:59.250000Z', 'yesterday'); \
             CREATE TABLE empty_log (id INTEGER PRIMARY KEY, at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);",
            true,
        )
        .expect("legacy ddl and rows");
    let out = dir.path().join("legacy.rs");
    let (written, schema) = inspect_ok(&path.to_string_lossy(), &out);
    let t = schema.table("events").expect("events");
    assert_eq!(
        column(t, "created_at"),
        (ColumnType::NaiveTimestamp, false),
        "{written}"
    );
    assert_eq!(column(t, "seen"), (ColumnType::NaiveTimestamp, true));
    assert_eq!(column(t, "utc_at"), (ColumnType::Timestamp, true));
    assert_eq!(
        column(t, "odd_at"),
        (ColumnType::Text { max_len: None }, true)
    );
    // The clock default has no neutral spelling on a naive timestamp.
    assert_eq!(t.column("created_at").and_then(|c| c.default.clone()), None);
    let empty = schema.table("empty_log").expect("empty_log");
    assert_eq!(column(empty, "at"), (ColumnType::Timestamp, true));
    assert_eq!(
        empty.column("at").and_then(|c| c.default.clone()),
        Some(DefaultValue::Now)
    );
    // Each re-read column is named with an example row.
    for needle in [
        "events.created_at: declared `TIMESTAMP`/`DATETIME`, but its rows hold timestamps without time zone (row with rowid 1 holds '",
        "events.seen: declared",
        "events.odd_at: declared `TIMESTAMP`/`DATETIME`, but its row with rowid 3 holds 'yesterday'",
        "events.created_at: default `CURRENT_TIMESTAMP` has no neutral spelling on NaiveTimestamp",
    ] {
        assert!(written.contains(needle), "no `{needle}` in:\n{written}");
    }
    assert!(!written.contains("events.utc_at: declared"), "{written}");
    assert!(!written.contains("empty_log.at: declared"), "{written}");
    // The rows fit the written schema, checks enforced.
    let fresh = dir.path().join("fresh.sqlite3");
    let mut db = open(&fresh);
    let ddl = render_schema(&schema, Backend::Sqlite);
    db.execute(&ddl, true)
        .unwrap_or_else(|e| panic!("apply: {e}\n{ddl}"));
    let copy = format!(
        "ATTACH DATABASE '{}' AS legacy; \
         INSERT INTO events (id, name, created_at, seen, utc_at, odd_at) \
         SELECT id, name, created_at, seen, utc_at, odd_at FROM legacy.events;",
        path.to_string_lossy().replace('\'', "''")
    );
    db.execute(&copy, false)
        .unwrap_or_else(|e| panic!("the legacy rows do not fit the written schema: {e}\n{ddl}"));
}
