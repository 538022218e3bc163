//! Operating a live database by hand: status, migrating up to a version,
//! reverting with the generated `down.sql`, and dry runs that show the SQL.
//! The `cloacina-migrate` binary is a thin face over these.

use std::time::Instant;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;

use super::{
    describe, locate, lock, pg_migration_lock_key, plan_for, read_history, version_order, History,
    Planned, Version,
};
use crate::connection::AnyConnection;
use crate::error::{Error, Result};
use crate::url::Backend;
use crate::{Database, MigrationReport};

/// Where one migration stands on a database.
///
/// `#[non_exhaustive]`: a later state is not a breaking change; match with
/// a `_` arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MigrationState {
    /// Applied, with the embedded checksum recorded.
    Applied,
    /// Applied (by plain Diesel, or a run that stopped before recording),
    /// but no checksum recorded yet: the next `migrate` records it, or
    /// refuses a database whose structure differs. Not an error.
    Unrecorded,
    /// Embedded, not applied yet.
    Pending,
    /// Applied, but its recorded checksum differs from the embedded file:
    /// the file was edited after it ran.
    Modified,
    /// Applied, but not embedded in this build (a newer build, or a
    /// removed migration).
    Missing,
}

impl MigrationState {
    /// `applied`, `unrecorded`, `pending`, `modified` or `missing`.
    pub fn as_str(self) -> &'static str {
        match self {
            MigrationState::Applied => "applied",
            MigrationState::Unrecorded => "unrecorded",
            MigrationState::Pending => "pending",
            MigrationState::Modified => "modified",
            MigrationState::Missing => "missing",
        }
    }
}

/// One migration in a [`MigrationStatus`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationStatusEntry {
    /// The version (leading digits of the folder name).
    pub version: String,
    /// The folder name; `None` for a [`MigrationState::Missing`] one.
    pub name: Option<String>,
    /// Where it stands.
    pub state: MigrationState,
    /// SHA-256 of the embedded migration, when embedded.
    pub checksum: Option<String>,
    /// The checksum recorded when it ran, when recorded.
    pub recorded_checksum: Option<String>,
}

/// Every migration of a database, embedded or applied, in version order
/// ([`Database::migration_status`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationStatus {
    /// The backend.
    pub backend: Backend,
    /// Where, without any password.
    pub target: String,
    /// The tenant, if any.
    pub tenant: Option<String>,
    /// The migrations, oldest first.
    pub migrations: Vec<MigrationStatusEntry>,
}

impl MigrationStatus {
    /// How many migrations are in `state`.
    pub fn count(&self, state: MigrationState) -> usize {
        self.migrations.iter().filter(|m| m.state == state).count()
    }

    /// The JSON document of `cloacina-migrate status --json` (shape in the
    /// README): `backend`, `target`, `tenant`, `counts` per state, and
    /// `migrations`, each with `version`, `name`, `state`, `checksum` and
    /// `recorded_checksum` (null when unknown). `counts` has one key per
    /// state: `applied`, `pending`, `modified`, `missing`, `unrecorded`.
    pub fn to_json(&self) -> serde_json::Value {
        use MigrationState::*;
        serde_json::json!({
            "backend": self.backend.name(),
            "target": self.target,
            "tenant": self.tenant,
            "counts": {
                "applied": self.count(Applied),
                "pending": self.count(Pending),
                "modified": self.count(Modified),
                "missing": self.count(Missing),
                "unrecorded": self.count(Unrecorded),
            },
            "migrations": self.migrations.iter().map(|m| serde_json::json!({
                "version": m.version,
                "name": m.name,
                "state": m.state.as_str(),
                "checksum": m.checksum,
                "recorded_checksum": m.recorded_checksum,
            })).collect::<Vec<_>>(),
        })
    }

    /// A plain-text table, one migration a line, and a summary line.
    pub fn to_table(&self) -> String {
        use MigrationState::*;
        let rows: Vec<(&str, &str, &str)> = self
            .migrations
            .iter()
            .map(|m| {
                (
                    m.version.as_str(),
                    m.name.as_deref().unwrap_or("(not in this build)"),
                    m.state.as_str(),
                )
            })
            .collect();
        let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(7);
        let w1 = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).max(4);
        let mut out = format!("{:w0$}  {:w1$}  STATE\n", "VERSION", "NAME");
        for (v, n, s) in rows {
            out.push_str(&format!("{v:w0$}  {n:w1$}  {s}\n"));
        }
        out.push_str(&format!(
            "{} on {}{}: {} applied, {} pending, {} modified, {} missing, {} unrecorded\n",
            self.backend.name(),
            self.target,
            self.tenant
                .as_deref()
                .map(|t| format!(" (tenant {t})"))
                .unwrap_or_default(),
            self.count(Applied),
            self.count(Pending),
            self.count(Modified),
            self.count(Missing),
            self.count(Unrecorded),
        ));
        out
    }
}

/// The SQL one migration step runs (for dry runs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationSql {
    /// The migration folder name.
    pub name: String,
    /// `up.sql` or `down.sql`, relative to the repository root.
    pub file: String,
    /// The statements.
    pub sql: String,
}

/// A set of migrations to operate with: the embedded ones, or (for tests of
/// the runner) ones given as SQL.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct MigrationSet(Vec<Planned>);

impl MigrationSet {
    /// `(folder name, up.sql, down.sql)` triples; the version is the
    /// leading digits of the name. Checksums are not the build's SHA-256:
    /// do not mix with the embedded migrations on one database.
    pub fn from_sql(migrations: &[(&str, &str, Option<&str>)]) -> MigrationSet {
        use std::hash::{Hash, Hasher};
        let mut plan: Vec<Planned> = migrations
            .iter()
            .map(|(name, sql, down)| {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                sql.hash(&mut h);
                Planned {
                    name: (*name).to_string(),
                    version: name.chars().take_while(|c| c.is_ascii_digit()).collect(),
                    checksum: format!("test-{:016x}", h.finish()),
                    sql: (*sql).to_string(),
                    down: down.map(str::to_owned),
                }
            })
            .collect();
        plan.sort_by(|a, b| version_order(&a.version, &b.version));
        MigrationSet(plan)
    }
}

fn file_of(backend: &str, migration: &str, which: &str) -> String {
    format!("migrations/{backend}/{migration}/{which}.sql")
}

/// The history, or an empty one when its tables do not exist yet (status
/// and dry runs never create them).
fn read_history_if_any(conn: &mut AnyConnection, backend: Backend) -> QueryResult<History> {
    #[derive(QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count = |conn: &mut AnyConnection, table: &str| -> QueryResult<i64> {
        crate::with_native!(conn, c => {
            let sql = match backend {
                Backend::Postgres => format!("SELECT count(*) AS n FROM (SELECT to_regclass('{table}') AS r) x WHERE r IS NOT NULL"),
                Backend::Sqlite => format!("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '{table}'"),
            };
            diesel::sql_query(sql).get_result::<Exists>(c).map(|e| e.n)
        })
    };
    if count(conn, "__diesel_schema_migrations")? == 0 {
        return Ok(History {
            applied: Vec::new(),
            recorded: Vec::new(),
        });
    }
    if count(conn, "cloacina_migration_checksums")? == 0 {
        let applied = crate::with_native!(conn, c => {
            diesel::sql_query("SELECT version FROM __diesel_schema_migrations").load::<Version>(c)
        })?;
        return Ok(History {
            applied: applied.into_iter().map(|v| v.version).collect(),
            recorded: Vec::new(),
        });
    }
    read_history(conn)
}

impl Database {
    /// The embedded migrations of this database's backend.
    fn embedded(&self) -> Result<MigrationSet> {
        let mut conn = self.get()?;
        crate::with_native!(&mut *conn, c => plan_for(c))
            .map(MigrationSet)
            .map_err(|e| Error::MigrationHistory {
                backend: self.backend().name(),
                message: e.to_string(),
            })
    }

    fn history_error(&self) -> impl Fn(diesel::result::Error) -> Error + '_ {
        move |e| Error::MigrationHistory {
            backend: self.backend().name(),
            message: describe(&e),
        }
    }

    /// Every embedded or applied migration and where it stands: applied,
    /// unrecorded (applied, checksum not recorded yet), pending, modified
    /// (applied, but the file changed since) or missing (applied, but not
    /// in this build). Reads only; takes no lock.
    ///
    /// # Errors
    ///
    /// [`Error::MigrationHistory`] when the history cannot be read.
    pub fn migration_status(&self) -> Result<MigrationStatus> {
        self.migration_status_in(&self.embedded()?)
    }

    #[doc(hidden)]
    pub fn migration_status_in(&self, set: &MigrationSet) -> Result<MigrationStatus> {
        let mut conn = self.get()?;
        let history =
            read_history_if_any(&mut conn, self.backend()).map_err(self.history_error())?;
        let mut migrations: Vec<MigrationStatusEntry> = set
            .0
            .iter()
            .map(|p| {
                let recorded = history
                    .recorded
                    .iter()
                    .find(|r| r.version == p.version)
                    .map(|r| r.checksum.clone());
                let state = if !history.applied.contains(&p.version) {
                    MigrationState::Pending
                } else if recorded.as_ref().is_some_and(|r| *r != p.checksum) {
                    MigrationState::Modified
                } else if recorded.is_none() {
                    MigrationState::Unrecorded
                } else {
                    MigrationState::Applied
                };
                MigrationStatusEntry {
                    version: p.version.clone(),
                    name: Some(p.name.clone()),
                    state,
                    checksum: Some(p.checksum.clone()),
                    recorded_checksum: recorded,
                }
            })
            .collect();
        for v in &history.applied {
            if !set.0.iter().any(|p| &p.version == v) {
                migrations.push(MigrationStatusEntry {
                    version: v.clone(),
                    name: None,
                    state: MigrationState::Missing,
                    checksum: None,
                    recorded_checksum: history
                        .recorded
                        .iter()
                        .find(|r| &r.version == v)
                        .map(|r| r.checksum.clone()),
                });
            }
        }
        migrations.sort_by(|a, b| version_order(&a.version, &b.version));
        Ok(MigrationStatus {
            backend: self.backend(),
            target: self.target().to_string(),
            tenant: self.tenant().map(str::to_owned),
            migrations,
        })
    }

    /// The version `to` names (a version or a folder name) in `set`, checked
    /// against the database: refused when unknown, or when the database is
    /// already past it.
    fn resolve_target(&self, set: &MigrationSet, to: &str, history: &History) -> Result<String> {
        let backend = self.backend().name();
        let Some(p) = set.0.iter().find(|p| p.version == to || p.name == to) else {
            return Err(Error::MigrationTarget {
                backend,
                target: to.to_string(),
                reason: format!(
                    "no embedded migration has this version or name (embedded: {})",
                    set.0
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        };
        if let Some(newest) = history
            .applied
            .iter()
            .filter(|v| version_order(v, &p.version).is_gt())
            .max_by(|a, b| version_order(a, b))
        {
            return Err(Error::MigrationTarget {
                backend,
                target: to.to_string(),
                reason: format!(
                    "the database already has the later migration {newest} applied; revert it first to go back"
                ),
            });
        }
        Ok(p.version.clone())
    }

    /// Applies the pending embedded migrations up to and including version
    /// `to` (a version or a folder name), as [`Database::migrate`] does
    /// (same lock, checks and [`MigrationMode`](crate::MigrationMode)).
    ///
    /// # Errors
    ///
    /// [`Error::MigrationTarget`] when `to` is not embedded or the database
    /// is already past it; otherwise as [`Database::migrate`].
    pub fn migrate_to(&self, to: &str) -> Result<MigrationReport> {
        self.migrate_to_in(&self.embedded()?, to)
    }

    #[doc(hidden)]
    pub fn migrate_to_in(&self, set: &MigrationSet, to: &str) -> Result<MigrationReport> {
        let history = {
            let mut conn = self.get()?;
            read_history_if_any(&mut conn, self.backend()).map_err(self.history_error())?
        };
        let version = self.resolve_target(set, to, &history)?;
        self.run_plan(&set.0, Some(&version))
    }

    /// The SQL [`Database::migrate`] (with `to`: [`Database::migrate_to`])
    /// would run now, migration by migration, without running it (the
    /// runner adds only the history rows). Reads only.
    ///
    /// # Errors
    ///
    /// As [`Database::migration_status`] and [`Database::migrate_to`].
    pub fn pending_sql(&self, to: Option<&str>) -> Result<Vec<MigrationSql>> {
        self.pending_sql_in(&self.embedded()?, to)
    }

    #[doc(hidden)]
    pub fn pending_sql_in(
        &self,
        set: &MigrationSet,
        to: Option<&str>,
    ) -> Result<Vec<MigrationSql>> {
        let history = {
            let mut conn = self.get()?;
            read_history_if_any(&mut conn, self.backend()).map_err(self.history_error())?
        };
        let upto = match to {
            Some(to) => Some(self.resolve_target(set, to, &history)?),
            None => None,
        };
        let backend = self.backend().name();
        Ok(set
            .0
            .iter()
            .filter(|p| !history.applied.contains(&p.version))
            .filter(|p| super::within(&p.version, upto.as_deref()))
            .map(|p| MigrationSql {
                name: p.name.clone(),
                file: file_of(backend, &p.name, "up"),
                sql: p.sql.clone(),
            })
            .collect())
    }

    /// The newest `n` applied migrations, newest first, each checked: in
    /// this build, unmodified, with a `down.sql`.
    fn to_revert<'s>(
        &self,
        set: &'s MigrationSet,
        history: &History,
        n: usize,
    ) -> Result<Vec<&'s Planned>> {
        let backend = self.backend().name();
        let mut applied = history.applied.clone();
        applied.sort_by(|a, b| version_order(b, a));
        if n > applied.len() {
            return Err(Error::MigrationTarget {
                backend,
                target: format!("revert {n}"),
                reason: format!("only {} migrations are applied", applied.len()),
            });
        }
        let mut out = Vec::new();
        for v in applied.iter().take(n) {
            let Some(p) = set.0.iter().find(|p| &p.version == v) else {
                return Err(Error::UnknownMigration {
                    version: v.clone(),
                    backend,
                });
            };
            if let Some(r) = history.recorded.iter().find(|r| &r.version == v) {
                if r.checksum != p.checksum {
                    return Err(Error::MigrationModified {
                        version: v.clone(),
                        backend,
                        recorded: r.checksum.clone(),
                        embedded: p.checksum.clone(),
                    });
                }
            }
            if p.down.is_none() {
                return Err(Error::MigrationTarget {
                    backend,
                    target: format!("revert {n}"),
                    reason: format!(
                        "{} has no down.sql ({} is missing or empty)",
                        p.name,
                        file_of(backend, &p.name, "down")
                    ),
                });
            }
            out.push(p);
        }
        Ok(out)
    }

    /// The SQL [`Database::revert`] would run now, newest migration first,
    /// without running it. Reads only.
    ///
    /// # Errors
    ///
    /// As [`Database::revert`].
    pub fn revert_sql(&self, n: usize) -> Result<Vec<MigrationSql>> {
        self.revert_sql_in(&self.embedded()?, n)
    }

    #[doc(hidden)]
    pub fn revert_sql_in(&self, set: &MigrationSet, n: usize) -> Result<Vec<MigrationSql>> {
        let history = {
            let mut conn = self.get()?;
            read_history_if_any(&mut conn, self.backend()).map_err(self.history_error())?
        };
        let backend = self.backend().name();
        Ok(self
            .to_revert(set, &history, n)?
            .into_iter()
            .map(|p| MigrationSql {
                name: p.name.clone(),
                file: file_of(backend, &p.name, "down"),
                sql: p.down.clone().unwrap_or_default(),
            })
            .collect())
    }

    /// Reverts the newest `n` applied migrations, newest first, with their
    /// embedded `down.sql`, under the migration lock and in ONE transaction
    /// (all `n`, or none), removing them from the history. Returns the
    /// versions reverted.
    ///
    /// # Errors
    ///
    /// [`Error::MigrationTarget`] when fewer than `n` are applied or one has
    /// no `down.sql`; [`Error::MigrationModified`] /
    /// [`Error::UnknownMigration`] when one changed since or is not in this
    /// build; [`Error::Migration`] naming `down.sql` and the line when its
    /// SQL fails; [`Error::MigrationLockTimeout`] as [`Database::migrate`].
    pub fn revert(&self, n: usize) -> Result<Vec<String>> {
        self.revert_in(&self.embedded()?, n)
    }

    #[doc(hidden)]
    pub fn revert_in(&self, set: &MigrationSet, n: usize) -> Result<Vec<String>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let backend = self.backend().name();
        let config = self.config().clone();
        let mut conn = self.get()?;
        lock(
            &mut conn,
            self.backend(),
            &config,
            self.target(),
            pg_migration_lock_key(self.tenant()),
        )?;
        let result = (|| {
            let history =
                read_history_if_any(&mut conn, self.backend()).map_err(self.history_error())?;
            let mut reverted = Vec::new();
            for p in self.to_revert(set, &history, n)? {
                let down = p.down.clone().unwrap_or_default();
                tracing::info!(backend, migration = %p.name, "reverting migration");
                let started = Instant::now();
                let done = crate::with_native!(&mut *conn, c => c.transaction(|c| {
                    c.batch_execute(&down)?;
                    for table in ["__diesel_schema_migrations", "cloacina_migration_checksums"] {
                        diesel::sql_query(format!("DELETE FROM {table} WHERE version = $1"))
                            .bind::<diesel::sql_types::Text, _>(&p.version)
                            .execute(c)?;
                    }
                    Ok::<_, diesel::result::Error>(())
                }));
                if let Err(e) = done {
                    let as_down = Planned {
                        sql: down,
                        ..p.clone()
                    };
                    return Err(Error::Migration {
                        backend,
                        migration: p.name.clone(),
                        file: file_of(backend, &p.name, "down"),
                        line: locate(&mut conn, &as_down, &e),
                        message: format!("reverting it failed: {}", describe(&e)),
                        run_rolled_back: !reverted.is_empty(),
                    });
                }
                tracing::info!(
                    backend,
                    migration = %p.name,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "reverted migration"
                );
                reverted.push(p.version.clone());
            }
            Ok(reverted)
        })();
        match result {
            Ok(reverted) => {
                crate::with_native!(&mut *conn, c => AnsiTransactionManager::commit_transaction(c))
                    .map_err(|e| Error::MigrationHistory {
                        backend,
                        message: format!("the commit of the revert failed: {}", describe(&e)),
                    })?;
                Ok(reverted)
            }
            Err(e) => {
                let _ = crate::with_native!(&mut *conn, c => AnsiTransactionManager::rollback_transaction(c));
                Err(e)
            }
        }
    }
}
