//! insta snapshots of everything generated for each valid fixture: the
//! PostgreSQL and SQLite DDL side by side in one snapshot per case, and the
//! Diesel code in another. Any change to either backend shows in review.

use std::path::Path;

use cloacina_codegen::{Backend, Builder};

fn generate(path: &Path) -> cloacina_codegen::Generated {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rel = path.strip_prefix(root).unwrap_or(path);
    let source = std::fs::read_to_string(path).expect("read fixture");
    let schema = cloacina_codegen::parse_str(&rel.display().to_string(), &source)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    Builder::new().generate_from(rel, schema).expect("generate")
}

#[test]
fn ddl_for_both_backends() {
    insta::glob!("fixtures/valid/*.rs", |path| {
        let g = generate(path);
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("stem");
        let mut both = String::new();
        for b in Backend::ALL {
            let f = g
                .file(&format!("{stem}.{}.sql", b.name()))
                .expect("ddl file");
            both.push_str(&format!(
                "==================== {} ====================\n",
                b.name()
            ));
            both.push_str(&f.contents);
            both.push('\n');
        }
        insta::assert_snapshot!(both);
    });
}

#[test]
fn diesel_code() {
    insta::glob!("fixtures/valid/*.rs", |path| {
        let g = generate(path);
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("stem");
        let f = g.file(&format!("{stem}.rs")).expect("rust file");
        insta::assert_snapshot!(f.contents);
    });
}

#[test]
fn single_backend_builds_have_no_code_for_the_other_backend() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/everything.rs");
    let source = std::fs::read_to_string(&path).expect("read fixture");
    let schema = cloacina_codegen::parse_str("everything.rs", &source).expect("valid");
    for (only, other_markers) in [
        (
            Backend::Sqlite,
            ["diesel::pg::", "PgConnection", "pub mod postgres"],
        ),
        (
            Backend::Postgres,
            ["diesel::sqlite::", "SqliteConnection", "pub mod sqlite"],
        ),
    ] {
        let g = Builder::new()
            .backends(&[only])
            .generate_from(Path::new("everything.rs"), schema.clone())
            .expect("generate");
        let rust = &g.file("everything.rs").expect("rust").contents;
        for m in other_markers {
            assert!(!rust.contains(m), "a {only}-only build mentions `{m}`");
        }
    }
}

#[test]
fn a_sqlite_only_build_leaves_out_the_tables_of_postgres_only_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/postgres_types.rs");
    let source = std::fs::read_to_string(&path).expect("read fixture");
    let schema = cloacina_codegen::parse_str("postgres_types.rs", &source).expect("valid");
    let g = Builder::new()
        .backends(&[Backend::Sqlite])
        .generate_from(Path::new("postgres_types.rs"), schema)
        .expect("generate");
    let rust = &g.file("postgres_types.rs").expect("rust").contents;
    for m in ["diesel::pg::", "account_details", "AccountDetail", "Array<"] {
        assert!(
            !rust.contains(m),
            "a sqlite-only build mentions `{m}`:\n{rust}"
        );
    }
    assert!(rust.contains("pub struct Account "), "{rust}");
}

#[test]
fn neutral_printer_round_trips() {
    insta::glob!("fixtures/valid/*.rs", |path| {
        let source = std::fs::read_to_string(path).expect("read fixture");
        let schema = cloacina_codegen::parse_str("fixture.rs", &source).expect("valid");
        let printed = cloacina_codegen::internals::render::neutral::render(&schema, &[]);
        let reparsed = cloacina_codegen::parse_str("printed.rs", &printed).unwrap_or_else(|e| {
            panic!("printed schema does not parse:\n{}\n{printed}", e.render())
        });
        let printed_again = cloacina_codegen::internals::render::neutral::render(&reparsed, &[]);
        assert_eq!(printed, printed_again, "printing is not idempotent");
        assert_eq!(reparsed.tables.len(), schema.tables.len());
        for (a, b) in schema.tables.iter().zip(&reparsed.tables) {
            assert_eq!(a.columns, b.columns, "columns of {}", a.name);
            assert_eq!(a.primary_key, b.primary_key);
            assert_eq!(a.uniques.len(), b.uniques.len());
            let uniques = |t: &cloacina_codegen::model::Table| {
                t.uniques
                    .iter()
                    .map(|u| (u.name.clone(), u.columns.clone(), u.deferrable))
                    .collect::<Vec<_>>()
            };
            assert_eq!(uniques(a), uniques(b), "uniques of {}", a.name);
            assert_eq!(a.indexes.len(), b.indexes.len());
            assert_eq!(a.checks.len(), b.checks.len());
            assert_eq!(a.foreign_keys.len(), b.foreign_keys.len());
            for fk in &a.foreign_keys {
                assert!(b.foreign_keys.contains(fk), "{fk:?} lost");
            }
            for ix in &a.indexes {
                assert!(b.indexes.contains(ix), "{ix:?} lost");
            }
        }
        assert_eq!(schema.raw_blocks, reparsed.raw_blocks);
    });
}

/// Columns named by Rust keywords (`r#type -> Text`) keep the raw form in
/// every generated Rust item and the keyword itself in SQL.
#[test]
fn rust_keyword_columns_render_as_raw_identifiers() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/rust_keywords.rs");
    let g = generate(&path);
    let rust = &g.file("rust_keywords.rs").expect("rust file").contents;
    syn::parse_file(rust).expect("the generated module is valid Rust");
    for raw in [
        "r#type -> Text",
        "r#match -> Nullable<Integer>",
        "r#loop -> Bool",
        "pub r#type: String",
    ] {
        assert!(rust.contains(raw), "missing `{raw}` in:\n{rust}");
    }
    assert!(rust.contains("#[sql_name = \"self\"]"), "{rust}");
    assert!(!rust.contains("r#r#"), "{rust}");
    for b in Backend::ALL {
        let sql = &g
            .file(&format!("rust_keywords.{}.sql", b.name()))
            .expect("ddl")
            .contents;
        assert!(!sql.contains("r#"), "{sql}");
        for col in ["type", "match", "loop", "self"] {
            assert!(
                sql.contains(&format!("\"{col}\"")) || sql.contains(&format!("\n    {col} ")),
                "column `{col}` missing on {}:\n{sql}",
                b.name()
            );
        }
    }
}
