//! Named snapshots: the object set at a moment, copied whole under a name.
//!
//! A copy rather than a name pointing at a time: a snapshot is what someone wants kept
//! (the state before an upgrade, during an incident), so it must survive retention, which
//! deletes the history a time pointer would need. The cost is one copy of the cluster's
//! objects per snapshot, paid only for snapshots someone asked for.

use jiff::Timestamp;
use serde_json::Value;

use crate::db::{Tx, Val};
use crate::error::{Error, Result};
use crate::model::{ChangeFilter, ClusterId, SnapshotInfo};
use crate::query::objects_at;
use crate::record::{micros, parse, timestamp};

fn find(tx: &mut dyn Tx, cluster: ClusterId, name: &str) -> Result<Option<i64>> {
    tx.query_opt(
        "SELECT id FROM snapshots WHERE cluster_id = $1 AND name = $2",
        &[Val::Int(cluster.0), name.into()],
    )?
    .map(|r| r.int(0))
    .transpose()
}

pub(crate) fn create(
    tx: &mut dyn Tx,
    cluster: ClusterId,
    name: &str,
    at: Timestamp,
    now: Timestamp,
) -> Result<usize> {
    if find(tx, cluster, name)?.is_some() {
        return Err(Error::SnapshotExists(name.to_owned()));
    }
    let objects = objects_at(tx, cluster, at, &ChangeFilter::default())?;
    let id = tx
        .query_opt(
            "INSERT INTO snapshots (cluster_id, name, taken_at, created, objects)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            &[
                Val::Int(cluster.0),
                name.into(),
                micros(at),
                micros(now),
                Val::Int(objects.len() as i64),
            ],
        )?
        .ok_or_else(|| Error::corrupt("no id for a new snapshot"))?
        .int(0)?;
    for object in &objects {
        tx.exec(
            "INSERT INTO snapshot_objects (snapshot_id, body) VALUES ($1, $2)",
            &[Val::Int(id), object.as_str().into()],
        )?;
    }
    Ok(objects.len())
}

pub(crate) fn list(tx: &mut dyn Tx, cluster: ClusterId) -> Result<Vec<SnapshotInfo>> {
    tx.query(
        "SELECT name, taken_at, created, objects FROM snapshots WHERE cluster_id = $1 ORDER BY taken_at, name",
        &[Val::Int(cluster.0)],
    )?
    .into_iter()
    .map(|row| {
        Ok(SnapshotInfo {
            name: row.text(0)?.to_owned(),
            at: timestamp(row.int(1)?)?,
            created: timestamp(row.int(2)?)?,
            objects: row.int(3)? as u64,
        })
    })
    .collect()
}

pub(crate) fn objects(tx: &mut dyn Tx, cluster: ClusterId, name: &str) -> Result<Vec<Value>> {
    let id = find(tx, cluster, name)?.ok_or_else(|| Error::SnapshotNotFound(name.to_owned()))?;
    let mut out = Vec::new();
    tx.query_each(
        "SELECT body FROM snapshot_objects WHERE snapshot_id = $1",
        &[Val::Int(id)],
        &mut |row| {
            out.push(parse(row.text(0)?, "snapshot object")?);
            Ok(true)
        },
    )?;
    Ok(out)
}

pub(crate) fn delete(tx: &mut dyn Tx, cluster: ClusterId, name: &str) -> Result<()> {
    let id = find(tx, cluster, name)?.ok_or_else(|| Error::SnapshotNotFound(name.to_owned()))?;
    tx.exec(
        "DELETE FROM snapshot_objects WHERE snapshot_id = $1",
        &[Val::Int(id)],
    )?;
    tx.exec("DELETE FROM snapshots WHERE id = $1", &[Val::Int(id)])?;
    Ok(())
}
