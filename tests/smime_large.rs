//! A 10 MiB attachment, signed and encrypted, verifies and decrypts with the openssl CLI and
//! comes back byte for byte.

mod common;

use std::path::Path;

use common::certs::{self, Pki};
use lncmail::Session;

#[test]
fn ten_mib_attachment_signed_and_encrypted_round_trips() {
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    let mut data = vec![0u8; 10 * 1024 * 1024];
    openssl::rand::rand_bytes(&mut data).unwrap();
    let att = dir.path().join("big.bin");
    std::fs::write(&att, &data).unwrap();

    let mut s = Session::new();
    s.execute(
        "MAILSMTP",
        &pki.smtp_props(&format!(r#"Server="file:{}""#, dir.path().join("out").display()), "Sign;Encrypt"),
        "",
    )
    .unwrap();
    s.execute("MAILPREP", "alice@example.com", r#"subject="big""#).unwrap();
    s.execute("MAILTEXT", "a big one", "").unwrap();
    s.execute("MAILATT", &att.display().to_string(), "").unwrap();
    let eml = s.execute("MAILSEND", "", "").unwrap().detail().unwrap().to_string();
    assert!(std::fs::metadata(&eml).unwrap().len() > 10 * 1024 * 1024 * 4 / 3);

    let decrypted = certs::openssl_decrypt(Path::new(&eml), &pki.alice_pem, &pki.alice_key);
    let signed = dir.path().join("signed.eml");
    std::fs::write(&signed, &decrypted).unwrap();
    certs::openssl_verify_exact(&decrypted, &pki.root_pem);
    let content = certs::openssl_verify(&signed, &pki.root_pem);
    let inner = certs::parse_mime(&content);
    assert!(inner.defects.is_empty(), "{:?}", inner.defects);
    assert_eq!(inner.text.as_deref().map(str::trim_end), Some("a big one"));
    assert_eq!(inner.attachments.len(), 1);
    assert_eq!(inner.attachments[0].0, "big.bin");
    assert!(inner.attachments[0].1 == data, "the attachment differs");
}
