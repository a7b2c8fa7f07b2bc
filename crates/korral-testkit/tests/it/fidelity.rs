//! What a real API server does that clients depend on, checked against the answers
//! the API conventions and the apiserver's sources give: list items without their
//! type, one store of Events behind two APIs, the objects every cluster has,
//! defaulting, managedFields, Tables.

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::Event;
use kube::Api;
use kube::api::{ListParams, WatchEvent, WatchParams};
use serde_json::{Value, json};

use crate::util;

async fn get_json(server: &korral_testkit::ApiServer, path: &str) -> Value {
    let (code, body) = util::http(server, "GET", path, None, "").await;
    assert_eq!(code, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

async fn send(
    server: &korral_testkit::ApiServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> Value {
    let (code, text) = util::http_with(server, method, path, headers, &body.to_string()).await;
    assert!((200..300).contains(&code), "{method} {path}: {code} {text}");
    serde_json::from_str(&text).unwrap()
}

const JSON: (&str, &str) = ("Content-Type", "application/json");

#[tokio::test]
async fn list_items_of_built_in_kinds_carry_no_type() {
    let (server, _client) = util::start().await;
    // As `kubectl get --raw /api/v1/namespaces/shop/configmaps` shows.
    let list = get_json(&server, "/api/v1/namespaces/shop/configmaps").await;
    assert_eq!(
        (list["kind"].as_str(), list["apiVersion"].as_str()),
        (Some("ConfigMapList"), Some("v1"))
    );
    let item = &list["items"][0];
    assert_eq!(item["metadata"]["name"], "settings");
    assert!(
        item.get("kind").is_none() && item.get("apiVersion").is_none(),
        "{item}"
    );
    let list = get_json(&server, "/apis/apps/v1/deployments").await;
    assert!(list["items"][0].get("kind").is_none());

    // Custom resources are kept unstructured: their items say what they are.
    let list = get_json(&server, "/apis/example.com/v1/namespaces/shop/widgets").await;
    assert_eq!(list["items"][0]["kind"], "Widget");
    assert_eq!(list["items"][0]["apiVersion"], "example.com/v1");

    // One object, read alone, always carries its type.
    let one = get_json(&server, "/api/v1/namespaces/shop/configmaps/settings").await;
    assert_eq!(
        (one["kind"].as_str(), one["apiVersion"].as_str()),
        (Some("ConfigMap"), Some("v1"))
    );
}

#[tokio::test]
async fn both_event_apis_serve_the_same_events() {
    let (server, client) = util::start().await;
    let core = send(
        &server,
        "POST",
        "/api/v1/namespaces/shop/events",
        &[JSON],
        &json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "web-1.1"},
            "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "shop"},
            "reason": "BackOff", "message": "Back-off restarting failed container",
            "type": "Warning", "count": 3, "lastTimestamp": "2026-01-01T10:00:00Z",
            "source": {"component": "kubelet"}}),
    )
    .await;
    let uid = core["metadata"]["uid"].clone();

    // The same object through events.k8s.io/v1, under that API's field names.
    let new = get_json(
        &server,
        "/apis/events.k8s.io/v1/namespaces/shop/events/web-1.1",
    )
    .await;
    assert_eq!(new["apiVersion"], "events.k8s.io/v1");
    assert_eq!(new["metadata"]["uid"], uid);
    assert_eq!(
        new["metadata"]["resourceVersion"],
        core["metadata"]["resourceVersion"]
    );
    assert_eq!(new["note"], "Back-off restarting failed container");
    assert_eq!(new["regarding"]["name"], "web-1");
    assert_eq!(new["deprecatedCount"], 3);
    assert_eq!(new["deprecatedLastTimestamp"], "2026-01-01T10:00:00Z");
    assert_eq!(new["deprecatedSource"]["component"], "kubelet");
    for core_only in [
        "message",
        "involvedObject",
        "count",
        "lastTimestamp",
        "source",
    ] {
        assert!(new.get(core_only).is_none(), "{core_only} in {new}");
    }
    let listed = get_json(&server, "/apis/events.k8s.io/v1/events").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);

    // Written through the newer API, read through the core one.
    send(
        &server,
        "POST",
        "/apis/events.k8s.io/v1/namespaces/shop/events",
        &[JSON],
        &json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
            "metadata": {"name": "web-1.2"}, "eventTime": "2026-01-01T10:01:00.000000Z",
            "regarding": {"kind": "Pod", "name": "web-1", "namespace": "shop"},
            "reason": "Pulled", "note": "Container image pulled", "type": "Normal",
            "reportingController": "kubelet", "reportingInstance": "node-1", "action": "Pull"}),
    )
    .await;
    let events: Api<Event> = Api::namespaced(client.clone(), "shop");
    let list = events.list(&ListParams::default()).await.unwrap();
    assert_eq!(list.items.len(), 2);
    let pulled = events.get("web-1.2").await.unwrap();
    assert_eq!(pulled.message.as_deref(), Some("Container image pulled"));
    assert_eq!(pulled.involved_object.name.as_deref(), Some("web-1"));
    assert_eq!(pulled.reporting_component.as_deref(), Some("kubelet"));

    // One history: a watch of either API sees a change made through the other.
    let list = get_json(&server, "/apis/events.k8s.io/v1/namespaces/shop/events").await;
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut watch = events
        .watch(&WatchParams::default().disable_bookmarks().timeout(5), &rv)
        .await
        .unwrap()
        .boxed();
    let (code, _) = util::http_with(
        &server,
        "DELETE",
        "/apis/events.k8s.io/v1/namespaces/shop/events/web-1.1",
        &[],
        "",
    )
    .await;
    assert_eq!(code, 200);
    let event = watch.try_next().await.unwrap().unwrap();
    assert!(
        matches!(event, WatchEvent::Deleted(e) if e.metadata.name.as_deref() == Some("web-1.1"))
    );

    // Field selectors in each API's own names.
    let by_regarding = get_json(
        &server,
        "/apis/events.k8s.io/v1/events?fieldSelector=regarding.name%3Dweb-1",
    )
    .await;
    assert_eq!(by_regarding["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn every_cluster_has_its_namespaces_and_the_kubernetes_service() {
    let (server, _client) = util::start().await;
    let namespaces = get_json(&server, "/api/v1/namespaces").await;
    let names: Vec<&str> = namespaces["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["metadata"]["name"].as_str().unwrap())
        .collect();
    for ns in [
        "default",
        "kube-node-lease",
        "kube-public",
        "kube-system",
        "shop",
    ] {
        assert!(names.contains(&ns), "{ns} in {names:?}");
    }
    let service = get_json(&server, "/api/v1/namespaces/default/services/kubernetes").await;
    assert_eq!(service["spec"]["clusterIP"], "10.96.0.1");
    assert_eq!(service["spec"]["ports"][0]["port"], 443);
    assert_eq!(service["metadata"]["labels"]["component"], "apiserver");
}

#[tokio::test]
async fn writes_are_defaulted_as_a_real_server_defaults_them() {
    let (server, _client) = util::start().await;
    let service = send(
        &server,
        "POST",
        "/api/v1/namespaces/shop/services",
        &[JSON],
        &json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}),
    )
    .await;
    let spec = &service["spec"];
    let ip = spec["clusterIP"].as_str().unwrap().to_owned();
    assert!(ip.starts_with("10.96.") && ip != "10.96.0.1", "{ip}");
    assert_eq!(spec["clusterIPs"], json!([ip]));
    assert_eq!(spec["type"], "ClusterIP");
    assert_eq!(spec["sessionAffinity"], "None");
    assert_eq!(spec["ipFamilies"], json!(["IPv4"]));
    assert_eq!(spec["ipFamilyPolicy"], "SingleStack");
    assert_eq!(spec["internalTrafficPolicy"], "Cluster");
    assert_eq!(
        spec["ports"][0],
        json!({"port": 80, "protocol": "TCP", "targetPort": 80})
    );
    // An update that leaves the clusterIP out keeps it.
    let mut again = service.clone();
    again["spec"].as_object_mut().unwrap().remove("clusterIP");
    again["spec"].as_object_mut().unwrap().remove("clusterIPs");
    let updated = send(
        &server,
        "PUT",
        "/api/v1/namespaces/shop/services/web",
        &[JSON],
        &again,
    )
    .await;
    assert_eq!(updated["spec"]["clusterIP"], ip.as_str());

    let deployment = send(
        &server,
        "POST",
        "/apis/apps/v1/namespaces/shop/deployments",
        &[JSON],
        &json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
            "spec": {"selector": {"matchLabels": {"app": "api"}},
                "template": {"metadata": {"labels": {"app": "api"}},
                    "spec": {"containers": [
                        {"name": "api", "image": "api:1.2", "ports": [{"containerPort": 8080}]},
                        {"name": "sidecar", "image": "proxy"}]}}}}),
    )
    .await;
    let spec = &deployment["spec"];
    assert_eq!(spec["replicas"], 1);
    assert_eq!(
        spec["strategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    );
    assert_eq!(spec["revisionHistoryLimit"], 10);
    assert_eq!(spec["progressDeadlineSeconds"], 600);
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Always");
    assert_eq!(pod["dnsPolicy"], "ClusterFirst");
    assert_eq!(pod["schedulerName"], "default-scheduler");
    assert_eq!(pod["terminationGracePeriodSeconds"], 30);
    assert_eq!(pod["securityContext"], json!({}));
    let api = &pod["containers"][0];
    assert_eq!(api["imagePullPolicy"], "IfNotPresent");
    assert_eq!(api["terminationMessagePath"], "/dev/termination-log");
    assert_eq!(api["terminationMessagePolicy"], "File");
    assert_eq!(api["ports"][0]["protocol"], "TCP");
    // No tag is `latest`, which is always pulled.
    assert_eq!(pod["containers"][1]["imagePullPolicy"], "Always");

    // A pod created through the API starts Pending.
    let pod = send(
        &server,
        "POST",
        "/api/v1/namespaces/shop/pods",
        &[JSON],
        &json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "one"},
            "spec": {"containers": [{"name": "c", "image": "c:latest"}]}}),
    )
    .await;
    assert_eq!(pod["status"]["phase"], "Pending");
    assert_eq!(pod["spec"]["enableServiceLinks"], true);
    assert_eq!(pod["spec"]["containers"][0]["imagePullPolicy"], "Always");
}

#[tokio::test]
async fn writes_record_their_field_manager() {
    let (server, _client) = util::start().await;
    let created = send(
        &server,
        "POST",
        "/api/v1/namespaces/shop/configmaps?fieldManager=deployer",
        &[JSON],
        &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}),
    )
    .await;
    let managed = &created["metadata"]["managedFields"];
    assert_eq!(managed.as_array().unwrap().len(), 1, "{managed}");
    assert_eq!(managed[0]["manager"], "deployer");
    assert_eq!(managed[0]["operation"], "Update");
    assert_eq!(managed[0]["apiVersion"], "v1");
    assert_eq!(managed[0]["fieldsType"], "FieldsV1");
    assert!(
        managed[0]["fieldsV1"]["f:data"].get("f:a").is_some(),
        "{managed}"
    );

    // Without fieldManager, the User-Agent up to its first `/` names the manager; a
    // second manager gets an entry of its own.
    let patched = send(
        &server,
        "PATCH",
        "/api/v1/namespaces/shop/configmaps/c",
        &[
            ("Content-Type", "application/merge-patch+json"),
            ("User-Agent", "kubectl/v1.33.4 (linux/amd64)"),
        ],
        &json!({"data": {"b": "2"}}),
    )
    .await;
    let managers: Vec<&str> = patched["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["manager"].as_str().unwrap())
        .collect();
    assert_eq!(managers, ["deployer", "kubectl"]);
}

#[tokio::test]
async fn tables_are_served_when_asked_for() {
    let (server, _client) = util::start().await;
    let accept = (
        "Accept",
        "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
    );
    let (code, body) = util::http_with(
        &server,
        "GET",
        "/api/v1/namespaces/shop/pods?limit=2",
        &[accept],
        "",
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let table: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(table["kind"], "Table");
    assert_eq!(table["apiVersion"], "meta.k8s.io/v1");
    let columns: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["Name", "Created At"]);
    let rows = table["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["cells"][0], "db-0");
    assert_eq!(rows[0]["object"]["kind"], "PartialObjectMetadata");
    assert!(table["metadata"]["continue"].is_string());

    let (_, body) = util::http_with(
        &server,
        "GET",
        "/api/v1/namespaces/shop/pods/web-1?includeObject=Object",
        &[accept],
        "",
    )
    .await;
    let table: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(table["rows"][0]["object"]["kind"], "Pod");
    assert_eq!(table["rows"][0]["object"]["spec"]["nodeName"], "node-1");
}
