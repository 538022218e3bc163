//! Declared enums: `#[db_enum(name = "sql_name")] enum Name { A, #[value("b-2")] B }`.
//!
//! A column names an enum by its Rust name (`status -> ExecutionStatus`);
//! the enum may stand anywhere in the file, so such a column is read as a
//! placeholder and resolved once the whole file is read ([`Cx::file_resolved`]).

use syn::spanned::Spanned;

use super::{doc_line, path_name, unknown_type_diag, unraw, Cx};
use crate::error::{DiagCode, Diagnostic};
use crate::model::*;
use crate::names::{self, IdentProblem};

/// A column type that may name a declared enum.
pub(super) struct Pending {
    /// The name as written.
    pub name: String,
    /// Where it stands.
    pub span: Span,
    /// The number of diagnostics when it was read: an unknown name is
    /// reported in this place, as if it had been reported at once.
    pub diag_at: usize,
    /// Its place among everything deferred.
    pub seq: usize,
}

/// The expression literals of a table that has a column of a declared
/// enum, checked once the enums are resolved.
pub(super) struct DeferredExprs {
    /// The table (schema-file name).
    pub table: String,
    /// The literals.
    pub exprs: Vec<super::ExprLit>,
    /// As [`Pending::diag_at`].
    pub diag_at: usize,
    /// As [`Pending::seq`].
    pub seq: usize,
}

/// Whether `table` has a column whose type may be a declared enum not yet
/// resolved.
pub(super) fn has_placeholder(table: &Table) -> bool {
    table
        .columns
        .iter()
        .any(|c| matches!(c.ty, ColumnType::Enum(e) if e.labels().is_empty()))
}

/// The column type of a name that may be a declared enum, until resolved:
/// an enum type with no labels (a declared enum always has some).
pub(super) fn placeholder(name: &str) -> ColumnType {
    ColumnType::Enum(EnumType::new(name, &[]))
}

/// Type names the parser reads as something else, beyond the neutral and
/// PostgreSQL-only types ([`ColumnType::NAMES`], [`PgType::NAMES`]): the
/// nullable wrapper, `Numrange` (a Diesel range name the parser explains)
/// and the runtime types the generated `table!`s import.
const TAKEN_BESIDES_TYPES: &[&str] = &[
    "Nullable",
    "Numrange",
    "DbUuid",
    "DbBool",
    "DbJson",
    "DbTimestamp",
    "DbDate",
    "DbNaiveTimestamp",
    "DbTime",
    "DbDecimal",
];

/// Whether an enum or custom type may not take the type name `name`: a
/// neutral or PostgreSQL-only type (`Decimal<P, S>` takes `Decimal`), or
/// one of [`TAKEN_BESIDES_TYPES`].
pub(super) fn taken(name: &str) -> bool {
    let base = |spelling: &&str| spelling.split('<').next() == Some(name);
    ColumnType::NAMES.iter().any(base)
        || PgType::NAMES.iter().any(base)
        || TAKEN_BESIDES_TYPES.contains(&name)
}

const ENUM_HELP: &str = "write `#[db_enum(name = \"sql_name\")] enum Name { LabelA, #[value(\"label-b\")] LabelB }`: unit variants only; a label is the variant as written unless `#[value(\"...\")]` gives it";

impl Cx<'_> {
    /// The file, with every column type that names a declared enum
    /// resolved and every other unknown type name reported.
    pub(super) fn file_resolved(&mut self) -> Schema {
        let mut schema = self.file();
        self.custom_types_apart_from_enums(&schema);
        self.resolve_enums(&mut schema);
        schema
    }

    fn bad_enum(&mut self, at: Span, message: String, label: &str, help: &str) {
        self.diags
            .push(Diagnostic::new(DiagCode::BadEnum, at, message, label).help(help));
    }

    /// One `enum` item.
    pub(super) fn db_enum(&mut self, item: syn::ItemEnum, schema: &mut Schema) {
        let name = unraw(&item.ident);
        let name_span = self.span(item.ident.span());
        let mut docs = Vec::new();
        let mut sql_name: Option<(String, Span)> = None;
        for attr in &item.attrs {
            match path_name(attr).as_str() {
                "doc" => {
                    if let Ok(d) = doc_line(attr) {
                        docs.push(d);
                    }
                }
                "db_enum" => {
                    if matches!(attr.meta, syn::Meta::Path(_)) {
                        continue;
                    }
                    let parsed = attr.parse_args_with(|input: syn::parse::ParseStream| {
                        let key: syn::Ident = input.parse()?;
                        if key != "name" {
                            return Err(syn::Error::new(key.span(), "expected `name = \"...\"`"));
                        }
                        input.parse::<syn::Token![=]>()?;
                        let lit: syn::LitStr = input.parse()?;
                        Ok(lit)
                    });
                    match parsed {
                        Ok(lit) => sql_name = Some((lit.value(), self.span(lit.span()))),
                        Err(e) => {
                            let at = self.span(e.span());
                            self.bad_enum(
                                at,
                                format!("bad `#[db_enum]` on enum `{name}`: {e}"),
                                "here",
                                ENUM_HELP,
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
                            format!("unknown attribute `#[{other}]` on enum `{name}`"),
                            "not an enum attribute",
                        )
                        .help("attributes allowed on an enum: doc comments and `#[db_enum(name = \"sql_name\")]`"),
                    );
                }
            }
        }
        if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
            let at = self.span(item.generics.span());
            self.bad_enum(
                at,
                format!("enum `{name}` has generics"),
                "not allowed",
                ENUM_HELP,
            );
        }
        let mut labels: Vec<String> = Vec::new();
        let mut variants: Vec<String> = Vec::new();
        for v in &item.variants {
            let variant = unraw(&v.ident);
            let mut label = variant.clone();
            let mut label_span = self.span(v.ident.span());
            for attr in &v.attrs {
                match path_name(attr).as_str() {
                    "doc" => {}
                    "value" => match attr.parse_args::<syn::LitStr>() {
                        Ok(lit) => {
                            label = lit.value();
                            label_span = self.span(lit.span());
                        }
                        Err(e) => {
                            let at = self.span(e.span());
                            self.bad_enum(
                                at,
                                format!("bad `#[value]` on `{name}::{variant}`: {e}"),
                                "here",
                                "write `#[value(\"stored-label\")]`",
                            );
                        }
                    },
                    other => {
                        let at = self.span(attr.path().span());
                        self.diags.push(
                            Diagnostic::new(
                                DiagCode::UnknownAttribute,
                                at,
                                format!("unknown attribute `#[{other}]` on `{name}::{variant}`"),
                                "not a variant attribute",
                            )
                            .help("attributes allowed on a variant: doc comments and `#[value(\"stored-label\")]`"),
                        );
                    }
                }
            }
            if !matches!(v.fields, syn::Fields::Unit) {
                let at = self.span(v.fields.span());
                self.bad_enum(
                    at,
                    format!("variant `{name}::{variant}` has fields"),
                    "a database enum holds labels only",
                    ENUM_HELP,
                );
            }
            if let Some((_, d)) = &v.discriminant {
                let at = self.span(d.span());
                self.bad_enum(
                    at,
                    format!("variant `{name}::{variant}` has a discriminant"),
                    "not allowed",
                    "remove `= ...`: a label is stored as text, its order is the declaration order",
                );
            }
            if label.is_empty() || label.len() > names::MAX_IDENT_BYTES {
                self.bad_enum(
                    label_span,
                    format!("label {label:?} of enum `{name}` is {} bytes long", label.len()),
                    "must be 1 to 63 bytes",
                    "PostgreSQL's enum labels are 1 to 63 bytes: shorten it with `#[value(\"...\")]`",
                );
            }
            if labels.contains(&label) {
                self.bad_enum(
                    label_span,
                    format!("enum `{name}` has the label {label:?} twice"),
                    "second one here",
                    "give each variant its own label",
                );
                continue;
            }
            if variants.contains(&variant) {
                let at = self.span(v.ident.span());
                self.bad_enum(
                    at,
                    format!("enum `{name}` has the variant `{variant}` twice"),
                    "second one here",
                    "give each variant its own name",
                );
                continue;
            }
            labels.push(label);
            variants.push(variant);
        }
        if item.variants.is_empty() {
            self.bad_enum(
                name_span,
                format!("enum `{name}` has no labels"),
                "empty enum",
                ENUM_HELP,
            );
        }
        let (sql_name, sql_span) = sql_name.unwrap_or_else(|| (snake_case(&name), name_span));
        match names::check_ident(&sql_name) {
            Ok(()) => {}
            Err(IdentProblem::Reserved) => self.bad_enum(sql_span, format!("enum name `{sql_name}` is a reserved word"), "reserved", "choose another name with `#[db_enum(name = \"...\")]`"),
            Err(IdentProblem::TooLong(n)) => self.bad_enum(sql_span, format!("enum name `{sql_name}` is {n} bytes long"), "over 63 bytes", "PostgreSQL truncates names over 63 bytes: choose a shorter one with `#[db_enum(name = \"...\")]`"),
            Err(_) => self.bad_enum(sql_span, format!("enum name `{sql_name}` would need quotes in SQL"), "not a plain lowercase SQL name", "write a lowercase SQL name (`[a-z_][a-z0-9_]*`) with `#[db_enum(name = \"...\")]`"),
        }
        if names::pg_builtin_type(&sql_name) {
            self.bad_enum(
                sql_span,
                format!("enum name `{sql_name}` is the name of a PostgreSQL type"),
                "built-in SQL type",
                "PostgreSQL would create the enum but read every column of this type as its own type (pg_catalog is searched first): choose another SQL name with `#[db_enum(name = \"...\")]`",
            );
        }
        if taken(&name) {
            self.bad_enum(
                name_span,
                format!("enum `{name}` has the name of a built-in type"),
                "built-in type",
                "rename the enum (its SQL name can stay, with `#[db_enum(name = \"...\")]`)",
            );
        }
        if schema
            .enums
            .iter()
            .any(|e| e.name == name || e.sql_name == sql_name)
        {
            self.bad_enum(
                name_span,
                format!("enum `{name}` (SQL name `{sql_name}`) is declared twice"),
                "second one here",
                "declare each enum once, with its own Rust and SQL name",
            );
            return;
        }
        schema.enums.push(DbEnum {
            name,
            sql_name,
            labels,
            variants,
            docs,
            span: name_span,
        });
    }

    /// Resolves the placeholder column types ([`placeholder`]) and reports
    /// names that are no declared enum; checks each enum against the
    /// tables' names.
    fn resolve_enums(&mut self, schema: &mut Schema) {
        for e in &schema.enums {
            if let Some(t) = schema.tables.iter().find(|t| t.sql_name() == e.sql_name) {
                let msg = format!("enum `{}` has the SQL name of table `{}`", e.name, t.name);
                self.bad_enum(e.span, msg, "same name as a table", "PostgreSQL gives every table a type of its name: choose another SQL name with `#[db_enum(name = \"...\")]`");
            }
            let model = crate::render::diesel::model_name;
            if let Some(t) = schema
                .tables
                .iter()
                .find(|t| model(&t.name) == e.name || format!("New{}", model(&t.name)) == e.name)
            {
                let msg = format!(
                    "enum `{}` has the name of the model struct of table `{}`",
                    e.name, t.name
                );
                self.bad_enum(
                    e.span,
                    msg,
                    "same name as a model",
                    "rename the enum (its SQL name can stay, with `#[db_enum(name = \"...\")]`)",
                );
            }
        }
        let enums = &schema.enums;
        let customs = &schema.custom_types;
        for c in schema.tables.iter_mut().flat_map(|t| t.columns.iter_mut()) {
            let ColumnType::Enum(e) = c.ty else { continue };
            if !e.labels().is_empty() {
                continue;
            }
            let name = e.sql_name();
            c.ty = if let Some(d) = enums.iter().find(|d| d.name == name) {
                ColumnType::Enum(d.ty())
            } else if let Some(d) = customs.iter().find(|d| d.name == name) {
                ColumnType::Custom(d.ty())
            } else {
                ColumnType::Text { max_len: None }
            };
        }
        // Everything deferred is reported where it would have stood.
        let declared: Vec<(&str, &str)> = schema
            .enums
            .iter()
            .map(|e| (e.name.as_str(), "enum"))
            .chain(
                schema
                    .custom_types
                    .iter()
                    .map(|c| (c.name.as_str(), "custom type")),
            )
            .collect();
        let mut late: Vec<(usize, usize, Vec<Diagnostic>)> =
            std::mem::take(&mut self.pending_types)
                .into_iter()
                .filter(|p| !declared.iter().any(|(n, _)| *n == p.name))
                .map(|p| {
                    let diag = unknown_type_diag(p.span, &p.name, &declared);
                    (p.seq, p.diag_at, vec![diag])
                })
                .collect();
        for d in std::mem::take(&mut self.deferred_exprs) {
            let Some(t) = schema.tables.iter().find(|t| t.name == d.table) else {
                continue;
            };
            let before = std::mem::take(&mut self.diags);
            self.check_exprs(t, d.exprs);
            let found = std::mem::replace(&mut self.diags, before);
            late.push((d.seq, d.diag_at, found));
        }
        late.sort_by_key(|(seq, _, _)| *seq);
        for (_, at, diags) in late.into_iter().rev() {
            let at = at.min(self.diags.len());
            self.diags.splice(at..at, diags);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::*;

    fn parsed(src: &str) -> Schema {
        let (schema, diags) = crate::parse::parse(src);
        assert!(diags.is_empty(), "{diags:?}");
        schema
    }

    #[test]
    fn an_enum_may_stand_after_the_table_that_uses_it() {
        let s = parsed(
            "table! { jobs (id) { id -> BigInt, status -> Nullable<Status>, } }\n\
             /// Doc.\n#[db_enum(name = \"job_status\")]\nenum Status { Pending, #[value(\"in-progress\")] InProgress }\n",
        );
        let e = &s.enums[0];
        assert_eq!(
            (e.name.as_str(), e.sql_name.as_str(), e.docs.clone()),
            ("Status", "job_status", vec!["Doc.".to_string()])
        );
        assert_eq!(e.labels, ["Pending", "in-progress"]);
        assert_eq!(e.variants, ["Pending", "InProgress"]);
        let c = s.tables[0].column("status").expect("column");
        assert_eq!((c.ty, c.nullable), (ColumnType::Enum(e.ty()), true));
    }

    #[test]
    fn the_sql_name_defaults_to_snake_case_and_the_printer_round_trips() {
        let src = "#[db_enum]\nenum ExecutionStatus { Pending, Running }\n\n#[db_enum(name = \"prio\")]\nenum Priority {\n    #[value(\"low\")]\n    Low,\n}\n\ntable! {\n    jobs (id) {\n        id -> BigInt,\n        #[default(\"Pending\")]\n        status -> ExecutionStatus,\n        p -> Priority,\n    }\n}\n";
        let s = parsed(src);
        assert_eq!(s.enums[0].sql_name, "execution_status");
        let printed = crate::render::neutral::render(&s, &[]);
        assert!(
            printed.contains("#[db_enum]\nenum ExecutionStatus {\n    Pending,\n    Running,\n}"),
            "{printed}"
        );
        assert!(
            printed.contains(
                "#[db_enum(name = \"prio\")]\nenum Priority {\n    #[value(\"low\")]\n    Low,\n}"
            ),
            "{printed}"
        );
        assert_eq!(parsed(&printed), s);
    }

    #[test]
    fn enum_types_compare_by_name_and_labels_in_order() {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let a = EnumType::new("mood", &l(&["a", "b"]));
        assert_eq!(a, EnumType::new("mood", &l(&["a", "b"])));
        assert_ne!(a, EnumType::new("mood", &l(&["b", "a"])));
        assert_ne!(a, EnumType::new("feeling", &l(&["a", "b"])));
        assert_eq!(a.labels(), ["a", "b"]);
        assert_eq!(
            format!("{a:?}"),
            "EnumType { sql_name: \"mood\", labels: [\"a\", \"b\"] }"
        );
    }

    #[test]
    fn taken_names_are_the_built_in_type_names() {
        for name in [
            "Nullable",
            "Text",
            "Uuid",
            "SmallInt",
            "Integer",
            "BigInt",
            "Bool",
            "Timestamp",
            "Double",
            "Float",
            "Binary",
            "Json",
            "NaiveTimestamp",
            "Date",
            "Time",
            "Decimal",
            "Array",
            "Range",
            "Interval",
            "Money",
            "Oid",
            "MacAddr",
            "MacAddr8",
            "Citext",
            "Inet",
            "Cidr",
            "Tsvector",
            "Numrange",
            "DbUuid",
            "DbBool",
            "DbJson",
            "DbTimestamp",
            "DbDate",
            "DbNaiveTimestamp",
            "DbTime",
            "DbDecimal",
        ] {
            assert!(super::taken(name), "{name} should be taken");
        }
        for name in [
            "Status",
            "Decimal<P, S>",
            "Array<T>",
            "Ltree",
            "Int4range",
            "",
        ] {
            assert!(!super::taken(name), "{name} should be free");
        }
    }

    #[test]
    fn names_read_from_a_database() {
        assert_eq!(snake_case("ExecutionStatus"), "execution_status");
        assert_eq!(snake_case("Http2Status"), "http2_status");
        assert_eq!(enum_rust_name("execution_status"), "ExecutionStatus");
        assert_eq!(enum_rust_name("_"), "Enum");
        assert_eq!(enum_rust_name("_2fa"), "Enum2fa");
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            label_variants(&l(&["in_progress", "in-progress", "2fa", "Self", "ok"])),
            ["InProgress", "Value2", "Value3", "Value4", "Ok"]
        );
    }
}
