//! Recording versions and reading them back.

use korral_store::{ChangeFilter, ChangeKind, ObjectRef, Store};

use crate::util::{TestDb, both, change, config_map, t};

both!(versions_round_trip, reopened_store_keeps_history);

fn cm_ref(name: &str) -> ObjectRef {
    ObjectRef {
        group: String::new(),
        kind: "ConfigMap".into(),
        namespace: Some("default".into()),
        name: name.into(),
    }
}

async fn versions_round_trip(db: TestDb) -> anyhow::Result<()> {
    let cluster = db.store.cluster("test").await?;
    let stats = db
        .store
        .record(
            cluster,
            &[
                change(ChangeKind::Added, &config_map("a", 1, "one"), 0),
                change(ChangeKind::Modified, &config_map("a", 2, "two"), 10),
                change(ChangeKind::Modified, &config_map("a", 3, "three"), 20),
            ],
        )
        .await?;
    assert_eq!(stats.stored, 3);
    let versions = db.store.history(cluster, &cm_ref("a"), None).await?;
    let values: Vec<_> = versions
        .iter()
        .map(|v| v.object["data"]["key"].clone())
        .collect();
    assert_eq!(values, ["one", "two", "three"]);
    assert_eq!(versions[0].change, ChangeKind::Added);
    assert_eq!(versions[2].resource_version, "3");
    let at = db
        .store
        .objects_at(cluster, t(15), &ChangeFilter::default())
        .await?;
    assert_eq!(at.len(), 1);
    assert_eq!(at[0]["data"]["key"], "two");
    let before = db
        .store
        .objects_at(cluster, t(-1), &ChangeFilter::default())
        .await?;
    assert!(before.is_empty());
    Ok(())
}

async fn reopened_store_keeps_history(db: TestDb) -> anyhow::Result<()> {
    let cluster = db.store.cluster("test").await?;
    db.store
        .record(
            cluster,
            &[change(ChangeKind::Added, &config_map("a", 1, "one"), 0)],
        )
        .await?;
    let again = Store::open(&db.url).await?;
    assert_eq!(again.cluster("test").await?, cluster);
    assert_eq!(again.history(cluster, &cm_ref("a"), None).await?.len(), 1);
    Ok(())
}

both!(
    long_histories_rebuild_every_version,
    deleted_and_recreated_objects,
    changes_filtered_newest_first,
    objects_at_filters,
    managers_name_who_changed_what
);

async fn long_histories_rebuild_every_version(db: TestDb) -> anyhow::Result<()> {
    let cluster = db.store.cluster("test").await?;
    let n = 3 * korral_store::FULL_EVERY + 5;
    let changes: Vec<_> = (0..n)
        .map(|i| {
            let kind = if i == 0 {
                ChangeKind::Added
            } else {
                ChangeKind::Modified
            };
            change(kind, &config_map("a", i as u64 + 1, &format!("v{i}")), i)
        })
        .collect();
    assert_eq!(db.store.record(cluster, &changes).await?.stored, n as usize);
    let versions = db.store.history(cluster, &cm_ref("a"), None).await?;
    assert_eq!(versions.len(), n as usize);
    for (i, v) in versions.iter().enumerate() {
        assert_eq!(v.object["data"]["key"], format!("v{i}"));
        assert_eq!(v.resource_version, (i + 1).to_string());
    }
    // Every moment rebuilds to the version then.
    for i in [0, 15, 16, 17, 31, 32, 40, n - 1] {
        let at = db
            .store
            .objects_at(cluster, t(i), &ChangeFilter::default())
            .await?;
        assert_eq!(at[0]["data"]["key"], format!("v{i}"), "at {i}");
    }
    let since = db
        .store
        .history(cluster, &cm_ref("a"), Some(t(n - 3)))
        .await?;
    assert_eq!(since.len(), 3);
    Ok(())
}

async fn deleted_and_recreated_objects(db: TestDb) -> anyhow::Result<()> {
    let cluster = db.store.cluster("test").await?;
    db.store
        .record(
            cluster,
            &[
                change(ChangeKind::Added, &config_map("a", 1, "one"), 0),
                change(ChangeKind::Modified, &config_map("a", 2, "two"), 10),
                change(ChangeKind::Deleted, &config_map("a", 3, "two"), 20),
                change(ChangeKind::Added, &config_map("a", 4, "again"), 30),
            ],
        )
        .await?;
    let all = ChangeFilter::default();
    assert_eq!(db.store.objects_at(cluster, t(15), &all).await?.len(), 1);
    assert!(
        db.store.objects_at(cluster, t(25), &all).await?.is_empty(),
        "deleted at 20"
    );
    assert_eq!(
        db.store.objects_at(cluster, t(35), &all).await?[0]["data"]["key"],
        "again"
    );
    let kinds: Vec<_> = db
        .store
        .history(cluster, &cm_ref("a"), None)
        .await?
        .iter()
        .map(|v| v.change)
        .collect();
    assert_eq!(
        kinds,
        [
            ChangeKind::Added,
            ChangeKind::Modified,
            ChangeKind::Deleted,
            ChangeKind::Added
        ]
    );
    let info = &db.store.clusters().await?[0];
    assert_eq!((info.objects, info.versions), (1, 4));
    Ok(())
}

fn labelled(kind: &str, ns: Option<&str>, name: &str, app: &str) -> serde_json::Value {
    let mut v = serde_json::json!({"apiVersion": "v1", "kind": kind,
        "metadata": {"name": name, "labels": {"app": app}}});
    if let Some(ns) = ns {
        v["metadata"]["namespace"] = ns.into();
    }
    v
}

/// Three labelled objects in two namespaces and a cluster-scoped one, at 0..=3.
fn labelled_batch() -> Vec<korral_store::Change> {
    [
        labelled("ConfigMap", Some("a"), "one", "web"),
        labelled("Service", Some("a"), "two", "web"),
        labelled("ConfigMap", Some("b"), "three", "db"),
        labelled("Namespace", None, "a", "web"),
    ]
    .iter()
    .zip(0..)
    .map(|(object, at)| change(ChangeKind::Added, object, at))
    .collect()
}

async fn changes_filtered_newest_first(db: TestDb) -> anyhow::Result<()> {
    let cluster = db.store.cluster("test").await?;
    db.store.record(cluster, &labelled_batch()).await?;
    let names = |records: Vec<korral_store::ChangeRecord>| -> Vec<String> {
        records.into_iter().map(|r| r.name).collect()
    };
    let all = db.store.changes(cluster, &ChangeFilter::default()).await?;
    assert_eq!(all[0].namespace, None);
    assert_eq!(names(all), ["a", "three", "two", "one"]);
    let in_a = ChangeFilter {
        namespace: Some("a".into()),
        ..ChangeFilter::default()
    };
    assert_eq!(
        names(db.store.changes(cluster, &in_a).await?),
        ["two", "one"]
    );
    let cms = ChangeFilter {
        kinds: vec!["configmap".into()],
        ..ChangeFilter::default()
    };
    assert_eq!(
        names(db.store.changes(cluster, &cms).await?),
        ["three", "one"]
    );
    let web = ChangeFilter {
        selector: Some(korral_core::LabelSelector::parse("app=web")?),
        limit: Some(2),
        ..ChangeFilter::default()
    };
    assert_eq!(names(db.store.changes(cluster, &web).await?), ["a", "two"]);
    let window = ChangeFilter {
        since: Some(t(1)),
        until: Some(t(2)),
        ..ChangeFilter::default()
    };
    assert_eq!(
        names(db.store.changes(cluster, &window).await?),
        ["three", "two"]
    );
    Ok(())
}

async fn objects_at_filters(db: TestDb) -> anyhow::Result<()> {
    let cluster = db.store.cluster("test").await?;
    let mut batch = labelled_batch();
    // After the moment asked in the past.
    batch.push(change(
        ChangeKind::Added,
        &labelled("ConfigMap", Some("a"), "four", "web"),
        10,
    ));
    db.store.record(cluster, &batch).await?;
    for at in [t(5), t(50)] {
        let names = |objects: Vec<serde_json::Value>| -> Vec<String> {
            let mut n: Vec<_> = objects
                .iter()
                .map(|o| o["metadata"]["name"].as_str().unwrap().to_owned())
                .collect();
            n.sort();
            n
        };
        let f = ChangeFilter {
            namespace: Some("a".into()),
            kinds: vec!["ConfigMap".into()],
            selector: Some(korral_core::LabelSelector::parse("app in (web)")?),
            ..ChangeFilter::default()
        };
        let expected: &[&str] = if at == t(5) {
            &["one"]
        } else {
            &["four", "one"]
        };
        assert_eq!(
            names(db.store.objects_at(cluster, at, &f).await?),
            expected,
            "at {at}"
        );
        // The same set as korral objects.
        let mut set: Vec<_> = db
            .store
            .objects_at_set(cluster, at, &f)
            .await?
            .iter()
            .map(|o| o.name().to_owned())
            .collect();
        set.sort();
        assert_eq!(set, expected, "at {at}");
    }
    Ok(())
}

async fn managers_name_who_changed_what(db: TestDb) -> anyhow::Result<()> {
    let cluster = db.store.cluster("test").await?;
    let with = |value: &str, fields: serde_json::Value| {
        let mut cm = config_map("a", 1, value);
        cm["metadata"]["managedFields"] = fields;
        cm
    };
    let v1 = with(
        "one",
        serde_json::json!([
        {"manager": "kubectl-client-side-apply", "operation": "Update", "time": "2026-01-01T00:00:00Z"}]),
    );
    let v2 = with(
        "two",
        serde_json::json!([
        {"manager": "kubectl-client-side-apply", "operation": "Update", "time": "2026-01-01T00:00:00Z"},
        {"manager": "helm", "operation": "Update", "time": "2026-01-01T01:00:00Z"}]),
    );
    db.store
        .record(
            cluster,
            &[
                change(ChangeKind::Added, &v1, 0),
                change(ChangeKind::Modified, &v2, 10),
            ],
        )
        .await?;
    let versions = db.store.history(cluster, &cm_ref("a"), None).await?;
    assert_eq!(versions[0].managers, ["kubectl-client-side-apply"]);
    assert_eq!(versions[1].managers, ["helm"]);
    let changes = db.store.changes(cluster, &ChangeFilter::default()).await?;
    assert_eq!(changes[0].managers, ["helm"]);
    Ok(())
}
