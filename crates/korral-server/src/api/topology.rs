//! `GET /api/v1/clusters/{cluster}/topology`: the graph, as `korral topology -o json`
//! writes it.

use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use korral_topology::{Focus, Format, InferOptions, Relation, View, export, infer};
use serde::Deserialize;

use super::{cluster, current_objects};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Which part of the graph.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TopologyQuery {
    /// Only this namespace (and the cluster-scoped objects it uses).
    pub(super) namespace: Option<String>,
    /// Only objects these labels select (`app=web,tier!=db`).
    selector: Option<String>,
    /// One object and its neighbourhood: `KIND/NAME` or `KIND/NAMESPACE/NAME`.
    focus: Option<String>,
    /// With `focus` or `selector`: how many hops to follow (default 1).
    depth: Option<usize>,
    /// Only these relations, comma-separated (`owns,selects`).
    relation: Option<String>,
    /// The graph as it was at this time (RFC 3339, or `-15m`), read from the store.
    pub(super) at: Option<String>,
}

impl TopologyQuery {
    pub(super) fn view(&self) -> ApiResult<View> {
        let selector = super::selector(self.selector.as_deref())?;
        let focus = self
            .focus
            .as_deref()
            .map(str::parse::<Focus>)
            .transpose()
            .map_err(|e| ApiError::bad_request(format!("focus: {e}")))?;
        let relations = self
            .relation
            .as_deref()
            .filter(|r| !r.is_empty())
            .map(|r| {
                r.split(',')
                    .map(|r| r.trim().parse::<Relation>())
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()
            .map_err(|e| ApiError::bad_request(format!("relation: {e}")))?;
        Ok(View {
            namespace: self.namespace.clone(),
            selector,
            focus,
            depth: Some(self.depth.unwrap_or(1).min(64)),
            relations,
        })
    }
}

/// The topology graph: nodes, edges and problems, in the JSON contract of `korral
/// topology -o json`.
#[utoipa::path(get, path = "/api/v1/clusters/{cluster}/topology", tag = "topology",
    params(("cluster" = String, Path, description = "a name from /api/v1/clusters"), TopologyQuery),
    responses((status = 200, description = "the graph (korral topology -o json)", body = serde_json::Value),
              (status = 400, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn topology(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<TopologyQuery>,
) -> ApiResult<impl IntoResponse> {
    let view = query.view()?;
    let set = match &query.at {
        Some(at) => {
            super::history::objects_at(&state, &name, at, query.namespace.as_deref()).await?
        }
        None => current_objects(&*cluster(&state, &name)?),
    };
    // Inference reads every object: off the async threads.
    let body = tokio::task::spawn_blocking(move || -> ApiResult<Vec<u8>> {
        let graph = infer(&set, InferOptions::default());
        let graph = if view.is_everything() {
            graph
        } else {
            view.apply(&graph, &set)
                .map_err(|e| ApiError::bad_request(e.to_string()))?
        };
        let mut out = Vec::new();
        export(&graph, Format::Json, &mut out).map_err(ApiError::internal)?;
        Ok(out)
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(([(CONTENT_TYPE, "application/json")], body))
}
