//! The JSON Schema `korral spec schema` prints: every template validates against it, and
//! it refuses what the loader refuses.

use korral_cluster::{TEMPLATES, schema};

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).expect("the schema is a valid JSON Schema")
}

#[test]
fn every_template_validates_against_the_schema() {
    let validator = validator();
    for template in TEMPLATES {
        let value: serde_json::Value = serde_saphyr::from_str(template.text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", template.name);
    }
}

#[test]
fn the_schema_refuses_unknown_keys_wrong_types_and_unknown_modes() {
    let validator = validator();
    let text = korral_cluster::template("minimal_dev").unwrap().text;
    let good: serde_json::Value = serde_saphyr::from_str(text).unwrap();
    for (pointer, value) in [
        ("/spec/nodes/0/adress", serde_json::json!("192.168.1.10")),
        ("/spec/nodes/0/role", serde_json::json!("master")),
        ("/spec/mode", serde_json::json!("offline")),
        ("/spec/nodes/0/ssh/port", serde_json::json!("twenty-two")),
    ] {
        let mut bad = good.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        bad.pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .insert(key.to_owned(), value);
        assert!(!validator.is_valid(&bad), "{pointer} was accepted");
        // The loader refuses the same document.
        let yaml = serde_json::to_string(&bad).unwrap();
        assert!(
            korral_cluster::Loaded::parse("bad.yaml", &yaml).is_err(),
            "{pointer}: the loader accepted what the schema refuses"
        );
    }
}
