//! lncmail through its Rust API, for bench/run.sh. Prints one line: `key=value ...`.
//!
//!     lncmail-bench throughput HOST PORT N          N messages of about 1 KiB, one session
//!     lncmail-bench smime MODE SIZE N P12 PASSWORD   S/MIME (sign|encrypt|both) of one composed
//!                                                   message of SIZE body bytes, N times

use std::time::Instant;

use lncmail::draft::Draft;
use lncmail::mime::compose;
use lncmail::settings::Settings;
use lncmail::smime::SmimeContext;
use lncmail::Session;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("throughput") if args.len() == 5 => throughput(&args[2], &args[3], &args[4]),
        Some("smime") if args.len() == 7 => smime(&args[2], &args[3], &args[4], &args[5], &args[6]),
        _ => Err("usage: lncmail-bench throughput HOST PORT N | smime sign|encrypt|both SIZE N P12 PASSWORD".into()),
    };
    if let Err(e) = result {
        eprintln!("lncmail-bench: {e}");
        std::process::exit(1);
    }
}

/// The body of a message of about 1 KiB: 12 lines of 60 characters.
fn body_lines() -> Vec<String> {
    let chunk = "abcdefghijklmnopqrstuvwxyz0123456789 ".repeat(2);
    (0..12).map(|i| format!("{i:02} {}", &chunk[..57])).collect()
}

fn throughput(host: &str, port: &str, n: &str) -> Result<(), String> {
    let n: usize = n.parse().map_err(|e| format!("N: {e}"))?;
    let mut s = Session::new();
    let props = format!("Server=\"{host}\";port={port};Sender=\"Bench <bench@example.com>\";Timeout=30");
    s.execute("MAILSMTP", &props, "").map_err(|e| e.to_string())?;
    let text = body_lines().join("\n");
    let start = Instant::now();
    for i in 0..n {
        s.execute("MAILPREP", "rcpt@example.com", &format!("subject=\"bench message {i}\"")).map_err(|e| e.to_string())?;
        s.execute("MAILTEXT", &text, "").map_err(|e| e.to_string())?;
        s.execute("MAILSEND", "", "").map_err(|e| format!("message {i}: {e}"))?;
    }
    s.execute("MAILEND", "", "").map_err(|e| e.to_string())?;
    let secs = start.elapsed().as_secs_f64();
    println!("messages={n} seconds={secs:.4} per_second={:.1}", n as f64 / secs);
    Ok(())
}

fn smime(mode: &str, size: &str, n: &str, p12: &str, password: &str) -> Result<(), String> {
    let size: usize = size.parse().map_err(|e| format!("SIZE: {e}"))?;
    let n: usize = n.parse().map_err(|e| format!("N: {e}"))?;
    let flags = match mode {
        "sign" => "Sign=true",
        "encrypt" => "Encrypt=true",
        "both" => "Sign=true;Encrypt=true",
        other => return Err(format!("mode {other}: expected sign, encrypt or both")),
    };
    let props = format!(
        "Server=\"file:/nonexistent\";Sender=\"sender@example.com\";{flags};Certif=\"{p12}\";PwdCertif=\"{password}\""
    );
    let settings = Settings::parse(&props).map_err(|e| e.to_string())?;
    let ctx = SmimeContext::load(&settings).map_err(|e| e.to_string())?.ok_or("S/MIME not enabled")?;
    let mut draft = Draft::new("rcpt@example.com", "subject=\"S/MIME bench\"", false).map_err(|e| e.to_string())?;
    // Lines of 76 characters up to SIZE bytes: a plain text body, quoted-printable on the wire.
    let line = "The quick brown fox jumps over the lazy dog, again and again and again.....";
    let mut text = String::with_capacity(size + 80);
    while text.len() < size {
        text.push_str(line);
        text.push('\n');
    }
    draft.add_text(&text);
    let composed = compose(&draft, &settings).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let mut out_len = 0;
    for _ in 0..n {
        out_len = ctx.protect(&composed.bytes, &composed.envelope).map_err(|e| e.to_string())?.len();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "mode={mode} in_bytes={} out_bytes={out_len} messages={n} seconds={secs:.4} per_second={:.2}",
        composed.bytes.len(),
        n as f64 / secs
    );
    Ok(())
}
