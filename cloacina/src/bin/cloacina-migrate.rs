//! `cloacina-migrate`: operate the migrations of a live database by hand.
//!
//! ```text
//! cloacina-migrate --database URL [--tenant NAME] status [--json]
//! cloacina-migrate --database URL up [--to VERSION] [--dry-run] [--adopt-unverified]
//! cloacina-migrate --database URL revert [N] [--dry-run]
//! ```
//!
//! `--database` defaults to `$DATABASE_URL`. Progress (one line per
//! migration, with its time) goes to stderr through `tracing`
//! (`RUST_LOG`-style level via `--log`, default `info`); results go to
//! stdout.
//!
//! Exit status: 0 on success (for `status`: every migration applied or
//! pending); 1 on any error (printed without any password); 2 on a usage
//! error (clap); 3 when `status` finds a migration `modified` (applied, but
//! its file changed since) or `missing` (applied, but not in this build),
//! after printing the status.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cloacina::{Database, DatabaseConfig, MigrationSql, MigrationState};

#[derive(Parser)]
#[command(
    name = "cloacina-migrate",
    version,
    about = "Status, migrate, revert and dry runs for a live Cloacina database"
)]
struct Cli {
    /// Connection string (PostgreSQL URL or keyword/value string, SQLite
    /// URI or path); defaults to $DATABASE_URL.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database: String,
    /// Operate on this tenant (a PostgreSQL schema, or a SQLite file next
    /// to the given one).
    #[arg(long)]
    tenant: Option<String>,
    /// Seconds to wait for another process's migration lock.
    #[arg(long, default_value_t = 60)]
    lock_timeout: u64,
    /// Progress level: error, warn, info, debug.
    #[arg(long, default_value = "info")]
    log: tracing::Level,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Every migration: applied, unrecorded, pending, modified or missing.
    Status {
        /// One JSON document instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Apply the pending migrations (up to and including --to).
    Up {
        /// A version or a migration folder name.
        #[arg(long)]
        to: Option<String>,
        /// Print the SQL that would run; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Record the checksums of migrations that plain Diesel applied even
        /// when the database's structure differs from what they build (the
        /// differences are logged as a warning).
        #[arg(long)]
        adopt_unverified: bool,
    },
    /// Revert the newest N applied migrations with their down.sql, in one
    /// transaction.
    Revert {
        /// How many (default 1).
        #[arg(default_value_t = 1)]
        n: usize,
        /// Print the SQL that would run; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn print_sql(steps: &[MigrationSql]) {
    if steps.is_empty() {
        println!("-- nothing to run");
    }
    for s in steps {
        println!("-- {} ({})", s.name, s.file);
        println!("{}", s.sql.trim_end());
        println!();
    }
}

/// Exit status of `status` when a migration is modified or missing.
const EXIT_STATUS_DRIFT: u8 = 3;

fn run(cli: Cli) -> Result<ExitCode, cloacina::Error> {
    let config = DatabaseConfig {
        max_size: 2,
        migration_lock_timeout: std::time::Duration::from_secs(cli.lock_timeout),
        application_name: "cloacina-migrate".into(),
        adopt_unverified: matches!(
            cli.command,
            Command::Up {
                adopt_unverified: true,
                ..
            }
        ),
        ..DatabaseConfig::default()
    };
    let db = match &cli.tenant {
        Some(t) => Database::connect_tenant(&cli.database, t, config)?,
        None => Database::connect_with(&cli.database, config)?,
    };
    match cli.command {
        Command::Status { json } => {
            let status = db.migration_status()?;
            if json {
                println!("{:#}", status.to_json());
            } else {
                print!("{}", status.to_table());
            }
            let drift =
                status.count(MigrationState::Modified) + status.count(MigrationState::Missing);
            if drift > 0 {
                eprintln!(
                    "error: {drift} migration(s) modified or missing (see above): this build and the database disagree about what ran"
                );
                return Ok(ExitCode::from(EXIT_STATUS_DRIFT));
            }
        }
        Command::Up {
            to, dry_run: true, ..
        } => print_sql(&db.pending_sql(to.as_deref())?),
        Command::Up {
            to, dry_run: false, ..
        } => {
            let report = match &to {
                Some(v) => db.migrate_to(v)?,
                None => db.migrate()?,
            };
            println!(
                "applied {} migration(s){}; {} were applied before",
                report.applied.len(),
                if report.applied.is_empty() {
                    String::new()
                } else {
                    format!(": {}", report.applied.join(", "))
                },
                report.already_applied
            );
        }
        Command::Revert { n, dry_run: true } => print_sql(&db.revert_sql(n)?),
        Command::Revert { n, dry_run: false } => {
            let reverted = db.revert(n)?;
            println!(
                "reverted {} migration(s): {}",
                reverted.len(),
                reverted.join(", ")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(cli.log)
        .with_target(false)
        .init();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
