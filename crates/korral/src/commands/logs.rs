//! `korral logs`: many pods and containers, merged, as stern does.

use std::collections::HashSet;
use std::io::Write;

use anyhow::{Context, anyhow};
use futures::StreamExt;
use korral_core::{LabelSelector, LabelSelectorSpec, Object};
use korral_kube::{Client, Discovery, ListOptions, LogOptions, Resource, WatchEvent, log_lines};
use korral_topology::kind_is;
use regex::Regex;
use serde::Deserialize;
use tokio::sync::mpsc;

use super::{ExitStatus, InputError, duration};
use crate::cli::{LogsArgs, SourceArgs};
use crate::printer::Printer;
use crate::source::{self, Scope};

/// Which pods to follow.
enum Pods {
    Named(String),
    Selected(LabelSelector),
}

impl Pods {
    fn matches(&self, pod: &Object) -> bool {
        match self {
            Self::Named(name) => pod.name() == name,
            Self::Selected(selector) => selector.matches(pod.labels()),
        }
    }
}

/// One line of output.
struct Line {
    pod: String,
    container: String,
    text: String,
}

/// Colours for pod names, picked by a hash of the name so a pod keeps its colour.
const PALETTE: [anstyle::AnsiColor; 6] = [
    anstyle::AnsiColor::Cyan,
    anstyle::AnsiColor::Green,
    anstyle::AnsiColor::Magenta,
    anstyle::AnsiColor::Yellow,
    anstyle::AnsiColor::Blue,
    anstyle::AnsiColor::Red,
];

pub fn logs(args: &LogsArgs) -> anyhow::Result<ExitStatus> {
    let (grep, selector, options) = parse_options(args)?;
    let source = SourceArgs {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        request_timeout: args.request_timeout,
        ..SourceArgs::default()
    };
    let color = Printer::new(None).color();

    let runtime = source::runtime()?;
    runtime.block_on(async {
        let scope = args
            .namespace
            .as_deref()
            .map_or(Scope::ContextDefault, Scope::Namespace);
        let cluster = source::connect(&source, scope).await?;
        let namespace = cluster
            .namespace
            .clone()
            .unwrap_or_else(|| "default".to_owned());
        let all = &cluster.discovery;
        let pods_resource = all
            .find("", "Pod")
            .cloned()
            .ok_or_else(|| anyhow!("the cluster serves no pods"))?;
        let wanted = match (&args.target, selector) {
            (_, Some(selector)) => Pods::Selected(selector),
            (Some(target), None) => target_pods(&cluster.client, all, &namespace, target).await?,
            (None, None) => unreachable!("clap requires a target or -l"),
        };
        let listing = korral_kube::list(
            &cluster.client,
            std::slice::from_ref(&pods_resource),
            &ListOptions {
                namespace: Some(namespace.clone()),
                ..ListOptions::default()
            },
        )
        .await?;
        let pods: Vec<&Object> = listing
            .objects
            .objects()
            .iter()
            .filter(|p| wanted.matches(p))
            .collect();
        if pods.is_empty() && !args.follow {
            return Err(InputError(anyhow!(
                "no pods in namespace `{namespace}` match; check the name, selector or -n"
            ))
            .into());
        }

        let (tx, mut rx) = mpsc::unbounded_channel::<Line>();
        let mut streams = Streams {
            client: cluster.client.clone(),
            namespace: namespace.clone(),
            container: args.container.clone(),
            all_containers: args.all_containers,
            options,
            started: HashSet::new(),
            tx: tx.clone(),
        };
        for pod in pods {
            streams.start(pod);
        }
        if args.follow {
            let follow = Follow {
                from: listing.resource_version(&pods_resource).map(str::to_owned),
                resource: pods_resource,
                wanted,
                streams,
            };
            tokio::spawn(follow.run());
        } else {
            // Without -f the output ends when the last stream does.
            drop(streams);
        }
        drop(tx);

        print_lines(&mut rx, grep.as_ref(), color).await?;
        Ok(ExitStatus::Success)
    })
}

/// The flags that need parsing: --grep, --since and -l.
fn parse_options(
    args: &LogsArgs,
) -> anyhow::Result<(Option<Regex>, Option<LabelSelector>, LogOptions)> {
    let grep = args
        .grep
        .as_deref()
        .map(Regex::new)
        .transpose()
        .context("--grep")
        .map_err(InputError)?;
    let since_seconds = args
        .since
        .as_deref()
        .map(duration)
        .transpose()
        .context("--since")
        .map_err(InputError)?
        .map(|d| d.as_secs().max(1));
    let selector = args
        .selector
        .as_deref()
        .map(LabelSelector::parse)
        .transpose()
        .context("-l")
        .map_err(InputError)?;
    let options = LogOptions {
        container: None,
        follow: args.follow,
        tail_lines: args.tail,
        since_seconds,
        timestamps: args.timestamps,
    };
    Ok((grep, selector, options))
}

/// Prints lines as they come until every stream ends or Ctrl-C.
async fn print_lines(
    rx: &mut mpsc::UnboundedReceiver<Line>,
    grep: Option<&Regex>,
    color: bool,
) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    loop {
        let next = tokio::select! {
            next = rx.recv() => next,
            _ = tokio::signal::ctrl_c() => None,
        };
        let Some(line) = next else { return Ok(()) };
        if grep.is_some_and(|re| !re.is_match(&line.text)) {
            continue;
        }
        let mut out = stdout.lock();
        let result = if color {
            let style = PALETTE[hash(&line.pod) % PALETTE.len()].on_default();
            let dim = anstyle::Style::new().dimmed();
            writeln!(
                out,
                "{}{}{} {}{}{} {}",
                style.render(),
                line.pod,
                style.render_reset(),
                dim.render(),
                line.container,
                dim.render_reset(),
                line.text
            )
        } else {
            writeln!(out, "{} {} {}", line.pod, line.container, line.text)
        };
        match result {
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            other => other?,
        }
    }
}

/// Streams of the containers being read, each started once.
struct Streams {
    client: Client,
    namespace: String,
    /// `-c`.
    container: Option<String>,
    /// `--all-containers`.
    all_containers: bool,
    options: LogOptions,
    started: HashSet<(String, String)>,
    tx: mpsc::UnboundedSender<Line>,
}

impl Streams {
    /// Starts streaming the pod's chosen containers, those not started yet.
    fn start(&mut self, pod: &Object) {
        for container in containers(pod, self.container.as_deref(), self.all_containers) {
            if self
                .started
                .insert((pod.name().to_owned(), container.clone()))
            {
                stream(
                    &self.client,
                    &self.namespace,
                    pod.name(),
                    container,
                    &self.options,
                    &self.tx,
                );
            }
        }
    }
}

/// Watches the namespace's pods and starts streaming the ones that match once they
/// run: pods that appear, or start, after the command began.
struct Follow {
    resource: Resource,
    from: Option<String>,
    wanted: Pods,
    streams: Streams,
}

impl Follow {
    async fn run(mut self) {
        let mut events = Box::pin(korral_kube::watch(
            &self.streams.client,
            &self.resource,
            Some(&self.streams.namespace),
            self.from.take(),
        ));
        while let Some(event) = events.next().await {
            let pods = match event {
                Ok(WatchEvent::Added(pod) | WatchEvent::Modified(pod)) => vec![pod],
                Ok(WatchEvent::Restarted(pods)) => pods,
                _ => continue,
            };
            for pod in pods.iter().filter(|p| self.wanted.matches(p) && running(p)) {
                self.streams.start(pod);
            }
        }
    }
}

fn hash(text: &str) -> usize {
    text.bytes()
        .fold(5381_usize, |h, b| h.wrapping_mul(33) ^ usize::from(b))
}

fn stream(
    client: &Client,
    namespace: &str,
    pod: &str,
    container: String,
    options: &LogOptions,
    tx: &mpsc::UnboundedSender<Line>,
) {
    let (client, namespace, pod, tx) = (
        client.clone(),
        namespace.to_owned(),
        pod.to_owned(),
        tx.clone(),
    );
    let options = LogOptions {
        container: Some(container.clone()),
        ..options.clone()
    };
    tokio::spawn(async move {
        match log_lines(&client, &namespace, &pod, &options).await {
            Ok(lines) => {
                let mut lines = Box::pin(lines);
                while let Some(line) = lines.next().await {
                    match line {
                        Ok(text) => {
                            let line = Line {
                                pod: pod.clone(),
                                container: container.clone(),
                                text,
                            };
                            if tx.send(line).is_err() {
                                return;
                            }
                        }
                        Err(err) => {
                            Printer::warn(format!("log of {pod}/{container}: {err}"));
                            return;
                        }
                    }
                }
            }
            Err(err) => Printer::warn(format!("log of {pod}/{container}: {err}")),
        }
    });
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct PodView {
    #[serde(default)]
    spec: PodSpecView,
    #[serde(default)]
    status: PodStatusView,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct PodSpecView {
    #[serde(default, deserialize_with = "korral_core::null_as_default")]
    init_containers: Vec<Named>,
    #[serde(default, deserialize_with = "korral_core::null_as_default")]
    containers: Vec<Named>,
}

#[derive(Deserialize, Default)]
struct PodStatusView {
    #[serde(default)]
    phase: Option<String>,
}

#[derive(Deserialize, Default)]
struct Named {
    #[serde(default)]
    name: String,
}

/// The containers to read: the one asked for, all of them, or the pod's default
/// (its `kubectl.kubernetes.io/default-container` annotation, else the first).
fn containers(pod: &Object, only: Option<&str>, all: bool) -> Vec<String> {
    let view = pod.raw().parse::<PodView>().unwrap_or_default();
    let names: Vec<String> = view.spec.containers.into_iter().map(|c| c.name).collect();
    if let Some(only) = only {
        return vec![only.to_owned()];
    }
    if all {
        let mut every: Vec<String> = view
            .spec
            .init_containers
            .into_iter()
            .map(|c| c.name)
            .collect();
        every.extend(names);
        return every;
    }
    let default = pod
        .annotations()
        .get("kubectl.kubernetes.io/default-container")
        .cloned();
    default
        .or_else(|| names.into_iter().next())
        .into_iter()
        .collect()
}

fn running(pod: &Object) -> bool {
    let view = pod.raw().parse::<PodView>().unwrap_or_default();
    matches!(
        view.status.phase.as_deref(),
        Some("Running" | "Succeeded" | "Failed")
    )
}

/// `spec.selector`, whatever its form.
#[derive(Deserialize)]
struct WithSelector {
    #[serde(default)]
    spec: SelectorSpec,
}
#[derive(Deserialize, Default)]
struct SelectorSpec {
    #[serde(default)]
    selector: Option<serde_json::Value>,
}

/// The pods a TARGET names: a pod, or the pods selected by a workload or Service.
async fn target_pods(
    client: &Client,
    discovery: &Discovery,
    namespace: &str,
    target: &str,
) -> anyhow::Result<Pods> {
    let Some((kind, name)) = target.split_once('/') else {
        return Ok(Pods::Named(target.to_owned()));
    };
    if kind_is(kind, "Pod", "") {
        return Ok(Pods::Named(name.to_owned()));
    }
    let resource: &Resource = discovery
        .resources
        .iter()
        .find(|r| kind_is(kind, &r.kind, &r.group))
        .ok_or_else(|| {
            InputError(anyhow!(
                "unknown kind `{kind}` in `{target}`; use KIND/NAME such as deploy/frontend"
            ))
        })?;
    let listing = korral_kube::list(
        client,
        std::slice::from_ref(resource),
        &ListOptions {
            namespace: Some(namespace.to_owned()),
            ..ListOptions::default()
        },
    )
    .await?;
    let object = listing
        .objects
        .objects()
        .iter()
        .find(|o| o.name() == name)
        .ok_or_else(|| {
            InputError(anyhow!(
                "no {} `{name}` in namespace `{namespace}`",
                resource.kind
            ))
        })?;

    let spec = object
        .raw()
        .parse::<WithSelector>()
        .map(|w| w.spec.selector)
        .ok()
        .flatten();
    let selector = match (resource.kind.as_str(), spec) {
        ("Service", Some(map)) => {
            let labels = serde_json::from_value(map).unwrap_or_default();
            LabelSelector::from_labels(&labels)
        }
        (_, Some(spec)) => {
            let spec: LabelSelectorSpec = serde_json::from_value(spec).unwrap_or_default();
            LabelSelector::from_spec(&spec)?
        }
        (_, None) => {
            return Err(
                InputError(anyhow!("{} `{name}` has no pod selector", resource.kind)).into(),
            );
        }
    };
    if selector.is_empty() {
        return Err(InputError(anyhow!("{} `{name}` selects no pods", resource.kind)).into());
    }
    Ok(Pods::Selected(selector))
}
