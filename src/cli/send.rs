//! `lncmail send`: one message from flags, the LNCSNDMAIL equivalent, through the same commands.

use std::path::PathBuf;

use lncmail::session::outcome;

use super::{quote, Global, EXIT_ARGS, EXIT_FAILED, EXIT_OK};

pub const HELP: &str = "\
Send one message from flags: the LNCSNDMAIL equivalent. The flags become the commands MAILSMTP, \
MAILPREP, MAILCC, MAILBCC, MAILTEXT, MAILBODYF, MAILATT, MAILPRTY, MAILREPORT, MAILHEADER, \
MAILSEND and MAILEND, so the checks, result codes and send log are those of a command file. \
Every MAILSMTP property can be given with --set KEY=VALUE (or as KEY alone for a flag); \
properties not given come from the defaults file (--defaults or $LNCMAIL_DEFAULTS).

The result of MAILSEND is printed on standard output (OK <server reply>, or OK <file> for \
file:); a failure is printed on standard error as `lncmail: send: COMMAND: E<code> <message>`.";

pub const EXAMPLES: &str = "\
Examples:
  lncmail send --server smtp.example.com --from me@example.com --to you@example.com \\
      --subject 'Monthly report' --text 'Please find the report attached.' --attach report.pdf
  SMTP_PASSWORD=... lncmail send --server smtp.example.com --port 587 --set enableSSL \\
      --set UserId=me --set 'password=${SMTP_PASSWORD}' --from me@example.com --to you@example.com \\
      --subject Hi --text-file body.txt --html-file body.html --priority '*HIGH' --report
  lncmail send --defaults site.props --to ops@example.com --subject 'Job done' --text ok

Exit status:
  0  the message was sent
  1  a command failed, or the message reached only some recipients (code 16)
  2  the arguments (or --text-file) could not be read";

/// `lncmail send` arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// SMTP server (host, IP, file:DIR, sendmail:), MAILSMTP Server.
    #[arg(long, value_name = "HOST")]
    pub server: Option<String>,
    /// Server port, MAILSMTP port.
    #[arg(long)]
    pub port: Option<u16>,
    /// Sender address (may carry a display name), MAILSMTP Sender.
    #[arg(long, value_name = "ADDRESS")]
    pub from: Option<String>,
    /// Reply-To address, MAILSMTP reply.
    #[arg(long, value_name = "ADDRESS")]
    pub reply_to: Option<String>,
    /// To recipients (repeat, or separate with ; or ,).
    #[arg(long, required = true, value_name = "ADDRESSES")]
    pub to: Vec<String>,
    /// Cc recipients.
    #[arg(long, value_name = "ADDRESSES")]
    pub cc: Vec<String>,
    /// Blind recipients (in the envelope, never in a header).
    #[arg(long, value_name = "ADDRESSES")]
    pub bcc: Vec<String>,
    /// Subject.
    #[arg(long, short = 's')]
    pub subject: Option<String>,
    /// A line of the text body (repeat for more lines).
    #[arg(long, value_name = "TEXT")]
    pub text: Vec<String>,
    /// The text body from a file (UTF-8), after the --text lines.
    #[arg(long, value_name = "FILE")]
    pub text_file: Option<PathBuf>,
    /// The HTML body from a file (MAILBODYF).
    #[arg(long, value_name = "FILE")]
    pub html_file: Option<PathBuf>,
    /// Attach a file (repeat for more).
    #[arg(long, short = 'a', value_name = "FILE")]
    pub attach: Vec<PathBuf>,
    /// Priority: *HIGH, *NORMAL, *LOW or 0-5.
    #[arg(long)]
    pub priority: Option<String>,
    /// Ask for reports: delivery, read, or both when given without a value.
    #[arg(long, value_name = "KIND", num_args = 0..=1, require_equals = true, default_missing_value = "both",
          value_parser = ["delivery", "read", "both"])]
    pub report: Option<String>,
    /// A custom header, `Name: value` (repeat for more).
    #[arg(long, value_name = "HEADER")]
    pub header: Vec<String>,
    /// Body charset (UTF-8, ISO-8859-1, Windows-1252 ...).
    #[arg(long)]
    pub charset: Option<String>,
    /// Any MAILSMTP property, KEY=VALUE or KEY for a flag (repeat); ${NAME} is taken from the
    /// environment.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// The commands a `send` runs, in order.
fn commands(args: &Args) -> Result<Vec<(&'static str, String, String)>, String> {
    let env = |n: &str| std::env::var(n).ok();
    let mut smtp = Vec::new();
    let prop = |smtp: &mut Vec<String>, key: &str, value: &str| smtp.push(format!("{key}={}", quote(value)));
    if let Some(v) = &args.server {
        prop(&mut smtp, "Server", v);
    }
    if let Some(v) = args.port {
        prop(&mut smtp, "port", &v.to_string());
    }
    if let Some(v) = &args.from {
        prop(&mut smtp, "Sender", v);
    }
    if let Some(v) = &args.reply_to {
        prop(&mut smtp, "reply", v);
    }
    for item in &args.set {
        let (key, value) = match item.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v)),
            None => (item.trim(), None),
        };
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '_') {
            // The value is not repeated: it may be a password.
            return Err(format!("--set: '{key}' is not a property name (expected KEY=VALUE, KEY a MAILSMTP property)"));
        }
        match value {
            Some(v) => {
                let v = lncmail::script::expand(v, env).map_err(|e| format!("--set {key}: {}", e.message()))?;
                prop(&mut smtp, key, &v);
            }
            None => smtp.push(key.to_string()),
        }
    }
    let mut cmds = vec![("MAILSMTP", smtp.join(";"), String::new())];
    let mut prep = Vec::new();
    if let Some(s) = &args.subject {
        prep.push(format!("subject={}", quote(s)));
    }
    if let Some(c) = &args.charset {
        prep.push(format!("charset={}", quote(c)));
    }
    cmds.push(("MAILPREP", args.to.join(";"), prep.join(";")));
    for cc in &args.cc {
        cmds.push(("MAILCC", cc.clone(), String::new()));
    }
    for bcc in &args.bcc {
        cmds.push(("MAILBCC", bcc.clone(), String::new()));
    }
    for t in &args.text {
        cmds.push(("MAILTEXT", t.clone(), String::new()));
    }
    if let Some(path) = &args.text_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--text-file: cannot read {}: {e}", path.display()))?;
        let text = text.strip_suffix('\n').unwrap_or(&text);
        cmds.push(("MAILTEXT", text.strip_suffix('\r').unwrap_or(text).to_string(), String::new()));
    }
    if let Some(path) = &args.html_file {
        cmds.push(("MAILBODYF", path.display().to_string(), String::new()));
    }
    for a in &args.attach {
        cmds.push(("MAILATT", a.display().to_string(), String::new()));
    }
    if let Some(p) = &args.priority {
        cmds.push(("MAILPRTY", p.clone(), String::new()));
    }
    match args.report.as_deref() {
        Some("delivery") => cmds.push(("MAILREPORT", "delivery".into(), String::new())),
        Some("read") => cmds.push(("MAILREPORT", "read".into(), String::new())),
        Some(_) => cmds.push(("MAILREPORT", String::new(), String::new())),
        None => {}
    }
    for h in &args.header {
        cmds.push(("MAILHEADER", h.clone(), String::new()));
    }
    cmds.push(("MAILSEND", String::new(), String::new()));
    Ok(cmds)
}

/// Sends the message; returns the exit status.
pub fn main(global: &Global, args: &Args) -> u8 {
    let cmds = match commands(args) {
        Ok(c) => c,
        Err(msg) => {
            err!("lncmail: send: {msg}");
            return EXIT_ARGS;
        }
    };
    let mut session = match super::session(global) {
        Ok(s) => s,
        Err(msg) => {
            err!("lncmail: {msg}");
            return EXIT_ARGS;
        }
    };
    for (cmd, p1, p2) in &cmds {
        let result = session.execute(cmd, p1, p2);
        let (_, text) = outcome(&result);
        if result.is_err() {
            err!("lncmail: send: {cmd}: {text}");
            let _ = session.execute("MAILEND", "", "");
            return EXIT_FAILED;
        }
        if *cmd == "MAILSEND" && !global.quiet {
            out!("{text}");
        }
    }
    let _ = session.execute("MAILEND", "", "");
    EXIT_OK
}
