//! `meshctl fmt -f PATH...`

use std::io::{self, Write};

use super::{INVALID, Inputs, load_error_code};

/// Arguments of `meshctl fmt`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
}

/// Prints every object that loaded as a YAML stream; load errors go to stderr.
pub fn run(args: &Args, out: &mut impl Write, err: &mut impl Write) -> io::Result<u8> {
    let loaded = args.inputs.load();
    let mut code = load_error_code(&loaded);
    for error in &loaded.errors {
        writeln!(err, "{error}")?;
    }
    for document in &loaded.documents {
        match document.to_yaml() {
            Ok(text) => write!(out, "---\n{text}")?,
            Err(e) => {
                writeln!(err, "{e}")?;
                code = code.max(INVALID);
            }
        }
    }
    Ok(code)
}
