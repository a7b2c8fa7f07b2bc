//! The generated CRDs: served by the API server with their status subresources, and
//! the hand-written examples under `examples/jobs/` are accepted and read back.

use kube::ResourceExt;
use serde_json::Value;

use crate::util::Cluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_examples_round_trip_through_the_generated_crds() {
    let c = Cluster::new().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/jobs");
    let mut seen = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
    {
        let text = std::fs::read_to_string(path).unwrap();
        for doc in text.split("\n---\n") {
            let value: Value = serde_saphyr::from_str(doc).unwrap();
            if value.is_null() {
                continue;
            }
            let kind = value["kind"].as_str().unwrap().to_owned();
            // Each example is read by the Rust types (what the controller sees)…
            let typed: Result<(), String> = match kind.as_str() {
                "Tool" => serde_json::from_value::<korral_jobs::Tool>(value.clone()).map(drop),
                "Run" => serde_json::from_value::<korral_jobs::Run>(value.clone()).map(drop),
                "Queue" => serde_json::from_value::<korral_jobs::Queue>(value.clone()).map(drop),
                "Schedule" => {
                    serde_json::from_value::<korral_jobs::Schedule>(value.clone()).map(drop)
                }
                "Workflow" => {
                    serde_json::from_value::<korral_jobs::Workflow>(value.clone()).map(drop)
                }
                other => panic!("{}: unexpected kind {other}", path.display()),
            }
            .map_err(|e| e.to_string());
            typed.unwrap_or_else(|e| panic!("{}: {kind}: {e}", path.display()));
            // …and served by the API server, which gives back what was written.
            c.apply_value(value.clone()).await;
            let back = c
                .dynamic(&kind)
                .get(value["metadata"]["name"].as_str().unwrap())
                .await
                .unwrap();
            assert_eq!(
                back.data["spec"],
                value["spec"],
                "{}: {kind}",
                path.display()
            );
            seen.push(format!("{kind}/{}", back.name_any()));
        }
    }
    for kind in ["Tool", "Run", "Queue", "Schedule", "Workflow"] {
        assert!(
            seen.iter().any(|s| s.starts_with(&format!("{kind}/"))),
            "no example of {kind} in {seen:?}"
        );
    }
}

#[test]
fn the_crds_have_status_subresources_printer_columns_and_schemas() {
    for crd in korral_jobs::crds() {
        let kind = crd.spec.names.kind.clone();
        let version = &crd.spec.versions[0];
        assert_eq!(crd.spec.group, "jobs.korral.dev");
        assert_eq!(version.name, "v1alpha1");
        assert!(
            !version
                .additional_printer_columns
                .clone()
                .unwrap_or_default()
                .is_empty(),
            "{kind}"
        );
        let schema = serde_json::to_value(version.schema.as_ref().unwrap()).unwrap();
        assert_eq!(schema["openAPIV3Schema"]["type"], "object", "{kind}");
        if kind != "Tool" {
            assert!(
                version
                    .subresources
                    .as_ref()
                    .is_some_and(|s| s.status.is_some()),
                "{kind}"
            );
        }
    }
    // Validation the API server enforces from the schema: a Run needs its tool.
    let run = korral_jobs::crds()
        .into_iter()
        .find(|c| c.spec.names.kind == "Run")
        .unwrap();
    let schema = serde_json::to_value(run.spec.versions[0].schema.as_ref().unwrap()).unwrap();
    let spec = &schema["openAPIV3Schema"]["properties"]["spec"];
    assert_eq!(spec["required"], serde_json::json!(["tool"]));
    assert_eq!(spec["properties"]["tool"]["minLength"], 1);
}
