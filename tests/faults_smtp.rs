//! The SMTP rows of the fault matrix (docs/reliability.md): a reply, a dropped connection or a
//! stall at every step from the greeting to the end of data, AUTH included, against a scripted
//! peer on 127.0.0.1. Each row checks the code, whether the failure was retried (counted on the
//! server's side), the log row, and where the message ends up (FailedDir, never the server).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::peer::{Action, Peer, Script, Step};
use lncmail::session::outcome;
use lncmail::{Code, Session, State};

/// One row: the fault, then what must come of it with `Retries=1`.
struct Row {
    name: &'static str,
    step: Step,
    action: Action,
    code: Code,
    retried: bool,
}

const fn row(name: &'static str, step: Step, action: Action, code: Code, retried: bool) -> Row {
    Row { name, step, action, code, retried }
}

fn rows() -> Vec<Row> {
    use Action::{Drop, Reply, Stall};
    use Code::{Connection, Rejected, Transient};
    use Step::*;
    vec![
        row("421 at greeting", Greeting, Reply("421 4.3.2 Service not available"), Transient, true),
        row("554 at greeting", Greeting, Reply("554 5.3.2 No SMTP service here"), Rejected, false),
        row("4xx at EHLO", Ehlo, Reply("451 4.3.0 Try again later"), Transient, true),
        row("5xx at EHLO", Ehlo, Reply("550 5.7.1 Go away"), Rejected, false),
        row("4xx at AUTH", Auth, Reply("454 4.7.0 Temporary authentication failure"), Transient, true),
        row("5xx at AUTH", Auth, Reply("535 5.7.8 Authentication credentials invalid"), Code::Auth, false),
        row("4xx at MAIL", Mail, Reply("451 4.3.0 Mail from temporarily refused"), Transient, true),
        row("5xx at MAIL", Mail, Reply("553 5.7.1 Sender refused"), Rejected, false),
        row("4xx at RCPT", Rcpt, Reply("450 4.2.0 Mailbox busy"), Transient, true),
        row("5xx at RCPT", Rcpt, Reply("550 5.1.1 No such user"), Rejected, false),
        row("4xx at DATA", Data, Reply("451 4.3.0 Not now"), Transient, true),
        row("5xx at DATA", Data, Reply("554 5.5.1 No valid recipients"), Rejected, false),
        row("4xx at end of data", EndOfData, Reply("452 4.3.1 Insufficient storage"), Transient, true),
        row("5xx at end of data", EndOfData, Reply("554 5.6.0 Message refused"), Rejected, false),
        row("disconnect at greeting", Greeting, Drop, Connection, true),
        row("disconnect at EHLO", Ehlo, Drop, Connection, true),
        row("disconnect at AUTH", Auth, Drop, Connection, true),
        row("disconnect at MAIL", Mail, Drop, Connection, true),
        row("disconnect at RCPT", Rcpt, Drop, Connection, true),
        row("disconnect at DATA", Data, Drop, Connection, true),
        row("disconnect in the middle of DATA", MidData, Drop, Connection, true),
        row("disconnect after the final dot", EndOfData, Drop, Connection, true),
        row("stall at greeting", Greeting, Stall, Connection, true),
        row("stall at EHLO", Ehlo, Stall, Connection, true),
        row("stall at AUTH", Auth, Stall, Connection, true),
        row("stall at MAIL", Mail, Stall, Connection, true),
        row("stall at RCPT", Rcpt, Stall, Connection, true),
        row("stall at DATA", Data, Stall, Connection, true),
        row("stall in the middle of DATA", MidData, Stall, Connection, true),
        row("stall at end of data", EndOfData, Stall, Connection, true),
    ]
}

/// Where the failed message went: the FailedDir files and the log rows.
struct Trace {
    failed_files: Vec<String>,
    log_rows: Vec<String>,
}

fn trace(dir: &Path) -> Trace {
    let failed_dir = dir.join("failed");
    let failed_files = std::fs::read_dir(&failed_dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| std::fs::read_to_string(e.path()).unwrap_or_default()).collect())
        .unwrap_or_default();
    let log = std::fs::read_to_string(dir.join("send.csv")).unwrap_or_default();
    let log_rows = log.lines().skip(1).map(String::from).collect();
    Trace { failed_files, log_rows }
}

/// Sends one message with AUTH, Retries=1, a log and a FailedDir; returns the outcome.
fn send_one(peer: &Peer, dir: &Path, subject: &str) -> (Code, String, Duration, State) {
    std::fs::create_dir_all(dir.join("failed")).unwrap();
    let props = peer.props(
        2,
        &format!(
            "Retries=1;UserId=\"u\";password=\"p\";AuthMech=PLAIN;logfile=\"{}\";FailedDir=\"{}\"",
            dir.join("send.csv").display(),
            dir.join("failed").display()
        ),
    );
    let mut s = Session::new();
    s.execute("MAILSMTP", &props, "").unwrap();
    s.execute("MAILPREP", "to@example.com", &format!("subject=\"{subject}\"")).unwrap();
    s.execute("MAILTEXT", "first line of the body", "").unwrap();
    s.execute("MAILTEXT", "second line of the body", "").unwrap();
    let started = Instant::now();
    let (code, text) = outcome(&s.execute("MAILSEND", "", ""));
    let elapsed = started.elapsed();
    let state = s.state();
    drop(s);
    (code, text, elapsed, state)
}

fn check_row(r: &Row) -> Result<(), String> {
    let peer = Peer::start(Script::fault(r.step, r.action));
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let subject = format!("matrix {}", r.name);
    let (code, text, elapsed, state) = send_one(&peer, dir.path(), &subject);
    let name = r.name;
    let mut errors = Vec::new();
    let mut expect = |ok: bool, what: String| {
        if !ok {
            errors.push(format!("{name}: {what}"));
        }
    };
    expect(code == r.code, format!("code {code:?}, expected {:?}: {text}", r.code));
    let attempts = if r.retried { 2 } else { 1 };
    expect(
        text.contains("gave up after 2 attempts") == r.retried,
        format!("retried should be {}: {text}", r.retried),
    );
    // The server's own count of attempts: connections for faults before MAIL, MAIL commands after.
    let before_mail = matches!(r.step, Step::Greeting | Step::Ehlo | Step::Auth);
    let (counted, what) = if before_mail {
        (peer.count(|s| &s.connections), "connections")
    } else {
        (peer.count(|s| &s.mails), "MAIL commands")
    };
    expect(counted == attempts, format!("{counted} {what} seen by the peer, expected {attempts}: {text}"));
    expect(peer.count(|s| &s.delivered) == 0, "the peer acknowledged a message".into());
    expect(state == State::Composing, format!("the draft should be kept, state {state:?}"));
    // Within the bounds Timeout (2 s) sets per attempt, plus the 1 s backoff, generously.
    expect(elapsed < Duration::from_secs(20), format!("took {elapsed:?}"));
    let t = trace(dir.path());
    expect(t.log_rows.len() == 1, format!("log rows: {:?}", t.log_rows));
    let code_cell = format!(";FAILED;{};", r.code as i32);
    expect(t.log_rows.iter().all(|l| l.contains(&code_cell)), format!("log row lacks {code_cell}: {:?}", t.log_rows));
    expect(t.failed_files.len() == 1, format!("{} files in FailedDir", t.failed_files.len()));
    expect(
        t.failed_files.iter().all(|f| f.contains(&format!("Subject: {subject}")) && f.contains("second line of the body")),
        "the FailedDir file is not the whole message".into(),
    );
    expect(text.contains("message saved as "), format!("the result text does not name the saved file: {text}"));
    if let Action::Reply(reply) = r.action {
        let code3 = &reply[..3];
        expect(text.contains(code3), format!("the server's reply {code3} is not quoted: {text}"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

#[test]
fn smtp_fault_matrix() {
    let rows = rows();
    let handles: Vec<_> = rows
        .into_iter()
        .map(|r| std::thread::spawn(move || check_row(&r).map(|()| r.name)))
        .collect();
    let mut failures = Vec::new();
    let mut passed = 0;
    for h in handles {
        match h.join() {
            Ok(Ok(_)) => passed += 1,
            Ok(Err(e)) => failures.push(e),
            Err(p) => failures.push(p.downcast_ref::<String>().cloned().unwrap_or_else(|| "panic".into())),
        }
    }
    println!("fault matrix: {passed} rows passed, {} failed", failures.len());
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn size_exceeded_fails_before_any_data_and_is_not_retried() {
    let peer = Peer::start(Script { size: Some(200), ..Script::clean() });
    let dir = tempfile::tempdir().unwrap();
    let (code, text, _, state) = send_one(&peer, dir.path(), "too big for SIZE 200");
    assert_eq!(code, Code::Rejected, "{text}");
    assert!(text.contains("at most 200 bytes (SIZE)") && !text.contains("gave up"), "{text}");
    assert_eq!(peer.count(|s| &s.mails), 0, "MAIL was sent: {:?}", peer.lines());
    assert_eq!(state, State::Composing);
    let t = trace(dir.path());
    assert_eq!(t.log_rows.len(), 1);
    assert!(t.log_rows[0].contains(";FAILED;11;"), "{}", t.log_rows[0]);
    assert_eq!(t.failed_files.len(), 1);
}

#[test]
fn clean_peer_delivers_so_the_matrix_faults_are_the_only_cause() {
    // The control row: the same session against the same peer without a fault is delivered.
    let peer = Peer::start(Script::clean());
    let dir = tempfile::tempdir().unwrap();
    let (code, text, _, state) = send_one(&peer, dir.path(), "control");
    assert_eq!(code, Code::Ok, "{text}");
    assert_eq!(state, State::Ready);
    assert_eq!(peer.count(|s| &s.delivered), 1);
    assert_eq!(peer.count(|s| &s.auths), 1);
    let t = trace(dir.path());
    assert!(t.log_rows[0].contains(";SENT;0;"), "{:?}", t.log_rows);
    assert!(t.failed_files.is_empty());
}

/// A server that never answers the TCP handshake (its accept queue is full, so the SYN is
/// dropped): the connection attempt ends at Timeout with code 9, and is retried.
#[test]
fn unreachable_server_times_out_with_code_9_and_is_retried() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Fill the accept queue: connections that are never accepted, until one no longer completes.
    let mut held = Vec::new();
    let mut full = false;
    for _ in 0..1000 {
        match std::net::TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(300)) {
            Ok(c) => held.push(c),
            Err(_) => {
                full = true;
                break;
            }
        }
    }
    assert!(full, "the accept queue never filled ({} connections)", held.len());
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("failed")).unwrap();
    let props = format!(
        "Server=\"127.0.0.1\";port={port};Sender=\"s@example.com\";Timeout=1;Retries=1;logfile=\"{}\";FailedDir=\"{}\"",
        dir.path().join("send.csv").display(),
        dir.path().join("failed").display()
    );
    let mut s = Session::new();
    s.execute("MAILSMTP", &props, "").unwrap();
    s.execute("MAILPREP", "to@example.com", "subject=\"unreachable\"").unwrap();
    s.execute("MAILTEXT", "x", "").unwrap();
    let started = Instant::now();
    let (code, text) = outcome(&s.execute("MAILSEND", "", ""));
    let elapsed = started.elapsed();
    assert_eq!(code, Code::Connection, "{text}");
    assert!(text.contains("gave up after 2 attempts") && text.contains("no answer from the server within Timeout"), "{text}");
    assert!(elapsed < Duration::from_secs(15), "took {elapsed:?}");
    let t = trace(dir.path());
    assert!(t.log_rows.len() == 1 && t.log_rows[0].contains(";FAILED;9;"), "{:?}", t.log_rows);
    assert_eq!(t.failed_files.len(), 1);
    drop(held);
}

/// A server that never stops answering but never finishes a reply either: one byte every
/// 300 ms, so the socket is never idle for Timeout. While the connection opens, the whole
/// opening is under one deadline: code 9 within Timeout per attempt.
#[test]
fn trickling_server_while_opening_is_bounded_by_timeout() {
    for step in [Step::Greeting, Step::Ehlo] {
        let peer = Peer::start(Script::fault(step, Action::Trickle));
        let dir = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let (code, text, _, _) = send_one(&peer, dir.path(), "trickle");
        let elapsed = started.elapsed();
        assert_eq!(code, Code::Connection, "{step:?}: {text}");
        assert!(text.contains("within Timeout") && text.contains("gave up after 2 attempts"), "{step:?}: {text}");
        // Two attempts of Timeout=2 s and a 1 s backoff, generously.
        assert!(elapsed < Duration::from_secs(15), "{step:?}: took {elapsed:?}");
    }
}

/// KNOWN LIMITATION (docs/reliability.md): after the connection is open, each exchange is
/// bounded only by the socket's read timeout, which a trickling server never triggers. Seen:
/// 40 s per attempt (as long as the peer trickles) instead of Timeout=2 s, for MAIL, RCPT,
/// DATA and end of data alike. A fix needs a deadline on the whole exchange (lettre's
/// `SmtpConnection` does not expose its socket to shut it down from a watchdog).
#[test]
#[ignore = "known limitation: a trickling server holds a transaction exchange past Timeout"]
fn trickling_server_during_a_transaction_is_bounded_by_timeout() {
    let peer = Peer::start(Script::fault(Step::Mail, Action::Trickle));
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (code, text, _, _) = send_one(&peer, dir.path(), "trickle");
    let elapsed = started.elapsed();
    assert_eq!(code, Code::Connection, "{text}");
    assert!(elapsed < Duration::from_secs(15), "took {elapsed:?}: {text}");
}

/// MAILEND (and dropping the session, which is what closing a C handle does) sends QUIT; a
/// server that never answers it holds them at most Timeout. The message was already sent.
#[test]
fn stall_at_quit_is_bounded_by_timeout() {
    for how in ["MAILEND", "drop"] {
        let peer = Peer::start(Script::fault(Step::Quit, Action::Stall));
        let mut s = Session::new();
        s.execute("MAILSMTP", &peer.props(2, ""), "").unwrap();
        s.execute("MAILPREP", "to@example.com", "").unwrap();
        s.execute("MAILTEXT", "x", "").unwrap();
        let (code, text) = outcome(&s.execute("MAILSEND", "", ""));
        assert_eq!(code, Code::Ok, "{text}");
        let started = Instant::now();
        if how == "MAILEND" {
            let (code, text) = outcome(&s.execute("MAILEND", "", ""));
            assert_eq!(code, Code::Ok, "{text}");
        } else {
            drop(s);
        }
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_secs(8), "{how}: took {elapsed:?} with Timeout=2");
        assert_eq!(peer.count(|s| &s.delivered), 1);
        assert!(peer.lines().iter().any(|l| l.eq_ignore_ascii_case("QUIT")), "{how}: no QUIT: {:?}", peer.lines());
    }
}
