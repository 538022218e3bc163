//! The one expression language on real databases: every neutral check and
//! partial-index predicate renders for both backends, the DDL applies on
//! real SQLite and PostgreSQL, both accept and reject the same rows, and
//! what PostgreSQL stores reads back as the same expression tree.
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`);
//! without one this test fails, it never skips. Run it with
//! `scripts/with-postgres.sh cargo test -p cloacina-tests --test expressions_apply`.

use cloacina_codegen::check::{ScratchPostgres, ScratchSqlite};
use cloacina_codegen::internals::expr::{self, Source};
use cloacina_codegen::internals::introspect::Database;
use cloacina_codegen::internals::normalize::{neutral_expressions, strip_derived_names};
use cloacina_codegen::internals::render::ddl::render_schema;
use cloacina_codegen::internals::render::neutral::render as render_neutral_schema;
use cloacina_codegen::model::Backend;
use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};

const SCHEMA: &str = r#"
table! {
    #[check(sql = "finished_at IS NULL OR finished_at >= started_at", name = "runs_time_order")]
    #[check(postgres = "char_length(code) = 4", sqlite = "length(code) = 4")]
    #[check(sql = "length(code) = 4 AND upper(code) = code", name = "runs_code")]
    #[check(sql = "enabled = true OR tier BETWEEN 1 AND 2", name = "runs_enabled")]
    #[check(sql = "payload IS NULL OR json_valid(payload)", name = "runs_payload")]
    #[check(sql = "kind LIKE 'job_%' AND lower(kind) = kind", name = "runs_kind")]
    #[check(sql = "owner <> '00000000-0000-0000-0000-000000000000'", name = "runs_owner")]
    #[check(sql = "started_at >= '2000-01-01T00:00:00.000000Z'", name = "runs_started")]
    #[check(sql = "coalesce(note, '') <> 'x' AND abs(tier - 2) <= 1 AND trim(kind) = kind", name = "runs_misc")]
    #[check(sql = "length(code) = 4 AND upper(code) = code AND enabled = true", name = "runs_doc_code")]
    #[check(sql = "owner <> '00000000-0000-0000-0000-000000000000' AND kind LIKE 'job_%'", name = "runs_doc_owner")]
    #[index(started_at, where = "enabled = false AND started_at >= '2024-01-01T00:00:00.000000Z'", name = "runs_doc_idx")]
    #[index(status, where = "status = 'Running'")]
    #[index(started_at, where = "enabled = false AND status IN ('Pending', 'Running')")]
    runs (id) {
        id -> Uuid,
        #[check(in("Pending", "Running", "Completed", "Failed"))] status -> Text,
        #[check(in(1, 2, 3))] tier -> SmallInt,
        #[check(json)] raw_payload -> Nullable<Text>,
        code -> Text,
        kind -> Text,
        enabled -> Bool,
        owner -> Uuid,
        note -> Nullable<Text>,
        payload -> Nullable<Text>,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}
"#;

/// The neutral checks and predicates of [`SCHEMA`], by constraint or index
/// name as PostgreSQL stores them.
const NEUTRAL: &[(&str, &str)] = &[
    (
        "runs_time_order",
        "finished_at IS NULL OR finished_at >= started_at",
    ),
    ("runs_code", "length(code) = 4 AND upper(code) = code"),
    ("runs_enabled", "enabled = true OR tier BETWEEN 1 AND 2"),
    ("runs_payload", "payload IS NULL OR json_valid(payload)"),
    ("runs_kind", "kind LIKE 'job_%' AND lower(kind) = kind"),
    (
        "runs_owner",
        "owner <> '00000000-0000-0000-0000-000000000000'",
    ),
    (
        "runs_started",
        "started_at >= '2000-01-01T00:00:00.000000Z'",
    ),
    (
        "runs_misc",
        "coalesce(note, '') <> 'x' AND abs(tier - 2) <= 1 AND trim(kind) = kind",
    ),
    (
        "runs_doc_code",
        "length(code) = 4 AND upper(code) = code AND enabled = true",
    ),
    (
        "runs_doc_owner",
        "owner <> '00000000-0000-0000-0000-000000000000' AND kind LIKE 'job_%'",
    ),
    (
        "runs_doc_idx",
        "enabled = false AND started_at >= '2024-01-01T00:00:00.000000Z'",
    ),
];

const GOOD: &str = "'Running', 1, NULL, 'ABCD', 'job_1', {yes}, {owner}, NULL, '{{}}', '2024-01-02T03:04:05.000006Z', NULL";

/// Rows both backends must reject, one per check: `(what, values)`.
const BAD: &[(&str, &str)] = &[
    ("time order", "'Running', 1, NULL, 'ABCD', 'job_1', {yes}, {owner}, NULL, NULL, '2024-01-02T03:04:05.000006Z', '2023-01-01T00:00:00.000000Z'"),
    ("code length", "'Running', 1, NULL, 'ABCDE', 'job_1', {yes}, {owner}, NULL, NULL, '2024-01-02T03:04:05.000006Z', NULL"),
    ("code case", "'Running', 1, NULL, 'abcd', 'job_1', {yes}, {owner}, NULL, NULL, '2024-01-02T03:04:05.000006Z', NULL"),
    ("enabled or tier", "'Running', 3, NULL, 'ABCD', 'job_1', {no}, {owner}, NULL, NULL, '2024-01-02T03:04:05.000006Z', NULL"),
    ("like is case-sensitive", "'Running', 1, NULL, 'ABCD', 'JOB_1', {yes}, {owner}, NULL, NULL, '2024-01-02T03:04:05.000006Z', NULL"),
    ("like wildcard _", "'Running', 1, NULL, 'ABCD', 'job', {yes}, {owner}, NULL, NULL, '2024-01-02T03:04:05.000006Z', NULL"),
    ("nil owner", "'Running', 1, NULL, 'ABCD', 'job_1', {yes}, {nil}, NULL, NULL, '2024-01-02T03:04:05.000006Z', NULL"),
    ("started before 2000", "'Running', 1, NULL, 'ABCD', 'job_1', {yes}, {owner}, NULL, NULL, '1999-12-31T23:59:59.999999Z', NULL"),
    ("note x", "'Running', 1, NULL, 'ABCD', 'job_1', {yes}, {owner}, 'x', NULL, '2024-01-02T03:04:05.000006Z', NULL"),
];

fn insert(backend: Backend, id: u32, values: &str) -> String {
    let (yes, no, owner, nil, id) = match backend {
        Backend::Postgres => (
            "TRUE".to_string(),
            "FALSE".to_string(),
            "'11111111-1111-4111-8111-111111111111'".to_string(),
            "'00000000-0000-0000-0000-000000000000'".to_string(),
            format!("'00000000-0000-4000-8000-{id:012}'"),
        ),
        Backend::Sqlite => (
            "1".into(),
            "0".into(),
            "X'11111111111141118111111111111111'".into(),
            "X'00000000000000000000000000000000'".into(),
            format!("X'0000000000004000800{id:013}'"),
        ),
    };
    let values = values
        .replace("{yes}", &yes)
        .replace("{no}", &no)
        .replace("{owner}", &owner)
        .replace("{nil}", &nil)
        .replace("{{}}", "{}");
    format!(
        "INSERT INTO runs (id, status, tier, raw_payload, code, kind, enabled, owner, note, payload, started_at, finished_at) \
         VALUES ({id}, {values});"
    )
}

fn exercise(conn: &mut dyn SimpleConnection, backend: Backend) {
    exercise_source(conn, backend, SCHEMA);
}

/// Applies the DDL of schema text `source` for `backend`, then checks that
/// the good row goes in and every bad row is refused.
fn exercise_source(conn: &mut dyn SimpleConnection, backend: Backend, source: &str) {
    let schema = cloacina_codegen::parse_str("schema.rs", source)
        .unwrap_or_else(|e| panic!("{}\n{source}", e.render()));
    let ddl = render_schema(&schema, backend);
    conn.batch_execute(&ddl)
        .unwrap_or_else(|e| panic!("{backend} DDL failed: {e}\n{ddl}"));
    let good = insert(backend, 1, GOOD);
    conn.batch_execute(&good).unwrap_or_else(|e| {
        panic!("{backend}: a row meeting every check was refused: {e}\n{good}")
    });
    for (i, (what, values)) in BAD.iter().enumerate() {
        let sql = insert(backend, 10 + i as u32, values);
        assert!(
            conn.batch_execute(&sql).is_err(),
            "{backend} accepted a row that breaks `{what}`: {sql}"
        );
    }
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    def: String,
}

#[test]
fn expressions_apply_on_sqlite() {
    let mut conn = SqliteConnection::establish(":memory:").expect("sqlite");
    exercise(&mut conn, Backend::Sqlite);
}

#[test]
fn expressions_apply_on_postgres_and_read_back() {
    let url = postgres_url();
    let mut conn =
        PgConnection::establish(&url).unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    let scratch = format!("t_{}", uuid::Uuid::new_v4().simple());
    conn.batch_execute(&format!(
        "CREATE SCHEMA {scratch}; SET search_path TO {scratch};"
    ))
    .expect("scratch schema");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        exercise(&mut conn, Backend::Postgres);
        read_back(&mut conn);
    }));
    let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {scratch} CASCADE;"));
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

fn postgres_url() -> String {
    ["CLOACINA_TEST_POSTGRES_URL", "DATABASE_URL"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| v.starts_with("postgres")))
        .unwrap_or_else(|| {
            panic!(
                "PostgreSQL tests never skip: run `scripts/with-postgres.sh cargo test -p cloacina-tests \
                 --test expressions_apply`, or set CLOACINA_TEST_POSTGRES_URL=postgres://…"
            )
        })
}

/// The schema file `inspect` writes for a database built from [`SCHEMA`].
fn inspected(db: &mut Database, backend: Backend) -> String {
    let schema = cloacina_codegen::parse_str("schema.rs", SCHEMA)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let ddl = render_schema(&schema, backend);
    db.execute(&ddl, true)
        .unwrap_or_else(|e| panic!("{backend}: {e}\n{ddl}"));
    let mut got = db.introspect().expect("introspect").schema;
    strip_derived_names(&mut got);
    neutral_expressions(&mut got);
    render_neutral_schema(&got, &[])
}

/// `inspect` of PostgreSQL, then its schema file rendered for SQLite,
/// applies and accepts and refuses the same rows; and the other way round.
#[test]
fn inspect_of_one_backend_renders_and_applies_on_the_other() {
    let url = postgres_url();
    let (_pg_guard, mut pg) = ScratchPostgres::new(&url).expect("scratch postgres");
    let from_pg = inspected(&mut pg, Backend::Postgres);
    assert!(
        !from_pg.contains("::") && !from_pg.contains("ANY") && !from_pg.contains("~~"),
        "inspect writes the neutral spelling:\n{from_pg}"
    );
    let mut lite = SqliteConnection::establish(":memory:").expect("sqlite");
    exercise_source(&mut lite, Backend::Sqlite, &from_pg);

    let (_lite_guard, mut lite_db) = ScratchSqlite::new().expect("scratch sqlite");
    let from_lite = inspected(&mut lite_db, Backend::Sqlite);
    assert!(
        !from_lite.to_ascii_uppercase().contains("GLOB") && !from_lite.contains("X'"),
        "inspect writes the neutral spelling:\n{from_lite}"
    );
    let mut conn = PgConnection::establish(&url).expect("connect");
    let scratch = format!("t_{}", uuid::Uuid::new_v4().simple());
    conn.batch_execute(&format!(
        "CREATE SCHEMA {scratch}; SET search_path TO {scratch};"
    ))
    .expect("scratch schema");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        exercise_source(&mut conn, Backend::Postgres, &from_lite);
    }));
    let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {scratch} CASCADE;"));
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

/// What PostgreSQL stores (`pg_get_constraintdef`, `pg_get_expr`) reads back
/// as the tree of the schema file's text.
fn read_back(conn: &mut PgConnection) {
    let schema = cloacina_codegen::parse_str("schema.rs", SCHEMA)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let table = &schema.tables[0];
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT conname::text AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint \
         WHERE conrelid = 'runs'::regclass AND contype = 'c' \
         UNION ALL SELECT c.relname::text, pg_get_expr(x.indpred, x.indrelid) FROM pg_index x \
         JOIN pg_class c ON c.oid = x.indexrelid WHERE x.indrelid = 'runs'::regclass AND x.indpred IS NOT NULL",
    )
    .load(conn)
    .expect("stored checks");
    let stored = |name: &str| -> String {
        let def = &rows
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("no stored `{name}`"))
            .def;
        def.strip_prefix("CHECK (")
            .and_then(|d| d.strip_suffix(')'))
            .unwrap_or(def)
            .to_string()
    };
    let mut wanted: Vec<(String, &str)> =
        NEUTRAL.iter().map(|(n, s)| (n.to_string(), *s)).collect();
    wanted.push(("runs_status_idx".into(), "status = 'Running'"));
    wanted.push((
        "runs_started_at_idx".into(),
        "enabled = false AND status IN ('Pending', 'Running')",
    ));
    for (name, source) in wanted {
        let want = expr::parse(source, Source::Neutral, table).expect("source parses");
        let text = stored(&name);
        let got = expr::parse(&text, Source::Stored(Backend::Postgres), table)
            .unwrap_or_else(|e| panic!("stored `{name}` = `{text}` does not read back: {e:?}"));
        assert_eq!(got, want, "stored `{name}` = `{text}`");
    }
}

/// Expression defaults (`#[default(sql = "...")]`), the crate docs' examples
/// among them.
const DEFAULTS: &str = r#"
table! {
    jobs (id) {
        id -> Integer,
        #[default(sql = "lower('QUEUE')")] queue -> Text,
        #[default(sql = "coalesce(NULL, 2 + 3)")] weight -> Integer,
        #[default(sql = "abs(-2) = 2")] visible -> Bool,
        #[default(sql = "upper(trim('  ab '))")] code -> Text,
        #[default(sql = "1.5 * 2")] factor -> Double,
        #[default(sql = "length('abcd') > 9 OR NOT true")] hidden -> Bool,
    }
}
table! {
    #[backend(postgres)]
    tokens (id) { id -> Integer, #[default(sql = "md5(random()::text)")] token -> Text, }
}
"#;

/// The values a row that takes every default reads as.
#[derive(QueryableByName, Debug, PartialEq)]
struct Defaults {
    #[diesel(sql_type = Text)]
    queue: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    weight: i32,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    visible: bool,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = diesel::sql_types::Double)]
    factor: f64,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    hidden: bool,
}

/// Rows of `q` on either backend.
fn diesel_query(db: &mut Database, q: &str) -> Vec<Row> {
    match db {
        Database::Postgres { conn, .. } => diesel::sql_query(q).load(conn.as_mut()),
        Database::Sqlite { conn, .. } => diesel::sql_query(q).load(conn.as_mut()),
    }
    .unwrap_or_else(|e| panic!("{q}: {e}"))
}

/// Inserts a row with only its key and reads back what the defaults gave.
fn row_taking_defaults(db: &mut Database, id: i32) -> Defaults {
    db.execute(&format!("INSERT INTO jobs (id) VALUES ({id});"), false)
        .unwrap_or_else(|e| panic!("{}: insert: {e}", db.backend()));
    let q =
        format!("SELECT queue, weight, visible, code, factor, hidden FROM jobs WHERE id = {id}");
    let rows: Vec<Defaults> = match db {
        Database::Postgres { conn, .. } => diesel::sql_query(q).load(conn.as_mut()),
        Database::Sqlite { conn, .. } => diesel::sql_query(q).load(conn.as_mut()),
    }
    .expect("read the row back");
    rows.into_iter().next().expect("one row")
}

/// Every expression default applies on both backends; a row taking them
/// reads back equal on both; `inspect` of either reads the same trees back
/// (and writes them as `sql = "..."`); a changed expression default is a
/// migration (SET DEFAULT on PostgreSQL, a rebuild on SQLite) that both
/// backends apply, after which new rows take the new default.
#[test]
fn expression_defaults_apply_read_back_equal_inspect_and_migrate_on_both_backends() {
    use cloacina_codegen::internals::diff::diff;
    use cloacina_codegen::internals::normalize::normalize_default;
    use cloacina_codegen::internals::plan;

    let v1 = cloacina_codegen::parse_str("schema.rs", DEFAULTS)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let v2_text = DEFAULTS.replace("lower('QUEUE')", "upper('queue')");
    let v2 = cloacina_codegen::parse_str("schema.rs", &v2_text)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let ops = diff(&v1, &v2).expect("diff");
    assert_eq!(ops.len(), 1, "one changed default: {ops:?}");
    // Then a NOT NULL column with an expression default is added (SQLite's
    // ADD COLUMN refuses a parenthesised default: a rebuild).
    let v3_text = v2_text.replacen(
        "id -> Integer,",
        "id -> Integer,\n        #[default(sql = \"upper('x') || ''\")] extra -> Text,",
        1,
    );
    assert!(
        cloacina_codegen::parse_str("schema.rs", &v3_text).is_err(),
        "`||` is not in the language"
    );
    let v3_text = v2_text.replacen(
        "id -> Integer,",
        "id -> Integer,\n        #[default(sql = \"upper('x')\")] extra -> Text,",
        1,
    );
    let v3 = cloacina_codegen::parse_str("schema.rs", &v3_text)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let add = diff(&v2, &v3).expect("diff");
    assert_eq!(add.len(), 1, "one added column: {add:?}");

    let url = postgres_url();
    let (_pg_guard, pg) = ScratchPostgres::new(&url).expect("scratch postgres");
    let (_lite_guard, lite) = ScratchSqlite::new().expect("scratch sqlite");
    let want = Defaults {
        queue: "queue".into(),
        weight: 5,
        visible: true,
        code: "AB".into(),
        factor: 3.0,
        hidden: false,
    };
    for mut db in [pg, lite] {
        let backend = db.backend();
        let ddl = render_schema(&v1, backend);
        db.execute(&ddl, true)
            .unwrap_or_else(|e| panic!("{backend} DDL failed: {e}\n{ddl}"));
        assert_eq!(row_taking_defaults(&mut db, 1), want, "{backend}\n{ddl}");
        // Backend SQL of a table of one backend is written as given.
        assert_eq!(
            ddl.contains("DEFAULT (md5(random()::text))"),
            backend == Backend::Postgres,
            "{ddl}"
        );
        if let Database::Postgres { conn, .. } = &mut db {
            conn.batch_execute("INSERT INTO tokens (id) VALUES (1);")
                .expect("insert a token");
            let rows: Vec<Row> =
                diesel::sql_query("SELECT 'token' AS name, token AS def FROM tokens")
                    .load(conn.as_mut())
                    .expect("read the token");
            assert_eq!(rows[0].def.len(), 32, "an md5 hex digest: {}", rows[0].def);
        }

        // inspect reads each default back as the schema file's tree.
        let got = db.introspect().expect("introspect").schema;
        let table = got.table("jobs").expect("jobs");
        for c in &v1.tables[0].columns {
            let read = table
                .column(&c.name)
                .unwrap_or_else(|| panic!("{backend}: no column {}", c.name));
            assert_eq!(
                read.default.as_ref().map(|d| normalize_default(read.ty, d)),
                c.default.as_ref().map(|d| normalize_default(c.ty, d)),
                "{backend}: default of {}",
                c.name
            );
        }
        let written = render_neutral_schema(&got, &[]);
        assert!(
            written.contains(r#"#[default(sql = "lower('QUEUE')")]"#)
                && written.contains(r#"#[default(sql = "coalesce(NULL, 2 + 3)")]"#),
            "{backend}: inspect writes expression defaults:\n{written}"
        );

        // The migration to the changed default applies; new rows take it.
        let sql = plan::render(&v1, &ops, backend);
        if backend == Backend::Postgres {
            assert!(
                sql.up.contains("SET DEFAULT (upper('queue'))"),
                "{}",
                sql.up
            );
        }
        db.execute(&sql.up, true)
            .unwrap_or_else(|e| panic!("{backend} up failed: {e}\n{}", sql.up));
        let row = row_taking_defaults(&mut db, 2);
        assert_eq!(row.queue, "QUEUE", "{backend}\n{}", sql.up);
        let added = plan::render(&v2, &add, backend);
        db.execute(&added.up, true)
            .unwrap_or_else(|e| panic!("{backend} add column failed: {e}\n{}", added.up));
        let _ = row_taking_defaults(&mut db, 4);
        let extra: Vec<Row> = diesel_query(
            &mut db,
            "SELECT 'extra' AS name, extra AS def FROM jobs WHERE id IN (1, 4)",
        );
        assert!(
            extra.len() == 2 && extra.iter().all(|r| r.def == "X"),
            "{backend}: old and new rows take the added column's default"
        );
        db.execute(&added.down, true)
            .unwrap_or_else(|e| panic!("{backend} down failed: {e}\n{}", added.down));
        db.execute(&sql.down, true)
            .unwrap_or_else(|e| panic!("{backend} down failed: {e}\n{}", sql.down));
        assert_eq!(
            row_taking_defaults(&mut db, 3),
            want,
            "{backend} after down"
        );
    }
}
