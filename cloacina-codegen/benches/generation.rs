//! Code generation per table: the project's schema and synthetic schemas
//! (every construct of the language, `internals::synthetic`) of 10, 100,
//! 1,000 and 10,000 tables, rendered
//!
//! - in the build script's own profile: the debug `cloacina-codegen` binary
//!   (`cargo build -p cloacina-codegen`), `render --what diesel` and
//!   `render --what ddl`, each a fresh process that reads, parses and
//!   validates the file and renders that one output, as a build script
//!   does (cargo compiles build scripts and their dependencies without
//!   optimisation);
//! - optimised: the same steps in this (release) process.
//!
//! With `CLOACINA_BENCH_BASELINE_CLI=<path to another cloacina-codegen>`
//! (e.g. the debug binary of an older commit) its rows are measured in the
//! same rounds. Every round runs every variant of a size in rotating order,
//! so machine drift hits all alike; the table shows medians.
//!
//! Run: `cargo build -p cloacina-codegen && cargo bench -p cloacina-codegen --bench generation`
//! Settings: `CLOACINA_BENCH_SIZES` (default `10,100,1000,10000`),
//! `CLOACINA_BENCH_ROUNDS` (default 5; sizes of 10,000 tables and more run
//! `max(1, rounds / 3)` rounds), `CLOACINA_BENCH_DEBUG_CLI` (default
//! `<workspace>/target/debug/cloacina-codegen`), `CLOACINA_BENCH_BASELINE_MAX`
//! (the largest size the baseline runs, default all).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use cloacina_codegen::internals::synthetic::schema_source;
use cloacina_codegen::{Backend, Builder};

/// One way of generating one output.
#[derive(Clone)]
enum Variant {
    /// A `cloacina-codegen` binary: `render --what <what>`.
    Cli {
        label: &'static str,
        binary: PathBuf,
        what: &'static str,
    },
    /// This process (release): `Builder::generate_file`.
    InProcess { what: &'static str },
}

impl Variant {
    fn label(&self) -> String {
        match self {
            Variant::Cli { label, what, .. } => format!("{label} `{what}`"),
            Variant::InProcess { what } => format!("release, in process `{what}`"),
        }
    }

    /// Runs once; the time and the output's size.
    fn run(&self, schema: &Path) -> Result<(Duration, usize), String> {
        match self {
            Variant::Cli { binary, what, .. } => {
                let started = Instant::now();
                let out = Command::new(binary)
                    .args(["render", "--backend", "sqlite", "--what", what, "--schema"])
                    .arg(schema)
                    .stderr(Stdio::inherit())
                    .output()
                    .map_err(|e| format!("{}: {e}", binary.display()))?;
                let took = started.elapsed();
                if !out.status.success() {
                    return Err(format!(
                        "{} failed on {}",
                        binary.display(),
                        schema.display()
                    ));
                }
                Ok((took, out.stdout.len()))
            }
            Variant::InProcess { what } => {
                let stem = schema
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let name = match *what {
                    "diesel" => format!("{stem}.rs"),
                    _ => format!("{stem}.sqlite.sql"),
                };
                let started = Instant::now();
                let mut builder = Builder::new();
                builder.schema(schema).backends(&[Backend::Sqlite]);
                let file = builder
                    .generate_file(&name)
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("nothing generated as {name}"))?;
                Ok((started.elapsed(), file.contents.len()))
            }
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> ExitCode {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let debug_cli = std::env::var_os("CLOACINA_BENCH_DEBUG_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target/debug/cloacina-codegen"));
    if !debug_cli.is_file() {
        eprintln!(
            "error: no debug cloacina-codegen at {}: run `cargo build -p cloacina-codegen` first, or set CLOACINA_BENCH_DEBUG_CLI",
            debug_cli.display()
        );
        return ExitCode::FAILURE;
    }
    let baseline = std::env::var_os("CLOACINA_BENCH_BASELINE_CLI").map(PathBuf::from);
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this
    // too, without it: then one small round, so the test command stays fast
    // and still proves the bench runs.
    let benching = std::env::args().any(|a| a == "--bench");
    let default_sizes = if benching { "10,100,1000,10000" } else { "10" };
    let sizes: Vec<usize> = std::env::var("CLOACINA_BENCH_SIZES")
        .unwrap_or_else(|_| default_sizes.into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let rounds: usize = env_or("CLOACINA_BENCH_ROUNDS", if benching { 5 } else { 1 }).max(1);
    let baseline_max: usize = env_or("CLOACINA_BENCH_BASELINE_MAX", usize::MAX);

    let dir = std::env::temp_dir().join(format!("cloacina-bench-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let mut schemas: Vec<(String, usize, PathBuf)> = Vec::new();
    let project = workspace.join("schema/cloacina.rs");
    match cloacina_codegen::load(&project) {
        Ok(s) => schemas.push((
            "project (`schema/cloacina.rs`)".into(),
            s.tables.len(),
            project,
        )),
        Err(e) => eprintln!("skipping the project schema: {e}"),
    }
    for &n in &sizes {
        let path = dir.join(format!("synthetic_{n}.rs"));
        if let Err(e) = std::fs::write(&path, schema_source(n)) {
            eprintln!("error: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        schemas.push((format!("synthetic {n}"), n, path));
    }

    let mut variants = Vec::new();
    for what in ["diesel", "ddl"] {
        variants.push(Variant::Cli {
            label: "debug CLI (build-script profile)",
            binary: debug_cli.clone(),
            what,
        });
        if let Some(b) = &baseline {
            variants.push(Variant::Cli {
                label: "baseline debug CLI",
                binary: b.clone(),
                what,
            });
        }
        variants.push(Variant::InProcess { what });
    }

    println!("| schema | tables | output | variant | median | per table |");
    println!("|---|---:|---:|---|---:|---:|");
    let mut failed = false;
    for (name, tables, path) in &schemas {
        let rounds_here = if *tables >= 10_000 {
            (rounds / 3).max(1)
        } else {
            rounds
        };
        let mut times: Vec<Vec<Duration>> = vec![Vec::new(); variants.len()];
        let mut sizes_out = vec![0usize; variants.len()];
        for round in 0..rounds_here {
            for k in 0..variants.len() {
                let i = (k + round) % variants.len();
                let is_baseline = matches!(&variants[i], Variant::Cli { label, .. } if label.starts_with("baseline"));
                if is_baseline && *tables > baseline_max {
                    continue;
                }
                match variants[i].run(path) {
                    Ok((t, bytes)) => {
                        times[i].push(t);
                        sizes_out[i] = bytes;
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        failed = true;
                    }
                }
            }
        }
        for (i, v) in variants.iter().enumerate() {
            if times[i].is_empty() {
                continue;
            }
            let m = median(times[i].clone());
            println!(
                "| {name} | {tables} | {:.1} MB | {} | {:.3} s | {:.0} µs |",
                sizes_out[i] as f64 / 1e6,
                v.label(),
                m.as_secs_f64(),
                m.as_secs_f64() * 1e6 / *tables as f64
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
