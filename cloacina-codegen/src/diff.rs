//! Schema diff: the typed [`Operation`]s that turn one [`Schema`] into another.
//!
//! [`diff`] compares two models (the migration history's snapshot and the
//! schema file) and returns operations ordered so that each one only needs
//! what the operations before it left in place:
//!
//! 1. raw SQL blocks dropped;
//! 2. tables renamed, then columns renamed;
//! 3. foreign keys dropped, then indexes, checks, unique constraints and
//!    primary keys dropped; columns dropped, tables dropped (children
//!    before parents);
//! 4. tables created (parents before children), columns added, columns
//!    altered;
//! 5. primary keys, unique constraints and checks added, foreign keys added,
//!    indexes added, raw SQL blocks added.
//!
//! Renames come only from `#[renamed_from(old)]` hints, never from guessing.
//! A hint that matches nothing (neither the new nor the old name exists in
//! the old schema) is an error; a hint whose rename already happened (the new
//! name exists in the old schema, the old one does not) is satisfied and
//! ignored, so the hint may stay in the file. A drop plus an add that look
//! like a rename get a [`Changes::warnings`] entry naming the hint to write.
//!
//! Constraints and indexes are compared as sets, with their names resolved
//! ([`crate::names`]), so the order in which the file (or the printer)
//! lists them does not matter, and an operation always carries the exact
//! name the object has in the database. Docs do not take part.
//!
//! Every operation names tables, columns and objects as they are when it
//! runs. The renames run before every drop, so a drop of a check, index,
//! unique, primary key or foreign key on a renamed table or column names
//! it under the new names, as the planner has just renamed it (derived
//! names follow renames); one rule for every object kind, and it keeps
//! [`apply`] on the model in step with the database.
//!
//! [`apply`] performs operations on a model (the plan applied to `a` gives
//! `b`), and [`invert`] gives the operation that undoes one (the `down.sql`
//! side).

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::model::*;
use crate::names;

/// One schema change. Tables are named by their schema-file name at the
/// moment the operation runs (after earlier renames).
// A plan holds a handful of operations; boxing the tables would only make
// matching on them clumsier.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Operation {
    /// Create a table with its constraints, indexes and docs.
    CreateTable {
        /// The new table.
        table: Table,
    },
    /// Drop a table (its last definition, so `down` can restore it).
    DropTable {
        /// The dropped table.
        table: Table,
    },
    /// Rename a table (schema-file name and/or SQL name).
    RenameTable {
        /// The old schema-file name.
        from: String,
        /// The new schema-file name.
        to: String,
        /// The old explicit SQL name.
        from_sql_name: Option<String>,
        /// The new explicit SQL name.
        to_sql_name: Option<String>,
    },
    /// Add a column.
    AddColumn {
        /// The table.
        table: String,
        /// The new column.
        column: Column,
    },
    /// Drop a column.
    DropColumn {
        /// The table.
        table: String,
        /// The dropped column's last definition.
        column: Column,
    },
    /// Rename a column (schema-file name and/or SQL name).
    RenameColumn {
        /// The table.
        table: String,
        /// The old schema-file name.
        from: String,
        /// The new schema-file name.
        to: String,
        /// The old explicit SQL name.
        from_sql_name: Option<String>,
        /// The new explicit SQL name.
        to_sql_name: Option<String>,
    },
    /// Change a column's type, length, nullability or default.
    AlterColumn {
        /// The table.
        table: String,
        /// The column before (under its current name).
        from: Column,
        /// The column after.
        to: Column,
    },
    /// Add the primary key.
    AddPrimaryKey {
        /// The table.
        table: String,
        /// Key columns.
        columns: Vec<String>,
        /// When the key is checked (PostgreSQL-only tables).
        deferrable: Deferrable,
    },
    /// Drop the primary key.
    DropPrimaryKey {
        /// The table.
        table: String,
        /// Key columns.
        columns: Vec<String>,
        /// When the key was checked, so `down` can restore it.
        deferrable: Deferrable,
    },
    /// Add a foreign key (its name resolved).
    AddForeignKey {
        /// The table.
        table: String,
        /// The key.
        foreign_key: ForeignKey,
    },
    /// Drop a foreign key.
    DropForeignKey {
        /// The table.
        table: String,
        /// The key.
        foreign_key: ForeignKey,
    },
    /// Change when a kept foreign key is checked (`deferrable = ...`),
    /// nothing else: PostgreSQL alters the constraint in place, SQLite
    /// rebuilds the table.
    AlterForeignKey {
        /// The table.
        table: String,
        /// The key before (its name resolved).
        from: ForeignKey,
        /// The key after: `from` with another [`Deferrable`].
        to: ForeignKey,
    },
    /// Add a unique constraint.
    AddUnique {
        /// The table.
        table: String,
        /// The constraint.
        unique: Unique,
    },
    /// Drop a unique constraint.
    DropUnique {
        /// The table.
        table: String,
        /// The constraint.
        unique: Unique,
    },
    /// Add a check constraint.
    AddCheck {
        /// The table.
        table: String,
        /// The constraint.
        check: Check,
    },
    /// Drop a check constraint.
    DropCheck {
        /// The table.
        table: String,
        /// The constraint.
        check: Check,
    },
    /// Create an index (including partial and descending ones).
    AddIndex {
        /// The table.
        table: String,
        /// The index.
        index: Index,
    },
    /// Drop an index.
    DropIndex {
        /// The table.
        table: String,
        /// The index.
        index: Index,
    },
    /// Run a raw SQL block's `up`.
    AddRawBlock {
        /// The block.
        block: RawBlock,
    },
    /// Run a raw SQL block's `down`.
    DropRawBlock {
        /// The block.
        block: RawBlock,
    },
    /// `CREATE EXTENSION IF NOT EXISTS` (PostgreSQL only), before any table.
    AddExtension {
        /// The extension, with its schema and version.
        extension: Extension,
    },
    /// `DROP EXTENSION` (PostgreSQL only), after everything else; guarded
    /// by `#![allow_drop(name)]`.
    DropExtension {
        /// The extension (its options re-create it in `down.sql`).
        extension: Extension,
    },
    /// `ALTER EXTENSION ... SET SCHEMA` / `UPDATE TO` (PostgreSQL only): a
    /// declared extension's schema or version changed.
    AlterExtension {
        /// As declared before.
        from: Extension,
        /// As declared now.
        to: Extension,
    },
    /// Create a declared enum type (PostgreSQL; nothing on SQLite, whose
    /// columns carry the labels in their checks).
    AddEnum {
        /// The enum.
        db_enum: DbEnum,
    },
    /// Drop a declared enum type (no column uses it any more).
    DropEnum {
        /// The enum's last definition, so `down` can restore it.
        db_enum: DbEnum,
    },
    /// The labels of an enum change, before the columns that use it are
    /// retyped ([`Operation::AlterColumn`]; SQLite rebuilds their tables).
    /// PostgreSQL: `ALTER TYPE … ADD VALUE` when labels are only added and
    /// the migration does not use them yet ([`label_used_early`]), else the
    /// old type is renamed aside and the new one created (the
    /// columns are then converted through text, refused if a row holds a
    /// label that is gone).
    ReplaceEnum {
        /// The enum before.
        from: DbEnum,
        /// The enum after.
        to: DbEnum,
    },
    /// The end of a [`Operation::ReplaceEnum`], after the columns are
    /// retyped: PostgreSQL drops the old type it renamed aside, if any.
    DropReplacedEnum {
        /// The enum before.
        from: DbEnum,
        /// The enum after.
        to: DbEnum,
    },
}

/// What [`changes`] found: the operations and advice.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    /// The operations, ordered by dependencies.
    pub operations: Vec<Operation>,
    /// Drop+add pairs that look like renames, each naming the hint to write.
    pub warnings: Vec<String>,
}

/// Why two schemas cannot be diffed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiffError {
    /// A table's `renamed_from` hint names a table the old schema lacks.
    #[error("table `{table}` is marked `#[renamed_from({from})]`, but the migration history has neither `{from}` nor `{table}`; remove the hint (the table is then created), or correct the old name")]
    StaleTableRename {
        /// The table.
        table: String,
        /// The hinted old name.
        from: String,
    },
    /// Both the old and the new name of a renamed table exist in the history.
    #[error("table `{table}` is marked `#[renamed_from({from})]`, but the migration history has both `{from}` and `{table}`; remove the hint, or drop `{from}` first")]
    AmbiguousTableRename {
        /// The table.
        table: String,
        /// The hinted old name.
        from: String,
    },
    /// A column's `renamed_from` hint names a column the old table lacks.
    #[error("column `{table}.{column}` is marked `#[renamed_from({from})]`, but the history's `{table}` has neither `{from}` nor `{column}`; remove the hint (the column is then added), or correct the old name")]
    StaleColumnRename {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The hinted old name.
        from: String,
    },
    /// Both the old and the new name of a renamed column exist in the history.
    #[error("column `{table}.{column}` is marked `#[renamed_from({from})]`, but the history's `{table}` has both `{from}` and `{column}`; remove the hint, or drop `{from}` first")]
    AmbiguousColumnRename {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The hinted old name.
        from: String,
    },
    /// A type change the generator cannot convert identically on both backends.
    #[error("column `{table}.{column}` changes from {from} to {to}, which cannot be converted identically on PostgreSQL and SQLite; add a new column, fill it with a hand-written migration (`cloacina-codegen migration hand NAME`), then drop the old one")]
    UnsupportedTypeChange {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// The old neutral type.
        from: String,
        /// The new neutral type.
        to: String,
    },
    /// `#[auto_increment]` added to or removed from an existing column.
    #[error("column `{table}.{column}` gains or loses `#[auto_increment]`; that cannot be migrated in place: add a new key column instead")]
    AutoIncrementChange {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// `#[backend(...)]` changed on an existing table.
    #[error("table `{table}` moves from {from} to {to}; a table cannot change its backends in place: create a new table (with another name) and drop the old one")]
    ScopeChange {
        /// The table.
        table: String,
        /// The old scope.
        from: String,
        /// The new scope.
        to: String,
    },
}

/// How a column type change affects the stored values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conversion {
    /// Every value converts without loss.
    Widening,
    /// Some values may be cut or refused (guarded: needs `#[allow_destructive]`).
    Narrowing,
    /// Not supported.
    Unsupported,
}

/// Classifies a type change. Only changes that both backends convert to
/// identical values are supported.
pub fn conversion(from: ColumnType, to: ColumnType) -> Conversion {
    use ColumnType as T;
    fn rank(t: ColumnType) -> u8 {
        match t {
            ColumnType::SmallInt => 1,
            ColumnType::Integer => 2,
            _ => 3,
        }
    }
    match (from, to) {
        (a, b) if a == b => Conversion::Widening,
        (T::Text { max_len: a }, T::Text { max_len: b }) => match (a, b) {
            (_, None) => Conversion::Widening,
            (None, Some(_)) => Conversion::Narrowing,
            (Some(x), Some(y)) if y >= x => Conversion::Widening,
            _ => Conversion::Narrowing,
        },
        (a, b) if a.is_integer() && b.is_integer() => {
            if rank(b) >= rank(a) {
                Conversion::Widening
            } else {
                Conversion::Narrowing
            }
        }
        // Another precision at the same scale keeps every stored value (on
        // SQLite the same scaled integer); another scale would rescale it.
        (
            T::Decimal {
                precision: a,
                scale: s,
            },
            T::Decimal {
                precision: b,
                scale: t,
            },
        ) if s == t => {
            if b >= a {
                Conversion::Widening
            } else {
                Conversion::Narrowing
            }
        }
        (T::SmallInt | T::Integer, T::Double) => Conversion::Widening,
        (T::BigInt, T::Double) => Conversion::Narrowing,
        (T::Double, b) if b.is_integer() => Conversion::Narrowing,
        (T::Bool, b) if b.is_integer() => Conversion::Widening,
        (
            T::SmallInt | T::Integer | T::BigInt | T::Uuid | T::Timestamp | T::Bool,
            T::Text { max_len: None },
        ) => Conversion::Widening,
        (T::NaiveTimestamp | T::Date | T::Time, T::Text { max_len: None }) => Conversion::Widening,
        (
            T::SmallInt | T::Integer | T::BigInt | T::Uuid | T::Timestamp | T::Bool,
            T::Text { .. },
        ) => Conversion::Narrowing,
        (T::NaiveTimestamp | T::Date | T::Time, T::Text { .. }) => Conversion::Narrowing,
        // Labels only added: every stored label stays; otherwise a row may
        // hold one that is gone (the migration refuses it, never drops it).
        (T::Enum(a), T::Enum(b))
            if a.sql_name() == b.sql_name() && enum_labels_added_only(a.labels(), b.labels()) =>
        {
            Conversion::Widening
        }
        (T::Enum(_), T::Enum(_)) => Conversion::Narrowing,
        (T::Enum(_), T::Text { max_len: None }) => Conversion::Widening,
        (T::Enum(_), T::Text { .. }) | (T::Text { .. }, T::Enum(_)) => Conversion::Narrowing,
        (T::Text { .. }, T::Json) => Conversion::Narrowing,
        (T::Text { .. }, T::Uuid) => Conversion::Narrowing,
        // The same database type under another name or spelling
        // (`LTREE`, `ltree`): nothing to convert. Any other change of a
        // custom type is refused: only the application knows whether its
        // values convert (a hand-written migration does it).
        (a, b) if crate::custom_type::same_database_type(a, b) => Conversion::Widening,
        _ => Conversion::Unsupported,
    }
}

// ----- resolved names -------------------------------------------------------

/// The table's foreign keys with their names resolved.
pub fn resolved_foreign_keys(t: &Table) -> Vec<ForeignKey> {
    t.foreign_keys
        .iter()
        .map(|fk| ForeignKey {
            name: Some(names::foreign_key_name(t, fk)),
            ..fk.clone()
        })
        .collect()
}

/// The table's unique constraints with their names resolved.
pub fn resolved_uniques(t: &Table) -> Vec<Unique> {
    t.uniques
        .iter()
        .map(|u| Unique {
            name: Some(names::unique_name(t, u)),
            ..u.clone()
        })
        .collect()
}

/// The table's checks with their names resolved.
pub fn resolved_checks(t: &Table) -> Vec<Check> {
    (0..t.checks.len())
        .map(|i| Check {
            name: Some(names::check_name(t, i)),
            ..t.checks[i].clone()
        })
        .collect()
}

/// The table's indexes with their names resolved.
pub fn resolved_indexes(t: &Table) -> Vec<Index> {
    t.indexes
        .iter()
        .map(|ix| Index {
            name: Some(names::index_name(t, ix)),
            ..ix.clone()
        })
        .collect()
}

/// A canonical form for comparing schemas: every constraint and index name
/// resolved, constraints sorted, docs and rename hints dropped, tables and
/// raw blocks sorted by name. Two schemas that create the same database
/// objects have equal canonical forms.
pub fn canonical(schema: &Schema) -> Schema {
    let mut tables: Vec<Table> = schema
        .tables
        .iter()
        .map(|t| {
            let mut fks = resolved_foreign_keys(t);
            fks.sort_by_key(|f| f.name.clone());
            let mut uniques = resolved_uniques(t);
            uniques.sort_by_key(|u| u.name.clone());
            let mut checks = resolved_checks(t);
            checks.sort_by_key(|c| c.name.clone());
            let mut indexes = resolved_indexes(t);
            indexes.sort_by_key(|i| i.name.clone());
            Table {
                docs: vec![],
                renamed_from: None,
                columns: t
                    .columns
                    .iter()
                    .map(|c| Column {
                        docs: vec![],
                        renamed_from: None,
                        ..c.clone()
                    })
                    .collect(),
                foreign_keys: fks,
                uniques,
                checks,
                indexes,
                ..t.clone()
            }
        })
        .collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    let mut raw_blocks: Vec<RawBlock> = schema
        .raw_blocks
        .iter()
        .map(|b| RawBlock {
            docs: vec![],
            ..b.clone()
        })
        .collect();
    raw_blocks.sort_by(|a, b| a.name.cmp(&b.name));
    let mut enums: Vec<DbEnum> = schema
        .enums
        .iter()
        .map(|e| DbEnum {
            docs: vec![],
            // The Rust side (generated code), not the database's.
            name: String::new(),
            variants: vec![],
            ..e.clone()
        })
        .collect();
    enums.sort_by(|a, b| a.sql_name.cmp(&b.sql_name));
    Schema {
        tables,
        raw_blocks,
        extensions: {
            let mut e = schema.extensions.clone();
            e.sort();
            e
        },
        enums,
        custom_types: Vec::new(),
    }
}

// ----- diff ------------------------------------------------------------------

/// The operations that turn `old` into `new`.
///
/// # Errors
///
/// A [`DiffError`] for a stale or ambiguous rename hint, or a change that
/// cannot be migrated (unsupported type change, backend scope change,
/// auto-increment change).
pub fn diff(old: &Schema, new: &Schema) -> Result<Vec<Operation>, DiffError> {
    changes(old, new).map(|c| c.operations)
}

/// Like [`diff`], with warnings about drop+add pairs that look like renames.
///
/// # Errors
///
/// As [`diff`].
pub fn changes(old: &Schema, new: &Schema) -> Result<Changes, DiffError> {
    let tables = TableMatch::of(old, new)?;
    let column_maps = match_columns(&tables.pairs)?;
    // Old tables under their new names, so what is left to compare are real
    // changes.
    let mapped: HashMap<String, Table> = tables
        .pairs
        .iter()
        .map(|(o, n)| {
            let m = map_table(o, n, &tables.renames, &column_maps);
            (n.name.clone(), m)
        })
        .collect();

    let mut found = Found::default();
    for (o, n) in &tables.pairs {
        let (m, cmap) = (&mapped[&n.name], &column_maps[&n.name]);
        found.table_renamed(o, n);
        found.columns(o, n, m, cmap)?;
        found.keys_checks_and_indexes(n, m);
    }
    // Foreign keys after the rest: a key whose target key or whose column
    // types change is dropped and re-added around them.
    for (_, n) in &tables.pairs {
        found.foreign_keys(n, &mapped[&n.name]);
    }
    found.dropped_tables(&tables.dropped);
    found.created_tables(&tables.created);
    found.table_rename_warnings(&tables.dropped, &tables.created);
    found.raw_blocks(old, new);
    found.extensions(old, new);
    found.enums(old, new);
    Ok(found.finish())
}

/// A column's type change in words: `Integer -> BigInt`; for an enum
/// whose labels change (the type keeps its name, so `Stage -> Stage` would
/// say nothing), the labels it gains and loses, or its new order:
/// `enum stage loses label 'Archived'`.
pub fn type_change(from: ColumnType, to: ColumnType) -> String {
    match (from, to) {
        (ColumnType::Enum(a), ColumnType::Enum(b)) if a.sql_name() == b.sql_name() => {
            let listed = |ls: Vec<&String>| {
                let word = if ls.len() == 1 { "label" } else { "labels" };
                let quoted: Vec<String> = ls
                    .iter()
                    .map(|l| crate::render::ddl::quote_literal(l))
                    .collect();
                format!("{word} {}", quoted.join(", "))
            };
            let added: Vec<&String> = b
                .labels()
                .iter()
                .filter(|l| !a.labels().contains(l))
                .collect();
            let removed: Vec<&String> = a
                .labels()
                .iter()
                .filter(|l| !b.labels().contains(l))
                .collect();
            let mut parts = Vec::new();
            if !added.is_empty() {
                parts.push(format!("gains {}", listed(added)));
            }
            if !removed.is_empty() {
                parts.push(format!("loses {}", listed(removed)));
            }
            if parts.is_empty() {
                parts.push(format!(
                    "orders its labels ({}) instead of ({})",
                    b.labels().join(", "),
                    a.labels().join(", ")
                ));
            }
            format!("enum {} {}", b.sql_name(), parts.join(" and "))
        }
        _ => format!("{} -> {}", from.neutral_name(), to.neutral_name()),
    }
}

/// Whether `to` is `from` with labels inserted (none removed, renamed or
/// moved): what PostgreSQL's `ALTER TYPE … ADD VALUE` can do.
pub fn enum_labels_added_only(from: &[String], to: &[String]) -> bool {
    let mut rest = to.iter();
    from.iter().all(|l| rest.any(|t| t == l))
}

/// A label that the change of an enum adds and the same migration already
/// uses: see [`label_used_early`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlyUse {
    /// The new label.
    pub label: String,
    /// What uses it (`the default of posts.stage`, `the predicate of index
    /// posts_stage_idx`, the rows of a NOT NULL column).
    pub used_by: String,
}

/// Whether the change of `from` into `to`, between the schemas `old` and
/// `new`, uses a label it adds, and where: a default or partial-index
/// predicate of `new` that names one, or existing rows filled with a new
/// first label (a NOT NULL column without a default gets the first label,
/// [`crate::render::ddl::zero_value`]). Such a change cannot add labels
/// with `ALTER TYPE … ADD VALUE` (PostgreSQL refuses a label in the
/// transaction that added it), so PostgreSQL's plan replaces the type
/// instead, in `up` and in `down` (the same question read backwards).
pub fn label_used_early(
    from: &DbEnum,
    to: &DbEnum,
    old: &Schema,
    new: &Schema,
) -> Option<EarlyUse> {
    let ty = ColumnType::Enum(to.ty());
    if let Some(first) = to.labels.first().filter(|l| !from.labels.contains(l)) {
        for t in &new.tables {
            let before = t
                .renamed_from
                .as_deref()
                .and_then(|r| old.table(r))
                .or_else(|| old.table(&t.name))
                // Read backwards (for `down`), the hint is on the other side.
                .or_else(|| {
                    old.tables
                        .iter()
                        .find(|o| o.renamed_from.as_deref() == Some(t.name.as_str()))
                });
            let Some(before) = before else { continue };
            for c in t
                .columns
                .iter()
                .filter(|c| c.ty == ty && !c.nullable && c.default.is_none())
            {
                let was = before
                    .column(&c.name)
                    .or_else(|| c.renamed_from.as_deref().and_then(|r| before.column(r)))
                    .or_else(|| {
                        before
                            .columns
                            .iter()
                            .find(|b| b.renamed_from.as_deref() == Some(c.name.as_str()))
                    });
                if was.is_none_or(|w| w.nullable) {
                    return Some(EarlyUse {
                        label: first.clone(),
                        used_by: format!(
                            "the rows of {}.{}, which get the first label as a NOT NULL column without a default",
                            t.name, c.name
                        ),
                    });
                }
            }
        }
    }
    for label in to.labels.iter().filter(|l| !from.labels.contains(l)) {
        for t in &new.tables {
            let uses_enum = t.columns.iter().any(|c| c.ty == ty);
            for c in t.columns.iter().filter(|c| c.ty == ty) {
                if c.default == Some(DefaultValue::Text(label.clone())) {
                    return Some(EarlyUse {
                        label: label.clone(),
                        used_by: format!("the default of {}.{}", t.name, c.name),
                    });
                }
            }
            let quoted = crate::render::ddl::quote_literal(label);
            if let Some(ix) = t.indexes.iter().find(|ix| {
                uses_enum && ix.predicate.as_deref().is_some_and(|p| p.contains(&quoted))
            }) {
                return Some(EarlyUse {
                    label: label.clone(),
                    used_by: format!("the predicate of index {}", names::index_name(t, ix)),
                });
            }
        }
    }
    None
}

/// Which tables of the old schema became which of the new one.
struct TableMatch<'a> {
    /// Old name -> new name, for every table kept (renamed or not).
    renames: HashMap<String, String>,
    /// (old, new) for every table kept.
    pairs: Vec<(&'a Table, &'a Table)>,
    /// New tables with no old counterpart.
    created: Vec<&'a Table>,
    /// Old tables with no new counterpart.
    dropped: Vec<&'a Table>,
}

impl<'a> TableMatch<'a> {
    /// Matches tables by name, or by a `#[renamed_from]` hint.
    fn of(old: &'a Schema, new: &'a Schema) -> Result<Self, DiffError> {
        let mut renames = HashMap::new();
        let mut pairs = Vec::new();
        let mut created = Vec::new();
        for n in &new.tables {
            let by_name = old.table(&n.name);
            let by_hint = n.renamed_from.as_deref().and_then(|r| old.table(r));
            let o = match (by_name, by_hint, &n.renamed_from) {
                (Some(_), Some(_), Some(from)) => {
                    return Err(DiffError::AmbiguousTableRename {
                        table: n.name.clone(),
                        from: from.clone(),
                    })
                }
                (Some(o), None, _) | (None, Some(o), _) => o,
                (None, None, Some(from)) => {
                    return Err(DiffError::StaleTableRename {
                        table: n.name.clone(),
                        from: from.clone(),
                    })
                }
                _ => {
                    created.push(n);
                    continue;
                }
            };
            if o.scope != n.scope {
                return Err(DiffError::ScopeChange {
                    table: n.name.clone(),
                    from: scope_name(o.scope),
                    to: scope_name(n.scope),
                });
            }
            renames.insert(o.name.clone(), n.name.clone());
            pairs.push((o, n));
        }
        let dropped = old
            .tables
            .iter()
            .filter(|o| !renames.contains_key(&o.name))
            .collect();
        Ok(TableMatch {
            renames,
            pairs,
            created,
            dropped,
        })
    }
}

/// Per new table name: old column name -> new column name, matched by name
/// or by a `#[renamed_from]` hint.
fn match_columns(
    pairs: &[(&Table, &Table)],
) -> Result<HashMap<String, HashMap<String, String>>, DiffError> {
    let mut maps = HashMap::new();
    for (o, n) in pairs {
        let mut map = HashMap::new();
        for c in &n.columns {
            let by_name = o.column(&c.name);
            let by_hint = c.renamed_from.as_deref().and_then(|r| o.column(r));
            let oc = match (by_name, by_hint, &c.renamed_from) {
                (Some(_), Some(_), Some(from)) => {
                    return Err(DiffError::AmbiguousColumnRename {
                        table: n.name.clone(),
                        column: c.name.clone(),
                        from: from.clone(),
                    })
                }
                (Some(oc), None, _) | (None, Some(oc), _) => oc,
                (None, None, Some(from)) => {
                    return Err(DiffError::StaleColumnRename {
                        table: n.name.clone(),
                        column: c.name.clone(),
                        from: from.clone(),
                    })
                }
                _ => continue,
            };
            map.insert(oc.name.clone(), c.name.clone());
        }
        maps.insert(n.name.clone(), map);
    }
    Ok(maps)
}

/// What [`changes`] has found so far: operations in the order found (sorted
/// by [`Phase`] at the end), warnings, and what the foreign-key pass needs
/// to know about the tables compared before it.
#[derive(Default)]
struct Found {
    ops: Vec<Operation>,
    warnings: Vec<String>,
    /// Columns whose type changes (new table name, new column name).
    retyped: HashSet<(String, String)>,
    /// Keys (table, sorted columns) that are dropped and re-added.
    rekeyed: HashSet<(String, Vec<String>)>,
}

impl Found {
    /// The table itself renamed (schema-file or SQL name).
    fn table_renamed(&mut self, o: &Table, n: &Table) {
        if o.name != n.name || o.sql_name() != n.sql_name() {
            self.ops.push(Operation::RenameTable {
                from: o.name.clone(),
                to: n.name.clone(),
                from_sql_name: o.sql_name.clone(),
                to_sql_name: n.sql_name.clone(),
            });
        }
    }

    /// Columns renamed, dropped, added and altered; drop+add pairs that look
    /// like renames become warnings. `m` is the old table under new names,
    /// `cmap` its column map.
    fn columns(
        &mut self,
        o: &Table,
        n: &Table,
        m: &Table,
        cmap: &HashMap<String, String>,
    ) -> Result<(), DiffError> {
        for oc in &o.columns {
            let Some(new_name) = cmap.get(&oc.name) else {
                self.ops.push(Operation::DropColumn {
                    table: n.name.clone(),
                    column: oc.clone(),
                });
                continue;
            };
            let nc = n.column(new_name).unwrap_or(oc);
            if oc.name != nc.name || oc.sql_name() != nc.sql_name() {
                self.ops.push(Operation::RenameColumn {
                    table: n.name.clone(),
                    from: oc.name.clone(),
                    to: nc.name.clone(),
                    from_sql_name: oc.sql_name.clone(),
                    to_sql_name: nc.sql_name.clone(),
                });
            }
        }
        let mapped_names: HashSet<&String> = cmap.values().collect();
        for nc in &n.columns {
            if !mapped_names.contains(&nc.name) {
                self.ops.push(Operation::AddColumn {
                    table: n.name.clone(),
                    column: nc.clone(),
                });
            } else if let Some(mc) = m.column(&nc.name) {
                self.column_altered(&n.name, mc, nc)?;
            }
        }
        let dropped: Vec<&Column> = o
            .columns
            .iter()
            .filter(|c| !cmap.contains_key(&c.name))
            .collect();
        for nc in n.columns.iter().filter(|c| !mapped_names.contains(&c.name)) {
            if let Some(dc) = dropped
                .iter()
                .find(|d| d.ty == nc.ty && d.nullable == nc.nullable)
            {
                self.warnings.push(format!(
                    "column `{}.{}` is dropped and `{}.{}` added with the same type; if it is a rename, write `#[renamed_from({})]` on `{}`",
                    n.name, dc.name, n.name, nc.name, dc.name, nc.name
                ));
            }
        }
        Ok(())
    }

    /// One kept column: `mc` as it was (under its new name), `nc` as it is.
    fn column_altered(&mut self, table: &str, mc: &Column, nc: &Column) -> Result<(), DiffError> {
        if mc.auto_increment != nc.auto_increment {
            return Err(DiffError::AutoIncrementChange {
                table: table.to_string(),
                column: nc.name.clone(),
            });
        }
        // A custom type renamed or respelled is the same database type:
        // nothing to migrate (the snapshot keeps the old name until the
        // next migration, and reads the same).
        let retyped = mc.ty != nc.ty && !crate::custom_type::same_database_type(mc.ty, nc.ty);
        if retyped && conversion(mc.ty, nc.ty) == Conversion::Unsupported {
            return Err(DiffError::UnsupportedTypeChange {
                table: table.to_string(),
                column: nc.name.clone(),
                from: crate::custom_type::described(mc.ty),
                to: crate::custom_type::described(nc.ty),
            });
        }
        if retyped {
            self.retyped.insert((table.to_string(), nc.name.clone()));
        }
        if retyped || mc.nullable != nc.nullable || mc.default != nc.default {
            self.ops.push(Operation::AlterColumn {
                table: table.to_string(),
                from: Column {
                    docs: nc.docs.clone(),
                    renamed_from: None,
                    ..mc.clone()
                },
                to: Column {
                    renamed_from: None,
                    ..nc.clone()
                },
            });
        }
        Ok(())
    }

    /// Primary key, unique constraints, checks and indexes, compared as sets
    /// with resolved names. Keys dropped here are remembered, so foreign keys
    /// that point at them are dropped and re-added around the change.
    fn keys_checks_and_indexes(&mut self, n: &Table, m: &Table) {
        let table = || n.name.clone();
        // PostgreSQL cannot ALTER a primary key's deferrability: a key
        // that only becomes (or stops being) deferrable is dropped and added.
        if m.primary_key != n.primary_key || m.primary_key_deferrable != n.primary_key_deferrable {
            self.ops.push(Operation::DropPrimaryKey {
                table: table(),
                columns: m.primary_key.clone(),
                deferrable: m.primary_key_deferrable,
            });
            self.ops.push(Operation::AddPrimaryKey {
                table: table(),
                columns: n.primary_key.clone(),
                deferrable: n.primary_key_deferrable,
            });
            self.rekeyed.insert((table(), sorted(&m.primary_key)));
        }
        let (mu, nu) = (resolved_uniques(m), resolved_uniques(n));
        for unique in mu.iter().filter(|u| !nu.contains(u)).cloned() {
            self.rekeyed.insert((table(), sorted(&unique.columns)));
            self.ops.push(Operation::DropUnique {
                table: table(),
                unique,
            });
        }
        for unique in nu.iter().filter(|u| !mu.contains(u)).cloned() {
            self.ops.push(Operation::AddUnique {
                table: table(),
                unique,
            });
        }
        let (mc, nc) = (resolved_checks(m), resolved_checks(n));
        for check in mc.iter().filter(|c| !nc.contains(c)).cloned() {
            self.ops.push(Operation::DropCheck {
                table: table(),
                check,
            });
        }
        for check in nc.iter().filter(|c| !mc.contains(c)).cloned() {
            self.ops.push(Operation::AddCheck {
                table: table(),
                check,
            });
        }
        let (mi, ni) = (resolved_indexes(m), resolved_indexes(n));
        for index in mi.iter().filter(|ix| !ni.contains(ix)).cloned() {
            if index.unique && index.predicate.is_none() {
                let columns: Vec<String> = index.columns.iter().map(|c| c.column.clone()).collect();
                self.rekeyed.insert((table(), sorted(&columns)));
            }
            self.ops.push(Operation::DropIndex {
                table: table(),
                index,
            });
        }
        for index in ni.iter().filter(|ix| !mi.contains(ix)).cloned() {
            self.ops.push(Operation::AddIndex {
                table: table(),
                index,
            });
        }
    }

    /// Foreign keys of a kept table: changed ones, and unchanged ones whose
    /// columns or target key change type or are re-keyed (dropped and
    /// re-added around that change).
    fn foreign_keys(&mut self, n: &Table, m: &Table) {
        let (mf, nf) = (resolved_foreign_keys(m), resolved_foreign_keys(n));
        let touched = |fk: &ForeignKey| {
            fk.columns
                .iter()
                .any(|c| self.retyped.contains(&(n.name.clone(), c.clone())))
                || fk
                    .ref_columns
                    .iter()
                    .any(|c| self.retyped.contains(&(fk.ref_table.clone(), c.clone())))
                || self
                    .rekeyed
                    .contains(&(fk.ref_table.clone(), sorted(&fk.ref_columns)))
        };
        let mut drops: Vec<ForeignKey> = mf
            .iter()
            .filter(|fk| !nf.contains(fk) || touched(fk))
            .cloned()
            .collect();
        let mut adds: Vec<ForeignKey> = nf
            .iter()
            .filter(|fk| !mf.contains(fk) || touched(fk))
            .cloned()
            .collect();
        // A key that only changes its deferrability is altered in place.
        let mut alters = Vec::new();
        drops.retain(|from| {
            let same_but_deferral = |to: &ForeignKey| {
                to.deferrable != from.deferrable
                    && &ForeignKey {
                        deferrable: from.deferrable,
                        ..to.clone()
                    } == from
            };
            match adds.iter().position(same_but_deferral) {
                Some(i) if !touched(from) => {
                    alters.push((from.clone(), adds.remove(i)));
                    false
                }
                _ => true,
            }
        });
        for foreign_key in drops {
            self.ops.push(Operation::DropForeignKey {
                table: n.name.clone(),
                foreign_key,
            });
        }
        for (from, to) in alters {
            self.ops.push(Operation::AlterForeignKey {
                table: n.name.clone(),
                from,
                to,
            });
        }
        for foreign_key in adds {
            self.ops.push(Operation::AddForeignKey {
                table: n.name.clone(),
                foreign_key,
            });
        }
    }

    /// Dropped tables: children first; keys inside a cycle dropped before.
    fn dropped_tables(&mut self, dropped: &[&Table]) {
        let (order, forward) = creation_order(dropped);
        for (t, keys) in order.iter().zip(forward) {
            for foreign_key in keys {
                self.ops.push(Operation::DropForeignKey {
                    table: t.name.clone(),
                    foreign_key,
                });
            }
        }
        for t in order.iter().rev() {
            self.ops.push(Operation::DropTable {
                table: (*t).clone(),
            });
        }
    }

    /// Created tables: parents first; keys pointing forward in a cycle added
    /// after the tables.
    fn created_tables(&mut self, created: &[&Table]) {
        let (order, forward) = creation_order(created);
        for (t, keys) in order.iter().zip(forward) {
            let mut table = Table {
                renamed_from: None,
                ..(*t).clone()
            };
            for c in &mut table.columns {
                c.renamed_from = None;
            }
            let forward_names: Vec<Option<String>> = keys.iter().map(|f| f.name.clone()).collect();
            table
                .foreign_keys
                .retain(|fk| !forward_names.contains(&Some(names::foreign_key_name(t, fk))));
            self.ops.push(Operation::CreateTable { table });
            for foreign_key in keys {
                self.ops.push(Operation::AddForeignKey {
                    table: t.name.clone(),
                    foreign_key,
                });
            }
        }
    }

    /// A dropped and a created table with the same columns look like a
    /// rename: say which hint to write.
    fn table_rename_warnings(&mut self, dropped: &[&Table], created: &[&Table]) {
        for d in dropped {
            if let Some(c) = created.iter().find(|c| same_columns(d, c)) {
                self.warnings.push(format!(
                    "table `{}` is dropped and `{}` created with the same columns; if it is a rename, write `#[renamed_from({})]` on `{}`",
                    d.name, c.name, d.name, c.name
                ));
            }
        }
    }

    /// Raw blocks: a changed block is dropped (in reverse file order) and
    /// added again.
    fn raw_blocks(&mut self, old: &Schema, new: &Schema) {
        for b in old.raw_blocks.iter().rev() {
            let kept = new.raw_blocks.iter().find(|n| n.name == b.name);
            if kept.is_none_or(|n| n.parts != b.parts) {
                self.ops.push(Operation::DropRawBlock { block: b.clone() });
            }
        }
        for b in &new.raw_blocks {
            let had = old.raw_blocks.iter().find(|o| o.name == b.name);
            if had.is_none_or(|o| o.parts != b.parts) {
                self.ops.push(Operation::AddRawBlock { block: b.clone() });
            }
        }
    }

    /// Enums declared, dropped or with other labels (by SQL name; the Rust
    /// names are the generated code's business, not the database's).
    fn enums(&mut self, old: &Schema, new: &Schema) {
        for e in &new.enums {
            match old.db_enum(&e.sql_name) {
                None => self.ops.push(Operation::AddEnum { db_enum: e.clone() }),
                Some(o) if o.labels != e.labels => {
                    // Labels only added are added in place unless the
                    // migration (or its `down`, which adds removed labels
                    // back) also uses one: PostgreSQL's plan replaces the
                    // type then (`label_used_early`).
                    self.ops.push(Operation::ReplaceEnum {
                        from: o.clone(),
                        to: e.clone(),
                    });
                    self.ops.push(Operation::DropReplacedEnum {
                        from: o.clone(),
                        to: e.clone(),
                    });
                }
                Some(_) => {}
            }
        }
        for e in old.enums.iter().rev() {
            if new.db_enum(&e.sql_name).is_none() {
                self.ops.push(Operation::DropEnum { db_enum: e.clone() });
            }
        }
    }

    /// Extensions declared or no longer declared.
    fn extensions(&mut self, old: &Schema, new: &Schema) {
        let find =
            |s: &'_ Schema, name: &str| s.extensions.iter().find(|e| e.name == name).cloned();
        for e in &new.extensions {
            match find(old, &e.name) {
                None => self.ops.push(Operation::AddExtension {
                    extension: e.clone(),
                }),
                Some(was) if was != *e => self.ops.push(Operation::AlterExtension {
                    from: was,
                    to: e.clone(),
                }),
                Some(_) => {}
            }
        }
        for e in old.extensions.iter().rev() {
            if find(new, &e.name).is_none() {
                self.ops.push(Operation::DropExtension {
                    extension: e.clone(),
                });
            }
        }
    }

    /// The operations in phase order; within a phase (a stable sort) they
    /// keep the order found.
    fn finish(mut self) -> Changes {
        self.ops.sort_by_key(Operation::phase);
        Changes {
            operations: self.ops,
            warnings: self.warnings,
        }
    }
}

fn scope_name(s: BackendScope) -> String {
    match s {
        BackendScope::Both => "every backend".into(),
        BackendScope::Only(b) => format!("{b} only"),
    }
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

fn same_columns(a: &Table, b: &Table) -> bool {
    a.columns.len() == b.columns.len()
        && a.columns
            .iter()
            .zip(&b.columns)
            .all(|(x, y)| x.name == y.name && x.ty == y.ty && x.nullable == y.nullable)
}

/// `old` with the names of `new` (table and columns renamed, references
/// followed), so that what is left to compare are real changes.
fn map_table(
    o: &Table,
    n: &Table,
    table_map: &HashMap<String, String>,
    column_maps: &HashMap<String, HashMap<String, String>>,
) -> Table {
    let empty = HashMap::new();
    let cmap = column_maps.get(&n.name).unwrap_or(&empty);
    let col = |c: &String| cmap.get(c).cloned().unwrap_or_else(|| c.clone());
    let mut t = o.clone();
    t.name = n.name.clone();
    t.sql_name = n.sql_name.clone();
    for c in &mut t.columns {
        if let Some(nc) = cmap.get(&c.name).and_then(|nn| n.column(nn)) {
            c.name = nc.name.clone();
            c.sql_name = nc.sql_name.clone();
        }
    }
    t.primary_key = o.primary_key.iter().map(col).collect();
    for fk in &mut t.foreign_keys {
        fk.columns = fk.columns.iter().map(col).collect();
        let target_old = fk.ref_table.clone();
        if let Some(new_target) = table_map.get(&target_old) {
            fk.ref_table = new_target.clone();
            if let Some(tmap) = column_maps.get(new_target) {
                fk.ref_columns = fk
                    .ref_columns
                    .iter()
                    .map(|c| tmap.get(c).cloned().unwrap_or_else(|| c.clone()))
                    .collect();
            }
        }
    }
    for u in &mut t.uniques {
        u.columns = u.columns.iter().map(col).collect();
    }
    for ck in &mut t.checks {
        match &mut ck.expr {
            CheckExpr::In { column, .. } | CheckExpr::JsonValid { column } => *column = col(column),
            CheckExpr::Raw { .. } => {}
        }
    }
    for ix in &mut t.indexes {
        for c in &mut ix.columns {
            c.column = col(&c.column);
        }
    }
    t
}

/// Tables in creation order (parents first, otherwise input order) and, for
/// each, its foreign keys (names resolved) that point forward to a table
/// later in the order (a cycle), which must be added afterwards.
fn creation_order<'a>(tables: &[&'a Table]) -> (Vec<&'a Table>, Vec<Vec<ForeignKey>>) {
    let present: HashSet<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let mut placed: HashSet<&str> = HashSet::new();
    let mut order: Vec<&Table> = Vec::new();
    let mut remaining: Vec<&Table> = tables.to_vec();
    while !remaining.is_empty() {
        let ready = remaining.iter().position(|t| {
            t.foreign_keys.iter().all(|fk| {
                fk.ref_table == t.name
                    || !present.contains(fk.ref_table.as_str())
                    || placed.contains(fk.ref_table.as_str())
            })
        });
        let next = remaining.remove(ready.unwrap_or(0));
        placed.insert(&next.name);
        order.push(next);
    }
    let mut created: HashSet<&str> = HashSet::new();
    let mut forward = Vec::new();
    for t in &order {
        let f: Vec<ForeignKey> = resolved_foreign_keys(t)
            .into_iter()
            .filter(|fk| {
                fk.ref_table != t.name
                    && present.contains(fk.ref_table.as_str())
                    && !created.contains(fk.ref_table.as_str())
            })
            .collect();
        created.insert(&t.name);
        forward.push(f);
    }
    (order, forward)
}

// ----- apply and invert ------------------------------------------------------

/// Performs `op` on `schema` (the model side of a migration). An operation
/// that names something missing changes nothing.
pub fn apply(schema: &mut Schema, op: &Operation) {
    fn table<'a>(s: &'a mut Schema, name: &str) -> Option<&'a mut Table> {
        s.tables.iter_mut().find(|t| t.name == name)
    }
    match op {
        Operation::CreateTable { table } => schema.tables.push(table.clone()),
        Operation::DropTable { table } => schema.tables.retain(|t| t.name != table.name),
        Operation::RenameTable {
            from,
            to,
            to_sql_name,
            ..
        } => {
            for t in &mut schema.tables {
                for fk in &mut t.foreign_keys {
                    if &fk.ref_table == from {
                        fk.ref_table = to.clone();
                    }
                }
            }
            if let Some(t) = table(schema, from) {
                t.name = to.clone();
                t.sql_name = to_sql_name.clone();
            }
        }
        Operation::AddColumn { table: tn, column } => {
            if let Some(t) = table(schema, tn) {
                t.columns.push(column.clone());
            }
        }
        Operation::DropColumn { table: tn, column } => {
            if let Some(t) = table(schema, tn) {
                t.columns.retain(|c| c.name != column.name);
            }
        }
        Operation::RenameColumn {
            table: tn,
            from,
            to,
            to_sql_name,
            ..
        } => {
            let rename = |c: &mut String| {
                if c == from {
                    *c = to.clone();
                }
            };
            for t in &mut schema.tables {
                if &t.name == tn {
                    continue;
                }
                for fk in &mut t.foreign_keys {
                    if &fk.ref_table == tn {
                        fk.ref_columns.iter_mut().for_each(rename);
                    }
                }
            }
            if let Some(t) = table(schema, tn) {
                if let Some(c) = t.columns.iter_mut().find(|c| &c.name == from) {
                    c.name = to.clone();
                    c.sql_name = to_sql_name.clone();
                }
                t.primary_key.iter_mut().for_each(rename);
                for fk in &mut t.foreign_keys {
                    fk.columns.iter_mut().for_each(rename);
                    if &fk.ref_table == tn {
                        fk.ref_columns.iter_mut().for_each(rename);
                    }
                }
                for u in &mut t.uniques {
                    u.columns.iter_mut().for_each(rename);
                }
                for ck in &mut t.checks {
                    if let CheckExpr::In { column, .. } | CheckExpr::JsonValid { column } =
                        &mut ck.expr
                    {
                        rename(column);
                    }
                }
                for ix in &mut t.indexes {
                    ix.columns.iter_mut().for_each(|c| rename(&mut c.column));
                }
            }
        }
        Operation::AlterColumn { table: tn, to, .. } => {
            if let Some(t) = table(schema, tn) {
                if let Some(c) = t.columns.iter_mut().find(|c| c.name == to.name) {
                    *c = Column {
                        docs: c.docs.clone(),
                        ..to.clone()
                    };
                }
            }
        }
        Operation::AddPrimaryKey {
            table: tn,
            columns,
            deferrable,
        } => {
            if let Some(t) = table(schema, tn) {
                t.primary_key = columns.clone();
                t.primary_key_deferrable = *deferrable;
            }
        }
        Operation::DropPrimaryKey { table: tn, .. } => {
            if let Some(t) = table(schema, tn) {
                t.primary_key.clear();
                t.primary_key_deferrable = Deferrable::No;
            }
        }
        Operation::AddForeignKey {
            table: tn,
            foreign_key,
        } => {
            if let Some(t) = table(schema, tn) {
                let derived = names::foreign_key_name(t, &unnamed(foreign_key, |f| &mut f.name));
                t.foreign_keys
                    .push(as_derived(foreign_key, &derived, |f| &mut f.name));
            }
        }
        Operation::DropForeignKey {
            table: tn,
            foreign_key,
        } => {
            if let Some(t) = table(schema, tn) {
                if let Some(i) = resolved_foreign_keys(t)
                    .iter()
                    .position(|f| f == foreign_key)
                {
                    t.foreign_keys.remove(i);
                }
            }
        }
        Operation::AlterForeignKey {
            table: tn,
            from,
            to,
        } => {
            if let Some(t) = table(schema, tn) {
                if let Some(i) = resolved_foreign_keys(t).iter().position(|f| f == from) {
                    t.foreign_keys[i].deferrable = to.deferrable;
                }
            }
        }
        Operation::AddUnique { table: tn, unique } => {
            if let Some(t) = table(schema, tn) {
                let derived = names::unique_name(t, &unnamed(unique, |u| &mut u.name));
                t.uniques
                    .push(as_derived(unique, &derived, |u| &mut u.name));
            }
        }
        Operation::DropUnique { table: tn, unique } => {
            if let Some(t) = table(schema, tn) {
                if let Some(i) = resolved_uniques(t).iter().position(|u| u == unique) {
                    t.uniques.remove(i);
                }
            }
        }
        Operation::AddCheck { table: tn, check } => {
            if let Some(t) = table(schema, tn) {
                add_check(t, check);
            }
        }
        Operation::DropCheck { table: tn, check } => {
            if let Some(t) = table(schema, tn) {
                let before = resolved_checks(t);
                if let Some(i) = before.iter().position(|c| c == check) {
                    // Later derived check names depend on positions: pin
                    // them (the database keeps them), then let every name
                    // that the position still derives be derived again.
                    t.checks = before;
                    t.checks.remove(i);
                    derive_check_names(t);
                }
            }
        }
        Operation::AddIndex { table: tn, index } => {
            if let Some(t) = table(schema, tn) {
                let derived = names::index_name(t, &unnamed(index, |ix| &mut ix.name));
                t.indexes
                    .push(as_derived(index, &derived, |ix| &mut ix.name));
            }
        }
        Operation::DropIndex { table: tn, index } => {
            if let Some(t) = table(schema, tn) {
                if let Some(i) = resolved_indexes(t).iter().position(|x| x == index) {
                    t.indexes.remove(i);
                }
            }
        }
        Operation::AddRawBlock { block } => schema.raw_blocks.push(block.clone()),
        Operation::DropRawBlock { block } => schema.raw_blocks.retain(|b| b.name != block.name),
        Operation::AddExtension { extension } => {
            if !schema.extensions.iter().any(|e| e.name == extension.name) {
                schema.extensions.push(extension.clone());
            }
        }
        Operation::DropExtension { extension } => {
            schema.extensions.retain(|e| e.name != extension.name)
        }
        Operation::AlterExtension { to, .. } => {
            for e in &mut schema.extensions {
                if e.name == to.name {
                    *e = to.clone();
                }
            }
        }
        Operation::AddEnum { db_enum } => {
            if schema.db_enum(&db_enum.sql_name).is_none() {
                schema.enums.push(db_enum.clone());
            }
        }
        Operation::DropEnum { db_enum } => schema.enums.retain(|e| e.sql_name != db_enum.sql_name),
        Operation::ReplaceEnum { to, .. } => {
            for e in &mut schema.enums {
                if e.sql_name == to.sql_name {
                    *e = to.clone();
                }
            }
        }
        Operation::DropReplacedEnum { .. } => {}
    }
}

/// `item` without an explicit name.
fn unnamed<T: Clone>(item: &T, name: impl Fn(&mut T) -> &mut Option<String>) -> T {
    let mut item = item.clone();
    *name(&mut item) = None;
    item
}

/// `item` (which an operation adds under its resolved name) stored without
/// that name when it is the name the table derives for it anyway, so that
/// a later rename in the same list renames it, as the planner renames the
/// object in the database (derived names follow renames).
fn as_derived<T: Clone>(
    item: &T,
    derived: &str,
    name: impl Fn(&mut T) -> &mut Option<String>,
) -> T {
    let mut item = item.clone();
    let n = name(&mut item);
    if n.as_deref() == Some(derived) {
        *n = None;
    }
    item
}

/// Adds `check` (carrying its resolved name) where that name is the one
/// its position derives, if there is such a place, so that a later rename
/// in the same list renames it; otherwise last, under its name.
fn add_check(t: &mut Table, check: &Check) {
    let resolved = resolved_checks(t);
    for p in 0..=t.checks.len() {
        let mut trial = t.clone();
        trial.checks.insert(p, check.clone());
        let mut want = resolved.clone();
        want.insert(p, check.clone());
        if resolved_checks(&trial) != want {
            // Inserted here, it would shift the derived names after it.
            continue;
        }
        derive_check_names(&mut trial);
        if trial.checks[p].name.is_none() {
            *t = trial;
            return;
        }
    }
    t.checks.push(check.clone());
    derive_check_names(t);
}

/// Drops every explicit check name that the check's position derives
/// anyway, where that changes no resolved name: a derived name follows
/// renames (as the planner renames it in the database), a pinned one does
/// not.
fn derive_check_names(t: &mut Table) {
    let resolved = resolved_checks(t);
    for i in 0..t.checks.len() {
        let Some(name) = t.checks[i].name.take() else {
            continue;
        };
        if resolved_checks(t) != resolved {
            t.checks[i].name = Some(name);
        }
    }
}

/// Performs every operation in order on a copy of `schema`.
pub fn apply_all(schema: &Schema, ops: &[Operation]) -> Schema {
    let mut s = schema.clone();
    for op in ops {
        apply(&mut s, op);
    }
    s
}

/// The operation that undoes `op`.
pub fn invert(op: &Operation) -> Operation {
    match op.clone() {
        Operation::CreateTable { table } => Operation::DropTable { table },
        Operation::DropTable { table } => Operation::CreateTable { table },
        Operation::RenameTable {
            from,
            to,
            from_sql_name,
            to_sql_name,
        } => Operation::RenameTable {
            from: to,
            to: from,
            from_sql_name: to_sql_name,
            to_sql_name: from_sql_name,
        },
        Operation::AddColumn { table, column } => Operation::DropColumn { table, column },
        Operation::DropColumn { table, column } => Operation::AddColumn { table, column },
        Operation::RenameColumn {
            table,
            from,
            to,
            from_sql_name,
            to_sql_name,
        } => Operation::RenameColumn {
            table,
            from: to,
            to: from,
            from_sql_name: to_sql_name,
            to_sql_name: from_sql_name,
        },
        Operation::AlterColumn { table, from, to } => Operation::AlterColumn {
            table,
            from: to,
            to: from,
        },
        Operation::AddPrimaryKey {
            table,
            columns,
            deferrable,
        } => Operation::DropPrimaryKey {
            table,
            columns,
            deferrable,
        },
        Operation::DropPrimaryKey {
            table,
            columns,
            deferrable,
        } => Operation::AddPrimaryKey {
            table,
            columns,
            deferrable,
        },
        Operation::AddForeignKey { table, foreign_key } => {
            Operation::DropForeignKey { table, foreign_key }
        }
        Operation::DropForeignKey { table, foreign_key } => {
            Operation::AddForeignKey { table, foreign_key }
        }
        Operation::AlterForeignKey { table, from, to } => Operation::AlterForeignKey {
            table,
            from: to,
            to: from,
        },
        Operation::AddUnique { table, unique } => Operation::DropUnique { table, unique },
        Operation::DropUnique { table, unique } => Operation::AddUnique { table, unique },
        Operation::AddCheck { table, check } => Operation::DropCheck { table, check },
        Operation::DropCheck { table, check } => Operation::AddCheck { table, check },
        Operation::AddIndex { table, index } => Operation::DropIndex { table, index },
        Operation::DropIndex { table, index } => Operation::AddIndex { table, index },
        Operation::AddRawBlock { block } => Operation::DropRawBlock { block },
        Operation::DropRawBlock { block } => Operation::AddRawBlock { block },
        Operation::AddExtension { extension } => Operation::DropExtension { extension },
        Operation::DropExtension { extension } => Operation::AddExtension { extension },
        Operation::AlterExtension { from, to } => Operation::AlterExtension { from: to, to: from },
        Operation::AddEnum { db_enum } => Operation::DropEnum { db_enum },
        Operation::DropEnum { db_enum } => Operation::AddEnum { db_enum },
        // The pair swaps ends, so that `down` (the inverted operations in
        // reverse order) again starts with the replacement.
        Operation::ReplaceEnum { from, to } => Operation::DropReplacedEnum { from: to, to: from },
        Operation::DropReplacedEnum { from, to } => Operation::ReplaceEnum { from: to, to: from },
    }
}

/// The operations that undo `ops` (each inverted, in reverse order).
pub fn invert_all(ops: &[Operation]) -> Vec<Operation> {
    ops.iter().rev().map(invert).collect()
}

// ----- words -------------------------------------------------------------------

fn column_type_words(c: &Column) -> String {
    let ty = if c.nullable {
        format!("Nullable<{}>", c.ty.neutral_name())
    } else {
        c.ty.neutral_name()
    };
    match &c.default {
        Some(d) => format!("{ty}, default {}", d.neutral_spelling()),
        None => ty,
    }
}

fn index_words(ix: &Index) -> String {
    let cols: Vec<String> = ix
        .columns
        .iter()
        .map(|c| match c.order {
            Order::Asc => c.column.clone(),
            Order::Desc => format!("{} desc", c.column),
        })
        .collect();
    let mut s = format!(
        "{}index {} ({})",
        if ix.unique { "unique " } else { "" },
        ix.name.as_deref().unwrap_or("?"),
        cols.join(", ")
    );
    if let Some(p) = &ix.predicate {
        s.push_str(&format!(" where {p}"));
    }
    s
}

/// When an operation runs within a migration. Operations are ordered by
/// phase (a stable sort, so operations of one phase keep the order the
/// differ found them in): everything that could stand in the way of a
/// change is dropped first, and what depends on the changed tables is added
/// last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Create PostgreSQL extensions (their types may be used by any table).
    AddExtension,
    /// Create enum types and change their labels (before any column uses
    /// them).
    AddEnum,
    /// Drop raw SQL blocks (views and triggers may name anything below).
    DropRaw,
    /// Rename tables (derived constraint and index names follow).
    RenameTable,
    /// Rename columns (derived constraint and index names follow).
    RenameColumn,
    /// Drop foreign keys (changed ones, and keys inside dropped cycles),
    /// under the names the renames gave them.
    DropForeignKey,
    /// Drop primary keys, uniques, checks and indexes, under the names the
    /// renames gave them.
    DropConstraint,
    /// Drop columns.
    DropColumn,
    /// Drop tables (children first).
    DropTable,
    /// Create tables (parents first).
    CreateTable,
    /// Add columns.
    AddColumn,
    /// Change a column's type, nullability or default.
    AlterColumn,
    /// Add primary keys, uniques and checks.
    AddConstraint,
    /// Add foreign keys.
    AddForeignKey,
    /// Add indexes.
    AddIndex,
    /// Add raw SQL blocks.
    AddRaw,
    /// Drop enum types, and the old types that label changes put aside
    /// (no column uses them any more).
    DropEnum,
    /// Drop PostgreSQL extensions (nothing may use them any more).
    DropExtension,
}

impl Operation {
    /// The phase the operation runs in.
    pub fn phase(&self) -> Phase {
        match self {
            Operation::AddExtension { .. } | Operation::AlterExtension { .. } => {
                Phase::AddExtension
            }
            Operation::DropExtension { .. } => Phase::DropExtension,
            Operation::AddEnum { .. } | Operation::ReplaceEnum { .. } => Phase::AddEnum,
            Operation::DropEnum { .. } | Operation::DropReplacedEnum { .. } => Phase::DropEnum,
            Operation::DropRawBlock { .. } => Phase::DropRaw,
            Operation::DropForeignKey { .. } => Phase::DropForeignKey,
            Operation::DropPrimaryKey { .. }
            | Operation::DropUnique { .. }
            | Operation::DropCheck { .. }
            | Operation::DropIndex { .. } => Phase::DropConstraint,
            Operation::RenameTable { .. } => Phase::RenameTable,
            Operation::RenameColumn { .. } => Phase::RenameColumn,
            Operation::DropColumn { .. } => Phase::DropColumn,
            Operation::DropTable { .. } => Phase::DropTable,
            Operation::CreateTable { .. } => Phase::CreateTable,
            Operation::AddColumn { .. } => Phase::AddColumn,
            Operation::AlterColumn { .. } => Phase::AlterColumn,
            Operation::AddPrimaryKey { .. }
            | Operation::AddUnique { .. }
            | Operation::AddCheck { .. } => Phase::AddConstraint,
            Operation::AddForeignKey { .. } | Operation::AlterForeignKey { .. } => {
                Phase::AddForeignKey
            }
            Operation::AddIndex { .. } => Phase::AddIndex,
            Operation::AddRawBlock { .. } => Phase::AddRaw,
        }
    }

    /// The table the operation works on (its name at that moment), if any.
    pub fn table(&self) -> Option<&str> {
        match self {
            Operation::CreateTable { table } | Operation::DropTable { table } => Some(&table.name),
            Operation::RenameTable { from, .. } => Some(from),
            Operation::AddColumn { table, .. }
            | Operation::DropColumn { table, .. }
            | Operation::RenameColumn { table, .. }
            | Operation::AlterColumn { table, .. }
            | Operation::AddPrimaryKey { table, .. }
            | Operation::DropPrimaryKey { table, .. }
            | Operation::AddForeignKey { table, .. }
            | Operation::DropForeignKey { table, .. }
            | Operation::AlterForeignKey { table, .. }
            | Operation::AddUnique { table, .. }
            | Operation::DropUnique { table, .. }
            | Operation::AddCheck { table, .. }
            | Operation::DropCheck { table, .. }
            | Operation::AddIndex { table, .. }
            | Operation::DropIndex { table, .. } => Some(table),
            Operation::AddRawBlock { .. }
            | Operation::DropRawBlock { .. }
            | Operation::AddExtension { .. }
            | Operation::DropExtension { .. }
            | Operation::AlterExtension { .. }
            | Operation::AddEnum { .. }
            | Operation::DropEnum { .. }
            | Operation::ReplaceEnum { .. }
            | Operation::DropReplacedEnum { .. } => None,
        }
    }

    /// A short snake_case phrase for migration folder names, such as
    /// `add_tasks_heartbeat_at`.
    pub fn slug(&self) -> String {
        match self {
            Operation::CreateTable { table } => format!("create_{}", table.name),
            Operation::DropTable { table } => format!("drop_{}", table.name),
            Operation::RenameTable { from, to, .. } if from == to => format!("rename_{from}"),
            Operation::RenameTable { from, to, .. } => format!("rename_{from}_to_{to}"),
            Operation::AddColumn { table, column } => format!("add_{table}_{}", column.name),
            Operation::DropColumn { table, column } => format!("drop_{table}_{}", column.name),
            Operation::RenameColumn {
                table, from, to, ..
            } => format!("rename_{table}_{from}_to_{to}"),
            Operation::AlterColumn { table, to, .. } => format!("alter_{table}_{}", to.name),
            Operation::AddPrimaryKey { table, .. } => format!("add_{table}_pkey"),
            Operation::DropPrimaryKey { table, .. } => format!("drop_{table}_pkey"),
            Operation::AddForeignKey { foreign_key, .. } => {
                format!("add_{}", foreign_key.name.as_deref().unwrap_or("fkey"))
            }
            Operation::DropForeignKey { foreign_key, .. } => {
                format!("drop_{}", foreign_key.name.as_deref().unwrap_or("fkey"))
            }
            Operation::AlterForeignKey { to, .. } => {
                format!("alter_{}", to.name.as_deref().unwrap_or("fkey"))
            }
            Operation::AddUnique { unique, .. } => {
                format!("add_{}", unique.name.as_deref().unwrap_or("key"))
            }
            Operation::DropUnique { unique, .. } => {
                format!("drop_{}", unique.name.as_deref().unwrap_or("key"))
            }
            Operation::AddCheck { check, .. } => {
                format!("add_{}", check.name.as_deref().unwrap_or("check"))
            }
            Operation::DropCheck { check, .. } => {
                format!("drop_{}", check.name.as_deref().unwrap_or("check"))
            }
            Operation::AddIndex { index, .. } => {
                format!("add_{}", index.name.as_deref().unwrap_or("idx"))
            }
            Operation::DropIndex { index, .. } => {
                format!("drop_{}", index.name.as_deref().unwrap_or("idx"))
            }
            Operation::AddRawBlock { block } => format!("add_{}", block.name),
            Operation::DropRawBlock { block } => format!("drop_{}", block.name),
            Operation::AddExtension { extension } => format!("add_extension_{}", extension.name),
            Operation::DropExtension { extension } => {
                format!("drop_extension_{}", extension.name)
            }
            Operation::AlterExtension { to, .. } => format!("alter_extension_{}", to.name),
            Operation::AddEnum { db_enum } => format!("add_enum_{}", db_enum.sql_name),
            Operation::DropEnum { db_enum } => format!("drop_enum_{}", db_enum.sql_name),
            Operation::ReplaceEnum { to, .. } => format!("alter_enum_{}", to.sql_name),
            Operation::DropReplacedEnum { to, .. } => format!("finish_enum_{}", to.sql_name),
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operation::CreateTable { table } => {
                let scope = match table.scope {
                    BackendScope::Both => String::new(),
                    BackendScope::Only(b) => format!(" ({b} only)"),
                };
                write!(
                    f,
                    "create table {}{scope} with {} column{}",
                    table.name,
                    table.columns.len(),
                    if table.columns.len() == 1 { "" } else { "s" }
                )
            }
            Operation::DropTable { table } => write!(f, "drop table {}", table.name),
            Operation::RenameTable {
                from,
                to,
                from_sql_name,
                to_sql_name,
            } => {
                let sql = |n: &str, s: &Option<String>| match s {
                    Some(s) => format!("{n} (SQL name {s})"),
                    None => n.to_string(),
                };
                write!(
                    f,
                    "rename table {} to {}",
                    sql(from, from_sql_name),
                    sql(to, to_sql_name)
                )
            }
            Operation::AddColumn { table, column } => write!(
                f,
                "add column {table}.{} ({})",
                column.name,
                column_type_words(column)
            ),
            Operation::DropColumn { table, column } => {
                write!(f, "drop column {table}.{}", column.name)
            }
            Operation::RenameColumn {
                table,
                from,
                to,
                from_sql_name,
                to_sql_name,
            } => {
                let sql = |n: &str, s: &Option<String>| match s {
                    Some(s) => format!("{n} (SQL name {s})"),
                    None => n.to_string(),
                };
                write!(
                    f,
                    "rename column {table}.{} to {}",
                    sql(from, from_sql_name),
                    sql(to, to_sql_name)
                )
            }
            Operation::AlterColumn { table, from, to } => {
                let mut parts = Vec::new();
                if from.ty != to.ty {
                    parts.push(format!("type {}", type_change(from.ty, to.ty)));
                }
                if from.nullable != to.nullable {
                    parts.push(if to.nullable {
                        "drop NOT NULL".to_string()
                    } else {
                        "set NOT NULL".to_string()
                    });
                }
                if from.default != to.default {
                    parts.push(match &to.default {
                        Some(d) => format!("default {}", d.neutral_spelling()),
                        None => "drop default".into(),
                    });
                }
                write!(f, "alter column {table}.{}: {}", to.name, parts.join(", "))
            }
            Operation::AddPrimaryKey {
                table,
                columns,
                deferrable,
            } => write!(
                f,
                "add primary key {table} ({}){}",
                columns.join(", "),
                deferrable.sql_suffix().to_ascii_lowercase()
            ),
            Operation::DropPrimaryKey {
                table,
                columns,
                deferrable,
            } => write!(
                f,
                "drop primary key {table} ({}){}",
                columns.join(", "),
                deferrable.sql_suffix().to_ascii_lowercase()
            ),
            Operation::AddForeignKey { table, foreign_key } => write!(
                f,
                "add foreign key {} on {table} ({}) -> {} ({})",
                foreign_key.name.as_deref().unwrap_or("?"),
                foreign_key.columns.join(", "),
                foreign_key.ref_table,
                foreign_key.ref_columns.join(", ")
            ),
            Operation::DropForeignKey { table, foreign_key } => write!(
                f,
                "drop foreign key {} on {table}",
                foreign_key.name.as_deref().unwrap_or("?")
            ),
            Operation::AlterForeignKey { table, to, .. } => write!(
                f,
                "alter foreign key {} on {table}: {}",
                to.name.as_deref().unwrap_or("?"),
                to.deferrable.sql()
            ),
            Operation::AddUnique { table, unique } => write!(
                f,
                "add unique constraint {} on {table} ({})",
                unique.name.as_deref().unwrap_or("?"),
                unique.columns.join(", ")
            ),
            Operation::DropUnique { table, unique } => write!(
                f,
                "drop unique constraint {} on {table}",
                unique.name.as_deref().unwrap_or("?")
            ),
            Operation::AddCheck { table, check } => write!(
                f,
                "add check {} on {table}",
                check.name.as_deref().unwrap_or("?")
            ),
            Operation::DropCheck { table, check } => write!(
                f,
                "drop check {} on {table}",
                check.name.as_deref().unwrap_or("?")
            ),
            Operation::AddIndex { table, index } => {
                write!(f, "add {} on {table}", index_words(index))
            }
            Operation::DropIndex { table, index } => {
                write!(f, "drop {} on {table}", index_words(index))
            }
            Operation::AddRawBlock { block } => write!(f, "add raw SQL block {}", block.name),
            Operation::DropRawBlock { block } => write!(f, "drop raw SQL block {}", block.name),
            Operation::AddExtension { extension } => {
                write!(f, "create PostgreSQL extension {}", extension.name)
            }
            Operation::DropExtension { extension } => {
                write!(f, "drop PostgreSQL extension {}", extension.name)
            }
            Operation::AlterExtension { from, to } => write!(
                f,
                "alter PostgreSQL extension {} from {} to {}",
                to.name,
                from.neutral_spelling(),
                to.neutral_spelling()
            ),
            Operation::AddEnum { db_enum } => write!(
                f,
                "create enum {} ({})",
                db_enum.sql_name,
                db_enum.labels.join(", ")
            ),
            Operation::DropEnum { db_enum } => write!(f, "drop enum {}", db_enum.sql_name),
            Operation::ReplaceEnum { from, to } => write!(
                f,
                "change the labels of enum {} from ({}) to ({})",
                to.sql_name,
                from.labels.join(", "),
                to.labels.join(", ")
            ),
            Operation::DropReplacedEnum { to, .. } => {
                write!(f, "finish the label change of enum {}", to.sql_name)
            }
        }
    }
}

/// A migration name made from its operations: the first operation's
/// [`Operation::slug`], plus `_and_more` when there are others, at most 60
/// bytes.
pub fn migration_name(ops: &[Operation]) -> String {
    let mut name = match ops {
        [] => "empty".to_string(),
        [one] => one.slug(),
        [first, second] if first.table().is_some() && first.table() == second.table() => {
            format!("change_{}", first.table().unwrap_or("schema"))
        }
        [first, ..] => format!("{}_and_more", first.slug()),
    };
    name.truncate(60);
    while name.ends_with('_') {
        name.pop();
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use ColumnType as T;

    /// A type change names an enum's added and removed labels (the type
    /// keeps its name, so its name says nothing); other changes name both
    /// types.
    #[test]
    fn type_changes_name_the_labels_of_an_enum() {
        let stage = |labels: &[&str]| {
            let labels: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
            T::Enum(crate::model::EnumType::new("stage", &labels))
        };
        let cases = [
            (
                stage(&["Draft", "Live", "Archived"]),
                stage(&["Draft", "Live"]),
                "enum stage loses label 'Archived'",
            ),
            (
                stage(&["Draft"]),
                stage(&["Idea", "Draft", "it's"]),
                "enum stage gains labels 'Idea', 'it''s'",
            ),
            (
                stage(&["a", "b"]),
                stage(&["a", "c"]),
                "enum stage gains label 'c' and loses label 'b'",
            ),
            (
                stage(&["a", "b"]),
                stage(&["b", "a"]),
                "enum stage orders its labels (b, a) instead of (a, b)",
            ),
            (stage(&["a"]), T::Text { max_len: None }, "Stage -> Text"),
            (T::Integer, T::BigInt, "Integer -> BigInt"),
        ];
        for (from, to, want) in cases {
            assert_eq!(type_change(from, to), want);
        }
    }

    #[test]
    fn conversions() {
        let text = T::Text { max_len: None };
        let short = T::Text { max_len: Some(10) };
        let long = T::Text { max_len: Some(20) };
        let dec = |precision, scale| T::Decimal { precision, scale };
        let cases: &[(ColumnType, ColumnType, Conversion)] = &[
            (T::SmallInt, T::Integer, Conversion::Widening),
            (T::Integer, T::BigInt, Conversion::Widening),
            (T::BigInt, T::SmallInt, Conversion::Narrowing),
            (T::Integer, T::Double, Conversion::Widening),
            (T::BigInt, T::Double, Conversion::Narrowing),
            (T::Double, T::BigInt, Conversion::Narrowing),
            (T::Bool, T::SmallInt, Conversion::Widening),
            (text, short, Conversion::Narrowing),
            (short, long, Conversion::Widening),
            (long, short, Conversion::Narrowing),
            (short, text, Conversion::Widening),
            (T::Uuid, text, Conversion::Widening),
            (T::Timestamp, text, Conversion::Widening),
            (T::Bool, short, Conversion::Narrowing),
            (text, T::Json, Conversion::Narrowing),
            (text, T::Uuid, Conversion::Narrowing),
            (T::Json, T::Integer, Conversion::Unsupported),
            (dec(10, 2), dec(12, 2), Conversion::Widening),
            (dec(12, 2), dec(10, 2), Conversion::Narrowing),
            (dec(10, 2), dec(10, 3), Conversion::Unsupported),
            (dec(10, 2), T::Double, Conversion::Unsupported),
            (dec(10, 2), text, Conversion::Unsupported),
            (T::Binary, text, Conversion::Unsupported),
            (text, T::Bool, Conversion::Unsupported),
            (T::Double, text, Conversion::Unsupported),
        ];
        for (from, to, want) in cases {
            assert_eq!(conversion(*from, *to), *want, "{from:?} -> {to:?}");
        }
    }

    #[test]
    fn migration_names() {
        let t = |name: &str| Table {
            name: name.into(),
            sql_name: None,
            docs: vec![],
            scope: BackendScope::Both,
            columns: vec![],
            primary_key: vec![],
            primary_key_deferrable: Deferrable::No,
            foreign_keys: vec![],
            uniques: vec![],
            checks: vec![],
            indexes: vec![],
            renamed_from: None,
            span: Span::default(),
        };
        let create = Operation::CreateTable { table: t("jobs") };
        let drop = Operation::DropTable { table: t("old") };
        assert_eq!(migration_name(&[]), "empty");
        assert_eq!(migration_name(std::slice::from_ref(&create)), "create_jobs");
        assert_eq!(migration_name(&[create, drop]), "create_jobs_and_more");
        let long = Operation::CreateTable {
            table: t(&"x".repeat(70)),
        };
        assert!(migration_name(&[long]).len() <= 60);
    }
}
