//! The errors of `mesh-render`: which input failed (a file, a `--set` flag, a profile), the
//! path inside it, and what to do about it.

use std::fmt;
use std::path::PathBuf;

use mesh_api::FieldPath;

/// A `Result` whose error defaults to [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while reading profiles and overlays and merging them.
///
/// `Display` is the one line `meshctl` prints; it starts with the input at fault (a file name
/// or `--set path=value`) and, where there is one, the field path inside the configuration.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read, so nothing was merged. Check the path and its permissions.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file that failed.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// An overlay file is not YAML. Fix the syntax at the position given in `message`.
    #[error("{origin}: {message}")]
    Syntax {
        /// The file (or other named input) at fault.
        origin: String,
        /// What the YAML parser reported, with its line and column.
        message: String,
    },
    /// An overlay file holds more than one document; Istio takes one IstioOperator per file.
    /// Split the file and pass each part with its own `-f`.
    #[error("{origin}: holds {count} documents; give one IstioOperator per file")]
    MultipleDocuments {
        /// The file at fault.
        origin: String,
        /// How many documents it holds.
        count: usize,
    },
    /// An overlay file's document is not a mapping (it is a list or a scalar), so it cannot be
    /// an IstioOperator.
    #[error("{origin}: expected an IstioOperator mapping, found {found}")]
    NotAMapping {
        /// The file at fault.
        origin: String,
        /// What the document is instead.
        found: String,
    },
    /// A `--set` flag is not of the form `path=value` with Istio's path syntax (dotted keys,
    /// `\.` for a literal dot, `[N]` indexes, `[key:value]` selectors after a field name).
    #[error("--set {flag}: {message}")]
    SetSyntax {
        /// The flag as given.
        flag: String,
        /// What is wrong with it.
        message: String,
    },
    /// A `--set` flag's path cannot be followed in the configuration built so far: a selector
    /// matched no list element, or a segment met a value of the wrong shape. Selectors only
    /// see the user's own files and earlier flags, not the profile, as in Istio.
    #[error("--set {flag}: {path}: {message}")]
    SetPath {
        /// The flag as given.
        flag: String,
        /// The part of the path reached when it failed, such as `spec.components.ingressGateways[name:x]`.
        path: String,
        /// Why it failed there.
        message: String,
    },
    /// No built-in profile has this name (and no `installPackagePath` folder holds one).
    /// `meshctl profile list` shows the names.
    #[error("{}", unknown_profile(name, known))]
    UnknownProfile {
        /// The name asked for.
        name: String,
        /// The names that exist.
        known: Vec<String>,
    },
    /// A profile file under `installPackagePath` could not be used.
    #[error("profile {name:?} in {}: {message}", dir.display())]
    ProfileFile {
        /// The profile name.
        name: String,
        /// The package folder holding `profiles/`.
        dir: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The configuration does not fit the IstioOperator schema (an unknown field, a wrong
    /// type, a value out of range), `values` included. `origin` names the file or flag that
    /// brought it in; unknown fields name the nearest known one.
    #[error("{origin}: {field}: {message}")]
    Invalid {
        /// The file, the `--set` flag, or `merged configuration` when only the combination fails.
        origin: String,
        /// The field at fault, from the IstioOperator's root (`spec.values.global.hub`).
        field: FieldPath,
        /// What is wrong.
        message: String,
    },
    /// The merged configuration fails istioctl's validation (a bad hub, tag or revision, a
    /// gateway name or port, a values or mesh config check). Every error found is listed;
    /// fix them, or pass `--force` ([`crate::Overlays::force`]) to render anyway.
    #[error("{}", validation_message(problems))]
    Validation {
        /// Each error, as `field path: message`.
        problems: Vec<String>,
    },
    /// `--config-path` names nothing in the merged configuration. Paths are relative to
    /// `spec` (`components.pilot`, `values.gateways.istio-egressgateway.secretVolumes`).
    #[error("config path {path:?}: {message}")]
    ConfigPath {
        /// The path as given.
        path: String,
        /// Why it names nothing.
        message: String,
    },
    /// A manifest could not be rendered: a component's `k8s` settings or overlay patches
    /// do not apply, or a patched object no longer fits its kind.
    #[error("manifest: {message}")]
    Render {
        /// What failed, naming the object or patch.
        message: String,
    },
    /// The result could not be written as YAML or JSON (a bug; please report it).
    #[error("cannot write the configuration: {message}")]
    Serialize {
        /// What the serializer said.
        message: String,
    },
    /// A cluster refused an object, or could not be reached for it, while installing,
    /// uninstalling or reading (`install` with the `kube` feature). The message has the API
    /// server's code, reason and words; the steps before this object stay done.
    #[error("{object}: {message}")]
    Cluster {
        /// The object, as `Kind namespace/name`.
        object: String,
        /// What the API server or the connection said.
        message: String,
    },
    /// Workloads of an install step were not rolled out within the timeout. Look at their
    /// pods (`kubectl describe`), or wait longer.
    #[error("not rolled out after {}s: {}", timeout.as_secs(), waiting.join("; "))]
    RolloutTimeout {
        /// How long the step waited.
        timeout: std::time::Duration,
        /// Each workload still waiting, with what it waits for.
        waiting: Vec<String>,
    },
}

/// The message of [`Error::Validation`]: one line per problem under a heading.
fn validation_message(problems: &[String]) -> String {
    let mut text = String::from("the configuration is not valid (--force renders it anyway):");
    for problem in problems {
        text.push_str("\n  ");
        text.push_str(problem);
    }
    text
}

/// The message of [`Error::UnknownProfile`]: the nearest known name, or all of them.
fn unknown_profile(name: &str, known: &[String]) -> String {
    let bound = |k: &str| (k.len().max(name.len()) / 2).max(2);
    // The distance is at least the difference in length: skip names too far apart in length
    // before the quadratic comparison, so an absurdly long name costs nothing.
    let nearest = known
        .iter()
        .filter(|k| name.chars().count().abs_diff(k.chars().count()) <= bound(k))
        .map(|k| (strsim::damerau_levenshtein(name, k), k))
        .min()
        .filter(|(distance, k)| *distance <= bound(k));
    match nearest {
        Some((_, k)) => format!("unknown profile {name:?}; did you mean {k:?}?"),
        None => format!("unknown profile {name:?}; known profiles: {}", known.join(", ")),
    }
}

/// Shows the message, so a failed `.unwrap()` prints the readable line.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_profile_names_the_nearest_one() {
        let known = vec!["default".to_owned(), "demo".to_owned(), "minimal".to_owned()];
        let err = Error::UnknownProfile { name: "demoo".into(), known: known.clone() };
        assert_eq!(err.to_string(), r#"unknown profile "demoo"; did you mean "demo"?"#);
        let err = Error::UnknownProfile { name: "production".into(), known };
        assert_eq!(err.to_string(), r#"unknown profile "production"; known profiles: default, demo, minimal"#);
    }

    #[test]
    fn an_absurdly_long_profile_name_lists_the_known_ones_without_comparing() {
        let known = vec!["default".to_owned(), "demo".to_owned()];
        let err = Error::UnknownProfile { name: "d".repeat(1_000_000), known };
        assert!(err.to_string().ends_with("; known profiles: default, demo"));
    }

    #[test]
    fn debug_shows_the_message() {
        let err = Error::SetSyntax { flag: "=x".into(), message: "the path is empty".into() };
        assert_eq!(format!("{err:?}"), "--set =x: the path is empty");
    }
}
