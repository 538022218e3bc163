//! What the runner does with its pooled connection: `migrate` checks out
//! one connection (each checkout costs the pool's liveness round trip), and
//! a failed SQLite rebuild never hands back a connection that ignores CHECK
//! constraints.

mod common;

use cloacina::{Database, DatabaseConfig};
use diesel::connection::SimpleConnection;

/// `migrate` on an up-to-date database takes the fast path with exactly
/// one checkout (the plan and the run share it), and so does a run that
/// applies nothing new after the first.
fn migrate_checks_out_one_connection(url: &str) {
    let db = Database::connect_with(url, DatabaseConfig::default()).expect("connect");
    let before = db.checkouts();
    db.migrate().expect("first migrate");
    assert_eq!(db.checkouts() - before, 1, "the first migrate");
    let before = db.checkouts();
    let report = db.migrate().expect("second migrate");
    assert!(report.applied.is_empty());
    assert_eq!(db.checkouts() - before, 1, "the fast path");
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::common::TempDir;
    use super::*;

    #[test]
    fn migrate_checks_out_one_connection() {
        let dir = TempDir::new("checkouts");
        super::migrate_checks_out_one_connection(&format!("sqlite://{}", dir.file("c.db")));
    }

    /// A guarded rebuild whose copy fails after `PRAGMA
    /// ignore_check_constraints = ON` (here: a missing table; in life an
    /// I/O error or an interrupt) leaves the pragma on unless the runner
    /// turns it off: the pool's one connection must enforce CHECKs again.
    #[test]
    fn a_failed_rebuild_leaves_check_constraints_enforced() {
        let dir = TempDir::new("ignore_checks");
        let config = DatabaseConfig {
            max_size: 1,
            ..DatabaseConfig::default()
        };
        let db = Database::connect_with(&format!("sqlite://{}", dir.file("r.db")), config)
            .expect("connect");
        let rebuild = "CREATE TABLE t (x INTEGER CHECK (x > 0));\n\
                       PRAGMA ignore_check_constraints = ON;\n\
                       INSERT INTO t SELECT x FROM no_such_table;\n\
                       PRAGMA ignore_check_constraints = OFF;\n";
        db.migrate_with(&[
            ("1_a", "CREATE TABLE a (x INTEGER);\n"),
            ("2_rebuild", rebuild),
        ])
        .expect_err("the copy fails");
        let mut conn = db.get().expect("the pool's one connection");
        conn.batch_execute("CREATE TABLE c (x INTEGER CHECK (x > 0));")
            .expect("create");
        let err = conn
            .batch_execute("INSERT INTO c VALUES (-1);")
            .expect_err("CHECK constraints are enforced again");
        assert!(err.to_string().contains("CHECK"), "{err}");
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::common::TempPgDatabase;

    #[test]
    fn migrate_checks_out_one_connection() {
        let pg = TempPgDatabase::new();
        super::migrate_checks_out_one_connection(&pg.url);
    }
}
