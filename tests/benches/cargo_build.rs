//! What a schema edit costs at `cargo build` time (issue 13): a copy of
//! `tests/consumer` (its build script runs cloacina-codegen) against the
//! same crate built from a checked-in generated module (no build script,
//! the module rendered by the same `Builder` settings and `include!`d from
//! `src/generated/`), both built by cargo with the workspace's `target/`
//! as a SHARED target directory, so dependencies are compiled once.
//!
//! Each round edits one column of the schema (`jobs.finished_at` toggles
//! between `Nullable<Timestamp>` and `Nullable<Text>`), then builds: the
//! generating crate reruns its build script; the checked-in crate gets the
//! regenerated module written into `src/generated/` (as a developer would
//! after running the CLI; that render is not timed) and only compiles.
//! The two crates alternate first in each round. After the rounds, the
//! generating crate is built twice more without any change: the second
//! log must not show its build script running (the bench fails if it does).
//!
//! Scratch crates live under `target/bench-cargo-build/`, not in the repo.
//!
//! ```text
//! cargo bench -p cloacina-tests --bench cargo_build
//! ```
//!
//! `CLOACINA_BENCH_ROUNDS` (default 5). Under `cargo test` it runs one round.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

/// Stops the bench with a message (a bench has no caller to return to).
fn fail(message: String) -> ! {
    eprintln!("cargo_build bench: {message}");
    std::process::exit(1)
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .unwrap_or_else(|e| fail(format!("{}: {e}", parent.display())));
    }
    std::fs::write(path, text).unwrap_or_else(|e| fail(format!("{}: {e}", path.display())));
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| fail(format!("{}: {e}", path.display())))
}

/// The consumer crate's manifest with its `../../` paths pointing at this
/// workspace, named `name`, with or without its build dependency.
fn manifest(name: &str, build_script: bool) -> String {
    let root = workspace().display().to_string().replace('\\', "/");
    let mut text = read(&workspace().join("tests/consumer/Cargo.toml"))
        .replace("path = \"../../", &format!("path = \"{root}/"))
        .replace(
            "name = \"cloacina-consumer\"",
            &format!("name = \"{name}\""),
        );
    if !build_script {
        let at = text
            .find("[build-dependencies]")
            .unwrap_or_else(|| fail("the consumer manifest has no [build-dependencies]".into()));
        text.truncate(at);
        text.push_str(
            "# The generated module is checked in under src/generated/: no build script.\n",
        );
    }
    text
}

/// The two schema variants: `jobs.finished_at` as in the consumer, and
/// with its type edited.
fn schemas() -> [String; 2] {
    let original = read(&workspace().join("tests/consumer/schema/app.rs"));
    let from = "finished_at -> Nullable<Timestamp>,";
    if !original.contains(from) {
        fail(format!(
            "tests/consumer/schema/app.rs no longer has `{from}`: update the bench's edit"
        ));
    }
    let edited = original.replace(from, "finished_at -> Nullable<Text>,");
    [original, edited]
}

/// The module and DDL the consumer's build script generates for `schema`,
/// rendered with the same builder settings (see `tests/consumer/build.rs`).
fn generated(dir: &Path, schema: &str) -> (String, String) {
    let path = dir.join("schema/app.rs");
    write(&path, schema);
    let serde = "#[derive(serde::Serialize, serde::Deserialize)]";
    let mut builder = cloacina_codegen::Builder::new();
    builder
        .schema(&path)
        .typed_enums(true)
        .model_attribute("*", serde)
        .enum_attribute("jobs.state", serde)
        .field_attribute("Job.title", "#[serde(rename = \"name\")]");
    let file = |name: &str| {
        builder
            .generate_file(name)
            .unwrap_or_else(|e| fail(format!("render {name}: {e}")))
            .unwrap_or_else(|| fail(format!("nothing rendered as {name}")))
            .contents
    };
    (file("app.rs"), file("app.sqlite.sql"))
}

/// Writes both crates into `root`.
fn scratch_crates(root: &Path) -> (PathBuf, PathBuf) {
    let consumer = workspace().join("tests/consumer");
    let lock = workspace().join("Cargo.lock");
    let with = root.join("generating");
    let without = root.join("checked_in");
    for dir in [&with, &without] {
        let _ = std::fs::remove_dir_all(dir);
        write(
            &dir.join("schema/app.rs"),
            &read(&consumer.join("schema/app.rs")),
        );
        std::fs::create_dir_all(dir).unwrap_or_else(|e| fail(format!("{}: {e}", dir.display())));
        std::fs::copy(&lock, dir.join("Cargo.lock"))
            .unwrap_or_else(|e| fail(format!("copy Cargo.lock: {e}")));
    }
    write(
        &with.join("Cargo.toml"),
        &manifest("bench-consumer-generating", true),
    );
    write(&with.join("build.rs"), &read(&consumer.join("build.rs")));
    write(
        &with.join("src/lib.rs"),
        &read(&consumer.join("src/lib.rs")),
    );
    write(
        &without.join("Cargo.toml"),
        &manifest("bench-consumer-checked-in", false),
    );
    let lib = read(&consumer.join("src/lib.rs"));
    if !lib.contains("env!(\"OUT_DIR\")") {
        fail("tests/consumer/src/lib.rs no longer includes from OUT_DIR: update the bench".into());
    }
    write(
        &without.join("src/lib.rs"),
        &lib.replace("env!(\"OUT_DIR\")", "\"generated\""),
    );
    (with, without)
}

/// `cargo build` of the crate in `dir` with the shared target directory:
/// the wall time, whether it succeeded, and the verbose log.
fn cargo_build(dir: &Path) -> (Duration, bool, String) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let started = Instant::now();
    let out = Command::new(cargo)
        .args(["build", "--offline", "--verbose"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", workspace().join("target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CI")
        .output()
        .unwrap_or_else(|e| fail(format!("run cargo: {e}")));
    let took = started.elapsed();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (took, out.status.success(), log)
}

fn build_ok(dir: &Path, what: &str) -> (Duration, String) {
    let (took, ok, log) = cargo_build(dir);
    if !ok {
        fail(format!("{what}: cargo build failed:\n{log}"));
    }
    (took, log)
}

/// Whether cargo's verbose log shows the generating crate's build script running.
fn ran_build_script(log: &str) -> bool {
    log.lines().any(|l| {
        l.contains("Running")
            && l.contains("bench-consumer-generating")
            && l.contains("build-script-build")
    })
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let quick =
        std::env::args().any(|a| a == "--test") || !std::env::args().any(|a| a == "--bench");
    let rounds = if quick {
        1
    } else {
        match std::env::var("CLOACINA_BENCH_ROUNDS") {
            Ok(v) => v
                .parse()
                .unwrap_or_else(|_| fail(format!("CLOACINA_BENCH_ROUNDS={v} is not a number"))),
            Err(_) => 5,
        }
    };
    let root = workspace().join("target/bench-cargo-build");
    let (with, without) = scratch_crates(&root);
    let variants = schemas();
    let modules: Vec<(String, String)> = variants
        .iter()
        .map(|s| generated(&root.join("render"), s))
        .collect();
    let set_schema = |k: usize| {
        write(&with.join("schema/app.rs"), &variants[k]);
        write(&without.join("schema/app.rs"), &variants[k]);
        write(&without.join("src/generated/app.rs"), &modules[k].0);
        write(&without.join("src/generated/app.sqlite.sql"), &modules[k].1);
    };

    // First builds (dependencies, if the shared target lacks them): not timed.
    set_schema(0);
    build_ok(&with, "first build, generating");
    build_ok(&without, "first build, checked in");

    let (mut gen_times, mut fixed_times) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        set_schema((round + 1) % 2);
        let order = if round % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for generating in order {
            if generating {
                let (took, log) = build_ok(&with, "edited, generating");
                if !ran_build_script(&log) {
                    fail(format!("the edit did not rerun the build script:\n{log}"));
                }
                gen_times.push(took);
            } else {
                fixed_times.push(build_ok(&without, "edited, checked in").0);
            }
        }
    }

    // Unchanged: the first build settles, the second must not run the build script.
    build_ok(&with, "unchanged, generating");
    let (unchanged, log) = build_ok(&with, "unchanged again, generating");
    if ran_build_script(&log) {
        fail(format!(
            "the build script reran with nothing changed:\n{log}"
        ));
    }
    let (unchanged_fixed, _) = build_ok(&without, "unchanged, checked in");
    let _ = std::fs::remove_dir_all(&root);

    let (g, f) = (median(gen_times), median(fixed_times));
    println!("\n`cargo build` (debug) after editing one column (`jobs.finished_at` type), {rounds} round(s), alternating, medians");
    println!("| crate | edited, rebuilt | unchanged rebuild |");
    println!("|---|---:|---:|");
    println!(
        "| build script runs cloacina-codegen (`tests/consumer` copy) | {:.2} s | {:.2} s (build script not run) |",
        g.as_secs_f64(),
        unchanged.as_secs_f64()
    );
    println!(
        "| checked-in generated module, no build script | {:.2} s | {:.2} s |",
        f.as_secs_f64(),
        unchanged_fixed.as_secs_f64()
    );
    println!(
        "| difference (the build script: compile check, rerun, generate) | {:+.2} s ({:+.0} %) | |",
        g.as_secs_f64() - f.as_secs_f64(),
        (g.as_secs_f64() / f.as_secs_f64() - 1.0) * 100.0
    );
}
