//! `meshctl validate -f PATH...`

use std::io::{self, Write};

use mesh_api::{Error, Level, Location};

use super::{INVALID, Inputs, load_error_code};

/// Arguments of `meshctl validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    inputs: Inputs,
}

/// Prints each problem as `FILE:LINE: Kind namespace/name: field.path: message`.
pub fn run(args: &Args, out: &mut impl Write, err: &mut impl Write) -> io::Result<u8> {
    let loaded = args.inputs.load();
    let mut code = load_error_code(&loaded);
    for error in &loaded.errors {
        match error {
            Error::Read { .. } => writeln!(err, "{error}")?,
            _ => writeln!(out, "{error}")?,
        }
    }
    let mut valid = 0;
    for document in &loaded.documents {
        let problems = document.validate();
        let object = document.object.object_ref();
        let mut has_error = false;
        for problem in &problems {
            let at = document.locate(&problem.path).unwrap_or_default();
            writeln!(out, "{}: {object}: {problem}", file_line(&at))?;
            has_error |= problem.level == Level::Error;
        }
        if has_error {
            code = code.max(INVALID);
        } else {
            valid += 1;
        }
    }
    let total = loaded.documents.len() + loaded.errors.iter().filter(|e| !matches!(e, Error::Read { .. })).count();
    writeln!(err, "{valid} of {total} objects valid")?;
    Ok(code)
}

fn file_line(at: &Location) -> String {
    let file = at.file.as_ref().map_or_else(|| "<input>".to_owned(), |f| f.display().to_string());
    format!("{file}:{}", at.line)
}
