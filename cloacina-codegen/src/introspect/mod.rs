//! Introspection: a live database read back into the one [`Schema`] model.
//!
//! [`Database::connect`] opens PostgreSQL (`postgres://…`) or SQLite (a path,
//! `sqlite://…`, `file:…`, `:memory:`); [`Database::introspect`] reads the
//! catalog ([`postgres`] from `pg_catalog`, [`sqlite`] from `sqlite_schema`
//! and the `PRAGMA`s) into an [`Introspection`]: the tables as a [`Schema`],
//! every object the model cannot hold (triggers, functions, views,
//! expression indexes) listed by name in `objects`, and a [`Note`] for every
//! column, default or index that could only be read approximately or not at
//! all. Nothing here panics on a catalog it does not understand; it names
//! what it could not read.
//!
//! No diesel_cli, no `print-schema`: plain catalog queries, each returning
//! one JSON document that serde reads.

mod carry;
pub mod postgres;
pub mod sqlite;
mod timestamps;

pub use carry::{for_inspect, Carried, Inspected, Replaced};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{Backend, Schema};

/// What [`Database::introspect`] read.
#[derive(Clone, Debug)]
pub struct Introspection {
    /// The backend read.
    pub backend: Backend,
    /// The tables, as the neutral model (not yet normalized).
    pub schema: Schema,
    /// Objects the model cannot hold, by name.
    pub objects: Vec<DbObject>,
    /// What could only be read approximately, or not at all.
    pub notes: Vec<Note>,
    /// Objects the neutral model cannot hold, with the SQL that recreates
    /// them on this backend (`inspect` writes them as `raw_sql!` blocks).
    pub carried: Vec<Carried>,
}

/// A database object outside the neutral model (a trigger, a function, a
/// view, an expression index), kept by name so reports can list it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DbObject {
    /// `trigger`, `function`, `view`, `expression index`, …
    pub kind: String,
    /// Its name.
    pub name: String,
    /// The table it belongs to, if any.
    pub table: Option<String>,
    /// Its definition as the catalog prints it, if available.
    pub definition: Option<String>,
}

/// Something read approximately or skipped, with the object it concerns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Note {
    /// `table`, `table.column` or `table.index`.
    pub object: String,
    /// What happened and what it means.
    pub message: String,
}

impl Note {
    pub(crate) fn new(object: impl Into<String>, message: impl Into<String>) -> Self {
        Note {
            object: object.into(),
            message: message.into(),
        }
    }
}

/// Tables that belong to migration runners, never to the schema.
pub(crate) fn is_bookkeeping_table(name: &str) -> bool {
    name.starts_with("__diesel_schema_migrations") || name.starts_with("__cloacina")
}

/// An open connection to either backend.
pub enum Database {
    /// PostgreSQL.
    Postgres {
        /// The connection.
        conn: Box<PgConnection>,
        /// The URL without its password.
        target: String,
        /// The columns a schema file gives a declared custom type
        /// ([`Database::expect_custom_types`]): read as that type when the
        /// live column has its spelling, instead of carried as raw SQL.
        custom: crate::custom_type::CustomColumns,
    },
    /// SQLite.
    Sqlite {
        /// The connection.
        conn: Box<SqliteConnection>,
        /// The file (or `:memory:`).
        target: String,
        /// As for PostgreSQL: the columns read as a declared custom type
        /// when they hold its STRICT type.
        custom: crate::custom_type::CustomColumns,
    },
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Database({} {})", self.backend(), self.target())
    }
}

/// The backend a URL selects: `postgres://` / `postgresql://` select
/// PostgreSQL; `sqlite://`, `file:`, `:memory:` or a plain path select SQLite;
/// any other scheme is `None`.
pub fn backend_of_url(url: &str) -> Option<Backend> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Some(Backend::Postgres)
    } else if url.starts_with("sqlite:") || url.starts_with("file:") || url == ":memory:" {
        Some(Backend::Sqlite)
    } else if url.contains("://") {
        None
    } else {
        Some(Backend::Sqlite)
    }
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{}@{}", &url[..s + 3], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

impl Database {
    /// Opens the database a URL names. SQLite gets `PRAGMA foreign_keys = ON`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a URL of no known backend, [`Error::Database`]
    /// when the connection fails.
    pub fn connect(url: &str) -> Result<Database> {
        match backend_of_url(url) {
            Some(Backend::Postgres) => {
                let target = redact(url);
                let conn = PgConnection::establish(url).map_err(|e| Error::Database {
                    backend: Backend::Postgres,
                    target: target.clone(),
                    action: "connect".into(),
                    message: format!("{e}; check that the server runs and the URL (user, host, port, database) is right"),
                })?;
                Ok(Database::Postgres {
                    conn: Box::new(conn),
                    target,
                    custom: Default::default(),
                })
            }
            Some(Backend::Sqlite) => {
                let path = sqlite_path(url);
                if path != ":memory:" && !path.starts_with("file:") && !std::path::Path::new(path).exists() {
                    return Err(Error::Database {
                        backend: Backend::Sqlite,
                        target: path.to_string(),
                        action: "open".into(),
                        message: "no such file; give the path of an existing SQLite database".into(),
                    });
                }
                Self::open_sqlite(path)
            }
            None => Err(Error::Config(format!(
                "cannot tell the backend of `{}`: use postgres://… or postgresql://… for PostgreSQL, and a path, sqlite://…, file:… or :memory: for SQLite",
                redact(url)
            ))),
        }
    }

    /// Opens (creating it if needed) a SQLite file.
    ///
    /// # Errors
    ///
    /// [`Error::Database`] when SQLite cannot open it.
    pub fn open_sqlite(path: &str) -> Result<Database> {
        let mut conn = SqliteConnection::establish(path).map_err(|e| Error::Database {
            backend: Backend::Sqlite,
            target: path.to_string(),
            action: "open".into(),
            message: e.to_string(),
        })?;
        conn.batch_execute("PRAGMA foreign_keys = ON;")
            .map_err(|e| Error::Database {
                backend: Backend::Sqlite,
                target: path.to_string(),
                action: "enable foreign keys".into(),
                message: e.to_string(),
            })?;
        Ok(Database::Sqlite {
            conn: Box::new(conn),
            target: path.to_string(),
            custom: Default::default(),
        })
    }

    /// Reads the columns that `schema` gives a declared custom type as that
    /// type from now on (PostgreSQL: when the live column's type is the
    /// declared spelling, compared as [`crate::custom_type::normalize_pg_spelling`]
    /// does); without it such a column is carried as raw SQL, since only the
    /// schema file knows its Rust mapping. SQLite: a column that holds the
    /// declared STRICT type (read as a plain `Text`, `BigInt`, `Double` or
    /// `Binary`) is read as the custom type.
    pub fn expect_custom_types(&mut self, schema: &crate::model::Schema) {
        match self {
            Database::Postgres { custom, .. } | Database::Sqlite { custom, .. } => {
                *custom = crate::custom_type::custom_columns(schema);
            }
        }
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            Database::Postgres { .. } => Backend::Postgres,
            Database::Sqlite { .. } => Backend::Sqlite,
        }
    }

    /// The URL (password removed) or file.
    pub fn target(&self) -> &str {
        match self {
            Database::Postgres { target, .. } | Database::Sqlite { target, .. } => target,
        }
    }

    /// Runs a script of one or more statements; with `transaction`, all in
    /// one transaction that is rolled back on failure.
    ///
    /// # Errors
    ///
    /// The database's message.
    pub fn execute(&mut self, sql: &str, transaction: bool) -> std::result::Result<(), String> {
        fn run<C: Connection>(c: &mut C, sql: &str, tx: bool) -> std::result::Result<(), String> {
            if tx {
                c.transaction::<_, diesel::result::Error, _>(|c| c.batch_execute(sql))
                    .map_err(|e| database_message(&e))
            } else {
                c.batch_execute(sql).map_err(|e| database_message(&e))
            }
        }
        match self {
            Database::Postgres { conn, .. } => run(conn.as_mut(), sql, transaction),
            Database::Sqlite { conn, .. } => run(conn.as_mut(), sql, transaction),
        }
    }

    /// Reads the schema back.
    ///
    /// # Errors
    ///
    /// [`Error::Database`] when a catalog query fails (for example, no
    /// permission to read the catalog). Objects the model cannot hold are
    /// not errors: they are listed in the result.
    pub fn introspect(&mut self) -> Result<Introspection> {
        match self {
            Database::Postgres {
                conn,
                target,
                custom,
            } => postgres::introspect(conn, target, custom),
            Database::Sqlite {
                conn,
                target,
                custom,
            } => sqlite::introspect(conn, target)
                .map(|i| crate::custom_type::read_as_declared(i, custom)),
        }
    }

    /// Introspects like [`Database::introspect`]; on SQLite, tables whose
    /// `sqlite_schema` rows are unchanged since the last call with `cache`
    /// are taken from it instead of being read again.
    ///
    /// # Errors
    ///
    /// [`Error::Database`] when a catalog query fails.
    pub fn introspect_reusing(&mut self, cache: &mut sqlite::TableCache) -> Result<Introspection> {
        match self {
            Database::Postgres {
                conn,
                target,
                custom,
            } => postgres::introspect(conn, target, custom),
            Database::Sqlite {
                conn,
                target,
                custom,
            } => sqlite::introspect_reusing(conn, target, cache)
                .map(|i| crate::custom_type::read_as_declared(i, custom)),
        }
    }
}

#[derive(diesel::QueryableByName)]
pub(crate) struct JsonRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub j: Option<String>,
}

/// Parses the JSON document a catalog query returned.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    backend: Backend,
    target: &str,
    what: &str,
    json: Option<String>,
) -> Result<Vec<T>> {
    let text = json.unwrap_or_else(|| "[]".into());
    serde_json::from_str(&text).map_err(|e| Error::Database {
        backend,
        target: target.to_string(),
        action: format!("read {what}"),
        message: format!("the catalog answered in an unexpected shape ({e}); please report this with your database version"),
    })
}

/// The text of a diesel error with what the database added to its first
/// line: PostgreSQL's `DETAIL` and `HINT` (`invalid cidr value:
/// "10.1.2.3/16"` says why only in its detail, `Value has bits set to
/// right of mask.`), each on a line of its own as `psql` prints them.
/// diesel's `Display` shows the first line only.
pub(crate) fn database_message(e: &diesel::result::Error) -> String {
    let mut message = e.to_string();
    if let diesel::result::Error::DatabaseError(_, info) = e {
        if let Some(detail) = info.details() {
            message.push_str(&format!("\nDETAIL: {detail}"));
        }
        if let Some(hint) = info.hint() {
            message.push_str(&format!("\nHINT: {hint}"));
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_backends() {
        let cases = [
            ("postgres://u@h/db", Some(Backend::Postgres)),
            ("postgresql://u@h/db", Some(Backend::Postgres)),
            ("sqlite://x.db", Some(Backend::Sqlite)),
            ("file:x.db", Some(Backend::Sqlite)),
            (":memory:", Some(Backend::Sqlite)),
            ("data/app.sqlite3", Some(Backend::Sqlite)),
            ("mysql://u@h/db", None),
        ];
        for (url, want) in cases {
            assert_eq!(backend_of_url(url), want, "{url}");
        }
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u@h:5432/db"
        );
        assert!(matches!(
            Database::connect("mysql://x@y/z"),
            Err(Error::Config(m)) if m.contains("postgres://")
        ));
        assert!(matches!(
            Database::connect("/no/such/dir/x.sqlite3"),
            Err(Error::Database { message, .. }) if message.contains("no such file")
        ));
    }
}
