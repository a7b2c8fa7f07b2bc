//! A small cluster for the unit and snapshot tests: a namespace `shop` with a
//! Deployment whose pods run (one crashing), a Service, a ConfigMap, a Secret, a Job,
//! a Warning event and a Node, at a fixed time.

use jiff::Timestamp;
use korral_core::{Object, Source};
use korral_kube::Resource;

use crate::app::{App, ClusterInfo, Update};
use crate::cache::{Change, Entry};
use crate::view::TableSource;

/// The time the fixture is looked at.
pub const NOW: &str = "2026-12-06T12:00:00Z";

const OBJECTS: &[&str] = &[
    r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop","creationTimestamp":"2026-12-01T12:00:00Z"},"status":{"phase":"Active"}}"#,
    r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"default","creationTimestamp":"2026-11-01T12:00:00Z"},"status":{"phase":"Active"}}"#,
    r#"{"apiVersion":"v1","kind":"Node","metadata":{"name":"node-1","creationTimestamp":"2026-11-01T12:00:00Z","labels":{"node-role.kubernetes.io/control-plane":""}},
        "status":{"conditions":[{"type":"Ready","status":"True"}],"nodeInfo":{"kubeletVersion":"v1.33.1"}}}"#,
    r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","uid":"d1","creationTimestamp":"2026-12-06T10:00:00Z","labels":{"app":"web"}},
        "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"web:1"}]}}},
        "status":{"readyReplicas":1,"updatedReplicas":2,"availableReplicas":1}}"#,
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-a","namespace":"shop","creationTimestamp":"2026-12-06T10:00:00Z","labels":{"app":"web"}},
        "spec":{"nodeName":"node-1","containers":[{"name":"web","image":"web:1"}]},
        "status":{"phase":"Running","podIP":"10.0.0.5","containerStatuses":[{"name":"web","ready":true,"restartCount":0,"state":{"running":{}}}]}}"#,
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-b","namespace":"shop","creationTimestamp":"2026-12-06T11:59:15Z","labels":{"app":"web"}},
        "spec":{"nodeName":"node-1","containers":[{"name":"web","image":"web:crash"},{"name":"proxy","image":"envoy:1"}]},
        "status":{"phase":"Running","containerStatuses":[
          {"name":"web","ready":false,"restartCount":7,"state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 5m0s restarting failed container"}}},
          {"name":"proxy","ready":true,"restartCount":0,"state":{"running":{}}}]}}"#,
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"db-0","namespace":"default","creationTimestamp":"2026-12-05T12:00:00Z","labels":{"app":"db"}},
        "spec":{"nodeName":"node-1","containers":[{"name":"db","image":"postgres:17"}]},
        "status":{"phase":"Pending","containerStatuses":[{"name":"db","ready":false,"restartCount":0,"state":{"waiting":{"reason":"ContainerCreating"}}}]}}"#,
    r#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"shop","creationTimestamp":"2026-12-06T10:00:00Z"},
        "spec":{"type":"ClusterIP","clusterIP":"10.96.0.20","selector":{"app":"web"},"ports":[{"port":80,"protocol":"TCP"}]}}"#,
    r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings","namespace":"shop","creationTimestamp":"2026-12-06T10:00:00Z"},"data":{"mode":"fast","level":"3"}}"#,
    r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db-password","namespace":"shop","creationTimestamp":"2026-12-06T10:00:00Z"},"type":"Opaque","data":{"password":"aHVudGVyMg=="}}"#,
    r#"{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"migrate","namespace":"shop","creationTimestamp":"2026-12-06T09:00:00Z"},
        "spec":{"completions":1,"selector":{"matchLabels":{"job-name":"migrate"}}},"status":{"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}}"#,
    r#"{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"web-b.1","namespace":"shop","creationTimestamp":"2026-12-06T11:58:00Z"},
        "type":"Warning","reason":"BackOff","note":"Back-off restarting failed container web","regarding":{"kind":"Pod","name":"web-b","namespace":"shop"},
        "deprecatedLastTimestamp":"2026-12-06T11:59:00Z"}"#,
];

fn plural(kind: &str) -> String {
    format!("{}s", kind.to_ascii_lowercase())
}

/// An app over the fixture, `width` × `height`, no colour, showing pods everywhere.
pub fn app(width: u16, height: u16) -> App {
    let info = ClusterInfo {
        context: "test".to_owned(),
        server: "https://127.0.0.1:6443".to_owned(),
        version: "v1.33.1".to_owned(),
        live: true,
    };
    let mut app = App::new(
        info,
        None,
        TableSource::Kind((String::new(), "Pod".to_owned())),
        (width, height),
    );
    app.color = false;
    app.now = NOW.parse::<Timestamp>().unwrap();
    let mut by_kind: std::collections::BTreeMap<String, (Resource, Vec<Entry>)> =
        std::collections::BTreeMap::new();
    for text in OBJECTS {
        let object = crate::live::mask(Object::from_json(text, Source::default()).unwrap());
        let resource = Resource::new(
            object.api_version(),
            object.kind(),
            &plural(object.kind()),
            object.namespace().is_some(),
        );
        by_kind
            .entry(object.kind().to_owned())
            .or_insert_with(|| (resource, Vec::new()))
            .1
            .push(Entry::new(object));
    }
    for (_, (resource, entries)) in by_kind {
        app.update(Update::Objects {
            resource,
            change: Change::Replace(entries),
        });
    }
    app
}

/// A fixture object by its JSON, for tests that add one.
pub fn object(text: &str) -> Object {
    Object::from_json(text, Source::default()).unwrap()
}
