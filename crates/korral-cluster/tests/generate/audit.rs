//! Dogfood: what `korral generate` writes for the cluster passes `korral audit` with no
//! high or critical finding. Where the generated manifests truly need something the
//! audit flags (the NVIDIA device plugin's hostPath to the kubelet's device-plugins
//! socket), they say so with the audit's ignore annotation and a reason, which this test
//! requires too: nothing is hidden without one.

use korral_audit::{IGNORE_ANNOTATION, Options, REASON_ANNOTATION, Severity, audit};
use korral_core::Loader;

use super::util;

#[test]
fn generated_manifests_pass_the_audit_without_high_or_critical_findings() {
    let mut audited = 0;
    for name in util::TEMPLATES {
        let dir = tempfile::tempdir().unwrap();
        util::write(&util::template(name), dir.path());
        let folders: Vec<_> = ["manifests", "gitops"]
            .iter()
            .map(|folder| dir.path().join(folder))
            .filter(|folder| folder.exists())
            .collect();
        if folders.is_empty() {
            continue;
        }
        let set = Loader::new().paths(folders).load().unwrap();
        audited += set.len();
        let report = audit(&set, &Options::default());
        let serious: Vec<String> = report
            .findings
            .iter()
            .filter(|finding| finding.severity >= Severity::High)
            .map(|finding| {
                format!(
                    "{} {} {}: {}",
                    finding.code, finding.severity, finding.object, finding.message
                )
            })
            .collect();
        assert!(serious.is_empty(), "{name}:\n{}", serious.join("\n"));
        assert!(report.warnings.is_empty(), "{name}: {:?}", report.warnings);
        for object in set.objects() {
            let annotations = object.annotations();
            if annotations.contains_key(IGNORE_ANNOTATION) {
                let reason = annotations.get(REASON_ANNOTATION).map(String::as_str);
                assert!(
                    reason.is_some_and(|reason| reason.len() > 40),
                    "{name}: {} ignores audit findings without saying why",
                    object.name()
                );
            }
        }
    }
    // production_full has a GPU node: the device plugin was among what was audited.
    assert!(audited > 5, "only {audited} objects audited");
}
