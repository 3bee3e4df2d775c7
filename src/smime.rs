//! S/MIME (RFC 8551): sign, encrypt, header protection (issue 4 builds it).

use crate::error::{Code, Error, Result};
use crate::settings::Settings;
use crate::transport::Envelope;

/// What S/MIME needs, loaded once at MAILSMTP: the signer's .p12 and recipient certificates.
#[derive(Debug)]
pub struct SmimeContext {
    _private: (),
}

impl SmimeContext {
    /// Loads the .p12 and recipient certificates named by the settings; `None` when neither
    /// `Sign` nor `Encrypt` is on. Fails with code 8 when a certificate cannot be used.
    pub fn load(settings: &Settings) -> Result<Option<SmimeContext>> {
        if settings.sign || settings.encrypt {
            Ok(Some(SmimeContext { _private: () }))
        } else {
            Ok(None)
        }
    }

    /// Signs and/or encrypts a whole message (headers and body, CRLF) for its envelope.
    pub fn protect(&self, _message: &[u8], _envelope: &Envelope) -> Result<Vec<u8>> {
        Err(Error::new(Code::InvalidProperty, "MAILSEND: Sign and Encrypt are not supported yet"))
    }
}
