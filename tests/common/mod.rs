//! The test harness: real servers on 127.0.0.1, test certificates, helpers.
#![allow(dead_code)]

pub mod certs;
pub mod clib;
pub mod eml;
pub mod peer;
pub mod smtp;

use std::path::PathBuf;

/// The `lncmail` binary built by cargo for integration tests.
pub fn lncmail_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_lncmail"))
}

/// Fails with a message saying how to install a missing tool (tests never silently pass).
pub fn require_tool(tool: &str, install: &str) -> PathBuf {
    // PATH first (it may hold a newer python3 with the test modules), then the sbin folders that
    // a non-root PATH lacks.
    if let Ok(out) = std::process::Command::new("which").arg(tool).output() {
        if out.status.success() {
            return PathBuf::from(String::from_utf8_lossy(&out.stdout).trim().to_string());
        }
    }
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/sbin"] {
        let p = PathBuf::from(dir).join(tool);
        if p.exists() {
            return p;
        }
    }
    panic!("{tool} is not installed: {install} (bash .ci/run installs it)");
}
