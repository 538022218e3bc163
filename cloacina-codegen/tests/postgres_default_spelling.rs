//! Defaults of PostgreSQL-only columns are compared in PostgreSQL's own
//! spelling (issue 11, point 1). Every PostgreSQL-only type gets a default
//! written in a valid but non-canonical way (`'1 hour'`, `'[1,5]'`,
//! `'{1, 2}'`, `'1.5'` money, `'08-00-2b-01-02-03'`, …): `check` (schema
//! file against the replayed history) and `check --database` (against a
//! live database) report nothing, where PostgreSQL printing the value back
//! as `01:00:00`, `[1,6)`, `{1,2}`, `$1.50` used to be reported as a default
//! difference. A really different default is still reported, in either
//! direction (the file changed, the database changed by hand), and a
//! literal PostgreSQL refuses is an error naming the column and the text.
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`);
//! run under `scripts/with-postgres.sh`. Without a server the test fails
//! with instructions; it never skips.

#![cfg(feature = "live")]

mod live_support;

use std::path::Path;
use std::process::{Command, Output};

use cloacina_codegen::check::{with_database, ScratchPostgres};
use live_support::TempDir;
use serde_json::Value;

/// Every PostgreSQL-only type with a default PostgreSQL prints otherwise.
const SCHEMA: &str = r#"#![postgres_extensions(citext)]

table! {
    #[backend(postgres)]
    spelled (id) {
        #[auto_increment]
        id -> BigInt,
        #[default("1 hour")]
        grace -> Interval,
        #[default("[1,5]")]
        span -> Range<Integer>,
        #[default("(0,10]")]
        big_span -> Range<BigInt>,
        #[default("[1.50, 2]")]
        share -> Range<Numeric>,
        #[default("[2024-01-01,2024-01-31]")]
        billing -> Range<Date>,
        #[default("[2024-01-01 02:00:00+02,2024-01-02 00:00:00+00)")]
        during -> Range<Timestamp>,
        #[default("[2024-01-01 00:00,2024-01-02)")]
        wall -> Range<NaiveTimestamp>,
        #[default("{1, 2}")]
        scores -> Array<Integer>,
        #[default("{a, \"b\"}")]
        tags -> Array<Text>,
        #[default("{t, false}")]
        flags -> Array<Bool>,
        #[default("{1.50, 2e0}")]
        weights -> Array<Double>,
        #[default("{1.5, -2}")]
        amounts -> Array<Decimal<10, 2>>,
        #[default("{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}")]
        keys -> Array<Uuid>,
        #[default("{\"2024-01-01 02:00:00+02\"}")]
        seen -> Array<Timestamp>,
        #[default("{2024-1-2}")]
        days -> Array<Date>,
        #[default("{ \"{\\\"b\\\": 1,   \\\"a\\\": 2}\" }")]
        docs -> Array<Json>,
        #[default("1.5")]
        balance -> Money,
        #[default("0012")]
        owner -> Oid,
        #[default("08-00-2b-01-02-03")]
        device -> MacAddr,
        #[default("08002b0102030405")]
        device64 -> MacAddr8,
        #[default("Nobody@Example.com")]
        email -> Citext,
        #[default("10.1.2.3/32")]
        client -> Inet,
        #[default("10.1/16")]
        network -> Cidr,
        #[default("'a':1 'b'")]
        search -> Tsvector,
    }
}
"#;

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

/// `check` (schema file against the replayed history): exit code, JSON.
fn check(schema: &Path, migrations: &Path) -> (Option<i32>, Value, String) {
    let server = live_support::postgres_url();
    let out = bin(&[
        "check",
        "--schema",
        s(schema),
        "--migrations",
        s(migrations),
        "--postgres",
        &server,
        "--json",
    ]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), json, text(&out.stderr))
}

/// `check --database URL`: exit code, JSON.
fn drift(schema: &Path, migrations: &Path, url: &str) -> (Option<i32>, Value, String) {
    let server = live_support::postgres_url();
    let out = bin(&[
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
    ]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), json, text(&out.stderr))
}

/// The default findings of `check`'s first section (schema file against
/// PostgreSQL after the history): (column, left, right).
fn check_defaults(json: &Value) -> Vec<(String, Value, Value)> {
    json["sections"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|d| d["attribute"] == "default")
        .map(|d| {
            (
                d["object"].as_str().unwrap_or("").to_string(),
                d["left"].clone(),
                d["right"].clone(),
            )
        })
        .collect()
}

/// The default entries of a `check --database` list: (column, left, right).
fn drift_defaults(json: &Value, list: &str) -> Vec<(String, Value, Value)> {
    json[list]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["attribute"] == "default")
        .map(|e| {
            (
                e["object"].as_str().unwrap_or("").to_string(),
                e["left"].clone(),
                e["right"].clone(),
            )
        })
        .collect()
}

fn str_value(s: &str) -> Value {
    Value::String(s.into())
}

#[test]
fn postgres_only_defaults_in_another_spelling_are_no_difference_but_other_values_are() {
    let dir = TempDir::new("pg-default-spelling");
    let (schema, migrations) = live_support::project_with_migration(&dir, SCHEMA);

    // The history's database against the file: nothing at all.
    let (code, json, stderr) = check(&schema, &migrations);
    assert_eq!(json["summary"]["failing"], 0, "{stderr}\n{json:#}");
    assert!(check_defaults(&json).is_empty(), "{json:#}");
    assert_eq!(code, Some(0), "{stderr}\n{json:#}");

    // A live database the history was applied to: nothing either.
    let server = live_support::postgres_url();
    let (guard, mut db) = ScratchPostgres::new(&server).expect("scratch");
    live_support::apply_as_diesel(&mut db, &migrations, "postgres");
    let url = with_database(&server, &guard.name);
    let (code, json, stderr) = drift(&schema, &migrations, &url);
    assert_eq!(json["summary"]["failing"], 0, "{stderr}\n{json:#}");
    assert_eq!(code, Some(0), "{stderr}\n{json:#}");

    // The database changed by hand: another interval, another range, a
    // default dropped. Reported against the file and against the history,
    // in PostgreSQL's spelling on both sides.
    db.execute(
        "ALTER TABLE spelled ALTER COLUMN grace SET DEFAULT '2 hours'; \
         ALTER TABLE spelled ALTER COLUMN span SET DEFAULT '[1,7)'; \
         ALTER TABLE spelled ALTER COLUMN device DROP DEFAULT",
        false,
    )
    .expect("hand edit");
    let (code, json, stderr) = drift(&schema, &migrations, &url);
    assert_eq!(code, Some(6), "{stderr}\n{json:#}");
    let want = vec![
        (
            "column device".to_string(),
            str_value("08:00:2b:01:02:03"),
            Value::Null,
        ),
        (
            "column grace".to_string(),
            str_value("01:00:00"),
            str_value("02:00:00"),
        ),
        (
            "column span".to_string(),
            str_value("[1,6)"),
            str_value("[1,7)"),
        ),
    ];
    let mut got = drift_defaults(&json, "schema");
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got, want, "{json:#}");
    let mut got = drift_defaults(&json, "history");
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got, want, "{json:#}");
    assert_eq!(json["summary"]["failing"], 6, "{json:#}");
    drop(db);
    drop(guard);

    // The file changed: another money value and another network, in the
    // file's own (non-canonical) spelling, are reported against the
    // history, printed as PostgreSQL prints them.
    let changed = SCHEMA
        .replace("#[default(\"1.5\")]", "#[default(\"2\")]")
        .replace("#[default(\"10.1/16\")]", "#[default(\"10.2/16\")]");
    assert_ne!(changed, SCHEMA);
    std::fs::write(&schema, changed).expect("write");
    let (code, json, stderr) = check(&schema, &migrations);
    assert_eq!(code, Some(6), "{stderr}\n{json:#}");
    let mut got = check_defaults(&json);
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got,
        vec![
            (
                "balance".to_string(),
                str_value("\"$2.00\""),
                str_value("\"$1.50\""),
            ),
            (
                "network".to_string(),
                str_value("\"10.2.0.0/16\""),
                str_value("\"10.1.0.0/16\""),
            ),
        ],
        "{json:#}"
    );
}

#[test]
fn a_postgres_only_default_postgres_refuses_is_a_located_error() {
    let dir = TempDir::new("pg-default-refused");
    let (schema, migrations) = live_support::project_with_migration(&dir, SCHEMA);
    // Bits right of the mask: not a CIDR value.
    let bad = SCHEMA.replace("#[default(\"10.1/16\")]", "#[default(\"10.1.2.3/16\")]");
    std::fs::write(&schema, &bad).expect("write");
    let (code, _json, stderr) = check(&schema, &migrations);
    assert_ne!(code, Some(0), "{stderr}");
    assert_ne!(code, Some(6), "{stderr}");
    assert!(stderr.contains("spelled.network"), "{stderr}");
    assert!(stderr.contains("10.1.2.3/16"), "{stderr}");
    assert!(stderr.contains("CIDR"), "{stderr}");
    // PostgreSQL's first line and its DETAIL, which says why.
    assert!(
        stderr.contains("invalid cidr value")
            && stderr.contains("DETAIL: Value has bits set to right of mask"),
        "{stderr}"
    );
    // Located at the column: schema/app.rs:<line>:<col> of `network`.
    let line = bad
        .lines()
        .position(|l| l.contains("network -> Cidr"))
        .expect("line")
        + 1;
    assert!(stderr.contains(&format!("app.rs:{line}:")), "{stderr}");
}

/// The same when the history was written from the refused literal: the
/// file's defaults are printed before the replay, so the error names the
/// column and the literal instead of the generated up.sql that fails on it
/// (`range lower bound must be less than or equal to range upper bound`,
/// shown at the script's header comment).
#[test]
fn a_refused_default_in_the_history_too_is_a_located_error_not_a_failing_migration() {
    let dir = TempDir::new("pg-default-refused-history");
    let bad = SCHEMA.replace("#[default(\"10.1/16\")]", "#[default(\"10.1.2.3/16\")]");
    assert_ne!(bad, SCHEMA);
    let (schema, migrations) = live_support::project_with_migration(&dir, &bad);
    let (code, _json, stderr) = check(&schema, &migrations);
    assert_ne!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("bad default for `spelled.network`"),
        "{stderr}"
    );
    assert!(stderr.contains("10.1.2.3/16"), "{stderr}");
    assert!(!stderr.contains("up.sql"), "{stderr}");
}
