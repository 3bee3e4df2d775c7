//! One mail transaction (RFC 5321 section 3.3): MAIL FROM, one RCPT TO per recipient, DATA.
//! Each recipient's reply is kept, so refused recipients do not stop delivery to the others.
//!
//! When the server offers PIPELINING (RFC 2920), the RSET of a reused connection, MAIL, every
//! RCPT and DATA are written together and their replies read afterwards, in order: one round
//! trip instead of three or more, which is what a distant server costs per message.

use std::sync::OnceLock;

use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{MailBodyParameter, MailParameter, RcptParameter};

use super::connection::Connection;
use super::extensions::Extensions;
use super::failure::Failure;
use crate::error::Code;
use crate::transport::{Delivery, Outgoing, Refusal};

/// Remark for the result text when a delivery report was asked for and cannot be.
pub const DSN_NOT_OFFERED: &str = "delivery report not requested: the server does not offer DSN";

/// Why a transaction delivered nothing.
#[derive(Debug)]
pub enum Undelivered {
    /// A reused connection failed its RSET: the server had closed it. Open a new one and try
    /// again; this does not count as an attempt.
    Stale(Failure),
    /// The attempt failed.
    Failed(Failure),
}

impl From<Failure> for Undelivered {
    fn from(f: Failure) -> Undelivered {
        Undelivered::Failed(f)
    }
}

/// Pipelining is used when offered, unless `LNCMAIL_PIPELINING=off` is set (read once): an
/// undocumented switch for benchmarks that compare the same client with and without it.
fn pipelining_allowed() -> bool {
    static ALLOWED: OnceLock<bool> = OnceLock::new();
    *ALLOWED.get_or_init(|| !std::env::var("LNCMAIL_PIPELINING").is_ok_and(|v| v.eq_ignore_ascii_case("off")))
}

/// Sends one message on an open connection; `reset` first (RSET) when the connection carried
/// an earlier transaction.
pub fn deliver(conn: &mut Connection, message: &Outgoing<'_>, reset: bool) -> Result<Delivery, Undelivered> {
    let ext = conn.extensions.clone();
    let envelope = message.envelope;
    let size = message.bytes.len() as u64;
    if let Some(limit) = ext.size {
        if size > limit {
            return Err(Failure::fatal(
                Code::Rejected,
                format!("the message is {size} bytes, the server accepts at most {limit} bytes (SIZE); nothing was sent"),
            )
            .into());
        }
    }
    let non_ascii_address =
        !envelope.from.to_string().is_ascii() || envelope.recipients.iter().any(|r| !r.to_string().is_ascii());
    if non_ascii_address && !ext.smtputf8 {
        return Err(Failure::fatal(
            Code::Rejected,
            "an address is not ASCII and the server does not offer SMTPUTF8 (RFC 6531)",
        )
        .into());
    }
    if reset && conn.has_broken() {
        return Err(Undelivered::Stale(Failure::fatal_broken(Code::Connection, "connection already broken")));
    }

    let mut notes = Vec::new();
    if envelope.dsn && !ext.dsn {
        notes.push(DSN_NOT_OFFERED.to_string());
    }
    let commands = Commands::new(&ext, message, non_ascii_address);

    let (accepted, refused) = if ext.pipelining && pipelining_allowed() {
        pipelined(conn, &commands, reset)?
    } else {
        one_by_one(conn, &commands, reset)?
    };
    if accepted == 0 {
        return Err(every_recipient_refused(refused).into());
    }
    let reply = conn.data(message.bytes)?;
    Ok(Delivery { reply, refused, notes })
}

/// The envelope commands of one message, each with the step name used in errors.
struct Commands {
    /// `MAIL FROM:<...>` and the command line.
    mail: (String, String),
    /// One per recipient: the address, the step name and the command line.
    rcpts: Vec<(String, String, String)>,
}

impl Commands {
    fn new(ext: &Extensions, message: &Outgoing<'_>, non_ascii_address: bool) -> Commands {
        let envelope = message.envelope;
        let dsn = envelope.dsn && ext.dsn;
        let mut mail_params = Vec::new();
        if ext.size_declared {
            mail_params.push(MailParameter::Size(message.bytes.len()));
        }
        if !message.bytes.is_ascii() && ext.eight_bit_mime {
            mail_params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        if non_ascii_address {
            mail_params.push(MailParameter::SmtpUtfEight);
        }
        if dsn {
            // Headers only in a report: the message itself need not travel back.
            mail_params.push(MailParameter::Other { keyword: "RET".into(), value: Some("HDRS".into()) });
        }
        let from = &envelope.from;
        let mail = (format!("MAIL FROM:<{from}>"), Mail::new(Some(from.clone()), mail_params).to_string());
        let rcpts = envelope
            .recipients
            .iter()
            .map(|rcpt| {
                let params = if dsn {
                    vec![RcptParameter::Other { keyword: "NOTIFY".into(), value: Some("SUCCESS,FAILURE".into()) }]
                } else {
                    Vec::new()
                };
                (rcpt.to_string(), format!("RCPT TO:<{rcpt}>"), Rcpt::new(rcpt.clone(), params).to_string())
            })
            .collect();
        Commands { mail, rcpts }
    }
}

/// Without PIPELINING: each command waits for its reply.
fn one_by_one(conn: &mut Connection, commands: &Commands, reset: bool) -> Result<(usize, Vec<Refusal>), Undelivered> {
    if reset {
        conn.reset().map_err(Undelivered::Stale)?;
    }
    conn.command(&commands.mail.0, &commands.mail.1)?;
    let mut accepted = 0usize;
    let mut refused = Vec::new();
    for (address, step, line) in &commands.rcpts {
        match conn.command(step, line) {
            Ok(_) => accepted += 1,
            Err(f) if f.broken => return Err(f.into()),
            Err(f) => refused.push(refusal(address, f)),
        }
    }
    if accepted > 0 {
        conn.command("DATA", Data)?;
    }
    Ok((accepted, refused))
}

/// With PIPELINING: [RSET,] MAIL, every RCPT and DATA in one write, then their replies in the
/// same order. Every reply is read even after a refusal, so the next command finds the
/// dialogue in step.
fn pipelined(conn: &mut Connection, commands: &Commands, reset: bool) -> Result<(usize, Vec<Refusal>), Undelivered> {
    let mut group = String::with_capacity(64 * (commands.rcpts.len() + 3));
    if reset {
        group.push_str("RSET\r\n");
    }
    group.push_str(&commands.mail.1);
    for (_, _, line) in &commands.rcpts {
        group.push_str(line);
    }
    group.push_str(&Data.to_string());

    // A server may hold every reply of a group until it has handled the last command, so a
    // missing reply cannot be pinned on one command: name the group. A negative reply can
    // (replies come in order) and keeps its command's name.
    let label = format!(
        "the pipelined {}{}, {} RCPT TO and DATA",
        if reset { "RSET, " } else { "" },
        commands.mail.0,
        commands.rcpts.len()
    );
    let first_step = if reset { "RSET" } else { commands.mail.0.as_str() };
    // The first reply comes back with the write.
    let mut first = Some(conn.pipeline(first_step, &group));
    let mut next = |conn: &mut Connection, step: &str| {
        let r = match first.take() {
            Some(r) => r,
            None => conn.reply(step),
        };
        r.map_err(|mut f| {
            if f.reply.is_none() {
                f.message = f.message.replacen(step, &label, 1);
            }
            f
        })
    };
    if reset {
        next(conn, "RSET").map_err(|mut f| {
            f.broken = true;
            Undelivered::Stale(f)
        })?;
    }
    let mail = next(conn, &commands.mail.0);
    if let Err(f) = &mail {
        if f.broken {
            return Err(f.clone().into());
        }
    }
    let mut accepted = 0usize;
    let mut refused = Vec::new();
    for (address, step, _) in &commands.rcpts {
        match next(conn, step) {
            Ok(_) => accepted += 1,
            Err(f) if f.broken => return Err(f.into()),
            Err(f) => refused.push(refusal(address, f)),
        }
    }
    let data = next(conn, "DATA");
    if let Err(f) = &data {
        if f.broken {
            return Err(f.clone().into());
        }
    }
    // A refused MAIL makes the rest meaningless (the server answers them with 503): report it.
    mail?;
    match data {
        Ok(_) if accepted == 0 => {
            // DATA accepted with no recipient (RFC 2920 section 3.1): end the data at once with
            // the lone dot; there is nobody to deliver it to, whatever the server replies.
            if let Err(f) = conn.command("end of empty data", ".\r\n") {
                if f.broken {
                    return Err(f.into());
                }
            }
            Ok((0, refused))
        }
        Ok(_) => Ok((accepted, refused)),
        // With no recipient accepted the refused DATA is expected; report the recipients.
        Err(f) if accepted == 0 && !f.broken => Ok((0, refused)),
        Err(f) => Err(f.into()),
    }
}

fn refusal(address: &str, f: Failure) -> Refusal {
    Refusal { address: address.to_string(), reply: f.reply.unwrap_or(f.message) }
}

fn every_recipient_refused(refused: Vec<Refusal>) -> Failure {
    let any_transient = refused.iter().any(|r| r.reply.starts_with('4'));
    let list: Vec<String> = refused.iter().map(|r| format!("{} ({})", r.address, r.reply)).collect();
    let message = format!("every recipient was refused: {}", list.join("; "));
    // A temporary refusal of everyone may pass on a later attempt; nothing was sent yet.
    if any_transient {
        Failure { code: Code::Transient, message, retry: true, broken: false, reply: None }
    } else {
        Failure::fatal(Code::Rejected, message)
    }
}
