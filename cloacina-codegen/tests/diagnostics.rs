//! Every bad-input fixture fails with exactly the diagnostic in its snapshot
//! (file, line, column, caret, help), and no input, nor any truncation of a
//! valid one, makes the parser panic.

use std::path::Path;

fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

#[test]
fn invalid_fixtures_report_exact_diagnostics() {
    insta::glob!("fixtures/invalid/*.rs", |path| {
        let source = std::fs::read_to_string(path).expect("read fixture");
        let shown = relative(path);
        let err = cloacina_codegen::parse_str(&shown, &source)
            .expect_err("an invalid fixture must not validate");
        assert!(!err.diagnostics.is_empty());
        for d in &err.diagnostics {
            assert!(
                d.help.is_some(),
                "{shown}: every diagnostic says what to do: {d:?}"
            );
            assert!(d.span.start <= source.len() && d.span.end <= source.len());
        }
        insta::assert_snapshot!(err.render());
    });
}

#[test]
fn there_are_at_least_thirty_bad_input_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid");
    let n = std::fs::read_dir(dir)
        .expect("fixture dir")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "rs"))
        })
        .count();
    assert!(n >= 30, "only {n} bad-input fixtures");
}

fn all_fixtures() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.expect("walk fixtures");
        if entry.path().extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(entry.path()).expect("read fixture");
            out.push((relative(entry.path()), text));
        }
    }
    out
}

#[test]
fn no_fixture_panics_the_parser() {
    for (name, text) in all_fixtures() {
        let result =
            std::panic::catch_unwind(|| cloacina_codegen::parse_str(&name, &text).map(|_| ()));
        assert!(result.is_ok(), "{name} panicked the parser");
        if let Err(e) = cloacina_codegen::parse_str(&name, &text) {
            // Rendering the diagnostics must not panic either.
            let _ = e.render();
            let _ = e.to_string();
        }
    }
}

#[test]
fn no_truncation_of_a_valid_fixture_panics() {
    let mut checked = 0usize;
    for (name, text) in all_fixtures()
        .into_iter()
        .filter(|(n, _)| n.contains("/valid/"))
    {
        for cut in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
            let prefix = &text[..cut];
            let result =
                std::panic::catch_unwind(|| match cloacina_codegen::parse_str(&name, prefix) {
                    Ok(_) => String::new(),
                    Err(e) => e.render(),
                });
            assert!(
                result.is_ok(),
                "{name} truncated at byte {cut} panicked the parser"
            );
            checked += 1;
        }
    }
    assert!(checked > 1000, "too few truncations checked: {checked}");
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A deterministic pseudo-random mix of schema tokens and noise.
    let pieces = [
        "table!",
        "raw_sql!",
        "{",
        "}",
        "(",
        ")",
        "<",
        ">",
        "#[",
        "]",
        "->",
        ",",
        ";",
        "\"",
        "r#\"",
        "\"#",
        "Nullable",
        "Text",
        "Uuid",
        "id",
        "default",
        "index",
        "check",
        "in",
        "=",
        ".",
        "-",
        "1",
        "1.5",
        "true",
        "///",
        "//",
        "/*",
        "*/",
        "\n",
        " ",
        "é",
        "'",
        "where",
        "references",
        "foreign_key",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..3000 {
        let mut s = String::new();
        for _ in 0..(state % 40) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            s.push_str(pieces[(state % pieces.len() as u64) as usize]);
        }
        state = state.wrapping_add(0x1234_5678);
        let result = std::panic::catch_unwind(|| {
            cloacina_codegen::parse_str("noise.rs", &s).map_err(|e| e.render())
        });
        assert!(result.is_ok(), "input {s:?} panicked the parser");
    }
}

/// A 100 KB identifier, SQL expression or literal is quoted in messages as
/// a window with an ellipsis and its full length, never in full.
#[test]
fn long_user_text_is_bounded_in_messages() {
    let long = "a".repeat(100_000);
    let cases = [
        (
            "identifier",
            format!("table! {{\n    tasks (id) {{\n        id -> Uuid,\n        {long} -> Text,\n    }}\n}}\n"),
        ),
        (
            "type",
            format!("table! {{\n    tasks (id) {{\n        id -> Uuid,\n        name -> {long},\n    }}\n}}\n"),
        ),
        (
            "check",
            format!("table! {{\n    tasks (id) {{\n        id -> Uuid,\n        #[check(sql = \"{long} > 1\")]\n        n -> Integer,\n    }}\n}}\n"),
        ),
        (
            "default",
            format!("table! {{\n    tasks (id) {{\n        id -> Uuid,\n        #[default({long})]\n        n -> Integer,\n    }}\n}}\n"),
        ),
    ];
    for (what, source) in cases {
        let err =
            cloacina_codegen::parse_str("schema.rs", &source).expect_err("the schema is invalid");
        assert!(!err.diagnostics.is_empty(), "{what}");
        for d in &err.diagnostics {
            let all = format!(
                "{} {} {}",
                d.message,
                d.label,
                d.help.as_deref().unwrap_or("")
            );
            assert!(
                all.len() < 2_000,
                "{what}: {} bytes: {:.300}",
                all.len(),
                all
            );
        }
        let shown = format!("{}{}", err.render(), err);
        assert!(
            shown.len() < 8_000,
            "{what}: rendered {} bytes",
            shown.len()
        );
        assert!(shown.contains("…"), "{what}: {shown:.2000}");
        assert!(shown.contains("bytes)"), "{what}: {shown:.2000}");
    }
}

#[test]
fn bound_message_keeps_short_text_and_windows_long_text() {
    use cloacina_codegen::error::bound_message;
    let short = "unknown column type `Strng`";
    assert_eq!(bound_message(short), short);
    let long = format!("unknown column type `{}` here", "b".repeat(100_000));
    let shown = bound_message(&long);
    assert_eq!(
        shown,
        format!(
            "unknown column type `{}…{}` (100000 bytes) here",
            "b".repeat(48),
            "b".repeat(48)
        )
    );
    let quoted = format!("default \"{} x\" is too long", "é".repeat(1_000));
    let shown = bound_message(&quoted);
    assert!(shown.ends_with("\" (2002 bytes) is too long"), "{shown}");
    assert!(shown.len() < 300, "{shown}");
}
