//! The TLS rows of the fault matrix: a STARTTLS answered with garbage, a plain-text server on
//! an SMTPS port, and a certificate for another host name. TLS failures are code 9 and are not
//! retried (they would fail the same way); `useTestMode` alone accepts the wrong name.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use common::peer::{Action, Peer, Script, Step};
use lncmail::session::outcome;
use lncmail::{Code, Session, State};
use openssl::ssl::{SslAcceptor, SslFiletype, SslMethod};

/// A self-signed certificate (CA:TRUE, so usable as `CAFile`) for `other.example` only.
fn cert_for_other_host(dir: &Path) -> (PathBuf, PathBuf) {
    let openssl = common::require_tool("openssl", "apt-get install openssl");
    let (cert, key) = (dir.join("other.crt"), dir.join("other.key"));
    let out = Command::new(openssl)
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=other.example"])
        .args(["-addext", "subjectAltName=DNS:other.example"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(out.status.success(), "openssl req: {}", String::from_utf8_lossy(&out.stderr));
    (cert, key)
}

fn smtps_peer(cert: &Path, key: &Path) -> Peer {
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    b.set_private_key_file(key, SslFiletype::PEM).unwrap();
    b.set_certificate_chain_file(cert).unwrap();
    Peer::start(Script { tls: Some(Arc::new(b.build())), ..Script::clean() })
}

/// Sends one message; returns the outcome, the state after it, and the log and FailedDir.
fn send(props: &str, dir: &Path) -> (Code, String, State, String, usize) {
    let failed = dir.join("failed");
    std::fs::create_dir_all(&failed).unwrap();
    let log = dir.join("send.csv");
    let props = format!("{props};logfile=\"{}\";FailedDir=\"{}\"", log.display(), failed.display());
    let mut s = Session::new();
    s.execute("MAILSMTP", &props, "").unwrap();
    s.execute("MAILPREP", "to@example.com", "subject=\"tls fault\"").unwrap();
    s.execute("MAILTEXT", "x", "").unwrap();
    let (code, text) = outcome(&s.execute("MAILSEND", "", ""));
    let state = s.state();
    drop(s);
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    let saved = std::fs::read_dir(&failed).unwrap().count();
    (code, text, state, log, saved)
}

#[test]
fn starttls_answered_with_garbage_is_code_9_not_retried() {
    let peer = Peer::start(Script { starttls: true, ..Script::fault(Step::Starttls, Action::Garbage) });
    let dir = tempfile::tempdir().unwrap();
    let (code, text, state, log, saved) =
        send(&peer.props(5, "enableSSL=true;useTestMode=true;Retries=2"), dir.path());
    assert_eq!(code, Code::Connection, "{text}");
    assert!(text.contains("STARTTLS") && !text.contains("gave up"), "{text}");
    assert_eq!(peer.count(|s| &s.connections), 1, "retried: {text}");
    assert_eq!(peer.count(|s| &s.mails), 0, "sent in clear");
    assert_eq!(state, State::Composing);
    assert!(log.contains(";FAILED;9;"), "{log}");
    assert_eq!(saved, 1);
}

#[test]
fn plain_text_server_on_an_smtps_port_is_code_9_not_retried() {
    // The client starts a TLS handshake and gets "220 ..." in clear: a handshake failure.
    let peer = Peer::start(Script::clean());
    let dir = tempfile::tempdir().unwrap();
    let (code, text, state, log, saved) =
        send(&peer.props(5, "enableSSL=true;SSLType=SMTPS;useTestMode=true;Retries=2"), dir.path());
    assert_eq!(code, Code::Connection, "{text}");
    assert!(text.contains("TLS failed") && !text.contains("gave up"), "{text}");
    assert_eq!(peer.count(|s| &s.connections), 1, "retried: {text}");
    assert_eq!(state, State::Composing);
    assert!(log.contains(";FAILED;9;"), "{log}");
    assert_eq!(saved, 1);
}

#[test]
fn certificate_for_another_host_name_is_code_9_unless_test_mode() {
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = cert_for_other_host(certs.path());
    let peer = smtps_peer(&cert, &key);
    for host in ["127.0.0.1", "localhost"] {
        // The chain is trusted (CAFile names the certificate itself), only the name is wrong.
        let props = format!(
            "Server=\"{host}\";port={};Sender=\"s@example.com\";Timeout=5;enableSSL=true;SSLType=SMTPS;\
             CAFile=\"{}\";Retries=2",
            peer.port,
            cert.display()
        );
        let dir = tempfile::tempdir().unwrap();
        let (code, text, state, log, saved) = send(&props, dir.path());
        assert_eq!(code, Code::Connection, "{host}: {text}");
        assert!(text.contains("TLS failed") && !text.contains("gave up"), "{host}: {text}");
        let lower = text.to_lowercase();
        assert!(lower.contains("hostname") || lower.contains("host name") || lower.contains("ip address mismatch"), "{host}: the reason is not given: {text}");
        assert_eq!(state, State::Composing);
        assert!(log.contains(";FAILED;9;"), "{log}");
        assert_eq!(saved, 1);
    }
    assert_eq!(peer.count(|s| &s.mails), 0, "a message went to the wrong host");

    // useTestMode turns the checks off (test servers only): the same peer is then accepted.
    let dir = tempfile::tempdir().unwrap();
    let props = format!(
        "Server=\"localhost\";port={};Sender=\"s@example.com\";Timeout=5;enableSSL=true;SSLType=SMTPS;useTestMode=true",
        peer.port
    );
    let (code, text, state, _, saved) = send(&props, dir.path());
    assert_eq!(code, Code::Ok, "{text}");
    assert_eq!((state, saved), (State::Ready, 0));
    assert_eq!(peer.count(|s| &s.delivered), 1);
}

#[test]
fn certificate_for_the_right_host_passes_with_cafile() {
    // The control: the same peer setup with a certificate naming 127.0.0.1 is accepted.
    let certs = tempfile::tempdir().unwrap();
    let c = common::smtp::self_signed_cert(certs.path());
    let peer = smtps_peer(&c.cert, &c.key);
    let dir = tempfile::tempdir().unwrap();
    let props = format!(
        "Server=\"127.0.0.1\";port={};Sender=\"s@example.com\";Timeout=5;enableSSL=true;SSLType=SMTPS;CAFile=\"{}\"",
        peer.port,
        c.cert.display()
    );
    let (code, text, _, log, _) = send(&props, dir.path());
    assert_eq!(code, Code::Ok, "{text}");
    assert!(log.contains(";SENT;0;"), "{log}");
}
