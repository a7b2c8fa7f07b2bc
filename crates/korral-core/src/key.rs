use std::fmt;

/// An `apiVersion` split into group and version: `apps/v1` is group `apps`, version
/// `v1`; `v1` is the core group (empty string), version `v1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiVersion<'a> {
    /// The API group; empty for the core group.
    pub group: &'a str,
    /// The version within the group.
    pub version: &'a str,
}

impl<'a> ApiVersion<'a> {
    /// Splits an `apiVersion` string. Never fails: a value without `/` is a core version.
    pub fn parse(api_version: &'a str) -> Self {
        match api_version.split_once('/') {
            Some((group, version)) => Self { group, version },
            None => Self {
                group: "",
                version: api_version,
            },
        }
    }
}

/// Whether a kind lives in a namespace or at cluster level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Namespaced: the kind's objects live in a namespace.
    Namespaced,
    /// Cluster-scoped: no namespace.
    Cluster,
}

/// The scope of the built-in kinds korral knows, by group and kind; `None` for kinds it
/// does not know (CRDs), whose scope comes from their CustomResourceDefinition.
pub fn builtin_scope(group: &str, kind: &str) -> Option<Scope> {
    use Scope::{Cluster, Namespaced};
    let scope = match (group, kind) {
        ("", "Namespace" | "Node" | "PersistentVolume" | "ComponentStatus")
        | ("rbac.authorization.k8s.io", "ClusterRole" | "ClusterRoleBinding")
        | ("storage.k8s.io", "StorageClass" | "CSIDriver" | "CSINode" | "VolumeAttachment")
        | ("networking.k8s.io", "IngressClass" | "IPAddress" | "ServiceCIDR")
        | ("apiextensions.k8s.io", "CustomResourceDefinition")
        | ("apiregistration.k8s.io", "APIService")
        | (
            "admissionregistration.k8s.io",
            "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding",
        )
        | ("scheduling.k8s.io", "PriorityClass")
        | ("node.k8s.io", "RuntimeClass")
        | ("certificates.k8s.io", "CertificateSigningRequest")
        | ("flowcontrol.apiserver.k8s.io", "FlowSchema" | "PriorityLevelConfiguration")
        | ("policy" | "extensions", "PodSecurityPolicy") => Cluster,
        (
            "",
            "Pod"
            | "Service"
            | "ConfigMap"
            | "Secret"
            | "ServiceAccount"
            | "PersistentVolumeClaim"
            | "Endpoints"
            | "Event"
            | "LimitRange"
            | "ResourceQuota"
            | "ReplicationController"
            | "PodTemplate"
            | "Binding",
        )
        | (
            "apps",
            "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "ControllerRevision",
        )
        | ("batch", "Job" | "CronJob")
        | ("extensions", "Deployment" | "ReplicaSet" | "DaemonSet" | "Ingress" | "NetworkPolicy")
        | ("autoscaling", "HorizontalPodAutoscaler")
        | ("autoscaling.k8s.io", "VerticalPodAutoscaler")
        | ("policy", "PodDisruptionBudget")
        | ("networking.k8s.io", "Ingress" | "NetworkPolicy")
        | ("discovery.k8s.io", "EndpointSlice")
        | ("rbac.authorization.k8s.io", "Role" | "RoleBinding")
        | ("coordination.k8s.io", "Lease")
        | ("events.k8s.io", "Event")
        | ("storage.k8s.io", "CSIStorageCapacity") => Namespaced,
        _ => return None,
    };
    Some(scope)
}

/// The identity of an object: group, kind, namespace and name. Two objects with the same
/// key are the same object, whatever their version or uid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    /// API group; empty for the core group.
    pub group: String,
    /// Kind, as in `kind:` (`Deployment`).
    pub kind: String,
    /// Namespace; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
}

impl ObjectKey {
    /// A key from its parts.
    pub fn new(group: &str, kind: &str, namespace: Option<&str>, name: &str) -> Self {
        Self {
            group: group.to_owned(),
            kind: kind.to_owned(),
            namespace: namespace.map(str::to_owned),
            name: name.to_owned(),
        }
    }
}

/// `Kind/namespace/name`, or `Kind/name` when cluster-scoped; the group follows the kind
/// (`Deployment.apps/shop/web`) as kubectl writes resource names.
impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.kind)?;
        if !self.group.is_empty() {
            write!(f, ".{}", self.group)?;
        }
        if let Some(namespace) = &self.namespace {
            write!(f, "/{namespace}")?;
        }
        write!(f, "/{}", self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_version_splits_group_and_version() {
        assert_eq!(
            ApiVersion::parse("apps/v1"),
            ApiVersion {
                group: "apps",
                version: "v1"
            }
        );
        assert_eq!(ApiVersion::parse("v1").group, "");
        assert_eq!(
            ApiVersion::parse("cert-manager.io/v1").group,
            "cert-manager.io"
        );
    }

    #[test]
    fn key_display_reads_like_kubectl() {
        let key = ObjectKey::new("apps", "Deployment", Some("shop"), "web");
        assert_eq!(key.to_string(), "Deployment.apps/shop/web");
        let node = ObjectKey::new("", "Node", None, "worker-1");
        assert_eq!(node.to_string(), "Node/worker-1");
    }

    #[test]
    fn builtin_scopes() {
        assert_eq!(builtin_scope("", "Node"), Some(Scope::Cluster));
        assert_eq!(builtin_scope("", "Pod"), Some(Scope::Namespaced));
        assert_eq!(
            builtin_scope("extensions", "Deployment"),
            Some(Scope::Namespaced)
        );
        assert_eq!(builtin_scope("example.com", "Widget"), None);
    }
}
