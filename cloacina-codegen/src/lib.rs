//! Cloacina schema toolkit: one backend-neutral schema file, everything else generated.
#![warn(missing_docs)]

pub mod config;
pub mod error;
pub mod model;
pub mod names;
pub mod parse;
pub mod render;
pub mod validate;

use std::path::Path;

pub use config::{Builder, Generated, GeneratedFile};
pub use error::{DiagCode, Diagnostic, Error, SchemaError};
pub use model::{Backend, Schema};

/// Parses and validates schema source text. `path` is only used to name the
/// file in diagnostics.
///
/// # Errors
///
/// A [`SchemaError`] holding every problem found, each with its span.
pub fn parse_str(path: &str, source: &str) -> Result<Schema, SchemaError> {
    let (schema, mut diags) = parse::parse(source);
    if diags.is_empty() {
        diags = validate::validate(&schema);
    }
    if diags.is_empty() {
        Ok(schema)
    } else {
        Err(SchemaError::new(path, source, diags))
    }
}

/// Reads, parses and validates a schema file.
///
/// # Errors
///
/// [`Error::Read`] when the file cannot be read, [`Error::Schema`] when it
/// has problems.
pub fn load(path: impl AsRef<Path>) -> Result<Schema, Error> {
    let path = path.as_ref();
    let source = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(parse_str(&path.display().to_string(), &source)?)
}
