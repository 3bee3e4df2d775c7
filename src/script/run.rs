//! Running parsed lines on a session: stop at the first failure, or `keep_going`.

use super::{env::expand, Line, SyntaxError};
use crate::error::{Code, Result};
use crate::session::{Reply, Session, State};

/// How to run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// After a failed command, go on instead of stopping. A failure inside a message (MAILPREP,
    /// a message command, MAILSEND) skips to the next MAILPREP, MAILSMTP or MAILEND; a failed
    /// MAILSMTP skips to the next MAILSMTP or MAILEND (never sending with older settings).
    pub keep_going: bool,
}

/// What happened to one line, as [`Runner::run`] reports it.
#[derive(Debug)]
pub enum Event<'a> {
    /// The command ran, with this outcome.
    Done(&'a Line, &'a Result<Reply>),
    /// The command was skipped after an earlier failure (`keep_going`).
    Skipped(&'a Line),
}

/// Counts of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// MAILSENDs that succeeded.
    pub sent: usize,
    /// MAILSENDs that reached some recipients only (code 16).
    pub partial: usize,
    /// Messages not sent: failed MAILSENDs, MAILSENDs skipped after an earlier failure, and a
    /// message abandoned when the run stopped.
    pub failed: usize,
    /// Commands that failed (any code but 0).
    pub errors: usize,
    /// Commands skipped by `keep_going`.
    pub skipped: usize,
}

impl Summary {
    /// Whether every command succeeded.
    pub fn ok(&self) -> bool {
        self.errors == 0
    }
}

/// What `keep_going` skips to after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Skip {
    /// The next MAILPREP, MAILSMTP or MAILEND.
    Message,
    /// The next MAILSMTP or MAILEND.
    Settings,
}

/// Where `${NAME}` values come from.
type Lookup<'e> = Box<dyn Fn(&str) -> Option<String> + 'e>;

/// Runs lines on a session, possibly over several files (as if they were one), and counts.
pub struct Runner<'e> {
    options: RunOptions,
    lookup: Lookup<'e>,
    summary: Summary,
    skip: Option<Skip>,
}

impl std::fmt::Debug for Runner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner").field("options", &self.options).field("summary", &self.summary).finish()
    }
}

impl Runner<'static> {
    /// A runner that takes `${NAME}` from the process environment.
    pub fn new(options: RunOptions) -> Runner<'static> {
        Runner::with_env(options, |name| std::env::var(name).ok())
    }
}

impl<'e> Runner<'e> {
    /// A runner that takes `${NAME}` from `lookup`.
    pub fn with_env(options: RunOptions, lookup: impl Fn(&str) -> Option<String> + 'e) -> Runner<'e> {
        Runner { options, lookup: Box::new(lookup), summary: Summary::default(), skip: None }
    }

    /// The counts so far.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Runs `lines`, reporting each; returns `false` when the run stopped at a failure
    /// (never with `keep_going`).
    ///
    /// ```
    /// use lncmail::script::{parse, Event, RunOptions, Runner};
    /// let lines = parse("MAILPREP 'a@example.com'\nMAILSEND\nMAILEND\n").unwrap();
    /// let mut runner = Runner::new(RunOptions { keep_going: true });
    /// let mut skipped = 0;
    /// let finished = runner.run(&mut lncmail::Session::new(), &lines, |e| {
    ///     if let Event::Skipped(_) = e { skipped += 1 }
    /// });
    /// // MAILPREP fails (no MAILSMTP): its MAILSEND is skipped, MAILEND runs.
    /// assert!(finished);
    /// assert_eq!(skipped, 1);
    /// assert_eq!((runner.summary().errors, runner.summary().failed), (1, 1));
    /// ```
    pub fn run(&mut self, session: &mut Session, lines: &[Line], mut report: impl FnMut(Event<'_>)) -> bool {
        for l in lines {
            let kind = Kind::of(&l.cmd);
            if let Some(skip) = self.skip {
                let resume = match skip {
                    Skip::Message => matches!(kind, Kind::Prep | Kind::Smtp | Kind::End),
                    Skip::Settings => matches!(kind, Kind::Smtp | Kind::End),
                };
                if !resume {
                    self.summary.skipped += 1;
                    if kind == Kind::Send {
                        self.summary.failed += 1;
                    }
                    report(Event::Skipped(l));
                    continue;
                }
                self.skip = None;
                if kind == Kind::Smtp && session.state() == State::Composing {
                    // The abandoned draft would make MAILSMTP a sequence error; dropping it
                    // (with the old settings, which MAILSMTP replaces anyway) is what was meant.
                    let _ = session.execute("MAILEND", "", "");
                }
            }
            let before = session.state();
            let result = self.execute(session, l);
            report(Event::Done(l, &result));
            let Err(e) = &result else {
                if kind == Kind::Send {
                    self.summary.sent += 1;
                }
                continue;
            };
            self.summary.errors += 1;
            let in_message = matches!(kind, Kind::Prep | Kind::Send) || before == State::Composing;
            if kind == Kind::Send {
                if e.code() == Code::Partial {
                    self.summary.partial += 1;
                } else {
                    self.summary.failed += 1;
                }
            }
            if !self.options.keep_going {
                if in_message && kind != Kind::Send {
                    self.summary.failed += 1;
                }
                return false;
            }
            self.skip = match kind {
                // A partial MAILSEND has cleared its draft: nothing to skip.
                Kind::Send if e.code() == Code::Partial => None,
                Kind::Smtp => Some(Skip::Settings),
                _ if in_message => Some(Skip::Message),
                _ => None,
            };
        }
        true
    }

    fn execute(&self, session: &mut Session, l: &Line) -> Result<Reply> {
        let parm1 = expand(&l.parm1, &self.lookup)?;
        let parm2 = expand(&l.parm2, &self.lookup)?;
        session.execute(&l.cmd, &parm1, &parm2)
    }
}

/// The commands the runner treats specially, by name (aliases resolved by `command::lookup`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Smtp,
    Prep,
    Send,
    End,
    Other,
}

impl Kind {
    fn of(cmd: &str) -> Kind {
        match crate::command::lookup(cmd).map(|c| c.name) {
            Some("MAILSMTP") => Kind::Smtp,
            Some("MAILPREP") => Kind::Prep,
            Some("MAILSEND") => Kind::Send,
            Some("MAILEND") => Kind::End,
            _ => Kind::Other,
        }
    }
}

/// Checks that every `${NAME}` of `lines` can be replaced, before anything runs (a file that
/// would fail halfway for an unset variable does not start).
///
/// ```
/// use lncmail::script::{check_env, parse};
/// let lines = parse("MAILSEND\nMAILSMTP 'password=\"${NO_SUCH_VAR}\"'\n").unwrap();
/// let err = check_env(&lines, |_| None).unwrap_err();
/// assert_eq!(err.line, 2);
/// assert!(err.error.message().contains("NO_SUCH_VAR"));
/// ```
pub fn check_env(lines: &[Line], lookup: impl Fn(&str) -> Option<String>) -> std::result::Result<(), SyntaxError> {
    for l in lines {
        for p in [&l.parm1, &l.parm2] {
            expand(p, &lookup).map_err(|error| SyntaxError { line: l.line, error })?;
        }
    }
    Ok(())
}
