//! `korral deploy`, `diff`, `rollback`, `releases`, `undeploy`: the faces of the apply
//! engine (`korral-apply`).

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::path::Path;
use std::time::Duration;

use anyhow::anyhow;
use comfy_table::{Table, presets};
use korral_apply::{
    Cluster, DeployOptions, DeployResult, Error as ApplyError, Event, Manifest, ObjectId, Outcome,
    Progress,
};
use korral_core::terminal::escape;
use korral_kube::{ClusterConfig, KubeOptions, Limits};
use korral_status::ReadyOptions;

use super::{ExitStatus, InputError};
use crate::cli::{
    ClusterArgs, DeployArgs, DiffArgs, ManifestArgs, ReleasesArgs, ReportFormat, RollbackArgs,
    SourceArgs, UndeployArgs,
};
use crate::printer::Printer;
use crate::source;

/// Connects, and names the namespace: `-n`, else the context's.
pub(crate) async fn connect(args: &ClusterArgs) -> anyhow::Result<(Cluster, String)> {
    let timeout = Some(args.request_timeout).filter(|t| !t.is_zero());
    let config = ClusterConfig::load(KubeOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        namespace: None,
        limits: Limits::default().with_request_timeout(timeout),
    })?;
    let namespace = args
        .namespace
        .clone()
        .unwrap_or_else(|| config.namespace().to_owned());
    let client = config.client().await?;
    Ok((Cluster::connect(client).await?, namespace))
}

/// Whether a -f path names a korral bundle, by its name.
fn is_bundle(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    path.is_file()
        && [".tar.zst", ".tzst", ".tar.gz", ".tgz", ".tar", ".zip"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
}

/// Verifies and extracts a bundle into `into`, as `korral bundle extract` does: nothing
/// is read from a bundle that fails verification.
fn extract_bundle(path: &Path, args: &ManifestArgs, into: &Path) -> anyhow::Result<()> {
    let keyring = args.keyring.open()?;
    verify_and_extract(path, &keyring, args.require_signature, into, "deployed")
}

/// Verifies a bundle while extracting it into `into` (which must not exist); a bundle
/// that fails is bad input, with the reasons, and nothing is extracted. `what` says what
/// did not happen (`deployed`, `restored`).
pub(crate) fn verify_and_extract(
    path: &Path,
    keyring: &korral_bundle::Keyring,
    require_signature: bool,
    into: &Path,
    what: &str,
) -> anyhow::Result<()> {
    let options = korral_bundle::ExtractOptions {
        to: into.to_path_buf(),
        limits: korral_bundle::Limits::default(),
        require_signature,
        insecure_skip_verify: false,
    };
    let shown = path.display().to_string();
    match korral_bundle::extract(path, keyring, &options, &korral_bundle::NoProgress) {
        Ok(report) => {
            for note in report.iter().flat_map(|r| &r.notes) {
                Printer::warn(format_args!("{}: {}", escape(&shown), escape(note)));
            }
            Printer::note(format_args!("verified bundle {}", escape(&shown)));
            // The bundle's own manifest and signature are not Kubernetes objects.
            for name in [korral_bundle::MANIFEST, korral_bundle::SIGNATURE] {
                let _ = std::fs::remove_file(into.join(name));
            }
            Ok(())
        }
        Err(korral_bundle::Error::Verification(report)) => {
            // Why, as `korral bundle verify` says it (the bundle's words escaped).
            let mut why = vec![format!("signature: {}", report.signature.describe())];
            if require_signature {
                why.push(
                    "a signature by a trusted key is required (--require-signature)".to_owned(),
                );
            }
            why.extend(report.structure.iter().map(|p| format!("structure: {p}")));
            why.extend(
                report
                    .problems
                    .iter()
                    .take(20)
                    .map(|p| format!("entry: {p}")),
            );
            let why: Vec<String> = why.iter().map(|w| format!("  {}", escape(w))).collect();
            Err(InputError(anyhow!(
                "bundle {} failed verification; nothing was {what}:\n{}",
                escape(&shown),
                why.join("\n")
            ))
            .into())
        }
        Err(err) => Err(InputError(anyhow!(
            "bundle {}: {}; nothing was {what}",
            escape(&shown),
            err
        ))
        .into()),
    }
}

/// Reads the manifests; a file that cannot be read is bad input. Bundles are verified
/// and unpacked into a temporary folder first.
fn manifests(args: &ManifestArgs, namespace: &str) -> anyhow::Result<Vec<Manifest>> {
    let unpacked = tempfile::tempdir()?;
    let mut files = Vec::with_capacity(args.files.len());
    // Messages name a bundle's files inside it (`app.tar.zst/app/web.yaml:3`).
    let mut renames = Vec::new();
    for (n, path) in args.files.iter().enumerate() {
        if is_bundle(path) {
            let into = unpacked.path().join(n.to_string());
            extract_bundle(path, args, &into)?;
            renames.push((
                format!("{}/", into.display()),
                format!("{}/", path.display()),
            ));
            files.push(into);
        } else {
            files.push(path.clone());
        }
    }
    let source = SourceArgs {
        files,
        exclude: args.exclude.clone(),
        kustomize: args.kustomize.clone(),
        helm: args.helm.clone(),
        values: args.values.clone(),
        ..SourceArgs::default()
    };
    let set = source::loader(&source, Some(namespace))?
        .load()
        .map_err(|err| InputError(err.into()))?;
    for warning in set.warnings() {
        Printer::warn(warning);
    }
    if set.is_empty() {
        return Err(InputError(anyhow!("no objects in the files given; nothing to deploy")).into());
    }
    Ok(set
        .objects()
        .iter()
        .map(|o| {
            let mut source = set.location(o);
            for (from, to) in &renames {
                if let Some(rest) = source.strip_prefix(from.as_str()) {
                    source = format!("{to}{rest}");
                }
            }
            Manifest::new(o.raw().to_value(), source)
        })
        .collect())
}

/// A failure of the engine as the exit code sees it: manifests the server rejects, a
/// kind it does not serve and a bad set name are bad input (2).
fn engine_error(err: ApplyError) -> anyhow::Error {
    match err {
        ApplyError::Rejected { .. }
        | ApplyError::UnknownKind { .. }
        | ApplyError::Manifest { .. }
        | ApplyError::BadName(_)
        | ApplyError::NoSet { .. }
        | ApplyError::NoRevision { .. }
        | ApplyError::NoGoodRevision { .. } => InputError(err.into()).into(),
        other => other.into(),
    }
}

/// Progress on standard error: plain lines, one per change of an object's state; on
/// a terminal, one live line per object being waited for, updated in place.
struct Lines {
    quiet: bool,
    /// The live lines, on a terminal.
    live: Option<indicatif::MultiProgress>,
    bars: HashMap<ObjectId, indicatif::ProgressBar>,
}

impl Lines {
    fn new(quiet: bool) -> Self {
        let live = (!quiet && std::io::stderr().is_terminal()).then(|| {
            indicatif::MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::stderr())
        });
        Self {
            quiet,
            live,
            bars: HashMap::new(),
        }
    }

    /// The live line of `id`, made on first use.
    fn bar(&mut self, id: &ObjectId) -> Option<&indicatif::ProgressBar> {
        let multi = self.live.as_ref()?;
        Some(self.bars.entry(id.clone()).or_insert_with(|| {
            let bar = multi.add(indicatif::ProgressBar::new_spinner());
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
            {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        }))
    }
}

impl Progress for Lines {
    fn event(&mut self, event: Event) {
        if self.quiet {
            return;
        }
        // Messages quote the server (conditions, pod reasons): escaped before shown.
        let line = match event {
            Event::Waiting { id, message } | Event::Failing { id, message }
                if self.live.is_some() =>
            {
                let text = format!("{id}: {}", escape(&message));
                if let Some(bar) = self.bar(&id) {
                    bar.set_message(text);
                }
                return;
            }
            Event::Ready { id } if self.live.is_some() => {
                match self.bars.remove(&id) {
                    Some(bar) => bar.finish_with_message(format!("ready {id}")),
                    None => {
                        if let Some(multi) = &self.live {
                            let _ = multi.println(format!("ready {id}"));
                        }
                    }
                }
                return;
            }
            Event::Note(text) => text,
            Event::Wave(n) => format!("wave {n}"),
            Event::Applied { id, applied } => format!(
                "{} {id}",
                match applied {
                    korral_apply::Applied::Created => "created",
                    korral_apply::Applied::Configured => "configured",
                }
            ),
            Event::Waiting { id, message } => format!("waiting {id}: {message}"),
            Event::Failing { id, message } => format!("failing {id}: {message}"),
            Event::Ready { id } => format!("ready {id}"),
            Event::Deleted { id } => format!("deleted {id}"),
            Event::Kept { id, reason } => format!("kept {id}: {reason}"),
        };
        match &self.live {
            Some(multi) => {
                let _ = multi.println(escape(&line));
            }
            None => Printer::note(line),
        }
    }
}

impl Drop for Lines {
    /// Lines still spinning (a failure, a timeout) stay on screen as they were.
    fn drop(&mut self) {
        for bar in self.bars.values() {
            bar.abandon();
        }
    }
}

fn options(name: &str, namespace: &str) -> DeployOptions {
    DeployOptions::new(name, namespace)
}

pub fn deploy(args: &DeployArgs) -> anyhow::Result<ExitStatus> {
    let runtime = source::runtime()?;
    runtime.block_on(async {
        let (mut cluster, namespace) = connect(&args.cluster).await?;
        let manifests = manifests(&args.manifests, &namespace)?;
        let mut options = options(&args.name, &namespace);
        options.prune = args.prune;
        options.prune_crds = args.prune_crds;
        options.wait = !args.no_wait;
        options.timeout = args.timeout;
        options.failure_grace = args.failure_grace;
        options.rollback_on_failure = args.rollback_on_failure;
        options.dry_run = args.dry_run;
        options.force_conflicts = args.force_conflicts;
        options.keep = args.history_max;
        options.ready = ReadyOptions {
            load_balancer_address: args.wait_load_balancer,
        };
        let mut progress = Lines::new(args.output != ReportFormat::Table);
        let work = korral_apply::deploy(&mut cluster, manifests, &options, &mut progress);
        let outcome = Box::pin(until_interrupted(work)).await;
        drop(progress);
        finish(&cluster, &options, outcome, args.output).await
    })
}

/// Runs a deploy or rollback until it ends or Ctrl-C stops it (`None`).
async fn until_interrupted(
    work: impl std::future::Future<Output = korral_apply::Result<Outcome>>,
) -> Option<korral_apply::Result<Outcome>> {
    tokio::select! {
        outcome = work => Some(outcome),
        _ = tokio::signal::ctrl_c() => None,
    }
}

/// Reports how a deploy or rollback ended; after Ctrl-C, records its revision as
/// interrupted, so the set is never left looking busy.
async fn finish(
    cluster: &Cluster,
    options: &DeployOptions,
    outcome: Option<korral_apply::Result<Outcome>>,
    format: ReportFormat,
) -> anyhow::Result<ExitStatus> {
    if let Some(outcome) = outcome {
        return report(&outcome.map_err(engine_error)?, format);
    }
    let revision =
        korral_apply::interrupted(cluster, &options.name, &options.namespace, "Ctrl-C").await?;
    Err(anyhow!(
        "interrupted{}; objects may be half-applied: deploy again (it takes over), or `korral rollback {} -n {}`",
        revision
            .map(|r| format!(" (revision {r} marked interrupted)"))
            .unwrap_or_default(),
        escape(&options.name),
        escape(&options.namespace)
    ))
}

/// Prints an outcome; exit 1 when it failed.
fn report(outcome: &Outcome, format: ReportFormat) -> anyhow::Result<ExitStatus> {
    Printer::new(None).emit(|out| match format {
        ReportFormat::Json => Printer::data(out, outcome, false),
        ReportFormat::Yaml => Printer::data(out, outcome, true),
        ReportFormat::Table => write_outcome(outcome, out),
    })?;
    Ok(match outcome.result {
        DeployResult::Failed => ExitStatus::Findings,
        _ => ExitStatus::Success,
    })
}

fn write_outcome(outcome: &Outcome, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let name = escape(&outcome.name);
    let namespace = escape(&outcome.namespace);
    let created = outcome
        .applied
        .iter()
        .filter(|a| a.applied == korral_apply::Applied::Created)
        .count();
    let revision = outcome
        .revision
        .map(|r| format!(" revision {r}"))
        .unwrap_or_default();
    match outcome.result {
        DeployResult::DryRun => {
            writeln!(
                out,
                "dry run of {name} in {namespace}: all {} objects valid ({created} would be created){}; nothing changed",
                outcome.applied.len(),
                if outcome.deleted.is_empty() {
                    String::new()
                } else {
                    format!(", {} would be pruned", outcome.deleted.len())
                }
            )?;
            for id in &outcome.deleted {
                writeln!(out, "  would prune {id}")?;
            }
        }
        DeployResult::Deployed => writeln!(
            out,
            "deployed {name}{revision} in {namespace}: {} objects applied ({created} created){}",
            outcome.applied.len(),
            if outcome.deleted.is_empty() {
                String::new()
            } else {
                format!(", {} deleted", outcome.deleted.len())
            }
        )?,
        DeployResult::Undeployed => writeln!(
            out,
            "undeployed {name} in {namespace}: {} objects deleted",
            outcome.deleted.len()
        )?,
        DeployResult::Failed => {
            writeln!(out, "{name}{revision} in {namespace} FAILED:")?;
            for failure in &outcome.failures {
                if failure.id == ObjectId::default() {
                    writeln!(out, "  {}", escape(&failure.message))?;
                } else {
                    writeln!(out, "  {}: {}", failure.id, escape(&failure.message))?;
                }
                for line in &failure.logs {
                    writeln!(out, "    | {}", escape(line))?;
                }
            }
            match (outcome.rolled_back_to, outcome.last_good) {
                (Some(good), _) => writeln!(out, "rolled back to revision {good}")?,
                (None, Some(good)) => writeln!(
                    out,
                    "`korral rollback {name} -n {namespace}` puts revision {good}, the last good one, back"
                )?,
                (None, None) => writeln!(
                    out,
                    "no earlier revision deployed well; fix the manifests and deploy again, or `korral undeploy {name} -n {namespace}`"
                )?,
            }
        }
    }
    Ok(())
}

pub fn diff(args: &DiffArgs) -> anyhow::Result<ExitStatus> {
    let runtime = source::runtime()?;
    runtime.block_on(async {
        let (cluster, namespace) = connect(&args.cluster).await?;
        let manifests = manifests(&args.manifests, &namespace)?;
        // As kubectl diff: 1 means differences, so any error is 2.
        let changes = korral_apply::diff(&cluster, manifests, &options(&args.name, &namespace))
            .await
            .map_err(|err| anyhow::Error::from(InputError(err.into())))?;
        Printer::new(None).emit(|out| match args.output {
            ReportFormat::Json => Printer::data(out, &changes, false),
            ReportFormat::Yaml => Printer::data(out, &changes, true),
            ReportFormat::Table => {
                for change in &changes {
                    out.write_all(change.diff.as_bytes())?;
                }
                Ok(())
            }
        })?;
        Ok(if changes.is_empty() {
            ExitStatus::Success
        } else {
            ExitStatus::Findings
        })
    })
}

pub fn rollback(args: &RollbackArgs) -> anyhow::Result<ExitStatus> {
    let runtime = source::runtime()?;
    runtime.block_on(async {
        let (mut cluster, namespace) = connect(&args.cluster).await?;
        let mut options = options(&args.name, &namespace);
        options.wait = !args.no_wait;
        options.timeout = args.timeout;
        options.failure_grace = args.failure_grace;
        options.force_conflicts = args.force_conflicts;
        let mut progress = Lines::new(args.output != ReportFormat::Table);
        let work = korral_apply::rollback(&mut cluster, args.revision, &options, &mut progress);
        let outcome = Box::pin(until_interrupted(work)).await;
        drop(progress);
        finish(&cluster, &options, outcome, args.output).await
    })
}

pub fn releases(args: &ReleasesArgs) -> anyhow::Result<ExitStatus> {
    let runtime = source::runtime()?;
    runtime.block_on(async {
        let (cluster, namespace) = connect(&args.cluster).await?;
        if let Some(name) = &args.name {
            let revisions = korral_apply::revisions(&cluster, name, &namespace)
                .await
                .map_err(engine_error)?;
            if revisions.is_empty() {
                return Err(engine_error(ApplyError::NoSet {
                    name: name.clone(),
                    namespace,
                }));
            }
            Printer::new(None).emit(|out| match args.output {
                ReportFormat::Json => Printer::data(out, &revisions, false),
                ReportFormat::Yaml => Printer::data(out, &revisions, true),
                ReportFormat::Table => {
                    let mut table = Table::new();
                    table.load_style(presets::NOTHING);
                    table.set_header([
                        "REVISION",
                        "TIME",
                        "STATUS",
                        "OBJECTS",
                        "DIGEST",
                        "DESCRIPTION",
                    ]);
                    for r in &revisions {
                        table.add_row([
                            r.number.to_string(),
                            escape(&r.time).into_owned(),
                            r.status.to_string(),
                            r.objects.to_string(),
                            escape(r.digest.get(..19).unwrap_or(&r.digest)).into_owned(),
                            escape(&r.description).into_owned(),
                        ]);
                    }
                    writeln!(out, "{table}")?;
                    Ok(())
                }
            })?;
            return Ok(ExitStatus::Success);
        }
        let scope = (!args.all_namespaces).then_some(namespace.as_str());
        let sets = korral_apply::sets(&cluster, scope)
            .await
            .map_err(engine_error)?;
        Printer::new(None).emit(|out| match args.output {
            ReportFormat::Json => Printer::data(out, &sets, false),
            ReportFormat::Yaml => Printer::data(out, &sets, true),
            ReportFormat::Table => {
                if sets.is_empty() {
                    Printer::note(format_args!(
                        "no sets deployed with korral {}",
                        scope.map_or_else(
                            || "in any namespace".to_owned(),
                            |ns| format!("in namespace {ns}")
                        )
                    ));
                    return Ok(());
                }
                let mut table = Table::new();
                table.load_style(presets::NOTHING);
                table.set_header([
                    "NAMESPACE",
                    "NAME",
                    "REVISION",
                    "STATUS",
                    "UPDATED",
                    "OBJECTS",
                ]);
                for set in &sets {
                    let latest = set.latest.as_ref();
                    table.add_row([
                        escape(&set.namespace).into_owned(),
                        escape(&set.name).into_owned(),
                        latest.map_or_else(String::new, |r| r.number.to_string()),
                        latest.map_or_else(String::new, |r| r.status.to_string()),
                        latest.map_or_else(String::new, |r| escape(&r.time).into_owned()),
                        latest.map_or_else(String::new, |r| r.objects.to_string()),
                    ]);
                }
                writeln!(out, "{table}")?;
                Ok(())
            }
        })?;
        Ok(ExitStatus::Success)
    })
}

pub fn undeploy(args: &UndeployArgs) -> anyhow::Result<ExitStatus> {
    let runtime = source::runtime()?;
    runtime.block_on(async {
        let (mut cluster, namespace) = connect(&args.cluster).await?;
        let mut options = options(&args.name, &namespace);
        options.wait = args.wait;
        options.timeout = args.timeout;
        options.prune_crds = args.prune_crds;
        options.poll = Duration::from_millis(500);
        let mut progress = Lines::new(args.output != ReportFormat::Table);
        let outcome = korral_apply::undeploy(&mut cluster, &options, &mut progress)
            .await
            .map_err(engine_error)?;
        report(&outcome, args.output)
    })
}
