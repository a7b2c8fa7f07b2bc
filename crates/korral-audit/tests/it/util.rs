//! Helpers shared by the tests.

use std::fmt::Write as _;
use std::path::PathBuf;

use korral_audit::Report;

/// `crates/korral-audit/tests/<rest>`.
pub fn tests_dir(rest: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(rest)
}

/// The findings as lines, `CODE severity Kind/ns/name line path: message`, with the
/// file name left out (it is the fixture).
pub fn lines(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "{} {} {} :{} {}: {}",
            f.code, f.severity, f.object, f.line, f.path, f.message
        );
    }
    out
}
