//! The `check`, `check-parity`, `inspect` and `import` commands of the
//! binary (a module of the binary; not part of the library API).

use std::path::{Path, PathBuf};

use cloacina_codegen::Error;

/// The PostgreSQL server: `--postgres`, else a `postgres://` `DATABASE_URL`.
#[cfg(feature = "live")]
pub fn server_url(given: Option<String>) -> Result<String, Error> {
    if let Some(u) = given {
        if u.starts_with("postgres://") || u.starts_with("postgresql://") {
            return Ok(u);
        }
        return Err(Error::Config(format!(
            "--postgres takes a PostgreSQL server URL (postgres://user@host:port/db or postgresql://…), not `{}`; \
             the SQLite side needs no server (check-parity makes its own scratch file)",
            cloacina_codegen::internals::introspect::redact(&u)
        )));
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

/// `check --database`.
#[cfg(feature = "live")]
pub fn drift(
    schema: &Path,
    migrations: &Path,
    url: &str,
    postgres: Option<String>,
    accept: Option<&Path>,
    json: bool,
) -> Result<(), Error> {
    let server = match postgres {
        Some(p) => Some(server_url(Some(p))?),
        None => None,
    };
    let baseline = read_baseline(accept)?;
    let mut report = cloacina_codegen::check::drift(schema, migrations, url, server.as_deref())?;
    if let Some(b) = &baseline {
        report.accept(b);
    }
    emit(&report, || report.render(), json);
    if report.is_clean() {
        Ok(())
    } else {
        Err(Error::Parity {
            summary: format!(
                "the database drifted: {} failing difference(s), {} pending and {} unknown applied migration(s)",
                report.summary.failing,
                report.pending.len(),
                report.unknown_applied.len()
            ),
        })
    }
}

/// The `--accept` baseline, when given.
#[cfg(feature = "live")]
fn read_baseline(
    accept: Option<&Path>,
) -> Result<Option<cloacina_codegen::internals::compare::Baseline>, Error> {
    let Some(p) = accept else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(p).map_err(|source| Error::Read {
        path: p.to_path_buf(),
        source,
    })?;
    cloacina_codegen::internals::compare::Baseline::parse(&text)
        .map(Some)
        .map_err(|e| Error::Config(format!("{}: {e}", p.display())))
}

/// `check-parity`.
#[cfg(feature = "live")]
pub fn check_parity(
    pg: &Path,
    lite: &Path,
    postgres: Option<String>,
    accept: Option<&Path>,
    json: bool,
) -> Result<(), Error> {
    let url = server_url(postgres)?;
    let baseline = read_baseline(accept)?;
    let mut report = cloacina_codegen::check::check_parity(pg, lite, &url)?;
    if let Some(b) = &baseline {
        report.accept(b);
    }
    emit(&report, || report.render(), json);
    for a in &report.stale {
        eprintln!(
            "warning: accepted difference no longer occurs (remove it from the baseline): {} {} {} {}",
            a.kind.label(),
            a.table,
            a.object,
            a.attribute
        );
    }
    for a in &report.stale_data {
        eprintln!(
            "warning: accepted data finding no longer occurs (remove it from the baseline): table {}{}{}",
            a.table,
            a.column
                .as_deref()
                .map(|c| format!(" column {c}"))
                .unwrap_or_default(),
            a.migration
                .as_deref()
                .map(|m| format!(" at {m}"))
                .unwrap_or_default()
        );
    }
    if report.is_clean() {
        Ok(())
    } else {
        Err(Error::Parity {
            summary: format!(
                "the migration folders diverge: {} failing difference(s), {} unpaired migration(s), {} row or value finding(s)",
                report.summary.failing,
                report.unpaired.len(),
                report.data.failing()
            ),
        })
    }
}

/// `inspect`.
#[cfg(feature = "live")]
pub fn inspect(url: &str, output: Option<&Path>) -> Result<(), Error> {
    let mut db = cloacina_codegen::internals::introspect::Database::connect(url)?;
    let intro = db.introspect()?;
    let mut inspected = cloacina_codegen::internals::introspect::for_inspect(&intro);
    db.read_timestamps_by_rows(&mut inspected)?;
    let header_owned = header(
        &format!("inspected from {} ({})", db.target(), db.backend()),
        &inspected.notes,
        &inspected.problems,
    );
    let header: Vec<&str> = header_owned.iter().map(String::as_str).collect();
    let text = cloacina_codegen::internals::render::neutral::render(&inspected.schema, &header);
    for n in &inspected.notes {
        eprintln!("note: {}: {}", n.object, n.message);
    }
    write_or_print(output, &text)?;
    if inspected.problems.is_empty() {
        Ok(())
    } else {
        for p in &inspected.problems {
            eprintln!("cannot express: {p}");
        }
        Err(Error::Parity {
            summary: format!(
                "inspect wrote the schema, but {} thing(s) in the database cannot be expressed in it (listed above); the file does not describe the database",
                inspected.problems.len()
            ),
        })
    }
}

#[cfg(feature = "live")]
fn header(
    source: &str,
    notes: &[cloacina_codegen::internals::introspect::Note],
    problems: &[String],
) -> Vec<String> {
    let mut h = vec![format!("Schema {source} by cloacina-codegen.")];
    if !notes.is_empty() {
        h.push(String::new());
        h.push("Read approximately, carried as backend-scoped raw SQL, or left out:".into());
        h.extend(
            notes
                .iter()
                .map(|n| format!("  {}: {}", n.object, n.message)),
        );
    }
    if !problems.is_empty() {
        h.push(String::new());
        h.push("NOT EXPRESSED (inspect failed):".into());
        h.extend(problems.iter().map(|p| format!("  {p}")));
    }
    h
}

/// `import`.
#[cfg_attr(not(feature = "live"), allow(unused_mut))]
pub fn import(
    path: &Path,
    databases: Vec<String>,
    output: Option<PathBuf>,
    json: bool,
) -> Result<(), Error> {
    use cloacina_codegen::internals::import::{ImportNote, NoteKind};
    let imported = cloacina_codegen::internals::import::import(path)?;
    let mut schema = imported.schema.clone();
    let mut notes: Vec<ImportNote> = imported.notes.clone();
    // (database, differences): the first database's version is kept.
    let mut db_reports: Vec<(
        String,
        Vec<cloacina_codegen::internals::compare::Difference>,
    )> = Vec::new();
    let mut db_notes: Vec<String> = Vec::new();
    if databases.is_empty() {
        notes.push(ImportNote {
            at: path.display().to_string(),
            kind: NoteKind::Unknown,
            message: "schema.rs holds no defaults, foreign keys (nor their ON DELETE/ON UPDATE), unique constraints, checks or indexes: the written schema has none. Pass --database (PostgreSQL, SQLite, or one of each) to read them".into(),
        });
    }
    #[cfg(feature = "live")]
    {
        let mut first: Option<cloacina_codegen::internals::import::Merged> = None;
        for url in &databases {
            let mut db = cloacina_codegen::internals::introspect::Database::connect(url)?;
            let intro = db.introspect()?;
            let merged = cloacina_codegen::internals::import::merge_with_database(
                &imported,
                &intro.schema,
                db.backend(),
            );
            db_notes.extend(intro.notes.iter().map(|n| {
                format!(
                    "{} ({}): {}: {}",
                    db.target(),
                    db.backend(),
                    n.object,
                    n.message
                )
            }));
            db_reports.push((
                format!("{} ({})", db.target(), db.backend()),
                merged.differences.clone(),
            ));
            if first.is_none() {
                first = Some(merged);
            }
        }
        if let Some(m) = first {
            schema = m.schema;
            cloacina_codegen::internals::normalize::strip_derived_names(&mut schema);
            cloacina_codegen::internals::normalize::neutral_expressions(&mut schema);
            notes = m.notes;
        }
    }
    #[cfg(not(feature = "live"))]
    if !databases.is_empty() {
        return Err(Error::Config(
            "--database needs the `live` feature of cloacina-codegen (on by default)".into(),
        ));
    }
    let mut header = vec![format!(
        "Imported from {} by cloacina-codegen.",
        path.display()
    )];
    for n in &notes {
        header.push(format!("{} {}: {}", n.kind.label(), n.at, n.message));
    }
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let text = cloacina_codegen::internals::render::neutral::render(&schema, &header_refs);
    let db_differences: usize = db_reports.iter().map(|(_, d)| d.len()).sum();
    let left_out = notes.iter().filter(|n| n.kind == NoteKind::LeftOut).count();
    if json {
        let value = serde_json::json!({
            "schema": text,
            "notes": notes,
            "disagreements": imported.disagreements,
            "joins": imported.joins,
            "databases": db_reports.iter().map(|(db, d)| serde_json::json!({
                "database": db,
                "resolution": "where schema.rs and the database differ, the first --database's definition was kept",
                "differences": d,
            })).collect::<Vec<_>>(),
            "database_differences": db_reports.first().map(|(_, d)| d.clone()).unwrap_or_default(),
            "database_notes": db_notes,
        });
        if let Some(p) = &output {
            write_or_print(Some(p), &text)?;
        }
        match serde_json::to_string_pretty(&value) {
            Ok(t) => println!("{t}"),
            Err(e) => eprintln!("error: the report could not be written as JSON: {e}"),
        }
    } else {
        write_or_print(output.as_deref(), &text)?;
        for n in &notes {
            eprintln!("{}: {}: {}", n.kind.label(), n.at, n.message);
        }
        for n in &db_notes {
            eprintln!("note (database): {n}");
        }
        for d in &imported.disagreements {
            eprintln!(
                "disagreement: table {} ({}): {}:",
                d.table, d.at, d.resolution
            );
            for x in &d.differences {
                let x_d = &x.difference;
                eprintln!(
                    "  module {}: {:?} {}: {}: kept {} | {}",
                    x.module,
                    x_d.kind,
                    x_d.object.as_deref().unwrap_or(""),
                    x_d.attribute,
                    x_d.left.as_deref().unwrap_or("(absent)"),
                    x_d.right.as_deref().unwrap_or("(absent)")
                );
            }
        }
        for (i, (db, diffs)) in db_reports.iter().enumerate() {
            let mut tables: Vec<&str> = diffs.iter().map(|d| d.table.as_str()).collect();
            tables.dedup();
            for t in tables {
                eprintln!(
                    "schema.rs vs database {db}: table {t}: {}:",
                    if i == 0 {
                        "the database's definition was kept"
                    } else {
                        "reported only; the first --database's definition was kept"
                    }
                );
                for x in diffs.iter().filter(|d| d.table == t) {
                    eprintln!(
                        "  {:?} {}: {}: schema.rs {} | database {}",
                        x.kind,
                        x.object.as_deref().unwrap_or(""),
                        x.attribute,
                        x.left.as_deref().unwrap_or("(absent)"),
                        x.right.as_deref().unwrap_or("(absent)")
                    );
                }
            }
        }
    }
    if imported.disagreements.is_empty() && db_differences == 0 && left_out == 0 {
        Ok(())
    } else {
        Err(Error::Parity {
            summary: format!(
                "import wrote the schema, but {} table(s) disagree between modules, {} difference(s) with the database(s) and {} construct(s) left out need a decision (see the report)",
                imported.disagreements.len(),
                db_differences,
                left_out
            ),
        })
    }
}
