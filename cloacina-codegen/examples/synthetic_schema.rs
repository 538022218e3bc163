//! Prints a synthetic schema of N tables using every construct of the
//! schema language, for benchmarks and scaling runs:
//! `cargo run -p cloacina-codegen --example synthetic_schema -- 1000 > big.rs`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(n) = std::env::args()
        .nth(1)
        .and_then(|a| a.parse::<usize>().ok())
    else {
        eprintln!("usage: synthetic_schema <number of tables>");
        return ExitCode::from(2);
    };
    print!(
        "{}",
        cloacina_codegen::internals::synthetic::schema_source(n)
    );
    ExitCode::SUCCESS
}
