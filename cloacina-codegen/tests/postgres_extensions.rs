//! `#![postgres_extensions(...)]`: the PostgreSQL DDL creates the declared
//! extensions before any table (SQLite gets nothing), a migration that
//! declares one creates it first in `up.sql` and drops it last in
//! `down.sql`, a removed extension is dropped only with
//! `#![allow_drop(name)]`, the history snapshot's neutral text reads back
//! the same, and a name that is not a lowercase identifier is a located
//! error.

use cloacina_codegen::internals::diff::{changes, Operation};
use cloacina_codegen::internals::guard;
use cloacina_codegen::internals::plan::render;
use cloacina_codegen::internals::render::ddl::{render_drop_schema, render_schema};
use cloacina_codegen::internals::render::neutral;
use cloacina_codegen::model::{Backend, Extension};
use cloacina_codegen::parse::parse_with_allowances;
use cloacina_codegen::parse_str;

const V1: &str = "table! {
    users (id) {
        id -> BigInt,
        name -> Text,
    }
}
";

const V2: &str = "//! Users.
#![postgres_extensions(pg_trgm, citext)]

table! {
    users (id) {
        id -> BigInt,
        name -> Text,
    }
}
";

#[test]
fn the_ddl_creates_declared_extensions_before_any_table_on_postgres_only() {
    let schema = parse_str("v2.rs", V2).expect("parses");
    assert_eq!(schema.extensions, ["pg_trgm", "citext"]);
    let pg = render_schema(&schema, Backend::Postgres);
    assert!(
        pg.starts_with(
            "CREATE EXTENSION IF NOT EXISTS \"pg_trgm\";\n\nCREATE EXTENSION IF NOT EXISTS \"citext\";\n\nCREATE TABLE"
        ),
        "{pg}"
    );
    let down = render_drop_schema(&schema, Backend::Postgres);
    assert!(
        down.ends_with(
            "DROP EXTENSION IF EXISTS \"citext\";\n\nDROP EXTENSION IF EXISTS \"pg_trgm\";\n"
        ),
        "{down}"
    );
    let lite = render_schema(&schema, Backend::Sqlite);
    assert!(!lite.contains("EXTENSION"), "{lite}");
    assert!(!render_drop_schema(&schema, Backend::Sqlite).contains("EXTENSION"));
}

#[test]
fn neutral_text_round_trips_the_extensions() {
    let schema = parse_str("v2.rs", V2).expect("parses");
    let text = neutral::render(&schema, &["snapshot"]);
    assert!(
        text.contains("#![postgres_extensions(pg_trgm, citext)]\n"),
        "{text}"
    );
    let back = parse_str("snapshot.rs", &text).expect("reads back");
    assert_eq!(back, schema);
    assert_eq!(neutral::render(&back, &["snapshot"]), text);
}

#[test]
fn an_added_extension_comes_first_in_up_and_last_in_down() {
    let v1 = parse_str("v1.rs", V1).expect("v1");
    let v2 = parse_str(
        "v2.rs",
        &V2.replace(
            "        name -> Text,\n",
            "        name -> Text,\n        email -> Nullable<Text>,\n",
        ),
    )
    .expect("v2");
    let ops = changes(&v1, &v2).expect("diff").operations;
    assert!(
        matches!(&ops[0], Operation::AddExtension { extension } if *extension == "pg_trgm"),
        "{ops:?}"
    );
    assert!(
        matches!(&ops[1], Operation::AddExtension { extension } if *extension == "citext"),
        "{ops:?}"
    );
    let sql = render(&v1, &ops, Backend::Postgres);
    let up_ext = sql.up.find("CREATE EXTENSION IF NOT EXISTS \"citext\";");
    let up_col = sql.up.find("ALTER TABLE");
    assert!(up_ext.is_some() && up_ext < up_col, "{}", sql.up);
    let down_ext = sql.down.find("DROP EXTENSION IF EXISTS \"pg_trgm\";");
    let down_col = sql.down.find("ALTER TABLE");
    assert!(down_col.is_some() && down_col < down_ext, "{}", sql.down);
    assert!(
        sql.down
            .trim_end()
            .ends_with("DROP EXTENSION IF EXISTS \"pg_trgm\";"),
        "{}",
        sql.down
    );
    let lite = render(&v1, &ops, Backend::Sqlite);
    assert!(!lite.up.contains("EXTENSION") && !lite.down.contains("EXTENSION"));
    // No change: no operation.
    assert!(changes(&v2, &v2).expect("diff").operations.is_empty());
}

#[test]
fn a_removed_extension_is_dropped_only_with_allow_drop() {
    let old = parse_str("v2.rs", V2).expect("v2");
    let src = V2.replace("pg_trgm, citext", "citext");
    let (new, allowances, diags) = parse_with_allowances(&src);
    assert!(diags.is_empty(), "{diags:?}");
    let ops = changes(&old, &new).expect("diff").operations;
    assert_eq!(
        ops,
        [Operation::DropExtension {
            extension: Extension::named("pg_trgm")
        }]
    );
    let refused = guard::check(&ops, &new, &allowances, "v3.rs", &src)
        .expect_err("dropping an extension needs allow_drop");
    let text = refused.to_string();
    assert!(
        text.contains("drop PostgreSQL extension pg_trgm")
            && text.contains("#![allow_drop(pg_trgm)]"),
        "{text}"
    );
    let allowed_src = src.replace(
        "#![postgres_extensions(citext)]",
        "#![postgres_extensions(citext)]\n#![allow_drop(pg_trgm)]",
    );
    let (new, allowances, diags) = parse_with_allowances(&allowed_src);
    assert!(diags.is_empty(), "{diags:?}");
    guard::check(&ops, &new, &allowances, "v3.rs", &allowed_src).expect("allowed");
    let sql = render(&old, &ops, Backend::Postgres);
    assert!(
        sql.up.contains("DROP EXTENSION IF EXISTS \"pg_trgm\";"),
        "{}",
        sql.up
    );
    assert!(
        sql.down
            .contains("CREATE EXTENSION IF NOT EXISTS \"pg_trgm\";"),
        "{}",
        sql.down
    );
}

#[test]
fn an_extension_name_that_is_not_a_lowercase_identifier_is_a_located_error() {
    for (src, at, what) in [
        (
            "#![postgres_extensions(citext, PgTrgm)]\n",
            "x.rs:1:32",
            "`PgTrgm` is not an extension name",
        ),
        (
            "#![postgres_extensions(\"uuid-ossp\")]\n",
            "x.rs:1:24",
            "expected ident (help: write `#![postgres_extensions(citext, pg_trgm)]`",
        ),
        (
            "#![postgres_extensions(citext, citext)]\n",
            "x.rs:1:32",
            "extension `citext` is declared twice",
        ),
        ("#![postgres_extensions()]\n", "x.rs:1:", "at least one"),
    ] {
        let err = parse_str("x.rs", src).expect_err(src);
        let text = err.to_string();
        assert!(text.contains(at) && text.contains(what), "{src}: {text}");
    }
}

/// `name(schema = "...", version = "...")`: `CREATE EXTENSION ... WITH
/// SCHEMA ... VERSION ...` after `CREATE SCHEMA IF NOT EXISTS`; the neutral
/// text writes it back; a changed schema or version is an `ALTER
/// EXTENSION`, undone by `down.sql` (an unset schema is the current one,
/// an unset version the default one).
#[test]
fn a_declared_extension_may_name_its_schema_and_version() {
    let src = V2.replace(
        "pg_trgm, citext",
        "citext, pg_trgm(schema = \"extensions\", version = \"1.5\")",
    );
    let schema = parse_str("v.rs", &src).expect("parses");
    let trgm = Extension {
        name: "pg_trgm".into(),
        schema: Some("extensions".into()),
        version: Some("1.5".into()),
    };
    assert_eq!(
        schema.extensions,
        [Extension::named("citext"), trgm.clone()]
    );
    let pg = render_schema(&schema, Backend::Postgres);
    assert!(
        pg.contains(
            "CREATE SCHEMA IF NOT EXISTS \"extensions\";\nCREATE EXTENSION IF NOT EXISTS \"pg_trgm\" WITH SCHEMA \"extensions\" VERSION '1.5';"
        ),
        "{pg}"
    );
    assert!(!render_schema(&schema, Backend::Sqlite).contains("EXTENSION"));
    let text = neutral::render(&schema, &["snapshot"]);
    assert!(
        text.contains(
            "#![postgres_extensions(citext, pg_trgm(schema = \"extensions\", version = \"1.5\"))]\n"
        ),
        "{text}"
    );
    assert_eq!(parse_str("snapshot.rs", &text).expect("reads back"), schema);

    // Another version: ALTER EXTENSION ... UPDATE TO, and back.
    let newer = parse_str("w.rs", &src.replace("\"1.5\"", "\"1.6\"")).expect("parses");
    let ops = changes(&schema, &newer).expect("diff").operations;
    assert_eq!(
        ops,
        [Operation::AlterExtension {
            from: trgm.clone(),
            to: Extension {
                version: Some("1.6".into()),
                ..trgm.clone()
            },
        }]
    );
    let sql = render(&schema, &ops, Backend::Postgres);
    assert_eq!(
        sql.up.trim(),
        "ALTER EXTENSION \"pg_trgm\" UPDATE TO '1.6';",
        "{}",
        sql.up
    );
    assert!(
        sql.down
            .contains("ALTER EXTENSION \"pg_trgm\" UPDATE TO '1.5';"),
        "{}",
        sql.down
    );
    assert!(render(&schema, &ops, Backend::Sqlite).up.trim().is_empty());

    // Neither option any more: back to the current schema and the default
    // version; down.sql restores both.
    let plain =
        parse_str("p.rs", &V2.replace("pg_trgm, citext", "citext, pg_trgm")).expect("parses");
    let ops = changes(&schema, &plain).expect("diff").operations;
    let sql = render(&schema, &ops, Backend::Postgres);
    assert!(
        sql.up
            .contains("format('ALTER EXTENSION %I SET SCHEMA %I', 'pg_trgm', current_schema())")
            && sql.up.contains("ALTER EXTENSION \"pg_trgm\" UPDATE;"),
        "{}",
        sql.up
    );
    assert!(
        sql.down
            .contains("ALTER EXTENSION \"pg_trgm\" SET SCHEMA \"extensions\";")
            && sql.down.contains("UPDATE TO '1.5';"),
        "{}",
        sql.down
    );
    assert!(changes(&schema, &schema)
        .expect("diff")
        .operations
        .is_empty());
}

#[test]
fn a_bad_extension_option_is_a_located_error() {
    for (src, at, what) in [
        (
            "#![postgres_extensions(pg_trgm(schemas = \"x\"))]\n",
            "x.rs:1:32",
            "`schemas` is not an option of a declared extension",
        ),
        (
            "#![postgres_extensions(pg_trgm(version = \"\"))]\n",
            "x.rs:1:42",
            "version \"\" is not a PostgreSQL name",
        ),
        (
            "#![postgres_extensions(pg_trgm(version = \"1\", version = \"2\"))]\n",
            "x.rs:1:47",
            "extension `pg_trgm` sets `version` twice",
        ),
        (
            "#![postgres_extensions(pg_trgm(version = 1))]\n",
            "x.rs:1:",
            "expected string literal",
        ),
    ] {
        let err = parse_str("x.rs", src).expect_err(src);
        let text = err.to_string();
        assert!(text.contains(at) && text.contains(what), "{src}: {text}");
    }
}
