//! Secrets' values kept out of what korral shows: `korral snapshot` without
//! `--include-secret-data`, and the server's object endpoints.

use serde_json::Value;

/// The annotation put on a Secret whose values were removed.
pub const REDACTED_ANNOTATION: &str = "korral.io/redacted";

/// The annotation `kubectl apply` (client-side) keeps the whole object in: for a Secret,
/// its values in clear.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Whether `object` (JSON) is a core Secret.
pub fn is_secret(object: &Value) -> bool {
    object.get("kind").and_then(Value::as_str) == Some("Secret")
        && object.get("apiVersion").and_then(Value::as_str) == Some("v1")
}

/// Empties every value of a Secret's `data` and `stringData` (the keys stay, so a reader
/// sees what it holds), drops the last-applied annotation that repeats them, and marks
/// the Secret with [`REDACTED_ANNOTATION`] when a value was removed.
pub fn redact_secret(secret: &mut Value) {
    let mut any = false;
    for field in ["data", "stringData"] {
        if let Some(map) = secret.get_mut(field).and_then(Value::as_object_mut) {
            for value in map.values_mut() {
                *value = Value::String(String::new());
                any = true;
            }
        }
    }
    if let Some(annotations) = secret
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        any |= annotations.remove(LAST_APPLIED).is_some();
        if any {
            annotations.insert(REDACTED_ANNOTATION.to_owned(), "true".into());
        }
    } else if any && let Some(metadata) = secret.get_mut("metadata").and_then(Value::as_object_mut)
    {
        metadata.insert(
            "annotations".to_owned(),
            serde_json::json!({ REDACTED_ANNOTATION: "true" }),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_and_the_last_applied_copy_go_and_keys_stay() {
        let mut secret = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "annotations": {
                LAST_APPLIED: "{\"data\":{\"password\":\"aHVudGVyMg==\"}}"}},
            "data": {"password": "aHVudGVyMg=="},
            "stringData": {"user": "admin"}
        });
        assert!(is_secret(&secret));
        redact_secret(&mut secret);
        let text = secret.to_string();
        assert!(
            !text.contains("aHVudGVyMg") && !text.contains("admin"),
            "{text}"
        );
        assert_eq!(secret["data"]["password"], "");
        assert_eq!(
            secret["metadata"]["annotations"][REDACTED_ANNOTATION],
            "true"
        );
    }

    #[test]
    fn a_secret_without_annotations_is_marked() {
        let mut secret = json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "s"}, "data": {"k": "dg=="}});
        redact_secret(&mut secret);
        assert_eq!(
            secret["metadata"]["annotations"][REDACTED_ANNOTATION],
            "true"
        );
        assert!(!is_secret(
            &json!({"apiVersion": "v1", "kind": "ConfigMap"})
        ));
    }
}
