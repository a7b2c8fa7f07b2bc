//! korral-jobs' integration tests, one binary: the controller against the Kubernetes
//! API test server with its controller simulation (Jobs, a kubelet driven by image
//! tags, garbage collection).
//!
//! - `util`: the harness (a server, a client, the CRDs, a controller to start and stop)
//! - `crds`: the generated CRDs are served and take the hand-written examples
//! - `runs`: attempts, retries, the dead-letter queue, cleanup, restarts
//! - `queues`: priority order with room for one
//! - `workflows`: a diamond DAG, and one stopped by a failure
//! - `schedules`: a schedule firing on an injected clock

mod crds;
mod queues;
mod runs;
mod schedules;
mod util;
mod workflows;
