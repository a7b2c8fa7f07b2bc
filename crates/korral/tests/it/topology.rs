use std::io::Write;

use crate::util::{korral, shop, stderr, stdout};

#[test]
fn tree_of_the_example_cluster() {
    let output = korral()
        .args(["topology", "-f"])
        .arg(shop())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!("shop_tree", stdout(&output));
}

#[test]
fn json_of_the_example_cluster_follows_the_contract() {
    let output = korral()
        .args(["topology", "-o", "json", "-f"])
        .arg(shop())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let graph: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let nodes = graph["nodes"].as_array().unwrap();
    let edges = graph["edges"].as_array().unwrap();
    assert_eq!(nodes.len(), 164, "every object of the example is a node");
    let ids: Vec<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "nodes are sorted and unique"
    );
    let mut relations: Vec<&str> = edges
        .iter()
        .map(|e| e["relation"].as_str().unwrap())
        .collect();
    relations.sort_unstable();
    relations.dedup();
    assert_eq!(
        relations,
        vec![
            "binds",
            "bound-to",
            "class",
            "endpoints",
            "env",
            "grants",
            "mounts",
            "owns",
            "pulls-with",
            "routes-to",
            "runs-as",
            "runs-on",
            "scales",
            "selects",
            "targets",
            "tls",
        ],
        "the example shows every relation"
    );
    let problems = graph["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["object"], "Service/shop/legacy-search");
    assert_eq!(problems[0]["kind"], "selects-nothing");
    insta::assert_json_snapshot!("shop_json_problems", problems);
}

#[test]
fn stdin_and_files_give_the_same_graph() {
    let file = shop().join("shop/frontend.yaml");
    let from_file = korral()
        .args(["topology", "-o", "json", "-f"])
        .arg(&file)
        .output()
        .unwrap();
    let text = std::fs::read(&file).unwrap();
    let from_stdin = korral()
        .args(["topology", "-o", "json", "-f", "-"])
        .write_stdin(text)
        .output()
        .unwrap();
    assert!(from_stdin.status.success(), "{}", stderr(&from_stdin));
    assert_eq!(from_file.stdout, from_stdin.stdout);
}

#[test]
fn namespace_and_focus_narrow_the_view() {
    let output = korral()
        .args(["topology", "-n", "payments", "-o", "json", "-f"])
        .arg(shop())
        .output()
        .unwrap();
    let graph: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for node in graph["nodes"].as_array().unwrap() {
        let ns = node.get("namespace").and_then(|n| n.as_str());
        assert!(ns.is_none() || ns == Some("payments"), "{node}");
    }

    let output = korral()
        .args(["topology", "--focus", "deploy/shop/frontend", "-f"])
        .arg(shop())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!("shop_focus_frontend", stdout(&output));
}

#[test]
fn malformed_input_exits_2_with_the_position_after_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("good.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("zbad.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  labels: {a: [}\n",
    )
    .unwrap();
    let output = korral()
        .args(["topology", "-f"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stdout(&output).contains("ConfigMap a"),
        "the good file is drawn: {}",
        stdout(&output)
    );
    let err = stderr(&output);
    assert!(err.contains("zbad.yaml:5:"), "{err}");
    assert!(err.contains("skipped a malformed document"), "{err}");
}

#[test]
fn duplicates_warn_on_stderr() {
    let mut file = tempfile::NamedTempFile::with_suffix(".yaml").unwrap();
    let doc = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: x\n";
    write!(file, "{doc}---\n{doc}").unwrap();
    let output = korral()
        .args(["topology", "-o", "json", "-f"])
        .arg(file.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(
        stderr(&output).contains("warning: ConfigMap/x/a is defined twice"),
        "{}",
        stderr(&output)
    );
    let graph: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(graph["problems"][0]["kind"], "duplicate-object");
}

#[test]
fn fail_on_problems_exits_1() {
    let output = korral()
        .args(["topology", "--fail-on-problems", "-o", "json", "-f"])
        .arg(shop())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn bad_flags_are_input_errors() {
    for args in [
        vec!["--relation", "mount"],
        vec!["--focus", "frontend"],
        vec!["--focus", "deploy/nope"],
        vec!["-l", "app in (x"],
    ] {
        let output = korral()
            .arg("topology")
            .args(&args)
            .arg("-f")
            .arg(shop())
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).starts_with("error: "),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn out_writes_a_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    for (format, magic) in [
        ("svg", &b"<svg"[..]),
        ("png", &b"\x89PNG"[..]),
        ("pdf", &b"%PDF-"[..]),
    ] {
        let path = dir.path().join(format!("shop.{format}"));
        let output = korral()
            .args(["topology", "-n", "shop", "-o", format, "--out"])
            .arg(&path)
            .arg("-f")
            .arg(shop())
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(output.stdout.is_empty());
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(magic), "{format}");
    }
    // Nothing but the three files: no temporary file is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
}
