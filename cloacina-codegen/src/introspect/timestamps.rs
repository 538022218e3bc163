//! `inspect` of a SQLite file: which timestamp its `TIMESTAMP`/`DATETIME`
//! columns really hold, read from the rows.
//!
//! SQLite's `TIMESTAMP`/`DATETIME` carry no zone; introspection reads them as
//! the UTC [`ColumnType::Timestamp`] (what a multi-backend project keeps
//! next to PostgreSQL's `TIMESTAMPTZ`, and what `check-parity` expects of
//! empty replayed databases). But a legacy file filled by
//! `CURRENT_TIMESTAMP` holds `2024-01-01 10:00:00`, which the Timestamp
//! column's check (canonical UTC text) refuses. So, for a live file only:
//!
//! - every non-NULL value passes the Timestamp check: kept as Timestamp;
//! - some value fails it, but every one passes the `NaiveTimestamp` check:
//!   read as NaiveTimestamp (a note names the column and an example row);
//! - some value passes neither: read as Text (no check the rows fail) and
//!   a note names the column, an example row's rowid and its value, so the
//!   rows can be fixed and the column declared as the type it means.
//!
//! The checks used are the ones the SQLite writer renders for the types, so
//! "passes" means exactly what a migration would enforce.

use serde::Deserialize;

use super::carry::Inspected;
use super::{from_json, Database, JsonRow, Note};
use crate::error::{Error, Result};
use crate::model::{Backend, Column, ColumnType, DefaultValue};
use crate::render::ddl::dialect;
use crate::rows::quote_ident;

/// A row that a type's check refuses: its rowid (`None` in a `WITHOUT
/// ROWID` table) and the value as text.
#[derive(Debug, Deserialize)]
struct Refused {
    r: Option<i64>,
    v: Option<String>,
}

impl Refused {
    fn describe(&self) -> String {
        let value = self.v.as_deref().unwrap_or("NULL");
        match self.r {
            Some(r) => format!("row with rowid {r} holds '{value}'"),
            None => format!("a row holds '{value}'"),
        }
    }
}

impl Database {
    /// Re-reads the `Timestamp` columns of an inspected SQLite database by
    /// their rows (see the module docs); does nothing on PostgreSQL, whose
    /// `timestamp` and `timestamptz` say what they hold.
    ///
    /// # Errors
    ///
    /// [`crate::error::Error::Database`] when a query over the rows fails.
    pub fn read_timestamps_by_rows(&mut self, inspected: &mut Inspected) -> Result<()> {
        if self.backend() != Backend::Sqlite {
            return Ok(());
        }
        let mut notes = Vec::new();
        for t in &mut inspected.schema.tables {
            let table = t.sql_name().to_string();
            for c in t
                .columns
                .iter_mut()
                .filter(|c| c.ty == ColumnType::Timestamp)
            {
                let object = format!("{}.{}", t.name, c.name);
                let Some(utc) = self.first_refused(&table, c, ColumnType::Timestamp)? else {
                    continue;
                };
                let (ty, message) = match self.first_refused(&table, c, ColumnType::NaiveTimestamp)? {
                    None => (
                        ColumnType::NaiveTimestamp,
                        format!(
                            "declared `TIMESTAMP`/`DATETIME`, but its rows hold timestamps without time zone ({}, not canonical UTC text): read as NaiveTimestamp; make it a Timestamp only after converting the rows to UTC",
                            utc.describe()
                        ),
                    ),
                    Some(neither) => (
                        ColumnType::Text { max_len: None },
                        format!(
                            "declared `TIMESTAMP`/`DATETIME`, but its {}, neither canonical UTC text (YYYY-MM-DDTHH:MM:SS.ffffffZ) nor a timestamp without time zone (YYYY-MM-DD HH:MM:SS[.ffffff]): read as Text, so that no check refuses the rows; fix the rows, then declare the column Timestamp or NaiveTimestamp",
                            neither.describe()
                        ),
                    ),
                };
                c.ty = ty;
                notes.push(Note::new(&object, message));
                if c.default == Some(DefaultValue::Now) {
                    c.default = None;
                    notes.push(Note::new(
                        &object,
                        format!(
                            "default `CURRENT_TIMESTAMP` has no neutral spelling on {}; left out{}",
                            ty.neutral_name(),
                            crate::normalize::calendar_default_hint(ty)
                        ),
                    ));
                }
            }
        }
        inspected.notes.extend(notes);
        Ok(())
    }

    /// The first row whose non-NULL value of `column` the SQLite check of
    /// `ty` refuses, if any.
    fn first_refused(
        &mut self,
        table: &str,
        column: &Column,
        ty: ColumnType,
    ) -> Result<Option<Refused>> {
        let probe = Column {
            ty,
            ..column.clone()
        };
        let Some(check) = dialect(Backend::Sqlite).implicit_check(&probe) else {
            return Ok(None);
        };
        let c = quote_ident(column.sql_name());
        let t = quote_ident(table);
        let select = |rowid: &str| {
            format!(
                "SELECT coalesce(json_group_array(json_object('r', r, 'v', v)), '[]') AS j FROM \
                 (SELECT {rowid} AS r, CAST({c} AS TEXT) AS v FROM {t} \
                 WHERE {c} IS NOT NULL AND NOT coalesce(({check}), 0) LIMIT 1)"
            )
        };
        let what = format!("the values of {table}.{}", column.sql_name());
        let rows: Vec<Refused> = match self.query_json(&what, &select("rowid")) {
            Ok(rows) => rows,
            // A WITHOUT ROWID table has no rowid to name.
            Err(_) => self.query_json(&what, &select("NULL"))?,
        };
        Ok(rows.into_iter().next())
    }

    /// Runs a SQLite query returning one JSON document `j` and reads it.
    fn query_json<T: serde::de::DeserializeOwned>(
        &mut self,
        what: &str,
        sql: &str,
    ) -> Result<Vec<T>> {
        use diesel::RunQueryDsl;
        let Database::Sqlite { conn, target, .. } = self else {
            return Ok(Vec::new());
        };
        let row: JsonRow = diesel::sql_query(sql)
            .get_result(conn.as_mut())
            .map_err(|e| Error::Database {
                backend: Backend::Sqlite,
                target: target.clone(),
                action: format!("read {what}"),
                message: e.to_string(),
            })?;
        from_json(Backend::Sqlite, target, what, row.j)
    }
}
