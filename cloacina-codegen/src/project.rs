//! A schema file read once, and a project: a schema file with its
//! migrations folder.
//!
//! ```no_run
//! use cloacina_codegen::{Project, SchemaFile};
//! use cloacina_codegen::history::SystemClock;
//!
//! let project = Project::new(SchemaFile::load("schema/app.rs")?, "migrations");
//! match project.write_pending(None, &SystemClock)? {
//!     Some(written) => println!("wrote {}", written.folder),
//!     None => println!("in sync"),
//! }
//! # Ok::<(), cloacina_codegen::Error>(())
//! ```
//!
//! The builder, `diff`, `status`, `migration new` and `migration rebase`
//! all go through these types: the file is parsed once (its model *and*
//! its migration guard attributes), the history is loaded and verified in
//! one place, and the "pending migration" error is built in one place.

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result, SchemaError};
use crate::guard::Allowance;
use crate::history::{self, Clock, History, HistoryError, PendingMigration, Rebased, Written};
use crate::model::Schema;

/// One schema file: where it is, its text, and what it says (the validated
/// model and the guard attributes, which are intent for the next migration
/// rather than part of the model).
#[derive(Clone, Debug)]
pub struct SchemaFile {
    path: PathBuf,
    shown: String,
    source: String,
    schema: Schema,
    allowances: Vec<Allowance>,
}

impl SchemaFile {
    /// Reads, parses and validates the file at `path`.
    ///
    /// # Errors
    ///
    /// [`Error::Read`] when the file cannot be read, [`Error::NotUtf8`]
    /// when it is not UTF-8 text, [`Error::Schema`] when it has problems.
    pub fn load(path: impl AsRef<Path>) -> Result<SchemaFile> {
        let path = path.as_ref();
        let source = crate::parse::read_source(path)?;
        // Diagnostics name the file as given; generated headers never show
        // an absolute path of this machine.
        let mut file = SchemaFile::from_source(&path.display().to_string(), source)?;
        file.path = path.to_path_buf();
        file.shown = display_path(path);
        Ok(file)
    }

    /// Parses and validates schema text; `name` names the file in
    /// diagnostics and in the headers of generated files.
    ///
    /// # Errors
    ///
    /// A [`SchemaError`] holding every problem found.
    pub fn from_source(name: &str, source: impl Into<String>) -> Result<SchemaFile, SchemaError> {
        let source = source.into();
        let (schema, allowances, mut diags) = crate::parse::parse_with_allowances(&source);
        if diags.is_empty() {
            diags = crate::validate::validate(&schema);
        }
        if !diags.is_empty() {
            return Err(SchemaError::new(name, source, diags));
        }
        Ok(SchemaFile {
            path: PathBuf::from(name),
            shown: name.to_string(),
            source,
            schema,
            allowances,
        })
    }

    /// The path it was read from (as given).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The name shown in diagnostics and generated headers: relative,
    /// `/`-separated, never an absolute path of this machine.
    pub fn display_name(&self) -> &str {
        &self.shown
    }

    /// The file's text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The validated model.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The model, by value.
    pub fn into_schema(self) -> Schema {
        self.schema
    }

    /// The migration guard attributes (`#![allow_drop(...)]`,
    /// `#[allow_drop(...)]`, `#[allow_destructive]`).
    pub fn allowances(&self) -> &[Allowance] {
        &self.allowances
    }
}

/// A schema file and the migrations folder kept in step with it.
#[derive(Clone, Debug)]
pub struct Project {
    file: SchemaFile,
    migrations: PathBuf,
}

impl Project {
    /// A project of `file` and the migrations folder `migrations`.
    pub fn new(file: SchemaFile, migrations: impl Into<PathBuf>) -> Project {
        Project {
            file,
            migrations: migrations.into(),
        }
    }

    /// Reads the schema file and makes a project of it.
    ///
    /// # Errors
    ///
    /// As [`SchemaFile::load`].
    pub fn load(schema: impl AsRef<Path>, migrations: impl Into<PathBuf>) -> Result<Project> {
        Ok(Project::new(SchemaFile::load(schema)?, migrations))
    }

    /// The schema file.
    pub fn file(&self) -> &SchemaFile {
        &self.file
    }

    /// The migrations folder.
    pub fn migrations_dir(&self) -> &Path {
        &self.migrations
    }

    /// Loads the migrations folder and verifies it: every file matches
    /// `integrity.txt`, no folder is unrecorded, and the history is one
    /// chain (see [`History::verify`]).
    ///
    /// # Errors
    ///
    /// [`Error::Migrations`] with the [`HistoryError`].
    pub fn history(&self) -> Result<History> {
        let history = history::load(&self.migrations)?;
        history.verify()?;
        Ok(history)
    }

    /// What the schema file needs on top of `history`.
    ///
    /// # Errors
    ///
    /// [`Error::Migrations`] when the schema cannot be diffed.
    pub fn pending(&self, history: &History) -> Result<PendingMigration> {
        Ok(history::pending(history, self.file.schema())?)
    }

    /// The error for a schema that differs from the history when nothing
    /// may be written: the pending operations (and likely renames), why
    /// nothing was written, and the one command that writes it, with paths
    /// that work from the directory the user ran the command in (for a
    /// build script: where `cargo build` was run).
    pub fn pending_error(&self, pending: &PendingMigration, reason: &str) -> Error {
        let mut operations = history::describe(&pending.changes.operations);
        operations.extend(
            pending
                .changes
                .warnings
                .iter()
                .map(|w| format!("possible rename: {w}")),
        );
        Error::Migrations(HistoryError::Pending {
            operations,
            reason: reason.to_string(),
            command: format!(
                "cloacina-codegen migration new --schema {} --migrations {}",
                command_path(self.file.path()),
                command_path(&self.migrations)
            ),
        })
    }

    /// Writes the pending migration, if any, under the folder's lock:
    /// loads and verifies the history after taking the lock (so a
    /// concurrent writer's migration is seen and not written twice), then
    /// plans and writes. Returns `None` when in sync.
    ///
    /// # Errors
    ///
    /// As [`Project::history`], [`history::lock`] and
    /// [`history::write_migration`].
    pub fn write_pending(&self, name: Option<&str>, clock: &dyn Clock) -> Result<Option<Written>> {
        let _lock = history::lock(&self.migrations, history::LOCK_WAIT)?;
        let mut history = self.history()?;
        let pending = self.pending(&history)?;
        if pending.is_empty() {
            return Ok(None);
        }
        Ok(Some(history::write_migration(
            &mut history,
            &pending,
            &self.file,
            name,
            clock,
        )?))
    }

    /// Repairs a merge of two branches' migrations under the folder's lock
    /// (see [`history::rebase`]).
    ///
    /// # Errors
    ///
    /// As [`history::rebase`]; an integrity problem (an edited file) is
    /// reported first, since a rebase would hide it.
    pub fn rebase(&self, clock: &dyn Clock) -> Result<Rebased> {
        let _lock = history::lock(&self.migrations, history::LOCK_WAIT)?;
        let mut history = history::load(&self.migrations)?;
        match history.verify() {
            Ok(()) | Err(HistoryError::Forked { .. }) | Err(HistoryError::Chain { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        Ok(history::rebase(&mut history, &self.file, clock)?)
    }
}

/// The path as shown in generated headers: relative, `/`-separated, never
/// an absolute path of the machine that generated it.
pub(crate) fn display_path(path: &Path) -> String {
    let mut shown = path.to_path_buf();
    if path.is_absolute() {
        if let Ok(cwd) = std::env::current_dir() {
            if let Ok(rel) = path.strip_prefix(&cwd) {
                shown = rel.to_path_buf();
            }
        }
    }
    if shown.is_absolute() {
        // Keep only the file name rather than leak a machine path.
        shown = PathBuf::from(path.file_name().unwrap_or_default());
    }
    shown.to_string_lossy().replace('\\', "/")
}

/// `path` as it must be typed in the directory the user ran the command
/// from. A build script runs in its crate's folder, but the user ran
/// `cargo build` wherever their shell was: cargo passes the shell's `PWD`
/// on unchanged, so a path relative to the script's folder is re-expressed
/// relative to `PWD` (absolute when no relative path exists).
pub(crate) fn command_path(path: &Path) -> String {
    let Ok(cwd) = std::env::current_dir() else {
        return path.display().to_string();
    };
    let absolute = lexical(&cwd.join(path));
    let base = match std::env::var_os("PWD").map(PathBuf::from) {
        Some(pwd) if pwd.is_absolute() => lexical(&pwd),
        _ => lexical(&cwd),
    };
    let shown = relative(&absolute, &base).unwrap_or(absolute);
    let text = shown.display().to_string();
    if text.is_empty() {
        ".".into()
    } else {
        text
    }
}

/// `path` with `.` and `..` resolved without touching the file system.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to `base` (both absolute and lexical).
fn relative(path: &Path, base: &Path) -> Option<PathBuf> {
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    // Different roots (Windows drives): no relative path.
    if p.first() != b.first() {
        return None;
    }
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_lexical() {
        let cases = [
            ("/w/ws/cloacina/../schema/app.rs", "/w/ws", "schema/app.rs"),
            (
                "/w/ws/cloacina/../migrations",
                "/w/ws/cloacina",
                "../migrations",
            ),
            ("/w/ws/schema/app.rs", "/w/ws/schema", "app.rs"),
            ("/w/other/m", "/w/ws/sub", "../../other/m"),
        ];
        for (path, base, want) in cases {
            let got = relative(&lexical(Path::new(path)), &lexical(Path::new(base)));
            assert_eq!(got, Some(PathBuf::from(want)), "{path} from {base}");
        }
    }

    #[test]
    fn a_schema_file_keeps_its_allowances() {
        let file = SchemaFile::from_source(
            "app.rs",
            "#![allow_drop(old)]\ntable! {\n    t (id) {\n        id -> BigInt,\n    }\n}\n",
        )
        .map_err(|e| e.render());
        let file = match file {
            Ok(f) => f,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(file.allowances().len(), 1);
        assert_eq!(file.schema().tables.len(), 1);
        assert_eq!(file.display_name(), "app.rs");
    }
}
