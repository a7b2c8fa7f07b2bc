use std::time::Duration;

use futures::{Stream, StreamExt};
use korral_kube::{Error, Resource, WatchEvent, watch};
use korral_testkit::{Fault, ServerOptions};
use serde_json::json;

use crate::util::{PATIENCE, cluster, cluster_with};

fn pods() -> Resource {
    Resource::new("v1", "Pod", "pods", true)
}

fn pod(name: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "labels": {"app": "new"}},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]}})
}

fn describe(event: &WatchEvent) -> String {
    match event {
        WatchEvent::Added(o) => format!("added {}", o.name()),
        WatchEvent::Modified(o) => format!("modified {}", o.name()),
        WatchEvent::Deleted(o) => format!("deleted {}", o.name()),
        WatchEvent::Restarted(all) => {
            let mut names: Vec<_> = all.iter().map(|o| o.name().to_owned()).collect();
            names.sort();
            format!("restarted [{}]", names.join(" "))
        }
    }
}

/// The next event, skipping the errors a reconnect reports.
async fn next_event<S>(stream: &mut S) -> String
where
    S: Stream<Item = korral_kube::Result<WatchEvent>> + Unpin,
{
    loop {
        let item = tokio::time::timeout(PATIENCE, stream.next())
            .await
            .expect("no event in time")
            .expect("the stream ended");
        match item {
            Ok(event) => return describe(&event),
            Err(err) => assert!(!matches!(err, Error::Forbidden { .. }), "{err}"),
        }
    }
}

/// Nothing else arrives for a while.
async fn quiet<S>(stream: &mut S)
where
    S: Stream<Item = korral_kube::Result<WatchEvent>> + Unpin,
{
    match tokio::time::timeout(Duration::from_millis(500), stream.next()).await {
        Err(_) => {}
        Ok(Some(Err(_))) => Box::pin(quiet(stream)).await,
        Ok(other) => panic!("unexpected {:?}", other.map(|r| r.map(|e| describe(&e)))),
    }
}

#[tokio::test]
async fn lists_then_follows_changes() {
    let cluster = cluster().await;
    let mut events = Box::pin(watch(&cluster.client, &pods(), Some("shop"), None));
    assert_eq!(
        next_event(&mut events).await,
        "restarted [db-1 web-1 web-2]"
    );

    cluster.server.create(pod("new-1")).unwrap();
    assert_eq!(next_event(&mut events).await, "added new-1");
    let mut changed = cluster
        .server
        .get("v1", "Pod", Some("shop"), "new-1")
        .unwrap();
    changed["metadata"]["labels"]["app"] = json!("newer");
    cluster.server.update(changed).unwrap();
    assert_eq!(next_event(&mut events).await, "modified new-1");
    cluster
        .server
        .delete("v1", "Pod", Some("shop"), "new-1")
        .unwrap();
    assert_eq!(next_event(&mut events).await, "deleted new-1");
    // Another namespace is not watched.
    cluster
        .server
        .create(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "elsewhere", "namespace": "ops"}}))
        .unwrap();
    quiet(&mut events).await;
}

#[tokio::test]
async fn a_dropped_connection_resumes_without_loss_or_repeats() {
    let cluster = cluster().await;
    let mut events = Box::pin(watch(&cluster.client, &pods(), None, None));
    assert_eq!(
        next_event(&mut events).await,
        "restarted [backup-1 db-1 web-1 web-2]"
    );
    cluster.server.create(pod("before")).unwrap();
    assert_eq!(next_event(&mut events).await, "added before");

    cluster.server.faults().drop_watches();
    // Changes made while no watch is open arrive after the reconnect, once.
    cluster.server.create(pod("during")).unwrap();
    // The cut is reported, then the watch goes on by itself.
    let cut = tokio::time::timeout(PATIENCE, events.next())
        .await
        .unwrap()
        .unwrap();
    let err = cut.map(|e| describe(&e)).unwrap_err();
    assert!(matches!(err, Error::WatchInterrupted { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("the watch of `pods` (context `korral-test`) was cut: "),
        "{err}"
    );
    assert_eq!(next_event(&mut events).await, "added during");
    cluster.server.create(pod("after")).unwrap();
    assert_eq!(next_event(&mut events).await, "added after");
    quiet(&mut events).await;
}

#[tokio::test]
async fn an_expired_history_relists_the_full_set() {
    let cluster = cluster().await;
    let mut events = Box::pin(watch(&cluster.client, &pods(), Some("shop"), None));
    assert_eq!(
        next_event(&mut events).await,
        "restarted [db-1 web-1 web-2]"
    );

    cluster.server.faults().drop_watches();
    cluster.server.create(pod("lost-in-history")).unwrap();
    cluster
        .server
        .delete("v1", "Pod", Some("shop"), "db-1")
        .unwrap();
    cluster.server.faults().expire_history();
    assert_eq!(
        next_event(&mut events).await,
        "restarted [lost-in-history web-1 web-2]"
    );
    cluster.server.create(pod("later")).unwrap();
    assert_eq!(next_event(&mut events).await, "added later");
}

#[tokio::test]
async fn starts_from_a_given_resource_version_with_bookmarks() {
    let cluster = cluster_with(ServerOptions {
        bookmark_interval: Duration::from_millis(50),
        ..ServerOptions::default()
    })
    .await;
    let rv = cluster.server.resource_version().to_string();
    let mut events = Box::pin(watch(&cluster.client, &pods(), Some("shop"), Some(rv)));
    // Bookmarks come and go silently.
    quiet(&mut events).await;
    cluster.server.create(pod("fresh")).unwrap();
    assert_eq!(next_event(&mut events).await, "added fresh");
}

#[tokio::test]
async fn forbidden_ends_the_stream_with_its_error() {
    let cluster = cluster().await;
    cluster
        .server
        .faults()
        .inject(Fault::resource("", "secrets").status(403));
    let secrets = Resource::new("v1", "Secret", "secrets", true);
    let mut events = Box::pin(watch(&cluster.client, &secrets, Some("shop"), None));
    let first = tokio::time::timeout(PATIENCE, events.next()).await.unwrap();
    let err = first.unwrap().unwrap_err();
    assert_eq!(
        err.to_string(),
        "forbidden: user may not list `secrets` in namespace `shop` (context `korral-test`)"
    );
    assert!(
        tokio::time::timeout(PATIENCE, events.next())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_watch_from_a_listing_goes_on_where_the_list_ended() {
    let cluster = cluster().await;
    let options = korral_kube::ListOptions {
        namespace: Some("shop".to_owned()),
        page_size: 1,
        ..korral_kube::ListOptions::default()
    };
    let listing = korral_kube::list(&cluster.client, &[pods()], &options)
        .await
        .unwrap();
    assert_eq!(listing.objects.len(), 3);
    let rv = listing.resource_version(&pods()).unwrap().to_owned();
    // A change between the list and the watch is not lost.
    cluster.server.create(pod("between")).unwrap();
    let mut events = Box::pin(watch(&cluster.client, &pods(), Some("shop"), Some(rv)));
    assert_eq!(next_event(&mut events).await, "added between");
    quiet(&mut events).await;
}
