//! The `cloacina-codegen` binary: exit codes, stdout and stderr of
//! `validate` and `render`.

use std::path::Path;
use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cloacina-codegen"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn fixture(rel: &str) -> String {
    format!("tests/fixtures/{rel}")
}

#[test]
fn validate_accepts_a_valid_schema() {
    let out = bin()
        .args(["validate", "--schema", &fixture("valid/everything.rs")])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("valid (5 tables, 2 raw SQL blocks)"), "{err}");
    assert!(out.stdout.is_empty());
}

/// The summary counts the declared enums, custom types and extensions when
/// there are any.
#[test]
fn validate_counts_enums_and_extensions() {
    for (file, want) in [
        (
            "valid/enums.rs",
            "valid (1 table, 3 enums, 0 raw SQL blocks)",
        ),
        (
            "valid/postgres_types.rs",
            "valid (4 tables, 1 PostgreSQL extension, 1 raw SQL block)",
        ),
        (
            "custom_types/custom_types.rs",
            "valid (2 tables, 2 custom types, 1 PostgreSQL extension, 0 raw SQL blocks)",
        ),
    ] {
        let out = bin()
            .args(["validate", "--schema", &fixture(file)])
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert!(err.contains(want), "{file}: {err}");
    }
}

#[test]
fn validate_rejects_an_invalid_schema_with_located_diagnostics() {
    let out = bin()
        .args([
            "validate",
            "--schema",
            &fixture("invalid/foreign_key_type_mismatch.rs"),
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tests/fixtures/invalid/foreign_key_type_mismatch.rs:9:9"),
        "{err}"
    );
    assert!(err.contains("help:"), "{err}");
    assert!(err.contains("1 error"), "{err}");
}

#[test]
fn a_missing_file_is_an_io_error_naming_the_path() {
    let out = bin()
        .args(["validate", "--schema", "no/such/schema.rs"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no/such/schema.rs"), "{err}");
}

#[test]
fn bad_usage_exits_with_two() {
    let out = bin()
        .args(["render", "--backend", "mysql", "--what", "ddl"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn render_prints_ddl_and_diesel_code_per_backend() {
    for (backend, what, needle) in [
        ("postgres", "ddl", "TIMESTAMPTZ"),
        ("sqlite", "ddl", ") STRICT;"),
        ("postgres", "diesel", "Postgresql(diesel::PgConnection)"),
        ("sqlite", "diesel", "Sqlite(diesel::SqliteConnection)"),
    ] {
        let out = bin()
            .args([
                "render",
                "--schema",
                &fixture("valid/everything.rs"),
                "--backend",
                backend,
                "--what",
                what,
            ])
            .output()
            .expect("run");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{backend} {what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(needle), "{backend} {what} lacks {needle}");
        assert!(text.starts_with("// @generated") || text.starts_with("-- @generated"));
    }
}

#[test]
fn the_default_schema_is_the_workspace_schema() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace");
    let out = Command::new(env!("CARGO_BIN_EXE_cloacina-codegen"))
        .current_dir(workspace.join("cloacina"))
        .args(["validate"])
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("schema/cloacina.rs"), "{err}");
}
