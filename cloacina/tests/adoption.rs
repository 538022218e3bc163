//! A database that plain Diesel migrated (its harness, as `diesel_cli`
//! does) has no recorded checksums; the runner records them only after its
//! live structure is shown equal to what the embedded migrations build, and
//! otherwise refuses naming the differences, unless the operator overrides.

mod common;

use cloacina::{Database, DatabaseConfig, Error, MigrationState};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use diesel_migrations::MigrationHarness;

/// Applies the embedded migrations with Diesel's own harness (no
/// checksums), then runs `tamper` by hand.
fn diesel_migrated(url: &str, tamper: &str) {
    if url.starts_with("postgres") {
        #[cfg(feature = "postgres")]
        {
            let mut c = diesel::PgConnection::establish(url).expect("connect");
            c.run_pending_migrations(cloacina::POSTGRES_MIGRATIONS)
                .expect("diesel's harness");
            c.batch_execute(tamper).expect("tamper");
        }
    } else {
        #[cfg(feature = "sqlite")]
        {
            let mut c = diesel::SqliteConnection::establish(url).expect("open");
            c.run_pending_migrations(cloacina::SQLITE_MIGRATIONS)
                .expect("diesel's harness");
            c.batch_execute(tamper).expect("tamper");
        }
    }
}

fn open(url: &str, adopt_unverified: bool) -> Database {
    Database::connect_with(
        url,
        DatabaseConfig {
            max_size: 2,
            adopt_unverified,
            ..DatabaseConfig::default()
        },
    )
    .expect("connect")
}

/// Every applied migration has its checksum recorded, equal to the build's.
fn assert_recorded(db: &Database) {
    let status = db.migration_status().expect("status");
    assert!(!status.migrations.is_empty());
    for m in &status.migrations {
        assert_eq!(m.state, MigrationState::Applied, "{m:?}");
        assert_eq!(m.recorded_checksum, m.checksum, "{m:?}");
    }
}

fn assert_unrecorded(db: &Database) {
    let status = db.migration_status().expect("status");
    for m in &status.migrations {
        assert_eq!(m.recorded_checksum, None, "{m:?}");
    }
}

/// `urls` are three fresh databases; `harmless` is a hand change that is
/// no difference; `change` changes a column, and the refusal must show
/// `change_shows` for it.
fn adoption(urls: [&str; 3], harmless: &str, change: &str, change_shows: &str) {
    // Migrated by Diesel and otherwise untouched: adopted, checksums recorded.
    diesel_migrated(urls[0], harmless);
    let db = open(urls[0], false);
    let report = db.migrate().expect("adopt a matching database");
    assert!(report.applied.is_empty(), "{report:?}");
    assert!(report.already_applied > 0);
    assert_recorded(&db);
    // A second run has nothing to do and no check to make.
    assert!(db.migrate().expect("again").applied.is_empty());

    // A column added by hand: refused, naming it; nothing recorded.
    diesel_migrated(urls[1], "ALTER TABLE contexts ADD COLUMN sneaky TEXT;");
    let db = open(urls[1], false);
    let err = db.migrate().expect_err("an added column must be refused");
    let text = err.to_string();
    match &err {
        Error::AdoptionMismatch { differences, .. } => {
            // The column, then (on SQLite) the table's SQL that says it.
            assert!(differences.len() <= 2, "{differences:?}");
            assert!(
                differences[0].starts_with("contexts column sneaky: found `"),
                "{differences:?}"
            );
        }
        other => panic!("expected AdoptionMismatch, got {other}"),
    }
    eprintln!("refused as: {text}");
    assert!(text.contains("contexts column sneaky"), "{text}");
    assert!(text.contains("adopt_unverified"), "{text}");
    assert!(text.contains("--adopt-unverified"), "{text}");
    assert_unrecorded(&db);

    // A column changed by hand: refused, with expected and found.
    diesel_migrated(urls[2], change);
    let db = open(urls[2], false);
    let text = db.migrate().expect_err("a changed column").to_string();
    assert!(text.contains(change_shows), "{text}");
    assert_unrecorded(&db);

    // The operator's override adopts both.
    for url in &urls[1..] {
        let db = open(url, true);
        db.migrate().expect("adopt_unverified adopts");
        assert_recorded(&db);
    }
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_diesel_migrated_database_is_adopted_only_when_it_matches() {
    let dir = common::TempDir::new("adopt");
    let files = ["a.db", "b.db", "c.db"].map(|f| dir.file(f));
    adoption(
        [&files[0], &files[1], &files[2]],
        "SELECT 1;",
        "ALTER TABLE schedules RENAME COLUMN cron_expression TO cron;",
        "schedules column cron_expression: expected `TEXT`, found nothing",
    );
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_diesel_migrated_database_is_adopted_only_when_it_matches() {
    let dbs = [
        common::TempPgDatabase::new(),
        common::TempPgDatabase::new(),
        common::TempPgDatabase::new(),
    ];
    adoption(
        [&dbs[0].url, &dbs[1].url, &dbs[2].url],
        // An extension's objects are not the history's structure.
        "CREATE EXTENSION citext;",
        "ALTER TABLE contexts ALTER COLUMN value DROP DEFAULT;",
        "contexts column value: expected `jsonb NOT NULL DEFAULT '{}'::jsonb`, found `jsonb NOT NULL`",
    );
}

/// A tenant's schema is checked against a scratch schema too, and the
/// scratch schema leaves nothing behind.
#[cfg(feature = "postgres")]
#[test]
fn postgres_tenant_adoption_leaves_no_scratch_schema() {
    let pg = common::TempPgDatabase::new();
    let mut c = diesel::PgConnection::establish(&pg.url).expect("connect");
    c.batch_execute("CREATE SCHEMA acme; SET search_path TO acme")
        .expect("schema");
    c.run_pending_migrations(cloacina::POSTGRES_MIGRATIONS)
        .expect("diesel's harness");
    let db = Database::connect_tenant(&pg.url, "acme", DatabaseConfig::default()).expect("tenant");
    db.migrate().expect("adopt the tenant");
    assert_recorded(&db);
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let left: N = diesel::RunQueryDsl::get_result(
        diesel::sql_query(
            "SELECT count(*) AS n FROM pg_namespace WHERE nspname LIKE 'cloacina_adopt%'",
        ),
        &mut c,
    )
    .expect("count");
    assert_eq!(left.n, 0);
}
