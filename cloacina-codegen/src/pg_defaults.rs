//! Defaults of PostgreSQL-only columns in PostgreSQL's own spelling.
//!
//! PostgreSQL keeps the default literal of an `INTERVAL`, a range, an
//! array, `MONEY`, `INET`/`CIDR`, `MACADDR`, … as a value and prints it
//! back in its canonical form (`'1 hour'` is `01:00:00`, `'[1,5]'` of an
//! `int4range` is `[1,6)`, `'{1, 2}'` is `{1,2}`), so the schema file's
//! spelling and the database's differ although the value is the same. No
//! rule of ours can print every such type as the server does (money
//! follows `lc_monetary`, intervals `IntervalStyle`), so before a check
//! compares, the server itself prints each such default of the schema file:
//! one query for all, in a session set up as introspection's (UTC). The
//! comparison stays pure ([`crate::compare`] gets the printed schema).
//!
//! `CITEXT` is left as written: its input is its output (a case-insensitive
//! text keeps its case), and its type exists only where the extension is
//! installed, which the check reports on its own.

use crate::error::{DiagCode, Diagnostic, Error, Result, SchemaError};
use crate::introspect::{Database, JsonRow};
use crate::model::{Backend, ColumnType, DefaultValue, PgType, Schema};
use crate::render::ddl::quote_literal;

/// One default literal of a PostgreSQL-only column.
struct Literal {
    table: usize,
    column: usize,
    text: String,
    sql_type: String,
}

/// The literals to print: every text default of a PostgreSQL-only column
/// (but `CITEXT`) on a table PostgreSQL has.
fn literals(schema: &Schema) -> Vec<Literal> {
    let mut out = Vec::new();
    for (ti, t) in schema.tables.iter().enumerate() {
        if !t.scope.includes(Backend::Postgres) {
            continue;
        }
        for (ci, c) in t.columns.iter().enumerate() {
            if let (ColumnType::Postgres(p), Some(DefaultValue::Text(s))) = (c.ty, &c.default) {
                if p != PgType::Citext {
                    out.push(Literal {
                        table: ti,
                        column: ci,
                        text: s.clone(),
                        sql_type: p.sql(),
                    });
                }
            }
        }
    }
    out
}

/// Whether `schema` has a default [`in_postgres_spelling`] prints (so a
/// caller without one need not connect).
pub fn has_postgres_literals(schema: &Schema) -> bool {
    !literals(schema).is_empty()
}

/// The literal read as its type and printed by the type's output function
/// (`format('%s', …)`; a `::text` cast is another function for `inet`,
/// which then keeps a `/32`).
fn printed(l: &Literal) -> String {
    format!("format('%s', {}::{})", quote_literal(&l.text), l.sql_type)
}

/// Runs one query that answers a JSON text in column `j`.
fn query_json(db: &mut Database, sql: &str) -> std::result::Result<Option<String>, String> {
    use diesel::RunQueryDsl;
    let row: JsonRow = match db {
        Database::Postgres { conn, .. } => diesel::sql_query(sql).get_result(conn.as_mut()),
        Database::Sqlite { conn, .. } => diesel::sql_query(sql).get_result(conn.as_mut()),
    }
    .map_err(|e| crate::introspect::database_message(&e))?;
    Ok(row.j)
}

/// Where a schema came from: a schema file (its path and text, to locate a
/// literal PostgreSQL refuses) or a database (whose literals it read).
#[derive(Clone, Copy, Debug)]
pub enum Origin<'a> {
    /// A schema file: path as named to the user, and its text.
    File(&'a str, &'a str),
    /// Introspected from a database.
    Database,
}

/// `schema` with every default of a PostgreSQL-only column (but `CITEXT`)
/// replaced by the text PostgreSQL prints for the value the column gets,
/// as `db` (a PostgreSQL session; its time zone is set to UTC, as
/// introspection's) prints it. Both sides of a comparison go through it:
/// a type modifier applies (`NUMERIC(10,2)[]` prints `{1.5}` as `{1.50}`,
/// though PostgreSQL stores the default as written for `NUMERIC[]`). A
/// schema without such defaults costs no query.
///
/// # Errors
///
/// [`Error::Schema`] naming `table.column`, the literal and PostgreSQL's
/// message at the column, for each literal of a schema file PostgreSQL
/// refuses; [`Error::Database`] when the session fails otherwise.
pub fn in_postgres_spelling(
    db: &mut Database,
    schema: &Schema,
    origin: Origin<'_>,
) -> Result<Schema> {
    let items = literals(schema);
    let mut out = schema.clone();
    if items.is_empty() {
        return Ok(out);
    }
    let database_error = |action: &str, message: String, db: &Database| Error::Database {
        backend: Backend::Postgres,
        target: db.target().to_string(),
        action: action.into(),
        message,
    };
    db.execute("SET TIME ZONE 'UTC'", false)
        .map_err(|m| database_error("set the session time zone to UTC", m, db))?;
    let all = format!(
        "SELECT array_to_json(ARRAY[{}]::text[])::text AS j",
        items.iter().map(printed).collect::<Vec<_>>().join(", ")
    );
    let answer = match query_json(db, &all) {
        Ok(answer) => answer,
        Err(message) => return Err(refused(db, schema, &items, origin, message)),
    };
    let texts: Vec<Option<String>> = serde_json::from_str(answer.as_deref().unwrap_or("[]"))
        .map_err(|e| {
            database_error(
                "print the schema file's PostgreSQL-only defaults",
                format!("unexpected answer ({e}); please report this with your PostgreSQL version"),
                db,
            )
        })?;
    if texts.len() != items.len() {
        return Err(database_error(
            "print the schema file's PostgreSQL-only defaults",
            format!(
                "{} values for {} defaults; please report this with your PostgreSQL version",
                texts.len(),
                items.len()
            ),
            db,
        ));
    }
    for (l, text) in items.iter().zip(texts) {
        if let Some(text) = text {
            out.tables[l.table].columns[l.column].default = Some(DefaultValue::Text(text));
        }
    }
    Ok(out)
}

/// The error for a batch PostgreSQL refused: each literal is tried alone,
/// and each one refused is a diagnostic at its column.
fn refused(
    db: &mut Database,
    schema: &Schema,
    items: &[Literal],
    origin: Origin<'_>,
    batch_message: String,
) -> Error {
    let target = db.target().to_string();
    let database = |message: String| Error::Database {
        backend: Backend::Postgres,
        target: target.clone(),
        action: "print the PostgreSQL-only defaults".into(),
        message,
    };
    let Origin::File(path, source) = origin else {
        return database(batch_message);
    };
    let mut diagnostics = Vec::new();
    for l in items {
        let one = format!("SELECT {} AS j", printed(l));
        if let Err(message) = query_json(db, &one) {
            let t = &schema.tables[l.table];
            let c = &t.columns[l.column];
            diagnostics.push(
                Diagnostic::new(
                    DiagCode::BadDefault,
                    c.span,
                    format!(
                        "bad default for `{}.{}`: PostgreSQL refuses {:?} as {}: {}",
                        t.name,
                        c.name,
                        l.text,
                        l.sql_type,
                        one_line(&message)
                    ),
                    "this column's default",
                )
                .help(format!(
                    "write a value PostgreSQL reads as {} (try `SELECT {}`)",
                    l.sql_type,
                    printed(l)
                )),
            );
        }
    }
    if diagnostics.is_empty() {
        return database(batch_message);
    }
    Error::Schema(SchemaError::new(path, source, diagnostics))
}

/// PostgreSQL's message with its `DETAIL` and `HINT` lines
/// ([`crate::introspect::database_message`]) on one line, to fit a
/// diagnostic's message.
fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether `schema` declares an extension with `WITH SCHEMA`
/// (`postgis(schema = "public")`), which [`current_schema_unset`] must see.
pub fn names_extension_schemas(schema: &Schema) -> bool {
    schema.extensions.iter().any(|e| e.schema.is_some())
}

/// `schema` with each declared extension whose `schema` is `db`'s current
/// schema written as unset. Introspection reads an extension that lives in
/// the current schema as unset (that is where `CREATE EXTENSION` without
/// `WITH SCHEMA` puts it), so `postgis(schema = "public")` against a
/// database whose current schema is `public` is no difference; another
/// schema still is.
pub fn current_schema_unset(db: &mut Database, schema: Schema) -> Result<Schema> {
    let mut out = schema;
    if !names_extension_schemas(&out) {
        return Ok(out);
    }
    let current = query_json(db, "SELECT to_json(current_schema())::text AS j")
        .map_err(|message| Error::Database {
            backend: Backend::Postgres,
            target: db.target().to_string(),
            action: "read the current schema".into(),
            message,
        })?
        .and_then(|j| serde_json::from_str::<Option<String>>(&j).ok().flatten());
    if let Some(current) = current {
        for e in &mut out.extensions {
            if e.schema.as_deref() == Some(current.as_str()) {
                e.schema = None;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn a_refusal_keeps_postgresql_detail_and_hint_on_one_line() {
        assert_eq!(
            one_line("invalid cidr value: \"10.1.2.3/16\"\nDETAIL: Value has bits set to right of mask.\n"),
            "invalid cidr value: \"10.1.2.3/16\"; DETAIL: Value has bits set to right of mask."
        );
        assert_eq!(one_line("no detail"), "no detail");
    }
}
