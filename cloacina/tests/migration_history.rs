//! History rules of the runner, on both backends: out-of-order versions are
//! refused unless allowed; one transaction per run or per migration; a
//! failing migration is named with its `up.sql` and the line of the failing
//! statement.

mod common;

use cloacina::{Database, DatabaseConfig, Error, MigrationMode};
use diesel::RunQueryDsl;

fn open(url: &str, config: DatabaseConfig) -> Database {
    Database::connect_with(url, config).expect("connect")
}

/// Whether `table` exists (a SELECT from it succeeds).
fn has_table(db: &Database, table: &str) -> bool {
    let mut conn = db.get().expect("conn");
    diesel::sql_query(format!("SELECT 1 FROM {table} WHERE 1 = 0"))
        .execute(&mut *conn)
        .is_ok()
}

const A: (&str, &str) = ("1_a", "CREATE TABLE a (x INTEGER);\n");
const B: (&str, &str) = ("2_b", "CREATE TABLE b (x INTEGER);\n");
const C: (&str, &str) = ("3_c", "CREATE TABLE c (x INTEGER);\n");

fn out_of_order_is_refused_unless_allowed(url: &str) {
    let db = open(url, DatabaseConfig::default());
    db.migrate_with(&[A, C]).expect("1 and 3");
    let err = db.migrate_with(&[A, B, C]).expect_err("2 after 3");
    match &err {
        Error::OutOfOrderMigration {
            version,
            newest_applied,
            ..
        } => {
            assert_eq!(version, "2");
            assert_eq!(newest_applied, "3");
        }
        other => panic!("expected OutOfOrderMigration, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("allow_out_of_order"),
        "says how to opt in: {msg}"
    );
    assert!(!has_table(&db, "b"), "nothing applied");
    let allowed = open(
        url,
        DatabaseConfig {
            allow_out_of_order: true,
            ..DatabaseConfig::default()
        },
    );
    let report = allowed.migrate_with(&[A, B, C]).expect("opted in");
    assert_eq!(report.applied, vec!["2".to_string()]);
    assert!(has_table(&allowed, "b"));
}

/// Migration 3 fails on its third line. With one transaction per run,
/// nothing of the run stays; with one per migration, 1 and 2 stay.
fn modes_and_failure_lines(
    url_per_run: &str,
    url_per_migration: &str,
    bad_sql: &str,
    bad_line: usize,
) {
    let bad = ("3_bad", bad_sql);
    let per_run = open(url_per_run, DatabaseConfig::default());
    let err = per_run.migrate_with(&[A, B, bad]).expect_err("3 fails");
    match &err {
        Error::Migration {
            migration,
            file,
            line,
            run_rolled_back,
            backend,
            ..
        } => {
            assert_eq!(migration, "3_bad");
            assert_eq!(file, &format!("migrations/{backend}/3_bad/up.sql"));
            assert_eq!(*line, Some(bad_line), "{err}");
            assert!(*run_rolled_back);
        }
        other => panic!("expected Migration, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("3_bad/up.sql line {bad_line}"))
            && msg.contains("migrations before it"),
        "{msg}"
    );
    assert!(
        !has_table(&per_run, "a") && !has_table(&per_run, "b"),
        "the run rolled back"
    );
    // The good part of the failing migration rolled back too.
    assert!(!has_table(&per_run, "good"));

    let per_migration = open(
        url_per_migration,
        DatabaseConfig {
            migration_mode: MigrationMode::PerMigration,
            ..DatabaseConfig::default()
        },
    );
    let err = per_migration
        .migrate_with(&[A, B, bad])
        .expect_err("3 fails");
    match &err {
        Error::Migration {
            migration,
            line,
            run_rolled_back,
            ..
        } => {
            assert_eq!(migration, "3_bad");
            assert_eq!(*line, Some(bad_line), "{err}");
            assert!(!*run_rolled_back);
        }
        other => panic!("expected Migration, got {other:?}"),
    }
    assert!(
        has_table(&per_migration, "a") && has_table(&per_migration, "b"),
        "1 and 2 kept"
    );
    assert!(!has_table(&per_migration, "good"), "3 rolled back whole");
    // Fixed, it applies on top.
    let report = per_migration
        .migrate_with(&[A, B, ("3_bad", "CREATE TABLE good (x INTEGER);")])
        .expect("fixed");
    assert_eq!(report.applied, vec!["3".to_string()]);
    assert_eq!(report.already_applied, 2);
}

/// An error found while parsing (PostgreSQL gives its position) and one
/// found while running (located by replaying the statements).
const PARSE_ERROR: &str = "CREATE TABLE good (x INTEGER);\n-- a comment; with a semicolon\nCREATE TABLE broken (x INTEGER,,);\nCREATE TABLE never (x INTEGER);\n";
const RUN_ERROR: &str = "CREATE TABLE good (x INTEGER NOT NULL);\nINSERT INTO good VALUES (1);\n\nINSERT INTO good VALUES (NULL);\n";

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::*;
    use common::TempDir;

    fn url(dir: &TempDir, name: &str) -> String {
        format!("sqlite://{}", dir.file(name))
    }

    #[test]
    fn out_of_order_versions_are_refused_unless_allowed() {
        let dir = TempDir::new("ooo");
        out_of_order_is_refused_unless_allowed(&url(&dir, "o.db"));
    }

    #[test]
    fn per_run_and_per_migration_transactions_and_failure_lines() {
        let dir = TempDir::new("modes");
        modes_and_failure_lines(&url(&dir, "r1.db"), &url(&dir, "m1.db"), PARSE_ERROR, 3);
        modes_and_failure_lines(&url(&dir, "r2.db"), &url(&dir, "m2.db"), RUN_ERROR, 4);
    }

    /// A full disk (here: a page limit) names the migration.
    #[test]
    fn a_full_database_names_the_migration() {
        let dir = TempDir::new("full");
        let db = open(&url(&dir, "f.db"), DatabaseConfig::default());
        let fill = "PRAGMA max_page_count = 12;\nCREATE TABLE big (x TEXT);\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)\nINSERT INTO big SELECT printf('%.500c', 'x') FROM n;\n";
        let err = db.migrate_with(&[A, ("2_fill", fill)]).expect_err("full");
        let msg = err.to_string();
        assert!(
            matches!(&err, Error::Migration { migration, .. } if migration == "2_fill"),
            "{err:?}"
        );
        assert!(
            msg.contains("full") && msg.contains("migrations/sqlite/2_fill/up.sql"),
            "{msg}"
        );
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;
    use common::TempPgDatabase;

    #[test]
    fn out_of_order_versions_are_refused_unless_allowed() {
        let pg = TempPgDatabase::new();
        out_of_order_is_refused_unless_allowed(&pg.url);
    }

    #[test]
    fn per_run_and_per_migration_transactions_and_failure_lines() {
        let (r1, m1, r2, m2) = (
            TempPgDatabase::new(),
            TempPgDatabase::new(),
            TempPgDatabase::new(),
            TempPgDatabase::new(),
        );
        modes_and_failure_lines(&r1.url, &m1.url, PARSE_ERROR, 3);
        modes_and_failure_lines(&r2.url, &m2.url, RUN_ERROR, 4);
    }
}
