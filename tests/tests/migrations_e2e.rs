//! End to end: a real `cargo build` of a small crate whose build script
//! uses `Builder::migrations`. Editing its schema and rebuilding writes the
//! new migration pair; with `CI=true` the build fails instead and prints the
//! pending operations and the command that writes them.
//!
//! The crate (`tests/fixtures/evolve_crate`) is copied into a temporary
//! directory with the workspace's `Cargo.lock` and built with
//! `CARGO_TARGET_DIR` set to the workspace's `target/`, so it reuses the
//! build cache: only the tiny crate itself compiles.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn copy_fixture(to: &Path) {
    let from = workspace().join("tests/fixtures/evolve_crate");
    for rel in ["build.rs", "src/lib.rs", "schema/app.rs"] {
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::copy(from.join(rel), &dest).expect("copy fixture file");
    }
    let manifest = std::fs::read_to_string(from.join("Cargo.toml.in"))
        .expect("fixture manifest")
        .replace(
            "@CODEGEN@",
            &workspace()
                .join("cloacina-codegen")
                .display()
                .to_string()
                .replace('\\', "/"),
        );
    std::fs::write(to.join("Cargo.toml"), manifest).expect("write manifest");
    // The workspace's lock file pins the same versions, so the shared
    // target directory already holds every dependency.
    std::fs::copy(workspace().join("Cargo.lock"), to.join("Cargo.lock")).expect("copy lock");
}

fn cargo_build(dir: &Path, ci: bool) -> (bool, String) {
    cargo_build_from(dir, dir, ci)
}

/// `cargo build` of the crate in `dir`, as typed in the shell directory
/// `pwd` (cargo passes the shell's `PWD` on to build scripts).
fn cargo_build_from(dir: &Path, pwd: &Path, ci: bool) -> (bool, String) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .arg("--offline")
        .arg("--verbose")
        .current_dir(dir)
        .env("PWD", pwd)
        .env("CARGO_TARGET_DIR", workspace().join("target"))
        .env_remove("RUSTFLAGS");
    if ci {
        cmd.env("CI", "true");
    } else {
        cmd.env_remove("CI");
    }
    let out = cmd.output().expect("run cargo");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Whether cargo's verbose log shows the fixture crate's build script running.
fn ran_build_script(log: &str) -> bool {
    log.lines().any(|l| {
        l.contains("Running") && l.contains("evolve-crate") && l.contains("build-script-build")
    })
}

fn folders(dir: &Path, backend: &str) -> Vec<String> {
    let mut v: Vec<String> = match std::fs::read_dir(dir.join("migrations").join(backend)) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

#[test]
fn editing_the_schema_and_building_writes_the_migration_and_ci_refuses() {
    let dir = std::env::temp_dir().join(format!("cloacina-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_fixture(&dir);

    // First build: an empty history gets the initial migration.
    let (ok, log) = cargo_build(&dir, false);
    assert!(ok, "first build failed:\n{log}");
    let first = folders(&dir, "postgres");
    assert_eq!(first.len(), 1, "{log}");
    assert!(first[0].ends_with("_initial"), "{first:?}");
    assert_eq!(folders(&dir, "sqlite"), first);
    assert!(
        log.contains("warning: evolve-crate@0.1.0: wrote migration"),
        "{log}"
    );

    // A rebuild with no change writes nothing and does not even rerun the
    // build script (correct `rerun-if-changed`).
    let (ok, log) = cargo_build(&dir, false);
    assert!(ok, "{log}");
    assert_eq!(folders(&dir, "postgres"), first);
    assert!(
        !ran_build_script(&log),
        "the build script reran with nothing changed:\n{log}"
    );

    // Edit the schema: the build writes the new pair and names it.
    let schema = dir.join("schema/app.rs");
    let text = std::fs::read_to_string(&schema).expect("schema");
    std::fs::write(
        &schema,
        text.replace(
            "        body -> Text,\n",
            "        body -> Text,\n        pinned_at -> Nullable<Timestamp>,\n",
        ),
    )
    .expect("edit schema");
    let (ok, log) = cargo_build(&dir, false);
    assert!(ok, "second build failed:\n{log}");
    assert!(
        ran_build_script(&log),
        "editing the schema must rerun the build script:\n{log}"
    );
    let second = folders(&dir, "postgres");
    assert_eq!(second.len(), 2, "{log}");
    assert!(second[1].ends_with("_add_notes_pinned_at"), "{second:?}");
    assert_eq!(folders(&dir, "sqlite"), second);
    for backend in ["postgres", "sqlite"] {
        let up = std::fs::read_to_string(
            dir.join("migrations")
                .join(backend)
                .join(&second[1])
                .join("up.sql"),
        )
        .expect("up.sql");
        assert!(
            up.contains("-- Operations:\n--   1. add column notes.pinned_at (Nullable<Timestamp>)"),
            "{up}"
        );
        assert!(
            up.contains("ALTER TABLE notes ADD COLUMN pinned_at"),
            "{up}"
        );
    }
    assert!(
        log.contains(&second[1]),
        "the warning names the folder:\n{log}"
    );
    let snapshot =
        std::fs::read_to_string(dir.join("migrations/schema.snapshot.rs")).expect("snapshot");
    assert!(
        snapshot.contains("pinned_at -> Nullable<Timestamp>"),
        "{snapshot}"
    );

    // Edit again, in CI: the build fails and says what is pending and how
    // to write it; nothing is written.
    let text = std::fs::read_to_string(&schema).expect("schema");
    std::fs::write(
        &schema,
        text.replace(
            "        body -> Text,\n",
            "        body -> Text,\n        #[default(0)]\n        views -> BigInt,\n",
        ),
    )
    .expect("edit schema");
    let (ok, log) = cargo_build(&dir, true);
    assert!(!ok, "the CI build must fail:\n{log}");
    assert!(
        log.contains("add column notes.views (BigInt, default 0)"),
        "{log}"
    );
    assert!(
        log.contains(
            "cloacina-codegen migration new --schema schema/app.rs --migrations migrations"
        ),
        "{log}"
    );
    assert_eq!(folders(&dir, "postgres"), second);
    // Run from the folder above the crate, the printed command names the
    // paths from there, so it works pasted where `cargo build` ran.
    let above = dir.parent().expect("parent");
    let crate_dir = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .expect("name");
    let (ok, log) = cargo_build_from(&dir, above, true);
    assert!(!ok, "the CI build must fail:\n{log}");
    assert!(
        log.contains(&format!(
            "cloacina-codegen migration new --schema {crate_dir}/schema/app.rs --migrations {crate_dir}/migrations"
        )),
        "{log}"
    );

    let _ = std::fs::remove_dir_all(&dir);
}
