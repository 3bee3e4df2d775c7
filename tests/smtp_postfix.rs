//! Delivery through a real Postfix (loopback-only, temporary configuration) into a Maildir,
//! over SMTP and through `sendmail:`; and the sendmail exit status mapped to codes.

mod common;

use common::smtp::Postfix;
use lncmail::draft::Draft;
use lncmail::session::outcome;
use lncmail::settings::Settings;
use lncmail::transport::smtp::SmtpTransport;
use lncmail::transport::Outgoing;
use lncmail::{mime, Code, Session};

fn lf(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\n")
}

#[test]
fn postfix_delivers_over_smtp_and_sendmail_with_message_intact() {
    let postfix = Postfix::start();
    let props = format!(
        "Server=\"127.0.0.1\";port={};Sender=\"Jean Dupont <jean@example.test>\";Timeout=20",
        postfix.port
    );

    // 1. The transport alone, so the exact bytes sent are known.
    let settings = Settings::parse(&props).unwrap();
    let mut draft = Draft::new("Marie <marie@example.test>", "subject=\"Rapport été 2026\";report", false).unwrap();
    draft.add_text("Bonjour Marie,");
    draft.add_text(".ligne qui commence par un point");
    draft.add_text("Voici le rapport.");
    let composed = mime::compose(&draft, &settings).unwrap();
    let mut transport = SmtpTransport::new(&settings);
    let delivery = transport
        .send(&Outgoing { envelope: &composed.envelope, bytes: &composed.bytes, message_id: &composed.message_id })
        .unwrap();
    transport.close();
    assert!(delivery.reply.starts_with("250 2.0.0 Ok: queued as"), "{}", delivery.reply);
    assert!(delivery.notes.is_empty(), "Postfix offers DSN: {:?}", delivery.notes);
    // The sender's domain is the test domain too, so the delivery report asked for with
    // `report` (DSN NOTIFY=SUCCESS) lands in the same Maildir: the message and its report.
    let mails = postfix.wait_mailbox(2);
    assert_eq!(mails.len(), 2, "message and DSN report expected; postfix log:\n{}", postfix.log());
    let texts: Vec<String> = mails.iter().map(|m| lf(m)).collect();
    let report = texts.iter().find(|m| m.contains("report-type=delivery-status")).expect("a DSN report");
    assert!(report.contains("Action: delivered"), "{report}");
    assert!(report.contains("Final-Recipient: rfc822; marie@example.test"), "{report}");
    let stored = texts.iter().find(|m| !m.contains("report-type=delivery-status")).expect("the message").clone();
    let sent = lf(&composed.bytes);
    assert!(stored.ends_with(&sent), "the stored message differs from the one sent:\n--- stored\n{stored}\n--- sent\n{sent}");
    assert!(stored.starts_with("Return-Path: <jean@example.test>"), "{stored}");
    assert!(stored.contains("Delivered-To: marie@example.test"), "{stored}");

    // 2. A whole session: MAILPREP ... MAILSEND over SMTP.
    let mut s = Session::new();
    for (cmd, p1, p2) in [
        ("MAILSMTP", props.as_str(), ""),
        ("MAILPREP", "paul@example.test", "subject=\"Session test\""),
        ("MAILCC", "anne@example.test", ""),
        ("MAILTEXT", "Line one", ""),
        ("MAILSEND", "", ""),
        ("MAILEND", "", ""),
    ] {
        let (code, text) = outcome(&s.execute(cmd, p1, p2));
        assert_eq!(code, Code::Ok, "{cmd}: {text}");
    }
    // One message, two recipients: two Maildir copies.
    let mails = postfix.wait_mailbox(4);
    assert_eq!(mails.len(), 4, "postfix log:\n{}", postfix.log());

    // 3. `sendmail:` with Postfix's own sendmail program.
    let wrapper = postfix.sendmail_wrapper();
    let mut s = Session::new();
    let smtp = format!("Server=\"sendmail:{}\";Sender=\"jean@example.test\"", wrapper.display());
    for (cmd, p1, p2) in [
        ("MAILSMTP", smtp.as_str(), ""),
        ("MAILPREP", "marc@example.test", "subject=\"Via sendmail\""),
        ("MAILTEXT", "Handed to the local MTA", ""),
        ("MAILSEND", "", ""),
        ("MAILEND", "", ""),
    ] {
        let (code, text) = outcome(&s.execute(cmd, p1, p2));
        assert_eq!(code, Code::Ok, "{cmd}: {text}");
    }
    let mails = postfix.wait_mailbox(5);
    assert_eq!(mails.len(), 5, "postfix log:\n{}", postfix.log());
    let via: Vec<String> = mails.iter().map(|m| lf(m)).filter(|m| m.contains("Subject: Via sendmail")).collect();
    assert_eq!(via.len(), 1);
    assert!(via[0].contains("Delivered-To: marc@example.test"), "{}", via[0]);
    assert!(via[0].contains("Handed to the local MTA"), "{}", via[0]);
}

#[test]
fn sendmail_exit_status_maps_to_codes() {
    let tempfail = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/sendmail_tempfail.sh");
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-sendmail");
    for (program, code, words) in [
        (tempfail.to_string(), Code::Transient, "EX_TEMPFAIL"),
        ("/bin/false".to_string(), Code::Rejected, "exit status 1"),
        (missing.display().to_string(), Code::Connection, "cannot run"),
    ] {
        let mut s = Session::new();
        let smtp = format!("Server=\"sendmail:{program}\";Sender=\"jean@example.test\";FailedDir=\"{}\"", dir.path().display());
        s.execute("MAILSMTP", &smtp, "").unwrap();
        s.execute("MAILPREP", "marc@example.test", "").unwrap();
        s.execute("MAILTEXT", "x", "").unwrap();
        let (got, text) = outcome(&s.execute("MAILSEND", "", ""));
        assert_eq!(got, code, "{program}: {text}");
        assert!(text.contains(words), "{program}: {text}");
        assert!(text.contains("message saved as"), "{program}: {text}");
        if code == Code::Transient {
            assert!(text.contains("queue file write error (test)"), "the program's own words: {text}");
        }
    }
}

#[test]
fn postfix_starttls_with_cafile() {
    let postfix = Postfix::start_with_tls();
    let props = format!(
        "Server=\"127.0.0.1\";port={};Sender=\"jean@example.test\";Timeout=20;enableSSL=true;CAFile=\"{}\"",
        postfix.port,
        postfix.cert().display()
    );
    let mut s = Session::new();
    for (cmd, p1, p2) in [
        ("MAILSMTP", props.as_str(), ""),
        ("MAILPREP", "lea@example.test", "subject=\"Over STARTTLS\""),
        ("MAILTEXT", "Encrypted on the way", ""),
        ("MAILSEND", "", ""),
        ("MAILEND", "", ""),
    ] {
        let (code, text) = outcome(&s.execute(cmd, p1, p2));
        assert_eq!(code, Code::Ok, "{cmd}: {text}\npostfix log:\n{}", postfix.log());
    }
    let mails = postfix.wait_mailbox(1);
    assert_eq!(mails.len(), 1, "postfix log:\n{}", postfix.log());
    let m = lf(&mails[0]);
    assert!(m.contains("Subject: Over STARTTLS") && m.contains("Encrypted on the way"), "{m}");
    // Postfix records the TLS session in its Received: header.
    assert!(m.contains("with ESMTPS"), "not received over TLS: {m}");
}
