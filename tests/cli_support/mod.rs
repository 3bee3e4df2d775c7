//! Running the built `lncmail` binary in a temporary folder, for the tests/cli_*.rs files.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What one run of the binary did.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Both streams, for assertion messages.
    pub fn all(&self) -> String {
        format!("exit {}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// Runs `lncmail ARGS` in `dir` with a clean environment for lncmail (no LNCMAIL_DEFAULTS, no
/// RUST_LOG) plus `env`, feeding `stdin` if given.
pub fn lncmail(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lncmail"));
    cmd.args(args).current_dir(dir).env_remove("LNCMAIL_DEFAULTS").env_remove("RUST_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the lncmail binary runs");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("lncmail finishes");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes `text` to `dir/name` and returns the name.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    std::fs::write(dir.join(name), text).expect("write a test file");
    name.to_string()
}

/// The .eml files of a folder, sorted (none if the folder does not exist).
pub fn emls(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "eml")).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// The text of the only .eml in a folder.
pub fn only_eml_text(dir: &Path) -> String {
    let files = emls(dir);
    assert_eq!(files.len(), 1, "expected one .eml in {}: {files:?}", dir.display());
    std::fs::read_to_string(&files[0]).expect("read the .eml")
}

/// A MAILSMTP line writing into `outbox` (relative to the run's folder).
pub const SMTP_FILE: &str = "MAILSMTP 'Server=\"file:outbox\";Sender=\"me@example.com\"'";

/// util-linux `script`, to give a run a pseudo-terminal (fails with how to install it).
pub fn require_script() -> PathBuf {
    for p in ["/usr/bin/script", "/bin/script"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!("script (util-linux) is not installed: apt-get install bsdutils");
}
