//! The `check`, `check-parity`, `inspect` and `import` commands of the
//! binary (a module of the binary; not part of the library API).

use std::path::{Path, PathBuf};

use cloacina_codegen::Error;

/// The PostgreSQL server: `--postgres`, else a `postgres://` `DATABASE_URL`.
#[cfg(feature = "live")]
pub fn server_url(given: Option<String>) -> Result<String, Error> {
    if let Some(u) = given {
        return Ok(u);
    }
    match std::env::var("DATABASE_URL") {
        Ok(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => Ok(u),
        _ => Err(Error::Config(
            "no PostgreSQL server: pass --postgres postgres://user@host:port/db or set DATABASE_URL; \
             the command creates a temporary database there (the user needs CREATEDB) and drops it again"
                .into(),
        )),
    }
}

fn write_or_print(output: Option<&Path>, text: &str) -> Result<(), Error> {
    match output {
        Some(p) => std::fs::write(p, text).map_err(|source| Error::Write {
            path: p.to_path_buf(),
            source,
        }),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// Prints a report to stdout: as JSON for tools, else as the readable text.
#[cfg(feature = "live")]
fn emit<R: serde::Serialize>(report: &R, render: impl FnOnce() -> String, json: bool) {
    if json {
        match serde_json::to_string_pretty(report) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("error: the report could not be written as JSON: {e}"),
        }
    } else {
        print!("{}", render());
    }
}

/// `check`.
#[cfg(feature = "live")]
pub fn check(
    schema: &Path,
    migrations: &Path,
    postgres: Option<String>,
    json: bool,
) -> Result<(), Error> {
    let url = server_url(postgres)?;
    let report = cloacina_codegen::check::check(schema, migrations, &url)?;
    emit(&report, || report.render(), json);
    if report.is_clean() {
        Ok(())
    } else {
        let n: usize = report.sections.iter().map(|s| s.findings.len()).sum();
        Err(Error::Parity {
            summary: format!("check failed: {n} difference(s) between the schema file and the replayed migrations, {} row or value finding(s) in the data-carrying replay, or the history is not in sync", report.data.findings.len()),
        })
    }
}

/// `check-parity`.
#[cfg(feature = "live")]
pub fn check_parity(
    pg: &Path,
    lite: &Path,
    postgres: Option<String>,
    json: bool,
) -> Result<(), Error> {
    let url = server_url(postgres)?;
    let report = cloacina_codegen::check::check_parity(pg, lite, &url)?;
    emit(&report, || report.render(), json);
    if report.is_clean() {
        Ok(())
    } else {
        Err(Error::Parity {
            summary: format!(
                "the migration folders diverge: {} difference(s), {} unpaired migration(s), {} row or value finding(s)",
                report.report.differences.len(),
                report.unpaired.len(),
                report.data.findings.len()
            ),
        })
    }
}

/// `inspect`.
#[cfg(feature = "live")]
pub fn inspect(url: &str, output: Option<&Path>) -> Result<(), Error> {
    let mut db = cloacina_codegen::internals::introspect::Database::connect(url)?;
    let intro = db.introspect()?;
    let mut schema = intro.schema.clone();
    cloacina_codegen::internals::normalize::strip_derived_names(&mut schema);
    cloacina_codegen::internals::normalize::neutral_expressions(&mut schema);
    let header_owned = header(
        &format!("inspected from {} ({})", db.target(), db.backend()),
        &intro.notes,
        &intro.objects,
    );
    let header: Vec<&str> = header_owned.iter().map(String::as_str).collect();
    let text = cloacina_codegen::internals::render::neutral::render(&schema, &header);
    for n in &intro.notes {
        eprintln!("note: {}: {}", n.object, n.message);
    }
    write_or_print(output, &text)
}

#[cfg(feature = "live")]
fn header(
    source: &str,
    notes: &[cloacina_codegen::internals::introspect::Note],
    objects: &[cloacina_codegen::internals::introspect::DbObject],
) -> Vec<String> {
    let mut h = vec![format!("Schema {source} by cloacina-codegen.")];
    if !notes.is_empty() {
        h.push(String::new());
        h.push("Read approximately or left out:".into());
        h.extend(
            notes
                .iter()
                .map(|n| format!("  {}: {}", n.object, n.message)),
        );
    }
    if !objects.is_empty() {
        h.push(String::new());
        h.push(
            "Objects the schema language holds only as raw_sql! blocks (not written here):".into(),
        );
        h.extend(objects.iter().map(|o| match &o.table {
            Some(t) => format!("  {} {} on {t}", o.kind, o.name),
            None => format!("  {} {}", o.kind, o.name),
        }));
    }
    h
}

/// `import`.
#[cfg_attr(not(feature = "live"), allow(unused_mut))]
pub fn import(
    path: &Path,
    database: Option<String>,
    output: Option<PathBuf>,
    json: bool,
) -> Result<(), Error> {
    let imported = cloacina_codegen::internals::import::import(path)?;
    let mut schema = imported.schema.clone();
    let mut db_differences: Vec<cloacina_codegen::internals::compare::Difference> = Vec::new();
    let mut db_notes: Vec<String> = Vec::new();
    if let Some(url) = database {
        #[cfg(feature = "live")]
        {
            let mut db = cloacina_codegen::internals::introspect::Database::connect(&url)?;
            let intro = db.introspect()?;
            let (merged, diffs) = cloacina_codegen::internals::import::merge_with_database(
                &imported.schema,
                &intro.schema,
                db.backend(),
            );
            schema = merged;
            cloacina_codegen::internals::normalize::strip_derived_names(&mut schema);
            cloacina_codegen::internals::normalize::neutral_expressions(&mut schema);
            db_differences = diffs;
            db_notes = intro
                .notes
                .iter()
                .map(|n| format!("{}: {}", n.object, n.message))
                .collect();
        }
        #[cfg(not(feature = "live"))]
        {
            let _ = url;
            return Err(Error::Config(
                "--database needs the `live` feature of cloacina-codegen (on by default)".into(),
            ));
        }
    }
    let mut header = vec![format!(
        "Imported from {} by cloacina-codegen.",
        path.display()
    )];
    for n in &imported.notes {
        header.push(format!("note: {}: {}", n.at, n.message));
    }
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let text = cloacina_codegen::internals::render::neutral::render(&schema, &header_refs);
    if json {
        let value = serde_json::json!({
            "schema": text,
            "notes": imported.notes,
            "disagreements": imported.disagreements,
            "database_differences": db_differences,
            "database_notes": db_notes,
        });
        if let Some(p) = &output {
            write_or_print(Some(p), &text)?;
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    } else {
        write_or_print(output.as_deref(), &text)?;
        for n in &imported.notes {
            eprintln!("note: {}: {}", n.at, n.message);
        }
        for n in &db_notes {
            eprintln!("note (database): {n}");
        }
        for d in &imported.disagreements {
            eprintln!(
                "disagreement: table {}: module {} (kept) vs module {}:",
                d.table, d.kept, d.other
            );
            for x in &d.differences {
                eprintln!(
                    "  {:?} {}: {}: {} | {}",
                    x.kind,
                    x.object.as_deref().unwrap_or(""),
                    x.attribute,
                    x.left.as_deref().unwrap_or("(absent)"),
                    x.right.as_deref().unwrap_or("(absent)")
                );
            }
        }
        for x in &db_differences {
            eprintln!(
                "schema.rs vs database: table {}: {:?} {}: {}: schema.rs {} | database {}",
                x.table,
                x.kind,
                x.object.as_deref().unwrap_or(""),
                x.attribute,
                x.left.as_deref().unwrap_or("(absent)"),
                x.right.as_deref().unwrap_or("(absent)")
            );
        }
    }
    if imported.disagreements.is_empty() && db_differences.is_empty() {
        Ok(())
    } else {
        Err(Error::Parity {
            summary: format!(
                "import wrote the schema, but {} table(s) disagree between modules and {} difference(s) with the database need a decision",
                imported.disagreements.len(),
                db_differences.len()
            ),
        })
    }
}
