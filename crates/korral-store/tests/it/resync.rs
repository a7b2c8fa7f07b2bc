//! Relists, bookmarks (resuming without gap or duplicate) and clusters.

use korral_store::{ChangeFilter, ChangeKind, RecordStats, Store};

use crate::util::{TestDb, both, change, config_map, obj, t};

both!(
    resync_records_only_differences,
    bookmarks_commit_with_changes,
    clusters_are_separate
);

async fn resync_records_only_differences(db: TestDb) -> anyhow::Result<()> {
    let cluster = db.store.cluster("test").await?;
    db.store
        .record(
            cluster,
            &[
                change(ChangeKind::Added, &config_map("same", 1, "x"), 0),
                change(ChangeKind::Added, &config_map("edited", 2, "x"), 0),
                change(ChangeKind::Added, &config_map("gone", 3, "x"), 0),
            ],
        )
        .await?;
    // Other kinds are not touched by a ConfigMap relist.
    let svc = serde_json::json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "default"}});
    db.store
        .record(cluster, &[change(ChangeKind::Added, &svc, 0)])
        .await?;
    let relist = [
        obj(&config_map("same", 1, "x")),
        obj(&config_map("edited", 5, "y")),
        obj(&config_map("new", 6, "z")),
    ];
    let stats = db
        .store
        .resync(cluster, "", "ConfigMap", &relist, t(10))
        .await?;
    assert_eq!(
        stats,
        RecordStats {
            stored: 3,
            dropped_same: 1,
            ..RecordStats::default()
        }
    );
    let changes = db
        .store
        .changes(
            cluster,
            &ChangeFilter {
                since: Some(t(10)),
                ..ChangeFilter::default()
            },
        )
        .await?;
    let mut seen: Vec<_> = changes
        .iter()
        .map(|c| (c.name.as_str(), c.change))
        .collect();
    seen.sort_by_key(|c| c.0);
    assert_eq!(
        seen,
        [
            ("edited", ChangeKind::Modified),
            ("gone", ChangeKind::Deleted),
            ("new", ChangeKind::Added)
        ]
    );
    let now = db
        .store
        .objects_at(cluster, t(11), &ChangeFilter::default())
        .await?;
    assert_eq!(now.len(), 4, "same, edited, new and the Service");
    Ok(())
}

async fn bookmarks_commit_with_changes(db: TestDb) -> anyhow::Result<()> {
    let cluster = db.store.cluster("test").await?;
    let marks = vec![("/v1/configmaps".to_owned(), "7".to_owned())];
    db.store
        .record_with_bookmarks(
            cluster,
            &[change(ChangeKind::Added, &config_map("a", 7, "x"), 0)],
            &marks,
        )
        .await?;
    // A failed batch (an unknown cluster) writes neither.
    let bad = db
        .store
        .record_with_bookmarks(
            korral_store::ClusterId(9999),
            &[],
            &[("/v1/configmaps".into(), "99".into())],
        )
        .await;
    assert!(bad.is_err());
    let reopened = Store::open(&db.url).await?;
    let saved = reopened.bookmarks(cluster).await?;
    assert_eq!(saved.get("/v1/configmaps").map(String::as_str), Some("7"));
    reopened
        .set_bookmarks(
            cluster,
            &[
                ("/v1/configmaps".into(), "8".into()),
                ("apps/v1/deployments".into(), "3".into()),
            ],
        )
        .await?;
    let saved = reopened.bookmarks(cluster).await?;
    assert_eq!((saved["/v1/configmaps"].as_str(), saved.len()), ("8", 2));
    Ok(())
}

async fn clusters_are_separate(db: TestDb) -> anyhow::Result<()> {
    let prod = db.store.cluster("prod").await?;
    let dev = db.store.cluster("dev").await?;
    assert_ne!(prod, dev);
    assert_eq!(db.store.cluster("prod").await?, prod, "created once");
    db.store
        .record(
            prod,
            &[change(ChangeKind::Added, &config_map("a", 1, "x"), 0)],
        )
        .await?;
    assert!(
        db.store
            .objects_at(dev, t(5), &ChangeFilter::default())
            .await?
            .is_empty()
    );
    let names: Vec<_> = db
        .store
        .clusters()
        .await?
        .into_iter()
        .map(|c| (c.name, c.objects))
        .collect();
    assert_eq!(names, [("dev".to_owned(), 0), ("prod".to_owned(), 1)]);
    let err = db
        .store
        .changes(korral_store::ClusterId(4242), &ChangeFilter::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("`4242`"), "{err}");
    Ok(())
}
