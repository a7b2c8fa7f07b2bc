//! The `cluster.yaml` model: what a K3s cluster is made of.
//!
//! ```yaml
//! apiVersion: korral.io/v1alpha1
//! kind: Cluster
//! metadata:
//!   name: homelab
//! spec:
//!   k3s:
//!     version: v1.35.2+k3s1
//!   mode: internet
//!   network:
//!     tailscale:
//!       enabled: true
//!       tailnet: example.ts.net
//!       authKey: { env: TS_AUTHKEY }
//!   nodes:
//!     - name: cp1
//!       address: 192.168.1.10
//!       tailscaleIp: 100.64.0.10
//!       role: control-plane
//!     - name: gpu1
//!       address: 192.168.1.20
//!       role: worker
//!       labels: { korral.io/gpu: "true" }
//!       taints: ["nvidia.com/gpu=present:NoSchedule"]
//!       gpu: { vendor: nvidia, count: 1, timeSlicing: { replicas: 4 } }
//!       reserved: { cpu: 500m, memory: 1Gi }
//!       ssh: { user: ubuntu, port: 22, key: ~/.ssh/id_ed25519 }
//!   gitops:
//!     repository: ssh://git@git.example.com/platform/homelab.git
//!     branch: main
//!     path: clusters/homelab
//! ```
//!
//! Secrets (the Tailscale auth key, registry passwords) are never inline: a [`SecretRef`]
//! names an environment variable or a file that holds them.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The `apiVersion` this crate reads and writes.
pub const API_VERSION: &str = "korral.io/v1alpha1";
/// The `kind` of a cluster.yaml.
pub const KIND: &str = "Cluster";

/// A whole cluster.yaml.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cluster {
    /// Always `korral.io/v1alpha1`.
    pub api_version: String,
    /// Always `Cluster`.
    pub kind: String,
    pub metadata: Metadata,
    pub spec: ClusterSpec,
}

/// Names the cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Metadata {
    /// The cluster's name: an RFC 1123 label. Names the Flux tree and the kubeconfig context.
    pub name: String,
}

/// What the cluster is made of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterSpec {
    /// The K3s release and how servers and agents run.
    pub k3s: K3s,
    /// How nodes get K3s and its images.
    #[serde(default)]
    pub mode: DeploymentMode,
    /// What the airgapped modes install from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub airgap: Option<Airgap>,
    #[serde(default, skip_serializing_if = "Network::is_default")]
    /// Tailscale and the pod and service networks.
    pub network: Network,
    /// The machines of the cluster: at least one control plane.
    pub nodes: Vec<Node>,
    /// The Git repository Flux reconciles the cluster from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gitops: Option<GitOps>,
    /// Registry mirrors and credentials (K3s' `registries.yaml`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registries: Option<Registries>,
    /// The security baseline: Pod Security levels and default-deny policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<Security>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
/// The K3s release and how servers and agents run.
pub struct K3s {
    /// A K3s release, e.g. `v1.35.2+k3s1`.
    pub version: String,
    /// Use embedded etcd (HA with an odd number of control-plane nodes) instead of SQLite.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub embedded_etcd: bool,
    /// Extra arguments passed to every `k3s server`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub server_args: Vec<String>,
    /// Extra arguments passed to every `k3s agent`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agent_args: Vec<String>,
}

/// How K3s reaches the nodes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DeploymentMode {
    /// Download the pinned release and check its checksum.
    #[default]
    Internet,
    /// Binary and images tarball from a folder on the machine running Ansible.
    AirgappedLocal,
    /// From a verified korral bundle (`korral bundle create`).
    AirgappedArchive,
    /// Images from a private registry mirror (`registries.yaml`); binary from a folder.
    AirgappedRegistry,
}

impl DeploymentMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Internet => "internet",
            Self::AirgappedLocal => "airgapped-local",
            Self::AirgappedArchive => "airgapped-archive",
            Self::AirgappedRegistry => "airgapped-registry",
        }
    }
}

/// Sources for the airgapped modes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Airgap {
    /// airgapped-local / airgapped-registry: folder holding `k3s`, `k3s-airgap-images-*.tar*`
    /// and `install.sh`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_path: Option<String>,
    /// airgapped-archive: the korral bundle file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
    /// airgapped-archive: keyring directory holding the keys the bundle must be signed by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyring: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
/// Tailscale and the pod and service networks.
pub struct Network {
    /// Join the nodes over Tailscale and run K3s on their Tailscale addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tailscale: Option<Tailscale>,
    /// Pod network, default 10.42.0.0/16.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_cidr: Option<String>,
    /// Service network, default 10.43.0.0/16.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_cidr: Option<String>,
}

impl Network {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
/// Tailscale between the nodes.
pub struct Tailscale {
    /// Whether nodes talk over Tailscale; every node then needs `tailscaleIp`.
    pub enabled: bool,
    /// The tailnet's DNS name, e.g. `example.ts.net`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tailnet: Option<String>,
    /// Where the auth key is: never inline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_key: Option<SecretRef>,
}

/// A secret by reference: an environment variable or a file, read when it is needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum SecretRef {
    /// The name of an environment variable that holds the secret.
    Env(String),
    /// The path of a file that holds the secret.
    File(String),
}

/// What starts the message when a secret is written inline (the fix keys on it).
pub(crate) const INLINE_SECRET: &str = "a secret is written inline";

/// Read by hand rather than derived, so that a secret written inline is refused
/// without the error repeating it (serde's "unknown variant `tskey-…`" would print it).
impl<'de> Deserialize<'de> for SecretRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SecretRefVisitor)
    }
}

struct SecretRefVisitor;

impl<'de> serde::de::Visitor<'de> for SecretRefVisitor {
    type Value = SecretRef;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("`{ env: VARIABLE }` or `{ file: PATH }`")
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<SecretRef, E> {
        Err(E::custom(format!(
            "{INLINE_SECRET}; name where it is instead, `{{ env: VARIABLE }}` or `{{ file: PATH }}`"
        )))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<SecretRef, A::Error> {
        use serde::de::Error as _;
        let Some(key) = map.next_key::<String>()? else {
            return Err(A::Error::custom(
                "the secret reference is empty; write `{ env: VARIABLE }` or `{ file: PATH }`",
            ));
        };
        let place: String = map.next_value()?;
        let secret = match key.as_str() {
            "env" => SecretRef::Env(place),
            "file" => SecretRef::File(place),
            _ => return Err(A::Error::unknown_field(&key, &["env", "file"])),
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(A::Error::custom(format!(
                "a secret reference names one place: `env` or `file`, not also `{extra}`"
            )));
        }
        Ok(secret)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
/// What a node runs.
pub enum Role {
    /// A K3s server: the API server, the datastore, and workloads unless tainted.
    ControlPlane,
    /// A K3s agent: runs workloads.
    Worker,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ControlPlane => "control-plane",
            Self::Worker => "worker",
        }
    }
}

/// One machine of the cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Node {
    /// The Kubernetes node name: an RFC 1123 subdomain, unique in the cluster.
    pub name: String,
    /// DNS name to reach the machine by, if not `address`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// IPv4 or IPv6 address Ansible connects to.
    pub address: String,
    /// The node's Tailscale address (in 100.64.0.0/10) when Tailscale is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tailscale_ip: Option<String>,
    /// `control-plane` or `worker`.
    pub role: Role,
    /// Kubernetes labels set on the node.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// `key[=value]:Effect`, as `kubectl taint` writes them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<String>,
    /// The machine's GPUs, for the device plugin and scheduling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu: Option<Gpu>,
    /// Resources kept back for the machine's own use (kube/system reserved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<Reserved>,
    /// How Ansible logs in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh: Option<Ssh>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
/// Who made the GPU.
pub enum GpuVendor {
    Nvidia,
    Amd,
    Intel,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
/// A node's GPUs.
pub struct Gpu {
    pub vendor: GpuVendor,
    /// How many GPUs the machine has (1 or more).
    pub count: u32,
    /// Share each GPU between this many pods (NVIDIA time-slicing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_slicing: Option<TimeSlicing>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
/// NVIDIA time-slicing: pods that share one GPU.
pub struct TimeSlicing {
    /// How many pods share each GPU (2 or more to share).
    pub replicas: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
/// Resources kept back for the machine's own use.
pub struct Reserved {
    /// Kubernetes quantity, e.g. `500m` or `1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    /// Kubernetes quantity, e.g. `1Gi`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
/// How Ansible logs in to the node.
pub struct Ssh {
    /// The login user (default: Ansible's, usually yours).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The SSH port (default 22).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Path of the private key file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
/// The Git repository Flux reconciles from.
pub struct GitOps {
    /// The repository URL: `ssh://…`, `https://…` or `git@host:path`.
    pub repository: String,
    /// The branch Flux follows (default `main`).
    #[serde(default = "default_branch")]
    pub branch: String,
    /// Folder in the repository Flux reconciles, e.g. `clusters/homelab`.
    pub path: String,
}

fn default_branch() -> String {
    "main".to_owned()
}

/// Private registries and mirrors, written to K3s' `registries.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Registries {
    /// Registry host (e.g. `docker.io`) → endpoints that mirror it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mirrors: BTreeMap<String, Mirror>,
    /// Registry host → how to log in and trust it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub configs: BTreeMap<String, RegistryConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
/// Where to pull a registry's images from instead.
pub struct Mirror {
    /// Mirror URLs, tried in order (`https://mirror.example.internal:5000`).
    pub endpoints: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
/// How to log in to a registry and trust it.
pub struct RegistryConfig {
    /// The user to log in as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The password by reference, never inline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<SecretRef>,
    /// CA bundle file to trust for this registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
    /// Skip TLS verification (not recommended; give `caFile` instead).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure_skip_verify: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
/// The security baseline written into the cluster.
pub struct Security {
    /// Pod Security Standards level enforced per namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_security: Option<PodSecurity>,
    /// Write a default-deny NetworkPolicy (ingress and egress, DNS allowed) into every
    /// namespace listed in `podSecurity.namespaces`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default_deny_network_policies: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
/// Pod Security Standards levels.
pub struct PodSecurity {
    /// Level for namespaces not listed (K3s' admission default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<PssLevel>,
    /// Namespace → level; korral writes these namespaces with their labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub namespaces: BTreeMap<String, PssLevel>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
/// A Pod Security Standards level.
pub enum PssLevel {
    /// No restrictions.
    Privileged,
    /// Blocks known privilege escalations.
    Baseline,
    /// Current hardening best practice.
    Restricted,
}

impl PssLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Privileged => "privileged",
            Self::Baseline => "baseline",
            Self::Restricted => "restricted",
        }
    }
}

impl Cluster {
    pub fn control_planes(&self) -> impl Iterator<Item = &Node> {
        self.spec
            .nodes
            .iter()
            .filter(|node| node.role == Role::ControlPlane)
    }

    pub fn workers(&self) -> impl Iterator<Item = &Node> {
        self.spec
            .nodes
            .iter()
            .filter(|node| node.role == Role::Worker)
    }

    pub fn node(&self, name: &str) -> Option<&Node> {
        self.spec.nodes.iter().find(|node| node.name == name)
    }

    pub fn tailscale_enabled(&self) -> bool {
        self.spec
            .network
            .tailscale
            .as_ref()
            .is_some_and(|tailscale| tailscale.enabled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
apiVersion: korral.io/v1alpha1
kind: Cluster
metadata:
  name: homelab
spec:
  k3s:
    version: v1.35.2+k3s1
  mode: internet
  network:
    tailscale:
      enabled: true
      tailnet: example.ts.net
      authKey: { env: TS_AUTHKEY }
  nodes:
    - name: cp1
      address: 192.168.1.10
      tailscaleIp: 100.64.0.10
      role: control-plane
    - name: gpu1
      address: 192.168.1.20
      role: worker
      labels: { korral.io/gpu: "true" }
      taints: ["nvidia.com/gpu=present:NoSchedule"]
      gpu: { vendor: nvidia, count: 1, timeSlicing: { replicas: 4 } }
      reserved: { cpu: 500m, memory: 1Gi }
      ssh: { user: ubuntu, port: 22, key: ~/.ssh/id_ed25519 }
  gitops:
    repository: ssh://git@git.example.com/platform/homelab.git
    path: clusters/homelab
"#;

    #[test]
    fn the_documented_example_reads_and_round_trips() {
        let cluster: Cluster = serde_saphyr::from_str(EXAMPLE).unwrap();
        assert_eq!(cluster.metadata.name, "homelab");
        assert_eq!(cluster.control_planes().count(), 1);
        assert_eq!(
            cluster
                .node("gpu1")
                .unwrap()
                .gpu
                .as_ref()
                .unwrap()
                .time_slicing,
            Some(TimeSlicing { replicas: 4 })
        );
        assert_eq!(
            cluster.spec.network.tailscale.as_ref().unwrap().auth_key,
            Some(SecretRef::Env("TS_AUTHKEY".into()))
        );
        assert_eq!(cluster.spec.gitops.as_ref().unwrap().branch, "main");
        let written = serde_saphyr::to_string(&cluster).unwrap();
        let again: Cluster = serde_saphyr::from_str(&written).unwrap();
        assert_eq!(again, cluster);
    }

    #[test]
    fn unknown_keys_are_refused() {
        let text = EXAMPLE.replace("  mode: internet", "  mode: internet\n  colour: red");
        let err = serde_saphyr::from_str::<Cluster>(&text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("colour"), "{err}");
    }
}
