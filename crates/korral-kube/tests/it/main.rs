//! korral-kube against the Kubernetes API test server (korral-testkit), through a
//! real kubeconfig and the real kube client.

// Connecting, the version, credentials.
mod client;
// Every listable resource, CRDs included; unavailable groups.
mod discovery;
// Exec credential plugins: run with a time limit, never echoed.
mod exec;
// Hostile servers: silent, trickling, endless bodies and lists, terminal controls.
mod hostile;
// Paged, concurrent lists into an ObjectSet; forbidden and expired lists.
mod list;
// Events, resuming, relisting, permanent errors.
mod watch;
// The test cluster and its kubeconfig.
mod util;
