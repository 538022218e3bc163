//! Declared custom types live: `check` on a generated history that adds a
//! column of a declared custom type (`ltree`) to a PostgreSQL-only table and
//! one with a SQLite mapping to a table of both backends is clean, with
//! seeded rows kept; `inspect` still carries an undeclared type as raw SQL
//! and its note says how to declare it.
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`);
//! without a server the tests fail with instructions; they never skip.

#![cfg(feature = "live")]

mod live_support;

use std::path::Path;

use cloacina_codegen::check::check;
use live_support::{bin, TempDir};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

const V1: &str = r#"#![postgres_extensions(ltree)]

/// A label path.
#[custom_type(postgres = "ltree", diesel = "crate::sql::Ltree", rust = "String")]
struct Ltree;

/// A label path on both backends.
#[custom_type(postgres = "ltree", sqlite = "TEXT", diesel = "crate::sql::AnyLtree", rust = "String")]
struct AnyLtree;

table! {
    #[backend(postgres)]
    categories (id) {
        id -> BigInt,
        name -> Text,
    }
}

table! {
    tags (id) {
        id -> BigInt,
        #[default("top")]
        path -> AnyLtree,
    }
}
"#;

/// `migration new` through the CLI, which must succeed.
fn new_migration(schema: &Path, migrations: &Path) {
    let out = bin(&[
        "migration",
        "new",
        "--schema",
        s(schema),
        "--migrations",
        s(migrations),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn check_is_clean_on_a_history_that_adds_custom_type_columns() {
    let dir = TempDir::new("custom-check");
    let schema = dir.write("schema/app.rs", V1);
    let migrations = dir.path().join("migrations");
    new_migration(&schema, &migrations);
    // Migration folders are named by the second.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let v2 = V1
        .replace(
            "        name -> Text,\n",
            "        name -> Text,\n        #[default(\"top.a\")]\n        path -> Ltree,\n        parent -> Nullable<Ltree>,\n",
        )
        .replace(
            "        path -> AnyLtree,\n",
            "        path -> AnyLtree,\n        alias -> Nullable<AnyLtree>,\n",
        );
    std::fs::write(&schema, v2).expect("write");
    new_migration(&schema, &migrations);
    let up = std::fs::read_dir(migrations.join("postgres"))
        .expect("postgres folder")
        .flatten()
        .map(|e| e.path().join("up.sql"))
        .filter(|p| p.exists())
        .map(|p| std::fs::read_to_string(p).expect("up.sql"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        up.contains("ADD COLUMN path ltree NOT NULL DEFAULT 'top.a'"),
        "{up}"
    );
    assert!(up.contains("ADD COLUMN parent ltree;"), "{up}");
    let report = check(&schema, &migrations, &live_support::postgres_url()).expect("check runs");
    assert!(report.is_clean(), "{}", report.render());
    assert!(report.data.findings.is_empty(), "{}", report.data.render());
    assert_eq!(report.data.steps, 2, "{}", report.data.render());
    assert!(
        report.data.rows_seeded.postgres > 0,
        "{}",
        report.data.render()
    );
    assert!(
        report.data.rows_seeded.sqlite > 0,
        "{}",
        report.data.render()
    );
    assert!(
        report.data.not_seeded.is_empty(),
        "{}",
        report.data.render()
    );
    assert!(report.render().contains("every row and value kept"));
}

#[test]
fn a_table_the_seeder_cannot_fill_is_reported_not_skipped() {
    // A NOT NULL custom column without a default: no value to invent.
    let src = V1.replace(
        "        name -> Text,
",
        "        name -> Text,
        path -> Ltree,
",
    );
    let dir = TempDir::new("custom-unseeded");
    let schema = dir.write("schema/app.rs", &src);
    let migrations = dir.path().join("migrations");
    new_migration(&schema, &migrations);
    let report = check(&schema, &migrations, &live_support::postgres_url()).expect("check runs");
    let data = report.data.render();
    assert!(
        report
            .data
            .not_seeded
            .iter()
            .any(|n| n.table == "categories" && n.backend == "postgres"),
        "{data}"
    );
    assert!(
        data.contains("column path has the custom type Ltree and is NOT NULL without a default: the seeder cannot invent a value"),
        "{data}"
    );
    // The structure is still checked, and equal.
    assert!(!report.sections.is_empty(), "{}", report.render());
    assert!(
        report.sections.iter().all(|s| s.findings.is_empty()),
        "{}",
        report.render()
    );
    // Reported in the report everyone reads (as every table the seeder
    // could not fill is), not only in the data section's fields.
    assert!(
        report
            .render()
            .contains("not seeded: table categories on postgres"),
        "{}",
        report.render()
    );
}

#[test]
fn inspect_carries_an_undeclared_type_and_names_the_declaration_to_write() {
    let url = live_support::postgres_url();
    let (guard, mut pg) =
        cloacina_codegen::check::ScratchPostgres::new(&url).expect("scratch postgres");
    pg.execute(
        "CREATE EXTENSION IF NOT EXISTS ltree; CREATE TABLE categories (id BIGINT PRIMARY KEY, path ltree NOT NULL);",
        true,
    )
    .expect("ddl");
    let intro = pg.introspect().expect("introspect");
    drop(pg);
    drop(guard);
    // Not read as any neutral type: carried as raw SQL, with the way out.
    let carried = intro
        .carried
        .iter()
        .find(|c| c.name == "categories.path")
        .unwrap_or_else(|| panic!("path not carried: {:?}", intro.carried));
    assert!(
        carried.up.contains("ADD COLUMN \"path\" ltree NOT NULL"),
        "{}",
        carried.up
    );
    assert!(
        carried
            .why
            .contains("declare it with #[custom_type(postgres = \"ltree\", diesel = "),
        "{}",
        carried.why
    );
}
