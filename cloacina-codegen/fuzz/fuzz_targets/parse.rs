//! Any bytes through everything that reads a schema file: the parser and
//! validator, the diagnostic printer, generation of a valid schema, and the
//! Diesel `schema.rs` importer. A panic or a stack overflow is a finding.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Invalid UTF-8 is refused before parsing (`parse::read_source`).
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    match cloacina_codegen::parse_str("fuzz.rs", source) {
        Ok(schema) => {
            let generated =
                cloacina_codegen::Builder::new().generate_from(Path::new("fuzz.rs"), schema);
            assert!(generated.is_ok(), "a valid schema must generate");
        }
        Err(e) => {
            let _ = e.render();
            let _ = e.to_string();
        }
    }
    let _ = cloacina_codegen::internals::import::import_str("fuzz.rs", source);
});
