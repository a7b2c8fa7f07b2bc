//! The recorder against the API test server: the initial state, each change once,
//! deletions, restarts that resume from bookmarks, and a relist after 410 Gone.

use std::time::Duration;

use korral_core::{Loader, ObjectSet};
use korral_kube::{ClusterConfig, KubeOptions};
use korral_server::hub::{Hub, Update};
use korral_server::live::{ClusterView, Clusters};
use korral_server::recorder::{Recorder, RecorderOptions};
use korral_store::{ChangeKind, ObjectRef, Store};
use korral_testkit::{ApiServer, ServerOptions};
use serde_json::json;

const SEED: &str = "\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: seeded, namespace: shop}
data: {colour: blue}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
data: {password: aHVudGVyMg==}
";

struct Harness {
    server: ApiServer,
    dir: tempfile::TempDir,
    db: String,
}

impl Harness {
    async fn new() -> Self {
        let seed: ObjectSet = Loader::load_str("seed.yaml", SEED).unwrap();
        let server = ApiServer::start(&seed, ServerOptions::default())
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        server.write_kubeconfig(dir.path().join("config")).unwrap();
        let db = format!("sqlite:{}", dir.path().join("korral.db").display());
        Self { server, dir, db }
    }

    /// A recorder over the store file, and its view once it has listed everything.
    async fn record(&self, hub: &Hub) -> (Recorder, Store, std::sync::Arc<ClusterView>) {
        let store = Store::open(&self.db).await.unwrap();
        let config = ClusterConfig::load(KubeOptions {
            kubeconfig: Some(self.dir.path().join("config")),
            ..KubeOptions::default()
        })
        .unwrap();
        let clusters = Clusters::default();
        let options = RecorderOptions {
            flush_every: Duration::from_millis(20),
            batch: 1000,
        };
        let recorder = Recorder::start_with(
            store.clone(),
            vec![config],
            hub.clone(),
            clusters.clone(),
            options,
        );
        let view = clusters.get("korral-test").unwrap();
        eventually("the recorder lists the cluster", || async {
            view.synced.load(std::sync::atomic::Ordering::Relaxed)
        })
        .await;
        (recorder, store, view)
    }
}

/// Waits (up to a generous minute: this is not a timing test) until `check` holds.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn map_ref(name: &str) -> ObjectRef {
    ObjectRef {
        group: String::new(),
        kind: "ConfigMap".to_owned(),
        namespace: Some("shop".to_owned()),
        name: name.to_owned(),
    }
}

fn config_map(name: &str, value: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "namespace": "shop"}, "data": {"colour": value}})
}

async fn versions(store: &Store, name: &str) -> Vec<korral_store::Version> {
    let id = store.cluster("korral-test").await.unwrap();
    store.history(id, &map_ref(name), None).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // One story: record, change, restart, check.
async fn records_the_cluster_then_each_change_once_and_resumes_after_a_restart() {
    let harness = Harness::new().await;
    let hub = Hub::default();
    let mut updates = hub.subscribe(None).receiver;
    let (recorder, store, view) = harness.record(&hub).await;

    // The initial state: every seeded object, once; the Secret's value nowhere.
    assert_eq!(versions(&store, "seeded").await.len(), 1);
    let id = store.cluster("korral-test").await.unwrap();
    let secret = ObjectRef {
        kind: "Secret".to_owned(),
        name: "db".to_owned(),
        ..map_ref("")
    };
    let stored = store.history(id, &secret, None).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].object.to_string().contains("aHVudGVyMg"));
    let served = view.read(|g| {
        g.objects()
            .map(|o| o.raw().as_str().to_owned())
            .collect::<Vec<_>>()
    });
    assert!(served.iter().any(|o| o.contains("\"db\"")));
    assert!(
        served.iter().all(|o| !o.contains("aHVudGVyMg")),
        "the live graph holds no Secret value"
    );

    // Created, then edited: two versions, the second with the new value.
    harness.server.create(config_map("web", "red")).unwrap();
    let mut edited = harness
        .server
        .get("v1", "ConfigMap", Some("shop"), "web")
        .unwrap();
    edited["data"]["colour"] = json!("green");
    harness.server.update(edited).unwrap();
    eventually("two versions of web", || async {
        versions(&store, "web").await.len() == 2
    })
    .await;
    let web = versions(&store, "web").await;
    assert_eq!(web[0].change, ChangeKind::Added);
    assert_eq!(web[0].object["data"]["colour"], "red");
    assert_eq!(web[1].change, ChangeKind::Modified);
    assert_eq!(web[1].object["data"]["colour"], "green");

    // The hub heard both, as stored (it is told right after the write).
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while seen.len() < 2 && tokio::time::Instant::now() < deadline {
        let Ok(Ok(published)) = tokio::time::timeout(Duration::from_secs(1), updates.recv()).await
        else {
            continue;
        };
        if let Update::Objects(change) = &published.update
            && change.name == "web"
        {
            seen.push(change.object["data"]["colour"].clone());
        }
    }
    assert_eq!(seen, vec![json!("red"), json!("green")]);
    assert!(view.read(|g| {
        g.get(&korral_core::ObjectKey::new(
            "",
            "ConfigMap",
            Some("shop"),
            "web",
        ))
        .is_some()
    }));

    // Deleted: a third version, and gone from the graph.
    harness
        .server
        .delete("v1", "ConfigMap", Some("shop"), "web")
        .unwrap();
    eventually("web deleted", || async {
        versions(&store, "web").await.len() == 3
    })
    .await;
    assert_eq!(versions(&store, "web").await[2].change, ChangeKind::Deleted);
    assert!(view.read(|g| {
        g.get(&korral_core::ObjectKey::new(
            "",
            "ConfigMap",
            Some("shop"),
            "web",
        ))
        .is_none()
    }));

    // Stopped; a change while it is down; started again over the same file.
    drop(recorder);
    drop(store);
    let mut seeded = harness
        .server
        .get("v1", "ConfigMap", Some("shop"), "seeded")
        .unwrap();
    seeded["data"]["colour"] = json!("yellow");
    harness.server.update(seeded).unwrap();
    let (_recorder, store, _view) = harness.record(&hub).await;
    eventually("the change made while down", || async {
        versions(&store, "seeded").await.len() == 2
    })
    .await;
    // Give a duplicate every chance to appear: one more change, recorded after.
    harness.server.create(config_map("after", "x")).unwrap();
    eventually("after", || async {
        versions(&store, "after").await.len() == 1
    })
    .await;
    assert_eq!(versions(&store, "web").await.len(), 3, "no version twice");
    let seeded = versions(&store, "seeded").await;
    assert_eq!(seeded.len(), 2, "no version twice");
    assert_eq!(seeded[1].object["data"]["colour"], "yellow");
    let id = store.cluster("korral-test").await.unwrap();
    assert_eq!(store.history(id, &secret, None).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_after_the_history_expired_relists_and_resyncs() {
    let harness = Harness::new().await;
    let hub = Hub::default();
    let (recorder, store, _view) = harness.record(&hub).await;
    harness.server.create(config_map("kept", "a")).unwrap();
    harness.server.create(config_map("gone", "a")).unwrap();
    eventually("both recorded", || async {
        versions(&store, "kept").await.len() == 1 && versions(&store, "gone").await.len() == 1
    })
    .await;
    drop(recorder);

    // While it is down: one edited, one deleted, and the history the bookmarks point
    // into forgotten (410 Gone for them).
    let mut kept = harness
        .server
        .get("v1", "ConfigMap", Some("shop"), "kept")
        .unwrap();
    kept["data"]["colour"] = json!("b");
    harness.server.update(kept).unwrap();
    harness
        .server
        .delete("v1", "ConfigMap", Some("shop"), "gone")
        .unwrap();
    harness.server.faults().expire_history();

    let (_recorder, store, view) = harness.record(&hub).await;
    eventually("the relist's changes", || async {
        versions(&store, "kept").await.len() == 2 && versions(&store, "gone").await.len() == 2
    })
    .await;
    let kept = versions(&store, "kept").await;
    assert_eq!(kept[1].object["data"]["colour"], "b");
    assert_eq!(
        versions(&store, "gone").await[1].change,
        ChangeKind::Deleted
    );
    assert_eq!(
        versions(&store, "seeded").await.len(),
        1,
        "unchanged objects stay one version"
    );
    // And it keeps watching after the relist.
    harness.server.create(config_map("later", "a")).unwrap();
    eventually("later", || async {
        versions(&store, "later").await.len() == 1
    })
    .await;
    assert!(view.error().is_none(), "{:?}", view.error());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_changed_through_the_api_is_published_and_stored_without_its_values() {
    let harness = Harness::new().await;
    let hub = Hub::default();
    let mut updates = hub.subscribe(None).receiver;
    let (_recorder, store, view) = harness.record(&hub).await;
    let mut secret = harness
        .server
        .get("v1", "Secret", Some("shop"), "db")
        .unwrap();
    // "s3cr3t-value" and a last-applied annotation that repeats it.
    secret["data"]["password"] = json!("czNjcjN0LXZhbHVl");
    secret["metadata"]["annotations"] = json!({
        "kubectl.kubernetes.io/last-applied-configuration":
            "{\"data\":{\"password\":\"czNjcjN0LXZhbHVl\"}}"});
    harness.server.update(secret).unwrap();
    let mut published = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while published.is_none() && tokio::time::Instant::now() < deadline {
        let Ok(Ok(update)) = tokio::time::timeout(Duration::from_secs(1), updates.recv()).await
        else {
            continue;
        };
        if let Update::Objects(change) = &update.update
            && change.kind == "Secret"
        {
            published = Some(update.message().to_owned());
        }
    }
    let published = published.expect("the Secret's change was published");
    assert!(published.contains("\"password\":\"sha256:"), "{published}");
    for text in [
        published,
        view.read(|g| {
            g.objects()
                .map(|o| o.raw().as_str().to_owned())
                .collect::<String>()
        }),
        format!(
            "{:?}",
            store
                .history(
                    store.cluster("korral-test").await.unwrap(),
                    &ObjectRef {
                        kind: "Secret".to_owned(),
                        name: "db".to_owned(),
                        ..map_ref("")
                    },
                    None
                )
                .await
                .unwrap()
        ),
    ] {
        assert!(
            !text.contains("czNjcjN0LXZhbHVl") && !text.contains("s3cr3t"),
            "{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_losing_the_cluster_the_next_round_publishes_what_changed_meanwhile() {
    let harness = Harness::new().await;
    let hub = Hub::default();
    let (_recorder, store, view) = harness.record(&hub).await;
    harness.server.create(config_map("doomed", "a")).unwrap();
    eventually("doomed recorded", || async {
        versions(&store, "doomed").await.len() == 1
    })
    .await;
    let mut updates = hub.subscribe(None).receiver;

    // Every request refused and every watch cut: every watch ends, the round with them.
    let faults = harness.server.faults();
    faults.inject(korral_testkit::Fault::path_prefix("/api").status(401));
    faults.inject(korral_testkit::Fault::path_prefix("/apis").status(401));
    faults.drop_watches();
    eventually("the recorder notices", || async { view.error().is_some() }).await;
    harness
        .server
        .delete("v1", "ConfigMap", Some("shop"), "doomed")
        .unwrap();
    faults.clear();

    let key = korral_core::ObjectKey::new("", "ConfigMap", Some("shop"), "doomed");
    eventually("the graph loses doomed", || async {
        view.read(|g| g.get(&key).is_none())
    })
    .await;
    let mut deleted = 0;
    while let Ok(published) = updates.try_recv() {
        if let Update::Objects(change) = &published.update
            && change.name == "doomed"
        {
            assert_eq!(change.change, korral_server::hub::ChangeType::Deleted);
            deleted += 1;
        }
    }
    assert_eq!(deleted, 1, "told once");
    eventually("the deletion stored", || async {
        versions(&store, "doomed").await.len() == 2
    })
    .await;
}
