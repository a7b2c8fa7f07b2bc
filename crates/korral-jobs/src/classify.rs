//! Why an attempt failed, from its Job, its pod and the pod's events: a pure function,
//! so every case is tested without a cluster.
//!
//! The pod's own problem is read by [`korral_status::pod_issue`], as `korral status`
//! reads it, and [`korral_status::is_hard_failure`] says whether a pod that is still
//! there will never get better (an image that cannot be pulled, a pod no node takes):
//! such an attempt is ended at once rather than left to its deadline.

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::resources::Category;

/// What an attempt's Job and pod say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not finished: the pod is on its way or running.
    Running,
    /// The tool exited 0.
    Succeeded,
    /// It failed; `active` says the pod is still there (stuck) and must be stopped.
    Failed(Failure),
}

/// One failure, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The category `retry.on` matches.
    pub category: Category,
    /// The exit code, when the tool exited.
    pub exit_code: Option<i32>,
    /// In words: `exit code 1`, `OOMKilled (exit code 137)`, the kubelet's message.
    pub message: String,
    /// Whether the pod is still there, stuck: the controller deletes the Job.
    pub stuck: bool,
}

/// What classification reads.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// The attempt's Job (`batch/v1`), when it still exists.
    pub job: Option<&'a Value>,
    /// Its pod, the newest when there are several.
    pub pod: Option<&'a Value>,
    /// The pod's and the Job's events: `(reason, message)`.
    pub events: &'a [(String, String)],
    /// The time now.
    pub now: Timestamp,
    /// How long a pod may stay unschedulable (a cluster autoscaler may add a node)
    /// before the attempt is called failed.
    pub unschedulable_after: SignedDuration,
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn job_condition<'a>(job: &'a Value, kind: &str) -> Option<&'a Value> {
    job.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| text(c, "/type") == kind && text(c, "/status") == "True")
}

fn failure(category: Category, exit_code: Option<i32>, message: String, stuck: bool) -> Outcome {
    Outcome::Failed(Failure {
        category,
        exit_code,
        message,
        stuck,
    })
}

/// The first container status's terminated state (now, or the last one).
fn terminated(pod: &Value) -> Option<&Value> {
    let statuses = pod.pointer("/status/containerStatuses")?.as_array()?;
    statuses.iter().find_map(|s| {
        s.pointer("/state/terminated")
            .filter(|t| t.get("exitCode").and_then(Value::as_i64) != Some(0))
            .or_else(|| s.pointer("/lastState/terminated"))
    })
}

fn exit_code(terminated: &Value) -> Option<i32> {
    terminated
        .get("exitCode")
        .and_then(Value::as_i64)
        .and_then(|c| i32::try_from(c).ok())
}

/// Classifies an attempt. Order matters: a deadline or an eviction explains the exit
/// code that follows it, and an OOM kill explains its exit code 137.
pub fn classify(evidence: &Evidence<'_>) -> Outcome {
    let pod = evidence.pod;
    if let Some(c) = evidence.job.and_then(|job| {
        job_condition(job, "Failed")
            .or_else(|| job_condition(job, "FailureTarget"))
            .filter(|c| text(c, "/reason") == "DeadlineExceeded")
    }) {
        return failure(
            Category::Deadline,
            None,
            text(c, "/message").to_owned(),
            false,
        );
    }
    if let Some(outcome) = pod.and_then(|p| from_pod(p, evidence)) {
        return outcome;
    }
    if let Some(outcome) = from_events(evidence.events) {
        return outcome;
    }
    if let Some(job) = evidence.job {
        if job_condition(job, "Complete").is_some() {
            return Outcome::Succeeded;
        }
        if let Some(c) = job_condition(job, "Failed") {
            return failure(Category::Other, None, text(c, "/message").to_owned(), false);
        }
        return Outcome::Running;
    }
    // Neither Job nor pod: someone deleted them.
    failure(
        Category::Other,
        None,
        "the attempt's Job was deleted".to_owned(),
        false,
    )
}

fn from_pod(pod: &Value, evidence: &Evidence<'_>) -> Option<Outcome> {
    let phase = text(pod, "/status/phase");
    // An evicted pod (`status.reason: Evicted`) or one with a DisruptionTarget
    // condition (preemption, eviction API, node shutdown) was stopped from outside.
    let disrupted = pod
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .find(|c| text(c, "/type") == "DisruptionTarget" && text(c, "/status") == "True")
        });
    if text(pod, "/status/reason") == "Evicted" || (phase == "Failed" && disrupted.is_some()) {
        let message = match text(pod, "/status/message") {
            "" => disrupted.map_or("evicted", |c| text(c, "/message")),
            m => m,
        };
        return Some(failure(Category::Evicted, None, message.to_owned(), false));
    }
    // The kernel's OOM kill explains the exit code 137 and the failed pod that follow
    // it, whatever else the pod says.
    if let Some(t) = terminated(pod).filter(|t| text(t, "/reason") == "OOMKilled") {
        let code = exit_code(t).unwrap_or(137);
        return Some(failure(
            Category::OomKilled,
            Some(code),
            format!("OOMKilled (exit code {code})"),
            !matches!(phase, "Succeeded" | "Failed"),
        ));
    }
    let object = korral_core::Object::from_json(
        &pod.to_string(),
        korral_core::Source {
            file: korral_core::FileId(0),
            line: 0,
        },
    )
    .ok()?;
    let options = korral_status::Options {
        pending_after: SignedDuration::ZERO,
        ..korral_status::Options::at(evidence.now)
    };
    let issue = korral_status::pod_issue(&object, &options);
    let active = !matches!(phase, "Succeeded" | "Failed");
    if let Some(issue) = &issue {
        let message = issue.message.clone().unwrap_or_default();
        let category = match issue.reason.as_str() {
            "OOMKilled" => {
                let code = terminated(pod).and_then(exit_code).or(Some(137));
                let text = format!("OOMKilled (exit code {})", code.unwrap_or(137));
                return Some(failure(Category::OomKilled, code, text, active));
            }
            "ErrImagePull" | "ImagePullBackOff" | "InvalidImageName" => Category::ImagePull,
            "CrashLoopBackOff" => {
                let code = terminated(pod).and_then(exit_code);
                let text = match code {
                    Some(c) => format!("CrashLoopBackOff (exit code {c})"),
                    None => "CrashLoopBackOff".to_owned(),
                };
                return Some(failure(Category::CrashLoop, code, text, active));
            }
            "Unschedulable" => {
                let since = text(pod, "/metadata/creationTimestamp")
                    .parse::<Timestamp>()
                    .unwrap_or(evidence.now);
                if evidence.now.duration_since(since) < evidence.unschedulable_after {
                    return Some(Outcome::Running);
                }
                Category::Unschedulable
            }
            // A pod waiting for its containers is on its way.
            "Pending" => return Some(Outcome::Running),
            reason if active && korral_status::is_hard_failure(reason) => Category::Other,
            _ => Category::ExitCode,
        };
        if category != Category::ExitCode {
            let message = if message.is_empty() {
                issue.reason.clone()
            } else {
                format!("{}: {message}", issue.reason)
            };
            return Some(failure(category, None, message, active));
        }
    }
    match phase {
        "Succeeded" => Some(Outcome::Succeeded),
        "Failed" => {
            let code = terminated(pod).and_then(exit_code);
            let message = match code {
                Some(c) => format!("exit code {c}"),
                None => match text(pod, "/status/message") {
                    "" => "the pod failed".to_owned(),
                    m => m.to_owned(),
                },
            };
            Some(failure(Category::ExitCode, code, message, false))
        }
        _ => None,
    }
}

fn from_events(events: &[(String, String)]) -> Option<Outcome> {
    // The newest last: the last telling event wins.
    events.iter().rev().find_map(|(reason, message)| {
        let category = match reason.as_str() {
            "Evicted" | "Preempted" | "Preempting" => Category::Evicted,
            "OOMKilling" => Category::OomKilled,
            "DeadlineExceeded" => Category::Deadline,
            _ => return None,
        };
        Some(failure(category, None, message.clone(), false))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        "2026-12-06T12:00:00Z".parse().unwrap()
    }

    fn classify_pod(pod: &Value) -> Outcome {
        classify(&Evidence {
            job: Some(&json!({"status": {"active": 1}})),
            pod: Some(pod),
            events: &[],
            now: now(),
            unschedulable_after: SignedDuration::from_secs(60),
        })
    }

    fn pod(phase: &str, container: &Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "r-1-x", "namespace": "ns", "creationTimestamp": "2026-12-06T11:59:30Z"},
            "status": {"phase": phase, "containerStatuses": [container]}})
    }

    fn failed(outcome: Outcome) -> Failure {
        match outcome {
            Outcome::Failed(f) => f,
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn an_exit_code_is_named() {
        let f = failed(classify_pod(&pod(
            "Failed",
            &json!({"name": "tool", "state": {"terminated": {"exitCode": 3, "reason": "Error"}}}),
        )));
        assert_eq!(
            (f.category, f.exit_code, f.message.as_str(), f.stuck),
            (Category::ExitCode, Some(3), "exit code 3", false)
        );
    }

    #[test]
    fn an_oom_kill_is_not_an_exit_code() {
        let f = failed(classify_pod(&pod(
            "Failed",
            &json!({"name": "tool", "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}),
        )));
        assert_eq!(
            (f.category, f.exit_code, f.message.as_str()),
            (Category::OomKilled, Some(137), "OOMKilled (exit code 137)")
        );
    }

    #[test]
    fn an_image_that_cannot_be_pulled_stops_the_attempt() {
        let f = failed(classify_pod(&pod(
            "Pending",
            &json!({"name": "tool", "state": {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image \"x:missing\""}}}),
        )));
        assert_eq!((f.category, f.stuck), (Category::ImagePull, true));
        assert!(
            f.message.contains("Back-off pulling image"),
            "{}",
            f.message
        );
        let f = failed(classify_pod(&pod(
            "Pending",
            &json!({"name": "tool", "state": {"waiting": {"reason": "ErrImagePull"}}}),
        )));
        assert_eq!(f.category, Category::ImagePull);
    }

    #[test]
    fn a_crash_loop_keeps_the_last_exit_code() {
        let f = failed(classify_pod(&pod(
            "Running",
            &json!({"name": "tool", "restartCount": 2, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 2, "reason": "Error"}}}),
        )));
        assert_eq!(
            (f.category, f.exit_code, f.stuck),
            (Category::CrashLoop, Some(2), true)
        );
    }

    #[test]
    fn an_unschedulable_pod_gets_its_grace_then_fails() {
        let mut p = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "r-1-x", "namespace": "ns", "creationTimestamp": "2026-12-06T11:59:30Z"},
            "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
                "reason": "Unschedulable", "message": "0/1 nodes are available: 1 Insufficient cpu."}]}});
        assert_eq!(classify_pod(&p), Outcome::Running);
        p["metadata"]["creationTimestamp"] = "2026-12-06T11:50:00Z".into();
        let f = failed(classify_pod(&p));
        assert_eq!((f.category, f.stuck), (Category::Unschedulable, true));
        assert!(f.message.contains("Insufficient cpu"), "{}", f.message);
    }

    #[test]
    fn a_deadline_explains_the_kill() {
        let job = json!({"status": {"conditions": [{"type": "Failed", "status": "True",
            "reason": "DeadlineExceeded", "message": "Job was active longer than specified deadline"}]}});
        let outcome = classify(&Evidence {
            job: Some(&job),
            pod: None,
            events: &[],
            now: now(),
            unschedulable_after: SignedDuration::ZERO,
        });
        assert_eq!(failed(outcome).category, Category::Deadline);
    }

    #[test]
    fn an_evicted_pod_is_evicted() {
        let p = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
            "status": {"phase": "Failed", "reason": "Evicted",
                "message": "The node was low on resource: memory."}});
        let f = failed(classify_pod(&p));
        assert_eq!(
            (f.category, f.message.as_str()),
            (Category::Evicted, "The node was low on resource: memory.")
        );
        let preempted = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
            "status": {"phase": "Failed", "conditions": [{"type": "DisruptionTarget", "status": "True",
                "reason": "PreemptionByScheduler", "message": "preempted"}],
                "containerStatuses": [{"name": "t", "state": {"terminated": {"exitCode": 143}}}]}});
        assert_eq!(failed(classify_pod(&preempted)).category, Category::Evicted);
    }

    #[test]
    fn events_explain_a_pod_that_is_gone() {
        let events = [("Evicted".to_owned(), "node drained".to_owned())];
        let outcome = classify(&Evidence {
            job: Some(&json!({"status": {}})),
            pod: None,
            events: &events,
            now: now(),
            unschedulable_after: SignedDuration::ZERO,
        });
        let f = failed(outcome);
        assert_eq!(
            (f.category, f.message.as_str()),
            (Category::Evicted, "node drained")
        );
    }

    #[test]
    fn success_running_and_a_vanished_job() {
        let done = pod(
            "Succeeded",
            &json!({"name": "tool", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}),
        );
        assert_eq!(classify_pod(&done), Outcome::Succeeded);
        let running = pod(
            "Running",
            &json!({"name": "tool", "ready": true, "state": {"running": {}}}),
        );
        assert_eq!(classify_pod(&running), Outcome::Running);
        let creating = pod(
            "Pending",
            &json!({"name": "tool", "state": {"waiting": {"reason": "ContainerCreating"}}}),
        );
        assert_eq!(classify_pod(&creating), Outcome::Running);
        let gone = classify(&Evidence {
            job: None,
            pod: None,
            events: &[],
            now: now(),
            unschedulable_after: SignedDuration::ZERO,
        });
        assert_eq!(failed(gone).category, Category::Other);
    }
}
