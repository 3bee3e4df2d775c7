//! `sendmail:` / `sendmail:/path`: the message is handed to the local MTA's sendmail program,
//! whose queue then owns delivery.
//!
//! The program is run the way lettre's sendmail transport runs it (`-i -f FROM -- RCPT...`,
//! message on standard input), but here rather than through lettre because lettre reports only
//! the program's error output and drops its exit status, which is what says whether the failure
//! is temporary (sysexits.h `EX_TEMPFAIL`) or permanent.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Code, Error, Result};
use crate::settings::Settings;
use crate::transport::{Delivery, Outgoing};

/// The program used when `Server="sendmail:"` names none.
pub const DEFAULT_SENDMAIL: &str = "/usr/sbin/sendmail";

/// Hands messages to `sendmail` (default: [`DEFAULT_SENDMAIL`]).
#[derive(Debug)]
pub struct SendmailTransport {
    path: Option<PathBuf>,
    timeout: Duration,
}

impl SendmailTransport {
    /// A transport for `sendmail:` or `sendmail:/path`.
    pub fn new(path: Option<PathBuf>, settings: &Settings) -> SendmailTransport {
        SendmailTransport { path, timeout: settings.timeout }
    }

    fn program(&self) -> PathBuf {
        self.path.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_SENDMAIL))
    }

    /// Runs the program with the envelope as arguments and the message on its standard input.
    /// `Ok` when it exits with status 0; its exit status is mapped to a code otherwise.
    pub fn send(&mut self, message: &Outgoing<'_>) -> Result<Delivery> {
        let program = self.program();
        let shown = program.display().to_string();
        let envelope = message.envelope;
        let mut command = Command::new(&program);
        // -i: a line with a single dot is not the end of the message.
        command.arg("-i").arg("-f").arg(&envelope.from).arg("--");
        command.args(envelope.recipients.iter().map(|r| r.to_string()));
        // The message reaches the program's standard input from an unlinked temporary file, not a
        // pipe: a program that exits early then cannot raise SIGPIPE, which would kill a C host
        // process (only Rust's own `main` ignores that signal), and no second copy is kept.
        let stdin = message_file(message.bytes).map_err(|e| {
            Error::new(Code::File, format!("MAILSEND: cannot stage the message for '{shown}': {e}"))
        })?;
        command.stdin(Stdio::from(stdin)).stdout(Stdio::null()).stderr(Stdio::piped());
        tracing::debug!(program = %shown, recipients = envelope.recipients.len(), "running sendmail");
        let mut child = command.spawn().map_err(|e| {
            Error::new(Code::Connection, format!("MAILSEND: cannot run the sendmail program '{shown}': {e}"))
        })?;
        let mut stderr = child.stderr.take();
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(s) = stderr.as_mut() {
                let _ = s.take(64 * 1024).read_to_string(&mut text);
            }
            text
        });
        let status = wait_with_timeout(&mut child, self.timeout);
        let err_text = reader.join().unwrap_or_default();
        let err_text = err_text.split_whitespace().collect::<Vec<_>>().join(" ");
        let status = match status {
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                return Err(Error::new(Code::Connection, format!("MAILSEND: waiting for '{shown}': {e}")));
            }
            None => {
                return Err(Error::new(
                    Code::Connection,
                    format!("MAILSEND: '{shown}' did not finish within Timeout ({} s) and was stopped", self.timeout.as_secs()),
                ));
            }
        };
        if status.success() {
            let mut notes = Vec::new();
            if envelope.dsn {
                notes.push("delivery report not requested: not available through sendmail:".to_string());
            }
            return Ok(Delivery { reply: format!("handed to {shown}"), refused: Vec::new(), notes });
        }
        let (code, meaning) = exit_code(status);
        let detail = if err_text.is_empty() { String::new() } else { format!(": {err_text}") };
        Err(Error::new(code, format!("MAILSEND: '{shown}' failed ({meaning}){detail}")))
    }
}

/// Waits for the program, killing it after `timeout`. `None` when it was killed.
/// The message in an unlinked temporary file (owner-only), positioned at its start.
fn message_file(bytes: &[u8]) -> std::io::Result<std::fs::File> {
    use std::io::Seek;
    let mut file = tempfile::tempfile()?;
    file.write_all(bytes)?;
    file.rewind()?;
    Ok(file)
}

fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Option<std::io::Result<ExitStatus>> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(Ok(status)),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Some(Err(e)),
        }
    }
}

/// The code and a description for a sendmail exit status (sysexits.h values, as Postfix's and
/// Sendmail's sendmail programs use them).
pub fn exit_code(status: ExitStatus) -> (Code, String) {
    match status.code() {
        Some(n) => {
            let (code, name) = sysexit(n);
            (code, format!("exit status {n}{name}"))
        }
        None => (Code::Connection, format!("killed by a signal ({status})")),
    }
}

fn sysexit(n: i32) -> (Code, &'static str) {
    match n {
        64 => (Code::Rejected, ", EX_USAGE"),
        65 => (Code::Rejected, ", EX_DATAERR"),
        67 => (Code::Rejected, ", EX_NOUSER: unknown recipient"),
        68 => (Code::Rejected, ", EX_NOHOST"),
        69 => (Code::Connection, ", EX_UNAVAILABLE"),
        70 => (Code::Connection, ", EX_SOFTWARE"),
        71 => (Code::Connection, ", EX_OSERR"),
        72 => (Code::Connection, ", EX_OSFILE"),
        73 => (Code::Connection, ", EX_CANTCREAT"),
        74 => (Code::Connection, ", EX_IOERR"),
        75 => (Code::Transient, ", EX_TEMPFAIL: try again later"),
        77 => (Code::Rejected, ", EX_NOPERM"),
        78 => (Code::Connection, ", EX_CONFIG"),
        _ => (Code::Rejected, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sysexits_table() {
        for (n, code) in [
            (64, Code::Rejected),
            (65, Code::Rejected),
            (67, Code::Rejected),
            (69, Code::Connection),
            (75, Code::Transient),
            (78, Code::Connection),
            (1, Code::Rejected),
        ] {
            assert_eq!(sysexit(n).0, code, "exit {n}");
        }
    }
}
