//! `Table` responses (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), as
//! `kubectl get` asks for them: the default table convertor's columns, `Name` and
//! `Created At`, for every kind (a real server has printers with more columns for
//! built-in kinds, and a CRD's `additionalPrinterColumns`).

use serde_json::{Value, json};

use super::resources::ResourceType;
use super::server::{Params, Shape, render};
use super::store::Entry;

/// What each row carries (`includeObject`): nothing, the object's metadata as a
/// `PartialObjectMetadata` (the default), or the whole object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Include {
    None,
    Metadata,
    Object,
}

impl Include {
    pub fn from_params(params: &Params) -> Self {
        match params.get("includeObject") {
            Some("None") => Self::None,
            Some("Object") => Self::Object,
            _ => Self::Metadata,
        }
    }
}

/// Whether the client asked for a Table.
pub(crate) fn wanted(accept: &str) -> bool {
    accept
        .split(',')
        .next()
        .is_some_and(|first| first.contains("as=Table") && first.contains("g=meta.k8s.io"))
}

/// One row: the cells and, as asked, the object.
pub(crate) fn row(entry: &Entry, t: &ResourceType, api_version: &str, include: Include) -> String {
    let value = entry.value();
    let name = value
        .pointer("/metadata/name")
        .cloned()
        .unwrap_or(Value::Null);
    let created = value
        .pointer("/metadata/creationTimestamp")
        .cloned()
        .unwrap_or(Value::Null);
    let mut row = json!({"cells": [name, created]});
    let object = match include {
        Include::None => None,
        Include::Metadata => Some(render(entry, t, api_version, Shape::Metadata)),
        Include::Object => Some(render(entry, t, api_version, Shape::Full)),
    };
    if let Some(object) = object {
        row["object"] = serde_json::from_str(&object).unwrap_or(Value::Null);
    }
    row.to_string()
}

/// The start of a Table up to its rows: `{"kind":"Table",…,"rows":[`; `metadata` is
/// the list's (resourceVersion, continue).
pub(crate) fn head(metadata: &str) -> String {
    let columns = json!([
        {"name": "Name", "type": "string", "format": "name", "priority": 0,
         "description": "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"},
        {"name": "Created At", "type": "date", "format": "", "priority": 0,
         "description": "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"}
    ]);
    format!(
        "{{\"kind\":\"Table\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{metadata},\"columnDefinitions\":{columns},\"rows\":["
    )
}
