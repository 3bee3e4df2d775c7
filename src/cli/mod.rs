//! What the subcommands share: global options, the defaults file, `--dry-run`, diagnostics.

pub mod check;
pub mod run;
pub mod send;

use std::path::{Path, PathBuf};

use lncmail::{props, settings::MAILSMTP_KEYS, Session};

/// Every command succeeded.
pub const EXIT_OK: u8 = 0;
/// A command failed (or a line could not be parsed, or an address is invalid).
pub const EXIT_FAILED: u8 = 1;
/// A file or the arguments could not be read.
pub const EXIT_ARGS: u8 = 2;

/// The folder `--dry-run` writes into when none is given.
pub const DRY_RUN_DIR: &str = "lncmail-dry-run";

pub const MAIN_HELP: &str = "\
Send mail with LAUNCHER-style commands (MAILSMTP, MAILPREP, MAILTEXT, MAILATT, MAILSEND ...), \
as LNCCMD and LNCSNDMAIL do on IBM i.

  lncmail run FILE...          run command files (- for standard input)
  lncmail send --to ... ...    send one message from flags
  lncmail check ADDRESS...     check addresses

`lncmail help run` (or `lncmail run --help`) is the manual of each subcommand; \
docs/scripts.md has the whole story.";

pub const EXIT_HELP: &str = "\
Exit status:
  0  every command succeeded
  1  a command failed (a line could not be parsed, a message was not sent or only partly,
     an address is invalid)
  2  a file or the arguments could not be read (including the defaults file)

Environment:
  LNCMAIL_DEFAULTS  defaults file used when --defaults is not given
  RUST_LOG          diagnostics filter (wins over --verbose), e.g. RUST_LOG=lncmail=debug";

/// Options every subcommand takes (before or after the subcommand's name).
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// MAILSMTP properties used where a MAILSMTP (or `send`) does not give them, like the
    /// original's *DFT values: a file in MAILSMTP property syntax (`#` lines are comments,
    /// `${NAME}` is taken from the environment). Default: $LNCMAIL_DEFAULTS.
    #[arg(long, global = true, value_name = "FILE")]
    pub defaults: Option<PathBuf>,

    /// Send nothing: every MAILSMTP's Server is replaced by file:DIR (default
    /// ./lncmail-dry-run, created if needed) and its logfile is turned off; write the folder
    /// with an equals sign: --dry-run=outbox.
    #[arg(long, global = true, value_name = "DIR", num_args = 0..=1, require_equals = true,
          default_missing_value = DRY_RUN_DIR)]
    pub dry_run: Option<PathBuf>,

    /// Print no result lines and no summary (errors are still printed on standard error).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print diagnostics on standard error, with the SMTP dialogue (secrets masked); -vv for
    /// every detail (trace level); RUST_LOG, if set, wins.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Diagnostics on standard error: RUST_LOG if set, else debug (-v) or trace (-vv) for lncmail.
pub fn init_tracing(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => EnvFilter::new(v),
        _ if verbose >= 2 => EnvFilter::new("lncmail=trace"),
        _ if verbose == 1 => EnvFilter::new("lncmail=debug"),
        _ => EnvFilter::new("warn"),
    };
    // Colour codes only for a person at a terminal, never into a batch job's log file.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).init();
}

/// A session with the defaults file and `--dry-run` applied; the error is a message for
/// standard error (exit status 2).
pub fn session(global: &Global) -> Result<Session, String> {
    let mut session = Session::new();
    let defaults = global.defaults.clone().or_else(|| {
        std::env::var_os("LNCMAIL_DEFAULTS").filter(|v| !v.is_empty()).map(PathBuf::from)
    });
    if let Some(path) = defaults {
        session.set_defaults(Some(load_defaults(&path)?));
    }
    if let Some(dir) = &global.dry_run {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("--dry-run: cannot create the folder {}: {e}", dir.display()))?;
        let over = format!("Server={};logfile=\"\"", quote(&format!("file:{}", dir.display())));
        let props = props::parse("--dry-run", &over, MAILSMTP_KEYS).map_err(|e| e.to_string())?;
        session.set_overrides(Some(props));
    }
    Ok(session)
}

/// Reads a defaults file: MAILSMTP property syntax, `#` lines skipped, `${NAME}` replaced.
fn load_defaults(path: &Path) -> Result<props::Props, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the defaults file {}: {e}", path.display()))?;
    let kept: Vec<&str> = text.lines().filter(|l| !l.trim_start().starts_with('#')).collect();
    let context = format!("defaults file {}", path.display());
    let expanded = lncmail::script::expand(&kept.join("\n"), |n| std::env::var(n).ok())
        .map_err(|e| format!("{context}: {}", e.message()))?;
    props::parse(&context, &expanded, MAILSMTP_KEYS).map_err(|e| e.to_string())
}

/// A property value in double quotes (`"` doubled), so any text stays one value.
pub fn quote(value: &str) -> String {
    format!("\"{}\"", value.replace('"', "\"\""))
}
