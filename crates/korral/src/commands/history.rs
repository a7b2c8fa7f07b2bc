//! `korral history`, `korral changes`, and the `--at TIME` of `topology` and `status`:
//! what the store `korral serve` records says about the past.

use std::collections::BTreeSet;
use std::io::Write;

use anyhow::{Context, anyhow};
use clap::Args;
use comfy_table::{Table, presets};
use jiff::{SignedDuration, Timestamp};
use korral_core::terminal::{escape, escape_keep_lines};
use korral_core::{LabelSelector, ObjectSet};
use korral_store::{ChangeFilter, ChangeKind, ClusterId, ObjectRef, Store, Version};
use serde::Serialize;
use serde_json::Value;

use super::{ExitStatus, InputError};
use crate::cli::ReportFormat;
use crate::printer::Printer;

/// Which store and which recorded cluster.
#[derive(Debug, Default, Args)]
pub struct StoreArgs {
    /// The store `korral serve` records into: `sqlite:PATH`, a path, or
    /// `postgres://…` (default: the embedded file in the user data directory, the one
    /// `korral serve` uses).
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,

    /// The recorded cluster: its kube context name (default: the kubeconfig's current
    /// context when it was recorded, else the only cluster recorded).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The object: KIND/NAME (`configmap/settings`, `deploy/frontend`,
    /// `ingress.networking.k8s.io/web`).
    #[arg(value_name = "KIND/NAME")]
    pub object: String,

    /// The object's namespace (needed only when objects of that kind and name were
    /// recorded in several).
    #[arg(short, long, value_name = "NS")]
    pub namespace: Option<String>,

    /// Only versions newer than this: a duration back from now (`2h`, `-30m`) or an
    /// RFC 3339 time.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub since: Option<String>,

    /// Output format: versions with diffs, or every version whole as JSON or YAML.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,

    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Args)]
pub struct ChangesArgs {
    /// Only changes newer than this: a duration back from now (`30m`, `-2h`) or an
    /// RFC 3339 time.
    #[arg(
        long,
        value_name = "TIME",
        allow_hyphen_values = true,
        default_value = "1h"
    )]
    pub since: String,

    /// Only this namespace.
    #[arg(short, long, value_name = "NS", conflicts_with = "all_namespaces")]
    pub namespace: Option<String>,

    /// Every namespace (the default).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Only objects whose labels match (kubectl's -l syntax; their latest labels).
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,

    /// Only these kinds (comma-separated; `ConfigMap,Deployment`).
    #[arg(long = "kind", value_name = "KIND,…", value_delimiter = ',')]
    pub kinds: Vec<String>,

    /// At most this many, newest first.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub limit: usize,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,

    #[command(flatten)]
    pub store: StoreArgs,
}

/// `korral history KIND/NAME`.
pub fn history(args: &HistoryArgs) -> anyhow::Result<ExitStatus> {
    let (kind, name) = args.object.split_once('/').filter(|(k, n)| !k.is_empty() && !n.is_empty() && !n.contains('/')).ok_or_else(|| {
        InputError(anyhow!(
            "`{}` is not KIND/NAME; write it like configmap/settings (and -n for the namespace)",
            escape(&args.object)
        ))
    })?;
    let since = args
        .since
        .as_deref()
        .map(|t| time(t, Timestamp::now()).context("--since"))
        .transpose()
        .map_err(InputError)?;
    let runtime = crate::source::runtime()?;
    let versions = runtime.block_on(async {
        let (store, cluster) = open(&args.store).await?;
        let object = find(&store, cluster, kind, name, args.namespace.as_deref()).await?;
        anyhow::Ok(store.history(cluster, &object, since).await?)
    })?;
    Printer::new(None).emit(|out| {
        match args.output {
            ReportFormat::Json | ReportFormat::Yaml => {
                let shown: Vec<Shown> = versions.iter().map(Shown::from).collect();
                Printer::data(out, &shown, args.output == ReportFormat::Yaml)?;
            }
            ReportFormat::Table => print_versions(&versions, out)?,
        }
        Ok(())
    })?;
    Ok(ExitStatus::Success)
}

/// `korral changes`.
pub fn changes(args: &ChangesArgs) -> anyhow::Result<ExitStatus> {
    let now = Timestamp::now();
    let since = time(&args.since, now)
        .context("--since")
        .map_err(InputError)?;
    let selector = args
        .selector
        .as_deref()
        .map(LabelSelector::parse)
        .transpose()
        .context("-l")
        .map_err(InputError)?;
    let filter = ChangeFilter {
        since: Some(since),
        until: None,
        namespace: args.namespace.clone(),
        kinds: args
            .kinds
            .iter()
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty())
            .collect(),
        selector,
        limit: Some(args.limit),
    };
    let runtime = crate::source::runtime()?;
    let records = runtime.block_on(async {
        let (store, cluster) = open(&args.store).await?;
        anyhow::Ok(store.changes(cluster, &filter).await?)
    })?;
    Printer::new(None).emit(|out| {
        match args.output {
            ReportFormat::Json | ReportFormat::Yaml => {
                let rows: Vec<ChangeRow> = records
                    .iter()
                    .map(|r| ChangeRow {
                        seq: r.seq,
                        at: r.at.to_string(),
                        change: r.change.as_str(),
                        group: &r.group,
                        kind: &r.kind,
                        namespace: r.namespace.as_deref(),
                        name: &r.name,
                        resource_version: &r.resource_version,
                        managers: &r.managers,
                    })
                    .collect();
                Printer::data(out, &rows, args.output == ReportFormat::Yaml)?;
            }
            ReportFormat::Table => {
                if records.is_empty() {
                    writeln!(out, "No changes recorded since {since}.")?;
                    return Ok(());
                }
                let mut table = Table::new();
                table.load_style(presets::NOTHING);
                table.set_header(["TIME", "CHANGE", "KIND", "NAMESPACE", "NAME", "BY"]);
                for r in &records {
                    table.add_row([
                        r.at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
                        r.change.as_str().to_owned(),
                        escape(&r.kind).into_owned(),
                        escape(r.namespace.as_deref().unwrap_or("")).into_owned(),
                        escape(&r.name).into_owned(),
                        escape(&r.managers.join(", ")).into_owned(),
                    ]);
                }
                writeln!(out, "{table}")?;
            }
        }
        Ok(())
    })?;
    Ok(ExitStatus::Success)
}

/// The objects recorded as existing at `at` (`topology --at`, `status --at`), and
/// the time it names.
pub fn set_at(
    store_args: &StoreArgs,
    at: &str,
    namespace: Option<&str>,
) -> anyhow::Result<(ObjectSet, Timestamp)> {
    let at = time(at, Timestamp::now())
        .context("--at")
        .map_err(InputError)?;
    let runtime = crate::source::runtime()?;
    let (objects, name) = runtime.block_on(async {
        let (store, cluster) = open(store_args).await?;
        let name = cluster_name(&store, cluster).await?;
        let filter = ChangeFilter {
            namespace: namespace.map(str::to_owned),
            ..ChangeFilter::default()
        };
        anyhow::Ok((store.objects_at_set(cluster, at, &filter).await?, name))
    })?;
    let file = format!("<store:{name}@{at}>");
    Ok((ObjectSet::from_objects(objects, vec![file], Vec::new()), at))
}

/// A time as the user writes it: RFC 3339 (`2026-12-06T10:00:00Z`), or a duration back
/// from `now` (`-15m`, `2h`, `1h30m`).
pub fn time(text: &str, now: Timestamp) -> anyhow::Result<Timestamp> {
    let text = text.trim();
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at);
    }
    let back = text.strip_prefix('-').unwrap_or(text);
    let duration: SignedDuration = back.parse().map_err(|_| {
        anyhow!(
            "`{}` is not a time; write an RFC 3339 time (2026-12-06T10:00:00Z) or a duration back from now (-15m, 2h)",
            escape(text)
        )
    })?;
    if duration.is_negative() {
        return Err(anyhow!(
            "`{}` counts forward; write -15m or 15m for 15 minutes ago",
            escape(text)
        ));
    }
    now.checked_sub(duration).map_err(|_| {
        anyhow!(
            "`{}` reaches back before any time korral can name",
            escape(text)
        )
    })
}

/// Opens the store and picks the recorded cluster.
async fn open(args: &StoreArgs) -> anyhow::Result<(Store, ClusterId)> {
    let url = args.database.clone().unwrap_or_else(Store::default_url);
    let store = Store::open(&url).await?;
    let recorded = store.clusters().await?;
    let names: Vec<&str> = recorded.iter().map(|c| c.name.as_str()).collect();
    let listed = || {
        if names.is_empty() {
            "none is recorded there yet; `korral serve` records the clusters it watches".to_owned()
        } else {
            format!("recorded: {}", escape(&names.join(", ")))
        }
    };
    let chosen = if let Some(name) = &args.context {
        recorded.iter().find(|c| &c.name == name).ok_or_else(|| {
            InputError(anyhow!(
                "no cluster `{}` in the store; {}",
                escape(name),
                listed()
            ))
        })?
    } else {
        let current = korral_kube::ClusterConfig::load(korral_kube::KubeOptions::default())
            .ok()
            .map(|c| c.context().to_owned());
        match (
            current.and_then(|name| recorded.iter().find(|c| c.name == name)),
            recorded.as_slice(),
        ) {
            (Some(cluster), _) => cluster,
            (None, [only]) => only,
            (None, _) => {
                return Err(
                    InputError(anyhow!("which cluster? use --context NAME; {}", listed())).into(),
                );
            }
        }
    };
    Ok((store.clone(), chosen.id))
}

async fn cluster_name(store: &Store, cluster: ClusterId) -> anyhow::Result<String> {
    Ok(store
        .clusters()
        .await?
        .into_iter()
        .find(|c| c.id == cluster)
        .map(|c| c.name)
        .unwrap_or_default())
}

/// The one recorded object that KIND/NAME (and -n) names: the kind as kubectl takes
/// it (`cm`, `configmaps`, `Deployment.apps`), matched against what was recorded.
async fn find(
    store: &Store,
    cluster: ClusterId,
    kind: &str,
    name: &str,
    namespace: Option<&str>,
) -> anyhow::Result<ObjectRef> {
    let filter = ChangeFilter {
        namespace: namespace.map(str::to_owned),
        ..ChangeFilter::default()
    };
    let found: BTreeSet<(String, String, Option<String>)> = store
        .changes(cluster, &filter)
        .await?
        .into_iter()
        .filter(|r| r.name == name && korral_topology::kind_is(kind, &r.kind, &r.group))
        .map(|r| (r.group, r.kind, r.namespace))
        .collect();
    let shown = |(group, kind, ns): &(String, String, Option<String>)| {
        let kind = if group.is_empty() {
            kind.clone()
        } else {
            format!("{kind}.{group}")
        };
        match ns {
            Some(ns) => format!("{} in {}", escape(&kind), escape(ns)),
            None => escape(&kind).into_owned(),
        }
    };
    match found.len() {
        0 => Err(InputError(anyhow!(
            "no history of `{}/{}`{} in the store; `korral changes` lists what was recorded",
            escape(kind),
            escape(name),
            namespace
                .map(|ns| format!(" in namespace `{}`", escape(ns)))
                .unwrap_or_default()
        ))
        .into()),
        1 => {
            let (group, kind, namespace) = found.into_iter().next().unwrap_or_default();
            Ok(ObjectRef {
                group,
                kind,
                namespace,
                name: name.to_owned(),
            })
        }
        _ => Err(InputError(anyhow!(
            "`{}/{}` names several recorded objects ({}); add -n NAMESPACE or KIND.GROUP",
            escape(kind),
            escape(name),
            found.iter().map(shown).collect::<Vec<_>>().join("; ")
        ))
        .into()),
    }
}

/// Versions, oldest first: the first whole, then each as a unified diff of its YAML
/// against the one before, with when, how and by whom.
fn print_versions(versions: &[Version], out: &mut dyn Write) -> anyhow::Result<()> {
    if versions.is_empty() {
        writeln!(out, "No versions in that window.")?;
        return Ok(());
    }
    let mut previous: Option<String> = None;
    for (n, version) in versions.iter().enumerate() {
        let by = if version.managers.is_empty() {
            String::new()
        } else {
            format!(" by {}", escape(&version.managers.join(", ")))
        };
        writeln!(
            out,
            "# version {} · {} · {} · resourceVersion {}{by}",
            n + 1,
            version.at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            version.change.as_str(),
            escape(&version.resource_version),
        )?;
        let yaml = readable(&version.object)?;
        match (&previous, version.change) {
            (_, ChangeKind::Deleted) => writeln!(out, "(deleted)")?,
            (None, _) => write!(out, "{}", escape_keep_lines(&yaml))?,
            (Some(before), _) => {
                let diff = similar::TextDiff::from_lines(before.as_str(), yaml.as_str());
                let text = diff
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("version {n}"), &format!("version {}", n + 1))
                    .to_string();
                if text.is_empty() {
                    writeln!(out, "(no change in what is shown)")?;
                } else {
                    write!(out, "{}", escape_keep_lines(&text))?;
                }
            }
        }
        writeln!(out)?;
        previous = Some(yaml);
    }
    Ok(())
}

/// An object's YAML without what changes on every write (resourceVersion and
/// managedFields, both shown in the header instead).
fn readable(object: &Value) -> anyhow::Result<String> {
    let mut object = object.clone();
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
        metadata.remove("resourceVersion");
    }
    Ok(serde_saphyr::to_string(&object)?)
}

/// One version in `-o json|yaml`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Shown<'a> {
    seq: i64,
    at: String,
    change: &'static str,
    resource_version: &'a str,
    managers: &'a [String],
    object: &'a Value,
}

impl<'a> From<&'a Version> for Shown<'a> {
    fn from(version: &'a Version) -> Self {
        Self {
            seq: version.seq,
            at: version.at.to_string(),
            change: version.change.as_str(),
            resource_version: &version.resource_version,
            managers: &version.managers,
            object: &version.object,
        }
    }
}

/// One change in `-o json|yaml`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChangeRow<'a> {
    seq: i64,
    at: String,
    change: &'static str,
    group: &'a str,
    kind: &'a str,
    namespace: Option<&'a str>,
    name: &'a str,
    resource_version: &'a str,
    managers: &'a [String],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_or_durations_back_from_now() {
        let now: Timestamp = "2026-12-06T12:00:00Z".parse().unwrap();
        assert_eq!(
            time("-15m", now).unwrap().to_string(),
            "2026-12-06T11:45:00Z"
        );
        assert_eq!(time("2h", now).unwrap().to_string(), "2026-12-06T10:00:00Z");
        assert_eq!(
            time("2026-12-01T08:00:00Z", now).unwrap().to_string(),
            "2026-12-01T08:00:00Z"
        );
        let err = time("yesterday\u{1b}[2J", now).unwrap_err().to_string();
        assert!(
            err.contains("not a time") && !err.contains('\u{1b}'),
            "{err}"
        );
    }
}
