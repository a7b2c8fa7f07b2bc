//! Deprecated and removed API versions, as the Kubernetes deprecation guide lists them
//! (the data pluto and kubent report from).

/// One API version of one kind that is deprecated, and when it goes.
pub(crate) struct Deprecation {
    pub api_version: &'static str,
    pub kinds: &'static [&'static str],
    /// The minor version of 1.x it was deprecated in.
    pub deprecated: u32,
    /// The minor version of 1.x it was removed in.
    pub removed: u32,
    /// What to use instead.
    pub replacement: &'static str,
}

pub(crate) static DEPRECATIONS: &[Deprecation] = &[
    Deprecation {
        api_version: "extensions/v1beta1",
        kinds: &["Deployment", "DaemonSet", "ReplicaSet"],
        deprecated: 9,
        removed: 16,
        replacement: "apps/v1",
    },
    Deprecation {
        api_version: "apps/v1beta1",
        kinds: &["Deployment", "StatefulSet", "ReplicaSet"],
        deprecated: 9,
        removed: 16,
        replacement: "apps/v1",
    },
    Deprecation {
        api_version: "apps/v1beta2",
        kinds: &["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"],
        deprecated: 9,
        removed: 16,
        replacement: "apps/v1",
    },
    Deprecation {
        api_version: "extensions/v1beta1",
        kinds: &["NetworkPolicy"],
        deprecated: 9,
        removed: 16,
        replacement: "networking.k8s.io/v1",
    },
    Deprecation {
        api_version: "extensions/v1beta1",
        kinds: &["PodSecurityPolicy"],
        deprecated: 10,
        removed: 16,
        replacement: "policy/v1beta1",
    },
    Deprecation {
        api_version: "extensions/v1beta1",
        kinds: &["Ingress"],
        deprecated: 14,
        removed: 22,
        replacement: "networking.k8s.io/v1",
    },
    Deprecation {
        api_version: "networking.k8s.io/v1beta1",
        kinds: &["Ingress", "IngressClass"],
        deprecated: 19,
        removed: 22,
        replacement: "networking.k8s.io/v1",
    },
    Deprecation {
        api_version: "apiextensions.k8s.io/v1beta1",
        kinds: &["CustomResourceDefinition"],
        deprecated: 16,
        removed: 22,
        replacement: "apiextensions.k8s.io/v1",
    },
    Deprecation {
        api_version: "admissionregistration.k8s.io/v1beta1",
        kinds: &[
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        ],
        deprecated: 16,
        removed: 22,
        replacement: "admissionregistration.k8s.io/v1",
    },
    Deprecation {
        api_version: "apiregistration.k8s.io/v1beta1",
        kinds: &["APIService"],
        deprecated: 19,
        removed: 22,
        replacement: "apiregistration.k8s.io/v1",
    },
    Deprecation {
        api_version: "authentication.k8s.io/v1beta1",
        kinds: &["TokenReview"],
        deprecated: 19,
        removed: 22,
        replacement: "authentication.k8s.io/v1",
    },
    Deprecation {
        api_version: "authorization.k8s.io/v1beta1",
        kinds: &[
            "SubjectAccessReview",
            "LocalSubjectAccessReview",
            "SelfSubjectAccessReview",
        ],
        deprecated: 19,
        removed: 22,
        replacement: "authorization.k8s.io/v1",
    },
    Deprecation {
        api_version: "certificates.k8s.io/v1beta1",
        kinds: &["CertificateSigningRequest"],
        deprecated: 19,
        removed: 22,
        replacement: "certificates.k8s.io/v1",
    },
    Deprecation {
        api_version: "coordination.k8s.io/v1beta1",
        kinds: &["Lease"],
        deprecated: 19,
        removed: 22,
        replacement: "coordination.k8s.io/v1",
    },
    Deprecation {
        api_version: "rbac.authorization.k8s.io/v1beta1",
        kinds: &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
        deprecated: 17,
        removed: 22,
        replacement: "rbac.authorization.k8s.io/v1",
    },
    Deprecation {
        api_version: "rbac.authorization.k8s.io/v1alpha1",
        kinds: &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
        deprecated: 17,
        removed: 22,
        replacement: "rbac.authorization.k8s.io/v1",
    },
    Deprecation {
        api_version: "scheduling.k8s.io/v1beta1",
        kinds: &["PriorityClass"],
        deprecated: 14,
        removed: 22,
        replacement: "scheduling.k8s.io/v1",
    },
    Deprecation {
        api_version: "scheduling.k8s.io/v1alpha1",
        kinds: &["PriorityClass"],
        deprecated: 14,
        removed: 17,
        replacement: "scheduling.k8s.io/v1",
    },
    Deprecation {
        api_version: "storage.k8s.io/v1beta1",
        kinds: &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        deprecated: 19,
        removed: 22,
        replacement: "storage.k8s.io/v1",
    },
    Deprecation {
        api_version: "batch/v1beta1",
        kinds: &["CronJob"],
        deprecated: 21,
        removed: 25,
        replacement: "batch/v1",
    },
    Deprecation {
        api_version: "discovery.k8s.io/v1beta1",
        kinds: &["EndpointSlice"],
        deprecated: 21,
        removed: 25,
        replacement: "discovery.k8s.io/v1",
    },
    Deprecation {
        api_version: "events.k8s.io/v1beta1",
        kinds: &["Event"],
        deprecated: 19,
        removed: 25,
        replacement: "events.k8s.io/v1",
    },
    Deprecation {
        api_version: "autoscaling/v2beta1",
        kinds: &["HorizontalPodAutoscaler"],
        deprecated: 22,
        removed: 25,
        replacement: "autoscaling/v2",
    },
    Deprecation {
        api_version: "policy/v1beta1",
        kinds: &["PodDisruptionBudget"],
        deprecated: 21,
        removed: 25,
        replacement: "policy/v1",
    },
    Deprecation {
        api_version: "policy/v1beta1",
        kinds: &["PodSecurityPolicy"],
        deprecated: 21,
        removed: 25,
        replacement: "Pod Security Admission (namespace labels pod-security.kubernetes.io/*)",
    },
    Deprecation {
        api_version: "node.k8s.io/v1beta1",
        kinds: &["RuntimeClass"],
        deprecated: 20,
        removed: 25,
        replacement: "node.k8s.io/v1",
    },
    Deprecation {
        api_version: "autoscaling/v2beta2",
        kinds: &["HorizontalPodAutoscaler"],
        deprecated: 23,
        removed: 26,
        replacement: "autoscaling/v2",
    },
    Deprecation {
        api_version: "flowcontrol.apiserver.k8s.io/v1beta1",
        kinds: &["FlowSchema", "PriorityLevelConfiguration"],
        deprecated: 23,
        removed: 26,
        replacement: "flowcontrol.apiserver.k8s.io/v1",
    },
    Deprecation {
        api_version: "storage.k8s.io/v1beta1",
        kinds: &["CSIStorageCapacity"],
        deprecated: 24,
        removed: 27,
        replacement: "storage.k8s.io/v1",
    },
    Deprecation {
        api_version: "flowcontrol.apiserver.k8s.io/v1beta2",
        kinds: &["FlowSchema", "PriorityLevelConfiguration"],
        deprecated: 26,
        removed: 29,
        replacement: "flowcontrol.apiserver.k8s.io/v1",
    },
    Deprecation {
        api_version: "flowcontrol.apiserver.k8s.io/v1beta3",
        kinds: &["FlowSchema", "PriorityLevelConfiguration"],
        deprecated: 29,
        removed: 32,
        replacement: "flowcontrol.apiserver.k8s.io/v1",
    },
];

/// The deprecation entry for an object's apiVersion and kind.
pub(crate) fn find(api_version: &str, kind: &str) -> Option<&'static Deprecation> {
    DEPRECATIONS
        .iter()
        .find(|d| d.api_version == api_version && d.kinds.contains(&kind))
}
