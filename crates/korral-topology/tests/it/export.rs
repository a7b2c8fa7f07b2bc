//! Every export format of one small graph (`fixtures/small.yaml`): snapshots of the text
//! formats, and the JSON contract, PNG and PDF checked by shape.

use korral_core::Loader;
use korral_topology::{Format, Graph, InferOptions, TreeStyle, export, export_tree, infer};
use serde_json::Value;

const SMALL: &str = include_str!("fixtures/small.yaml");

fn small() -> Graph {
    let set = Loader::load_str("small.yaml", SMALL).unwrap();
    infer(&set, InferOptions::default())
}

fn bytes(format: Format) -> Vec<u8> {
    let mut out = Vec::new();
    export(&small(), format, &mut out).unwrap();
    out
}

fn text(format: Format) -> String {
    String::from_utf8(bytes(format)).unwrap()
}

#[test]
fn tree() {
    insta::assert_snapshot!(text(Format::Tree));
}

#[test]
fn json() {
    insta::assert_snapshot!(text(Format::Json));
}

#[test]
fn yaml() {
    insta::assert_snapshot!(text(Format::Yaml));
}

#[test]
fn dot() {
    insta::assert_snapshot!(text(Format::Dot));
}

#[test]
fn mermaid() {
    insta::assert_snapshot!(text(Format::Mermaid));
}

#[test]
fn svg() {
    insta::assert_snapshot!(text(Format::Svg));
}

#[test]
fn svg_holds_only_markup() {
    // Every line korral writes is an element; the bug leaves `"#`, `);` and
    // `let _ = writeln!(svg, r##"<rect …` as text in the root element.
    let svg = text(Format::Svg);
    for line in svg.lines() {
        assert!(line.starts_with('<'), "{line:?}");
    }
}

#[test]
fn yaml_is_the_json_document() {
    let json: Value = serde_json::from_slice(&bytes(Format::Json)).unwrap();
    let yaml: Value = serde_saphyr::from_str(&text(Format::Yaml)).unwrap();
    assert_eq!(yaml, json);
}

#[test]
fn json_shape_is_the_public_contract() {
    let doc: Value = serde_json::from_slice(&bytes(Format::Json)).unwrap();
    // Field names, sorted (the order they are written in is the snapshot's business).
    let field_names = |v: &Value| -> Vec<String> {
        let mut names: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        names.sort();
        names
    };
    assert_eq!(field_names(&doc), ["edges", "nodes", "problems"]);

    let nodes = doc["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 11);
    let pod = nodes
        .iter()
        .find(|n| n["id"] == "Pod/shop/web-5d8f7c-x2k9q")
        .unwrap();
    assert_eq!(
        pod,
        &serde_json::json!({
            "id": "Pod/shop/web-5d8f7c-x2k9q",
            "group": "",
            "version": "v1",
            "kind": "Pod",
            "namespace": "shop",
            "name": "web-5d8f7c-x2k9q",
            "uid": "3f0c6a52-0000-4000-8000-000000000003",
        })
    );
    // Cluster-scoped: no namespace. From a manifest: no uid.
    let class = nodes
        .iter()
        .find(|n| n["id"] == "IngressClass.networking.k8s.io/nginx")
        .unwrap();
    assert_eq!(
        class,
        &serde_json::json!({
            "id": "IngressClass.networking.k8s.io/nginx",
            "group": "networking.k8s.io",
            "version": "v1",
            "kind": "IngressClass",
            "name": "nginx",
        })
    );
    for node in nodes {
        for field in field_names(node) {
            assert!(
                ["id", "group", "version", "kind", "namespace", "name", "uid"]
                    .contains(&field.as_str()),
                "{field} in {node}"
            );
        }
    }
    let ids: Vec<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert!(ids.is_sorted(), "{ids:?}");

    let edges = doc["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 12);
    for edge in edges {
        assert_eq!(field_names(edge), ["relation", "source", "target"]);
        assert!(ids.contains(&edge["source"].as_str().unwrap()), "{edge}");
        assert!(ids.contains(&edge["target"].as_str().unwrap()), "{edge}");
    }
    let pairs: Vec<(&str, &str)> = edges
        .iter()
        .map(|e| (e["source"].as_str().unwrap(), e["target"].as_str().unwrap()))
        .collect();
    assert!(pairs.is_sorted(), "{pairs:?}");

    let problems = doc["problems"].as_array().unwrap();
    assert_eq!(
        problems
            .iter()
            .map(|p| (p["kind"].as_str().unwrap(), p["object"].as_str().unwrap()))
            .collect::<Vec<_>>(),
        [
            ("dangling-reference", "Ingress.networking.k8s.io/shop/web"),
            ("selects-nothing", "Service/shop/legacy"),
        ]
    );
    for problem in problems {
        assert_eq!(field_names(problem), ["kind", "message", "object"]);
    }
}

/// The `width` and `height` attributes of the SVG's root element.
fn svg_size(svg: &str) -> (f32, f32) {
    let root = &svg[..svg.find('>').unwrap()];
    let attribute = |name: &str| -> f32 {
        let start = root.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        let end = start + root[start..].find('"').unwrap();
        root[start..end].parse().unwrap()
    };
    (attribute("width"), attribute("height"))
}

#[test]
fn png_is_the_drawing_at_twice_its_size() {
    let png = bytes(Format::Png);
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{:?}",
        &png[..8.min(png.len())]
    );
    let image = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
    let (width, height) = svg_size(&text(Format::Svg));
    assert_eq!(
        (image.width(), image.height()),
        ((width * 2.0).ceil() as u32, (height * 2.0).ceil() as u32)
    );
    assert!(
        (1_000..10_000).contains(&image.width()),
        "{}",
        image.width()
    );
    assert!(
        (500..10_000).contains(&image.height()),
        "{}",
        image.height()
    );
    // Something was drawn: not every pixel is the white background.
    assert!(image.pixels().iter().any(|p| p.red() < 200));
}

#[test]
fn pdf_is_a_pdf() {
    let pdf = bytes(Format::Pdf);
    assert!(pdf.starts_with(b"%PDF-"), "{:?}", &pdf[..8.min(pdf.len())]);
    assert!(pdf.trim_ascii_end().ends_with(b"%%EOF"));
}

#[test]
fn tree_is_coloured_only_when_asked() {
    let graph = small();
    let mut plain = Vec::new();
    export_tree(&graph, TreeStyle { color: false }, &mut plain).unwrap();
    assert!(!plain.contains(&0x1b));
    assert_eq!(plain, bytes(Format::Tree));
    let mut coloured = Vec::new();
    export_tree(&graph, TreeStyle { color: true }, &mut coloured).unwrap();
    assert!(coloured.contains(&0x1b));
}

#[test]
fn tree_closes_the_branch_of_an_ownership_cycle() {
    // Broken clusters can hold ownerReferences that loop. Neither object is a root; the
    // first is printed as the namespace's only entry, so its branch must close.
    let g = crate::util::graph(
        "
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: a
          namespace: shop
          ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: b}]
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: b
          namespace: shop
          ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: a}]
        ",
    );
    let mut out = Vec::new();
    export(&g, Format::Tree, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = out.lines().take(3).collect();
    assert_eq!(
        lines,
        ["namespace shop", "└── ConfigMap a", "    └── ConfigMap b"],
        "{out}"
    );
}

#[test]
fn format_names_round_trip() {
    for name in Format::NAMES {
        let format: Format = name.parse().unwrap();
        assert_eq!(format.is_binary(), matches!(name, "png" | "pdf"), "{name}");
    }
    let err = "jpeg".parse::<Format>().unwrap_err();
    assert!(
        err.contains("tree, json, yaml, dot, mermaid, svg, png, pdf"),
        "{err}"
    );
}

#[test]
fn empty_graph_exports_in_every_format() {
    let graph = Graph::default();
    for name in Format::NAMES {
        let mut out = Vec::new();
        export(&graph, name.parse().unwrap(), &mut out)
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        // An empty tree is empty; every other format still has its frame.
        assert_eq!(out.is_empty(), name == "tree", "{name}");
    }
    let mut json = Vec::new();
    export(&graph, Format::Json, &mut json).unwrap();
    let json: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"nodes": [], "edges": [], "problems": []})
    );
}

#[test]
fn yaml_keeps_names_that_look_like_other_types_strings() {
    // Kubernetes names may be `true`, `no`, `null`, `123`, `1e3` or `0x1f`; read back,
    // the YAML must still say strings, as the JSON does.
    let names = [
        "true", "no", "on", "null", "123", "1e3", "0x1f", "1.0", "0o17", "012", "y", "nan", "inf",
        "1-2",
    ];
    let docs: Vec<String> = names
        .iter()
        .map(|name| {
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: '{name}', namespace: '{name}'}}\n")
        })
        .collect();
    let set = Loader::load_str("names.yaml", &docs.join("---\n")).unwrap();
    let graph = infer(&set, InferOptions::default());
    let mut json = Vec::new();
    export(&graph, Format::Json, &mut json).unwrap();
    let json: Value = serde_json::from_slice(&json).unwrap();
    let mut yaml = Vec::new();
    export(&graph, Format::Yaml, &mut yaml).unwrap();
    let yaml = String::from_utf8(yaml).unwrap();
    let read_back: Value = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(read_back, json, "{yaml}");
}

/// Names with characters XML 1.0 forbids (a file can hold them; the API server never
/// would): the SVG stays well-formed, so PNG and PDF still render.
fn control_graph() -> Graph {
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \"a\\u0001b\\e[2J\\uFFFE\", namespace: \"n\\u0007s\"}\n";
    let set = Loader::load_str("ctl.yaml", yaml).unwrap();
    infer(&set, InferOptions::default())
}

#[test]
fn svg_of_names_with_control_characters_is_well_formed() {
    let graph = control_graph();
    let mut svg = Vec::new();
    export(&graph, Format::Svg, &mut svg).unwrap();
    let svg = String::from_utf8(svg).unwrap();
    let forbidden = |c: char| matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    assert!(!svg.chars().any(forbidden), "{svg}");
    assert!(
        svg.contains(r"a\u{1}b\e[2J"),
        "the name shows what it holds: {svg}"
    );
    for format in [Format::Png, Format::Pdf] {
        let mut out = Vec::new();
        export(&graph, format, &mut out).unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert!(!out.is_empty());
    }
}

#[test]
fn tree_writes_control_characters_in_names_out() {
    let mut out = Vec::new();
    export_tree(&control_graph(), TreeStyle { color: false }, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(text.contains(r"namespace n\u{7}s"), "{text}");
    assert!(text.contains(r"ConfigMap a\u{1}b\e[2J"), "{text}");
}

/// A cluster of `deployments` Deployments, each with a ReplicaSet and `pods` Pods that
/// mount a ConfigMap and run on one of three Nodes; and a long-named Service.
fn large(deployments: usize, pods: usize) -> Graph {
    let mut yaml = String::new();
    for node in 0..3 {
        yaml.push_str(&format!(
            "---\napiVersion: v1\nkind: Node\nmetadata: {{name: worker-{node}}}\n"
        ));
    }
    for d in 0..deployments {
        yaml.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app-{d}, namespace: ns-{ns}, uid: d{d}}}\n---\napiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {{name: app-{d}-1, namespace: ns-{ns}, uid: r{d}, ownerReferences: [{{apiVersion: apps/v1, kind: Deployment, name: app-{d}, uid: d{d}}}]}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: app-{d}-config, namespace: ns-{ns}}}\n",
            ns = d % 4
        ));
        for p in 0..pods {
            yaml.push_str(&format!(
                "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: app-{d}-1-{p}, namespace: ns-{ns}, labels: {{app: a{d}}}, ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: app-{d}-1, uid: r{d}}}]}}\nspec: {{nodeName: worker-{node}, volumes: [{{name: c, configMap: {{name: app-{d}-config}}}}]}}\n",
                ns = d % 4,
                node = p % 3
            ));
        }
    }
    yaml.push_str("---\napiVersion: v1\nkind: Service\nmetadata: {name: a-service-with-a-name-far-longer-than-any-box-would-hold-whole-in-one-line, namespace: ns-0}\nspec: {selector: {app: a0}}\n");
    let set = Loader::load_str("large.yaml", &yaml).unwrap();
    infer(&set, InferOptions::default())
}

#[test]
fn a_large_drawing_folds_owned_objects_into_their_owners_and_says_so() {
    let graph = large(40, 10);
    let mut svg = Vec::new();
    export(&graph, Format::Svg, &mut svg).unwrap();
    let svg = String::from_utf8(svg).unwrap();
    assert!(
        svg.contains("Folded: 440 owned objects (ReplicaSets, Jobs, Pods…) are folded into their owners and counted there."),
        "{}",
        &svg[svg.len().saturating_sub(800)..]
    );
    assert!(
        svg.contains("+ 10 Pods, 1 ReplicaSet"),
        "the count is on the owner"
    );
    assert!(!svg.contains(r#"<g id="Pod/"#), "no pod drawn one by one");
    // Edges of the folded pods are the owner's: the Service selects the Deployment.
    assert!(svg.contains("<title>Service/ns-0/a-service-with-a-name-far-longer-than-any-box-would-hold-whole-in-one-line selects Deployment.apps/ns-0/app-0</title>"));
    // The long name is kept whole, over several lines.
    let name = "a-service-with-a-name-far-longer-than-any-box-would-hold-whole-in-one-line";
    let lines: String = svg
        .lines()
        .find(|l| l.contains(&format!(r#"<g id="Service/ns-0/{name}">"#)))
        .unwrap()
        .split("font-size=\"12\" fill=\"#111827\">")
        .skip(1)
        .map(|t| t.split('<').next().unwrap())
        .collect();
    assert_eq!(lines, name);
    // A grid, not a strip: neither side is more than three times the other.
    let (width, height) = svg_size(&svg);
    assert!(
        width / height < 3.0 && height / width < 3.0,
        "{width}×{height}"
    );
}

#[test]
fn a_drawing_of_too_many_boxes_groups_them_by_kind_and_namespace() {
    // 600 Deployments (each with one pod folded in) and their ConfigMaps: too many boxes.
    let graph = large(600, 1);
    let mut svg = Vec::new();
    export(&graph, Format::Svg, &mut svg).unwrap();
    let svg = String::from_utf8(svg).unwrap();
    assert!(
        svg.contains("folded into one box per kind and namespace"),
        "{}",
        &svg[svg.len().saturating_sub(800)..]
    );
    assert!(
        svg.contains("ConfigMap × 150 · ns-1"),
        "grouped with a count"
    );
    let boxes = svg.matches("<rect x=").count();
    assert!(boxes <= 400, "{boxes} boxes");
    let mut png = Vec::new();
    export(&graph, Format::Png, &mut png).unwrap();
    let image = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
    assert!(image.width() <= 8_192 && image.height() <= 8_192);
}
