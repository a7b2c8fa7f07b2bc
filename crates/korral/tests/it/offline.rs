//! `topology` and `status` on manifests as repositories hold them: no namespaces
//! (`-n` places them), no status, duplicates across files, a broken file among good
//! ones, kustomizations and Helm charts beside them, empty input.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::util::{korral, stderr, stdout};

/// Argo CD's install.yaml, trimmed (see the fixture's header).
fn argocd() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../korral-topology/tests/it/fixtures/argocd-install.yaml")
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n";

/// A repository: manifests without namespaces, the same Deployment in two files, a
/// broken file, a kustomization, Helm values and a chart folder.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "base/deployment.yaml", WEB);
    write(
        root,
        "base/service.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}}\n",
    );
    write(
        root,
        "base/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [deployment.yaml, service.yaml]\n",
    );
    write(root, "overlays/prod/deployment.yaml", WEB);
    write(
        root,
        "overlays/prod/zbroken.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  labels: {a: [}\n",
    );
    write(
        root,
        "chart/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    );
    write(root, "chart/values.yaml", "replicas: 2\n");
    write(
        root,
        "chart/templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    );
    dir
}

#[test]
fn objects_without_a_namespace_go_to_the_namespace_given_with_n() {
    let output = korral()
        .args(["topology", "-n", "argocd", "-o", "json", "-f"])
        .arg(argocd())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let graph: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let ids: Vec<&str> = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"Deployment.apps/argocd/argocd-server"),
        "{ids:?}"
    );
    assert!(!ids.iter().any(|id| id.contains("/default/")), "{ids:?}");
    let edges = graph["edges"].as_array().unwrap();
    assert!(
        edges
            .iter()
            .any(|e| e["source"] == "Service/argocd/argocd-server"
                && e["target"] == "Deployment.apps/argocd/argocd-server"
                && e["relation"] == "selects"),
        "{edges:?}"
    );
}

#[test]
fn a_namespace_that_holds_nothing_is_a_warning_naming_the_namespaces_there_are() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: ops}\n",
    );
    let output = korral()
        .args(["topology", "-n", "prod", "-f"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains(
            "warning: -n prod matches no object in the input; its namespaces are ops, shop"
        ),
        "{err}"
    );
}

#[test]
fn a_broken_file_does_not_sink_the_folder_for_topology() {
    let repo = repository();
    let output = korral()
        .args(["topology", "-n", "shop", "-f"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("Deployment web"), "the rest is printed: {out}");
    assert!(out.contains("selects    Deployment web"), "{out}");
    let err = stderr(&output);
    assert!(
        err.contains("zbroken.yaml:5:"),
        "named with its position: {err}"
    );
    assert!(err.contains("1 malformed document was skipped"), "{err}");
    assert!(
        err.contains("kustomization.yaml: skipped: a kustomization"),
        "recognised, not broken: {err}"
    );
    assert!(err.contains("-k "), "{err}");
    assert!(err.contains("a Helm chart"), "{err}");
    assert!(err.contains("--helm"), "{err}");
    assert!(
        !err.contains("templates/deployment.yaml"),
        "templates are not read: {err}"
    );
    assert!(!err.contains("apiVersion` is missing"), "{err}");
}

#[test]
fn exclude_leaves_paths_out() {
    let repo = repository();
    let output = korral()
        .args([
            "topology",
            "--exclude",
            "zbroken.yaml",
            "--exclude",
            "overlays/*/deploy*",
        ])
        .args(["-o", "json", "-f"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(!err.contains("zbroken"), "{err}");
    assert!(
        !err.contains("defined twice"),
        "the overlay's copy is out: {err}"
    );
}

#[test]
fn everything_excluded_is_an_input_error() {
    let repo = repository();
    let output = korral()
        .args(["topology", "--exclude", "*.yaml", "-f"])
        .arg(repo.path().join("base"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is excluded; loosen --exclude"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn status_of_manifests_says_not_deployed_and_exits_0() {
    let output = korral()
        .args(["status", "-n", "argocd", "-f"])
        .arg(argocd())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let out = stdout(&output);
    assert!(!out.contains("SHORT OF REPLICAS"), "{out}");
    assert!(out.contains("NOT DEPLOYED"), "{out}");
    assert!(out.contains("argocd-application-controller"), "{out}");
    assert!(
        out.contains("healthy: 0 nodes (0 not ready), 0 workloads (0 short)"),
        "{out}"
    );
    assert!(
        out.contains("4 objects with no status (not deployed"),
        "{out}"
    );
}

#[test]
fn status_judges_each_document_with_its_own_file_and_line_and_exits_2_on_a_broken_one() {
    let repo = repository();
    let output = korral()
        .args(["status", "-o", "json", "-f"])
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["healthy"], true);
    let sources: Vec<String> = report["not_deployed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            o["source"]
                .as_str()
                .unwrap()
                .replace(repo.path().to_str().unwrap(), "")
        })
        .collect();
    assert_eq!(
        sources,
        [
            "/base/deployment.yaml:1",
            "/overlays/prod/deployment.yaml:1"
        ],
        "both copies, each where it stands"
    );
}

#[test]
fn a_recorded_unhealthy_status_still_fails() {
    let mut dump = WEB.replace(
        "metadata: {name: web}",
        "metadata: {name: web, namespace: shop}",
    );
    dump.push_str("status: {readyReplicas: 1}\n");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "dump.yaml", &dump);
    let output = korral()
        .args(["status", "-f"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(stdout(&output).contains("SHORT OF REPLICAS"));
}

#[test]
fn empty_input_exits_2_for_topology_and_status() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "empty.yaml", "");
    for command in ["topology", "status"] {
        let output = korral()
            .args([command, "-f"])
            .arg(dir.path().join("empty.yaml"))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{command}");
        assert!(
            stderr(&output).contains("no objects read"),
            "{}",
            stderr(&output)
        );
        // A failed `helm template … | korral … -f -` reads empty standard input.
        let output = korral()
            .args([command, "-f", "-"])
            .write_stdin("")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{command} on stdin");
        assert!(
            stderr(&output).contains("no objects read from standard input"),
            "{}",
            stderr(&output)
        );
    }
}

/// A folder holding a fake `name` tool that records its arguments in `args.txt` and
/// prints `text`.
fn fake_tool(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n/bin/cat <<'EOF'\n{text}EOF\n",
        dir.path().join("args.txt").display()
    );
    let path = dir.path().join(name);
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

#[test]
fn k_reads_what_kubectl_kustomize_builds() {
    let tool = fake_tool(
        "kubectl",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: built, namespace: prod}\n",
    );
    let output = korral()
        .env("PATH", tool.path())
        .args(["topology", "-o", "json", "-k", "overlays/prod"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("ConfigMap/prod/built"));
    let args = std::fs::read_to_string(tool.path().join("args.txt")).unwrap();
    assert_eq!(args, "kustomize\noverlays/prod\n");
}

#[test]
fn helm_reads_what_helm_template_renders_with_namespace_and_values() {
    let tool = fake_tool(
        "helm",
        "---\n# Source: web/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: rendered}\n",
    );
    let output = korral()
        .env("PATH", tool.path())
        .args(["topology", "-n", "web", "-o", "json", "--helm", "./chart"])
        .args(["--values", "prod.yaml"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("ConfigMap/web/rendered"),
        "{}",
        stdout(&output)
    );
    let args = std::fs::read_to_string(tool.path().join("args.txt")).unwrap();
    assert_eq!(
        args,
        "template\n./chart\n--namespace\nweb\n--values\nprod.yaml\n"
    );
}

#[test]
fn a_missing_tool_is_a_clear_input_error() {
    let empty = tempfile::tempdir().unwrap();
    for (flag, value, tool) in [
        ("-k", "overlays/prod", "kubectl"),
        ("--helm", "./chart", "helm"),
    ] {
        let output = korral()
            .env("PATH", empty.path())
            .args(["topology", flag, value])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        let err = stderr(&output);
        assert!(
            err.contains(&format!(
                "`{tool}` is not installed (not on PATH); install {tool}"
            )),
            "{err}"
        );
    }
}

#[test]
fn a_failing_tool_says_what_it_said() {
    let tool = tempfile::tempdir().unwrap();
    let path = tool.path().join("kubectl");
    std::fs::write(
        &path,
        "#!/bin/sh\necho 'error: no kustomization found' >&2\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let output = korral()
        .env("PATH", tool.path())
        .args(["status", "-k", "nowhere"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("`kubectl kustomize nowhere` failed"), "{err}");
    assert!(err.contains("no kustomization found"), "{err}");
}
