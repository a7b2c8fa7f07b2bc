//! Each rule on its own fixture, `tests/fixtures/CODE.yaml`: objects named `bad-*` must
//! get at least one finding of the rule, objects named `good-*` none, and no other
//! object may get one. The findings are snapshotted.

use std::collections::BTreeSet;

use korral_audit::{Options, audit_rules, parse_kube_version, rules};
use korral_core::Loader;

use crate::util::{lines, tests_dir};

#[test]
fn every_rule_has_a_fixture_with_bad_and_good_cases() {
    let mut failures = Vec::new();
    for rule in rules() {
        let path = tests_dir(&format!("fixtures/{}.yaml", rule.code));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; every rule needs a fixture", path.display()));
        let set = Loader::load_str(&path.display().to_string(), &text).unwrap();
        let mut options = Options::default();
        if let Some(version) = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# kube-version: "))
        {
            options.kube_version = parse_kube_version(version).unwrap();
        }
        let report = audit_rules(&set, &options, &[rule.code]).unwrap();
        let flagged: BTreeSet<&str> = report
            .findings
            .iter()
            .map(|f| f.object.name.as_str())
            .collect();
        let names: Vec<&str> = set
            .objects()
            .iter()
            .map(korral_core::Object::name)
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("bad-")),
            "{}: no bad-* case",
            rule.code
        );
        assert!(
            names.iter().any(|n| n.starts_with("good-")),
            "{}: no good-* case",
            rule.code
        );
        for name in &names {
            if name.starts_with("bad-") && !flagged.contains(name) {
                failures.push(format!("{}: `{name}` should be reported", rule.code));
            }
        }
        for name in &flagged {
            if !name.starts_with("bad-") {
                failures.push(format!("{}: `{name}` should not be reported", rule.code));
            }
        }
        for f in &report.findings {
            assert_eq!(f.code, rule.code);
            assert!(
                f.file.is_some() && f.line > 0,
                "{}: finding without a line: {f:?}",
                rule.code
            );
        }
        insta::assert_snapshot!(rule.code, lines(&report));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn field_lines_point_at_the_offending_field() {
    let path = tests_dir("fixtures/PSB003.yaml");
    let set = korral_core::Loader::new().path(&path).load().unwrap();
    let report = audit_rules(&set, &Options::default(), &["PSB003"]).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    for f in &report.findings {
        let line = text.lines().nth(f.line as usize - 1).unwrap();
        assert!(
            line.contains("privileged: true"),
            "line {} is `{line}`",
            f.line
        );
        assert!(f.line > f.object_line);
    }
    assert_eq!(
        report.findings[0].path,
        "spec.template.spec.containers[0].securityContext.privileged"
    );
}

#[test]
fn controlled_pods_are_reported_on_their_owner() {
    let text = r#"{"apiVersion":"v1","kind":"List","items":[
{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},
 "spec":{"template":{"spec":{"containers":[{"name":"a","image":"a:1","securityContext":{"privileged":true}}]}}}},
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","namespace":"shop",
 "ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","controller":true}]},
 "spec":{"containers":[{"name":"a","image":"a:1","securityContext":{"privileged":true}}]}},
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"orphan","namespace":"shop",
 "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"gone","controller":true}]},
 "spec":{"containers":[{"name":"a","image":"a:1","securityContext":{"privileged":true}}]}}
]}"#;
    let set = Loader::load_str("dump.json", text).unwrap();
    // The text is not on disk: it is handed over to find the lines of fields in it.
    let mut options = Options::default();
    options
        .texts
        .insert("dump.json".to_owned(), text.to_owned());
    let report = audit_rules(&set, &options, &["PSB003"]).unwrap();
    let names: Vec<&str> = report
        .findings
        .iter()
        .map(|f| f.object.name.as_str())
        .collect();
    assert_eq!(names, ["web", "orphan"]);
    // JSON dumps get field lines too.
    assert_eq!(report.findings[0].line, 3);
}

#[test]
fn standards_and_severity_select_rules() {
    let set = Loader::new()
        .path(tests_dir("fixtures/PSR003.yaml"))
        .load()
        .unwrap();
    let baseline_only = Options {
        standards: vec![korral_audit::Standard::PssBaseline],
        ..Options::default()
    };
    let report = korral_audit::audit(&set, &baseline_only);
    assert!(
        report.findings.iter().all(|f| f.code.starts_with("PSB")),
        "{}",
        lines(&report)
    );
    let high = Options {
        min_severity: korral_audit::Severity::High,
        ..Options::default()
    };
    let report = korral_audit::audit(&set, &high);
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.severity >= korral_audit::Severity::High)
    );
}
