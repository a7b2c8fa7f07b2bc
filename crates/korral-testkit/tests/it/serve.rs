use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use korral_testkit::ApiServer;

use crate::util;

/// `spawn` runs its own runtime, for synchronous tests such as the korral binary's.
#[test]
fn spawn_serves_from_a_background_thread() {
    let server = ApiServer::spawn(&util::seed(), util::options()).unwrap();
    assert!(server.url().starts_with("http://127.0.0.1:"));
    let kubeconfig = server.kubeconfig_yaml("korral-test");
    assert!(kubeconfig.contains(&format!("server: {}", server.url())));
    assert!(kubeconfig.contains("namespace: default"));
    assert!(kubeconfig.contains("current-context: korral-test"));
    let pod = server.get("v1", "Pod", Some("shop"), "web-1").unwrap();
    assert_eq!(pod["spec"]["nodeName"], "node-1");
    server.shutdown();
}

/// `korral-testkit serve` writes a kubeconfig and serves until stopped.
#[tokio::test]
async fn the_serve_command_serves_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.yaml");
    std::fs::write(&seed, util::SEED).unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let mut child = Command::new(env!("CARGO_BIN_EXE_korral-testkit"))
        .arg("serve")
        .arg("--from")
        .arg(&seed)
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut first).unwrap();
    assert!(first.contains("http://127.0.0.1:"), "{first}");
    let config = kube::config::Kubeconfig::read_from(&kubeconfig).unwrap();
    let config =
        kube::Config::from_custom_kubeconfig(config, &kube::config::KubeConfigOptions::default())
            .await
            .unwrap();
    let client = kube::Client::try_from(config).unwrap();
    let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(client, "shop");
    let listed = tokio::time::timeout(
        Duration::from_secs(5),
        pods.list(&kube::api::ListParams::default()),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(listed.items.len(), 3);
    child.kill().unwrap();
    child.wait().unwrap();
}

/// `korral-testkit serve --controllers` runs the simulated controllers: the seeded
/// Deployment gets its ReplicaSet.
#[tokio::test]
async fn the_serve_command_runs_the_controllers_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.yaml");
    std::fs::write(&seed, util::SEED).unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let mut child = Command::new(env!("CARGO_BIN_EXE_korral-testkit"))
        .args([
            "serve",
            "--controllers",
            "--progress-deadline",
            "1",
            "--from",
        ])
        .arg(&seed)
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let config = kube::config::Kubeconfig::read_from(&kubeconfig).unwrap();
    let config =
        kube::Config::from_custom_kubeconfig(config, &kube::config::KubeConfigOptions::default())
            .await
            .unwrap();
    let client = kube::Client::try_from(config).unwrap();
    let sets: kube::Api<k8s_openapi::api::apps::v1::ReplicaSet> =
        kube::Api::namespaced(client, "shop");
    let start = std::time::Instant::now();
    let names = loop {
        let listed = sets.list(&kube::api::ListParams::default()).await.unwrap();
        if !listed.items.is_empty() {
            break listed
                .items
                .into_iter()
                .map(|rs| rs.metadata.name.unwrap())
                .collect::<Vec<_>>();
        }
        assert!(start.elapsed() < Duration::from_secs(10), "no ReplicaSet");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(names.len(), 1);
    assert!(names[0].starts_with("web-"), "{names:?}");
    child.kill().unwrap();
    child.wait().unwrap();
}
