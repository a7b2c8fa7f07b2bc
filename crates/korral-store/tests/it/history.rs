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
