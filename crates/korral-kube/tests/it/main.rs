//! korral-kube against the Kubernetes API test server (korral-testkit), through a
//! real kubeconfig and the real kube client.

// Connecting, the version, credentials.
mod client;
// Every listable resource, CRDs included; unavailable groups.
mod discovery;
// Paged, concurrent lists into an ObjectSet; forbidden and expired lists.
mod list;
// Events, resuming, relisting, permanent errors.
mod watch;
// The test cluster and its kubeconfig.
mod util;
