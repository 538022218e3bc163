//! Cloacina schema toolkit: ONE backend-neutral schema file is the truth;
//! Diesel `table!` modules, models, the `MultiConnection` wiring and paired
//! PostgreSQL/SQLite DDL are generated from it.
//!
//! Use it from a build script, the way `prost-build` is used:
//!
//! ```no_run
//! // build.rs
//! if let Err(e) = cloacina_codegen::Builder::new()
//!     .schema("schema/app.rs")
//!     .compile()
//! {
//!     match e {
//!         cloacina_codegen::Error::Schema(e) => eprintln!("{}", e.render()),
//!         other => eprintln!("{other}"),
//!     }
//!     std::process::exit(1);
//! }
//! ```
//!
//! ```text
//! // src/lib.rs: one module holds `types`, `schema::{unified, postgres, sqlite}`,
//! // `models` and `connection::AnyConnection`.
//! pub mod db {
//!     include!(concat!(env!("OUT_DIR"), "/app.rs"));
//! }
//! ```
//!
//! The generated Rust needs these dependencies in the consuming crate:
//! `diesel` (features `postgres` and/or `sqlite`, plus `32-column-tables` for
//! tables with more than 16 columns) and the runtime types crate
//! `cloacina-types` (same backend features; `serde` for serde derives on
//! models), which the generated file re-exports as `types` (see
//! [`Builder::types_path`]). `compile()` also writes `app.postgres.sql` and
//! `app.sqlite.sql`, the full DDL per backend, next to it.
//!
//! # Features and API tiers
//!
//! - `live` (default): database access, for `check`
//!   and introspection; pulls in diesel.
//! - `cli` (default): the `cloacina-codegen` command-line tool (clap) and
//!   `fancy`, miette's graphical diagnostics printer.
//!
//! A build script depends on the crate with `default-features = false` and
//! compiles neither; [`SchemaError::render`] then prints plain rustc-style
//! diagnostics.
//!
//! The public API is the [`Builder`], loading and parsing ([`load`],
//! [`parse_str`], [`SchemaFile`], [`parse`]), the [`model`], the migration
//! history ([`Project`], [`history`]) and, with `live`, `check`. The
//! pipeline's inner steps are reachable through `internals`, a
//! `#[doc(hidden)]` tier for this crate's CLI and tests with no stability
//! promise.
//!
//! The pipeline, one module per step, along three lines:
//!
//! - **core** (always compiled): [`parse`] (syn) → [`model`] → `validate`,
//!   `expr` (the one expression language of checks and predicates, over
//!   sqlparser) → `render` (`diesel` with `models_text`, `ddl` with
//!   `postgres`/`sqlite`, `neutral`); [`config`] (the [`Builder`]) and
//!   [`project`] drive it;
//! - **evolution**: `diff` (typed operations with an ordered phase) → `plan`
//!   (per-backend SQL; guarded SQLite rebuilds) → [`history`] (folders,
//!   snapshot, integrity and the parent chain, lock, atomic writes); `replay`
//!   (feature `replay`) tells the planner what the history really built;
//! - **live** (feature `live`): `introspect` → `normalize` → `compare`,
//!   `defaults`; `check` with `proof`, `seed` and `rows` (the replay over
//!   seeded rows); `import` and `inspect` adopt existing projects.
//!
//! Everything between reading the file and writing the outputs is a pure
//! function over [`Schema`]; only `introspect`, `replay`, `check` and the
//! writers touch the world.
//!
//! # The schema language
//!
//! A schema file is read as Rust tokens (so editors highlight it) and holds
//! only `table! { ... }` and `raw_sql! { ... }` items, `#[db_enum] enum`
//! items ([Enums](#enums)), `#[custom_type(...)] struct` items
//! ([Custom types](#custom-types)) and comments. Names are
//! plain lowercase SQL identifiers (`[a-z_][a-z0-9_]*`, at most 63 bytes, not
//! reserved in PostgreSQL or SQLite): nothing is ever quoted, folded or
//! truncated. Every example below is a doctest that must validate.
//!
//! ## Tables, keys, columns and types
//!
//! A table is `name (key, ...) { column -> Type, ... }`, as in Diesel. The
//! neutral types and what each becomes:
//!
//! | neutral | PostgreSQL | SQLite (`STRICT` table) | Rust value |
//! |---|---|---|---|
//! | `Uuid` | `UUID` | `BLOB`, `length = 16` | `types::UniversalUuid` |
//! | `Text`, `Text<N>` | `TEXT`, `VARCHAR(N)` | `TEXT` (+ `length <= N`) | `String` |
//! | `SmallInt` / `Integer` / `BigInt` | `SMALLINT` / `INTEGER` / `BIGINT` | `INTEGER` (+ range check) | `i16` / `i32` / `i64` |
//! | `Bool` | `BOOLEAN` | `INTEGER` in (0, 1) | `types::UniversalBool` |
//! | `Timestamp` (a UTC instant) | `TIMESTAMPTZ` | `TEXT`, canonical `YYYY-MM-DDTHH:MM:SS.ffffffZ` | `types::UniversalTimestamp` |
//! | `NaiveTimestamp` (no time zone: Diesel's `Timestamp`) | `TIMESTAMP` | `TEXT`, canonical `YYYY-MM-DD HH:MM:SS[.ffffff]` | `types::UniversalNaiveTimestamp` |
//! | `Date` | `DATE` | `TEXT`, `YYYY-MM-DD` | `types::UniversalDate` |
//! | `Time` | `TIME` | `TEXT`, canonical `HH:MM:SS[.ffffff]` | `types::UniversalTime` |
//! | `Decimal<P, S>` (exact; 1 <= P <= 18, S <= P) | `NUMERIC(P,S)` | `INTEGER` holding the value times 10^S, range check tagged `'Decimal<P, S>'` | `types::UniversalDecimal` |
//! | `Double` | `DOUBLE PRECISION` | `REAL` (SQLite keeps no sign on `-0.0`) | `f64` |
//! | `Binary` | `BYTEA` | `BLOB` | `Vec<u8>` |
//! | `Json` | `JSONB` | `TEXT`, `json_valid` | `types::UniversalJson` |
//! | `Nullable<T>` | nullable | nullable | `Option<_>` |
//!
//! SQLite tables are `STRICT`: SQLite then enforces the declared storage
//! class, so a value the application writes is stored as the value the
//! PostgreSQL column would hold, never silently coerced (the bundled SQLite is
//! far newer than 3.37, which introduced `STRICT`). The implicit checks in the
//! table above keep both backends accepting exactly the same values.
//!
//! **Two timestamps.** The neutral `Timestamp` is a UTC *instant*
//! (`TIMESTAMPTZ`), while Diesel's `sql_types::Timestamp` is a wall-clock
//! time *without* time zone: that one is the neutral `NaiveTimestamp`
//! (`TIMESTAMP`). On SQLite the calendar types (`NaiveTimestamp`, `Date`,
//! `Time`) are one canonical text each: the fraction has six digits and is
//! left out when it is zero (what `CURRENT_TIMESTAMP` writes is canonical),
//! so equal values are equal text and text order is time order; the check
//! also refuses days and times that do not exist. Years 0001..=9999 on both
//! backends. `#[default(now)]` is for `Timestamp` only: a `NaiveTimestamp`
//! has no zone to read the clock in.
//!
//! **The exact decimal.** On SQLite a `Decimal<P, S>` is an integer count of
//! `10^-S` (so rows sort, compare and `SUM` exactly, which decimal text
//! would not: `'10.00' < '9.00'`; SQLite's `SUM` is in units of `10^-S` and
//! fails with "integer overflow" past 64 bits, where PostgreSQL goes on); the check's constant tag carries `S`,
//! which a `STRICT` table's declared type cannot, so `inspect` reads the
//! column back. A precision over 18 does not fit 64 bits: keep such a
//! column in a `#[backend(postgres)]` table or a `raw_sql!` block. Literals
//! compared with a decimal column (in checks and index predicates) are
//! scaled on SQLite (`amount > 1.50` is `amount > 150` for `S = 2`) and
//! typed `NUMERIC` on PostgreSQL; arithmetic on a decimal column has no
//! neutral meaning and is refused. A default or a value with more digits
//! after the point than `S` is an error, never rounded.
//!
//! ```
//! cloacina_codegen::parse_str("doc.rs", r#"
//! table! {
//!     /// Doc comments are carried into the generated code and into
//!     /// PostgreSQL `COMMENT ON`.
//!     notes (id) {
//!         id -> Uuid,
//!         title -> Text<200>,
//!         body -> Nullable<Text>,
//!         stars -> SmallInt,
//!         views -> Integer,
//!         bytes -> BigInt,
//!         pinned -> Bool,
//!         written_at -> Timestamp,
//!         score -> Double,
//!         attachment -> Nullable<Binary>,
//!         meta -> Json,
//!     }
//! }
//! "#)?;
//! # Ok::<(), cloacina_codegen::SchemaError>(())
//! ```
//!
//! Composite primary keys list several columns; `#[auto_increment]` makes a
//! single integer key count up (`GENERATED BY DEFAULT AS IDENTITY` /
//! `INTEGER PRIMARY KEY AUTOINCREMENT`); `#[sql_name = "..."]` sets the SQL
//! name of a table or column whose Rust name differs (raw identifiers such
//! as `r#type` work too):
//!
//! ```
//! cloacina_codegen::parse_str("doc.rs", r#"
//! table! {
//!     events (seq) {
//!         #[auto_increment]
//!         seq -> BigInt,
//!         #[sql_name = "kind"]
//!         r#type -> Text,
//!     }
//! }
//! table! {
//!     #[sql_name = "memberships"]
//!     members (team_id, user_id) {
//!         team_id -> Uuid,
//!         user_id -> Uuid,
//!     }
//! }
//! "#)?;
//! # Ok::<(), cloacina_codegen::SchemaError>(())
//! ```
//!
//! ## Enums
//!
//! A top-level `enum` declares a database enum; columns use it by name.
//! Its SQL name is `#[db_enum(name = "...")]`, by default the enum's name in
//! snake_case (`ExecutionStatus` → `execution_status`); a label is the
//! variant exactly as written unless `#[value("...")]` gives it. PostgreSQL
//! gets `CREATE TYPE … AS ENUM` (labels in declaration order, its sort
//! order), SQLite a `TEXT` column checked against the labels. A default
//! must be a label; variants with fields, generics, an empty enum, a label
//! twice or over 63 bytes, and a SQL name that needs quotes are errors.
//!
//! ```
//! cloacina_codegen::parse_str("doc.rs", r#"
//! /// Where a job stands.
//! #[db_enum(name = "job_status")]
//! enum JobStatus { Pending, Running, #[value("in-progress")] InProgress }
//!
//! table! {
//!     jobs (id) {
//!         id -> BigInt,
//!         #[default("Pending")]
//!         status -> JobStatus,
//!         previous -> Nullable<JobStatus>,
//!     }
//! }
//! "#)?;
//! # Ok::<(), cloacina_codegen::SchemaError>(())
//! ```
//!
//! ## Custom types
//!
//! `#[custom_type(postgres = "...", diesel = "...", rust = "...")] struct
//! Name;` declares a type the application maps itself (an extension's
//! `ltree`, `geometry(Point, 4326)`, a domain); columns use it by name.
//! PostgreSQL gets the spelling verbatim (a type name, optionally
//! schema-qualified, with modifiers; no `;` or comments); `sqlite = "TEXT"`
//! (a STRICT type) lets it stand in a table of both backends, else only in
//! a `#[backend(postgres)]` table. `table!` columns use the `diesel` path
//! (`sqlite_diesel` in the SQLite module), models the `rust` type; both are
//! written verbatim, so the user's crate provides them with `ToSql` and
//! `FromSql` (for both backends when the table is on both).
//!
//! ```
//! cloacina_codegen::parse_str("doc.rs", r#"
//! #![postgres_extensions(ltree)]
//! /// A label path.
//! #[custom_type(postgres = "ltree", sqlite = "TEXT", diesel = "crate::sql::Ltree", rust = "String")]
//! struct Ltree;
//!
//! table! {
//!     categories (id) {
//!         id -> BigInt,
//!         #[default("top")]
//!         path -> Ltree,
//!     }
//! }
//! "#)?;
//! # Ok::<(), cloacina_codegen::SchemaError>(())
//! ```
//!
//! ## Defaults
//!
//! `#[default(now)]` (Timestamp: the same UTC instant whatever the server's
//! or session's time zone), `#[default(uuid)]` (a random version-4 UUID),
//! and literals: strings, integers, floats, `true`/`false`. A string default
//! on a `Uuid` column is a hyphenated UUID, on a `Timestamp` column the
//! canonical `YYYY-MM-DDTHH:MM:SS.ffffffZ`, on a `Json` column JSON text.
//! An expression default `#[default(sql = "...")]` is an expression of the
//! language of checks (see [Expressions](#expressions)) with no column in
//! it, whose value has the column's type: `lower('ABC')`,
//! `coalesce(NULL, 2 + 3)`, `abs(-2) = 2` for a Bool. Each backend gets its
//! spelling (`DEFAULT (...)`, parenthesised as SQLite requires), `inspect`
//! reads it back from either, and a change to it is a migration like a
//! changed literal. Backend SQL (`md5(random()::text)`) is refused at its
//! place in the string, unless the table is scoped to that backend
//! (`#[backend(postgres)]`), where it is written as given.
//!
//! ```
//! cloacina_codegen::parse_str("doc.rs", r#"
//! table! {
//!     jobs (id) {
//!         #[default(uuid)] id -> Uuid,
//!         #[default(now)] created_at -> Timestamp,
//!         #[default("1970-01-01T00:00:00.000000Z")] not_before -> Timestamp,
//!         #[default("queued")] state -> Text,
//!         #[default(3)] max_attempts -> Integer,
//!         #[default(-1)] priority -> BigInt,
//!         #[default(0.5)] backoff -> Double,
//!         #[default(false)] paused -> Bool,
//!         #[default("{}")] options -> Json,
//!         #[default(sql = "lower('QUEUE')")] queue -> Text,
//!         #[default(sql = "coalesce(NULL, 2 + 3)")] weight -> Integer,
//!         #[default(sql = "abs(-2) = 2")] visible -> Bool,
//!     }
//! }
//! "#)?;
//! // Backend SQL in a default is refused, located inside the string:
//! let err = cloacina_codegen::parse_str("doc.rs", r#"
//! table! {
//!     tokens (id) { id -> Integer, #[default(sql = "md5(random()::text)")] token -> Text, }
//! }
//! "#).unwrap_err();
//! assert!(err.render().contains("doc.rs:3:51"), "{}", err.render());
//! // ... and written as given on a table of one backend:
//! cloacina_codegen::parse_str("doc.rs", r#"
//! table! {
//!     #[backend(postgres)]
//!     tokens (id) { id -> Integer, #[default(sql = "md5(random()::text)")] token -> Text, }
//! }
//! "#)?;
//! # Ok::<(), cloacina_codegen::SchemaError>(())
//! ```
//!
//! ## Foreign keys
//!
//! Column level `#[references(table.column, on_delete = ..., on_update = ...)]`
//! or table level `#[foreign_key((a, b) -> other(x, y), ...)]`; actions are
//! `no_action` (the default), `restrict`, `cascade`, `set_null`,
//! `set_default`; `name = "..."` names the constraint. The referenced columns
//! must be the target's primary key or unique, and of the same type.
//!
//! ```
//! cloacina_codegen::parse_str("doc.rs", r#"
//! table! {
//!     runs (id) {
//!         id -> Uuid,
//!         #[unique] slug -> Text,
//!     }
//! }
//! table! {
//!     #[foreign_key((run_id, step) -> steps(run_id, position), on_delete = cascade)]
//!     steps (run_id, position) {
//!         #[references(runs.id, on_delete = cascade, on_update = cascade)]
//!         run_id -> Uuid,
//!         position -> Integer,
//!         step -> Integer,
//!         #[references(runs.slug, on_delete = set_null, name = "steps_origin_fk")]
//!         origin -> Nullable<Text>,
//!     }
//! }
//! "#)?;
//! # Ok::<(), cloacina_codegen::SchemaError>(())
//! ```
//!
//! ### Deferrable constraints
//!
//! `deferrable = initially_deferred` (checked at `COMMIT`: a transaction may
//! write a child before its parent) or `deferrable = initially_immediate`
//! (checked per statement unless the transaction defers it: PostgreSQL's
//! `SET CONSTRAINTS … DEFERRED`; SQLite's `PRAGMA defer_foreign_keys`, which
//! defers every key, deferrable or not) on a foreign key, on both backends;
//! left out, a key is not deferrable. SQLite enforces keys only with
//! `PRAGMA foreign_keys = ON`, which the `cloacina` runtime sets. A
//! `#[unique]` takes it too, but only in a `#[backend(postgres)]` table:
//! SQLite never defers a unique constraint. Changing it later is one
//! `ALTER CONSTRAINT` on PostgreSQL, a table rebuild on SQLite. A primary
//! key is made deferrable on its table, `#[primary_key(deferrable = ...)]`,
//! also only in a `#[backend(postgres)]` table, and no foreign key may
//! reference it (PostgreSQL refuses a foreign key to a deferrable key).
//!
//! ```
//! cloacina_codegen::parse_str("doc.rs", r#"
//! table! { parents (id) { id -> BigInt, } }
//! table! {
//!     #[foreign_key((parent_id) -> parents(id), deferrable = initially_immediate)]
//!     kids (id) {
//!         id -> BigInt,
//!         parent_id -> BigInt,
//!         #[references(parents.id, on_delete = cascade, deferrable = initially_deferred)]
//!         first_parent_id -> BigInt,
//!     }
//! }
//! table! {
//!     #[backend(postgres)]
//!     slots (id) { id -> BigInt, #[unique(deferrable = initially_deferred)] slot -> Integer, }
//! }
//! table! {
//!     #[backend(postgres)]
//!     #[primary_key(deferrable = initially_deferred)]
//!     positions (rank) { rank -> Integer, name -> Text, }
//! }
//! "#)?;
//! // A deferrable unique in a table SQLite also has is an error:
//! let err = cloacina_codegen::parse_str("doc.rs", r#"
//! table! { slots (id) { id -> BigInt, #[unique(deferrable = initially_deferred)] slot -> Integer, } }
//! "#).unwrap_err();
//! assert!(err.render().contains("SQLite"), "{}", err.render());
//! # Ok::<(), cloacina_codegen::SchemaError>(())
//! ```
//!
//! ## Unique constraints and indexes
//!
//! `#[unique]` on a column or `#[unique(a, b)]` on the table.
//! `#[index]` on a column, or `#[index(a, b desc)]` on the table, with
//! `unique`, `name = "..."` and `where = "predicate"` (a partial index; the
//! predicate is an expression of the one expression language below, over
//! SQL column names).
//! Derived names follow PostgreSQL's conventions (`<table>_<cols>_key`,
//! `_fkey`, `_idx`, `_check`); a derived name over 63 bytes is an error that
//! asks for `name = "..."`.
//!
//! ```
//! cloacina_codegen::parse_str("doc.rs", r#"
//! table! {
//!     #[unique(workflow, name, name = "tasks_workflow_name_key")]
//!     #[index(status, created_at desc)]
//!     #[index(status, where = "status = 'Running'")]
//!     #[index(workflow, position, unique)]
//!     tasks (id) {
//!         id -> Uuid,
//!         workflow -> Text,
//!         name -> Text,
//!         position -> Integer,
//!         status -> Text,
//!         #[index(desc)] created_at -> Timestamp,
//!         #[unique] external_ref -> Nullable<Text>,
//!     }
//! }
//! "#)?;
//! # Ok::<(), cloacina_codegen::SchemaError>(())
//! ```
//!
//! ## Checks
//!
//! `#[check(in("a", "b"))]` (strings or integers) and `#[check(json)]` (a
//! `Text` column holding JSON) on a column; a boolean expression
//! `#[check(sql = "...")]` anywhere. `name = "..."` names any of them.
//!
//! ## Expressions
//!
//! `sql = "..."` checks and `where = "..."` predicates are one expression
//! language, parsed (with `sqlparser`), checked against the table's columns
//! and types, and spelled per backend: column names, literals typed by the
//! column they meet, `=` `<>` `<` `<=` `>` `>=`, `AND`/`OR`/`NOT`,
//! `IS [NOT] NULL`, `[NOT] IN (...)`, `BETWEEN`, `LIKE` (case-sensitive on
//! both: SQLite gets `GLOB`), `+ - * / %`, and `length` (`char_length` on
//! PostgreSQL), `lower`, `upper`, `trim`, `abs`, `coalesce`, `json_valid`
//! (`(x)::jsonb IS NOT NULL` on PostgreSQL). A Bool compares with
//! `true`/`false` (`1`/`0` on SQLite), a Uuid with a hyphenated UUID text
//! (`X'...'` on SQLite), a Timestamp with the canonical text
//! `'YYYY-MM-DDTHH:MM:SS.ffffffZ'`. An unknown column, a type mismatch
//! (`enabled = 1`) or a construct with no shared meaning (`char_length`,
//! `::` casts, `= ANY (ARRAY[...])`, `now()`, other functions) is an error
//! at its place inside the string. Backend SQL is allowed where it is scoped
//! to one backend: on a `#[backend(...)]` table, or as `postgres = "..."` /
//! `sqlite = "..."` spellings of a check (written as given, but they must
//! parse as that backend's SQL); `lower`/`upper` fold only ASCII on SQLite.
//!
//! ```
//! cloacina_codegen::parse_str("doc.rs", r#"
//! table! {
//!     #[check(sql = "finished_at IS NULL OR finished_at >= started_at", name = "runs_time_order")]
//!     #[check(postgres = "char_length(code) = 4", sqlite = "length(code) = 4")]
//!     #[check(sql = "length(code) = 4 AND upper(code) = code AND enabled = true")]
//!     #[check(sql = "owner <> '00000000-0000-0000-0000-000000000000' AND kind LIKE 'job_%'")]
//!     #[index(started_at, where = "enabled = false AND started_at >= '2024-01-01T00:00:00.000000Z'")]
//!     runs (id) {
//!         id -> Uuid,
//!         #[check(in("Pending", "Running", "Completed", "Failed"))] status -> Text,
//!         #[check(in(1, 2, 3))] tier -> SmallInt,
//!         #[check(json)] raw_payload -> Nullable<Text>,
//!         code -> Text,
//!         kind -> Text,
//!         enabled -> Bool,
//!         owner -> Uuid,
//!         started_at -> Timestamp,
//!         finished_at -> Nullable<Timestamp>,
//!     }
//! }
//! "#)?;
//! // PostgreSQL-only text on a table of both backends is refused, located:
//! let err = cloacina_codegen::parse_str("doc.rs", r#"
//! table! {
//!     #[check(sql = "char_length(code) = 4")]
//!     codes (id) { id -> Integer, code -> Text, }
//! }
//! "#).unwrap_err();
//! assert!(err.render().contains("doc.rs:3:20"));
//! # Ok::<(), cloacina_codegen::SchemaError>(())
//! ```
//!
//! ## Renames
//!
//! `#[renamed_from(old)]` on a table or column tells the migration differ
//! that this is the same object under a new name. Renames are never guessed.
//!
//! ```
//! cloacina_codegen::parse_str("doc.rs", r#"
//! table! {
//!     #[renamed_from(pipelines)]
//!     workflows (id) {
//!         id -> Uuid,
//!         #[renamed_from(pipeline_name)] name -> Text,
//!     }
//! }
//! "#)?;
//! # Ok::<(), cloacina_codegen::SchemaError>(())
//! ```
//!
//! ## Backend-only objects
//!
//! `#[backend(postgres)]` (or `sqlite`) puts a table on one backend only; it
//! appears only in that backend's DDL and native module. `raw_sql!` blocks
//! carry SQL verbatim per backend, with the SQL that undoes it, and run after
//! all tables and indexes (in file order; `down` in reverse order).
//!
//! ```
//! cloacina_codegen::parse_str("doc.rs", r#"
//! table! {
//!     #[backend(postgres)]
//!     audit_log (id) {
//!         #[auto_increment] id -> BigInt,
//!         message -> Text,
//!     }
//! }
//! raw_sql! {
//!     /// Wake listeners when a row is audited.
//!     #[postgres(
//!         up = r"CREATE FUNCTION audit_notify() RETURNS trigger AS $$
//! BEGIN PERFORM pg_notify('audit', NEW.id::text); RETURN NEW; END; $$ LANGUAGE plpgsql;
//! CREATE TRIGGER audit_notify AFTER INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_notify();",
//!         down = "DROP TRIGGER audit_notify ON audit_log; DROP FUNCTION audit_notify();"
//!     )]
//!     audit_notify;
//!
//!     #[sqlite(up = "CREATE VIEW v_one AS SELECT 1 AS one;", down = "DROP VIEW v_one;")]
//!     #[postgres(up = "CREATE VIEW v_one AS SELECT 1 AS one;", down = "DROP VIEW v_one;")]
//!     v_one;
//! }
//! "#)?;
//! # Ok::<(), cloacina_codegen::SchemaError>(())
//! ```
//!
//! A `#[backend(postgres)]` table may use the PostgreSQL-only types Diesel
//! maps (`Array<T>` of a neutral scalar other than `Text<N>`, `Range<T>` of `Integer`, `BigInt`, `Timestamp`,
//! `NaiveTimestamp`, `Date` or `Numeric` (`NUMRANGE`: its bounds have no
//! precision or scale, so not `Decimal<P, S>`), `Interval`, `Money`, `Oid`, `MacAddr`,
//! `MacAddr8`, `Inet`, `Cidr`, `Tsvector`, and `Citext` when the file declares
//! `#![postgres_extensions(citext)]`), with Diesel's Rust types (`ipnet::IpNet`, chrono,
//! uuid, serde_json and bigdecimal values, `diesel_full_text_search`'s
//! `PgTsVector`, which `cloacina-types` re-exports); in a table
//! that SQLite also has they are an error at the type. Diesel reads a
//! `Tsvector` but cannot write one: the insert model leaves it out, so it
//! must be nullable or have a default (an error at the type otherwise), and
//! SQL fills it (`to_tsvector` in an `UPDATE`, or a `raw_sql!` trigger).
//!
//! ```
//! let schema = cloacina_codegen::parse_str("doc.rs", r#"
//! #![postgres_extensions(citext)]
//! table! {
//!     #[backend(postgres)]
//!     bookings (id) {
//!         id -> BigInt,
//!         guest_email -> Citext,
//!         #[default("{}")]
//!         tags -> Array<Text>,
//!         days -> Range<Integer>,
//!         grace -> Nullable<Interval>,
//!         client -> Inet,
//!         during -> Range<Timestamp>,
//!         keys -> Array<Uuid>,
//!         #[default("")]
//!         search -> Tsvector,
//!         price_band -> Nullable<Range<Numeric>>,
//!     }
//! }
//! "#)?;
//! assert_eq!(schema.extensions, ["citext"]);
//! // An extension may name its schema and version (`CREATE EXTENSION ...
//! // WITH SCHEMA ... VERSION ...`; a change of either is an `ALTER EXTENSION`).
//! let pinned = cloacina_codegen::parse_str("doc.rs", r#"#![postgres_extensions(pg_trgm(schema = "extensions", version = "1.6"))]"#)?;
//! assert_eq!(pinned.extensions[0].schema.as_deref(), Some("extensions"));
//! assert_eq!(pinned.extensions[0].version.as_deref(), Some("1.6"));
//! // A NOT NULL `Tsvector` without a default: the insert model leaves it
//! // out, so no insert could give it a value.
//! assert!(cloacina_codegen::parse_str("doc.rs", "table! { #[backend(postgres)] t (id) { id -> BigInt, s -> Tsvector, } }").is_err());
//! // Without the extension's declaration, `Citext` is an error at the type.
//! assert!(cloacina_codegen::parse_str("doc.rs", "table! { #[backend(postgres)] t (id) { id -> BigInt, e -> Citext, } }").is_err());
//! assert!(cloacina_codegen::parse_str("doc.rs", "table! { t (id) { id -> BigInt, tags -> Array<Text>, } }").is_err());
//! # Ok::<(), cloacina_codegen::SchemaError>(())
//! ```
//!
//! ## Migrations: intended data loss
//!
//! A change to the schema file becomes a migration (see [`history`],
//! `diff`, `plan`): with `Builder::new().schema("schema/app.rs")
//! .migrations("migrations")` a build script writes the new
//! `migrations/{postgres,sqlite}/<version>_<name>/` pair (or fails in CI
//! with the pending operations), and `cloacina-codegen diff`,
//! `migration new [NAME]`, `migration hand NAME`, `migration rehash` and
//! `status` do the same on demand. The history is a chain (each generated
//! migration records the state it was planned from): the build, `status`
//! and `check` refuse edited or unrecorded migrations and two migrations
//! planned from the same parent, and `migration rebase` repairs such a
//! branch merge (see [`history`]). Steps that lose data are refused unless
//! the file says the loss is intended (`guard`):
//!
//! - `#![allow_drop(old_table, old_raw_block)]` at the top of the file:
//!   dropping those tables, raw SQL blocks (backend-only ones included) or
//!   PostgreSQL extensions no longer declared;
//! - `#[allow_drop(old_column, ...)]` on a table: dropping those columns;
//! - `#[allow_destructive]` on a column: narrowing its type or length
//!   (`BigInt` to `Integer`, `Text` to `Text<20>`, `Double` to an integer),
//!   or making it `NOT NULL` without a default (existing rows get the type's
//!   zero value).
//!
//! They are read with the schema but are not part of the model or of the
//! history's snapshot; leaving them in the file afterwards is harmless.
//!
//! ```
//! let (schema, allowances, diags) = cloacina_codegen::parse::parse_with_allowances(r#"
//! #![allow_drop(old_jobs)]
//! table! {
//!     #[allow_drop(legacy_flag)]
//!     jobs (id) {
//!         id -> BigInt,
//!         #[allow_destructive]
//!         attempts -> SmallInt,
//!     }
//! }
//! "#);
//! assert!(diags.is_empty());
//! assert_eq!(allowances.len(), 3);
//! assert_eq!(schema.tables.len(), 1);
//! ```
//!
//! ## Migrations: what is kept, and column order
//!
//! Rows of every table survive every generated migration unless the file
//! allows the drop: a SQLite rebuild carries the tables that reference a
//! rebuilt table, lifts only the `raw_sql!` blocks that name it (putting the
//! rows of their tables back), and checks before it commits that every table
//! kept its row count and that the rebuilt tables' foreign keys hold; see
//! the `plan` module.
//!
//! Column order is not part of the contract: a column added to an existing
//! table goes last on both backends (and a dropped column restored by
//! `down.sql` too), wherever the file declares it, while a SQLite rebuild
//! writes the file's order. The generated code names every column, and
//! `check` compares tables by column names
//! ([`compare::CompareOptions::column_order`] off), so the planner never
//! writes a migration that `check` rejects for order, and `down` restores
//! what `up` changed by the same comparison.
//!
//! ## Diagnostics
//!
//! Every problem names the file, line and column, shows the line with a
//! caret under the token, and says what to write instead:
//!
//! ```
//! let err = cloacina_codegen::parse_str("schema/app.rs", "table! {\n    t (id) {\n        id -> Strng,\n    }\n}\n")
//!     .unwrap_err();
//! let text = err.render();
//! assert!(text.contains("schema/app.rs:3:15"));
//! assert!(text.contains("unknown column type `Strng`"));
//! assert!(text.contains("did you mean `Text`?") || text.contains("help:"));
//! ```
//!
//! No input makes the parser panic or overflow the stack: nesting deeper
//! than [`parse::MAX_NESTING`] (brackets, `<`, or a long run of operators
//! between two `,`) is refused with a located error before it is parsed, a
//! file that is not UTF-8 is refused with the byte offset of the first bad
//! byte ([`Error::NotUtf8`]), and a diagnostic on a very long line shows a
//! window of the line around the column.
#![warn(missing_docs)]
#![warn(rustdoc::broken_intra_doc_links)]

// The public face: the builder, loading and parsing, the model, the
// migration history and (with `live`) the parity check.
#[cfg(feature = "live")]
pub mod check;
pub mod config;
pub mod error;
pub mod history;
pub mod model;
pub mod parse;
pub mod project;
/// The data-carrying replay: seeded rows through every migration on both backends.
#[cfg(feature = "live")]
pub mod proof;

// The pipeline's inner steps: crate-private, reachable from outside only
// through the unstable `internals` tier below.
mod compare;
mod custom_type;
mod decimal;
#[cfg(feature = "live")]
mod defaults;
mod diff;
mod expr;
mod guard;
mod import;
#[cfg(feature = "live")]
mod introspect;
mod names;
mod normalize;
#[cfg(feature = "live")]
mod pg_defaults;
mod plan;
mod render;
mod replay;
#[cfg(feature = "live")]
mod rows;
#[cfg(feature = "live")]
mod seed;
mod synthetic;
mod tsvector;
mod validate;

/// The pipeline's inner steps (diff, plan, render, compare, introspection,
/// import), for this crate's own command-line tool and tests.
///
/// **Not a stable API**: anything here may change or go away in any
/// release. Use the public items of the crate root instead: [`Builder`],
/// [`load`], [`parse_str`], [`project`], [`model`], [`history`] and
/// `check`.
#[doc(hidden)]
pub mod internals {
    /// Parity reports: comparing two schemas by meaning.
    pub mod compare {
        pub use crate::compare::*;
    }
    /// Schema differences as migration operations.
    pub mod diff {
        pub use crate::diff::*;
    }
    /// The expression language of checks and index predicates.
    pub mod expr {
        pub use crate::expr::*;
    }
    /// Guards against unintended data loss.
    pub mod guard {
        pub use crate::guard::*;
    }
    /// Importing a Diesel `schema.rs`.
    pub mod import {
        pub use crate::import::*;
    }
    /// Reading a live database into the model.
    #[cfg(feature = "live")]
    pub mod introspect {
        pub use crate::introspect::*;
    }
    /// Rows read back for the data-carrying replay.
    #[cfg(feature = "live")]
    pub mod rows {
        pub use crate::rows::*;
    }
    /// PostgreSQL-only defaults printed by the server (`check`'s edges).
    #[cfg(feature = "live")]
    pub mod pg_defaults {
        pub use crate::pg_defaults::*;
    }
    /// Identifier rules.
    pub mod names {
        pub use crate::names::*;
    }
    /// Canonical forms for comparison.
    pub mod normalize {
        pub use crate::normalize::*;
    }
    /// Operations to SQL per backend.
    pub mod plan {
        pub use crate::plan::*;
    }
    /// What the SQLite history really built (an in-memory replay).
    pub mod replay {
        pub use crate::replay::*;
    }
    /// Renderers: Diesel code, DDL per backend, the neutral schema language.
    pub mod render {
        pub use crate::render::*;
    }
    /// Synthetic schemas of any size, for benchmarks.
    pub mod synthetic {
        pub use crate::synthetic::*;
    }
    /// Schema validation.
    pub mod validate {
        pub use crate::validate::*;
    }
}

use std::path::Path;

pub use config::{Builder, Generated, GeneratedFile};
pub use error::{DiagCode, Diagnostic, Error, SchemaError};
pub use model::{Backend, Schema};
pub use project::{Project, SchemaFile};

/// Parses and validates schema source text. `path` is only used to name the
/// file in diagnostics.
///
/// # Errors
///
/// A [`SchemaError`] holding every problem found, each with its span.
pub fn parse_str(path: &str, source: &str) -> Result<Schema, SchemaError> {
    let (schema, mut diags) = parse::parse(source);
    if diags.is_empty() {
        diags = validate::validate(&schema);
    }
    if diags.is_empty() {
        Ok(schema)
    } else {
        Err(SchemaError::new(path, source, diags))
    }
}

/// Reads, parses and validates a schema file.
///
/// # Errors
///
/// [`Error::Read`] when the file cannot be read, [`Error::NotUtf8`] when
/// it is not UTF-8 text, [`Error::Schema`] when it has problems.
pub fn load(path: impl AsRef<Path>) -> Result<Schema, Error> {
    Ok(SchemaFile::load(path)?.into_schema())
}
