//! Every check `korral validate` runs, each finding with its line and the fix.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use korral_core::Quantity;

use crate::diagnostic::{Diagnostic, Severity};
use crate::load::Loaded;
use crate::names;
use crate::spec::{self, DeploymentMode, GpuVendor, Node, SecretRef};
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
    let mut found = check.found;
    found.sort_by_key(|d| (d.severity, d.line, d.column));
    found
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
        let version = self.cluster().spec.k3s.version.clone();
        if !names::k3s_version(&version) {
            self.error(
                &path("spec.k3s.version"),
                format!("`{version}` is not a K3s release"),
                "write it as K3s tags its releases, `vX.Y.Z+k3sN` (e.g. `v1.31.4+k3s1`; see https://github.com/k3s-io/k3s/releases)",
            );
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
                    Some(p) if p.trim().is_empty() => self.error(
                        &path("spec.airgap.localPath"),
                        "the airgap folder is empty".to_owned(),
                        "name the folder holding `k3s`, `k3s-airgap-images-*.tar*` and `install.sh`",
                    ),
                    Some(_) => {}
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
                    Some(b) if b.trim().is_empty() => self.error(
                        &path("spec.airgap.bundle"),
                        "the bundle path is empty".to_owned(),
                        "name the bundle file `korral bundle create` wrote",
                    ),
                    Some(_) => {}
                }
                if airgap.keyring.is_none() {
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
                if !names::env_var(name) {
                    self.error(
                        &at.key("env"),
                        format!("`{name}` is not an environment variable name"),
                        "use letters, digits and `_`, not starting with a digit (e.g. `TS_AUTHKEY`)",
                    );
                }
            }
            SecretRef::File(file) => {
                if file.trim().is_empty() || file.contains(['\n', '\0']) {
                    self.error(
                        &at.key("file"),
                        "the secret's file name is empty or holds a line break".to_owned(),
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
                && (user.is_empty() || user.contains(|c: char| c.is_whitespace() || c == '@'))
            {
                self.error(
                    &ssh_at.key("user"),
                    format!("`{user}` is not a login name"),
                    "write the user Ansible logs in as (e.g. `ubuntu`)",
                );
            }
            if ssh.port == Some(0) {
                self.error(
                    &ssh_at.key("port"),
                    "port 0 is not an SSH port".to_owned(),
                    "write the port sshd listens on (22 by default)",
                );
            }
            if ssh.key.as_deref().is_some_and(|k| k.trim().is_empty()) {
                self.error(
                    &ssh_at.key("key"),
                    "the SSH key path is empty".to_owned(),
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
        if gitops.branch.trim().is_empty()
            || gitops
                .branch
                .contains(|c: char| c.is_whitespace() || "~^:?*[\\".contains(c))
        {
            self.error(
                &at.key("branch"),
                format!("`{}` is not a Git branch name", gitops.branch),
                "write the branch Flux follows (e.g. `main`)",
            );
        }
        if gitops.path.starts_with('/')
            || gitops.path.split('/').any(|part| part == "..")
            || gitops.path.trim().is_empty()
        {
            self.error(
                &at.key("path"),
                format!("`{}` is not a folder inside the repository", gitops.path),
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
            if host != "*" && names::registry_host(host).is_err() {
                self.report(
                    Severity::Error,
                    At::Key,
                    &mirror_at,
                    format!("`{host}` is not a registry host"),
                    "write the registry's host (and port), e.g. `docker.io` or `registry.example.com:5000`, or `*` for every registry",
                );
            }
            if mirror.endpoints.is_empty() {
                self.missing(
                    &mirror_at.key("endpoints"),
                    format!("the mirror of `{host}` has no endpoints"),
                    "list at least one URL, e.g. `endpoints: [\"https://mirror.example.internal:5000\"]`",
                );
            }
            for (index, endpoint) in mirror.endpoints.iter().enumerate() {
                if !(endpoint.starts_with("https://") || endpoint.starts_with("http://"))
                    || endpoint.contains(char::is_whitespace)
                {
                    self.error(
                        &mirror_at.key("endpoints").index(index),
                        format!("`{endpoint}` is not an http(s) URL"),
                        "write the endpoint with its scheme, e.g. https://mirror.example.internal:5000",
                    );
                }
            }
        }
        for (host, config) in &registries.configs {
            let config_at = at.key("configs").key(host);
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
