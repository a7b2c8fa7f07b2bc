//! Server-side defaulting: what a real API server fills in on every write, so that what
//! is read back differs from what was sent as it does in a real cluster. From
//! `pkg/apis/core/v1/defaults.go`, `pkg/apis/apps/v1/defaults.go`,
//! `pkg/apis/batch/v1/defaults.go` and the Service registry's IP allocation; the common
//! cases only (see the list of differences in the module above).

use serde_json::{Map, Value, json};

use super::resources::ResourceType;

/// The Service CIDR the allocator hands clusterIPs from (kubeadm's default,
/// `10.96.0.0/12`); `10.96.0.1` is the `default/kubernetes` Service's.
pub(crate) const KUBERNETES_SERVICE_IP: &str = "10.96.0.1";

/// Hands out clusterIPs in order: `10.96.0.2`, `10.96.0.3`, … (a real allocator picks
/// at random and never repeats one in use; tests want stable addresses).
#[derive(Debug, Clone)]
pub(crate) struct ClusterIps {
    next: u32,
}

impl Default for ClusterIps {
    fn default() -> Self {
        Self { next: 2 }
    }
}

impl ClusterIps {
    fn allocate(&mut self) -> String {
        let n = self.next;
        self.next += 1;
        format!("10.96.{}.{}", (n >> 8) & 0xff, n & 0xff)
    }
}

/// Fills in the defaults of an object written through `t` (in its stored shape), on
/// create (`old` is `None`) or update. Kinds it does not know are left as they are.
#[allow(clippy::too_many_lines)] // the defaults of a kind, as defaults.go lists them
pub(crate) fn apply(
    t: &ResourceType,
    object: &mut Value,
    old: Option<&Value>,
    ips: &mut ClusterIps,
) {
    // A real server decodes into typed structs (and prunes custom resources by their
    // schema): a field written as null is simply absent, never stored as null.
    drop_nulls(object);
    if !t.builtin || !object.is_object() {
        return;
    }
    match (t.group.as_str(), t.kind.as_str()) {
        ("", "Pod") => {
            if let Some(spec) = object.get_mut("spec") {
                pod_spec(spec);
                entry(spec, "enableServiceLinks", json!(true));
                for list in ["containers", "initContainers"] {
                    for container in items(spec, list) {
                        requests_from_limits(container);
                    }
                }
            }
            if old.is_none() {
                let status = entry(object, "status", json!({}));
                entry(status, "phase", json!("Pending"));
            }
        }
        ("", "PodTemplate") => template(object.get_mut("template")),
        ("", "ReplicationController") => {
            if let Some(spec) = object.get_mut("spec") {
                entry(spec, "replicas", json!(1));
                template(spec.get_mut("template"));
            }
        }
        ("", "Service") => service(object, old, ips),
        ("", "Secret") => {
            entry(object, "type", json!("Opaque"));
            string_data(object);
        }
        ("", "Namespace") => {
            if let Some(name) = object.pointer("/metadata/name").cloned() {
                let labels = entry(&mut object["metadata"], "labels", json!({}));
                labels["kubernetes.io/metadata.name"] = name;
            }
            entry(object, "spec", json!({"finalizers": ["kubernetes"]}));
            let status = entry(object, "status", json!({}));
            entry(status, "phase", json!("Active"));
        }
        ("", "PersistentVolumeClaim") => {
            if let Some(spec) = object.get_mut("spec") {
                entry(spec, "volumeMode", json!("Filesystem"));
            }
            let status = entry(object, "status", json!({}));
            entry(status, "phase", json!("Pending"));
        }
        ("apps", kind) => {
            let Some(spec) = object.get_mut("spec") else {
                return;
            };
            match kind {
                "Deployment" => {
                    entry(spec, "replicas", json!(1));
                    entry(
                        spec,
                        "strategy",
                        json!({"type": "RollingUpdate",
                            "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}),
                    );
                    entry(spec, "revisionHistoryLimit", json!(10));
                    entry(spec, "progressDeadlineSeconds", json!(600));
                }
                "StatefulSet" => {
                    entry(spec, "replicas", json!(1));
                    entry(spec, "podManagementPolicy", json!("OrderedReady"));
                    entry(
                        spec,
                        "updateStrategy",
                        json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
                    );
                    entry(spec, "revisionHistoryLimit", json!(10));
                    entry(
                        spec,
                        "persistentVolumeClaimRetentionPolicy",
                        json!({"whenDeleted": "Retain", "whenScaled": "Retain"}),
                    );
                }
                "DaemonSet" => {
                    entry(
                        spec,
                        "updateStrategy",
                        json!({"type": "RollingUpdate",
                            "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}),
                    );
                    entry(spec, "revisionHistoryLimit", json!(10));
                }
                "ReplicaSet" => {
                    entry(spec, "replicas", json!(1));
                }
                _ => return,
            }
            template(spec.get_mut("template"));
        }
        ("batch", "Job") => {
            if let Some(spec) = object.get_mut("spec") {
                job_spec(spec);
            }
        }
        ("batch", "CronJob") => {
            if let Some(spec) = object.get_mut("spec") {
                entry(spec, "concurrencyPolicy", json!("Allow"));
                entry(spec, "suspend", json!(false));
                entry(spec, "successfulJobsHistoryLimit", json!(3));
                entry(spec, "failedJobsHistoryLimit", json!(1));
                if let Some(job) = spec.pointer_mut("/jobTemplate/spec") {
                    job_spec(job);
                }
            }
        }
        _ => {}
    }
}

/// `map[key]`, inserted as `default` when absent (or null); `value` itself when it is
/// not an object.
fn entry<'a>(value: &'a mut Value, key: &str, default: Value) -> &'a mut Value {
    if !value.is_object() {
        return value;
    }
    let map = value.as_object_mut().expect("checked above");
    let slot = map.entry(key.to_owned()).or_insert(Value::Null);
    if slot.is_null() {
        *slot = default;
    }
    slot
}

fn items<'a>(value: &'a mut Value, key: &str) -> impl Iterator<Item = &'a mut Value> {
    value
        .get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
}

fn template(template: Option<&mut Value>) {
    if let Some(spec) = template.and_then(|t| t.get_mut("spec")) {
        pod_spec(spec);
    }
}

fn job_spec(spec: &mut Value) {
    entry(spec, "parallelism", json!(1));
    if spec.get("completions").is_none() && spec.get("parallelism") == Some(&json!(1)) {
        spec["completions"] = json!(1);
    }
    entry(spec, "backoffLimit", json!(6));
    entry(spec, "completionMode", json!("NonIndexed"));
    entry(spec, "suspend", json!(false));
    entry(spec, "podReplacementPolicy", json!("TerminatingOrFailed"));
    template(spec.get_mut("template"));
}

/// `SetDefaults_PodSpec` and, per container, `SetDefaults_Container`, probes, ports
/// and volumes.
fn pod_spec(spec: &mut Value) {
    if !spec.is_object() {
        return;
    }
    entry(spec, "dnsPolicy", json!("ClusterFirst"));
    entry(spec, "restartPolicy", json!("Always"));
    entry(spec, "securityContext", json!({}));
    entry(spec, "terminationGracePeriodSeconds", json!(30));
    entry(spec, "schedulerName", json!("default-scheduler"));
    for list in ["containers", "initContainers"] {
        for container in items(spec, list) {
            container_defaults(container);
        }
    }
    for volume in items(spec, "volumes") {
        for source in ["secret", "configMap", "downwardAPI", "projected"] {
            if let Some(s) = volume.get_mut(source).filter(|s| s.is_object()) {
                entry(s, "defaultMode", json!(420));
            }
        }
    }
}

fn container_defaults(container: &mut Value) {
    if !container.is_object() {
        return;
    }
    let image = container
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let policy = if image_tag(image) == "latest" {
        "Always"
    } else {
        "IfNotPresent"
    };
    entry(container, "imagePullPolicy", json!(policy));
    entry(
        container,
        "terminationMessagePath",
        json!("/dev/termination-log"),
    );
    entry(container, "terminationMessagePolicy", json!("File"));
    entry(container, "resources", json!({}));
    for port in items(container, "ports") {
        entry(port, "protocol", json!("TCP"));
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = container.get_mut(probe).filter(|p| p.is_object()) {
            entry(p, "timeoutSeconds", json!(1));
            entry(p, "periodSeconds", json!(10));
            entry(p, "successThreshold", json!(1));
            entry(p, "failureThreshold", json!(3));
            if let Some(get) = p.get_mut("httpGet").filter(|g| g.is_object()) {
                entry(get, "path", json!("/"));
                entry(get, "scheme", json!("HTTP"));
            }
        }
    }
}

/// The tag of an image reference, `latest` when it names none (and no digest), as
/// `parsers.ParseImageName` reads it.
fn image_tag(image: &str) -> &str {
    if image.contains('@') {
        return "";
    }
    // A `:` after the last `/` starts the tag; one before it is a registry's port.
    let last = image.rsplit('/').next().unwrap_or(image);
    last.rsplit_once(':').map_or("latest", |(_, tag)| tag)
}

fn requests_from_limits(container: &mut Value) {
    let Some(limits) = container
        .pointer("/resources/limits")
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    let resources = entry(container, "resources", json!({}));
    let requests = entry(resources, "requests", json!({}));
    if let Some(requests) = requests.as_object_mut() {
        for (name, quantity) in limits {
            requests.entry(name).or_insert(quantity);
        }
    }
}

/// `SetDefaults_Service`, then the registry's allocation: a clusterIP (kept from the
/// stored object on update, as `patchAllocatedValues` does), its families.
fn service(object: &mut Value, old: Option<&Value>, ips: &mut ClusterIps) {
    let Some(spec) = object.get_mut("spec").filter(|s| s.is_object()) else {
        return;
    };
    entry(spec, "sessionAffinity", json!("None"));
    let kind = entry(spec, "type", json!("ClusterIP"))
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for port in items(spec, "ports") {
        entry(port, "protocol", json!("TCP"));
        if let Some(number) = port.get("port").cloned() {
            entry(port, "targetPort", number);
        }
    }
    if matches!(kind.as_str(), "ClusterIP" | "NodePort" | "LoadBalancer") {
        entry(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if matches!(kind.as_str(), "NodePort" | "LoadBalancer") {
        entry(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if kind == "LoadBalancer" {
        entry(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
    if kind == "ExternalName" {
        return;
    }
    let kept = old.and_then(|o| o.pointer("/spec/clusterIP")).cloned();
    let ip = match spec.get("clusterIP").and_then(Value::as_str) {
        Some(ip) if !ip.is_empty() => ip.to_owned(),
        _ => match kept.as_ref().and_then(Value::as_str) {
            Some(ip) => ip.to_owned(),
            None => ips.allocate(),
        },
    };
    let map: &mut Map<String, Value> = spec.as_object_mut().expect("checked above");
    map.insert("clusterIP".into(), json!(ip));
    map.entry("clusterIPs").or_insert_with(|| json!([ip]));
    map.entry("ipFamilies").or_insert_with(|| json!(["IPv4"]));
    map.entry("ipFamilyPolicy")
        .or_insert_with(|| json!("SingleStack"));
}

/// A Secret's `stringData` is write-only: the server encodes each value into `data`
/// (over a key of the same name) and never stores or returns `stringData`.
fn string_data(secret: &mut Value) {
    use base64::Engine as _;
    let Some(Value::Object(strings)) = secret.as_object_mut().and_then(|s| s.remove("stringData"))
    else {
        return;
    };
    let data = entry(secret, "data", json!({}));
    if !data.is_object() {
        *data = json!({});
    }
    for (key, value) in strings {
        let text = value.as_str().unwrap_or_default();
        data[key.as_str()] = base64::engine::general_purpose::STANDARD
            .encode(text)
            .into();
    }
}

/// Removes every null member of every mapping, at any depth (list items stay: a
/// null item is an error a real server reports, not a field to drop).
pub(crate) fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_fields_are_absent_as_a_real_server_stores_them() {
        let mut object = json!({"data": null, "metadata": {"annotations": null, "name": "a"},
            "spec": {"items": [{"x": null, "y": 1}]}});
        drop_nulls(&mut object);
        assert_eq!(
            object,
            json!({"metadata": {"name": "a"}, "spec": {"items": [{"y": 1}]}})
        );
    }

    #[test]
    fn a_secrets_string_data_is_stored_encoded_in_data() {
        let mut secret = json!({"apiVersion": "v1", "kind": "Secret",
            "data": {"kept": "a2VwdA==", "password": "b2xk"},
            "stringData": {"password": "hunter2", "user": "admin"}});
        string_data(&mut secret);
        assert_eq!(secret.get("stringData"), None);
        assert_eq!(
            secret["data"],
            json!({"kept": "a2VwdA==", "password": "aHVudGVyMg==", "user": "YWRtaW4="})
        );
    }

    #[test]
    fn image_tags_as_the_api_server_reads_them() {
        assert_eq!(image_tag("nginx"), "latest");
        assert_eq!(image_tag("nginx:1.27"), "1.27");
        assert_eq!(image_tag("registry:5000/shop/web"), "latest");
        assert_eq!(image_tag("registry:5000/shop/web:latest"), "latest");
        assert_eq!(image_tag("nginx@sha256:abc"), "");
    }
}
