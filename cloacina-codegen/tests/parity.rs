//! `check-parity` on hand-written migration pairs: a correct pair (with a
//! PostgreSQL function and trigger, a SQLite trigger, Diesel-style declared
//! types, version numbers that differ between the sides) reports nothing;
//! each drift class is reported exactly, as JSON, with exit code 6.
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`);
//! the binary creates and drops its own temporary database. Without a
//! server the tests fail with instructions; they never skip.

#![cfg(feature = "live")]

mod live_support;

use std::process::Command;

use live_support::TempDir;
use serde_json::Value;

const PG_USERS: &str = "\
CREATE TABLE users (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  name VARCHAR(100) NOT NULL,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
";

const PG_POSTS: &str = "\
CREATE TABLE posts (
  id SERIAL PRIMARY KEY,
  user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  body TEXT,
  score INTEGER NOT NULL DEFAULT 0 CHECK (score >= 0)
);
CREATE INDEX posts_user_idx ON posts (user_id, id DESC);
CREATE INDEX posts_lower_title ON posts (lower(title));
CREATE INDEX posts_scored ON posts (score) WHERE score > 10;
CREATE FUNCTION notify_post() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('posts', NEW.id::text);
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER posts_notify AFTER INSERT ON posts FOR EACH ROW EXECUTE FUNCTION notify_post();
";

const LITE_USERS: &str = "\
CREATE TABLE users (
  id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16) DEFAULT (randomblob(16)),
  name VARCHAR(100) NOT NULL,
  active BOOLEAN NOT NULL DEFAULT 1,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
";

const LITE_POSTS: &str = "\
CREATE TABLE posts (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  user_id BLOB NOT NULL CHECK (length(user_id) = 16) REFERENCES users (id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  body TEXT,
  score INTEGER NOT NULL DEFAULT 0 CHECK (score >= 0)
);
CREATE INDEX posts_user_idx ON posts (user_id, id DESC);
CREATE INDEX posts_lower_title ON posts (lower(title));
CREATE INDEX posts_scored ON posts (score) WHERE (score > 10);
CREATE TRIGGER posts_touch AFTER INSERT ON posts BEGIN SELECT 1; END;
";

/// Writes a pair of migration trees; version numbers differ per side, and
/// the PostgreSQL posts migration runs outside a transaction.
fn pair(dir: &TempDir, pg: [&str; 2], lite: [&str; 2]) {
    dir.write("pg/2024-01-01-000000_create_users/up.sql", pg[0]);
    dir.write(
        "pg/2024-01-01-000000_create_users/down.sql",
        "DROP TABLE users;",
    );
    dir.write("pg/2024-01-02-000000_create_posts/up.sql", pg[1]);
    dir.write(
        "pg/2024-01-02-000000_create_posts/down.sql",
        "DROP TABLE posts;",
    );
    dir.write(
        "pg/2024-01-02-000000_create_posts/metadata.toml",
        "run_in_transaction = false\n",
    );
    dir.write("lite/20240101000000_create_users/up.sql", lite[0]);
    dir.write(
        "lite/20240101000000_create_users/down.sql",
        "DROP TABLE users;",
    );
    dir.write("lite/20240107120000_create_posts/up.sql", lite[1]);
    dir.write(
        "lite/20240107120000_create_posts/down.sql",
        "DROP TABLE posts;",
    );
}

fn run_parity(dir: &TempDir) -> (Option<i32>, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cloacina-codegen"))
        .arg("check-parity")
        .arg(dir.path().join("pg"))
        .arg(dir.path().join("lite"))
        .args(["--postgres", &live_support::postgres_url(), "--json"])
        .output()
        .expect("run the binary");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\nstderr: {stderr}"));
    (out.status.code(), json, stderr)
}

type Want = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Value,
    Value,
);

fn differences(json: &Value) -> Vec<Want> {
    json["report"]["differences"]
        .as_array()
        .expect("differences")
        .iter()
        .map(|d| {
            let s = |k: &str| -> &'static str {
                Box::leak(d[k].as_str().unwrap_or("").to_string().into_boxed_str())
            };
            (
                s("table"),
                s("kind"),
                s("object"),
                s("attribute"),
                d["left"].clone(),
                d["right"].clone(),
            )
        })
        .collect()
}

#[test]
fn a_correct_hand_written_pair_reports_nothing() {
    let dir = TempDir::new("parity-ok");
    pair(&dir, [PG_USERS, PG_POSTS], [LITE_USERS, LITE_POSTS]);
    let (code, json, stderr) = run_parity(&dir);
    assert_eq!(differences(&json), Vec::<Want>::new(), "{json:#}");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(json["unpaired"], Value::Array(vec![]));
    // Backend-specific SQL is read and listed, not compared.
    let pg_objects = json["postgres_objects"].to_string();
    assert!(
        pg_objects.contains("posts_notify") && pg_objects.contains("notify_post()"),
        "{pg_objects}"
    );
    assert!(json["sqlite_objects"].to_string().contains("posts_touch"));
    // Expression indexes cannot be held by the model: listed on both sides.
    for side in ["postgres_objects", "sqlite_objects"] {
        let objects = json[side].to_string();
        assert!(
            objects.contains("expression index") && objects.contains("posts_lower_title"),
            "{side}: {objects}"
        );
    }
}

#[test]
fn an_extension_on_the_postgres_side_is_no_difference() {
    // SQLite has no extensions: the pair is exempt by design.
    let dir = TempDir::new("parity-extension");
    let pg_users = format!("CREATE EXTENSION IF NOT EXISTS citext;\n{PG_USERS}");
    pair(&dir, [&pg_users, PG_POSTS], [LITE_USERS, LITE_POSTS]);
    let (code, json, stderr) = run_parity(&dir);
    assert_eq!(differences(&json), Vec::<Want>::new(), "{json:#}");
    assert_eq!(json["entries"], Value::Array(vec![]), "{json:#}");
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn a_postgres_enum_and_sqlite_checked_text_with_the_same_labels_are_equal() {
    // The hand-kept Diesel convention (diesel-derive-enum): a PostgreSQL
    // enum type on one side, TEXT with the labels in a CHECK on the other.
    let dir = TempDir::new("parity-enum");
    let pg_posts = PG_POSTS.replace(
        "  title TEXT NOT NULL,",
        "  title TEXT NOT NULL,\n  stage stage NOT NULL DEFAULT 'Draft',",
    );
    let pg_posts = format!("CREATE TYPE stage AS ENUM ('Draft', 'Live');\n{pg_posts}");
    let lite_posts = LITE_POSTS.replace(
        "  title TEXT NOT NULL,",
        "  title TEXT NOT NULL,\n  stage TEXT NOT NULL DEFAULT 'Draft' CHECK (stage IN ('Draft', 'Live')),",
    );
    pair(&dir, [PG_USERS, &pg_posts], [LITE_USERS, &lite_posts]);
    let (code, json, stderr) = run_parity(&dir);
    assert_eq!(differences(&json), Vec::<Want>::new(), "{json:#}");
    assert_eq!(code, Some(0), "{stderr}");

    // Another order of the labels is a real divergence (PostgreSQL sorts
    // and compares by it), and so is a label on one side only.
    for lite_labels in ["('Live', 'Draft')", "('Draft', 'Live', 'Gone')"] {
        let dir = TempDir::new("parity-enum-drift");
        let lite_posts = LITE_POSTS.replace(
            "  title TEXT NOT NULL,",
            &format!("  title TEXT NOT NULL,\n  stage TEXT NOT NULL DEFAULT 'Draft' CHECK (stage IN {lite_labels}),"),
        );
        pair(&dir, [PG_USERS, &pg_posts], [LITE_USERS, &lite_posts]);
        let (code, json, _) = run_parity(&dir);
        let diffs = differences(&json);
        assert!(
            diffs
                .iter()
                .any(|d| d.0 == "posts" && d.2 == "stage" && d.3 == "type"),
            "{lite_labels}: {json:#}"
        );
        assert_eq!(code, Some(6), "{lite_labels}: {json:#}");
    }
}

/// A drift case: name, PostgreSQL scripts, SQLite scripts, expected report.
type Case = (&'static str, [String; 2], [String; 2], Vec<Want>);

#[test]
fn every_drift_class_is_reported_exactly() {
    let j = |s: &str| Value::String(s.to_string());
    let null = Value::Null;
    let cases: Vec<Case> = vec![
        (
            "nullable with a default vs NOT NULL",
            [
                PG_USERS.into(),
                PG_POSTS.replace("body TEXT,", "body TEXT DEFAULT '',"),
            ],
            [
                LITE_USERS.into(),
                LITE_POSTS.replace("body TEXT,", "body TEXT NOT NULL,"),
            ],
            vec![
                ("posts", "column", "body", "nullable", j("true"), j("false")),
                (
                    "posts",
                    "column",
                    "body",
                    "default",
                    j("\"\""),
                    null.clone(),
                ),
            ],
        ),
        (
            "UUID as BLOB on one side, TEXT on the other",
            [PG_USERS.into(), PG_POSTS.into()],
            [
                LITE_USERS.replace(
                    "id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16) DEFAULT (randomblob(16))",
                    "id TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(16))))",
                ),
                LITE_POSTS.into(),
            ],
            vec![("users", "column", "id", "type", j("Uuid"), j("Text"))],
        ),
        (
            "index ascending vs descending",
            [PG_USERS.into(), PG_POSTS.into()],
            [
                LITE_USERS.into(),
                LITE_POSTS.replace("(user_id, id DESC)", "(user_id, id)"),
            ],
            vec![(
                "posts",
                "index",
                "posts_user_idx",
                "columns",
                j("user_id, id DESC"),
                j("user_id, id"),
            )],
        ),
        (
            "VARCHAR(n) vs TEXT",
            [PG_USERS.into(), PG_POSTS.into()],
            [
                LITE_USERS.replace("name VARCHAR(100)", "name TEXT"),
                LITE_POSTS.into(),
            ],
            vec![("users", "column", "name", "type", j("Text<100>"), j("Text"))],
        ),
        (
            "a table on one side only",
            [
                format!(
                    "{PG_USERS}CREATE TABLE audit (id BIGINT PRIMARY KEY, what TEXT NOT NULL);\n"
                ),
                PG_POSTS.into(),
            ],
            [LITE_USERS.into(), LITE_POSTS.into()],
            vec![("audit", "table", "", "exists", j("yes"), null.clone())],
        ),
        (
            "a missing foreign key",
            [PG_USERS.into(), PG_POSTS.into()],
            [
                LITE_USERS.into(),
                LITE_POSTS.replace(" REFERENCES users (id) ON DELETE CASCADE", ""),
            ],
            vec![(
                "posts",
                "foreign_key",
                "(user_id)",
                "exists",
                j("(user_id) -> users(id) on delete CASCADE on update NO ACTION"),
                null.clone(),
            )],
        ),
        (
            "a different ON DELETE",
            [PG_USERS.into(), PG_POSTS.into()],
            [
                LITE_USERS.into(),
                LITE_POSTS.replace("ON DELETE CASCADE", "ON DELETE RESTRICT"),
            ],
            vec![(
                "posts",
                "foreign_key",
                "(user_id)",
                "on_delete",
                j("CASCADE"),
                j("RESTRICT"),
            )],
        ),
        (
            "a deferrable foreign key on one side only",
            [
                PG_USERS.into(),
                PG_POSTS.replace(
                    "ON DELETE CASCADE",
                    "ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED",
                ),
            ],
            [LITE_USERS.into(), LITE_POSTS.into()],
            vec![(
                "posts",
                "foreign_key",
                "(user_id)",
                "deferrable",
                j("DEFERRABLE INITIALLY DEFERRED"),
                j("NOT DEFERRABLE"),
            )],
        ),
        (
            "a check on one side only",
            [PG_USERS.into(), PG_POSTS.into()],
            [
                LITE_USERS.into(),
                LITE_POSTS.replace(" CHECK (score >= 0)", ""),
            ],
            vec![(
                "posts",
                "check",
                "score >= 0",
                "exists",
                j("yes"),
                null.clone(),
            )],
        ),
        (
            "a column order difference",
            [PG_USERS.into(), PG_POSTS.into()],
            [
                LITE_USERS.into(),
                LITE_POSTS.replace(
                    "  title TEXT NOT NULL,\n  body TEXT,\n",
                    "  body TEXT,\n  title TEXT NOT NULL,\n",
                ),
            ],
            vec![(
                "posts",
                "table",
                "",
                "column order",
                j("id, user_id, title, body, score"),
                j("id, user_id, body, title, score"),
            )],
        ),
        (
            "an extra index",
            [PG_USERS.into(), PG_POSTS.into()],
            [
                LITE_USERS.into(),
                format!("{LITE_POSTS}CREATE INDEX posts_title_idx ON posts (title);\n"),
            ],
            vec![(
                "posts",
                "index",
                "posts_title_idx",
                "exists",
                null.clone(),
                j("(title)"),
            )],
        ),
    ];
    let mut failures = Vec::new();
    for (name, pg, lite, want) in cases {
        assert!(
            pg[0] != PG_USERS
                || pg[1] != PG_POSTS
                || lite[0] != LITE_USERS
                || lite[1] != LITE_POSTS,
            "{name}: the fixture did not change"
        );
        let dir = TempDir::new("parity-drift");
        pair(&dir, [&pg[0], &pg[1]], [&lite[0], &lite[1]]);
        let (code, json, stderr) = run_parity(&dir);
        let got = differences(&json);
        if got != want || code != Some(6) {
            failures.push(format!(
                "{name}: exit {code:?}\n got {got:?}\nwant {want:?}\n{stderr}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn unpaired_folders_and_the_readable_report() {
    let dir = TempDir::new("parity-unpaired");
    pair(&dir, [PG_USERS, PG_POSTS], [LITE_USERS, LITE_POSTS]);
    dir.write("pg/2024-02-01-000000_pg_only/up.sql", "SELECT 1;");
    let out = Command::new(env!("CARGO_BIN_EXE_cloacina-codegen"))
        .arg("check-parity")
        .arg(dir.path().join("pg"))
        .arg(dir.path().join("lite"))
        .args(["--postgres", &live_support::postgres_url()])
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(6), "{stdout}");
    assert!(
        stdout.contains(
            "unpaired migration `pg_only`: postgres 2024-02-01-000000_pg_only | sqlite (absent)"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("left:  postgres ("), "{stdout}");
    assert!(stdout.contains("no differences"), "{stdout}");
}

#[test]
fn a_failing_migration_is_named_not_panicked_on() {
    let dir = TempDir::new("parity-broken");
    pair(
        &dir,
        [PG_USERS, PG_POSTS],
        [LITE_USERS, "CREATE TABLE posts (oops"],
    );
    let out = Command::new(env!("CARGO_BIN_EXE_cloacina-codegen"))
        .arg("check-parity")
        .arg(dir.path().join("pg"))
        .arg(dir.path().join("lite"))
        .args(["--postgres", &live_support::postgres_url()])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("20240107120000_create_posts/up.sql")
            && stderr.contains("failed on sqlite"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn run_parity_with(dir: &TempDir, extra: &[&str]) -> (Option<i32>, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cloacina-codegen"))
        .arg("check-parity")
        .arg(dir.path().join("pg"))
        .arg(dir.path().join("lite"))
        .args(["--postgres", &live_support::postgres_url(), "--json"])
        .args(extra)
        .output()
        .expect("run the binary");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\nstderr: {stderr}"));
    (out.status.code(), json, stderr)
}

fn data_tables(json: &Value) -> Vec<(String, bool)> {
    json["data"]["findings"]
        .as_array()
        .expect("data findings")
        .iter()
        .map(|f| {
            (
                f["table"].as_str().unwrap_or("").to_string(),
                f["accepted"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

/// The rows are seeded from the same neutral values on both sides, written
/// in each side's representation (UUID as hyphenated TEXT, boolean as 0/1,
/// timestamp as RFC 3339 TEXT) and decoded back before comparing: a pair
/// that differs only by those conventions passes, rows and all.
#[test]
fn representation_conventions_carry_the_same_rows() {
    let dir = TempDir::new("parity-repr-rows");
    let lite_users = "\
CREATE TABLE users (
  id TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(16)))),
  name VARCHAR(100) NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
";
    let lite_posts = LITE_POSTS.replace(
        "user_id BLOB NOT NULL CHECK (length(user_id) = 16)",
        "user_id TEXT NOT NULL",
    );
    pair(&dir, [PG_USERS, PG_POSTS], [lite_users, &lite_posts]);
    let (code, json, stderr) = run_parity_with(&dir, &[]);
    assert_eq!(data_tables(&json), vec![], "{json:#}");
    assert_eq!(json["summary"]["failing"], 0, "{json:#}");
    assert_eq!(code, Some(0), "{stderr}\n{json:#}");
}

/// A pair whose SQLite side mixes representations across a foreign key
/// (posts.user_id a BLOB, users.id TEXT) really cannot carry the same
/// rows: reported as data findings, which an `--accept` baseline's `data`
/// entry silences; a `data` entry that matches nothing is reported stale.
#[test]
fn data_findings_are_accepted_by_the_baseline_and_stale_ones_reported() {
    let dir = TempDir::new("parity-accept-data");
    let lite_users = LITE_USERS.replace(
        "id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16) DEFAULT (randomblob(16))",
        "id TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(16))))",
    );
    pair(&dir, [PG_USERS, PG_POSTS], [&lite_users, LITE_POSTS]);
    let (code, json, _) = run_parity_with(&dir, &[]);
    assert_eq!(code, Some(6), "{json:#}");
    let found = data_tables(&json);
    assert!(!found.is_empty(), "{json:#}");
    // Only posts rows (the BLOB child of a TEXT parent); users rows agree.
    assert!(
        found.iter().all(|(t, accepted)| t == "posts" && !accepted),
        "{json:#}"
    );

    dir.write(
        "baseline.json",
        r#"{"accept": [], "data": [
  {"table": "posts", "reason": "posts.user_id is a BLOB, users.id TEXT: fixed later"},
  {"table": "users", "column": "name", "reason": "gone"}
]}"#,
    );
    let baseline = dir.path().join("baseline.json");
    let baseline = baseline.to_str().expect("utf-8 path");
    let (code, json, stderr) = run_parity_with(&dir, &["--accept", baseline]);
    assert!(
        data_tables(&json).iter().all(|(_, accepted)| *accepted),
        "{json:#}"
    );
    assert_eq!(code, Some(0), "{stderr}\n{json:#}");
    assert_eq!(json["stale_data"][0]["table"], "users", "{json:#}");
    assert_eq!(json["summary"]["stale"], 1, "{json:#}");
    assert!(
        stderr.contains("accepted data finding no longer occurs")
            && stderr.contains("table users column name"),
        "{stderr}"
    );
}
