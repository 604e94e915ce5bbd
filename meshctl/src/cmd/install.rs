//! `meshctl install` and `meshctl uninstall`: an installation's objects applied to (or deleted
//! from) the cluster of the current kubeconfig context, in Istio's dependency order. The plan
//! comes from mesh-render; the cluster work needs the `kube` feature, `--dry-run` does not.

use std::io::{self, Write};
use std::path::PathBuf;

use mesh_render::install::Plan;
use mesh_render::{Error, Overlays, manifest};

use super::{INVALID, UNREADABLE};

/// The installation to work on: overlay files and flags, as `manifest generate` takes them.
#[derive(Debug, clap::Args)]
pub struct Config {
    /// IstioOperator overlay files, merged in order.
    #[arg(short = 'f', long = "filename")]
    pub filenames: Vec<PathBuf>,
    /// Override a setting (`profile=demo`, `values.global.hub=docker.io/istio`), after the
    /// files, in order.
    #[arg(short = 's', long = "set", value_name = "K=V")]
    pub set: Vec<String>,
    /// The control plane revision (sets `revision`; `default` means none).
    #[arg(short = 'r', long = "revision")]
    pub revision: Option<String>,
    /// Print the plan (every object, in order, by step) and change nothing; needs no cluster.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long = "skip-confirmation")]
    pub yes: bool,
}

impl Config {
    fn manifest(&self) -> mesh_render::Result<manifest::Manifest> {
        let mut overlays = Overlays::new();
        for file in &self.filenames {
            overlays.file(file)?;
        }
        for flag in &self.set {
            overlays.set(flag)?;
        }
        if let Some(revision) = self.revision.as_deref().filter(|r| *r != "default") {
            overlays.set(&format!("revision={revision}"))?;
        }
        manifest::render(&overlays.merge()?)
    }
}

/// Arguments of `meshctl install`.
///
/// Applies the objects an IstioOperator renders to the cluster of the current kubeconfig
/// context, by server-side apply as field manager `meshctl`: namespaces, CRDs, then base,
/// istiod, gateways, CNI and ztunnel, waiting after each component until its Deployments and
/// DaemonSets are rolled out. Exit 0 when installed, 1 when the cluster refuses an object or
/// a rollout times out, 2 when an input cannot be read or meshctl was built without the
/// `kube` feature.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// The installation.
    #[command(flatten)]
    pub config: Config,
    /// How long each component may take to roll out, in seconds (or with an `s`/`m` suffix).
    #[arg(long = "readiness-timeout", value_name = "DURATION", default_value = "300s", value_parser = seconds)]
    pub readiness_timeout: u64,
    /// Apply without waiting for rollouts.
    #[arg(long)]
    pub skip_wait: bool,
}

/// Arguments of `meshctl uninstall`.
///
/// Deletes the objects an IstioOperator renders, in the install order reversed (gateways,
/// then istiod, then base); objects already gone are skipped. Namespaces are kept, and so
/// are the CRDs unless --purge. Exit codes as `install`.
#[derive(Debug, clap::Args)]
pub struct UninstallArgs {
    /// The installation.
    #[command(flatten)]
    pub config: Config,
    /// Also delete the CRDs, and with them every Istio object in the cluster.
    #[arg(long)]
    pub purge: bool,
}

/// Reads `300`, `300s` or `5m` as seconds.
fn seconds(text: &str) -> Result<u64, String> {
    let (number, scale) = match text.strip_suffix('m') {
        Some(n) => (n, 60),
        None => (text.strip_suffix('s').unwrap_or(text), 1),
    };
    number.parse::<u64>().map(|n| n * scale).map_err(|_| format!("{text:?} is not a duration such as 300s or 5m"))
}

/// What a build without the `kube` feature prints instead of touching a cluster.
pub const NO_CLUSTER: &str = "this meshctl was built without the `kube` feature, so it cannot reach a cluster; \
     rebuild it with `cargo install meshctl --features kube`";

/// Runs `meshctl install`.
pub fn run_install(args: &InstallArgs, out: &mut impl Write, err: &mut impl Write) -> io::Result<u8> {
    let plan = match args.config.manifest() {
        Ok(manifest) => Plan::install(&manifest),
        Err(e) => return report(&e, err),
    };
    run(&plan, &args.config, out, err, |_plan, _out, _err| {
        #[cfg(feature = "kube")]
        {
            let timeout = std::time::Duration::from_secs(args.readiness_timeout);
            let make = |client| mesh_render::install::Installer::new(client).timeout(timeout).wait(!args.skip_wait);
            cluster::execute(make, _plan, _out)
        }
        #[cfg(not(feature = "kube"))]
        {
            let _ = (args.readiness_timeout, args.skip_wait);
            Err(NO_CLUSTER.to_owned())
        }
    })
}

/// Runs `meshctl uninstall`.
pub fn run_uninstall(args: &UninstallArgs, out: &mut impl Write, err: &mut impl Write) -> io::Result<u8> {
    let plan = match args.config.manifest() {
        Ok(manifest) => Plan::uninstall(&manifest, args.purge),
        Err(e) => return report(&e, err),
    };
    run(&plan, &args.config, out, err, |_plan, _out, _err| {
        #[cfg(feature = "kube")]
        {
            cluster::execute(mesh_render::install::Installer::new, _plan, _out)
        }
        #[cfg(not(feature = "kube"))]
        {
            Err(NO_CLUSTER.to_owned())
        }
    })
}

fn report(e: &Error, err: &mut impl Write) -> io::Result<u8> {
    writeln!(err, "meshctl: {e}")?;
    Ok(if matches!(e, Error::Read { .. }) { UNREADABLE } else { INVALID })
}

/// The outcome of carrying out a plan on a cluster: the exit code, or a usage-level problem
/// (no client, no `kube` feature) to print with exit code 2.
type Outcome = Result<u8, String>;

fn run<O: Write, E: Write>(
    plan: &Plan,
    config: &Config,
    out: &mut O,
    err: &mut E,
    execute: impl FnOnce(&Plan, &mut O, &mut E) -> Outcome,
) -> io::Result<u8> {
    if config.dry_run {
        write!(out, "{plan}")?;
        return Ok(0);
    }
    if !cfg!(feature = "kube") {
        let verb = if plan.action() == mesh_render::install::Action::Apply { "install" } else { "uninstall" };
        writeln!(err, "meshctl: {NO_CLUSTER}; `meshctl {verb} --dry-run` prints the plan without one")?;
        return Ok(UNREADABLE);
    }
    if !config.yes && !confirm(plan, err)? {
        writeln!(err, "meshctl: cancelled; nothing was changed")?;
        return Ok(INVALID);
    }
    match execute(plan, out, err) {
        Ok(code) => Ok(code),
        Err(message) => {
            writeln!(err, "meshctl: {message}")?;
            Ok(UNREADABLE)
        }
    }
}

/// Asks on stderr whether to go on; only `y` or `yes` on stdin proceeds (no input means no).
fn confirm(plan: &Plan, err: &mut impl Write) -> io::Result<bool> {
    let verb = match plan.action() {
        mesh_render::install::Action::Apply => "apply",
        _ => "delete",
    };
    write!(err, "This will {verb} {} objects in the cluster of the current context. Proceed? (y/N) ", plan.len())?;
    err.flush()?;
    let mut answer = String::new();
    io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

#[cfg(feature = "kube")]
pub(crate) mod cluster {
    //! The cluster side: a client from the kubeconfig, a runtime, and progress lines.

    use std::io::Write;

    use mesh_render::install::{Installer, Plan, Progress};

    use super::Outcome;

    /// A runtime for one command.
    pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))
    }

    /// The client `kubectl` would use: the kubeconfig's current context, else the pod's
    /// service account. Call it inside the runtime that uses the client (its connection
    /// task lives there).
    pub async fn client() -> Result<kube::Client, String> {
        kube::Client::try_default()
            .await
            .map_err(|e| format!("cannot reach a cluster: {e} (set KUBECONFIG or a current context, or use --dry-run)"))
    }

    /// Carries out the plan, printing a line per event.
    pub fn execute(make: impl FnOnce(kube::Client) -> Installer, plan: &Plan, out: &mut impl Write) -> Outcome {
        runtime()?.block_on(async { execute_in(make(client().await?), plan, out).await })
    }

    async fn execute_in(installer: Installer, plan: &Plan, out: &mut impl Write) -> Outcome {
        let mut failed_write = None;
        let result = installer
            .run(plan, |event| {
                let line = match event {
                    Progress::Step { index, of, stage } => format!("[{index}/{of}] {stage}"),
                    Progress::Applied { object } => format!("  applied {object}"),
                    Progress::Waiting { object, reason } => format!("  waiting for {object}: {reason}"),
                    Progress::RolledOut { object } => format!("  ✔ {object} rolled out"),
                    Progress::Deleted { object } => format!("  deleted {object}"),
                    Progress::AlreadyGone { object } => format!("  {object} was already gone"),
                    other => format!("  {other:?}"),
                };
                if let Err(e) = writeln!(out, "{line}") {
                    failed_write.get_or_insert(e);
                }
            })
            .await;
        if let Some(e) = failed_write {
            return Err(format!("cannot write the progress: {e}"));
        }
        match result {
            Ok(()) => {
                let done = match plan.action() {
                    mesh_render::install::Action::Apply => "✔ Installation complete",
                    _ => "✔ Uninstall complete",
                };
                writeln!(out, "{done}").map_err(|e| e.to_string())?;
                Ok(0)
            }
            Err(e) => {
                writeln!(out, "✘ {e}").map_err(|e| e.to_string())?;
                Ok(super::INVALID)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::seconds;

    #[test]
    fn readiness_timeouts_read_seconds_and_minutes() {
        assert_eq!(seconds("300"), Ok(300));
        assert_eq!(seconds("45s"), Ok(45));
        assert_eq!(seconds("5m"), Ok(300));
        assert!(seconds("soon").is_err());
    }
}
