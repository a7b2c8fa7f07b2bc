//! PSS baseline: probes and lifecycle handlers that name a host.

use serde_json::Value;

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "PSB012",
    name: "probe-host",
    severity: Severity::Medium,
    standards: &[Standard::PssBaseline, Standard::PssRestricted],
    summary: "Probes and lifecycle handlers must not set `host` (`httpGet.host`, `tcpSocket.host`); the baseline level checks this from Kubernetes 1.34.",
    why: "The kubelet makes the request from the node: a host in a probe or a lifecycle hook lets a pod make the node reach any address, including the node's own services and cloud metadata endpoints.",
    example: "livenessProbe:\n  httpGet:\n    host: 169.254.169.254\n    path: /latest/meta-data\n    port: 80",
    fix: "Remove `host`: the kubelet then probes the pod's own IP. Use the `Host` HTTP header (`httpGet.httpHeaders`) when the application needs a virtual host name.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    if pod.cx.kube_version < (1, 34) {
        return;
    }
    for c in pod.containers() {
        for handler in [
            "livenessProbe",
            "readinessProbe",
            "startupProbe",
            "lifecycle.postStart",
            "lifecycle.preStop",
        ] {
            let at = handler.split('.').try_fold(c.value, |v, key| v.get(key));
            for action in ["httpGet", "tcpSocket"] {
                let host = at
                    .and_then(|h| h.get(action))
                    .and_then(|a| a.get("host"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !host.is_empty() {
                    emit.at(
                        pod.index,
                        c.path(&format!("{handler}.{action}.host")),
                        format!("{}'s {handler} reaches host `{host}`", c.shown()),
                    );
                }
            }
        }
    }
}
