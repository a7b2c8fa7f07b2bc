//! Every relation `infer` draws, from the Kubernetes field that names it. Each test
//! compares the whole edge list, so an extra edge fails as surely as a missing one.

use crate::util::{edges, edges_of, graph, lines, problems};

#[test]
fn owns_by_owner_uid() {
    let g = graph(
        "
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata: {name: web-5d8f, namespace: shop, uid: rs-uid}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-5d8f-abcde
          namespace: shop
          uid: pod-uid
          ownerReferences:
          - {apiVersion: apps/v1, kind: ReplicaSet, name: web-5d8f, uid: rs-uid, controller: true}
        ",
    );
    assert_eq!(
        edges(&g),
        lines(&["ReplicaSet.apps/shop/web-5d8f -owns-> Pod/shop/web-5d8f-abcde"])
    );
    assert_eq!(problems(&g), lines(&[]));
}

#[test]
fn owns_by_kind_and_name_in_the_namespace_when_manifests_have_no_uids() {
    // Two ReplicaSets called `web`: the owner is the one in the owned object's namespace.
    let g = graph(
        "
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata: {name: web, namespace: shop}
        ---
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata: {name: web, namespace: other}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-1
          namespace: shop
          ownerReferences:
          - {apiVersion: apps/v1, kind: ReplicaSet, name: web}
        ",
    );
    assert_eq!(
        edges(&g),
        lines(&["ReplicaSet.apps/shop/web -owns-> Pod/shop/web-1"])
    );
    assert_eq!(problems(&g), lines(&[]));
}

#[test]
fn owns_from_a_custom_resource() {
    // cert-manager's Certificate owns the Secret it issues; korral knows nothing of the
    // kind but its apiVersion, and needs nothing more.
    let g = graph(
        "
        apiVersion: cert-manager.io/v1
        kind: Certificate
        metadata: {name: shop-tls, namespace: shop, uid: cert-uid}
        spec: {secretName: shop-tls}
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: shop-tls
          namespace: shop
          uid: secret-uid
          ownerReferences:
          - {apiVersion: cert-manager.io/v1, kind: Certificate, name: shop-tls, uid: cert-uid, controller: true}
        type: kubernetes.io/tls
        ",
    );
    assert_eq!(
        edges(&g),
        lines(&["Certificate.cert-manager.io/shop/shop-tls -owns-> Secret/shop/shop-tls"])
    );
}

#[test]
fn owns_from_a_cluster_scoped_owner() {
    // Each Node owns its heartbeat Lease in `kube-node-lease`.
    let g = graph(
        "
        apiVersion: v1
        kind: Node
        metadata: {name: worker-1, uid: node-uid}
        ---
        apiVersion: coordination.k8s.io/v1
        kind: Lease
        metadata:
          name: worker-1
          namespace: kube-node-lease
          ownerReferences:
          - {apiVersion: v1, kind: Node, name: worker-1, uid: node-uid}
        ",
    );
    assert_eq!(
        edges(&g),
        lines(&["Node/worker-1 -owns-> Lease.coordination.k8s.io/kube-node-lease/worker-1"])
    );
}

/// Four pods whose labels tell the matchExpressions operators apart.
const LABELLED_PODS: &str = "
apiVersion: v1
kind: Pod
metadata: {name: prod, namespace: shop, labels: {app: web, env: prod}}
---
apiVersion: v1
kind: Pod
metadata: {name: staging, namespace: shop, labels: {app: web, env: staging}}
---
apiVersion: v1
kind: Pod
metadata: {name: unlabelled, namespace: shop, labels: {app: web}}
---
apiVersion: v1
kind: Pod
metadata: {name: canary, namespace: shop, labels: {app: db, env: prod, canary: 'true'}}
---
apiVersion: v1
kind: Pod
metadata: {name: elsewhere, namespace: other, labels: {app: web, env: prod, canary: 'true'}}
";

#[test]
fn service_selects_pods_of_its_namespace_by_every_label() {
    let g = graph(&format!(
        "{LABELLED_PODS}
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: shop}}
spec: {{selector: {{app: web}}}}
---
apiVersion: v1
kind: Service
metadata: {{name: web-prod, namespace: shop}}
spec: {{selector: {{app: web, env: prod}}}}
"
    ));
    assert_eq!(
        edges(&g),
        lines(&[
            "Service/shop/web -selects-> Pod/shop/prod",
            "Service/shop/web -selects-> Pod/shop/staging",
            "Service/shop/web -selects-> Pod/shop/unlabelled",
            "Service/shop/web-prod -selects-> Pod/shop/prod",
        ])
    );
    assert_eq!(problems(&g), lines(&[]));
}

#[test]
fn match_expressions_follow_kubernetes_semantics() {
    let policy = |name: &str, selector: &str| {
        format!(
            "---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: {name}, namespace: shop}}
spec:
  podSelector: {selector}
"
        )
    };
    let yaml = [
        LABELLED_PODS.to_owned(),
        policy(
            "in",
            "{matchExpressions: [{key: env, operator: In, values: [prod, staging]}]}",
        ),
        // NotIn also matches pods without the label at all.
        policy(
            "notin",
            "{matchExpressions: [{key: env, operator: NotIn, values: [prod]}]}",
        ),
        policy(
            "exists",
            "{matchExpressions: [{key: canary, operator: Exists}]}",
        ),
        policy(
            "doesnotexist",
            "{matchExpressions: [{key: env, operator: DoesNotExist}]}",
        ),
        policy(
            "labels-and-expressions",
            "{matchLabels: {app: web}, matchExpressions: [{key: env, operator: NotIn, values: [staging]}]}",
        ),
    ]
    .concat();
    let g = graph(&yaml);
    assert_eq!(
        edges(&g),
        lines(&[
            "NetworkPolicy.networking.k8s.io/shop/doesnotexist -selects-> Pod/shop/unlabelled",
            "NetworkPolicy.networking.k8s.io/shop/exists -selects-> Pod/shop/canary",
            "NetworkPolicy.networking.k8s.io/shop/in -selects-> Pod/shop/canary",
            "NetworkPolicy.networking.k8s.io/shop/in -selects-> Pod/shop/prod",
            "NetworkPolicy.networking.k8s.io/shop/in -selects-> Pod/shop/staging",
            "NetworkPolicy.networking.k8s.io/shop/labels-and-expressions -selects-> Pod/shop/prod",
            "NetworkPolicy.networking.k8s.io/shop/labels-and-expressions -selects-> Pod/shop/unlabelled",
            "NetworkPolicy.networking.k8s.io/shop/notin -selects-> Pod/shop/staging",
            "NetworkPolicy.networking.k8s.io/shop/notin -selects-> Pod/shop/unlabelled",
        ])
    );
    assert_eq!(problems(&g), lines(&[]));
}

#[test]
fn empty_network_policy_pod_selector_selects_every_pod_of_its_namespace() {
    let g = graph(&format!(
        "{LABELLED_PODS}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: default-deny, namespace: shop}}
spec:
  podSelector: {{}}
  policyTypes: [Ingress]
"
    ));
    assert_eq!(
        edges(&g),
        lines(&[
            "NetworkPolicy.networking.k8s.io/shop/default-deny -selects-> Pod/shop/canary",
            "NetworkPolicy.networking.k8s.io/shop/default-deny -selects-> Pod/shop/prod",
            "NetworkPolicy.networking.k8s.io/shop/default-deny -selects-> Pod/shop/staging",
            "NetworkPolicy.networking.k8s.io/shop/default-deny -selects-> Pod/shop/unlabelled",
        ])
    );
}

#[test]
fn pod_disruption_budget_selects_by_label_selector() {
    let g = graph(&format!(
        "{LABELLED_PODS}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: web, namespace: shop}}
spec:
  minAvailable: 1
  selector: {{matchLabels: {{app: web}}, matchExpressions: [{{key: env, operator: Exists}}]}}
"
    ));
    assert_eq!(
        edges(&g),
        lines(&[
            "PodDisruptionBudget.policy/shop/web -selects-> Pod/shop/prod",
            "PodDisruptionBudget.policy/shop/web -selects-> Pod/shop/staging",
        ])
    );
}

#[test]
fn pod_disruption_budget_with_an_empty_selector_selects_every_pod_of_its_namespace() {
    // policy/v1: `selector: {}` matches all pods in the namespace; a missing selector
    // matches none.
    let g = graph(&format!(
        "{LABELLED_PODS}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: all, namespace: shop}}
spec: {{maxUnavailable: 1, selector: {{}}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: none, namespace: shop}}
spec: {{maxUnavailable: 1}}
"
    ));
    assert_eq!(
        edges(&g),
        lines(&[
            "PodDisruptionBudget.policy/shop/all -selects-> Pod/shop/canary",
            "PodDisruptionBudget.policy/shop/all -selects-> Pod/shop/prod",
            "PodDisruptionBudget.policy/shop/all -selects-> Pod/shop/staging",
            "PodDisruptionBudget.policy/shop/all -selects-> Pod/shop/unlabelled",
        ])
    );
    assert_eq!(problems(&g), lines(&[]));
}

#[test]
fn v1beta1_pod_disruption_budget_with_an_empty_selector_selects_nothing() {
    // Kubernetes docs, "Specifying a Disruption Budget": for policy/v1beta1 an empty
    // selector matches zero pods, for policy/v1 every pod in the namespace. Old dumps
    // still hold v1beta1 objects.
    let g = graph(&format!(
        "{LABELLED_PODS}
---
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: {{name: old, namespace: shop}}
spec: {{maxUnavailable: 1, selector: {{}}}}
"
    ));
    assert_eq!(edges(&g), lines(&[]));
}

#[test]
fn service_without_selector_selects_nothing_and_is_no_problem() {
    // Its endpoints are managed by hand (an external database, say).
    let g = graph(&format!(
        "{LABELLED_PODS}
---
apiVersion: v1
kind: Service
metadata: {{name: external-db, namespace: shop}}
spec:
  ports: [{{port: 5432}}]
"
    ));
    assert_eq!(edges(&g), lines(&[]));
    assert_eq!(problems(&g), lines(&[]));
}

#[test]
fn mounts_claims_config_maps_and_secrets_from_volumes() {
    let g = graph(
        "
        apiVersion: v1
        kind: Pod
        metadata: {name: web-1, namespace: shop}
        spec:
          containers: [{name: web, image: web}]
          volumes:
          - {name: data, persistentVolumeClaim: {claimName: data}}
          - {name: cfg, configMap: {name: cfg}}
          - {name: tls, secret: {secretName: tls}}
          - {name: tmp, emptyDir: {}}
          - name: bundle
            projected:
              sources:
              - configMap: {name: bundle-cm}
              - secret: {name: bundle-secret}
              - serviceAccountToken: {path: token}
              - downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
          - name: scratch
            ephemeral:
              volumeClaimTemplate:
                spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data, namespace: shop}
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: web-1-scratch, namespace: shop}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: cfg, namespace: shop}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: bundle-cm, namespace: shop}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: tls, namespace: shop}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: bundle-secret, namespace: shop}
        ",
    );
    assert_eq!(
        edges(&g),
        lines(&[
            "Pod/shop/web-1 -mounts-> ConfigMap/shop/bundle-cm",
            "Pod/shop/web-1 -mounts-> ConfigMap/shop/cfg",
            "Pod/shop/web-1 -mounts-> PersistentVolumeClaim/shop/data",
            "Pod/shop/web-1 -mounts-> PersistentVolumeClaim/shop/web-1-scratch",
            "Pod/shop/web-1 -mounts-> Secret/shop/bundle-secret",
            "Pod/shop/web-1 -mounts-> Secret/shop/tls",
        ])
    );
    assert_eq!(problems(&g), lines(&[]));
}

#[test]
fn mounts_only_from_the_pods_own_namespace() {
    let g = graph(
        "
        apiVersion: v1
        kind: Pod
        metadata: {name: web-1, namespace: shop}
        spec:
          volumes: [{name: cfg, configMap: {name: cfg}}]
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: cfg, namespace: shop}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: cfg, namespace: other}
        ",
    );
    assert_eq!(
        edges(&g),
        lines(&["Pod/shop/web-1 -mounts-> ConfigMap/shop/cfg"])
    );
}

#[test]
fn env_from_value_from_and_env_from_in_containers_and_init_containers() {
    let g = graph(
        "
        apiVersion: v1
        kind: Pod
        metadata: {name: api-1, namespace: shop}
        spec:
          initContainers:
          - name: migrate
            env:
            - name: DB_PASSWORD
              valueFrom: {secretKeyRef: {name: init-secret, key: password}}
            envFrom:
            - configMapRef: {name: init-cm}
          containers:
          - name: api
            env:
            - {name: PLAIN, value: x}
            - name: NODE
              valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
            - name: URL
              valueFrom: {configMapKeyRef: {name: key-cm, key: url}}
            - name: TOKEN
              valueFrom: {secretKeyRef: {name: key-secret, key: token}}
            envFrom:
            - configMapRef: {name: from-cm}
            - secretRef: {name: from-secret}
              prefix: S_
        ---
        {apiVersion: v1, kind: ConfigMap, metadata: {name: init-cm, namespace: shop}}
        ---
        {apiVersion: v1, kind: ConfigMap, metadata: {name: key-cm, namespace: shop}}
        ---
        {apiVersion: v1, kind: ConfigMap, metadata: {name: from-cm, namespace: shop}}
        ---
        {apiVersion: v1, kind: Secret, metadata: {name: init-secret, namespace: shop}}
        ---
        {apiVersion: v1, kind: Secret, metadata: {name: key-secret, namespace: shop}}
        ---
        {apiVersion: v1, kind: Secret, metadata: {name: from-secret, namespace: shop}}
        ",
    );
    assert_eq!(
        edges(&g),
        lines(&[
            "Pod/shop/api-1 -env-> ConfigMap/shop/from-cm",
            "Pod/shop/api-1 -env-> ConfigMap/shop/init-cm",
            "Pod/shop/api-1 -env-> ConfigMap/shop/key-cm",
            "Pod/shop/api-1 -env-> Secret/shop/from-secret",
            "Pod/shop/api-1 -env-> Secret/shop/init-secret",
            "Pod/shop/api-1 -env-> Secret/shop/key-secret",
        ])
    );
    assert_eq!(problems(&g), lines(&[]));
}

#[test]
fn pulls_with_runs_as_and_runs_on() {
    let g = graph(
        "
        apiVersion: v1
        kind: Pod
        metadata: {name: api-1, namespace: shop}
        spec:
          serviceAccountName: api
          nodeName: worker-1
          imagePullSecrets: [{name: regcred}, {name: mirror}]
          containers: [{name: api, image: api}]
        ---
        {apiVersion: v1, kind: Secret, metadata: {name: regcred, namespace: shop}}
        ---
        {apiVersion: v1, kind: Secret, metadata: {name: mirror, namespace: shop}}
        ---
        {apiVersion: v1, kind: ServiceAccount, metadata: {name: api, namespace: shop}}
        ---
        {apiVersion: v1, kind: ServiceAccount, metadata: {name: default, namespace: shop}}
        ---
        {apiVersion: v1, kind: Node, metadata: {name: worker-1}}
        ---
        {apiVersion: v1, kind: Node, metadata: {name: worker-2}}
        ",
    );
    assert_eq!(
        edges(&g),
        lines(&[
            "Pod/shop/api-1 -pulls-with-> Secret/shop/mirror",
            "Pod/shop/api-1 -pulls-with-> Secret/shop/regcred",
            "Pod/shop/api-1 -runs-as-> ServiceAccount/shop/api",
            "Pod/shop/api-1 -runs-on-> Node/worker-1",
        ])
    );
}

#[test]
fn runs_as_the_default_service_account_when_none_is_named() {
    let g = graph(
        "
        apiVersion: v1
        kind: Pod
        metadata: {name: unset, namespace: shop}
        spec: {containers: [{name: c, image: c}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: empty, namespace: shop}
        spec: {serviceAccountName: '', containers: [{name: c, image: c}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: deprecated-field, namespace: shop}
        spec: {serviceAccount: builder, containers: [{name: c, image: c}]}
        ---
        {apiVersion: v1, kind: ServiceAccount, metadata: {name: default, namespace: shop}}
        ---
        {apiVersion: v1, kind: ServiceAccount, metadata: {name: builder, namespace: shop}}
        ---
        {apiVersion: v1, kind: ServiceAccount, metadata: {name: default, namespace: other}}
        ",
    );
    assert_eq!(
        edges(&g),
        lines(&[
            "Pod/shop/deprecated-field -runs-as-> ServiceAccount/shop/builder",
            "Pod/shop/empty -runs-as-> ServiceAccount/shop/default",
            "Pod/shop/unset -runs-as-> ServiceAccount/shop/default",
        ])
    );
}

#[test]
fn claims_bind_to_volumes_and_storage_has_a_class() {
    let g = graph(
        "
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data, namespace: shop}
        spec: {volumeName: pv-1, storageClassName: fast, accessModes: [ReadWriteOnce]}
        ---
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: pv-1}
        spec:
          storageClassName: fast
          claimRef: {kind: PersistentVolumeClaim, namespace: shop, name: data}
        ---
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: fast}
        provisioner: rancher.io/local-path
        ---
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: slow}
        provisioner: rancher.io/local-path
        ",
    );
    assert_eq!(
        edges(&g),
        lines(&[
            "PersistentVolume/pv-1 -class-> StorageClass.storage.k8s.io/fast",
            "PersistentVolumeClaim/shop/data -bound-to-> PersistentVolume/pv-1",
            "PersistentVolumeClaim/shop/data -class-> StorageClass.storage.k8s.io/fast",
        ])
    );
}

#[test]
fn ingress_has_a_class_routes_to_services_and_takes_tls_secrets() {
    let g = graph(
        "
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: shop, namespace: shop}
        spec:
          ingressClassName: nginx
          defaultBackend:
            service: {name: errorpages, port: {number: 80}}
          tls:
          - {hosts: [shop.example.com], secretName: shop-tls}
          rules:
          - host: shop.example.com
            http:
              paths:
              - {path: /, pathType: Prefix, backend: {service: {name: frontend, port: {number: 80}}}}
              - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}
          - host: static.example.com
        ---
        {apiVersion: v1, kind: Service, metadata: {name: errorpages, namespace: shop}}
        ---
        {apiVersion: v1, kind: Service, metadata: {name: frontend, namespace: shop}}
        ---
        {apiVersion: v1, kind: Service, metadata: {name: api, namespace: shop}}
        ---
        {apiVersion: v1, kind: Secret, metadata: {name: shop-tls, namespace: shop}}
        ---
        {apiVersion: networking.k8s.io/v1, kind: IngressClass, metadata: {name: nginx}, spec: {controller: k8s.io/ingress-nginx}}
        ",
    );
    assert_eq!(
        edges(&g),
        lines(&[
            "Ingress.networking.k8s.io/shop/shop -class-> IngressClass.networking.k8s.io/nginx",
            "Ingress.networking.k8s.io/shop/shop -routes-to-> Service/shop/api",
            "Ingress.networking.k8s.io/shop/shop -routes-to-> Service/shop/errorpages",
            "Ingress.networking.k8s.io/shop/shop -routes-to-> Service/shop/frontend",
            "Ingress.networking.k8s.io/shop/shop -tls-> Secret/shop/shop-tls",
        ])
    );
    assert_eq!(problems(&g), lines(&[]));
}

#[test]
fn legacy_ingress_backends_route_too() {
    // extensions/v1beta1 and networking.k8s.io/v1beta1 wrote `backend.serviceName`, and
    // the default backend as `spec.backend`.
    let g = graph(
        "
        apiVersion: extensions/v1beta1
        kind: Ingress
        metadata: {name: old, namespace: shop}
        spec:
          backend: {serviceName: errorpages, servicePort: 80}
          rules:
          - http:
              paths:
              - {path: /, backend: {serviceName: frontend, servicePort: 80}}
        ---
        {apiVersion: v1, kind: Service, metadata: {name: errorpages, namespace: shop}}
        ---
        {apiVersion: v1, kind: Service, metadata: {name: frontend, namespace: shop}}
        ",
    );
    assert_eq!(
        edges(&g),
        lines(&[
            "Ingress.extensions/shop/old -routes-to-> Service/shop/errorpages",
            "Ingress.extensions/shop/old -routes-to-> Service/shop/frontend",
        ])
    );
}

#[test]
fn horizontal_and_vertical_autoscalers_scale_their_target() {
    let g = graph(
        "
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: web, namespace: shop}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
          minReplicas: 2
          maxReplicas: 5
        ---
        apiVersion: autoscaling.k8s.io/v1
        kind: VerticalPodAutoscaler
        metadata: {name: redis, namespace: shop}
        spec:
          targetRef: {apiVersion: apps/v1, kind: StatefulSet, name: redis}
          updatePolicy: {updateMode: 'Off'}
        ---
        {apiVersion: apps/v1, kind: Deployment, metadata: {name: web, namespace: shop}}
        ---
        {apiVersion: apps/v1, kind: StatefulSet, metadata: {name: redis, namespace: shop}}
        ",
    );
    assert_eq!(
        edges(&g),
        lines(&[
            "HorizontalPodAutoscaler.autoscaling/shop/web -scales-> Deployment.apps/shop/web",
            "VerticalPodAutoscaler.autoscaling.k8s.io/shop/redis -scales-> StatefulSet.apps/shop/redis",
        ])
    );
}

#[test]
fn services_have_endpoint_slices_that_target_pods() {
    let g = graph(
        "
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: web-abcde
          namespace: shop
          labels: {kubernetes.io/service-name: web}
        addressType: IPv4
        endpoints:
        - addresses: [10.0.0.1]
          targetRef: {kind: Pod, name: web-1, namespace: shop, uid: pod-1}
        - addresses: [10.0.0.2]
          targetRef: {kind: Pod, name: web-2, namespace: shop}
        - addresses: [10.0.0.3]
        ---
        {apiVersion: v1, kind: Pod, metadata: {name: web-1, namespace: shop, uid: pod-1}}
        ---
        {apiVersion: v1, kind: Pod, metadata: {name: web-2, namespace: shop}}
        ---
        {apiVersion: v1, kind: Pod, metadata: {name: web-3, namespace: shop}}
        ",
    );
    assert_eq!(
        edges(&g),
        lines(&[
            "EndpointSlice.discovery.k8s.io/shop/web-abcde -targets-> Pod/shop/web-1",
            "EndpointSlice.discovery.k8s.io/shop/web-abcde -targets-> Pod/shop/web-2",
            "Service/shop/web -endpoints-> EndpointSlice.discovery.k8s.io/shop/web-abcde",
        ])
    );
}

#[test]
fn bindings_bind_roles_and_grant_service_accounts() {
    let g = graph(
        "
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: api, namespace: shop}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
        subjects:
        - {kind: ServiceAccount, name: api}
        - {kind: ServiceAccount, name: grafana, namespace: monitoring}
        - {kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}
        - {kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: view, namespace: shop}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
        subjects:
        - {kind: ServiceAccount, name: api, namespace: shop}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: deployer}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
        subjects:
        - {kind: ServiceAccount, name: deployer, namespace: ops}
        ---
        {apiVersion: rbac.authorization.k8s.io/v1, kind: Role, metadata: {name: reader, namespace: shop}}
        ---
        {apiVersion: rbac.authorization.k8s.io/v1, kind: Role, metadata: {name: reader, namespace: other}}
        ---
        {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: view}}
        ---
        {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: admin}}
        ---
        {apiVersion: v1, kind: ServiceAccount, metadata: {name: api, namespace: shop}}
        ---
        {apiVersion: v1, kind: ServiceAccount, metadata: {name: grafana, namespace: monitoring}}
        ---
        {apiVersion: v1, kind: ServiceAccount, metadata: {name: grafana, namespace: shop}}
        ---
        {apiVersion: v1, kind: ServiceAccount, metadata: {name: deployer, namespace: ops}}
        ",
    );
    assert_eq!(
        edges(&g),
        lines(&[
            "ClusterRoleBinding.rbac.authorization.k8s.io/deployer -binds-> ClusterRole.rbac.authorization.k8s.io/admin",
            "ClusterRoleBinding.rbac.authorization.k8s.io/deployer -grants-> ServiceAccount/ops/deployer",
            "RoleBinding.rbac.authorization.k8s.io/shop/api -binds-> Role.rbac.authorization.k8s.io/shop/reader",
            "RoleBinding.rbac.authorization.k8s.io/shop/api -grants-> ServiceAccount/monitoring/grafana",
            "RoleBinding.rbac.authorization.k8s.io/shop/api -grants-> ServiceAccount/shop/api",
            "RoleBinding.rbac.authorization.k8s.io/shop/view -binds-> ClusterRole.rbac.authorization.k8s.io/view",
            "RoleBinding.rbac.authorization.k8s.io/shop/view -grants-> ServiceAccount/shop/api",
        ])
    );
    assert_eq!(problems(&g), lines(&[]));
}

#[test]
fn two_relations_between_one_pair_are_both_kept_and_a_repeated_one_is_one_edge() {
    let g = graph(
        "
        apiVersion: v1
        kind: Pod
        metadata: {name: web-1, namespace: shop}
        spec:
          volumes:
          - {name: a, configMap: {name: cfg}}
          - {name: b, configMap: {name: cfg, items: [{key: x, path: x}]}}
          containers:
          - name: web
            envFrom: [{configMapRef: {name: cfg}}]
            env:
            - name: X
              valueFrom: {configMapKeyRef: {name: cfg, key: x}}
          - name: sidecar
            envFrom: [{configMapRef: {name: cfg}}]
        ---
        {apiVersion: v1, kind: ConfigMap, metadata: {name: cfg, namespace: shop}}
        ",
    );
    assert_eq!(
        edges(&g),
        lines(&[
            "Pod/shop/web-1 -env-> ConfigMap/shop/cfg",
            "Pod/shop/web-1 -mounts-> ConfigMap/shop/cfg",
        ])
    );
}

#[test]
fn workload_pod_templates_draw_the_edges_their_pods_would() {
    let template = "
    template:
      metadata: {labels: {app: x}}
      spec:
        serviceAccountName: app
        imagePullSecrets: [{name: regcred}]
        volumes: [{name: cfg, configMap: {name: cfg}}]
        containers:
        - name: c
          image: c
          envFrom: [{secretRef: {name: creds}}]";
    let workload = |api: &str, kind: &str, name: &str, spec: &str| {
        format!(
            "---\napiVersion: {api}\nkind: {kind}\nmetadata: {{name: {name}, namespace: shop}}\nspec:{spec}\n"
        )
    };
    let cron_spec = format!(
        "\n  schedule: '0 2 * * *'\n  jobTemplate:\n    spec:{}",
        template.replace("\n    ", "\n        ")
    );
    let yaml = [
        workload("apps/v1", "Deployment", "deploy", template),
        workload("apps/v1", "StatefulSet", "sts", template),
        workload("apps/v1", "DaemonSet", "ds", template),
        workload("batch/v1", "Job", "job", template),
        workload("batch/v1", "CronJob", "cron", &cron_spec),
        "
---
{apiVersion: v1, kind: ConfigMap, metadata: {name: cfg, namespace: shop}}
---
{apiVersion: v1, kind: Secret, metadata: {name: creds, namespace: shop}}
---
{apiVersion: v1, kind: Secret, metadata: {name: regcred, namespace: shop}}
---
{apiVersion: v1, kind: ServiceAccount, metadata: {name: app, namespace: shop}}
"
        .to_owned(),
    ]
    .concat();
    let g = graph(&yaml);
    let mut expected = Vec::new();
    for source in [
        "CronJob.batch/shop/cron",
        "DaemonSet.apps/shop/ds",
        "Deployment.apps/shop/deploy",
        "Job.batch/shop/job",
        "StatefulSet.apps/shop/sts",
    ] {
        expected.extend([
            format!("{source} -env-> Secret/shop/creds"),
            format!("{source} -mounts-> ConfigMap/shop/cfg"),
            format!("{source} -pulls-with-> Secret/shop/regcred"),
            format!("{source} -runs-as-> ServiceAccount/shop/app"),
        ]);
    }
    expected.sort();
    assert_eq!(edges(&g), expected);
    assert_eq!(problems(&g), lines(&[]));
}

#[test]
fn replica_set_of_a_deployment_in_the_input_leaves_the_template_to_it() {
    // The ReplicaSet's template is the Deployment's: drawing it twice would double every
    // edge. A ReplicaSet on its own draws its template like any workload, and a Job run
    // by a CronJob in the input leaves it to the CronJob.
    let g = graph(
        "
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop, uid: deploy-uid}
        spec:
          template:
            spec:
              volumes: [{name: cfg, configMap: {name: cfg}}]
        ---
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata:
          name: web-5d8f
          namespace: shop
          ownerReferences:
          - {apiVersion: apps/v1, kind: Deployment, name: web, uid: deploy-uid, controller: true}
        spec:
          template:
            spec:
              volumes: [{name: cfg, configMap: {name: cfg}}]
        ---
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata: {name: standalone, namespace: shop}
        spec:
          template:
            spec:
              volumes: [{name: cfg, configMap: {name: cfg}}]
        ---
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: nightly, namespace: shop}
        spec:
          jobTemplate:
            spec:
              template:
                spec:
                  containers: [{name: c, envFrom: [{configMapRef: {name: cfg}}]}]
        ---
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: nightly-28602840
          namespace: shop
          ownerReferences:
          - {apiVersion: batch/v1, kind: CronJob, name: nightly}
        spec:
          template:
            spec:
              containers: [{name: c, envFrom: [{configMapRef: {name: cfg}}]}]
        ---
        {apiVersion: v1, kind: ConfigMap, metadata: {name: cfg, namespace: shop}}
        ",
    );
    assert_eq!(
        edges(&g),
        lines(&[
            "CronJob.batch/shop/nightly -env-> ConfigMap/shop/cfg",
            "CronJob.batch/shop/nightly -owns-> Job.batch/shop/nightly-28602840",
            "Deployment.apps/shop/web -mounts-> ConfigMap/shop/cfg",
            "Deployment.apps/shop/web -owns-> ReplicaSet.apps/shop/web-5d8f",
            "ReplicaSet.apps/shop/standalone -mounts-> ConfigMap/shop/cfg",
        ])
    );
}

#[test]
fn workload_templates_do_not_name_ephemeral_claims() {
    // A template's pods do not exist yet, so neither do their `<pod>-<volume>` claims.
    let g = graph(
        "
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: search, namespace: shop}
        spec:
          template:
            spec:
              volumes:
              - name: scratch
                ephemeral: {volumeClaimTemplate: {spec: {accessModes: [ReadWriteOnce]}}}
        ---
        {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: search-scratch, namespace: shop}}
        ",
    );
    assert_eq!(edges_of(&g, "mounts"), lines(&[]));
    assert_eq!(problems(&g), lines(&[]));
}
