//! SMTP delivery (RFC 5321): one connection per session, opened at the first MAILSEND, reused
//! with RSET for the next ones, reopened when the server closed it, closed with QUIT.
//!
//! - [`connection`]: TCP, SMTPS or required STARTTLS, certificate checks, EHLO, AUTH.
//! - [`extensions`]: what the EHLO reply announces (SIZE, DSN, AUTH ...).
//! - [`transaction`]: MAIL, RCPT per recipient (refusals collected), DATA; pipelined (RFC 2920)
//!   when the server offers it.
//! - [`failure`]: a failed step as a SPEC code, and whether to try again.
//!
//! Retries (`Retries`) cover lost or refused connections, timeouts and 4xx replies, with waits
//! of 1, 2, 4 ... seconds between attempts; 5xx replies are final at once.

pub mod connection;
pub mod extensions;
pub mod failure;
pub mod transaction;

use std::time::Duration;

use crate::error::{Code, Error, Result};
use crate::settings::{Server, Settings};
use crate::transport::{Delivery, Outgoing};

use connection::Connection;
use failure::Failure;
use transaction::Undelivered;

/// The longest wait between two attempts, however many retries are asked for.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// A session's SMTP client: the connection is opened at the first send and reused.
#[derive(Debug)]
pub struct SmtpTransport {
    // Boxed: the session holds the transport in an enum beside small variants.
    settings: Box<Settings>,
    conn: Option<Box<Connection>>,
}

impl SmtpTransport {
    /// A client for these settings; nothing is connected yet.
    pub fn new(settings: &Settings) -> SmtpTransport {
        SmtpTransport { settings: Box::new(settings.clone()), conn: None }
    }

    /// Sends one message, with the retries the settings allow. `Ok` when at least one recipient
    /// was accepted ([`Delivery::refused`] lists the others).
    pub fn send(&mut self, message: &Outgoing<'_>) -> Result<Delivery> {
        let attempts = self.settings.retries.saturating_add(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match self.try_once(message) {
                Ok(delivery) => {
                    tracing::debug!(attempt, reply = %delivery.reply, refused = delivery.refused.len(), "sent");
                    return Ok(delivery);
                }
                Err(f) => f,
            };
            tracing::debug!(attempt, code = failure.code as i32, error = %failure.message, "attempt failed");
            if failure.broken {
                // Dropping closes the socket without waiting on a server that may be stalled.
                self.conn = None;
            }
            if !failure.retry || attempt >= attempts {
                return Err(self.final_error(failure, attempt));
            }
            std::thread::sleep(backoff(attempt));
        }
    }

    /// One attempt: on the open connection (reset first) if there is one, else, or when the
    /// server has closed it, on a new connection (a stale connection is replaced without
    /// counting as an attempt).
    fn try_once(&mut self, message: &Outgoing<'_>) -> std::result::Result<Delivery, Failure> {
        if let Some(conn) = self.conn.as_mut() {
            match transaction::deliver(conn, message, true) {
                Ok(d) => return Ok(d),
                Err(Undelivered::Failed(f)) => return Err(f),
                Err(Undelivered::Stale(f)) => {
                    tracing::debug!(error = %f.message, "reused connection unusable; reconnecting");
                    self.conn = None;
                }
            }
        }
        let Server::Smtp(host) = &self.settings.server else {
            return Err(Failure::fatal(Code::Internal, "the SMTP transport was given a non-SMTP server"));
        };
        let conn = self.conn.insert(Box::new(Connection::open(&self.settings, host)?));
        transaction::deliver(conn, message, false).map_err(|u| match u {
            Undelivered::Failed(f) | Undelivered::Stale(f) => f,
        })
    }

    fn final_error(&self, failure: Failure, attempts: u32) -> Error {
        let server = self.settings.server_description();
        let tries = match (attempts, failure.retry) {
            (1, _) => String::new(),
            (n, true) => format!(" (gave up after {n} attempts, Retries={})", self.settings.retries),
            (n, false) => format!(" (attempt {n})"),
        };
        Error::new(failure.code, format!("MAILSEND via {server}: {}{tries}", failure.message))
    }

    /// Sends QUIT and closes the connection, if one is open.
    pub fn close(&mut self) {
        if let Some(conn) = self.conn.take() {
            tracing::debug!("QUIT");
            conn.quit();
        }
    }
}

impl Drop for SmtpTransport {
    fn drop(&mut self) {
        self.close();
    }
}

/// The wait before attempt `attempt + 1`: 1 s, 2 s, 4 s ... up to [`MAX_BACKOFF`].
fn backoff(attempt: u32) -> Duration {
    let secs = 1u64.checked_shl(attempt.saturating_sub(1)).unwrap_or(u64::MAX);
    Duration::from_secs(secs).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_can_move_between_threads() {
        // The C ABI lets a handle be used from any thread.
        fn assert_send<T: Send>() {}
        assert_send::<SmtpTransport>();
    }

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        let waits: Vec<u64> = (1..=8).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(backoff(200), MAX_BACKOFF);
    }
}
