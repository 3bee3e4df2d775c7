//! Splitting a composed message into its outer headers and its MIME entity, and writing the
//! S/MIME wrappers (RFC 8551 sections 3.4 and 3.5) around entities, as bytes.
//!
//! Everything here works on the exact bytes that go on the wire: what is signed is the entity
//! as it is placed between the boundaries, so nothing may be re-encoded afterwards.

use memchr::memmem;
use lettre::message::header::{ContentTransferEncoding, HeaderName, HeaderValue, Headers};
use lettre::message::Body;

use crate::error::{Code, Error, Result};

/// One header field as it appears in the message, continuation lines and final CRLF included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<'a> {
    /// The field name as written (`Content-Type`).
    pub name: &'a str,
    /// The whole field, `Name: value\r\n` with any folded lines.
    pub raw: &'a [u8],
}

impl Field<'_> {
    fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    fn is_content(&self) -> bool {
        self.name.len() >= 8 && self.name[..8].eq_ignore_ascii_case("Content-")
    }
}

fn internal(what: &str) -> Error {
    Error::new(Code::Internal, format!("MAILSEND: S/MIME: {what}"))
}

/// Splits a message (CRLF line ends) into its header fields and its body.
pub fn split(message: &[u8]) -> Result<(Vec<Field<'_>>, &[u8])> {
    let (head, body) = match memmem::find(message, b"\r\n\r\n") {
        Some(i) => (&message[..i + 2], &message[i + 4..]),
        None => return Err(internal("the composed message has no end of headers")),
    };
    let mut fields: Vec<Field<'_>> = Vec::new();
    let mut start = 0;
    while start < head.len() {
        // A field runs until a CRLF not followed by a blank (folding, RFC 5322 section 2.2.3).
        let mut end = start;
        loop {
            let Some(i) = memmem::find(&head[end..], b"\r\n") else {
                return Err(internal("a header line does not end with CRLF"));
            };
            end += i + 2;
            if end >= head.len() || !matches!(head[end], b' ' | b'\t') {
                break;
            }
        }
        let raw = &head[start..end];
        let colon = raw.iter().position(|&b| b == b':').ok_or_else(|| internal("a header line has no ':'"))?;
        let name = std::str::from_utf8(&raw[..colon]).map_err(|_| internal("a header name is not ASCII"))?;
        fields.push(Field { name: name.trim(), raw });
        start = end;
    }
    Ok((fields, body))
}

/// The MIME entity of a message: its `Content-*` fields and its body.
pub fn content_entity(fields: &[Field<'_>], body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 512);
    for f in fields.iter().filter(|f| f.is_content()) {
        out.extend_from_slice(f.raw);
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

// `forwarded=no` tells receivers this is header protection, not a forwarded message (the
// parameter the IETF header-protection work, RFC 9788, gives this wrapped form).
const RFC822_HEAD: &[u8] = b"Content-Type: message/rfc822; forwarded=no\r\n\r\n";

/// The whole message as a `message/rfc822` entity (header protection, RFC 8551 section 3.1).
pub fn rfc822_entity(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 64);
    out.extend_from_slice(RFC822_HEAD);
    out.extend_from_slice(message);
    out
}

/// The outer fields without header protection: every field but `Content-*` and
/// `MIME-Version` (written again by [`assemble`]).
pub fn outer_fields(fields: &[Field<'_>]) -> Vec<u8> {
    fields
        .iter()
        .filter(|f| !f.is_content() && !f.is("MIME-Version"))
        .flat_map(|f| f.raw.iter().copied())
        .collect()
}

/// Fields the outer message keeps with `SecureHeaders` (SPEC section 5).
const KEPT_OUTSIDE: [&str; 5] = ["From", "To", "Cc", "Date", "Message-ID"];

/// The outer fields with header protection: From, To, Cc, Date, Message-ID and `Subject:`
/// set to the wrapper subject (RFC 2047-encoded when it is not ASCII).
pub fn protected_outer_fields(fields: &[Field<'_>], wrapper_subject: &str) -> Result<Vec<u8>> {
    let mut out: Vec<u8> = fields
        .iter()
        .filter(|f| KEPT_OUTSIDE.iter().any(|k| f.is(k)))
        .flat_map(|f| f.raw.iter().copied())
        .collect();
    let name = HeaderName::new_from_ascii("Subject".to_string()).map_err(|_| internal("header name"))?;
    let mut headers = Headers::new();
    headers.insert_raw(HeaderValue::new(name, wrapper_subject.to_string()));
    out.extend_from_slice(headers.to_string().as_bytes());
    Ok(out)
}

/// The final message: outer fields, `MIME-Version`, then the wrapper entity (its own
/// `Content-*` fields, blank line, body).
pub fn assemble(outer: &[u8], entity: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(outer.len() + entity.len() + 32);
    out.extend_from_slice(outer);
    out.extend_from_slice(b"MIME-Version: 1.0\r\n");
    out.extend_from_slice(entity);
    out
}

/// Fails unless the bytes can travel through any SMTP relay unchanged: 7-bit, no NUL, CR and
/// LF only as CRLF, lines of at most 998 characters (RFC 5322 section 2.1.1). A relay that
/// re-encodes a signed entity breaks its signature (lettre issue 1025).
pub fn check_seven_bit(bytes: &[u8]) -> Result<()> {
    if seven_bit_lines(bytes) {
        return Ok(());
    }
    // Something is wrong: find the first offending byte, for the message.
    let mut line = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                line = 0;
                i += 2;
                continue;
            }
            b'\r' | b'\n' => return Err(internal(&format!("a bare CR or LF at byte {i} of the entity to protect"))),
            0 => return Err(internal(&format!("a NUL byte at byte {i} of the entity to protect"))),
            0x80..=0xff => return Err(internal(&format!("an 8-bit byte at byte {i} of the entity to protect"))),
            _ => {}
        }
        line += 1;
        if line > 998 {
            return Err(internal(&format!("a line longer than 998 characters at byte {i} of the entity to protect")));
        }
        i += 1;
    }
    Ok(())
}

/// The fast pass of [`check_seven_bit`]: line by line, with a check of each line's bytes that
/// the compiler vectorizes (a 1 MiB entity is checked before every signature).
fn seven_bit_lines(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    loop {
        let newline = rest.iter().position(|&b| b == b'\n');
        let line = match newline {
            Some(i) => match rest[..i].strip_suffix(b"\r") {
                Some(line) => line,
                None => return false,
            },
            None => rest,
        };
        let bad = line.iter().fold(false, |bad, &b| bad | (b == b'\r') | (b == 0) | (b >= 0x80));
        if bad || line.len() > 998 {
            return false;
        }
        match newline {
            Some(i) => rest = &rest[i + 1..],
            None => return true,
        }
    }
}

/// Base64 of DER, 76-character CRLF lines, ending with CRLF (lettre's encoder).
fn base64_lines(der: &[u8]) -> Result<Vec<u8>> {
    let mut b = Body::new_with_encoding(der.to_vec(), ContentTransferEncoding::Base64)
        .map_err(|_| internal("base64 encoding refused"))?
        .into_vec();
    if !b.ends_with(b"\r\n") {
        b.extend_from_slice(b"\r\n");
    }
    Ok(b)
}

/// A boundary that does not occur in the content, given as pieces. A boundary holds no CR or
/// LF and every piece but the first starts a line, so no occurrence can straddle two pieces.
fn boundary(content: &[&[u8]]) -> Result<String> {
    for _ in 0..8 {
        let mut random = [0u8; 18];
        openssl::rand::rand_bytes(&mut random).map_err(|_| internal("no randomness for a boundary"))?;
        let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let b = format!("=_lncmail_signed_{hex}");
        if content.iter().all(|piece| memmem::find(piece, b.as_bytes()).is_none()) {
            return Ok(b);
        }
    }
    Err(internal("no boundary could be found that is absent from the content"))
}

fn signed_head(b: &str) -> String {
    format!(
        "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n \
         micalg=sha-256; boundary=\"{b}\"\r\n\r\n\
         This is an S/MIME signed message.\r\n\r\n--{b}\r\n"
    )
}

// The CRLF before a boundary belongs to the boundary (RFC 2046 section 5.1.1), so the signed
// bytes are exactly the entity.
fn signature_head(b: &str) -> String {
    format!(
        "\r\n--{b}\r\n\
         Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"smime.p7s\"\r\n\
         Content-Description: S/MIME Cryptographic Signature\r\n\r\n"
    )
}

/// `multipart/signed` (RFC 8551 section 3.5, RFC 1847): the entity exactly as signed, then the
/// detached signature as `smime.p7s`.
pub fn signed_entity(entity: &[u8], signature_der: &[u8]) -> Result<Vec<u8>> {
    let b = boundary(&[entity])?;
    let sig = base64_lines(signature_der)?;
    let mut out = Vec::with_capacity(entity.len() + sig.len() + 512);
    out.extend_from_slice(signed_head(&b).as_bytes());
    out.extend_from_slice(entity);
    out.extend_from_slice(signature_head(&b).as_bytes());
    out.extend_from_slice(&sig);
    out.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    Ok(out)
}

/// The whole signed message, as [`assemble`] of [`signed_entity`] gives it, built in one buffer:
/// the entity (the concatenated `pieces`) is written straight into the message and signed
/// there, so a large message is held twice (the composed one and this) rather than four times.
pub fn signed_message(
    outer: &[u8],
    pieces: &[&[u8]],
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>>,
) -> Result<Vec<u8>> {
    let b = boundary(pieces)?;
    let entity_len: usize = pieces.iter().map(|p| p.len()).sum();
    let mut out = Vec::with_capacity(outer.len() + entity_len + 4096);
    out.extend_from_slice(outer);
    out.extend_from_slice(b"MIME-Version: 1.0\r\n");
    out.extend_from_slice(signed_head(&b).as_bytes());
    let start = out.len();
    for p in pieces {
        out.extend_from_slice(p);
    }
    let entity = &out[start..];
    check_seven_bit(entity)?;
    let sig = base64_lines(&sign(entity)?)?;
    out.extend_from_slice(signature_head(&b).as_bytes());
    out.extend_from_slice(&sig);
    out.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    Ok(out)
}

/// The pieces of [`content_entity`], without copying the body.
pub fn content_pieces<'a>(fields: &[Field<'a>], body: &'a [u8]) -> Vec<&'a [u8]> {
    let mut pieces: Vec<&[u8]> = fields.iter().filter(|f| f.is_content()).map(|f| f.raw).collect();
    pieces.push(b"\r\n");
    pieces.push(body);
    pieces
}

/// The pieces of [`rfc822_entity`], without copying the message.
pub fn rfc822_pieces(message: &[u8]) -> Vec<&[u8]> {
    vec![RFC822_HEAD, message]
}

/// `application/pkcs7-mime` (RFC 8551 section 3.3): EnvelopedData, or AuthEnvelopedData for
/// GCM ciphers (`smime-type=authEnveloped-data`, RFC 8551 section 3.3 and RFC 5083).
pub fn enveloped_entity(der: &[u8], authenticated: bool) -> Result<Vec<u8>> {
    let smime_type = if authenticated { "authEnveloped-data" } else { "enveloped-data" };
    let mut out = format!(
        "Content-Type: application/pkcs7-mime; smime-type={smime_type}; name=\"smime.p7m\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"smime.p7m\"\r\n\
         Content-Description: S/MIME Encrypted Message\r\n\r\n"
    )
    .into_bytes();
    out.extend_from_slice(&base64_lines(der)?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_folded_fields_whole() {
        let m = b"From: a@example.com\r\nSubject: one\r\n two\r\nContent-Type: text/plain;\r\n\tcharset=utf-8\r\nMIME-Version: 1.0\r\n\r\nbody\r\n";
        let (fields, body) = split(m).unwrap();
        let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
        assert_eq!(names, ["From", "Subject", "Content-Type", "MIME-Version"]);
        assert_eq!(fields[1].raw, b"Subject: one\r\n two\r\n");
        assert_eq!(body, b"body\r\n");
        assert_eq!(content_entity(&fields, body), b"Content-Type: text/plain;\r\n\tcharset=utf-8\r\n\r\nbody\r\n");
        assert_eq!(outer_fields(&fields), b"From: a@example.com\r\nSubject: one\r\n two\r\n");
    }

    #[test]
    fn split_refuses_a_message_without_header_end() {
        assert_eq!(split(b"From: a@example.com\r\n").unwrap_err().code(), Code::Internal);
    }

    #[test]
    fn protected_outer_keeps_only_the_listed_fields() {
        let m = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: secret\r\nReply-To: c@example.com\r\nDate: x\r\nMessage-ID: <1@x>\r\nX-Priority: 1\r\n\r\n";
        let (fields, _) = split(m).unwrap();
        let outer = String::from_utf8(protected_outer_fields(&fields, "[...]").unwrap()).unwrap();
        assert_eq!(outer, "From: a@example.com\r\nTo: b@example.com\r\nDate: x\r\nMessage-ID: <1@x>\r\nSubject: [...]\r\n");
        let encoded = String::from_utf8(protected_outer_fields(&fields, "Réunion").unwrap()).unwrap();
        assert!(encoded.contains("Subject: =?utf-8?"), "{encoded}");
    }

    #[test]
    fn signed_message_in_one_buffer_equals_the_assembled_signed_entity() {
        fn same_boundary(bytes: &[u8]) -> String {
            let text = String::from_utf8(bytes.to_vec()).unwrap();
            let start = text.find("boundary=\"").unwrap() + 10;
            let b = &text[start..start + text[start..].find('"').unwrap()];
            text.replace(b, "BOUNDARY")
        }
        let message = b"From: a@example.com\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\
                        Content-Transfer-Encoding: 7bit\r\n\r\nline one\r\n.line two\r\n";
        let (fields, body) = split(message).unwrap();
        let outer = outer_fields(&fields);
        for (pieces, entity) in [
            (content_pieces(&fields, body), content_entity(&fields, body)),
            (rfc822_pieces(message), rfc822_entity(message)),
        ] {
            assert_eq!(pieces.concat(), entity);
            let mut signed = Vec::new();
            let one = signed_message(&outer, &pieces, |e| {
                signed = e.to_vec();
                Ok(vec![0x30, 0x03, 0x02, 0x01, 0x05])
            })
            .unwrap();
            assert_eq!(signed, entity, "the signature covers exactly the entity");
            let two = assemble(&outer, &signed_entity(&entity, &[0x30, 0x03, 0x02, 0x01, 0x05]).unwrap());
            assert_eq!(same_boundary(&one), same_boundary(&two));
        }
    }

    #[test]
    fn seven_bit_check_table() {
        let long = vec![b'a'; 999];
        let long_line = [&long[..998], b"\r\nx"].concat();
        let cases: [(&[u8], bool); 11] = [
            (b"", true),
            (b"abc\r", false),
            (b"\r\n\r\n", true),
            (&long_line, true),
            (b"abc\r\ndef\r\n", true),
            (b"abc\ndef", false),
            (b"abc\rdef", false),
            (b"caf\xc3\xa9", false),
            (b"a\0b", false),
            (&long, false),
            (&long[..998], true),
        ];
        for (input, ok) in cases {
            assert_eq!(check_seven_bit(input).is_ok(), ok, "{:?}", String::from_utf8_lossy(input));
            assert_eq!(seven_bit_lines(input), ok, "fast pass: {:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn signed_entity_holds_the_entity_verbatim_between_boundaries() {
        let entity = b"Content-Type: text/plain\r\n\r\nhello\r\n";
        let out = signed_entity(entity, b"\x30\x03\x02\x01\x01").unwrap();
        let text = String::from_utf8(out).unwrap();
        let b = text.split("boundary=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let first = text.split(&format!("--{b}\r\n")).nth(1).unwrap();
        assert_eq!(first, "Content-Type: text/plain\r\n\r\nhello\r\n\r\n");
        assert!(text.ends_with(&format!("--{b}--\r\n")));
        check_seven_bit(text.as_bytes()).unwrap();
    }
}
