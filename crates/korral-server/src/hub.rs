//! Where the recorder publishes changes for WebSocket clients (the recorder helper
//! fills this in).

/// The publish side of live updates. Cheap to clone.
#[derive(Clone, Default)]
pub struct Hub {}
