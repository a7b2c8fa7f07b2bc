//! Server-side apply, approximated: each field manager owns the fields of the last
//! configuration it applied. Applying again removes the fields it no longer sets (unless
//! another manager sets them), and setting a field another manager owns to a different
//! value is a 409 conflict unless forced, when ownership moves.
//!
//! Lists are owned whole, except lists of objects keyed by `name` (containers, ports,
//! env), whose items are owned one by one. Only apply operations are tracked; fields
//! written by PUT or other patches belong to nobody.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::error::ApiError;

/// Each manager's last applied configuration of one object.
pub(crate) type Owners = BTreeMap<String, Value>;

/// Identity fields every configuration carries; nobody owns them.
fn is_identity(path: &[String]) -> bool {
    matches!(
        path.iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        ["apiVersion" | "kind"] | ["metadata", "name" | "namespace" | "resourceVersion"]
    )
}

/// The leaf fields a configuration sets, with their values.
fn leaves(config: &Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Value)>) {
    match config {
        // An empty object sets nothing.
        Value::Object(map) => {
            for (key, value) in map {
                path.push(key.clone());
                leaves(value, path, out);
                path.pop();
            }
        }
        Value::Array(items) if keyed(items) => {
            for item in items {
                path.push(format!(
                    "[name={}]",
                    item["name"].as_str().unwrap_or_default()
                ));
                leaves(item, path, out);
                path.pop();
            }
        }
        other => {
            if !is_identity(path) {
                out.push((path.clone(), other.clone()));
            }
        }
    }
}

fn keyed(items: &[Value]) -> bool {
    !items.is_empty()
        && items
            .iter()
            .all(|i| i.get("name").is_some_and(Value::is_string))
}

fn lookup<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut at = value;
    for part in path {
        at = match part
            .strip_prefix("[name=")
            .and_then(|p| p.strip_suffix(']'))
        {
            Some(name) => at
                .as_array()?
                .iter()
                .find(|i| i.get("name").and_then(Value::as_str) == Some(name))?,
            None => at.get(part)?,
        };
    }
    Some(at)
}

fn remove(value: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = value;
    for part in parents {
        let next = match part
            .strip_prefix("[name=")
            .and_then(|p| p.strip_suffix(']'))
        {
            Some(name) => at.as_array_mut().and_then(|items| {
                items
                    .iter_mut()
                    .find(|i| i.get("name").and_then(Value::as_str) == Some(name))
            }),
            None => at.get_mut(part),
        };
        match next {
            Some(next) => at = next,
            None => return,
        }
    }
    match last
        .strip_prefix("[name=")
        .and_then(|p| p.strip_suffix(']'))
    {
        Some(name) => {
            if let Some(items) = at.as_array_mut() {
                items.retain(|i| i.get("name").and_then(Value::as_str) != Some(name));
            }
        }
        None => {
            if let Some(map) = at.as_object_mut() {
                map.remove(last);
            }
        }
    }
}

fn dotted(path: &[String]) -> String {
    path.iter().fold(String::new(), |mut out, part| {
        if !part.starts_with('[') {
            out.push('.');
        }
        out.push_str(part);
        out
    })
}

/// Applies `config` for `manager` to `live` (the current object), updating `owners`.
pub(crate) fn apply(
    live: Value,
    config: &Value,
    manager: &str,
    force: bool,
    owners: &mut Owners,
    merge: impl Fn(Value, &Value) -> Value,
) -> Result<Value, ApiError> {
    let mut new_leaves = Vec::new();
    leaves(config, &mut Vec::new(), &mut new_leaves);
    // Conflicts: fields another manager applied with another value.
    let mut conflicts = Vec::new();
    for (path, value) in &new_leaves {
        for (other, other_config) in owners.iter().filter(|(m, _)| *m != manager) {
            if let Some(theirs) = lookup(other_config, path)
                && theirs != value
            {
                conflicts.push((other.clone(), path.clone()));
            }
        }
    }
    if !conflicts.is_empty() {
        if !force {
            // The real message names each manager with the apiVersion it applied, and
            // `details.causes` holds one `FieldManagerConflict` per field.
            let using = |m: &str| {
                let version = owners
                    .get(m)
                    .and_then(|c| c.get("apiVersion"))
                    .and_then(Value::as_str)
                    .or_else(|| config.get("apiVersion").and_then(Value::as_str));
                match version {
                    Some(v) => format!("conflict with \"{m}\" using {v}"),
                    None => format!("conflict with \"{m}\""),
                }
            };
            let list: Vec<String> = conflicts
                .iter()
                .map(|(m, p)| format!("{}: {}", using(m), dotted(p)))
                .collect();
            let causes: Vec<Value> = conflicts
                .iter()
                .map(|(m, p)| json!({"type": "FieldManagerConflict", "message": using(m), "field": dotted(p)}))
                .collect();
            let mut err = ApiError::new(
                409,
                "Conflict",
                format!(
                    "Apply failed with {} conflict{}: {}",
                    conflicts.len(),
                    if conflicts.len() == 1 { "" } else { "s" },
                    list.join("\n")
                ),
            );
            err.details = Some(json!({"causes": causes}));
            return Err(err);
        }
        // Forced: the fields change hands.
        for (other, path) in &conflicts {
            if let Some(c) = owners.get_mut(other) {
                remove(c, path);
            }
        }
    }
    let mut live = live;
    // Fields this manager applied before and applies no more go, unless another
    // manager applies them too.
    if let Some(previous) = owners.get(manager) {
        let mut old_leaves = Vec::new();
        leaves(previous, &mut Vec::new(), &mut old_leaves);
        for (path, _) in old_leaves {
            let still_applied = lookup(config, &path).is_some();
            let owned_by_other = owners
                .iter()
                .any(|(m, c)| m != manager && lookup(c, &path).is_some());
            if !still_applied && !owned_by_other {
                remove(&mut live, &path);
            }
        }
    }
    let mut live = merge(live, config);
    owners.insert(manager.to_owned(), config.clone());
    set_managed_fields(&mut live, owners);
    Ok(live)
}

/// `metadata.managedFields` for the apply managers, in `FieldsV1` form; the entries of
/// other operations (`Update`) are kept.
pub(crate) fn set_managed_fields(object: &mut Value, owners: &Owners) {
    let api_version = object.get("apiVersion").cloned().unwrap_or(Value::Null);
    let now = super::store::now_secs();
    let mut entries: Vec<Value> = managed_fields(object)
        .into_iter()
        .filter(|e| e.get("operation").and_then(Value::as_str) != Some("Apply"))
        .collect();
    entries.extend(owners.iter().map(|(manager, config)| {
        json!({
            "manager": manager,
            "operation": "Apply",
            "apiVersion": api_version,
            "time": crate::synth::timestamp(now),
            "fieldsType": "FieldsV1",
            "fieldsV1": fields_v1(config, true),
        })
    }));
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("managedFields".into(), Value::Array(entries));
    }
}

fn managed_fields(object: &Value) -> Vec<Value> {
    object
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Records a create, update or patch by `manager` (`subresource` `status` for status
/// writes) in `metadata.managedFields`, as an `Update` entry that owns every field of
/// the object it wrote; a real server's entry owns only the fields the write set or
/// changed.
pub(crate) fn record_update(object: &mut Value, manager: &str, subresource: Option<&str>) {
    let api_version = object.get("apiVersion").cloned().unwrap_or(Value::Null);
    let mut written = object.clone();
    if let Some(map) = written.as_object_mut() {
        // A status write owns the status; any other write, everything else.
        if subresource == Some("status") {
            map.retain(|k, _| k == "status");
        } else {
            map.remove("status");
        }
    }
    if let Some(meta) = written.get_mut("metadata").and_then(Value::as_object_mut) {
        for generated in [
            "managedFields",
            "uid",
            "creationTimestamp",
            "generation",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            meta.remove(generated);
        }
    }
    let fields = fields_v1(&written, true);
    let mut entries = managed_fields(object);
    entries.retain(|e| {
        !(e.get("manager").and_then(Value::as_str) == Some(manager)
            && e.get("operation").and_then(Value::as_str) == Some("Update")
            && e.get("subresource").and_then(Value::as_str) == subresource)
    });
    let mut entry = json!({
        "manager": manager,
        "operation": "Update",
        "apiVersion": api_version,
        "time": crate::synth::timestamp(super::store::now_secs()),
        "fieldsType": "FieldsV1",
        "fieldsV1": fields,
    });
    if let Some(sub) = subresource {
        entry["subresource"] = sub.into();
    }
    entries.push(entry);
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("managedFields".into(), Value::Array(entries));
    }
}

fn fields_v1(config: &Value, top: bool) -> Value {
    let mut out = Map::new();
    match config {
        Value::Object(map) => {
            for (key, value) in map {
                if top && matches!(key.as_str(), "apiVersion" | "kind") {
                    continue;
                }
                if key == "metadata" && top {
                    let mut meta = fields_v1(value, false);
                    if let Some(m) = meta.as_object_mut() {
                        m.remove("f:name");
                        m.remove("f:namespace");
                        m.remove("f:resourceVersion");
                    }
                    out.insert("f:metadata".into(), meta);
                    continue;
                }
                out.insert(format!("f:{key}"), fields_v1(value, false));
            }
        }
        Value::Array(items) if keyed(items) => {
            for item in items {
                let key = json!({"name": item["name"]}).to_string();
                let mut fields = fields_v1(item, false);
                if let Some(f) = fields.as_object_mut() {
                    f.insert(".".into(), json!({}));
                }
                out.insert(format!("k:{key}"), fields);
            }
        }
        _ => {}
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merge(mut live: Value, config: &Value) -> Value {
        json_patch::merge(&mut live, config);
        live
    }

    #[test]
    fn fields_no_longer_applied_are_removed() {
        let mut owners = Owners::new();
        let first = json!({"metadata": {"name": "x"}, "data": {"a": "1", "b": "2"}});
        let live = apply(
            json!({"metadata": {"name": "x"}}),
            &first,
            "me",
            false,
            &mut owners,
            merge,
        )
        .unwrap();
        let second = json!({"metadata": {"name": "x"}, "data": {"a": "1"}});
        let live = apply(live, &second, "me", false, &mut owners, merge).unwrap();
        assert_eq!(live["data"], json!({"a": "1"}));
        assert_eq!(
            live["metadata"]["managedFields"][0]["fieldsV1"],
            json!({"f:data": {"f:a": {}}, "f:metadata": {}})
        );
    }

    #[test]
    fn other_managers_conflict_unless_forced() {
        let mut owners = Owners::new();
        let mine = json!({"data": {"a": "1"}});
        let live = apply(json!({}), &mine, "me", false, &mut owners, merge).unwrap();
        let theirs = json!({"data": {"a": "2"}});
        let err = apply(live.clone(), &theirs, "them", false, &mut owners, merge).unwrap_err();
        assert_eq!(err.code, 409);
        assert_eq!(
            err.message,
            "Apply failed with 1 conflict: conflict with \"me\": .data.a" // no apiVersion in the test configs
        );
        let live = apply(live, &theirs, "them", true, &mut owners, merge).unwrap();
        assert_eq!(live["data"]["a"], "2");
        // "me" no longer owns .data.a: dropping it from my config keeps theirs.
        let live = apply(live, &json!({"data": {}}), "me", false, &mut owners, merge).unwrap();
        assert_eq!(live["data"]["a"], "2");
    }
}
