//! A scripted SMTP peer on 127.0.0.1 for the faults no ready-made server injects: a reply or a
//! dropped connection or a stall at any step, from the greeting to the end of data, including
//! AUTH, STARTTLS answered with garbage, the middle of DATA, and TLS from the first byte with
//! a chosen certificate. It is the test's peer (a real socket, a real client on the other side),
//! not a mock of lncmail.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where in the dialogue the fault strikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Instead of the `220` greeting.
    Greeting,
    /// The reply to EHLO.
    Ehlo,
    /// The reply to STARTTLS.
    Starttls,
    /// The reply to AUTH.
    Auth,
    /// The reply to MAIL FROM.
    Mail,
    /// The reply to RCPT TO.
    Rcpt,
    /// The reply to DATA.
    Data,
    /// After the first line of the message, before its end.
    MidData,
    /// The reply after the final `.`.
    EndOfData,
    /// The reply to QUIT.
    Quit,
}

/// What the peer does at that step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Sends this reply (one line, CRLF added); a `421` also closes the connection.
    Reply(&'static str),
    /// Closes the connection without a word.
    Drop,
    /// Says nothing for 30 s, then closes.
    Stall,
    /// Answers `220` and then sends bytes that are not a TLS handshake (for STARTTLS).
    Garbage,
    /// Starts a reply and then sends one more byte every 300 ms for 40 s, never ending the
    /// line: the socket is never idle long enough for a read timeout.
    Trickle,
}

/// How the peer behaves.
#[derive(Clone)]
pub struct Script {
    /// The fault, if any.
    pub fault: Option<(Step, Action)>,
    /// Announce STARTTLS in the EHLO reply.
    pub starttls: bool,
    /// Announce this SIZE limit.
    pub size: Option<usize>,
    /// Serve TLS from the first byte with this acceptor (SMTPS).
    pub tls: Option<Arc<openssl::ssl::SslAcceptor>>,
}

impl Script {
    /// A well-behaved peer with one fault.
    pub fn fault(step: Step, action: Action) -> Script {
        Script { fault: Some((step, action)), starttls: false, size: None, tls: None }
    }

    /// A well-behaved peer.
    pub fn clean() -> Script {
        Script { fault: None, starttls: false, size: None, tls: None }
    }
}

/// What the peer saw, counted across connections.
#[derive(Debug, Default)]
pub struct Seen {
    /// Connections accepted.
    pub connections: AtomicUsize,
    /// AUTH commands received.
    pub auths: AtomicUsize,
    /// MAIL FROM commands received (one per attempt at a transaction).
    pub mails: AtomicUsize,
    /// Messages received whole (up to the final dot), acknowledged or not.
    pub complete: AtomicUsize,
    /// Messages acknowledged with `250` after the final dot: delivered.
    pub delivered: AtomicUsize,
    /// Every command line received, in order (DATA content excluded).
    pub lines: Mutex<Vec<String>>,
}

/// A running scripted peer; stops accepting when dropped.
pub struct Peer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// What it saw.
    pub seen: Arc<Seen>,
    stop: Arc<AtomicBool>,
}

impl Peer {
    /// Starts the peer on a free port; each connection is served on its own thread.
    pub fn start(script: Script) -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local addr").port();
        let seen = Arc::new(Seen::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (thread_seen, thread_stop) = (Arc::clone(&seen), Arc::clone(&stop));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if thread_stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                thread_seen.connections.fetch_add(1, Ordering::SeqCst);
                let (script, seen) = (script.clone(), Arc::clone(&thread_seen));
                std::thread::spawn(move || serve(stream, &script, &seen));
            }
        });
        Peer { port, seen, stop }
    }

    /// MAILSMTP properties for this peer (plain, loopback, the given Timeout), plus `extra`.
    pub fn props(&self, timeout: u32, extra: &str) -> String {
        format!("Server=\"127.0.0.1\";port={};Sender=\"sender@example.com\";Timeout={timeout};{extra}", self.port)
    }

    /// A counter's current value.
    pub fn count(&self, counter: impl Fn(&Seen) -> &AtomicUsize) -> usize {
        counter(&self.seen).load(Ordering::SeqCst)
    }

    /// The command lines received so far.
    pub fn lines(&self) -> Vec<String> {
        self.seen.lines.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(stream: TcpStream, script: &Script, seen: &Seen) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    match &script.tls {
        Some(acceptor) => {
            if let Ok(tls) = acceptor.accept(stream) {
                converse(tls, script, seen);
            }
        }
        None => converse(stream, script, seen),
    }
}

/// What to do after handling a step.
enum Next {
    Continue,
    Close,
}

fn act<S: Read + Write>(io: &mut BufReader<S>, script: &Script, step: Step, normal: &str) -> Next {
    let action = match script.fault {
        Some((s, a)) if s == step => a,
        _ => {
            let _ = io.get_mut().write_all(normal.as_bytes());
            let _ = io.get_mut().flush();
            return Next::Continue;
        }
    };
    match action {
        Action::Reply(text) => {
            let _ = io.get_mut().write_all(format!("{text}\r\n").as_bytes());
            let _ = io.get_mut().flush();
            if text.starts_with("421") {
                Next::Close
            } else {
                Next::Continue
            }
        }
        Action::Drop => Next::Close,
        Action::Stall => {
            std::thread::sleep(Duration::from_secs(30));
            Next::Close
        }
        Action::Trickle => {
            let _ = io.get_mut().write_all(b"250-");
            for _ in 0..133 {
                if io.get_mut().write_all(b"x").and_then(|()| io.get_mut().flush()).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(300));
            }
            Next::Close
        }
        Action::Garbage => {
            let _ = io.get_mut().write_all(b"220 2.0.0 Ready to start TLS\r\n");
            let _ = io.get_mut().flush();
            // Wait for the ClientHello, so that the garbage answers the handshake itself.
            let mut hello = [0u8; 4096];
            let _ = io.read(&mut hello);
            let _ = io.get_mut().write_all(b"this is not a TLS server hello\r\n\x00\x01\x02\x03");
            let _ = io.get_mut().flush();
            // Keep the socket open a little so the client reads the garbage, not a close.
            std::thread::sleep(Duration::from_secs(2));
            Next::Close
        }
    }
}

fn converse<S: Read + Write>(stream: S, script: &Script, seen: &Seen) {
    let mut io = BufReader::new(stream);
    if let Next::Close = act(&mut io, script, Step::Greeting, "220 peer.example ESMTP scripted peer\r\n") {
        return;
    }
    loop {
        let mut line = String::new();
        match io.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let cmd = line.trim_end().to_string();
        if let Ok(mut l) = seen.lines.lock() {
            l.push(cmd.clone());
        }
        let verb = cmd.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        let next = match verb.as_str() {
            "EHLO" => {
                let mut reply = String::from("250-peer.example\r\n250-8BITMIME\r\n250-AUTH PLAIN LOGIN\r\n");
                if script.starttls {
                    reply.push_str("250-STARTTLS\r\n");
                }
                if let Some(n) = script.size {
                    reply.push_str(&format!("250-SIZE {n}\r\n"));
                }
                reply.push_str("250 ENHANCEDSTATUSCODES\r\n");
                act(&mut io, script, Step::Ehlo, &reply)
            }
            "HELO" => act(&mut io, script, Step::Ehlo, "250 peer.example\r\n"),
            "STARTTLS" => act(&mut io, script, Step::Starttls, "454 4.7.0 TLS not available in this script\r\n"),
            "AUTH" => {
                seen.auths.fetch_add(1, Ordering::SeqCst);
                act(&mut io, script, Step::Auth, "235 2.7.0 Authentication successful\r\n")
            }
            "MAIL" => {
                seen.mails.fetch_add(1, Ordering::SeqCst);
                act(&mut io, script, Step::Mail, "250 2.1.0 Ok\r\n")
            }
            "RCPT" => act(&mut io, script, Step::Rcpt, "250 2.1.5 Ok\r\n"),
            "DATA" => match act(&mut io, script, Step::Data, "354 End data with <CR><LF>.<CR><LF>\r\n") {
                Next::Close => Next::Close,
                Next::Continue if matches!(script.fault, Some((Step::Data, _))) => Next::Continue,
                Next::Continue => receive_message(&mut io, script, seen),
            },
            "RSET" | "NOOP" => {
                let _ = io.get_mut().write_all(b"250 2.0.0 Ok\r\n");
                Next::Continue
            }
            "QUIT" => {
                let _ = act(&mut io, script, Step::Quit, "221 2.0.0 Bye\r\n");
                Next::Close
            }
            _ => {
                let _ = io.get_mut().write_all(b"502 5.5.2 not in this script\r\n");
                Next::Continue
            }
        };
        if let Next::Close = next {
            return;
        }
    }
}

/// Reads the message after `354` up to the final dot, then replies.
fn receive_message<S: Read + Write>(io: &mut BufReader<S>, script: &Script, seen: &Seen) -> Next {
    let mut first = true;
    loop {
        let mut line = Vec::new();
        match io.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return Next::Close,
            Ok(_) => {}
        }
        if line == b".\r\n" || line == b".\n" {
            break;
        }
        if first {
            first = false;
            if let Some((Step::MidData, _)) = script.fault {
                if let Next::Close = act(io, script, Step::MidData, "") {
                    return Next::Close;
                }
            }
        }
    }
    seen.complete.fetch_add(1, Ordering::SeqCst);
    // Counted before the 250 goes out: the client may look at the count as soon as it has it.
    if !matches!(script.fault, Some((Step::EndOfData, _))) {
        seen.delivered.fetch_add(1, Ordering::SeqCst);
    }
    act(io, script, Step::EndOfData, "250 2.0.0 Ok: queued as PEER\r\n")
}
