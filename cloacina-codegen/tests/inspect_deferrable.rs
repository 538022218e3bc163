//! `inspect` reads deferrable foreign keys into the neutral flag on both
//! backends (PostgreSQL's `condeferrable`/`condeferred`, SQLite's clause in
//! the table's SQL), writes them as `deferrable = ...`, and is a fixpoint:
//! render → apply → inspect again gives the same schema. What the model
//! still cannot hold is said with a note naming table and constraint: a
//! deferrable unique constraint is carried as PostgreSQL raw SQL (SQLite
//! never defers a unique, and one database cannot say whether the
//! application also runs on SQLite); a table with a deferrable primary key
//! is scoped to PostgreSQL and keeps it as `#[primary_key(deferrable =
//! ...)]` (no foreign key can reference such a key, so no table on both
//! backends needs it on SQLite).
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`);
//! without a server these tests fail with instructions; they never skip.

#![cfg(feature = "live")]

mod live_support;

use cloacina_codegen::check::{with_database, ScratchPostgres};
use cloacina_codegen::internals::introspect::Database;
use cloacina_codegen::internals::render::ddl::render_schema;
use cloacina_codegen::model::{Backend, Deferrable, Schema};
use live_support::{inspect_ok, TempDir};

/// The deferrability of each foreign key of `table`, by its first column.
fn deferrals(schema: &Schema, table: &str) -> Vec<(String, Deferrable)> {
    let t = schema
        .table(table)
        .unwrap_or_else(|| panic!("{table} missing"));
    let mut v: Vec<(String, Deferrable)> = t
        .foreign_keys
        .iter()
        .map(|f| (f.columns.join(","), f.deferrable))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn note(written: &str, object: &str, what: &str) -> bool {
    written
        .lines()
        .any(|l| l.starts_with("//") && l.contains(object) && l.contains(what))
}

const PG: &str = "
CREATE TABLE parent (id BIGINT NOT NULL PRIMARY KEY, code TEXT NOT NULL);
CREATE TABLE child (
    id BIGINT NOT NULL PRIMARY KEY,
    p BIGINT REFERENCES parent (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    q BIGINT REFERENCES parent (id) DEFERRABLE INITIALLY IMMEDIATE,
    r BIGINT REFERENCES parent (id),
    slot INTEGER NOT NULL,
    CONSTRAINT child_slot_key UNIQUE (slot) DEFERRABLE INITIALLY DEFERRED
);
CREATE TABLE ledger (id BIGINT NOT NULL, CONSTRAINT ledger_pkey PRIMARY KEY (id) DEFERRABLE);
";

#[test]
fn postgres_deferrable_foreign_keys_are_neutral_and_a_fixpoint() {
    let dir = TempDir::new("inspect-deferrable-pg");
    let url = live_support::postgres_url();
    let (g1, mut db1) = ScratchPostgres::new(&url).expect("postgres");
    db1.execute(PG, true).expect("ddl");
    drop(db1);
    let (written, schema) =
        inspect_ok(&with_database(&url, &g1.name), &dir.path().join("first.rs"));
    assert_eq!(
        deferrals(&schema, "child"),
        [
            ("p".to_string(), Deferrable::InitiallyDeferred),
            ("q".to_string(), Deferrable::InitiallyImmediate),
            ("r".to_string(), Deferrable::No),
        ],
        "{written}"
    );
    assert!(
        written.contains(
            "#[references(parent.id, on_delete = cascade, deferrable = initially_deferred)]"
        ) && written.contains("#[references(parent.id, deferrable = initially_immediate)]"),
        "{written}"
    );
    // No foreign key is carried as raw SQL any more.
    assert!(!written.contains("FOREIGN KEY"), "{written}");
    // The unique constraint and the primary key are, named, with the why.
    assert!(
        note(
            &written,
            "child.child_slot_key",
            "DEFERRABLE unique constraint"
        ) && note(&written, "child.child_slot_key", "#[backend(postgres)]"),
        "{written}"
    );
    // A deferrable primary key is first class in a table scoped to
    // PostgreSQL, and said so.
    assert!(
        note(
            &written,
            "ledger",
            "primary key (id) is DEFERRABLE INITIALLY IMMEDIATE, written `#[primary_key(deferrable = initially_immediate)]`"
        ) && written.contains(
            "    #[backend(postgres)]\n    #[primary_key(deferrable = initially_immediate)]\n    ledger (id) {"
        ),
        "{written}"
    );
    assert_eq!(
        schema
            .table("ledger")
            .map(|t| (t.primary_key.clone(), t.primary_key_deferrable)),
        Some((vec!["id".to_string()], Deferrable::InitiallyImmediate))
    );
    assert!(
        written.contains("UNIQUE (slot) DEFERRABLE INITIALLY DEFERRED"),
        "{written}"
    );
    // The neutral part applies on SQLite too, keys and all.
    {
        let lite = render_schema(&schema, Backend::Sqlite);
        assert!(lite.contains("DEFERRABLE INITIALLY DEFERRED"), "{lite}");
        let sdb = dir.path().join("lite.sqlite3");
        Database::open_sqlite(&sdb.to_string_lossy())
            .expect("create")
            .execute(&lite, true)
            .unwrap_or_else(|e| panic!("on sqlite: {e}\n{lite}"));
    }
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

#[test]
fn sqlite_deferrable_foreign_keys_are_neutral_and_a_fixpoint() {
    let dir = TempDir::new("inspect-deferrable-sqlite");
    let db = dir.path().join("app.sqlite3");
    Database::open_sqlite(&db.to_string_lossy())
        .expect("create")
        .execute(
            "CREATE TABLE parent (id INTEGER NOT NULL PRIMARY KEY);
             CREATE TABLE child (
                 id INTEGER NOT NULL PRIMARY KEY,
                 p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED,
                 q INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY IMMEDIATE,
                 r INTEGER REFERENCES parent (id) NOT DEFERRABLE INITIALLY DEFERRED,
                 s INTEGER, t INTEGER,
                 FOREIGN KEY (s) REFERENCES parent (id) ON DELETE SET NULL DEFERRABLE,
                 CONSTRAINT child_t_fk FOREIGN KEY (t) REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED
             );",
            true,
        )
        .expect("ddl");
    let (written, schema) = inspect_ok(&db.to_string_lossy(), &dir.path().join("app.rs"));
    assert_eq!(
        deferrals(&schema, "child"),
        [
            ("p".to_string(), Deferrable::InitiallyDeferred),
            ("q".to_string(), Deferrable::InitiallyImmediate),
            ("r".to_string(), Deferrable::No),
            // A bare DEFERRABLE is initially immediate, as in SQL.
            ("s".to_string(), Deferrable::InitiallyImmediate),
            ("t".to_string(), Deferrable::InitiallyDeferred),
        ],
        "{written}"
    );
    assert!(!note(&written, "child", "DEFERRABLE"), "{written}");
    let again_db = dir.path().join("again.sqlite3");
    let lite = render_schema(&schema, Backend::Sqlite);
    Database::open_sqlite(&again_db.to_string_lossy())
        .expect("create")
        .execute(&lite, true)
        .unwrap_or_else(|e| panic!("apply: {e}\n{lite}"));
    let (_, again) = inspect_ok(&again_db.to_string_lossy(), &dir.path().join("again.rs"));
    assert_eq!(schema, again);
    // The same file applies on PostgreSQL, keys deferrable there too.
    let url = live_support::postgres_url();
    let (g, mut pg) = ScratchPostgres::new(&url).expect("postgres");
    let pg_ddl = render_schema(&schema, Backend::Postgres);
    pg.execute(&pg_ddl, true)
        .unwrap_or_else(|e| panic!("on postgres: {e}\n{pg_ddl}"));
    drop(pg);
    let (_, on_pg) = inspect_ok(&with_database(&url, &g.name), &dir.path().join("pg.rs"));
    assert_eq!(deferrals(&on_pg, "child"), deferrals(&schema, "child"));
}

#[test]
fn a_not_valid_postgres_foreign_key_is_carried_with_the_statement_that_validates_it() {
    let dir = TempDir::new("inspect-not-valid-pg");
    let url = live_support::postgres_url();
    let (g, mut db) = ScratchPostgres::new(&url).expect("postgres");
    db.execute(
        "CREATE TABLE parent (id BIGINT NOT NULL PRIMARY KEY);
         CREATE TABLE child (id BIGINT NOT NULL PRIMARY KEY, parent_id BIGINT);
         ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id)
             REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED NOT VALID;",
        true,
    )
    .expect("ddl");
    let url1 = with_database(&url, &g.name);
    let (written, schema) = inspect_ok(&url1, &dir.path().join("first.rs"));
    // Carried as PostgreSQL raw SQL (the catalog's definition, deferrable
    // and NOT VALID as it is), with table, constraint and what to do.
    assert!(
        note(&written, "child.child_parent_fk", "NOT VALID")
            && note(
                &written,
                "child.child_parent_fk",
                "run `ALTER TABLE \"child\" VALIDATE CONSTRAINT \"child_parent_fk\"` on the database",
            ),
        "{written}"
    );
    assert!(
        written.contains("DEFERRABLE INITIALLY DEFERRED NOT VALID"),
        "{written}"
    );
    assert!(deferrals(&schema, "child").is_empty(), "{written}");
    // Doing what the note says makes it a neutral key.
    db.execute(
        "ALTER TABLE child VALIDATE CONSTRAINT child_parent_fk;",
        true,
    )
    .expect("validate");
    drop(db);
    let (written2, schema2) = inspect_ok(&url1, &dir.path().join("second.rs"));
    assert_eq!(
        deferrals(&schema2, "child"),
        [("parent_id".to_string(), Deferrable::InitiallyDeferred)],
        "{written2}"
    );
    assert!(!written2.contains("NOT VALID"), "{written2}");
}
