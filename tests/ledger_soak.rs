//! The ledger soak: several threads, each with its own session, send a few thousand messages
//! to Postfix's smtp-sink while faults are injected (soft and hard refusals and dropped
//! connections at MAIL, RCPT, DATA and after the final dot, a 421 at DATA, connections closed
//! between messages). Afterwards every message is accounted for exactly once.
//!
//! What the ledger counts (docs/reliability.md, "The ledger"):
//! - **delivered**: MAILSEND said OK, the log row says SENT, the sink acknowledged it with 250
//!   (its dump exists in a sink whose final reply is 250), and it is in no FailedDir file.
//! - **failed**: MAILSEND failed, the log row says FAILED with that code and names the FailedDir
//!   file, which holds the message (exactly one copy there), and no sink acknowledged it.
//! - smtp-sink writes its dump before it sends the final reply, so a message refused (4xx/5xx)
//!   or dropped *after the final dot* is in the dump of that sink although it was not
//!   acknowledged. Those are counted apart: `refused after data` (the server said no: not
//!   delivered) and `ambiguous` (connection dropped after the dot, before the reply: the server
//!   may have kept it, the client reports code 9 and keeps it in FailedDir). The test is exact
//!   about both: each such message is in that sink's dump once and in FailedDir once.
//!
//! Sized by `LEDGER_MESSAGES` (default 3000) and `LEDGER_THREADS` (default 4).

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use common::smtp::SmtpSink;
use lncmail::session::outcome;
use lncmail::{Code, Session};

/// What a sink does to every message sent to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Acknowledges with 250 (the message is delivered).
    Delivers,
    /// Refuses or drops before DATA is complete: the sink has no dump.
    FailsBeforeData(Code),
    /// Refuses after the final dot: dumped but refused.
    RefusedAfterData(Code),
    /// Drops the connection after the final dot, before replying: the ambiguous case.
    DroppedAfterDot,
}

/// The sinks: fault flags, how often a batch goes there, and what comes of it.
const SINKS: &[(&[&str], u32, Kind)] = &[
    (&[], 40, Kind::Delivers),
    // 421 or a silent close at RSET: the next message goes out on a new connection, unharmed.
    (&["-Q", "rset"], 8, Kind::Delivers),
    (&["-q", "rset"], 8, Kind::Delivers),
    (&["-r", "rcpt"], 4, Kind::FailsBeforeData(Code::Transient)),
    (&["-f", "rcpt"], 4, Kind::FailsBeforeData(Code::Rejected)),
    (&["-f", "mail"], 4, Kind::FailsBeforeData(Code::Rejected)),
    (&["-r", "data"], 4, Kind::FailsBeforeData(Code::Transient)),
    (&["-Q", "data"], 4, Kind::FailsBeforeData(Code::Transient)),
    (&["-q", "mail"], 4, Kind::FailsBeforeData(Code::Connection)),
    (&["-q", "rcpt"], 4, Kind::FailsBeforeData(Code::Connection)),
    (&["-q", "data"], 4, Kind::FailsBeforeData(Code::Connection)),
    (&["-f", "."], 4, Kind::RefusedAfterData(Code::Rejected)),
    (&["-r", "."], 4, Kind::RefusedAfterData(Code::Transient)),
    (&["-q", "."], 4, Kind::DroppedAfterDot),
];

/// A small deterministic generator (xorshift), so a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u32) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % u64::from(n)) as u32
    }
}

/// What the client saw for one message.
#[derive(Debug, Clone)]
struct Sent {
    subject: String,
    sink: usize,
    code: Code,
    text: String,
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn send_all(thread: usize, count: usize, sinks: &[SmtpSink], log: &Path, failed: &Path) -> Vec<Sent> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (thread as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let total_weight: u32 = SINKS.iter().map(|s| s.1).sum();
    let mut s = Session::new();
    let mut out = Vec::with_capacity(count);
    let mut current = usize::MAX;
    let mut left_in_batch = 0;
    for n in 0..count {
        if left_in_batch == 0 {
            // A batch of 1 to 8 messages on one sink: the connection is reused across them,
            // through the failures.
            let mut pick = rng.below(total_weight);
            let mut chosen = 0;
            for (i, sink) in SINKS.iter().enumerate() {
                if pick < sink.1 {
                    chosen = i;
                    break;
                }
                pick -= sink.1;
            }
            left_in_batch = 1 + rng.below(8);
            if chosen != current {
                current = chosen;
                let props = sinks[chosen].props(&format!(
                    "Retries=0;logfile=\"{}\";FailedDir=\"{}\"",
                    log.display(),
                    failed.display()
                ));
                // A failed MAILSEND keeps its draft (COMPOSING); MAILEND leaves it behind.
                if s.state() == lncmail::State::Composing {
                    s.execute("MAILEND", "", "").expect("MAILEND");
                }
                s.execute("MAILSMTP", &props, "").expect("MAILSMTP");
            }
        }
        left_in_batch -= 1;
        let subject = format!("ledger-t{thread}-n{n}");
        s.execute("MAILPREP", &format!("to{n}@example.com"), &format!("subject=\"{subject}\"")).expect("MAILPREP");
        s.execute("MAILTEXT", &format!("message {subject}"), "").expect("MAILTEXT");
        let (code, text) = outcome(&s.execute("MAILSEND", "", ""));
        out.push(Sent { subject, sink: current, code, text });
    }
    s.execute("MAILEND", "", "").expect("MAILEND");
    out
}

/// The `Subject:` of a message's text.
fn subject_of(text: &str) -> Option<String> {
    text.lines().find_map(|l| l.strip_prefix("Subject: ")).map(|s| s.trim().to_string())
}

#[test]
fn every_message_is_accounted_for_exactly_once() {
    let total = env_or("LEDGER_MESSAGES", 3000);
    let threads = env_or("LEDGER_THREADS", 4).max(1);
    let sinks: Arc<Vec<SmtpSink>> = Arc::new(SINKS.iter().map(|(flags, _, _)| SmtpSink::start(flags)).collect());
    let dir = tempfile::tempdir().unwrap();
    let failed = dir.path().join("failed");
    std::fs::create_dir(&failed).unwrap();
    let log = dir.path().join("send.csv");

    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (sinks, log, failed) = (Arc::clone(&sinks), log.clone(), failed.clone());
            let count = total / threads + usize::from(t < total % threads);
            std::thread::spawn(move || send_all(t, count, &sinks, &log, &failed))
        })
        .collect();
    let sent: Vec<Sent> = handles.into_iter().flat_map(|h| h.join().expect("sender thread")).collect();
    let elapsed = started.elapsed();
    assert_eq!(sent.len(), total);

    // What each sink holds: the dumps, by subject (waiting for the expected number first).
    let mut expected_dumps = vec![0usize; SINKS.len()];
    for m in &sent {
        if !matches!(SINKS[m.sink].2, Kind::FailsBeforeData(_)) {
            expected_dumps[m.sink] += 1;
        }
    }
    let mut dumped: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, sink) in sinks.iter().enumerate() {
        for d in sink.wait_messages(expected_dumps[i]) {
            let subject = subject_of(&String::from_utf8_lossy(&d.content)).unwrap_or_default();
            dumped.entry(subject).or_default().push(i);
        }
    }
    // FailedDir, by subject.
    let mut kept: HashMap<String, usize> = HashMap::new();
    for e in std::fs::read_dir(&failed).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        *kept.entry(subject_of(&text).unwrap_or_default()).or_default() += 1;
    }
    // The log, by subject: (status, code).
    let mut logged: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let mut saved_as: HashMap<String, String> = HashMap::new();
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_path(&log).unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        logged.entry(row[7].to_string()).or_default().push((row[10].to_string(), row[11].to_string()));
        if let Some(path) = row[12].split("message saved as ").nth(1) {
            saved_as.insert(row[7].to_string(), path.trim().to_string());
        }
    }

    let mut problems = Vec::new();
    let (mut delivered, mut failed_count, mut refused_after_data, mut ambiguous) = (0, 0, 0, 0);
    let mut by_code: HashMap<i32, usize> = HashMap::new();
    for m in &sent {
        let kind = SINKS[m.sink].2;
        let dumps = dumped.get(&m.subject).cloned().unwrap_or_default();
        let in_failed = kept.get(&m.subject).copied().unwrap_or(0);
        let rows = logged.get(&m.subject).cloned().unwrap_or_default();
        let mut problem = |what: String| problems.push(format!("{} (sink {:?}): {what}", m.subject, SINKS[m.sink].0));
        let expected_code = match kind {
            Kind::Delivers => Code::Ok,
            Kind::FailsBeforeData(c) | Kind::RefusedAfterData(c) => c,
            Kind::DroppedAfterDot => Code::Connection,
        };
        if m.code != expected_code {
            problem(format!("code {:?}, expected {expected_code:?}: {}", m.code, m.text));
        }
        if rows.len() != 1 {
            problem(format!("{} log rows", rows.len()));
        }
        let status = if m.code == Code::Ok { "SENT" } else { "FAILED" };
        if !rows.iter().all(|(s, c)| s == status && *c == (m.code as i32).to_string()) {
            problem(format!("log rows {rows:?}, expected {status};{}", m.code as i32));
        }
        *by_code.entry(m.code as i32).or_default() += 1;
        match kind {
            Kind::Delivers => {
                delivered += 1;
                if dumps != [m.sink] {
                    problem(format!("received {} times (sinks {dumps:?})", dumps.len()));
                }
                if in_failed != 0 {
                    problem("delivered and also in FailedDir".into());
                }
            }
            _ => {
                failed_count += 1;
                if in_failed != 1 {
                    problem(format!("{in_failed} copies in FailedDir"));
                }
                // The log row names the file that holds this very message.
                let named = saved_as.get(&m.subject).and_then(|p| std::fs::read_to_string(p).ok());
                if named.as_deref().and_then(subject_of).as_deref() != Some(m.subject.as_str()) {
                    problem(format!("the log row does not name its FailedDir file ({:?})", saved_as.get(&m.subject)));
                }
                let expected_dumps: &[usize] = match kind {
                    Kind::FailsBeforeData(_) => &[],
                    _ => std::slice::from_ref(&m.sink),
                };
                if dumps != expected_dumps {
                    problem(format!("dumped by sinks {dumps:?}, expected {expected_dumps:?}"));
                }
                match kind {
                    Kind::RefusedAfterData(_) => refused_after_data += 1,
                    Kind::DroppedAfterDot => ambiguous += 1,
                    _ => {}
                }
            }
        }
    }
    // Nothing received or kept that was not sent by this test.
    let subjects: std::collections::HashSet<&str> = sent.iter().map(|m| m.subject.as_str()).collect();
    for s in dumped.keys().chain(kept.keys()).chain(logged.keys()) {
        if !subjects.contains(s.as_str()) {
            problems.push(format!("unknown message {s:?} in a dump, FailedDir or the log"));
        }
    }
    let mut codes: Vec<_> = by_code.into_iter().collect();
    codes.sort();
    println!(
        "ledger: {total} messages by {threads} threads in {:.1} s: delivered {delivered}, failed {failed_count} \
         (of which refused after data {refused_after_data}, ambiguous drop after the dot {ambiguous}); by code {codes:?}; \
         FailedDir files {}; log rows {}; problems {}",
        elapsed.as_secs_f64(),
        kept.values().sum::<usize>(),
        logged.values().map(Vec::len).sum::<usize>(),
        problems.len()
    );
    assert!(problems.is_empty(), "{} problems, first ones:\n{}", problems.len(), problems[..problems.len().min(20)].join("\n"));
    assert_eq!(delivered + failed_count, total);
    // The faults really happened: every kind of outcome was seen.
    assert!(delivered > 0 && failed_count > 0 && refused_after_data > 0 && ambiguous > 0);
}
