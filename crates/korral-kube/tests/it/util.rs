use std::path::PathBuf;
use std::time::Duration;

use korral_core::Loader;
use korral_kube::{Client, ClusterConfig, KubeOptions};
use korral_testkit::{ApiServer, ServerOptions};
use tempfile::TempDir;

/// A small shop: two namespaces, workloads, a secret, and a custom resource.
pub const SEED: &str = r"
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: ops}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db-1, namespace: shop, labels: {app: db}}
spec: {containers: [{name: db, image: postgres}]}
---
apiVersion: v1
kind: Pod
metadata: {name: backup-1, namespace: ops, labels: {app: backup}}
spec: {containers: [{name: backup, image: restic}]}
---
apiVersion: v1
kind: Secret
metadata: {name: db-password, namespace: shop}
stringData: {password: hunter2}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: shop}
data: {port: '8080'}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: tools.korral.dev}
spec:
  group: korral.dev
  scope: Namespaced
  names: {kind: Tool, plural: tools, singular: tool, listKind: ToolList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: korral.dev/v1
kind: Tool
metadata: {name: restic, namespace: ops}
spec: {image: restic}
";

/// A running test server seeded with [`SEED`], a kubeconfig for it, and a client
/// connected through that kubeconfig.
pub struct Cluster {
    pub server: ApiServer,
    pub config: ClusterConfig,
    pub client: Client,
    pub kubeconfig: PathBuf,
    _dir: TempDir,
}

pub async fn cluster() -> Cluster {
    cluster_with(ServerOptions::default()).await
}

pub async fn cluster_with(options: ServerOptions) -> Cluster {
    let seed = Loader::load_str("seed.yaml", SEED).unwrap();
    let server = ApiServer::start(&seed, options).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    server.write_kubeconfig(&kubeconfig).unwrap();
    let config = ClusterConfig::load(KubeOptions {
        kubeconfig: Some(kubeconfig.clone()),
        ..KubeOptions::default()
    })
    .unwrap();
    let client = config.client().await.unwrap();
    Cluster {
        server,
        config,
        client,
        kubeconfig,
        _dir: dir,
    }
}

/// Test servers answer in milliseconds; anything slower is a hang.
pub const PATIENCE: Duration = Duration::from_secs(10);
