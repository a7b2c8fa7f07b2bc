//! `korral audit` end to end: formats, exit codes, stdin, suppression, rules and explain.

use std::path::PathBuf;

use crate::util::{korral, shop, stderr, stdout};

fn mixed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/audit/mixed.yaml")
}

#[test]
fn findings_exit_1_and_the_table_groups_them_by_object() {
    let output = korral()
        .args(["audit", "--standard", "pss-baseline", "-f"])
        .arg(mixed())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("Deployment/shop/web  "), "{text}");
    assert!(text.contains("critical PSB003  line 16"), "{text}");
    assert!(
        text.contains("spec.template.spec.containers[0].securityContext.privileged"),
        "{text}"
    );
    assert!(text.contains("1 finding (1 critical)"), "{text}");
}

#[test]
fn json_is_the_public_contract() {
    let output = korral()
        .args([
            "audit",
            "-o",
            "json",
            "--kube-version",
            "1.25",
            "--fail-on",
            "none",
            "-f",
        ])
        .arg(mixed())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let privileged = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "PSB003")
        .unwrap();
    // serde_json's map sorts keys; the contract is the set of them.
    let keys: Vec<&str> = privileged
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut contract = [
        "code",
        "severity",
        "object",
        "file",
        "line",
        "path",
        "message",
        "fix",
        "standards",
    ];
    contract.sort_unstable();
    assert_eq!(keys, contract);
    assert_eq!(
        privileged["object"],
        serde_json::json!({"kind": "Deployment", "namespace": "shop", "name": "web"})
    );
    assert_eq!(privileged["line"], 16);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "DA002")
    );
    assert!(report["summary"]["total"].as_u64().unwrap() > 5);
}

#[test]
fn stdin_is_read_with_field_lines() {
    let output = korral()
        .args([
            "audit",
            "-o",
            "json",
            "--standard",
            "pss-baseline",
            "-f",
            "-",
        ])
        .write_stdin(std::fs::read_to_string(mixed()).unwrap())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["findings"][0]["file"], "<stdin>");
    assert_eq!(report["findings"][0]["line"], 16);
}

#[test]
fn fail_on_and_min_severity_filter() {
    let output = korral()
        .args([
            "audit",
            "--fail-on",
            "critical",
            "--standard",
            "best-practice",
            "-f",
        ])
        .arg(mixed())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let output = korral()
        .args(["audit", "--min-severity", "critical", "-o", "json", "-f"])
        .arg(mixed())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] == "critical")
    );
}

#[test]
fn bad_input_exits_2_and_names_the_problem() {
    let output = korral()
        .args(["audit", "--kube-version", "soon", "-f"])
        .arg(mixed())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`soon` is not a Kubernetes version"),
        "{}",
        stderr(&output)
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("audit.yaml");
    std::fs::write(&config, "disable: [NOPE9]\n").unwrap();
    let output = korral()
        .args(["audit", "--config"])
        .arg(&config)
        .arg("-f")
        .arg(mixed())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("unknown rule `NOPE9`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_malformed_document_costs_only_itself_and_exits_2() {
    // A missing `---` gives the second document duplicate keys.
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: root, namespace: shop}\n\
spec:\n  hostPID: true\n  containers: [{name: a, image: a:1}]\n---\n\
apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: shop}\n\
apiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: shop}\n";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.yaml");
    std::fs::write(&file, text).unwrap();
    for input in ["file", "stdin"] {
        let mut command = korral();
        command.args(["audit", "-o", "json", "--standard", "pss-baseline", "-f"]);
        if input == "file" {
            command.arg(&file);
        } else {
            command.arg("-").write_stdin(text);
        }
        let output = command.output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{input}: {}",
            stderr(&output)
        );
        let err = stderr(&output);
        let name = if input == "file" {
            "broken.yaml"
        } else {
            "<stdin>"
        };
        assert!(
            err.contains(&format!(
                "{name}:11:1: skipped a malformed document: duplicate mapping key"
            )),
            "{input}: {err}"
        );
        assert!(
            err.contains("1 malformed document or pod spec (named above) could not be judged"),
            "{input}: {err}"
        );
        // The rest is audited all the same.
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(report["findings"][0]["code"], "PSB002", "{input}");
        assert_eq!(report["findings"][0]["line"], 5, "{input}");
    }
}

#[test]
fn a_json_report_is_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let output = korral()
        .args(["audit", "-o", "json", "--fail-on", "none", "--out"])
        .arg(&baseline)
        .arg("-f")
        .arg(mixed())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let output = korral()
        .args(["audit", "--baseline"])
        .arg(&baseline)
        .arg("-f")
        .arg(mixed())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(
        stdout(&output).starts_with("0 findings"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn sarif_and_junit_carry_file_and_line() {
    let output = korral()
        .args(["audit", "-o", "sarif", "--standard", "pss-baseline", "-f"])
        .arg(mixed())
        .output()
        .unwrap();
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert!(
        location["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("mixed.yaml")
    );
    assert_eq!(location["region"]["startLine"], 16);
    let output = korral()
        .args(["audit", "-o", "junit", "--standard", "pss-baseline", "-f"])
        .arg(mixed())
        .output()
        .unwrap();
    let xml = stdout(&output);
    assert!(
        xml.contains("<failure message=\"container `app` runs privileged\""),
        "{xml}"
    );
}

#[test]
fn the_example_cluster_audits() {
    let output = korral()
        .args(["audit", "-o", "json", "--fail-on", "none", "-f"])
        .arg(shop())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(report["summary"]["objects"].as_u64().unwrap() > 10);
}

#[test]
fn rules_and_explain() {
    let output = korral().args(["audit", "rules"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    for code in ["PSB001", "PSR006", "HD013", "NP007", "RB006", "DA002"] {
        assert!(text.contains(code), "{code} missing from:\n{text}");
    }
    let output = korral()
        .args(["audit", "explain", "psr005"])
        .output()
        .unwrap();
    insta::assert_snapshot!("explain_psr005", stdout(&output));
    let output = korral().args(["audit", "explain", "XX1"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unknown rule `XX1`"));
}

#[test]
fn rules_are_chosen_and_skipped_by_code_or_name() {
    let codes = |extra: &[&str]| -> Vec<String> {
        let output = korral()
            .args(["audit", "-o", "json", "--fail-on", "none", "-f"])
            .arg(shop())
            .args(extra)
            .output()
            .unwrap();
        assert!(output.status.success(), "{extra:?}: {}", stderr(&output));
        let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = codes(&[]);
    let count = |list: &[String], code: &str| list.iter().filter(|c| *c == code).count();
    assert!(
        count(&all, "HD006") > 0 && count(&all, "HD002") > 0,
        "{all:?}"
    );

    let only = codes(&["--rule", "HD006,resource-limits"]);
    assert_eq!(only.len(), count(&all, "HD006") + count(&all, "HD002"));
    assert!(
        only.iter().all(|c| c == "HD006" || c == "HD002"),
        "{only:?}"
    );

    let skipped = codes(&["--skip-rule", "hd006"]);
    assert_eq!(count(&skipped, "HD006"), 0);
    assert_eq!(skipped.len(), all.len() - count(&all, "HD006"));

    let output = korral()
        .args(["audit", "--rule", "NOPE", "-f"])
        .arg(shop())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--rule: unknown rule `NOPE`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn empty_input_exits_2_so_a_failed_pipe_fails_ci() {
    let output = korral()
        .args(["audit", "-f", "-"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("no objects read from `-`"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty());

    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("rendered.yaml");
    std::fs::write(&empty, "---\n# helm template failed\n").unwrap();
    let output = korral()
        .args(["audit", "-o", "json", "-f"])
        .arg(&empty)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(
        stderr(&output).contains("no objects read"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn table_columns_stay_aligned_at_five_digit_lines() {
    let mut text = String::from(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: early, namespace: a}\nspec:\n  containers:\n  - name: app\n    securityContext: {privileged: true}\n---\n",
    );
    for _ in 0..12_000 {
        text.push_str("# padding\n");
    }
    text.push_str(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: late, namespace: a}\nspec:\n  containers:\n  - name: app\n    securityContext: {privileged: true}\n",
    );
    let output = korral()
        .args(["audit", "--rule", "PSB003,HD001", "-f", "-"])
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let table = stdout(&output);
    let rows: Vec<&str> = table.lines().filter(|l| l.contains(" line ")).collect();
    assert_eq!(rows.len(), 4, "{table}");
    let columns: Vec<usize> = rows
        .iter()
        .map(|row| row.find("container `app`").unwrap())
        .collect();
    assert!(columns.windows(2).all(|w| w[0] == w[1]), "{table}");
    assert!(table.contains("line 12014 "), "{table}");
}

#[test]
fn text_from_objects_is_escaped_in_the_table() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: \"evil\\e]0;owned\\a\", namespace: a}\nspec:\n  containers:\n  - name: \"app\\e[2J\"\n    securityContext: {privileged: true}\n";
    let output = korral()
        .args(["audit", "--rule", "PSB003", "-f", "-"])
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let table = stdout(&output);
    assert!(
        !table.contains('\u{1b}') && !table.contains('\u{7}'),
        "{table:?}"
    );
    assert!(table.contains("Pod/a/evil\\e]0;owned\\u{7}"), "{table}");
    assert!(table.contains("container `app\\e[2J`"), "{table}");
}

fn ingress_nginx() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/audit/ingress-nginx")
}

/// A repository shaped like a real one (trimmed from ingress-nginx's deploy.yaml): no
/// namespaces, no status, the controller Deployment twice (cloud and bare metal), a Job
/// under the wrong apiVersion, a broken file among good ones.
#[test]
fn a_real_shaped_repository_is_judged_document_by_document() {
    let output = korral()
        .args(["audit", "-o", "json", "-f"])
        .arg(ingress_nginx())
        .output()
        .unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("configmap-broken.yaml:"), "{err}");
    assert!(
        err.contains("Job `ingress-nginx-admission-patch`")
            && err.contains("`apiVersion: batch/v1`"),
        "{err}"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let at = |code: &str, file: &str| -> Vec<u64> {
        findings
            .iter()
            .filter(|f| f["code"] == code && f["file"].as_str().unwrap().ends_with(file))
            .map(|f| f["line"].as_u64().unwrap())
            .collect()
    };
    // The bare-metal copy is shadowed by controller.yaml, and judged all the same.
    assert_eq!(at("PSB002", "controller-hostnetwork.yaml"), [21]);
    assert_eq!(at("PSB006", "controller-hostnetwork.yaml"), [28]);
    assert_eq!(at("PSR002", "controller-hostnetwork.yaml"), [31]);
    assert_eq!(at("PSR002", "/controller.yaml"), [62]);
    // The Job under `apiVersion: v1` is judged as a Job.
    assert_eq!(at("PSB003", "admission-jobs.yaml"), [43]);
    // The ClusterRole lists and watches Secrets everywhere.
    assert_eq!(at("RB003", "rbac.yaml").len(), 1);
    // Nothing about the binding to a bootstrap role.
    assert!(
        !findings
            .iter()
            .any(|f| f["object"]["name"] == "ingress-nginx-auth-reader"),
        "{findings:?}"
    );
    assert_eq!(report["summary"]["objects"], 11);
}
