//! Operating a live database through the library: status (applied,
//! unrecorded, pending, modified, missing), migrate to a version, revert N with
//! `down.sql`, dry runs; on real SQLite and PostgreSQL.

mod common;

use cloacina::{Database, Error, MigrationSet, MigrationState};
use diesel::connection::SimpleConnection;

const A: (&str, &str, Option<&str>) = (
    "1_a",
    "CREATE TABLE ops_a (x INTEGER);\n",
    Some("DROP TABLE ops_a;\n"),
);
const B: (&str, &str, Option<&str>) = (
    "2_b",
    "CREATE TABLE ops_b (x INTEGER);\n",
    Some("DROP TABLE ops_b;\n"),
);
const C: (&str, &str, Option<&str>) = (
    "3_c",
    "CREATE TABLE ops_c (x INTEGER);\nINSERT INTO ops_c VALUES (1);\n",
    Some("DROP TABLE ops_c;\n"),
);

fn states(db: &Database, set: &MigrationSet) -> Vec<(String, &'static str)> {
    db.migration_status_in(set)
        .expect("status")
        .migrations
        .into_iter()
        .map(|m| (m.version, m.state.as_str()))
        .collect()
}

fn has_table(db: &Database, table: &str) -> bool {
    let mut c = db.get().expect("conn");
    c.batch_execute(&format!("SELECT x FROM {table}")).is_ok()
}

fn s(v: &str, st: &'static str) -> (String, &'static str) {
    (v.to_string(), st)
}

fn operate(url: &str) {
    let db = Database::connect(url).expect("connect");
    let set = MigrationSet::from_sql(&[A, B, C]);

    // A fresh database: everything pending, and status created nothing.
    let status = db.migration_status_in(&set).expect("status");
    assert_eq!(status.count(MigrationState::Pending), 3);
    let json = status.to_json();
    assert_eq!(json["counts"]["pending"], 3);
    assert_eq!(json["migrations"][0]["name"], "1_a");
    assert_eq!(json["migrations"][0]["state"], "pending");
    assert!(json["migrations"][0]["recorded_checksum"].is_null());
    assert!(status
        .to_table()
        .contains("0 applied, 3 pending, 0 modified, 0 missing"));

    // Dry run up to 2: the SQL of 1 and 2, nothing applied.
    let sql = db.pending_sql_in(&set, Some("2")).expect("dry run");
    let names: Vec<_> = sql.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["1_a", "2_b"]);
    assert!(sql[0].sql.contains("CREATE TABLE ops_a"));
    assert!(sql[1].file.ends_with("/2_b/up.sql"), "{}", sql[1].file);
    assert!(!has_table(&db, "ops_a"));

    // Up to 2 (by folder name), then the state says so.
    let report = db.migrate_to_in(&set, "2_b").expect("up to 2");
    assert_eq!(report.applied, ["1", "2"]);
    assert!(has_table(&db, "ops_b") && !has_table(&db, "ops_c"));
    assert_eq!(
        states(&db, &set),
        [s("1", "applied"), s("2", "applied"), s("3", "pending")]
    );
    let e = db
        .migrate_to_in(&set, "1")
        .expect_err("backwards")
        .to_string();
    assert!(
        e.contains("already has the later migration 2") && e.contains("revert"),
        "{e}"
    );
    let e = db
        .migrate_to_in(&set, "9")
        .expect_err("unknown")
        .to_string();
    assert!(
        e.contains("no embedded migration") && e.contains("1_a, 2_b, 3_c"),
        "{e}"
    );

    // Revert: dry run first (newest first), then for real.
    let down = db.revert_sql_in(&set, 2).expect("revert dry run");
    let names: Vec<_> = down.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["2_b", "1_a"]);
    assert!(down[0].file.ends_with("/2_b/down.sql"));
    assert!(has_table(&db, "ops_b"));
    assert_eq!(db.revert_in(&set, 1).expect("revert 1"), ["2"]);
    assert!(!has_table(&db, "ops_b") && has_table(&db, "ops_a"));
    assert_eq!(
        states(&db, &set),
        [s("1", "applied"), s("2", "pending"), s("3", "pending")]
    );
    let e = db.revert_in(&set, 5).expect_err("too many").to_string();
    assert!(e.contains("only 1 migrations are applied"), "{e}");

    // A failing down.sql: named with its line, and all of the revert undone.
    db.migrate_to_in(&set, "3").expect("up");
    let broken = MigrationSet::from_sql(&[
        A,
        B,
        (
            "3_c",
            C.1,
            Some("DROP TABLE ops_c;\nDROP TABLE no_such_table;\n"),
        ),
    ]);
    match db.revert_in(&broken, 2) {
        Err(Error::Migration {
            migration,
            file,
            line,
            ..
        }) => {
            assert_eq!(migration, "3_c");
            assert!(file.ends_with("3_c/down.sql"), "{file}");
            assert_eq!(line, Some(2));
        }
        other => panic!("expected a failed revert: {other:?}"),
    }
    assert!(has_table(&db, "ops_c") && has_table(&db, "ops_b"));
    assert_eq!(
        states(&db, &set)
            .iter()
            .filter(|m| m.1 == "applied")
            .count(),
        3
    );

    // Modified and missing, as a build with other files would see them.
    let other = MigrationSet::from_sql(&[
        ("1_a", "CREATE TABLE ops_a (x INTEGER, y INTEGER);\n", None),
        B,
    ]);
    assert_eq!(
        states(&db, &other),
        [s("1", "modified"), s("2", "applied"), s("3", "missing")]
    );
    let json = db.migration_status_in(&other).expect("status").to_json();
    assert_eq!(json["counts"]["modified"], 1);
    assert_eq!(json["counts"]["missing"], 1);
    assert!(json["migrations"][2]["name"].is_null());
    let e = db.revert_in(&other, 1).expect_err("missing").to_string();
    assert!(e.contains("does not contain"), "{e}");

    // Applied but unrecorded (plain Diesel ran it, or a run stopped before
    // recording): `unrecorded`, not `applied`, and not drift; the next
    // migrate records it.
    db.get()
        .expect("conn")
        .batch_execute("DELETE FROM cloacina_migration_checksums WHERE version = '2'")
        .expect("forget one checksum");
    assert_eq!(
        states(&db, &set),
        [s("1", "applied"), s("2", "unrecorded"), s("3", "applied")]
    );
    let status = db.migration_status_in(&set).expect("status");
    let json = status.to_json();
    assert_eq!(json["counts"]["unrecorded"], 1);
    assert_eq!(json["counts"]["applied"], 2);
    assert_eq!(json["migrations"][1]["state"], "unrecorded");
    assert!(json["migrations"][1]["recorded_checksum"].is_null());
    let table = status.to_table();
    assert!(
        table
            .lines()
            .any(|l| l.contains("2_b") && l.ends_with(" unrecorded")),
        "{table}"
    );
    assert!(
        table.contains("2 applied, 0 pending, 0 modified, 0 missing, 1 unrecorded"),
        "{table}"
    );
    assert_eq!(
        status.count(MigrationState::Modified) + status.count(MigrationState::Missing),
        0,
        "unrecorded is not drift"
    );
    db.migrate_to_in(&set, "3").expect("records the checksum");
    assert_eq!(
        states(&db, &set),
        [s("1", "applied"), s("2", "applied"), s("3", "applied")]
    );
}

#[cfg(feature = "sqlite")]
#[test]
fn operations_on_sqlite() {
    let dir = common::TempDir::new("ops");
    operate(&format!("sqlite://{}", dir.file("ops.db")));
}

#[cfg(feature = "postgres")]
#[test]
fn operations_on_postgres() {
    let pg = common::TempPgDatabase::new();
    operate(&pg.url);
}

#[cfg(feature = "sqlite")]
#[test]
fn the_embedded_migrations_revert_and_reapply() {
    let dir = common::TempDir::new("ops-embedded");
    let db = Database::connect(&format!("sqlite://{}", dir.file("e.db"))).expect("connect");
    let status = db.migration_status().expect("status");
    let n = status.count(MigrationState::Pending);
    assert!(n > 0);
    let last = status.migrations.last().expect("one").version.clone();
    assert_eq!(db.migrate_to(&last).expect("up").applied.len(), n);
    assert_eq!(db.revert(n).expect("revert").len(), n);
    assert_eq!(
        db.migration_status()
            .expect("status")
            .count(MigrationState::Pending),
        n
    );
    db.migrate().expect("again");
    assert_eq!(
        db.migration_status()
            .expect("status")
            .count(MigrationState::Applied),
        n
    );
}
