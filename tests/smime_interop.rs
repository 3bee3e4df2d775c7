//! Second and third implementations read what we produce: GnuPG's gpgsm (libksba, Debian's
//! package) decrypts and verifies, and Python's `cryptography` (its own Rust CMS code)
//! decrypts. Both read EnvelopedData (AES-CBC) only: gpgsm 2.2 and cryptography cannot read
//! AuthEnvelopedData (AES-GCM), which only OpenSSL checks (smime_matrix).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::certs::{self, Pki};
use lncmail::Session;

const TEXT: &str = "Hello from lncmail to another implementation.\nGrüße.";

fn send(extra: &str, out: &Path) -> PathBuf {
    let pki = Pki::get();
    let mut s = Session::new();
    s.execute(
        "MAILSMTP",
        &pki.smtp_props(&format!(r#"Server="file:{}""#, out.display()), extra),
        "",
    )
    .unwrap();
    s.execute("MAILPREP", "alice@example.com", r#"subject="interop""#).unwrap();
    s.execute("MAILCC", "bob@example.com", "").unwrap();
    for line in TEXT.lines() {
        s.execute("MAILTEXT", line, "").unwrap();
    }
    PathBuf::from(s.execute("MAILSEND", "", "").unwrap().detail().unwrap())
}

/// The body of a message (after the header block), base64 decoded: the CMS DER.
fn cms_der(eml: &Path) -> Vec<u8> {
    let raw = std::fs::read(eml).unwrap();
    let text = std::str::from_utf8(&raw).unwrap();
    let body = text.split_once("\r\n\r\n").unwrap().1;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b64"), body.replace("\r\n", "\n")).unwrap();
    certs::run(Command::new("openssl").args(["base64", "-d", "-in"]).arg(dir.path().join("b64")).arg("-out").arg(dir.path().join("der")));
    std::fs::read(dir.path().join("der")).unwrap()
}

/// A throw-away GnuPG home trusting only our root CA, with alice's key imported. The agent
/// it starts is stopped when dropped.
struct GpgHome {
    dir: tempfile::TempDir,
    gpgsm: PathBuf,
}

impl GpgHome {
    fn new() -> GpgHome {
        let gpgsm = common::require_tool("gpgsm", "apt-get install gpgsm");
        let pki = Pki::get();
        // Under /tmp: the agent's socket path must stay short.
        let dir = tempfile::Builder::new().prefix("gh").tempdir_in("/tmp").unwrap();
        let home = GpgHome { dir, gpgsm };
        let h = home.dir.path();
        std::fs::write(h.join("gpg-agent.conf"), "allow-loopback-pinentry\n").unwrap();
        std::fs::write(h.join("gpgsm.conf"), "disable-crl-checks\n").unwrap();
        let fp = certs::run(Command::new("openssl").args(["x509", "-noout", "-fingerprint", "-sha1", "-in"]).arg(&pki.root_pem));
        let fp = String::from_utf8(fp).unwrap();
        std::fs::write(h.join("trustlist.txt"), format!("{} S\n", fp.trim().split('=').nth(1).unwrap())).unwrap();
        // The intermediate too: gpgsm 2.2 reports (exit 2) a key imported without its issuer.
        home.run(&["--import"], &[pki.root_pem.as_path(), pki.inter_pem.as_path()], None);
        // gpgsm 2.2 reads only the older PKCS#12 encryption (3DES), not OpenSSL 3's AES default.
        let p12 = h.join("alice.p12");
        certs::run(
            Command::new("openssl")
                .args(["pkcs12", "-export", "-passout", "pass:test", "-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1", "-inkey"])
                .arg(&pki.alice_key)
                .arg("-in")
                .arg(&pki.alice_pem)
                .arg("-out")
                .arg(&p12),
        );
        // Seen once in a full CI run (never in isolation): gpgsm 2.2 decrypting the key bag with a
        // wrong passphrase while its agent starts up. A second try imports it; a real problem
        // fails all three.
        let import = ["--pinentry-mode", "loopback", "--passphrase-fd", "0", "--import"];
        let mut last = String::new();
        let imported = (0..3).any(|_| {
            let (ok, _, stderr) = home.try_run(&import, &[p12.as_path()], Some("test\n"));
            last = stderr;
            ok
        });
        assert!(imported, "gpgsm could not import alice's .p12 in three tries:\n{last}");
        // The other recipients' certificates, so that gpgsm knows every RecipientInfo.
        home.run(&["--import"], &[pki.bob_pem.as_path(), pki.sender_pem.as_path()], None);
        home
    }

    fn run(&self, args: &[&str], files: &[&Path], stdin: Option<&str>) -> Vec<u8> {
        let (ok, stdout, stderr) = self.try_run(args, files, stdin);
        assert!(ok, "gpgsm {args:?} {files:?} failed:\n{stderr}");
        stdout
    }

    /// Runs gpgsm: (exit status 0, stdout, stderr).
    fn try_run(&self, args: &[&str], files: &[&Path], stdin: Option<&str>) -> (bool, Vec<u8>, String) {
        let mut cmd = Command::new(&self.gpgsm);
        cmd.env("GNUPGHOME", self.dir.path()).arg("--batch").args(args).args(files);
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        {
            use std::io::Write;
            let mut input = child.stdin.take().unwrap();
            input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        (out.status.success(), out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

impl Drop for GpgHome {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf").env("GNUPGHOME", self.dir.path()).args(["--kill", "all"]).status();
    }
}

/// Splits a multipart/signed entity into the signed part's exact bytes and the signature DER.
fn split_signed(entity: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let signed = certs::openssl_verify_exact(entity, &Pki::get().root_pem);
    let text = std::str::from_utf8(entity).unwrap();
    let boundary = text.split("boundary=\"").nth(1).unwrap().split('"').next().unwrap();
    let sig_part = text.rsplit(&format!("--{boundary}\r\n")).next().unwrap();
    let b64 = sig_part.split_once("\r\n\r\n").unwrap().1.split(&format!("--{boundary}--")).next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b64"), b64.replace("\r\n", "\n")).unwrap();
    certs::run(Command::new("openssl").args(["base64", "-d", "-in"]).arg(dir.path().join("b64")).arg("-out").arg(dir.path().join("der")));
    (signed, std::fs::read(dir.path().join("der")).unwrap())
}

fn gpgsm_round_trip(cipher: &str, secure_headers: bool) {
    let pki = Pki::get();
    let work = tempfile::tempdir().unwrap();
    let extra = format!("Sign;Encrypt;Cipher={cipher};{}", if secure_headers { "SecureHeaders" } else { "" });
    let eml = send(&extra, &work.path().join("out"));
    let gpg = GpgHome::new();

    let der = work.path().join("msg.p7m");
    std::fs::write(&der, cms_der(&eml)).unwrap();
    let (ok, entity, stderr) =
        gpg.try_run(&["--pinentry-mode", "loopback", "--passphrase-fd", "0", "--decrypt"], &[der.as_path()], Some("test\n"));
    // gpgsm 2.2 tries the RecipientInfos in order and exits with 2 after reporting "No secret
    // key" for those before alice's, even though it then decrypts; any other error fails.
    let other_errors: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.contains("encrypted to") && !l.contains("No secret key"))
        .collect();
    assert!(ok || other_errors.is_empty(), "gpgsm --decrypt failed:\n{stderr}");
    assert_eq!(entity, certs::openssl_decrypt(&eml, &pki.alice_pem, &pki.alice_key), "gpgsm and openssl decrypt alike");

    let (signed, signature) = split_signed(&entity);
    let (sig_path, content_path) = (work.path().join("sig.p7s"), work.path().join("content"));
    std::fs::write(&sig_path, signature).unwrap();
    std::fs::write(&content_path, &signed).unwrap();
    gpg.run(&["--verify"], &[sig_path.as_path(), content_path.as_path()], None);

    // A changed byte must break gpgsm's verification: the check is real.
    let mut tampered = signed.clone();
    let i = tampered.len() - 3;
    tampered[i] ^= 1;
    std::fs::write(&content_path, &tampered).unwrap();
    let bad = Command::new(&gpg.gpgsm)
        .env("GNUPGHOME", gpg.dir.path())
        .args(["--batch", "--verify"])
        .arg(&sig_path)
        .arg(&content_path)
        .output()
        .unwrap();
    assert!(!bad.status.success(), "gpgsm accepted a tampered message");

    let inner = certs::parse_mime(&signed);
    assert!(inner.defects.is_empty(), "{:?}", inner.defects);
    assert_eq!(inner.text.as_deref().map(str::trim_end), Some(TEXT));
    assert_eq!(inner.inner_subject.is_some(), secure_headers);
}

#[test]
fn gpgsm_decrypts_and_verifies_aes256_cbc() {
    gpgsm_round_trip("AES-256-CBC", false);
}

#[test]
fn gpgsm_decrypts_and_verifies_aes128_cbc_with_secure_headers() {
    gpgsm_round_trip("AES-128-CBC", true);
}

const DECRYPT_PY: &str = r#"
import sys
try:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs7
except ImportError:
    sys.exit("python3 cryptography is missing: pip install cryptography (bash .ci/run installs it)")
data = open(sys.argv[1], 'rb').read()
cert = x509.load_pem_x509_certificate(open(sys.argv[2], 'rb').read())
key = serialization.load_pem_private_key(open(sys.argv[3], 'rb').read(), None)
sys.stdout.buffer.write(pkcs7.pkcs7_decrypt_smime(data, cert, key, []))
"#;

/// The `python3` on PATH (where `.ci/install.sh` pip-installs `cryptography`), checked to
/// have `pkcs7_decrypt_smime` (cryptography 44 or later).
fn python_with_cryptography() -> PathBuf {
    let check = Command::new("python3")
        .args(["-c", "from cryptography.hazmat.primitives.serialization.pkcs7 import pkcs7_decrypt_smime"])
        .status();
    assert!(
        check.is_ok_and(|s| s.success()),
        "python3 with cryptography >= 44 is needed: python3 -m pip install -U cryptography (bash .ci/run installs it)"
    );
    PathBuf::from("python3")
}

#[test]
fn python_cryptography_decrypts_what_openssl_decrypts() {
    let pki = Pki::get();
    let python = python_with_cryptography();
    for extra in ["Encrypt;Cipher=AES-128-CBC", "Encrypt;Cipher=AES-256-CBC", "Sign;Encrypt", "Sign;Encrypt;SecureHeaders"] {
        let work = tempfile::tempdir().unwrap();
        let eml = send(extra, &work.path().join("out"));
        for (cert, key) in [(&pki.alice_pem, &pki.alice_key), (&pki.bob_pem, &pki.bob_key), (&pki.sender_pem, &pki.sender_key)] {
            let by_python = certs::run(Command::new(&python).arg("-c").arg(DECRYPT_PY).arg(&eml).arg(cert).arg(key));
            assert_eq!(by_python, certs::openssl_decrypt(&eml, cert, key), "{extra}");
            if !extra.contains("Sign") {
                let inner = certs::parse_mime(&by_python);
                assert_eq!(inner.text.as_deref().map(str::trim_end), Some(TEXT), "{extra}");
            }
        }
    }
}
