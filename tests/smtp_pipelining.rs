//! PIPELINING (RFC 2920): against smtp-sink, which offers it, and against a scripted peer that
//! answers nothing until the whole group (up to DATA) has arrived, so a client that waited for
//! each reply would stall there; the peer's replies are then matched in order, with a refused
//! RCPT in the middle, a refused DATA, a refused MAIL, and every recipient refused.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use common::smtp::SmtpSink;
use lncmail::session::outcome;
use lncmail::{Code, Session};

#[test]
fn messages_with_several_recipients_arrive_through_smtp_sink() {
    let sink = SmtpSink::start(&[]);
    let mut s = Session::new();
    s.execute("MAILSMTP", &sink.props(""), "").unwrap();
    for i in 0..5 {
        s.execute("MAILPREP", "a@example.com;b@example.com", &format!("subject=\"n{i}\"")).unwrap();
        s.execute("MAILBCC", "c@example.com", "").unwrap();
        s.execute("MAILTEXT", &format!("body {i}\n.a line with a dot"), "").unwrap();
        let (code, text) = outcome(&s.execute("MAILSEND", "", ""));
        assert_eq!(code, Code::Ok, "message {i}: {text}");
    }
    s.execute("MAILEND", "", "").unwrap();
    let got = sink.wait_messages(5);
    assert_eq!(got.len(), 5);
    for m in &got {
        let mut rcpts = m.rcpt_args.clone();
        rcpts.sort();
        assert_eq!(rcpts, ["<a@example.com>", "<b@example.com>", "<c@example.com>"]);
        let text = String::from_utf8_lossy(&m.content);
        assert!(text.contains("\n.a line with a dot"), "{text}");
    }
    // One connection: RSET between messages, every command answered in step.
    assert_eq!((sink.commands("mail"), sink.commands("rcpt"), sink.commands("rset")), (5, 15, 4));
}

#[test]
fn every_recipient_refused_by_smtp_sink() {
    let sink = SmtpSink::start(&["-f", "rcpt"]);
    let mut s = Session::new();
    s.execute("MAILSMTP", &sink.props(""), "").unwrap();
    for round in 0..2 {
        s.execute("MAILPREP", "a@example.com;b@example.com", "").unwrap();
        s.execute("MAILTEXT", "x", "").unwrap();
        let (code, text) = outcome(&s.execute("MAILSEND", "", ""));
        assert_eq!(code, Code::Rejected, "round {round}: {text}");
        assert!(text.contains("every recipient was refused"), "{text}");
        assert!(text.contains("a@example.com (5") && text.contains("b@example.com (5"), "{text}");
        s.execute("MAILEND", "", "").unwrap();
        s.execute("MAILSMTP", &sink.props(""), "").unwrap();
    }
    // smtp-sink accepts DATA without recipients; the client then sends the lone dot at once
    // (RFC 2920 section 3.1): no content, addressed to nobody.
    for m in sink.messages() {
        assert!(m.rcpt_args.is_empty() && m.content.is_empty(), "{m:?}");
    }
}

/// How the scripted peer answers one command line (without CRLF).
type Script = fn(&str) -> String;

/// Serves one connection. Commands up to DATA are collected without a reply (RFC 2920 lets the
/// client send them together); at DATA the peer answers the whole group, in order. Returns the
/// groups as received: each is the command lines read before the peer said anything.
fn pipelining_peer(listener: TcpListener, script: Script, done: mpsc::Sender<Vec<Vec<String>>>) {
    let (stream, _) = listener.accept().unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut writer = stream.try_clone().unwrap();
    writer.write_all(b"220 peer.example ESMTP scripted\r\n").unwrap();
    let mut reader = BufReader::new(stream);
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut group: Vec<String> = Vec::new();
    let mut replies = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        let cmd = line.trim_end().to_string();
        let verb = cmd.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        group.push(cmd.clone());
        match verb.as_str() {
            "EHLO" => replies.push_str("250-peer.example\r\n250-PIPELINING\r\n250-SIZE 100000\r\n250 8BITMIME\r\n"),
            "QUIT" => {
                writer.write_all(b"221 2.0.0 Bye\r\n").unwrap();
                groups.push(std::mem::take(&mut group));
                break;
            }
            "RSET" => replies.push_str("250 2.0.0 Ok\r\n"),
            _ => {
                replies.push_str(&script(&cmd));
                replies.push_str("\r\n");
            }
        }
        let last_of_group = matches!(verb.as_str(), "EHLO" | "DATA");
        if !last_of_group {
            continue;
        }
        groups.push(std::mem::take(&mut group));
        writer.write_all(std::mem::take(&mut replies).as_bytes()).unwrap();
        if verb == "DATA" && groups.last().is_some_and(|_| script("DATA").starts_with("354")) {
            // The message, up to the lone dot.
            let mut lines = 0;
            loop {
                let mut l = String::new();
                if reader.read_line(&mut l).unwrap_or(0) == 0 || l == ".\r\n" {
                    break;
                }
                lines += 1;
            }
            groups.push(vec![format!("<message of {lines} lines>")]);
            writer.write_all(format!("{}\r\n", script(".")).as_bytes()).unwrap();
        }
    }
    let _ = done.send(groups);
}

/// Runs two MAILSENDs on one session against a peer following `script`; returns their outcomes
/// and the groups the peer received.
fn two_sends(script: Script) -> (Vec<(Code, String)>, Vec<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    let peer = std::thread::spawn(move || pipelining_peer(listener, script, tx));
    let mut s = Session::new();
    // Timeout: a client waiting for a reply inside a group would stall the peer and fail here.
    let props = format!("Server=\"127.0.0.1\";port={port};Sender=\"s@example.com\";Timeout=5;Helo=\"client.test\"");
    s.execute("MAILSMTP", &props, "").unwrap();
    let mut outcomes = Vec::new();
    for _ in 0..2 {
        s.execute("MAILPREP", "a@example.com;bad@example.com;c@example.com", "").unwrap();
        s.execute("MAILTEXT", "one\ntwo", "").unwrap();
        outcomes.push(outcome(&s.execute("MAILSEND", "", "")));
    }
    s.execute("MAILEND", "", "").unwrap();
    let groups = rx.recv_timeout(Duration::from_secs(30)).expect("the peer saw the session end");
    peer.join().unwrap();
    // The greeting exchanges (lettre's EHLO and ours, which reads SIZE and DSN) come first.
    let n_ehlo = groups.iter().take_while(|g| verbs(g) == ["EHLO"]).count();
    assert!(n_ehlo >= 1, "{groups:?}");
    (outcomes, groups[n_ehlo - 1..].to_vec())
}

/// The verbs of a group, with the RCPT address: `MAIL`, `RCPT a@example.com`, `DATA`.
fn verbs(group: &[String]) -> Vec<String> {
    group
        .iter()
        .map(|l| {
            let verb = l.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
            if verb == "RCPT" {
                let addr = l.split(['<', '>']).nth(1).unwrap_or("");
                format!("RCPT {addr}")
            } else {
                verb
            }
        })
        .collect()
}

const GROUP: [&str; 5] = ["MAIL", "RCPT a@example.com", "RCPT bad@example.com", "RCPT c@example.com", "DATA"];

fn with_rset() -> Vec<String> {
    std::iter::once("RSET").chain(GROUP).map(String::from).collect()
}

#[test]
fn refused_recipient_in_the_middle_is_reported_and_the_others_get_the_message() {
    fn script(cmd: &str) -> String {
        match cmd {
            c if c.contains("bad@") => "550 5.1.1 <bad@example.com>: no such user".into(),
            "DATA" => "354 go ahead".into(),
            "." => "250 2.0.0 queued as ABC".into(),
            _ => "250 2.1.0 Ok".into(),
        }
    }
    let (outcomes, groups) = two_sends(script);
    for (code, text) in &outcomes {
        assert_eq!(*code, Code::Partial, "{text}");
        assert!(text.contains("bad@example.com") && text.contains("550 5.1.1"), "{text}");
        assert!(!text.contains("a@example.com (") && !text.contains("c@example.com ("), "{text}");
    }
    let v: Vec<Vec<String>> = groups.iter().map(|g| verbs(g)).collect();
    assert_eq!(v[0], ["EHLO"], "{groups:?}");
    assert_eq!(v[1], GROUP, "{groups:?}");
    assert!(groups[2][0].starts_with("<message of"), "{groups:?}");
    // The second message on the same connection: RSET joins the group.
    assert_eq!(v[3], with_rset(), "{groups:?}");
    assert!(groups[4][0].starts_with("<message of"), "{groups:?}");
    assert_eq!(v[5], ["QUIT"], "{groups:?}");
}

#[test]
fn refused_data_fails_the_send_and_keeps_the_dialogue_in_step() {
    fn script(cmd: &str) -> String {
        match cmd {
            "DATA" => "554 5.5.1 data refused by policy".into(),
            _ => "250 2.1.0 Ok".into(),
        }
    }
    let (outcomes, groups) = two_sends(script);
    for (code, text) in &outcomes {
        assert_eq!(*code, Code::Rejected, "{text}");
        assert!(text.contains("DATA") && text.contains("554 5.5.1 data refused by policy"), "{text}");
    }
    let v: Vec<Vec<String>> = groups.iter().map(|g| verbs(g)).collect();
    assert_eq!(v.len(), 4, "no message data after a refused DATA: {groups:?}");
    assert_eq!(v[1], GROUP, "{groups:?}");
    assert_eq!(v[2], with_rset(), "{groups:?}");
    assert_eq!(v[3], ["QUIT"], "{groups:?}");
}

#[test]
fn refused_mail_is_reported_not_the_recipients() {
    fn script(cmd: &str) -> String {
        match cmd {
            c if c.starts_with("MAIL") => "550 5.7.1 sender blocked".into(),
            _ => "503 5.5.1 Error: need MAIL command".into(),
        }
    }
    let (outcomes, groups) = two_sends(script);
    for (code, text) in &outcomes {
        assert_eq!(*code, Code::Rejected, "{text}");
        assert!(text.contains("MAIL FROM:<s@example.com>") && text.contains("550 5.7.1 sender blocked"), "{text}");
    }
    let v: Vec<Vec<String>> = groups.iter().map(|g| verbs(g)).collect();
    assert_eq!(v[1], GROUP, "{groups:?}");
    assert_eq!(v[2], with_rset(), "{groups:?}");
}

#[test]
fn every_recipient_refused_with_data_accepted_sends_no_message() {
    // RFC 2920 section 3.1: a server may accept DATA although no recipient was; the client then
    // ends the (empty) data at once and the server refuses it.
    fn script(cmd: &str) -> String {
        match cmd {
            c if c.starts_with("RCPT") => "450 4.2.0 mailbox busy".into(),
            "DATA" => "354 go ahead".into(),
            "." => "554 5.5.1 no valid recipients".into(),
            _ => "250 2.1.0 Ok".into(),
        }
    }
    let (outcomes, groups) = two_sends(script);
    for (code, text) in &outcomes {
        assert_eq!(*code, Code::Transient, "{text}");
        assert!(text.contains("every recipient was refused") && text.contains("450 4.2.0"), "{text}");
    }
    let v: Vec<Vec<String>> = groups.iter().map(|g| verbs(g)).collect();
    assert_eq!(v[1], GROUP, "{groups:?}");
    // Only the lone dot.
    assert_eq!(groups[2], ["<message of 0 lines>"], "{groups:?}");
    assert_eq!(v[3], with_rset(), "{groups:?}");
}
