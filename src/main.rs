//! The `lncmail` command-line tool.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lncmail::{script, session::outcome, Session};

/// Send mail with LAUNCHER-style commands (MAILSMTP, MAILPREP, MAILTEXT, MAILATT, MAILSEND ...).
#[derive(Parser)]
#[command(name = "lncmail", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    /// Run command files, one command per line.
    ///
    /// Each line is `COMMAND ['PARM1' ['PARM2']]`; PARMs are in single quotes ('' is a literal
    /// quote) and may go on over several lines; `#` starts a comment. All files are checked
    /// for syntax first, then run in order on one session, as if they were one file.
    ///
    /// Example:
    ///
    ///   MAILSMTP 'Server="file:outbox";Sender="me@example.com"'
    ///   MAILPREP 'you@example.com' 'subject="Hello"'
    ///   MAILTEXT 'Hello from lncmail.'
    ///   MAILSEND
    ///   MAILEND
    ///
    /// Each command's result text is printed as FILE:LINE: COMMAND: RESULT. The run stops at the
    /// first failed command.
    ///
    /// Exit status: 0 every command succeeded; 1 a command failed (or a line cannot be parsed);
    /// 2 a file or the arguments could not be read.
    Run {
        /// Command files to run (`-` for standard input).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    // Diagnostics on standard error, chosen with RUST_LOG (for example RUST_LOG=debug).
    // Secrets never reach them: they are held in `Secret`, which prints as ***.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match cli.command {
        Commands::Run { files } => run(&files),
    }
}

fn read(path: &PathBuf) -> std::io::Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        Ok(s)
    } else {
        std::fs::read_to_string(path)
    }
}

fn run(files: &[PathBuf]) -> ExitCode {
    let mut parsed = Vec::new();
    for path in files {
        let text = match read(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("lncmail: cannot read {}: {e}", path.display());
                return ExitCode::from(2);
            }
        };
        match script::parse(&text) {
            Ok(lines) => parsed.push((path.display().to_string(), lines)),
            Err(e) => {
                eprintln!("lncmail: {}:{}: {}", path.display(), e.line, e.error);
                return ExitCode::from(1);
            }
        }
    }
    let mut session = Session::new();
    for (name, lines) in &parsed {
        let reported = script::run(&mut session, lines, |line, result| {
            println!("{name}:{}: {}: {}", line.line, line.cmd.to_ascii_uppercase(), outcome(result).1);
        });
        if let Err((line, error)) = reported {
            eprintln!("lncmail: {name}:{line}: command failed: {error}");
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}
