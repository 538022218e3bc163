//! The same comparison as `benches/dispatch.rs`, measured interleaved so that
//! drift on a shared machine hits every variant alike: each round runs a
//! batch of each variant in rotating order; the table shows the median
//! per-call time over all rounds and the overhead against the native
//! connection.
//!
//! ```text
//! cargo bench -p cloacina --bench dispatch_interleaved
//! CLOACINA_BENCH_POSTGRES_URL=postgres://… cargo bench -p cloacina --bench dispatch_interleaved
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use diesel::prelude::*;

use cloacina::connection::AnyConnection;
use cloacina::models::Context;
use cloacina::schema::unified::contexts;
use cloacina::types::UniversalUuid;
use cloacina::{with_native, Database};

const VARIANTS: [&str; 3] = ["native", "multiconnection", "dispatch_once"];

fn run_variant(any: &mut AnyConnection, id: UniversalUuid, variant: usize, n: u32) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        let row: Context = match variant {
            0 => match &mut *any {
                #[cfg(feature = "sqlite")]
                AnyConnection::Sqlite(c) => contexts::table.find(black_box(id)).select(Context::as_select()).first(c),
                #[cfg(feature = "postgres")]
                AnyConnection::Postgresql(c) => contexts::table.find(black_box(id)).select(Context::as_select()).first(c),
            },
            1 => contexts::table.find(black_box(id)).select(Context::as_select()).first(&mut *any),
            _ => with_native!(&mut *any, c => contexts::table.find(black_box(id)).select(Context::as_select()).first(c)),
        }
        .expect("row");
        black_box(row);
    }
    start.elapsed()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn measure(label: &str, url: &str, rounds: usize, batch: u32) {
    let db = Database::connect(url).expect("connect");
    db.migrate().expect("migrate");
    let id = db
        .dal()
        .create_context(serde_json::json!({"bench": true}))
        .expect("row")
        .id;
    let mut conn = db.get().expect("connection");
    let any: &mut AnyConnection = &mut conn;
    // Warm up every variant (statement caches, allocator, CPU caches).
    for v in 0..VARIANTS.len() {
        run_variant(any, id, v, batch);
    }
    let mut per_call: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); VARIANTS.len()];
    for round in 0..rounds {
        for k in 0..VARIANTS.len() {
            let v = (round + k) % VARIANTS.len();
            let t = run_variant(any, id, v, batch);
            per_call[v].push(t.as_secs_f64() * 1e6 / f64::from(batch));
        }
    }
    let medians: Vec<f64> = per_call.iter_mut().map(|v| median(v)).collect();
    println!("\n{label}: {rounds} rounds x {batch} calls per variant, interleaved");
    println!("| variant | median µs/call | vs native |");
    println!("|---|---:|---:|");
    for (i, name) in VARIANTS.iter().enumerate() {
        println!(
            "| {name} | {:.2} | {:+.1} % |",
            medians[i],
            (medians[i] / medians[0] - 1.0) * 100.0
        );
    }
}

fn main() {
    // `cargo test --all-targets` runs benches once as a smoke test: keep it short then.
    let quick =
        std::env::args().any(|a| a == "--test") || !std::env::args().any(|a| a == "--bench");
    let (rounds, batch) = if quick { (3, 10) } else { (300, 2000) };
    #[cfg(feature = "sqlite")]
    measure("SQLite in memory", ":memory:", rounds, batch);
    if let Ok(url) = std::env::var("CLOACINA_BENCH_POSTGRES_URL") {
        measure("PostgreSQL over loopback", &url, rounds / 3 + 1, batch / 10);
    }
}
