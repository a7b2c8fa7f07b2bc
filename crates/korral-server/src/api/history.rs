//! History from the store: one object's versions, changes in a window, and the objects
//! as they were at a time (`topology?at=`).

use axum::Json;
use axum::extract::{Path, Query, State};
use jiff::{SignedDuration, Timestamp};
use korral_core::{Object, ObjectSet};
use korral_store::{ChangeFilter, ClusterId, ObjectRef, Store};
use korral_topology::kind_is;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{cluster, shown};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// At most this many changes in one answer.
const MAX_CHANGES: usize = 5000;

/// Which object.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct HistoryQuery {
    /// Its kind (`ConfigMap`, `deploy`, `deployment.apps`).
    kind: String,
    /// Its name.
    name: String,
    /// Its namespace (none for cluster-scoped objects).
    namespace: Option<String>,
    /// Only versions since (RFC 3339, or `-2h`).
    since: Option<String>,
}

/// Which changes.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ChangesQuery {
    /// Since (RFC 3339, or `-30m`; default the last hour).
    since: Option<String>,
    /// Until (RFC 3339, or `-5m`; default now).
    until: Option<String>,
    /// Only this namespace.
    namespace: Option<String>,
    /// Only these kinds, comma-separated.
    kind: Option<String>,
    /// Only objects these labels select.
    selector: Option<String>,
    /// At most this many, the newest (default 500, at most 5000).
    limit: Option<usize>,
}

/// A time as a client writes it: RFC 3339 (`2026-12-06T10:00:00Z`), or a duration back
/// from now (`-15m`, `2h`, `1h30m`), as `korral topology --at` takes it.
pub fn parse_when(text: &str, now: Timestamp) -> Result<Timestamp, String> {
    let text = text.trim();
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at);
    }
    let wrong = || {
        format!(
            "`{}` is not a time; write RFC 3339 (2026-12-06T10:00:00Z) or a duration back from now (-15m, 2h)",
            shown(text)
        )
    };
    let back: SignedDuration = text
        .strip_prefix('-')
        .unwrap_or(text)
        .parse()
        .map_err(|_| wrong())?;
    if back.is_negative() {
        return Err(wrong());
    }
    now.checked_sub(back).map_err(|_| wrong())
}

fn when(name: &str, text: Option<&str>) -> ApiResult<Option<Timestamp>> {
    text.map(|t| parse_when(t, Timestamp::now()))
        .transpose()
        .map_err(|e| ApiError::bad_request(format!("{name}: {e}")))
}

/// The store and the cluster's id in it, or 409 for a server without one.
async fn store_of(state: &AppState, name: &str) -> ApiResult<(Store, ClusterId)> {
    let view = cluster(state, name)?;
    let Some(store) = state.store.clone() else {
        return Err(ApiError::read_only(format!(
            "cluster `{}` is served as it is (korral serve -f) and keeps no history; `korral serve --context` records one",
            shown(name)
        )));
    };
    let id = store
        .cluster(&view.name)
        .await
        .map_err(ApiError::internal)?;
    Ok((store, id))
}

/// One object's versions, oldest first, each whole (Secret values as digests), with the
/// field managers that made each change.
#[utoipa::path(get, path = "/api/v1/clusters/{cluster}/history", tag = "history",
    params(("cluster" = String, Path, description = "a name from /api/v1/clusters"), HistoryQuery),
    responses((status = 200, description = "`{\"versions\":[{\"seq\",\"at\",\"change\",\"resourceVersion\",\"managers\",\"object\"}]}`", body = serde_json::Value),
              (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody),
              (status = 409, description = "no store (a -f source)", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn history(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> ApiResult<Json<Value>> {
    let since = when("since", query.since.as_deref())?;
    let (store, id) = store_of(&state, &name).await?;
    let (group, kind) = resolve_kind(&state, &name, &query.kind)?;
    let object = ObjectRef {
        group,
        kind,
        namespace: query.namespace.clone(),
        name: query.name.clone(),
    };
    let versions = store
        .history(id, &object, since)
        .await
        .map_err(ApiError::internal)?;
    let versions: Vec<Value> = versions
        .into_iter()
        .map(|v| {
            json!({
                "seq": v.seq,
                "at": v.at.to_string(),
                "change": v.change.as_str(),
                "resourceVersion": v.resource_version,
                "managers": v.managers,
                "object": v.object,
            })
        })
        .collect();
    Ok(Json(json!({ "versions": versions })))
}

/// The group and kind a client's kind names: `kind.group` as written, else the kind of
/// an object the cluster holds now (`deploy` → apps/Deployment), else as written.
fn resolve_kind(state: &AppState, name: &str, query: &str) -> ApiResult<(String, String)> {
    if query.is_empty() {
        return Err(ApiError::bad_request("kind is required"));
    }
    let view = cluster(state, name)?;
    let known = view.read(|graph| {
        graph
            .objects()
            .find(|o| kind_is(query, o.kind(), o.group()))
            .map(|o| (o.group().to_owned(), o.kind().to_owned()))
    });
    Ok(known.unwrap_or_else(|| match query.split_once('.') {
        Some((kind, group)) => (group.to_owned(), kind.to_owned()),
        None => (String::new(), query.to_owned()),
    }))
}

/// Changes in a window, newest first.
#[utoipa::path(get, path = "/api/v1/clusters/{cluster}/changes", tag = "history",
    params(("cluster" = String, Path, description = "a name from /api/v1/clusters"), ChangesQuery),
    responses((status = 200, description = "`{\"changes\":[{\"seq\",\"at\",\"change\",\"group\",\"kind\",\"namespace\",\"name\",\"resourceVersion\",\"managers\"}]}`", body = serde_json::Value),
              (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody),
              (status = 409, description = "no store (a -f source)", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn changes(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<ChangesQuery>,
) -> ApiResult<Json<Value>> {
    let now = Timestamp::now();
    let since = when("since", query.since.as_deref())?
        .or_else(|| now.checked_sub(SignedDuration::from_hours(1)).ok());
    let until = when("until", query.until.as_deref())?;
    let selector = super::selector(query.selector.as_deref())?;
    let (store, id) = store_of(&state, &name).await?;
    let filter = ChangeFilter {
        since,
        until,
        namespace: query.namespace,
        kinds: query
            .kind
            .as_deref()
            .map(|k| {
                k.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        selector,
        limit: Some(query.limit.unwrap_or(500).clamp(1, MAX_CHANGES)),
    };
    let changes = store
        .changes(id, &filter)
        .await
        .map_err(ApiError::internal)?;
    let changes: Vec<Value> = changes
        .into_iter()
        .map(|c| {
            json!({
                "seq": c.seq,
                "at": c.at.to_string(),
                "change": c.change.as_str(),
                "group": c.group,
                "kind": c.kind,
                "namespace": c.namespace,
                "name": c.name,
                "resourceVersion": c.resource_version,
                "managers": c.managers,
            })
        })
        .collect();
    Ok(Json(json!({ "changes": changes })))
}

/// The objects of cluster `name` as they were at `at`, from the store.
pub(crate) async fn objects_at(
    state: &AppState,
    name: &str,
    at: &str,
    namespace: Option<&str>,
) -> ApiResult<ObjectSet> {
    let at =
        parse_when(at, Timestamp::now()).map_err(|e| ApiError::bad_request(format!("at: {e}")))?;
    let (store, id) = store_of(state, name).await?;
    let filter = ChangeFilter {
        namespace: namespace.map(str::to_owned),
        ..ChangeFilter::default()
    };
    let values = store
        .objects_at(id, at, &filter)
        .await
        .map_err(ApiError::internal)?;
    let objects = values
        .iter()
        .filter_map(|v| {
            Object::from_json(
                &v.to_string(),
                korral_core::Source {
                    file: korral_core::FileId(0),
                    line: 0,
                },
            )
            .ok()
        })
        .collect();
    Ok(ObjectSet::from_objects(objects, Vec::new(), Vec::new()))
}

/// What the store holds, for `/metrics`: versions by cluster and its size (none when
/// there is no store, or it does not answer).
pub(crate) async fn store_figures(state: &AppState) -> Option<super::metrics::StoreFigures> {
    let store = state.store.as_ref()?;
    let clusters = store.clusters().await.ok()?;
    Some(super::metrics::StoreFigures {
        versions: clusters.into_iter().map(|c| (c.name, c.versions)).collect(),
        bytes: store.size_bytes().await.ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_or_back_from_now() {
        let now: Timestamp = "2026-12-06T12:00:00Z".parse().unwrap();
        assert_eq!(
            parse_when("-15m", now).unwrap(),
            "2026-12-06T11:45:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            parse_when("2026-12-06T10:00:00Z", now).unwrap(),
            "2026-12-06T10:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert!(
            parse_when("yesterday", now)
                .unwrap_err()
                .contains("RFC 3339")
        );
        assert!(parse_when("-forever", now).is_err());
    }
}
