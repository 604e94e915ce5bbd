//! `meshctl kube-inject -f FILE [--operatorFileName F] [--meshConfigFile F] [--valuesFile F]
//! [--injectConfigFile F] [--set K=V]... [--revision R] [--native-sidecars auto|true|false]`

use std::io::{self, Write};
use std::path::PathBuf;

use mesh_render::inject::{InjectionSettings, KubeInject, NativeSidecars, inject};

use super::{INVALID, UNREADABLE, load_error_code};

/// Whether the proxy runs as a native sidecar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Native {
    /// Istio's default: on when every kubelet is 1.33 or newer; offline there is no cluster to
    /// ask, so off.
    Auto,
    /// Always a native sidecar (an init container with `restartPolicy: Always`).
    True,
    /// Always a regular container after the app.
    False,
}

/// Arguments of `meshctl kube-inject`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files holding the workloads to inject (Pod, Deployment, StatefulSet, DaemonSet, Job,
    /// ReplicaSet, CronJob, ReplicationController, List); other objects pass through.
    #[arg(short = 'f', long = "filename", required = true, num_args = 1..)]
    pub filenames: Vec<PathBuf>,
    /// An IstioOperator, merged over its profile as `manifest generate` merges it; the values
    /// the istiod chart gets from it (`hub`, `tag`, `revision`, `meshConfig`, the CNI switch,
    /// `values`) override the values and mesh config files.
    #[arg(long = "operatorFileName")]
    pub operator_file: Option<PathBuf>,
    /// The injection config: the `istio-sidecar-injector` ConfigMap, its `config` data, or a
    /// bare `sidecar` template. As in istioctl, only its templates are used. Text templates
    /// are evaluated when they use field references, `range`, `if` and `with`; a template
    /// using Go template functions is replaced by mesh's built-in one of the same name
    /// (`sidecar`, `gateway`, `grpc-agent`, `grpc-simple`) and refused under another name.
    #[arg(long = "injectConfigFile")]
    pub inject_config_file: Option<PathBuf>,
    /// Override a setting of the IstioOperator (`values.global.proxy.image=proxyTest`,
    /// `components.cni.enabled=true`), as `manifest generate --set` does.
    #[arg(short = 's', long = "set", value_name = "K=V")]
    pub set: Vec<String>,
    /// A mesh config (the `mesh` key of Istio's `istio` ConfigMap) applied over the defaults.
    #[arg(long = "meshConfigFile")]
    pub mesh_config_file: Option<PathBuf>,
    /// A Helm values tree (the `values` key of the `istio-sidecar-injector` ConfigMap) applied
    /// over the defaults.
    #[arg(long = "valuesFile")]
    pub values_file: Option<PathBuf>,
    /// Control-plane revision the sidecars connect to.
    #[arg(short = 'r', long = "revision")]
    pub revision: Option<String>,
    /// Native sidecars: auto, true or false.
    #[arg(long = "native-sidecars", value_enum, default_value = "auto")]
    pub native_sidecars: Native,
}

/// Reads an input file for the settings.
fn read_file(path: &PathBuf) -> Result<(String, String), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((path.display().to_string(), text))
}

/// The injection settings the flags describe, with the warnings to print.
fn settings(args: &Args) -> Result<(InjectionSettings, Vec<String>), String> {
    let mut inputs = KubeInject::new();
    if let Some(path) = &args.operator_file {
        let (origin, text) = read_file(path)?;
        inputs.operator(&origin, &text);
    }
    if let Some(path) = &args.values_file {
        let (origin, text) = read_file(path)?;
        inputs.values(&origin, &text);
    }
    if let Some(path) = &args.mesh_config_file {
        let (origin, text) = read_file(path)?;
        inputs.mesh_config(&origin, &text);
    }
    if let Some(path) = &args.inject_config_file {
        let (origin, text) = read_file(path)?;
        inputs.inject_config(&origin, &text);
    }
    for flag in &args.set {
        inputs.set(flag);
    }
    if let Some(rev) = &args.revision {
        inputs.revision(rev);
    }
    inputs.native_sidecars(match args.native_sidecars {
        Native::Auto => NativeSidecars::Auto,
        Native::True => NativeSidecars::On,
        Native::False => NativeSidecars::Off,
    });
    inputs.settings().map_err(|e| e.to_string())
}

/// Prints every object of the files, injected, as a YAML stream; skipped workloads and errors
/// go to stderr.
pub fn run(args: &Args, out: &mut impl Write, err: &mut impl Write) -> io::Result<u8> {
    let settings = match settings(args) {
        Ok((settings, warnings)) => {
            for warning in &warnings {
                writeln!(err, "{warning}")?;
            }
            settings
        }
        Err(message) => {
            writeln!(err, "{message}")?;
            return Ok(UNREADABLE);
        }
    };
    let loaded = mesh_api::load_paths(&args.filenames);
    let mut code = load_error_code(&loaded);
    for error in &loaded.errors {
        writeln!(err, "{error}")?;
    }
    for document in &loaded.documents {
        let injected = match inject(&document.object, &settings) {
            Ok(injected) => injected,
            Err(e) => {
                writeln!(err, "{}: {e}", document.object.metadata().name.as_deref().unwrap_or_default())?;
                code = code.max(INVALID);
                continue;
            }
        };
        for warning in &injected.warnings {
            writeln!(err, "{warning}")?;
        }
        let output =
            mesh_api::Document { object: injected.object, api_version: document.api_version.clone(), source: None };
        match output.to_yaml() {
            Ok(text) => write!(out, "---\n{text}")?,
            Err(e) => {
                writeln!(err, "{e}")?;
                code = code.max(INVALID);
            }
        }
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(native: Native) -> Args {
        Args {
            filenames: Vec::new(),
            operator_file: None,
            inject_config_file: None,
            set: vec!["values.global.proxy.image=proxyTest".into()],
            mesh_config_file: None,
            values_file: None,
            revision: Some("canary".into()),
            native_sidecars: native,
        }
    }

    #[test]
    fn auto_is_off_without_a_cluster() {
        let (s, _) = settings(&args(Native::Auto)).expect("settings");
        assert!(!s.native_sidecars_enabled());
        assert_eq!(s.revision, "canary");
        assert_eq!(s.proxy_image(), "registry.istio.io/testing/proxyTest:latest");
    }

    #[test]
    fn true_forces_native_sidecars() {
        assert!(settings(&args(Native::True)).expect("settings").0.native_sidecars_enabled());
    }

    #[test]
    fn a_missing_file_is_named() {
        let mut a = args(Native::Auto);
        a.inject_config_file = Some(PathBuf::from("no-such-inject-config.yaml"));
        let err = settings(&a).expect_err("missing");
        assert!(err.starts_with("no-such-inject-config.yaml: "), "{err}");
    }
}
