use std::time::Instant;

use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use korral_testkit::ServerOptions;
use kube::Api;
use kube::api::{ListParams, ResourceExt};

use crate::util;

fn names<K: kube::Resource>(list: &[K]) -> Vec<String> {
    list.iter().map(ResourceExt::name_any).collect()
}

#[tokio::test]
async fn lists_page_with_limit_and_continue() {
    let (_server, client) = util::start().await;
    let pods: Api<Pod> = Api::all(client);
    let first = pods.list(&ListParams::default().limit(2)).await.unwrap();
    assert_eq!(names(&first.items), ["db-0", "web-1"]);
    let token = first.metadata.continue_.clone().expect("a continue token");
    assert_eq!(first.metadata.remaining_item_count, Some(1));
    let rv = first.metadata.resource_version.clone().unwrap();

    let second = pods
        .list(&ListParams::default().limit(2).continue_token(&token))
        .await
        .unwrap();
    assert_eq!(names(&second.items), ["web-2"]);
    assert!(
        second
            .metadata
            .continue_
            .as_deref()
            .unwrap_or_default()
            .is_empty()
    );
    // Every page reports the first page's resourceVersion, as the real server does.
    assert_eq!(second.metadata.resource_version.unwrap(), rv);

    let all = pods.list(&ListParams::default()).await.unwrap();
    assert_eq!(all.items.len(), 3);
    assert!(
        all.items
            .iter()
            .all(|p| p.metadata.uid.is_some() && p.metadata.resource_version.is_some())
    );
}

#[tokio::test]
async fn later_pages_show_the_list_as_of_the_first() {
    let (server, client) = util::start().await;
    let pods: Api<Pod> = Api::namespaced(client, "shop");
    let first = pods.list(&ListParams::default().limit(1)).await.unwrap();
    assert_eq!(names(&first.items), ["db-0"]);
    let token = first.metadata.continue_.unwrap();
    // Changes after the first page: a new pod, a relabelled one, a deleted one.
    server
        .create(serde_json::json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "dz", "namespace": "shop"}, "spec": {"containers": []}}))
        .unwrap();
    let mut web1 = server.get("v1", "Pod", Some("shop"), "web-1").unwrap();
    web1["metadata"]["labels"]["tier"] = "back".into();
    server.update(web1).unwrap();
    server.delete("v1", "Pod", Some("shop"), "web-2").unwrap();

    let rest = pods
        .list(&ListParams::default().limit(10).continue_token(&token))
        .await
        .unwrap();
    assert_eq!(names(&rest.items), ["web-1", "web-2"]);
    assert_eq!(rest.items[0].labels()["tier"], "front");
    // A fresh list sees the changes.
    let now = pods.list(&ListParams::default()).await.unwrap();
    assert_eq!(names(&now.items), ["db-0", "dz", "web-1"]);
}

#[tokio::test]
async fn namespaced_and_cluster_lists() {
    let (_server, client) = util::start().await;
    let in_shop: Api<Pod> = Api::namespaced(client.clone(), "shop");
    assert_eq!(
        in_shop
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .len(),
        3
    );
    let in_default: Api<Pod> = Api::default_namespaced(client.clone());
    assert!(
        in_default
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(client);
    let listed = names(&namespaces.list(&ListParams::default()).await.unwrap().items);
    assert!(listed.contains(&"shop".to_owned()));
}

#[tokio::test]
async fn label_selectors_use_kubectl_syntax() {
    let (_server, client) = util::start().await;
    let pods: Api<Pod> = Api::namespaced(client, "shop");
    let select = |s: &'static str| {
        let pods = pods.clone();
        async move {
            names(
                &pods
                    .list(&ListParams::default().labels(s))
                    .await
                    .unwrap()
                    .items,
            )
        }
    };
    assert_eq!(select("app=web").await, ["web-1", "web-2"]);
    assert_eq!(select("app!=web").await, ["db-0"]);
    assert_eq!(select("app in (db,cache)").await, ["db-0"]);
    assert_eq!(select("tier").await, ["web-1", "web-2"]);
    assert_eq!(select("!tier").await, ["db-0"]);
    assert_eq!(
        select("app==web,tier notin (back)").await,
        ["web-1", "web-2"]
    );
    let err = pods
        .list(&ListParams::default().labels("app in ("))
        .await
        .unwrap_err();
    assert!(matches!(err, kube::Error::Api(s) if s.code == 400));
}

#[tokio::test]
async fn field_selectors_on_names_nodes_and_phases() {
    let (_server, client) = util::start().await;
    let pods: Api<Pod> = Api::all(client);
    let select = |s: &'static str| {
        let pods = pods.clone();
        async move {
            names(
                &pods
                    .list(&ListParams::default().fields(s))
                    .await
                    .unwrap()
                    .items,
            )
        }
    };
    assert_eq!(select("spec.nodeName=node-1").await, ["db-0", "web-1"]);
    assert_eq!(select("status.phase!=Running").await, ["web-2"]);
    assert_eq!(
        select("metadata.name==web-1,metadata.namespace=shop").await,
        ["web-1"]
    );
    let err = pods
        .list(&ListParams::default().fields("spec.colour=red"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(s) if s.code == 400 && s.message.contains("field label not supported"))
    );
}

#[tokio::test]
async fn event_field_selectors_follow_the_involved_object() {
    let (server, client) = util::start().await;
    for (name, pod) in [("e1", "web-1"), ("e2", "db-0")] {
        server
            .create(serde_json::json!({"apiVersion": "v1", "kind": "Event",
                "metadata": {"name": name, "namespace": "shop"},
                "involvedObject": {"kind": "Pod", "name": pod, "namespace": "shop"},
                "reason": "Started", "type": "Normal"}))
            .unwrap();
    }
    let events: Api<k8s_openapi::api::core::v1::Event> = Api::namespaced(client, "shop");
    let listed = events
        .list(&ListParams::default().fields("involvedObject.kind=Pod,involvedObject.name=db-0"))
        .await
        .unwrap();
    assert_eq!(names(&listed.items), ["e2"]);
}

#[tokio::test]
async fn expired_and_invalid_continue_tokens() {
    let (server, client) = util::start().await;
    let pods: Api<Pod> = Api::all(client);
    let first = pods.list(&ListParams::default().limit(1)).await.unwrap();
    let token = first.metadata.continue_.unwrap();
    server.faults().expire_history();
    let err = pods
        .list(&ListParams::default().limit(1).continue_token(&token))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 410 && s.reason == "Expired"),
        "{err:?}"
    );
    let err = pods
        .list(&ListParams::default().continue_token("garbage"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, kube::Error::Api(s) if s.code == 400),
        "{err:?}"
    );
}

#[tokio::test]
async fn metadata_only_lists() {
    let (_server, client) = util::start().await;
    let pods: Api<Pod> = Api::namespaced(client, "shop");
    let listed = pods
        .list_metadata(&ListParams::default().labels("app=db"))
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].metadata.name.as_deref(), Some("db-0"));
}

#[tokio::test]
async fn a_hundred_thousand_objects_list_in_pages_quickly() {
    const N: usize = 100_000;
    let objects: Vec<korral_core::Object> = (0..N)
        .map(|i| {
            let json = format!(
                r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"cm-{i:06}","namespace":"ns-{}","labels":{{"shard":"{}"}}}},"data":{{"k":"v"}}}}"#,
                i % 10,
                i % 4
            );
            korral_core::Object::from_json(&json, korral_core::Source { file: korral_core::FileId(0), line: 0 }).unwrap()
        })
        .collect();
    let seed =
        korral_core::ObjectSet::from_objects(objects, vec!["<synthetic>".into()], Vec::new());
    let (_server, client) = util::start_with(&seed, ServerOptions::default()).await;
    let maps: Api<ConfigMap> = Api::all(client);
    let started = Instant::now();
    let mut total = 0;
    let mut params = ListParams::default().limit(500);
    loop {
        let page = maps.list(&params).await.unwrap();
        total += page.items.len();
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    assert_eq!(total, N);
    let elapsed = started.elapsed();
    // About half a second in a debug build; generous for a busy machine.
    assert!(elapsed.as_secs() < 10, "paging took {elapsed:?}");
}
