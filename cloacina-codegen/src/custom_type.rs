//! Declared custom types: a column type the application (or a third-party
//! Diesel crate) maps itself, with an explicit per-backend mapping.
//!
//! ```text
//! /// A label path (the `ltree` extension).
//! #[custom_type(postgres = "ltree", diesel = "crate::sql_types::Ltree", rust = "String")]
//! struct Ltree;
//! ```
//!
//! PostgreSQL's spelling is written verbatim in the DDL; `sqlite = "TEXT"`
//! (one of SQLite STRICT's types) lets the type stand in a table of both
//! backends, else only in a `#[backend(postgres)]` table. The `diesel`
//! and `rust` paths are written verbatim into the generated code: the
//! user's crate provides the SQL type and its `ToSql`/`FromSql`.

use std::fmt;

use crate::model::Span;

/// A `#[custom_type(...)] struct Name;` declaration of the schema file.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomTypeDecl {
    /// The name columns use (`path -> Ltree`).
    pub name: String,
    /// PostgreSQL's spelling (`ltree`, `geometry(Point, 4326)`), verbatim
    /// in the DDL.
    pub postgres: String,
    /// SQLite STRICT's type (`TEXT`, `INTEGER`, `REAL`, `BLOB`, `ANY`) when
    /// the type also exists on SQLite.
    pub sqlite: Option<String>,
    /// The Diesel SQL type the `table!` columns use (a Rust path).
    pub diesel: String,
    /// The Diesel SQL type of the SQLite-native module (a Rust path), when
    /// it is not [`CustomTypeDecl::diesel`].
    pub sqlite_diesel: Option<String>,
    /// The Rust value type of the models (a Rust path).
    pub rust: String,
    /// Doc comment lines.
    pub docs: Vec<String>,
    /// Where the name stands in the source.
    pub span: Span,
}

impl CustomTypeDecl {
    /// The column type of this declaration.
    pub fn ty(&self) -> CustomType {
        CustomType::new(&self.name, &self.postgres, self.sqlite.as_deref())
    }
}

/// What a column of a declared custom type holds: the declaration's name
/// and its SQL spellings, the database's identity of the type (the Rust
/// paths are the schema's, looked up by name in [`crate::model::Schema::custom_type`]).
///
/// `Copy` like every column type: each distinct definition is interned once
/// per process (as [`crate::model::EnumType`]); equality, hashing and
/// `Debug` look at the definition.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CustomType(&'static CustomDef);

#[derive(Debug, PartialEq, Eq, Hash)]
struct CustomDef {
    name: String,
    postgres: String,
    sqlite: Option<String>,
}

impl CustomType {
    /// The type `name`, spelled `postgres` on PostgreSQL and `sqlite` (if
    /// any) on SQLite. PostgreSQL's spelling is kept as written.
    pub fn new(name: &str, postgres: &str, sqlite: Option<&str>) -> CustomType {
        static INTERNED: crate::model::Interned<CustomDef> = std::sync::OnceLock::new();
        CustomType(crate::model::intern(
            &INTERNED,
            CustomDef {
                name: name.to_string(),
                postgres: postgres.to_string(),
                sqlite: sqlite.map(str::to_string),
            },
        ))
    }

    /// The declared name (`Ltree`).
    pub fn name(self) -> &'static str {
        &self.0.name
    }

    /// PostgreSQL's spelling as declared.
    pub fn postgres(self) -> &'static str {
        &self.0.postgres
    }

    /// SQLite's type, when the type exists there.
    pub fn sqlite(self) -> Option<&'static str> {
        self.0.sqlite.as_deref()
    }
}

impl fmt::Debug for CustomType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomType")
            .field("name", &self.0.name)
            .field("postgres", &self.0.postgres)
            .field("sqlite", &self.0.sqlite)
            .finish()
    }
}

/// PostgreSQL's spelling in a canonical form for comparing with what the
/// catalogue prints (`format_type`): lowercase outside double quotes,
/// whitespace dropped outside quotes (`Geometry(Point, 4326)` and
/// `geometry(point,4326)` are the same type).
pub fn normalize_pg_spelling(spelling: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in spelling.chars() {
        if c == '"' {
            quoted = !quoted;
            out.push(c);
        } else if quoted {
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Whether `a` and `b` are custom types that both databases see as one
/// type (another name, or PostgreSQL's spelling in another case or
/// spacing): a column changing from one to the other needs no migration.
pub fn same_database_type(a: crate::model::ColumnType, b: crate::model::ColumnType) -> bool {
    match (a, b) {
        (crate::model::ColumnType::Custom(a), crate::model::ColumnType::Custom(b)) => {
            a.sqlite() == b.sqlite()
                && normalize_pg_spelling(a.postgres()) == normalize_pg_spelling(b.postgres())
        }
        _ => false,
    }
}

/// A column type in words for messages: the neutral name, and for a custom
/// type its SQL spellings too (`Ltree (PostgreSQL \`ltree\`, SQLite TEXT)`), so
/// two declarations of one name read apart.
pub fn described(ty: crate::model::ColumnType) -> String {
    match ty {
        crate::model::ColumnType::Custom(c) => match c.sqlite() {
            Some(s) => format!("{} (PostgreSQL `{}`, SQLite {s})", c.name(), c.postgres()),
            None => format!("{} (PostgreSQL `{}`)", c.name(), c.postgres()),
        },
        other => other.neutral_name(),
    }
}

#[cfg(feature = "live")]
/// The columns of a schema that have a declared custom type, by the SQL
/// names of table and column.
pub type CustomColumns = std::collections::HashMap<(String, String), CustomType>;

#[cfg(feature = "live")]
/// [`CustomColumns`] of `schema`.
pub fn custom_columns(schema: &crate::model::Schema) -> CustomColumns {
    let mut out = CustomColumns::new();
    for t in &schema.tables {
        for c in &t.columns {
            if let crate::model::ColumnType::Custom(ct) = c.ty {
                out.insert((t.sql_name().to_string(), c.sql_name().to_string()), ct);
            }
        }
    }
    out
}

/// Whether PostgreSQL's `format_type` output `read` is the declared
/// spelling `declared`: equal when normalized, or equal to its last name
/// when the declaration is schema-qualified (`public.ltree` prints as
/// `ltree` where `public` is on the search path).
pub fn is_pg_spelling(declared: &str, read: &str) -> bool {
    let (d, r) = (normalize_pg_spelling(declared), normalize_pg_spelling(read));
    if d == r {
        return true;
    }
    let name_end = d.find('(').unwrap_or(d.len());
    match d[..name_end].rfind('.') {
        Some(dot) => d[dot + 1..] == r,
        None => false,
    }
}

#[cfg(feature = "live")]
/// The plain type SQLite introspection reads a column of `ty` as (its
/// declared STRICT type); `None` for `ANY` or no SQLite type.
pub fn sqlite_read_as(ty: CustomType) -> Option<crate::model::ColumnType> {
    use crate::model::ColumnType;
    Some(match ty.sqlite()? {
        "TEXT" => ColumnType::Text { max_len: None },
        "INTEGER" => ColumnType::BigInt,
        "REAL" => ColumnType::Double,
        "BLOB" => ColumnType::Binary,
        _ => return None,
    })
}

#[cfg(feature = "live")]
/// SQLite's introspection with the columns of `custom` that hold their
/// declared STRICT type read as the custom type.
pub fn read_as_declared(
    mut read: crate::introspect::Introspection,
    custom: &CustomColumns,
) -> crate::introspect::Introspection {
    if custom.is_empty() {
        return read;
    }
    for t in &mut read.schema.tables {
        let table = t.sql_name().to_string();
        for c in &mut t.columns {
            if let Some(ct) = custom.get(&(table.clone(), c.sql_name().to_string())) {
                if sqlite_read_as(*ct) == Some(c.ty) {
                    c.ty = crate::model::ColumnType::Custom(*ct);
                }
            }
        }
    }
    read
}

/// The types SQLite's STRICT tables accept.
pub const SQLITE_STRICT_TYPES: [&str; 5] = ["INTEGER", "REAL", "TEXT", "BLOB", "ANY"];

/// Why a PostgreSQL spelling is not a type name: `None` when it is one. A
/// type name is an optionally schema-qualified name (identifiers, quoted
/// or not, joined by `.`), then optional modifiers in parentheses
/// (identifiers, numbers, quoted strings and commas), then optional `[]`.
/// No `;`, no comment, nothing else.
pub fn pg_spelling_problem(spelling: &str) -> Option<String> {
    let s = spelling.trim();
    if s.is_empty() {
        return Some("it is empty".into());
    }
    if s.contains(';') {
        return Some("it holds a `;`".into());
    }
    if s.contains("--") || s.contains("/*") {
        return Some("it holds a comment".into());
    }
    let b = s.as_bytes();
    let mut i = 0;
    let ident = |i: &mut usize| -> bool {
        if *i < b.len() && b[*i] == b'"' {
            let mut j = *i + 1;
            while j < b.len() && b[j] != b'"' {
                j += 1;
            }
            if j >= b.len() || j == *i + 1 {
                return false;
            }
            *i = j + 1;
            true
        } else {
            let start = *i;
            while *i < b.len() && (b[*i].is_ascii_alphanumeric() || b[*i] == b'_') {
                *i += 1;
            }
            *i > start && !b[start].is_ascii_digit()
        }
    };
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    // Name words: `double precision`, `character varying`, `public.ltree`.
    loop {
        if !ident(&mut i) {
            return Some(format!("expected a type name at byte {i}"));
        }
        skip_ws(&mut i);
        if i < b.len() && b[i] == b'.' {
            i += 1;
            skip_ws(&mut i);
            continue;
        }
        if i < b.len() && (b[i].is_ascii_alphabetic() || b[i] == b'"') {
            continue;
        }
        break;
    }
    if i < b.len() && b[i] == b'(' {
        i += 1;
        loop {
            skip_ws(&mut i);
            if i < b.len() && b[i] == b'\'' {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'\'' {
                    j += 1;
                }
                if j >= b.len() {
                    return Some("a quoted modifier is not closed".into());
                }
                i = j + 1;
            } else if i < b.len() && (b[i].is_ascii_digit() || b[i] == b'-') {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            } else if !ident(&mut i) {
                return Some(format!("expected a modifier at byte {i}"));
            }
            skip_ws(&mut i);
            match b.get(i) {
                Some(b',') => i += 1,
                Some(b')') => {
                    i += 1;
                    break;
                }
                _ => return Some(format!("expected `,` or `)` at byte {i}")),
            }
        }
        skip_ws(&mut i);
    }
    while s[i..].starts_with("[]") {
        i += 2;
        skip_ws(&mut i);
    }
    (i != b.len()).then(|| format!("unexpected text after the type at byte {i}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_with_modifiers_and_schemas_are_accepted() {
        for ok in [
            "ltree",
            "geometry(Point, 4326)",
            "public.ltree",
            "\"My Type\"",
            "extensions.geometry(Polygon,4326)",
            "double precision",
            "character varying(10)",
            "hstore[]",
            "varchar('x')",
        ] {
            assert_eq!(pg_spelling_problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn statements_comments_and_junk_are_refused() {
        for (bad, why) in [
            ("", "empty"),
            ("ltree; DROP TABLE x", "`;`"),
            ("ltree -- c", "comment"),
            ("ltree /* c */", "comment"),
            ("geometry(Point", "expected `,` or `)`"),
            ("1abc", "type name"),
            ("ltree DEFAULT 1 )", "unexpected text"),
            ("a.", "type name"),
        ] {
            let p = pg_spelling_problem(bad).unwrap_or_default();
            assert!(p.contains(why), "{bad:?}: {p}");
        }
    }

    #[test]
    fn spellings_normalize_as_the_catalogue_prints_them() {
        assert_eq!(
            normalize_pg_spelling("Geometry(Point, 4326)"),
            normalize_pg_spelling("geometry(point,4326)")
        );
        assert_eq!(normalize_pg_spelling("\"My T\""), "\"My T\"");
        assert_eq!(
            CustomType::new("Ltree", "ltree", None),
            CustomType::new("Ltree", "ltree", None)
        );
        assert_ne!(
            CustomType::new("Ltree", "ltree", None),
            CustomType::new("Ltree", "ltree", Some("TEXT"))
        );
    }
}
