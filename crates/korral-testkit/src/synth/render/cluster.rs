//! Nodes, storage (claims, volumes, the StorageClass), classes, CRDs and RBAC.

use serde_json::{Value, json};

use super::{Doc, fields_v1, timestamp};
use crate::synth::model::{ClaimInfo, NOW, NodeSlot, Subject, VolumeInfo};
use crate::synth::rng::digest;

/// The CSI driver behind the `standard` StorageClass.
const PROVISIONER: &str = "ebs.csi.aws.com";

/// Images every node has pulled: `(repository, tag, size in bytes)`.
const NODE_IMAGES: [(&str, &str, u64); 12] = [
    (
        "602401143452.dkr.ecr.us-east-1.amazonaws.com/amazon-k8s-cni",
        "v1.16.0-eksbuild.1",
        42_110_472,
    ),
    (
        "602401143452.dkr.ecr.us-east-1.amazonaws.com/amazon-k8s-cni-init",
        "v1.16.0-eksbuild.1",
        57_412_092,
    ),
    (
        "602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/kube-proxy",
        "v1.29.0-minimal-eksbuild.1",
        35_298_448,
    ),
    (
        "602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/pause",
        "3.5",
        298_689,
    ),
    (
        "602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/aws-ebs-csi-driver",
        "v1.26.1",
        34_915_312,
    ),
    (
        "602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/csi-node-driver-registrar",
        "v2.9.3-eks-1-29-2",
        9_213_054,
    ),
    (
        "602401143452.dkr.ecr.us-east-1.amazonaws.com/eks/livenessprobe",
        "v2.11.0-eks-1-29-2",
        8_901_231,
    ),
    ("docker.io/fluent/fluent-bit", "2.2.2", 32_419_102),
    ("docker.io/library/busybox", "1.36.1", 2_160_406),
    ("quay.io/prometheus/node-exporter", "v1.7.0", 11_725_032),
    (
        "registry.k8s.io/ingress-nginx/controller",
        "v1.9.6",
        110_452_118,
    ),
    (
        "quay.io/jetstack/cert-manager-controller",
        "v1.14.4",
        18_320_114,
    ),
];

pub(in crate::synth) fn node(doc: &mut Doc, slot: &NodeSlot) {
    let created = doc.o.created;
    let pod_cidr = format!("10.{}.{}.0/24", 64 + slot.index / 256, slot.index % 256);
    doc.meta(
        "labels",
        json!({
            "beta.kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/instance-type": slot.instance.name,
            "beta.kubernetes.io/os": "linux",
            "eks.amazonaws.com/capacityType": "ON_DEMAND",
            "eks.amazonaws.com/nodegroup": format!("{}-pool", slot.instance.pool),
            "eks.amazonaws.com/nodegroup-image": "ami-0c2b5d3e9f1a7b8c4",
            "failure-domain.beta.kubernetes.io/region": "us-east-1",
            "failure-domain.beta.kubernetes.io/zone": slot.zone,
            "k8s.io/cloud-provider-aws": "6b1f6a2c0d2e4c1f9a8b7c6d5e4f3a2b",
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": slot.name,
            "kubernetes.io/os": "linux",
            "node.kubernetes.io/instance-type": slot.instance.name,
            "topology.ebs.csi.aws.com/zone": slot.zone,
            "topology.k8s.aws/zone-id": format!("use1-az{}", slot.index % 3 + 1),
            "topology.kubernetes.io/region": "us-east-1",
            "topology.kubernetes.io/zone": slot.zone,
        }),
    );
    doc.annotate("alpha.kubernetes.io/provided-node-ip", slot.ip.clone());
    doc.annotate(
        "csi.volume.kubernetes.io/nodeid",
        format!("{{\"{PROVISIONER}\":\"{}\"}}", slot.instance_id),
    );
    doc.annotate("node.alpha.kubernetes.io/ttl", "0");
    doc.annotate(
        "volumes.kubernetes.io/controller-managed-attach-detach",
        "true",
    );
    let meta = json!({"annotations": doc.meta["annotations"], "labels": doc.label_map()});
    doc.managed_by(
        "kubelet",
        "Update",
        created,
        None,
        fields_v1(&[("metadata", &meta)]),
    );
    let spec = json!({
        "podCIDR": pod_cidr,
        "podCIDRs": [pod_cidr],
        "providerID": format!("aws:///{}/{}", slot.zone, slot.instance_id),
    });
    doc.managed_by(
        "kube-controller-manager",
        "Update",
        created + 20,
        None,
        fields_v1(&[("spec", &spec)]),
    );
    doc.set("spec", spec);
    let status = node_status(doc, slot);
    doc.status("kubelet", NOW - 30, status);
}

fn node_status(doc: &mut Doc, slot: &NodeSlot) -> Value {
    let created = doc.o.created;
    let heartbeat = timestamp(NOW - doc.rng.span(1, 50));
    let ready_since = timestamp(created + 45);
    let condition = |kind: &str, status: &str, reason: &str, message: &str| json!({"lastHeartbeatTime": heartbeat, "lastTransitionTime": ready_since, "message": message, "reason": reason, "status": status, "type": kind});
    let memory_ki = u64::from(slot.instance.memory_gi) * 1_024 * 1_024 - 350_000;
    let images: Vec<Value> = NODE_IMAGES
        .iter()
        .map(|(repo, tag, size)| {
            json!({"names": [format!("{repo}@sha256:{}", digest(&format!("{repo}:{tag}"))), format!("{repo}:{tag}")], "sizeBytes": size})
        })
        .collect();
    json!({
        "addresses": [
            {"address": slot.ip, "type": "InternalIP"},
            {"address": slot.name, "type": "InternalDNS"},
            {"address": slot.name, "type": "Hostname"},
        ],
        "allocatable": {
            "cpu": format!("{}m", slot.instance.cpu * 1_000 - 90),
            "ephemeral-storage": "95491281146",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": format!("{}Ki", memory_ki - 1_200_000),
            "pods": "250",
        },
        "capacity": {
            "cpu": slot.instance.cpu.to_string(),
            "ephemeral-storage": "104845292Ki",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": format!("{memory_ki}Ki"),
            "pods": "250",
        },
        "conditions": [
            condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10_250}},
        "images": images,
        "nodeInfo": {
            "architecture": "amd64",
            "bootID": doc.rng.uid(),
            "containerRuntimeVersion": "containerd://1.7.11",
            "kernelVersion": "5.10.210-201.852.amzn2.x86_64",
            "kubeProxyVersion": "v1.29.0-eks-5e0fdde",
            "kubeletVersion": "v1.29.0-eks-5e0fdde",
            "machineID": doc.rng.hex(32),
            "operatingSystem": "linux",
            "osImage": "Amazon Linux 2",
            "systemUUID": format!("ec2{}", &doc.rng.uid()[3..]),
        },
    })
}

pub(in crate::synth) fn claim(doc: &mut Doc, info: &ClaimInfo) {
    let o = doc.o;
    let storage = format!("{}Gi", info.storage_gi);
    doc.meta(
        "labels",
        json!({"app": info.app, "app.kubernetes.io/name": info.app}),
    );
    doc.meta("finalizers", json!(["kubernetes.io/pvc-protection"]));
    doc.annotate("volume.kubernetes.io/selected-node", info.node.name.clone());
    let selected = json!({"annotations": doc.meta["annotations"]});
    doc.managed_by(
        "kube-scheduler",
        "Update",
        o.created + 1,
        None,
        fields_v1(&[("metadata", &selected)]),
    );
    let bound = json!({
        "pv.kubernetes.io/bind-completed": "yes",
        "pv.kubernetes.io/bound-by-controller": "yes",
        "volume.beta.kubernetes.io/storage-provisioner": PROVISIONER,
        "volume.kubernetes.io/storage-provisioner": PROVISIONER,
    });
    for (key, value) in bound.as_object().expect("an object") {
        doc.annotate(key, value.clone());
    }
    let volume = format!("pvc-{}", o.uid);
    let spec = json!({
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": storage}},
        "storageClassName": "standard",
        "volumeMode": "Filesystem",
        "volumeName": volume,
    });
    let at = o.created + 5;
    let meta = json!({"annotations": bound});
    let fields = fields_v1(&[
        ("metadata", &meta),
        ("spec", &json!({"volumeName": volume})),
    ]);
    doc.managed_by("kube-controller-manager", "Update", at, None, fields);
    doc.set("spec", spec);
    let status = json!({"accessModes": ["ReadWriteOnce"], "capacity": {"storage": storage}, "phase": "Bound"});
    doc.status("kube-controller-manager", at, status);
}

pub(in crate::synth) fn volume(doc: &mut Doc, info: &VolumeInfo) {
    let o = doc.o;
    doc.meta(
        "finalizers",
        json!([
            "external-provisioner.volume.kubernetes.io/finalizer",
            "kubernetes.io/pv-protection"
        ]),
    );
    doc.annotate("pv.kubernetes.io/provisioned-by", PROVISIONER);
    doc.annotate("volume.kubernetes.io/provisioner-deletion-secret-name", "");
    doc.annotate(
        "volume.kubernetes.io/provisioner-deletion-secret-namespace",
        "",
    );
    let spec = json!({
        "accessModes": ["ReadWriteOnce"],
        "capacity": {"storage": format!("{}Gi", info.storage_gi)},
        "claimRef": {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "name": info.claim,
            "namespace": info.claim_namespace.as_ref(),
            "resourceVersion": doc.rng.range(100_000, 98_000_000).to_string(),
            "uid": info.claim_uid,
        },
        "csi": {
            "driver": PROVISIONER,
            "fsType": "ext4",
            "volumeAttributes": {"storage.kubernetes.io/csiProvisionerIdentity": format!("1703980800000-8081-{PROVISIONER}")},
            "volumeHandle": format!("vol-0{}", doc.rng.hex(16)),
        },
        "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "topology.ebs.csi.aws.com/zone", "operator": "In", "values": [info.zone]},
        ]}]}},
        "persistentVolumeReclaimPolicy": "Delete",
        "storageClassName": "standard",
        "volumeMode": "Filesystem",
    });
    let meta =
        json!({"annotations": doc.meta["annotations"], "finalizers": doc.meta["finalizers"]});
    doc.managed_by(
        "csi-provisioner",
        "Update",
        o.created,
        None,
        fields_v1(&[("metadata", &meta), ("spec", &spec)]),
    );
    doc.set("spec", spec);
    let status = json!({"lastPhaseTransitionTime": timestamp(o.created + 1), "phase": "Bound"});
    doc.status("kube-controller-manager", o.created + 1, status);
}

pub(in crate::synth) fn storage_class(doc: &mut Doc) {
    doc.annotate("storageclass.kubernetes.io/is-default-class", "true");
    let parameters = json!({"encrypted": "true", "fsType": "ext4", "type": "gp3"});
    let fields = [
        ("allowVolumeExpansion", json!(true)),
        ("parameters", parameters),
        ("provisioner", json!(PROVISIONER)),
        ("reclaimPolicy", json!("Delete")),
        ("volumeBindingMode", json!("WaitForFirstConsumer")),
    ];
    let user: Vec<(&str, &Value)> = fields.iter().map(|(k, v)| (*k, v)).collect();
    doc.applied(&user);
    for (key, value) in fields {
        doc.set(key, value);
    }
}

pub(in crate::synth) fn ingress_class(doc: &mut Doc) {
    doc.meta(
        "labels",
        json!({
            "app.kubernetes.io/component": "controller",
            "app.kubernetes.io/instance": "ingress-nginx",
            "app.kubernetes.io/name": "ingress-nginx",
            "app.kubernetes.io/part-of": "ingress-nginx",
            "app.kubernetes.io/version": "1.9.6",
        }),
    );
    doc.annotate("ingressclass.kubernetes.io/is-default-class", "true");
    let spec = json!({"controller": "k8s.io/ingress-nginx"});
    doc.applied(&[("spec", &spec)]);
    doc.meta("generation", json!(1));
    doc.set("spec", spec);
}

pub(in crate::synth) fn cluster_issuer(doc: &mut Doc) {
    let spec = json!({"selfSigned": {}});
    doc.applied(&[("spec", &spec)]);
    doc.meta("generation", json!(1));
    doc.set("spec", spec);
    let at = doc.o.created + 10;
    let status = json!({"conditions": [{"lastTransitionTime": timestamp(at), "message": "", "observedGeneration": 1, "reason": "IsReady", "status": "True", "type": "Ready"}]});
    doc.status("cert-manager-clusterissuers", at, status);
}

/// `(group, kind, plural, scope, version, spec fields)` by CRD name.
fn crd_shape(
    name: &str,
) -> (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
) {
    match name {
        "certificates.cert-manager.io" => (
            "cert-manager.io",
            "Certificate",
            "certificates",
            "Namespaced",
            "v1",
            &[
                ("commonName", "string"),
                ("dnsNames", "array"),
                ("duration", "string"),
                ("issuerRef", "object"),
                ("privateKey", "object"),
                ("renewBefore", "string"),
                ("secretName", "string"),
                ("secretTemplate", "object"),
                ("subject", "object"),
                ("usages", "array"),
            ],
        ),
        "clusterissuers.cert-manager.io" => (
            "cert-manager.io",
            "ClusterIssuer",
            "clusterissuers",
            "Cluster",
            "v1",
            &[
                ("acme", "object"),
                ("ca", "object"),
                ("selfSigned", "object"),
                ("vault", "object"),
                ("venafi", "object"),
            ],
        ),
        _ => (
            "example.com",
            "Widget",
            "widgets",
            "Namespaced",
            "v1alpha1",
            &[
                ("color", "string"),
                ("configMapRef", "object"),
                ("size", "integer"),
                ("tier", "string"),
            ],
        ),
    }
}

pub(in crate::synth) fn crd(doc: &mut Doc) {
    let (group, kind, plural, scope, version, fields) = crd_shape(&doc.o.name);
    let singular = kind.to_lowercase();
    let cert_manager = group == "cert-manager.io";
    if cert_manager {
        doc.meta("labels", json!({"app": "cert-manager", "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/version": "v1.14.4"}));
    }
    doc.annotate("controller-gen.kubebuilder.io/version", "v0.14.0");
    let property = |(name, kind): &(&str, &str)| {
        let mut schema = json!({"description": format!("{name} of the {singular}. See the {group} documentation for the accepted values and their defaults."), "type": kind});
        match *kind {
            "array" => schema["items"] = json!({"type": "string"}),
            "object" => schema["x-kubernetes-preserve-unknown-fields"] = json!(true),
            _ => {}
        }
        ((*name).to_owned(), schema)
    };
    let properties: serde_json::Map<String, Value> = fields.iter().map(property).collect();
    let schema = json!({"openAPIV3Schema": {
        "description": format!("A {kind} resource of {group}."),
        "properties": {
            "apiVersion": {"description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.", "type": "string"},
            "kind": {"description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase.", "type": "string"},
            "metadata": {"type": "object"},
            "spec": {"description": format!("Desired state of the {kind}."), "properties": properties, "type": "object"},
            "status": {"description": format!("Status of the {kind}."), "properties": {
                "conditions": {"items": {"properties": {
                    "lastTransitionTime": {"format": "date-time", "type": "string"},
                    "message": {"type": "string"},
                    "observedGeneration": {"format": "int64", "type": "integer"},
                    "reason": {"type": "string"},
                    "status": {"enum": ["True", "False", "Unknown"], "type": "string"},
                    "type": {"type": "string"},
                }, "required": ["status", "type"], "type": "object"}, "type": "array", "x-kubernetes-list-map-keys": ["type"], "x-kubernetes-list-type": "map"},
            }, "type": "object"},
        },
        "required": ["spec"],
        "type": "object",
    }});
    let names = json!({
        "categories": if cert_manager { json!(["cert-manager"]) } else { json!(["all"]) },
        "kind": kind,
        "listKind": format!("{kind}List"),
        "plural": plural,
        "singular": singular,
    });
    let user = json!({
        "group": group,
        "names": names,
        "scope": scope,
        "versions": [{
            "additionalPrinterColumns": [
                {"jsonPath": ".status.conditions[?(@.type==\"Ready\")].status", "name": "Ready", "type": "string"},
                {"jsonPath": ".metadata.creationTimestamp", "description": "CreationTimestamp is a timestamp representing the server time when this object was created.", "name": "Age", "type": "date"},
            ],
            "name": version,
            "schema": schema,
            "served": true,
            "storage": true,
            "subresources": {"status": {}},
        }],
    });
    doc.applied(&[("spec", &user)]);
    let mut spec = user;
    spec["conversion"] = json!({"strategy": "None"});
    doc.meta("generation", json!(1));
    doc.set("spec", spec);
    let at = timestamp(doc.o.created);
    let status = json!({
        "acceptedNames": names,
        "conditions": [
            {"lastTransitionTime": at, "message": "no conflicts found", "reason": "NoConflicts", "status": "True", "type": "NamesAccepted"},
            {"lastTransitionTime": at, "message": "the initial names have been accepted", "reason": "InitialNamesAccepted", "status": "True", "type": "Established"},
        ],
        "storedVersions": [version],
    });
    doc.status("kube-apiserver", doc.o.created, status);
}

/// One RBAC rule: `(apiGroups, resources, verbs)`.
type Rule = (
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

#[expect(clippy::too_many_lines, reason = "a table")]
fn rules(name: &str) -> &'static [Rule] {
    match name {
        "cluster-admin" => &[(&["*"], &["*"], &["*"])],
        "admin" | "edit" | "ci-deployer" => &[
            (
                &[""],
                &[
                    "configmaps",
                    "endpoints",
                    "persistentvolumeclaims",
                    "pods",
                    "replicationcontrollers",
                    "secrets",
                    "serviceaccounts",
                    "services",
                ],
                WRITE,
            ),
            (
                &["apps"],
                &[
                    "daemonsets",
                    "deployments",
                    "deployments/rollback",
                    "deployments/scale",
                    "replicasets",
                    "replicasets/scale",
                    "statefulsets",
                    "statefulsets/scale",
                ],
                WRITE,
            ),
            (&["autoscaling"], &["horizontalpodautoscalers"], WRITE),
            (&["batch"], &["cronjobs", "jobs"], WRITE),
            (
                &["networking.k8s.io"],
                &["ingresses", "networkpolicies"],
                WRITE,
            ),
            (&["policy"], &["poddisruptionbudgets"], WRITE),
            (&["cert-manager.io"], &["certificates"], WRITE),
            (&["example.com"], &["widgets"], WRITE),
        ],
        "developer" => &[
            (&[""], &["configmaps", "pods", "pods/log", "services"], READ),
            (
                &["apps"],
                &["deployments", "replicasets", "statefulsets"],
                READ,
            ),
            (&[""], &["pods/portforward"], &["create"]),
        ],
        "system:basic-user" => &[(
            &["authorization.k8s.io"],
            &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
            &["create"],
        )],
        "widget-operator" => &[
            (
                &["example.com"],
                &["widgets", "widgets/status", "widgets/finalizers"],
                WRITE,
            ),
            (&[""], &["configmaps", "events"], WRITE),
        ],
        "cert-manager-controller-certificates" => &[
            (
                &["cert-manager.io"],
                &[
                    "certificates",
                    "certificates/status",
                    "certificaterequests",
                    "certificaterequests/status",
                ],
                &["update", "patch"],
            ),
            (
                &["cert-manager.io"],
                &[
                    "certificates",
                    "certificaterequests",
                    "clusterissuers",
                    "issuers",
                ],
                READ,
            ),
            (&[""], &["secrets"], WRITE),
            (&[""], &["events"], &["create", "patch"]),
        ],
        "korral-reader" | "view" => &[
            (
                &[""],
                &[
                    "configmaps",
                    "endpoints",
                    "namespaces",
                    "nodes",
                    "persistentvolumeclaims",
                    "persistentvolumes",
                    "pods",
                    "pods/log",
                    "serviceaccounts",
                    "services",
                ],
                READ,
            ),
            (
                &["apps"],
                &["daemonsets", "deployments", "replicasets", "statefulsets"],
                READ,
            ),
            (&["batch"], &["cronjobs", "jobs"], READ),
            (
                &["networking.k8s.io"],
                &["ingresses", "ingressclasses", "networkpolicies"],
                READ,
            ),
            (&["discovery.k8s.io"], &["endpointslices"], READ),
        ],
        // An app's own Role: its configuration and a leader-election lease.
        _ => &[
            (&[""], &["configmaps", "secrets"], READ),
            (
                &["coordination.k8s.io"],
                &["leases"],
                &["create", "get", "update"],
            ),
        ],
    }
}

/// ClusterRoles and Roles; the bootstrap ClusterRoles look as the API server creates them.
pub(in crate::synth) fn role(doc: &mut Doc) {
    let name = doc.o.name.clone();
    let rules: Vec<Value> = rules(&name)
        .iter()
        .map(|(groups, resources, verbs)| json!({"apiGroups": groups, "resources": resources, "verbs": verbs}))
        .collect();
    let rules = Value::Array(rules);
    let bootstrap = matches!(
        name.as_str(),
        "admin" | "cluster-admin" | "edit" | "view" | "system:basic-user"
    );
    if bootstrap {
        doc.meta(
            "labels",
            json!({"kubernetes.io/bootstrapping": "rbac-defaults"}),
        );
        doc.annotate("rbac.authorization.kubernetes.io/autoupdate", "true");
        let mut fields = vec![("rules", &rules)];
        let aggregation;
        if matches!(name.as_str(), "admin" | "edit" | "view") {
            aggregation = json!({"clusterRoleSelectors": [{"matchLabels": {format!("rbac.authorization.k8s.io/aggregate-to-{name}"): "true"}}]});
            fields.push(("aggregationRule", &aggregation));
            doc.set("aggregationRule", aggregation.clone());
        }
        let meta = json!({"annotations": doc.meta["annotations"], "labels": doc.label_map()});
        fields.push(("metadata", &meta));
        doc.managed_by(
            "kube-apiserver",
            "Update",
            doc.o.created,
            None,
            fields_v1(&fields),
        );
    } else if doc.o.namespace.is_none() {
        doc.meta(
            "labels",
            json!({"app.kubernetes.io/managed-by": "Helm", "app.kubernetes.io/name": name}),
        );
        let meta = json!({"labels": doc.label_map()});
        doc.managed_by(
            "helm",
            "Update",
            doc.o.created,
            None,
            fields_v1(&[("metadata", &meta), ("rules", &rules)]),
        );
    } else {
        doc.applied(&[("rules", &rules)]);
    }
    doc.set("rules", rules);
}

pub(in crate::synth) fn binding(doc: &mut Doc, role_kind: &str, role: &str, subjects: &[Subject]) {
    let subjects: Vec<Value> = subjects
        .iter()
        .map(|s| match &s.namespace {
            Some(ns) => json!({"kind": s.kind, "name": s.name, "namespace": ns.as_ref()}),
            None => {
                json!({"apiGroup": "rbac.authorization.k8s.io", "kind": s.kind, "name": s.name})
            }
        })
        .collect();
    let subjects = Value::Array(subjects);
    let role_ref =
        json!({"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role});
    if doc.o.name.starts_with("system:") || doc.o.name == "cluster-admin" {
        doc.meta(
            "labels",
            json!({"kubernetes.io/bootstrapping": "rbac-defaults"}),
        );
        doc.annotate("rbac.authorization.kubernetes.io/autoupdate", "true");
    }
    doc.applied(&[("roleRef", &role_ref), ("subjects", &subjects)]);
    doc.set("roleRef", role_ref);
    doc.set("subjects", subjects);
}
