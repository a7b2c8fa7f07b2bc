//! The Kubernetes API test server: a stand-in for a real API server in tests, because
//! none can be installed here.
//!
//! It serves the real protocol over HTTP on 127.0.0.1, so korral's real client code
//! (the `kube` crate, through a real kubeconfig) runs against it unchanged:
//!
//! - discovery: `/version`, `/api`, `/api/v1`, `/apis`, `/apis/{group}`,
//!   `/apis/{group}/{version}`, and aggregated discovery (`apidiscovery.k8s.io/v2`);
//!   built-in kinds from a table, CustomResourceDefinitions as they are created (or
//!   seeded), other seeded kinds under `lowercase(kind) + "s"`;
//! - list with `limit`/`continue` (later pages show the list as of the first, rebuilt
//!   from the history; 410 `Expired` once the history has moved past the token), `labelSelector`, `fieldSelector`, metadata-only lists;
//! - watch: newline-delimited events over a chunked response, resumed from a bounded
//!   history, bookmarks, `timeoutSeconds`, `sendInitialEvents`, and an `ERROR` event
//!   with a 410 `Expired` Status for a resourceVersion older than the history;
//! - get, create (`generateName`), update (409 on a stale resourceVersion), merge,
//!   strategic-merge (lists of named objects merge by name), JSON and server-side-apply
//!   patches (a conflict names each manager with the apiVersion it applied, and
//!   `details.causes` has a `FieldManagerConflict` per field), delete (finalizers
//!   honoured; `propagationPolicy` or `orphanDependents` from the query or the
//!   `DeleteOptions` body), deletecollection, `dryRun=All`, the status and scale
//!   subresources, and `pods/log` (`container`, `tailLines`, `sinceSeconds`,
//!   `timestamps`, `limitBytes`, `follow`) from buffers tests append to;
//! - validation of clients' writes to built-in kinds, with the real answers: a field of
//!   the wrong JSON type is a 400 decode error (`Deployment in version "v1" cannot be
//!   handled as a Deployment: json: cannot unmarshal string into Go struct field
//!   DeploymentSpec.spec.replicas of type int32`); a name that is no DNS-1123
//!   subdomain (label for Namespaces and Services), a workload without `spec.selector`
//!   or whose template's labels it does not select, a container without `name` or
//!   `image` are a 422 `Invalid` with `details.causes`; a Job without `manualSelector`
//!   gets the generated selector and `controller-uid`/`job-name` labels;
//! - with [`ServerOptions::controllers`], a simulation of the controllers a rollout
//!   depends on (see [`Controllers`]): Deployments, ReplicaSets, StatefulSets,
//!   DaemonSets and Jobs get pods, a scheduler and kubelet give pods a node and a
//!   status from their image's tag, the garbage collector honours `ownerReferences`
//!   and `propagationPolicy`, a deleted Namespace terminates (creates in it are a 403)
//!   and is emptied, a deleted CustomResourceDefinition takes its resources along;
//! - fault injection through [`Faults`];
//! - what a real server does that clients depend on: the items of a list of a
//!   built-in kind carry no `apiVersion` and `kind` (custom resources' and guessed
//!   kinds' do; a get, a watch event and a write's answer always do); core `v1` and
//!   `events.k8s.io/v1` serve the same Events from one store, each with its own field
//!   names (`message`/`note`, `involvedObject`/`regarding`, `count`/`deprecatedCount`,
//!   …); the namespaces `default`, `kube-system`, `kube-public`, `kube-node-lease` and
//!   the `default/kubernetes` Service (clusterIP `10.96.0.1`) exist; writes are
//!   defaulted (a Service's clusterIP, families and port protocol and targetPort; pod
//!   templates' `restartPolicy`, `dnsPolicy`, `schedulerName`,
//!   `terminationGracePeriodSeconds`, `securityContext`, containers'
//!   `imagePullPolicy` by tag, `terminationMessagePath`, port `protocol`, probe
//!   timings; Deployments' `replicas`, `strategy`, `revisionHistoryLimit`,
//!   `progressDeadlineSeconds`; StatefulSet, DaemonSet, Job and CronJob policies; a new
//!   Pod's `status.phase: Pending`) and record `managedFields` (`Update` entries named by
//!   `fieldManager` or the User-Agent, `Apply` entries for server-side apply); `Table`
//!   answers (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, with
//!   `includeObject`) to lists and gets.
//!
//! Known differences from a real server, chosen to keep the double small:
//! - seeded objects are stored as given (no defaulting, no `managedFields`), and so are
//!   the test handle's own writes' `managedFields`: a test reads back the state it
//!   seeded; only writes through the API are defaulted;
//! - defaulting covers the fields above, not every `SetDefaults_*` (no pod
//!   `priority`, `tolerations` or service account from admission, no `qosClass`);
//!   clusterIPs are handed out in order from
//!   `10.96.0.2` without checking those given by hand; no NodePort allocation;
//! - an `Update` entry in `managedFields` owns every field of the object as written,
//!   where a real server's owns only what the write set; server-side apply tracks
//!   ownership per apply manager only, owns lists whole except lists of objects keyed
//!   by `name`;
//! - a Table has the default convertor's columns (`Name`, `Created At`) for every
//!   kind, where a real server prints kind-specific columns (`kubectl get pods`'
//!   Ready, Status, Restarts…) and a CRD's `additionalPrinterColumns`; a watch asked
//!   for Tables sends whole objects;
//! - a strategic merge patch merges lists of named objects by name and knows no other
//!   directive; validation covers the checks above, not every `Validate*` function,
//!   no admission webhooks and no CRD schema validation;
//! - without [`ServerOptions::controllers`] nothing reconciles: seeded pods keep their
//!   status, deletes ignore `propagationPolicy` (no garbage collection) and a deleted
//!   Namespace goes at once with its contents left behind; with them, the simulation
//!   is simplified as [`Controllers`] says (no maxSurge steps, no backoff delays,
//!   nothing really runs); either way there are no `kube-root-ca.crt` ConfigMaps or
//!   `default` ServiceAccounts per namespace, no Endpoints or EndpointSlices for
//!   Services, no Events from controllers, and fault injection applies to HTTP
//!   requests only, never to the controllers' own writes;
//! - every resource's storage is shared by all its versions, which only rewrite
//!   `apiVersion`;
//! - `fieldSelector` accepts the union of the common selectable fields for every kind.
//!
//! ```no_run
//! use korral_testkit::{ApiServer, ServerOptions};
//!
//! # async fn example() -> std::io::Result<()> {
//! let seed = korral_core::Loader::new().path("examples/shop").load().unwrap();
//! let server = ApiServer::start(&seed, ServerOptions::default()).await?;
//! server.write_kubeconfig("/tmp/kubeconfig")?;
//! // KUBECONFIG=/tmp/kubeconfig korral ...
//! server.append_log("shop", "web-0", "web", "listening on :8080");
//! server.shutdown();
//! # Ok(())
//! # }
//! ```

mod apply;
mod controllers;
mod convert;
mod defaults;
mod discovery;
mod error;
mod faults;
mod filter;
mod logs;
mod patch;
mod resources;
mod scale;
mod server;
mod store;
mod table;
mod validate;
mod watch;

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use korral_core::ObjectSet;
use serde_json::Value;
use tokio::sync::oneshot;

pub use controllers::Controllers;
pub use error::ApiError;
pub use faults::{Fault, FaultTarget, Faults};

use server::Shared;
use store::{Part, Store};

/// How to run an [`ApiServer`].
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// The port on 127.0.0.1; 0 (the default) picks a free one.
    pub port: u16,
    /// How many events the history keeps for watches to resume from (default 10,000);
    /// older resourceVersions get 410 Gone.
    pub history: usize,
    /// How often a watch with `allowWatchBookmarks=true` gets a BOOKMARK (default one
    /// minute, as a real server; tests want milliseconds).
    pub bookmark_interval: Duration,
    /// How long a watch without `timeoutSeconds` stays open (default: until the
    /// client leaves).
    pub watch_timeout: Option<Duration>,
    /// The bearer token every request but `/version` and the health checks must carry
    /// (the kubeconfig holds it); anything else gets 401.
    pub token: String,
    /// The simulated controllers (Deployments, ReplicaSets, StatefulSets, DaemonSets,
    /// Jobs, a scheduler and kubelet, garbage collection, namespace deletion); `None`
    /// (the default) runs none, and seeded objects stay as seeded.
    pub controllers: Option<Controllers>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            port: 0,
            history: 10_000,
            bookmark_interval: Duration::from_secs(60),
            watch_timeout: None,
            token: "korral-test-token".to_owned(),
            controllers: None,
        }
    }
}

/// A running Kubernetes API test server. Stops when dropped or on
/// [`ApiServer::shutdown`].
pub struct ApiServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    /// The thread running [`ApiServer::spawn`]'s own runtime.
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for ApiServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

fn seed_store(seed: &ObjectSet, options: &ServerOptions) -> io::Result<Store> {
    let mut store = Store::new(options.history);
    store.controllers = options.controllers.is_some();
    // CustomResourceDefinitions first, so their kinds get their declared resources.
    let (crds, rest): (Vec<_>, Vec<_>) = seed
        .objects()
        .iter()
        .partition(|o| o.kind() == "CustomResourceDefinition");
    for object in crds.into_iter().chain(rest) {
        let value = object.raw().to_value();
        store.seed(value, object.namespace()).map_err(|err| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {err}", object.key()),
            )
        })?;
    }
    store.complete_namespaces();
    store.complete_cluster();
    Ok(store)
}

impl ApiServer {
    /// Starts serving `seed` on the current tokio runtime.
    pub async fn start(seed: &ObjectSet, options: ServerOptions) -> io::Result<Self> {
        let store = seed_store(seed, &options)?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(store, options));
        if let Ok(mut address) = shared.address.lock() {
            *address = addr.to_string();
        }
        if let Some(controllers) = shared.options.controllers.clone() {
            tokio::spawn(controllers::run(Arc::clone(&shared), controllers));
        }
        let (stop, stopped) = oneshot::channel::<()>();
        let app = server::router(Arc::clone(&shared));
        let streams = Arc::clone(&shared);
        tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
                streams.stopped.send_replace(true);
                // Open watches and log streams would hold a graceful shutdown forever.
                streams.dropped.send_modify(|g| *g += 1);
            };
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await;
        });
        Ok(Self {
            shared,
            addr,
            stop: Some(stop),
            thread: None,
        })
    }

    /// Starts serving `seed` on a runtime of its own, on a background thread: for
    /// synchronous tests, such as those that run the korral binary.
    pub fn spawn(seed: &ObjectSet, options: ServerOptions) -> io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("korral-test-apiserver")
            .enable_all()
            .build()?;
        let mut server = runtime.block_on(Self::start(seed, options))?;
        let (stop, stopped) = oneshot::channel::<()>();
        let inner_stop = server.stop.take();
        let thread = std::thread::Builder::new()
            .name("korral-test-apiserver".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let _ = stopped.await;
                    if let Some(inner) = inner_stop {
                        let _ = inner.send(());
                    }
                    // Let the server task see the stop before the runtime goes.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                });
            })?;
        server.stop = Some(stop);
        server.thread = Some(thread);
        Ok(server)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bearer token clients must send.
    pub fn token(&self) -> &str {
        &self.shared.options.token
    }

    /// A kubeconfig for this server: cluster, user (with the token) and context all
    /// named `context`, namespace `default`, current.
    pub fn kubeconfig_yaml(&self, context: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: {context}\n  cluster:\n    server: {url}\n\
             users:\n- name: {context}\n  user:\n    token: {token}\n\
             contexts:\n- name: {context}\n  context:\n    cluster: {context}\n    user: {context}\n    namespace: default\n\
             current-context: {context}\npreferences: {{}}\n",
            url = self.url(),
            token = self.token(),
        )
    }

    /// Writes [`ApiServer::kubeconfig_yaml`] with context `korral-test` to `path`.
    pub fn write_kubeconfig(&self, path: impl AsRef<Path>) -> io::Result<()> {
        std::fs::write(path, self.kubeconfig_yaml("korral-test"))
    }

    /// Fault injection.
    pub fn faults(&self) -> Faults {
        Faults {
            shared: Arc::clone(&self.shared),
        }
    }

    /// The current global resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.shared.store().rv
    }

    /// An object as stored, by `apiVersion`, kind, namespace (`None` when
    /// cluster-scoped) and name.
    pub fn get(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<Value> {
        let mut store = self.shared.store();
        let probe = serde_json::json!({"apiVersion": api_version, "kind": kind});
        let t = store.type_of(&probe).ok()?;
        store
            .get(&t, namespace.unwrap_or_default(), name)
            .map(|e| convert::from_storage(&t, e.value()))
    }

    /// Creates an object as a client would (uid, resourceVersion, creationTimestamp,
    /// `generateName`), status included; watches see it ADDED. The namespace comes from
    /// the object (`default` when a namespaced object has none) and is created when
    /// missing.
    pub fn create(&self, object: Value) -> Result<Value, ApiError> {
        self.shared.mutate(|store| {
            let t = store.type_of(&object)?;
            let ns = if t.namespaced {
                object
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("default")
                    .to_owned()
            } else {
                String::new()
            };
            if t.namespaced && !store.namespace_exists(&ns) {
                let namespace =
                    store.type_of(&serde_json::json!({"apiVersion": "v1", "kind": "Namespace"}))?;
                store.create(
                    &namespace,
                    "",
                    serde_json::json!({"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": ns}, "status": {"phase": "Active"}}),
                    false,
                )?;
            }
            store.create(&t, &ns, object, false).map(|e| e.value())
        })
    }

    /// Replaces an object, status included; a `metadata.resourceVersion` in it must be
    /// current (409 otherwise), none means unconditional. Watches see it MODIFIED.
    pub fn update(&self, object: Value) -> Result<Value, ApiError> {
        self.shared.mutate(|store| {
            let t = store.type_of(&object)?;
            let ns = if t.namespaced {
                object
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("default")
                    .to_owned()
            } else {
                String::new()
            };
            let name = object
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            store
                .update(&t, &ns, &name, Part::Whole, |_| Ok(object))
                .map(|e| e.value())
        })
    }

    /// Deletes an object (or marks it, when it has finalizers) and returns it as
    /// deleted. Watches see it DELETED (or MODIFIED).
    pub fn delete(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Value, ApiError> {
        self.shared.mutate(|store| {
            let probe = serde_json::json!({"apiVersion": api_version, "kind": kind});
            let t = store.type_of(&probe)?;
            store
                .delete(&t, namespace.unwrap_or_default(), name, None, None)
                .map(|(e, _)| e.value())
        })
    }

    /// Appends a line to a container's log; `follow` streams see it at once.
    pub fn append_log(&self, namespace: &str, pod: &str, container: &str, line: &str) {
        self.shared
            .logs()
            .entry((namespace.to_owned(), pod.to_owned(), container.to_owned()))
            .or_default()
            .push(logs::LogLine::now(line));
        self.shared.logs_changed.send_modify(|n| *n += 1);
    }

    /// Stops serving: open watches and log streams are cut, new connections refused.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        self.stop_now();
    }
}
