use korral_core::Loader;

use super::*;

const SICK: &str = r#"
apiVersion: v1
kind: Node
metadata: {name: good, creationTimestamp: "2026-01-01T00:00:00Z"}
status: {conditions: [{type: Ready, status: "True"}, {type: MemoryPressure, status: "False"}]}
---
apiVersion: v1
kind: Node
metadata: {name: down}
status: {conditions: [{type: Ready, status: "False", message: "kubelet stopped posting node status"}, {type: DiskPressure, status: "True"}]}
---
apiVersion: v1
kind: Node
metadata: {name: drained}
spec: {unschedulable: true}
status: {conditions: [{type: Ready, status: "True"}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {replicas: 3}
status: {readyReplicas: 1}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: fine, namespace: shop}
status: {readyReplicas: 1}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ops}
status: {desiredNumberScheduled: 3, numberReady: 2}
---
apiVersion: v1
kind: Pod
metadata: {name: crash, namespace: shop}
status:
  phase: Running
  containerStatuses:
  - {name: app, restartCount: 7, state: {waiting: {reason: CrashLoopBackOff, message: "back-off 5m0s restarting failed container"}}}
---
apiVersion: v1
kind: Pod
metadata: {name: pull, namespace: shop}
status:
  phase: Pending
  initContainerStatuses:
  - {name: init, restartCount: 0, state: {waiting: {reason: ImagePullBackOff, message: "Back-off pulling image \"x:1\""}}}
---
apiVersion: v1
kind: Pod
metadata: {name: oom, namespace: shop}
status:
  phase: Running
  containerStatuses:
  - {name: app, restartCount: 2, state: {running: {}}, lastState: {terminated: {reason: OOMKilled}}}
---
apiVersion: v1
kind: Pod
metadata: {name: stuck, namespace: shop, creationTimestamp: "2026-01-01T11:00:00Z"}
status:
  phase: Pending
  conditions: [{type: PodScheduled, status: "False", reason: Unschedulable, message: "0/3 nodes are available"}]
---
apiVersion: v1
kind: Pod
metadata: {name: starting, namespace: shop, creationTimestamp: "2026-01-01T11:58:00Z"}
status: {phase: Pending}
---
apiVersion: v1
kind: Pod
metadata: {name: evicted, namespace: ops}
status: {phase: Failed, reason: Evicted, message: "The node was low on resource: memory."}
---
apiVersion: v1
kind: Pod
metadata: {name: done, namespace: ops}
status: {phase: Succeeded}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: shop}
status: {phase: Pending}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: bound, namespace: shop}
status: {phase: Bound}
---
apiVersion: batch/v1
kind: Job
metadata: {name: backup, namespace: ops}
status: {conditions: [{type: Failed, status: "True", reason: BackoffLimitExceeded, message: "Job has reached the specified backoff limit"}]}
---
apiVersion: v1
kind: Event
metadata: {name: e1, namespace: shop}
type: Warning
reason: BackOff
message: Back-off restarting failed container
count: 12
lastTimestamp: "2026-01-01T11:59:00Z"
involvedObject: {kind: Pod, name: crash}
---
apiVersion: v1
kind: Event
metadata: {name: e2, namespace: shop}
type: Warning
reason: FailedMount
message: old news
lastTimestamp: "2026-01-01T09:00:00Z"
involvedObject: {kind: Pod, name: crash}
---
apiVersion: v1
kind: Event
metadata: {name: e3, namespace: shop}
type: Normal
reason: Pulled
message: fine
lastTimestamp: "2026-01-01T11:59:30Z"
involvedObject: {kind: Pod, name: crash}
"#;

fn sick() -> Report {
    let set = Loader::load_str("sick.yaml", SICK).unwrap();
    let options = Options::for_snapshot(&set);
    assert_eq!(
        options.now.to_string(),
        "2026-01-01T11:59:30Z",
        "the newest time in the dump"
    );
    analyze(&set, &options)
}

#[test]
fn an_unhealthy_cluster_is_reported_in_full() {
    let report = sick();
    assert!(!report.healthy);
    insta::assert_json_snapshot!(report);
}

#[test]
fn nodes_pods_and_workloads_are_judged_as_kubectl_shows_them() {
    let report = sick();
    let nodes: Vec<_> = report
        .nodes
        .issues
        .iter()
        .map(|n| (n.name.as_str(), n.problems.join(",")))
        .collect();
    assert_eq!(
        nodes,
        vec![
            ("down", "NotReady,DiskPressure".to_owned()),
            ("drained", "Cordoned".to_owned())
        ]
    );
    assert_eq!((report.nodes.total, report.nodes.ready), (3, 2));
    let pods: Vec<_> = report
        .pods
        .iter()
        .map(|p| (p.name.as_str(), p.reason.as_str()))
        .collect();
    assert_eq!(
        pods,
        vec![
            ("evicted", "Evicted"),
            ("crash", "CrashLoopBackOff"),
            ("oom", "OOMKilled"),
            ("pull", "ImagePullBackOff"),
            ("stuck", "Unschedulable"),
        ],
        "a pod Pending for 2 minutes is not yet a problem; a Succeeded one never is"
    );
    let workloads: Vec<_> = report
        .workloads
        .iter()
        .map(|w| (w.name.as_str(), w.desired, w.ready))
        .collect();
    assert_eq!(workloads, vec![("agent", 3, 2), ("web", 3, 1)]);
    assert_eq!(report.events.len(), 1, "only recent Warning events");
    assert_eq!(report.events[0].count, 12);
}

#[test]
fn a_namespace_narrows_everything_but_nodes() {
    let set = Loader::load_str("sick.yaml", SICK).unwrap();
    let mut options = Options::for_snapshot(&set);
    options.namespace = Some("ops".to_owned());
    let report = analyze(&set, &options);
    assert_eq!(report.nodes.total, 3);
    assert_eq!(report.pods.len(), 1);
    assert_eq!(report.jobs.len(), 1);
    assert!(report.claims.is_empty());
}

#[test]
fn the_example_cluster_is_healthy() {
    let shop = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/shop");
    let set = Loader::new().path(shop).load().unwrap();
    let report = analyze(&set, &Options::for_snapshot(&set));
    assert!(report.healthy, "{report:#?}");
    assert!(
        report.summary.starts_with("healthy: 3 nodes (0 not ready)"),
        "{}",
        report.summary
    );
}

#[test]
fn an_event_read_through_both_apis_is_one_warning() {
    // The same Event (one uid) as core v1 and as events.k8s.io/v1 serve it.
    let both = r#"
apiVersion: v1
kind: Event
metadata: {name: web-0.1, namespace: shop, uid: u-1}
type: Warning
reason: BackOff
message: Back-off restarting failed container
count: 4
lastTimestamp: "2026-01-01T10:05:00Z"
involvedObject: {kind: Pod, name: web-0}
---
apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: web-0.1, namespace: shop, uid: u-1}
type: Warning
reason: BackOff
note: Back-off restarting failed container
deprecatedCount: 4
deprecatedLastTimestamp: "2026-01-01T10:05:00Z"
regarding: {kind: Pod, name: web-0}
"#;
    let set = Loader::load_str("events.yaml", both).unwrap();
    let report = analyze(&set, &Options::for_snapshot(&set));
    assert_eq!(report.events.len(), 1, "{:?}", report.events);
    assert!(
        report.summary.ends_with("1 warning event"),
        "{}",
        report.summary
    );

    // The newer API alone reads the same: its field names are understood.
    let newer = both.split("---").nth(1).unwrap();
    let set = Loader::load_str("events.yaml", newer).unwrap();
    let line = event_line(&set.objects()[0]).unwrap();
    assert_eq!(
        (line.object.as_str(), line.message.as_str(), line.count),
        ("Pod/web-0", "Back-off restarting failed container", 4)
    );
    assert_eq!(line.last_seen.as_deref(), Some("2026-01-01T10:05:00Z"));
}

#[test]
fn manifests_without_status_are_not_deployed_not_short() {
    // A Deployment and a StatefulSet as a repository holds them, and the same
    // Deployment again in a second file; one workload whose status was recorded.
    let set = Loader::new()
        .default_namespace("argocd")
        .text(
            "a.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: server}\nspec: {replicas: 2}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: controller}\nstatus: {}\n",
        )
        .text(
            "b.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: server}\nspec: {replicas: 3}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: n}\n",
        )
        .load()
        .unwrap();
    let report = analyze(&set, &Options::for_snapshot(&set));
    assert!(report.healthy, "{report:#?}");
    assert!(report.workloads.is_empty());
    assert!(
        report.nodes.issues.is_empty(),
        "a Node with no status is not NotReady"
    );
    let listed: Vec<(String, String, Option<String>)> = report
        .not_deployed
        .iter()
        .map(|o| (o.kind.clone(), o.name.clone(), o.source.clone()))
        .collect();
    assert_eq!(
        listed,
        [
            (
                "Node".to_owned(),
                "n".to_owned(),
                Some("b.yaml:6".to_owned())
            ),
            (
                "Deployment".to_owned(),
                "server".to_owned(),
                Some("a.yaml:1".to_owned())
            ),
            (
                "Deployment".to_owned(),
                "server".to_owned(),
                Some("b.yaml:1".to_owned())
            ),
            (
                "StatefulSet".to_owned(),
                "controller".to_owned(),
                Some("a.yaml:6".to_owned())
            ),
        ]
    );
    assert!(
        report
            .summary
            .ends_with("; 4 objects with no status (not deployed, health unknown)"),
        "{}",
        report.summary
    );
}
