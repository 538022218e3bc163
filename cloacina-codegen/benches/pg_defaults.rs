//! What printing the schema file's PostgreSQL-only defaults costs `check`
//! and `check --database` (issue 11): `pg_defaults::in_postgres_spelling`
//! on a PostgreSQL-scoped table of N columns, each with a default PostgreSQL
//! prints otherwise (the PostgreSQL-only types in turn), as `check` does it
//! (one `SET TIME ZONE` and one query for all), interleaved round by round
//! with the same N defaults printed column by column (N one-column
//! schemas: two round trips each), on one open connection.
//!
//! PostgreSQL comes from `CLOACINA_BENCH_POSTGRES_URL` or a `postgres://`
//! `DATABASE_URL`; without one the bench fails with instructions (it never
//! skips).
//!
//! ```text
//! scripts/with-postgres.sh cargo bench -p cloacina-codegen --bench pg_defaults
//! ```
//!
//! Settings: `CLOACINA_BENCH_COLUMNS` (default `25,250`),
//! `CLOACINA_BENCH_ROUNDS` (default 21). Under `cargo test` it runs one
//! round of 5 columns.

use std::time::{Duration, Instant};

use cloacina_codegen::internals::introspect::Database;
use cloacina_codegen::internals::pg_defaults::{in_postgres_spelling, Origin};
use cloacina_codegen::model::Schema;

fn fail(message: String) -> ! {
    eprintln!("pg_defaults bench: {message}");
    std::process::exit(1)
}

/// (type, a default PostgreSQL prints otherwise, what it prints).
const DEFAULTS: &[(&str, &str, &str)] = &[
    ("Interval", "1 hour", "01:00:00"),
    ("Range<Integer>", "[1,5]", "[1,6)"),
    ("Range<Numeric>", "[1.50, 2]", "[1.50,2]"),
    (
        "Range<Date>",
        "[2024-01-01,2024-01-31]",
        "[2024-01-01,2024-02-01)",
    ),
    ("Array<Integer>", "{1, 2}", "{1,2}"),
    ("Array<Decimal<10, 2>>", "{1.5, -2}", "{1.50,-2.00}"),
    ("Money", "1.5", "$1.50"),
    ("MacAddr", "08-00-2b-01-02-03", "08:00:2b:01:02:03"),
    ("Inet", "10.1.2.3/32", "10.1.2.3"),
    ("Cidr", "10.1/16", "10.1.0.0/16"),
];

/// Tables of at most 100 defaulted columns (Diesel's `table!` takes 128),
/// `columns` in all.
fn schema(columns: usize) -> Schema {
    let mut src = String::new();
    for (t, start) in (0..columns).step_by(100).enumerate() {
        src.push_str(&format!(
            "table! {{\n    #[backend(postgres)]\n    t{t} (id) {{\n        id -> BigInt,\n"
        ));
        for i in start..columns.min(start + 100) {
            let (ty, literal, _) = DEFAULTS[i % DEFAULTS.len()];
            src.push_str(&format!(
                "        #[default({literal:?})]\n        c{i} -> {ty},\n"
            ));
        }
        src.push_str("    }\n}\n");
    }
    cloacina_codegen::parse_str("bench.rs", &src).unwrap_or_else(|e| fail(e.render()))
}

/// The schema's defaulted columns, each alone in its table.
fn one_column_schemas(s: &Schema) -> Vec<Schema> {
    let mut out = Vec::new();
    for t in &s.tables {
        for c in t.columns.iter().filter(|c| c.default.is_some()) {
            let mut one = s.clone();
            one.tables = vec![t.clone()];
            one.tables[0].columns = vec![t.columns[0].clone(), c.clone()];
            out.push(one);
        }
    }
    out
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let quick =
        std::env::args().any(|a| a == "--test") || !std::env::args().any(|a| a == "--bench");
    let url = ["CLOACINA_BENCH_POSTGRES_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
        .unwrap_or_else(|| {
            fail(
                "no PostgreSQL server: set DATABASE_URL (or CLOACINA_BENCH_POSTGRES_URL) to postgres://…, \
                 or run `scripts/with-postgres.sh cargo bench -p cloacina-codegen --bench pg_defaults`"
                    .into(),
            )
        });
    let sizes: Vec<usize> = if quick {
        vec![5]
    } else {
        std::env::var("CLOACINA_BENCH_COLUMNS")
            .unwrap_or_else(|_| "25,250".into())
            .split(',')
            .filter_map(|n| n.trim().parse().ok())
            .collect()
    };
    let rounds: usize = if quick {
        1
    } else {
        std::env::var("CLOACINA_BENCH_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(21)
    };
    let mut db = Database::connect(&url).unwrap_or_else(|e| fail(e.to_string()));
    println!("| columns | one query for all (as `check`) | column by column | rounds |");
    println!("|---|---|---|---|");
    for n in sizes {
        let s = schema(n);
        let singles = one_column_schemas(&s);
        let (mut all, mut each) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let started = Instant::now();
            let printed = in_postgres_spelling(&mut db, &s, Origin::Database)
                .unwrap_or_else(|e| fail(e.to_string()));
            all.push(started.elapsed());
            // Every default printed as PostgreSQL prints it.
            let printed_columns = printed.tables.iter().flat_map(|t| t.columns.iter().skip(1));
            for (i, c) in printed_columns.enumerate() {
                let want = DEFAULTS[i % DEFAULTS.len()].2;
                if c.default.as_ref().map(|d| d.neutral_spelling()) != Some(format!("{want:?}")) {
                    fail(format!(
                        "column {}: {:?}, expected {want}",
                        c.name, c.default
                    ));
                }
            }
            let started = Instant::now();
            for one in &singles {
                in_postgres_spelling(&mut db, one, Origin::Database)
                    .unwrap_or_else(|e| fail(e.to_string()));
            }
            each.push(started.elapsed());
        }
        println!(
            "| {n} | {} | {} | {rounds} |",
            ms(median(all)),
            ms(median(each))
        );
    }
}
