//! Printing a [`Schema`] back in the schema language.
//!
//! The output parses back to an equal model (a round-trip test pins this),
//! so it serves as the migration history's human-diffable snapshot and as
//! the output of `inspect` and `import`. Attributes are written in one
//! canonical order and column-level where the parser would put them, so two
//! equal models print identically.

use crate::model::*;

/// Prints the whole schema. `header` lines (without `//`) go on top.
pub fn render(schema: &Schema, header: &[&str]) -> String {
    let mut out = String::new();
    for h in header {
        if h.is_empty() {
            out.push_str("//\n");
        } else {
            out.push_str(&format!("// {h}\n"));
        }
    }
    if !header.is_empty() {
        out.push('\n');
    }
    let mut first = true;
    if !schema.extensions.is_empty() {
        out.push_str(&format!(
            "#![postgres_extensions({})]\n",
            schema
                .extensions
                .iter()
                .map(Extension::neutral_spelling)
                .collect::<Vec<_>>()
                .join(", ")
        ));
        first = false;
    }
    for e in &schema.enums {
        if !first {
            out.push('\n');
        }
        first = false;
        db_enum(&mut out, e);
    }
    for c in &schema.custom_types {
        if !first {
            out.push('\n');
        }
        first = false;
        custom_type(&mut out, c);
    }
    for t in &schema.tables {
        if !first {
            out.push('\n');
        }
        first = false;
        table(&mut out, schema, t);
    }
    if !schema.raw_blocks.is_empty() {
        if !first {
            out.push('\n');
        }
        out.push_str("raw_sql! {\n");
        for (i, b) in schema.raw_blocks.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            docs(&mut out, "    ", &b.docs);
            for p in &b.parts {
                out.push_str(&format!(
                    "    #[{}(\n        up = {},\n        down = {}\n    )]\n",
                    p.backend.name(),
                    rust_str(&p.up),
                    rust_str(&p.down)
                ));
            }
            out.push_str(&format!("    {};\n", ident(&b.name)));
        }
        out.push_str("}\n");
    }
    out
}

/// `#[custom_type(postgres = "...", ...)] struct Name;`, the optional keys
/// only when set.
fn custom_type(out: &mut String, c: &CustomTypeDecl) {
    docs(out, "", &c.docs);
    let mut keys = vec![format!("postgres = {}", rust_str(&c.postgres))];
    if let Some(s) = &c.sqlite {
        keys.push(format!("sqlite = {}", rust_str(s)));
    }
    keys.push(format!("diesel = {}", rust_str(&c.diesel)));
    if let Some(s) = &c.sqlite_diesel {
        keys.push(format!("sqlite_diesel = {}", rust_str(s)));
    }
    keys.push(format!("rust = {}", rust_str(&c.rust)));
    out.push_str(&format!(
        "#[custom_type({})]\nstruct {};\n",
        keys.join(", "),
        c.name
    ));
}

/// `#[db_enum(name = "...")] enum Name { ... }`: the name attribute only
/// when the SQL name is not the default, `#[value]` only where the label is
/// not the variant.
fn db_enum(out: &mut String, e: &DbEnum) {
    docs(out, "", &e.docs);
    if e.sql_name == snake_case(&e.name) {
        out.push_str(
            "#[db_enum]
",
        );
    } else {
        out.push_str(&format!(
            "#[db_enum(name = {})]
",
            rust_str(&e.sql_name)
        ));
    }
    out.push_str(&format!(
        "enum {} {{
",
        ident(&e.name)
    ));
    for (label, variant) in e.labels.iter().zip(&e.variants) {
        let raw = ident(variant);
        if label == variant {
            out.push_str(&format!(
                "    {raw},
"
            ));
        } else {
            out.push_str(&format!(
                "    #[value({})]
    {raw},
",
                rust_str(label)
            ));
        }
    }
    out.push_str(
        "}
",
    );
}

fn docs(out: &mut String, indent: &str, lines: &[String]) {
    for d in lines {
        if d.is_empty() {
            out.push_str(&format!("{indent}///\n"));
        } else {
            out.push_str(&format!("{indent}/// {d}\n"));
        }
    }
}

/// A Rust string literal for `s`: raw when that reads better.
pub fn rust_str(s: &str) -> String {
    let needs_escape = s.contains('"') || s.contains('\\') || s.contains('\n');
    if !needs_escape {
        return format!("\"{s}\"");
    }
    let controls = s.chars().any(|c| c.is_control() && c != '\n' && c != '\t');
    if !controls {
        let mut hashes = 1;
        while s.contains(&format!("\"{}", "#".repeat(hashes))) {
            hashes += 1;
        }
        let h = "#".repeat(hashes);
        return format!("r{h}\"{s}\"{h}");
    }
    format!("{s:?}")
}

/// A Rust identifier for `name` (raw when it is a Rust keyword).
fn ident(name: &str) -> String {
    if syn::parse_str::<syn::Ident>(name).is_ok() {
        name.to_string()
    } else {
        format!("r#{name}")
    }
}

fn literal(l: &Literal) -> String {
    match l {
        Literal::Text(s) => rust_str(s),
        Literal::Int(i) => i.to_string(),
    }
}

fn default_value(d: &DefaultValue) -> String {
    match d {
        DefaultValue::Text(s) => rust_str(s),
        DefaultValue::Expr(e) => format!("sql = {}", rust_str(&crate::expr::render_neutral(e))),
        DefaultValue::Raw(sql) => format!("sql = {}", rust_str(sql)),
        other => other.neutral_spelling(),
    }
}

fn name_arg(name: &Option<String>) -> String {
    name.as_ref()
        .map(|n| format!(", name = {}", rust_str(n)))
        .unwrap_or_default()
}

fn fk_options(fk: &ForeignKey) -> String {
    let mut s = String::new();
    if fk.on_delete != FkAction::NoAction {
        s.push_str(&format!(", on_delete = {}", fk.on_delete.neutral_name()));
    }
    if fk.on_update != FkAction::NoAction {
        s.push_str(&format!(", on_update = {}", fk.on_update.neutral_name()));
    }
    s.push_str(&deferrable_arg(fk.deferrable));
    s.push_str(&name_arg(&fk.name));
    s
}

fn deferrable_arg(d: Deferrable) -> String {
    d.neutral_name()
        .map(|v| format!(", deferrable = {v}"))
        .unwrap_or_default()
}

fn check_args(c: &Check) -> String {
    let mut args = Vec::new();
    match &c.expr {
        CheckExpr::In { values, .. } => {
            let vals: Vec<String> = values.iter().map(literal).collect();
            args.push(format!("in({})", vals.join(", ")));
        }
        CheckExpr::JsonValid { .. } => args.push("json".into()),
        CheckExpr::Raw {
            sql,
            postgres,
            sqlite,
        } => {
            if let Some(s) = sql {
                args.push(format!("sql = {}", rust_str(s)));
            }
            if let Some(s) = postgres {
                args.push(format!("postgres = {}", rust_str(s)));
            }
            if let Some(s) = sqlite {
                args.push(format!("sqlite = {}", rust_str(s)));
            }
        }
    }
    if let Some(n) = &c.name {
        args.push(format!("name = {}", rust_str(n)));
    }
    args.join(", ")
}

fn check_column(c: &Check) -> Option<&str> {
    match &c.expr {
        CheckExpr::In { column, .. } | CheckExpr::JsonValid { column } => Some(column),
        CheckExpr::Raw { .. } => None,
    }
}

fn index_args(ix: &Index, column_level: bool) -> String {
    let mut args = Vec::new();
    if column_level {
        if ix.columns[0].order == Order::Desc {
            args.push("desc".to_string());
        }
    } else {
        for c in &ix.columns {
            args.push(match c.order {
                Order::Asc => ident(&c.column),
                Order::Desc => format!("{} desc", ident(&c.column)),
            });
        }
    }
    if ix.unique {
        args.push("unique".into());
    }
    if let Some(n) = &ix.name {
        args.push(format!("name = {}", rust_str(n)));
    }
    if let Some(p) = &ix.predicate {
        args.push(format!("where = {}", rust_str(p)));
    }
    args.join(", ")
}

fn table(out: &mut String, schema: &Schema, t: &Table) {
    // Which constraints print at column level: single-column ones whose
    // column exists. Multi-column ones (and raw checks) print on the table.
    let col_level_unique = |u: &Unique| u.columns.len() == 1 && t.column(&u.columns[0]).is_some();
    let col_level_fk = |fk: &ForeignKey| {
        fk.columns.len() == 1 && fk.ref_columns.len() == 1 && t.column(&fk.columns[0]).is_some()
    };
    let col_level_index =
        |ix: &Index| ix.columns.len() == 1 && t.column(&ix.columns[0].column).is_some();

    out.push_str("table! {\n");
    docs(out, "    ", &t.docs);
    if let BackendScope::Only(b) = t.scope {
        out.push_str(&format!("    #[backend({})]\n", b.name()));
    }
    if let Some(s) = &t.sql_name {
        out.push_str(&format!("    #[sql_name = {}]\n", rust_str(s)));
    }
    if let Some(r) = &t.renamed_from {
        out.push_str(&format!("    #[renamed_from({})]\n", ident(r)));
    }
    if let Some(v) = t.primary_key_deferrable.neutral_name() {
        out.push_str(&format!("    #[primary_key(deferrable = {v})]\n"));
    }
    for ix in t.indexes.iter().filter(|ix| !col_level_index(ix)) {
        out.push_str(&format!("    #[index({})]\n", index_args(ix, false)));
    }
    for u in t.uniques.iter().filter(|u| !col_level_unique(u)) {
        let cols: Vec<String> = u.columns.iter().map(|c| ident(c)).collect();
        out.push_str(&format!(
            "    #[unique({}{}{})]\n",
            cols.join(", "),
            name_arg(&u.name),
            deferrable_arg(u.deferrable)
        ));
    }
    for c in t.checks.iter().filter(|c| check_column(c).is_none()) {
        out.push_str(&format!("    #[check({})]\n", check_args(c)));
    }
    for fk in t.foreign_keys.iter().filter(|fk| !col_level_fk(fk)) {
        let cols: Vec<String> = fk.columns.iter().map(|c| ident(c)).collect();
        let refs: Vec<String> = fk.ref_columns.iter().map(|c| ident(c)).collect();
        out.push_str(&format!(
            "    #[foreign_key(({}) -> {}({}){})]\n",
            cols.join(", "),
            ident(&fk.ref_table),
            refs.join(", "),
            fk_options(fk)
        ));
    }
    let pk: Vec<String> = t.primary_key.iter().map(|k| ident(k)).collect();
    out.push_str(&format!("    {} ({}) {{\n", ident(&t.name), pk.join(", ")));
    for c in &t.columns {
        let ind = "        ";
        docs(out, ind, &c.docs);
        if let Some(s) = &c.sql_name {
            out.push_str(&format!("{ind}#[sql_name = {}]\n", rust_str(s)));
        }
        if let Some(r) = &c.renamed_from {
            out.push_str(&format!("{ind}#[renamed_from({})]\n", ident(r)));
        }
        if c.auto_increment {
            out.push_str(&format!("{ind}#[auto_increment]\n"));
        }
        if let Some(d) = &c.default {
            out.push_str(&format!("{ind}#[default({})]\n", default_value(d)));
        }
        for u in t
            .uniques
            .iter()
            .filter(|u| col_level_unique(u) && u.columns[0] == c.name)
        {
            let args = format!("{}{}", name_arg(&u.name), deferrable_arg(u.deferrable));
            match args.strip_prefix(", ") {
                None => out.push_str(&format!("{ind}#[unique]\n")),
                Some(args) => out.push_str(&format!("{ind}#[unique({args})]\n")),
            }
        }
        for ix in t
            .indexes
            .iter()
            .filter(|ix| col_level_index(ix) && ix.columns[0].column == c.name)
        {
            let args = index_args(ix, true);
            if args.is_empty() {
                out.push_str(&format!("{ind}#[index]\n"));
            } else {
                out.push_str(&format!("{ind}#[index({args})]\n"));
            }
        }
        for ck in t
            .checks
            .iter()
            .filter(|ck| check_column(ck) == Some(c.name.as_str()))
        {
            out.push_str(&format!("{ind}#[check({})]\n", check_args(ck)));
        }
        for fk in t
            .foreign_keys
            .iter()
            .filter(|fk| col_level_fk(fk) && fk.columns[0] == c.name)
        {
            out.push_str(&format!(
                "{ind}#[references({}.{}{})]\n",
                ident(&fk.ref_table),
                ident(&fk.ref_columns[0]),
                fk_options(fk)
            ));
        }
        let name = match c.ty {
            ColumnType::Enum(e) => schema.enum_rust_name(e),
            ty => ty.neutral_name(),
        };
        let ty = if c.nullable {
            format!("Nullable<{name}>")
        } else {
            name
        };
        out.push_str(&format!("{ind}{} -> {ty},\n", ident(&c.name)));
    }
    out.push_str("    }\n}\n");
}
