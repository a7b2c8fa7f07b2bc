//! Writing history: each change becomes a version (whole, or a patch against the one
//! before), unless it is churn or a repeat; resyncs, bookmarks and clusters.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use korral_core::Object;
use serde_json::Value;

use crate::db::{Dialect, Row, Tx, Val};
use crate::error::{Error, Result};
use crate::model::{Change, ChangeKind, ClusterId, ObjectRef, RecordStats};
use crate::scrub;

/// A whole version is stored every this many versions of an object (the first is always
/// whole; the next fifteen are patches): rebuilding any version reads at most this many
/// rows, at the cost of one whole copy per sixteen changes.
pub const FULL_EVERY: i64 = 16;

/// An object's row in `objects`.
pub(crate) struct Head {
    pub(crate) id: i64,
    pub(crate) latest_seq: i64,
    pub(crate) live: bool,
    pub(crate) since_full: i64,
    pub(crate) copy: Option<String>,
}

pub(crate) fn micros(at: Timestamp) -> Val {
    Val::Int(at.as_microsecond())
}

pub(crate) fn timestamp(micros: i64) -> Result<Timestamp> {
    Timestamp::from_microsecond(micros).map_err(|e| Error::corrupt(format!("time {micros}: {e}")))
}

/// The JSON the store keeps of an object: its text with Secret values masked.
pub(crate) fn stored_json(object: &Object) -> Result<Value> {
    let mut value: Value = serde_json::from_str(object.raw().as_str())
        .map_err(|e| Error::corrupt(format!("object `{}`: {e}", object.key())))?;
    scrub::mask_secret(&mut value);
    Ok(value)
}

pub(crate) fn parse(body: &str, what: &str) -> Result<Value> {
    serde_json::from_str(body).map_err(|e| Error::corrupt(format!("{what}: {e}")))
}

pub(crate) fn check_cluster(tx: &mut dyn Tx, cluster: ClusterId) -> Result<()> {
    if tx
        .query_opt(
            "SELECT id FROM clusters WHERE id = $1",
            &[Val::Int(cluster.0)],
        )?
        .is_none()
    {
        return Err(Error::UnknownCluster(cluster.0));
    }
    Ok(())
}

/// The cluster's id, creating it on first use (two replicas may race: both end with the
/// same row).
pub(crate) fn cluster(tx: &mut dyn Tx, name: &str, now: Timestamp) -> Result<ClusterId> {
    tx.exec(
        "INSERT INTO clusters (name, first_seen, last_seen) VALUES ($1, $2, $2)
         ON CONFLICT (name) DO NOTHING",
        &[name.into(), micros(now)],
    )?;
    let row = tx
        .query_opt("SELECT id FROM clusters WHERE name = $1", &[name.into()])?
        .ok_or_else(|| Error::corrupt(format!("cluster `{name}` vanished")))?;
    Ok(ClusterId(row.int(0)?))
}

/// Records changes and bookmarks in the caller's transaction.
pub(crate) fn record(
    tx: &mut dyn Tx,
    cluster: ClusterId,
    changes: &[Change],
    bookmarks: &[(String, String)],
) -> Result<RecordStats> {
    check_cluster(tx, cluster)?;
    let mut stats = RecordStats::default();
    let mut last = None;
    // Which of the batch's objects have rows, in one query: the initial write of a
    // cluster (all new) then costs no lookup per object.
    let mut existing = existing_keys(tx, cluster, changes)?;
    for change in changes {
        let value = stored_json(&change.object)?;
        let key = ObjectRef::of(&change.object);
        // Once written, an object has a row for the rest of the batch.
        let absent = existing.insert(key.clone());
        stats.add(record_one(
            tx,
            cluster,
            &key,
            change.kind,
            &value,
            change.at,
            absent,
        )?);
        last = last.max(Some(change.at));
    }
    if let Some(last) = last {
        touch(tx, cluster, last)?;
    }
    set_bookmarks(tx, cluster, bookmarks)?;
    Ok(stats)
}

/// The keys among `changes` that have a row in `objects`.
fn existing_keys(
    tx: &mut dyn Tx,
    cluster: ClusterId,
    changes: &[Change],
) -> Result<HashSet<ObjectRef>> {
    let mut names: Vec<&str> = changes.iter().map(|c| c.object.name()).collect();
    names.sort_unstable();
    names.dedup();
    let wanted: HashSet<ObjectRef> = changes.iter().map(|c| ObjectRef::of(&c.object)).collect();
    let mut found = HashSet::new();
    // Few enough parameters for any SQLite build (999 at the least) and PostgreSQL.
    for chunk in names.chunks(500) {
        let placeholders: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
        let mut params = vec![Val::Int(cluster.0)];
        params.extend(chunk.iter().map(|n| Val::from(*n)));
        let rows = tx.query(
            &format!(
                "SELECT api_group, kind, namespace, name FROM objects WHERE cluster_id = $1 AND name IN ({})",
                placeholders.join(", ")
            ),
            &params,
        )?;
        for row in rows {
            let key = ObjectRef {
                group: row.text(0)?.to_owned(),
                kind: row.text(1)?.to_owned(),
                namespace: Some(row.text(2)?.to_owned()).filter(|n| !n.is_empty()),
                name: row.text(3)?.to_owned(),
            };
            if wanted.contains(&key) {
                found.insert(key);
            }
        }
    }
    Ok(found)
}

fn touch(tx: &mut dyn Tx, cluster: ClusterId, at: Timestamp) -> Result<()> {
    tx.exec(
        "UPDATE clusters SET last_seen = $2 WHERE id = $1 AND last_seen < $2",
        &[Val::Int(cluster.0), micros(at)],
    )?;
    Ok(())
}

pub(crate) fn set_bookmarks(
    tx: &mut dyn Tx,
    cluster: ClusterId,
    marks: &[(String, String)],
) -> Result<()> {
    for (resource, version) in marks {
        tx.exec(
            "INSERT INTO bookmarks (cluster_id, resource, resource_version) VALUES ($1, $2, $3)
             ON CONFLICT (cluster_id, resource) DO UPDATE SET resource_version = excluded.resource_version",
            &[Val::Int(cluster.0), resource.into(), version.into()],
        )?;
    }
    Ok(())
}

pub(crate) fn bookmarks(tx: &mut dyn Tx, cluster: ClusterId) -> Result<HashMap<String, String>> {
    tx.query(
        "SELECT resource, resource_version FROM bookmarks WHERE cluster_id = $1",
        &[Val::Int(cluster.0)],
    )?
    .into_iter()
    .map(|row| Ok((row.text(0)?.to_owned(), row.text(1)?.to_owned())))
    .collect()
}

fn head_of(row: &Row) -> Result<Head> {
    Ok(Head {
        id: row.int(0)?,
        latest_seq: row.int(1)?,
        live: row.int(2)? != 0,
        since_full: row.int(3)?,
        copy: row.opt_text(4)?.map(str::to_owned),
    })
}

pub(crate) fn load_head(
    tx: &mut dyn Tx,
    cluster: ClusterId,
    key: &ObjectRef,
) -> Result<Option<Head>> {
    tx.query_opt(
        "SELECT id, head_seq, live, since_full, head_body FROM objects
         WHERE cluster_id = $1 AND api_group = $2 AND kind = $3 AND namespace = $4 AND name = $5",
        &[
            Val::Int(cluster.0),
            key.group.as_str().into(),
            key.kind.as_str().into(),
            key.namespace.as_deref().unwrap_or("").into(),
            key.name.as_str().into(),
        ],
    )?
    .map(|row| head_of(&row))
    .transpose()
}

/// The object's latest version, whole: kept in `head_body` when it is a patch, else the
/// version row itself is whole.
pub(crate) fn current(tx: &mut dyn Tx, head: &Head) -> Result<Value> {
    if let Some(body) = &head.copy {
        return parse(body, "current object");
    }
    let row = tx
        .query_opt(
            "SELECT is_full, body FROM versions WHERE seq = $1",
            &[Val::Int(head.latest_seq)],
        )?
        .ok_or_else(|| Error::corrupt(format!("version {} is missing", head.latest_seq)))?;
    if row.int(0)? == 0 {
        return Err(Error::corrupt(format!(
            "version {} is a patch but the object has no current copy",
            head.latest_seq
        )));
    }
    parse(row.text(1)?, "version body")
}

fn dropped_same() -> RecordStats {
    RecordStats {
        dropped_same: 1,
        ..RecordStats::default()
    }
}

/// Records one change of one object; `absent` says the object is known to have no row
/// (a lookup saved).
pub(crate) fn record_one(
    tx: &mut dyn Tx,
    cluster: ClusterId,
    key: &ObjectRef,
    kind: ChangeKind,
    new: &Value,
    at: Timestamp,
    absent: bool,
) -> Result<RecordStats> {
    let head = if absent {
        None
    } else {
        load_head(tx, cluster, key)?
    };
    let live = head.as_ref().filter(|h| h.live);
    let (change, prev) = match (kind, live) {
        // Deleting what is not live (a repeat, or a deletion korral never saw the
        // object of) adds nothing.
        (ChangeKind::Deleted, None) => return Ok(dropped_same()),
        (ChangeKind::Deleted, Some(h)) => (ChangeKind::Deleted, Some(current(tx, h)?)),
        // Anything else of an object not live starts its history (again).
        (_, None) => (ChangeKind::Added, None),
        (_, Some(h)) => {
            let prev = current(tx, h)?;
            if prev == *new {
                return Ok(dropped_same());
            }
            if scrub::is_churn(&prev, new) {
                return Ok(RecordStats {
                    dropped_churn: 1,
                    ..RecordStats::default()
                });
            }
            (ChangeKind::Modified, Some(prev))
        }
    };
    write_version(
        tx,
        cluster,
        key,
        head.as_ref(),
        change,
        prev.as_ref(),
        new,
        at,
    )?;
    Ok(RecordStats {
        stored: 1,
        ..RecordStats::default()
    })
}

#[allow(clippy::too_many_arguments)] // One row's worth of columns, each needed.
fn write_version(
    tx: &mut dyn Tx,
    cluster: ClusterId,
    key: &ObjectRef,
    head: Option<&Head>,
    change: ChangeKind,
    prev: Option<&Value>,
    new: &Value,
    at: Timestamp,
) -> Result<()> {
    let managers = serde_json::to_string(&scrub::managers(prev, new)).unwrap_or_default();
    let resource_version = new
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let labels = new
        .pointer("/metadata/labels")
        .filter(|l| l.is_object())
        .map_or_else(|| "{}".to_owned(), Value::to_string);
    let since_full = head.map_or(0, |h| h.since_full);
    let full = match prev {
        None => true,
        Some(_) => since_full + 1 >= FULL_EVERY,
    };
    let new_text = new.to_string();
    let body = match prev {
        Some(prev) if !full => serde_json::to_string(&json_patch::diff(prev, new))
            .map_err(|e| Error::corrupt(format!("patch: {e}")))?,
        _ => new_text.clone(),
    };
    if head.is_none() && tx.dialect() == Dialect::Postgres {
        // A new object in one round trip instead of three: PostgreSQL numbers the version
        // first, so the object's row is written whole and the version after it.
        let key_params = object_params(cluster, key, &labels);
        let version_params = [
            micros(at),
            Val::Int(change.code()),
            resource_version.into(),
            managers.into(),
            body.into(),
        ];
        tx.exec(
            "WITH s AS (SELECT nextval(pg_get_serial_sequence('versions', 'seq')) AS seq),
             o AS (
                INSERT INTO objects (cluster_id, api_group, kind, namespace, name, head_seq, live, since_full, labels)
                SELECT CAST($1 AS BIGINT), CAST($2 AS TEXT), CAST($3 AS TEXT), CAST($4 AS TEXT), CAST($5 AS TEXT),
                       s.seq, 1, 0, CAST($6 AS TEXT)
                FROM s RETURNING id, head_seq)
             INSERT INTO versions (seq, object_id, cluster_id, seen_at, change, resource_version, is_full, managers, body)
             SELECT o.head_seq, o.id, CAST($1 AS BIGINT), CAST($7 AS BIGINT), CAST($8 AS BIGINT), CAST($9 AS TEXT),
                    1, CAST($10 AS TEXT), CAST($11 AS TEXT)
             FROM o",
            &[key_params.as_slice(), version_params.as_slice()].concat(),
        )?;
        return Ok(());
    }
    let object_id = match head {
        Some(h) => h.id,
        None => tx
            .query_opt(
                "INSERT INTO objects (cluster_id, api_group, kind, namespace, name, head_seq, live, since_full, labels)
                 VALUES ($1, $2, $3, $4, $5, 0, 1, 0, $6) RETURNING id",
                &object_params(cluster, key, &labels),
            )?
            .ok_or_else(|| Error::corrupt("no id for a new object"))?
            .int(0)?,
    };
    let seq = tx
        .query_opt(
            "INSERT INTO versions (object_id, cluster_id, seen_at, change, resource_version, is_full, managers, body)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq",
            &[
                Val::Int(object_id),
                Val::Int(cluster.0),
                micros(at),
                Val::Int(change.code()),
                resource_version.into(),
                full.into(),
                managers.into(),
                body.into(),
            ],
        )?
        .ok_or_else(|| Error::corrupt("no seq for a new version"))?
        .int(0)?;
    let deleted = change == ChangeKind::Deleted;
    // The whole current object is kept beside the history only when its version row is
    // a patch (and the object is live): otherwise the row itself is whole.
    let head_body = (!full && !deleted).then_some(new_text);
    tx.exec(
        "UPDATE objects SET head_seq = $2, live = $3, since_full = $4, labels = $5, head_body = $6 WHERE id = $1",
        &[
            Val::Int(object_id),
            Val::Int(seq),
            (!deleted).into(),
            Val::Int(if full { 0 } else { since_full + 1 }),
            labels.into(),
            head_body.into(),
        ],
    )?;
    Ok(())
}

/// A new object's row: cluster, group, kind, namespace, name, labels.
fn object_params(cluster: ClusterId, key: &ObjectRef, labels: &str) -> [Val; 6] {
    [
        Val::Int(cluster.0),
        key.group.as_str().into(),
        key.kind.as_str().into(),
        key.namespace.as_deref().unwrap_or("").into(),
        key.name.as_str().into(),
        labels.into(),
    ]
}

/// Replaces the live objects of one (group, kind) with `objects`.
pub(crate) fn resync(
    tx: &mut dyn Tx,
    cluster: ClusterId,
    group: &str,
    kind: &str,
    objects: &[Object],
    at: Timestamp,
) -> Result<RecordStats> {
    check_cluster(tx, cluster)?;
    let mut stats = RecordStats::default();
    let mut seen = HashSet::new();
    for object in objects {
        let key = ObjectRef::of(object);
        let value = stored_json(object)?;
        stats.add(record_one(
            tx,
            cluster,
            &key,
            ChangeKind::Added,
            &value,
            at,
            false,
        )?);
        seen.insert((key.namespace.unwrap_or_default(), key.name));
    }
    let live = tx.query(
        "SELECT namespace, name FROM objects WHERE cluster_id = $1 AND api_group = $2 AND kind = $3 AND live = 1",
        &[Val::Int(cluster.0), group.into(), kind.into()],
    )?;
    for row in live {
        let (namespace, name) = (row.text(0)?.to_owned(), row.text(1)?.to_owned());
        if seen.contains(&(namespace.clone(), name.clone())) {
            continue;
        }
        let key = ObjectRef {
            group: group.to_owned(),
            kind: kind.to_owned(),
            namespace: Some(namespace).filter(|n| !n.is_empty()),
            name,
        };
        let Some(head) = load_head(tx, cluster, &key)? else {
            continue;
        };
        // Gone while the watch was down: its last known state is its final one.
        let last = current(tx, &head)?;
        stats.add(record_one(
            tx,
            cluster,
            &key,
            ChangeKind::Deleted,
            &last,
            at,
            false,
        )?);
    }
    touch(tx, cluster, at)?;
    Ok(stats)
}
