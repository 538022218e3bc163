//! Shared helpers for the runtime's tests: real databases, never skipped.
#![allow(dead_code)]

use cloacina::{Database, DatabaseConfig};
#[cfg(feature = "postgres")]
use diesel::{Connection, PgConnection, RunQueryDsl};

/// The PostgreSQL server the tests use. Fails loudly, never skips.
#[cfg(feature = "postgres")]
pub fn postgres_url() -> String {
    for var in ["CLOACINA_TEST_POSTGRES_URL", "DATABASE_URL"] {
        if let Ok(url) = std::env::var(var) {
            if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                return url;
            }
        }
    }
    panic!(
        "no PostgreSQL server for the tests: set CLOACINA_TEST_POSTGRES_URL (or DATABASE_URL) to \
         postgres://user@host:port/db, or run `scripts/test.sh` (the README's test command), which \
         starts a throwaway server. PostgreSQL tests never skip."
    )
}

/// A fresh database on the test server, dropped when this goes away.
#[cfg(feature = "postgres")]
pub struct TempPgDatabase {
    admin_url: String,
    name: String,
    /// URL of the fresh database.
    pub url: String,
}

#[cfg(feature = "postgres")]
impl TempPgDatabase {
    pub fn new() -> Self {
        let admin_url = postgres_url();
        let name = format!(
            "cloacina_t_{}",
            &uuid::Uuid::new_v4().simple().to_string()[..16]
        );
        let mut admin = PgConnection::establish(&admin_url).unwrap_or_else(|e| {
            panic!("cannot reach the test PostgreSQL server: {e}; run scripts/test.sh")
        });
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .expect("create a temporary database");
        let url = with_database(&admin_url, &name);
        TempPgDatabase {
            admin_url,
            name,
            url,
        }
    }
}

#[cfg(feature = "postgres")]
impl Drop for TempPgDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut admin);
        }
    }
}

/// `url` with its database name replaced by `db`.
#[cfg(feature = "postgres")]
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    format!("{}/{db}{query}", &base[..path_start])
}

/// A temporary directory, removed when this goes away.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let p =
            std::env::temp_dir().join(format!("cloacina-{tag}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }

    pub fn file(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The three real databases every DAL test runs on.
pub enum Target {
    #[cfg(feature = "sqlite")]
    SqliteFile(TempDir),
    #[cfg(feature = "sqlite")]
    SqliteMemory,
    #[cfg(feature = "postgres")]
    Postgres(TempPgDatabase),
}

impl Target {
    pub fn all() -> Vec<Target> {
        vec![
            #[cfg(feature = "sqlite")]
            Target::SqliteFile(TempDir::new("dal")),
            #[cfg(feature = "sqlite")]
            Target::SqliteMemory,
            #[cfg(feature = "postgres")]
            Target::Postgres(TempPgDatabase::new()),
        ]
    }

    pub fn name(&self) -> &'static str {
        match self {
            #[cfg(feature = "sqlite")]
            Target::SqliteFile(_) => "sqlite-file",
            #[cfg(feature = "sqlite")]
            Target::SqliteMemory => "sqlite-memory",
            #[cfg(feature = "postgres")]
            Target::Postgres(_) => "postgres",
        }
    }

    pub fn url(&self) -> String {
        match self {
            #[cfg(feature = "sqlite")]
            Target::SqliteFile(d) => format!("sqlite://{}", d.file("cloacina.db")),
            #[cfg(feature = "sqlite")]
            Target::SqliteMemory => ":memory:".into(),
            #[cfg(feature = "postgres")]
            Target::Postgres(p) => p.url.clone(),
        }
    }

    /// A migrated database.
    pub fn open(&self) -> Database {
        let db = Database::connect_with(
            &self.url(),
            DatabaseConfig {
                max_size: 8,
                ..DatabaseConfig::default()
            },
        )
        .unwrap_or_else(|e| panic!("{}: {e}", self.name()));
        db.migrate()
            .unwrap_or_else(|e| panic!("{}: {e}", self.name()));
        db
    }
}
