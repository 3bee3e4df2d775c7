//! How a failed SMTP step is reported and whether it is worth another attempt.
//!
//! The mapping to SPEC section 8: connection problems (refused, TLS, timeout, lost) are 9,
//! AUTH refusals 10, 5xx replies 11, 4xx replies 12 once the retries are used up. 4xx replies and
//! lost connections are retried; 5xx replies and TLS failures are not (they would only fail the
//! same way again).

use std::error::Error as _;

use lettre::transport::smtp::response::Response;
use lettre::transport::smtp::Error as SmtpError;

use crate::error::Code;

/// One failed attempt at a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The code if this turns out to be the last attempt.
    pub code: Code,
    /// What failed, where, and the server's reply when there is one.
    pub message: String,
    /// Another attempt may succeed (4xx reply, lost or refused connection, timeout).
    pub retry: bool,
    /// The connection is unusable afterwards (lost, timed out, or closed by a 421 reply).
    pub broken: bool,
    /// The server's reply, when the failure is a negative reply.
    pub reply: Option<String>,
}

impl Failure {
    /// A failure that is not retried and leaves the connection usable.
    pub fn fatal(code: Code, message: impl Into<String>) -> Failure {
        Failure { code, message: message.into(), retry: false, broken: false, reply: None }
    }

    /// A failure that also makes the connection unusable.
    pub fn fatal_broken(code: Code, message: impl Into<String>) -> Failure {
        Failure { code, message: message.into(), retry: false, broken: true, reply: None }
    }

    /// A connection problem worth another attempt on a new connection (code 9 if it lasts).
    pub fn retry_broken(message: impl Into<String>) -> Failure {
        Failure { code: Code::Connection, message: message.into(), retry: true, broken: true, reply: None }
    }

    /// Classifies a lettre error raised at `step` (such as `RCPT TO:<a@b.c>`). `auth` says the
    /// step was AUTH, whose permanent refusals are code 10 rather than 11.
    pub fn from_smtp(step: &str, err: &SmtpError, auth: bool) -> Failure {
        if let Some(status) = err.status() {
            let reply = reply_of_error(err);
            let code_text = status.to_string();
            // 421: the server is closing the connection (RFC 5321 section 3.8).
            let broken = code_text == "421";
            let message = format!("{step}: the server replied {reply}");
            return if err.is_transient() {
                Failure { code: Code::Transient, message, retry: true, broken, reply: Some(reply) }
            } else {
                let code = if auth { Code::Auth } else { Code::Rejected };
                Failure { code, message, retry: false, broken, reply: Some(reply) }
            };
        }
        if err.is_timeout() || timed_out(err) {
            return Failure::retry_broken(format!("{step}: no answer from the server in time (Timeout)"));
        }
        if err.is_tls() || tls_failed(err) {
            return Failure::fatal_broken(Code::Connection, format!("{step}: TLS failed: {}", chain(err)));
        }
        if err.is_client() && auth {
            return Failure::fatal(Code::Auth, format!("{step}: {}", chain(err)));
        }
        // Network, connection and unreadable replies: the connection is gone or garbled.
        let what = if err.is_response() { "connection lost or bad reply" } else { "connection failed" };
        Failure::retry_broken(format!("{step}: {what}: {}", chain(err)))
    }
}

/// A failed TLS handshake or certificate check. lettre reports those as connection errors; the
/// OpenSSL error under them (native-tls uses OpenSSL on Linux) tells them apart from a refused
/// or lost TCP connection, and they are not worth retrying.
fn tls_failed(err: &SmtpError) -> bool {
    let mut source = err.source();
    let mut depth = 0;
    while let Some(s) = source {
        if s.is::<openssl::error::ErrorStack>() || s.is::<openssl::ssl::Error>() {
            return true;
        }
        source = s.source();
        depth += 1;
        if depth > 8 {
            break;
        }
    }
    false
}

/// A socket read or write that hit its timeout. On Unix that surfaces as `WouldBlock` (EAGAIN),
/// which lettre's own `is_timeout` does not recognise.
fn timed_out(err: &SmtpError) -> bool {
    let mut source = err.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return matches!(io.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut);
        }
        source = s.source();
    }
    false
}

/// The text of a server reply: `250 2.0.0 Ok: queued as 4Xyz`, lines joined by blanks.
pub fn reply_text(response: &Response) -> String {
    let lines: Vec<&str> = response.message().collect();
    format!("{} {}", response.code(), lines.join(" ")).trim_end().to_string()
}

/// The server's reply carried by a lettre error for a negative reply: `550 5.1.1 unknown user`.
fn reply_of_error(err: &SmtpError) -> String {
    let code = err.status().map(|c| c.to_string()).unwrap_or_default();
    match err.source() {
        Some(text) => format!("{code} {text}").trim_end().to_string(),
        None => code,
    }
}

/// An error and its causes on one line (TLS errors hide the useful part in their sources).
fn chain(err: &SmtpError) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    let mut depth = 0;
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
        depth += 1;
        if depth > 8 {
            break;
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_text_joins_lines() {
        let r: Response = "250-first\r\n250 second\r\n".parse().unwrap();
        assert_eq!(reply_text(&r), "250 first second");
    }
}
