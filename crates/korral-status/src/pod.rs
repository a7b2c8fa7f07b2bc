//! What is wrong with one pod: the judgement [`analyze`](crate::analyze()) reports
//! for every pod, [`pod_issue`] returns for one, and [`readiness`](crate::readiness())
//! words for a pod in progress.

use korral_core::Object;

use crate::analyze::{Options, parse_time};
use crate::report::PodIssue;
use crate::spec::{self, ContainerStatus, PodStatus, StateDetail};

/// Container waiting reasons that mean the container cannot run as specified.
const BAD_WAITING: &[&str] = &[
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
];

/// Reasons [`pod_issue`] gives that will not go away without a change to the spec,
/// the image or the cluster. `CreateContainerError` and `RunContainerError` are here
/// too: they can pass (a name conflict on restart), but one that lasts is a broken
/// command or mount, and the caller's grace period tells the two apart.
const HARD_FAILURES: &[&str] = &[
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "OOMKilled",
    "Unschedulable",
    "Failed",
];

/// Whether a [`PodIssue::reason`] is a hard failure, one that lasts until someone
/// changes something: `ImagePullBackOff`, `ErrImagePull`, `InvalidImageName`,
/// `CrashLoopBackOff`, `CreateContainerConfigError`, `CreateContainerError`,
/// `RunContainerError`, `OOMKilled`, `Unschedulable` and `Failed` (a pod that failed
/// with no reason of its own: a container exited non-zero and is not restarted).
///
/// Everything else is transient: `Pending` (containers being created, an image being
/// pulled, a volume being attached), and a pod that failed with a reason of its own
/// (`Evicted`, `NodeShutdown`, `Terminated`), which its controller replaces. A hard
/// failure can still be brief (a registry hiccup, a pod waiting for the autoscaler to
/// add a node): the apply engine gives it a grace period before it calls a rollout
/// failed.
pub fn is_hard_failure(reason: &str) -> bool {
    HARD_FAILURES.contains(&reason)
}

/// What is wrong with one pod, as [`analyze`](crate::analyze()) reports it; `None` for
/// a pod that is fine (or not a Pod).
///
/// Read at once: a failed pod (`Failed`, or its own reason such as `Evicted`), a
/// container waiting with a bad reason (`CrashLoopBackOff`, `ImagePullBackOff`,
/// `ErrImagePull`, `InvalidImageName`, `CreateContainerConfigError`,
/// `CreateContainerError`, `RunContainerError`), and a container killed for memory
/// (`OOMKilled`, now or at its last termination; a container crash-looping because it
/// is OOMKilled reports `OOMKilled`, the cause). Read only once the pod has been
/// Pending longer than [`Options::pending_after`] (after its creation, at
/// [`Options::now`]): `Unschedulable`, with the scheduler's message
/// (`0/3 nodes are available: 3 Insufficient cpu.`), or `Pending`, with what the
/// containers wait for. The apply engine, which keeps its own grace period, sets
/// `pending_after` to zero to see those at once. [`PodIssue::source`] is `None`.
///
/// [`is_hard_failure`] says which reasons last.
pub fn pod_issue(pod: &Object, options: &Options) -> Option<PodIssue> {
    if pod.kind() != "Pod" || !pod.group().is_empty() {
        return None;
    }
    issue(pod, options, None)
}

/// [`pod_issue`], with the `file:line` the report points at.
pub(crate) fn issue(
    object: &Object,
    options: &Options,
    source: Option<String>,
) -> Option<PodIssue> {
    let status = object.raw().parse::<spec::Pod>().unwrap_or_default().status;
    let problem = problem(&status).or_else(|| {
        if status.phase.as_deref() != Some("Pending") {
            return None;
        }
        let created = object
            .metadata()
            .creation_timestamp
            .as_deref()
            .and_then(parse_time);
        let too_long =
            created.is_some_and(|t| options.now.duration_since(t) >= options.pending_after);
        too_long.then(|| pending(&status))
    })?;
    let restarts = problem.container.map_or_else(
        || {
            status
                .container_statuses
                .iter()
                .map(|c| c.restart_count)
                .sum()
        },
        |c| c.restart_count,
    );
    Some(PodIssue {
        namespace: object.namespace().unwrap_or_default().to_owned(),
        name: object.name().to_owned(),
        reason: problem.reason,
        container: problem.container.map(|c| c.name.clone()),
        restarts,
        message: problem.message,
        source,
    })
}

/// A pod's problem before it is dressed as a [`PodIssue`].
pub(crate) struct Problem<'a> {
    pub reason: String,
    pub container: Option<&'a ContainerStatus>,
    pub message: Option<String>,
}

impl Problem<'_> {
    /// `CrashLoopBackOff in container app: back-off 5m0s restarting failed container`.
    pub fn describe(&self) -> String {
        let mut text = self.reason.clone();
        if let Some(container) = self.container {
            text.push_str(" in container ");
            text.push_str(&container.name);
        }
        if let Some(message) = self.message.as_deref().filter(|m| !m.is_empty()) {
            text.push_str(": ");
            text.push_str(message);
        }
        text
    }
}

/// What is wrong with a pod from its status alone, whatever its age: a failed pod, a
/// container that cannot run, or one killed for memory.
pub(crate) fn problem(status: &PodStatus) -> Option<Problem<'_>> {
    match status.phase.as_deref() {
        Some("Succeeded") => return None,
        Some("Failed") => return Some(failed(status)),
        _ => {}
    }
    let containers = || {
        status
            .init_container_statuses
            .iter()
            .chain(&status.container_statuses)
    };
    for container in containers() {
        let Some(waiting) = &container.state.waiting else {
            continue;
        };
        let Some(reason) = waiting
            .reason
            .as_deref()
            .filter(|r| BAD_WAITING.contains(r))
        else {
            continue;
        };
        let last = container.last_state.terminated.as_ref();
        if reason == "CrashLoopBackOff"
            && let Some(last) = last.filter(|t| t.reason.as_deref() == Some("OOMKilled"))
        {
            // The back-off is the symptom; the memory limit is what to change.
            let mut message = format!("last termination: {}", termination(last));
            if let Some(waiting) = waiting.message.as_deref() {
                message.push_str("; CrashLoopBackOff: ");
                message.push_str(waiting);
            }
            return Some(Problem {
                reason: "OOMKilled".to_owned(),
                container: Some(container),
                message: Some(message),
            });
        }
        let mut message = waiting.message.clone();
        if reason == "CrashLoopBackOff"
            && let Some(last) = last
        {
            // Why it keeps crashing, as `kubectl describe` shows under Last State.
            let last = format!("last termination: {}", termination(last));
            message = Some(match message {
                Some(waiting) => format!("{waiting}; {last}"),
                None => last,
            });
        }
        return Some(Problem {
            reason: reason.to_owned(),
            container: Some(container),
            message,
        });
    }
    for container in containers() {
        let oom = [
            &container.state.terminated,
            &container.last_state.terminated,
        ]
        .into_iter()
        .flatten()
        .find(|t| t.reason.as_deref() == Some("OOMKilled"));
        if let Some(terminated) = oom {
            return Some(Problem {
                reason: "OOMKilled".to_owned(),
                container: Some(container),
                message: terminated.message.clone(),
            });
        }
    }
    None
}

/// A pod in phase Failed: its own reason (`Evicted`) and message, or `Failed` and the
/// first container that exited non-zero.
fn failed(status: &PodStatus) -> Problem<'_> {
    if let Some(reason) = &status.reason {
        return Problem {
            reason: reason.clone(),
            container: None,
            message: status.message.clone(),
        };
    }
    let exited = status
        .init_container_statuses
        .iter()
        .chain(&status.container_statuses)
        .find_map(|c| {
            let terminated = c.state.terminated.as_ref()?;
            (terminated.exit_code.unwrap_or(0) != 0).then_some((c, terminated))
        });
    Problem {
        reason: "Failed".to_owned(),
        container: exited.map(|(c, _)| c),
        message: status
            .message
            .clone()
            .or_else(|| exited.map(|(_, t)| format!("exited with {}", termination(t)))),
    }
}

/// Why a Pending pod is not running yet: `Unschedulable` with the scheduler's
/// message, or `Pending` with another PodScheduled message (`SchedulingGated`) or what
/// its containers wait for (`ContainerCreating`).
pub(crate) fn pending(status: &PodStatus) -> Problem<'_> {
    let scheduled = status
        .conditions
        .iter()
        .find(|c| c.kind == "PodScheduled" && c.status == "False");
    if let Some(scheduled) = scheduled
        && scheduled.reason.as_deref() == Some("Unschedulable")
    {
        return Problem {
            reason: "Unschedulable".to_owned(),
            container: None,
            message: scheduled.message.clone(),
        };
    }
    let waiting = status
        .init_container_statuses
        .iter()
        .chain(&status.container_statuses)
        .find_map(|c| c.state.waiting.as_ref().and_then(|w| w.reason.clone()));
    Problem {
        reason: "Pending".to_owned(),
        container: None,
        message: scheduled
            .and_then(|c| c.message.clone())
            .or_else(|| waiting.map(|w| format!("containers waiting: {w}"))),
    }
}

/// `OOMKilled (exit code 137)`, `Error (exit code 1)`.
fn termination(terminated: &StateDetail) -> String {
    let reason = terminated.reason.as_deref().unwrap_or("terminated");
    match terminated.exit_code {
        Some(code) => format!("{reason} (exit code {code})"),
        None => reason.to_owned(),
    }
}

#[cfg(test)]
// The fixture builder takes its status block by value: `json!(..)` arguments read best
// inline, and `json!` only borrows what it embeds.
#[allow(clippy::needless_pass_by_value)]
mod tests {
    use jiff::{SignedDuration, Timestamp};
    use korral_core::Source;
    use serde_json::{Value, json};

    use super::*;

    const CREATED: &str = "2026-01-01T12:00:00Z";

    fn pod(status: Value) -> Object {
        let pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web-5d8f7c9b4-x2x4k", "namespace": "shop", "creationTimestamp": CREATED, "uid": "8c1f2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b"},
            "spec": {"containers": [{"name": "app", "image": "registry.example.com/web:v2"}], "restartPolicy": "Always"},
            "status": status,
        });
        Object::from_json(&pod.to_string(), Source::default()).unwrap()
    }

    /// The report's defaults, `minutes` after the pod was created.
    fn after(minutes: i64) -> Options {
        let created: Timestamp = CREATED.parse().unwrap();
        Options::at(created + SignedDuration::from_mins(minutes))
    }

    fn reason_of(issue: Option<&PodIssue>) -> Option<(&str, Option<&str>)> {
        issue.map(|i| (i.reason.as_str(), i.container.as_deref()))
    }

    #[test]
    fn a_container_crash_looping_after_oom_kills_is_oom_killed() {
        // As the kubelet reports it: waiting in back-off, the last run killed for memory.
        let oom = pod(json!({
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady", "message": "containers with unready status: [app]"}],
            "containerStatuses": [{
                "name": "app", "ready": false, "started": false, "restartCount": 5,
                "image": "registry.example.com/web:v2", "imageID": "registry.example.com/web@sha256:4f1c",
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 2m40s restarting failed container=app pod=web-5d8f7c9b4-x2x4k_shop(8c1f2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b)"}},
                "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "startedAt": "2026-01-01T12:03:00Z", "finishedAt": "2026-01-01T12:03:12Z", "containerID": "containerd://9a8b"}},
            }],
        }));
        let issue = pod_issue(&oom, &after(0)).unwrap();
        assert_eq!(reason_of(Some(&issue)), Some(("OOMKilled", Some("app"))));
        assert_eq!(issue.restarts, 5);
        assert_eq!(
            issue.message.as_deref(),
            Some(
                "last termination: OOMKilled (exit code 137); CrashLoopBackOff: back-off 2m40s restarting failed container=app pod=web-5d8f7c9b4-x2x4k_shop(8c1f2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b)"
            )
        );
        assert!(is_hard_failure(&issue.reason));
    }

    #[test]
    fn a_container_crash_looping_for_another_reason_names_its_last_exit() {
        let crash = pod(json!({
            "phase": "Running",
            "containerStatuses": [{
                "name": "app", "ready": false, "restartCount": 3,
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container=app pod=web-5d8f7c9b4-x2x4k_shop(8c1f)"}},
                "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}},
            }],
        }));
        let issue = pod_issue(&crash, &after(0)).unwrap();
        assert_eq!(
            reason_of(Some(&issue)),
            Some(("CrashLoopBackOff", Some("app")))
        );
        assert_eq!(
            issue.message.as_deref(),
            Some(
                "back-off 40s restarting failed container=app pod=web-5d8f7c9b4-x2x4k_shop(8c1f); last termination: Error (exit code 1)"
            )
        );
    }

    #[test]
    fn a_container_that_cannot_start_is_reported_at_once() {
        let waiting = |reason: &str, message: &str| {
            pod(json!({
                "phase": "Pending",
                "initContainerStatuses": [{"name": "migrate", "ready": true, "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
                "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0, "image": "registry.example.com/web:v2", "imageID": "", "state": {"waiting": {"reason": reason, "message": message}}}],
            }))
        };
        for (reason, message) in [
            (
                "ErrImagePull",
                "rpc error: code = NotFound desc = failed to pull and unpack image \"registry.example.com/web:v2\": not found",
            ),
            (
                "ImagePullBackOff",
                "Back-off pulling image \"registry.example.com/web:v2\"",
            ),
            (
                "InvalidImageName",
                "Failed to apply default image tag \"registry.example.com/Web:v2\": couldn't parse image name",
            ),
            (
                "CreateContainerConfigError",
                "secret \"db-credentials\" not found",
            ),
        ] {
            let issue = pod_issue(&waiting(reason, message), &after(0)).unwrap();
            assert_eq!(reason_of(Some(&issue)), Some((reason, Some("app"))));
            assert_eq!(issue.message.as_deref(), Some(message));
            assert!(is_hard_failure(reason), "{reason}");
        }
    }

    #[test]
    fn an_unschedulable_pod_is_reported_with_the_schedulers_message_once_pending_too_long() {
        let message = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.";
        let unschedulable = pod(json!({
            "phase": "Pending",
            "qosClass": "Burstable",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message, "lastProbeTime": null, "lastTransitionTime": CREATED}],
        }));
        assert_eq!(
            pod_issue(&unschedulable, &after(1)),
            None,
            "the report waits 5 minutes"
        );
        let issue = pod_issue(&unschedulable, &after(6)).unwrap();
        assert_eq!(reason_of(Some(&issue)), Some(("Unschedulable", None)));
        assert_eq!(issue.message.as_deref(), Some(message));
        assert!(is_hard_failure(&issue.reason));
        // The apply engine keeps its own grace period: it asks with no wait.
        let at_once = Options {
            pending_after: SignedDuration::ZERO,
            ..after(0)
        };
        assert_eq!(
            reason_of(pod_issue(&unschedulable, &at_once).as_ref()),
            Some(("Unschedulable", None))
        );
    }

    #[test]
    fn a_pod_being_created_is_pending_and_transient() {
        let creating = pod(json!({
            "phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "True"}, {"type": "Ready", "status": "False", "reason": "ContainersNotReady"}],
            "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}],
        }));
        let at_once = Options {
            pending_after: SignedDuration::ZERO,
            ..after(0)
        };
        let issue = pod_issue(&creating, &at_once).unwrap();
        assert_eq!(reason_of(Some(&issue)), Some(("Pending", None)));
        assert_eq!(
            issue.message.as_deref(),
            Some("containers waiting: ContainerCreating")
        );
        assert!(!is_hard_failure(&issue.reason));
        // Scheduling gates hold a pod on purpose: Pending, not Unschedulable.
        let gated = pod(json!({
            "phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated", "message": "Scheduling is blocked due to non-empty scheduling gates"}],
        }));
        let issue = pod_issue(&gated, &at_once).unwrap();
        assert_eq!(reason_of(Some(&issue)), Some(("Pending", None)));
        assert!(!is_hard_failure(&issue.reason));
    }

    #[test]
    fn a_failed_pod_is_failed_or_its_own_reason() {
        let exited = pod(json!({
            "phase": "Failed",
            "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0, "state": {"terminated": {"exitCode": 2, "reason": "Error"}}}],
        }));
        let issue = pod_issue(&exited, &after(0)).unwrap();
        assert_eq!(reason_of(Some(&issue)), Some(("Failed", Some("app"))));
        assert_eq!(
            issue.message.as_deref(),
            Some("exited with Error (exit code 2)")
        );
        assert!(is_hard_failure(&issue.reason));
        let evicted = pod(
            json!({"phase": "Failed", "reason": "Evicted", "message": "The node was low on resource: memory."}),
        );
        let issue = pod_issue(&evicted, &after(0)).unwrap();
        assert_eq!(reason_of(Some(&issue)), Some(("Evicted", None)));
        assert!(
            !is_hard_failure(&issue.reason),
            "its controller replaces an evicted pod"
        );
    }

    #[test]
    fn a_healthy_or_finished_pod_has_no_issue() {
        let running = pod(json!({
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "state": {"running": {"startedAt": CREATED}}}],
        }));
        assert_eq!(pod_issue(&running, &after(60)), None);
        let done = pod(
            json!({"phase": "Succeeded", "containerStatuses": [{"name": "app", "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}),
        );
        assert_eq!(pod_issue(&done, &after(60)), None);
        let service = Object::from_json(
            r#"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}}"#,
            Source::default(),
        )
        .unwrap();
        assert_eq!(pod_issue(&service, &after(60)), None);
    }

    #[test]
    fn hard_failures_are_the_ones_that_need_a_change() {
        for reason in [
            "ImagePullBackOff",
            "ErrImagePull",
            "InvalidImageName",
            "CrashLoopBackOff",
            "CreateContainerConfigError",
            "OOMKilled",
            "Unschedulable",
            "Failed",
        ] {
            assert!(is_hard_failure(reason), "{reason}");
        }
        for reason in [
            "Pending",
            "ContainerCreating",
            "PodInitializing",
            "Evicted",
            "",
        ] {
            assert!(!is_hard_failure(reason), "{reason}");
        }
    }
}
