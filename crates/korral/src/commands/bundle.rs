//! `korral bundle`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::anyhow;
use clap::{Args, Subcommand, ValueEnum};
use korral_bundle::{
    CreateOptions, Error, ExtractOptions, Format, HashAlgorithm, Keyring, Limits, Progress, Report,
    SignatureCheck, Signer,
};
use korral_core::terminal::Escaped;

use crate::commands::keys::{KeyringArgs, PassphraseArgs, find, input};
use crate::commands::{ExitStatus, InputError};
use crate::printer::Printer;

/// Arguments of `korral bundle`.
#[derive(Debug, Args)]
pub struct BundleArgs {
    #[command(flatten)]
    pub keyring: KeyringArgs,

    #[command(subcommand)]
    pub command: BundleCommand,
}

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    /// Pack files and folders into a bundle with a manifest of their digests, signed.
    ///
    /// A folder keeps its name inside the bundle (`.` puts its contents at the top); a
    /// folder holding an OCI image layout goes under `images/`. The manifest and its
    /// signature come first in the archive, so `verify` checks the signature before it
    /// reads the payload.
    ///
    /// Examples:
    ///
    ///   korral bundle create --name edge --version 1.4.0 k3s/ charts/ manifests/ \
    ///       --sign-with ops@example.com
    ///
    ///   korral bundle create --name edge --version 1.4.0 --format zip --out edge.zip . \
    ///       --hash sha512,blake3
    #[command(verbatim_doc_comment, disable_version_flag = true)]
    Create(CreateArgs),
    /// Check a bundle: every entry against the manifest, and the manifest's signature.
    ///
    /// Reads the archive once, never writes to disk. Exit status 0 when verified, 1
    /// when verification failed, 2 when the file cannot be read at all.
    ///
    /// Examples:
    ///
    ///   korral bundle verify edge-1.4.0.tar.zst --require-signature
    ///
    ///   korral bundle verify edge-1.4.0.tar.zst -o json
    #[command(verbatim_doc_comment)]
    Verify(VerifyArgs),
    /// Show a bundle's metadata and contents, from its manifest (no hashing).
    ///
    /// Example: korral bundle inspect edge-1.4.0.tar.zst
    #[command(verbatim_doc_comment)]
    Inspect(InspectArgs),
    /// Verify a bundle and unpack it into a new directory, in one pass.
    ///
    /// The archive is read once: every entry is checked against the manifest and its
    /// signature as it is unpacked into a temporary directory beside DIR, which is
    /// renamed to DIR only when everything verified (a failure leaves nothing behind).
    /// So what is unpacked is exactly what was verified, and FILE may be `-` (standard
    /// input). Refuses absolute paths, `..`, links that lead outside (judged through
    /// the links before them), entries written through a link, device files,
    /// setuid/setgid bits, and archives that decompress beyond what their manifest
    /// declares and --max-ratio, or beyond --max-size.
    ///
    /// Examples:
    ///
    ///   korral bundle extract edge-1.4.0.tar.zst --to /opt/edge --require-signature
    ///
    ///   curl -sf https://mirror.example/edge-1.4.0.tar.zst | korral bundle extract - --to /opt/edge
    #[command(verbatim_doc_comment)]
    Extract(ExtractArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The bundle's name: one file-name component (letters, digits, `.`, `-`, `_`, `+`).
    #[arg(long)]
    pub name: String,
    /// The bundle's version, a file-name component like the name.
    #[arg(long)]
    pub version: String,
    /// Files and folders to include.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The file to write (default: NAME-VERSION.FORMAT in the current directory). A
    /// bundle made before at this path is never packed into the new one.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The archive format.
    #[arg(long, value_enum, default_value_t = FormatArg::TarZst)]
    pub format: FormatArg,
    /// Digests beside SHA-256 (always computed): sha512, blake3.
    #[arg(long = "hash", value_name = "ALG,…", value_delimiter = ',')]
    pub hashes: Vec<HashAlgorithm>,
    /// Sign the manifest with this secret key (fingerprint, key id, or part of its user
    /// id).
    #[arg(long, value_name = "KEY")]
    pub sign_with: Option<String>,
    #[command(flatten)]
    pub passphrase: PassphraseArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// tar compressed with Zstandard: the fastest to verify.
    #[value(name = "tar.zst")]
    TarZst,
    /// tar compressed with gzip.
    #[value(name = "tar.gz")]
    TarGz,
    /// zip.
    Zip,
}

/// Caps against compression bombs.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// The most the archive may decompress to (`64G`, `500M`, bytes).
    #[arg(long, value_name = "SIZE", default_value = "64G", value_parser = size)]
    pub max_size: u64,
    /// The most decompressed bytes per archive byte (beyond the first 16 MiB, and
    /// beyond what the manifest declares: its entries' sizes and their framing).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_ratio: u64,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits {
            max_size: self.max_size,
            max_ratio: self.max_ratio,
        }
    }
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle; `-` reads it from standard input (`curl -sf URL | korral bundle
    /// verify -`), tar.zst, tar.gz or tar.
    pub file: PathBuf,
    /// Fail unless the manifest is signed by a trusted key.
    #[arg(long)]
    pub require_signature: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Lines for people.
    Table,
    Json,
    Yaml,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The bundle.
    pub file: PathBuf,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// The bundle; `-` reads it from standard input (tar.zst, tar.gz or tar).
    pub file: PathBuf,
    /// The directory to create (it must not exist, or be empty).
    #[arg(long, value_name = "DIR")]
    pub to: PathBuf,
    /// Fail unless the manifest is signed by a trusted key.
    #[arg(long)]
    pub require_signature: bool,
    /// Extract without verifying. Dangerous: the content may have been tampered with.
    /// The path, link and size rules still hold.
    #[arg(long, conflicts_with = "require_signature")]
    pub insecure_skip_verify: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

pub fn bundle(args: &BundleArgs) -> anyhow::Result<ExitStatus> {
    match &args.command {
        BundleCommand::Create(create) => create_bundle(args, create),
        BundleCommand::Verify(verify) => verify_bundle(args, verify),
        BundleCommand::Inspect(inspect) => inspect_bundle(args, inspect),
        BundleCommand::Extract(extract) => extract_bundle(args, extract),
    }
}

fn create_bundle(args: &BundleArgs, create: &CreateArgs) -> anyhow::Result<ExitStatus> {
    let format = match create.format {
        FormatArg::TarZst => Format::TarZst,
        FormatArg::TarGz => Format::TarGz,
        FormatArg::Zip => Format::Zip,
    };
    let output = create.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "{}-{}.{}",
            create.name,
            create.version,
            format.extension()
        ))
    });
    let keyring = args.keyring.open()?;
    let (signer, creator) = signer(&keyring, create.sign_with.as_deref(), &create.passphrase)?;
    let options = CreateOptions {
        name: create.name.clone(),
        version: create.version.clone(),
        paths: create.paths.clone(),
        output: output.clone(),
        format,
        hashes: create.hashes.clone(),
        creator,
    };
    let progress = Bar::new();
    let manifest = korral_bundle::create(&options, signer.as_ref(), &progress).map_err(input)?;
    Printer::note(format_args!(
        "wrote {} ({} entries, {}){}",
        Escaped(&output.display().to_string()),
        manifest.entries.len(),
        human(manifest.total_size()),
        if signer.is_some() {
            ", signed"
        } else {
            ", unsigned"
        }
    ));
    Ok(ExitStatus::Success)
}

/// The signer `--sign-with` names (asking for its passphrase when the key has one), and
/// who creates the bundle: the key's first user id, else the login name.
pub(crate) fn signer<'a>(
    keyring: &'a Keyring,
    sign_with: Option<&str>,
    passphrase: &PassphraseArgs,
) -> anyhow::Result<(Option<Signer<'a>>, String)> {
    let creator = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    let Some(query) = sign_with else {
        return Ok((None, creator));
    };
    let key = find(keyring, query)?;
    if !key.secret {
        return Err(InputError(anyhow!(
            "`{query}` is a public key only; signing needs its secret key (`korral keys import` it, or generate one)"
        ))
        .into());
    }
    let creator = key.user_ids.first().cloned().unwrap_or(creator);
    let passphrase = if key.protected == Some(true) {
        passphrase.read(&format!("{} ({})", Escaped(&creator), key.key_id), false)?
    } else {
        String::new()
    };
    let signer = Signer {
        keyring,
        fingerprint: key.fingerprint,
        passphrase,
    };
    Ok((Some(signer), creator))
}

fn verify_bundle(args: &BundleArgs, verify: &VerifyArgs) -> anyhow::Result<ExitStatus> {
    let keyring = args.keyring.open()?;
    let progress = Bar::new();
    let report = if verify.file.as_os_str() == "-" {
        korral_bundle::verify_stream(
            Box::new(std::io::stdin()),
            "<stdin>",
            &keyring,
            &verify.limits.limits(),
            verify.require_signature,
            &progress,
        )
    } else {
        korral_bundle::verify_with_progress(
            &verify.file,
            &keyring,
            &verify.limits.limits(),
            verify.require_signature,
            &progress,
        )
    }
    .map_err(input)?;
    print_report(&report, verify.output)?;
    Ok(if report.ok() {
        ExitStatus::Success
    } else {
        ExitStatus::Findings
    })
}

pub(crate) fn print_report(report: &Report, format: ReportFormat) -> anyhow::Result<()> {
    Printer::new(None).emit(|out| match format {
        ReportFormat::Json => Printer::data(out, report, false),
        ReportFormat::Yaml => Printer::data(out, report, true),
        ReportFormat::Table => write_report(out, report),
    })
}

/// The report for people. Everything in it that came from the bundle (metadata, paths,
/// user IDs, messages quoting them) is escaped: it must not drive the terminal, nor draw
/// a line of its own such as a fake `result VERIFIED`.
fn write_report(out: &mut dyn Write, report: &Report) -> anyhow::Result<()> {
    match &report.metadata {
        Some(meta) => writeln!(
            out,
            "bundle     {} {}{}, created {} by {} (korral {})",
            Escaped(&meta.name),
            Escaped(&meta.version),
            report
                .format
                .map(|f| format!(" ({})", f.extension()))
                .unwrap_or_default(),
            Escaped(&meta.created),
            Escaped(&meta.creator),
            Escaped(&meta.korral_version)
        )?,
        None => writeln!(out, "bundle     {}", Escaped(&report.file))?,
    }
    writeln!(
        out,
        "entries    {} ({} hashed)",
        report.entries,
        human(report.bytes)
    )?;
    writeln!(out, "signature  {}", Escaped(&report.signature.describe()))?;
    for problem in &report.structure {
        writeln!(out, "structure  {}", Escaped(problem))?;
    }
    for problem in &report.problems {
        writeln!(out, "entry      {}", Escaped(&problem.to_string()))?;
    }
    for note in &report.notes {
        writeln!(out, "note       {}", Escaped(note))?;
    }
    if report.signature == SignatureCheck::Unsigned && report.signature_required {
        writeln!(
            out,
            "           a signature is required (--require-signature) and there is none"
        )?;
    }
    let failed = report.structure.len() + report.problems.len();
    let signature_accepted = report.signature.is_valid()
        || (report.signature == SignatureCheck::Unsigned && !report.signature_required);
    if report.ok() {
        writeln!(out, "result     VERIFIED")?;
    } else if failed == 0 {
        writeln!(out, "result     FAILED (signature not accepted)")?;
    } else {
        writeln!(
            out,
            "result     FAILED ({failed} problem{}{})",
            if failed == 1 { "" } else { "s" },
            if signature_accepted {
                ""
            } else {
                ", signature not accepted"
            }
        )?;
    }
    Ok(())
}

fn inspect_bundle(args: &BundleArgs, inspect: &InspectArgs) -> anyhow::Result<ExitStatus> {
    let keyring = args.keyring.open()?;
    let inspection =
        korral_bundle::inspect(&inspect.file, &keyring, &Limits::default()).map_err(input)?;
    Printer::new(None).emit(|out| match inspect.output {
        ReportFormat::Json => Printer::data(out, &inspection, false),
        ReportFormat::Yaml => Printer::data(out, &inspection, true),
        ReportFormat::Table => {
            // Escaped: the manifest is data from outside.
            let meta = &inspection.manifest.metadata;
            writeln!(out, "name       {}", Escaped(&meta.name))?;
            writeln!(out, "version    {}", Escaped(&meta.version))?;
            writeln!(out, "created    {}", Escaped(&meta.created))?;
            writeln!(out, "creator    {}", Escaped(&meta.creator))?;
            writeln!(out, "korral     {}", Escaped(&meta.korral_version))?;
            writeln!(out, "format     {}", inspection.format.extension())?;
            let hashes: Vec<&str> = inspection
                .manifest
                .hashes
                .iter()
                .map(|h| h.name())
                .collect();
            writeln!(out, "digests    {}", hashes.join(", "))?;
            writeln!(
                out,
                "signature  {}",
                Escaped(&inspection.signature.describe())
            )?;
            writeln!(
                out,
                "entries    {} ({})",
                inspection.manifest.entries.len(),
                human(inspection.total_size)
            )?;
            writeln!(out)?;
            for entry in &inspection.manifest.entries {
                let path = Escaped(&entry.path);
                match &entry.target {
                    Some(target) => writeln!(
                        out,
                        "  {} {:>10}  {path} -> {}",
                        entry.mode,
                        "",
                        Escaped(target)
                    )?,
                    None if entry.entry_type == korral_bundle::EntryType::Directory => {
                        writeln!(out, "  {} {:>10}  {path}/", entry.mode, "")?;
                    }
                    None => writeln!(out, "  {} {:>10}  {path}", entry.mode, entry.size)?,
                }
            }
            Ok(())
        }
    })?;
    Ok(ExitStatus::Success)
}

fn extract_bundle(args: &BundleArgs, extract: &ExtractArgs) -> anyhow::Result<ExitStatus> {
    let keyring = args.keyring.open()?;
    if extract.insecure_skip_verify {
        Printer::warn(
            "--insecure-skip-verify: NOT VERIFYING this bundle. Its content may be corrupt or tampered with, and nothing checks who made it.",
        );
    }
    let options = ExtractOptions {
        to: extract.to.clone(),
        limits: extract.limits.limits(),
        require_signature: extract.require_signature,
        insecure_skip_verify: extract.insecure_skip_verify,
    };
    let progress = Bar::new();
    let result = if extract.file.as_os_str() == "-" {
        korral_bundle::extract_stream(
            Box::new(std::io::stdin()),
            "<stdin>",
            &keyring,
            &options,
            &progress,
        )
    } else {
        korral_bundle::extract(&extract.file, &keyring, &options, &progress)
    };
    let to = extract.to.display().to_string();
    match result {
        Ok(report) => {
            if let Some(report) = report {
                for note in &report.notes {
                    Printer::warn(Escaped(note));
                }
            }
            Printer::note(format_args!(
                "extracted {} into {}",
                Escaped(&extract.file.display().to_string()),
                Escaped(&to)
            ));
            Ok(ExitStatus::Success)
        }
        Err(Error::Verification(report)) => {
            print_report(&report, ReportFormat::Table)?;
            Printer::warn(format_args!(
                "the bundle failed verification; nothing was extracted to {}",
                Escaped(&to)
            ));
            Ok(ExitStatus::Findings)
        }
        Err(err @ (Error::Unsafe { .. } | Error::Archive(_) | Error::Limit(_))) => {
            Printer::warn(format_args!(
                "{}; nothing was extracted to {}",
                Escaped(&err.to_string()),
                Escaped(&to)
            ));
            Ok(ExitStatus::Findings)
        }
        Err(err) => Err(input(err)),
    }
}

/// `64G`, `500M`, `10k`, or bytes.
fn size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map_or((text, ""), |at| text.split_at(at));
    let shift = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(format!("`{text}` is not a size; write it like 500M or 64G")),
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .ok_or_else(|| format!("`{text}` is not a size; write it like 500M or 64G"))
}

pub(crate) fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A progress bar on standard error, drawn only on a terminal.
pub(crate) struct Bar {
    bar: Mutex<Option<indicatif::ProgressBar>>,
    enabled: bool,
}

impl Bar {
    pub(crate) fn new() -> Self {
        Self {
            bar: Mutex::new(None),
            enabled: std::io::stderr().is_terminal(),
        }
    }
}

impl Progress for Bar {
    fn start(&self, phase: &str, total: u64) {
        if !self.enabled {
            return;
        }
        // A total of 0: a stream of unknown length, so no bar, only what has passed.
        let (length, template) = if total == 0 {
            (None, "{msg:>10} {bytes} {bytes_per_sec}")
        } else {
            (
                Some(total),
                "{msg:>10} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
        };
        let bar = indicatif::ProgressBar::with_draw_target(
            length,
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(phase.to_owned());
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn advance(&self, bytes: u64) {
        if let Ok(slot) = self.bar.lock()
            && let Some(bar) = slot.as_ref()
        {
            bar.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(bar) = slot.take()
        {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(size("64G"), Ok(64 << 30));
        assert_eq!(size("500M"), Ok(500 << 20));
        assert_eq!(size("10KiB"), Ok(10 << 10));
        assert_eq!(size("123"), Ok(123));
        assert!(size("ten").is_err());
    }
}
