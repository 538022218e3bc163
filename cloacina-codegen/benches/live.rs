//! The commands that touch real databases, end to end, on a synthetic
//! history (issue 13):
//!
//! - `check` (parse, history status, the data-carrying replay on a fresh
//!   SQLite file and a fresh PostgreSQL database, the comparisons) on a
//!   synthetic 100-table schema (`internals::synthetic`) whose history has
//!   100 migrations: migration *k* brings the schema to the first *k*
//!   tables of `synthetic::schema_source(100)`;
//! - `check-parity` on the same history kept as two folders (its
//!   `postgres/` and `sqlite/` migrations);
//! - `inspect` (connect, introspect, carry into the model, render the
//!   neutral schema file) of the resulting 100-table database on SQLite and
//!   on PostgreSQL.
//!
//! Release build, in process (`check::check`, `check::check_parity`, and the
//! steps of the CLI's `inspect`). PostgreSQL comes from
//! `CLOACINA_BENCH_POSTGRES_URL` or a `postgres://` `DATABASE_URL`; without
//! one the bench fails with instructions (it never skips). Scratch files go
//! to a temporary folder that is removed; the `inspect` database is a
//! scratch database dropped afterwards.
//!
//! ```text
//! scripts/with-postgres.sh cargo bench -p cloacina-codegen --bench live
//! ```
//!
//! Settings: `CLOACINA_BENCH_TABLES` (default 100), `CLOACINA_BENCH_MIGRATIONS`
//! (default 100), `CLOACINA_BENCH_ROUNDS` (default 3). Under `cargo test`
//! it runs once on 10 tables and 3 migrations.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, UNIX_EPOCH};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};

use cloacina_codegen::internals::introspect::{for_inspect, Database};
use cloacina_codegen::internals::render::neutral;
use cloacina_codegen::internals::synthetic::schema_source;
use cloacina_codegen::{check, history, Backend, Builder, SchemaFile};

/// Stops the bench with a message (a bench has no caller to return to).
fn fail(message: String) -> ! {
    eprintln!("live bench: {message}");
    std::process::exit(1)
}

fn setting(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| fail(format!("{name}={v} is not a number"))),
        Err(_) => default,
    }
}

fn postgres_url() -> String {
    ["CLOACINA_BENCH_POSTGRES_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find(|url| url.starts_with("postgres://") || url.starts_with("postgresql://"))
        .unwrap_or_else(|| {
            fail(
                "no PostgreSQL server: set DATABASE_URL (or CLOACINA_BENCH_POSTGRES_URL) to postgres://…, \
                 or run `scripts/with-postgres.sh cargo bench -p cloacina-codegen --bench live`, \
                 which starts a throwaway server; this bench never skips PostgreSQL"
                    .into(),
            )
        })
}

/// `url` with its database name replaced by `db`.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = match base.rsplit_once('/') {
        Some((prefix, _)) if prefix.contains("//") && !prefix.ends_with('/') => prefix,
        _ => base.trim_end_matches('/'),
    };
    match query {
        Some(q) => format!("{prefix}/{db}?{q}"),
        None => format!("{prefix}/{db}"),
    }
}

/// Writes the synthetic history: `migrations` migrations that grow the
/// schema to `tables` tables. Returns the schema file's path.
fn write_history(dir: &Path, tables: usize, migrations: usize) -> PathBuf {
    let schema_path = dir.join("schema.rs");
    let migrations_dir = dir.join("migrations");
    for step in 1..=migrations {
        let n = (tables * step).div_ceil(migrations);
        let source = schema_source(n);
        std::fs::write(&schema_path, &source)
            .unwrap_or_else(|e| fail(format!("write the schema: {e}")));
        let path = schema_path.display().to_string();
        let file = SchemaFile::from_source(&path, source.as_str())
            .unwrap_or_else(|e| fail(format!("step {step}: {}", e.render())));
        let mut hist =
            history::load(&migrations_dir).unwrap_or_else(|e| fail(format!("load history: {e}")));
        let pending = history::pending(&hist, file.schema())
            .unwrap_or_else(|e| fail(format!("pending: {e}")));
        if pending.is_empty() {
            fail(format!("step {step} ({n} tables) changes nothing"));
        }
        let clock =
            history::FixedClock(UNIX_EPOCH + Duration::from_secs(1_780_000_000 + step as u64));
        history::write_migration(&mut hist, &pending, &file, None, &clock)
            .unwrap_or_else(|e| fail(format!("step {step}: {e}")));
    }
    schema_path
}

/// The steps of the CLI's `inspect`: connect, introspect, carry, render.
/// Returns the size of the schema file it would print.
fn inspect(url: &str) -> usize {
    let mut db = Database::connect(url).unwrap_or_else(|e| fail(format!("inspect: connect: {e}")));
    let intro = db
        .introspect()
        .unwrap_or_else(|e| fail(format!("inspect: {e}")));
    let inspected = for_inspect(&intro);
    neutral::render(&inspected.schema, &["inspected"]).len()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn main() {
    let quick =
        std::env::args().any(|a| a == "--test") || !std::env::args().any(|a| a == "--bench");
    let (tables, migrations, rounds) = if quick {
        (10, 3, 1)
    } else {
        (
            setting("CLOACINA_BENCH_TABLES", 100),
            setting("CLOACINA_BENCH_MIGRATIONS", 100),
            setting("CLOACINA_BENCH_ROUNDS", 3).max(1),
        )
    };
    let url = postgres_url();
    let dir = std::env::temp_dir().join(format!("cloacina-live-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail(format!("{}: {e}", dir.display())));

    let started = Instant::now();
    let schema = write_history(&dir, tables, migrations);
    let written = started.elapsed();
    let migrations_dir = dir.join("migrations");

    // `check` and `check-parity`, interleaved round by round.
    let (mut checks, mut parities) = (Vec::new(), Vec::new());
    let mut parity_summary = String::new();
    for _ in 0..rounds {
        let started = Instant::now();
        let report = check::check(&schema, &migrations_dir, &url)
            .unwrap_or_else(|e| fail(format!("check: {e}")));
        checks.push(started.elapsed());
        if !report.is_clean() {
            fail(format!("check is not clean:\n{}", report.render()));
        }
        let started = Instant::now();
        let report = check::check_parity(
            &migrations_dir.join("postgres"),
            &migrations_dir.join("sqlite"),
            &url,
        )
        .unwrap_or_else(|e| fail(format!("check-parity: {e}")));
        parities.push(started.elapsed());
        // Not clean by design: the folders are compared as two hand-kept
        // histories, without the schema file, so the PostgreSQL-only table
        // and the UUIDs SQLite stores as blobs are reported. Shown, not failed.
        parity_summary = report
            .render()
            .lines()
            .find_map(|l| l.strip_prefix("summary: ").map(str::to_string))
            .unwrap_or_default();
    }

    // `inspect` of the final schema, built from the rendered DDL.
    let ddl = |backend: Backend| {
        let stem = "schema";
        let name = format!("{stem}.{}.sql", backend.name());
        let mut builder = Builder::new();
        builder.schema(&schema).backends(&[backend]);
        builder
            .generate_file(&name)
            .unwrap_or_else(|e| fail(format!("render {name}: {e}")))
            .unwrap_or_else(|| fail(format!("nothing rendered as {name}")))
            .contents
    };
    let lite_path = dir.join("inspect.db");
    let lite_url = lite_path.display().to_string();
    let mut lite =
        SqliteConnection::establish(&lite_url).unwrap_or_else(|e| fail(format!("{lite_url}: {e}")));
    lite.batch_execute(&ddl(Backend::Sqlite))
        .unwrap_or_else(|e| fail(format!("SQLite DDL: {e}")));
    drop(lite);
    let scratch = format!("bench_inspect_{}", std::process::id());
    let mut admin = PgConnection::establish(&url).unwrap_or_else(|e| {
        fail(format!(
            "PostgreSQL: {e}; start a server with scripts/with-postgres.sh"
        ))
    });
    diesel::sql_query(format!("CREATE DATABASE {scratch}"))
        .execute(&mut admin)
        .unwrap_or_else(|e| fail(format!("create database {scratch}: {e}")));
    let pg_url = with_database(&url, &scratch);
    {
        let mut pg =
            PgConnection::establish(&pg_url).unwrap_or_else(|e| fail(format!("{scratch}: {e}")));
        pg.batch_execute(&ddl(Backend::Postgres))
            .unwrap_or_else(|e| fail(format!("PostgreSQL DDL: {e}")));
    }
    let (mut lite_times, mut pg_times) = (Vec::new(), Vec::new());
    let (mut lite_size, mut pg_size) = (0, 0);
    for round in 0..rounds.max(3) {
        for k in 0..2 {
            let started = Instant::now();
            if (round + k) % 2 == 0 {
                lite_size = inspect(&lite_url);
                lite_times.push(started.elapsed());
            } else {
                pg_size = inspect(&pg_url);
                pg_times.push(started.elapsed());
            }
        }
    }
    diesel::sql_query(format!("DROP DATABASE {scratch}"))
        .execute(&mut admin)
        .unwrap_or_else(|e| fail(format!("drop database {scratch}: {e}")));
    let _ = std::fs::remove_dir_all(&dir);

    println!(
        "\nSynthetic schema of {tables} tables, history of {migrations} migrations (written in {}); \
         {rounds} round(s), medians; {} build, in process",
        secs(written),
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    println!("| command | median | per migration |");
    println!("|---|---:|---:|");
    let per = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3 / migrations as f64);
    let (check_m, parity_m) = (median(checks), median(parities));
    println!(
        "| `check` (data-carrying replay on both backends) | {} | {} |",
        secs(check_m),
        per(check_m)
    );
    println!(
        "| `check-parity` (the history's `postgres/` and `sqlite/` folders) | {} | {} |",
        secs(parity_m),
        per(parity_m)
    );
    println!("\n`check-parity` found: {parity_summary}");
    println!(
        "\n`inspect` of the {tables}-table database ({} rounds, interleaved, medians)",
        rounds.max(3)
    );
    println!("| backend | median | schema printed |");
    println!("|---|---:|---:|");
    println!(
        "| SQLite (file) | {:.1} ms | {} KB |",
        median(lite_times).as_secs_f64() * 1e3,
        lite_size / 1024
    );
    println!(
        "| PostgreSQL (loopback) | {:.1} ms | {} KB |",
        median(pg_times).as_secs_f64() * 1e3,
        pg_size / 1024
    );
}
