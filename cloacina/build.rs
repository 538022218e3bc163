//! Generates Cloacina's Diesel code from `schema/cloacina.rs`, keeps the
//! migration history in step with it (refusing edited, unrecorded or merged
//! migrations), and writes `migration_checksums.rs`, the checksums of the
//! embedded migrations, so the migration runner can refuse a database whose
//! applied migrations were edited afterwards.

use cloacina_codegen::{Backend, Builder, Error};

fn main() {
    let backends: Vec<Backend> = [
        ("CARGO_FEATURE_POSTGRES", Backend::Postgres),
        ("CARGO_FEATURE_SQLITE", Backend::Sqlite),
    ]
    .into_iter()
    .filter(|(feature, _)| std::env::var_os(feature).is_some())
    .map(|(_, backend)| backend)
    .collect();
    if backends.is_empty() {
        eprintln!("error: enable at least one of the features `postgres` and `sqlite`");
        std::process::exit(1);
    }
    // A schema that differs from the history writes the next migration on a
    // developer's machine (named in a cargo warning) and fails under CI.
    // `schema` and `migrations` are symbolic links to the workspace's
    // copies, which `cargo package` resolves: the packaged crate carries the
    // files themselves and builds the same way.
    let result = Builder::new()
        .schema("schema/cloacina.rs")
        .migrations("migrations")
        .migration_checksums(true)
        .backends(&backends)
        .compile();
    if let Err(e) = result {
        match e {
            Error::Schema(e) => eprintln!("{}", e.render()),
            other => eprintln!("error: {other}"),
        }
        std::process::exit(1);
    }
}
