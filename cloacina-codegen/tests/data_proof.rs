//! The data-carrying replay of `check` and `check-parity`, live on real
//! SQLite and real PostgreSQL: every table holds seeded rows before each
//! migration, and a migration that loses rows or changes values on one
//! backend is named with the table, the rows and the values.
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`);
//! without a server the tests fail with instructions; they never skip.

#![cfg(feature = "live")]

mod live_support;

use std::path::{Path, PathBuf};

use cloacina_codegen::check::{check, check_parity, list_migrations, replay_and_introspect};
use cloacina_codegen::proof::{DataFinding, DataKind};
use cloacina_codegen::Backend;
use live_support::{bin, TempDir};
use serde_json::Value;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

#[test]
fn check_on_this_projects_history_keeps_every_seeded_row() {
    let root = workspace();
    let report = check(
        &root.join("schema/cloacina.rs"),
        &root.join("migrations"),
        &live_support::postgres_url(),
    )
    .expect("check runs");
    let data = &report.data;
    assert!(report.is_clean(), "{}", report.render());
    assert!(data.findings.is_empty(), "{}", data.render());
    assert!(data.not_seeded.is_empty(), "{}", data.render());
    assert!(data.steps >= 1);
    // Every table of the schema got rows on both backends, the same number.
    assert!(data.rows_seeded.postgres >= 8 * 12, "{}", data.render());
    assert_eq!(data.rows_seeded.postgres, data.rows_seeded.sqlite);
    assert!(report.render().contains("every row and value kept"));
}

/// A generated history of the fixture that uses every construct, plus
/// hand-written migrations whose `up.sql` per backend is given.
fn history_with_hand_written(dir: &TempDir, hand: &[(&str, &str, &str)]) -> (PathBuf, PathBuf) {
    let schema_src = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/everything.rs"),
    )
    .expect("fixture");
    let schema = dir.write("schema/app.rs", &schema_src);
    let migrations = dir.path().join("migrations");
    let out = bin(&[
        "migration",
        "new",
        "--schema",
        s(&schema),
        "--migrations",
        s(&migrations),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for (name, pg, lite) in hand {
        // Versions come from the clock; keep them apart.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let out = bin(&["migration", "hand", name, "--migrations", s(&migrations)]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        for (backend, sql) in [("postgres", pg), ("sqlite", lite)] {
            let folder = std::fs::read_dir(migrations.join(backend))
                .expect("list")
                .flatten()
                .map(|e| e.path())
                .find(|p| p.to_string_lossy().ends_with(name))
                .expect("hand-written folder");
            std::fs::write(folder.join("up.sql"), sql).expect("write");
        }
    }
    let out = bin(&["migration", "rehash", "--migrations", s(&migrations)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    (schema, migrations)
}

fn of_kind(findings: &[DataFinding], kind: DataKind) -> Vec<&DataFinding> {
    findings.iter().filter(|f| f.kind == kind).collect()
}

#[test]
fn every_type_is_seeded_and_kept_through_a_generated_history() {
    let dir = TempDir::new("data-everything");
    let (schema, migrations) = history_with_hand_written(&dir, &[]);
    let report = check(&schema, &migrations, &live_support::postgres_url()).expect("check runs");
    assert!(report.is_clean(), "{}", report.render());
    // Raw checks (`small_n >= 0`, `length(label) > 0`) refuse the boundary
    // rows; the seeder retries them tame, so every table is seeded.
    assert!(
        report.data.not_seeded.is_empty(),
        "{}",
        report.data.render()
    );
    assert!(report.data.rows_seeded.sqlite > 0);
}

/// A generated history of two migrations from the valid fixture `fixture`:
/// the first from the fixture as it is, the second after `edit` rewrote it
/// (asserted to change something); then `check` with seeded rows, which
/// must pass with no data finding, nothing left unseeded, and two steps.
fn checked_two_step_history(
    tag: &str,
    fixture: &str,
    edit: impl FnOnce(&str) -> String,
) -> cloacina_codegen::check::CheckReport {
    let src = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/valid")
            .join(fixture),
    )
    .expect("fixture");
    checked_two_step_history_from(tag, &src, edit)
}

/// [`checked_two_step_history`] from a schema text instead of a fixture.
fn checked_two_step_history_from(
    tag: &str,
    src: &str,
    edit: impl FnOnce(&str) -> String,
) -> cloacina_codegen::check::CheckReport {
    let dir = TempDir::new(tag);
    let src = src.to_string();
    let schema = dir.write("schema/app.rs", &src);
    let migrations = dir.path().join("migrations");
    let new_migration = || {
        let out = bin(&[
            "migration",
            "new",
            "--schema",
            s(&schema),
            "--migrations",
            s(&migrations),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    };
    new_migration();
    // Migration folders are named by the second.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let changed = edit(&src);
    assert_ne!(changed, src);
    std::fs::write(&schema, changed).expect("write");
    new_migration();
    let report = check(&schema, &migrations, &live_support::postgres_url()).expect("check runs");
    assert!(report.is_clean(), "{}", report.render());
    assert!(report.data.findings.is_empty(), "{}", report.data.render());
    assert!(
        report.data.not_seeded.is_empty(),
        "{}",
        report.data.render()
    );
    assert_eq!(report.data.steps, 2, "{}", report.data.render());
    report
}

#[test]
fn calendar_types_are_seeded_and_kept_through_a_generated_history_and_a_change_to_text() {
    // A column of each calendar type becomes text (one of them in a
    // primary key): PostgreSQL must write the same canonical text that
    // SQLite already stores. `updated_at`'s check compares with a literal
    // that PostgreSQL types by the column: the planner re-creates it around
    // the type change. The fixture's `closes_at > opens_at` compares two
    // columns of one type: the seeder orders their values in every row.
    let report = checked_two_step_history("data-calendar", "calendar.rs", |src| {
        assert!(src.contains("closes_at > opens_at"));
        src.replace("lunch_at -> Nullable<Time>", "lunch_at -> Nullable<Text>")
            .replace(
                "updated_at -> Nullable<NaiveTimestamp>",
                "updated_at -> Nullable<Text>",
            )
            .replace(
                "at -> NaiveTimestamp,\n        slot",
                "at -> Text,\n        slot",
            )
            .replace(
                "#[default(\"1970-01-01\")]\n        valid_from -> Date",
                "#[default(\"1970-01-01\")]\n        valid_from -> Text",
            )
    });
    assert!(report.data.rows_seeded.postgres > 0);
    assert_eq!(
        report.data.rows_seeded.postgres,
        report.data.rows_seeded.sqlite
    );
}

#[test]
fn enums_are_seeded_and_kept_through_a_generated_history_an_added_enum_column_and_a_new_label() {
    // The seeder writes labels into enum columns (PostgreSQL's enum type,
    // SQLite's checked text); a NOT NULL enum column with a default joins a
    // table that holds rows, and a label is appended (PostgreSQL in place,
    // SQLite by rebuilding the table): every row keeps its label.
    let report = checked_two_step_history("data-enums", "enums.rs", |src| {
        src.replace("    Completed,\n}", "    Completed,\n    Cancelled,\n}")
            .replace(
                "        priority -> Nullable<Priority>,",
                "        priority -> Nullable<Priority>,\n        #[default(\"High\")]\n        urgency -> Priority,",
            )
    });
    assert!(report.data.rows_seeded.postgres > 0);
    assert_eq!(
        report.data.rows_seeded.postgres,
        report.data.rows_seeded.sqlite
    );
}

#[test]
fn decimals_are_seeded_and_kept_through_a_generated_history_an_added_column_and_a_wider_precision()
{
    // A NOT NULL decimal with a default joins a table that holds rows: both
    // backends fill them with the same value (SQLite's scaled integer). And
    // a decimal's precision grows at the same scale.
    let report = checked_two_step_history("data-decimal", "decimal.rs", |src| {
        src.replace(
            "        #[default(3)]\n        whole -> Decimal<4, 0>,",
            "        #[default(3)]\n        whole -> Decimal<6, 0>,\n        #[default(\"-0.25\")]\n        tax -> Decimal<8, 4>,",
        )
    });
    assert!(report.data.rows_seeded.postgres > 0);
    assert_eq!(
        report.data.rows_seeded.postgres,
        report.data.rows_seeded.sqlite
    );
}

#[test]
fn a_row_losing_or_value_changing_sqlite_migration_fails_check_with_names_and_counts() {
    let dir = TempDir::new("data-lose");
    let (schema, migrations) = history_with_hand_written(
        &dir,
        &[
            (
                "prune_events",
                "SELECT 1;",
                // Loses the events of every other seeded row on SQLite only.
                "DELETE FROM events WHERE seq % 2 = 0;",
            ),
            (
                "fix_notes",
                "SELECT 1;",
                "UPDATE everything SET big_n = big_n + 1 WHERE big_n = 0;",
            ),
            (
                // A data fix both backends make alike: intended, not reported.
                "fix_both",
                "UPDATE everything SET note = 'fixed' WHERE note IS NULL;",
                "UPDATE everything SET note = 'fixed' WHERE note IS NULL;",
            ),
        ],
    );
    let report = check(&schema, &migrations, &live_support::postgres_url()).expect("check runs");
    assert!(!report.is_clean(), "{}", report.render());
    let data = &report.data;
    let lost = of_kind(&data.findings, DataKind::RowsLost);
    assert_eq!(lost.len(), 1, "{}", data.render());
    let l = lost[0];
    assert!(l.migration.ends_with("_prune_events"), "{}", data.render());
    assert_eq!(l.backend, "sqlite");
    assert_eq!(l.table, "events");
    assert_eq!(l.rows_before, Some(12));
    assert_eq!(l.rows_after, Some(6));
    assert!(l.rows.iter().all(|k| k.starts_with("seq=")), "{:?}", l.rows);
    let line = l.message();
    assert!(
        line.contains("lost 6 row(s) of table events on sqlite: 12 before, 6 after"),
        "{line}"
    );

    let changed = of_kind(&data.findings, DataKind::ValueChanged);
    assert!(!changed.is_empty(), "{}", data.render());
    assert!(changed.iter().all(|c| c.migration.ends_with("_fix_notes")
        && c.backend == "sqlite"
        && c.table == "everything"
        && c.column.as_deref() == Some("big_n")));
    assert!(
        changed
            .iter()
            .any(|c| c.before.as_deref() == Some("0") && c.after.as_deref() == Some("1")),
        "{}",
        data.render()
    );
    assert!(
        data.findings
            .iter()
            .all(|f| !f.migration.ends_with("_fix_both")),
        "{}",
        data.render()
    );
    // Reported once, for the backend that did it, not again as a
    // difference between the backends.
    assert!(
        of_kind(&data.findings, DataKind::BackendsDiffer).is_empty(),
        "{}",
        data.render()
    );

    // The CLI fails and carries the same in its JSON report.
    let url = live_support::postgres_url();
    let out = bin(&[
        "check",
        "--schema",
        s(&schema),
        "--migrations",
        s(&migrations),
        "--postgres",
        &url,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("json report");
    let findings = json["data"]["findings"].as_array().expect("findings");
    assert!(findings.iter().any(|f| f["kind"] == "rows_lost"
        && f["table"] == "events"
        && f["backend"] == "sqlite"
        && f["rows_before"] == 12
        && f["rows_after"] == 6));
    assert!(json["data"]["rows_seeded"]["sqlite"].as_u64() > Some(0));
}

const PG_FLAGS: &str = "\
CREATE TABLE flags (
  id INTEGER PRIMARY KEY,
  name VARCHAR(50) NOT NULL,
  flag BOOLEAN NOT NULL DEFAULT FALSE,
  seen_at TIMESTAMPTZ
);
";

const LITE_FLAGS: &str = "\
CREATE TABLE flags (
  id INTEGER PRIMARY KEY,
  name VARCHAR(50) NOT NULL,
  flag BOOLEAN NOT NULL DEFAULT 0,
  seen_at TIMESTAMP
);
";

fn flags_pair(dir: &TempDir, lite_rebuild: &str) {
    dir.write("pg/2024-01-01-000000_create_flags/up.sql", PG_FLAGS);
    dir.write(
        "pg/2024-02-01-000000_add_note/up.sql",
        "ALTER TABLE flags ADD COLUMN note TEXT;",
    );
    dir.write("lite/001_create_flags/up.sql", LITE_FLAGS);
    dir.write("lite/002_add_note/up.sql", lite_rebuild);
}

#[test]
fn check_parity_catches_a_sqlite_rebuild_that_keeps_only_t_f_booleans() {
    let dir = TempDir::new("data-flags");
    flags_pair(
        &dir,
        "CREATE TABLE flags_new (
           id INTEGER PRIMARY KEY,
           name VARCHAR(50) NOT NULL,
           flag BOOLEAN NOT NULL DEFAULT 0,
           seen_at TIMESTAMP,
           note TEXT
         );
         INSERT INTO flags_new (id, name, flag, seen_at)
           SELECT id, name, flag, seen_at FROM flags WHERE flag = 't' OR flag = 'f';
         DROP TABLE flags;
         ALTER TABLE flags_new RENAME TO flags;",
    );
    let report = check_parity(
        &dir.path().join("pg"),
        &dir.path().join("lite"),
        &live_support::postgres_url(),
    )
    .expect("check-parity runs");
    // The structure agrees: only the rows tell.
    assert!(report.report.is_empty(), "{}", report.render());
    assert!(!report.is_clean());
    let lost = of_kind(&report.data.findings, DataKind::RowsLost);
    assert_eq!(lost.len(), 1, "{}", report.render());
    let l = lost[0];
    assert_eq!(l.migration, "2024-02-01-000000_add_note / 002_add_note");
    assert_eq!((l.backend.as_str(), l.table.as_str()), ("sqlite", "flags"));
    assert_eq!((l.rows_before, l.rows_after), (Some(12), Some(6)));
    assert_eq!(l.rows.len(), 5, "the first rows lost are named");
    assert!(report.render().contains(
        "migration 2024-02-01-000000_add_note / 002_add_note lost 6 row(s) of table flags on sqlite: 12 before, 6 after; missing: id="
    ));
    // PostgreSQL kept everything.
    assert!(report.data.findings.iter().all(|f| f.backend != "postgres"));
}

#[test]
fn check_parity_passes_a_faithful_sqlite_rebuild_of_legacy_booleans() {
    let dir = TempDir::new("data-flags-ok");
    flags_pair(
        &dir,
        "CREATE TABLE flags_new (
           id INTEGER PRIMARY KEY,
           name VARCHAR(50) NOT NULL,
           flag BOOLEAN NOT NULL DEFAULT 0,
           seen_at TIMESTAMP,
           note TEXT
         );
         INSERT INTO flags_new (id, name, flag, seen_at) SELECT id, name, flag, seen_at FROM flags;
         DROP TABLE flags;
         ALTER TABLE flags_new RENAME TO flags;",
    );
    let report = check_parity(
        &dir.path().join("pg"),
        &dir.path().join("lite"),
        &live_support::postgres_url(),
    )
    .expect("check-parity runs");
    assert!(report.is_clean(), "{}", report.render());
    assert_eq!(report.data.steps, 2);
    assert_eq!(
        (
            report.data.rows_seeded.postgres,
            report.data.rows_seeded.sqlite
        ),
        (24, 24)
    );
}

/// The schema of the synthetic history after `step` edits: additive
/// columns (plain `ADD COLUMN`), defaults that change (SQLite rebuilds of
/// a parent whose children cascade), new tables, a rename.
fn synthetic_schema(step: usize) -> String {
    let mut parents = vec![
        "#[default(uuid)] id -> Uuid,".to_string(),
        "name -> Text,".into(),
        "#[default(true)] active -> Bool,".into(),
        "#[default(now)] created_at -> Timestamp,".into(),
        if step >= 5 {
            "#[renamed_from(score)] points -> BigInt,".into()
        } else {
            "score -> BigInt,".into()
        },
        "ratio -> Double,".into(),
        "doc -> Json,".into(),
        "payload -> Binary,".into(),
        format!("#[default({})] level -> Integer,", step / 4 * 4 + 1),
    ];
    let mut children = vec![
        "#[auto_increment] id -> BigInt,".to_string(),
        "#[references(parents.id, on_delete = cascade)] parent_id -> Uuid,".into(),
        "#[check(in(\"a\", \"b\"))] #[default(\"a\")] kind -> Text,".into(),
        "note -> Nullable<Text>,".into(),
    ];
    let mut extra = String::new();
    for i in 1..=step {
        match i % 4 {
            1 => parents.push(format!("extra_{i} -> Nullable<Text>,")),
            2 => children.push(format!("#[default(false)] flag_{i} -> Bool,")),
            3 => children.push(format!("#[default(\"x{i}\")] label_{i} -> Text,")),
            _ => extra.push_str(&format!(
                "table! {{\n    side_{i} (id) {{\n        #[default(uuid)] id -> Uuid,\n        #[references(parents.id, on_delete = set_null)] parent_id -> Nullable<Uuid>,\n        at -> Nullable<Timestamp>,\n    }}\n}}\n"
            )),
        }
    }
    format!(
        "table! {{\n    parents (id) {{\n        {}\n    }}\n}}\n\ntable! {{\n    children (id) {{\n        {}\n    }}\n}}\n\n{extra}",
        parents.join("\n        "),
        children.join("\n        ")
    )
}

/// Writes the synthetic history of `steps + 1` migrations into `dir`.
fn synthetic_history(dir: &TempDir, steps: usize) -> (PathBuf, PathBuf) {
    use cloacina_codegen::history;
    let migrations = dir.path().join("migrations");
    let mut schema_path = PathBuf::new();
    for step in 0..=steps {
        let source = synthetic_schema(step);
        schema_path = dir.write("schema/app.rs", &source);
        let path = schema_path.display().to_string();
        let file = cloacina_codegen::SchemaFile::from_source(&path, source.as_str())
            .unwrap_or_else(|e| panic!("step {step}: {}\n{source}", e.render()));
        let mut hist = history::load(&migrations).expect("load history");
        let pending = history::pending(&hist, file.schema()).expect("pending");
        assert!(!pending.is_empty(), "step {step} changes nothing");
        let clock = history::FixedClock(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_780_000_000 + step as u64),
        );
        history::write_migration(&mut hist, &pending, &file, None, &clock)
            .unwrap_or_else(|e| panic!("step {step}: {e}"));
    }
    (schema_path, migrations)
}

#[test]
fn a_generated_history_of_twenty_one_migrations_keeps_every_row() {
    let dir = TempDir::new("data-synthetic");
    let (schema, migrations) = synthetic_history(&dir, 20);
    let started = std::time::Instant::now();
    let report = check(&schema, &migrations, &live_support::postgres_url()).expect("check runs");
    let took = started.elapsed();
    assert!(report.is_clean(), "{}", report.render());
    assert_eq!(report.data.steps, 21);
    assert!(
        report.data.not_seeded.is_empty(),
        "{}",
        report.data.render()
    );
    // The structure-only replay that `check` did before, for comparison.
    let started = std::time::Instant::now();
    let url = live_support::postgres_url();
    for (backend, folder) in [(Backend::Postgres, "postgres"), (Backend::Sqlite, "sqlite")] {
        let list = list_migrations(&migrations.join(folder)).expect("list");
        replay_and_introspect(backend, &list, Some(&url)).expect("replay");
    }
    let structure_only = started.elapsed();
    eprintln!(
        "check of a 21-migration history with {} rows seeded per backend: {took:?} \
         (structure-only replay of both backends: {structure_only:?})",
        report.data.rows_seeded.postgres
    );
}

#[test]
fn check_parity_seeds_a_sqlite_fts5_table_and_sees_a_rebuild_empty_it() {
    let dir = TempDir::new("data-fts");
    let docs = "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT NOT NULL);";
    dir.write("pg/001_create_docs/up.sql", docs);
    dir.write("pg/002_retokenize/up.sql", "SELECT 1;");
    dir.write(
        "lite/001_create_docs/up.sql",
        &format!("{docs}\nCREATE VIRTUAL TABLE docs_fts USING fts5(body);"),
    );
    dir.write(
        "lite/002_retokenize/up.sql",
        "DROP TABLE docs_fts; CREATE VIRTUAL TABLE docs_fts USING fts5(body, tokenize = 'porter');",
    );
    let report = check_parity(
        &dir.path().join("pg"),
        &dir.path().join("lite"),
        &live_support::postgres_url(),
    )
    .expect("check-parity runs");
    let lost = of_kind(&report.data.findings, DataKind::RowsLost);
    assert_eq!(lost.len(), 1, "{}", report.render());
    let l = lost[0];
    assert_eq!(
        (l.migration.as_str(), l.backend.as_str(), l.table.as_str()),
        ("002_retokenize", "sqlite", "docs_fts")
    );
    assert_eq!((l.rows_before, l.rows_after), (Some(12), Some(0)));
    // The virtual table's shadow tables are not seeded behind its back.
    assert!(report.data.not_seeded.is_empty(), "{}", report.render());
}

#[test]
fn rows_a_migration_inserts_are_compared_by_count_not_by_their_random_keys() {
    let run = |lite_insert: &str| {
        let dir = TempDir::new("data-inserted");
        dir.write(
            "pg/001_create_states/up.sql",
            "CREATE TABLE states (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), name TEXT NOT NULL, at TIMESTAMPTZ NOT NULL DEFAULT now());",
        );
        dir.write(
            "pg/002_seed_states/up.sql",
            "INSERT INTO states (name) VALUES ('Pending');",
        );
        dir.write(
            "lite/001_create_states/up.sql",
            "CREATE TABLE states (id BLOB PRIMARY KEY NOT NULL DEFAULT (randomblob(16)) CHECK (length(id) = 16), name TEXT NOT NULL, at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000Z', 'now')));",
        );
        dir.write("lite/002_seed_states/up.sql", lite_insert);
        check_parity(
            &dir.path().join("pg"),
            &dir.path().join("lite"),
            &live_support::postgres_url(),
        )
        .expect("check-parity runs")
    };
    // The same seed data, each backend with its own random key and instant.
    let same = run("INSERT INTO states (name) VALUES ('Pending');");
    assert!(same.data.is_clean(), "{}", same.render());
    // One row more on SQLite.
    let more = run("INSERT INTO states (name) VALUES ('Pending'), ('Running');");
    let differ = of_kind(&more.data.findings, DataKind::BackendsDiffer);
    assert_eq!(differ.len(), 1, "{}", more.render());
    assert_eq!(differ[0].table, "states");
    assert_eq!(differ[0].migration, "002_seed_states");
    assert_eq!(
        (differ[0].before.as_deref(), differ[0].after.as_deref()),
        (Some("1 row(s)"), Some("2 row(s)"))
    );
}

/// PostgreSQL stores `CHECK (status IN (...))` on a `VARCHAR(n)` column as
/// `(status)::text = ANY ((ARRAY['a'::character varying, ...])::text[])`;
/// the seeder still offers only the allowed values, so every seeded row is
/// accepted on both backends (before the fix, PostgreSQL refused them all).
#[test]
fn varchar_in_checks_are_seeded_with_allowed_values_on_both_backends() {
    let dir = TempDir::new("data-varchar-in");
    let table = |status_type: &str| {
        format!(
            "CREATE TABLE jobs (
               id INTEGER PRIMARY KEY,
               status {status_type} NOT NULL CHECK (status IN ('queued', 'running', 'done')),
               lane VARCHAR(8) CHECK (lane IS NULL OR lane = 'fast')
             );"
        )
    };
    dir.write(
        "pg/2024-01-01-000000_create_jobs/up.sql",
        &table("VARCHAR(20)"),
    );
    dir.write(
        "pg/2024-02-01-000000_add_note/up.sql",
        "ALTER TABLE jobs ADD COLUMN note TEXT;",
    );
    dir.write("lite/001_create_jobs/up.sql", &table("VARCHAR(20)"));
    dir.write(
        "lite/002_add_note/up.sql",
        "ALTER TABLE jobs ADD COLUMN note TEXT;",
    );
    let report = check_parity(
        &dir.path().join("pg"),
        &dir.path().join("lite"),
        &live_support::postgres_url(),
    )
    .expect("check-parity runs");
    assert!(report.data.not_seeded.is_empty(), "{}", report.render());
    assert!(report.is_clean(), "{}", report.render());
    assert_eq!(
        (
            report.data.rows_seeded.postgres,
            report.data.rows_seeded.sqlite
        ),
        (24, 24),
        "{}",
        report.render()
    );
}

#[test]
fn postgres_only_types_are_seeded_and_kept_through_a_generated_history() {
    // Seeded rows meet a second migration that adds NOT NULL columns of
    // PostgreSQL-only types with defaults (a tsvector and a numeric range
    // too; the fixture's `documents` table seeds both kinds as well).
    let report = checked_two_step_history("data-pg-types", "postgres_types.rs", |src| {
        src.replace(
            "        device -> Nullable<MacAddr>,\n",
            "        device -> Nullable<MacAddr>,\n        #[default(\"{1,2}\")]\n        extra -> Array<BigInt>,\n        #[default(\"[1,5)\")]\n        span -> Range<BigInt>,\n        #[default(\"00:30:00\")]\n        pause -> Interval,\n        #[default(\"10.0.0.0/8\")]\n        subnet -> Cidr,\n        #[default(\"[2024-01-01,2024-01-08)\")]\n        week -> Range<Date>,\n        #[default(\"{}\")]\n        stamps -> Array<Timestamp>,\n        #[default(\"'a':1 'b':2\")]\n        words -> Tsvector,\n        #[default(\"[0.5,1.25)\")]\n        band -> Range<Numeric>,\n",
        )
    });
    // Both tables got rows on PostgreSQL, only `accounts` on SQLite.
    assert!(
        report.data.rows_seeded.postgres > report.data.rows_seeded.sqlite,
        "{}",
        report.data.render()
    );
}

#[test]
fn a_generated_migration_adds_the_citext_extension_and_a_citext_column_under_seeded_rows() {
    // Step one: the fixture without the extension and its column; step
    // two declares `citext` and adds the column, over seeded rows.
    let full = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/postgres_types.rs"),
    )
    .expect("fixture");
    let without = full
        .replace("#![postgres_extensions(citext)]\n", "")
        .replace("        email -> Nullable<Citext>,\n", "");
    assert_ne!(without, full);
    let report = checked_two_step_history_from("data-citext", &without, |_| full.clone());
    assert!(
        report.data.rows_seeded.postgres > 0,
        "{}",
        report.data.render()
    );
}

/// A hand-kept pair of `tables` migrations, each creating one table (the
/// same SQL on both backends), with the hand-written migrations `hand`
/// (name, PostgreSQL SQL, SQLite SQL) inserted after the migration whose
/// number they give. Returns the two folders.
fn long_pair(
    dir: &TempDir,
    tables: usize,
    hand: &[(usize, &str, &str, &str)],
) -> (PathBuf, PathBuf) {
    let mut n = 0;
    for k in 1..=tables {
        n += 1;
        let create = format!(
            "CREATE TABLE t{k} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n BIGINT NOT NULL);"
        );
        dir.write(&format!("pg/{n:03}_create_t{k}/up.sql"), &create);
        dir.write(&format!("lite/{n:03}_create_t{k}/up.sql"), &create);
        for (after, name, pg, lite) in hand.iter().filter(|h| h.0 == k) {
            let _ = after;
            n += 1;
            dir.write(&format!("pg/{n:03}_{name}/up.sql"), pg);
            dir.write(&format!("lite/{n:03}_{name}/up.sql"), lite);
        }
    }
    (dir.path().join("pg"), dir.path().join("lite"))
}

#[test]
fn a_hand_written_update_of_an_untouched_table_in_a_long_history_is_reported() {
    let dir = TempDir::new("data-long-update");
    // Migration 8 of 13 changes rows of t2 (created by migration 2, its
    // structure untouched since) on SQLite only.
    let (pg, lite) = long_pair(
        &dir,
        12,
        &[(7, "fix_t2", "SELECT 1;", "UPDATE t2 SET n = n + 1;")],
    );
    let report =
        check_parity(&pg, &lite, &live_support::postgres_url()).expect("check-parity runs");
    let data = &report.data;
    assert_eq!(data.steps, 13);
    let changed = of_kind(&data.findings, DataKind::ValueChanged);
    assert!(!changed.is_empty(), "{}", report.render());
    assert!(
        changed.iter().all(|c| c.migration == "008_fix_t2"
            && c.backend == "sqlite"
            && c.table == "t2"
            && c.column.as_deref() == Some("n")),
        "{}",
        report.render()
    );
    // Nothing else: no other table, no other migration.
    assert!(
        data.findings.iter().all(|f| f.table == "t2"),
        "{}",
        report.render()
    );
    assert!(data.not_seeded.is_empty(), "{}", report.render());
    assert_eq!(report.summary.failing, 0, "{}", report.render());
}

#[test]
fn a_hand_written_alter_of_another_table_in_a_long_history_is_reported() {
    let dir = TempDir::new("data-long-alter");
    // Migration 8 of 14 adds a column to t3 (created by migration 3) with a
    // different default per backend; migration 11 then changes that new
    // column's values on SQLite only.
    let (pg, lite) = long_pair(
        &dir,
        12,
        &[
            (
                7,
                "flag_t3",
                "ALTER TABLE t3 ADD COLUMN flag INTEGER NOT NULL DEFAULT 0;",
                "ALTER TABLE t3 ADD COLUMN flag INTEGER NOT NULL DEFAULT 1;",
            ),
            (9, "set_flag_t3", "SELECT 1;", "UPDATE t3 SET flag = 5;"),
        ],
    );
    let report =
        check_parity(&pg, &lite, &live_support::postgres_url()).expect("check-parity runs");
    // The structure: t3.flag's default differs.
    assert!(
        report
            .entries
            .iter()
            .any(|e| e.table == "t3" && e.object == "column flag" && !e.accepted),
        "{}",
        report.render()
    );
    assert!(
        report.entries.iter().all(|e| e.table == "t3"),
        "{}",
        report.render()
    );
    // The rows: the SQLite-only update of the altered table, two
    // migrations later, on the rows seeded into its new structure.
    let data = &report.data;
    let changed = of_kind(&data.findings, DataKind::ValueChanged);
    assert!(
        changed.iter().any(|c| c.migration == "011_set_flag_t3"
            && c.backend == "sqlite"
            && c.table == "t3"
            && c.column.as_deref() == Some("flag")
            && c.after.as_deref() == Some("5")),
        "{}",
        report.render()
    );
    assert!(
        data.findings.iter().all(|f| f.table == "t3"),
        "{}",
        report.render()
    );
    assert!(data.not_seeded.is_empty(), "{}", report.render());
}

#[test]
fn tables_read_in_one_query_equal_tables_read_one_by_one_on_both_backends() {
    use cloacina_codegen::check::{ScratchPostgres, ScratchSqlite};
    use cloacina_codegen::internals::rows::{read, read_batch, read_one};
    let (_pg_guard, mut pg) = ScratchPostgres::new(&live_support::postgres_url()).expect("scratch");
    let (_lite_guard, mut lite) = ScratchSqlite::new().expect("scratch");
    for (db, blob, double) in [
        (&mut pg, "BYTEA", "DOUBLE PRECISION"),
        (&mut lite, "BLOB", "REAL"),
    ] {
        let hex = if blob == "BYTEA" {
            "'\\x00ff10'"
        } else {
            "X'00FF10'"
        };
        db.execute(
            &format!(
                "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT NOT NULL, r {double}, b {blob});\n\
                 CREATE TABLE b (id INTEGER PRIMARY KEY, note TEXT);\n\
                 CREATE TABLE empty (id INTEGER PRIMARY KEY);\n\
                 INSERT INTO a VALUES (1, 'x', 0.1, {hex}), (2, '\"[quoted]\"', -1e300, NULL), (3, '', NULL, NULL);\n\
                 INSERT INTO b VALUES (1, NULL), (2, 'ünïcode');"
            ),
            false,
        )
        .expect("create");
        let schema = db.introspect().expect("introspect").schema;
        let tables: Vec<_> = schema.tables.iter().collect();
        assert_eq!(tables.len(), 3);
        let batched = read_batch(db, &tables).expect("one query reads every table");
        let single: Vec<_> = tables
            .iter()
            .map(|t| read_one(db, t).expect("read"))
            .collect();
        assert_eq!(batched, single);
        assert_eq!(
            batched.iter().map(|t| t.rows.len()).collect::<Vec<_>>(),
            [3, 2, 0]
        );
        let all = read(db, &schema).expect("read");
        assert_eq!(all.len(), 3);
        assert_eq!(all["a"], single[0]);
    }
}

#[test]
fn sqlite_tables_reused_from_the_last_introspection_equal_a_fresh_introspection() {
    use cloacina_codegen::check::ScratchSqlite;
    use cloacina_codegen::internals::introspect::sqlite::TableCache;
    let (_guard, mut db) = ScratchSqlite::new().expect("scratch");
    let mut cache = TableCache::default();
    let steps = [
        "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, CHECK (length(name) > 0));\n\
         CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER NOT NULL REFERENCES a DEFERRABLE INITIALLY DEFERRED, at TEXT);\n\
         CREATE INDEX b_at ON b (at) WHERE at IS NOT NULL;\n\
         CREATE INDEX b_expr ON b (lower(at));\n\
         CREATE VIEW v AS SELECT * FROM a;",
        "ALTER TABLE b ADD COLUMN flag INTEGER NOT NULL DEFAULT 0;",
        "CREATE INDEX a_name ON a (name DESC);",
        "CREATE TABLE c (id INTEGER PRIMARY KEY);",
        "ALTER TABLE c RENAME TO d; DROP INDEX b_expr;",
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;",
        "DROP TABLE d; ALTER TABLE a RENAME COLUMN name TO title;",
    ];
    for sql in steps {
        db.execute(sql, false).expect("apply");
        let reused = db.introspect_reusing(&mut cache).expect("introspect");
        let fresh = db.introspect().expect("introspect");
        assert_eq!(reused.schema, fresh.schema, "after {sql}");
        assert_eq!(reused.notes, fresh.notes, "after {sql}");
        assert_eq!(reused.carried, fresh.carried, "after {sql}");
        assert_eq!(reused.objects, fresh.objects, "after {sql}");
    }
    // The last step changed a: its new column name is read, not reused.
    let last = db.introspect_reusing(&mut cache).expect("introspect");
    let a = last.schema.table("a").expect("a");
    assert!(a.column("title").is_some() && a.column("name").is_none());
}
