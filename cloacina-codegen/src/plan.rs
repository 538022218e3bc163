//! Planning: the SQL of a migration per backend, from [`Operation`]s.
//!
//! [`render`] turns the operations that lead from `old` to the new schema
//! into `up.sql` and `down.sql` for one backend. `down.sql` is the
//! rendering of the inverted operations ([`crate::diff::invert_all`]) from
//! the new schema, so both directions use the same code.
//!
//! # PostgreSQL
//!
//! Every operation is an `ALTER` (type changes with a `USING` cast where the
//! value needs converting), `CREATE`/`DROP`, or a rename; derived constraint
//! and index names follow table and column renames (`RENAME CONSTRAINT`,
//! `ALTER INDEX … RENAME`), so the catalog always holds the names the schema
//! derives.
//!
//! # SQLite
//!
//! `ALTER TABLE` is used where SQLite supports it (add a column that is
//! nullable or has a constant default, drop an unconstrained column, rename
//! a column or table when no derived name changes), plus `CREATE`/`DROP
//! INDEX`. Anything else marks the table for the *rebuild*, done once per
//! migration for all such tables:
//!
//! ```text
//! PRAGMA defer_foreign_keys = ON;
//! CREATE TABLE t__cloacina_new (…final definition…);      -- parents first
//! INSERT INTO t__cloacina_new (…) SELECT …conversions… FROM t;
//! DROP TABLE t;                                             -- children first
//! ALTER TABLE t__cloacina_new RENAME TO t;
//! CREATE INDEX …;                                           -- final indexes
//! -- fail unless pragma_foreign_key_check() is empty
//! ```
//!
//! It runs inside the migration's transaction (Diesel wraps each migration
//! in one; no `metadata.toml` is written). `PRAGMA foreign_keys` cannot be
//! switched off there (it is a no-op inside a transaction), and with
//! foreign keys on, `DROP TABLE` deletes the rows first, firing `ON DELETE`
//! actions (a `CASCADE` child would lose its rows) and counting violations
//! for `NO ACTION` children. So the rebuild takes along every table that
//! references a rebuilt table (transitively): the new children reference
//! the new parents, the old children are dropped before the old parents, and
//! no dropped row is referenced by anything when it goes; no action fires and
//! no violation is counted. `defer_foreign_keys` lets the copies run in any
//! order; the final check fails the migration (through a `CHECK`
//! constraint on a temporary table) if any foreign key is violated, even on
//! a connection with foreign keys off. Views and triggers (raw SQL blocks)
//! are dropped before a rebuild and recreated after it, since SQLite
//! refuses to rename a table while a view names a missing one.

use std::collections::{HashMap, HashSet};

use crate::diff::{
    apply, conversion, invert_all, resolved_checks, resolved_foreign_keys, resolved_indexes,
    resolved_uniques, Conversion, Operation,
};
use crate::model::*;
use crate::names;
use crate::render::ddl::{dialect, Dialect};

/// The SQL of one migration on one backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationSql {
    /// The backend.
    pub backend: Backend,
    /// `up.sql` without the header.
    pub up: String,
    /// `down.sql` without the header.
    pub down: String,
}

/// Suffix of the temporary name of a table being rebuilt on SQLite.
pub const REBUILD_SUFFIX: &str = "__cloacina_new";

/// Renders `ops` (which lead from `old` to the new schema) for `backend`.
pub fn render(old: &Schema, ops: &[Operation], backend: Backend) -> MigrationSql {
    let mut new = old.clone();
    for op in ops {
        apply(&mut new, op);
    }
    let inverse = invert_all(ops);
    MigrationSql {
        backend,
        up: render_direction(old, ops, backend, false),
        down: render_direction(&new, &inverse, backend, true),
    }
}

/// The comment block that opens every migration file: its operations in
/// words, numbered.
pub fn operations_comment(ops: &[Operation]) -> String {
    let mut out = String::from("-- Operations:\n");
    if ops.is_empty() {
        out.push_str("--   (none)\n");
    }
    for (i, op) in ops.iter().enumerate() {
        out.push_str(&format!("--   {}. {op}\n", i + 1));
    }
    out
}

fn exists_on(s: &Schema, table: &str, backend: Backend) -> bool {
    s.table(table).is_some_and(|t| t.scope.includes(backend))
}

/// The value every row gets when a `NOT NULL` column without a default is
/// added, or `NULL`s are forbidden: the type's zero value.
pub fn fill_value(d: &dyn Dialect, column: &Column) -> String {
    let v = match column.ty {
        ColumnType::Uuid => DefaultValue::Text("00000000-0000-0000-0000-000000000000".into()),
        ColumnType::Text { .. } => DefaultValue::Text(String::new()),
        ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt => DefaultValue::Int(0),
        ColumnType::Bool => DefaultValue::Bool(false),
        ColumnType::Timestamp => DefaultValue::Text("1970-01-01T00:00:00.000000Z".into()),
        ColumnType::Double => DefaultValue::Float(0.0),
        ColumnType::Json => DefaultValue::Text("{}".into()),
        ColumnType::Binary => {
            return match d.backend() {
                Backend::Postgres => "'\\x'::bytea".into(),
                Backend::Sqlite => "X''".into(),
            }
        }
    };
    d.default_sql(column, &v)
}

fn value_for_missing(d: &dyn Dialect, column: &Column) -> String {
    match &column.default {
        Some(def) => d.default_sql(column, def),
        None => fill_value(d, column),
    }
}

/// Statements, blank-line separated, newline terminated.
fn join(statements: &[String]) -> String {
    if statements.is_empty() {
        return String::new();
    }
    let mut s = statements.join("\n\n");
    s.push('\n');
    s
}

fn raw_up(block: &RawBlock, backend: Backend) -> Option<String> {
    let part = block.part(backend)?;
    let sql = part.up.trim();
    (!sql.is_empty()).then(|| format!("-- raw_sql: {}\n{sql}", block.name))
}

fn raw_down(block: &RawBlock, backend: Backend) -> Option<String> {
    let part = block.part(backend)?;
    let sql = part.down.trim();
    (!sql.is_empty()).then(|| format!("-- raw_sql: {} (down)\n{sql}", block.name))
}

fn render_direction(start: &Schema, ops: &[Operation], backend: Backend, down: bool) -> String {
    match backend {
        Backend::Postgres => render_postgres(start, ops, down),
        Backend::Sqlite => render_sqlite(start, ops, down),
    }
}

/// Comments that say plainly where data is lost or not restored.
fn loss_comment(op: &Operation, down: bool) -> Option<String> {
    match (op, down) {
        (Operation::DropTable { table }, _) => Some(format!(
            "-- DATA LOSS: the rows of {} are deleted with the table.",
            table.sql_name()
        )),
        (Operation::DropColumn { table, column }, _) => Some(format!(
            "-- DATA LOSS: the values of {table}.{} are deleted with the column.",
            column.sql_name()
        )),
        (Operation::CreateTable { table }, true) => Some(format!(
            "-- Restores the structure of {} only: its rows were deleted and are gone.",
            table.sql_name()
        )),
        (Operation::AddColumn { table, column }, true) => Some(format!(
            "-- Restores the structure of {table}.{} only: its values were deleted and are gone{}.",
            column.sql_name(),
            if column.insert_optional() {
                ""
            } else {
                "; rows get the type's zero value"
            }
        )),
        (Operation::AddColumn { table, column }, false) if !column.insert_optional() => Some(format!(
            "-- Existing rows get the type's zero value in {table}.{} (allowed by #[allow_destructive]).",
            column.sql_name()
        )),
        (Operation::AlterColumn { table, from, to }, _) => {
            let mut notes = Vec::new();
            if from.ty != to.ty && conversion(from.ty, to.ty) == Conversion::Narrowing {
                notes.push(format!(
                    "-- Narrowing {table}.{} from {} to {}: the migration fails on values that do not fit{}.",
                    to.sql_name(),
                    from.ty.neutral_name(),
                    to.ty.neutral_name(),
                    if from.ty == ColumnType::Double { "; fractions are cut (truncated toward zero)" } else { "" }
                ));
            }
            if down && from.ty != to.ty && conversion(to.ty, from.ty) == Conversion::Narrowing {
                notes.push(format!(
                    "-- Widening back: values cut by the up migration of {table}.{} are not restored.",
                    to.sql_name()
                ));
            }
            if from.nullable && !to.nullable {
                notes.push(format!(
                    "-- NULLs in {table}.{} become {}.",
                    to.sql_name(),
                    if to.default.is_some() { "the column default" } else { "the type's zero value" }
                ));
            }
            (!notes.is_empty()).then(|| notes.join("\n"))
        }
        _ => None,
    }
}

// ----- PostgreSQL ------------------------------------------------------------

fn pg_using(column_sql: &str, from: ColumnType, to: ColumnType) -> Option<String> {
    use ColumnType as T;
    let c = column_sql;
    let pg_type = crate::render::postgres::Postgres.column_type(to);
    match (from, to) {
        (a, b) if a == b => None,
        (T::Text { .. }, T::Text { .. }) => None,
        (a, b) if a.is_integer() && b.is_integer() => None,
        (a, T::Double) if a.is_integer() => None,
        (T::Double, b) if b.is_integer() => Some(format!("trunc({c})::{pg_type}")),
        (T::Bool, b) if b.is_integer() => {
            Some(format!("(CASE WHEN {c} THEN 1 ELSE 0 END)::{pg_type}"))
        }
        (T::Bool, T::Text { .. }) => Some(format!(
            "(CASE WHEN {c} THEN 'true' ELSE 'false' END)::{pg_type}"
        )),
        (T::Timestamp, T::Text { .. }) => Some(format!(
            "to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')::{pg_type}"
        )),
        (_, T::Text { .. }) => Some(format!("{c}::text::{pg_type}")),
        (T::Text { .. }, T::Json) => Some(format!("{c}::jsonb")),
        (T::Text { .. }, T::Uuid) => Some(format!("{c}::uuid")),
        // Down directions of the conversions above.
        (a, T::Bool) if a.is_integer() => Some(format!(
            "CASE {c} WHEN 1 THEN TRUE WHEN 0 THEN FALSE ELSE ({c}::text)::boolean END"
        )),
        _ => Some(format!("{c}::{pg_type}")),
    }
}

/// `ALTER … RENAME` statements for every derived name that differs between
/// `before` and `after` (the same table before and after a rename).
fn pg_rename_derived(before: &Table, after: &Table) -> Vec<String> {
    let t = after.sql_name();
    let mut out = Vec::new();
    let mut rename = |a: String, b: String| {
        if a != b {
            out.push(format!("ALTER TABLE {t} RENAME CONSTRAINT {a} TO {b};"));
        }
    };
    rename(
        names::primary_key_name(before),
        names::primary_key_name(after),
    );
    for (a, b) in before.uniques.iter().zip(&after.uniques) {
        rename(names::unique_name(before, a), names::unique_name(after, b));
    }
    for (a, b) in before.foreign_keys.iter().zip(&after.foreign_keys) {
        rename(
            names::foreign_key_name(before, a),
            names::foreign_key_name(after, b),
        );
    }
    for i in 0..before.checks.len().min(after.checks.len()) {
        let d = dialect(Backend::Postgres);
        if d.check_expr(before, &before.checks[i].expr).is_some() {
            rename(names::check_name(before, i), names::check_name(after, i));
        }
    }
    for (a, b) in before.indexes.iter().zip(&after.indexes) {
        let (x, y) = (names::index_name(before, a), names::index_name(after, b));
        if x != y {
            out.push(format!("ALTER INDEX {x} RENAME TO {y};"));
        }
    }
    out
}

fn pg_wraps_raw(ops: &[Operation]) -> bool {
    ops.iter().any(|op| match op {
        Operation::AlterColumn { from, to, .. } => from.ty != to.ty,
        Operation::DropColumn { .. } | Operation::DropTable { .. } => true,
        _ => false,
    })
}

/// The names of the raw blocks that `ops` drop and add.
fn raw_block_changes(ops: &[Operation]) -> (HashSet<&str>, HashSet<&str>) {
    let mut dropped = HashSet::new();
    let mut added = HashSet::new();
    for op in ops {
        match op {
            Operation::DropRawBlock { block } => {
                dropped.insert(block.name.as_str());
            }
            Operation::AddRawBlock { block } => {
                added.insert(block.name.as_str());
            }
            _ => {}
        }
    }
    (dropped, added)
}

/// Drops (into `out`, newest first) every raw block of `start` that the
/// migration keeps, so that a rebuild or type change can run beneath the
/// views and triggers; returns them in file order, to recreate afterwards.
fn drop_kept_blocks(
    start: &Schema,
    dropped_by_op: &HashSet<&str>,
    backend: Backend,
    out: &mut Vec<String>,
) -> Vec<RawBlock> {
    let mut kept = Vec::new();
    for b in start.raw_blocks.iter().rev() {
        if !dropped_by_op.contains(b.name.as_str()) {
            out.extend(raw_down(b, backend));
            kept.insert(0, b.clone());
        }
    }
    kept
}

fn render_postgres(start: &Schema, ops: &[Operation], down: bool) -> String {
    let backend = Backend::Postgres;
    let d = dialect(backend);
    let mut state = start.clone();
    let mut out: Vec<String> = Vec::new();
    let wrap = pg_wraps_raw(ops);
    let (dropped_by_op, added_by_op) = raw_block_changes(ops);
    let kept_blocks: Vec<RawBlock> = if wrap {
        drop_kept_blocks(start, &dropped_by_op, backend, &mut out)
    } else {
        Vec::new()
    };
    let mut restored = false;
    for op in ops {
        if wrap && !restored && matches!(op, Operation::AddRawBlock { .. }) {
            for b in &kept_blocks {
                if !added_by_op.contains(b.name.as_str()) {
                    out.extend(raw_up(b, backend));
                }
            }
            restored = true;
        }
        let before = state.clone();
        apply(&mut state, op);
        let after = &state;
        if let Some(t) = op.table() {
            let on = exists_on(&before, t, backend)
                || op_created_table(op).is_some_and(|t| t.scope.includes(backend));
            if !on {
                continue;
            }
        }
        let mut stmts: Vec<String> = Vec::new();
        match op {
            Operation::CreateTable { table } => {
                stmts.push(d.create_table(after, table, &[]));
                stmts.extend(d.comment_statements(table));
                for ix in &table.indexes {
                    stmts.push(d.create_index(table, ix));
                }
            }
            Operation::DropTable { table } => stmts.push(d.drop_table(table)),
            Operation::RenameTable { from, to, .. } => {
                let (Some(bt), Some(at)) = (before.table(from), after.table(to)) else {
                    continue;
                };
                if bt.sql_name() != at.sql_name() {
                    stmts.push(format!(
                        "ALTER TABLE {} RENAME TO {};",
                        bt.sql_name(),
                        at.sql_name()
                    ));
                }
                stmts.extend(pg_rename_derived(bt, at));
            }
            Operation::RenameColumn {
                table, from, to, ..
            } => {
                let (Some(bt), Some(at)) = (before.table(table), after.table(table)) else {
                    continue;
                };
                let (a, b) = (bt.column_sql_name(from), at.column_sql_name(to));
                if a != b {
                    stmts.push(format!(
                        "ALTER TABLE {} RENAME COLUMN {a} TO {b};",
                        at.sql_name()
                    ));
                }
                stmts.extend(pg_rename_derived(bt, at));
            }
            Operation::AddColumn { table, column } => {
                let Some(at) = after.table(table) else {
                    continue;
                };
                let mut def = d.column_definition(at, column);
                if !column.insert_optional() {
                    def.push_str(&format!(" DEFAULT {}", fill_value(d, column)));
                }
                stmts.push(format!("ALTER TABLE {} ADD COLUMN {def};", at.sql_name()));
                if !column.insert_optional() {
                    stmts.push(format!(
                        "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT;",
                        at.sql_name(),
                        column.sql_name()
                    ));
                }
                stmts.extend(d.column_comment(at, column));
            }
            Operation::DropColumn { table, column } => {
                let Some(bt) = before.table(table) else {
                    continue;
                };
                stmts.push(format!(
                    "ALTER TABLE {} DROP COLUMN {};",
                    bt.sql_name(),
                    column.sql_name()
                ));
            }
            Operation::AlterColumn { table, from, to } => {
                let Some(at) = after.table(table) else {
                    continue;
                };
                let t = at.sql_name();
                let c = to.sql_name();
                let retype = from.ty != to.ty;
                if retype && from.default.is_some() {
                    stmts.push(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT;"));
                }
                if retype {
                    let ty = d.column_type(to.ty);
                    match pg_using(c, from.ty, to.ty) {
                        Some(using) => stmts.push(format!(
                            "ALTER TABLE {t} ALTER COLUMN {c} TYPE {ty} USING {using};"
                        )),
                        None => stmts.push(format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE {ty};")),
                    }
                }
                if from.nullable && !to.nullable {
                    stmts.push(format!(
                        "UPDATE {t} SET {c} = {} WHERE {c} IS NULL;",
                        value_for_missing(d, to)
                    ));
                    stmts.push(format!("ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;"));
                } else if !from.nullable && to.nullable {
                    stmts.push(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP NOT NULL;"));
                }
                match &to.default {
                    Some(def) if retype || from.default.as_ref() != Some(def) => {
                        stmts.push(format!(
                            "ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {};",
                            d.default_sql(to, def)
                        ))
                    }
                    None if from.default.is_some() && !retype => {
                        stmts.push(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT;"))
                    }
                    _ => {}
                }
            }
            Operation::AddPrimaryKey { table, .. } => {
                let Some(at) = after.table(table) else {
                    continue;
                };
                if let Some(pk) = d.primary_key_constraint(at) {
                    stmts.push(format!("ALTER TABLE {} ADD {pk};", at.sql_name()));
                }
            }
            Operation::DropPrimaryKey { table, .. } => {
                let Some(bt) = before.table(table) else {
                    continue;
                };
                stmts.push(format!(
                    "ALTER TABLE {} DROP CONSTRAINT {};",
                    bt.sql_name(),
                    names::primary_key_name(bt)
                ));
            }
            Operation::AddForeignKey { table, foreign_key } => {
                let Some(at) = after.table(table) else {
                    continue;
                };
                stmts.extend(d.add_foreign_key(after, at, foreign_key));
            }
            Operation::DropForeignKey { table, foreign_key } => {
                let Some(bt) = before.table(table) else {
                    continue;
                };
                stmts.extend(d.drop_foreign_key(bt, foreign_key));
            }
            Operation::AddUnique { table, unique } => {
                let Some(at) = after.table(table) else {
                    continue;
                };
                stmts.push(format!(
                    "ALTER TABLE {} ADD {};",
                    at.sql_name(),
                    d.unique_constraint(at, unique)
                ));
            }
            Operation::DropUnique { table, unique } => {
                let Some(bt) = before.table(table) else {
                    continue;
                };
                stmts.push(format!(
                    "ALTER TABLE {} DROP CONSTRAINT {};",
                    bt.sql_name(),
                    names::unique_name(bt, unique)
                ));
            }
            Operation::AddCheck { table, check } => {
                let Some(at) = after.table(table) else {
                    continue;
                };
                if let Some(expr) = d.check_expr(at, &check.expr) {
                    stmts.push(format!(
                        "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({expr});",
                        at.sql_name(),
                        check.name.clone().unwrap_or_default()
                    ));
                }
            }
            Operation::DropCheck { table, check } => {
                let Some(bt) = before.table(table) else {
                    continue;
                };
                if d.check_expr(bt, &check.expr).is_some() {
                    stmts.push(format!(
                        "ALTER TABLE {} DROP CONSTRAINT {};",
                        bt.sql_name(),
                        check.name.clone().unwrap_or_default()
                    ));
                }
            }
            Operation::AddIndex { table, index } => {
                let Some(at) = after.table(table) else {
                    continue;
                };
                stmts.push(d.create_index(at, index));
            }
            Operation::DropIndex { table, index } => {
                let Some(bt) = before.table(table) else {
                    continue;
                };
                stmts.push(d.drop_index(bt, index));
            }
            Operation::AddRawBlock { block } => stmts.extend(raw_up(block, backend)),
            Operation::DropRawBlock { block } => stmts.extend(raw_down(block, backend)),
        }
        if stmts.is_empty() {
            continue;
        }
        if let Some(c) = loss_comment(op, down) {
            stmts[0] = format!("{c}\n{}", stmts[0]);
        }
        out.extend(stmts);
    }
    if wrap && !restored {
        for b in &kept_blocks {
            if !added_by_op.contains(b.name.as_str()) {
                out.extend(raw_up(b, backend));
            }
        }
    }
    join(&out)
}

fn op_created_table(op: &Operation) -> Option<&Table> {
    match op {
        Operation::CreateTable { table } => Some(table),
        _ => None,
    }
}

// ----- SQLite ----------------------------------------------------------------

/// Whether SQLite can perform `op` with `ALTER TABLE`/`CREATE`/`DROP`
/// (given the table before and after it), or the table must be rebuilt.
fn sqlite_simple(op: &Operation, before: &Schema, after: &Schema) -> bool {
    match op {
        Operation::CreateTable { .. }
        | Operation::DropTable { .. }
        | Operation::AddIndex { .. }
        | Operation::DropIndex { .. }
        | Operation::AddRawBlock { .. }
        | Operation::DropRawBlock { .. } => true,
        Operation::AddColumn { column, .. } => {
            let constant_default = column
                .default
                .as_ref()
                .is_none_or(|d| !matches!(d, DefaultValue::Now | DefaultValue::Uuid));
            !column.auto_increment
                && constant_default
                && (column.nullable || column.default.is_some())
        }
        Operation::DropColumn { table, column } => before.table(table).is_some_and(|t| {
            let c = &column.name;
            !t.primary_key.contains(c)
                && t.foreign_keys.iter().all(|f| !f.columns.contains(c))
                && t.uniques.iter().all(|u| !u.columns.contains(c))
                && t.indexes
                    .iter()
                    .all(|i| i.columns.iter().all(|x| &x.column != c))
                && t.checks.iter().all(|k| match &k.expr {
                    CheckExpr::In { column, .. } | CheckExpr::JsonValid { column } => column != c,
                    CheckExpr::Raw { .. } => false,
                })
                && !before.tables.iter().any(|o| {
                    o.foreign_keys
                        .iter()
                        .any(|f| &f.ref_table == table && f.ref_columns.contains(c))
                })
        }),
        Operation::RenameTable { from, to, .. } => match (before.table(from), after.table(to)) {
            (Some(b), Some(a)) => same_derived_names(b, a),
            _ => false,
        },
        Operation::RenameColumn { table, .. } => match (before.table(table), after.table(table)) {
            (Some(b), Some(a)) => same_derived_names(b, a),
            _ => false,
        },
        _ => false,
    }
}

fn same_derived_names(b: &Table, a: &Table) -> bool {
    let pk_same = (b.auto_increment_column().is_some() && a.auto_increment_column().is_some())
        || names::primary_key_name(b) == names::primary_key_name(a);
    let n = |f: fn(&Table) -> Vec<Option<String>>| f(b) == f(a);
    pk_same
        && n(|t| resolved_uniques(t).into_iter().map(|x| x.name).collect())
        && n(|t| {
            resolved_foreign_keys(t)
                .into_iter()
                .map(|x| x.name)
                .collect()
        })
        && n(|t| resolved_checks(t).into_iter().map(|x| x.name).collect())
        && n(|t| resolved_indexes(t).into_iter().map(|x| x.name).collect())
}

/// Where a column of a rebuilt table takes its values from.
#[derive(Clone, Debug)]
enum Source {
    /// An existing column (its definition in the database before the migration).
    Column(Column),
    /// A column added by this migration.
    New,
}

/// A table rebuilt on SQLite.
#[derive(Clone, Debug)]
struct Rebuild {
    /// Its SQL name in the database before the rebuild.
    source_sql: String,
    /// Its final definition (name at the end of the migration).
    target: String,
    /// For each final column: where its values come from.
    columns: HashMap<String, Source>,
}

/// The SQLite expression converting `src` (a column of type `from`) to `to`.
fn sqlite_convert(src: &str, from: &Column, to: &Column) -> String {
    use ColumnType as T;
    let e = src;
    let converted = match (from.ty, to.ty) {
        (a, b) if a == b => e.to_string(),
        (T::Double, b) if b.is_integer() => format!("CAST({e} AS INTEGER)"),
        (T::Uuid, T::Text { .. }) => format!(
            "CASE WHEN {e} IS NULL THEN NULL ELSE lower(substr(hex({e}), 1, 8) || '-' || substr(hex({e}), 9, 4) || '-' || substr(hex({e}), 13, 4) || '-' || substr(hex({e}), 17, 4) || '-' || substr(hex({e}), 21, 12)) END"
        ),
        (T::Bool, T::Text { .. }) => {
            format!("CASE {e} WHEN 1 THEN 'true' WHEN 0 THEN 'false' END")
        }
        (a, T::Text { .. }) if a.is_integer() => format!("CAST({e} AS TEXT)"),
        (T::Text { .. }, T::Uuid) => format!(
            "CASE WHEN {e} IS NULL THEN NULL ELSE coalesce(unhex(replace({e}, '-', '')), X'00') END"
        ),
        (a, T::Double) if a.is_integer() => format!("CAST({e} AS REAL)"),
        // Down directions of the conversions above; a value that does not
        // convert stays as it is, so the STRICT column or its check refuses it.
        (T::Text { .. }, T::Bool) => {
            format!("CASE {e} WHEN 'true' THEN 1 WHEN 'false' THEN 0 ELSE {e} END")
        }
        (T::Text { .. }, b) if b.is_integer() => format!(
            "CASE WHEN CAST(CAST({e} AS INTEGER) AS TEXT) = {e} THEN CAST({e} AS INTEGER) ELSE {e} END"
        ),
        _ => e.to_string(),
    };
    if from.nullable && !to.nullable {
        format!(
            "coalesce({converted}, {})",
            value_for_missing(dialect(Backend::Sqlite), to)
        )
    } else {
        converted
    }
}

fn render_sqlite(start: &Schema, ops: &[Operation], down: bool) -> String {
    let backend = Backend::Sqlite;
    let d = dialect(backend);

    // Pass 1: which tables are rebuilt, created, dropped; final state.
    // Names are tracked to the end of the migration.
    let mut state = start.clone();
    let mut origin: HashMap<String, String> = HashMap::new(); // current name -> original name
    for t in &start.tables {
        origin.insert(t.name.clone(), t.name.clone());
    }
    let mut dirty_origins: HashSet<String> = HashSet::new();
    let mut created_now: HashSet<String> = HashSet::new(); // current names
    let mut rebuilds: HashMap<String, Rebuild> = HashMap::new(); // by origin
    for t in start.tables_for(backend) {
        rebuilds.insert(
            t.name.clone(),
            Rebuild {
                source_sql: t.sql_name().to_string(),
                target: t.name.clone(),
                columns: t
                    .columns
                    .iter()
                    .map(|c| (c.name.clone(), Source::Column(c.clone())))
                    .collect(),
            },
        );
    }
    let mut absorbed: Vec<bool> = Vec::with_capacity(ops.len());
    for op in ops {
        let before = state.clone();
        apply(&mut state, op);
        let table = op.table().map(str::to_string);
        let on = table.as_deref().is_none_or(|t| {
            exists_on(&before, t, backend)
                || op_created_table(op).is_some_and(|t| t.scope.includes(backend))
        });
        if !on {
            absorbed.push(true);
            continue;
        }
        let org = table.as_deref().and_then(|t| origin.get(t).cloned());
        let in_created = table.as_deref().is_some_and(|t| created_now.contains(t));
        // Track the column sources of pre-existing tables.
        if let Some(o) = &org {
            if let Some(r) = rebuilds.get_mut(o) {
                match op {
                    Operation::RenameTable { to, .. } => r.target = to.clone(),
                    Operation::RenameColumn { from, to, .. } => {
                        if let Some(s) = r.columns.remove(from) {
                            r.columns.insert(to.clone(), s);
                        }
                    }
                    Operation::DropColumn { column, .. } => {
                        r.columns.remove(&column.name);
                    }
                    Operation::AddColumn { column, .. } => {
                        r.columns.insert(column.name.clone(), Source::New);
                    }
                    _ => {}
                }
            }
        }
        match op {
            Operation::RenameTable { from, to, .. } => {
                if let Some(o) = origin.remove(from) {
                    origin.insert(to.clone(), o);
                }
                if created_now.remove(from) {
                    created_now.insert(to.clone());
                }
            }
            Operation::CreateTable { table } => {
                created_now.insert(table.name.clone());
                origin.remove(&table.name);
            }
            Operation::DropTable { table } => {
                origin.remove(&table.name);
            }
            _ => {}
        }
        let simple = sqlite_simple(op, &before, &state);
        let is_absorbed = if in_created && !matches!(op, Operation::CreateTable { .. }) {
            // A table created in this migration is created in its final form.
            true
        } else if let (Some(o), false) = (&org, simple) {
            dirty_origins.insert(o.clone());
            true
        } else {
            false
        };
        absorbed.push(is_absorbed);
    }
    let final_state = state;
    // Ops on dirty tables are all absorbed into the rebuild.
    let mut state = start.clone();
    let mut origin: HashMap<String, String> = start
        .tables
        .iter()
        .map(|t| (t.name.clone(), t.name.clone()))
        .collect();
    for (i, op) in ops.iter().enumerate() {
        if let Some(t) = op.table() {
            if let Some(o) = origin.get(t) {
                if dirty_origins.contains(o) && !matches!(op, Operation::DropTable { .. }) {
                    absorbed[i] = true;
                }
            }
        }
        if let Operation::RenameTable { from, to, .. } = op {
            if let Some(o) = origin.remove(from) {
                origin.insert(to.clone(), o);
            }
        }
        apply(&mut state, op);
    }

    let group = !dirty_origins.is_empty();
    let (dropped_by_op, added_by_op) = raw_block_changes(ops);

    // Pass 2: render.
    let mut out: Vec<String> = Vec::new();
    let kept_blocks: Vec<RawBlock> = if group {
        drop_kept_blocks(start, &dropped_by_op, backend, &mut out)
    } else {
        Vec::new()
    };
    let mut state = start.clone();
    let mut deferred_drops: Vec<Table> = Vec::new();
    let mut group_done = false;
    for (i, op) in ops.iter().enumerate() {
        if group && !group_done && matches!(op, Operation::AddRawBlock { .. }) {
            out.extend(rebuild_step(
                start,
                &final_state,
                &dirty_origins,
                &rebuilds,
                &deferred_drops,
                &kept_blocks,
                &added_by_op,
            ));
            group_done = true;
        }
        let before = state.clone();
        apply(&mut state, op);
        if absorbed[i] {
            continue;
        }
        let mut stmts: Vec<String> = Vec::new();
        match op {
            Operation::CreateTable { table } => {
                // Created in its final form (later operations on it are absorbed).
                let fin = final_state
                    .tables
                    .iter()
                    .find(|t| t.name == final_name_of(ops, i, &table.name))
                    .unwrap_or(table);
                stmts.push(d.create_table(&final_state, fin, &[]));
                for ix in &fin.indexes {
                    stmts.push(d.create_index(fin, ix));
                }
            }
            Operation::DropTable { table } => {
                if group {
                    deferred_drops.push(table.clone());
                    continue;
                }
                let referenced = before.tables.iter().any(|o| {
                    o.name != table.name && o.foreign_keys.iter().any(|f| f.ref_table == table.name)
                });
                if referenced {
                    stmts.push("PRAGMA defer_foreign_keys = ON;".into());
                }
                stmts.push(d.drop_table(table));
            }
            Operation::RenameTable { from, to, .. } => {
                let (Some(bt), Some(at)) = (before.table(from), state.table(to)) else {
                    continue;
                };
                if bt.sql_name() != at.sql_name() {
                    stmts.push(format!(
                        "ALTER TABLE {} RENAME TO {};",
                        bt.sql_name(),
                        at.sql_name()
                    ));
                }
            }
            Operation::RenameColumn {
                table, from, to, ..
            } => {
                let (Some(bt), Some(at)) = (before.table(table), state.table(table)) else {
                    continue;
                };
                let (a, b) = (bt.column_sql_name(from), at.column_sql_name(to));
                if a != b {
                    stmts.push(format!(
                        "ALTER TABLE {} RENAME COLUMN {a} TO {b};",
                        at.sql_name()
                    ));
                }
            }
            Operation::AddColumn { table, column } => {
                let Some(at) = state.table(table) else {
                    continue;
                };
                stmts.push(format!(
                    "ALTER TABLE {} ADD COLUMN {};",
                    at.sql_name(),
                    d.column_definition(at, column)
                ));
            }
            Operation::DropColumn { table, column } => {
                let Some(bt) = before.table(table) else {
                    continue;
                };
                stmts.push(format!(
                    "ALTER TABLE {} DROP COLUMN {};",
                    bt.sql_name(),
                    column.sql_name()
                ));
            }
            Operation::AddIndex { table, index } => {
                let Some(at) = state.table(table) else {
                    continue;
                };
                stmts.push(d.create_index(at, index));
            }
            Operation::DropIndex { table, index } => {
                let Some(bt) = before.table(table) else {
                    continue;
                };
                stmts.push(d.drop_index(bt, index));
            }
            Operation::AddRawBlock { block } => stmts.extend(raw_up(block, backend)),
            Operation::DropRawBlock { block } => stmts.extend(raw_down(block, backend)),
            _ => {}
        }
        if stmts.is_empty() {
            continue;
        }
        if let Some(c) = loss_comment(op, down) {
            stmts[0] = format!("{c}\n{}", stmts[0]);
        }
        out.extend(stmts);
    }
    if group && !group_done {
        out.extend(rebuild_step(
            start,
            &final_state,
            &dirty_origins,
            &rebuilds,
            &deferred_drops,
            &kept_blocks,
            &added_by_op,
        ));
    }
    // Data-loss notes for absorbed destructive operations.
    let notes: Vec<String> = ops
        .iter()
        .enumerate()
        .filter(|(i, _)| absorbed[*i])
        .filter_map(|(_, op)| loss_comment(op, down))
        .collect();
    if !notes.is_empty() {
        out.insert(0, notes.join("\n"));
    }
    join(&out)
}

/// The name the table created by `ops[i]` has at the end of `ops`.
fn final_name_of(ops: &[Operation], i: usize, name: &str) -> String {
    let mut n = name.to_string();
    for op in &ops[i + 1..] {
        if let Operation::RenameTable { from, to, .. } = op {
            if *from == n {
                n = to.clone();
            }
        }
    }
    n
}

/// The one rebuild of every dirty table, the tables that reference them,
/// and the drop of tables dropped by this migration.
fn rebuild_step(
    start: &Schema,
    final_state: &Schema,
    dirty: &HashSet<String>,
    rebuilds: &HashMap<String, Rebuild>,
    drops: &[Table],
    kept_blocks: &[RawBlock],
    added_by_op: &HashSet<&str>,
) -> Vec<String> {
    let backend = Backend::Sqlite;
    let d = dialect(backend);
    // Group members by final name, with their sources.
    let mut members: Vec<String> = dirty
        .iter()
        .filter_map(|o| rebuilds.get(o).map(|r| r.target.clone()))
        .filter(|n| final_state.table(n).is_some())
        .collect();
    // Add every table that references a member, transitively.
    loop {
        let mut added = false;
        for t in final_state.tables_for(backend) {
            if members.contains(&t.name) {
                continue;
            }
            if t.foreign_keys
                .iter()
                .any(|f| f.ref_table != t.name && members.contains(&f.ref_table))
            {
                members.push(t.name.clone());
                added = true;
            }
        }
        if !added {
            break;
        }
    }
    let by_target: HashMap<&str, &Rebuild> = rebuilds
        .iter()
        .filter(|(o, _)| dirty.contains(*o))
        .map(|(_, r)| (r.target.as_str(), r))
        .collect();
    // Final tables in creation order (parents first).
    let order: Vec<&Table> = crate::render::ddl::table_order(final_state, backend)
        .into_iter()
        .filter(|t| members.contains(&t.name))
        .collect();
    let temp = |sql: &str| format!("{sql}{REBUILD_SUFFIX}");
    let member_sql: Vec<String> = order.iter().map(|t| t.sql_name().to_string()).collect();

    let mut out = Vec::new();
    let words: Vec<&str> = order.iter().map(|t| t.name.as_str()).collect();
    out.push(format!(
        "-- Rebuild {} (SQLite cannot ALTER these changes in place); every row is copied.\n\
         -- Tables that reference a rebuilt table are rebuilt with it, so that no DROP\n\
         -- deletes a referenced row (no ON DELETE action fires).\n\
         PRAGMA defer_foreign_keys = ON;",
        words.join(", ")
    ));
    for t in &order {
        let mut sql = d.create_table(final_state, t, &[]);
        // Strip doc comment lines before CREATE: they stay with the final table.
        let header = format!("CREATE TABLE {} (", t.sql_name());
        if let Some(pos) = sql.find(&header) {
            sql = format!(
                "CREATE TABLE {} ({}",
                temp(t.sql_name()),
                &sql[pos + header.len()..]
            );
        }
        for m in &member_sql {
            sql = sql.replace(
                &format!("REFERENCES {m} ("),
                &format!("REFERENCES {} (", temp(m)),
            );
        }
        out.push(sql);
    }
    for t in &order {
        let (source_sql, mapping): (String, Vec<(String, String)>) =
            match by_target.get(t.name.as_str()) {
                Some(r) => {
                    let mut cols = Vec::new();
                    for c in &t.columns {
                        match r.columns.get(&c.name) {
                            Some(Source::Column(old)) => cols.push((
                                c.sql_name().to_string(),
                                sqlite_convert(old.sql_name(), old, c),
                            )),
                            Some(Source::New) | None => {
                                if !c.insert_optional() {
                                    cols.push((c.sql_name().to_string(), fill_value(d, c)));
                                }
                            }
                        }
                    }
                    (r.source_sql.clone(), cols)
                }
                None => (
                    t.sql_name().to_string(),
                    t.columns
                        .iter()
                        .map(|c| (c.sql_name().to_string(), c.sql_name().to_string()))
                        .collect(),
                ),
            };
        let names: Vec<&str> = mapping.iter().map(|(n, _)| n.as_str()).collect();
        let exprs: Vec<&str> = mapping.iter().map(|(_, e)| e.as_str()).collect();
        out.push(format!(
            "INSERT INTO {} ({})\nSELECT {}\nFROM {source_sql};",
            temp(t.sql_name()),
            names.join(", "),
            exprs.join(", ")
        ));
    }
    // Drop the old tables and the dropped ones, children first.
    let mut old_tables: Vec<Table> = Vec::new();
    for t in &order {
        match by_target.get(t.name.as_str()) {
            Some(r) => {
                if let Some(src) = start.tables.iter().find(|s| s.sql_name() == r.source_sql) {
                    old_tables.push(src.clone());
                }
            }
            None => old_tables.push((*t).clone()),
        }
    }
    old_tables.extend(drops.iter().cloned());
    // Guard: DROP TABLE takes every index and trigger of the table with it,
    // and only the schema's own are recreated. An index or trigger added by a
    // hand-written migration would vanish silently (a lost unique index is
    // lost integrity), so the migration fails instead and says so.
    let rebuilt: Vec<&Table> = old_tables
        .iter()
        .filter(|t| !drops.iter().any(|x| x.name == t.name))
        .collect();
    if !rebuilt.is_empty() {
        let tables: Vec<String> = rebuilt
            .iter()
            .map(|t| crate::render::ddl::quote_literal(t.sql_name()))
            .collect();
        let mut known: Vec<String> = rebuilt
            .iter()
            .flat_map(|t| {
                t.indexes
                    .iter()
                    .map(|ix| crate::render::ddl::quote_literal(&crate::names::index_name(t, ix)))
            })
            .collect();
        known.push("''".into());
        out.push(format!(
            "-- Fail the migration if a rebuilt table carries an index or trigger that the schema\n\
             -- does not know (one added by a hand-written migration): DROP TABLE would lose it.\n\
             -- Declare it in the schema file (or drop it in a hand-written migration first).\n\
             CREATE TEMP TABLE cloacina_unknown_objects (\n    \
             unknown INTEGER NOT NULL,\n    \
             CONSTRAINT rebuilt_tables_have_no_unknown_indexes_or_triggers CHECK (unknown = 0)\n);\n\n\
             INSERT INTO cloacina_unknown_objects SELECT count(*) FROM sqlite_schema\n\
             WHERE type IN ('index', 'trigger') AND tbl_name IN ({})\n\
             AND name NOT LIKE 'sqlite_autoindex_%' AND name NOT IN ({});\n\n\
             DROP TABLE cloacina_unknown_objects;",
            tables.join(", "),
            known.join(", ")
        ));
    }
    let tmp = Schema {
        tables: old_tables,
        raw_blocks: vec![],
    };
    for t in crate::render::ddl::table_order(&tmp, backend)
        .into_iter()
        .rev()
    {
        let mut s = d.drop_table(t);
        if drops.iter().any(|x| x.name == t.name) {
            s = format!(
                "-- DATA LOSS: the rows of {} are deleted with the table.\n{s}",
                t.sql_name()
            );
        }
        out.push(s);
    }
    for t in &order {
        out.push(format!(
            "ALTER TABLE {} RENAME TO {};",
            temp(t.sql_name()),
            t.sql_name()
        ));
    }
    for t in &order {
        for ix in &t.indexes {
            out.push(d.create_index(t, ix));
        }
    }
    for b in kept_blocks {
        if !added_by_op.contains(b.name.as_str()) {
            out.extend(raw_up(b, backend));
        }
    }
    out.push(String::from(
        "-- Fail the migration if any foreign key is violated (works with foreign keys off, too).\n\
         CREATE TEMP TABLE cloacina_fk_check (\n    \
         violations INTEGER NOT NULL,\n    \
         CONSTRAINT foreign_keys_hold CHECK (violations = 0)\n);\n\n\
         INSERT INTO cloacina_fk_check SELECT count(*) FROM pragma_foreign_key_check();\n\n\
         DROP TABLE cloacina_fk_check;"
    ));
    out
}
