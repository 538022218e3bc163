//! Synthetic schemas of any size for benchmarks and scaling tests.
//!
//! [`schema_source`] writes `n` tables that use every construct of the
//! schema language (the same ones as the `everything.rs` test fixture):
//! every neutral type, defaults of each kind, column and table checks,
//! plain, partial, descending and unique indexes, named uniques, single and
//! composite (self-)foreign keys with every action, `renamed_from`,
//! `sql_name`, raw identifiers, auto-increment keys, a backend-only table
//! and `raw_sql!` blocks. Tables come in groups of five whose names end in
//! the group number; each group references only itself, so any prefix of
//! the output is a valid schema too.

use std::fmt::Write;

/// The schema source of `n` tables (see the module documentation).
pub fn schema_source(n: usize) -> String {
    let mut out = String::with_capacity(n * 900);
    out.push_str("//! A synthetic schema (cloacina-codegen internals::synthetic).\n");
    let groups = n.div_ceil(5);
    for g in 0..groups {
        let tables = (n - g * 5).min(5);
        group(&mut out, g, tables);
    }
    out
}

/// Writes one table of a group.
type Part = fn(&mut String, usize);

fn group(out: &mut String, g: usize, tables: usize) {
    let parts: [Part; 5] = [contexts, everything, events, pairs, pg_audit];
    for part in parts.iter().take(tables) {
        part(out, g);
    }
    if tables == 5 {
        raw(out, g);
    }
}

fn contexts(out: &mut String, g: usize) {
    let _ = write!(
        out,
        r#"
table! {{
    /// Shared context documents.
    contexts_{g} (id) {{
        #[default(uuid)]
        id -> Uuid,
        #[default("{{}}")]
        value -> Json,
        #[default(now)]
        created_at -> Timestamp,
        #[default(now)]
        updated_at -> Timestamp,
    }}
}}
"#
    );
}

fn everything(out: &mut String, g: usize) {
    let _ = write!(
        out,
        r#"
table! {{
    /// One value of every neutral type.
    #[index(label, created_at desc)]
    #[index(kind, where = "kind = 'special'")]
    #[unique(label, kind, name = "everything_{g}_label_kind_uq")]
    #[check(sql = "small_n >= 0", name = "everything_{g}_small_nonneg")]
    #[check(postgres = "length(label) > 0", sqlite = "length(label) > 0")]
    everything_{g} (id) {{
        #[default(uuid)]
        id -> Uuid,
        /// A short label.
        #[renamed_from(title)]
        label -> Text<100>,
        #[check(in("plain", "special"))]
        #[default("plain")]
        kind -> Text,
        note -> Nullable<Text>,
        #[default(7)]
        small_n -> SmallInt,
        #[check(in(1, 2, 3))]
        #[default(1)]
        int_n -> Integer,
        big_n -> BigInt,
        #[default(true)]
        flag -> Bool,
        maybe_flag -> Nullable<Bool>,
        #[default(now)]
        created_at -> Timestamp,
        #[default("2000-01-01T00:00:00.000000Z")]
        epoch_at -> Timestamp,
        seen_at -> Nullable<Timestamp>,
        #[default(1.5)]
        ratio -> Double,
        payload -> Binary,
        doc -> Json,
        maybe_doc -> Nullable<Json>,
        #[check(json)]
        json_text -> Nullable<Text>,
        #[references(contexts_{g}.id, on_delete = set_null, on_update = cascade)]
        #[index]
        context_id -> Nullable<Uuid>,
        #[sql_name = "type_name"]
        r#type -> Nullable<Text>,
        #[unique]
        #[default("00000000-0000-0000-0000-000000000001")]
        external_id -> Uuid,
    }}
}}
"#
    );
}

fn events(out: &mut String, g: usize) {
    let _ = write!(
        out,
        r#"
table! {{
    /// Append-only log with an auto-increment key.
    events_{g} (seq) {{
        #[auto_increment]
        seq -> BigInt,
        #[references(everything_{g}.id, on_delete = cascade)]
        everything_id -> Uuid,
        #[index(desc, name = "events_{g}_at_desc")]
        at -> Timestamp,
    }}
}}
"#
    );
}

fn pairs(out: &mut String, g: usize) {
    let _ = write!(
        out,
        r#"
table! {{
    /// Composite key and composite foreign key.
    #[foreign_key((parent_id, position) -> pairs_{g}(parent_id, position), on_delete = restrict, name = "pairs_{g}_self_fkey")]
    #[index(parent_id, position, unique, name = "pairs_{g}_parent_position_uidx")]
    pairs_{g} (parent_id, position) {{
        #[references(everything_{g}.id, on_delete = cascade)]
        parent_id -> Uuid,
        position -> Integer,
        #[sql_name = "pair_value"]
        value -> Nullable<Text>,
    }}
}}
"#
    );
}

fn pg_audit(out: &mut String, g: usize) {
    let _ = write!(
        out,
        r#"
table! {{
    /// Exists only on PostgreSQL.
    #[backend(postgres)]
    #[sql_name = "pg_audit_{g}"]
    pg_audit_log_{g} (id) {{
        #[auto_increment]
        id -> Integer,
        message -> Text,
    }}
}}
"#
    );
}

fn raw(out: &mut String, g: usize) {
    let _ = write!(
        out,
        r##"
raw_sql! {{
    /// Wake listeners when an event is appended.
    #[postgres(
        up = r#"CREATE FUNCTION events_{g}_notify() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('events', NEW.seq::text);
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER events_{g}_notify AFTER INSERT ON events_{g} FOR EACH ROW EXECUTE FUNCTION events_{g}_notify();"#,
        down = "DROP TRIGGER events_{g}_notify ON events_{g}; DROP FUNCTION events_{g}_notify();"
    )]
    events_{g}_notify;

    #[sqlite(up = "CREATE VIEW recent_events_{g} AS SELECT * FROM events_{g} ORDER BY seq DESC LIMIT 100;", down = "DROP VIEW recent_events_{g};")]
    #[postgres(up = "CREATE VIEW recent_events_{g} AS SELECT * FROM events_{g} ORDER BY seq DESC LIMIT 100;", down = "DROP VIEW recent_events_{g};")]
    recent_events_{g};
}}
"##
    );
}

#[cfg(test)]
mod tests {
    use super::schema_source;

    #[test]
    fn every_size_validates_with_the_requested_table_count() {
        for n in [1, 4, 5, 7, 10, 100] {
            let src = schema_source(n);
            let schema = crate::parse_str("synthetic.rs", &src)
                .unwrap_or_else(|e| panic!("{n} tables: {}", e.render_plain()));
            assert_eq!(schema.tables.len(), n, "{n} tables");
        }
    }
}
