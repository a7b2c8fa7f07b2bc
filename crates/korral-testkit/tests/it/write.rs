use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch,
    PatchParams, PostParams, Preconditions, ResourceExt,
};
use kube::discovery::Discovery;
use serde_json::json;

use crate::util;

fn status_code(err: &kube::Error) -> (u16, String) {
    match err {
        kube::Error::Api(s) => (s.code, s.reason.clone()),
        other => panic!("not an API error: {other:?}"),
    }
}

fn config_map(name: &str) -> ConfigMap {
    serde_json::from_value(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name}, "data": {"a": "1"}}))
    .unwrap()
}

#[tokio::test]
async fn create_assigns_identity_and_refuses_duplicates() {
    let (server, client) = util::start().await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "shop");
    let created = maps
        .create(&PostParams::default(), &config_map("new"))
        .await
        .unwrap();
    assert!(created.metadata.uid.is_some());
    assert!(created.metadata.creation_timestamp.is_some());
    assert!(created.resource_version().unwrap().parse::<u64>().is_ok());
    assert_eq!(created.namespace().as_deref(), Some("shop"));

    let err = maps
        .create(&PostParams::default(), &config_map("new"))
        .await
        .unwrap_err();
    assert_eq!(status_code(&err), (409, "AlreadyExists".to_owned()));
    match err {
        kube::Error::Api(s) => assert_eq!(s.message, "configmaps \"new\" already exists"),
        _ => unreachable!(),
    }

    let mut generated = config_map("");
    generated.metadata.name = None;
    generated.metadata.generate_name = Some("gen-".into());
    let created = maps
        .create(&PostParams::default(), &generated)
        .await
        .unwrap();
    let name = created.name_any();
    assert!(name.starts_with("gen-") && name.len() == 9, "{name}");

    // A body without apiVersion and kind is stored with them, as the server does.
    let (code, body) = util::http(
        &server,
        "POST",
        "/api/v1/namespaces/shop/configmaps",
        Some("application/json"),
        r#"{"metadata": {"name": "bare"}}"#,
    )
    .await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(maps.get("bare").await.unwrap().data, None);
    assert!(body.contains(r#""kind":"ConfigMap""#), "{body}");

    let nowhere: Api<ConfigMap> = Api::namespaced(maps.clone().into_client(), "nowhere");
    let err = nowhere
        .create(&PostParams::default(), &config_map("x"))
        .await
        .unwrap_err();
    assert_eq!(status_code(&err), (404, "NotFound".to_owned()));
}

#[tokio::test]
async fn updates_with_a_stale_resource_version_conflict() {
    let (_server, client) = util::start().await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "shop");
    let mut first = maps.get("settings").await.unwrap();
    let mut second = first.clone();
    first
        .data
        .as_mut()
        .unwrap()
        .insert("mode".into(), "slow".into());
    let updated = maps
        .replace("settings", &PostParams::default(), &first)
        .await
        .unwrap();
    assert_ne!(updated.resource_version(), first.resource_version());
    second
        .data
        .as_mut()
        .unwrap()
        .insert("mode".into(), "lazy".into());
    let err = maps
        .replace("settings", &PostParams::default(), &second)
        .await
        .unwrap_err();
    assert_eq!(status_code(&err), (409, "Conflict".to_owned()));
    assert_eq!(
        maps.get("settings").await.unwrap().data.unwrap()["mode"],
        "slow"
    );
}

#[tokio::test]
async fn merge_json_and_strategic_patches() {
    let (_server, client) = util::start().await;
    let deployments: Api<Deployment> = Api::namespaced(client, "shop");
    let before = deployments.get("web").await.unwrap();
    let pp = PatchParams::default();

    let patched = deployments
        .patch(
            "web",
            &pp,
            &Patch::Merge(json!({"spec": {"replicas": 5}, "metadata": {"labels": {"team": "a"}}})),
        )
        .await
        .unwrap();
    assert_eq!(patched.spec.replicas, Some(5));
    assert_eq!(patched.labels()["team"], "a");
    assert_eq!(
        patched.metadata.generation,
        Some(before.metadata.generation.unwrap() + 1)
    );

    let ops: json_patch::Patch = serde_json::from_value(json!([
        {"op": "replace", "path": "/spec/replicas", "value": 1},
        {"op": "remove", "path": "/metadata/labels/team"}
    ]))
    .unwrap();
    let patched = deployments
        .patch("web", &pp, &Patch::<()>::Json(ops))
        .await
        .unwrap();
    assert_eq!(patched.spec.replicas, Some(1));
    assert!(!patched.labels().contains_key("team"));

    let failing: json_patch::Patch =
        serde_json::from_value(json!([{"op": "test", "path": "/spec/replicas", "value": 9}]))
            .unwrap();
    let err = deployments
        .patch("web", &pp, &Patch::<()>::Json(failing))
        .await
        .unwrap_err();
    assert_eq!(status_code(&err).0, 422);

    // Strategic merge adds a container by name instead of replacing the list.
    let patched = deployments
        .patch(
            "web",
            &pp,
            &Patch::Strategic(json!({"spec": {"template": {"spec": {"containers": [
            {"name": "sidecar", "image": "proxy:1"}]}}}})),
        )
        .await
        .unwrap();
    let containers = &patched.spec.template.spec.unwrap().containers;
    assert_eq!(
        containers
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["web", "sidecar"]
    );

    // A patch carrying a stale resourceVersion is a precondition that fails.
    let stale = json!({"metadata": {"resourceVersion": before.resource_version()}, "spec": {"replicas": 3}});
    let err = deployments
        .patch("web", &pp, &Patch::Merge(stale))
        .await
        .unwrap_err();
    assert_eq!(status_code(&err), (409, "Conflict".to_owned()));

    let err = deployments
        .patch("absent", &pp, &Patch::Merge(json!({})))
        .await
        .unwrap_err();
    assert_eq!(status_code(&err), (404, "NotFound".to_owned()));
}

#[tokio::test]
async fn server_side_apply_creates_then_merges() {
    let (server, client) = util::start().await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "shop");
    let applied = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "applied"}, "data": {"a": "1"}});
    let created = maps
        .patch(
            "applied",
            &PatchParams::apply("korral"),
            &Patch::Apply(&applied),
        )
        .await
        .unwrap();
    assert_eq!(created.data.unwrap()["a"], "1");
    let second = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "applied"}, "data": {"b": "2"}});
    let merged = maps
        .patch(
            "applied",
            &PatchParams::apply("other").force(),
            &Patch::Apply(&second),
        )
        .await
        .unwrap();
    let data = merged.data.unwrap();
    assert_eq!((data["a"].as_str(), data["b"].as_str()), ("1", "2"));

    // The real server requires a field manager for apply, and so does this one.
    let (code, body) = util::http(
        &server,
        "PATCH",
        "/api/v1/namespaces/shop/configmaps/applied",
        Some("application/apply-patch+yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  c: '3'\n",
    )
    .await;
    assert_eq!(code, 400, "{body}");
    let (code, body) = util::http(
        &server,
        "PATCH",
        "/api/v1/namespaces/shop/configmaps/applied?fieldManager=yaml",
        Some("application/apply-patch+yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  c: '3'\n",
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(maps.get("applied").await.unwrap().data.unwrap().len(), 3);
}

#[tokio::test]
async fn delete_returns_the_object_then_404() {
    let (_server, client) = util::start().await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "shop");
    let deleted = maps
        .delete("settings", &DeleteParams::default())
        .await
        .unwrap();
    let object = deleted.left().expect("the deleted object");
    assert_eq!(object.name_any(), "settings");
    let err = maps
        .delete("settings", &DeleteParams::default())
        .await
        .unwrap_err();
    assert_eq!(status_code(&err), (404, "NotFound".to_owned()));
    match err {
        kube::Error::Api(s) => {
            assert_eq!(s.message, "configmaps \"settings\" not found");
            let details = s.details.unwrap();
            assert_eq!(
                (details.name.as_str(), details.kind.as_str()),
                ("settings", "configmaps")
            );
        }
        _ => unreachable!(),
    }
    let err = maps.get("settings").await.unwrap_err();
    assert_eq!(status_code(&err).0, 404);
}

#[tokio::test]
async fn delete_preconditions_and_collections() {
    let (_server, client) = util::start().await;
    let pods: Api<Pod> = Api::namespaced(client, "shop");
    let dp = DeleteParams::default().preconditions(Preconditions {
        resource_version: Some("1".into()),
        uid: None,
    });
    let err = pods.delete("web-1", &dp).await.unwrap_err();
    assert_eq!(status_code(&err), (409, "Conflict".to_owned()));

    let deleted = pods
        .delete_collection(
            &DeleteParams::default(),
            &ListParams::default().labels("app=web"),
        )
        .await
        .unwrap();
    let list = deleted.left().expect("the deleted objects");
    assert_eq!(list.items.len(), 2);
    let left: Vec<String> = pods
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(ResourceExt::name_any)
        .collect();
    assert_eq!(left, ["db-0"]);
}

#[tokio::test]
async fn finalizers_hold_deletion_until_removed() {
    let (_server, client) = util::start().await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "shop");
    let mut held = config_map("held");
    held.metadata.finalizers = Some(vec!["example.com/keep".into()]);
    maps.create(&PostParams::default(), &held).await.unwrap();
    maps.delete("held", &DeleteParams::default()).await.unwrap();
    let marked = maps.get("held").await.unwrap();
    assert!(marked.metadata.deletion_timestamp.is_some());
    maps.patch(
        "held",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .unwrap();
    assert_eq!(status_code(&maps.get("held").await.unwrap_err()).0, 404);
}

#[tokio::test]
async fn dry_run_changes_nothing() {
    let (server, client) = util::start().await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "shop");
    let rv = server.resource_version();
    let created = maps
        .create(
            &PostParams {
                dry_run: true,
                ..Default::default()
            },
            &config_map("dry"),
        )
        .await
        .unwrap();
    assert_eq!(created.name_any(), "dry");
    assert_eq!(status_code(&maps.get("dry").await.unwrap_err()).0, 404);
    assert_eq!(server.resource_version(), rv);
}

#[tokio::test]
async fn the_status_subresource_changes_only_status() {
    let (_server, client) = util::start().await;
    let deployments: Api<Deployment> = Api::namespaced(client, "shop");
    let patched = deployments
        .patch_status(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({
                "spec": {"replicas": 9},
                "status": {"readyReplicas": 2}
            })),
        )
        .await
        .unwrap();
    assert_eq!(patched.status.as_ref().unwrap().ready_replicas, Some(2));
    assert_eq!(
        patched.spec.replicas,
        Some(2),
        "spec is not touched through /status"
    );

    // And the main resource ignores status.
    let patched = deployments
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"readyReplicas": 0}})),
        )
        .await
        .unwrap();
    assert_eq!(patched.status.as_ref().unwrap().ready_replicas, Some(2));

    let mut current = deployments.get_status("web").await.unwrap();
    current.status.as_mut().unwrap().available_replicas = Some(2);
    let replaced = deployments
        .replace_status("web", &PostParams::default(), &current)
        .await
        .unwrap();
    assert_eq!(replaced.status.unwrap().available_replicas, Some(2));
}

#[tokio::test]
async fn creating_a_crd_serves_its_resource() {
    let (_server, client) = util::start().await;
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let crd: CustomResourceDefinition = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "tools.korral.dev"},
        "spec": {"group": "korral.dev", "scope": "Cluster",
            "names": {"plural": "tools", "singular": "tool", "kind": "Tool", "listKind": "ToolList"},
            "versions": [{"name": "v1alpha1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}
    }))
    .unwrap();
    let created = crds.create(&PostParams::default(), &crd).await.unwrap();
    let conditions = created.status.unwrap().conditions.unwrap();
    assert!(
        conditions
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True")
    );

    let discovery = Discovery::new(client.clone()).run().await.unwrap();
    let (resource, _) = discovery
        .resolve_gvk(&GroupVersionKind::gvk("korral.dev", "v1alpha1", "Tool"))
        .unwrap();
    let tools: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
    let tool =
        DynamicObject::new("trivy", &resource).data(json!({"spec": {"image": "aquasec/trivy"}}));
    tools.create(&PostParams::default(), &tool).await.unwrap();
    let listed = tools.list(&ListParams::default()).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].data["spec"]["image"], "aquasec/trivy");

    // The seeded Widget CRD serves its objects too, and the unknown Gadget kind.
    let widgets = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("example.com", "v1", "Widget"),
        "widgets",
    );
    let widgets: Api<DynamicObject> = Api::namespaced_with(client.clone(), "shop", &widgets);
    assert_eq!(
        widgets.get("sprocket").await.unwrap().data["spec"]["size"],
        3
    );
    let gadgets = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("toys.example.org", "v1alpha1", "Gadget"),
        "gadgets",
    );
    let gadgets: Api<DynamicObject> = Api::namespaced_with(client.clone(), "shop", &gadgets);
    assert_eq!(
        gadgets.get("gizmo").await.unwrap().data["spec"]["color"],
        "red"
    );

    // Deleting the CRD stops serving it.
    crds.delete("tools.korral.dev", &DeleteParams::default())
        .await
        .unwrap();
    let err = tools.list(&ListParams::default()).await.unwrap_err();
    assert_eq!(status_code(&err).0, 404);
}

#[tokio::test]
async fn server_side_apply_tracks_what_each_manager_owns() {
    let (_server, client) = util::start().await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "shop");
    let config = |data: serde_json::Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owned"}, "data": data});
    let korral = PatchParams::apply("korral");
    maps.patch(
        "owned",
        &korral,
        &Patch::Apply(config(json!({"a": "1", "b": "1"}))),
    )
    .await
    .unwrap();
    // Dropping a field from the applied configuration removes it.
    let applied = maps
        .patch("owned", &korral, &Patch::Apply(config(json!({"a": "1"}))))
        .await
        .unwrap();
    assert_eq!(applied.data.unwrap().keys().collect::<Vec<_>>(), ["a"]);
    let managed = applied.metadata.managed_fields.unwrap();
    assert_eq!(managed[0].manager.as_deref(), Some("korral"));
    assert_eq!(managed[0].operation.as_deref(), Some("Apply"));

    // Another manager setting the same field differently conflicts, unless forced.
    let other = PatchParams::apply("other");
    let err = maps
        .patch("owned", &other, &Patch::Apply(config(json!({"a": "2"}))))
        .await
        .unwrap_err();
    match &err {
        kube::Error::Api(s) => {
            assert_eq!((s.code, s.reason.as_str()), (409, "Conflict"));
            assert!(
                s.message
                    == "Apply failed with 1 conflict: conflict with \"korral\" using v1: .data.a",
                "{}",
                s.message
            );
        }
        other => panic!("{other:?}"),
    }
    let forced = maps
        .patch(
            "owned",
            &other.force(),
            &Patch::Apply(config(json!({"a": "2"}))),
        )
        .await
        .unwrap();
    assert_eq!(forced.data.unwrap()["a"], "2");
}

#[tokio::test]
async fn the_scale_subresource_reads_and_sets_replicas() {
    let (_server, client) = util::start().await;
    let deployments: Api<Deployment> = Api::namespaced(client, "shop");
    let scale = deployments.get_scale("web").await.unwrap();
    assert_eq!(scale.spec.as_ref().unwrap().replicas, Some(2));
    assert_eq!(
        scale.status.as_ref().unwrap().selector.as_deref(),
        Some("app=web")
    );
    let scaled = deployments
        .patch_scale(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 4}})),
        )
        .await
        .unwrap();
    assert_eq!(scaled.spec.unwrap().replicas, Some(4));
    assert_eq!(deployments.get("web").await.unwrap().spec.replicas, Some(4));
}
