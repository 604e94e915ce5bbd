//! Graphviz DOT output.

use std::fmt::Write;

use super::{EdgeKind, NodeKind, TrafficGraph};

/// A DOT string literal.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(super) fn render(g: &TrafficGraph) -> String {
    let mut out = String::from(
        "digraph mesh {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
    );
    for n in &g.nodes {
        let shape = match n.kind {
            NodeKind::Gateway => "hexagon",
            NodeKind::Service => "box",
            NodeKind::Subset => "ellipse",
            NodeKind::Response => "note",
        };
        let _ = writeln!(out, "  {} [label={}, shape={shape}];", n.id, quote(&n.label));
    }
    for e in &g.edges {
        let style = match e.kind {
            EdgeKind::Route => "",
            EdgeKind::Mirror => ", style=dashed",
        };
        let _ = writeln!(out, "  {} -> {} [label={}{style}];", e.from, e.to, quote(&e.label));
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_labels_escape_quotes_and_backslashes() {
        assert_eq!(quote(r#"uri regex "\d+""#), r#""uri regex \"\\d+\"""#);
    }
}
