//! The message being composed between MAILPREP and MAILSEND.
//!
//! Every method checks its input completely before it changes anything, so a refused command
//! leaves the draft as it was.

use std::path::{Path, PathBuf};

use lettre::message::Mailbox;

use crate::address::parse_list;
use crate::error::{Code, Error, Result};
use crate::props::{self, Key, Kind, Props};

/// MAILPREP PARM2 properties.
pub const MAILPREP_KEYS: &[Key] = &[
    Key::new("subject", Kind::Text),
    Key::new("priority", Kind::Int { min: 0, max: 5 }),
    Key::new("charset", Kind::Choice(Charset::NAMES)),
    Key::new("report", Kind::Bool),
];

/// MAILATT PARM2 properties.
pub const MAILATT_KEYS: &[Key] =
    &[Key::new("name", Kind::Text), Key::new("type", Kind::Text), Key::new("inline", Kind::Bool), Key::new("cid", Kind::Text)];

/// MAILREPORT PARM1 properties.
pub const MAILREPORT_KEYS: &[Key] = &[Key::new("delivery", Kind::Bool), Key::new("read", Kind::Bool)];

/// Header names MAILHEADER refuses: the ones lncmail writes itself.
const STRUCTURAL_HEADERS: &[&str] =
    &["from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version", "sender", "reply-to"];

/// The body charset (SPEC section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Charset {
    /// UTF-8 (default; `Unicode` is taken as UTF-8).
    #[default]
    Utf8,
    /// US-ASCII: a non-ASCII character fails MAILSEND with code 3.
    Ascii,
    /// ISO-8859-1 (Latin-1).
    Latin1,
    /// ISO-8859-15 (Latin-9, with the euro sign).
    Latin9,
    /// Windows-1252.
    Windows1252,
}

impl Charset {
    /// The names `charset=` accepts.
    pub const NAMES: &'static [&'static str] =
        &["UTF-8", "Unicode", "ASCII", "US-ASCII", "ISO-8859-1", "ISO-8859-15", "Windows-1252"];

    /// The charset for an accepted name (case-insensitive).
    pub fn from_name(name: &str) -> Option<Charset> {
        Some(match name.to_ascii_uppercase().as_str() {
            "UTF-8" | "UNICODE" => Charset::Utf8,
            "ASCII" | "US-ASCII" => Charset::Ascii,
            "ISO-8859-1" => Charset::Latin1,
            "ISO-8859-15" => Charset::Latin9,
            "WINDOWS-1252" => Charset::Windows1252,
            _ => return None,
        })
    }

    /// The MIME name, as written in `Content-Type: ...; charset=`.
    pub fn mime_name(self) -> &'static str {
        match self {
            Charset::Utf8 => "utf-8",
            Charset::Ascii => "us-ascii",
            Charset::Latin1 => "iso-8859-1",
            Charset::Latin9 => "iso-8859-15",
            Charset::Windows1252 => "windows-1252",
        }
    }
}

/// An attachment: the file is checked at MAILATT and read at MAILSEND.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file to attach.
    pub path: PathBuf,
    /// The file name shown to the recipient.
    pub name: String,
    /// The MIME type.
    pub content_type: String,
    /// Shown inline (an image referenced from the HTML) rather than as an attachment.
    pub inline: bool,
    /// The Content-ID, for `cid:` references from the HTML.
    pub cid: Option<String>,
}

/// The message being composed.
///
/// ```
/// use lncmail::draft::Draft;
/// let mut d = Draft::new("you@example.com", "subject=\"Hi\"", false).unwrap();
/// d.add_text("Hello");
/// d.add_text("World");
/// assert_eq!(d.text.as_deref(), Some("Hello\nWorld\n"));
/// assert_eq!(d.subject.as_deref(), Some("Hi"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    /// `To` recipients.
    pub to: Vec<Mailbox>,
    /// `Cc` recipients.
    pub cc: Vec<Mailbox>,
    /// Blind recipients: in the envelope only.
    pub bcc: Vec<Mailbox>,
    /// The subject.
    pub subject: Option<String>,
    /// The plain text body, one line per MAILTEXT (`\n` line ends; CRLF on the wire).
    pub text: Option<String>,
    /// The HTML body.
    pub html: Option<String>,
    /// Attachments and inline images, in the order given.
    pub attachments: Vec<Attachment>,
    /// Priority 0-5 (0-1 low, 2-3 normal, 4-5 high).
    pub priority: Option<u8>,
    /// Ask for a read report (`Disposition-Notification-To`).
    pub read_report: bool,
    /// Ask for delivery reports (DSN).
    pub delivery_report: bool,
    /// Custom headers from MAILHEADER.
    pub headers: Vec<(String, String)>,
    /// The body charset.
    pub charset: Charset,
    /// Whether addresses get the strict RFC 5322 check (`checkMail`).
    pub check_mail: bool,
}

/// Checks a value bound for a header: no CR or LF (header injection), no NUL (RFC 5322 forbids
/// it anywhere in a message and C-based mail software reads it as the end of the line), and no
/// word so long that the header line would pass the 998-octet limit of RFC 5322 (headers are
/// folded at blanks only).
pub(crate) fn header_safe(what: &str, value: &str) -> Result<()> {
    if value.contains(['\r', '\n']) {
        return Err(Error::new(
            Code::InvalidProperty,
            format!("{what} contains a line break; refused (header injection)"),
        ));
    }
    if value.contains('\0') {
        return Err(Error::new(Code::InvalidProperty, format!("{what} contains a NUL character; refused")));
    }
    if let Some(word) = value.split_whitespace().find(|w| w.chars().count() > MAX_HEADER_WORD) {
        return Err(Error::new(
            Code::InvalidProperty,
            format!(
                "{what} has a word of {} characters without a blank; a header line holds at most 998 (keep words under {MAX_HEADER_WORD})",
                word.chars().count()
            ),
        ));
    }
    Ok(())
}

/// The longest word accepted in a header value, leaving room for the header's name.
pub(crate) const MAX_HEADER_WORD: usize = 900;

impl Draft {
    /// MAILPREP: a new draft with its `To` recipients (PARM1) and properties (PARM2).
    pub fn new(to: &str, properties: &str, check_mail: bool) -> Result<Draft> {
        let p = props::parse("MAILPREP PARM2", properties, MAILPREP_KEYS)?;
        let to = parse_list(to, check_mail).map_err(|e| e.context("MAILPREP PARM1"))?;
        let mut draft = Draft { to, check_mail, ..Draft::default() };
        draft.apply_prep_props(&p)?;
        Ok(draft)
    }

    fn apply_prep_props(&mut self, p: &Props) -> Result<()> {
        if let Some(s) = p.text("subject") {
            header_safe("MAILPREP: property subject", s)?;
            self.subject = Some(s.to_string());
        }
        if let Some(n) = p.int("priority") {
            self.priority = Some(n as u8);
        }
        if let Some(c) = p.choice("charset") {
            self.charset = Charset::from_name(c).unwrap_or_default();
        }
        if p.bool("report") == Some(true) {
            self.read_report = true;
            self.delivery_report = true;
        }
        Ok(())
    }

    /// MAILTO: adds `To` recipients.
    pub fn add_to(&mut self, list: &str) -> Result<()> {
        let added = self.parse_recipients("MAILTO", list)?;
        self.to.extend(added);
        Ok(())
    }

    /// MAILCC: adds `Cc` recipients.
    pub fn add_cc(&mut self, list: &str) -> Result<()> {
        let added = self.parse_recipients("MAILCC", list)?;
        self.cc.extend(added);
        Ok(())
    }

    /// MAILBCC: adds blind recipients.
    pub fn add_bcc(&mut self, list: &str) -> Result<()> {
        let added = self.parse_recipients("MAILBCC", list)?;
        self.bcc.extend(added);
        Ok(())
    }

    fn parse_recipients(&self, command: &str, list: &str) -> Result<Vec<Mailbox>> {
        let added = parse_list(list, self.check_mail).map_err(|e| e.context(command))?;
        if added.is_empty() {
            return Err(Error::new(Code::MissingProperty, format!("{command}: PARM1 must name at least one address")));
        }
        Ok(added)
    }

    /// MAILSUBJ: sets the subject.
    pub fn set_subject(&mut self, subject: &str) -> Result<()> {
        header_safe("MAILSUBJ: the subject", subject)?;
        self.subject = Some(subject.to_string());
        Ok(())
    }

    /// MAILTEXT: appends a line to the text body.
    pub fn add_text(&mut self, line: &str) {
        let text = self.text.get_or_insert_with(String::new);
        text.push_str(line);
        text.push('\n');
    }

    /// MAILHTML: appends HTML to the HTML body.
    pub fn add_html(&mut self, html: &str) {
        self.html.get_or_insert_with(String::new).push_str(html);
    }

    /// MAILBODYF: sets the HTML body from a file (read now).
    pub fn set_html_file(&mut self, path: &str) -> Result<()> {
        let path = path.trim();
        if path.is_empty() {
            return Err(Error::new(Code::MissingProperty, "MAILBODYF: PARM1 must be the path of an HTML file"));
        }
        let bytes = std::fs::read(path)
            .map_err(|e| Error::new(Code::File, format!("MAILBODYF: cannot read '{path}': {e}")))?;
        let html = String::from_utf8(bytes)
            .map_err(|_| Error::new(Code::File, format!("MAILBODYF: '{path}' is not UTF-8 text")))?;
        self.html = Some(html);
        Ok(())
    }

    /// MAILATT: attaches a file (checked now, read at MAILSEND).
    pub fn add_attachment(&mut self, path: &str, properties: &str) -> Result<()> {
        let p = props::parse("MAILATT PARM2", properties, MAILATT_KEYS)?;
        let path_str = path.trim();
        if path_str.is_empty() {
            return Err(Error::new(Code::MissingProperty, "MAILATT: PARM1 must be the path of a file"));
        }
        let path = PathBuf::from(path_str);
        check_attachment(&path)?;
        let name = match p.text("name").map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => {
                header_safe("MAILATT: property name", n)?;
                n.to_string()
            }
            None => path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        };
        let name = sanitize_file_name(&name);
        let content_type = match p.text("type").map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => {
                if t.parse::<lettre::message::header::ContentType>().is_err() || t.contains(['\r', '\n']) {
                    return Err(Error::new(
                        Code::InvalidProperty,
                        format!("MAILATT: property type '{}' is not a MIME type such as application/pdf", props::shorten(t)),
                    ));
                }
                // A `name` parameter here would put an unsanitized file name (a path) into
                // Content-Type, which many mail readers prefer to the sanitized filename.
                let params_ok = t
                    .parse::<mime_guess::mime::Mime>()
                    .is_ok_and(|m| m.params().all(|(k, _)| k.as_str().eq_ignore_ascii_case("charset")));
                if !params_ok {
                    return Err(Error::new(
                        Code::InvalidProperty,
                        format!(
                            "MAILATT: property type '{}' may carry no parameter but charset (the file name is given with name=)",
                            props::shorten(t)
                        ),
                    ));
                }
                t.to_string()
            }
            None => mime_guess::from_path(&name).first_or_octet_stream().essence_str().to_string(),
        };
        let cid = match p.text("cid").map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => {
                let c = c.trim_start_matches('<').trim_end_matches('>');
                if c.chars().any(|ch| ch.is_whitespace() || ch.is_control() || "<>\"".contains(ch)) {
                    return Err(Error::new(
                        Code::InvalidProperty,
                        format!("MAILATT: property cid '{}' must be a word without blanks or <>", props::shorten(&c.escape_debug().to_string())),
                    ));
                }
                Some(c.to_string())
            }
            None => None,
        };
        let inline = p.bool("inline").unwrap_or(false) || cid.is_some();
        self.attachments.push(Attachment { path, name, content_type, inline, cid });
        Ok(())
    }

    /// MAILPRTY: `*HIGH`, `*NORMAL`, `*LOW` or 0-5.
    pub fn set_priority(&mut self, value: &str) -> Result<()> {
        let v = value.trim();
        let n = match v.to_ascii_uppercase().as_str() {
            "*HIGH" | "HIGH" => 5,
            "*NORMAL" | "NORMAL" => 3,
            "*LOW" | "LOW" => 1,
            other => match other.parse::<u8>() {
                Ok(n) if n <= 5 => n,
                _ => {
                    return Err(Error::new(
                        Code::InvalidProperty,
                        format!("MAILPRTY: expected *HIGH, *NORMAL, *LOW or 0-5, not '{}'", props::shorten(v)),
                    ))
                }
            },
        };
        self.priority = Some(n);
        Ok(())
    }

    /// MAILREPORT: `delivery`, `read`, or both when none is given.
    pub fn set_report(&mut self, properties: &str) -> Result<()> {
        let p = props::parse("MAILREPORT PARM1", properties, MAILREPORT_KEYS)?;
        let (delivery, read) = match (p.bool("delivery"), p.bool("read")) {
            (None, None) => (true, true),
            (d, r) => (d.unwrap_or(false), r.unwrap_or(false)),
        };
        self.delivery_report = delivery;
        self.read_report = read;
        Ok(())
    }

    /// MAILHEADER: `Name: value`.
    pub fn add_header(&mut self, header: &str) -> Result<()> {
        let (name, value) = header.split_once(':').ok_or_else(|| {
            Error::new(Code::InvalidProperty, "MAILHEADER: expected 'Name: value'")
        })?;
        let name = name.trim();
        let value = value.trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            return Err(Error::new(
                Code::InvalidProperty,
                format!("MAILHEADER: '{}' is not a header name (letters, digits and '-')", props::shorten(&name.escape_debug().to_string())),
            ));
        }
        let lower = name.to_ascii_lowercase();
        if STRUCTURAL_HEADERS.contains(&lower.as_str()) || lower.starts_with("content-") {
            return Err(Error::new(
                Code::InvalidProperty,
                format!("MAILHEADER: {name} is written by lncmail itself and cannot be set"),
            ));
        }
        header_safe(&format!("MAILHEADER: the value of {name}"), value)?;
        self.headers.push((name.to_string(), value.to_string()));
        Ok(())
    }

    /// Every envelope recipient (To, Cc, Bcc), without duplicates, in order.
    pub fn recipients(&self) -> Vec<lettre::Address> {
        let mut out: Vec<lettre::Address> = Vec::new();
        for m in self.to.iter().chain(&self.cc).chain(&self.bcc) {
            if !out.iter().any(|a: &lettre::Address| AsRef::<str>::as_ref(a).eq_ignore_ascii_case(AsRef::<str>::as_ref(&m.email))) {
                out.push(m.email.clone());
            }
        }
        out
    }
}

/// Checks that an attachment can be read now (code 7 otherwise).
pub fn check_attachment(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::new(Code::File, format!("MAILATT: cannot read '{}': {e}", path.display())))?;
    if !meta.is_file() {
        return Err(Error::new(Code::File, format!("MAILATT: '{}' is not a file", path.display())));
    }
    std::fs::File::open(path)
        .map_err(|e| Error::new(Code::File, format!("MAILATT: cannot read '{}': {e}", path.display())))?;
    Ok(())
}

/// A file name safe for a MIME header: no path, no control characters.
pub fn sanitize_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base.chars().map(|c| if c.is_control() { '_' } else { c }).collect();
    let clean = clean.trim().trim_start_matches('.').to_string();
    if clean.is_empty() {
        "attachment".to_string()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_commands_change_nothing() {
        let mut d = Draft::new("a@example.com", "", true).unwrap();
        let before = d.clone();
        assert_eq!(d.add_to("b@example.com;bad").unwrap_err().code(), Code::InvalidAddress);
        assert_eq!(d.set_subject("x\r\nBcc: e@vil.com").unwrap_err().code(), Code::InvalidProperty);
        assert_eq!(d.add_attachment("/nonexistent/file", "").unwrap_err().code(), Code::File);
        assert_eq!(d.set_priority("9").unwrap_err().code(), Code::InvalidProperty);
        assert_eq!(d.set_report("bogus").unwrap_err().code(), Code::InvalidProperty);
        assert_eq!(d.add_header("Subject: x").unwrap_err().code(), Code::InvalidProperty);
        assert_eq!(d.set_html_file("/nonexistent.html").unwrap_err().code(), Code::File);
        assert_eq!(d, before);
    }

    #[test]
    fn priorities() {
        let cases: &[(&str, u8)] = &[("*HIGH", 5), ("*high", 5), ("*NORMAL", 3), ("*LOW", 1), ("0", 0), ("4", 4)];
        let mut d = Draft::default();
        for (v, n) in cases {
            d.set_priority(v).unwrap();
            assert_eq!(d.priority, Some(*n), "{v}");
        }
    }

    #[test]
    fn reports() {
        let mut d = Draft::default();
        d.set_report("").unwrap();
        assert!(d.read_report && d.delivery_report);
        d.set_report("read").unwrap();
        assert!(d.read_report && !d.delivery_report);
        d.set_report("delivery").unwrap();
        assert!(!d.read_report && d.delivery_report);
    }

    #[test]
    fn headers() {
        let mut d = Draft::default();
        d.add_header("X-Job: 42").unwrap();
        assert_eq!(d.headers, vec![("X-Job".to_string(), "42".to_string())]);
        for bad in ["From: x", "content-type: x", "MIME-Version: 2", "No colon", "Bad Name: x", "X-A: b\nc"] {
            assert_eq!(d.add_header(bad).unwrap_err().code(), Code::InvalidProperty, "{bad}");
        }
    }

    #[test]
    fn file_names_are_sanitized() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name("C:\\x\\report.pdf"), "report.pdf");
        assert_eq!(sanitize_file_name("a\tb.txt"), "a_b.txt");
        assert_eq!(sanitize_file_name(".."), "attachment");
    }

    #[test]
    fn recipients_are_deduplicated() {
        let mut d = Draft::new("a@example.com", "", false).unwrap();
        d.add_cc("A@example.com, b@example.com").unwrap();
        d.add_bcc("c@example.com").unwrap();
        let r: Vec<String> = d.recipients().iter().map(|a| a.to_string()).collect();
        assert_eq!(r, vec!["a@example.com", "b@example.com", "c@example.com"]);
    }
}
