//! JUnit XML: one test suite per rule that ran, one failed test case per finding.

use std::fmt::Write;

use crate::engine::Report;
use crate::registry;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// The report as JUnit XML.
pub fn junit(report: &Report) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total = report.rules.len() + report.findings.len();
    let _ = writeln!(
        out,
        "<testsuites name=\"korral audit\" tests=\"{}\" failures=\"{}\">",
        total.max(1),
        report.findings.len()
    );
    for code in &report.rules {
        let Some(rule) = registry::rule(code) else {
            continue;
        };
        let findings: Vec<_> = report.findings.iter().filter(|f| f.code == *code).collect();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{} {}\" tests=\"{}\" failures=\"{}\">",
            rule.code,
            escape(rule.name),
            findings.len().max(1),
            findings.len()
        );
        if findings.is_empty() {
            let _ = writeln!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\"/>",
                rule.code,
                escape(rule.summary)
            );
        }
        for f in findings {
            let at = match &f.file {
                Some(file) => format!("{file}:{}", f.line),
                None => "live".to_owned(),
            };
            let _ = writeln!(
                out,
                "    <testcase classname=\"{}\" name=\"{} {}\" file=\"{}\" line=\"{}\">",
                rule.code,
                escape(&f.object.to_string()),
                escape(&f.path),
                escape(f.file.as_deref().unwrap_or("")),
                f.line
            );
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"{}\">{} at {}\nfix: {}</failure>",
                escape(&f.message),
                f.severity,
                escape(&f.message),
                escape(&at),
                escape(&f.fix)
            );
            let _ = writeln!(out, "    </testcase>");
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    out.push_str("</testsuites>\n");
    out
}
