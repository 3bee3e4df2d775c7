//! Every S/MIME combination (sign; encrypt with each cipher; both; each with and without
//! SecureHeaders) written by a Session to `file:`, then checked by other implementations:
//! `openssl cms -decrypt` (by each recipient and by the sender), `openssl cms -verify` with only
//! the root CA, and Python's `email` package for the recovered text, HTML and attachments.

mod common;

use std::path::{Path, PathBuf};

use common::certs::{self, Pki, SENDER};
use lncmail::Session;

const SUBJECT: &str = "Quarterly results – confidential";
const TEXT: &str = "Hello Alice,\nthe figures are attached.\nGrüße, 1 € = 1 €\n.\nFrom here on: end.";
const HTML: &str = "<html><body><p>Hello <b>Alice</b>,</p><p>Grüße</p></body></html>";

/// Attachments chosen to break anything that is not byte-exact: binary with CR, LF, NUL and
/// 8-bit bytes, and a text file with bare LF line ends and a trailing blank.
fn attachments(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let binary: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 256) as u8).chain(*b"\r\n\n\r\0").collect();
    let text = b"line one\nline two \n\nno final newline".to_vec();
    let list = vec![("figures.bin".to_string(), binary), ("notes.txt".to_string(), text)];
    for (name, bytes) in &list {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    list
}

/// Sends one message through a Session to `file:` and returns the .eml path and what was
/// attached.
fn send(extra: &str) -> (tempfile::TempDir, PathBuf, Vec<(String, Vec<u8>)>) {
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let files = attachments(dir.path());
    let mut s = Session::new();
    s.execute(
        "MAILSMTP",
        &pki.smtp_props(&format!(r#"Server="file:{}""#, out.display()), extra),
        "",
    )
    .unwrap();
    s.execute("MAILPREP", "Alice <alice@example.com>", &format!(r#"subject="{SUBJECT}""#)).unwrap();
    s.execute("MAILCC", "bob@example.com", "").unwrap();
    for line in TEXT.split('\n') {
        s.execute("MAILTEXT", line, "").unwrap();
    }
    s.execute("MAILHTML", HTML, "").unwrap();
    for (name, _) in &files {
        s.execute("MAILATT", &dir.path().join(name).display().to_string(), "").unwrap();
    }
    let reply = s.execute("MAILSEND", "", "").unwrap();
    let eml = PathBuf::from(reply.detail().unwrap());
    (dir, eml, files)
}

fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    let head = message.split("\r\n\r\n").next().unwrap();
    let unfolded_start = head.lines().position(|l| l.to_ascii_lowercase().starts_with(&format!("{}:", name.to_ascii_lowercase())))?;
    let line = head.lines().nth(unfolded_start)?;
    Some(line[name.len() + 1..].trim())
}

fn check(sign: bool, cipher: Option<&str>, secure_headers: bool) {
    let pki = Pki::get();
    let mut props = String::new();
    if sign {
        props.push_str("Sign;");
    }
    if let Some(c) = cipher {
        props.push_str("Encrypt;");
        if !c.is_empty() {
            props.push_str(&format!("Cipher={c};"));
        }
    }
    if secure_headers {
        props.push_str("SecureHeaders;WrapperSubject=\"Encrypted message\";");
    }
    let (_dir, eml, files) = send(&props);
    let raw = std::fs::read(&eml).unwrap();
    let message = String::from_utf8(raw.clone()).expect("the message is ASCII");
    assert!(raw.is_ascii(), "the message on the wire must be 7-bit");
    assert!(!message.replace("\r\n", "").contains('\n'), "every line ends with CRLF");

    // Outer headers.
    let expected_subject = if secure_headers { "Encrypted message" } else { SUBJECT };
    let outer = certs::parse_mime(&raw);
    let subject_line = header(&message, "Subject").unwrap();
    if secure_headers {
        assert_eq!(subject_line, expected_subject);
        assert!(header(&message, "X-Mailer").is_none());
    }
    assert!(header(&message, "From").unwrap().contains(SENDER));
    assert!(header(&message, "To").unwrap().contains("alice@example.com"));
    assert!(header(&message, "Cc").unwrap().contains("bob@example.com"));
    assert!(header(&message, "Date").is_some() && header(&message, "Message-ID").is_some());
    assert_eq!(header(&message, "MIME-Version"), Some("1.0"));
    assert!(outer.defects.is_empty(), "outer MIME defects: {:?}", outer.defects);
    let content_type = header(&message, "Content-Type").unwrap();

    // Decrypt (each recipient, and the sender's copy), then verify.
    let mut entity_path = eml.clone();
    if let Some(c) = cipher {
        let c = c.to_ascii_uppercase();
        let auth = c.ends_with("GCM");
        let smime_type = if auth { "smime-type=authEnveloped-data" } else { "smime-type=enveloped-data" };
        assert!(content_type.starts_with("application/pkcs7-mime;") && content_type.contains(smime_type), "{content_type}");
        let printed = certs::openssl_print(&eml);
        let (structure, algorithm) = match c.as_str() {
            "" | "AES-256-CBC" => ("pkcs7-envelopedData", "aes-256-cbc"),
            "AES-128-CBC" => ("pkcs7-envelopedData", "aes-128-cbc"),
            "AES-128-GCM" => ("id-smime-ct-authEnvelopedData", "aes-128-gcm"),
            _ => ("id-smime-ct-authEnvelopedData", "aes-256-gcm"),
        };
        assert!(printed.contains(structure), "expected {structure} in:\n{printed}");
        assert!(printed.contains(algorithm), "expected {algorithm} in:\n{printed}");
        let by_alice = certs::openssl_decrypt(&eml, &pki.alice_pem, &pki.alice_key);
        let by_bob = certs::openssl_decrypt(&eml, &pki.bob_pem, &pki.bob_key);
        let by_sender = certs::openssl_decrypt(&eml, &pki.sender_pem, &pki.sender_key);
        assert_eq!(by_alice, by_bob);
        assert_eq!(by_alice, by_sender);
        entity_path = eml.with_extension("decrypted");
        std::fs::write(&entity_path, &by_alice).unwrap();
    }
    let content = if sign {
        let entity = std::fs::read_to_string(&entity_path).unwrap();
        let ct = header(&entity, "Content-Type").unwrap();
        assert!(ct.starts_with("multipart/signed;") && ct.contains("application/pkcs7-signature"), "{ct}");
        assert!(entity.contains("micalg=sha-256"), "micalg missing");
        let printed = certs::openssl_print(&entity_path);
        assert!(printed.contains("sha256"), "digest is not SHA-256:\n{printed}");
        assert!(printed.contains("lncmail test intermediate CA"), "the chain is not included");
        // The signature must hold over the exact bytes between the boundaries, not only
        // after OpenSSL's own line-end canonicalization.
        certs::openssl_verify_exact(entity.as_bytes(), &pki.root_pem);
        certs::openssl_verify(&entity_path, &pki.root_pem)
    } else {
        std::fs::read(&entity_path).unwrap()
    };

    let inner = certs::parse_mime(&content);
    assert!(inner.defects.is_empty(), "inner MIME defects: {:?}", inner.defects);
    if secure_headers {
        assert_eq!(inner.inner_subject.as_deref(), Some(SUBJECT));
    } else {
        assert_eq!(inner.inner_subject, None);
    }
    assert_eq!(inner.text.as_deref().map(|t| t.trim_end_matches('\n')), Some(TEXT));
    assert_eq!(inner.html.as_deref().map(|t| t.trim_end_matches('\n')), Some(HTML));
    assert_eq!(inner.attachments, files);
}

macro_rules! combos {
    ($($name:ident: $sign:expr, $cipher:expr, $secure:expr;)*) => {
        $( #[test] fn $name() { check($sign, $cipher, $secure); } )*
    };
}

combos! {
    sign_only: true, None, false;
    sign_only_secure_headers: true, None, true;
    encrypt_default_cipher: false, Some(""), false;
    encrypt_default_cipher_secure_headers: false, Some(""), true;
    encrypt_aes128_cbc: false, Some("AES-128-CBC"), false;
    encrypt_aes128_cbc_secure_headers: false, Some("AES-128-CBC"), true;
    encrypt_aes256_cbc: false, Some("AES-256-CBC"), false;
    encrypt_aes256_cbc_secure_headers: false, Some("aes-256-cbc"), true;
    encrypt_aes128_gcm: false, Some("AES-128-GCM"), false;
    encrypt_aes128_gcm_secure_headers: false, Some("AES-128-GCM"), true;
    encrypt_aes256_gcm: false, Some("AES-256-GCM"), false;
    encrypt_aes256_gcm_secure_headers: false, Some("AES-256-GCM"), true;
    sign_encrypt_default_cipher: true, Some(""), false;
    sign_encrypt_default_cipher_secure_headers: true, Some(""), true;
    sign_encrypt_aes128_cbc: true, Some("AES-128-CBC"), false;
    sign_encrypt_aes128_cbc_secure_headers: true, Some("AES-128-CBC"), true;
    sign_encrypt_aes256_cbc: true, Some("AES-256-CBC"), false;
    sign_encrypt_aes256_cbc_secure_headers: true, Some("AES-256-CBC"), true;
    sign_encrypt_aes128_gcm: true, Some("AES-128-GCM"), false;
    sign_encrypt_aes128_gcm_secure_headers: true, Some("AES-128-GCM"), true;
    sign_encrypt_aes256_gcm: true, Some("AES-256-GCM"), false;
    sign_encrypt_aes256_gcm_secure_headers: true, Some("AES-256-GCM"), true;
}
