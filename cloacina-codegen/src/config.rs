//! The build-script API: a [`Builder`] in the style of `prost-build`.
//!
//! [`Builder::generate`] does no I/O besides reading the schema file and
//! returns every output in memory; [`Generated::write_to`] writes them, only
//! where the contents changed, so an unchanged schema rebuilds nothing;
//! [`Builder::compile`] does both for a build script and prints the
//! `cargo:rerun-if-changed` lines.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::{Backend, Schema};
use crate::render;

/// Configures and runs code generation.
#[derive(Clone, Debug)]
pub struct Builder {
    schema: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    backends: Vec<Backend>,
    file_stem: Option<String>,
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
        }
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
        let path = self.schema_path()?;
        let schema = crate::load(path)?;
        self.generate_from(path, schema)
    }

    /// Like [`Builder::generate`], for a schema already in memory (`path`
    /// only names it in the generated headers).
    ///
    /// # Errors
    ///
    /// [`Error::GeneratedCode`] if rendering produced invalid Rust (a bug).
    pub fn generate_from(&self, path: &Path, schema: Schema) -> Result<Generated> {
        let stem = self.stem(path);
        let shown = display_path(path);
        let mut files = vec![GeneratedFile {
            name: format!("{stem}.rs"),
            contents: render::diesel::render(&schema, &shown, &self.backends)?,
        }];
        for backend in Backend::ALL {
            files.push(GeneratedFile {
                name: format!("{stem}.{}.sql", backend.name()),
                contents: format!(
                    "{}\n{}",
                    render::sql_header(&shown),
                    render::ddl::render_schema(&schema, backend)
                ),
            });
        }
        Ok(Generated {
            schema,
            schema_path: path.to_path_buf(),
            files,
        })
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
        let path = self.schema_path()?;
        println!("cargo:rerun-if-changed={}", path.display());
        let generated = self.generate()?;
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
        Ok(generated)
    }
}

/// The path as shown in generated headers: relative, `/`-separated, never
/// an absolute path of the machine that generated it.
fn display_path(path: &Path) -> String {
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
