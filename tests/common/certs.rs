//! Test certificates, generated at test time with the openssl crate (never committed), and
//! the checks that read what we produce with other implementations (the openssl CLI,
//! Python's `email` package).
//!
//! The PKI: a root CA, an intermediate CA, and under the intermediate the signer
//! `sender@example.com` (in a password-protected .p12 with the intermediate as its chain) and
//! the recipients alice and bob (certificates in a `RecipientCerts` folder, keys beside it).
//! Verifying with only the root as `-CAfile` therefore proves the chain travels with the
//! signature. Also: an expired signer .p12, a .p12 without a key, an expired recipient (dave).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::stack::Stack;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Name, X509};

/// The password of every test .p12.
pub const P12_PASSWORD: &str = "p12-Secret-Tr0ub4dor";
/// The signer's address.
pub const SENDER: &str = "sender@example.com";

/// Paths of the generated test PKI.
pub struct Pki {
    /// Root folder (kept for the whole test run, under cargo's target tmp dir).
    pub dir: PathBuf,
    /// The root CA certificate (the only trust anchor given to verifiers).
    pub root_pem: PathBuf,
    /// The intermediate CA certificate.
    pub inter_pem: PathBuf,
    /// The intermediate CA's key (to issue more certificates in a test).
    pub inter_key: PathBuf,
    /// The signer's .p12 (key, certificate, intermediate).
    pub sender_p12: PathBuf,
    /// The signer's certificate and key as PEM (to decrypt the sender's copy).
    pub sender_pem: PathBuf,
    /// See `sender_pem`.
    pub sender_key: PathBuf,
    /// `RecipientCerts` folder: alice.pem, bob.pem, dave-expired.pem.
    pub recipients_dir: PathBuf,
    /// alice's certificate and key.
    pub alice_pem: PathBuf,
    /// See `alice_pem`.
    pub alice_key: PathBuf,
    /// bob's certificate and key.
    pub bob_pem: PathBuf,
    /// See `bob_pem`.
    pub bob_key: PathBuf,
    /// A .p12 whose certificate expired yesterday.
    pub expired_p12: PathBuf,
    /// A .p12 holding a certificate and no private key.
    pub nokey_p12: PathBuf,
}

fn key() -> PKey<Private> {
    PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap()
}

fn name(cn: &str, email: Option<&str>) -> X509Name {
    let mut n = X509Name::builder().unwrap();
    n.append_entry_by_text("O", "lncmail tests").unwrap();
    n.append_entry_by_text("CN", cn).unwrap();
    if let Some(e) = email {
        n.append_entry_by_text("emailAddress", e).unwrap();
    }
    n.build()
}

static SERIAL: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// A certificate for `key`, issued by `issuer` (self-signed when `None`), valid from
/// `from_days` to `to_days` relative to now.
#[allow(clippy::too_many_arguments)]
fn cert(
    subject: &X509Name,
    key: &PKey<Private>,
    issuer: Option<(&X509, &PKey<Private>)>,
    ca: bool,
    email: Option<&str>,
    from_days: i64,
    to_days: i64,
) -> X509 {
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    let serial = BigNum::from_u32(SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1000).unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&serial).unwrap()).unwrap();
    b.set_subject_name(subject).unwrap();
    b.set_issuer_name(issuer.map(|(c, _)| c.subject_name()).unwrap_or(subject)).unwrap();
    b.set_pubkey(key).unwrap();
    let now = chrono::Utc::now().timestamp();
    b.set_not_before(&Asn1Time::from_unix(now + from_days * 86400).unwrap()).unwrap();
    b.set_not_after(&Asn1Time::from_unix(now + to_days * 86400).unwrap()).unwrap();
    if ca {
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap()).unwrap();
        b.append_extension(KeyUsage::new().critical().key_cert_sign().crl_sign().build().unwrap()).unwrap();
    } else {
        b.append_extension(BasicConstraints::new().critical().build().unwrap()).unwrap();
        b.append_extension(
            KeyUsage::new().critical().digital_signature().key_encipherment().build().unwrap(),
        )
        .unwrap();
        b.append_extension(ExtendedKeyUsage::new().email_protection().build().unwrap()).unwrap();
    }
    if let Some(e) = email {
        let ext = SubjectAlternativeName::new().email(e).build(&b.x509v3_context(issuer.map(|(c, _)| c.as_ref()), None)).unwrap();
        b.append_extension(ext).unwrap();
    }
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(issuer.map(|(c, _)| c.as_ref()), None)).unwrap();
    b.append_extension(ski).unwrap();
    if let Some((issuer_cert, _)) = issuer {
        let aki = AuthorityKeyIdentifier::new().keyid(true).build(&b.x509v3_context(Some(issuer_cert), None)).unwrap();
        b.append_extension(aki).unwrap();
    }
    let signing_key = issuer.map(|(_, k)| k).unwrap_or(key);
    b.sign(signing_key, MessageDigest::sha256()).unwrap();
    b.build()
}

/// Removes test PKIs left by runs more than a day old (each run keeps its own until it ends).
fn remove_stale(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else { return };
    for e in entries.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(86400));
        if old && e.file_name().to_string_lossy().starts_with("smime-pki-") {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

fn write(path: &Path, bytes: &[u8]) -> PathBuf {
    std::fs::write(path, bytes).unwrap();
    path.to_path_buf()
}

fn p12(key: Option<&PKey<Private>>, cert: &X509, chain: &[&X509], path: &Path) -> PathBuf {
    let mut b = Pkcs12::builder();
    b.name("lncmail test");
    if let Some(k) = key {
        b.pkey(k);
    }
    b.cert(cert);
    let mut ca = Stack::new().unwrap();
    for c in chain {
        ca.push((*c).clone()).unwrap();
    }
    b.ca(ca);
    write(path, &b.build2(P12_PASSWORD).unwrap().to_der().unwrap())
}

impl Pki {
    /// MAILSMTP properties for this PKI's sender: `Server` as given, the sender's .p12 and its
    /// password, the recipients' certificate folder, then `extra` (Sign, Encrypt ...).
    pub fn smtp_props(&self, server: &str, extra: &str) -> String {
        format!(
            r#"{server};Sender="Sender <{SENDER}>";Certif="{}";PwdCertif="{P12_PASSWORD}";RecipientCerts="{}";{extra}"#,
            self.sender_p12.display(),
            self.recipients_dir.display()
        )
    }

    /// The test PKI, generated once per test binary.
    pub fn get() -> &'static Pki {
        static PKI: OnceLock<Pki> = OnceLock::new();
        PKI.get_or_init(Pki::generate)
    }

    fn generate() -> Pki {
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        std::fs::create_dir_all(&base).unwrap();
        remove_stale(&base);
        // Kept until the process ends (a static is never dropped); under target/, not /tmp.
        let dir = tempfile::Builder::new().prefix("smime-pki-").tempdir_in(&base).unwrap().keep();
        let recipients_dir = dir.join("recipients");
        std::fs::create_dir(&recipients_dir).unwrap();

        let root_key = key();
        let root = cert(&name("lncmail test root CA", None), &root_key, None, true, None, -1, 3650);
        let inter_key = key();
        let inter = cert(&name("lncmail test intermediate CA", None), &inter_key, Some((&root, &root_key)), true, None, -1, 3650);
        let issue = |cn: &str, email: &str, key: &PKey<Private>, from: i64, to: i64| {
            cert(&name(cn, Some(email)), key, Some((&inter, &inter_key)), false, Some(email), from, to)
        };

        let sender_key = key();
        let sender = issue("Sender", SENDER, &sender_key, -1, 365);
        let alice_key = key();
        let alice = issue("Alice", "alice@example.com", &alice_key, -1, 365);
        let bob_key = key();
        let bob = issue("Bob", "bob@example.com", &bob_key, -1, 365);
        let dave_key = key();
        let dave = issue("Dave", "dave@example.com", &dave_key, -30, -1);
        let expired = issue("Sender", SENDER, &sender_key, -30, -1);

        let pem = |c: &X509| c.to_pem().unwrap();
        let keypem = |k: &PKey<Private>| k.private_key_to_pem_pkcs8().unwrap();
        // bob as DER, alice as PEM: the folder takes both.
        Pki {
            root_pem: write(&dir.join("root.pem"), &pem(&root)),
            inter_pem: write(&dir.join("inter.pem"), &pem(&inter)),
            inter_key: write(&dir.join("inter.key"), &keypem(&inter_key)),
            sender_p12: p12(Some(&sender_key), &sender, &[&inter], &dir.join("sender.p12")),
            sender_pem: write(&dir.join("sender.pem"), &pem(&sender)),
            sender_key: write(&dir.join("sender.key"), &keypem(&sender_key)),
            alice_pem: write(&recipients_dir.join("alice.pem"), &pem(&alice)),
            alice_key: write(&dir.join("alice.key"), &keypem(&alice_key)),
            bob_pem: {
                write(&recipients_dir.join("bob.der"), &bob.to_der().unwrap());
                write(&dir.join("bob.pem"), &pem(&bob))
            },
            bob_key: write(&dir.join("bob.key"), &keypem(&bob_key)),
            expired_p12: {
                write(&recipients_dir.join("dave-expired.pem"), &pem(&dave));
                p12(Some(&sender_key), &expired, &[&inter], &dir.join("expired.p12"))
            },
            nokey_p12: p12(None, &sender, &[&inter], &dir.join("nokey.p12")),
            recipients_dir,
            dir,
        }
    }
}

/// Issues a signer certificate for `SENDER` under the intermediate CA with a key made by
/// `openssl genpkey ARGS` and packs it in a .p12 (password [`P12_PASSWORD`]) in `dir`.
pub fn p12_with_key(dir: &Path, name: &str, genpkey: &[&str]) -> PathBuf {
    let pki = Pki::get();
    let key = dir.join(format!("{name}.key"));
    let csr = dir.join(format!("{name}.csr"));
    let pem = dir.join(format!("{name}.pem"));
    let ext = dir.join(format!("{name}.ext"));
    let p12 = dir.join(format!("{name}.p12"));
    std::fs::write(
        &ext,
        format!("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=emailProtection\nsubjectAltName=email:{SENDER}\n"),
    )
    .unwrap();
    run(Command::new(openssl()).arg("genpkey").args(genpkey).arg("-out").arg(&key));
    run(Command::new(openssl()).args(["req", "-new", "-subj", "/CN=Sender", "-key"]).arg(&key).arg("-out").arg(&csr));
    run(Command::new(openssl())
        .args(["x509", "-req", "-days", "30", "-set_serial", "77", "-in"])
        .arg(&csr)
        .arg("-CA")
        .arg(&pki.inter_pem)
        .arg("-CAkey")
        .arg(&pki.inter_key)
        .arg("-extfile")
        .arg(&ext)
        .arg("-out")
        .arg(&pem));
    run(Command::new(openssl())
        .args(["pkcs12", "-export", "-passout", &format!("pass:{P12_PASSWORD}"), "-inkey"])
        .arg(&key)
        .arg("-in")
        .arg(&pem)
        .arg("-certfile")
        .arg(&pki.inter_pem)
        .arg("-out")
        .arg(&p12));
    p12
}

/// Runs a command, panicking with its stderr when it fails; returns stdout.
pub fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn openssl() -> PathBuf {
    super::require_tool("openssl", "apt-get install openssl")
}

/// `openssl cms -decrypt` of an S/MIME message with a recipient's certificate and key: the
/// decrypted entity.
pub fn openssl_decrypt(eml: &Path, cert: &Path, key: &Path) -> Vec<u8> {
    let out = eml.with_extension(format!("dec{}", SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed)));
    run(Command::new(openssl())
        .args(["cms", "-decrypt", "-binary", "-in"])
        .arg(eml)
        .arg("-recip")
        .arg(cert)
        .arg("-inkey")
        .arg(key)
        .arg("-out")
        .arg(&out));
    std::fs::read(out).unwrap()
}

/// `openssl cms -verify -CAfile root.pem` of an S/MIME `multipart/signed` entity or message:
/// the signed content.
pub fn openssl_verify(input: &Path, ca: &Path) -> Vec<u8> {
    let out = input.with_extension(format!("ver{}", SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed)));
    run(Command::new(openssl())
        .args(["cms", "-verify", "-in"])
        .arg(input)
        .arg("-CAfile")
        .arg(ca)
        .arg("-out")
        .arg(&out));
    std::fs::read(out).unwrap()
}

/// Splits a `multipart/signed` entity as a receiver does and verifies the detached signature
/// over the first part's bytes exactly as they travel (`-binary`: no line-end translation):
/// `openssl cms -verify -binary -inform DER -content part`. Returns the signed part.
pub fn openssl_verify_exact(entity: &[u8], ca: &Path) -> Vec<u8> {
    let text = std::str::from_utf8(entity).expect("a signed entity is ASCII");
    let boundary = text.split("boundary=\"").nth(1).expect("a boundary parameter").split('"').next().unwrap();
    let open = format!("--{boundary}\r\n");
    let start = text.find(&open).expect("the first boundary") + open.len();
    let middle = format!("\r\n--{boundary}\r\n");
    let end = start + text[start..].find(&middle).expect("the second boundary");
    let signed = &entity[start..end];
    let sig_part = &text[end + middle.len()..];
    let sig_body = sig_part.split("\r\n\r\n").nth(1).unwrap();
    let sig_b64 = sig_body.split(&format!("--{boundary}--")).next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sig.b64"), sig_b64.replace("\r\n", "\n")).unwrap();
    std::fs::write(dir.path().join("content"), signed).unwrap();
    run(Command::new(openssl())
        .args(["base64", "-d", "-in"])
        .arg(dir.path().join("sig.b64"))
        .arg("-out")
        .arg(dir.path().join("sig.der")));
    run(Command::new(openssl())
        .args(["cms", "-verify", "-binary", "-inform", "DER", "-in"])
        .arg(dir.path().join("sig.der"))
        .arg("-content")
        .arg(dir.path().join("content"))
        .arg("-CAfile")
        .arg(ca)
        .arg("-out")
        .arg(dir.path().join("out")));
    signed.to_vec()
}

/// `openssl cms -cmsout -print` of an S/MIME message: the CMS structure as text.
pub fn openssl_print(input: &Path) -> String {
    String::from_utf8(run(Command::new(openssl()).args(["cms", "-cmsout", "-print", "-in"]).arg(input))).unwrap()
}

/// What Python's `email` package (policy=default) finds in a message.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    /// The inner message's Subject when the entity is a `message/rfc822` wrapper.
    pub inner_subject: Option<String>,
    /// The text/plain body, line ends as LF.
    pub text: Option<String>,
    /// The text/html body, line ends as LF.
    pub html: Option<String>,
    /// Attachments: file name and decoded bytes.
    pub attachments: Vec<(String, Vec<u8>)>,
    /// Defects Python's parser reported, over all parts.
    pub defects: Vec<String>,
}

const PARSE_PY: &str = r#"
import sys, email
from email import policy
msg = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=policy.default)
rows = []
def defects(m):
    for p in m.walk():
        for d in p.defects:
            rows.append(('defect', '', repr(d).encode()))
defects(msg)
if msg.get_content_type() == 'message/rfc822':
    msg = msg.get_payload(0)
    rows.append(('subject', '', str(msg['subject'] or '').encode()))
    defects(msg)
for part in msg.walk():
    if part.is_multipart():
        continue
    name = part.get_filename()
    if name:
        rows.append(('att', name, part.get_payload(decode=True)))
    elif part.get_content_type() == 'text/plain':
        rows.append(('text', '', part.get_content().encode()))
    elif part.get_content_type() == 'text/html':
        rows.append(('html', '', part.get_content().encode()))
    else:
        rows.append(('other', part.get_content_type(), b''))
for k, n, b in rows:
    print(k, n.encode().hex() or '-', b.hex() or '-')
"#;

fn unhex(s: &str) -> Vec<u8> {
    if s == "-" {
        return Vec::new();
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// Parses a MIME entity or message with Python's `email` package.
pub fn parse_mime(bytes: &[u8]) -> Recovered {
    let python = super::require_tool("python3", "apt-get install python3");
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    let out = run(Command::new(python).arg("-c").arg(PARSE_PY).arg(file.path()));
    let mut r = Recovered::default();
    for line in String::from_utf8(out).unwrap().lines() {
        let cols: Vec<&str> = line.split(' ').collect();
        let (kind, name, data) = (cols[0], String::from_utf8(unhex(cols[1])).unwrap(), unhex(cols[2]));
        let text = || String::from_utf8(data.clone()).unwrap().replace("\r\n", "\n");
        match kind {
            "defect" => r.defects.push(text()),
            "subject" => r.inner_subject = Some(text()),
            "text" => r.text = Some(text()),
            "html" => r.html = Some(text()),
            "att" => r.attachments.push((name, data)),
            _ => {}
        }
    }
    r
}
