//! The migration runner: idempotent, safe when several processes start at
//! once, and refusing edited or unknown applied migrations.

mod common;

use std::sync::{Arc, Barrier};

use cloacina::{Database, Error};
#[cfg(feature = "sqlite")]
use common::TempDir;
#[cfg(feature = "postgres")]
use common::TempPgDatabase;
use diesel::connection::SimpleConnection;

/// Folder names of one side of the migrations directory.
fn on_disk(backend: &str) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrations")
        .join(backend);
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("migrations dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| {
            e.file_name()
                .to_string_lossy()
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect()
        })
        .collect();
    v.sort();
    v
}

fn migrate_is_idempotent(url: &str, backend: &str) {
    let db = Database::connect(url).expect("connect");
    let first = db.migrate().expect("first run");
    assert_eq!(
        first.applied,
        on_disk(backend),
        "the embedded migrations are the ones on disk"
    );
    assert_eq!(first.already_applied, 0);
    let second = db.migrate().expect("second run");
    assert!(second.applied.is_empty());
    assert_eq!(second.already_applied, first.applied.len());
}

#[cfg(feature = "sqlite")]
#[test]
fn migrating_twice_applies_nothing_the_second_time_on_sqlite() {
    let dir = TempDir::new("mig");
    migrate_is_idempotent(&format!("sqlite://{}", dir.file("m.db")), "sqlite");
    migrate_is_idempotent(":memory:", "sqlite");
}

#[cfg(feature = "postgres")]
#[test]
fn migrating_twice_applies_nothing_the_second_time_on_postgres() {
    let pg = TempPgDatabase::new();
    migrate_is_idempotent(&pg.url, "postgres");
}

/// Several "processes" (separate pools) migrate the same database at once:
/// every migration is applied exactly once and all of them succeed.
fn concurrent_migrations(url: &str, backend: &str) {
    let n = 6;
    let barrier = Arc::new(Barrier::new(n));
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let url = url.to_string();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let db = Database::connect(&url).expect("connect");
                barrier.wait();
                db.migrate().expect("concurrent migrate")
            })
        })
        .collect();
    let reports: Vec<_> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    let applied: usize = reports.iter().map(|r| r.applied.len()).sum();
    assert_eq!(
        applied,
        on_disk(backend).len(),
        "each migration applied exactly once: {reports:?}"
    );
}

#[cfg(feature = "sqlite")]
#[test]
fn concurrent_starts_apply_each_migration_once_on_sqlite() {
    let dir = TempDir::new("migc");
    concurrent_migrations(&format!("sqlite://{}", dir.file("c.db")), "sqlite");
}

#[cfg(feature = "postgres")]
#[test]
fn concurrent_starts_apply_each_migration_once_on_postgres() {
    let pg = TempPgDatabase::new();
    concurrent_migrations(&pg.url, "postgres");
}

fn refuses_tampering(url: &str) {
    let db = Database::connect(url).expect("connect");
    db.migrate().expect("migrate");
    let version = on_disk("sqlite")[0].clone();
    {
        let mut conn = db.get().expect("conn");
        conn.batch_execute(&format!(
            "UPDATE cloacina_migration_checksums SET checksum = 'edited' WHERE version = '{version}'"
        ))
        .expect("tamper");
    }
    match db.migrate() {
        Err(Error::MigrationModified {
            version: v,
            recorded,
            ..
        }) => {
            assert_eq!(v, version);
            assert_eq!(recorded, "edited");
        }
        other => panic!("expected MigrationModified, got {other:?}"),
    }
    let msg = db.migrate().unwrap_err().to_string();
    assert!(
        msg.contains("previously applied") && msg.contains("modified"),
        "{msg}"
    );
    {
        let mut conn = db.get().expect("conn");
        conn.batch_execute(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('99991231235959')",
        )
        .expect("add a future migration");
    }
    match db.migrate() {
        Err(Error::UnknownMigration { version, .. }) => assert_eq!(version, "99991231235959"),
        other => panic!("expected UnknownMigration, got {other:?}"),
    }
}

#[cfg(feature = "sqlite")]
#[test]
fn edited_or_unknown_applied_migrations_are_refused_on_sqlite() {
    let dir = TempDir::new("migt");
    refuses_tampering(&format!("sqlite://{}", dir.file("t.db")));
}

#[cfg(feature = "postgres")]
#[test]
fn edited_or_unknown_applied_migrations_are_refused_on_postgres() {
    let pg = TempPgDatabase::new();
    refuses_tampering(&pg.url);
}

/// A connection handed back to the pool inside an open transaction (its user
/// panicked or leaked it) is rolled back before anyone else gets it, so the
/// next user's writes really commit.
#[cfg(feature = "sqlite")]
#[test]
fn a_leaked_transaction_does_not_swallow_the_next_users_writes() {
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let dir = TempDir::new("leak");
    let url = format!("sqlite://{}", dir.file("leak.db"));
    let db = Database::connect_with(
        &url,
        cloacina::DatabaseConfig {
            max_size: 1,
            ..Default::default()
        },
    )
    .expect("connect");
    db.migrate().expect("migrate");
    {
        let mut conn = db.get().expect("conn");
        match &mut *conn {
            cloacina::connection::AnyConnection::Sqlite(c) => {
                AnsiTransactionManager::begin_transaction(c).expect("begin");
                c.batch_execute("INSERT INTO contexts (value) VALUES ('{\"leaked\": true}')")
                    .expect("insert");
            }
            #[allow(unreachable_patterns)]
            _ => unreachable!("sqlite"),
        }
        // Dropped here without commit or rollback.
    }
    let kept = db
        .dal()
        .create_context(serde_json::json!({"kept": true}))
        .expect("next user");
    // Another pool sees the committed write and not the leaked one.
    let other = Database::connect(&url).expect("second pool");
    assert_eq!(
        other.dal().get_context(kept.id).expect("committed").value.0,
        serde_json::json!({"kept": true})
    );
    let mut conn = other.get().expect("conn");
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let leaked: N = diesel::RunQueryDsl::get_result(
        diesel::sql_query("SELECT count(*) AS n FROM contexts WHERE value LIKE '%leaked%'"),
        &mut *conn,
    )
    .expect("count");
    assert_eq!(leaked.n, 0, "the leaked transaction was rolled back");
}
