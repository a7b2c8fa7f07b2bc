//! Problems: dangling references, Services that select nothing, duplicates and invalid
//! selectors; what is deliberately not a problem; and odd input that must not panic.

use korral_topology::{Format, InferOptions, View, export, infer};

use crate::util::{edges, graph, graph_with, lines, load, problems};

#[test]
fn owner_reference_to_a_missing_owner_is_dangling() {
    // The ReplicaSet kind is in the input, so a missing ReplicaSet is a real gap.
    let g = graph(
        "
        ---
        {apiVersion: apps/v1, kind: ReplicaSet, metadata: {name: web-new, namespace: shop}}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-1
          namespace: shop
          ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-old}]
        ",
    );
    assert_eq!(edges(&g), lines(&[]));
    assert_eq!(
        problems(&g),
        lines(&[
            "Pod/shop/web-1 dangling-reference: owned by ReplicaSet `shop/web-old`, which does not exist"
        ])
    );
}

#[test]
fn owner_uid_of_a_deleted_object_is_dangling_even_when_the_name_is_taken() {
    // The ReplicaSet was deleted and created again under the same name: the pod's owner
    // is gone, and the new ReplicaSet does not own it.
    let g = graph(
        "
        ---
        {apiVersion: apps/v1, kind: ReplicaSet, metadata: {name: web, namespace: shop, uid: new-uid}}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-1
          namespace: shop
          uid: pod-uid
          ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web, uid: old-uid}]
        ",
    );
    assert_eq!(edges(&g), lines(&[]));
    assert_eq!(
        problems(&g),
        lines(&[
            "Pod/shop/web-1 dangling-reference: owned by ReplicaSet `shop/web` with uid old-uid, but that object has uid new-uid: it was deleted and created again"
        ])
    );
}

/// One object of each kind a pod names, so that a missing one is a dangling reference.
const ONE_OF_EACH: &str = "
---
{apiVersion: v1, kind: ConfigMap, metadata: {name: present, namespace: shop}}
---
{apiVersion: v1, kind: Secret, metadata: {name: present, namespace: shop}}
---
{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: present, namespace: shop}}
---
{apiVersion: v1, kind: ServiceAccount, metadata: {name: default, namespace: shop}}
";

#[test]
fn missing_volume_sources_are_dangling() {
    let g = graph(&format!(
        "
apiVersion: v1
kind: Pod
metadata: {{name: web-1, namespace: shop}}
spec:
  volumes:
  - {{name: a, configMap: {{name: gone-cm}}}}
  - {{name: b, secret: {{secretName: gone-secret}}}}
  - {{name: c, persistentVolumeClaim: {{claimName: gone-claim}}}}
  - name: d
    projected: {{sources: [{{configMap: {{name: gone-projected}}}}]}}
  - name: e
    # The ephemeral claim `web-1-e` comes and goes with the pod: never a problem.
    ephemeral: {{volumeClaimTemplate: {{spec: {{}}}}}}
{ONE_OF_EACH}"
    ));
    assert_eq!(
        edges(&g),
        lines(&["Pod/shop/web-1 -runs-as-> ServiceAccount/shop/default"])
    );
    assert_eq!(
        problems(&g),
        lines(&[
            "Pod/shop/web-1 dangling-reference: mounts ConfigMap `shop/gone-cm`, which does not exist",
            "Pod/shop/web-1 dangling-reference: mounts ConfigMap `shop/gone-projected`, which does not exist",
            "Pod/shop/web-1 dangling-reference: mounts PersistentVolumeClaim `shop/gone-claim`, which does not exist",
            "Pod/shop/web-1 dangling-reference: mounts Secret `shop/gone-secret`, which does not exist",
        ])
    );
}

#[test]
fn missing_env_sources_pull_secrets_and_service_accounts_are_dangling() {
    let g = graph(&format!(
        "
apiVersion: v1
kind: Pod
metadata: {{name: web-1, namespace: shop}}
spec:
  serviceAccountName: gone-sa
  imagePullSecrets: [{{name: gone-regcred}}]
  initContainers:
  - name: init
    envFrom: [{{secretRef: {{name: gone-init-secret}}}}]
  containers:
  - name: web
    env:
    - name: A
      valueFrom: {{configMapKeyRef: {{name: gone-cm, key: a}}}}
    envFrom: [{{configMapRef: {{name: present}}}}]
{ONE_OF_EACH}"
    ));
    assert_eq!(
        edges(&g),
        lines(&["Pod/shop/web-1 -env-> ConfigMap/shop/present"])
    );
    assert_eq!(
        problems(&g),
        lines(&[
            "Pod/shop/web-1 dangling-reference: env ConfigMap `shop/gone-cm`, which does not exist",
            "Pod/shop/web-1 dangling-reference: env Secret `shop/gone-init-secret`, which does not exist",
            "Pod/shop/web-1 dangling-reference: pulls-with Secret `shop/gone-regcred`, which does not exist",
            "Pod/shop/web-1 dangling-reference: runs-as ServiceAccount `shop/gone-sa`, which does not exist",
        ])
    );
}

#[test]
fn optional_config_map_and_secret_references_may_be_missing() {
    let g = graph(&format!(
        "
apiVersion: v1
kind: Pod
metadata: {{name: web-1, namespace: shop}}
spec:
  volumes:
  - {{name: a, configMap: {{name: opt-cm, optional: true}}}}
  - {{name: b, secret: {{secretName: opt-secret, optional: true}}}}
  - name: c
    projected:
      sources:
      - configMap: {{name: opt-projected-cm, optional: true}}
      - secret: {{name: opt-projected-secret, optional: true}}
  - {{name: d, configMap: {{name: required-cm, optional: false}}}}
  containers:
  - name: web
    env:
    - name: A
      valueFrom: {{configMapKeyRef: {{name: opt-key-cm, key: a, optional: true}}}}
    - name: B
      valueFrom: {{secretKeyRef: {{name: opt-key-secret, key: b, optional: true}}}}
    envFrom:
    - configMapRef: {{name: opt-from-cm, optional: true}}
    - secretRef: {{name: opt-from-secret, optional: true}}
{ONE_OF_EACH}"
    ));
    assert_eq!(
        problems(&g),
        lines(&[
            "Pod/shop/web-1 dangling-reference: mounts ConfigMap `shop/required-cm`, which does not exist"
        ])
    );
}

#[test]
fn missing_claims_volumes_classes_roles_backends_and_scale_targets_are_dangling() {
    let g = graph(
        "
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data, namespace: shop}
        spec: {volumeName: gone-pv, storageClassName: gone-class}
        ---
        {apiVersion: v1, kind: PersistentVolume, metadata: {name: other-pv}}
        ---
        {apiVersion: storage.k8s.io/v1, kind: StorageClass, metadata: {name: other-class}}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: rb, namespace: shop}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: gone-role}
        subjects: [{kind: ServiceAccount, name: gone-sa}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: crb}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: gone-cluster-role}
        ---
        {apiVersion: rbac.authorization.k8s.io/v1, kind: Role, metadata: {name: gone-role, namespace: other}}
        ---
        {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: view}}
        ---
        {apiVersion: v1, kind: ServiceAccount, metadata: {name: default, namespace: shop}}
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: shop, namespace: shop}
        spec:
          ingressClassName: gone-class
          defaultBackend: {service: {name: gone-default, port: {number: 80}}}
          tls: [{secretName: gone-tls}]
          rules:
          - http:
              paths:
              - {path: /, pathType: Prefix, backend: {service: {name: gone-svc, port: {number: 80}}}}
        ---
        {apiVersion: networking.k8s.io/v1, kind: IngressClass, metadata: {name: nginx}}
        ---
        {apiVersion: v1, kind: Service, metadata: {name: other, namespace: shop}}
        ---
        {apiVersion: v1, kind: Secret, metadata: {name: other, namespace: shop}}
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: web, namespace: shop}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: gone-deploy}
        ---
        {apiVersion: apps/v1, kind: Deployment, metadata: {name: other, namespace: shop}}
        ",
    );
    // The Deployment has no template: it runs as `default`, which is there.
    assert_eq!(
        edges(&g),
        lines(&["Deployment.apps/shop/other -runs-as-> ServiceAccount/shop/default"])
    );
    assert_eq!(
        problems(&g),
        lines(&[
            "ClusterRoleBinding.rbac.authorization.k8s.io/crb dangling-reference: binds ClusterRole `gone-cluster-role`, which does not exist",
            "HorizontalPodAutoscaler.autoscaling/shop/web dangling-reference: scales Deployment `shop/gone-deploy`, which does not exist",
            "Ingress.networking.k8s.io/shop/shop dangling-reference: class IngressClass `gone-class`, which does not exist",
            "Ingress.networking.k8s.io/shop/shop dangling-reference: routes-to Service `shop/gone-default`, which does not exist",
            "Ingress.networking.k8s.io/shop/shop dangling-reference: routes-to Service `shop/gone-svc`, which does not exist",
            "Ingress.networking.k8s.io/shop/shop dangling-reference: tls Secret `shop/gone-tls`, which does not exist",
            "PersistentVolumeClaim/shop/data dangling-reference: bound-to PersistentVolume `gone-pv`, which does not exist",
            "PersistentVolumeClaim/shop/data dangling-reference: class StorageClass `gone-class`, which does not exist",
            "RoleBinding.rbac.authorization.k8s.io/shop/rb dangling-reference: binds Role `shop/gone-role`, which does not exist",
            "RoleBinding.rbac.authorization.k8s.io/shop/rb dangling-reference: grants ServiceAccount `shop/gone-sa`, which does not exist",
        ])
    );
}

#[test]
fn service_that_selects_no_pod_is_a_problem_when_pods_are_in_the_input() {
    // The only `app: web` pod is in another namespace.
    let g = graph(
        "
        ---
        {apiVersion: v1, kind: Service, metadata: {name: web, namespace: shop}, spec: {selector: {app: web}}}
        ---
        {apiVersion: v1, kind: Pod, metadata: {name: web-1, namespace: other, labels: {app: web}}}
        ",
    );
    assert_eq!(edges(&g), lines(&[]));
    assert_eq!(
        problems(&g),
        lines(&[
            "Service/shop/web selects-nothing: selector `app=web` matches no pod (nor any workload's pod template) in namespace `shop`"
        ])
    );
}

#[test]
fn service_selecting_from_manifests_without_pods_is_no_problem() {
    // Manifests hold Deployments, not Pods: there is nothing to select yet.
    let yaml = "
        ---
        {apiVersion: v1, kind: Service, metadata: {name: web, namespace: shop}, spec: {selector: {app: web}}}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop}
        spec:
          selector: {matchLabels: {app: web}}
          template: {metadata: {labels: {app: web}}}
        ";
    let g = graph(yaml);
    assert_eq!(problems(&g), lines(&[]));
    // Strict too: the Service selects the Deployment's pod template (it used to be
    // called `selects-nothing` under --strict).
    let strict = graph_with(yaml, InferOptions { strict: true });
    assert_eq!(problems(&strict), lines(&[]));
    assert_eq!(
        crate::util::edges_of(&strict, "selects"),
        lines(&["Service/shop/web -selects-> Deployment.apps/shop/web"])
    );
}

#[test]
fn references_to_kinds_absent_from_the_input_are_problems_only_when_strict() {
    // A folder of manifests rarely holds Nodes or ConfigMaps made elsewhere. The
    // `default` ServiceAccount, which Kubernetes creates in every namespace, is never
    // missing, strict or not.
    let yaml = "
        apiVersion: v1
        kind: Pod
        metadata: {name: web-1, namespace: shop}
        spec:
          nodeName: worker-1
          volumes: [{name: cfg, configMap: {name: cfg}}]
        ";
    let g = graph(yaml);
    assert_eq!(edges(&g), lines(&[]));
    assert_eq!(problems(&g), lines(&[]));
    let strict = graph_with(yaml, InferOptions { strict: true });
    assert_eq!(edges(&strict), lines(&[]));
    assert_eq!(
        problems(&strict),
        lines(&[
            "Pod/shop/web-1 dangling-reference: mounts ConfigMap `shop/cfg`, which does not exist",
            "Pod/shop/web-1 dangling-reference: runs-on Node `worker-1`, which does not exist",
        ])
    );
}

#[test]
fn strict_still_accepts_optional_references() {
    let g = graph_with(
        "
        apiVersion: v1
        kind: Pod
        metadata: {name: web-1, namespace: shop}
        spec:
          serviceAccountName: web
          volumes: [{name: cfg, configMap: {name: cfg, optional: true}}]
        ---
        {apiVersion: v1, kind: ServiceAccount, metadata: {name: web, namespace: shop}}
        ",
        InferOptions { strict: true },
    );
    assert_eq!(problems(&g), lines(&[]));
}

#[test]
fn duplicate_object_is_one_node_and_the_later_copy_wins() {
    let yaml = "
        apiVersion: autoscaling/v1
        kind: HorizontalPodAutoscaler
        metadata: {name: web, namespace: shop, labels: {copy: first}}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: first}
        ---
        {apiVersion: apps/v1, kind: Deployment, metadata: {name: first, namespace: shop}}
        ---
        {apiVersion: apps/v1, kind: Deployment, metadata: {name: second, namespace: shop}}
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata: {name: web, namespace: shop, labels: {copy: second}}
        spec:
          scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: second}
        ";
    let set = load(yaml);
    let g = infer(&set, InferOptions::default());
    let hpas: Vec<_> = g
        .nodes()
        .iter()
        .filter(|n| n.kind == "HorizontalPodAutoscaler")
        .collect();
    assert_eq!(hpas.len(), 1, "{hpas:?}");
    assert_eq!(hpas[0].version, "v2");
    let object = &set.objects()[hpas[0].object];
    assert_eq!(object.labels()["copy"], "second");
    // Only the kept copy's references are drawn.
    assert_eq!(
        edges(&g),
        lines(&[
            "HorizontalPodAutoscaler.autoscaling/shop/web -scales-> Deployment.apps/shop/second"
        ])
    );
    // The copies start on lines 1 and 11 of the (dedented) text.
    assert_eq!(
        problems(&g),
        lines(&[
            "HorizontalPodAutoscaler.autoscaling/shop/web duplicate-object: defined twice, at test.yaml:1 and test.yaml:11; the one at test.yaml:11 is used"
        ])
    );
}

#[test]
fn selector_with_an_unknown_operator_or_misplaced_values_is_invalid() {
    let g = graph(
        "
        ---
        {apiVersion: v1, kind: Pod, metadata: {name: web-1, namespace: shop, labels: {app: web}}}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: equals, namespace: shop}
        spec:
          podSelector:
            matchExpressions: [{key: app, operator: Equals, values: [web]}]
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: in-without-values, namespace: shop}
        spec:
          selector:
            matchExpressions: [{key: app, operator: In}]
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: exists-with-values, namespace: shop}
        spec:
          selector:
            matchExpressions: [{key: app, operator: Exists, values: [web]}]
        ",
    );
    // An invalid selector selects nothing, rather than everything.
    assert_eq!(edges(&g), lines(&[]));
    assert_eq!(
        problems(&g),
        lines(&[
            "NetworkPolicy.networking.k8s.io/shop/equals invalid-selector: unknown selector operator `Equals`; use In, NotIn, Exists or DoesNotExist",
            "PodDisruptionBudget.policy/shop/exists-with-values invalid-selector: operator `Exists` on `app` takes no values",
            "PodDisruptionBudget.policy/shop/in-without-values invalid-selector: operator `In` on `app` needs at least one value",
        ])
    );
}

/// Documents that load but hold nulls, wrong types and missing parts where `infer`
/// reads. None may panic anywhere: inference, views or exports.
const ODD: &[&str] = &[
    "{apiVersion: v1, kind: Pod, metadata: {name: no-spec, namespace: shop}}",
    "{apiVersion: v1, kind: Pod, metadata: {name: null-spec, namespace: shop}, spec: null}",
    "{apiVersion: v1, kind: Pod, metadata: {name: string-spec, namespace: shop}, spec: x}",
    "{apiVersion: v1, kind: Pod, metadata: {name: list-spec, namespace: shop}, spec: [1, 2]}",
    "{apiVersion: v1, kind: Pod, metadata: {name: string-volumes, namespace: shop}, spec: {volumes: x}}",
    "{apiVersion: v1, kind: Pod, metadata: {name: null-volumes, namespace: shop}, spec: {volumes: null, containers: null, initContainers: null, imagePullSecrets: null}}",
    "{apiVersion: v1, kind: Pod, metadata: {name: null-items, namespace: shop}, spec: {volumes: [null], containers: [null]}}",
    "{apiVersion: v1, kind: Pod, metadata: {name: odd-volume, namespace: shop}, spec: {volumes: [{name: a, configMap: null, secret: 7, projected: {sources: null}}]}}",
    "{apiVersion: v1, kind: Pod, metadata: {name: odd-env, namespace: shop}, spec: {containers: [{name: c, env: [{name: A, valueFrom: null}, {name: B, valueFrom: {configMapKeyRef: {}}}], envFrom: [{}, {configMapRef: null}]}]}}",
    "{apiVersion: v1, kind: Pod, metadata: {name: odd-names, namespace: shop}, spec: {serviceAccountName: null, nodeName: '', imagePullSecrets: [{}, {name: null}]}}",
    "{apiVersion: v1, kind: Pod, metadata: {name: numbers, namespace: shop}, spec: {serviceAccountName: 7, nodeName: 8}}",
    "{apiVersion: v1, kind: Pod, metadata: {name: bad-owner, namespace: shop, ownerReferences: [{}, {kind: ReplicaSet}, {name: x}]}}",
    "{apiVersion: v1, kind: Pod, metadata: {name: null-labels, namespace: shop, labels: null, ownerReferences: null}}",
    "{apiVersion: apps/v1, kind: Deployment, metadata: {name: no-spec, namespace: shop}}",
    "{apiVersion: apps/v1, kind: Deployment, metadata: {name: null-template, namespace: shop}, spec: {template: null}}",
    "{apiVersion: apps/v1, kind: Deployment, metadata: {name: string-template, namespace: shop}, spec: {template: {spec: x}}}",
    "{apiVersion: batch/v1, kind: CronJob, metadata: {name: odd, namespace: shop}, spec: {jobTemplate: {spec: null}}}",
    "{apiVersion: v1, kind: Service, metadata: {name: string-selector, namespace: shop}, spec: {selector: x}}",
    "{apiVersion: v1, kind: Service, metadata: {name: number-labels, namespace: shop}, spec: {selector: {app: 1}}}",
    "{apiVersion: v1, kind: Service, metadata: {name: null-selector, namespace: shop}, spec: {selector: null}}",
    "{apiVersion: v1, kind: Service, metadata: {name: null-spec, namespace: shop}, spec: null}",
    "{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: odd, namespace: shop}, spec: {podSelector: {matchLabels: null, matchExpressions: [{}, null]}}}",
    "{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: string-selector, namespace: shop}, spec: {podSelector: x}}",
    "{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: no-spec, namespace: shop}}",
    "{apiVersion: policy/v1, kind: PodDisruptionBudget, metadata: {name: odd, namespace: shop}, spec: {selector: {matchExpressions: x}}}",
    "{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: odd, namespace: shop}, spec: {volumeName: null, storageClassName: ''}}",
    "{apiVersion: v1, kind: PersistentVolume, metadata: {name: odd}, spec: {storageClassName: [x]}}",
    "{apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: {name: odd, namespace: shop}, spec: {rules: [null, {http: null}, {http: {paths: [null, {backend: null}, {backend: {service: null, resource: {}}}]}}], tls: [{}, null], defaultBackend: {}}}",
    "{apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: {name: string-rules, namespace: shop}, spec: {rules: x}}",
    "{apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, metadata: {name: odd, namespace: shop}, spec: {scaleTargetRef: {}}}",
    "{apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, metadata: {name: null-ref, namespace: shop}, spec: {scaleTargetRef: null}}",
    "{apiVersion: autoscaling.k8s.io/v1, kind: VerticalPodAutoscaler, metadata: {name: odd, namespace: shop}, spec: {targetRef: {apiVersion: null, kind: Deployment}}}",
    "{apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, metadata: {name: odd, namespace: shop, labels: {kubernetes.io/service-name: ''}}, endpoints: [null, {targetRef: null}, {targetRef: {}}]}",
    "{apiVersion: discovery.k8s.io/v1, kind: EndpointSlice, metadata: {name: string-endpoints, namespace: shop}, endpoints: x}",
    "{apiVersion: rbac.authorization.k8s.io/v1, kind: RoleBinding, metadata: {name: odd, namespace: shop}, roleRef: null, subjects: [null, {}, {kind: ServiceAccount}]}",
    "{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRoleBinding, metadata: {name: odd}, roleRef: {}, subjects: null}",
    "{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRoleBinding, metadata: {name: string-subjects}, roleRef: x, subjects: x}",
    "{apiVersion: example.com/v1, kind: Widget, metadata: {name: odd}}",
];

#[test]
fn odd_input_never_panics() {
    // Each document alone, then all together (so every reference has kinds to resolve
    // against), in every text format and through a view.
    // Each starts with `---`: the loader reads a text that starts with `{` as JSON.
    let mut docs: Vec<String> = ODD.iter().map(|&d| format!("---\n{d}")).collect();
    docs.push(format!("---\n{}", ODD.join("\n---\n")));
    for doc in docs {
        let set = load(&doc);
        for strict in [false, true] {
            let g = infer(&set, InferOptions { strict });
            for format in [
                Format::Tree,
                Format::Json,
                Format::Yaml,
                Format::Dot,
                Format::Mermaid,
                Format::Svg,
            ] {
                let mut out = Vec::new();
                export(&g, format, &mut out)
                    .unwrap_or_else(|err| panic!("{format:?} of {doc}: {err}"));
            }
            let view = View {
                namespace: Some("shop".to_owned()),
                ..View::default()
            };
            view.apply(&g, &set).unwrap();
        }
    }
}

#[test]
fn odd_input_keeps_every_object_as_a_node() {
    let set = load(&format!("---\n{}", ODD.join("\n---\n")));
    let g = infer(&set, InferOptions::default());
    assert_eq!(g.nodes().len(), ODD.len());
}
