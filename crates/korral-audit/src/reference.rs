//! The rule reference, generated from the rules' doc blocks: `korral audit explain`
//! and `docs/audit-rules.md`.

use std::fmt::Write;

use crate::registry::RULES;
use crate::rule::Rule;

/// One rule's documentation as plain text.
pub fn explain(rule: &Rule) -> String {
    let standards: Vec<&str> = rule.standards.iter().map(|s| s.name()).collect();
    let example: String = rule.example.lines().fold(String::new(), |mut out, l| {
        out.push_str("    ");
        out.push_str(l);
        out.push('\n');
        out
    });
    format!(
        "{code} {name} ({severity}; {standards})\n\n{summary}\n\nWhy: {why}\n\nExample:\n\n{example}\nFix: {fix}\n",
        code = rule.code,
        name = rule.name,
        severity = rule.severity,
        standards = standards.join(", "),
        summary = rule.summary,
        why = rule.why,
        fix = rule.fix,
    )
}

/// The Markdown page `docs/audit-rules.md`.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Audit rules\n\n\
         <!-- Generated from the rules' doc blocks in crates/korral-audit/src/rules/ by\n\
         `korral audit rules -o markdown`; a test fails when this page is out of date. -->\n\n\
         Every rule `korral audit` runs, by stable code. `korral audit explain CODE` prints\n\
         one of them; [audit.md](audit.md) explains how to run, filter and suppress.\n\n\
         | code | name | severity | standards | checks |\n|---|---|---|---|---|\n",
    );
    for r in RULES {
        let standards: Vec<&str> = r.standards.iter().map(|s| s.name()).collect();
        let _ = writeln!(
            out,
            "| [{code}](#{anchor}) | {name} | {severity} | {standards} | {summary} |",
            code = r.code,
            anchor = r.code.to_ascii_lowercase(),
            name = r.name,
            severity = r.severity,
            standards = standards.join(", "),
            summary = r.summary.replace('|', "\\|"),
        );
    }
    for r in RULES {
        let standards: Vec<&str> = r.standards.iter().map(|s| s.name()).collect();
        let _ = write!(
            out,
            "\n## {code}\n\n**{name}** · severity {severity} · {standards}\n\n{summary}\n\n\
             **Why.** {why}\n\n**Example.**\n\n```yaml\n{example}\n```\n\n**Fix.** {fix}\n",
            code = r.code,
            name = r.name,
            severity = r.severity,
            standards = standards.join(", "),
            summary = r.summary,
            why = r.why,
            example = r.example,
            fix = r.fix,
        );
    }
    out
}
