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
/// read but something in it is wrong (an invalid object, a failed route test, coverage under
/// `--fail-under`), 2 when input cannot be read or the command line is wrong. (istioctl uses other codes for `analyze`; meshctl keeps one scheme.)
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
    /// Run route test files: requests, and where each must go.
    ///
    /// Prints one line per test (`ok`, or `FAIL` with expected and actual side by side),
    /// then `N passed, M failed` alone on the last line. Exit status: 0 when every test
    /// passes, 1 when a test fails or coverage is under `--fail-under`, 2 when a file or
    /// its config cannot be read or is invalid.
    Test(cmd::test::Args),
    /// Show where one request goes through the given objects, and why.
    ///
    /// Prints the steps that led to the decision, then the decision: outcome, VirtualService
    /// and rule, destinations and shares, timeout, retries, and the rest. Exit status: 0
    /// when every object loads, 1 when some do not (the rest still route), 2 when a path
    /// cannot be read or the command line is wrong.
    Route(cmd::route::Args),
    /// How routing changes from one config set (`-f`) to another (`--to`): shares that move,
    /// requests routed differently, rules added or removed.
    ///
    /// Exit status: 0 when routing is unchanged, 1 when it changes, 2 when input cannot be read.
    Diff(cmd::diff::Args),
    /// Draw the routing as a graph (gateways, services and subsets; routes with conditions and
    /// shares) in Graphviz DOT, Mermaid or SVG.
    Graph(cmd::graph::Args),
    /// Check objects the way `istioctl analyze` does: istioctl's codes (IST0101, ...) and
    /// mesh's own routing checks (MESH0001, ...), with file and line.
    ///
    /// Exit status: 0 when no message reaches `--failure-threshold` (default Error), 1 when
    /// one does or a document does not load, 2 when input cannot be read.
    Analyze(cmd::analyze::Args),
    /// Compare the objects an IstioOperator renders with objects observed in a cluster.
    VerifyInstall(cmd::verify_install::Args),
    /// Install Istio into the current cluster, in dependency order (`--dry-run` prints the plan).
    Install(cmd::install::InstallArgs),
    /// Remove what `install` applied, in reverse order (`--dry-run` prints the plan).
    Uninstall(cmd::install::UninstallArgs),
    /// Open an addon's web UI (kiali, grafana, prometheus, jaeger) through a port-forward.
    Dashboard(cmd::dashboard::Args),
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
        Command::Test(args) => cmd::test::run(&args, &mut out, &mut err),
        Command::Route(args) => cmd::route::run(&args, &mut out, &mut err),
        Command::Diff(args) => cmd::diff::run(&args, &mut out, &mut err),
        Command::Graph(args) => cmd::graph::run(&args, &mut out, &mut err),
        Command::Analyze(args) => cmd::analyze::run(&args, &mut out, &mut err),
        Command::VerifyInstall(args) => cmd::verify_install::run(&args, &mut out, &mut err),
        Command::Install(args) => cmd::install::run_install(&args, &mut out, &mut err),
        Command::Uninstall(args) => cmd::install::run_uninstall(&args, &mut out, &mut err),
        Command::Dashboard(args) => cmd::dashboard::run(&args, &mut out, &mut err),
    };
    let code = result.unwrap_or_else(|e| {
        // A reader that stopped early (`meshctl ... | head`) is not a failure of ours.
        if e.kind() == io::ErrorKind::BrokenPipe {
            return 0;
        }
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
