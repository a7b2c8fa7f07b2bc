//! Measures the store on a synthetic cluster: the initial write of N objects, the
//! database's size, the object set now and in the past, M modifications, one object's
//! history. Run through `scripts/bench-store` (which starts a throwaway PostgreSQL too).
//!
//!     cargo run --example bench-store -p korral-store -- DATABASE_URL [OBJECTS] [MODIFICATIONS]

use std::time::Instant;

use anyhow::Context as _;
use jiff::{SignedDuration, Timestamp};
use korral_core::{Object, Source};
use korral_store::{Change, ChangeFilter, ChangeKind, ClusterId, ObjectRef, Store};
use korral_testkit::{SynthOptions, write_dump};
use serde_json::value::RawValue;

/// Changes per transaction, as the recorder batches them.
const BATCH: usize = 1_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .context("usage: bench-store DATABASE_URL [OBJECTS] [MODIFICATIONS]")?;
    let n: usize = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let m: usize = args.next().map_or(Ok(10_000), |a| a.parse())?;
    let objects = synthetic(n)?;

    let store = Store::open(&url).await?;
    let cluster = store.cluster("bench").await?;
    let base = Timestamp::now() - SignedDuration::from_hours(1);
    let all = ChangeFilter::default();

    write(
        &store,
        cluster,
        "initial write",
        &objects,
        ChangeKind::Added,
        base,
    )
    .await?;
    sizes(&store).await?;
    let started = Instant::now();
    let now = store
        .objects_at_set(cluster, Timestamp::now(), &all)
        .await?;
    report("objects_at now (objects)", started, now.len(), "objects");
    drop(now);
    let started = Instant::now();
    let now = store.objects_at(cluster, Timestamp::now(), &all).await?;
    report(
        "objects_at now (JSON values)",
        started,
        now.len(),
        "objects",
    );
    drop(now);

    // M modifications spread over the cluster: a label and a new resourceVersion each.
    let step = (objects.len() / m.max(1)).max(1);
    let modified: Vec<_> = objects
        .iter()
        .step_by(step)
        .take(m)
        .map(modify)
        .collect::<anyhow::Result<_>>()?;
    let later = base + SignedDuration::from_mins(30);
    write(
        &store,
        cluster,
        "modifications",
        &modified,
        ChangeKind::Modified,
        later,
    )
    .await?;
    sizes(&store).await?;

    let started = Instant::now();
    let then = base + SignedDuration::from_mins(10);
    let past = store.objects_at_set(cluster, then, &all).await?;
    report(
        "objects_at in the past (objects)",
        started,
        past.len(),
        "objects",
    );
    drop(past);
    let started = Instant::now();
    let now = store
        .objects_at_set(cluster, Timestamp::now(), &all)
        .await?;
    report(
        "objects_at now, after (objects)",
        started,
        now.len(),
        "objects",
    );

    let one = ObjectRef::of(&modified[modified.len() / 2]);
    let started = Instant::now();
    let versions = store.history(cluster, &one, None).await?;
    report("history of one object", started, versions.len(), "versions");
    let started = Instant::now();
    let latest = ChangeFilter {
        limit: Some(100),
        ..ChangeFilter::default()
    };
    let changes = store.changes(cluster, &latest).await?;
    report("changes, newest 100", started, changes.len(), "changes");
    Ok(())
}

/// The objects of a synthetic `kubectl get -A -o json` dump of about `n` objects.
fn synthetic(n: usize) -> anyhow::Result<Vec<Object>> {
    #[derive(serde::Deserialize)]
    struct List<'a> {
        #[serde(borrow)]
        items: Vec<&'a RawValue>,
    }
    let mut dump = Vec::new();
    let summary = write_dump(&SynthOptions::new(n), &mut dump)?;
    let list: List<'_> = serde_json::from_slice(&dump)?;
    let objects = list
        .items
        .iter()
        .map(|raw| Object::from_json(raw.get(), Source::default()))
        .collect::<Result<Vec<_>, _>>()?;
    println!(
        "{} objects, {:.0} MB of JSON as kubectl prints it; batches of {BATCH}",
        objects.len(),
        summary.bytes as f64 / 1e6
    );
    Ok(objects)
}

/// Records `objects` as `kind` changes in batches, and reports the time.
async fn write(
    store: &Store,
    cluster: ClusterId,
    what: &str,
    objects: &[Object],
    kind: ChangeKind,
    at: Timestamp,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut stored = 0;
    for chunk in objects.chunks(BATCH) {
        let changes: Vec<_> = chunk
            .iter()
            .map(|object| Change {
                kind,
                object: object.clone(),
                at,
            })
            .collect();
        stored += store.record(cluster, &changes).await?.stored;
    }
    report(what, started, stored, "versions");
    Ok(())
}

fn modify(object: &Object) -> anyhow::Result<Object> {
    let mut value = object.raw().to_value();
    let meta = value["metadata"].as_object_mut().context("no metadata")?;
    let rv = meta
        .get("resourceVersion")
        .and_then(|v| v.as_str())
        .unwrap_or("0");
    let rv = format!("{rv}0");
    meta.insert("resourceVersion".into(), rv.into());
    let labels = meta
        .entry("labels")
        .or_insert_with(|| serde_json::json!({}));
    labels["bench.korral.dev/touched"] = "yes".into();
    Ok(Object::from_json(&value.to_string(), Source::default())?)
}

async fn sizes(store: &Store) -> anyhow::Result<()> {
    let disk = store.size_bytes().await? as f64 / 1e6;
    let data = store.data_bytes().await? as f64 / 1e6;
    println!(
        "{:<36} {disk:>10.1} MB on disk, {data:.1} MB of stored JSON",
        "size"
    );
    Ok(())
}

fn report(what: &str, started: Instant, count: usize, unit: &str) {
    let took = started.elapsed().as_secs_f64();
    println!("{what:<36} {took:>10.2} s   {count} {unit}");
}
