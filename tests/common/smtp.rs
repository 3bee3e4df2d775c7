//! SMTP servers for tests, on 127.0.0.1 and a free port, stopped when dropped:
//! Postfix's `smtp-sink` (fast sink with fault injection and a dump of what it received), an
//! aiosmtpd server with STARTTLS, SMTPS and AUTH (`tests/support/smtp_server.py`), and a full
//! Postfix with a loopback-only configuration in a temporary folder.

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use super::require_tool;

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

/// Whether the tests run as root (smtp-sink and Postfix then need a user to switch to).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Waits until something accepts connections on the port.
pub fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on 127.0.0.1:{port} within 20 s");
}

/// Makes a folder usable by the unprivileged user smtp-sink or Postfix switch to.
fn open_up(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Postfix's `smtp-sink`, with the given options (`-f rcpt`, `-w 5` ...), dumping every message.
pub struct SmtpSink {
    /// Its port on 127.0.0.1.
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

/// One message as smtp-sink dumped it.
#[derive(Debug, Clone)]
pub struct SinkDump {
    /// `X-Helo-Args`: the EHLO name.
    pub helo: String,
    /// `X-Mail-Args`: what followed `MAIL FROM:`.
    pub mail_args: String,
    /// `X-Rcpt-Args`, one per RCPT TO.
    pub rcpt_args: Vec<String>,
    /// The message as received (dot-unstuffed; smtp-sink writes LF line ends).
    pub content: Vec<u8>,
}

impl SmtpSink {
    /// Starts smtp-sink on a free port with extra options.
    pub fn start(options: &[&str]) -> SmtpSink {
        let sink = require_tool("smtp-sink", "apt-get install postfix");
        let dir = tempfile::tempdir().expect("tempdir");
        let dump = dir.path().join("dump");
        std::fs::create_dir(&dump).expect("mkdir dump");
        let mut cmd = Command::new(sink);
        if is_root() {
            // smtp-sink refuses to run as root without -u; the user must reach the dump folder.
            open_up(dir.path(), 0o755);
            open_up(&dump, 0o777);
            cmd.args(["-u", "nobody"]);
        }
        let port = free_port();
        let stdout = std::fs::File::create(dir.path().join("counters")).expect("counters file");
        // -v logs every command received on stderr: the server's own count of attempts.
        let stderr = std::fs::File::create(dir.path().join("conversation")).expect("conversation file");
        cmd.arg("-c")
            .arg("-v")
            .arg("-d")
            .arg(format!("{}/msg.", dump.display()))
            .args(options)
            .arg(format!("127.0.0.1:{port}"))
            .arg("64")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        let child = cmd.spawn().expect("start smtp-sink");
        let sink = SmtpSink { port, dir, child };
        wait_for_port(port, "smtp-sink");
        sink
    }

    /// The MAILSMTP properties to send to this sink (plain SMTP, a short Timeout).
    pub fn props(&self, extra: &str) -> String {
        format!("Server=\"127.0.0.1\";port={};Sender=\"Sender <sender@example.com>\";Timeout=10;{extra}", self.port)
    }

    /// Every message received so far, in no particular order.
    pub fn messages(&self) -> Vec<SinkDump> {
        let mut out = Vec::new();
        let dump = self.dir.path().join("dump");
        for entry in std::fs::read_dir(&dump).expect("read dump dir") {
            let bytes = std::fs::read(entry.expect("entry").path()).expect("read dump");
            out.push(parse_dump(&bytes));
        }
        out
    }

    /// Waits until `n` messages are dumped (smtp-sink finishes a file as it replies).
    pub fn wait_messages(&self, n: usize) -> Vec<SinkDump> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let m = self.messages();
            if m.len() >= n || Instant::now() > deadline {
                return m;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The latest `-c` counters: (sessions ended, QUITs, messages). The harness's own readiness
    /// probe is one of the sessions.
    pub fn counters(&self) -> (u64, u64, u64) {
        let text = std::fs::read_to_string(self.dir.path().join("counters")).unwrap_or_default();
        let last = text.split(['\r', '\n']).rfind(|l| l.starts_with("sess=")).unwrap_or("");
        let mut v = [0u64; 3];
        for (i, field) in last.split_whitespace().take(3).enumerate() {
            v[i] = field.split('=').nth(1).and_then(|n| n.parse().ok()).unwrap_or(0);
        }
        (v[0], v[1], v[2])
    }

    /// How many times the server received a command (`mail`, `rcpt`, `data`, `.`, `rset`,
    /// `ehlo`, `quit` ...), from its `-v` log.
    pub fn commands(&self, verb: &str) -> usize {
        let text = std::fs::read_to_string(self.dir.path().join("conversation")).unwrap_or_default();
        text.lines()
            // Lines are `<argv[0]>: <command line>`.
            .filter_map(|l| l.split_once("smtp-sink: ").map(|(_, rest)| rest))
            .filter(|l| l.split_whitespace().next().is_some_and(|w| w.eq_ignore_ascii_case(verb)))
            .count()
    }

    /// The server's `-v` log (for assertion messages).
    pub fn conversation(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("conversation")).unwrap_or_default()
    }

    /// Waits until the counters show `sessions` ended sessions (they update when a session ends).
    pub fn wait_sessions(&self, sessions: u64) -> (u64, u64, u64) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let c = self.counters();
            if c.0 >= sessions || Instant::now() > deadline {
                return c;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn parse_dump(bytes: &[u8]) -> SinkDump {
    let mut helo = String::new();
    let mut mail_args = String::new();
    let mut rcpt_args = Vec::new();
    let mut pos = 0;
    // smtp-sink's own records end with its three-line Received: header.
    let mut received_lines = 0;
    while pos < bytes.len() {
        let end = bytes[pos..].iter().position(|b| *b == b'\n').map_or(bytes.len(), |i| pos + i + 1);
        let line = String::from_utf8_lossy(&bytes[pos..end]).trim_end().to_string();
        pos = end;
        if let Some(v) = line.strip_prefix("X-Helo-Args: ") {
            helo = v.to_string();
        } else if let Some(v) = line.strip_prefix("X-Mail-Args: ") {
            mail_args = v.to_string();
        } else if let Some(v) = line.strip_prefix("X-Rcpt-Args: ") {
            rcpt_args.push(v.to_string());
        } else if line.starts_with("Received: ") || received_lines > 0 {
            received_lines += 1;
            if received_lines == 3 {
                break;
            }
        }
    }
    let mut content = bytes[pos..].to_vec();
    // smtp-sink ends each dumped message with an empty line of its own.
    if content.ends_with(b"\n") {
        content.pop();
    }
    SinkDump { helo, mail_args, rcpt_args, content }
}

/// How the aiosmtpd test server secures connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// No TLS at all.
    Plain,
    /// STARTTLS offered and required before MAIL.
    StartTls,
    /// TLS from the first byte.
    Smtps,
}

/// Options of the aiosmtpd test server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// TLS mode.
    pub mode: TlsMode,
    /// Required AUTH user and password.
    pub auth: Option<(String, String)>,
    /// An XOAUTH2 token accepted for the AUTH user.
    pub token: Option<String>,
    /// Recipients refused with 550.
    pub refuse: Vec<String>,
    /// SIZE limit announced (and enforced).
    pub size: Option<u64>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions { mode: TlsMode::Plain, auth: None, token: None, refuse: Vec::new(), size: None }
    }
}

/// A self-signed certificate for 127.0.0.1 and localhost, made with the openssl CLI.
#[derive(Debug, Clone)]
pub struct TestCert {
    /// The certificate (PEM); also usable as `CAFile`, being self-signed.
    pub cert: PathBuf,
    /// Its key (PEM).
    pub key: PathBuf,
}

/// Generates a self-signed server certificate in `dir`.
pub fn self_signed_cert(dir: &Path) -> TestCert {
    let openssl = require_tool("openssl", "apt-get install openssl");
    let cert = dir.join("server.crt");
    let key = dir.join("server.key");
    let out = Command::new(openssl)
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl req");
    assert!(out.status.success(), "openssl req failed: {}", String::from_utf8_lossy(&out.stderr));
    TestCert { cert, key }
}

/// The aiosmtpd test server (`tests/support/smtp_server.py`).
pub struct TestServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Its certificate (for the TLS modes).
    pub cert: TestCert,
    dir: tempfile::TempDir,
    child: Child,
    // Closing it tells the server to stop.
    _stdin: Option<ChildStdin>,
}

/// A message the test server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// The bytes as received (dot-unstuffed).
    pub bytes: Vec<u8>,
    /// The envelope as JSON text (mail_from, mail_options, rcpt_tos, rcpt_options, auth, tls).
    pub meta: String,
}

impl TestServer {
    /// Starts the server.
    pub fn start(options: ServerOptions) -> TestServer {
        // The python3 on PATH: the one pip installed aiosmtpd for (it may not be /usr/bin's).
        let python = PathBuf::from("python3");
        let probe = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .output()
            .unwrap_or_else(|e| panic!("python3 cannot be run ({e}): apt-get install python3 (bash .ci/run installs it)"));
        assert!(
            probe.status.success(),
            "the Python package aiosmtpd is missing: python3 -m pip install aiosmtpd (bash .ci/run installs it)"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let dump = dir.path().join("dump");
        std::fs::create_dir(&dump).expect("mkdir dump");
        let cert = self_signed_cert(dir.path());
        let port = free_port();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_server.py");
        let mut cmd = Command::new(python);
        cmd.arg(script).arg("--port").arg(port.to_string()).arg("--dump").arg(&dump);
        cmd.arg("--mode").arg(match options.mode {
            TlsMode::Plain => "plain",
            TlsMode::StartTls => "starttls",
            TlsMode::Smtps => "smtps",
        });
        cmd.arg("--cert").arg(&cert.cert).arg("--key").arg(&cert.key);
        if let Some((u, p)) = &options.auth {
            cmd.args(["--user", u, "--password", p]);
        }
        if let Some(t) = &options.token {
            cmd.args(["--token", t]);
        }
        for r in &options.refuse {
            cmd.args(["--refuse", r]);
        }
        if let Some(s) = options.size {
            cmd.arg("--size").arg(s.to_string());
        }
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::null());
        let mut child = cmd.spawn().expect("start the aiosmtpd test server");
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        assert_eq!(line.trim(), "READY", "the aiosmtpd test server did not start");
        // Keep draining its stdout so it never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = stdout.read_to_end(&mut sink);
        });
        TestServer { port, cert, dir, child, _stdin: stdin }
    }

    /// MAILSMTP properties for this server (a short Timeout), plus `extra`.
    pub fn props(&self, extra: &str) -> String {
        format!("Server=\"127.0.0.1\";port={};Sender=\"sender@example.com\";Timeout=10;{extra}", self.port)
    }

    /// Every message received so far, in order.
    pub fn messages(&self) -> Vec<Received> {
        let dump = self.dir.path().join("dump");
        let mut out = Vec::new();
        for n in 1.. {
            let eml = dump.join(format!("{n}.eml"));
            if !eml.exists() {
                break;
            }
            let bytes = std::fs::read(&eml).expect("read eml");
            let meta = std::fs::read_to_string(dump.join(format!("{n}.json"))).unwrap_or_default();
            out.push(Received { bytes, meta });
        }
        out
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A full Postfix (`master -d`) with a loopback-only configuration in a temporary folder: it
/// listens on 127.0.0.1 only, delivers mail for `example.test` into one Maildir, and sends
/// nothing anywhere else. Needs root (Postfix switches to its `postfix` user).
pub struct Postfix {
    /// Its SMTP port on 127.0.0.1.
    pub port: u16,
    dir: tempfile::TempDir,
    master: Child,
}

/// The master.cf services the test instance needs, none chrooted.
const MASTER_CF: &str = "\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
showq     unix  n       -       n       -       -       showq
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
";

impl Postfix {
    /// Configures and starts the instance; returns once it accepts connections.
    pub fn start() -> Postfix {
        Postfix::start_with(false)
    }

    /// The same, offering STARTTLS with a self-signed certificate (see [`Postfix::cert`]).
    pub fn start_with_tls() -> Postfix {
        Postfix::start_with(true)
    }

    /// The instance's certificate (when started with TLS), usable as `CAFile`.
    pub fn cert(&self) -> PathBuf {
        self.dir.path().join("server.crt")
    }

    fn start_with(tls: bool) -> Postfix {
        let postfix = require_tool("postfix", "apt-get install postfix");
        let master = PathBuf::from("/usr/lib/postfix/sbin/master");
        assert!(master.exists(), "{} is missing: apt-get install postfix (bash .ci/run installs it)", master.display());
        assert!(is_root(), "the full Postfix test needs root: Postfix's master switches to the postfix user (CI runs as root)");
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        open_up(d, 0o755);
        for sub in ["conf", "queue", "data", "mail"] {
            std::fs::create_dir(d.join(sub)).expect("mkdir");
        }
        let chown = |owner: &str, path: &Path| {
            let ok = Command::new("chown").arg(owner).arg(path).status().map(|s| s.success()).unwrap_or(false);
            assert!(ok, "chown {owner} {}", path.display());
        };
        chown("postfix", &d.join("data"));
        chown("nobody", &d.join("mail"));
        let port = free_port();
        let main_cf = format!(
            "compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = lncmail-test.localdomain
mydomain = localdomain
mydestination =
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
virtual_mailbox_domains = example.test
virtual_mailbox_base = {d}/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
maillog_file = /dev/stdout
default_transport = error:mail leaving the machine is disabled in this test instance
relay_transport = error:mail leaving the machine is disabled in this test instance
",
            d = d.display()
        );
        let main_cf = if tls {
            let cert = self_signed_cert(d);
            format!(
                "{main_cf}smtpd_tls_cert_file = {}\nsmtpd_tls_key_file = {}\nsmtpd_tls_security_level = may\n",
                cert.cert.display(),
                cert.key.display()
            )
        } else {
            main_cf
        };
        std::fs::write(d.join("conf/main.cf"), main_cf).expect("main.cf");
        std::fs::write(d.join("conf/master.cf"), format!("127.0.0.1:{port} inet n - n - - smtpd\n{MASTER_CF}"))
            .expect("master.cf");
        // `postfix check` creates the queue folders with the owners and modes Postfix wants.
        let conf = d.join("conf");
        let _ = Command::new(&postfix).arg("-c").arg(&conf).arg("check").stdout(Stdio::null()).stderr(Stdio::null()).status();
        let log = std::fs::File::create(d.join("maillog")).expect("maillog");
        let master = Command::new(master)
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start postfix master");
        let pf = Postfix { port, dir, master };
        wait_for_port(port, "postfix");
        pf
    }

    /// A `sendmail` program for this instance: Postfix's own, pointed at its configuration.
    pub fn sendmail_wrapper(&self) -> PathBuf {
        let path = self.dir.path().join("sendmail.sh");
        let script = format!(
            "#!/bin/sh\nMAIL_CONFIG='{}/conf' exec /usr/sbin/sendmail \"$@\"\n",
            self.dir.path().display()
        );
        std::fs::write(&path, script).expect("write wrapper");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    /// Waits (up to 30 s) until the Maildir holds `n` messages and returns them.
    pub fn wait_mailbox(&self, n: usize) -> Vec<Vec<u8>> {
        let new = self.dir.path().join("mail/inbox/new");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&new)
                .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            if files.len() >= n || Instant::now() > deadline {
                files.sort();
                return files.iter().map(|f| std::fs::read(f).expect("read maildir file")).collect();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The instance's log so far (for assertion messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("maillog")).unwrap_or_default()
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        // SIGTERM lets master stop its children; SIGKILL would leave them running.
        let _ = Command::new("kill").arg("-TERM").arg(self.master.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.master.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.master.kill();
        let _ = self.master.wait();
    }
}
