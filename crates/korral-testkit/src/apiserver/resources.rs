//! The resource types the test server serves: a table of built-in kinds, plus one entry
//! per CustomResourceDefinition, plus a guessed entry for every other kind it was seeded
//! with.

use serde_json::Value;

/// One served resource, as discovery describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourceType {
    /// API group; empty for the core group.
    pub group: String,
    /// Served versions, the preferred (storage) one first.
    pub versions: Vec<String>,
    /// `pods`: the name in URLs.
    pub plural: String,
    /// `pod`.
    pub singular: String,
    /// `Pod`.
    pub kind: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    /// `status`, `log`, `scale`: served as `plural/sub` in discovery.
    pub subresources: Vec<String>,
    /// Only `get`, `list` and `watch` (metrics).
    pub read_only: bool,
    /// A kind compiled into the API server (not a custom resource, nor a kind guessed
    /// from a seed): the items of its lists carry no `apiVersion` and `kind`.
    pub builtin: bool,
}

/// Where a resource's objects are kept: group and plural, whatever the version.
pub(crate) type ResourceKey = (String, String);

impl ResourceType {
    pub fn key(&self) -> ResourceKey {
        // events.k8s.io serves the core Events under other field names.
        if super::convert::is_new_event(self) {
            return (String::new(), self.plural.clone());
        }
        (self.group.clone(), self.plural.clone())
    }

    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_owned()
        } else {
            format!("{}/{version}", self.group)
        }
    }

    pub fn preferred_version(&self) -> &str {
        &self.versions[0]
    }

    pub fn has_status(&self) -> bool {
        self.subresources.iter().any(|s| s == "status")
    }

    pub fn verbs(&self) -> Vec<&'static str> {
        if self.read_only {
            vec!["get", "list", "watch"]
        } else {
            vec![
                "create",
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "update",
                "watch",
            ]
        }
    }
}

/// `(group, version, kind, plural, namespaced, short names, subresources)`.
type Builtin = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
    &'static [&'static str],
);

/// The built-in resources of a Kubernetes 1.33 API server that korral reads or writes.
const BUILTINS: &[Builtin] = &[
    ("", "v1", "Pod", "pods", true, &["po"], &["status", "log"]),
    ("", "v1", "Service", "services", true, &["svc"], &["status"]),
    ("", "v1", "ConfigMap", "configmaps", true, &["cm"], &[]),
    ("", "v1", "Secret", "secrets", true, &[], &[]),
    (
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        true,
        &["sa"],
        &[],
    ),
    (
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
        &["pvc"],
        &["status"],
    ),
    (
        "",
        "v1",
        "PersistentVolume",
        "persistentvolumes",
        false,
        &["pv"],
        &["status"],
    ),
    ("", "v1", "Endpoints", "endpoints", true, &["ep"], &[]),
    ("", "v1", "Event", "events", true, &["ev"], &[]),
    (
        "",
        "v1",
        "Namespace",
        "namespaces",
        false,
        &["ns"],
        &["status", "finalize"],
    ),
    ("", "v1", "Node", "nodes", false, &["no"], &["status"]),
    (
        "",
        "v1",
        "LimitRange",
        "limitranges",
        true,
        &["limits"],
        &[],
    ),
    (
        "",
        "v1",
        "ResourceQuota",
        "resourcequotas",
        true,
        &["quota"],
        &["status"],
    ),
    (
        "",
        "v1",
        "ReplicationController",
        "replicationcontrollers",
        true,
        &["rc"],
        &["status", "scale"],
    ),
    ("", "v1", "PodTemplate", "podtemplates", true, &[], &[]),
    (
        "",
        "v1",
        "ComponentStatus",
        "componentstatuses",
        false,
        &["cs"],
        &[],
    ),
    (
        "apps",
        "v1",
        "Deployment",
        "deployments",
        true,
        &["deploy"],
        &["status", "scale"],
    ),
    (
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        true,
        &["rs"],
        &["status", "scale"],
    ),
    (
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        true,
        &["sts"],
        &["status", "scale"],
    ),
    (
        "apps",
        "v1",
        "DaemonSet",
        "daemonsets",
        true,
        &["ds"],
        &["status"],
    ),
    (
        "apps",
        "v1",
        "ControllerRevision",
        "controllerrevisions",
        true,
        &[],
        &[],
    ),
    ("batch", "v1", "Job", "jobs", true, &[], &["status"]),
    (
        "batch",
        "v1",
        "CronJob",
        "cronjobs",
        true,
        &["cj"],
        &["status"],
    ),
    (
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
        &["hpa"],
        &["status"],
    ),
    (
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
        &["pdb"],
        &["status"],
    ),
    (
        "networking.k8s.io",
        "v1",
        "Ingress",
        "ingresses",
        true,
        &["ing"],
        &["status"],
    ),
    (
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
        &["netpol"],
        &[],
    ),
    (
        "networking.k8s.io",
        "v1",
        "IngressClass",
        "ingressclasses",
        false,
        &[],
        &[],
    ),
    (
        "discovery.k8s.io",
        "v1",
        "EndpointSlice",
        "endpointslices",
        true,
        &[],
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        true,
        &[],
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
        &[],
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
        &[],
        &[],
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
        &[],
        &[],
    ),
    (
        "storage.k8s.io",
        "v1",
        "StorageClass",
        "storageclasses",
        false,
        &["sc"],
        &[],
    ),
    (
        "storage.k8s.io",
        "v1",
        "CSIDriver",
        "csidrivers",
        false,
        &[],
        &[],
    ),
    (
        "storage.k8s.io",
        "v1",
        "CSINode",
        "csinodes",
        false,
        &[],
        &[],
    ),
    (
        "storage.k8s.io",
        "v1",
        "VolumeAttachment",
        "volumeattachments",
        false,
        &[],
        &["status"],
    ),
    (
        "coordination.k8s.io",
        "v1",
        "Lease",
        "leases",
        true,
        &[],
        &[],
    ),
    ("events.k8s.io", "v1", "Event", "events", true, &["ev"], &[]),
    (
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        &["crd", "crds"],
        &["status"],
    ),
    (
        "apiregistration.k8s.io",
        "v1",
        "APIService",
        "apiservices",
        false,
        &[],
        &["status"],
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        false,
        &[],
        &[],
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
        &[],
        &[],
    ),
    (
        "scheduling.k8s.io",
        "v1",
        "PriorityClass",
        "priorityclasses",
        false,
        &["pc"],
        &[],
    ),
    (
        "node.k8s.io",
        "v1",
        "RuntimeClass",
        "runtimeclasses",
        false,
        &[],
        &[],
    ),
    (
        "certificates.k8s.io",
        "v1",
        "CertificateSigningRequest",
        "certificatesigningrequests",
        false,
        &["csr"],
        &["status"],
    ),
    (
        "metrics.k8s.io",
        "v1beta1",
        "PodMetrics",
        "pods",
        true,
        &[],
        &[],
    ),
    (
        "metrics.k8s.io",
        "v1beta1",
        "NodeMetrics",
        "nodes",
        false,
        &[],
        &[],
    ),
];

/// Every resource type the server knows, in discovery order.
#[derive(Debug, Clone)]
pub(crate) struct Registry {
    types: Vec<ResourceType>,
}

impl Default for Registry {
    fn default() -> Self {
        let types = BUILTINS
            .iter()
            .map(
                |&(group, version, kind, plural, namespaced, short, sub)| ResourceType {
                    group: group.to_owned(),
                    versions: vec![version.to_owned()],
                    plural: plural.to_owned(),
                    singular: kind.to_ascii_lowercase(),
                    kind: kind.to_owned(),
                    namespaced,
                    short_names: short.iter().map(|s| (*s).to_owned()).collect(),
                    subresources: sub.iter().map(|s| (*s).to_owned()).collect(),
                    read_only: group == "metrics.k8s.io",
                    builtin: true,
                },
            )
            .collect();
        Self { types }
    }
}

impl Registry {
    pub fn types(&self) -> &[ResourceType] {
        &self.types
    }

    /// The type served at `group/version/plural`.
    pub fn by_plural(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceType> {
        self.types.iter().find(|t| {
            t.group == group && t.plural == plural && t.versions.iter().any(|v| v == version)
        })
    }

    /// The type of objects of `kind` in `group`, at any version.
    pub fn by_kind(&self, group: &str, kind: &str) -> Option<&ResourceType> {
        self.types
            .iter()
            .find(|t| t.group == group && t.kind == kind)
    }

    /// The type for a kind nobody declared: `lowercase(kind) + "s"`, as the task of
    /// serving an unknown seed object demands; namespaced when the object has a
    /// namespace.
    pub fn guess(
        &mut self,
        group: &str,
        version: &str,
        kind: &str,
        namespaced: bool,
    ) -> ResourceType {
        if let Some(existing) = self.by_kind(group, kind) {
            let existing = existing.clone();
            if !existing.versions.iter().any(|v| v == version) {
                self.add_version(group, kind, version);
            }
            return existing;
        }
        let singular = kind.to_ascii_lowercase();
        let t = ResourceType {
            group: group.to_owned(),
            versions: vec![version.to_owned()],
            plural: format!("{singular}s"),
            singular,
            kind: kind.to_owned(),
            namespaced,
            short_names: Vec::new(),
            subresources: Vec::new(),
            read_only: false,
            builtin: false,
        };
        self.types.push(t.clone());
        t
    }

    fn add_version(&mut self, group: &str, kind: &str, version: &str) {
        if let Some(t) = self
            .types
            .iter_mut()
            .find(|t| t.group == group && t.kind == kind)
        {
            t.versions.push(version.to_owned());
        }
    }

    /// Serves (or stops serving) the resource a CustomResourceDefinition declares.
    /// Returns false when the definition is malformed.
    pub fn apply_crd(&mut self, crd: &Value) -> bool {
        let Some(t) = crd_type(crd) else {
            return false;
        };
        self.types.retain(|old| {
            !(old.group == t.group && (old.plural == t.plural || old.kind == t.kind))
        });
        self.types.push(t);
        true
    }

    /// Stops serving a deleted CustomResourceDefinition's resource.
    pub fn remove_crd(&mut self, crd: &Value) {
        if let Some(t) = crd_type(crd) {
            self.types
                .retain(|old| !(old.group == t.group && old.plural == t.plural));
        }
    }

    /// Groups in discovery order (core first, then by first appearance), each with its
    /// versions, preferred first.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for t in &self.types {
            let index = groups
                .iter()
                .position(|(g, _)| *g == t.group)
                .unwrap_or_else(|| {
                    groups.push((t.group.clone(), Vec::new()));
                    groups.len() - 1
                });
            let entry = &mut groups[index].1;
            for v in &t.versions {
                if !entry.contains(v) {
                    entry.push(v.clone());
                }
            }
        }
        groups
    }
}

fn crd_type(crd: &Value) -> Option<ResourceType> {
    let spec = crd.get("spec")?;
    let group = spec.get("group")?.as_str()?;
    let names = spec.get("names")?;
    let plural = names.get("plural")?.as_str()?;
    let kind = names.get("kind")?.as_str()?;
    let singular = names
        .get("singular")
        .and_then(Value::as_str)
        .map_or_else(|| kind.to_ascii_lowercase(), str::to_owned);
    let short_names = names
        .get("shortNames")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let namespaced = spec.get("scope").and_then(Value::as_str) != Some("Cluster");
    let mut versions: Vec<(bool, String)> = Vec::new();
    let mut subresources = Vec::new();
    for v in spec.get("versions")?.as_array()? {
        if v.get("served").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        let name = v.get("name")?.as_str()?.to_owned();
        let storage = v.get("storage").and_then(Value::as_bool) == Some(true);
        if let Some(sub) = v.get("subresources").and_then(Value::as_object) {
            for s in ["status", "scale"] {
                if sub.contains_key(s) && !subresources.iter().any(|x: &String| x == s) {
                    subresources.push(s.to_owned());
                }
            }
        }
        versions.push((storage, name));
    }
    if versions.is_empty() {
        return None;
    }
    // The storage version first: it is the one discovery prefers here.
    versions.sort_by_key(|(storage, _)| !storage);
    Some(ResourceType {
        group: group.to_owned(),
        versions: versions.into_iter().map(|(_, v)| v).collect(),
        plural: plural.to_owned(),
        singular,
        kind: kind.to_owned(),
        namespaced,
        short_names,
        subresources,
        read_only: false,
        builtin: false,
    })
}
