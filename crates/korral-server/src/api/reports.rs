//! Status, events and audit findings of a cluster: the reports of `korral status`,
//! `korral events` and `korral audit`, from the same libraries.

use axum::Json;
use axum::extract::{Path, Query, State};
use korral_audit::{Severity, Standard};
use korral_status::{EventLine, event_lines};
use serde::Deserialize;

use super::{cluster, current_objects, shown};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// One namespace, or all.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct StatusQuery {
    /// Only this namespace (nodes are always shown).
    namespace: Option<String>,
}

/// The health report: nodes, workloads short of replicas, failing pods with reasons,
/// claims, jobs, recent warnings (`korral status -o json`).
#[utoipa::path(get, path = "/api/v1/clusters/{cluster}/status", tag = "reports",
    params(("cluster" = String, Path, description = "a name from /api/v1/clusters"), StatusQuery),
    responses((status = 200, description = "the report (korral status -o json)", body = serde_json::Value),
              (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn status(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<StatusQuery>,
) -> ApiResult<Json<korral_status::Report>> {
    let view = cluster(&state, &name)?;
    let set = current_objects(&view);
    let read_only = view.read_only;
    let report = tokio::task::spawn_blocking(move || {
        // A dump is judged at the time it was taken, a live cluster now.
        let mut options = if read_only {
            korral_status::Options::for_snapshot(&set)
        } else {
            korral_status::Options::live()
        };
        options.namespace = query.namespace;
        korral_status::analyze(&set, &options)
    })
    .await
    .map_err(ApiError::internal)?;
    Ok(Json(report))
}

/// Which events.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct EventsQuery {
    /// Only this namespace.
    namespace: Option<String>,
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    kind: Option<String>,
}

/// Events, oldest first (`korral events -o json`).
#[utoipa::path(get, path = "/api/v1/clusters/{cluster}/events", tag = "reports",
    params(("cluster" = String, Path, description = "a name from /api/v1/clusters"), EventsQuery),
    responses((status = 200, description = "event lines (korral events -o json)", body = serde_json::Value),
              (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn events(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<EventsQuery>,
) -> ApiResult<Json<Vec<EventLine>>> {
    if let Some(kind) = &query.kind
        && !matches!(kind.as_str(), "Normal" | "Warning")
    {
        return Err(ApiError::bad_request(format!(
            "type `{}` is not an event type; use Normal or Warning",
            shown(kind)
        )));
    }
    let view = cluster(&state, &name)?;
    let mut lines = view.read(|graph| {
        event_lines(graph.objects().filter(|o| {
            o.kind() == "Event"
                && query
                    .namespace
                    .as_deref()
                    .is_none_or(|ns| o.namespace() == Some(ns))
        }))
    });
    lines.retain(|l| query.kind.as_ref().is_none_or(|k| *k == l.kind));
    Ok(Json(lines))
}

/// Which findings.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuditQuery {
    /// Only this namespace (cluster-scoped objects are left out).
    namespace: Option<String>,
    /// Only rules of these standards, comma-separated: pss-baseline, pss-restricted,
    /// nsa, cis, best-practice.
    standard: Option<String>,
    /// Only findings at or above this severity: info, low, medium, high, critical.
    min_severity: Option<String>,
}

/// Audit findings (`korral audit -o json`): `{"findings":[…],"summary":{…}}`.
#[utoipa::path(get, path = "/api/v1/clusters/{cluster}/audit", tag = "reports",
    params(("cluster" = String, Path, description = "a name from /api/v1/clusters"), AuditQuery),
    responses((status = 200, description = "the report (korral audit -o json)", body = serde_json::Value),
              (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn audit(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Json<korral_audit::Report>> {
    let mut options = korral_audit::Options {
        namespace: query.namespace,
        ..korral_audit::Options::default()
    };
    if let Some(standards) = &query.standard {
        for s in standards
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let standard: Standard = s.parse().map_err(|e: korral_audit::Error| {
                ApiError::bad_request(format!("standard: {}", shown(&e.to_string())))
            })?;
            options.standards.push(standard);
        }
    }
    if let Some(severity) = &query.min_severity {
        options.min_severity = severity.parse::<Severity>().map_err(|e| {
            ApiError::bad_request(format!("minSeverity: {}", shown(&e.to_string())))
        })?;
    }
    let view = cluster(&state, &name)?;
    let set = current_objects(&view);
    let report = tokio::task::spawn_blocking(move || korral_audit::audit(&set, &options))
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(report))
}
