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
//! derives. A type change, column drop or table drop runs beneath the
//! `raw_sql!` blocks that name its table (dropped first, recreated after,
//! the rows of the tables they create copied aside and put back); every
//! other raw block is left alone. A type change also runs beneath the
//! checks and partial indexes that name its column (dropped first,
//! re-created after for the new type), which PostgreSQL would otherwise
//! re-parse against the new type. Every step is in place, so no row is lost
//! that the schema did not ask to drop.
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
//! -- guard: refuse an undeclared table that references a rebuilt one;
//! --        record the row count of every table that survives
//! -- lift the raw_sql! blocks that name a rebuilt table (their rows saved)
//! PRAGMA defer_foreign_keys = ON;
//! CREATE TABLE t__cloacina_new (…final definition…);      -- parents first
//! INSERT INTO t__cloacina_new (…) SELECT …conversions… FROM t;
//! DROP TABLE t;                                             -- children first
//! ALTER TABLE t__cloacina_new RENAME TO t;
//! CREATE INDEX …;                                           -- final indexes
//! -- recreate the lifted raw blocks, put their rows back
//! -- guard: same row counts; foreign keys of the rebuilt tables hold
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
//! order.
//!
//! Objects made by hand-written migrations are known from the replayed
//! history ([`crate::replay`], passed in as [`BuiltObjects`] through
//! [`render_with`]): a hand-made table that references a rebuilt table
//! (or a lifted raw table, transitively) is carried like a raw table (rows
//! saved, dropped, re-created from its own SQL, rows put back), its indexes
//! and triggers and the hand-made indexes and triggers on rebuilt tables
//! are re-created, and hand-made views and triggers that name any of them
//! are dropped before the rebuild and re-created after it. What cannot be
//! carried (a child of a table the migration drops or renames, a view that
//! names one) is refused at plan time by [`hand_made_refusal`]; `down.sql`
//! is planned the same way but not refused (and knows only the hand-made
//! objects: what the old schema built, `up` renamed, changed or dropped). Every other hand-made object is
//! left alone. A table the plan still does not know (made outside the
//! history) that references a rebuilt or dropped table would lose its rows,
//! so the migration refuses to run, naming it. `raw_sql!` blocks that name a
//! rebuilt or dropped table (directly, or through an object another such
//! block creates) are dropped before the rebuild and recreated after it,
//! since SQLite refuses to rename a table while a view names a missing one;
//! the rows of the tables they create are copied to temporary tables first
//! and put back. Every other raw block is left alone.
//!
//! The guard's checks report through a temporary table whose trigger
//! `RAISE`s the message (an expression, which the bundled SQLite allows):
//! the migration fails, rolled back, naming the table and both row counts,
//! or the first row whose foreign key is violated. Only the foreign keys of
//! the rebuilt and carried tables are checked, so an old orphan elsewhere
//! does not block a rebuild.

use std::collections::{HashMap, HashSet};

use crate::diff::{
    apply, conversion, invert_all, resolved_checks, resolved_foreign_keys, resolved_indexes,
    resolved_uniques, Conversion, EarlyUse, Operation,
};
use crate::model::*;
use crate::names;
use crate::render::ddl::{dialect, Dialect};
use crate::replay::{BuiltObject, BuiltObjects, ObjectKind};

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

/// Renders `ops` (which lead from `old` to the new schema) for `backend`,
/// knowing only the schema (no object made by a hand-written migration).
pub fn render(old: &Schema, ops: &[Operation], backend: Backend) -> MigrationSql {
    render_with(old, ops, backend, &BuiltObjects::default())
}

/// Renders `ops` (which lead from `old` to the new schema) for `backend`,
/// knowing what the history really built on SQLite (`built`): a SQLite
/// rebuild carries the tables, indexes, triggers and views that
/// hand-written migrations made around the tables it rebuilds. Check
/// [`hand_made_refusal`] first: what it names cannot be carried.
pub fn render_with(
    old: &Schema,
    ops: &[Operation],
    backend: Backend,
    built: &BuiltObjects,
) -> MigrationSql {
    let mut new = old.clone();
    for op in ops {
        apply(&mut new, op);
    }
    let inverse = invert_all(ops);
    // `built` is the database before `up`; after it, the objects the old
    // schema made are the new schema's (renamed, changed or dropped), not
    // hand-made ones: down.sql carries only what hand-written migrations
    // made.
    let built_after_up = BuiltObjects {
        objects: hand_made_objects(old, built).into_iter().cloned().collect(),
    };
    MigrationSql {
        backend,
        up: render_direction(old, ops, backend, false, built),
        down: render_direction(&new, &inverse, backend, true, &built_after_up),
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
        out.push_str(&format!(
            "--   {}. {}\n",
            i + 1,
            comment_text(&op.to_string())
        ));
    }
    out
}

/// `text` made safe inside a `--` comment line: line breaks and other
/// control characters (an enum label or a default may hold them) are
/// written as escapes (`\n`), so no text of the schema file ends the comment
/// and runs as SQL.
pub(crate) fn comment_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != '\t' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn exists_on(s: &Schema, table: &str, backend: Backend) -> bool {
    s.table(table).is_some_and(|t| t.scope.includes(backend))
}

/// The value every row gets when a `NOT NULL` column without a default is
/// added, or `NULL`s are forbidden: the type's zero value.
pub fn fill_value(d: &dyn Dialect, column: &Column) -> String {
    d.fill_value(column)
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

fn render_direction(
    start: &Schema,
    ops: &[Operation],
    backend: Backend,
    down: bool,
    built: &BuiltObjects,
) -> String {
    match backend {
        Backend::Postgres => render_postgres(start, ops, down),
        Backend::Sqlite => SqlitePlan::analyse(start, ops, built).emit(down),
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
                let change = match (from.ty, to.ty) {
                    // The enum keeps its name: say which labels change.
                    (ColumnType::Enum(a), ColumnType::Enum(b)) if a.sql_name() == b.sql_name() => {
                        format!("({})", comment_text(&crate::diff::type_change(from.ty, to.ty)))
                    }
                    _ => format!("from {} to {}", from.ty.neutral_name(), to.ty.neutral_name()),
                };
                notes.push(format!(
                    "-- Narrowing {table}.{} {change}: the migration fails on values that do not fit{}.",
                    to.sql_name(),
                    if from.ty == ColumnType::Double { "; fractions are cut (truncated toward zero)" } else { "" }
                ));
            }
            if down && from.ty != to.ty && conversion(to.ty, from.ty) == Conversion::Narrowing {
                notes.push(match (from.ty, to.ty) {
                    // Up refused rows with a label it removed: nothing was cut.
                    (ColumnType::Enum(a), ColumnType::Enum(b)) if a.sql_name() == b.sql_name() => format!(
                        "-- Widening back {table}.{} ({}).",
                        to.sql_name(),
                        comment_text(&crate::diff::type_change(from.ty, to.ty))
                    ),
                    _ => format!(
                        "-- Widening back: values cut by the up migration of {table}.{} are not restored.",
                        to.sql_name()
                    ),
                });
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

/// Recreates the kept raw blocks that the migration does not add itself.
fn restore_kept_blocks(
    kept: &[RawBlock],
    added_by_op: &HashSet<&str>,
    backend: Backend,
    out: &mut Vec<String>,
) {
    for b in kept {
        if !added_by_op.contains(b.name.as_str()) {
            out.extend(raw_up(b, backend));
        }
    }
}

/// Puts the operation's data-loss note above its first statement and adds
/// the statements to `out`.
fn emit_op(op: &Operation, down: bool, mut stmts: Vec<String>, out: &mut Vec<String>) {
    if stmts.is_empty() {
        return;
    }
    if let Some(c) = loss_comment(op, down) {
        stmts[0] = format!("{c}\n{}", stmts[0]);
    }
    out.extend(stmts);
}

/// Whether `op` touches this backend (its table exists there, or it
/// creates one that does).
fn on_backend(op: &Operation, before: &Schema, backend: Backend) -> bool {
    op.table().is_none_or(|t| {
        exists_on(before, t, backend)
            || op_created_table(op).is_some_and(|t| t.scope.includes(backend))
    })
}

fn render_postgres(start: &Schema, ops: &[Operation], down: bool) -> String {
    let backend = Backend::Postgres;
    let d = dialect(backend);
    let mut state = start.clone();
    let mut out: Vec<String> = Vec::new();
    // A type change or drop runs beneath the views and triggers of the raw
    // blocks that name its table; their tables' rows are put back after.
    let (dropped_by_op, added_by_op) = raw_block_changes(ops);
    let carry = RawCarry::new(
        start,
        pg_wrapped_tables(start, ops),
        &dropped_by_op,
        backend,
    );
    out.extend(carry.save_and_drop());
    let mut restored = carry.blocks.is_empty();
    let replaced = replaced_enums(start, ops);
    for op in ops {
        if !restored && matches!(op, Operation::AddRawBlock { .. }) {
            out.extend(carry.restore(&added_by_op));
            restored = true;
        }
        let before = state.clone();
        apply(&mut state, op);
        if on_backend(op, &before, backend) {
            emit_op(
                op,
                down,
                pg_statements(d, op, &before, &state, &replaced),
                &mut out,
            );
        }
    }
    if !restored {
        out.extend(carry.restore(&added_by_op));
    }
    join(&out)
}

/// The SQL names (lowercased) of the tables whose type changes, column
/// drops or drop a raw block's view or trigger may stand in the way of.
fn pg_wrapped_tables(start: &Schema, ops: &[Operation]) -> HashSet<String> {
    let mut state = start.clone();
    let mut names = HashSet::new();
    for op in ops {
        let wraps = match op {
            Operation::AlterColumn { from, to, .. } => from.ty != to.ty,
            Operation::DropColumn { .. } | Operation::DropTable { .. } => true,
            _ => false,
        };
        if let (true, Some(t)) = (wraps, op.table().and_then(|t| state.table(t))) {
            names.insert(t.sql_name().to_ascii_lowercase());
            names.insert(t.name.to_ascii_lowercase());
        }
        apply(&mut state, op);
    }
    names
}

/// The enums (SQL names) whose labels are only added by `ops` but that the
/// migration also uses (a default, a partial index, rows of a NOT NULL
/// column), with that use: PostgreSQL cannot use a label in the transaction
/// whose `ALTER TYPE … ADD VALUE` added it, so their type is replaced
/// (renamed aside, created anew, columns converted) as for any other label
/// change. So an `up` that adds a label and uses it at once, and a `down`
/// that adds a removed label back and uses it (the default again), run in
/// one migration instead of two.
fn replaced_enums(start: &Schema, ops: &[Operation]) -> HashMap<String, EarlyUse> {
    let end = crate::diff::apply_all(start, ops);
    ops.iter()
        .filter_map(|op| match op {
            Operation::ReplaceEnum { from, to }
                if crate::diff::enum_labels_added_only(&from.labels, &to.labels) =>
            {
                crate::diff::label_used_early(from, to, start, &end)
                    .map(|used| (to.sql_name.clone(), used))
            }
            _ => None,
        })
        .collect()
}

/// The PostgreSQL statements of one operation, given the schema `before`
/// and `after` it, and the enums whose type is `replaced` although labels
/// are only added ([`replaced_enums`]).
fn pg_statements(
    d: &dyn Dialect,
    op: &Operation,
    before: &Schema,
    after: &Schema,
    replaced: &HashMap<String, EarlyUse>,
) -> Vec<String> {
    let in_place = |from: &DbEnum, to: &DbEnum| {
        crate::diff::enum_labels_added_only(&from.labels, &to.labels)
            && !replaced.contains_key(&to.sql_name)
    };
    let backend = d.backend();
    let (bt, at) = match op.table() {
        Some(t) => (before.table(t), after.table(t)),
        None => (None, None),
    };
    let mut stmts: Vec<String> = Vec::new();
    match op {
        Operation::CreateTable { table } => {
            stmts.push(d.create_table(after, table, &[]));
            stmts.extend(d.comment_statements(table));
            stmts.extend(table.indexes.iter().map(|ix| d.create_index(table, ix)));
        }
        Operation::DropTable { table } => stmts.push(d.drop_table(table)),
        Operation::RenameTable { from, to, .. } => {
            if let (Some(bt), Some(at)) = (before.table(from), after.table(to)) {
                if bt.sql_name() != at.sql_name() {
                    stmts.push(d.rename_table(bt.sql_name(), at.sql_name()));
                }
                stmts.extend(d.rename_derived_names(bt, at));
            }
        }
        Operation::RenameColumn { from, to, .. } => {
            if let (Some(bt), Some(at)) = (bt, at) {
                let (a, b) = (bt.column_sql_name(from), at.column_sql_name(to));
                if a != b {
                    stmts.push(d.rename_column(at.sql_name(), a, b));
                }
                stmts.extend(d.rename_derived_names(bt, at));
            }
        }
        Operation::AddColumn { column, .. } => {
            stmts.extend(at.map(|at| d.add_column(at, column)).unwrap_or_default())
        }
        Operation::DropColumn { column, .. } => {
            stmts.extend(bt.map(|bt| d.drop_column(bt, column)))
        }
        Operation::AlterColumn { from, to, .. } => {
            if let (Some(bt), Some(at)) = (bt, at) {
                // Labels only added: `ALTER TYPE … ADD VALUE` (see
                // `Operation::ReplaceEnum`) already changed the column's type.
                let kept;
                let from = match (from.ty, to.ty) {
                    (ColumnType::Enum(a), ColumnType::Enum(b))
                        if a.sql_name() == b.sql_name()
                            && crate::diff::enum_labels_added_only(a.labels(), b.labels())
                            && !replaced.contains_key(b.sql_name()) =>
                    {
                        kept = Column {
                            ty: to.ty,
                            ..from.clone()
                        };
                        &kept
                    }
                    _ => from,
                };
                if let ColumnType::Enum(e) = to.ty {
                    if from.ty != to.ty {
                        stmts.extend(d.enum_values_guard(bt, from, e));
                    }
                }
                let around = RetypeDependents::of(bt, from, to);
                stmts.extend(around.drop(d, bt));
                stmts.extend(d.alter_column(at, from, to));
                stmts.extend(around.recreate(d, at));
            }
        }
        Operation::AddPrimaryKey { .. } => stmts.extend(at.and_then(|at| d.add_primary_key(at))),
        Operation::DropPrimaryKey { .. } => {
            stmts.extend(bt.map(|bt| d.drop_constraint(bt, &names::primary_key_name(bt))))
        }
        Operation::AddForeignKey { foreign_key, .. } => {
            stmts.extend(at.and_then(|at| d.add_foreign_key(after, at, foreign_key)))
        }
        Operation::DropForeignKey { foreign_key, .. } => {
            stmts.extend(bt.and_then(|bt| d.drop_foreign_key(bt, foreign_key)))
        }
        Operation::AlterForeignKey { to, .. } => {
            stmts.extend(at.and_then(|at| d.alter_foreign_key_deferrable(at, to)))
        }
        Operation::AddUnique { unique, .. } => stmts.extend(at.map(|at| d.add_unique(at, unique))),
        Operation::DropUnique { unique, .. } => {
            stmts.extend(bt.map(|bt| d.drop_constraint(bt, &names::unique_name(bt, unique))))
        }
        Operation::AddCheck { check, .. } => stmts.extend(at.and_then(|at| d.add_check(at, check))),
        Operation::DropCheck { check, .. } => {
            stmts.extend(bt.and_then(|bt| d.drop_check(bt, check)))
        }
        Operation::AddIndex { index, .. } => stmts.extend(at.map(|at| d.create_index(at, index))),
        Operation::DropIndex { index, .. } => stmts.extend(bt.map(|bt| d.drop_index(bt, index))),
        Operation::AddRawBlock { block } => stmts.extend(raw_up(block, backend)),
        Operation::DropRawBlock { block } => stmts.extend(raw_down(block, backend)),
        Operation::AddExtension { extension } => {
            stmts.push(crate::render::ddl::create_extension(extension))
        }
        Operation::DropExtension { extension } => {
            stmts.push(crate::render::ddl::drop_extension(&extension.name))
        }
        Operation::AlterExtension { from, to } => {
            stmts.extend(crate::render::ddl::alter_extension(from, to))
        }
        Operation::AddEnum { db_enum } => stmts.extend(d.create_enum(db_enum)),
        Operation::DropEnum { db_enum } => stmts.extend(d.drop_enum(db_enum)),
        Operation::ReplaceEnum { from, to } => {
            stmts.extend(d.replace_enum(from, to, in_place(from, to)));
            if let (Some(used), Some(first)) = (replaced.get(&to.sql_name), stmts.first_mut()) {
                *first = format!(
                    "-- Enum {} gains the label {:?}, which this migration already uses ({}): PostgreSQL cannot use a label in the transaction that adds it to the type, so the type is replaced and its columns converted.\n{first}",
                    to.sql_name,
                    used.label,
                    used.used_by
                );
            }
        }
        Operation::DropReplacedEnum { from, to } => {
            stmts.extend(d.drop_replaced_enum(from, to, in_place(from, to)))
        }
    }
    stmts
}

/// The checks and partial indexes of a table that name a column whose type
/// changes. PostgreSQL re-parses them against the new type inside `ALTER
/// COLUMN … TYPE` and fails where an operator or a typed literal no longer
/// fits (`text >= timestamp`), so they are dropped before it and re-created
/// after it, rendered for the new type. (SQLite rebuilds the table with its
/// final definition instead.) `down.sql` is the same rendering of the
/// inverse change.
struct RetypeDependents {
    checks: Vec<Check>,
    indexes: Vec<Index>,
}

impl RetypeDependents {
    fn of(before: &Table, from: &Column, to: &Column) -> Self {
        if from.ty == to.ty {
            return RetypeDependents {
                checks: Vec::new(),
                indexes: Vec::new(),
            };
        }
        let columns = [from, to];
        RetypeDependents {
            checks: crate::diff::resolved_checks(before)
                .into_iter()
                .filter(|c| check_mentions(c, &columns))
                .collect(),
            indexes: crate::diff::resolved_indexes(before)
                .into_iter()
                .filter(|ix| {
                    ix.predicate
                        .as_deref()
                        .is_some_and(|p| text_mentions(p, &columns))
                })
                .collect(),
        }
    }

    fn drop(&self, d: &dyn Dialect, before: &Table) -> Vec<String> {
        let checks = self.checks.iter().filter_map(|c| d.drop_check(before, c));
        let indexes = self.indexes.iter().map(|ix| d.drop_index(before, ix));
        checks.chain(indexes).collect()
    }

    fn recreate(&self, d: &dyn Dialect, after: &Table) -> Vec<String> {
        let checks = self.checks.iter().filter_map(|c| d.add_check(after, c));
        let indexes = self.indexes.iter().map(|ix| d.create_index(after, ix));
        checks.chain(indexes).collect()
    }
}

/// Whether a check names one of `columns` (a column check by its column, a
/// raw one anywhere in any of its spellings).
fn check_mentions(check: &Check, columns: &[&Column]) -> bool {
    match &check.expr {
        CheckExpr::In { column, .. } | CheckExpr::JsonValid { column } => {
            columns.iter().any(|c| &c.name == column)
        }
        CheckExpr::Raw {
            sql,
            postgres,
            sqlite,
        } => [sql, postgres, sqlite]
            .into_iter()
            .flatten()
            .any(|text| text_mentions(text, columns)),
    }
}

/// Whether SQL `text` names one of `columns` (by schema-file or SQL name) as
/// an identifier; words inside string literals do not count. Text that does
/// not even tokenize counts as naming them (re-creating an object around a
/// type change is safe; missing one makes the migration fail).
fn text_mentions(text: &str, columns: &[&Column]) -> bool {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::{Token, Tokenizer};
    if columns.is_empty() {
        return false;
    }
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, text).tokenize() else {
        return true;
    };
    tokens.iter().any(|t| match t {
        Token::Word(w) => columns.iter().any(|c| {
            [c.name.as_str(), c.sql_name()].into_iter().any(|name| {
                if w.quote_style.is_some() {
                    w.value == name
                } else {
                    w.value.eq_ignore_ascii_case(name)
                }
            })
        }),
        _ => false,
    })
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
        | Operation::DropRawBlock { .. }
        | Operation::AddExtension { .. }
        | Operation::DropExtension { .. }
        | Operation::AlterExtension { .. }
        | Operation::AddEnum { .. }
        | Operation::DropEnum { .. }
        | Operation::ReplaceEnum { .. }
        | Operation::DropReplacedEnum { .. } => true,
        Operation::AddColumn { column, .. } => {
            // SQLite's ADD COLUMN refuses a default in parentheses ("non-constant
            // default"), which is how `now`, `uuid` and expressions are spelled.
            let constant_default = column.default.as_ref().is_none_or(|d| {
                !matches!(
                    d,
                    DefaultValue::Now
                        | DefaultValue::Uuid
                        | DefaultValue::Expr(_)
                        | DefaultValue::Raw(_)
                )
            });
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

impl Rebuild {
    fn of(t: &Table) -> Self {
        Rebuild {
            source_sql: t.sql_name().to_string(),
            target: t.name.clone(),
            columns: t
                .columns
                .iter()
                .map(|c| (c.name.clone(), Source::Column(c.clone())))
                .collect(),
        }
    }

    /// Follows a column's or the table's rename, drop or addition.
    fn track(&mut self, op: &Operation) {
        match op {
            Operation::RenameTable { to, .. } => self.target = to.clone(),
            Operation::RenameColumn { from, to, .. } => {
                if let Some(s) = self.columns.remove(from) {
                    self.columns.insert(to.clone(), s);
                }
            }
            Operation::DropColumn { column, .. } => {
                self.columns.remove(&column.name);
            }
            Operation::AddColumn { column, .. } => {
                self.columns.insert(column.name.clone(), Source::New);
            }
            _ => {}
        }
    }
}

/// The SQLite plan of one migration direction: first [`SqlitePlan::analyse`]
/// decides which operations SQLite can `ALTER` in place and which tables
/// must be rebuilt, then [`SqlitePlan::emit`] writes the statements.
struct SqlitePlan<'a> {
    start: &'a Schema,
    ops: &'a [Operation],
    /// What the history really built (objects of hand-written migrations).
    built: &'a BuiltObjects,
    /// The schema after every operation.
    final_state: Schema,
    /// Pre-existing tables (by their name before the migration) that are rebuilt.
    dirty: HashSet<String>,
    /// Every pre-existing table, by its name before the migration: how it
    /// would be rebuilt.
    rebuilds: HashMap<String, Rebuild>,
    /// Per operation: true when the rebuild (or the final `CREATE` of a new
    /// table) already does it, or it does not apply to SQLite.
    absorbed: Vec<bool>,
}

/// Tracks table names through a migration: each current name's name
/// before the migration, and the tables the migration creates.
#[derive(Default)]
struct NameTracker {
    /// Current name -> name before the migration (pre-existing tables only).
    origin: HashMap<String, String>,
    /// Current names of tables created by this migration.
    created: HashSet<String>,
}

impl NameTracker {
    fn new(start: &Schema) -> Self {
        NameTracker {
            origin: start
                .tables
                .iter()
                .map(|t| (t.name.clone(), t.name.clone()))
                .collect(),
            created: HashSet::new(),
        }
    }

    fn track(&mut self, op: &Operation) {
        match op {
            Operation::RenameTable { from, to, .. } => {
                if let Some(o) = self.origin.remove(from) {
                    self.origin.insert(to.clone(), o);
                }
                if self.created.remove(from) {
                    self.created.insert(to.clone());
                }
            }
            Operation::CreateTable { table } => {
                self.created.insert(table.name.clone());
                self.origin.remove(&table.name);
            }
            Operation::DropTable { table } => {
                self.origin.remove(&table.name);
            }
            _ => {}
        }
    }
}

impl<'a> SqlitePlan<'a> {
    /// Pass 1: which tables are rebuilt, created and dropped, and the final
    /// state. Names are tracked to the end of the migration.
    fn analyse(start: &'a Schema, ops: &'a [Operation], built: &'a BuiltObjects) -> Self {
        let backend = Backend::Sqlite;
        let mut plan = SqlitePlan {
            start,
            ops,
            built,
            final_state: start.clone(),
            dirty: HashSet::new(),
            rebuilds: start
                .tables_for(backend)
                .map(|t| (t.name.clone(), Rebuild::of(t)))
                .collect(),
            absorbed: Vec::with_capacity(ops.len()),
        };
        let mut names = NameTracker::new(start);
        let mut state = start.clone();
        for op in ops {
            let before = state.clone();
            apply(&mut state, op);
            if !on_backend(op, &before, backend) {
                plan.absorbed.push(true);
                continue;
            }
            let org = op.table().and_then(|t| names.origin.get(t).cloned());
            let in_created = op.table().is_some_and(|t| names.created.contains(t));
            if let Some(r) = org.as_ref().and_then(|o| plan.rebuilds.get_mut(o)) {
                r.track(op);
            }
            names.track(op);
            let simple = sqlite_simple(op, &before, &state);
            let absorbed = if in_created && !matches!(op, Operation::CreateTable { .. }) {
                // A table created in this migration is created in its final form.
                true
            } else if let (Some(o), false) = (&org, simple) {
                plan.dirty.insert(o.clone());
                true
            } else {
                false
            };
            plan.absorbed.push(absorbed);
        }
        plan.final_state = state;
        plan.absorb_ops_on_dirty_tables();
        plan
    }

    /// Every operation on a rebuilt table (but its drop) is done by the rebuild.
    fn absorb_ops_on_dirty_tables(&mut self) {
        let mut names = NameTracker::new(self.start);
        for (i, op) in self.ops.iter().enumerate() {
            let dirty = op
                .table()
                .and_then(|t| names.origin.get(t))
                .is_some_and(|o| self.dirty.contains(o));
            if dirty && !matches!(op, Operation::DropTable { .. }) {
                self.absorbed[i] = true;
            }
            if let Operation::RenameTable { .. } = op {
                names.track(op);
            }
        }
    }

    /// Tables the migration drops (during a rebuild, the rebuild drops them).
    fn dropped_tables(&self) -> Vec<Table> {
        self.ops
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.absorbed[*i])
            .filter_map(|(_, op)| match op {
                Operation::DropTable { table } => Some(table.clone()),
                _ => None,
            })
            .collect()
    }

    /// Pass 2: the statements.
    fn emit(&self, down: bool) -> String {
        let drops = if self.dirty.is_empty() {
            Vec::new()
        } else {
            self.dropped_tables()
        };
        let group = (!self.dirty.is_empty()).then(|| RebuildGroup::new(self, &drops));
        let (dropped_by_op, added_by_op) = raw_block_changes(self.ops);
        let carry = group
            .as_ref()
            .map(|g| RawCarry::for_rebuild(self.start, g, &dropped_by_op));
        let hand = match (&group, &carry) {
            (Some(g), Some(c)) => HandCarry::new(self.start, &g.touched(c), self.built),
            _ => HandCarry::default(),
        };
        let mut out: Vec<String> = Vec::new();
        if let (Some(g), Some(c)) = (&group, &carry) {
            out.extend(g.guard_before(self, c, &hand));
            out.extend(hand.save_and_drop());
            out.extend(c.save_and_drop());
        }
        let mut state = self.start.clone();
        let mut group_done = group.is_none();
        for (i, op) in self.ops.iter().enumerate() {
            if let (false, Operation::AddRawBlock { .. }, Some(g), Some(c)) =
                (group_done, op, &group, &carry)
            {
                out.extend(self.rebuild(g, c, &hand, &added_by_op));
                group_done = true;
            }
            let before = state.clone();
            apply(&mut state, op);
            if self.absorbed[i] {
                continue;
            }
            if let (Some(_), Operation::DropTable { .. }) = (&group, op) {
                // Dropped by the rebuild, children first.
                continue;
            }
            emit_op(op, down, self.statements(i, op, &before, &state), &mut out);
        }
        if let (false, Some(g), Some(c)) = (group_done, &group, &carry) {
            out.extend(self.rebuild(g, c, &hand, &added_by_op));
        }
        // Data-loss notes for absorbed destructive operations.
        let notes: Vec<String> = self
            .ops
            .iter()
            .enumerate()
            .filter(|(i, _)| self.absorbed[*i])
            .filter_map(|(_, op)| loss_comment(op, down))
            .collect();
        if !notes.is_empty() {
            out.insert(0, notes.join("\n"));
        }
        join(&out)
    }

    /// The statements of one operation SQLite does in place.
    fn statements(&self, i: usize, op: &Operation, before: &Schema, after: &Schema) -> Vec<String> {
        let backend = Backend::Sqlite;
        let d = dialect(backend);
        let (bt, at) = match op.table() {
            Some(t) => (before.table(t), after.table(t)),
            None => (None, None),
        };
        let mut stmts: Vec<String> = Vec::new();
        match op {
            Operation::CreateTable { table } => {
                // Created in its final form (later operations on it are absorbed).
                let fin = self
                    .final_state
                    .tables
                    .iter()
                    .find(|t| t.name == final_name_of(self.ops, i, &table.name))
                    .unwrap_or(table);
                stmts.push(d.create_table(&self.final_state, fin, &[]));
                stmts.extend(fin.indexes.iter().map(|ix| d.create_index(fin, ix)));
            }
            Operation::DropTable { table } => {
                let referenced = before.tables.iter().any(|o| {
                    o.name != table.name && o.foreign_keys.iter().any(|f| f.ref_table == table.name)
                });
                if referenced {
                    stmts.extend(d.defer_foreign_key_checks());
                }
                stmts.push(d.drop_table(table));
            }
            Operation::RenameTable { from, to, .. } => {
                if let (Some(bt), Some(at)) = (before.table(from), after.table(to)) {
                    if bt.sql_name() != at.sql_name() {
                        stmts.push(d.rename_table(bt.sql_name(), at.sql_name()));
                    }
                }
            }
            Operation::RenameColumn { from, to, .. } => {
                if let (Some(bt), Some(at)) = (bt, at) {
                    let (a, b) = (bt.column_sql_name(from), at.column_sql_name(to));
                    if a != b {
                        stmts.push(d.rename_column(at.sql_name(), a, b));
                    }
                }
            }
            Operation::AddColumn { column, .. } => {
                stmts.extend(at.map(|at| d.add_column(at, column)).unwrap_or_default())
            }
            Operation::DropColumn { column, .. } => {
                stmts.extend(bt.map(|bt| d.drop_column(bt, column)))
            }
            Operation::AddIndex { index, .. } => {
                stmts.extend(at.map(|at| d.create_index(at, index)))
            }
            Operation::DropIndex { index, .. } => {
                stmts.extend(bt.map(|bt| d.drop_index(bt, index)))
            }
            Operation::AddRawBlock { block } => stmts.extend(raw_up(block, backend)),
            Operation::DropRawBlock { block } => stmts.extend(raw_down(block, backend)),
            _ => {}
        }
        stmts
    }

    /// The one rebuild of every dirty table, the tables that reference them,
    /// and the drop of tables dropped by this migration; then the raw blocks
    /// it had to lift are put back with their rows, and the guard checks
    /// row counts and foreign keys.
    fn rebuild(
        &self,
        group: &RebuildGroup<'_>,
        carry: &RawCarry,
        hand: &HandCarry,
        added_by_op: &HashSet<&str>,
    ) -> Vec<String> {
        let mut out = vec![group.header()];
        out.extend(group.guard_unknown_objects(&hand.recreated_on_rebuilt()));
        out.extend(group.create_new_tables());
        out.extend(group.copy_rows());
        out.extend(group.drop_old_tables());
        out.extend(group.rename_new_tables());
        out.extend(group.create_indexes());
        out.extend(carry.restore(added_by_op));
        out.extend(hand.restore());
        out.extend(group.guard_after(self, carry, hand));
        out
    }

    /// Every table that exists before the migration and after it (on
    /// SQLite), as (SQL name before, SQL name after): the schema's tables
    /// that the migration does not drop, then the tables of raw blocks it
    /// keeps.
    fn surviving_tables(&self, carry: &RawCarry, hand: &HandCarry) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for t in self.start.tables_for(Backend::Sqlite) {
            let Some(r) = self.rebuilds.get(&t.name) else {
                continue;
            };
            if let Some(fin) = self
                .final_state
                .table(&r.target)
                .filter(|f| f.scope.includes(Backend::Sqlite))
            {
                out.push((t.sql_name().to_string(), fin.sql_name().to_string()));
            }
        }
        for name in carry.kept_tables.iter().chain(hand.table_names()) {
            if !out.iter().any(|(a, _)| a == name) {
                out.push((name.clone(), name.clone()));
            }
        }
        out
    }
}

/// The raw SQL blocks a rebuild touches. SQLite refuses to rename a table
/// while a view or trigger names a missing one, and `DROP TABLE` of a
/// parent deletes the rows of a child that references it, so the raw
/// blocks that name a rebuilt or dropped table (and, transitively, the
/// blocks that name what those create) are dropped before the rebuild and
/// recreated after it, with the rows of the tables they create saved in
/// temporary tables and put back. Every other raw block is left alone.
struct RawCarry {
    backend: Backend,
    /// The related blocks, in file order.
    blocks: Vec<RawBlock>,
    /// The (non-temporary) tables the related blocks create.
    tables: Vec<String>,
    /// The tables that every raw block the migration keeps creates.
    kept_tables: Vec<String>,
}

impl RawCarry {
    /// For a SQLite rebuild: the blocks related to the tables it rebuilds or drops.
    fn for_rebuild(
        start: &Schema,
        group: &RebuildGroup<'_>,
        dropped_by_op: &HashSet<&str>,
    ) -> Self {
        let names = group
            .old_tables
            .iter()
            .map(|t| t.sql_name().to_ascii_lowercase())
            .chain(
                group
                    .order
                    .iter()
                    .map(|t| t.sql_name().to_ascii_lowercase()),
            )
            .collect();
        Self::new(start, names, dropped_by_op, Backend::Sqlite)
    }

    /// The raw blocks of `start` on `backend` that the migration keeps and
    /// that name one of `names` (lowercased SQL names), transitively.
    fn new(
        start: &Schema,
        mut names: HashSet<String>,
        dropped_by_op: &HashSet<&str>,
        backend: Backend,
    ) -> Self {
        let kept: Vec<&RawBlock> = start
            .raw_blocks
            .iter()
            .filter(|b| !dropped_by_op.contains(b.name.as_str()) && b.part(backend).is_some())
            .collect();
        let mut related = vec![false; kept.len()];
        loop {
            let mut grew = false;
            for (i, b) in kept.iter().enumerate() {
                if related[i] {
                    continue;
                }
                let Some(part) = b.part(backend) else {
                    continue;
                };
                let words = sql_words(&format!("{}\n{}", part.up, part.down));
                if words.iter().any(|w| names.contains(w)) {
                    related[i] = true;
                    grew = true;
                    names.extend(created_objects(&part.up).into_iter().map(|(_, n)| n));
                }
            }
            if !grew {
                break;
            }
        }
        let tables_of = |b: &RawBlock| -> Vec<String> {
            b.part(backend)
                .map(|p| {
                    created_objects(&p.up)
                        .into_iter()
                        .filter(|(kind, _)| kind == "table")
                        .map(|(_, n)| n)
                        .collect()
                })
                .unwrap_or_default()
        };
        let blocks: Vec<RawBlock> = kept
            .iter()
            .zip(&related)
            .filter(|(_, r)| **r)
            .map(|(b, _)| (*b).clone())
            .collect();
        RawCarry {
            backend,
            tables: blocks.iter().flat_map(tables_of).collect(),
            kept_tables: kept.iter().flat_map(|b| tables_of(b)).collect(),
            blocks,
        }
    }

    /// Saves the rows of the related blocks' tables, then drops the blocks
    /// (newest first).
    fn save_and_drop(&self) -> Vec<String> {
        let d = dialect(self.backend);
        let mut out: Vec<String> = self.tables.iter().filter_map(|t| d.save_rows(t)).collect();
        for b in self.blocks.iter().rev() {
            out.extend(raw_down(b, self.backend));
        }
        out
    }

    /// Recreates the related blocks (those the migration does not add
    /// itself) and puts their tables' rows back.
    fn restore(&self, added_by_op: &HashSet<&str>) -> Vec<String> {
        let d = dialect(self.backend);
        let mut out = Vec::new();
        restore_kept_blocks(&self.blocks, added_by_op, self.backend, &mut out);
        out.extend(self.tables.iter().filter_map(|t| d.restore_rows(t)));
        out
    }
}

/// The identifier words of SQL text, lowercased (quotes dropped).
fn sql_words(sql: &str) -> Vec<String> {
    sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// The objects that SQL text creates, as (`table` | `view` | `trigger` |
/// `index`, lowercased name); temporary objects are left out.
fn created_objects(sql: &str) -> Vec<(String, String)> {
    let words = sql_words(sql);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if words[i] != "create" {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        let mut temp = false;
        while let Some(w) = words.get(j) {
            match w.as_str() {
                "temp" | "temporary" => temp = true,
                "virtual" | "unique" => {}
                _ => break,
            }
            j += 1;
        }
        let Some(kind) = words
            .get(j)
            .filter(|k| matches!(k.as_str(), "table" | "view" | "trigger" | "index"))
        else {
            i = j;
            continue;
        };
        j += 1;
        if words.get(j).map(String::as_str) == Some("if") {
            j += 3; // if not exists
        }
        if words.get(j).map(String::as_str) == Some("main") && words.len() > j + 1 {
            j += 1;
        }
        if let (Some(name), false) = (words.get(j), temp) {
            out.push((kind.clone(), name.clone()));
        }
        i = j + 1;
    }
    out
}

/// The tables of one SQLite rebuild, and its steps in order.
struct RebuildGroup<'p> {
    d: &'static dyn Dialect,
    final_state: &'p Schema,
    /// Final tables in creation order (parents first).
    order: Vec<&'p Table>,
    /// The rebuild of each dirty table, by final name.
    by_target: HashMap<&'p str, &'p Rebuild>,
    /// The tables in the database before the rebuild that it drops: the
    /// sources of the rebuilt tables, then the tables the migration drops.
    old_tables: Vec<Table>,
    /// Tables the migration drops.
    drops: &'p [Table],
    /// The schema before the migration.
    start: &'p Schema,
}

impl<'p> RebuildGroup<'p> {
    fn new(plan: &'p SqlitePlan<'_>, drops: &'p [Table]) -> Self {
        let backend = Backend::Sqlite;
        let final_state = &plan.final_state;
        let mut members: Vec<String> = plan
            .dirty
            .iter()
            .filter_map(|o| plan.rebuilds.get(o).map(|r| r.target.clone()))
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
        let by_target: HashMap<&str, &Rebuild> = plan
            .rebuilds
            .iter()
            .filter(|(o, _)| plan.dirty.contains(*o))
            .map(|(_, r)| (r.target.as_str(), r))
            .collect();
        let order: Vec<&Table> = crate::render::ddl::table_order(final_state, backend)
            .into_iter()
            .filter(|t| members.contains(&t.name))
            .collect();
        let mut old_tables: Vec<Table> = Vec::new();
        for t in &order {
            match by_target.get(t.name.as_str()) {
                Some(r) => old_tables.extend(
                    plan.start
                        .tables
                        .iter()
                        .find(|s| s.sql_name() == r.source_sql)
                        .cloned(),
                ),
                None => old_tables.push((*t).clone()),
            }
        }
        old_tables.extend(drops.iter().cloned());
        RebuildGroup {
            d: dialect(backend),
            final_state,
            order,
            by_target,
            old_tables,
            drops,
            start: plan.start,
        }
    }

    /// The tables the rebuild drops (lowercased SQL names before the
    /// migration; the tables of the raw blocks it lifts included), which
    /// of them it drops for good, and which it renames.
    fn touched(&self, carry: &RawCarry) -> Touched {
        let lower = |t: &Table| t.sql_name().to_ascii_lowercase();
        Touched {
            all: self
                .old_tables
                .iter()
                .map(lower)
                .chain(carry.tables.iter().map(|t| t.to_ascii_lowercase()))
                .collect(),
            dropped: self.drops.iter().map(lower).collect(),
            renamed: self
                .order
                .iter()
                .filter_map(|t| self.by_target.get(t.name.as_str()).map(|r| (t, r)))
                .filter(|(t, r)| !r.source_sql.eq_ignore_ascii_case(t.sql_name()))
                .map(|(_, r)| r.source_sql.to_ascii_lowercase())
                .collect(),
        }
    }

    fn is_dropped(&self, t: &Table) -> bool {
        self.drops.iter().any(|x| x.name == t.name)
    }

    fn header(&self) -> String {
        let words: Vec<&str> = self.order.iter().map(|t| t.name.as_str()).collect();
        format!(
            "-- Rebuild {} (SQLite cannot ALTER these changes in place); every row is copied.\n\
             -- Tables that reference a rebuilt table are rebuilt with it, so that no DROP\n\
             -- deletes a referenced row (no ON DELETE action fires).\n\
             {}",
            words.join(", "),
            self.d.defer_foreign_key_checks().unwrap_or_default()
        )
    }

    fn member_sql_names(&self) -> Vec<&str> {
        self.order.iter().map(|t| t.sql_name()).collect()
    }

    /// `CREATE TABLE t__cloacina_new (…)` for each member, parents first.
    fn create_new_tables(&self) -> Vec<String> {
        let members = self.member_sql_names();
        self.order
            .iter()
            .map(|t| {
                let sql = self.d.create_table(self.final_state, t, &[]);
                self.d
                    .rebuild_create_table(t, &sql, &members, REBUILD_SUFFIX)
            })
            .collect()
    }

    /// One `INSERT … SELECT` per member, converting changed columns.
    fn copy_rows(&self) -> Vec<String> {
        self.order
            .iter()
            .map(|t| {
                let (source_sql, mapping) = match self.by_target.get(t.name.as_str()) {
                    Some(r) => (r.source_sql.clone(), self.column_sources(t, r)),
                    None => (
                        t.sql_name().to_string(),
                        t.columns
                            .iter()
                            .map(|c| (c.sql_name().to_string(), c.sql_name().to_string()))
                            .collect(),
                    ),
                };
                let copy = self.d.copy_rows(
                    &format!("{}{REBUILD_SUFFIX}", t.sql_name()),
                    &mapping,
                    &source_sql,
                );
                if self.checks_already_hold(t) {
                    self.d.copy_rows_trusting_checks(&copy)
                } else {
                    copy
                }
            })
            .collect()
    }

    /// The old table a member is copied from, and where each of its final
    /// columns comes from (`None`: a new column).
    fn source_of(&self, t: &Table) -> Option<(&'p Table, HashMap<String, Option<Column>>)> {
        let start = self.start;
        match self.by_target.get(t.name.as_str()) {
            Some(r) => {
                let old = start.tables.iter().find(|s| s.sql_name() == r.source_sql)?;
                let cols = t
                    .columns
                    .iter()
                    .map(|c| {
                        let src = match r.columns.get(&c.name) {
                            Some(Source::Column(o)) => Some(o.clone()),
                            _ => None,
                        };
                        (c.name.clone(), src)
                    })
                    .collect();
                Some((old, cols))
            }
            None => {
                let old = start.tables.iter().find(|s| s.sql_name() == t.sql_name())?;
                let cols = t
                    .columns
                    .iter()
                    .map(|c| (c.name.clone(), old.column(&c.name).cloned()))
                    .collect();
                Some((old, cols))
            }
        }
    }

    /// True when every CHECK of the final table `t` (the implicit type
    /// checks and the table's own) provably holds for every copied row,
    /// because the row already passed the same check in the old table,
    /// and the copy cannot fail on anything else the old table did not
    /// enforce: same primary key and unique constraints, no column that
    /// becomes `NOT NULL`, no type change but a widening between integer
    /// types, and no check on a new column. Re-evaluating such checks per
    /// row is most of a rebuild's cost (a timestamp's `GLOB`), so the copy
    /// then skips them.
    fn checks_already_hold(&self, t: &Table) -> bool {
        let Some((old, sources)) = self.source_of(t) else {
            return false;
        };
        let d = self.d;
        let rendered = |tb: &Table| -> Vec<Option<String>> {
            tb.checks
                .iter()
                .map(|k| d.check_expr(tb, &k.expr))
                .collect()
        };
        let columns_ok = t.columns.iter().all(|c| match sources.get(&c.name) {
            Some(Some(o)) => {
                let same_type = o.ty == c.ty || (o.ty.is_integer() && c.ty == ColumnType::BigInt);
                let keeps_nulls_allowed = c.nullable || !o.nullable;
                let check = d.implicit_check(c);
                same_type
                    && keeps_nulls_allowed
                    && o.sql_name() == c.sql_name()
                    && (check.is_none() || check == d.implicit_check(o))
            }
            _ => d.implicit_check(c).is_none(),
        });
        columns_ok
            && rendered(t) == rendered(old)
            && t.primary_key == old.primary_key
            && resolved_uniques(t)
                .iter()
                .map(|u| &u.columns)
                .eq(resolved_uniques(old).iter().map(|u| &u.columns))
    }

    /// Each final column of a rebuilt table with the expression that fills it.
    fn column_sources(&self, t: &Table, r: &Rebuild) -> Vec<(String, String)> {
        let mut cols = Vec::new();
        for c in &t.columns {
            match r.columns.get(&c.name) {
                Some(Source::Column(old)) => cols.push((
                    c.sql_name().to_string(),
                    self.d.copy_expr(old.sql_name(), old, c),
                )),
                Some(Source::New) | None => {
                    if !c.insert_optional() {
                        cols.push((c.sql_name().to_string(), self.d.fill_value(c)));
                    }
                }
            }
        }
        cols
    }

    /// Guard: DROP TABLE takes every index and trigger of the table with it,
    /// and only the schema's own are recreated. An index or trigger added by
    /// a hand-written migration would vanish silently (a lost unique index
    /// is lost integrity), so the migration fails instead and says so.
    fn guard_unknown_objects(&self, recreated: &[String]) -> Option<String> {
        let rebuilt: Vec<&Table> = self
            .old_tables
            .iter()
            .filter(|t| !self.is_dropped(t))
            .collect();
        if rebuilt.is_empty() {
            return None;
        }
        let known: Vec<String> = rebuilt
            .iter()
            .flat_map(|t| t.indexes.iter().map(|ix| names::index_name(t, ix)))
            .chain(recreated.iter().cloned())
            .collect();
        let tables: Vec<&str> = rebuilt.iter().map(|t| t.sql_name()).collect();
        self.d.unknown_objects_guard(&tables, &known)
    }

    /// Drops the old tables and the dropped ones, children first.
    fn drop_old_tables(&self) -> Vec<String> {
        let tmp = Schema {
            tables: self.old_tables.clone(),
            raw_blocks: vec![],
            extensions: vec![],
            enums: vec![],
            custom_types: vec![],
        };
        crate::render::ddl::table_order(&tmp, Backend::Sqlite)
            .into_iter()
            .rev()
            .map(|t| {
                let s = self.d.drop_table(t);
                if self.is_dropped(t) {
                    format!(
                        "-- DATA LOSS: the rows of {} are deleted with the table.\n{s}",
                        t.sql_name()
                    )
                } else {
                    s
                }
            })
            .collect()
    }

    fn rename_new_tables(&self) -> Vec<String> {
        self.order
            .iter()
            .map(|t| {
                self.d
                    .rename_table(&format!("{}{REBUILD_SUFFIX}", t.sql_name()), t.sql_name())
            })
            .collect()
    }

    fn create_indexes(&self) -> Vec<String> {
        self.order
            .iter()
            .flat_map(|t| t.indexes.iter().map(|ix| self.d.create_index(t, ix)))
            .collect()
    }

    /// Before anything changes: refuse a table the plan does not know that
    /// references a rebuilt or dropped table (DROP TABLE would delete its
    /// rows), and record the row count of every table that survives.
    fn guard_before(
        &self,
        plan: &SqlitePlan<'_>,
        carry: &RawCarry,
        hand: &HandCarry,
    ) -> Vec<String> {
        let touched: Vec<&str> = self.old_tables.iter().map(|t| t.sql_name()).collect();
        let mut carried: Vec<&str> = touched.clone();
        carried.extend(carry.tables.iter().map(String::as_str));
        carried.extend(hand.table_names().map(String::as_str));
        let counts = plan.surviving_tables(carry, hand);
        let mut out: Vec<String> = self.d.guard_setup().into_iter().collect();
        out.extend(self.d.refuse_unknown_children(&touched, &carried));
        out.extend(self.d.save_row_counts(&counts));
        out
    }

    /// After the rebuild: every surviving table holds the rows it held
    /// before, and the foreign keys of the rebuilt and carried tables hold.
    fn guard_after(
        &self,
        plan: &SqlitePlan<'_>,
        carry: &RawCarry,
        hand: &HandCarry,
    ) -> Vec<String> {
        let counts = plan.surviving_tables(carry, hand);
        let mut checked: Vec<&str> = self.order.iter().map(|t| t.sql_name()).collect();
        checked.extend(carry.tables.iter().map(String::as_str));
        checked.extend(hand.table_names().map(String::as_str));
        let mut out: Vec<String> = self.d.check_row_counts(&counts).into_iter().collect();
        out.extend(self.d.foreign_key_check(&checked));
        out.extend(self.d.guard_teardown());
        out
    }
}

/// The tables a SQLite migration drops (lowercased SQL names before it).
#[derive(Clone, Debug, Default)]
struct Touched {
    /// Every table dropped: rebuilt, carried along, or dropped for good.
    all: HashSet<String>,
    /// Dropped for good.
    dropped: HashSet<String>,
    /// Rebuilt under another name.
    renamed: HashSet<String>,
}

impl Touched {
    /// Why an object that depends on `table` cannot be carried, if so.
    fn problem(&self, table: &str) -> Option<&'static str> {
        if self.dropped.contains(table) {
            Some("which this migration drops")
        } else if self.renamed.contains(table) {
            Some("which this migration rebuilds under a new name")
        } else {
            None
        }
    }
}

/// An object made by a hand-written migration that a SQLite migration
/// cannot carry: planning refuses, naming it and the fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandRefusal {
    /// Its kind.
    pub kind: ObjectKind,
    /// Its name.
    pub name: String,
    /// The migration folder that created it.
    pub created_by: String,
    /// What stops the migration from carrying it.
    pub problem: String,
    /// What to do.
    pub fix: String,
}

impl HandRefusal {
    fn new(o: &BuiltObject, problem: String) -> Self {
        let fix = match o.kind {
            ObjectKind::Table => format!(
                "Declare {} in the schema file (table! or raw_sql!) so that the planner carries it, \
                 or drop the table or its foreign key in a hand-written migration \
                 (`cloacina-codegen migration hand`) before this change",
                o.name
            ),
            _ => format!(
                "Declare {} in a raw_sql! block so that the planner re-creates it, or drop it in a \
                 hand-written migration (`cloacina-codegen migration hand`) before this change",
                o.name
            ),
        };
        HandRefusal {
            kind: o.kind,
            name: o.name.clone(),
            created_by: o.created_by.clone(),
            problem,
            fix,
        }
    }
}

/// The first object made by a hand-written migration (known from the
/// replayed history, `built`) that the SQLite plan of `ops` cannot carry:
/// a table whose foreign key references a table the migration drops or
/// rebuilds under a new name (its rows would be deleted), or a view or
/// trigger that names one. `None` when everything can be carried.
pub fn hand_made_refusal(
    old: &Schema,
    ops: &[Operation],
    built: &BuiltObjects,
) -> Option<HandRefusal> {
    if built.objects.is_empty() {
        return None;
    }
    let plan = SqlitePlan::analyse(old, ops, built);
    let touched = if plan.dirty.is_empty() {
        let dropped: HashSet<String> = ops
            .iter()
            .filter_map(|op| match op {
                Operation::DropTable { table } if table.scope.includes(Backend::Sqlite) => {
                    Some(table.sql_name().to_ascii_lowercase())
                }
                _ => None,
            })
            .collect();
        Touched {
            all: dropped.clone(),
            dropped,
            renamed: HashSet::new(),
        }
    } else {
        let drops = plan.dropped_tables();
        let group = RebuildGroup::new(&plan, &drops);
        let (dropped_by_op, _) = raw_block_changes(ops);
        group.touched(&RawCarry::for_rebuild(old, &group, &dropped_by_op))
    };
    HandCarry::new(old, &touched, built)
        .refusals
        .into_iter()
        .next()
}

/// The lowercased names of what the schema itself creates on SQLite: its
/// tables, their indexes, and every object of its `raw_sql!` blocks.
fn schema_objects(start: &Schema) -> HashSet<String> {
    let mut known: HashSet<String> = HashSet::new();
    for t in start.tables_for(Backend::Sqlite) {
        known.insert(t.sql_name().to_ascii_lowercase());
        known.extend(
            t.indexes
                .iter()
                .map(|ix| names::index_name(t, ix).to_ascii_lowercase()),
        );
    }
    for b in &start.raw_blocks {
        if let Some(part) = b.part(Backend::Sqlite) {
            known.extend(created_objects(&part.up).into_iter().map(|(_, n)| n));
        }
    }
    known
}

/// The objects of the replayed history that the schema `start` does not
/// create itself (its tables, their indexes, its `raw_sql!` blocks): the
/// ones hand-written migrations made.
pub fn hand_made_objects<'b>(start: &Schema, built: &'b BuiltObjects) -> Vec<&'b BuiltObject> {
    let known = schema_objects(start);
    built
        .objects
        .iter()
        .filter(|o| !known.contains(&o.name.to_ascii_lowercase()))
        .collect()
}

/// The objects made by hand-written migrations (anything the replayed
/// history holds that the schema does not create) that a SQLite rebuild
/// must carry: the tables that reference a dropped table (transitively),
/// whose rows are saved and put back; the indexes and triggers on those
/// tables and on the rebuilt tables, which `DROP TABLE` takes along; and
/// the views and triggers elsewhere that name any of them, which SQLite's
/// rename would reject. Each is dropped before the rebuild and re-created
/// after it from the SQL the replay read back. Hand-made objects unrelated
/// to the rebuild are never touched.
#[derive(Clone, Debug, Default)]
struct HandCarry {
    /// Hand-made tables carried with their rows, in creation order.
    tables: Vec<BuiltObject>,
    /// Indexes and triggers that go with a dropped table, in creation order.
    attached: Vec<BuiltObject>,
    /// Views and triggers on other tables that name a carried one.
    dependents: Vec<BuiltObject>,
    /// What cannot be carried.
    refusals: Vec<HandRefusal>,
}

impl HandCarry {
    fn new(start: &Schema, touched: &Touched, built: &BuiltObjects) -> Self {
        let lower = |o: &BuiltObject| o.name.to_ascii_lowercase();
        let hand = hand_made_objects(start, built);
        let mut out = HandCarry::default();
        let mut seen: HashSet<String> = HashSet::new();
        // Names whose dependents are lifted: the touched tables, then every
        // carried object.
        let mut lifted: HashSet<String> = touched.all.clone();
        // Child tables, transitively.
        loop {
            let mut grew = false;
            for o in hand
                .iter()
                .filter(|o| o.kind == ObjectKind::Table && !o.is_virtual())
            {
                if seen.contains(&lower(o)) || touched.all.contains(&lower(o)) {
                    continue;
                }
                let Some(parent) = o.references.iter().find(|r| lifted.contains(*r)) else {
                    continue;
                };
                seen.insert(lower(o));
                grew = true;
                if let Some(problem) = touched.problem(parent) {
                    out.refusals.push(HandRefusal::new(
                        o,
                        format!("references table {parent}, {problem}: its rows would be deleted"),
                    ));
                    continue;
                }
                lifted.insert(lower(o));
                out.tables.push((*o).clone());
            }
            if !grew {
                break;
            }
        }
        // Indexes and triggers on a carried or rebuilt table.
        for o in &hand {
            let table = o.table.to_ascii_lowercase();
            let on_rebuilt = touched.all.contains(&table) && !touched.dropped.contains(&table);
            let on_carried = out.tables.iter().any(|t| lower(t) == table);
            if !matches!(o.kind, ObjectKind::Index | ObjectKind::Trigger)
                || o.sql.is_empty()
                || !(on_rebuilt || on_carried)
            {
                continue;
            }
            seen.insert(lower(o));
            if let Some(problem) = touched.problem(&table) {
                out.refusals.push(HandRefusal::new(
                    o,
                    format!("is on table {table}, {problem}"),
                ));
                continue;
            }
            out.attached.push((*o).clone());
        }
        // Views and triggers elsewhere that name a lifted object, transitively.
        loop {
            let mut grew = false;
            for o in &hand {
                if !matches!(o.kind, ObjectKind::View | ObjectKind::Trigger)
                    || seen.contains(&lower(o))
                {
                    continue;
                }
                let own = lower(o);
                let words = sql_words(&o.sql);
                let Some(named) = words.iter().find(|w| **w != own && lifted.contains(*w)) else {
                    continue;
                };
                seen.insert(own.clone());
                grew = true;
                if let Some(problem) = touched.problem(named) {
                    out.refusals.push(HandRefusal::new(
                        o,
                        format!("names table {named}, {problem}"),
                    ));
                    continue;
                }
                lifted.insert(own);
                out.dependents.push((*o).clone());
            }
            if !grew {
                break;
            }
        }
        let position = |o: &BuiltObject| built.objects.iter().position(|b| b == o);
        out.tables.sort_by_key(position);
        out.dependents.sort_by_key(position);
        out
    }

    /// The carried tables' names.
    fn table_names(&self) -> impl Iterator<Item = &String> {
        self.tables.iter().map(|t| &t.name)
    }

    /// The hand-made indexes and triggers re-created after the rebuild
    /// (so the guard against unknown ones lets them pass).
    fn recreated_on_rebuilt(&self) -> Vec<String> {
        self.attached.iter().map(|o| o.name.clone()).collect()
    }

    /// Drops the dependents (newest first), saves the carried tables' rows
    /// and drops the tables (children first).
    fn save_and_drop(&self) -> Vec<String> {
        let sqlite = crate::render::sqlite::Sqlite;
        let d = dialect(Backend::Sqlite);
        let mut out = Vec::new();
        for o in self.dependents.iter().rev() {
            out.push(format!(
                "-- {} {} (made by migration {}) names a table this migration rebuilds:\n\
                 -- dropped here, re-created from its own SQL after the rebuild.\n{}",
                o.kind.word(),
                o.name,
                o.created_by,
                sqlite.drop_object(o.kind.word(), &o.name)
            ));
        }
        for o in self.tables.iter().rev() {
            out.push(format!(
                "-- {} (made by migration {}) references a table this migration rebuilds:\n\
                 -- carried through the rebuild with its rows, indexes and triggers.",
                o.name, o.created_by
            ));
            out.extend(d.save_rows(&o.name));
            out.push(sqlite.drop_object("table", &o.name));
        }
        out
    }

    /// Re-creates the carried tables (parents first) from their own SQL,
    /// puts their rows back, then re-creates the indexes, triggers and
    /// views.
    fn restore(&self) -> Vec<String> {
        let d = dialect(Backend::Sqlite);
        let mut out = Vec::new();
        let create = |o: &BuiltObject| {
            format!(
                "-- Re-create {} {} (made by migration {}).\n{};",
                o.kind.word(),
                o.name,
                o.created_by,
                o.sql.trim().trim_end_matches(';')
            )
        };
        out.extend(self.tables.iter().map(create));
        out.extend(self.tables.iter().filter_map(|o| d.restore_rows(&o.name)));
        out.extend(self.attached.iter().map(create));
        out.extend(self.dependents.iter().map(create));
        out
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn built(kind: ObjectKind, name: &str, table: &str, sql: &str, refs: &[&str]) -> BuiltObject {
        BuiltObject {
            kind,
            name: name.into(),
            table: table.into(),
            sql: sql.into(),
            created_by: "20240101000000_hand".into(),
            hand_written: true,
            references: refs.iter().map(|r| r.to_string()).collect(),
        }
    }

    const TWO_TABLES: &str =
        "table! { parents (id) { id -> BigInt, #[default(1)] n -> Integer, } }\n\
         table! { others (id) { id -> BigInt, } }";

    /// The history as the replay reads it: the schema's tables, then a
    /// hand-made child of `parents` with an index, a view over `parents`,
    /// and an unrelated table with its own view.
    fn hand_history() -> BuiltObjects {
        use ObjectKind::*;
        BuiltObjects {
            objects: vec![
                built(
                    Table,
                    "parents",
                    "parents",
                    "CREATE TABLE parents (id INTEGER PRIMARY KEY, n INTEGER)",
                    &[],
                ),
                built(
                    Table,
                    "others",
                    "others",
                    "CREATE TABLE others (id INTEGER PRIMARY KEY)",
                    &[],
                ),
                built(
                    Table,
                    "kids",
                    "kids",
                    "CREATE TABLE kids (p INTEGER REFERENCES parents (id))",
                    &["parents"],
                ),
                built(
                    Index,
                    "kids_p",
                    "kids",
                    "CREATE INDEX kids_p ON kids (p)",
                    &[],
                ),
                built(
                    View,
                    "parent_view",
                    "parent_view",
                    "CREATE VIEW parent_view AS SELECT id FROM parents",
                    &[],
                ),
                built(Table, "loose", "loose", "CREATE TABLE loose (a TEXT)", &[]),
                built(
                    View,
                    "loose_view",
                    "loose_view",
                    "CREATE VIEW loose_view AS SELECT a FROM loose",
                    &[],
                ),
            ],
        }
    }

    fn plan_of(to: &str) -> (Schema, Vec<Operation>) {
        let old = crate::parse_str("old.rs", TWO_TABLES).expect("old");
        let new = crate::parse_str("new.rs", to).expect("new");
        let ops = crate::diff::changes(&old, &new).expect("diff").operations;
        (old, ops)
    }

    /// An enum label with a line break in it stays inside the comments
    /// that describe the operations (adding it, and removing it with its
    /// narrowing note): it ended the `--` comment and the rest of the
    /// label ran as SQL (`DROP TABLE parents;`).
    #[test]
    fn labels_with_line_breaks_stay_in_comments() {
        let with = "#[db_enum]\nenum Mood { #[value(\"a\\nDROP TABLE parents;\")] A, B }\n\
                    table! { parents (id) { id -> BigInt, #[allow_destructive] m -> Mood, } }";
        let old = crate::parse_str("old.rs", with).expect("old");
        let new = crate::parse_str(
            "new.rs",
            &with.replace("#[value(\"a\\nDROP TABLE parents;\")] A, ", ""),
        )
        .expect("new");
        let removal = crate::diff::changes(&old, &new).expect("diff").operations;
        let (_, creation) = plan_of(with);
        for ops in [&removal, &creation] {
            let comment = operations_comment(ops);
            assert!(comment.lines().all(|l| l.starts_with("--")), "{comment}");
            assert!(comment.contains("a\\nDROP TABLE parents;"), "{comment}");
        }
        for backend in Backend::ALL {
            let sql = render_with(&old, &removal, backend, &BuiltObjects::default());
            assert!(
                sql.up.contains(
                    "-- Narrowing parents.m (enum mood loses label 'a\\nDROP TABLE parents;')"
                ),
                "{}",
                sql.up
            );
        }
    }

    #[test]
    fn a_rebuild_carries_hand_made_children_and_views_and_nothing_else() {
        let (old, ops) = plan_of(&TWO_TABLES.replace("#[default(1)]", "#[default(2)]"));
        let built = hand_history();
        assert_eq!(hand_made_refusal(&old, &ops, &built), None);
        let up = render_with(&old, &ops, Backend::Sqlite, &built).up;
        for want in [
            "CREATE TEMP TABLE cloacina_keep_kids AS SELECT * FROM kids;",
            "DROP TABLE IF EXISTS \"kids\";",
            "DROP VIEW IF EXISTS \"parent_view\";",
            "CREATE TABLE kids (p INTEGER REFERENCES parents (id));",
            "CREATE INDEX kids_p ON kids (p);",
            "CREATE VIEW parent_view AS SELECT id FROM parents;",
        ] {
            assert!(up.contains(want), "{want} missing:\n{up}");
        }
        assert!(
            !up.contains("loose"),
            "unrelated objects are never touched:\n{up}"
        );
        // The view is dropped before the table it names, and re-created last.
        let pos = |s: &str| up.find(s).unwrap_or(usize::MAX);
        assert!(pos("DROP VIEW IF EXISTS") < pos("DROP TABLE IF EXISTS \"kids\""));
        assert!(pos("CREATE INDEX kids_p") < pos("CREATE VIEW parent_view"));
        // Without the replay, the plan is what it was (the run-time guard refuses).
        let plain = render(&old, &ops, Backend::Sqlite).up;
        assert!(!plain.contains("kids"), "{plain}");
    }

    #[test]
    fn a_hand_made_child_of_a_lifted_raw_table_is_carried_too() {
        let raw = "\nraw_sql! {\n    #[sqlite(up = \"CREATE TABLE tags (p INTEGER REFERENCES parents (id));\", down = \"DROP TABLE tags;\")]\n    tags;\n}\n";
        let old = crate::parse_str("old.rs", &format!("{TWO_TABLES}{raw}")).expect("old");
        let to = format!("{TWO_TABLES}{raw}").replace("#[default(1)]", "#[default(2)]");
        let new = crate::parse_str("new.rs", &to).expect("new");
        let ops = crate::diff::changes(&old, &new).expect("diff").operations;
        let mut built = hand_history();
        built.objects.push(built_object_of_raw_child());
        assert_eq!(hand_made_refusal(&old, &ops, &built), None);
        let up = render_with(&old, &ops, Backend::Sqlite, &built).up;
        for want in [
            "DROP TABLE tags;",
            "CREATE TABLE tag_notes (",
            "cloacina_keep_tag_notes",
        ] {
            assert!(up.contains(want), "{want} missing:\n{up}");
        }
        let pos = |s: &str| up.find(s).unwrap_or(usize::MAX);
        // Saved and dropped before the raw table it references goes.
        assert!(
            pos("DROP TABLE IF EXISTS \"tag_notes\"") < pos("DROP TABLE tags;"),
            "{up}"
        );
        assert!(
            pos("CREATE TABLE tags (") < pos("CREATE TABLE tag_notes ("),
            "{up}"
        );
    }

    fn built_object_of_raw_child() -> BuiltObject {
        built(
            ObjectKind::Table,
            "tag_notes",
            "tag_notes",
            "CREATE TABLE tag_notes (t INTEGER REFERENCES tags (rowid))",
            &["tags"],
        )
    }

    #[test]
    fn dropping_the_parent_of_a_hand_made_child_is_refused() {
        let (old, ops) = plan_of("table! { others (id) { id -> BigInt, } }");
        let refusal = hand_made_refusal(&old, &ops, &hand_history()).expect("refused");
        assert_eq!(refusal.kind, ObjectKind::Table);
        assert_eq!(refusal.name, "kids");
        assert_eq!(refusal.created_by, "20240101000000_hand");
        assert_eq!(
            refusal.problem,
            "references table parents, which this migration drops: its rows would be deleted"
        );
        assert!(
            refusal.fix.contains("Declare kids in the schema file"),
            "{}",
            refusal.fix
        );
        // Nothing hand-made depends on `others`: dropping it is not refused.
        let (old, ops) =
            plan_of("table! { parents (id) { id -> BigInt, #[default(1)] n -> Integer, } }");
        assert_eq!(hand_made_refusal(&old, &ops, &hand_history()), None);
    }

    #[test]
    fn created_objects_reads_every_create_form() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("CREATE TABLE kv (k TEXT);", &[("table", "kv")]),
            (
                "create virtual table if not exists Search using fts5(a);",
                &[("table", "search")],
            ),
            (
                "CREATE UNIQUE INDEX kv_k ON kv (k); CREATE VIEW v AS SELECT 1;",
                &[("index", "kv_k"), ("view", "v")],
            ),
            (
                "CREATE TRIGGER t AFTER INSERT ON tasks BEGIN SELECT 1; END;",
                &[("trigger", "t")],
            ),
            ("CREATE TEMP TABLE scratch (a INTEGER);", &[]),
            ("CREATE TABLE main.kv2 (a INTEGER);", &[("table", "kv2")]),
            ("INSERT INTO kv VALUES ('create', 'table');", &[]),
        ];
        for (sql, want) in cases {
            let got = created_objects(sql);
            let want: Vec<(String, String)> = want
                .iter()
                .map(|(k, n)| (k.to_string(), n.to_string()))
                .collect();
            assert_eq!(got, want, "{sql}");
        }
    }
}
