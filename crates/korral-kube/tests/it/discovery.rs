use std::collections::HashSet;

use korral_kube::discover;

use crate::util::cluster;

#[tokio::test]
async fn finds_builtin_and_custom_resources_once_each() {
    let cluster = cluster().await;
    let discovery = discover(&cluster.client).await.unwrap();
    assert_eq!(discovery.warnings, Vec::<String>::new());

    let pods = discovery.find("", "Pod").unwrap();
    assert_eq!(
        (pods.version.as_str(), pods.plural.as_str()),
        ("v1", "pods")
    );
    assert!(pods.namespaced && pods.supports("watch"));
    let nodes = discovery.find("", "Node").unwrap();
    assert!(!nodes.namespaced);
    assert!(discovery.find("apps", "Deployment").is_some());
    let tools = discovery.find("korral.dev", "Tool").unwrap();
    assert_eq!(tools.plural, "tools");
    assert!(tools.namespaced);

    assert!(discovery.resources.iter().all(|r| !r.plural.contains('/')));
    let mut seen = HashSet::new();
    for r in &discovery.resources {
        assert!(seen.insert((&r.group, &r.plural)), "{r} twice");
    }
}

#[tokio::test]
async fn an_unavailable_aggregated_api_is_a_warning() {
    let cluster = cluster().await;
    cluster
        .server
        .faults()
        .set_unavailable("metrics.k8s.io", "v1beta1", true);
    let discovery = discover(&cluster.client).await.unwrap();
    assert_eq!(discovery.warnings.len(), 1, "{:?}", discovery.warnings);
    let warning = &discovery.warnings[0];
    assert!(warning.contains("`metrics.k8s.io/v1beta1`"), "{warning}");
    assert!(warning.contains("503"), "{warning}");
    assert!(warning.ends_with("are left out"), "{warning}");
    assert!(discovery.find("metrics.k8s.io", "PodMetrics").is_none());
    assert!(discovery.find("", "Pod").is_some());
}
