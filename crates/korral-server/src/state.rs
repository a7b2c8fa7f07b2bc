//! What every request handler shares.

use crate::hub::Hub;
use crate::live::Clusters;

/// The server's shared state. Cheap to clone (`Arc`s inside).
#[derive(Clone, Default)]
pub struct AppState {
    /// The clusters served.
    pub clusters: Clusters,
    /// Live updates for WebSocket clients.
    pub hub: Hub,
}
