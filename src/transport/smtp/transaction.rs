//! One mail transaction (RFC 5321 section 3.3): MAIL FROM, one RCPT TO per recipient, DATA.
//! Each recipient's reply is kept, so refused recipients do not stop delivery to the others.

use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{MailBodyParameter, MailParameter, RcptParameter};

use super::connection::Connection;
use super::failure::Failure;
use crate::error::Code;
use crate::transport::{Delivery, Outgoing, Refusal};

/// Remark for the result text when a delivery report was asked for and cannot be.
pub const DSN_NOT_OFFERED: &str = "delivery report not requested: the server does not offer DSN";

/// Sends one message on an open connection.
pub fn deliver(conn: &mut Connection, message: &Outgoing<'_>) -> Result<Delivery, Failure> {
    let ext = conn.extensions.clone();
    let envelope = message.envelope;
    let size = message.bytes.len() as u64;
    if let Some(limit) = ext.size {
        if size > limit {
            return Err(Failure::fatal(
                Code::Rejected,
                format!("the message is {size} bytes, the server accepts at most {limit} bytes (SIZE); nothing was sent"),
            ));
        }
    }
    let non_ascii_address =
        !envelope.from.to_string().is_ascii() || envelope.recipients.iter().any(|r| !r.to_string().is_ascii());
    if non_ascii_address && !ext.smtputf8 {
        return Err(Failure::fatal(
            Code::Rejected,
            "an address is not ASCII and the server does not offer SMTPUTF8 (RFC 6531)",
        ));
    }

    let mut notes = Vec::new();
    let dsn = envelope.dsn && ext.dsn;
    if envelope.dsn && !ext.dsn {
        notes.push(DSN_NOT_OFFERED.to_string());
    }

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
    conn.command(&format!("MAIL FROM:<{from}>"), Mail::new(Some(from.clone()), mail_params))?;

    let mut accepted = 0usize;
    let mut refused = Vec::new();
    let mut any_transient = false;
    for rcpt in &envelope.recipients {
        let params = if dsn {
            vec![RcptParameter::Other { keyword: "NOTIFY".into(), value: Some("SUCCESS,FAILURE".into()) }]
        } else {
            Vec::new()
        };
        match conn.command(&format!("RCPT TO:<{rcpt}>"), Rcpt::new(rcpt.clone(), params)) {
            Ok(_) => accepted += 1,
            Err(f) if f.broken => return Err(f),
            Err(f) => {
                any_transient |= f.code == Code::Transient;
                let reply = f.reply.unwrap_or(f.message);
                refused.push(Refusal { address: rcpt.to_string(), reply });
            }
        }
    }
    if accepted == 0 {
        let list: Vec<String> = refused.iter().map(|r| format!("{} ({})", r.address, r.reply)).collect();
        let message = format!("every recipient was refused: {}", list.join("; "));
        // A temporary refusal of everyone may pass on a later attempt; nothing was sent yet.
        return Err(if any_transient {
            Failure { code: Code::Transient, message, retry: true, broken: false, reply: None }
        } else {
            Failure::fatal(Code::Rejected, message)
        });
    }

    conn.command("DATA", Data)?;
    let reply = conn.data(message.bytes)?;
    Ok(Delivery { reply, refused, notes })
}
