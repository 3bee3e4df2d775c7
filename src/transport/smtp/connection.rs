//! Opening an SMTP connection the way the settings say: TCP or TLS from the first byte,
//! required STARTTLS, EHLO, AUTH. Built on lettre's command-level `SmtpConnection`, which keeps
//! each command's reply in our hands.

use std::net::IpAddr;
use std::sync::{mpsc, Arc, Mutex};

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, CertificateStore, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Ehlo, Quit, Rset};
use lettre::transport::smtp::extension::ClientId;

use super::extensions::Extensions;
use super::failure::{reply_text, Failure};
use crate::error::Code;
use crate::settings::{AuthMech, Security, Settings};

/// Bytes of message handed to the socket per write.
const DATA_CHUNK: usize = 256 * 1024;

/// Messages up to this size go out in one write with their final dot (see [`Connection::data`]);
/// larger ones in [`DATA_CHUNK`] slices, where one wait for an ACK no longer matters.
const ONE_WRITE_MAX: usize = 4 * 1024 * 1024;

/// The step the opening thread is at, for the message when it overruns `Timeout`.
type Step = Arc<Mutex<&'static str>>;

/// An open, greeted (and, as configured, secured and authenticated) SMTP connection.
pub struct Connection {
    inner: SmtpConnection,
    /// The extensions announced in the latest EHLO reply.
    pub extensions: Extensions,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("encrypted", &self.inner.is_encrypted())
            .field("extensions", &self.extensions)
            .finish()
    }
}

impl Connection {
    /// Connects, secures, says EHLO and authenticates as `settings` ask, all within `Timeout`.
    ///
    /// The opening runs on its own thread and is abandoned at the deadline, because two things
    /// in lettre would otherwise stretch it: SMTPS does the TLS handshake before the socket
    /// timeouts are set (a silent server would block it forever), and a failed EHLO, STARTTLS
    /// or LOGIN step sends QUIT and waits a second `Timeout` for its reply. The abandoned thread
    /// ends with its socket.
    pub fn open(settings: &Settings, host: &str) -> Result<Connection, Failure> {
        let server = format!("{host}:{}", settings.port);
        let step: Step = Arc::new(Mutex::new("TCP connect"));
        let (tx, rx) = mpsc::channel();
        let (owned_settings, owned_host, thread_step) = (settings.clone(), host.to_string(), Arc::clone(&step));
        let span = tracing::Span::current();
        let spawned = std::thread::Builder::new().name("lncmail-smtp-open".into()).spawn(move || {
            let _entered = span.enter();
            let r = Connection::open_blocking(&owned_settings, &owned_host, &thread_step);
            // The receiver may have given up; the connection is then dropped here.
            let _ = tx.send(r);
        });
        if let Err(e) = spawned {
            return Err(Failure::fatal(Code::Connection, format!("cannot start the connection thread: {e}")));
        }
        match rx.recv_timeout(settings.timeout) {
            Ok(result) => result,
            Err(_) => {
                let at = *step.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                Err(Failure::retry_broken(format!(
                    "connecting to {server}: no answer from the server within Timeout ({} s), at {at}",
                    settings.timeout.as_secs()
                )))
            }
        }
    }

    fn open_blocking(settings: &Settings, host: &str, step: &Step) -> Result<Connection, Failure> {
        let set = |s: &'static str| *step.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = s;
        let hello = match &settings.helo {
            Some(h) => ClientId::Domain(h.clone()),
            None => ClientId::default(),
        };
        let server = format!("{host}:{}", settings.port);
        tracing::debug!(server = %server, security = ?settings.security, "connecting");
        let tls = match settings.security {
            Security::Smtps => {
                set("TLS handshake, greeting and EHLO");
                Some(tls_parameters(settings, host)?)
            }
            Security::None | Security::StartTls => {
                set("greeting and EHLO");
                None
            }
        };
        let mut inner = SmtpConnection::connect((host, settings.port), Some(settings.timeout), &hello, tls.as_ref(), None)
            .map_err(|e| Failure::from_smtp(&format!("connecting to {server}"), &e, false))?;
        if settings.security == Security::StartTls {
            if !inner.can_starttls() {
                let _ = inner.command(Quit);
                return Err(Failure::fatal_broken(
                    Code::Connection,
                    format!(
                        "{server} does not offer STARTTLS, which enableSSL=true with SSLType=TLS requires \
                         (the message is not sent in clear; use SSLType=SMTPS if the port expects TLS at once)"
                    ),
                ));
            }
            set("STARTTLS");
            let tls = tls_parameters(settings, host)?;
            inner.starttls(&tls, &hello).map_err(|e| Failure::from_smtp("STARTTLS", &e, false))?;
        }
        set("EHLO");
        // lettre keeps its own reading of EHLO private and without SIZE or DSN: ask again.
        let ehlo_command = Ehlo::new(hello.clone());
        said(&ehlo_command.to_string());
        let ehlo = inner.command(ehlo_command).map_err(|e| Failure::from_smtp("EHLO", &e, false))?;
        heard(&reply_text(&ehlo));
        let mut conn = Connection { inner, extensions: Extensions::from_response(&ehlo) };
        if let Some((user, secret)) = &settings.credentials {
            set("AUTH");
            conn.authenticate(settings, host, user, secret.expose())?;
        }
        Ok(conn)
    }

    fn authenticate(&mut self, settings: &Settings, host: &str, user: &str, secret: &str) -> Result<(), Failure> {
        if !may_send_credentials(self.inner.is_encrypted(), host, settings.allow_insecure_auth) {
            return Err(Failure::fatal(
                Code::Auth,
                format!(
                    "refusing to send the credentials of UserId over an unencrypted connection to {host} \
                     (use enableSSL=true, or AllowInsecureAuth=true if the network is trusted)"
                ),
            ));
        }
        if self.extensions.auth.is_empty() {
            return Err(Failure::fatal(
                Code::Auth,
                format!("{host} does not offer AUTH (UserId and password are given); is enableSSL needed?"),
            ));
        }
        let mechanisms: Vec<Mechanism> = match settings.auth_mech {
            Some(AuthMech::Plain) => vec![Mechanism::Plain],
            Some(AuthMech::Login) => vec![Mechanism::Login],
            Some(AuthMech::Xoauth2) => vec![Mechanism::Xoauth2],
            // XOAUTH2 last: the password is then taken as a token, only when nothing else is offered.
            None => vec![Mechanism::Plain, Mechanism::Login, Mechanism::Xoauth2],
        };
        let Some(mechanism) = mechanisms.iter().copied().find(|m| self.extensions.offers_auth(&m.to_string())) else {
            let wanted: Vec<String> = mechanisms.iter().map(|m| m.to_string()).collect();
            return Err(Failure::fatal(
                Code::Auth,
                format!(
                    "{host} offers AUTH {}, none of {} (AuthMech)",
                    self.extensions.auth.join(" "),
                    wanted.join(", ")
                ),
            ));
        };
        tracing::debug!(">> AUTH {mechanism} **** (credentials masked)");
        let result = if mechanism == Mechanism::Xoauth2 {
            self.xoauth2(user, secret)
        } else {
            self.inner.auth(&[mechanism], &Credentials::new(user.to_string(), secret.to_string())).map(|_| ())
        };
        result.map_err(|e| {
            let mut f = Failure::from_smtp(&format!("AUTH {mechanism} as '{user}'"), &e, true);
            if f.code == Code::Connection && !f.broken {
                f.code = Code::Auth;
            }
            // After a refused AUTH the dialogue may sit in a half-finished exchange: never reuse it.
            f.broken = true;
            f
        })
    }

    /// AUTH XOAUTH2. lettre sends the initial response but cannot answer the error challenge
    /// (a 334 with a JSON status) that RFC 7628 servers send before their final refusal: the
    /// client must then send an empty line to get the real reply.
    fn xoauth2(&mut self, user: &str, token: &str) -> Result<(), lettre::transport::smtp::Error> {
        let blob = openssl::base64::encode_block(format!("user={user}\x01auth=Bearer {token}\x01\x01").as_bytes());
        let reply = self.inner.command(format!("AUTH XOAUTH2 {blob}\r\n"))?;
        if reply.has_code(334) {
            self.inner.command("\r\n")?;
        }
        Ok(())
    }

    /// Readies a reused connection for the next message. Fails when the server has closed it.
    pub fn reset(&mut self) -> Result<(), Failure> {
        if self.inner.has_broken() {
            return Err(Failure::fatal_broken(Code::Connection, "connection already broken"));
        }
        said("RSET");
        self.inner.command(Rset).map(|r| heard(&reply_text(&r))).map_err(|e| {
            let mut f = Failure::from_smtp("RSET", &e, false);
            f.broken = true;
            f
        })
    }

    /// Sends a command and returns the server's positive reply.
    pub fn command(&mut self, step: &str, command: impl std::fmt::Display) -> Result<String, Failure> {
        let command = command.to_string();
        said(&command);
        self.send_unlogged(step, command)
    }

    /// Sends without logging what is sent (message data), logging the reply.
    fn send_unlogged(&mut self, step: &str, command: String) -> Result<String, Failure> {
        let reply = self.inner.command(command).map(|r| reply_text(&r)).map_err(|e| Failure::from_smtp(step, &e, false));
        if let Ok(r) = &reply {
            heard(r);
        }
        reply
    }

    /// Writes several commands at once (RFC 2920 PIPELINING) and returns the reply to the
    /// first; the others are read with [`Connection::reply`], in order.
    pub fn pipeline(&mut self, step: &str, commands: &str) -> Result<String, Failure> {
        self.command(step, commands)
    }

    /// Reads the next reply of a pipelined group.
    pub fn reply(&mut self, step: &str) -> Result<String, Failure> {
        let reply = self.inner.read_response().map(|r| reply_text(&r)).map_err(|e| Failure::from_smtp(step, &e, false));
        if let Ok(r) = &reply {
            heard(r);
        }
        reply
    }

    /// Whether the connection is known to be unusable.
    pub fn has_broken(&self) -> bool {
        self.inner.has_broken()
    }

    /// Sends the message after a positive DATA reply, dot-stuffed. lettre always writes CRLF
    /// before the final dot, so a CRLF ending the message is taken off first: the server then
    /// receives the message byte for byte, without an extra empty line.
    pub fn data(&mut self, bytes: &[u8]) -> Result<String, Failure> {
        let body = bytes.strip_suffix(b"\r\n").unwrap_or(bytes);
        tracing::debug!(">> (the message, {} bytes) .", bytes.len());
        if body.len() <= ONE_WRITE_MAX {
            if let Ok(text) = std::str::from_utf8(body) {
                // One write for the message and its final dot. lettre writes them separately
                // and sets no TCP_NODELAY, so the dot waits behind Nagle's algorithm for the
                // server's delayed ACK: about 40 ms per message, 20 messages a second.
                let mut wire = dot_stuffed(text);
                wire.push_str("\r\n.\r\n");
                return self.send_unlogged("end of data", wire);
            }
        }
        // In slices: lettre dot-stuffs each part into a fresh buffer, and one part of a 100 MiB
        // message would be one more full copy of it in memory.
        let reply = self
            .inner
            .message_iter(body.chunks(DATA_CHUNK))
            .map(|r| reply_text(&r))
            .map_err(|e| Failure::from_smtp("end of data", &e, false));
        if let Ok(r) = &reply {
            heard(r);
        }
        reply
    }

    /// Whether the connection is encrypted (SMTPS or after STARTTLS).
    pub fn is_encrypted(&self) -> bool {
        self.inner.is_encrypted()
    }

    /// QUIT and close; errors do not matter any more. Dropping the connection closes the socket.
    /// (lettre's own `quit` would send a second QUIT and wait again if the first one failed.)
    pub fn quit(mut self) {
        if !self.inner.has_broken() {
            said("QUIT");
            if let Ok(r) = self.inner.command(Quit) {
                heard(&reply_text(&r));
            }
        }
    }
}

/// The SMTP dialogue in the diagnostics (`--verbose`, `RUST_LOG=lncmail=debug`): each command
/// line sent. Only commands pass here: message data and AUTH lines are logged by their callers
/// as a summary, so no message text and no credential ever reaches the log.
fn said(commands: &str) {
    for line in commands.split("\r\n").filter(|l| !l.is_empty()) {
        tracing::debug!(">> {line}");
    }
}

/// Each reply received, as the server wrote it (a multi-line reply on one line).
fn heard(reply: &str) {
    tracing::debug!("<< {reply}");
}

/// Dot-stuffing (RFC 5321 section 4.5.2): a line that begins with `.` gets another one. Lines
/// begin after CRLF, as lettre's own encoder sees them.
fn dot_stuffed(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 64 + 8);
    let mut rest = text;
    if rest.starts_with('.') {
        out.push('.');
    }
    while let Some(i) = rest.find("\r\n.") {
        out.push_str(&rest[..i + 2]);
        out.push('.');
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    out
}

/// TLS settings: system roots, or `CAFile` instead of them; `useTestMode` alone turns the
/// verification off.
fn tls_parameters(settings: &Settings, host: &str) -> Result<TlsParameters, Failure> {
    let mut builder = TlsParameters::builder(host.to_string());
    if let Some(path) = &settings.ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            Failure::fatal(Code::Certificate, format!("CAFile '{}' cannot be read: {e}", path.display()))
        })?;
        let certs = pem_blocks(&pem);
        if certs.is_empty() {
            return Err(Failure::fatal(
                Code::Certificate,
                format!("CAFile '{}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path.display()),
            ));
        }
        builder = builder.certificate_store(CertificateStore::None);
        for block in certs {
            let cert = Certificate::from_pem(block).map_err(|e| {
                Failure::fatal(Code::Certificate, format!("CAFile '{}': bad certificate: {e}", path.display()))
            })?;
            builder = builder.add_root_certificate(cert);
        }
    }
    if settings.test_mode {
        builder = builder.dangerous_accept_invalid_certs(true).dangerous_accept_invalid_hostnames(true);
    }
    builder.build().map_err(|e| Failure::from_smtp("TLS setup", &e, false))
}

/// Each `CERTIFICATE` block of a PEM file (native-tls reads only the first block of a buffer).
fn pem_blocks(pem: &[u8]) -> Vec<&[u8]> {
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    const END: &[u8] = b"-----END CERTIFICATE-----";
    let mut blocks = Vec::new();
    let mut rest = pem;
    while let Some(start) = find(rest, BEGIN) {
        let from = &rest[start..];
        let Some(end) = find(from, END) else { break };
        blocks.push(&from[..end + END.len()]);
        rest = &from[end + END.len()..];
    }
    blocks
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Credentials go over an encrypted connection, to a loopback host (they never leave the
/// machine), or where `AllowInsecureAuth=true` says the network is trusted.
fn may_send_credentials(encrypted: bool, host: &str, allow_insecure: bool) -> bool {
    encrypted || allow_insecure || is_loopback(host)
}

/// Loopback hosts by name or address (including IPv4-mapped IPv6 ones such as ::ffff:127.0.0.1).
fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
        Ok(ip) => ip.is_loopback(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_table() {
        for (host, expected) in [
            ("localhost", true),
            ("LOCALHOST", true),
            ("127.0.0.1", true),
            ("127.1.2.3", true),
            ("::1", true),
            ("::ffff:127.0.0.1", true),
            ("::ffff:10.0.0.1", false),
            ("10.0.0.1", false),
            ("smtp.example.com", false),
            ("localhost.example.com", false),
        ] {
            assert_eq!(is_loopback(host), expected, "{host}");
        }
    }

    #[test]
    fn credentials_only_encrypted_or_loopback_or_allowed() {
        // (encrypted, host, AllowInsecureAuth) -> may send
        for (encrypted, host, allow, expected) in [
            (true, "smtp.example.com", false, true),
            (false, "smtp.example.com", false, false),
            (false, "smtp.example.com", true, true),
            (false, "127.0.0.1", false, true),
            (false, "localhost", false, true),
            (false, "192.168.1.10", false, false),
            (false, "vm", false, false),
        ] {
            assert_eq!(may_send_credentials(encrypted, host, allow), expected, "{encrypted} {host} {allow}");
        }
    }

    #[test]
    fn dot_stuffing_table() {
        for (input, expected) in [
            ("", ""),
            (".", ".."),
            ("a\r\n.b\r\n..c", "a\r\n..b\r\n...c"),
            ("a.\r\nb", "a.\r\nb"),
            ("x\n.y", "x\n.y"),
            ("\r\n.\r\n.", "\r\n..\r\n.."),
        ] {
            assert_eq!(dot_stuffed(input), expected, "{input:?}");
        }
    }

    #[test]
    fn pem_blocks_splits_bundles() {
        let pem = b"junk\n-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n\
                    -----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n";
        let blocks = pem_blocks(pem);
        assert_eq!(blocks.len(), 2);
        assert!(blocks[1].starts_with(b"-----BEGIN") && blocks[1].ends_with(b"CERTIFICATE-----"));
    }
}
