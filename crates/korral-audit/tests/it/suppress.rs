//! Annotations, config exclusions and baselines.

use korral_audit::{Baseline, Config, Options, audit};
use korral_core::Loader;

const WORKLOADS: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: ignored
  namespace: shop
  annotations:
    korral.io/audit-ignore: PSB003, HD007
    korral.io/audit-ignore-reason: the node agent needs it
spec:
  containers:
  - name: a
    image: a:1
    securityContext: {privileged: true}
---
apiVersion: v1
kind: Pod
metadata:
  name: no-reason
  namespace: shop
  annotations:
    korral.io/audit-ignore: PSB003
spec:
  containers:
  - name: a
    image: a:1
    securityContext: {privileged: true}
---
apiVersion: v1
kind: Pod
metadata: {name: agent-1, namespace: monitoring}
spec:
  containers:
  - name: a
    image: a:1
    securityContext: {privileged: true}
";

fn codes(report: &korral_audit::Report, name: &str) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.object.name == name)
        .map(|f| f.code.clone())
        .collect()
}

#[test]
fn annotations_with_a_reason_suppress_their_codes() {
    let set = Loader::load_str("w.yaml", WORKLOADS).unwrap();
    let report = audit(&set, &Options::default());
    let ignored = codes(&report, "ignored");
    assert!(!ignored.contains(&"PSB003".to_owned()));
    assert!(!ignored.contains(&"HD007".to_owned()));
    assert!(ignored.contains(&"HD005".to_owned()) || ignored.contains(&"HD006".to_owned()));
    // Without a reason the annotation is not honoured, and the user is told.
    assert!(codes(&report, "no-reason").contains(&"PSB003".to_owned()));
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(report.warnings[0].contains("korral.io/audit-ignore-reason"));
    assert_eq!(report.summary.suppressed, 2);
}

#[test]
fn config_disables_rules_and_excludes_findings() {
    let set = Loader::load_str("w.yaml", WORKLOADS).unwrap();
    let config = Config::parse(
        "disable: [HD006]\nexclude:\n  - rules: [PSB003]\n    namespaces: [monitor*]\n    names: [agent-*]\n    reason: node agent\n",
    )
    .unwrap();
    let report = audit(
        &set,
        &Options {
            config,
            ..Options::default()
        },
    );
    assert!(report.findings.iter().all(|f| f.code != "HD006"));
    let agent = codes(&report, "agent-1");
    assert!(!agent.contains(&"PSB003".to_owned()));
    assert!(agent.contains(&"PSR005".to_owned()));
    assert!(codes(&report, "no-reason").contains(&"PSB003".to_owned()));
}

#[test]
fn a_baseline_hides_known_findings_only() {
    let set = Loader::load_str("w.yaml", WORKLOADS).unwrap();
    let first = audit(&set, &Options::default());
    let json = serde_json::to_string(&first).unwrap();
    let baseline = Baseline::parse(&json).unwrap();
    let again = audit(
        &set,
        &Options {
            baseline: Some(baseline.clone()),
            ..Options::default()
        },
    );
    assert!(again.findings.is_empty());
    assert_eq!(again.summary.baselined, first.findings.len());

    // A new finding is reported; moving lines does not matter.
    let changed = format!("\n\n{}", WORKLOADS.replace("image: a:1\n    securityContext: {privileged: true}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: agent-1", "image: a:1\n    securityContext: {privileged: true}\n    ports: [{containerPort: 80, hostPort: 80}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: agent-1"));
    let set = Loader::load_str("w.yaml", &changed).unwrap();
    let report = audit(
        &set,
        &Options {
            baseline: Some(baseline),
            ..Options::default()
        },
    );
    let new: Vec<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(new, ["PSB006"]);
    assert!(Baseline::parse("{\"nope\": 1}").is_err());
}
