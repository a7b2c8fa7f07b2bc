//! SARIF 2.1.0, as GitHub code scanning and other tools read it.

use serde_json::{Value, json};

use crate::engine::Report;
use crate::finding::Severity;
use crate::registry::RULES;

/// The SARIF level of a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (a CVSS-like score) of a severity.
fn score(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.5",
    }
}

/// A file name as a relative URI reference (`/` separators, spaces escaped).
fn uri(file: &str) -> String {
    let mut out = String::with_capacity(file.len());
    for c in file.chars() {
        match c {
            '\\' => out.push('/'),
            ' ' => out.push_str("%20"),
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            c => out.push(c),
        }
    }
    out.strip_prefix("./").map(str::to_owned).unwrap_or(out)
}

/// The report as a SARIF 2.1.0 log; `version` is korral's.
pub fn sarif(report: &Report, version: &str) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.why},
                "help": {
                    "text": format!("{}\n\nFix: {}", r.why, r.fix),
                    "markdown": format!("{}\n\n**Example**\n\n```yaml\n{}\n```\n\n**Fix**: {}", r.why, r.example, r.fix),
                },
                "helpUri": format!("https://github.com/korral-dev/korral/blob/main/docs/audit-rules.md#{}", r.code.to_ascii_lowercase()),
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {
                    "tags": r.standards.iter().map(|s| s.name()).chain(["security"]).collect::<Vec<_>>(),
                    "security-severity": score(r.severity),
                    "problem.severity": level(r.severity),
                },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let rule_index = RULES.iter().position(|r| r.code == f.code).unwrap_or(0);
            let mut location = json!({
                "logicalLocations": [{
                    "fullyQualifiedName": f.object.to_string(),
                    "kind": "resource",
                }],
            });
            if let Some(file) = f.file.as_deref().filter(|f| !f.starts_with('<')) {
                location["physicalLocation"] = json!({
                    "artifactLocation": {"uri": uri(file)},
                    "region": {"startLine": f.line.max(1)},
                });
            }
            json!({
                "ruleId": f.code,
                "ruleIndex": rule_index,
                "level": level(f.severity),
                "message": {"text": format!("{}: {}. Fix: {}", f.object, f.message, f.fix)},
                "locations": [location],
                "partialFingerprints": {
                    "korral/v1": format!("{}|{}|{}", f.code, f.object, f.path),
                },
                "properties": {"path": f.path, "severity": f.severity.name()},
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "korral",
                "informationUri": "https://github.com/korral-dev/korral",
                "version": version,
                "rules": rules,
            }},
            "results": results,
        }],
    })
}
