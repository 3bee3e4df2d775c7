//! Where a finished message goes: a folder (`file:`), the local MTA (`sendmail:`), or an SMTP
//! server. Chosen once at MAILSMTP; the SMTP connection lives here and is reused across MAILSENDs.

pub mod file;
pub mod sendmail;
pub mod smtp;

use lettre::Address;

use crate::error::Result;
use crate::settings::{Server, Settings};

/// The SMTP envelope of one message (RFC 5321): who it is from and every recipient, Bcc
/// included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `MAIL FROM`.
    pub from: Address,
    /// `RCPT TO`, one per recipient (To, Cc and Bcc), without duplicates.
    pub recipients: Vec<Address>,
    /// Ask for delivery status notifications (RFC 3461 NOTIFY=SUCCESS,FAILURE).
    pub dsn: bool,
}

/// A message ready to go: its envelope and the exact bytes to put on the wire (CRLF lines).
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    /// The envelope.
    pub envelope: &'a Envelope,
    /// The whole message (headers and body), CRLF line ends.
    pub bytes: &'a [u8],
    /// The Message-ID, without angle brackets (used to name files).
    pub message_id: &'a str,
}

/// What a transport reports after a message was accepted (wholly or in part).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    /// The server's final reply (`250 2.0.0 Ok: queued as ...`), or the path of the file written.
    pub reply: String,
    /// Recipients the server refused while others were accepted (code 16).
    pub refused: Vec<Refusal>,
    /// Remarks for the result text, such as "DSN not offered by the server".
    pub notes: Vec<String>,
}

/// A recipient refused by the server, with the server's reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The refused address.
    pub address: String,
    /// The server's reply to its RCPT TO.
    pub reply: String,
}

/// The transport of a session.
#[derive(Debug)]
pub enum Transport {
    /// `file:DIR`.
    File(file::FileTransport),
    /// `sendmail:`.
    Sendmail(sendmail::SendmailTransport),
    /// An SMTP server.
    Smtp(smtp::SmtpTransport),
}

impl Transport {
    /// The transport for validated settings. Nothing is connected yet.
    pub fn new(settings: &Settings) -> Transport {
        match &settings.server {
            Server::File(dir) => Transport::File(file::FileTransport::new(dir.clone())),
            Server::Sendmail(path) => Transport::Sendmail(sendmail::SendmailTransport::new(path.clone(), settings)),
            Server::Smtp(_) => Transport::Smtp(smtp::SmtpTransport::new(settings)),
        }
    }

    /// Sends one message. `Ok` means at least one recipient got it (see [`Delivery::refused`]);
    /// an `Err` carries the code of SPEC section 8 and nothing was delivered.
    pub fn send(&mut self, message: &Outgoing<'_>) -> Result<Delivery> {
        match self {
            Transport::File(t) => t.send(message),
            Transport::Sendmail(t) => t.send(message),
            Transport::Smtp(t) => t.send(message),
        }
    }

    /// Closes what is open (QUIT on an SMTP connection). Never fails.
    pub fn close(&mut self) {
        if let Transport::Smtp(t) = self {
            t.close();
        }
    }
}
