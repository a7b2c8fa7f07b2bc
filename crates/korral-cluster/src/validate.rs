//! Every check `korral validate` runs, each finding with its line and the fix.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use korral_core::Quantity;

use crate::diagnostic::{Diagnostic, Severity};
use crate::load::Loaded;
use crate::names;
use crate::spec::{self, DeploymentMode, GpuVendor, Node, SecretRef};
use crate::support;
use crate::tree::FieldPath;

/// Checks a loaded cluster.yaml; errors first, then warnings, each in file order.
pub fn validate(loaded: &Loaded) -> Vec<Diagnostic> {
    let mut check = Checker {
        loaded,
        found: Vec::new(),
    };
    check.header();
    check.k3s();
    check.mode();
    check.network();
    check.nodes();
    check.gitops();
    check.registries();
    check.security();
    check.sweep();
    let mut found = check.found;
    found.sort_by_key(|d| (d.severity, d.line, d.column));
    found
}

/// Every problem of the cluster.yaml `text` at once, `file` naming it: the schema
/// problems (unknown keys, values of the wrong type) one after another, then the semantic
/// ones of [`validate`] for the rest of the file. A YAML syntax error is reported alone,
/// since the parser cannot go on past it; so is a missing required field, which leaves
/// no model to check.
///
/// After each schema problem the offending entry is blanked out (spaces, so every line
/// and column stays where it was) and the text read again.
pub fn validate_text(file: &str, text: &str) -> Vec<Diagnostic> {
    // Each round blanks one entry; a file has far fewer wrong entries than this.
    const ROUNDS: usize = 100;
    let first = match Loaded::parse(file, text) {
        Ok(loaded) => return validate(&loaded),
        Err(crate::LoadError::Invalid(diagnostic)) => *diagnostic,
        Err(crate::LoadError::Read { .. }) => return Vec::new(),
    };
    let mut found = vec![first];
    let Ok(Some(root)) = crate::tree::parse(text) else {
        return found;
    };
    let mut current = text.to_owned();
    for _ in 0..ROUNDS {
        let Some(last) = found.last() else { break };
        if last.message.starts_with("missing field") {
            break;
        }
        let Ok(Some(current_root)) = crate::tree::parse(&current) else {
            break;
        };
        let Some(offset) = offset_of(&current, last.line, last.column) else {
            break;
        };
        // Only a mapping entry can go: a blanked sequence item would read as null.
        let Some(path) = current_root.path_at(offset) else {
            break;
        };
        let Some(crate::tree::Segment::Key(_)) = path.0.last() else {
            break;
        };
        let Some(entry) = current_root.entry(&path) else {
            break;
        };
        let start = entry.key_node.span.start;
        let end = entry.value.span.end.max(entry.key_node.span.end);
        current = blank(&current, start, end);
        match Loaded::parse(file, &current) {
            Ok(rest) => {
                // Located in the original text: blanking kept every line and column.
                let loaded = Loaded {
                    text: text.to_owned(),
                    root,
                    ..rest
                };
                found.extend(validate(&loaded));
                break;
            }
            // A field made missing by the blanking, or text that no longer parses:
            // consequences of the repair, not problems of the file.
            Err(crate::LoadError::Invalid(next))
                if next.message.starts_with("missing field")
                    || next.message.starts_with("YAML syntax error") =>
            {
                break;
            }
            Err(crate::LoadError::Invalid(next)) => {
                if found
                    .iter()
                    .any(|d| d.line == next.line && d.column == next.column)
                {
                    break;
                }
                found.push(*next);
            }
            Err(crate::LoadError::Read { .. }) => break,
        }
    }
    found.sort_by_key(|d| (d.severity, d.line, d.column));
    found
}

/// The byte offset of 1-based `line` and `column` (in characters) in `text`.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.checked_sub(1)?)
        .map(str::len)
        .sum();
    let rest = text.get(start..)?;
    let within = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(rest.len(), |(at, _)| at);
    Some(start + within)
}

/// `text` with the bytes `start..end` made spaces, line breaks kept.
fn blank(text: &str, start: usize, end: usize) -> String {
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start]);
    for c in text[start..end].chars() {
        out.push(if c == '\n' || c == '\r' { c } else { ' ' });
    }
    out.push_str(&text[end..]);
    out
}

/// Whether any diagnostic is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

struct Checker<'a> {
    loaded: &'a Loaded,
    found: Vec<Diagnostic>,
}

/// Where a diagnostic points: at the field's key, or at its value.
#[derive(Clone, Copy)]
enum At {
    Key,
    Value,
}

fn path(text: &str) -> FieldPath {
    FieldPath::parse(text).unwrap_or_default()
}

impl Checker<'_> {
    fn report(
        &mut self,
        severity: Severity,
        at: At,
        path: &FieldPath,
        message: String,
        fix: impl Into<String>,
    ) {
        let (line, column) = match at {
            At::Key => self.loaded.locate(path),
            At::Value => self.loaded.locate_value(path),
        };
        self.found.push(Diagnostic {
            severity,
            file: self.loaded.file.clone(),
            line,
            column,
            path: path.to_string(),
            message,
            fix: fix.into(),
        });
    }

    fn error(&mut self, path: &FieldPath, message: String, fix: impl Into<String>) {
        self.report(Severity::Error, At::Value, path, message, fix);
    }

    fn missing(&mut self, path: &FieldPath, message: String, fix: impl Into<String>) {
        self.report(Severity::Error, At::Key, path, message, fix);
    }

    fn warn(&mut self, path: &FieldPath, message: String, fix: impl Into<String>) {
        self.report(Severity::Warning, At::Key, path, message, fix);
    }

    fn cluster(&self) -> &spec::Cluster {
        &self.loaded.cluster
    }

    /// A path on the controller: `what` names it in the message.
    fn file_path(&mut self, at: &FieldPath, value: &str, what: &str, fix: &str) {
        if let Err(why) = names::file_path(value) {
            self.error(at, format!("{what} {why}"), fix);
        }
    }

    /// A registry key of `mirrors` or `configs`: `host[:port]`, or `*` for every registry.
    fn registry_host(&mut self, at: &FieldPath, host: &str) {
        if host != "*"
            && let Err(why) = names::registry_host(host)
        {
            self.report(
                Severity::Error,
                At::Key,
                at,
                format!("registry `{host}` {why}"),
                "write the registry's host and optional port, e.g. `docker.io` or `registry.example.com:5000`, or `*` for every registry",
            );
        }
    }

    /// Every string of the file, keys included, that no check of its meaning refused
    /// already: none may hold a control character or a template marker, since each ends
    /// up in a file (inventory, unit, config) or on a command line.
    fn sweep(&mut self) {
        let Ok(value) = serde_json::to_value(self.cluster()) else {
            return;
        };
        let refused: std::collections::HashSet<String> = self
            .found
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.path.clone())
            .collect();
        let mut found = Vec::new();
        walk(&value, &FieldPath::root(), &mut |at, text, is_key| {
            if let Err(why) = names::plain_text(text)
                && !refused.contains(&at.to_string())
            {
                found.push((at.clone(), why, is_key));
            }
        });
        for (at, why, is_key) in found {
            let what = if is_key { "the key" } else { "the value" };
            self.report(
                Severity::Error,
                if is_key { At::Key } else { At::Value },
                &at,
                format!("{what} {why}"),
                "write it on one line without `{{`, `{%` or `{#`: korral copies values into Ansible files, systemd units and command lines as data",
            );
        }
    }

    fn header(&mut self) {
        let cluster = self.cluster().clone();
        if cluster.api_version != spec::API_VERSION {
            self.error(
                &path("apiVersion"),
                format!(
                    "apiVersion `{}` is not one korral reads",
                    cluster.api_version
                ),
                format!("write `apiVersion: {}`", spec::API_VERSION),
            );
        }
        if cluster.kind != spec::KIND {
            self.error(
                &path("kind"),
                format!("kind `{}` is not a cluster description", cluster.kind),
                format!("write `kind: {}`", spec::KIND),
            );
        }
        if let Err(why) = names::dns_label(&cluster.metadata.name) {
            self.error(
                &path("metadata.name"),
                format!("cluster name `{}` {why}", cluster.metadata.name),
                "use lowercase letters, digits and `-`, at most 63, starting and ending with a letter or digit (e.g. `homelab`)",
            );
        }
    }

    fn k3s(&mut self) {
        let k3s = self.cluster().spec.k3s.clone();
        let version = k3s.version;
        if !names::k3s_version(&version) {
            self.error(
                &path("spec.k3s.version"),
                format!("`{version}` is not a K3s release"),
                "write it as K3s tags its releases, `vX.Y.Z+k3sN` (e.g. `v1.35.2+k3s1`; see https://github.com/k3s-io/k3s/releases)",
            );
        } else if let Some((minor, end)) = support::ended(&version, support::today()) {
            self.warn(
                &path("spec.k3s.version"),
                format!(
                    "Kubernetes 1.{minor} ({version}) has been out of support since {end}: no more security fixes"
                ),
                format!(
                    "move to a supported release, e.g. `korral config set k3s.version {}` (upgrade one minor version at a time)",
                    support::RECOMMENDED
                ),
            );
        }
        for (field, args) in [
            ("serverArgs", &k3s.server_args),
            ("agentArgs", &k3s.agent_args),
        ] {
            for (index, arg) in args.iter().enumerate() {
                if let Err(why) = names::plain_text(arg) {
                    self.error(
                        &path(&format!("spec.k3s.{field}")).index(index),
                        format!("the K3s argument {why}"),
                        "write one argument per list item on one line, e.g. `--disable=traefik`; korral quotes each for the systemd unit",
                    );
                }
            }
        }
    }

    fn mode(&mut self) {
        let spec = self.cluster().spec.clone();
        let airgap = spec.airgap.clone().unwrap_or_default();
        let mode = spec.mode;
        let need = |field: &str| {
            format!("add `spec.airgap.{field}` (or run `korral config set airgap.{field} VALUE`)")
        };
        match mode {
            DeploymentMode::Internet => {
                if spec.airgap.is_some() {
                    self.warn(
                        &path("spec.airgap"),
                        "`airgap` is ignored in mode `internet`".to_owned(),
                        "remove `airgap`, or set the airgapped mode it was written for",
                    );
                }
            }
            DeploymentMode::AirgappedLocal | DeploymentMode::AirgappedRegistry => {
                match &airgap.local_path {
                    None => self.missing(
                        &path("spec.airgap.localPath"),
                        format!(
                            "mode `{}` installs the K3s binary from a local folder, and none is given",
                            mode.as_str()
                        ),
                        need("localPath"),
                    ),
                    Some(p) => self.file_path(
                        &path("spec.airgap.localPath"),
                        p,
                        "the airgap folder",
                        "name the folder holding `k3s`, `k3s-airgap-images-*.tar*` and `install.sh`",
                    ),
                }
            }
            DeploymentMode::AirgappedArchive => {
                match &airgap.bundle {
                    None => self.missing(
                        &path("spec.airgap.bundle"),
                        "mode `airgapped-archive` installs from a korral bundle, and none is given"
                            .to_owned(),
                        need("bundle"),
                    ),
                    Some(b) => self.file_path(
                        &path("spec.airgap.bundle"),
                        b,
                        "the bundle path",
                        "name the bundle file `korral bundle create` wrote",
                    ),
                }
                if let Some(keyring) = &airgap.keyring {
                    self.file_path(
                        &path("spec.airgap.keyring"),
                        keyring,
                        "the keyring folder",
                        "name the folder of trusted public keys",
                    );
                } else {
                    self.warn(
                        &path("spec.airgap"),
                        "no `keyring`: the bundle's signature cannot be checked against keys you chose".to_owned(),
                        "add `spec.airgap.keyring` naming the folder of trusted public keys",
                    );
                }
            }
        }
        if mode == DeploymentMode::AirgappedRegistry {
            let mirrors = spec
                .registries
                .as_ref()
                .map_or(0, |registries| registries.mirrors.len());
            if mirrors == 0 {
                self.missing(
                    &path("spec.registries.mirrors"),
                    "mode `airgapped-registry` pulls images from a mirror, and no mirror is given"
                        .to_owned(),
                    "add `spec.registries.mirrors` (e.g. `docker.io: { endpoints: [\"https://registry.example.internal:5000\"] }`)",
                );
            }
        }
    }

    fn network(&mut self) {
        let network = self.cluster().spec.network.clone();
        for (field, cidr) in [
            ("clusterCidr", &network.cluster_cidr),
            ("serviceCidr", &network.service_cidr),
        ] {
            if let Some(cidr) = cidr
                && !names::cidr(cidr)
            {
                self.error(
                    &path(&format!("spec.network.{field}")),
                    format!("`{cidr}` is not a CIDR block"),
                    "write an address and a prefix length, e.g. 10.42.0.0/16",
                );
            }
        }
        let Some(tailscale) = network.tailscale else {
            return;
        };
        if let Some(tailnet) = &tailscale.tailnet
            && names::dns_subdomain(tailnet).is_err()
        {
            self.error(
                &path("spec.network.tailscale.tailnet"),
                format!("`{tailnet}` is not a DNS name"),
                "write the tailnet's DNS name as the admin console shows it (e.g. `example.ts.net`)",
            );
        }
        if let Some(secret) = &tailscale.auth_key {
            self.secret(&path("spec.network.tailscale.authKey"), secret);
        } else if tailscale.enabled {
            self.warn(
                &path("spec.network.tailscale"),
                "Tailscale is enabled without `authKey`: machines not yet on the tailnet cannot join".to_owned(),
                "add `authKey: { env: TS_AUTHKEY }` (or `{ file: PATH }`), or join the machines by hand first",
            );
        }
    }

    fn secret(&mut self, at: &FieldPath, secret: &SecretRef) {
        match secret {
            SecretRef::Env(name) => {
                // The value is not repeated: what stands here may be the secret itself,
                // pasted where the variable's name belongs.
                if !names::env_var(name) {
                    self.error(
                        &at.key("env"),
                        "this is not an environment variable name (not shown: it may be the secret itself)".to_owned(),
                        "name the variable that holds the secret: letters, digits and `_`, not starting with a digit (e.g. `TS_AUTHKEY`)",
                    );
                }
            }
            SecretRef::File(file) => {
                if let Err(why) = names::file_path(file) {
                    self.error(
                        &at.key("file"),
                        format!(
                            "the secret's file name {why} (not shown: it may be the secret itself)"
                        ),
                        "name the file that holds the secret (e.g. `~/.config/korral/ts-authkey`)",
                    );
                }
            }
        }
    }

    fn nodes(&mut self) {
        let cluster = self.cluster().clone();
        let nodes_path = path("spec.nodes");
        if cluster.spec.nodes.is_empty() {
            self.missing(
                &nodes_path,
                "the cluster has no nodes".to_owned(),
                "add one: `korral node add cp1 --address 192.168.1.10 --role control-plane`",
            );
            return;
        }
        let control_planes = cluster.control_planes().count();
        if control_planes == 0 {
            self.missing(
                &nodes_path,
                "no node has `role: control-plane`: K3s needs a server".to_owned(),
                "set `role: control-plane` on one node (`korral config set role control-plane --scope node:NAME`)",
            );
        } else if control_planes > 1 && !cluster.spec.k3s.embedded_etcd {
            self.missing(
                &path("spec.k3s"),
                format!(
                    "{control_planes} control-plane nodes, but K3s' default datastore (SQLite) serves one server"
                ),
                "set `spec.k3s.embeddedEtcd: true` for HA, or keep one control plane",
            );
        } else if cluster.spec.k3s.embedded_etcd && control_planes.is_multiple_of(2) {
            let message = format!(
                "{control_planes} control-plane nodes: etcd needs a majority, so an even count tolerates no more failures than one node fewer"
            );
            let fix = "use an odd number of control planes (1, 3 or 5)";
            if control_planes == 2 {
                // Two is where people pass on their way to three; warn rather than refuse.
                self.warn(
                    &path("spec.k3s.embeddedEtcd"),
                    format!("{message} (with 2, losing either loses the cluster)"),
                    fix,
                );
            } else {
                self.missing(&path("spec.k3s.embeddedEtcd"), message, fix);
            }
        }
        let tailscale = cluster.tailscale_enabled();
        let mut names: HashMap<&str, usize> = HashMap::new();
        let mut addresses: HashMap<IpAddr, usize> = HashMap::new();
        let mut tailscale_ips: HashMap<IpAddr, usize> = HashMap::new();
        for (index, node) in cluster.spec.nodes.iter().enumerate() {
            let at = nodes_path.index(index);
            self.node(&at, node, tailscale);
            if let Some(first) = names.insert(&node.name, index) {
                self.error(
                    &at.key("name"),
                    format!(
                        "node name `{}` is used twice (first by spec.nodes[{first}])",
                        node.name
                    ),
                    "give every node its own name",
                );
            }
            if let Ok(ip) = node.address.parse::<IpAddr>()
                && let Some(first) = addresses.insert(ip, index)
            {
                self.error(
                    &at.key("address"),
                    format!(
                        "address `{ip}` is already node `{}`'s",
                        cluster.spec.nodes[first].name
                    ),
                    "give every node its own address",
                );
            }
            if let Some(Ok(ip)) = node.tailscale_ip.as_deref().map(str::parse::<IpAddr>)
                && let Some(first) = tailscale_ips.insert(ip, index)
            {
                self.error(
                    &at.key("tailscaleIp"),
                    format!(
                        "Tailscale address `{ip}` is already node `{}`'s",
                        cluster.spec.nodes[first].name
                    ),
                    "copy each machine's address from `tailscale status` (or use `korral node discover`)",
                );
            }
        }
    }

    fn node(&mut self, at: &FieldPath, node: &Node, tailscale: bool) {
        self.node_names(at, node);
        self.node_addresses(at, node, tailscale);
        self.labels(&at.key("labels"), &node.labels);
        self.taints(&at.key("taints"), &node.taints);
        self.gpu(at, node);
        self.reserved(at, node);
        self.ssh(at, node);
    }

    fn node_names(&mut self, at: &FieldPath, node: &Node) {
        if let Err(why) = names::dns_subdomain(&node.name) {
            self.error(
                &at.key("name"),
                format!("node name `{}` {why}", node.name),
                "Kubernetes node names are RFC 1123 subdomains: lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit (e.g. `gpu-1`)",
            );
        }
        if let Some(hostname) = &node.hostname
            && let Err(why) = names::dns_subdomain(&hostname.to_ascii_lowercase())
        {
            self.error(
                &at.key("hostname"),
                format!("hostname `{hostname}` {why}"),
                "write the machine's DNS name (e.g. `gpu1.example.ts.net`), or leave `hostname` out to connect by address",
            );
        }
    }

    fn node_addresses(&mut self, at: &FieldPath, node: &Node, tailscale: bool) {
        match node.address.parse::<IpAddr>() {
            Err(_) => self.error(
                &at.key("address"),
                format!("`{}` is not an IPv4 or IPv6 address", node.address),
                "write the address Ansible connects to, e.g. 192.168.1.10 or fd00::10 (put a DNS name in `hostname`)",
            ),
            Ok(ip) if ip.is_unspecified() || ip.is_multicast() => self.error(
                &at.key("address"),
                format!("`{ip}` is not the address of one machine"),
                "write the address of the machine, e.g. 192.168.1.10",
            ),
            Ok(ip) if ip.is_loopback() => self.warn(
                &at.key("address"),
                format!("`{ip}` is a loopback address: other nodes cannot reach this one at it"),
                "write an address the other nodes can reach",
            ),
            Ok(_) => {}
        }
        match (&node.tailscale_ip, tailscale) {
            (None, true) => self.missing(
                &at.key("tailscaleIp"),
                format!(
                    "Tailscale is enabled but node `{}` has no `tailscaleIp`",
                    node.name
                ),
                "add the machine's address from `tailscale ip -4` (or use `korral node discover`)",
            ),
            (Some(ip), enabled) => match ip.parse::<IpAddr>() {
                Err(_) => self.error(
                    &at.key("tailscaleIp"),
                    format!("`{ip}` is not an IPv4 or IPv6 address"),
                    "copy the address from `tailscale ip -4` (e.g. 100.101.102.103)",
                ),
                Ok(addr) if !names::tailscale_ip(addr) => self.error(
                    &at.key("tailscaleIp"),
                    format!(
                        "`{ip}` is outside Tailscale's ranges (100.64.0.0/10 and fd7a:115c:a1e0::/48)"
                    ),
                    "copy the address from `tailscale ip -4` (e.g. 100.101.102.103)",
                ),
                Ok(_) if !enabled => self.warn(
                    &at.key("tailscaleIp"),
                    "`tailscaleIp` is ignored while Tailscale is not enabled".to_owned(),
                    "set `spec.network.tailscale.enabled: true`, or remove `tailscaleIp`",
                ),
                Ok(_) => {}
            },
            (None, false) => {}
        }
    }

    fn gpu(&mut self, at: &FieldPath, node: &Node) {
        if let Some(gpu) = &node.gpu {
            let gpu_at = at.key("gpu");
            if gpu.count == 0 {
                self.error(
                    &gpu_at.key("count"),
                    "a GPU count of 0 declares no GPU".to_owned(),
                    "write how many GPUs the machine has (1 or more), or remove `gpu`",
                );
            }
            if let Some(slicing) = &gpu.time_slicing {
                if gpu.vendor != GpuVendor::Nvidia {
                    self.error(
                        &gpu_at.key("timeSlicing"),
                        format!(
                            "time-slicing is an NVIDIA device plugin feature; this GPU is `{}`",
                            match gpu.vendor {
                                GpuVendor::Nvidia => "nvidia",
                                GpuVendor::Amd => "amd",
                                GpuVendor::Intel => "intel",
                            }
                        ),
                        "remove `timeSlicing`, or set `vendor: nvidia` if the GPU is NVIDIA's",
                    );
                }
                if slicing.replicas == 0 {
                    self.error(
                        &gpu_at.key("timeSlicing").key("replicas"),
                        "time-slicing needs at least 1 replica per GPU".to_owned(),
                        "write how many pods share each GPU (2 or more to share; 1 means no sharing)",
                    );
                } else if slicing.replicas == 1 {
                    self.warn(
                        &gpu_at.key("timeSlicing").key("replicas"),
                        "1 replica per GPU shares nothing".to_owned(),
                        "write 2 or more, or remove `timeSlicing`",
                    );
                }
            }
        }
    }

    fn reserved(&mut self, at: &FieldPath, node: &Node) {
        if let Some(reserved) = &node.reserved {
            let reserved_at = at.key("reserved");
            for (field, value, example) in [
                ("cpu", &reserved.cpu, "500m or 1"),
                ("memory", &reserved.memory, "1Gi or 512Mi"),
            ] {
                let Some(value) = value else { continue };
                match value.parse::<Quantity>() {
                    Err(_) => self.error(
                        &reserved_at.key(field),
                        format!("`{value}` is not a Kubernetes quantity"),
                        format!("write it like {example}"),
                    ),
                    Ok(q) if q.0 <= 0.0 => self.error(
                        &reserved_at.key(field),
                        format!("`{value}` reserves nothing"),
                        format!("write a positive amount like {example}, or remove `{field}`"),
                    ),
                    Ok(q) if field == "memory" && q.0 < 1_048_576.0 => self.warn(
                        &reserved_at.key(field),
                        format!(
                            "`{value}` is less than 1Mi: quantities without a suffix are bytes"
                        ),
                        "add a suffix, e.g. 512Mi or 1Gi",
                    ),
                    Ok(_) => {}
                }
            }
        }
    }

    fn ssh(&mut self, at: &FieldPath, node: &Node) {
        if let Some(ssh) = &node.ssh {
            let ssh_at = at.key("ssh");
            if let Some(user) = &ssh.user
                && let Err(why) = names::unix_user(user)
            {
                self.error(
                    &ssh_at.key("user"),
                    format!("login name `{user}` {why}"),
                    "write the Unix user Ansible logs in as (e.g. `ubuntu`): letters, digits, `_`, `.` and `-`, starting with a letter or `_`",
                );
            }
            if ssh.port == Some(0) {
                self.error(
                    &ssh_at.key("port"),
                    "port 0 is not an SSH port".to_owned(),
                    "write the port sshd listens on (22 by default)",
                );
            }
            if let Some(key) = &ssh.key {
                self.file_path(
                    &ssh_at.key("key"),
                    key,
                    "the SSH key path",
                    "name the private key file (e.g. `~/.ssh/id_ed25519`), or remove `key`",
                );
            }
        }
    }

    fn labels(&mut self, at: &FieldPath, labels: &BTreeMap<String, String>) {
        for (key, value) in labels {
            let label_at = at.key(key);
            if let Err(why) = names::qualified_name(key) {
                self.report(
                    Severity::Error,
                    At::Key,
                    &label_at,
                    format!("label key `{key}` {why}"),
                    "write `[prefix/]name`: the prefix a DNS subdomain (at most 253), the name at most 63 of letters, digits, `-`, `_`, `.`, starting and ending with a letter or digit",
                );
            } else if names::restricted_label_prefix(key) {
                self.warn(
                    &label_at,
                    format!("the kubelet may not set label `{key}` on its own node (NodeRestriction)"),
                    "use your own prefix (e.g. `korral.io/` or `example.com/`), or `node.kubernetes.io/`",
                );
            }
            if let Err(why) = names::label_value(value) {
                self.error(
                    &label_at,
                    format!("label value `{value}` {why}"),
                    "use at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit (quote values like \"true\")",
                );
            }
        }
    }

    fn taints(&mut self, at: &FieldPath, taints: &[String]) {
        let mut seen: HashMap<(String, String), usize> = HashMap::new();
        for (index, taint) in taints.iter().enumerate() {
            let taint_at = at.index(index);
            match names::taint(taint) {
                Err(why) => self.error(
                    &taint_at,
                    format!("taint `{taint}` {why}"),
                    "write `key[=value]:Effect` as `kubectl taint` does, the effect NoSchedule, PreferNoSchedule or NoExecute (e.g. `nvidia.com/gpu=present:NoSchedule`)",
                ),
                Ok((key, effect)) => {
                    if let Some(first) = seen.insert((key.clone(), effect.clone()), index) {
                        self.error(
                            &taint_at,
                            format!("taint `{key}:{effect}` is set twice (also taints[{first}])"),
                            "keep one taint per key and effect",
                        );
                    }
                }
            }
        }
    }

    fn gitops(&mut self) {
        let Some(gitops) = self.cluster().spec.gitops.clone() else {
            return;
        };
        let at = path("spec.gitops");
        if !names::git_url(&gitops.repository) {
            self.error(
                &at.key("repository"),
                format!("`{}` is not a Git repository URL", gitops.repository),
                "write an ssh://, https:// or `git@host:path` URL (e.g. ssh://git@github.com/acme/fleet.git)",
            );
        }
        if let Err(why) = names::git_branch(&gitops.branch) {
            self.error(
                &at.key("branch"),
                format!("branch `{}` {why}", gitops.branch),
                "write the branch Flux follows as Git names branches (e.g. `main` or `release/2026`)",
            );
        }
        if let Err(why) = names::repository_folder(&gitops.path) {
            self.error(
                &at.key("path"),
                format!(
                    "`{}` is not a folder inside the repository: it {why}",
                    gitops.path
                ),
                format!(
                    "write a relative folder without `..` (e.g. `clusters/{}`)",
                    self.cluster().metadata.name
                ),
            );
        }
    }

    fn registries(&mut self) {
        let Some(registries) = self.cluster().spec.registries.clone() else {
            return;
        };
        let at = path("spec.registries");
        for (host, mirror) in &registries.mirrors {
            let mirror_at = at.key("mirrors").key(host);
            self.registry_host(&mirror_at, host);
            if mirror.endpoints.is_empty() {
                self.missing(
                    &mirror_at.key("endpoints"),
                    format!("the mirror of `{host}` has no endpoints"),
                    "list at least one URL, e.g. `endpoints: [\"https://mirror.example.internal:5000\"]`",
                );
            }
            for (index, endpoint) in mirror.endpoints.iter().enumerate() {
                if let Err(why) = names::registry_endpoint(endpoint) {
                    self.error(
                        &mirror_at.key("endpoints").index(index),
                        format!("endpoint `{endpoint}` {why}"),
                        "write the endpoint as an http(s) URL with a host and optional port, e.g. https://mirror.example.internal:5000",
                    );
                }
            }
        }
        for (host, config) in &registries.configs {
            let config_at = at.key("configs").key(host);
            self.registry_host(&config_at, host);
            if let Some(username) = &config.username
                && let Err(why) = names::plain_text(username).and_then(|()| {
                    if username.trim().is_empty() {
                        Err("is empty")
                    } else {
                        Ok(())
                    }
                })
            {
                self.error(
                    &config_at.key("username"),
                    format!("the registry user name {why}"),
                    "write the user to log in as, on one line",
                );
            }
            if let Some(ca_file) = &config.ca_file {
                self.file_path(
                    &config_at.key("caFile"),
                    ca_file,
                    "the CA file path",
                    "name the PEM file of the registry's CA (e.g. `/etc/ssl/registry-ca.pem`)",
                );
            }
            if let Some(password) = &config.password {
                self.secret(&config_at.key("password"), password);
                if config.username.is_none() {
                    self.missing(
                        &config_at.key("password"),
                        format!("registry `{host}` has a password but no username"),
                        "add `username`",
                    );
                }
            } else if config.username.is_some() {
                self.warn(
                    &config_at.key("username"),
                    format!("registry `{host}` has a username but no password"),
                    "add `password: { env: VAR }` (or `{ file: PATH }`)",
                );
            }
            if config.insecure_skip_verify {
                self.warn(
                    &config_at.key("insecureSkipVerify"),
                    format!("TLS certificates of `{host}` are not verified"),
                    "give the registry's CA with `caFile` instead",
                );
            }
        }
    }

    fn security(&mut self) {
        let Some(security) = self.cluster().spec.security.clone() else {
            return;
        };
        let at = path("spec.security");
        let namespaces = security
            .pod_security
            .as_ref()
            .map(|pss| pss.namespaces.clone())
            .unwrap_or_default();
        for (namespace, level) in &namespaces {
            let ns_at = at.key("podSecurity").key("namespaces").key(namespace);
            if let Err(why) = names::dns_label(namespace) {
                self.report(
                    Severity::Error,
                    At::Key,
                    &ns_at,
                    format!("namespace `{namespace}` {why}"),
                    "namespace names are RFC 1123 labels: lowercase letters, digits and `-`, at most 63",
                );
            }
            if namespace == "kube-system" && *level != spec::PssLevel::Privileged {
                self.warn(
                    &ns_at,
                    format!(
                        "`kube-system` at `{}` stops K3s' own pods (CoreDNS, klipper, the device plugin) from starting",
                        level.as_str()
                    ),
                    "leave kube-system `privileged`",
                );
            }
        }
        if security.default_deny_network_policies && namespaces.is_empty() {
            self.warn(
                &at.key("defaultDenyNetworkPolicies"),
                "default-deny policies go into the namespaces of `podSecurity.namespaces`, and none is listed".to_owned(),
                "list the namespaces under `spec.security.podSecurity.namespaces`",
            );
        }
    }
}

/// Calls `visit` with every string of `value` and its path: map keys (`true`) and
/// string values (`false`).
fn walk(value: &serde_json::Value, at: &FieldPath, visit: &mut dyn FnMut(&FieldPath, &str, bool)) {
    match value {
        serde_json::Value::String(text) => visit(at, text, false),
        serde_json::Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                walk(item, &at.index(index), visit);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                let here = at.key(key);
                visit(&here, key, true);
                walk(item, &here, visit);
            }
        }
        _ => {}
    }
}
