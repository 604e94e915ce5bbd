//! `meshctl manifest generate`: the Kubernetes objects of an installation, as
//! `istioctl manifest generate` prints them, rendered offline by mesh-render.

use std::io::{self, Write};
use std::path::PathBuf;

use mesh_render::{Addon, Error, Overlays, addons, manifest};

use super::{INVALID, UNREADABLE};

/// Arguments of `meshctl manifest`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: ManifestCommand,
}

/// The `manifest` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ManifestCommand {
    /// Print the objects of every enabled component as a YAML stream, CRDs first.
    ///
    /// The configuration is the profile (`default` unless the files or flags name one) with
    /// the -f files and --set flags merged over it, as `meshctl profile dump` shows. The
    /// output suits `kubectl apply -f -`; with --reverse it comes in deletion order, for
    /// `kubectl delete -f -`. Exit 1 when an input is wrong, 2 when a file cannot be read.
    Generate(GenerateArgs),
}

/// Arguments of `meshctl manifest generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// IstioOperator overlay files, merged in order.
    #[arg(short = 'f', long = "filename")]
    pub filenames: Vec<PathBuf>,
    /// Override a setting (`values.global.hub=docker.io/istio`), after the files, in order.
    #[arg(short = 's', long = "set", value_name = "K=V")]
    pub set: Vec<String>,
    /// The control plane revision (sets `revision`; `default` means none).
    #[arg(short = 'r', long = "revision")]
    pub revision: Option<String>,
    /// A folder whose `profiles/` replace the built-in profiles (sets `installPackagePath`).
    #[arg(short = 'd', long = "manifests", value_name = "DIR")]
    pub manifests: Option<PathBuf>,
    /// Proceed even when the configuration fails validation: the errors are printed as
    /// warnings, and fields the schema refuses are left out.
    #[arg(long)]
    pub force: bool,
    /// Print the objects in deletion order (the apply order reversed).
    #[arg(long)]
    pub reverse: bool,
    /// Also print a Namespace for each namespace used, first (istioctl never prints them).
    #[arg(long)]
    pub with_namespaces: bool,
    /// Also print Istio's sample observability addons, after the installation: a
    /// comma-separated list of kiali, prometheus, grafana, jaeger.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub addons: Vec<Addon>,
}

/// Runs one `manifest` subcommand.
pub fn run(args: &Args, out: &mut impl Write, err: &mut impl Write) -> io::Result<u8> {
    match &args.command {
        ManifestCommand::Generate(generate) => match run_generate(generate, err) {
            Ok(text) => {
                out.write_all(text.as_bytes())?;
                Ok(0)
            }
            Err(e) => {
                writeln!(err, "meshctl: {e}")?;
                Ok(if matches!(e, Error::Read { .. }) { UNREADABLE } else { INVALID })
            }
        },
    }
}

fn run_generate(args: &GenerateArgs, err: &mut impl Write) -> mesh_render::Result<String> {
    let mut overlays = Overlays::new();
    overlays.force(args.force);
    for file in &args.filenames {
        overlays.file(file)?;
    }
    for flag in &args.set {
        overlays.set(flag)?;
    }
    if let Some(dir) = &args.manifests {
        overlays.set(&format!("installPackagePath={}", dir.display()))?;
    }
    if let Some(revision) = args.revision.as_deref().filter(|r| *r != "default") {
        overlays.set(&format!("revision={revision}"))?;
    }
    let merged = overlays.merge()?;
    for warning in merged.warnings() {
        // A closed stderr is no reason to stop printing the manifest.
        let _ = writeln!(err, "meshctl: warning: {warning}");
    }
    let mut rendered = manifest::render(&merged)?;
    if args.with_namespaces {
        rendered = rendered.with_namespaces();
    }
    let extra = addons::render_in(&args.addons, &addon_namespace(&rendered))?;
    if args.reverse {
        let mut extra = extra;
        extra.reverse();
        Ok(addons::to_yaml(&extra)? + &rendered.reverse().to_yaml()?)
    } else {
        Ok(rendered.to_yaml()? + &addons::to_yaml(&extra)?)
    }
}

/// The namespace of istiod (else of any rendered object, else `istio-system`), where the
/// addons go.
fn addon_namespace(rendered: &manifest::Manifest) -> String {
    let objects = rendered.objects();
    let istiod =
        objects.iter().find(|o| o.component == mesh_render::Component::Pilot && o.resource.namespace().is_some());
    istiod
        .or_else(|| objects.iter().find(|o| o.resource.namespace().is_some()))
        .and_then(|o| o.resource.namespace())
        .unwrap_or("istio-system")
        .to_owned()
}
