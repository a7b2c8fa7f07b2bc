//! `korral snapshot`.

use std::io::Write;

use korral_core::{Object, redact_secret};

use super::ExitStatus;
use crate::cli::{SnapshotArgs, SnapshotFormat, SourceArgs};
use crate::printer::Printer;
use crate::source::{self, Scope};

pub fn snapshot(args: &SnapshotArgs) -> anyhow::Result<ExitStatus> {
    let source = SourceArgs {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        request_timeout: args.request_timeout,
        ..SourceArgs::default()
    };
    let runtime = source::runtime()?;
    let set = runtime.block_on(async {
        let scope = args
            .namespace
            .as_deref()
            .map_or(Scope::All, Scope::Namespace);
        let (set, _) = source::live(&source, scope).await?;
        anyhow::Ok(set)
    })?;
    let mut objects: Vec<&Object> = set.objects().iter().collect();
    objects.sort_by_cached_key(|o| o.key());
    let redact = !args.include_secret_data;
    let to_stdout = args.out.as_os_str() == "-";
    Printer::new((!to_stdout).then(|| args.out.clone())).emit(|out| match args.output {
        SnapshotFormat::Json => write_json(&objects, redact, out),
        SnapshotFormat::Yaml => write_yaml(&objects, redact, out),
    })?;
    Printer::note(format_args!(
        "wrote {} objects to {}{}",
        objects.len(),
        if to_stdout {
            "standard output".to_owned()
        } else {
            args.out.display().to_string()
        },
        if args.include_secret_data {
            " (Secret values in clear)"
        } else {
            " (Secret values redacted)"
        }
    ));
    Ok(ExitStatus::Success)
}

fn is_secret(object: &Object) -> bool {
    object.group().is_empty() && object.kind() == "Secret"
}

/// Writes `{"apiVersion":"v1","kind":"List","items":[…]}`, one item per line, each
/// object's JSON as the server sent it (its `apiVersion` and `kind` filled in by the
/// list reader; Secrets redacted when asked).
fn write_json(objects: &[&Object], redact: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    writeln!(
        out,
        "{{\"apiVersion\": \"v1\", \"kind\": \"List\", \"metadata\": {{}}, \"items\": ["
    )?;
    for (index, object) in objects.iter().enumerate() {
        let separator = if index + 1 == objects.len() { "" } else { "," };
        if redact && is_secret(object) {
            let mut value = object.raw().to_value();
            redact_secret(&mut value);
            writeln!(out, "{}{separator}", serde_json::to_string(&value)?)?;
        } else {
            writeln!(out, "{}{separator}", object.raw().as_str())?;
        }
    }
    writeln!(out, "]}}")?;
    Ok(())
}

/// The same `kind: List` as one YAML document.
fn write_yaml(objects: &[&Object], redact: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let items: Vec<serde_json::Value> = objects
        .iter()
        .map(|object| {
            let mut value = object.raw().to_value();
            if redact && is_secret(object) {
                redact_secret(&mut value);
            }
            value
        })
        .collect();
    let list =
        serde_json::json!({"apiVersion": "v1", "kind": "List", "metadata": {}, "items": items});
    Printer::data(out, &list, true)
}
