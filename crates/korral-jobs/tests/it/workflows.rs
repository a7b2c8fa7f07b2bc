//! A diamond A → (B, C) → D: D only after B and C; when B fails, D never runs.

use korral_jobs::{StepPhase, Workflow};
use kube::Api;
use serde_json::json;

use crate::util::{Cluster, NS, tool};

fn diamond(name: &str, b_tool: &str) -> serde_json::Value {
    json!({"apiVersion": "jobs.korral.dev/v1alpha1", "kind": "Workflow",
    "metadata": {"name": name, "namespace": NS},
    "spec": {"steps": [
        {"name": "a", "tool": "ok"},
        {"name": "b", "tool": b_tool, "dependsOn": ["a"]},
        {"name": "c", "tool": "ok", "dependsOn": ["a"]},
        {"name": "d", "tool": "ok", "dependsOn": ["b", "c"]},
    ]}})
}

async fn wait_done(c: &Cluster, name: &str) -> Workflow {
    let api: Api<Workflow> = Api::namespaced(c.client.clone(), NS);
    for _ in 0..1200 {
        let wf = api.get(name).await.unwrap();
        if wf
            .status
            .as_ref()
            .and_then(|s| s.phase.as_deref())
            .is_some_and(|p| p != "Running")
        {
            return wf;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("workflow {name} never finished");
}

fn time(s: Option<&String>) -> jiff::Timestamp {
    s.unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_diamond_runs_d_after_b_and_c() {
    let mut c = Cluster::new().await;
    c.start();
    c.apply_value(tool("ok", "ok:1", &json!({}))).await;
    c.apply_value(diamond("release", "ok")).await;
    let wf = wait_done(&c, "release").await;
    let status = wf.status.unwrap();
    assert_eq!(status.phase.as_deref(), Some("Succeeded"));
    let step = |n: &str| status.steps[n].clone();
    for n in ["a", "b", "c", "d"] {
        assert_eq!(step(n).phase, StepPhase::Succeeded, "{n}");
        assert_eq!(
            step(n).run.as_deref(),
            Some(format!("release-{n}").as_str())
        );
    }
    let d_start = time(step("d").start_time.as_ref());
    assert!(d_start >= time(step("b").end_time.as_ref()));
    assert!(d_start >= time(step("c").end_time.as_ref()));
    assert!(time(step("b").start_time.as_ref()) >= time(step("a").end_time.as_ref()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_step_stops_what_depends_on_it() {
    let mut c = Cluster::new().await;
    c.start();
    c.apply_value(tool("ok", "ok:1", &json!({}))).await;
    c.apply_value(tool("bad", "bad:fail", &json!({}))).await;
    c.apply_value(diamond("broken", "bad")).await;
    let wf = wait_done(&c, "broken").await;
    let status = wf.status.unwrap();
    assert_eq!(status.phase.as_deref(), Some("Failed"));
    assert_eq!(status.steps["b"].phase, StepPhase::Failed);
    assert_eq!(status.steps["d"].phase, StepPhase::Skipped);
    assert!(
        c.runs().get_opt("broken-d").await.unwrap().is_none(),
        "d must never run"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cycle_is_refused_with_its_steps_named() {
    let mut c = Cluster::new().await;
    c.start();
    c.apply_value(
        json!({"apiVersion": "jobs.korral.dev/v1alpha1", "kind": "Workflow",
        "metadata": {"name": "loop", "namespace": NS},
        "spec": {"steps": [{"name": "a", "tool": "ok", "dependsOn": ["b"]},
                           {"name": "b", "tool": "ok", "dependsOn": ["a"]}]}}),
    )
    .await;
    let wf = wait_done(&c, "loop").await;
    let message = wf.status.unwrap().message.unwrap();
    assert!(message.contains("a → b → a"), "{message}");
}
