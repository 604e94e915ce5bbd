//! `meshctl kube-inject -f FILE [--operatorFileName F] [--meshConfigFile F] [--valuesFile F] [--revision R]
//! [--native-sidecars auto|true|false]`

use std::io::{self, Write};
use std::path::PathBuf;

use mesh_api::install::{IstioOperator, MeshConfig, Values};
use mesh_render::inject::{InjectionSettings, NativeSidecars, inject};

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
    /// An IstioOperator whose `hub`, `tag`, `revision`, `meshConfig`, CNI component and
    /// `values` are applied over the defaults (before the mesh config and values files).
    #[arg(long = "operatorFileName")]
    pub operator_file: Option<PathBuf>,
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

/// Reads a values or mesh config file. Keys the typed model does not know are dropped, each
/// with a warning, because istioctl ignores them too (its own test inputs carry old keys).
fn read<T: serde::de::DeserializeOwned>(path: &PathBuf, warnings: &mut Vec<String>) -> Result<T, String> {
    let fail = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| fail(&e))?;
    let mut value = match mesh_api::read_untyped(&text).into_iter().next() {
        Some(parsed) => parsed.map_err(|e| fail(&e))?,
        None => serde_json::Value::Null,
    };
    if value.is_null() {
        value = serde_json::Value::Object(serde_json::Map::new());
    }
    loop {
        match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(read) => return Ok(read),
            Err(e) if e.inner().to_string().starts_with("unknown field") => {
                // The path ends with the unknown key itself.
                let full = e.path().to_string();
                let (parent, key) = full.rsplit_once('.').unwrap_or((".", full.as_str()));
                let (parent, key) = (parent.to_owned(), key.to_owned());
                let Some(map) = locate(&mut value, &parent).and_then(|v| v.as_object_mut()) else {
                    return Err(fail(&e));
                };
                if map.remove(&key).is_none() {
                    return Err(fail(&e));
                }
                warnings.push(format!("{}: ignoring unknown key {full}", path.display()));
            }
            Err(e) => return Err(fail(&e)),
        }
    }
}

/// The value at a dotted path as serde_path_to_error prints it (`.` for the root).
fn locate<'a>(value: &'a mut serde_json::Value, path: &str) -> Option<&'a mut serde_json::Value> {
    if path == "." {
        return Some(value);
    }
    path.split('.').try_fold(value, |v, key| match key.strip_suffix(']').and_then(|k| k.split_once('[')) {
        Some((name, index)) => v.get_mut(name)?.get_mut(index.parse::<usize>().ok()?),
        None => v.get_mut(key),
    })
}

/// The injection settings the flags describe.
fn settings(args: &Args, warnings: &mut Vec<String>) -> Result<InjectionSettings, String> {
    let mut settings = InjectionSettings::offline();
    if let Some(path) = &args.operator_file {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let operator =
            mesh_api::from_yaml_str::<IstioOperator>(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        settings.apply_operator(&operator);
    }
    if let Some(path) = &args.values_file {
        settings.apply_values(&read::<Values>(path, warnings)?);
    }
    if let Some(path) = &args.mesh_config_file {
        settings.apply_mesh_config(&read::<MeshConfig>(path, warnings)?);
    }
    if let Some(rev) = &args.revision {
        settings.revision = if rev == "default" { String::new() } else { rev.clone() };
    }
    settings.native_sidecars = match args.native_sidecars {
        Native::Auto => NativeSidecars::Auto,
        Native::True => NativeSidecars::On,
        Native::False => NativeSidecars::Off,
    };
    Ok(settings)
}

/// Prints every object of the files, injected, as a YAML stream; skipped workloads and errors
/// go to stderr.
pub fn run(args: &Args, out: &mut impl Write, err: &mut impl Write) -> io::Result<u8> {
    let mut warnings = Vec::new();
    let settings = settings(args, &mut warnings);
    for warning in &warnings {
        writeln!(err, "{warning}")?;
    }
    let settings = match settings {
        Ok(s) => s,
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
            mesh_config_file: None,
            values_file: None,
            revision: Some("canary".into()),
            native_sidecars: native,
        }
    }

    #[test]
    fn auto_is_off_without_a_cluster() {
        let s = settings(&args(Native::Auto), &mut Vec::new()).expect("settings");
        assert!(!s.native_sidecars_enabled());
        assert_eq!(s.revision, "canary");
    }

    #[test]
    fn unknown_keys_are_dropped_with_a_warning() {
        let path = std::env::temp_dir().join(format!("kube-inject-values-{}.yaml", std::process::id()));
        std::fs::write(&path, "global:\n  suffix: test\n  hub: example.com\n").expect("write");
        let mut warnings = Vec::new();
        let values: Values = read(&path, &mut warnings).expect("reads");
        std::fs::remove_file(&path).ok();
        assert_eq!(values.global.and_then(|g| g.hub).as_deref(), Some("example.com"));
        assert_eq!(warnings, [format!("{}: ignoring unknown key global.suffix", path.display())]);
    }

    #[test]
    fn true_forces_native_sidecars() {
        assert!(settings(&args(Native::True), &mut Vec::new()).expect("settings").native_sidecars_enabled());
    }
}
