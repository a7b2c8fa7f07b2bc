use korral_core::{Error, Loader, Warning};

use crate::util::{folder, load_str, summary};

#[test]
fn multi_document_yaml_keeps_each_objects_line() {
    let set = load_str(
        "# leading comment\n\
         apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: shop\n\
         ---\n\
         \n\
         apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n\
         ---\n---\n\
         apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n",
    );
    assert_eq!(
        summary(&set),
        vec![
            "ConfigMap/shop/a@input.yaml:2",
            "Deployment.apps/shop/web@input.yaml:9",
            "Node/n1@input.yaml:16",
        ]
    );
}

#[test]
fn json_list_dump_gives_item_lines() {
    let dump = r#"{
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p1", "namespace": "a", "uid": "u1", "labels": {"app": "x"}}
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "s1", "namespace": "a"}
        }
    ],
    "kind": "List",
    "metadata": {"resourceVersion": ""}
}"#;
    let set = Loader::load_str("dump.json", dump).unwrap();
    assert_eq!(
        summary(&set),
        vec!["Pod/a/p1@dump.json:4", "Service/a/s1@dump.json:9"]
    );
    let pod = &set.objects()[0];
    assert_eq!(pod.metadata().uid.as_deref(), Some("u1"));
    assert_eq!(pod.labels().get("app").map(String::as_str), Some("x"));
    // The raw text is exactly the item.
    let raw: serde_json::Value = serde_json::from_str(pod.raw().as_str()).unwrap();
    assert_eq!(raw["metadata"]["name"], "p1");
}

#[test]
fn yaml_list_dump_gives_item_lines() {
    let dump = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: s\n    namespace: a\n- apiVersion: v1\n  kind: ServiceAccount\n  metadata:\n    name: sa\n    namespace: a\nmetadata:\n  resourceVersion: \"\"\n";
    let set = load_str(dump);
    assert_eq!(
        summary(&set),
        vec![
            "Secret/a/s@input.yaml:4",
            "ServiceAccount/a/sa@input.yaml:9"
        ]
    );
}

#[test]
fn typed_lists_lend_their_kind_to_items() {
    // The API server leaves apiVersion and kind out of a PodList's items.
    let dump = r#"{"apiVersion":"v1","kind":"PodList","items":[{"metadata":{"name":"p","namespace":"a"}}]}"#;
    let set = Loader::load_str("pods.json", dump).unwrap();
    assert_eq!(set.objects()[0].kind(), "Pod");
    assert_eq!(set.objects()[0].api_version(), "v1");
}

#[test]
fn json_streams_and_arrays_hold_several_objects() {
    let stream = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"x"}}
{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b","namespace":"x"}}"#;
    let set = Loader::load_str("s.json", stream).unwrap();
    assert_eq!(
        summary(&set),
        vec!["ConfigMap/x/a@s.json:1", "ConfigMap/x/b@s.json:2"]
    );

    let array = "[\n{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\",\"namespace\":\"x\"}}\n]";
    let set = Loader::load_str("a.json", array).unwrap();
    assert_eq!(summary(&set), vec!["Secret/x/s@a.json:2"]);
}

#[test]
fn crd_instances_are_kept_generically() {
    let set = load_str(
        "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: tls\n  namespace: shop\nspec:\n  secretName: shop-tls\n",
    );
    let cert = &set.objects()[0];
    assert_eq!(cert.group(), "cert-manager.io");
    assert_eq!(cert.kind(), "Certificate");
    let spec: serde_json::Value = serde_json::from_str(cert.raw().as_str()).unwrap();
    assert_eq!(spec["spec"]["secretName"], "shop-tls");
}

#[test]
fn folders_are_read_recursively_in_name_order() {
    let dir = folder(&[
        (
            "b.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
        ),
        (
            "a/z.yml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: z\n",
        ),
        (
            "c.json",
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}"#,
        ),
        ("notes.txt", "not read"),
        (
            ".hidden/x.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hidden\n",
        ),
    ]);
    let set = Loader::new().path(dir.path()).load().unwrap();
    assert_eq!(
        summary(&set),
        vec![
            "ConfigMap/default/z@z.yml:1",
            "ConfigMap/default/b@b.yaml:1",
            "ConfigMap/default/c@c.json:1",
        ]
    );
}

#[test]
fn documents_that_are_not_objects_are_skipped_in_folders_and_refused_when_named() {
    let kustomization =
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n";
    let dir = folder(&[
        ("kustomization.yaml", kustomization),
        ("values.yaml", "replicas: 3\n"),
        (
            "a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
        ),
    ]);
    let set = Loader::new().path(dir.path()).load().unwrap();
    assert_eq!(set.len(), 1);
    let skipped: Vec<_> = set
        .warnings()
        .iter()
        .filter(|w| matches!(w, Warning::Skipped { .. }))
        .collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");

    // Named on the command line, a file that is not an object is refused, unless it
    // is one korral recognises (then it says what it is).
    std::fs::write(dir.path().join("notes.yaml"), "replicas: 3\n").unwrap();
    let err = Loader::new()
        .path(dir.path().join("notes.yaml"))
        .load()
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("notes.yaml:1:1"), "{text}");
    assert!(text.contains("`apiVersion` is missing"), "{text}");
    let set = Loader::new()
        .path(dir.path().join("values.yaml"))
        .load()
        .unwrap();
    assert!(set.is_empty());
    assert!(
        set.warnings()[0]
            .to_string()
            .contains("Helm values, not an object"),
        "{:?}",
        set.warnings()
    );
}

#[test]
fn a_helm_chart_folder_is_not_read_as_manifests() {
    let dir = folder(&[
        (
            "app/a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
        ),
        (
            "chart/Chart.yaml",
            "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        ),
        (
            "chart/templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
        ),
    ]);
    let set = Loader::new().path(dir.path()).load().unwrap();
    assert_eq!(set.len(), 1);
    let warnings: Vec<String> = set.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("a Helm chart"), "{warnings:?}");
    assert!(warnings[0].contains("--helm"), "{warnings:?}");
}

#[test]
fn exclude_leaves_out_matching_paths_under_a_folder() {
    let dir = folder(&[
        (
            "a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
        ),
        (
            "b.json",
            "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"b\"}}",
        ),
        (
            "secrets/c.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: c}\n",
        ),
    ]);
    let names = |loader: Loader| -> Vec<String> {
        let set = loader.path(dir.path()).load().unwrap();
        set.objects().iter().map(|o| o.name().to_owned()).collect()
    };
    assert_eq!(names(Loader::new().exclude("*.json")), ["a", "c"]);
    assert_eq!(names(Loader::new().exclude("secrets")), ["a", "b"]);
    assert_eq!(names(Loader::new().exclude("secrets/*.yaml")), ["a", "b"]);
    let err = Loader::new()
        .exclude("*")
        .path(dir.path())
        .load()
        .unwrap_err();
    assert!(matches!(err, Error::AllExcluded(_)), "{err}");
}

#[test]
fn malformed_yaml_names_file_line_and_column() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: [unclosed\n";
    let err = Loader::load_str("bad.yaml", text).unwrap_err();
    let Error::Parse {
        file,
        line,
        column,
        message,
    } = &err
    else {
        panic!("expected a parse error, got {err:?}");
    };
    assert_eq!(file, "bad.yaml");
    assert!(
        *line >= 9,
        "line {line} should point into the second document"
    );
    assert!(*column >= 1);
    assert!(!message.is_empty());
}

#[test]
fn skip_malformed_loses_only_the_broken_document() {
    // A missing `---` gives the second document duplicate keys; the third has bad
    // syntax; the fourth is not an object. The objects around them are still read.
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n\
apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: b\n\
apiVersion: v1\nkind: Service\nmetadata:\n  name: c\n---\n\
apiVersion: v1\nkind: Secret\nmetadata:\n  name: [unclosed\n---\n\
replicas: 3\n---\n\
apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\n";
    assert!(Loader::load_str("bad.yaml", text).is_err());
    let set = Loader::new()
        .skip_malformed()
        .read_str("bad.yaml", text)
        .unwrap();
    let names: Vec<&str> = set
        .objects()
        .iter()
        .map(korral_core::Object::name)
        .collect();
    assert_eq!(names, ["a", "d"]);
    let warnings: Vec<String> = set.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(
        warnings[0].starts_with("bad.yaml:10:1: skipped a malformed document: duplicate mapping key: apiVersion; is a `---` missing"),
        "{warnings:?}"
    );
    assert!(warnings[1].starts_with("bad.yaml:18:9: "), "{warnings:?}");
    assert!(
        warnings[2]
            .starts_with("bad.yaml:20:1: skipped a malformed document: not a Kubernetes object"),
        "{warnings:?}"
    );

    let json = Loader::new()
        .skip_malformed()
        .read_str("bad.json", "{\"apiVersion\": \"v1\",, }")
        .unwrap();
    assert!(json.is_empty());
    assert!(
        matches!(json.warnings(), [Warning::Malformed { at, .. }] if at == "bad.json:1:21"),
        "{:?}",
        json.warnings()
    );
}

#[test]
fn malformed_json_names_file_line_and_column() {
    let text = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"items\": [\n    {\"kind\": \"Pod\",, }\n  ]\n}";
    let err = Loader::load_str("bad.json", text).unwrap_err();
    let Error::Parse {
        file, line, column, ..
    } = &err
    else {
        panic!("expected a parse error, got {err:?}");
    };
    assert_eq!((file.as_str(), *line, *column), ("bad.json", 5, 20));
}

#[test]
fn wrong_types_in_metadata_are_errors_with_positions() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: [x]\n";
    let err = Loader::load_str("t.yaml", text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.yaml:1:1: `metadata.labels`: invalid type: sequence, expected a map"
    );
}

#[test]
fn missing_paths_and_empty_folders_are_clear_errors() {
    let err = Loader::new().path("/no/such/file.yaml").load().unwrap_err();
    assert!(err.to_string().contains("/no/such/file.yaml"), "{err}");
    let dir = folder(&[("readme.md", "x")]);
    let err = Loader::new().path(dir.path()).load().unwrap_err();
    assert!(matches!(err, Error::EmptyFolder(_)), "{err}");
    let missing = Loader::new().path("/no/such/file.yaml").load().unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("check the path and its permissions"),
        "{missing}"
    );

    // A binary named as a manifest: the fix is about what the file holds, not its path.
    let dir = folder(&[]);
    let binary = dir.path().join("image.yaml");
    std::fs::write(&binary, [0x89, b'P', b'N', b'G', 0xff, 0xfe, 0x00]).unwrap();
    let err = Loader::new().path(&binary).load().unwrap_err().to_string();
    assert!(
        err.contains("image.yaml") && err.contains("it is not text"),
        "{err}"
    );
    assert!(!err.contains("permissions"), "{err}");
}

#[test]
fn generate_name_stands_in_for_a_missing_name() {
    let set = load_str("apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: backup-\n");
    assert_eq!(set.objects()[0].name(), "backup-");
}

#[test]
fn byte_order_mark_is_ignored() {
    let set = load_str("\u{feff}apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n");
    assert_eq!(set.len(), 1);
}

#[test]
fn yaml_flow_mappings_are_not_mistaken_for_json() {
    let set = load_str("{apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: x}}\n");
    assert_eq!(summary(&set), vec!["ConfigMap/x/a@input.yaml:1"]);
    // A .json file stays JSON, and its error is JSON's.
    let err = Loader::load_str("a.json", "{apiVersion: v1}").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("a.json:1:2: key must be a string"),
        "{err}"
    );
}

#[test]
fn metadata_of_the_wrong_shape_is_refused_in_plain_words() {
    // serde's derive reads a struct from a sequence of its fields in order: this used to
    // load as a ConfigMap named `x`.
    for (name, text) in [
        (
            "a.json",
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":["x"]}"#,
        ),
        ("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: [x]\n"),
        ("b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: x\n"),
    ] {
        let err = Loader::load_str(name, text).unwrap_err().to_string();
        assert!(err.contains("expected a mapping"), "{err}");
        assert!(!err.contains("MetaIn") && !err.contains("struct"), "{err}");
    }
}

#[test]
fn parser_advice_about_its_own_options_is_not_shown() {
    let err = Loader::load_str(
        "a.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("A key may appear once"), "{err}");
    assert!(
        !err.contains("DuplicateKeyPolicy") && !err.contains("Options"),
        "{err}"
    );
}
