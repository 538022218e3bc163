//! The migrations folder: history state on disk.
//!
//! ```text
//! migrations/
//!   postgres/<version>_<name>/{up.sql,down.sql}
//!   sqlite/<version>_<name>/{up.sql,down.sql}     (the same folder names)
//!   snapshots/<version>_<name>.rs                  the schema after that generated migration
//!   schema.snapshot.rs                             the schema after the newest generated migration
//!   integrity.txt                                  checksums, hand-written marks and the chain
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
//! chain 20260103090000_add_runs_note 5be0c4d4a1f2e3b7 9f1e2d3c4b5a6978
//! ```
//!
//! It is plain text, sorted, one fact per line, so a merge conflict in it is
//! easy to read, and `rehash` rewrites it from the files.
//!
//! # The history is a chain
//!
//! A `chain <folder> <parent> <state>` line records, for each generated
//! migration, the [`state_hash`] of the schema it was planned from and of
//! the schema it produces. [`History::verify`] walks the migrations in
//! version order and refuses two migrations planned from the same parent
//! (two branches merged), a migration planned from a state the history
//! before it does not produce (versions out of order, a migration copied
//! in), and a snapshot that is not the state the chain ends in.
//! [`rebase`] repairs a merge in one step. Migrations without a `chain`
//! line (written before the chain existed, or hand-written) are legacy: the
//! chain starts after them.
//!
//! Writing takes the lock file `.lock` in the folder (see [`lock`]) and is
//! atomic: each migration folder is built in a staging folder and renamed
//! into place, and the snapshot and `integrity.txt` are replaced last, so an
//! interrupted write leaves at most an unrecorded folder that
//! [`History::verify`] names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::diff::{self, Changes, DiffError, Operation};
use crate::guard::{self, Refused};
use crate::model::{Backend, Schema};
use crate::plan;
use crate::render;
use crate::replay::BuiltObjects;

/// The snapshot's file name.
pub const SNAPSHOT_FILE: &str = "schema.snapshot.rs";
/// The integrity file's name.
pub const INTEGRITY_FILE: &str = "integrity.txt";
/// The folder of per-migration state files.
pub const STATES_DIR: &str = "snapshots";
/// The lock file's name.
pub const LOCK_FILE: &str = ".lock";

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
    /// A folder name that is not `<14 digits>_<name>` (or diesel_cli's
    /// `<YYYY-MM-DD-HHMMSS>_<name>`).
    #[error("migration folder {} is not named `<YYYYMMDDHHMMSS>_<name>` (or diesel_cli's `<YYYY-MM-DD-HHMMSS>_<name>`); rename it (Diesel orders migrations by that prefix)", path.display())]
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
    /// Two migrations were planned from the same state: two branches each
    /// added one and were merged.
    #[error("migrations {first} and {second} were both planned from the same schema state (two branches each added a migration and were merged); on a database where one already ran, the other would undo it. Run `cloacina-codegen migration rebase` to keep {first} and re-plan {second} (and the later migrations of its branch) on top of it, then review and commit the result")]
    Forked {
        /// The earlier migration (kept by a rebase).
        first: String,
        /// The later migration (re-planned by a rebase).
        second: String,
    },
    /// The chain of recorded states is broken.
    #[error("the migration history is not one chain:\n{}", list(.problems))]
    Chain {
        /// One line per problem, each saying what to do.
        problems: Vec<String>,
    },
    /// Another process holds the migrations folder's lock.
    #[error("{} is held by process {holder} (waited {waited_secs} s); wait for the other build or command to finish, or delete the file if no such process runs", path.display())]
    Locked {
        /// The lock file.
        path: PathBuf,
        /// What the lock file says about its holder.
        holder: String,
        /// How long this process waited.
        waited_secs: u64,
    },
    /// A migration that a runner applying every migration inside one
    /// transaction cannot run safely.
    #[error("{}: {problem}", path.display())]
    NotRunnable {
        /// The offending file.
        path: PathBuf,
        /// What is wrong and what to do instead.
        problem: String,
    },
    /// `rebase` found nothing to rebase.
    #[error("the migration history in {} has no fork: every migration was planned from the one before it, so there is nothing to rebase", dir.display())]
    NothingToRebase {
        /// The migrations folder.
        dir: PathBuf,
    },
    /// A migration of the SQLite history fails when replayed in memory
    /// (planning needs what the history really built).
    #[error(transparent)]
    Replay(#[from] crate::replay::ReplayError),
    /// A SQLite rebuild cannot carry an object that a hand-written
    /// migration made (a child table of a dropped or renamed table, a view
    /// that names one): the migration is not planned.
    #[error("cannot plan the SQLite migration: {kind} {name} (created by migrations/sqlite/{created_by}/up.sql) {problem}. {fix}")]
    HandMadeObject {
        /// `table`, `view`, `trigger` or `index`.
        kind: String,
        /// Its name.
        name: String,
        /// The migration folder that created it.
        created_by: String,
        /// What stops the rebuild from carrying it.
        problem: String,
        /// What to do.
        fix: String,
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
    /// Folder of a generated migration → the states it was planned from
    /// and produces (absent for legacy and hand-written migrations).
    pub chain: BTreeMap<String, Link>,
}

/// One link of the chain: what a migration was planned from and what it
/// produces, as [`state_hash`]es.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The state of the schema the migration was planned from.
    pub parent: String,
    /// The state after the migration.
    pub state: String,
}

/// A short, stable hash of a schema state: SHA-256 of its neutral
/// rendering without rename hints (so the snapshot's header does not
/// count), first 16 hex digits.
pub fn state_hash(schema: &Schema) -> String {
    let text = render::neutral::render(&strip_intent(schema), &[]);
    checksum(text.as_bytes())[..16].to_string()
}

/// The relative path of a generated migration's state file.
pub fn state_file(folder: &str) -> String {
    format!("{STATES_DIR}/{folder}.rs")
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
            } else if let Some(rest) = line.strip_prefix("chain ") {
                let parts: Vec<&str> = rest.split_whitespace().collect();
                if let [folder, parent, state] = parts[..] {
                    out.chain.insert(
                        folder.to_string(),
                        Link {
                            parent: parent.to_string(),
                            state: state.to_string(),
                        },
                    );
                }
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
        for (f, link) in &self.chain {
            out.push_str(&format!("chain {f} {} {}\n", link.parent, link.state));
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

/// The version of a migration folder, as Diesel records it: the 14 digits
/// of `<YYYYMMDDHHMMSS>_<name>`, or of diesel_cli's default
/// `<YYYY-MM-DD-HHMMSS>_<name>` read without its dashes (Diesel drops them
/// too, so a database migrated by diesel_cli is recognised). `None` for any
/// other name.
pub fn folder_version(folder: &str) -> Option<String> {
    let (prefix, name) = folder.split_once('_')?;
    if name.is_empty() {
        return None;
    }
    let b = prefix.as_bytes();
    let dashed = b.len() == 17 && b[4] == b'-' && b[7] == b'-' && b[10] == b'-';
    let digits: String = if dashed {
        prefix.chars().filter(|c| *c != '-').collect()
    } else {
        prefix.to_string()
    };
    is_version(&digits).then_some(digits)
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
        if folder_version(&name).is_none() {
            return Err(HistoryError::BadFolderName { path: entry.path() });
        }
        out.push(name);
    }
    // By version first: both spellings may sit side by side after an
    // adoption, and `-` sorts before digits.
    out.sort_by_key(|f| (folder_version(f), f.clone()));
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
                    version: folder_version(&folder).unwrap_or_default(),
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
    let path = history.dir.join(SNAPSHOT_FILE);
    replace_file(&path, &text)?;
    files.push(path);
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
            version: folder_version(&folder).unwrap_or_default(),
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
            if self.integrity.chain.contains_key(&m.folder) {
                out.push(state_file(&m.folder));
            }
        }
        if self.snapshot.is_some() {
            out.push(SNAPSHOT_FILE.to_string());
        }
        out
    }

    /// Compares the recorded checksums with the files, then checks that
    /// the history is one chain (see the module docs).
    ///
    /// # Errors
    ///
    /// [`HistoryError::Integrity`] listing every edited, missing or
    /// unrecorded file; [`HistoryError::Forked`] for two migrations planned
    /// from the same state; [`HistoryError::Chain`] for a migration planned
    /// from a state the history before it does not produce, or a snapshot
    /// that is not where the chain ends; [`HistoryError::Io`] on a read
    /// error.
    pub fn verify(&self) -> Result<(), HistoryError> {
        let mut problems = Vec::new();
        let files = self.files();
        let recorded_folders: BTreeSet<&str> = self
            .integrity
            .checksums
            .keys()
            .filter_map(|rel| rel.split('/').nth(1))
            .collect();
        for m in &self.migrations {
            if !recorded_folders.contains(m.folder.as_str()) {
                problems.push(format!(
                    "migration {} is not recorded in {INTEGRITY_FILE}, so nothing vouches for it: if an interrupted build left it, delete postgres/{0}/ and sqlite/{0}/; if it came from a merge, run `cloacina-codegen migration rebase`; if you wrote it by hand, run `cloacina-codegen migration rehash`",
                    m.folder
                ));
            }
        }
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
            let folder_recorded = rel
                .split('/')
                .nth(1)
                .is_none_or(|f| recorded_folders.contains(f));
            match self.integrity.checksums.get(rel) {
                None if !folder_recorded => {}
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
        if !problems.is_empty() {
            return Err(HistoryError::Integrity { problems });
        }
        self.verify_chain()
    }

    /// The chain part of [`History::verify`].
    fn verify_chain(&self) -> Result<(), HistoryError> {
        let chain = &self.integrity.chain;
        // Two migrations planned from the same state: the merge of two branches.
        let mut by_parent: BTreeMap<&str, &str> = BTreeMap::new();
        for m in &self.migrations {
            if let Some(link) = chain.get(&m.folder) {
                if let Some(first) = by_parent.insert(&link.parent, &m.folder) {
                    return Err(HistoryError::Forked {
                        first: first.to_string(),
                        second: m.folder.clone(),
                    });
                }
            }
        }
        let mut problems = Vec::new();
        // The state the history has reached, once it is known.
        let mut reached: Option<(&str, &str)> = None;
        for (i, m) in self.migrations.iter().enumerate() {
            let Some(link) = chain.get(&m.folder) else {
                if !m.hand_written {
                    if let Some((_, after)) = reached {
                        problems.push(format!(
                            "migration {} has no recorded parent but comes after {after}, which has one: it was not written by this tool's current version. Delete it and run `cloacina-codegen migration new`, or mark it hand-written with `cloacina-codegen migration hand`",
                            m.folder
                        ));
                    }
                }
                continue;
            };
            match reached {
                None if i > 0 => {}
                None => {
                    let empty = state_hash(&Schema::default());
                    if link.parent != empty {
                        problems.push(format!(
                            "migration {} is the first migration but was planned from a non-empty schema: the migrations before it are missing; restore them from version control",
                            m.folder
                        ));
                    }
                }
                Some((state, after)) if link.parent != state => {
                    let producer = self
                        .migrations
                        .iter()
                        .find(|o| chain.get(&o.folder).is_some_and(|l| l.state == link.parent));
                    problems.push(match producer {
                        Some(p) if p.version > m.version => format!(
                            "migration {} is out of order: it was planned after {}, which has a later version; run `cloacina-codegen migration rebase` to re-plan it with a new version",
                            m.folder, p.folder
                        ),
                        _ => format!(
                            "migration {} was not planned from the state {after} leaves (it came from another branch or was copied in); run `cloacina-codegen migration rebase` to re-plan it on top of {after}",
                            m.folder
                        ),
                    });
                }
                Some(_) => {}
            }
            reached = Some((&link.state, &m.folder));
        }
        if let (Some((state, after)), Some(snapshot)) = (reached, &self.snapshot) {
            if state_hash(snapshot) != state {
                problems.push(format!(
                    "{SNAPSHOT_FILE} is not the schema after the last migration {after} (a merge kept another branch's snapshot?); run `cloacina-codegen migration rebase` to re-plan from {after}, or restore {STATES_DIR}/{after}.rs as {SNAPSHOT_FILE}"
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(HistoryError::Chain { problems })
        }
    }

    /// Recomputes every checksum from the files (after an intended edit),
    /// keeping the hand-written marks and chain links of migrations that
    /// still exist.
    ///
    /// # Errors
    ///
    /// [`HistoryError::Io`] when a file cannot be read or the integrity
    /// file written.
    pub fn rehash(&mut self) -> Result<(), HistoryError> {
        let folders: BTreeSet<String> = self.migrations.iter().map(|m| m.folder.clone()).collect();
        self.integrity.hand_written.retain(|f| folders.contains(f));
        self.integrity.chain.retain(|f, _| folders.contains(f));
        let mut checksums = BTreeMap::new();
        for rel in self.files() {
            let path = self.dir.join(&rel);
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            checksums.insert(rel, checksum(&bytes));
        }
        self.integrity.checksums = checksums;
        let path = self.dir.join(INTEGRITY_FILE);
        replace_file(&path, &self.integrity.render())
    }
}

/// Replaces `path` with `contents` atomically (a temporary file in the same
/// folder, then a rename), unless it already holds exactly that.
fn replace_file(path: &Path, contents: &str) -> Result<(), HistoryError> {
    if std::fs::read(path).is_ok_and(|old| old == contents.as_bytes()) {
        return Ok(());
    }
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, contents).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

// ----- the lock ------------------------------------------------------------------

/// How long [`lock`] waits for another holder.
pub const LOCK_WAIT: Duration = Duration::from_secs(60);

/// Holds the migrations folder's lock file; dropping it releases the lock.
#[derive(Debug)]
pub struct LockGuard {
    path: PathBuf,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Takes the lock file `<dir>/.lock` (created exclusively, holding this
/// process's id), waiting up to `wait` for another holder. A lock whose
/// holder no longer runs (checked on Linux through `/proc`) or that is
/// older than ten minutes is stale and taken over. Every writer of the
/// history (the build, `migration new`, `hand`, `rebase`, `rehash`) takes
/// it, so concurrent builds (rust-analyzer and cargo) never write the same
/// migration twice.
///
/// # Errors
///
/// [`HistoryError::Locked`] after `wait`; [`HistoryError::Io`].
pub fn lock(dir: &Path, wait: Duration) -> Result<LockGuard, HistoryError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let path = dir.join(LOCK_FILE);
    let started = std::time::Instant::now();
    loop {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                use std::io::Write as _;
                let _ = writeln!(f, "{}", std::process::id());
                return Ok(LockGuard { path });
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                if lock_is_stale(&path, holder.trim()) {
                    let _ = std::fs::remove_file(&path);
                    continue;
                }
                if started.elapsed() >= wait {
                    return Err(HistoryError::Locked {
                        path,
                        holder: holder.trim().to_string(),
                        waited_secs: started.elapsed().as_secs(),
                    });
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => return Err(io(&path)(e)),
        }
    }
}

fn lock_is_stale(path: &Path, holder: &str) -> bool {
    let old = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age > Duration::from_secs(600));
    if old {
        return true;
    }
    // An empty file is a holder that has not written its id yet.
    if cfg!(target_os = "linux") && !holder.is_empty() {
        return holder.parse::<u32>().is_ok_and(|pid| {
            pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists()
        });
    }
    false
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
    let built = built_objects(history, initial || changes.operations.is_empty())?;
    if !initial {
        if let Some(r) = plan::hand_made_refusal(&old, &changes.operations, &built) {
            return Err(HistoryError::HandMadeObject {
                kind: r.kind.word().to_string(),
                name: r.name,
                created_by: r.created_by,
                problem: r.problem,
                fix: r.fix,
            });
        }
    }
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
                plan::render_with(&old, &changes.operations, b, &built)
            }
        })
        .collect();
    Ok(PendingMigration {
        changes,
        initial,
        sql,
    })
}

/// What the SQLite history really built (tables, views, triggers and
/// indexes of hand-written migrations included), by replaying it in
/// memory; nothing when `skip` (no migration to plan, or the first one) or
/// without the `replay` feature.
fn built_objects(history: &History, skip: bool) -> Result<BuiltObjects, HistoryError> {
    if skip {
        return Ok(BuiltObjects::default());
    }
    let folders: Vec<(String, bool)> = history
        .migrations
        .iter()
        .map(|m| (m.folder.clone(), m.hand_written))
        .collect();
    Ok(crate::replay::replay_sqlite(&history.dir, &folders)?)
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

/// Checks the guards, then writes the pending migration as a new pair, its
/// state file, the new snapshot and the integrity file (with the
/// migration's chain link), atomically: the folders are built in a staging
/// folder and renamed into place, the snapshot and `integrity.txt` are
/// replaced last. Hold the [`lock`] from loading `history` until this
/// returns ([`crate::Project::write_pending`] does).
///
/// `file` is the schema file the migration comes from (its allowances,
/// text and name); `name` overrides the name derived from the operations.
///
/// # Errors
///
/// [`HistoryError::Refused`] for an unallowed destructive step,
/// [`HistoryError::BadName`], [`HistoryError::Io`].
pub fn write_migration(
    history: &mut History,
    pending: &PendingMigration,
    file: &crate::project::SchemaFile,
    name: Option<&str>,
    clock: &dyn Clock,
) -> Result<Written, HistoryError> {
    let schema = file.schema();
    let schema_path = file.display_name();
    if !pending.initial {
        guard::check(
            &pending.changes.operations,
            schema,
            file.allowances(),
            schema_path,
            file.source(),
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
    let ops_comment = plan::operations_comment(&pending.changes.operations);
    let down_ops = diff::invert_all(&pending.changes.operations);
    let down_comment = plan::operations_comment(&down_ops);
    let staging = Staging::new(&history.dir)?;
    let mut files = Vec::new();
    for sql in &pending.sql {
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
        let rel = format!("{}/{folder}", sql.backend.name());
        staging.write(&format!("{rel}/up.sql"), &up)?;
        staging.write(&format!("{rel}/down.sql"), &down)?;
        files.push(history.dir.join(&rel).join("up.sql"));
        files.push(history.dir.join(&rel).join("down.sql"));
    }
    for sql in &pending.sql {
        staging.publish(&format!("{}/{folder}", sql.backend.name()))?;
    }
    let stripped = strip_intent(schema);
    let snapshot_text = render::neutral::render(
        &stripped,
        &[
            &format!("@generated by cloacina-codegen: the schema after migration {folder}."),
            "The next migration is the difference between the schema file and this snapshot.",
            "Do not edit.",
        ],
    );
    let link = Link {
        parent: state_hash(&history.current_schema()),
        state: state_hash(&stripped),
    };
    let state_path = history.dir.join(state_file(&folder));
    replace_file(&state_path, &snapshot_text)?;
    files.push(state_path);
    let snapshot_path = history.dir.join(SNAPSHOT_FILE);
    replace_file(&snapshot_path, &snapshot_text)?;
    files.push(snapshot_path);
    history.migrations.push(MigrationEntry {
        folder: folder.clone(),
        version,
        hand_written: false,
    });
    history.integrity.chain.insert(folder.clone(), link);
    history.snapshot = Some(stripped);
    history.rehash()?;
    files.push(history.dir.join(INTEGRITY_FILE));
    Ok(Written { folder, files })
}

/// A staging folder inside the migrations folder (`.staging-<pid>`), where
/// a migration is built before its folders are renamed into place; removed
/// when dropped.
struct Staging {
    root: PathBuf,
    dir: PathBuf,
}

impl Staging {
    fn new(dir: &Path) -> Result<Staging, HistoryError> {
        // Writers stage under the lock, so any staging folder found now was
        // left by an interrupted write: nothing of it was published.
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                if entry.file_name().to_string_lossy().starts_with(".staging-") {
                    let path = entry.path();
                    std::fs::remove_dir_all(&path).map_err(io(&path))?;
                }
            }
        }
        let root = dir.join(format!(".staging-{}", std::process::id()));
        std::fs::create_dir_all(&root).map_err(io(&root))?;
        Ok(Staging {
            root,
            dir: dir.to_path_buf(),
        })
    }

    fn write(&self, rel: &str, contents: &str) -> Result<(), HistoryError> {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, contents).map_err(io(&path))
    }

    /// Moves the staged folder `rel` to its place in the migrations folder.
    fn publish(&self, rel: &str) -> Result<(), HistoryError> {
        let to = self.dir.join(rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::rename(self.root.join(rel), &to).map_err(io(&to))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// What [`rebase`] did.
#[derive(Clone, Debug)]
pub struct Rebased {
    /// The migration the new one was planned on top of.
    pub onto: String,
    /// The migrations removed (the later branch's), in version order.
    pub dropped: Vec<String>,
    /// The migration written in their place (none when the kept branch
    /// already equals the schema file).
    pub written: Option<Written>,
}

/// Repairs a merge of two branches that each added migrations from the
/// same parent: walks the chain in version order, keeps every migration
/// planned from the state the history before it produces (so the branch
/// whose first migration has the earlier version is kept), removes the
/// others (the later branch's, both backends and their state files), and
/// writes one migration from the kept chain's end state to the schema file
/// `file`. Hand-written and legacy migrations are kept where they are. A
/// snapshot that is not the state the chain ends in is restored from the
/// chain's last state file and re-planned the same way.
/// Hold the [`lock`] ([`crate::Project::rebase`] does). Only rebase
/// migrations that no shared database has applied yet.
///
/// # Errors
///
/// [`HistoryError::NothingToRebase`] when the chain has no fork; as
/// [`write_migration`] and [`crate::parse_str`] for the state file of the
/// kept chain's end ([`HistoryError::Snapshot`]).
pub fn rebase(
    history: &mut History,
    file: &crate::project::SchemaFile,
    clock: &dyn Clock,
) -> Result<Rebased, HistoryError> {
    let mut reached: Option<(String, String)> = None;
    let mut dropped = Vec::new();
    for m in &history.migrations {
        let Some(link) = history.integrity.chain.get(&m.folder) else {
            continue;
        };
        match &reached {
            Some((state, _)) if *state != link.parent => dropped.push(m.folder.clone()),
            _ => reached = Some((link.state.clone(), m.folder.clone())),
        }
    }
    // A snapshot that is not the chain's end (a merge kept the other
    // branch's) is repaired the same way, with nothing to drop.
    let snapshot_off = |state: &str| {
        history
            .snapshot
            .as_ref()
            .is_some_and(|s| state_hash(s) != state)
    };
    let onto = match reached {
        Some((state, onto)) if !dropped.is_empty() || snapshot_off(&state) => onto,
        _ => {
            return Err(HistoryError::NothingToRebase {
                dir: history.dir.clone(),
            })
        }
    };
    let state_path = history.dir.join(state_file(&onto));
    let text = std::fs::read_to_string(&state_path).map_err(io(&state_path))?;
    let base = crate::parse_str(&state_path.display().to_string(), &text)
        .map_err(HistoryError::Snapshot)?;
    for folder in &dropped {
        for b in Backend::ALL {
            let path = history.dir.join(b.name()).join(folder);
            if path.exists() {
                std::fs::remove_dir_all(&path).map_err(io(&path))?;
            }
        }
        let path = history.dir.join(state_file(folder));
        if path.exists() {
            std::fs::remove_file(&path).map_err(io(&path))?;
        }
        history.integrity.chain.remove(folder);
    }
    history.migrations.retain(|m| !dropped.contains(&m.folder));
    replace_file(&history.dir.join(SNAPSHOT_FILE), &text)?;
    history.snapshot = Some(base);
    let pending = pending(history, file.schema())?;
    let written = if pending.is_empty() {
        history.rehash()?;
        None
    } else {
        Some(write_migration(history, &pending, file, None, clock)?)
    };
    Ok(Rebased {
        onto,
        dropped,
        written,
    })
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
    let staging = Staging::new(&history.dir)?;
    for b in Backend::ALL {
        let rel = format!("{}/{folder}", b.name());
        for (file, what) in [("up.sql", "applies"), ("down.sql", "undoes")] {
            let text = format!(
                "-- Hand-written migration {folder} ({b}): write the SQL that {what} it below.\n\
                 -- Marked `hand` in {INTEGRITY_FILE}; later generated migrations keep it.\n\
                 -- After editing, run `cloacina-codegen migration rehash`.\n\
                 -- Operations:\n--   hand-written\n\nSELECT 1; -- a no-op until the SQL is written\n"
            );
            staging.write(&format!("{rel}/{file}"), &text)?;
            files.push(history.dir.join(&rel).join(file));
        }
    }
    for b in Backend::ALL {
        staging.publish(&format!("{}/{folder}", b.name()))?;
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
    fn folder_versions_read_both_diesel_spellings() {
        assert_eq!(
            folder_version("20251127005959_initial").as_deref(),
            Some("20251127005959")
        );
        assert_eq!(
            folder_version("2024-01-01-000000_create_users").as_deref(),
            Some("20240101000000")
        );
        for bad in [
            "20251127005959",
            "20251127005959_",
            "2025112700595_x",
            "2024-01-01_000000_x",
            "2024-0101-000000_x",
            "v1_x",
        ] {
            assert_eq!(folder_version(bad), None, "{bad}");
        }
        let dir =
            std::env::temp_dir().join(format!("cloacina-folder-names-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for f in [
            "2024-01-02-000000_b",
            "20240101120000_a",
            "2024-01-01-000000_first",
        ] {
            std::fs::create_dir_all(dir.join(f)).expect("folder");
        }
        let listed = list_folders(&dir).expect("list");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            listed,
            [
                "2024-01-01-000000_first",
                "20240101120000_a",
                "2024-01-02-000000_b"
            ]
        );
    }

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
        i.chain.insert(
            "20250102000000_b".into(),
            Link {
                parent: "0123456789abcdef".into(),
                state: "fedcba9876543210".into(),
            },
        );
        assert_eq!(Integrity::parse(&i.render()), i);
        // A file written before the chain existed reads as having none.
        let legacy = "ab  postgres/20250101000000_a/up.sql\nhand 20250101000000_a\n";
        assert!(Integrity::parse(legacy).chain.is_empty());
    }

    #[test]
    fn state_hashes_ignore_rename_hints_and_see_changes() {
        let parse = |src: &str| crate::parse_str("t.rs", src).map_err(|e| e.render());
        let a = parse("table! {\n    t (id) {\n        id -> BigInt,\n    }\n}\n");
        let b = parse(
            "table! {\n    #[renamed_from(u)]\n    t (id) {\n        id -> BigInt,\n    }\n}\n",
        );
        let c = parse("table! {\n    t (id) {\n        id -> Integer,\n    }\n}\n");
        let (Ok(a), Ok(b), Ok(c)) = (a, b, c) else {
            panic!("fixtures must parse");
        };
        assert_eq!(state_hash(&a), state_hash(&b));
        assert_ne!(state_hash(&a), state_hash(&c));
        assert_eq!(state_hash(&a).len(), 16);
    }

    #[test]
    fn a_held_lock_times_out_and_a_dead_holder_is_taken_over() {
        let dir = std::env::temp_dir().join(format!("cloacina-lock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let held = lock(&dir, Duration::ZERO).map_err(|e| e.to_string());
        assert!(held.is_ok(), "{held:?}");
        match lock(&dir, Duration::from_millis(120)) {
            Err(HistoryError::Locked { holder, .. }) => {
                assert_eq!(holder, std::process::id().to_string())
            }
            other => panic!("expected Locked, got {other:?}"),
        }
        drop(held);
        assert!(!dir.join(LOCK_FILE).exists());
        if cfg!(target_os = "linux") {
            // No process has this id (above the kernel's pid_max).
            let _ = std::fs::write(dir.join(LOCK_FILE), "4194305\n");
            assert!(lock(&dir, Duration::ZERO).is_ok());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("add_tasks_heartbeat_at").is_ok());
        for bad in ["", "Add", "a-b", &"a".repeat(61)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
