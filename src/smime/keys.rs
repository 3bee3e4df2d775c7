//! Certificates and keys: the signer's .p12 (`Certif`, `PwdCertif`) and the recipients'
//! certificates (`RecipientCerts`), checked once at MAILSMTP.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use openssl::asn1::Asn1Time;
use openssl::error::ErrorStack;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{Id, PKey, Private};
use openssl::provider::Provider;
use openssl::stack::Stack;
use openssl::x509::{X509Ref, X509};

use crate::error::{Code, Error, Result};
use crate::Secret;

/// The signer: certificate, private key, and the chain found in the .p12.
pub struct Signer {
    /// The signer's certificate (also the sender's own encryption certificate).
    pub cert: X509,
    /// Its private key.
    pub key: PKey<Private>,
    /// The other certificates of the .p12 (intermediate and root CAs), sent with signatures.
    pub chain: Stack<X509>,
}

impl std::fmt::Debug for Signer {
    // Never prints the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("subject", &subject_text(&self.cert)).finish_non_exhaustive()
    }
}

fn cert_error(path: &Path, reason: impl std::fmt::Display) -> Error {
    Error::new(Code::Certificate, format!("MAILSMTP: property Certif: '{}' {reason}", path.display()))
}

/// The first reason OpenSSL gives, for messages (never contains the password).
pub(crate) fn reason(e: &ErrorStack) -> String {
    e.errors()
        .iter()
        .filter_map(|x| x.reason())
        .next()
        .map(str::to_string)
        .unwrap_or_else(|| "unknown OpenSSL error".to_string())
}

/// Opens the .p12 and checks what signing and decrypting a sent copy need.
pub fn load_signer(path: &Path, password: &Secret) -> Result<Signer> {
    let der = std::fs::read(path).map_err(|e| cert_error(path, format!("cannot be read: {e}")))?;
    let p12 = Pkcs12::from_der(&der).map_err(|_| cert_error(path, "is not a PKCS#12 (.p12/.pfx) file"))?;
    let parsed = match p12.parse2(password.expose()) {
        Ok(p) => p,
        // Files exported by older tools (Windows, OpenSSL 1.x) protect the certificates with
        // RC2-40, which OpenSSL 3 keeps in its "legacy" provider: load it and try again.
        Err(e) if reason(&e).contains("unsupported") && legacy_provider_loaded() => {
            p12.parse2(password.expose()).map_err(|e| p12_error(path, &e))?
        }
        Err(e) => return Err(p12_error(path, &e)),
    };
    let key = parsed.pkey.ok_or_else(|| cert_error(path, "contains no private key"))?;
    let cert = parsed.cert.ok_or_else(|| cert_error(path, "contains no certificate"))?;
    let matches = cert.public_key().map(|pk| pk.public_eq(&key)).unwrap_or(false);
    if !matches {
        return Err(cert_error(path, "holds a private key that does not belong to its certificate"));
    }
    // micalg=sha-256 is written in the header: the key type must make OpenSSL sign with SHA-256,
    // which is its default for RSA and EC keys (not for Ed25519 and others).
    if !matches!(key.id(), Id::RSA | Id::EC) {
        return Err(cert_error(path, "holds a key that is neither RSA nor EC (S/MIME needs one of them)"));
    }
    check_validity(&cert).map_err(|why| cert_error(path, format!("holds a certificate ({}) that {why}", subject_text(&cert))))?;
    let mut chain = Stack::new().map_err(|e| cert_error(path, reason(&e)))?;
    for c in parsed.ca.into_iter().flatten() {
        chain.push(c).map_err(|e| cert_error(path, reason(&e)))?;
    }
    Ok(Signer { cert, key, chain })
}

fn p12_error(path: &Path, e: &ErrorStack) -> Error {
    let r = reason(e);
    if r.contains("mac verify failure") {
        cert_error(path, "cannot be opened: wrong password (property PwdCertif)")
    } else if r.contains("unsupported") {
        cert_error(
            path,
            format!(
                "cannot be opened ({r}): it uses an algorithm this OpenSSL cannot read (RC2 \
                 without the legacy provider); re-export it with AES (see docs/smime.md)"
            ),
        )
    } else {
        cert_error(path, format!("cannot be opened ({r})"))
    }
}

/// Loads OpenSSL's legacy provider once for the process (keeping the default one); whether it
/// is available.
fn legacy_provider_loaded() -> bool {
    static LEGACY: OnceLock<Option<Provider>> = OnceLock::new();
    LEGACY.get_or_init(|| Provider::try_load(None, "legacy", true).ok()).is_some()
}

/// `Ok` when the certificate is valid now; otherwise why not ("expired on ...").
pub fn check_validity(cert: &X509Ref) -> std::result::Result<(), String> {
    let now = Asn1Time::days_from_now(0).map_err(|e| reason(&e))?;
    if cert.not_before() > now {
        return Err(format!("is not valid before {}", cert.not_before()));
    }
    if cert.not_after() < now {
        return Err(format!("expired on {}", cert.not_after()));
    }
    Ok(())
}

/// A short name for a certificate in messages: its subject.
pub fn subject_text(cert: &X509Ref) -> String {
    cert.subject_name()
        .entries()
        .filter_map(|e| {
            let value = e.data().to_string().ok()?;
            Some(format!("{}={}", e.object().nid().short_name().unwrap_or("?"), value))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The e-mail addresses a certificate is for: subjectAltName rfc822Name entries, then the
/// subject's emailAddress; lower-cased, since mail clients compare them that way.
pub fn emails(cert: &X509Ref) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(names) = cert.subject_alt_names() {
        out.extend(names.iter().filter_map(|n| n.email()).map(str::to_ascii_lowercase));
    }
    for entry in cert.subject_name().entries_by_nid(Nid::PKCS9_EMAILADDRESS) {
        if let Ok(s) = entry.data().to_string() {
            out.push(s.to_ascii_lowercase());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Recipient certificates by e-mail address (`RecipientCerts`).
#[derive(Default)]
pub struct RecipientCerts {
    by_email: HashMap<String, Vec<(X509, PathBuf)>>,
}

impl std::fmt::Debug for RecipientCerts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecipientCerts").field("addresses", &self.by_email.len()).finish()
    }
}

/// File name endings read from the `RecipientCerts` folder; other files (a README) are left
/// alone.
const CERT_EXTENSIONS: [&str; 4] = ["pem", "crt", "cer", "der"];

impl RecipientCerts {
    /// Reads every `.pem`, `.crt`, `.cer` and `.der` file of the folder (a PEM file may hold
    /// several certificates). A file that is not a certificate fails with code 8 naming it.
    pub fn load(dir: &Path) -> Result<RecipientCerts> {
        let fail = |path: &Path, why: String| {
            Error::new(Code::Certificate, format!("MAILSMTP: property RecipientCerts: '{}' {why}", path.display()))
        };
        let entries = std::fs::read_dir(dir).map_err(|e| fail(dir, format!("cannot be read: {e}")))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .and_then(|x| x.to_str())
                    .is_some_and(|x| CERT_EXTENSIONS.contains(&x.to_ascii_lowercase().as_str()))
            })
            .collect();
        paths.sort();
        let mut out = RecipientCerts::default();
        for path in paths {
            let bytes = std::fs::read(&path).map_err(|e| fail(&path, format!("cannot be read: {e}")))?;
            let certs = if bytes.starts_with(b"-----") || bytes.windows(11).any(|w| w == b"-----BEGIN ") {
                X509::stack_from_pem(&bytes).map_err(|e| fail(&path, format!("is not a PEM certificate ({})", reason(&e))))?
            } else {
                vec![X509::from_der(&bytes).map_err(|e| fail(&path, format!("is not a DER certificate ({})", reason(&e))))?]
            };
            if certs.is_empty() {
                return Err(fail(&path, "holds no certificate".to_string()));
            }
            for cert in certs {
                for email in emails(&cert) {
                    out.by_email.entry(email).or_default().push((cert.clone(), path.clone()));
                }
            }
        }
        Ok(out)
    }

    /// A certificate for an address that is valid now, or why there is none.
    pub fn find(&self, address: &str) -> std::result::Result<&X509, String> {
        let Some(found) = self.by_email.get(&address.to_ascii_lowercase()) else {
            return Err(format!("{address} (no certificate)"));
        };
        let mut why = Vec::new();
        for (cert, path) in found {
            match check_validity(cert) {
                Ok(()) => return Ok(cert),
                Err(e) => why.push(format!("'{}' {e}", path.display())),
            }
        }
        Err(format!("{address} ({})", why.join("; ")))
    }
}
