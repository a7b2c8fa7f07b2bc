//! The Job controller, after `pkg/controller/job/job_controller.go`, for Jobs with
//! `completions` and `parallelism` (no indexed completion, success or pod failure
//! policies, no backoff delay between failed pods, no suspend):
//!
//! - pods `<job>-<5 random>` with the Job's labels (`batch.kubernetes.io/job-name`,
//!   `job-name`, `batch.kubernetes.io/controller-uid`, `controller-uid`), up to
//!   `parallelism` at once and `completions` in all;
//! - `status.active`, `ready`, `succeeded`, `failed` (counted from the pods; with
//!   `restartPolicy: OnFailure` a container restart counts as a failure), `startTime`,
//!   `completionTime`;
//! - once `succeeded` reaches `completions`: conditions `SuccessCriteriaMet` and
//!   `Complete`; once more than `backoffLimit` pods failed: `FailureTarget` and
//!   `Failed` with reason `BackoffLimitExceeded`, and the active pods are deleted;
//! - once `activeDeadlineSeconds` have passed since `startTime` (`pastActiveDeadline`),
//!   the same with reason `DeadlineExceeded` and message `Job was active longer than
//!   specified deadline`.

use serde_json::{Value, json};

use super::{
    CONTROLLER_MANAGER, Children, condition, create, delete, int, name, namespace, now,
    owner_reference, pod_active, pod_from_template, pod_ready, text, write_status,
};
use crate::apiserver::store::Store;

fn finished(job: &Value) -> bool {
    job.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                matches!(text(c, "/type"), "Complete" | "Failed") && text(c, "/status") == "True"
            })
        })
}

fn restarts(pod: &Value) -> i64 {
    pod.pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .map_or(0, |cs| cs.iter().map(|c| int(c, "/restartCount", 0)).sum())
}

#[allow(clippy::too_many_lines)] // one Job's sync
pub(super) fn jobs(store: &mut Store) {
    let manager = CONTROLLER_MANAGER;
    let pods = Children::of(store, "", "Pod");
    for job in super::all(store, "batch", "Job") {
        if super::deleting(&job) || finished(&job) {
            continue;
        }
        let children = pods.of_owner(store, &job);
        let mine: Vec<&Value> = children.iter().collect();
        let active: Vec<&Value> = mine.iter().copied().filter(|p| pod_active(p)).collect();
        let phase = |p: &&&Value| text(p, "/status/phase").to_owned();
        let succeeded =
            i64::try_from(mine.iter().filter(|p| phase(p) == "Succeeded").count()).unwrap_or(0);
        let on_failure = text(&job, "/spec/template/spec/restartPolicy") == "OnFailure";
        let restarted: i64 = if on_failure {
            active.iter().map(|p| restarts(p)).sum()
        } else {
            0
        };
        let failed = i64::try_from(mine.iter().filter(|p| phase(p) == "Failed").count())
            .unwrap_or(0)
            + restarted;
        let completions = int(&job, "/spec/completions", 1);
        let parallelism = int(&job, "/spec/parallelism", 1);
        let backoff_limit = int(&job, "/spec/backoffLimit", 6);
        let old_status = job.get("status");
        let start_time = job
            .pointer("/status/startTime")
            .cloned()
            .unwrap_or_else(|| now().into());
        let mut conditions = Vec::new();
        let mut completion_time = None;
        let mut active_count = i64::try_from(active.len()).unwrap_or(0);
        let past_deadline = job
            .pointer("/spec/activeDeadlineSeconds")
            .and_then(Value::as_i64)
            .zip(start_time.as_str().and_then(seconds_of))
            .is_some_and(|(allowed, started)| {
                crate::apiserver::store::now_secs() - started >= allowed
            });
        let failure = if failed > backoff_limit {
            Some((
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
            ))
        } else if past_deadline && succeeded < completions {
            Some((
                "DeadlineExceeded",
                "Job was active longer than specified deadline",
            ))
        } else {
            None
        };
        if let Some((reason, message)) = failure {
            for pod in &active {
                delete(store, "", "Pod", pod);
            }
            active_count = 0;
            conditions.push(condition(
                old_status,
                "FailureTarget",
                "True",
                reason,
                message,
                false,
            ));
            conditions.push(condition(
                old_status, "Failed", "True", reason, message, false,
            ));
        } else if succeeded >= completions {
            let message = "Reached expected number of succeeded pods";
            conditions.push(condition(
                old_status,
                "SuccessCriteriaMet",
                "True",
                "CompletionsReached",
                message,
                false,
            ));
            conditions.push(condition(
                old_status,
                "Complete",
                "True",
                "CompletionsReached",
                message,
                false,
            ));
            completion_time = Some(now());
        } else if !store.namespace_terminating(namespace(&job)) {
            let want = parallelism.min(completions - succeeded);
            let template = job
                .pointer("/spec/template")
                .cloned()
                .unwrap_or_else(|| json!({}));
            let missing = want - active_count;
            for _ in 0..missing {
                let mut pod = pod_from_template(
                    &template,
                    namespace(&job),
                    &owner_reference("batch/v1", "Job", &job),
                );
                pod["metadata"]["generateName"] = format!("{}-", name(&job)).into();
                let labels = &mut pod["metadata"]["labels"];
                if !labels.is_object() {
                    *labels = json!({});
                }
                for (key, value) in [
                    ("batch.kubernetes.io/controller-uid", super::uid(&job)),
                    ("batch.kubernetes.io/job-name", name(&job)),
                    ("controller-uid", super::uid(&job)),
                    ("job-name", name(&job)),
                ] {
                    labels[key] = value.into();
                }
                if create(store, manager, "", "Pod", pod) {
                    active_count += 1;
                }
            }
        }
        let ready = active.iter().filter(|p| pod_ready(p)).count();
        let mut status = json!({
            "startTime": start_time,
            "active": active_count,
            "ready": if conditions.is_empty() { ready } else { 0 },
            "terminating": 0,
            "uncountedTerminatedPods": {},
        });
        if succeeded > 0 {
            status["succeeded"] = succeeded.into();
        }
        if failed > 0 {
            status["failed"] = failed.into();
        }
        if status["active"] == 0 {
            status.as_object_mut().map(|m| m.remove("active"));
        }
        if !conditions.is_empty() {
            // The Job controller stamps lastProbeTime as it transitions.
            for c in &mut conditions {
                c["lastProbeTime"] = c["lastTransitionTime"].clone();
            }
            status["conditions"] = conditions.into();
        }
        if let Some(time) = completion_time {
            status["completionTime"] = time.into();
        }
        write_status(store, manager, "batch", "Job", &job, status);
    }
}

/// Seconds since the epoch of a `YYYY-MM-DDTHH:MM:SSZ` timestamp (what [`now`] writes),
/// by Howard Hinnant's days-from-civil.
fn seconds_of(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes[4] != b'-' || bytes[10] != b'T' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_back_as_written() {
        for secs in [0, 1_704_096_000, 1_709_251_199, 1_796_515_200] {
            assert_eq!(seconds_of(&crate::synth::timestamp(secs)), Some(secs));
        }
        assert_eq!(seconds_of("yesterday"), None);
    }
}
