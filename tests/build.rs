//! Generates Diesel code and DDL from the fixture that uses every construct of
//! the schema language (and from the one with the calendar types), exactly as
//! a consuming crate's build script would (and from the one with the exact
//! decimal).

fn main() {
    // `calendar.rs` holds the naive date and time types, whose generated
    // code must compile next to everything else's.
    // `postgres_types.rs` holds the PostgreSQL-only column types of a
    // `#[backend(postgres)]` table (Diesel's own Rust types for them).
    // `decimal.rs` holds the exact decimal, generic over its scale.
    // `enums.rs` holds declared enums (a PostgreSQL enum type, checked
    // TEXT on SQLite).
    // `enum_edges.rs` holds enums as a hostile user writes them (odd
    // labels, keyword variants, an enum primary key).
    // `custom_types/custom_types.rs` holds declared custom types, whose
    // Diesel SQL and Rust types this crate defines (`custom_sql`).
    for fixture in [
        "valid/everything",
        "valid/calendar",
        "valid/postgres_types",
        "valid/decimal",
        "valid/enums",
        "valid/enum_edges",
        "custom_types/custom_types",
    ] {
        if let Err(e) = cloacina_codegen::Builder::new()
            .schema(format!("../cloacina-codegen/tests/fixtures/{fixture}.rs"))
            .compile()
        {
            match e {
                cloacina_codegen::Error::Schema(e) => eprintln!("{}", e.render()),
                other => eprintln!("{other}"),
            }
            std::process::exit(1);
        }
    }
}
