//! SQLite table rebuild of 1,000,000 rows, timed next to a plain
//! `INSERT INTO … SELECT` copy of the same table.
//!
//! `cargo bench -p cloacina-tests --bench sqlite_rebuild` (release mode).
//! The rebuild is the real generated migration (`n` widens from Integer to
//! BigInt, which SQLite cannot ALTER), run through `diesel_migrations` the
//! way the runtime runs it; the row count and the sum of every numeric
//! column are checked before and after, so no row is lost.

use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::sql_types::BigInt;
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};

const ROWS: i64 = 1_000_000;

const FROM: &str = "
table! {
    events (id) {
        id -> BigInt,
        kind -> Text,
        n -> Integer,
        at -> Timestamp,
    }
}
table! {
    marks (id) {
        id -> BigInt,
        #[references(events.id, on_delete = cascade)]
        event_id -> BigInt,
    }
}
";

#[derive(QueryableByName)]
struct Totals {
    #[diesel(sql_type = BigInt)]
    rows: i64,
    #[diesel(sql_type = BigInt)]
    sum_n: i64,
    #[diesel(sql_type = BigInt)]
    sum_id: i64,
}

fn totals(c: &mut SqliteConnection, table: &str) -> (i64, i64, i64) {
    let t: Totals = diesel::sql_query(format!(
        "SELECT count(*) AS rows, total(n) AS sum_n, total(id) AS sum_id FROM {table}"
    ))
    .get_result(c)
    .expect("totals");
    (t.rows, t.sum_n, t.sum_id)
}

fn main() {
    let dir = std::env::temp_dir().join(format!("cloacina-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let to = FROM.replace("n -> Integer,", "n -> BigInt,");
    cloacina_tests::support::write_history(&dir.join("migrations"), &[FROM, &to]);
    let migrations =
        FileBasedMigrations::from_path(dir.join("migrations/sqlite")).expect("migrations");
    let db = dir.join("bench.db");
    let mut c = SqliteConnection::establish(&db.display().to_string()).expect("open");
    c.batch_execute(
        "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
    )
    .expect("pragmas");
    c.run_next_migration(migrations.clone())
        .expect("initial migration");

    let t = Instant::now();
    c.batch_execute(&format!(
        "BEGIN;
         WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {ROWS})
         INSERT INTO events (id, kind, n, at)
         SELECT i, 'kind' || (i % 10), i % 100000, '2024-01-01T00:00:00.000000Z' FROM s;
         WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1000)
         INSERT INTO marks (id, event_id) SELECT i, i * 7 FROM s;
         COMMIT;"
    ))
    .expect("seed");
    let seed = t.elapsed();
    let before = totals(&mut c, "events");
    assert_eq!(before.0, ROWS);

    // A plain copy of the same table, for comparison.
    let t = Instant::now();
    c.batch_execute(
        "BEGIN;
         CREATE TABLE events_copy (
             id INTEGER NOT NULL,
             kind TEXT NOT NULL,
             n INTEGER NOT NULL,
             at TEXT NOT NULL,
             CONSTRAINT events_copy_pkey PRIMARY KEY (id)
         ) STRICT;
         INSERT INTO events_copy (id, kind, n, at) SELECT id, kind, n, at FROM events;
         COMMIT;",
    )
    .expect("plain copy");
    let plain = t.elapsed();
    assert_eq!(totals(&mut c, "events_copy"), before);
    c.batch_execute("DROP TABLE events_copy;")
        .expect("drop copy");

    // The same copy into the generated table definition (its CHECKs), to
    // tell the per-row constraint cost apart from the rebuild's own steps.
    let up_sql = second_up_sql(&dir.join("migrations/sqlite"));
    let create = up_sql
        .split("\n\n")
        .find(|s| s.contains("CREATE TABLE events__cloacina_new"))
        .expect("the rebuild creates events__cloacina_new")
        .replace("events__cloacina_new", "events_checked");
    let t = Instant::now();
    c.batch_execute(&format!(
        "BEGIN;
         {create}
         INSERT INTO events_checked (id, kind, n, at) SELECT id, kind, n, at FROM events;
         COMMIT;"
    ))
    .expect("checked copy");
    let checked = t.elapsed();
    c.batch_execute("DROP TABLE events_checked;")
        .expect("drop checked copy");

    // Where the time goes: each statement of the generated up.sql, timed
    // alone inside a transaction that is rolled back.
    // Off by default (`CLOACINA_BENCH_PROFILE=1`): the rolled-back run
    // leaves its pages in the WAL, which slows the timed run after it.
    let up = second_up_sql(&dir.join("migrations/sqlite"));
    let profile = std::env::var_os("CLOACINA_BENCH_PROFILE").is_some();
    let mut steps: Vec<(f64, String)> = Vec::new();
    if profile {
        c.batch_execute("BEGIN;").expect("begin");
    }
    for statement in up.split("\n\n").filter(|s| profile && !s.trim().is_empty()) {
        let t = Instant::now();
        c.batch_execute(statement).expect("statement");
        let first = statement
            .lines()
            .find(|l| !l.starts_with("--"))
            .unwrap_or("")
            .to_string();
        steps.push((t.elapsed().as_secs_f64(), first));
    }
    if profile {
        c.batch_execute("ROLLBACK;").expect("rollback");
    }

    // The generated rebuild (events and marks, which references it).
    let t = Instant::now();
    c.run_next_migration(migrations.clone())
        .expect("rebuild migration");
    let rebuild = t.elapsed();
    let after = totals(&mut c, "events");
    assert_eq!(after, before, "every row survives the rebuild");
    let marks: Totals = diesel::sql_query(
        "SELECT count(*) AS rows, 0 AS sum_n, total(event_id) AS sum_id FROM marks",
    )
    .get_result(&mut c)
    .expect("marks");
    assert_eq!(marks.rows, 1000, "cascading children survive");

    println!("sqlite rebuild benchmark ({ROWS} rows, file database, WAL, synchronous=NORMAL)");
    println!(
        "  seed (recursive CTE insert):           {:>8.2} s",
        seed.as_secs_f64()
    );
    println!(
        "  plain INSERT INTO ... SELECT copy:     {:>8.2} s",
        plain.as_secs_f64()
    );
    println!(
        "  the same copy into the generated table (CHECKs): {:>8.2} s  ({:.2}x the plain copy)",
        checked.as_secs_f64(),
        checked.as_secs_f64() / plain.as_secs_f64()
    );
    println!(
        "  generated rebuild migration (up.sql):  {:>8.2} s  ({:.2}x the plain copy)",
        rebuild.as_secs_f64(),
        rebuild.as_secs_f64() / plain.as_secs_f64()
    );
    println!(
        "  rows before/after: {} / {}; sum(n) {} / {}",
        before.0, after.0, before.1, after.1
    );
    if profile {
        println!("  profile of up.sql (statements over 10 ms, run alone, rolled back):");
    }
    for (secs, first) in steps.iter().filter(|(secs, _)| *secs > 0.01) {
        println!(
            "    {secs:>6.3} s  {}",
            first.chars().take(90).collect::<String>()
        );
    }
    drop(c);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The `up.sql` of the second (rebuild) migration.
fn second_up_sql(sqlite_dir: &std::path::Path) -> String {
    let mut folders: Vec<std::path::PathBuf> = std::fs::read_dir(sqlite_dir)
        .expect("migration folders")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    std::fs::read_to_string(folders[1].join("up.sql")).expect("up.sql")
}
