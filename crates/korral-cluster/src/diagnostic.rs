//! What `korral validate` reports: one problem, where it is, and how to fix it.

use std::fmt;

use korral_core::terminal::escape;
use serde::Serialize;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The cluster cannot be built as described; `korral generate` refuses it.
    Error,
    /// Buildable, but probably not what was meant.
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

/// One problem in a cluster.yaml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file as the user named it.
    pub file: String,
    /// 1-based line of the offending field.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The field, as `korral config get` takes it: `spec.nodes[1].address`. Empty for
    /// problems of the whole document (syntax errors).
    pub path: String,
    pub message: String,
    /// What to change.
    pub fix: String,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `cluster.yaml:12:16: error: spec.nodes[1].address: … (fix: …)` on two lines, the
/// values of the file in it escaped (`korral_core::terminal::escape`), so that a control
/// character in cluster.yaml cannot drive the terminal it is printed on:
///
/// ```text
/// cluster.yaml:12:16: error: spec.nodes[1].address: `10.0.0.300` is not an IPv4 or IPv6 address
///   fix: write it like 192.168.1.10 or fd00::10
/// ```
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: ",
            escape(&self.file),
            self.line,
            self.column,
            self.severity.as_str()
        )?;
        if !self.path.is_empty() {
            write!(f, "{}: ", escape(&self.path))?;
        }
        write!(f, "{}", escape(&self.message))?;
        if !self.fix.is_empty() {
            write!(f, "\n  fix: {}", escape(&self.fix))?;
        }
        Ok(())
    }
}
