//! A crate outside the workspace (`tests/consumer`) uses the generator from
//! its build script with serde derive hooks and typed enums; its own tests
//! serialize generated models and match on a generated status enum. Then a
//! nullable column and a column with a default are added to a copy of its
//! schema, and the same code, untouched, still builds and passes: the
//! generated insert constructors take only the columns without a default.
//!
//! The crate is copied into a temporary directory with the workspace's
//! `Cargo.lock` and built with `CARGO_TARGET_DIR` set to the workspace's
//! `target/`, so it reuses the build cache.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Copies the consumer crate into `to`, pointing its `../../` paths at this
/// workspace.
fn copy_consumer(to: &Path) {
    let from = workspace().join("tests/consumer");
    for rel in ["build.rs", "src/lib.rs", "schema/app.rs"] {
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        std::fs::copy(from.join(rel), &dest).expect("copy consumer file");
    }
    let root = workspace().display().to_string().replace('\\', "/");
    let manifest = std::fs::read_to_string(from.join("Cargo.toml"))
        .expect("consumer manifest")
        .replace("path = \"../../", &format!("path = \"{root}/"));
    std::fs::write(to.join("Cargo.toml"), manifest).expect("write manifest");
    std::fs::copy(workspace().join("Cargo.lock"), to.join("Cargo.lock")).expect("copy lock");
}

fn cargo_test(dir: &Path) -> (bool, String) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["test", "--offline"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", workspace().join("target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CI")
        .output()
        .expect("run cargo");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn a_consumer_outside_the_workspace_builds_and_survives_additive_schema_edits() {
    let dir = std::env::temp_dir().join(format!("cloacina-consumer-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_consumer(&dir);

    let (ok, log) = cargo_test(&dir);
    assert!(ok, "the consumer crate failed:\n{log}");
    assert!(
        log.contains("test result: ok. 3 passed"),
        "the consumer's tests did not all run:\n{log}"
    );

    // The most common additive edits: a column with a default and a
    // nullable column. The consumer's code is not touched.
    let schema = dir.join("schema/app.rs");
    let text = std::fs::read_to_string(&schema).expect("schema");
    let edited = text.replace(
        "        finished_at -> Nullable<Timestamp>,\n",
        "        finished_at -> Nullable<Timestamp>,\n        #[default(0)]\n        priority -> Integer,\n        owner -> Nullable<Text>,\n",
    );
    assert_ne!(edited, text, "the schema edit did not apply");
    std::fs::write(&schema, edited).expect("edit schema");
    // New code may use the new columns through the new setters.
    std::fs::create_dir_all(dir.join("tests")).expect("mkdir tests");
    std::fs::write(
        dir.join("tests/new_columns.rs"),
        r#"
use cloacina_consumer::db::models::NewJob;
use cloacina_consumer::db::types::UniversalUuid;

#[test]
fn the_new_columns_have_setters() {
    let job = NewJob::new(UniversalUuid::new_v4(), "t").with_priority(5).with_owner("me");
    assert_eq!(job.priority, Some(5));
    assert_eq!(job.owner.as_deref(), Some("me"));
}
"#,
    )
    .expect("write new test");

    let (ok, log) = cargo_test(&dir);
    assert!(
        ok,
        "adding a column with a default and a nullable column broke code written against the old schema:\n{log}"
    );
    assert!(log.contains("test result: ok. 3 passed"), "{log}");
    assert!(
        log.contains("test result: ok. 1 passed"),
        "the new columns' setters were not generated:\n{log}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
