use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use korral_testkit::ServerOptions;
use kube::Api;
use kube::api::{ListParams, PostParams, ResourceExt, WatchEvent, WatchParams};
use serde_json::json;

use crate::util;

/// What an event says, in short: `ADDED settings 12`.
fn describe<K: kube::Resource>(event: &WatchEvent<K>) -> String {
    match event {
        WatchEvent::Added(o) => format!("ADDED {}", o.name_any()),
        WatchEvent::Modified(o) => format!("MODIFIED {}", o.name_any()),
        WatchEvent::Deleted(o) => format!("DELETED {}", o.name_any()),
        WatchEvent::Bookmark(_) => "BOOKMARK".to_owned(),
        WatchEvent::Error(s) => format!("ERROR {} {}", s.code, s.reason),
    }
}

fn rv<K: kube::Resource>(event: &WatchEvent<K>) -> u64 {
    let rv = match event {
        WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o) => {
            o.resource_version()
        }
        WatchEvent::Bookmark(b) => Some(b.metadata.resource_version.clone()),
        WatchEvent::Error(_) => None,
    };
    rv.unwrap().parse().unwrap()
}

fn map(name: &str, value: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "shop", "labels": {"watched": "yes"}},
        "data": {"value": value}})
}

#[tokio::test]
async fn watch_sees_changes_in_order_with_rising_resource_versions() {
    let (server, client) = util::start().await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "shop");
    let start = maps
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let stream = maps
        .watch(
            &WatchParams::default().disable_bookmarks().timeout(5),
            &start,
        )
        .await
        .unwrap();
    futures::pin_mut!(stream);

    let created = maps
        .create(
            &PostParams::default(),
            &serde_json::from_value(map("a", "1")).unwrap(),
        )
        .await
        .unwrap();
    server.update(map("a", "2")).unwrap();
    server.delete("v1", "ConfigMap", Some("shop"), "a").unwrap();

    let mut seen = Vec::new();
    let mut versions = vec![start.parse::<u64>().unwrap()];
    while seen.len() < 3 {
        let event = stream.try_next().await.unwrap().unwrap();
        versions.push(rv(&event));
        seen.push(describe(&event));
    }
    assert_eq!(seen, ["ADDED a", "MODIFIED a", "DELETED a"]);
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    assert_eq!(
        created.resource_version().unwrap().parse::<u64>().unwrap(),
        versions[1]
    );
}

#[tokio::test]
async fn watch_from_zero_starts_with_every_object() {
    let (_server, client) = util::start().await;
    let pods: Api<Pod> = Api::all(client);
    let stream = pods
        .watch(&WatchParams::default().disable_bookmarks().timeout(1), "0")
        .await
        .unwrap();
    let events: Vec<String> = stream.map(|e| describe(&e.unwrap())).collect().await;
    assert_eq!(events, ["ADDED db-0", "ADDED web-1", "ADDED web-2"]);
}

#[tokio::test]
async fn watch_resumes_from_the_history() {
    let (server, client) = util::start().await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "shop");
    let created = server.create(map("b", "1")).unwrap();
    let after_create = created["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_owned();
    server.update(map("b", "2")).unwrap();
    server.update(map("b", "3")).unwrap();
    // Resuming after the create replays the two updates, and only those.
    let stream = maps
        .watch(
            &WatchParams::default().disable_bookmarks().timeout(1),
            &after_create,
        )
        .await
        .unwrap();
    let events: Vec<WatchEvent<ConfigMap>> = stream.map(Result::unwrap).collect().await;
    let values: Vec<String> = events
        .iter()
        .map(|e| match e {
            WatchEvent::Modified(cm) => cm.data.as_ref().unwrap()["value"].clone(),
            other => panic!("unexpected {}", describe(other)),
        })
        .collect();
    assert_eq!(values, ["2", "3"]);
}

#[tokio::test]
async fn bookmarks_carry_the_current_resource_version() {
    let (server, client) = util::start().await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "shop");
    server.create(map("c", "1")).unwrap();
    let now = server.resource_version();
    let stream = maps
        .watch(&WatchParams::default().timeout(5), &now.to_string())
        .await
        .unwrap();
    futures::pin_mut!(stream);
    let event = tokio::time::timeout(Duration::from_secs(3), stream.try_next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(describe(&event), "BOOKMARK");
    assert_eq!(rv(&event), now);
    match &event {
        WatchEvent::Bookmark(b) => assert_eq!(b.types.kind, "ConfigMap"),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn initial_events_end_with_an_annotated_bookmark() {
    let (_server, client) = util::start().await;
    let pods: Api<Pod> = Api::namespaced(client, "shop");
    let stream = pods
        .watch(&WatchParams::streaming_lists().timeout(1), "")
        .await
        .unwrap();
    let events: Vec<WatchEvent<Pod>> = stream.map(Result::unwrap).collect().await;
    let described: Vec<String> = events.iter().map(describe).collect();
    assert_eq!(
        described[..4],
        ["ADDED db-0", "ADDED web-1", "ADDED web-2", "BOOKMARK"]
    );
    match &events[3] {
        WatchEvent::Bookmark(b) => assert_eq!(
            b.metadata
                .annotations
                .get("k8s.io/initial-events-end")
                .map(String::as_str),
            Some("true")
        ),
        other => panic!("expected a bookmark, got {}", describe(other)),
    }
}

#[tokio::test]
async fn too_old_resource_versions_get_410_expired() {
    let options = ServerOptions {
        history: 3,
        ..util::options()
    };
    let (server, client) = util::start_with(&util::seed(), options).await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "shop");
    let before = server.resource_version();
    for i in 0..5 {
        server.create(map(&format!("m{i}"), "x")).unwrap();
    }
    // Five events, three kept: resuming from before them is too old.
    let stream = maps
        .watch(&WatchParams::default().timeout(1), &before.to_string())
        .await
        .unwrap();
    let events: Vec<String> = stream.map(|e| describe(&e.unwrap())).collect().await;
    assert_eq!(events, ["ERROR 410 Expired"]);
    // From two events before the end is still in the history.
    let recent = (server.resource_version() - 2).to_string();
    let stream = maps
        .watch(
            &WatchParams::default().disable_bookmarks().timeout(1),
            &recent,
        )
        .await
        .unwrap();
    let events: Vec<String> = stream.map(|e| describe(&e.unwrap())).collect().await;
    assert_eq!(events, ["ADDED m3", "ADDED m4"]);
}

#[tokio::test]
async fn expiring_the_history_breaks_resumes_but_not_open_watches() {
    let (server, client) = util::start().await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "shop");
    let start = server.resource_version().to_string();
    let open = maps
        .watch(
            &WatchParams::default().disable_bookmarks().timeout(3),
            &start,
        )
        .await
        .unwrap();
    futures::pin_mut!(open);
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.faults().expire_history();
    server.create(map("after", "1")).unwrap();
    let event = open.try_next().await.unwrap().unwrap();
    assert_eq!(describe(&event), "ADDED after");

    let resumed = maps
        .watch(&WatchParams::default().timeout(1), &start)
        .await
        .unwrap();
    let events: Vec<String> = resumed.map(|e| describe(&e.unwrap())).collect().await;
    assert_eq!(events, ["ERROR 410 Expired"]);
}

#[tokio::test]
async fn selectors_apply_to_watches() {
    let (server, client) = util::start().await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "shop");
    let start = server.resource_version().to_string();
    let stream = maps
        .watch(
            &WatchParams::default()
                .labels("watched=yes")
                .disable_bookmarks()
                .timeout(1),
            &start,
        )
        .await
        .unwrap();
    server.create(map("in", "1")).unwrap();
    server
        .create(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "out", "namespace": "shop"}}))
        .unwrap();
    // Relabelling takes an object out of the selection: the watch sees it DELETED.
    let mut relabelled = map("in", "1");
    relabelled["metadata"]["labels"]["watched"] = "no".into();
    server.update(relabelled).unwrap();
    let events: Vec<String> = stream.map(|e| describe(&e.unwrap())).collect().await;
    assert_eq!(events, ["ADDED in", "DELETED in"]);
}

#[tokio::test]
async fn timeout_seconds_ends_the_watch() {
    let (_server, client) = util::start().await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "shop");
    let started = std::time::Instant::now();
    let stream = maps
        .watch(&WatchParams::default().timeout(1), "0")
        .await
        .unwrap();
    let _: Vec<_> = stream.collect().await;
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn raw_watch_streams_newline_delimited_json() {
    let (server, _client) = util::start().await;
    let path = format!(
        "/api/v1/namespaces/shop/configmaps?watch=true&resourceVersion={}&timeoutSeconds=1",
        server.resource_version()
    );
    let create = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        server.create(map("raw", "1")).unwrap();
    };
    let ((code, body), ()) = tokio::join!(util::http(&server, "GET", &path, None, ""), create);
    assert_eq!(code, 200);
    let lines: Vec<serde_json::Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{body}");
    assert_eq!(lines[0]["type"], "ADDED");
    assert_eq!(lines[0]["object"]["metadata"]["name"], "raw");
}
