//! Reading history: the object set at a time, one object's versions, changes in a window.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use jiff::Timestamp;
use serde_json::Value;

use crate::db::{Row, Tx, Val};
use crate::error::{Error, Result};
use crate::model::{ChangeFilter, ChangeKind, ChangeRecord, ClusterId, ObjectRef, Version};
use crate::record::{check_cluster, load_head, micros, parse, timestamp};

impl ChangeFilter {
    pub(crate) fn keeps_namespace(&self, namespace: &str) -> bool {
        self.namespace.as_deref().is_none_or(|n| n == namespace)
    }

    pub(crate) fn keeps_kind(&self, kind: &str) -> bool {
        self.kinds.is_empty() || self.kinds.iter().any(|k| k.eq_ignore_ascii_case(kind))
    }

    pub(crate) fn keeps_labels(&self, labels: Option<&Value>) -> bool {
        let Some(selector) = &self.selector else {
            return true;
        };
        let labels: BTreeMap<String, String> = labels
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        selector.matches(&labels)
    }

    pub(crate) fn keeps_object(&self, object: &Value) -> bool {
        self.keeps_labels(object.pointer("/metadata/labels"))
    }

    /// [`ChangeFilter::keeps_object`] on JSON text, reading only the labels.
    pub(crate) fn keeps_text(&self, text: &str) -> Result<bool> {
        #[derive(serde::Deserialize)]
        struct Head {
            #[serde(default)]
            metadata: Option<Meta>,
        }
        #[derive(serde::Deserialize)]
        struct Meta {
            #[serde(default)]
            labels: Option<BTreeMap<String, String>>,
        }
        let Some(selector) = &self.selector else {
            return Ok(true);
        };
        let head: Head = serde_json::from_str(text)
            .map_err(|e| Error::corrupt(format!("stored object: {e}")))?;
        let labels = head.metadata.and_then(|m| m.labels).unwrap_or_default();
        Ok(selector.matches(&labels))
    }

    fn window(&self) -> (Val, Val) {
        (
            Val::Int(self.since.map_or(i64::MIN, Timestamp::as_microsecond)),
            Val::Int(self.until.map_or(i64::MAX, Timestamp::as_microsecond)),
        )
    }
}

/// Applies a version row's body to the document being rebuilt.
pub(crate) fn apply(doc: &mut Option<Value>, is_full: bool, body: &str, seq: i64) -> Result<()> {
    if is_full {
        *doc = Some(parse(body, &format!("version {seq}"))?);
        return Ok(());
    }
    let Some(current) = doc.as_mut() else {
        return Err(Error::corrupt(format!(
            "version {seq} is a patch with nothing before it"
        )));
    };
    let patch: json_patch::Patch =
        serde_json::from_str(body).map_err(|e| Error::corrupt(format!("version {seq}: {e}")))?;
    json_patch::patch(current, &patch).map_err(|e| Error::corrupt(format!("version {seq}: {e}")))
}

/// The objects that existed at `at`, as JSON text (the present is read as stored, without
/// parsing; the past is rebuilt and written out again).
pub(crate) fn objects_at(
    tx: &mut dyn Tx,
    cluster: ClusterId,
    at: Timestamp,
    filter: &ChangeFilter,
) -> Result<Vec<String>> {
    check_cluster(tx, cluster)?;
    let last = tx
        .query_opt(
            "SELECT MAX(seen_at) FROM versions WHERE cluster_id = $1",
            &[Val::Int(cluster.0)],
        )?
        .map(|r| r.opt_int(0))
        .transpose()?
        .flatten();
    let mut out = Vec::new();
    if last.is_none_or(|last| at.as_microsecond() >= last) {
        // The present: every live object's current copy, nothing to rebuild.
        tx.query_each(
            "SELECT o.kind, o.namespace, o.head_body, v.body FROM objects o
             JOIN versions v ON v.seq = o.head_seq
             WHERE o.cluster_id = $1 AND o.live = 1 ORDER BY o.id",
            &[Val::Int(cluster.0)],
            &mut |mut row: Row| {
                if filter.keeps_kind(row.text(0)?) && filter.keeps_namespace(row.text(1)?) {
                    let body = match row.opt_text(2)? {
                        Some(_) => row.take_text(2)?,
                        None => row.take_text(3)?,
                    };
                    if filter.keeps_text(&body)? {
                        out.push(body);
                    }
                }
                Ok(true)
            },
        )?;
        return Ok(out);
    }
    // The past: for each object its latest version at `at`, rebuilt from the whole
    // version before it and the patches between (at most FULL_EVERY rows). Rows are
    // gathered per object rather than sorted by the database: an ORDER BY would sort
    // every body (SQLite in a temporary b-tree), which costs more than the rebuild.
    let mut objects: HashMap<i64, Vec<PastRow>> = HashMap::new();
    tx.query_each(
        "WITH target AS (
            SELECT object_id, MAX(seq) AS seq FROM versions
            WHERE cluster_id = $1 AND seen_at <= $2 GROUP BY object_id
         ), base AS (
            SELECT t.object_id, t.seq AS target_seq,
                (SELECT MAX(f.seq) FROM versions f
                 WHERE f.object_id = t.object_id AND f.is_full = 1 AND f.seq <= t.seq) AS base_seq
            FROM target t
         )
         SELECT v.object_id, v.seq, v.change, v.is_full, v.body, o.kind, o.namespace, b.target_seq
         FROM base b
         JOIN versions v ON v.object_id = b.object_id AND v.seq >= b.base_seq AND v.seq <= b.target_seq
         JOIN objects o ON o.id = b.object_id",
        &[Val::Int(cluster.0), micros(at)],
        &mut |mut row: Row| {
            if !filter.keeps_kind(row.text(5)?) || !filter.keeps_namespace(row.text(6)?) {
                return Ok(true);
            }
            let seq = row.int(1)?;
            objects.entry(row.int(0)?).or_default().push(PastRow {
                seq,
                is_full: row.int(3)? != 0,
                // Its version at the time asked is its deletion: it did not exist then.
                deleted_then: seq == row.int(7)?
                    && ChangeKind::from_code(row.int(2)?) == ChangeKind::Deleted,
                body: row.take_text(4)?,
            });
            Ok(true)
        },
    )?;
    let mut ids: Vec<i64> = objects.keys().copied().collect();
    ids.sort_unstable();
    for id in ids {
        let mut rows = objects.remove(&id).unwrap_or_default();
        rows.sort_unstable_by_key(|r| r.seq);
        if rows.last().is_none_or(|r| r.deleted_then) {
            continue;
        }
        if let [only] = rows.as_mut_slice()
            && only.is_full
        {
            // A whole version and nothing after it: the stored text as it is.
            let body = std::mem::take(&mut only.body);
            if filter.keeps_text(&body)? {
                out.push(body);
            }
            continue;
        }
        let mut doc = None;
        for row in &rows {
            apply(&mut doc, row.is_full, &row.body, row.seq)?;
        }
        if let Some(object) = doc
            && filter.keeps_object(&object)
        {
            out.push(object.to_string());
        }
    }
    Ok(out)
}

/// One version row of an object being rebuilt.
struct PastRow {
    seq: i64,
    is_full: bool,
    deleted_then: bool,
    body: String,
}

fn managers(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// One object's versions, oldest first.
pub(crate) fn history(
    tx: &mut dyn Tx,
    cluster: ClusterId,
    key: &ObjectRef,
    since: Option<Timestamp>,
) -> Result<Vec<Version>> {
    check_cluster(tx, cluster)?;
    let Some(head) = load_head(tx, cluster, key)? else {
        return Ok(Vec::new());
    };
    let rows = tx.query(
        "SELECT seq, seen_at, change, resource_version, is_full, managers, body FROM versions
         WHERE object_id = $1 ORDER BY seq",
        &[Val::Int(head.id)],
    )?;
    let since = since.map_or(i64::MIN, Timestamp::as_microsecond);
    let mut doc = None;
    let mut out = Vec::new();
    for row in rows {
        let seq = row.int(0)?;
        apply(&mut doc, row.int(4)? != 0, row.text(6)?, seq)?;
        let at = row.int(1)?;
        if at < since {
            continue;
        }
        out.push(Version {
            seq,
            at: timestamp(at)?,
            change: ChangeKind::from_code(row.int(2)?),
            resource_version: row.text(3)?.to_owned(),
            object: doc.clone().unwrap_or_default(),
            managers: managers(row.text(5)?),
        });
    }
    Ok(out)
}

/// Changes in a window, newest first.
pub(crate) fn changes(
    tx: &mut dyn Tx,
    cluster: ClusterId,
    filter: &ChangeFilter,
) -> Result<Vec<ChangeRecord>> {
    check_cluster(tx, cluster)?;
    let (since, until) = filter.window();
    let limit = filter.limit.unwrap_or(usize::MAX);
    let mut out = Vec::new();
    if limit == 0 {
        return Ok(out);
    }
    // Namespace, kinds and the limit go to the database, so that the newest changes of a
    // long history are read without the rest; a label selector is checked here, on the
    // object's latest labels, and then the limit is counted here.
    let mut sql = String::from(
        "SELECT v.seq, v.seen_at, v.change, v.resource_version, v.managers,
                o.api_group, o.kind, o.namespace, o.name, o.labels
         FROM versions v JOIN objects o ON o.id = v.object_id
         WHERE v.cluster_id = $1 AND v.seen_at >= $2 AND v.seen_at <= $3",
    );
    let mut params = vec![Val::Int(cluster.0), since, until];
    if let Some(namespace) = &filter.namespace {
        params.push(namespace.into());
        let _ = write!(sql, " AND o.namespace = ${}", params.len());
    }
    if !filter.kinds.is_empty() {
        let mut placeholders = Vec::new();
        for kind in &filter.kinds {
            params.push(kind.to_lowercase().into());
            placeholders.push(format!("${}", params.len()));
        }
        let _ = write!(sql, " AND LOWER(o.kind) IN ({})", placeholders.join(", "));
    }
    sql.push_str(" ORDER BY v.seen_at DESC, v.seq DESC");
    if filter.selector.is_none() && limit < usize::MAX {
        params.push(Val::Int(i64::try_from(limit).unwrap_or(i64::MAX)));
        let _ = write!(sql, " LIMIT ${}", params.len());
    }
    tx.query_each(&sql, &params, &mut |row: Row| {
        let (kind, namespace) = (row.text(6)?, row.text(7)?);
        if !filter.keeps_kind(kind) || !filter.keeps_namespace(namespace) {
            return Ok(true);
        }
        if filter.selector.is_some() {
            let labels = parse(row.text(9)?, "labels")?;
            if !filter.keeps_labels(Some(&labels)) {
                return Ok(true);
            }
        }
        out.push(ChangeRecord {
            seq: row.int(0)?,
            at: timestamp(row.int(1)?)?,
            change: ChangeKind::from_code(row.int(2)?),
            group: row.text(5)?.to_owned(),
            kind: kind.to_owned(),
            namespace: Some(namespace.to_owned()).filter(|n| !n.is_empty()),
            name: row.text(8)?.to_owned(),
            resource_version: row.text(3)?.to_owned(),
            managers: managers(row.text(4)?),
        });
        Ok(out.len() < limit)
    })?;
    Ok(out)
}
