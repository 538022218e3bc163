//! The migration commands of the CLI, with their exit codes: `diff` and
//! `status` exit 4 while changes are pending and 5 when the integrity check
//! fails; `migration new`, `migration rehash` and `migration hand` write.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cli(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cloacina-codegen"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run cloacina-codegen")
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("cloacina-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

const ARGS: [&str; 4] = ["--schema", "app.rs", "--migrations", "migrations"];

#[test]
fn migration_commands_and_exit_codes() {
    let dir = temp_dir();
    std::fs::write(
        dir.join("app.rs"),
        "table! {\n    notes (id) {\n        id -> BigInt,\n        body -> Text,\n    }\n}\n",
    )
    .unwrap();

    let o = cli(&dir, &[&["diff"][..], &ARGS].concat());
    assert_eq!(code(&o), 4, "{}", text(&o));
    assert!(text(&o).contains("create table notes with 2 columns"));
    assert!(text(&o).contains("-- ===== sqlite up.sql ====="));
    assert!(!dir.join("migrations").exists(), "diff writes nothing");

    let o = cli(&dir, &[&["migration", "new"][..], &ARGS].concat());
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = cli(&dir, &[&["status"][..], &ARGS].concat());
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("in sync"));
    let o = cli(&dir, &[&["diff"][..], &ARGS].concat());
    assert_eq!(code(&o), 0, "{}", text(&o));

    // A user-named migration.
    std::fs::write(
        dir.join("app.rs"),
        "table! {\n    notes (id) {\n        id -> BigInt,\n        body -> Text,\n        tag -> Nullable<Text>,\n    }\n}\n",
    )
    .unwrap();
    let o = cli(&dir, &[&["status"][..], &ARGS].concat());
    assert_eq!(code(&o), 4, "{}", text(&o));
    let o = cli(
        &dir,
        &[&["migration", "new", "tag_notes"][..], &ARGS].concat(),
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("_tag_notes"), "{}", text(&o));

    // A refused destructive step exits 5 and writes nothing.
    std::fs::write(
        dir.join("app.rs"),
        "table! {\n    notes (id) {\n        id -> BigInt,\n        body -> Text,\n    }\n}\n",
    )
    .unwrap();
    let o = cli(&dir, &[&["migration", "new"][..], &ARGS].concat());
    assert_eq!(code(&o), 5, "{}", text(&o));
    assert!(text(&o).contains("#[allow_drop(tag)]"), "{}", text(&o));

    // Hand-written migration, an edit, and the re-hash.
    let o = cli(
        &dir,
        &[
            "migration",
            "hand",
            "fix_bodies",
            "--migrations",
            "migrations",
        ],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    let hand = std::fs::read_dir(dir.join("migrations/sqlite"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with("_fix_bodies"))
        .expect("hand-written folder");
    let up = dir.join("migrations/sqlite").join(&hand).join("up.sql");
    let mut sql = std::fs::read_to_string(&up).unwrap();
    sql.push_str("UPDATE notes SET body = trim(body);\n");
    std::fs::write(&up, sql).unwrap();
    let o = cli(&dir, &[&["status"][..], &ARGS].concat());
    assert_eq!(code(&o), 5, "{}", text(&o));
    assert!(text(&o).contains("was edited"), "{}", text(&o));
    let o = cli(&dir, &["migration", "rehash", "--migrations", "migrations"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = cli(&dir, &[&["status"][..], &ARGS].concat());
    assert_eq!(
        code(&o),
        4,
        "still pending: the dropped column\n{}",
        text(&o)
    );
    assert!(text(&o).contains("(hand-written)"), "{}", text(&o));

    let o = cli(
        &dir,
        &[
            "migration",
            "hand",
            "Bad-Name",
            "--migrations",
            "migrations",
        ],
    );
    assert_eq!(code(&o), 2, "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_folder_written_elsewhere_is_adopted() {
    let dir = std::env::temp_dir().join(format!("cloacina-cli-adopt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let schema =
        "table! {\n    notes (id) {\n        id -> BigInt,\n        body -> Text,\n    }\n}\n";
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("app.rs"), schema).unwrap();
    let parsed = cloacina_codegen::parse_str("app.rs", schema).unwrap();
    for backend in cloacina_codegen::Backend::ALL {
        let m = dir
            .join("migrations")
            .join(backend.name())
            .join("20250101000000_initial");
        std::fs::create_dir_all(&m).unwrap();
        let ddl = cloacina_codegen::internals::render::ddl::render_schema(&parsed, backend);
        std::fs::write(m.join("up.sql"), ddl).unwrap();
        std::fs::write(m.join("down.sql"), "DROP TABLE notes;\n").unwrap();
    }
    let o = cli(&dir, &[&["status"][..], &ARGS].concat());
    assert_eq!(code(&o), 5, "{}", text(&o));
    assert!(text(&o).contains("migration adopt"), "{}", text(&o));
    let o = cli(&dir, &[&["migration", "adopt"][..], &ARGS].concat());
    assert_eq!(code(&o), 0, "{}", text(&o));
    let o = cli(&dir, &[&["status"][..], &ARGS].concat());
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("in sync"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}
