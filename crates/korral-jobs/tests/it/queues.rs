//! A queue with room for one runs three runs in priority order, and says where each
//! waits and why.

use korral_jobs::Phase;
use serde_json::json;

use crate::util::{Cluster, run, tool};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_with_room_for_one_runs_by_priority() {
    let mut c = Cluster::new().await;
    c.start();
    c.apply(
        "apiVersion: jobs.korral.dev/v1alpha1\nkind: Queue\nmetadata: {name: one, namespace: default}\nspec: {maxConcurrent: 1}\n",
    )
    .await;
    c.apply_value(tool(
        "block",
        "block:unschedulable",
        &json!({"queue": "one"}),
    ))
    .await;
    c.apply_value(tool("work", "work:1", &json!({"queue": "one"})))
        .await;
    c.apply_value(run("blocker", "block", &json!({}))).await;
    c.wait_phase("blocker", Phase::Running).await;
    for (name, priority) in [("low", 1), ("high", 10), ("mid", 5)] {
        c.apply_value(run(name, "work", &json!({"priority": priority})))
            .await;
    }
    // A run's position moves as runs of higher priority arrive after it (low is 2nd
    // until mid comes): wait for each to settle at its place, by priority.
    let mut positions = Vec::new();
    for (name, place) in [("high", 1), ("mid", 2), ("low", 3)] {
        let r = c
            .wait_run(name, &format!("queue position {place}"), |r| {
                r.status
                    .as_ref()
                    .is_some_and(|s| s.queue_position == Some(place))
            })
            .await;
        let s = r.status.unwrap();
        positions.push((name, s.queue_position.unwrap()));
        assert!(
            s.message
                .as_deref()
                .unwrap()
                .contains("the queue is full: 1 of 1 runs running"),
            "{s:?}"
        );
    }
    assert_eq!(positions, [("high", 1), ("mid", 2), ("low", 3)]);
    c.patch("Run", "blocker", json!({"spec": {"cancel": true}}))
        .await;
    let mut starts = Vec::new();
    for name in ["high", "mid", "low"] {
        let done = c.wait_phase(name, Phase::Succeeded).await;
        let s = done.status.unwrap();
        starts.push((
            s.start_time.unwrap().parse::<jiff::Timestamp>().unwrap(),
            s.completion_time
                .unwrap()
                .parse::<jiff::Timestamp>()
                .unwrap(),
            name,
        ));
    }
    // One at a time: each started once the one before it finished.
    assert!(
        starts[0].1 <= starts[1].0 && starts[1].1 <= starts[2].0,
        "{starts:?}"
    );
}
