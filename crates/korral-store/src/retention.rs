//! Retention: deleting old history by age and by size, never an object's current
//! version, and rebasing so that what is kept still rebuilds.
//!
//! Deleting the start of an object's history would orphan the patches after it, so the
//! oldest version kept is rewritten whole ("rebased") first. A deleted object whose
//! deletion itself is old goes entirely. Snapshots are never touched: they are copies
//! someone asked to keep.

use std::time::Duration;

use jiff::Timestamp;

use crate::db::{Dialect, Tx, Val};
use crate::error::{Error, Result};
use crate::model::{Retention, RetentionStats};
use crate::query::apply;

/// Where history is cut: before a time (age) or before a sequence number (size).
#[derive(Debug, Clone, Copy)]
enum Cutoff {
    Time(i64),
    Seq(i64),
}

pub(crate) fn enforce(
    tx: &mut dyn Tx,
    policy: &Retention,
    now: Timestamp,
) -> Result<RetentionStats> {
    let mut stats = RetentionStats::default();
    if let Some(age) = policy.max_age {
        let cutoff = now.as_microsecond() - i64::try_from(age.as_micros()).unwrap_or(i64::MAX);
        drop_before(tx, Cutoff::Time(cutoff), &mut stats)?;
        stats.events += tx.exec("DELETE FROM events WHERE seen_at < $1", &[Val::Int(cutoff)])?;
    }
    if let Some(max) = policy.max_bytes {
        let data = data_bytes(tx)?;
        if data > max
            && let Some((seq, seen_at)) = size_cutoff(tx, data - max)?
        {
            {
                drop_before(tx, Cutoff::Seq(seq + 1), &mut stats)?;
                stats.events += tx.exec(
                    "DELETE FROM events WHERE seen_at < $1",
                    &[Val::Int(seen_at)],
                )?;
            }
        }
    }
    Ok(stats)
}

/// The bytes of stored history that `max_bytes` bounds: version bodies, current copies,
/// events and snapshots (JSON text). The database on disk adds its indexes and page
/// slack to this (see docs/history.md for measured ratios); a size on disk would not
/// do, as neither SQLite nor PostgreSQL give freed pages back to the system at once.
pub(crate) fn data_bytes(tx: &mut dyn Tx) -> Result<u64> {
    let row = tx
        .query_opt(
            "SELECT (SELECT COALESCE(SUM(length(body)), 0) FROM versions),
                    (SELECT COALESCE(SUM(length(head_body)), 0) FROM objects),
                    (SELECT COALESCE(SUM(length(body)), 0) FROM events),
                    (SELECT COALESCE(SUM(length(body)), 0) FROM snapshot_objects)",
            &[],
        )?
        .ok_or_else(|| Error::corrupt("no size row"))?;
    let mut total = 0u64;
    for i in 0..4 {
        total += row.int(i)?.max(0) as u64;
    }
    Ok(total)
}

/// The database's size on disk: the SQLite file (without its write-ahead log), or the
/// store's tables and indexes in its PostgreSQL schema.
pub(crate) fn size_bytes(tx: &mut dyn Tx) -> Result<u64> {
    let sql = match tx.dialect() {
        Dialect::Sqlite => {
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
        }
        Dialect::Postgres => {
            "SELECT CAST(COALESCE(SUM(pg_total_relation_size(c.oid)), 0) AS BIGINT)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        }
    };
    let row = tx
        .query_opt(sql, &[])?
        .ok_or_else(|| Error::corrupt("no size row"))?;
    Ok(row.int(0)?.max(0) as u64)
}

/// The newest version (seq, time) to delete so that about `excess` bytes go, oldest
/// first, current versions of live objects left out.
fn size_cutoff(tx: &mut dyn Tx, excess: u64) -> Result<Option<(i64, i64)>> {
    let mut freed = 0u64;
    let mut cutoff = None;
    tx.query_each(
        "SELECT v.seq, v.seen_at, length(v.body) FROM versions v JOIN objects o ON o.id = v.object_id
         WHERE NOT (o.live = 1 AND o.head_seq = v.seq) ORDER BY v.seq",
        &[],
        &mut |row| {
            freed += row.int(2)?.max(0) as u64;
            cutoff = Some((row.int(0)?, row.int(1)?));
            Ok(freed < excess)
        },
    )?;
    Ok(cutoff)
}

fn drop_before(tx: &mut dyn Tx, cutoff: Cutoff, stats: &mut RetentionStats) -> Result<()> {
    let (condition, value) = match cutoff {
        Cutoff::Time(t) => ("v.seen_at < $1", t),
        Cutoff::Seq(s) => ("v.seq < $1", s),
    };
    // Per object: the newest version to delete (every version up to it goes, keeping
    // each history a contiguous chain).
    let affected = tx.query(
        &format!(
            "SELECT v.object_id, MAX(v.seq), o.live, o.head_seq
             FROM versions v JOIN objects o ON o.id = v.object_id
             WHERE {condition} AND NOT (o.live = 1 AND v.seq = o.head_seq)
             GROUP BY v.object_id, o.live, o.head_seq"
        ),
        &[Val::Int(value)],
    )?;
    for row in affected {
        let (object, last, live, head) = (row.int(0)?, row.int(1)?, row.int(2)? != 0, row.int(3)?);
        if !live && last == head {
            // Deleted long enough ago: the object goes with its whole history.
            stats.versions += tx.exec(
                "DELETE FROM versions WHERE object_id = $1",
                &[Val::Int(object)],
            )?;
            tx.exec("DELETE FROM objects WHERE id = $1", &[Val::Int(object)])?;
            stats.objects += 1;
            continue;
        }
        let first_kept = tx
            .query_opt(
                "SELECT seq, is_full FROM versions WHERE object_id = $1 AND seq > $2 ORDER BY seq LIMIT 1",
                &[Val::Int(object), Val::Int(last)],
            )?
            .ok_or_else(|| Error::corrupt(format!("object {object} has no version after {last}")))?;
        let kept = first_kept.int(0)?;
        if first_kept.int(1)? == 0 {
            rebase(tx, object, kept)?;
            stats.rebased += 1;
        }
        stats.versions += tx.exec(
            "DELETE FROM versions WHERE object_id = $1 AND seq <= $2",
            &[Val::Int(object), Val::Int(last)],
        )?;
    }
    Ok(())
}

/// Rewrites version `seq` of `object` whole, so that it can be the first one kept.
fn rebase(tx: &mut dyn Tx, object: i64, seq: i64) -> Result<()> {
    let rows = tx.query(
        "SELECT seq, is_full, body FROM versions
         WHERE object_id = $1 AND seq <= $2 AND seq >= (
            SELECT MAX(seq) FROM versions WHERE object_id = $1 AND is_full = 1 AND seq <= $2)
         ORDER BY seq",
        &[Val::Int(object), Val::Int(seq)],
    )?;
    let mut doc = None;
    for row in &rows {
        apply(&mut doc, row.int(1)? != 0, row.text(2)?, row.int(0)?)?;
    }
    let doc = doc.ok_or_else(|| Error::corrupt(format!("version {seq} cannot be rebuilt")))?;
    tx.exec(
        "UPDATE versions SET is_full = 1, body = $2 WHERE seq = $1",
        &[Val::Int(seq), doc.to_string().into()],
    )?;
    // The patches counted since the last whole version may now be fewer; and if the
    // rebased version is the current one, it needs no separate current copy.
    tx.exec(
        "UPDATE objects SET since_full = (
            SELECT COUNT(*) FROM versions WHERE object_id = $1 AND seq > (
                SELECT MAX(seq) FROM versions WHERE object_id = $1 AND is_full = 1))
         WHERE id = $1",
        &[Val::Int(object)],
    )?;
    tx.exec(
        "UPDATE objects SET head_body = NULL WHERE id = $1 AND head_seq = $2",
        &[Val::Int(object), Val::Int(seq)],
    )?;
    Ok(())
}

/// The default pause between two background runs.
pub const RETENTION_INTERVAL: Duration = Duration::from_secs(10 * 60);
