use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use korral_core::Loader;
use korral_testkit::{ApiServer, ServerOptions};

use crate::util::{korral, stderr, stdout};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/events.yaml")
}

fn reasons(args: &[&str]) -> Vec<String> {
    let output = korral()
        .args(["events", "-o", "json", "-f"])
        .arg(fixture())
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["reason"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn events_are_listed_oldest_first_from_both_apis() {
    assert_eq!(
        reasons(&[]),
        vec!["ScalingReplicaSet", "FailedMount", "Scheduled", "BackOff"]
    );
}

#[test]
fn events_filter_by_type_namespace_and_object() {
    assert_eq!(
        reasons(&["--type", "Warning"]),
        vec!["FailedMount", "BackOff"]
    );
    assert_eq!(reasons(&["-n", "payments"]), vec!["FailedMount"]);
    assert_eq!(
        reasons(&["--for", "po/web-0"]),
        vec!["Scheduled", "BackOff"]
    );
    assert_eq!(
        reasons(&["--for", "deployment/frontend"]),
        vec!["ScalingReplicaSet"]
    );
}

#[test]
fn the_table_has_a_header_and_counts() {
    let output = korral()
        .args(["events", "--type", "Warning", "-f"])
        .arg(fixture())
        .output()
        .unwrap();
    let text = stdout(&output);
    assert!(text.starts_with("LAST SEEN"), "{text}");
    assert!(
        text.contains("Back-off restarting failed container (x4)"),
        "{text}"
    );
}

#[test]
fn watch_prints_new_events_as_they_happen() {
    let set = Loader::new().path(fixture()).load().unwrap();
    let server = ApiServer::spawn(&set, ServerOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    server.write_kubeconfig(dir.path().join("config")).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("korral"))
        .args(["events", "-n", "shop", "--watch", "-o", "json"])
        .env("KUBECONFIG", dir.path().join("config"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The listing comes first, as one pretty JSON array.
    for line in lines.by_ref() {
        if line.unwrap() == "]" {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    server
        .create(serde_json::json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "web-0.3", "namespace": "shop"},
            "type": "Warning", "reason": "Unhealthy", "message": "Readiness probe failed",
            "lastTimestamp": "2026-01-01T10:06:00Z",
            "involvedObject": {"kind": "Pod", "name": "web-0"}
        }))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut printed = Vec::new();
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        let event: serde_json::Value = serde_json::from_str(&line).unwrap();
        printed.push(event["reason"].as_str().unwrap().to_owned());
        if event["reason"] == "Unhealthy" {
            break;
        }
    }
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(printed, vec!["Unhealthy"], "only the new event, once");
}

/// Event text is data from the cluster: in a table it cannot move the cursor, set the
/// window title or draw a line of its own; JSON keeps it exact.
#[test]
fn event_text_reaches_the_terminal_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hostile.json");
    let message = "pulling\u{1b}]0;pwned\u{7}\r\nOK all good\u{1b}[2J";
    let event = serde_json::json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "web-0.9\u{1b}[31m", "namespace": "shop"},
        "type": "Warning", "reason": "Back\roff", "message": message,
        "lastTimestamp": "2026-01-01T10:00:00Z",
        "involvedObject": {"kind": "Pod", "name": "web-0\n"}});
    std::fs::write(&file, event.to_string()).unwrap();
    for args in [&["events"][..], &["status"][..]] {
        let output = korral().args(args).arg("-f").arg(&file).output().unwrap();
        let text = stdout(&output);
        assert!(
            text.contains("WARNING EVENTS") || text.starts_with("LAST SEEN"),
            "{text}"
        );
        assert!(
            !text.contains('\u{1b}') && !text.contains('\r') && !text.contains('\u{7}'),
            "{args:?}: {text:?}"
        );
        assert!(
            !text.lines().any(|l| l.starts_with("OK all good")),
            "{text}"
        );
        assert!(
            text.contains("pulling\\e]0;pwned\\u{7}\\r\\nOK all good\\e[2J"),
            "{text}"
        );
        assert!(text.contains("Back\\roff"), "{text}");
    }
    let output = korral()
        .args(["events", "-o", "json", "-f"])
        .arg(&file)
        .output()
        .unwrap();
    let lines: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(lines[0]["message"], message);
}
