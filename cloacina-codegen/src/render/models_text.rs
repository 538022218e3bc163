//! The model structs and insert builders of one table written as text,
//! exactly as `prettyplease` prints the tokens [`super::diesel`] builds for
//! them, and the generated enums likewise, without building, parsing and
//! pretty-printing those tokens.
//!
//! Why: the Diesel module is rendered inside build scripts, which cargo
//! compiles without optimisation; there, `quote` → `syn` → `prettyplease`
//! over every table cost about 1 ms per table. This writer covers the
//! common shapes only and says `None` for anything it cannot lay out with
//! certainty (a line that prettyplease might wrap differently, a doc line
//! it would print as a block comment); the caller then prints that table
//! through `prettyplease` as before. The unit tests compare both ways
//! byte for byte over fixtures, the synthetic schemas and long names.

use std::fmt::Write;

use crate::model::{Column, ColumnType, Table};

/// prettyplease's line width: a group that fits in it stays on one line.
const MARGIN: usize = 89;
/// Lines this writer emits without knowing prettyplease's exact rule for
/// them must stay below this width; longer ones send the table back.
const SAFE: usize = 80;

/// The Rust value type of a column as prettyplease prints it.
fn rust_type(ty: ColumnType) -> std::borrow::Cow<'static, str> {
    match ty {
        ColumnType::Uuid => "super::types::UniversalUuid",
        ColumnType::Text { .. } => "String",
        ColumnType::SmallInt => "i16",
        ColumnType::Integer => "i32",
        ColumnType::BigInt => "i64",
        ColumnType::Bool => "super::types::UniversalBool",
        ColumnType::Timestamp => "super::types::UniversalTimestamp",
        ColumnType::Double => "f64",
        ColumnType::Float => "f32",
        ColumnType::Binary => "Vec<u8>",
        ColumnType::Json => "super::types::UniversalJson",
        ColumnType::NaiveTimestamp => "super::types::UniversalNaiveTimestamp",
        ColumnType::Date => "super::types::UniversalDate",
        ColumnType::Time => "super::types::UniversalTime",
        ColumnType::Postgres(p) => return p.rust().into(),
        // The models' own enum (`enum_of` names it).
        ColumnType::Enum(e) => return e.rust_name().into(),
        // The declared Rust path (`enum_of` gives it: it is the schema's).
        ColumnType::Custom(c) => return c.name().to_string().into(),
        ColumnType::Decimal { .. } => "super::types::UniversalDecimal",
    }
    .into()
}

/// A text writer that remembers whether a line got too wide to be sure.
struct Out {
    text: String,
    unsure: bool,
}

impl Out {
    /// One line at `indent`, which must stay under [`SAFE`].
    fn line(&mut self, indent: usize, args: std::fmt::Arguments<'_>) {
        let width = self.exact_line(indent, args);
        if width > SAFE {
            self.unsure = true;
        }
    }

    /// One line whose layout is known at any width; returns its width.
    fn exact_line(&mut self, indent: usize, args: std::fmt::Arguments<'_>) -> usize {
        let start = self.text.len();
        for _ in 0..indent {
            self.text.push(' ');
        }
        let _ = self.text.write_fmt(args);
        let width = self.text.len() - start;
        self.text.push('\n');
        width
    }

    /// A doc comment line as prettyplease prints `#[doc = " <d>"]`.
    fn doc(&mut self, indent: usize, d: &str) {
        if has_control(d) {
            // Printed as a block comment or escaped: leave it to prettyplease.
            self.unsure = true;
            return;
        }
        for _ in 0..indent {
            self.text.push(' ');
        }
        self.text.push_str("///");
        self.text.push_str(d.trim_end_matches(' '));
        self.text.push('\n');
    }

    /// A function signature `<head>(<params>) -> Self {` at `indent`: on
    /// one line when it fits in [`MARGIN`], else one parameter per line.
    fn signature(&mut self, indent: usize, head: &str, params: &[String]) {
        let flat = params.join(", ");
        if indent + head.len() + 1 + flat.len() + ") -> Self {".len() <= MARGIN {
            self.exact_line(indent, format_args!("{head}({flat}) -> Self {{"));
        } else {
            self.line(indent, format_args!("{head}("));
            for p in params {
                self.line(indent + 4, format_args!("{p},"));
            }
            self.line(indent, format_args!(") -> Self {{"));
        }
    }
}

/// Whether `d` holds a control character (`char::is_control`: U+0000 to
/// U+001F and U+007F to U+009F). The bytes are scanned first, which is much
/// cheaper than decoding characters in the unoptimised build-script
/// profile: C0 controls and DEL are single bytes, and the C1 controls are
/// the two-byte sequences that start with 0xC2.
fn has_control(d: &str) -> bool {
    let bytes = d.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x20 || b == 0x7f || b == 0xc2 {
            return d.chars().any(char::is_control);
        }
        i += 1;
    }
    false
}

/// The items of one table (model struct, insert struct, its `Default` when
/// `new` takes nothing, and its `new`/`with_` builder) with every line
/// indented for the `models` module, or `None` when a line's layout is not
/// certain. `ident` gives a name's Rust identifier, `enum_of` a column's
/// generated enum when fields use it.
pub(super) fn table_items(
    t: &Table,
    model: &str,
    ident: impl Fn(&str) -> String,
    enum_of: impl Fn(&Column) -> Option<String>,
) -> Option<String> {
    let new_model = format!("New{model}");
    let table = ident(&t.name);
    let value_type = |c: &Column| enum_of(c).unwrap_or_else(|| rust_type(c.ty).to_string());
    let field_type = |c: &Column, for_insert: bool| {
        let base = value_type(c);
        if c.nullable || (for_insert && c.insert_optional()) {
            format!("Option<{base}>")
        } else {
            base
        }
    };
    let mut out = Out {
        text: String::with_capacity(4096),
        unsure: false,
    };

    // The struct to read a row.
    out.doc(4, &format!(" A row of `{}`.", t.sql_name()));
    for d in &t.docs {
        out.doc(4, &format!(" {d}"));
    }
    out.text.push_str(
        "    #[derive(\n        Debug,\n        Clone,\n        PartialEq,\n        diesel::Queryable,\n        diesel::Selectable,\n        diesel::Identifiable\n    )]\n",
    );
    out.line(
        4,
        format_args!("#[diesel(table_name = super::schema::unified::{table})]"),
    );
    let pk: Vec<String> = t.primary_key.iter().map(|k| ident(k)).collect();
    out.line(4, format_args!("#[diesel(primary_key({}))]", pk.join(", ")));
    out.line(4, format_args!("pub struct {model} {{"));
    for c in &t.columns {
        for d in &c.docs {
            out.doc(8, &format!(" {d}"));
        }
        out.line(
            8,
            format_args!("pub {}: {},", ident(&c.name), field_type(c, false)),
        );
    }
    out.line(4, format_args!("}}"));

    // The struct to insert a row.
    out.doc(
        4,
        &format!(
            " A row to insert into `{}`; `None` leaves a column to its default (or NULL).",
            t.sql_name()
        ),
    );
    out.doc(4, "");
    out.doc(4, &format!(" Build it with [`{new_model}::new`], which takes the columns that have no default, and the `with_<column>` setters: code written so keeps compiling when a column with a default or a nullable column is added."));
    if let Some(d) = super::diesel::read_only_doc(t) {
        out.doc(4, "");
        out.doc(4, &d);
    }
    out.line(
        4,
        format_args!("#[derive(Debug, Clone, PartialEq, diesel::Insertable)]"),
    );
    out.line(
        4,
        format_args!("#[diesel(table_name = super::schema::unified::{table})]"),
    );
    out.line(4, format_args!("pub struct {new_model} {{"));
    let written: Vec<&Column> = t.columns.iter().filter(|c| c.written_on_insert()).collect();
    for c in &written {
        for d in &c.docs {
            out.doc(8, &format!(" {d}"));
        }
        out.line(
            8,
            format_args!("pub {}: {},", ident(&c.name), field_type(c, true)),
        );
    }
    out.line(4, format_args!("}}"));

    // The builder.
    let required: Vec<&Column> = written
        .iter()
        .copied()
        .filter(|c| !c.insert_optional())
        .collect();
    if required.is_empty() {
        out.line(
            4,
            format_args!("impl ::std::default::Default for {new_model} {{"),
        );
        out.text.push_str(
            "        fn default() -> Self {\n            Self::new()\n        }\n    }\n",
        );
    }
    out.line(4, format_args!("impl {new_model} {{"));
    if required.is_empty() {
        out.doc(8, " A row with every column left to its default (or NULL).");
    } else {
        let names: Vec<String> = required
            .iter()
            .map(|c| format!("`{}`", c.sql_name()))
            .collect();
        out.doc(8, &format!(" A row with the columns that have no default ({}); every other column is left to its default (or NULL) unless set with a `with_` method.", names.join(", ")));
    }
    if required.len() > 7 {
        out.line(8, format_args!("#[allow(clippy::too_many_arguments)]"));
    }
    let params: Vec<String> = required
        .iter()
        .map(|c| format!("{}: impl Into<{}>", ident(&c.name), value_type(c)))
        .collect();
    out.signature(8, "pub fn new", &params);
    let inits: Vec<String> = written
        .iter()
        .map(|c| {
            let name = ident(&c.name);
            if c.insert_optional() {
                format!("{name}: None")
            } else {
                format!("{name}: {name}.into()")
            }
        })
        .collect();
    // prettyplease keeps a struct literal on one line while `Self { … }`
    // is at most 35 wide (its `end_with_max_width(34)`).
    let flat = format!("Self {{ {} }}", inits.join(", "));
    if flat.len() <= 35 {
        out.line(12, format_args!("{flat}"));
    } else {
        out.line(12, format_args!("Self {{"));
        for init in &inits {
            out.line(16, format_args!("{init},"));
        }
        out.line(12, format_args!("}}"));
    }
    out.text.push_str("        }\n");
    for c in written.iter().filter(|c| c.insert_optional()) {
        let name = ident(&c.name);
        let when_unset = if c.default.is_some() || c.auto_increment {
            "its default"
        } else {
            "NULL"
        };
        out.doc(
            8,
            &format!(
                " Sets `{}` (left unset, it gets {when_unset}).",
                c.sql_name()
            ),
        );
        out.line(8, format_args!("#[must_use]"));
        out.signature(
            8,
            &format!("pub fn with_{}", c.name),
            &[
                "mut self".to_string(),
                format!("value: impl Into<{}>", value_type(c)),
            ],
        );
        out.line(12, format_args!("self.{name} = Some(value.into());"));
        out.text.push_str("            self\n        }\n");
    }
    out.text.push_str("    }\n");
    (!out.unsure).then_some(out.text)
}

/// Whether prettyplease prints `text` as a string literal `"text"` and
/// `{text:?}` as the same: printable ASCII without quotes or backslashes
/// (anything else is escaped by rules this writer does not reproduce).
fn plain_literal(text: &str) -> bool {
    text.bytes()
        .all(|b| (b' '..=b'~').contains(&b) && !matches!(b, b'"' | b'\\' | b'\''))
}

/// The part of a generated enum after its variants, with `@E@` standing
/// for the enum's name, as prettyplease prints it inside `models`.
const ENUM_TAIL: &str = r#"    impl ::std::fmt::Display for @E@ {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
            f.write_str(self.as_str())
        }
    }
    impl ::std::str::FromStr for @E@ {
        type Err = super::types::UnknownVariant;
        fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
            @E@::ALL
                .into_iter()
                .find(|v| v.as_str() == s)
                .ok_or_else(|| super::types::UnknownVariant {
                    type_name: "@E@",
                    value: s.to_string(),
                    expected: &@E@::VALUES,
                })
        }
    }
    impl ::std::convert::From<@E@> for String {
        fn from(v: @E@) -> Self {
            v.as_str().to_string()
        }
    }
    impl ::std::cmp::PartialEq<str> for @E@ {
        fn eq(&self, other: &str) -> bool {
            self.as_str() == other
        }
    }
    impl ::std::cmp::PartialEq<&str> for @E@ {
        fn eq(&self, other: &&str) -> bool {
            self.as_str() == *other
        }
    }
    impl ::std::cmp::PartialEq<String> for @E@ {
        fn eq(&self, other: &String) -> bool {
            self.as_str() == other.as_str()
        }
    }
    impl ::std::cmp::PartialEq<@E@> for String {
        fn eq(&self, other: &@E@) -> bool {
            self.as_str() == other.as_str()
        }
    }
    impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for @E@
    where
        DB: diesel::backend::Backend,
        str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
    {
        fn to_sql<'b>(
            &'b self,
            out: &mut diesel::serialize::Output<'b, '_, DB>,
        ) -> diesel::serialize::Result {
            <str as diesel::serialize::ToSql<
                diesel::sql_types::Text,
                DB,
            >>::to_sql(self.as_str(), out)
        }
    }
    impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for @E@
    where
        DB: diesel::backend::Backend,
        String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
    {
        fn from_sql(
            bytes: <DB as diesel::backend::Backend>::RawValue<'_>,
        ) -> diesel::deserialize::Result<Self> {
            let text = <String as diesel::deserialize::FromSql<
                diesel::sql_types::Text,
                DB,
            >>::from_sql(bytes)?;
            Ok(text.parse::<@E@>()?)
        }
    }
"#;

impl Out {
    /// `<head> = [<items>];` at `indent`, as prettyplease prints an array
    /// of paths or strings: on one line when it fits, else one item per
    /// line. Too close to the margin to be sure: unsure.
    fn array(&mut self, indent: usize, head: &str, items: &[String]) {
        let flat = items.join(", ");
        let width = indent + head.len() + " = [".len() + flat.len() + "];".len();
        if width + 1 < MARGIN {
            self.exact_line(indent, format_args!("{head} = [{flat}];"));
        } else {
            if width <= MARGIN + 2 {
                self.unsure = true;
            }
            self.line(indent, format_args!("{head} = ["));
            for item in items {
                self.line(indent + 4, format_args!("{item},"));
            }
            self.line(indent, format_args!("];"));
        }
    }
}

/// One generated enum (see `super::diesel::enum_item`) with its impls,
/// indented for the `models` module, or `None` when a line's layout is not
/// certain (a long name, a value prettyplease would escape).
pub(super) fn enum_items(
    name: &str,
    table_sql: &str,
    column_sql: &str,
    variants: &[String],
    values: &[&str],
) -> Option<String> {
    if !values.iter().all(|v| plain_literal(v)) || !plain_literal(name) {
        return None;
    }
    let mut out = Out {
        text: String::with_capacity(4096),
        unsure: false,
    };
    out.doc(
        4,
        &format!(
            " The values of `{table_sql}.{column_sql}` (its `CHECK` lists them); stored as text."
        ),
    );
    out.text.push_str(
        "    #[derive(\n        Debug,\n        Clone,\n        Copy,\n        PartialEq,\n        Eq,\n        Hash,\n        PartialOrd,\n        Ord,\n        diesel::expression::AsExpression,\n        diesel::deserialize::FromSqlRow\n    )]\n    #[diesel(sql_type = diesel::sql_types::Text)]\n",
    );
    out.line(4, format_args!("pub enum {name} {{"));
    for (v, text) in variants.iter().zip(values) {
        out.doc(8, &format!(" `\"{text}\"`"));
        out.line(8, format_args!("{v},"));
    }
    out.text.push_str("    }\n");
    out.line(4, format_args!("impl {name} {{"));
    let n = values.len();
    out.doc(8, " Every value, in the order of the schema's check.");
    let all: Vec<String> = variants.iter().map(|v| format!("{name}::{v}")).collect();
    out.array(8, &format!("pub const ALL: [{name}; {n}]"), &all);
    out.doc(8, " The stored text of every value, in the same order.");
    let quoted: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
    out.array(
        8,
        &format!("pub const VALUES: [&'static str; {n}]"),
        &quoted,
    );
    out.doc(8, " The stored text.");
    out.text.push_str(
        "        pub const fn as_str(self) -> &'static str {\n            match self {\n",
    );
    for (v, text) in variants.iter().zip(values) {
        out.line(16, format_args!("{name}::{v} => \"{text}\","));
    }
    out.text.push_str("            }\n        }\n    }\n");
    for line in ENUM_TAIL.lines() {
        if !line.contains("@E@") {
            out.text.push_str(line);
            out.text.push('\n');
            continue;
        }
        let line = line.replace("@E@", name);
        // An impl header stays on one line while it fits the margin, else
        // it breaks before `for` (the break prettyplease takes first),
        // both parts at the impl's indent; other lines must stay clear of
        // any wrapping.
        if line.starts_with("    impl") && line.len() > MARGIN {
            match line.rsplit_once(" for ") {
                Some((head, tail)) if head.len() <= SAFE && tail.len() + 8 <= SAFE => {
                    out.text.push_str(head);
                    out.text.push_str("\n    for ");
                    out.text.push_str(tail);
                }
                _ => {
                    out.unsure = true;
                    out.text.push_str(&line);
                }
            }
        } else {
            let limit = if line.starts_with("    impl") {
                MARGIN
            } else {
                SAFE
            };
            if line.len() > limit {
                out.unsure = true;
            }
            out.text.push_str(&line);
        }
        out.text.push('\n');
    }
    (!out.unsure).then_some(out.text)
}
