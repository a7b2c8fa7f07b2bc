//! Where a command's objects come from: files, or a live cluster.

use std::ffi::OsString;
use std::process::{Command, Stdio};

use anyhow::{Context, anyhow};
use korral_core::terminal::escape;
use korral_core::{Loader, Object, ObjectSet, Warning};
use korral_kube::{
    Client, ClusterConfig, Discovery, KubeOptions, Limits, ListOptions, Resource, discover, list,
};

use crate::cli::SourceArgs;
use crate::commands::{ExitStatus, InputError};
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
    let set = loader(source, None)?
        .load()
        .map_err(|err| InputError(err.into()))?;
    for warning in set.warnings() {
        Printer::warn(warning);
    }
    Ok(set)
}

/// The loader for a command's `-f`, `--exclude`, `-k` and `--helm`, with objects that
/// name no namespace placed in `namespace` (`-n`, as `kubectl apply -n NS -f`).
/// Kustomizations and charts are rendered here, by the tools that own them.
pub fn loader(source: &SourceArgs, namespace: Option<&str>) -> anyhow::Result<Loader> {
    let mut loader = Loader::new().paths(&source.files);
    for pattern in &source.exclude {
        loader = loader.exclude(pattern);
    }
    if let Some(namespace) = namespace {
        loader = loader.default_namespace(namespace);
    }
    for dir in &source.kustomize {
        let shown = dir.display().to_string();
        let args: Vec<OsString> = vec!["kustomize".into(), dir.clone().into()];
        let text = render(
            "kubectl",
            &args,
            &format!("-k {shown}"),
            &format!("kustomize build {shown} | korral … -f -"),
        )?;
        loader = loader.text(format!("<kustomize {shown}>"), text);
    }
    if let Some(chart) = &source.helm {
        let mut args: Vec<OsString> = vec!["template".into(), chart.into()];
        if let Some(namespace) = namespace {
            args.extend(["--namespace".into(), namespace.into()]);
        }
        for values in &source.values {
            args.extend(["--values".into(), values.clone().into()]);
        }
        let text = render(
            "helm",
            &args,
            &format!("--helm {chart}"),
            &format!("helm template {chart} | korral … -f -"),
        )?;
        loader = loader.text(format!("<helm {chart}>"), text);
    }
    Ok(loader)
}

/// What `program args…` prints: a kustomization built or a chart rendered. A missing
/// program or a failed run is an input error that says what to do.
fn render(program: &str, args: &[OsString], flag: &str, by_hand: &str) -> anyhow::Result<String> {
    let command = std::iter::once(program.to_owned())
        .chain(args.iter().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ");
    let output = match Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
    {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(InputError(anyhow!(
                "`{flag}` runs `{command}`, and `{program}` is not installed (not on PATH); install {program}, or render by hand: `{by_hand}`"
            ))
            .into());
        }
        Err(err) => {
            return Err(InputError(anyhow!("cannot run `{command}`: {err}")).into());
        }
    };
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        return Err(InputError(anyhow!(
            "`{command}` failed ({}): {}",
            output.status,
            korral_core::terminal::escape_keep_lines(said.trim())
        ))
        .into());
    }
    String::from_utf8(output.stdout).map_err(|_| {
        InputError(anyhow!(
            "`{command}` printed something that is not UTF-8 text"
        ))
        .into()
    })
}

/// Objects read for an offline command, and how many malformed documents were left
/// out (each named on stderr already).
pub struct Offline {
    pub set: ObjectSet,
    pub malformed: usize,
}

impl Offline {
    /// The command's exit status once its output is out; see [`finish`].
    pub fn finish(&self, status: ExitStatus) -> anyhow::Result<ExitStatus> {
        finish(self.malformed, status)
    }
}

/// The exit status once the output is out: a skipped malformed document is an input
/// error (exit 2), so CI notices; otherwise `status`.
pub fn finish(malformed: usize, status: ExitStatus) -> anyhow::Result<ExitStatus> {
    if malformed == 0 {
        return Ok(status);
    }
    Err(InputError(anyhow!(
        "{malformed} malformed document{} skipped (named above); the output covers the rest. Fix {} and run again",
        if malformed == 1 { " was" } else { "s were" },
        if malformed == 1 { "it" } else { "them" },
    ))
    .into())
}

/// Reads the files of an offline command (topology, status): a document that cannot be
/// parsed is skipped with a warning naming it, and the rest is read; objects that name
/// no namespace go to `namespace`. Reading no object at all (an empty file, empty
/// standard input, a failed `helm template` piped in) is an input error, and so is a
/// `namespace` that holds nothing (with a warning naming the namespaces there are).
pub fn offline(source: &SourceArgs, namespace: Option<&str>) -> anyhow::Result<Offline> {
    let set = loader(source, namespace)?
        .skip_malformed()
        .load()
        .map_err(|err| InputError(err.into()))?;
    let mut malformed = 0;
    for warning in set.warnings() {
        malformed += usize::from(matches!(warning, Warning::Malformed { .. }));
        // File names and object names come from outside.
        Printer::warn(escape(&warning.to_string()));
    }
    if set.is_empty() {
        return Err(InputError(anyhow!(
            "no objects read from {}; give manifests with -f (a failed `helm template` or `kustomize build` piped in reads as empty)",
            inputs(source)
        ))
        .into());
    }
    if let Some(namespace) = namespace {
        warn_if_absent(&set, namespace);
    }
    Ok(Offline { set, malformed })
}

/// The inputs as the user gave them, for messages.
fn inputs(source: &SourceArgs) -> String {
    let mut names: Vec<String> = source
        .files
        .iter()
        .map(|p| match p.to_str() {
            Some("-") => "standard input".to_owned(),
            _ => format!("`{}`", escape(&p.display().to_string())),
        })
        .collect();
    names.extend(
        source
            .kustomize
            .iter()
            .map(|d| format!("`-k {}`", escape(&d.display().to_string()))),
    );
    names.extend(
        source
            .helm
            .iter()
            .map(|c| format!("`--helm {}`", escape(c))),
    );
    names.join(", ")
}

/// Warns when `-n namespace` leaves nothing of the set, naming the namespaces it holds:
/// an empty answer otherwise looks like an empty namespace.
pub fn warn_if_absent(set: &ObjectSet, namespace: &str) {
    if set
        .objects()
        .iter()
        .any(|o| o.namespace() == Some(namespace))
    {
        return;
    }
    let mut namespaces: Vec<&str> = set.objects().iter().filter_map(Object::namespace).collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    let held = if namespaces.is_empty() {
        "it holds only cluster-scoped objects".to_owned()
    } else {
        let shown: Vec<String> = namespaces
            .iter()
            .take(20)
            .map(|n| escape(n).into_owned())
            .collect();
        let more = namespaces.len().saturating_sub(shown.len());
        format!(
            "its namespaces are {}{}",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )
    };
    Printer::warn(format!(
        "-n {} matches no object in the input; {held}",
        escape(namespace)
    ));
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
