//! SARIF, JUnit and the generated rule reference.

use korral_audit::{Options, audit};
use korral_core::Loader;

use crate::util::tests_dir;

fn report() -> korral_audit::Report {
    let set = Loader::new().path(tests_dir("fixtures")).load().unwrap();
    audit(&set, &Options::default())
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tests_dir("sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let report = report();
    assert!(report.findings.len() > 100);
    let log = korral_audit::sarif(&report, "0.1.0");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let result = &log["runs"][0]["results"][0];
    assert!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(
        log["runs"][0]["results"].as_array().unwrap().len(),
        report.findings.len()
    );

    // The validator does reject a broken log.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
}

#[test]
fn junit_has_a_failure_per_finding() {
    let report = report();
    let xml = korral_audit::junit(&report);
    assert!(xml.starts_with("<?xml"));
    assert_eq!(xml.matches("<failure ").count(), report.findings.len());
    assert_eq!(xml.matches("<testsuite ").count(), report.rules.len());
    assert!(
        !xml.contains("hunter2"),
        "secret values must not be printed"
    );
}

#[test]
fn the_rule_reference_in_docs_is_up_to_date() {
    let path = tests_dir("../../../docs/audit-rules.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == korral_audit::reference::markdown(),
        "docs/audit-rules.md is out of date; regenerate it with \
         `cargo run -p korral -- audit rules -o markdown --out docs/audit-rules.md`"
    );
}

#[test]
fn secret_values_never_reach_any_output() {
    let report = report();
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains("DB_PASSWORD"));
    assert!(!json.contains("hunter2"));
}
