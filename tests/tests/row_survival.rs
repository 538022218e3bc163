//! Rows survive today's migration kinds, on both backends, in EVERY table:
//! the schema's tables, `raw_sql!` tables (one scoped to each backend, one a
//! child of a schema table) and a table made by hand in the database
//! outside the history. Each case writes a real two-step history, runs the
//! first step, seeds every table, then checks after `up`, `down` and `up`
//! again that every table holds the same rows with the same values (the
//! columns the two schemas share, read as text).
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`);
//! without one these tests fail, they never skip. Run them with
//! `scripts/with-postgres.sh cargo test -p cloacina-tests --test row_survival`.

use cloacina_codegen::model::{Backend, Schema};
use cloacina_tests::support::{temp_dir, write_history, PgScratch};
use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use std::path::Path;

/// An extension lives once per database (in the scratch schema of the
/// test that created it first), so the PostgreSQL tests take turns.
static EXTENSIONS: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[derive(QueryableByName)]
struct V {
    #[diesel(sql_type = Text)]
    v: String,
}

/// The base schema: `{enum}` is the `Stage` enum's labels, `{kids_fk}` the
/// attribute on `kids.parent_id`, `{word}` the type of `kids.word`,
/// `{ext}` the extension list, `{extra}` more items.
const BASE: &str = r#"#![postgres_extensions({ext})]
#[db_enum]
enum Stage { {enum} }
{extra}
table! {
    parents (id) {
        id -> BigInt,
        name -> Text,
    }
}
table! {
    {kids_attrs}kids (id) {
        id -> BigInt,
        {kids_fk}
        parent_id -> BigInt,
        {stage_attrs}stage -> Stage,
        {word_attrs}word -> {word},
        note -> Nullable<Text>,{kids_extra}
    }
}
table! {
    #[backend(postgres)]
    {slots_attrs}slots (id) {
        id -> BigInt,
        #[unique]
        code -> Text,
    }
}
table! {
    #[backend(postgres)]
    handles (id) {
        id -> BigInt,
        name -> Citext,
    }
}
raw_sql! {
    #[sqlite(up = "CREATE TABLE kv_lite (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;", down = "DROP TABLE kv_lite;")]
    kv_lite;

    #[postgres(up = "CREATE TABLE kv_pg (key TEXT PRIMARY KEY, value TEXT NOT NULL);", down = "DROP TABLE kv_pg;")]
    kv_pg;

    #[sqlite(up = "CREATE TABLE kid_tags (kid_id INTEGER NOT NULL REFERENCES kids (id) ON DELETE CASCADE, tag TEXT NOT NULL) STRICT;", down = "DROP TABLE kid_tags;")]
    #[postgres(up = "CREATE TABLE kid_tags (kid_id BIGINT NOT NULL REFERENCES kids (id) ON DELETE CASCADE, tag TEXT NOT NULL);", down = "DROP TABLE kid_tags;")]
    kid_tags;
}
"#;

struct Spec {
    ext: &'static str,
    labels: &'static str,
    extra: &'static str,
    kids_attrs: &'static str,
    kids_fk: &'static str,
    stage_attrs: &'static str,
    stage: &'static str,
    word_attrs: &'static str,
    word: &'static str,
    kids_extra: &'static str,
    slots_attrs: &'static str,
}

const DEFAULT: Spec = Spec {
    ext: "citext",
    labels: "Draft, Live",
    extra: "",
    kids_attrs: "",
    kids_fk: "#[references(parents.id)]",
    stage_attrs: "",
    stage: "Stage",
    word_attrs: "",
    word: "Text",
    kids_extra: "",
    slots_attrs: "",
};

impl Spec {
    fn source(&self) -> String {
        BASE.replace("{ext}", self.ext)
            .replace("{enum}", self.labels)
            .replace("{extra}", self.extra)
            .replace("{kids_attrs}", self.kids_attrs)
            .replace("{kids_fk}", self.kids_fk)
            .replace("{stage_attrs}", self.stage_attrs)
            .replace("stage -> Stage,", &format!("stage -> {},", self.stage))
            .replace("{word_attrs}", self.word_attrs)
            .replace("{word}", self.word)
            .replace("{kids_extra}", self.kids_extra)
            .replace("{slots_attrs}", self.slots_attrs)
    }
}

const LTREE: &str = "#[custom_type(postgres = \"ltree\", sqlite = \"TEXT\", diesel = \"crate::custom_sql::AnyLtree\", rust = \"crate::custom_sql::LabelPath\")]\nstruct AnyLtree;\n";
const WORD: &str = "#[db_enum]\nenum Word { v1, v2, v3 }\n";

/// Every case: name, old schema, new schema. The seeded rows hold only
/// labels and words that both schemas accept.
fn cases() -> Vec<(&'static str, Spec, Spec)> {
    let destructive = "#[allow_destructive]\n        ";
    vec![
        (
            "enum_append_label",
            DEFAULT,
            Spec {
                labels: "Draft, Live, Archived",
                ..DEFAULT
            },
        ),
        (
            // A removed label and a reorder: the type is replaced (up and down).
            "enum_replace_type",
            Spec {
                labels: "Draft, Live, Archived",
                ..DEFAULT
            },
            Spec {
                labels: "Live, Draft",
                stage_attrs: destructive,
                ..DEFAULT
            },
        ),
        (
            "text_to_enum",
            Spec {
                extra: WORD,
                ..DEFAULT
            },
            Spec {
                extra: WORD,
                word_attrs: destructive,
                word: "Word",
                ..DEFAULT
            },
        ),
        (
            "enum_to_text",
            DEFAULT,
            Spec {
                stage: "Text",
                ..DEFAULT
            },
        ),
        (
            "foreign_key_becomes_deferrable",
            DEFAULT,
            Spec {
                kids_fk: "#[references(parents.id, deferrable = initially_deferred)]",
                ..DEFAULT
            },
        ),
        (
            "primary_key_becomes_deferrable",
            DEFAULT,
            Spec {
                slots_attrs: "#[primary_key(deferrable = initially_deferred)]\n    ",
                ..DEFAULT
            },
        ),
        (
            "extension_set_schema",
            DEFAULT,
            Spec {
                ext: "citext(schema = \"cloacina_ext\")",
                ..DEFAULT
            },
        ),
        (
            "add_custom_type_column",
            Spec {
                ext: "citext, ltree",
                extra: LTREE,
                ..DEFAULT
            },
            Spec {
                ext: "citext, ltree",
                extra: LTREE,
                kids_extra: "\n        path -> Nullable<AnyLtree>,",
                ..DEFAULT
            },
        ),
        (
            "drop_custom_type_column",
            Spec {
                ext: "citext, ltree",
                extra: LTREE,
                kids_extra: "\n        path -> Nullable<AnyLtree>,",
                ..DEFAULT
            },
            Spec {
                ext: "citext, ltree",
                extra: LTREE,
                kids_attrs: "#[allow_drop(path)]\n    ",
                ..DEFAULT
            },
        ),
    ]
}

/// What the second migration's up.sql must hold, so each case exercises
/// its kind (`None`: the change does not concern the backend).
fn expected_sql(case: &str, backend: Backend) -> Option<&'static str> {
    let rebuild = "CREATE TABLE kids__cloacina_new";
    match (case, backend) {
        ("enum_append_label", Backend::Postgres) => Some("ALTER TYPE stage ADD VALUE 'Archived'"),
        ("enum_replace_type", Backend::Postgres) => {
            Some("CREATE TYPE stage AS ENUM ('Live', 'Draft')")
        }
        ("text_to_enum", Backend::Postgres) => Some("ALTER COLUMN word TYPE word"),
        ("enum_to_text", Backend::Postgres) => Some("ALTER COLUMN stage TYPE TEXT"),
        ("foreign_key_becomes_deferrable", Backend::Postgres) => {
            Some("ALTER CONSTRAINT kids_parent_id_fkey DEFERRABLE INITIALLY DEFERRED")
        }
        ("primary_key_becomes_deferrable", Backend::Postgres) => {
            Some("PRIMARY KEY (id) DEFERRABLE INITIALLY DEFERRED")
        }
        ("extension_set_schema", Backend::Postgres) => {
            Some("ALTER EXTENSION \"citext\" SET SCHEMA \"cloacina_ext\"")
        }
        ("add_custom_type_column", Backend::Postgres) => Some("ADD COLUMN path ltree"),
        ("add_custom_type_column", Backend::Sqlite) => Some("ADD COLUMN path TEXT"),
        ("drop_custom_type_column", _) => Some("DROP COLUMN path"),
        ("primary_key_becomes_deferrable" | "extension_set_schema", Backend::Sqlite) => None,
        (_, Backend::Sqlite) => Some(rebuild),
        _ => panic!("no expected SQL for {case} on {backend}"),
    }
}

/// The second migration's up.sql for `backend`.
fn second_up(dir: &Path, backend: Backend) -> String {
    let mut folders: Vec<std::path::PathBuf> =
        std::fs::read_dir(dir.join("migrations").join(backend.name()))
            .expect("migration folders")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.is_dir())
            .collect();
    folders.sort();
    assert_eq!(folders.len(), 2, "two migrations: {folders:?}");
    std::fs::read_to_string(folders[1].join("up.sql")).expect("up.sql")
}

// ----- databases --------------------------------------------------------------------

enum Db {
    Pg(PgScratch),
    Lite(SqliteConnection),
}

impl Db {
    fn backend(&self) -> Backend {
        match self {
            Db::Pg(_) => Backend::Postgres,
            Db::Lite(..) => Backend::Sqlite,
        }
    }

    fn exec(&mut self, sql: &str) {
        let r = match self {
            Db::Pg(s) => s.conn.batch_execute(sql),
            Db::Lite(c) => c.batch_execute(sql),
        };
        if let Err(e) = r {
            panic!("{e}\nin:\n{sql}");
        }
    }

    fn texts(&mut self, sql: &str) -> Vec<String> {
        let r: Result<Vec<V>, _> = match self {
            Db::Pg(s) => diesel::sql_query(sql).load(&mut s.conn),
            Db::Lite(c) => diesel::sql_query(sql).load(c),
        };
        match r {
            Ok(v) => v.into_iter().map(|v| v.v).collect(),
            Err(e) => panic!("{e}\nin:\n{sql}"),
        }
    }

    fn step(&mut self, case: &str, what: &str, m: &FileBasedMigrations) {
        let r = match (self, what) {
            (Db::Pg(s), "down") => s.conn.revert_last_migration(m.clone()).map(|_| ()),
            (Db::Lite(c), "down") => c.revert_last_migration(m.clone()).map(|_| ()),
            (Db::Pg(s), _) => s.conn.run_next_migration(m.clone()).map(|_| ()),
            (Db::Lite(c), _) => c.run_next_migration(m.clone()).map(|_| ()),
        };
        if let Err(e) = r {
            panic!("{case}: {what} failed: {e}");
        }
    }
}

fn sqlite_db(dir: &Path) -> Db {
    let path = dir.join("main.db");
    let mut c = SqliteConnection::establish(&path.display().to_string()).expect("open sqlite file");
    c.batch_execute("PRAGMA foreign_keys = ON;")
        .expect("foreign keys on");
    Db::Lite(c)
}

// ----- rows -------------------------------------------------------------------------

/// Rows in every table of `backend`; labels and words both schemas accept.
fn seed_sql(backend: Backend, with_path: bool) -> String {
    let path = |p: &str| {
        if with_path {
            format!(", '{p}'")
        } else {
            String::new()
        }
    };
    let path_col = if with_path { ", path" } else { "" };
    let mut sql = format!(
        "INSERT INTO parents (id, name) VALUES (1, 'a'), (2, 'b');
         INSERT INTO kids (id, parent_id, stage, word, note{path_col}) VALUES
             (1, 1, 'Draft', 'v1', 'first'{}), (2, 1, 'Live', 'v2', NULL{}), (3, 2, 'Live', 'v3', 'third'{});
         INSERT INTO kid_tags (kid_id, tag) VALUES (1, 'red'), (2, 'blue'), (3, 'green');
         INSERT INTO hand_made (id, what) VALUES (1, 'kept'), (2, 'also kept');\n",
        path("top.a"),
        path("top.b"),
        path("top.c"),
    );
    match backend {
        Backend::Postgres => sql.push_str(
            "INSERT INTO slots (id, code) VALUES (1, 'x'), (2, 'y');
             INSERT INTO handles (id, name) VALUES (1, 'Alice'), (2, 'BOB');
             INSERT INTO kv_pg (key, value) VALUES ('version', '1'), ('owner', 'me');",
        ),
        Backend::Sqlite => sql
            .push_str("INSERT INTO kv_lite (key, value) VALUES ('version', '1'), ('owner', 'me');"),
    }
    sql
}

/// Every table of the database (`table`, the columns to read), for the
/// columns the old and the new schema share.
fn tables(backend: Backend, from: &Schema, to: &Schema) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = from
        .tables_for(backend)
        .filter_map(|t| {
            let nt = to.table(&t.name)?;
            let cols = t
                .columns
                .iter()
                .filter(|c| nt.column(&c.name).is_some())
                .map(|c| c.sql_name().to_string())
                .collect();
            Some((t.sql_name().to_string(), cols))
        })
        .collect();
    let two = |a: &str, b: &str| vec![a.to_string(), b.to_string()];
    out.push(("kid_tags".into(), two("kid_id", "tag")));
    out.push(("hand_made".into(), two("id", "what")));
    let kv = match backend {
        Backend::Postgres => "kv_pg",
        Backend::Sqlite => "kv_lite",
    };
    out.push((kv.into(), two("key", "value")));
    out
}

/// Every row of every table, as `table: v1|v2|…`, in a fixed order.
fn dump(db: &mut Db, tables: &[(String, Vec<String>)]) -> Vec<String> {
    let mut out = Vec::new();
    for (t, cols) in tables {
        let row = cols
            .iter()
            .map(|c| format!("coalesce(CAST({c} AS TEXT), 'NULL')"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let rows = db.texts(&format!("SELECT {row} AS v FROM {t} ORDER BY 1"));
        out.extend(rows.into_iter().map(|r| format!("{t}: {r}")));
    }
    out
}

fn run_case(case: &str, from: &Spec, to: &Spec, mut db: Db) {
    let backend = db.backend();
    let (from_src, to_src) = (from.source(), to.source());
    let dir = temp_dir(&format!("rows_{case}_{}", backend.name()));
    write_history(&dir.join("migrations"), &[&from_src, &to_src]);
    let parse = |name: &str, src: &str| {
        cloacina_codegen::parse_str(name, src).unwrap_or_else(|e| panic!("{}", e.render()))
    };
    let (old, new) = (parse("from.rs", &from_src), parse("to.rs", &to_src));
    let migrations = FileBasedMigrations::from_path(dir.join("migrations").join(backend.name()))
        .expect("diesel reads the folder");
    // An extension lives once per database: one a case moved out of the
    // scratch schema outlives it, so each case starts without it.
    let moved_extensions = "DROP SCHEMA IF EXISTS cloacina_ext CASCADE;";
    if backend == Backend::Postgres {
        db.exec(moved_extensions);
    }
    db.step(case, "first up", &migrations);
    let up = second_up(&dir, backend);
    if let Some(want) = expected_sql(case, backend) {
        assert!(
            up.contains(want),
            "{case} {backend}: the migration does the change ({want}):\n{up}"
        );
    }
    // A table made by hand, outside the history.
    db.exec("CREATE TABLE hand_made (id BIGINT PRIMARY KEY, what TEXT NOT NULL);");
    let with_path = old
        .table("kids")
        .is_some_and(|t| t.column("path").is_some());
    db.exec(&seed_sql(backend, with_path));
    let tables = tables(backend, &old, &new);
    let before = dump(&mut db, &tables);
    let seeded: std::collections::BTreeSet<&str> =
        before.iter().filter_map(|r| r.split(':').next()).collect();
    assert_eq!(
        seeded.len(),
        tables.len(),
        "{case} {backend}: every table holds rows: {before:#?}"
    );
    for step in ["up", "down", "up again"] {
        db.step(case, step, &migrations);
        assert_eq!(
            dump(&mut db, &tables),
            before,
            "{case} {backend}: rows after {step}"
        );
    }
    if backend == Backend::Postgres {
        db.exec(moved_extensions);
    }
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_table_keeps_its_rows_through_today_s_migration_kinds_on_sqlite() {
    for (case, from, to) in cases() {
        let dir = temp_dir(&format!("rows_db_{case}"));
        run_case(case, &from, &to, sqlite_db(&dir));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn every_table_keeps_its_rows_through_today_s_migration_kinds_on_postgres() {
    let _turn = EXTENSIONS.lock().unwrap_or_else(|p| p.into_inner());
    for (case, from, to) in cases() {
        let tag = format!("rows_{}", &case[..case.len().min(8)]);
        run_case(case, &from, &to, Db::Pg(PgScratch::new(&tag)));
    }
}

/// `ALTER EXTENSION … UPDATE` (a pinned `citext` version dropped, so the
/// extension goes to the server's default version): `up` keeps every row.
/// Its `down` (`UPDATE TO` the older version) is refused by PostgreSQL,
/// which has no downgrade path for `citext`; the refusal rolls back and
/// every row is still there.
#[test]
fn an_extension_update_keeps_every_row_and_its_refused_down_loses_none() {
    let _turn = EXTENSIONS.lock().unwrap_or_else(|p| p.into_inner());
    let case = "extension_update";
    let from = Spec {
        ext: "citext(version = \"1.5\")",
        ..DEFAULT
    };
    let (from_src, to_src) = (from.source(), DEFAULT.source());
    let dir = temp_dir("rows_extension_update");
    write_history(&dir.join("migrations"), &[&from_src, &to_src]);
    let parse = |name: &str, src: &str| {
        cloacina_codegen::parse_str(name, src).unwrap_or_else(|e| panic!("{}", e.render()))
    };
    let (old, new) = (parse("from.rs", &from_src), parse("to.rs", &to_src));
    let up = second_up(&dir, Backend::Postgres);
    assert!(up.contains("ALTER EXTENSION \"citext\" UPDATE"), "{up}");
    let migrations = FileBasedMigrations::from_path(dir.join("migrations").join("postgres"))
        .expect("diesel reads the folder");
    let mut db = Db::Pg(PgScratch::new("rows_extupd"));
    db.exec("DROP SCHEMA IF EXISTS cloacina_ext CASCADE;");
    db.step(case, "first up", &migrations);
    db.exec("CREATE TABLE hand_made (id BIGINT PRIMARY KEY, what TEXT NOT NULL);");
    db.exec(&seed_sql(Backend::Postgres, false));
    let tables = tables(Backend::Postgres, &old, &new);
    let before = dump(&mut db, &tables);
    let version = "SELECT extversion AS v FROM pg_extension WHERE extname = 'citext'";
    assert_eq!(db.texts(version), ["1.5"]);
    db.step(case, "up", &migrations);
    assert_eq!(dump(&mut db, &tables), before, "{case}: rows after up");
    let updated = db.texts(version);
    assert_ne!(updated, ["1.5"], "{case}: up updates the extension");
    let Db::Pg(scratch) = &mut db else {
        unreachable!("a PostgreSQL case")
    };
    let err = scratch
        .conn
        .revert_last_migration(migrations.clone())
        .expect_err("PostgreSQL has no downgrade path for citext");
    assert!(
        err.to_string().contains("no update path"),
        "{case}: down: {err}"
    );
    assert_eq!(
        dump(&mut db, &tables),
        before,
        "{case}: rows after the refused down"
    );
    assert_eq!(
        db.texts(version),
        updated,
        "{case}: the refused down changed nothing"
    );
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}
