//! The harness: an API test server with its controllers, a kube client through a
//! real kubeconfig, the CRDs installed, and the jobs controller as a task.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use korral_jobs::controller::{Clock, Options, SystemClock};
use korral_jobs::{Phase, Run};
use korral_testkit::{ApiServer, Controllers, ServerOptions};
use kube::api::{Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::{Value, json};

pub const NS: &str = "default";

pub struct Cluster {
    // Held so the server lives as long as the cluster.
    _server: ApiServer,
    pub client: Client,
    controller: Option<tokio::task::JoinHandle<korral_jobs::Result<()>>>,
    _dir: tempfile::TempDir,
    starts: u32,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

fn seed() -> korral_core::ObjectSet {
    let node = korral_core::Object::from_json(
        r#"{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}}"#,
        korral_core::Source {
            file: korral_core::FileId(0),
            line: 1,
        },
    )
    .unwrap();
    korral_core::ObjectSet::from_objects(vec![node], vec!["<seed>".to_owned()], Vec::new())
}

impl Cluster {
    /// A server with its controllers and the CRDs; no jobs controller yet.
    pub async fn new() -> Self {
        let options = ServerOptions {
            controllers: Some(Controllers::default()),
            bookmark_interval: Duration::from_millis(500),
            ..ServerOptions::default()
        };
        let server = ApiServer::start(&seed(), options).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        server.write_kubeconfig(&path).unwrap();
        let config = korral_kube::ClusterConfig::load(korral_kube::KubeOptions {
            kubeconfig: Some(path),
            ..korral_kube::KubeOptions::default()
        })
        .unwrap();
        let client = config.client().await.unwrap().kube().clone();
        let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
        for crd in korral_jobs::crds() {
            crds.create(&PostParams::default(), &crd).await.unwrap();
        }
        Self {
            _server: server,
            client,
            controller: None,
            _dir: dir,
            starts: 0,
        }
    }

    pub fn options(&self) -> Options {
        let mut options = Options::new(Some(NS.to_owned()));
        options.identity = format!("test-{}", self.starts);
        options.poll = Duration::from_millis(100);
        options.lease_duration = Duration::from_secs(2);
        options.unschedulable_after = Duration::from_secs(3600);
        options
    }

    /// Starts the jobs controller with the system clock.
    pub fn start(&mut self) {
        self.start_with(Arc::new(SystemClock));
    }

    pub fn start_with(&mut self, clock: Arc<dyn Clock>) {
        self.starts += 1;
        let mut options = self.options();
        options.clock = clock;
        let client = self.client.clone();
        self.controller = Some(tokio::spawn(korral_jobs::controller::run(client, options)));
    }

    /// Stops the controller, as a crash would: nothing is cleaned up.
    pub fn stop(&mut self) {
        if let Some(task) = self.controller.take() {
            task.abort();
        }
    }

    pub async fn apply(&self, yaml: &str) {
        let value: Value = serde_saphyr::from_str(yaml).unwrap();
        self.apply_value(value).await;
    }

    pub async fn apply_value(&self, value: Value) {
        let kind = value["kind"].as_str().unwrap().to_owned();
        let name = value["metadata"]["name"].as_str().unwrap().to_owned();
        let api = self.dynamic(&kind);
        let pp = PatchParams::apply("test").force();
        api.patch(&name, &pp, &Patch::Apply(&value)).await.unwrap();
    }

    pub fn dynamic(&self, kind: &str) -> Api<kube::core::DynamicObject> {
        let (group, version, plural) = match kind {
            "Job" => ("batch", "v1", "jobs"),
            "Pod" => ("", "v1", "pods"),
            _ => ("jobs.korral.dev", "v1alpha1", ""),
        };
        let plural = if plural.is_empty() {
            format!("{}s", kind.to_lowercase())
        } else {
            plural.to_owned()
        };
        let gvk = kube::core::GroupVersionKind::gvk(group, version, kind);
        let resource = kube::core::ApiResource::from_gvk_with_plural(&gvk, &plural);
        Api::namespaced_with(self.client.clone(), NS, &resource)
    }

    pub fn runs(&self) -> Api<Run> {
        Api::namespaced(self.client.clone(), NS)
    }

    pub async fn run(&self, name: &str) -> Run {
        self.runs().get(name).await.unwrap()
    }

    /// Waits until `test` holds for the Run, and returns it; fails with what it was
    /// after a minute (the controller is slow only when broken).
    pub async fn wait_run(&self, name: &str, what: &str, test: impl Fn(&Run) -> bool) -> Run {
        let mut last = None;
        for _ in 0..1200 {
            if let Ok(run) = self.runs().get(name).await {
                if test(&run) {
                    return run;
                }
                last = Some(run);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "run {name} never got {what}; last seen: {}",
            serde_json::to_string_pretty(&last.map(|r| r.status)).unwrap()
        );
    }

    pub async fn wait_phase(&self, name: &str, phase: Phase) -> Run {
        self.wait_run(name, phase.as_str(), |r| {
            r.status.as_ref().is_some_and(|s| s.phase == phase)
        })
        .await
    }

    /// The names of Jobs with `label=value`.
    pub async fn jobs(&self, selector: &str) -> Vec<String> {
        let jobs = self.dynamic("Job");
        let mut names: Vec<String> = jobs
            .list(&kube::api::ListParams::default().labels(selector))
            .await
            .unwrap()
            .items
            .into_iter()
            .filter(|j| j.metadata.deletion_timestamp.is_none())
            .filter_map(|j| j.metadata.name)
            .collect();
        names.sort();
        names
    }

    pub async fn patch(&self, kind: &str, name: &str, patch: Value) {
        self.dynamic(kind)
            .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .unwrap();
    }
}

/// A Tool running `image`, with extra spec fields.
pub fn tool(name: &str, image: &str, extra: &Value) -> Value {
    let mut tool = json!({"apiVersion": "jobs.korral.dev/v1alpha1", "kind": "Tool",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"template": {"spec": {"containers": [{"name": "tool", "image": image}]}}}});
    if let (Some(spec), Some(extra)) = (tool["spec"].as_object_mut(), extra.as_object()) {
        spec.extend(extra.clone());
    }
    tool
}

/// A Run of `tool`, with extra spec fields.
pub fn run(name: &str, tool: &str, extra: &Value) -> Value {
    let mut run = json!({"apiVersion": "jobs.korral.dev/v1alpha1", "kind": "Run",
        "metadata": {"name": name, "namespace": NS}, "spec": {"tool": tool}});
    if let (Some(spec), Some(extra)) = (run["spec"].as_object_mut(), extra.as_object()) {
        spec.extend(extra.clone());
    }
    run
}
