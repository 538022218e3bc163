//! `check --database URL` (issue 10, point 4): a live database of either
//! backend is compared with the schema file and with the history it
//! records as applied; a column added by hand is reported (exit 6), on
//! SQLite and on PostgreSQL. A declared PostgreSQL extension
//! (`#![postgres_extensions(citext)]`) missing from the database, or one
//! installed but not declared, is reported as `extension citext`; SQLite
//! has no extensions, so a declaration is no difference there; `--accept`
//! silences an entry. A deferrable foreign key agrees with the database on
//! both backends; one made immediate by hand is reported.
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`);
//! run under `scripts/with-postgres.sh`. Without a server the test fails
//! with instructions; it never skips.

#![cfg(feature = "live")]

mod live_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cloacina_codegen::internals::introspect::Database;
use live_support::TempDir;
use serde_json::Value;

const SCHEMA: &str = "\
table! {
    users (id) {
        id -> BigInt,
        name -> Text,
        #[default(true)]
        active -> Bool,
    }
}
";

/// A project with one generated migration pair.
fn project(dir: &TempDir) -> (PathBuf, PathBuf) {
    live_support::project_with_migration(dir, SCHEMA)
}

fn bin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cloacina-codegen"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run the binary")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn check(schema: &Path, migrations: &Path, url: &str) -> (Option<i32>, Value, String) {
    check_with(schema, migrations, url, &[])
}

fn check_with(
    schema: &Path,
    migrations: &Path,
    url: &str,
    extra: &[&str],
) -> (Option<i32>, Value, String) {
    let server = live_support::postgres_url();
    let mut args = vec![
        "check",
        "--schema",
        s(schema),
        "--migrations",
        s(migrations),
        "--database",
        url,
        "--postgres",
        &server,
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = bin(&args);
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)));
    (out.status.code(), json, text(&out.stderr))
}

fn has(entries: &Value, object: &str, attribute: &str) -> bool {
    entries
        .as_array()
        .expect("entries")
        .iter()
        .any(|e| e["object"] == object && e["attribute"] == attribute && e["kind"] == "structural")
}

fn assert_drift_found(schema: &Path, migrations: &Path, url: &str, db: &mut Database) {
    let (code, json, stderr) = check(schema, migrations, url);
    assert_eq!(code, Some(0), "{stderr}\n{json:#}");
    assert_eq!(json["pending"], Value::Array(vec![]), "{json:#}");
    assert_eq!(
        json["applied"].as_array().map(Vec::len),
        Some(1),
        "{json:#}"
    );

    db.execute("ALTER TABLE users ADD COLUMN nickname TEXT", false)
        .expect("hand edit");
    let (code, json, stderr) = check(schema, migrations, url);
    assert_eq!(code, Some(6), "{stderr}\n{json:#}");
    assert!(
        has(&json["schema"], "column nickname", "exists"),
        "{json:#}"
    );
    assert!(
        has(&json["history"], "column nickname", "exists"),
        "{json:#}"
    );
    assert_eq!(json["summary"]["failing"], 2, "{json:#}");
    assert!(stderr.contains("the database drifted"), "{stderr}");
}

#[test]
fn a_column_added_by_hand_is_reported_on_sqlite() {
    let dir = TempDir::new("drift-sqlite");
    let (schema, migrations) = project(&dir);
    let file = dir.path().join("live.sqlite3");
    let url = file.to_string_lossy().into_owned();
    let mut db = Database::open_sqlite(&url).expect("open");
    live_support::apply_as_diesel(&mut db, &migrations, "sqlite");
    assert_drift_found(&schema, &migrations, &url, &mut db);
}

#[test]
fn a_column_added_by_hand_is_reported_on_postgres() {
    let dir = TempDir::new("drift-pg");
    let (schema, migrations) = project(&dir);
    let server = live_support::postgres_url();
    let (guard, mut db) = cloacina_codegen::check::ScratchPostgres::new(&server).expect("scratch");
    live_support::apply_as_diesel(&mut db, &migrations, "postgres");
    let url = cloacina_codegen::check::with_database(&server, &guard.name);
    assert_drift_found(&schema, &migrations, &url, &mut db);
    drop(db);
    drop(guard);
}

fn yes() -> Value {
    Value::String("yes".into())
}

/// The schema file declaring citext.
fn with_citext() -> String {
    format!("#![postgres_extensions(citext)]\n{SCHEMA}")
}

/// The entries about `extension citext`: (list, left, right).
fn extension_entries(json: &Value) -> Vec<(String, Value, Value)> {
    ["schema", "history"]
        .iter()
        .flat_map(|list| {
            json[*list]
                .as_array()
                .expect("entries")
                .iter()
                .filter(|e| e["object"] == "extension citext")
                .map(|e| {
                    assert_eq!(e["kind"], "structural", "{e:#}");
                    assert_eq!(e["attribute"], "exists", "{e:#}");
                    assert_eq!(e["table"], "", "{e:#}");
                    (list.to_string(), e["left"].clone(), e["right"].clone())
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn a_declared_extension_missing_from_postgres_is_reported_and_can_be_accepted() {
    let dir = TempDir::new("drift-ext-missing");
    let (schema, migrations) = live_support::project_with_migration(&dir, &with_citext());
    let server = live_support::postgres_url();
    let (guard, mut db) = cloacina_codegen::check::ScratchPostgres::new(&server).expect("scratch");
    live_support::apply_as_diesel(&mut db, &migrations, "postgres");
    let url = cloacina_codegen::check::with_database(&server, &guard.name);

    // Declared, created by the history, installed: in agreement.
    let (code, json, stderr) = check(&schema, &migrations, &url);
    assert_eq!(code, Some(0), "{stderr}\n{json:#}");
    assert!(extension_entries(&json).is_empty(), "{json:#}");

    // Dropped by hand: the file and the history both declare it.
    db.execute("DROP EXTENSION citext", false)
        .expect("drop extension");
    let (code, json, stderr) = check(&schema, &migrations, &url);
    assert_eq!(code, Some(6), "{stderr}\n{json:#}");
    assert_eq!(
        extension_entries(&json),
        [
            ("schema".to_string(), yes(), Value::Null),
            ("history".to_string(), yes(), Value::Null),
        ],
        "{json:#}"
    );
    assert_eq!(json["summary"]["failing"], 2, "{json:#}");
    assert!(stderr.contains("the database drifted"), "{stderr}");

    // The readable report names it at the schema level.
    let out = bin(&[
        "check",
        "--schema",
        s(&schema),
        "--migrations",
        s(&migrations),
        "--database",
        &url,
        "--postgres",
        &server,
    ]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("schema: extension citext exists: left \"yes\" | right (absent)"),
        "{stdout}"
    );

    // One baseline entry accepts it in both lists.
    let baseline = dir.write(
        "accept.json",
        r#"{"accept": [{"kind": "structural", "table": "", "object": "extension citext",
            "attribute": "exists", "reason": "installed by the DBA later"}]}"#,
    );
    let (code, json, stderr) = check_with(&schema, &migrations, &url, &["--accept", s(&baseline)]);
    assert_eq!(code, Some(0), "{stderr}\n{json:#}");
    assert_eq!(json["summary"]["failing"], 0, "{json:#}");
    assert_eq!(json["summary"]["accepted"], 2, "{json:#}");
    assert_eq!(json["stale"], Value::Array(vec![]), "{json:#}");
    assert!(json["schema"]
        .as_array()
        .expect("entries")
        .iter()
        .all(|e| e["accepted"] == true));
    drop(db);
    drop(guard);
}

#[test]
fn an_installed_extension_the_file_does_not_declare_is_reported_on_postgres() {
    let dir = TempDir::new("drift-ext-undeclared");
    let (schema, migrations) = project(&dir);
    let server = live_support::postgres_url();
    let (guard, mut db) = cloacina_codegen::check::ScratchPostgres::new(&server).expect("scratch");
    live_support::apply_as_diesel(&mut db, &migrations, "postgres");
    let url = cloacina_codegen::check::with_database(&server, &guard.name);
    db.execute("CREATE EXTENSION citext", false)
        .expect("create extension");
    let (code, json, stderr) = check(&schema, &migrations, &url);
    assert_eq!(code, Some(6), "{stderr}\n{json:#}");
    assert_eq!(
        extension_entries(&json),
        [
            ("schema".to_string(), Value::Null, yes()),
            ("history".to_string(), Value::Null, yes()),
        ],
        "{json:#}"
    );
    assert_eq!(json["summary"]["failing"], 2, "{json:#}");

    // A stale baseline entry is reported and does not hide anything.
    let baseline = dir.write(
        "accept.json",
        r#"{"accept": [{"kind": "structural", "table": "", "object": "extension pg_trgm", "attribute": "exists"}]}"#,
    );
    let (code, json, _) = check_with(&schema, &migrations, &url, &["--accept", s(&baseline)]);
    assert_eq!(code, Some(6), "{json:#}");
    assert_eq!(json["stale"][0]["object"], "extension pg_trgm", "{json:#}");
    assert_eq!(json["summary"]["stale"], 1, "{json:#}");
    drop(db);
    drop(guard);
}

#[test]
fn a_declared_extension_is_no_difference_on_sqlite() {
    let dir = TempDir::new("drift-ext-sqlite");
    let (schema, migrations) = live_support::project_with_migration(&dir, &with_citext());
    let file = dir.path().join("live.sqlite3");
    let url = file.to_string_lossy().into_owned();
    let mut db = Database::open_sqlite(&url).expect("open");
    live_support::apply_as_diesel(&mut db, &migrations, "sqlite");
    let (code, json, stderr) = check(&schema, &migrations, &url);
    assert_eq!(code, Some(0), "{stderr}\n{json:#}");
    assert_eq!(json["schema"], Value::Array(vec![]), "{json:#}");
    assert_eq!(json["history"], Value::Array(vec![]), "{json:#}");
}

/// A schema whose foreign key is checked at COMMIT.
const DEFERRED: &str = "\
table! {
    users (id) {
        id -> BigInt,
    }
}
table! {
    posts (id) {
        id -> BigInt,
        #[references(users.id, on_delete = cascade, deferrable = initially_deferred)]
        user_id -> BigInt,
    }
}
";

/// The structural entries of `list` about foreign keys: (object, attribute, left, right).
fn key_entries(json: &Value, list: &str) -> Vec<(String, String, Value, Value)> {
    json[list]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["table"] == "posts" && e["kind"] == "structural")
        .map(|e| {
            (
                e["object"].as_str().unwrap_or("").to_string(),
                e["attribute"].as_str().unwrap_or("").to_string(),
                e["left"].clone(),
                e["right"].clone(),
            )
        })
        .collect()
}

#[test]
fn a_deferrable_foreign_key_agrees_on_sqlite() {
    let dir = TempDir::new("drift-deferred-sqlite");
    let (schema, migrations) = live_support::project_with_migration(&dir, DEFERRED);
    let file = dir.path().join("live.sqlite3");
    let url = file.to_string_lossy().into_owned();
    let mut db = Database::open_sqlite(&url).expect("open");
    live_support::apply_as_diesel(&mut db, &migrations, "sqlite");
    let (code, json, stderr) = check(&schema, &migrations, &url);
    assert_eq!(code, Some(0), "{stderr}\n{json:#}");
}

#[test]
fn a_foreign_key_made_immediate_by_hand_is_reported_on_postgres() {
    let dir = TempDir::new("drift-deferred-pg");
    let (schema, migrations) = live_support::project_with_migration(&dir, DEFERRED);
    let server = live_support::postgres_url();
    let (guard, mut db) = cloacina_codegen::check::ScratchPostgres::new(&server).expect("scratch");
    live_support::apply_as_diesel(&mut db, &migrations, "postgres");
    let url = cloacina_codegen::check::with_database(&server, &guard.name);
    let (code, json, stderr) = check(&schema, &migrations, &url);
    assert_eq!(code, Some(0), "{stderr}\n{json:#}");

    db.execute(
        "ALTER TABLE posts ALTER CONSTRAINT posts_user_id_fkey NOT DEFERRABLE",
        false,
    )
    .expect("hand edit");
    let (code, json, stderr) = check(&schema, &migrations, &url);
    assert_eq!(code, Some(6), "{stderr}\n{json:#}");
    // Named by table and key, in both the schema-file and history sections.
    let want = vec![(
        "foreign key (user_id)".to_string(),
        "deferrable".to_string(),
        Value::String("DEFERRABLE INITIALLY DEFERRED".into()),
        Value::String("NOT DEFERRABLE".into()),
    )];
    assert_eq!(key_entries(&json, "schema"), want, "{json:#}");
    assert_eq!(key_entries(&json, "history"), want, "{json:#}");
    drop(db);
    drop(guard);
}

/// The entries about `extension citext` other than `exists`:
/// (list, attribute, left, right).
fn extension_option_entries(json: &Value) -> Vec<(String, String, Value, Value)> {
    ["schema", "history"]
        .iter()
        .flat_map(|list| {
            json[*list]
                .as_array()
                .expect("entries")
                .iter()
                .filter(|e| e["object"] == "extension citext" && e["attribute"] != "exists")
                .map(|e| {
                    (
                        list.to_string(),
                        e["attribute"].as_str().unwrap_or_default().to_string(),
                        e["left"].clone(),
                        e["right"].clone(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `#![postgres_extensions(citext(version = "1.4"))]`: the history
/// creates that version, and `check --database` agrees; updated by hand
/// (`ALTER EXTENSION citext UPDATE`, to the server's default version) the
/// version is reported (as text); moved by hand into another schema, the
/// schema is. A file that pins no version accepts the installed one.
#[test]
fn a_declared_extension_version_or_schema_the_database_differs_from_is_reported() {
    let dir = TempDir::new("drift-ext-version");
    let source = format!("#![postgres_extensions(citext(version = \"1.4\"))]\n{SCHEMA}");
    let (schema, migrations) = live_support::project_with_migration(&dir, &source);
    let server = live_support::postgres_url();
    let (guard, mut db) = cloacina_codegen::check::ScratchPostgres::new(&server).expect("scratch");
    live_support::apply_as_diesel(&mut db, &migrations, "postgres");
    let url = cloacina_codegen::check::with_database(&server, &guard.name);
    let (code, json, stderr) = check(&schema, &migrations, &url);
    assert_eq!(code, Some(0), "{stderr}\n{json:#}");

    db.execute("ALTER EXTENSION citext UPDATE", false)
        .expect("update extension");
    let (code, json, stderr) = check(&schema, &migrations, &url);
    assert_eq!(code, Some(6), "{stderr}\n{json:#}");
    let found = extension_option_entries(&json);
    assert_eq!(found.len(), 2, "{json:#}");
    for (list, (l, attribute, left, right)) in ["schema", "history"].iter().zip(&found) {
        assert_eq!(
            (l.as_str(), attribute.as_str(), left),
            (*list, "version", &Value::String("1.4".into())),
            "{json:#}"
        );
        assert!(
            right.as_str().is_some_and(|v| v != "1.4"),
            "the installed version is text: {json:#}"
        );
    }

    // Moved into another schema by hand: the schema differs too.
    db.execute(
        "CREATE SCHEMA elsewhere; ALTER EXTENSION citext SET SCHEMA elsewhere",
        false,
    )
    .expect("move extension");
    let (code, json, stderr) = check(&schema, &migrations, &url);
    assert_eq!(code, Some(6), "{stderr}\n{json:#}");
    assert!(
        extension_option_entries(&json).contains(&(
            "schema".into(),
            "schema".into(),
            Value::Null,
            Value::String("elsewhere".into())
        )),
        "{json:#}"
    );

    // A file that pins no version and names that schema is content.
    let unpinned = format!("#![postgres_extensions(citext(schema = \"elsewhere\"))]\n{SCHEMA}");
    std::fs::write(&schema, unpinned).expect("write");
    let (_, json, _) = check(&schema, &migrations, &url);
    assert!(
        !json["schema"]
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["object"] == "extension citext"),
        "{json:#}"
    );
    drop(db);
    drop(guard);
}

/// `citext(schema = "public")`, `public` being the current schema: the
/// database reads the extension back as living in the current schema
/// (unset), which is what the file says, so neither `check --database` nor
/// the plain `check` reports a difference (before, `schema: left public |
/// right (absent)` made such a file fail forever); a file naming another
/// schema than where the extension lives is still reported.
#[test]
fn an_extension_declared_in_the_current_schema_is_no_difference() {
    let dir = TempDir::new("drift-ext-public");
    let source = format!("#![postgres_extensions(citext(schema = \"public\"))]\n{SCHEMA}");
    let (schema, migrations) = live_support::project_with_migration(&dir, &source);
    let server = live_support::postgres_url();
    let (guard, mut db) = cloacina_codegen::check::ScratchPostgres::new(&server).expect("scratch");
    live_support::apply_as_diesel(&mut db, &migrations, "postgres");
    let url = cloacina_codegen::check::with_database(&server, &guard.name);
    let (code, json, stderr) = check(&schema, &migrations, &url);
    assert_eq!(code, Some(0), "{stderr}\n{json:#}");

    let out = bin(&[
        "check",
        "--schema",
        s(&schema),
        "--migrations",
        s(&migrations),
        "--postgres",
        &server,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );

    let elsewhere = format!("#![postgres_extensions(citext(schema = \"elsewhere\"))]\n{SCHEMA}");
    std::fs::write(&schema, elsewhere).expect("write");
    let (code, json, stderr) = check(&schema, &migrations, &url);
    assert_eq!(code, Some(6), "{stderr}\n{json:#}");
    assert!(
        extension_option_entries(&json).contains(&(
            "schema".into(),
            "schema".into(),
            Value::String("elsewhere".into()),
            Value::Null
        )),
        "{json:#}"
    );
    drop(db);
    drop(guard);
}
