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
