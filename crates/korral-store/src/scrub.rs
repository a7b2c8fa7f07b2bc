//! What the store refuses to keep: Secret values (replaced by digests before anything is
//! written) and churn (changes that tell nobody anything).

use std::fmt::Write as _;

use base64::Engine as _;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// kubectl's copy of the last applied manifest: for a Secret it holds the values.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// The leader-election record older controllers keep in an annotation of an Endpoints or
/// ConfigMap, renewed every few seconds.
const LEADER_ANNOTATION: &str = "control-plane.alpha.kubernetes.io/leader";

/// `sha256:<hex>` of some bytes: what a Secret value becomes in the store.
pub(crate) fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for byte in hash {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Replaces a core Secret's values by their digests, in place: each `data` value by the
/// digest of its decoded bytes (so `printf %s VALUE | sha256sum` matches), each
/// `stringData` value by the digest of its text (the same for the same value), and the
/// last-applied annotation (which holds the values) by its digest. A changed value
/// still shows as a changed digest; the value itself never reaches the database.
pub fn mask_secret(object: &mut Value) {
    let Some(map) = object.as_object_mut() else {
        return;
    };
    let is_secret = map.get("kind").and_then(Value::as_str) == Some("Secret")
        && map.get("apiVersion").and_then(Value::as_str) == Some("v1");
    if !is_secret {
        return;
    }
    if let Some(Value::Object(data)) = map.get_mut("data") {
        for value in data.values_mut() {
            let text = value.as_str().unwrap_or_default();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap_or_else(|_| text.as_bytes().to_vec());
            *value = Value::String(digest(&bytes));
        }
    }
    if let Some(Value::Object(data)) = map.get_mut("stringData") {
        for value in data.values_mut() {
            *value = Value::String(digest(value.as_str().unwrap_or_default().as_bytes()));
        }
    }
    if let Some(Value::Object(annotations)) = map
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        && let Some(value) = annotations.get_mut(LAST_APPLIED)
    {
        *value = Value::String(digest(value.as_str().unwrap_or_default().as_bytes()));
    }
}

/// Whether `old` → `new` is churn: the objects differ only in fields that change on their
/// own without anyone doing anything:
/// - `metadata.resourceVersion`;
/// - `metadata.managedFields[].time`;
/// - `status.conditions[].lastHeartbeatTime` (a Node's kubelet renews it every 10 s+);
/// - a `coordination.k8s.io` Lease's `spec.renewTime` (holder and acquireTime unchanged);
/// - `renewTime` inside the old leader-election annotation.
pub(crate) fn is_churn(old: &Value, new: &Value) -> bool {
    old != new && quiet(old) == quiet(new)
}

/// The object without the fields that change on their own.
fn quiet(object: &Value) -> Value {
    let mut object = object.clone();
    let Some(map) = object.as_object_mut() else {
        return object;
    };
    let is_lease = map
        .get("apiVersion")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("coordination.k8s.io/"))
        && map.get("kind").and_then(Value::as_str) == Some("Lease");
    if is_lease && let Some(Value::Object(spec)) = map.get_mut("spec") {
        spec.remove("renewTime");
    }
    if let Some(Value::Object(meta)) = map.get_mut("metadata") {
        meta.remove("resourceVersion");
        if let Some(Value::Array(fields)) = meta.get_mut("managedFields") {
            for entry in fields.iter_mut().filter_map(Value::as_object_mut) {
                entry.remove("time");
            }
        }
        if let Some(Value::Object(annotations)) = meta.get_mut("annotations")
            && let Some(Value::String(record)) = annotations.get_mut(LEADER_ANNOTATION)
            && let Ok(Value::Object(mut parsed)) = serde_json::from_str::<Value>(record)
        {
            parsed.remove("renewTime");
            *record = Value::Object(parsed).to_string();
        }
    }
    if let Some(Value::Array(conditions)) =
        map.get_mut("status").and_then(|s| s.get_mut("conditions"))
    {
        for condition in conditions.iter_mut().filter_map(Value::as_object_mut) {
            condition.remove("lastHeartbeatTime");
        }
    }
    object
}

/// The field managers this version's change came from: those whose `managedFields`
/// entry is new or has a new time compared with the previous version. For a first
/// version, those with the latest time (its creator, or the last writer before korral
/// saw it).
pub(crate) fn managers(old: Option<&Value>, new: &Value) -> Vec<String> {
    let entries = |object: &Value| -> Vec<(String, String, String)> {
        object
            .pointer("/metadata/managedFields")
            .and_then(Value::as_array)
            .map(|fields| {
                fields
                    .iter()
                    .filter_map(Value::as_object)
                    .map(|e| (field(e, "manager"), entry_id(e), field(e, "time")))
                    .collect()
            })
            .unwrap_or_default()
    };
    let new_entries = entries(new);
    let mut names: Vec<String> = if let Some(old) = old {
        let old_entries = entries(old);
        new_entries
            .iter()
            .filter(|(manager, id, time)| {
                !old_entries
                    .iter()
                    .any(|(m, i, t)| m == manager && i == id && t == time)
            })
            .map(|(manager, _, _)| manager.clone())
            .collect()
    } else {
        let latest = new_entries.iter().map(|e| e.2.as_str()).max().unwrap_or("");
        new_entries
            .iter()
            .filter(|e| e.2 == latest)
            .map(|e| e.0.clone())
            .collect()
    };
    names.sort();
    names.dedup();
    names.retain(|n| !n.is_empty());
    names
}

fn field(entry: &Map<String, Value>, name: &str) -> String {
    entry
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A managedFields entry is one per manager, operation and subresource.
fn entry_id(entry: &Map<String, Value>) -> String {
    format!(
        "{}|{}",
        field(entry, "operation"),
        field(entry, "subresource")
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn digest_is_sha256_hex() {
        assert_eq!(
            digest(b"hello"),
            "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
    }

    #[test]
    fn data_and_string_data_digest_alike() {
        // "hello" in base64.
        let mut secret = json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s", "annotations": {LAST_APPLIED: "{\"data\":{\"a\":\"aGVsbG8=\"}}"}},
            "data": {"a": "aGVsbG8="}, "stringData": {"b": "hello"}});
        mask_secret(&mut secret);
        assert_eq!(secret["data"]["a"], secret["stringData"]["b"]);
        assert!(!secret.to_string().contains("aGVsbG8"), "{secret}");
        assert!(
            secret["metadata"]["annotations"][LAST_APPLIED]
                .as_str()
                .unwrap()
                .starts_with("sha256:")
        );
    }

    #[test]
    fn other_kinds_keep_their_data() {
        let mut cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}});
        mask_secret(&mut cm);
        assert_eq!(cm["data"]["a"], "b");
    }

    #[test]
    fn managers_of_a_change_are_the_entries_that_moved() {
        let v1 = json!({"metadata": {"managedFields": [
            {"manager": "kubectl", "operation": "Apply", "time": "2026-01-01T00:00:00Z"},
            {"manager": "kube-controller-manager", "operation": "Update", "subresource": "status", "time": "2026-01-01T00:00:01Z"}]}});
        let v2 = json!({"metadata": {"managedFields": [
            {"manager": "kubectl", "operation": "Apply", "time": "2026-01-01T00:05:00Z"},
            {"manager": "kube-controller-manager", "operation": "Update", "subresource": "status", "time": "2026-01-01T00:00:01Z"}]}});
        assert_eq!(managers(Some(&v1), &v2), ["kubectl"]);
        assert_eq!(managers(None, &v1), ["kube-controller-manager"]);
    }
}
