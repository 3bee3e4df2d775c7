//! Certificate problems fail with code 8 and a reason, at MAILSMTP (the .p12) or at MAILSEND
//! (a recipient without a usable certificate), and nothing reaches the `file:` folder or
//! `FailedDir`. Also: which certificates a message is encrypted to.

mod common;

use std::path::Path;

use common::certs::{self, Pki, P12_PASSWORD, SENDER};
use lncmail::{Code, Session, State};

fn smtp_props(out: &Path, p12: &Path, password: &str, extra: &str) -> String {
    format!(
        r#"Server="file:{}";Sender="{SENDER}";Certif="{}";PwdCertif="{password}";{extra}"#,
        out.display(),
        p12.display()
    )
}

fn files_in(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

/// (case, .p12, password, words the message must contain)
#[test]
fn p12_problems_fail_mailsmtp_with_code_8_and_a_reason() {
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.p12");
    std::fs::write(&garbage, b"this is not a p12").unwrap();
    let missing = dir.path().join("missing.p12");
    let cases: [(&str, &Path, &str, &[&str]); 5] = [
        ("wrong password", &pki.sender_p12, "not-the-password", &["sender.p12", "wrong password", "PwdCertif"]),
        ("expired", &pki.expired_p12, P12_PASSWORD, &["expired.p12", "expired on"]),
        ("no private key", &pki.nokey_p12, P12_PASSWORD, &["nokey.p12", "no private key"]),
        ("unreadable", &missing, P12_PASSWORD, &["missing.p12", "cannot be read"]),
        ("not a p12", &garbage, P12_PASSWORD, &["garbage.p12", "not a PKCS#12"]),
    ];
    for (case, p12, password, words) in cases {
        for mode in ["Sign", "Encrypt", "Sign;Encrypt"] {
            let out = dir.path().join("out");
            let mut s = Session::new();
            let err = s.execute("MAILSMTP", &smtp_props(&out, p12, password, mode), "").unwrap_err();
            assert_eq!(err.code(), Code::Certificate, "{case} ({mode}): {err}");
            for w in words {
                assert!(err.message().contains(w), "{case} ({mode}): '{w}' missing in: {err}");
            }
            assert!(!err.to_string().contains(password), "the password leaked: {err}");
            assert_eq!(s.state(), State::New, "a failed MAILSMTP changes nothing");
            assert_eq!(s.execute("MAILSEND", "", "").unwrap_err().code(), Code::Sequence);
            assert_eq!(files_in(&out), 0);
        }
    }
}

#[test]
fn the_p12_password_never_shows_in_debug_output() {
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::new();
    s.execute("MAILSMTP", &smtp_props(dir.path(), &pki.sender_p12, P12_PASSWORD, "Sign"), "").unwrap();
    let debug = format!("{s:?}");
    assert!(!debug.contains(P12_PASSWORD), "{debug}");
    assert!(!debug.contains("PRIVATE KEY"), "{debug}");
}

#[test]
fn a_bad_file_in_recipient_certs_fails_mailsmtp_naming_it() {
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    let certs_dir = dir.path().join("certs");
    std::fs::create_dir(&certs_dir).unwrap();
    std::fs::copy(&pki.alice_pem, certs_dir.join("alice.pem")).unwrap();
    std::fs::write(certs_dir.join("README"), "not a certificate, and not read").unwrap();
    std::fs::write(certs_dir.join("broken.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").unwrap();
    let mut s = Session::new();
    let extra = format!(r#"Encrypt;RecipientCerts="{}""#, certs_dir.display());
    let err = s.execute("MAILSMTP", &smtp_props(dir.path(), &pki.sender_p12, P12_PASSWORD, &extra), "").unwrap_err();
    assert_eq!(err.code(), Code::Certificate, "{err}");
    assert!(err.message().contains("broken.pem") && err.message().contains("RecipientCerts"), "{err}");
    std::fs::remove_file(certs_dir.join("broken.pem")).unwrap();
    s.execute("MAILSMTP", &smtp_props(dir.path(), &pki.sender_p12, P12_PASSWORD, &extra), "").unwrap();
}

/// A recipient (To, Cc or Bcc) without a valid certificate: code 8 naming them, the draft
/// kept, and nothing written to the `file:` folder or to `FailedDir`.
#[test]
fn a_recipient_without_certificate_fails_mailsend_and_nothing_leaves() {
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let failed = dir.path().join("failed");
    std::fs::create_dir(&failed).unwrap();
    let cases: [(&str, &str, &[&str]); 4] = [
        ("MAILTO", "carol@example.com", &["carol@example.com", "no certificate"]),
        ("MAILCC", "carol@example.com", &["carol@example.com"]),
        ("MAILBCC", "carol@example.com", &["carol@example.com"]),
        ("MAILTO", "dave@example.com", &["dave@example.com", "dave-expired.pem", "expired on"]),
    ];
    for (command, who, words) in cases {
        for sign in ["", "Sign;"] {
            let extra = format!(
                r#"{sign}Encrypt;RecipientCerts="{}";FailedDir="{}""#,
                pki.recipients_dir.display(),
                failed.display()
            );
            let mut s = Session::new();
            s.execute("MAILSMTP", &smtp_props(&out, &pki.sender_p12, P12_PASSWORD, &extra), "").unwrap();
            s.execute("MAILPREP", "alice@example.com", r#"subject="secret""#).unwrap();
            s.execute(command, who, "").unwrap();
            s.execute("MAILTEXT", "do not send in clear", "").unwrap();
            let err = s.execute("MAILSEND", "", "").unwrap_err();
            assert_eq!(err.code(), Code::Certificate, "{command} {who}: {err}");
            for w in words {
                assert!(err.message().contains(w), "{command} {who}: '{w}' missing in: {err}");
            }
            assert!(!err.message().contains("alice@example.com"), "alice has a certificate: {err}");
            assert_eq!(s.state(), State::Composing, "the draft is kept");
            assert_eq!(files_in(&out), 0, "nothing may be written to the file: folder");
            assert_eq!(files_in(&failed), 0, "nothing may be written to FailedDir");
        }
    }
}

#[test]
fn addresses_match_certificates_case_insensitively() {
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    let extra = format!(r#"Encrypt;RecipientCerts="{}""#, pki.recipients_dir.display());
    let mut s = Session::new();
    s.execute("MAILSMTP", &smtp_props(&dir.path().join("out"), &pki.sender_p12, P12_PASSWORD, &extra), "").unwrap();
    s.execute("MAILPREP", "Alice <ALICE@Example.COM>", "").unwrap();
    s.execute("MAILTEXT", "hi", "").unwrap();
    let eml = s.execute("MAILSEND", "", "").unwrap().detail().unwrap().to_string();
    let plain = certs::openssl_decrypt(Path::new(&eml), &pki.alice_pem, &pki.alice_key);
    assert!(String::from_utf8(plain).unwrap().contains("hi"));
}

/// Without `RecipientCerts` the message is encrypted to the `Certif` certificate alone (as the
/// original product documents): the sender can read it, a recipient cannot.
#[test]
fn without_recipient_certs_only_the_certif_certificate_can_decrypt() {
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::new();
    s.execute("MAILSMTP", &smtp_props(&dir.path().join("out"), &pki.sender_p12, P12_PASSWORD, "Encrypt"), "").unwrap();
    s.execute("MAILPREP", "alice@example.com", "").unwrap();
    s.execute("MAILTEXT", "for the sender's key only", "").unwrap();
    let eml = s.execute("MAILSEND", "", "").unwrap().detail().unwrap().to_string();
    let plain = certs::openssl_decrypt(Path::new(&eml), &pki.sender_pem, &pki.sender_key);
    assert!(String::from_utf8(plain).unwrap().contains("for the sender's key only"));
    let printed = certs::openssl_print(Path::new(&eml));
    assert_eq!(printed.matches("d.ktri:").count(), 1, "exactly one recipient:\n{printed}");
    let refused = std::process::Command::new("openssl")
        .args(["cms", "-decrypt", "-in", &eml, "-recip"])
        .arg(&pki.alice_pem)
        .arg("-inkey")
        .arg(&pki.alice_key)
        .output()
        .unwrap();
    assert!(!refused.status.success(), "alice must not be able to decrypt");
}

/// With `RecipientCerts`: one RecipientInfo per recipient (To, Cc, Bcc) plus the sender, the
/// sender counted once even when also a recipient.
#[test]
fn encrypted_to_every_recipient_and_the_sender_once() {
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    let extra = format!(r#"Encrypt;RecipientCerts="{}""#, pki.recipients_dir.display());
    let mut s = Session::new();
    s.execute("MAILSMTP", &smtp_props(&dir.path().join("out"), &pki.sender_p12, P12_PASSWORD, &extra), "").unwrap();
    s.execute("MAILPREP", "alice@example.com", "").unwrap();
    s.execute("MAILBCC", &format!("bob@example.com;{SENDER}"), "").unwrap();
    s.execute("MAILTEXT", "hi", "").unwrap();
    let eml = s.execute("MAILSEND", "", "").unwrap().detail().unwrap().to_string();
    let printed = certs::openssl_print(Path::new(&eml));
    assert_eq!(printed.matches("d.ktri:").count(), 3, "sender, alice, bob:\n{printed}");
    for (cert, key) in [(&pki.alice_pem, &pki.alice_key), (&pki.bob_pem, &pki.bob_key), (&pki.sender_pem, &pki.sender_key)] {
        certs::openssl_decrypt(Path::new(&eml), cert, key);
    }
    // The Bcc recipient is not disclosed in the headers.
    let raw = std::fs::read_to_string(&eml).unwrap();
    assert!(!raw.to_ascii_lowercase().contains("bob@example.com"));
}

/// .p12 files exported by older tools: RC2-40 (OpenSSL's `-legacy`, older Windows) and 3DES.
/// They open (the legacy provider is loaded on demand), sign, and still refuse a wrong password.
#[test]
fn legacy_p12_files_open_and_sign() {
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    let variants: [(&str, &[&str]); 2] = [
        ("rc2.p12", &["-legacy"]),
        ("3des.p12", &["-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1"]),
    ];
    for (name, args) in variants {
        let p12 = dir.path().join(name);
        certs::run(
            std::process::Command::new("openssl")
                .args(["pkcs12", "-export", "-passout", "pass:legacy-pw", "-inkey"])
                .arg(&pki.sender_key)
                .arg("-in")
                .arg(&pki.sender_pem)
                .arg("-certfile")
                .arg(&pki.inter_pem)
                .args(args)
                .arg("-out")
                .arg(&p12),
        );
        let out = dir.path().join(format!("out-{name}"));
        let mut s = Session::new();
        let err = s.execute("MAILSMTP", &smtp_props(&out, &p12, "wrong", "Sign"), "").unwrap_err();
        assert_eq!(err.code(), Code::Certificate);
        assert!(err.message().contains("wrong password"), "{name}: {err}");
        s.execute("MAILSMTP", &smtp_props(&out, &p12, "legacy-pw", "Sign"), "").unwrap();
        s.execute("MAILPREP", "alice@example.com", "").unwrap();
        s.execute("MAILTEXT", "signed with an old .p12", "").unwrap();
        let eml = s.execute("MAILSEND", "", "").unwrap().detail().unwrap().to_string();
        let content = certs::openssl_verify(Path::new(&eml), &pki.root_pem);
        assert!(String::from_utf8(content).unwrap().contains("signed with an old .p12"), "{name}");
    }
}

/// An EC (P-256) signer signs with SHA-256 and decrypts its own copy (ECDH key agreement);
/// an Ed25519 key is refused at MAILSMTP, since `micalg=sha-256` would not be true for it.
#[test]
fn ec_keys_work_and_ed25519_is_refused() {
    let pki = Pki::get();
    let dir = tempfile::tempdir().unwrap();
    let ec = certs::p12_with_key(dir.path(), "ec", &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    let mut s = Session::new();
    s.execute("MAILSMTP", &smtp_props(&dir.path().join("out"), &ec, P12_PASSWORD, "Sign;Encrypt"), "").unwrap();
    s.execute("MAILPREP", "alice@example.com", "").unwrap();
    s.execute("MAILTEXT", "signed with P-256", "").unwrap();
    let eml = s.execute("MAILSEND", "", "").unwrap().detail().unwrap().to_string();
    let signed = certs::openssl_decrypt(Path::new(&eml), &dir.path().join("ec.pem"), &dir.path().join("ec.key"));
    let signed_path = dir.path().join("signed.eml");
    std::fs::write(&signed_path, &signed).unwrap();
    assert!(certs::openssl_print(&signed_path).contains("sha256"));
    let content = certs::openssl_verify(&signed_path, &pki.root_pem);
    assert!(String::from_utf8(content).unwrap().contains("signed with P-256"));

    let ed = certs::p12_with_key(dir.path(), "ed", &["-algorithm", "ED25519"]);
    let err = s.execute("MAILSMTP", &smtp_props(&dir.path().join("out"), &ed, P12_PASSWORD, "Sign"), "").unwrap_err();
    assert_eq!(err.code(), Code::Certificate);
    assert!(err.message().contains("neither RSA nor EC"), "{err}");
}
