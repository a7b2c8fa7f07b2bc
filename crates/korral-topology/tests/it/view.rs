//! `View`: what part of a graph `korral topology -n`, `-l`, `--focus`, `--depth` and
//! `--relations` show.

use korral_core::{LabelSelector, ObjectSet};
use korral_topology::{Focus, Graph, InferOptions, Relation, View, ViewError, infer};

use crate::util::{edges, lines, load, node_ids};

/// Two namespaces with a `web` Deployment each, and cluster-scoped objects some shop
/// objects use (`n1`, `n2`, `pv-1`) and some only other cluster-scoped objects use
/// (`standard`) or nothing uses (`n3`, `view`).
const CLUSTER: &str = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, uid: deploy-web}
spec:
  template:
    spec:
      volumes: [{name: cfg, configMap: {name: cfg}}]
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-1
  namespace: shop
  uid: rs-web-1
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: deploy-web}]
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1-a
  namespace: shop
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: rs-web-1}]
spec:
  nodeName: n1
  volumes:
  - {name: cfg, configMap: {name: cfg}}
  - {name: data, persistentVolumeClaim: {claimName: data}}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-1-b
  namespace: shop
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: rs-web-1}]
spec:
  nodeName: n2
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: shop, labels: {app: db}}
spec: {nodeName: n1}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-x, namespace: shop, labels: {kubernetes.io/service-name: web}}
endpoints: [{targetRef: {kind: Pod, name: web-1-a}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: shop}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: shop}
spec: {volumeName: pv-1}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-1}
spec: {storageClassName: standard}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: standard}
---
{apiVersion: v1, kind: Node, metadata: {name: n1}}
---
{apiVersion: v1, kind: Node, metadata: {name: n2}}
---
{apiVersion: v1, kind: Node, metadata: {name: n3}}
---
{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: view}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: other}
---
apiVersion: v1
kind: Pod
metadata: {name: lonely, namespace: other, labels: {app: web}}
spec: {nodeName: n3}
";

fn cluster() -> (ObjectSet, Graph) {
    let set = load(CLUSTER);
    let graph = infer(&set, InferOptions::default());
    (set, graph)
}

fn apply(view: &View) -> Result<Graph, ViewError> {
    let (set, graph) = cluster();
    view.apply(&graph, &set)
}

fn focus(text: &str) -> View {
    View {
        focus: Some(text.parse().unwrap()),
        ..View::default()
    }
}

#[test]
fn no_view_shows_everything() {
    let (set, graph) = cluster();
    let view = View::default();
    assert!(view.is_everything());
    assert_eq!(view.apply(&graph, &set).unwrap(), graph);
}

#[test]
fn namespace_keeps_its_objects_and_the_cluster_scoped_objects_they_use() {
    let g = apply(&View {
        namespace: Some("shop".to_owned()),
        ..View::default()
    })
    .unwrap();
    // Not StorageClass `standard`: only PersistentVolume `pv-1` uses it. Not `n3`: only
    // a pod of `other` runs there.
    assert_eq!(
        node_ids(&g),
        lines(&[
            "ConfigMap/shop/cfg",
            "Deployment.apps/shop/web",
            "EndpointSlice.discovery.k8s.io/shop/web-x",
            "Node/n1",
            "Node/n2",
            "PersistentVolume/pv-1",
            "PersistentVolumeClaim/shop/data",
            "Pod/shop/db-0",
            "Pod/shop/web-1-a",
            "Pod/shop/web-1-b",
            "ReplicaSet.apps/shop/web-1",
            "Service/shop/web",
        ])
    );
    assert_eq!(
        edges(&g),
        lines(&[
            "Deployment.apps/shop/web -mounts-> ConfigMap/shop/cfg",
            "Deployment.apps/shop/web -owns-> ReplicaSet.apps/shop/web-1",
            "EndpointSlice.discovery.k8s.io/shop/web-x -targets-> Pod/shop/web-1-a",
            "PersistentVolumeClaim/shop/data -bound-to-> PersistentVolume/pv-1",
            "Pod/shop/db-0 -runs-on-> Node/n1",
            "Pod/shop/web-1-a -mounts-> ConfigMap/shop/cfg",
            "Pod/shop/web-1-a -mounts-> PersistentVolumeClaim/shop/data",
            "Pod/shop/web-1-a -runs-on-> Node/n1",
            "Pod/shop/web-1-b -runs-on-> Node/n2",
            "ReplicaSet.apps/shop/web-1 -owns-> Pod/shop/web-1-a",
            "ReplicaSet.apps/shop/web-1 -owns-> Pod/shop/web-1-b",
            "Service/shop/web -endpoints-> EndpointSlice.discovery.k8s.io/shop/web-x",
            "Service/shop/web -selects-> Pod/shop/web-1-a",
            "Service/shop/web -selects-> Pod/shop/web-1-b",
        ])
    );
}

#[test]
fn namespace_keeps_only_cluster_scoped_objects_its_objects_use_directly() {
    // The kubelet EndpointSlice targets Node `n1`, and the Node owns its CSINode. The
    // CSINode is no neighbour of anything in kube-system; but the slice's edge is
    // read before the Node's (ids sort `EndpointSlice…` < `Node/…`), the Node is then in
    // scope, and its edge to the CSINode pulls that in too. With a Pod instead of the
    // slice (`Pod/…` sorts after `Node/…`) the CSINode is left out.
    let set = load(
        "
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: kubelet-abc, namespace: kube-system, labels: {kubernetes.io/service-name: kubelet}}
        endpoints: [{targetRef: {kind: Node, name: n1}}]
        ---
        {apiVersion: v1, kind: Node, metadata: {name: n1, uid: node-n1}}
        ---
        apiVersion: storage.k8s.io/v1
        kind: CSINode
        metadata:
          name: n1
          ownerReferences: [{apiVersion: v1, kind: Node, name: n1, uid: node-n1}]
        ",
    );
    let graph = infer(&set, InferOptions::default());
    let view = View {
        namespace: Some("kube-system".to_owned()),
        ..View::default()
    };
    let g = view.apply(&graph, &set).unwrap();
    assert_eq!(
        node_ids(&g),
        lines(&[
            "EndpointSlice.discovery.k8s.io/kube-system/kubelet-abc",
            "Node/n1",
        ])
    );
}

/// What focusing on Deployment `shop/web` shows: its ownership chain down to the pods,
/// and everything one hop from any of them.
const WEB_NEIGHBOURHOOD: &[&str] = &[
    "ConfigMap/shop/cfg",
    "Deployment.apps/shop/web",
    "EndpointSlice.discovery.k8s.io/shop/web-x",
    "Node/n1",
    "Node/n2",
    "PersistentVolumeClaim/shop/data",
    "Pod/shop/web-1-a",
    "Pod/shop/web-1-b",
    "ReplicaSet.apps/shop/web-1",
    "Service/shop/web",
];

#[test]
fn focus_shows_the_owned_chain_and_its_neighbours() {
    let g = apply(&focus("deploy/shop/web")).unwrap();
    // Not PersistentVolume `pv-1` (two hops, through the claim), not `db-0` (two hops,
    // through Node `n1`), nothing of `other`.
    assert_eq!(node_ids(&g), lines(WEB_NEIGHBOURHOOD));
    assert_eq!(
        edges(&g),
        lines(&[
            "Deployment.apps/shop/web -mounts-> ConfigMap/shop/cfg",
            "Deployment.apps/shop/web -owns-> ReplicaSet.apps/shop/web-1",
            "EndpointSlice.discovery.k8s.io/shop/web-x -targets-> Pod/shop/web-1-a",
            "Pod/shop/web-1-a -mounts-> ConfigMap/shop/cfg",
            "Pod/shop/web-1-a -mounts-> PersistentVolumeClaim/shop/data",
            "Pod/shop/web-1-a -runs-on-> Node/n1",
            "Pod/shop/web-1-b -runs-on-> Node/n2",
            "ReplicaSet.apps/shop/web-1 -owns-> Pod/shop/web-1-a",
            "ReplicaSet.apps/shop/web-1 -owns-> Pod/shop/web-1-b",
            "Service/shop/web -endpoints-> EndpointSlice.discovery.k8s.io/shop/web-x",
            "Service/shop/web -selects-> Pod/shop/web-1-a",
            "Service/shop/web -selects-> Pod/shop/web-1-b",
        ])
    );
}

#[test]
fn focus_kind_may_be_short_plural_any_case_and_carry_its_group() {
    for text in [
        "deploy/shop/web",
        "deployment/shop/web",
        "Deployment/shop/web",
        "deployments/shop/web",
        "DEPLOYMENTS/shop/web",
        "deployment.apps/shop/web",
        "Deploy.Apps/shop/web",
        "deployments.apps/shop/web",
    ] {
        let g = apply(&focus(text)).unwrap_or_else(|err| panic!("{text}: {err}"));
        assert_eq!(node_ids(&g), lines(WEB_NEIGHBOURHOOD), "{text}");
    }
    for text in [
        "svc/shop/web",
        "services/shop/web",
        "service.core/shop/web",
        "endpointslices/shop/web-x",
        "cm/shop/cfg",
        "pvc/shop/data",
        "pv/pv-1",
        "no/n1",
        "nodes/n1",
        "storageclasses/standard",
        "sc.storage.k8s.io/standard",
    ] {
        assert!(apply(&focus(text)).is_ok(), "{text}");
    }
}

#[test]
fn focus_on_a_pod_shows_its_owners_up_the_chain() {
    let g = apply(&focus("po/shop/web-1-b")).unwrap();
    // The owners and their neighbours: sibling `web-1-a` is one hop from the
    // ReplicaSet, the ConfigMap one hop from the Deployment's template. `web-1-a`'s own
    // neighbours (the claim, `n1`, the EndpointSlice) are two hops away.
    assert_eq!(
        node_ids(&g),
        lines(&[
            "ConfigMap/shop/cfg",
            "Deployment.apps/shop/web",
            "Node/n2",
            "Pod/shop/web-1-a",
            "Pod/shop/web-1-b",
            "ReplicaSet.apps/shop/web-1",
            "Service/shop/web",
        ])
    );
}

#[test]
fn focus_on_a_cluster_scoped_object() {
    let g = apply(&focus("node/n1")).unwrap();
    assert_eq!(
        node_ids(&g),
        lines(&["Node/n1", "Pod/shop/db-0", "Pod/shop/web-1-a"])
    );
}

#[test]
fn depth_counts_hops_beyond_the_ownership_chain() {
    let depth = |depth: usize| {
        apply(&View {
            depth: Some(depth),
            ..focus("deploy/shop/web")
        })
        .unwrap()
    };
    assert_eq!(
        node_ids(&depth(0)),
        lines(&[
            "Deployment.apps/shop/web",
            "Pod/shop/web-1-a",
            "Pod/shop/web-1-b",
            "ReplicaSet.apps/shop/web-1",
        ])
    );
    assert_eq!(node_ids(&depth(1)), lines(WEB_NEIGHBOURHOOD));
    let mut two = WEB_NEIGHBOURHOOD.to_vec();
    two.extend(["PersistentVolume/pv-1", "Pod/shop/db-0"]);
    assert_eq!(node_ids(&depth(2)), lines(&two));
    let mut three = two.clone();
    three.push("StorageClass.storage.k8s.io/standard");
    assert_eq!(node_ids(&depth(3)), lines(&three));
}

#[test]
fn focus_without_namespace_is_ambiguous_across_namespaces() {
    let err = apply(&focus("deploy/web")).unwrap_err();
    assert_eq!(
        err,
        ViewError::Ambiguous {
            focus: "deploy/web".parse().unwrap(),
            namespaces: vec!["other".to_owned(), "shop".to_owned()],
        }
    );
    assert_eq!(
        err.to_string(),
        "`deploy/web` is in several namespaces (other, shop); name one: KIND/NAMESPACE/NAME or -n"
    );
}

#[test]
fn view_namespace_settles_an_ambiguous_focus() {
    let g = apply(&View {
        namespace: Some("shop".to_owned()),
        ..focus("deploy/web")
    })
    .unwrap();
    assert_eq!(node_ids(&g), lines(WEB_NEIGHBOURHOOD));
}

#[test]
fn focus_on_nothing_is_not_found() {
    for text in [
        "deploy/shop/nope",
        "deploy/nowhere/web",
        "deployment.batch/shop/web",
        "statefulset/shop/web",
    ] {
        let focus_value: Focus = text.parse().unwrap();
        assert_eq!(
            apply(&focus(text)).unwrap_err(),
            ViewError::NotFound(focus_value),
            "{text}"
        );
    }
    // A focus outside the view's namespace is not there either.
    let err = apply(&View {
        namespace: Some("other".to_owned()),
        ..focus("deploy/shop/web")
    })
    .unwrap_err();
    assert!(matches!(err, ViewError::NotFound(_)), "{err:?}");
}

#[test]
fn focus_must_be_kind_and_name() {
    for text in ["web", "deploy/", "/web", "deploy//web", "a/b/c/d", ""] {
        assert_eq!(
            text.parse::<Focus>(),
            Err(ViewError::FocusSyntax(text.to_owned())),
            "{text:?}"
        );
    }
    assert_eq!(
        "Deployment/shop/web".parse::<Focus>().unwrap(),
        Focus {
            kind: "Deployment".to_owned(),
            namespace: Some("shop".to_owned()),
            name: "web".to_owned(),
        }
    );
}

#[test]
fn relations_keep_only_those_edges() {
    let g = apply(&View {
        namespace: Some("shop".to_owned()),
        relations: Some(vec![Relation::RunsOn, Relation::BoundTo]),
        ..View::default()
    })
    .unwrap();
    assert_eq!(
        edges(&g),
        lines(&[
            "PersistentVolumeClaim/shop/data -bound-to-> PersistentVolume/pv-1",
            "Pod/shop/db-0 -runs-on-> Node/n1",
            "Pod/shop/web-1-a -runs-on-> Node/n1",
            "Pod/shop/web-1-b -runs-on-> Node/n2",
        ])
    );
    assert!(
        !View {
            relations: Some(vec![Relation::Owns]),
            ..View::default()
        }
        .is_everything()
    );
}

#[test]
fn relations_narrow_a_focus_too() {
    // Only ownership: the chain, and nothing it merely uses.
    let g = apply(&View {
        relations: Some(vec![Relation::Owns]),
        ..focus("deploy/shop/web")
    })
    .unwrap();
    assert_eq!(
        node_ids(&g),
        lines(&[
            "Deployment.apps/shop/web",
            "Pod/shop/web-1-a",
            "Pod/shop/web-1-b",
            "ReplicaSet.apps/shop/web-1",
        ])
    );
}

#[test]
fn selector_starts_from_the_objects_whose_labels_match() {
    let g = apply(&View {
        selector: Some(LabelSelector::parse("app=db").unwrap()),
        ..View::default()
    })
    .unwrap();
    assert_eq!(node_ids(&g), lines(&["Node/n1", "Pod/shop/db-0"]));

    // `app=web` labels pods in both namespaces; `-n` keeps one.
    let g = apply(&View {
        namespace: Some("other".to_owned()),
        selector: Some(LabelSelector::parse("app=web").unwrap()),
        ..View::default()
    })
    .unwrap();
    assert_eq!(node_ids(&g), lines(&["Node/n3", "Pod/other/lonely"]));
}
