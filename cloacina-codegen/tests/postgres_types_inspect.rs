//! `inspect` reads PostgreSQL's arrays (of UUIDs, calendar values and
//! `jsonb` too), integer, time and date ranges, `interval`, `money`, `oid`,
//! `macaddr`, `macaddr8`, `citext` (its extension read as
//! `#![postgres_extensions(citext)]`), `inet` and `cidr` as the first-class PostgreSQL-only types. One database
//! cannot say whether the application also runs on SQLite, so a table with
//! such columns stays on both backends and carries them (and the indexes
//! and unique constraints naming them) as PostgreSQL raw SQL, with a note
//! saying to scope the table for first-class columns; a table whose key
//! has such a type cannot exist on SQLite and is scoped to PostgreSQL,
//! every column first class, defaults and indexes kept. Rendering the file
//! for PostgreSQL and inspecting again gives the same schema, and the file
//! applies on SQLite.
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`);
//! without a server these tests fail with instructions; they never skip.

#![cfg(feature = "live")]

mod live_support;

use cloacina_codegen::check::{with_database, ScratchPostgres, ScratchSqlite};
use cloacina_codegen::internals::render::ddl::render_schema;
use cloacina_codegen::model::{
    Backend, BackendScope, ColumnType, DefaultValue, PgElem, PgRange, PgType,
};
use live_support::{inspect_ok, TempDir};

const APP_PG: &str = "
CREATE EXTENSION IF NOT EXISTS citext;
CREATE TABLE users (id BIGINT PRIMARY KEY, name TEXT NOT NULL);
-- Keyed by a range: PostgreSQL only, every column first class.
CREATE TABLE slots (
    days INT4RANGE PRIMARY KEY,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    tags TEXT[] NOT NULL DEFAULT '{}',
    scores INTEGER[],
    small SMALLINT[],
    big BIGINT[],
    flags BOOLEAN[],
    weights DOUBLE PRECISION[],
    ratios REAL[],
    blobs BYTEA[],
    ids INT8RANGE,
    grace INTERVAL NOT NULL DEFAULT '01:00:00',
    balance MONEY,
    owner OID,
    device MACADDR,
    device64 MACADDR8,
    email CITEXT NOT NULL DEFAULT 'Nobody@Example.com',
    client INET NOT NULL DEFAULT '127.0.0.1',
    network CIDR,
    during TSTZRANGE,
    wall TSRANGE NOT NULL DEFAULT '[2024-01-01 00:00:00,2024-01-02 00:00:00)',
    billing DATERANGE DEFAULT '[2024-01-01,2024-02-01)',
    keys UUID[],
    seen TIMESTAMPTZ[],
    local_seen TIMESTAMP[],
    dates DATE[],
    times TIME[],
    docs JSONB[] NOT NULL DEFAULT '{}',
    amounts NUMERIC(10,2)[] NOT NULL DEFAULT '{1.5,-2}'
);
-- Keyed by an address: PostgreSQL only too.
CREATE TABLE hosts (
    addr INET PRIMARY KEY,
    net CIDR NOT NULL DEFAULT '10.0.0.0/8',
    up TSTZRANGE,
    -- Milliseconds: read as the microsecond element, with a note.
    stamps TIMESTAMP(3)[]
);
CREATE INDEX hosts_net_idx ON hosts (net);
CREATE INDEX slots_user_idx ON slots (user_id);
-- Keyed neutrally: stays on both backends, the array carried.
CREATE TABLE profiles (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    bio TEXT,
    labels TEXT[] NOT NULL DEFAULT '{a}',
    CONSTRAINT profiles_labels_key UNIQUE (labels)
);
CREATE INDEX profiles_labels_idx ON profiles (labels, bio);
";

fn ty(t: &cloacina_codegen::model::Table, name: &str) -> (ColumnType, bool) {
    let c = t.column(name).unwrap_or_else(|| panic!("no column {name}"));
    (c.ty, c.nullable)
}

#[test]
fn inspect_reads_postgres_only_types_first_class_in_a_postgres_scoped_table() {
    let dir = TempDir::new("inspect-pg-types");
    let url = live_support::postgres_url();
    let (g1, mut db1) = ScratchPostgres::new(&url).expect("postgres");
    db1.execute(APP_PG, true).expect("ddl");
    drop(db1);
    let first = dir.path().join("first.rs");
    let (written, schema) = inspect_ok(&with_database(&url, &g1.name), &first);

    let p = schema.table("slots").expect("slots");
    assert_eq!(p.scope, BackendScope::Only(Backend::Postgres), "{written}");
    let pg = |t: PgType| ColumnType::Postgres(t);
    assert_eq!(ty(p, "days"), (pg(PgType::Range(PgRange::Integer)), false));
    assert_eq!(ty(p, "tags"), (pg(PgType::Array(PgElem::Text)), false));
    assert_eq!(ty(p, "scores"), (pg(PgType::Array(PgElem::Integer)), true));
    assert_eq!(ty(p, "small"), (pg(PgType::Array(PgElem::SmallInt)), true));
    assert_eq!(ty(p, "big"), (pg(PgType::Array(PgElem::BigInt)), true));
    assert_eq!(ty(p, "flags"), (pg(PgType::Array(PgElem::Bool)), true));
    assert_eq!(ty(p, "weights"), (pg(PgType::Array(PgElem::Double)), true));
    assert_eq!(ty(p, "ratios"), (pg(PgType::Array(PgElem::Float)), true));
    assert_eq!(ty(p, "blobs"), (pg(PgType::Array(PgElem::Binary)), true));
    assert_eq!(ty(p, "ids"), (pg(PgType::Range(PgRange::BigInt)), true));
    assert_eq!(ty(p, "grace"), (pg(PgType::Interval), false));
    assert_eq!(ty(p, "balance"), (pg(PgType::Money), true));
    assert_eq!(ty(p, "owner"), (pg(PgType::Oid), true));
    assert_eq!(ty(p, "device"), (pg(PgType::MacAddr), true));
    assert_eq!(ty(p, "device64"), (pg(PgType::MacAddr8), true));
    // The installed extension is declared, and its type is first class.
    assert_eq!(schema.extensions, ["citext"], "{written}");
    assert!(
        written.contains("#![postgres_extensions(citext)]\n"),
        "{written}"
    );
    assert!(!written.contains("CREATE EXTENSION"), "{written}");
    assert_eq!(ty(p, "email"), (pg(PgType::Citext), false));
    assert_eq!(ty(p, "client"), (pg(PgType::Inet), false));
    assert_eq!(ty(p, "network"), (pg(PgType::Cidr), true));
    assert_eq!(
        ty(p, "during"),
        (pg(PgType::Range(PgRange::Timestamp)), true)
    );
    assert_eq!(
        ty(p, "wall"),
        (pg(PgType::Range(PgRange::NaiveTimestamp)), false)
    );
    assert_eq!(ty(p, "billing"), (pg(PgType::Range(PgRange::Date)), true));
    assert_eq!(ty(p, "keys"), (pg(PgType::Array(PgElem::Uuid)), true));
    assert_eq!(ty(p, "seen"), (pg(PgType::Array(PgElem::Timestamp)), true));
    assert_eq!(
        ty(p, "local_seen"),
        (pg(PgType::Array(PgElem::NaiveTimestamp)), true)
    );
    assert_eq!(ty(p, "dates"), (pg(PgType::Array(PgElem::Date)), true));
    assert_eq!(ty(p, "times"), (pg(PgType::Array(PgElem::Time)), true));
    assert_eq!(ty(p, "docs"), (pg(PgType::Array(PgElem::Json)), false));
    assert_eq!(
        ty(p, "amounts"),
        (
            pg(PgType::Array(PgElem::Decimal {
                precision: 10,
                scale: 2
            })),
            false
        )
    );
    let hosts = schema.table("hosts").expect("hosts");
    assert_eq!(
        hosts.scope,
        BackendScope::Only(Backend::Postgres),
        "{written}"
    );
    assert_eq!(ty(hosts, "addr"), (pg(PgType::Inet), false));
    assert_eq!(ty(hosts, "net"), (pg(PgType::Cidr), false));
    assert_eq!(
        ty(hosts, "up"),
        (pg(PgType::Range(PgRange::Timestamp)), true)
    );
    assert_eq!(hosts.indexes.len(), 1, "{written}");
    assert_eq!(
        ty(hosts, "stamps"),
        (pg(PgType::Array(PgElem::NaiveTimestamp)), true)
    );
    assert!(
        written.lines().any(|l| l.starts_with("//")
            && l.contains("hosts.stamps")
            && l.contains("Array<NaiveTimestamp> (microseconds)")),
        "no note on the rounding array:\n{written}"
    );
    let default = |c: &str| p.column(c).and_then(|c| c.default.clone());
    assert_eq!(
        default("tags"),
        Some(DefaultValue::Text("{}".into())),
        "{written}"
    );
    assert_eq!(
        default("grace"),
        Some(DefaultValue::Text("01:00:00".into()))
    );
    assert_eq!(
        default("client"),
        Some(DefaultValue::Text("127.0.0.1".into()))
    );
    assert_eq!(
        default("wall"),
        Some(DefaultValue::Text(
            "[\"2024-01-01 00:00:00\",\"2024-01-02 00:00:00\")".into()
        )),
        "{written}"
    );
    // The default's literal as written (a row gets 1.50 and -2.00).
    assert_eq!(
        default("amounts"),
        Some(DefaultValue::Text("{1.5,-2}".into())),
        "{written}"
    );
    assert_eq!(
        default("billing"),
        Some(DefaultValue::Text("[2024-01-01,2024-02-01)".into()))
    );
    assert_eq!((p.indexes.len(), p.foreign_keys.len()), (1, 1), "{written}");
    assert!(written.contains("tags -> Array<Text>"), "{written}");
    assert!(written.contains("days -> Range<Integer>"), "{written}");
    assert!(
        written.lines().any(|l| l.starts_with("//")
            && l.contains("slots")
            && l.contains("scoped to postgres")),
        "{written}"
    );

    // profiles stays on both backends; its array column, the unique
    // constraint and the index naming it are carried as PostgreSQL raw SQL.
    let profiles = schema.table("profiles").expect("profiles");
    assert_eq!(profiles.scope, BackendScope::Both);
    assert!(profiles.column("labels").is_none(), "{written}");
    assert!(
        profiles.indexes.is_empty() && profiles.uniques.is_empty(),
        "{written}"
    );
    let raw: String = schema
        .raw_blocks
        .iter()
        .filter_map(|b| b.part(Backend::Postgres))
        .map(|p| p.up.clone())
        .collect();
    for sql in [
        "ADD COLUMN \"labels\" TEXT[] NOT NULL DEFAULT '{a}'::TEXT[]",
        "ADD CONSTRAINT \"profiles_labels_key\" UNIQUE (\"labels\")",
        "CREATE INDEX \"profiles_labels_idx\" ON \"profiles\" (\"labels\", \"bio\")",
    ] {
        assert!(raw.contains(sql), "{sql}:\n{written}");
    }
    assert!(
        written.contains("scope the table to postgres to get a first-class column"),
        "{written}"
    );

    // Render for PostgreSQL, apply, inspect again: the same schema.
    let (g2, mut db2) = ScratchPostgres::new(&url).expect("postgres");
    let ddl = render_schema(&schema, Backend::Postgres);
    db2.execute(&ddl, true)
        .unwrap_or_else(|e| panic!("apply: {e}\n{ddl}"));
    drop(db2);
    let second = dir.path().join("second.rs");
    let (_, schema2) = inspect_ok(&with_database(&url, &g2.name), &second);
    assert_eq!(schema, schema2);
    // The same file applies on SQLite, without the PostgreSQL-only table.
    let (_g, mut lite) = ScratchSqlite::new().expect("sqlite");
    let lite_ddl = render_schema(&schema, Backend::Sqlite);
    assert!(!lite_ddl.contains("slots"), "{lite_ddl}");
    assert!(!lite_ddl.contains("hosts"), "{lite_ddl}");
    lite.execute(&lite_ddl, true)
        .unwrap_or_else(|e| panic!("on sqlite: {e}"));
}

/// A migration on an existing database declares `citext` and adds a
/// `Citext` column: `up.sql` creates the extension first, the column then
/// compares without regard to case, and `down.sql` removes the column and
/// then the extension.
#[test]
fn a_migration_adds_the_citext_extension_and_a_citext_column() {
    use cloacina_codegen::internals::diff::changes;
    use cloacina_codegen::internals::plan::render;
    let v1 =
        "table! {\n    #[backend(postgres)]\n    people (id) {\n        id -> BigInt,\n    }\n}\n";
    let v2 = format!(
        "#![postgres_extensions(citext)]\n\n{}",
        v1.replace(
            "id -> BigInt,\n",
            "id -> BigInt,\n        email -> Nullable<Citext>,\n"
        )
    );
    let old = cloacina_codegen::parse_str("v1.rs", v1).expect("v1");
    let new = cloacina_codegen::parse_str("v2.rs", &v2).expect("v2");
    let ops = changes(&old, &new).expect("diff").operations;
    let sql = render(&old, &ops, Backend::Postgres);
    let ext = sql.up.find("CREATE EXTENSION IF NOT EXISTS \"citext\";");
    let col = sql.up.find("CITEXT");
    assert!(ext.is_some() && ext < col, "{}", sql.up);

    let url = live_support::postgres_url();
    let (_g, mut db) = ScratchPostgres::new(&url).expect("postgres");
    db.execute(&render_schema(&old, Backend::Postgres), true)
        .expect("v1 ddl");
    db.execute(&sql.up, true)
        .unwrap_or_else(|e| panic!("up: {e}\n{}", sql.up));
    db.execute(
        "INSERT INTO people (id, email) VALUES (1, 'a@x');
         DO $$ BEGIN
           IF NOT EXISTS (SELECT 1 FROM people WHERE email = 'A@X') THEN
             RAISE EXCEPTION 'citext did not compare without regard to case';
           END IF;
         END $$;",
        true,
    )
    .expect("case-insensitive equality");
    db.execute(&sql.down, true)
        .unwrap_or_else(|e| panic!("down: {e}\n{}", sql.down));
    db.execute(
        "DO $$ BEGIN
           IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citext') THEN
             RAISE EXCEPTION 'down.sql left the citext extension';
           END IF;
           IF NOT EXISTS (SELECT 1 FROM people WHERE id = 1) THEN
             RAISE EXCEPTION 'down.sql lost the row';
           END IF;
         END $$;",
        true,
    )
    .expect("down removes the extension, keeps the table");
}

/// `tsvector` and `numrange` are first class in a table keyed by a range
/// (scoped to PostgreSQL): a defaulted and a nullable tsvector as columns,
/// a NOT NULL one without a default carried as raw SQL (the insert model
/// leaves a tsvector out, so the schema language needs it nullable or with
/// a default), the GIN index on it carried as raw SQL (the language's
/// indexes are B-tree). In a table that stays on both backends a tsvector
/// is carried; a stored generated tsvector is carried whole, expression and
/// all. Render, apply, inspect again: the same schema, and the generated
/// column still computes.
#[test]
fn inspect_reads_tsvector_and_numrange_and_carries_a_gin_index() {
    const APP: &str = "
CREATE TABLE documents (
    band NUMRANGE PRIMARY KEY,
    title TEXT NOT NULL,
    search TSVECTOR NOT NULL DEFAULT '',
    extra TSVECTOR,
    bare TSVECTOR NOT NULL,
    share NUMRANGE NOT NULL DEFAULT '[0,1.50)',
    tolerance NUMRANGE
);
CREATE INDEX documents_search_gin ON documents USING GIN (search);
CREATE INDEX documents_title_idx ON documents (title);
CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT, words TSVECTOR);
-- The usual way to keep a tsvector: a stored generated column, carried
-- whole (the schema language has no generated columns).
CREATE TABLE posts (
    id BIGINT PRIMARY KEY,
    body TEXT NOT NULL,
    search TSVECTOR GENERATED ALWAYS AS (to_tsvector('english', body)) STORED
);
CREATE INDEX posts_search_gin ON posts USING GIN (search);
";
    let dir = TempDir::new("inspect-tsvector");
    let url = live_support::postgres_url();
    let (g1, mut db1) = ScratchPostgres::new(&url).expect("postgres");
    db1.execute(APP, true).expect("ddl");
    drop(db1);
    let (written, schema) = inspect_ok(&with_database(&url, &g1.name), &dir.path().join("a.rs"));
    let d = schema.table("documents").expect("documents");
    assert_eq!(d.scope, BackendScope::Only(Backend::Postgres), "{written}");
    let pg = |t: PgType| ColumnType::Postgres(t);
    assert_eq!(ty(d, "band"), (pg(PgType::Range(PgRange::Numeric)), false));
    assert_eq!(ty(d, "search"), (pg(PgType::Tsvector), false));
    assert_eq!(ty(d, "extra"), (pg(PgType::Tsvector), true));
    assert_eq!(ty(d, "share"), (pg(PgType::Range(PgRange::Numeric)), false));
    assert_eq!(
        ty(d, "tolerance"),
        (pg(PgType::Range(PgRange::Numeric)), true)
    );
    let default = |c: &str| d.column(c).and_then(|c| c.default.clone());
    assert_eq!(default("search"), Some(DefaultValue::Text(String::new())));
    assert_eq!(
        default("share"),
        Some(DefaultValue::Text("[0,1.50)".into())),
        "{written}"
    );
    assert!(written.contains("search -> Tsvector"), "{written}");
    assert!(written.contains("band -> Range<Numeric>"), "{written}");
    // The NOT NULL tsvector without a default and the GIN index: raw SQL.
    assert!(d.column("bare").is_none(), "{written}");
    assert_eq!(d.indexes.len(), 1, "{written}");
    let raw: String = schema
        .raw_blocks
        .iter()
        .filter_map(|b| b.part(Backend::Postgres))
        .map(|p| p.up.clone())
        .collect();
    for sql in [
        "ADD COLUMN \"bare\" TSVECTOR NOT NULL",
        "USING gin (search)",
        "ADD COLUMN \"words\" TSVECTOR",
    ] {
        assert!(raw.contains(sql), "{sql}:\n{written}");
    }
    assert!(
        written.contains("the generated insert model leaves it out"),
        "{written}"
    );
    let notes = schema.table("notes").expect("notes");
    assert_eq!(notes.scope, BackendScope::Both);
    assert!(notes.column("words").is_none(), "{written}");
    let posts = schema.table("posts").expect("posts");
    assert!(posts.column("search").is_none(), "{written}");
    assert!(
        raw.contains(
            "ADD COLUMN \"search\" tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, body)) STORED"
        ),
        "{written}"
    );
    assert!(raw.contains("posts_search_gin"), "{written}");

    let (g2, mut db2) = ScratchPostgres::new(&url).expect("postgres");
    let ddl = render_schema(&schema, Backend::Postgres);
    db2.execute(&ddl, true)
        .unwrap_or_else(|e| panic!("apply: {e}\n{ddl}"));
    let (_, schema2) = inspect_ok(&with_database(&url, &g2.name), &dir.path().join("b.rs"));
    assert_eq!(schema, schema2);
    // The generated column still computes its value.
    db2.execute(
        "INSERT INTO posts (id, body) VALUES (1, 'fat cats');
         DO $$ BEGIN
           IF NOT EXISTS (SELECT 1 FROM posts WHERE search @@ to_tsquery('english', 'cat')) THEN
             RAISE EXCEPTION 'the generated tsvector was not computed';
           END IF;
         END $$;",
        true,
    )
    .expect("generated column computes");
}

/// An extension installed into another schema at a chosen version: inspect
/// writes `pg_trgm(schema = "extensions")` (the version noted, not pinned);
/// rendering, applying and inspecting again gives the same schema; a
/// generated `ALTER EXTENSION` migration moves it to the current schema at
/// another version, and its `down.sql` moves it back.
#[test]
fn inspect_reads_an_extension_schema_and_a_migration_alters_it() {
    use cloacina_codegen::internals::diff::changes;
    use cloacina_codegen::internals::plan::render;
    use cloacina_codegen::model::Extension;
    let dir = TempDir::new("inspect-ext-schema");
    let url = live_support::postgres_url();
    let (g1, mut db1) = ScratchPostgres::new(&url).expect("postgres");
    db1.execute(
        "CREATE SCHEMA extensions;
         CREATE EXTENSION pg_trgm WITH SCHEMA extensions VERSION '1.5';
         CREATE TABLE t (id BIGINT PRIMARY KEY);",
        true,
    )
    .expect("ddl");
    drop(db1);
    let (written, schema) = inspect_ok(&with_database(&url, &g1.name), &dir.path().join("a.rs"));
    let trgm = Extension {
        name: "pg_trgm".into(),
        schema: Some("extensions".into()),
        version: None,
    };
    assert_eq!(schema.extensions, [trgm], "{written}");
    assert!(
        written.contains("#![postgres_extensions(pg_trgm(schema = \"extensions\"))]\n"),
        "{written}"
    );
    assert!(
        written.contains("version 1.5 installed; not pinned"),
        "{written}"
    );

    let (g2, mut db2) = ScratchPostgres::new(&url).expect("postgres");
    let ddl = render_schema(&schema, Backend::Postgres);
    db2.execute(&ddl, true)
        .unwrap_or_else(|e| panic!("apply: {e}\n{ddl}"));
    let (_, again) = inspect_ok(&with_database(&url, &g2.name), &dir.path().join("b.rs"));
    assert_eq!(again, schema);

    // To the current schema (pinned at the default version), and back.
    let state = |db: &mut cloacina_codegen::internals::introspect::Database, want: &str| {
        db.execute(
            &format!(
                "DO $$ BEGIN
                   IF (SELECT n.nspname || ' ' || e.extversion FROM pg_extension e
                       JOIN pg_namespace n ON n.oid = e.extnamespace
                       WHERE e.extname = 'pg_trgm') <> '{want}' THEN
                     RAISE EXCEPTION 'pg_trgm is not {want}';
                   END IF;
                 END $$;"
            ),
            true,
        )
    };
    let at = |schema: Option<&str>, version: Option<&str>| {
        let mut s = again.clone();
        s.extensions = vec![Extension {
            name: "pg_trgm".into(),
            schema: schema.map(Into::into),
            version: version.map(Into::into),
        }];
        s
    };
    let from = at(Some("extensions"), None);
    let to = at(None, Some("1.6"));
    let ops = changes(&from, &to).expect("diff").operations;
    let sql = render(&from, &ops, Backend::Postgres);
    state(&mut db2, "extensions 1.6").expect("as rendered (default version)");
    db2.execute(&sql.up, true)
        .unwrap_or_else(|e| panic!("up: {e}\n{}", sql.up));
    state(&mut db2, "public 1.6").unwrap_or_else(|e| panic!("{e}\n{}", sql.up));
    db2.execute(&sql.down, true)
        .unwrap_or_else(|e| panic!("down: {e}\n{}", sql.down));
    state(&mut db2, "extensions 1.6").unwrap_or_else(|e| panic!("{e}\n{}", sql.down));

    // A pinned version upgraded: UPDATE TO. (Its down.sql asks for the
    // old version back, which PostgreSQL refuses loudly when the extension
    // has no downgrade path.)
    let (_g3, mut db3) = ScratchPostgres::new(&url).expect("postgres");
    let old = at(None, Some("1.5"));
    db3.execute(&render_schema(&old, Backend::Postgres), true)
        .expect("pinned 1.5");
    state(&mut db3, "public 1.5").expect("created at 1.5");
    let ops = changes(&old, &to).expect("diff").operations;
    let sql = render(&old, &ops, Backend::Postgres);
    db3.execute(&sql.up, true)
        .unwrap_or_else(|e| panic!("up: {e}\n{}", sql.up));
    state(&mut db3, "public 1.6").unwrap_or_else(|e| panic!("{e}\n{}", sql.up));
    assert!(sql.down.contains("UPDATE TO '1.5';"), "{}", sql.down);
}

/// An enum of another schema is never read as the inspected schema's enum
/// of the same name: the column of `other.mood` was written as the
/// current schema's `mood` (other labels), its default left out. It is
/// carried with its qualified type and default, and the note names the
/// `#[custom_type]` to declare; applying the written file to a database
/// that has `other.mood` and inspecting again gives the same schema.
#[test]
fn inspect_never_takes_another_schemas_enum_for_the_inspected_one() {
    let dir = TempDir::new("inspect-enum-schema");
    let url = live_support::postgres_url();
    let (g1, mut db1) = ScratchPostgres::new(&url).expect("postgres");
    db1.execute(
        "CREATE SCHEMA other;
             CREATE TYPE other.mood AS ENUM ('it''s', 'a,b');
             CREATE TYPE mood AS ENUM ('p', 'q');
             CREATE TABLE t (id BIGINT PRIMARY KEY, m other.mood NOT NULL DEFAULT 'it''s', pm mood);",
        true,
    )
    .expect("ddl");
    drop(db1);
    let (written, schema) = inspect_ok(&with_database(&url, &g1.name), &dir.path().join("a.rs"));
    let t = schema.table("t").expect("table t");
    assert!(t.column("m").is_none(), "{written}");
    assert!(
        matches!(&t.column("pm").expect("pm").ty, ColumnType::Enum(e) if e.labels() == ["p", "q"]),
        "{written}"
    );
    assert!(
        written.contains("ADD COLUMN \"m\" other.mood NOT NULL DEFAULT 'it''s'::other.mood;"),
        "{written}"
    );
    assert!(
        written.contains("#[custom_type(postgres = \"other.mood\""),
        "{written}"
    );

    let (g2, mut db2) = ScratchPostgres::new(&url).expect("postgres");
    db2.execute(
        "CREATE SCHEMA other; CREATE TYPE other.mood AS ENUM ('it''s', 'a,b');",
        true,
    )
    .expect("other.mood");
    let ddl = render_schema(&schema, Backend::Postgres);
    db2.execute(&ddl, true)
        .unwrap_or_else(|e| panic!("apply: {e}\n{ddl}"));
    drop(db2);
    let (_, again) = inspect_ok(&with_database(&url, &g2.name), &dir.path().join("b.rs"));
    assert_eq!(again, schema);
}

/// An enum of the inspected schema named like one of PostgreSQL's own
/// types (`text`) or a reserved word (`user`): it is carried (a
/// `#[db_enum]` of that name is refused), and its column is never read as
/// PostgreSQL's own type (a `public.text` column was written `Text`,
/// silently). The file validates, applies and inspects the same again.
#[test]
fn inspect_carries_enums_named_like_builtin_types() {
    let dir = TempDir::new("inspect-enum-builtin-name");
    let url = live_support::postgres_url();
    let (g1, mut db1) = ScratchPostgres::new(&url).expect("postgres");
    db1.execute(
        "CREATE TYPE text AS ENUM ('a');
         CREATE TYPE \"user\" AS ENUM ('b');
         CREATE TABLE t (id BIGINT PRIMARY KEY, x public.text, y \"user\", z pg_catalog.text);",
        true,
    )
    .expect("ddl");
    drop(db1);
    let (written, schema) = inspect_ok(&with_database(&url, &g1.name), &dir.path().join("a.rs"));
    assert!(schema.enums.is_empty(), "{written}");
    let t = schema.table("t").expect("table t");
    assert!(
        t.column("x").is_none() && t.column("y").is_none(),
        "{written}"
    );
    assert_eq!(
        t.column("z").expect("z").ty,
        ColumnType::Text { max_len: None }
    );
    for want in [
        "CREATE TYPE \"text\" AS ENUM ('a');",
        "ADD COLUMN \"x\" public.text;",
        "is the name of a PostgreSQL type",
        "is a reserved word",
    ] {
        assert!(written.contains(want), "{want}\n{written}");
    }
    let (g2, mut db2) = ScratchPostgres::new(&url).expect("postgres");
    let ddl = render_schema(&schema, Backend::Postgres);
    db2.execute(&ddl, true)
        .unwrap_or_else(|e| panic!("apply: {e}\n{ddl}"));
    drop(db2);
    let (_, again) = inspect_ok(&with_database(&url, &g2.name), &dir.path().join("b.rs"));
    assert_eq!(again, schema);
}

/// A domain (here over an enum, with a default, NOT NULL and a named
/// check) is carried as a raw_sql! block before the columns of its type:
/// it was listed as an object but left out of the file, so the carried
/// column's `ADD COLUMN … posmood` failed where the file was applied.
#[test]
fn inspect_carries_a_domain_before_its_columns() {
    let dir = TempDir::new("inspect-domain");
    let url = live_support::postgres_url();
    let (g1, mut db1) = ScratchPostgres::new(&url).expect("postgres");
    db1.execute(
        "CREATE TYPE mood AS ENUM ('it''s', 'calm');
         CREATE DOMAIN posmood AS mood DEFAULT 'calm' NOT NULL CONSTRAINT not_quote CHECK (VALUE <> 'it''s');
         CREATE DOMAIN short_text AS varchar(5);
         CREATE TABLE t (id BIGINT PRIMARY KEY, pm posmood, s short_text);",
        true,
    )
    .expect("ddl");
    drop(db1);
    let (written, schema) = inspect_ok(&with_database(&url, &g1.name), &dir.path().join("a.rs"));
    for want in [
        "CREATE DOMAIN posmood AS mood DEFAULT 'calm'::mood NOT NULL CONSTRAINT not_quote CHECK ((VALUE <> 'it''s'::mood));",
        "CREATE DOMAIN short_text AS character varying(5);",
        "DROP DOMAIN \"posmood\";",
    ] {
        assert!(written.contains(want), "{want}\n{written}");
    }
    let (g2, mut db2) = ScratchPostgres::new(&url).expect("postgres");
    let ddl = render_schema(&schema, Backend::Postgres);
    db2.execute(&ddl, true)
        .unwrap_or_else(|e| panic!("apply: {e}\n{ddl}"));
    drop(db2);
    let (_, again) = inspect_ok(&with_database(&url, &g2.name), &dir.path().join("b.rs"));
    assert_eq!(again, schema);
}
