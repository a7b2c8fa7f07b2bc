//! A schedule fires on an injected clock, and a manual trigger respects Forbid.

use std::sync::Arc;

use korral_jobs::controller::ManualClock;
use korral_jobs::{Phase, Schedule};
use kube::Api;
use serde_json::json;

use crate::util::{Cluster, NS, tool};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_fires_when_its_clock_says() {
    let mut c = Cluster::new().await;
    let now = jiff::Timestamp::now();
    let clock = Arc::new(ManualClock::new(now));
    c.start_with(clock.clone());
    c.apply_value(tool("report", "report:1", &json!({}))).await;
    c.apply_value(
        json!({"apiVersion": "jobs.korral.dev/v1alpha1", "kind": "Schedule",
        "metadata": {"name": "nightly", "namespace": NS},
        "spec": {"schedule": "0 3 * * *", "timeZone": "Europe/Berlin",
            "concurrencyPolicy": "Forbid", "run": {"tool": "report"}}}),
    )
    .await;
    let api: Api<Schedule> = Api::namespaced(c.client.clone(), NS);
    let next = wait_next(&api).await;
    assert!(
        c.runs()
            .list(&kube::api::ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // 03:00 in Berlin.
    let zoned = next.to_zoned(jiff::tz::TimeZone::get("Europe/Berlin").unwrap());
    assert_eq!((zoned.hour(), zoned.minute()), (3, 0));
    clock.set(next + jiff::SignedDuration::from_secs(30));
    let name = format!("nightly-{}", next.as_second());
    let done = c.wait_phase(&name, Phase::Succeeded).await;
    assert_eq!(done.spec.tool, "report");
    let s = api.get("nightly").await.unwrap().status.unwrap();
    assert_eq!(s.last_schedule_time, Some(next.to_string()));

    // A manual trigger starts one now (nothing runs, so Forbid allows it).
    c.apply_value(
        json!({"apiVersion": "jobs.korral.dev/v1alpha1", "kind": "Schedule",
        "metadata": {"name": "nightly", "namespace": NS},
        "spec": {"schedule": "0 3 * * *", "timeZone": "Europe/Berlin",
            "concurrencyPolicy": "Forbid", "run": {"tool": "report"}, "trigger": "1"}}),
    )
    .await;
    c.wait_phase("nightly-t1", Phase::Succeeded).await;
}

async fn wait_next(api: &Api<Schedule>) -> jiff::Timestamp {
    for _ in 0..1200 {
        if let Some(next) = api
            .get("nightly")
            .await
            .unwrap()
            .status
            .and_then(|s| s.next_schedule_time)
        {
            return next.parse().unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the schedule never said when it fires");
}
