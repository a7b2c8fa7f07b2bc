//! Where a command's objects come from: files, or a live cluster.

use anyhow::Context;
use korral_core::{Loader, ObjectSet};
use korral_kube::{
    Client, ClusterConfig, Discovery, KubeOptions, Limits, ListOptions, Resource, discover, list,
};

use crate::cli::SourceArgs;
use crate::commands::InputError;
use crate::printer::Printer;

/// A connection to a live cluster, kept for commands that go on (watch).
pub struct Live {
    pub client: Client,
    pub discovery: Discovery,
    /// The namespace read (`None`: every namespace).
    pub namespace: Option<String>,
    /// Where each listed resource's watch starts, so it neither lists again nor
    /// misses a change.
    pub resource_versions: Vec<(Resource, String)>,
}

impl Live {
    /// The resourceVersion `resource` was listed at.
    pub fn resource_version(&self, resource: &Resource) -> Option<String> {
        self.resource_versions
            .iter()
            .find(|(r, _)| r == resource)
            .map(|(_, rv)| rv.clone())
    }
}

/// The runtime for the Kubernetes client.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Reads the files, warning about what the load said. Input errors exit 2.
pub fn files(source: &SourceArgs) -> anyhow::Result<ObjectSet> {
    let set = Loader::new()
        .paths(&source.files)
        .load()
        .map_err(|err| InputError(err.into()))?;
    for warning in set.warnings() {
        Printer::warn(warning);
    }
    Ok(set)
}

/// Which namespace a live read covers: `-n`, else every namespace with `-A` (or when
/// `all_by_default`), else the context's namespace, as kubectl does.
pub enum Scope<'a> {
    Namespace(&'a str),
    All,
    ContextDefault,
}

/// Lists everything the cluster serves (in `scope`) into an object set.
pub async fn live(source: &SourceArgs, scope: Scope<'_>) -> anyhow::Result<(ObjectSet, Live)> {
    live_kinds(source, scope, |_| true).await
}

/// Lists the resources `wanted` keeps (in `scope`) into an object set.
pub async fn live_kinds(
    source: &SourceArgs,
    scope: Scope<'_>,
    wanted: impl Fn(&korral_kube::Resource) -> bool,
) -> anyhow::Result<(ObjectSet, Live)> {
    let mut live = connect(source, scope).await?;
    live.discovery.resources.retain(|r| wanted(r));
    let options = ListOptions {
        namespace: live.namespace.clone(),
        ..ListOptions::default()
    };
    let listing = list(&live.client, &live.discovery.resources, &options).await?;
    for warning in live.discovery.warnings.iter().chain(&listing.warnings) {
        Printer::warn(warning);
    }
    live.resource_versions = listing.resource_versions;
    Ok((listing.objects, live))
}

/// Connects to the cluster and discovers what it serves, listing nothing yet.
pub async fn connect(source: &SourceArgs, scope: Scope<'_>) -> anyhow::Result<Live> {
    let timeout = Some(source.request_timeout).filter(|t| !t.is_zero());
    let config = ClusterConfig::load(KubeOptions {
        kubeconfig: source.kubeconfig.clone(),
        context: source.context.clone(),
        namespace: None,
        limits: Limits::default().with_request_timeout(timeout),
    })?;
    let namespace = match scope {
        Scope::Namespace(ns) => Some(ns.to_owned()),
        Scope::All => None,
        Scope::ContextDefault => Some(config.namespace().to_owned()),
    };
    let client = config.client().await?;
    let discovery = discover(&client).await?;
    Ok(Live {
        client,
        discovery,
        namespace,
        resource_versions: Vec::new(),
    })
}
