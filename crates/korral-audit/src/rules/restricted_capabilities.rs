//! PSS restricted: drop ALL, add only NET_BIND_SERVICE.

use serde_json::Value;

use crate::finding::{Severity, Standard};
use crate::rule::{Check, Emit, Pod, Rule};

pub(crate) static RULE: Rule = Rule {
    code: "PSR006",
    name: "capabilities-restricted",
    severity: Severity::Medium,
    standards: &[Standard::PssRestricted, Standard::Nsa, Standard::Cis],
    summary: "Containers must drop ALL capabilities and may add back only NET_BIND_SERVICE.",
    why: "The runtime's default capabilities include NET_RAW, SETUID and DAC_OVERRIDE, which an attacker in the container can use; few programs need any of them.",
    example: "securityContext:\n  capabilities:\n    drop: [NET_RAW]",
    fix: "Set `securityContext.capabilities.drop: [ALL]`, and add only `NET_BIND_SERVICE` when the program binds a port below 1024.",
    check: Check::Pod(check),
};

fn check(pod: &Pod<'_>, emit: &mut Emit) {
    if pod.windows() {
        return;
    }
    for c in pod.containers() {
        let caps = c.sc("capabilities");
        let list = |field: &str| -> Vec<&str> {
            caps.and_then(|caps| caps.get(field))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect()
        };
        // `ALL` exactly: the admission controller does not take `all` or `All`.
        let dropped = list("drop");
        if !dropped.contains(&"ALL") {
            let message = match dropped.iter().find(|d| d.eq_ignore_ascii_case("ALL")) {
                Some(written) => format!(
                    "{} drops `{written}`, which is not `ALL`: capability names are matched in capitals",
                    c.shown()
                ),
                None => format!("{} does not drop ALL capabilities", c.shown()),
            };
            emit.at(pod.index, c.sc_path("capabilities.drop"), message);
        }
        let added = caps
            .and_then(|caps| caps.get("add"))
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        for (i, cap) in added.iter().enumerate() {
            let cap = cap.as_str().unwrap_or_default();
            if cap != "NET_BIND_SERVICE" {
                emit.at(
                    pod.index,
                    c.sc_path(&format!("capabilities.add[{i}]")),
                    format!("{} adds capability `{cap}`", c.shown()),
                );
            }
        }
    }
}
