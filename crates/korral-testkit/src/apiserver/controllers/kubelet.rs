//! The scheduler and the kubelet, stand-ins as kwok's pod stages are: no container
//! runs, a pod's status follows its containers' images; the image rules are in
//! [`Controllers`](super::Controllers)' documentation.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::{Controllers, State, condition, name, namespace, now, text, write, write_status};
use crate::apiserver::store::Store;
use crate::synth::rng::digest;

/// The node a pod goes to when the store holds no Node.
pub const DEFAULT_NODE: &str = "korral-test-node";

/// What the kubelet remembers of a pod.
#[derive(Debug, Default)]
pub(crate) struct PodState {
    /// Ticks since the kubelet first saw the pod on its node.
    age: u32,
    started: String,
    ip: String,
    /// Crashes logged, per container.
    crashes: HashMap<String, u32>,
}

/// How a container behaves, from its image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    Normal,
    Slow,
    Missing,
    Crash,
    Oom,
    Fail,
    Unschedulable,
}

impl Behaviour {
    fn of(image: &str) -> Self {
        let last = image.rsplit('/').next().unwrap_or(image);
        let tag = match last.rsplit_once(':') {
            Some((_, tag)) => tag,
            None => last.rsplit('-').next().unwrap_or_default(),
        };
        let by_name = |word: &str| {
            last.split(':')
                .next()
                .is_some_and(|n| n.ends_with(&format!("-{word}")))
        };
        let is = |word: &str| tag == word || by_name(word);
        if is("missing") {
            Self::Missing
        } else if is("crash") {
            Self::Crash
        } else if is("oom") {
            Self::Oom
        } else if is("fail") {
            Self::Fail
        } else if is("unschedulable") {
            Self::Unschedulable
        } else if is("slow") {
            Self::Slow
        } else {
            Self::Normal
        }
    }
}

fn containers(pod: &Value) -> Vec<(String, String)> {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| (text(c, "/name").to_owned(), text(c, "/image").to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn settled(pod: &Value) -> bool {
    super::deleting(pod) || matches!(text(pod, "/status/phase"), "Succeeded" | "Failed")
}

/// Binds pods without a node, as `kube-scheduler` does.
pub(super) fn schedule(store: &mut Store) {
    let node = super::all(store, "", "Node")
        .first()
        .map_or_else(|| DEFAULT_NODE.to_owned(), |n| name(n).to_owned());
    for pod in super::all(store, "", "Pod") {
        if settled(&pod) || !text(&pod, "/spec/nodeName").is_empty() {
            continue;
        }
        let old_status = pod.get("status");
        let unschedulable = containers(&pod)
            .iter()
            .any(|(_, image)| Behaviour::of(image) == Behaviour::Unschedulable);
        if unschedulable {
            let scheduled = condition(
                old_status,
                "PodScheduled",
                "False",
                "Unschedulable",
                "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
                false,
            );
            let status = json!({"phase": "Pending", "conditions": [without_probe_time(scheduled)]});
            write_status(store, "kube-scheduler", "", "Pod", &pod, status);
            continue;
        }
        let mut bound = pod.clone();
        bound["spec"]["nodeName"] = node.clone().into();
        write(store, "kube-scheduler", "", "Pod", &pod, bound);
    }
}

fn without_probe_time(mut condition: Value) -> Value {
    condition["lastProbeTime"] = Value::Null;
    condition
}

/// One container's status after `age` ticks on its node, and how many times it has
/// crashed so far.
#[allow(clippy::too_many_lines)] // one arm per behaviour
fn container_status(
    pod: &Value,
    container: &str,
    image: &str,
    age: u32,
    options: &Controllers,
    started: &str,
) -> (Value, u32) {
    let behaviour = Behaviour::of(image);
    let restart = text(pod, "/spec/restartPolicy");
    let restart = if restart.is_empty() {
        "Always"
    } else {
        restart
    };
    let image_id = format!(
        "docker.io/library/{}@sha256:{}",
        image.split(':').next().unwrap_or(image),
        digest(image)
    );
    let container_id = format!(
        "containerd://{}",
        digest(&format!("{}/{container}", super::uid(pod)))
    );
    let mut status = json!({"name": container, "image": image, "imageID": image_id,
        "containerID": container_id, "ready": false, "started": false, "restartCount": 0,
        "state": {}, "lastState": {}});
    let running = json!({"running": {"startedAt": started}});
    let waiting = |reason: &str, message: &str| {
        let mut w = json!({"reason": reason});
        if !message.is_empty() {
            w["message"] = message.into();
        }
        json!({"waiting": w})
    };
    let terminated = |code: i64, reason: &str| {
        json!({"terminated": {"exitCode": code, "reason": reason, "startedAt": started,
            "finishedAt": started, "containerID": container_id}})
    };
    if age <= 1 {
        status["state"] = waiting("ContainerCreating", "");
        status.as_object_mut().map(|m| {
            m.remove("containerID");
            m.remove("imageID")
        });
        return (status, 0);
    }
    let crash_ticks = options.crash_ticks.max(1);
    // With `restartPolicy: Never` the kubelet does not restart a container that
    // exited: it stays terminated and the pod fails (`:crash` and `:oom` too).
    let crashing = matches!(
        behaviour,
        Behaviour::Crash | Behaviour::Oom | Behaviour::Fail
    ) && restart != "Never";
    match behaviour {
        Behaviour::Missing => {
            let pull = format!(
                "failed to pull and unpack image \"docker.io/library/{image}\": failed to resolve reference \"docker.io/library/{image}\": docker.io/library/{image}: not found"
            );
            status["state"] = if age <= options.image_pull_ticks + 1 {
                waiting(
                    "ErrImagePull",
                    &format!("rpc error: code = NotFound desc = {pull}"),
                )
            } else {
                waiting(
                    "ImagePullBackOff",
                    &format!("Back-off pulling image \"{image}\""),
                )
            };
            status.as_object_mut().map(|m| {
                m.remove("containerID");
                m.remove("imageID")
            });
            (status, 0)
        }
        _ if crashing => {
            let crashes = (age - 2) / crash_ticks;
            status["restartCount"] = crashes.into();
            if crashes == 0 {
                status["state"] = running;
                status["started"] = true.into();
                return (status, 0);
            }
            let (code, reason) = if behaviour == Behaviour::Oom {
                (137, "OOMKilled")
            } else {
                (1, "Error")
            };
            status["lastState"] = terminated(code, reason);
            status["state"] = waiting(
                "CrashLoopBackOff",
                &format!(
                    "back-off {}s restarting failed container={container} pod={}_{}({})",
                    (10u64 << (crashes - 1).min(5)).min(300),
                    name(pod),
                    namespace(pod),
                    super::uid(pod)
                ),
            );
            (status, crashes)
        }
        Behaviour::Fail | Behaviour::Crash | Behaviour::Oom => {
            let (code, reason) = if behaviour == Behaviour::Oom {
                (137, "OOMKilled")
            } else {
                (1, "Error")
            };
            status["state"] = if age <= 2 {
                running
            } else {
                terminated(code, reason)
            };
            status["started"] = (age <= 2).into();
            (status, u32::from(age > 2))
        }
        _ if restart != "Always" => {
            status["state"] = if age <= 2 {
                running
            } else {
                terminated(0, "Completed")
            };
            status["started"] = (age <= 2).into();
            (status, 0)
        }
        Behaviour::Slow => {
            status["state"] = running;
            status["started"] = true.into();
            status["ready"] = (age >= options.slow_ticks).into();
            (status, 0)
        }
        _ => {
            status["state"] = running;
            status["started"] = true.into();
            status["ready"] = true.into();
            (status, 0)
        }
    }
}

/// The kubelet's status of every pod bound to a node.
#[allow(clippy::too_many_lines)] // a pod's whole status, field by field
pub(super) fn run(store: &mut Store, options: &Controllers, state: &mut State) {
    let nodes = super::all(store, "", "Node");
    let host_ip = |node: &str| {
        nodes
            .iter()
            .find(|n| name(n) == node)
            .and_then(|n| n.pointer("/status/addresses").and_then(Value::as_array))
            .and_then(|a| a.iter().find(|a| text(a, "/type") == "InternalIP"))
            .map_or_else(
                || "172.18.0.2".to_owned(),
                |a| text(a, "/address").to_owned(),
            )
    };
    let pods = super::all(store, "", "Pod");
    let live: std::collections::HashSet<&str> = pods.iter().map(super::uid).collect();
    state.pods.retain(|uid, _| live.contains(uid.as_str()));
    for pod in &pods {
        let node = text(pod, "/spec/nodeName");
        if settled(pod) || node.is_empty() {
            continue;
        }
        let next_ip = &mut state.next_ip;
        let known = state
            .pods
            .entry(super::uid(pod).to_owned())
            .or_insert_with(|| {
                *next_ip += 1;
                PodState {
                    age: 0,
                    started: now(),
                    ip: format!("10.244.{}.{}", (*next_ip >> 8) & 0xff, *next_ip & 0xff),
                    crashes: HashMap::new(),
                }
            });
        known.age += 1;
        let mut statuses = Vec::new();
        for (container, image) in containers(pod) {
            let (status, crashes) =
                container_status(pod, &container, &image, known.age, options, &known.started);
            let logged = known.crashes.entry(container.clone()).or_insert(0);
            while *logged < crashes {
                *logged += 1;
                let said = match Behaviour::of(&image) {
                    Behaviour::Oom => "fatal error: runtime: out of memory",
                    Behaviour::Fail => "Error: failing on purpose",
                    _ => "panic: crashing on purpose",
                };
                state.logs.push((
                    namespace(pod).to_owned(),
                    name(pod).to_owned(),
                    container.clone(),
                    said.to_owned(),
                ));
            }
            statuses.push(status);
        }
        let state_of = |s: &Value, key: &str| s.pointer(&format!("/state/{key}")).is_some();
        let all_terminated =
            !statuses.is_empty() && statuses.iter().all(|s| state_of(s, "terminated"));
        let phase = if all_terminated {
            if statuses
                .iter()
                .all(|s| int_at(s, "/state/terminated/exitCode") == 0)
            {
                "Succeeded"
            } else {
                "Failed"
            }
        } else if statuses.iter().any(|s| {
            matches!(
                text(s, "/state/waiting/reason"),
                "ContainerCreating" | "ErrImagePull" | "ImagePullBackOff"
            )
        }) {
            "Pending"
        } else {
            "Running"
        };
        let unready: Vec<&str> = statuses
            .iter()
            .filter(|s| s.get("ready") != Some(&Value::Bool(true)))
            .map(|s| text(s, "/name"))
            .collect();
        let old_status = pod.get("status");
        let ready = |kind: &str| {
            let (status, reason, message) = if all_terminated {
                ("False", "PodCompleted", String::new())
            } else if unready.is_empty() {
                ("True", "", String::new())
            } else {
                let message = format!("containers with unready status: [{}]", unready.join(" "));
                ("False", "ContainersNotReady", message)
            };
            without_probe_time(condition(old_status, kind, status, reason, &message, false))
        };
        let conditions = vec![
            without_probe_time(condition(
                old_status,
                "PodReadyToStartContainers",
                "True",
                "",
                "",
                false,
            )),
            without_probe_time(condition(old_status, "Initialized", "True", "", "", false)),
            ready("Ready"),
            ready("ContainersReady"),
            without_probe_time(condition(old_status, "PodScheduled", "True", "", "", false)),
        ];
        let host = host_ip(node);
        let status = json!({
            "phase": phase,
            "conditions": conditions,
            "hostIP": host,
            "hostIPs": [{"ip": host}],
            "podIP": known.ip,
            "podIPs": [{"ip": known.ip}],
            "startTime": known.started,
            "containerStatuses": statuses,
        });
        write_status(store, "kubelet", "", "Pod", pod, status);
    }
}

fn int_at(value: &Value, pointer: &str) -> i64 {
    value.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaviour_comes_from_the_tag_or_a_name_suffix() {
        assert_eq!(Behaviour::of("web:1"), Behaviour::Normal);
        assert_eq!(Behaviour::of("web:missing"), Behaviour::Missing);
        assert_eq!(
            Behaviour::of("registry:5000/team/web:crash"),
            Behaviour::Crash
        );
        assert_eq!(Behaviour::of("registry:5000/team/web"), Behaviour::Normal);
        assert_eq!(Behaviour::of("web-oom"), Behaviour::Oom);
        assert_eq!(Behaviour::of("web-slow:1.2"), Behaviour::Slow);
        assert_eq!(Behaviour::of("web:unschedulable"), Behaviour::Unschedulable);
    }
}
