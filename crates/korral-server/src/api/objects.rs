//! `GET /api/v1/clusters/{cluster}/objects[/{kind}/{name}]`: objects as JSON or YAML,
//! Secrets' values redacted unless the server was started to show them.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use korral_core::{Object, is_secret, redact_secret};
use korral_topology::kind_is;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{cluster, shown};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// At most this many objects in one answer; `continue` pages on.
const MAX_LIMIT: usize = 5000;
const DEFAULT_LIMIT: usize = 500;

/// Which objects.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQuery {
    /// A kind as kubectl takes it: `Deployment`, `deployments`, `deploy`, `deployment.apps`.
    kind: Option<String>,
    /// Only this namespace.
    namespace: Option<String>,
    /// Only objects these labels select (`app=web`).
    selector: Option<String>,
    /// At most this many (default 500, at most 5000).
    limit: Option<usize>,
    /// Where the previous page ended (its `continue`).
    #[serde(rename = "continue")]
    continue_: Option<String>,
    /// `json` (the default) or `yaml`; or send `Accept: application/yaml`.
    format: Option<String>,
}

/// Which object, and how.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct GetQuery {
    /// Its namespace (none for cluster-scoped objects).
    namespace: Option<String>,
    /// `json` (the default) or `yaml`; or send `Accept: application/yaml`.
    format: Option<String>,
}

/// Whether the client asked for YAML.
fn wants_yaml(format: Option<&str>, headers: &HeaderMap) -> ApiResult<bool> {
    match format {
        Some(f) if f.eq_ignore_ascii_case("yaml") => Ok(true),
        Some(f) if f.eq_ignore_ascii_case("json") => Ok(false),
        Some(f) => Err(ApiError::bad_request(format!(
            "format `{}` is not known; use json or yaml",
            shown(f)
        ))),
        None => Ok(headers
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("yaml") && !v.contains("json"))),
    }
}

/// `value` as JSON or YAML.
pub(crate) fn respond(value: &Value, yaml: bool) -> ApiResult<Response> {
    if yaml {
        let text = serde_saphyr::to_string(value).map_err(ApiError::internal)?;
        Ok(([(CONTENT_TYPE, "application/yaml")], text).into_response())
    } else {
        Ok(axum::Json(value).into_response())
    }
}

/// The object as served: a Secret's values removed unless the server shows them.
fn shown_object(object: &Object, show_secret_values: bool) -> Value {
    let mut value = object.raw().to_value();
    if !show_secret_values && is_secret(&value) {
        redact_secret(&mut value);
    }
    value
}

/// Objects by kind, namespace and labels, sorted by kind, namespace and name; a page of
/// `limit`, with `continue` for the next.
#[utoipa::path(get, path = "/api/v1/clusters/{cluster}/objects", tag = "objects",
    params(("cluster" = String, Path, description = "a name from /api/v1/clusters"), ListQuery),
    responses((status = 200, description = "`{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[…],\"metadata\":{\"continue\":…}}`", body = serde_json::Value),
              (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn list(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let yaml = wants_yaml(query.format.as_deref(), &headers)?;
    let selector = super::selector(query.selector.as_deref())?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let start: usize = match query.continue_.as_deref() {
        None | Some("") => 0,
        Some(token) => token.parse().map_err(|_| {
            ApiError::bad_request(
                "continue is not a token this server gave; start again without it",
            )
        })?,
    };
    let view = cluster(&state, &name)?;
    let show = state.options.show_secret_values;
    // Under the read lock, only what the page needs: no copy of the whole cluster.
    let (page, total) = view.read(|graph| {
        let mut matching: Vec<&Object> = graph
            .objects()
            .filter(|o| {
                query
                    .kind
                    .as_deref()
                    .is_none_or(|k| kind_is(k, o.kind(), o.group()))
                    && query
                        .namespace
                        .as_deref()
                        .is_none_or(|ns| o.namespace() == Some(ns))
                    && selector.as_ref().is_none_or(|s| s.matches(o.labels()))
            })
            .collect();
        matching.sort_by_cached_key(|o| o.key());
        let total = matching.len();
        let page: Vec<Item> = matching
            .iter()
            .skip(start)
            .take(limit)
            .map(|o| Item::of(o, show, yaml))
            .collect();
        (page, total)
    });
    let next = start + page.len();
    let mut metadata = json!({});
    if next < total {
        metadata["continue"] = next.to_string().into();
        metadata["remainingItemCount"] = (total - next).into();
    }
    if yaml {
        let items: Vec<Value> = page.into_iter().map(Item::into_value).collect();
        return respond(
            &json!({"apiVersion": "v1", "kind": "List", "metadata": metadata, "items": items}),
            true,
        );
    }
    // The objects' own JSON text, as read: no parse and re-print of every item.
    let mut body = format!(r#"{{"apiVersion":"v1","kind":"List","metadata":{metadata},"items":["#);
    for (i, item) in page.into_iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&item.into_text());
    }
    body.push_str("]}");
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}

/// One listed object: its JSON text, or (for YAML, or a Secret to redact) its value.
enum Item {
    Text(String),
    Value(Value),
}

impl Item {
    fn of(object: &Object, show_secret_values: bool, yaml: bool) -> Self {
        let secret = object.group().is_empty() && object.kind() == "Secret";
        if yaml || (secret && !show_secret_values) {
            Self::Value(shown_object(object, show_secret_values))
        } else {
            Self::Text(object.raw().as_str().to_owned())
        }
    }

    fn into_value(self) -> Value {
        match self {
            Self::Text(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
            Self::Value(value) => value,
        }
    }

    fn into_text(self) -> String {
        match self {
            Self::Text(text) => text,
            Self::Value(value) => value.to_string(),
        }
    }
}

/// One object, as JSON or YAML.
#[utoipa::path(get, path = "/api/v1/clusters/{cluster}/objects/{kind}/{name}", tag = "objects",
    params(("cluster" = String, Path, description = "a name from /api/v1/clusters"),
           ("kind" = String, Path, description = "a kind as kubectl takes it (deploy, deployment.apps)"),
           ("name" = String, Path, description = "the object's name"),
           GetQuery),
    responses((status = 200, description = "the object", body = serde_json::Value),
              (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get_one(
    State(state): State<AppState>,
    Path((name, kind, object)): Path<(String, String, String)>,
    Query(query): Query<GetQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let yaml = wants_yaml(query.format.as_deref(), &headers)?;
    let view = cluster(&state, &name)?;
    let found = view.read(|graph| {
        let mut found: Vec<&Object> = graph
            .objects()
            .filter(|o| {
                o.name() == object
                    && o.namespace() == query.namespace.as_deref()
                    && kind_is(&kind, o.kind(), o.group())
            })
            .collect();
        // One kind in two groups (a CRD named like a built-in): the built-in first, as
        // kubectl resolves it.
        found.sort_by_key(|o| (!o.group().is_empty(), o.group().to_owned()));
        found
            .first()
            .map(|o| shown_object(o, state.options.show_secret_values))
    });
    let Some(mut value) = found else {
        return Err(ApiError::not_found(format!(
            "no {} `{}`{} in cluster `{}`",
            shown(&kind),
            shown(&object),
            query
                .namespace
                .as_deref()
                .map(|ns| format!(" in namespace `{}`", shown(ns)))
                .unwrap_or_default(),
            shown(&name)
        )));
    };
    // The graph holds a Secret's digests only; the opt-in reads its values from the
    // cluster, now.
    if state.options.show_secret_values
        && is_secret(&value)
        && let (Some(client), Some(namespace)) =
            (state.kube.get(&view.name), query.namespace.as_deref())
    {
        value = live_secret(client, namespace, &object).await?;
    }
    respond(&value, yaml)
}

/// Whether `name` is a DNS subdomain as Kubernetes names objects and namespaces: safe
/// to put in a request path as it is.
fn is_dns_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && !name.starts_with(['-', '.'])
}

/// A Secret as the cluster holds it now, values and all.
async fn live_secret(
    client: &korral_kube::Client,
    namespace: &str,
    name: &str,
) -> ApiResult<Value> {
    if !is_dns_name(namespace) || !is_dns_name(name) {
        return Err(ApiError::not_found("no such Secret"));
    }
    let request =
        axum::http::Request::get(format!("/api/v1/namespaces/{namespace}/secrets/{name}"))
            .body(Vec::new())
            .map_err(ApiError::internal)?;
    let (_, text) = client
        .send(request, "get", "secrets", Some(namespace))
        .await
        .map_err(|err| match err.status_code() {
            Some(404) => ApiError::not_found(format!(
                "no Secret `{}` in namespace `{}`",
                shown(name),
                shown(namespace)
            )),
            _ => ApiError::upstream(err),
        })?;
    serde_json::from_str(&text).map_err(ApiError::upstream)
}
