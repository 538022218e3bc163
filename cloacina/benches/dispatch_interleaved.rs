//! The same comparison as `benches/dispatch.rs`, measured interleaved so that
//! drift on a shared machine hits every variant alike: each round runs a
//! batch of each variant in rotating order; the tables show the median
//! per-call time over all rounds and the overhead against the native
//! connection, in nanoseconds per call and in percent of the query.
//!
//! Query shapes, each through the native connection, the derived
//! `MultiConnection` (`AnyConnection`) and the DAL's dispatch (match once,
//! run the body on the native connection: `with_native!`):
//!
//! - a primary-key select of one `contexts` row;
//! - a range select of 100 rows (`ORDER BY created_at LIMIT 100`);
//! - a transaction of 10 primary-key updates.
//!
//! Databases: SQLite in memory, a SQLite file (WAL, in the system's temporary
//! folder, removed afterwards), and PostgreSQL over loopback when a server is
//! given by `CLOACINA_BENCH_POSTGRES_URL` or a `postgres://` `DATABASE_URL`
//! (as `scripts/with-postgres.sh` exports), in a scratch tenant schema that
//! is dropped afterwards. Without one the PostgreSQL table says so; with
//! `CLOACINA_BENCH_POSTGRES=1` and no server the bench fails with
//! instructions instead.
//!
//! ```text
//! cargo bench -p cloacina --bench dispatch_interleaved
//! scripts/with-postgres.sh cargo bench -p cloacina --bench dispatch_interleaved
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use diesel::prelude::*;

use cloacina::connection::AnyConnection;
use cloacina::models::Context;
use cloacina::schema::unified::contexts;
use cloacina::types::{UniversalTimestamp, UniversalUuid};
use cloacina::{with_native, Database, DatabaseConfig};

const VARIANTS: [&str; 3] = [
    "native",
    "derived `MultiConnection`",
    "DAL dispatch (`with_native!`)",
];

/// One query shape.
#[derive(Clone, Copy)]
enum Shape {
    Point,
    Range,
    Tx,
}

impl Shape {
    const ALL: [Shape; 3] = [Shape::Point, Shape::Range, Shape::Tx];

    fn label(self) -> &'static str {
        match self {
            Shape::Point => "primary-key select (1 row)",
            Shape::Range => "range select (100 rows)",
            Shape::Tx => "transaction of 10 updates",
        }
    }

    /// Calls per batch (full run), scaled for the cost of one call.
    fn batch(self, postgres: bool) -> u32 {
        match (self, postgres) {
            (Shape::Point, false) => 2000,
            (Shape::Range, false) => 100,
            (Shape::Tx, false) => 200,
            (Shape::Point, true) => 200,
            (Shape::Range, true) => 40,
            (Shape::Tx, true) => 20,
        }
    }
}

/// One call of `shape` on connection `$c` (native or `AnyConnection`).
macro_rules! call {
    ($shape:expr, $c:expr, $ids:expr) => {
        match $shape {
            Shape::Point => {
                let row: Context = contexts::table
                    .find(black_box($ids[0]))
                    .select(Context::as_select())
                    .first($c)
                    .expect("row");
                black_box(row);
            }
            Shape::Range => {
                let rows: Vec<Context> = contexts::table
                    .order(contexts::created_at)
                    .limit(black_box(100))
                    .select(Context::as_select())
                    .load($c)
                    .expect("rows");
                assert_eq!(rows.len(), 100);
                black_box(rows);
            }
            Shape::Tx => {
                $c.transaction::<_, diesel::result::Error, _>(|c| {
                    for id in $ids.iter().take(10) {
                        diesel::update(contexts::table.find(*id))
                            .set(contexts::updated_at.eq(UniversalTimestamp::now()))
                            .execute(c)?;
                    }
                    Ok(())
                })
                .expect("transaction");
            }
        }
    };
}

fn run_variant(
    any: &mut AnyConnection,
    ids: &[UniversalUuid],
    shape: Shape,
    variant: usize,
    n: u32,
) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        match variant {
            0 => match &mut *any {
                #[cfg(feature = "sqlite")]
                AnyConnection::Sqlite(c) => call!(shape, c, ids),
                #[cfg(feature = "postgres")]
                AnyConnection::Postgresql(c) => call!(shape, c, ids),
            },
            1 => call!(shape, &mut *any, ids),
            _ => with_native!(&mut *any, c => call!(shape, c, ids)),
        }
    }
    start.elapsed()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Stops the bench with a message (a bench has no caller to return to).
fn fail(message: String) -> ! {
    eprintln!("dispatch_interleaved: {message}");
    std::process::exit(1)
}

fn measure(label: &str, db: &Database, rounds: usize, quick: bool) {
    db.migrate()
        .unwrap_or_else(|e| fail(format!("{label}: migrate: {e}")));
    let mut ids = Vec::new();
    for i in 0..100 {
        let row = db
            .dal()
            .create_context(serde_json::json!({"bench": i}))
            .unwrap_or_else(|e| fail(format!("{label}: seed: {e}")));
        ids.push(row.id);
    }
    let mut conn = db
        .get()
        .unwrap_or_else(|e| fail(format!("{label}: connection: {e}")));
    let any: &mut AnyConnection = &mut conn;
    let postgres = label.starts_with("PostgreSQL");
    println!(
        "\n{label}: {rounds} rounds per shape, every variant once per round in rotating order"
    );
    println!("| shape | variant | median µs/call | overhead ns/call | % of the query |");
    println!("|---|---|---:|---:|---:|");
    for shape in Shape::ALL {
        let batch = if quick { 2 } else { shape.batch(postgres) };
        // Warm up every variant (statement caches, allocator, CPU caches).
        for v in 0..VARIANTS.len() {
            run_variant(any, &ids, shape, v, batch);
        }
        let mut per_call: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); VARIANTS.len()];
        for round in 0..rounds {
            for k in 0..VARIANTS.len() {
                let v = (round + k) % VARIANTS.len();
                let t = run_variant(any, &ids, shape, v, batch);
                per_call[v].push(t.as_secs_f64() * 1e6 / f64::from(batch));
            }
        }
        let medians: Vec<f64> = per_call.iter_mut().map(|v| median(v)).collect();
        for (i, name) in VARIANTS.iter().enumerate() {
            println!(
                "| {} | {name} | {:.2} | {:+.0} | {:+.1} % |",
                shape.label(),
                medians[i],
                (medians[i] - medians[0]) * 1e3,
                (medians[i] / medians[0] - 1.0) * 100.0
            );
        }
    }
}

/// The PostgreSQL server to measure, if one is given.
fn postgres_url() -> Option<String> {
    ["CLOACINA_BENCH_POSTGRES_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find(|url| url.starts_with("postgres://") || url.starts_with("postgresql://"))
}

fn main() {
    // `cargo test --all-targets` runs benches once as a smoke test: keep it short then.
    let quick =
        std::env::args().any(|a| a == "--test") || !std::env::args().any(|a| a == "--bench");
    let rounds = if quick { 3 } else { 101 };
    #[cfg(feature = "sqlite")]
    {
        let memory = Database::connect(":memory:")
            .unwrap_or_else(|e| fail(format!("SQLite in memory: {e}")));
        measure("SQLite in memory", &memory, rounds, quick);
        let path =
            std::env::temp_dir().join(format!("cloacina-dispatch-bench-{}.db", std::process::id()));
        let url = path.to_string_lossy().into_owned();
        {
            let file =
                Database::connect(&url).unwrap_or_else(|e| fail(format!("SQLite file: {e}")));
            measure("SQLite file (WAL)", &file, rounds, quick);
        }
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{url}{suffix}"));
        }
    }
    #[cfg(feature = "postgres")]
    match postgres_url() {
        Some(url) => {
            let tenant = format!("bench_dispatch_{}", std::process::id());
            let db = Database::connect_tenant(&url, &tenant, DatabaseConfig::default()).unwrap_or_else(|e| {
                fail(format!(
                    "PostgreSQL: {e}; start a server with scripts/with-postgres.sh or unset DATABASE_URL / CLOACINA_BENCH_POSTGRES_URL"
                ))
            });
            measure("PostgreSQL over loopback", &db, rounds / 3 + 1, quick);
            let mut conn = db
                .get()
                .unwrap_or_else(|e| fail(format!("PostgreSQL: connection: {e}")));
            if let AnyConnection::Postgresql(c) = &mut *conn {
                diesel::sql_query(format!("DROP SCHEMA {tenant} CASCADE"))
                    .execute(c)
                    .unwrap_or_else(|e| fail(format!("PostgreSQL: drop the scratch schema {tenant}: {e}")));
            }
        }
        None if std::env::var("CLOACINA_BENCH_POSTGRES").is_ok_and(|v| v == "1") => fail(
            "CLOACINA_BENCH_POSTGRES=1 but no server: set DATABASE_URL (or CLOACINA_BENCH_POSTGRES_URL) to postgres://…, \
             or run `scripts/with-postgres.sh cargo bench -p cloacina --bench dispatch_interleaved`"
                .into(),
        ),
        None => println!(
            "\nPostgreSQL over loopback: not measured (no DATABASE_URL or CLOACINA_BENCH_POSTGRES_URL; \
             run under scripts/with-postgres.sh for these rows)"
        ),
    }
}
