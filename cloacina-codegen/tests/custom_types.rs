//! Declared custom types (`#[custom_type(...)] struct Name;`): the DDL of
//! both backends and the Diesel code (insta snapshots), the neutral printer
//! round trip, and every refusal located with what to write instead.

use std::path::Path;

use cloacina_codegen::model::ColumnType;
use cloacina_codegen::{Backend, Builder};

const FIXTURE: &str = "tests/fixtures/custom_types/custom_types.rs";

fn fixture() -> (String, cloacina_codegen::model::Schema) {
    let source = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE))
        .expect("read fixture");
    let schema =
        cloacina_codegen::parse_str(FIXTURE, &source).unwrap_or_else(|e| panic!("{}", e.render()));
    (source, schema)
}

#[test]
fn ddl_and_diesel_code_of_declared_custom_types() {
    let (_, schema) = fixture();
    let g = Builder::new()
        .generate_from(Path::new(FIXTURE), schema)
        .expect("generate");
    let mut both = String::new();
    for b in Backend::ALL {
        let f = g
            .file(&format!("custom_types.{}.sql", b.name()))
            .expect("ddl file");
        both.push_str(&format!(
            "==================== {} ====================\n",
            b.name()
        ));
        both.push_str(&f.contents);
        both.push('\n');
    }
    insta::assert_snapshot!("custom_types_ddl", both);
    let rust = g.file("custom_types.rs").expect("rust file");
    insta::assert_snapshot!("custom_types_diesel", rust.contents);
}

#[test]
fn columns_resolve_to_the_declared_types_and_print_back() {
    let (_, schema) = fixture();
    let path = &schema.table("categories").expect("categories").columns[1];
    match path.ty {
        ColumnType::Custom(c) => {
            assert_eq!(
                (c.name(), c.postgres(), c.sqlite()),
                ("Ltree", "ltree", None)
            );
        }
        other => panic!("categories.path is {other:?}"),
    }
    let alias = &schema.table("tags").expect("tags").columns[2];
    assert!(alias.nullable);
    assert!(
        matches!(alias.ty, ColumnType::Custom(c) if c.sqlite() == Some("TEXT")),
        "{alias:?}"
    );
    let printed = cloacina_codegen::internals::render::neutral::render(&schema, &[]);
    let reparsed = cloacina_codegen::parse_str("printed.rs", &printed)
        .unwrap_or_else(|e| panic!("{}\n{printed}", e.render()));
    assert_eq!(reparsed, schema, "{printed}");
    assert!(
        printed.contains("#[custom_type(postgres = \"ltree\", sqlite = \"TEXT\", diesel = \"crate::custom_sql::AnyLtree\", rust = \"crate::custom_sql::LabelPath\")]\nstruct AnyLtree;"),
        "{printed}"
    );
}

/// `(case, schema text, where the first diagnostic points, words its
/// message and help must hold)`.
const REFUSED: &[(&str, &str, &str, &[&str])] = &[
    (
        "no rust key",
        "#[custom_type(postgres = \"ltree\", diesel = \"a::B\")]\nstruct Ltree;\n",
        "x.rs:2:8",
        &["has no `rust = \"...\"`", "#[custom_type(postgres = "],
    ),
    (
        "a statement in the spelling",
        "#[custom_type(postgres = \"ltree; DROP TABLE x\", diesel = \"a::B\", rust = \"String\")]\nstruct Ltree;\n",
        "x.rs:1:26",
        &["not a PostgreSQL type name: it holds a `;`", "no `;` or comments"],
    ),
    (
        "a comment in the spelling",
        "#[custom_type(postgres = \"ltree -- x\", diesel = \"a::B\", rust = \"String\")]\nstruct Ltree;\n",
        "x.rs:1:26",
        &["it holds a comment"],
    ),
    (
        "not a STRICT type",
        "#[custom_type(postgres = \"ltree\", sqlite = \"VARCHAR\", diesel = \"a::B\", rust = \"String\")]\nstruct Ltree;\n",
        "x.rs:1:44",
        &["not a type of SQLite's STRICT tables", "INTEGER, REAL, TEXT, BLOB, ANY"],
    ),
    (
        "a Diesel path that is no path",
        "#[custom_type(postgres = \"ltree\", diesel = \"a b\", rust = \"String\")]\nstruct Ltree;\n",
        "x.rs:1:44",
        &["`diesel = \"a b\"`", "is not a Rust path"],
    ),
    (
        "an unknown key",
        "#[custom_type(postgres = \"ltree\", diesel = \"a::B\", rust = \"String\", mysql = \"x\")]\nstruct Ltree;\n",
        "x.rs:1:77",
        &["unknown key `mysql`"],
    ),
    (
        "declared twice",
        "#[custom_type(postgres = \"ltree\", diesel = \"a::B\", rust = \"String\")]\nstruct Ltree;\n#[custom_type(postgres = \"ltree\", diesel = \"a::B\", rust = \"String\")]\nstruct Ltree;\n",
        "x.rs:4:8",
        &["declared twice"],
    ),
    (
        "a built-in name",
        "#[custom_type(postgres = \"ltree\", diesel = \"a::B\", rust = \"String\")]\nstruct Text;\n",
        "x.rs:2:8",
        &["the name of a built-in type"],
    ),
    (
        "a PostgreSQL-only custom type in a table of both backends",
        "#[custom_type(postgres = \"ltree\", diesel = \"a::B\", rust = \"String\")]\nstruct Ltree;\ntable! {\n    t (id) {\n        id -> BigInt,\n        p -> Ltree,\n    }\n}\n",
        "x.rs:6:14",
        &["declares no SQLite type", "add `sqlite = \"TEXT\"`", "#[backend(postgres)]"],
    ),
    (
        "a text default on a type SQLite stores apart from text",
        "#[custom_type(postgres = \"cube\", sqlite = \"BLOB\", diesel = \"a::B\", rust = \"Vec<u8>\")]\nstruct Cube;\ntable! {\n    t (id) {\n        id -> BigInt,\n        #[default(\"(1,2)\")]\n        p -> Cube,\n    }\n}\n",
        "x.rs:7:9",
        &["only when its SQLite type is TEXT", "#[backend(postgres)]"],
    ),
    (
        "a declaration dropped while a column still uses it",
        "table! {\n    #[backend(postgres)]\n    t (id) {\n        id -> BigInt,\n        p -> Ltree,\n    }\n}\n",
        "x.rs:5:14",
        &["unknown column type `Ltree`"],
    ),
];

#[test]
fn bad_declarations_and_uses_are_refused_with_a_location() {
    for (case, src, at, words) in REFUSED {
        let e = match cloacina_codegen::parse_str("x.rs", src) {
            Ok(_) => panic!("{case}: accepted"),
            Err(e) => e.render(),
        };
        assert!(e.contains(at), "{case}: not at {at}:\n{e}");
        for w in *words {
            assert!(e.contains(w), "{case}: no {w:?} in\n{e}");
        }
    }
}

#[test]
fn spellings_with_modifiers_and_schemas_are_accepted() {
    for spelling in ["geometry(Point, 4326)", "public.ltree", "extensions.hstore"] {
        let src = format!(
            "#[custom_type(postgres = {spelling:?}, diesel = \"a::B\", rust = \"String\")]\nstruct G;\ntable! {{\n    #[backend(postgres)]\n    t (id) {{\n        id -> BigInt,\n        g -> Nullable<G>,\n    }}\n}}\n"
        );
        let schema = cloacina_codegen::parse_str("x.rs", &src)
            .unwrap_or_else(|e| panic!("{spelling}: {}", e.render()));
        let ddl =
            cloacina_codegen::internals::render::ddl::render_schema(&schema, Backend::Postgres);
        assert!(ddl.contains(&format!("g {spelling},")), "{ddl}");
    }
}

const LTREE: &str = "#![postgres_extensions(ltree)]\n#[custom_type(postgres = \"ltree\", diesel = \"a::Ltree\", rust = \"String\")]\nstruct Ltree;\n";

fn categories(ltree: &str, columns: &str) -> cloacina_codegen::model::Schema {
    let src = format!(
        "{ltree}table! {{\n    #[backend(postgres)]\n    categories (id) {{\n        id -> BigInt,\n{columns}    }}\n}}\n"
    );
    cloacina_codegen::parse_str("case.rs", &src).unwrap_or_else(|e| panic!("{}", e.render()))
}

#[test]
fn columns_of_a_custom_type_are_added_and_dropped() {
    use cloacina_codegen::internals::{diff, plan};
    let before = categories(LTREE, "");
    let after = categories(LTREE, "        path -> Nullable<Ltree>,\n");
    let ops = diff::diff(&before, &after).expect("diff");
    let sql = plan::render(&before, &ops, Backend::Postgres);
    assert!(
        sql.up
            .contains("ALTER TABLE categories ADD COLUMN path ltree;"),
        "{}",
        sql.up
    );
    assert!(
        sql.down
            .contains("ALTER TABLE categories DROP COLUMN path;"),
        "{}",
        sql.down
    );
    // A PostgreSQL-only table: nothing on SQLite.
    assert!(
        !plan::render(&before, &ops, Backend::Sqlite)
            .up
            .contains("path"),
        "nothing for SQLite"
    );
    // Nothing left to do, and back again.
    let applied = diff::apply_all(&before, &ops);
    assert_eq!(diff::diff(&applied, &after).map(|o| o.len()), Ok(0));
    let back = diff::diff(&after, &before).expect("drop diff");
    let sql = plan::render(&after, &back, Backend::Postgres);
    assert!(sql.up.contains("DROP COLUMN path"), "{}", sql.up);
}

#[test]
fn a_changed_declaration_converts_only_when_the_database_type_stays() {
    use cloacina_codegen::internals::diff;
    let before = categories(LTREE, "        path -> Ltree,\n");
    // Another spelling of the same type, and other Rust paths: no type
    // the database sees changes, nothing to migrate.
    let respelled = categories(
        "#![postgres_extensions(ltree)]\n#[custom_type(postgres = \"LTREE\", diesel = \"b::Ltree\", rust = \"b::Path\")]\nstruct Ltree;\n",
        "        path -> Ltree,\n",
    );
    assert_eq!(diff::diff(&before, &respelled).map(|o| o.len()), Ok(0));
    // Renamed: the same database type, nothing to migrate.
    let renamed = categories(
        "#![postgres_extensions(ltree)]\n#[custom_type(postgres = \"ltree\", diesel = \"a::Ltree\", rust = \"String\")]\nstruct LabelPath;\n",
        "        path -> LabelPath,\n",
    );
    assert_eq!(diff::diff(&before, &renamed).map(|o| o.len()), Ok(0));
    // Another type: refused, naming the column and both spellings.
    let other = categories(
        "#![postgres_extensions(ltree, hstore)]\n#[custom_type(postgres = \"hstore\", diesel = \"a::Ltree\", rust = \"String\")]\nstruct Ltree;\n",
        "        path -> Ltree,\n",
    );
    let e = diff::diff(&before, &other)
        .expect_err("refused")
        .to_string();
    for w in [
        "`categories.path`",
        "Ltree (PostgreSQL `ltree`)",
        "Ltree (PostgreSQL `hstore`)",
        "hand-written migration",
    ] {
        assert!(e.contains(w), "no {w:?} in {e}");
    }
}

#[test]
fn the_sqlite_module_uses_sqlite_diesel_when_given() {
    let src = "#[custom_type(postgres = \"ltree\", sqlite = \"TEXT\", diesel = \"crate::sql::AnyLtree\", sqlite_diesel = \"diesel::sql_types::Text\", rust = \"String\")]\nstruct Ltree;\ntable! {\n    t (id) {\n        id -> BigInt,\n        p -> Ltree,\n    }\n}\n";
    let schema =
        cloacina_codegen::parse_str("x.rs", src).unwrap_or_else(|e| panic!("{}", e.render()));
    let g = Builder::new()
        .generate_from(Path::new("x.rs"), schema)
        .expect("generate");
    let rust = &g.file("x.rs").expect("rust file").contents;
    let module = |name: &str| {
        let start = rust.find(&format!("pub mod {name} {{")).expect("module");
        rust[start..]
            .split("\n    }\n")
            .next()
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        module("unified").contains("p -> crate::sql::AnyLtree,"),
        "{rust}"
    );
    assert!(
        module("postgres").contains("p -> crate::sql::AnyLtree,"),
        "{rust}"
    );
    assert!(
        module("sqlite").contains("p -> diesel::sql_types::Text,"),
        "{rust}"
    );
}
