//! Hostile values that would reach a header or the SMTP envelope: the cases tests/commands.rs
//! does not cover (lone CR or LF, NUL, Content-ID, display names, header names, sender and
//! recipients shaped as SMTP commands), each refused with code 3 or 6 and leaving the draft as
//! it was; and attachment names with path separators or control characters, sanitized in the
//! MIME headers. A scripted peer records the SMTP lines: nothing extra ever reaches the wire.

mod common;

use common::peer::{Peer, Script};
use lncmail::session::outcome;
use lncmail::{Code, Session};

fn composing(peer: &Peer, extra: &str) -> Session {
    let mut s = Session::new();
    s.execute("MAILSMTP", &peer.props(5, extra), "").unwrap();
    s.execute("MAILPREP", "to@example.com", "subject=\"safe\"").unwrap();
    s.execute("MAILTEXT", "body", "").unwrap();
    s
}

#[test]
fn values_that_would_split_a_header_or_a_command_are_refused() {
    let peer = Peer::start(Script::clean());
    let dir = tempfile::tempdir().unwrap();
    let att = dir.path().join("a.txt");
    std::fs::write(&att, "x").unwrap();
    let att = att.display().to_string();

    // MAILSMTP: the sender and reply reach From/Reply-To and MAIL FROM.
    for sender in [
        "\"Evil\r\nBcc: x@example.com\" <me@example.com>",
        "\"Evil\nBcc: x@example.com\" <me@example.com>",
        "\"Evil\rBcc: x@example.com\" <me@example.com>",
        "me@example.com>\r\nRCPT TO:<victim@example.com",
        "me@example.com> SIZE=1",
        "me@exa\0mple.com",
    ] {
        let props = format!("Server=\"127.0.0.1\";port={};Sender=\"{}\"", peer.port, sender.replace('"', "\"\""));
        let (code, text) = outcome(&Session::new().execute("MAILSMTP", &props, ""));
        assert!(matches!(code, Code::InvalidProperty | Code::InvalidAddress), "Sender {sender:?}: {code:?} {text}");
    }

    let mut s = composing(&peer, "");
    let before = format!("{:?}", s.draft());
    let cases: &[(&str, &str, &str)] = &[
        ("MAILSUBJ", "lone CR\rBcc: x@example.com", ""),
        ("MAILSUBJ", "NUL\0inside", ""),
        ("MAILTO", "\"Evil\r\nBcc: x@example.com\" <a@example.com>", ""),
        ("MAILTO", "a@example.com>\r\nRCPT TO:<victim@example.com", ""),
        ("MAILTO", "<a@example.com> NOTIFY=NEVER", ""),
        ("MAILCC", "\"Evil\nX-Evil: 1\" <a@example.com>", ""),
        ("MAILBCC", "a@example.com\rRSET", ""),
        ("MAILHEADER", "X-Evil\r\nBcc: x@example.com: 1", ""),
        ("MAILHEADER", "X-Ok: value\rX-Evil: 1", ""),
        ("MAILHEADER", "X-Ok: value\0X-Evil: 1", ""),
        ("MAILATT", &att, "cid=\"part1\r\nX-Evil: 1\""),
        ("MAILATT", &att, "name=\"a.txt\rX-Evil: 1\""),
    ];
    let mut wrong = Vec::new();
    for (c, p1, p2) in cases {
        let (code, text) = outcome(&s.execute(c, p1, p2));
        if !matches!(code, Code::InvalidProperty | Code::InvalidAddress) {
            wrong.push(format!("{c} {p1:?} {p2:?}: {code:?} {text}"));
        }
        if format!("{:?}", s.draft()) != before {
            wrong.push(format!("{c} {p1:?} {p2:?}: the failed command changed the draft"));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));

    // The message still goes out, and the wire carries exactly one transaction.
    let (code, text) = outcome(&s.execute("MAILSEND", "", ""));
    assert_eq!(code, Code::Ok, "{text}");
    drop(s);
    let verbs: Vec<String> =
        peer.lines().iter().map(|l| l.split([' ', ':']).next().unwrap_or("").to_ascii_uppercase()).collect();
    // EHLO twice: lncmail asks again to read SIZE and DSN, which lettre keeps to itself.
    let expected: Vec<&str> = vec!["EHLO", "EHLO", "MAIL", "RCPT", "DATA", "QUIT"];
    assert_eq!(verbs, expected, "{:?}", peer.lines());
    let lines = peer.lines();
    assert_eq!(lines[2], "MAIL FROM:<sender@example.com>");
    assert_eq!(lines[3], "RCPT TO:<to@example.com>");
}

#[test]
fn attachment_names_are_sanitized_in_the_mime_headers() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let src = dir.path().join("data.bin");
    std::fs::write(&src, b"payload").unwrap();
    let mut s = Session::new();
    s.execute("MAILSMTP", &format!("Server=\"file:{}\";Sender=\"me@example.com\"", out.display()), "").unwrap();
    s.execute("MAILPREP", "to@example.com", "").unwrap();
    let names = [
        "../../etc/passwd",
        "..\\..\\windows\\system32\\evil.dll",
        "/abs/path/report.pdf",
        "tab\there\x07bell\x1b[31mred.txt",
        "del\x7f.txt",
    ];
    for n in names {
        s.execute("MAILATT", &src.display().to_string(), &format!("name=\"{n}\"")).unwrap();
    }
    // A MIME type with its own name parameter must not bring a path back; charset is fine.
    for t in ["text/plain; name=\"\"../../etc/shadow\"\"", "text/plain; filename=x", "text/plain; NAME=a"] {
        let (code, text) = outcome(&s.execute("MAILATT", &src.display().to_string(), &format!("type=\"{t}\"")));
        assert_eq!(code, Code::InvalidProperty, "type {t:?}: {text}");
    }
    s.execute("MAILATT", &src.display().to_string(), "type=\"text/plain; charset=iso-8859-1\"").unwrap();
    let reply = s.execute("MAILSEND", "", "").unwrap();
    let eml = std::fs::read_to_string(reply.detail().unwrap()).unwrap();
    let headers: Vec<&str> = eml
        .lines()
        .filter(|l| l.to_ascii_lowercase().contains("filename") || l.to_ascii_lowercase().contains("name="))
        .collect();
    assert!(!headers.is_empty(), "{eml}");
    for h in &headers {
        assert!(!h.contains('/') && !h.contains('\\'), "a path separator in {h:?}");
        assert!(!h.contains(".."), "a parent reference in {h:?}");
        assert!(!h.chars().any(|c| c.is_control() && c != '\t'), "a control character in {h:?}");
    }
    // The names keep their last component.
    for kept in ["passwd", "evil.dll", "report.pdf"] {
        assert!(headers.iter().any(|h| h.contains(kept)), "{kept} lost: {headers:?}");
    }
}

/// `${NAME}` in a command file: the value is taken literally where it stands, never read as
/// more of the file, so quotes and line breaks in the environment cannot add a parameter or a
/// command.
#[test]
fn environment_values_cannot_add_commands_to_a_command_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let script = dir.path().join("env.lnc");
    std::fs::write(
        &script,
        format!(
            "MAILSMTP 'Server=\"file:{}\";Sender=\"me@example.com\"'\nMAILPREP 'to@example.com'\nMAILTEXT '${{LNC_TEXT}}'\nMAILSEND\n",
            out.display()
        ),
    )
    .unwrap();
    let value = "hi' 'extra\nMAILBCC 'attacker@example.com'\nMAILEND";
    let o = std::process::Command::new(common::lncmail_bin()).arg("run").arg(&script).env("LNC_TEXT", value).output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "{said}");
    assert!(!said.contains("MAILBCC"), "a command came from the environment: {said}");
    let eml: Vec<_> = std::fs::read_dir(&out).unwrap().filter_map(|e| e.ok()).collect();
    assert_eq!(eml.len(), 1);
    let text = std::fs::read_to_string(eml[0].path()).unwrap();
    // The whole value is the text, line breaks included; no Bcc was added.
    assert!(text.contains("hi' 'extra\r\nMAILBCC 'attacker@example.com'\r\nMAILEND"), "{text}");
    assert!(!text.to_ascii_lowercase().contains("\nbcc:"), "{text}");
}
