//! Events, kept whole and once: a real API server serves each event through both
//! `core/v1` and `events.k8s.io/v1` (one object, two shapes, the same uid and
//! resourceVersion), so they are keyed by uid + resourceVersion and the second copy is
//! dropped.

use jiff::Timestamp;
use korral_core::Object;
use serde_json::Value;

use crate::db::{Row, Tx, Val};
use crate::error::{Error, Result};
use crate::model::{ChangeFilter, ClusterId};
use crate::record::{check_cluster, micros, parse};

/// When the event last happened, by the fields each API version fills.
fn event_time(event: &Value) -> Option<Timestamp> {
    [
        "/lastTimestamp",
        "/series/lastObservedTime",
        "/deprecatedLastTimestamp",
        "/eventTime",
        "/firstTimestamp",
        "/metadata/creationTimestamp",
    ]
    .iter()
    .filter_map(|p| event.pointer(p).and_then(Value::as_str))
    .find_map(|t| t.parse().ok())
}

/// Records events; returns how many were new.
pub(crate) fn record(
    tx: &mut dyn Tx,
    cluster: ClusterId,
    events: &[Object],
    now: Timestamp,
) -> Result<usize> {
    check_cluster(tx, cluster)?;
    let mut stored = 0;
    for event in events {
        let value: Value = serde_json::from_str(event.raw().as_str())
            .map_err(|e| Error::corrupt(format!("event `{}`: {e}", event.key())))?;
        let meta = event.metadata();
        // Without a uid (never from a real server), the name stands in.
        let uid = meta.uid.clone().unwrap_or_else(|| {
            format!("{}/{}", event.namespace().unwrap_or_default(), event.name())
        });
        let resource_version = value
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let involved = value
            .pointer("/involvedObject/kind")
            .or_else(|| value.pointer("/regarding/kind"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        stored += tx.exec(
            "INSERT INTO events (cluster_id, uid, resource_version, seen_at, namespace, involved_kind, body)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (cluster_id, uid, resource_version) DO NOTHING",
            &[
                Val::Int(cluster.0),
                uid.into(),
                resource_version.into(),
                micros(event_time(&value).unwrap_or(now)),
                event.namespace().unwrap_or_default().into(),
                involved.into(),
                event.raw().as_str().into(),
            ],
        )? as usize;
    }
    Ok(stored)
}

/// Events in a window, newest first; `kinds` filters the kind of the object each is
/// about, the selector the event's own labels.
pub(crate) fn list(
    tx: &mut dyn Tx,
    cluster: ClusterId,
    filter: &ChangeFilter,
) -> Result<Vec<Value>> {
    check_cluster(tx, cluster)?;
    let limit = filter.limit.unwrap_or(usize::MAX);
    let mut out = Vec::new();
    if limit == 0 {
        return Ok(out);
    }
    tx.query_each(
        "SELECT namespace, involved_kind, body FROM events
         WHERE cluster_id = $1 AND seen_at >= $2 AND seen_at <= $3
         ORDER BY seen_at DESC, id DESC",
        &[
            Val::Int(cluster.0),
            Val::Int(filter.since.map_or(i64::MIN, Timestamp::as_microsecond)),
            Val::Int(filter.until.map_or(i64::MAX, Timestamp::as_microsecond)),
        ],
        &mut |row: Row| {
            if filter.keeps_namespace(row.text(0)?) && filter.keeps_kind(row.text(1)?) {
                let event = parse(row.text(2)?, "event")?;
                if filter.keeps_object(&event) {
                    out.push(event);
                }
            }
            Ok(out.len() < limit)
        },
    )?;
    Ok(out)
}
