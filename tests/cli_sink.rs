//! A batch of 1000 messages from one command file to Postfix's smtp-sink: one process, one SMTP
//! connection, and the summary's counts match what the sink received.

mod cli_support;
mod common;

use cli_support::{lncmail, write};
use common::smtp::SmtpSink;

#[test]
fn a_thousand_messages_in_one_process_and_one_connection() {
    const N: usize = 1000;
    let sink = SmtpSink::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("MAILSMTP '{}'\n", sink.props("logfile=\"send-log.csv\"").replace('\'', "''"));
    for i in 0..N {
        text.push_str(&format!(
            "MAILPREP 'Customer {i} <c{i}@example.com>' 'subject=\"Invoice {i}\"'\nMAILTEXT 'Your invoice number {i} is ready.'\nMAILSEND\n"
        ));
    }
    text.push_str("MAILEND\n");
    let f = write(dir.path(), "batch.lnc", &text);
    let out = lncmail(dir.path(), &["run", &f], &[], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Nothing on standard error but the summary, whose counts the sink must confirm.
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.starts_with(&format!("lncmail: {N} sent, 0 partial, 0 failed in ")), "{}", out.stderr);
    assert_eq!(out.stdout.lines().filter(|l| l.contains(": MAILSEND: OK 250")).count(), N);
    let messages = sink.wait_messages(N);
    assert_eq!(messages.len(), N, "the sink received {} messages", messages.len());
    let mut subjects: Vec<usize> = messages
        .iter()
        .filter_map(|m| {
            let t = String::from_utf8_lossy(&m.content);
            t.lines().find_map(|l| l.strip_prefix("Subject: Invoice ").and_then(|n| n.trim().parse().ok()))
        })
        .collect();
    subjects.sort_unstable();
    assert_eq!(subjects, (0..N).collect::<Vec<_>>(), "every message exactly once");
    // Sessions ended: the harness's readiness probe and our one connection.
    let (sessions, _quits, received) = sink.wait_sessions(2);
    assert_eq!((sessions, received), (2, N as u64), "one SMTP connection for the whole batch");
    assert_eq!(sink.commands("mail"), N, "one MAIL FROM per message, no retry");
    assert_eq!(sink.commands("quit"), 1, "one QUIT, at MAILEND");
    let log = std::fs::read_to_string(dir.path().join("send-log.csv")).unwrap();
    assert_eq!(log.lines().filter(|l| l.contains(";SENT;0;")).count(), N);
}

#[test]
fn the_summary_counts_match_the_sink() {
    // Messages 3 and 7 name a missing attachment: with --keep-going they are not sent.
    let sink = SmtpSink::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("MAILSMTP '{}'\n", sink.props(""));
    for i in 0..10 {
        text.push_str(&format!("MAILPREP 'c{i}@example.com'\nMAILTEXT 'n {i}'\n"));
        if i == 3 || i == 7 {
            text.push_str("MAILATT 'missing.pdf'\n");
        }
        text.push_str("MAILSEND\n");
    }
    let f = write(dir.path(), "batch.lnc", &text);
    let out = lncmail(dir.path(), &["run", "--keep-going", &f], &[], None);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stderr.contains("lncmail: 8 sent, 0 partial, 2 failed in "), "{}", out.all());
    assert_eq!(out.stdout.lines().filter(|l| l.contains(": MAILSEND: OK 250")).count(), 8, "{}", out.all());
    assert_eq!(sink.wait_messages(8).len(), 8);
    assert_eq!(sink.wait_sessions(2).2, 8);
}
