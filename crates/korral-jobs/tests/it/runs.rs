//! Runs: success, a retry that succeeds, the dead-letter queue and a retry from it,
//! failures not retried, TTL cleanup, and a controller restarted mid-run.

use korral_jobs::{Category, Phase};
use serde_json::json;

use crate::util::{Cluster, run, tool};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_succeeds_in_one_attempt_owned_by_the_run() {
    let mut c = Cluster::new().await;
    c.start();
    c.apply_value(tool("hello", "hello:1", &json!({}))).await;
    c.apply_value(run("hello-1", "hello", &json!({"args": ["--name", "x"]})))
        .await;
    let done = c.wait_phase("hello-1", Phase::Succeeded).await;
    let status = done.status.unwrap();
    assert_eq!(status.attempts.len(), 1);
    let attempt = &status.attempts[0];
    assert_eq!(
        (attempt.job.as_str(), attempt.exit_code, attempt.succeeded),
        ("hello-1-1", Some(0), true)
    );
    assert!(
        attempt
            .pod
            .as_deref()
            .is_some_and(|p| p.starts_with("hello-1-1-"))
    );
    let job = c.dynamic("Job").get("hello-1-1").await.unwrap();
    let owner = &job.metadata.owner_references.unwrap()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str()),
        ("Run", "hello-1")
    );
    assert_eq!(job.data["spec"]["backoffLimit"], 0);
    assert_eq!(
        job.data["spec"]["template"]["spec"]["containers"][0]["args"],
        json!(["--name", "x"])
    );
    // The finalizer is on the Run, and Events were recorded for it.
    assert!(
        done.metadata
            .finalizers
            .unwrap()
            .contains(&korral_jobs::controller::FINALIZER.to_owned())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_attempt_is_retried_and_its_reason_kept() {
    let mut c = Cluster::new().await;
    c.start();
    let retry = json!({"retry": {"limit": 2, "backoff": {"base": 2, "factor": 1, "max": 2}}});
    c.apply_value(tool("flaky", "flaky:fail", &retry)).await;
    c.apply_value(run("flaky-1", "flaky", &json!({}))).await;
    c.wait_phase("flaky-1", Phase::Retrying).await;
    // The fix lands while the run backs off: the next attempt takes it.
    c.apply_value(tool("flaky", "flaky:2", &retry)).await;
    let done = c.wait_phase("flaky-1", Phase::Succeeded).await;
    let attempts = done.status.unwrap().attempts;
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert_eq!(attempts[0].reason, Some(Category::ExitCode));
    assert_eq!(attempts[0].exit_code, Some(1));
    assert_eq!(attempts[0].message.as_deref(), Some("exit code 1"));
    assert!(
        attempts[0]
            .log_tail
            .iter()
            .any(|l| l.contains("failing on purpose")),
        "{:?}",
        attempts[0].log_tail
    );
    assert!(attempts[1].succeeded);
    assert_eq!(
        c.jobs("jobs.korral.dev/run=flaky-1").await,
        ["flaky-1-1", "flaky-1-2"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_retries_dead_letter_the_run_and_a_retry_restarts_it() {
    let mut c = Cluster::new().await;
    c.start();
    let retry = json!({"retry": {"limit": 1, "backoff": {"base": 0}}});
    c.apply_value(tool("broken", "broken:fail", &retry)).await;
    c.apply_value(run("broken-1", "broken", &json!({}))).await;
    let dead = c.wait_phase("broken-1", Phase::DeadLettered).await;
    let status = dead.status.unwrap();
    assert_eq!(status.attempts.len(), 2);
    assert!(
        status
            .attempts
            .iter()
            .all(|a| a.reason == Some(Category::ExitCode))
    );
    assert_eq!(
        status.message.as_deref(),
        Some("2 attempts failed, the last with exit code 1")
    );
    assert_eq!(status.reason.as_deref(), Some("ExitCode"));
    // Retried from the dead-letter queue once fixed: a fresh budget, attempts go on.
    c.apply_value(tool("broken", "broken:3", &retry)).await;
    c.patch("Run", "broken-1", json!({"spec": {"restarts": 1}}))
        .await;
    let done = c.wait_phase("broken-1", Phase::Succeeded).await;
    let attempts = done.status.unwrap().attempts;
    assert_eq!(attempts.len(), 3);
    assert_eq!(attempts[2].job, "broken-1-3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_outside_retry_on_are_not_retried() {
    let mut c = Cluster::new().await;
    c.start();
    let retry = json!({"retry": {"limit": 3, "backoff": {"base": 0}}});
    c.apply_value(tool("pull", "nowhere:missing", &retry)).await;
    c.apply_value(run("pull-1", "pull", &json!({}))).await;
    let failed = c.wait_phase("pull-1", Phase::Failed).await;
    let status = failed.status.unwrap();
    assert_eq!(status.attempts.len(), 1);
    assert_eq!(status.attempts[0].reason, Some(Category::ImagePull));
    assert!(
        status
            .message
            .as_deref()
            .unwrap()
            .contains("ImagePull is not retried"),
        "{status:?}"
    );
    // The stuck attempt was stopped: its Job is gone.
    c.wait_run("pull-1", "its Job deleted", |_| true).await;
    for _ in 0..100 {
        if c.jobs("jobs.korral.dev/run=pull-1").await.is_empty() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the stuck attempt's Job was not deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oom_killed_attempt_is_retried_with_more_memory() {
    let mut c = Cluster::new().await;
    c.start();
    let spec = json!({"resources": {"limits": {"memory": "256Mi"}},
        "retry": {"limit": 1, "backoff": {"base": 0}, "oomMemory": {"factor": 2, "max": "1Gi"}}});
    c.apply_value(tool("hungry", "hungry:oom", &spec)).await;
    c.apply_value(run("hungry-1", "hungry", &json!({}))).await;
    let dead = c.wait_phase("hungry-1", Phase::DeadLettered).await;
    let attempts = dead.status.unwrap().attempts;
    assert_eq!(attempts[0].reason, Some(Category::OomKilled));
    assert_eq!(attempts[0].exit_code, Some(137));
    let second = c.dynamic("Job").get("hungry-1-2").await.unwrap();
    assert_eq!(
        second.data["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"],
        "512Mi"
    );
    assert_eq!(attempts[1].memory.as_deref(), Some("512Mi"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_ends_the_attempt() {
    let mut c = Cluster::new().await;
    c.start();
    // Never scheduled, so it would wait forever: the Job's deadline ends it.
    c.apply_value(tool(
        "slowpoke",
        "slowpoke:unschedulable",
        &json!({"timeout": 1, "retry": {"limit": 0}}),
    ))
    .await;
    c.apply_value(run("slowpoke-1", "slowpoke", &json!({})))
        .await;
    let dead = c.wait_phase("slowpoke-1", Phase::DeadLettered).await;
    assert_eq!(
        dead.status.unwrap().attempts[0].reason,
        Some(Category::Deadline)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_runs_lose_their_jobs_after_the_ttl_and_stay() {
    let mut c = Cluster::new().await;
    c.start();
    c.apply_value(tool("brief", "brief:1", &json!({"ttlAfterFinished": 1})))
        .await;
    c.apply_value(run("brief-1", "brief", &json!({}))).await;
    c.wait_phase("brief-1", Phase::Succeeded).await;
    let clean = c
        .wait_run("brief-1", "cleanedUp", |r| {
            r.status.as_ref().is_some_and(|s| s.cleaned_up)
        })
        .await;
    assert!(c.jobs("jobs.korral.dev/run=brief-1").await.is_empty());
    assert_eq!(clean.status.unwrap().attempts.len(), 1, "the record stays");
    // The pods go with their Job (garbage collection).
    for _ in 0..100 {
        let pods = c
            .dynamic("Pod")
            .list(&kube::api::ListParams::default().labels("jobs.korral.dev/run=brief-1"))
            .await
            .unwrap();
        if pods.items.is_empty() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the pods outlived their Job");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_controller_resumes_without_duplicate_attempts() {
    let mut c = Cluster::new().await;
    c.start();
    let retry = json!({"retry": {"limit": 2, "backoff": {"base": 3, "factor": 1}}});
    c.apply_value(tool("again", "again:fail", &retry)).await;
    c.apply_value(tool("stuck", "stuck:unschedulable", &json!({})))
        .await;
    c.apply_value(run("again-1", "again", &json!({}))).await;
    c.apply_value(run("stuck-1", "stuck", &json!({}))).await;
    c.wait_phase("again-1", Phase::Retrying).await;
    c.wait_phase("stuck-1", Phase::Running).await;
    c.stop();
    // A new controller (another identity: it waits for the old Lease to expire).
    c.start();
    let dead = c.wait_phase("again-1", Phase::DeadLettered).await;
    assert_eq!(dead.status.unwrap().attempts.len(), 3);
    assert_eq!(
        c.jobs("jobs.korral.dev/run=again-1").await,
        ["again-1-1", "again-1-2", "again-1-3"]
    );
    let stuck = c.run("stuck-1").await;
    assert_eq!(stuck.status.unwrap().attempts.len(), 1);
    assert_eq!(c.jobs("jobs.korral.dev/run=stuck-1").await, ["stuck-1-1"]);
    c.patch("Run", "stuck-1", json!({"spec": {"cancel": true}}))
        .await;
    c.wait_phase("stuck-1", Phase::Cancelled).await;
}
