//! History endpoints over a real SQLite store: versions, changes, the topology at a
//! time, and the store's figures in /metrics.

use jiff::{SignedDuration, Timestamp};
use korral_core::{Object, Source};
use korral_server::Options;
use korral_store::{Change, ChangeKind, Store};

use crate::util::{assert_error, call, get, json, state_with};

fn config_map(data: &str) -> Object {
    Object::from_json(
        &format!(
            r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"settings","namespace":"shop","resourceVersion":"{}"}},"data":{{"mode":"{data}"}}}}"#,
            data.len()
        ),
        Source {
            file: korral_core::FileId(0),
            line: 1,
        },
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn versions_changes_and_the_topology_at_a_time_come_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite:{}", dir.path().join("k.db").display()))
        .await
        .unwrap();
    let id = store.cluster("shop").await.unwrap();
    let created = Timestamp::now() - SignedDuration::from_mins(10);
    let edited = Timestamp::now() - SignedDuration::from_mins(5);
    let changes = [
        Change {
            kind: ChangeKind::Added,
            object: config_map("slow"),
            at: created,
        },
        Change {
            kind: ChangeKind::Modified,
            object: config_map("faster"),
            at: edited,
        },
    ];
    store.record(id, &changes).await.unwrap();
    let mut state = state_with(Options::default());
    state.store = Some(store);

    let (status, body) = get(
        &state,
        "/api/v1/clusters/shop/history?kind=cm&namespace=shop&name=settings",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let versions = json(&body)["versions"].as_array().unwrap().clone();
    assert_eq!(versions.len(), 2, "{body}");
    assert_eq!(versions[0]["change"], "Added");
    assert_eq!(versions[1]["object"]["data"]["mode"], "faster");

    let (status, body) = get(
        &state,
        "/api/v1/clusters/shop/changes?since=-1h&kind=ConfigMap",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let listed = json(&body)["changes"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2, "{body}");
    assert_eq!(listed[0]["change"], "Modified", "newest first");

    // Before it was created, the graph lacks it; after, it holds it.
    let (status, body) = get(&state, "/api/v1/clusters/shop/topology?at=-15m").await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("ConfigMap/shop/settings"), "{body}");
    let (status, body) = get(&state, "/api/v1/clusters/shop/topology?at=-1m").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("ConfigMap/shop/settings"), "{body}");

    let (status, body) = get(&state, "/api/v1/clusters/shop/topology?at=yesterday").await;
    assert_error(status, &body, 400, "bad_request");
    let (status, body) = get(&state, "/api/v1/clusters/shop/changes?since=soon").await;
    assert_error(status, &body, 400, "bad_request");

    let (status, text) = call(&state, "GET", "/metrics", None).await;
    assert_eq!(status, 200);
    assert!(
        text.contains("korral_recorded_versions{cluster=\"shop\"} 2"),
        "{text}"
    );
    assert!(text.contains("korral_store_size_bytes "), "{text}");
}
