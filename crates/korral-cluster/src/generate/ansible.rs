//! `ansible/`: the inventory and group variables made from cluster.yaml, and the static
//! roles and playbooks under `templates/ansible/`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize, Serializer, ser::SerializeMap};

use super::{HEADER, Options, Result, Tree, resolve, yaml};
use crate::spec::{Cluster, DeploymentMode, GpuVendor, Node, Role, SecretRef};

/// Where K3s releases are downloaded from in `internet` mode.
const K3S_RELEASES: &str = "https://github.com/k3s-io/k3s/releases/download";

/// The label korral puts on NVIDIA nodes to choose their device plugin configuration:
/// `default` (one pod per GPU) or `replicas-N` (time-slicing).
pub const DEVICE_PLUGIN_LABEL: &str = "korral.io/nvidia-device-plugin";

/// Ansible's tag for a string it must take as data: never rendered as a Jinja template,
/// wherever the variable is used. Every value from cluster.yaml is written with it, so a
/// value such as `{{ lookup('pipe', …) }}` stays text instead of running on the
/// controller (validation refuses such values too; this holds even if it did not).
const UNSAFE: &str = "!unsafe";

/// Where an airgap bundle is extracted, on the controller: like the kubeconfig and
/// manifests folders, a value of korral's own that Ansible must template
/// (`playbook_dir`), so written plain.
const EXTRACT_DIR: &str = "{{ playbook_dir }}/../.korral/bundle";

fn tagged(value: &str) -> serde_saphyr::Tagged<&str> {
    serde_saphyr::Tagged(value, Some(UNSAFE.to_owned()))
}

fn data<S: Serializer>(value: &str, serializer: S) -> Result<S::Ok, S::Error> {
    tagged(value).serialize(serializer)
}

// serde's `serialize_with` passes a reference to the field's own type.
#[allow(clippy::ref_option, clippy::trivially_copy_pass_by_ref)]
fn data_option<S: Serializer>(value: &Option<String>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => data(value, serializer),
        None => serializer.serialize_none(),
    }
}

fn data_list<S: Serializer>(values: &[String], serializer: S) -> Result<S::Ok, S::Error> {
    let values: Vec<_> = values.iter().map(|value| tagged(value)).collect();
    values.serialize(serializer)
}

/// Data unless it is korral's own [`EXTRACT_DIR`].
fn data_unless_extract_dir<S: Serializer>(value: &str, serializer: S) -> Result<S::Ok, S::Error> {
    if value == EXTRACT_DIR {
        serializer.serialize_str(value)
    } else {
        data(value, serializer)
    }
}

macro_rules! static_files {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!("../../templates/ansible/", $path)))),*]
    };
}

/// Roles, playbooks and `ansible.cfg`: the same for every cluster.
const STATIC: &[(&str, &str)] = static_files![
    "ansible.cfg",
    "site.yml",
    "provision_cluster.yml",
    "add_node.yml",
    "remove_node.yml",
    "upgrade.yml",
    "tasks/upgrade_node.yml",
    "roles/prerequisites/tasks/main.yml",
    "roles/prerequisites/tasks/preflight.yml",
    "roles/prerequisites/tasks/swap.yml",
    "roles/prerequisites/tasks/kernel.yml",
    "roles/prerequisites/tasks/firewall.yml",
    "roles/prerequisites/tasks/tailscale.yml",
    "roles/prerequisites/handlers/main.yml",
    "roles/prerequisites/vars/main.yml",
    "roles/k3s_install/tasks/main.yml",
    "roles/k3s_install/tasks/internet.yml",
    "roles/k3s_install/tasks/bundle.yml",
    "roles/k3s_install/tasks/local.yml",
    "roles/k3s_install/handlers/main.yml",
    "roles/k3s_install/vars/main.yml",
    "roles/k3s_install/templates/registries.yaml.j2",
    "roles/k3s_service/tasks/main.yml",
    "roles/k3s_service/vars/main.yml",
    "roles/k3s_service/templates/config.yaml.j2",
    "roles/k3s_service/templates/k3s.service.j2",
    "roles/k3s_control_plane/tasks/main.yml",
    "roles/k3s_control_plane/vars/main.yml",
    "roles/k3s_worker/tasks/main.yml",
    "roles/gpu_support/tasks/main.yml",
    "roles/gpu_support/handlers/main.yml",
    "roles/gpu_support/vars/main.yml",
    "roles/gitops/tasks/main.yml",
    "roles/gitops/vars/main.yml",
];

pub(super) fn generate(cluster: &Cluster, options: &Options, tree: &mut Tree) -> Result<()> {
    for (path, content) in STATIC {
        let header = if std::path::Path::new(path)
            .extension()
            .is_some_and(|ext| ext == "j2")
        {
            format!("{{# {HEADER} #}}\n")
        } else {
            format!("# {HEADER}\n")
        };
        tree.add(format!("ansible/{path}"), format!("{header}{content}"));
    }
    let inventory = inventory(cluster, options);
    tree.add_yaml(
        "ansible/inventory.yml",
        &yaml("ansible/inventory.yml", &inventory)?,
    );
    let vars = group_vars(cluster, options);
    tree.add_yaml(
        "ansible/group_vars/all.yml",
        &yaml("ansible/group_vars/all.yml", &vars)?,
    );
    Ok(())
}

/// The variables of one host in the inventory: everything node-specific that the roles
/// read. The same node gets the same variables whatever else is in the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostVars {
    #[serde(serialize_with = "data")]
    pub ansible_host: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "data_option"
    )]
    pub ansible_user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ansible_port: Option<u16>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "data_option"
    )]
    pub ansible_ssh_private_key_file: Option<String>,
    /// The address K3s binds to and advertises: the Tailscale IP when Tailscale is on.
    #[serde(serialize_with = "data")]
    pub k3s_node_ip: String,
    /// Names and addresses the API server certificate is valid for (control planes).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "data_list"
    )]
    pub k3s_tls_san: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "data_option"
    )]
    pub korral_hostname: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "data_option"
    )]
    pub korral_tailscale_ip: Option<String>,
    /// `key=value`, for `--node-label`.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "data_list"
    )]
    pub k3s_node_labels: Vec<String>,
    /// `key[=value]:Effect`, for `--node-taint`.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "data_list"
    )]
    pub k3s_node_taints: Vec<String>,
    /// For `--kubelet-arg`: `system-reserved=cpu=…,memory=…`.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "data_list"
    )]
    pub k3s_kubelet_args: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "data_option"
    )]
    pub korral_gpu_vendor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub korral_gpu_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub korral_gpu_time_slicing_replicas: Option<u32>,
}

/// The inventory variables of `node` in `cluster`.
pub fn host_vars(cluster: &Cluster, node: &Node, options: &Options) -> HostVars {
    let tailscale_ip = node.tailscale_ip.clone();
    let node_ip = match (&tailscale_ip, cluster.tailscale_enabled()) {
        (Some(ip), true) => ip.clone(),
        _ => node.address.clone(),
    };
    let mut tls_san = Vec::new();
    if node.role == Role::ControlPlane {
        tls_san.push(node.address.clone());
        tls_san.extend(node.hostname.clone());
        if cluster.tailscale_enabled() {
            tls_san.extend(tailscale_ip.clone());
            if let (Some(tailnet), Some(_)) = (tailnet(cluster), &tailscale_ip) {
                tls_san.push(format!("{}.{tailnet}", node.name));
            }
        }
        tls_san.sort();
        tls_san.dedup();
    }
    let mut labels = node.labels.clone();
    if let Some(gpu) = node
        .gpu
        .as_ref()
        .filter(|gpu| gpu.vendor == GpuVendor::Nvidia)
    {
        labels
            .entry(DEVICE_PLUGIN_LABEL.to_owned())
            .or_insert_with(|| device_plugin_config(gpu.time_slicing.as_ref().map(|t| t.replicas)));
    }
    let reserved = node.reserved.as_ref().and_then(|reserved| {
        let parts: Vec<String> = [("cpu", &reserved.cpu), ("memory", &reserved.memory)]
            .into_iter()
            .filter_map(|(name, value)| value.as_ref().map(|value| format!("{name}={value}")))
            .collect();
        (!parts.is_empty()).then(|| format!("system-reserved={}", parts.join(",")))
    });
    let ssh = node.ssh.as_ref();
    HostVars {
        ansible_host: node.address.clone(),
        ansible_user: ssh.and_then(|ssh| ssh.user.clone()),
        ansible_port: ssh.and_then(|ssh| ssh.port),
        ansible_ssh_private_key_file: ssh
            .and_then(|ssh| ssh.key.as_deref())
            .map(|key| resolve(&options.base_dir, key)),
        k3s_node_ip: node_ip,
        k3s_tls_san: tls_san,
        korral_hostname: node.hostname.clone(),
        korral_tailscale_ip: tailscale_ip.filter(|_| cluster.tailscale_enabled()),
        k3s_node_labels: labels
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect(),
        k3s_node_taints: node.taints.clone(),
        k3s_kubelet_args: reserved.into_iter().collect(),
        korral_gpu_vendor: node.gpu.as_ref().map(|gpu| vendor(gpu.vendor).to_owned()),
        korral_gpu_count: node.gpu.as_ref().map(|gpu| gpu.count),
        korral_gpu_time_slicing_replicas: node
            .gpu
            .as_ref()
            .and_then(|gpu| gpu.time_slicing.as_ref())
            .map(|t| t.replicas),
    }
}

/// The device plugin configuration a node's label selects.
pub fn device_plugin_config(replicas: Option<u32>) -> String {
    match replicas {
        Some(replicas) if replicas > 1 => format!("replicas-{replicas}"),
        _ => "default".to_owned(),
    }
}

fn vendor(vendor: GpuVendor) -> &'static str {
    match vendor {
        GpuVendor::Nvidia => "nvidia",
        GpuVendor::Amd => "amd",
        GpuVendor::Intel => "intel",
    }
}

fn tailnet(cluster: &Cluster) -> Option<&str> {
    cluster
        .spec
        .network
        .tailscale
        .as_ref()
        .and_then(|tailscale| tailscale.tailnet.as_deref())
}

/// Hosts in cluster.yaml's order: the first control plane is the one the others join.
struct Hosts(Vec<(String, Option<HostVars>)>);

impl Serialize for Hosts {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        // Host names stay plain keys: Ansible does not render inventory host names as
        // templates, and korral's are RFC 1123 names (generate refuses others).
        for (name, vars) in &self.0 {
            match vars {
                Some(vars) => map.serialize_entry(name, vars)?,
                // A host listed again in another group: `name: {}`.
                None => map.serialize_entry(name, &BTreeMap::<String, String>::new())?,
            }
        }
        map.end()
    }
}

#[derive(Serialize)]
struct Group {
    #[serde(skip_serializing_if = "Option::is_none")]
    hosts: Option<Hosts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    children: Option<BTreeMap<&'static str, Group>>,
}

impl Group {
    fn hosts(hosts: Vec<(String, Option<HostVars>)>) -> Self {
        Self {
            hosts: Some(Hosts(hosts)),
            children: None,
        }
    }
}

#[derive(Serialize)]
struct Inventory {
    all: Group,
}

fn inventory(cluster: &Cluster, options: &Options) -> Inventory {
    let with_vars = |nodes: &mut dyn Iterator<Item = &Node>| -> Vec<(String, Option<HostVars>)> {
        nodes
            .map(|node| (node.name.clone(), Some(host_vars(cluster, node, options))))
            .collect()
    };
    let mut k3s = BTreeMap::new();
    k3s.insert(
        "control_plane",
        Group::hosts(with_vars(&mut cluster.control_planes())),
    );
    k3s.insert("workers", Group::hosts(with_vars(&mut cluster.workers())));
    let mut children = BTreeMap::new();
    children.insert(
        "k3s_cluster",
        Group {
            hosts: None,
            children: Some(k3s),
        },
    );
    children.insert(
        "gpu_nodes",
        Group::hosts(
            cluster
                .spec
                .nodes
                .iter()
                .filter(|node| node.gpu.is_some())
                .map(|node| (node.name.clone(), None))
                .collect(),
        ),
    );
    Inventory {
        all: Group {
            hosts: None,
            children: Some(children),
        },
    }
}

/// Cluster-wide settings, in `group_vars/all.yml`.
#[derive(Debug, Serialize)]
struct GroupVars {
    #[serde(serialize_with = "data")]
    korral_cluster_name: String,
    #[serde(serialize_with = "data")]
    k3s_version: String,
    k3s_mode: &'static str,
    /// `internet` mode: the release's download folder (`+` written `%2B`).
    #[serde(serialize_with = "data")]
    k3s_release_url: String,
    k3s_embedded_etcd: bool,
    #[serde(serialize_with = "data_list")]
    k3s_server_args: Vec<String>,
    #[serde(serialize_with = "data_list")]
    k3s_agent_args: Vec<String>,
    #[serde(serialize_with = "data")]
    k3s_cluster_cidr: String,
    #[serde(serialize_with = "data")]
    k3s_service_cidr: String,
    /// The airgapped modes: where the binary and images are on the controller.
    #[serde(serialize_with = "data_unless_extract_dir")]
    k3s_airgap_source_dir: String,
    #[serde(serialize_with = "data")]
    k3s_airgap_bundle: String,
    #[serde(serialize_with = "data")]
    k3s_airgap_keyring: String,
    k3s_airgap_extract_dir: &'static str,
    k3s_registries: RegistriesVars,
    korral_tailscale_enabled: bool,
    #[serde(serialize_with = "data")]
    korral_tailscale_tailnet: String,
    #[serde(serialize_with = "data")]
    korral_tailscale_auth_key_env: String,
    #[serde(serialize_with = "data")]
    korral_tailscale_auth_key_file: String,
    #[serde(serialize_with = "data")]
    korral_pod_security_default: String,
    korral_gitops_enabled: bool,
    #[serde(serialize_with = "data")]
    korral_gitops_repository: String,
    #[serde(serialize_with = "data")]
    korral_gitops_branch: String,
    #[serde(serialize_with = "data")]
    korral_gitops_path: String,
    korral_preflight_min_memory_mb_server: u32,
    korral_preflight_min_memory_mb_agent: u32,
    /// On the controller, beside `ansible/`.
    korral_kubeconfig: &'static str,
    korral_manifests_dir: &'static str,
    korral_gitops_dir: &'static str,
}

/// Registries as lists of entries, each naming its host: a host is then a value that
/// can be tagged `!unsafe` like the others, where a mapping key could not be.
#[derive(Debug, Default, Serialize)]
struct RegistriesVars {
    mirrors: Vec<MirrorVars>,
    configs: Vec<RegistryConfigVars>,
}

#[derive(Debug, Serialize)]
struct MirrorVars {
    #[serde(serialize_with = "data")]
    host: String,
    #[serde(serialize_with = "data_list")]
    endpoints: Vec<String>,
}

#[derive(Debug, Serialize)]
struct RegistryConfigVars {
    #[serde(serialize_with = "data")]
    host: String,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "data_option"
    )]
    username: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "data_option"
    )]
    password_env: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "data_option"
    )]
    password_file: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "data_option"
    )]
    ca_file: Option<String>,
    insecure_skip_verify: bool,
}

fn group_vars(cluster: &Cluster, options: &Options) -> GroupVars {
    let spec = &cluster.spec;
    let airgap = spec.airgap.clone().unwrap_or_default();
    let path = |value: Option<&String>| {
        value
            .map(|value| resolve(&options.base_dir, value))
            .unwrap_or_default()
    };
    let source_dir = match spec.mode {
        DeploymentMode::AirgappedArchive => EXTRACT_DIR.to_owned(),
        _ => path(airgap.local_path.as_ref()),
    };
    let tailscale = spec.network.tailscale.as_ref();
    let (auth_env, auth_file) = match tailscale.and_then(|t| t.auth_key.as_ref()) {
        Some(SecretRef::Env(name)) => (name.clone(), String::new()),
        Some(SecretRef::File(file)) => (String::new(), resolve(&options.base_dir, file)),
        None => (String::new(), String::new()),
    };
    let registries = registries_vars(cluster, options);
    let gitops = spec.gitops.as_ref();
    GroupVars {
        korral_cluster_name: cluster.metadata.name.clone(),
        k3s_version: spec.k3s.version.clone(),
        k3s_mode: spec.mode.as_str(),
        k3s_release_url: format!("{K3S_RELEASES}/{}", spec.k3s.version.replace('+', "%2B")),
        k3s_embedded_etcd: spec.k3s.embedded_etcd,
        k3s_server_args: spec.k3s.server_args.clone(),
        k3s_agent_args: spec.k3s.agent_args.clone(),
        k3s_cluster_cidr: spec
            .network
            .cluster_cidr
            .clone()
            .unwrap_or_else(|| "10.42.0.0/16".to_owned()),
        k3s_service_cidr: spec
            .network
            .service_cidr
            .clone()
            .unwrap_or_else(|| "10.43.0.0/16".to_owned()),
        k3s_airgap_source_dir: source_dir,
        k3s_airgap_bundle: path(airgap.bundle.as_ref()),
        k3s_airgap_keyring: path(airgap.keyring.as_ref()),
        k3s_airgap_extract_dir: EXTRACT_DIR,
        k3s_registries: registries,
        korral_tailscale_enabled: cluster.tailscale_enabled(),
        korral_tailscale_tailnet: tailnet(cluster).unwrap_or_default().to_owned(),
        korral_tailscale_auth_key_env: auth_env,
        korral_tailscale_auth_key_file: auth_file,
        korral_pod_security_default: spec
            .security
            .as_ref()
            .and_then(|security| security.pod_security.as_ref())
            .and_then(|pss| pss.default)
            .map(|level| level.as_str().to_owned())
            .unwrap_or_default(),
        korral_gitops_enabled: gitops.is_some(),
        korral_gitops_repository: gitops.map(|g| g.repository.clone()).unwrap_or_default(),
        korral_gitops_branch: gitops.map(|g| g.branch.clone()).unwrap_or_default(),
        korral_gitops_path: gitops
            .map(|g| g.path.trim_matches('/').to_owned())
            .unwrap_or_default(),
        // K3s' documented minimums: 2 GiB for a server, 512 MiB for an agent; a little
        // under, since the kernel keeps some memory from MemTotal.
        korral_preflight_min_memory_mb_server: 1800,
        korral_preflight_min_memory_mb_agent: 450,
        korral_kubeconfig: "{{ playbook_dir }}/../kubeconfig",
        korral_manifests_dir: "{{ playbook_dir }}/../manifests",
        korral_gitops_dir: "{{ playbook_dir }}/../gitops",
    }
}

fn registries_vars(cluster: &Cluster, options: &Options) -> RegistriesVars {
    cluster
        .spec
        .registries
        .as_ref()
        .map(|registries| RegistriesVars {
            mirrors: registries
                .mirrors
                .iter()
                .map(|(host, mirror)| MirrorVars {
                    host: host.clone(),
                    endpoints: mirror.endpoints.clone(),
                })
                .collect(),
            configs: registries
                .configs
                .iter()
                .map(|(host, config)| {
                    let (password_env, password_file) = match &config.password {
                        Some(SecretRef::Env(name)) => (Some(name.clone()), None),
                        Some(SecretRef::File(file)) => {
                            (None, Some(resolve(&options.base_dir, file)))
                        }
                        None => (None, None),
                    };
                    RegistryConfigVars {
                        host: host.clone(),
                        username: config.username.clone(),
                        password_env,
                        password_file,
                        ca_file: config.ca_file.clone(),
                        insecure_skip_verify: config.insecure_skip_verify,
                    }
                })
                .collect(),
        })
        .unwrap_or_default()
}
