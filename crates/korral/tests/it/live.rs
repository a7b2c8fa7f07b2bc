use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use korral_core::Loader;
use korral_testkit::{ApiServer, Fault, ServerOptions};

use crate::util::{korral, shop, stderr, stdout};

/// The example cluster served by the API test server, and a kubeconfig for it.
struct Cluster {
    server: ApiServer,
    dir: tempfile::TempDir,
}

impl Cluster {
    fn serve(path: &std::path::Path) -> Self {
        Self::serve_all(&[path])
    }

    fn serve_all(paths: &[&std::path::Path]) -> Self {
        let set = Loader::new().paths(paths.iter().copied()).load().unwrap();
        let server = ApiServer::spawn(&set, ServerOptions::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        server.write_kubeconfig(dir.path().join("config")).unwrap();
        Self { server, dir }
    }

    fn kubeconfig(&self) -> std::path::PathBuf {
        self.dir.path().join("config")
    }

    /// Takes a snapshot into the cluster's folder and checks that the offline
    /// topology of it is the live one; returns the file and the live graph.
    fn snapshot_as_live(&self) -> (std::path::PathBuf, serde_json::Value) {
        let file = self.dir.path().join("snap.json");
        let output = self
            .korral()
            .args(["snapshot", "--out"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        let live = self
            .korral()
            .args(["topology", "-A", "-o", "json"])
            .output()
            .unwrap();
        assert!(live.status.success(), "{}", stderr(&live));
        let offline = korral()
            .args(["topology", "-o", "json", "-f"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(offline.status.success(), "{}", stderr(&offline));
        assert_eq!(stdout(&live), stdout(&offline));
        (file, serde_json::from_slice(&live.stdout).unwrap())
    }

    fn korral(&self) -> assert_cmd::Command {
        let mut cmd = korral();
        cmd.env("KUBECONFIG", self.kubeconfig()).env_remove("HOME");
        cmd
    }
}

/// What every cluster holds and the example does not: the namespaces `default`,
/// `kube-system`, `kube-public`, `kube-node-lease`, and what lives in them (the
/// `default/kubernetes` Service).
const CLUSTER_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

/// A topology graph (`-o json`) without [`CLUSTER_NAMESPACES`] and their contents.
fn without_cluster_objects(mut graph: serde_json::Value) -> serde_json::Value {
    let own = |id: &str| {
        CLUSTER_NAMESPACES
            .iter()
            .any(|ns| id == format!("Namespace/{ns}") || id.contains(&format!("/{ns}/")))
    };
    graph["nodes"]
        .as_array_mut()
        .unwrap()
        .retain(|n| !own(n["id"].as_str().unwrap()));
    graph["edges"].as_array_mut().unwrap().retain(|e| {
        !own(e[0].as_str().unwrap_or_default()) && !own(e[1].as_str().unwrap_or_default())
    });
    graph
}

#[test]
fn status_of_a_live_cluster_names_the_api_and_its_version() {
    let cluster = Cluster::serve(&shop());
    let output = cluster.korral().arg("status").output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.starts_with(&format!(
            "API: {} (context korral-test) answers, Kubernetes v1.",
            cluster.server.url()
        )),
        "{text}"
    );
    assert!(text.contains("healthy: 3 nodes (0 not ready)"), "{text}");
}

#[test]
fn status_of_an_unhealthy_live_cluster_exits_1() {
    let sick =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/sick.yaml");
    let cluster = Cluster::serve(&sick);
    let output = cluster
        .korral()
        .args(["status", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["pods"][0]["reason"], "CrashLoopBackOff");
    assert_eq!(report["api"]["context"], "korral-test");
}

#[test]
fn live_topology_is_the_offline_topology_of_the_same_objects() {
    let cluster = Cluster::serve(&shop());
    let live = cluster
        .korral()
        .args(["topology", "-A", "-o", "json"])
        .output()
        .unwrap();
    assert!(live.status.success(), "{}", stderr(&live));
    let offline = korral()
        .args(["topology", "-o", "json", "-f"])
        .arg(shop())
        .output()
        .unwrap();
    let (live, offline): (serde_json::Value, serde_json::Value) = (
        serde_json::from_slice(&live.stdout).unwrap(),
        serde_json::from_slice(&offline.stdout).unwrap(),
    );
    // The server assigns uids of its own to objects that had none; compare the rest.
    let strip = |mut graph: serde_json::Value| {
        for node in graph["nodes"].as_array_mut().unwrap() {
            node.as_object_mut().unwrap().remove("uid");
        }
        graph
    };
    assert_eq!(strip(without_cluster_objects(live)), strip(offline));
}

#[test]
fn live_topology_defaults_to_the_contexts_namespace() {
    let cluster = Cluster::serve(&shop());
    // The test server's kubeconfig context has namespace `default`: nothing of the
    // shop lives there.
    let output = cluster
        .korral()
        .args(["topology", "-o", "json"])
        .output()
        .unwrap();
    let graph: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        graph["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n.get("namespace").is_none_or(|ns| ns == "default"))
    );
    let output = cluster
        .korral()
        .args(["topology", "-n", "payments", "-o", "json"])
        .output()
        .unwrap();
    let graph: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        graph["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["id"] == "StatefulSet.apps/payments/postgres")
    );
}

#[test]
fn watch_prints_graph_changes_as_they_happen() {
    let cluster = Cluster::serve(&shop());
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("korral"))
        .args(["topology", "-n", "shop", "--watch", "-o", "json"])
        .env("KUBECONFIG", cluster.kubeconfig())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The first document is the graph itself (pretty JSON); it ends with a lone `}`.
    for line in lines.by_ref() {
        if line.unwrap() == "}" {
            break;
        }
    }
    // Give the watches a moment to start, then change the cluster.
    std::thread::sleep(Duration::from_millis(700));
    cluster
        .server
        .create(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "frontend-extra", "namespace": "shop", "labels": {"app": "frontend"}},
            "spec": {"nodeName": "worker-1", "containers": [{"name": "web", "image": "nginx:1.27"}]}
        }))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        let diff: serde_json::Value = serde_json::from_str(&line).unwrap();
        seen.push(diff.clone());
        if diff["added_nodes"]
            .as_array()
            .is_some_and(|n| n.iter().any(|n| n == "Pod/shop/frontend-extra"))
        {
            break;
        }
    }
    child.kill().unwrap();
    let _ = child.wait();
    let diff = seen.last().expect("a change was printed");
    let edges: Vec<String> = diff["added_edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} -{}-> {}",
                e[0].as_str().unwrap(),
                e[2].as_str().unwrap(),
                e[1].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        edges.contains(&"Service/shop/frontend -selects-> Pod/shop/frontend-extra".to_owned()),
        "{edges:?}"
    );
    assert!(
        edges.contains(&"Pod/shop/frontend-extra -runs-on-> Node/worker-1".to_owned()),
        "{edges:?}"
    );
}

#[test]
fn contexts_are_chosen_from_several_kubeconfig_files() {
    let cluster = Cluster::serve(&shop());
    let other = cluster.dir.path().join("other");
    std::fs::write(
        &other,
        "apiVersion: v1\nkind: Config\ncurrent-context: dead\nclusters:\n- name: dead\n  cluster: {server: 'http://127.0.0.1:9'}\nusers:\n- name: dead\n  user: {token: x}\ncontexts:\n- name: dead\n  context: {cluster: dead, user: dead}\n",
    )
    .unwrap();
    let joined = std::env::join_paths([other.clone(), cluster.kubeconfig()]).unwrap();
    // The first file's current context wins, and its server is down: nothing could
    // be checked, which is not "unhealthy" (1) but exit 2.
    let output = korral()
        .env("KUBECONFIG", &joined)
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(err.contains("127.0.0.1:9") && err.contains("dead"), "{err}");
    // --context picks the test server from the second file.
    let output = korral()
        .env("KUBECONFIG", &joined)
        .args(["status", "--context", "korral-test"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn refused_credentials_are_explained() {
    let cluster = Cluster::serve(&shop());
    cluster
        .server
        .faults()
        .inject(Fault::path_prefix("/").status(401));
    let output = cluster.korral().arg("status").output().unwrap();
    assert_eq!(output.status.code(), Some(2), "status could not check");
    let err = stderr(&output);
    assert!(err.contains("korral-test") && err.contains("401"), "{err}");
}

#[test]
fn a_forbidden_kind_is_skipped_with_a_warning() {
    let cluster = Cluster::serve(&shop());
    cluster
        .server
        .faults()
        .inject(Fault::resource("", "secrets").status(403));
    let output = cluster
        .korral()
        .args(["topology", "-A", "-o", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("secrets"), "{}", stderr(&output));
    let graph: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let nodes = graph["nodes"].as_array().unwrap();
    assert!(!nodes.iter().any(|n| n["kind"] == "Secret"));
    assert!(nodes.iter().any(|n| n["kind"] == "ConfigMap"));
}

#[test]
fn snapshot_then_offline_topology_gives_the_live_graph() {
    let cluster = Cluster::serve(&shop());
    let (file, _) = cluster.snapshot_as_live();

    let text = std::fs::read_to_string(&file).unwrap();
    let dump: serde_json::Value = serde_json::from_str(&text).unwrap();
    let secrets: Vec<&serde_json::Value> = dump["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "Secret")
        .collect();
    assert!(!secrets.is_empty());
    for secret in secrets {
        for value in secret["data"]
            .as_object()
            .into_iter()
            .flat_map(|d| d.values())
        {
            assert_eq!(value, "", "Secret values are redacted: {secret}");
        }
        assert_eq!(
            secret["metadata"]["annotations"]["korral.io/redacted"],
            "true"
        );
    }
    assert!(
        !text.contains("ZXhhbXBsZS1ub3QtYS1zZWNyZXQ"),
        "no Secret value survives anywhere"
    );

    let output = cluster
        .korral()
        .args(["snapshot", "--include-secret-data", "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("ZXhhbXBsZS1ub3QtYS1zZWNyZXQ")
    );
}

#[test]
fn top_shows_usage_from_the_metrics_api() {
    let metrics =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/metrics.yaml");
    let cluster = Cluster::serve(&metrics);
    let output = cluster.korral().args(["top", "nodes"]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output)
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>(),
        vec![
            "NAME CPU(cores) CPU% MEMORY(bytes) MEMORY%",
            "worker-1 1500m 38% 2048Mi 25%"
        ]
    );
    let output = cluster
        .korral()
        .args(["top", "pods", "-n", "shop"])
        .output()
        .unwrap();
    let text = stdout(&output);
    let row: Vec<&str> = text.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(
        row,
        vec!["shop", "web-0", "255m", "128Mi"],
        "containers are summed"
    );

    cluster
        .server
        .faults()
        .set_unavailable("metrics.k8s.io", "v1beta1", true);
    let output = cluster.korral().args(["top", "nodes"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("install metrics-server"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn audit_of_a_live_cluster_finds_what_the_files_show() {
    let cluster = Cluster::serve(&shop());
    let live = cluster
        .korral()
        .args(["audit", "--live", "-A", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(live.status.code(), Some(1), "{}", stderr(&live));
    let offline = korral()
        .args(["audit", "-f"])
        .arg(shop())
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert_eq!(offline.status.code(), Some(1), "{}", stderr(&offline));
    // Each finding is identified by rule, object and field; a live object has no file.
    let keys = |text: String| -> Vec<String> {
        let report: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut keys: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {}/{}/{} {}",
                    f["code"],
                    f["object"]["kind"],
                    f["object"]["namespace"],
                    f["object"]["name"],
                    f["path"]
                )
            })
            .collect();
        keys.sort();
        keys
    };
    let (live, offline) = (keys(stdout(&live)), keys(stdout(&offline)));
    assert!(!live.is_empty());
    assert_eq!(live, offline);
}

fn events_fixture() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/events.yaml")
}

/// The regression test for snapshots that did not load back (list items of built-in
/// kinds carry no `kind`) and for Events read twice (core v1 and events.k8s.io/v1
/// serve the same ones).
#[test]
fn a_snapshot_loads_back_into_the_live_graph_with_each_event_once() {
    let cluster = Cluster::serve_all(&[&shop(), &events_fixture()]);
    let (file, graph) = cluster.snapshot_as_live();
    let dump: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    for item in dump["items"].as_array().unwrap() {
        assert!(
            item["apiVersion"].is_string() && item["kind"].is_string(),
            "every object says what it is: {item}"
        );
    }
    let events = graph["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "Event")
        .count();
    assert_eq!(events, 4, "one node per event");

    // Two warnings among the four events, counted once live and from the snapshot.
    let warnings = |output: std::process::Output| {
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        report["events"].as_array().unwrap().len()
    };
    let args = ["status", "-o", "json", "--events-since", "99999h"];
    assert_eq!(warnings(cluster.korral().args(args).output().unwrap()), 2);
    assert_eq!(
        warnings(korral().args(args).arg("-f").arg(&file).output().unwrap()),
        2
    );

    let lines = |output: std::process::Output| {
        assert!(output.status.success(), "{}", stderr(&output));
        let lines: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        lines.as_array().unwrap().len()
    };
    assert_eq!(
        lines(
            cluster
                .korral()
                .args(["events", "-A", "-o", "json"])
                .output()
                .unwrap()
        ),
        4
    );
    assert_eq!(
        lines(
            korral()
                .args(["events", "-o", "json", "-f"])
                .arg(&file)
                .output()
                .unwrap()
        ),
        4
    );
}

#[test]
fn snapshot_writes_yaml_and_to_standard_output() {
    let cluster = Cluster::serve(&shop());
    let live = cluster
        .korral()
        .args(["topology", "-A", "-o", "json"])
        .output()
        .unwrap();
    // `--out -` is standard output, never a file named `-`.
    let work = tempfile::tempdir().unwrap();
    let output = cluster
        .korral()
        .current_dir(work.path())
        .args(["snapshot", "-o", "yaml", "--out", "-"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!work.path().join("-").exists());
    assert!(
        stderr(&output).contains("to standard output"),
        "{}",
        stderr(&output)
    );
    let yaml = stdout(&output);
    assert!(
        yaml.contains("kind: List"),
        "{}",
        &yaml[..yaml.len().min(200)]
    );
    let offline = korral()
        .args(["topology", "-o", "json", "-f", "-"])
        .write_stdin(yaml)
        .output()
        .unwrap();
    assert!(offline.status.success(), "{}", stderr(&offline));
    assert_eq!(stdout(&live), stdout(&offline));
}

#[test]
fn status_exits_2_when_it_cannot_check() {
    let dir = tempfile::tempdir().unwrap();
    // No kubeconfig at all.
    let output = korral()
        .env("KUBECONFIG", dir.path().join("missing"))
        .env_remove("HOME")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    // A cluster that does not answer.
    let cluster = Cluster::serve(&shop());
    let kubeconfig = cluster.kubeconfig();
    let url = cluster.server.url();
    drop(cluster.server);
    let output = korral()
        .env("KUBECONFIG", &kubeconfig)
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains(&url), "{}", stderr(&output));
    // Files that cannot be read.
    let output = korral()
        .args(["status", "-f"])
        .arg(dir.path().join("nope.yaml"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}
