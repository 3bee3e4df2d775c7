//! What is signed is what travels: a signed (and a signed and encrypted) message is handed to
//! Postfix's `smtp-sink -d` on 127.0.0.1 and the copy it dumped still verifies and decrypts.
//!
//! Two ways in: lncmail's own SMTP transport sending to the sink
//! (`signed_and_encrypted_message_sent_by_lncmail_over_smtp_verifies_and_decrypts`), and the
//! message lncmail wrote with `file:` submitted by Python's `smtplib` (the bytes surviving a real
//! SMTP exchange: dot-stuffing, line ends, a receiver storing LF lines, whatever the client).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::certs::{self, Pki};
use common::smtp::SmtpSink;
use lncmail::Session;

/// Lines that break signatures when a relay or a hand-written canonicalization touches them.
const TEXT: &str = ".a line starting with a dot\nFrom the start of a line\ntrailing blanks   \n\ttab\n..\n.";

/// Submits a message with Python's smtplib to a sink and returns the copy it dumped.
fn relay(sink: &SmtpSink, eml: &Path) -> Vec<u8> {
    certs::run(Command::new("python3").arg("-c").arg(SUBMIT_PY).arg(sink.port.to_string()).arg(eml));
    let dumped = sink.wait_messages(1);
    assert_eq!(dumped.len(), 1, "smtp-sink dumped nothing");
    dumped[0].content.clone()
}

const SUBMIT_PY: &str = r#"
import smtplib, sys
data = open(sys.argv[2], 'rb').read()
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=30)
s.sendmail('sender@example.com', ['alice@example.com'], data)
s.quit()
"#;

fn send(extra: &str, out: &Path) -> PathBuf {
    let pki = Pki::get();
    let mut s = Session::new();
    s.execute(
        "MAILSMTP",
        &pki.smtp_props(&format!(r#"Server="file:{}""#, out.display()), extra),
        "",
    )
    .unwrap();
    s.execute("MAILPREP", "alice@example.com", r#"subject="over the wire""#).unwrap();
    for line in TEXT.split('\n') {
        s.execute("MAILTEXT", line, "").unwrap();
    }
    PathBuf::from(s.execute("MAILSEND", "", "").unwrap().detail().unwrap())
}

fn lf(bytes: &[u8]) -> Vec<u8> {
    String::from_utf8(bytes.to_vec()).unwrap().replace("\r\n", "\n").into_bytes()
}

fn crlf(bytes: &[u8]) -> Vec<u8> {
    String::from_utf8(bytes.to_vec()).unwrap().replace("\r\n", "\n").replace('\n', "\r\n").into_bytes()
}

fn check_relayed(extra: &str, encrypted: bool) {
    let pki = Pki::get();
    let sink = SmtpSink::start(&[]);
    let work = tempfile::tempdir().unwrap();
    let eml = send(extra, &work.path().join("out"));
    let dumped = relay(&sink, &eml);

    // The receiver stores LF lines (and may add its own headers on top); the message itself is
    // unchanged (no dot-stuffing left over, nothing re-encoded).
    let sent = lf(&std::fs::read(&eml).unwrap());
    assert!(
        dumped.windows(sent.len()).any(|w| w == sent.as_slice()),
        "the dumped copy differs from the message sent"
    );
    let copy = work.path().join("dumped.eml");
    std::fs::write(&copy, &dumped).unwrap();

    let entity = if encrypted {
        let e = certs::openssl_decrypt(&copy, &pki.alice_pem, &pki.alice_key);
        let p = work.path().join("entity");
        std::fs::write(&p, &e).unwrap();
        p
    } else {
        copy
    };
    // As a receiver does: back to canonical CRLF, then verify the exact bytes and with the
    // S/MIME reader.
    certs::openssl_verify_exact(&crlf(&std::fs::read(&entity).unwrap()), &pki.root_pem);
    let content = certs::openssl_verify(&entity, &pki.root_pem);
    let inner = certs::parse_mime(&content);
    assert!(inner.defects.is_empty(), "{:?}", inner.defects);
    assert_eq!(inner.text.as_deref().map(|t| t.trim_end_matches('\n')), Some(TEXT));
}

#[test]
fn signed_message_relayed_by_smtp_sink_still_verifies() {
    check_relayed("Sign", false);
}

#[test]
fn signed_and_encrypted_message_relayed_by_smtp_sink_verifies_and_decrypts() {
    check_relayed("Sign;Encrypt", true);
}

#[test]
fn signed_secure_headers_message_relayed_by_smtp_sink_still_verifies() {
    check_relayed("Sign;SecureHeaders", false);
}

/// lncmail's own SMTP client, end to end: MAILSEND over SMTP to smtp-sink, then the dumped copy
/// decrypts and verifies with OpenSSL, and carries the text that was sent.
#[test]
fn signed_and_encrypted_message_sent_by_lncmail_over_smtp_verifies_and_decrypts() {
    let pki = Pki::get();
    let work = tempfile::tempdir().unwrap();
    for (n, extra) in ["Sign", "Sign;Encrypt", "Sign;Encrypt;SecureHeaders;Cipher=AES-256-GCM"].iter().enumerate() {
        // A sink per message, so the one dump is this message's.
        let sink = SmtpSink::start(&[]);
        let mut s = Session::new();
        let props = pki.smtp_props(&format!(r#"Server="127.0.0.1";port={};Timeout=10"#, sink.port), extra);
        s.execute("MAILSMTP", &props, "").unwrap();
        s.execute("MAILPREP", "alice@example.com", r#"subject="over the wire""#).unwrap();
        for line in TEXT.split('\n') {
            s.execute("MAILTEXT", line, "").unwrap();
        }
        let reply = s.execute("MAILSEND", "", "").unwrap();
        assert!(reply.to_string().starts_with("OK 250"), "{extra}: {reply}");
        let dumped = sink.wait_messages(1);
        assert_eq!(dumped.len(), 1, "{extra}: smtp-sink received the message");
        let copy = work.path().join(format!("dump{n}.eml"));
        std::fs::write(&copy, &dumped[0].content).unwrap();
        let entity = if extra.contains("Encrypt") {
            let e = certs::openssl_decrypt(&copy, &pki.alice_pem, &pki.alice_key);
            let p = work.path().join(format!("entity{n}"));
            std::fs::write(&p, &e).unwrap();
            p
        } else {
            copy
        };
        let verified = certs::openssl_verify(&entity, &pki.root_pem);
        assert!(String::from_utf8_lossy(&verified).contains("a line starting with a dot"), "{extra}");
    }
}
