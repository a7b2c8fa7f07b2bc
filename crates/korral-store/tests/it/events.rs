//! Events: stored once per uid + resourceVersion whichever group served them, filtered
//! by time, namespace and involved kind, newest first.

use korral_store::ChangeFilter;
use serde_json::{Value, json};

use crate::util::{TestDb, both, obj, t};

both!(events_deduplicated_across_groups);

fn core_event(uid: &str, rv: &str, kind: &str, when: &str, ns: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("e.{uid}"), "namespace": ns, "uid": uid, "resourceVersion": rv},
        "involvedObject": {"kind": kind, "name": "x", "namespace": ns},
        "reason": "Scheduled", "type": "Normal", "lastTimestamp": when})
}

fn new_event(uid: &str, rv: &str, kind: &str, when: &str, ns: &str) -> Value {
    json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": format!("e.{uid}"), "namespace": ns, "uid": uid, "resourceVersion": rv},
        "regarding": {"kind": kind, "name": "x", "namespace": ns},
        "reason": "Scheduled", "type": "Normal", "deprecatedLastTimestamp": when})
}

async fn events_deduplicated_across_groups(db: TestDb) -> anyhow::Result<()> {
    let cluster = db.store.cluster("test").await?;
    let when = |s: i64| t(s).to_string();
    let events = [
        core_event("u1", "10", "Pod", &when(1), "a"),
        new_event("u1", "10", "Pod", &when(1), "a"),
        core_event("u2", "11", "Deployment", &when(2), "a"),
        new_event("u3", "12", "Pod", &when(3), "b"),
        // The same event counted again: a new resourceVersion, stored.
        core_event("u1", "13", "Pod", &when(4), "a"),
    ];
    let new = db
        .store
        .record_events(cluster, &events.iter().map(obj).collect::<Vec<_>>())
        .await?;
    assert_eq!(new, 4);
    let again = db.store.record_events(cluster, &[obj(&events[1])]).await?;
    assert_eq!(again, 0);
    let all = db.store.events(cluster, &ChangeFilter::default()).await?;
    let rvs: Vec<_> = all
        .iter()
        .map(|e| e["metadata"]["resourceVersion"].clone())
        .collect();
    assert_eq!(rvs, ["13", "12", "11", "10"], "newest first");
    let pods_in_a = ChangeFilter {
        namespace: Some("a".into()),
        kinds: vec!["pod".into()],
        ..ChangeFilter::default()
    };
    assert_eq!(db.store.events(cluster, &pods_in_a).await?.len(), 2);
    let window = ChangeFilter {
        since: Some(t(2)),
        until: Some(t(3)),
        ..ChangeFilter::default()
    };
    assert_eq!(db.store.events(cluster, &window).await?.len(), 2);
    let limited = ChangeFilter {
        limit: Some(1),
        ..ChangeFilter::default()
    };
    assert_eq!(
        db.store.events(cluster, &limited).await?[0]["metadata"]["uid"],
        "u1"
    );
    Ok(())
}
