//! The `check`, `inspect` and `import` commands, run as the binary: exit
//! codes, JSON output, and that input they do not understand is named, not
//! panicked on.
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`);
//! every PostgreSQL database here is a temporary one, created and dropped.
//! Without a server these tests fail with instructions; they never skip.

#![cfg(feature = "live")]

mod live_support;

use std::path::{Path, PathBuf};

use cloacina_codegen::check::{with_database, ScratchPostgres, ScratchSqlite};
use cloacina_codegen::internals::compare::compare;
use cloacina_codegen::internals::introspect::Database;
use cloacina_codegen::internals::normalize::normalize;
use cloacina_codegen::internals::render::ddl::render_schema;
use cloacina_codegen::model::Backend;
use live_support::{bin, TempDir};
use serde_json::Value;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn import_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

/// Applies `schema`'s DDL on a fresh database of `backend`, reads it back,
/// and asserts it equals the schema.
fn applies_and_reads_back(schema: &cloacina_codegen::Schema, backend: Backend, what: &str) {
    let ddl = render_schema(schema, backend);
    let intro = match backend {
        Backend::Sqlite => {
            let (_g, mut db) = ScratchSqlite::new().expect("sqlite");
            db.execute(&ddl, true)
                .unwrap_or_else(|e| panic!("{what} on sqlite: {e}\n{ddl}"));
            db.introspect().expect("introspect")
        }
        Backend::Postgres => {
            let (_g, mut db) =
                ScratchPostgres::new(&live_support::postgres_url()).expect("postgres");
            db.execute(&ddl, true)
                .unwrap_or_else(|e| panic!("{what} on postgres: {e}\n{ddl}"));
            db.introspect().expect("introspect")
        }
    };
    // Columns that raw_sql! blocks add are the blocks' business.
    let raw_sql: String = schema
        .raw_blocks
        .iter()
        .filter_map(|b| b.part(backend))
        .map(|p| p.up.clone())
        .collect();
    let diffs: Vec<_> = compare(
        &normalize(schema, Some(backend)),
        &normalize(&intro.schema, None),
    )
    .into_iter()
    .filter(|d| {
        !(d.attribute == "exists"
            && d.left.is_none()
            && d.object
                .as_ref()
                .is_some_and(|c| raw_sql.contains(&format!("ADD COLUMN \"{c}\"")))
            || d.attribute == "column order")
    })
    .collect();
    assert!(diffs.is_empty(), "{what} on {backend}: {diffs:#?}");
}

#[test]
fn import_of_diesel_schemas_applies_on_both_backends() {
    let dir = TempDir::new("import");
    for (fixture, tables, code, note) in [
        ("pg_print_schema.rs", 2, 6, Some("JobState")),
        ("sqlite_print_schema.rs", 2, 0, None),
        ("unified_custom_types.rs", 2, 0, None),
        ("multi_backend_app.rs", 5, 6, Some("Priority")),
    ] {
        let out_path = dir.path().join(fixture);
        let out = bin(&[
            "import",
            s(&import_fixture(fixture)),
            "--output",
            s(&out_path),
        ]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{fixture}: {err}");
        if let Some(n) = note {
            // Never silently Text: left out, with its place.
            assert!(
                err.lines()
                    .any(|l| l.starts_with("LEFT OUT: ") && l.contains(n) && l.contains(".rs:")),
                "{fixture}: {err}"
            );
        }
        assert!(!err.contains("imported as Text"), "{fixture}: {err}");
        // The neutral file parses and validates, and generates.
        let schema = cloacina_codegen::load(&out_path).unwrap_or_else(|e| {
            panic!(
                "{fixture}: imported schema invalid: {e}\n{}",
                std::fs::read_to_string(&out_path).unwrap_or_default()
            )
        });
        assert_eq!(schema.tables.len(), tables, "{fixture}");
        cloacina_codegen::Builder::new()
            .schema(&out_path)
            .generate()
            .unwrap_or_else(|e| panic!("{fixture}: generate: {e}"));
        for backend in Backend::ALL {
            applies_and_reads_back(&schema, backend, fixture);
        }
    }
    // The pieces Diesel users rely on survived.
    let pg = std::fs::read_to_string(dir.path().join("pg_print_schema.rs")).expect("read");
    assert!(
        pg.contains("#[sql_name = \"type\"]") && pg.contains("type_ -> Text"),
        "{pg}"
    );
    // joinable! is a hint, not a foreign key.
    assert!(
        !pg.lines()
            .any(|l| l.trim_start().starts_with("#[references")),
        "{pg}"
    );
    assert!(pg.contains("join hint"), "{pg}");
    assert!(pg.contains("name -> Text<120>"), "{pg}");
    let unified =
        std::fs::read_to_string(dir.path().join("unified_custom_types.rs")).expect("read");
    assert!(
        unified.contains("id -> Uuid")
            && unified.contains("paused -> Bool")
            && unified.contains("created_at -> Timestamp"),
        "{unified}"
    );
}

#[test]
fn import_reports_modules_that_disagree_as_json() {
    let dir = TempDir::new("import-disagree");
    let src = dir.write(
        "schema.rs",
        "pub mod unified { diesel::table! { t (id) { id -> BigInt, note -> Nullable<Text>, } } }\n\
         pub mod postgres { diesel::table! { t (id) { id -> Int8, note -> Text, } } }\n",
    );
    let out = bin(&["import", s(&src), "--json"]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    let d = &json["disagreements"][0];
    assert_eq!(d["table"], "t");
    assert_eq!(d["kept"], "postgres");
    assert!(d["resolution"]
        .as_str()
        .is_some_and(|r| r.contains("postgres module's definition was kept")));
    assert_eq!(d["differences"][0]["module"], "unified");
    assert_eq!(d["differences"][0]["object"], "note");
    assert_eq!(d["differences"][0]["attribute"], "nullable");
    assert_eq!(d["differences"][0]["left"], "false");
    assert_eq!(d["differences"][0]["right"], "true");
    assert!(json["schema"]
        .as_str()
        .is_some_and(|t| t.contains("note -> Text")));
}

#[test]
fn import_with_a_database_keeps_its_constraints_and_reports_pk_and_nullability_drift() {
    let dir = TempDir::new("import-db");
    let db_path = dir.path().join("app.sqlite3");
    {
        let mut db = Database::open_sqlite(s(&db_path)).expect("create");
        db.execute(
            "CREATE TABLE users (id INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL DEFAULT 'anon', \
             email TEXT NOT NULL UNIQUE); CREATE INDEX users_name_idx ON users (name DESC);",
            true,
        )
        .expect("ddl");
    }
    // The table! says the key is `name` and that `email` may be null.
    let src = dir.write(
        "schema.rs",
        "diesel::table! { users (name) { id -> Integer, name -> Text, email -> Nullable<Text>, } }\n",
    );
    let out = bin(&["import", s(&src), "--database", s(&db_path), "--json"]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    let diffs: Vec<(String, String, String, String)> = json["database_differences"]
        .as_array()
        .expect("array")
        .iter()
        .map(|d| {
            let f = |k: &str| d[k].as_str().unwrap_or("-").to_string();
            (
                f("kind"),
                f("object"),
                f("attribute"),
                format!("{} | {}", f("left"), f("right")),
            )
        })
        .collect();
    assert_eq!(
        diffs,
        [
            (
                "column".into(),
                "email".into(),
                "nullable".into(),
                "true | false".into()
            ),
            (
                "primary_key".into(),
                "-".into(),
                "columns".into(),
                "name | id".into()
            ),
        ]
    );
    // What table! cannot hold comes from the database.
    let schema = json["schema"].as_str().expect("schema text");
    assert!(schema.contains("#[default(\"anon\")]"), "{schema}");
    assert!(schema.contains("#[index(desc)]"), "{schema}");
    assert!(schema.contains("#[unique]"), "{schema}");

    // Without drift: exit 0.
    let ok = dir.write(
        "ok.rs",
        "diesel::table! { users (id) { id -> Integer, name -> Text, email -> Text, } }\n",
    );
    let out = bin(&["import", s(&ok), "--database", s(&db_path)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed =
        cloacina_codegen::parse_str("stdout", &text(&out.stdout)).expect("valid neutral schema");
    assert_eq!(printed.tables[0].indexes.len(), 1);
}

#[test]
fn inspect_prints_a_schema_file_for_both_backends() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/everything.rs");
    let schema = cloacina_codegen::load(&fixture).expect("fixture");
    let dir = TempDir::new("inspect");
    // SQLite.
    let db_path = dir.path().join("e.sqlite3");
    {
        let mut db = Database::open_sqlite(s(&db_path)).expect("create");
        db.execute(&render_schema(&schema, Backend::Sqlite), true)
            .expect("ddl");
    }
    let out = bin(&["inspect", s(&db_path)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let back = cloacina_codegen::parse_str("inspected", &text(&out.stdout))
        .unwrap_or_else(|e| panic!("{}\n{}", e.render(), text(&out.stdout)));
    let diffs = compare(
        &normalize(&schema, Some(Backend::Sqlite)),
        &normalize(&back, None),
    );
    let diffs: Vec<_> = diffs
        .into_iter()
        .filter(|d| !cloacina_codegen::check::declared_by_raw_sql(&schema, Backend::Sqlite, d))
        .collect();
    assert!(diffs.is_empty(), "{diffs:#?}");
    assert!(
        text(&out.stdout).contains("recent_events: view carried as raw_sql! block"),
        "{}",
        text(&out.stdout)
    );
    // PostgreSQL, in a temporary database.
    let url = live_support::postgres_url();
    let (guard, mut db) = ScratchPostgres::new(&url).expect("postgres");
    db.execute(&render_schema(&schema, Backend::Postgres), true)
        .expect("ddl");
    drop(db);
    let out_file = dir.path().join("pg.rs");
    let out = bin(&[
        "inspect",
        &with_database(&url, &guard.name),
        "--output",
        s(&out_file),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let back = cloacina_codegen::load(&out_file).unwrap_or_else(|e| panic!("{e}"));
    let diffs = compare(
        &normalize(&schema, Some(Backend::Postgres)),
        &normalize(&back, None),
    );
    assert!(diffs.is_empty(), "{diffs:#?}");
    let printed = std::fs::read_to_string(&out_file).expect("read");
    assert!(
        printed.contains("/// One value of every neutral type."),
        "comments become docs: {printed}"
    );
    assert!(
        printed.contains("events_notify: trigger carried as raw_sql! block"),
        "{printed}"
    );
}

#[test]
fn nothing_it_cannot_read_makes_it_panic() {
    let dir = TempDir::new("bad-input");
    let garbage = dir.write("garbage.sqlite3", "this is not a database, just text\n");
    let cases: Vec<(Vec<String>, i32, &str)> = vec![
        (
            vec!["inspect".into(), "mysql://u@h/db".into()],
            2,
            "cannot tell the backend",
        ),
        (
            vec!["inspect".into(), s(&garbage).into()],
            3,
            "garbage.sqlite3",
        ),
        (
            vec!["inspect".into(), "/no/such/file.sqlite3".into()],
            3,
            "no such file",
        ),
        (
            vec![
                "inspect".into(),
                "postgres://nobody@127.0.0.1:1/none".into(),
            ],
            3,
            "connect failed",
        ),
        (
            vec![
                "import".into(),
                s(&dir.write("bad.rs", "diesel::table! {\n  t (id) { id -> , }\n}\n")).into(),
            ],
            3,
            "bad.rs:2:",
        ),
        (
            vec!["import".into(), s(&dir.write("notrust.rs", "fn (")).into()],
            3,
            "notrust.rs:1:",
        ),
        (
            vec!["import".into(), "/no/such/schema.rs".into()],
            3,
            "cannot read /no/such/schema.rs",
        ),
        (
            vec![
                "check".into(),
                "--schema".into(),
                "tests/fixtures/valid/minimal.rs".into(),
                "--migrations".into(),
                s(dir.path()).into(),
            ],
            2,
            "no PostgreSQL server",
        ),
        (
            vec![
                "check-parity".into(),
                "/no/such/pg".into(),
                "/no/such/lite".into(),
                "--postgres".into(),
                live_support::postgres_url(),
            ],
            3,
            "/no/such/pg",
        ),
    ];
    // A schema file with errors fails part (a) before any database is touched.
    let out = bin(&[
        "check",
        "--schema",
        "tests/fixtures/invalid/foreign_key_type_mismatch.rs",
        "--migrations",
        s(dir.path()),
        "--postgres",
        &live_support::postgres_url(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("foreign_key_type_mismatch.rs:9:9"));
    for (args, code, needle) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = bin(&args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    // A column of a type the model lacks is named and left out, not fatal.
    let odd = dir.path().join("odd.sqlite3");
    {
        let mut db = Database::open_sqlite(s(&odd)).expect("create");
        db.execute(
            "CREATE TABLE money (id INTEGER PRIMARY KEY, amount NUMERIC(10,2), tag TEXT);",
            true,
        )
        .expect("ddl");
    }
    let out = bin(&["inspect", s(&odd)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr)
        .contains("money.amount: declared type `NUMERIC(10,2)` has no neutral type"));
    assert!(text(&out.stdout).contains("tag -> Nullable<Text>"));
}

#[test]
fn check_reports_a_declared_extension_the_postgres_history_does_not_create() {
    let dir = TempDir::new("check-extension");
    let (schema, migrations) = live_support::project_with_migration(
        &dir,
        "#![postgres_extensions(pg_trgm)]\ntable! { users (id) { id -> BigInt, name -> Text, } }\n",
    );
    let url = live_support::postgres_url();
    let run = || {
        let out = bin(&[
            "check",
            "--schema",
            s(&schema),
            "--migrations",
            s(&migrations),
            "--postgres",
            &url,
            "--json",
        ]);
        let json: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)));
        (out.status.code(), json)
    };
    let extension_findings = |json: &Value| -> Vec<(usize, Value, Value, Value)> {
        let mut found = Vec::new();
        for (i, section) in json["sections"]
            .as_array()
            .expect("sections")
            .iter()
            .enumerate()
        {
            for f in section["findings"].as_array().expect("findings") {
                if f["kind"] == "extension" {
                    found.push((
                        i,
                        f["object"].clone(),
                        f["left"].clone(),
                        f["schema_at"].clone(),
                    ));
                }
            }
        }
        found
    };
    // Declared and created by the history: clean, and not a difference
    // across backends (SQLite has no extensions).
    let (code, json) = run();
    assert_eq!(code, Some(0), "{json:#}");
    assert!(extension_findings(&json).is_empty(), "{json:#}");

    // The PostgreSQL history no longer creates it.
    let pg_dir = std::fs::read_dir(migrations.join("postgres"))
        .expect("postgres migrations")
        .flatten()
        .next()
        .expect("one migration")
        .path();
    let up = pg_dir.join("up.sql");
    let sql = std::fs::read_to_string(&up).expect("read");
    let edited = sql.replacen("CREATE EXTENSION IF NOT EXISTS \"pg_trgm\";", "", 1);
    assert_ne!(sql, edited, "generated SQL changed shape: {sql}");
    std::fs::write(&up, edited).expect("write");
    let (code, json) = run();
    assert_eq!(code, Some(6), "{json:#}");
    let schema_at = format!("{}:1:4", s(&schema));
    assert_eq!(
        extension_findings(&json),
        [(
            0,
            Value::String("pg_trgm".into()),
            Value::String("yes".into()),
            Value::String(schema_at.clone())
        )],
        "{json:#}"
    );
    // The plain report heads it `PostgreSQL extensions` (it has no table).
    let out = bin(&[
        "check",
        "--schema",
        s(&schema),
        "--migrations",
        s(&migrations),
        "--postgres",
        &url,
    ]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    let plain = text(&out.stdout);
    let want = format!(
        "PostgreSQL extensions\n  [structural error] Extension pg_trgm: exists: left yes | right (absent)\n    schema: {schema_at}\n"
    );
    assert!(plain.contains(&want), "{plain}");
    assert!(!plain.contains("table \n"), "{plain}");
}

#[test]
fn check_passes_on_generated_migrations_and_names_the_cause_of_drift() {
    let dir = TempDir::new("check");
    let schema_src = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/everything.rs"),
    )
    .expect("fixture");
    let schema = dir.write("schema/app.rs", &schema_src);
    let migrations = dir.path().join("migrations");
    let out = bin(&[
        "migration",
        "new",
        "--schema",
        s(&schema),
        "--migrations",
        s(&migrations),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let url = live_support::postgres_url();

    let out = bin(&[
        "check",
        "--schema",
        s(&schema),
        "--migrations",
        s(&migrations),
        "--postgres",
        &url,
        "--json",
    ]);
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{json:#}\n{}",
        text(&out.stderr)
    );
    assert_eq!(json["history"]["state"], "in_sync");
    assert_eq!(json["sections"].as_array().map(Vec::len), Some(3));
    // Counted as check-parity counts.
    assert_eq!(json["summary"]["failing"], 0, "{json:#}");

    // Drift: someone edits the SQLite migration by hand.
    let lite_dir = std::fs::read_dir(migrations.join("sqlite"))
        .expect("sqlite migrations")
        .flatten()
        .next()
        .expect("one migration")
        .path();
    let up = lite_dir.join("up.sql");
    let sql = std::fs::read_to_string(&up).expect("read");
    let edited = sql.replacen("    note TEXT,", "    note TEXT NOT NULL DEFAULT '',", 1);
    assert_ne!(sql, edited, "fixture changed shape: {sql}");
    std::fs::write(&up, edited).expect("write");
    let out = bin(&[
        "check",
        "--schema",
        s(&schema),
        "--migrations",
        s(&migrations),
        "--postgres",
        &url,
    ]);
    let report = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(6),
        "{report}\n{}",
        text(&out.stderr)
    );
    assert!(report.contains("history: NOT in sync"), "{report}");
    assert!(
        report.contains("was edited after it was written"),
        "{report}"
    );
    assert!(report.contains("right: sqlite after"), "{report}");
    assert!(
        report.contains("[structural error] Column note: nullable: left true | right false"),
        "{report}"
    );
    // The same kinds, severities and counts as check-parity: the nullability
    // is structural, the new default value semantics, on each side of the
    // comparison that sees them.
    assert!(
        report.contains("[value semantics error] Column note: default: left (absent) | right \"\""),
        "{report}"
    );
    assert!(
        report.contains(
            "summary: 4 failing; 2 structural, 2 value semantics, 0 representation only\n"
        ),
        "{report}"
    );
    let schema_line = schema_src
        .lines()
        .position(|l| l.contains("note -> Nullable<Text>"))
        .map(|i| i + 1)
        .expect("line");
    assert!(
        report.contains(&format!("schema: {}:{schema_line}:", s(&schema))),
        "{report}"
    );
    assert!(
        report.contains(&format!("migration: {}", up.display())),
        "{report}"
    );
}

/// A Diesel `schema.rs` as `diesel print-schema` writes a PostgreSQL enum.
const ENUM_SCHEMA_RS: &str = r#"
pub mod sql_types {
    #[derive(diesel::query_builder::QueryId, Clone, diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "mood"))]
    pub struct Mood;
}
diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Mood;
    users (id) {
        id -> Int4,
        feeling -> Nullable<Mood>,
        other -> crate::schema::sql_types::Mood,
    }
}
"#;

#[test]
fn import_reads_an_enums_labels_from_the_database_and_says_where_they_are_missing_without_one() {
    let dir = TempDir::new("import-enum");
    let src = dir.write("schema.rs", ENUM_SCHEMA_RS);
    // Without a database: the columns are left out, located, with what to do.
    let out = bin(&["import", s(&src), "--json"]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    let notes = json["notes"].to_string();
    for (line_col, column) in [("schema.rs:12:20", "feeling"), ("schema.rs:13:18", "other")] {
        assert!(
            notes.contains(line_col) && notes.contains(column),
            "{line_col} {column}: {notes}"
        );
    }
    assert!(
        notes.contains("--database") && notes.contains("db_enum"),
        "{notes}"
    );
    let schema = json["schema"].as_str().expect("schema text");
    assert!(
        !schema.contains("feeling ->"),
        "never silently Text: {schema}"
    );

    // With the PostgreSQL database: the enum and its labels from there.
    let url = live_support::postgres_url();
    let (guard, mut pg) = ScratchPostgres::new(&url).expect("postgres");
    pg.execute(
        "CREATE TYPE mood AS ENUM ('calm', 'angry');          CREATE TABLE users (id SERIAL PRIMARY KEY, feeling mood, other mood NOT NULL);",
        true,
    )
    .expect("ddl");
    drop(pg);
    let out_path = dir.path().join("app.rs");
    let out = bin(&[
        "import",
        s(&src),
        "--database",
        &with_database(&url, &guard.name),
        "--output",
        s(&out_path),
        "--json",
    ]);
    let written = std::fs::read_to_string(&out_path).unwrap_or_default();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}\n{written}",
        text(&out.stderr),
        text(&out.stdout)
    );
    assert!(written.contains("enum Mood {"), "{written}");
    assert!(written.contains("feeling -> Nullable<Mood>,"), "{written}");
    assert!(written.contains("other -> Mood,"), "{written}");
    let schema = cloacina_codegen::load(&out_path).expect("the imported file validates");
    assert_eq!(schema.enums[0].labels, ["calm", "angry"]);
}

/// The application behind `multi_backend_app.rs`, as its hand-kept
/// migrations built it on PostgreSQL.
const APP_PG: &str = "
CREATE TYPE priority AS ENUM ('low', 'high');
CREATE TABLE accounts (id SERIAL PRIMARY KEY, name TEXT NOT NULL, active BOOLEAN NOT NULL DEFAULT 't',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(), tags TEXT[] NOT NULL DEFAULT '{}');
CREATE TABLE teams (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, title VARCHAR NOT NULL);
CREATE TABLE notes (id UUID PRIMARY KEY, owner_kind TEXT NOT NULL, owner_id BIGINT NOT NULL,
    body TEXT NOT NULL, attachment BYTEA NOT NULL, written_at TIMESTAMP NOT NULL, due_on DATE,
    search TSVECTOR NOT NULL, level priority);
CREATE INDEX notes_search_idx ON notes USING gin (search);
CREATE INDEX notes_owner_idx ON notes (owner_kind, owner_id);
CREATE TABLE memberships (id BIGSERIAL PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    team_id BIGINT REFERENCES teams (id) ON DELETE SET NULL);
CREATE TABLE audit_log (id BIGSERIAL PRIMARY KEY, client INET, happened_at TIMESTAMPTZ NOT NULL, ranks INTEGER[]);
";

/// The same application on SQLite.
const APP_SQLITE: &str = "
CREATE TABLE accounts (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL);
CREATE TABLE teams (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT);
CREATE TABLE notes (id BLOB PRIMARY KEY NOT NULL, owner_kind TEXT NOT NULL, owner_id INTEGER NOT NULL,
    body TEXT NOT NULL, attachment BLOB NOT NULL, written_at TEXT NOT NULL, due_on TEXT);
CREATE INDEX notes_owner_idx ON notes (owner_kind, owner_id);
CREATE TABLE memberships (id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    team_id INTEGER REFERENCES teams (id) ON DELETE SET NULL);
";

#[test]
fn import_with_one_database_of_each_backend_takes_keys_actions_and_identities_from_them() {
    let dir = TempDir::new("import-two-dbs");
    let url = live_support::postgres_url();
    let (guard, mut pg) = ScratchPostgres::new(&url).expect("postgres");
    pg.execute(APP_PG, true).expect("pg ddl");
    let lite_path = dir.path().join("app.sqlite3");
    {
        let mut db = Database::open_sqlite(s(&lite_path)).expect("create");
        db.execute(APP_SQLITE, true).expect("sqlite ddl");
    }
    let pg_url = with_database(&url, &guard.name);
    let out_path = dir.path().join("app.rs");
    let out = bin(&[
        "import",
        s(&import_fixture("multi_backend_app.rs")),
        "--database",
        &pg_url,
        "--database",
        s(&lite_path),
        "--output",
        s(&out_path),
        "--json",
    ]);
    let err = text(&out.stderr);
    // The enum is left out and the modules disagree: a decision is needed.
    assert_eq!(out.status.code(), Some(6), "{err}");
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    let notes = json["notes"].as_array().expect("notes");
    let kinds = |k: &str| {
        notes
            .iter()
            .filter(|n| n["kind"] == k)
            .map(|n| {
                format!(
                    "{} {}",
                    n["at"].as_str().unwrap_or(""),
                    n["message"].as_str().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
    };
    // Every scoped or left-out construct has a file:line:col.
    for k in ["scoped", "left_out"] {
        for n in kinds(k) {
            assert!(
                n.contains("multi_backend_app.rs:") || n.starts_with("database table "),
                "{k}: {n}"
            );
        }
    }
    let scoped = kinds("scoped").join("\n");
    for what in ["accounts.tags", "notes.search", "table audit_log"] {
        assert!(scoped.contains(what), "{what} not scoped:\n{scoped}");
    }
    // The enum's labels come from the PostgreSQL database: not left out.
    assert!(!kinds("left_out").join("\n").contains("notes.level"));
    // The database answered the identity question: no "assumed" note left.
    assert!(
        kinds("unknown").iter().all(|n| !n.contains("SERIAL")),
        "{notes:#?}"
    );
    // The polymorphic join is still named; the non-polymorphic joins are
    // answered by the real foreign keys.
    let hints = kinds("join_hint").join("\n");
    assert!(hints.contains("polymorphic"), "{hints}");
    // The second database is compared and its differences reported.
    assert_eq!(json["databases"].as_array().map(Vec::len), Some(2));

    let written = std::fs::read_to_string(&out_path).expect("written");
    let schema = cloacina_codegen::load(&out_path)
        .unwrap_or_else(|e| panic!("imported schema invalid: {e}\n{written}"));
    let memberships = schema.table("memberships").expect("memberships");
    let fk = |c: &str| {
        memberships
            .foreign_keys
            .iter()
            .find(|f| f.columns == [c.to_string()])
            .unwrap_or_else(|| panic!("no fk on {c}: {written}"))
    };
    use cloacina_codegen::model::FkAction;
    assert!(
        written.contains("level -> Nullable<Priority>,"),
        "{written}"
    );
    assert_eq!(
        schema.db_enum("priority").map(|e| e.labels.clone()),
        Some(vec!["low".to_string(), "high".to_string()])
    );
    assert_eq!(fk("account_id").on_delete, FkAction::Cascade);
    assert_eq!(fk("team_id").on_delete, FkAction::SetNull);
    assert!(schema
        .table("notes")
        .expect("notes")
        .foreign_keys
        .is_empty());
    for t in ["accounts", "teams", "memberships"] {
        assert!(
            schema
                .table(t)
                .and_then(|t| t.auto_increment_column())
                .is_some(),
            "{t}: {written}"
        );
    }
    assert_eq!(
        schema.table("audit_log").map(|t| t.scope),
        Some(cloacina_codegen::model::BackendScope::Only(
            Backend::Postgres
        ))
    );
    // In the PostgreSQL-only table, Diesel's Array<Int4> is first class.
    assert_eq!(
        schema
            .table("audit_log")
            .and_then(|t| t.column("ranks"))
            .map(|c| (c.ty, c.nullable)),
        Some((
            cloacina_codegen::model::ColumnType::Postgres(cloacina_codegen::model::PgType::Array(
                cloacina_codegen::model::PgElem::Integer
            )),
            true
        )),
        "{written}"
    );
    assert!(!kinds("scoped").join("\n").contains("audit_log.ranks"));
    // So is Diesel's Inet (an `ipnet::IpNet` in the models).
    assert_eq!(
        schema
            .table("audit_log")
            .and_then(|t| t.column("client"))
            .map(|c| (c.ty, c.nullable)),
        Some((
            cloacina_codegen::model::ColumnType::Postgres(cloacina_codegen::model::PgType::Inet),
            true
        )),
        "{written}"
    );
    assert!(!kinds("scoped").join("\n").contains("audit_log.client"));
    // Diesel's naive Timestamp and Date are the neutral NaiveTimestamp and
    // Date, not raw SQL.
    let notes_t = schema.table("notes").expect("notes");
    use cloacina_codegen::model::ColumnType;
    let ty = |c: &str| notes_t.column(c).map(|c| (c.ty, c.nullable));
    assert_eq!(
        ty("written_at"),
        Some((ColumnType::NaiveTimestamp, false)),
        "{written}"
    );
    assert_eq!(ty("due_on"), Some((ColumnType::Date, true)), "{written}");
    // The GIN index names a raw column: not in the neutral table.
    assert!(notes_t.indexes.iter().all(|i| i
        .columns
        .iter()
        .all(|c| notes_t.column(&c.column).is_some())));
    cloacina_codegen::Builder::new()
        .schema(&out_path)
        .generate()
        .unwrap_or_else(|e| panic!("generate: {e}"));
    for backend in Backend::ALL {
        applies_and_reads_back(&schema, backend, "multi_backend_app with databases");
    }
}

/// A PostgreSQL database as applications really have them: everything the
/// neutral model cannot hold, next to what it can.
const LEGACY_PG: &str = r#"
CREATE TYPE mood AS ENUM ('calm', 'angry');
CREATE TABLE owners (id SERIAL PRIMARY KEY, name TEXT NOT NULL, active BOOLEAN NOT NULL DEFAULT 't',
    archived BOOLEAN NOT NULL DEFAULT 'f', flagged BOOLEAN NOT NULL DEFAULT false);
ALTER TABLE owners ADD CONSTRAINT owners_name_short CHECK (length(name) < 200) NOT VALID;
CREATE TABLE a_table_with_a_rather_long_name_for_testing_limits (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    owner_id_with_a_long_column_name_too INTEGER NOT NULL
        REFERENCES owners (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    ticket BIGINT GENERATED BY DEFAULT AS IDENTITY,
    payload JSONB NOT NULL DEFAULT '{}', CHECK (jsonb_typeof(payload) = 'object'),
    tags TEXT[] NOT NULL DEFAULT '{}', happened TIMESTAMP, feeling mood, search TSVECTOR,
    label TEXT, kind TEXT NOT NULL DEFAULT 'x', CHECK (kind IN ('x', 'y')),
    UNIQUE (owner_id_with_a_long_column_name_too, kind, label));
CREATE UNIQUE INDEX label_coalesce_uq ON a_table_with_a_rather_long_name_for_testing_limits (COALESCE(label, ''), kind);
CREATE INDEX partial_kind_idx ON a_table_with_a_rather_long_name_for_testing_limits (kind) WHERE kind = 'y';
CREATE INDEX search_gin ON a_table_with_a_rather_long_name_for_testing_limits USING gin (search);
CREATE MATERIALIZED VIEW owner_counts AS
    SELECT owner_id_with_a_long_column_name_too AS owner_id, count(*) AS n
    FROM a_table_with_a_rather_long_name_for_testing_limits GROUP BY 1;
CREATE UNIQUE INDEX owner_counts_idx ON owner_counts (owner_id);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.name := trim(NEW.name); RETURN NEW; END $$;
CREATE TRIGGER owners_touch BEFORE INSERT ON owners FOR EACH ROW EXECUTE FUNCTION touch();
"#;

/// The same kind of database on SQLite.
const LEGACY_SQLITE: &str = "
CREATE TABLE owners (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 't', archived BOOLEAN NOT NULL DEFAULT 'f' CHECK (archived IN ('t', 'f')),
    flagged INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1)), loud BOOLEAN NOT NULL DEFAULT true);
CREATE TABLE a_table_with_a_rather_long_name_for_testing_the_limits (
    id INTEGER PRIMARY KEY,
    owner_id_with_a_long_column_name_too_and_longer INTEGER NOT NULL
        REFERENCES owners (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    payload TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    label TEXT, kind TEXT NOT NULL DEFAULT 'x' CHECK (kind IN ('x', 'y')),
    UNIQUE (owner_id_with_a_long_column_name_too_and_longer, kind, label));
CREATE UNIQUE INDEX label_coalesce_uq ON a_table_with_a_rather_long_name_for_testing_the_limits (COALESCE(label, ''), kind);
CREATE INDEX partial_kind_idx ON a_table_with_a_rather_long_name_for_testing_the_limits (kind) WHERE kind = 'y';
CREATE VIEW owner_counts AS SELECT owner_id_with_a_long_column_name_too_and_longer AS owner_id, count(*) AS n
    FROM a_table_with_a_rather_long_name_for_testing_the_limits GROUP BY 1;
CREATE TRIGGER owners_touch AFTER INSERT ON owners BEGIN UPDATE owners SET name = trim(name) WHERE id = NEW.id; END;
";

/// The schema part of an inspected file (its header comments say what
/// happened on that run, which differs once names are fixed).
fn without_comments(file: &str) -> String {
    file.lines()
        .filter(|l| !l.starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Inspects `url` into `path`; asserts exit 0 and that the file validates.
fn inspect_ok(url: &str, path: &Path) -> (String, cloacina_codegen::Schema) {
    let out = bin(&["inspect", url, "--output", s(path)]);
    let written = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{written}",
        text(&out.stderr)
    );
    let schema = cloacina_codegen::load(path)
        .unwrap_or_else(|e| panic!("inspected file does not validate: {e}\n{written}"));
    (written, schema)
}

fn renders_and_generates(path: &Path, schema: &cloacina_codegen::Schema) {
    cloacina_codegen::Builder::new()
        .schema(path)
        .generate()
        .unwrap_or_else(|e| panic!("generate: {e}"));
    for b in Backend::ALL {
        assert!(!render_schema(schema, b).is_empty());
    }
}

#[test]
fn inspect_of_a_legacy_postgres_database_carries_everything_and_is_a_fixpoint() {
    let dir = TempDir::new("inspect-legacy-pg");
    let url = live_support::postgres_url();
    let (g1, mut db1) = ScratchPostgres::new(&url).expect("postgres");
    db1.execute(LEGACY_PG, true).expect("legacy ddl");
    // An extension, when the server has one: its own functions are not the
    // application's.
    let extension = ["pg_trgm", "pgcrypto"].into_iter().find(|e| {
        db1.execute(&format!("CREATE EXTENSION IF NOT EXISTS {e}"), true)
            .is_ok()
    });
    drop(db1);
    let url1 = with_database(&url, &g1.name);
    let first = dir.path().join("first.rs");
    let (written, schema) = inspect_ok(&url1, &first);
    // Inspecting the same database twice gives the same file.
    let again = dir.path().join("again.rs");
    let (written_again, _) = inspect_ok(&url1, &again);
    assert_eq!(written, written_again);
    // Every construct the model cannot hold is carried for PostgreSQL, named.
    for (object, what) in [
        ("touch()", "function carried"),
        ("owners_touch", "trigger carried"),
        ("owner_counts", "materialized view carried"),
        ("owner_counts.owner_counts_idx", "index carried"),
        (
            "a_table_with_a_rather_long_name_for_testing_limits.tags",
            "column carried",
        ),
        (
            "a_table_with_a_rather_long_name_for_testing_limits.search",
            "column carried",
        ),
        (
            "a_table_with_a_rather_long_name_for_testing_limits.ticket",
            "identity carried",
        ),
        (
            "a_table_with_a_rather_long_name_for_testing_limits.label_coalesce_uq",
            "expression index",
        ),
        (
            "a_table_with_a_rather_long_name_for_testing_limits.search_gin",
            "a gin index",
        ),
        ("owners.owners_name_short", "NOT VALID"),
        (
            "owners.owners_name_short",
            "run `ALTER TABLE \"owners\" VALIDATE CONSTRAINT \"owners_name_short\"` on the database",
        ),
        ("payload_check", "PostgreSQL's own SQL"),
    ] {
        assert!(
            written
                .lines()
                .any(|l| l.starts_with("//") && l.contains(object) && l.contains(what)),
            "no note on {object} ({what}):\n{written}"
        );
    }
    if let Some(e) = extension {
        // Read into the model as a declared extension, not carried as raw SQL.
        assert!(
            written.contains(&format!("#![postgres_extensions({e})]\n")),
            "{written}"
        );
        assert!(!written.contains("CREATE EXTENSION"), "{written}");
        assert_eq!(schema.extensions, [e]);
        // Extension-owned functions are skipped.
        assert!(
            !written.contains("gtrgm") && !written.contains("digest("),
            "{written}"
        );
    }
    // The enum type is a declared enum, its column an enum column (the
    // render-apply-inspect round below keeps both).
    assert!(
        written.contains("#[db_enum]\nenum Mood {\n    #[value(\"calm\")]\n    Calm,\n    #[value(\"angry\")]\n    Angry,\n}"),
        "{written}"
    );
    assert!(written.contains("feeling -> Nullable<Mood>,"), "{written}");
    assert_eq!(schema.enums.len(), 1);
    assert_eq!(schema.enums[0].labels, ["calm", "angry"]);
    let t = schema
        .table("a_table_with_a_rather_long_name_for_testing_limits")
        .expect("table");
    assert!(t.column("tags").is_none() && t.column("ticket").is_some());
    // The DEFERRABLE foreign key is a neutral one, not carried.
    assert_eq!(
        t.foreign_keys
            .iter()
            .map(|f| f.deferrable)
            .collect::<Vec<_>>(),
        [cloacina_codegen::model::Deferrable::InitiallyDeferred],
        "{written}"
    );
    assert!(
        written.contains("on_delete = cascade, deferrable = initially_deferred")
            && !written.contains("DEFERRABLE"),
        "{written}"
    );
    // A timestamp WITHOUT time zone is the neutral NaiveTimestamp.
    let happened = t.column("happened").expect("happened");
    assert_eq!(
        (happened.ty, happened.nullable),
        (cloacina_codegen::model::ColumnType::NaiveTimestamp, true)
    );
    assert!(t
        .indexes
        .iter()
        .all(|i| i.columns.iter().all(|c| t.column(&c.column).is_some())));
    assert!(t.indexes.iter().any(|i| i.predicate.is_some()));
    // 't' / 'f' boolean defaults (PostgreSQL stores them as booleans).
    let owners = schema.table("owners").expect("owners");
    for (c, v) in [("active", true), ("archived", false)] {
        assert_eq!(
            owners.column(c).and_then(|c| c.default.clone()),
            Some(cloacina_codegen::model::DefaultValue::Bool(v))
        );
    }
    renders_and_generates(&first, &schema);
    // The neutral part applies on SQLite too.
    {
        let (_g, mut lite) = ScratchSqlite::new().expect("sqlite");
        lite.execute(&render_schema(&schema, Backend::Sqlite), true)
            .unwrap_or_else(|e| panic!("on sqlite: {e}"));
    }
    // Render for PostgreSQL, apply, inspect again: the same schema, first round.
    let (g2, mut db2) = ScratchPostgres::new(&url).expect("postgres");
    db2.execute(&render_schema(&schema, Backend::Postgres), true)
        .unwrap_or_else(|e| panic!("apply: {e}\n{}", render_schema(&schema, Backend::Postgres)));
    drop(db2);
    let second = dir.path().join("second.rs");
    let (written2, schema2) = inspect_ok(&with_database(&url, &g2.name), &second);
    assert_eq!(without_comments(&written), without_comments(&written2));
    assert_eq!(schema, schema2);
}

#[test]
fn inspect_of_a_legacy_sqlite_database_carries_everything_and_is_a_fixpoint() {
    let dir = TempDir::new("inspect-legacy-sqlite");
    let db1 = dir.path().join("legacy.sqlite3");
    Database::open_sqlite(s(&db1))
        .expect("create")
        .execute(LEGACY_SQLITE, true)
        .expect("legacy ddl");
    let first = dir.path().join("first.rs");
    let (written, schema) = inspect_ok(s(&db1), &first);
    let (written_again, _) = inspect_ok(s(&db1), &dir.path().join("again.rs"));
    assert_eq!(written, written_again);
    for (object, what) in [
        ("label_coalesce_uq", "index carried"),
        ("owner_counts", "view carried"),
        ("owners_touch", "trigger carried"),
        ("owners.active", "read as true"),
        ("owners.archived", "read as false"),
        (
            "a_table_with_a_rather_long_name_for_testing_the_limits",
            "too long",
        ),
    ] {
        assert!(
            written
                .lines()
                .any(|l| l.starts_with("//") && l.contains(object) && l.contains(what)),
            "no note on {object} ({what}):\n{written}"
        );
    }
    let owners = schema.table("owners").expect("owners");
    let id = owners.column("id").expect("id");
    assert!(id.auto_increment && !id.nullable);
    use cloacina_codegen::model::DefaultValue;
    for (c, v) in [
        ("active", true),
        ("archived", false),
        ("flagged", false),
        ("loud", true),
    ] {
        let col = owners.column(c).expect("column");
        assert_eq!(col.ty, cloacina_codegen::model::ColumnType::Bool, "{c}");
        assert_eq!(col.default, Some(DefaultValue::Bool(v)), "{c}");
    }
    // The DEFERRABLE foreign key is read into the neutral flag.
    let t = schema
        .table("a_table_with_a_rather_long_name_for_testing_the_limits")
        .expect("table");
    assert_eq!(
        t.foreign_keys
            .iter()
            .map(|f| f.deferrable)
            .collect::<Vec<_>>(),
        [cloacina_codegen::model::Deferrable::InitiallyDeferred],
        "{written}"
    );
    renders_and_generates(&first, &schema);
    // The neutral part applies on PostgreSQL too.
    {
        let (_g, mut pg) = ScratchPostgres::new(&live_support::postgres_url()).expect("postgres");
        pg.execute(&render_schema(&schema, Backend::Postgres), true)
            .unwrap_or_else(|e| panic!("on postgres: {e}"));
    }
    let db2 = dir.path().join("again.sqlite3");
    Database::open_sqlite(s(&db2))
        .expect("create")
        .execute(&render_schema(&schema, Backend::Sqlite), true)
        .unwrap_or_else(|e| panic!("apply: {e}"));
    let (written2, schema2) = inspect_ok(s(&db2), &dir.path().join("second.rs"));
    assert_eq!(without_comments(&written), without_comments(&written2));
    assert_eq!(schema, schema2);
}

/// Fails unless `condition` (SQL) holds on `db`: a CHECK that both backends
/// enforce.
fn assert_sql(db: &mut Database, condition: &str) {
    db.execute(
        &format!(
            "CREATE TEMP TABLE probe (ok INTEGER CHECK (ok = 1)); \
             INSERT INTO probe SELECT CASE WHEN {condition} THEN 1 ELSE 0 END; DROP TABLE probe;"
        ),
        true,
    )
    .unwrap_or_else(|e| panic!("does not hold: {condition}: {e}"));
}

#[test]
fn adoption_road_inspect_adopt_then_a_generated_migration_keeps_the_rows_on_both_backends() {
    let dir = TempDir::new("adoption-road");
    // An application with hand-kept migration folders, one per backend.
    let legacy = [
        (
            Backend::Postgres,
            "CREATE TABLE accounts (id SERIAL PRIMARY KEY, name TEXT NOT NULL, \
             active BOOLEAN NOT NULL DEFAULT 't');\n",
        ),
        (
            Backend::Sqlite,
            "CREATE TABLE accounts (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, \
             active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)));\n",
        ),
    ];
    let migrations = dir.path().join("migrations");
    for (b, up) in legacy {
        let m = migrations
            .join(b.name())
            .join("20240101000000_create_accounts");
        std::fs::create_dir_all(&m).expect("mkdir");
        std::fs::write(m.join("up.sql"), up).expect("write");
        std::fs::write(m.join("down.sql"), "DROP TABLE accounts;\n").expect("write");
    }
    // Databases the old folders migrated, holding rows.
    let rows = "INSERT INTO accounts (name) VALUES ('ada'), ('grace'); \
                INSERT INTO accounts (name, active) VALUES ('off', false);";
    let url = live_support::postgres_url();
    let (guard, mut pg) = ScratchPostgres::new(&url).expect("postgres");
    pg.execute(legacy[0].1, true).expect("pg legacy");
    pg.execute(rows, true).expect("pg rows");
    let lite_path = dir.path().join("app.sqlite3");
    let mut lite = Database::open_sqlite(s(&lite_path)).expect("sqlite");
    lite.execute(legacy[1].1, true).expect("sqlite legacy");
    lite.execute(rows, true).expect("sqlite rows");

    // 1. Inspect: the schema file of what the old folders built.
    let schema_path = dir.path().join("app.rs");
    let (written, schema) = inspect_ok(&with_database(&url, &guard.name), &schema_path);
    let accounts = schema.table("accounts").expect("accounts");
    assert!(
        accounts.column("id").is_some_and(|c| c.auto_increment),
        "{written}"
    );
    // The SQLite database says the same.
    let (_, from_sqlite) = inspect_ok(s(&lite_path), &dir.path().join("lite.rs"));
    assert_eq!(
        compare(&normalize(&schema, None), &normalize(&from_sqlite, None)),
        []
    );
    // 2. Adopt the hand-kept folders: nothing pending, nothing re-run.
    let args = |cmd: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
        v.extend([
            "--schema".into(),
            s(&schema_path).into(),
            "--migrations".into(),
            s(&migrations).into(),
        ]);
        v
    };
    let run = |cmd: &[&str]| {
        let a = args(cmd);
        bin(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let o = run(&["migration", "adopt"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = run(&["status"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // 3. The schema evolves; the next migration is generated for both.
    let evolved = std::fs::read_to_string(&schema_path)
        .expect("read")
        .replace(
            "        name -> Text,\n",
            "        name -> Text,\n        #[default(\"\")]\n        bio -> Text,\n",
        );
    assert!(evolved.contains("bio -> Text"), "{evolved}");
    std::fs::write(&schema_path, evolved).expect("write");
    let o = run(&["migration", "new", "add_bio"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // 4. Only the new migration is pending on the adopted databases; it
    //    applies to both and keeps every row.
    for (b, db) in [(Backend::Postgres, &mut pg), (Backend::Sqlite, &mut lite)] {
        let folders: Vec<String> = std::fs::read_dir(migrations.join(b.name()))
            .expect("list")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with("20240101000000"))
            .collect();
        assert_eq!(folders.len(), 1, "{b}: {folders:?}");
        let up =
            std::fs::read_to_string(migrations.join(b.name()).join(&folders[0]).join("up.sql"))
                .expect("up.sql");
        db.execute(&up, false).unwrap_or_else(|e| {
            panic!("{b}: generated migration fails on the adopted database: {e}\n{up}")
        });
        assert_sql(db, "(SELECT count(*) FROM accounts) = 3");
        assert_sql(db, "(SELECT count(*) FROM accounts WHERE bio = '') = 3");
        assert_sql(
            db,
            "EXISTS (SELECT 1 FROM accounts WHERE name = 'off' AND NOT active)",
        );
        // New rows still get their ids.
        db.execute("INSERT INTO accounts (name) VALUES ('new')", true)
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_sql(db, "(SELECT max(id) FROM accounts) = 4");
    }
    let o = run(&["status"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}
