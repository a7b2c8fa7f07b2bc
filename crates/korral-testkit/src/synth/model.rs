//! The cluster model: every object of a dump with the names, uids and times it refers
//! to, so that rendering one object is a pure function of its [`Object`].

use std::rc::Rc;

/// 2024-01-01T08:00:00Z: namespaces and everything in them are created after this;
/// nodes and cluster-wide objects a few weeks before.
pub(super) const BASE_TIME: i64 = 1_704_096_000;
pub(super) const HOUR: i64 = 3_600;
pub(super) const DAY: i64 = 24 * HOUR;
/// The moment the dump is taken; nothing is created after it.
pub(super) const NOW: i64 = BASE_TIME + 180 * DAY;

/// Object kinds, in the order the dump lists them (within a kind: by namespace, then
/// name, as the API server returns lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Kind {
    Namespace,
    Node,
    PersistentVolume,
    StorageClass,
    IngressClass,
    CustomResourceDefinition,
    ClusterRole,
    ClusterRoleBinding,
    ClusterIssuer,
    ServiceAccount,
    ConfigMap,
    Secret,
    Service,
    EndpointSlice,
    PersistentVolumeClaim,
    Pod,
    Deployment,
    ReplicaSet,
    StatefulSet,
    CronJob,
    Job,
    HorizontalPodAutoscaler,
    PodDisruptionBudget,
    Ingress,
    NetworkPolicy,
    Role,
    RoleBinding,
    Certificate,
    Widget,
}

impl Kind {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Namespace => "Namespace",
            Self::Node => "Node",
            Self::PersistentVolume => "PersistentVolume",
            Self::StorageClass => "StorageClass",
            Self::IngressClass => "IngressClass",
            Self::CustomResourceDefinition => "CustomResourceDefinition",
            Self::ClusterRole => "ClusterRole",
            Self::ClusterRoleBinding => "ClusterRoleBinding",
            Self::ClusterIssuer => "ClusterIssuer",
            Self::ServiceAccount => "ServiceAccount",
            Self::ConfigMap => "ConfigMap",
            Self::Secret => "Secret",
            Self::Service => "Service",
            Self::EndpointSlice => "EndpointSlice",
            Self::PersistentVolumeClaim => "PersistentVolumeClaim",
            Self::Pod => "Pod",
            Self::Deployment => "Deployment",
            Self::ReplicaSet => "ReplicaSet",
            Self::StatefulSet => "StatefulSet",
            Self::CronJob => "CronJob",
            Self::Job => "Job",
            Self::HorizontalPodAutoscaler => "HorizontalPodAutoscaler",
            Self::PodDisruptionBudget => "PodDisruptionBudget",
            Self::Ingress => "Ingress",
            Self::NetworkPolicy => "NetworkPolicy",
            Self::Role => "Role",
            Self::RoleBinding => "RoleBinding",
            Self::Certificate => "Certificate",
            Self::Widget => "Widget",
        }
    }

    pub(super) fn api_version(self) -> &'static str {
        match self {
            Self::Namespace
            | Self::Node
            | Self::PersistentVolume
            | Self::ServiceAccount
            | Self::ConfigMap
            | Self::Secret
            | Self::Service
            | Self::PersistentVolumeClaim
            | Self::Pod => "v1",
            Self::StorageClass => "storage.k8s.io/v1",
            Self::IngressClass | Self::Ingress | Self::NetworkPolicy => "networking.k8s.io/v1",
            Self::CustomResourceDefinition => "apiextensions.k8s.io/v1",
            Self::ClusterRole | Self::ClusterRoleBinding | Self::Role | Self::RoleBinding => {
                "rbac.authorization.k8s.io/v1"
            }
            Self::ClusterIssuer | Self::Certificate => "cert-manager.io/v1",
            Self::EndpointSlice => "discovery.k8s.io/v1",
            Self::Deployment | Self::ReplicaSet | Self::StatefulSet => "apps/v1",
            Self::CronJob | Self::Job => "batch/v1",
            Self::HorizontalPodAutoscaler => "autoscaling/v2",
            Self::PodDisruptionBudget => "policy/v1",
            Self::Widget => "example.com/v1alpha1",
        }
    }
}

/// One object of the dump, with what it needs to render.
pub(super) struct Object {
    pub(super) kind: Kind,
    pub(super) namespace: Option<Rc<str>>,
    pub(super) name: String,
    pub(super) uid: String,
    /// Unix seconds.
    pub(super) created: i64,
    /// Seeds the object's own details (resourceVersion, data values), so they never
    /// depend on the order objects are rendered in.
    pub(super) seed: u64,
    pub(super) applier: Applier,
    pub(super) body: Body,
}

/// Who created an object, which shows in its labels, annotations and managedFields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Applier {
    /// `kubectl apply`: a `last-applied-configuration` annotation and an `Update` by
    /// `kubectl-client-side-apply`.
    ClientSide,
    /// `kubectl apply --server-side`: an `Apply` by `kubectl`.
    ServerSide,
    /// `helm upgrade --install`: Helm's labels and release annotations, an `Update` by
    /// `helm`.
    Helm,
    /// Made by a controller (ReplicaSets, Pods, EndpointSlices...); the kind decides which.
    Controller,
}

/// An `ownerReferences` entry; ours are all `controller: true, blockOwnerDeletion: true`.
#[derive(Debug, Clone)]
pub(super) struct OwnerRef {
    pub(super) kind: Kind,
    pub(super) name: String,
    pub(super) uid: String,
}

/// A worker node, shared by the pods, claims and volumes placed on it.
#[derive(Debug)]
pub(super) struct NodeSlot {
    pub(super) name: String,
    pub(super) ip: String,
    pub(super) index: usize,
    pub(super) zone: &'static str,
    pub(super) instance: &'static InstanceType,
    pub(super) instance_id: String,
}

/// The EC2 instance type of a node pool.
#[derive(Debug)]
pub(super) struct InstanceType {
    pub(super) name: &'static str,
    pub(super) pool: &'static str,
    pub(super) cpu: u32,
    pub(super) memory_gi: u32,
}

pub(super) const INSTANCE_TYPES: [InstanceType; 4] = [
    InstanceType {
        name: "m5.xlarge",
        pool: "general",
        cpu: 4,
        memory_gi: 16,
    },
    InstanceType {
        name: "m5.2xlarge",
        pool: "general",
        cpu: 8,
        memory_gi: 32,
    },
    InstanceType {
        name: "c5.4xlarge",
        pool: "compute",
        cpu: 16,
        memory_gi: 32,
    },
    InstanceType {
        name: "r5.2xlarge",
        pool: "memory",
        cpu: 8,
        memory_gi: 64,
    },
];

/// Availability zones; nodes go round them, volumes follow their pod's node.
pub(super) const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];

/// What the containers of a workload run; shared by the Deployment, its ReplicaSets and
/// Pods so the templates agree everywhere.
#[derive(Debug, Clone)]
pub(super) struct PodTemplate {
    pub(super) app: String,
    pub(super) team: &'static str,
    pub(super) role: Role,
    pub(super) image: String,
    pub(super) version: String,
    pub(super) port: u16,
    pub(super) config_map: String,
    pub(super) env_config_map: Option<String>,
    pub(super) secret: String,
    /// `None` runs as the namespace's `default` ServiceAccount.
    pub(super) service_account: Option<String>,
    /// A PersistentVolumeClaim shared by the (single) replica.
    pub(super) claim: Option<String>,
    /// Size of each claim: the shared one, or the StatefulSet's `data` template.
    pub(super) storage_gi: u32,
    pub(super) init: bool,
    pub(super) sidecar: bool,
    /// Whether the manifest sets env references, probes, a mounted Secret and security
    /// settings; most apps in a cluster are the lean kind.
    pub(super) rich: bool,
    pub(super) cpu_m: u32,
    pub(super) memory_mi: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// A long-running server with probes behind a Service.
    Server,
    /// A StatefulSet member with a `data` volume claim template.
    Database,
    /// A Job's pod that runs to completion.
    Batch,
}

/// A Deployment or a StatefulSet.
pub(super) struct Workload {
    pub(super) tpl: Rc<PodTemplate>,
    pub(super) replicas: u32,
    pub(super) revision: u32,
    /// pod-template-hash (Deployment) or controller revision hash (StatefulSet).
    pub(super) hash: String,
    /// The Service a StatefulSet names (Deployments name theirs the same as the app).
    pub(super) service: String,
    /// When the current revision rolled out (Unix seconds).
    pub(super) rolled_out: i64,
}

pub(super) struct ReplicaSetInfo {
    pub(super) tpl: Rc<PodTemplate>,
    pub(super) owner: OwnerRef,
    pub(super) replicas: u32,
    /// The Deployment's replicas, which its annotations repeat.
    pub(super) desired: u32,
    pub(super) revision: u32,
    pub(super) hash: String,
}

pub(super) struct PodInfo {
    pub(super) tpl: Rc<PodTemplate>,
    pub(super) owner: OwnerRef,
    pub(super) node: Rc<NodeSlot>,
    pub(super) ip: String,
    /// pod-template-hash (ReplicaSet pods) or revision hash (StatefulSet pods); unused
    /// for Job pods.
    pub(super) hash: String,
    /// The StatefulSet member's index.
    pub(super) ordinal: Option<u32>,
    /// The StatefulSet member's own claim, `data-<sts>-<ordinal>`.
    pub(super) claim: Option<String>,
    pub(super) restarts: u32,
    /// When a Job's pod finished; `None` for running pods.
    pub(super) finished: Option<i64>,
}

pub(super) struct ClaimInfo {
    pub(super) app: String,
    pub(super) storage_gi: u32,
    pub(super) node: Rc<NodeSlot>,
}

pub(super) struct VolumeInfo {
    pub(super) claim_namespace: Rc<str>,
    pub(super) claim: String,
    pub(super) claim_uid: String,
    pub(super) storage_gi: u32,
    pub(super) zone: &'static str,
}

pub(super) struct ServiceInfo {
    pub(super) app: String,
    pub(super) team: &'static str,
    /// The pods' port, named `port_name` on the Service and its EndpointSlice.
    pub(super) port: u16,
    pub(super) port_name: &'static str,
    /// `None` for a headless Service.
    pub(super) cluster_ip: Option<String>,
}

pub(super) struct Endpoint {
    pub(super) pod: String,
    pub(super) uid: String,
    pub(super) ip: String,
    pub(super) node: Rc<NodeSlot>,
}

pub(super) struct SliceInfo {
    pub(super) service: OwnerRef,
    pub(super) app: String,
    pub(super) port: u16,
    pub(super) port_name: &'static str,
    pub(super) endpoints: Vec<Endpoint>,
}

/// A (Cluster)RoleBinding subject; `namespace` is set for ServiceAccounts only.
pub(super) struct Subject {
    pub(super) kind: &'static str,
    pub(super) name: String,
    pub(super) namespace: Option<Rc<str>>,
}

/// What a ConfigMap holds.
pub(super) enum ConfigData {
    /// The cluster CA every namespace gets as `kube-root-ca.crt`.
    RootCa(Rc<str>),
    /// An app's configuration file and the keys its pods reference.
    App { app: String, port: u16 },
    /// Variables an app loads whole through `envFrom`.
    Env { app: String },
    /// Written by the Widget operator for its Widget.
    Owned(OwnerRef),
    /// Feature flags nothing references, rounding a namespace up to its share.
    Filler,
}

/// What a Secret holds.
pub(super) enum SecretData {
    /// `keys` credentials; the first is always `password`, which pods reference.
    Opaque { keys: u32 },
    /// `regcred`, the registry login every pod pulls with.
    Registry,
    /// Issued by cert-manager for its Certificate.
    Tls { owner: OwnerRef, hosts: Vec<String> },
}

/// The kind-specific part of an [`Object`].
pub(super) enum Body {
    Namespace {
        team: &'static str,
        env: &'static str,
    },
    Node(Rc<NodeSlot>),
    StorageClass,
    IngressClass,
    CustomResourceDefinition,
    ClusterIssuer,
    ClusterRole,
    ClusterRoleBinding {
        role: &'static str,
        subjects: Vec<Subject>,
    },
    ServiceAccount {
        pull_secret: bool,
        cloud_role: bool,
    },
    ConfigMap(ConfigData),
    Secret(SecretData),
    Deployment(Workload),
    ReplicaSet(ReplicaSetInfo),
    StatefulSet(Workload),
    Pod(PodInfo),
    PersistentVolumeClaim(ClaimInfo),
    PersistentVolume(VolumeInfo),
    Service(ServiceInfo),
    EndpointSlice(SliceInfo),
    Ingress {
        service: String,
        host: String,
        tls_secret: String,
    },
    HorizontalPodAutoscaler {
        target: String,
        min: u32,
        max: u32,
        current: u32,
    },
    PodDisruptionBudget {
        app: String,
        max_unavailable: u32,
        healthy: u32,
    },
    /// `app: None` is the namespace's default-deny policy.
    NetworkPolicy {
        app: Option<String>,
        port: u16,
    },
    Role,
    RoleBinding {
        subjects: Vec<Subject>,
    },
    CronJob {
        tpl: Rc<PodTemplate>,
        schedule: &'static str,
        last: i64,
    },
    Job {
        tpl: Rc<PodTemplate>,
        owner: OwnerRef,
        start: i64,
        finish: i64,
    },
    Certificate {
        owner: OwnerRef,
        secret: String,
        hosts: Vec<String>,
    },
    Widget {
        config_map: String,
        size: u32,
    },
}
