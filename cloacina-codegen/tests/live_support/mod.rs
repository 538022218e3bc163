//! Shared helpers of the live tests (real SQLite files, real PostgreSQL).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The PostgreSQL server of the tests. Fails, never skips.
pub fn postgres_url() -> String {
    for var in ["CLOACINA_TEST_POSTGRES_URL", "DATABASE_URL"] {
        if let Ok(url) = std::env::var(var) {
            if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                return url;
            }
        }
    }
    panic!(
        "no PostgreSQL server for the tests: set CLOACINA_TEST_POSTGRES_URL (or DATABASE_URL) to \
         postgres://user@host:port/db (a dev server: postgres://cloacina@127.0.0.1:54329/cloacina_test), \
         or run `scripts/with-postgres.sh cargo test -p cloacina-codegen`, which starts a throwaway server. \
         The user needs CREATEDB: every test works in its own temporary database. PostgreSQL tests never skip."
    )
}

/// A fresh, empty directory under the temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let p = std::env::temp_dir().join(format!("cloacina-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `rel` (creating folders) and returns its path.
    pub fn write(&self, rel: &str, contents: &str) -> PathBuf {
        let p = self.0.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, contents).expect("write");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The fixture schema files of the generator.
pub fn valid_fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    v.sort();
    v
}

/// Runs the debug CLI built for these tests, without `DATABASE_URL`.
pub fn bin(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_cloacina-codegen"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DATABASE_URL")
        .output()
        .expect("run the binary")
}

/// `inspect URL --output PATH` that must succeed with a file that validates:
/// the written text and the loaded schema.
pub fn inspect_ok(url: &str, path: &Path) -> (String, cloacina_codegen::Schema) {
    let out = bin(&["inspect", url, "--output", &path.to_string_lossy()]);
    let written = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{written}",
        String::from_utf8_lossy(&out.stderr)
    );
    let schema = cloacina_codegen::load(path)
        .unwrap_or_else(|e| panic!("inspected file does not validate: {e}\n{written}"));
    (written, schema)
}

/// A project in `dir`: the schema file `schema/app.rs` holding `source`
/// and a `migrations` folder with one generated migration pair (the CLI's
/// `migration new`, which must succeed). Returns (schema file, folder).
pub fn project_with_migration(dir: &TempDir, source: &str) -> (PathBuf, PathBuf) {
    let schema = dir.write("schema/app.rs", source);
    let migrations = dir.path().join("migrations");
    let out = bin(&[
        "migration",
        "new",
        "--schema",
        &schema.to_string_lossy(),
        "--migrations",
        &migrations.to_string_lossy(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (schema, migrations)
}

/// Applies the `folder` (`postgres` or `sqlite`) migrations of `migrations`
/// in order and records each version in `__diesel_schema_migrations`, as
/// Diesel's own harness does.
pub fn apply_as_diesel(
    db: &mut cloacina_codegen::internals::introspect::Database,
    migrations: &Path,
    folder: &str,
) {
    db.execute(
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, \
         run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        false,
    )
    .expect("bookkeeping table");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(migrations.join(folder))
        .expect("migrations")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("up.sql").is_file())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no migrations in {folder}");
    for d in dirs {
        let sql = std::fs::read_to_string(d.join("up.sql")).expect("up.sql");
        db.execute(&sql, true).expect("apply");
        let name = d.file_name().and_then(|n| n.to_str()).expect("name");
        let version: String = name
            .split('_')
            .next()
            .unwrap_or("")
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        db.execute(
            &format!("INSERT INTO __diesel_schema_migrations (version) VALUES ('{version}')"),
            false,
        )
        .expect("record");
    }
}
