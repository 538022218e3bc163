//! What the runner does with its pooled connection: `migrate` checks out
//! one connection (each checkout costs the pool's liveness round trip).

mod common;

use cloacina::{Database, DatabaseConfig};

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
