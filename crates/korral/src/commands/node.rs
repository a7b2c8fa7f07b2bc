//! `korral node`: add, remove, list and discover the nodes of cluster.yaml.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use korral_cluster::config;
use korral_cluster::discover::{self, Peer};
use korral_cluster::edit::{EditError, Edited};
use korral_cluster::spec::{Gpu, GpuVendor, Node, Reserved, Role, Ssh, TimeSlicing};
use korral_cluster::{LoadError, Loaded};
use korral_core::terminal::escape;

use crate::cli::ReportFormat;
use crate::commands::{ExitStatus, InputError};
use crate::printer::Printer;

/// Arguments of `korral node`.
#[derive(Debug, clap::Args)]
pub struct NodeArgs {
    #[command(flatten)]
    pub file: ClusterFile,

    #[command(subcommand)]
    pub command: NodeCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum NodeCommand {
    /// Add a node. The file is checked before it is written; comments stay.
    ///
    /// Examples:
    ///
    ///   korral node add worker3 --address 192.168.1.23
    ///
    ///   korral node add gpu2 --address 192.168.1.32 --tailscale-ip 100.64.0.32 \
    ///     --label korral.io/gpu=true --taint nvidia.com/gpu=present:NoSchedule \
    ///     --gpu nvidia:2 --time-slicing 4 --reserve-memory 2Gi --ssh-user ubuntu
    #[command(verbatim_doc_comment)]
    Add(Box<AddArgs>),
    /// Remove nodes by name (with the comment lines right above each).
    ///
    /// Example: korral node remove worker3
    Remove {
        /// Names of the nodes.
        #[arg(required = true, value_name = "NAME")]
        names: Vec<String>,
    },
    /// List the nodes.
    ///
    /// Example: korral node list -o json
    List {
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
        output: ReportFormat,
    },
    /// Show the tailnet's machines (`tailscale status --json`) and which are already
    /// nodes; --add makes some of them workers.
    ///
    /// Runs `tailscale status --json` when tailscale is installed; --from reads a saved
    /// copy instead.
    ///
    /// Examples:
    ///
    ///   korral node discover
    ///
    ///   tailscale status --json > tailnet.json; korral node discover --from tailnet.json --add gpu-box
    #[command(verbatim_doc_comment)]
    Discover(DiscoverArgs),
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The node's name (an RFC 1123 subdomain, unique in the cluster).
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The IPv4 or IPv6 address Ansible connects to.
    #[arg(long, value_name = "IP")]
    pub address: String,
    /// control-plane or worker.
    #[arg(long, value_enum, default_value_t = RoleArg::Worker)]
    pub role: RoleArg,
    /// The machine's DNS name.
    #[arg(long, value_name = "NAME")]
    pub hostname: Option<String>,
    /// The machine's Tailscale address (100.64.0.0/10).
    #[arg(long, value_name = "IP")]
    pub tailscale_ip: Option<String>,
    /// A label, KEY=VALUE. Repeatable.
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// A taint, KEY[=VALUE]:EFFECT. Repeatable.
    #[arg(long = "taint", value_name = "TAINT")]
    pub taints: Vec<String>,
    /// GPUs: VENDOR:COUNT (nvidia, amd or intel), e.g. nvidia:1.
    #[arg(long, value_name = "VENDOR:COUNT")]
    pub gpu: Option<String>,
    /// NVIDIA time-slicing: pods that share each GPU.
    #[arg(long, value_name = "N", requires = "gpu")]
    pub time_slicing: Option<u32>,
    /// CPU kept back for the machine's own use (500m, 1).
    #[arg(long, value_name = "QUANTITY")]
    pub reserve_cpu: Option<String>,
    /// Memory kept back for the machine's own use (1Gi).
    #[arg(long, value_name = "QUANTITY")]
    pub reserve_memory: Option<String>,
    /// The SSH login user.
    #[arg(long, value_name = "USER")]
    pub ssh_user: Option<String>,
    /// The SSH port.
    #[arg(long, value_name = "PORT")]
    pub ssh_port: Option<u16>,
    /// The SSH private key file.
    #[arg(long, value_name = "FILE")]
    pub ssh_key: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    ControlPlane,
    Worker,
}

#[derive(Debug, clap::Args)]
pub struct DiscoverArgs {
    /// Read `tailscale status --json` output from this file (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Add these machines (by host name) as workers.
    #[arg(long, value_name = "HOST", num_args = 1..)]
    pub add: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Table)]
    pub output: ReportFormat,
}

pub fn node(args: &NodeArgs) -> anyhow::Result<ExitStatus> {
    let loaded = load(&args.file.config)?;
    match &args.command {
        NodeCommand::Add(add) => {
            let node = new_node(add)?;
            let name = node.name.clone();
            let edited = config::add_node(&loaded, node).map_err(refused)?;
            written(&edited, &args.file.config)?;
            Printer::note(format!(
                "added node {} to {}",
                escape(&name),
                args.file.config.display()
            ));
        }
        NodeCommand::Remove { names } => {
            let edited = config::remove_nodes(&loaded, names).map_err(refused)?;
            written(&edited, &args.file.config)?;
            Printer::note(format!(
                "removed {} from {}",
                escape(&names.join(", ")),
                args.file.config.display()
            ));
        }
        NodeCommand::List { output } => list(&loaded, *output)?,
        NodeCommand::Discover(discover) => {
            return discover_nodes(&loaded, &args.file.config, discover);
        }
    }
    Ok(ExitStatus::Success)
}

/// Reads cluster.yaml; a file that does not read is bad input.
pub fn load(path: &Path) -> anyhow::Result<Loaded> {
    korral_cluster::load(path).map_err(|err| match err {
        LoadError::Read { .. } if !path.exists() => InputError(anyhow!(
            "`{}` does not exist; create it with `korral init`, or name it with --config",
            path.display()
        ))
        .into(),
        err => InputError(anyhow!(err)).into(),
    })
}

/// A refused edit is bad input (exit 2); the file is unchanged.
pub fn refused(err: EditError) -> anyhow::Error {
    match err {
        EditError::Write { .. } => anyhow!(err),
        err => InputError(anyhow!(err)).into(),
    }
}

/// `--config PATH`, the cluster.yaml `node` and `config` read and change.
#[derive(Debug, clap::Args)]
pub struct ClusterFile {
    /// The cluster.yaml to read and change.
    #[arg(
        long = "config",
        value_name = "PATH",
        default_value = "cluster.yaml",
        global = true
    )]
    pub config: PathBuf,
}

/// Writes an edit and prints its warnings.
pub fn written(edited: &Edited, path: &Path) -> anyhow::Result<()> {
    edited.write(path)?;
    // Each diagnostic says its own severity: `file:line:column: warning: …`.
    for warning in &edited.warnings {
        let _ = writeln!(anstream::stderr(), "{warning}");
    }
    Ok(())
}

fn new_node(add: &AddArgs) -> anyhow::Result<Node> {
    let bad = |message: String| -> anyhow::Error { InputError(anyhow!(message)).into() };
    let mut labels = BTreeMap::new();
    for label in &add.labels {
        let (key, value) = label
            .split_once('=')
            .ok_or_else(|| bad(format!("--label `{label}`: write it KEY=VALUE")))?;
        labels.insert(key.to_owned(), value.to_owned());
    }
    let gpu = match &add.gpu {
        None => None,
        Some(text) => {
            let (vendor, count) = text.split_once(':').unwrap_or((text, "1"));
            let vendor = match vendor {
                "nvidia" => GpuVendor::Nvidia,
                "amd" => GpuVendor::Amd,
                "intel" => GpuVendor::Intel,
                _ => {
                    return Err(bad(format!(
                        "--gpu `{text}`: the vendor is nvidia, amd or intel"
                    )));
                }
            };
            let count = count
                .parse()
                .map_err(|_| bad(format!("--gpu `{text}`: the count is a whole number")))?;
            Some(Gpu {
                vendor,
                count,
                time_slicing: add.time_slicing.map(|replicas| TimeSlicing { replicas }),
            })
        }
    };
    let reserved = (add.reserve_cpu.is_some() || add.reserve_memory.is_some()).then(|| Reserved {
        cpu: add.reserve_cpu.clone(),
        memory: add.reserve_memory.clone(),
    });
    let ssh =
        (add.ssh_user.is_some() || add.ssh_port.is_some() || add.ssh_key.is_some()).then(|| Ssh {
            user: add.ssh_user.clone(),
            port: add.ssh_port,
            key: add.ssh_key.clone(),
        });
    Ok(Node {
        name: add.name.clone(),
        hostname: add.hostname.clone(),
        address: add.address.clone(),
        tailscale_ip: add.tailscale_ip.clone(),
        role: match add.role {
            RoleArg::ControlPlane => Role::ControlPlane,
            RoleArg::Worker => Role::Worker,
        },
        labels,
        taints: add.taints.clone(),
        gpu,
        reserved,
        ssh,
    })
}

fn list(loaded: &Loaded, output: ReportFormat) -> anyhow::Result<()> {
    let nodes = &loaded.cluster.spec.nodes;
    Printer::new(None).emit(|out| match output {
        ReportFormat::Json => Printer::data(out, nodes, false),
        ReportFormat::Yaml => Printer::data(out, nodes, true),
        ReportFormat::Table => {
            let rows: Vec<[String; 6]> = nodes
                .iter()
                .map(|node| {
                    [
                        node.name.clone(),
                        node.role.as_str().to_owned(),
                        node.address.clone(),
                        node.tailscale_ip.clone().unwrap_or_else(|| "-".to_owned()),
                        node.gpu.as_ref().map_or_else(
                            || "-".to_owned(),
                            |gpu| {
                                let vendor = serde_json::to_value(gpu.vendor)
                                    .ok()
                                    .and_then(|v| v.as_str().map(str::to_owned))
                                    .unwrap_or_default();
                                match &gpu.time_slicing {
                                    Some(t) => format!("{vendor}:{}x{}", gpu.count, t.replicas),
                                    None => format!("{vendor}:{}", gpu.count),
                                }
                            },
                        ),
                        if node.labels.is_empty() {
                            "-".to_owned()
                        } else {
                            node.labels
                                .iter()
                                .map(|(k, v)| format!("{k}={v}"))
                                .collect::<Vec<_>>()
                                .join(",")
                        },
                    ]
                })
                .collect();
            table(
                out,
                &["NAME", "ROLE", "ADDRESS", "TAILSCALE-IP", "GPU", "LABELS"],
                &rows,
            )
        }
    })
}

/// Columns separated by three spaces, as kubectl prints them. Cells hold names and
/// addresses from cluster.yaml or `tailscale status --json`: escaped, so that none can
/// move the cursor, retitle the window or draw a line of its own.
fn table<const N: usize>(
    out: &mut dyn Write,
    header: &[&str; N],
    rows: &[[String; N]],
) -> anyhow::Result<()> {
    let rows: Vec<[String; N]> = rows
        .iter()
        .map(|row| row.clone().map(|cell| escape(&cell).into_owned()))
        .collect();
    let rows = rows.as_slice();
    let mut widths = header.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |out: &mut dyn Write, cells: Vec<&str>| -> anyhow::Result<()> {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                text.push_str(cell);
            } else {
                text.push_str(cell);
                let pad = widths[i] - cell.chars().count() + 3;
                text.extend(std::iter::repeat_n(' ', pad));
            }
        }
        writeln!(out, "{}", text.trim_end())?;
        Ok(())
    };
    line(out, header.to_vec())?;
    for row in rows {
        line(out, row.iter().map(String::as_str).collect())?;
    }
    Ok(())
}

fn discover_nodes(
    loaded: &Loaded,
    config_path: &Path,
    args: &DiscoverArgs,
) -> anyhow::Result<ExitStatus> {
    let json = match &args.from {
        Some(path) if path.as_os_str() == "-" => std::io::read_to_string(std::io::stdin())?,
        Some(path) => std::fs::read_to_string(path)
            .map_err(|err| InputError(anyhow!("cannot read `{}`: {err}", path.display())))?,
        None => discover::run_tailscale().map_err(|err| InputError(anyhow!(err)))?,
    };
    let peers = discover::peers(&json, &loaded.cluster).map_err(|err| InputError(anyhow!(err)))?;
    if !args.add.is_empty() {
        let mut current = loaded.clone();
        for host in &args.add {
            let peer = peers
                .iter()
                .find(|p| {
                    p.host_name.eq_ignore_ascii_case(host)
                        || p.dns_name.starts_with(&format!("{host}."))
                })
                .ok_or_else(|| {
                    InputError(anyhow!(
                        "`{}` is not on the tailnet; `korral node discover` lists the machines",
                        escape(host)
                    ))
                })?;
            if let Some(node) = &peer.node {
                return Err(InputError(anyhow!(
                    "`{}` is already node `{}`",
                    escape(host),
                    escape(node)
                ))
                .into());
            }
            let node = discover::as_worker(peer).map_err(|err| InputError(anyhow!(err)))?;
            let edited = config::add_node(&current, node).map_err(refused)?;
            current = edited.loaded;
        }
        let edited = korral_cluster::edit::check(loaded, &current.text, &current.cluster)
            .map_err(refused)?;
        written(&edited, config_path)?;
        Printer::note(format!(
            "added {} to {} as workers",
            escape(&args.add.join(", ")),
            config_path.display()
        ));
        return Ok(ExitStatus::Success);
    }
    Printer::new(None).emit(|out| match args.output {
        ReportFormat::Json => Printer::data(out, &peers, false),
        ReportFormat::Yaml => Printer::data(out, &peers, true),
        ReportFormat::Table => {
            let rows: Vec<[String; 6]> = peers.iter().map(peer_row).collect();
            table(
                out,
                &["HOST", "DNS-NAME", "TAILSCALE-IPS", "OS", "ONLINE", "NODE"],
                &rows,
            )
        }
    })?;
    Ok(ExitStatus::Success)
}

fn peer_row(peer: &Peer) -> [String; 6] {
    [
        if peer.this_machine {
            format!("{} (this machine)", peer.host_name)
        } else {
            peer.host_name.clone()
        },
        peer.dns_name.clone(),
        peer.tailscale_ips.join(","),
        peer.os.clone(),
        if peer.online { "yes" } else { "no" }.to_owned(),
        peer.node.clone().unwrap_or_else(|| "-".to_owned()),
    ]
}
