//! The C programs of `tests/c/` compiled with `cc` against `include/lncmail.h` and the built
//! library, linked both ways (shared and static), run, and run again under valgrind.
//!
//! The library is built by this test (`cargo build -p lncmail-ffi` with the profile of the
//! running test), because `cargo test` does not always build a cdylib/staticlib it does not
//! link. Requires `cc` and `valgrind` (`.ci/install.sh`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The folder of the built liblncmail.{so,a}: the profile folder this test binary runs from
/// (`target/<profile>/deps/c_programs-*`), so `CARGO_TARGET_DIR` and `--release` are followed.
fn lib_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let dir = exe.parent().and_then(Path::parent).unwrap().to_path_buf();
        let profile = match dir.file_name().and_then(|n| n.to_str()).unwrap() {
            "debug" => "dev".to_string(),
            other => other.to_string(),
        };
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string());
        let out = Command::new(cargo)
            .args(["build", "-p", "lncmail-ffi", "--profile", &profile, "--manifest-path"])
            .arg(root().join("Cargo.toml"))
            .output()
            .unwrap();
        assert!(out.status.success(), "cargo build -p lncmail-ffi failed:\n{}", String::from_utf8_lossy(&out.stderr));
        for f in ["liblncmail.so", "liblncmail.a"] {
            assert!(dir.join(f).exists(), "{} was not built", dir.join(f).display());
        }
        dir
    })
}

/// Fails with a message saying how to install a missing tool (tests never silently pass).
fn require_tool(tool: &str, install: &str) {
    let found = Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output().unwrap();
    assert!(found.status.success(), "{tool} is not installed: {install} (bash .ci/install.sh installs it)");
}

#[derive(Clone, Copy, Debug)]
enum Link {
    Shared,
    Static,
}

/// What liblncmail.a needs (`rustc --print native-static-libs`); the same list is in lncmail.pc.
const STATIC_DEPS: &[&str] = &["-lssl", "-lcrypto", "-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl", "-lc"];

/// Compiles one C file with warnings as errors and links it to the library.
fn compile(source: &Path, link: Link, out_dir: &Path) -> PathBuf {
    require_tool("cc", "apt-get install gcc");
    let lib = lib_dir();
    let name = format!("{}-{link:?}", source.file_stem().unwrap().to_str().unwrap());
    let exe = out_dir.join(name);
    let mut cc = Command::new("cc");
    cc.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-pthread"])
        .arg("-I")
        .arg(root().join("include"))
        .arg("-I")
        .arg(root().join("tests/c"))
        .arg(source)
        .arg("-o")
        .arg(&exe);
    match link {
        Link::Shared => {
            cc.arg(format!("-L{}", lib.display()))
                .arg("-llncmail")
                .arg(format!("-Wl,-rpath,{}", lib.display()));
        }
        Link::Static => {
            cc.arg(lib.join("liblncmail.a")).args(STATIC_DEPS);
        }
    }
    let out = cc.output().unwrap();
    assert!(out.status.success(), "cc {} failed:\n{}", source.display(), String::from_utf8_lossy(&out.stderr));
    exe
}

fn show(out: &Output) -> String {
    format!("status {}\n--- stdout\n{}--- stderr\n{}", out.status, String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn run(exe: &Path, args: &[&str]) -> Output {
    let out = Command::new(exe).args(args).output().unwrap();
    assert!(out.status.success(), "{} failed: {}", exe.display(), show(&out));
    out
}

/// Runs under memcheck: any invalid read or write, or a definite or indirect leak, fails.
/// "Still reachable" and "possibly lost" blocks are the one-time allocations of statics (the
/// handle table, OpenSSL's and the Rust runtime's globals), freed by the OS at exit.
fn valgrind(exe: &Path, args: &[&str]) {
    require_tool("valgrind", "apt-get install valgrind");
    let out = Command::new("valgrind")
        .args([
            "--error-exitcode=1",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--show-possibly-lost=no",
        ])
        .arg(format!("--suppressions={}", root().join("tests/c/valgrind.supp").display()))
        .arg(exe)
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "valgrind found errors in {}: {}", exe.display(), show(&out));
    assert!(stderr.contains("ERROR SUMMARY: 0 errors"), "no clean valgrind summary: {}", show(&out));
}

/// Compiles `tests/c/<name>.c` both ways and runs it; `args` gets a fresh folder first when
/// `with_dir`.
fn check_program(name: &str, with_dir: bool, extra: &[&str], valgrind_extra: Option<&[&str]>) {
    let build = tempfile::tempdir().unwrap();
    let source = root().join(format!("tests/c/{name}.c"));
    let mut shared_exe = None;
    for link in [Link::Shared, Link::Static] {
        let exe = compile(&source, link, build.path());
        let work = tempfile::tempdir().unwrap();
        let mut args: Vec<&str> = Vec::new();
        let dir = work.path().to_str().unwrap().to_string();
        if with_dir {
            args.push(&dir);
        }
        args.extend_from_slice(extra);
        run(&exe, &args);
        if let Link::Shared = link {
            shared_exe = Some(exe);
        }
    }
    if let (Some(exe), Some(vg_extra)) = (shared_exe, valgrind_extra) {
        let work = tempfile::tempdir().unwrap();
        let dir = work.path().to_str().unwrap().to_string();
        let mut args: Vec<&str> = Vec::new();
        if with_dir {
            args.push(&dir);
        }
        args.extend_from_slice(vg_extra);
        valgrind(&exe, &args);
    }
}

#[test]
fn full_command_sequence() {
    check_program("sequence", true, &[], Some(&[]));
}

#[test]
fn every_error_class_of_the_c_layer() {
    check_program("errors", false, &[], Some(&[]));
}

#[test]
fn truncation_at_every_small_result_length() {
    check_program("truncation", false, &[], Some(&[]));
}

#[test]
fn fixed_length_fields() {
    check_program("fixed", true, &[], Some(&[]));
}

/// 8 threads x 100 messages, then 2 threads on one handle. Under valgrind, which runs threads
/// one at a time and many times slower, 8 threads x 5 messages.
#[test]
fn threads_with_own_and_shared_handles() {
    check_program("threads", true, &["100"], Some(&["5"]));
}

/// The text between `<!-- example: examples/c/send.c -->` and the end of the next C block in
/// docs/c-api.md.
fn example_in_docs() -> String {
    let doc = std::fs::read_to_string(root().join("docs/c-api.md")).unwrap();
    let start = doc.find("<!-- example: examples/c/send.c -->").expect("docs/c-api.md has no example marker");
    let rest = &doc[start..];
    let code = &rest[rest.find("```c\n").expect("no ```c block after the marker") + 5..];
    code[..code.find("```").expect("unterminated C block")].to_string()
}

/// The example of docs/c-api.md is examples/c/send.c, byte for byte; it is compiled (against
/// an installed copy: header, libraries and lncmail.pc in a temporary prefix, found with
/// pkg-config, as the docs say) both ways and run, and the message it writes is checked.
#[test]
fn documented_example_is_installed_compiled_and_run() {
    let example = std::fs::read_to_string(root().join("examples/c/send.c")).unwrap();
    assert_eq!(example_in_docs(), example, "docs/c-api.md and examples/c/send.c differ");
    require_tool("pkg-config", "apt-get install pkg-config");
    require_tool("cc", "apt-get install gcc");
    let prefix = tempfile::tempdir().unwrap();
    let out = Command::new("sh")
        .arg(root().join("ffi/install.sh"))
        .arg(prefix.path())
        .env("LNCMAIL_LIB_DIR", lib_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "install.sh: {}", show(&out));
    let pc_path = prefix.path().join("lib/pkgconfig");
    let pkg = |args: &[&str]| -> Vec<String> {
        let out = Command::new("pkg-config").args(args).arg("lncmail").env("PKG_CONFIG_PATH", &pc_path).output().unwrap();
        assert!(out.status.success(), "pkg-config {args:?}: {}", show(&out));
        String::from_utf8(out.stdout).unwrap().split_whitespace().map(String::from).collect()
    };
    let source = root().join("examples/c/send.c");
    let build = tempfile::tempdir().unwrap();
    let libdir = pkg(&["--variable=libdir"]).concat();
    for (name, link) in [
        ("send-shared", [pkg(&["--cflags", "--libs"]), vec![format!("-Wl,-rpath,{libdir}")]].concat()),
        ("send-static", [pkg(&["--cflags"]), vec![format!("{libdir}/liblncmail.a")], pkg(&["--variable=static_deps"])].concat()),
    ] {
        let exe = build.path().join(name);
        let out = Command::new("cc").arg(&source).arg("-o").arg(&exe).args(&link).output().unwrap();
        assert!(out.status.success(), "cc {name}: {}", show(&out));
        let outbox = tempfile::tempdir().unwrap();
        let out = run(&exe, &[outbox.path().to_str().unwrap()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("MAILSEND -> 0 OK "), "{name}: {stdout}");
        let emls: Vec<_> = std::fs::read_dir(outbox.path()).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(emls.len(), 1, "{name}: {emls:?}");
        let msg = std::fs::read_to_string(&emls[0]).unwrap();
        assert!(msg.contains("Subject: Monthly report") && msg.contains("the report is ready."), "{msg}");
        if name == "send-shared" {
            let outbox = tempfile::tempdir().unwrap();
            valgrind(&exe, &[outbox.path().to_str().unwrap()]);
        }
    }
}
