//! Transcript tests of `meshctl graph` on the Online Boutique example.

mod support;

use support::meshctl;

use std::path::PathBuf;

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

#[test]
fn graph_as_mermaid() {
    let run = meshctl(&["graph", "-f", "online-boutique", "-o", "mermaid"], &examples());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(
        run.stdout,
        r#"flowchart LR
  n0{{"gateway istio-app/frontend-gateway"}}
  n1["accounts.google.com"]
  n2["*.googleapis.com"]
  n3["frontend.istio-app"]
  n4["productcatalogservice.istio-app"]
  n5(["productcatalogservice.istio-app v1"])
  n6(["productcatalogservice.istio-app v2"])
  n0 -->|"100%"| n3
  n4 -->|"75%"| n5
  n4 -->|"25%"| n6
"#
    );
}

#[test]
fn graph_is_dot_by_default() {
    let run = meshctl(&["graph", "-f", "online-boutique/productcatalog-canary.yaml"], &examples());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(
        run.stdout,
        r#"digraph mesh {
  rankdir=LR;
  node [fontname="Helvetica"];
  edge [fontname="Helvetica", fontsize=10];
  n0 [label="productcatalogservice.istio-app", shape=box];
  n1 [label="productcatalogservice.istio-app v1", shape=ellipse];
  n2 [label="productcatalogservice.istio-app v2", shape=ellipse];
  n0 -> n1 [label="75%"];
  n0 -> n2 [label="25%"];
}
"#
    );
}

#[test]
fn graph_as_json_lists_nodes_and_edges() {
    let run = meshctl(&["graph", "-f", "online-boutique/gateway.yaml", "-o", "json"], &examples());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(
        json,
        serde_json::json!({
            "nodes": [
                {"id": "n0", "kind": "gateway", "label": "gateway istio-app/frontend-gateway"},
                {"id": "n1", "kind": "service", "label": "frontend.istio-app"},
            ],
            "edges": [{"from": "n0", "to": "n1", "kind": "route", "label": "100%"}],
        })
    );
}

#[test]
fn graph_exits_2_when_an_input_cannot_be_read() {
    let run = meshctl(&["graph", "-f", "nope.yaml"], &examples());
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert!(run.stderr.starts_with("nope.yaml: No such file or directory"), "{}", run.stderr);
}

#[test]
fn graph_rejects_an_unknown_format() {
    let run = meshctl(&["graph", "-f", "online-boutique", "-o", "png"], &examples());
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("[possible values: dot, mermaid, svg, json]"), "{}", run.stderr);
}

#[test]
fn graph_as_svg_draws_every_node_and_share() {
    let run = meshctl(&["graph", "-f", "online-boutique", "-o", "svg"], &examples());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert!(run.stdout.starts_with("<?xml") && run.stdout.contains("<svg "), "{}", run.stdout);
    assert!(run.stdout.trim_end().ends_with("</svg>"), "{}", run.stdout);
    for text in
        ["gateway istio-app/frontend-gateway", "frontend.istio-app", "productcatalogservice.istio-app v2", "75%", "25%"]
    {
        assert!(run.stdout.contains(text), "{text} missing from\n{}", run.stdout);
    }
}
