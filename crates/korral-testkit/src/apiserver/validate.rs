//! The validation a real server runs on writes from clients, in part: enough that a
//! malformed object is refused (also by a server-side dry run) with the real answer's
//! shape.
//!
//! - a field of a built-in kind with the wrong JSON type is a 400 `BadRequest` decode
//!   error, as the real server's JSON decoder words it; the fields checked are those
//!   manifests get wrong: labels and annotations (values must be strings), workloads'
//!   `replicas`, `selector` and `template`, and containers' `name`, `image`, `ports`
//!   (`containerPort`) and `env` (`name`, `value`); other fields are not type-checked;
//! - `metadata.name` must be a DNS-1123 subdomain (a DNS-1123 label for Namespaces and
//!   Services);
//! - Deployments, ReplicaSets, StatefulSets and DaemonSets need `spec.selector`, and
//!   the pod template's labels must match it (Jobs get theirs generated unless they
//!   set `manualSelector`); every
//!   container of a pod or pod template needs `name` and `image`.
//!
//! Field errors are a 422 `Invalid` Status with `details.causes`, one per field, as
//! `k8s.io/apimachinery`'s `field.ErrorList` makes them.

use serde_json::{Value, json};

use super::error::ApiError;
use super::resources::ResourceType;

/// One `field.Error`.
struct FieldError {
    field: String,
    /// `FieldValueInvalid` or `FieldValueRequired`.
    reason: &'static str,
    /// The error body: `Required value`, `Invalid value: "x": …`.
    message: String,
}

impl FieldError {
    fn required(field: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: "FieldValueRequired",
            message: "Required value".to_owned(),
        }
    }

    fn invalid(field: impl Into<String>, value: &str, detail: &str) -> Self {
        Self {
            field: field.into(),
            reason: "FieldValueInvalid",
            message: format!("Invalid value: {value}: {detail}"),
        }
    }
}

const DNS1123_SUBDOMAIN: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1123_LABEL: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

fn is_label(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 63
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

/// A name that can be one segment of a URL path: not `.` or `..`, no `/` or `%`.
fn is_path_segment(text: &str) -> bool {
    !text.is_empty() && text != "." && text != ".." && !text.contains(['/', '%'])
}

fn is_subdomain(text: &str) -> bool {
    text.len() <= 253 && text.split('.').all(is_label)
}

/// Checks an object a client writes as `name`; a create (`create`) checks the name
/// too.
pub(crate) fn check(
    t: &ResourceType,
    value: &Value,
    name: &str,
    create: bool,
) -> Result<(), ApiError> {
    if !t.builtin {
        return Ok(());
    }
    check_types(t, value)?;
    let mut errors = Vec::new();
    // RBAC objects are named as path segments (`system:basic-user`), as
    // `ValidateRBACName` (`path.IsValidPathSegmentName`) allows: not `.` or `..`, no
    // `/` or `%`.
    let rbac = t.group == "rbac.authorization.k8s.io";
    if create && rbac && !is_path_segment(name) {
        errors.push(FieldError::invalid(
            "metadata.name",
            &format!("{name:?}"),
            "may not be '.' or '..', or contain '/' or '%'",
        ));
    }
    if create && !rbac {
        let label = matches!(
            (t.group.as_str(), t.kind.as_str()),
            ("", "Namespace" | "Service")
        );
        let ok = if label {
            is_label(name)
        } else {
            is_subdomain(name)
        };
        if !ok {
            let detail = if label {
                DNS1123_LABEL
            } else {
                DNS1123_SUBDOMAIN
            };
            errors.push(FieldError::invalid(
                "metadata.name",
                &format!("{name:?}"),
                detail,
            ));
        }
    }
    match (t.group.as_str(), t.kind.as_str()) {
        // The real ReplicaSet validation says `deployment` too.
        ("apps", "Deployment" | "ReplicaSet") => workload(value, "deployment", &mut errors),
        ("apps", "StatefulSet") => workload(value, "statefulset", &mut errors),
        ("apps", "DaemonSet") => {
            workload(value, "daemonset", &mut errors);
        }
        // A Job's selector is generated unless it asks for `manualSelector`.
        ("batch", "Job") if value.pointer("/spec/manualSelector") == Some(&Value::Bool(true)) => {
            workload(value, "job", &mut errors);
        }
        ("batch", "Job") => containers(
            value.pointer("/spec/template/spec"),
            "spec.template.spec",
            &mut errors,
        ),
        ("", "Pod") => containers(value.get("spec"), "spec", &mut errors),
        _ => {}
    }
    if errors.is_empty() {
        return Ok(());
    }
    Err(invalid(t, name, &errors))
}

/// A selector and a pod template whose labels it selects.
fn workload(value: &Value, kind: &str, errors: &mut Vec<FieldError>) {
    let labels = value.pointer("/spec/template/metadata/labels");
    match value.pointer("/spec/selector") {
        None | Some(Value::Null) => errors.push(FieldError::required("spec.selector")),
        Some(selector) => {
            let empty = selector
                .get("matchLabels")
                .and_then(Value::as_object)
                .is_none_or(serde_json::Map::is_empty)
                && selector
                    .get("matchExpressions")
                    .and_then(Value::as_array)
                    .is_none_or(Vec::is_empty);
            if empty {
                errors.push(FieldError::invalid(
                    "spec.selector",
                    "v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}",
                    &format!("empty selector is invalid for {kind}"),
                ));
            } else if !selects(selector, labels) {
                errors.push(FieldError::invalid(
                    "spec.template.metadata.labels",
                    &go_map(labels),
                    "`selector` does not match template `labels`",
                ));
            }
        }
    }
    containers(
        value.pointer("/spec/template/spec"),
        "spec.template.spec",
        errors,
    );
}

/// Whether a label selector (`matchLabels` and `matchExpressions`) selects `labels`.
pub(crate) fn selects(selector: &Value, labels: Option<&Value>) -> bool {
    let label = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
    let by_labels = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .is_none_or(|m| m.iter().all(|(k, v)| label(k) == v.as_str()));
    let by_expressions = selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .is_none_or(|exprs| {
            exprs.iter().all(|e| {
                let key = e.get("key").and_then(Value::as_str).unwrap_or_default();
                let values: Vec<&str> = e
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|v| v.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                match e.get("operator").and_then(Value::as_str) {
                    Some("In") => label(key).is_some_and(|v| values.contains(&v)),
                    Some("NotIn") => label(key).is_none_or(|v| !values.contains(&v)),
                    Some("Exists") => label(key).is_some(),
                    Some("DoesNotExist") => label(key).is_none(),
                    _ => false,
                }
            })
        });
    by_labels && by_expressions
}

fn containers(spec: Option<&Value>, path: &str, errors: &mut Vec<FieldError>) {
    let Some(spec) = spec else {
        return;
    };
    for list in ["initContainers", "containers"] {
        let items = spec.get(list).and_then(Value::as_array);
        if list == "containers" && items.is_none_or(Vec::is_empty) {
            errors.push(FieldError::required(format!("{path}.containers")));
        }
        for (i, container) in items.into_iter().flatten().enumerate() {
            for field in ["name", "image"] {
                let missing = container
                    .get(field)
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty);
                if missing {
                    errors.push(FieldError::required(format!("{path}.{list}[{i}].{field}")));
                }
            }
        }
    }
}

/// `map[string]string{"app":"web"}`, as Go prints the value in the message.
fn go_map(labels: Option<&Value>) -> String {
    let pairs: Vec<String> = labels
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k:?}:{:?}", v.as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    format!("map[string]string{{{}}}", pairs.join(", "))
}

/// `Deployment.apps "web" is invalid: [a, b]` with one cause per field.
fn invalid(t: &ResourceType, name: &str, errors: &[FieldError]) -> ApiError {
    let qualified = if t.group.is_empty() {
        t.kind.clone()
    } else {
        format!("{}.{}", t.kind, t.group)
    };
    let each: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect();
    let list = if each.len() == 1 {
        each[0].clone()
    } else {
        format!("[{}]", each.join(", "))
    };
    let mut err = ApiError::new(
        422,
        "Invalid",
        format!("{qualified} \"{name}\" is invalid: {list}"),
    );
    let causes: Vec<Value> = errors
        .iter()
        .map(|e| json!({"reason": e.reason, "message": e.message, "field": e.field}))
        .collect();
    let mut details = json!({"name": name, "kind": t.kind, "causes": causes});
    if !t.group.is_empty() {
        details["group"] = t.group.clone().into();
    }
    err.details = Some(details);
    err
}

/// The JSON type a typed field of the built-in kinds must have, and the Go type the
/// decoder names.
#[derive(Clone, Copy)]
enum Want {
    Int32,
    Str,
    /// A struct (`v1.LabelSelector`).
    Object(&'static str),
    /// A slice (`[]v1.Container`).
    Array(&'static str),
    /// `map[string]string`: labels and annotations.
    StrMap,
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => "null",
    }
}

/// The first mismatch of `value` against `want`: the JSON kind found and the Go type
/// expected.
fn mismatch(value: &Value, want: Want) -> Option<(&'static str, &'static str)> {
    if value.is_null() {
        return None;
    }
    let found = json_kind(value);
    match want {
        Want::Int32 if !(value.is_i64() || value.is_u64()) => Some((found, "int32")),
        Want::Str if !value.is_string() => Some((found, "string")),
        Want::Object(go) if !value.is_object() => Some((found, go)),
        Want::Array(go) if !value.is_array() => Some((found, go)),
        Want::StrMap => match value.as_object() {
            None => Some((found, "map[string]string")),
            Some(map) => map
                .values()
                .find(|v| !v.is_string() && !v.is_null())
                .map(|v| (json_kind(v), "string")),
        },
        _ => None,
    }
}

/// The typed fields of an object of `t` that manifests most often get wrong, by JSON
/// pointer, with the Go struct that holds each.
fn typed_fields(t: &ResourceType, value: &Value) -> Vec<(String, String, Want)> {
    let mut fields = vec![
        (
            "/metadata/labels".to_owned(),
            "ObjectMeta".to_owned(),
            Want::StrMap,
        ),
        (
            "/metadata/annotations".to_owned(),
            "ObjectMeta".to_owned(),
            Want::StrMap,
        ),
    ];
    let spec = format!("{}Spec", t.kind);
    let template = match (t.group.as_str(), t.kind.as_str()) {
        ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet") | ("batch", "Job") => {
            if matches!(t.kind.as_str(), "Deployment" | "ReplicaSet" | "StatefulSet") {
                fields.push(("/spec/replicas".into(), spec.clone(), Want::Int32));
            }
            fields.push((
                "/spec/selector".into(),
                spec.clone(),
                Want::Object("v1.LabelSelector"),
            ));
            fields.push((
                "/spec/template".into(),
                spec,
                Want::Object("v1.PodTemplateSpec"),
            ));
            for field in ["labels", "annotations"] {
                fields.push((
                    format!("/spec/template/metadata/{field}"),
                    "ObjectMeta".into(),
                    Want::StrMap,
                ));
            }
            "/spec/template/spec"
        }
        ("", "Pod") => "/spec",
        _ => return fields,
    };
    fields.push((
        format!("{template}/containers"),
        "PodSpec".into(),
        Want::Array("[]v1.Container"),
    ));
    let count = |pointer: &str| {
        value
            .pointer(pointer)
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    for i in 0..count(&format!("{template}/containers")) {
        let c = format!("{template}/containers/{i}");
        for field in ["name", "image"] {
            fields.push((format!("{c}/{field}"), "Container".into(), Want::Str));
        }
        fields.push((
            format!("{c}/ports"),
            "Container".into(),
            Want::Array("[]v1.ContainerPort"),
        ));
        fields.push((
            format!("{c}/env"),
            "Container".into(),
            Want::Array("[]v1.EnvVar"),
        ));
        for j in 0..count(&format!("{c}/ports")) {
            fields.push((
                format!("{c}/ports/{j}/containerPort"),
                "ContainerPort".into(),
                Want::Int32,
            ));
        }
        for j in 0..count(&format!("{c}/env")) {
            for field in ["name", "value"] {
                fields.push((format!("{c}/env/{j}/{field}"), "EnvVar".into(), Want::Str));
            }
        }
    }
    fields
}

/// A decode error for a field of the wrong JSON type, as the real server's decoder
/// words it: `Deployment in version "v1" cannot be handled as a Deployment: json:
/// cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type
/// int32` (the Go struct holding the field, then its path without list indices).
fn check_types(t: &ResourceType, value: &Value) -> Result<(), ApiError> {
    for (pointer, go_struct, want) in typed_fields(t, value) {
        let Some((found, go_type)) = value.pointer(&pointer).and_then(|v| mismatch(v, want)) else {
            continue;
        };
        let path: Vec<&str> = pointer
            .split('/')
            .filter(|p| !p.is_empty() && !p.bytes().all(|b| b.is_ascii_digit()))
            .collect();
        return Err(ApiError::bad_request(format!(
            "{kind} in version \"{version}\" cannot be handled as a {kind}: json: cannot unmarshal {found} into Go struct field {go_struct}.{path} of type {go_type}",
            kind = t.kind,
            version = t.preferred_version(),
            path = path.join("."),
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rbac_names_are_path_segments() {
        assert!(is_path_segment("system:basic-user"));
        assert!(is_path_segment("Role_With.Caps"));
        for bad in ["", ".", "..", "a/b", "100%"] {
            assert!(!is_path_segment(bad), "{bad:?}");
        }
    }

    #[test]
    fn names_are_dns_subdomains_or_labels() {
        assert!(is_subdomain("web.v1-a"));
        assert!(!is_subdomain("Web"));
        assert!(!is_subdomain("web_1"));
        assert!(is_label("web-1"));
        assert!(!is_label("web.1"));
    }

    fn builtin(
        store: &mut super::super::store::Store,
        api_version: &str,
        kind: &str,
    ) -> ResourceType {
        store
            .type_of(&json!({"apiVersion": api_version, "kind": kind}))
            .unwrap()
    }

    #[test]
    fn kinds_get_their_own_checks() {
        let mut store = super::super::store::Store::new(10);
        let namespace = builtin(&mut store, "v1", "Namespace");
        let err = check(&namespace, &json!({}), "a.b", true).unwrap_err();
        assert_eq!(err.code, 422);
        assert!(err.message.starts_with("Namespace \"a.b\" is invalid: metadata.name: Invalid value: \"a.b\": a lowercase RFC 1123 label"), "{}", err.message);
        // A Job needs no selector (it gets a generated one), but its containers an image.
        let job = builtin(&mut store, "batch/v1", "Job");
        let spec = json!({"spec": {"template": {"spec": {"containers": [{"name": "run", "image": "x:1"}]}}}});
        assert!(check(&job, &spec, "once", true).is_ok());
        let pod = builtin(&mut store, "v1", "Pod");
        let err = check(
            &pod,
            &json!({"spec": {"containers": [{"image": "x:1"}]}}),
            "p",
            true,
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "Pod \"p\" is invalid: spec.containers[0].name: Required value"
        );
        // Only a create checks the name; custom resources are not checked.
        assert!(check(&namespace, &json!({}), "a.b", false).is_ok());
        let widget = builtin(&mut store, "example.com/v1", "Widget");
        assert!(check(&widget, &json!({"spec": {"replicas": "x"}}), "W", true).is_ok());
    }

    #[test]
    fn wrong_types_are_decode_errors_naming_the_go_field() {
        let mut store = super::super::store::Store::new(10);
        let deployment = builtin(&mut store, "apps/v1", "Deployment");
        let object =
            |container: Value| json!({"spec": {"template": {"spec": {"containers": [container]}}}});
        let err = check(
            &deployment,
            &object(json!({"name": "a", "image": "a", "env": [{"name": "N", "value": 1}]})),
            "d",
            true,
        )
        .unwrap_err();
        assert_eq!(err.code, 400);
        assert!(err.message.ends_with("json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string"), "{}", err.message);
        let err = check(
            &deployment,
            &object(json!({"name": "a", "image": "a", "ports": [{"containerPort": "80"}]})),
            "d",
            true,
        )
        .unwrap_err();
        assert!(err.message.ends_with("Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32"), "{}", err.message);
        let err = check(
            &deployment,
            &json!({"metadata": {"labels": {"version": 2}}}),
            "d",
            true,
        )
        .unwrap_err();
        assert!(err.message.ends_with("cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"), "{}", err.message);
    }

    #[test]
    fn selectors_match_labels_and_expressions() {
        let labels = json!({"app": "web", "tier": "front"});
        assert!(selects(
            &json!({"matchLabels": {"app": "web"}}),
            Some(&labels)
        ));
        assert!(!selects(
            &json!({"matchLabels": {"app": "db"}}),
            Some(&labels)
        ));
        let expr =
            json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}]});
        assert!(selects(&expr, Some(&labels)));
    }
}
