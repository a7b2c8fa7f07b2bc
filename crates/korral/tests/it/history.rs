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

/// `korral serve` recording the API test server, stopped (by its own pid) when dropped.
struct Serve {
    child: std::process::Child,
    port: u16,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SERVE_TOKEN: &str = "history-test-token-0123456789";

impl Serve {
    fn start(home: &std::path::Path, database: &str) -> Self {
        use std::io::BufRead as _;
        let token_file = home.join("token");
        std::fs::write(&token_file, format!("{SERVE_TOKEN}\n")).unwrap();
        let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("korral"))
            .args(["serve", "--listen", "127.0.0.1:0", "--database", database])
            .args(["--context", "korral-test", "--kubeconfig"])
            .arg(home.join("config"))
            .arg("--token-file")
            .arg(&token_file)
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("xdg"))
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut serve = Self { child, port: 0 };
        let mut stderr = std::io::BufReader::new(serve.child.stderr.take().unwrap());
        let mut said = String::new();
        while serve.port == 0 {
            let mut line = String::new();
            assert!(
                stderr.read_line(&mut line).unwrap() > 0,
                "korral serve ended: {said}"
            );
            said.push_str(&line);
            if let Some(at) = line.find("://127.0.0.1:") {
                serve.port = line[at + 13..]
                    .split(|c: char| !c.is_ascii_digit())
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap();
            }
        }
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        serve
    }

    /// A WebSocket on `/api/v1/watch?QUERY` with the bearer token, past its handshake.
    fn watch(&self, query: &str) -> std::net::TcpStream {
        use std::io::{Read as _, Write as _};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        write!(
            stream,
            "GET /api/v1/watch?{query} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {SERVE_TOKEN}\r\n\
             Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        .unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8];
        while !head.ends_with(b"\r\n\r\n") {
            stream.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head);
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        stream
    }
}

/// The next text message of a WebSocket (the server's frames are not masked; control
/// frames are skipped).
fn next_text(stream: &mut std::net::TcpStream) -> serde_json::Value {
    use std::io::Read as _;
    loop {
        let mut head = [0u8; 2];
        stream.read_exact(&mut head).unwrap();
        let len = match head[1] & 0x7f {
            126 => {
                let mut n = [0u8; 2];
                stream.read_exact(&mut n).unwrap();
                u64::from(u16::from_be_bytes(n))
            }
            127 => {
                let mut n = [0u8; 8];
                stream.read_exact(&mut n).unwrap();
                u64::from_be_bytes(n)
            }
            n => u64::from(n),
        };
        let mut payload = vec![0u8; usize::try_from(len).unwrap()];
        stream.read_exact(&mut payload).unwrap();
        if head[0] & 0x0f == 1 {
            return serde_json::from_slice(&payload).unwrap();
        }
    }
}

#[test]
fn serve_records_edits_pushes_them_live_and_keeps_them_across_a_restart() {
    let seed = Loader::load_str("seed.yaml", SEED).unwrap();
    let cluster = ApiServer::spawn(&seed, ServerOptions::default()).unwrap();
    let home = tempfile::tempdir().unwrap();
    cluster
        .write_kubeconfig(home.path().join("config"))
        .unwrap();
    let database = format!("sqlite:{}", home.path().join("korral.db").display());
    let history = |args: &[&str]| {
        korral()
            .args(args)
            .args(["--database", &database, "--context", "korral-test"])
            .output()
            .unwrap()
    };
    let serve = Serve::start(home.path(), &database);
    let mut socket = serve.watch("topics=objects&kind=ConfigMap&namespace=shop");
    assert_eq!(next_text(&mut socket)["type"], "state");
    // Recorded once the seeded Secret's first version is in.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !stdout(&history(&["changes", "-o", "json"])).contains("\"db\"") {
        assert!(std::time::Instant::now() < deadline, "nothing recorded");
        std::thread::sleep(Duration::from_millis(50));
    }

    let before = jiff::Timestamp::now().to_string();
    std::thread::sleep(Duration::from_millis(20));
    let changed = std::time::Instant::now();
    cluster
        .create(json!({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "web", "namespace": "shop"}, "data": {"colour": "red"}}))
        .unwrap();
    let mut edited = cluster.get("v1", "ConfigMap", Some("shop"), "web").unwrap();
    edited["data"]["colour"] = json!("green");
    cluster.update(edited).unwrap();
    // The subscriber hears both (a second is the aim; the bound is generous, this is
    // not a timing test).
    let mut colours = Vec::new();
    while colours.len() < 2 {
        let message = next_text(&mut socket);
        if message["type"] == "diff" && message["object"]["metadata"]["name"] == "web" {
            colours.push(message["object"]["data"]["colour"].clone());
        }
    }
    assert_eq!(colours, vec![json!("red"), json!("green")]);
    assert!(
        changed.elapsed() < Duration::from_secs(30),
        "{:?}",
        changed.elapsed()
    );

    let output = history(&["history", "configmap/web", "-n", "shop"]);
    let text = stdout(&output);
    assert!(
        text.contains("-  colour: red") && text.contains("+  colour: green"),
        "{text}"
    );
    let output = history(&["topology", "--at", &before, "-o", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!stdout(&output).contains("ConfigMap/shop/web"));

    // Restarted over the same file: the history is kept, and grows by one.
    drop(socket);
    drop(serve);
    let serve = Serve::start(home.path(), &database);
    let mut edited = cluster.get("v1", "ConfigMap", Some("shop"), "web").unwrap();
    edited["data"]["colour"] = json!("blue");
    cluster.update(edited).unwrap();
    let versions = || {
        let output = history(&["history", "cm/web", "-n", "shop", "-o", "json"]);
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while versions().as_array().unwrap().len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "the edit after the restart never came"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let kept = versions();
    let colours: Vec<&serde_json::Value> = kept
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["object"]["data"]["colour"])
        .collect();
    assert_eq!(colours, vec!["red", "green", "blue"]);
    drop(serve);
}
