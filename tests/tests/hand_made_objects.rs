//! Planning from what the history really built: objects made by a
//! hand-written migration (a child table with rows that references a
//! schema table, its index and trigger, a view over a schema table, an
//! unrelated table) are known to the SQLite planner, which replays the
//! history in memory. A rebuild of the parent carries the child with every
//! row and re-creates the view; the unrelated table is never touched; a
//! change that would delete the child's rows is refused at plan time,
//! naming the table, the migration that made it and the fix, and nothing
//! is written.
//!
//! Real SQLite files with `foreign_keys = ON` (the runtime's setting) and a
//! real PostgreSQL server (`scripts/with-postgres.sh`).

use cloacina_tests::support::{clock, temp_dir, write_generated};
use std::path::Path;

use cloacina_codegen::history::{self, HistoryError};
use cloacina_tests::support::PgScratch;
use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};

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
"#;

/// What the hand-written migration makes on SQLite: a child of `tasks`
/// with an index and a trigger, a view over `tasks`, an index on `tasks`,
/// and a table that has nothing to do with any rebuild.
const HAND_SQLITE: &str = "
CREATE TABLE audit (task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE, what TEXT NOT NULL) STRICT;
CREATE INDEX audit_task ON audit (task_id);
CREATE TRIGGER audit_not_empty BEFORE INSERT ON audit WHEN NEW.what = ''
BEGIN
    SELECT RAISE(ABORT, 'audit.what must not be empty');
END;
CREATE VIEW task_events AS
    SELECT t.id AS task_id, t.max_attempts, count(a.task_id) AS events
    FROM tasks t LEFT JOIN audit a ON a.task_id = t.id GROUP BY t.id;
CREATE TABLE scratch (k TEXT PRIMARY KEY, v TEXT NOT NULL) STRICT;
CREATE INDEX tasks_by_attempts ON tasks (max_attempts);
";

const HAND_POSTGRES: &str = "
CREATE TABLE audit (task_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE, what TEXT NOT NULL);
CREATE INDEX audit_task ON audit (task_id);
CREATE VIEW task_events AS
    SELECT t.id AS task_id, t.max_attempts, count(a.task_id) AS events
    FROM tasks t LEFT JOIN audit a ON a.task_id = t.id GROUP BY t.id, t.max_attempts;
CREATE TABLE scratch (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE INDEX tasks_by_attempts ON tasks (max_attempts);
";

const HAND_DOWN: &str = "DROP INDEX tasks_by_attempts;\nDROP VIEW task_events;\nDROP TABLE audit;\nDROP TABLE scratch;\n";

const SEED: &str = "
INSERT INTO projects (id, name) VALUES (1, 'a'), (2, 'b');
INSERT INTO tasks (id, project_id, max_attempts) VALUES (1, 1, 3), (2, 1, 3), (3, 2, 3);
INSERT INTO notes (id, body) VALUES (1, 'x');
INSERT INTO audit (task_id, what) VALUES (1, 'created'), (1, 'started'), (2, 'created'), (3, 'created');
INSERT INTO scratch (k, v) VALUES ('one', '1'), ('two', '2');
";

/// `tasks.max_attempts` changes its default: on SQLite a rebuild of
/// `tasks` (and `projects` is untouched), which `audit` references and
/// `task_events` names.
fn rebuild_tasks() -> String {
    BASE.replace("#[default(3)]", "#[default(5)]")
}

/// `tasks` is dropped: `audit` would lose every row.
fn drop_tasks() -> String {
    let start = BASE.find("table! {\n    tasks").expect("tasks");
    let end = BASE.find("table! {\n    notes").expect("notes");
    format!("{}{}", &BASE[..start], &BASE[end..])
}

/// The base schema, then a hand-written migration that makes the hand
/// objects on both backends; returns its folder.
fn base_and_hand(dir: &Path) -> String {
    write_generated(dir, BASE, 0).expect("base");
    let mut h = history::load(dir).expect("history");
    let written = history::write_hand_migration(&mut h, "hand_objects", &clock(1)).expect("hand");
    for (backend, up) in [("sqlite", HAND_SQLITE), ("postgres", HAND_POSTGRES)] {
        let folder = dir.join(backend).join(&written.folder);
        std::fs::write(folder.join("up.sql"), up).expect("up");
        std::fs::write(folder.join("down.sql"), HAND_DOWN).expect("down");
    }
    h.rehash().expect("rehash");
    written.folder
}

fn folders(dir: &Path, backend: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir.join(backend))
        .expect("folders")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Row {
    #[diesel(sql_type = Text)]
    v: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Every row of a query as one text per row (SQLite).
fn rows(c: &mut SqliteConnection, sql: &str) -> Vec<String> {
    diesel::sql_query(sql)
        .load::<Row>(c)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| r.v)
        .collect()
}

const AUDIT: &str = "SELECT task_id || ':' || what AS v FROM audit ORDER BY rowid";
const EVENTS: &str =
    "SELECT task_id || ':' || max_attempts || ':' || events AS v FROM task_events ORDER BY task_id";
const SCRATCH: &str = "SELECT k || '=' || v AS v FROM scratch ORDER BY k";
const OBJECTS: &str = "SELECT type || ' ' || name || ' ' || coalesce(sql, '') AS v FROM sqlite_schema WHERE name IN ('audit', 'audit_task', 'audit_not_empty', 'task_events', 'scratch', 'tasks_by_attempts') ORDER BY name";

#[test]
fn a_rebuild_carries_the_hand_made_child_and_view_with_every_row() {
    let dir = temp_dir("carry");
    let migrations_dir = dir.join("migrations");
    let hand = base_and_hand(&migrations_dir);
    write_generated(&migrations_dir, &rebuild_tasks(), 2).expect("the rebuild is planned");
    let up = std::fs::read_to_string(
        migrations_dir
            .join("sqlite")
            .join(&folders(&migrations_dir, "sqlite")[2])
            .join("up.sql"),
    )
    .expect("up.sql");
    assert!(
        up.contains(&format!(
            "-- audit (made by migration {hand}) references a table this migration rebuilds"
        )),
        "{up}"
    );
    assert!(
        !up.contains("scratch"),
        "the unrelated table is not touched:\n{up}"
    );

    let migrations = FileBasedMigrations::from_path(migrations_dir.join("sqlite")).expect("sqlite");
    let mut c = SqliteConnection::establish(&dir.join("db.sqlite").display().to_string())
        .expect("open sqlite");
    c.batch_execute("PRAGMA foreign_keys = ON;").expect("fk on");
    c.run_next_migration(migrations.clone()).expect("base");
    c.run_next_migration(migrations.clone()).expect("hand");
    c.batch_execute(SEED).expect("seed");
    let (audit, scratch, objects) = (
        rows(&mut c, AUDIT),
        rows(&mut c, SCRATCH),
        rows(&mut c, OBJECTS),
    );
    assert_eq!(audit.len(), 4);
    c.run_next_migration(migrations.clone())
        .expect("the rebuild runs");

    assert_eq!(
        rows(&mut c, AUDIT),
        audit,
        "the hand-made child keeps every row"
    );
    assert_eq!(
        rows(&mut c, SCRATCH),
        scratch,
        "the unrelated table keeps its rows"
    );
    assert_eq!(
        rows(&mut c, OBJECTS),
        objects,
        "the same objects, from the same SQL"
    );
    assert_eq!(
        rows(&mut c, EVENTS),
        ["1:3:2", "2:3:1", "3:3:1"],
        "the view works over the rebuilt table"
    );
    // The child's foreign key, index and trigger still act.
    c.batch_execute("DELETE FROM tasks WHERE id = 3;")
        .expect("cascade");
    assert_eq!(rows(&mut c, AUDIT).len(), 3, "ON DELETE CASCADE still acts");
    let err = c
        .batch_execute("INSERT INTO audit (task_id, what) VALUES (1, '');")
        .expect_err("the trigger still acts");
    assert!(
        err.to_string().contains("audit.what must not be empty"),
        "{err}"
    );
    let fk = diesel::sql_query("SELECT count(*) AS n FROM pragma_foreign_key_check")
        .get_result::<Count>(&mut c)
        .expect("fk check");
    assert_eq!(fk.n, 0);
    // down rebuilds `tasks` again and carries the same objects.
    let (audit, objects) = (rows(&mut c, AUDIT), rows(&mut c, OBJECTS));
    c.revert_last_migration(migrations).expect("down");
    assert_eq!(rows(&mut c, AUDIT), audit, "down keeps the child's rows");
    assert_eq!(rows(&mut c, OBJECTS), objects, "down keeps the objects");
    assert_eq!(rows(&mut c, SCRATCH), scratch);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dropping_the_parent_of_a_hand_made_child_is_refused_at_plan_time() {
    let dir = temp_dir("refuse");
    let migrations_dir = dir.join("migrations");
    let hand = base_and_hand(&migrations_dir);
    let before_files = (
        folders(&migrations_dir, "sqlite"),
        folders(&migrations_dir, "postgres"),
    );
    let integrity =
        std::fs::read_to_string(migrations_dir.join(history::INTEGRITY_FILE)).expect("integrity");
    let err = write_generated(&migrations_dir, &drop_tasks(), 2)
        .expect_err("the plan must refuse to delete the hand-made child's rows");
    let msg = err.to_string();
    assert!(
        matches!(&err, HistoryError::HandMadeObject { name, created_by, .. } if name == "audit" && *created_by == hand),
        "{err:?}"
    );
    for part in [
        "cannot plan the SQLite migration: table audit",
        &format!("migrations/sqlite/{hand}/up.sql"),
        "references table tasks, which this migration drops",
        "Declare audit in the schema file",
    ] {
        assert!(msg.contains(part), "{part:?} missing from: {msg}");
    }
    assert_eq!(
        (
            folders(&migrations_dir, "sqlite"),
            folders(&migrations_dir, "postgres")
        ),
        before_files,
        "nothing written"
    );
    assert_eq!(
        std::fs::read_to_string(migrations_dir.join(history::INTEGRITY_FILE)).expect("integrity"),
        integrity,
        "integrity.txt unchanged"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn postgres_keeps_the_hand_made_objects_through_the_same_history() {
    let dir = temp_dir("pg");
    let migrations_dir = dir.join("migrations");
    base_and_hand(&migrations_dir);
    write_generated(&migrations_dir, &rebuild_tasks(), 2).expect("planned");
    let migrations =
        FileBasedMigrations::from_path(migrations_dir.join("postgres")).expect("postgres");
    let mut scratch = PgScratch::new("hand_made");
    let c = &mut scratch.conn;
    c.run_next_migration(migrations.clone()).expect("base");
    c.run_next_migration(migrations.clone()).expect("hand");
    c.batch_execute(SEED).expect("seed");
    let count = |c: &mut diesel::PgConnection, t: &str| {
        diesel::sql_query(format!("SELECT count(*) AS n FROM {t}"))
            .get_result::<Count>(c)
            .unwrap_or_else(|e| panic!("{t}: {e}"))
            .n
    };
    let tables = ["tasks", "audit", "scratch", "task_events"];
    let before: Vec<i64> = tables.iter().map(|t| count(c, t)).collect();
    c.run_next_migration(migrations).expect("the change runs");
    let after: Vec<i64> = tables.iter().map(|t| count(c, t)).collect();
    assert_eq!(after, before);
    assert_eq!(before, [3, 4, 2, 3]);
    drop(scratch);
    let _ = std::fs::remove_dir_all(&dir);
}

/// On this project's own history the replay finds only what the schema
/// creates: nothing is taken for hand-made (which a rebuild would then
/// re-create twice).
#[test]
fn this_projects_history_holds_only_the_schemas_own_objects() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let h = history::load(&root.join("migrations")).expect("history");
    let folders: Vec<(String, bool)> = h
        .migrations
        .iter()
        .map(|m| (m.folder.clone(), m.hand_written))
        .collect();
    let built = cloacina_codegen::internals::replay::replay_sqlite(&h.dir, &folders)
        .expect("the history replays");
    assert!(built.get("task_executions").is_some(), "{built:?}");
    let snapshot = h.current_schema();
    let hand: Vec<String> = cloacina_codegen::internals::plan::hand_made_objects(&snapshot, &built)
        .into_iter()
        .map(|o| format!("{} {}", o.kind.word(), o.name))
        .collect();
    assert_eq!(hand, Vec::<String>::new());
}
