//! `korral keys`.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use clap::{Args, Subcommand, ValueEnum};
use korral_bundle::{
    GenerateOptions, KEYRING_ENV, KeyAlgorithm, KeyInfo, Keyring, PASSPHRASE_ENV,
    format_fingerprint,
};
use korral_core::terminal::{Escaped, escape};

use crate::commands::{ExitStatus, InputError};
use crate::printer::Printer;

/// User IDs for people, escaped: a key's user ID is data from whoever made the key, and
/// must not drive the terminal.
fn user_ids(key: &KeyInfo) -> String {
    key.user_ids
        .iter()
        .map(|uid| escape(uid).into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A bundle or key error as an input error (exit 2), escaped: it may quote paths, names
/// and user IDs from a bundle or a key.
#[allow(clippy::needless_pass_by_value)] // used as `.map_err(input)`
pub fn input(err: korral_bundle::Error) -> anyhow::Error {
    InputError(anyhow!("{}", escape(&err.to_string()))).into()
}

/// Arguments of `korral keys`.
#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(flatten)]
    pub keyring: KeyringArgs,

    #[command(subcommand)]
    pub command: KeysCommand,
}

/// Where the keyring is.
#[derive(Debug, Args)]
pub struct KeyringArgs {
    /// The keyring directory (default: `$XDG_CONFIG_HOME/korral/keyring`, usually
    /// ~/.config/korral/keyring).
    #[arg(long, value_name = "DIR", env = KEYRING_ENV, global = true)]
    pub keyring: Option<PathBuf>,
}

impl KeyringArgs {
    pub fn open(&self) -> anyhow::Result<Keyring> {
        match &self.keyring {
            Some(dir) => Ok(Keyring::open(dir)),
            None => Keyring::default_dir().map(Keyring::open).ok_or_else(|| {
                InputError(anyhow!(
                    "there is no config directory to keep the keyring in; pass --keyring DIR or set {KEYRING_ENV}"
                ))
                .into()
            }),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a new signing key (Ed25519 by default, or RSA), protected by a passphrase.
    ///
    /// The key is yours, so it is trusted at once. The passphrase is asked for on a
    /// terminal, or read from KORRAL_PASSPHRASE or --passphrase-file.
    ///
    /// Example: korral keys generate --name "Site Ops" --email ops@example.com
    #[command(verbatim_doc_comment)]
    Generate(GenerateArgs),
    /// Import public or secret keys (armoured or binary; `-` reads standard input),
    /// for example exported with `gpg --export --armor KEY`.
    ///
    /// Imported keys are not trusted to sign bundles until `korral keys trust`.
    ///
    /// Example: gpg --export --armor ops@example.com | korral keys import - --trust
    #[command(verbatim_doc_comment)]
    Import(ImportArgs),
    /// Print a public key, armoured, for `gpg --import` or another keyring; with
    /// --secret, the secret key as stored (still passphrase-protected).
    ///
    /// Example: korral keys export ops@example.com --out ops.asc
    #[command(verbatim_doc_comment)]
    Export(ExportArgs),
    /// List the keys with their fingerprints as gpg shows them.
    List(ListArgs),
    /// Remove a key (with --secret, its secret part too).
    Remove(RemoveArgs),
    /// Trust a key to sign bundles (or stop trusting it with --revoke).
    ///
    /// Check the fingerprint with the key's owner first, by a channel you trust.
    ///
    /// Example: korral keys trust "1C4E 3A1F 9B2D 77E0 5C11  8D44 0F2A 6B93 E7D5 4C20"
    #[command(verbatim_doc_comment)]
    Trust(TrustArgs),
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The owner's name.
    #[arg(long)]
    pub name: String,
    /// The owner's email address.
    #[arg(long)]
    pub email: Option<String>,
    /// The key algorithm.
    #[arg(long, value_enum, default_value_t = Algorithm::Ed25519)]
    pub algorithm: Algorithm,
    #[command(flatten)]
    pub passphrase: PassphraseArgs,
    /// Leave the secret key without a passphrase (for throwaway keys and tests).
    #[arg(long, conflicts_with = "passphrase_file")]
    pub no_passphrase: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Algorithm {
    /// EdDSA on Curve25519: small, fast, what gpg makes by default.
    Ed25519,
    /// RSA, 2048 bits.
    Rsa2048,
    /// RSA, 3072 bits.
    Rsa3072,
    /// RSA, 4096 bits.
    Rsa4096,
}

/// Where the passphrase of a secret key comes from.
#[derive(Debug, Args)]
pub struct PassphraseArgs {
    /// Read the passphrase from this file (its first line), for CI. Else
    /// KORRAL_PASSPHRASE, else a prompt on the terminal.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

impl PassphraseArgs {
    /// The passphrase: from the file, the environment, or a prompt (twice when
    /// `confirm`).
    pub fn read(&self, what: &str, confirm: bool) -> anyhow::Result<String> {
        if let Some(path) = &self.passphrase_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the passphrase file `{}`", path.display()))
                .map_err(InputError)?;
            return Ok(text.lines().next().unwrap_or_default().to_owned());
        }
        if let Ok(passphrase) = std::env::var(PASSPHRASE_ENV) {
            return Ok(passphrase);
        }
        if !std::io::stdin().is_terminal() {
            return Err(InputError(anyhow!(
                "{what} needs a passphrase: set {PASSPHRASE_ENV}, pass --passphrase-file FILE, or run on a terminal"
            ))
            .into());
        }
        let first = rpassword::prompt_password(format!("Passphrase for {what}: "))?;
        if confirm {
            let second = rpassword::prompt_password("Repeat the passphrase: ")?;
            if first != second {
                return Err(InputError(anyhow!("the passphrases differ; try again")).into());
            }
        }
        Ok(first)
    }
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Files of keys; `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Trust the imported keys to sign bundles at once.
    #[arg(long)]
    pub trust: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The key: fingerprint, key id, or part of its user id.
    pub key: String,
    /// Export the secret key (passphrase-protected as stored) instead of the public one.
    #[arg(long)]
    pub secret: bool,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ListFormat::Table)]
    pub output: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// As `gpg --list-keys --fingerprint` shows them.
    Table,
    Json,
    Yaml,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The key: fingerprint, key id, or part of its user id.
    pub key: String,
    /// Remove its secret part too (else a key with a secret part is refused).
    #[arg(long)]
    pub secret: bool,
}

#[derive(Debug, Args)]
pub struct TrustArgs {
    /// The key: fingerprint, key id, or part of its user id.
    pub key: String,
    /// Stop trusting it.
    #[arg(long)]
    pub revoke: bool,
}

pub fn keys(args: &KeysArgs) -> anyhow::Result<ExitStatus> {
    let keyring = args.keyring.open()?;
    match &args.command {
        KeysCommand::Generate(generate) => generate_key(&keyring, generate),
        KeysCommand::Import(import) => import_keys(&keyring, import),
        KeysCommand::Export(export) => {
            let key = find(&keyring, &export.key)?;
            let text = if export.secret {
                keyring.export_secret(&key.fingerprint)
            } else {
                keyring.export_public(&key.fingerprint)
            }
            .map_err(input)?;
            Printer::new(export.out.clone()).emit(|out| Ok(out.write_all(text.as_bytes())?))?;
            Ok(ExitStatus::Success)
        }
        KeysCommand::List(list) => {
            let keys = keyring.list().map_err(input)?;
            Printer::new(None).emit(|out| match list.output {
                ListFormat::Json => Printer::data(out, &keys, false),
                ListFormat::Yaml => Printer::data(out, &keys, true),
                ListFormat::Table => {
                    if keys.is_empty() {
                        Printer::note(format_args!(
                            "no keys in `{}`; make one with `korral keys generate`",
                            Escaped(&keyring.dir().display().to_string())
                        ));
                    }
                    for key in &keys {
                        write_key(out, key)?;
                    }
                    Ok(())
                }
            })?;
            Ok(ExitStatus::Success)
        }
        KeysCommand::Remove(remove) => {
            let key = find(&keyring, &remove.key)?;
            keyring
                .remove(&key.fingerprint, remove.secret)
                .map_err(input)?;
            Printer::note(format_args!(
                "removed {} ({})",
                user_ids(&key),
                format_fingerprint(&key.fingerprint)
            ));
            Ok(ExitStatus::Success)
        }
        KeysCommand::Trust(trust) => {
            let key = find(&keyring, &trust.key)?;
            keyring
                .set_trust(&key.fingerprint, !trust.revoke)
                .map_err(input)?;
            Printer::note(format_args!(
                "{} {} ({})",
                if trust.revoke {
                    "no longer trusting"
                } else {
                    "trusting"
                },
                user_ids(&key),
                format_fingerprint(&key.fingerprint)
            ));
            Ok(ExitStatus::Success)
        }
    }
}

fn generate_key(keyring: &Keyring, generate: &GenerateArgs) -> anyhow::Result<ExitStatus> {
    let user_id = match &generate.email {
        Some(email) => format!("{} <{email}>", generate.name),
        None => generate.name.clone(),
    };
    let passphrase = if generate.no_passphrase {
        None
    } else {
        let passphrase = generate.passphrase.read("the new key", true)?;
        (!passphrase.is_empty()).then_some(passphrase)
    };
    let algorithm = match generate.algorithm {
        Algorithm::Ed25519 => KeyAlgorithm::Ed25519,
        Algorithm::Rsa2048 => KeyAlgorithm::Rsa(2048),
        Algorithm::Rsa3072 => KeyAlgorithm::Rsa(3072),
        Algorithm::Rsa4096 => KeyAlgorithm::Rsa(4096),
    };
    let key = keyring
        .generate(&GenerateOptions {
            user_id,
            algorithm,
            passphrase,
        })
        .map_err(input)?;
    if key.protected == Some(false) {
        Printer::warn("the secret key has no passphrase");
    }
    Printer::note(format_args!(
        "generated {} key {}\n      {}",
        key.algorithm,
        user_ids(&key),
        format_fingerprint(&key.fingerprint)
    ));
    Ok(ExitStatus::Success)
}

fn import_keys(keyring: &Keyring, import: &ImportArgs) -> anyhow::Result<ExitStatus> {
    for file in &import.files {
        let data = read_input(file)?;
        let keys = keyring.import(&data).map_err(|err| {
            InputError(anyhow!(
                "cannot import `{}`: {}",
                file.display(),
                escape(&err.to_string())
            ))
        })?;
        for key in keys {
            if import.trust {
                keyring.set_trust(&key.fingerprint, true).map_err(input)?;
            }
            Printer::note(format_args!(
                "imported {} key {} ({}){}",
                if key.secret { "secret" } else { "public" },
                user_ids(&key),
                format_fingerprint(&key.fingerprint),
                if import.trust || key.trusted {
                    ", trusted"
                } else {
                    "; not trusted until `korral keys trust`"
                }
            ));
        }
    }
    Ok(ExitStatus::Success)
}

/// The key a query names, or an input error.
pub fn find(keyring: &Keyring, query: &str) -> anyhow::Result<KeyInfo> {
    keyring.find(query).map_err(input)
}

fn read_input(file: &Path) -> anyhow::Result<Vec<u8>> {
    let mut data = Vec::new();
    if file == Path::new("-") {
        std::io::stdin().read_to_end(&mut data)?;
    } else {
        data = std::fs::read(file)
            .with_context(|| format!("cannot read `{}`", file.display()))
            .map_err(InputError)?;
    }
    Ok(data)
}

/// One key as `gpg --list-keys --fingerprint` prints it.
fn write_key(out: &mut dyn std::io::Write, key: &KeyInfo) -> anyhow::Result<()> {
    let kind = if key.secret { "sec" } else { "pub" };
    let mut flags = Vec::new();
    if key.trusted {
        flags.push("trusted".to_owned());
    }
    if key.secret && key.protected == Some(false) {
        flags.push("no passphrase".to_owned());
    }
    if let Some(expires) = &key.expires {
        flags.push(format!(
            "{} {}",
            if key.expired { "expired" } else { "expires" },
            &expires[..10.min(expires.len())]
        ));
    }
    if key.revoked {
        flags.push("revoked".to_owned());
    }
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", flags.join(", "))
    };
    writeln!(
        out,
        "{kind}   {} {}{flags}",
        Escaped(&key.algorithm),
        Escaped(key.created.get(..10).unwrap_or(&key.created))
    )?;
    writeln!(out, "      {}", format_fingerprint(&key.fingerprint))?;
    for uid in &key.user_ids {
        writeln!(out, "uid   {}", Escaped(uid))?;
    }
    writeln!(out)?;
    Ok(())
}
