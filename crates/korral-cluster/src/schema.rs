//! The JSON Schema of cluster.yaml, for editors (`korral spec schema`).

use crate::spec::Cluster;

/// Where the schema says it lives; editors show it, nothing fetches it.
pub const SCHEMA_ID: &str = "https://korral.io/schemas/cluster-v1alpha1.json";

/// The JSON Schema (draft 2020-12) of cluster.yaml, with the model's doc comments as
/// descriptions.
pub fn schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(Cluster);
    schema.insert("$id".to_owned(), SCHEMA_ID.into());
    schema.insert(
        "title".to_owned(),
        "korral cluster.yaml (korral.io/v1alpha1 Cluster)".into(),
    );
    if let Some(properties) = schema
        .get_mut("properties")
        .and_then(serde_json::Value::as_object_mut)
    {
        properties.insert(
            "apiVersion".to_owned(),
            serde_json::json!({ "const": crate::spec::API_VERSION, "description": "Always `korral.io/v1alpha1`." }),
        );
        properties.insert(
            "kind".to_owned(),
            serde_json::json!({ "const": crate::spec::KIND, "description": "Always `Cluster`." }),
        );
    }
    schema.to_value()
}
