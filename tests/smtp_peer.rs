//! Protocol corners no ready-made server offers, with a scripted peer on 127.0.0.1: replies
//! split across packets (the SIZE limit is still read), and the commands actually received.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use lncmail::session::outcome;
use lncmail::{Code, Session};

/// Serves one connection: every reply is written in two pieces with a pause between them.
/// Sends back the command lines it received.
fn split_reply_peer(listener: TcpListener, done: mpsc::Sender<Vec<String>>) {
    let (stream, _) = listener.accept().unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut say = |text: &str| {
        let (a, b) = text.split_at(text.len() / 2);
        writer.write_all(a.as_bytes()).unwrap();
        writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(30));
        writer.write_all(b.as_bytes()).unwrap();
        writer.flush().unwrap();
    };
    say("220 peer.example ESMTP scripted\r\n");
    let mut lines = Vec::new();
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        let cmd = line.trim_end().to_string();
        lines.push(cmd.clone());
        let verb = cmd.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => say("250-peer.example\r\n250-PIPELINING\r\n250-SIZE 300\r\n250 DSN\r\n"),
            "QUIT" => {
                say("221 2.0.0 Bye\r\n");
                break;
            }
            _ => say("502 5.5.2 not in this script\r\n"),
        }
    }
    let _ = done.send(lines);
}

#[test]
fn size_limit_read_from_a_reply_split_across_packets() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    let peer = std::thread::spawn(move || split_reply_peer(listener, tx));

    let mut s = Session::new();
    let props = format!("Server=\"127.0.0.1\";port={port};Sender=\"s@example.com\";Timeout=10");
    s.execute("MAILSMTP", &props, "").unwrap();
    s.execute("MAILPREP", "to@example.com", "subject=\"too big for the peer\"").unwrap();
    s.execute("MAILTEXT", &"y".repeat(400), "").unwrap();
    let (code, text) = outcome(&s.execute("MAILSEND", "", ""));
    assert_eq!(code, Code::Rejected, "{text}");
    assert!(text.contains("at most 300 bytes (SIZE)"), "{text}");
    s.execute("MAILEND", "", "").unwrap();

    let lines = rx.recv_timeout(Duration::from_secs(20)).expect("the peer saw the session end");
    peer.join().unwrap();
    let verbs: Vec<String> =
        lines.iter().map(|l| l.split_whitespace().next().unwrap_or("").to_ascii_uppercase()).collect();
    // Nothing of the message was sent: no MAIL, no DATA; the session ended with QUIT.
    assert_eq!(verbs.first().map(String::as_str), Some("EHLO"), "{lines:?}");
    assert!(!verbs.iter().any(|v| v == "MAIL" || v == "DATA"), "{lines:?}");
    assert_eq!(verbs.last().map(String::as_str), Some("QUIT"), "{lines:?}");
}
