//! Opening: bad locations, passwords kept out of messages, migrations, concurrency.

use korral_store::{ChangeKind, Error, Store};

use crate::util::{TestDb, both, change, config_map};

both!(migrations_recorded_once, concurrent_writers_queue);

#[tokio::test]
async fn passwords_never_in_messages() {
    let err = Store::open("mysql://root:pa55word-xyz@db/korral")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidUrl { .. }));
    assert!(!err.to_string().contains("pa55word-xyz"), "{err}");
    // Nothing listens on port 1: the connection error names the server, not the password.
    for url in [
        "postgres://korral:pa55word-xyz@127.0.0.1:1/korral",
        "postgresql://127.0.0.1:1/korral?user=korral&password=pa55word-xyz&connect_timeout=5",
    ] {
        let err = Store::open(url).await.unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(text.contains("127.0.0.1:1/korral"), "{text}");
        assert!(!text.contains("pa55word-xyz"), "{text}");
    }
}

#[tokio::test]
async fn unusable_sqlite_paths_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "not a folder").unwrap();
    let err = Store::open(&format!("sqlite://{}/sub/k.db", file.display()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::CreateDir { .. }), "{err}");
    // A file that is not a database.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, "x".repeat(4096)).unwrap();
    let err = Store::open(junk.to_str().unwrap()).await.unwrap_err();
    assert!(err.to_string().contains("junk.db"), "{err}");
}

#[tokio::test]
async fn newer_schema_is_refused() -> anyhow::Result<()> {
    let db = TestDb::sqlite().await?;
    let path = db.sqlite_path.clone().unwrap();
    let conn = rusqlite::Connection::open(&path)?;
    conn.execute(
        "INSERT INTO korral_migrations VALUES (999, 'future', 0)",
        [],
    )?;
    drop(conn);
    let err = Store::open(&db.url).await.unwrap_err();
    assert!(
        matches!(err, Error::NewerSchema { found: 999, .. }),
        "{err}"
    );
    Ok(())
}

async fn migrations_recorded_once(db: TestDb) -> anyhow::Result<()> {
    assert_eq!(db.store.schema_version().await?, 1);
    // Opening again (a restart, a second replica) applies nothing twice.
    let (a, b) = tokio::join!(Store::open(&db.url), Store::open(&db.url));
    assert_eq!(a?.schema_version().await?, 1);
    assert_eq!(b?.schema_version().await?, 1);
    Ok(())
}

async fn concurrent_writers_queue(db: TestDb) -> anyhow::Result<()> {
    let other = Store::open(&db.url).await?;
    let cluster = db.store.cluster("test").await?;
    let write = |store: Store, prefix: &'static str| async move {
        for i in 0..25 {
            let name = format!("{prefix}{i}");
            store
                .record(
                    cluster,
                    &[change(ChangeKind::Added, &config_map(&name, 1, "x"), i)],
                )
                .await?;
        }
        anyhow::Ok(())
    };
    let (a, b) = tokio::join!(
        tokio::spawn(write(db.store.clone(), "a")),
        tokio::spawn(write(other, "b"))
    );
    a??;
    b??;
    assert_eq!(db.store.clusters().await?[0].objects, 50);
    Ok(())
}
