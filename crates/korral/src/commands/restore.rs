//! `korral restore`: a backup put back through the apply engine.

use std::cell::RefCell;
use std::path::Path;

use anyhow::anyhow;
use korral_apply::{Event, Existing, Progress, PutOptions, PutResult};
use korral_backup::{RestoreSelection, Skipped, parse_mapping, prepare, read_backup};
use korral_core::terminal::escape;
use serde::Serialize;

use super::deploy::{connect, verify_and_extract};
use super::{ExitStatus, InputError};
use crate::cli::{ClusterArgs, ExistingArg, ReportFormat, RestoreArgs};
use crate::printer::Printer;
use crate::source;

/// The restore's report: each object's result, and what was left out.
#[derive(Debug, Serialize)]
struct Report {
    file: String,
    dry_run: bool,
    objects: Vec<korral_apply::Put>,
    left_out: Vec<Skipped>,
    /// Restored objects that did not get ready (with --wait).
    not_ready: Vec<korral_apply::Failure>,
    /// API requests sent (discovery not counted).
    requests: u64,
}

/// Progress lines on standard error.
struct Lines {
    quiet: bool,
}

impl Progress for Lines {
    fn event(&mut self, event: Event) {
        if self.quiet {
            return;
        }
        match event {
            Event::Note(text) => Printer::note(text),
            Event::Failing { id, message } => {
                Printer::note(format_args!("failing {id}: {message}"));
            }
            Event::Ready { id } => Printer::note(format_args!("ready {id}")),
            _ => {}
        }
    }
}

pub fn restore(args: &RestoreArgs) -> anyhow::Result<ExitStatus> {
    let mapping = parse_mapping(args.namespace_mapping.as_deref().unwrap_or_default())
        .map_err(|e| InputError(anyhow!("--namespace-mapping: {e}")))?;
    let selection = RestoreSelection {
        namespaces: args.namespaces.clone(),
        include_kinds: args.include_kinds.clone(),
        exclude_kinds: args.exclude_kinds.clone(),
        namespace_mapping: mapping,
        keep_cluster_ips: args.keep_cluster_ips,
    };
    // Verified before anything is read, let alone written.
    let keyring = args.keyring.open()?;
    let unpacked = tempfile::tempdir()?;
    let dir = unpacked.path().join("backup");
    verify_and_extract(
        &args.file,
        &keyring,
        args.require_signature,
        &dir,
        "restored",
    )?;
    let passphrase: RefCell<Option<String>> = RefCell::new(None);
    let decrypt = |path: &Path, data: &[u8]| -> Result<Vec<u8>, String> {
        // An unprotected key needs no passphrase; ask once, when one is needed.
        if passphrase.borrow().is_none()
            && let Ok(text) = keyring.decrypt(data, "")
        {
            return Ok(text);
        }
        if passphrase.borrow().is_none() {
            let read = args
                .passphrase
                .read(
                    &format!("the key {} was encrypted to", path.display()),
                    false,
                )
                .map_err(|e| e.to_string())?;
            *passphrase.borrow_mut() = Some(read);
        }
        let given = passphrase.borrow().clone().unwrap_or_default();
        keyring.decrypt(data, &given).map_err(|e| e.to_string())
    };
    let objects = read_backup(&dir, &decrypt).map_err(|e| InputError(anyhow!("{e}")))?;
    let (objects, left_out) = prepare(objects, &selection);
    if objects.is_empty() {
        return Err(InputError(anyhow!(
            "nothing to restore from {}: {} objects left out (see -o json for why); check -n and --include-kinds",
            escape(&args.file.display().to_string()),
            left_out.len()
        ))
        .into());
    }
    let options = PutOptions {
        field_manager: "korral-restore".to_owned(),
        existing: match args.existing {
            ExistingArg::Skip => Existing::Skip,
            ExistingArg::Update => Existing::Update,
        },
        dry_run: args.dry_run,
        wait: args.wait,
        timeout: args.timeout,
    };
    let runtime = source::runtime()?;
    let (objects, not_ready, requests) = runtime.block_on(async {
        let (mut cluster, _) = connect(&ClusterArgs {
            namespace: None,
            kubeconfig: args.kubeconfig.clone(),
            context: args.context.clone(),
            request_timeout: args.request_timeout,
        })
        .await?;
        let mut progress = Lines {
            quiet: args.output != ReportFormat::Table,
        };
        let (objects, not_ready) =
            korral_apply::put_all(&mut cluster, objects, &options, &mut progress).await?;
        anyhow::Ok((objects, not_ready, cluster.requests()))
    })?;
    let report = Report {
        file: args.file.display().to_string(),
        dry_run: args.dry_run,
        objects,
        left_out,
        not_ready,
        requests,
    };
    Printer::new(None).emit(|out| match args.output {
        ReportFormat::Json => Printer::data(out, &report, false),
        ReportFormat::Yaml => Printer::data(out, &report, true),
        ReportFormat::Table => write_report(&report, out),
    })?;
    let failed = report
        .objects
        .iter()
        .any(|o| matches!(o.result, PutResult::Failed(_)))
        || !report.not_ready.is_empty();
    Ok(if failed {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}

fn write_report(report: &Report, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let count = |f: fn(&PutResult) -> bool| report.objects.iter().filter(|o| f(&o.result)).count();
    for object in &report.objects {
        if let PutResult::Failed(why) = &object.result {
            writeln!(out, "failed {}: {}", object.id, escape(why))?;
        }
    }
    for failure in &report.not_ready {
        writeln!(
            out,
            "not ready {}: {}",
            failure.id,
            escape(&failure.message)
        )?;
    }
    writeln!(
        out,
        "{}{} created, {} updated, {} skipped (exist), {} failed; {} left out of the backup's objects",
        if report.dry_run { "dry run: " } else { "" },
        count(|r| *r == PutResult::Created),
        count(|r| *r == PutResult::Updated),
        count(|r| *r == PutResult::SkippedExists),
        count(|r| matches!(r, PutResult::Failed(_))),
        report.left_out.len()
    )?;
    Ok(())
}
