//! S/MIME (RFC 8551): sign, encrypt, header protection.
//!
//! The composed message is split into its outer header fields and its MIME entity
//! ([`entity`]); the entity (or, with `SecureHeaders`, the whole message as `message/rfc822`)
//! is signed and/or encrypted with OpenSSL's CMS ([`cms`]) using the certificates loaded at
//! MAILSMTP ([`keys`]); the result is wrapped and put back under the outer fields.

pub mod cms;
pub mod entity;
pub mod keys;

use openssl::hash::MessageDigest;
use openssl::stack::Stack;
use openssl::x509::X509;

use crate::error::{Code, Error, Result};
use crate::settings::{Cipher, Settings};
use crate::transport::Envelope;
use keys::{RecipientCerts, Signer};

/// What S/MIME needs, loaded once at MAILSMTP: the signer's .p12 and recipient certificates.
#[derive(Debug)]
pub struct SmimeContext {
    signer: Signer,
    recipients: Option<RecipientCerts>,
    sign: bool,
    encrypt: bool,
    secure_headers: bool,
    wrapper_subject: String,
    cipher: Cipher,
}

impl SmimeContext {
    /// Loads the .p12 and recipient certificates named by the settings; `None` when neither
    /// `Sign` nor `Encrypt` is on. Fails with code 8 when a certificate cannot be used.
    pub fn load(settings: &Settings) -> Result<Option<SmimeContext>> {
        if !(settings.sign || settings.encrypt) {
            return Ok(None);
        }
        let path = settings.certif.as_ref().ok_or_else(|| {
            Error::new(Code::MissingProperty, "MAILSMTP: property Certif is required by Sign and Encrypt (a .p12 file)")
        })?;
        let signer = keys::load_signer(path, &settings.certif_password)?;
        let recipients = match (&settings.recipient_certs, settings.encrypt) {
            (Some(dir), true) => Some(RecipientCerts::load(dir)?),
            _ => None,
        };
        Ok(Some(SmimeContext {
            signer,
            recipients,
            sign: settings.sign,
            encrypt: settings.encrypt,
            secure_headers: settings.secure_headers,
            wrapper_subject: settings.wrapper_subject.clone(),
            cipher: settings.cipher,
        }))
    }

    /// Signs and/or encrypts a whole message (headers and body, CRLF) for its envelope.
    ///
    /// With both, the signed entity is encrypted (RFC 8551 section 3.7). Fails with code 8,
    /// before anything is sent, when a recipient has no usable certificate.
    pub fn protect(&self, message: &[u8], envelope: &Envelope) -> Result<Vec<u8>> {
        let certs = if self.encrypt { Some(self.encryption_certs(envelope)?) } else { None };
        let (fields, body) = entity::split(message)?;
        if self.sign && certs.is_none() {
            // Signed only: the entity is built inside the final message (memory: one copy).
            let (outer, pieces) = if self.secure_headers {
                (entity::protected_outer_fields(&fields, &self.wrapper_subject)?, entity::rfc822_pieces(message))
            } else {
                (entity::outer_fields(&fields), entity::content_pieces(&fields, body))
            };
            return entity::signed_message(&outer, &pieces, |e| cms::sign(&self.signer, e));
        }
        let mut content =
            if self.secure_headers { entity::rfc822_entity(message) } else { entity::content_entity(&fields, body) };
        entity::check_seven_bit(&content)?;
        if self.sign {
            let signature = cms::sign(&self.signer, &content)?;
            content = entity::signed_entity(&content, &signature)?;
        }
        if let Some(certs) = certs {
            let der = cms::encrypt(&certs, &content, self.cipher)?;
            content = entity::enveloped_entity(&der, cms::is_authenticated(self.cipher))?;
        }
        let outer = if self.secure_headers {
            entity::protected_outer_fields(&fields, &self.wrapper_subject)?
        } else {
            entity::outer_fields(&fields)
        };
        Ok(entity::assemble(&outer, &content))
    }

    /// With `RecipientCerts`, one certificate for every recipient; then the sender's own,
    /// each once. (RecipientInfos is a DER SET OF: its order on the wire is not ours.)
    fn encryption_certs(&self, envelope: &Envelope) -> Result<Stack<X509>> {
        let stack_error = |e: openssl::error::ErrorStack| {
            Error::new(Code::Certificate, format!("MAILSEND: S/MIME: {}", keys::reason(&e)))
        };
        let mut chosen = Vec::new();
        if let Some(recipients) = &self.recipients {
            let sender = envelope.from.to_string();
            let mut missing = Vec::new();
            for r in &envelope.recipients {
                let address = r.to_string();
                // The sender's own copy is covered by the signer certificate.
                if address.eq_ignore_ascii_case(&sender) {
                    continue;
                }
                match recipients.find(&address) {
                    Ok(cert) => chosen.push(cert.clone()),
                    Err(why) => missing.push(why),
                }
            }
            if !missing.is_empty() {
                return Err(Error::new(
                    Code::Certificate,
                    format!(
                        "MAILSEND: Encrypt: no valid certificate in RecipientCerts for {}; the message was not sent",
                        missing.join(", ")
                    ),
                ));
            }
        }
        chosen.push(self.signer.cert.clone());
        let mut seen = Vec::new();
        let mut stack = Stack::new().map_err(stack_error)?;
        for cert in chosen {
            let digest = cert.digest(MessageDigest::sha256()).map_err(stack_error)?.to_vec();
            if !seen.contains(&digest) {
                seen.push(digest);
                stack.push(cert).map_err(stack_error)?;
            }
        }
        Ok(stack)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A session (and so its S/MIME material) may move between threads: the C ABI lets any
    /// thread use a handle.
    #[test]
    fn context_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<SmimeContext>();
    }

    #[test]
    fn no_context_without_sign_or_encrypt() {
        let s = Settings::parse(r#"Server="file:out";Sender="me@example.com";Certif="/nonexistent.p12""#).unwrap();
        assert!(SmimeContext::load(&s).unwrap().is_none());
    }
}
