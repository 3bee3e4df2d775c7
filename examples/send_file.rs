//! A small Rust program that sends a message through the `file:` transport.
//!
//! Run it with `cargo run --example send_file -- OUTBOX_DIR`; it prints the path of the .eml.

use lncmail::{Code, Session};

fn main() -> std::process::ExitCode {
    let outbox = std::env::args().nth(1).unwrap_or_else(|| "outbox".to_string());
    let mut session = Session::new();
    let commands: [(&str, String, &str); 6] = [
        ("MAILSMTP", format!(r#"Server="file:{outbox}";Sender="Billing <billing@example.com>""#), ""),
        ("MAILPREP", "Customer <customer@example.org>".into(), r#"subject="Your invoice";priority=3"#),
        ("MAILTEXT", "Dear customer,".into(), ""),
        ("MAILTEXT", "your invoice for November is ready.".into(), ""),
        ("MAILHTML", "<p>Dear customer,</p><p>your invoice for <b>November</b> is ready.</p>".into(), ""),
        ("MAILSEND", String::new(), ""),
    ];
    for (cmd, parm1, parm2) in &commands {
        match session.execute(cmd, parm1, parm2) {
            Ok(reply) => println!("{cmd}: {reply}"),
            Err(e) => {
                eprintln!("{cmd}: {e}");
                // The code is the contract's result code: scripts can act on it.
                return std::process::ExitCode::from(if e.code() == Code::Ok { 0 } else { 1 });
            }
        }
    }
    let _ = session.execute("MAILEND", "", "");
    std::process::ExitCode::SUCCESS
}
