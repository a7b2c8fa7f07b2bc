//! One object, two shapes: resources that a real API server serves from one storage
//! under two APIs, and the `apiVersion`/`kind` a list leaves out of its items.
//!
//! Events are kept as core `v1` Events; `events.k8s.io/v1` reads and writes the same
//! objects with its own field names, as the API server's conversion
//! (`pkg/apis/events/v1/conversion.go`) maps them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value;
use serde_json::value::RawValue;

use super::resources::ResourceType;

/// `(core v1 name, events.k8s.io/v1 name)` of the Event fields that differ; the rest
/// (`reason`, `type`, `eventTime`, `series`, `action`, `related`,
/// `reportingInstance`, `metadata`) are the same in both.
const EVENT_FIELDS: &[(&str, &str)] = &[
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
    ("reportingComponent", "reportingController"),
];

/// Whether `t` is `events.k8s.io` Events, stored as core Events.
pub(crate) fn is_new_event(t: &ResourceType) -> bool {
    t.group == "events.k8s.io" && t.plural == "events"
}

fn rename(value: &mut Value, pairs: impl Iterator<Item = (&'static str, &'static str)>) {
    let Some(map) = value.as_object_mut() else {
        return;
    };
    for (from, to) in pairs {
        match map.remove(from) {
            Some(field) => {
                map.insert(to.to_owned(), field);
            }
            None => {
                map.remove(to);
            }
        }
    }
}

/// An object written through `t` as it is stored.
pub(crate) fn to_storage(t: &ResourceType, mut value: Value) -> Value {
    if is_new_event(t) {
        rename(
            &mut value,
            EVENT_FIELDS.iter().map(|&(core, new)| (new, core)),
        );
        value["apiVersion"] = "v1".into();
    }
    value
}

/// A stored object as `t` serves it, at `t`'s preferred version.
pub(crate) fn from_storage(t: &ResourceType, mut value: Value) -> Value {
    if is_new_event(t) {
        rename(
            &mut value,
            EVENT_FIELDS.iter().map(|&(core, new)| (core, new)),
        );
        value["apiVersion"] = t.api_version(t.preferred_version()).into();
    }
    value
}

/// The field selector `t`'s clients write, in the stored object's field names.
pub(crate) fn field_selector<'a>(t: &ResourceType, selector: &'a str) -> Cow<'a, str> {
    if !is_new_event(t) {
        return Cow::Borrowed(selector);
    }
    Cow::Owned(
        selector
            .split(',')
            .map(|term| {
                if let Some(rest) = term.strip_prefix("regarding.") {
                    format!("involvedObject.{rest}")
                } else if let Some(rest) = term.strip_prefix("reportingController") {
                    format!("reportingComponent{rest}")
                } else {
                    term.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// An object's JSON text without its `apiVersion` and `kind`, as a real server writes
/// the items of a list of a built-in kind (`kubectl get --raw /api/v1/configmaps`).
/// Reads only the top level; `None` when the text is not a JSON object.
pub(crate) fn without_type(text: &str) -> Option<String> {
    let fields: BTreeMap<Cow<'_, str>, &RawValue> = serde_json::from_str(text).ok()?;
    let mut out = String::with_capacity(text.len());
    out.push('{');
    for (key, value) in fields
        .iter()
        .filter(|(k, _)| !matches!(k.as_ref(), "apiVersion" | "kind"))
    {
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(key).ok()?);
        out.push(':');
        out.push_str(value.get());
    }
    out.push('}');
    Some(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn new_events() -> ResourceType {
        super::super::resources::Registry::default()
            .by_kind("events.k8s.io", "Event")
            .cloned()
            .unwrap()
    }

    #[test]
    fn events_round_trip_between_the_two_apis() {
        let core = json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "e", "namespace": "shop"},
            "involvedObject": {"kind": "Pod", "name": "web-0"},
            "message": "Back-off", "count": 4, "reason": "BackOff", "type": "Warning",
            "lastTimestamp": "2026-01-01T10:05:00Z", "source": {"component": "kubelet"}});
        let t = new_events();
        let new = from_storage(&t, core.clone());
        assert_eq!(new["note"], "Back-off");
        assert_eq!(new["regarding"]["name"], "web-0");
        assert_eq!(new["deprecatedCount"], 4);
        assert_eq!(new["deprecatedLastTimestamp"], "2026-01-01T10:05:00Z");
        assert_eq!(new["deprecatedSource"]["component"], "kubelet");
        assert!(new.get("message").is_none() && new.get("involvedObject").is_none());
        assert_eq!(to_storage(&t, new), core);
    }

    #[test]
    fn list_items_lose_only_their_type() {
        let text = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "labels": {"kind": "x"}}, "data": {"kind": "y"}})
        .to_string();
        let item: Value = serde_json::from_str(&without_type(&text).unwrap()).unwrap();
        assert_eq!(
            item,
            json!({"metadata": {"name": "a", "labels": {"kind": "x"}}, "data": {"kind": "y"}})
        );
    }
}
