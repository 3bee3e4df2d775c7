//! The session: the state machine of SPEC section 1, one match on (state, command).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::command::{self, Command};
use crate::draft::Draft;
use crate::error::{Code, Error, Result};
use crate::log::{self, Row, Status};
use crate::mime;
use crate::props::{self, Props};
use crate::settings::{Settings, MAILSMTP_KEYS};
use crate::smime::SmimeContext;
use crate::transport::{file, Delivery, Outgoing, Transport};

/// The state of a session (SPEC section 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// No settings: MAILSMTP first.
    New,
    /// Settings known; no message being composed.
    Ready,
    /// A message is being composed (after MAILPREP).
    Composing,
}

/// A successful command's reply: `OK` or `OK <detail>`.
///
/// ```
/// use lncmail::Reply;
/// assert_eq!(Reply::ok().to_string(), "OK");
/// assert_eq!(Reply::with("250 2.0.0 queued").to_string(), "OK 250 2.0.0 queued");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reply {
    detail: Option<String>,
}

impl Reply {
    /// A plain `OK`.
    pub fn ok() -> Reply {
        Reply { detail: None }
    }

    /// `OK <detail>`.
    pub fn with(detail: impl Into<String>) -> Reply {
        Reply { detail: Some(detail.into()) }
    }

    /// The detail after `OK`, if any.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// Always [`Code::Ok`].
    pub fn code(&self) -> Code {
        Code::Ok
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.detail {
            Some(d) => write!(f, "OK {d}"),
            None => f.write_str("OK"),
        }
    }
}

/// The code and result text of a command's outcome, as the C ABI and scripts report them.
///
/// ```
/// use lncmail::{session::outcome, Code, Session};
/// let mut s = Session::new();
/// let (code, text) = outcome(&s.execute("MAILSEND", "", ""));
/// assert_eq!(code, Code::Sequence);
/// assert!(text.starts_with("E5 "));
/// ```
pub fn outcome(result: &Result<Reply>) -> (Code, String) {
    match result {
        Ok(r) => (Code::Ok, r.to_string()),
        Err(e) => (e.code(), e.to_string()),
    }
}

/// What MAILSMTP sets up: settings, the transport (and its connection), the S/MIME material.
#[derive(Debug)]
struct Configured {
    settings: Settings,
    transport: Transport,
    smime: Option<SmimeContext>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A mail session: send it commands with [`Session::execute`].
///
/// ```
/// use lncmail::Session;
/// let dir = tempfile::tempdir().unwrap();
/// let mut s = Session::new();
/// s.execute("MAILSMTP", &format!("Server=\"file:{}\";Sender=\"me@example.com\"", dir.path().display()), "").unwrap();
/// s.execute("MAILPREP", "you@example.com", "subject=\"Hello\"").unwrap();
/// s.execute("MAILTEXT", "Hello from lncmail", "").unwrap();
/// let reply = s.execute("MAILSEND", "", "").unwrap();
/// assert!(reply.detail().unwrap().ends_with(".eml"));
/// s.execute("MAILEND", "", "").unwrap();
/// ```
#[derive(Debug)]
pub struct Session {
    id: u64,
    configured: Option<Configured>,
    draft: Option<Draft>,
    /// MAILSMTP properties used where a MAILSMTP does not give them (the CLI's defaults file).
    defaults: Option<Props>,
    /// MAILSMTP properties that replace what a MAILSMTP gives (the CLI's `--dry-run`).
    overrides: Option<Props>,
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

impl Session {
    /// A new session in state NEW, with the next session number of this process.
    pub fn new() -> Session {
        Session::with_id(NEXT_ID.fetch_add(1, Ordering::Relaxed))
    }

    /// A new session with a given number (the C ABI uses the handle), shown in the log.
    pub fn with_id(id: u64) -> Session {
        Session { id, configured: None, draft: None, defaults: None, overrides: None }
    }

    /// The session's number.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// MAILSMTP properties to use where a later MAILSMTP does not give them (like the
    /// original's `*DFT` values); `None` removes them.
    ///
    /// ```
    /// use lncmail::{props, settings::MAILSMTP_KEYS, Session};
    /// let mut s = Session::new();
    /// s.set_defaults(Some(props::parse("defaults", r#"Sender="me@example.com";Timeout=5"#, MAILSMTP_KEYS).unwrap()));
    /// s.execute("MAILSMTP", r#"Server="file:outbox";Timeout=9"#, "").unwrap();
    /// assert_eq!(s.settings().unwrap().sender.email.to_string(), "me@example.com");
    /// assert_eq!(s.settings().unwrap().timeout.as_secs(), 9);
    /// ```
    pub fn set_defaults(&mut self, defaults: Option<Props>) {
        self.defaults = defaults;
    }

    /// MAILSMTP properties that replace those of a later MAILSMTP (for a dry run, a `file:`
    /// Server); `None` removes them.
    ///
    /// ```
    /// use lncmail::{props, settings::{Server, MAILSMTP_KEYS}, Session};
    /// let mut s = Session::new();
    /// s.set_overrides(Some(props::parse("dry run", r#"Server="file:rehearsal""#, MAILSMTP_KEYS).unwrap()));
    /// s.execute("MAILSMTP", r#"Server="smtp.example.com";Sender="me@example.com""#, "").unwrap();
    /// assert_eq!(s.settings().unwrap().server, Server::File("rehearsal".into()));
    /// ```
    pub fn set_overrides(&mut self, overrides: Option<Props>) {
        self.overrides = overrides;
    }

    /// The current state.
    pub fn state(&self) -> State {
        match (&self.configured, &self.draft) {
            (None, _) => State::New,
            (Some(_), None) => State::Ready,
            (Some(_), Some(_)) => State::Composing,
        }
    }

    /// The settings of the last MAILSMTP, if any.
    pub fn settings(&self) -> Option<&Settings> {
        self.configured.as_ref().map(|c| &c.settings)
    }

    /// The message being composed, if any.
    pub fn draft(&self) -> Option<&Draft> {
        self.draft.as_ref()
    }

    /// Runs one command: `CMD`, `PARM1`, `PARM2` (blank means not given).
    ///
    /// A failed command leaves the session as it was, except MAILSEND, which keeps the draft on
    /// failure and clears it on a partial success (code 16).
    pub fn execute(&mut self, cmd: &str, parm1: &str, parm2: &str) -> Result<Reply> {
        let command = command::parse(cmd, parm1, parm2)?;
        let _span = tracing::debug_span!("command", session = self.id, cmd = command.name()).entered();
        let result = self.run(command);
        match &result {
            Ok(r) => tracing::debug!(result = %r, "done"),
            Err(e) => tracing::debug!(result = %e, "failed"),
        }
        result
    }

    fn run(&mut self, command: Command<'_>) -> Result<Reply> {
        match (self.state(), command) {
            (_, Command::MailEnd) => {
                self.end();
                Ok(Reply::ok())
            }
            (State::Composing, Command::MailSmtp(_)) => Err(sequence(
                "MAILSMTP is not allowed while a message is being composed: MAILSEND or MAILEND first",
            )),
            (state, Command::MailSmtp(props)) => {
                let mut given = props::parse("MAILSMTP", props, MAILSMTP_KEYS)?;
                if let Some(d) = &self.defaults {
                    given.fill_from(d);
                }
                if let Some(o) = &self.overrides {
                    let mut over = o.clone();
                    over.fill_from(&given);
                    given = over;
                }
                let settings = Settings::from_props(&given)?;
                let smime = SmimeContext::load(&settings)?;
                let transport = Transport::new(&settings);
                let replaced = state == State::Ready;
                self.close_transport();
                self.configured = Some(Configured { settings, transport, smime });
                Ok(if replaced { Reply::with("settings replaced") } else { Reply::ok() })
            }
            (State::New, c) => Err(sequence(&format!("{} needs MAILSMTP first", c.name()))),
            (state, Command::MailPrep(to, props)) => {
                let check = self.settings().is_some_and(|s| s.check_mail);
                let draft = Draft::new(to, props, check)?;
                self.draft = Some(draft);
                Ok(if state == State::Composing { Reply::with("previous draft discarded") } else { Reply::ok() })
            }
            (State::Ready, c) => Err(sequence(&format!("{} needs a message: MAILPREP first", c.name()))),
            (_, Command::MailSend) => self.send(),
            (_, c) => {
                let draft = self.draft.as_mut().ok_or_else(|| sequence("MAILPREP first"))?;
                edit(draft, c)?;
                Ok(Reply::ok())
            }
        }
    }

    fn end(&mut self) {
        self.close_transport();
        self.configured = None;
        self.draft = None;
    }

    fn close_transport(&mut self) {
        if let Some(c) = self.configured.as_mut() {
            c.transport.close();
        }
    }

    fn send(&mut self) -> Result<Reply> {
        let started = Instant::now();
        let (Some(cfg), Some(draft)) = (self.configured.as_mut(), self.draft.as_ref()) else {
            return Err(sequence("MAILSEND needs a message: MAILPREP first"));
        };
        let mut bytes_sent = 0;
        let mut message_id = String::new();
        let outcome = attempt(cfg, draft, &mut bytes_sent, &mut message_id);
        let (status, result) = match outcome {
            Ok(delivery) if delivery.refused.is_empty() => {
                let mut text = delivery.reply.clone();
                for n in &delivery.notes {
                    text.push_str(&format!(" ({n})"));
                }
                (Status::Sent, Ok(Reply::with(text)))
            }
            Ok(delivery) => {
                let refused: Vec<String> =
                    delivery.refused.iter().map(|r| format!("{} ({})", r.address, r.reply)).collect();
                let msg = format!(
                    "MAILSEND: sent to the other recipients ({}), refused: {}",
                    delivery.reply,
                    refused.join("; ")
                );
                (Status::Partial, Err(Error::new(Code::Partial, msg)))
            }
            Err((e, Some(bytes))) => (Status::Failed, Err(keep_failed(&cfg.settings, &message_id, &bytes, e))),
            Err((e, None)) => (Status::Failed, Err(e)),
        };
        let row = Row {
            timestamp: Row::now(),
            session: self.id,
            message_id: message_id.clone(),
            sender: cfg.settings.sender.email.to_string(),
            to: draft.to.iter().map(|m| m.email.to_string()).collect(),
            cc: draft.cc.iter().map(|m| m.email.to_string()).collect(),
            bcc_count: draft.bcc.len(),
            subject: draft.subject.clone().unwrap_or_default(),
            attachments: draft.attachments.len(),
            bytes: bytes_sent,
            status,
            code: match &result {
                Ok(_) => 0,
                Err(e) => e.code() as i32,
            },
            detail: match &result {
                Ok(r) => r.detail().unwrap_or("").to_string(),
                Err(e) => e.message().to_string(),
            },
            server: cfg.settings.server_description(),
            duration_ms: started.elapsed().as_millis(),
        };
        let logged = match &cfg.settings.logfile {
            Some(path) => log::append(path, &row),
            None => Ok(()),
        };
        if status != Status::Failed {
            self.draft = None;
        }
        match (result, logged) {
            (result, Ok(())) => result,
            (Ok(reply), Err(e)) => Err(Error::new(
                Code::Logfile,
                format!("{} (the message was sent: {reply})", e.message()),
            )),
            // The mail error matters more than the log error; both are said.
            (Err(mail), Err(e)) => Err(Error::new(mail.code(), format!("{}; also: {}", mail.message(), e.message()))),
        }
    }
}

/// Builds, protects and sends the draft. On failure, the bytes built so far come back so
/// that `FailedDir` can keep them.
fn attempt(
    cfg: &mut Configured,
    draft: &Draft,
    bytes_sent: &mut usize,
    message_id: &mut String,
) -> std::result::Result<Delivery, (Error, Option<Vec<u8>>)> {
    let composed = mime::compose(draft, &cfg.settings).map_err(|e| (e, None))?;
    *message_id = composed.message_id.clone();
    let bytes = match &cfg.smime {
        Some(ctx) => ctx.protect(&composed.bytes, &composed.envelope).map_err(|e| (e, None))?,
        None => composed.bytes,
    };
    *bytes_sent = bytes.len();
    let outgoing = Outgoing { envelope: &composed.envelope, bytes: &bytes, message_id: &composed.message_id };
    match cfg.transport.send(&outgoing) {
        Ok(d) => Ok(d),
        Err(e) => Err((e, Some(bytes))),
    }
}

/// With `FailedDir`, writes the unsent message there and says so in the error.
fn keep_failed(settings: &Settings, message_id: &str, bytes: &[u8], error: Error) -> Error {
    let Some(dir) = &settings.failed_dir else { return error };
    match file::write_eml(dir, message_id, bytes) {
        Ok(path) => Error::new(error.code(), format!("{}; message saved as {}", error.message(), path.display())),
        Err(e) => Error::new(error.code(), format!("{}; and it could not be saved: {}", error.message(), e.message())),
    }
}

fn sequence(msg: &str) -> Error {
    Error::new(Code::Sequence, msg)
}

/// Applies a message command to the draft (the draft is unchanged when it fails).
fn edit(draft: &mut Draft, command: Command<'_>) -> Result<()> {
    match command {
        Command::MailTo(list) => draft.add_to(list),
        Command::MailCc(list) => draft.add_cc(list),
        Command::MailBcc(list) => draft.add_bcc(list),
        Command::MailSubj(s) => draft.set_subject(s),
        Command::MailText(t) => {
            draft.add_text(t);
            Ok(())
        }
        Command::MailHtml(h) => {
            draft.add_html(h);
            Ok(())
        }
        Command::MailBodyF(path) => draft.set_html_file(path),
        Command::MailAtt(path, props) => draft.add_attachment(path, props),
        Command::MailPrty(p) => draft.set_priority(p),
        Command::MailReport(p) => draft.set_report(p),
        Command::MailHeader(h) => draft.add_header(h),
        Command::MailSmtp(_) | Command::MailPrep(..) | Command::MailSend | Command::MailEnd => {
            Err(Error::new(Code::Internal, format!("{} is not a message command", command.name())))
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.close_transport();
    }
}
