//! What the user asks not to hear about: annotations on objects, a config file with
//! exclusions, and a baseline of known findings.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::finding::{Finding, ObjectRef};
use crate::registry;

/// The annotation that lists rule codes to ignore on an object (`PSB003,HD001`).
pub const IGNORE_ANNOTATION: &str = "korral.io/audit-ignore";
/// The annotation that says why; without it the ignore annotation is not honoured.
pub const REASON_ANNOTATION: &str = "korral.io/audit-ignore-reason";

/// The audit config file (`--config`).
///
/// ```yaml
/// disable: [HD006]                 # rules off everywhere
/// exclude:
///   - rules: [PSB002, PSB005]      # all rules when left out
///     namespaces: [monitoring]     # `*` matches any run of characters
///     kinds: [DaemonSet]
///     names: [node-exporter*]
///     reason: node agents read the host
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Rules turned off everywhere.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Findings not reported, by rule, namespace, kind and name.
    #[serde(default)]
    pub exclude: Vec<Exclusion>,
}

/// One exclusion of the config file: a finding is excluded when it matches every
/// list that is given.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    /// Rule codes.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Namespace patterns.
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// Kinds.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Name patterns.
    #[serde(default)]
    pub names: Vec<String>,
    /// Why; kept for the reader of the file.
    #[serde(default)]
    pub reason: Option<String>,
}

impl Config {
    /// Reads and checks a config file (YAML or JSON).
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|message| Error::Config {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses a config's text; the error says what is wrong and where.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let config: Self = if text.trim().is_empty() {
            Self::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| e.to_string())?
        };
        let codes = config
            .disable
            .iter()
            .chain(config.exclude.iter().flat_map(|e| &e.rules));
        for code in codes {
            if registry::rule(code).is_none() {
                return Err(format!(
                    "unknown rule `{code}`; `korral audit rules` lists them"
                ));
            }
        }
        Ok(config)
    }

    /// Whether a rule is turned off.
    pub fn disabled(&self, code: &str) -> bool {
        self.disable.iter().any(|c| c.eq_ignore_ascii_case(code))
    }

    /// Whether a finding is excluded.
    pub fn excludes(&self, finding: &Finding) -> bool {
        self.exclude.iter().any(|e| e.matches(finding))
    }
}

impl Exclusion {
    fn matches(&self, f: &Finding) -> bool {
        let any = |list: &[String], value: &str, exact: bool| {
            list.is_empty()
                || list.iter().any(|p| {
                    if exact {
                        p.eq_ignore_ascii_case(value)
                    } else {
                        glob(p, value)
                    }
                })
        };
        any(&self.rules, &f.code, true)
            && any(
                &self.namespaces,
                f.object.namespace.as_deref().unwrap_or(""),
                false,
            )
            && any(&self.kinds, &f.object.kind, true)
            && any(&self.names, &f.object.name, false)
    }
}

/// `*` matches any run of characters; everything else matches itself.
pub(crate) fn glob(pattern: &str, value: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == value;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !value.starts_with(first) || !value[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &value[first.len()..value.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Findings known before: a `korral audit -o json` report. Findings are matched by
/// rule, object, field path and file, not by line, so edits elsewhere in a file keep
/// them matched, while a copy of the same object in another file is a new finding.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    known: HashSet<(String, ObjectRef, String, Option<String>)>,
}

#[derive(Deserialize)]
struct BaselineFile {
    findings: Vec<BaselineFinding>,
}

#[derive(Deserialize)]
struct BaselineFinding {
    code: String,
    object: ObjectRef,
    #[serde(default)]
    path: String,
    #[serde(default)]
    file: Option<String>,
}

impl Baseline {
    /// Reads a baseline file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|message| Error::Baseline {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses a baseline's text.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let file: BaselineFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(Self {
            known: file
                .findings
                .into_iter()
                .map(|f| (f.code, f.object, f.path, f.file))
                .collect(),
        })
    }

    /// Whether the finding was known.
    pub fn contains(&self, finding: &Finding) -> bool {
        // Borrowed lookups into a tuple key are not possible; findings are few.
        self.known.contains(&(
            finding.code.clone(),
            finding.object.clone(),
            finding.path.clone(),
            finding.file.clone(),
        ))
    }

    /// How many findings it holds.
    pub fn len(&self) -> usize {
        self.known.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }
}

/// The codes an object's annotations ask to ignore, or why they are not honoured.
pub(crate) enum Ignore {
    None,
    Codes(Vec<String>),
    NoReason,
}

pub(crate) fn ignored(annotations: &std::collections::BTreeMap<String, String>) -> Ignore {
    let Some(list) = annotations.get(IGNORE_ANNOTATION) else {
        return Ignore::None;
    };
    if annotations
        .get(REASON_ANNOTATION)
        .is_none_or(|r| r.trim().is_empty())
    {
        return Ignore::NoReason;
    }
    Ignore::Codes(
        list.split(',')
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_runs() {
        assert!(glob("node-*", "node-exporter"));
        assert!(glob("*", ""));
        assert!(glob("a*c*e", "abcde"));
        assert!(!glob("a*c*e", "abde"));
        assert!(!glob("web", "web-1"));
    }

    #[test]
    fn configs_name_unknown_rules() {
        let err = Config::parse("disable: [NOPE1]").unwrap_err();
        assert!(err.contains("unknown rule `NOPE1`"), "{err}");
        let err = Config::parse("exclude:\n  - rule: PSB003\n").unwrap_err();
        assert!(err.contains("rule"), "{err}");
        assert!(
            Config::parse("disable: [psb003]")
                .unwrap()
                .disabled("PSB003")
        );
    }
}
