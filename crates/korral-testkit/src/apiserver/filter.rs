//! Which objects a list or watch returns: namespace, `labelSelector`, `fieldSelector`.

use std::collections::BTreeMap;

use korral_core::LabelSelector;
use serde_json::Value;

use super::error::ApiError;

/// The fields `fieldSelector` may name. The real server supports a few per kind; this
/// double accepts the union of the common ones for every kind and rejects the rest as
/// the real server does (`field label not supported`).
pub(crate) const SELECTABLE_FIELDS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "spec.unschedulable",
    "spec.signerName",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
    "status.successful",
    "type",
    "reason",
    "reportingComponent",
    "source",
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "regarding.kind",
    "regarding.namespace",
    "regarding.name",
    "regarding.uid",
    "reportingController",
];

/// The selectable fields of an object, extracted once when it is stored.
pub(crate) fn selectable_fields(object: &Value) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let Some(map) = object.as_object() else {
        return out;
    };
    for &path in SELECTABLE_FIELDS {
        // Most objects have few of these fields: look at the first part before the rest.
        let (head, tail) = path.split_once('.').unwrap_or((path, ""));
        let Some(mut at) = map.get(head) else {
            continue;
        };
        if !tail.is_empty() {
            match at.get(tail) {
                Some(next) => at = next,
                None => continue,
            }
        }
        let text = match at {
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Object(map) if path == "source" => map
                .get("component")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            _ => continue,
        };
        out.push((path, text));
    }
    out
}

/// Labels of an object.
pub(crate) fn labels(object: &Value) -> BTreeMap<String, String> {
    object
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldRequirement {
    field: String,
    value: String,
    equal: bool,
}

/// A parsed selection.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    labels: Option<LabelSelector>,
    fields: Vec<FieldRequirement>,
}

impl Filter {
    pub fn parse(
        label_selector: Option<&str>,
        field_selector: Option<&str>,
    ) -> Result<Self, ApiError> {
        let labels = match label_selector {
            Some(text) if !text.trim().is_empty() => {
                Some(LabelSelector::parse(text).map_err(|err| {
                    ApiError::bad_request(format!("unable to parse requirement: {err}"))
                })?)
            }
            _ => None,
        };
        let mut fields = Vec::new();
        for term in field_selector.unwrap_or_default().split(',') {
            let term = term.trim();
            if term.is_empty() {
                continue;
            }
            let (field, value, equal) = if let Some((f, v)) = term.split_once("!=") {
                (f, v, false)
            } else if let Some((f, v)) = term.split_once("==") {
                (f, v, true)
            } else if let Some((f, v)) = term.split_once('=') {
                (f, v, true)
            } else {
                return Err(ApiError::bad_request(format!(
                    "invalid field selector: `{term}`: expected an operator"
                )));
            };
            let field = field.trim();
            if !SELECTABLE_FIELDS.contains(&field) {
                return Err(ApiError::bad_request(format!(
                    "field label not supported: {field}"
                )));
            }
            fields.push(FieldRequirement {
                field: field.to_owned(),
                value: value.trim().to_owned(),
                equal,
            });
        }
        Ok(Self { labels, fields })
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_none() && self.fields.is_empty()
    }

    pub fn matches(
        &self,
        labels: &BTreeMap<String, String>,
        fields: &[(&'static str, String)],
    ) -> bool {
        if let Some(selector) = &self.labels
            && !selector.matches(labels)
        {
            return false;
        }
        self.fields.iter().all(|req| {
            let value = fields
                .iter()
                .find(|(f, _)| *f == req.field)
                .map_or("", |(_, v)| v.as_str());
            (value == req.value) == req.equal
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_selectors_compare_extracted_fields() {
        let pod = json!({"metadata": {"name": "a", "namespace": "shop"},
            "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}});
        let fields = selectable_fields(&pod);
        let labels = BTreeMap::new();
        let f = |s: &str| Filter::parse(None, Some(s)).unwrap();
        assert!(f("spec.nodeName=n1").matches(&labels, &fields));
        assert!(f("spec.nodeName==n1,status.phase!=Pending").matches(&labels, &fields));
        assert!(!f("status.phase=Pending").matches(&labels, &fields));
        assert!(f("status.podIP!=1.2.3.4").matches(&labels, &fields));
        assert!(Filter::parse(None, Some("spec.foo=bar")).is_err());
    }
}
