use std::path::PathBuf;

use crate::util::{korral, shop, stderr, stdout};

fn sick() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/sick.yaml")
}

#[test]
fn a_healthy_cluster_exits_0() {
    let output = korral()
        .args(["status", "-f"])
        .arg(shop())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("healthy: 3 nodes (0 not ready)"), "{text}");
}

#[test]
fn an_unhealthy_cluster_exits_1_and_says_why() {
    let output = korral()
        .args(["status", "-f"])
        .arg(sick())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("sick_table", stdout(&output));
}

#[test]
fn json_carries_the_whole_report() {
    let output = korral()
        .args(["status", "-o", "json", "-f"])
        .arg(sick())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["healthy"], false);
    assert_eq!(report["pods"][0]["reason"], "CrashLoopBackOff");
    assert_eq!(report["nodes"]["issues"][0]["problems"][0], "NotReady");
}

#[test]
fn bad_durations_are_input_errors() {
    let output = korral()
        .args(["status", "--pending-after", "soon", "-f"])
        .arg(sick())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`soon` is not a duration"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn yaml_is_the_json_document() {
    let json = korral()
        .args(["status", "-o", "json", "-f"])
        .arg(sick())
        .output()
        .unwrap();
    let yaml = korral()
        .args(["status", "-o", "yaml", "-f"])
        .arg(sick())
        .output()
        .unwrap();
    let from_json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let set = korral_core::Loader::load_str(
        "report.yaml",
        &format!(
            "apiVersion: v1\nkind: Report\nmetadata: {{name: r}}\n{}",
            stdout(&yaml)
        ),
    )
    .unwrap();
    let mut from_yaml = set.objects()[0].raw().to_value();
    for key in ["apiVersion", "kind", "metadata"] {
        from_yaml.as_object_mut().unwrap().remove(key);
    }
    assert_eq!(from_yaml, from_json);
}
