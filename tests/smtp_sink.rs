//! SMTP delivery against Postfix's smtp-sink on 127.0.0.1: bytes intact, one connection for
//! many messages, fault injection at every step mapped to its code, retries, timeouts.

mod common;

use std::time::{Duration, Instant};

use common::smtp::SmtpSink;
use lncmail::session::outcome;
use lncmail::settings::Settings;
use lncmail::transport::smtp::SmtpTransport;
use lncmail::transport::{Envelope, Outgoing};
use lncmail::{Code, Session};

/// Runs commands on a session, asserting each succeeds except the last, whose outcome is returned.
fn run(session: &mut Session, commands: &[(&str, &str, &str)]) -> (Code, String) {
    let mut last = (Code::Ok, String::new());
    for (i, (cmd, p1, p2)) in commands.iter().enumerate() {
        last = outcome(&session.execute(cmd, p1, p2));
        if i + 1 < commands.len() {
            assert_eq!(last.0, Code::Ok, "{cmd} failed: {}", last.1);
        }
    }
    last
}

fn send_simple(props: &str) -> (Code, String, Duration) {
    let mut s = Session::new();
    let started = Instant::now();
    let r = run(
        &mut s,
        &[("MAILSMTP", props, ""), ("MAILPREP", "to@example.com", "subject=\"t\""), ("MAILTEXT", "hello", ""), ("MAILSEND", "", "")],
    );
    let elapsed = started.elapsed();
    let _ = s.execute("MAILEND", "", "");
    (r.0, r.1, elapsed)
}

#[test]
fn message_bytes_arrive_intact() {
    let sink = SmtpSink::start(&[]);
    let settings = Settings::parse(&sink.props("Helo=client.example.test")).unwrap();
    // Lines a careless client would corrupt: a lone dot, leading dots, an empty last line of
    // body, a long line, 8-bit text.
    let bytes = b"From: sender@example.com\r\nTo: to@example.com\r\nSubject: dots\r\n\r\n\
.\r\n..\r\n.leading dot\r\nmiddle . dot\r\n\r\n\xc3\xa9t\xc3\xa9\r\n"
        .iter()
        .copied()
        .chain(std::iter::repeat(b'x').take(990))
        .chain(*b"\r\n\r\nend\r\n")
        .collect::<Vec<u8>>();
    let envelope = Envelope {
        from: "sender@example.com".parse().unwrap(),
        recipients: vec!["to@example.com".parse().unwrap(), "cc@example.com".parse().unwrap()],
        dsn: false,
    };
    let mut t = SmtpTransport::new(&settings);
    let d = t.send(&Outgoing { envelope: &envelope, bytes: &bytes, message_id: "id@example.com" }).unwrap();
    assert!(d.reply.starts_with("250"), "{}", d.reply);
    assert!(d.refused.is_empty());
    t.close();
    let got = sink.wait_messages(1);
    assert_eq!(got.len(), 1);
    let expected: Vec<u8> = String::from_utf8(bytes.clone()).unwrap().replace("\r\n", "\n").into_bytes();
    assert_eq!(String::from_utf8_lossy(&got[0].content), String::from_utf8_lossy(&expected));
    assert_eq!(got[0].mail_args, "<sender@example.com> BODY=8BITMIME");
    assert_eq!(got[0].helo, "client.example.test");
    assert_eq!(got[0].rcpt_args, ["<to@example.com>", "<cc@example.com>"]);
}

#[test]
fn session_message_arrives_with_headers_and_bcc_in_envelope_only() {
    let sink = SmtpSink::start(&[]);
    let mut s = Session::new();
    let (code, text) = run(
        &mut s,
        &[
            ("MAILSMTP", &sink.props(""), ""),
            ("MAILPREP", "to@example.com", "subject=\"Quarterly report\""),
            ("MAILCC", "cc@example.com", ""),
            ("MAILBCC", "hidden@example.com", ""),
            ("MAILTEXT", "First line", ""),
            ("MAILTEXT", ".starts with a dot", ""),
            ("MAILSEND", "", ""),
        ],
    );
    assert_eq!(code, Code::Ok, "{text}");
    assert!(text.starts_with("OK 250"), "{text}");
    s.execute("MAILEND", "", "").unwrap();
    let got = sink.wait_messages(1);
    let m = String::from_utf8_lossy(&got[0].content);
    assert!(m.contains("Subject: Quarterly report"), "{m}");
    assert!(m.contains("To: to@example.com"), "{m}");
    assert!(m.contains("Cc: cc@example.com"), "{m}");
    assert!(!m.contains("hidden@example.com"), "Bcc leaked into the headers: {m}");
    assert!(m.contains("First line\n.starts with a dot"), "{m}");
    let mut rcpts = got[0].rcpt_args.clone();
    rcpts.sort();
    assert_eq!(rcpts, ["<cc@example.com>", "<hidden@example.com>", "<to@example.com>"]);
}

#[test]
fn fifty_messages_use_one_connection() {
    let sink = SmtpSink::start(&[]);
    let mut s = Session::new();
    s.execute("MAILSMTP", &sink.props(""), "").unwrap();
    for i in 0..50 {
        s.execute("MAILPREP", "to@example.com", &format!("subject=\"n{i}\"")).unwrap();
        s.execute("MAILTEXT", &format!("message {i}"), "").unwrap();
        let r = s.execute("MAILSEND", "", "").unwrap();
        assert!(r.to_string().starts_with("OK 250"), "{r}");
    }
    s.execute("MAILEND", "", "").unwrap();
    // Sessions: the harness's readiness probe, then ours; one QUIT (at MAILEND).
    let (sessions, quits, messages) = sink.wait_sessions(2);
    assert_eq!((sessions, quits, messages), (2, 1, 50));
    // RSET between messages, not before the first one.
    assert_eq!((sink.commands("mail"), sink.commands("rset")), (50, 49));
    assert_eq!(sink.wait_messages(50).len(), 50);
}

#[test]
fn connection_closed_by_the_server_is_reopened() {
    // At RSET the server says 421 and closes, or just closes: either way the second message
    // finds the connection gone and must go out on a new one, without an error.
    for flag in ["-Q", "-q"] {
        let sink = SmtpSink::start(&[flag, "rset"]);
        let mut s = Session::new();
        s.execute("MAILSMTP", &sink.props(""), "").unwrap();
        for i in 0..2 {
            s.execute("MAILPREP", "to@example.com", &format!("subject=\"n{i}\"")).unwrap();
            s.execute("MAILTEXT", "x", "").unwrap();
            let r = s.execute("MAILSEND", "", "");
            assert!(r.is_ok(), "{flag} rset, message {i}: {r:?}");
        }
        s.execute("MAILEND", "", "").unwrap();
        assert_eq!(sink.wait_messages(2).len(), 2);
        let (sessions, _, messages) = sink.wait_sessions(3);
        assert_eq!((sessions, messages), (3, 2), "{flag}: probe + closed connection + new one");
    }
}

#[test]
fn dsn_is_requested_when_offered_and_reported_when_not() {
    let sink = SmtpSink::start(&[]);
    let mut s = Session::new();
    let (code, text) = run(
        &mut s,
        &[
            ("MAILSMTP", &sink.props(""), ""),
            ("MAILPREP", "to@example.com", "report"),
            ("MAILTEXT", "x", ""),
            ("MAILSEND", "", ""),
        ],
    );
    assert_eq!(code, Code::Ok, "{text}");
    assert!(!text.contains("DSN"), "{text}");
    s.execute("MAILEND", "", "").unwrap();
    let got = sink.wait_messages(1);
    assert_eq!(got[0].rcpt_args, ["<to@example.com> NOTIFY=SUCCESS,FAILURE"]);
    assert!(got[0].mail_args.contains("RET=HDRS"), "{}", got[0].mail_args);

    let no_dsn = SmtpSink::start(&["-N"]);
    let (code, text) = run(
        &mut Session::new(),
        &[
            ("MAILSMTP", &no_dsn.props(""), ""),
            ("MAILPREP", "to@example.com", "report"),
            ("MAILTEXT", "x", ""),
            ("MAILSEND", "", ""),
        ],
    );
    assert_eq!(code, Code::Ok, "{text}");
    assert!(text.contains("does not offer DSN"), "{text}");
    let got = no_dsn.wait_messages(1);
    assert_eq!(got[0].rcpt_args, ["<to@example.com>"]);
}

/// Every fault smtp-sink can inject, at every step, mapped to its code. `sessions` is how many
/// connections the server saw (probe included): a retry after a disconnect reconnects.
#[test]
fn faults_at_each_step_map_to_codes_with_retries_counted() {
    struct Case {
        flag: &'static str,
        at: &'static str,
        retries: u32,
        code: Code,
        attempts: u32,
        sessions: u64,
    }
    let cases = [
        // 5xx: final at once, whatever Retries says.
        Case { flag: "-f", at: "connect", retries: 1, code: Code::Rejected, attempts: 1, sessions: 2 },
        Case { flag: "-f", at: "mail", retries: 1, code: Code::Rejected, attempts: 1, sessions: 2 },
        Case { flag: "-f", at: "rcpt", retries: 1, code: Code::Rejected, attempts: 1, sessions: 2 },
        Case { flag: "-f", at: "data", retries: 1, code: Code::Rejected, attempts: 1, sessions: 2 },
        Case { flag: "-f", at: ".", retries: 1, code: Code::Rejected, attempts: 1, sessions: 2 },
        // 4xx: retried on the same connection (RSET), then code 12.
        Case { flag: "-r", at: "mail", retries: 1, code: Code::Transient, attempts: 2, sessions: 2 },
        Case { flag: "-r", at: "rcpt", retries: 1, code: Code::Transient, attempts: 2, sessions: 2 },
        Case { flag: "-r", at: "data", retries: 1, code: Code::Transient, attempts: 2, sessions: 2 },
        Case { flag: "-r", at: ".", retries: 2, code: Code::Transient, attempts: 3, sessions: 2 },
        // Dropped without a reply: a connection failure, retried on a new connection.
        Case { flag: "-q", at: "mail", retries: 1, code: Code::Connection, attempts: 2, sessions: 3 },
        Case { flag: "-q", at: "rcpt", retries: 1, code: Code::Connection, attempts: 2, sessions: 3 },
        Case { flag: "-q", at: "data", retries: 1, code: Code::Connection, attempts: 2, sessions: 3 },
        Case { flag: "-q", at: ".", retries: 0, code: Code::Connection, attempts: 1, sessions: 2 },
        // 421 and disconnect: temporary, retried on a new connection.
        Case { flag: "-Q", at: "connect", retries: 1, code: Code::Transient, attempts: 2, sessions: 3 },
        Case { flag: "-Q", at: "mail", retries: 1, code: Code::Transient, attempts: 2, sessions: 3 },
        Case { flag: "-Q", at: "rcpt", retries: 1, code: Code::Transient, attempts: 2, sessions: 3 },
        Case { flag: "-Q", at: "data", retries: 1, code: Code::Transient, attempts: 2, sessions: 3 },
        Case { flag: "-Q", at: ".", retries: 2, code: Code::Transient, attempts: 3, sessions: 4 },
    ];
    let handles: Vec<_> = cases
        .into_iter()
        .map(|c| {
            std::thread::spawn(move || {
                let sink = SmtpSink::start(&[c.flag, c.at]);
                let (code, text, elapsed) = send_simple(&sink.props(&format!("Retries={}", c.retries)));
                let label = format!("{} {}", c.flag, c.at);
                assert_eq!(code, c.code, "{label}: {text}");
                assert!(text.starts_with(&format!("E{} ", c.code as i32)), "{label}: {text}");
                if c.attempts > 1 {
                    assert!(text.contains(&format!("gave up after {} attempts", c.attempts)), "{label}: {text}");
                    // Backoff 1 s, 2 s ...: a lower bound only.
                    let waited: u64 = (1..c.attempts).map(|a| 1u64 << (a - 1)).sum();
                    assert!(elapsed >= Duration::from_secs(waited), "{label}: no backoff ({elapsed:?})");
                } else {
                    assert!(!text.contains("gave up"), "{label}: {text}");
                }
                if matches!(c.flag, "-f" | "-r" | "-Q") && c.at != "connect" {
                    // The server's own reply is quoted.
                    let reply = if c.flag == "-f" { "500 5.3.0" } else if c.flag == "-r" { "450 4.3.0" } else { "421" };
                    assert!(text.contains(reply), "{label}: {text}");
                }
                let (sessions, _, messages) = sink.wait_sessions(c.sessions);
                assert_eq!(sessions, c.sessions, "{label}: connections seen by the server");
                // Each attempt is one transaction: the server counts the MAIL commands.
                let mails = if c.at == "connect" { 0 } else { c.attempts as usize };
                assert_eq!(sink.commands("mail"), mails, "{label}: MAIL commands seen by the server:\n{}", sink.conversation());
                if c.at != "." {
                    assert_eq!(messages, 0, "{label}");
                }
            })
        })
        .collect();
    let mut failures = Vec::new();
    for h in handles {
        if let Err(e) = h.join() {
            failures.push(e.downcast_ref::<String>().cloned().unwrap_or_else(|| "panic".into()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn stalled_server_fails_within_timeout_plus_two_seconds() {
    // The server waits 30 s before answering one command (-w: DATA; -W: any); Timeout=2.
    let cases: [(&[&str], &str); 5] = [
        (&["-W", "ehlo:30"], "at greeting and EHLO"),
        (&["-W", "mail:30"], "MAIL FROM"),
        (&["-W", "rcpt:30"], "RCPT TO"),
        (&["-w", "30"], "DATA"),
        (&["-W", ".:30"], "end of data"),
    ];
    let handles: Vec<_> = cases
        .into_iter()
        .map(|(flags, step)| {
            std::thread::spawn(move || {
                let sink = SmtpSink::start(flags);
                let props = format!("Server=\"127.0.0.1\";port={};Sender=\"s@example.com\";Timeout=2", sink.port);
                let (code, text, elapsed) = send_simple(&props);
                assert_eq!(code, Code::Connection, "{flags:?}: {text}");
                assert!(text.contains(step), "{flags:?}: {text}");
                assert!(text.contains("Timeout"), "{flags:?}: {text}");
                assert!(elapsed < Duration::from_secs(4), "{flags:?}: took {elapsed:?}");
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn silent_peer_times_out_for_plain_and_smtps() {
    // A scripted peer that accepts and never says a word (no greeting, no TLS handshake).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let _keep = std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in listener.incoming().take(2) {
            held.push(c);
        }
        std::thread::sleep(Duration::from_secs(20));
    });
    for extra in ["", "enableSSL=true;SSLType=SMTPS"] {
        let props = format!("Server=\"127.0.0.1\";port={port};Sender=\"s@example.com\";Timeout=1;{extra}");
        let (code, text, elapsed) = send_simple(&props);
        assert_eq!(code, Code::Connection, "{extra}: {text}");
        assert!(elapsed < Duration::from_secs(3), "{extra}: took {elapsed:?}");
    }
}

#[test]
fn refused_connection_is_code_9_and_failed_dir_keeps_the_message() {
    let port = common::smtp::free_port();
    let failed = tempfile::tempdir().unwrap();
    let log = failed.path().join("send.csv");
    let props = format!(
        "Server=\"127.0.0.1\";port={port};Sender=\"s@example.com\";Timeout=2;FailedDir=\"{}\";logfile=\"{}\"",
        failed.path().display(),
        log.display()
    );
    let mut s = Session::new();
    let (code, text) = run(
        &mut s,
        &[("MAILSMTP", &props, ""), ("MAILPREP", "to@example.com", "subject=\"keep me\""), ("MAILTEXT", "x", ""), ("MAILSEND", "", "")],
    );
    assert_eq!(code, Code::Connection, "{text}");
    let saved = text.split("message saved as ").nth(1).expect("file named in the result text").trim();
    let eml = std::fs::read_to_string(saved).unwrap();
    assert!(eml.contains("Subject: keep me"));
    // The draft is kept: it can be sent again.
    assert_eq!(s.state(), lncmail::State::Composing);
    let row = std::fs::read_to_string(&log).unwrap();
    assert!(row.contains(";FAILED;9;"), "{row}");
}

#[test]
fn refused_connection_is_retried_then_code_9() {
    let port = common::smtp::free_port();
    let props = format!("Server=\"127.0.0.1\";port={port};Sender=\"s@example.com\";Timeout=2;Retries=1");
    let (code, text, elapsed) = send_simple(&props);
    assert_eq!(code, Code::Connection, "{text}");
    assert!(text.contains("gave up after 2 attempts"), "{text}");
    assert!(elapsed >= Duration::from_secs(1), "no backoff: {elapsed:?}");
}

#[test]
fn log_rows_carry_the_server_reply() {
    let sink = SmtpSink::start(&["-f", "."]);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("send.csv");
    let (code, _, _) = send_simple(&sink.props(&format!("logfile=\"{}\"", log.display())));
    assert_eq!(code, Code::Rejected);
    let ok_sink = SmtpSink::start(&[]);
    let (code, text, _) = send_simple(&ok_sink.props(&format!("logfile=\"{}\"", log.display())));
    assert_eq!(code, Code::Ok, "{text}");
    let rows = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = rows.lines().collect();
    assert_eq!(lines.len(), 3, "{rows}");
    assert!(lines[1].contains(";FAILED;11;") && lines[1].contains("500 5.3.0"), "{}", lines[1]);
    assert!(lines[2].contains(";SENT;0;") && lines[2].contains("250 2.0.0"), "{}", lines[2]);
    assert!(lines[2].contains(&format!("127.0.0.1:{}", ok_sink.port)), "{}", lines[2]);
}
