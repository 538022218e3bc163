//! Declared custom types:
//! `#[custom_type(postgres = "ltree", diesel = "crate::sql_types::Ltree", rust = "String")] struct Ltree;`
//! with optional `sqlite = "TEXT"` and `sqlite_diesel = "..."`.
//!
//! A column names the type by its name (`path -> Ltree`); like an enum it
//! may stand anywhere in the file, so the column is read as a placeholder
//! and resolved with the enums ([`super::db_enum`]).

use syn::spanned::Spanned;

use super::{doc_line, path_name, unraw, Cx};
use crate::custom_type::{pg_spelling_problem, SQLITE_STRICT_TYPES};
use crate::error::{DiagCode, Diagnostic};
use crate::model::*;

const HELP: &str = "write `#[custom_type(postgres = \"ltree\", diesel = \"crate::sql_types::Ltree\", rust = \"String\")] struct Ltree;`, with `sqlite = \"TEXT\"` (and `sqlite_diesel = \"...\"` when its SQLite SQL type differs) when the type also exists on SQLite";

/// Whether `item` is a `#[custom_type(...)]` declaration (any other struct
/// is reported as an unexpected item).
pub(super) fn is_declaration(item: &syn::ItemStruct) -> bool {
    item.attrs.iter().any(|a| path_name(a) == "custom_type")
}

impl Cx<'_> {
    fn bad_custom(&mut self, at: Span, message: String, label: &str, help: &str) {
        self.diags
            .push(Diagnostic::new(DiagCode::BadCustomType, at, message, label).help(help));
    }

    /// One `#[custom_type(...)] struct Name;` item.
    pub(super) fn custom_type(&mut self, item: syn::ItemStruct, schema: &mut Schema) {
        let name = unraw(&item.ident);
        let name_span = self.span(item.ident.span());
        let mut docs = Vec::new();
        let mut keys: Vec<(String, String, Span)> = Vec::new();
        for attr in &item.attrs {
            match path_name(attr).as_str() {
                "doc" => {
                    if let Ok(d) = doc_line(attr) {
                        docs.push(d);
                    }
                }
                "custom_type" => {
                    let parsed = attr.parse_args_with(
                        syn::punctuated::Punctuated::<syn::MetaNameValue, syn::Token![,]>::parse_terminated,
                    );
                    match parsed {
                        Ok(pairs) => {
                            for p in pairs {
                                let key = p
                                    .path
                                    .get_ident()
                                    .map(|i| i.to_string())
                                    .unwrap_or_default();
                                let at = self.span(p.span());
                                match &p.value {
                                    syn::Expr::Lit(syn::ExprLit {
                                        lit: syn::Lit::Str(s),
                                        ..
                                    }) => {
                                        keys.push((key, s.value(), self.span(s.span())));
                                    }
                                    _ => self.bad_custom(
                                        at,
                                        format!("`{key}` of custom type `{name}` is not a string"),
                                        "expected `key = \"...\"`",
                                        HELP,
                                    ),
                                }
                            }
                        }
                        Err(e) => {
                            let at = self.span(e.span());
                            self.bad_custom(
                                at,
                                format!("bad `#[custom_type]` on `{name}`: {e}"),
                                "here",
                                HELP,
                            );
                        }
                    }
                }
                other => {
                    let at = self.span(attr.path().span());
                    self.diags.push(
                        Diagnostic::new(
                            DiagCode::UnknownAttribute,
                            at,
                            format!("unknown attribute `#[{other}]` on custom type `{name}`"),
                            "not a custom type attribute",
                        )
                        .help("attributes allowed on a custom type: doc comments and `#[custom_type(...)]`"),
                    );
                }
            }
        }
        if !matches!(item.fields, syn::Fields::Unit)
            || !item.generics.params.is_empty()
            || item.generics.where_clause.is_some()
        {
            let at = self.span(item.fields.span());
            self.bad_custom(
                at,
                format!("custom type `{name}` has fields or generics"),
                "write `struct Name;`",
                HELP,
            );
        }
        let get = |cx: &mut Self, key: &str| -> Option<(String, Span)> {
            let mut found = keys.iter().filter(|(k, _, _)| k == key);
            let first = found.next().map(|(_, v, s)| (v.clone(), *s));
            if let Some((_, _, s)) = found.next() {
                cx.bad_custom(
                    *s,
                    format!("`{key}` is given twice on custom type `{name}`"),
                    "second one here",
                    HELP,
                );
            }
            first
        };
        let postgres = get(self, "postgres");
        let sqlite = get(self, "sqlite");
        let diesel = get(self, "diesel");
        let sqlite_diesel = get(self, "sqlite_diesel");
        let rust = get(self, "rust");
        for (k, _, s) in &keys {
            if !["postgres", "sqlite", "diesel", "sqlite_diesel", "rust"].contains(&k.as_str()) {
                let msg = format!("unknown key `{k}` on custom type `{name}`");
                self.bad_custom(*s, msg, "unknown key", HELP);
            }
        }
        let mut ok = true;
        for (key, value) in [
            ("postgres", &postgres),
            ("diesel", &diesel),
            ("rust", &rust),
        ] {
            if value.is_none() {
                let msg = format!("custom type `{name}` has no `{key} = \"...\"`");
                self.bad_custom(name_span, msg, "incomplete declaration", HELP);
                ok = false;
            }
        }
        if let Some((p, s)) = &postgres {
            if let Some(problem) = pg_spelling_problem(p) {
                let msg = format!("`postgres = {p:?}` of custom type `{name}` is not a PostgreSQL type name: {problem}");
                self.bad_custom(*s, msg, "not a type name", "write the type as PostgreSQL spells it in a column definition: `ltree`, `public.ltree`, `geometry(Point, 4326)`; no `;` or comments");
                ok = false;
            }
        }
        if let Some((t, s)) = &sqlite {
            if !SQLITE_STRICT_TYPES.contains(&t.as_str()) {
                let msg = format!("`sqlite = {t:?}` of custom type `{name}` is not a type of SQLite's STRICT tables");
                self.bad_custom(
                    *s,
                    msg,
                    "not a STRICT type",
                    "write one of INTEGER, REAL, TEXT, BLOB, ANY (upper case)",
                );
                ok = false;
            }
        }
        if let (Some((_, s)), None) = (&sqlite_diesel, &sqlite) {
            let msg = format!("custom type `{name}` has `sqlite_diesel` but no `sqlite`");
            self.bad_custom(
                *s,
                msg,
                "no SQLite type",
                "add `sqlite = \"TEXT\"` (or INTEGER, REAL, BLOB, ANY), or remove `sqlite_diesel`",
            );
            ok = false;
        }
        for (key, value) in [
            ("diesel", &diesel),
            ("sqlite_diesel", &sqlite_diesel),
            ("rust", &rust),
        ] {
            if let Some((v, s)) = value {
                let parsed = if key == "rust" {
                    syn::parse_str::<syn::Type>(v).is_ok()
                } else {
                    syn::parse_str::<syn::Path>(v).is_ok()
                };
                if !parsed {
                    let what = if key == "rust" {
                        "Rust type"
                    } else {
                        "Rust path"
                    };
                    let msg = format!("`{key} = {v:?}` of custom type `{name}` is not a {what}");
                    self.bad_custom(*s, msg, "does not parse", "write a path the generated code can name, e.g. `crate::sql_types::Ltree` (`::` separated, no spaces inside names)");
                    ok = false;
                }
            }
        }
        if super::db_enum::taken(&name) {
            self.bad_custom(
                name_span,
                format!("custom type `{name}` has the name of a built-in type"),
                "built-in type",
                "rename the custom type",
            );
            ok = false;
        }
        if schema.custom_types.iter().any(|c| c.name == name) {
            self.bad_custom(
                name_span,
                format!("custom type `{name}` is declared twice"),
                "second one here",
                "declare each custom type once",
            );
            return;
        }
        if !ok {
            return;
        }
        let (Some((postgres, _)), Some((diesel, _)), Some((rust, _))) = (postgres, diesel, rust)
        else {
            return;
        };
        schema.custom_types.push(CustomTypeDecl {
            name,
            postgres: postgres.trim().to_string(),
            sqlite: sqlite.map(|(s, _)| s),
            diesel,
            sqlite_diesel: sqlite_diesel.map(|(s, _)| s),
            rust,
            docs,
            span: name_span,
        });
    }

    /// Reports a custom type that has the name of a declared enum.
    pub(super) fn custom_types_apart_from_enums(&mut self, schema: &Schema) {
        for c in &schema.custom_types {
            if schema.enums.iter().any(|e| e.name == c.name) {
                let msg = format!("custom type `{}` has the name of a declared enum", c.name);
                self.bad_custom(c.span, msg, "same name as an enum", "rename one of them");
            }
            // The same PostgreSQL type declared twice: `CREATE TYPE` of the
            // enum fails where an extension made the type, and the
            // database's columns of it read as either.
            if let Some(e) = schema
                .enums
                .iter()
                .find(|e| crate::custom_type::is_pg_spelling(c.ty().postgres(), &e.sql_name))
            {
                let msg = format!(
                    "custom type `{}` is PostgreSQL's `{}`, the SQL name of the enum `{}`",
                    c.name,
                    c.ty().postgres(),
                    e.name
                );
                self.bad_custom(c.span, msg, "same SQL type as an enum", "use the enum as the column type, or give the enum another SQL name with `#[db_enum(name = \"...\")]`");
            }
        }
    }
}
