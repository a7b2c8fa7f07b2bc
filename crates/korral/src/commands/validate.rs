//! `korral validate`: every error and warning of a cluster.yaml, with its line and fix.

use std::io::Write;
use std::path::PathBuf;

use anyhow::anyhow;
use clap::ValueEnum;
use korral_cluster::{Diagnostic, LoadError, Severity};
use korral_core::terminal::escape;

use crate::commands::{ExitStatus, InputError};
use crate::printer::Printer;

/// Arguments of `korral validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The cluster.yaml to check.
    #[arg(value_name = "PATH", default_value = "cluster.yaml")]
    pub path: PathBuf,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ValidateFormat::Text)]
    pub output: ValidateFormat,

    /// Exit with status 1 on warnings too.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    /// `file:line:column: severity: field: message`, the fix below.
    Text,
    /// `{"file":…,"valid":…,"diagnostics":[…]}`.
    Json,
}

pub fn validate(args: &ValidateArgs) -> anyhow::Result<ExitStatus> {
    let contents = std::fs::read_to_string(&args.path).map_err(|source| {
        InputError(anyhow!(LoadError::Read {
            path: args.path.clone(),
            source
        }))
    })?;
    // Every problem at once: schema problems one after another, then the semantic ones.
    let diagnostics = korral_cluster::validate_text(&args.path.display().to_string(), &contents);
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let printer = Printer::new(None);
    printer.emit(|out| match args.output {
        ValidateFormat::Json => {
            let report = serde_json::json!({
                "file": args.path.display().to_string(),
                "valid": errors == 0,
                "errors": errors,
                "warnings": warnings,
                "diagnostics": diagnostics,
            });
            Printer::data(out, &report, false)
        }
        ValidateFormat::Text => text(out, &diagnostics, &args.path, printer.color()),
    })?;
    Ok(if errors > 0 || (args.strict && warnings > 0) {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}

fn text(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    path: &std::path::Path,
    color: bool,
) -> anyhow::Result<()> {
    for diagnostic in diagnostics {
        let (style, word) = match diagnostic.severity {
            Severity::Error => (anstyle::AnsiColor::Red, "error"),
            Severity::Warning => (anstyle::AnsiColor::Yellow, "warning"),
        };
        let style = if color {
            style.on_default().bold()
        } else {
            anstyle::Style::new()
        };
        // Messages repeat values of the file: escaped, so that none can drive the terminal.
        write!(
            out,
            "{}:{}:{}: {}{word}{}: ",
            escape(&diagnostic.file),
            diagnostic.line,
            diagnostic.column,
            style.render(),
            style.render_reset()
        )?;
        if !diagnostic.path.is_empty() {
            write!(out, "{}: ", escape(&diagnostic.path))?;
        }
        writeln!(out, "{}", escape(&diagnostic.message))?;
        if !diagnostic.fix.is_empty() {
            writeln!(out, "  fix: {}", escape(&diagnostic.fix))?;
        }
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    if diagnostics.is_empty() {
        writeln!(out, "{}: valid", path.display())?;
    } else {
        writeln!(
            out,
            "{}: {errors} error{}, {warnings} warning{}",
            path.display(),
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}
