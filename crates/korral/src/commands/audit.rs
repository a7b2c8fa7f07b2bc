//! `korral audit`.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;

use anstyle::{AnsiColor, Style};
use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use korral_audit::{
    Baseline, Config, Finding, Options, Report, Severity, Standard, audit as run_audit,
    parse_kube_version,
};
use korral_core::terminal::escape;
use korral_core::{ObjectSet, Warning};

use super::{ExitStatus, InputError};
use crate::cli::SourceArgs;
use crate::printer::Printer;
use crate::source::{self, Scope};

/// Arguments of `korral audit`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,

    #[command(flatten)]
    pub source: SourceArgs,

    /// Read the live cluster (the default without -f).
    #[arg(long, conflicts_with = "files")]
    pub live: bool,

    /// Only objects of this namespace (cluster-scoped objects are left out).
    #[arg(short, long, value_name = "NS", conflicts_with = "all_namespaces")]
    pub namespace: Option<String>,

    /// Every namespace (the default).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// Only the rules of these standards (comma-separated or repeated): pss-baseline,
    /// pss-restricted (baseline included), nsa, cis, best-practice, all.
    #[arg(
        long,
        value_name = "STD,…",
        value_delimiter = ',',
        default_value = "all"
    )]
    pub standard: Vec<StandardArg>,

    /// Only these rules, by code or name (comma-separated or repeated):
    /// `--rule PSB003,image-tag`.
    #[arg(long = "rule", value_name = "RULE,…", value_delimiter = ',')]
    pub rules: Vec<String>,

    /// Leave these rules out, by code or name, as `disable` in the config file does.
    #[arg(long = "skip-rule", value_name = "RULE,…", value_delimiter = ',')]
    pub skip_rules: Vec<String>,

    /// Only findings at or above this severity.
    #[arg(long, value_enum, value_name = "S", default_value_t = SeverityArg::Info)]
    pub min_severity: SeverityArg,

    /// Exit with status 1 when a finding at or above this severity is reported
    /// (`none`: never).
    #[arg(long, value_name = "S", default_value = "info")]
    pub fail_on: FailOn,

    /// The Kubernetes version to judge API deprecations against (`1.29`). Default:
    /// the live cluster's version, else the newest version korral knows.
    #[arg(long, value_name = "VERSION")]
    pub kube_version: Option<String>,

    /// A config file with rules to disable and findings to exclude by rule, namespace,
    /// kind and name (see docs/audit.md).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Report only findings not in this baseline: the JSON output of an earlier run
    /// (`korral audit -f k8s -o json --out baseline.json`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = AuditFormat::Table)]
    pub output: AuditFormat,

    /// Write to this file instead of standard output (written whole or not at all).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List every rule: code, severity, standards and what it checks.
    Rules {
        /// Output format (`markdown` writes the reference page docs/audit-rules.md).
        #[arg(short, long, value_enum, default_value_t = RulesFormat::Table)]
        output: RulesFormat,

        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Explain a rule: what it checks, why it matters, an example and the fix.
    Explain {
        /// The rule's code (`PSB003`) or name (`privileged`).
        code: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// Findings grouped by object, coloured on a terminal, then a summary.
    Table,
    /// `{"findings":[…],"summary":{…}}`.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML, one suite per rule.
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// One line per rule.
    Table,
    /// The rules and their docs as JSON.
    Json,
    /// The reference page.
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Self {
        match s {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

/// `--fail-on`: a severity or `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailOn(Option<Severity>);

impl std::str::FromStr for FailOn {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("none") || s.eq_ignore_ascii_case("never") {
            return Ok(Self(None));
        }
        s.parse::<Severity>().map(|s| Self(Some(s))).map_err(|_| {
            format!("`{s}` is not a severity; use info, low, medium, high, critical or none")
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StandardArg {
    PssBaseline,
    PssRestricted,
    Nsa,
    Cis,
    BestPractice,
    All,
}

impl StandardArg {
    fn standards(self) -> Vec<Standard> {
        match self {
            Self::PssBaseline => vec![Standard::PssBaseline],
            Self::PssRestricted => vec![Standard::PssRestricted, Standard::PssBaseline],
            Self::Nsa => vec![Standard::Nsa],
            Self::Cis => vec![Standard::Cis],
            Self::BestPractice => vec![Standard::BestPractice],
            Self::All => Vec::new(),
        }
    }
}

pub fn audit(args: &AuditArgs) -> anyhow::Result<ExitStatus> {
    match &args.command {
        Some(AuditCommand::Rules { output, out }) => return rules(*output, out.clone()),
        Some(AuditCommand::Explain { code }) => return explain(code),
        None => {}
    }
    let mut options = Options {
        min_severity: args.min_severity.into(),
        namespace: args.namespace.clone(),
        ..Options::default()
    };
    if !args.standard.contains(&StandardArg::All) {
        options.standards = args.standard.iter().flat_map(|s| s.standards()).collect();
    }
    if let Some(version) = &args.kube_version {
        options.kube_version = parse_kube_version(version)
            .context("--kube-version")
            .map_err(InputError)?;
    }
    if let Some(path) = &args.config {
        options.config = Config::read(path).map_err(|e| InputError(e.into()))?;
    }
    let known = |flag: &str, code: &str| {
        korral_audit::rule(code).ok_or_else(|| {
            InputError(
                anyhow::Error::new(korral_audit::Error::UnknownRule(code.to_owned()))
                    .context(flag.to_owned()),
            )
        })
    };
    for code in &args.rules {
        options.only.push(known("--rule", code)?.code);
    }
    for code in &args.skip_rules {
        options
            .config
            .disable
            .push(known("--skip-rule", code)?.code.to_owned());
    }
    if let Some(path) = &args.baseline {
        options.baseline = Some(Baseline::read(path).map_err(|e| InputError(e.into()))?);
    }

    let set = read(args, &mut options)?;
    let malformed = set
        .warnings()
        .iter()
        .filter(|w| matches!(w, Warning::Malformed { .. }))
        .count();

    let report = run_audit(&set, &options);
    if args.source.is_offline() && report.summary.objects == 0 && malformed == 0 {
        // `helm template … | korral audit -f -` after a failed helm must not pass CI.
        let named: Vec<String> = args
            .source
            .files
            .iter()
            .map(|f| format!("`{}`", escape(&f.display().to_string())))
            .collect();
        return Err(InputError(anyhow::anyhow!(
            "no objects read from {}: the input is empty or holds no Kubernetes object; if a command produced it (`helm template`, `kustomize build`), check that it succeeded",
            named.join(", ")
        ))
        .into());
    }
    for warning in &report.warnings {
        Printer::warn(escape(warning));
    }
    for problem in &report.malformed {
        Printer::warn(escape(problem));
    }
    let malformed = malformed + report.malformed.len();
    let printer = Printer::new(args.out.clone());
    let color = printer.color();
    printer.emit(|out| {
        match args.output {
            AuditFormat::Json => Printer::data(out, &report, false)?,
            AuditFormat::Sarif => {
                Printer::data(
                    out,
                    &korral_audit::sarif(&report, env!("CARGO_PKG_VERSION")),
                    false,
                )?;
            }
            AuditFormat::Junit => out.write_all(korral_audit::junit(&report).as_bytes())?,
            AuditFormat::Table => table(&report, color, out)?,
        }
        Ok(())
    })?;
    if malformed > 0 {
        return Err(InputError(anyhow::anyhow!(
            "{malformed} malformed document{} or pod spec{} (named above) could not be judged in full; the report covers the rest. Fix {} and audit again",
            if malformed == 1 { "" } else { "s" },
            if malformed == 1 { "" } else { "s" },
            if malformed == 1 { "it" } else { "them" },
        ))
        .into());
    }
    Ok(match args.fail_on.0 {
        Some(severity) if report.at_least(severity) > 0 => ExitStatus::Findings,
        _ => ExitStatus::Success,
    })
}

/// The objects to audit: the live cluster (whose version becomes the default target)
/// or the files.
fn read(args: &AuditArgs, options: &mut Options) -> anyhow::Result<ObjectSet> {
    if args.source.is_offline() {
        // A malformed document costs only itself: the rest is audited, the document is
        // named on stderr, and the exit status is 2 once the report is out.
        // `-n` places objects that name no namespace, as `kubectl apply -n NS -f`;
        // `--exclude`, `-k` and `--helm` as for every offline command.
        let loader = source::loader(&args.source, args.namespace.as_deref())?.skip_malformed();
        let set = if args.source.files.len() == 1
            && args.source.files[0].as_os_str() == "-"
            && args.source.kustomize.is_empty()
            && args.source.helm.is_none()
        {
            // Standard input is kept, to find the lines of fields in it.
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read standard input")?;
            let set = loader
                .read_str("<stdin>", &text)
                .map_err(|e| InputError(e.into()))?;
            options.texts.insert("<stdin>".to_owned(), text);
            set
        } else {
            loader.load().map_err(|e| InputError(e.into()))?
        };
        for warning in set.warnings() {
            Printer::warn(escape(&warning.to_string()));
        }
        Ok(set)
    } else {
        let runtime = source::runtime()?;
        let (set, version) = runtime.block_on(async {
            let scope = args
                .namespace
                .as_deref()
                .map_or(Scope::All, Scope::Namespace);
            let (set, live) = source::live(&args.source, scope).await?;
            let version = live.client.server_version().await.ok();
            anyhow::Ok((set, version))
        })?;
        if args.kube_version.is_none()
            && let Some(v) = version.and_then(|v| parse_kube_version(&v.git_version).ok())
        {
            options.kube_version = v;
        }
        Ok(set)
    }
}

fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Critical => AnsiColor::Red.on_default().bold(),
        Severity::High => AnsiColor::Red.on_default(),
        Severity::Medium => AnsiColor::Yellow.on_default(),
        Severity::Low => AnsiColor::Cyan.on_default(),
        Severity::Info => Style::new().dimmed(),
    }
}

/// Findings grouped by object, each object headed by its file and line.
#[allow(clippy::too_many_lines)] // the table, group by group
fn table(report: &Report, color: bool, out: &mut dyn Write) -> std::io::Result<()> {
    let paint = |style: Style, text: &str| {
        if color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_owned()
        }
    };
    let mut groups: Vec<(&korral_audit::ObjectRef, Vec<&Finding>)> = Vec::new();
    for f in &report.findings {
        match groups.last_mut() {
            Some((object, list)) if *object == &f.object => list.push(f),
            _ => groups.push((&f.object, vec![f])),
        }
    }
    // Columns as wide as their widest cell, so that a five-digit line or a longer code
    // never runs into the message.
    let code_width = report
        .findings
        .iter()
        .map(|f| f.code.len())
        .max()
        .unwrap_or(0);
    let line_width = report
        .findings
        .iter()
        .filter(|f| f.file.is_some())
        .map(|f| f.line.to_string().len())
        .max()
        .map_or(0, |digits| "line ".len() + digits.max(5) + 1);
    for (object, findings) in &groups {
        let first = findings[0];
        let at = match &first.file {
            Some(file) => format!("  {}:{}", escape(file), first.object_line),
            None => String::new(),
        };
        writeln!(
            out,
            "{}{}",
            paint(Style::new().bold(), &escape(&object.to_string())),
            paint(Style::new().dimmed(), &at)
        )?;
        for f in findings {
            let severity = format!("{:<8}", f.severity.name());
            let code = format!("{:<code_width$}", f.code);
            let line = if f.file.is_some() {
                format!("{:<line_width$}", format!("line {}", f.line))
            } else {
                String::new()
            };
            writeln!(
                out,
                "  {} {}  {}{}",
                paint(severity_style(f.severity), &severity),
                paint(Style::new().bold(), &code),
                line,
                escape(&f.message)
            )?;
            if !f.path.is_empty() {
                writeln!(
                    out,
                    "  {:<8} {:<code_width$}  {}",
                    "",
                    "",
                    paint(Style::new().dimmed(), &escape(&f.path))
                )?;
            }
        }
        writeln!(out)?;
    }
    let s = &report.summary;
    let mut counts = Vec::new();
    for (n, name) in [
        (s.critical, "critical"),
        (s.high, "high"),
        (s.medium, "medium"),
        (s.low, "low"),
        (s.info, "info"),
    ] {
        if n > 0 {
            counts.push(format!("{n} {name}"));
        }
    }
    let counts = if counts.is_empty() {
        String::new()
    } else {
        format!(" ({})", counts.join(", "))
    };
    writeln!(
        out,
        "{} finding{}{counts} in {} of {} objects, {} rules; {} suppressed, {} in the baseline.",
        s.total,
        if s.total == 1 { "" } else { "s" },
        s.objects_with_findings,
        s.objects,
        s.rules,
        s.suppressed,
        s.baselined
    )?;
    if s.total > 0 {
        writeln!(
            out,
            "`korral audit explain CODE` says why each matters and how to fix it."
        )?;
    }
    Ok(())
}

fn rules(format: RulesFormat, out: Option<PathBuf>) -> anyhow::Result<ExitStatus> {
    Printer::new(out).emit(|out| {
        match format {
            RulesFormat::Markdown => {
                out.write_all(korral_audit::reference::markdown().as_bytes())?;
            }
            RulesFormat::Json => {
                let rules: Vec<BTreeMap<&str, serde_json::Value>> = korral_audit::rules()
                    .iter()
                    .map(|r| {
                        BTreeMap::from([
                            ("code", r.code.into()),
                            ("name", r.name.into()),
                            ("severity", r.severity.name().into()),
                            (
                                "standards",
                                r.standards
                                    .iter()
                                    .map(|s| s.name())
                                    .collect::<Vec<_>>()
                                    .into(),
                            ),
                            ("summary", r.summary.into()),
                            ("why", r.why.into()),
                            ("example", r.example.into()),
                            ("fix", r.fix.into()),
                        ])
                    })
                    .collect();
                Printer::data(out, &rules, false)?;
            }
            RulesFormat::Table => {
                for r in korral_audit::rules() {
                    let standards: Vec<&str> = r.standards.iter().map(|s| s.name()).collect();
                    writeln!(
                        out,
                        "{:<7} {:<9} {:<36} {}",
                        r.code,
                        r.severity.name(),
                        r.name,
                        standards.join(",")
                    )?;
                    writeln!(out, "        {}", r.summary)?;
                }
            }
        }
        Ok(())
    })?;
    Ok(ExitStatus::Success)
}

fn explain(code: &str) -> anyhow::Result<ExitStatus> {
    let rule = korral_audit::rule(code).ok_or_else(|| {
        InputError(anyhow::anyhow!(
            "unknown rule `{code}`; `korral audit rules` lists them"
        ))
    })?;
    Printer::new(None).emit(|out| {
        out.write_all(korral_audit::reference::explain(rule).as_bytes())?;
        Ok(())
    })?;
    Ok(ExitStatus::Success)
}
