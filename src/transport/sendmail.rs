//! Delivery through the local MTA's sendmail program (issue 3 builds it).

use std::path::PathBuf;

use crate::error::{Code, Error, Result};
use crate::settings::Settings;
use crate::transport::{Delivery, Outgoing};

/// Hands messages to `sendmail` (default: the one on the system).
#[derive(Debug)]
pub struct SendmailTransport {
    path: Option<PathBuf>,
}

impl SendmailTransport {
    /// A transport for `sendmail:` or `sendmail:/path`.
    pub fn new(path: Option<PathBuf>, _settings: &Settings) -> SendmailTransport {
        SendmailTransport { path }
    }

    /// Sends one message.
    pub fn send(&mut self, _message: &Outgoing<'_>) -> Result<Delivery> {
        let _ = &self.path;
        Err(Error::new(Code::InvalidProperty, "MAILSEND: Server=\"sendmail:\" is not supported yet"))
    }
}
