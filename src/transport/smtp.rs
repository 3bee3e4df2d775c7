//! SMTP delivery (issue 3 builds it).

use crate::error::{Code, Error, Result};
use crate::settings::Settings;
use crate::transport::{Delivery, Outgoing};

/// A session's SMTP client: the connection is opened at the first send and reused.
#[derive(Debug)]
pub struct SmtpTransport {
    settings: Settings,
}

impl SmtpTransport {
    /// A client for these settings; nothing is connected yet.
    pub fn new(settings: &Settings) -> SmtpTransport {
        SmtpTransport { settings: settings.clone() }
    }

    /// Sends one message.
    pub fn send(&mut self, _message: &Outgoing<'_>) -> Result<Delivery> {
        Err(Error::new(
            Code::InvalidProperty,
            format!(
                "MAILSEND: delivery to an SMTP server ({}) is not supported yet; use Server=\"file:DIR\"",
                self.settings.server_description()
            ),
        ))
    }

    /// Sends QUIT and closes the connection, if one is open.
    pub fn close(&mut self) {}
}
