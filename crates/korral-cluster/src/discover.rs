//! The tailnet's machines from `tailscale status --json`, and which are already nodes.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::names;
use crate::spec::{Cluster, Node, Role};

/// The parts of `tailscale status --json` korral reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Status {
    #[serde(rename = "Self")]
    this: Option<Machine>,
    #[serde(default)]
    peer: Option<BTreeMap<String, Machine>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Machine {
    #[serde(default)]
    host_name: String,
    #[serde(rename = "DNSName", default)]
    dns_name: String,
    #[serde(rename = "TailscaleIPs", default)]
    tailscale_ips: Option<Vec<String>>,
    #[serde(rename = "OS", default)]
    os: String,
    #[serde(default)]
    online: bool,
}

/// A machine on the tailnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Peer {
    pub host_name: String,
    /// The MagicDNS name, without the trailing dot.
    pub dns_name: String,
    pub tailscale_ips: Vec<String>,
    pub os: String,
    pub online: bool,
    /// The machine korral runs on (tailscale's `Self`).
    pub this_machine: bool,
    /// The cluster node this machine already is, matched by Tailscale address or name.
    pub node: Option<String>,
}

/// Why the tailnet could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// tailscale is not installed, or did not answer.
    #[error(
        "cannot run `tailscale status --json`: {}; install Tailscale (https://tailscale.com/download) and log in, or pass --from FILE with its saved output",
        korral_core::terminal::escape(.0)
    )]
    Tailscale(String),
    /// The text is not `tailscale status --json` output.
    #[error("not `tailscale status --json` output: {0}")]
    Format(String),
    /// A machine without an IPv4 Tailscale address cannot be added. (Its host name comes
    /// from the tailnet: escaped.)
    #[error(
        "`{}` has no Tailscale IPv4 address to connect to",
        korral_core::terminal::escape(.0)
    )]
    NoAddress(String),
}

/// Runs the real `tailscale status --json`.
pub fn run_tailscale() -> Result<String, DiscoverError> {
    let output = std::process::Command::new("tailscale")
        .args(["status", "--json"])
        .output()
        .map_err(|err| DiscoverError::Tailscale(err.to_string()))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(DiscoverError::Tailscale(stderr.trim().to_owned()));
    }
    String::from_utf8(output.stdout).map_err(|err| DiscoverError::Format(err.to_string()))
}

/// The machines of `json` (ours first, then peers by host name), each matched to a node.
pub fn peers(json: &str, cluster: &Cluster) -> Result<Vec<Peer>, DiscoverError> {
    let status: Status =
        serde_json::from_str(json).map_err(|err| DiscoverError::Format(err.to_string()))?;
    let mut machines: Vec<(Machine, bool)> = Vec::new();
    if let Some(this) = status.this {
        machines.push((this, true));
    }
    let mut others: Vec<Machine> = status.peer.unwrap_or_default().into_values().collect();
    others.sort_by(|a, b| a.host_name.cmp(&b.host_name));
    machines.extend(others.into_iter().map(|m| (m, false)));
    Ok(machines
        .into_iter()
        .map(|(machine, this_machine)| {
            let dns_name = machine.dns_name.trim_end_matches('.').to_owned();
            let tailscale_ips = machine.tailscale_ips.unwrap_or_default();
            let node = cluster
                .spec
                .nodes
                .iter()
                .find(|node| matches(node, &machine.host_name, &dns_name, &tailscale_ips))
                .map(|node| node.name.clone());
            Peer {
                host_name: machine.host_name,
                dns_name,
                tailscale_ips,
                os: machine.os,
                online: machine.online,
                this_machine,
                node,
            }
        })
        .collect())
}

fn matches(node: &Node, host_name: &str, dns_name: &str, ips: &[String]) -> bool {
    let same_ip = |text: &Option<String>| {
        text.as_deref()
            .and_then(|t| t.parse::<IpAddr>().ok())
            .is_some_and(|ip| ips.iter().any(|i| i.parse::<IpAddr>().ok() == Some(ip)))
    };
    same_ip(&node.tailscale_ip)
        || same_ip(&Some(node.address.clone()))
        || node
            .hostname
            .as_deref()
            .is_some_and(|h| h.eq_ignore_ascii_case(dns_name) || h.eq_ignore_ascii_case(host_name))
        || node.name == names::node_name_from(host_name)
}

/// A worker node for a tailnet machine: named after its host name, reached at its
/// Tailscale IPv4 address, its MagicDNS name as hostname.
pub fn as_worker(peer: &Peer) -> Result<Node, DiscoverError> {
    let ipv4 = peer
        .tailscale_ips
        .iter()
        .find(|ip| ip.parse::<std::net::Ipv4Addr>().is_ok())
        .ok_or_else(|| DiscoverError::NoAddress(peer.host_name.clone()))?;
    Ok(Node {
        name: names::node_name_from(&peer.host_name),
        hostname: (!peer.dns_name.is_empty()).then(|| peer.dns_name.to_ascii_lowercase()),
        address: ipv4.clone(),
        tailscale_ip: Some(ipv4.clone()),
        role: Role::Worker,
        labels: BTreeMap::new(),
        taints: Vec::new(),
        gpu: None,
        reserved: None,
        ssh: None,
    })
}
