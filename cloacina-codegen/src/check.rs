//! The parity proof against real databases: replay migrations on throwaway
//! databases, introspect, normalize, compare.
//!
//! - [`check`] is the CI command: the schema file parses and validates; the
//!   history is in sync ([`history_status`]); the `postgres/` and `sqlite/`
//!   migrations replayed on a fresh SQLite file and a fresh PostgreSQL
//!   database each equal the schema file, and each other modulo what the
//!   schema file itself declares different per backend.
//! - [`check_parity`] is for projects with hand-kept migration pairs: pair
//!   the folders by name, replay each side, report every divergence.
//!
//! Both replay the history step by step over rows ([`crate::proof`]): every
//! table is seeded before each migration, and a row or value that a
//! migration lost or changed without the structure asking for it, or that
//! differs between the backends, is reported with the migration, table,
//! row key and values.
//!
//! Every replay runs in a database created for it and dropped afterwards
//! ([`ScratchPostgres`], [`ScratchSqlite`]), so existing data is never
//! touched.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use serde::Serialize;

use crate::compare::{
    classify, compare_with, render_entries, Accepted, Baseline, CompareOptions, DiffKind,
    Difference, Entry, Report, Severity, Summary,
};
use crate::error::{line_col, Error, Result};
use crate::introspect::{redact, Database, DbObject, Introspection, Note};
use crate::model::{Backend, Schema};
use crate::normalize::normalize;
use crate::proof::DataReport;

/// One migration folder: `<version>_<name>/up.sql`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Migration {
    /// The folder name.
    pub folder: String,
    /// The part before the first `_`.
    pub version: String,
    /// The part after it (what pairs folders across backends).
    pub name: String,
    /// The `up.sql` file.
    pub up: PathBuf,
    /// False when `metadata.toml` says `run_in_transaction = false`.
    pub run_in_transaction: bool,
}

/// The migrations of one backend folder, in folder-name order. Folders
/// without an `up.sql` are skipped.
///
/// # Errors
///
/// [`Error::Read`] when the folder cannot be listed.
pub fn list_migrations(dir: &Path) -> Result<Vec<Migration>> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let up = path.join("up.sql");
        if !path.is_dir() || !up.is_file() {
            continue;
        }
        let folder = entry.file_name().to_string_lossy().into_owned();
        let (version, name) = match folder.split_once('_') {
            Some((v, n)) => (v.to_string(), n.to_string()),
            None => (folder.clone(), folder.clone()),
        };
        let run_in_transaction = std::fs::read_to_string(path.join("metadata.toml"))
            .map(|m| {
                !m.lines().any(|l| {
                    let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
                    l == "run_in_transaction=false"
                })
            })
            .unwrap_or(true);
        out.push(Migration {
            folder,
            version,
            name,
            up,
            run_in_transaction,
        });
    }
    out.sort_by(|a, b| a.folder.cmp(&b.folder));
    Ok(out)
}

/// Applies every `up.sql` in order, each in its own transaction unless its
/// metadata says otherwise.
///
/// # Errors
///
/// [`Error::Read`] for an unreadable script, [`Error::Migration`] naming the
/// script that failed.
pub fn replay(db: &mut Database, migrations: &[Migration]) -> Result<()> {
    for m in migrations {
        let sql = std::fs::read_to_string(&m.up).map_err(|source| Error::Read {
            path: m.up.clone(),
            source,
        })?;
        if let Err(message) = db.execute(&sql, m.run_in_transaction) {
            // Find the failing statement (the script was rolled back; run
            // it again statement by statement in a transaction that is
            // rolled back too) and name its line.
            let message = match m
                .run_in_transaction
                .then(|| failing_statement(db, &sql))
                .flatten()
            {
                // The statement's first line of SQL, not a comment above it
                // (a generated script's header).
                Some((line, stmt)) => format!(
                    "line {line} (`{}`): {message}",
                    stmt.lines()
                        .map(str::trim)
                        .find(|l| !l.is_empty() && !l.starts_with("--"))
                        .unwrap_or("")
                ),
                None => message,
            };
            return Err(Error::Migration {
                path: m.up.clone(),
                backend: db.backend(),
                message,
            });
        }
    }
    Ok(())
}

/// The statements of a script with the 1-based line each starts on. Splits
/// at `;` outside quotes, comments, dollar quotes and `BEGIN … END` blocks
/// of triggers and functions.
pub fn split_statements(sql: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut line = 1;
    let mut start_line: Option<usize> = None;
    let mut depth = 0usize;
    let mut word = String::new();
    let mut i = 0;
    let flush_word = |word: &mut String, cur: &str, depth: &mut usize| {
        let w = word.to_ascii_lowercase();
        let lower = cur.to_ascii_lowercase();
        let block =
            lower.contains("trigger") || lower.contains("function") || lower.contains("procedure");
        if (w == "begin" && block) || (w == "case" && *depth > 0) {
            *depth += 1;
        } else if w == "end" && *depth > 0 {
            *depth -= 1;
        }
        word.clear();
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let word_char = c.is_alphanumeric() || c == '_';
        if !word_char && !word.is_empty() {
            flush_word(&mut word, &cur, &mut depth);
        }
        let comment = (c == '-' && next == Some('-')) || (c == '/' && next == Some('*'));
        if !c.is_whitespace() && start_line.is_none() && c != ';' && !comment {
            start_line = Some(line);
        }
        let take_until = |end: &[char], i: &mut usize, cur: &mut String, line: &mut usize| {
            let mut j = *i + 1;
            while j < chars.len() && !chars[j..].starts_with(end) {
                j += 1;
            }
            let stop = (j + end.len()).min(chars.len());
            for ch in &chars[*i..stop] {
                if *ch == '\n' {
                    *line += 1;
                }
                cur.push(*ch);
            }
            *i = stop;
        };
        match c {
            '\'' | '"' => take_until(&[c], &mut i, &mut cur, &mut line),
            '-' if next == Some('-') => take_until(&['\n'], &mut i, &mut cur, &mut line),
            '/' if next == Some('*') => take_until(&['*', '/'], &mut i, &mut cur, &mut line),
            '$' => {
                let tag_end = chars[i + 1..]
                    .iter()
                    .position(|ch| !(ch.is_alphanumeric() || *ch == '_'))
                    .map(|p| i + 1 + p);
                match tag_end {
                    Some(e) if chars[e] == '$' => {
                        let tag: Vec<char> = chars[i..=e].to_vec();
                        // The tag's closing `$` is pushed by `take_until`,
                        // which starts at `e` (it was pushed twice:
                        // `DO $x$$ …`, which no longer runs).
                        for ch in &chars[i..e] {
                            cur.push(*ch);
                        }
                        i = e;
                        take_until(&tag, &mut i, &mut cur, &mut line);
                    }
                    _ => {
                        cur.push(c);
                        i += 1;
                    }
                }
            }
            ';' if depth == 0 => {
                if let Some(l) = start_line.take() {
                    out.push((l, cur.trim().to_string()));
                }
                cur.clear();
                i += 1;
            }
            _ => {
                if c == '\n' {
                    line += 1;
                }
                if c.is_alphanumeric() || c == '_' {
                    word.push(c);
                }
                cur.push(c);
                i += 1;
            }
        }
    }
    if let Some(l) = start_line {
        if !cur.trim().is_empty() {
            out.push((l, cur.trim().to_string()));
        }
    }
    out
}

/// Runs the statements of `sql` one by one in a transaction that is always
/// rolled back; the line and text of the first that fails.
fn failing_statement(db: &mut Database, sql: &str) -> Option<(usize, String)> {
    use diesel::Connection;
    enum Stop {
        Failed(usize),
        Done,
        Db,
    }
    impl From<diesel::result::Error> for Stop {
        fn from(_: diesel::result::Error) -> Self {
            Stop::Db
        }
    }
    let statements = split_statements(sql);
    fn run<C: Connection>(c: &mut C, statements: &[(usize, String)]) -> Option<usize> {
        let r = c.transaction::<(), Stop, _>(|c| {
            for (i, (_, s)) in statements.iter().enumerate() {
                if c.batch_execute(s).is_err() {
                    return Err(Stop::Failed(i));
                }
            }
            Err(Stop::Done)
        });
        match r {
            Err(Stop::Failed(i)) => Some(i),
            _ => None,
        }
    }
    let i = match db {
        Database::Postgres { conn, .. } => run(conn.as_mut(), &statements),
        Database::Sqlite { conn, .. } => run(conn.as_mut(), &statements),
    }?;
    statements.into_iter().nth(i)
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A SQLite file in the temporary directory, removed when dropped.
#[derive(Debug)]
pub struct ScratchSqlite {
    /// The file.
    pub path: PathBuf,
}

impl ScratchSqlite {
    /// Creates the file and opens it.
    ///
    /// # Errors
    ///
    /// [`Error::Database`] when SQLite cannot create it.
    pub fn new() -> Result<(ScratchSqlite, Database)> {
        let path = std::env::temp_dir().join(format!("cloacina-check-{}.sqlite3", unique_suffix()));
        let scratch = ScratchSqlite { path };
        let db = Database::open_sqlite(&scratch.path.to_string_lossy())?;
        Ok((scratch, db))
    }
}

impl Drop for ScratchSqlite {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
    }
}

/// A PostgreSQL database created on a server for one replay and dropped
/// (with `FORCE`) when this guard goes away.
#[derive(Debug)]
pub struct ScratchPostgres {
    server_url: String,
    /// The database's name.
    pub name: String,
}

/// `url` with its database name replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let scheme_end = head.find("://").map_or(0, |i| i + 3);
    let base = match head[scheme_end..].find('/') {
        Some(i) => &head[..scheme_end + i],
        None => head,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

impl ScratchPostgres {
    /// Creates `cloacina_check_<unique>` on the server of `server_url` and
    /// connects to it.
    ///
    /// # Errors
    ///
    /// [`Error::Database`] when the server is unreachable or the user may
    /// not create databases.
    pub fn new(server_url: &str) -> Result<(ScratchPostgres, Database)> {
        let name = format!("cloacina_check_{}", unique_suffix());
        let mut admin = Database::connect(server_url)?;
        admin
            .execute(&format!("CREATE DATABASE {name}"), false)
            .map_err(|message| Error::Database {
                backend: Backend::Postgres,
                target: redact(server_url),
                action: format!("create the temporary database {name}"),
                message: format!("{message}; the user needs the CREATEDB privilege"),
            })?;
        let guard = ScratchPostgres {
            server_url: server_url.to_string(),
            name: name.clone(),
        };
        let db = Database::connect(&with_database(server_url, &name))?;
        Ok((guard, db))
    }
}

impl Drop for ScratchPostgres {
    fn drop(&mut self) {
        if let Ok(mut admin) = Database::connect(&self.server_url) {
            let _ = admin.execute(
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
                false,
            );
        }
    }
}

/// Replays `migrations` on a fresh database of `backend` (PostgreSQL on the
/// server of `postgres_url`) and reads it back. The database is gone when
/// this returns.
///
/// # Errors
///
/// As [`replay`] and [`Database::introspect`]; [`Error::Config`] when
/// PostgreSQL is asked for without a server URL.
pub fn replay_and_introspect(
    backend: Backend,
    migrations: &[Migration],
    postgres_url: Option<&str>,
) -> Result<Introspection> {
    match backend {
        Backend::Sqlite => {
            let (_guard, mut db) = ScratchSqlite::new()?;
            replay(&mut db, migrations)?;
            db.introspect()
        }
        Backend::Postgres => {
            let url = postgres_url.ok_or_else(|| {
                Error::Config(
                    "no PostgreSQL server: pass --postgres postgres://user@host:port/db or set DATABASE_URL; a temporary database is created there and dropped again".into(),
                )
            })?;
            let (guard, mut db) = ScratchPostgres::new(url)?;
            let result = replay(&mut db, migrations).and_then(|()| db.introspect());
            drop(db);
            drop(guard);
            result
        }
    }
}

/// Replays the steps ([`crate::proof::pair_steps`]) on fresh databases that hold rows in
/// every table ([`crate::proof`]), and reads both back. The databases are
/// gone when this returns.
///
/// # Errors
///
/// As [`crate::proof::replay_with_rows`]; [`Error::Database`] when the
/// scratch databases cannot be made.
pub fn replay_pair_with_rows(
    steps: &[crate::proof::Step],
    postgres_url: &str,
) -> Result<(Introspection, Introspection, DataReport)> {
    replay_pair_expecting(steps, postgres_url, &Schema::default())
}

/// [`replay_pair_with_rows`], reading the columns that `schema` gives a
/// declared custom type as that type ([`Database::expect_custom_types`]).
fn replay_pair_expecting(
    steps: &[crate::proof::Step],
    postgres_url: &str,
    schema: &Schema,
) -> Result<(Introspection, Introspection, DataReport)> {
    let (pg_guard, mut pg_db) = ScratchPostgres::new(postgres_url)?;
    pg_db.expect_custom_types(schema);
    let (_lite_guard, mut lite_db) = ScratchSqlite::new()?;
    lite_db.expect_custom_types(schema);
    let result = crate::proof::replay_with_rows(&mut pg_db, &mut lite_db, steps);
    drop(pg_db);
    drop(pg_guard);
    result
}

// ----- check-parity -----------------------------------------------------------

/// A migration name found on one side only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Unpaired {
    /// The name (folder without its version).
    pub name: String,
    /// The folder on the PostgreSQL side, if any.
    pub postgres: Option<String>,
    /// The folder on the SQLite side, if any.
    pub sqlite: Option<String>,
}

/// What [`check_parity`] found.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct ParityReport {
    /// Migration names present on one side only.
    pub unpaired: Vec<Unpaired>,
    /// Divergences: left is PostgreSQL, right is SQLite.
    pub report: Report,
    /// What PostgreSQL introspection could not read exactly.
    pub postgres_notes: Vec<Note>,
    /// What SQLite introspection could not read exactly.
    pub sqlite_notes: Vec<Note>,
    /// Objects outside the model on PostgreSQL (triggers, functions, …).
    pub postgres_objects: Vec<DbObject>,
    /// Objects outside the model on SQLite.
    pub sqlite_objects: Vec<DbObject>,
    /// What the rows went through, migration by migration.
    pub data: DataReport,
    /// Counts: failing, accepted, by kind, by table, stale baseline entries.
    pub summary: Summary,
    /// Every difference of `report`, classified (kind, severity, plain
    /// words), pairs that mean the same folded into one entry.
    pub entries: Vec<Entry>,
    /// Entries of the `--accept` baseline that no longer occur.
    pub stale: Vec<Accepted>,
    /// `data` entries of the `--accept` baseline that no longer occur.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stale_data: Vec<crate::compare::AcceptedData>,
}

impl ParityReport {
    /// True when every folder is paired, no entry fails (representation
    /// only, warnings and accepted entries do not) and the rows agree.
    pub fn is_clean(&self) -> bool {
        self.unpaired.is_empty() && self.summary.failing == 0 && self.data.is_clean()
    }

    /// Marks what `baseline` accepts and records its stale entries.
    pub fn accept(&mut self, baseline: &Baseline) {
        self.stale = baseline.apply(&mut self.entries);
        self.stale_data = baseline.apply_data(&mut self.data.findings);
        self.summary = Summary::of(&self.entries, self.stale.len() + self.stale_data.len());
    }

    /// The readable report: the counts first, then the entries by kind
    /// (repetitions folded), then notes, each once.
    pub fn render(&self) -> String {
        let mut out = format!(
            "left:  {}\nright: {}\n",
            self.report.left, self.report.right
        );
        for u in &self.unpaired {
            out.push_str(&format!(
                "unpaired migration `{}`: postgres {} | sqlite {}\n",
                u.name,
                u.postgres.as_deref().unwrap_or("(absent)"),
                u.sqlite.as_deref().unwrap_or("(absent)")
            ));
        }
        if self.entries.is_empty() {
            out.push_str("no differences\n");
        }
        out.push_str(&render_entries(&self.entries, &self.stale));
        render_notes_once(
            &mut out,
            &[
                ("postgres", &self.postgres_notes),
                ("sqlite", &self.sqlite_notes),
            ],
        );
        render_notes(&mut out, "postgres", &[], &self.postgres_objects);
        render_notes(&mut out, "sqlite", &[], &self.sqlite_objects);
        out.push_str(&self.data.render());
        out
    }
}

/// Notes of both sides, each message once with every object it is about.
fn render_notes_once(out: &mut String, sides: &[(&str, &Vec<Note>)]) {
    let mut by_message: Vec<(String, Vec<String>)> = Vec::new();
    for (side, notes) in sides {
        for n in notes.iter() {
            let at = format!("{side} {}", n.object);
            match by_message.iter_mut().find(|(m, _)| *m == n.message) {
                Some((_, objects)) => objects.push(at),
                None => by_message.push((n.message.clone(), vec![at])),
            }
        }
    }
    if by_message.is_empty() {
        return;
    }
    out.push_str("\nread approximately or not at all:\n");
    for (message, objects) in by_message {
        out.push_str(&format!("  {message}: {}\n", objects.join(", ")));
    }
}

fn render_notes(out: &mut String, side: &str, notes: &[Note], objects: &[DbObject]) {
    if !notes.is_empty() {
        out.push_str(&format!("\n{side}: read approximately or not at all:\n"));
        for n in notes {
            out.push_str(&format!("  {}: {}\n", n.object, n.message));
        }
    }
    if !objects.is_empty() {
        out.push_str(&format!(
            "\n{side}: objects outside the schema model (not compared):\n"
        ));
        for o in objects {
            match &o.table {
                Some(t) => out.push_str(&format!("  {} {} on {t}\n", o.kind, o.name)),
                None => out.push_str(&format!("  {} {}\n", o.kind, o.name)),
            }
        }
    }
}

/// Pairs the folders of two hand-kept migration trees by name, replays each
/// side on a fresh database, and compares the results.
///
/// # Errors
///
/// [`Error::Read`] for an unreadable folder, [`Error::Migration`] for a
/// script that fails, [`Error::Database`] for the server.
pub fn check_parity(
    postgres_dir: &Path,
    sqlite_dir: &Path,
    postgres_url: &str,
) -> Result<ParityReport> {
    let pg = list_migrations(postgres_dir)?;
    let lite = list_migrations(sqlite_dir)?;
    for (dir, list) in [(postgres_dir, &pg), (sqlite_dir, &lite)] {
        if list.is_empty() {
            return Err(Error::Config(format!(
                "{}: no migrations here (no `<version>_<name>/up.sql` folder); give the folder that holds the migration folders",
                dir.display()
            )));
        }
    }
    let mut unpaired = Vec::new();
    for m in &pg {
        if !lite.iter().any(|l| l.name == m.name) {
            unpaired.push(Unpaired {
                name: m.name.clone(),
                postgres: Some(m.folder.clone()),
                sqlite: None,
            });
        }
    }
    for m in &lite {
        if !pg.iter().any(|p| p.name == m.name) {
            unpaired.push(Unpaired {
                name: m.name.clone(),
                postgres: None,
                sqlite: Some(m.folder.clone()),
            });
        }
    }
    let steps = crate::proof::pair_steps(&pg, &lite);
    let (pg_guard, mut pg_db) = ScratchPostgres::new(postgres_url)?;
    let (_lite_guard, mut lite_db) = ScratchSqlite::new()?;
    let replayed = crate::proof::replay_with_rows(&mut pg_db, &mut lite_db, &steps);
    // Defaults as each backend stores and produces them, read while the
    // scratch databases live.
    // Both sides decode by the PostgreSQL side's neutral types.
    let raw = replayed.as_ref().ok().map(|(pg_i, lite_i, _)| {
        (
            crate::defaults::read(&mut pg_db, &pg_i.schema, &pg_i.schema),
            crate::defaults::read(&mut lite_db, &pg_i.schema, &lite_i.schema),
        )
    });
    drop(pg_db);
    drop(pg_guard);
    let (pg_i, lite_i, data) = replayed?;
    let (pg_raw, lite_raw) = match raw {
        Some((Ok(p), Ok(l))) => (p, l),
        Some((Err(message), _)) | Some((_, Err(message))) => {
            return Err(Error::Database {
                backend: Backend::Postgres,
                target: redact(postgres_url),
                action: "read the column defaults".into(),
                message,
            })
        }
        None => (Vec::new(), Vec::new()),
    };
    let l = normalize(&pg_i.schema, None);
    let r = normalize(&lite_i.schema, None);
    let report = Report {
        left: format!("postgres ({})", postgres_dir.display()),
        right: format!("sqlite ({})", sqlite_dir.display()),
        // SQLite has no extensions: an extension on the PostgreSQL side is
        // not a divergence of the pair (exempt by design).
        differences: compare_with(&l, &r, &CompareOptions::without_names())
            .into_iter()
            .filter(|d| d.kind != crate::compare::ObjectKind::Extension)
            .collect(),
    };
    let mut entries = classify(&l, &r, &report.differences);
    judge_defaults(&l, &r, &pg_raw, &lite_raw, &mut entries);
    // Introspection leaves out a default with no neutral spelling; here it
    // was compared by its text and value, so the note says so.
    let compared = |mut n: Note| {
        if n.message.starts_with("default `")
            && n.message.ends_with("has no neutral spelling; left out")
        {
            n.message = n.message.replace(
                "; left out",
                "; compared by its text and the value it produces (see the default entries)",
            );
        }
        n
    };
    let (pg_i, lite_i) = (
        Introspection {
            notes: pg_i.notes.into_iter().map(compared).collect(),
            ..pg_i
        },
        Introspection {
            notes: lite_i.notes.into_iter().map(compared).collect(),
            ..lite_i
        },
    );
    Ok(ParityReport {
        summary: Summary::of(&entries, 0),
        entries,
        stale: Vec::new(),
        stale_data: Vec::new(),
        unpaired,
        report,
        postgres_notes: pg_i.notes,
        sqlite_notes: lite_i.notes,
        postgres_objects: pg_i.objects,
        sqlite_objects: lite_i.objects,
        data,
    })
}

/// Replaces the default entries of columns whose default the model could
/// not hold (no neutral spelling, or a volatile default read as `now` or
/// `uuid`) by the verdict on the texts and the values rows got in scratch
/// copies of the columns
/// ([`crate::defaults::judge`]).
fn judge_defaults(
    l: &Schema,
    r: &Schema,
    pg_raw: &[crate::defaults::RawDefault],
    lite_raw: &[crate::defaults::RawDefault],
    entries: &mut Vec<Entry>,
) {
    let find = |raw: &'_ [crate::defaults::RawDefault], t: &str, c: &str| {
        raw.iter()
            .find(|d| d.table.eq_ignore_ascii_case(t) && d.column.eq_ignore_ascii_case(c))
            .cloned()
    };
    for lt in &l.tables {
        let Some(rt) = r.table(&lt.name) else {
            continue;
        };
        for lc in &lt.columns {
            let Some(rc) = rt.column(&lc.name) else {
                continue;
            };
            if lc.auto_increment || rc.auto_increment {
                continue;
            }
            let (p, q) = (
                find(pg_raw, &lt.name, &lc.name),
                find(lite_raw, &lt.name, &lc.name),
            );
            let Some(verdict) =
                crate::defaults::judge(l, r, &lt.name, &lc.name, p.as_ref(), q.as_ref())
            else {
                continue;
            };
            let object = format!("column {}", lc.name);
            let at = entries
                .iter()
                .position(|e| e.table == lt.name && e.object == object && e.attribute == "default");
            match (at, verdict) {
                (Some(i), Some(e)) => entries[i] = e,
                (Some(i), None) => {
                    entries.remove(i);
                }
                (None, Some(e)) => entries.push(e),
                (None, None) => {}
            }
        }
    }
    entries.sort_by(|a, b| a.table.cmp(&b.table));
}

// ----- check ---------------------------------------------------------------------

/// Part (b) of `check`: whether the migration history is complete and in
/// sync with the schema file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[non_exhaustive]
pub enum HistoryStatus {
    /// History checked and in sync.
    InSync,
    /// History checked: these problems.
    Problems {
        /// One line each.
        problems: Vec<String>,
    },
    /// Not checked in this build.
    NotChecked {
        /// Why.
        reason: String,
    },
}

/// Part (b) of `check`, from the history module: the folder loads (every
/// migration paired, snapshot present), [`crate::history::History::verify`]
/// passes (the integrity file matches every file), and
/// [`crate::history::pending`] finds nothing to write.
pub fn history_status(schema: &Schema, migrations_dir: &Path) -> HistoryStatus {
    let history = match crate::history::load(migrations_dir) {
        Ok(h) => h,
        Err(e) => {
            return HistoryStatus::Problems {
                problems: vec![e.to_string()],
            }
        }
    };
    let mut problems = Vec::new();
    if let Err(e) = history.verify() {
        problems.push(e.to_string());
    }
    match crate::history::pending(&history, schema) {
        Ok(p) if p.is_empty() => {}
        Ok(p) => problems.push(format!(
            "the schema file differs from the migration history; pending operations:\n{}\nwrite the migration with `cloacina-codegen migration new`",
            crate::history::describe(&p.changes.operations)
                .iter()
                .map(|s| format!("  - {s}"))
                .collect::<Vec<_>>()
                .join("\n")
        )),
        Err(e) => problems.push(e.to_string()),
    }
    if problems.is_empty() {
        HistoryStatus::InSync
    } else {
        HistoryStatus::Problems { problems }
    }
}

/// One difference, with where it comes from.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// The difference.
    #[serde(flatten)]
    pub difference: Difference,
    /// `file:line:column` of the table or column in the schema file.
    pub schema_at: Option<String>,
    /// The last migration whose `up.sql` mentions the table.
    pub migration: Option<String>,
    /// What the difference means, as `check-parity` classifies it.
    pub class: DiffKind,
    /// Whether it fails, as `check-parity` says it.
    pub severity: Severity,
}

/// One comparison of `check`.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Section {
    /// What the left side is.
    pub left: String,
    /// What the right side is.
    pub right: String,
    /// What differs.
    pub findings: Vec<Finding>,
}

/// What [`check`] found.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct CheckReport {
    /// The schema file.
    pub schema: String,
    /// Part (b).
    pub history: HistoryStatus,
    /// Schema file vs PostgreSQL, schema file vs SQLite, PostgreSQL vs SQLite.
    pub sections: Vec<Section>,
    /// Notes from introspection, per backend.
    pub notes: Vec<(String, Note)>,
    /// What the rows went through, migration by migration.
    pub data: DataReport,
    /// Counts over every section's findings, as `check-parity` counts.
    pub summary: Summary,
}

impl CheckReport {
    /// True when everything holds (history problems count; a history that
    /// could not be checked does not).
    pub fn is_clean(&self) -> bool {
        self.sections.iter().all(|s| s.findings.is_empty())
            && !matches!(self.history, HistoryStatus::Problems { .. })
            && self.data.is_clean()
    }

    /// The readable report.
    pub fn render(&self) -> String {
        let mut out = format!("schema: {}\n", self.schema);
        match &self.history {
            HistoryStatus::InSync => out.push_str("history: in sync\n"),
            HistoryStatus::Problems { problems } => {
                out.push_str("history: NOT in sync\n");
                for p in problems {
                    out.push_str(&format!("  {p}\n"));
                }
            }
            HistoryStatus::NotChecked { reason } => {
                out.push_str(&format!("history: not checked ({reason})\n"))
            }
        }
        out.push_str(&summary_line(&self.summary));
        for s in &self.sections {
            out.push_str(&format!("\nleft:  {}\nright: {}\n", s.left, s.right));
            if s.findings.is_empty() {
                out.push_str("equal\n");
                continue;
            }
            out.push_str(&render_findings(&s.findings));
        }
        for (b, n) in &self.notes {
            out.push_str(&format!("note ({b}): {}: {}\n", n.object, n.message));
        }
        out.push_str(&self.data.render());
        out
    }
}

/// The findings of one section under their headings: `table <name>` for
/// a table's objects, `PostgreSQL extensions` for the declared extensions
/// (schema-level objects, whose difference has no table); a heading is
/// written again only when it changes.
fn render_findings(findings: &[Finding]) -> String {
    let mut out = String::new();
    let mut heading: Option<String> = None;
    for f in findings {
        let d = &f.difference;
        let this = match d.kind {
            crate::compare::ObjectKind::Extension => "PostgreSQL extensions".to_string(),
            _ if d.table.is_empty() => "schema".to_string(),
            _ => format!("table {}", d.table),
        };
        if heading.as_deref() != Some(this.as_str()) {
            out.push_str(&this);
            out.push('\n');
            heading = Some(this);
        }
        let obj = d
            .object
            .as_deref()
            .map(|o| format!(" {o}"))
            .unwrap_or_default();
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".into());
        out.push_str(&format!(
            "  [{} {}] {:?}{obj}: {}: left {} | right {}\n",
            f.class.label(),
            severity_label(f.severity),
            d.kind,
            d.attribute,
            show(&d.left),
            show(&d.right)
        ));
        if let Some(at) = &f.schema_at {
            out.push_str(&format!("    schema: {at}\n"));
        }
        if let Some(m) = &f.migration {
            out.push_str(&format!("    migration: {m}\n"));
        }
    }
    out
}

/// `summary: … failing; … structural, … value semantics, … representation
/// only`, as `check-parity` opens its report.
fn summary_line(s: &Summary) -> String {
    let count = |k: DiffKind| s.by_kind.get(&k).copied().unwrap_or(0);
    format!(
        "summary: {} failing; {} structural, {} value semantics, {} representation only\n",
        s.failing,
        count(DiffKind::Structural),
        count(DiffKind::ValueSemantics),
        count(DiffKind::RepresentationOnly)
    )
}

fn severity_label(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// Whether a difference is an object that only the database side has and
/// that a `raw_sql!` block of the schema file creates on `backend` (an index
/// or table made by hand-written SQL): declared, so not a divergence.
pub fn declared_by_raw_sql(schema: &Schema, backend: Backend, d: &Difference) -> bool {
    if d.attribute != "exists" || d.left.is_some() {
        return false;
    }
    let name = match (&d.kind, &d.object) {
        (crate::compare::ObjectKind::Table, None) => d.table.to_ascii_lowercase(),
        (_, Some(o)) => o.to_ascii_lowercase(),
        _ => return false,
    };
    schema.raw_blocks.iter().any(|b| {
        b.part(backend).is_some_and(|p| {
            crate::normalize::tokenize(&p.up)
                .iter()
                .any(|t| matches!(t, crate::normalize::Tok::Ident(i) if *i == name))
        })
    })
}

fn schema_location(path: &str, source: &str, schema: &Schema, d: &Difference) -> Option<String> {
    if d.kind == crate::compare::ObjectKind::Extension {
        // The `#![postgres_extensions(...)]` attribute, when the file has one.
        let at = source.find("postgres_extensions")?;
        let (line, col) = line_col(source, at);
        return Some(format!("{path}:{line}:{col}"));
    }
    let t = schema
        .tables
        .iter()
        .find(|t| t.sql_name().eq_ignore_ascii_case(&d.table))?;
    let span = match (&d.kind, &d.object) {
        (crate::compare::ObjectKind::Column, Some(c)) => t
            .columns
            .iter()
            .find(|col| col.sql_name().eq_ignore_ascii_case(c))
            .map_or(t.span, |col| col.span),
        _ => t.span,
    };
    let (line, col) = line_col(source, span.start);
    Some(format!("{path}:{line}:{col}"))
}

fn migration_location(migrations: &[Migration], table: &str) -> Option<String> {
    let needle = table.to_ascii_lowercase();
    if needle.is_empty() {
        return None;
    }
    migrations
        .iter()
        .rev()
        .find(|m| {
            std::fs::read_to_string(&m.up).is_ok_and(|s| {
                let s = s.to_ascii_lowercase();
                s.match_indices(&needle).any(|(i, _)| {
                    let before = s[..i].chars().next_back();
                    let after = s[i + needle.len()..].chars().next();
                    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                    !word(before) && !word(after)
                })
            })
        })
        .map(|m| m.up.display().to_string())
}

/// Parts (a), (b) and (c) of the CI check. `migrations_dir` holds
/// `postgres/` and `sqlite/`.
///
/// # Errors
///
/// [`Error::Schema`] when the schema file has errors (part a); the errors of
/// [`replay_and_introspect`] otherwise.
pub fn check(schema_path: &Path, migrations_dir: &Path, postgres_url: &str) -> Result<CheckReport> {
    let source = crate::parse::read_source(schema_path)?;
    let path = schema_path.display().to_string();
    let schema = crate::parse_str(&path, &source)?;
    let history = history_status(&schema, migrations_dir);
    let pg_migrations = list_migrations(&migrations_dir.join("postgres"))?;
    let lite_migrations = list_migrations(&migrations_dir.join("sqlite"))?;
    // Migrations not marked hand-written in the integrity file are generated.
    let hand = crate::history::load(migrations_dir)
        .map(|h| h.integrity.hand_written)
        .ok();
    let mut steps = crate::proof::pair_steps(&pg_migrations, &lite_migrations);
    for s in &mut steps {
        let folder = s.postgres.as_ref().or(s.sqlite.as_ref()).map(|m| &m.folder);
        s.hand_written = match (&hand, folder) {
            (Some(hand), Some(f)) => hand.contains(f),
            _ => true,
        };
    }
    // PostgreSQL-only defaults as the server prints them (`'1 hour'` is
    // `01:00:00`): both sides print the value each column gets, so the
    // same value spelled two ways is no difference. The file's are printed before
    // the replay: a literal PostgreSQL refuses (`[2,1]` for a range) is a
    // located error naming the column, not a failing migration.
    // An extension declared in the current schema (`schema = "public"`)
    // reads back as unset, so it is compared as unset (the scratch
    // databases are on the same server, as the same role).
    use crate::pg_defaults::{
        current_schema_unset, has_postgres_literals, in_postgres_spelling, names_extension_schemas,
        Origin,
    };
    let mut printer = None;
    let printed = if has_postgres_literals(&schema) || names_extension_schemas(&schema) {
        let db = printer.insert(Database::connect(postgres_url)?);
        let printed = in_postgres_spelling(db, &schema, Origin::File(&path, &source))?;
        current_schema_unset(db, printed)?
    } else {
        schema.clone()
    };
    let (pg, lite, data) = replay_pair_expecting(&steps, postgres_url, &schema)?;
    let pg_schema = if has_postgres_literals(&pg.schema) {
        let mut db = match printer {
            Some(db) => db,
            None => Database::connect(postgres_url)?,
        };
        in_postgres_spelling(&mut db, &pg.schema, Origin::Database)?
    } else {
        pg.schema.clone()
    };
    let want_pg = normalize(&printed, Some(Backend::Postgres));
    let want_lite = normalize(&schema, Some(Backend::Sqlite));
    let got_pg = normalize(&pg_schema, None);
    let got_lite = normalize(&lite.schema, None);
    // Column order is not part of the contract (see the crate docs): an
    // added column goes last, a SQLite rebuild writes the file's order.
    let opts = CompareOptions {
        column_order: false,
        ..CompareOptions::default()
    };
    // Each finding classified as check-parity classifies it: against the
    // schema file a plain comparison (a default is value semantics, all
    // else structural); across backends with the representation rules.
    let locate = |diffs: Vec<Difference>,
                  migrations: &[Migration],
                  sides: Option<(&Schema, &Schema)>|
     -> Vec<Finding> {
        diffs
            .into_iter()
            .map(|d| {
                let one = std::slice::from_ref(&d);
                let entry = match sides {
                    Some((l, r)) => classify(l, r, one),
                    None => plain_entries(one),
                }
                .into_iter()
                .next();
                Finding {
                    schema_at: schema_location(&path, &source, &schema, &d),
                    migration: match (d.kind, &d.object) {
                        (crate::compare::ObjectKind::Extension, Some(name)) => {
                            migration_location(migrations, name)
                        }
                        _ => migration_location(migrations, &d.table),
                    },
                    class: entry.as_ref().map_or(DiffKind::Structural, |e| e.kind),
                    severity: entry.as_ref().map_or(Severity::Error, |e| e.severity),
                    difference: d,
                }
            })
            .collect()
    };
    // Across backends, only what the schema file does not itself declare
    // different (backend-only tables, per-backend raw checks) counts.
    let declared = compare_with(&want_pg, &want_lite, &opts);
    // SQLite has no extensions: the PostgreSQL side's extensions are
    // checked against the schema file (first section), not across backends.
    let cross: Vec<Difference> = compare_with(&got_pg, &got_lite, &opts)
        .into_iter()
        .filter(|d| d.kind != crate::compare::ObjectKind::Extension)
        .filter(|d| !declared.contains(d))
        .filter(|d| {
            let mirrored = Difference {
                left: d.right.clone(),
                right: d.left.clone(),
                ..d.clone()
            };
            !declared_by_raw_sql(&schema, Backend::Postgres, &mirrored)
                && !declared_by_raw_sql(&schema, Backend::Sqlite, d)
        })
        .collect();
    let both: Vec<Migration> = pg_migrations
        .iter()
        .chain(&lite_migrations)
        .cloned()
        .collect();
    let sections = vec![
        Section {
            left: format!("schema file {path}"),
            right: format!(
                "postgres after {}",
                migrations_dir.join("postgres").display()
            ),
            findings: locate(
                compare_with(&want_pg, &got_pg, &opts)
                    .into_iter()
                    .filter(|d| !declared_by_raw_sql(&schema, Backend::Postgres, d))
                    .collect(),
                &pg_migrations,
                None,
            ),
        },
        Section {
            left: format!("schema file {path}"),
            right: format!("sqlite after {}", migrations_dir.join("sqlite").display()),
            findings: locate(
                compare_with(&want_lite, &got_lite, &opts)
                    .into_iter()
                    .filter(|d| !declared_by_raw_sql(&schema, Backend::Sqlite, d))
                    .collect(),
                &lite_migrations,
                None,
            ),
        },
        Section {
            left: "postgres".into(),
            right: "sqlite".into(),
            findings: locate(cross, &both, Some((&got_pg, &got_lite))),
        },
    ];
    let summary = Summary::of(
        &sections
            .iter()
            .flat_map(|s| &s.findings)
            .map(|f| Entry {
                kind: f.class,
                severity: f.severity,
                table: f.difference.table.clone(),
                object: f.difference.object.clone().unwrap_or_default(),
                attribute: f.difference.attribute.clone(),
                left: serde_json::Value::Null,
                right: serde_json::Value::Null,
                explanation: None,
                accepted: false,
            })
            .collect::<Vec<_>>(),
        0,
    );
    let notes = pg
        .notes
        .into_iter()
        .map(|n| ("postgres".to_string(), n))
        .chain(lite.notes.into_iter().map(|n| ("sqlite".to_string(), n)))
        .collect();
    Ok(CheckReport {
        schema: path,
        history,
        sections,
        notes,
        data,
        summary,
    })
}

// ----- live drift -----------------------------------------------------------------

/// What [`drift`] found: a live database against the schema file and
/// against the history it says it applied.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct DriftReport {
    /// The database (password removed).
    pub database: String,
    /// Its backend (`postgres` or `sqlite`).
    pub backend: String,
    /// The migration folders it records as applied (`__diesel_schema_migrations`).
    pub applied: Vec<String>,
    /// Versions it records that no folder of the history has.
    pub unknown_applied: Vec<String>,
    /// Folders of the history it has not applied.
    pub pending: Vec<String>,
    /// The schema file (left) against the database (right).
    pub schema: Vec<Entry>,
    /// The applied history replayed on a scratch database (left) against
    /// the database (right): what was changed by hand.
    pub history: Vec<Entry>,
    /// Counts over both lists.
    pub summary: Summary,
    /// Entries of the `--accept` baseline that no longer occur.
    pub stale: Vec<Accepted>,
    /// What introspection could not read exactly.
    pub notes: Vec<Note>,
}

impl DriftReport {
    /// Marks what `baseline` accepts (in both lists), records its stale
    /// entries and recounts. `data` entries of a baseline do not apply
    /// here (no rows are replayed).
    pub fn accept(&mut self, baseline: &Baseline) {
        let in_schema = baseline.apply(&mut self.schema);
        let in_history = baseline.apply(&mut self.history);
        // Stale: matched in neither list.
        self.stale = in_schema
            .into_iter()
            .filter(|a| in_history.contains(a))
            .collect();
        let both: Vec<Entry> = self.schema.iter().chain(&self.history).cloned().collect();
        self.summary = Summary::of(&both, self.stale.len());
    }

    /// True when nothing fails and the history is fully applied.
    pub fn is_clean(&self) -> bool {
        self.summary.failing == 0 && self.unknown_applied.is_empty() && self.pending.is_empty()
    }

    /// The readable report.
    pub fn render(&self) -> String {
        let mut out = format!(
            "database: {} ({})\napplied: {} migration(s)\n",
            self.database,
            self.backend,
            self.applied.len()
        );
        for p in &self.pending {
            out.push_str(&format!("pending (in the history, not applied): {p}\n"));
        }
        for u in &self.unknown_applied {
            out.push_str(&format!("applied but not in the history: version {u}\n"));
        }
        for (title, entries) in [
            ("schema file (left) vs database (right)", &self.schema),
            (
                "applied history replayed (left) vs database (right)",
                &self.history,
            ),
        ] {
            out.push_str(&format!("\n{title}:\n"));
            if entries.is_empty() {
                out.push_str("equal\n");
            } else {
                out.push_str(&render_entries(entries, &[]));
            }
        }
        if !self.stale.is_empty() {
            out.push('\n');
            out.push_str(&render_entries(&[], &self.stale));
        }
        render_notes_once(&mut out, &[(&self.backend, &self.notes)]);
        out
    }
}

/// The versions a database records as applied, digits only (as Diesel
/// stores them); empty when it has no `__diesel_schema_migrations`.
fn applied_versions(db: &mut Database) -> std::result::Result<Vec<String>, String> {
    use diesel::RunQueryDsl;
    let (exists, list) = match db.backend() {
        Backend::Postgres => (
            "SELECT CASE WHEN to_regclass('__diesel_schema_migrations') IS NULL THEN '0' ELSE '1' END AS j",
            "SELECT coalesce(json_agg(version ORDER BY version), '[]'::json)::text AS j FROM __diesel_schema_migrations",
        ),
        Backend::Sqlite => (
            "SELECT CAST(count(*) AS TEXT) AS j FROM sqlite_schema WHERE type = 'table' AND name = '__diesel_schema_migrations'",
            "SELECT json_group_array(version) AS j FROM (SELECT version FROM __diesel_schema_migrations ORDER BY version)",
        ),
    };
    let one = |db: &mut Database, sql: &str| -> std::result::Result<Option<String>, String> {
        let row: crate::introspect::JsonRow = match db {
            Database::Postgres { conn, .. } => diesel::sql_query(sql).get_result(conn.as_mut()),
            Database::Sqlite { conn, .. } => diesel::sql_query(sql).get_result(conn.as_mut()),
        }
        .map_err(|e| e.to_string())?;
        Ok(row.j)
    };
    if one(db, exists)?.as_deref() != Some("1") {
        return Ok(Vec::new());
    }
    let text = one(db, list)?.unwrap_or_else(|| "[]".into());
    serde_json::from_str::<Vec<String>>(&text).map_err(|e| e.to_string())
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Entries of a comparison that knows no representation conventions: a
/// default is value semantics, everything else structural.
fn plain_entries(diffs: &[Difference]) -> Vec<Entry> {
    let empty = Schema::default();
    classify(&empty, &empty, diffs)
}

/// `check --database`: compares a live database (either backend) with the
/// schema file and with the history it records as applied, replayed on a
/// scratch database of the same backend (PostgreSQL: on `postgres_url`, or
/// on the live database's server; the user needs CREATEDB).
///
/// # Errors
///
/// [`Error::Schema`] for a bad schema file; the connection's, the replay's
/// and introspection's errors.
pub fn drift(
    schema_path: &Path,
    migrations_dir: &Path,
    url: &str,
    postgres_url: Option<&str>,
) -> Result<DriftReport> {
    let source = crate::parse::read_source(schema_path)?;
    let path = schema_path.display().to_string();
    let schema = crate::parse_str(&path, &source)?;
    let mut db = Database::connect(url)?;
    db.expect_custom_types(&schema);
    let backend = db.backend();
    let live = db.introspect()?;
    let versions = applied_versions(&mut db).map_err(|message| Error::Database {
        backend,
        target: redact(url),
        action: "read __diesel_schema_migrations".into(),
        message,
    })?;
    let folder = match backend {
        Backend::Postgres => "postgres",
        Backend::Sqlite => "sqlite",
    };
    let migrations = list_migrations(&migrations_dir.join(folder))?;
    let is_applied = |m: &Migration| versions.iter().any(|v| *v == digits(&m.version));
    let applied: Vec<Migration> = migrations
        .iter()
        .filter(|m| is_applied(m))
        .cloned()
        .collect();
    let pending = migrations
        .iter()
        .filter(|m| !is_applied(m))
        .map(|m| m.folder.clone())
        .collect();
    let unknown_applied = versions
        .iter()
        .filter(|v| !migrations.iter().any(|m| digits(&m.version) == **v))
        .cloned()
        .collect();
    let server = match backend {
        Backend::Postgres => Some(postgres_url.unwrap_or(url)),
        Backend::Sqlite => None,
    };
    let replayed = replay_and_introspect(backend, &applied, server)?;
    // PostgreSQL-only defaults as this database prints the value each
    // column gets, on every side.
    let (want, got, from_history) = match backend {
        Backend::Postgres => {
            use crate::pg_defaults::{current_schema_unset, in_postgres_spelling, Origin};
            let file = in_postgres_spelling(&mut db, &schema, Origin::File(&path, &source))?;
            (
                current_schema_unset(&mut db, file)?,
                in_postgres_spelling(&mut db, &live.schema, Origin::Database)?,
                in_postgres_spelling(&mut db, &replayed.schema, Origin::Database)?,
            )
        }
        Backend::Sqlite => (schema.clone(), live.schema.clone(), replayed.schema.clone()),
    };
    drop(db);

    let got = normalize(&got, None);
    let want = normalize(&want, Some(backend));
    let from_history = normalize(&from_history, None);
    let opts = CompareOptions {
        column_order: false,
        ..CompareOptions::default()
    };
    let schema_diffs: Vec<Difference> = compare_with(&want, &got, &opts)
        .into_iter()
        .filter(|d| !declared_by_raw_sql(&schema, backend, d))
        .collect();
    let history_diffs = compare_with(&from_history, &got, &opts);
    let schema_entries = plain_entries(&schema_diffs);
    let history_entries = plain_entries(&history_diffs);
    let all: Vec<Entry> = schema_entries
        .iter()
        .chain(&history_entries)
        .cloned()
        .collect();
    Ok(DriftReport {
        database: redact(url),
        backend: backend.to_string(),
        applied: applied.iter().map(|m| m.folder.clone()).collect(),
        unknown_applied,
        pending,
        schema: schema_entries,
        history: history_entries,
        summary: Summary::of(&all, 0),
        stale: Vec::new(),
        notes: live.notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain report puts a declared extension's finding (no table) under
    /// its own `PostgreSQL extensions` heading, never under the table before
    /// it nor under an empty `table ` line, and heads the next table again.
    #[test]
    fn extension_findings_have_their_own_heading() {
        use crate::compare::{Difference, ObjectKind};
        let finding = |table: &str,
                       kind,
                       object: &str,
                       attribute: &str,
                       left: Option<&str>,
                       right: Option<&str>,
                       at: &str| Finding {
            difference: Difference {
                table: table.into(),
                kind,
                object: Some(object.into()),
                attribute: attribute.into(),
                left: left.map(Into::into),
                right: right.map(Into::into),
            },
            schema_at: Some(at.into()),
            migration: None,
            class: DiffKind::Structural,
            severity: Severity::Error,
        };
        let findings = [
            finding(
                "users",
                ObjectKind::Column,
                "name",
                "nullable",
                Some("false"),
                Some("true"),
                "schema/app.rs:3:30",
            ),
            finding(
                "",
                ObjectKind::Extension,
                "pg_trgm",
                "exists",
                Some("yes"),
                None,
                "schema/app.rs:1:4",
            ),
            finding(
                "",
                ObjectKind::Extension,
                "citext",
                "exists",
                None,
                Some("yes"),
                "schema/app.rs:1:4",
            ),
            finding(
                "users",
                ObjectKind::Column,
                "email",
                "exists",
                Some("yes"),
                None,
                "schema/app.rs:4:30",
            ),
        ];
        assert_eq!(
            render_findings(&findings),
            "table users
  [structural error] Column name: nullable: left false | right true
    schema: schema/app.rs:3:30
PostgreSQL extensions
  [structural error] Extension pg_trgm: exists: left yes | right (absent)
    schema: schema/app.rs:1:4
  [structural error] Extension citext: exists: left (absent) | right yes
    schema: schema/app.rs:1:4
table users
  [structural error] Column email: exists: left yes | right (absent)
    schema: schema/app.rs:4:30
"
        );
        // First in a section, too: the heading comes before it.
        assert!(render_findings(&findings[1..2])
            .starts_with("PostgreSQL extensions\n  [structural error] Extension pg_trgm"));
    }

    #[test]
    fn database_in_url_is_replaced() {
        assert_eq!(
            with_database("postgres://u@h:1/db", "x"),
            "postgres://u@h:1/x"
        );
        assert_eq!(
            with_database("postgres://u@h:1/db?sslmode=disable", "x"),
            "postgres://u@h:1/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h:1", "x"), "postgres://u@h:1/x");
    }

    #[test]
    fn statements_are_split_with_their_lines() {
        let sql = "-- header\nCREATE TABLE a (s TEXT DEFAULT ';');\n\n/* ; */ INSERT INTO a VALUES ('x\n;y');\nCREATE TRIGGER t AFTER INSERT ON a BEGIN\n  SELECT CASE WHEN 1 THEN 2 END;\n  SELECT 1;\nEND;\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT 2";
        let got: Vec<usize> = split_statements(sql).iter().map(|(l, _)| *l).collect();
        assert_eq!(got, [2, 4, 6, 10, 11], "{:#?}", split_statements(sql));
        assert!(split_statements(sql)[2].1.ends_with("END"));
        assert!(split_statements("").is_empty());
        assert!(split_statements("  ;; -- only a comment").is_empty());
        // Dollar quotes come back as written (the opening tag's `$` was
        // doubled, so re-running a statement to find the failing one hit
        // a syntax error in the DO block before it).
        let dollar = "DO $cloacina$ BEGIN PERFORM 1; END $cloacina$;\nSELECT $$a;b$$;";
        let got: Vec<String> = split_statements(dollar)
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        assert_eq!(
            got,
            [
                "DO $cloacina$ BEGIN PERFORM 1; END $cloacina$",
                "SELECT $$a;b$$"
            ]
        );
    }

    #[test]
    fn migrations_are_listed_in_folder_order_with_metadata() {
        let dir = std::env::temp_dir().join(format!("cloacina-list-{}", unique_suffix()));
        for (folder, meta) in [
            ("002_b", Some("run_in_transaction = false\n")),
            ("001_a", None),
            ("notes", None),
        ] {
            let d = dir.join(folder);
            std::fs::create_dir_all(&d).expect("mkdir");
            if folder != "notes" {
                std::fs::write(d.join("up.sql"), "SELECT 1;").expect("write");
            }
            if let Some(m) = meta {
                std::fs::write(d.join("metadata.toml"), m).expect("write");
            }
        }
        let list = list_migrations(&dir).expect("list");
        let _ = std::fs::remove_dir_all(&dir);
        let got: Vec<(&str, &str, bool)> = list
            .iter()
            .map(|m| (m.folder.as_str(), m.name.as_str(), m.run_in_transaction))
            .collect();
        assert_eq!(got, [("001_a", "a", true), ("002_b", "b", false)]);
        assert!(matches!(
            list_migrations(Path::new("/no/such/dir")),
            Err(Error::Read { .. })
        ));
    }
}
