//! Retention by age and size: old history goes, current versions stay, and what is kept
//! still rebuilds (the first kept version is rebased whole).

use std::time::Duration;

use jiff::Timestamp;
use korral_store::{ChangeFilter, ChangeKind, ObjectRef, Retention, RetentionStats};

use crate::util::{TestDb, both, change, config_map, t};

both!(
    age_keeps_current_and_rebases,
    size_drops_oldest_first,
    background_retention_runs
);

fn cm(name: &str) -> ObjectRef {
    ObjectRef {
        group: String::new(),
        kind: "ConfigMap".into(),
        namespace: Some("default".into()),
        name: name.into(),
    }
}

/// The age that puts the cutoff at `t(secs)`.
/// (Half a second short, so the moment retention takes "now" may come a little later.)
fn age_until(secs: i64) -> Duration {
    let micros = Timestamp::now().as_microsecond() - t(secs).as_microsecond() + 500_000;
    Duration::from_micros(micros as u64)
}

async fn age_keeps_current_and_rebases(db: TestDb) -> anyhow::Result<()> {
    let cluster = db.store.cluster("test").await?;
    let mut changes = vec![
        change(ChangeKind::Added, &config_map("b", 1, "x"), 0),
        change(ChangeKind::Deleted, &config_map("b", 2, "x"), 5),
        change(ChangeKind::Added, &config_map("c", 3, "quiet"), 0),
    ];
    for i in 0..40 {
        let kind = if i == 0 {
            ChangeKind::Added
        } else {
            ChangeKind::Modified
        };
        changes.push(change(
            kind,
            &config_map("a", 10 + i as u64, &format!("v{i}")),
            i,
        ));
    }
    db.store.record(cluster, &changes).await?;
    let stats = db
        .store
        .enforce_retention(&Retention {
            max_age: Some(age_until(20)),
            max_bytes: None,
        })
        .await?;
    assert_eq!(
        stats,
        RetentionStats {
            versions: 22,
            rebased: 1,
            objects: 1,
            events: 0
        }
    );
    let a = db.store.history(cluster, &cm("a"), None).await?;
    let values: Vec<_> = a
        .iter()
        .map(|v| v.object["data"]["key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        values,
        (20..40).map(|i| format!("v{i}")).collect::<Vec<_>>()
    );
    assert_eq!(
        db.store.history(cluster, &cm("c"), None).await?.len(),
        1,
        "current version kept"
    );
    assert!(
        db.store.history(cluster, &cm("b"), None).await?.is_empty(),
        "deleted long ago: gone"
    );
    let now = db
        .store
        .objects_at(cluster, t(1000), &ChangeFilter::default())
        .await?;
    assert_eq!(now.len(), 2);
    // Recording goes on from the rebased history, and the past that is kept rebuilds.
    db.store
        .record(
            cluster,
            &[change(
                ChangeKind::Modified,
                &config_map("a", 99, "after"),
                50,
            )],
        )
        .await?;
    let at = db
        .store
        .objects_at(
            cluster,
            t(25),
            &ChangeFilter {
                kinds: vec!["ConfigMap".into()],
                ..Default::default()
            },
        )
        .await?;
    let a_then = at.iter().find(|o| o["metadata"]["name"] == "a").unwrap();
    assert_eq!(a_then["data"]["key"], "v25");
    // Run again: nothing more to do.
    let again = db
        .store
        .enforce_retention(&Retention {
            max_age: Some(age_until(20)),
            max_bytes: None,
        })
        .await?;
    assert_eq!(again, RetentionStats::default());
    Ok(())
}

async fn size_drops_oldest_first(db: TestDb) -> anyhow::Result<()> {
    let cluster = db.store.cluster("test").await?;
    let mut changes = Vec::new();
    for i in 0..20 {
        for name in ["a", "b", "c", "d", "e"] {
            let kind = if i == 0 {
                ChangeKind::Added
            } else {
                ChangeKind::Modified
            };
            // About 1 KB that changes every time: patches as big as the objects.
            let value = format!("{i}-{}", "x".repeat(1000));
            changes.push(change(kind, &config_map(name, i as u64 + 1, &value), i));
        }
    }
    db.store.record(cluster, &changes).await?;
    let before = db.store.data_bytes().await?;
    let max = before / 2;
    let stats = db
        .store
        .enforce_retention(&Retention {
            max_age: None,
            max_bytes: Some(max),
        })
        .await?;
    let after = db.store.data_bytes().await?;
    // Rebased versions may grow by a whole object each.
    assert!(after <= max + 5 * 1200, "{after} > {max}");
    assert!(stats.versions > 0 && stats.rebased <= 5, "{stats:?}");
    for name in ["a", "b", "c", "d", "e"] {
        let history = db.store.history(cluster, &cm(name), None).await?;
        let last = history.last().unwrap();
        assert!(
            last.object["data"]["key"]
                .as_str()
                .unwrap()
                .starts_with("19-")
        );
        // What is kept is the newest part, contiguous.
        let first = history[0].object["data"]["key"]
            .as_str()
            .unwrap()
            .split('-')
            .next()
            .unwrap()
            .parse::<usize>()?;
        assert_eq!(history.len(), 20 - first);
    }
    Ok(())
}

async fn background_retention_runs(db: TestDb) -> anyhow::Result<()> {
    let cluster = db.store.cluster("test").await?;
    db.store
        .record(
            cluster,
            &[
                change(ChangeKind::Added, &config_map("a", 1, "x"), 0),
                change(ChangeKind::Deleted, &config_map("a", 2, "x"), 1),
            ],
        )
        .await?;
    let task = db.store.spawn_retention(
        Retention {
            max_age: Some(age_until(10)),
            max_bytes: None,
        },
        Duration::from_secs(3600),
    );
    let mut outcome = None;
    for _ in 0..1000 {
        outcome = db.store.last_retention();
        if outcome.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    task.abort();
    let stats = outcome
        .expect("the background run finished")
        .map_err(anyhow::Error::msg)?;
    assert_eq!((stats.objects, stats.versions), (1, 2));
    assert_eq!(db.store.clusters().await?[0].versions, 0);
    Ok(())
}
