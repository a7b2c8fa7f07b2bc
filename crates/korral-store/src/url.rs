//! Where the store lives: a SQLite file or a PostgreSQL URL.

use std::path::PathBuf;

use crate::error::{Error, Result};

/// A parsed `--database` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// `sqlite:PATH`, `sqlite://PATH`, a bare path, or `postgres://…` / `postgresql://…`.
    pub(crate) fn parse(url: &str) -> Result<Self> {
        let invalid = |reason: &str| Error::InvalidUrl {
            url: redact(url),
            reason: reason.to_owned(),
        };
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        let path = if let Some(rest) = url.strip_prefix("sqlite://") {
            rest
        } else if let Some(rest) = url.strip_prefix("sqlite:") {
            rest
        } else if url.contains("://") {
            return Err(invalid("only sqlite and postgres databases are supported"));
        } else {
            url
        };
        // Query parameters (`?mode=rwc`, as sqlx URLs carry) are not options here.
        let path = path.split('?').next().unwrap_or_default();
        if path.is_empty() {
            return Err(invalid("the file path is empty"));
        }
        if path == ":memory:" {
            return Err(invalid(
                "an in-memory database would lose its history on exit; give a file",
            ));
        }
        Ok(Self::Sqlite(PathBuf::from(path)))
    }
}

/// The URL with any password replaced by `***` (in `user:password@` and in a
/// `password=` parameter), for messages.
pub(crate) fn redact(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let auth_start = scheme_end + 3;
        let rest = &out[auth_start..];
        let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
        if let Some(at) = rest[..auth_end].rfind('@')
            && let Some(colon) = rest[..at].find(':')
        {
            out.replace_range(auth_start + colon + 1..auth_start + at, "***");
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let query = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                    format!("{key}=***")
                }
                _ => pair.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("&");
        out = format!("{head}{query}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("postgres://app:s3cr%40t@db.example:5432/korral"),
            "postgres://app:***@db.example:5432/korral"
        );
        assert_eq!(
            redact("postgresql://db/korral?user=app&password=hunter2&sslmode=disable"),
            "postgresql://db/korral?user=app&password=***&sslmode=disable"
        );
        assert_eq!(
            redact("postgres://app@db/korral"),
            "postgres://app@db/korral"
        );
    }

    #[test]
    fn locations_parse() {
        assert_eq!(
            Location::parse("sqlite:///var/lib/k.db").unwrap(),
            Location::Sqlite("/var/lib/k.db".into())
        );
        assert_eq!(
            Location::parse("sqlite:k.db?mode=rwc").unwrap(),
            Location::Sqlite("k.db".into())
        );
        assert_eq!(
            Location::parse("data/k.db").unwrap(),
            Location::Sqlite("data/k.db".into())
        );
        assert!(matches!(
            Location::parse("postgresql://u@h/db").unwrap(),
            Location::Postgres(_)
        ));
        let err = Location::parse("mysql://root:pw@h/db")
            .unwrap_err()
            .to_string();
        assert!(err.contains("mysql://root:***@h/db"), "{err}");
        assert!(Location::parse("sqlite::memory:").is_err());
    }
}
