//! Named snapshots: a copy of the objects at a moment, kept through retention.

use std::time::Duration;

use korral_store::{ChangeKind, Retention};

use crate::util::{TestDb, both, change, config_map, t};

both!(snapshots_copy_and_survive_retention);

async fn snapshots_copy_and_survive_retention(db: TestDb) -> anyhow::Result<()> {
    let cluster = db.store.cluster("test").await?;
    db.store
        .record(
            cluster,
            &[
                change(ChangeKind::Added, &config_map("a", 1, "old"), 0),
                change(ChangeKind::Added, &config_map("b", 2, "x"), 1),
                change(ChangeKind::Modified, &config_map("a", 3, "new"), 10),
                change(ChangeKind::Deleted, &config_map("b", 4, "x"), 11),
            ],
        )
        .await?;
    db.store
        .create_snapshot(cluster, "before-upgrade", t(5))
        .await?;
    let err = db
        .store
        .create_snapshot(cluster, "before-upgrade", t(6))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already exists"), "{err}");
    // Retention that deletes everything but current versions.
    db.store
        .enforce_retention(&Retention {
            max_age: Some(Duration::from_secs(1)),
            max_bytes: None,
        })
        .await?;
    let objects = db.store.snapshot_objects(cluster, "before-upgrade").await?;
    let mut values: Vec<_> = objects
        .iter()
        .map(|o| (o["metadata"]["name"].clone(), o["data"]["key"].clone()))
        .collect();
    values.sort_by_key(|v| v.0.to_string());
    assert_eq!(
        values,
        [("a".into(), "old".into()), ("b".into(), "x".into())]
    );
    let list = db.store.snapshots(cluster).await?;
    assert_eq!(
        (list[0].name.as_str(), list[0].at, list[0].objects),
        ("before-upgrade", t(5), 2)
    );
    db.store.delete_snapshot(cluster, "before-upgrade").await?;
    assert!(
        db.store
            .snapshot_objects(cluster, "before-upgrade")
            .await
            .is_err()
    );
    Ok(())
}
