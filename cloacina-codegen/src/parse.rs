//! Parsing the schema language (Rust-token syntax, read with `syn`) into the
//! [`Schema`] model.
//!
//! Parsing checks the *form* of the file: items, attribute spelling and
//! placement, types and literals. Whether the parts fit together (columns
//! that exist, keys, names) is `validate`'s job. Both report
//! [`Diagnostic`]s with the span of the offending token; parsing goes on
//! after an error where it can, so one run shows as many problems as
//! possible.

use std::path::Path;

use proc_macro2::{LineColumn, Span as PmSpan};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitStr, Token};

use crate::error::{DiagCode, Diagnostic, Error};
use crate::expr;
use crate::guard::{AllowKind, Allowance};
use crate::model::*;

mod custom_type;
mod db_enum;

/// Parses schema source text. Returns the model (possibly partial) and the
/// problems found; the model is only meaningful when there are none.
pub fn parse(source: &str) -> (Schema, Vec<Diagnostic>) {
    let mut cx = Cx::new(source);
    let schema = cx.file_resolved();
    (schema, cx.diags)
}

/// Parses schema source text and also returns the migration guard
/// attributes (`#![allow_drop(...)]`, `#[allow_drop(...)]`,
/// `#[allow_destructive]`; see the crate docs), which are intent for one
/// migration rather than part of the model.
pub fn parse_with_allowances(source: &str) -> (Schema, Vec<Allowance>, Vec<Diagnostic>) {
    let mut cx = Cx::new(source);
    let schema = cx.file_resolved();
    (schema, cx.allowances, cx.diags)
}

/// Reads a schema file as text.
///
/// # Errors
///
/// [`Error::Read`] when the file cannot be read; [`Error::NotUtf8`] with
/// the byte offset, line and column of the first byte that is not UTF-8.
pub fn read_source(path: &Path) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let offset = e.utf8_error().valid_up_to();
        // The prefix is valid UTF-8 by definition of `valid_up_to`.
        let valid = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
        let (line, column) = crate::error::line_col(valid, offset);
        Error::NotUtf8 {
            path: path.to_path_buf(),
            offset,
            line,
            column,
            byte: bytes.get(offset).copied().unwrap_or_default(),
        }
    })
}

struct Cx<'s> {
    source: &'s str,
    /// Every character is one byte: a column is a byte offset.
    ascii: bool,
    line_starts: Vec<usize>,
    diags: Vec<Diagnostic>,
    allowances: Vec<Allowance>,
    /// The expression literals (`sql = "..."`, `where = "..."`, …) of the
    /// table being read, checked against it once all its columns are known.
    exprs: Vec<ExprLit>,
    /// Try [`Cx::file_in_one_pass`] first (always, but in the test that
    /// compares it with the general path).
    one_pass: bool,
    /// Column types that may name a declared enum, resolved at the end.
    pending_types: Vec<db_enum::Pending>,
    /// The expression literals of tables with such a column, checked once
    /// the enums are resolved.
    deferred_exprs: Vec<db_enum::DeferredExprs>,
}

/// An expression string literal and the backend it is scoped to (`None`:
/// both, so it must be neutral).
type ExprLit = (LitStr, Option<Backend>);

/// Attributes that may stand on a table.
const TABLE_ATTRS: &[&str] = &[
    "doc",
    "sql_name",
    "index",
    "unique",
    "check",
    "foreign_key",
    "backend",
    "renamed_from",
    "allow_drop",
    "primary_key",
];
/// Attributes that may stand on a column.
const COLUMN_ATTRS: &[&str] = &[
    "doc",
    "sql_name",
    "default",
    "references",
    "unique",
    "check",
    "index",
    "renamed_from",
    "auto_increment",
    "allow_destructive",
];
/// Inner attributes that may stand at the top of the file (`doc` is what
/// `//!` comments become).
const FILE_ATTRS: &[&str] = &["doc", "allow_drop", "postgres_extensions"];
/// Attributes that may stand on a raw SQL block.
const RAW_ATTRS: &[&str] = &["doc", "postgres", "sqlite"];

impl<'s> Cx<'s> {
    fn new(source: &'s str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        Cx {
            source,
            ascii: source.is_ascii(),
            line_starts,
            diags: Vec::new(),
            allowances: Vec::new(),
            exprs: Vec::new(),
            one_pass: true,
            pending_types: Vec::new(),
            deferred_exprs: Vec::new(),
        }
    }

    // ---- spans -------------------------------------------------------------

    fn offset(&self, lc: LineColumn) -> usize {
        if lc.line == 0 {
            return self.source.len();
        }
        let Some(&start) = self.line_starts.get(lc.line - 1) else {
            return self.source.len();
        };
        let line_end = self
            .line_starts
            .get(lc.line)
            .copied()
            .unwrap_or(self.source.len());
        let line = &self.source[start..line_end];
        if self.ascii {
            // One byte per character: no walk along the line.
            return start + lc.column.min(line.len());
        }
        start
            + line
                .char_indices()
                .nth(lc.column)
                .map_or(line.len(), |(i, _)| i)
    }

    fn span(&self, s: PmSpan) -> Span {
        let start = self.offset(s.start());
        let end = self.offset(s.end()).max(start);
        Span::new(start, end)
    }

    fn err(
        &mut self,
        code: DiagCode,
        at: PmSpan,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        let mut d = Diagnostic::new(code, self.span(at), message, label);
        d.help = help.map(crate::error::bounded);
        self.diags.push(d);
    }

    fn syn_err(&mut self, e: syn::Error, help: &str) {
        for e in e {
            let mut msg = e.to_string();
            if msg == "cannot parse string into token stream" {
                msg = "not valid Rust token syntax here (a schema file is read as Rust tokens)"
                    .into();
            }
            self.err(
                DiagCode::Syntax,
                e.span(),
                msg,
                "here",
                Some(help.to_string()),
            );
        }
    }

    // ---- file --------------------------------------------------------------

    fn file(&mut self) -> Schema {
        let mut schema = Schema::default();
        if let Some((at, len, message, label, help)) = lex_problem(self.source) {
            self.diags.push(
                Diagnostic::new(DiagCode::Syntax, Span::new(at, at + len), message, label)
                    .help(help),
            );
            return schema;
        }
        if self.one_pass {
            if let Some(schema) = self.file_in_one_pass() {
                return schema;
            }
        }
        let file = match self.lex_and_parse_file() {
            Ok(Some(f)) => f,
            // Too deeply nested: reported, and not given to syn.
            Ok(None) => return schema,
            Err(e) => {
                // syn's words for a `#![...]` after an outer doc comment or
                // an item: say where inner attributes go.
                let help = if e.to_string() == "expected square brackets" {
                    "`#![...]` attributes go at the very top of the file, before any `///` doc comment and any item (a doc comment for the whole file is written `//!`)"
                } else {
                    "the schema file must be valid Rust tokens: balanced brackets, closed strings; see the grammar in the cloacina-codegen docs"
                };
                self.syn_err(e, help);
                return schema;
            }
        };
        self.file_attrs(&file.attrs, &mut schema);
        for item in file.items {
            self.item(item, &mut schema);
        }
        schema
    }

    /// The file read in one pass over one token buffer: `table!` and
    /// `raw_sql!` bodies are parsed where they stand instead of being
    /// collected as token streams into a `syn::File` and buffered again
    /// one by one (the second buffer and the item tree cost about a tenth
    /// of the generation time in the unoptimised build-script profile).
    ///
    /// `None`, with nothing recorded, whenever the result could differ
    /// from the general path in [`Cx::file`] (which then runs and reports):
    /// a BOM or shebang, input that does not lex or is nested too deeply,
    /// an item syn cannot parse, or tokens a body left unread inside a
    /// nested group (syn reports those only at the end of a buffer). So the
    /// diagnostics, their order and spans are the general path's.
    fn file_in_one_pass(&mut self) -> Option<Schema> {
        let (content, shebang) = strip_bom_and_shebang(self.source);
        if shebang.is_some() || content.len() != self.source.len() {
            return None;
        }
        let tokens: proc_macro2::TokenStream = content.parse().ok()?;
        if nesting_problem(&tokens).is_some() {
            return None;
        }
        let (diags, allowances) = (self.diags.len(), self.allowances.len());
        let (pending, deferred) = (self.pending_types.len(), self.deferred_exprs.len());
        let mut schema = Schema::default();
        match (|input: ParseStream| self.items_in_place(input, &mut schema)).parse2(tokens) {
            Ok(()) => Some(schema),
            Err(_) => {
                self.diags.truncate(diags);
                self.allowances.truncate(allowances);
                self.pending_types.truncate(pending);
                self.deferred_exprs.truncate(deferred);
                self.exprs.clear();
                None
            }
        }
    }

    /// The items of the file for [`Cx::file_in_one_pass`]: the inner
    /// attributes, then each item; `table! { ... }` and `raw_sql! { ... }`
    /// read in place, anything else parsed as a `syn::Item` and handled as
    /// the general path does.
    fn items_in_place(&mut self, input: ParseStream, schema: &mut Schema) -> syn::Result<()> {
        let attrs = input.call(Attribute::parse_inner)?;
        self.file_attrs(&attrs, schema);
        while !input.is_empty() {
            let Some(kind) = braced_macro_ahead(input) else {
                let item: syn::Item = input.parse()?;
                self.item(item, schema);
                continue;
            };
            let attrs = input.call(Attribute::parse_outer)?;
            input.call(Ident::parse_any)?;
            input.parse::<Token![!]>()?;
            // The body is read from a fork so that tokens left inside a
            // failed body do not count against the file; a body that parsed
            // hands anything left in its nested groups on to the file
            // (`advance_to`), where it makes the whole pass fall back.
            let fork = input.fork();
            let body;
            let close = syn::braced!(body in fork).span.close();
            let parsed = match kind {
                MacroKind::Table => {
                    self.reject_item_attrs(&attrs, "table!");
                    match self.table_block(&body) {
                        Ok(tables) => {
                            schema.tables.extend(tables);
                            true
                        }
                        Err(e) => {
                            self.syn_err(eof_at_call_site(e, close), TABLE_HELP);
                            false
                        }
                    }
                }
                MacroKind::Raw => {
                    self.reject_item_attrs(&attrs, "raw_sql!");
                    match self.raw_block_list(&body) {
                        Ok(blocks) => {
                            schema.raw_blocks.extend(blocks);
                            true
                        }
                        Err(e) => {
                            self.syn_err(eof_at_call_site(e, close), RAW_HELP);
                            false
                        }
                    }
                }
            };
            drop(body);
            if parsed {
                use syn::parse::discouraged::Speculative;
                input.advance_to(&fork);
            } else {
                input.step(|cursor| match cursor.any_group() {
                    Some((_, _, _, rest)) => Ok(((), rest)),
                    None => Err(cursor.error("expected curly braces")),
                })?;
            }
        }
        Ok(())
    }

    /// The file's inner attributes: `//!` comments (`#![doc]`) and
    /// `#![allow_drop(...)]`; any other is a located error, never ignored
    /// (a misspelled `#![allow_drops(...)]` would otherwise drop nothing
    /// and say nothing).
    fn file_attrs(&mut self, attrs: &[Attribute], schema: &mut Schema) {
        for attr in attrs {
            let name = attr.path().get_ident().map(|i| i.to_string());
            match name.as_deref() {
                Some("doc") => continue,
                Some("allow_drop") => {}
                Some("postgres_extensions") => {
                    self.postgres_extensions(attr, schema);
                    continue;
                }
                _ => {
                    self.unknown_file_attr(attr, name.as_deref());
                    continue;
                }
            }
            let span = self.span(attr_span(attr));
            match attr.parse_args_with(ident_list_terminated) {
                Ok(names) => self
                    .allowances
                    .extend(names.into_iter().map(|name| Allowance {
                        kind: AllowKind::Drop { name },
                        span,
                    })),
                Err(e) => self.attr_err(e, "allow_drop", "file"),
            }
        }
    }

    /// `#![postgres_extensions(citext, pg_trgm)]`: each name a lowercase SQL
    /// identifier (what `CREATE EXTENSION` takes unquoted), declared once,
    /// optionally with its schema and version:
    /// `postgis(schema = "extensions", version = "3.4.2")`.
    fn postgres_extensions(&mut self, attr: &Attribute, schema: &mut Schema) {
        type Options = Vec<(Ident, syn::LitStr)>;
        let items = match attr.parse_args_with(|input: ParseStream| {
            let mut items: Vec<(Ident, Options)> = Vec::new();
            while !input.is_empty() {
                let name = Ident::parse_any(input)?;
                let mut options = Vec::new();
                if input.peek(syn::token::Paren) {
                    let inner;
                    syn::parenthesized!(inner in input);
                    while !inner.is_empty() {
                        let key = Ident::parse_any(&inner)?;
                        inner.parse::<Token![=]>()?;
                        let value: syn::LitStr = inner.parse()?;
                        options.push((key, value));
                        if inner.is_empty() {
                            break;
                        }
                        inner.parse::<Token![,]>()?;
                    }
                }
                items.push((name, options));
                if input.is_empty() {
                    break;
                }
                input.parse::<Token![,]>()?;
            }
            if items.is_empty() {
                return Err(input.error("expected at least one extension name"));
            }
            Ok(items)
        }) {
            Ok(items) => items,
            Err(e) => return self.attr_err(e, "postgres_extensions", "file"),
        };
        for (ident, options) in items {
            let name = unraw(&ident);
            let mut extension = Extension::named(name.clone());
            for (key, value) in options {
                let text = value.value();
                let slot = match unraw(&key).as_str() {
                    "schema" => &mut extension.schema,
                    "version" => &mut extension.version,
                    other => {
                        self.err(
                            DiagCode::BadAttribute,
                            key.span(),
                            format!("`{other}` is not an option of a declared extension"),
                            "unknown option",
                            Some(format!("write `{name}(schema = \"extensions\", version = \"1.0\")`: the options are `schema` (CREATE EXTENSION ... WITH SCHEMA) and `version` (... VERSION)")),
                        );
                        continue;
                    }
                };
                if text.is_empty() || text.len() > 63 || text.contains('\0') {
                    self.err(
                        DiagCode::BadAttribute,
                        value.span(),
                        format!(
                            "extension `{name}`: {} {text:?} is not a PostgreSQL name",
                            unraw(&key)
                        ),
                        "empty, over 63 bytes or holding NUL",
                        Some(
                            "write the schema or version as PostgreSQL spells it, 1 to 63 bytes"
                                .into(),
                        ),
                    );
                } else if slot.is_some() {
                    self.err(
                        DiagCode::DuplicateAttribute,
                        key.span(),
                        format!("extension `{name}` sets `{}` twice", unraw(&key)),
                        "second one here",
                        Some("set each option once".into()),
                    );
                } else {
                    *slot = Some(text);
                }
            }
            if !is_extension_name(&name) {
                self.err(
                    DiagCode::BadAttribute,
                    ident.span(),
                    format!("`{name}` is not an extension name this toolkit accepts"),
                    "not a lowercase SQL identifier",
                    Some("write the extension's name as PostgreSQL lists it in `pg_available_extensions`, a lowercase identifier such as `citext` or `pg_trgm`; an extension whose name needs quoting (`uuid-ossp`) belongs in a `raw_sql!` block".into()),
                );
            } else if schema.extensions.iter().any(|e| e.name == name) {
                self.err(
                    DiagCode::DuplicateAttribute,
                    ident.span(),
                    format!("extension `{name}` is declared twice"),
                    "second one here",
                    Some("declare each extension once".into()),
                );
            } else {
                schema.extensions.push(extension);
            }
        }
    }

    /// An inner attribute the file does not accept: unknown, misspelled,
    /// or one that belongs on a table or column.
    fn unknown_file_attr(&mut self, attr: &Attribute, name: Option<&str>) {
        let accepted = format!(
            "inner attributes allowed at the top of a schema file: {}",
            FILE_ATTRS.join(", ")
        );
        let (message, label, help) = match name {
            None => (
                "inner attribute paths are single names here".to_string(),
                "unknown inner attribute".to_string(),
                accepted,
            ),
            Some(name) => {
                let elsewhere: Vec<&str> = [
                    ("table", TABLE_ATTRS),
                    ("column", COLUMN_ATTRS),
                    ("raw_sql block", RAW_ATTRS),
                ]
                .iter()
                .filter(|(_, list)| list.contains(&name))
                .map(|(p, _)| *p)
                .collect();
                if elsewhere.is_empty() {
                    (
                        format!("unknown inner attribute `#![{name}]`"),
                        "unknown inner attribute".to_string(),
                        accepted,
                    )
                } else {
                    (
                        format!("`#![{name}]` does not apply to the whole file"),
                        format!("only `#[{name}]` on a {}", elsewhere.join(" or ")),
                        format!(
                            "write `#[{name}(...)]` on the {} instead; {accepted}",
                            elsewhere.join(" or ")
                        ),
                    )
                }
            }
        };
        let code = if name.is_some_and(|n| {
            TABLE_ATTRS.contains(&n) || COLUMN_ATTRS.contains(&n) || RAW_ATTRS.contains(&n)
        }) {
            DiagCode::MisplacedAttribute
        } else {
            DiagCode::UnknownAttribute
        };
        self.err(code, attr.path().span(), message, label, Some(help));
    }

    /// One item of the file as `syn` parsed it.
    fn item(&mut self, item: syn::Item, schema: &mut Schema) {
        match item {
            syn::Item::Macro(m) if m.mac.path.is_ident("table") => {
                self.reject_item_attrs(&m.attrs, "table!");
                // Moved, not cloned: the only reference left, so syn's
                // buffer takes its tokens without copying them.
                let tokens = m.mac.tokens;
                match (|input: ParseStream| self.table_block(input)).parse2(tokens) {
                    Ok(tables) => schema.tables.extend(tables),
                    Err(e) => self.syn_err(e, TABLE_HELP),
                }
            }
            syn::Item::Enum(e) => self.db_enum(e, schema),
            syn::Item::Struct(s) if custom_type::is_declaration(&s) => self.custom_type(s, schema),
            syn::Item::Macro(m) if m.mac.path.is_ident("raw_sql") => {
                self.reject_item_attrs(&m.attrs, "raw_sql!");
                let tokens = m.mac.tokens;
                match (|input: ParseStream| self.raw_block_list(input)).parse2(tokens) {
                    Ok(blocks) => schema.raw_blocks.extend(blocks),
                    Err(e) => self.syn_err(e, RAW_HELP),
                }
            }
            other => {
                let what = match &other {
                    syn::Item::Macro(m) => format!(
                        "macro `{}!`",
                        m.mac
                            .path
                            .segments
                            .iter()
                            .map(|s| s.ident.to_string())
                            .collect::<Vec<_>>()
                            .join("::")
                    ),
                    syn::Item::Use(_) => "`use` item".into(),
                    syn::Item::Fn(_) => "function".into(),
                    syn::Item::Struct(_) => "struct".into(),
                    syn::Item::Mod(_) => "module".into(),
                    _ => "item".into(),
                };
                let span = match &other {
                    syn::Item::Macro(m) => m.mac.path.span(),
                    _ => other.span(),
                };
                self.err(
                DiagCode::UnknownItem,
                span,
                format!("unexpected {what} in a schema file"),
                "not `table!`, `raw_sql!` or an enum",
                Some("a schema file holds only `table! { ... }` and `raw_sql! { ... }` items, `#[db_enum] enum Name { ... }` items (and `//` or `//!` comments)".into()),
            );
            }
        }
    }

    /// [`parse_file`]; a too-deep file is reported here and gives `None`.
    fn lex_and_parse_file(&mut self) -> syn::Result<Option<syn::File>> {
        match parse_file(self.source) {
            Ok(file) => Ok(Some(file)),
            Err(FileError::Syn(e)) => Err(e),
            Err(FileError::TooDeep(span)) => {
                self.err(
                    DiagCode::Syntax,
                    span,
                    too_deep_message(),
                    "too deep",
                    Some(NESTING_HELP.into()),
                );
                Ok(None)
            }
        }
    }

    fn reject_item_attrs(&mut self, attrs: &[Attribute], what: &str) {
        for a in attrs {
            if a.path().is_ident("doc") {
                continue;
            }
            self.err(
                DiagCode::MisplacedAttribute,
                attr_span(a),
                format!("attributes cannot stand on the `{what}` macro itself"),
                "put this inside the braces",
                Some(format!("write attributes on the table or block inside `{what} {{ ... }}`, directly above its name")),
            );
        }
    }

    // ---- tables ------------------------------------------------------------

    fn table_block(&mut self, input: ParseStream) -> syn::Result<Vec<Table>> {
        let mut tables = Vec::new();
        if input.is_empty() {
            return Err(input.error("empty `table!` block: expected a table definition"));
        }
        while !input.is_empty() {
            tables.push(self.table(input)?);
        }
        Ok(tables)
    }

    fn table(&mut self, input: ParseStream) -> syn::Result<Table> {
        let attrs = input.call(Attribute::parse_outer)?;
        let name: Ident = input.call(Ident::parse_any).map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected a table name, as in `tasks (id) { ... }`",
            )
        })?;
        let keys;
        syn::parenthesized!(keys in input);
        let pk: syn::punctuated::Punctuated<Ident, Token![,]> =
            keys.parse_terminated(Ident::parse_any, Token![,])?;
        if pk.is_empty() {
            return Err(syn::Error::new(
                name.span(),
                format!("table `{name}` has an empty primary key list: write the key column(s) in the parentheses, as in `{name} (id)`"),
            ));
        }
        let body;
        syn::braced!(body in input);
        let mut columns = Vec::new();
        let mut col_attrs = Vec::new();
        while !body.is_empty() {
            let attrs = body.call(Attribute::parse_outer)?;
            let cname: Ident = body.call(Ident::parse_any).map_err(|e| {
                syn::Error::new(e.span(), "expected a column, as in `name -> Text,`")
            })?;
            body.parse::<Token![->]>().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    format!("expected `->` and a type after column `{cname}`"),
                )
            })?;
            let ty: syn::Type = body.parse()?;
            let (ty_model, nullable) = self.column_type(&ty);
            columns.push(Column {
                name: unraw(&cname),
                sql_name: None,
                docs: Vec::new(),
                ty: ty_model.unwrap_or(ColumnType::Text { max_len: None }),
                nullable,
                default: None,
                auto_increment: false,
                renamed_from: None,
                span: self.span(cname.span()),
                ty_span: self.span(type_span(&ty)),
            });
            col_attrs.push(attrs);
            if body.is_empty() {
                break;
            }
            body.parse::<Token![,]>()?;
        }
        // Accept an optional trailing `;` or `,` between tables? Diesel does not; neither do we.

        let mut table = Table {
            name: unraw(&name),
            sql_name: None,
            docs: Vec::new(),
            scope: BackendScope::Both,
            columns,
            primary_key: pk.iter().map(unraw).collect(),
            primary_key_deferrable: Deferrable::No,
            foreign_keys: Vec::new(),
            uniques: Vec::new(),
            checks: Vec::new(),
            indexes: Vec::new(),
            renamed_from: None,
            span: self.span(name.span()),
        };
        self.table_attrs(&mut table, &attrs);
        for (i, attrs) in col_attrs.iter().enumerate() {
            self.column_attrs(&mut table, i, attrs);
        }
        let exprs = std::mem::take(&mut self.exprs);
        if db_enum::has_placeholder(&table) {
            // Typed once the enums are known (see `Cx::resolve_enums`).
            self.deferred_exprs.push(db_enum::DeferredExprs {
                table: table.name.clone(),
                exprs,
                diag_at: self.diags.len(),
                seq: self.pending_types.len() + self.deferred_exprs.len(),
            });
        } else {
            self.check_exprs(&table, exprs);
        }
        Ok(table)
    }

    /// Checks each expression literal of `table`: a neutral one (on a table
    /// of both backends, without per-backend spellings) must be in the one
    /// expression language, with known columns and matching types; one
    /// scoped to a backend must at least be that backend's SQL. Errors point
    /// into the string literal.
    fn check_exprs(&mut self, table: &Table, exprs: Vec<ExprLit>) {
        for (lit, scope) in exprs {
            let text = lit.value();
            let scope = match (scope, table.scope) {
                (Some(b), _) | (None, BackendScope::Only(b)) => Some(b),
                (None, BackendScope::Both) => None,
            };
            let err = match expr::parse(&text, expr::Source::Neutral, table) {
                Ok(_) => continue,
                Err(e) => match scope {
                    Some(b) if e.backend_specific => match expr::parse_syntax(&text, b) {
                        Ok(()) => continue,
                        Err(e) => e,
                    },
                    _ => e,
                },
            };
            let span = self.expr_span(&lit, &text, &err);
            let code = if err.message.starts_with("unknown column") {
                DiagCode::MissingColumn
            } else {
                DiagCode::BadCheck
            };
            let label = if err.backend_specific {
                "not the same on PostgreSQL and SQLite"
            } else {
                "here"
            };
            let mut d = Diagnostic::new(code, span, err.message.clone(), label);
            d.help = Some(crate::error::bounded(err.help.clone()));
            self.diags.push(d);
        }
    }

    /// The expression default `#[default(sql = "...")]` of a column of type
    /// `ty`, typed against it; `None` (with an error pointing into the
    /// literal) when it is not a default of the expression language.
    fn default_expr(
        &mut self,
        lit: &LitStr,
        column: &str,
        ty: ColumnType,
        scope: BackendScope,
    ) -> Option<DefaultValue> {
        let text = lit.value();
        let parsed = match expr::parse_default_for(&text, expr::Source::Neutral, column, ty) {
            Ok(e) => Ok(DefaultValue::Expr(e)),
            // Backend SQL on a table of one backend: written as given, once
            // it parses as that backend's SQL.
            Err(err) => match scope {
                BackendScope::Only(b) if err.backend_specific => {
                    expr::parse_syntax(&text, b).map(|()| DefaultValue::Raw(text.clone()))
                }
                _ => Err(err),
            },
        };
        match parsed {
            Ok(d) => Some(d),
            Err(err) => {
                let span = self.expr_span(lit, &text, &err);
                let label = if err.backend_specific {
                    "not the same on PostgreSQL and SQLite"
                } else {
                    "here"
                };
                let mut d = Diagnostic::new(DiagCode::BadDefault, span, err.message.clone(), label);
                d.help = Some(crate::error::bounded(err.help.clone()));
                self.diags.push(d);
                None
            }
        }
    }

    /// The span in the file of the place in `lit` that `err` points at: the
    /// word there, or the whole literal when the literal has escapes (its
    /// text then differs from the source).
    fn expr_span(&self, lit: &LitStr, text: &str, err: &expr::ExprError) -> Span {
        let whole = self.span(lit.span());
        let token = lit.token().to_string();
        let prefix = if let Some(rest) = token.strip_prefix('r') {
            1 + rest.chars().take_while(|c| *c == '#').count() + 1
        } else if token.contains('\\') {
            return whole;
        } else {
            1
        };
        let Some(off) = err.offset_in(text) else {
            return whole;
        };
        let word: usize = text[off..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .map(char::len_utf8)
            .sum();
        let start = whole.start + prefix + off;
        Span::new(start, (start + word.max(1)).min(whole.end))
    }

    fn column_type(&mut self, ty: &syn::Type) -> (Option<ColumnType>, bool) {
        let Some((name, args, span)) = type_parts(ty) else {
            self.err(
                DiagCode::UnknownType,
                ty.span(),
                "a column type must be a plain type name",
                "not a neutral type",
                Some(type_help()),
            );
            return (None, false);
        };
        match name.as_str() {
            "Nullable" => {
                let inner = match args.as_slice() {
                    [syn::GenericArgument::Type(t)] => t,
                    _ => {
                        self.err(
                            DiagCode::UnknownType,
                            span,
                            "`Nullable` takes exactly one type",
                            "expected `Nullable<T>`",
                            Some("write `Nullable<Text>`, for example".into()),
                        );
                        return (None, true);
                    }
                };
                if let Some(("Nullable", _, s)) = type_parts(inner)
                    .as_ref()
                    .map(|(n, a, s)| (n.as_str(), a, *s))
                {
                    self.err(
                        DiagCode::UnknownType,
                        s,
                        "`Nullable<Nullable<T>>` is not a type",
                        "nested `Nullable`",
                        Some("write `Nullable<T>` once".into()),
                    );
                    return (None, true);
                }
                let (t, _) = self.column_type(inner);
                (t, true)
            }
            "Text" => match args.as_slice() {
                [] => (Some(ColumnType::Text { max_len: None }), false),
                [syn::GenericArgument::Const(syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(n),
                    ..
                }))] => match n.base10_parse::<u32>() {
                    Ok(v) if v > 0 && v <= 10_485_760 => {
                        (Some(ColumnType::Text { max_len: Some(v) }), false)
                    }
                    _ => {
                        self.err(
                            DiagCode::UnknownType,
                            n.span(),
                            format!("text length `{n}` is out of range"),
                            "length must be 1..=10485760",
                            Some("write a length in characters between 1 and 10485760 (PostgreSQL's VARCHAR limit), or plain `Text` for no limit".into()),
                        );
                        (None, false)
                    }
                },
                _ => {
                    self.err(
                        DiagCode::UnknownType,
                        span,
                        "`Text` takes at most one argument, its maximum length",
                        "expected `Text` or `Text<N>`",
                        Some("write `Text<255>` for a length limit, or `Text`".into()),
                    );
                    (None, false)
                }
            },
            "Array" | "Range" => (self.pg_generic(&name, &args, span), false),
            "Int4range" | "Int8range" | "Tsrange" | "Tstzrange" | "Daterange" | "Numrange" => {
                let bound = match name.as_str() {
                    "Int4range" => "Integer",
                    "Int8range" => "BigInt",
                    "Tsrange" => "NaiveTimestamp",
                    "Tstzrange" => "Timestamp",
                    "Numrange" => "Numeric",
                    _ => "Date",
                };
                self.err(
                    DiagCode::UnknownType,
                    span,
                    format!("`{name}` is Diesel's name, not the schema language's"),
                    "unknown column type",
                    Some(format!(
                        "write `Range<{bound}>` (in a `#[backend(postgres)]` table)"
                    )),
                );
                (None, false)
            }
            "Decimal" => (self.decimal_type(span, &args), false),
            other => {
                let t = match other {
                    "Interval" => Some(ColumnType::Postgres(PgType::Interval)),
                    "Money" => Some(ColumnType::Postgres(PgType::Money)),
                    "Oid" => Some(ColumnType::Postgres(PgType::Oid)),
                    "MacAddr" => Some(ColumnType::Postgres(PgType::MacAddr)),
                    "MacAddr8" => Some(ColumnType::Postgres(PgType::MacAddr8)),
                    "Citext" => Some(ColumnType::Postgres(PgType::Citext)),
                    "Inet" => Some(ColumnType::Postgres(PgType::Inet)),
                    "Cidr" => Some(ColumnType::Postgres(PgType::Cidr)),
                    "Tsvector" => Some(ColumnType::Postgres(PgType::Tsvector)),
                    "Uuid" => Some(ColumnType::Uuid),
                    "SmallInt" => Some(ColumnType::SmallInt),
                    "Integer" => Some(ColumnType::Integer),
                    "BigInt" => Some(ColumnType::BigInt),
                    "Bool" => Some(ColumnType::Bool),
                    "Timestamp" => Some(ColumnType::Timestamp),
                    "Double" => Some(ColumnType::Double),
                    "Float" => Some(ColumnType::Float),
                    "Binary" => Some(ColumnType::Binary),
                    "Json" => Some(ColumnType::Json),
                    "NaiveTimestamp" => Some(ColumnType::NaiveTimestamp),
                    "Date" => Some(ColumnType::Date),
                    "Time" => Some(ColumnType::Time),
                    _ => None,
                };
                match t {
                    Some(t) if args.is_empty() => (Some(t), false),
                    Some(_) => {
                        self.err(
                            DiagCode::UnknownType,
                            span,
                            format!("`{other}` takes no arguments"),
                            "unexpected `<...>`",
                            Some(format!("write plain `{other}`")),
                        );
                        (None, false)
                    }
                    // Perhaps a declared enum, which may stand later in
                    // the file: resolved (or reported, in this place among
                    // the diagnostics) once the file is read.
                    None if args.is_empty() => {
                        self.pending_types.push(db_enum::Pending {
                            name: other.to_string(),
                            span: self.span(span),
                            diag_at: self.diags.len(),
                            seq: self.pending_types.len() + self.deferred_exprs.len(),
                        });
                        (Some(db_enum::placeholder(other)), false)
                    }
                    None => {
                        self.unknown_type(span, other);
                        (None, false)
                    }
                }
            }
        }
    }

    /// An unknown column type named `other` at `span`.
    fn unknown_type(&mut self, span: PmSpan, other: &str) {
        self.diags
            .push(unknown_type_diag(self.span(span), other, &[]));
    }

    /// `Array<T>` of a neutral scalar (`Decimal<P, S>` too), or `Range<T>`.
    fn pg_generic(
        &mut self,
        name: &str,
        args: &[syn::GenericArgument],
        span: PmSpan,
    ) -> Option<ColumnType> {
        let inner = match args {
            [syn::GenericArgument::Type(t)] => type_parts(t),
            _ => None,
        };
        // `Array<Decimal<P, S>>`: the decimal's own checks, at its arguments.
        if let ("Array", Some(("Decimal", d_args, d_span))) =
            (name, inner.as_ref().map(|(n, a, s)| (n.as_str(), a, *s)))
        {
            let before = self.diags.len();
            return match self.decimal_type(d_span, d_args) {
                Some(ColumnType::Decimal { precision, scale }) => {
                    Some(ColumnType::Postgres(PgType::Array(PgElem::Decimal {
                        precision,
                        scale,
                    })))
                }
                _ => {
                    // The decimal's own help points at a postgres table,
                    // which the array is in already: name the way that
                    // works for an array.
                    for d in &mut self.diags[before..] {
                        d.help = Some(
                            "write `Array<Decimal<P, S>>` with 1 <= P <= 18 and S <= P, or create a wider `NUMERIC(P,S)[]` column in a `raw_sql!` block scoped to postgres"
                                .into(),
                        );
                    }
                    None
                }
            };
        }
        // `Range<Decimal<P, S>>`: NUMRANGE's bounds have no precision or
        // scale to hold P and S to.
        if let ("Range", Some(("Decimal", _, d_span))) =
            (name, inner.as_ref().map(|(n, a, s)| (n.as_str(), a, *s)))
        {
            self.err(
                DiagCode::UnknownType,
                d_span,
                "a range of decimals is PostgreSQL's NUMRANGE, whose bounds have no precision or scale",
                "`Decimal<P, S>` bounds",
                Some("write `Range<Numeric>` (bounds of any precision, `bigdecimal::BigDecimal` in Rust), or keep `Decimal<P, S>` columns for a lower and an upper bound".into()),
            );
            return None;
        }
        let inner = inner.filter(|(_, a, _)| a.is_empty()).map(|(n, _, _)| n);
        let ty = match (name, inner.as_deref()) {
            ("Array", Some(e)) => PgElem::ALL
                .into_iter()
                .find(|x| x.neutral_name() == e)
                .map(PgType::Array),
            ("Range", Some(b)) => PgRange::ALL
                .into_iter()
                .find(|x| x.neutral_name() == b)
                .map(PgType::Range),
            _ => None,
        };
        if ty.is_none() {
            let allowed = match name {
                "Array" => PgElem::ALL
                    .iter()
                    .map(|e| e.neutral_name())
                    .chain(["Decimal<P, S>".to_string()])
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => PgRange::ALL
                    .iter()
                    .map(|r| r.neutral_name())
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            self.err(
                DiagCode::UnknownType,
                span,
                format!("`{name}` takes one element type: one of {allowed}"),
                "unsupported element type",
                Some(format!(
                    "write `{name}<{}>`, for example; other element types need a `raw_sql!` block scoped to postgres",
                    allowed.split(", ").next().unwrap_or("Integer")
                )),
            );
        }
        ty.map(ColumnType::Postgres)
    }

    /// `Decimal<P, S>`: 1 <= P <= 18 (the value times `10^S` must fit
    /// SQLite's 64-bit `INTEGER`) and S <= P; anything else is an error at
    /// the argument that says what to write instead.
    fn decimal_type(&mut self, span: PmSpan, args: &[syn::GenericArgument]) -> Option<ColumnType> {
        let int = |a: &syn::GenericArgument| match a {
            syn::GenericArgument::Const(syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(n),
                ..
            })) => Some((n.base10_parse::<u32>().ok(), n.span())),
            _ => None,
        };
        let (Some((p, p_span)), Some((s, s_span))) =
            (args.first().and_then(&int), args.get(1).and_then(&int))
        else {
            self.err(
                DiagCode::UnknownType,
                span,
                "`Decimal` takes two numbers, its precision and its scale",
                "expected `Decimal<P, S>`",
                Some(
                    "write e.g. `Decimal<12, 2>`: 12 significant digits, 2 of them after the point"
                        .into(),
                ),
            );
            return None;
        };
        if args.len() != 2 {
            self.err(
                DiagCode::UnknownType,
                span,
                "`Decimal` takes two numbers, its precision and its scale",
                "expected `Decimal<P, S>`",
                Some("write e.g. `Decimal<12, 2>`".into()),
            );
            return None;
        }
        let max = u32::from(crate::decimal::MAX_PRECISION);
        let precision = match p {
            Some(p) if (1..=max).contains(&p) => p,
            _ => {
                self.err(
                    DiagCode::UnknownType,
                    p_span,
                    format!(
                        "decimal precision must be 1..={max}: SQLite stores the value times 10^S in a 64-bit INTEGER"
                    ),
                    "precision out of range",
                    Some(format!(
                        "write a precision of at most {max} digits, or keep the column in a \
                         `#[backend(postgres)]` table or a `raw_sql!` block scoped to PostgreSQL \
                         (where NUMERIC takes up to 1000 digits)"
                    )),
                );
                return None;
            }
        };
        let scale = match s {
            Some(s) if s <= precision => s,
            _ => {
                self.err(
                    DiagCode::UnknownType,
                    s_span,
                    format!("decimal scale must be 0..={precision} (at most the precision)"),
                    "scale out of range",
                    Some(format!(
                        "write `Decimal<{precision}, S>` with S <= {precision}, or raise the precision (at most {max})"
                    )),
                );
                return None;
            }
        };
        Some(ColumnType::Decimal {
            precision: precision as u8,
            scale: scale as u8,
        })
    }

    // ---- attributes --------------------------------------------------------

    fn check_place(&mut self, attr: &Attribute, allowed: &[&str], place: &str) -> Option<String> {
        let Some(name) = attr.path().get_ident().map(|i| i.to_string()) else {
            self.err(
                DiagCode::UnknownAttribute,
                attr.path().span(),
                "attribute paths are single names here",
                "unknown attribute",
                Some(format!(
                    "attributes allowed on a {place}: {}",
                    allowed.join(", ")
                )),
            );
            return None;
        };
        if allowed.contains(&name.as_str()) {
            return Some(name);
        }
        let elsewhere: Vec<&str> = [
            ("table", TABLE_ATTRS),
            ("column", COLUMN_ATTRS),
            ("raw_sql block", RAW_ATTRS),
        ]
        .iter()
        .filter(|(_, list)| list.contains(&name.as_str()))
        .map(|(p, _)| *p)
        .collect();
        if elsewhere.is_empty() {
            self.err(
                DiagCode::UnknownAttribute,
                attr.path().span(),
                format!("unknown attribute `#[{name}]`"),
                "unknown attribute",
                Some(format!(
                    "attributes allowed on a {place}: {}",
                    allowed.join(", ")
                )),
            );
        } else {
            self.err(
                DiagCode::MisplacedAttribute,
                attr.path().span(),
                format!("`#[{name}]` does not apply to a {place}"),
                format!("only on a {}", elsewhere.join(" or ")),
                Some(format!(
                    "move it to a {}; attributes allowed on a {place}: {}",
                    elsewhere.join(" or "),
                    allowed.join(", ")
                )),
            );
        }
        None
    }

    fn table_attrs(&mut self, table: &mut Table, attrs: &[Attribute]) {
        let mut seen_backend = false;
        let mut seen_primary_key = false;
        for attr in attrs {
            let Some(name) = self.check_place(attr, TABLE_ATTRS, "table") else {
                continue;
            };
            let res: syn::Result<()> = match name.as_str() {
                "doc" => doc_line(attr).map(|d| table.docs.push(d)),
                "sql_name" => self
                    .once(&mut table.sql_name.is_some(), attr)
                    .and_then(|_| name_value_str(attr))
                    .map(|s| table.sql_name = Some(s)),
                "renamed_from" => self
                    .once(&mut table.renamed_from.is_some(), attr)
                    .and_then(|_| attr.parse_args_with(Ident::parse_any))
                    .map(|i| table.renamed_from = Some(unraw(&i))),
                "primary_key" => self
                    .once(&mut seen_primary_key, attr)
                    .and_then(|_| attr.parse_args_with(parse_primary_key_options))
                    .map(|d| table.primary_key_deferrable = d),
                "backend" => self
                    .once(&mut seen_backend, attr)
                    .and_then(|_| attr.parse_args_with(parse_backend))
                    .map(|b| table.scope = BackendScope::Only(b)),
                "index" => {
                    let span = self.span(attr_span(attr));
                    let mut lits = Vec::new();
                    attr.parse_args_with(|i: ParseStream| parse_index(i, None, &mut lits))
                        .map(|mut ix| {
                            self.exprs.append(&mut lits);
                            ix.span = span;
                            table.indexes.push(ix)
                        })
                        .and_then(|_| {
                            if table.indexes.last().is_some_and(|ix| ix.columns.is_empty()) {
                                Err(syn::Error::new(attr_span(attr), "a table-level `#[index(...)]` must name at least one column, as in `#[index(status, created_at desc)]`"))
                            } else {
                                Ok(())
                            }
                        })
                }
                "unique" => {
                    let span = self.span(attr_span(attr));
                    attr.parse_args_with(|i: ParseStream| parse_unique(i, None)).and_then(|u| {
                        if u.columns.is_empty() {
                            Err(syn::Error::new(attr_span(attr), "a table-level `#[unique(...)]` must name its columns, as in `#[unique(workflow_id, task_name)]`"))
                        } else {
                            table.uniques.push(Unique { span, ..u });
                            Ok(())
                        }
                    })
                }
                "check" => {
                    let span = self.span(attr_span(attr));
                    let mut lits = Vec::new();
                    attr.parse_args_with(|i: ParseStream| parse_check(i, None, &mut lits))
                        .map(|c| {
                            self.exprs.append(&mut lits);
                            table.checks.push(Check { span, ..c });
                        })
                }
                "foreign_key" => {
                    let span = self.span(attr_span(attr));
                    attr.parse_args_with(parse_table_fk).map(|fk| {
                        table.foreign_keys.push(ForeignKey { span, ..fk });
                    })
                }
                "allow_drop" => {
                    let span = self.span(attr_span(attr));
                    attr.parse_args_with(ident_list_terminated).map(|cols| {
                        self.allowances
                            .extend(cols.into_iter().map(|column| Allowance {
                                kind: AllowKind::DropColumn {
                                    table: table.name.clone(),
                                    column,
                                },
                                span,
                            }))
                    })
                }
                _ => Ok(()),
            };
            if let Err(e) = res {
                self.attr_err(e, &name, "table");
            }
        }
    }

    fn column_attrs(&mut self, table: &mut Table, i: usize, attrs: &[Attribute]) {
        let column_name = table.columns[i].name.clone();
        for attr in attrs {
            let Some(name) = self.check_place(attr, COLUMN_ATTRS, "column") else {
                continue;
            };
            let span = self.span(attr_span(attr));
            let col = &mut table.columns[i];
            let res: syn::Result<()> = match name.as_str() {
                "doc" => doc_line(attr).map(|d| col.docs.push(d)),
                "sql_name" => self
                    .once(&mut col.sql_name.is_some(), attr)
                    .and_then(|_| name_value_str(attr))
                    .map(|s| col.sql_name = Some(s)),
                "renamed_from" => self
                    .once(&mut col.renamed_from.is_some(), attr)
                    .and_then(|_| attr.parse_args_with(Ident::parse_any))
                    .map(|i| col.renamed_from = Some(unraw(&i))),
                "auto_increment" => self
                    .once(&mut col.auto_increment, attr)
                    .and_then(|_| attr.meta.require_path_only().map(|_| ()))
                    .map(|_| col.auto_increment = true),
                "default" => self
                    .once(&mut col.default.is_some(), attr)
                    .and_then(|_| attr.parse_args_with(parse_default))
                    .map(|d| match d {
                        ParsedDefault::Value(v) => col.default = Some(v),
                        ParsedDefault::Sql(lit) => {
                            let (name, ty) = (col.sql_name().to_string(), col.ty);
                            col.default = self.default_expr(&lit, &name, ty, table.scope);
                        }
                    }),
                "unique" => {
                    if matches!(attr.meta, syn::Meta::Path(_)) {
                        table.uniques.push(Unique {
                            name: None,
                            columns: vec![column_name.clone()],
                            deferrable: Deferrable::No,
                            span,
                        });
                        Ok(())
                    } else {
                        attr.parse_args_with(|i: ParseStream| parse_unique(i, Some(&column_name)))
                            .map(|u| table.uniques.push(Unique { span, ..u }))
                    }
                }
                "index" => {
                    if matches!(attr.meta, syn::Meta::Path(_)) {
                        table.indexes.push(Index {
                            name: None,
                            columns: vec![IndexColumn {
                                column: column_name.clone(),
                                order: Order::Asc,
                            }],
                            unique: false,
                            predicate: None,
                            span,
                        });
                        Ok(())
                    } else {
                        let mut lits = Vec::new();
                        attr.parse_args_with(|i: ParseStream| {
                            parse_index(i, Some(&column_name), &mut lits)
                        })
                        .map(|ix| {
                            self.exprs.append(&mut lits);
                            table.indexes.push(Index { span, ..ix })
                        })
                    }
                }
                "check" => {
                    let mut lits = Vec::new();
                    attr.parse_args_with(|i: ParseStream| {
                        parse_check(i, Some(&column_name), &mut lits)
                    })
                    .map(|c| {
                        self.exprs.append(&mut lits);
                        table.checks.push(Check { span, ..c })
                    })
                }
                "references" => attr
                    .parse_args_with(|i: ParseStream| parse_column_fk(i, &column_name))
                    .map(|fk| table.foreign_keys.push(ForeignKey { span, ..fk })),
                "allow_destructive" => attr.meta.require_path_only().map(|_| {
                    self.allowances.push(Allowance {
                        kind: AllowKind::Destructive {
                            table: table.name.clone(),
                            column: column_name.clone(),
                        },
                        span,
                    })
                }),
                _ => Ok(()),
            };
            if let Err(e) = res {
                self.attr_err(e, &name, "column");
            }
        }
    }

    /// Errors when an attribute that may appear once appears again.
    fn once(&mut self, seen: &mut bool, attr: &Attribute) -> syn::Result<()> {
        if *seen {
            return Err(syn::Error::new(
                attr_span(attr),
                format!("`#[{}]` is given twice", path_name(attr)),
            ));
        }
        *seen = true;
        Ok(())
    }

    fn attr_err(&mut self, e: syn::Error, name: &str, place: &str) {
        let help = attr_help(name, place);
        for e in e {
            let msg = e.to_string();
            let msg = msg
                .strip_prefix("unexpected end of input, ")
                .map(str::to_string)
                .unwrap_or(msg);
            let code = if msg.contains("is given twice") {
                DiagCode::DuplicateAttribute
            } else {
                DiagCode::BadAttribute
            };
            let label = if code == DiagCode::DuplicateAttribute {
                "second one here"
            } else {
                "here"
            };
            self.err(code, e.span(), msg, label, Some(help.clone()));
        }
    }

    // ---- raw SQL -----------------------------------------------------------

    fn raw_block_list(&mut self, input: ParseStream) -> syn::Result<Vec<RawBlock>> {
        let mut blocks = Vec::new();
        if input.is_empty() {
            return Err(input.error("empty `raw_sql!` block: expected `#[postgres(up = \"...\", down = \"...\")] name;`"));
        }
        while !input.is_empty() {
            let attrs = input.call(Attribute::parse_outer)?;
            let name: Ident = input.call(Ident::parse_any)?;
            input.parse::<Token![;]>()?;
            let mut block = RawBlock {
                name: unraw(&name),
                docs: Vec::new(),
                parts: Vec::new(),
                span: self.span(name.span()),
            };
            for attr in &attrs {
                let Some(aname) = self.check_place(attr, RAW_ATTRS, "raw_sql block") else {
                    continue;
                };
                let res = match aname.as_str() {
                    "doc" => doc_line(attr).map(|d| block.docs.push(d)),
                    b => {
                        let backend = if b == "postgres" {
                            Backend::Postgres
                        } else {
                            Backend::Sqlite
                        };
                        if block.part(backend).is_some() {
                            Err(syn::Error::new(
                                attr_span(attr),
                                format!("`#[{b}]` is given twice"),
                            ))
                        } else {
                            attr.parse_args_with(|i: ParseStream| parse_raw_part(i, backend))
                                .map(|p| block.parts.push(p))
                        }
                    }
                };
                if let Err(e) = res {
                    self.attr_err(e, &aname, "raw_sql block");
                }
            }
            if block.parts.is_empty() {
                self.err(
                    DiagCode::RawSql,
                    name.span(),
                    format!("raw SQL block `{name}` has no SQL for any backend"),
                    "no `#[postgres(...)]` or `#[sqlite(...)]`",
                    Some("add `#[postgres(up = \"...\", down = \"...\")]` and/or `#[sqlite(up = \"...\", down = \"...\")]` above the name".into()),
                );
            }
            blocks.push(block);
        }
        Ok(blocks)
    }
}

const TABLE_HELP: &str = "a table reads `name (key_column, ...) { column -> Type, ... }`, with attributes such as `#[index(...)]` above the name; see the grammar in the cloacina-codegen docs";
const RAW_HELP: &str = "a raw SQL block reads `#[postgres(up = \"...\", down = \"...\")] name;` inside `raw_sql! { ... }`";

fn attr_help(name: &str, place: &str) -> String {
    match (name, place) {
        ("sql_name", _) => "write `#[sql_name = \"name_in_sql\"]`".into(),
        ("renamed_from", _) => "write `#[renamed_from(old_name)]`".into(),
        ("backend", _) => "write `#[backend(postgres)]` or `#[backend(sqlite)]`".into(),
        ("auto_increment", _) => "write `#[auto_increment]` with no arguments".into(),
        ("default", _) => "write `#[default(now)]`, `#[default(uuid)]`, `#[default(\"text\")]`, `#[default(42)]`, `#[default(1.5)]`, `#[default(true)]` or an expression `#[default(sql = \"lower('ABC')\")]`".into(),
        ("index", "table") => "write `#[index(col_a, col_b desc)]`, optionally with `unique`, `name = \"...\"` and `where = \"predicate\"`".into(),
        ("index", _) => "write `#[index]`, or `#[index(desc, unique, name = \"...\", where = \"predicate\")]`".into(),
        ("unique", "table") => "write `#[unique(col_a, col_b)]`, optionally with `name = \"...\"`".into(),
        ("unique", _) => "write `#[unique]`, or `#[unique(name = \"...\")]`".into(),
        ("check", "table") => "write `#[check(sql = \"expression\")]`, optionally with `postgres = \"...\"`, `sqlite = \"...\"` and `name = \"...\"`".into(),
        ("check", _) => "write `#[check(in(\"a\", \"b\"))]`, `#[check(json)]` or `#[check(sql = \"expression\")]`, optionally with `name = \"...\"`".into(),
        ("foreign_key", _) => "write `#[foreign_key((col_a, col_b) -> other_table(key_a, key_b), on_delete = cascade)]`".into(),
        ("references", _) => "write `#[references(other_table.column, on_delete = cascade, on_update = no_action)]`; actions: no_action, restrict, cascade, set_null, set_default".into(),
        ("postgres", _) | ("sqlite", _) => format!("write `#[{name}(up = \"CREATE ...\", down = \"DROP ...\")]`"),
        ("doc", _) => "write doc comments as `/// text`".into(),
        ("postgres_extensions", _) => "write `#![postgres_extensions(citext, pg_trgm)]` at the top of the file: lowercase identifiers; an extension whose name needs quotes (`uuid-ossp`) goes in a `raw_sql!` block".into(),
        ("allow_drop", "file") => "write `#![allow_drop(old_table, old_raw_block)]` at the top of the file".into(),
        ("allow_drop", _) => "write `#[allow_drop(old_column, other_old_column)]` on the table".into(),
        ("allow_destructive", _) => "write `#[allow_destructive]` with no arguments".into(),
        _ => "see the grammar in the cloacina-codegen docs".into(),
    }
}

fn path_name(attr: &Attribute) -> String {
    attr.path()
        .get_ident()
        .map(|i| i.to_string())
        .unwrap_or_default()
}

fn unraw(i: &Ident) -> String {
    i.unraw().to_string()
}

/// The diagnostic of a column type that is neither neutral nor declared;
/// `declared` are the file's declared type names with what they are
/// (`enum`, `custom type`): a near one is suggested first.
fn unknown_type_diag(span: Span, other: &str, declared: &[(&str, &str)]) -> Diagnostic {
    let near = declared
        .iter()
        .map(|(n, kind)| (crate::names::edit_distance(other, n), *n, *kind))
        .filter(|(d, n, _)| *d <= 2 || n.eq_ignore_ascii_case(other))
        .min();
    let help = match (near, suggest_type(other)) {
        (Some((_, e, kind)), _) => format!("did you mean the declared {kind} `{e}`? {}", type_help()),
        (None, Some(s)) => format!("did you mean `{s}`? {}", type_help()),
        (None, None) => format!(
            "{}; or declare an enum of that name: `#[db_enum] enum {other} {{ LabelA, LabelB }}`, or a custom type: `#[custom_type(postgres = \"...\", diesel = \"...\", rust = \"...\")] struct {other};`",
            type_help()
        ),
    };
    Diagnostic::new(
        DiagCode::UnknownType,
        span,
        format!("unknown column type `{other}`"),
        "not a neutral type",
    )
    .help(help)
}

fn type_help() -> String {
    format!(
        "the neutral types are {}, each optionally wrapped in `Nullable<...>`; `Text<N>` limits the length",
        ColumnType::NAMES.join(", ")
    )
}

fn suggest_type(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let alias = match lower.as_str() {
        "string" | "varchar" | "char" | "text" => "Text",
        "int" | "int4" | "i32" | "integer" | "int32" => "Integer",
        "int8" | "i64" | "bigint" | "int64" | "long" => "BigInt",
        "int2" | "i16" | "smallint" | "short" => "SmallInt",
        "boolean" | "bool" => "Bool",
        "float8" | "f64" | "double" => "Double",
        "float4" | "f32" | "real" => "Float",
        "timestamptz" | "datetime" | "date_time" => "Timestamp",
        // Diesel's `Timestamp` (and chrono's `NaiveDateTime`) have no time zone.
        "timestamp" | "naivedatetime" | "naive_timestamp" => "NaiveTimestamp",
        "naivedate" => "Date",
        "naivetime" => "Time",
        "bytea" | "blob" | "bytes" | "binary" => "Binary",
        "jsonb" | "json" => "Json",
        "uuid" => "Uuid",
        // diesel_full_text_search spells it `TsVector` too.
        "tsvector" => "Tsvector",
        _ => {
            return ColumnType::NAMES
                .into_iter()
                .map(|n| (crate::names::edit_distance(name, n), n))
                .filter(|(d, _)| *d <= 2)
                .min()
                .map(|(_, n)| n)
        }
    };
    Some(alias)
}

/// `attr.span()` (from `#` to `]`) without printing the attribute into a
/// token stream first, which is what `Spanned` does: the same join of the
/// first and the last token's spans.
fn attr_span(attr: &Attribute) -> PmSpan {
    let first = attr.pound_token.span;
    first.join(attr.bracket_token.span.join()).unwrap_or(first)
}

/// `ty.span()` for a type path (every column type), computed from its first
/// and last token as `Spanned` does but without printing the type into a
/// token stream; other types take `Spanned`'s way.
fn type_span(ty: &syn::Type) -> PmSpan {
    let syn::Type::Path(p) = ty else {
        return ty.span();
    };
    let (Some(first_seg), Some(last_seg)) = (p.path.segments.first(), p.path.segments.last())
    else {
        return ty.span();
    };
    if p.qself.is_some() {
        return ty.span();
    }
    let first = p
        .path
        .leading_colon
        .map_or(first_seg.ident.span(), |c| c.spans[0]);
    let last = match &last_seg.arguments {
        syn::PathArguments::None => last_seg.ident.span(),
        syn::PathArguments::AngleBracketed(a) => a.gt_token.span,
        syn::PathArguments::Parenthesized(_) => return ty.span(),
    };
    if p.path.leading_colon.is_none() && p.path.segments.len() == 1 && last_seg.arguments.is_none()
    {
        // One token: `Spanned` takes its span as it is.
        return first;
    }
    first.join(last).unwrap_or(first)
}

fn type_parts(ty: &syn::Type) -> Option<(String, Vec<syn::GenericArgument>, PmSpan)> {
    let syn::Type::Path(p) = ty else { return None };
    if p.qself.is_some() || p.path.segments.len() != 1 {
        return None;
    }
    let seg = &p.path.segments[0];
    let args = match &seg.arguments {
        syn::PathArguments::None => Vec::new(),
        syn::PathArguments::AngleBracketed(a) => a.args.iter().cloned().collect(),
        syn::PathArguments::Parenthesized(_) => return None,
    };
    Some((seg.ident.to_string(), args, type_span(ty)))
}

fn doc_line(attr: &Attribute) -> syn::Result<String> {
    let s = name_value_str(attr)?;
    Ok(s.strip_prefix(' ').unwrap_or(&s).trim_end().to_string())
}

fn name_value_str(attr: &Attribute) -> syn::Result<String> {
    match &attr.meta {
        syn::Meta::NameValue(nv) => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Ok(s.value()),
            other => Err(syn::Error::new(other.span(), "expected a string literal")),
        },
        _ => Err(syn::Error::new(
            attr_span(attr),
            format!("expected `#[{} = \"...\"]`", path_name(attr)),
        )),
    }
}

fn parse_backend(input: ParseStream) -> syn::Result<Backend> {
    let i: Ident = input.parse()?;
    let b = match i.to_string().as_str() {
        "postgres" => Backend::Postgres,
        "sqlite" => Backend::Sqlite,
        other => {
            return Err(syn::Error::new(
                i.span(),
                format!("unknown backend `{other}`: expected `postgres` or `sqlite`"),
            ))
        }
    };
    if !input.is_empty() {
        return Err(
            input.error("a table is either on every backend or on exactly one: write one backend")
        );
    }
    Ok(b)
}

fn parse_lit_str(input: ParseStream, what: &str) -> syn::Result<String> {
    parse_lit(input, what).map(|s| s.value())
}

fn parse_lit(input: ParseStream, what: &str) -> syn::Result<LitStr> {
    input
        .parse()
        .map_err(|e| syn::Error::new(e.span(), format!("expected a string literal for `{what}`")))
}

/// `name = "value"` where `name` was already read.
fn eq_str(input: ParseStream, what: &str) -> syn::Result<String> {
    input.parse::<Token![=]>()?;
    parse_lit_str(input, what)
}

fn parse_index(
    input: ParseStream,
    column: Option<&str>,
    lits: &mut Vec<ExprLit>,
) -> syn::Result<Index> {
    let mut ix = Index {
        name: None,
        columns: Vec::new(),
        unique: false,
        predicate: None,
        span: Span::default(),
    };
    let mut column_order = Order::Asc;
    while !input.is_empty() {
        if input.peek(Token![where]) {
            let kw: Token![where] = input.parse()?;
            if ix.predicate.is_some() {
                return Err(syn::Error::new(kw.span, "`where` is given twice"));
            }
            input.parse::<Token![=]>()?;
            let lit = parse_lit(input, "where")?;
            let pred = lit.value();
            if pred.trim().is_empty() {
                return Err(syn::Error::new(kw.span, "the `where` predicate is empty"));
            }
            lits.push((lit, None));
            ix.predicate = Some(pred);
        } else {
            let id: Ident = input.call(Ident::parse_any)?;
            let word = unraw(&id);
            if word == "name" && input.peek(Token![=]) {
                ix.name = Some(eq_str(input, "name")?);
            } else if word == "unique" {
                ix.unique = true;
            } else if column.is_some() && (word == "desc" || word == "asc") {
                column_order = if word == "desc" {
                    Order::Desc
                } else {
                    Order::Asc
                };
            } else if column.is_some() {
                return Err(syn::Error::new(
                    id.span(),
                    format!("unexpected `{word}` in a column index: expected `desc`, `unique`, `name = \"...\"` or `where = \"...\"`"),
                ));
            } else {
                let order = if input.peek(Ident) {
                    let o: Ident = input.fork().parse()?;
                    match o.to_string().as_str() {
                        "desc" => {
                            input.parse::<Ident>()?;
                            Order::Desc
                        }
                        "asc" => {
                            input.parse::<Ident>()?;
                            Order::Asc
                        }
                        _ => Order::Asc,
                    }
                } else {
                    Order::Asc
                };
                ix.columns.push(IndexColumn {
                    column: word,
                    order,
                });
            }
        }
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    if let Some(c) = column {
        ix.columns = vec![IndexColumn {
            column: c.to_string(),
            order: column_order,
        }];
    }
    Ok(ix)
}

fn parse_unique(input: ParseStream, column: Option<&str>) -> syn::Result<Unique> {
    let mut u = Unique {
        name: None,
        columns: Vec::new(),
        deferrable: Deferrable::No,
        span: Span::default(),
    };
    while !input.is_empty() {
        let id: Ident = input.call(Ident::parse_any)?;
        let word = unraw(&id);
        if word == "name" && input.peek(Token![=]) {
            u.name = Some(eq_str(input, "name")?);
        } else if word == "deferrable" && (column.is_some() || input.peek(Token![=])) {
            u.deferrable = parse_deferrable(input, &id)?;
        } else if column.is_some() {
            return Err(syn::Error::new(
                id.span(),
                format!("unexpected `{word}`: a column's `#[unique]` takes only `name = \"...\"` and `deferrable = ...`; list several columns in a table-level `#[unique(a, b)]`"),
            ));
        } else {
            u.columns.push(word);
        }
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    if let Some(c) = column {
        u.columns = vec![c.to_string()];
    }
    Ok(u)
}

fn parse_literal(input: ParseStream) -> syn::Result<Literal> {
    let neg = input.peek(Token![-]);
    if neg {
        input.parse::<Token![-]>()?;
    }
    let lit: syn::Lit = input.parse()?;
    match lit {
        syn::Lit::Str(s) if !neg => Ok(Literal::Text(s.value())),
        syn::Lit::Int(i) => {
            let v: i64 = if neg {
                format!("-{}", i.base10_digits())
                    .parse()
                    .map_err(|_| syn::Error::new(i.span(), "integer out of the 64-bit range"))?
            } else {
                i.base10_parse()?
            };
            Ok(Literal::Int(v))
        }
        other => Err(syn::Error::new(
            other.span(),
            "expected a string or integer literal",
        )),
    }
}

fn parse_check(
    input: ParseStream,
    column: Option<&str>,
    lits: &mut Vec<ExprLit>,
) -> syn::Result<Check> {
    let mut name = None;
    let mut expr: Option<CheckExpr> = None;
    let (mut sql, mut pg, mut lite) = (None, None, None);
    let mut raw_seen = false;
    let mut sql_lit: Option<LitStr> = None;
    while !input.is_empty() {
        if input.peek(Token![in]) {
            let kw: Token![in] = input.parse()?;
            let Some(col) = column else {
                return Err(syn::Error::new(
                    kw.span,
                    "`in(...)` applies to a column: put `#[check(in(...))]` on the column, or write `#[check(sql = \"col IN (...)\")]` here",
                ));
            };
            let content;
            syn::parenthesized!(content in input);
            let values: syn::punctuated::Punctuated<Literal, Token![,]> =
                content.parse_terminated(parse_literal, Token![,])?;
            if values.is_empty() {
                return Err(syn::Error::new(kw.span, "`in()` lists no values"));
            }
            if expr.is_some() {
                return Err(syn::Error::new(
                    kw.span,
                    "a check holds one condition: write a second `#[check(...)]`",
                ));
            }
            expr = Some(CheckExpr::In {
                column: col.to_string(),
                values: values.into_iter().collect(),
            });
        } else {
            let id: Ident = input.call(Ident::parse_any)?;
            let word = unraw(&id);
            match word.as_str() {
                "json" => {
                    let Some(col) = column else {
                        return Err(syn::Error::new(id.span(), "`json` applies to a column: put `#[check(json)]` on it"));
                    };
                    if expr.is_some() {
                        return Err(syn::Error::new(id.span(), "a check holds one condition: write a second `#[check(...)]`"));
                    }
                    expr = Some(CheckExpr::JsonValid {
                        column: col.to_string(),
                    });
                }
                "name" => name = Some(eq_str(input, "name")?),
                "sql" => {
                    raw_seen = true;
                    input.parse::<Token![=]>()?;
                    let lit = parse_lit(input, "sql")?;
                    sql = Some(lit.value());
                    sql_lit = Some(lit);
                }
                "postgres" => {
                    raw_seen = true;
                    input.parse::<Token![=]>()?;
                    let lit = parse_lit(input, "postgres")?;
                    pg = Some(lit.value());
                    lits.push((lit, Some(Backend::Postgres)));
                }
                "sqlite" => {
                    raw_seen = true;
                    input.parse::<Token![=]>()?;
                    let lit = parse_lit(input, "sqlite")?;
                    lite = Some(lit.value());
                    lits.push((lit, Some(Backend::Sqlite)));
                }
                other => {
                    return Err(syn::Error::new(
                        id.span(),
                        format!("unexpected `{other}` in `#[check(...)]`: expected `in(...)`, `json`, `sql = \"...\"`, `postgres = \"...\"`, `sqlite = \"...\"` or `name = \"...\"`"),
                    ))
                }
            }
        }
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    if raw_seen {
        if expr.is_some() {
            return Err(input.error("a check is either `in(...)`, `json` or a raw `sql = \"...\"`, not several: write separate `#[check(...)]` attributes"));
        }
        let missing = |b: &Option<String>| b.as_ref().is_none_or(|s| s.trim().is_empty());
        if missing(&sql) && (missing(&pg) || missing(&lite)) {
            return Err(input.error("a raw check needs `sql = \"...\"`, or both `postgres = \"...\"` and `sqlite = \"...\"`, none of them empty"));
        }
        if let Some(lit) = sql_lit {
            // `sql` is what a backend without its own spelling gets.
            let scope = match (&pg, &lite) {
                (None, None) => None,
                (Some(_), None) => Some(Backend::Sqlite),
                (None, Some(_)) => Some(Backend::Postgres),
                (Some(_), Some(_)) => None,
            };
            lits.push((lit, scope));
        }
        expr = Some(CheckExpr::Raw {
            sql,
            postgres: pg,
            sqlite: lite,
        });
    }
    let Some(expr) = expr else {
        return Err(input.error("empty check: write `in(...)`, `json` or `sql = \"...\"`"));
    };
    Ok(Check {
        name,
        expr,
        span: Span::default(),
    })
}

/// What `#[default(...)]` holds: a value, or the literal of an expression
/// default (`sql = "..."`), typed once the column's type is known.
enum ParsedDefault {
    Value(DefaultValue),
    Sql(LitStr),
}

fn parse_default(input: ParseStream) -> syn::Result<ParsedDefault> {
    if input.peek(Ident::peek_any) && !input.peek(syn::LitBool) {
        let id: Ident = input.call(Ident::parse_any)?;
        let d = match id.to_string().as_str() {
            "now" => DefaultValue::Now,
            "uuid" => DefaultValue::Uuid,
            "sql" => {
                input.parse::<Token![=]>()?;
                let lit = parse_lit(input, "sql")?;
                if !input.is_empty() {
                    return Err(input.error("a default is one expression"));
                }
                return Ok(ParsedDefault::Sql(lit));
            }
            other => {
                return Err(syn::Error::new(
                    id.span(),
                    format!("unknown default `{other}`: expected `now`, `uuid`, `sql = \"...\"` or a literal"),
                ))
            }
        };
        if !input.is_empty() {
            return Err(input.error("a default is one value"));
        }
        return Ok(ParsedDefault::Value(d));
    }
    let neg = input.peek(Token![-]);
    if neg {
        input.parse::<Token![-]>()?;
    }
    let lit: syn::Lit = input.parse()?;
    let d = match lit {
        syn::Lit::Str(s) if !neg => DefaultValue::Text(s.value()),
        syn::Lit::Bool(b) if !neg => DefaultValue::Bool(b.value),
        syn::Lit::Int(i) => {
            let digits = if neg {
                format!("-{}", i.base10_digits())
            } else {
                i.base10_digits().to_string()
            };
            DefaultValue::Int(digits.parse().map_err(|_| {
                syn::Error::new(i.span(), "integer default out of the 64-bit range")
            })?)
        }
        syn::Lit::Float(f) => {
            let v: f64 = f.base10_parse()?;
            if !v.is_finite() {
                return Err(syn::Error::new(f.span(), "a float default must be finite"));
            }
            DefaultValue::Float(if neg { -v } else { v })
        }
        other => {
            return Err(syn::Error::new(
                other.span(),
                "expected `now`, `uuid`, a string, an integer, a float or `true`/`false`",
            ))
        }
    };
    if !input.is_empty() {
        return Err(input.error("a default is one value"));
    }
    Ok(ParsedDefault::Value(d))
}

fn parse_action(input: ParseStream) -> syn::Result<FkAction> {
    input.parse::<Token![=]>()?;
    let id: Ident = input.call(Ident::parse_any)?;
    let word = unraw(&id);
    FkAction::ALL
        .into_iter()
        .find(|a| a.neutral_name() == word)
        .ok_or_else(|| {
            syn::Error::new(
                id.span(),
                format!("unknown referential action `{word}`: expected no_action, restrict, cascade, set_null or set_default"),
            )
        })
}

/// The options of a table's `#[primary_key(...)]` (its columns are the
/// ones after the table's name): `deferrable = ...`.
fn parse_primary_key_options(input: ParseStream) -> syn::Result<Deferrable> {
    const EXPECTED: &str = "a table's `#[primary_key(...)]` takes only `deferrable = initially_deferred` or `deferrable = initially_immediate`; its columns are the ones after the table's name, as in `posts (id)`";
    let id: Ident = input
        .call(Ident::parse_any)
        .map_err(|e| syn::Error::new(e.span(), EXPECTED))?;
    if unraw(&id) != "deferrable" {
        return Err(syn::Error::new(
            id.span(),
            format!("unexpected `{id}`: {EXPECTED}"),
        ));
    }
    let d = parse_deferrable(input, &id)?;
    let _ = input.parse::<Option<Token![,]>>()?;
    if !input.is_empty() {
        return Err(input.error(EXPECTED));
    }
    Ok(d)
}

/// `= initially_deferred | initially_immediate` after `deferrable`.
fn parse_deferrable(input: ParseStream, kw: &Ident) -> syn::Result<Deferrable> {
    const EXPECTED: &str = "write `deferrable = initially_deferred` (checked at COMMIT) or `deferrable = initially_immediate` (checked at each statement unless the transaction says `SET CONSTRAINTS … DEFERRED`); leave the option out for a constraint that is not deferrable";
    if !input.peek(Token![=]) {
        return Err(syn::Error::new(
            kw.span(),
            format!("`deferrable` needs a value: {EXPECTED}"),
        ));
    }
    input.parse::<Token![=]>()?;
    let id: Ident = input.call(Ident::parse_any)?;
    let word = unraw(&id);
    [
        Deferrable::InitiallyImmediate,
        Deferrable::InitiallyDeferred,
    ]
    .into_iter()
    .find(|d| d.neutral_name() == Some(word.as_str()))
    .ok_or_else(|| {
        syn::Error::new(
            id.span(),
            format!("unknown `deferrable` value `{word}`: {EXPECTED}"),
        )
    })
}

fn parse_fk_options(input: ParseStream, fk: &mut ForeignKey) -> syn::Result<()> {
    while !input.is_empty() {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        let id: Ident = input.call(Ident::parse_any)?;
        match unraw(&id).as_str() {
            "on_delete" => fk.on_delete = parse_action(input)?,
            "on_update" => fk.on_update = parse_action(input)?,
            "name" => fk.name = Some(eq_str(input, "name")?),
            "deferrable" => fk.deferrable = parse_deferrable(input, &id)?,
            other => {
                return Err(syn::Error::new(
                    id.span(),
                    format!("unexpected `{other}`: expected `on_delete = ...`, `on_update = ...`, `deferrable = ...` or `name = \"...\"`"),
                ))
            }
        }
    }
    Ok(())
}

fn parse_column_fk(input: ParseStream, column: &str) -> syn::Result<ForeignKey> {
    let table: Ident = input.call(Ident::parse_any)?;
    input.parse::<Token![.]>().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected `table.column`, as in `#[references(contexts.id)]`",
        )
    })?;
    let col: Ident = input.call(Ident::parse_any)?;
    let mut fk = ForeignKey {
        name: None,
        columns: vec![column.to_string()],
        ref_table: unraw(&table),
        ref_columns: vec![unraw(&col)],
        on_delete: FkAction::NoAction,
        on_update: FkAction::NoAction,
        deferrable: Deferrable::No,
        span: Span::default(),
    };
    parse_fk_options(input, &mut fk)?;
    Ok(fk)
}

/// `a, b, c` (at least one name), the whole input.
fn ident_list_terminated(input: ParseStream) -> syn::Result<Vec<String>> {
    let list: syn::punctuated::Punctuated<Ident, Token![,]> =
        input.parse_terminated(Ident::parse_any, Token![,])?;
    if list.is_empty() {
        return Err(input.error("expected at least one name"));
    }
    Ok(list.iter().map(unraw).collect())
}

fn ident_list(input: ParseStream) -> syn::Result<Vec<String>> {
    if input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in input);
        let list: syn::punctuated::Punctuated<Ident, Token![,]> =
            content.parse_terminated(Ident::parse_any, Token![,])?;
        if list.is_empty() {
            return Err(content.error("expected at least one column"));
        }
        Ok(list.iter().map(unraw).collect())
    } else {
        let one: Ident = input.call(Ident::parse_any)?;
        Ok(vec![unraw(&one)])
    }
}

fn parse_table_fk(input: ParseStream) -> syn::Result<ForeignKey> {
    let columns = ident_list(input)?;
    input.parse::<Token![->]>().map_err(|e| {
        syn::Error::new(
            e.span(),
            "expected `->`, as in `#[foreign_key((a, b) -> other(x, y))]`",
        )
    })?;
    let table: Ident = input.call(Ident::parse_any)?;
    let ref_columns = ident_list(input)?;
    let mut fk = ForeignKey {
        name: None,
        columns,
        ref_table: unraw(&table),
        ref_columns,
        on_delete: FkAction::NoAction,
        on_update: FkAction::NoAction,
        deferrable: Deferrable::No,
        span: Span::default(),
    };
    parse_fk_options(input, &mut fk)?;
    Ok(fk)
}

fn parse_raw_part(input: ParseStream, backend: Backend) -> syn::Result<RawPart> {
    let (mut up, mut down) = (None, None);
    while !input.is_empty() {
        let id: Ident = input.call(Ident::parse_any)?;
        match id.to_string().as_str() {
            "up" => up = Some(eq_str(input, "up")?),
            "down" => down = Some(eq_str(input, "down")?),
            other => {
                return Err(syn::Error::new(
                    id.span(),
                    format!("unexpected `{other}`: expected `up = \"...\"` and `down = \"...\"`"),
                ))
            }
        }
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    match (up, down) {
        (Some(up), Some(down)) if !up.trim().is_empty() => Ok(RawPart { backend, up, down }),
        (Some(_), Some(_)) => Err(input.error("`up` is empty: write the SQL that creates the object")),
        _ => Err(input.error("a raw SQL part needs both `up = \"...\"` and `down = \"...\"` (the SQL that undoes `up`)")),
    }
}

/// Why [`parse_file`] failed.
pub(crate) enum FileError {
    /// Not valid Rust tokens or items.
    Syn(syn::Error),
    /// The token at this span is nested deeper than [`MAX_NESTING`].
    TooDeep(PmSpan),
}

/// `syn::parse_file` with the nesting guard: the text is lexed (an
/// iterative lexer), the token stream checked by [`nesting_problem`], and
/// only then given to syn's recursive parser. The BOM and shebang handling
/// is syn's, so spans are the same as `syn::parse_file`'s.
pub(crate) fn parse_file(source: &str) -> Result<syn::File, FileError> {
    let (content, shebang) = strip_bom_and_shebang(source);
    let tokens: proc_macro2::TokenStream = content
        .parse()
        .map_err(|e| FileError::Syn(syn::Error::from(e)))?;
    if let Some(span) = nesting_problem(&tokens) {
        return Err(FileError::TooDeep(span));
    }
    let mut file: syn::File = syn::parse2(tokens).map_err(FileError::Syn)?;
    file.shebang = shebang;
    Ok(file)
}

/// The text syn lexes (without a BOM and a `#!` line, as `syn::parse_file`
/// does) and the shebang line, if any.
fn strip_bom_and_shebang(source: &str) -> (&str, Option<String>) {
    let mut content = source;
    if let Some(rest) = content.strip_prefix('\u{feff}') {
        content = rest;
    }
    let mut shebang = None;
    if content.starts_with("#!") && !content[2..].trim_start().starts_with('[') {
        let idx = content.find('\n').unwrap_or(content.len());
        shebang = Some(content[..idx].to_string());
        content = &content[idx..];
    }
    (content, shebang)
}

/// A body's errors as the general path reports them: there a body is a
/// buffer of its own, whose end of input has the call-site span; read in
/// place, its end is the closing brace (`close`). Nothing else in the body
/// has that span.
fn eof_at_call_site(e: syn::Error, close: PmSpan) -> syn::Error {
    let at_close = |s: PmSpan| s.start() == close.start() && s.end() == close.end();
    let mut all: Option<syn::Error> = None;
    for one in e {
        let one = if at_close(one.span()) {
            syn::Error::new(PmSpan::call_site(), one.to_string())
        } else {
            one
        };
        match &mut all {
            Some(all) => all.combine(one),
            None => all = Some(one),
        }
    }
    all.unwrap_or_else(|| syn::Error::new(close, "syntax error"))
}

/// Which macro [`braced_macro_ahead`] found.
enum MacroKind {
    Table,
    Raw,
}

/// Whether the next item is `table! { ... }` or `raw_sql! { ... }` (outer
/// attributes first), spelled so that `syn` would parse it as an
/// `ItemMacro` with that one-segment path and a brace body. Looks ahead on
/// a fork; consumes nothing.
fn braced_macro_ahead(input: ParseStream) -> Option<MacroKind> {
    let ahead = input.fork();
    ahead.call(Attribute::parse_outer).ok()?;
    let (ident, rest) = ahead.cursor().ident()?;
    let kind = if ident == "table" {
        MacroKind::Table
    } else if ident == "raw_sql" {
        MacroKind::Raw
    } else {
        return None;
    };
    let (bang, rest) = rest.punct()?;
    if bang.as_char() != '!' {
        return None;
    }
    rest.group(proc_macro2::Delimiter::Brace)?;
    Some(kind)
}

/// The message for input nested deeper than [`MAX_NESTING`].
pub(crate) fn too_deep_message() -> String {
    format!("nested too deeply: more than {MAX_NESTING} levels of brackets, `<`, operators and words without a `,` or `;` between them")
}

/// How deeply a schema file may nest. Deeper input is refused with a
/// located error before `syn` parses it, because `syn`'s parser (and what it
/// builds) is recursive: without a limit, a few hundred nested `<` or
/// brackets overflow the stack of a build script. The measure is
/// conservative (see `nesting_problem`): every token counts one, a `,` or
/// `;` (or a finished `{ ... }` block) ends the run, an attribute `#[...]`
/// counts nothing, and a bracket adds the run before it to everything
/// inside. Real schema files stay far below it (this project's file and
/// the richest fixture need 13).
pub const MAX_NESTING: usize = 32;

pub(crate) const NESTING_HELP: &str = "a schema file never needs this much nesting: check for runaway brackets, repeated `<` or `Nullable<`, or a long run of operators; separate list items with `,`";

/// The first token whose nesting cost exceeds [`MAX_NESTING`], if any.
///
/// Cost of a token = the cost its enclosing bracket group started with +
/// the number of tokens since the last `,` / `;` at this level (the token
/// included). Inside a group the start is the group's own cost. A `{ ... }`
/// group ends the run unless an operator or `else` follows it (`{} = {}`,
/// `else if` chains). `#` and the `[...]` of an attribute count nothing and
/// do not end the run. Every level of syn's recursion consumes at least one
/// token on the way down, so the cost bounds its depth. Iterative: it must
/// not itself overflow.
fn nesting_problem(tokens: &proc_macro2::TokenStream) -> Option<PmSpan> {
    first_deeper_than(tokens, MAX_NESTING)
}

/// The first token whose nesting cost exceeds `limit`.
fn first_deeper_than(tokens: &proc_macro2::TokenStream, limit: usize) -> Option<PmSpan> {
    use proc_macro2::{Delimiter, TokenTree};

    struct Level {
        iter: proc_macro2::token_stream::IntoIter,
        /// The cost the group started with.
        base: usize,
        /// Tokens since the last `,` or `;`.
        run: usize,
        /// A `{ ... }` just closed: the run ends unless the next token continues it.
        after_brace: bool,
        /// The last token was a `#` (an attribute may follow).
        after_hash: bool,
    }
    let mut stack = vec![Level {
        iter: tokens.clone().into_iter(),
        base: 0,
        run: 0,
        after_brace: false,
        after_hash: false,
    }];
    while let Some(level) = stack.last_mut() {
        let Some(tt) = level.iter.next() else {
            stack.pop();
            continue;
        };
        let after_hash = std::mem::take(&mut level.after_hash);
        // An attribute `#[...]` (or `#![...]`): free, and transparent to
        // `after_brace`.
        let is_attr_part = match &tt {
            TokenTree::Punct(p) => p.as_char() == '#' || (after_hash && p.as_char() == '!'),
            TokenTree::Group(g) => after_hash && g.delimiter() == Delimiter::Bracket,
            _ => false,
        };
        if !is_attr_part && std::mem::take(&mut level.after_brace) {
            let continues = match &tt {
                TokenTree::Punct(p) => !matches!(p.as_char(), ',' | ';'),
                TokenTree::Ident(i) => i == "else",
                _ => false,
            };
            if !continues {
                level.run = 0;
            }
        }
        match &tt {
            TokenTree::Punct(p) if matches!(p.as_char(), ',' | ';') => {
                level.run = 0;
                continue;
            }
            TokenTree::Punct(p) if is_attr_part => {
                level.after_hash = p.as_char() == '#' || after_hash;
                continue;
            }
            _ => {}
        }
        if !is_attr_part {
            level.run += 1;
        }
        let cost = level.base + level.run + usize::from(is_attr_part);
        if cost > limit {
            return Some(tt.span());
        }
        if let TokenTree::Group(g) = tt {
            level.after_brace = g.delimiter() == Delimiter::Brace;
            stack.push(Level {
                iter: g.stream().into_iter(),
                base: cost,
                run: 0,
                after_brace: false,
                after_hash: false,
            });
        }
    }
    None
}

/// Finds the first lexical problem (unclosed or mismatched bracket,
/// unterminated string or block comment) with its byte offset, so the
/// diagnostic points at the real place instead of syn's generic
/// "cannot parse string into token stream".
fn lex_problem(src: &str) -> Option<(usize, usize, String, String, String)> {
    let b = src.as_bytes();
    let mut stack: Vec<(u8, usize)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let start = i;
                let mut depth = 0usize;
                loop {
                    if i + 1 >= b.len() {
                        return Some((
                            start,
                            2,
                            "unterminated block comment".into(),
                            "comment starts here".into(),
                            "close it with `*/`".into(),
                        ));
                    }
                    if b[i] == b'/' && b[i + 1] == b'*' {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b[i + 1] == b'/' {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'r' if (b.get(i + 1) == Some(&b'"') || b.get(i + 1) == Some(&b'#'))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                let start = i;
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    // `r#ident`, a raw identifier; Rust has none for
                    // `self`, `super`, `crate`, `Self` and `_`.
                    let end = j + b[j..]
                        .iter()
                        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
                        .unwrap_or(b.len() - j);
                    let word = &src[j..end];
                    if hashes == 1 && matches!(word, "self" | "super" | "crate" | "Self" | "_") {
                        return Some((
                            start,
                            end - start,
                            format!("`r#{word}` is not a raw identifier: Rust has no raw form of `{word}`"),
                            "not usable as a Rust identifier".into(),
                            format!("choose another name and keep the SQL name with `#[sql_name = \"{word}\"]`, as in `#[sql_name = \"{word}\"] {word}_ -> Text,`"),
                        ));
                    }
                    i = j;
                    continue;
                }
                j += 1;
                let closing: Vec<u8> = std::iter::once(b'"')
                    .chain(std::iter::repeat_n(b'#', hashes))
                    .collect();
                match src[j..].find(std::str::from_utf8(&closing).unwrap_or("\"")) {
                    Some(k) => i = j + k + closing.len(),
                    None => {
                        return Some((
                            start,
                            j - start,
                            "unterminated raw string literal".into(),
                            "string starts here".into(),
                            format!("close it with `{}`", String::from_utf8_lossy(&closing)),
                        ));
                    }
                }
                continue;
            }
            b'"' => {
                let start = i;
                i += 1;
                loop {
                    match b.get(i) {
                        None => {
                            return Some((
                                start,
                                1,
                                "unterminated string literal".into(),
                                "string starts here".into(),
                                "close the string with `\"`".into(),
                            ));
                        }
                        Some(b'\\') => i += 2,
                        Some(b'"') => {
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
                continue;
            }
            b'\'' => {
                // A char literal such as 'a' or '\n'; a lone quote is left to syn.
                if let Some(end) = src[i + 1..]
                    .char_indices()
                    .take(12)
                    .find(|&(_, ch)| ch == '\'')
                    .map(|(k, _)| i + 1 + k)
                {
                    if end > i + 1 {
                        i = end + 1;
                        continue;
                    }
                }
            }
            b'(' | b'[' | b'{' => {
                stack.push((c, i));
                if stack.len() > MAX_NESTING {
                    return Some((
                        i,
                        1,
                        format!("brackets nested more than {MAX_NESTING} deep"),
                        "too deep".into(),
                        NESTING_HELP.into(),
                    ));
                }
            }
            b')' | b']' | b'}' => {
                let want = match c {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                match stack.pop() {
                    Some((open, _)) if open == want => {}
                    Some((open, at)) => {
                        return Some((
                            i,
                            1,
                            {
                                let (l, col) = crate::error::line_col(src, at);
                                format!("mismatched `{}`: the `{}` opened at line {l}, column {col} is still open", c as char, open as char)
                            },
                            format!("expected `{}`", closing(open)),
                            format!("close the `{}` before this `{}`", open as char, c as char),
                        ));
                    }
                    None => {
                        return Some((
                            i,
                            1,
                            format!("unexpected closing `{}`", c as char),
                            "nothing to close".into(),
                            "remove it or add the matching opening bracket".into(),
                        ));
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    stack.pop().map(|(open, at)| {
        (
            at,
            1,
            format!("unclosed `{}`", open as char),
            "opened here, never closed".into(),
            format!("add the matching `{}`", closing(open)),
        )
    })
}

fn closing(open: u8) -> char {
    match open {
        b'(' => ')',
        b'[' => ']',
        _ => '}',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// diesel_full_text_search's `TsVector` spelling points at `Tsvector`.
    #[test]
    fn tsvector_spellings_are_suggested() {
        assert_eq!(suggest_type("TsVector"), Some("Tsvector"));
        let (_, diags) = parse(
            "table! { #[backend(postgres)] t (id) { id -> BigInt, s -> Nullable<TsVector>, } }",
        );
        assert!(
            diags.iter().any(|d| d
                .help
                .as_deref()
                .is_some_and(|h| h.contains("did you mean `Tsvector`?"))),
            "{diags:?}"
        );
    }

    /// The one-pass reading and the general path (`syn::File`, a buffer
    /// per macro body) give the same model, allowances and diagnostics,
    /// in the same order with the same spans.
    fn same_both_ways(source: &str, what: &str) -> bool {
        let run = |one_pass: bool| {
            let mut cx = Cx::new(source);
            cx.one_pass = one_pass;
            let schema = cx.file();
            format!("{schema:?}\n{:?}\n{:?}", cx.allowances, cx.diags)
        };
        let (fast, general) = (run(true), run(false));
        assert_eq!(fast, general, "{what}");
        let mut cx = Cx::new(source);
        cx.file_in_one_pass().is_some()
    }

    #[test]
    fn one_pass_reads_exactly_like_the_general_path() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        for dir in ["tests/fixtures/valid", "tests/fixtures/invalid"] {
            let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
                .expect("fixture folder")
                .map(|e| e.expect("entry").path())
                .collect();
            paths.sort();
            for p in paths {
                let text = std::fs::read_to_string(&p).expect("fixture");
                sources.push((p.display().to_string(), text));
            }
        }
        sources.push((
            "project schema".into(),
            std::fs::read_to_string(root.join("../schema/cloacina.rs")).expect("schema"),
        ));
        sources.push(("synthetic 20".into(), crate::synthetic::schema_source(20)));
        // Shapes the one pass must hand back or mirror exactly.
        for (name, text) in [
            ("empty body", "table! {\n}\n"),
            ("empty raw body", "raw_sql! {}\n"),
            ("unread tokens in an attribute", "table! {\n    #[doc = \"a\" \"b\"]\n    t (id) { id -> Integer, }\n}\n"),
            ("unread tokens in an array length", "table! { t (id) { id -> [u8; 4 5], } }\n"),
            ("unread tokens, then a later error", "table! { t (id) { id -> [u8; 4 5], } }\ntable! { u (id) { id -> , } }\n"),
            ("error then good", "table! { t (id) { id -> } }\ntable! { u (id) { id -> Integer, } }\n"),
            ("named macro", "table! foo { t (id) { id -> Integer, } }\n"),
            ("parenthesised macro", "table!( t (id) { id -> Integer, } );\n"),
            ("bracketed macro without semicolon", "table![ t (id) { id -> Integer, } ]\n"),
            ("path macro", "diesel::table! { t (id) { id -> Integer, } }\n"),
            ("raw macro name", "r#table! { t (id) { id -> Integer, } }\n"),
            ("other items", "use x;\nfn f() {}\ntable! { t (id) { id -> Integer, } }\nstruct S;\n"),
            ("broken item after a table", "table! { t (id) { id -> Integer, } }\nfn f( {}\n"),
            ("bom", "\u{feff}table! { t (id) { id -> Integer, } }\n"),
            ("shebang", "#!/bin/x\ntable! { t (id) { id -> Integer, } }\n"),
            ("inner attributes", "#![allow_drop(a, b)]\n#![allow_drop(]\n#![other]\ntable! { t (id) { id -> Integer, } }\n"),
            ("attributes on the macro", "/// doc\n#[x]\ntable! { t (id) { id -> Integer, } }\n#[y] raw_sql! { #[sqlite(up = \"\", down = \"\")] r; }\n"),
            ("stray semicolon", "table! { t (id) { id -> Integer, } };\n"),
            ("too deep", &format!("table! {{ t (id) {{ id -> {}Integer{}, }} }}\n", "Nullable<".repeat(40), ">".repeat(40))),
        ] {
            sources.push((name.into(), text.to_string()));
        }
        let mut one_pass = 0;
        let mut cases = 0;
        for (name, text) in &sources {
            cases += 1;
            one_pass += usize::from(same_both_ways(text, name));
            // Every prefix at a line end: truncated and half-written files
            // (most do not lex, so they seldom reach the one pass).
            for (i, _) in text.match_indices('\n') {
                same_both_ways(&text[..i], &format!("{name} up to byte {i}"));
            }
        }
        // Most whole files take the one pass (the comparison is not vacuous).
        assert!(one_pass * 2 > cases, "{one_pass} of {cases}");
    }

    #[test]
    fn attr_and_type_spans_equal_syns() {
        let same = |a: PmSpan, b: PmSpan| (a.start(), a.end()) == (b.start(), b.end());
        let attrs = "/// doc line\n#[index(a, b desc, where = \"x > 1\")]\n#[allow_destructive]\n#[doc = \"x\"]\n  # [ sql_name = \"t\" ]\n";
        let parsed = Parser::parse_str(Attribute::parse_outer, attrs).expect("attributes");
        assert_eq!(parsed.len(), 5);
        for a in &parsed {
            assert!(same(attr_span(a), a.span()), "{a:?}");
        }
        let inner =
            Parser::parse_str(Attribute::parse_inner, "#![allow_drop(x)] //! d\n").expect("inner");
        for a in &inner {
            assert!(same(attr_span(a), a.span()), "{a:?}");
        }
        for ty in [
            "Text",
            "Nullable<Text>",
            "Nullable< Nullable<Integer> >",
            "Varchar<32>",
            "Foo<>",
            "Foo::<T>",
            "::Text",
            "a::b::C",
            "::a::B<C, D>",
            "(A, B)",
            "[u8; 4]",
            "<T as X>::Y",
            "fn(A) -> B",
            "&'a str",
        ] {
            let t: syn::Type = syn::parse_str(ty).expect(ty);
            assert!(same(type_span(&t), t.span()), "{ty}");
        }
    }

    /// The smallest limit under which `source` passes the nesting guard.
    fn needed(source: &str) -> usize {
        let tokens: proc_macro2::TokenStream = source.parse().expect("lexes");
        (0..=MAX_NESTING)
            .find(|&k| first_deeper_than(&tokens, k).is_none())
            .unwrap_or(usize::MAX)
    }

    #[test]
    fn real_schemas_stay_far_below_the_nesting_limit() {
        let project = needed(include_str!("../../schema/cloacina.rs"));
        let everything = needed(include_str!("../tests/fixtures/valid/everything.rs"));
        // At least twice the room the richest files need.
        assert!(project * 2 <= MAX_NESTING, "project schema needs {project}");
        assert!(
            everything * 2 <= MAX_NESTING,
            "everything.rs needs {everything}"
        );
    }

    #[test]
    fn nesting_cost_table() {
        // (source, cost of its deepest token)
        let cases = [
            ("", 0),
            ("a", 1),
            ("a b c", 3),
            ("a, b, c", 1),
            ("a; b c", 2),
            ("(a)", 2),
            ("a (b c)", 4),
            ("a, (b, c)", 2),
            ("Nullable<Nullable<Text>>", 7),
            ("#[doc = \"x\"] a", 4),
            ("#![allow_drop(a)] b", 4),
            ("table! {} table! {}", 3),
            ("{} = {} = {}", 5),
            ("if a {} else if b {}", 7),
            ("!!!!x", 5),
        ];
        for (src, cost) in cases {
            assert_eq!(needed(src), cost, "{src}");
        }
    }

    #[test]
    fn too_deep_input_is_one_located_diagnostic() {
        let src = format!(
            "table! {{\n    t (id) {{\n        x -> {}Text,\n    }}\n}}\n",
            "<".repeat(40)
        );
        let (_, diags) = parse(&src);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, DiagCode::Syntax);
        assert!(diags[0].message.contains("nested too deeply"));
        let (line, _) = crate::error::line_col(&src, diags[0].span.start);
        assert_eq!(line, 3);
    }

    /// Backend SQL in a default is allowed on a table of that one backend
    /// (written as given, round-tripping through the neutral printer), an
    /// error with its place on a table of both, and must parse as the
    /// backend's SQL.
    #[test]
    fn backend_sql_defaults_only_on_a_table_of_that_backend() {
        let scoped = "table! {\n    #[backend(postgres)]\n    tokens (id) {\n        id -> Integer,\n        #[default(sql = \"md5(random()::text)\")] token -> Text,\n    }\n}\n";
        let schema = crate::parse_str("s.rs", scoped).unwrap_or_else(|e| panic!("{}", e.render()));
        let want = Some(DefaultValue::Raw("md5(random()::text)".into()));
        assert_eq!(schema.tables[0].columns[1].default, want);
        let printed = crate::render::neutral::render(&schema, &[]);
        let again = crate::parse_str("s.rs", &printed).unwrap_or_else(|e| panic!("{}", e.render()));
        assert_eq!(again.tables[0].columns[1].default, want, "{printed}");

        let both = scoped.replace("    #[backend(postgres)]\n", "");
        let err = crate::parse_str("s.rs", &both).expect_err("both backends");
        assert!(err.render().contains("s.rs:4:26"), "{}", err.render());

        let bad = scoped.replace("md5(random()::text)", "md5(random(::text)");
        let err = crate::parse_str("s.rs", &bad).expect_err("not SQL");
        assert!(err.render().contains("s.rs:5:"), "{}", err.render());

        // A tree built in code is checked by validate as well.
        let mut s = crate::parse_str(
            "s.rs",
            &both.replace("#[default(sql = \"md5(random()::text)\")] ", ""),
        )
        .unwrap_or_else(|e| panic!("{}", e.render()));
        s.tables[0].columns[1].default = want;
        let diags = crate::validate::validate(&s);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, DiagCode::BadDefault);
    }
}
