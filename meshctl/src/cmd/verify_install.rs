//! `meshctl verify-install`: the objects an IstioOperator renders, compared with the objects
//! observed in a cluster (the output of `kubectl get -o yaml`), as `istioctl verify-install`
//! did up to Istio 1.23.

use std::io::{self, Write};
use std::path::PathBuf;

use mesh_render::{Overlays, manifest, verify};

use super::{INVALID, UNREADABLE};

/// How the report is printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// One line per object, then the counts.
    #[default]
    Text,
    /// The report as JSON.
    Json,
}

/// Arguments of `meshctl verify-install`.
///
/// Exit 0 when every expected object is present and matches, 1 when one is missing or
/// differs, 2 when an input cannot be read or rendered.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// IstioOperator files, merged in order over their profile.
    #[arg(short = 'f', long = "filename", required = true)]
    pub filenames: Vec<PathBuf>,
    /// Override a setting, after the files, in order.
    #[arg(short = 's', long = "set", value_name = "K=V")]
    pub set: Vec<String>,
    /// The control plane revision (sets `revision`; `default` means none).
    #[arg(short = 'r', long = "revision")]
    pub revision: Option<String>,
    /// YAML files or folders holding the objects observed in the cluster (`kubectl get -o
    /// yaml` output; `kind: List` documents are unwrapped).
    #[arg(long = "observed", required_unless_present = "from_cluster", num_args = 1..)]
    pub observed: Vec<PathBuf>,
    /// Read the observed objects from the cluster of the current kubeconfig context instead
    /// (needs the `kube` feature).
    #[arg(long = "from-cluster", conflicts_with = "observed")]
    pub from_cluster: bool,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

/// Runs `meshctl verify-install`.
pub fn run(args: &Args, out: &mut impl Write, err: &mut impl Write) -> io::Result<u8> {
    let expected = match render(args) {
        Ok(manifest) => manifest,
        Err(e) => {
            writeln!(err, "meshctl: {e}")?;
            return Ok(UNREADABLE);
        }
    };
    let (observed, errors) = if args.from_cluster {
        match from_cluster(&expected) {
            Ok(observed) => (observed, Vec::new()),
            Err(message) => {
                writeln!(err, "meshctl: {message}")?;
                return Ok(UNREADABLE);
            }
        }
    } else {
        verify::observed_objects(mesh_api::load_paths(&args.observed))
    };
    if !errors.is_empty() {
        for e in &errors {
            writeln!(err, "meshctl: {e}")?;
        }
        return Ok(UNREADABLE);
    }
    let report = verify::verify(&expected, &observed);
    match args.output {
        Output::Text => write!(out, "{report}")?,
        Output::Json => {
            let text = serde_json::to_string_pretty(&report).map_err(io::Error::other)?;
            writeln!(out, "{text}")?;
        }
    }
    Ok(if report.is_success() { 0 } else { INVALID })
}

fn render(args: &Args) -> mesh_render::Result<manifest::Manifest> {
    let mut overlays = Overlays::new();
    for file in &args.filenames {
        overlays.file(file)?;
    }
    for flag in &args.set {
        overlays.set(flag)?;
    }
    if let Some(revision) = args.revision.as_deref().filter(|r| *r != "default") {
        overlays.set(&format!("revision={revision}"))?;
    }
    manifest::render(&overlays.merge()?)
}

/// The manifest's objects as the cluster has them.
#[cfg(feature = "kube")]
fn from_cluster(expected: &manifest::Manifest) -> Result<Vec<mesh_api::Object>, String> {
    use super::install::cluster;
    cluster::runtime()?.block_on(async {
        let installer = mesh_render::install::Installer::new(cluster::client().await?);
        installer.observed(expected).await.map_err(|e| e.to_string())
    })
}

/// Without the `kube` feature there is no cluster to read.
#[cfg(not(feature = "kube"))]
fn from_cluster(_expected: &manifest::Manifest) -> Result<Vec<mesh_api::Object>, String> {
    Err(super::install::NO_CLUSTER.to_owned())
}
