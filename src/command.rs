//! Command name + PARM1 + PARM2 -> a typed [`Command`]: the one place command names are known.

use crate::error::{Code, Error, Result};

/// A command with its arguments (blank arguments already mean "not given").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command<'a> {
    /// MAILSMTP: SMTP settings (properties).
    MailSmtp(&'a str),
    /// MAILPREP: start a message (To recipients, properties).
    MailPrep(&'a str, &'a str),
    /// MAILTO: add To recipients.
    MailTo(&'a str),
    /// MAILCC: add Cc recipients.
    MailCc(&'a str),
    /// MAILBCC: add blind recipients.
    MailBcc(&'a str),
    /// MAILSUBJ: set the subject.
    MailSubj(&'a str),
    /// MAILTEXT: append a line of text.
    MailText(&'a str),
    /// MAILHTML: append HTML.
    MailHtml(&'a str),
    /// MAILBODYF: HTML body from a file.
    MailBodyF(&'a str),
    /// MAILATT (alias MAILLATT): attach a file (path, properties).
    MailAtt(&'a str, &'a str),
    /// MAILPRTY: priority.
    MailPrty(&'a str),
    /// MAILREPORT: delivery and/or read reports (properties).
    MailReport(&'a str),
    /// MAILHEADER: a custom header.
    MailHeader(&'a str),
    /// MAILSEND: send the message.
    MailSend,
    /// MAILEND: back to NEW.
    MailEnd,
}

/// What a command takes, for parsing and for the reference documentation.
#[derive(Debug, Clone, Copy)]
pub struct CommandInfo {
    /// The command name.
    pub name: &'static str,
    /// Other accepted names.
    pub aliases: &'static [&'static str],
    /// What PARM1 is, or `None` when the command takes none.
    pub parm1: Option<&'static str>,
    /// What PARM2 is, or `None`.
    pub parm2: Option<&'static str>,
    /// Whether PARM1 must be given.
    pub parm1_required: bool,
}

const fn info(
    name: &'static str,
    parm1: Option<&'static str>,
    parm2: Option<&'static str>,
    parm1_required: bool,
) -> CommandInfo {
    CommandInfo { name, aliases: &[], parm1, parm2, parm1_required }
}

/// Every command, in the order of SPEC section 3.
pub const COMMANDS: &[CommandInfo] = &[
    info("MAILSMTP", Some("properties"), None, true),
    info("MAILPREP", Some("To addresses"), Some("properties"), false),
    info("MAILTO", Some("addresses"), None, true),
    info("MAILCC", Some("addresses"), None, true),
    info("MAILBCC", Some("addresses"), None, true),
    info("MAILSUBJ", Some("subject"), None, false),
    info("MAILTEXT", Some("text"), None, false),
    info("MAILHTML", Some("HTML"), None, true),
    info("MAILBODYF", Some("path of an HTML file"), None, true),
    CommandInfo {
        name: "MAILATT",
        aliases: &["MAILLATT"],
        parm1: Some("path of a file"),
        parm2: Some("properties"),
        parm1_required: true,
    },
    info("MAILPRTY", Some("*HIGH, *NORMAL, *LOW or 0-5"), None, true),
    info("MAILREPORT", Some("properties"), None, false),
    info("MAILHEADER", Some("Name: value"), None, true),
    info("MAILSEND", None, None, false),
    info("MAILEND", None, None, false),
];

/// Looks up a command by name (case-insensitive, blanks ignored).
pub fn lookup(name: &str) -> Option<&'static CommandInfo> {
    let name = name.trim();
    COMMANDS.iter().find(|c| c.name.eq_ignore_ascii_case(name) || c.aliases.iter().any(|a| a.eq_ignore_ascii_case(name)))
}

/// Parses a command and checks that its arguments are the ones it takes.
///
/// ```
/// use lncmail::command::{parse, Command};
/// assert_eq!(parse(" mailto ", "a@example.com", "").unwrap(), Command::MailTo("a@example.com"));
/// assert_eq!(parse("MAILLATT", "/tmp/x", "").unwrap(), Command::MailAtt("/tmp/x", ""));
/// assert_eq!(parse("MAILFOO", "", "").unwrap_err().code(), lncmail::Code::UnknownCommand);
/// ```
pub fn parse<'a>(name: &str, parm1: &'a str, parm2: &'a str) -> Result<Command<'a>> {
    let info = lookup(name).ok_or_else(|| {
        let known: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
        Error::new(
            Code::UnknownCommand,
            format!("unknown command '{}' (known: {})", crate::props::shorten(name.trim()), known.join(", ")),
        )
    })?;
    let given = |s: &str| !s.trim().is_empty();
    if info.parm1.is_none() && given(parm1) {
        return Err(Error::new(Code::InvalidProperty, format!("{} takes no PARM1", info.name)));
    }
    if info.parm2.is_none() && given(parm2) {
        return Err(Error::new(Code::InvalidProperty, format!("{} takes no PARM2", info.name)));
    }
    if info.parm1_required && !given(parm1) {
        return Err(Error::new(
            Code::MissingProperty,
            format!("{} needs PARM1 ({})", info.name, info.parm1.unwrap_or("")),
        ));
    }
    Ok(match info.name {
        "MAILSMTP" => Command::MailSmtp(parm1),
        "MAILPREP" => Command::MailPrep(parm1, parm2),
        "MAILTO" => Command::MailTo(parm1),
        "MAILCC" => Command::MailCc(parm1),
        "MAILBCC" => Command::MailBcc(parm1),
        "MAILSUBJ" => Command::MailSubj(parm1),
        "MAILTEXT" => Command::MailText(parm1),
        "MAILHTML" => Command::MailHtml(parm1),
        "MAILBODYF" => Command::MailBodyF(parm1),
        "MAILATT" => Command::MailAtt(parm1, parm2),
        "MAILPRTY" => Command::MailPrty(parm1),
        "MAILREPORT" => Command::MailReport(parm1),
        "MAILHEADER" => Command::MailHeader(parm1),
        "MAILSEND" => Command::MailSend,
        _ => Command::MailEnd,
    })
}

impl Command<'_> {
    /// The command's name.
    pub fn name(&self) -> &'static str {
        match self {
            Command::MailSmtp(_) => "MAILSMTP",
            Command::MailPrep(..) => "MAILPREP",
            Command::MailTo(_) => "MAILTO",
            Command::MailCc(_) => "MAILCC",
            Command::MailBcc(_) => "MAILBCC",
            Command::MailSubj(_) => "MAILSUBJ",
            Command::MailText(_) => "MAILTEXT",
            Command::MailHtml(_) => "MAILHTML",
            Command::MailBodyF(_) => "MAILBODYF",
            Command::MailAtt(..) => "MAILATT",
            Command::MailPrty(_) => "MAILPRTY",
            Command::MailReport(_) => "MAILREPORT",
            Command::MailHeader(_) => "MAILHEADER",
            Command::MailSend => "MAILSEND",
            Command::MailEnd => "MAILEND",
        }
    }
}
