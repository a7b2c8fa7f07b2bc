//! `korral init`: a new cluster.yaml from a template, by prompts or flags.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, anyhow};
use korral_cluster::{FieldPath, Loaded};
use korral_cluster::{edit, names};

use crate::commands::{ExitStatus, InputError};
use crate::printer::Printer;

/// Arguments of `korral init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The template: minimal_dev (one machine), production_full (HA over Tailscale, GPU,
    /// Flux) or airgapped_enterprise (signed bundle, registry mirror).
    #[arg(short, long, value_name = "NAME")]
    pub template: Option<String>,

    /// Ask for the settings, also when flags are given (needs a terminal).
    #[arg(short, long)]
    pub interactive: bool,

    /// The file to write. (`-o` is the output format on every korral command, as in
    /// kubectl, so the file is `--out`.)
    #[arg(long = "out", value_name = "FILE", default_value = "cluster.yaml")]
    pub out: PathBuf,

    /// Overwrite the file if it exists.
    #[arg(long)]
    pub force: bool,

    /// The cluster's name (an RFC 1123 label).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// The K3s release, e.g. v1.35.2+k3s1.
    #[arg(long, value_name = "VERSION")]
    pub k3s_version: Option<String>,

    /// The first control plane's name.
    #[arg(long, value_name = "NAME")]
    pub node_name: Option<String>,

    /// The first control plane's address (IPv4 or IPv6).
    #[arg(long, value_name = "IP")]
    pub address: Option<String>,
}

struct Answers {
    template: String,
    name: Option<String>,
    k3s_version: Option<String>,
    node_name: Option<String>,
    address: Option<String>,
}

pub fn init(args: &InitArgs) -> anyhow::Result<ExitStatus> {
    if args.out.exists() && !args.force {
        return Err(InputError(anyhow!(
            "`{}` exists; pass --force to overwrite it, or --out FILE to write elsewhere",
            args.out.display()
        ))
        .into());
    }
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if args.interactive && !terminal {
        return Err(InputError(anyhow!(
            "--interactive needs a terminal; give the settings as flags (--template, --name, --k3s-version, --address)"
        ))
        .into());
    }
    let prompt = args.interactive || (terminal && args.template.is_none() && args.name.is_none());
    let answers = if prompt {
        ask(args)?
    } else {
        Answers {
            template: args
                .template
                .clone()
                .unwrap_or_else(|| "minimal_dev".to_owned()),
            name: args.name.clone(),
            k3s_version: args.k3s_version.clone(),
            node_name: args.node_name.clone(),
            address: args.address.clone(),
        }
    };
    let template =
        korral_cluster::template(&answers.template).map_err(|err| InputError(anyhow!(err)))?;
    let file = args.out.display().to_string();
    let mut text = template.text.to_owned();
    for (key, value) in [
        ("metadata.name", &answers.name),
        ("spec.k3s.version", &answers.k3s_version),
        ("spec.nodes[0].name", &answers.node_name),
        ("spec.nodes[0].address", &answers.address),
    ] {
        if let Some(value) = value {
            let path = FieldPath::parse(key).unwrap_or_default();
            text = edit::set(&text, &path, &edit::scalar(value))?;
        }
    }
    let loaded = Loaded::parse(&file, &text).map_err(|err| InputError(anyhow!(err)))?;
    let found = korral_cluster::validate(&loaded);
    if korral_cluster::has_errors(&found) {
        let list: Vec<String> = found.iter().map(ToString::to_string).collect();
        return Err(InputError(anyhow!(
            "nothing was written; the settings given are not valid:\n{}",
            list.join("\n")
        ))
        .into());
    }
    edit::write_atomically(&args.out, text.as_bytes())
        .with_context(|| format!("cannot write `{file}`"))?;
    Printer::note(format!(
        "wrote {file} from template {}; next: `korral validate {file}`, then `korral generate {file}`",
        template.name
    ));
    Ok(ExitStatus::Success)
}

/// Checks one answer at a prompt; the error is shown and the question asked again.
type Check = fn(&str) -> Result<(), String>;

fn ask(args: &InitArgs) -> anyhow::Result<Answers> {
    use dialoguer::{Input, Select};
    let names: Vec<String> = korral_cluster::TEMPLATES
        .iter()
        .map(|t| format!("{:<22} {}", t.name, t.summary))
        .collect();
    let start = args
        .template
        .as_deref()
        .and_then(|name| korral_cluster::template(name).ok())
        .and_then(|t| korral_cluster::TEMPLATES.iter().position(|x| *x == t))
        .unwrap_or(0);
    let chosen = Select::new()
        .with_prompt("Template")
        .items(&names)
        .default(start)
        .interact()?;
    let template = korral_cluster::TEMPLATES[chosen];
    let defaults = Loaded::parse(template.name, template.text)
        .map_err(|err| anyhow!("template {}: {err}", template.name))?
        .cluster;
    let first = defaults.spec.nodes.first();
    // Each answer is checked as it is typed: a wrong one is asked again with the reason.
    let text = |prompt: &str,
                given: &Option<String>,
                default: &str,
                check: Check|
     -> anyhow::Result<String> {
        Ok(Input::<String>::new()
            .with_prompt(prompt)
            .default(given.clone().unwrap_or_else(|| default.to_owned()))
            .validate_with(|answer: &String| check(answer.trim()))
            .interact_text()?
            .trim()
            .to_owned())
    };
    let cluster_name: Check = |name| {
        names::dns_label(name).map_err(|why| format!("a cluster name {why} (e.g. `homelab`)"))
    };
    let version: Check = |version| {
        if names::k3s_version(version) {
            Ok(())
        } else {
            Err("write a K3s release tag, vX.Y.Z+k3sN (e.g. v1.35.2+k3s1)".to_owned())
        }
    };
    let node_name: Check =
        |name| names::dns_subdomain(name).map_err(|why| format!("a node name {why} (e.g. `cp1`)"));
    let address: Check = |address| {
        address
            .parse::<std::net::IpAddr>()
            .map(drop)
            .map_err(|_| "write an IPv4 or IPv6 address, e.g. 192.168.1.10".to_owned())
    };
    Ok(Answers {
        template: template.name.to_owned(),
        name: Some(text(
            "Cluster name",
            &args.name,
            &defaults.metadata.name,
            cluster_name,
        )?),
        k3s_version: Some(text(
            "K3s version",
            &args.k3s_version,
            &defaults.spec.k3s.version,
            version,
        )?),
        node_name: Some(text(
            "First control plane's name",
            &args.node_name,
            first.map_or("cp1", |n| n.name.as_str()),
            node_name,
        )?),
        address: Some(text(
            "First control plane's address",
            &args.address,
            first.map_or("192.168.1.10", |n| n.address.as_str()),
            address,
        )?),
    })
}
