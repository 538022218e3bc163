//! `cloacina-codegen`: drive each stage of the schema toolkit by hand.
//!
//! Exit codes: 0 success, 1 the schema has errors, 2 bad usage, 3 a file
//! could not be read or written.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use cloacina_codegen::{Backend, Builder, Error};

#[derive(Parser)]
#[command(
    name = "cloacina-codegen",
    version,
    about = "One backend-neutral schema file; Diesel code and PostgreSQL/SQLite DDL generated from it"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and validate the schema file; diagnostics go to stderr.
    Validate {
        /// The schema file [default: <workspace>/schema/cloacina.rs]
        #[arg(long)]
        schema: Option<PathBuf>,
    },
    /// Print generated text to stdout.
    Render {
        /// The schema file [default: <workspace>/schema/cloacina.rs]
        #[arg(long)]
        schema: Option<PathBuf>,
        /// The backend to render for.
        #[arg(long, value_enum)]
        backend: BackendArg,
        /// `ddl`: the CREATE script; `diesel`: the Rust module generated for
        /// a build with this backend only.
        #[arg(long, value_enum)]
        what: What,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum BackendArg {
    Postgres,
    Sqlite,
}

impl From<BackendArg> for Backend {
    fn from(b: BackendArg) -> Self {
        match b {
            BackendArg::Postgres => Backend::Postgres,
            BackendArg::Sqlite => Backend::Sqlite,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum What {
    Ddl,
    Diesel,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Schema(e)) => {
            eprint!("{}", e.render());
            eprintln!(
                "\n{}: {} error{}",
                e.path,
                e.diagnostics.len(),
                if e.diagnostics.len() == 1 { "" } else { "s" }
            );
            ExitCode::from(1)
        }
        Err(e @ Error::Config(_)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(3)
        }
    }
}

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Validate { schema } => {
            let path = schema_path(schema)?;
            let schema = cloacina_codegen::load(&path)?;
            eprintln!(
                "{}: valid ({} table{}, {} raw SQL block{})",
                path.display(),
                schema.tables.len(),
                if schema.tables.len() == 1 { "" } else { "s" },
                schema.raw_blocks.len(),
                if schema.raw_blocks.len() == 1 {
                    ""
                } else {
                    "s"
                },
            );
            Ok(())
        }
        Command::Render {
            schema,
            backend,
            what,
        } => {
            let path = schema_path(schema)?;
            let backend = Backend::from(backend);
            let generated = Builder::new()
                .schema(&path)
                .backends(&[backend])
                .generate()?;
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = match what {
                What::Ddl => format!("{stem}.{}.sql", backend.name()),
                What::Diesel => format!("{stem}.rs"),
            };
            let file = generated.file(&name).ok_or_else(|| {
                Error::Config(format!("nothing was generated under the name {name}"))
            })?;
            print!("{}", file.contents);
            Ok(())
        }
    }
}

/// `--schema`, or `schema/cloacina.rs` in the nearest workspace root above
/// the current directory.
fn schema_path(given: Option<PathBuf>) -> Result<PathBuf, Error> {
    if let Some(p) = given {
        return Ok(p);
    }
    let cwd = std::env::current_dir().map_err(|source| Error::Read {
        path: PathBuf::from("."),
        source,
    })?;
    for dir in cwd.ancestors() {
        let candidate = dir.join("schema").join("cloacina.rs");
        if candidate.is_file() && is_workspace_root(dir) {
            return Ok(relative_to(&candidate, &cwd));
        }
    }
    for dir in cwd.ancestors() {
        let candidate = dir.join("schema").join("cloacina.rs");
        if candidate.is_file() {
            return Ok(relative_to(&candidate, &cwd));
        }
    }
    Err(Error::Config(
        "no schema file given and no schema/cloacina.rs found above the current directory: pass --schema PATH".into(),
    ))
}

fn is_workspace_root(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|s| s.contains("[workspace]"))
}

fn relative_to(path: &Path, base: &Path) -> PathBuf {
    path.strip_prefix(base)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf())
}
