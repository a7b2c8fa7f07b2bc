//! Each rule, in progress, current and failed, over objects shaped as the API server
//! returns them (status blocks as `kubectl get -o json` shows them, trimmed of
//! timestamps and ids that no rule reads).

// Fixture builders take the status blocks by value: `json!(..)` arguments read best
// inline, and `json!` only borrows what it embeds.
#![allow(clippy::needless_pass_by_value)]

use serde_json::{Value, json};

use super::*;

#[track_caller]
fn assert_ready(object: &Value, health: Health, message: &str) {
    assert_ready_with(object, ReadyOptions::default(), health, message);
}

#[track_caller]
fn assert_ready_with(object: &Value, options: ReadyOptions, health: Health, message: &str) {
    let got = readiness(object, &options);
    assert_eq!(
        (got.health, got.message.as_str()),
        (health, message),
        "{object:#}"
    );
}

/// A Deployment of 3 replicas at generation 2 (a template change applied), with the
/// status given.
fn deployment(status: Value) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "generation": 2, "uid": "0b1e6a4e-2f0c-4c1b-9f59-3d6a1c1f8e21"},
        "spec": {
            "replicas": 3,
            "progressDeadlineSeconds": 600,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
        },
        "status": status,
    })
}

fn available() -> Value {
    json!({"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability.", "lastTransitionTime": "2026-01-01T10:00:00Z", "lastUpdateTime": "2026-01-01T10:00:00Z"})
}

fn rolling_out() -> Value {
    json!({"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated", "message": "ReplicaSet \"web-5d8f7c9b4\" is progressing.", "lastTransitionTime": "2026-01-01T10:00:00Z", "lastUpdateTime": "2026-01-01T12:00:05Z"})
}

fn rolled_out() -> Value {
    json!({"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "message": "ReplicaSet \"web-5d8f7c9b4\" has successfully progressed.", "lastTransitionTime": "2026-01-01T10:00:00Z", "lastUpdateTime": "2026-01-01T12:01:00Z"})
}

// Generic rules.

#[test]
fn an_object_being_deleted_is_in_progress_whatever_its_status() {
    let mut web = deployment(
        json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3, "conditions": [available(), rolled_out()]}),
    );
    assert_ready(&web, Health::Current, "");
    web["metadata"]["deletionTimestamp"] = json!("2026-01-01T12:00:00Z");
    web["metadata"]["finalizers"] = json!(["foregroundDeletion"]);
    assert_ready(&web, Health::InProgress, "being deleted");
}

#[test]
fn a_generation_not_yet_observed_is_in_progress() {
    // Applied a moment ago: the status is the previous rollout's, complete.
    let web = deployment(
        json!({"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3, "conditions": [available(), rolled_out()]}),
    );
    assert_ready(
        &web,
        Health::InProgress,
        "waiting for the controller to observe generation 2 (observed 1)",
    );
    // Created a moment ago: no status at all.
    let mut new = deployment(json!(null));
    new.as_object_mut().unwrap().remove("status");
    assert_ready(
        &new,
        Health::InProgress,
        "waiting for the controller to observe generation 2",
    );
    // A kind whose controller may not record it: no observedGeneration, no verdict.
    let certificate = json!({
        "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
        "metadata": {"name": "web", "generation": 3},
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Ready", "message": "Certificate is up to date and has not expired"}]},
    });
    assert_ready(&certificate, Health::Current, "");
}

#[test]
fn reconciling_and_stalled_conditions_decide_for_any_kind() {
    // A Flux Kustomization mid-reconcile, and stalled on a build error.
    let reconciling = json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system", "generation": 4},
        "status": {"observedGeneration": 4, "conditions": [
            {"type": "Reconciling", "status": "True", "reason": "Progressing", "message": "Reconciliation in progress"},
            {"type": "Ready", "status": "Unknown", "reason": "Progressing", "message": "Reconciliation in progress"},
        ]},
    });
    assert_ready(
        &reconciling,
        Health::InProgress,
        "Progressing: Reconciliation in progress",
    );
    let stalled = json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system", "generation": 4},
        "status": {"observedGeneration": 4, "conditions": [
            {"type": "Ready", "status": "False", "reason": "BuildFailed", "message": "kustomize build failed: accumulating resources"},
            {"type": "Stalled", "status": "True", "reason": "BuildFailed", "message": "kustomize build failed: accumulating resources"},
        ]},
    });
    assert_ready(
        &stalled,
        Health::Failed,
        "BuildFailed: kustomize build failed: accumulating resources",
    );
    // False standard conditions say nothing.
    let settled = json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "apps", "generation": 4},
        "status": {"observedGeneration": 4, "conditions": [
            {"type": "Reconciling", "status": "False", "reason": "Succeeded"},
            {"type": "Stalled", "status": "False", "reason": "Succeeded"},
            {"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": "Applied revision: main@sha1:1a2b3c"},
        ]},
    });
    assert_ready(&settled, Health::Current, "");
}

// Deployment.

#[test]
fn a_deployment_rolling_out_reports_each_step() {
    // Surge: one new pod created beside the three old ones.
    let surging = deployment(
        json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 1, "readyReplicas": 3, "availableReplicas": 3, "unavailableReplicas": 1, "conditions": [available(), rolling_out()]}),
    );
    assert_ready(&surging, Health::InProgress, "1 of 3 replicas updated");
    // All three new pods up, one old one still terminating.
    let draining = deployment(
        json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 3, "readyReplicas": 4, "availableReplicas": 4, "conditions": [available(), rolling_out()]}),
    );
    assert_ready(
        &draining,
        Health::InProgress,
        "1 old replica pending termination",
    );
    let two_old = deployment(
        json!({"observedGeneration": 2, "replicas": 5, "updatedReplicas": 3, "readyReplicas": 5, "availableReplicas": 5, "conditions": [available(), rolling_out()]}),
    );
    assert_ready(
        &two_old,
        Health::InProgress,
        "2 old replicas pending termination",
    );
    // New pods created, one not yet available.
    let starting = deployment(
        json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 2, "availableReplicas": 2, "unavailableReplicas": 1, "conditions": [available(), rolling_out()]}),
    );
    assert_ready(
        &starting,
        Health::InProgress,
        "2 of 3 updated replicas are available",
    );
    // Counts complete; the controller has not yet called the rollout done.
    let concluding = deployment(
        json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3, "conditions": [available(), rolling_out()]}),
    );
    assert_ready(
        &concluding,
        Health::InProgress,
        "the new ReplicaSet is not available yet",
    );
    let done = deployment(
        json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3, "conditions": [available(), rolled_out()]}),
    );
    assert_ready(&done, Health::Current, "");
}

#[test]
fn a_deployment_scaling_up_waits_for_replicas_and_readiness() {
    // Scaled from 1 to 3: the ReplicaSet has not created the pods yet.
    let scaling = deployment(
        json!({"observedGeneration": 2, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1, "conditions": [available(), rolled_out()]}),
    );
    assert_ready(&scaling, Health::InProgress, "1 of 3 replicas created");
    // kstatus's last count: fewer ready than wanted while the available count says
    // otherwise (never both from one sync, but the rule holds).
    let unready = deployment(
        json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 2, "availableReplicas": 3, "conditions": [available(), rolled_out()]}),
    );
    assert_ready(&unready, Health::InProgress, "2 of 3 replicas are ready");
    // Minimum availability lost.
    let unavailable = deployment(
        json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3, "conditions": [
            {"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable", "message": "Deployment does not have minimum availability."},
            rolled_out(),
        ]}),
    );
    assert_ready(
        &unavailable,
        Health::InProgress,
        "MinimumReplicasUnavailable: Deployment does not have minimum availability.",
    );
}

#[test]
fn a_deployment_past_its_progress_deadline_has_failed() {
    let stuck = deployment(
        json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 1, "readyReplicas": 3, "availableReplicas": 3, "unavailableReplicas": 1, "conditions": [
            available(),
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "ReplicaSet \"web-5d8f7c9b4\" has timed out progressing.", "lastTransitionTime": "2026-01-01T12:10:05Z", "lastUpdateTime": "2026-01-01T12:10:05Z"},
        ]}),
    );
    assert_ready(
        &stuck,
        Health::Failed,
        "ReplicaSet \"web-5d8f7c9b4\" has timed out progressing.",
    );
}

#[test]
fn a_deployment_whose_pods_cannot_be_created_says_why() {
    // A quota refuses the new pods: in progress, with the refusal, until the deadline.
    let refused = deployment(
        json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 0, "readyReplicas": 3, "availableReplicas": 3, "conditions": [
            available(),
            rolling_out(),
            {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": "pods \"web-5d8f7c9b4-x2x4k\" is forbidden: exceeded quota: compute, requested: limits.memory=512Mi, used: limits.memory=2Gi, limited: limits.memory=2Gi"},
        ]}),
    );
    assert_ready(
        &refused,
        Health::InProgress,
        "FailedCreate: pods \"web-5d8f7c9b4-x2x4k\" is forbidden: exceeded quota: compute, requested: limits.memory=512Mi, used: limits.memory=2Gi, limited: limits.memory=2Gi",
    );
}

#[test]
fn a_deployment_without_a_progress_deadline_needs_no_progressing_condition() {
    let mut web = deployment(
        json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3, "conditions": [available()]}),
    );
    assert_ready(
        &web,
        Health::InProgress,
        "the new ReplicaSet is not available yet",
    );
    web["spec"]
        .as_object_mut()
        .unwrap()
        .remove("progressDeadlineSeconds");
    assert_ready(&web, Health::Current, "");
}

#[test]
fn a_deployment_with_no_status_and_no_generation_is_in_progress() {
    // As a manifest reads before anything reported on it.
    let manifest = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 2}});
    assert_ready(&manifest, Health::InProgress, "no status reported yet");
    let empty = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "status": {}});
    assert_ready(&empty, Health::InProgress, "no status reported yet");
}

#[test]
fn a_deployment_scaled_to_zero_is_current() {
    let mut web =
        deployment(json!({"observedGeneration": 2, "conditions": [available(), rolled_out()]}));
    web["spec"]["replicas"] = json!(0);
    assert_ready(&web, Health::Current, "");
}

// StatefulSet.

fn stateful_set(strategy: Value, status: Value) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "shop", "generation": 3},
        "spec": {"replicas": 3, "serviceName": "db", "podManagementPolicy": "OrderedReady", "updateStrategy": strategy},
        "status": status,
    })
}

fn rolling() -> Value {
    json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
}

#[test]
fn a_stateful_set_rolling_out_waits_for_every_replica_at_the_update_revision() {
    let rolling_update = rolling();
    let updating = stateful_set(
        rolling_update.clone(),
        json!({"observedGeneration": 3, "replicas": 3, "readyReplicas": 3, "availableReplicas": 3, "currentReplicas": 2, "updatedReplicas": 1, "currentRevision": "db-7b9c6d5f8", "updateRevision": "db-6c8d9f7b5", "collisionCount": 0}),
    );
    assert_ready(&updating, Health::InProgress, "1 of 3 replicas updated");
    let done = stateful_set(
        rolling_update,
        json!({"observedGeneration": 3, "replicas": 3, "readyReplicas": 3, "availableReplicas": 3, "currentReplicas": 3, "updatedReplicas": 3, "currentRevision": "db-6c8d9f7b5", "updateRevision": "db-6c8d9f7b5", "collisionCount": 0}),
    );
    assert_ready(&done, Health::Current, "");
}

#[test]
fn a_stateful_set_counts_created_ready_available_and_extra_replicas() {
    let revision = "db-6c8d9f7b5";
    let counts = |replicas: i64, ready: i64, available: i64| {
        stateful_set(
            json!({"type": "RollingUpdate"}),
            json!({"observedGeneration": 3, "replicas": replicas, "readyReplicas": ready, "availableReplicas": available, "currentReplicas": replicas, "updatedReplicas": replicas, "currentRevision": revision, "updateRevision": revision}),
        )
    };
    assert_ready(
        &counts(1, 1, 1),
        Health::InProgress,
        "1 of 3 replicas created",
    );
    assert_ready(
        &counts(3, 2, 2),
        Health::InProgress,
        "2 of 3 replicas are ready",
    );
    // minReadySeconds: ready, not yet available.
    assert_ready(
        &counts(3, 3, 1),
        Health::InProgress,
        "1 of 3 replicas are available",
    );
    // Scaled down from 4: the last ordinal is terminating.
    assert_ready(
        &counts(4, 4, 4),
        Health::InProgress,
        "1 replica pending termination",
    );
    assert_ready(&counts(3, 3, 3), Health::Current, "");
}

#[test]
fn a_stateful_set_at_the_update_revision_still_waits_for_current_replicas() {
    // kstatus's `currentReplicas` count, the revisions already equal.
    let set = stateful_set(
        json!({"type": "RollingUpdate"}),
        json!({"observedGeneration": 3, "replicas": 3, "readyReplicas": 3, "currentReplicas": 2, "updatedReplicas": 3, "currentRevision": "db-6c8d9f7b5", "updateRevision": "db-6c8d9f7b5"}),
    );
    assert_ready(
        &set,
        Health::InProgress,
        "2 of 3 replicas at the current revision",
    );
}

#[test]
fn a_partitioned_stateful_set_is_current_once_the_partition_is_updated() {
    let partitioned = json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 2}});
    // Only ordinal 2 is to be updated; the others stay at the old revision.
    let pending = stateful_set(
        partitioned.clone(),
        json!({"observedGeneration": 3, "replicas": 3, "readyReplicas": 3, "currentReplicas": 3, "updatedReplicas": 0, "currentRevision": "db-7b9c6d5f8", "updateRevision": "db-6c8d9f7b5"}),
    );
    assert_ready(
        &pending,
        Health::InProgress,
        "0 of 1 replicas updated (partition 2)",
    );
    let canary = stateful_set(
        partitioned,
        json!({"observedGeneration": 3, "replicas": 3, "readyReplicas": 3, "currentReplicas": 2, "updatedReplicas": 1, "currentRevision": "db-7b9c6d5f8", "updateRevision": "db-6c8d9f7b5"}),
    );
    assert_ready(&canary, Health::Current, "");
    // Partition 0 (the API server's default) is a full rolling update.
    let full = stateful_set(
        rolling(),
        json!({"observedGeneration": 3, "replicas": 3, "readyReplicas": 3, "currentReplicas": 2, "updatedReplicas": 1, "currentRevision": "db-7b9c6d5f8", "updateRevision": "db-6c8d9f7b5"}),
    );
    assert_ready(&full, Health::InProgress, "1 of 3 replicas updated");
}

#[test]
fn an_on_delete_stateful_set_is_current_without_updating() {
    let set = stateful_set(
        json!({"type": "OnDelete"}),
        json!({"observedGeneration": 3, "replicas": 3, "readyReplicas": 3, "currentReplicas": 3, "updatedReplicas": 0, "currentRevision": "db-7b9c6d5f8", "updateRevision": "db-6c8d9f7b5"}),
    );
    assert_ready(&set, Health::Current, "");
}

// DaemonSet.

fn daemon_set(strategy: &str, status: Value) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "ops", "generation": 4},
        "spec": {"updateStrategy": {"type": strategy}},
        "status": status,
    })
}

#[test]
fn a_daemon_set_counts_scheduled_updated_available_and_ready_pods() {
    let counts = |scheduled: i64, updated: i64, available: i64, ready: i64| {
        daemon_set(
            "RollingUpdate",
            json!({"observedGeneration": 4, "desiredNumberScheduled": 3, "currentNumberScheduled": scheduled, "updatedNumberScheduled": updated, "numberAvailable": available, "numberReady": ready, "numberMisscheduled": 0, "numberUnavailable": 3 - available}),
        )
    };
    assert_ready(
        &counts(2, 2, 2, 2),
        Health::InProgress,
        "2 of 3 pods scheduled",
    );
    assert_ready(
        &counts(3, 1, 3, 3),
        Health::InProgress,
        "1 of 3 pods updated",
    );
    assert_ready(
        &counts(3, 3, 2, 2),
        Health::InProgress,
        "2 of 3 pods are available",
    );
    assert_ready(
        &counts(3, 3, 3, 2),
        Health::InProgress,
        "2 of 3 pods are ready",
    );
    assert_ready(&counts(3, 3, 3, 3), Health::Current, "");
}

#[test]
fn a_daemon_set_without_a_desired_count_is_in_progress() {
    let set = daemon_set("RollingUpdate", json!({"observedGeneration": 4}));
    assert_ready(&set, Health::InProgress, "no pods scheduled yet");
    // No nodes match its selector: nothing to wait for.
    let idle = daemon_set(
        "RollingUpdate",
        json!({"observedGeneration": 4, "desiredNumberScheduled": 0, "currentNumberScheduled": 0, "numberMisscheduled": 0, "numberReady": 0}),
    );
    assert_ready(&idle, Health::Current, "");
}

#[test]
fn an_on_delete_daemon_set_does_not_wait_for_updates() {
    let set = daemon_set(
        "OnDelete",
        json!({"observedGeneration": 4, "desiredNumberScheduled": 3, "currentNumberScheduled": 3, "updatedNumberScheduled": 0, "numberAvailable": 3, "numberReady": 3}),
    );
    assert_ready(&set, Health::Current, "");
}

// ReplicaSet.

fn replica_set(status: Value) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": "web-5d8f7c9b4", "namespace": "shop", "generation": 1},
        "spec": {"replicas": 3},
        "status": status,
    })
}

#[test]
fn a_replica_set_counts_labelled_available_ready_and_extra_replicas() {
    let counts = |replicas: i64, labelled: i64, available: i64, ready: i64| {
        replica_set(
            json!({"observedGeneration": 1, "replicas": replicas, "fullyLabeledReplicas": labelled, "availableReplicas": available, "readyReplicas": ready}),
        )
    };
    assert_ready(
        &counts(3, 2, 2, 2),
        Health::InProgress,
        "2 of 3 replicas labelled",
    );
    assert_ready(
        &counts(3, 3, 1, 2),
        Health::InProgress,
        "1 of 3 replicas are available",
    );
    assert_ready(
        &counts(3, 3, 3, 2),
        Health::InProgress,
        "2 of 3 replicas are ready",
    );
    assert_ready(
        &counts(5, 5, 5, 5),
        Health::InProgress,
        "2 replicas pending termination",
    );
    assert_ready(&counts(3, 3, 3, 3), Health::Current, "");
}

#[test]
fn a_replica_set_that_cannot_create_pods_has_failed() {
    let refused = replica_set(
        json!({"observedGeneration": 1, "replicas": 0, "conditions": [
            {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": "pods \"web-5d8f7c9b4-\" is forbidden: error looking up service account shop/web: serviceaccount \"web\" not found", "lastTransitionTime": "2026-01-01T12:00:00Z"},
        ]}),
    );
    assert_ready(
        &refused,
        Health::Failed,
        "FailedCreate: pods \"web-5d8f7c9b4-\" is forbidden: error looking up service account shop/web: serviceaccount \"web\" not found",
    );
}

// Pod.

fn pod(status: Value) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web-5d8f7c9b4-x2x4k", "namespace": "shop", "creationTimestamp": "2026-01-01T12:00:00Z"},
        "spec": {"containers": [{"name": "app", "image": "registry.example.com/web:v2"}], "restartPolicy": "Always"},
        "status": status,
    })
}

fn pod_conditions(ready: bool) -> Value {
    let ready_condition = if ready {
        json!({"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T12:00:09Z"})
    } else {
        json!({"type": "Ready", "status": "False", "reason": "ContainersNotReady", "message": "containers with unready status: [app]", "lastTransitionTime": "2026-01-01T12:00:02Z"})
    };
    let mut containers_ready = ready_condition.clone();
    containers_ready["type"] = json!("ContainersReady");
    json!([
        {"type": "PodReadyToStartContainers", "status": "True"},
        {"type": "Initialized", "status": "True"},
        ready_condition,
        containers_ready,
        {"type": "PodScheduled", "status": "True"},
    ])
}

#[test]
fn a_running_pod_is_current_once_ready() {
    let running = |ready: bool| {
        pod(json!({
            "phase": "Running",
            "conditions": pod_conditions(ready),
            "containerStatuses": [{"name": "app", "image": "registry.example.com/web:v2", "ready": ready, "started": true, "restartCount": 0, "state": {"running": {"startedAt": "2026-01-01T12:00:03Z"}}}],
            "hostIP": "10.0.0.11", "podIP": "10.244.1.7", "qosClass": "Burstable", "startTime": "2026-01-01T12:00:00Z",
        }))
    };
    assert_ready(&running(true), Health::Current, "");
    assert_ready(
        &running(false),
        Health::InProgress,
        "not ready: containers with unready status: [app]",
    );
}

#[test]
fn a_pod_that_ran_to_completion_is_current_and_one_that_failed_has_failed() {
    let succeeded = pod(json!({
        "phase": "Succeeded",
        "conditions": [{"type": "Ready", "status": "False", "reason": "PodCompleted"}],
        "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
    }));
    assert_ready(&succeeded, Health::Current, "");
    let evicted = pod(json!({
        "phase": "Failed",
        "reason": "Evicted",
        "message": "The node was low on resource: memory. Threshold quantity: 100Mi, available: 52Mi.",
    }));
    assert_ready(
        &evicted,
        Health::Failed,
        "Evicted: The node was low on resource: memory. Threshold quantity: 100Mi, available: 52Mi.",
    );
    let exited = pod(json!({
        "phase": "Failed",
        "conditions": [{"type": "Ready", "status": "False", "reason": "PodFailed"}],
        "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0, "state": {"terminated": {"exitCode": 2, "reason": "Error"}}}],
    }));
    assert_ready(
        &exited,
        Health::Failed,
        "Failed in container app: exited with Error (exit code 2)",
    );
}

#[test]
fn a_crash_looping_pod_is_in_progress_with_the_reason() {
    let crashing = pod(json!({
        "phase": "Running",
        "conditions": pod_conditions(false),
        "containerStatuses": [{
            "name": "app", "ready": false, "started": false, "restartCount": 6,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container=app pod=web-5d8f7c9b4-x2x4k_shop(8c1f2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b)"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": "2026-01-01T12:04:00Z", "finishedAt": "2026-01-01T12:04:01Z"}},
        }],
    }));
    assert_ready(
        &crashing,
        Health::InProgress,
        "CrashLoopBackOff in container app: back-off 5m0s restarting failed container=app pod=web-5d8f7c9b4-x2x4k_shop(8c1f2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b); last termination: Error (exit code 1)",
    );
}

#[test]
fn a_pod_that_cannot_start_is_in_progress_with_the_reason() {
    let waiting = |reason: &str, message: &str| {
        pod(json!({
            "phase": "Pending",
            "conditions": pod_conditions(false),
            "containerStatuses": [{"name": "app", "ready": false, "started": false, "restartCount": 0, "image": "registry.example.com/web:v2", "imageID": "", "state": {"waiting": {"reason": reason, "message": message}}}],
        }))
    };
    assert_ready(
        &waiting(
            "ImagePullBackOff",
            "Back-off pulling image \"registry.example.com/web:v2\"",
        ),
        Health::InProgress,
        "ImagePullBackOff in container app: Back-off pulling image \"registry.example.com/web:v2\"",
    );
    assert_ready(
        &waiting(
            "CreateContainerConfigError",
            "secret \"db-credentials\" not found",
        ),
        Health::InProgress,
        "CreateContainerConfigError in container app: secret \"db-credentials\" not found",
    );
    let creating = pod(json!({
        "phase": "Pending",
        "conditions": pod_conditions(false),
        "containerStatuses": [{"name": "app", "ready": false, "started": false, "restartCount": 0, "image": "registry.example.com/web:v2", "imageID": "", "state": {"waiting": {"reason": "ContainerCreating"}}}],
    }));
    assert_ready(
        &creating,
        Health::InProgress,
        "Pending: containers waiting: ContainerCreating",
    );
}

#[test]
fn an_unschedulable_pod_is_in_progress_with_the_schedulers_message() {
    let unschedulable = pod(json!({
        "phase": "Pending",
        "qosClass": "Burstable",
        "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "lastProbeTime": null, "lastTransitionTime": "2026-01-01T12:00:00Z",
            "message": "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."}],
    }));
    assert_ready(
        &unschedulable,
        Health::InProgress,
        "Unschedulable: 0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
    );
    let not_seen = pod(json!({"phase": "Pending", "qosClass": "BestEffort"}));
    assert_ready(&not_seen, Health::InProgress, "Pending");
}

// Job.

fn job(spec: Value, status: Value) -> Value {
    let mut job = json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "migrate", "namespace": "shop", "generation": 1},
        "spec": {"backoffLimit": 6, "completionMode": "NonIndexed", "suspend": false, "template": {}},
        "status": status,
    });
    for (key, value) in spec.as_object().unwrap() {
        job["spec"][key] = value.clone();
    }
    job
}

#[test]
fn a_running_job_is_in_progress_until_it_completes() {
    // kstatus calls this Job current; korral waits for it to complete.
    let running = job(
        json!({"completions": 1, "parallelism": 1}),
        json!({"active": 1, "ready": 0, "terminating": 0, "startTime": "2026-01-01T12:00:00Z", "uncountedTerminatedPods": {}}),
    );
    assert_ready(
        &running,
        Health::InProgress,
        "0 of 1 completions succeeded (1 active, 0 failed)",
    );
    let queue = job(
        json!({"parallelism": 3}),
        json!({"active": 2, "succeeded": 1, "failed": 1, "ready": 2, "startTime": "2026-01-01T12:00:00Z"}),
    );
    assert_ready(
        &queue,
        Health::InProgress,
        "2 active, 1 succeeded, 1 failed",
    );
    // Kubernetes 1.31+: success criteria met, pods still terminating, not yet Complete.
    let finishing = job(
        json!({"completions": 1, "parallelism": 1}),
        json!({"succeeded": 1, "terminating": 0, "startTime": "2026-01-01T12:00:00Z", "conditions": [
            {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods"},
        ]}),
    );
    assert_ready(
        &finishing,
        Health::InProgress,
        "1 of 1 completions succeeded (0 active, 0 failed)",
    );
    let complete = job(
        json!({"completions": 1, "parallelism": 1}),
        json!({"succeeded": 1, "terminating": 0, "ready": 0, "startTime": "2026-01-01T12:00:00Z", "completionTime": "2026-01-01T12:00:41Z", "uncountedTerminatedPods": {}, "conditions": [
            {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods"},
            {"type": "Complete", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods"},
        ]}),
    );
    assert_ready(&complete, Health::Current, "");
}

#[test]
fn a_failed_job_has_failed() {
    let failed = job(
        json!({"completions": 1, "parallelism": 1}),
        json!({"failed": 7, "terminating": 0, "ready": 0, "startTime": "2026-01-01T12:00:00Z", "uncountedTerminatedPods": {}, "conditions": [
            {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"},
            {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"},
        ]}),
    );
    assert_ready(
        &failed,
        Health::Failed,
        "BackoffLimitExceeded: Job has reached the specified backoff limit",
    );
}

#[test]
fn a_suspended_or_unstarted_job_is_in_progress() {
    let suspended = job(
        json!({"suspend": true}),
        json!({"conditions": [{"type": "Suspended", "status": "True", "reason": "JobSuspended", "message": "Job suspended"}]}),
    );
    assert_ready(&suspended, Health::InProgress, "suspended");
    let unstarted = job(json!({}), json!({"ready": 0, "terminating": 0}));
    assert_ready(&unstarted, Health::InProgress, "not started");
    let created = job(json!({}), json!({}));
    assert_ready(&created, Health::InProgress, "no status reported yet");
}

// PersistentVolumeClaim.

fn claim(status: Value) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data-db-0", "namespace": "shop"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}, "storageClassName": "standard", "volumeMode": "Filesystem"},
        "status": status,
    })
}

#[test]
fn a_claim_is_current_once_bound() {
    let bound = claim(
        json!({"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10Gi"}}),
    );
    assert_ready(&bound, Health::Current, "");
    assert_ready(
        &claim(json!({"phase": "Pending"})),
        Health::InProgress,
        "phase Pending, not yet bound",
    );
    assert_ready(
        &claim(json!({"phase": "Lost"})),
        Health::Failed,
        "Lost: its bound volume no longer exists",
    );
}

// Service.

fn service(kind: &str, status: Value) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"type": kind, "clusterIP": "10.96.14.2", "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}], "selector": {"app": "web"}},
        "status": status,
    })
}

#[test]
fn a_load_balancer_waits_for_an_address_only_when_asked() {
    let wait = ReadyOptions {
        load_balancer_address: true,
    };
    let pending = service("LoadBalancer", json!({"loadBalancer": {}}));
    assert_ready(&pending, Health::Current, "");
    assert_ready_with(
        &pending,
        wait,
        Health::InProgress,
        "waiting for a load balancer address",
    );
    let addressed = service(
        "LoadBalancer",
        json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.10", "ipMode": "VIP"}]}}),
    );
    assert_ready_with(&addressed, wait, Health::Current, "");
    let cluster_ip = service("ClusterIP", json!({"loadBalancer": {}}));
    assert_ready_with(&cluster_ip, wait, Health::Current, "");
}

// CustomResourceDefinition.

fn crd(conditions: Value) -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com", "generation": 1},
        "status": {
            "acceptedNames": {"kind": "Widget", "listKind": "WidgetList", "plural": "widgets", "singular": "widget"},
            "conditions": conditions,
            "storedVersions": ["v1"],
        },
    })
}

#[test]
fn a_crd_is_current_once_established() {
    let established = crd(json!([
        {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found"},
        {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"},
    ]));
    assert_ready(&established, Health::Current, "");
    let installing = crd(json!([
        {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found"},
        {"type": "Established", "status": "False", "reason": "Installing", "message": "the initial names have been accepted"},
    ]));
    assert_ready(&installing, Health::InProgress, "not yet established");
    let accepting = crd(json!([]));
    assert_ready(&accepting, Health::InProgress, "not yet established");
}

#[test]
fn a_crd_whose_names_conflict_has_failed() {
    let conflict = crd(json!([
        {"type": "NamesAccepted", "status": "False", "reason": "PluralConflict", "message": "\"widgets\" is already in use"},
        {"type": "Established", "status": "False", "reason": "NotAccepted", "message": "not all names are accepted"},
    ]));
    assert_ready(
        &conflict,
        Health::Failed,
        "PluralConflict: \"widgets\" is already in use",
    );
}

// APIService.

fn api_service(conditions: Value) -> Value {
    json!({
        "apiVersion": "apiregistration.k8s.io/v1",
        "kind": "APIService",
        "metadata": {"name": "v1beta1.metrics.k8s.io"},
        "spec": {"group": "metrics.k8s.io", "version": "v1beta1", "groupPriorityMinimum": 100, "versionPriority": 100, "service": {"name": "metrics-server", "namespace": "kube-system", "port": 443}},
        "status": {"conditions": conditions},
    })
}

#[test]
fn an_api_service_is_current_once_available() {
    let available = api_service(
        json!([{"type": "Available", "status": "True", "reason": "Passed", "message": "all checks passed"}]),
    );
    assert_ready(&available, Health::Current, "");
    let failing = api_service(
        json!([{"type": "Available", "status": "False", "reason": "FailedDiscoveryCheck",
        "message": "failing or missing response from https://10.96.140.12:443/apis/metrics.k8s.io/v1beta1: Get \"https://10.96.140.12:443/apis/metrics.k8s.io/v1beta1\": dial tcp 10.96.140.12:443: connect: connection refused"}]),
    );
    assert_ready(
        &failing,
        Health::InProgress,
        "FailedDiscoveryCheck: failing or missing response from https://10.96.140.12:443/apis/metrics.k8s.io/v1beta1: Get \"https://10.96.140.12:443/apis/metrics.k8s.io/v1beta1\": dial tcp 10.96.140.12:443: connect: connection refused",
    );
    assert_ready(
        &api_service(json!([])),
        Health::InProgress,
        "not yet available",
    );
}

// PodDisruptionBudget.

#[test]
fn a_pod_disruption_budget_is_current_once_observed() {
    let budget = |generation: i64, status: Value| {
        json!({
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "web", "namespace": "shop", "generation": generation},
            "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
            "status": status,
        })
    };
    let observed = json!({"observedGeneration": 1, "currentHealthy": 3, "desiredHealthy": 2, "disruptionsAllowed": 1, "expectedPods": 3,
        "conditions": [{"type": "DisruptionAllowed", "status": "True", "reason": "SufficientPods", "message": ""}]});
    assert_ready(&budget(1, observed.clone()), Health::Current, "");
    assert_ready(
        &budget(2, observed),
        Health::InProgress,
        "waiting for the controller to observe generation 2 (observed 1)",
    );
    // Too few healthy pods to allow a disruption is not a readiness problem.
    let blocking = json!({"observedGeneration": 1, "currentHealthy": 2, "desiredHealthy": 2, "disruptionsAllowed": 0, "expectedPods": 3,
        "conditions": [{"type": "DisruptionAllowed", "status": "False", "reason": "InsufficientPods", "message": ""}]});
    assert_ready(&budget(1, blocking), Health::Current, "");
}

// Any other kind.

fn certificate(conditions: Value) -> Value {
    json!({
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": "web-tls", "namespace": "shop", "generation": 1},
        "status": {"conditions": conditions},
    })
}

#[test]
fn another_kind_reads_its_ready_condition() {
    let issued = certificate(
        json!([{"type": "Ready", "status": "True", "reason": "Ready", "message": "Certificate is up to date and has not expired", "observedGeneration": 1}]),
    );
    assert_ready(&issued, Health::Current, "");
    // False is in progress, as kstatus has it: many controllers set it while they work.
    let issuing = certificate(json!([
        {"type": "Issuing", "status": "True", "reason": "DoesNotExist", "message": "Issuing certificate as Secret does not exist"},
        {"type": "Ready", "status": "False", "reason": "DoesNotExist", "message": "Issuing certificate as Secret does not exist"},
    ]));
    assert_ready(
        &issuing,
        Health::InProgress,
        "DoesNotExist: Issuing certificate as Secret does not exist",
    );
    let unknown = certificate(json!([{"type": "Ready", "status": "Unknown"}]));
    assert_ready(&unknown, Health::InProgress, "not ready");
}

#[test]
fn another_kind_without_ready_reads_its_available_condition() {
    let object = |status: &str| {
        json!({
            "apiVersion": "example.com/v1", "kind": "Gateway",
            "metadata": {"name": "edge", "generation": 2},
            "status": {"observedGeneration": 2, "conditions": [{"type": "Available", "status": status, "reason": "NoAddress", "message": "no address assigned yet"}]},
        })
    };
    assert_ready(&object("True"), Health::Current, "");
    assert_ready(
        &object("False"),
        Health::InProgress,
        "NoAddress: no address assigned yet",
    );
}

#[test]
fn another_kind_without_conditions_is_current_once_observed() {
    let object = |observed: i64| {
        json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w", "generation": 3},
            "status": {"observedGeneration": observed},
        })
    };
    assert_ready(&object(3), Health::Current, "");
    assert_ready(
        &object(2),
        Health::InProgress,
        "waiting for the controller to observe generation 3 (observed 2)",
    );
    let config = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "b"}});
    assert_ready(&config, Health::Current, "");
}
