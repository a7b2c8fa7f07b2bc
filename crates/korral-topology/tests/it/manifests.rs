//! Graphs of manifests as repositories hold them: no pods, no status, no namespaces
//! (applied with `-n`), bootstrap roles bound but not defined, Services called by the
//! API server and by Gateway API routes.

use korral_core::Loader;
use korral_topology::{FoldTarget, InferOptions, infer};

use crate::util::{edges_of, graph, graph_with, lines, problems};

const ARGOCD: &str = include_str!("fixtures/argocd-install.yaml");

fn argocd() -> korral_topology::Graph {
    let set = Loader::new()
        .default_namespace("argocd")
        .read_str("install.yaml", ARGOCD)
        .unwrap();
    infer(&set, InferOptions { strict: true })
}

#[test]
fn services_and_policies_select_the_pod_templates_of_workloads_when_there_are_no_pods() {
    let g = argocd();
    assert_eq!(
        edges_of(&g, "selects"),
        lines(&[
            "NetworkPolicy.networking.k8s.io/argocd/argocd-application-controller-network-policy -selects-> StatefulSet.apps/argocd/argocd-application-controller",
            "NetworkPolicy.networking.k8s.io/argocd/argocd-redis-network-policy -selects-> Deployment.apps/argocd/argocd-redis",
            "NetworkPolicy.networking.k8s.io/argocd/argocd-server-network-policy -selects-> Deployment.apps/argocd/argocd-server",
            "Service/argocd/argocd-redis -selects-> Deployment.apps/argocd/argocd-redis",
            "Service/argocd/argocd-repo-server -selects-> Deployment.apps/argocd/argocd-repo-server",
            "Service/argocd/argocd-server -selects-> Deployment.apps/argocd/argocd-server",
        ])
    );
    // Strict, and still no Service "selects nothing"; the one problem is real: the
    // redis Secret is made by an init container at run time, not by the manifest.
    assert_eq!(
        problems(&g),
        lines(&[
            "Deployment.apps/argocd/argocd-redis dangling-reference: env Secret `argocd/argocd-redis`, which does not exist",
        ])
    );
}

#[test]
fn a_service_that_matches_no_template_selects_nothing() {
    let g = graph(
        "
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop}
        spec: {template: {metadata: {labels: {app: web}}}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: typo, namespace: shop}
        spec: {selector: {app: wbe}}
        ",
    );
    assert_eq!(edges_of(&g, "selects"), lines(&[]));
    assert_eq!(
        problems(&g),
        lines(&[
            "Service/shop/typo selects-nothing: selector `app=wbe` matches no pod (nor any workload's pod template) in namespace `shop`",
        ])
    );
}

#[test]
fn pods_win_over_templates_and_managed_workloads_are_not_templates() {
    // A live dump: the Service selects the pod; the ReplicaSet a Deployment manages is
    // never a template of its own.
    let g = graph(
        "
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop, uid: d}
        spec: {template: {metadata: {labels: {app: web}}}}
        ---
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata:
          name: web-1
          namespace: shop
          uid: rs
          ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d}]
        spec: {template: {metadata: {labels: {app: web}}}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web-1-a, namespace: shop, labels: {app: web}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        spec: {selector: {app: web}}
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: other, namespace: shop}
        spec: {selector: {matchLabels: {app: other}}}
        ",
    );
    assert_eq!(
        edges_of(&g, "selects"),
        lines(&["Service/shop/web -selects-> Pod/shop/web-1-a"])
    );
}

#[test]
fn a_cronjob_template_is_selected_through_its_job_template() {
    let g = graph(
        "
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: backup, namespace: ops}
        spec: {jobTemplate: {spec: {template: {metadata: {labels: {app: backup}}}}}}
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: backup, namespace: ops}
        spec: {selector: {matchLabels: {app: backup}}}
        ",
    );
    assert_eq!(
        edges_of(&g, "selects"),
        lines(&["PodDisruptionBudget.policy/ops/backup -selects-> CronJob.batch/ops/backup"])
    );
}

#[test]
fn a_selector_of_every_pod_is_one_fold_not_an_edge_per_pod() {
    let mut yaml = String::from(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: a}\nspec: {podSelector: {}}\n",
    );
    let pods = korral_topology::FOLD_EVERY_POD_ABOVE + 1;
    for i in 0..pods {
        yaml.push_str(&format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: a, labels: {{app: x{i}}}}}\n"
        ));
    }
    yaml.push_str("---\napiVersion: v1\nkind: Pod\nmetadata: {name: elsewhere, namespace: b}\n");
    let set = Loader::load_str("t.yaml", &yaml).unwrap();
    let g = infer(&set, InferOptions::default());
    assert_eq!(edges_of(&g, "selects"), lines(&[]));
    assert_eq!(g.folds().len(), 1);
    let fold = g.folds()[0];
    assert_eq!(
        g.nodes()[fold.source].id,
        "NetworkPolicy.networking.k8s.io/a/deny"
    );
    assert_eq!((fold.target, fold.count), (FoldTarget::Pods, pods));
    // Coverage is asked, not read from pairs.
    let pod = g.node_by_id("Pod/a/p7").unwrap();
    assert_eq!(
        g.folded_selectors_of(pod).collect::<Vec<_>>(),
        vec![fold.source]
    );
    let other = g.node_by_id("Pod/b/elsewhere").unwrap();
    assert_eq!(g.folded_selectors_of(other).count(), 0);
    let json = serde_json::to_value(&g).unwrap();
    assert_eq!(
        json["folded"],
        serde_json::json!([{"source": "NetworkPolicy.networking.k8s.io/a/deny", "relation": "selects", "namespace": "a", "target": "every-pod", "count": pods}])
    );
}

#[test]
fn a_selector_of_every_pod_in_a_small_namespace_is_an_edge_per_pod() {
    let g = graph(
        "
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny, namespace: a}
        spec: {podSelector: {}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: p1, namespace: a}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: p2, namespace: a, labels: {x: y}}
        ",
    );
    assert_eq!(
        edges_of(&g, "selects"),
        lines(&[
            "NetworkPolicy.networking.k8s.io/a/deny -selects-> Pod/a/p1",
            "NetworkPolicy.networking.k8s.io/a/deny -selects-> Pod/a/p2",
        ])
    );
    assert!(g.folds().is_empty());
}

#[test]
fn admission_webhooks_and_api_services_route_to_their_services() {
    // Shaped like cert-manager's webhook and metrics-server's components.yaml.
    let g = graph(
        "
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingWebhookConfiguration
        metadata: {name: cert-manager-webhook}
        webhooks:
        - name: webhook.cert-manager.io
          clientConfig:
            service: {name: cert-manager-webhook, namespace: cert-manager, path: /validate}
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: MutatingWebhookConfiguration
        metadata: {name: cert-manager-webhook}
        webhooks:
        - name: webhook.cert-manager.io
          clientConfig:
            service: {name: cert-manager-webhook, namespace: cert-manager, path: /mutate}
        - name: by-url
          clientConfig: {url: 'https://example.com/hook'}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: cert-manager-webhook, namespace: cert-manager}
        ---
        apiVersion: apiregistration.k8s.io/v1
        kind: APIService
        metadata: {name: v1beta1.metrics.k8s.io}
        spec:
          group: metrics.k8s.io
          service: {name: metrics-server, namespace: kube-system}
        ---
        apiVersion: apiregistration.k8s.io/v1
        kind: APIService
        metadata: {name: v1.apps}
        spec: {group: apps}
        ",
    );
    assert_eq!(
        edges_of(&g, "routes-to"),
        lines(&[
            "MutatingWebhookConfiguration.admissionregistration.k8s.io/cert-manager-webhook -routes-to-> Service/cert-manager/cert-manager-webhook",
            "ValidatingWebhookConfiguration.admissionregistration.k8s.io/cert-manager-webhook -routes-to-> Service/cert-manager/cert-manager-webhook",
        ])
    );
    assert_eq!(
        problems(&g),
        lines(&[
            "APIService.apiregistration.k8s.io/v1beta1.metrics.k8s.io dangling-reference: routes-to Service `kube-system/metrics-server`, which does not exist",
        ])
    );
}

#[test]
fn gateway_api_routes_attach_to_gateways_and_route_to_services() {
    let g = graph(
        "
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: public, namespace: infra}
        spec: {gatewayClassName: cilium}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: store, namespace: shop}
        spec:
          parentRefs: [{name: public, namespace: infra}]
          rules:
          - backendRefs: [{name: store, port: 80}, {name: store-canary, port: 80}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: api, namespace: shop}
        spec:
          parentRefs: [{name: internal}]
          rules: [{backendRefs: [{name: api, port: 9000}]}]
        ---
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: TCPRoute
        metadata: {name: db, namespace: shop}
        spec:
          rules: [{backendRefs: [{group: '', kind: Service, name: db, namespace: data, port: 5432}]}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: store, namespace: shop}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: api, namespace: shop}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: db, namespace: data}
        ",
    );
    assert_eq!(
        edges_of(&g, "routes-to"),
        lines(&[
            "GRPCRoute.gateway.networking.k8s.io/shop/api -routes-to-> Service/shop/api",
            "HTTPRoute.gateway.networking.k8s.io/shop/store -routes-to-> Service/shop/store",
            "TCPRoute.gateway.networking.k8s.io/shop/db -routes-to-> Service/data/db",
        ])
    );
    assert_eq!(
        edges_of(&g, "attaches-to"),
        lines(&[
            "HTTPRoute.gateway.networking.k8s.io/shop/store -attaches-to-> Gateway.gateway.networking.k8s.io/infra/public"
        ])
    );
    assert_eq!(
        problems(&g),
        lines(&[
            "GRPCRoute.gateway.networking.k8s.io/shop/api dangling-reference: attaches-to Gateway `shop/internal`, which does not exist",
            "HTTPRoute.gateway.networking.k8s.io/shop/store dangling-reference: routes-to Service `shop/store-canary`, which does not exist",
        ])
    );
}

#[test]
fn bindings_to_bootstrap_roles_are_never_dangling() {
    // metrics-server's components.yaml binds roles the cluster makes at bootstrap.
    let g = graph_with(
        "
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: metrics-server-auth-reader, namespace: kube-system}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: extension-apiserver-authentication-reader}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: metrics-server:system:auth-delegator}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:auth-delegator}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: admins}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: viewers, namespace: shop}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: mine, namespace: shop}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: shop-reader}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: unrelated}
        ",
        InferOptions { strict: true },
    );
    assert_eq!(
        problems(&g),
        lines(&[
            "RoleBinding.rbac.authorization.k8s.io/shop/mine dangling-reference: binds ClusterRole `shop-reader`, which does not exist",
        ])
    );
}
