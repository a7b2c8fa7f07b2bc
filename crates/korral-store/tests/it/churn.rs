//! Changes that tell nobody anything are not stored; each kind of churn has its test,
//! and each has a twin where something real changed too, which is stored.

use korral_store::{ChangeKind, RecordStats};
use serde_json::{Value, json};

use crate::util::{TestDb, both, change};

both!(
    resource_version_only,
    managed_fields_times,
    node_heartbeats,
    lease_renewals,
    leader_annotation_renewals,
    identical_repeats_and_unknown_deletions
);

/// Records `old` then `new`; returns what the second write did.
async fn second_write(db: &TestDb, old: &Value, new: &Value) -> anyhow::Result<RecordStats> {
    let cluster = db.store.cluster("test").await?;
    db.store
        .record(cluster, &[change(ChangeKind::Added, old, 0)])
        .await?;
    Ok(db
        .store
        .record(cluster, &[change(ChangeKind::Modified, new, 10)])
        .await?)
}

/// `old` → `churned` is dropped as churn; then `news` (a real change) is stored.
async fn churn_then_news(
    db: &TestDb,
    old: &Value,
    churned: &Value,
    news: &Value,
) -> anyhow::Result<()> {
    assert_eq!(second_write(db, old, churned).await?, churn());
    let cluster = db.store.cluster("test").await?;
    let stats = db
        .store
        .record(cluster, &[change(ChangeKind::Modified, news, 20)])
        .await?;
    assert_eq!(stats, stored());
    Ok(())
}

fn churn() -> RecordStats {
    RecordStats {
        dropped_churn: 1,
        ..RecordStats::default()
    }
}

fn stored() -> RecordStats {
    RecordStats {
        stored: 1,
        ..RecordStats::default()
    }
}

async fn resource_version_only(db: TestDb) -> anyhow::Result<()> {
    let old = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "a", "namespace": "d", "resourceVersion": "1"}, "data": {"k": "v"}});
    let mut churned = old.clone();
    churned["metadata"]["resourceVersion"] = json!("2");
    let mut news = churned.clone();
    news["data"]["k"] = json!("w");
    churn_then_news(&db, &old, &churned, &news).await
}

async fn managed_fields_times(db: TestDb) -> anyhow::Result<()> {
    let entry = |time: &str| json!({"manager": "kubelet", "operation": "Update", "time": time, "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {}}});
    let old = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "a", "namespace": "d", "resourceVersion": "1",
                     "managedFields": [entry("2026-01-01T00:00:00Z")]}});
    let mut churned = old.clone();
    churned["metadata"]["managedFields"] = json!([entry("2026-01-01T00:10:00Z")]);
    churned["metadata"]["resourceVersion"] = json!("9");
    // A manager appearing is a real change.
    let mut news = churned.clone();
    news["metadata"]["managedFields"] = json!([entry("2026-01-01T00:10:00Z"),
        {"manager": "kubectl", "operation": "Apply", "time": "2026-01-01T00:10:00Z"}]);
    churn_then_news(&db, &old, &churned, &news).await
}

fn node(heartbeat: &str, ready: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "resourceVersion": heartbeat},
        "status": {"conditions": [{"type": "Ready", "status": ready,
            "lastHeartbeatTime": heartbeat, "lastTransitionTime": "2026-01-01T00:00:00Z"}]}})
}

async fn node_heartbeats(db: TestDb) -> anyhow::Result<()> {
    churn_then_news(
        &db,
        &node("2026-01-01T00:00:00Z", "True"),
        &node("2026-01-01T00:00:40Z", "True"),
        &node("2026-01-01T00:01:20Z", "False"),
    )
    .await
}

fn lease(holder: &str, acquire: &str, renew: &str) -> Value {
    json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": "kube-scheduler", "namespace": "kube-system", "resourceVersion": renew},
        "spec": {"holderIdentity": holder, "acquireTime": acquire, "renewTime": renew, "leaseDurationSeconds": 15}})
}

async fn lease_renewals(db: TestDb) -> anyhow::Result<()> {
    churn_then_news(
        &db,
        &lease("a", "2026-01-01T00:00:00Z", "2026-01-01T00:00:02Z"),
        &lease("a", "2026-01-01T00:00:00Z", "2026-01-01T00:00:04Z"),
        // A new leader is news.
        &lease("b", "2026-01-01T00:01:00Z", "2026-01-01T00:01:00Z"),
    )
    .await
}

fn leader_endpoints(holder: &str, renew: &str) -> Value {
    let record = json!({"holderIdentity": holder, "leaseDurationSeconds": 15,
        "acquireTime": "2026-01-01T00:00:00Z", "renewTime": renew, "leaderTransitions": 0});
    json!({"apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": "kube-controller-manager", "namespace": "kube-system", "resourceVersion": renew,
            "annotations": {"control-plane.alpha.kubernetes.io/leader": record.to_string()}}})
}

async fn leader_annotation_renewals(db: TestDb) -> anyhow::Result<()> {
    churn_then_news(
        &db,
        &leader_endpoints("a", "2026-01-01T00:00:02Z"),
        &leader_endpoints("a", "2026-01-01T00:00:04Z"),
        &leader_endpoints("b", "2026-01-01T00:00:06Z"),
    )
    .await
}

async fn identical_repeats_and_unknown_deletions(db: TestDb) -> anyhow::Result<()> {
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "d", "resourceVersion": "1"}});
    let stats = second_write(&db, &cm, &cm).await?;
    assert_eq!(
        stats,
        RecordStats {
            dropped_same: 1,
            ..RecordStats::default()
        }
    );
    let cluster = db.store.cluster("test").await?;
    let other = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "never-seen", "namespace": "d"}});
    let stats = db
        .store
        .record(cluster, &[change(ChangeKind::Deleted, &other, 30)])
        .await?;
    assert_eq!(
        stats,
        RecordStats {
            dropped_same: 1,
            ..RecordStats::default()
        }
    );
    // Deleting twice stores one deletion.
    let stats = db
        .store
        .record(
            cluster,
            &[
                change(ChangeKind::Deleted, &cm, 40),
                change(ChangeKind::Deleted, &cm, 41),
            ],
        )
        .await?;
    assert_eq!(
        stats,
        RecordStats {
            stored: 1,
            dropped_same: 1,
            ..RecordStats::default()
        }
    );
    Ok(())
}
