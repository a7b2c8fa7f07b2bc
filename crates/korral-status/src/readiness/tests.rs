use serde_json::json;

use super::*;

#[test]
fn an_object_without_rules_or_conditions_is_current() {
    let config = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
    assert_eq!(
        readiness(&config, &ReadyOptions::default()),
        Readiness::current()
    );
}
