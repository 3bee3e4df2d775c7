//! MAILSMTP: the session's settings, parsed and validated once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::Mailbox;

use crate::address::parse_mailbox;
use crate::error::{Code, Error, Result};
use crate::props::{self, Key, Kind, Props};
use crate::secret::Secret;

/// Every MAILSMTP property (SPEC section 3): the one place their names and types are listed.
pub const MAILSMTP_KEYS: &[Key] = &[
    Key::new("Server", Kind::Text),
    Key::new("Sender", Kind::Text),
    Key::new("UserId", Kind::Text),
    Key::new("password", Kind::Text),
    Key::new("reply", Kind::Text),
    Key::new("logfile", Kind::Text),
    Key::new("port", Kind::Int { min: 1, max: 65535 }),
    Key { name: "enableSSL", kind: Kind::Bool, aliases: &["EnableSLL"] },
    Key { name: "SSLType", kind: Kind::Choice(&["TLS", "SMTPS"]), aliases: &["SSL Type"] },
    Key::new("Sign", Kind::Bool),
    Key::new("Encrypt", Kind::Bool),
    Key::new("Certif", Kind::Text),
    Key::new("PwdCertif", Kind::Text),
    Key::new("Timeout", Kind::Int { min: 1, max: 3600 }),
    Key::new("SecureHeaders", Kind::Bool),
    Key::new("WrapperSubject", Kind::Text),
    Key::new("checkMail", Kind::Bool),
    Key::new("useTestMode", Kind::Bool),
    Key::new("CAFile", Kind::Text),
    Key::new("Retries", Kind::Int { min: 0, max: 10 }),
    Key::new("FailedDir", Kind::Text),
    Key::new("RecipientCerts", Kind::Text),
    Key::new("Cipher", Kind::Choice(&["AES-256-CBC", "AES-128-CBC", "AES-128-GCM", "AES-256-GCM"])),
    Key::new("Helo", Kind::Text),
    Key::new("AuthMech", Kind::Choice(&["PLAIN", "LOGIN", "XOAUTH2"])),
    Key::new("AllowInsecureAuth", Kind::Bool),
];

/// Where messages go: chosen once, from `Server`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Server {
    /// `file:DIR`: each message written as an `.eml` file into DIR.
    File(PathBuf),
    /// `sendmail:` or `sendmail:/path`: handed to the local MTA's sendmail program.
    Sendmail(Option<PathBuf>),
    /// An SMTP server's host name or IP address.
    Smtp(String),
}

impl Server {
    /// Parses the `Server` property.
    ///
    /// ```
    /// use lncmail::settings::Server;
    /// assert_eq!(Server::parse("file:outbox").unwrap(), Server::File("outbox".into()));
    /// assert_eq!(Server::parse("sendmail:").unwrap(), Server::Sendmail(None));
    /// assert_eq!(Server::parse("smtp.example.com").unwrap(), Server::Smtp("smtp.example.com".into()));
    /// ```
    pub fn parse(value: &str) -> Result<Server> {
        let v = value.trim();
        let bad = |why: &str| {
            Error::new(Code::InvalidProperty, format!("MAILSMTP: property Server '{}': {why}", props::shorten(v)))
        };
        if let Some(dir) = strip_prefix_ci(v, "file:") {
            if dir.trim().is_empty() {
                return Err(bad("file: needs a folder, as in file:outbox"));
            }
            return Ok(Server::File(PathBuf::from(dir.trim())));
        }
        if let Some(path) = strip_prefix_ci(v, "sendmail:") {
            let path = path.trim();
            return Ok(Server::Sendmail(if path.is_empty() { None } else { Some(PathBuf::from(path)) }));
        }
        if v.is_empty() {
            return Err(bad("expected a host name, an IP address, file:DIR or sendmail:"));
        }
        if v.chars().any(|c| c.is_whitespace() || c.is_control() || "/;@\"'<>".contains(c)) {
            return Err(bad("expected a host name or an IP address (use port= for the port)"));
        }
        let host = v.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(v);
        Ok(Server::Smtp(host.to_string()))
    }

    /// The server as the log's `server` column shows it: host:port, or the transport URL.
    pub fn describe(&self, port: u16) -> String {
        match self {
            Server::File(dir) => format!("file:{}", dir.display()),
            Server::Sendmail(None) => "sendmail:".to_string(),
            Server::Sendmail(Some(p)) => format!("sendmail:{}", p.display()),
            Server::Smtp(h) if h.contains(':') => format!("[{h}]:{port}"),
            Server::Smtp(h) => format!("{h}:{port}"),
        }
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    if s.len() >= prefix.len() && s.is_char_boundary(prefix.len()) && s[..prefix.len()].eq_ignore_ascii_case(prefix)
    {
        Some(&s[prefix.len()..])
    } else {
        None
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// No TLS (`enableSSL=false`).
    None,
    /// Plain connection, then STARTTLS (RFC 3207), required.
    StartTls,
    /// TLS from the first byte (SMTPS, RFC 8314).
    Smtps,
}

/// The S/MIME content cipher (`Cipher`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cipher {
    /// AES-256-CBC (EnvelopedData), the default.
    Aes256Cbc,
    /// AES-128-CBC (EnvelopedData).
    Aes128Cbc,
    /// AES-128-GCM (AuthEnvelopedData, RFC 5083).
    Aes128Gcm,
    /// AES-256-GCM (AuthEnvelopedData, RFC 5083).
    Aes256Gcm,
}

/// The SMTP AUTH mechanism (`AuthMech`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMech {
    /// AUTH PLAIN (RFC 4616).
    Plain,
    /// AUTH LOGIN.
    Login,
    /// AUTH XOAUTH2 (the password holds an OAuth2 access token).
    Xoauth2,
}

/// The validated MAILSMTP settings of a session.
///
/// ```
/// use lncmail::settings::{Settings, Server};
/// let s = Settings::parse(r#"Server="file:outbox";Sender="Me <me@example.com>""#).unwrap();
/// assert_eq!(s.server, Server::File("outbox".into()));
/// assert_eq!(s.port, 25);
/// assert_eq!(s.sender.email.to_string(), "me@example.com");
/// ```
#[derive(Debug, Clone)]
pub struct Settings {
    /// `Server`.
    pub server: Server,
    /// `Sender`: envelope sender and `From:`.
    pub sender: Mailbox,
    /// `UserId` and `password` (or token), when AUTH is to be used.
    pub credentials: Option<(String, Secret)>,
    /// `reply`: `Reply-To:`.
    pub reply_to: Option<Mailbox>,
    /// `logfile`.
    pub logfile: Option<PathBuf>,
    /// `port`, with its default resolved.
    pub port: u16,
    /// `enableSSL` and `SSLType` together.
    pub security: Security,
    /// `Sign`.
    pub sign: bool,
    /// `Encrypt`.
    pub encrypt: bool,
    /// `Certif`.
    pub certif: Option<PathBuf>,
    /// `PwdCertif`.
    pub certif_password: Secret,
    /// `Timeout`.
    pub timeout: Duration,
    /// `SecureHeaders`.
    pub secure_headers: bool,
    /// `WrapperSubject`.
    pub wrapper_subject: String,
    /// `checkMail`.
    pub check_mail: bool,
    /// `useTestMode`.
    pub test_mode: bool,
    /// `CAFile`.
    pub ca_file: Option<PathBuf>,
    /// `Retries`.
    pub retries: u32,
    /// `FailedDir`.
    pub failed_dir: Option<PathBuf>,
    /// `RecipientCerts`.
    pub recipient_certs: Option<PathBuf>,
    /// `Cipher`.
    pub cipher: Cipher,
    /// `Helo`: the EHLO name; `None` means the machine's host name.
    pub helo: Option<String>,
    /// `AuthMech`; `None` means chosen from what the server offers.
    pub auth_mech: Option<AuthMech>,
    /// `AllowInsecureAuth`.
    pub allow_insecure_auth: bool,
}

impl Settings {
    /// Parses and validates MAILSMTP PARM1.
    pub fn parse(input: &str) -> Result<Settings> {
        Settings::from_props(&props::parse("MAILSMTP", input, MAILSMTP_KEYS)?)
    }

    /// Validates parsed MAILSMTP properties (defaults may have been filled in).
    pub fn from_props(p: &Props) -> Result<Settings> {
        let missing = |name: &str, why: &str| {
            Error::new(Code::MissingProperty, format!("MAILSMTP: property {name} is required{why}"))
        };
        let invalid = |msg: String| Error::new(Code::InvalidProperty, format!("MAILSMTP: {msg}"));
        let nonempty = |name: &str| p.text(name).map(str::trim).filter(|s| !s.is_empty());
        let path = |name: &str| nonempty(name).map(PathBuf::from);

        let server = Server::parse(nonempty("Server").ok_or_else(|| missing("Server", " (a host, file:DIR or sendmail:)"))?)?;
        let check_mail = p.bool("checkMail").unwrap_or(false);
        let sender_text = nonempty("Sender").ok_or_else(|| missing("Sender", " (the From address)"))?;
        let sender = parse_mailbox(sender_text, check_mail).map_err(|e| e.context("MAILSMTP: property Sender"))?;
        let reply_to = match nonempty("reply") {
            Some(r) => Some(parse_mailbox(r, check_mail).map_err(|e| e.context("MAILSMTP: property reply"))?),
            None => None,
        };

        let credentials = match (p.text("UserId"), p.text("password")) {
            (Some(u), Some(pw)) => {
                if u.chars().any(char::is_control) {
                    return Err(invalid("property UserId contains a control character".into()));
                }
                Some((u.to_string(), Secret::new(pw)))
            }
            (Some(_), None) => return Err(missing("password", " when UserId is given")),
            (None, Some(_)) => return Err(missing("UserId", " when password is given")),
            (None, None) => None,
        };

        let ssl_type = p.choice("SSLType");
        let security = match (p.bool("enableSSL"), ssl_type) {
            (Some(false), Some(t)) => {
                return Err(invalid(format!("SSLType={t} contradicts enableSSL=false")));
            }
            (Some(false), None) | (None, None) => Security::None,
            (_, Some("SMTPS")) => Security::Smtps,
            (Some(true), _) | (None, Some(_)) => Security::StartTls,
        };
        let port = match p.int("port") {
            Some(n) => n as u16,
            None if security == Security::Smtps => 465,
            None => 25,
        };

        let sign = p.bool("Sign").unwrap_or(false);
        let encrypt = p.bool("Encrypt").unwrap_or(false);
        let secure_headers = p.bool("SecureHeaders").unwrap_or(false);
        let certif = path("Certif");
        if (sign || encrypt) && certif.is_none() {
            return Err(missing("Certif", " by Sign and Encrypt (a .p12 file)"));
        }
        if secure_headers && !(sign || encrypt) {
            return Err(invalid("SecureHeaders needs Sign or Encrypt".into()));
        }
        let recipient_certs = path("RecipientCerts");
        if let Some(dir) = &recipient_certs {
            if !dir.is_dir() {
                return Err(Error::new(
                    Code::Certificate,
                    format!("MAILSMTP: property RecipientCerts: '{}' is not a readable folder", dir.display()),
                ));
            }
        }
        let ca_file = path("CAFile");
        if let Some(f) = &ca_file {
            check_readable_file("CAFile", f, Code::Certificate)?;
        }
        let failed_dir = path("FailedDir");
        if let Some(dir) = &failed_dir {
            if !dir.is_dir() {
                return Err(Error::new(
                    Code::File,
                    format!("MAILSMTP: property FailedDir: '{}' is not a folder", dir.display()),
                ));
            }
        }
        let helo = nonempty("Helo").map(str::to_string);
        if let Some(h) = &helo {
            if h.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(invalid(format!("property Helo '{}' must be a host name without blanks", props::shorten(&h.escape_debug().to_string()))));
            }
        }
        let wrapper_subject = p.text("WrapperSubject").unwrap_or("[...]").to_string();
        crate::draft::header_safe("MAILSMTP: property WrapperSubject", &wrapper_subject)?;

        Ok(Settings {
            server,
            sender,
            credentials,
            reply_to,
            logfile: path("logfile"),
            port,
            security,
            sign,
            encrypt,
            certif,
            certif_password: Secret::new(p.text("PwdCertif").unwrap_or("")),
            timeout: Duration::from_secs(p.int("Timeout").unwrap_or(60) as u64),
            secure_headers,
            wrapper_subject,
            check_mail,
            test_mode: p.bool("useTestMode").unwrap_or(false),
            ca_file,
            retries: p.int("Retries").unwrap_or(0) as u32,
            failed_dir,
            recipient_certs,
            cipher: match p.choice("Cipher") {
                Some("AES-128-CBC") => Cipher::Aes128Cbc,
                Some("AES-128-GCM") => Cipher::Aes128Gcm,
                Some("AES-256-GCM") => Cipher::Aes256Gcm,
                _ => Cipher::Aes256Cbc,
            },
            helo,
            auth_mech: match p.choice("AuthMech") {
                Some("PLAIN") => Some(AuthMech::Plain),
                Some("LOGIN") => Some(AuthMech::Login),
                Some("XOAUTH2") => Some(AuthMech::Xoauth2),
                _ => None,
            },
            allow_insecure_auth: p.bool("AllowInsecureAuth").unwrap_or(false),
        })
    }

    /// The server as the log shows it.
    pub fn server_description(&self) -> String {
        self.server.describe(self.port)
    }
}

fn check_readable_file(name: &str, path: &Path, code: Code) -> Result<()> {
    std::fs::File::open(path).map(|_| ()).map_err(|e| {
        Error::new(code, format!("MAILSMTP: property {name}: cannot read '{}': {e}", path.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"Server="file:out";Sender="me@example.com""#;

    fn with(extra: &str) -> Result<Settings> {
        Settings::parse(&format!("{BASE};{extra}"))
    }

    #[test]
    fn defaults() {
        let s = with("").unwrap();
        assert_eq!(s.port, 25);
        assert_eq!(s.security, Security::None);
        assert_eq!(s.timeout, Duration::from_secs(60));
        assert_eq!(s.retries, 0);
        assert_eq!(s.cipher, Cipher::Aes256Cbc);
        assert_eq!(s.wrapper_subject, "[...]");
        assert!(!s.test_mode && !s.check_mail && !s.sign && !s.encrypt);
    }

    #[test]
    fn security_and_ports() {
        let cases: &[(&str, Security, u16)] = &[
            ("enableSSL=true", Security::StartTls, 25),
            ("enableSSL=true;SSLType=TLS", Security::StartTls, 25),
            ("enableSSL=true;SSLType=SMTPS", Security::Smtps, 465),
            ("EnableSLL=yes;SSL Type=smtps;port=2465", Security::Smtps, 2465),
            ("SSLType=SMTPS", Security::Smtps, 465),
            ("enableSSL=false", Security::None, 25),
            ("port=587;enableSSL", Security::StartTls, 587),
        ];
        for (extra, sec, port) in cases {
            let s = with(extra).unwrap_or_else(|e| panic!("{extra}: {e}"));
            assert_eq!((s.security, s.port), (*sec, *port), "{extra}");
        }
    }

    #[test]
    fn refused() {
        let cases: &[(&str, Code, &str)] = &[
            (r#"Sender="me@example.com""#, Code::MissingProperty, "Server"),
            (r#"Server="file:out""#, Code::MissingProperty, "Sender"),
            (r#"Server="";Sender="me@example.com""#, Code::MissingProperty, "Server"),
            (r#"Server="file:";Sender="me@example.com""#, Code::InvalidProperty, "folder"),
            (r#"Server="a b";Sender="me@example.com""#, Code::InvalidProperty, "host"),
            (r#"Server="s";Sender="not-an-address""#, Code::InvalidAddress, "Sender"),
            (r#"Server="s";Sender="me@example.com";checkMail;reply="bad@""#, Code::InvalidAddress, "reply"),
            (r#"Server="s";Sender="me@example.com";UserId="u""#, Code::MissingProperty, "password"),
            (r#"Server="s";Sender="me@example.com";password="p""#, Code::MissingProperty, "UserId"),
            (r#"Server="s";Sender="me@example.com";Sign"#, Code::MissingProperty, "Certif"),
            (r#"Server="s";Sender="me@example.com";Encrypt"#, Code::MissingProperty, "Certif"),
            (r#"Server="s";Sender="me@example.com";SecureHeaders"#, Code::InvalidProperty, "SecureHeaders needs"),
            (r#"Server="s";Sender="me@example.com";enableSSL=false;SSLType=TLS"#, Code::InvalidProperty, "contradicts"),
            (r#"Server="s";Sender="me@example.com";Timeout=0"#, Code::InvalidProperty, "Timeout"),
            (r#"Server="s";Sender="me@example.com";Timeout=3601"#, Code::InvalidProperty, "Timeout"),
            (r#"Server="s";Sender="me@example.com";Retries=11"#, Code::InvalidProperty, "Retries"),
            (r#"Server="s";Sender="me@example.com";Cipher=DES"#, Code::InvalidProperty, "Cipher"),
            (r#"Server="s";Sender="me@example.com";AuthMech=CRAM-MD5"#, Code::InvalidProperty, "AuthMech"),
            (r#"Server="s";Sender="me@example.com";Helo="a b""#, Code::InvalidProperty, "Helo"),
            (r#"Server="s";Sender="me@example.com";CAFile="/nonexistent/ca.pem""#, Code::Certificate, "CAFile"),
            (r#"Server="s";Sender="me@example.com";FailedDir="/nonexistent/dir""#, Code::File, "FailedDir"),
            (r#"Server="s";Sender="me@example.com";RecipientCerts="/nonexistent""#, Code::Certificate, "RecipientCerts"),
            (r#"Server="s";Sender="me@example.com";WrapperSubject="a
b""#, Code::InvalidProperty, "WrapperSubject"),
            (r#"Server="s";Sender="me@example.com\r\nBcc: x@y.z""#, Code::InvalidProperty, "Sender"),
        ];
        for (input, code, word) in cases {
            let e = Settings::parse(&input.replace("\\r\\n", "\r\n")).expect_err(input);
            assert_eq!(e.code(), *code, "{input}: {e}");
            assert!(e.message().contains(word), "{input}: {e} lacks {word}");
        }
    }

    #[test]
    fn syntax_errors_never_quote_a_password() {
        for input in [
            r#"Server=s;Sender=me@example.com;UserId=u;password="p4ss"w0rd""#,
            r#"Server=s;Sender=me@example.com;UserId=u;password=p4ss"w0rd"#,
            r#"Server=s;Sender=me@example.com;UserId=u;password="p4ssw0rd"#,
            r#"Server=s;Sender=me@example.com;UserId=u;password="p4ssw0rd";password="p4ssw0rd""#,
            r#"Server=s;Sender=me@example.com;UserId=u;pasword="p4ssw0rd""#,
        ] {
            let e = Settings::parse(input).unwrap_err();
            assert!(!e.message().contains("p4ss") && !e.message().contains("w0rd"), "{e}");
        }
    }

    #[test]
    fn password_is_never_in_debug_output() {
        let s = with(r#"UserId="u";password="s3cr3t-pw";PwdCertif="p12-s3cr3t""#).unwrap();
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("s3cr3t"), "{dbg}");
    }
}
