//! Nothing is lost that the schema did not ask to drop: generated SQLite
//! rebuilds keep the rows of every table (schema tables, `raw_sql!` tables,
//! an FTS5 table, a raw child with `ON DELETE CASCADE`), refuse to run when
//! a table made by hand references a rebuilt table, and fail with a message
//! that names the table and the counts when rows go missing. The same
//! history keeps every row on PostgreSQL. A column added in the middle of a
//! table and a dropped column pass the tool's own comparison after up, down
//! and up again.
//!
//! Real SQLite files with `foreign_keys = ON` (the runtime's setting) and a
//! real PostgreSQL server (`scripts/with-postgres.sh`).

use cloacina_tests::support::{temp_dir, write_history};
use std::path::{Path, PathBuf};

use cloacina_codegen::internals::compare::{compare_with, CompareOptions};
use cloacina_codegen::internals::introspect::Database;
use cloacina_codegen::internals::normalize::normalize;
use cloacina_codegen::model::Backend;
use cloacina_tests::support::PgScratch;
use diesel::connection::SimpleConnection;
use diesel::sql_types::BigInt;
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};

/// Three schema tables, a raw key/value table, a raw FTS5 table (SQLite)
/// and a raw child of `tasks` with `ON DELETE CASCADE`.
const BASE: &str = r#"
table! {
    projects (id) {
        id -> BigInt,
        name -> Text,
    }
}
table! {
    tasks (id) {
        id -> BigInt,
        #[references(projects.id, on_delete = cascade)]
        project_id -> BigInt,
        #[default(3)]
        max_attempts -> Integer,
    }
}
table! {
    notes (id) {
        id -> BigInt,
        #[default("")]
        body -> Text,
    }
}
raw_sql! {
    #[sqlite(up = "CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;", down = "DROP TABLE kv;")]
    #[postgres(up = "CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);", down = "DROP TABLE kv;")]
    kv;

    #[sqlite(up = "CREATE VIRTUAL TABLE search USING fts5(title, body);", down = "DROP TABLE search;")]
    search;

    #[sqlite(up = "CREATE TABLE task_tags (task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE, tag TEXT NOT NULL) STRICT;", down = "DROP TABLE task_tags;")]
    #[postgres(up = "CREATE TABLE task_tags (task_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE, tag TEXT NOT NULL);", down = "DROP TABLE task_tags;")]
    task_tags;
}
"#;

const SEED_COMMON: &str = "
INSERT INTO projects (id, name) VALUES (1, 'a'), (2, 'b');
INSERT INTO tasks (id, project_id, max_attempts) VALUES (1, 1, 3), (2, 1, 3), (3, 2, 3);
INSERT INTO notes (id, body) VALUES (1, 'x'), (2, 'y');
INSERT INTO kv (key, value) VALUES ('version', '1'), ('owner', 'me');
INSERT INTO task_tags (task_id, tag) VALUES (1, 'red'), (2, 'blue'), (3, 'green');
";

const SEED_SQLITE: &str =
    "INSERT INTO search (title, body) VALUES ('one', 'first doc'), ('two', 'second doc');";

/// `notes.body` changes its default: a rebuild of `notes` only, unrelated
/// to every raw block.
fn unrelated_change() -> String {
    BASE.replace("#[default(\"\")]", "#[default(\"none\")]")
}

/// `tasks.max_attempts` widens to `BigInt`: a rebuild on SQLite, and on
/// PostgreSQL a type change, which runs beneath the raw blocks that name
/// `tasks` (the raw child is lifted and its rows put back).
fn widening_change() -> String {
    BASE.replace(
        "        max_attempts -> Integer,",
        "        max_attempts -> BigInt,",
    )
}

/// `tasks.max_attempts` changes its default: a rebuild of `tasks`, which
/// the raw child `task_tags` references.
fn related_change() -> String {
    BASE.replace("#[default(3)]", "#[default(5)]")
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count<C>(conn: &mut C, table: &str) -> i64
where
    C: Connection,
    C::Backend: diesel::backend::Backend,
    Count: QueryableByName<C::Backend>,
    diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'static, C, Count>,
{
    diesel::sql_query(format!("SELECT CAST(count(*) AS BIGINT) AS n FROM {table}"))
        .get_result::<Count>(conn)
        .unwrap_or_else(|e| panic!("count {table}: {e}"))
        .n
}

const SQLITE_TABLES: [&str; 6] = ["projects", "tasks", "notes", "kv", "search", "task_tags"];

fn sqlite_counts(c: &mut SqliteConnection) -> Vec<(&'static str, i64)> {
    SQLITE_TABLES.iter().map(|t| (*t, count(c, t))).collect()
}

fn sqlite_db(dir: &Path) -> SqliteConnection {
    let mut c = SqliteConnection::establish(&dir.join("db.sqlite").display().to_string())
        .expect("open sqlite");
    c.batch_execute("PRAGMA foreign_keys = ON;")
        .expect("foreign keys on");
    c
}

/// The first migration, rows in every table, then the second migration on
/// SQLite; returns the connection, the counts before, and the second up.sql.
fn sqlite_after_first(dir: &Path, to: &str) -> (SqliteConnection, FileBasedMigrations) {
    write_history(&dir.join("migrations"), &[BASE, to]);
    let migrations =
        FileBasedMigrations::from_path(dir.join("migrations").join("sqlite")).expect("sqlite");
    let mut c = sqlite_db(dir);
    c.run_next_migration(migrations.clone()).expect("first");
    c.batch_execute(&format!("{SEED_COMMON}{SEED_SQLITE}"))
        .expect("seed");
    (c, migrations)
}

fn second_folder(dir: &Path, backend: &str) -> PathBuf {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(dir.join("migrations").join(backend))
        .expect("folders")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    folders.swap_remove(1)
}

fn second_up(dir: &Path) -> String {
    std::fs::read_to_string(second_folder(dir, "sqlite").join("up.sql")).expect("up.sql")
}

#[test]
fn a_widening_rebuild_keeps_every_row_on_sqlite() {
    let dir = temp_dir("widen");
    let (mut c, migrations) = sqlite_after_first(&dir, &widening_change());
    let before = sqlite_counts(&mut c);
    c.run_next_migration(migrations.clone()).expect("rebuild");
    assert_eq!(sqlite_counts(&mut c), before);
    c.revert_last_migration(migrations).expect("down");
    assert_eq!(sqlite_counts(&mut c), before);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unrelated_rebuild_leaves_every_raw_block_alone_and_keeps_every_row() {
    let dir = temp_dir("unrelated");
    let (mut c, migrations) = sqlite_after_first(&dir, &unrelated_change());
    let up = second_up(&dir);
    assert!(up.contains("CREATE TABLE notes__cloacina_new"), "{up}");
    for raw in ["DROP TABLE kv", "DROP TABLE search", "DROP TABLE task_tags"] {
        assert!(
            !up.contains(raw),
            "unrelated raw block touched ({raw}):\n{up}"
        );
    }
    let before = sqlite_counts(&mut c);
    c.run_next_migration(migrations.clone()).expect("rebuild");
    assert_eq!(sqlite_counts(&mut c), before);
    // Down and up again keep them too.
    c.revert_last_migration(migrations.clone()).expect("down");
    assert_eq!(sqlite_counts(&mut c), before);
    c.run_next_migration(migrations).expect("up again");
    assert_eq!(sqlite_counts(&mut c), before);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_related_rebuild_carries_the_raw_child_with_its_rows() {
    let dir = temp_dir("related");
    let (mut c, migrations) = sqlite_after_first(&dir, &related_change());
    let up = second_up(&dir);
    assert!(up.contains("CREATE TABLE tasks__cloacina_new"), "{up}");
    assert!(
        up.contains("DROP TABLE task_tags"),
        "the raw child is lifted: {up}"
    );
    for raw in ["DROP TABLE kv", "DROP TABLE search"] {
        assert!(
            !up.contains(raw),
            "unrelated raw block touched ({raw}):\n{up}"
        );
    }
    let before = sqlite_counts(&mut c);
    assert_eq!(before[5], ("task_tags", 3));
    c.run_next_migration(migrations.clone()).expect("rebuild");
    assert_eq!(sqlite_counts(&mut c), before);
    // The child's rows are the same rows, and its cascade still works.
    let tags: i64 = count(&mut c, "task_tags WHERE tag IN ('red', 'blue', 'green')");
    assert_eq!(tags, 3);
    c.revert_last_migration(migrations.clone()).expect("down");
    assert_eq!(sqlite_counts(&mut c), before);
    c.run_next_migration(migrations).expect("up again");
    assert_eq!(sqlite_counts(&mut c), before);
    // The copy skipped re-checking rows that passed the same checks before;
    // the checks are on again for everything after it.
    assert!(
        up.contains("PRAGMA ignore_check_constraints = OFF;"),
        "{up}"
    );
    c.batch_execute("INSERT INTO tasks (id, project_id, max_attempts) VALUES (99, 1, 4294967296);")
        .expect_err("the Integer range check holds after the rebuild");
    c.batch_execute("DELETE FROM tasks WHERE id = 3;")
        .expect("delete");
    assert_eq!(
        count(&mut c, "task_tags"),
        2,
        "ON DELETE CASCADE still holds"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_hand_made_child_table_refuses_the_rebuild_and_keeps_its_rows() {
    let dir = temp_dir("handmade");
    let (mut c, migrations) = sqlite_after_first(&dir, &related_change());
    // What a hand-written migration would have made.
    c.batch_execute(
        "CREATE TABLE audit (task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE, what TEXT) STRICT;
         INSERT INTO audit VALUES (1, 'created'), (2, 'created');",
    )
    .expect("hand-made table");
    let before = sqlite_counts(&mut c);
    let err = c
        .run_next_migration(migrations)
        .expect_err("the rebuild must refuse a child it does not know");
    let msg = err.to_string();
    assert!(
        msg.contains("table audit references tasks")
            && msg.contains("Declare the table in the schema file"),
        "{msg}"
    );
    assert_eq!(sqlite_counts(&mut c), before, "nothing changed");
    assert_eq!(count(&mut c, "audit"), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_pre_existing_orphan_in_an_unrelated_table_does_not_block_a_rebuild() {
    let dir = temp_dir("orphan");
    let (mut c, migrations) = sqlite_after_first(&dir, &unrelated_change());
    c.batch_execute(
        "PRAGMA foreign_keys = OFF; INSERT INTO tasks (id, project_id) VALUES (9, 999); PRAGMA foreign_keys = ON;",
    )
    .expect("orphan");
    let before = sqlite_counts(&mut c);
    c.run_next_migration(migrations)
        .expect("the orphan in tasks is not this rebuild's business");
    assert_eq!(sqlite_counts(&mut c), before);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failing_row_count_guard_names_the_table_and_the_counts() {
    let dir = temp_dir("guard");
    let (mut c, _) = sqlite_after_first(&dir, &unrelated_change());
    // A deliberately lossy step slipped in before the guard checks.
    let up = second_up(&dir);
    let marker = "-- Fail the migration if a table that existed before it lost (or gained) rows.";
    assert!(up.contains(marker), "{up}");
    let lossy = up.replacen(
        marker,
        &format!("DELETE FROM kv WHERE key = 'owner';\n\n{marker}"),
        1,
    );
    let before = sqlite_counts(&mut c);
    let err = c
        .transaction::<_, diesel::result::Error, _>(|c| c.batch_execute(&lossy))
        .expect_err("the guard must fail the migration");
    let msg = err.to_string();
    assert!(
        msg.contains("table kv held 2 rows before this migration and 1 after it"),
        "{msg}"
    );
    assert_eq!(sqlite_counts(&mut c), before, "rolled back");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn postgres_keeps_every_row_through_the_same_history() {
    for (tag, to) in [
        ("unrel", unrelated_change()),
        ("rel", related_change()),
        ("widen", widening_change()),
    ] {
        let dir = temp_dir(&format!("pg-{tag}"));
        write_history(&dir.join("migrations"), &[BASE, &to]);
        let migrations =
            FileBasedMigrations::from_path(dir.join("migrations").join("postgres")).expect("pg");
        let mut scratch = PgScratch::new(&format!("safety_{tag}"));
        let c = &mut scratch.conn;
        c.run_next_migration(migrations.clone()).expect("first");
        c.batch_execute(SEED_COMMON).expect("seed");
        let tables = ["projects", "tasks", "notes", "kv", "task_tags"];
        let before: Vec<i64> = tables.iter().map(|t| count(c, t)).collect();
        c.run_next_migration(migrations.clone()).expect("second");
        let after: Vec<i64> = tables.iter().map(|t| count(c, t)).collect();
        assert_eq!(after, before, "{tag}");
        let pg_up = std::fs::read_to_string(second_folder(&dir, "postgres").join("up.sql"))
            .expect("up.sql");
        assert!(
            !pg_up.contains("DROP TABLE kv"),
            "{tag}: kv lifted:\n{pg_up}"
        );
        c.revert_last_migration(migrations.clone()).expect("down");
        let down: Vec<i64> = tables.iter().map(|t| count(c, t)).collect();
        assert_eq!(down, before, "{tag} after down");
        drop(scratch);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The schema file against the database, by the tool's own comparison
/// (the one `check` uses between the file and a database).
fn file_vs_sqlite(source: &str, db: &Path) -> Vec<String> {
    let schema = cloacina_codegen::parse_str("schema.rs", source).expect("schema");
    let mut database = Database::open_sqlite(&db.display().to_string()).expect("open");
    let got = database.introspect().expect("introspect");
    let opts = CompareOptions {
        column_order: false,
        ..CompareOptions::default()
    };
    compare_with(
        &normalize(&schema, Some(Backend::Sqlite)),
        &normalize(&got.schema, None),
        &opts,
    )
    .into_iter()
    .map(|d| format!("{d:?}"))
    .collect()
}

const COLS: &str = "
table! {
    #[allow_drop(legacy)]
    items (id) {
        id -> BigInt,
        name -> Text,
        legacy -> Nullable<Text>,
        price -> Integer,
    }
}
";

#[test]
fn a_mid_table_add_and_a_drop_pass_the_comparison_after_up_down_up() {
    let to = COLS
        .replace(
            "        name -> Text,\n",
            "        name -> Text,\n        sku -> Nullable<Text>,\n",
        )
        .replace("        legacy -> Nullable<Text>,\n", "");
    let dir = temp_dir("colorder");
    write_history(&dir.join("migrations"), &[COLS, &to]);
    let migrations =
        FileBasedMigrations::from_path(dir.join("migrations").join("sqlite")).expect("sqlite");
    let db = dir.join("db.sqlite");
    let mut c = sqlite_db(&dir);
    c.run_next_migration(migrations.clone()).expect("first");
    c.batch_execute("INSERT INTO items (id, name, legacy, price) VALUES (1, 'a', 'old', 10);")
        .expect("seed");
    let steps: [(&str, &str); 3] = [("up", &to), ("down", COLS), ("up again", &to)];
    for (step, source) in steps {
        match step {
            "down" => {
                c.revert_last_migration(migrations.clone()).expect("down");
            }
            _ => {
                c.run_next_migration(migrations.clone()).expect("up");
            }
        }
        let diffs = file_vs_sqlite(source, &db);
        assert!(diffs.is_empty(), "{step}: {diffs:#?}");
        assert_eq!(count(&mut c, "items"), 1, "{step}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
