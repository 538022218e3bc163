//! Choosing the backend from a connection URL.

use std::fmt;

use crate::error::{Error, Result};

/// The backend a URL selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// PostgreSQL, the server backend.
    Postgres,
    /// SQLite, the embedded default.
    Sqlite,
}

impl Backend {
    /// Which backend `url` selects.
    ///
    /// `postgres://` and `postgresql://` select PostgreSQL; `sqlite://`,
    /// `sqlite::memory:`, `file:`, `:memory:` or a plain path select SQLite.
    ///
    /// # Errors
    ///
    /// [`Error::BadUrl`] for anything else, listing the accepted forms.
    pub fn from_url(url: &str) -> Result<Backend> {
        Target::parse(url).map(|t| t.backend())
    }

    /// The feature / display name.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Postgres => "PostgreSQL",
            Backend::Sqlite => "SQLite",
        })
    }
}

/// A parsed connection target.
#[derive(Clone, PartialEq, Eq)]
pub enum Target {
    /// A PostgreSQL server (the URL as given to libpq).
    Postgres(String),
    /// A private in-memory SQLite database.
    SqliteMemory,
    /// A SQLite database file (a path, or a `file:` URI).
    SqliteFile(String),
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print a password.
        match self {
            Target::Postgres(u) => write!(f, "Postgres({})", redact(u)),
            Target::SqliteMemory => f.write_str("SqliteMemory"),
            Target::SqliteFile(p) => write!(f, "SqliteFile({p:?})"),
        }
    }
}

impl Target {
    /// Parses a connection URL.
    ///
    /// # Errors
    ///
    /// [`Error::BadUrl`] when the URL selects no supported backend.
    pub fn parse(url: &str) -> Result<Target> {
        let bad = |reason: &str| Error::BadUrl {
            url: redact(url),
            reason: reason.to_string(),
        };
        let trimmed = url.trim();
        if trimmed.is_empty() {
            return Err(bad("it is empty"));
        }
        if trimmed == ":memory:" || trimmed == "sqlite::memory:" || trimmed == "sqlite://:memory:" {
            return Ok(Target::SqliteMemory);
        }
        if let Some(rest) = trimmed.strip_prefix("sqlite://") {
            if rest.is_empty() {
                return Err(bad("sqlite:// needs a file path after it"));
            }
            return Ok(Target::SqliteFile(rest.to_string()));
        }
        if let Some(rest) = trimmed.strip_prefix("sqlite:") {
            if rest.is_empty() {
                return Err(bad("sqlite: needs a file path after it"));
            }
            return Ok(Target::SqliteFile(rest.to_string()));
        }
        if trimmed.starts_with("file::memory:")
            || (trimmed.starts_with("file:") && trimmed.contains("mode=memory"))
        {
            // Each connection to an in-memory URI is its own database: treat it
            // like `:memory:` (one pooled connection).
            return Ok(Target::SqliteMemory);
        }
        if trimmed.starts_with("file:") {
            if trimmed.len() == "file:".len() {
                return Err(bad("file: needs a path after it"));
            }
            return Ok(Target::SqliteFile(trimmed.to_string()));
        }
        if trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://") {
            let host = trimmed.split_once("://").map(|x| x.1).unwrap_or("");
            if host.is_empty() {
                return Err(bad("the PostgreSQL URL has no host or database"));
            }
            return Ok(Target::Postgres(trimmed.to_string()));
        }
        if let Some((scheme, _)) = trimmed.split_once("://") {
            return Err(bad(&format!("`{scheme}://` is not a supported backend")));
        }
        // `scheme:rest` that is not a drive letter or a relative path.
        if let Some((scheme, _)) = trimmed.split_once(':') {
            let looks_like_scheme = scheme.len() > 1
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
                && !scheme.contains('/');
            if looks_like_scheme {
                return Err(bad(&format!("`{scheme}:` is not a supported backend")));
            }
        }
        Ok(Target::SqliteFile(trimmed.to_string()))
    }

    /// The backend this target needs.
    pub fn backend(&self) -> Backend {
        match self {
            Target::Postgres(_) => Backend::Postgres,
            Target::SqliteMemory | Target::SqliteFile(_) => Backend::Sqlite,
        }
    }

    /// A description safe for logs and errors (no password).
    pub fn display(&self) -> String {
        match self {
            Target::Postgres(u) => redact(u),
            Target::SqliteMemory => ":memory:".into(),
            Target::SqliteFile(p) => p.clone(),
        }
    }
}

/// `url` with any password replaced by `***`.
pub(crate) fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let mut out = match authority.rfind('@') {
        Some(at) => {
            let creds = &authority[..at];
            let user = creds.split(':').next().unwrap_or("");
            let masked = if creds.contains(':') {
                format!("{user}:***")
            } else {
                user.to_string()
            };
            format!(
                "{}://{}@{}{}",
                &url[..scheme_end],
                masked,
                &authority[at + 1..],
                &rest[authority_end..]
            )
        }
        None => url.to_string(),
    };
    // `?password=...` in the query string.
    if let Some(q) = out.find('?') {
        let (base, query) = out.split_at(q + 1);
        let parts: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_string(),
            })
            .collect();
        out = format!("{base}{}", parts.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_backends() {
        let cases: &[(&str, Option<Target>)] = &[
            (
                "postgres://u:p@localhost/db",
                Some(Target::Postgres("postgres://u:p@localhost/db".into())),
            ),
            (
                "postgresql://localhost:5433/db",
                Some(Target::Postgres("postgresql://localhost:5433/db".into())),
            ),
            (
                "sqlite://data/cloacina.db",
                Some(Target::SqliteFile("data/cloacina.db".into())),
            ),
            (
                "sqlite:///abs/path.db",
                Some(Target::SqliteFile("/abs/path.db".into())),
            ),
            ("sqlite::memory:", Some(Target::SqliteMemory)),
            ("sqlite://:memory:", Some(Target::SqliteMemory)),
            (":memory:", Some(Target::SqliteMemory)),
            (
                "file:data.db?mode=rwc",
                Some(Target::SqliteFile("file:data.db?mode=rwc".into())),
            ),
            (
                "cloacina.db",
                Some(Target::SqliteFile("cloacina.db".into())),
            ),
            (
                "./relative/x.db",
                Some(Target::SqliteFile("./relative/x.db".into())),
            ),
            ("/tmp/x.db", Some(Target::SqliteFile("/tmp/x.db".into()))),
            ("mysql://localhost/db", None),
            ("redis:6379", None),
            ("", None),
            ("   ", None),
            ("sqlite://", None),
            ("postgres://", None),
        ];
        for (url, want) in cases {
            let got = Target::parse(url).ok();
            assert_eq!(&got, want, "{url}");
        }
    }

    #[test]
    fn bad_urls_say_what_is_accepted_and_hide_passwords() {
        let e = Backend::from_url("mysql://root:hunter2@db/x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("postgres://"), "{e}");
        assert!(e.contains("sqlite://"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        assert!(e.contains("root:***@db"), "{e}");
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/d"),
            "postgres://u:***@h:5432/d"
        );
        assert_eq!(redact("postgres://u@h/d"), "postgres://u@h/d");
        assert_eq!(
            redact("postgres://h/d?user=u&password=pw"),
            "postgres://h/d?user=u&password=***"
        );
        assert_eq!(
            format!("{:?}", Target::Postgres("postgres://a:b@c/d".into())),
            "Postgres(postgres://a:***@c/d)"
        );
    }
}
