//! The simulated controllers, through the real `kube` client: rollouts, image tags,
//! Jobs, cascading deletes, namespace deletion; and the write validation and apply
//! conflicts a rollout tool meets. Every wait is a bounded poll, never a fixed sleep.

use std::future::Future;
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod};
use korral_core::Loader;
use korral_testkit::{ApiServer, Controllers, ServerOptions};
use kube::api::{DeleteParams, ListParams, LogParams, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::{Value, json};

use crate::util;

const SEED: &str = r"
apiVersion: v1
kind: Namespace
metadata: {name: app}
---
apiVersion: v1
kind: Node
metadata: {name: node-1}
status:
  addresses: [{type: InternalIP, address: 172.18.0.3}]
";

async fn start(controllers: Controllers) -> (ApiServer, Client) {
    let seed = Loader::load_str("seed.yaml", SEED).expect("the seed parses");
    util::start_with(
        &seed,
        ServerOptions {
            controllers: Some(Controllers {
                tick: Duration::from_millis(20),
                ..controllers
            }),
            ..util::options()
        },
    )
    .await
}

/// Polls `check` until it gives a value, for up to 10 s.
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn deployment(name: &str, image: &str, replicas: i32) -> Deployment {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": name, "image": image}]}}}
    }))
    .expect("a Deployment")
}

fn condition<'a>(d: &'a Deployment, kind: &str) -> Option<(&'a str, Option<&'a str>)> {
    d.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_.as_deref() == Some(kind))
        .map(|c| (c.status.as_deref().unwrap_or_default(), c.reason.as_deref()))
}

async fn available(api: &Api<Deployment>, name: &str, replicas: i32) -> Deployment {
    eventually(&format!("{name} available"), || async {
        let d = api.get(name).await.ok()?;
        let s = d.status.as_ref()?;
        let done = s.available_replicas == Some(replicas)
            && s.updated_replicas == Some(replicas)
            && s.replicas == Some(replicas)
            && condition(&d, "Progressing") == Some(("True", Some("NewReplicaSetAvailable")));
        done.then_some(d)
    })
    .await
}

fn revision(meta: &kube::api::ObjectMeta) -> Option<&str> {
    meta.annotations
        .as_ref()?
        .get("deployment.kubernetes.io/revision")
        .map(String::as_str)
}

async fn replica_sets(client: &Client, app: &str) -> Vec<ReplicaSet> {
    let api: Api<ReplicaSet> = Api::namespaced(client.clone(), "app");
    api.list(&ListParams::default().labels(&format!("app={app}")))
        .await
        .unwrap()
        .items
}

async fn pods(client: &Client, selector: &str) -> Vec<Pod> {
    let api: Api<Pod> = Api::namespaced(client.clone(), "app");
    api.list(&ListParams::default().labels(selector))
        .await
        .unwrap()
        .items
}

fn image_patch(name: &str, image: &str) -> Patch<Value> {
    Patch::Strategic(
        json!({"spec": {"template": {"spec": {"containers": [{"name": name, "image": image}]}}}}),
    )
}

#[tokio::test]
async fn a_deployment_gets_a_replica_set_and_running_ready_pods() {
    let (_server, client) = start(Controllers::default()).await;
    let api: Api<Deployment> = Api::namespaced(client.clone(), "app");
    api.create(&PostParams::default(), &deployment("web", "web:1", 2))
        .await
        .unwrap();
    let d = available(&api, "web", 2).await;
    assert_eq!(revision(&d.metadata), Some("1"));
    assert_eq!(
        condition(&d, "Available"),
        Some(("True", Some("MinimumReplicasAvailable")))
    );
    let status = d.status.unwrap();
    assert_eq!(status.observed_generation, Some(1));
    assert_eq!(status.ready_replicas, Some(2));

    let sets = replica_sets(&client, "web").await;
    assert_eq!(sets.len(), 1);
    let rs = &sets[0];
    let hash = rs.metadata.labels.as_ref().unwrap()["pod-template-hash"].clone();
    assert_eq!(
        rs.metadata.name.as_deref(),
        Some(format!("web-{hash}").as_str())
    );
    assert_eq!(revision(&rs.metadata), Some("1"));
    let owner = &rs.metadata.owner_references.as_ref().unwrap()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str()),
        ("Deployment", "web")
    );
    assert_eq!(
        (owner.controller, owner.block_owner_deletion),
        (Some(true), Some(true))
    );
    let spec = &rs.spec;
    assert_eq!(
        spec.selector.match_labels.as_ref().unwrap()["pod-template-hash"],
        hash
    );

    let running = pods(&client, "app=web").await;
    assert_eq!(running.len(), 2);
    for pod in &running {
        let name = pod.metadata.name.as_deref().unwrap();
        assert!(name.starts_with(&format!("web-{hash}-")), "{name}");
        assert_eq!(name.len(), format!("web-{hash}-").len() + 5);
        assert_eq!(
            pod.metadata.labels.as_ref().unwrap()["pod-template-hash"],
            hash
        );
        assert_eq!(
            pod.metadata.owner_references.as_ref().unwrap()[0].kind,
            "ReplicaSet"
        );
        assert_eq!(
            pod.spec.as_ref().unwrap().node_name.as_deref(),
            Some("node-1")
        );
        let status = pod.status.as_ref().unwrap();
        assert_eq!(status.phase.as_deref(), Some("Running"));
        assert_eq!(status.host_ip.as_deref(), Some("172.18.0.3"));
        assert!(status.pod_ip.as_deref().unwrap().starts_with("10.244."));
        let container = &status.container_statuses.as_ref().unwrap()[0];
        assert!(container.ready && container.started == Some(true));
        assert!(container.state.as_ref().unwrap().running.is_some());
        // The kubelet's writes carry its name, as a real one's do.
        let managers: Vec<&str> = pod
            .metadata
            .managed_fields
            .iter()
            .flatten()
            .filter_map(|m| m.manager.as_deref())
            .collect();
        assert!(managers.contains(&"kubelet"), "{managers:?}");
    }
}

#[tokio::test]
async fn a_new_image_rolls_to_a_new_replica_set_and_back() {
    let (_server, client) = start(Controllers::default()).await;
    let api: Api<Deployment> = Api::namespaced(client.clone(), "app");
    api.create(&PostParams::default(), &deployment("web", "web:1", 2))
        .await
        .unwrap();
    let first = available(&api, "web", 2).await;
    let first_rs = replica_sets(&client, "web").await[0]
        .metadata
        .name
        .clone()
        .unwrap();

    api.patch("web", &PatchParams::default(), &image_patch("web", "web:2"))
        .await
        .unwrap();
    let d = eventually("the rollout to web:2", || async {
        let d = available(&api, "web", 2).await;
        (d.metadata.generation > first.metadata.generation
            && d.status.as_ref()?.observed_generation == d.metadata.generation)
            .then_some(d)
    })
    .await;
    assert_eq!(revision(&d.metadata), Some("2"));
    let sets = replica_sets(&client, "web").await;
    assert_eq!(sets.len(), 2);
    for rs in &sets {
        let old = rs.metadata.name.as_deref() == Some(first_rs.as_str());
        let replicas = rs.spec.replicas;
        assert_eq!(
            replicas,
            Some(if old { 0 } else { 2 }),
            "{:?}",
            rs.metadata.name
        );
        assert_eq!(revision(&rs.metadata), Some(if old { "1" } else { "2" }));
    }
    eventually("the old pods gone", || async {
        let images: Vec<String> = pods(&client, "app=web")
            .await
            .iter()
            .map(|p| {
                p.spec.as_ref().unwrap().containers[0]
                    .image
                    .clone()
                    .unwrap()
            })
            .collect();
        (images == ["web:2", "web:2"]).then_some(())
    })
    .await;

    // Back to the first template: its ReplicaSet comes back as revision 3.
    api.patch("web", &PatchParams::default(), &image_patch("web", "web:1"))
        .await
        .unwrap();
    eventually("the rollback", || async {
        let d = api.get("web").await.ok()?;
        (revision(&d.metadata) == Some("3")
            && d.status.as_ref()?.available_replicas == Some(2)
            && d.status.as_ref()?.replicas == Some(2))
        .then_some(())
    })
    .await;
    let sets = replica_sets(&client, "web").await;
    assert_eq!(sets.len(), 2);
    let back = sets
        .iter()
        .find(|rs| rs.metadata.name.as_deref() == Some(first_rs.as_str()))
        .unwrap();
    assert_eq!(revision(&back.metadata), Some("3"));
    assert_eq!(back.spec.replicas, Some(2));
}

#[tokio::test]
async fn a_missing_image_keeps_the_old_pods_and_exceeds_the_deadline() {
    let (_server, client) = start(Controllers {
        progress_deadline: Some(Duration::from_millis(800)),
        ..Controllers::default()
    })
    .await;
    let api: Api<Deployment> = Api::namespaced(client.clone(), "app");
    api.create(&PostParams::default(), &deployment("web", "web:1", 2))
        .await
        .unwrap();
    available(&api, "web", 2).await;
    api.patch(
        "web",
        &PatchParams::default(),
        &image_patch("web", "web:missing"),
    )
    .await
    .unwrap();
    let d = eventually("ProgressDeadlineExceeded", || async {
        let d = api.get("web").await.ok()?;
        (condition(&d, "Progressing") == Some(("False", Some("ProgressDeadlineExceeded"))))
            .then_some(d)
    })
    .await;
    let status = d.status.unwrap();
    assert_eq!(status.available_replicas, Some(2));
    assert_eq!(status.updated_replicas, Some(2));
    assert_eq!(status.unavailable_replicas, Some(2));
    let message = status
        .conditions
        .unwrap()
        .into_iter()
        .find(|c| c.type_.as_deref() == Some("Progressing"))
        .unwrap()
        .message
        .unwrap();
    assert!(message.ends_with("has timed out progressing."), "{message}");

    let all = pods(&client, "app=web").await;
    let (new, old): (Vec<&Pod>, Vec<&Pod>) = all.iter().partition(|p| {
        p.spec.as_ref().unwrap().containers[0].image.as_deref() == Some("web:missing")
    });
    assert_eq!(old.len(), 2);
    assert!(
        old.iter()
            .all(|p| p.status.as_ref().unwrap().phase.as_deref() == Some("Running"))
    );
    assert_eq!(new.len(), 2);
    for pod in new {
        let status = pod.status.as_ref().unwrap();
        assert_eq!(status.phase.as_deref(), Some("Pending"));
        let container = &status.container_statuses.as_ref().unwrap()[0];
        assert!(!container.ready);
        let waiting = container.state.as_ref().unwrap().waiting.as_ref().unwrap();
        assert_eq!(waiting.reason.as_deref(), Some("ImagePullBackOff"));
        assert_eq!(
            waiting.message.as_deref(),
            Some("Back-off pulling image \"web:missing\"")
        );
    }
}

#[tokio::test]
async fn a_crashing_image_loops_with_restarts_and_logs() {
    let (_server, client) = start(Controllers {
        crash_ticks: 2,
        ..Controllers::default()
    })
    .await;
    let api: Api<Deployment> = Api::namespaced(client.clone(), "app");
    api.create(&PostParams::default(), &deployment("api", "api:crash", 1))
        .await
        .unwrap();
    let pod = eventually("two restarts", || async {
        let pod = pods(&client, "app=api").await.into_iter().next()?;
        let restarts = pod.status.as_ref()?.container_statuses.as_ref()?[0].restart_count;
        (restarts >= 2).then_some(pod)
    })
    .await;
    let status = pod.status.as_ref().unwrap();
    assert_eq!(status.phase.as_deref(), Some("Running"));
    let container = &status.container_statuses.as_ref().unwrap()[0];
    assert!(!container.ready);
    let waiting = container.state.as_ref().unwrap().waiting.as_ref().unwrap();
    assert_eq!(waiting.reason.as_deref(), Some("CrashLoopBackOff"));
    assert!(
        waiting
            .message
            .as_deref()
            .unwrap()
            .contains("restarting failed container=api pod="),
        "{waiting:?}"
    );
    let last = container
        .last_state
        .as_ref()
        .unwrap()
        .terminated
        .as_ref()
        .unwrap();
    assert_eq!((last.exit_code, last.reason.as_deref()), (1, Some("Error")));

    let pods_api: Api<Pod> = Api::namespaced(client.clone(), "app");
    let name = pod.metadata.name.unwrap();
    let logs = pods_api.logs(&name, &LogParams::default()).await.unwrap();
    assert!(logs.contains("panic: crashing on purpose"), "{logs}");
    let d = api.get("api").await.unwrap();
    assert_eq!(
        condition(&d, "Available"),
        Some(("False", Some("MinimumReplicasUnavailable")))
    );
}

fn job(name: &str, image: &str, backoff_limit: i32) -> Job {
    serde_json::from_value(json!({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
        "spec": {"backoffLimit": backoff_limit, "template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "run", "image": image}]}}}
    }))
    .expect("a Job")
}

fn job_condition(job: &Job, kind: &str) -> Option<(String, Option<String>)> {
    job.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == kind && c.status == "True")
        .map(|c| (c.status.clone(), c.reason.clone()))
}

#[tokio::test]
async fn jobs_complete_or_fail_after_their_backoff_limit() {
    let (_server, client) = start(Controllers::default()).await;
    let api: Api<Job> = Api::namespaced(client.clone(), "app");
    api.create(&PostParams::default(), &job("migrate", "migrate:1", 2))
        .await
        .unwrap();
    let done = eventually("the Job complete", || async {
        let j = api.get("migrate").await.ok()?;
        job_condition(&j, "Complete").map(|_| j)
    })
    .await;
    let status = done.status.unwrap();
    assert_eq!(status.succeeded, Some(1));
    assert!(status.start_time.is_some() && status.completion_time.is_some());
    let ran = pods(&client, "job-name=migrate").await;
    assert_eq!(ran.len(), 1);
    assert_eq!(
        ran[0].status.as_ref().unwrap().phase.as_deref(),
        Some("Succeeded")
    );
    let labels = ran[0].metadata.labels.as_ref().unwrap();
    assert_eq!(labels["batch.kubernetes.io/job-name"], "migrate");
    assert_eq!(labels["controller-uid"], done.metadata.uid.clone().unwrap());

    api.create(&PostParams::default(), &job("broken", "migrate:fail", 1))
        .await
        .unwrap();
    let failed = eventually("the Job failed", || async {
        let j = api.get("broken").await.ok()?;
        job_condition(&j, "Failed").map(|c| (j, c))
    })
    .await;
    assert_eq!(failed.1.1.as_deref(), Some("BackoffLimitExceeded"));
    assert_eq!(failed.0.status.unwrap().failed, Some(2));
    let ran = pods(&client, "job-name=broken").await;
    assert_eq!(ran.len(), 2);
    assert!(
        ran.iter()
            .all(|p| p.status.as_ref().unwrap().phase.as_deref() == Some("Failed"))
    );
}

async fn gone<K>(api: &Api<K>, name: &str)
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    eventually(&format!("{name} gone"), || async {
        matches!(api.get(name).await, Err(kube::Error::Api(s)) if s.code == 404).then_some(())
    })
    .await;
}

#[tokio::test]
async fn deleting_a_deployment_cascades_unless_orphaned() {
    let (_server, client) = start(Controllers::default()).await;
    let api: Api<Deployment> = Api::namespaced(client.clone(), "app");
    for (name, params) in [
        ("background", DeleteParams::background()),
        ("foreground", DeleteParams::foreground()),
        ("orphan", DeleteParams::orphan()),
    ] {
        api.create(&PostParams::default(), &deployment(name, "web:1", 2))
            .await
            .unwrap();
        available(&api, name, 2).await;
        let answer = api.delete(name, &params).await.unwrap();
        if name == "foreground" {
            // The owner stays, marked, until its dependents are gone.
            let marked = answer.left().expect("the Deployment, marked");
            assert!(marked.metadata.deletion_timestamp.is_some());
            assert_eq!(
                marked.metadata.finalizers.as_deref(),
                Some(["foregroundDeletion".to_owned()].as_slice())
            );
        }
        gone(&api, name).await;
        let selector = format!("app={name}");
        if name == "orphan" {
            let sets = eventually("the orphaned ReplicaSet", || async {
                let sets = replica_sets(&client, name).await;
                sets.iter()
                    .all(|rs| rs.metadata.owner_references.is_none())
                    .then_some(sets)
            })
            .await;
            assert_eq!(sets.len(), 1);
            assert_eq!(pods(&client, &selector).await.len(), 2);
        } else {
            eventually("the dependents gone", || async {
                (replica_sets(&client, name).await.is_empty()
                    && pods(&client, &selector).await.is_empty())
                .then_some(())
            })
            .await;
        }
    }
}

#[tokio::test]
async fn a_deleted_namespace_terminates_empties_and_goes() {
    let (server, client) = start(Controllers::default()).await;
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "app");
    // A finalizer nobody removes keeps the namespace terminating while the test looks.
    let held: ConfigMap = serde_json::from_value(
        json!({"metadata": {"name": "held", "finalizers": ["example.com/hold"]}}),
    )
    .unwrap();
    maps.create(&PostParams::default(), &held).await.unwrap();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "app");
    deployments
        .create(&PostParams::default(), &deployment("web", "web:1", 1))
        .await
        .unwrap();
    available(&deployments, "web", 1).await;

    let namespaces: Api<Namespace> = Api::all(client.clone());
    let answer = namespaces
        .delete("app", &DeleteParams::default())
        .await
        .unwrap();
    let ns = answer.left().expect("the Namespace, terminating");
    assert!(ns.metadata.deletion_timestamp.is_some());
    assert_eq!(ns.status.unwrap().phase.as_deref(), Some("Terminating"));
    assert_eq!(
        ns.spec.unwrap().finalizers,
        Some(vec!["kubernetes".to_owned()])
    );

    eventually("the namespace emptied but the held ConfigMap", || async {
        (pods(&client, "app=web").await.is_empty()
            && deployments
                .list(&ListParams::default())
                .await
                .ok()?
                .items
                .is_empty())
        .then_some(())
    })
    .await;
    let fresh: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "late"}})).unwrap();
    match maps.create(&PostParams::default(), &fresh).await {
        Err(kube::Error::Api(s)) => {
            assert_eq!((s.code, s.reason.as_str()), (403, "Forbidden"));
            assert_eq!(
                s.message,
                "configmaps \"late\" is forbidden: unable to create new content in namespace app because it is being terminated"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(server.get("v1", "Namespace", None, "app").is_some());
    maps.patch(
        "held",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .unwrap();
    gone(&namespaces, "app").await;
}

#[tokio::test]
async fn a_malformed_deployment_is_refused_by_a_dry_run() {
    let (server, _client) = start(Controllers::default()).await;
    let path = "/apis/apps/v1/namespaces/app/deployments?dryRun=All";
    let body = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "other"}},
                "spec": {"containers": [{"name": "web"}]}}}});
    let (code, text) = util::http(
        &server,
        "POST",
        path,
        Some("application/json"),
        &body.to_string(),
    )
    .await;
    assert_eq!(code, 422, "{text}");
    let status: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(status["reason"], "Invalid");
    assert_eq!(
        status["message"],
        "Deployment.apps \"web\" is invalid: [spec.template.metadata.labels: Invalid value: \
         map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`, \
         spec.template.spec.containers[0].image: Required value]"
    );
    assert_eq!(
        status["details"]["causes"],
        json!([
            {"reason": "FieldValueInvalid", "field": "spec.template.metadata.labels",
             "message": "Invalid value: map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`"},
            {"reason": "FieldValueRequired", "field": "spec.template.spec.containers[0].image",
             "message": "Required value"}
        ])
    );
    assert_eq!(status["details"]["group"], "apps");
    assert!(
        server
            .get("apps/v1", "Deployment", Some("app"), "web")
            .is_none()
    );

    // A bad name, and a field of the wrong type.
    let mut named = body.clone();
    named["metadata"]["name"] = "Web_1".into();
    named["spec"]["template"]["metadata"]["labels"]["app"] = "web".into();
    named["spec"]["template"]["spec"]["containers"][0]["image"] = "web:1".into();
    let (code, text) = util::http(
        &server,
        "POST",
        path,
        Some("application/json"),
        &named.to_string(),
    )
    .await;
    assert_eq!(code, 422, "{text}");
    assert!(
        text.contains(
            "metadata.name: Invalid value: \\\"Web_1\\\": a lowercase RFC 1123 subdomain"
        ),
        "{text}"
    );
    let mut typed = named.clone();
    typed["metadata"]["name"] = "web".into();
    typed["spec"]["replicas"] = "three".into();
    let (code, text) = util::http(
        &server,
        "POST",
        path,
        Some("application/json"),
        &typed.to_string(),
    )
    .await;
    assert_eq!(code, 400, "{text}");
    let status: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        status["message"],
        "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"
    );
}

#[tokio::test]
async fn an_apply_conflict_names_the_manager_and_its_api_version() {
    let (server, client) = start(Controllers::default()).await;
    let api: Api<Deployment> = Api::namespaced(client, "app");
    let mut d = serde_json::to_value(deployment("web", "web:1", 2)).unwrap();
    api.patch("web", &PatchParams::apply("kubectl"), &Patch::Apply(&d))
        .await
        .unwrap();
    d["spec"]["replicas"] = 3.into();
    match api
        .patch("web", &PatchParams::apply("korral"), &Patch::Apply(&d))
        .await
    {
        Err(kube::Error::Api(s)) => {
            assert_eq!((s.code, s.reason.as_str()), (409, "Conflict"));
            assert_eq!(
                s.message,
                "Apply failed with 1 conflict: conflict with \"kubectl\" using apps/v1: .spec.replicas"
            );
        }
        other => panic!("{other:?}"),
    }
    // The causes, as raw JSON (kube's error type keeps only the message).
    let (code, text) = util::http(
        &server,
        "PATCH",
        "/apis/apps/v1/namespaces/app/deployments/web?fieldManager=korral",
        Some("application/apply-patch+yaml"),
        &d.to_string(),
    )
    .await;
    assert_eq!(code, 409);
    let status: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        status["details"]["causes"],
        json!([{"type": "FieldManagerConflict", "message": "conflict with \"kubectl\" using apps/v1",
            "field": ".spec.replicas"}])
    );
}

#[tokio::test]
async fn a_stateful_set_gets_ordered_pods_and_rolls_them() {
    let (_server, client) = start(Controllers::default()).await;
    let api: Api<StatefulSet> = Api::namespaced(client.clone(), "app");
    let set: StatefulSet = serde_json::from_value(json!({
        "metadata": {"name": "db"},
        "spec": {"replicas": 3, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
            "template": {"metadata": {"labels": {"app": "db"}},
                "spec": {"containers": [{"name": "db", "image": "db:1"}]}}}
    }))
    .unwrap();
    api.create(&PostParams::default(), &set).await.unwrap();
    let ready = |revision_changed: bool| {
        let api = api.clone();
        async move {
            let s = api.get("db").await.ok()?.status?;
            let done = s.ready_replicas == Some(3)
                && s.updated_replicas == Some(3)
                && s.current_revision == s.update_revision;
            (done && (!revision_changed || s.observed_generation == Some(2))).then_some(s)
        }
    };
    let first = eventually("the StatefulSet ready", || ready(false)).await;
    let mut names: Vec<String> = pods(&client, "app=db")
        .await
        .into_iter()
        .map(|p| p.metadata.name.unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["db-0", "db-1", "db-2"]);

    api.patch("db", &PatchParams::default(), &image_patch("db", "db:2"))
        .await
        .unwrap();
    let second = eventually("the StatefulSet rolled", || ready(true)).await;
    assert_ne!(first.update_revision, second.update_revision);
    assert_eq!(second.current_replicas, Some(3));
    let images: Vec<String> = pods(&client, "app=db")
        .await
        .iter()
        .map(|p| {
            p.spec.as_ref().unwrap().containers[0]
                .image
                .clone()
                .unwrap()
        })
        .collect();
    assert_eq!(images, ["db:2", "db:2", "db:2"]);
}

#[tokio::test]
async fn a_daemon_set_runs_a_pod_per_node() {
    let (server, client) = start(Controllers::default()).await;
    server
        .create(json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-2"}}))
        .unwrap();
    let api: Api<DaemonSet> = Api::namespaced(client.clone(), "app");
    let set: DaemonSet = serde_json::from_value(json!({
        "metadata": {"name": "agent"},
        "spec": {"selector": {"matchLabels": {"app": "agent"}},
            "template": {"metadata": {"labels": {"app": "agent"}},
                "spec": {"containers": [{"name": "agent", "image": "agent:1"}]}}}
    }))
    .unwrap();
    api.create(&PostParams::default(), &set).await.unwrap();
    let status = eventually("the DaemonSet ready", || async {
        let s = api.get("agent").await.ok()?.status?;
        (s.number_ready == 2 && s.number_available == Some(2)).then_some(s)
    })
    .await;
    assert_eq!(status.desired_number_scheduled, 2);
    assert_eq!(status.updated_number_scheduled, Some(2));
    let mut nodes: Vec<String> = pods(&client, "app=agent")
        .await
        .into_iter()
        .map(|p| p.spec.unwrap().node_name.unwrap())
        .collect();
    nodes.sort();
    assert_eq!(nodes, ["node-1", "node-2"]);
}

#[tokio::test]
async fn image_tags_drive_unschedulable_slow_and_oom_pods() {
    let (_server, client) = start(Controllers {
        slow_ticks: 10,
        crash_ticks: 2,
        ..Controllers::default()
    })
    .await;
    let api: Api<Pod> = Api::namespaced(client.clone(), "app");
    for (name, image) in [
        ("stuck", "web:unschedulable"),
        ("slow", "web:slow"),
        ("oom", "web-oom"),
    ] {
        let pod: Pod = serde_json::from_value(
            json!({"metadata": {"name": name, "labels": {"test": "tags"}},
            "spec": {"containers": [{"name": "main", "image": image,
                "readinessProbe": {"httpGet": {"path": "/", "port": 8080}}}]}}),
        )
        .unwrap();
        api.create(&PostParams::default(), &pod).await.unwrap();
    }
    let stuck = eventually("the pod unschedulable", || async {
        let pod = api.get("stuck").await.ok()?;
        let c = pod.status.as_ref()?.conditions.as_ref()?.first()?.clone();
        (c.reason.as_deref() == Some("Unschedulable")).then_some((pod, c))
    })
    .await;
    assert_eq!(stuck.1.status, "False");
    assert!(
        stuck
            .1
            .message
            .unwrap()
            .starts_with("0/1 nodes are available: 1 Insufficient cpu.")
    );
    assert_eq!(stuck.0.status.unwrap().phase.as_deref(), Some("Pending"));
    assert!(stuck.0.spec.unwrap().node_name.is_none());

    // A slow container runs a while before it is ready (its probe is not run).
    let running = eventually("the slow pod running", || async {
        let s = api.get("slow").await.ok()?.status?;
        (s.phase.as_deref() == Some("Running")).then_some(s)
    })
    .await;
    assert!(!running.container_statuses.unwrap()[0].ready);
    eventually("the slow pod ready", || async {
        let s = api.get("slow").await.ok()?.status?;
        s.container_statuses?[0].ready.then_some(())
    })
    .await;

    let oom = eventually("the OOM kill", || async {
        let s = api.get("oom").await.ok()?.status?;
        let c = s.container_statuses?.into_iter().next()?;
        (c.restart_count >= 1).then_some(c)
    })
    .await;
    let last = oom.last_state.unwrap().terminated.unwrap();
    assert_eq!(
        (last.exit_code, last.reason.as_deref()),
        (137, Some("OOMKilled"))
    );
    assert_eq!(
        oom.state.unwrap().waiting.unwrap().reason.as_deref(),
        Some("CrashLoopBackOff")
    );
}

#[tokio::test]
async fn deleting_a_job_orphans_its_pods_by_default_and_owners_that_never_existed_collect() {
    let (server, client) = start(Controllers::default()).await;
    let api: Api<Job> = Api::namespaced(client.clone(), "app");
    api.create(&PostParams::default(), &job("once", "once:1", 0))
        .await
        .unwrap();
    eventually("the Job complete", || async {
        job_condition(&api.get("once").await.ok()?, "Complete")
    })
    .await;
    // batch/v1 defaults to orphaning, as the real Job strategy does.
    api.delete("once", &DeleteParams::default()).await.unwrap();
    gone(&api, "once").await;
    let orphan = eventually("the pod orphaned", || async {
        let pod = pods(&client, "job-name=once").await.into_iter().next()?;
        pod.metadata.owner_references.is_none().then_some(pod)
    })
    .await;
    assert_eq!(orphan.status.unwrap().phase.as_deref(), Some("Succeeded"));

    // A dependent whose owner does not exist is collected.
    server
        .create(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "stray", "namespace": "app", "ownerReferences": [
                {"apiVersion": "v1", "kind": "ConfigMap", "name": "ghost", "uid": "no-such-uid"}]}}))
        .unwrap();
    let maps: Api<ConfigMap> = Api::namespaced(client, "app");
    gone(&maps, "stray").await;
}

#[tokio::test]
async fn controller_writes_reach_watches_and_a_deleted_crd_takes_its_resources() {
    use futures::{StreamExt, TryStreamExt};
    use kube::api::{WatchEvent, WatchParams};

    let (server, client) = start(Controllers::default()).await;
    let api: Api<Pod> = Api::namespaced(client.clone(), "app");
    let from = server.resource_version().to_string();
    let pod: Pod = serde_json::from_value(json!({"metadata": {"name": "solo"},
        "spec": {"containers": [{"name": "main", "image": "web:1"}]}}))
    .unwrap();
    api.create(&PostParams::default(), &pod).await.unwrap();
    let mut stream = api
        .watch(&WatchParams::default().fields("metadata.name=solo"), &from)
        .await
        .unwrap()
        .boxed();
    let mut kinds = Vec::new();
    let seen = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(event) = stream.try_next().await.unwrap() {
            match event {
                WatchEvent::Added(p) => kinds.push(("ADDED", p)),
                WatchEvent::Modified(p) => {
                    let running =
                        p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running");
                    kinds.push(("MODIFIED", p));
                    if running {
                        return kinds;
                    }
                }
                _ => {}
            }
        }
        kinds
    })
    .await
    .expect("the watch sees the pod running");
    // Created by the test, then bound by the scheduler, then given a status by the kubelet.
    assert_eq!(seen[0].0, "ADDED");
    assert!(
        seen.len() >= 3,
        "{:?}",
        seen.iter().map(|k| k.0).collect::<Vec<_>>()
    );
    let versions: Vec<u64> = seen
        .iter()
        .map(|(_, p)| {
            p.metadata
                .resource_version
                .as_deref()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");

    // A CRD and one of its resources; deleting the CRD deletes the resource.
    server
        .create(json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                "versions": [{"name": "v1", "served": true, "storage": true,
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}}))
        .unwrap();
    server
        .create(json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w", "namespace": "app"}}))
        .unwrap();
    let rv = server.resource_version();
    let (code, _) = util::http(
        &server,
        "DELETE",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com",
        None,
        "",
    )
    .await;
    assert_eq!(code, 200);
    assert!(
        server
            .get("example.com/v1", "Widget", Some("app"), "w")
            .is_none()
    );
    assert!(server.resource_version() > rv);
}
