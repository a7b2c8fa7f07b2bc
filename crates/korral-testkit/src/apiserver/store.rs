//! The objects, the global resourceVersion and the bounded event history that watches
//! resume from. Everything sits behind one mutex: the server is a test double, and one
//! lock keeps every mutation, its resourceVersion and its event atomic.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::apply::{self, Owners};
use super::convert;
use super::defaults::{self, ClusterIps, KUBERNETES_SERVICE_IP};
use super::error::ApiError;
use super::filter::{self, Filter};
use super::resources::{Registry, ResourceKey, ResourceType};
use super::validate;
use crate::synth::rng::Rng;
use crate::synth::timestamp;

/// One stored object: its compact JSON text and what lists and watches filter on.
#[derive(Debug)]
pub(crate) struct Entry {
    pub text: String,
    pub api_version: String,
    pub labels: BTreeMap<String, String>,
    pub fields: Vec<(&'static str, String)>,
    pub rv: u64,
}

impl Entry {
    fn new(value: &Value, rv: u64) -> Arc<Self> {
        Arc::new(Self {
            text: value.to_string(),
            api_version: value
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            labels: filter::labels(value),
            fields: filter::selectable_fields(value),
            rv,
        })
    }

    pub fn value(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    pub fn matches(&self, filter: &Filter) -> bool {
        filter.matches(&self.labels, &self.fields)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "ADDED",
            Self::Modified => "MODIFIED",
            Self::Deleted => "DELETED",
        }
    }
}

/// One change, kept in the history so that watches can replay it.
#[derive(Debug)]
pub(crate) struct Event {
    pub rv: u64,
    pub kind: EventType,
    pub resource: ResourceKey,
    pub namespace: String,
    pub name: String,
    /// The object after the change (for DELETED: as it was deleted).
    pub entry: Arc<Entry>,
    /// The object before a modification, so that a filtered watch can tell an object
    /// entering or leaving its selection.
    pub prev: Option<Arc<Entry>>,
}

/// Objects of one resource by `(namespace, name)`; the namespace is empty when
/// cluster-scoped. A BTreeMap lists in the API server's own order and pages by range.
pub(crate) type Table = BTreeMap<(String, String), Arc<Entry>>;

/// Which part of an object an update may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// Everything but `.status` when the resource has a status subresource.
    Main,
    /// Only `.status`.
    Status,
    /// Everything (the test handle's helpers).
    Whole,
}

#[derive(Clone)]
pub(crate) struct Store {
    pub rv: u64,
    /// Watches and continue tokens older than this get 410 Gone.
    pub compacted: u64,
    pub registry: Registry,
    pub tables: HashMap<ResourceKey, Table>,
    pub history: VecDeque<Arc<Event>>,
    pub history_limit: usize,
    /// `(before, after)` resourceVersions of each [`Store::expire_history`], so that a
    /// watch that was open and caught up then carries on, as it would in a real
    /// cluster, while a new watch from `before` gets 410.
    expiries: Vec<(u64, u64)>,
    /// Server-side apply: who applied what, per object.
    owners: HashMap<(ResourceKey, String, String), Owners>,
    rng: Rng,
    ips: ClusterIps,
    /// The field manager of the request being served (`fieldManager`, else the
    /// client's User-Agent up to its first `/`), for `managedFields`; `None` for
    /// server-side apply (which records its own) and the test handle's writes.
    pub writer: Option<String>,
    /// Whether the simulated controllers run: deletes then honour `propagationPolicy`
    /// (finalizers the garbage collector handles), Namespaces terminate, and a deleted
    /// CustomResourceDefinition takes its custom resources along.
    pub controllers: bool,
}

/// How a delete treats the objects that name the deleted one as an owner
/// (`DeleteOptions.propagationPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Propagation {
    /// Delete now; the garbage collector deletes the dependents afterwards.
    Background,
    /// Keep the owner (finalizer `foregroundDeletion`) until its blocking dependents
    /// are gone.
    Foreground,
    /// Keep the owner (finalizer `orphan`) until its dependents' ownerReferences to it
    /// are removed.
    Orphan,
}

impl Propagation {
    /// `propagationPolicy` as sent, or the legacy `orphanDependents`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "Background" => Some(Self::Background),
            "Foreground" => Some(Self::Foreground),
            "Orphan" => Some(Self::Orphan),
            _ => None,
        }
    }

    /// What a real server does when a delete names no policy: `batch/v1` Jobs orphan
    /// their pods for backward compatibility (the Job strategy's
    /// `DefaultGarbageCollectionPolicy`), everything else deletes them in the
    /// background.
    fn default_for(t: &ResourceType) -> Self {
        if t.group == "batch" && t.kind == "Job" {
            Self::Orphan
        } else {
            Self::Background
        }
    }

    fn finalizer(self) -> Option<&'static str> {
        match self {
            Self::Background => None,
            Self::Foreground => Some("foregroundDeletion"),
            Self::Orphan => Some("orphan"),
        }
    }
}

pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn meta(value: &mut Value) -> &mut Map<String, Value> {
    if !value.get("metadata").is_some_and(Value::is_object) {
        value["metadata"] = json!({});
    }
    value["metadata"]
        .as_object_mut()
        .expect("metadata is an object")
}

fn meta_str<'a>(value: &'a Value, field: &str) -> Option<&'a str> {
    value.get("metadata")?.get(field)?.as_str()
}

impl Store {
    pub fn new(history_limit: usize) -> Self {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Self {
            rv: 0,
            compacted: 0,
            registry: Registry::default(),
            tables: HashMap::new(),
            history: VecDeque::new(),
            history_limit: history_limit.max(1),
            expiries: Vec::new(),
            owners: HashMap::new(),
            rng: Rng::new(seed),
            ips: ClusterIps::default(),
            writer: None,
            controllers: false,
        }
    }

    /// The resource type of an object, from its `apiVersion` and `kind`; unknown kinds
    /// get a guessed type.
    pub fn type_of(&mut self, value: &Value) -> Result<ResourceType, ApiError> {
        let api_version = value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let kind = value
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if api_version.is_empty() || kind.is_empty() {
            return Err(ApiError::bad_request(
                "Object 'Kind' is missing in the object",
            ));
        }
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        if let Some(t) = self.registry.by_kind(group, kind) {
            return Ok(t.clone());
        }
        let namespaced = meta_str(value, "namespace").is_some();
        Ok(self.registry.guess(group, version, kind, namespaced))
    }

    /// Adds a seed object as it is, with a fresh resourceVersion and no event.
    pub fn seed(&mut self, value: Value, namespace: Option<&str>) -> Result<(), ApiError> {
        let t = self.type_of(&value)?;
        let mut value = convert::to_storage(&t, value);
        if t.kind == "CustomResourceDefinition" && t.group == "apiextensions.k8s.io" {
            self.registry.apply_crd(&value);
        }
        self.rv += 1;
        let rv = self.rv;
        let uid = self.rng.uid();
        let now = timestamp(now_secs());
        let m = meta(&mut value);
        if t.namespaced {
            m.insert("namespace".into(), namespace.unwrap_or("default").into());
        } else {
            m.remove("namespace");
        }
        m.entry("uid").or_insert_with(|| uid.into());
        m.entry("creationTimestamp").or_insert_with(|| now.into());
        m.insert("resourceVersion".into(), rv.to_string().into());
        if value.get("spec").is_some() {
            meta(&mut value)
                .entry("generation")
                .or_insert_with(|| 1.into());
        }
        let name = meta_str(&value, "name").unwrap_or_default().to_owned();
        let ns = if t.namespaced {
            namespace.unwrap_or("default")
        } else {
            ""
        };
        self.tables
            .entry(t.key())
            .or_default()
            .insert((ns.to_owned(), name), Entry::new(&value, rv));
        self.compacted = self.rv;
        Ok(())
    }

    /// Adds what every real cluster holds and the seed did not: the namespaces
    /// `default`, `kube-system`, `kube-public` and `kube-node-lease`, and the
    /// `default/kubernetes` Service that points at the API server.
    pub fn complete_cluster(&mut self) {
        let namespaces = (String::new(), "namespaces".to_owned());
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            let exists = self
                .tables
                .get(&namespaces)
                .is_some_and(|t| t.contains_key(&(String::new(), ns.to_owned())));
            if !exists {
                let _ = self.seed(namespace_object(ns), None);
            }
        }
        let services = (String::new(), "services".to_owned());
        let exists = self
            .tables
            .get(&services)
            .is_some_and(|t| t.contains_key(&("default".to_owned(), "kubernetes".to_owned())));
        if !exists {
            let _ = self.seed(
                json!({"apiVersion": "v1", "kind": "Service",
                    "metadata": {"name": "kubernetes", "namespace": "default",
                        "labels": {"component": "apiserver", "provider": "kubernetes"}},
                    "spec": {"clusterIP": KUBERNETES_SERVICE_IP, "clusterIPs": [KUBERNETES_SERVICE_IP],
                        "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"],
                        "ipFamilyPolicy": "SingleStack", "sessionAffinity": "None", "type": "ClusterIP",
                        "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]},
                    "status": {"loadBalancer": {}}}),
                Some("default"),
            );
        }
    }

    /// Adds a Namespace object for every namespace some object lives in but none
    /// declares, as a real cluster would have.
    pub fn complete_namespaces(&mut self) {
        let mut used: Vec<String> = self
            .tables
            .values()
            .flat_map(|t| t.keys().map(|(ns, _)| ns.clone()))
            .filter(|ns| !ns.is_empty())
            .collect();
        used.sort_unstable();
        used.dedup();
        let key = (String::new(), "namespaces".to_owned());
        for ns in used {
            let exists = self
                .tables
                .get(&key)
                .is_some_and(|t| t.contains_key(&(String::new(), ns.clone())));
            if !exists {
                let _ = self.seed(namespace_object(&ns), None);
            }
        }
    }

    fn record(
        &mut self,
        kind: EventType,
        t: &ResourceType,
        key: &(String, String),
        entry: Arc<Entry>,
        prev: Option<Arc<Entry>>,
    ) {
        self.history.push_back(Arc::new(Event {
            rv: entry.rv,
            kind,
            resource: t.key(),
            namespace: key.0.clone(),
            name: key.1.clone(),
            entry,
            prev,
        }));
        while self.history.len() > self.history_limit {
            if let Some(old) = self.history.pop_front() {
                self.compacted = old.rv;
            }
        }
    }

    /// Forgets the whole history, as an etcd compaction does, and moves the
    /// resourceVersion on by one (a write elsewhere in the cluster), so that every watch
    /// or continue token from before gets 410 Gone and a fresh list works again.
    pub fn expire_history(&mut self) {
        let before = self.rv;
        self.rv += 1;
        self.history.clear();
        self.compacted = self.rv;
        self.expiries.push((before, self.rv));
    }

    /// Where an open watch at `cursor` carries on after an expiry it lived through.
    pub fn carry_on(&self, cursor: u64) -> u64 {
        self.expiries
            .iter()
            .rev()
            .find(|(before, _)| *before == cursor)
            .map_or(cursor, |(_, after)| *after)
    }

    /// Events after `rv`, or `None` when `rv` is older than the history holds.
    pub fn events_after(&self, rv: u64) -> Option<impl Iterator<Item = &Arc<Event>>> {
        if rv < self.compacted {
            return None;
        }
        let skip = self.history.partition_point(|e| e.rv <= rv);
        Some(self.history.iter().skip(skip))
    }

    pub fn table(&self, t: &ResourceType) -> Option<&Table> {
        self.tables.get(&t.key())
    }

    pub fn get(&self, t: &ResourceType, ns: &str, name: &str) -> Option<Arc<Entry>> {
        self.table(t)?
            .get(&(ns.to_owned(), name.to_owned()))
            .cloned()
    }

    pub fn namespace_exists(&self, ns: &str) -> bool {
        self.tables
            .get(&(String::new(), "namespaces".to_owned()))
            .is_some_and(|t| t.contains_key(&(String::new(), ns.to_owned())))
    }

    /// Whether a Namespace is being deleted (it has a `deletionTimestamp`).
    pub fn namespace_terminating(&self, ns: &str) -> bool {
        self.tables
            .get(&(String::new(), "namespaces".to_owned()))
            .and_then(|t| t.get(&(String::new(), ns.to_owned())))
            .is_some_and(|e| e.value().pointer("/metadata/deletionTimestamp").is_some())
    }

    /// Creates an object at `ns` (empty when cluster-scoped).
    pub fn create(
        &mut self,
        t: &ResourceType,
        ns: &str,
        mut value: Value,
        strip_status: bool,
    ) -> Result<Arc<Entry>, ApiError> {
        if !value.is_object() {
            return Err(ApiError::bad_request(
                "the body of the request was not an object",
            ));
        }
        check_type(t, &value)?;
        fill_type(t, &mut value);
        let mut value = convert::to_storage(t, value);
        if t.namespaced && !self.namespace_exists(ns) {
            return Err(ApiError::not_found("", "namespaces", ns));
        }
        if t.namespaced && self.namespace_terminating(ns) {
            let name = meta_str(&value, "name").unwrap_or_default();
            return Err(ApiError::terminating(&t.group, &t.plural, name, ns));
        }
        let mut name = meta_str(&value, "name").unwrap_or_default().to_owned();
        if name.is_empty() {
            let Some(prefix) = meta_str(&value, "generateName").filter(|p| !p.is_empty()) else {
                return Err(ApiError::invalid(
                    &t.kind,
                    "",
                    "metadata.name: Required value: name or generateName is required",
                ));
            };
            name = format!("{prefix}{}", self.rng.suffix(5));
        }
        // Writes from clients (not the test handle's, not the controllers') are
        // validated as a real server validates them.
        if strip_status {
            validate::check(t, &value, &name, true)?;
        }
        if let Some(body_ns) = meta_str(&value, "namespace")
            && t.namespaced
            && body_ns != ns
        {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        if self.get(t, ns, &name).is_some() {
            return Err(ApiError::already_exists(&t.group, &t.plural, &name));
        }
        if meta_str(&value, "resourceVersion").is_some_and(|rv| !rv.is_empty()) {
            return Err(ApiError::bad_request(
                "resourceVersion should not be set on objects to be created",
            ));
        }
        if strip_status
            && t.has_status()
            && let Some(map) = value.as_object_mut()
        {
            map.remove("status");
        }
        self.rv += 1;
        let rv = self.rv;
        let uid = self.rng.uid();
        let m = meta(&mut value);
        m.insert("name".into(), name.clone().into());
        if t.namespaced {
            m.insert("namespace".into(), ns.into());
        } else {
            m.remove("namespace");
        }
        m.insert("uid".into(), uid.clone().into());
        m.insert("resourceVersion".into(), rv.to_string().into());
        m.insert("creationTimestamp".into(), timestamp(now_secs()).into());
        m.remove("deletionTimestamp");
        if t.builtin && t.group == "batch" && t.kind == "Job" {
            generate_job_selector(&mut value, &uid, &name);
        }
        // Kinds with a spec track its changes in metadata.generation.
        if value.get("spec").is_some() {
            meta(&mut value).insert("generation".into(), 1.into());
        }
        defaults::apply(t, &mut value, None, &mut self.ips);
        if let Some(manager) = &self.writer {
            apply::record_update(&mut value, manager, None);
        }
        if is_crd(t) {
            establish_crd(&mut value);
            if !self.registry.apply_crd(&value) {
                self.rv -= 1;
                return Err(ApiError::invalid(
                    &t.kind,
                    &name,
                    "spec: Invalid value: a CustomResourceDefinition needs spec.group, spec.names.plural, spec.names.kind and served versions",
                ));
            }
        }
        let entry = Entry::new(&value, rv);
        self.tables
            .entry(t.key())
            .or_default()
            .insert((ns.to_owned(), name.clone()), Arc::clone(&entry));
        self.record(
            EventType::Added,
            t,
            &(ns.to_owned(), name),
            Arc::clone(&entry),
            None,
        );
        Ok(entry)
    }

    /// Replaces an object with what `change` makes of it, checking the resourceVersion
    /// the result carries (a stale one is a 409 Conflict, none is unconditional).
    #[allow(clippy::too_many_lines)] // one write, step by step as the apiserver does it
    pub fn update(
        &mut self,
        t: &ResourceType,
        ns: &str,
        name: &str,
        part: Part,
        change: impl FnOnce(Value) -> Result<Value, ApiError>,
    ) -> Result<Arc<Entry>, ApiError> {
        let old = self
            .get(t, ns, name)
            .ok_or_else(|| ApiError::not_found(&t.group, &t.plural, name))?;
        let old_value = old.value();
        let mut new = change(convert::from_storage(t, old_value.clone()))?;
        if !new.is_object() {
            return Err(ApiError::bad_request(
                "the body of the request was not an object",
            ));
        }
        check_type(t, &new)?;
        fill_type(t, &mut new);
        let mut new = convert::to_storage(t, new);
        if let Some(body_name) = meta_str(&new, "name")
            && body_name != name
        {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        if let Some(rv) = meta_str(&new, "resourceVersion")
            && !rv.is_empty()
            && rv != old.rv.to_string()
        {
            return Err(ApiError::conflict(&t.group, &t.plural, name));
        }
        if part == Part::Main {
            validate::check(t, &new, name, false)?;
        }
        // What the request may not change.
        match part {
            Part::Status => {
                let status = new.get("status").cloned();
                new = old_value.clone();
                match status {
                    Some(s) => new["status"] = s,
                    None => {
                        new.as_object_mut().map(|m| m.remove("status"));
                    }
                }
            }
            Part::Main if t.has_status() => match old_value.get("status") {
                Some(s) => new["status"] = s.clone(),
                None => {
                    new.as_object_mut().map(|m| m.remove("status"));
                }
            },
            Part::Main | Part::Whole => {}
        }
        defaults::apply(t, &mut new, Some(&old_value), &mut self.ips);
        let spec_changed = without_meta_status(&old_value) != without_meta_status(&new);
        let old_meta = old_value
            .get("metadata")
            .cloned()
            .unwrap_or_else(|| json!({}));
        self.rv += 1;
        let rv = self.rv;
        let m = meta(&mut new);
        for keep in [
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ] {
            match old_meta.get(keep) {
                Some(v) => {
                    m.insert(keep.into(), v.clone());
                }
                None => {
                    m.remove(keep);
                }
            }
        }
        m.insert("name".into(), name.into());
        if t.namespaced {
            m.insert("namespace".into(), ns.into());
        }
        if let Some(generation) = old_meta.get("generation").and_then(Value::as_i64) {
            let generation = if spec_changed {
                generation + 1
            } else {
                generation
            };
            m.insert("generation".into(), generation.into());
        }
        m.insert("resourceVersion".into(), rv.to_string().into());
        // A write that leaves managedFields out keeps them, as a real server does.
        if !m.contains_key("managedFields")
            && let Some(managed) = old_meta.get("managedFields")
        {
            m.insert("managedFields".into(), managed.clone());
        }
        if let Some(manager) = self.writer.clone() {
            let sub = (part == Part::Status).then_some("status");
            apply::record_update(&mut new, &manager, sub);
        }
        let m = meta(&mut new);
        let finalized = m.contains_key("deletionTimestamp")
            && m.get("finalizers")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty);
        if is_crd(t) {
            self.registry.apply_crd(&new);
        }
        let entry = Entry::new(&new, rv);
        let key = (ns.to_owned(), name.to_owned());
        if finalized {
            // The last finalizer is gone from an object being deleted: it goes now.
            self.remove(t, &key, Arc::clone(&entry), Some(old));
        } else {
            self.tables
                .entry(t.key())
                .or_default()
                .insert(key.clone(), Arc::clone(&entry));
            self.record(EventType::Modified, t, &key, Arc::clone(&entry), Some(old));
        }
        Ok(entry)
    }

    fn remove(
        &mut self,
        t: &ResourceType,
        key: &(String, String),
        entry: Arc<Entry>,
        prev: Option<Arc<Entry>>,
    ) {
        self.owners.remove(&(t.key(), key.0.clone(), key.1.clone()));
        if let Some(table) = self.tables.get_mut(&t.key()) {
            table.remove(key);
        }
        let crd = is_crd(t).then(|| entry.value());
        self.record(EventType::Deleted, t, key, entry, prev);
        if let Some(crd) = crd {
            if self.controllers {
                self.remove_custom_resources(&crd);
            }
            self.registry.remove_crd(&crd);
        }
    }

    /// Server-side apply of `config` by `manager`: creates the object when absent,
    /// else merges it, removing what the manager applied before and no longer does;
    /// see [`apply`](super::apply).
    pub fn apply(
        &mut self,
        t: &ResourceType,
        ns: &str,
        name: &str,
        config: &Value,
        manager: &str,
        force: bool,
    ) -> Result<(Arc<Entry>, bool), ApiError> {
        let key = (t.key(), ns.to_owned(), name.to_owned());
        let mut owners = self.owners.get(&key).cloned().unwrap_or_default();
        let result = if self.get(t, ns, name).is_none() {
            if meta_str(config, "name").is_some_and(|n| n != name) {
                return Err(ApiError::bad_request(format!(
                    "the name of the object does not match the name on the URL ({name})"
                )));
            }
            let mut value = config.clone();
            meta(&mut value).insert("name".into(), name.into());
            owners.insert(manager.to_owned(), config.clone());
            apply::set_managed_fields(&mut value, &owners);
            self.create(t, ns, value, true).map(|e| (e, true))
        } else {
            self.update(t, ns, name, Part::Main, |live| {
                apply::apply(live, config, manager, force, &mut owners, |l, c| {
                    super::patch::strategic_merge(l, c)
                })
            })
            .map(|e| (e, false))
        }?;
        self.owners.insert(key, owners);
        Ok(result)
    }

    /// Deletes an object; one with finalizers is only marked (`deletionTimestamp`) and
    /// goes when its last finalizer is removed. Returns the object as deleted (or
    /// marked) and whether it is gone.
    pub fn delete(
        &mut self,
        t: &ResourceType,
        ns: &str,
        name: &str,
        preconditions: Option<&Value>,
        propagation: Option<Propagation>,
    ) -> Result<(Arc<Entry>, bool), ApiError> {
        let old = self
            .get(t, ns, name)
            .ok_or_else(|| ApiError::not_found(&t.group, &t.plural, name))?;
        let mut value = old.value();
        if let Some(pre) = preconditions {
            let uid_ok = pre
                .get("uid")
                .and_then(Value::as_str)
                .is_none_or(|uid| Some(uid) == meta_str(&value, "uid"));
            let rv_ok = pre
                .get("resourceVersion")
                .and_then(Value::as_str)
                .is_none_or(|rv| rv == old.rv.to_string());
            if !uid_ok || !rv_ok {
                return Err(ApiError::conflict(&t.group, &t.plural, name));
            }
        }
        if self.controllers {
            if t.builtin && t.group.is_empty() && t.kind == "Namespace" {
                return Ok(self.terminate_namespace(t, name, old, value));
            }
            let policy = propagation.unwrap_or_else(|| Propagation::default_for(t));
            if let Some(finalizer) = policy.finalizer()
                && value.pointer("/metadata/deletionTimestamp").is_none()
            {
                let m = meta(&mut value);
                let list = m.entry("finalizers").or_insert_with(|| json!([]));
                if let Some(list) = list.as_array_mut()
                    && !list.iter().any(|f| f == finalizer)
                {
                    list.push(finalizer.into());
                }
            }
        }
        let has_finalizers = value
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .is_some_and(|f| !f.is_empty());
        if has_finalizers {
            if value.pointer("/metadata/deletionTimestamp").is_some() {
                return Ok((old, false));
            }
            self.rv += 1;
            let rv = self.rv;
            let m = meta(&mut value);
            m.insert("deletionTimestamp".into(), timestamp(now_secs()).into());
            m.insert("deletionGracePeriodSeconds".into(), 0.into());
            m.insert("resourceVersion".into(), rv.to_string().into());
            let entry = Entry::new(&value, rv);
            self.tables
                .entry(t.key())
                .or_default()
                .insert((ns.to_owned(), name.to_owned()), Arc::clone(&entry));
            self.record(
                EventType::Modified,
                t,
                &(ns.to_owned(), name.to_owned()),
                Arc::clone(&entry),
                Some(old),
            );
            return Ok((entry, false));
        }
        self.rv += 1;
        let rv = self.rv;
        meta(&mut value).insert("resourceVersion".into(), rv.to_string().into());
        let entry = Entry::new(&value, rv);
        self.remove(
            t,
            &(ns.to_owned(), name.to_owned()),
            Arc::clone(&entry),
            Some(old),
        );
        Ok((entry, true))
    }
}

impl Store {
    /// A Namespace's delete, as the real server does it: it stays, `Terminating`, with
    /// a `deletionTimestamp`, until the namespace controller has deleted its contents
    /// and removed the `kubernetes` finalizer from `spec.finalizers`.
    fn terminate_namespace(
        &mut self,
        t: &ResourceType,
        name: &str,
        old: Arc<Entry>,
        mut value: Value,
    ) -> (Arc<Entry>, bool) {
        if value.pointer("/metadata/deletionTimestamp").is_some() {
            return (old, false);
        }
        self.rv += 1;
        let rv = self.rv;
        let m = meta(&mut value);
        m.insert("deletionTimestamp".into(), timestamp(now_secs()).into());
        m.insert("deletionGracePeriodSeconds".into(), 0.into());
        m.insert("resourceVersion".into(), rv.to_string().into());
        value["spec"]["finalizers"] = json!(["kubernetes"]);
        value["status"] = json!({"phase": "Terminating"});
        let entry = Entry::new(&value, rv);
        let key = (String::new(), name.to_owned());
        self.tables
            .entry(t.key())
            .or_default()
            .insert(key.clone(), Arc::clone(&entry));
        self.record(EventType::Modified, t, &key, Arc::clone(&entry), Some(old));
        (entry, false)
    }

    /// The custom resources of a deleted CustomResourceDefinition go with it, each with
    /// a DELETED event (the real server's `customresourcecleanup` finalizer).
    fn remove_custom_resources(&mut self, crd: &Value) {
        let group = crd.pointer("/spec/group").and_then(Value::as_str);
        let plural = crd.pointer("/spec/names/plural").and_then(Value::as_str);
        let (Some(group), Some(plural)) = (group, plural) else {
            return;
        };
        let Some(t) = self
            .registry
            .types()
            .iter()
            .find(|t| t.group == group && t.plural == plural)
            .cloned()
        else {
            return;
        };
        let keys: Vec<(String, String)> = self
            .table(&t)
            .map(|table| table.keys().cloned().collect())
            .unwrap_or_default();
        for (ns, name) in keys {
            let _ = self.delete(&t, &ns, &name, None, Some(Propagation::Background));
        }
    }
}

/// The selector and labels the real server gives a Job that has no
/// `manualSelector`: `batch.kubernetes.io/controller-uid` (and the legacy
/// `controller-uid`) and `batch.kubernetes.io/job-name` (and `job-name`).
fn generate_job_selector(job: &mut Value, uid: &str, name: &str) {
    if job.pointer("/spec/manualSelector").and_then(Value::as_bool) == Some(true) {
        return;
    }
    let Some(spec) = job.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    spec.insert(
        "selector".into(),
        json!({"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}),
    );
    let template = spec.entry("template").or_insert_with(|| json!({}));
    let labels = &mut template["metadata"]["labels"];
    if !labels.is_object() {
        *labels = json!({});
    }
    for (key, value) in [
        ("batch.kubernetes.io/controller-uid", uid),
        ("batch.kubernetes.io/job-name", name),
        ("controller-uid", uid),
        ("job-name", name),
    ] {
        labels[key] = value.into();
    }
}

/// A Namespace as a real server keeps it.
fn namespace_object(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
        "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
}

fn is_crd(t: &ResourceType) -> bool {
    t.group == "apiextensions.k8s.io" && t.plural == "customresourcedefinitions"
}

/// The status a real server gives a CustomResourceDefinition it accepted.
fn establish_crd(crd: &mut Value) {
    let names = crd
        .pointer("/spec/names")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let stored: Vec<Value> = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
                .filter_map(|v| v.get("name").cloned())
                .collect()
        })
        .unwrap_or_default();
    let now = timestamp(now_secs());
    crd["status"] = json!({
        "acceptedNames": names,
        "conditions": [
            {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
             "message": "no conflicts found", "lastTransitionTime": now},
            {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
             "message": "the initial names have been accepted", "lastTransitionTime": now},
        ],
        "storedVersions": stored,
    });
}

fn check_type(t: &ResourceType, value: &Value) -> Result<(), ApiError> {
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or(&t.kind);
    let api_version = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    if kind != t.kind || (!api_version.is_empty() && group != t.group) {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({})",
            t.api_version(t.preferred_version())
        )));
    }
    Ok(())
}

/// `apiVersion` and `kind`, which clients may leave out of a body, as the server
/// stores them.
fn fill_type(t: &ResourceType, value: &mut Value) {
    if let Some(map) = value.as_object_mut() {
        map.entry("apiVersion")
            .or_insert_with(|| t.api_version(t.preferred_version()).into());
        map.entry("kind").or_insert_with(|| t.kind.clone().into());
    }
}

fn without_meta_status(value: &Value) -> Value {
    let mut v = value.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("metadata");
        m.remove("status");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_map(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}})
    }

    #[test]
    fn the_history_is_bounded_and_expiry_spares_open_watches() {
        let mut store = Store::new(2);
        store
            .seed(
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}),
                None,
            )
            .unwrap();
        let t = store.type_of(&config_map("x")).unwrap();
        let start = store.rv;
        for name in ["x", "y", "z"] {
            store.create(&t, "a", config_map(name), true).unwrap();
        }
        // Three events, two kept: from `start` is too old, from one later is fine.
        assert!(store.events_after(start).is_none());
        assert_eq!(store.events_after(start + 1).unwrap().count(), 2);

        let caught_up = store.rv;
        store.expire_history();
        assert!(store.events_after(caught_up).is_none());
        // A watch that was open and caught up carries on from after the expiry.
        assert_eq!(store.carry_on(caught_up), store.rv);
        assert_eq!(
            store
                .events_after(store.carry_on(caught_up))
                .unwrap()
                .count(),
            0
        );
    }

    #[test]
    fn finalizers_hold_an_object_until_the_last_is_removed() {
        let mut store = Store::new(10);
        store
            .seed(
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}),
                None,
            )
            .unwrap();
        let mut held = config_map("held");
        held["metadata"]["finalizers"] = json!(["x/y"]);
        let t = store.type_of(&held).unwrap();
        store.create(&t, "a", held, true).unwrap();
        let (_, gone) = store.delete(&t, "a", "held", None, None).unwrap();
        assert!(!gone);
        assert!(store.get(&t, "a", "held").is_some());
        store
            .update(&t, "a", "held", Part::Main, |mut v| {
                v["metadata"]["finalizers"] = json!([]);
                Ok(v)
            })
            .unwrap();
        assert!(store.get(&t, "a", "held").is_none());
        let kinds: Vec<EventType> = store.history.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [EventType::Added, EventType::Modified, EventType::Deleted]
        );
    }
}
