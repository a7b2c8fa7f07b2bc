use korral_kube::{Error, ListOptions, Resource, discover, list_all};
use korral_testkit::Fault;

use crate::util::cluster;

fn names(set: &korral_core::ObjectSet, kind: &str) -> Vec<String> {
    let mut names: Vec<String> = set
        .objects()
        .iter()
        .filter(|o| o.kind() == kind)
        .map(|o| format!("{}/{}", o.namespace().unwrap_or("-"), o.name()))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn lists_everything_in_small_pages() {
    let cluster = cluster().await;
    let discovery = discover(&cluster.client).await.unwrap();
    let options = ListOptions {
        page_size: 2,
        ..ListOptions::default()
    };
    let (set, warnings) = list_all(&cluster.client, &discovery.resources, &options)
        .await
        .unwrap();
    assert_eq!(warnings, Vec::<String>::new());
    assert_eq!(
        names(&set, "Pod"),
        ["ops/backup-1", "shop/db-1", "shop/web-1", "shop/web-2"]
    );
    assert_eq!(names(&set, "Deployment"), ["shop/web"]);
    assert_eq!(names(&set, "Tool"), ["ops/restic"]);
    assert_eq!(
        names(&set, "CustomResourceDefinition"),
        ["-/tools.korral.dev"]
    );
    assert!(names(&set, "Namespace").contains(&"-/shop".to_owned()));
    assert_eq!(set.files(), ["<live:korral-test>"]);
    assert_eq!(set.warnings(), []);

    let deployment = set
        .objects()
        .iter()
        .find(|o| o.kind() == "Deployment")
        .unwrap();
    assert_eq!(deployment.api_version(), "apps/v1");
    assert!(deployment.metadata().uid.is_some());
    assert!(deployment.metadata().resource_version.is_some());
    assert!(set.location(deployment).starts_with("<live:korral-test>:"));
}

#[tokio::test]
async fn namespace_and_label_selector_narrow_the_list() {
    let cluster = cluster().await;
    let resources = [
        Resource::new("v1", "Pod", "pods", true),
        Resource::new("v1", "Namespace", "namespaces", false),
    ];
    let options = ListOptions {
        namespace: Some("shop".to_owned()),
        label_selector: Some("app in (web)".to_owned()),
        ..ListOptions::default()
    };
    let (set, _) = list_all(&cluster.client, &resources, &options)
        .await
        .unwrap();
    assert_eq!(names(&set, "Pod"), ["shop/web-1", "shop/web-2"]);
    // Cluster-scoped resources are not narrowed by namespace (none has the label).
    assert_eq!(names(&set, "Namespace"), Vec::<String>::new());
}

#[tokio::test]
async fn a_forbidden_resource_is_a_warning() {
    let cluster = cluster().await;
    cluster
        .server
        .faults()
        .inject(Fault::resource("", "secrets").status(403));
    let resources = [
        Resource::new("v1", "Secret", "secrets", true),
        Resource::new("v1", "ConfigMap", "configmaps", true),
    ];
    let options = ListOptions {
        namespace: Some("shop".to_owned()),
        ..ListOptions::default()
    };
    let (set, warnings) = list_all(&cluster.client, &resources, &options)
        .await
        .unwrap();
    assert_eq!(
        warnings,
        [
            "forbidden: user may not list `secrets` in namespace `shop` (context `korral-test`); `secrets` is left out"
        ]
    );
    assert_eq!(names(&set, "ConfigMap"), ["shop/web-config"]);
    assert_eq!(names(&set, "Secret"), Vec::<String>::new());
}

#[tokio::test]
async fn an_expired_list_starts_over() {
    let cluster = cluster().await;
    cluster
        .server
        .faults()
        .inject(Fault::resource("", "pods").status(410).times(1));
    let resources = [Resource::new("v1", "Pod", "pods", true)];
    let options = ListOptions {
        page_size: 1,
        ..ListOptions::default()
    };
    let (set, warnings) = list_all(&cluster.client, &resources, &options)
        .await
        .unwrap();
    assert!(warnings.is_empty());
    assert_eq!(names(&set, "Pod").len(), 4);
}

#[tokio::test]
async fn a_server_error_fails_the_list() {
    let cluster = cluster().await;
    cluster
        .server
        .faults()
        .inject(Fault::resource("apps", "deployments").status(500));
    let resources = [
        Resource::new("v1", "Pod", "pods", true),
        Resource::new("apps/v1", "Deployment", "deployments", true),
    ];
    let err = list_all(&cluster.client, &resources, &ListOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { code: 500, .. }), "{err}");
    assert!(
        err.to_string().starts_with(
            "cannot list `deployments` (context `korral-test`): the server answered 500"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_throttled_page_is_asked_again() {
    let cluster = cluster().await;
    cluster
        .server
        .faults()
        .inject(Fault::resource("", "pods").status(429).times(2));
    let resources = [Resource::new("v1", "Pod", "pods", true)];
    let (set, warnings) = list_all(&cluster.client, &resources, &ListOptions::default())
        .await
        .unwrap();
    assert!(warnings.is_empty());
    assert_eq!(names(&set, "Pod").len(), 4);
}

#[tokio::test]
async fn a_pager_gives_one_page_at_a_time_and_says_when_it_started_over() {
    let cluster = cluster().await;
    let pods = Resource::new("v1", "Pod", "pods", true);
    let options = ListOptions {
        page_size: 1,
        ..ListOptions::default()
    };
    let mut pager = korral_kube::Pager::new(&cluster.client, &pods, &options);
    let mut sizes = Vec::new();
    while let Some(page) = pager.next_page().await.unwrap() {
        assert!(!page.restarted);
        sizes.push(page.objects.len());
    }
    assert_eq!(sizes, [1, 1, 1, 1]);
    assert!(pager.resource_version().is_some());
    assert!(pager.next_page().await.unwrap().is_none());

    cluster
        .server
        .faults()
        .inject(Fault::resource("", "pods").status(410).times(1));
    let mut pager = korral_kube::Pager::new(&cluster.client, &pods, &options);
    let first = pager.next_page().await.unwrap().unwrap();
    assert!(first.restarted);
    let mut count = first.objects.len();
    while let Some(page) = pager.next_page().await.unwrap() {
        assert!(!page.restarted);
        count += page.objects.len();
    }
    assert_eq!(count, 4);
}

#[tokio::test]
async fn a_forbidden_list_leaves_only_its_resource_out() {
    let cluster = cluster().await;
    cluster
        .server
        .faults()
        .inject(Fault::resource("", "secrets").status(403));
    let secrets = Resource::new("v1", "Secret", "secrets", true);
    let options = ListOptions::default();
    let err = korral_kube::Pager::new(&cluster.client, &secrets, &options)
        .next_page()
        .await
        .unwrap_err();
    assert!(err.leaves_resource_out(), "{err}");
}
