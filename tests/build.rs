//! Generates Diesel code and DDL from the fixture that uses every construct of
//! the schema language, exactly as a consuming crate's build script would.

fn main() {
    if let Err(e) = cloacina_codegen::Builder::new()
        .schema("../cloacina-codegen/tests/fixtures/valid/everything.rs")
        .compile()
    {
        match e {
            cloacina_codegen::Error::Schema(e) => eprintln!("{}", e.render()),
            other => eprintln!("{other}"),
        }
        std::process::exit(1);
    }
}
