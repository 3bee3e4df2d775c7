#![allow(clippy::type_complexity)]
//! Every command, every state error, every result code reachable without a server.

mod common;

use std::path::Path;

use lncmail::{session::outcome, Code, Session, State};

fn configured(outbox: &Path) -> Session {
    let mut s = Session::new();
    s.execute("MAILSMTP", &format!(r#"Server="file:{}";Sender="Me <me@example.com>""#, outbox.display()), "")
        .expect("MAILSMTP");
    s
}

fn composing(outbox: &Path) -> Session {
    let mut s = configured(outbox);
    s.execute("MAILPREP", "you@example.com", "").expect("MAILPREP");
    s
}

fn code(r: &lncmail::Result<lncmail::Reply>) -> Code {
    outcome(r).0
}

#[test]
fn each_command_succeeds_in_its_state() {
    let dir = tempfile::tempdir().unwrap();
    let att = dir.path().join("a.txt");
    std::fs::write(&att, "attached").unwrap();
    let html = dir.path().join("body.html");
    std::fs::write(&html, "<p>file</p>").unwrap();
    let out = dir.path().join("out");
    let mut s = Session::new();
    assert_eq!(s.state(), State::New);
    let steps: &[(&str, &str, &str)] = &[
        ("MAILSMTP", &format!(r#"Server="file:{}";Sender="me@example.com""#, out.display()), ""),
        ("MAILPREP", "you@example.com", r#"subject="s";priority=3;charset=UTF-8"#),
        ("MAILTO", "two@example.com", ""),
        ("MAILCC", "cc@example.com", ""),
        ("MAILBCC", "bcc@example.com", ""),
        ("MAILSUBJ", "subject", ""),
        ("MAILTEXT", "text", ""),
        ("MAILHTML", "<p>html</p>", ""),
        ("MAILBODYF", &html.display().to_string(), ""),
        ("MAILATT", &att.display().to_string(), r#"name="shown.txt";type="text/plain""#),
        ("MAILLATT", &att.display().to_string(), ""),
        ("MAILPRTY", "*HIGH", ""),
        ("MAILREPORT", "read", ""),
        ("MAILHEADER", "X-Job: 7", ""),
        ("MAILSEND", "", ""),
        ("MAILEND", "", ""),
    ];
    for (cmd, p1, p2) in steps {
        let r = s.execute(cmd, p1, p2);
        assert_eq!(code(&r), Code::Ok, "{cmd}: {}", outcome(&r).1);
        assert!(outcome(&r).1.starts_with("OK"), "{cmd}");
    }
    assert_eq!(s.state(), State::New);
}

#[test]
fn command_names_are_case_insensitive_and_trimmed() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = configured(dir.path());
    assert_eq!(code(&s.execute("  mailprep ", "you@example.com", "")), Code::Ok);
    assert_eq!(code(&s.execute("MailText", "x", "")), Code::Ok);
}

#[test]
fn state_errors_name_what_comes_first() {
    let dir = tempfile::tempdir().unwrap();
    let message_commands = [
        ("MAILTO", "a@example.com"),
        ("MAILCC", "a@example.com"),
        ("MAILBCC", "a@example.com"),
        ("MAILSUBJ", "s"),
        ("MAILTEXT", "t"),
        ("MAILHTML", "h"),
        ("MAILBODYF", "/x.html"),
        ("MAILATT", "/x"),
        ("MAILPRTY", "*HIGH"),
        ("MAILREPORT", ""),
        ("MAILHEADER", "X-A: b"),
        ("MAILSEND", ""),
    ];
    // NEW: everything but MAILSMTP and MAILEND needs MAILSMTP first.
    let mut s = Session::new();
    for (cmd, p1) in message_commands.iter().chain(&[("MAILPREP", "a@example.com")]) {
        let r = s.execute(cmd, p1, "");
        assert_eq!(code(&r), Code::Sequence, "{cmd} in NEW");
        assert!(outcome(&r).1.contains("MAILSMTP first"), "{cmd}: {}", outcome(&r).1);
        assert_eq!(s.state(), State::New);
    }
    // READY: message commands need MAILPREP first.
    let mut s = configured(dir.path());
    for (cmd, p1) in &message_commands {
        let r = s.execute(cmd, p1, "");
        assert_eq!(code(&r), Code::Sequence, "{cmd} in READY");
        assert!(outcome(&r).1.contains("MAILPREP first"), "{cmd}: {}", outcome(&r).1);
        assert_eq!(s.state(), State::Ready);
    }
    // COMPOSING: MAILSMTP is refused.
    let mut s = composing(dir.path());
    let r = s.execute("MAILSMTP", r#"Server="file:x";Sender="me@example.com""#, "");
    assert_eq!(code(&r), Code::Sequence);
    assert!(outcome(&r).1.contains("MAILSEND or MAILEND first"), "{}", outcome(&r).1);
    assert_eq!(s.state(), State::Composing);
}

#[test]
fn mailend_from_every_state() {
    let dir = tempfile::tempdir().unwrap();
    for mut s in [Session::new(), configured(dir.path()), composing(dir.path())] {
        assert_eq!(code(&s.execute("MAILEND", "", "")), Code::Ok);
        assert_eq!(s.state(), State::New);
    }
}

#[test]
fn mailprep_again_discards_the_draft() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = composing(dir.path());
    s.execute("MAILTEXT", "old", "").unwrap();
    let r = s.execute("MAILPREP", "other@example.com", "").unwrap();
    assert_eq!(r.to_string(), "OK previous draft discarded");
    assert_eq!(s.draft().unwrap().text, None);
    assert_eq!(s.draft().unwrap().to[0].email.to_string(), "other@example.com");
}

#[test]
fn mailsmtp_again_replaces_the_settings() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = configured(dir.path());
    let r = s.execute("MAILSMTP", r#"Server="file:elsewhere";Sender="new@example.com""#, "").unwrap();
    assert_eq!(r.to_string(), "OK settings replaced");
    assert_eq!(s.settings().unwrap().sender.email.to_string(), "new@example.com");
}

#[test]
fn settings_persist_across_messages() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = configured(dir.path());
    for i in 0..3 {
        s.execute("MAILPREP", "you@example.com", &format!("subject=\"n{i}\"")).unwrap();
        s.execute("MAILSEND", "", "").unwrap();
        assert_eq!(s.state(), State::Ready);
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
}

/// Each reachable code, with a command that produces it and words its text must hold.
#[test]
fn every_reachable_result_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let cases: &[(&[(&str, &str, &str)], Code, &str)] = &[
        (&[("MAILFOO", "", "")], Code::UnknownCommand, "unknown command 'MAILFOO'"),
        (&[("MAILSMTP", r#"Server="never closed"#, "")], Code::Syntax, "position 8"),
        (&[("MAILSMTP", r#"Server="s";Sender="a@example.com";Sever=x"#, "")], Code::InvalidProperty, "did you mean Server?"),
        (&[("MAILSMTP", r#"Sender="a@example.com""#, "")], Code::MissingProperty, "Server is required"),
        (&[("MAILSEND", "", "")], Code::Sequence, "MAILSMTP first"),
        (
            &[("MAILSMTP", &format!(r#"Server="file:{out}";Sender="a@example.com";checkMail"#), ""), ("MAILPREP", "bad@", "")],
            Code::InvalidAddress,
            "'bad@'",
        ),
        (
            &[("MAILSMTP", &format!(r#"Server="file:{out}";Sender="a@example.com""#), ""), ("MAILPREP", "b@example.com", ""), ("MAILATT", "/nonexistent/file.pdf", "")],
            Code::File,
            "/nonexistent/file.pdf",
        ),
        (
            &[("MAILSMTP", &format!(r#"Server="file:{out}";Sender="a@example.com""#), ""), ("MAILPREP", "", ""), ("MAILSEND", "", "")],
            Code::MissingProperty,
            "no recipient",
        ),
    ];
    for (steps, want, words) in cases {
        let mut s = Session::new();
        let (last, before) = steps.split_last().unwrap();
        for (c, p1, p2) in before {
            s.execute(c, p1, p2).unwrap_or_else(|e| panic!("{c}: {e}"));
        }
        let r = s.execute(last.0, last.1, last.2);
        let (got, text) = outcome(&r);
        assert_eq!(got, *want, "{}: {text}", last.0);
        assert!(text.starts_with(&format!("E{} ", *want as i32)), "{text}");
        assert!(text.contains(words), "{text} lacks {words}");
    }
}

#[test]
fn parms_a_command_does_not_take_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = composing(dir.path());
    for (cmd, p1, p2) in [("MAILSEND", "x", ""), ("MAILTO", "a@example.com", "x"), ("MAILEND", "", "x")] {
        assert_eq!(code(&s.execute(cmd, p1, p2)), Code::InvalidProperty, "{cmd}");
    }
    // Blank means not given.
    assert_eq!(code(&s.execute("MAILTEXT", "x", "   ")), Code::Ok);
    assert_eq!(code(&s.execute("MAILTO", "  ", "")), Code::MissingProperty);
}

#[test]
fn failed_commands_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = composing(dir.path());
    s.execute("MAILTEXT", "kept", "").unwrap();
    let draft = s.draft().cloned();
    let settings = format!("{:?}", s.settings());
    let bad: &[(&str, &str, &str)] = &[
        ("MAILTO", "ok@example.com, bad", ""),
        ("MAILCC", "x@example.com\r\nBcc: evil@example.com", ""),
        ("MAILSUBJ", "a\nb", ""),
        ("MAILATT", "/nonexistent", ""),
        ("MAILATT", file!(), "name=\"a\nb\""),
        ("MAILATT", file!(), "bogus=1"),
        ("MAILPRTY", "*URGENT", ""),
        ("MAILREPORT", "both", ""),
        ("MAILHEADER", "From: evil@example.com", ""),
        ("MAILHEADER", "X-A: b\r\nBcc: evil@example.com", ""),
        ("MAILBODYF", "/nonexistent.html", ""),
        ("MAILPREP", "x@example.com", "subject=\"unterminated"),
        ("MAILSMTP", r#"Server="file:x";Sender="me@example.com""#, ""),
    ];
    for (c, p1, p2) in bad {
        assert!(s.execute(c, p1, p2).is_err(), "{c} {p1:?} should fail");
        assert_eq!(s.draft().cloned(), draft, "{c} changed the draft");
        assert_eq!(format!("{:?}", s.settings()), settings, "{c} changed the settings");
        assert_eq!(s.state(), State::Composing);
    }
    // A failed MAILSMTP in READY keeps the old settings too.
    let mut s = configured(dir.path());
    let before = format!("{:?}", s.settings());
    assert!(s.execute("MAILSMTP", r#"Server="s";Sender="bad""#, "").is_err());
    assert_eq!(format!("{:?}", s.settings()), before);
    assert_eq!(s.state(), State::Ready);
}

#[test]
fn header_injection_is_refused_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let inj = "x@example.com\r\nBcc: evil@example.com";
    let mut s = Session::new();
    let smtp = |extra: &str| format!(r#"Server="file:{}";Sender="me@example.com";{extra}"#, dir.path().display());
    for props in [
        format!(r#"Server="file:{}";Sender="{inj}""#, dir.path().display()),
        smtp(&format!(r#"reply="{inj}""#)),
        smtp("WrapperSubject=\"a\r\nBcc: evil@example.com\""),
        smtp("Helo=\"a\r\nMAIL FROM:<x>\""),
    ] {
        assert_eq!(code(&s.execute("MAILSMTP", &props, "")), Code::InvalidProperty, "{props:?}");
    }
    let mut s = composing(dir.path());
    let cases: &[(&str, &str, &str)] = &[
        ("MAILPREP", inj, ""),
        ("MAILPREP", "a@example.com", "subject=\"a\r\nBcc: evil@example.com\""),
        ("MAILTO", inj, ""),
        ("MAILCC", inj, ""),
        ("MAILBCC", inj, ""),
        ("MAILSUBJ", "hello\r\nBcc: evil@example.com", ""),
        ("MAILSUBJ", "hello\nX-Evil: 1", ""),
        ("MAILHEADER", "X-Ok: fine\r\nBcc: evil@example.com", ""),
        ("MAILATT", file!(), "name=\"a.txt\r\nContent-Type: text/html\""),
        ("MAILATT", file!(), "type=\"text/plain\r\nX-Evil: 1\""),
    ];
    for (c, p1, p2) in cases {
        let r = s.execute(c, p1, p2);
        assert_eq!(code(&r), Code::InvalidProperty, "{c} {p1:?} {p2:?}: {}", outcome(&r).1);
    }
    // Nothing was written.
    s.execute("MAILSEND", "", "").unwrap();
    let eml = common::eml::only_eml(dir.path());
    let text = std::fs::read_to_string(eml).unwrap();
    assert!(!text.contains("evil") && !text.contains("X-Evil"));
}

#[test]
fn failed_send_keeps_the_draft_and_failed_dir_keeps_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let failed = dir.path().join("failed");
    std::fs::create_dir(&failed).unwrap();
    // An SMTP server on loopback, port 9 (discard) is closed: any failure works; the draft stays.
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, "").unwrap();
    let att = dir.path().join("gone.txt");
    std::fs::write(&att, "soon deleted").unwrap();
    let mut s = Session::new();
    s.execute(
        "MAILSMTP",
        &format!(r#"Server="file:{}";Sender="me@example.com";FailedDir="{}""#, blocker.join("sub").display(), failed.display()),
        "",
    )
    .unwrap();
    s.execute("MAILPREP", "you@example.com", "subject=\"kept\"").unwrap();
    s.execute("MAILTEXT", "body", "").unwrap();
    let r = s.execute("MAILSEND", "", "");
    let (c, text) = outcome(&r);
    assert_eq!(c, Code::File, "{text}");
    assert!(text.contains("message saved as"), "{text}");
    assert_eq!(s.state(), State::Composing, "the draft is kept after a failure");
    let saved = common::eml::only_eml(&failed);
    let v = common::eml::parse_clean(&saved);
    assert_eq!(v["headers"]["subject"], "kept");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&saved).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // An attachment deleted between MAILATT and MAILSEND: code 7 at MAILSEND, draft kept.
    let out = dir.path().join("out");
    let mut s = configured(&out);
    s.execute("MAILPREP", "you@example.com", "").unwrap();
    s.execute("MAILATT", &att.display().to_string(), "").unwrap();
    std::fs::remove_file(&att).unwrap();
    let r = s.execute("MAILSEND", "", "");
    assert_eq!(code(&r), Code::File, "{}", outcome(&r).1);
    assert!(outcome(&r).1.contains("gone.txt"));
    assert_eq!(s.state(), State::Composing);
}
