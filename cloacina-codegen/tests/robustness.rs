//! Input that cannot break the parser: no stack overflow at any nesting
//! depth, no panic on any input, a located error instead.
//!
//! Every parse here runs on a thread with a 2 MiB stack (less than the
//! 8 MiB main thread a build script usually gets), so a stack overflow
//! would abort this test process: the nesting guard in
//! `cloacina_codegen::parse` is what prevents it, not `catch_unwind`.
//!
//! The mutation test runs `CLOACINA_FUZZ_CASES` cases (default 1,000);
//! `CLOACINA_FUZZ_CASES=6000 cargo test -p cloacina-codegen --test robustness`
//! runs a longer campaign.

use std::path::{Path, PathBuf};
use std::process::Command;

use cloacina_codegen::parse::MAX_NESTING;
use cloacina_codegen::{Builder, Error};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const STACK: usize = 2 * 1024 * 1024;

/// What one run of the library on a source text produced.
#[derive(Debug)]
enum Outcome {
    Valid,
    /// The rendered diagnostics and the `line:column` of each.
    Invalid {
        rendered: String,
        display: String,
    },
}

/// Parses, validates, renders the diagnostics (or generates every output
/// for a valid schema) on a 2 MiB thread. A panic is returned as `Err`; a
/// stack overflow aborts the process.
fn run_small_stack(source: String) -> Result<Outcome, String> {
    run_small_stack_with(source, true)
}

/// As [`run_small_stack`]; `generate` says whether a valid schema is also
/// rendered (about 80 ms each in a debug build, so not for every depth).
fn run_small_stack_with(source: String, generate: bool) -> Result<Outcome, String> {
    let handle = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || check_one(&source, generate))
        .map_err(|e| format!("cannot spawn: {e}"))?;
    handle.join().map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".into())
    })
}

fn check_one(source: &str, generate: bool) -> Outcome {
    // The Diesel `schema.rs` importer reads the same syntax: it must not
    // break either (its result does not matter here).
    let _ = cloacina_codegen::internals::import::import_str("fuzz.rs", source);
    match cloacina_codegen::parse_str("fuzz.rs", source) {
        Ok(_) if !generate => Outcome::Valid,
        Ok(schema) => {
            let generated = Builder::new()
                .generate_from(Path::new("fuzz.rs"), schema)
                .map(|g| g.files.len());
            // Generation of a valid schema must succeed too.
            assert!(
                generated.is_ok(),
                "valid schema did not generate: {generated:?}"
            );
            Outcome::Valid
        }
        Err(e) => {
            for d in &e.diagnostics {
                assert!(
                    d.span.start <= source.len() && d.span.end <= source.len(),
                    "span out of range: {d:?}"
                );
                assert!(d.help.is_some(), "no help line: {d:?}");
            }
            Outcome::Invalid {
                rendered: e.render(),
                display: e.to_string(),
            }
        }
    }
}

fn short(s: &str) -> String {
    if s.len() <= 300 {
        return s.to_string();
    }
    let mut cut = 300;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… ({} bytes)", &s[..cut], s.len())
}

fn expect_invalid(source: String) -> (String, String) {
    let shown = short(&source);
    match run_small_stack(source) {
        Ok(Outcome::Invalid { rendered, display }) => (rendered, display),
        Ok(Outcome::Valid) => panic!("accepted: {shown}"),
        Err(p) => panic!("panicked ({p}) on: {shown}"),
    }
}

fn table_with_column_type(ty: &str) -> String {
    format!("table! {{\n    t (id) {{\n        id -> Integer,\n        x -> {ty},\n    }}\n}}\n")
}

// ---- regression cases: the crashes of issue 13 -----------------------------

#[test]
fn deep_angle_brackets_are_refused_with_a_location() {
    for n in [MAX_NESTING + 1, 239, 1_000, 100_000] {
        let src = table_with_column_type(&format!("Text{}", "<".repeat(n)));
        let (rendered, display) = expect_invalid(src);
        assert!(display.contains("fuzz.rs:4:"), "{n}: {display}");
        assert!(rendered.contains("nested too deeply"), "{n}: {rendered}");
        assert!(rendered.contains("help:"), "{n}: {rendered}");
    }
}

#[test]
fn deep_nullable_is_refused_with_a_location() {
    for n in [MAX_NESTING, 163, 10_000] {
        let ty = format!("{}Text{}", "Nullable<".repeat(n), ">".repeat(n));
        let (rendered, display) = expect_invalid(table_with_column_type(&ty));
        assert!(display.contains("fuzz.rs:4:"), "{n}: {display}");
        assert!(rendered.contains("nested too deeply"), "{n}: {rendered}");
    }
}

#[test]
fn deep_brackets_inside_attributes_are_refused_with_a_location() {
    for (open, close) in [('(', ')'), ('[', ']'), ('{', '}')] {
        for n in [MAX_NESTING + 1, 200, 10_000, 100_000] {
            let inner = format!(
                "{}{}",
                open.to_string().repeat(n),
                close.to_string().repeat(n)
            );
            let src = format!(
                "table! {{\n    t (id) {{\n        #[check({inner})]\n        id -> Integer,\n    }}\n}}\n"
            );
            let (rendered, display) = expect_invalid(src);
            assert!(display.contains("fuzz.rs:3:"), "{open} {n}: {display}");
            assert!(rendered.contains("deep"), "{open} {n}: {rendered}");
        }
    }
}

/// Every recursive construct of `syn`'s grammar (types, expressions,
/// patterns, paths, items), at every depth from 1 to well past the limit:
/// each is either parsed or refused, on a 2 MiB stack.
#[test]
fn every_recursive_construct_at_every_depth_is_safe_on_a_small_stack() {
    type Family = (&'static str, fn(usize) -> String);
    let families: &[Family] = &[
        ("nullable", |n| {
            table_with_column_type(&format!("{}Text{}", "Nullable<".repeat(n), ">".repeat(n)))
        }),
        ("angles", |n| {
            table_with_column_type(&format!("Text{}", "<".repeat(n)))
        }),
        ("refs in a column type", |n| {
            table_with_column_type(&format!("{}Text", "&".repeat(n)))
        }),
        ("block in a const argument", |n| {
            table_with_column_type(&format!("Text<{}1{}>", "{".repeat(n), "}".repeat(n)))
        }),
        ("unary not", |n| format!("#![doc = {}x]", "!".repeat(n))),
        ("unary minus", |n| format!("#![doc = {}x]", "- ".repeat(n))),
        ("deref", |n| format!("#![doc = {}x]", "*".repeat(n))),
        ("references", |n| {
            format!("#![doc = {}x]", "&mut ".repeat(n))
        }),
        ("assignments", |n| {
            format!("#![doc = {}b]", "a = ".repeat(n))
        }),
        ("compound assignments", |n| {
            format!("#![doc = {}b]", "a += ".repeat(n))
        }),
        ("ranges", |n| format!("#![doc = {}b]", "a .. ".repeat(n))),
        ("closures", |n| format!("#![doc = {}x]", "|a| ".repeat(n))),
        ("returns", |n| format!("#![doc = {}x]", "return ".repeat(n))),
        ("breaks", |n| format!("#![doc = {}x]", "break ".repeat(n))),
        ("else if", |n| {
            format!("#![doc = if a {{}} {}]", "else if a {} ".repeat(n))
        }),
        ("if in condition", |n| {
            format!("#![doc = {}a{}]", "if ".repeat(n), " {}".repeat(n))
        }),
        ("match in scrutinee", |n| {
            format!("#![doc = {}a{}]", "match ".repeat(n), " {}".repeat(n))
        }),
        ("assign blocks", |n| {
            format!("#![doc = a{}]", " = {}".repeat(n))
        }),
        ("assign attributed blocks", |n| {
            format!("#![doc = a{}]", " = #[a] {}".repeat(n))
        }),
        ("parens", |n| {
            format!("#![doc = {}x{}]", "(".repeat(n), ")".repeat(n))
        }),
        ("use path", |n| format!("use {}b;", "a::".repeat(n))),
        ("use groups", |n| {
            format!("use {}b{};", "a::{".repeat(n), "}".repeat(n))
        }),
        ("fn return types", |n| {
            format!("fn f() -> {}u8 {{}}", "fn() -> ".repeat(n))
        }),
        ("impl Fn return types", |n| {
            format!("fn f() -> {}u8 {{}}", "impl Fn() -> ".repeat(n))
        }),
        ("raw pointers", |n| {
            format!("fn f(x: {}u8) {{}}", "*const ".repeat(n))
        }),
        ("ref patterns", |n| {
            format!("fn f({}x: u8) {{}}", "&".repeat(n))
        }),
        ("binding patterns", |n| {
            format!("fn f({}b: u8) {{}}", "a @ ".repeat(n))
        }),
        ("modules", |n| {
            format!("{}{}", "mod a { ".repeat(n), "}".repeat(n))
        }),
        ("blocks", |n| {
            format!("fn f() {{ {}{} }}", "{".repeat(n), "}".repeat(n))
        }),
        ("generic paths", |n| {
            format!("type T = {}u8{};", "a::<".repeat(n), ">".repeat(n))
        }),
        ("qualified paths", |n| {
            format!("type T = {}u8{};", "<".repeat(n), " as A>::B".repeat(n))
        }),
        ("mixed brackets", |n| {
            format!("#![doc = {}x{}]", "(<[{".repeat(n), "}]>)".repeat(n))
        }),
    ];
    for (name, make) in families {
        let mut refused = false;
        for n in (1..=MAX_NESTING + 4).chain([2 * MAX_NESTING, 1_000, 5_000]) {
            let src = make(n);
            let outcome = run_small_stack_with(src.clone(), false)
                .unwrap_or_else(|p| panic!("{name} at depth {n} panicked: {p}: {}", short(&src)));
            if let Outcome::Invalid { rendered, .. } = outcome {
                refused |= rendered.contains("nested too deeply")
                    || rendered.contains("brackets nested more than");
            }
        }
        assert!(
            refused,
            "{name}: the deepest inputs were never refused as too deep"
        );
    }
}

#[test]
fn the_diesel_importer_refuses_deep_input_with_a_location() {
    for n in [MAX_NESTING + 1, 163, 100_000] {
        let src = format!(
            "diesel::table! {{\n    t (id) {{\n        id -> Int4,\n        x -> {}Text{},\n    }}\n}}\n",
            "Nullable<".repeat(n),
            ">".repeat(n)
        );
        let result = std::thread::Builder::new()
            .stack_size(STACK)
            .spawn(move || {
                cloacina_codegen::internals::import::import_str("schema.rs", &src)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
            .expect("spawn")
            .join()
            .expect("no panic");
        let msg = result.expect_err("too deep");
        assert!(msg.starts_with("schema.rs:4:"), "{msg}");
        assert!(msg.contains("nested too deeply"), "{msg}");
    }
}

#[test]
fn the_diesel_fixtures_still_import() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("fixture dir") {
        let path = entry.expect("entry").path();
        let imported = cloacina_codegen::internals::import::import(&path);
        assert!(imported.is_ok(), "{}: {imported:?}", path.display());
        n += 1;
    }
    assert!(n >= 3, "only {n} import fixtures");
}

#[test]
fn the_project_schema_is_well_below_the_nesting_limit() {
    let src = include_str!("../../schema/cloacina.rs");
    // Wrapping everything in 10 more levels still parses.
    let mut wrapped = String::from("#![doc = ");
    wrapped.push_str(&"(".repeat(10));
    wrapped.push('1');
    wrapped.push_str(&")".repeat(10));
    wrapped.push_str("]\n");
    wrapped.push_str(src);
    for text in [src.to_string(), wrapped] {
        let outcome = run_small_stack(text).expect("no panic");
        assert!(matches!(outcome, Outcome::Valid), "{outcome:?}");
    }
}

#[test]
fn a_line_of_100000_characters_still_renders_located() {
    let long = "a".repeat(100_000);
    let src = format!(
        "table! {{\n    t (id) {{\n        id -> Integer,\n        #[doc = \"{long}\"] x -> Bogus,\n    }}\n}}\n"
    );
    let (rendered, display) = expect_invalid(src);
    // `x -> Bogus` starts after the 100,000 `a`s and `        #[doc = "` ... `"] x -> `.
    let col = 8 + "#[doc = \"".len() + 100_000 + "\"] x -> ".len() + 1;
    let at = format!("fuzz.rs:4:{col}");
    assert!(display.contains(&at), "{display}");
    assert!(rendered.contains(&at), "{}", short(&rendered));
    assert!(
        rendered.contains("unknown column type `Bogus`"),
        "{}",
        short(&rendered)
    );
    assert!(rendered.contains("help:"), "{}", short(&rendered));
    // A window of the line, not all of it.
    assert!(rendered.len() < 2_000, "{}", short(&rendered));
    assert!(rendered.contains("…aaaa"), "{rendered}");
    assert!(rendered.contains("Bogus,"), "{rendered}");

    // The error at the start of a long line, and a long line after it.
    let src = format!("table! {{\n    t (id) {{\n        x -> Bogus, // {long}\n    }}\n}}\n");
    let (rendered, _) = expect_invalid(src);
    assert!(rendered.contains("fuzz.rs:3:14"), "{}", short(&rendered));
    assert!(rendered.len() < 2_000, "{}", short(&rendered));
    let src = format!("table! {{\n    t (id) {{\n        x -> Bogus,\n // {long}\n    }}\n}}\n");
    let (rendered, _) = expect_invalid(src);
    assert!(rendered.contains("fuzz.rs:3:14"), "{}", short(&rendered));
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cloacina-robustness-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create temp dir");
    d
}

#[test]
fn invalid_utf8_is_located_by_byte_offset_line_and_column() {
    let dir = temp_dir("utf8");
    let path = dir.join("schema.rs");
    let mut bytes = b"table! {\n    t (id) {\n        id -> Integer, // caf\xc3\xa9 ".to_vec();
    let offset = bytes.len();
    bytes.extend_from_slice(b"\xff\xfe\n    }\n}\n");
    std::fs::write(&path, &bytes).expect("write");

    let err = cloacina_codegen::load(&path).expect_err("not UTF-8");
    match &err {
        Error::NotUtf8 {
            offset: o,
            line,
            column,
            byte,
            ..
        } => {
            assert_eq!((*o, *line, *byte), (offset, 3, 0xff));
            // `é` is one character of two bytes.
            assert_eq!(*column, offset - "table! {\n    t (id) {\n".len());
        }
        other => panic!("wrong error: {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains(&format!("byte offset {offset}")), "{msg}");
    assert!(
        msg.contains(&format!("schema.rs:3:{}", offset - 22)),
        "{msg}"
    );
    assert!(!msg.contains("relative paths"), "{msg}");

    let built = Builder::new().schema(&path).generate();
    assert!(matches!(built, Err(Error::NotUtf8 { .. })), "{built:?}");

    let out = Command::new(env!("CARGO_BIN_EXE_cloacina-codegen"))
        .args(["validate", "--schema"])
        .arg(&path)
        .output()
        .expect("run the CLI");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!("byte offset {offset}")),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_cli_and_the_builder_refuse_deep_input_without_crashing() {
    let dir = temp_dir("cli");
    let cases = [
        (
            "nullable.rs",
            table_with_column_type(&format!(
                "{}Text{}",
                "Nullable<".repeat(100_000),
                ">".repeat(100_000)
            )),
            "nested too deeply",
        ),
        (
            "angles.rs",
            table_with_column_type(&"<".repeat(100_000)),
            "nested too deeply",
        ),
        (
            "long_line.rs",
            format!(
                "table! {{\n    t (id) {{\n        x -> Bogus, // {}\n    }}\n}}\n",
                "é".repeat(100_000)
            ),
            "unknown column type",
        ),
    ];
    for (name, text, expect) in cases {
        let path = dir.join(name);
        std::fs::write(&path, &text).expect("write");
        let out = Command::new(env!("CARGO_BIN_EXE_cloacina-codegen"))
            .args(["validate", "--schema"])
            .arg(&path)
            .output()
            .expect("run the CLI");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", short(&stderr));
        assert!(stderr.contains(expect), "{name}: {}", short(&stderr));
        assert!(
            stderr.contains(&format!("{name}:")),
            "{name}: {}",
            short(&stderr)
        );

        let path2 = path.clone();
        let built = std::thread::Builder::new()
            .stack_size(STACK)
            .spawn(move || Builder::new().schema(&path2).generate().map(|_| ()))
            .expect("spawn")
            .join()
            .expect("no panic");
        match built {
            Err(Error::Schema(e)) => assert!(e.render().contains(expect), "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- mutation test ----------------------------------------------------------

/// The project's schema and the fixtures (schema files, and Diesel
/// `schema.rs` files for the importer), the valid schemas first; and how
/// many valid ones lead.
fn corpus() -> (Vec<String>, usize) {
    let mut out = vec![include_str!("../../schema/cloacina.rs").to_string()];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    // Valid schemas first.
    paths.sort_by_key(|p| (!p.to_string_lossy().contains("/valid/"), p.clone()));
    let valid = 1 + paths
        .iter()
        .filter(|p| p.to_string_lossy().contains("/valid/"))
        .count();
    for p in paths {
        out.push(std::fs::read_to_string(&p).expect("read fixture"));
    }
    (out, valid)
}

/// Splits text into rough tokens: runs of word characters, runs of
/// whitespace, and single other characters.
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let class = |c: char| {
        if c.is_alphanumeric() || c == '_' {
            0
        } else if c.is_whitespace() {
            1
        } else {
            2
        }
    };
    let mut prev: Option<u8> = None;
    for (i, c) in text.char_indices() {
        let k = class(c);
        if i > start && (k == 2 || prev != Some(k)) {
            out.push(&text[start..i]);
            start = i;
        }
        prev = Some(k);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[derive(Clone, Debug)]
enum Mutation {
    Delete {
        at: usize,
        len: usize,
    },
    Duplicate {
        at: usize,
        len: usize,
        to: usize,
    },
    Swap {
        a: usize,
        b: usize,
        len: usize,
    },
    InsertBytes {
        at: usize,
        bytes: Vec<u8>,
    },
    InsertNesting {
        at: usize,
        open: &'static str,
        close: &'static str,
        depth: usize,
        closed: bool,
    },
    Truncate {
        at: usize,
    },
    /// A line longer than miette can lay out (an identifier, a string or a
    /// comment).
    LongLine {
        at: usize,
        len: usize,
        kind: u8,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let nesting = prop::sample::select(vec![
        ("(", ")"),
        ("[", "]"),
        ("{", "}"),
        ("<", ">"),
        ("Nullable<", ">"),
        ("Text<", ">"),
        ("#[check(", ")]"),
        ("!", ""),
        ("-", ""),
        ("&", ""),
        ("a = ", ""),
        ("|a| ", ""),
        ("a::", ""),
    ]);
    prop_oneof![
        (any::<usize>(), 1..40usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), 1..40usize, any::<usize>())
            .prop_map(|(at, len, to)| Mutation::Duplicate { at, len, to }),
        (any::<usize>(), any::<usize>(), 1..20usize).prop_map(|(a, b, len)| Mutation::Swap {
            a,
            b,
            len
        }),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Mutation::InsertBytes { at, bytes }),
        (
            any::<usize>(),
            nesting,
            prop_oneof![1..60usize, 60..5_000usize],
            any::<bool>()
        )
            .prop_map(
                |(at, (open, close), depth, closed)| Mutation::InsertNesting {
                    at,
                    open,
                    close,
                    depth,
                    closed
                }
            ),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), 60_000..120_000usize, 0..3u8)
            .prop_map(|(at, len, kind)| Mutation::LongLine { at, len, kind }),
    ]
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut toks: Vec<String> = pieces(text).into_iter().map(str::to_string).collect();
    for m in mutations {
        let n = toks.len().max(1);
        match m {
            Mutation::Delete { at, len } => {
                let at = at % n;
                let end = (at + len).min(toks.len());
                toks.drain(at.min(end)..end);
            }
            Mutation::Duplicate { at, len, to } => {
                let at = at % n;
                let end = (at + len).min(toks.len());
                let copy: Vec<String> = toks[at.min(end)..end].to_vec();
                let to = to % (toks.len() + 1);
                toks.splice(to..to, copy);
            }
            Mutation::Swap { a, b, len } => {
                let (a, b) = (a % n, b % n);
                let (a, b) = (a.min(b), a.max(b));
                let len = (*len).min(b - a).min(toks.len().saturating_sub(b));
                for i in 0..len {
                    toks.swap(a + i, b + i);
                }
            }
            Mutation::InsertBytes { at, bytes } => {
                let at = at % (toks.len() + 1);
                toks.insert(at, String::from_utf8_lossy(bytes).into_owned());
            }
            Mutation::InsertNesting {
                at,
                open,
                close,
                depth,
                closed,
            } => {
                let at = at % (toks.len() + 1);
                let mut s = open.repeat(*depth);
                s.push_str("Text");
                if *closed {
                    s.push_str(&close.repeat(*depth));
                }
                toks.insert(at, s);
            }
            Mutation::Truncate { at } => {
                let at = at % (toks.len() + 1);
                toks.truncate(at);
            }
            Mutation::LongLine { at, len, kind } => {
                let at = at % (toks.len() + 1);
                let body = "x".repeat(*len);
                let s = match kind {
                    0 => body,
                    1 => format!("\"{body}\""),
                    _ => format!("// {body}\n"),
                };
                toks.insert(at, s);
            }
        }
    }
    toks.concat()
}

fn fuzz_cases() -> u32 {
    std::env::var("CLOACINA_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000)
}

#[test]
fn mutated_schemas_never_panic_or_overflow() {
    let (corpus, valid_seeds) = corpus();
    let cases = fuzz_cases();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    // Mostly mutations of valid schemas, which reach validation and
    // generation; the invalid fixtures and the importer's files too.
    let seed = prop_oneof![3 => 0..valid_seeds, 1 => 0..corpus.len()];
    let strategy = (seed, prop::collection::vec(mutation(), 1..4));
    let started = std::time::Instant::now();
    let counts = std::cell::Cell::new((0u32, 0u32));
    let result = runner.run(&strategy, |(which, muts)| {
        let text = apply(&corpus[which], &muts);
        let shown = short(&text);
        match run_small_stack(text) {
            Ok(Outcome::Valid) => counts.set((counts.get().0 + 1, counts.get().1)),
            Ok(Outcome::Invalid { .. }) => counts.set((counts.get().0, counts.get().1 + 1)),
            Err(p) => {
                return Err(TestCaseError::fail(format!(
                    "panicked ({p}) after {muts:?} on: {shown}"
                )))
            }
        }
        Ok(())
    });
    let (valid, invalid) = counts.get();
    eprintln!(
        "mutation test: {cases} cases ({valid} valid, {invalid} refused with diagnostics), 0 panics, 0 crashes, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// SQL inside a string (a check, an index predicate) is parsed by the
/// expression language, not by syn: its nesting is bounded there too, on a
/// 2 MiB stack — parentheses, prefix operators and long operator chains.
#[test]
fn deep_sql_inside_strings_is_refused_or_parsed_on_a_small_stack() {
    let cases: Vec<(&str, String)> = vec![
        (
            "parens",
            format!("{}id > 0{}", "(".repeat(5_000), ")".repeat(5_000)),
        ),
        (
            "parens 40",
            format!("{}id > 0{}", "(".repeat(40), ")".repeat(40)),
        ),
        ("not", format!("{}id > 0", "NOT ".repeat(5_000))),
        ("minus", format!("{}id > 0", "- ".repeat(5_000))),
        ("and chain", vec!["id > 0"; 5_000].join(" AND ")),
        (
            "plus chain",
            format!("{} > 0", vec!["id"; 5_000].join(" + ")),
        ),
        (
            "calls",
            format!("{}id{} > 0", "abs(".repeat(2_000), ")".repeat(2_000)),
        ),
    ];
    for (what, sql) in cases {
        for attr in [
            format!("#[check(sql = \"{sql}\")]"),
            format!("#[index(id, where = \"{sql}\")]"),
        ] {
            let src = format!(
                "table! {{\n    {attr}\n    t (id) {{\n        id -> Integer,\n    }}\n}}\n"
            );
            let outcome = run_small_stack(src);
            assert!(outcome.is_ok(), "{what}: {outcome:?}");
        }
    }
}

/// A long IN list as PostgreSQL stores it (a cast on every item) is not
/// mistaken for a deep expression.
#[test]
fn a_long_in_list_stays_within_the_expression_budget() {
    let values: Vec<String> = (0..300).map(|i| format!("\\\"v{i}\\\"")).collect();
    let src = format!(
        "table! {{\n    t (id) {{\n        id -> Integer,\n        #[check(in({}))]\n        s -> Text,\n    }}\n}}\n",
        values.join(", ").replace("\\\"", "\"")
    );
    assert!(matches!(run_small_stack(src), Ok(Outcome::Valid)));
    let stored = (0..300)
        .map(|i| format!("'v{i}'::character varying"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("((s)::text = ANY ((ARRAY[{stored}])::text[]))");
    assert!(cloacina_codegen::internals::expr::parse_syntax(
        &sql,
        cloacina_codegen::Backend::Postgres
    )
    .is_ok());
}
