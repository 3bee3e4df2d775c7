//! What a server announces in its EHLO reply (RFC 5321 section 4.1.1.1).
//!
//! lettre's `ServerInfo` knows STARTTLS, AUTH, 8BITMIME and SMTPUTF8 but not SIZE or DSN, which
//! the client needs to refuse an oversized message before any data (RFC 1870) and to ask for
//! delivery reports only where they are understood (RFC 3461).

use lettre::transport::smtp::response::Response;

/// The ESMTP extensions of one connection, read from its latest EHLO reply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extensions {
    /// `SIZE n` (RFC 1870): the largest message the server takes; `None` when not announced or
    /// announced without a limit (`SIZE` or `SIZE 0`).
    pub size: Option<u64>,
    /// `SIZE` announced at all: the client then declares the message size in MAIL FROM.
    pub size_declared: bool,
    /// `DSN` (RFC 3461).
    pub dsn: bool,
    /// `8BITMIME` (RFC 6152).
    pub eight_bit_mime: bool,
    /// `SMTPUTF8` (RFC 6531).
    pub smtputf8: bool,
    /// `STARTTLS` (RFC 3207).
    pub starttls: bool,
    /// `PIPELINING` (RFC 2920): MAIL, every RCPT and DATA may be written at once.
    pub pipelining: bool,
    /// `AUTH` mechanisms (RFC 4954), upper case, as announced.
    pub auth: Vec<String>,
}

impl Extensions {
    /// Reads the extension lines of an EHLO reply (the first line is the server's name).
    pub fn from_response(response: &Response) -> Extensions {
        Extensions::from_lines(response.message().skip(1))
    }

    /// Reads extension lines such as `SIZE 10240000` or `AUTH PLAIN LOGIN`.
    pub fn from_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> Extensions {
        let mut ext = Extensions::default();
        for line in lines {
            let mut words = line.split_whitespace();
            let Some(keyword) = words.next() else { continue };
            match keyword.to_ascii_uppercase().as_str() {
                "SIZE" => {
                    ext.size_declared = true;
                    ext.size = words.next().and_then(|n| n.parse::<u64>().ok()).filter(|n| *n > 0);
                }
                "DSN" => ext.dsn = true,
                "8BITMIME" => ext.eight_bit_mime = true,
                "SMTPUTF8" => ext.smtputf8 = true,
                "STARTTLS" => ext.starttls = true,
                "PIPELINING" => ext.pipelining = true,
                // Old servers announce `AUTH=PLAIN LOGIN` as well as (or instead of) `AUTH ...`.
                "AUTH" => ext.add_auth(words),
                k if k.starts_with("AUTH=") => {
                    ext.add_auth(std::iter::once(&keyword[5..]).chain(words));
                }
                _ => {}
            }
        }
        ext
    }

    fn add_auth<'a>(&mut self, mechanisms: impl Iterator<Item = &'a str>) {
        for m in mechanisms {
            let m = m.to_ascii_uppercase();
            if !m.is_empty() && !self.auth.contains(&m) {
                self.auth.push(m);
            }
        }
    }

    /// Whether the server offers an AUTH mechanism (by its upper-case name).
    pub fn offers_auth(&self, mechanism: &str) -> bool {
        self.auth.iter().any(|m| m == mechanism)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ehlo_lines_table() {
        struct Case {
            lines: &'static [&'static str],
            size: Option<u64>,
            size_declared: bool,
            dsn: bool,
            starttls: bool,
            auth: &'static [&'static str],
        }
        let cases = [
            Case { lines: &[], size: None, size_declared: false, dsn: false, starttls: false, auth: &[] },
            Case {
                lines: &["PIPELINING", "SIZE 10240000", "DSN", "STARTTLS"],
                size: Some(10_240_000),
                size_declared: true,
                dsn: true,
                starttls: true,
                auth: &[],
            },
            Case { lines: &["SIZE"], size: None, size_declared: true, dsn: false, starttls: false, auth: &[] },
            Case { lines: &["SIZE 0"], size: None, size_declared: true, dsn: false, starttls: false, auth: &[] },
            Case { lines: &["size 100", "dsn"], size: Some(100), size_declared: true, dsn: true, starttls: false, auth: &[] },
            Case { lines: &["SIZE abc"], size: None, size_declared: true, dsn: false, starttls: false, auth: &[] },
            Case {
                lines: &["AUTH PLAIN LOGIN", "AUTH=LOGIN XOAUTH2"],
                size: None,
                size_declared: false,
                dsn: false,
                starttls: false,
                auth: &["PLAIN", "LOGIN", "XOAUTH2"],
            },
            Case { lines: &["AUTH login", ""], size: None, size_declared: false, dsn: false, starttls: false, auth: &["LOGIN"] },
            Case { lines: &["X-UNKNOWN 1 2", "   "], size: None, size_declared: false, dsn: false, starttls: false, auth: &[] },
        ];
        for c in cases {
            let e = Extensions::from_lines(c.lines.iter().copied());
            assert_eq!(e.size, c.size, "{:?}", c.lines);
            assert_eq!(e.size_declared, c.size_declared, "{:?}", c.lines);
            assert_eq!(e.dsn, c.dsn, "{:?}", c.lines);
            assert_eq!(e.starttls, c.starttls, "{:?}", c.lines);
            assert_eq!(e.auth, c.auth.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "{:?}", c.lines);
        }
    }

    #[test]
    fn first_line_is_the_server_name() {
        let r: Response = "250-mail.example.com Hello\r\n250-DSN\r\n250 SIZE 5\r\n".parse().unwrap();
        let e = Extensions::from_response(&r);
        assert!(e.dsn);
        assert!(!e.pipelining);
        let r: Response = "250-mail.example.com\r\n250-pipelining\r\n250 8BITMIME\r\n".parse().unwrap();
        assert!(Extensions::from_response(&r).pipelining);
        assert_eq!(e.size, Some(5));
    }
}
