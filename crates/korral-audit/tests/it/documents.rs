//! Every document is judged where it stands, and nothing passes unjudged: duplicates
//! across files, built-in kinds under the wrong apiVersion, kinds korral does not know
//! that embed a pod template, pod specs of the wrong shape, documents without a name.

use korral_audit::{Options, Report, audit, audit_rules};
use korral_core::{Loader, ObjectSet};

/// Writes `files` into a temporary folder and loads it as `korral audit -f` does.
fn load(files: &[(&str, &str)]) -> (tempfile::TempDir, ObjectSet) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let set = Loader::new()
        .skip_malformed()
        .path(dir.path())
        .load()
        .unwrap();
    (dir, set)
}

/// Options that know the text of a file read from a string (for field lines).
fn with_text(name: &str, text: &str) -> Options {
    let mut options = Options::default();
    options.texts.insert(name.to_owned(), text.to_owned());
    options
}

fn privileged(report: &Report) -> Vec<(String, u32, String)> {
    report
        .findings
        .iter()
        .filter(|f| f.code == "PSB003")
        .map(|f| {
            let file = f.file.as_deref().unwrap_or_default();
            let file = file.rsplit('/').next().unwrap_or_default().to_owned();
            (file, f.line, f.object.name.clone())
        })
        .collect()
}

const PRIVILEGED_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: bookinfo
spec:
  containers:
  - name: app
    image: app:1.0
    securityContext:
      privileged: true
";

const HARMLESS_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: bookinfo
spec:
  containers:
  - name: app
    image: app:1.0
";

#[test]
fn a_privileged_pod_is_not_hidden_by_a_harmless_one_of_the_same_name() {
    // `bookinfo-dualstack.yaml` sorts before `bookinfo.yaml`: the harmless copy is the
    // set's object, the privileged one a shadowed document.
    let (_dir, set) = load(&[
        ("bookinfo-dualstack.yaml", PRIVILEGED_POD),
        ("bookinfo.yaml", HARMLESS_POD),
    ]);
    assert_eq!(set.len(), 1);
    assert_eq!(set.shadowed().len(), 1);
    let report = audit_rules(&set, &Options::default(), &["PSB003"]).unwrap();
    assert_eq!(
        privileged(&report),
        [(
            "bookinfo-dualstack.yaml".to_owned(),
            10,
            "bookinfo".to_owned()
        )]
    );
    assert_eq!(report.summary.objects, 2, "both documents are audited");
}

#[test]
fn both_copies_are_reported_each_at_its_own_file() {
    let (_dir, set) = load(&[("a.yaml", PRIVILEGED_POD), ("b.yaml", PRIVILEGED_POD)]);
    let report = audit_rules(&set, &Options::default(), &["PSB003"]).unwrap();
    let found = privileged(&report);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].0, "a.yaml");
    assert_eq!(found[1].0, "b.yaml");
    assert_eq!(report.summary.objects_with_findings, 2);
}

#[test]
fn a_deployment_under_apiversion_v1_is_judged_as_a_deployment_with_a_warning() {
    let text = "apiVersion: v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: web:1.0
        securityContext:
          privileged: true
";
    let set = Loader::load_str("web.yaml", text).unwrap();
    let report = audit_rules(&set, &with_text("web.yaml", text), &["PSB003"]).unwrap();
    assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
    assert_eq!(report.findings[0].line, 12);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("web.yaml:1") && w.contains("`apiVersion: apps/v1`")),
        "{:?}",
        report.warnings
    );
}

#[test]
fn unknown_kinds_that_embed_a_pod_template_are_judged() {
    let text = "apiVersion: v1
kind: DeploymentConfig
metadata:
  name: legacy
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: app
        image: app:1.0
        securityContext:
          privileged: true
---
apiVersion: example.com/v1
kind: ScheduledTask
metadata:
  name: nightly
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: task
            image: task:1.0
            securityContext:
              privileged: true
";
    let set = Loader::load_str("crs.yaml", text).unwrap();
    let report = audit_rules(&set, &Options::default(), &["PSB003"]).unwrap();
    let names: Vec<&str> = report
        .findings
        .iter()
        .map(|f| f.object.name.as_str())
        .collect();
    assert_eq!(names, ["legacy", "nightly"]);
    assert_eq!(
        report.findings[1].path,
        "spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged"
    );
}

#[test]
fn pod_specs_of_the_wrong_shape_are_reported_malformed_at_their_line() {
    let text = "apiVersion: v1
kind: Pod
metadata:
  name: listed
spec:
- name: app
  image: app:1.0
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: mapped
spec:
  template:
    spec:
      containers:
        name: app
        image: app:1.0
---
apiVersion: example.com/v1
kind: Worker
metadata:
  name: custom
spec:
  template:
    spec:
      containers:
        app:
          image: app:1.0
";
    let set = Loader::load_str("shapes.yaml", text).unwrap();
    let report = audit(&set, &with_text("shapes.yaml", text));
    assert_eq!(report.malformed.len(), 3, "{:?}", report.malformed);
    assert!(
        report.malformed[0]
            .starts_with("shapes.yaml:5: Pod `listed`: `spec` is a list, not a mapping"),
        "{}",
        report.malformed[0]
    );
    assert!(
        report.malformed[1].starts_with(
            "shapes.yaml:16: Deployment `mapped`: `spec.template.spec.containers` is a mapping, not a list"
        ),
        "{}",
        report.malformed[1]
    );
    assert!(
        report.malformed[2].starts_with(
            "shapes.yaml:27: Worker `custom`: `spec.template.spec.containers` is a mapping, not a list"
        ),
        "{}",
        report.malformed[2]
    );
}

#[test]
fn a_pod_without_a_name_is_judged_at_its_file_and_line() {
    let text = "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
---
apiVersion: v1
kind: Pod
metadata:
  labels: {app: debug}
spec:
  hostPID: true
  containers:
  - name: shell
    image: busybox:1.36
    securityContext:
      privileged: true
";
    let (_dir, set) = load(&[("debug.yaml", text)]);
    assert_eq!(set.len(), 1, "the loader leaves the nameless Pod out");
    let report = audit_rules(&set, &Options::default(), &["PSB002", "PSB003"]).unwrap();
    let found: Vec<(&str, &str, u32)> = report
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.object.name.as_str(), f.line))
        .collect();
    assert_eq!(
        found,
        [("PSB002", "(no name)", 11), ("PSB003", "(no name)", 16)]
    );
    assert!(
        report.findings[0]
            .file
            .as_deref()
            .unwrap()
            .ends_with("debug.yaml")
    );
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("debug.yaml:6") && w.contains("add a name")),
        "{:?}",
        report.warnings
    );
}

#[test]
fn yaml_1_1_booleans_are_read_as_kubectl_sends_them() {
    // kubectl reads YAML 1.1: `privileged: yes` reaches the API server as `true`.
    let text = "apiVersion: v1
kind: Pod
metadata: {name: yes-man}
spec:
  hostNetwork: on
  containers:
  - name: app
    image: app:1.0
    securityContext:
      privileged: yes
      allowPrivilegeEscalation: no
";
    let set = Loader::load_str("yes.yaml", text).unwrap();
    let report = audit_rules(&set, &Options::default(), &["PSB002", "PSB003", "PSR002"]).unwrap();
    let codes: Vec<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["PSB002", "PSB003"], "{:?}", report.findings);
}

#[test]
fn a_baseline_does_not_hide_a_new_copy_in_another_file() {
    let (dir, set) = load(&[("a.yaml", PRIVILEGED_POD)]);
    let first = audit_rules(&set, &Options::default(), &["PSB003"]).unwrap();
    let baseline = korral_audit::Baseline::parse(&serde_json::to_string(&first).unwrap()).unwrap();
    std::fs::write(dir.path().join("b.yaml"), PRIVILEGED_POD).unwrap();
    let set = Loader::new().path(dir.path()).load().unwrap();
    let options = Options {
        baseline: Some(baseline),
        ..Options::default()
    };
    let report = audit_rules(&set, &options, &["PSB003"]).unwrap();
    assert_eq!(report.summary.baselined, 1);
    assert_eq!(
        privileged(&report),
        [("b.yaml".to_owned(), 10, "bookinfo".to_owned())]
    );
}

/// A default-deny policy over a namespace of more pods than the graph draws one edge
/// each for (it folds them) still covers every pod: no NP003 finding.
#[test]
fn a_policy_that_selects_every_pod_of_a_large_namespace_covers_them_all() {
    use std::fmt::Write;
    let mut text = String::from(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: flat}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n",
    );
    for i in 0..(korral_topology::FOLD_EVERY_POD_ABOVE + 50) {
        writeln!(
            text,
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: pod-{i}, namespace: flat, labels: {{app: a{i}}}}}\nspec: {{containers: [{{name: c, image: busybox}}]}}"
        )
        .unwrap();
    }
    let set = Loader::load_str("flat.yaml", &text).unwrap();
    let report = audit(&set, &with_text("flat.yaml", &text));
    let uncovered = report.findings.iter().filter(|f| f.code == "NP003").count();
    assert_eq!(uncovered, 0);

    // Without the policy, every pod is reported: the rule still looks.
    let without = text.split_once("---\n").unwrap().1;
    let set = Loader::load_str("flat.yaml", without).unwrap();
    let report = audit(&set, &with_text("flat.yaml", without));
    let uncovered = report.findings.iter().filter(|f| f.code == "NP003").count();
    assert_eq!(uncovered, korral_topology::FOLD_EVERY_POD_ABOVE + 50);
}
