//! The project's migration history applied by cloacina's runner
//! (`Database::migrate`: fast path, lock, history checks, checksums) and by
//! Diesel's plain harness (`MigrationHarness::run_pending_migrations`) over
//! the same embedded folders, in the same run, interleaved: every round
//! times each variant once, in rotating order, on a fresh database, so
//! drift on a shared machine hits both alike. Two cases: the full history
//! on an empty database, and a second run with nothing pending (what every
//! process start pays). Only the migration call is timed: opening the
//! connection (and the pool) and making the fresh database are not.
//!
//! Fresh databases: SQLite in memory, a new SQLite file (WAL,
//! `synchronous = NORMAL`, `foreign_keys = ON` for both variants, as the
//! runtime sets them), and on PostgreSQL a new schema on the loopback
//! server (the runner as a tenant of that schema, Diesel with
//! `search_path` set to it).
//!
//! ```text
//! cargo bench -p cloacina --bench migrate_vs_diesel
//! scripts/with-postgres.sh cargo bench -p cloacina --bench migrate_vs_diesel -- --postgres
//! ```
//!
//! `--postgres` needs `CLOACINA_BENCH_POSTGRES_URL` or `DATABASE_URL` (which
//! `scripts/with-postgres.sh` exports) and fails with instructions without
//! one. Under `cargo test` (no `--bench`) it runs one tiny round (on
//! PostgreSQL too when one of those variables names a server).

use std::time::{Duration, Instant};

use cloacina::{Database, DatabaseConfig};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use diesel_migrations::MigrationHarness;

const VARIANTS: [&str; 2] = ["cloacina runner", "diesel harness"];

/// A fresh database for one timed call; `Drop` removes what it made.
trait Place {
    fn name(&self) -> String;
    /// Times `Database::migrate` twice: full history, then nothing pending;
    /// and two pool checkouts.
    fn runner(&self, round: usize) -> (Duration, Duration, Duration);
    /// Times `run_pending_migrations` twice, likewise.
    fn diesel(&self, round: usize) -> (Duration, Duration);
}

fn config() -> DatabaseConfig {
    DatabaseConfig {
        max_size: 1,
        ..DatabaseConfig::default()
    }
}

/// Full history, nothing pending, and two pool checkouts (what
/// `Database::migrate` makes: one to read the embedded migrations, one for
/// the run; each checkout's liveness check is a round trip).
fn time_runner(db: &Database) -> (Duration, Duration, Duration) {
    let t = Instant::now();
    let first = db.migrate().expect("runner: full history");
    let full = t.elapsed();
    assert!(!first.applied.is_empty());
    let t = Instant::now();
    let again = db.migrate().expect("runner: nothing pending");
    let idle = t.elapsed();
    assert!(again.applied.is_empty());
    let t = Instant::now();
    drop(db.get().expect("checkout"));
    drop(db.get().expect("checkout"));
    (full, idle, t.elapsed())
}

fn time_diesel<C, DB>(
    c: &mut C,
    source: impl Fn() -> diesel_migrations::EmbeddedMigrations,
) -> (Duration, Duration)
where
    DB: diesel::backend::Backend,
    C: MigrationHarness<DB>,
{
    let t = Instant::now();
    let applied = c
        .run_pending_migrations(source())
        .expect("diesel: full history")
        .len();
    let full = t.elapsed();
    assert!(applied > 0);
    let t = Instant::now();
    let again = c
        .run_pending_migrations(source())
        .expect("diesel: nothing pending")
        .len();
    let idle = t.elapsed();
    assert_eq!(again, 0);
    (full, idle)
}

#[cfg(feature = "sqlite")]
struct SqliteMemory;

#[cfg(feature = "sqlite")]
impl Place for SqliteMemory {
    fn name(&self) -> String {
        "SQLite in memory".into()
    }
    fn runner(&self, _: usize) -> (Duration, Duration, Duration) {
        let db = Database::connect_with(":memory:", config()).expect("open");
        time_runner(&db)
    }
    fn diesel(&self, _: usize) -> (Duration, Duration) {
        let mut c = diesel::SqliteConnection::establish(":memory:").expect("open");
        c.batch_execute("PRAGMA foreign_keys = ON;")
            .expect("pragma");
        time_diesel(&mut c, || cloacina::SQLITE_MIGRATIONS)
    }
}

#[cfg(feature = "sqlite")]
struct SqliteFile(std::path::PathBuf);

#[cfg(feature = "sqlite")]
impl SqliteFile {
    fn file(&self, variant: &str, round: usize) -> String {
        let f = self.0.join(format!("{variant}-{round}.db"));
        f.to_string_lossy().into_owned()
    }
}

#[cfg(feature = "sqlite")]
impl Drop for SqliteFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(feature = "sqlite")]
impl Place for SqliteFile {
    fn name(&self) -> String {
        "SQLite file (WAL)".into()
    }
    fn runner(&self, round: usize) -> (Duration, Duration, Duration) {
        let db = Database::connect_with(&self.file("runner", round), config()).expect("open");
        time_runner(&db)
    }
    fn diesel(&self, round: usize) -> (Duration, Duration) {
        let mut c = diesel::SqliteConnection::establish(&self.file("diesel", round)).expect("open");
        c.batch_execute(
            "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
             PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
        )
        .expect("pragmas");
        time_diesel(&mut c, || cloacina::SQLITE_MIGRATIONS)
    }
}

#[cfg(feature = "postgres")]
struct Postgres(String);

#[cfg(feature = "postgres")]
impl Postgres {
    fn admin(&self) -> diesel::PgConnection {
        diesel::PgConnection::establish(&self.0).expect("connect to the PostgreSQL server")
    }
}

#[cfg(feature = "postgres")]
impl Place for Postgres {
    fn name(&self) -> String {
        "PostgreSQL (loopback, fresh schema)".into()
    }
    fn runner(&self, round: usize) -> (Duration, Duration, Duration) {
        let schema = format!("bench_runner_{}_{round}", std::process::id());
        let times = {
            let db = Database::connect_tenant(&self.0, &schema, config()).expect("tenant");
            time_runner(&db)
        };
        self.admin()
            .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .expect("drop");
        times
    }
    fn diesel(&self, round: usize) -> (Duration, Duration) {
        let schema = format!("bench_diesel_{}_{round}", std::process::id());
        let mut c = self.admin();
        c.batch_execute(&format!(
            "SET TIME ZONE 'UTC'; CREATE SCHEMA {schema}; SET search_path TO {schema}"
        ))
        .expect("schema");
        let times = time_diesel(&mut c, || cloacina::POSTGRES_MIGRATIONS);
        c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
            .expect("drop");
        times
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn measure(place: &dyn Place, rounds: usize) {
    // One untimed round of each (caches, the server's catalog).
    place.runner(usize::MAX);
    place.diesel(usize::MAX - 1);
    // [variant][case] -> milliseconds per round.
    let mut ms: Vec<[Vec<f64>; 2]> = vec![[Vec::new(), Vec::new()], [Vec::new(), Vec::new()]];
    let mut checkouts = Vec::new();
    for round in 0..rounds {
        for k in 0..VARIANTS.len() {
            let v = (round + k) % VARIANTS.len();
            let (full, idle) = if v == 0 {
                let (full, idle, co) = place.runner(round);
                checkouts.push(co.as_secs_f64() * 1e3);
                (full, idle)
            } else {
                place.diesel(round)
            };
            ms[v][0].push(full.as_secs_f64() * 1e3);
            ms[v][1].push(idle.as_secs_f64() * 1e3);
        }
    }
    let med: Vec<[f64; 2]> = ms.iter_mut().map(|[a, b]| [median(a), median(b)]).collect();
    let checkouts = median(&mut checkouts);
    println!(
        "\n{}: {rounds} rounds, the variants interleaved (rotating order), fresh database each",
        place.name()
    );
    println!("| variant | full history, median ms | nothing pending, median ms |");
    println!("|---|---:|---:|");
    for (i, name) in VARIANTS.iter().enumerate() {
        println!("| {name} | {:.2} | {:.3} |", med[i][0], med[i][1]);
    }
    println!(
        "| runner − harness | {:+.2} ({:+.0} %) | {:+.3} ({:+.0} %) |",
        med[0][0] - med[1][0],
        (med[0][0] / med[1][0] - 1.0) * 100.0,
        med[0][1] - med[1][1],
        (med[0][1] / med[1][1] - 1.0) * 100.0,
    );
    println!("| (runner's 2 pool checkouts, in the above) | | {checkouts:.3} |");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo test --all-targets` runs benches once as a smoke test.
    let quick = args.iter().any(|a| a == "--test") || !args.iter().any(|a| a == "--bench");
    let rounds = |full: usize| if quick { 1 } else { full };

    #[cfg(feature = "sqlite")]
    {
        measure(&SqliteMemory, rounds(40));
        let dir =
            std::env::temp_dir().join(format!("cloacina-bench-migrate-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        measure(&SqliteFile(dir), rounds(40));
    }
    let url = ["CLOACINA_BENCH_POSTGRES_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"));
    let asked = args.iter().any(|a| a == "--postgres");
    #[cfg(feature = "postgres")]
    match (url, asked) {
        (Some(url), _) if asked || quick => measure(&Postgres(url), rounds(25)),
        (None, true) => {
            eprintln!(
                "--postgres needs a PostgreSQL server: set CLOACINA_BENCH_POSTGRES_URL (or DATABASE_URL) to postgres://USER@HOST:PORT/DB, or run it under scripts/with-postgres.sh, which starts a throwaway server and exports DATABASE_URL"
            );
            std::process::exit(2);
        }
        _ => {}
    }
    #[cfg(not(feature = "postgres"))]
    if asked {
        eprintln!(
            "--postgres: this build leaves PostgreSQL out; enable the cargo feature `postgres`"
        );
        std::process::exit(2);
    }
    #[cfg(not(feature = "postgres"))]
    let _ = url;
}
