//! The four patch types a Kubernetes API server accepts.

use serde_json::Value;

use super::error::ApiError;

/// A patch's `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatchType {
    /// `application/merge-patch+json` (RFC 7386).
    Merge,
    /// `application/strategic-merge-patch+json`: a merge patch whose lists of objects
    /// with a `name` merge by name (containers, env, ports, volumes), the merge key of
    /// most strategic lists. Other directives (`$patch`, `$retainKeys`) are not
    /// supported.
    Strategic,
    /// `application/json-patch+json` (RFC 6902).
    Json,
    /// `application/apply-patch+yaml`: server-side apply.
    Apply,
}

impl PatchType {
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let media = content_type.split(';').next().unwrap_or_default().trim();
        Some(match media {
            "application/merge-patch+json" => Self::Merge,
            "application/strategic-merge-patch+json" => Self::Strategic,
            "application/json-patch+json" => Self::Json,
            "application/apply-patch+yaml" | "application/apply-patch+cbor" => Self::Apply,
            _ => return None,
        })
    }
}

/// Parses a patch body: JSON, or YAML for apply patches.
pub(crate) fn parse_body(kind: PatchType, body: &[u8]) -> Result<Value, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("the patch is not UTF-8 text"))?;
    if let Ok(value) = serde_json::from_str(text) {
        return Ok(value);
    }
    if kind == PatchType::Apply {
        return serde_saphyr::from_str::<Value>(text)
            .map_err(|err| ApiError::bad_request(format!("error decoding YAML: {err}")));
    }
    Err(ApiError::bad_request(
        "the body of the request is not valid JSON",
    ))
}

/// Applies a patch to `target`.
pub(crate) fn apply(kind: PatchType, target: Value, patch: &Value) -> Result<Value, ApiError> {
    match kind {
        PatchType::Merge => {
            let mut target = target;
            json_patch::merge(&mut target, patch);
            Ok(target)
        }
        PatchType::Strategic | PatchType::Apply => Ok(strategic_merge(target, patch)),
        PatchType::Json => {
            let ops: json_patch::Patch = serde_json::from_value(patch.clone())
                .map_err(|err| ApiError::bad_request(format!("invalid JSON patch: {err}")))?;
            let mut target = target;
            // One operation at a time, as the server's json-patch library goes: a
            // `test` of `null` passes on a missing path there (evanphx/json-patch
            // treats missing as null), which kube-rs' finalizer helper relies on.
            for (i, op) in ops.0.iter().enumerate() {
                if let json_patch::PatchOperation::Test(test) = op
                    && test.value.is_null()
                    && target.pointer(test.path.as_str()).is_none()
                {
                    continue;
                }
                json_patch::patch(&mut target, std::slice::from_ref(op)).map_err(|err| {
                    let err = err.to_string().replacen("'/0'", &format!("'/{i}'"), 1);
                    ApiError::new(
                        422,
                        "Invalid",
                        format!(
                            "the server rejected our request due to an error in our request: {err}"
                        ),
                    )
                })?;
            }
            Ok(target)
        }
    }
}

/// A merge patch in which lists of objects that all have a `name` merge by name.
pub(crate) fn strategic_merge(target: Value, patch: &Value) -> Value {
    match (target, patch) {
        (Value::Object(mut target), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(key);
                } else {
                    let old = target.remove(key).unwrap_or(Value::Null);
                    target.insert(key.clone(), strategic_merge(old, value));
                }
            }
            Value::Object(target)
        }
        (Value::Array(target), Value::Array(patch))
            if keyed_by_name(&target) && keyed_by_name(patch) =>
        {
            let mut merged = target;
            for item in patch {
                let name = item.get("name");
                match merged.iter().position(|t| t.get("name") == name) {
                    Some(i) => {
                        let old = std::mem::take(&mut merged[i]);
                        merged[i] = strategic_merge(old, item);
                    }
                    None => merged.push(strip_nulls(item)),
                }
            }
            Value::Array(merged)
        }
        (_, patch) => strip_nulls(patch),
    }
}

fn keyed_by_name(items: &[Value]) -> bool {
    !items.is_empty()
        && items
            .iter()
            .all(|i| i.get("name").is_some_and(Value::is_string))
}

fn strip_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strategic_merge_merges_containers_by_name() {
        let target = json!({"spec": {"containers": [
            {"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}});
        let patch = json!({"spec": {"containers": [{"name": "b", "image": "b:2"}]}});
        let merged = apply(PatchType::Strategic, target.clone(), &patch).unwrap();
        assert_eq!(merged["spec"]["containers"][0]["image"], "a:1");
        assert_eq!(merged["spec"]["containers"][1]["image"], "b:2");
        // A merge patch replaces the list.
        let merged = apply(PatchType::Merge, target, &patch).unwrap();
        assert_eq!(merged["spec"]["containers"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn apply_patches_may_be_yaml() {
        let body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n";
        let value = parse_body(PatchType::Apply, body).unwrap();
        assert_eq!(value["data"]["a"], "b");
        assert!(parse_body(PatchType::Merge, body).is_err());
    }

    #[test]
    fn a_test_of_null_passes_on_a_missing_path() {
        let target = serde_json::json!({"metadata": {"name": "x"}});
        let patch = serde_json::json!([
            {"op": "test", "path": "/metadata/finalizers", "value": null},
            {"op": "add", "path": "/metadata/finalizers", "value": []},
            {"op": "add", "path": "/metadata/finalizers/-", "value": "f"}]);
        let out = apply(PatchType::Json, target.clone(), &patch).unwrap();
        assert_eq!(out["metadata"]["finalizers"], serde_json::json!(["f"]));
        let wrong = serde_json::json!([
            {"op": "add", "path": "/metadata/labels", "value": {}},
            {"op": "test", "path": "/metadata/name", "value": "y"}]);
        let err = apply(PatchType::Json, target, &wrong).unwrap_err();
        assert!(err.message.contains("'/1'"), "{}", err.message);
    }
}
