//! The requests the engine makes, over korral's client: server-side apply, get, list by
//! label, delete. Each names its object in errors.

use std::fmt::Write as _;

use http::{Method, Request};
use korral_kube::{Client, Discovery, Resource, discover};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::manifest::{Manifest, group_of};

/// korral's field manager: the owner of every field korral applies.
pub const FIELD_MANAGER: &str = "korral";

/// How many objects one list page holds.
const PAGE: usize = 500;

/// A cluster to write to: the client and what the server serves.
#[derive(Clone, Debug)]
pub struct Cluster {
    client: Client,
    discovery: Discovery,
    /// Requests sent, for the benchmark and `-o json`.
    requests: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// What an apply did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The object is new.
    Created,
    /// The object was there; its applied fields are now as written (which may be as
    /// they were).
    Configured,
}

impl Cluster {
    /// Discovers what the server serves.
    pub async fn connect(client: Client) -> Result<Self> {
        let discovery = discover(&client).await?;
        Ok(Self {
            client,
            discovery,
            requests: std::sync::Arc::default(),
        })
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Requests sent so far (discovery not counted).
    pub fn requests(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Discovers again: after CustomResourceDefinitions are established.
    pub async fn rediscover(&mut self) -> Result<()> {
        self.discovery = discover(&self.client).await?;
        Ok(())
    }

    /// The resource serving `api_version`/`kind`, if the server serves it.
    pub fn resource(&self, api_version: &str, kind: &str) -> Option<Resource> {
        let group = group_of(api_version);
        let version = api_version.rsplit('/').next().unwrap_or(api_version);
        let found = self.discovery.find(group, kind)?;
        let mut resource = found.clone();
        // Paths use the manifest's version; discovery names the preferred one.
        version.clone_into(&mut resource.version);
        Some(resource)
    }

    /// The resource serving `kind` in `group`, at the preferred version.
    pub fn resource_by_group(&self, group: &str, kind: &str) -> Option<Resource> {
        self.discovery.find(group, kind).cloned()
    }

    /// The resource of a manifest, or an error naming it.
    pub fn resource_of(&self, manifest: &Manifest) -> Result<Resource> {
        self.resource(manifest.api_version(), manifest.kind())
            .ok_or_else(|| Error::UnknownKind {
                file: manifest.source.clone(),
                api_version: manifest.api_version().to_owned(),
                kind: manifest.kind().to_owned(),
            })
    }

    fn count(&self) {
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Server-side apply of `object` as korral (`force` takes fields over from other
    /// managers; `dry_run` changes nothing). Returns the object as the server has it
    /// (or would) and what changed.
    pub async fn apply(
        &self,
        resource: &Resource,
        object: &Value,
        dry_run: bool,
        force: bool,
    ) -> Result<(Value, Applied)> {
        self.apply_as(resource, object, dry_run, force, FIELD_MANAGER)
            .await
    }

    /// [`Cluster::apply`] as another field manager.
    pub async fn apply_as(
        &self,
        resource: &Resource,
        object: &Value,
        dry_run: bool,
        force: bool,
        field_manager: &str,
    ) -> Result<(Value, Applied)> {
        let namespace = object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .filter(|_| resource.namespaced);
        let name = object
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut path = format!(
            "{}/{}?fieldManager={}",
            resource.path(namespace),
            encode(name),
            encode(field_manager)
        );
        if force {
            path.push_str("&force=true");
        }
        if dry_run {
            path.push_str("&dryRun=All");
        }
        let request = Request::builder()
            .method(Method::PATCH)
            .uri(path)
            .header(http::header::CONTENT_TYPE, "application/apply-patch+yaml")
            .header(http::header::ACCEPT, "application/json")
            .body(serde_json::to_vec(object).unwrap_or_default())
            .map_err(|e| Error::Manifest {
                file: String::new(),
                message: e.to_string(),
            })?;
        self.count();
        let (status, text) = self
            .client
            .send(request, "apply", &resource.plural, namespace)
            .await?;
        let value: Value = serde_json::from_str(&text).map_err(|e| Error::Manifest {
            file: String::new(),
            message: format!("the server's answer to an apply is not JSON: {e}"),
        })?;
        let applied = if status == http::StatusCode::CREATED {
            Applied::Created
        } else {
            Applied::Configured
        };
        Ok((value, applied))
    }

    /// Creates an object (`POST`); an object that exists is a 409 error. Returns it as
    /// the server has it (or would, with `dry_run`).
    pub async fn create(
        &self,
        resource: &Resource,
        object: &Value,
        dry_run: bool,
        field_manager: &str,
    ) -> Result<Value> {
        let namespace = object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .filter(|_| resource.namespaced);
        let mut path = format!(
            "{}?fieldManager={}",
            resource.path(namespace),
            encode(field_manager)
        );
        if dry_run {
            path.push_str("&dryRun=All");
        }
        let request = Request::post(path)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "application/json")
            .body(serde_json::to_vec(object).unwrap_or_default())
            .unwrap_or_default();
        self.count();
        let (_, text) = self
            .client
            .send(request, "create", &resource.plural, namespace)
            .await?;
        serde_json::from_str(&text).map_err(|e| Error::Manifest {
            file: String::new(),
            message: format!("the server's answer to a create is not JSON: {e}"),
        })
    }

    /// An object, or `None` when it is not there.
    pub async fn get(
        &self,
        resource: &Resource,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>> {
        let namespace = namespace.filter(|_| resource.namespaced);
        let path = format!("{}/{}", resource.path(namespace), encode(name));
        let request = Request::get(path)
            .header(http::header::ACCEPT, "application/json")
            .body(Vec::new())
            .unwrap_or_default();
        self.count();
        match self
            .client
            .send(request, "get", &resource.plural, namespace)
            .await
        {
            Ok((_, text)) => Ok(serde_json::from_str(&text).ok()),
            Err(err) if err.status_code() == Some(404) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Every object of `resource` (in `namespace`, or everywhere) matching the label
    /// selector, page by page; each gets its apiVersion and kind (list items of built-in
    /// kinds come without).
    pub async fn list(
        &self,
        resource: &Resource,
        namespace: Option<&str>,
        selector: &str,
    ) -> Result<Vec<Value>> {
        let namespace = namespace.filter(|_| resource.namespaced);
        let mut items = Vec::new();
        let mut token = String::new();
        loop {
            let mut path = format!(
                "{}?limit={PAGE}&labelSelector={}",
                resource.path(namespace),
                encode(selector)
            );
            if !token.is_empty() {
                path.push_str("&continue=");
                path.push_str(&encode(&token));
            }
            let request = Request::get(path)
                .header(http::header::ACCEPT, "application/json")
                .body(Vec::new())
                .unwrap_or_default();
            self.count();
            let (_, text) = self
                .client
                .send(request, "list", &resource.plural, namespace)
                .await?;
            let mut page: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if let Some(Value::Array(list)) = page.get_mut("items").map(Value::take) {
                for mut item in list {
                    if let Some(map) = item.as_object_mut() {
                        map.entry("apiVersion")
                            .or_insert_with(|| resource.api_version().into());
                        map.entry("kind")
                            .or_insert_with(|| resource.kind.clone().into());
                    }
                    items.push(item);
                }
            }
            page.pointer("/metadata/continue")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .clone_into(&mut token);
            if token.is_empty() {
                return Ok(items);
            }
        }
    }

    /// Deletes an object, its dependents in the background (as kubectl does). `false`
    /// when it was already gone.
    pub async fn delete(
        &self,
        resource: &Resource,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<bool> {
        let namespace = namespace.filter(|_| resource.namespaced);
        let path = format!("{}/{}", resource.path(namespace), encode(name));
        let body = serde_json::json!({
            "kind": "DeleteOptions",
            "apiVersion": "v1",
            "propagationPolicy": "Background",
        });
        let request = Request::delete(path)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "application/json")
            .body(serde_json::to_vec(&body).unwrap_or_default())
            .unwrap_or_default();
        self.count();
        match self
            .client
            .send(request, "delete", &resource.plural, namespace)
            .await
        {
            Ok(_) => Ok(true),
            Err(err) if err.status_code() == Some(404) => Ok(false),
            Err(err) => Err(err.into()),
        }
    }
}

/// Percent-encodes a path segment or query value (a name in a request path).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}
