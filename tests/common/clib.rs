//! C programs built with `cc` against liblncmail.so, as `ffi/tests/c_programs.rs` builds
//! them: for tests that need a C host (one that does not ignore SIGPIPE, or that reads the
//! result text through the C ABI).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The profile folder of this test binary (`target/<profile>`), after building liblncmail.so
/// there (`cargo test` does not always build a cdylib it does not link).
pub fn lib_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("current exe");
        let dir = exe.parent().and_then(Path::parent).expect("profile folder").to_path_buf();
        let profile = match dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") => "dev".to_string(),
            Some(other) => other.to_string(),
            None => panic!("no profile folder above {}", exe.display()),
        };
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string());
        let out = Command::new(cargo)
            .args(["build", "-p", "lncmail-ffi", "--profile", &profile, "--manifest-path"])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .output()
            .expect("run cargo build");
        assert!(out.status.success(), "cargo build -p lncmail-ffi failed:\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(dir.join("liblncmail.so").exists(), "{} was not built", dir.join("liblncmail.so").display());
        dir
    })
}

/// Compiles `source` (C99 including "lncmail.h") into `dir/name`, linked to liblncmail.so.
pub fn build(dir: &Path, name: &str, source: &str) -> PathBuf {
    let cc = super::require_tool("cc", "apt-get install gcc");
    let lib = lib_dir();
    let src = dir.join(format!("{name}.c"));
    std::fs::write(&src, source).expect("write the C source");
    let exe = dir.join(name);
    let out = Command::new(cc)
        .arg("-std=c99")
        .arg(&src)
        .arg("-I")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("include"))
        .arg("-L")
        .arg(lib)
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-llncmail")
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("run cc");
    assert!(out.status.success(), "cc failed: {}", String::from_utf8_lossy(&out.stderr));
    exe
}
