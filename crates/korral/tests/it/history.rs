//! `korral history`, `korral changes`, `topology --at` and `status --at` on a store the
//! recorder (korral-server's, as `korral serve` runs it) fills from the API test server.

use std::time::Duration;

use korral_core::Loader;
use korral_kube::{ClusterConfig, KubeOptions};
use korral_server::hub::Hub;
use korral_server::live::Clusters;
use korral_server::recorder::{Recorder, RecorderOptions};
use korral_store::{ObjectRef, Store};
use korral_testkit::{ApiServer, ServerOptions};
use serde_json::json;

use crate::util::{korral, stderr, stdout};

const SEED: &str = "\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
data: {password: aHVudGVyMg==}
";

/// The test server, a recorder writing into a SQLite file, and the runtime both run on.
struct Recorded {
    runtime: tokio::runtime::Runtime,
    server: ApiServer,
    _recorder: Recorder,
    store: Store,
    url: String,
    _dir: tempfile::TempDir,
}

impl Recorded {
    fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("korral.db").display());
        let (server, recorder, store) = runtime.block_on(async {
            let seed = Loader::load_str("seed.yaml", SEED).unwrap();
            let server = ApiServer::start(&seed, ServerOptions::default())
                .await
                .unwrap();
            server.write_kubeconfig(dir.path().join("config")).unwrap();
            let config = ClusterConfig::load(KubeOptions {
                kubeconfig: Some(dir.path().join("config")),
                ..KubeOptions::default()
            })
            .unwrap();
            let store = Store::open(&url).await.unwrap();
            let clusters = Clusters::default();
            let options = RecorderOptions {
                flush_every: Duration::from_millis(20),
                batch: 1000,
            };
            let recorder = Recorder::start_with(
                store.clone(),
                vec![config],
                Hub::default(),
                clusters.clone(),
                options,
            );
            let view = clusters.get("korral-test").unwrap();
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            while !view.synced.load(std::sync::atomic::Ordering::Relaxed) {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "the recorder never listed"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (server, recorder, store)
        });
        Self {
            runtime,
            server,
            _recorder: recorder,
            store,
            url,
            _dir: dir,
        }
    }

    /// Waits until `name`'s ConfigMap has `count` versions.
    fn wait_versions(&self, name: &str, count: usize) {
        self.runtime.block_on(async {
            let id = self.store.cluster("korral-test").await.unwrap();
            let object = ObjectRef {
                group: String::new(),
                kind: "ConfigMap".to_owned(),
                namespace: Some("shop".to_owned()),
                name: name.to_owned(),
            };
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            while self.store.history(id, &object, None).await.unwrap().len() < count {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "{name} never reached {count} versions"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
    }

    fn korral(&self, args: &[&str]) -> std::process::Output {
        korral()
            .args(args)
            .args(["--database", &self.url, "--context", "korral-test"])
            .output()
            .unwrap()
    }
}

#[test]
fn history_changes_and_the_past_from_what_the_recorder_stored() {
    let recorded = Recorded::start();
    let before = jiff::Timestamp::now().to_string();
    recorded
        .server
        .create(json!({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "web", "namespace": "shop"},
                       "data": {"colour": "red", "size": "L"}}))
        .unwrap();
    let mut edited = recorded
        .server
        .get("v1", "ConfigMap", Some("shop"), "web")
        .unwrap();
    edited["data"]["colour"] = json!("green");
    recorded.server.update(edited).unwrap();
    recorded.wait_versions("web", 2);

    // Two versions; the diff names the changed key, and only it.
    let output = recorded.korral(&["history", "cm/web", "-n", "shop"]);
    let text = stdout(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        text.contains("# version 1") && text.contains("# version 2"),
        "{text}"
    );
    assert!(
        text.contains("-  colour: red") && text.contains("+  colour: green"),
        "{text}"
    );
    assert!(
        !text.contains("-  size") && !text.contains("+  size"),
        "{text}"
    );
    let output = recorded.korral(&["history", "configmap/web", "-o", "json"]);
    let versions: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(versions.as_array().unwrap().len(), 2);
    assert_eq!(versions[1]["object"]["data"]["colour"], "green");
    assert_eq!(versions[1]["change"], "Modified");

    // What changed, newest first.
    let output = recorded.korral(&["changes", "--since", "1h", "-n", "shop", "-o", "json"]);
    let changes: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(changes[0]["name"], "web");
    assert_eq!(changes[0]["change"], "Modified");
    let output = recorded.korral(&["changes", "--kind", "ConfigMap"]);
    assert!(stdout(&output).contains("Modified"), "{}", stdout(&output));

    // The graph before web existed lacks it; now it has it.
    let output = recorded.korral(&["topology", "--at", &before, "-o", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let then = stdout(&output);
    assert!(
        then.contains("Secret/shop/db") && !then.contains("ConfigMap/shop/web"),
        "{then}"
    );
    let output = recorded.korral(&["topology", "--at", "-0s", "-o", "json"]);
    assert!(stdout(&output).contains("ConfigMap/shop/web"));
    let output = recorded.korral(&["status", "--at", &before, "-o", "json"]);
    assert!(
        serde_json::from_slice::<serde_json::Value>(&output.stdout).is_ok(),
        "{}",
        stderr(&output)
    );

    // A Secret's history holds no value.
    let output = recorded.korral(&["history", "secret/db", "-n", "shop", "-o", "yaml"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!stdout(&output).contains("aHVudGVyMg"));
}

#[test]
fn bad_names_and_times_are_usage_errors_without_terminal_controls() {
    let recorded = Recorded::start();
    for args in [
        vec!["history", "web"],
        vec!["history", "cm/\u{1b}[2Jweb"],
        vec!["changes", "--since", "yesterday\u{1b}[31m"],
        vec!["topology", "--at", "soon"],
    ] {
        let output = recorded.korral(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            !stderr(&output).contains('\u{1b}'),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let output = korral()
        .args([
            "changes",
            "--database",
            &recorded.url,
            "--context",
            "elsewhere",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("recorded: korral-test"),
        "{}",
        stderr(&output)
    );
}
