//! One module per subcommand: its arguments and a `run` that calls the libraries and prints.

pub mod analyze;
pub mod crds;
pub mod dashboard;
pub mod diff;
pub mod fmt;
pub mod graph;
pub mod install;
pub mod kube_inject;
pub mod manifest;
pub mod profile;
pub mod route;
pub mod test;
pub mod validate;
pub mod verify_install;
pub mod version;

use std::io::Read;
use std::path::PathBuf;

use mesh_api::{Error, Loaded};

/// Files or folders to read, as `-f/--filename` (repeatable, istioctl's spelling); `-` reads
/// standard input.
#[derive(Debug, clap::Args)]
pub struct Inputs {
    /// Files or folders to read (folders recursively, for *.yaml and *.yml); `-` is stdin.
    #[arg(short = 'f', long = "filename", required = true, num_args = 1..)]
    pub filenames: Vec<PathBuf>,
}

impl Inputs {
    /// Loads every input in the order given.
    pub fn load(&self) -> Loaded {
        let mut loaded = Loaded::default();
        for path in &self.filenames {
            let next = if path.as_os_str() == "-" {
                let mut text = String::new();
                match std::io::stdin().read_to_string(&mut text) {
                    Ok(_) => mesh_api::load_str(&text),
                    Err(source) => {
                        Loaded { errors: vec![Error::Read { path: path.clone(), source }], ..Loaded::default() }
                    }
                }
            } else {
                mesh_api::load_path(path)
            };
            loaded.documents.extend(next.documents);
            loaded.errors.extend(next.errors);
        }
        loaded
    }
}

/// Exit code for input that was read but is wrong.
pub const INVALID: u8 = 1;
/// Exit code for input that could not be read.
pub const UNREADABLE: u8 = 2;

/// The exit code that a set of load errors calls for: 2 when a path could not be read.
pub fn load_error_code(loaded: &Loaded) -> u8 {
    if loaded.errors.iter().any(|e| matches!(e, Error::Read { .. })) {
        UNREADABLE
    } else if loaded.errors.is_empty() {
        0
    } else {
        INVALID
    }
}

/// How a command prints its results (`-o/--output`), shared by every command that has one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// Text for people.
    #[default]
    Text,
    /// YAML: the library's own types, serialized.
    Yaml,
    /// JSON: the library's own types, serialized, for other tools.
    Json,
}

impl Output {
    /// Writes `value` as YAML or JSON (not for [`Output::Text`], which each command renders).
    pub fn write_data<T: serde::Serialize>(self, value: &T, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let text = match self {
            Self::Json => serde_json::to_string_pretty(value).map_err(std::io::Error::other)?,
            Self::Yaml | Self::Text => mesh_api::to_yaml(value).map_err(std::io::Error::other)?,
        };
        writeln!(out, "{}", text.trim_end())
    }
}
