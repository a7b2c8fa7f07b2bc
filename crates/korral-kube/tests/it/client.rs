use korral_kube::{ClusterConfig, Error, KubeOptions, discover};

use crate::util::cluster;

#[tokio::test]
async fn the_kubeconfig_names_context_server_and_namespace() {
    let cluster = cluster().await;
    assert_eq!(cluster.config.context(), "korral-test");
    assert_eq!(cluster.config.server(), cluster.server.url());
    assert_eq!(cluster.config.namespace(), "default");
    assert_eq!(cluster.client.source_name(), "<live:korral-test>");
    let version = cluster.client.server_version().await.unwrap();
    assert_eq!(version.to_string(), "v1.33.4");
    assert_eq!(version.platform, "linux/amd64");
}

#[tokio::test]
async fn refused_credentials_say_to_log_in_again() {
    let cluster = cluster().await;
    let yaml = cluster
        .server
        .kubeconfig_yaml("prod")
        .replace(cluster.server.token(), "expired-token");
    std::fs::write(&cluster.kubeconfig, yaml).unwrap();
    let config = ClusterConfig::load(KubeOptions {
        kubeconfig: Some(cluster.kubeconfig.clone()),
        ..KubeOptions::default()
    })
    .unwrap();
    let client = config.client().await.unwrap();
    let err = discover(&client).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "the credentials of context `prod` were refused (401 Unauthorized): they may have expired; log in again or refresh the kubeconfig"
    );
}

#[tokio::test]
async fn a_stopped_server_is_unreachable() {
    let cluster = cluster().await;
    let url = cluster.server.url();
    cluster.server.shutdown();
    let err = cluster.client.server_version().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "cannot reach `{url}` (context `korral-test`): connection refused; check the cluster is up and the kubeconfig's server address"
        )
    );
}
