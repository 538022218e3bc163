//! PostgreSQL introspection from `pg_catalog`.
//!
//! Reads the tables of the connection's `current_schema()`: columns with
//! types (including `VARCHAR(n)` lengths and identity/serial keys),
//! nullability, defaults and comments; primary keys, foreign keys with their
//! actions, unique and check constraints; indexes (unique, partial,
//! descending; expression indexes are listed as objects); and the triggers,
//! functions and views the model cannot hold, by name.
//!
//! The session time zone is set to UTC first, so timestamp defaults print as
//! UTC instants.

use std::collections::HashMap;

use diesel::connection::SimpleConnection;
use diesel::{PgConnection, RunQueryDsl};
use serde::Deserialize;

use super::{
    from_json, is_bookkeeping_table, Carried, DbObject, Introspection, JsonRow, Note, Replaced,
};
use crate::error::{Error, Result};
use crate::model::*;
use crate::normalize::{canonical_tokens, check_from_stored, Tok};
use crate::render::ddl::{quote_ident as q, quote_literal as lit};

fn query<T: serde::de::DeserializeOwned>(
    conn: &mut PgConnection,
    target: &str,
    what: &str,
    select: &str,
) -> Result<Vec<T>> {
    let sql = format!("SELECT coalesce(json_agg(q), '[]'::json)::text AS j FROM ({select}) q");
    let row: JsonRow = diesel::sql_query(sql)
        .get_result(conn)
        .map_err(|e| Error::Database {
            backend: Backend::Postgres,
            target: target.to_string(),
            action: format!("read {what}"),
            message: format!("{e}; the user needs read access to pg_catalog"),
        })?;
    from_json(Backend::Postgres, target, what, row.j)
}

#[derive(Deserialize)]
struct RelRow {
    name: String,
    kind: String,
    comment: Option<String>,
    definition: Option<String>,
}

#[derive(Deserialize)]
struct ColRow {
    table: String,
    name: String,
    /// The type's name; schema-qualified (`other.mood`) when the type is
    /// neither PostgreSQL's own, nor in the inspected schema, nor an
    /// extension's, so that a type of another schema is never read as
    /// the inspected schema's enum or a built-in type of the same name;
    /// also when a type of the inspected schema has the name of one of
    /// PostgreSQL's own (`public.text`, an enum), never read as that one.
    typname: String,
    formatted: String,
    typmod: i32,
    notnull: bool,
    identity: String,
    generated: String,
    default: Option<String>,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct ConRow {
    table: String,
    deferrable: bool,
    initially_deferred: bool,
    validated: bool,
    name: String,
    contype: String,
    columns: Option<Vec<String>>,
    ref_table: Option<String>,
    ref_schema_is_current: Option<bool>,
    ref_columns: Option<Vec<String>>,
    on_delete: Option<String>,
    on_update: Option<String>,
    expr: Option<String>,
    definition: String,
}

#[derive(Deserialize)]
struct IdxCol {
    column: Option<String>,
    desc: bool,
}

#[derive(Deserialize)]
struct IdxRow {
    table: String,
    name: String,
    unique: bool,
    constraint_backed: bool,
    expression: bool,
    method: String,
    predicate: Option<String>,
    definition: String,
    columns: Option<Vec<IdxCol>>,
}

#[derive(Deserialize)]
struct ObjRow {
    kind: String,
    name: String,
    table: Option<String>,
    definition: Option<String>,
}

const NS: &str = "n.nspname = current_schema()";

/// Relations that no extension owns (pg_depend deptype `e`).
const NOT_EXT_REL: &str = "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')";

#[derive(Deserialize)]
struct EnumRow {
    name: String,
    comment: Option<String>,
    labels: Vec<String>,
}

/// Objects of the catalog that the model cannot hold, with their SQL.
fn carry(
    rank: u8,
    kind: &str,
    name: impl Into<String>,
    up: String,
    down: String,
    why: &str,
    replaces: Option<Replaced>,
) -> Carried {
    Carried {
        rank,
        kind: kind.into(),
        name: name.into(),
        up,
        down,
        why: why.into(),
        replaces,
    }
}

/// A constraint the model cannot hold, carried with its own definition.
fn carry_constraint(con: &ConRow, why: &str, replaces: Option<Replaced>) -> Carried {
    carry(
        5,
        "constraint",
        format!("{}.{}", con.table, con.name),
        format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {};\n",
            q(&con.table),
            q(&con.name),
            con.definition
        ),
        format!(
            "ALTER TABLE {} DROP CONSTRAINT {};\n",
            q(&con.table),
            q(&con.name)
        ),
        why,
        replaces,
    )
}

/// Reads the current schema of a PostgreSQL connection.
///
/// # Errors
///
/// [`Error::Database`] when a catalog query fails.
pub fn introspect(
    conn: &mut PgConnection,
    target: &str,
    custom: &crate::custom_type::CustomColumns,
) -> Result<Introspection> {
    conn.batch_execute("SET TIME ZONE 'UTC'")
        .map_err(|e| Error::Database {
            backend: Backend::Postgres,
            target: target.to_string(),
            action: "set the session time zone to UTC".into(),
            message: e.to_string(),
        })?;
    let catalog = Catalog::read(conn, target)?;
    let mut r = Reader {
        custom: custom.clone(),
        objects: catalog.objects,
        ..Reader::default()
    };
    r.read_extensions(catalog.extensions);
    r.enum_types(catalog.enums);
    r.functions_and_triggers();
    r.relations(catalog.rels);
    r.columns(catalog.cols);
    r.constraints(catalog.cons);
    r.indexes(catalog.idxs);
    r.identities();
    Ok(r.finish())
}

/// The catalog rows `introspect` reads, one query each.
struct Catalog {
    rels: Vec<RelRow>,
    cols: Vec<ColRow>,
    cons: Vec<ConRow>,
    idxs: Vec<IdxRow>,
    objects: Vec<DbObject>,
    extensions: Vec<ExtRow>,
    enums: Vec<EnumRow>,
}

/// An installed extension: its schema (`None` when it is the inspected
/// one) and version.
#[derive(serde::Deserialize)]
struct ExtRow {
    name: String,
    schema: Option<String>,
    version: Option<String>,
}

impl Catalog {
    /// Runs the catalog queries of the current schema.
    fn read(conn: &mut PgConnection, target: &str) -> Result<Catalog> {
        let rels: Vec<RelRow> = query(
            conn,
            target,
            "tables",
            &format!(
                "SELECT c.relname AS name, c.relkind::text AS kind, obj_description(c.oid, 'pg_class') AS comment, \
                 CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS definition \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE {NS} AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {NOT_EXT_REL} ORDER BY c.relname"
            ),
        )?;
        let cols: Vec<ColRow> = query(
            conn,
            target,
            "columns",
            &format!(
                "SELECT c.relname AS table, a.attname AS name, \
                 CASE WHEN tn.nspname = 'pg_catalog' \
                 OR (tn.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_type bt WHERE bt.typname = t.typname AND bt.typnamespace = 'pg_catalog'::regnamespace)) \
                 OR EXISTS (SELECT 1 FROM pg_depend dt WHERE dt.classid = 'pg_type'::regclass AND dt.objid = t.oid AND dt.deptype = 'e') \
                 THEN t.typname::text ELSE tn.nspname || '.' || t.typname END AS typname, \
                 format_type(a.atttypid, a.atttypmod) AS formatted, a.atttypmod AS typmod, \
                 a.attnotnull AS notnull, a.attidentity::text AS identity, a.attgenerated::text AS generated, \
                 pg_get_expr(d.adbin, d.adrelid) AS default, col_description(c.oid, a.attnum) AS comment \
                 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid \
                 JOIN pg_namespace tn ON tn.oid = t.typnamespace \
                 LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
                 WHERE {NS} AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped \
                 ORDER BY c.relname, a.attnum"
            ),
        )?;
        let cons: Vec<ConRow> = query(
            conn,
            target,
            "constraints",
            &format!(
                "SELECT c.relname AS table, con.conname AS name, con.contype::text AS contype, \
                 (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(num, ord) \
                  JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num) AS columns, \
                 fc.relname AS ref_table, (fn.nspname = current_schema()) AS ref_schema_is_current, \
                 (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(num, ord) \
                  JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num) AS ref_columns, \
                 CASE WHEN con.contype = 'f' THEN con.confdeltype::text END AS on_delete, \
                 CASE WHEN con.contype = 'f' THEN con.confupdtype::text END AS on_update, \
                 CASE WHEN con.contype = 'c' THEN pg_get_expr(con.conbin, con.conrelid) END AS expr, \
                 pg_get_constraintdef(con.oid) AS definition, con.condeferrable AS deferrable, \
                 con.condeferred AS initially_deferred, con.convalidated AS validated \
                 FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 LEFT JOIN pg_class fc ON fc.oid = con.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace \
                 WHERE {NS} ORDER BY c.relname, con.oid"
            ),
        )?;
        let idxs: Vec<IdxRow> = query(
            conn,
            target,
            "indexes",
            &format!(
                "SELECT c.relname AS table, i.relname AS name, x.indisunique AS unique, \
                 EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = x.indexrelid \
                         AND con.conrelid = x.indrelid AND con.contype IN ('p', 'u', 'x')) AS constraint_backed, \
                 (x.indexprs IS NOT NULL) AS expression, am.amname AS method, \
                 pg_get_expr(x.indpred, x.indrelid) AS predicate, pg_get_indexdef(x.indexrelid) AS definition, \
                 (SELECT json_agg(json_build_object('column', a.attname, 'desc', (x.indoption[(k.ord - 1)::int] & 1) = 1) ORDER BY k.ord) \
                  FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(num, ord) \
                  LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.num \
                  WHERE k.ord <= x.indnkeyatts) AS columns \
                 FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = i.relam \
                 WHERE {NS} ORDER BY c.relname, i.relname"
            ),
        )?;
        let objects: Vec<DbObject> = query::<ObjRow>(
            conn,
            target,
            "triggers and functions",
            &format!(
                "SELECT 'trigger' AS kind, t.tgname::text AS name, c.relname::text AS table, pg_get_triggerdef(t.oid) AS definition \
                 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE {NS} AND NOT t.tgisinternal \
                 UNION ALL \
                 SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END AS kind, \
                 p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS name, NULL AS table, \
                 CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) END AS definition \
                 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {NS} \
                 AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') \
                 UNION ALL \
                 SELECT 'type' AS kind, t.typname::text AS name, NULL AS table, \
                 CASE WHEN t.typtype = 'd' THEN 'CREATE DOMAIN ' || quote_ident(t.typname) || ' AS ' || format_type(t.typbasetype, t.typtypmod) \
                 || COALESCE(' DEFAULT ' || t.typdefault, '') || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END \
                 || COALESCE((SELECT string_agg(' CONSTRAINT ' || quote_ident(dc.conname) || ' ' || pg_get_constraintdef(dc.oid), '' ORDER BY dc.conname) \
                 FROM pg_constraint dc WHERE dc.contypid = t.oid), '') END AS definition \
                 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
                 WHERE {NS} AND t.typtype IN ('e', 'd', 'r', 'm') \
                 AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e') \
                 ORDER BY 1, 2"
            ),
        )?
        .into_iter()
        .map(|o| DbObject {
            kind: o.kind,
            name: o.name,
            table: o.table,
            definition: o.definition,
        })
        .collect();

        let extensions: Vec<ExtRow> = query(
            conn,
            target,
            "extensions",
            "SELECT e.extname::text AS name, \
             CASE WHEN n.nspname = current_schema() THEN NULL ELSE n.nspname::text END AS schema, \
             e.extversion::text AS version \
             FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace \
             WHERE e.extname <> 'plpgsql' ORDER BY 1",
        )?;
        let enums: Vec<EnumRow> = query(
            conn,
            target,
            "enum types",
            &format!(
                "SELECT t.typname::text AS name, obj_description(t.oid, 'pg_type') AS comment, \
                 (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels \
                 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
                 WHERE {NS} AND t.typtype = 'e' \
                 AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e') \
                 ORDER BY 1"
            ),
        )?;
        Ok(Catalog {
            rels,
            cols,
            cons,
            idxs,
            objects,
            extensions,
            enums,
        })
    }
}

/// What `introspect` has read so far: the model and what it could not hold.
#[derive(Default)]
struct Reader {
    notes: Vec<Note>,
    tables: Vec<Table>,
    /// Table name -> position in `tables`.
    index_of: HashMap<String, usize>,
    /// What the model cannot hold, carried as backend-scoped raw SQL.
    carried: Vec<Carried>,
    /// Columns carried as raw SQL (table, column).
    raw_columns: Vec<(String, String)>,
    objects: Vec<DbObject>,
    /// Installed extensions the model holds (`#![postgres_extensions]`),
    /// with their schema (when not the inspected one) and version.
    extensions: Vec<crate::model::Extension>,
    /// Enum types (`pg_enum`), as declared enums.
    enums: Vec<DbEnum>,
    /// Columns a schema file gives a declared custom type.
    custom: crate::custom_type::CustomColumns,
}

impl Reader {
    /// Extensions (their objects are skipped by the queries): into the
    /// model when the name is a lowercase identifier, the only spelling
    /// `#![postgres_extensions(...)]` takes; carried as raw SQL otherwise
    /// (`uuid-ossp`).
    fn read_extensions(&mut self, extensions: Vec<ExtRow>) {
        for row in extensions {
            let e = row.name;
            if crate::model::is_extension_name(&e) {
                self.extensions.push(crate::model::Extension {
                    name: e,
                    schema: row.schema,
                    version: row.version,
                });
                continue;
            }
            self.carried.push(carry(
                0,
                "extension",
                e.clone(),
                format!("CREATE EXTENSION IF NOT EXISTS {};\n", q(&e)),
                format!("DROP EXTENSION IF EXISTS {};\n", q(&e)),
                "an extension whose name is not a lowercase identifier, which `#![postgres_extensions(...)]` cannot spell (the objects it owns are not listed)",
                None,
            ));
        }
    }

    /// Enum types, rebuilt from their labels.
    fn enum_types(&mut self, enums: Vec<EnumRow>) {
        for e in enums {
            // A declared enum when the schema language can spell it: a
            // plain SQL name and labels PostgreSQL took (1 to 63 bytes).
            let plain = crate::names::check_ident(&e.name);
            if plain.is_ok() && !e.labels.is_empty() && !crate::names::pg_builtin_type(&e.name) {
                self.enums.push(DbEnum {
                    name: enum_rust_name(&e.name),
                    sql_name: e.name.clone(),
                    variants: label_variants(&e.labels),
                    labels: e.labels,
                    docs: comment_docs(e.comment.as_deref()),
                    span: Span::default(),
                });
                continue;
            }
            let labels: Vec<String> = e.labels.iter().map(|l| lit(l)).collect();
            let why = if e.labels.is_empty() {
                "a PostgreSQL enum without labels, which #[db_enum] cannot declare".to_string()
            } else {
                let name = q(&e.name);
                let problem = match plain {
                    Err(crate::names::IdentProblem::Reserved) => "is a reserved word",
                    Err(crate::names::IdentProblem::TooLong(_)) => "is over 63 bytes",
                    Err(_) => "needs quotes in SQL",
                    Ok(()) => "is the name of a PostgreSQL type (pg_catalog's is found first)",
                };
                format!(
                    "a PostgreSQL enum whose name {name} {problem}, which #[db_enum(name = \"...\")] cannot take; rename the type (ALTER TYPE {name} RENAME TO ...) to make it a #[db_enum]"
                )
            };
            self.carried.push(carry(
                1,
                "enum type",
                e.name.clone(),
                format!(
                    "CREATE TYPE {} AS ENUM ({});\n",
                    q(&e.name),
                    labels.join(", ")
                ),
                format!("DROP TYPE {};\n", q(&e.name)),
                &why,
                None,
            ));
        }
    }

    /// Functions and triggers, carried with their own SQL.
    fn functions_and_triggers(&mut self) {
        for o in &self.objects {
            match (o.kind.as_str(), &o.definition) {
                ("function" | "procedure", Some(def)) => self.carried.push(carry(
                    2,
                    &o.kind,
                    o.name.clone(),
                    format!("{};\n", def.trim_end().trim_end_matches(';')),
                    format!("DROP {} {};\n", o.kind.to_ascii_uppercase(), o.name),
                    "a PostgreSQL function",
                    None,
                )),
                // A domain (its definition is read for domains only):
                // before the tables and columns of its type.
                ("type", Some(def)) => self.carried.push(carry(
                    1,
                    "domain",
                    o.name.clone(),
                    format!("{def};\n"),
                    format!("DROP DOMAIN {};\n", q(&o.name)),
                    "a PostgreSQL domain; the schema language has none (its columns are carried with it, or declared with #[custom_type])",
                    None,
                )),
                ("trigger", Some(def)) => self.carried.push(carry(
                    9,
                    "trigger",
                    o.name.clone(),
                    format!("{def};\n"),
                    format!(
                        "DROP TRIGGER {} ON {};\n",
                        q(&o.name),
                        q(o.table.as_deref().unwrap_or_default())
                    ),
                    "a trigger; the schema language has none",
                    None,
                )),
                _ => {}
            }
        }
    }

    /// Tables; views, materialized views and foreign tables are carried or noted.
    fn relations(&mut self, rels: Vec<RelRow>) {
        for r in rels {
            match r.kind.as_str() {
                "r" | "p" => {
                    if is_bookkeeping_table(&r.name) {
                        self.notes.push(Note::new(
                            &r.name,
                            "migration bookkeeping table, not part of the schema; left out",
                        ));
                        continue;
                    }
                    self.index_of.insert(r.name.clone(), self.tables.len());
                    self.tables.push(Table {
                        docs: comment_docs(r.comment.as_deref()),
                        ..Table::named(r.name)
                    });
                }
                kind => {
                    let what = match kind {
                        "v" => "view",
                        "m" => "materialized view",
                        _ => "foreign table",
                    };
                    let definition = r.definition.map(|d| d.trim().to_string());
                    match &definition {
                        Some(def) if kind == "v" || kind == "m" => {
                            let def = def.trim_end_matches(';');
                            self.carried.push(carry(
                                if kind == "v" { 7 } else { 8 },
                                what,
                                r.name.clone(),
                                format!(
                                    "CREATE {} {} AS\n{def};\n",
                                    what.to_ascii_uppercase(),
                                    q(&r.name)
                                ),
                                format!("DROP {} {};\n", what.to_ascii_uppercase(), q(&r.name)),
                                "the schema language has no views",
                                None,
                            ));
                        }
                        _ => self.notes.push(Note::new(
                            &r.name,
                            format!("a {what}; the schema language cannot hold it; left out"),
                        )),
                    }
                    self.objects.push(DbObject {
                        kind: what.into(),
                        name: r.name,
                        table: None,
                        definition,
                    });
                }
            }
        }
    }

    /// Columns; a type the model cannot hold carries the column as raw SQL.
    fn columns(&mut self, cols: Vec<ColRow>) {
        for c in cols {
            let Some(&ti) = self.index_of.get(&c.table) else {
                continue;
            };
            let object = format!("{}.{}", c.table, c.name);
            // A stored generated column (a tsvector kept from the text,
            // typically): carried whole, its expression with it, since the
            // schema language has no generated columns (read as a plain
            // column, it would lose the expression).
            if let ("s", Some(expr)) = (c.generated.as_str(), c.default.as_deref()) {
                self.carried.push(carry(
                    3,
                    "column",
                    object.clone(),
                    format!(
                        "ALTER TABLE {} ADD COLUMN {} {} GENERATED ALWAYS AS ({expr}) STORED{};\n",
                        q(&c.table),
                        q(&c.name),
                        c.formatted,
                        if c.notnull { " NOT NULL" } else { "" }
                    ),
                    format!("ALTER TABLE {} DROP COLUMN {};\n", q(&c.table), q(&c.name)),
                    "a generated column; the schema language has none",
                    None,
                ));
                self.raw_columns.push((c.table.clone(), c.name.clone()));
                continue;
            }
            let declared = self.enums.iter().find(|e| e.sql_name == c.typname);
            let custom = self
                .custom
                .get(&(c.table.clone(), c.name.clone()))
                .filter(|ct| crate::custom_type::is_pg_spelling(ct.postgres(), &c.formatted));
            let read = match (custom, declared) {
                (Some(ct), _) => Ok(ColumnType::Custom(*ct)),
                (None, Some(e)) => Ok(ColumnType::Enum(e.ty())),
                (None, None) => column_type(&c, &object, &mut self.notes),
            };
            let ty = match read {
                Ok(ty) => ty,
                Err(why) => {
                    let default = c
                        .default
                        .as_deref()
                        .map(|d| format!(" DEFAULT {d}"))
                        .unwrap_or_default();
                    self.carried.push(carry(
                        3,
                        "column",
                        object.clone(),
                        format!(
                            "ALTER TABLE {} ADD COLUMN {} {}{}{default};\n",
                            q(&c.table),
                            q(&c.name),
                            c.formatted,
                            if c.notnull { " NOT NULL" } else { "" }
                        ),
                        format!("ALTER TABLE {} DROP COLUMN {};\n", q(&c.table), q(&c.name)),
                        &why,
                        None,
                    ));
                    self.raw_columns.push((c.table.clone(), c.name.clone()));
                    continue;
                }
            };
            let mut auto_increment = c.identity == "a" || c.identity == "d";
            if c.identity == "a" {
                self.notes.push(Note::new(&object, "GENERATED ALWAYS AS IDENTITY read as auto_increment (the schema language writes BY DEFAULT)"));
            }
            let mut default = None;
            if let Some(expr) = c.default.as_deref() {
                if expr
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("nextval(")
                {
                    auto_increment = true;
                } else {
                    match parse_default(ty, expr) {
                        Some(d) => default = Some(d),
                        None => self.notes.push(Note::new(
                            &object,
                            format!(
                                "default `{expr}` has no neutral spelling; left out{}",
                                crate::normalize::calendar_default_hint(ty)
                            ),
                        )),
                    }
                }
            }
            self.tables[ti].columns.push(Column {
                name: c.name,
                sql_name: None,
                docs: comment_docs(c.comment.as_deref()),
                ty,
                nullable: !c.notnull,
                default,
                auto_increment,
                renamed_from: None,
                span: Span::default(),
                ty_span: Span::default(),
            });
        }
    }

    /// Keys, uniques, foreign keys and checks; what the model cannot hold is carried.
    fn constraints(&mut self, cons: Vec<ConRow>) {
        for con in cons {
            let Some(&ti) = self.index_of.get(&con.table) else {
                continue;
            };
            let columns = con.columns.clone().unwrap_or_default();
            let t = &mut self.tables[ti];
            let names_raw = columns
                .iter()
                .any(|c| self.raw_columns.contains(&(con.table.clone(), c.clone())));
            let not_valid: String;
            let why = if con.contype == "x" {
                Some("an exclusion constraint")
            } else if !con.validated {
                not_valid = format!(
                    "a NOT VALID constraint (rows that existed before it was added were never checked); to read it as a schema constraint, run `ALTER TABLE {} VALIDATE CONSTRAINT {}` on the database (it fails on a row that breaks it: fix that row first), then inspect again",
                    q(&con.table),
                    q(&con.name)
                );
                Some(not_valid.as_str())
            } else if names_raw && con.contype != "p" {
                Some("it names a column carried as raw SQL")
            } else {
                None
            };
            if let Some(why) = why {
                self.carried.push(carry_constraint(&con, why, None));
                continue;
            }
            let deferrable = Deferrable::from_flags(con.deferrable, con.initially_deferred);
            if con.contype == "u" && deferrable != Deferrable::No {
                // Kept for comparisons; `inspect` writes it as raw SQL, as
                // one database cannot say whether SQLite also has the table.
                self.carried.push(carry_constraint(
                    &con,
                    "a DEFERRABLE unique constraint, which SQLite cannot have (it checks uniques per statement); scope the table to postgres (`#[backend(postgres)]`) and write `deferrable = ...` on its `#[unique]` for a first-class one",
                    Some(Replaced::Constraint(con.table.clone(), con.name.clone())),
                ));
            }
            match con.contype.as_str() {
                "p" => {
                    t.primary_key = columns;
                    t.primary_key_deferrable = deferrable;
                }
                "u" => t.uniques.push(Unique {
                    name: Some(con.name),
                    columns,
                    deferrable,
                    span: Span::default(),
                }),
                "f" => {
                    if con.ref_schema_is_current == Some(false) {
                        self.notes.push(Note::new(
                            format!("{}.{}", con.table, con.name),
                            format!("foreign key to a table in another schema ({}); read as if it were in this one", con.definition),
                        ));
                    }
                    t.foreign_keys.push(ForeignKey {
                        name: Some(con.name),
                        columns,
                        ref_table: con.ref_table.unwrap_or_default(),
                        ref_columns: con.ref_columns.unwrap_or_default(),
                        on_delete: action(con.on_delete.as_deref()),
                        on_update: action(con.on_update.as_deref()),
                        deferrable,
                        span: Span::default(),
                    });
                }
                "c" => {
                    let expr = con.expr.clone().unwrap_or_default();
                    let check = check_from_stored(&expr);
                    if let CheckExpr::Raw { sql: Some(sql), .. } = &check {
                        // Portable when it reads as the one expression language
                        // (then `inspect` writes it neutrally).
                        if crate::expr::read_back(sql, t).is_none() {
                            // Kept for comparisons; `inspect` writes it as raw SQL.
                            self.carried.push(carry_constraint(
                                &con,
                                "a check in PostgreSQL's own SQL (casts, JSON or regex operators, PostgreSQL functions) that SQLite cannot evaluate; a neutral check must mean the same on both backends",
                                Some(Replaced::Constraint(con.table.clone(), con.name.clone())),
                            ));
                        }
                    }
                    t.checks.push(Check {
                        name: Some(con.name),
                        expr: check_from_stored(&expr),
                        span: Span::default(),
                    });
                }
                "n" => {} // NOT NULL constraints (PostgreSQL 18) are read from attnotnull.
                other => self.notes.push(Note::new(
                    format!("{}.{}", con.table, con.name),
                    format!("constraint of kind `{other}` ({}) has no place in the schema language; left out", con.definition),
                )),
            }
        }
    }

    /// Indexes that no constraint owns; expression and non-B-tree ones are carried.
    fn indexes(&mut self, idxs: Vec<IdxRow>) {
        for ix in idxs {
            if ix.constraint_backed {
                continue; // the primary key's or a unique constraint's own index
            }
            let on_table = self.index_of.get(&ix.table).copied();
            let columns = ix.columns.unwrap_or_default();
            let names_raw = columns.iter().any(|c| {
                c.column
                    .as_ref()
                    .is_some_and(|n| self.raw_columns.contains(&(ix.table.clone(), n.clone())))
            });
            let expression = ix.expression || columns.iter().any(|c| c.column.is_none());
            let why = if on_table.is_none() {
                Some("an index on a view or materialized view".to_string())
            } else if expression {
                Some("an expression index; the schema language indexes columns".to_string())
            } else if ix.method != "btree" {
                Some(format!(
                    "a {} index; the schema language's indexes are B-tree",
                    ix.method
                ))
            } else if names_raw {
                Some("it names a column carried as raw SQL".to_string())
            } else {
                None
            };
            if let Some(why) = why {
                if expression {
                    self.objects.push(DbObject {
                        kind: "expression index".into(),
                        name: ix.name.clone(),
                        table: Some(ix.table.clone()),
                        definition: Some(ix.definition.clone()),
                    });
                }
                self.carried.push(carry(
                    if on_table.is_none() { 9 } else { 6 },
                    "index",
                    format!("{}.{}", ix.table, ix.name),
                    format!("{};\n", ix.definition),
                    format!("DROP INDEX {};\n", q(&ix.name)),
                    &why,
                    None,
                ));
                continue;
            }
            let Some(ti) = on_table else {
                continue;
            };
            self.tables[ti].indexes.push(Index {
                name: Some(ix.name),
                columns: columns
                    .into_iter()
                    .map(|c| IndexColumn {
                        column: c.column.unwrap_or_default(),
                        order: if c.desc { Order::Desc } else { Order::Asc },
                    })
                    .collect(),
                unique: ix.unique,
                // As stored: `normalize` reads it by meaning (`by_meaning`).
                predicate: ix.predicate.as_deref().map(|p| p.trim().to_string()),
                span: Span::default(),
            });
        }
    }

    /// Identities that are not the whole key: the column is neutral, its identity is carried.
    fn identities(&mut self) {
        // An identity that is not the whole key: the column is neutral, its
        // identity is self.carried.
        for t in &self.tables {
            for c in &t.columns {
                if c.auto_increment && t.primary_key != [c.name.clone()] {
                    self.carried.push(carry(
                        4,
                        "identity",
                        format!("{}.{}", t.name, c.name),
                        format!(
                            "ALTER TABLE {} ALTER COLUMN {} ADD GENERATED BY DEFAULT AS IDENTITY;\n",
                            q(&t.name),
                            q(&c.name)
                        ),
                        format!(
                            "ALTER TABLE {} ALTER COLUMN {} DROP IDENTITY;\n",
                            q(&t.name),
                            q(&c.name)
                        ),
                        "an identity column that is not the whole primary key",
                        Some(Replaced::Identity(t.name.clone(), c.name.clone())),
                    ));
                }
            }
        }
    }

    fn finish(self) -> Introspection {
        Introspection {
            backend: Backend::Postgres,
            schema: Schema {
                tables: self.tables,
                raw_blocks: Vec::new(),
                extensions: self.extensions,
                enums: self.enums,
                custom_types: Vec::new(),
            },
            objects: self.objects,
            notes: self.notes,
            carried: self.carried,
        }
    }
}

fn comment_docs(comment: Option<&str>) -> Vec<String> {
    comment
        .map(|c| c.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

fn action(code: Option<&str>) -> FkAction {
    match code {
        Some("r") => FkAction::Restrict,
        Some("c") => FkAction::Cascade,
        Some("n") => FkAction::SetNull,
        Some("d") => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

fn column_type(
    c: &ColRow,
    object: &str,
    notes: &mut Vec<Note>,
) -> std::result::Result<ColumnType, String> {
    let approx = |notes: &mut Vec<Note>, ty: &str| {
        notes.push(Note::new(
            object,
            format!(
                "type {} read as {ty}, the nearest neutral type",
                c.formatted
            ),
        ))
    };
    let ty = match c.typname.as_str() {
        "uuid" => ColumnType::Uuid,
        "text" => ColumnType::Text { max_len: None },
        "varchar" => ColumnType::Text {
            max_len: (c.typmod >= 4).then(|| (c.typmod - 4) as u32),
        },
        "bpchar" => {
            approx(notes, "Text<n>");
            ColumnType::Text {
                max_len: (c.typmod >= 4).then(|| (c.typmod - 4) as u32),
            }
        }
        "name" => {
            approx(notes, "Text");
            ColumnType::Text { max_len: None }
        }
        "int2" => ColumnType::SmallInt,
        "int4" => ColumnType::Integer,
        "int8" => ColumnType::BigInt,
        "bool" => ColumnType::Bool,
        "timestamptz" => ColumnType::Timestamp,
        "timestamp" | "time" => {
            let ty = if c.typname == "time" {
                ColumnType::Time
            } else {
                ColumnType::NaiveTimestamp
            };
            // A precision below microseconds rounds on PostgreSQL; the
            // neutral types keep microseconds.
            if (0..6).contains(&c.typmod) {
                approx(notes, &format!("{} (microseconds)", ty.neutral_name()));
            }
            ty
        }
        "date" => ColumnType::Date,
        // typmod = (precision << 16 | scale) + 4; -1 when unconstrained.
        "numeric" if c.typmod >= 4 => {
            let precision = ((c.typmod - 4) >> 16) & 0xffff;
            let scale = (c.typmod - 4) & 0xffff;
            let max = i32::from(crate::decimal::MAX_PRECISION);
            if precision > max || scale > precision {
                return Err(format!(
                    "type {} has no neutral type: Decimal<P, S> takes P <= {max} and S <= P \
                     (SQLite stores the value times 10^S in 64 bits); keep the column on \
                     PostgreSQL only, or narrow it",
                    c.formatted
                ));
            }
            ColumnType::Decimal {
                precision: precision as u8,
                scale: scale as u8,
            }
        }
        "numeric" => {
            return Err(
                "unconstrained numeric has no neutral type: Decimal<P, S> needs its precision \
                 and scale (declare numeric(P,S) with P <= 18 to read it as Decimal<P, S>)"
                    .into(),
            )
        }
        "float8" => ColumnType::Double,
        "float4" => ColumnType::Float,
        "bytea" => ColumnType::Binary,
        "jsonb" => ColumnType::Json,
        "json" => {
            approx(notes, "Json (JSONB)");
            ColumnType::Json
        }
        // `numeric(p,s)[]`: an array's typmod is its element's.
        "_numeric" if c.typmod >= 4 => {
            let precision = ((c.typmod - 4) >> 16) & 0xffff;
            let scale = (c.typmod - 4) & 0xffff;
            let max = i32::from(crate::decimal::MAX_PRECISION);
            if precision > max || scale > precision {
                return Err(format!(
                    "type {} has no first-class type: Array<Decimal<P, S>> takes P <= {max} \
                     and S <= P",
                    c.formatted
                ));
            }
            ColumnType::Postgres(PgType::Array(PgElem::Decimal {
                precision: precision as u8,
                scale: scale as u8,
            }))
        }
        // Arrays, ranges and the other types Diesel maps natively: first
        // class in a table scoped to PostgreSQL (`carry::for_inspect` scopes).
        other => match PgType::from_udt(other) {
            Some(p) => {
                // An array's typmod is its element's: `time(3)[]` rounds
                // below microseconds, which the neutral element keeps.
                if let PgType::Array(
                    e @ (PgElem::Timestamp | PgElem::NaiveTimestamp | PgElem::Time),
                ) = p
                {
                    if (0..6).contains(&c.typmod) {
                        approx(
                            notes,
                            &format!("Array<{}> (microseconds)", e.neutral_name()),
                        );
                    }
                }
                ColumnType::Postgres(p)
            }
            None => {
                return Err(format!(
                    "type {} has no neutral type ({}); declare it with #[custom_type(postgres = {:?}, diesel = \"<its Diesel SQL type>\", rust = \"<its Rust type>\")] struct <Name>; to make the column first class",
                    c.formatted,
                    ColumnType::NAMES.join(", "),
                    c.formatted
                ))
            }
        },
    };
    Ok(ty)
}

/// Reads a PostgreSQL default expression (as `pg_get_expr` prints it, in a
/// UTC session) as a neutral default for a column of type `ty`.
pub fn parse_default(ty: ColumnType, expr: &str) -> Option<DefaultValue> {
    // An expression of the language (never a lone literal, `now()` or a
    // random function, which it has no words for) reads back as its tree.
    let source = crate::expr::Source::Stored(crate::model::Backend::Postgres);
    if let Ok(e) = crate::expr::parse_default_for(expr, source, "", ty) {
        return Some(DefaultValue::Expr(e));
    }
    let toks = canonical_tokens(expr, true);
    let words: Vec<&str> = toks
        .iter()
        .map(|t| match t {
            Tok::Ident(s) | Tok::Punct(s) | Tok::Num(s) => s.as_str(),
            _ => "",
        })
        .collect();
    let call = |name: &str| words == [name, "(", ")"];
    if let ColumnType::Postgres(_) | ColumnType::Enum(_) | ColumnType::Custom(_) = ty {
        // `'Pending'::execution_status`, `'{}'::text[]`, `'01:00:00'::interval`, `'{}'::time without time
        // zone[]`: the literal, whatever the cast (PostgreSQL reads it as
        // the column's type again); a type name may take several words.
        return match canonical_tokens(expr, false).as_slice() {
            [Tok::Str(s)] => Some(DefaultValue::Text(s.clone())),
            [Tok::Str(s), Tok::Punct(p), Tok::Ident(_), rest @ ..]
                if p == "::"
                    && rest
                        .iter()
                        .skip_while(|t| match t {
                            Tok::Ident(w) => !w.is_empty(),
                            // A type modifier: `numeric(10,2)[]`.
                            Tok::Num(_) => true,
                            Tok::Punct(p) => p == "(" || p == ")" || p == ",",
                            _ => false,
                        })
                        .all(is_array_brackets) =>
            {
                Some(DefaultValue::Text(s.clone()))
            }
            _ => None,
        };
    }
    if let ColumnType::Decimal { precision, scale } = ty {
        // `1.50`, `0`, `'-1.50'::numeric`, `(5)::numeric`.
        let mut t = expr.trim();
        loop {
            let before = t;
            if let Some(i) = t.rfind("::") {
                t = &t[..i];
            }
            t = t
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .trim_matches('\'')
                .trim();
            if t == before {
                break;
            }
        }
        return crate::decimal::canonical(t, precision, scale)
            .ok()
            .map(DefaultValue::Text);
    }
    let calendar = matches!(
        ty,
        ColumnType::NaiveTimestamp | ColumnType::Date | ColumnType::Time
    );
    if calendar {
        // `now()`/`CURRENT_DATE` on a type without time zone depend on the
        // session's zone: no neutral default says that (the caller notes it).
        return match toks.as_slice() {
            [Tok::Str(s)] => Some(DefaultValue::Text(
                crate::validate::canonicalize_calendar_text(ty, s)?,
            )),
            _ => None,
        };
    }
    if call("now")
        || call("clock_timestamp")
        || call("transaction_timestamp")
        || call("statement_timestamp")
        || words.first() == Some(&"current_timestamp")
        || (words.first() == Some(&"timezone") && words.contains(&"now"))
    {
        return Some(DefaultValue::Now);
    }
    if call("gen_random_uuid") || call("uuid_generate_v4") {
        return Some(DefaultValue::Uuid);
    }
    match toks.as_slice() {
        [Tok::Str(s)] => Some(match ty {
            ColumnType::Timestamp => DefaultValue::Text(pg_timestamp_to_canonical(s)?),
            ColumnType::Bool => {
                DefaultValue::Bool(matches!(s.as_str(), "t" | "true" | "1" | "yes" | "on"))
            }
            ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt => {
                DefaultValue::Int(s.trim().parse().ok()?)
            }
            ColumnType::Double | ColumnType::Float => DefaultValue::Float(s.trim().parse().ok()?),
            _ => DefaultValue::Text(s.clone()),
        }),
        [Tok::Num(n)] => match ty {
            ColumnType::Double | ColumnType::Float => n.parse().ok().map(DefaultValue::Float),
            ColumnType::Bool => None,
            _ => n.parse().ok().map(DefaultValue::Int),
        },
        [Tok::Ident(b)] if b == "true" || b == "false" => Some(DefaultValue::Bool(b == "true")),
        _ => None,
    }
}

/// The `[]` of an array type as the tokenizer reads it (a bracketed,
/// empty identifier).
fn is_array_brackets(t: &Tok) -> bool {
    matches!(t, Tok::Ident(s) if s.is_empty()) || matches!(t, Tok::Punct(b) if b == "[" || b == "]")
}

/// `2000-01-01 00:00:00+00` or `2024-01-02 03:04:05.000006+00` (a UTC
/// session's output) as `2000-01-01T00:00:00.000000Z`.
pub fn pg_timestamp_to_canonical(s: &str) -> Option<String> {
    let s = s.trim();
    let body = s
        .strip_suffix("+00")
        .or_else(|| s.strip_suffix("+00:00"))
        .or_else(|| s.strip_suffix('Z'))?;
    let (date, time) = body.split_once([' ', 'T'])?;
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    if date.len() != 10
        || hms.len() != 8
        || frac.len() > 6
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    Some(format!("{date}T{hms}.{frac:0<6}Z"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_as_postgres_prints_them() {
        use ColumnType as T;
        use DefaultValue as D;
        let text = T::Text { max_len: None };
        let cases: Vec<(ColumnType, &str, Option<DefaultValue>)> = vec![
            (T::Timestamp, "now()", Some(D::Now)),
            (T::Timestamp, "CURRENT_TIMESTAMP", Some(D::Now)),
            (T::Uuid, "gen_random_uuid()", Some(D::Uuid)),
            (text, "'plain'::text", Some(D::Text("plain".into()))),
            (
                text,
                "'it''s'::character varying",
                Some(D::Text("it's".into())),
            ),
            (T::SmallInt, "'-3'::integer", Some(D::Int(-3))),
            (T::Integer, "7", Some(D::Int(7))),
            (T::Double, "1.5", Some(D::Float(1.5))),
            (T::Bool, "true", Some(D::Bool(true))),
            (
                T::Timestamp,
                "'2000-01-01 00:00:00+00'::timestamp with time zone",
                Some(D::Text("2000-01-01T00:00:00.000000Z".into())),
            ),
            (
                T::Uuid,
                "'00000000-0000-0000-0000-000000000001'::uuid",
                Some(D::Text("00000000-0000-0000-0000-000000000001".into())),
            ),
            (T::Json, "'{}'::jsonb", Some(D::Text("{}".into()))),
            (T::Integer, "floor(random() * 10)", None),
            (
                T::Postgres(PgType::Array(PgElem::Text)),
                "'{}'::text[]",
                Some(D::Text("{}".into())),
            ),
            (
                T::Postgres(PgType::Interval),
                "'01:00:00'::interval",
                Some(D::Text("01:00:00".into())),
            ),
            (
                T::Postgres(PgType::Array(PgElem::Text)),
                "ARRAY[]::text[]",
                None,
            ),
            // Type names of several words.
            (
                T::Postgres(PgType::Array(PgElem::Time)),
                "'{}'::time without time zone[]",
                Some(D::Text("{}".into())),
            ),
            (
                T::Postgres(PgType::Array(PgElem::Timestamp)),
                "'{\"2024-01-01 00:00:00+00\"}'::timestamp with time zone[]",
                Some(D::Text("{\"2024-01-01 00:00:00+00\"}".into())),
            ),
            (
                T::Postgres(PgType::Range(crate::model::PgRange::Date)),
                "'[2024-01-01,2024-02-01)'::daterange",
                Some(D::Text("[2024-01-01,2024-02-01)".into())),
            ),
            (
                T::Postgres(PgType::Array(PgElem::Time)),
                "'{}'::time without time zone[] || now()",
                None,
            ),
            (
                T::Postgres(PgType::Array(PgElem::Decimal {
                    precision: 10,
                    scale: 2,
                })),
                "'{1.50,-2.00}'::numeric(10,2)[]",
                Some(D::Text("{1.50,-2.00}".into())),
            ),
        ];
        for (ty, expr, want) in cases {
            assert_eq!(parse_default(ty, expr), want, "{expr}");
        }
        assert_eq!(
            pg_timestamp_to_canonical("2024-01-02 03:04:05.000006+00").as_deref(),
            Some("2024-01-02T03:04:05.000006Z")
        );
        assert_eq!(pg_timestamp_to_canonical("2024-01-02 03:04:05+01"), None);
    }

    #[test]
    fn calendar_defaults_are_canonical_text_and_clock_defaults_are_not_neutral() {
        use ColumnType as T;
        use DefaultValue as D;
        let text = |s: &str| Some(D::Text(s.into()));
        let cases: Vec<(ColumnType, &str, Option<DefaultValue>)> = vec![
            (T::Date, "'2024-02-29'::date", text("2024-02-29")),
            (
                T::Time,
                "'10:00:00'::time without time zone",
                text("10:00:00"),
            ),
            // PostgreSQL prints the fraction without its trailing zeros.
            (
                T::Time,
                "'10:00:00.5'::time without time zone",
                text("10:00:00.500000"),
            ),
            (
                T::NaiveTimestamp,
                "'2024-01-01 10:00:00.000001'::timestamp without time zone",
                text("2024-01-01 10:00:00.000001"),
            ),
            (
                T::NaiveTimestamp,
                "'2024-01-01 10:00:00'::timestamp without time zone",
                text("2024-01-01 10:00:00"),
            ),
            // The session's clock and zone: no neutral spelling (noted by the caller).
            (T::NaiveTimestamp, "CURRENT_TIMESTAMP", None),
            (T::NaiveTimestamp, "now()", None),
            (T::Date, "CURRENT_DATE", None),
            (T::Time, "LOCALTIME", None),
            (T::Date, "'infinity'::date", None),
        ];
        for (ty, expr, want) in cases {
            assert_eq!(parse_default(ty, expr), want, "{expr}");
        }
    }

    /// An expression default reads back from what each backend stores (as
    /// PostgreSQL 15 prints it, with its casts and parentheses, and as
    /// SQLite keeps the text) into the schema file's tree.
    #[test]
    fn expression_defaults_read_back_as_one_tree_from_either_backend() {
        use crate::expr::{parse_default_for, Source};
        use crate::normalize::normalize_default;
        use ColumnType as T;
        let cases = [
            (
                T::Text { max_len: None },
                "lower('QUEUE')",
                "lower('QUEUE'::text)",
            ),
            (
                T::Integer,
                "coalesce(NULL, 2 + 3)",
                "COALESCE(NULL::integer, (2 + 3))",
            ),
            (T::Bool, "abs(-2) = 2", "(abs('-2'::integer) = 2)"),
            (
                T::Bool,
                "length('abcd') > 9 OR NOT true",
                "((length('abcd'::text) > 9) OR (NOT true))",
            ),
            (T::Double, "1.5 * 2", "(1.5 * (2)::numeric)"),
        ];
        for (ty, neutral, stored) in cases {
            let want = parse_default_for(neutral, Source::Neutral, "c", ty)
                .map(DefaultValue::Expr)
                .unwrap_or_else(|e| panic!("{neutral}: {e:?}"));
            let sqlite_text = crate::expr::render(
                match &want {
                    DefaultValue::Expr(e) => e,
                    _ => unreachable!("an expression"),
                },
                crate::model::Backend::Sqlite,
            );
            let from_pg = parse_default(ty, stored).map(|d| normalize_default(ty, &d));
            let from_lite = crate::introspect::sqlite::parse_default(ty, &sqlite_text)
                .map(|d| normalize_default(ty, &d));
            let want = Some(normalize_default(ty, &want));
            assert_eq!(from_pg, want, "postgres stored {stored}");
            assert_eq!(from_lite, want, "sqlite stored {sqlite_text}");
        }
        // Backend SQL with no neutral reading stays out of the tree.
        assert_eq!(
            parse_default(T::Text { max_len: None }, "md5((random())::text)"),
            None
        );
    }

    #[test]
    fn decimal_defaults_are_canonical_text_with_the_scale() {
        use DefaultValue as D;
        let ty = ColumnType::Decimal {
            precision: 10,
            scale: 2,
        };
        let text = |s: &str| Some(D::Text(s.into()));
        for (expr, want) in [
            ("1.50", text("1.50")),
            ("0", text("0.00")),
            ("(5)::numeric", text("5.00")),
            ("'-1.5'::numeric", text("-1.50")),
            // A default the column would round is no neutral default.
            ("1.555", None),
            ("random()", None),
        ] {
            assert_eq!(parse_default(ty, expr), want, "{expr}");
        }
    }
}
