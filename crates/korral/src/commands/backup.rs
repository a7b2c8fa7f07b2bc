//! `korral backup`: create, inspect and verify backups of cluster objects, and write
//! the CronJob that makes them inside the cluster.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, anyhow};
use clap::{Args, Subcommand};
use korral_backup::{
    BundleOptions, ClusterInfo, ListProgress, PublicKey, ScheduleOptions, Selection, Summary,
    Writer, check_folder, contents, file_name, prune, rfc3339, version_of,
};
use korral_bundle::{Error as BundleError, ExtractOptions, Limits};
use korral_core::terminal::Escaped;
use serde::Serialize;

use crate::cli::SourceArgs;
use crate::commands::bundle::{Bar, ReportFormat, human, print_report, signer};
use crate::commands::keys::{KeyringArgs, PassphraseArgs, input};
use crate::commands::{ExitStatus, InputError};
use crate::printer::Printer;
use crate::source::{self, Scope};

/// Arguments of `korral backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub keyring: KeyringArgs,

    #[command(subcommand)]
    pub command: BackupCommand,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run
pub enum BackupCommand {
    /// Save the objects of namespaces (or the whole cluster) in a signed, verifiable
    /// bundle.
    ///
    /// Every listable resource the selection covers is listed page by page (custom
    /// resources included; Events never) and written one file per object, as the API
    /// returned it, under `resources/<group>/<kind>/<namespace>/<name>.yaml`, with a
    /// `summary.yaml`. A backup of namespaces also holds those Namespace objects and
    /// the CRDs of the custom resources in them, so it restores into an empty cluster.
    /// The file is a korral bundle: `korral bundle verify` checks it.
    ///
    /// Secrets are kept: without --encrypt-to their values are in the file in clear;
    /// with it, each Secret is an OpenPGP message to the given keys.
    ///
    /// Examples:
    ///
    ///   korral backup create --out shop.tar.zst -n shop --encrypt-to backups@example.com
    ///
    ///   korral backup create -A --to-dir /var/backups/k8s --keep 7 --sign-with ops@example.com
    #[command(verbatim_doc_comment)]
    Create(CreateArgs),
    /// Show what a backup holds, per namespace and kind, and how it was made.
    ///
    /// Reads the manifest and the summary; hashes nothing (`verify` does).
    ///
    /// Example: korral backup inspect shop.tar.zst
    #[command(verbatim_doc_comment)]
    Inspect(InspectArgs),
    /// Verify a backup: the bundle (digests, signature), then every object file parses
    /// as the Kubernetes object its path names.
    ///
    /// Exit status 0 when all is well, 1 on any problem (each named), 2 when the file
    /// cannot be read.
    ///
    /// Example: korral backup verify shop.tar.zst --require-signature
    #[command(verbatim_doc_comment)]
    Verify(VerifyArgs),
    /// Write the manifests of backups made inside the cluster, on a schedule: a
    /// CronJob that runs `korral backup create --to-dir /backups --keep N` into a
    /// PersistentVolumeClaim, with its Namespace, ServiceAccount and read-only RBAC.
    ///
    /// Nothing is applied: deploy the file with `korral deploy` or `kubectl apply`.
    /// The ServiceAccount may get and list every resource (Secrets included) of the
    /// namespaces backed up (-n, by RoleBindings there) or of the whole cluster (-A).
    /// With --encrypt-to, the public keys travel in a ConfigMap mounted as the
    /// container's keyring. The schedule is in UTC.
    ///
    /// Examples:
    ///
    ///   korral backup schedule nightly --schedule "15 2 * * *" -A --keep 7 \
    ///     --encrypt-to backups@example.com --out backup-schedule.yaml
    ///   korral deploy nightly -n korral-backup -f backup-schedule.yaml
    ///
    ///   korral backup schedule shop --schedule @hourly -n shop --storage 5Gi | kubectl apply -f -
    #[command(verbatim_doc_comment)]
    Schedule(ScheduleArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The file to write, whole or not at all (a tar.zst bundle).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "to_dir",
        conflicts_with = "to_dir"
    )]
    pub out: Option<PathBuf>,
    /// Write into this folder, the file named by context and time
    /// (`backup-<context>-20261206T161500Z.tar.zst`), for scheduled backups.
    #[arg(long, value_name = "DIR")]
    pub to_dir: Option<PathBuf>,
    /// With --to-dir: keep the newest N backups of this context, delete older ones
    /// (only files named as korral names them). Default: delete none.
    #[arg(long, value_name = "N", requires = "to_dir", value_parser = clap::value_parser!(u32).range(1..))]
    pub keep: Option<u32>,
    /// Back up these namespaces. Repeatable, or comma-separated. Default: the
    /// context's namespace.
    #[arg(
        short,
        long = "namespace",
        value_name = "NS",
        value_delimiter = ',',
        conflicts_with = "all_namespaces"
    )]
    pub namespaces: Vec<String>,
    /// Back up every namespace and the cluster-scoped resources.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Only objects matching this label selector (kubectl's `-l`).
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Only these kinds (`Deployment`, `deployments.apps`), comma-separated.
    #[arg(long, value_name = "KIND,…", value_delimiter = ',')]
    pub include_kinds: Vec<String>,
    /// Not these kinds.
    #[arg(long, value_name = "KIND,…", value_delimiter = ',')]
    pub exclude_kinds: Vec<String>,
    /// Sign the bundle's manifest with this secret key (fingerprint, key id, or part of
    /// its user id).
    #[arg(long, value_name = "KEY")]
    pub sign_with: Option<String>,
    /// Encrypt each Secret to this key (repeatable: any one of them decrypts). The
    /// public key is enough; `korral keys import` it.
    #[arg(long, value_name = "KEY")]
    pub encrypt_to: Vec<String>,
    #[command(flatten)]
    pub passphrase: PassphraseArgs,
    /// The kubeconfig to use (else `KUBECONFIG`, else ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// How long one request to the API server may take: `30s`, `2m`, or `0` for no
    /// limit.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = request_timeout)]
    pub request_timeout: Duration,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The backup.
    pub file: PathBuf,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The backup.
    pub file: PathBuf,
    /// Fail unless the bundle is signed by a trusted key.
    #[arg(long)]
    pub require_signature: bool,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["namespaces", "all_namespaces"]))]
pub struct ScheduleArgs {
    /// The CronJob's name, also its ServiceAccount's and volume claim's: lowercase
    /// letters, digits and `-`, at most 52.
    pub name: String,
    /// When to back up, in UTC: five cron fields (minute hour day-of-month month
    /// day-of-week, `15 2 * * *`) or `@hourly`, `@daily`, `@weekly`, `@monthly`.
    #[arg(long, value_name = "CRON")]
    pub schedule: String,
    /// Back up these namespaces (repeatable, or comma-separated): the ServiceAccount
    /// reads only there, and Namespaces and CRDs cluster-wide.
    #[arg(
        short = 'n',
        long = "backup-namespace",
        value_name = "NS",
        value_delimiter = ','
    )]
    pub namespaces: Vec<String>,
    /// Back up every namespace and the cluster-scoped resources.
    #[arg(short = 'A', long, conflicts_with = "namespaces")]
    pub all_namespaces: bool,
    /// Keep the newest N backups on the volume, delete older ones.
    #[arg(long, value_name = "N", default_value_t = korral_backup::DEFAULT_KEEP, value_parser = clap::value_parser!(u32).range(1..))]
    pub keep: u32,
    /// The korral image to run (default: ghcr.io/korral-dev/korral at this version).
    /// `korral` must be on its PATH.
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// The size of the volume claim for the backups (a quantity: `10Gi`, `500M`).
    #[arg(long, value_name = "SIZE", default_value = korral_backup::DEFAULT_STORAGE)]
    pub storage: String,
    /// The volume claim's StorageClass (default: the cluster's default class).
    #[arg(long, value_name = "CLASS")]
    pub storage_class: Option<String>,
    /// Encrypt each Secret to this key (repeatable): its public part, exported from the
    /// keyring, goes into a ConfigMap the container reads as its keyring.
    #[arg(long, value_name = "KEY")]
    pub encrypt_to: Vec<String>,
    /// The namespace the CronJob, its ServiceAccount, volume claim and keys live in
    /// (created by the manifests).
    #[arg(long = "namespace", value_name = "WHERE", default_value = korral_backup::DEFAULT_NAMESPACE)]
    pub home: String,
    /// Write to this file (whole or not at all) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

fn request_timeout(text: &str) -> Result<Duration, String> {
    korral_kube::Limits::parse_timeout(text).map(Option::unwrap_or_default)
}

pub fn backup(args: &BackupArgs) -> anyhow::Result<ExitStatus> {
    match &args.command {
        BackupCommand::Create(create) => create_backup(args, create),
        BackupCommand::Inspect(inspect) => inspect_backup(args, inspect),
        BackupCommand::Verify(verify) => verify_backup(args, verify),
        BackupCommand::Schedule(schedule) => schedule_backups(args, schedule),
    }
}

/// A library error as an input error when it is about the input, escaped.
fn backup_error(err: korral_backup::Error) -> anyhow::Error {
    match err {
        korral_backup::Error::Bundle(err) => input(err),
        korral_backup::Error::Input(message) => {
            InputError(anyhow!("{}", korral_core::terminal::escape(&message))).into()
        }
        korral_backup::Error::Kube(err) => err.into(),
        other => anyhow!("{}", korral_core::terminal::escape(&other.to_string())),
    }
}

fn create_backup(args: &BackupArgs, create: &CreateArgs) -> anyhow::Result<ExitStatus> {
    let keyring = args.keyring.open()?;
    let recipients = if create.encrypt_to.is_empty() {
        None
    } else {
        Some(keyring.recipients(&create.encrypt_to).map_err(input)?)
    };
    // Asked before the listing, which may be long: a prompt should not wait for it.
    let (signer, creator) = signer(&keyring, create.sign_with.as_deref(), &create.passphrase)?;
    let source = SourceArgs {
        kubeconfig: create.kubeconfig.clone(),
        context: create.context.clone(),
        request_timeout: create.request_timeout,
        ..SourceArgs::default()
    };
    let time = jiff::Timestamp::now();
    let version = version_of(time);
    let runtime = source::runtime()?;
    let scope = if create.all_namespaces || !create.namespaces.is_empty() {
        Scope::All
    } else {
        Scope::ContextDefault
    };
    let live = runtime.block_on(source::connect(&source, scope))?;
    for warning in &live.discovery.warnings {
        Printer::warn(korral_core::terminal::escape(warning));
    }
    let selection = selection_of(create, &live)?;
    let context = live.client.context().to_owned();
    let output = match (&create.out, &create.to_dir) {
        (Some(out), _) => out.clone(),
        (None, Some(dir)) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
            dir.join(file_name(&context, &version))
        }
        (None, None) => unreachable!("clap requires --out or --to-dir"),
    };
    // The objects are written beside the output, not in /tmp: a backup can be large.
    let parent = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let temp = tempfile::Builder::new()
        .prefix(".korral-backup-")
        .tempdir_in(parent)
        .with_context(|| format!("cannot write in `{}`", parent.display()))?;
    let server_version = runtime
        .block_on(live.client.server_version())
        .map(|v| v.to_string())
        .unwrap_or_default();
    let cluster = ClusterInfo {
        context: context.clone(),
        server: live.client.server().to_owned(),
        server_version,
    };
    let mut writer = Writer::new(temp.path().join("backup"), recipients);
    let progress = KindProgress::new();
    let warnings = runtime
        .block_on(korral_backup::collect(
            &live.client,
            &live.discovery.resources,
            &selection,
            &mut writer,
            &progress,
        ))
        .map_err(backup_error)?;
    progress.finish();
    for warning in &warnings {
        Printer::warn(korral_core::terminal::escape(warning));
    }
    let summary = writer.summary(&cluster, &selection, &rfc3339(time), warnings);
    let bundle = BundleOptions {
        output: output.clone(),
        version,
        creator,
        signer: signer.as_ref(),
    };
    let manifest = korral_backup::write_bundle(&writer, &summary, &bundle, &Bar::new())
        .map_err(backup_error)?;
    drop(temp);
    report_created(&output, &summary, manifest.total_size(), signer.is_some());
    if let (Some(dir), Some(keep)) = (&create.to_dir, create.keep) {
        for deleted in prune(dir, &context, keep as usize).map_err(backup_error)? {
            Printer::note(format_args!(
                "deleted {} (keeping the newest {keep})",
                Escaped(&deleted.display().to_string())
            ));
        }
    }
    Ok(ExitStatus::Success)
}

/// What `create`'s flags select, checked against what the server serves: a kind it
/// does not serve is an input error, not an empty backup.
fn selection_of(create: &CreateArgs, live: &source::Live) -> anyhow::Result<Selection> {
    let namespaces = if create.all_namespaces {
        None
    } else if create.namespaces.is_empty() {
        live.namespace.clone().map(|ns| vec![ns])
    } else {
        Some(create.namespaces.clone())
    };
    let selection = Selection {
        namespaces,
        label_selector: create.selector.clone(),
        include_kinds: create.include_kinds.clone(),
        exclude_kinds: create.exclude_kinds.clone(),
    };
    let unknown = selection.unknown_kinds(&live.discovery.resources);
    if !unknown.is_empty() {
        return Err(InputError(anyhow!(
            "the server serves no kind named {}; `kubectl api-resources` lists what it serves",
            unknown
                .iter()
                .map(|k| format!("`{}`", korral_core::terminal::escape(k)))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into());
    }
    Ok(selection)
}

/// What `create` says when done: the file, what it holds, and what it does not.
fn report_created(output: &Path, summary: &Summary, size: u64, signed: bool) {
    for left in &summary.left_out {
        Printer::warn(format_args!(
            "left out {} {}{}: {}",
            Escaped(&left.kind),
            left.namespace
                .as_deref()
                .map(|n| format!("{}/", Escaped(n)))
                .unwrap_or_default(),
            Escaped(&left.name),
            left.reason
        ));
    }
    if summary.left_out_more > 0 {
        Printer::warn(format_args!(
            "and {} more objects left out",
            summary.left_out_more
        ));
    }
    let secrets = &summary.secrets;
    if secrets.count > 0 && !secrets.encrypted {
        Printer::warn(format_args!(
            "{} holds the values of {} Secret{} in clear; keep it as safe as the cluster, or pass --encrypt-to KEY",
            Escaped(&output.display().to_string()),
            secrets.count,
            if secrets.count == 1 { "" } else { "s" }
        ));
    }
    Printer::note(format_args!(
        "wrote {} ({} objects of {} kinds, {}{}){}",
        Escaped(&output.display().to_string()),
        summary.objects,
        summary.counts.len(),
        human(size),
        if secrets.encrypted && secrets.count > 0 {
            format!(
                ", {} Secret{} encrypted",
                secrets.count,
                if secrets.count == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        },
        if signed { ", signed" } else { ", unsigned" }
    ));
}

fn schedule_backups(args: &BackupArgs, schedule: &ScheduleArgs) -> anyhow::Result<ExitStatus> {
    let mut encrypt_to: Vec<PublicKey> = Vec::new();
    if !schedule.encrypt_to.is_empty() {
        let keyring = args.keyring.open()?;
        // Refuses a key that cannot encrypt (none, expired, revoked) now, not at 02:15.
        keyring.recipients(&schedule.encrypt_to).map_err(input)?;
        for query in &schedule.encrypt_to {
            let key = keyring.find(query).map_err(input)?;
            if encrypt_to.iter().any(|k| k.fingerprint == key.fingerprint) {
                continue;
            }
            encrypt_to.push(PublicKey {
                armoured: keyring.export_public(&key.fingerprint).map_err(input)?,
                fingerprint: key.fingerprint,
            });
        }
    }
    let options = ScheduleOptions {
        name: schedule.name.clone(),
        schedule: schedule.schedule.clone(),
        namespaces: (!schedule.all_namespaces).then(|| schedule.namespaces.clone()),
        keep: schedule.keep,
        image: schedule
            .image
            .clone()
            .unwrap_or_else(korral_backup::default_image),
        storage: schedule.storage.clone(),
        storage_class: schedule.storage_class.clone(),
        encrypt_to,
        namespace: schedule.home.clone(),
    };
    let objects = korral_backup::schedule_manifests(&options).map_err(backup_error)?;
    let yaml = korral_backup::to_yaml(&objects).map_err(backup_error)?;
    Printer::new(schedule.out.clone()).emit(|out| Ok(out.write_all(yaml.as_bytes())?))?;
    if options.encrypt_to.is_empty() {
        Printer::warn(format_args!(
            "the backups will hold Secret values in clear on the volume; pass --encrypt-to KEY to encrypt them"
        ));
    }
    if let Some(out) = &schedule.out {
        Printer::note(format_args!(
            "wrote {}; apply it with `korral deploy {} -n {} -f {}`",
            Escaped(&out.display().to_string()),
            options.name,
            options.namespace,
            Escaped(&out.display().to_string()),
        ));
    }
    Ok(ExitStatus::Success)
}

/// `inspect -o json|yaml`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Inspected {
    file: String,
    created: String,
    creator: String,
    signature: korral_bundle::SignatureCheck,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<Summary>,
    contents: Vec<Tally>,
}

#[derive(Serialize)]
struct Tally {
    namespace: String,
    kind: String,
    count: u64,
}

/// The most a summary may be (a thousand left-out objects fit well within).
const MAX_SUMMARY: u64 = 16 << 20;

fn inspect_backup(args: &BackupArgs, inspect: &InspectArgs) -> anyhow::Result<ExitStatus> {
    let keyring = args.keyring.open()?;
    let limits = Limits::default();
    let inspection = korral_bundle::inspect(&inspect.file, &keyring, &limits).map_err(input)?;
    let summary =
        korral_bundle::read_entry(&inspect.file, korral_backup::SUMMARY, MAX_SUMMARY, &limits)
            .map_err(input)?
            .and_then(|data| {
                serde_saphyr::from_str::<Summary>(&String::from_utf8_lossy(&data)).ok()
            });
    if summary.is_none() {
        Printer::warn(format_args!(
            "{} has no readable `{}`: it may not be a korral backup",
            Escaped(&inspect.file.display().to_string()),
            korral_backup::SUMMARY
        ));
    }
    let counts = contents(inspection.manifest.entries.iter().map(|e| e.path.as_str()));
    let inspected = Inspected {
        file: inspect.file.display().to_string(),
        created: inspection.manifest.metadata.created.clone(),
        creator: inspection.manifest.metadata.creator.clone(),
        signature: inspection.signature.clone(),
        summary,
        contents: counts
            .into_iter()
            .map(|((namespace, kind), count)| Tally {
                namespace,
                kind,
                count,
            })
            .collect(),
    };
    Printer::new(None).emit(|out| match inspect.output {
        ReportFormat::Json => Printer::data(out, &inspected, false),
        ReportFormat::Yaml => Printer::data(out, &inspected, true),
        ReportFormat::Table => write_inspection(out, &inspected),
    })?;
    Ok(ExitStatus::Success)
}

/// The inspection for people; everything from the file is escaped.
fn write_inspection(out: &mut dyn Write, inspected: &Inspected) -> anyhow::Result<()> {
    if let Some(summary) = &inspected.summary {
        writeln!(
            out,
            "cluster     {} at {} ({})",
            Escaped(&summary.context),
            Escaped(&summary.server),
            Escaped(&summary.server_version)
        )?;
        writeln!(out, "time        {}", Escaped(&summary.time))?;
        let namespaces = if summary.all_namespaces {
            "all".to_owned()
        } else {
            summary
                .namespaces
                .iter()
                .map(|n| Escaped(n).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(out, "namespaces  {namespaces}")?;
        if let Some(selector) = &summary.label_selector {
            writeln!(out, "selector    {}", Escaped(selector))?;
        }
        writeln!(out, "objects     {}", summary.objects)?;
        let secrets = &summary.secrets;
        writeln!(
            out,
            "secrets     {}{}",
            secrets.count,
            if secrets.encrypted {
                format!(
                    ", encrypted to {}",
                    secrets
                        .recipients
                        .iter()
                        .map(|f| Escaped(f).to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else if secrets.count > 0 {
                ", in clear".to_owned()
            } else {
                String::new()
            }
        )?;
        let left_out = summary.left_out.len() as u64 + summary.left_out_more;
        if left_out > 0 {
            writeln!(out, "left out    {left_out} objects (unsafe names)")?;
        }
        for resource in &summary.resources_left_out {
            writeln!(out, "not listed  {}", Escaped(resource))?;
        }
    }
    writeln!(
        out,
        "created     {} by {}",
        Escaped(&inspected.created),
        Escaped(&inspected.creator)
    )?;
    writeln!(
        out,
        "signature   {}",
        Escaped(&inspected.signature.describe())
    )?;
    writeln!(out)?;
    let width = inspected
        .contents
        .iter()
        .map(|c| c.namespace.len())
        .max()
        .unwrap_or(0)
        .max("NAMESPACE".len());
    let kind_width = inspected
        .contents
        .iter()
        .map(|c| c.kind.len())
        .max()
        .unwrap_or(0)
        .max("KIND".len());
    writeln!(out, "{:width$}  {:kind_width$}  COUNT", "NAMESPACE", "KIND")?;
    for count in &inspected.contents {
        writeln!(
            out,
            "{:width$}  {:kind_width$}  {}",
            Escaped(&count.namespace).to_string(),
            Escaped(&count.kind).to_string(),
            count.count
        )?;
    }
    Ok(())
}

fn verify_backup(args: &BackupArgs, verify: &VerifyArgs) -> anyhow::Result<ExitStatus> {
    let keyring = args.keyring.open()?;
    let file = Escaped(&verify.file.display().to_string()).to_string();
    let temp = tempfile::Builder::new()
        .prefix(".korral-backup-verify-")
        .tempdir()
        .context("cannot make a temporary folder")?;
    let to = temp.path().join("backup");
    let options = ExtractOptions {
        to: to.clone(),
        limits: Limits::default(),
        require_signature: verify.require_signature,
        insecure_skip_verify: false,
    };
    match korral_bundle::extract(&verify.file, &keyring, &options, &Bar::new()) {
        Ok(report) => {
            if let Some(report) = &report {
                print_report(report, ReportFormat::Table)?;
            }
        }
        Err(BundleError::Verification(report)) => {
            print_report(&report, ReportFormat::Table)?;
            Printer::warn(format_args!("{file} failed bundle verification"));
            return Ok(ExitStatus::Findings);
        }
        Err(
            err @ (BundleError::Unsafe { .. } | BundleError::Archive(_) | BundleError::Limit(_)),
        ) => {
            Printer::warn(format_args!("{file}: {}", Escaped(&err.to_string())));
            return Ok(ExitStatus::Findings);
        }
        Err(err) => return Err(input(err)),
    }
    let checked = check_folder(&to).map_err(backup_error)?;
    Printer::new(None).emit(|out| {
        for problem in &checked.problems {
            writeln!(out, "object     {}", Escaped(problem))?;
        }
        writeln!(
            out,
            "objects    {} parse{}",
            checked.objects,
            if checked.encrypted > 0 {
                format!(
                    " ({} encrypted Secrets, as OpenPGP messages)",
                    checked.encrypted
                )
            } else {
                String::new()
            }
        )?;
        if checked.problems.is_empty() {
            writeln!(out, "backup     VERIFIED")?;
        } else {
            writeln!(
                out,
                "backup     FAILED ({} problems)",
                checked.problems.len()
            )?;
        }
        Ok(())
    })?;
    Ok(if checked.problems.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Findings
    })
}

/// Progress per kind on standard error: a line that counts the kind being listed, on
/// a terminal only; elsewhere nothing until the summary line.
struct KindProgress {
    bar: Option<indicatif::ProgressBar>,
    state: Mutex<(String, u64, u64)>,
}

impl KindProgress {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stderr(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg}") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Self {
            bar,
            state: Mutex::new((String::new(), 0, 0)),
        }
    }

    fn draw(&self) {
        if let (Some(bar), Ok(state)) = (&self.bar, self.state.lock()) {
            bar.set_message(format!(
                "listing {}: {} objects ({} in all)",
                state.0, state.1, state.2
            ));
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl ListProgress for KindProgress {
    fn resource(&self, resource: &str) {
        if let Ok(mut state) = self.state.lock() {
            resource.clone_into(&mut state.0);
            state.1 = 0;
        }
        self.draw();
    }

    fn objects(&self, count: u64) {
        if let Ok(mut state) = self.state.lock() {
            state.1 += count;
            state.2 += count;
        }
        self.draw();
    }

    fn resource_done(&self, resource: &str, count: u64) {
        if let Some(bar) = &self.bar
            && count > 0
        {
            bar.println(format!("  {resource}: {count}"));
        }
    }
}
