//! Changes that tell a WebSocket client nothing.

use korral_core::Object;
use serde_json::Value;

/// Whether `new` differs from `old` only in what changes without anyone changing the
/// object: its resourceVersion, managedFields times, a Lease's renewTime, a Node
/// condition's heartbeat time. The store drops the same churn; clients are not sent it.
pub(super) fn only_churn(old: &Object, new: &Object) -> bool {
    if old.raw().as_str() == new.raw().as_str() {
        return true;
    }
    let (mut old, mut new) = (old.raw().to_value(), new.raw().to_value());
    scrub(&mut old);
    scrub(&mut new);
    old == new
}

fn scrub(value: &mut Value) {
    if let Some(metadata) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("resourceVersion");
        metadata.remove("managedFields");
    }
    if value.get("kind").and_then(Value::as_str) == Some("Lease")
        && let Some(spec) = value.get_mut("spec").and_then(Value::as_object_mut)
    {
        spec.remove("renewTime");
    }
    if let Some(conditions) = value
        .pointer_mut("/status/conditions")
        .and_then(Value::as_array_mut)
    {
        for condition in conditions.iter_mut().filter_map(Value::as_object_mut) {
            condition.remove("lastHeartbeatTime");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::test_object as object;

    #[test]
    fn a_lease_renewal_is_churn_and_a_holder_change_is_not() {
        let lease = |rv: u32, holder: &str, renew: &str| {
            object(&format!(
                r#"{{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{{"name":"l","namespace":"x","resourceVersion":"{rv}"}},"spec":{{"holderIdentity":"{holder}","renewTime":"{renew}"}}}}"#
            ))
        };
        let first = lease(1, "a", "2026-01-01T00:00:00Z");
        assert!(only_churn(&first, &lease(2, "a", "2026-01-01T00:00:10Z")));
        assert!(!only_churn(&first, &lease(3, "b", "2026-01-01T00:00:10Z")));
    }

    #[test]
    fn a_data_change_is_not_churn() {
        let map = |rv: u32, value: &str| {
            object(&format!(
                r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"c","namespace":"x","resourceVersion":"{rv}"}},"data":{{"k":"{value}"}}}}"#
            ))
        };
        assert!(only_churn(&map(1, "a"), &map(2, "a")));
        assert!(!only_churn(&map(1, "a"), &map(2, "b")));
    }
}
