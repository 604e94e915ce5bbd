//! What every transcript test needs: run `meshctl`, capture its exit code, stdout and stderr,
//! and scratch folders of input files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What one run of `meshctl` printed and returned.
#[derive(Debug, PartialEq, Eq)]
pub struct Run {
    /// The exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `meshctl` with `args` in `dir`.
pub fn meshctl(args: &[&str], dir: &Path) -> Run {
    let output =
        Command::new(env!("CARGO_BIN_EXE_meshctl")).args(args).current_dir(dir).output().expect("meshctl runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A scratch folder holding the given files, removed when dropped. Names are unique per test
/// process and call, so tests running in parallel never share one.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// A new folder with `files` (name, text) written into it.
    pub fn new(name: &str, files: &[(&str, &str)]) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("meshctl-{name}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch dir");
        for (file, text) in files {
            std::fs::write(dir.join(file), text).expect("write");
        }
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}
