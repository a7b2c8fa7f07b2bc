//! The scheduling decisions a reconcile makes, at the size of a busy queue: admission
//! of N waiting runs behind 50 running ones (sort, budget, positions, estimates),
//! classification of a failed pod, a schedule's plan after a day away, a 200-step
//! workflow's validation and progress. Run with
//! `cargo bench -p korral-jobs --bench decisions`; the controller's end-to-end
//! throughput and memory come from `scripts/bench-jobs`.

use std::collections::BTreeMap;

use divan::Bencher;
use jiff::{SignedDuration, Timestamp};
use korral_jobs::queue::{Active, Limits, Waiting, admit};
use korral_jobs::resources::{RunSpec, ScheduleSpec, Step, StepPhase};
use korral_jobs::schedule::{Cadence, plan};
use korral_jobs::{Evidence, classify, workflow};
use serde_json::json;

fn main() {
    divan::main();
}

fn t(secs: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + secs).unwrap()
}

fn cpu(c: f64) -> BTreeMap<String, f64> {
    [
        ("cpu".to_owned(), c),
        ("memory".to_owned(), 2.0_f64.powi(28)),
    ]
    .into()
}

#[divan::bench(args = [100, 1_000, 10_000])]
fn queue_admission(bencher: Bencher<'_, '_>, n: usize) {
    let active: Vec<Active> = (0..50)
        .map(|i| Active {
            name: format!("running-{i}"),
            requests: cpu(0.5),
            started: Some(t(i)),
        })
        .collect();
    let waiting: Vec<Waiting> = (0..n)
        .map(|i| Waiting {
            name: format!("run-{i:05}"),
            priority: (i % 7) as i32,
            created: t(i as i64),
            requests: cpu(0.25),
        })
        .collect();
    let limits = Limits {
        max_concurrent: Some(60),
        budget: [("cpu".to_owned(), 32.0)].into(),
        borrowable: BTreeMap::new(),
    };
    bencher.bench(|| {
        admit(
            divan::black_box(&limits),
            &active,
            &waiting,
            t(100_000),
            Some(SignedDuration::from_secs(90)),
        )
    });
}

#[divan::bench]
fn classify_an_oom_killed_pod(bencher: Bencher<'_, '_>) {
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "r-1-x", "namespace": "ns", "creationTimestamp": "2026-12-06T11:59:30Z"},
        "status": {"phase": "Failed", "containerStatuses": [{"name": "tool",
            "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]}});
    let job = json!({"status": {"failed": 1}});
    bencher.bench(|| {
        classify(&Evidence {
            job: Some(&job),
            pod: Some(divan::black_box(&pod)),
            events: &[],
            now: t(0),
            unschedulable_after: SignedDuration::from_secs(300),
        })
    });
}

#[divan::bench]
fn classify_a_pod_that_exited_1(bencher: Bencher<'_, '_>) {
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "r-1-x", "namespace": "ns", "creationTimestamp": "2026-12-06T11:59:30Z"},
        "status": {"phase": "Failed", "containerStatuses": [{"name": "tool",
            "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}});
    bencher.bench(|| {
        classify(&Evidence {
            job: None,
            pod: Some(divan::black_box(&pod)),
            events: &[],
            now: t(0),
            unschedulable_after: SignedDuration::from_secs(300),
        })
    });
}

#[divan::bench]
fn schedule_after_a_day_away(bencher: Bencher<'_, '_>) {
    let spec = ScheduleSpec {
        schedule: "*/5 * * * *".to_owned(),
        time_zone: Some("Europe/Berlin".to_owned()),
        catch_up: 3,
        run: RunSpec {
            tool: "t".to_owned(),
            ..RunSpec::default()
        },
        ..ScheduleSpec::default()
    };
    let cadence = Cadence::new(&spec).unwrap();
    bencher.bench(|| plan(&spec, &cadence, t(0), Some(t(0)), &[], t(86_400)));
}

#[divan::bench]
fn workflow_of_200_steps(bencher: Bencher<'_, '_>) {
    // Ten layers of twenty steps, each depending on two of the layer before.
    let steps: Vec<Step> = (0..200)
        .map(|i| Step {
            name: format!("s{i}"),
            tool: "t".to_owned(),
            depends_on: if i < 20 {
                vec![]
            } else {
                vec![
                    format!("s{}", i - 20),
                    format!("s{}", i - 20 - usize::from(i % 20 != 0)),
                ]
            },
            ..Step::default()
        })
        .collect();
    let phases: BTreeMap<String, StepPhase> = (0..100)
        .map(|i| (format!("s{i}"), StepPhase::Succeeded))
        .collect();
    bencher.bench(|| {
        workflow::validate(divan::black_box(&steps)).unwrap();
        workflow::progress(&steps, &phases, true)
    });
}
