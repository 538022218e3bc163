//! `inspect` of tables whose names leave no room for the derived
//! constraint names (a 59–63 byte table name with a key that is not
//! auto-increment, unique constraints, checks, indexes, foreign keys to
//! it) writes a file that validates, on both backends: derived names fit
//! 63 bytes and never collide, even for two names that differ only at the
//! end; render → apply → inspect again gives the same schema. (Deferrable
//! foreign keys: `inspect_deferrable.rs`.)
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`);
//! without a server these tests fail with instructions; they never skip.

#![cfg(feature = "live")]

mod live_support;

use cloacina_codegen::check::{with_database, ScratchPostgres};
use cloacina_codegen::internals::introspect::Database;
use cloacina_codegen::internals::render::ddl::render_schema;
use cloacina_codegen::model::Backend;
use live_support::{inspect_ok, TempDir};

/// Two 60-byte table names that differ only in their last byte, and a
/// 63-byte one; keys that are not auto-increment.
fn long_names() -> (String, String, String) {
    let base = "order_line_item_allocation_history_for_warehouse_region_";
    let a = format!("{base}aaaa");
    let b = format!("{base}aaab");
    let c = format!("{base}xxxxxxx");
    assert_eq!((a.len(), b.len(), c.len()), (60, 60, 63));
    (a, b, c)
}

fn ddl(pg: bool) -> String {
    let (a, b, c) = long_names();
    let int = if pg { "BIGINT" } else { "INTEGER" };
    format!(
        "CREATE TABLE {a} (id {int} NOT NULL PRIMARY KEY, code TEXT NOT NULL UNIQUE, n {int} CHECK (n > 0));
         CREATE TABLE {b} (id {int} NOT NULL PRIMARY KEY, code TEXT NOT NULL UNIQUE, n {int} CHECK (n > 0));
         CREATE TABLE {c} (k TEXT NOT NULL PRIMARY KEY, a_id {int} NOT NULL REFERENCES {a} (id));
         CREATE INDEX c_a_idx ON {c} (a_id);
         CREATE TABLE short (id {int} NOT NULL PRIMARY KEY, b_id {int} REFERENCES {b} (id));"
    )
}

fn assert_names_fit(schema: &cloacina_codegen::Schema, written: &str) {
    let (a, b, c) = long_names();
    for t in [&a, &b, &c] {
        assert!(schema.table(t).is_some(), "{t} missing:\n{written}");
    }
    // Every constraint and index name the DDL uses fits and is used once.
    for backend in Backend::ALL {
        let sql = render_schema(schema, backend);
        let mut seen = std::collections::HashSet::new();
        for word in sql.split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_')) {
            if word.starts_with("order_line_item") && word.len() > 63 {
                panic!("{word} is {} bytes:\n{sql}", word.len());
            }
        }
        for line in sql.lines() {
            let name = line
                .trim()
                .strip_prefix("CONSTRAINT ")
                .or_else(|| line.strip_prefix("CREATE INDEX "))
                .or_else(|| line.strip_prefix("CREATE UNIQUE INDEX "))
                .and_then(|r| r.split_whitespace().next());
            if let Some(name) = name {
                assert!(seen.insert(name.to_string()), "{name} twice:\n{sql}");
            }
        }
    }
}

#[test]
fn sqlite_tables_with_long_names_inspect_to_a_valid_file_and_a_fixpoint() {
    let dir = TempDir::new("inspect-long-sqlite");
    let first_db = dir.path().join("first.sqlite3");
    Database::open_sqlite(&first_db.to_string_lossy())
        .expect("create")
        .execute(&ddl(false), true)
        .expect("ddl");
    let (written, schema) = inspect_ok(&first_db.to_string_lossy(), &dir.path().join("first.rs"));
    assert_names_fit(&schema, &written);
    let second_db = dir.path().join("second.sqlite3");
    let lite = render_schema(&schema, Backend::Sqlite);
    Database::open_sqlite(&second_db.to_string_lossy())
        .expect("create")
        .execute(&lite, true)
        .unwrap_or_else(|e| panic!("apply: {e}\n{lite}"));
    let (_, again) = inspect_ok(&second_db.to_string_lossy(), &dir.path().join("second.rs"));
    assert_eq!(schema, again);
    // The same file applies on PostgreSQL.
    let url = live_support::postgres_url();
    let (_g, mut pg) = ScratchPostgres::new(&url).expect("postgres");
    let pg_ddl = render_schema(&schema, Backend::Postgres);
    pg.execute(&pg_ddl, true)
        .unwrap_or_else(|e| panic!("on postgres: {e}\n{pg_ddl}"));
}

#[test]
fn postgres_tables_with_long_names_inspect_to_a_valid_file_and_a_fixpoint() {
    let dir = TempDir::new("inspect-long-pg");
    let url = live_support::postgres_url();
    let (g1, mut db1) = ScratchPostgres::new(&url).expect("postgres");
    db1.execute(&ddl(true), true).expect("ddl");
    drop(db1);
    let (written, schema) =
        inspect_ok(&with_database(&url, &g1.name), &dir.path().join("first.rs"));
    assert_names_fit(&schema, &written);
    let (g2, mut db2) = ScratchPostgres::new(&url).expect("postgres");
    let pg_ddl = render_schema(&schema, Backend::Postgres);
    db2.execute(&pg_ddl, true)
        .unwrap_or_else(|e| panic!("apply: {e}\n{pg_ddl}"));
    drop(db2);
    let (_, again) = inspect_ok(
        &with_database(&url, &g2.name),
        &dir.path().join("second.rs"),
    );
    assert_eq!(schema, again);
}
