//! The migrations folder: history state on disk.
//!
//! ```text
//! migrations/
//!   postgres/<version>_<name>/{up.sql,down.sql}
//!   sqlite/<version>_<name>/{up.sql,down.sql}     (the same folder names)
//!   schema.snapshot.rs                             the schema after the newest generated migration
//!   integrity.txt                                  checksums and hand-written marks
//! ```
//!
//! `<version>` is a 14-digit UTC timestamp `YYYYMMDDHHMMSS`: fixed width, so
//! versions sort correctly as strings (Diesel sorts them so), and strictly
//! increasing (a clock at or behind the newest version gives newest + 1
//! second). The clock is a [`Clock`], so tests inject one.
//!
//! The snapshot is printed with [`crate::render::neutral::render`] under a
//! header naming the version it belongs to, so it is the schema language
//! itself and diffs read like schema edits. It holds no rename hints and no
//! guard attributes: it is state, not intent.
//!
//! `integrity.txt` lists, one per line, the SHA-256 of every migration file
//! and of the snapshot, computed after replacing CRLF with LF (so a checkout
//! with Windows line endings verifies), followed by `hand <folder>` lines
//! for hand-written migrations:
//!
//! ```text
//! # cloacina-codegen migrations integrity: sha256 of each file with CRLF read as LF.
//! # After an intended hand edit run `cloacina-codegen migration rehash`.
//! 3f0c…e1  postgres/20260101120000_initial/down.sql
//! …
//! hand 20260102080000_backfill_names
//! ```
//!
//! It is plain text, sorted, one fact per line, so a merge conflict in it is
//! easy to read, and `rehash` rewrites it from the files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::diff::{self, Changes, DiffError, Operation};
use crate::guard::{self, Allowance, Refused};
use crate::model::{Backend, Schema};
use crate::plan;
use crate::render;

/// The snapshot's file name.
pub const SNAPSHOT_FILE: &str = "schema.snapshot.rs";
/// The integrity file's name.
pub const INTEGRITY_FILE: &str = "integrity.txt";

/// Where the current time comes from (tests inject a fixed one).
pub trait Clock {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock stopped at one instant.
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub SystemTime);

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

/// What can go wrong with the migrations folder.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// A file or folder could not be read or written.
    #[error("{}: {source}; check that the migrations folder exists and is readable and writable", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// A migration folder exists for one backend only.
    #[error("migration {folder} exists under {present}/ but not under {missing}/; every migration needs both (restore the missing folder, or delete the half and run `cloacina-codegen migration rehash`)")]
    HalfPaired {
        /// The folder name.
        folder: String,
        /// The backend that has it.
        present: String,
        /// The backend that lacks it.
        missing: String,
    },
    /// A folder name that is not `<14 digits>_<name>`.
    #[error("migration folder {} is not named `<YYYYMMDDHHMMSS>_<name>`; rename it (Diesel orders migrations by that prefix)", path.display())]
    BadFolderName {
        /// The folder.
        path: PathBuf,
    },
    /// The history has migrations but no snapshot.
    #[error("{} has migrations but no {SNAPSHOT_FILE}; restore it from version control (it is the schema after the newest migration), or, if the folder was written by hand or another tool and its newest migration matches the schema file, run `cloacina-codegen migration adopt`", dir.display())]
    MissingSnapshot {
        /// The migrations folder.
        dir: PathBuf,
    },
    /// The snapshot does not parse.
    #[error("the history snapshot is invalid: {0}; restore it from version control")]
    Snapshot(#[source] crate::error::SchemaError),
    /// The schema cannot be diffed against the snapshot.
    #[error(transparent)]
    Diff(#[from] DiffError),
    /// A destructive step is not allowed by the schema.
    #[error(transparent)]
    Refused(#[from] Refused),
    /// The schema differs from the history and writing is not allowed.
    #[error("the schema differs from the migration history ({reason}); pending operations:\n{}\nwrite the migration with:\n    {command}", list(.operations))]
    Pending {
        /// The operations in words.
        operations: Vec<String>,
        /// Why nothing was written (CI, strict mode).
        reason: String,
        /// The one command that writes the migration.
        command: String,
    },
    /// A migration file changed after it was written, or is missing.
    #[error("migrations integrity check failed:\n{}\nif an edit was intended, run `cloacina-codegen migration rehash`", list(.problems))]
    Integrity {
        /// One line per problem.
        problems: Vec<String>,
    },
    /// A migration name that is not a plain snake_case word.
    #[error(
        "migration name `{name}` must be lowercase letters, digits and `_` (at most 60 bytes)"
    )]
    BadName {
        /// The name given.
        name: String,
    },
}

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("  - {s}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> HistoryError + '_ {
    move |source| HistoryError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One migration (a folder name present under both backends).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationEntry {
    /// `<version>_<name>`.
    pub folder: String,
    /// The 14-digit version.
    pub version: String,
    /// Whether it is marked hand-written.
    pub hand_written: bool,
}

/// The migrations folder as loaded.
#[derive(Clone, Debug)]
pub struct History {
    /// The folder.
    pub dir: PathBuf,
    /// Migrations in version order.
    pub migrations: Vec<MigrationEntry>,
    /// The snapshot, if there is one.
    pub snapshot: Option<Schema>,
    /// The recorded checksums (relative path → hex) and hand marks.
    pub integrity: Integrity,
}

/// The contents of `integrity.txt`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Integrity {
    /// Relative path (with `/`) → SHA-256 hex.
    pub checksums: BTreeMap<String, String>,
    /// Folders of hand-written migrations.
    pub hand_written: BTreeSet<String>,
}

impl Integrity {
    /// Parses the file's text (unknown lines are ignored).
    pub fn parse(text: &str) -> Integrity {
        let mut out = Integrity::default();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(folder) = line.strip_prefix("hand ") {
                out.hand_written.insert(folder.trim().to_string());
            } else if let Some((hash, path)) = line.split_once("  ") {
                out.checksums
                    .insert(path.trim().to_string(), hash.trim().to_string());
            }
        }
        out
    }

    /// The file's text.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "# cloacina-codegen migrations integrity: sha256 of each file with CRLF read as LF.\n\
             # After an intended hand edit run `cloacina-codegen migration rehash`.\n",
        );
        for (path, hash) in &self.checksums {
            out.push_str(&format!("{hash}  {path}\n"));
        }
        for f in &self.hand_written {
            out.push_str(&format!("hand {f}\n"));
        }
        out
    }
}

/// SHA-256 hex of `bytes` with every CRLF read as LF.
pub fn checksum(bytes: &[u8]) -> String {
    let mut normalized = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        normalized.push(bytes[i]);
        i += 1;
    }
    let digest = Sha256::digest(&normalized);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_version(s: &str) -> bool {
    s.len() == 14 && s.bytes().all(|b| b.is_ascii_digit())
}

fn list_folders(dir: &Path) -> Result<Vec<String>, HistoryError> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        if !entry.path().is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let ok = name.len() > 15
            && name.get(..14).is_some_and(is_version)
            && name.as_bytes().get(14) == Some(&b'_');
        if !ok {
            return Err(HistoryError::BadFolderName { path: entry.path() });
        }
        out.push(name);
    }
    out.sort();
    Ok(out)
}

/// Loads the migrations folder without requiring a snapshot (for
/// [`adopt`]).
///
/// # Errors
///
/// As [`load`], except that a missing snapshot is not an error.
pub fn load_for_adoption(dir: &Path) -> Result<History, HistoryError> {
    match load(dir) {
        Err(HistoryError::MissingSnapshot { .. }) => {
            let mut integrity = Integrity::default();
            if let Ok(t) = std::fs::read_to_string(dir.join(INTEGRITY_FILE)) {
                integrity = Integrity::parse(&t);
            }
            let mut migrations = Vec::new();
            for folder in list_folders(&dir.join("postgres"))? {
                migrations.push(MigrationEntry {
                    version: folder[..14].to_string(),
                    hand_written: integrity.hand_written.contains(&folder),
                    folder,
                });
            }
            Ok(History {
                dir: dir.to_path_buf(),
                migrations,
                snapshot: None,
                integrity,
            })
        }
        other => other,
    }
}

/// Adopts a migrations folder written by hand or by another tool: records
/// `schema` as the state after its newest migration (the snapshot) and
/// checksums every file. Use it once, when the newest migration already
/// creates exactly what the schema file says.
///
/// # Errors
///
/// [`HistoryError::Io`].
pub fn adopt(history: &mut History, schema: &Schema) -> Result<Vec<PathBuf>, HistoryError> {
    let newest = history
        .migrations
        .last()
        .map(|m| m.folder.clone())
        .unwrap_or_else(|| "(none)".into());
    let mut files = Vec::new();
    let text = render::neutral::render(
        &strip_intent(schema),
        &[
            &format!(
                "@generated by cloacina-codegen: the schema after migration {newest} (adopted)."
            ),
            "The next migration is the difference between the schema file and this snapshot.",
            "Do not edit.",
        ],
    );
    write(&history.dir.join(SNAPSHOT_FILE), &text, &mut files)?;
    history.snapshot = Some(strip_intent(schema));
    history.rehash()?;
    files.push(history.dir.join(INTEGRITY_FILE));
    Ok(files)
}

/// Loads the migrations folder (a missing folder is an empty history).
///
/// # Errors
///
/// [`HistoryError`] for unreadable files, a migration present for one
/// backend only, a badly named folder, or a missing or invalid snapshot.
pub fn load(dir: &Path) -> Result<History, HistoryError> {
    let pg = list_folders(&dir.join("postgres"))?;
    let lite = list_folders(&dir.join("sqlite"))?;
    for f in &pg {
        if !lite.contains(f) {
            return Err(HistoryError::HalfPaired {
                folder: f.clone(),
                present: "postgres".into(),
                missing: "sqlite".into(),
            });
        }
    }
    for f in &lite {
        if !pg.contains(f) {
            return Err(HistoryError::HalfPaired {
                folder: f.clone(),
                present: "sqlite".into(),
                missing: "postgres".into(),
            });
        }
    }
    let integrity_path = dir.join(INTEGRITY_FILE);
    let integrity = match std::fs::read_to_string(&integrity_path) {
        Ok(t) => Integrity::parse(&t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Integrity::default(),
        Err(e) => return Err(io(&integrity_path)(e)),
    };
    let snapshot_path = dir.join(SNAPSHOT_FILE);
    let snapshot = match std::fs::read_to_string(&snapshot_path) {
        Ok(text) => Some(
            crate::parse_str(&snapshot_path.display().to_string(), &text)
                .map_err(HistoryError::Snapshot)?,
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(&snapshot_path)(e)),
    };
    let migrations: Vec<MigrationEntry> = pg
        .into_iter()
        .map(|folder| MigrationEntry {
            version: folder[..14].to_string(),
            hand_written: integrity.hand_written.contains(&folder),
            folder,
        })
        .collect();
    if snapshot.is_none() && migrations.iter().any(|m| !m.hand_written) {
        return Err(HistoryError::MissingSnapshot {
            dir: dir.to_path_buf(),
        });
    }
    Ok(History {
        dir: dir.to_path_buf(),
        migrations,
        snapshot,
        integrity,
    })
}

impl History {
    /// The newest version, if any.
    pub fn last_version(&self) -> Option<&str> {
        self.migrations.last().map(|m| m.version.as_str())
    }

    /// The schema the history ends in (empty without a snapshot).
    pub fn current_schema(&self) -> Schema {
        self.snapshot.clone().unwrap_or_default()
    }

    /// Every file the integrity file covers, as relative `/` paths.
    pub fn files(&self) -> Vec<String> {
        let mut out = Vec::new();
        for m in &self.migrations {
            for b in Backend::ALL {
                for f in ["up.sql", "down.sql"] {
                    out.push(format!("{}/{}/{f}", b.name(), m.folder));
                }
            }
        }
        if self.snapshot.is_some() {
            out.push(SNAPSHOT_FILE.to_string());
        }
        out
    }

    /// Compares the recorded checksums with the files.
    ///
    /// # Errors
    ///
    /// [`HistoryError::Integrity`] listing every edited, missing or
    /// unrecorded file; [`HistoryError::Io`] on a read error.
    pub fn verify(&self) -> Result<(), HistoryError> {
        let mut problems = Vec::new();
        let files = self.files();
        for rel in &files {
            let path = self.dir.join(rel);
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    problems.push(format!("{rel} is missing"));
                    continue;
                }
                Err(e) => return Err(io(&path)(e)),
            };
            match self.integrity.checksums.get(rel) {
                None => problems.push(format!("{rel} is not recorded in {INTEGRITY_FILE}")),
                Some(h) if *h != checksum(&bytes) => {
                    problems.push(format!("{rel} was edited after it was written"))
                }
                Some(_) => {}
            }
        }
        for rel in self.integrity.checksums.keys() {
            if !files.contains(rel) {
                problems.push(format!("{rel} is recorded but no longer exists"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(HistoryError::Integrity { problems })
        }
    }

    /// Recomputes every checksum from the files (after an intended edit),
    /// keeping the hand-written marks of migrations that still exist.
    ///
    /// # Errors
    ///
    /// [`HistoryError::Io`] when a file cannot be read or the integrity
    /// file written.
    pub fn rehash(&mut self) -> Result<(), HistoryError> {
        let mut checksums = BTreeMap::new();
        for rel in self.files() {
            let path = self.dir.join(&rel);
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            checksums.insert(rel, checksum(&bytes));
        }
        self.integrity.checksums = checksums;
        let folders: BTreeSet<String> = self.migrations.iter().map(|m| m.folder.clone()).collect();
        self.integrity.hand_written.retain(|f| folders.contains(f));
        let path = self.dir.join(INTEGRITY_FILE);
        crate::config::write_file_if_changed(&path, self.integrity.render().as_bytes()).map_err(
            |e| match e {
                crate::error::Error::Write { path, source } => HistoryError::Io { path, source },
                other => HistoryError::Io {
                    path: path.clone(),
                    source: std::io::Error::other(other.to_string()),
                },
            },
        )?;
        Ok(())
    }
}

// ----- versions ------------------------------------------------------------------

/// Seconds since the epoch → `YYYYMMDDHHMMSS` (UTC).
pub fn format_version(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// `YYYYMMDDHHMMSS` → seconds since the epoch, if well formed.
pub fn parse_version(v: &str) -> Option<u64> {
    if !is_version(v) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| v[r].parse::<i64>().ok();
    let (y, m, d) = (n(0..4)?, n(4..6)?, n(6..8)?);
    let (hh, mm, ss) = (n(8..10)?, n(10..12)?, n(12..14)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    u64::try_from(days * 86_400 + hh * 3600 + mm * 60 + ss).ok()
}

// Howard Hinnant's civil calendar algorithms.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The version for a new migration: the clock's UTC second, or the newest
/// version + 1 second when the clock is not past it.
pub fn next_version(last: Option<&str>, clock: &dyn Clock) -> String {
    let now = clock
        .now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    let candidate = format_version(now);
    match last {
        None => candidate,
        Some(l) => match parse_version(l) {
            Some(lv) if now <= lv => format_version(lv + 1),
            Some(_) => candidate,
            // Fourteen digits that are not a real date: still sort after it.
            None if candidate.as_str() > l => candidate,
            None => l
                .parse::<u64>()
                .map(|n| format!("{:014}", n + 1))
                .unwrap_or(candidate),
        },
    }
}

/// Checks a user-given migration name.
///
/// # Errors
///
/// [`HistoryError::BadName`] unless it is `[a-z0-9_]+`, at most 60 bytes.
pub fn check_name(name: &str) -> Result<(), HistoryError> {
    let ok = !name.is_empty()
        && name.len() <= 60
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(HistoryError::BadName {
            name: name.to_string(),
        })
    }
}

// ----- planning and writing ----------------------------------------------------------

/// A migration ready to be written: its operations and SQL per backend.
#[derive(Clone, Debug)]
pub struct PendingMigration {
    /// The operations (empty when in sync).
    pub changes: Changes,
    /// Whether this is the first migration (the whole schema).
    pub initial: bool,
    /// The SQL per backend, bodies without headers.
    pub sql: Vec<plan::MigrationSql>,
}

impl PendingMigration {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.changes.operations.is_empty()
    }

    /// The name derived from the operations.
    pub fn default_name(&self) -> String {
        if self.initial {
            "initial".into()
        } else {
            diff::migration_name(&self.changes.operations)
        }
    }
}

/// Computes what `schema` needs on top of `history`.
///
/// # Errors
///
/// [`HistoryError::Diff`] when the schema cannot be diffed.
pub fn pending(history: &History, schema: &Schema) -> Result<PendingMigration, HistoryError> {
    let old = history.current_schema();
    let initial = history.snapshot.is_none();
    // Rename hints mean nothing for the first migration.
    let changes = if initial {
        diff::changes(&old, &strip_intent(schema))?
    } else {
        diff::changes(&old, schema)?
    };
    let sql = Backend::ALL
        .iter()
        .map(|&b| {
            if initial {
                plan::MigrationSql {
                    backend: b,
                    up: render::ddl::render_schema(schema, b),
                    down: render::ddl::render_drop_schema(schema, b),
                }
            } else {
                plan::render(&old, &changes.operations, b)
            }
        })
        .collect();
    Ok(PendingMigration {
        changes,
        initial,
        sql,
    })
}

/// What [`write_migration`] wrote.
#[derive(Clone, Debug)]
pub struct Written {
    /// `<version>_<name>`.
    pub folder: String,
    /// Every file written, the snapshot and the integrity file included.
    pub files: Vec<PathBuf>,
}

fn header(folder: &str, backend: Backend, direction: &str, schema_path: &str) -> String {
    format!(
        "-- @generated by cloacina-codegen from {schema_path}: migration {folder} ({backend}, {direction}).\n\
         -- Change the schema file instead of this file; after an intended hand edit run\n\
         -- `cloacina-codegen migration rehash`.\n"
    )
}

fn write(path: &Path, contents: &str, written: &mut Vec<PathBuf>) -> Result<(), HistoryError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    std::fs::write(path, contents).map_err(io(path))?;
    written.push(path.to_path_buf());
    Ok(())
}

/// Checks the guards, then writes the pending migration as a new pair,
/// the new snapshot and the integrity file.
///
/// `allowances` and `source` come from the schema file (`schema_path` names
/// it); `name` overrides the name derived from the operations.
///
/// # Errors
///
/// [`HistoryError::Refused`] for an unallowed destructive step,
/// [`HistoryError::BadName`], [`HistoryError::Io`].
#[allow(clippy::too_many_arguments)]
pub fn write_migration(
    history: &mut History,
    schema: &Schema,
    pending: &PendingMigration,
    allowances: &[Allowance],
    schema_path: &str,
    source: &str,
    name: Option<&str>,
    clock: &dyn Clock,
) -> Result<Written, HistoryError> {
    if !pending.initial {
        guard::check(
            &pending.changes.operations,
            schema,
            allowances,
            schema_path,
            source,
        )?;
    }
    let name = match name {
        Some(n) => {
            check_name(n)?;
            n.to_string()
        }
        None => pending.default_name(),
    };
    let version = next_version(history.last_version(), clock);
    let folder = format!("{version}_{name}");
    let mut files = Vec::new();
    let ops_comment = plan::operations_comment(&pending.changes.operations);
    let down_ops = diff::invert_all(&pending.changes.operations);
    let down_comment = plan::operations_comment(&down_ops);
    for sql in &pending.sql {
        let dir = history.dir.join(sql.backend.name()).join(&folder);
        let sql = &plan::MigrationSql {
            backend: sql.backend,
            up: no_op_if_empty(&sql.up, sql.backend),
            down: no_op_if_empty(&sql.down, sql.backend),
        };
        let up = format!(
            "{}{ops_comment}\n{}",
            header(&folder, sql.backend, "up", schema_path),
            sql.up
        );
        let down = format!(
            "{}{}\n{}",
            header(&folder, sql.backend, "down", schema_path),
            if pending.initial {
                "-- Operations:\n--   drop every table and raw SQL block of the schema\n"
                    .to_string()
            } else {
                down_comment.clone()
            },
            sql.down
        );
        write(&dir.join("up.sql"), &up, &mut files)?;
        write(&dir.join("down.sql"), &down, &mut files)?;
    }
    let snapshot_text = render::neutral::render(
        &strip_intent(schema),
        &[
            &format!("@generated by cloacina-codegen: the schema after migration {folder}."),
            "The next migration is the difference between the schema file and this snapshot.",
            "Do not edit.",
        ],
    );
    write(&history.dir.join(SNAPSHOT_FILE), &snapshot_text, &mut files)?;
    history.migrations.push(MigrationEntry {
        folder: folder.clone(),
        version,
        hand_written: false,
    });
    history.snapshot = Some(strip_intent(schema));
    history.rehash()?;
    files.push(history.dir.join(INTEGRITY_FILE));
    Ok(Written { folder, files })
}

/// Creates an empty hand-written migration pair `<version>_<name>` and
/// marks it in the integrity file. Write the SQL into both `up.sql` files
/// (and `down.sql`), then run [`History::rehash`].
///
/// # Errors
///
/// [`HistoryError::BadName`], [`HistoryError::Io`].
pub fn write_hand_migration(
    history: &mut History,
    name: &str,
    clock: &dyn Clock,
) -> Result<Written, HistoryError> {
    check_name(name)?;
    let version = next_version(history.last_version(), clock);
    let folder = format!("{version}_{name}");
    let mut files = Vec::new();
    for b in Backend::ALL {
        let dir = history.dir.join(b.name()).join(&folder);
        for (file, what) in [("up.sql", "applies"), ("down.sql", "undoes")] {
            let text = format!(
                "-- Hand-written migration {folder} ({b}): write the SQL that {what} it below.\n\
                 -- Marked `hand` in {INTEGRITY_FILE}; later generated migrations keep it.\n\
                 -- After editing, run `cloacina-codegen migration rehash`.\n\
                 -- Operations:\n--   hand-written\n\nSELECT 1; -- a no-op until the SQL is written\n"
            );
            write(&dir.join(file), &text, &mut files)?;
        }
    }
    history.migrations.push(MigrationEntry {
        folder: folder.clone(),
        version,
        hand_written: true,
    });
    history.integrity.hand_written.insert(folder.clone());
    history.rehash()?;
    files.push(history.dir.join(INTEGRITY_FILE));
    Ok(Written { folder, files })
}

/// A statement that does nothing, for a migration with nothing to do on a
/// backend (Diesel refuses an empty query on PostgreSQL).
fn no_op_if_empty(body: &str, backend: Backend) -> String {
    if body.trim().is_empty() {
        format!("-- Nothing to do on {backend} (the objects are on the other backend only).\nSELECT 1;\n")
    } else {
        body.to_string()
    }
}

/// The schema without rename hints (the snapshot is state, not intent).
pub fn strip_intent(schema: &Schema) -> Schema {
    let mut s = schema.clone();
    for t in &mut s.tables {
        t.renamed_from = None;
        for c in &mut t.columns {
            c.renamed_from = None;
        }
    }
    s
}

/// Operations in words, for messages.
pub fn describe(ops: &[Operation]) -> Vec<String> {
    ops.iter().map(ToString::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_round_trip_and_increase() {
        let cases = [
            (0u64, "19700101000000"),
            (951_782_400, "20000229000000"),
            (1_764_205_199, "20251127005959"),
            (4_102_444_800, "21000101000000"),
        ];
        for (secs, text) in cases {
            assert_eq!(format_version(secs), text);
            assert_eq!(parse_version(text), Some(secs));
        }
        let clock = FixedClock(UNIX_EPOCH + Duration::from_secs(1_764_205_199));
        assert_eq!(next_version(None, &clock), "20251127005959");
        assert_eq!(
            next_version(Some("20251127005959"), &clock),
            "20251127010000"
        );
        assert_eq!(
            next_version(Some("20991231235959"), &clock),
            "21000101000000"
        );
        assert_eq!(
            next_version(Some("20200101000000"), &clock),
            "20251127005959"
        );
        assert_eq!(parse_version("2025112700595"), None);
        assert_eq!(parse_version("20251327005959"), None);
    }

    #[test]
    fn checksums_ignore_crlf() {
        assert_eq!(checksum(b"a\r\nb\r\n"), checksum(b"a\nb\n"));
        assert_ne!(checksum(b"a\nb\n"), checksum(b"a\nc\n"));
        assert_eq!(
            checksum(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // A lone CR is content, not a line ending.
        assert_ne!(checksum(b"a\rb"), checksum(b"ab"));
    }

    #[test]
    fn integrity_file_round_trips() {
        let mut i = Integrity::default();
        i.checksums
            .insert("postgres/20250101000000_a/up.sql".into(), "ab".into());
        i.checksums.insert(SNAPSHOT_FILE.into(), "cd".into());
        i.hand_written.insert("20250101000000_a".into());
        assert_eq!(Integrity::parse(&i.render()), i);
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("add_tasks_heartbeat_at").is_ok());
        for bad in ["", "Add", "a-b", &"a".repeat(61)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
