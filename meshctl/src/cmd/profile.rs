//! `meshctl profile list|dump|diff`: Istio's installation profiles, as `istioctl profile`
//! printed them up to Istio 1.23 (the command left istioctl in 1.24).

use std::io::{self, Write};
use std::path::PathBuf;

use mesh_render::{DumpFormat, Error, Overlays, Profile};

use super::{INVALID, UNREADABLE};

/// Arguments of `meshctl profile`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: ProfileCommand,
}

/// The `profile` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ProfileCommand {
    /// List the built-in profiles.
    List,
    /// Print a profile merged over `default`, with any -f files and --set flags laid over it.
    ///
    /// The output is the IstioOperator before values are derived from it, keys sorted, with
    /// `spec.profile` filled in. A NAME takes precedence over a profile named in the files or
    /// flags. Exit 1 when an input is wrong, 2 when a file cannot be read.
    Dump(DumpArgs),
    /// Show how two profiles differ, as a unified diff of their dumps.
    ///
    /// Exit 0 when they are the same, 1 when they differ (as istioctl did), 2 when a name is
    /// unknown.
    Diff(DiffArgs),
}

/// Arguments of `meshctl profile dump`.
#[derive(Debug, clap::Args)]
pub struct DumpArgs {
    /// The profile to dump; `default` unless the files or flags name one.
    pub name: Option<String>,
    /// Print only this subtree of `spec`, such as `components.pilot`.
    #[arg(short = 'p', long = "config-path")]
    pub config_path: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Format::Yaml)]
    pub output: Format,
    /// IstioOperator overlay files, merged in order.
    #[arg(short = 'f', long = "filename")]
    pub filenames: Vec<PathBuf>,
    /// Override a setting (`values.global.hub=docker.io/istio`), after the files, in order.
    #[arg(short = 's', long = "set", value_name = "K=V")]
    pub set: Vec<String>,
    /// A folder whose `profiles/` replace the built-in profiles (sets `installPackagePath`).
    #[arg(short = 'd', long = "manifests", value_name = "DIR")]
    pub manifests: Option<PathBuf>,
}

/// Arguments of `meshctl profile diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The first profile.
    pub a: String,
    /// The second profile.
    pub b: String,
}

/// Output formats of `profile dump`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// YAML.
    Yaml,
    /// JSON, indented by four spaces.
    Json,
    /// One `path=value` line per setting, usable as `--set` flags.
    Flags,
}

impl From<Format> for DumpFormat {
    fn from(format: Format) -> Self {
        match format {
            Format::Yaml => DumpFormat::Yaml,
            Format::Json => DumpFormat::Json,
            Format::Flags => DumpFormat::Flags,
        }
    }
}

/// Runs one `profile` subcommand.
pub fn run(args: &Args, out: &mut impl Write, err: &mut impl Write) -> io::Result<u8> {
    match &args.command {
        ProfileCommand::List => {
            writeln!(out, "Istio configuration profiles:")?;
            for name in Profile::names() {
                writeln!(out, "    {name}")?;
            }
            Ok(0)
        }
        ProfileCommand::Dump(dump) => match run_dump(dump) {
            Ok(text) => {
                out.write_all(text.as_bytes())?;
                Ok(0)
            }
            Err(e) => {
                writeln!(err, "meshctl: {e}")?;
                Ok(if matches!(e, Error::Read { .. }) { UNREADABLE } else { INVALID })
            }
        },
        ProfileCommand::Diff(diff) => match Profile::diff(&diff.a, &diff.b) {
            Ok(None) => {
                writeln!(out, "Profiles are identical")?;
                Ok(0)
            }
            Ok(Some(text)) => {
                write!(out, "The difference between profiles:\n{text}")?;
                Ok(1)
            }
            Err(e) => {
                writeln!(err, "meshctl: {e}")?;
                Ok(UNREADABLE)
            }
        },
    }
}

fn run_dump(args: &DumpArgs) -> mesh_render::Result<String> {
    let mut overlays = Overlays::new();
    for file in &args.filenames {
        overlays.file(file)?;
    }
    for flag in &args.set {
        overlays.set(flag)?;
    }
    if let Some(dir) = &args.manifests {
        overlays.set(&format!("installPackagePath={}", dir.display()))?;
    }
    if let Some(name) = &args.name {
        if args.manifests.is_none() {
            Profile::named(name)?;
        }
        overlays.set(&format!("profile={name}"))?;
    }
    overlays.dump(args.config_path.as_deref(), args.output.into())
}
