//! The build-script API: a [`Builder`] in the style of `prost-build`.
//!
//! [`Builder::generate`] does no I/O besides reading the schema file and
//! returns every output in memory; [`Generated::write_to`] writes them, only
//! where the contents changed, so an unchanged schema rebuilds nothing;
//! [`Builder::compile`] does both for a build script and prints the
//! `cargo:rerun-if-changed` lines.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::history::{self, HistoryError};
use crate::model::{Backend, Schema};
use crate::project::{display_path, Project, SchemaFile};
use crate::render;

/// Configures and runs code generation.
#[derive(Clone, Debug)]
pub struct Builder {
    schema: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    backends: Vec<Backend>,
    file_stem: Option<String>,
    migrations: Option<PathBuf>,
    strict: bool,
    migration_checksums: bool,
    rust: render::diesel::RustOptions,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

/// One generated file, in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// File name relative to the output directory.
    pub name: String,
    /// Its full contents.
    pub contents: String,
}

/// Everything generated from one schema file.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The validated schema.
    pub schema: Schema,
    /// The schema file the outputs came from.
    pub schema_path: PathBuf,
    /// The files, Rust first, then one DDL script per backend.
    pub files: Vec<GeneratedFile>,
}

impl Generated {
    /// The file called `name`.
    pub fn file(&self, name: &str) -> Option<&GeneratedFile> {
        self.files.iter().find(|f| f.name == name)
    }

    /// Writes every file into `dir`, skipping files whose contents are
    /// already identical (so their modification time, and cargo's view of
    /// them, stays unchanged). Returns the paths actually written.
    ///
    /// # Errors
    ///
    /// [`Error::Write`] when a file cannot be written.
    pub fn write_to(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut written = Vec::new();
        for f in &self.files {
            let path = dir.join(&f.name);
            if write_file_if_changed(&path, f.contents.as_bytes())? {
                written.push(path);
            }
        }
        Ok(written)
    }
}

/// Writes `contents` to `path` unless the file already holds exactly that.
/// Returns whether it wrote.
///
/// # Errors
///
/// [`Error::Write`] when the file cannot be written.
pub fn write_file_if_changed(path: &Path, contents: &[u8]) -> Result<bool> {
    if std::fs::read(path).is_ok_and(|old| old == contents) {
        return Ok(false);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Write {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, contents).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(true)
}

impl Builder {
    /// A builder with both backends and no schema set.
    pub fn new() -> Self {
        Builder {
            schema: None,
            out_dir: None,
            backends: Backend::ALL.to_vec(),
            file_stem: None,
            migrations: None,
            strict: false,
            migration_checksums: false,
            rust: render::diesel::RustOptions::default(),
        }
    }

    /// The path by which generated code names the runtime types crate
    /// (default `::cloacina_types`), like prost-build's `prost_path`. The
    /// generated file re-exports it as its `types` module. Set it when the
    /// consuming crate reaches the types through another crate, for example
    /// `::cloacina::types`.
    pub fn types_path(&mut self, path: impl Into<String>) -> &mut Self {
        self.rust.types_path = path.into();
        self
    }

    /// Whether model fields of a column with a generated enum hold the enum
    /// (`true`) or its text as `String` (`false`, the default, so turning
    /// enums on changes no existing field type).
    ///
    /// The enum is generated either way for every `Text` column with one
    /// `#[check(in(...))]` listing strings: `task_executions.status`
    /// becomes `models::TaskExecutionStatus` (`<Model><Column>`, with `Enum`
    /// appended if a model already has that name). It converts to and from
    /// the text (`as_str`, `FromStr`, `Into<String>`), compares with `str`
    /// and `String`, and is a Diesel `Text` expression on every backend, so
    /// `column.eq(TaskExecutionStatus::Ready)` works with `String` fields too.
    pub fn typed_enums(&mut self, typed: bool) -> &mut Self {
        self.rust.typed_enums = typed;
        self
    }

    /// Adds `attribute` (e.g. `"#[derive(serde::Serialize)]"`) to the
    /// generated model structs that `path` names:
    ///
    /// - `"*"`: every model struct (read and insert);
    /// - a table name, e.g. `"task_executions"`: both structs of that table;
    /// - a struct name, e.g. `"TaskExecution"` or `"NewTaskExecution"`: that
    ///   struct only.
    ///
    /// A path that matches nothing fails generation (a typo would otherwise
    /// drop the attribute silently). With serde derives on models, enable
    /// the `serde` feature of the types crate and derive on the enums too
    /// ([`Builder::enum_attribute`]) when [`Builder::typed_enums`] is on.
    pub fn model_attribute(
        &mut self,
        path: impl Into<String>,
        attribute: impl Into<String>,
    ) -> &mut Self {
        self.rust
            .model_attributes
            .push((path.into(), attribute.into()));
        self
    }

    /// Adds `attribute` to the generated enums that `path` names: `"*"`
    /// (every enum), a table name (its enums), `"table.column"` (that
    /// column's enum) or an enum name (`"TaskExecutionStatus"`). A path that
    /// matches nothing fails generation. Note that a serde derive spells a
    /// variant by its Rust name (`RunOnce`), not its stored text
    /// (`run_once`); derive `serde_with::SerializeDisplay` /
    /// `DeserializeFromStr` instead to use the text.
    pub fn enum_attribute(
        &mut self,
        path: impl Into<String>,
        attribute: impl Into<String>,
    ) -> &mut Self {
        self.rust
            .enum_attributes
            .push((path.into(), attribute.into()));
        self
    }

    /// Adds `attribute` to the model fields that `path` names:
    /// `"*"` (every field), `"table.column"` (that column's field in both
    /// structs), `"Struct.column"` (one struct's field), or `"table.*"` /
    /// `"Struct.*"` (every field of the table's structs or of one struct). A
    /// path that matches nothing fails generation.
    pub fn field_attribute(
        &mut self,
        path: impl Into<String>,
        attribute: impl Into<String>,
    ) -> &mut Self {
        self.rust
            .field_attributes
            .push((path.into(), attribute.into()));
        self
    }

    /// For crates that embed the migrations (`diesel_migrations::embed_migrations!`)
    /// and apply them in one transaction: [`Builder::compile`] also refuses
    /// migrations such a runner cannot apply safely (`run_in_transaction =
    /// false` in a `metadata.toml`; `PRAGMA foreign_keys` in a SQLite
    /// migration, a no-op inside a transaction) and writes
    /// `migration_checksums.rs` to the output directory: per backend, a
    /// `pub const POSTGRES` / `SQLITE: &[(&str, &str)]` of `(version,
    /// sha256 of up.sql with CRLF read as LF)`, so the runner can refuse a
    /// database whose applied migrations were edited afterwards. Needs
    /// [`Builder::migrations`].
    pub fn migration_checksums(&mut self, on: bool) -> &mut Self {
        self.migration_checksums = on;
        self
    }

    /// The migrations folder to keep in step with the schema (see
    /// [`crate::history`]). With it, [`Builder::compile`] compares the
    /// schema with the folder's snapshot and, when they differ, writes the
    /// new migration pair, the snapshot and the integrity file and names
    /// them in `cargo:warning` lines, or fails in CI (env `CI` set, not
    /// `false`/`0`) or [strict mode](Builder::strict_migrations). A relative
    /// path is relative to the crate's manifest directory.
    pub fn migrations(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.migrations = Some(dir.into());
        self
    }

    /// Never write migrations from the build: fail when the schema differs
    /// from the history, with the pending operations and the command that
    /// writes them (what CI gets automatically).
    pub fn strict_migrations(&mut self, strict: bool) -> &mut Self {
        self.strict = strict;
        self
    }

    /// The schema file to read (required). In a build script a relative path
    /// is relative to the crate's manifest directory.
    pub fn schema(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.schema = Some(path.into());
        self
    }

    /// Where [`Builder::compile`] writes; defaults to `$OUT_DIR`.
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The backends to generate wiring for (default: both). With one
    /// backend, the `AnyConnection` enum has one variant and no code for the
    /// other backend is emitted.
    pub fn backends(&mut self, backends: &[Backend]) -> &mut Self {
        let mut v = backends.to_vec();
        v.sort();
        v.dedup();
        self.backends = v;
        self
    }

    /// The stem of the generated file names (default: the schema file's
    /// stem, e.g. `cloacina` for `schema/cloacina.rs`).
    pub fn file_stem(&mut self, stem: impl Into<String>) -> &mut Self {
        self.file_stem = Some(stem.into());
        self
    }

    fn schema_path(&self) -> Result<&Path> {
        self.schema.as_deref().ok_or_else(|| {
            Error::Config(
                "no schema file given: call `Builder::schema(\"path/to/schema.rs\")` before generating"
                    .into(),
            )
        })
    }

    fn stem(&self, schema: &Path) -> String {
        self.file_stem.clone().unwrap_or_else(|| {
            schema
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "schema".into())
        })
    }

    /// Reads and validates the schema and renders every output in memory:
    /// `<stem>.rs` (types, `table!` modules, models, `AnyConnection`) and
    /// `<stem>.<backend>.sql` (the full DDL) per backend.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] without a schema path, [`Error::Read`] when the
    /// file cannot be read, [`Error::Schema`] with every diagnostic when it
    /// is invalid.
    pub fn generate(&self) -> Result<Generated> {
        let file = SchemaFile::load(self.schema_path()?)?;
        self.generate_from(file.path(), file.schema().clone())
    }

    /// Like [`Builder::generate`], for a schema already in memory (`path`
    /// only names it in the generated headers).
    ///
    /// # Errors
    ///
    /// [`Error::Setting`] when a types path or attribute hook is invalid or
    /// matches nothing; [`Error::GeneratedCode`] if rendering produced
    /// invalid Rust (a bug).
    pub fn generate_from(&self, path: &Path, schema: Schema) -> Result<Generated> {
        let mut files = vec![self.rust_file(path, &schema)?];
        for backend in Backend::ALL {
            files.push(self.sql_file(path, &schema, backend));
        }
        Ok(Generated {
            schema,
            schema_path: path.to_path_buf(),
            files,
        })
    }

    /// Reads and validates the schema and renders only the output called
    /// `name` (`<stem>.rs`, or `<stem>.<backend>.sql`), exactly as
    /// [`Builder::generate`] would; `None` when no output has that name.
    ///
    /// # Errors
    ///
    /// As [`Builder::generate`].
    pub fn generate_file(&self, name: &str) -> Result<Option<GeneratedFile>> {
        let file = SchemaFile::load(self.schema_path()?)?;
        let (path, schema) = (file.path(), file.schema());
        let stem = self.stem(path);
        if name == format!("{stem}.rs") {
            return Ok(Some(self.rust_file(path, schema)?));
        }
        Ok(Backend::ALL
            .into_iter()
            .find(|b| name == format!("{stem}.{}.sql", b.name()))
            .map(|b| self.sql_file(path, schema, b)))
    }

    fn rust_file(&self, path: &Path, schema: &Schema) -> Result<GeneratedFile> {
        Ok(GeneratedFile {
            name: format!("{}.rs", self.stem(path)),
            contents: render::diesel::render(
                schema,
                &display_path(path),
                &self.backends,
                &self.rust,
            )?,
        })
    }

    fn sql_file(&self, path: &Path, schema: &Schema, backend: Backend) -> GeneratedFile {
        GeneratedFile {
            name: format!("{}.{}.sql", self.stem(path), backend.name()),
            contents: format!(
                "{}\n{}",
                render::sql_header(&display_path(path)),
                render::ddl::render_schema(schema, backend)
            ),
        }
    }

    /// For build scripts: generates, writes changed files to the output
    /// directory (default `$OUT_DIR`) and prints `cargo:rerun-if-changed`
    /// for the schema file, so cargo reruns the script exactly when the
    /// schema changes.
    ///
    /// # Errors
    ///
    /// As [`Builder::generate`], plus [`Error::Config`] when no output
    /// directory is set and `OUT_DIR` is not set, and [`Error::Write`].
    pub fn compile(&self) -> Result<Generated> {
        let started = std::time::SystemTime::now();
        let path = self.schema_path()?;
        println!("cargo:rerun-if-changed={}", path.display());
        // The file is read and parsed once, for the code and the history.
        let file = SchemaFile::load(path)?;
        let generated = self.generate_from(file.path(), file.schema().clone())?;
        let out = match &self.out_dir {
            Some(d) => d.clone(),
            None => std::env::var_os("OUT_DIR").map(PathBuf::from).ok_or_else(|| {
                Error::Config(
                    "OUT_DIR is not set: call `compile()` from a build script, or set `Builder::out_dir`"
                        .into(),
                )
            })?,
        };
        generated.write_to(&out)?;
        if let Some(dir) = &self.migrations {
            println!("cargo:rerun-if-changed={}", dir.display());
            println!("cargo:rerun-if-env-changed=CI");
            let strict = self.strict || ci_env();
            let project = Project::new(file, dir);
            let lines = sync_migrations(&project, strict)?;
            if !lines.is_empty() {
                // Cargo compares the watched folder against the moment it
                // started this script, so files written now would make the
                // next build rerun it for nothing: date them before the run.
                backdate(dir, started, started - BACKDATE)?;
            }
            for line in lines {
                println!("cargo:warning={line}");
            }
            if self.migration_checksums {
                let table = migration_checksums(dir, &self.backends)?;
                write_file_if_changed(&out.join("migration_checksums.rs"), table.as_bytes())?;
            }
        } else if self.migration_checksums {
            return Err(Error::Config(
                "`migration_checksums(true)` needs the migrations folder: call `Builder::migrations(\"path/to/migrations\")`".into(),
            ));
        }
        Ok(generated)
    }
}

/// How far before the build script's start [`backdate`] dates what it wrote.
const BACKDATE: std::time::Duration = std::time::Duration::from_secs(30);

/// Sets the modification time of every file and folder under `dir` (and
/// `dir` itself) changed since `since` to `to`.
fn backdate(dir: &Path, since: std::time::SystemTime, to: std::time::SystemTime) -> Result<()> {
    let touched = |p: &Path| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .is_ok_and(|m| m >= since)
    };
    let set = |p: &Path| -> Result<()> {
        let file = if p.is_dir() {
            std::fs::File::open(p)
        } else {
            std::fs::OpenOptions::new().write(true).open(p)
        };
        file.and_then(|f| f.set_modified(to))
            .map_err(|source| Error::Write {
                path: p.to_path_buf(),
                source,
            })
    };
    let mut stack = vec![dir.to_path_buf()];
    let mut dirs = Vec::new();
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|source| Error::Read {
            path: d.clone(),
            source,
        })?;
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if touched(&p) {
                set(&p)?;
            }
        }
        dirs.push(d);
    }
    // Folders last: writing their files changed their times.
    for d in dirs.into_iter().rev() {
        if touched(&d) {
            set(&d)?;
        }
    }
    Ok(())
}

/// Whether env `CI` asks for strict mode (set, non-empty, not `false`/`0`).
pub fn ci_env() -> bool {
    std::env::var("CI").is_ok_and(|v| {
        let v = v.trim();
        !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false")
    })
}

/// Brings the project's migrations folder in step with its schema file:
/// nothing when in sync; with `strict`, an error listing the pending
/// operations and the command that writes them; otherwise writes the
/// migration (under the folder's lock) and returns one message per written
/// file (for `cargo:warning` lines), warnings about likely renames first.
/// Either way the history must verify first: an edited, unrecorded or
/// merged migration is never embedded.
///
/// # Errors
///
/// [`Error::Migrations`] with [`HistoryError::Pending`] in strict mode, a
/// failed verification ([`crate::history::History::verify`]), a refused
/// destructive step, or an I/O or history problem.
pub fn sync_migrations(project: &Project, strict: bool) -> Result<Vec<String>> {
    let hist = project.history()?;
    let pending = project.pending(&hist)?;
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    if strict {
        let reason = if ci_env() {
            "CI is set, so the build does not write migrations"
        } else {
            "strict mode is on"
        };
        return Err(project.pending_error(&pending, reason));
    }
    let mut lines: Vec<String> = pending
        .changes
        .warnings
        .iter()
        .map(|w| format!("possible rename: {w}"))
        .collect();
    // Under the lock the history is loaded again: a concurrent build that
    // wrote this migration first leaves nothing to write.
    let Some(written) = project.write_pending(None, &history::SystemClock)? else {
        return Ok(Vec::new());
    };
    let n = pending.changes.operations.len();
    lines.push(format!(
        "wrote migration {} ({n} operation{}): review and commit these files",
        written.folder,
        if n == 1 { "" } else { "s" }
    ));
    for f in &written.files {
        lines.push(format!("  {}", f.display()));
    }
    Ok(lines)
}

/// The text of `migration_checksums.rs` (see
/// [`Builder::migration_checksums`]) for the migrations in `dir`, after
/// checking that each enabled backend's migrations can run in one
/// transaction. Prints `cargo:rerun-if-changed` for every file read.
fn migration_checksums(dir: &Path, backends: &[Backend]) -> Result<String> {
    let hist = history::load(dir)?;
    let mut out =
        String::from("// @generated by cloacina-codegen: checksums of the embedded migrations.\n");
    for backend in Backend::ALL {
        let name = backend.name();
        println!("cargo:rerun-if-changed={}", dir.join(name).display());
        out.push_str(&format!(
            "/// `(version, sha256)` of every {name} migration, in order.\n#[allow(dead_code)]\npub const {}: &[(&str, &str)] = &[\n",
            name.to_uppercase()
        ));
        if backends.contains(&backend) {
            for m in &hist.migrations {
                let folder = dir.join(name).join(&m.folder);
                println!("cargo:rerun-if-changed={}", folder.display());
                check_runnable(&folder, backend)?;
                // What ran is `up.sql`: a fix to a `down.sql` must not lock
                // out databases that applied the migration.
                let up = folder.join("up.sql");
                println!("cargo:rerun-if-changed={}", up.display());
                println!(
                    "cargo:rerun-if-changed={}",
                    folder.join("down.sql").display()
                );
                let bytes = std::fs::read(&up).map_err(|source| Error::Read {
                    path: up.clone(),
                    source,
                })?;
                out.push_str(&format!(
                    "    ({:?}, {:?}),\n",
                    m.version,
                    history::checksum(&bytes)
                ));
            }
        }
        out.push_str("];\n");
    }
    Ok(out)
}

/// Refuses a migration that a runner applying every pending migration
/// inside one locked transaction cannot run safely: one that must run
/// outside a transaction, or a SQLite `PRAGMA foreign_keys` (a no-op inside
/// a transaction, so a rebuild would cascade-delete rows).
fn check_runnable(folder: &Path, backend: Backend) -> Result<()> {
    let refuse = |path: PathBuf, problem: &str| {
        Err(Error::Migrations(HistoryError::NotRunnable {
            path,
            problem: problem.to_string(),
        }))
    };
    let meta = folder.join("metadata.toml");
    if let Ok(text) = std::fs::read_to_string(&meta) {
        let off = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").replace([' ', '\t'], ""))
            .any(|l| l == "run_in_transaction=false");
        if off {
            return refuse(
                meta,
                "`run_in_transaction = false` is not supported: the migrations are applied inside one locked transaction; split the statement that needs to run alone into a maintenance step outside the migrations",
            );
        }
    }
    if backend == Backend::Sqlite {
        for part in ["up.sql", "down.sql"] {
            let path = folder.join(part);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_default()
                .to_ascii_lowercase();
            let squeezed = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if [
                "pragma foreign_keys =",
                "pragma foreign_keys=",
                "pragma foreign_keys(",
            ]
            .iter()
            .any(|p| squeezed.contains(p))
            {
                return refuse(
                    path,
                    "`PRAGMA foreign_keys` does nothing inside the migration's transaction, so a table rebuild would run with foreign keys still on (DROP TABLE cascades); use `PRAGMA defer_foreign_keys = ON` and end with a `pragma_foreign_key_check()` test, as the generated rebuilds do",
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "cloacina-config-{tag}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
        ));
        let _ = std::fs::create_dir_all(&d);
        d
    }

    #[test]
    fn unrunnable_migrations_are_refused() {
        let dir = temp_dir("runnable");
        let folder = dir.join("20250101000000_x");
        std::fs::create_dir_all(&folder).unwrap_or_default();
        std::fs::write(folder.join("up.sql"), "PRAGMA foreign_keys = OFF;\n").unwrap_or_default();
        std::fs::write(folder.join("down.sql"), "SELECT 1;\n").unwrap_or_default();
        assert!(check_runnable(&folder, Backend::Postgres).is_ok());
        let err = check_runnable(&folder, Backend::Sqlite).map_err(|e| e.to_string());
        assert!(
            matches!(&err, Err(m) if m.contains("defer_foreign_keys")),
            "{err:?}"
        );
        std::fs::write(folder.join("up.sql"), "SELECT 1;\n").unwrap_or_default();
        std::fs::write(
            folder.join("metadata.toml"),
            "run_in_transaction = false # no\n",
        )
        .unwrap_or_default();
        let err = check_runnable(&folder, Backend::Postgres).map_err(|e| e.to_string());
        assert!(
            matches!(&err, Err(m) if m.contains("run_in_transaction")),
            "{err:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
