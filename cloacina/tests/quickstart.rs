//! The README's first command works: the quickstart example runs on the
//! embedded SQLite default and on PostgreSQL when DATABASE_URL says so.

mod common;

use std::path::PathBuf;
use std::process::Command;

fn example() -> PathBuf {
    // `cargo build --examples` puts it at target/<profile>/examples/quickstart
    // (scripts/test.sh builds it before running the tests).
    let exe = std::env::current_exe().expect("test exe");
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target dir")
        .join("examples");
    let path = dir.join(format!("quickstart{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is not built: run `cargo build -p cloacina --examples` first (scripts/test.sh does)",
        path.display()
    );
    path
}

fn check_output(out: std::process::Output, backend: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "quickstart failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("backend:    {backend}")),
        "{stdout}"
    );
    assert!(stdout.contains("quickstart-etl"), "{stdout}");
    assert!(stdout.contains("-> Completed"), "{stdout}");
    assert!(
        stdout.contains("task transform  Completed  attempts 2/3"),
        "{stdout}"
    );
    assert!(stdout.contains("workflow_completed"), "{stdout}");
}

#[cfg(feature = "sqlite")]
#[test]
fn quickstart_runs_on_the_embedded_sqlite_default() {
    let dir = common::TempDir::new("qs");
    let out = Command::new(example())
        .env_remove("DATABASE_URL")
        .env("TMPDIR", &dir.0)
        .output()
        .expect("run quickstart");
    check_output(out, "SQLite");
    // A second run on the same file migrates nothing and still works.
    let out = Command::new(example())
        .env_remove("DATABASE_URL")
        .env("TMPDIR", &dir.0)
        .output()
        .expect("rerun");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains("0 applied now"), "{text}");
    check_output(out, "SQLite");
}

#[cfg(feature = "postgres")]
#[test]
fn quickstart_runs_on_postgres_when_database_url_says_so() {
    let pg = common::TempPgDatabase::new();
    let out = Command::new(example())
        .env("DATABASE_URL", &pg.url)
        .output()
        .expect("run quickstart");
    check_output(out, "PostgreSQL");
}
