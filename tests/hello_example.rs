//! The README's first command: `lncmail run examples/hello.lnc` writes a message into ./outbox
//! that a real MIME parser reads with no defects.

mod common;

use std::path::PathBuf;
use std::process::Command;

#[test]
fn hello_lnc_writes_a_clean_message_with_text_html_and_attachment() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().unwrap();
    // Run in a copy of the examples so the repository's ./outbox is left alone.
    std::fs::create_dir_all(work.path().join("examples/files")).unwrap();
    std::fs::copy(root.join("examples/hello.lnc"), work.path().join("examples/hello.lnc")).unwrap();
    for f in std::fs::read_dir(root.join("examples/files")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, work.path().join("examples/files").join(f.file_name().unwrap())).unwrap();
    }
    let out = Command::new(common::lncmail_bin())
        .args(["run", "examples/hello.lnc"])
        .current_dir(work.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("MAILSEND: OK outbox/"), "{stdout}");

    let eml = common::eml::only_eml(&work.path().join("outbox"));
    let v = common::eml::parse_clean(&eml);
    let types = common::eml::structure(&v);
    assert_eq!(types, ["multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/csv"]);
    let leaves = common::eml::leaves(&v);
    assert!(leaves[0]["text"].as_str().unwrap().contains("Please find the monthly report attached."));
    assert!(leaves[1]["text"].as_str().unwrap().contains("<b>monthly report</b>"));
    assert_eq!(leaves[2]["filename"], "report-2026-11.csv");
    assert_eq!(leaves[2]["size"], std::fs::metadata(root.join("examples/files/report.csv")).unwrap().len());
    assert_eq!(v["headers"]["subject"], "Monthly report – November");
    // The send log sits beside it.
    let log = std::fs::read_to_string(work.path().join("outbox/send-log.csv")).unwrap();
    assert_eq!(log.lines().count(), 2);
}

#[test]
fn rust_example_sends_through_file() {
    let work = tempfile::tempdir().unwrap();
    // `cargo test` builds the examples beside the binary: target/<profile>/examples/.
    let exe = common::lncmail_bin().parent().unwrap().join("examples/send_file");
    assert!(exe.exists(), "{} not built (cargo test builds examples)", exe.display());
    let out = Command::new(exe).arg(work.path().join("box")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v = common::eml::parse_clean(&common::eml::only_eml(&work.path().join("box")));
    assert_eq!(v["headers"]["subject"], "Your invoice");
}
