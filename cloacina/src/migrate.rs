//! The embedded migrations and the runner that applies them safely.
//!
//! - **Nothing to do, no waiting.** The runner first reads the applied
//!   versions and their recorded checksums without any lock; when every
//!   embedded migration is applied with a matching checksum it returns at
//!   once, even while another process holds the migration lock.
//! - **A lock with a deadline and a name.** Otherwise it takes the
//!   migration lock: on PostgreSQL a transaction-scoped advisory lock
//!   ([`PG_MIGRATION_LOCK_KEY`], released on commit or rollback, so an early
//!   error can never leak it), tried in a loop with backoff; on SQLite the
//!   database's write lock (`BEGIN EXCLUSIVE`), retried past the busy
//!   timeout. Both give up after
//!   [`DatabaseConfig::migration_lock_timeout`](crate::DatabaseConfig::migration_lock_timeout)
//!   with [`Error::MigrationLockTimeout`], which names the holder: on
//!   PostgreSQL its backend pid, `application_name` (the runner's own
//!   transaction shows `<application_name> migrate (pid N)`) and since when;
//!   on SQLite what SQLite can tell (not the process).
//! - **Under the lock** it re-reads the history, refuses a database whose
//!   applied migrations were edited ([`Error::MigrationModified`]) or that
//!   a newer build migrated ([`Error::UnknownMigration`]), refuses
//!   out-of-order versions unless allowed ([`Error::OutOfOrderMigration`]),
//!   and applies what is pending, each migration in a savepoint, with the
//!   operator's `lock_timeout` / `statement_timeout` on PostgreSQL.
//! - **[`MigrationMode`]** chooses one transaction for the whole run (all or
//!   nothing) or one per migration (a failing migration keeps the ones
//!   before it).
//! - **Errors name the migration**, its `up.sql` and, where it can be
//!   found, the line of the failing statement (from PostgreSQL's error
//!   position, or by replaying the statements one at a time in a savepoint
//!   that is rolled back).

use std::time::{Duration, Instant};

use diesel::connection::{
    AnsiTransactionManager, BoxableConnection, SimpleConnection, TransactionManager,
};
use diesel::migration::{Migration, MigrationSource};
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use crate::connection::AnyConnection;
use crate::error::{Error, LockHolder, Result};
use crate::url::Backend;
use crate::Database;

mod adopt;
mod ops;
pub use ops::{MigrationSet, MigrationSql, MigrationState, MigrationStatus, MigrationStatusEntry};

mod checksums {
    include!(concat!(env!("OUT_DIR"), "/migration_checksums.rs"));
}

/// The PostgreSQL migrations, embedded at build time.
#[cfg(feature = "postgres")]
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations =
    diesel_migrations::embed_migrations!("migrations/postgres");
/// The SQLite migrations, embedded at build time.
#[cfg(feature = "sqlite")]
pub const SQLITE_MIGRATIONS: EmbeddedMigrations =
    diesel_migrations::embed_migrations!("migrations/sqlite");

/// Key of the PostgreSQL advisory lock that serializes migration runs. It
/// shows in `pg_locks` as `locktype = 'advisory'`, `classid = 12651201`,
/// `objid = 2684354561`, `objsubid = 1`.
pub const PG_MIGRATION_LOCK_KEY: i64 = 0x00C1_0AC1_A000_0001;

/// Key of the advisory lock that serializes the migration runs of one
/// tenant ([`Database::connect_tenant`]): the high half of
/// [`PG_MIGRATION_LOCK_KEY`] and a 32-bit FNV-1a hash of the schema name, so
/// tenants migrated at once do not wait for each other. Without a tenant it
/// is [`PG_MIGRATION_LOCK_KEY`].
pub fn pg_migration_lock_key(tenant: Option<&str>) -> i64 {
    let Some(tenant) = tenant else {
        return PG_MIGRATION_LOCK_KEY;
    };
    let mut h: u32 = 0x811C_9DC5;
    for b in tenant.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    // Never the untenanted key's low half, so no tenant shares its lock.
    if h == 0xA000_0001 {
        h = 0xA000_0002;
    }
    (PG_MIGRATION_LOCK_KEY & !0xFFFF_FFFF) | i64::from(h)
}

/// How a run uses transactions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MigrationMode {
    /// One transaction (and one lock) for the whole run: a failing migration
    /// rolls back every migration the run applied before it, so the
    /// database is either where it was or fully migrated. The default.
    #[default]
    PerRun,
    /// One transaction (and one lock) per migration: a failing migration is
    /// rolled back alone, and the ones before it stay applied and recorded.
    /// Other processes may run between two migrations.
    PerMigration,
}

/// What a migration run did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationReport {
    /// The backend migrated.
    pub backend: Backend,
    /// Versions applied by this run, in order.
    pub applied: Vec<String>,
    /// How many were applied before.
    pub already_applied: usize,
}

const CHECKSUM_TABLE: &str = "CREATE TABLE IF NOT EXISTS cloacina_migration_checksums (\
    version TEXT NOT NULL PRIMARY KEY, checksum TEXT NOT NULL)";

#[derive(QueryableByName)]
pub(crate) struct Recorded {
    #[diesel(sql_type = diesel::sql_types::Text)]
    version: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    checksum: String,
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = diesel::sql_types::Text)]
    version: String,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One embedded migration: folder name, version, checksum and `up.sql`.
#[derive(Clone, Debug)]
pub(crate) struct Planned {
    name: String,
    version: String,
    checksum: String,
    sql: String,
    /// `down.sql`, when the migration has one.
    down: Option<String>,
}

/// Takes the SQL a diesel migration would run, without a database: the
/// embedded migrations run their `up.sql` with one `batch_execute`.
struct SqlRecorder(String);

impl SimpleConnection for SqlRecorder {
    fn batch_execute(&mut self, query: &str) -> QueryResult<()> {
        self.0.push_str(query);
        Ok(())
    }
}

impl<DB: diesel::backend::Backend> BoxableConnection<DB> for SqlRecorder {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// A native connection with its embedded migrations.
trait Native:
    Connection<TransactionManager = AnsiTransactionManager> + MigrationHarness<Self::Backend>
{
    fn source() -> &'static EmbeddedMigrations;
    fn checksums() -> &'static [(&'static str, &'static str)];
}

#[cfg(feature = "postgres")]
impl Native for diesel::PgConnection {
    fn source() -> &'static EmbeddedMigrations {
        &POSTGRES_MIGRATIONS
    }
    fn checksums() -> &'static [(&'static str, &'static str)] {
        checksums::POSTGRES
    }
}

#[cfg(feature = "sqlite")]
impl Native for diesel::SqliteConnection {
    fn source() -> &'static EmbeddedMigrations {
        &SQLITE_MIGRATIONS
    }
    fn checksums() -> &'static [(&'static str, &'static str)] {
        checksums::SQLITE
    }
}

fn plan<C: Native>() -> std::result::Result<Vec<Planned>, BoxError> {
    let migrations = MigrationSource::<C::Backend>::migrations(C::source())?;
    let mut out = Vec::with_capacity(migrations.len());
    for m in &migrations {
        let mut rec = SqlRecorder(String::new());
        m.run(&mut rec)?;
        let mut down = SqlRecorder(String::new());
        let down = m
            .revert(&mut down)
            .ok()
            .map(|()| down.0)
            .filter(|d| !d.trim().is_empty());
        let version = m.name().version().to_string();
        let checksum = C::checksums()
            .iter()
            .find(|(v, _)| *v == version)
            .map(|(_, c)| (*c).to_string())
            .unwrap_or_default();
        out.push(Planned {
            name: m.name().to_string(),
            version,
            checksum,
            sql: rec.0,
            down,
        });
    }
    out.sort_by(|a, b| version_order(&a.version, &b.version));
    Ok(out)
}

fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<u128>(), b.parse::<u128>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// Runs one migration's `up.sql` in a savepoint and records its version
/// where diesel's harness does (`__diesel_schema_migrations`), so diesel
/// tools see the same history.
fn apply(conn: &mut AnyConnection, p: &Planned) -> QueryResult<()> {
    crate::with_native!(conn, c => c.transaction(|c| {
        c.batch_execute(&p.sql)?;
        diesel::sql_query("INSERT INTO __diesel_schema_migrations (version) VALUES ($1)")
            .bind::<diesel::sql_types::Text, _>(&p.version)
            .execute(c)
            .map(|_| ())
    }))
}

/// The history as recorded: applied versions, and recorded checksums.
pub(crate) struct History {
    applied: Vec<String>,
    recorded: Vec<Recorded>,
}

fn read_history(conn: &mut AnyConnection) -> QueryResult<History> {
    crate::with_native!(conn, c => {
        let applied: Vec<Version> = diesel::sql_query(
            "SELECT version FROM __diesel_schema_migrations",
        )
        .load(c)?;
        let recorded: Vec<Recorded> =
            diesel::sql_query("SELECT version, checksum FROM cloacina_migration_checksums")
                .load(c)?;
        Ok(History {
            applied: applied.into_iter().map(|v| v.version).collect(),
            recorded,
        })
    })
}

fn exec(conn: &mut AnyConnection, sql: &str) -> QueryResult<()> {
    crate::with_native!(conn, c => c.batch_execute(sql))
}

/// What the history says must happen.
struct Verdict {
    pending: Vec<usize>,
    /// Applied versions whose checksum is not recorded yet.
    unrecorded: Vec<usize>,
}

fn judge(
    history: &History,
    plan: &[Planned],
    backend: &'static str,
    allow_out_of_order: bool,
) -> Result<Verdict> {
    // A database a newer build migrated is the first thing to say.
    if let Some(version) = history
        .applied
        .iter()
        .find(|v| !plan.iter().any(|p| &p.version == *v))
    {
        return Err(Error::UnknownMigration {
            version: version.clone(),
            backend,
        });
    }
    for version in &history.applied {
        let Some(p) = plan.iter().find(|p| &p.version == version) else {
            continue;
        };
        if let Some(r) = history.recorded.iter().find(|r| &r.version == version) {
            if r.checksum != p.checksum {
                return Err(Error::MigrationModified {
                    version: version.clone(),
                    backend,
                    recorded: r.checksum.clone(),
                    embedded: p.checksum.clone(),
                });
            }
        }
    }
    let newest = history
        .applied
        .iter()
        .max_by(|a, b| version_order(a, b))
        .cloned();
    let mut pending = Vec::new();
    let mut unrecorded = Vec::new();
    for (i, p) in plan.iter().enumerate() {
        if history.applied.contains(&p.version) {
            if !history.recorded.iter().any(|r| r.version == p.version) {
                unrecorded.push(i);
            }
            continue;
        }
        if let Some(newest) = &newest {
            if !allow_out_of_order && version_order(&p.version, newest).is_lt() {
                return Err(Error::OutOfOrderMigration {
                    backend,
                    version: p.version.clone(),
                    newest_applied: newest.clone(),
                });
            }
        }
        pending.push(i);
    }
    Ok(Verdict {
        pending,
        unrecorded,
    })
}

impl Database {
    /// Applies every embedded migration of this database's backend that is
    /// not applied yet, under a lock that makes concurrent runs from several
    /// processes apply each migration once.
    ///
    /// - With nothing pending (every embedded migration applied, checksums
    ///   recorded and equal) it returns at once, without the lock.
    /// - Otherwise it waits for the migration lock up to
    ///   [`DatabaseConfig::migration_lock_timeout`](crate::DatabaseConfig::migration_lock_timeout)
    ///   (on SQLite past the busy timeout), then re-reads the history under
    ///   the lock and applies what is pending, in one transaction per run or
    ///   per migration ([`MigrationMode`]). On PostgreSQL the transaction
    ///   shows as `<application_name> migrate (pid N)` in
    ///   `pg_stat_activity` and runs with the configured `lock_timeout` and
    ///   `statement_timeout`.
    ///
    /// # Errors
    ///
    /// [`Error::MigrationModified`] when an applied migration changed since,
    /// [`Error::UnknownMigration`] when the database is newer than this
    /// build, [`Error::OutOfOrderMigration`] for a pending migration older
    /// than the newest applied one (unless allowed),
    /// [`Error::MigrationLockTimeout`] when another run holds the lock past
    /// the deadline, [`Error::Migration`] when a migration fails (naming it
    /// and the line), [`Error::MigrationHistory`] when the history tables
    /// cannot be read or written.
    pub fn migrate(&self) -> Result<MigrationReport> {
        // One checkout for the plan (it only needs the connection's type)
        // and the run: each checkout costs the pool's liveness round trip.
        let mut conn = self.get()?;
        let plan = crate::with_native!(&mut *conn, c => plan_for(c)).map_err(|e| {
            Error::MigrationHistory {
                backend: self.backend().name(),
                message: e.to_string(),
            }
        })?;
        self.run_plan_on(&mut conn, &plan, None)
    }

    /// Runs the runner over migrations given here instead of the embedded
    /// ones: `(folder name, up.sql)` pairs, the version being the leading
    /// digits of the name. For tests of the runner only (the checksums are
    /// not the build's SHA-256, so do not mix it with [`Database::migrate`]
    /// on one database).
    ///
    /// # Errors
    ///
    /// As [`Database::migrate`].
    #[doc(hidden)]
    pub fn migrate_with(&self, migrations: &[(&str, &str)]) -> Result<MigrationReport> {
        use std::hash::{Hash, Hasher};
        let mut plan: Vec<Planned> = migrations
            .iter()
            .map(|(name, sql)| {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                sql.hash(&mut h);
                Planned {
                    name: (*name).to_string(),
                    version: name.chars().take_while(|c| c.is_ascii_digit()).collect(),
                    checksum: format!("test-{:016x}", h.finish()),
                    sql: (*sql).to_string(),
                    down: None,
                }
            })
            .collect();
        plan.sort_by(|a, b| version_order(&a.version, &b.version));
        self.run_plan(&plan, None)
    }

    pub(crate) fn run_plan(&self, plan: &[Planned], upto: Option<&str>) -> Result<MigrationReport> {
        let mut conn = self.get()?;
        self.run_plan_on(&mut conn, plan, upto)
    }

    /// [`Database::run_plan`] on a connection already checked out.
    ///
    /// A SQLite table rebuild turns `PRAGMA ignore_check_constraints` on
    /// for its copy and off after it; the pragma is not transactional, so a
    /// copy that fails (an I/O error, an interrupt, a full disk) would hand
    /// the pooled connection back with CHECK constraints ignored. Whenever
    /// migration SQL ran here (something applied, or an error), the pragma
    /// is turned off again before the connection goes back; the lock-free
    /// fast path runs no migration SQL and costs nothing more.
    fn run_plan_on(
        &self,
        conn: &mut AnyConnection,
        plan: &[Planned],
        upto: Option<&str>,
    ) -> Result<MigrationReport> {
        let result = self.run_plan_steps(conn, plan, upto);
        let ran_sql = match &result {
            Ok(report) => !report.applied.is_empty(),
            Err(_) => true,
        };
        if !(ran_sql && self.backend() == Backend::Sqlite) {
            return result;
        }
        let reset = exec(conn, "PRAGMA ignore_check_constraints = OFF;");
        match (result, reset) {
            (Ok(_), Err(e)) => Err(Error::MigrationHistory {
                backend: self.backend().name(),
                message: format!(
                    "the migrations were applied, but turning PRAGMA ignore_check_constraints back off failed: {}; reopen the database before writing to it",
                    describe(&e)
                ),
            }),
            (result, _) => result,
        }
    }

    fn run_plan_steps(
        &self,
        conn: &mut AnyConnection,
        plan: &[Planned],
        upto: Option<&str>,
    ) -> Result<MigrationReport> {
        let backend = self.backend();
        let name = backend.name();
        let config = self.config().clone();

        // Fast path: nothing pending and everything recorded, seen without
        // the lock (the history tables may not exist yet: then go on).
        if let Ok(history) = read_history(conn) {
            let mut verdict = judge(&history, plan, name, config.allow_out_of_order)?;
            verdict.pending.retain(|&i| within(&plan[i].version, upto));
            if verdict.pending.is_empty() && verdict.unrecorded.is_empty() {
                return Ok(MigrationReport {
                    backend,
                    applied: Vec::new(),
                    already_applied: history.applied.len(),
                });
            }
        }

        let mut applied = Vec::new();
        let mut already_applied = None;
        loop {
            lock(
                conn,
                backend,
                &config,
                self.target(),
                pg_migration_lock_key(self.tenant()),
            )?;
            let step = locked_step(conn, backend, &config, plan, upto);
            match step {
                Ok((before, newly, more)) => {
                    let committed = crate::with_native!(&mut *conn, c => AnsiTransactionManager::commit_transaction(c));
                    if let Err(e) = committed {
                        // A full disk or an I/O error often shows at commit.
                        return Err(match newly.last() {
                            Some(last) => Error::Migration {
                                backend: name,
                                migration: last.clone(),
                                file: up_sql_path(name, last),
                                line: None,
                                message: format!("the commit failed: {}", describe(&e)),
                                run_rolled_back: newly.len() > 1,
                            },
                            None => Error::MigrationHistory {
                                backend: name,
                                message: format!("the commit failed: {}", describe(&e)),
                            },
                        });
                    }
                    already_applied.get_or_insert(before);
                    applied.extend(
                        newly
                            .iter()
                            .filter_map(|n| plan.iter().find(|p| &p.name == n))
                            .map(|p| p.version.clone()),
                    );
                    if !more {
                        break;
                    }
                }
                Err(e) => {
                    let _ = crate::with_native!(&mut *conn, c => AnsiTransactionManager::rollback_transaction(c));
                    return Err(e);
                }
            }
        }
        Ok(MigrationReport {
            backend,
            applied,
            already_applied: already_applied.unwrap_or(0),
        })
    }
}

/// Whether `version` is at or before the target of `migrate_to`.
fn within(version: &str, upto: Option<&str>) -> bool {
    upto.is_none_or(|u| version_order(version, u).is_le())
}

fn plan_for<C: Native>(_c: &mut C) -> std::result::Result<Vec<Planned>, BoxError> {
    plan::<C>()
}

fn up_sql_path(backend: &str, migration: &str) -> String {
    format!("migrations/{backend}/{migration}/up.sql")
}

fn describe(e: &diesel::result::Error) -> String {
    let mut msg = e.to_string();
    if let diesel::result::Error::DatabaseError(_, info) = e {
        if let Some(d) = info.details() {
            msg.push_str(&format!(" ({d})"));
        }
    }
    msg
}

/// Begins the run's transaction holding the migration lock, or gives up at
/// the deadline naming the holder.
fn lock(
    conn: &mut AnyConnection,
    backend: Backend,
    config: &crate::DatabaseConfig,
    #[cfg_attr(not(feature = "sqlite"), allow(unused_variables))] target: &str,
    #[cfg_attr(not(feature = "postgres"), allow(unused_variables))] key: i64,
) -> Result<()> {
    let name = backend.name();
    let start = Instant::now();
    let deadline = start + config.migration_lock_timeout;
    let q = |e: diesel::result::Error| Error::MigrationHistory {
        backend: name,
        message: describe(&e),
    };
    match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(c) => {
            AnsiTransactionManager::begin_transaction(c).map_err(q)?;
            let app = format!(
                "{} migrate (pid {})",
                config.application_name,
                std::process::id()
            );
            let mut setup = format!("SET LOCAL application_name = {};", pg_literal(&app));
            let mut backoff = Duration::from_millis(5);
            loop {
                #[derive(QueryableByName)]
                struct Got {
                    #[diesel(sql_type = diesel::sql_types::Bool)]
                    ok: bool,
                }
                let got: QueryResult<Got> =
                    diesel::sql_query(format!("SELECT pg_try_advisory_xact_lock({key}) AS ok"))
                        .get_result(c);
                match got {
                    Ok(Got { ok: true }) => break,
                    Ok(Got { ok: false }) => {}
                    Err(e) => {
                        let _ = AnsiTransactionManager::rollback_transaction(c);
                        return Err(q(e));
                    }
                }
                let now = Instant::now();
                if now >= deadline {
                    let holder = pg_holder(c, key);
                    let _ = AnsiTransactionManager::rollback_transaction(c);
                    return Err(Error::MigrationLockTimeout {
                        backend: name,
                        waited: now - start,
                        holder: Box::new(holder),
                    });
                }
                std::thread::sleep(backoff.min(deadline - now));
                backoff = (backoff * 2).min(Duration::from_millis(250));
            }
            if let Some(t) = config.migration_statement_lock_timeout {
                setup.push_str(&format!(
                    " SET LOCAL lock_timeout = {};",
                    t.as_millis().max(1)
                ));
            }
            if let Some(t) = config.migration_statement_timeout {
                setup.push_str(&format!(
                    " SET LOCAL statement_timeout = {};",
                    t.as_millis().max(1)
                ));
            }
            if let Err(e) = c.batch_execute(&setup) {
                let _ = AnsiTransactionManager::rollback_transaction(c);
                return Err(q(e));
            }
            Ok(())
        }
        #[cfg(feature = "sqlite")]
        AnyConnection::Sqlite(c) => {
            // Each try waits up to the busy timeout inside SQLite; tries go
            // on until the deadline, so a migration longer than the busy
            // timeout makes others wait, not fail.
            let busy = config.sqlite_busy_timeout.max(Duration::from_millis(1));
            let result = loop {
                let now = Instant::now();
                let slice = busy
                    .min(deadline.saturating_duration_since(now))
                    .max(Duration::from_millis(1));
                let _ = c.batch_execute(&format!("PRAGMA busy_timeout = {}", slice.as_millis()));
                match AnsiTransactionManager::begin_transaction_sql(c, "BEGIN EXCLUSIVE") {
                    Ok(()) => break Ok(()),
                    Err(e) if is_busy(&e) => {
                        let now = Instant::now();
                        if now >= deadline {
                            break Err(Error::MigrationLockTimeout {
                                backend: name,
                                waited: now - start,
                                holder: Box::new(LockHolder {
                                    since: Some(format!(
                                        "at least {:?} ago (when this process started waiting)",
                                        now - start
                                    )),
                                    detail: format!(
                                        "another connection holds the write lock of the SQLite database {target} (a migration running in another process, or a long write transaction); SQLite does not record which process: `fuser` or `lsof` on the file lists the processes that have it open"
                                    ),
                                    ..LockHolder::default()
                                }),
                            });
                        }
                    }
                    Err(e) => break Err(q(e)),
                }
            };
            let _ = c.batch_execute(&format!("PRAGMA busy_timeout = {}", busy.as_millis()));
            result
        }
    }
}

#[cfg(feature = "sqlite")]
fn is_busy(e: &diesel::result::Error) -> bool {
    let m = e.to_string();
    m.contains("database is locked") || m.contains("database is busy") || m.contains("locked")
}

#[cfg(feature = "postgres")]
fn pg_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Who holds the advisory lock, from `pg_locks` and `pg_stat_activity`.
#[cfg(feature = "postgres")]
fn pg_holder(c: &mut diesel::PgConnection, key: i64) -> LockHolder {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        application_name: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        since: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        state: Option<String>,
    }
    let hi = (key >> 32) & 0xFFFF_FFFF;
    let lo = key & 0xFFFF_FFFF;
    let row: QueryResult<Row> = diesel::sql_query(format!(
        "SELECT a.pid, a.application_name, \
           to_char(COALESCE(a.xact_start, a.state_change, a.backend_start) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS since, \
           COALESCE(a.state, 'unknown state') || ', client ' || COALESCE(host(a.client_addr), 'local socket') AS state \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = {hi} \
           AND l.objid::bigint = {lo} AND l.objsubid = 1 \
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         LIMIT 1"
    ))
    .get_result(c);
    match row {
        Ok(r) => LockHolder {
            pid: Some(r.pid),
            application_name: r.application_name,
            since: r.since,
            state: r.state,
            detail: "a migration run holds the lock".into(),
        },
        Err(e) => LockHolder {
            detail: format!(
                "a migration run holds the lock (it was released while this process looked it up, or its holder is not visible to this role: {e})"
            ),
            ..LockHolder::default()
        },
    }
}

/// Under the lock: read and judge the history, record missing checksums,
/// apply what is pending (all of it, or the first one per migration mode).
/// Returns (applied before, names applied now, whether more remain).
fn locked_step(
    conn: &mut AnyConnection,
    backend: Backend,
    config: &crate::DatabaseConfig,
    plan: &[Planned],
    upto: Option<&str>,
) -> Result<(usize, Vec<String>, bool)> {
    let name = backend.name();
    let q = |e: diesel::result::Error| Error::MigrationHistory {
        backend: name,
        message: describe(&e),
    };
    // diesel's harness creates its own table on first use; ours too.
    crate::with_native!(&mut *conn, c => c.applied_migrations().map(|_| ())).map_err(|e| {
        Error::MigrationHistory {
            backend: name,
            message: e.to_string(),
        }
    })?;
    exec(conn, CHECKSUM_TABLE).map_err(q)?;
    let history = read_history(conn).map_err(q)?;
    let mut verdict = judge(&history, plan, name, config.allow_out_of_order)?;
    verdict.pending.retain(|&i| within(&plan[i].version, upto));
    if !verdict.unrecorded.is_empty() {
        // Applied by plain Diesel: record only what is shown to have run.
        adopt::verify(
            conn,
            backend,
            plan,
            &history.applied,
            config.adopt_unverified,
        )?;
    }
    for &i in &verdict.unrecorded {
        record(conn, &plan[i]).map_err(q)?;
    }
    let per_run = config.migration_mode == MigrationMode::PerRun;
    let take = if per_run { verdict.pending.len() } else { 1 };
    let mut newly = Vec::new();
    for &i in verdict.pending.iter().take(take) {
        let p = &plan[i];
        tracing::info!(backend = name, migration = %p.name, "applying migration");
        let started = Instant::now();
        if let Err(e) = apply(conn, p) {
            let message = describe(&e);
            let line = locate(conn, p, &e);
            return Err(Error::Migration {
                backend: name,
                migration: p.name.clone(),
                file: up_sql_path(name, &p.name),
                line,
                message,
                run_rolled_back: per_run && !newly.is_empty(),
            });
        }
        record(conn, p).map_err(|e| Error::Migration {
            backend: name,
            migration: p.name.clone(),
            file: up_sql_path(name, &p.name),
            line: None,
            message: format!("recording its checksum failed: {}", describe(&e)),
            run_rolled_back: per_run,
        })?;
        tracing::info!(
            backend = name,
            migration = %p.name,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "applied migration"
        );
        newly.push(p.name.clone());
    }
    let more = !per_run && verdict.pending.len() > 1;
    Ok((history.applied.len(), newly, more))
}

fn record(conn: &mut AnyConnection, p: &Planned) -> QueryResult<()> {
    crate::with_native!(conn, c => diesel::sql_query(
        "INSERT INTO cloacina_migration_checksums (version, checksum) VALUES ($1, $2)",
    )
    .bind::<diesel::sql_types::Text, _>(&p.version)
    .bind::<diesel::sql_types::Text, _>(&p.checksum)
    .execute(c)
    .map(|_| ()))
}

/// The line in `up.sql` of the statement that failed: from the error's
/// position when the database gives one (PostgreSQL, for errors found while
/// parsing), otherwise by replaying the statements one at a time in a
/// savepoint that is rolled back (not for timeouts: replaying would wait
/// again).
fn locate(conn: &mut AnyConnection, p: &Planned, error: &diesel::result::Error) -> Option<usize> {
    if let diesel::result::Error::DatabaseError(_, info) = error {
        if let Some(pos) = info.statement_position() {
            // A 1-based character offset into the batch.
            let upto: String = p.sql.chars().take((pos.max(1) - 1) as usize).collect();
            return Some(upto.matches('\n').count() + 1);
        }
        let m = info.message();
        if m.contains("timeout") || m.contains("canceling statement") {
            return None;
        }
    }
    let statements = split_statements(&p.sql);
    if statements.len() < 2 {
        return statements.first().map(|s| s.0);
    }
    exec(conn, "SAVEPOINT cloacina_locate").ok()?;
    let mut found = None;
    for (line, stmt) in &statements {
        if exec(conn, stmt).is_err() {
            found = Some(*line);
            break;
        }
    }
    let _ = exec(
        conn,
        "ROLLBACK TO SAVEPOINT cloacina_locate; RELEASE SAVEPOINT cloacina_locate",
    );
    found
}

/// Splits SQL into statements, each with the line it starts on. Knows
/// quotes, comments, PostgreSQL dollar quotes and `CREATE TRIGGER … BEGIN …
/// END` bodies. Used only to say where an error is.
pub(crate) fn split_statements(sql: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let mut start: Option<(usize, usize)> = None; // (char index, line)
    let mut depth = 0usize;
    let mut first_word: Option<String> = None;
    let mut word = String::new();
    let flush_word = |word: &mut String, depth: &mut usize, first: &mut Option<String>| {
        if word.is_empty() {
            return;
        }
        let w = word.to_ascii_uppercase();
        if first.is_none() {
            *first = Some(w.clone());
        } else if first.as_deref() == Some("CREATE") {
            match w.as_str() {
                "BEGIN" | "CASE" => *depth += 1,
                "END" => *depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        word.clear();
    };
    while i < chars.len() {
        let ch = chars[i];
        let next = chars.get(i + 1).copied();
        if ch == '-' && next == Some('-') {
            flush_word(&mut word, &mut depth, &mut first_word);
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if ch == '/' && next == Some('*') {
            flush_word(&mut word, &mut depth, &mut first_word);
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                if chars[i] == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 2;
            continue;
        }
        if ch == '\n' {
            flush_word(&mut word, &mut depth, &mut first_word);
            line += 1;
            i += 1;
            continue;
        }
        if ch.is_whitespace() {
            flush_word(&mut word, &mut depth, &mut first_word);
            i += 1;
            continue;
        }
        if start.is_none() {
            start = Some((i, line));
        }
        if ch == '\'' || ch == '"' || ch == '`' {
            flush_word(&mut word, &mut depth, &mut first_word);
            i += 1;
            while i < chars.len() && chars[i] != ch {
                if chars[i] == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        if ch == '$' {
            // `$tag$ … $tag$`
            let mut j = i + 1;
            while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            if j < chars.len()
                && chars[j] == '$'
                && !(word.chars().last().is_some_and(|c| c.is_alphanumeric()))
            {
                flush_word(&mut word, &mut depth, &mut first_word);
                let tag: String = chars[i..=j].iter().collect();
                i = j + 1;
                let tag_chars: Vec<char> = tag.chars().collect();
                while i < chars.len() && !chars[i..].starts_with(&tag_chars) {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
                i += tag_chars.len();
                continue;
            }
        }
        if ch == ';' {
            flush_word(&mut word, &mut depth, &mut first_word);
            if depth == 0 {
                if let Some((s, l)) = start.take() {
                    out.push((l, chars[s..=i].iter().collect()));
                }
                first_word = None;
                i += 1;
                continue;
            }
            i += 1;
            continue;
        }
        if ch.is_alphanumeric() || ch == '_' {
            word.push(ch);
        } else {
            flush_word(&mut word, &mut depth, &mut first_word);
        }
        i += 1;
    }
    if let Some((s, l)) = start {
        let tail: String = chars[s..].iter().collect();
        if !tail.trim().is_empty() {
            out.push((l, tail));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_split_with_their_lines() {
        let sql = "-- header; not a statement\nCREATE TABLE a (x TEXT DEFAULT ';');\n\n/* multi\nline; */ INSERT INTO a VALUES ('it''s;');\nCREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET x = CASE WHEN x = 'y' THEN 'z' ELSE x END;\n  SELECT 1;\nEND;\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT 2";
        let got: Vec<usize> = split_statements(sql).into_iter().map(|s| s.0).collect();
        assert_eq!(got, vec![2, 5, 6, 10, 11]);
        let parts = split_statements(sql);
        assert!(parts[2].1.ends_with("END;"), "{:?}", parts[2]);
    }

    #[test]
    fn the_embedded_sql_is_the_sql_on_disk() {
        #[cfg(feature = "sqlite")]
        {
            let plan = plan::<diesel::SqliteConnection>().expect("plan");
            assert!(!plan.is_empty());
            for p in &plan {
                let disk = std::fs::read_to_string(
                    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("..")
                        .join(up_sql_path("sqlite", &p.name)),
                )
                .expect("up.sql");
                assert_eq!(p.sql, disk);
                assert_eq!(p.checksum.len(), 64, "{}", p.name);
                assert!(split_statements(&p.sql).len() > 3);
            }
        }
    }
}
