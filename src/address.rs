//! Addresses: parsing `"Display Name" <user@example.com>` lists and the RFC 5322 check.

use crate::error::{Code, Error, Result};
use lettre::message::Mailbox;
use lettre::Address;

/// Splits a recipient list on `;` and `,`, keeping separators that stand inside a quoted
/// display name or inside `<...>`. Empty entries are dropped.
///
/// ```
/// use lncmail::address::split_list;
/// assert_eq!(
///     split_list(r#"a@x.org; "Doe, John" <j@x.org>,b@x.org"#),
///     vec!["a@x.org", r#""Doe, John" <j@x.org>"#, "b@x.org"]
/// );
/// ```
pub fn split_list(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    let mut in_angle = false;
    let mut escaped = false;
    for c in list.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quote => {
                escaped = true;
                cur.push(c);
            }
            '"' if !in_angle => {
                in_quote = !in_quote;
                cur.push(c);
            }
            '<' if !in_quote => {
                in_angle = true;
                cur.push(c);
            }
            '>' if !in_quote => {
                in_angle = false;
                cur.push(c);
            }
            ';' | ',' if !in_quote && !in_angle => {
                push_trimmed(&mut out, &cur);
                cur.clear();
            }
            _ => cur.push(c),
        }
    }
    push_trimmed(&mut out, &cur);
    out
}

fn push_trimmed(out: &mut Vec<String>, s: &str) {
    let t = s.trim();
    if !t.is_empty() {
        out.push(t.to_string());
    }
}

/// Parses one address with an optional display name.
///
/// Accepted forms: `user@example.com`, `<user@example.com>`, `Name <user@example.com>`,
/// `"Name, with comma" <user@example.com>`. A CR, LF or other control character fails with
/// code 3 (header injection); an address that cannot be carried in a message fails with code 6.
/// With `strict` (the `checkMail` property), the address must also be a valid RFC 5322
/// addr-spec as the `email_address` crate checks it.
///
/// ```
/// use lncmail::address::parse_mailbox;
/// let m = parse_mailbox("\"Jean Dupont\" <jean@example.fr>", true).unwrap();
/// assert_eq!(m.name.as_deref(), Some("Jean Dupont"));
/// assert_eq!(m.email.to_string(), "jean@example.fr");
/// assert_eq!(parse_mailbox("no-at-sign", true).unwrap_err().code(), lncmail::Code::InvalidAddress);
/// ```
pub fn parse_mailbox(input: &str, strict: bool) -> Result<Mailbox> {
    let text = input.trim_matches(|c: char| c == ' ' || c == '\t');
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(Error::new(
            Code::InvalidProperty,
            format!(
                "address '{}' contains a control character ({}); line breaks in addresses are refused (header injection)",
                crate::props::shorten(&text.escape_debug().to_string()),
                c.escape_debug()
            ),
        ));
    }
    let (name, addr) = match (text.rfind('<'), text.ends_with('>')) {
        (Some(lt), true) => {
            let name = unquote(text[..lt].trim());
            (if name.is_empty() { None } else { Some(name) }, text[lt + 1..text.len() - 1].trim())
        }
        _ => (None, text),
    };
    if let Some(n) = &name {
        crate::draft::header_safe("the display name", n).map_err(|e| e.context(format!("address '{}'", crate::props::shorten(text))))?;
    }
    let bad = |why: &str| {
        Error::new(Code::InvalidAddress, format!("invalid address '{}': {why}", crate::props::shorten(text)))
    };
    if addr.is_empty() {
        return Err(bad("no address"));
    }
    if strict {
        if let Err(e) = addr.parse::<email_address::EmailAddress>() {
            return Err(bad(&format!("not an RFC 5322 addr-spec ({e})")));
        }
    }
    let email: Address = addr.parse().map_err(|e| bad(&format!("{e}")))?;
    Ok(Mailbox::new(name, email))
}

/// Removes the quotes of a quoted display name and its `\` escapes.
fn unquote(name: &str) -> String {
    match name.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                } else {
                    out.push(c);
                }
            }
            out
        }
        None => name.to_string(),
    }
}

/// Parses a whole list (`;` or `,` separated) into mailboxes; the first bad one fails the list.
pub fn parse_list(list: &str, strict: bool) -> Result<Vec<Mailbox>> {
    split_list(list).iter().map(|a| parse_mailbox(a, strict)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        // (input, display name, address)
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("a@example.com", None, "a@example.com"),
            (" a@example.com ", None, "a@example.com"),
            ("<a@example.com>", None, "a@example.com"),
            ("Ann <a@example.com>", Some("Ann"), "a@example.com"),
            ("\"Doe, John\" <j@example.com>", Some("Doe, John"), "j@example.com"),
            ("\"Say \\\"hi\\\"\" <j@example.com>", Some("Say \"hi\""), "j@example.com"),
            ("Jérôme Müller <jm@example.de>", Some("Jérôme Müller"), "jm@example.de"),
            ("user@[127.0.0.1]", None, "user@[127.0.0.1]"),
        ];
        for (input, name, addr) in cases {
            let m = parse_mailbox(input, true).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(m.name.as_deref(), *name, "{input}");
            assert_eq!(m.email.to_string(), *addr, "{input}");
        }
    }

    #[test]
    fn refused() {
        let cases: &[(&str, Code)] = &[
            ("", Code::InvalidAddress),
            ("plainword", Code::InvalidAddress),
            ("a@", Code::InvalidAddress),
            ("@example.com", Code::InvalidAddress),
            ("a b@example.com", Code::InvalidAddress),
            ("Ann <>", Code::InvalidAddress),
            ("a@example.com\r\nBcc: evil@example.com", Code::InvalidProperty),
            ("a@example.com\n", Code::InvalidProperty),
            ("Ann\r <a@example.com>", Code::InvalidProperty),
            ("a\0@example.com", Code::InvalidProperty),
        ];
        for (input, code) in cases {
            let e = parse_mailbox(input, true).expect_err(input);
            assert_eq!(e.code(), *code, "{input:?}: {e}");
        }
    }

    #[test]
    fn lists() {
        assert_eq!(split_list("a@x.org;b@x.org, c@x.org ;;"), vec!["a@x.org", "b@x.org", "c@x.org"]);
        assert_eq!(split_list("<a;b@x.org>"), vec!["<a;b@x.org>"]);
        let err = parse_list("a@x.org;bad;c@x.org", true).unwrap_err();
        assert!(err.message().contains("'bad'"), "{err}");
    }
}
