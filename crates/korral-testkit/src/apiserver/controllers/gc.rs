//! The garbage collector and the namespace controller, after
//! `pkg/controller/garbagecollector` and `pkg/controller/namespace`, over the whole
//! store each tick (an index by owner uid is built once per tick):
//!
//! - an object none of whose owners (by `ownerReferences` uid) exists is deleted
//!   (background propagation);
//! - an owner deleted with `propagationPolicy: Foreground` (finalizer
//!   `foregroundDeletion`) has its dependents deleted in the foreground too, and loses
//!   the finalizer (and so goes) once no dependent with `blockOwnerDeletion` is left;
//! - an owner deleted with `Orphan` (finalizer `orphan`) has the ownerReferences to it
//!   removed from its dependents, then loses the finalizer;
//! - a Namespace being deleted has every object in it deleted, then its `kubernetes`
//!   finalizer removed, and goes.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::{CONTROLLER_MANAGER, deleting, name, namespace, text};
use crate::apiserver::resources::ResourceType;
use crate::apiserver::store::{Part, Propagation, Store};

/// Every stored object with its type.
fn everything(store: &Store) -> Vec<(ResourceType, Value)> {
    let mut out = Vec::new();
    for (key, table) in &store.tables {
        let Some(t) = store.registry.types().iter().find(|t| t.key() == *key) else {
            continue;
        };
        out.extend(table.values().map(|e| (t.clone(), e.value())));
    }
    out
}

fn has_finalizer(object: &Value, finalizer: &str) -> bool {
    object
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| f.iter().any(|x| x == finalizer))
}

fn owner_refs(object: &Value) -> &[Value] {
    object
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn update(store: &mut Store, t: &ResourceType, object: &Value, change: impl FnOnce(&mut Value)) {
    store.writer = Some(CONTROLLER_MANAGER.to_owned());
    let _ = store.update(t, namespace(object), name(object), Part::Whole, |mut v| {
        change(&mut v);
        Ok(v)
    });
}

fn remove_finalizer(store: &mut Store, t: &ResourceType, object: &Value, finalizer: &str) {
    update(store, t, object, |v| {
        if let Some(list) = v
            .pointer_mut("/metadata/finalizers")
            .and_then(Value::as_array_mut)
        {
            list.retain(|f| f != finalizer);
        }
    });
}

pub(super) fn collect(store: &mut Store) {
    let objects = everything(store);
    let by_uid: HashMap<&str, &Value> = objects.iter().map(|(_, o)| (super::uid(o), o)).collect();
    // Dependents by owner uid: (blocking, object).
    let mut dependents: HashMap<&str, Vec<bool>> = HashMap::new();
    for (t, object) in &objects {
        let refs = owner_refs(object);
        if refs.is_empty() {
            continue;
        }
        for r in refs {
            let blocking = r.get("blockOwnerDeletion").and_then(Value::as_bool) == Some(true);
            dependents
                .entry(text(r, "/uid"))
                .or_default()
                .push(blocking);
        }
        let owners: Vec<&Value> = refs
            .iter()
            .filter_map(|r| by_uid.get(text(r, "/uid")).copied())
            .collect();
        let orphaning: HashSet<&str> = owners
            .iter()
            .filter(|o| deleting(o) && has_finalizer(o, "orphan"))
            .map(|o| super::uid(o))
            .collect();
        if owners.is_empty() {
            if !deleting(object) {
                let _ = store.delete(
                    t,
                    namespace(object),
                    name(object),
                    None,
                    Some(Propagation::Background),
                );
            }
        } else if !orphaning.is_empty() {
            update(store, t, object, |v| {
                if let Some(list) = v
                    .pointer_mut("/metadata/ownerReferences")
                    .and_then(Value::as_array_mut)
                {
                    list.retain(|r| !orphaning.contains(text(r, "/uid")));
                    if list.is_empty() {
                        v["metadata"]
                            .as_object_mut()
                            .map(|m| m.remove("ownerReferences"));
                    }
                }
            });
        } else if owners
            .iter()
            .any(|o| deleting(o) && has_finalizer(o, "foregroundDeletion"))
            && !deleting(object)
        {
            let _ = store.delete(
                t,
                namespace(object),
                name(object),
                None,
                Some(Propagation::Foreground),
            );
        }
    }
    // Owners whose deletion waited on their dependents.
    for (t, object) in &objects {
        if !deleting(object) {
            continue;
        }
        let waiting = dependents.get(super::uid(object));
        if has_finalizer(object, "orphan") && waiting.is_none() {
            remove_finalizer(store, t, object, "orphan");
        }
        if has_finalizer(object, "foregroundDeletion")
            && waiting.is_none_or(|d| !d.iter().any(|blocking| *blocking))
        {
            remove_finalizer(store, t, object, "foregroundDeletion");
        }
    }
}

pub(super) fn namespaces(store: &mut Store) {
    let terminating: Vec<Value> = super::all(store, "", "Namespace")
        .into_iter()
        .filter(deleting)
        .collect();
    if terminating.is_empty() {
        return;
    }
    let objects = everything(store);
    for ns in terminating {
        let ns_name = name(&ns);
        let mut left = false;
        for (t, object) in &objects {
            if !t.namespaced || namespace(object) != ns_name {
                continue;
            }
            left = true;
            if !deleting(object) {
                let _ = store.delete(
                    t,
                    ns_name,
                    name(object),
                    None,
                    Some(Propagation::Background),
                );
            }
        }
        if !left && let Some(t) = super::type_of(store, "", "Namespace") {
            update(store, &t, &ns, |v| {
                v["spec"]["finalizers"] = Value::Array(Vec::new());
            });
        }
    }
}
