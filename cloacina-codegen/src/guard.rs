//! Guards for destructive migration steps.
//!
//! A migration that would lose data is refused unless the schema file says
//! the loss is intended, with one of three attributes:
//!
//! - `#![allow_drop(old_table, old_raw_block, ...)]` at the top of the file:
//!   dropping these tables or raw SQL blocks (backend-only tables too) is
//!   intended;
//! - `#[allow_drop(old_column, ...)]` on a table: dropping these columns of
//!   it is intended;
//! - `#[allow_destructive]` on a column: narrowing its type or length, or
//!   making it `NOT NULL` without a default (existing `NULL`s, and the rows
//!   of a table that gains such a column, get the type's zero value:
//!   `0`, `''`, `false`, the epoch, the nil UUID, `{}`), is intended.
//!
//! The attributes are read by the parser alongside the model (they are
//! intent for one transition, not schema state, so the model and the
//! history snapshot do not carry them). Leaving them in the file after the
//! migration is written is harmless.

use crate::diff::{conversion, Conversion, Operation};
use crate::error::line_col;
use crate::model::{Schema, Span};

/// One statement of intent in the schema file.
#[derive(Clone, Debug, PartialEq)]
pub struct Allowance {
    /// What is allowed.
    pub kind: AllowKind,
    /// Where it was written.
    pub span: Span,
}

/// What an [`Allowance`] allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowKind {
    /// `#![allow_drop(name)]`: dropping table or raw SQL block `name`.
    Drop {
        /// The table or raw block.
        name: String,
    },
    /// `#[allow_drop(column)]` on table `table`.
    DropColumn {
        /// The table (schema-file name).
        table: String,
        /// The dropped column.
        column: String,
    },
    /// `#[allow_destructive]` on a column.
    Destructive {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
}

/// A destructive step that the schema does not allow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The operation, in words.
    pub operation: String,
    /// `path:line:column` of the place to write the attribute.
    pub location: String,
    /// Why it is destructive and the attribute that allows it.
    pub message: String,
}

/// Destructive steps that no allowance covers.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", render_refusals(.0))]
pub struct Refused(pub Vec<Refusal>);

fn render_refusals(r: &[Refusal]) -> String {
    let mut out = format!(
        "the migration has {} destructive step{} that the schema does not allow:",
        r.len(),
        if r.len() == 1 { "" } else { "s" }
    );
    for x in r {
        out.push_str(&format!(
            "\n  {}: {}: {}",
            x.location, x.operation, x.message
        ));
    }
    out
}

/// Why `op` loses data, if it does; `None` for a safe operation.
/// `ops` is the whole plan (a raw block that is dropped and re-added is
/// only being changed).
pub fn destructive_reason(op: &Operation, ops: &[Operation]) -> Option<String> {
    match op {
        Operation::DropTable { .. } => Some("its rows are deleted".into()),
        Operation::DropRawBlock { block } => {
            let re_added = ops
                .iter()
                .any(|o| matches!(o, Operation::AddRawBlock { block: b } if b.name == block.name));
            (!re_added).then(|| "the objects it created (and their data) are removed".into())
        }
        Operation::DropColumn { .. } => Some("its values are deleted".into()),
        Operation::DropExtension { .. } => Some(
            "its types, functions and operators go, and PostgreSQL refuses the drop while a column uses them"
                .into(),
        ),
        Operation::AddColumn { column, .. } if !column.insert_optional() => Some(
            "a NOT NULL column without a default: existing rows would get the type's zero value"
                .into(),
        ),
        Operation::AlterColumn { from, to, .. } => {
            if from.ty != to.ty && conversion(from.ty, to.ty) == Conversion::Narrowing {
                Some(format!(
                    "{} is narrowing: values that do not fit are refused or cut",
                    crate::diff::type_change(from.ty, to.ty)
                ))
            } else if from.nullable && !to.nullable && to.default.is_none() {
                Some(
                    "NOT NULL without a default: existing NULLs would become the type's zero value"
                        .into(),
                )
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Checks every destructive operation of `ops` against the allowances of
/// the new schema (`source` is its text, `path` names it).
///
/// # Errors
///
/// [`Refused`] listing each unallowed step with the schema line and the
/// attribute that allows it.
pub fn check(
    ops: &[Operation],
    new: &Schema,
    allowances: &[Allowance],
    path: &str,
    source: &str,
) -> Result<(), Refused> {
    let allowed = |k: &AllowKind| allowances.iter().any(|a| &a.kind == k);
    let at = |span: Span| {
        let (l, c) = line_col(source, span.start);
        format!("{path}:{l}:{c}")
    };
    let table_span = |name: &str| new.table(name).map(|t| t.span).unwrap_or_default();
    let column_span = |t: &str, c: &str| {
        new.table(t)
            .and_then(|t| t.column(c))
            .map(|c| c.span)
            .unwrap_or_default()
    };
    let mut refusals = Vec::new();
    for op in ops {
        let Some(reason) = destructive_reason(op, ops) else {
            continue;
        };
        let (ok, span, how) = match op {
            Operation::DropTable { table } => (
                allowed(&AllowKind::Drop {
                    name: table.name.clone(),
                }),
                Span::default(),
                format!("write `#![allow_drop({})]` at the top of the schema file if dropping it is intended", table.name),
            ),
            Operation::DropRawBlock { block } => (
                allowed(&AllowKind::Drop {
                    name: block.name.clone(),
                }),
                Span::default(),
                format!("write `#![allow_drop({})]` at the top of the schema file if removing it is intended", block.name),
            ),
            Operation::DropExtension { extension } => (
                allowed(&AllowKind::Drop {
                    name: extension.name.clone(),
                }),
                Span::default(),
                format!("write `#![allow_drop({})]` at the top of the schema file if dropping the PostgreSQL extension is intended (or declare it again in `#![postgres_extensions(...)]`)", extension.name),
            ),
            Operation::DropColumn { table, column } => (
                allowed(&AllowKind::DropColumn {
                    table: table.clone(),
                    column: column.name.clone(),
                }),
                table_span(table),
                format!(
                    "write `#[allow_drop({})]` on table `{table}` if dropping it is intended (or `#[renamed_from({})]` on the column that replaces it)",
                    column.name, column.name
                ),
            ),
            Operation::AddColumn { table, column } => (
                allowed(&AllowKind::Destructive {
                    table: table.clone(),
                    column: column.name.clone(),
                }),
                column_span(table, &column.name),
                format!(
                    "give `{}` a `#[default(...)]`, make it `Nullable<...>`, or write `#[allow_destructive]` on it",
                    column.name
                ),
            ),
            Operation::AlterColumn { table, to, .. } => (
                allowed(&AllowKind::Destructive {
                    table: table.clone(),
                    column: to.name.clone(),
                }),
                column_span(table, &to.name),
                format!("write `#[allow_destructive]` on `{}` if this is intended", to.name),
            ),
            _ => continue,
        };
        if !ok {
            refusals.push(Refusal {
                operation: op.to_string(),
                location: at(span),
                message: format!("{reason}; {how}"),
            });
        }
    }
    if refusals.is_empty() {
        Ok(())
    } else {
        Err(Refused(refusals))
    }
}

/// Whether the schema allows `op`'s data loss (for comments in the SQL).
pub fn allows(op: &Operation, allowances: &[Allowance]) -> bool {
    let has = |k: AllowKind| allowances.iter().any(|a| a.kind == k);
    match op {
        Operation::DropTable { table } => has(AllowKind::Drop {
            name: table.name.clone(),
        }),
        Operation::DropRawBlock { block } => has(AllowKind::Drop {
            name: block.name.clone(),
        }),
        Operation::DropExtension { extension } => has(AllowKind::Drop {
            name: extension.name.clone(),
        }),
        Operation::DropColumn { table, column } => has(AllowKind::DropColumn {
            table: table.clone(),
            column: column.name.clone(),
        }),
        Operation::AddColumn { table, column } => has(AllowKind::Destructive {
            table: table.clone(),
            column: column.name.clone(),
        }),
        Operation::AlterColumn { table, to, .. } => has(AllowKind::Destructive {
            table: table.clone(),
            column: to.name.clone(),
        }),
        _ => false,
    }
}
