//! The rendered DDL is not just plausible text: both scripts run on real
//! databases, their defaults and type checks behave as the type map says,
//! and the drop script undoes the create script.
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`);
//! without one this test fails, it never skips. Run it with
//! `scripts/with-postgres.sh cargo test -p cloacina-tests --test ddl_applies`.

use cloacina_codegen::internals::render::ddl::{render_drop_schema, render_schema};
use cloacina_codegen::model::*;
use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};

const UUID_TEXT: &str = "0B9A6E3C-6F1D-4C7A-9E2B-5D4C3B2A1F00";
const TS_TEXT: &str = "2024-01-02T03:04:05.000006Z";
const TS_GLOB: &str = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z";

// ----- a schema using every type, default and constraint kind ------------

fn col(name: &str, ty: ColumnType) -> Column {
    Column {
        name: name.into(),
        sql_name: None,
        docs: vec![],
        ty,
        nullable: false,
        default: None,
        auto_increment: false,
        renamed_from: None,
        span: Span::default(),
        ty_span: Span::default(),
    }
}

fn null(mut c: Column) -> Column {
    c.nullable = true;
    c
}

fn def(mut c: Column, d: DefaultValue) -> Column {
    c.default = Some(d);
    c
}

fn text() -> ColumnType {
    ColumnType::Text { max_len: None }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn table(name: &str, pk: &[&str], columns: Vec<Column>) -> Table {
    Table {
        name: name.into(),
        sql_name: None,
        docs: vec![],
        scope: BackendScope::Both,
        columns,
        primary_key: strings(pk),
        primary_key_deferrable: Deferrable::No,
        foreign_keys: vec![],
        uniques: vec![],
        checks: vec![],
        indexes: vec![],
        renamed_from: None,
        span: Span::default(),
    }
}

fn fk(columns: &[&str], ref_table: &str, on_delete: FkAction, on_update: FkAction) -> ForeignKey {
    ForeignKey {
        name: None,
        columns: strings(columns),
        ref_table: ref_table.into(),
        ref_columns: strings(&["id"]),
        on_delete,
        on_update,
        deferrable: Deferrable::No,
        span: Span::default(),
    }
}

fn check(expr: CheckExpr) -> Check {
    Check {
        name: None,
        expr,
        span: Span::default(),
    }
}

fn index(columns: &[(&str, Order)], unique: bool, predicate: Option<&str>) -> Index {
    Index {
        name: None,
        columns: columns
            .iter()
            .map(|(c, o)| IndexColumn {
                column: c.to_string(),
                order: *o,
            })
            .collect(),
        unique,
        predicate: predicate.map(str::to_string),
        span: Span::default(),
    }
}

fn raw_block(name: &str, parts: &[(Backend, &str, &str)]) -> RawBlock {
    RawBlock {
        name: name.into(),
        docs: vec![],
        parts: parts
            .iter()
            .map(|(backend, up, down)| RawPart {
                backend: *backend,
                up: up.to_string(),
                down: down.to_string(),
            })
            .collect(),
        span: Span::default(),
    }
}

fn kitchen_sink() -> Schema {
    use DefaultValue as D;

    // Declared before the table it references: the renderer must reorder.
    let mut pairs = table(
        "pairs",
        &["a", "b"],
        vec![col("a", ColumnType::BigInt), col("b", text())],
    );
    pairs.foreign_keys = vec![fk(
        &["a"],
        "everything",
        FkAction::Cascade,
        FkAction::NoAction,
    )];
    pairs.uniques = vec![Unique {
        name: Some("pairs_b_a_unique".into()),
        columns: strings(&["b", "a"]),
        deferrable: Deferrable::No,
        span: Span::default(),
    }];

    let mut everything = table(
        "everything",
        &["id"],
        vec![
            Column {
                auto_increment: true,
                ..col("id", ColumnType::BigInt)
            },
            null(col("u", ColumnType::Uuid)),
            def(col("u_fixed", ColumnType::Uuid), D::Text(UUID_TEXT.into())),
            def(col("u_rand", ColumnType::Uuid), D::Uuid),
            col("t", text()),
            Column {
                sql_name: Some("short_text".into()),
                ..null(col("t_max", ColumnType::Text { max_len: Some(5) }))
            },
            def(col("label", text()), D::Text("it's".into())),
            def(col("s", ColumnType::SmallInt), D::Int(-3)),
            def(col("i", ColumnType::Integer), D::Int(7)),
            def(col("big", ColumnType::BigInt), D::Int(i64::MAX)),
            def(col("flag", ColumnType::Bool), D::Bool(true)),
            def(col("off", ColumnType::Bool), D::Bool(false)),
            def(col("ts", ColumnType::Timestamp), D::Now),
            def(
                col("ts_fixed", ColumnType::Timestamp),
                D::Text(TS_TEXT.into()),
            ),
            null(col("ts_null", ColumnType::Timestamp)),
            def(col("d", ColumnType::Double), D::Int(1)),
            def(col("d2", ColumnType::Double), D::Float(2.5)),
            null(col("bin", ColumnType::Binary)),
            def(
                col("j", ColumnType::Json),
                D::Text(r#"{"a": [1, 2], "q": "it's"}"#.into()),
            ),
            null(col("meta", text())),
            def(col("status", text()), D::Text("Pending".into())),
            def(col("kind", ColumnType::Integer), D::Int(1)),
            null(col("parent_id", ColumnType::Uuid)),
        ],
    );
    everything.docs = strings(&[" Every type, default and constraint.", "", " It's big."]);
    everything.columns[4].docs = strings(&[" Free text."]);
    everything.foreign_keys = vec![fk(
        &["parent_id"],
        "parents",
        FkAction::SetNull,
        FkAction::Cascade,
    )];
    everything.uniques = vec![Unique {
        name: None,
        columns: strings(&["t", "s"]),
        deferrable: Deferrable::No,
        span: Span::default(),
    }];
    everything.checks = vec![
        check(CheckExpr::JsonValid {
            column: "meta".into(),
        }),
        check(CheckExpr::In {
            column: "status".into(),
            values: vec![
                Literal::Text("Pending".into()),
                Literal::Text("Running".into()),
                Literal::Text("It's done".into()),
            ],
        }),
        check(CheckExpr::In {
            column: "kind".into(),
            values: vec![Literal::Int(1), Literal::Int(2), Literal::Int(-3)],
        }),
        check(CheckExpr::Raw {
            sql: Some("d >= 0".into()),
            postgres: None,
            sqlite: None,
        }),
        check(CheckExpr::Raw {
            sql: None,
            postgres: Some("octet_length(bin) <= 4".into()),
            sqlite: Some("length(bin) <= 4".into()),
        }),
    ];
    everything.indexes = vec![
        index(&[("status", Order::Asc)], false, Some("status = 'Running'")),
        index(&[("ts", Order::Desc), ("id", Order::Asc)], false, None),
        index(&[("u_rand", Order::Asc)], true, None),
        Index {
            name: Some("everything_short".into()),
            ..index(
                &[("t_max", Order::Desc)],
                true,
                Some("short_text IS NOT NULL"),
            )
        },
    ];

    let mut parents = table(
        "parents",
        &["id"],
        vec![
            def(col("id", ColumnType::Uuid), D::Uuid),
            def(
                col("name", ColumnType::Text { max_len: Some(20) }),
                D::Text("it's".into()),
            ),
            def(col("created_at", ColumnType::Timestamp), D::Now),
            def(
                col("fixed_at", ColumnType::Timestamp),
                D::Text(TS_TEXT.into()),
            ),
        ],
    );
    parents.sql_name = Some("parent_rows".into());
    parents.docs = strings(&[" Parents."]);
    parents.columns[0].docs = strings(&[" The key."]);

    let mut tree = table(
        "tree",
        &["id"],
        vec![
            col("id", ColumnType::Integer),
            null(col("parent", ColumnType::Integer)),
        ],
    );
    tree.foreign_keys = vec![fk(
        &["parent"],
        "tree",
        FkAction::Cascade,
        FkAction::NoAction,
    )];
    tree.indexes = vec![index(&[("parent", Order::Asc)], false, None)];

    let mut cyc_a = table(
        "cyc_a",
        &["id"],
        vec![
            col("id", ColumnType::BigInt),
            null(col("b_id", ColumnType::BigInt)),
        ],
    );
    cyc_a.foreign_keys = vec![fk(
        &["b_id"],
        "cyc_b",
        FkAction::Restrict,
        FkAction::NoAction,
    )];
    let mut cyc_b = table(
        "cyc_b",
        &["id"],
        vec![
            col("id", ColumnType::BigInt),
            null(col("a_id", ColumnType::BigInt)),
        ],
    );
    cyc_b.foreign_keys = vec![fk(
        &["a_id"],
        "cyc_a",
        FkAction::SetNull,
        FkAction::NoAction,
    )];

    let mut pg_only = table(
        "pg_only",
        &["id"],
        vec![
            def(col("id", ColumnType::Uuid), D::Uuid),
            null(col("payload", ColumnType::Json)),
        ],
    );
    pg_only.scope = BackendScope::Only(Backend::Postgres);
    let mut lite_only = table(
        "lite_only",
        &["id"],
        vec![Column {
            auto_increment: true,
            ..col("id", ColumnType::Integer)
        }],
    );
    lite_only.scope = BackendScope::Only(Backend::Sqlite);

    Schema {
        tables: vec![
            pairs, everything, parents, tree, cyc_a, cyc_b, pg_only, lite_only,
        ],
        raw_blocks: vec![
            raw_block(
                "parent_names",
                &[
                    (
                        Backend::Postgres,
                        "CREATE VIEW parent_names AS SELECT name FROM parent_rows;",
                        "DROP VIEW parent_names;",
                    ),
                    (
                        Backend::Sqlite,
                        "CREATE VIEW parent_names AS SELECT name FROM parent_rows;",
                        "DROP VIEW parent_names;",
                    ),
                ],
            ),
            raw_block(
                "json_gin",
                &[(
                    Backend::Postgres,
                    "\nCREATE INDEX everything_j_gin ON everything USING gin (j);\n",
                    "DROP INDEX everything_j_gin;",
                )],
            ),
        ],
        extensions: vec![],
        enums: vec![],
        custom_types: vec![],
    }
}

// ----- a tiny database interface over both connections -------------------

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Text)]
    v: String,
}

trait Db {
    fn exec(&mut self, sql: &str) -> Result<(), String>;
    /// Runs a query whose one column `v` is text.
    fn texts(&mut self, sql: &str) -> Vec<String>;
    fn text(&mut self, sql: &str) -> String {
        let mut rows = self.texts(sql);
        assert_eq!(rows.len(), 1, "{sql}");
        rows.remove(0)
    }
}

macro_rules! impl_db {
    ($conn:ty) => {
        impl Db for $conn {
            fn exec(&mut self, sql: &str) -> Result<(), String> {
                self.batch_execute(sql).map_err(|e| e.to_string())
            }
            fn texts(&mut self, sql: &str) -> Vec<String> {
                diesel::sql_query(sql)
                    .load::<TextRow>(self)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
                    .into_iter()
                    .map(|r| r.v)
                    .collect()
            }
        }
    };
}

impl_db!(SqliteConnection);
impl_db!(PgConnection);

fn apply(db: &mut dyn Db, sql: &str, what: &str) {
    if let Err(e) = db.exec(sql) {
        panic!("{what} failed: {e}\n--- script ---\n{sql}");
    }
}

/// A statement a backend must reject, and a fragment of the error that
/// shows it was rejected for the intended reason.
type Rejection = Option<(String, &'static str)>;

/// Statements each backend must reject: `(what, postgres, sqlite)`.
fn rejected() -> Vec<(&'static str, Rejection, Rejection)> {
    let insert = |what: &str, column: &str, value: &str| {
        format!("INSERT INTO everything (t, {column}) VALUES ('{what}', {value})")
    };
    let case =
        |what: &'static str, column: &str, pg: (&str, &'static str), lite: (&str, &'static str)| {
            (
                what,
                Some((insert(what, column, pg.0), pg.1)),
                Some((insert(what, column, lite.0), lite.1)),
            )
        };
    let sqlite_only = |what: &'static str, column: &str, value: &str, error: &'static str| {
        (what, None, Some((insert(what, column, value), error)))
    };
    vec![
        case("bool 2", "flag", ("2", "boolean"), ("2", "flag IN (0, 1)")),
        case(
            "smallint 40000",
            "s",
            ("40000", "smallint out of range"),
            ("40000", "s BETWEEN"),
        ),
        case(
            "smallint -32769",
            "s",
            ("-32769", "smallint out of range"),
            ("-32769", "s BETWEEN"),
        ),
        case(
            "integer 2^31",
            "i",
            ("2147483648", "integer out of range"),
            ("2147483648", "i BETWEEN"),
        ),
        case(
            "integer -2^31-1",
            "i",
            ("-2147483649", "integer out of range"),
            ("-2147483649", "i BETWEEN"),
        ),
        case(
            "text over max_len",
            "short_text",
            ("'abcdef'", "value too long"),
            ("'abcdef'", "length(short_text) <= 5"),
        ),
        case(
            "json column invalid",
            "j",
            ("'{'", "type json"),
            ("'{'", "json_valid(j)"),
        ),
        case(
            "json_valid check",
            "meta",
            ("'nope'", "type json"),
            ("'nope'", "everything_meta_check"),
        ),
        case(
            "in check text",
            "status",
            ("'Bogus'", "everything_status_check"),
            ("'Bogus'", "everything_status_check"),
        ),
        case(
            "in check int",
            "kind",
            ("3", "everything_kind_check"),
            ("3", "everything_kind_check"),
        ),
        case(
            "raw check",
            "d",
            ("-1.0", "everything_check1"),
            ("-1.0", "everything_check1"),
        ),
        case(
            "not null",
            "label",
            ("NULL", "not-null"),
            ("NULL", "NOT NULL"),
        ),
        case(
            "raw check per backend",
            "bin",
            ("'\\x0102030405'::bytea", "everything_check2"),
            ("X'0102030405'", "everything_check2"),
        ),
        case(
            "foreign key",
            "parent_id",
            (
                "'00000000-0000-4000-8000-000000000000'",
                "everything_parent_id_fkey",
            ),
            ("X'00000000000040008000000000000000'", "FOREIGN KEY"),
        ),
        case(
            "uuid 15 bytes",
            "u",
            ("'0b9a6e3c-6f1d-4c7a-9e2b-5d4c3b2a1f'", "type uuid"),
            ("X'0b9a6e3c6f1d4c7a9e2b5d4c3b2a1f'", "length(u) = 16"),
        ),
        // PostgreSQL parses any timestamp spelling; SQLite stores text, so
        // only the one canonical form may get in.
        sqlite_only(
            "timestamp with a space",
            "ts",
            "'2024-01-02 03:04:05.000000Z'",
            "ts GLOB",
        ),
        sqlite_only(
            "timestamp without micros",
            "ts",
            "'2024-01-02T03:04:05Z'",
            "ts GLOB",
        ),
        sqlite_only(
            "timestamp with offset",
            "ts",
            "'2024-01-02T03:04:05.000000+01:00'",
            "ts GLOB",
        ),
        (
            "unique (t, s)",
            Some((
                "INSERT INTO everything (t) VALUES ('row')".into(),
                "everything_t_s_key",
            )),
            Some(("INSERT INTO everything (t) VALUES ('row')".into(), "UNIQUE")),
        ),
    ]
}

fn assert_rejections(db: &mut dyn Db, backend: Backend) {
    for (what, pg, lite) in rejected() {
        let case = match backend {
            Backend::Postgres => pg,
            Backend::Sqlite => lite,
        };
        if let Some((sql, fragment)) = case {
            match db.exec(&sql) {
                Ok(()) => panic!("{backend}: {what} was accepted: {sql}"),
                Err(e) => assert!(
                    e.contains(fragment),
                    "{backend}: {what} failed for another reason than {fragment:?}: {e}"
                ),
            }
        }
    }
}

fn assert_uuid_v4_hex(hex: &str) {
    let hex = hex.replace('-', "").to_ascii_uppercase();
    assert_eq!(hex.len(), 32, "{hex}");
    assert!(hex.chars().all(|c| c.is_ascii_hexdigit()), "{hex}");
    assert_eq!(&hex[12..13], "4", "version nibble of {hex}");
    assert!("89AB".contains(&hex[16..17]), "variant nibble of {hex}");
}

// ----- SQLite -------------------------------------------------------------

#[test]
fn sqlite_ddl_applies() {
    let schema = kitchen_sink();
    let up = render_schema(&schema, Backend::Sqlite);
    let down = render_drop_schema(&schema, Backend::Sqlite);
    let mut conn = SqliteConnection::establish(":memory:").expect("in-memory SQLite");
    let db: &mut dyn Db = &mut conn;
    apply(db, "PRAGMA foreign_keys = ON;", "foreign keys on");

    for round in 0..2 {
        apply(db, &up, "up.sql");
        for _ in 0..32 {
            apply(
                db,
                "INSERT INTO parent_rows DEFAULT VALUES;",
                "insert defaults",
            );
        }

        // The random UUID default: 16 bytes, version 4, RFC variant.
        assert_eq!(
            db.texts("SELECT CAST(length(id) AS TEXT) AS v FROM parent_rows GROUP BY length(id)"),
            ["16"]
        );
        let ids = db.texts("SELECT hex(id) AS v FROM parent_rows");
        for hex in &ids {
            assert_uuid_v4_hex(hex);
        }
        let distinct = db.text("SELECT CAST(count(DISTINCT id) AS TEXT) AS v FROM parent_rows");
        assert_eq!(distinct, "32");

        // The now default: canonical text, passes the GLOB, is now (UTC).
        let created = db.text("SELECT created_at AS v FROM parent_rows LIMIT 1");
        assert_eq!(created.len(), 27, "{created}");
        let glob_ok = db.text(&format!(
            "SELECT CAST(created_at GLOB '{TS_GLOB}' AS TEXT) AS v FROM parent_rows LIMIT 1"
        ));
        assert_eq!(glob_ok, "1");
        let parsed = chrono::DateTime::parse_from_rfc3339(&created).expect("RFC 3339");
        let age = chrono::Utc::now().signed_duration_since(parsed);
        assert!(age.num_seconds().abs() < 60, "now default is {created}");
        assert_eq!(
            db.text("SELECT fixed_at AS v FROM parent_rows LIMIT 1"),
            TS_TEXT
        );
        assert_eq!(
            db.text("SELECT name AS v FROM parent_names LIMIT 1"),
            "it's"
        );

        // Every other default on a row that gives only the required column.
        apply(
            db,
            "INSERT INTO everything (t) VALUES ('row');",
            "insert everything",
        );
        let row = db.text(
            "SELECT id || '|' || lower(hex(u_fixed)) || '|' || length(u_rand) || '|' || label \
             || '|' || s || '|' || i || '|' || big || '|' || flag || '|' || off || '|' \
             || ts_fixed || '|' || d || '|' || d2 || '|' || json_extract(j, '$.q') || '|' \
             || status || '|' || kind AS v FROM everything",
        );
        assert_eq!(
            row,
            format!(
                "1|{}|16|it's|-3|7|{}|1|0|{TS_TEXT}|1.0|2.5|it's|Pending|1",
                UUID_TEXT.replace('-', "").to_ascii_lowercase(),
                i64::MAX
            )
        );
        let ts = db.text("SELECT ts AS v FROM everything");
        assert!(chrono::DateTime::parse_from_rfc3339(&ts).is_ok(), "{ts}");

        // Values at the edges are accepted.
        apply(
            db,
            "INSERT INTO everything (t, s, i, short_text, flag, bin, meta, status, kind, ts, parent_id) \
             VALUES ('edges', -32768, -2147483648, 'abcde', 0, X'01020304', '[1]', 'It''s done', -3, \
             '1999-12-31T23:59:59.999999Z', (SELECT id FROM parent_rows LIMIT 1));",
            "edge values",
        );
        apply(
            db,
            "INSERT INTO pairs (a, b) VALUES (1, 'x');",
            "composite key",
        );
        apply(
            db,
            "INSERT INTO tree (id, parent) VALUES (1, NULL), (2, 1);",
            "self reference",
        );
        apply(
            db,
            "INSERT INTO lite_only DEFAULT VALUES;",
            "auto-increment",
        );
        apply(
            db,
            "INSERT INTO cyc_a (id) VALUES (1); INSERT INTO cyc_b (id, a_id) VALUES (1, 1); \
             UPDATE cyc_a SET b_id = 1;",
            "cycle",
        );

        assert_rejections(db, Backend::Sqlite);

        // ON DELETE CASCADE / SET NULL behave.
        apply(
            db,
            "DELETE FROM everything WHERE t = 'row';",
            "cascade delete",
        );
        assert_eq!(
            db.text("SELECT CAST(count(*) AS TEXT) AS v FROM pairs"),
            "0"
        );
        apply(db, "DELETE FROM parent_rows;", "set null delete");
        assert_eq!(
            db.text("SELECT CAST(count(*) AS TEXT) AS v FROM everything WHERE parent_id IS NULL"),
            "1"
        );

        // As a migration runs: in one transaction.
        apply(db, &format!("BEGIN;\n{down}COMMIT;"), "down.sql");
        let left = db.texts(
            "SELECT name AS v FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
        );
        assert!(left.is_empty(), "round {round}: down.sql left {left:?}");
    }
}

// ----- PostgreSQL ---------------------------------------------------------

fn postgres_url() -> String {
    let url = ["CLOACINA_TEST_POSTGRES_URL", "DATABASE_URL"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    match url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => url,
        other => panic!(
            "PostgreSQL tests never skip, and no PostgreSQL server was given \
             (CLOACINA_TEST_POSTGRES_URL / DATABASE_URL: {other:?}). Run the tests through \
             `scripts/with-postgres.sh cargo test -p cloacina-tests --test ddl_applies`, which \
             starts a throwaway server, or set CLOACINA_TEST_POSTGRES_URL=postgres://…"
        ),
    }
}

/// A connection whose `search_path` is a fresh schema, dropped on every exit.
struct PgScratch {
    conn: PgConnection,
    schema: String,
}

impl PgScratch {
    fn new() -> Self {
        let url = postgres_url();
        let mut conn = PgConnection::establish(&url)
            .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        conn.batch_execute(&format!(
            "CREATE SCHEMA {schema}; SET search_path TO {schema};"
        ))
        .expect("create scratch schema");
        PgScratch { conn, schema }
    }
}

impl Drop for PgScratch {
    fn drop(&mut self) {
        let _ = self
            .conn
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE;", self.schema));
    }
}

#[test]
fn postgres_ddl_applies() {
    let schema = kitchen_sink();
    let up = render_schema(&schema, Backend::Postgres);
    let down = render_drop_schema(&schema, Backend::Postgres);
    assert!(up.contains("ALTER TABLE cyc_a ADD CONSTRAINT"), "{up}");
    let mut scratch = PgScratch::new();
    let db: &mut dyn Db = &mut scratch.conn;
    // A far-off session time zone: defaults must not depend on it.
    apply(db, "SET TIME ZONE 'Pacific/Kiritimati';", "time zone");

    for round in 0..2 {
        apply(db, &up, "up.sql");
        for _ in 0..8 {
            apply(
                db,
                "INSERT INTO parent_rows DEFAULT VALUES;",
                "insert defaults",
            );
        }
        for id in db.texts("SELECT id::text AS v FROM parent_rows") {
            assert_uuid_v4_hex(&id);
        }
        let created = db.text(
            "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS v \
             FROM parent_rows LIMIT 1",
        );
        let parsed = chrono::DateTime::parse_from_rfc3339(&created).expect("RFC 3339");
        let age = chrono::Utc::now().signed_duration_since(parsed);
        assert!(age.num_seconds().abs() < 60, "now default is {created}");
        let fixed = db.text(
            "SELECT to_char(fixed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS v \
             FROM parent_rows LIMIT 1",
        );
        assert_eq!(
            fixed, TS_TEXT,
            "a literal default is the same instant in any time zone"
        );
        assert_eq!(
            db.text("SELECT name AS v FROM parent_names LIMIT 1"),
            "it's"
        );

        apply(
            db,
            "INSERT INTO everything (t) VALUES ('row');",
            "insert everything",
        );
        let row = db.text(
            "SELECT concat_ws('|', id, u_fixed, length(u_rand::text), label, s, i, \
             big, flag, off, to_char(ts_fixed AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), \
             d, d2, j->>'q', status, kind) AS v FROM everything",
        );
        assert_eq!(
            row,
            format!(
                "1|{}|36|it's|-3|7|{}|t|f|{TS_TEXT}|1|2.5|it's|Pending|1",
                UUID_TEXT.to_ascii_lowercase(),
                i64::MAX
            )
        );

        apply(
            db,
            "INSERT INTO everything (t, s, i, short_text, flag, bin, meta, status, kind, ts, parent_id) \
             VALUES ('edges', -32768, -2147483648, 'abcde', FALSE, '\\x01020304'::bytea, '[1]', \
             'It''s done', -3, '1999-12-31T23:59:59.999999Z', (SELECT id FROM parent_rows LIMIT 1));",
            "edge values",
        );
        apply(
            db,
            "INSERT INTO pairs (a, b) VALUES (1, 'x');",
            "composite key",
        );
        apply(
            db,
            "INSERT INTO tree (id, parent) VALUES (1, NULL), (2, 1);",
            "self reference",
        );
        apply(
            db,
            "INSERT INTO pg_only (payload) VALUES ('{}');",
            "backend-only table",
        );
        apply(
            db,
            "INSERT INTO cyc_a (id) VALUES (1); INSERT INTO cyc_b (id, a_id) VALUES (1, 1); \
             UPDATE cyc_a SET b_id = 1;",
            "cycle",
        );

        assert_rejections(db, Backend::Postgres);

        apply(
            db,
            "DELETE FROM everything WHERE t = 'row';",
            "cascade delete",
        );
        assert_eq!(db.text("SELECT count(*)::text AS v FROM pairs"), "0");
        apply(db, "DELETE FROM parent_rows;", "set null delete");
        assert_eq!(
            db.text("SELECT count(*)::text AS v FROM everything WHERE parent_id IS NULL"),
            "1"
        );
        let comment = db.text("SELECT obj_description('everything'::regclass, 'pg_class') AS v");
        assert_eq!(comment, "Every type, default and constraint.\n\nIt's big.");

        // As a migration runs: in one transaction.
        apply(db, &format!("BEGIN;\n{down}COMMIT;"), "down.sql");
        let left = db.texts(
            "SELECT c.relname::text AS v FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() ORDER BY 1",
        );
        assert!(left.is_empty(), "round {round}: down.sql left {left:?}");
    }
}
