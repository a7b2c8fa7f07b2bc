//! The harness: a small cluster to seed from, a server and a `kube` client for it.

use std::time::Duration;

use korral_core::{Loader, ObjectSet};
use korral_testkit::{ApiServer, ServerOptions};
use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};

/// A namespace `shop` with three labelled pods on two nodes (one with two containers),
/// a ConfigMap, a Deployment, a Widget CRD with one Widget, and a `Gadget` of a kind
/// nobody declares.
pub const SEED: &str = r"
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Node
metadata: {name: node-1, labels: {zone: a}}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web, tier: front}}
spec:
  nodeName: node-1
  containers: [{name: web, image: web:1}]
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, namespace: shop, labels: {app: web, tier: front}}
spec:
  nodeName: node-2
  containers: [{name: web, image: web:1}]
status: {phase: Pending}
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: shop, labels: {app: db}}
spec:
  nodeName: node-1
  containers: [{name: db, image: db:1}, {name: metrics, image: exporter:1}]
status: {phase: Running}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {mode: fast}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web:1}]}
status: {replicas: 2}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: sprocket, namespace: shop}
spec: {size: 3}
---
apiVersion: toys.example.org/v1alpha1
kind: Gadget
metadata: {name: gizmo, namespace: shop}
spec: {color: red}
";

pub fn seed() -> ObjectSet {
    Loader::load_str("seed.yaml", SEED).expect("the seed parses")
}

/// Options for tests: bookmarks every 100 ms.
pub fn options() -> ServerOptions {
    ServerOptions {
        bookmark_interval: Duration::from_millis(100),
        ..ServerOptions::default()
    }
}

/// A `kube` client configured the way korral configures one: from a kubeconfig file.
pub async fn client(server: &ApiServer) -> Client {
    client_with(server, true).await
}

/// A client that does not retry 429, 503 and 504 answers. `kube` retries those 15 times
/// with a backoff of up to 1,000 s by default, which is right against a cluster and far
/// too slow for a test of those answers.
pub async fn client_without_retries(server: &ApiServer) -> Client {
    client_with(server, false).await
}

async fn client_with(server: &ApiServer, retries: bool) -> Client {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("kubeconfig");
    server
        .write_kubeconfig(&path)
        .expect("the kubeconfig is written");
    let kubeconfig = Kubeconfig::read_from(&path).expect("the kubeconfig parses");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("the kubeconfig is usable");
    let mut config = config;
    config.default_retry = retries;
    assert_eq!(config.default_namespace, "default");
    Client::try_from(config).expect("a client")
}

/// A server seeded with [`SEED`] and a client for it.
pub async fn start() -> (ApiServer, Client) {
    start_with(&seed(), options()).await
}

pub async fn start_with(seed: &ObjectSet, options: ServerOptions) -> (ApiServer, Client) {
    let server = ApiServer::start(seed, options)
        .await
        .expect("the server starts");
    let client = client(&server).await;
    (server, client)
}

/// A raw HTTP request with the server's token; returns the status and body.
pub async fn http(
    server: &ApiServer,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> (u16, String) {
    let headers: Vec<(&str, &str)> = content_type
        .map(|ct| ("Content-Type", ct))
        .into_iter()
        .collect();
    http_with(server, method, path, &headers, body).await
}

/// [`http`] with any headers (`Accept`, `User-Agent`, `Content-Type`).
pub async fn http_with(
    server: &ApiServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(server.addr())
        .await
        .expect("connects");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        server.addr(),
        server.token(),
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.expect("sends");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("reads");
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, rest) = response.split_once("\r\n\r\n").expect("a response head");
    let code = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status code");
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    (code, body)
}

fn dechunk(mut text: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = text.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        text = rest[size..].trim_start_matches("\r\n");
    }
    out
}
