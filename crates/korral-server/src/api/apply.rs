//! `POST /api/v1/clusters/{cluster}/apply`: manifests through the apply engine (what
//! `korral deploy` and `korral diff` run), with a diff.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use korral_apply::{Change, Cluster, DeployOptions, Error as ApplyError, Manifest, Outcome, Quiet};
use korral_core::Loader;
use serde::{Deserialize, Serialize};

use super::{cluster, shown};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// How to apply.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApplyQuery {
    /// The set's name (`korral deploy NAME`): its objects are tracked, pruned and
    /// rolled back together.
    name: String,
    /// The set's namespace, and where manifests without one go (default: the context's).
    namespace: Option<String>,
    /// Validate with the server and say what would change; change nothing.
    #[serde(default)]
    dry_run: bool,
    /// Delete members of the set the manifests no longer hold.
    #[serde(default)]
    prune: bool,
    /// Wait until the objects are ready (at most 5 minutes; the request's own timeout
    /// may end the wait for the client first, the deploy goes on).
    #[serde(default)]
    wait: bool,
}

/// What an apply did, or would do.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApplyAnswer {
    dry_run: bool,
    /// What changes, object by object, with a unified YAML diff (Secret values masked).
    #[schema(value_type = Vec<Object>)]
    changes: Vec<Change>,
    /// The deploy's outcome (not for a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    outcome: Option<Outcome>,
}

/// Applies YAML or JSON manifests (the request body, several documents allowed) as the
/// set `name`: validated by a server-side dry run first (one bad object changes
/// nothing), then applied in order with server-side apply. `dryRun=true` gives only the
/// diff.
#[utoipa::path(post, path = "/api/v1/clusters/{cluster}/apply", tag = "apply",
    params(("cluster" = String, Path, description = "a name from /api/v1/clusters"), ApplyQuery),
    request_body(content = String, content_type = "application/yaml", description = "manifests, YAML or JSON, several documents allowed"),
    responses((status = 200, body = ApplyAnswer),
              (status = 409, description = "a read-only source", body = crate::error::ErrorBody),
              (status = 413, description = "the body is too large", body = crate::error::ErrorBody),
              (status = 422, description = "the manifests are wrong or were rejected", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn apply(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<ApplyQuery>,
    body: String,
) -> ApiResult<Json<ApplyAnswer>> {
    let view = cluster(&state, &name)?;
    let Some(client) = state.kube.get(&view.name).cloned() else {
        return Err(ApiError::read_only(format!(
            "cluster `{}` is served read-only from files (korral serve -f): nothing can be applied to it; serve a live context to apply",
            shown(&name)
        )));
    };
    let set = Loader::load_str("<request>", &body).map_err(|e| unprocessable(e.to_string()))?;
    if set.is_empty() {
        return Err(unprocessable(
            "the body holds no manifests; send YAML or JSON objects",
        ));
    }
    let manifests: Vec<Manifest> = set
        .objects()
        .iter()
        .map(|o| Manifest::new(o.raw().to_value(), set.location(o)))
        .collect();
    let namespace = query
        .namespace
        .clone()
        .unwrap_or_else(|| client.default_namespace().to_owned());
    let mut options = DeployOptions::new(query.name.clone(), namespace);
    options.prune = query.prune;
    options.wait = query.wait;
    options.dry_run = query.dry_run;
    let dry_run = query.dry_run;
    // The engine's futures are not `Send` (a known limit of the compiler with closures
    // over borrowed items), so the work runs on a blocking thread that drives it.
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        handle.block_on(async move {
            let mut cluster = Cluster::connect(client).await.map_err(engine_error)?;
            let changes = korral_apply::diff(&cluster, manifests.clone(), &options)
                .await
                .map_err(engine_error)?;
            let outcome = if dry_run {
                None
            } else {
                Some(
                    korral_apply::deploy(&mut cluster, manifests, &options, &mut Quiet)
                        .await
                        .map_err(engine_error)?,
                )
            };
            Ok(Json(ApplyAnswer {
                dry_run,
                changes,
                outcome,
            }))
        })
    })
    .await
    .map_err(ApiError::internal)?
}

fn unprocessable(message: impl Into<String>) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_manifests",
        message,
    )
}

/// The engine's errors about the manifests are the client's to fix (422, with the
/// server's words); the rest are the cluster's (502, details in the log).
fn engine_error(err: ApplyError) -> ApiError {
    match err {
        ApplyError::Rejected { .. }
        | ApplyError::Conflict { .. }
        | ApplyError::UnknownKind { .. }
        | ApplyError::Manifest { .. }
        | ApplyError::BadName(_) => unprocessable(err.to_string()),
        other => ApiError::upstream(other),
    }
}
