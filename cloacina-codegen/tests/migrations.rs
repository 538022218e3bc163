//! Schema evolution: diff, plan, guards and the migrations folder.
//!
//! Table-driven diff cases (`name, from, to, expected operations`), each
//! also checked to round-trip (applying the plan to `from` gives `to`, and
//! the inverted plan gives `from` back) and snapshotted as PostgreSQL and
//! SQLite `up.sql`/`down.sql` side by side.

use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use cloacina_codegen::history::{self, FixedClock, HistoryError};
use cloacina_codegen::internals::diff::{self, canonical, Operation};
use cloacina_codegen::internals::{guard, plan};
use cloacina_codegen::model::{Backend, Schema};
use cloacina_codegen::{parse, SchemaFile};

fn schema(src: &str) -> Schema {
    match cloacina_codegen::parse_str("case.rs", src) {
        Ok(s) => s,
        Err(e) => panic!("fixture does not parse:\n{}", e.render()),
    }
}

const PARENTS: &str = "
table! {
    parents (id) {
        id -> BigInt,
        name -> Text,
    }
}
";

/// A table on PostgreSQL only, with a unique constraint.
const PG_SLOTS: &str = "
table! {
    #[backend(postgres)]
    slots (id) {
        id -> BigInt,
        #[unique]
        code -> Text,
    }
}
";

/// `parents` plus a `kids` table whose body is `kids`.
fn with_kids(kids: &str) -> String {
    format!("{PARENTS}\ntable! {{\n{kids}\n}}\n")
}

const KIDS: &str = "
    kids (id) {
        id -> BigInt,
        #[references(parents.id, on_delete = cascade)]
        parent_id -> BigInt,
        n -> Integer,
        label -> Text,
    }";

/// Every case: name, from, to, the operations in words.
fn cases() -> Vec<(&'static str, String, String, Vec<&'static str>)> {
    let base = with_kids(KIDS);
    let kids_with = |from: &str, to: &str| with_kids(&KIDS.replace(from, to));
    vec![
        (
            "create_table",
            PARENTS.to_string(),
            base.clone(),
            vec!["create table kids with 4 columns"],
        ),
        (
            "drop_table",
            base.clone(),
            format!("#![allow_drop(kids)]\n{PARENTS}"),
            vec!["drop table kids"],
        ),
        (
            "rename_table",
            base.clone(),
            base.replace("    kids (id) {", "    #[renamed_from(kids)]\n    children (id) {"),
            vec!["rename table kids to children"],
        ),
        (
            "rename_table_sql_name",
            base.clone(),
            base.replace("    kids (id) {", "    #[sql_name = \"kid_rows\"]\n    kids (id) {"),
            vec!["rename table kids to kids (SQL name kid_rows)"],
        ),
        (
            "add_column_nullable",
            base.clone(),
            kids_with("label -> Text,", "label -> Text,\n        note -> Nullable<Text>,"),
            vec!["add column kids.note (Nullable<Text>)"],
        ),
        (
            "add_column_default_now",
            base.clone(),
            kids_with("label -> Text,", "label -> Text,\n        #[default(now)]\n        seen_at -> Timestamp,"),
            vec!["add column kids.seen_at (Timestamp, default now)"],
        ),
        (
            "add_column_not_null_allowed",
            base.clone(),
            kids_with("label -> Text,", "label -> Text,\n        #[allow_destructive]\n        flag -> Bool,"),
            vec!["add column kids.flag (Bool)"],
        ),
        (
            "drop_column",
            base.clone(),
            kids_with("        label -> Text,\n", "").replace("    kids (id)", "    #[allow_drop(label)]\n    kids (id)"),
            vec!["drop column kids.label"],
        ),
        (
            "rename_column",
            base.clone(),
            kids_with("label -> Text,", "#[renamed_from(label)]\n        title -> Text,"),
            vec!["rename column kids.label to title"],
        ),
        (
            "widen_integer",
            base.clone(),
            kids_with("n -> Integer,", "n -> BigInt,"),
            vec!["alter column kids.n: type Integer -> BigInt"],
        ),
        (
            "narrow_integer_allowed",
            base.clone(),
            kids_with("n -> Integer,", "#[allow_destructive]\n        n -> SmallInt,"),
            vec!["alter column kids.n: type Integer -> SmallInt"],
        ),
        (
            "integer_to_double_and_text",
            base.clone(),
            kids_with("n -> Integer,\n        label -> Text,", "n -> Double,\n        label -> Text<20>,")
                .replace("        label -> Text<20>", "        #[allow_destructive]\n        label -> Text<20>"),
            vec![
                "alter column kids.n: type Integer -> Double",
                "alter column kids.label: type Text -> Text<20>",
            ],
        ),
        (
            "integer_to_text",
            base.clone(),
            kids_with("n -> Integer,", "n -> Text,"),
            vec!["alter column kids.n: type Integer -> Text"],
        ),
        (
            "set_not_null_with_default",
            kids_with("label -> Text,", "label -> Nullable<Text>,"),
            kids_with("label -> Text,", "#[default(\"none\")]\n        label -> Text,"),
            vec!["alter column kids.label: set NOT NULL, default \"none\""],
        ),
        (
            "drop_not_null",
            base.clone(),
            kids_with("label -> Text,", "label -> Nullable<Text>,"),
            vec!["alter column kids.label: drop NOT NULL"],
        ),
        (
            "change_default",
            base.clone(),
            kids_with("n -> Integer,", "#[default(3)]\n        n -> Integer,"),
            vec!["alter column kids.n: default 3"],
        ),
        (
            "add_column_expression_default",
            base.clone(),
            kids_with("label -> Text,", "label -> Text,\n        #[default(sql = \"upper('x')\")]\n        tag -> Text,"),
            vec!["add column kids.tag (Text, default sql = \"upper('x')\")"],
        ),
        (
            "change_expression_default",
            kids_with("n -> Integer,", "#[default(sql = \"abs(-2) + 1\")]\n        n -> Integer,"),
            kids_with("n -> Integer,", "#[default(sql = \"coalesce(NULL, 4)\")]\n        n -> Integer,"),
            vec!["alter column kids.n: default sql = \"coalesce(NULL, 4)\""],
        ),
        (
            "change_primary_key",
            base.clone(),
            base.replace("kids (id)", "kids (id, n)"),
            vec![
                "drop primary key kids (id)",
                "add primary key kids (id, n)",
            ],
        ),
        (
            "drop_and_add_foreign_key",
            base.clone(),
            kids_with("on_delete = cascade", "on_delete = restrict"),
            vec![
                "drop foreign key kids_parent_id_fkey on kids",
                "add foreign key kids_parent_id_fkey on kids (parent_id) -> parents (id)",
            ],
        ),
        (
            "foreign_key_becomes_deferrable",
            base.clone(),
            kids_with("on_delete = cascade", "on_delete = cascade, deferrable = initially_deferred"),
            vec!["alter foreign key kids_parent_id_fkey on kids: DEFERRABLE INITIALLY DEFERRED"],
        ),
        (
            "deferrable_foreign_key_becomes_initially_immediate",
            kids_with("on_delete = cascade", "on_delete = cascade, deferrable = initially_deferred"),
            kids_with("on_delete = cascade", "on_delete = cascade, deferrable = initially_immediate"),
            vec!["alter foreign key kids_parent_id_fkey on kids: DEFERRABLE INITIALLY IMMEDIATE"],
        ),
        (
            // Deferrability and the action change together: dropped and added.
            "deferrable_and_action_change",
            base.clone(),
            kids_with("on_delete = cascade", "on_delete = restrict, deferrable = initially_deferred"),
            vec![
                "drop foreign key kids_parent_id_fkey on kids",
                "add foreign key kids_parent_id_fkey on kids (parent_id) -> parents (id)",
            ],
        ),
        (
            // PostgreSQL cannot ALTER a unique's deferrability: dropped and
            // added; SQLite does not have the table.
            "unique_becomes_deferrable_on_postgres",
            format!("{base}{PG_SLOTS}"),
            format!("{base}{}", PG_SLOTS.replace("#[unique]", "#[unique(deferrable = initially_deferred)]")),
            vec![
                "drop unique constraint slots_code_key on slots",
                "add unique constraint slots_code_key on slots (code)",
            ],
        ),
        (
            "add_unique",
            base.clone(),
            kids_with("label -> Text,", "#[unique]\n        label -> Text,"),
            vec!["add unique constraint kids_label_key on kids (label)"],
        ),
        (
            "drop_unique",
            kids_with("label -> Text,", "#[unique]\n        label -> Text,"),
            base.clone(),
            vec!["drop unique constraint kids_label_key on kids"],
        ),
        (
            "add_check",
            base.clone(),
            kids_with("label -> Text,", "#[check(in(\"a\", \"b\"))]\n        label -> Text,"),
            vec!["add check kids_label_check on kids"],
        ),
        (
            "drop_check",
            kids_with("    kids (id)", "    #[check(sql = \"n >= 0\")]\n    kids (id)"),
            base.clone(),
            vec!["drop check kids_check1 on kids"],
        ),
        (
            "add_partial_and_descending_index",
            base.clone(),
            kids_with(
                "    kids (id)",
                "    #[index(label, n desc, where = \"n > 0\")]\n    kids (id)",
            ),
            vec!["add index kids_label_n_idx (label, n desc) where n > 0 on kids"],
        ),
        (
            "drop_index",
            kids_with("label -> Text,", "#[index(unique)]\n        label -> Text,"),
            base.clone(),
            vec!["drop unique index kids_label_uidx (label) on kids"],
        ),
        (
            "add_backend_only_table",
            base.clone(),
            format!("{base}\ntable! {{\n    #[backend(postgres)]\n    pg_log (id) {{\n        id -> BigInt,\n    }}\n}}\n"),
            vec!["create table pg_log (postgres only) with 1 column"],
        ),
        (
            "drop_backend_only_table",
            format!("{base}\ntable! {{\n    #[backend(sqlite)]\n    lite_log (id) {{\n        id -> BigInt,\n    }}\n}}\n"),
            format!("#![allow_drop(lite_log)]\n{base}"),
            vec!["drop table lite_log"],
        ),
        (
            "add_raw_block",
            base.clone(),
            format!("{base}\nraw_sql! {{\n    #[postgres(up = \"CREATE VIEW kid_names AS SELECT label FROM kids;\", down = \"DROP VIEW kid_names;\")]\n    #[sqlite(up = \"CREATE VIEW kid_names AS SELECT label FROM kids;\", down = \"DROP VIEW kid_names;\")]\n    kid_names;\n}}\n"),
            vec!["add raw SQL block kid_names"],
        ),
        (
            "change_raw_block",
            format!("{base}\nraw_sql! {{\n    #[postgres(up = \"CREATE VIEW v AS SELECT 1 AS x;\", down = \"DROP VIEW v;\")]\n    v;\n}}\n"),
            format!("{base}\nraw_sql! {{\n    #[postgres(up = \"CREATE VIEW v AS SELECT 2 AS x;\", down = \"DROP VIEW v;\")]\n    v;\n}}\n"),
            vec!["drop raw SQL block v", "add raw SQL block v"],
        ),
        (
            "type_change_touches_foreign_keys",
            base.clone(),
            base.replace("id -> BigInt,\n        name", "#[allow_destructive]\n        id -> Integer,\n        name")
                .replace("parent_id -> BigInt", "#[allow_destructive]\n        parent_id -> Integer"),
            vec![
                "drop foreign key kids_parent_id_fkey on kids",
                "alter column parents.id: type BigInt -> Integer",
                "alter column kids.parent_id: type BigInt -> Integer",
                "add foreign key kids_parent_id_fkey on kids (parent_id) -> parents (id)",
            ],
        ),
        (
            "type_change_under_check_and_partial_index",
            kids_with(
                "    kids (id)",
                "    #[check(sql = \"n >= 0\")]\n    #[index(label, where = \"n > 0\")]\n    kids (id)",
            ),
            kids_with(
                "    kids (id)",
                "    #[check(sql = \"n >= 0\")]\n    #[index(label, where = \"n > 0\")]\n    kids (id)",
            )
            .replace("n -> Integer", "n -> BigInt"),
            // The planner drops and re-creates the check and the partial
            // index around the type change.
            vec!["alter column kids.n: type Integer -> BigInt"],
        ),
        (
            "rename_table_and_type_change_under_check",
            kids_with("    kids (id)", "    #[check(sql = \"n >= 0\")]\n    kids (id)"),
            kids_with(
                "    kids (id)",
                "    #[check(sql = \"n >= 0\")]\n    #[renamed_from(kids)]\n    children (id)",
            )
            .replace("n -> Integer", "n -> BigInt"),
            vec![
                "rename table kids to children",
                "alter column children.n: type Integer -> BigInt",
            ],
        ),
        // A table or column renamed in the same migration as a change to
        // one of its checks, indexes, uniques or foreign keys: the renames
        // run first (derived names follow them), then the drop and the add,
        // both under the new names.
        (
            "rename_table_and_change_check",
            kids_with("    kids (id)", "    #[check(sql = \"n >= 0\")]\n    kids (id)"),
            kids_with(
                "    kids (id)",
                "    #[check(sql = \"n >= 1\")]\n    #[renamed_from(kids)]\n    children (id)",
            ),
            vec![
                "rename table kids to children",
                "drop check children_check1 on children",
                "add check children_check1 on children",
            ],
        ),
        (
            // The kept first check's derived name follows the rename (both
            // ways); only the second one is dropped and re-added.
            "rename_table_and_change_second_check",
            kids_with(
                "    kids (id)",
                "    #[check(sql = \"n >= 0\")]\n    #[check(sql = \"label <> ''\")]\n    kids (id)",
            ),
            kids_with(
                "    kids (id)",
                "    #[check(sql = \"n >= 0\")]\n    #[check(sql = \"label <> 'x'\")]\n    #[renamed_from(kids)]\n    children (id)",
            ),
            vec![
                "rename table kids to children",
                "drop check children_check2 on children",
                "add check children_check2 on children",
            ],
        ),
        (
            // The first check changes: the second one keeps its name in the
            // database (`_check2`) although it briefly stands first.
            "rename_table_and_change_first_check",
            kids_with(
                "    kids (id)",
                "    #[check(sql = \"n >= 0\")]\n    #[check(sql = \"label <> ''\")]\n    kids (id)",
            ),
            kids_with(
                "    kids (id)",
                "    #[check(sql = \"n >= 1\")]\n    #[check(sql = \"label <> ''\")]\n    #[renamed_from(kids)]\n    children (id)",
            ),
            vec![
                "rename table kids to children",
                "drop check children_check1 on children",
                "add check children_check1 on children",
            ],
        ),
        (
            "rename_table_and_change_index",
            kids_with("    kids (id)", "    #[index(label, where = \"n > 0\")]\n    kids (id)"),
            kids_with(
                "    kids (id)",
                "    #[index(label, where = \"n > 1\")]\n    #[renamed_from(kids)]\n    children (id)",
            ),
            vec![
                "rename table kids to children",
                "drop index children_label_idx (label) where n > 0 on children",
                "add index children_label_idx (label) where n > 1 on children",
            ],
        ),
        (
            "rename_table_and_change_unique",
            kids_with("label -> Text,", "#[unique]\n        label -> Text,"),
            kids_with(
                "    kids (id)",
                "    #[unique(label, n)]\n    #[renamed_from(kids)]\n    children (id)",
            ),
            vec![
                "rename table kids to children",
                "drop unique constraint children_label_key on children",
                "add unique constraint children_label_n_key on children (label, n)",
            ],
        ),
        (
            "rename_table_and_change_foreign_key_action",
            base.clone(),
            kids_with("on_delete = cascade", "on_delete = restrict")
                .replace("    kids (id) {", "    #[renamed_from(kids)]\n    children (id) {"),
            vec![
                "rename table kids to children",
                "drop foreign key children_parent_id_fkey on children",
                "add foreign key children_parent_id_fkey on children (parent_id) -> parents (id)",
            ],
        ),
        (
            "rename_parent_table_and_change_foreign_key_action",
            base.clone(),
            base.replace("    parents (id) {", "    #[renamed_from(parents)]\n    families (id) {")
                .replace("references(parents.id, on_delete = cascade)", "references(families.id, on_delete = restrict)"),
            vec![
                "rename table parents to families",
                "drop foreign key kids_parent_id_fkey on kids",
                "add foreign key kids_parent_id_fkey on kids (parent_id) -> families (id)",
            ],
        ),
        (
            "rename_column_and_change_foreign_key_on_it",
            base.clone(),
            kids_with(
                "#[references(parents.id, on_delete = cascade)]\n        parent_id -> BigInt,",
                "#[references(parents.id, on_delete = restrict)]\n        #[renamed_from(parent_id)]\n        family_id -> BigInt,",
            ),
            vec![
                "rename column kids.parent_id to family_id",
                "drop foreign key kids_family_id_fkey on kids",
                "add foreign key kids_family_id_fkey on kids (family_id) -> parents (id)",
            ],
        ),
        (
            "rename_column_and_change_check_on_it",
            kids_with("label -> Text,", "#[check(in(\"a\", \"b\"))]\n        label -> Text,"),
            kids_with(
                "label -> Text,",
                "#[check(in(\"a\", \"b\", \"c\"))]\n        #[renamed_from(label)]\n        title -> Text,",
            ),
            vec![
                "rename column kids.label to title",
                "drop check kids_title_check on kids",
                "add check kids_title_check on kids",
            ],
        ),
        (
            "rename_column_and_change_index_on_it",
            kids_with("    kids (id)", "    #[index(label, where = \"n > 0\")]\n    kids (id)"),
            kids_with("    kids (id)", "    #[index(title, where = \"n > 1\")]\n    kids (id)")
                .replace("label -> Text,", "#[renamed_from(label)]\n        title -> Text,"),
            vec![
                "rename column kids.label to title",
                "drop index kids_title_idx (title) where n > 0 on kids",
                "add index kids_title_idx (title) where n > 1 on kids",
            ],
        ),
        (
            // PostgreSQL cannot ALTER a primary key's deferrability: dropped
            // and added; SQLite does not have the table.
            "primary_key_becomes_deferrable_on_postgres",
            format!("{base}{PG_SLOTS}"),
            format!(
                "{base}{}",
                PG_SLOTS.replace("    slots (id)", "    #[primary_key(deferrable = initially_deferred)]\n    slots (id)")
            ),
            vec![
                "drop primary key slots (id)",
                "add primary key slots (id) deferrable initially deferred",
            ],
        ),
        (
            "add_enum_and_column",
            "table! {\n    posts (id) {\n        id -> BigInt,\n        title -> Text,\n    }\n}\n".to_string(),
            "#[db_enum]\nenum Stage { Draft, Live }\n\ntable! {\n    posts (id) {\n        id -> BigInt,\n        title -> Text,\n        #[default(\"Draft\")]\n        stage -> Stage,\n    }\n}\n".to_string(),
            vec![
                "create enum stage (Draft, Live)",
                "add column posts.stage (Stage, default \"Draft\")",
            ],
        ),
        (
            "append_and_insert_enum_labels",
            STAGED.replace("Draft, Live, Archived", "Draft, Live"),
            STAGED.replace("Draft, Live, Archived", "Idea, Draft, Review, Live, Archived"),
            vec![
                "change the labels of enum stage from (Draft, Live) to (Idea, Draft, Review, Live, Archived)",
                "alter column posts.stage: type enum stage gains labels 'Idea', 'Review', 'Archived'",
                "finish the label change of enum stage",
            ],
        ),
        (
            "remove_enum_label",
            STAGED.to_string(),
            STAGED
                .replace("Draft, Live, Archived", "Draft, Live")
                .replace("        stage -> Stage,", "        #[allow_destructive]\n        stage -> Stage,"),
            vec![
                "change the labels of enum stage from (Draft, Live, Archived) to (Draft, Live)",
                "alter column posts.stage: type enum stage loses label 'Archived'",
                "finish the label change of enum stage",
            ],
        ),
        (
            // The default moves to another label: `down` sets the old
            // one, a label that exists all along.
            "stop_using_enum_label",
            STAGED.replace("#[default(\"Draft\")]", "#[default(\"Archived\")]"),
            STAGED.to_string(),
            vec!["alter column posts.stage: default \"Draft\""],
        ),
        (
            // The label is the old default and in an index predicate:
            // PostgreSQL's down replaces the type (ADD VALUE could not be
            // followed by its use in the same transaction).
            "remove_enum_label_in_use",
            STAGED
                .replace("#[default(\"Draft\")]", "#[default(\"Archived\")]")
                .replace("stage = 'Draft'", "stage = 'Archived'"),
            STAGED
                .replace("Draft, Live, Archived", "Draft, Live")
                .replace("        stage -> Stage,", "        #[allow_destructive]\n        stage -> Stage,"),
            vec![
                "change the labels of enum stage from (Draft, Live, Archived) to (Draft, Live)",
                "drop index posts_title_idx (title) where stage = 'Archived' on posts",
                "alter column posts.stage: type enum stage loses label 'Archived', default \"Draft\"",
                "add index posts_title_idx (title) where stage = 'Draft' on posts",
                "finish the label change of enum stage",
            ],
        ),
        (
            // The mirror of `remove_enum_label_in_use`: the new label is
            // the new default and in an index predicate at once, so
            // PostgreSQL's up replaces the type (a label added by ADD
            // VALUE could not be used in the same transaction).
            "add_enum_label_in_use",
            STAGED.replace("Draft, Live, Archived", "Draft, Live"),
            STAGED
                .replace("#[default(\"Draft\")]", "#[default(\"Archived\")]")
                .replace("stage = 'Draft'", "stage = 'Archived'"),
            vec![
                "change the labels of enum stage from (Draft, Live) to (Draft, Live, Archived)",
                "drop index posts_title_idx (title) where stage = 'Draft' on posts",
                "alter column posts.stage: type enum stage gains label 'Archived', default \"Archived\"",
                "add index posts_title_idx (title) where stage = 'Archived' on posts",
                "finish the label change of enum stage",
            ],
        ),
        (
            "type_change_retypes_check_literal",
            STAMPED.to_string(),
            STAMPED.replace("updated_at -> NaiveTimestamp", "updated_at -> Text"),
            vec!["alter column events.updated_at: type NaiveTimestamp -> Text"],
        ),
    ]
}

/// An enum column with a default under a partial index on a label.
const STAGED: &str = "
#[db_enum]
enum Stage { Draft, Live, Archived }

table! {
    #[index(title, where = \"stage = 'Draft'\")]
    posts (id) {
        id -> BigInt,
        title -> Text,
        #[default(\"Draft\")]
        stage -> Stage,
    }
}
";

/// A label added and used by the same migration (a default, an index
/// predicate, the rows of a new NOT NULL column filled with a new first
/// label) cannot be added with `ALTER TYPE … ADD VALUE` (PostgreSQL refuses
/// a label in the transaction that added it): PostgreSQL's `up` replaces
/// the type instead, and says why in a comment. Labels added and not used
/// keep `ADD VALUE` (no table rewrite).
#[test]
fn a_new_label_used_in_the_same_migration_replaces_the_type() {
    let from = schema(&STAGED.replace("Draft, Live, Archived", "Draft, Live"));
    for (to, label, used_by) in [
        (
            STAGED.replace("#[default(\"Draft\")]", "#[default(\"Archived\")]"),
            "Archived",
            "the default of posts.stage",
        ),
        (
            STAGED.replace("stage = 'Draft'", "stage = 'Archived'"),
            "Archived",
            "the predicate of index posts_title_idx",
        ),
        // A new first label fills the rows of a new NOT NULL column.
        (
            STAGED
                .replace("Draft, Live, Archived", "Idea, Draft, Live")
                .replace("        stage -> Stage,", "        stage -> Stage,\n        #[allow_destructive]\n        next_stage -> Stage,"),
            "Idea",
            "the rows of posts.next_stage",
        ),
    ] {
        let ops = diff::diff(&from, &schema(&to)).expect("a label used at once is no error");
        let sql = plan::render(&from, &ops, Backend::Postgres);
        assert!(
            sql.up.contains(&format!("-- Enum stage gains the label \"{label}\", which this migration already uses ({used_by}"))
                && sql.up.contains("ALTER TYPE stage RENAME TO cloacina_old_enum_")
                && sql.up.contains("USING stage::text::stage")
                && sql.up.contains("DROP TYPE cloacina_old_enum_")
                && !sql.up.contains("ADD VALUE"),
            "up replaces the type and says why:\n{}",
            sql.up
        );
    }
    // Labels added at the end, and a new NOT NULL column: the first label
    // is an old one, nothing uses the new one, so ADD VALUE stays.
    let to = STAGED.replace(
        "        stage -> Stage,",
        "        stage -> Stage,\n        #[allow_destructive]\n        next_stage -> Stage,",
    );
    let ops = diff::diff(&from, &schema(&to)).expect("diff");
    let sql = plan::render(&from, &ops, Backend::Postgres);
    assert!(
        sql.up
            .contains("ALTER TYPE stage ADD VALUE 'Archived' AFTER 'Live';")
            && !sql.up.contains("RENAME TO cloacina_old_enum_"),
        "{}",
        sql.up
    );
}

/// The other direction: a label the schema before the migration uses (a
/// default, an index predicate, the rows of a NOT NULL column `down` adds
/// back) may be removed, but then `down` cannot add it back with
/// `ALTER TYPE … ADD VALUE` (PostgreSQL refuses a label in the transaction
/// that added it): PostgreSQL's `down` replaces the type instead, as for
/// any other label change. A removal whose `down` does not use the label
/// keeps `ADD VALUE` (`remove_enum_label`).
#[test]
fn a_removed_label_the_schema_before_uses_is_added_back_by_replacing_the_type() {
    let to = schema(
        &STAGED
            .replace("Draft, Live, Archived", "Draft, Live")
            .replace(
                "        stage -> Stage,",
                "        #[allow_destructive]\n        stage -> Stage,",
            ),
    );
    for from in [
        STAGED.replace("#[default(\"Draft\")]", "#[default(\"Archived\")]"),
        STAGED.replace("stage = 'Draft'", "stage = 'Archived'"),
        // `down` adds `next_stage` back and fills its rows with the first
        // label, which it has just added back.
        STAGED
            .replace("Draft, Live, Archived", "Idea, Draft, Live")
            .replace(
                "        stage -> Stage,",
                "        stage -> Stage,\n        next_stage -> Stage,",
            ),
    ] {
        let from = schema(&from);
        let ops = diff::diff(&from, &to).expect("diff");
        let sql = plan::render(&from, &ops, Backend::Postgres);
        assert!(
            sql.down
                .contains("ALTER TYPE stage RENAME TO cloacina_old_enum_")
                && sql.down.contains("USING stage::text::stage")
                && sql.down.contains("DROP TYPE cloacina_old_enum_")
                && !sql.down.contains("ADD VALUE"),
            "down replaces the type:\n{}",
            sql.down
        );
    }
    let ops = diff::diff(&schema(STAGED), &to).expect("diff");
    let sql = plan::render(&schema(STAGED), &ops, Backend::Postgres);
    assert_eq!(
        sql.down.trim(),
        "ALTER TYPE stage ADD VALUE 'Archived' AFTER 'Live';"
    );
}

#[test]
fn removing_a_label_needs_allow_destructive() {
    let from = STAGED.to_string();
    let to = STAGED.replace("Draft, Live, Archived", "Draft, Live");
    let (a, b) = (schema(&from), schema(&to));
    let ops = diff::diff(&a, &b).expect("diff");
    let (_, allowances, _) = parse::parse_with_allowances(&to);
    let err = guard::check(&ops, &b, &allowances, "case.rs", &to).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("posts.stage") && text.contains("allow_destructive"),
        "{text}"
    );
}

/// A naive timestamp under a check and a partial index whose literal is
/// typed by the column (`'…'::timestamp` on PostgreSQL).
const STAMPED: &str = "
table! {
    #[check(sql = \"updated_at >= '2024-01-01 00:00:00'\")]
    #[index(name, where = \"updated_at >= '2024-01-01 00:00:00'\")]
    events (id) {
        id -> BigInt,
        name -> Text,
        updated_at -> NaiveTimestamp,
    }
}
";

fn render_side_by_side(old: &Schema, ops: &[Operation]) -> String {
    let mut out = plan::operations_comment(ops);
    for backend in Backend::ALL {
        let sql = plan::render(old, ops, backend);
        out.push_str(&format!(
            "\n===== {backend} up.sql =====\n{}\n===== {backend} down.sql =====\n{}",
            sql.up, sql.down
        ));
    }
    out
}

#[test]
fn diff_cases() {
    for (name, from, to, want) in cases() {
        let (a, b) = (schema(&from), schema(&to));
        let ops = diff::diff(&a, &b).unwrap_or_else(|e| panic!("{name}: {e}"));
        let got: Vec<String> = ops.iter().map(ToString::to_string).collect();
        assert_eq!(got, want, "{name}");
        // Applying the plan to `from` gives `to`; the inverse gives `from`.
        let applied = diff::apply_all(&a, &ops);
        assert_eq!(canonical(&applied), canonical(&b), "{name}: apply");
        let back = diff::apply_all(&applied, &diff::invert_all(&ops));
        assert_eq!(canonical(&back), canonical(&a), "{name}: invert");
        // And nothing is left to do.
        assert_eq!(diff::diff(&applied, &b).map(|o| o.len()), Ok(0), "{name}");
        // The guards accept what the case's schema allows.
        let (_, allowances, _) = parse::parse_with_allowances(&to);
        guard::check(&ops, &b, &allowances, "case.rs", &to)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        insta::assert_snapshot!(format!("evolution_{name}"), render_side_by_side(&a, &ops));
    }
}

#[test]
fn diff_of_a_schema_with_itself_is_empty() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid");
    let mut seen = 0;
    for entry in walkdir::WalkDir::new(&dir) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let s = cloacina_codegen::load(entry.path()).unwrap();
        assert_eq!(diff::diff(&s, &s), Ok(vec![]), "{}", entry.path().display());
        // From nothing to the fixture and back.
        let ops = diff::diff(&Schema::default(), &history::strip_intent(&s)).unwrap();
        assert_eq!(
            canonical(&diff::apply_all(&Schema::default(), &ops)),
            canonical(&s),
            "{}",
            entry.path().display()
        );
        // The printed snapshot diffs to nothing as well (the printer may
        // reorder constraints).
        let printed = cloacina_codegen::internals::render::neutral::render(&s, &[]);
        let reparsed = schema(&printed);
        assert_eq!(
            diff::diff(&s, &reparsed),
            Ok(vec![]),
            "{}",
            entry.path().display()
        );
        seen += 1;
    }
    assert!(seen >= 4, "only {seen} fixtures found");
}

#[test]
fn rename_hints_that_match_nothing_are_errors() {
    let base = schema(&with_kids(KIDS));
    let stale_table = schema(&with_kids(&KIDS.replace(
        "    kids (id) {",
        "    #[renamed_from(children)]\n    kids2 (id) {",
    )));
    let err = diff::diff(&base, &stale_table).unwrap_err();
    assert!(
        err.to_string().contains("neither `children` nor `kids2`"),
        "{err}"
    );
    let stale_column = schema(&with_kids(&KIDS.replace(
        "label -> Text,",
        "#[renamed_from(title)]\n        caption -> Text,",
    )));
    let err = diff::diff(&base, &stale_column).unwrap_err();
    assert!(err.to_string().contains("kids.caption"), "{err}");
    // A hint whose rename already happened is satisfied.
    let done = schema(&with_kids(&KIDS.replace(
        "label -> Text,",
        "#[renamed_from(old_label)]\n        label -> Text,",
    )));
    assert_eq!(diff::diff(&base, &done), Ok(vec![]));
}

#[test]
fn drop_and_add_that_look_like_a_rename_warn_with_the_hint() {
    let base = schema(&with_kids(KIDS));
    let renamed = schema(&with_kids(
        &KIDS.replace("label -> Text,", "caption -> Text,"),
    ));
    let changes = diff::changes(&base, &renamed).unwrap();
    assert_eq!(changes.warnings.len(), 1, "{changes:?}");
    assert!(changes.warnings[0].contains("#[renamed_from(label)]"));
    let tables = schema(&with_kids(
        &KIDS.replace("    kids (id)", "    children (id)"),
    ));
    let changes = diff::changes(&base, &tables).unwrap();
    assert!(
        changes
            .warnings
            .iter()
            .any(|w| w.contains("#[renamed_from(kids)]")),
        "{changes:?}"
    );
}

#[test]
fn unsupported_changes_are_errors() {
    let base = schema(&with_kids(KIDS));
    let json = schema(&with_kids(&KIDS.replace("n -> Integer,", "n -> Json,")));
    let err = diff::diff(&base, &json).unwrap_err();
    assert!(err.to_string().contains("from Integer to Json"), "{err}");
    let scoped = schema(
        &with_kids(&KIDS.replace("    kids (id)", "    #[backend(sqlite)]\n    kids (id)"))
            .replace("#[references(parents.id, on_delete = cascade)]", ""),
    );
    let err = diff::diff(
        &schema(&with_kids(
            &KIDS.replace("#[references(parents.id, on_delete = cascade)]", ""),
        )),
        &scoped,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("cannot change its backends"),
        "{err}"
    );
}

#[test]
fn destructive_steps_are_refused_with_the_line_and_attribute() {
    let from = with_kids(KIDS);
    let cases: Vec<(String, &str)> = vec![
        (PARENTS.to_string(), "#![allow_drop(kids)]"),
        (
            with_kids(&KIDS.replace("        label -> Text,\n", "")),
            "#[allow_drop(label)]",
        ),
        (
            with_kids(&KIDS.replace("n -> Integer,", "n -> SmallInt,")),
            "#[allow_destructive]",
        ),
        (
            with_kids(&KIDS.replace("label -> Text,", "label -> Text,\n        flag -> Bool,")),
            "#[allow_destructive]",
        ),
    ];
    for (to, attribute) in cases {
        let (a, b) = (schema(&from), schema(&to));
        let ops = diff::diff(&a, &b).unwrap();
        let (_, allowances, _) = parse::parse_with_allowances(&to);
        let err = guard::check(&ops, &b, &allowances, "schema.rs", &to).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(attribute), "{text}");
        assert!(text.contains("schema.rs:"), "{text}");
    }
    // The column line is named.
    let to = with_kids(&KIDS.replace("n -> Integer,", "n -> SmallInt,"));
    let ops = diff::diff(&schema(&from), &schema(&to)).unwrap();
    let err = guard::check(&ops, &schema(&to), &[], "schema.rs", &to).unwrap_err();
    let line = to
        .lines()
        .position(|l| l.contains("n -> SmallInt"))
        .unwrap()
        + 1;
    assert!(
        err.to_string().contains(&format!("schema.rs:{line}:9")),
        "{err}"
    );
}

// ----- the migrations folder --------------------------------------------------

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "cloacina-history-{tag}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write_next(dir: &Path, src: &str, secs: u64) -> Result<history::Written, HistoryError> {
    let file = SchemaFile::from_source("schema.rs", src)
        .unwrap_or_else(|e| panic!("fixture does not parse:\n{}", e.render()));
    let mut h = history::load(dir)?;
    let pending = history::pending(&h, file.schema())?;
    history::write_migration(
        &mut h,
        &pending,
        &file,
        None,
        &FixedClock(UNIX_EPOCH + Duration::from_secs(secs)),
    )
}

#[test]
fn sqlite_down_of_a_rename_under_an_index_creates_the_index_once() {
    // down.sql of a column rename under an index rebuilds the table on
    // SQLite; the old index in the replayed history (the database before
    // `up`) is the schema's, not a hand-made one to carry back as well.
    let dir = temp_dir("rename-under-index");
    let from = kids_with_index("label");
    write_next(&dir, &from, 1_700_000_000).unwrap();
    let to = kids_with_index("title").replace(
        "label -> Text,",
        "#[renamed_from(label)]\n        title -> Text,",
    );
    let w = write_next(&dir, &to, 1_700_000_060).unwrap();
    let folder = dir.join("sqlite").join(&w.folder);
    let down = std::fs::read_to_string(folder.join("down.sql")).unwrap();
    assert_eq!(
        down.matches("CREATE INDEX kids_label_idx").count(),
        1,
        "{down}"
    );
    let up = std::fs::read_to_string(folder.join("up.sql")).unwrap();
    assert_eq!(up.matches("CREATE INDEX kids_title_idx").count(), 1, "{up}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn kids_with_index(column: &str) -> String {
    with_kids(&KIDS.replace(
        "    kids (id)",
        &format!("    #[index({column}, where = \"n > 0\")]\n    kids (id)"),
    ))
}

#[test]
fn history_writes_paired_versioned_checksummed_migrations() {
    let dir = temp_dir("pairs");
    // First migration: the whole schema.
    let w1 = write_next(&dir, &with_kids(KIDS), 1_700_000_000).unwrap();
    assert_eq!(w1.folder, "20231114221320_initial");
    let up = std::fs::read_to_string(dir.join("postgres").join(&w1.folder).join("up.sql")).unwrap();
    assert!(
        up.contains("-- Operations:\n--   1. create table parents with 2 columns\n"),
        "{up}"
    );
    assert!(
        up.contains(&cloacina_codegen::internals::render::ddl::render_schema(
            &schema(&with_kids(KIDS)),
            Backend::Postgres
        ))
    );
    // Second: a clock behind the last version still gives a later one.
    let next = with_kids(&KIDS.replace(
        "label -> Text,",
        "label -> Text,\n        heartbeat_at -> Nullable<Timestamp>,",
    ));
    let w2 = write_next(&dir, &next, 1_600_000_000).unwrap();
    assert_eq!(w2.folder, "20231114221321_add_kids_heartbeat_at");
    for b in ["postgres", "sqlite"] {
        for f in ["up.sql", "down.sql"] {
            let text = std::fs::read_to_string(dir.join(b).join(&w2.folder).join(f)).unwrap();
            assert!(text.starts_with("-- @generated"), "{text}");
            assert!(text.contains("-- Operations:\n--   1. "), "{text}");
        }
    }
    let snapshot = std::fs::read_to_string(dir.join(history::SNAPSHOT_FILE)).unwrap();
    assert!(snapshot.contains(&w2.folder));
    let h = history::load(&dir).unwrap();
    assert_eq!(h.migrations.len(), 2);
    h.verify().unwrap();
    assert!(history::pending(&h, &schema(&next)).unwrap().is_empty());

    // CRLF checkouts verify; an edit does not, until rehashed.
    let up_path = dir.join("sqlite").join(&w2.folder).join("up.sql");
    let text = std::fs::read_to_string(&up_path).unwrap();
    std::fs::write(&up_path, text.replace('\n', "\r\n")).unwrap();
    history::load(&dir).unwrap().verify().unwrap();
    std::fs::write(&up_path, format!("{text}-- edited\n")).unwrap();
    let err = history::load(&dir).unwrap().verify().unwrap_err();
    assert!(err.to_string().contains("was edited"), "{err}");
    let mut h = history::load(&dir).unwrap();
    h.rehash().unwrap();
    history::load(&dir).unwrap().verify().unwrap();

    // A half-paired migration is an error.
    std::fs::rename(
        dir.join("postgres").join(&w2.folder),
        dir.join(format!("moved_{}", w2.folder)),
    )
    .unwrap();
    let err = history::load(&dir).unwrap_err();
    assert!(matches!(err, HistoryError::HalfPaired { .. }), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hand_written_migrations_are_marked_and_kept() {
    let dir = temp_dir("hand");
    write_next(&dir, &with_kids(KIDS), 1_700_000_000).unwrap();
    let mut h = history::load(&dir).unwrap();
    let hand = history::write_hand_migration(
        &mut h,
        "backfill_labels",
        &FixedClock(UNIX_EPOCH + Duration::from_secs(1_700_000_100)),
    )
    .unwrap();
    let up = dir.join("postgres").join(&hand.folder).join("up.sql");
    let text = std::fs::read_to_string(&up).unwrap();
    std::fs::write(
        &up,
        format!("{text}UPDATE kids SET label = upper(label);\n"),
    )
    .unwrap();
    history::load(&dir).unwrap().rehash().unwrap();
    // A later generated migration keeps it and comes after it.
    let next = with_kids(&KIDS.replace("n -> Integer,", "n -> BigInt,"));
    let w = write_next(&dir, &next, 1_700_000_050).unwrap();
    let h = history::load(&dir).unwrap();
    h.verify().unwrap();
    let folders: Vec<(&str, bool)> = h
        .migrations
        .iter()
        .map(|m| (m.folder.as_str(), m.hand_written))
        .collect();
    assert_eq!(
        folders,
        vec![
            ("20231114221320_initial", false),
            (hand.folder.as_str(), true),
            (w.folder.as_str(), false),
        ]
    );
    assert!(w.folder.as_str() > hand.folder.as_str());
    let integrity = std::fs::read_to_string(dir.join(history::INTEGRITY_FILE)).unwrap();
    assert!(integrity.contains(&format!("hand {}", hand.folder)));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn refused_destructive_step_writes_nothing() {
    let dir = temp_dir("refused");
    write_next(&dir, &with_kids(KIDS), 1_700_000_000).unwrap();
    let err = write_next(&dir, PARENTS, 1_700_000_100).unwrap_err();
    assert!(matches!(err, HistoryError::Refused(_)), "{err}");
    assert_eq!(history::load(&dir).unwrap().migrations.len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}
