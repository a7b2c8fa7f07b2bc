//! `manifests/`: the security baseline and GPU support, applied by K3s from its
//! auto-deploy folder (the control plane and gpu_support roles copy them there).
//!
//! - `security/namespaces.yaml`: each namespace of `security.podSecurity.namespaces` with
//!   the Pod Security labels of its level (enforce, audit and warn);
//! - `security/network-policies.yaml`: with `defaultDenyNetworkPolicies`, a policy that
//!   denies all ingress and egress in each of those namespaces, and one that allows DNS;
//! - `gpu/`: for NVIDIA nodes, the `nvidia` RuntimeClass, the time-slicing ConfigMap and
//!   one device plugin DaemonSet per configuration, picked by the node label
//!   `korral.io/nvidia-device-plugin`.

use std::collections::BTreeSet;
use std::fmt::Write;

use super::Tree;
use super::ansible::{DEVICE_PLUGIN_LABEL, device_plugin_config};
use crate::spec::{Cluster, GpuVendor};

/// The NVIDIA device plugin release korral deploys.
pub const NVIDIA_DEVICE_PLUGIN_IMAGE: &str = "nvcr.io/nvidia/k8s-device-plugin:v0.17.0";

pub(super) fn generate(cluster: &Cluster, tree: &mut Tree) {
    security(cluster, tree);
    gpu(cluster, tree);
}

fn security(cluster: &Cluster, tree: &mut Tree) {
    let Some(security) = &cluster.spec.security else {
        return;
    };
    let Some(namespaces) = security
        .pod_security
        .as_ref()
        .map(|pss| &pss.namespaces)
        .filter(|namespaces| !namespaces.is_empty())
    else {
        return;
    };
    let mut out = String::new();
    for (index, (name, level)) in namespaces.iter().enumerate() {
        if index > 0 {
            out.push_str("---\n");
        }
        let level = level.as_str();
        let _ = write!(
            out,
            "apiVersion: v1
kind: Namespace
metadata:
  name: {name}
  labels:
    pod-security.kubernetes.io/enforce: {level}
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/audit: {level}
    pod-security.kubernetes.io/audit-version: latest
    pod-security.kubernetes.io/warn: {level}
    pod-security.kubernetes.io/warn-version: latest
"
        );
    }
    tree.add_yaml("manifests/security/namespaces.yaml", &out);
    if !security.default_deny_network_policies {
        return;
    }
    let mut out = String::new();
    for (index, name) in namespaces.keys().enumerate() {
        if index > 0 {
            out.push_str("---\n");
        }
        let _ = write!(
            out,
            "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: {name}
spec:
  podSelector: {{}}
  policyTypes:
    - Ingress
    - Egress
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-dns
  namespace: {name}
spec:
  podSelector: {{}}
  policyTypes:
    - Egress
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - protocol: UDP
          port: 53
        - protocol: TCP
          port: 53
"
        );
    }
    tree.add_yaml("manifests/security/network-policies.yaml", &out);
}

fn gpu(cluster: &Cluster, tree: &mut Tree) {
    let configs: BTreeSet<(String, Option<u32>)> = cluster
        .spec
        .nodes
        .iter()
        .filter_map(|node| node.gpu.as_ref())
        .filter(|gpu| gpu.vendor == GpuVendor::Nvidia)
        .map(|gpu| {
            let replicas = gpu
                .time_slicing
                .as_ref()
                .map(|t| t.replicas)
                .filter(|&replicas| replicas > 1);
            (device_plugin_config(replicas), replicas)
        })
        .collect();
    if configs.is_empty() {
        return;
    }
    tree.add_yaml(
        "manifests/gpu/runtime-class.yaml",
        "apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: nvidia
handler: nvidia
",
    );
    let mut config_map = String::from(
        "apiVersion: v1
kind: ConfigMap
metadata:
  name: nvidia-device-plugin-config
  namespace: kube-system
data:
",
    );
    for (name, replicas) in &configs {
        let _ = write!(config_map, "  {name}.yaml: |\n    version: v1\n");
        if let Some(replicas) = replicas {
            let _ = write!(
                config_map,
                "    sharing:
      timeSlicing:
        resources:
          - name: nvidia.com/gpu
            replicas: {replicas}
"
            );
        }
    }
    tree.add_yaml("manifests/gpu/time-slicing-config.yaml", &config_map);
    let mut plugins = String::new();
    for (index, (name, _)) in configs.iter().enumerate() {
        if index > 0 {
            plugins.push_str("---\n");
        }
        plugins.push_str(&device_plugin(name));
    }
    tree.add_yaml("manifests/gpu/nvidia-device-plugin.yaml", &plugins);
}

/// Audit findings the device plugin cannot avoid, and why: `korral audit` honours them
/// through its ignore annotation (docs/audit.md) and shows them with `--show-ignored`.
const DEVICE_PLUGIN_AUDIT_IGNORE: &str = "PSB005,PSR003";
const DEVICE_PLUGIN_AUDIT_REASON: &str = "the NVIDIA device plugin registers with the kubelet through a socket in the host folder /var/lib/kubelet/device-plugins, which is root's: it needs that hostPath volume and runs as root; it is otherwise locked down (no privilege escalation, no capabilities, read-only root, RuntimeDefault seccomp)";

/// The device plugin DaemonSet for the nodes labelled with configuration `name`.
fn device_plugin(name: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: nvidia-device-plugin-{name}
  namespace: kube-system
  labels:
    app.kubernetes.io/name: nvidia-device-plugin
    app.kubernetes.io/managed-by: korral
  annotations:
    korral.io/audit-ignore: {DEVICE_PLUGIN_AUDIT_IGNORE}
    korral.io/audit-ignore-reason: \"{DEVICE_PLUGIN_AUDIT_REASON}\"
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: nvidia-device-plugin
      korral.io/device-plugin-config: {name}
  updateStrategy:
    type: RollingUpdate
  template:
    metadata:
      labels:
        app.kubernetes.io/name: nvidia-device-plugin
        korral.io/device-plugin-config: {name}
    spec:
      runtimeClassName: nvidia
      priorityClassName: system-node-critical
      # The plugin talks to the kubelet over its socket, never to the API server.
      automountServiceAccountToken: false
      securityContext:
        seccompProfile:
          type: RuntimeDefault
      nodeSelector:
        {DEVICE_PLUGIN_LABEL}: {name}
      tolerations:
        - key: nvidia.com/gpu
          operator: Exists
          effect: NoSchedule
      containers:
        - name: nvidia-device-plugin
          image: {NVIDIA_DEVICE_PLUGIN_IMAGE}
          env:
            - name: FAIL_ON_INIT_ERROR
              value: \"false\"
            - name: CONFIG_FILE
              value: /config/config.yaml
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop:
                - ALL
          resources:
            requests:
              cpu: 10m
              memory: 32Mi
            limits:
              cpu: 100m
              memory: 128Mi
          volumeMounts:
            - name: device-plugin
              mountPath: /var/lib/kubelet/device-plugins
            - name: config
              mountPath: /config
              readOnly: true
      volumes:
        - name: device-plugin
          hostPath:
            path: /var/lib/kubelet/device-plugins
        - name: config
          configMap:
            name: nvidia-device-plugin-config
            items:
              - key: {name}.yaml
                path: config.yaml
"
    )
}
