//! `meshctl graph -f PATH... [-o dot|mermaid|svg|json]`

use std::io::{self, Write};

use mesh_routing::{Mesh, MeshSettings};

use super::{Inputs, UNREADABLE};

/// Arguments of `meshctl graph`.
///
/// Exit status: 0 when the graph is printed, 2 when an input cannot be read or a document in
/// it does not load. Objects Istio would reject are left out of the graph (`meshctl validate`
/// lists them).
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// Output format: Graphviz DOT, a Mermaid flowchart, an SVG picture, or the graph's nodes
    /// and edges as JSON.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Dot)]
    output: Format,
}

/// Output formats of `graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
    /// An SVG picture, laid out in Rust (no Graphviz needed).
    Svg,
    /// The library's `TrafficGraph` as JSON.
    Json,
}

/// Compiles the configuration and prints its traffic graph.
pub fn run(args: &Args, out: &mut impl Write, err: &mut impl Write) -> io::Result<u8> {
    let loaded = args.inputs.load();
    for e in &loaded.errors {
        writeln!(err, "{e}")?;
    }
    if !loaded.errors.is_empty() {
        return Ok(UNREADABLE);
    }
    let objects: Vec<_> = loaded.objects().cloned().collect();
    let mesh = Mesh::compile(&objects, &MeshSettings::default());
    let g = mesh_routing::graph(&mesh);
    match args.output {
        Format::Dot => write!(out, "{}", g.to_dot())?,
        Format::Mermaid => write!(out, "{}", g.to_mermaid())?,
        Format::Svg => writeln!(out, "{}", g.to_svg())?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &g)?;
            writeln!(out)?;
        }
    }
    Ok(0)
}
