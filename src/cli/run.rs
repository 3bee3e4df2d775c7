//! `lncmail run FILE...`: command files on one session, with results, a progress bar and a summary.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lncmail::script::{self, Event, Line, Options, RunOptions, Runner};
use lncmail::session::outcome;

use super::{Global, EXIT_ARGS, EXIT_FAILED, EXIT_OK};

/// From how many MAILSENDs a run shows a progress bar (on a terminal).
const BAR_FROM: usize = 20;

pub const HELP: &str = "\
Run command files, one session for all of them, as if they were one file.

Line form, one command per line: COMMAND ['PARM1' ['PARM2']]. PARMs are in single quotes ('' is \
a quote) and may go on over several lines; a PARM without blanks may be bare (MAILPRTY *HIGH); \
# starts a comment.

CL form, as pasted from IBM i CL sources: LNCCMD CMD(...) PARM1('...') PARM2('...') OPT(...), \
keywords in any order and case, OPT ignored; + at the end of a line continues on the next \
(leading blanks dropped), - too (blanks kept); /* ... */ comments anywhere; labels; \
CALL PGM(LNCCMD) PARM('CMD' 'OPT' 'PARM1' 'PARM2' ...). PGM, ENDPGM, DCL, DCLF and MONMSG are \
skipped; any other CL statement is an error naming its line, unless --cl-skip-other.

${NAME} in a PARM is the environment variable NAME (an unset one is an error naming it, found \
before anything runs; $${NAME} is the literal text). All files are parsed and checked first: \
nothing runs from a file with an error.

Each command's result is printed on standard output as FILE:LINE: COMMAND: RESULT. The run stops \
at the first failed command, unless --keep-going. A summary (sent, partial, failed, elapsed) \
closes the run on standard error, with a progress bar before it when standard error is a \
terminal and the run has many messages.";

pub const EXAMPLES: &str = "\
Example file:
  MAILSMTP 'Server=\"smtp.example.com\";Sender=\"me@example.com\";password=\"${SMTP_PASSWORD}\";UserId=\"me\";enableSSL'
  MAILPREP 'you@example.com' 'subject=\"Monthly report\";report'
  MAILTEXT 'Please find the report attached.'
  MAILATT  '/data/report.pdf'
  MAILSEND
  LNCCMD CMD(MAILPREP) PARM1('boss@example.com') +
         PARM2('subject=\"Done\"')   /* pasted from a CL source */
  LNCCMD CMD(MAILSEND)
  MAILEND

Examples:
  lncmail run monthly.lnc
  lncmail run --keep-going --defaults /etc/lncmail/defaults.props batch.lnc
  generate-commands | lncmail run -
  lncmail run --dry-run=/tmp/outbox monthly.lnc     # nothing sent: .eml files in /tmp/outbox

Exit status:
  0  every command succeeded
  1  a line could not be parsed, a ${NAME} is unset, or a command failed (with --keep-going:
     any command failed; a partial MAILSEND, code 16, counts as failed)
  2  a file, the defaults file or the arguments could not be read";

/// `lncmail run` arguments.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Command files, run in order (`-` for standard input).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// After a failed command go on: a failure inside a message skips to the next MAILPREP
    /// (or MAILSMTP/MAILEND), a failed MAILSMTP to the next MAILSMTP (or MAILEND).
    #[arg(short = 'k', long)]
    pub keep_going: bool,

    /// Skip CL statements other than LNCCMD and CALL PGM(LNCCMD) (CHGVAR, IF, SNDPGMMSG ...)
    /// instead of refusing the file.
    #[arg(long)]
    pub cl_skip_other: bool,
}

fn read(path: &Path) -> std::io::Result<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        Ok(s)
    } else {
        std::fs::read_to_string(path)
    }
}

fn display(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// Runs the files; returns the exit status.
pub fn main(global: &Global, args: &Args) -> u8 {
    let options = Options { cl_skip_other: args.cl_skip_other };
    let env = |n: &str| std::env::var(n).ok();
    let mut parsed: Vec<(String, Vec<Line>)> = Vec::new();
    for path in &args.files {
        let name = display(path);
        let text = match read(path) {
            Ok(t) => t,
            Err(e) => {
                err!("lncmail: cannot read {name}: {e}");
                return EXIT_ARGS;
            }
        };
        let checked = script::parse_with(&text, &options).and_then(|lines| {
            script::check_env(&lines, env)?;
            Ok(lines)
        });
        match checked {
            Ok(lines) => parsed.push((name, lines)),
            Err(e) => {
                err!("lncmail: {name}:{}: {}", e.line, e.error);
                return EXIT_FAILED;
            }
        }
    }
    let mut session = match super::session(global) {
        Ok(s) => s,
        Err(msg) => {
            err!("lncmail: {msg}");
            return EXIT_ARGS;
        }
    };

    let sends = parsed.iter().flat_map(|(_, l)| l).filter(|l| is_send(l)).count();
    let bar = progress_bar(global, sends);
    let started = Instant::now();
    let mut runner = Runner::new(RunOptions { keep_going: args.keep_going });
    let mut stopped = None;
    for (name, lines) in &parsed {
        let finished = runner.run(&mut session, lines, |event| {
            report(global, args, &bar, name, &event);
            if let Event::Done(l, Err(_)) = &event {
                stopped = Some(format!("{name}:{}", l.line));
            }
        });
        if !finished {
            break;
        }
        stopped = None;
    }
    bar.finish_and_clear();
    drop(session); // closes the SMTP connection before the summary's clock stops
    let summary = runner.summary();
    if !global.quiet {
        if let Some(at) = &stopped {
            err!("lncmail: stopped at {at} (--keep-going goes on after a failure)");
        }
        err!(
            "lncmail: {} sent, {} partial, {} failed in {:.1} s",
            summary.sent,
            summary.partial,
            summary.failed,
            started.elapsed().as_secs_f64()
        );
        if let Some(dir) = &global.dry_run {
            err!("lncmail: dry run: nothing was sent, the messages are in {}", dir.display());
        }
    }
    if summary.ok() {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}

fn is_send(l: &Line) -> bool {
    lncmail::command::lookup(&l.cmd).is_some_and(|c| c.name == "MAILSEND")
}

/// A bar on standard error only when it is a terminal, the run is long enough to need one, and
/// nothing else writes there continuously.
fn progress_bar(global: &Global, sends: usize) -> ProgressBar {
    if global.quiet || global.verbose > 0 || sends < BAR_FROM || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(sends as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} messages  {elapsed} (ETA {eta})") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(250));
    bar
}

fn report(global: &Global, args: &Args, bar: &ProgressBar, name: &str, event: &Event<'_>) {
    let (line, text) = match event {
        Event::Done(l, result) => {
            if is_send(l) {
                bar.inc(1);
            }
            if let Err(e) = result {
                let next = if args.keep_going { " (going on)" } else { "" };
                bar.suspend(|| err!("lncmail: {name}:{}: {} failed: {e}{next}", l.line, l.cmd.to_ascii_uppercase()));
            }
            (l, outcome(result).1)
        }
        Event::Skipped(l) => {
            if is_send(l) {
                bar.inc(1);
            }
            (l, "skipped (after an earlier failure)".to_string())
        }
    };
    if !global.quiet {
        bar.suspend(|| out!("{name}:{}: {}: {text}", line.line, line.cmd.to_ascii_uppercase()));
    }
}
