//! What a restore puts back, and how: the objects of a backup read from its folder,
//! narrowed to what was asked, without what belongs to the old cluster or what
//! controllers recreate, stripped of server-set fields, moved to new namespaces, and
//! then put through the apply engine in order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use korral_apply::{Manifest, ObjectId};
use serde::Serialize;
use serde_json::Value;

use crate::layout::RESOURCES;

/// What to restore, and how.
#[derive(Debug, Clone, Default)]
pub struct RestoreSelection {
    /// Only these namespaces (their Namespace objects, and the CRDs of the backup,
    /// come along); empty: everything.
    pub namespaces: Vec<String>,
    /// Only these kinds (`Deployment`, `Deployment.apps`, any case); empty: all.
    pub include_kinds: Vec<String>,
    /// Not these kinds.
    pub exclude_kinds: Vec<String>,
    /// Old namespace → new namespace.
    pub namespace_mapping: BTreeMap<String, String>,
    /// Keep Services' cluster IPs and node ports (default: the new cluster assigns them).
    pub keep_cluster_ips: bool,
}

/// An object of the backup that is not restored, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The object, as it was in the backup.
    pub id: ObjectId,
    /// Why (`owned by ReplicaSet shop/web-5d9c: its controller recreates it`).
    pub reason: String,
}

/// Decrypts an encrypted file of a backup (its path, its bytes) into its text.
pub type Decrypt<'a> = dyn Fn(&Path, &[u8]) -> Result<Vec<u8>, String> + 'a;

/// Reads every object of an extracted backup: `resources/**/*.yaml`, and
/// `*.yaml.asc` (encrypted Secrets) through `decrypt`. Each manifest's source is its
/// path in the backup. A file that does not parse is an error naming it.
pub fn read_backup(dir: &Path, decrypt: &Decrypt<'_>) -> Result<Vec<Manifest>, String> {
    let mut files = Vec::new();
    walk(&dir.join(RESOURCES), &mut files).map_err(|e| format!("cannot read the backup: {e}"))?;
    files.sort();
    let mut out = Vec::with_capacity(files.len());
    for path in files {
        let shown = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .display()
            .to_string();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(&path).map_err(|e| format!("{shown}: {e}"))?;
        let text = if name.ends_with(".yaml.asc") {
            decrypt(&path, &bytes).map_err(|e| format!("{shown}: {e}"))?
        } else if Path::new(&name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml"))
        {
            bytes
        } else {
            continue;
        };
        let text = String::from_utf8(text).map_err(|_| format!("{shown}: not UTF-8 text"))?;
        let object: Value = serde_saphyr::from_str(&text)
            .map_err(|e| format!("{shown}: not a Kubernetes object: {e}"))?;
        if !object.is_object() || object.get("kind").and_then(Value::as_str).is_none() {
            return Err(format!("{shown}: not a Kubernetes object (no kind)"));
        }
        out.push(Manifest::new(object, shown));
    }
    Ok(out)
}

/// Every file under `dir`, never following a symlink.
fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&entry.path(), out)?;
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}

/// Narrows, filters, strips and maps the objects of a backup: what to put back, and
/// what is left out with the reason.
pub fn prepare(
    objects: Vec<Manifest>,
    selection: &RestoreSelection,
) -> (Vec<Manifest>, Vec<Skipped>) {
    let wanted_namespaces: BTreeSet<&str> =
        selection.namespaces.iter().map(String::as_str).collect();
    let mut keep = Vec::with_capacity(objects.len());
    let mut skipped = Vec::new();
    for mut manifest in objects {
        let id = manifest.id();
        if let Some(reason) = outside(&manifest, &wanted_namespaces, selection) {
            skipped.push(Skipped { id, reason });
            continue;
        }
        if let Some(reason) = not_restored(&manifest.object) {
            skipped.push(Skipped { id, reason });
            continue;
        }
        strip(&mut manifest.object, selection.keep_cluster_ips);
        map_namespaces(&mut manifest.object, &selection.namespace_mapping);
        keep.push(manifest);
    }
    (keep, skipped)
}

/// Why an object is outside the selection, if it is.
fn outside(
    manifest: &Manifest,
    namespaces: &BTreeSet<&str>,
    selection: &RestoreSelection,
) -> Option<String> {
    let matches = |list: &[String]| {
        list.iter().any(|k| {
            k.eq_ignore_ascii_case(manifest.kind())
                || k.eq_ignore_ascii_case(&manifest.group_kind())
        })
    };
    if !selection.include_kinds.is_empty() && !matches(&selection.include_kinds) {
        return Some("not among --include-kinds".to_owned());
    }
    if matches(&selection.exclude_kinds) {
        return Some("among --exclude-kinds".to_owned());
    }
    if namespaces.is_empty() {
        return None;
    }
    let in_selection = match manifest.namespace() {
        Some(ns) => namespaces.contains(ns),
        // The namespaces themselves, and the CRDs their custom resources need.
        None => {
            (manifest.group().is_empty()
                && manifest.kind() == "Namespace"
                && namespaces.contains(manifest.name()))
                || manifest.kind() == "CustomResourceDefinition"
        }
    };
    (!in_selection).then(|| "outside the namespaces asked for (-n)".to_owned())
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// Why an object is not restored: it belongs to the old cluster, or a controller
/// recreates it from what is restored.
pub fn not_restored(object: &Value) -> Option<String> {
    let api_version = str_at(object, "/apiVersion");
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    let kind = str_at(object, "/kind");
    let fixed = match (group, kind) {
        ("" | "events.k8s.io", "Event") => Some("events belong to the old cluster"),
        ("", "Endpoints") | ("discovery.k8s.io", "EndpointSlice") => {
            Some("the endpoints controller recreates it from its Service")
        }
        ("coordination.k8s.io", "Lease") => Some("leases belong to the old cluster's components"),
        ("apps", "ControllerRevision") => Some("its StatefulSet or DaemonSet recreates it"),
        ("", "Node") => Some("nodes belong to the old cluster"),
        ("metrics.k8s.io", _) => Some("metrics are not objects"),
        ("apiregistration.k8s.io", "APIService") if object.pointer("/spec/service").is_none() => {
            Some("a built-in API, served by the new cluster itself")
        }
        ("", "Secret") if str_at(object, "/type") == "kubernetes.io/service-account-token" => {
            Some("a service account token: the new cluster issues its own")
        }
        ("", "ConfigMap") if str_at(object, "/metadata/name") == "kube-root-ca.crt" => {
            Some("every namespace gets the new cluster's CA from a controller")
        }
        _ => None,
    };
    if let Some(reason) = fixed {
        return Some(reason.to_owned());
    }
    if let Some(owner) = object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .and_then(|owners| {
            owners
                .iter()
                .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true))
        })
        && matches!(
            (group, kind),
            ("", "Pod") | ("apps", "ReplicaSet") | ("batch", "Job")
        )
    {
        return Some(format!(
            "owned by {} {}: its controller recreates it",
            str_at(owner, "/kind"),
            str_at(owner, "/name")
        ));
    }
    if group.is_empty()
        && kind == "Pod"
        && matches!(str_at(object, "/status/phase"), "Succeeded" | "Failed")
    {
        return Some("a completed pod".to_owned());
    }
    if group == "batch" && kind == "Job" {
        let finished = object
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .is_some_and(|c| {
                c.iter().any(|c| {
                    matches!(str_at(c, "/type"), "Complete" | "Failed")
                        && str_at(c, "/status") == "True"
                })
            });
        if finished {
            return Some("a completed job".to_owned());
        }
    }
    None
}

/// Removes what the server sets and what names the old cluster: status, resourceVersion,
/// timestamps, managedFields, generation; a Service's cluster IPs and node ports (unless
/// `keep_cluster_ips`; a headless Service keeps `None`), a volume's claimRef uid, a
/// pod's node, a Job's generated selector. `metadata.uid` stays: the engine reads it to
/// re-link owner references, and drops it before writing.
pub fn strip(object: &mut Value, keep_cluster_ips: bool) {
    let api_version = str_at(object, "/apiVersion").to_owned();
    let group = api_version
        .split_once('/')
        .map_or("", |(g, _)| g)
        .to_owned();
    let kind = str_at(object, "/kind").to_owned();
    if let Some(map) = object.as_object_mut() {
        map.remove("status");
    }
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in [
            "resourceVersion",
            "creationTimestamp",
            "managedFields",
            "generation",
            "selfLink",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            meta.remove(field);
        }
        if let Some(annotations) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            for key in [
                "deployment.kubernetes.io/revision",
                "pv.kubernetes.io/bind-completed",
                "pv.kubernetes.io/bound-by-controller",
            ] {
                annotations.remove(key);
            }
        }
    }
    let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    match (group.as_str(), kind.as_str()) {
        ("", "Service") if !keep_cluster_ips => {
            if spec.get("clusterIP").and_then(Value::as_str) != Some("None") {
                spec.remove("clusterIP");
                spec.remove("clusterIPs");
            }
            spec.remove("healthCheckNodePort");
            if let Some(Value::Array(ports)) = spec.get_mut("ports") {
                for port in ports.iter_mut().filter_map(Value::as_object_mut) {
                    port.remove("nodePort");
                }
            }
        }
        ("", "PersistentVolume") => {
            if let Some(claim) = spec.get_mut("claimRef").and_then(Value::as_object_mut) {
                claim.remove("uid");
                claim.remove("resourceVersion");
            }
        }
        ("", "Pod") => {
            spec.remove("nodeName");
        }
        ("batch", "Job") if spec.get("manualSelector").and_then(Value::as_bool) != Some(true) => {
            // The server generated these from the old Job's uid and refuses them back.
            spec.remove("selector");
            if let Some(labels) = spec
                .get_mut("template")
                .and_then(|t| t.pointer_mut("/metadata/labels"))
                .and_then(Value::as_object_mut)
            {
                for key in [
                    "controller-uid",
                    "batch.kubernetes.io/controller-uid",
                    "job-name",
                    "batch.kubernetes.io/job-name",
                ] {
                    labels.remove(key);
                }
            }
        }
        _ => {}
    }
}

/// Moves objects to their new namespaces, and rewrites what names a namespace: a
/// Namespace's own name, binding subjects, a volume's claim, and the Services webhooks,
/// API services and CRD conversion webhooks call.
pub fn map_namespaces(object: &mut Value, mapping: &BTreeMap<String, String>) {
    if mapping.is_empty() {
        return;
    }
    let rename = |value: &mut Value| {
        if let Some(new) = value.as_str().and_then(|old| mapping.get(old)) {
            *value = Value::from(new.as_str());
        }
    };
    if let Some(ns) = object.pointer_mut("/metadata/namespace") {
        rename(ns);
    }
    let api_version = str_at(object, "/apiVersion").to_owned();
    let group = api_version
        .split_once('/')
        .map_or("", |(g, _)| g)
        .to_owned();
    let kind = str_at(object, "/kind").to_owned();
    match (group.as_str(), kind.as_str()) {
        ("", "Namespace") => {
            if let Some(name) = object.pointer_mut("/metadata/name") {
                rename(name);
            }
            if let Some(label) = object.pointer_mut("/metadata/labels/kubernetes.io~1metadata.name")
            {
                rename(label);
            }
        }
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => {
            if let Some(Value::Array(subjects)) = object.get_mut("subjects") {
                for subject in subjects {
                    if let Some(ns) = subject.get_mut("namespace") {
                        rename(ns);
                    }
                }
            }
        }
        (
            "admissionregistration.k8s.io",
            "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration",
        ) => {
            if let Some(Value::Array(hooks)) = object.get_mut("webhooks") {
                for hook in hooks {
                    if let Some(ns) = hook.pointer_mut("/clientConfig/service/namespace") {
                        rename(ns);
                    }
                }
            }
        }
        ("apiregistration.k8s.io", "APIService") => {
            if let Some(ns) = object.pointer_mut("/spec/service/namespace") {
                rename(ns);
            }
        }
        ("", "PersistentVolume") => {
            if let Some(ns) = object.pointer_mut("/spec/claimRef/namespace") {
                rename(ns);
            }
        }
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            if let Some(ns) =
                object.pointer_mut("/spec/conversion/webhook/clientConfig/service/namespace")
            {
                rename(ns);
            }
        }
        _ => {}
    }
}

/// Parses `OLD:NEW,OLD2:NEW2`.
pub fn parse_mapping(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((old, new)) = pair.split_once(':') else {
            return Err(format!(
                "`{pair}` is not OLD:NEW; write --namespace-mapping shop:shop-copy,db:db-copy"
            ));
        };
        let valid = |n: &str| {
            !n.is_empty()
                && n.len() <= 63
                && n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !n.starts_with('-')
                && !n.ends_with('-')
        };
        if !valid(old) || !valid(new) {
            return Err(format!(
                "`{pair}`: namespaces are lowercase letters, digits and `-`, at most 63"
            ));
        }
        if out.insert(old.to_owned(), new.to_owned()).is_some() {
            return Err(format!("namespace `{old}` is mapped twice"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
