use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use korral_core::Loader;
use korral_testkit::{ApiServer, ServerOptions};

use crate::util::{korral, shop, stderr, stdout};

const A: &str = "frontend-6crnsrns6f-cvfnj";
const B: &str = "frontend-6crnsrns6f-vz9bp";

fn serve() -> (ApiServer, tempfile::TempDir) {
    let set = Loader::new().path(shop()).load().unwrap();
    let server = ApiServer::spawn(&set, ServerOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    server.write_kubeconfig(dir.path().join("config")).unwrap();
    server.append_log("shop", A, "frontend", "GET / 200");
    server.append_log("shop", A, "frontend", "GET /cart 500 error");
    server.append_log("shop", B, "frontend", "GET /health 200");
    (server, dir)
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

#[test]
fn a_deployment_gives_the_logs_of_all_its_pods_prefixed() {
    let (_server, dir) = serve();
    let output = korral()
        .env("KUBECONFIG", dir.path().join("config"))
        .args(["logs", "deploy/frontend", "-n", "shop"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        sorted_lines(&stdout(&output)),
        vec![
            format!("{A} frontend GET / 200"),
            format!("{A} frontend GET /cart 500 error"),
            format!("{B} frontend GET /health 200"),
        ]
    );
}

#[test]
fn selector_tail_and_grep_narrow_the_lines() {
    let (_server, dir) = serve();
    let output = korral()
        .env("KUBECONFIG", dir.path().join("config"))
        .args(["logs", "-l", "app=frontend", "-n", "shop", "--tail", "1"])
        .output()
        .unwrap();
    assert_eq!(
        sorted_lines(&stdout(&output)),
        vec![
            format!("{A} frontend GET /cart 500 error"),
            format!("{B} frontend GET /health 200")
        ]
    );
    let output = korral()
        .env("KUBECONFIG", dir.path().join("config"))
        .args([
            "logs",
            "svc/frontend",
            "-n",
            "shop",
            "--grep",
            "error|health",
        ])
        .output()
        .unwrap();
    assert_eq!(
        sorted_lines(&stdout(&output)),
        vec![
            format!("{A} frontend GET /cart 500 error"),
            format!("{B} frontend GET /health 200")
        ]
    );
}

#[test]
fn unknown_targets_are_input_errors() {
    let (_server, dir) = serve();
    let output = korral()
        .env("KUBECONFIG", dir.path().join("config"))
        .args(["logs", "deploy/nope", "-n", "shop"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no Deployment `nope` in namespace `shop`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn follow_streams_new_lines_and_new_pods() {
    let (server, dir) = serve();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("korral"))
        .args(["logs", "deploy/frontend", "-n", "shop", "-f"])
        .env("KUBECONFIG", dir.path().join("config"))
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let mut wait_for = |want: &str, seen: &mut Vec<String>| {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            let Some(Ok(line)) = lines.next() else { break };
            seen.push(line.clone());
            if line == want {
                return true;
            }
        }
        false
    };
    assert!(
        wait_for(&format!("{B} frontend GET /health 200"), &mut seen),
        "{seen:?}"
    );
    server.append_log("shop", A, "frontend", "GET /later 200");
    assert!(
        wait_for(&format!("{A} frontend GET /later 200"), &mut seen),
        "{seen:?}"
    );

    // A pod that appears while following is picked up.
    server
        .create(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "frontend-new", "namespace": "shop", "labels": {"app": "frontend", "tier": "web"}},
            "spec": {"containers": [{"name": "frontend", "image": "shop/frontend:1.4.2"}]},
            "status": {"phase": "Running"}
        }))
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    server.append_log("shop", "frontend-new", "frontend", "hello from the new pod");
    let found = wait_for("frontend-new frontend hello from the new pod", &mut seen);
    child.kill().unwrap();
    let _ = child.wait();
    assert!(found, "{seen:?}");
}
