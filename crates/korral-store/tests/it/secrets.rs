//! Secret values never reach the database: not in versions, patches, current copies or
//! snapshots, whether written as `data` (base64) or `stringData`, nor through the
//! last-applied annotation. Checked on the raw bytes of the SQLite file (and its WAL) and
//! on every PostgreSQL row as text.

use base64::Engine as _;
use korral_store::{ChangeFilter, ChangeKind, ObjectRef};
use serde_json::{Value, json};

use crate::util::{TestDb, both, change, t};

both!(
    secret_values_never_stored,
    changed_secret_value_shows_as_a_change
);

const VALUE_ONE: &str = "hunter2-correct-horse-battery";
const VALUE_TWO: &str = "tr0ub4dor-and-3-staple-second";

fn secret(value: &str, rv: &str) -> Value {
    let b64 = base64::engine::general_purpose::STANDARD.encode(value);
    let applied = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
        "stringData": {"password": value}});
    json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "db", "namespace": "shop", "resourceVersion": rv,
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": applied.to_string()}},
        "data": {"password": b64}, "stringData": {"plain": value}})
}

fn secret_ref() -> ObjectRef {
    ObjectRef {
        group: String::new(),
        kind: "Secret".into(),
        namespace: Some("shop".into()),
        name: "db".into(),
    }
}

async fn secret_values_never_stored(db: TestDb) -> anyhow::Result<()> {
    let cluster = db.store.cluster("test").await?;
    let mut changes = vec![change(ChangeKind::Added, &secret(VALUE_ONE, "1"), 0)];
    // Enough versions for patches, a current copy and a second whole version.
    for i in 0..20 {
        let value = if i % 2 == 0 { VALUE_TWO } else { VALUE_ONE };
        changes.push(change(
            ChangeKind::Modified,
            &secret(value, &format!("{}", i + 2)),
            10 + i,
        ));
    }
    db.store.record(cluster, &changes).await?;
    db.store.create_snapshot(cluster, "before", t(5)).await?;
    let raw = db.raw_text().await?;
    let encode = |v: &str| base64::engine::general_purpose::STANDARD.encode(v);
    for needle in [
        VALUE_ONE.to_owned(),
        VALUE_TWO.to_owned(),
        encode(VALUE_ONE),
        encode(VALUE_TWO),
    ] {
        assert!(!raw.contains(&needle), "`{needle}` is in the database");
    }
    // What is there: the keys and digests.
    assert!(raw.contains("password") && raw.contains("sha256:"));
    let now = db
        .store
        .objects_at(cluster, t(100), &ChangeFilter::default())
        .await?;
    assert!(
        now[0]["data"]["password"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    Ok(())
}

async fn changed_secret_value_shows_as_a_change(db: TestDb) -> anyhow::Result<()> {
    let cluster = db.store.cluster("test").await?;
    let stats = db
        .store
        .record(
            cluster,
            &[
                change(ChangeKind::Added, &secret(VALUE_ONE, "1"), 0),
                change(ChangeKind::Modified, &secret(VALUE_TWO, "2"), 10),
            ],
        )
        .await?;
    assert_eq!(stats.stored, 2);
    let versions = db.store.history(cluster, &secret_ref(), None).await?;
    let (a, b) = (
        &versions[0].object["data"]["password"],
        &versions[1].object["data"]["password"],
    );
    assert_ne!(a, b);
    // The digest of the decoded value: `printf %s VALUE | sha256sum`.
    assert_eq!(
        a.as_str(),
        Some(format!("sha256:{}", sha256_hex(VALUE_ONE)).as_str())
    );
    assert_eq!(versions[0].object["stringData"]["plain"], *a);
    Ok(())
}

fn sha256_hex(value: &str) -> String {
    use sha2::Digest as _;
    use std::fmt::Write as _;
    let mut hex = String::new();
    for byte in sha2::Sha256::digest(value.as_bytes()) {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}
