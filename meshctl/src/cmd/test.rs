//! `meshctl test FILE...`: runs route test files (the project's route-tests.md format).

use std::io::{self, Write};
use std::path::PathBuf;

use super::{INVALID, Output, UNREADABLE};

/// Arguments of `meshctl test`.
///
/// Prints one line per test (`ok`, or `FAIL` with expected and actual side by side), then
/// `N passed, M failed` alone on the last line. Exit status: 0 when every test passes, 1
/// when a test fails or coverage is under `--fail-under`, 2 when a file or its config
/// cannot be read or is invalid.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Route test files to run.
    #[arg(required = true, num_args = 1..)]
    files: Vec<PathBuf>,
    /// Also list every VirtualService rule and weighted destination no test reached, and
    /// the percentage reached.
    #[arg(long)]
    coverage: bool,
    /// Exit 1 when the percentage of rules and weighted destinations reached is below PCT.
    #[arg(long = "fail-under", value_name = "PCT", value_parser = percent)]
    fail_under: Option<f64>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Output::Text)]
    output: Output,
}

fn percent(text: &str) -> Result<f64, String> {
    let value: f64 = text.trim_end_matches('%').parse().map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=100.0).contains(&value) { Ok(value) } else { Err(format!("{value} is not in [0, 100]")) }
}

/// Runs the files and prints their results.
pub fn run(args: &Args, out: &mut impl Write, err: &mut impl Write) -> io::Result<u8> {
    let suite = mesh_routing::testing::run_files(&args.files);
    for e in &suite.errors {
        writeln!(err, "{e}")?;
    }
    match args.output {
        Output::Text => writeln!(out, "{}", suite.text(args.coverage || args.fail_under.is_some()))?,
        data => data.write_data(&suite, out)?,
    }
    let coverage = suite.coverage().percent();
    let under = args.fail_under.is_some_and(|min| coverage < min);
    if let Some(min) = args.fail_under.filter(|_| under) {
        writeln!(err, "coverage {coverage:.1}% is under --fail-under {min}%")?;
    }
    Ok(if !suite.errors.is_empty() {
        UNREADABLE
    } else if suite.failed() > 0 || under {
        INVALID
    } else {
        0
    })
}
