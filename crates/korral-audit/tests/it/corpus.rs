//! The public corpus (`tests/corpus`): korral finds at least what checkov found for its
//! Pod Security checks, object by object. `scripts/compare-checkov --record` runs
//! checkov (from PyPI) and rewrites `tests/corpus/checkov-expected.json`.
//!
//! checkov findings korral does not share carry an `excluded` reason in that file (the
//! corpus README says why each kind of reason is checkov's mistake); the test checks
//! that each reason holds for its object, so an exclusion cannot hide a real miss.

use std::collections::{BTreeMap, BTreeSet};

use korral_audit::{Options, audit};
use korral_core::{Loader, Object, ObjectSet};
use serde::Deserialize;
use serde_json::Value;

use crate::util::tests_dir;

#[derive(Deserialize)]
struct Recorded {
    findings: Vec<Expected>,
}

#[derive(Deserialize)]
struct Expected {
    file: String,
    kind: String,
    namespace: String,
    name: String,
    checkov: String,
    korral: Vec<String>,
    /// Why korral rightly does not report it; see the corpus README.
    #[serde(default)]
    excluded: Option<String>,
}

/// The only exclusion reason: checkov's root-user and seccomp checks fail pod specs
/// that list no containers, where Pod Security Admission checks each container and
/// admits them (and the API server rejects such a pod for want of containers).
const NO_CONTAINERS: &str = "no-containers";

#[test]
fn korral_finds_what_checkov_found() {
    let recorded: Recorded = serde_json::from_str(
        &std::fs::read_to_string(tests_dir("corpus/checkov-expected.json")).unwrap(),
    )
    .unwrap();
    assert!(recorded.findings.len() > 1000, "the record is nearly empty");
    let mut by_file: BTreeMap<&str, Vec<&Expected>> = BTreeMap::new();
    for e in &recorded.findings {
        by_file.entry(&e.file).or_default().push(e);
    }
    let mut misses = Vec::new();
    let mut wrong_exclusions = Vec::new();
    let mut excluded = 0;
    for (file, expected) in by_file {
        // Malformed documents are skipped, as `korral audit` does; checkov skips them too.
        let set = Loader::new()
            .skip_malformed()
            .path(tests_dir(&format!("corpus/{file}")))
            .load()
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let report = audit(&set, &Options::default());
        // checkov says `default` for every object written without a namespace, custom
        // kinds (OpenShift's DeploymentConfig) too, whose scope korral cannot know.
        let found: BTreeSet<(&str, &str, &str, &str)> = report
            .findings
            .iter()
            .map(|f| {
                (
                    f.object.kind.as_str(),
                    f.object.namespace.as_deref().unwrap_or("default"),
                    f.object.name.as_str(),
                    f.code.as_str(),
                )
            })
            .collect();
        for e in expected {
            let shown = format!(
                "{file}: {} {}/{} ({} → {})",
                e.kind,
                e.namespace,
                e.name,
                e.checkov,
                e.korral.join("|")
            );
            if let Some(reason) = &e.excluded {
                excluded += 1;
                if reason != NO_CONTAINERS
                    || !matches!(e.checkov.as_str(), "CKV_K8S_23" | "CKV_K8S_31")
                    || !lists_no_containers(&set, e)
                {
                    wrong_exclusions.push(format!("{shown} excluded as `{reason}`"));
                }
                continue;
            }
            let hit = e
                .korral
                .iter()
                .any(|code| found.contains(&(&*e.kind, &*e.namespace, &*e.name, &**code)));
            if !hit {
                misses.push(shown);
            }
        }
    }
    assert!(
        wrong_exclusions.is_empty(),
        "exclusions whose reason does not hold:\n{}",
        wrong_exclusions.join("\n")
    );
    assert!(
        misses.is_empty(),
        "korral misses {} of checkov's findings:\n{}",
        misses.len(),
        misses.join("\n")
    );
    // The README gives this count; a change in either is a change in the comparison.
    assert_eq!(excluded, 101, "excluded checkov findings");
}

/// Whether the object `e` names has pod specs that list no containers. (Of two objects
/// with one name, korral audits the later, as applying the file would leave it.)
fn lists_no_containers(set: &ObjectSet, e: &Expected) -> bool {
    let object: Option<&Object> = set.objects().iter().find(|o| {
        o.kind() == e.kind
            && o.name() == e.name
            && o.namespace().unwrap_or("default") == e.namespace
    });
    object.is_some_and(|o| {
        let value = o.raw().to_value();
        [
            "/spec/containers",
            "/spec/template/spec/containers",
            "/spec/jobTemplate/spec/template/spec/containers",
        ]
        .iter()
        .all(|at| {
            value
                .pointer(at)
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty)
        })
    })
}
