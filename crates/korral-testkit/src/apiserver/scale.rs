//! The `scale` subresource: an `autoscaling/v1` Scale view of `spec.replicas`.

use serde_json::{Value, json};

use super::error::ApiError;

/// The Scale of a Deployment, ReplicaSet, StatefulSet or ReplicationController.
pub(crate) fn of(object: &Value) -> Value {
    let meta = &object["metadata"];
    let mut metadata = serde_json::Map::new();
    for key in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(v) = meta.get(key) {
            metadata.insert(key.into(), v.clone());
        }
    }
    let selector = object
        .pointer("/spec/selector/matchLabels")
        .or_else(|| object.pointer("/spec/selector"))
        .and_then(Value::as_object)
        .map(|labels| {
            labels
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": metadata,
        "spec": {"replicas": object.pointer("/spec/replicas").cloned().unwrap_or(json!(1))},
        "status": {
            "replicas": object.pointer("/status/replicas").cloned().unwrap_or(json!(0)),
            "selector": selector,
        },
    })
}

/// `object` with the replicas a Scale asks for; a resourceVersion in the Scale is a
/// precondition, as on the object itself.
pub(crate) fn set(mut object: Value, scale: &Value) -> Result<Value, ApiError> {
    let replicas = scale
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .ok_or_else(|| ApiError::invalid("Scale", "", "spec.replicas: Required value"))?;
    if replicas < 0 {
        return Err(ApiError::invalid(
            "Scale",
            "",
            "spec.replicas: Invalid value: must be greater than or equal to 0",
        ));
    }
    object["spec"]["replicas"] = replicas.into();
    if let Some(rv) = scale.pointer("/metadata/resourceVersion") {
        object["metadata"]["resourceVersion"] = rv.clone();
    }
    Ok(object)
}
