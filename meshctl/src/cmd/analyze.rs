//! `meshctl analyze -f PATH... [--meshConfigFile FILE] [-o text|json|yaml]
//! [--failure-threshold LEVEL] [--output-threshold LEVEL]`

use std::io::{self, Write};
use std::path::PathBuf;

use mesh_api::Error;
use mesh_routing::analyze::{Message, MessageLevel, analyze_documents};

use super::{INVALID, Inputs, Output, UNREADABLE, load_error_code};

/// A message level on the command line, spelled as istioctl spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    /// Informational messages and above.
    #[value(name = "Info")]
    Info,
    /// Warnings and errors.
    #[value(name = "Warning")]
    Warning,
    /// Errors only.
    #[value(name = "Error")]
    Error,
}

impl From<Level> for MessageLevel {
    fn from(level: Level) -> Self {
        match level {
            Level::Info => MessageLevel::Info,
            Level::Warning => MessageLevel::Warning,
            Level::Error => MessageLevel::Error,
        }
    }
}

/// Arguments of `meshctl analyze`.
///
/// Exit status: 0 when no message reaches `--failure-threshold`, 1 when one does or a
/// document does not load, 2 when a path or the mesh config file cannot be read.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// The mesh configuration (`meshConfig` as YAML), as istioctl's `--meshConfigFile`.
    #[arg(long = "meshConfigFile", value_name = "FILE")]
    mesh_config_file: Option<PathBuf>,
    /// Output format: istioctl's text lines, or the messages as JSON or YAML.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Output::Text)]
    output: Output,
    /// The level at or above which a message makes the command fail.
    #[arg(long = "failure-threshold", value_enum, default_value_t = Level::Error)]
    failure_threshold: Level,
    /// The level at or above which messages are printed.
    #[arg(long = "output-threshold", value_enum, default_value_t = Level::Info)]
    output_threshold: Level,
}

/// Reads the mesh configuration file; a message on `err` and `None` when it cannot be used.
fn mesh_config(path: &PathBuf, err: &mut impl Write) -> io::Result<Result<serde_json::Value, ()>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            writeln!(err, "{}: {e}", path.display())?;
            return Ok(Err(()));
        }
    };
    match mesh_api::read_untyped(&text).into_iter().next() {
        Some(Ok(value)) => Ok(Ok(value)),
        Some(Err(e)) => {
            writeln!(err, "{}: {e}", path.display())?;
            Ok(Err(()))
        }
        None => Ok(Ok(serde_json::Value::Null)),
    }
}

/// Analyzes the inputs and prints the messages at or above the output threshold.
pub fn run(args: &Args, out: &mut impl Write, err: &mut impl Write) -> io::Result<u8> {
    let loaded = args.inputs.load();
    let mut code = load_error_code(&loaded);
    for error in &loaded.errors {
        writeln!(err, "{error}")?;
    }
    if loaded.errors.iter().any(|e| matches!(e, Error::Read { .. })) {
        return Ok(UNREADABLE);
    }
    let config = match &args.mesh_config_file {
        Some(path) => match mesh_config(path, err)? {
            Ok(value) => Some(value),
            Err(()) => return Ok(UNREADABLE),
        },
        None => None,
    };
    // Certificates are judged by the current time, read here: the library stays clock-free.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok());
    let messages = analyze_documents(&loaded.documents, config.as_ref(), now);
    let shown: Vec<&Message> = messages.iter().filter(|m| m.level.at_least(args.output_threshold.into())).collect();
    match args.output {
        Output::Text => {
            if shown.is_empty() {
                writeln!(out, "No validation issues found when analyzing {} objects.", loaded.documents.len())?;
            }
            for m in &shown {
                writeln!(out, "{m}")?;
            }
        }
        Output::Json => {
            serde_json::to_writer_pretty(&mut *out, &shown)?;
            writeln!(out)?;
        }
        Output::Yaml => match mesh_api::to_yaml(&shown) {
            Ok(text) => write!(out, "{text}")?,
            Err(e) => {
                writeln!(err, "{e}")?;
                return Ok(UNREADABLE);
            }
        },
    }
    if messages.iter().any(|m| m.level.at_least(args.failure_threshold.into())) {
        code = code.max(INVALID);
    }
    Ok(code)
}
