use korral_core::Warning;

use crate::util::{load_str, summary};

#[test]
fn namespaces_follow_the_kinds_scope() {
    let set = load_str(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n\
         ---\napiVersion: v1\nkind: Node\nmetadata:\n  name: n\n  namespace: ignored\n\
         ---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n\
         ---\napiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g\n\
         ---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names:\n    kind: Widget\n  scope: Namespaced\n",
    );
    let keys: Vec<String> = set.objects().iter().map(|o| o.key().to_string()).collect();
    assert_eq!(
        keys,
        vec![
            // A namespaced object written without a namespace is in `default`.
            "Pod/default/p",
            // Kubernetes ignores a namespace on cluster-scoped kinds.
            "Node/n",
            // The CRD in the input says Widget is namespaced.
            "Widget.example.com/default/w",
            // Without a CRD, an unknown kind keeps what it was given.
            "Gadget.example.com/g",
            "CustomResourceDefinition.apiextensions.k8s.io/widgets.example.com",
        ]
    );
}

#[test]
fn duplicates_warn_and_the_later_one_wins() {
    let set = load_str(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: x\n  labels: {v: first}\n\
         ---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: x\n  labels: {v: second}\n",
    );
    assert_eq!(set.len(), 1);
    assert_eq!(set.objects()[0].labels()["v"], "second");
    assert_eq!(summary(&set), vec!["ConfigMap/x/a@input.yaml:8"]);
    let [Warning::Duplicate { first, second, .. }] = set.warnings() else {
        panic!("expected one duplicate warning: {:?}", set.warnings());
    };
    assert_eq!(
        (first.as_str(), second.as_str()),
        ("input.yaml:1", "input.yaml:8")
    );
    // The earlier document is not lost: readers that judge documents see both.
    assert_eq!(set.shadowed().len(), 1);
    assert_eq!(set.shadowed()[0].labels()["v"], "first");
    let lines: Vec<u32> = set.documents().map(|o| o.source().line).collect();
    assert_eq!(lines, vec![8, 1]);
}

#[test]
fn a_default_namespace_places_only_objects_that_name_none() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n\
                ---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: kept\n\
                ---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: c\n";
    let set = korral_core::Loader::new()
        .default_namespace("argocd")
        .read_str("install.yaml", text)
        .unwrap();
    let namespaces: Vec<Option<&str>> = set
        .objects()
        .iter()
        .map(|o| o.metadata().namespace.as_deref())
        .collect();
    assert_eq!(namespaces, vec![Some("argocd"), Some("kept"), None]);
}
