//! The `lncmail` command-line tool: `run` command files, `send` one message, `check` addresses.

/// `println!` that never panics: a closed standard output (`lncmail run x | head -1`) must not
/// stop a batch in the middle of sending.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that never panics (see `out!`).
macro_rules! err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Send mail with LAUNCHER-style commands (MAILSMTP, MAILPREP, MAILTEXT, MAILATT, MAILSEND ...).
#[derive(Parser)]
#[command(name = "lncmail", version, about, long_about = cli::MAIN_HELP, after_long_help = cli::EXIT_HELP)]
struct Cli {
    #[command(flatten)]
    global: cli::Global,
    #[command(subcommand)]
    command: Commands,
}

#[derive(Subcommand)]
enum Commands {
    /// Run command files (line form or CL form), one session for all of them.
    #[command(long_about = cli::run::HELP, after_long_help = cli::run::EXAMPLES)]
    Run(cli::run::Args),
    /// Send one message from flags (the LNCSNDMAIL equivalent).
    #[command(long_about = cli::send::HELP, after_long_help = cli::send::EXAMPLES)]
    Send(Box<cli::send::Args>),
    /// Check addresses against RFC 5322 (exit 1 if any is invalid).
    #[command(long_about = cli::check::HELP, after_long_help = cli::check::EXAMPLES)]
    Check(cli::check::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(cli::EXIT_ARGS) } else { ExitCode::SUCCESS };
        }
    };
    cli::init_tracing(cli.global.verbose);
    let code = match cli.command {
        Commands::Run(args) => cli::run::main(&cli.global, &args),
        Commands::Send(args) => cli::send::main(&cli.global, &args),
        Commands::Check(args) => cli::check::main(&cli.global, &args),
    };
    ExitCode::from(code)
}
