//! `GET /api/v1/clusters`.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::state::AppState;

/// One cluster served.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClusterSummary {
    /// The kube context's name, or the `-f` path: the `{cluster}` of the other routes.
    name: String,
    /// The API server's URL (live clusters only).
    #[serde(skip_serializing_if = "Option::is_none")]
    server: Option<String>,
    /// Files, dumps or a snapshot: apply and logs are refused.
    read_only: bool,
    /// How many objects it holds now.
    objects: usize,
}

/// The clusters served.
#[utoipa::path(get, path = "/api/v1/clusters", tag = "clusters",
    responses((status = 200, body = Vec<ClusterSummary>), (status = 401, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn list(State(state): State<AppState>) -> Json<Vec<ClusterSummary>> {
    Json(
        state
            .clusters
            .all()
            .iter()
            .map(|c| ClusterSummary {
                name: c.name.clone(),
                server: c.server.clone(),
                read_only: c.read_only,
                objects: c.read(korral_topology::LiveGraph::len),
            })
            .collect(),
    )
}
