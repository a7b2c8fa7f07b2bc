//! `korral generate`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use korral_cluster::generate::{self, Options, Plan, STATE_FILE};
use korral_cluster::{LoadError, Severity, has_errors, load, validate, validate_text};

use crate::commands::{ExitStatus, InputError};
use crate::printer::Printer;

/// Arguments of `korral generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The cluster.yaml to generate from.
    #[arg(value_name = "PATH", default_value = "cluster.yaml")]
    pub path: PathBuf,

    /// The folder to write to [default: `generated/` beside cluster.yaml].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Print what would change as a unified diff against the files on disk; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Overwrite files edited by hand since the last generate, and delete those no longer
    /// generated.
    #[arg(long)]
    pub force: bool,
}

pub fn generate(args: &GenerateArgs) -> anyhow::Result<ExitStatus> {
    let loaded = match load(&args.path) {
        Ok(loaded) => loaded,
        Err(err @ LoadError::Read { .. }) => return Err(InputError(anyhow!(err)).into()),
        Err(LoadError::Invalid(_)) => {
            // Every problem of the file, not only the first the parser met.
            let text = std::fs::read_to_string(&args.path)?;
            let found = validate_text(&args.path.display().to_string(), &text);
            let list: Vec<String> = found.iter().map(ToString::to_string).collect();
            return Err(InputError(anyhow!(
                "{}\nfix {} and run korral generate again",
                list.join("\n"),
                if found.len() == 1 { "it" } else { "them" }
            ))
            .into());
        }
    };
    let diagnostics = validate(&loaded);
    // Each diagnostic says its own severity: `file:line:column: error: …` and the fix.
    for diagnostic in &diagnostics {
        let _ = writeln!(anstream::stderr(), "{diagnostic}");
    }
    if has_errors(&diagnostics) {
        let errors = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        return Err(InputError(anyhow!(
            "`{}` has {errors} error{}: fix {} and run korral generate again",
            args.path.display(),
            if errors == 1 { "" } else { "s" },
            if errors == 1 { "it" } else { "them" },
        ))
        .into());
    }

    let base_dir = absolute(args.path.parent().unwrap_or(Path::new("")))?;
    let out = match &args.out {
        Some(out) => out.clone(),
        None => args
            .path
            .parent()
            .unwrap_or(Path::new(""))
            .join("generated"),
    };
    let tree = generate::generate(&loaded.cluster, &Options { base_dir })
        .map_err(|err| InputError(err.into()))?;
    let plan = Plan::new(&tree, &out)?;
    if !plan.ignored.is_empty() {
        // These came from a file anyone with commit access can write: shown escaped.
        let ignored: Vec<String> = plan
            .ignored
            .iter()
            .map(|path| format!("`{}`", korral_core::terminal::escape(path)))
            .collect();
        Printer::warn(format!(
            "ignored {} of {} that {} not inside `{}`: {}; korral never reads or deletes files outside its output folder",
            plural(ignored.len(), "path"),
            out.join(STATE_FILE).display(),
            if ignored.len() == 1 { "is" } else { "are" },
            out.display(),
            ignored.join(", ")
        ));
    }
    let kept: Vec<&str> = plan
        .hand_edited()
        .map(|entry| entry.path.as_str())
        .collect();

    if args.dry_run {
        let printer = Printer::new(None);
        let color = printer.color();
        let diff = plan.diff(args.force);
        printer.emit(|out| write_diff(out, &diff, color))?;
        if !args.force && !kept.is_empty() {
            Printer::note(format!(
                "{} edited by hand would be kept: {}; add --force to overwrite",
                files(kept.len()),
                kept.join(", ")
            ));
        }
        if !plan.has_changes(args.force) {
            Printer::note(format!("`{}` is up to date", out.display()));
        }
        return Ok(ExitStatus::Success);
    }

    let report = plan.write(args.force)?;
    Printer::note(format!(
        "{} written to `{}` ({} unchanged, {} deleted)",
        files(report.written.len()),
        out.display(),
        report.unchanged,
        report.deleted.len()
    ));
    if !report.kept.is_empty() {
        Printer::warn(format!(
            "kept {} edited by hand since the last generate: {}. `korral generate --dry-run --force` shows what korral would write; `--force` overwrites (hashes of korral's versions are in {})",
            files(report.kept.len()),
            report.kept.join(", "),
            out.join(STATE_FILE).display()
        ));
    }
    Ok(ExitStatus::Success)
}

fn files(count: usize) -> String {
    plural(count, "file")
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("1 {word}")
    } else {
        format!("{count} {word}s")
    }
}

fn absolute(dir: &Path) -> anyhow::Result<PathBuf> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    Ok(std::path::absolute(dir)?)
}

/// A unified diff, coloured as git colours it when `color`.
fn write_diff(out: &mut dyn Write, diff: &str, color: bool) -> anyhow::Result<()> {
    for line in diff.lines() {
        match diff_style(line).filter(|_| color) {
            Some(style) => writeln!(out, "{}{line}{}", style.render(), style.render_reset())?,
            None => writeln!(out, "{line}")?,
        }
    }
    Ok(())
}

fn diff_style(line: &str) -> Option<anstyle::Style> {
    use anstyle::AnsiColor;
    if line.starts_with("+++") || line.starts_with("---") {
        Some(anstyle::Style::new().bold())
    } else if line.starts_with('+') {
        Some(AnsiColor::Green.on_default())
    } else if line.starts_with('-') {
        Some(AnsiColor::Red.on_default())
    } else if line.starts_with("@@") {
        Some(AnsiColor::Cyan.on_default())
    } else {
        None
    }
}
