use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How much a finding matters, from `info` to `critical`. Ordered: `critical` is the
/// greatest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing to fix now.
    Info,
    /// A weakness with little impact on its own.
    Low,
    /// A weakness an attacker can use together with another.
    Medium,
    /// A direct path to a compromise of the workload or its data.
    High,
    /// A direct path to the node or the whole cluster.
    Critical,
}

impl Severity {
    /// Every severity, least first.
    pub const ALL: [Severity; 5] = [
        Self::Info,
        Self::Low,
        Self::Medium,
        Self::High,
        Self::Critical,
    ];

    /// The name korral prints (`high`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Severity {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| crate::Error::UnknownSeverity(s.to_owned()))
    }
}

/// A standard (or guide) a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Standard {
    /// Kubernetes Pod Security Standards, baseline profile.
    #[serde(rename = "pss-baseline")]
    PssBaseline,
    /// Kubernetes Pod Security Standards, restricted profile (baseline included).
    #[serde(rename = "pss-restricted")]
    PssRestricted,
    /// NSA/CISA Kubernetes Hardening Guide.
    #[serde(rename = "nsa")]
    Nsa,
    /// CIS Kubernetes Benchmark, section 5 (policies).
    #[serde(rename = "cis")]
    Cis,
    /// Operational best practice (reliability, hygiene, upgrades).
    #[serde(rename = "best-practice")]
    BestPractice,
}

impl Standard {
    /// Every standard.
    pub const ALL: [Standard; 5] = [
        Self::PssBaseline,
        Self::PssRestricted,
        Self::Nsa,
        Self::Cis,
        Self::BestPractice,
    ];

    /// The name korral prints and `--standard` takes (`pss-restricted`).
    pub fn name(self) -> &'static str {
        match self {
            Self::PssBaseline => "pss-baseline",
            Self::PssRestricted => "pss-restricted",
            Self::Nsa => "nsa",
            Self::Cis => "cis",
            Self::BestPractice => "best-practice",
        }
    }
}

impl fmt::Display for Standard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Standard {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| crate::Error::UnknownStandard(s.to_owned()))
    }
}

/// The object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectRef {
    /// Kind (`Deployment`).
    pub kind: String,
    /// Namespace; `null` when cluster-scoped.
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{}/{}", self.kind, ns, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

/// One problem found on one object.
///
/// The JSON shape is a public contract:
/// `{"code","severity","object":{"kind","namespace","name"},"file","line","path",
/// "message","fix","standards"}`. `line` is the line of the offending field when it
/// could be found in the file, else the object's first line; `file` is `null` for
/// objects read from a live cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The rule's stable code (`PSB003`).
    pub code: String,
    /// How much it matters.
    pub severity: Severity,
    /// The object.
    pub object: ObjectRef,
    /// The file the object was read from.
    pub file: Option<String>,
    /// 1-based line of the offending field, else of the object; 0 when unknown.
    pub line: u32,
    /// The offending field (`spec.template.spec.containers[0].securityContext.privileged`);
    /// for a field that is missing, where it should be.
    pub path: String,
    /// What is wrong, about this object.
    pub message: String,
    /// How to fix it.
    pub fix: String,
    /// The standards the rule maps to.
    pub standards: Vec<Standard>,
    /// 1-based line of the object's first key; 0 when unknown.
    #[serde(skip)]
    pub object_line: u32,
}

impl Finding {
    /// What identifies a finding across runs, whatever the lines: code, object, path.
    pub fn identity(&self) -> (&str, &ObjectRef, &str) {
        (&self.code, &self.object, &self.path)
    }
}
