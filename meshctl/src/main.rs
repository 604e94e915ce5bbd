//! `meshctl`: Istio configuration checked, formatted and generated offline, in istioctl's
//! spirit. Every command is a thin front over the mesh libraries.
#![forbid(unsafe_code)]

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// Work with Istio configuration without a cluster.
///
/// Exit codes are the same for every command: 0 when nothing is wrong, 1 when the input was
/// read but something in it is wrong (an invalid object), 2 when input cannot be read or the
/// command line is wrong. (istioctl uses other codes for `analyze`; meshctl keeps one scheme.)
#[derive(Debug, Parser)]
#[command(name = "meshctl", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load and validate Istio objects with Istio's admission rules.
    Validate(cmd::validate::Args),
    /// Print every object re-serialized through the typed model, as a YAML stream.
    Fmt(cmd::fmt::Args),
    /// Installation profiles: list them, dump one merged with overlays, diff two.
    Profile(cmd::profile::Args),
    /// Print the CustomResourceDefinitions of every Istio kind, ready for `kubectl apply`.
    Crds,
    /// Print the SDK's version and the Istio version whose API it models.
    Version,
    /// Render the Kubernetes objects of an installation, as `istioctl manifest generate`.
    Manifest(cmd::manifest::Args),
    /// Add Istio's sidecar to the workloads of a file, as `istioctl kube-inject` does.
    KubeInject(cmd::kube_inject::Args),
    /// Compare the objects an IstioOperator renders with objects observed in a cluster.
    VerifyInstall(cmd::verify_install::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = io::stdout();
    let stderr = io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let result = match cli.command {
        Command::Validate(args) => cmd::validate::run(&args, &mut out, &mut err),
        Command::Fmt(args) => cmd::fmt::run(&args, &mut out, &mut err),
        Command::Profile(args) => cmd::profile::run(&args, &mut out, &mut err),
        Command::Crds => cmd::crds::run(&mut out),
        Command::Version => cmd::version::run(&mut out),
        Command::KubeInject(args) => cmd::kube_inject::run(&args, &mut out, &mut err),
        Command::Manifest(args) => cmd::manifest::run(&args, &mut out, &mut err),
        Command::VerifyInstall(args) => cmd::verify_install::run(&args, &mut out, &mut err),
    };
    let code = result.unwrap_or_else(|e| {
        let _ = writeln!(err, "meshctl: {e}");
        2
    });
    let _ = out.flush();
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
