//! Mermaid flowchart output.

use std::fmt::Write;

use super::{EdgeKind, NodeKind, TrafficGraph};

/// A Mermaid quoted label: double quotes become the `#quot;` entity, which Mermaid decodes.
fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "#quot;").replace('\n', "<br>"))
}

pub(super) fn render(g: &TrafficGraph) -> String {
    let mut out = String::from("flowchart LR\n");
    for n in &g.nodes {
        let label = quote(&n.label);
        let _ = match n.kind {
            NodeKind::Gateway => writeln!(out, "  {}{{{{{label}}}}}", n.id),
            NodeKind::Service => writeln!(out, "  {}[{label}]", n.id),
            NodeKind::Subset => writeln!(out, "  {}([{label}])", n.id),
            NodeKind::Response => writeln!(out, "  {}>{label}]", n.id),
        };
    }
    for e in &g.edges {
        let arrow = match e.kind {
            EdgeKind::Route => "-->",
            EdgeKind::Mirror => "-.->",
        };
        if e.label.is_empty() {
            let _ = writeln!(out, "  {} {arrow} {}", e.from, e.to);
        } else {
            let _ = writeln!(out, "  {} {arrow}|{}| {}", e.from, quote(&e.label), e.to);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_labels_encode_double_quotes() {
        assert_eq!(quote(r#"uri prefix "/api""#), "\"uri prefix #quot;/api#quot;\"");
    }
}
