//! SVG output, laid out and drawn by `layout-rs` (a layered layout in pure Rust).

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::render::get_shape_size;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::{EdgeKind, NodeKind, TrafficGraph};

pub(super) fn render(g: &TrafficGraph) -> String {
    let mut vg = VisualGraph::new(Orientation::LeftToRight);
    let handles: Vec<_> = g
        .nodes
        .iter()
        .map(|n| {
            let mut look = StyleAttr::simple();
            let shape = match n.kind {
                NodeKind::Gateway => {
                    look.fill_color = Some(Color::fast("lightblue"));
                    ShapeKind::new_double_circle(&n.label)
                }
                NodeKind::Service => ShapeKind::new_box(&n.label),
                NodeKind::Subset => {
                    look.fill_color = Some(Color::fast("lightyellow"));
                    ShapeKind::new_circle(&n.label)
                }
                NodeKind::Response => {
                    look.rounded = 15;
                    look.fill_color = Some(Color::fast("lightgrey"));
                    ShapeKind::new_box(&n.label)
                }
            };
            let size = get_shape_size(Orientation::LeftToRight, &shape, look.font_size, false);
            vg.add_node(Element::create(shape, look, Orientation::LeftToRight, size))
        })
        .collect();
    let handle = |id: &str| g.nodes.iter().position(|n| n.id == id).map(|i| handles[i]);
    for e in &g.edges {
        let (Some(from), Some(to)) = (handle(&e.from), handle(&e.to)) else { continue };
        // The layered layout draws no loops: a route from a host to itself stays out of the
        // picture (DOT and Mermaid keep it).
        if from == to {
            continue;
        }
        let line_style = match e.kind {
            EdgeKind::Route => LineStyleKind::Normal,
            EdgeKind::Mirror => LineStyleKind::Dashed,
        };
        vg.add_edge(Arrow { line_style, text: e.label.clone(), ..Arrow::default() }, from, to);
    }
    let mut svg = SVGWriter::new();
    if !g.nodes.is_empty() {
        vg.do_it(false, false, false, &mut svg);
    }
    svg.finalize()
}
