//! Waits for the migration lock have a deadline and a name: a stuck holder
//! makes other starts fail after the configured wait, naming it; a start
//! with nothing to apply does not wait at all; on SQLite a write lock held
//! longer than the busy timeout makes a start wait, not fail.

mod common;

use std::time::{Duration, Instant};

use cloacina::{Database, DatabaseConfig, Error};

fn config(lock_wait: Duration) -> DatabaseConfig {
    DatabaseConfig {
        migration_lock_timeout: lock_wait,
        sqlite_busy_timeout: Duration::from_millis(100),
        ..DatabaseConfig::default()
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;
    use common::TempPgDatabase;
    use diesel::{Connection, PgConnection, RunQueryDsl};

    #[derive(diesel::QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }

    /// A second connection that holds the migration lock, as a stuck
    /// migrator would (SIGSTOPped in the middle of its transaction).
    fn hold_lock(url: &str) -> (PgConnection, i32) {
        let mut c = PgConnection::establish(url).expect("holder connects");
        diesel::sql_query("SET application_name = 'stuck-migrator'")
            .execute(&mut c)
            .expect("name");
        diesel::sql_query(format!(
            "SELECT pg_advisory_lock({})",
            cloacina::PG_MIGRATION_LOCK_KEY
        ))
        .execute(&mut c)
        .expect("take the lock");
        let pid: Pid = diesel::sql_query("SELECT pg_backend_pid() AS pid")
            .get_result(&mut c)
            .expect("pid");
        (c, pid.pid)
    }

    #[test]
    fn a_held_lock_fails_the_start_after_the_wait_naming_the_holder() {
        let pg = TempPgDatabase::new();
        let (_holder, pid) = hold_lock(&pg.url);
        let db =
            Database::connect_with(&pg.url, config(Duration::from_millis(600))).expect("connect");
        let started = Instant::now();
        let err = db.migrate().expect_err("the lock is held");
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(600), "waited {took:?}");
        assert!(took < Duration::from_secs(5), "gave up in time: {took:?}");
        match &err {
            Error::MigrationLockTimeout { holder, waited, .. } => {
                assert_eq!(holder.pid, Some(pid), "{err}");
                assert_eq!(holder.application_name.as_deref(), Some("stuck-migrator"));
                assert!(holder.since.is_some(), "{err}");
                assert!(*waited >= Duration::from_millis(600));
            }
            other => panic!("expected MigrationLockTimeout, got {other:?}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("pid {pid}"))
                && msg.contains("stuck-migrator")
                && msg.contains("since"),
            "{msg}"
        );
        assert!(
            msg.contains("migration_lock_timeout"),
            "says what to do: {msg}"
        );
    }

    #[test]
    fn nothing_pending_returns_at_once_while_the_lock_is_held() {
        let pg = TempPgDatabase::new();
        let db = Database::connect_with(&pg.url, config(Duration::from_secs(30))).expect("connect");
        let first = db.migrate().expect("migrate");
        assert!(!first.applied.is_empty());
        let _holder = hold_lock(&pg.url);
        let started = Instant::now();
        let again = db.migrate().expect("nothing to do");
        assert!(again.applied.is_empty());
        assert_eq!(again.already_applied, first.applied.len());
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }

    /// A real run in progress (its migration sleeps) is named by the
    /// application_name the runner sets on its transaction.
    #[test]
    fn a_running_migration_is_named_in_the_other_starts_error() {
        let pg = TempPgDatabase::new();
        let url = pg.url.clone();
        let slow = std::thread::spawn(move || {
            let db =
                Database::connect_with(&url, config(Duration::from_secs(30))).expect("connect");
            db.migrate_with(&[("1_slow", "CREATE TABLE t (x INT);\nSELECT pg_sleep(3);")])
        });
        std::thread::sleep(Duration::from_millis(800));
        let db =
            Database::connect_with(&pg.url, config(Duration::from_millis(500))).expect("connect");
        let err = db
            .migrate_with(&[("1_slow", "CREATE TABLE t (x INT);\nSELECT pg_sleep(3);")])
            .expect_err("the slow run holds the lock");
        match &err {
            Error::MigrationLockTimeout { holder, .. } => {
                let app = holder.application_name.clone().unwrap_or_default();
                assert!(
                    app.starts_with("cloacina migrate (pid ") && holder.pid.is_some(),
                    "{err}"
                );
            }
            other => panic!("expected MigrationLockTimeout, got {other:?}"),
        }
        let report = slow.join().expect("thread").expect("slow run succeeds");
        assert_eq!(report.applied, vec!["1".to_string()]);
    }

    /// The operator's statement timeout applies to migrations.
    #[test]
    fn migrations_run_with_the_configured_statement_timeout() {
        let pg = TempPgDatabase::new();
        let db = Database::connect_with(
            &pg.url,
            DatabaseConfig {
                migration_statement_timeout: Some(Duration::from_millis(200)),
                ..config(Duration::from_secs(5))
            },
        )
        .expect("connect");
        let err = db
            .migrate_with(&[("1_slow", "CREATE TABLE t (x INT);\n\nSELECT pg_sleep(2);")])
            .expect_err("cancelled by statement_timeout");
        let msg = err.to_string();
        assert!(matches!(err, Error::Migration { .. }), "{err:?}");
        assert!(
            msg.contains("statement timeout") && msg.contains("1_slow"),
            "{msg}"
        );
    }
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::*;
    use common::TempDir;
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, SqliteConnection};

    /// Another process's open write transaction on the file.
    fn hold_write_lock(path: &str) -> SqliteConnection {
        let mut c = SqliteConnection::establish(path).expect("holder opens");
        c.batch_execute("BEGIN IMMEDIATE").expect("write lock");
        c
    }

    #[test]
    fn a_held_write_lock_fails_the_start_after_the_wait_naming_the_file() {
        let dir = TempDir::new("lock");
        let path = dir.file("l.db");
        let db = Database::connect_with(
            &format!("sqlite://{path}"),
            config(Duration::from_millis(700)),
        )
        .expect("connect");
        let _holder = hold_write_lock(&path);
        let started = Instant::now();
        let err = db.migrate().expect_err("locked");
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(700),
            "waited past the busy timeout: {took:?}"
        );
        assert!(took < Duration::from_secs(5), "{took:?}");
        match &err {
            Error::MigrationLockTimeout { holder, .. } => {
                assert!(holder.detail.contains(&path), "{err}");
                assert!(holder.since.is_some());
            }
            other => panic!("expected MigrationLockTimeout, got {other:?}"),
        }
        assert!(!err.to_string().contains("database is locked"), "{err}");
    }

    #[test]
    fn nothing_pending_returns_at_once_while_the_write_lock_is_held() {
        let dir = TempDir::new("lockfast");
        let path = dir.file("f.db");
        let db =
            Database::connect_with(&format!("sqlite://{path}"), config(Duration::from_secs(30)))
                .expect("connect");
        let first = db.migrate().expect("migrate");
        let _holder = hold_write_lock(&path);
        let started = Instant::now();
        let again = db.migrate().expect("nothing to do");
        assert!(again.applied.is_empty());
        assert_eq!(again.already_applied, first.applied.len());
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }

    /// A write lock held for 10x the busy timeout: the start waits, then
    /// migrates.
    #[test]
    fn a_start_waits_past_the_busy_timeout_and_then_migrates() {
        let dir = TempDir::new("lockwait");
        let path = dir.file("w.db");
        let db =
            Database::connect_with(&format!("sqlite://{path}"), config(Duration::from_secs(20)))
                .expect("connect");
        let holder = hold_write_lock(&path);
        let release = std::thread::spawn(move || {
            let mut holder = holder;
            std::thread::sleep(Duration::from_millis(1000));
            holder.batch_execute("COMMIT").expect("release");
        });
        let started = Instant::now();
        let report = db.migrate().expect("waits, then migrates");
        assert!(
            started.elapsed() >= Duration::from_millis(900),
            "{:?}",
            started.elapsed()
        );
        assert!(!report.applied.is_empty());
        release.join().expect("thread");
    }
}
