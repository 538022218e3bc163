//! `cloacina-codegen`: drive each stage of the schema toolkit by hand.
//!
//! Exit codes: 0 success (for `diff` and `status`: schema and migration
//! history in sync), 1 the schema has errors, 2 bad usage, 3 a file could
//! not be read or written, 4 the schema differs from the migration history
//! (pending operations), 5 refused: a destructive step the schema does not
//! allow, a change that cannot be migrated, or a damaged history (integrity
//! check failed), 6 the databases disagree: `check` found a difference
//! between the schema file, the history and the replayed migrations;
//! `check-parity` found a divergence; `import` found modules (or the
//! database) disagreeing with each other.
//!
//! `check-parity` in particular: 0 the folders agree (representation-only
//! differences, warnings and differences accepted by `--accept` do not
//! fail); 2 bad usage: a folder with no `<version>_<name>/up.sql` in it, a
//! `--postgres` that is not a `postgres://` URL, an unreadable `--accept`
//! baseline; 3 a folder or file could not be read, a migration failed to
//! apply (the error names the `up.sql` and the line of the failing
//! statement), or the server could not be reached; 6 a structural or
//! value-semantics difference, an unpaired migration, or a row finding.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod parity;

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
    /// Print the operations pending between the migration history and the
    /// schema file, with both backends' up.sql and down.sql; writes nothing.
    /// Exits 4 when something is pending.
    Diff {
        /// The schema file [default: <workspace>/schema/cloacina.rs]
        #[arg(long)]
        schema: Option<PathBuf>,
        /// The migrations folder [default: <workspace>/migrations]
        #[arg(long)]
        migrations: Option<PathBuf>,
    },
    /// Write, rehash or add migrations.
    Migration {
        #[command(subcommand)]
        command: MigrationCommand,
    },
    /// The migrations, which are hand-written, whether every file matches
    /// its checksum, and whether the schema has pending changes. Exits 4
    /// when changes are pending, 5 when the integrity check fails.
    Status {
        /// The schema file [default: <workspace>/schema/cloacina.rs]
        #[arg(long)]
        schema: Option<PathBuf>,
        /// The migrations folder [default: <workspace>/migrations]
        #[arg(long)]
        migrations: Option<PathBuf>,
    },
    /// The CI check: the schema file parses and validates, the migration
    /// history is in sync, and the migrations replayed on a fresh SQLite
    /// file and a fresh temporary PostgreSQL database both equal the schema
    /// file and each other. Exits 6 on any difference.
    ///
    /// With --database URL: checks that live database (PostgreSQL or
    /// SQLite) for drift instead: against the schema file, and against the
    /// migrations it records as applied (`__diesel_schema_migrations`)
    /// replayed on a scratch database of its backend; a change made by hand
    /// is reported. Exits 6 on a structural or value difference, a pending
    /// or unknown applied migration.
    #[cfg(feature = "live")]
    Check {
        /// The schema file [default: <workspace>/schema/cloacina.rs]
        #[arg(long)]
        schema: Option<PathBuf>,
        /// The migrations folder [default: <workspace>/migrations]
        #[arg(long)]
        migrations: Option<PathBuf>,
        /// A live database to check for drift (postgres://…, or a SQLite
        /// path); it is only read.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// The PostgreSQL server [default: $DATABASE_URL]; a temporary
        /// database is created there and dropped again.
        #[arg(long)]
        postgres: Option<String>,
        /// With --database: a reviewed baseline of known differences (the
        /// JSON of check-parity's --accept); they are listed as accepted
        /// and do not fail.
        #[arg(long, value_name = "FILE", requires = "database")]
        accept: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Replay two hand-kept Diesel migration folders (paired by name; the
    /// version numbers may differ) on fresh databases and report every
    /// divergence with its kind (structural, value semantics,
    /// representation only). Exits 6 on a failing one, 2 on an empty or
    /// unrelated folder or a --postgres that is not PostgreSQL, 3 when a
    /// migration fails (file and line named).
    CheckParity {
        /// The PostgreSQL migrations folder.
        postgres_dir: PathBuf,
        /// The SQLite migrations folder.
        sqlite_dir: PathBuf,
        /// The PostgreSQL server [default: $DATABASE_URL]; only
        /// postgres:// or postgresql:// URLs.
        #[arg(long)]
        postgres: Option<String>,
        /// A reviewed baseline of known differences (JSON:
        /// `{"accept": [{"kind", "table", "object", "attribute", "reason"}]}`):
        /// they are listed as accepted and do not fail; a baseline entry
        /// that no longer occurs is reported as stale.
        #[arg(long, value_name = "FILE")]
        accept: Option<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the neutral schema file of a live database (postgres://…, or a
    /// SQLite path).
    #[cfg(feature = "live")]
    Inspect {
        /// The database URL or SQLite file.
        url: String,
        /// Write here instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Turn a Diesel schema.rs into the neutral schema file. Every construct
    /// is carried, scoped to a backend, or reported with file:line:col.
    /// Exits 6 when its modules (or the --database) disagree or something
    /// was left out; the file is still written.
    Import {
        /// The Diesel schema.rs.
        schema_rs: PathBuf,
        /// A live database whose foreign keys, identities, defaults, indexes
        /// and constraints to keep; give it twice for one of each backend
        /// (the first one's definitions are kept, the second's differences
        /// reported).
        #[arg(long)]
        database: Vec<String>,
        /// Write the schema here instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Print a JSON report (with the schema text) to stdout.
        #[arg(long)]
        json: bool,
    },
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

#[derive(Subcommand)]
enum MigrationCommand {
    /// Write the pending operations as a new migration pair (postgres/ and
    /// sqlite/), update the snapshot and the integrity file.
    New {
        /// The migration name [default: made from its operations]
        name: Option<String>,
        /// The schema file [default: <workspace>/schema/cloacina.rs]
        #[arg(long)]
        schema: Option<PathBuf>,
        /// The migrations folder [default: <workspace>/migrations]
        #[arg(long)]
        migrations: Option<PathBuf>,
    },
    /// Repair a merge of two branches that each added migrations from the
    /// same parent: keep the branch whose migration comes first, remove the
    /// other branch's migrations and write one migration from the kept
    /// branch's end to the schema file. Only for migrations no shared
    /// database has applied yet.
    Rebase {
        /// The schema file [default: <workspace>/schema/cloacina.rs]
        #[arg(long)]
        schema: Option<PathBuf>,
        /// The migrations folder [default: <workspace>/migrations]
        #[arg(long)]
        migrations: Option<PathBuf>,
    },
    /// Recompute the integrity file after an intended hand edit.
    Rehash {
        /// The migrations folder [default: <workspace>/migrations]
        #[arg(long)]
        migrations: Option<PathBuf>,
    },
    /// Adopt a migrations folder written by hand or by another tool: record
    /// the schema file as the state after its newest migration (writes the
    /// snapshot) and checksum every file. Use once, when the newest
    /// migration already matches the schema file.
    Adopt {
        /// The schema file [default: <workspace>/schema/cloacina.rs]
        #[arg(long)]
        schema: Option<PathBuf>,
        /// The migrations folder [default: <workspace>/migrations]
        #[arg(long)]
        migrations: Option<PathBuf>,
    },
    /// Create an empty hand-written migration pair NAME, marked as such.
    Hand {
        /// The migration name (lowercase, digits, `_`).
        name: String,
        /// The migrations folder [default: <workspace>/migrations]
        #[arg(long)]
        migrations: Option<PathBuf>,
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
        Err(e @ Error::Parity { .. }) => {
            eprintln!("error: {e}");
            ExitCode::from(6)
        }
        Err(e @ Error::Config(_)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(Error::Migrations(e)) => {
            use cloacina_codegen::history::HistoryError as H;
            eprintln!("error: {e}");
            match e {
                H::Pending { .. } => ExitCode::from(4),
                H::Io { .. } | H::Locked { .. } => ExitCode::from(3),
                H::BadName { .. } => ExitCode::from(2),
                _ => ExitCode::from(5),
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(3)
        }
    }
}

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Diff { schema, migrations } => {
            let project = project(schema, migrations)?;
            let hist = project.history()?;
            let pending = project.pending(&hist)?;
            if pending.is_empty() {
                eprintln!(
                    "{}: in sync with {}",
                    project.file().path().display(),
                    project.migrations_dir().display()
                );
                return Ok(());
            }
            print!(
                "{}",
                cloacina_codegen::internals::plan::operations_comment(&pending.changes.operations)
            );
            for w in &pending.changes.warnings {
                println!("-- warning: {w}");
            }
            for sql in &pending.sql {
                println!("\n-- ===== {} up.sql =====\n{}", sql.backend, sql.up);
                println!("-- ===== {} down.sql =====\n{}", sql.backend, sql.down);
            }
            Err(project.pending_error(&pending, "not written"))
        }
        Command::Migration { command } => match command {
            MigrationCommand::New {
                name,
                schema,
                migrations,
            } => {
                let project = project(schema, migrations)?;
                let written = project
                    .write_pending(name.as_deref(), &cloacina_codegen::history::SystemClock)?;
                let Some(written) = written else {
                    eprintln!(
                        "{}: in sync with {}; nothing to write",
                        project.file().path().display(),
                        project.migrations_dir().display()
                    );
                    return Ok(());
                };
                eprintln!("wrote migration {}:", written.folder);
                for f in &written.files {
                    eprintln!("  {}", f.display());
                }
                Ok(())
            }
            MigrationCommand::Rebase { schema, migrations } => {
                let project = project(schema, migrations)?;
                let rebased = project.rebase(&cloacina_codegen::history::SystemClock)?;
                eprintln!(
                    "removed {} migration(s) planned from the same parent as an earlier one:",
                    rebased.dropped.len()
                );
                for f in &rebased.dropped {
                    eprintln!("  {f}");
                }
                match &rebased.written {
                    Some(written) => {
                        eprintln!(
                            "wrote migration {} on top of {}: review and commit these files",
                            written.folder, rebased.onto
                        );
                        for f in &written.files {
                            eprintln!("  {}", f.display());
                        }
                    }
                    None => eprintln!(
                        "{} already equals the schema file; nothing new to write",
                        rebased.onto
                    ),
                }
                Ok(())
            }
            MigrationCommand::Rehash { migrations } => {
                let dir = migrations_path(migrations)?;
                let _lock =
                    cloacina_codegen::history::lock(&dir, cloacina_codegen::history::LOCK_WAIT)?;
                let mut hist = cloacina_codegen::history::load(&dir)?;
                hist.rehash()?;
                eprintln!(
                    "rehashed {} migration(s) in {}",
                    hist.migrations.len(),
                    dir.display()
                );
                Ok(())
            }
            MigrationCommand::Adopt { schema, migrations } => {
                let (path, dir) = (schema_path(schema)?, migrations_path(migrations)?);
                let schema = cloacina_codegen::load(&path)?;
                let _lock =
                    cloacina_codegen::history::lock(&dir, cloacina_codegen::history::LOCK_WAIT)?;
                let mut hist = cloacina_codegen::history::load_for_adoption(&dir)?;
                let files = cloacina_codegen::history::adopt(&mut hist, &schema)?;
                eprintln!(
                    "adopted {} migration(s) in {}: {} is now their snapshot",
                    hist.migrations.len(),
                    dir.display(),
                    path.display()
                );
                for f in &files {
                    eprintln!("  {}", f.display());
                }
                Ok(())
            }
            MigrationCommand::Hand { name, migrations } => {
                let dir = migrations_path(migrations)?;
                let _lock =
                    cloacina_codegen::history::lock(&dir, cloacina_codegen::history::LOCK_WAIT)?;
                let mut hist = cloacina_codegen::history::load(&dir)?;
                let written = cloacina_codegen::history::write_hand_migration(
                    &mut hist,
                    &name,
                    &cloacina_codegen::history::SystemClock,
                )?;
                eprintln!(
                    "created hand-written migration {}: write its SQL into both backends' up.sql and down.sql, then run `cloacina-codegen migration rehash`",
                    written.folder
                );
                for f in &written.files {
                    eprintln!("  {}", f.display());
                }
                Ok(())
            }
        },
        Command::Status { schema, migrations } => {
            let (path, dir) = (schema_path(schema)?, migrations_path(migrations)?);
            let hist = cloacina_codegen::history::load(&dir)?;
            for m in &hist.migrations {
                println!(
                    "{}{}",
                    m.folder,
                    if m.hand_written {
                        "  (hand-written)"
                    } else {
                        ""
                    }
                );
            }
            hist.verify()?;
            println!(
                "integrity: every file matches {}, and the history is one chain",
                cloacina_codegen::history::INTEGRITY_FILE
            );
            let project = cloacina_codegen::Project::load(&path, &dir)?;
            let pending = project.pending(&hist)?;
            if pending.is_empty() {
                println!("schema: in sync with the history");
                Ok(())
            } else {
                Err(project.pending_error(&pending, "not written"))
            }
        }
        #[cfg(feature = "live")]
        Command::Check {
            schema,
            migrations,
            database: Some(url),
            postgres,
            accept,
            json,
        } => {
            let (path, dir) = (schema_path(schema)?, migrations_path(migrations)?);
            parity::drift(&path, &dir, &url, postgres, accept.as_deref(), json)
        }
        #[cfg(feature = "live")]
        Command::Check {
            schema,
            migrations,
            database: None,
            postgres,
            accept: _,
            json,
        } => {
            let (path, dir) = (schema_path(schema)?, migrations_path(migrations)?);
            parity::check(&path, &dir, postgres, json)
        }
        #[cfg(feature = "live")]
        Command::CheckParity {
            postgres_dir,
            sqlite_dir,
            postgres,
            accept,
            json,
        } => parity::check_parity(
            &postgres_dir,
            &sqlite_dir,
            postgres,
            accept.as_deref(),
            json,
        ),
        #[cfg(not(feature = "live"))]
        Command::CheckParity { .. } => Err(Error::Config(
            "check-parity needs the `live` feature of cloacina-codegen (on by default)".into(),
        )),
        #[cfg(feature = "live")]
        Command::Inspect { url, output } => parity::inspect(&url, output.as_deref()),
        Command::Import {
            schema_rs,
            database,
            output,
            json,
        } => parity::import(&schema_rs, database, output, json),
        Command::Validate { schema } => {
            let path = schema_path(schema)?;
            let schema = cloacina_codegen::load(&path)?;
            let count =
                |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
            let mut parts = vec![count(schema.tables.len(), "table")];
            if !schema.enums.is_empty() {
                parts.push(count(schema.enums.len(), "enum"));
            }
            if !schema.custom_types.is_empty() {
                parts.push(count(schema.custom_types.len(), "custom type"));
            }
            if !schema.extensions.is_empty() {
                parts.push(count(schema.extensions.len(), "PostgreSQL extension"));
            }
            parts.push(count(schema.raw_blocks.len(), "raw SQL block"));
            eprintln!("{}: valid ({})", path.display(), parts.join(", "));
            Ok(())
        }
        Command::Render {
            schema,
            backend,
            what,
        } => {
            let path = schema_path(schema)?;
            let backend = Backend::from(backend);
            let mut builder = Builder::new();
            builder.schema(&path).backends(&[backend]);
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = match what {
                What::Ddl => format!("{stem}.{}.sql", backend.name()),
                What::Diesel => format!("{stem}.rs"),
            };
            // Only the asked output is rendered.
            let file = builder.generate_file(&name)?.ok_or_else(|| {
                Error::Config(format!("nothing was generated under the name {name}"))
            })?;
            // One write through a locked, buffered handle (stdout's line
            // buffering would otherwise go line by line), and a closed pipe
            // is an error, not a panic.
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            std::io::Write::write_all(&mut out, file.contents.as_bytes())
                .and_then(|()| std::io::Write::flush(&mut out))
                .map_err(|e| Error::Config(format!("writing the output to stdout: {e}")))?;
            Ok(())
        }
    }
}

/// The project of `--schema` and `--migrations` (or their defaults), its
/// schema file read once.
fn project(
    schema: Option<PathBuf>,
    migrations: Option<PathBuf>,
) -> Result<cloacina_codegen::Project, Error> {
    let (path, dir) = (schema_path(schema)?, migrations_path(migrations)?);
    cloacina_codegen::Project::load(path, dir)
}

/// `--migrations`, or `migrations/` next to the default schema file's
/// folder (the workspace root).
fn migrations_path(given: Option<PathBuf>) -> Result<PathBuf, Error> {
    if let Some(p) = given {
        return Ok(p);
    }
    let schema = schema_path(None)?;
    let root = schema
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    Ok(root.join("migrations"))
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
