//! Choosing the backend from a connection string, and keeping its password
//! out of every message.
//!
//! PostgreSQL is selected by a URL (`postgres://`, `postgresql://`) or by a
//! libpq keyword/value string (`host=db user=app password='x y' dbname=c`).
//! Both are parsed here, checked, and handed to libpq as one normalized
//! keyword/value string, so libpq never has to guess where a password with
//! a raw `/`, `@` or `%` ends (its guesses are what used to leak passwords
//! into its error messages). SQLite is selected by `sqlite:`, `file:`,
//! `:memory:`, or a plain path; a string that looks like a connection string
//! is never taken as a path, so no file named after it is ever created.

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
    /// `postgres://`, `postgresql://` and libpq keyword/value strings select
    /// PostgreSQL; `sqlite://`, `sqlite::memory:`, `file:`, `:memory:` or a
    /// plain path select SQLite.
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
    /// A PostgreSQL server.
    Postgres(PgTarget),
    /// A private in-memory SQLite database.
    SqliteMemory,
    /// A SQLite database file (a path, or a `file:` URI).
    SqliteFile(String),
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Postgres(p) => write!(f, "Postgres({p:?})"),
            Target::SqliteMemory => f.write_str("SqliteMemory"),
            Target::SqliteFile(p) => write!(f, "SqliteFile({p:?})"),
        }
    }
}

/// A PostgreSQL connection target: libpq keyword/value pairs, decoded.
///
/// Its `Debug` and [`PgTarget::display`] never show a password.
#[derive(Clone, PartialEq, Eq)]
pub struct PgTarget {
    params: Vec<(String, String)>,
    display: String,
    secrets: Vec<String>,
}

impl fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

impl PgTarget {
    /// The connection string as the user wrote it, password replaced by
    /// `***`.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// The value of a keyword (last one wins, as in libpq). Never returns a
    /// password: `password` and `sslpassword` give `None`.
    pub fn get(&self, key: &str) -> Option<&str> {
        if is_secret_key(key) {
            return None;
        }
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Sets `key` unless the connection string already set it.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) fn set_default(&mut self, key: &str, value: &str) {
        if !self.params.iter().any(|(k, _)| k == key) {
            self.params.push((key.to_string(), value.to_string()));
        }
    }

    /// The keyword/value string handed to libpq (holds the password: never
    /// show it).
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) fn conninfo(&self) -> String {
        let mut out = String::new();
        for (k, v) in &self.params {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(k);
            out.push('=');
            out.push_str(&quote_value(v));
        }
        out
    }

    /// `message` (a driver's words, which may echo the connection string)
    /// with every form of the password replaced by `***`.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) fn scrub(&self, message: &str) -> String {
        scrub_secrets(message, &self.secrets)
    }
}

/// Replaces every secret (longest first, so a secret that contains another
/// is removed whole) with `***`.
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) fn scrub_secrets(message: &str, secrets: &[String]) -> String {
    let mut sorted: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = message.to_string();
    for s in sorted {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), "***");
        }
    }
    out
}

fn quote_value(v: &str) -> String {
    let mut q = String::with_capacity(v.len() + 2);
    q.push('\'');
    for c in v.chars() {
        if c == '\'' || c == '\\' {
            q.push('\\');
        }
        q.push(c);
    }
    q.push('\'');
    q
}

fn is_secret_key(key: &str) -> bool {
    key.eq_ignore_ascii_case("password") || key.eq_ignore_ascii_case("sslpassword")
}

/// libpq's connection keywords (PostgreSQL 17).
const LIBPQ_KEYWORDS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "passfile",
    "require_auth",
    "channel_binding",
    "connect_timeout",
    "client_encoding",
    "options",
    "application_name",
    "fallback_application_name",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "replication",
    "gssencmode",
    "sslmode",
    "sslnegotiation",
    "sslcompression",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcertmode",
    "sslrootcert",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "requirepeer",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "krbsrvname",
    "gsslib",
    "gssdelegation",
    "service",
    "target_session_attrs",
    "load_balance_hosts",
];

fn is_keyword(key: &str) -> bool {
    LIBPQ_KEYWORDS.contains(&key)
}

/// A key worth naming in an error: a plain word that is not part of a
/// password (an unquoted password with a space in it makes its tail look
/// like a key).
fn nameable(key: &str, secrets: &[String]) -> bool {
    key.len() <= 40
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !secrets.iter().any(|s| s.contains(key))
}

impl Target {
    /// Parses a connection string.
    ///
    /// # Errors
    ///
    /// [`Error::BadUrl`] when it selects no supported backend, or is a
    /// malformed PostgreSQL URL or keyword/value string. The error never
    /// holds the password.
    pub fn parse(url: &str) -> Result<Target> {
        let trimmed = url.trim();
        let bad = |reason: String| Error::BadUrl {
            url: redact_unparsed(trimmed),
            reason,
        };
        if trimmed.is_empty() {
            return Err(bad("it is empty".into()));
        }
        if trimmed == ":memory:" || trimmed == "sqlite::memory:" || trimmed == "sqlite://:memory:" {
            return Ok(Target::SqliteMemory);
        }
        if let Some(scheme_end) = trimmed.find("://") {
            let scheme = &trimmed[..scheme_end];
            if scheme.eq_ignore_ascii_case("postgres") || scheme.eq_ignore_ascii_case("postgresql")
            {
                return parse_pg_url(trimmed).map(Target::Postgres);
            }
        }
        if let Some(rest) = trimmed.strip_prefix("sqlite://") {
            if rest.is_empty() {
                return Err(bad("sqlite:// needs a file path after it".into()));
            }
            return Ok(Target::SqliteFile(rest.to_string()));
        }
        if let Some(rest) = trimmed.strip_prefix("sqlite:") {
            if rest.is_empty() {
                return Err(bad("sqlite: needs a file path after it".into()));
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
                return Err(bad("file: needs a path after it".into()));
            }
            return Ok(Target::SqliteFile(trimmed.to_string()));
        }
        if let Some((scheme, _)) = trimmed.split_once("://") {
            let scheme = if scheme.len() <= 20 && !scheme.contains(['@', ':', '=']) {
                format!("`{scheme}://`")
            } else {
                "this scheme".to_string()
            };
            return Err(bad(format!("{scheme} is not a supported backend")));
        }
        match first_keyword_at(trimmed) {
            Some(0) => return parse_keyword_value(trimmed).map(Target::Postgres),
            Some(_) => {
                return Err(bad(
                    "it holds `keyword=` pairs of a libpq connection string, so it is not taken as a SQLite path; write a PostgreSQL connection string as `host=… user=… dbname=…` (every pair `keyword=value`, values with spaces in single quotes)"
                        .into(),
                ))
            }
            None => {}
        }
        // `scheme:rest` that is not a drive letter or a relative path.
        if let Some((scheme, _)) = trimmed.split_once(':') {
            let looks_like_scheme = scheme.len() > 1
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c));
            if looks_like_scheme {
                return Err(bad(format!("`{scheme}:` is not a supported backend")));
            }
        }
        if trimmed.contains('@') {
            return Err(bad(
                "it holds an `@`, as a URL with credentials does, so it is not taken as a SQLite path; write sqlite://PATH for a file whose name has an `@`"
                    .into(),
            ));
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
            Target::Postgres(p) => p.display.clone(),
            Target::SqliteMemory => ":memory:".into(),
            Target::SqliteFile(p) => p.clone(),
        }
    }
}

/// Where the first `keyword=` (a libpq keyword, optionally followed by
/// spaces, then `=`) starts, if it is at a word boundary.
fn first_keyword_at(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if boundary && (bytes[i].is_ascii_alphabetic()) {
            let start = i;
            let mut j = i;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            let word = s[start..j].to_ascii_lowercase();
            let mut k = j;
            while k < bytes.len() && bytes[k].is_ascii_whitespace() {
                k += 1;
            }
            if k < bytes.len() && bytes[k] == b'=' && is_keyword(&word) {
                return Some(start);
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    None
}

/// A shape to show for a string that could not be parsed: everything before
/// the last `@` and everything from a `password` keyword on is hidden.
pub(crate) fn redact_unparsed(s: &str) -> String {
    let mut out = s.to_string();
    let lower = out.to_ascii_lowercase();
    if let Some(p) = lower.find("password") {
        out = format!("{}password=*** …", &out[..p]);
    }
    if let Some(at) = out.rfind('@') {
        let start = out.find("://").map(|i| i + 3).unwrap_or(0);
        if at >= start {
            // The `@` may be inside a query value: show no query after it.
            let tail = &out[at..];
            let tail = match tail.find(['?', '&', '=']) {
                Some(q) => format!("{}…", &tail[..q]),
                None => tail.to_string(),
            };
            out = format!("{}***{tail}", &out[..start]);
        }
    }
    out
}

fn percent_decode(s: &str, what: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = |b: u8| (b as char).to_digit(16);
            let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) else {
                return Err(format!(
                    "the {what} has a `%` that is not followed by two hex digits; write a literal `%` as %25"
                ));
            };
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| format!("the {what} decodes (percent escapes) to bytes that are not UTF-8"))
}

/// Parses `postgres://[user[:password]@][host[:port][,…]][/dbname][?k=v&…]`.
fn parse_pg_url(url: &str) -> Result<PgTarget> {
    let scheme_end = url.find("://").unwrap_or(0);
    let scheme = &url[..scheme_end];
    let rest = &url[scheme_end + 3..];
    // Everything before the last `@` is (or may be) credentials: it is what
    // an error shows as `***` until it is known to be well formed.
    let unsure = || redact_unparsed(url);
    let bad = |display: String, reason: String| Error::BadUrl {
        url: display,
        reason,
    };
    let mut secrets = Vec::new();
    let (userinfo, after) = match rest.rfind('@') {
        Some(at) => {
            let ui = &rest[..at];
            if ui.contains(['/', '?', '@', '#']) {
                return Err(bad(
                    unsure(),
                    "the user:password part before the last `@` holds a raw `/`, `?`, `#` or `@` (or a query value holds a raw `@`); percent-encode them in the password (`/` as %2F, `?` as %3F, `#` as %23, `@` as %40), or use a keyword/value string such as host=… user=… password='…'".into(),
                ));
            }
            (Some(ui), &rest[at + 1..])
        }
        None => (None, rest),
    };
    let mut params: Vec<(String, String)> = Vec::new();
    let mut display = format!("{scheme}://");
    if let Some(ui) = userinfo {
        let (user, password) = match ui.split_once(':') {
            Some((u, p)) => (u, Some(p)),
            None => (ui, None),
        };
        if let Some(p) = password {
            secrets.push(p.to_string());
            let decoded = percent_decode(p, "password").map_err(|r| bad(unsure(), r))?;
            secrets.push(decoded.clone());
            secrets.push(quote_value(&decoded));
            params.push(("password".into(), decoded));
        }
        let user_decoded = percent_decode(user, "user name").map_err(|r| bad(unsure(), r))?;
        if !user_decoded.is_empty() {
            params.push(("user".into(), user_decoded));
        }
        display.push_str(user);
        if password.is_some() {
            display.push_str(":***");
        }
        display.push('@');
    }
    let (before_query, query) = match after.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (after, None),
    };
    let (hostspec, dbname) = match before_query.split_once('/') {
        Some((h, d)) => (h, Some(d)),
        None => (before_query, None),
    };
    // Until the host part is known to be well formed, it may hold a
    // password written without its `@`: errors about it do not show it.
    let hidden_hosts = format!(
        "{display}***{}",
        dbname.map(|d| format!("/{d}")).unwrap_or_default()
    );
    let bad_host = |reason: String| bad(hidden_hosts.clone(), reason);
    display.push_str(before_query);
    let shown = display.clone();
    let bad_shown = |reason: String| bad(shown.clone(), reason);
    if userinfo.is_none()
        && hostspec.is_empty()
        && dbname.is_none_or(str::is_empty)
        && query.is_none()
    {
        return Err(bad_shown(
            "the PostgreSQL URL has no host or database".into(),
        ));
    }
    let mut hosts = Vec::new();
    let mut ports = Vec::new();
    for h in hostspec.split(',').filter(|h| !h.is_empty()) {
        let (host, port) = if let Some(v6) = h.strip_prefix('[') {
            let Some((addr, tail)) = v6.split_once(']') else {
                return Err(bad_host("an IPv6 host in `[` has no closing `]`".into()));
            };
            (addr.to_string(), tail.strip_prefix(':').unwrap_or(""))
        } else {
            match h.rsplit_once(':') {
                Some((host, port)) => (host.to_string(), port),
                None => (h.to_string(), ""),
            }
        };
        if !port.is_empty() && port.parse::<u16>().is_err() {
            return Err(bad_host(
                "a port is not a number from 1 to 65535; if a password was meant, it goes before an `@` (postgres://USER:PASSWORD@HOST:PORT/DB)".into(),
            ));
        }
        hosts.push(percent_decode(&host, "host").map_err(bad_host)?);
        ports.push(port.to_string());
    }
    if !hosts.is_empty() && hosts.iter().any(|h| !h.is_empty()) {
        params.push(("host".into(), hosts.join(",")));
    }
    if ports.iter().any(|p| !p.is_empty()) {
        params.push(("port".into(), ports.join(",")));
    }
    if let Some(db) = dbname.filter(|d| !d.is_empty()) {
        params.push((
            "dbname".into(),
            percent_decode(db, "database name").map_err(bad_shown)?,
        ));
    }
    if let Some(q) = query {
        // Collect the secrets first, so nothing below can echo them.
        let pairs: Vec<Option<(&str, &str)>> = q
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| kv.split_once('='))
            .collect();
        for (k, v) in pairs.iter().flatten() {
            if is_secret_key(k) {
                secrets.push(v.to_string());
                if let Ok(d) = percent_decode(v, "password") {
                    secrets.push(quote_value(&d));
                    secrets.push(d);
                }
            }
        }
        let mut shown_query = Vec::new();
        for pair in &pairs {
            let Some((k, v)) = pair else {
                return Err(bad(
                    format!("{shown}?…"),
                    "a query parameter has no `=`: write them as ?key=value&key=value, and percent-encode `&` in values as %26".into(),
                ));
            };
            let key = percent_decode(k, "query parameter name")
                .map_err(|r| bad(format!("{shown}?…"), r))?;
            let value = percent_decode(
                v,
                if is_secret_key(&key) {
                    "password"
                } else {
                    "query parameter value"
                },
            )
            .map_err(|r| bad(format!("{shown}?…"), r))?;
            let key = if key == "ssl" && value == "true" {
                params.push(("sslmode".into(), "require".into()));
                shown_query.push("ssl=true".to_string());
                continue;
            } else {
                key
            };
            if !is_keyword(&key) {
                let named = if nameable(&key, &secrets) {
                    format!("`{key}` is not")
                } else {
                    "a query parameter name is not".to_string()
                };
                return Err(bad(
                    format!("{shown}?…"),
                    format!("{named} a libpq connection keyword (host, port, dbname, user, password, sslmode, application_name, connect_timeout, options, …)"),
                ));
            }
            if is_secret_key(&key) {
                shown_query.push(format!("{k}=***"));
            } else {
                shown_query.push(format!("{k}={v}"));
            }
            params.push((key, value));
        }
        display.push('?');
        display.push_str(&shown_query.join("&"));
    }
    Ok(PgTarget {
        params,
        display,
        secrets,
    })
}

/// Parses a libpq keyword/value string: `key = value` pairs separated by
/// spaces; a value in single quotes may hold spaces, `\'` and `\\`.
fn parse_keyword_value(s: &str) -> Result<PgTarget> {
    let chars: Vec<char> = s.chars().collect();
    let mut params: Vec<(String, String)> = Vec::new();
    let mut secrets: Vec<String> = Vec::new();
    let mut i = 0;
    let shown = |params: &[(String, String)]| {
        let mut d: Vec<String> = params
            .iter()
            .map(|(k, v)| {
                if is_secret_key(k) {
                    format!("{k}=***")
                } else {
                    format!("{k}={}", display_value(v))
                }
            })
            .collect();
        d.push("…".into());
        d.join(" ")
    };
    // The raw text after `password=`, up to the end, is a secret until the
    // value is known: an error while reading it must not echo any of it.
    loop {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let key_start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '=' {
            i += 1;
        }
        let key: String = chars[key_start..i].iter().collect();
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i >= chars.len() || chars[i] != '=' {
            let named = if nameable(&key, &secrets) {
                format!("`{key}`")
            } else {
                "a key".to_string()
            };
            return Err(Error::BadUrl {
                url: shown(&params),
                reason: format!("{named} has no `=` after it: write keyword/value pairs as key=value, and single-quote values that hold spaces (password='a b')"),
            });
        }
        i += 1;
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < chars.len() && chars[i] == '\'' {
            i += 1;
            let mut closed = false;
            while i < chars.len() {
                match chars[i] {
                    '\\' if i + 1 < chars.len() => {
                        value.push(chars[i + 1]);
                        i += 2;
                    }
                    '\'' => {
                        closed = true;
                        i += 1;
                        break;
                    }
                    c => {
                        value.push(c);
                        i += 1;
                    }
                }
            }
            if !closed {
                return Err(Error::BadUrl {
                    url: shown(&params),
                    reason: "a quoted value has no closing `'`: end it with `'`, and write a `'` inside it as \\'".into(),
                });
            }
        } else {
            while i < chars.len() && !chars[i].is_whitespace() {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    value.push(chars[i + 1]);
                    i += 2;
                } else {
                    value.push(chars[i]);
                    i += 1;
                }
            }
        }
        if is_secret_key(&key) {
            secrets.push(value.clone());
            secrets.push(quote_value(&value));
            // As written, escapes and all.
            secrets.push(value.replace('\\', "\\\\").replace('\'', "\\'"));
        }
        if !is_keyword(&key) {
            let named = if nameable(&key, &secrets) {
                format!("`{key}` is not")
            } else {
                "a key is not".to_string()
            };
            return Err(Error::BadUrl {
                url: shown(&params),
                reason: format!("{named} a libpq connection keyword (host, hostaddr, port, dbname, user, password, sslmode, application_name, connect_timeout, options, …); single-quote values that hold spaces"),
            });
        }
        params.push((key, value));
    }
    let mut display: Vec<String> = params
        .iter()
        .map(|(k, v)| {
            if is_secret_key(k) {
                format!("{k}=***")
            } else {
                format!("{k}={}", display_value(v))
            }
        })
        .collect();
    if display.is_empty() {
        display.push(String::new());
    }
    Ok(PgTarget {
        display: display.join(" "),
        params,
        secrets,
    })
}

fn display_value(v: &str) -> String {
    if v.is_empty() || v.contains(|c: char| c.is_whitespace() || c == '\'' || c == '\\') {
        quote_value(v)
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(s: &str) -> PgTarget {
        match Target::parse(s) {
            Ok(Target::Postgres(p)) => p,
            other => panic!("{s}: expected PostgreSQL, got {other:?}"),
        }
    }

    #[test]
    fn urls_select_backends() {
        let cases: &[(&str, Option<Backend>)] = &[
            ("postgres://u:p@localhost/db", Some(Backend::Postgres)),
            ("postgresql://localhost:5433/db", Some(Backend::Postgres)),
            ("host=localhost dbname=x", Some(Backend::Postgres)),
            ("  user=a password='b c' ", Some(Backend::Postgres)),
            ("sqlite://data/cloacina.db", Some(Backend::Sqlite)),
            ("sqlite:///abs/path.db", Some(Backend::Sqlite)),
            ("sqlite::memory:", Some(Backend::Sqlite)),
            ("sqlite://:memory:", Some(Backend::Sqlite)),
            (":memory:", Some(Backend::Sqlite)),
            ("file:data.db?mode=rwc", Some(Backend::Sqlite)),
            ("cloacina.db", Some(Backend::Sqlite)),
            ("./relative/x.db", Some(Backend::Sqlite)),
            ("/tmp/x.db", Some(Backend::Sqlite)),
            ("/tmp/run-2=x.db", Some(Backend::Sqlite)),
            ("mysql://localhost/db", None),
            ("redis:6379", None),
            ("", None),
            ("   ", None),
            ("sqlite://", None),
            ("postgres://", None),
            // Connection strings are never paths.
            ("./data/dbname=x.db", None),
            ("x host=db", None),
            ("host=db bogus=1", None),
            ("user:pw@host/db", None),
            ("host=db password='unterminated", None),
        ];
        for (url, want) in cases {
            let got = Target::parse(url).ok().map(|t| t.backend());
            assert_eq!(&got, want, "{url}");
        }
        assert_eq!(
            Target::parse("sqlite://data/c.db").ok(),
            Some(Target::SqliteFile("data/c.db".into()))
        );
        assert_eq!(
            Target::parse("/tmp/x.db").ok(),
            Some(Target::SqliteFile("/tmp/x.db".into()))
        );
    }

    #[test]
    fn postgres_urls_become_keyword_value_pairs() {
        let p = pg(
            "postgres://app:s%2Fecret@db.example:6543/cloacina?sslmode=require&application_name=x",
        );
        assert_eq!(p.get("host"), Some("db.example"));
        assert_eq!(p.get("port"), Some("6543"));
        assert_eq!(p.get("user"), Some("app"));
        assert_eq!(p.get("dbname"), Some("cloacina"));
        assert_eq!(p.get("sslmode"), Some("require"));
        assert_eq!(p.get("password"), None, "never handed out");
        assert!(
            p.conninfo().contains("password='s/ecret'"),
            "decoded for libpq"
        );
        assert_eq!(
            p.display(),
            "postgres://app:***@db.example:6543/cloacina?sslmode=require&application_name=x"
        );
        let p = pg("postgresql://[::1]:5432,h2:5433/d");
        assert_eq!(p.get("host"), Some("::1,h2"));
        assert_eq!(p.get("port"), Some("5432,5433"));
        // A raw `:` in the password is fine (the user ends at the first one).
        let p = pg("postgres://u:a:b@h/d");
        assert!(p.conninfo().contains("password='a:b'"));
    }

    #[test]
    fn keyword_value_strings_are_parsed_like_libpq() {
        let p = pg("host=db port = 5433 user=app dbname=c");
        assert_eq!(p.get("port"), Some("5433"));
        // SQL-style doubled quotes are not libpq's escape: refused, not guessed.
        assert!(Target::parse("host=db password='it''s' dbname=c").is_err());
        let p = pg(r"host=db user=app password='a \'b\' \\c d' dbname=c");
        assert_eq!(p.get("host"), Some("db"));
        assert_eq!(p.get("dbname"), Some("c"));
        assert!(p.conninfo().contains(r"password='a \'b\' \\c d'"));
        assert_eq!(p.display(), "host=db user=app password=*** dbname=c");
        let p = pg(r"host=db password=un\ quoted");
        assert!(p.conninfo().contains("password='un quoted'"));
    }

    #[test]
    fn bad_urls_say_what_is_accepted_and_hide_passwords() {
        let e = Backend::from_url("mysql://root:hunter2@db/x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("postgres://"), "{e}");
        assert!(e.contains("sqlite://"), "{e}");
        assert!(e.contains("host="), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
        for bad in [
            "postgres://u:WR/ONGPW@h/d",
            "postgres://u:WR@ONGPW@h/d",
            "postgres://u:WR%zzONGPW@h/d",
            "postgres://u:WRONGPW%@h/d",
            "postgres://h/d?password=WRONGPW%4",
            "postgres://h/d?password=WR&ONGPW",
            "host=h password='WRONGPW",
            "host=h password=WRONG PW=x",
            "host=h password=WRONGPW bogus",
            "user:WRONGPW@h/d",
            "pgsql://u:WRONGPW@h/d",
            "x password=WRONGPW",
            "postgres://h/d?password=@WRONGPW",
            "postgres://h/d?user=u&password=x@WRONGPW&sslmode=require",
            "mysql://h/d?password=@WRONGPW",
            "postgres://user:WRONGPW/d",
            "postgres://user:WRONGPW%zz/d",
        ] {
            let e = Target::parse(bad).expect_err(bad).to_string();
            for piece in ["WRONGPW", "WR/ONGPW", "ONGPW", "WRONG"] {
                assert!(!e.contains(piece), "{bad}: {e}");
            }
        }
    }

    #[test]
    fn redaction() {
        assert_eq!(
            pg("postgres://u:secret@h:5432/d").display(),
            "postgres://u:***@h:5432/d"
        );
        assert_eq!(pg("postgres://u@h/d").display(), "postgres://u@h/d");
        assert_eq!(
            pg("postgres://h/d?user=u&password=pw").display(),
            "postgres://h/d?user=u&password=***"
        );
        assert_eq!(
            format!("{:?}", Target::parse("postgres://a:b@c/d").ok()),
            "Some(Postgres(postgres://a:***@c/d))"
        );
        let p = pg("postgres://u:p%40ss@h/d");
        assert_eq!(
            p.scrub("FATAL: password p@ss and p%40ss and 'p@ss'"),
            "FATAL: password *** and *** and ***"
        );
    }
}
