//! The HTTP face: one handler that parses Kubernetes API paths and dispatches.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::sync::{mpsc, watch};

use super::ServerOptions;
use super::convert;
use super::discovery;
use super::error::ApiError;
use super::faults::{FaultState, RequestInfo};
use super::filter::Filter;
use super::logs::{self, Logs};
use super::patch::{self, PatchType};
use super::resources::ResourceType;
use super::scale;
use super::store::{Entry, Part, Propagation, Store};
use super::table;
use super::watch as watching;

/// Everything the handlers and the test handle share.
pub(crate) struct Shared {
    store: Mutex<Store>,
    /// The store's resourceVersion after each change: watches wait on it.
    pub changed: watch::Sender<u64>,
    /// Bumped to close every open stream.
    pub dropped: watch::Sender<u64>,
    /// Set when the server stops, for its background tasks (the controllers); the
    /// fault that drops streams must not stop them.
    pub stopped: watch::Sender<bool>,
    faults: Mutex<FaultState>,
    logs: Mutex<Logs>,
    pub logs_changed: watch::Sender<u64>,
    pub options: ServerOptions,
    /// `127.0.0.1:port`, for `/api`'s serverAddressByClientCIDRs.
    pub address: Mutex<String>,
}

impl Shared {
    pub fn new(store: Store, options: ServerOptions) -> Self {
        let rv = store.rv;
        Self {
            store: Mutex::new(store),
            changed: watch::Sender::new(rv),
            dropped: watch::Sender::new(0),
            stopped: watch::Sender::new(false),
            faults: Mutex::new(FaultState::default()),
            logs: Mutex::new(Logs::new()),
            logs_changed: watch::Sender::new(0),
            options,
            address: Mutex::new(String::new()),
        }
    }

    // A panic while holding a lock is a bug in a test double: carry on with the data.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn faults(&self) -> MutexGuard<'_, FaultState> {
        self.faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn logs(&self) -> MutexGuard<'_, Logs> {
        self.logs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs a change against the store and wakes the watches.
    pub fn mutate<T>(&self, change: impl FnOnce(&mut Store) -> T) -> T {
        let (out, rv) = {
            let mut store = self.store();
            let out = change(&mut store);
            (out, store.rv)
        };
        self.changed.send_if_modified(|old| {
            let modified = *old != rv;
            *old = rv;
            modified
        });
        out
    }
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

/// Query parameters.
pub(crate) struct Params(HashMap<String, String>);

impl Params {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("true" | "1"))
    }
}

/// A body streamed from a channel: watches and followed logs.
pub(crate) fn streaming_response(
    content_type: &'static str,
    rx: mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> Response {
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from_stream(stream))
        .expect("a valid response")
}

fn json_response(code: StatusCode, body: impl Into<Body>) -> Response {
    Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.into())
        .expect("a valid response")
}

fn value_response(value: &Value) -> Response {
    json_response(StatusCode::OK, value.to_string())
}

/// An API path taken apart.
#[derive(Debug, Default)]
struct ResourcePath {
    group: String,
    version: String,
    namespace: Option<String>,
    plural: String,
    name: Option<String>,
    sub: Option<String>,
}

enum Route {
    Version,
    Health,
    CoreVersions,
    Groups,
    Group(String),
    Resources { group: String, version: String },
    Resource(ResourcePath),
    NotFound,
}

fn route(path: &str) -> Route {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match segments.as_slice() {
        ["version"] => return Route::Version,
        ["healthz" | "livez" | "readyz", ..] => return Route::Health,
        ["api"] => return Route::CoreVersions,
        ["apis"] => return Route::Groups,
        ["apis", group] => return Route::Group((*group).to_owned()),
        ["api", version] => {
            return Route::Resources {
                group: String::new(),
                version: (*version).to_owned(),
            };
        }
        ["apis", group, version] => {
            return Route::Resources {
                group: (*group).to_owned(),
                version: (*version).to_owned(),
            };
        }
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return Route::NotFound,
    };
    // `namespaces/{ns}/status` is the Namespace's own subresource; any other
    // `namespaces/{ns}/{resource}…` is a namespaced resource.
    let (namespace, rest) = match rest {
        ["namespaces", ns, resource, tail @ ..]
            if !matches!(*resource, "status" | "finalize") || !tail.is_empty() =>
        {
            (Some((*ns).to_owned()), &rest[2..])
        }
        other => (None, other),
    };
    let (plural, name, sub) = match rest {
        [plural] => (*plural, None, None),
        [plural, name] => (*plural, Some(*name), None),
        [plural, name, sub] => (*plural, Some(*name), Some(*sub)),
        _ => return Route::NotFound,
    };
    if plural.is_empty() || name == Some("") {
        return Route::NotFound;
    }
    Route::Resource(ResourcePath {
        group: group.to_owned(),
        version: version.to_owned(),
        namespace,
        plural: plural.to_owned(),
        name: name.map(str::to_owned),
        sub: sub.map(str::to_owned),
    })
}

fn verb(method: &Method, path: &ResourcePath, params: &Params) -> &'static str {
    match (method.as_str(), path.name.is_some()) {
        ("GET", false) if params.flag("watch") => "watch",
        ("GET", false) => "list",
        ("GET", true) => "get",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", false) => "deletecollection",
        ("DELETE", true) => "delete",
        _ => "unknown",
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let delay = shared.faults().delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let params = Params(
        Query::<HashMap<String, String>>::try_from_uri(&uri)
            .map(|q| q.0)
            .unwrap_or_default(),
    );
    match serve(&shared, &method, uri.path(), &headers, &body, &params) {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

fn serve(
    shared: &Arc<Shared>,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
    params: &Params,
) -> Result<Response, ApiError> {
    let route = route(path);
    if !matches!(route, Route::Version | Route::Health) {
        let expected = format!("Bearer {}", shared.options.token);
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if given != Some(expected.as_str()) {
            return Err(ApiError::new(401, "Unauthorized", "Unauthorized"));
        }
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let (group, version, resource, namespace, verb_name) = match &route {
        Route::Resources { group, version } => (
            Some(group.as_str()),
            Some(version.as_str()),
            None,
            None,
            "get",
        ),
        Route::Resource(p) => (
            Some(p.group.as_str()),
            Some(p.version.as_str()),
            Some(p.plural.as_str()),
            p.namespace.as_deref(),
            verb(method, p, params),
        ),
        _ => (None, None, None, None, "get"),
    };
    if let Some(err) = shared.faults().check(&RequestInfo {
        path,
        verb: verb_name,
        group,
        version,
        resource,
        namespace,
    }) {
        return Err(err);
    }
    let get_only = |response: Response| {
        if *method == Method::GET {
            Ok(response)
        } else {
            Err(ApiError::method_not_allowed())
        }
    };
    match route {
        Route::Version => get_only(value_response(&discovery::version())),
        Route::Health => get_only("ok".into_response()),
        Route::CoreVersions if discovery::wants_aggregated(accept) => {
            let unavailable = shared.faults().unavailable.clone();
            let doc = discovery::aggregated(&shared.store().registry, true, &unavailable);
            get_only(aggregated_response(&doc))
        }
        Route::CoreVersions => {
            let address = shared.address.lock().map(|a| a.clone()).unwrap_or_default();
            get_only(value_response(&discovery::core_versions(&address)))
        }
        Route::Groups if discovery::wants_aggregated(accept) => {
            let unavailable = shared.faults().unavailable.clone();
            let doc = discovery::aggregated(&shared.store().registry, false, &unavailable);
            get_only(aggregated_response(&doc))
        }
        Route::Groups => get_only(value_response(&discovery::group_list(
            &shared.store().registry,
        ))),
        Route::Group(name) => {
            let doc = discovery::group(&shared.store().registry, &name)
                .ok_or_else(ApiError::page_not_found)?;
            get_only(value_response(&doc))
        }
        Route::Resources { group, version } => {
            let doc = discovery::resource_list(&shared.store().registry, &group, &version)
                .ok_or_else(ApiError::page_not_found)?;
            get_only(value_response(&doc))
        }
        Route::Resource(path) => {
            serve_resource(shared, method, &path, headers, body, params, accept)
        }
        Route::NotFound => Err(ApiError::page_not_found()),
    }
}

fn aggregated_response(doc: &Value) -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, discovery::AGGREGATED_CONTENT_TYPE)
        .body(Body::from(doc.to_string()))
        .expect("a valid response")
}

/// How objects are written back: whole, or as `PartialObjectMetadata` when the client
/// asked for metadata only (`kube`'s `list_metadata`, `get_metadata`, `watch_metadata`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Full,
    Metadata,
    /// A `Table` of the objects (lists and gets; a watch sends whole objects).
    Table(table::Include),
}

impl Shape {
    fn from_accept(accept: &str, params: &Params) -> Self {
        if table::wanted(accept) {
            Self::Table(table::Include::from_params(params))
        } else if accept.contains("as=PartialObjectMetadata") {
            Self::Metadata
        } else {
            Self::Full
        }
    }
}

/// An object's JSON as `t` serves it at `api_version`: the stored text when it already
/// says so, else converted (Events read through `events.k8s.io`) or rewritten (a CRD
/// served at several versions).
pub(crate) fn render<'a>(
    entry: &'a Entry,
    t: &ResourceType,
    api_version: &str,
    shape: Shape,
) -> Cow<'a, str> {
    if shape == Shape::Metadata {
        #[derive(serde::Deserialize)]
        struct Meta<'b> {
            #[serde(borrow)]
            metadata: &'b serde_json::value::RawValue,
        }
        return match serde_json::from_str::<Meta<'_>>(&entry.text) {
            Ok(meta) => Cow::Owned(format!(
                "{{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{}}}",
                meta.metadata.get()
            )),
            Err(_) => Cow::Borrowed(&entry.text),
        };
    }
    if entry.api_version == api_version && !convert::is_new_event(t) {
        return Cow::Borrowed(&entry.text);
    }
    let mut value = convert::from_storage(t, entry.value());
    value["apiVersion"] = api_version.into();
    Cow::Owned(value.to_string())
}

/// An item of a list: as [`render`], but a built-in kind's items carry no
/// `apiVersion` and `kind` (the list's own say them), as a real server sends them.
fn render_item<'a>(
    entry: &'a Entry,
    t: &ResourceType,
    api_version: &str,
    shape: Shape,
) -> Cow<'a, str> {
    let text = render(entry, t, api_version, shape);
    if shape == Shape::Full
        && t.builtin
        && let Some(bare) = convert::without_type(&text)
    {
        return Cow::Owned(bare);
    }
    text
}

/// One request for a resource, resolved.
struct Call<'a> {
    shared: &'a Arc<Shared>,
    method: &'a Method,
    headers: &'a HeaderMap,
    body: &'a [u8],
    params: &'a Params,
    t: ResourceType,
    api_version: String,
    shape: Shape,
    /// The namespace in the path; empty when none.
    ns: String,
    dry_run: bool,
}

impl Call<'_> {
    fn respond(&self, code: StatusCode, entry: &Entry) -> Response {
        let body = match self.shape {
            Shape::Table(include) => format!(
                "{}{}]}}",
                table::head(&format!("{{\"resourceVersion\":\"{}\"}}", entry.rv)),
                table::row(entry, &self.t, &self.api_version, include)
            ),
            shape => render(entry, &self.t, &self.api_version, shape).into_owned(),
        };
        json_response(code, body)
    }

    fn filter(&self) -> Result<Filter, ApiError> {
        let fields = self
            .params
            .get("fieldSelector")
            .map(|f| convert::field_selector(&self.t, f));
        Filter::parse(self.params.get("labelSelector"), fields.as_deref())
    }

    /// The field manager of a write: `fieldManager`, else the User-Agent up to its
    /// first `/` (`kubectl/v1.33.4 …` is `kubectl`), as a real server names it.
    #[allow(clippy::unnecessary_wraps)] // `None` when a request names no manager and has no User-Agent
    fn writer(&self) -> Option<String> {
        if let Some(manager) = self.params.get("fieldManager").filter(|m| !m.is_empty()) {
            return Some(manager.to_owned());
        }
        let agent = self
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let prefix: String = agent
            .split('/')
            .next()
            .unwrap_or_default()
            .chars()
            .take(128)
            .collect();
        Some(prefix)
    }

    fn not_found(&self, name: &str) -> ApiError {
        ApiError::not_found(&self.t.group, &self.t.plural, name)
    }
}

fn serve_resource(
    shared: &Arc<Shared>,
    method: &Method,
    path: &ResourcePath,
    headers: &HeaderMap,
    body: &[u8],
    params: &Params,
    accept: &str,
) -> Result<Response, ApiError> {
    let t = shared
        .store()
        .registry
        .by_plural(&path.group, &path.version, &path.plural)
        .cloned()
        .ok_or_else(ApiError::page_not_found)?;
    if path.namespace.is_some() && !t.namespaced {
        return Err(ApiError::page_not_found());
    }
    if let Some(sub) = &path.sub
        && !t.subresources.contains(sub)
    {
        return Err(ApiError::page_not_found());
    }
    if t.read_only && *method != Method::GET {
        return Err(ApiError::method_not_allowed());
    }
    let call = Call {
        shared,
        method,
        headers,
        body,
        params,
        api_version: t.api_version(&path.version),
        t,
        shape: Shape::from_accept(accept, params),
        ns: path.namespace.clone().unwrap_or_default(),
        dry_run: params.get("dryRun").is_some_and(|d| d == "All"),
    };
    match path.name.as_deref() {
        None => collection(&call, path.namespace.as_deref()),
        Some(_) if call.t.namespaced && path.namespace.is_none() => Err(ApiError::page_not_found()),
        Some(name) => object(&call, name, path.sub.as_deref()),
    }
}

/// Requests for a collection: list, watch, create, deletecollection.
fn collection(call: &Call<'_>, namespace: Option<&str>) -> Result<Response, ApiError> {
    let (t, shared) = (&call.t, call.shared);
    if t.namespaced && namespace.is_none() && *call.method != Method::GET {
        return Err(ApiError::page_not_found());
    }
    match *call.method {
        Method::GET if call.params.flag("watch") => watching::serve(
            shared,
            t,
            call.api_version.clone(),
            namespace,
            call.filter()?,
            call.params,
            call.shape,
        ),
        Method::GET => list(
            shared,
            t,
            &call.api_version,
            namespace,
            &call.filter()?,
            call.params,
            call.shape,
        ),
        Method::POST => {
            let value = parse_object(call.headers, call.body)?;
            let entry = commit(shared, call.dry_run, call.writer(), |store| {
                store.create(t, &call.ns, value, true)
            })?;
            Ok(call.respond(StatusCode::CREATED, &entry))
        }
        Method::DELETE => delete_collection(
            shared,
            t,
            &call.api_version,
            namespace,
            &call.filter()?,
            call.dry_run,
        ),
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// Requests for one object or its subresources.
fn object(call: &Call<'_>, name: &str, sub: Option<&str>) -> Result<Response, ApiError> {
    let (t, ns, shared) = (&call.t, call.ns.as_str(), call.shared);
    let part = match sub {
        Some("status") => Part::Status,
        Some("log") => {
            if *call.method != Method::GET {
                return Err(ApiError::method_not_allowed());
            }
            let pod = shared
                .store()
                .get(t, ns, name)
                .ok_or_else(|| call.not_found(name))?;
            return logs::serve(shared, ns, name, &pod.value(), call.params);
        }
        Some("scale") => return scale_object(call, name),
        Some(_) => return Err(ApiError::method_not_allowed()),
        None => Part::Main,
    };
    match *call.method {
        Method::GET => {
            let entry = shared
                .store()
                .get(t, ns, name)
                .ok_or_else(|| call.not_found(name))?;
            Ok(call.respond(StatusCode::OK, &entry))
        }
        Method::PUT => {
            let value = parse_object(call.headers, call.body)?;
            let entry = commit(shared, call.dry_run, call.writer(), |store| {
                store.update(t, ns, name, part, |_| Ok(value))
            })?;
            Ok(call.respond(StatusCode::OK, &entry))
        }
        Method::PATCH => patch_object(call, name, part),
        Method::DELETE if part == Part::Main => {
            let options: Option<Value> = serde_json::from_slice(call.body).ok();
            let preconditions = options.as_ref().and_then(|o| o.get("preconditions"));
            let propagation = propagation(call.params, options.as_ref())?;
            let (entry, _gone) = commit(shared, call.dry_run, None, |store| {
                store.delete(t, ns, name, preconditions, propagation)
            })?;
            Ok(call.respond(StatusCode::OK, &entry))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// A delete's `propagationPolicy`, from the query or the `DeleteOptions` body (where
/// `kube` sends it), or the legacy `orphanDependents`; `None` when neither says.
fn propagation(params: &Params, options: Option<&Value>) -> Result<Option<Propagation>, ApiError> {
    let given = params.get("propagationPolicy").or_else(|| {
        options
            .and_then(|o| o.get("propagationPolicy"))
            .and_then(Value::as_str)
    });
    if let Some(text) = given {
        return Propagation::parse(text).map(Some).ok_or_else(|| {
            ApiError::bad_request(format!(
                "propagationPolicy: Unsupported value: \"{text}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
            ))
        });
    }
    let orphan = params
        .get("orphanDependents")
        .map(|o| o == "true")
        .or_else(|| {
            options
                .and_then(|o| o.get("orphanDependents"))
                .and_then(Value::as_bool)
        });
    Ok(orphan.map(|o| {
        if o {
            Propagation::Orphan
        } else {
            Propagation::Background
        }
    }))
}

/// `GET`, `PUT` and `PATCH` of the `scale` subresource.
fn scale_object(call: &Call<'_>, name: &str) -> Result<Response, ApiError> {
    let (t, ns, shared) = (&call.t, call.ns.as_str(), call.shared);
    let entry = match *call.method {
        Method::GET => shared
            .store()
            .get(t, ns, name)
            .ok_or_else(|| call.not_found(name))?,
        Method::PUT => {
            let body = parse_object(call.headers, call.body)?;
            commit(shared, call.dry_run, call.writer(), |store| {
                store.update(t, ns, name, Part::Main, |current| {
                    scale::set(current, &body)
                })
            })?
        }
        Method::PATCH => {
            let kind = patch_type(call)?;
            let patch_body = patch::parse_body(kind, call.body)?;
            commit(shared, call.dry_run, call.writer(), |store| {
                store.update(t, ns, name, Part::Main, |current| {
                    let patched = patch::apply(kind, scale::of(&current), &patch_body)?;
                    scale::set(current, &patched)
                })
            })?
        }
        _ => return Err(ApiError::method_not_allowed()),
    };
    Ok(json_response(
        StatusCode::OK,
        scale::of(&entry.value()).to_string(),
    ))
}

fn patch_type(call: &Call<'_>) -> Result<PatchType, ApiError> {
    let content_type = call
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    PatchType::from_content_type(content_type).ok_or_else(|| {
        ApiError::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: \
                 application/json-patch+json, application/merge-patch+json, \
                 application/apply-patch+yaml, application/strategic-merge-patch+json; \
                 got `{content_type}`"
            ),
        )
    })
}

fn patch_object(call: &Call<'_>, name: &str, part: Part) -> Result<Response, ApiError> {
    let (t, ns) = (&call.t, call.ns.as_str());
    let kind = patch_type(call)?;
    let patch_body = patch::parse_body(kind, call.body)?;
    if kind == PatchType::Apply && call.params.get("fieldManager").is_none_or(str::is_empty) {
        return Err(ApiError::bad_request(
            "PATCH request with apply patch type must have a fieldManager query parameter: \
             fieldManager is required for apply patch",
        ));
    }
    // Server-side apply records its own managers; other patches are Update writes.
    let writer = (kind != PatchType::Apply).then(|| call.writer()).flatten();
    let (entry, created) = commit(call.shared, call.dry_run, writer, |store| {
        if kind == PatchType::Apply && part == Part::Main {
            let manager = call.params.get("fieldManager").unwrap_or_default();
            return store.apply(t, ns, name, &patch_body, manager, call.params.flag("force"));
        }
        store
            .update(t, ns, name, part, |current| {
                patch::apply(kind, current, &patch_body)
            })
            .map(|e| (e, false))
    })?;
    let code = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(call.respond(code, &entry))
}

/// Runs a change by `writer` (the field manager its `managedFields` entry names), or
/// with `dryRun=All` runs it on a copy and keeps nothing.
fn commit<T>(
    shared: &Shared,
    dry_run: bool,
    writer: Option<String>,
    change: impl FnOnce(&mut Store) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let as_writer = |store: &mut Store| {
        store.writer = writer;
        let out = change(store);
        store.writer = None;
        out
    };
    if dry_run {
        let mut scratch = shared.store().clone();
        return as_writer(&mut scratch);
    }
    shared.mutate(as_writer)
}

/// A request body: JSON, or YAML when the client says so.
fn parse_object(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let yaml = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("yaml"));
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("the body is not UTF-8 text"))?;
    let value: Value = if yaml {
        serde_saphyr::from_str(text)
            .map_err(|err| ApiError::bad_request(format!("error decoding YAML: {err}")))?
    } else {
        serde_json::from_str(text).map_err(|err| {
            ApiError::bad_request(format!("the body of the request is not valid JSON: {err}"))
        })?
    };
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request was not an object",
        ));
    }
    Ok(value)
}

/// A continue token: the list's resourceVersion, the last key it returned and how many
/// items came before (for `remainingItemCount`), as hex so that it is opaque and
/// URL-safe.
fn encode_continue(rv: u64, ns: &str, name: &str, offset: usize) -> String {
    let text = serde_json::json!({"v": "meta.k8s.io/v1", "rv": rv,
        "start": format!("{ns}/{name}"), "offset": offset})
    .to_string();
    text.bytes().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

fn decode_continue(token: &str) -> Option<(u64, String, String, usize)> {
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| {
            token
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    let value: Value = serde_json::from_slice(&bytes?).ok()?;
    let rv = value.get("rv")?.as_u64()?;
    let (ns, name) = value.get("start")?.as_str()?.split_once('/')?;
    let offset = value.get("offset").and_then(Value::as_u64).unwrap_or(0) as usize;
    Some((rv, ns.to_owned(), name.to_owned(), offset))
}

/// One object of a table, with its key.
type TableItem<'a> = (&'a (String, String), &'a Arc<Entry>);

/// Items of a map by `(namespace, name)` in key order, with a look ahead.
type Items<'a, V> =
    std::iter::Peekable<Box<dyn Iterator<Item = (&'a (String, String), &'a V)> + 'a>>;

/// The items of `map` after `start` (or all), within `namespace` (or all).
fn bounded<'a, V>(
    map: &'a BTreeMap<(String, String), V>,
    start: Option<&(String, String)>,
    namespace: Option<&'a str>,
) -> Box<dyn Iterator<Item = (&'a (String, String), &'a V)> + 'a> {
    use std::ops::Bound::{Excluded, Included, Unbounded};
    let lower = match (start, namespace) {
        (Some(after), _) => Excluded(after.clone()),
        (None, Some(ns)) => Included((ns.to_owned(), String::new())),
        (None, None) => Unbounded,
    };
    Box::new(
        map.range((lower, Unbounded))
            .take_while(move |((ns, _), _)| namespace.is_none_or(|want| want == ns)),
    )
}

/// The current objects with the changed ones replaced by their earlier state (`None`:
/// the object did not exist then), in key order.
fn as_of<'a>(
    mut now: Items<'a, Arc<Entry>>,
    mut then: Items<'a, Option<Arc<Entry>>>,
) -> impl Iterator<Item = TableItem<'a>> {
    std::iter::from_fn(move || {
        loop {
            let (take_then, same) = match (now.peek(), then.peek()) {
                (None, None) => return None,
                (Some(_), None) => (false, false),
                (None, Some(_)) => (true, false),
                (Some((current, _)), Some((earlier, _))) => {
                    (earlier <= current, earlier == current)
                }
            };
            if same {
                now.next();
            }
            if !take_then {
                return now.next();
            }
            if let Some((key, Some(entry))) = then.next() {
                return Some((key, entry));
            }
        }
    })
}

fn list(
    shared: &Shared,
    t: &ResourceType,
    api_version: &str,
    namespace: Option<&str>,
    filter: &Filter,
    params: &Params,
    shape: Shape,
) -> Result<Response, ApiError> {
    let limit = match params.get("limit") {
        Some(l) => l
            .parse::<usize>()
            .map_err(|_| ApiError::bad_request(format!("invalid limit: `{l}`")))?,
        None => 0,
    };
    let store = shared.store();
    let (list_rv, start, offset) = match params.get("continue").filter(|c| !c.is_empty()) {
        Some(token) => {
            let (rv, ns, name, offset) = decode_continue(token)
                .ok_or_else(|| ApiError::bad_request("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"))?;
            if rv < store.compacted {
                return Err(ApiError::expired(
                    "The provided continue parameter is too old to display a consistent list result. \
                     You can start a new list without the continue parameter, or use the continue token \
                     in this response to retrieve the remainder of the results. Continuing with the provided \
                     token results in an inconsistent list - objects that were created, modified, or deleted \
                     between the time the first chunk was returned and now may show up in the list.",
                ));
            }
            (rv, Some((ns, name)), offset)
        }
        None => (store.rv, None, 0),
    };
    let empty = super::store::Table::new();
    let stored = store.table(t).unwrap_or(&empty);
    // Later pages show the list as it was at the first page's resourceVersion: the
    // objects changed since are taken back to their state then, from the history.
    let mut then: BTreeMap<(String, String), Option<Arc<Entry>>> = BTreeMap::new();
    if start.is_some() && list_rv < store.rv {
        let resource = t.key();
        for event in store.events_after(list_rv).into_iter().flatten() {
            if event.resource == resource {
                then.entry((event.namespace.clone(), event.name.clone()))
                    .or_insert_with(|| event.prev.clone());
            }
        }
    }
    let now = bounded(stored, start.as_ref(), namespace).peekable();
    let changed = bounded(&then, start.as_ref(), namespace).peekable();
    let range = as_of(now, changed);
    let mut matching = range.filter(|(_, e)| e.matches(filter));
    let mut items = String::with_capacity(64 * 1024);
    let mut count = 0;
    let mut last = None;
    for (key, entry) in matching.by_ref() {
        if count > 0 {
            items.push(',');
        }
        match shape {
            Shape::Table(include) => items.push_str(&table::row(entry, t, api_version, include)),
            _ => items.push_str(&render_item(entry, t, api_version, shape)),
        }
        count += 1;
        if limit > 0 && count == limit {
            last = Some(key.clone());
            break;
        }
    }
    let mut meta = format!("{{\"resourceVersion\":\"{list_rv}\"");
    if let Some((ns, name)) = last
        && matching.next().is_some()
    {
        let offset = offset + count;
        let _ = write!(
            meta,
            ",\"continue\":\"{}\"",
            encode_continue(list_rv, &ns, &name, offset)
        );
        // Like the real server, an estimate, and only for lists without selectors.
        if filter.is_empty() {
            let total = match namespace {
                None => stored.len(),
                Some(ns) => stored
                    .range((ns.to_owned(), String::new())..)
                    .take_while(|((n, _), _)| n == ns)
                    .count(),
            };
            let remaining = total.saturating_sub(offset).max(1);
            let _ = write!(meta, ",\"remainingItemCount\":{remaining}");
        }
    }
    meta.push('}');
    let out = match shape {
        Shape::Table(_) => format!("{}{items}]}}", table::head(&meta)),
        Shape::Metadata => format!(
            "{{\"kind\":\"PartialObjectMetadataList\",\"apiVersion\":\"meta.k8s.io/v1\",\"metadata\":{meta},\"items\":[{items}]}}"
        ),
        Shape::Full => format!(
            "{{\"kind\":\"{}List\",\"apiVersion\":\"{api_version}\",\"metadata\":{meta},\"items\":[{items}]}}",
            t.kind
        ),
    };
    Ok(json_response(StatusCode::OK, out))
}

fn delete_collection(
    shared: &Shared,
    t: &ResourceType,
    api_version: &str,
    namespace: Option<&str>,
    filter: &Filter,
    dry_run: bool,
) -> Result<Response, ApiError> {
    let deleted = commit(shared, dry_run, None, |store| {
        let keys: Vec<(String, String)> = store
            .table(t)
            .map(|table| {
                table
                    .iter()
                    .filter(|((ns, _), e)| {
                        namespace.is_none_or(|want| want == ns) && e.matches(filter)
                    })
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default();
        let mut deleted = Vec::new();
        for (ns, name) in keys {
            deleted.push(store.delete(t, &ns, &name, None, None)?.0);
        }
        Ok((deleted, store.rv))
    })?;
    let (entries, rv) = deleted;
    let items: Vec<Cow<'_, str>> = entries
        .iter()
        .map(|e| render_item(e, t, api_version, Shape::Full))
        .collect();
    let body = format!(
        "{{\"kind\":\"{}List\",\"apiVersion\":\"{api_version}\",\"metadata\":{{\"resourceVersion\":\"{rv}\"}},\"items\":[{}]}}",
        t.kind,
        items.join(",")
    );
    Ok(json_response(StatusCode::OK, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(path: &str) -> ResourcePath {
        match route(path) {
            Route::Resource(p) => p,
            _ => panic!("`{path}` is not a resource path"),
        }
    }

    #[test]
    fn paths_name_group_namespace_resource_and_subresource() {
        let p = resource("/api/v1/namespaces/shop/pods/web-1/log");
        assert_eq!(
            (
                p.group.as_str(),
                p.version.as_str(),
                p.namespace.as_deref(),
                p.plural.as_str()
            ),
            ("", "v1", Some("shop"), "pods")
        );
        assert_eq!(
            (p.name.as_deref(), p.sub.as_deref()),
            (Some("web-1"), Some("log"))
        );

        let p = resource("/apis/apps/v1/deployments");
        assert_eq!(
            (p.group.as_str(), p.namespace, p.name),
            ("apps", None, None)
        );

        // A Namespace and its own subresources, not resources inside it.
        let p = resource("/api/v1/namespaces/shop");
        assert_eq!(
            (p.plural.as_str(), p.name.as_deref()),
            ("namespaces", Some("shop"))
        );
        let p = resource("/api/v1/namespaces/shop/status");
        assert_eq!((p.namespace, p.sub.as_deref()), (None, Some("status")));
        let p = resource("/api/v1/namespaces/shop/configmaps");
        assert_eq!(
            (p.namespace.as_deref(), p.plural.as_str()),
            (Some("shop"), "configmaps")
        );

        assert!(matches!(route("/apis/apps/v1"), Route::Resources { .. }));
        assert!(matches!(route("/apis/apps"), Route::Group(_)));
        assert!(matches!(route("/api/v1/pods/a/b/c"), Route::NotFound));
    }

    #[test]
    fn continue_tokens_round_trip() {
        let token = encode_continue(42, "shop", "web-1", 500);
        assert_eq!(
            decode_continue(&token),
            Some((42, "shop".into(), "web-1".into(), 500))
        );
        assert_eq!(decode_continue("zz"), None);
    }
}
