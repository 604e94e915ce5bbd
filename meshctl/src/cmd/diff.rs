//! `meshctl diff -f OLD... --to NEW... [-o text|json]`

use std::io::{self, Write};
use std::path::PathBuf;

use mesh_api::Loaded;
use mesh_routing::{Mesh, MeshSettings};

use super::{INVALID, Inputs, UNREADABLE};

/// Arguments of `meshctl diff`.
///
/// Exit status: 0 when routing is unchanged, 1 when it changes, 2 when an input cannot be
/// read or a document in it does not load (a diff over part of a config would mislead).
/// Compile warnings that only the new configuration has go to stderr.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The configuration before the change.
    #[command(flatten)]
    old: Inputs,
    /// Files or folders holding the configuration after the change (repeatable).
    #[arg(long = "to", value_name = "PATH", required = true, num_args = 1..)]
    to: Vec<PathBuf>,
    /// Output format: the readable report, or the diff as JSON.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Text)]
    output: Format,
}

/// Output formats of `diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Host by host, for people.
    Text,
    /// The library's `RoutingDiff` as JSON.
    Json,
}

/// Compiles one side, printing its load errors to `err` prefixed with `side`; `None` when a
/// document could not be loaded.
fn side(loaded: &Loaded, side: &str, err: &mut impl Write) -> io::Result<Option<Mesh>> {
    for e in &loaded.errors {
        writeln!(err, "{side}: {e}")?;
    }
    if !loaded.errors.is_empty() {
        return Ok(None);
    }
    let objects: Vec<_> = loaded.objects().cloned().collect();
    Ok(Some(Mesh::compile(&objects, &MeshSettings::default())))
}

/// Compiles both configurations, prints how routing changes, and exits 1 when it does.
pub fn run(args: &Args, out: &mut impl Write, err: &mut impl Write) -> io::Result<u8> {
    let old = side(&args.old.load(), "old", err)?;
    let new = side(&Inputs { filenames: args.to.clone() }.load(), "new", err)?;
    let (Some(old), Some(new)) = (old, new) else { return Ok(UNREADABLE) };
    // Only the problems the change brings in: the others are the same on both sides.
    for w in new.warnings().iter().filter(|w| !old.warnings().contains(w)) {
        writeln!(err, "new: warning: {w}")?;
    }
    let changes = mesh_routing::diff(&old, &new);
    match args.output {
        Format::Text => write!(out, "{changes}")?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &changes)?;
            writeln!(out)?;
        }
    }
    Ok(if changes.is_empty() { 0 } else { INVALID })
}
