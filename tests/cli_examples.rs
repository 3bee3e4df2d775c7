//! Every command file of examples/ runs as documented, and what it writes is clean MIME.

mod cli_support;
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use cli_support::{emls, lncmail};

/// A copy of examples/ in a temporary folder, so the repository is left alone.
fn copy_examples() -> tempfile::TempDir {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().unwrap();
    copy_dir(&root.join("examples"), &work.path().join("examples"));
    work
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// Runs one example and returns its only message, read back by Python's email parser.
fn run_one(file: &str) -> serde_json::Value {
    let work = copy_examples();
    let out = lncmail(work.path(), &["run", &format!("examples/{file}")], &[], None);
    assert_eq!(out.code, 0, "{file}: {}", out.all());
    common::eml::parse_clean(&common::eml::only_eml(&work.path().join("outbox")))
}

#[test]
fn plain() {
    let v = run_one("plain.lnc");
    assert_eq!(common::eml::structure(&v), ["text/plain"]);
    assert_eq!(v["headers"]["subject"], "Nightly backup finished");
}

#[test]
fn html_with_inline_image() {
    let v = run_one("html-inline-image.lnc");
    let types = common::eml::structure(&v);
    assert_eq!(types, ["multipart/alternative", "text/plain", "multipart/related", "text/html", "image/png"], "{v}");
    let leaves = common::eml::leaves(&v);
    assert_eq!(leaves[2]["content_id"], "<logo>");
    assert!(leaves[1]["text"].as_str().unwrap().contains("src=\"cid:logo\""));
}

#[test]
fn attachments() {
    let v = run_one("attachments.lnc");
    assert_eq!(common::eml::structure(&v), ["multipart/mixed", "text/plain", "text/csv", "image/png"]);
    let leaves = common::eml::leaves(&v);
    assert_eq!(leaves[1]["filename"], "figures-2026-11.csv");
    assert_eq!(leaves[2]["filename"], "chart.png");
    assert!(v["headers"].get("bcc").is_none());
}

#[test]
fn cl_form() {
    let v = run_one("monthly.clp");
    assert_eq!(common::eml::structure(&v), ["multipart/mixed", "text/plain", "text/csv"]);
    assert_eq!(v["headers"]["subject"], "Monthly report");
    assert_eq!(v["headers"]["x-priority"], "1 (Highest)");
}

#[test]
fn keep_going_with_defaults() {
    let work = copy_examples();
    let out = lncmail(
        work.path(),
        &["run", "--keep-going", "--defaults", "examples/defaults.props", "examples/keep-going.lnc"],
        &[("LNC_TO", "ops@example.com")],
        None,
    );
    assert_eq!(out.code, 1, "{}", out.all());
    assert_eq!(emls(&work.path().join("outbox")).len(), 2, "{}", out.all());
    assert!(out.stderr.contains("lncmail: 2 sent, 0 partial, 1 failed in "), "{}", out.all());
    let log = std::fs::read_to_string(work.path().join("outbox/send-log.csv")).unwrap();
    assert_eq!(log.lines().count(), 3, "{log}");
}

fn openssl(dir: &Path, args: &[&str]) {
    let bin = common::require_tool("openssl", "apt-get install openssl");
    let out = Command::new(bin).args(args).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn smime_signed_and_encrypted() {
    let work = copy_examples();
    let d = work.path();
    // A self-signed S/MIME certificate for the sender, made now (never committed).
    openssl(d, &[
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "2",
        "-subj", "/CN=Jean Dupont/emailAddress=jean.dupont@example.com",
        "-addext", "subjectAltName=email:jean.dupont@example.com",
        "-addext", "keyUsage=digitalSignature,keyEncipherment",
        "-addext", "extendedKeyUsage=emailProtection",
    ]);
    openssl(d, &["pkcs12", "-export", "-in", "cert.pem", "-inkey", "key.pem", "-out", "me.p12", "-passout", "pass:p12-Secret"]);
    let out = lncmail(d, &["run", "examples/smime.lnc"], &[("LNCMAIL_P12", "me.p12"), ("LNCMAIL_P12_PASSWORD", "p12-Secret")], None);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(!out.stdout.contains("p12-Secret") && !out.stderr.contains("p12-Secret"));
    let eml = common::eml::only_eml(&d.join("outbox"));
    let eml = eml.to_str().unwrap();
    openssl(d, &["cms", "-decrypt", "-in", eml, "-recip", "cert.pem", "-inkey", "key.pem", "-out", "signed.eml"]);
    openssl(d, &["cms", "-verify", "-in", "signed.eml", "-CAfile", "cert.pem", "-out", "inner.eml"]);
    let inner = std::fs::read_to_string(d.join("inner.eml")).unwrap();
    assert!(inner.contains("Only the holder of the key can read this."), "{inner}");
}

#[test]
fn every_example_parses() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "lnc" || x == "clp") {
            let text = std::fs::read_to_string(&p).unwrap();
            if let Err(e) = lncmail::script::parse(&text) {
                panic!("{}:{}: {}", p.display(), e.line, e.error);
            }
            n += 1;
        }
    }
    assert!(n >= 7, "found {n} example files");
}
