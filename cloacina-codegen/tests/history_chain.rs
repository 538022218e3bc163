//! The history is a chain: two branches that each add a migration from the
//! same parent are caught by the build (the `Builder`), `status` and
//! `check`; `migration rebase` repairs the merge into a history that replays
//! on real SQLite and PostgreSQL with both branches' columns and rows;
//! concurrent writers write one migration; the build refuses a migration
//! folder `integrity.txt` does not record; the CI command works from where
//! `cargo build` ran.

#[cfg(feature = "live")]
mod live_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, UNIX_EPOCH};

use cloacina_codegen::history::{self, FixedClock, HistoryError};
use cloacina_codegen::{Builder, Error, Project, SchemaFile};

const BASE: &str = "table! {\n    runs (id) {\n        id -> BigInt,\n        #[default(3)] attempts -> Integer,\n    }\n}\n";
/// Branch A adds a column.
const BRANCH_A: &str = "table! {\n    runs (id) {\n        id -> BigInt,\n        #[default(3)] attempts -> Integer,\n        note -> Nullable<Text>,\n    }\n}\n";
/// Branch B changes a default: a table rebuild on SQLite.
const BRANCH_B: &str = "table! {\n    runs (id) {\n        id -> BigInt,\n        #[default(5)] attempts -> Integer,\n    }\n}\n";
/// The schema file after the git merge: both edits.
const MERGED: &str = "table! {\n    runs (id) {\n        id -> BigInt,\n        #[default(5)] attempts -> Integer,\n        note -> Nullable<Text>,\n    }\n}\n";

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "cloacina-chain-{tag}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn clock(secs: u64) -> FixedClock {
    FixedClock(UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs))
}

/// Writes `src` as the schema file `app.rs` in `root` and the migration it
/// needs into `root/migrations`; returns the new folder.
fn evolve(root: &Path, src: &str, secs: u64) -> String {
    std::fs::write(root.join("app.rs"), src).expect("write schema");
    let project = Project::load(root.join("app.rs"), root.join("migrations")).expect("schema");
    project
        .write_pending(None, &clock(secs))
        .unwrap_or_else(|e| panic!("{e}"))
        .expect("a migration to write")
        .folder
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&p, to.join(entry.file_name())).expect("copy");
        }
    }
}

/// The scenario: a base history; branch A adds a column, branch B
/// changes a default; then a git merge brings B's folders into A's tree.
/// `integrity.txt` conflicts and is resolved by keeping both sides' lines
/// (the snapshot's line from A, whose snapshot the merge kept). Returns
/// the merged root and the folders of A and B.
fn merged_branches() -> (PathBuf, String, String) {
    let base = temp_dir("base");
    evolve(&base, BASE, 0);
    let (a, b) = (temp_dir("a"), temp_dir("b"));
    copy_dir(&base, &a);
    copy_dir(&base, &b);
    let fa = evolve(&a, BRANCH_A, 100);
    let fb = evolve(&b, BRANCH_B, 200);
    // git merge of b into a.
    for side in ["postgres", "sqlite"] {
        copy_dir(
            &b.join("migrations").join(side).join(&fb),
            &a.join("migrations").join(side).join(&fb),
        );
    }
    let state = format!("snapshots/{fb}.rs");
    std::fs::copy(
        b.join("migrations").join(&state),
        a.join("migrations").join(&state),
    )
    .expect("copy state");
    let ours = std::fs::read_to_string(a.join("migrations/integrity.txt")).expect("ours");
    let theirs = std::fs::read_to_string(b.join("migrations/integrity.txt")).expect("theirs");
    let mut merged: Vec<&str> = ours.lines().collect();
    merged.extend(theirs.lines().filter(|l| l.contains(&fb)));
    std::fs::write(a.join("migrations/integrity.txt"), merged.join("\n") + "\n")
        .expect("merge integrity");
    std::fs::write(a.join("app.rs"), MERGED).expect("merged schema");
    for d in [base, b] {
        let _ = std::fs::remove_dir_all(d);
    }
    (a, fa, fb)
}

fn cli(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cloacina-codegen"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run cloacina-codegen")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const ARGS: [&str; 4] = ["--schema", "app.rs", "--migrations", "migrations"];

#[test]
fn a_branch_merge_is_caught_by_the_build_status_and_check() {
    let (root, fa, fb) = merged_branches();
    let migrations = root.join("migrations");

    // The build script's path.
    let err = Builder::new()
        .schema(root.join("app.rs"))
        .migrations(&migrations)
        .out_dir(root.join("out"))
        .compile()
        .expect_err("a merged history must not build");
    match &err {
        Error::Migrations(HistoryError::Forked { first, second }) => {
            assert_eq!((first, second), (&fa, &fb));
        }
        other => panic!("expected a fork, got: {other}"),
    }
    assert!(err.to_string().contains("migration rebase"), "{err}");
    // Nothing was written on top of the merge.
    let folders = std::fs::read_dir(migrations.join("postgres"))
        .expect("dir")
        .count();
    assert_eq!(folders, 3);

    // `status`: exit 5, the fork named, the fix given.
    let out = cli(&root, &[&["status"][..], &ARGS].concat());
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains(&fa) && said.contains(&fb), "{said}");
    assert!(said.contains("cloacina-codegen migration rebase"), "{said}");

    // `rehash`, which used to hide the merge, keeps the chain: still caught.
    let out = cli(
        &root,
        &["migration", "rehash", "--migrations", "migrations"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = cli(&root, &[&["status"][..], &ARGS].concat());
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));

    // `check`'s history part.
    #[cfg(feature = "live")]
    {
        let schema = cloacina_codegen::load(root.join("app.rs")).expect("schema");
        match cloacina_codegen::check::history_status(&schema, &migrations) {
            cloacina_codegen::check::HistoryStatus::Problems { problems } => {
                assert!(
                    problems.iter().any(|p| p.contains("migration rebase")),
                    "{problems:?}"
                );
            }
            other => panic!("check must report the fork: {other:?}"),
        }
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn rebase_keeps_the_first_branch_and_replans_the_second() {
    let (root, fa, fb) = merged_branches();
    let project = Project::load(root.join("app.rs"), root.join("migrations")).expect("project");
    let rebased = project
        .rebase(&clock(300))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rebased.onto, fa);
    assert_eq!(rebased.dropped, vec![fb.clone()]);
    let written = rebased.written.expect("a re-planned migration");
    let hist = project.history().unwrap_or_else(|e| panic!("{e}"));
    let folders: Vec<&str> = hist.migrations.iter().map(|m| m.folder.as_str()).collect();
    assert_eq!(folders.len(), 3, "{folders:?}");
    assert_eq!(folders[1], fa);
    assert_eq!(folders[2], written.folder);
    assert!(!root.join("migrations/postgres").join(&fb).exists());
    // In sync with the merged schema file, and the build accepts it.
    assert!(project.pending(&hist).expect("pending").is_empty());
    Builder::new()
        .schema(root.join("app.rs"))
        .migrations(root.join("migrations"))
        .out_dir(root.join("out"))
        .strict_migrations(true)
        .compile()
        .unwrap_or_else(|e| panic!("{e}"));
    // The re-planned SQLite rebuild carries branch A's column.
    let up = std::fs::read_to_string(
        root.join("migrations/sqlite")
            .join(&written.folder)
            .join("up.sql"),
    )
    .expect("up.sql");
    assert!(up.contains("note"), "{up}");
    // A second rebase has nothing to do.
    match project.rebase(&clock(400)) {
        Err(Error::Migrations(HistoryError::NothingToRebase { .. })) => {}
        other => panic!("expected nothing to rebase, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&root);
}

/// The rebased history replays on real SQLite and PostgreSQL, and rows
/// written before the re-planned migration keep branch A's column values.
#[cfg(feature = "live")]
#[test]
fn a_rebased_history_replays_with_both_branches_columns_and_rows() {
    use cloacina_codegen::check::{list_migrations, replay, ScratchPostgres, ScratchSqlite};
    use cloacina_codegen::model::Backend;

    let (root, _, _) = merged_branches();
    let project = Project::load(root.join("app.rs"), root.join("migrations")).expect("project");
    project
        .rebase(&clock(300))
        .unwrap_or_else(|e| panic!("{e}"));
    let url = live_support::postgres_url();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let migrations = list_migrations(&root.join("migrations").join(backend.name()))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(migrations.len(), 3);
        let (_sqlite, _pg, mut db) = match backend {
            Backend::Sqlite => {
                let (g, db) = ScratchSqlite::new().unwrap_or_else(|e| panic!("{e}"));
                (Some(g), None, db)
            }
            _ => {
                let (g, db) = ScratchPostgres::new(&url).unwrap_or_else(|e| panic!("{e}"));
                (None, Some(g), db)
            }
        };
        replay(&mut db, &migrations[..2]).unwrap_or_else(|e| panic!("{backend}: {e}"));
        db.execute(
            "INSERT INTO runs (id, attempts, note) VALUES (1, 3, 'kept');",
            false,
        )
        .unwrap_or_else(|e| panic!("{backend}: {e}"));
        replay(&mut db, &migrations[2..]).unwrap_or_else(|e| panic!("{backend}: {e}"));
        db.execute("INSERT INTO runs (id) VALUES (2);", false)
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        // A probe table whose CHECK fails unless both facts hold.
        db.execute(
            "CREATE TABLE probe (ok INTEGER CHECK (ok = 2));\n\
             INSERT INTO probe SELECT count(*) FROM runs \
             WHERE (id = 1 AND attempts = 3 AND note = 'kept') OR (id = 2 AND attempts = 5 AND note IS NULL);",
            false,
        )
        .unwrap_or_else(|e| panic!("{backend}: rows or defaults lost by the rebased history: {e}"));
        drop(db);
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn the_build_refuses_an_unrecorded_migration_folder() {
    let root = temp_dir("unrecorded");
    evolve(&root, BASE, 0);
    for side in ["postgres", "sqlite"] {
        let d = root
            .join("migrations")
            .join(side)
            .join("20990101000000_extra");
        std::fs::create_dir_all(&d).expect("mkdir");
        std::fs::write(d.join("up.sql"), "SELECT 1;\n").expect("write");
        std::fs::write(d.join("down.sql"), "SELECT 1;\n").expect("write");
    }
    let err = Builder::new()
        .schema(root.join("app.rs"))
        .migrations(root.join("migrations"))
        .out_dir(root.join("out"))
        .migration_checksums(true)
        .compile()
        .expect_err("an unrecorded folder must not be embedded");
    let said = err.to_string();
    assert!(
        said.contains("20990101000000_extra is not recorded in integrity.txt"),
        "{said}"
    );
    assert!(!root.join("out/migration_checksums.rs").exists());
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn concurrent_writers_write_one_migration() {
    // Threads of one process, through the library.
    let root = temp_dir("threads");
    std::fs::write(root.join("app.rs"), BASE).expect("schema");
    let project = Project::load(root.join("app.rs"), root.join("migrations")).expect("project");
    let written: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let p = project.clone();
                s.spawn(move || {
                    p.write_pending(None, &history::SystemClock)
                        .unwrap_or_else(|e| panic!("{e}"))
                        .is_some()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(false))
            .collect()
    });
    assert_eq!(written.iter().filter(|w| **w).count(), 1, "{written:?}");
    let hist = project.history().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(hist.migrations.len(), 1);
    assert!(!root.join("migrations/.lock").exists());
    let _ = std::fs::remove_dir_all(&root);
}

/// Processes, as rust-analyzer and cargo run build scripts side by side.
#[test]
fn concurrent_processes_started_together_write_one_migration() {
    let root = temp_dir("spawned");
    std::fs::write(root.join("app.rs"), BASE).expect("schema");
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_cloacina-codegen"))
                .args([&["migration", "new"][..], &ARGS].concat())
                .current_dir(&root)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let hist = history::load(&root.join("migrations")).expect("history");
    hist.verify().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(hist.migrations.len(), 1);
    let leftovers: Vec<_> = std::fs::read_dir(root.join("migrations"))
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn the_pending_command_works_from_where_cargo_ran() {
    // A build script runs in its crate's folder (`root/crate`) with paths
    // relative to it; the user ran `cargo build` at `root` (PWD).
    let root = temp_dir("pwd");
    std::fs::create_dir_all(root.join("crate")).expect("mkdir");
    std::fs::write(root.join("app.rs"), BASE).expect("schema");
    let out = Command::new(env!("CARGO_BIN_EXE_cloacina-codegen"))
        .args([
            "diff",
            "--schema",
            "../app.rs",
            "--migrations",
            "../migrations",
        ])
        .current_dir(root.join("crate"))
        .env("PWD", &root)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("cloacina-codegen migration new --schema app.rs --migrations migrations"),
        "{said}"
    );
    // Pasted where cargo ran, it works.
    let out = cli(
        &root,
        &[
            "migration",
            "new",
            "--schema",
            "app.rs",
            "--migrations",
            "migrations",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_schema_file_is_read_once_with_its_allowances() {
    let file = SchemaFile::from_source(
        "app.rs",
        "#![allow_drop(old_runs)]\ntable! {\n    runs (id) {\n        id -> BigInt,\n    }\n}\n",
    )
    .unwrap_or_else(|e| panic!("{}", e.render()));
    assert_eq!(file.allowances().len(), 1);
    assert_eq!(file.schema().tables.len(), 1);
}

#[test]
fn a_snapshot_that_is_not_the_chain_end_is_refused() {
    let root = temp_dir("snapshot");
    let initial = evolve(&root, BASE, 0);
    evolve(&root, BRANCH_A, 100);
    let migrations = root.join("migrations");
    // The snapshot rolled back to an older state, and rehashed so that
    // every checksum matches.
    std::fs::copy(
        migrations.join(format!("snapshots/{initial}.rs")),
        migrations.join(history::SNAPSHOT_FILE),
    )
    .expect("copy");
    let mut h = history::load(&migrations).expect("history");
    h.rehash().unwrap_or_else(|e| panic!("{e}"));
    match history::load(&migrations).expect("history").verify() {
        Err(HistoryError::Chain { problems }) => {
            assert!(
                problems
                    .iter()
                    .any(|p| p
                        .contains("schema.snapshot.rs is not the schema after the last migration")),
                "{problems:?}"
            );
        }
        other => panic!("expected a chain problem, got {other:?}"),
    }
    // As the message says, `rebase` repairs it: the snapshot is restored
    // and nothing needs re-planning when the schema file is the chain's end.
    std::fs::write(root.join("app.rs"), BRANCH_A).expect("schema");
    let project = Project::load(root.join("app.rs"), &migrations).expect("project");
    let rebased = project
        .rebase(&clock(300))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(rebased.dropped.is_empty() && rebased.written.is_none());
    project.history().unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn versions_out_of_order_are_named() {
    let root = temp_dir("order");
    evolve(&root, BASE, 0);
    let a = evolve(&root, BRANCH_A, 100);
    let third = evolve(&root, MERGED, 200);
    // The third migration, planned on top of A, ends up with a version
    // before A's (a clock that was behind on another machine).
    let early = format!("{}{}", history::format_version(1_800_000_050), &third[14..]);
    let migrations = root.join("migrations");
    for side in ["postgres", "sqlite"] {
        std::fs::rename(
            migrations.join(side).join(&third),
            migrations.join(side).join(&early),
        )
        .expect("rename");
    }
    std::fs::rename(
        migrations.join(format!("snapshots/{third}.rs")),
        migrations.join(format!("snapshots/{early}.rs")),
    )
    .expect("rename");
    let integrity = std::fs::read_to_string(migrations.join("integrity.txt")).expect("read");
    std::fs::write(
        migrations.join("integrity.txt"),
        integrity.replace(&third, &early),
    )
    .expect("write");
    match history::load(&migrations).expect("history").verify() {
        Err(HistoryError::Chain { problems }) => {
            assert!(
                problems.iter().any(|p| p.contains(&format!(
                    "migration {early} is out of order: it was planned after {a}"
                ))),
                "{problems:?}"
            );
            assert!(
                problems
                    .iter()
                    .all(|p| p.contains("cloacina-codegen migration")),
                "every problem says what to run: {problems:?}"
            );
        }
        other => panic!("expected a chain problem, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn an_interrupted_write_leaves_nothing_the_history_uses() {
    let root = temp_dir("interrupted");
    evolve(&root, BASE, 0);
    // A write killed after staging its folders: nothing was published.
    let staged = root.join("migrations/.staging-4194305/postgres/20990101000000_add_runs_note");
    std::fs::create_dir_all(&staged).expect("mkdir");
    std::fs::write(staged.join("up.sql"), "ALTER TABLE runs ADD note TEXT;\n").expect("write");
    let project = Project::load(root.join("app.rs"), root.join("migrations")).expect("project");
    assert!(project.history().is_ok(), "a staging folder is not history");
    // The next writer clears it and writes its own migration.
    std::fs::write(root.join("app.rs"), BRANCH_A).expect("schema");
    evolve(&root, BRANCH_A, 100);
    assert!(!root.join("migrations/.staging-4194305").exists());
    let hist = history::load(&root.join("migrations")).expect("history");
    hist.verify().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(hist.migrations.len(), 2);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn migration_rebase_on_the_command_line() {
    let (root, fa, fb) = merged_branches();
    let out = cli(&root, &[&["migration", "rebase"][..], &ARGS].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains(&fb) && said.contains(&format!("on top of {fa}")),
        "{said}"
    );
    let out = cli(&root, &[&["status"][..], &ARGS].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("the history is one chain"),
        "{}",
        text(&out)
    );
    // Nothing left to rebase: exit 5 with the reason.
    let out = cli(&root, &[&["migration", "rebase"][..], &ARGS].concat());
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(text(&out).contains("nothing to rebase"), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&root);
}
