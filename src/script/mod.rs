//! Command files (SPEC section 7): the syntax of `lncmail run` files, and running them.
//!
//! Two forms may be mixed in one file, statement by statement.
//!
//! The **line form**, one command per line, `COMMAND ['PARM1' ['PARM2']]`:
//!
//! ```text
//! # a comment
//! MAILSMTP 'Server="file:outbox";Sender="me@example.com";password="${SMTP_PASSWORD}"'
//! MAILPREP 'you@example.com' 'subject="It''s here"'
//! MAILPRTY *HIGH
//! MAILSEND
//! ```
//!
//! A PARM is written in single quotes (a literal `'` is `''`), so property strings keep their
//! double quotes; a quoted PARM may go on over several lines. A PARM without blanks or quotes
//! may be written bare (`MAILPRTY *HIGH`). `#` starts a comment (outside quotes).
//!
//! The **CL form**, as pasted from IBM i CL sources:
//!
//! ```text
//! PGM
//! /* Monthly report */
//! LNCCMD CMD(MAILPREP) PARM1('you@example.com') +
//!        PARM2('subject="Monthly report";priority=5') OPT(*NONE)
//! CALL PGM(LNCCMD) PARM('MAILSEND' ' ' ' ' ' ')
//! ENDPGM
//! ```
//!
//! Keywords in any order and any case; `OPT` is ignored; `''` inside `'...'` is a quote; a value
//! may be unquoted (`CMD(MAILSEND)`); `+` at the end of a line continues the statement on the
//! next line without its leading blanks, `-` with them; `/* ... */` comments anywhere, even over
//! several lines; labels (`SEND: LNCCMD ...`) are allowed. `PGM`, `ENDPGM`, `DCL`, `DCLF`,
//! `MONMSG` are skipped; any other CL statement is an error naming its line, unless
//! [`Options::cl_skip_other`] is set. CL variables (`&X`) have no value here: use `${X}`.
//!
//! In both forms, `${NAME}` in a PARM is replaced by the environment variable NAME when the
//! command runs ([`expand`]); [`check_env`] finds unset names before anything runs.
//!
//! ```
//! use lncmail::{script, Session};
//! let dir = tempfile::tempdir().unwrap();
//! let text = format!(
//!     "MAILSMTP 'Server=\"file:{}\";Sender=\"me@example.com\"'\n\
//!      LNCCMD CMD(MAILPREP) PARM1('you@example.com') +\n   PARM2('subject=\"Hi\"')\n\
//!      MAILTEXT 'Hello'\nMAILSEND\nMAILEND\n",
//!     dir.path().display()
//! );
//! let lines = script::parse(&text).unwrap();
//! assert_eq!(lines[1].cmd, "MAILPREP");
//! assert_eq!(lines[1].parm2, "subject=\"Hi\"");
//! let mut runner = script::Runner::new(script::RunOptions::default());
//! let mut session = Session::new();
//! assert!(runner.run(&mut session, &lines, |_| {}));
//! assert_eq!(runner.summary().sent, 1);
//! ```

mod cl;
mod env;
mod line;
mod run;

pub use env::expand;
pub use run::{check_env, Event, RunOptions, Runner, Summary};

use crate::error::{Code, Error};

/// Which form a statement was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `COMMAND 'PARM1' 'PARM2'`.
    Line,
    /// `LNCCMD CMD(...) PARM1(...) PARM2(...)` or `CALL PGM(LNCCMD) PARM(...)`.
    Cl,
}

/// One command of a file, with the line it starts on.
///
/// PARMs are kept as written: `${NAME}` is replaced only when the command runs, so that a
/// secret taken from the environment is never held (nor printed) with the parsed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number where the command starts.
    pub line: usize,
    /// The command name.
    pub cmd: String,
    /// PARM1 (empty when not given).
    pub parm1: String,
    /// PARM2 (empty when not given).
    pub parm2: String,
    /// The form it was written in.
    pub form: Form,
}

/// An error in a command file, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// 1-based line number.
    pub line: usize,
    /// The error (code 2, or 4 for an unset `${NAME}`).
    pub error: Error,
}

impl SyntaxError {
    fn new(line: usize, msg: impl Into<String>) -> SyntaxError {
        SyntaxError { line, error: Error::new(Code::Syntax, msg.into()) }
    }
}

/// How to parse a file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Skip CL statements other than LNCCMD and CALL PGM(LNCCMD) (`CHGVAR`, `IF` ...) instead
    /// of refusing them. Off by default: they may change what the program would have done.
    pub cl_skip_other: bool,
}

/// The physical lines of a file, handed out one by one (multi-line statements take several).
pub(crate) struct Cursor<'a> {
    lines: Vec<&'a str>,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Cursor<'a> {
        Cursor { lines: text.lines().map(|l| l.strip_suffix('\r').unwrap_or(l)).collect(), pos: 0 }
    }

    /// The next line with its 1-based number.
    fn next(&mut self) -> Option<(usize, &'a str)> {
        let l = self.lines.get(self.pos)?;
        self.pos += 1;
        Some((self.pos, l))
    }
}

/// Parses a whole command file with the default [`Options`].
///
/// ```
/// use lncmail::script::parse;
/// let lines = parse("# hi\nMAILPREP 'you@example.com' 'subject=\"It''s\"'\n\nMAILSEND\n").unwrap();
/// assert_eq!(lines.len(), 2);
/// assert_eq!(lines[0].line, 2);
/// assert_eq!(lines[0].parm2, "subject=\"It's\"");
/// assert_eq!(lines[1].cmd, "MAILSEND");
/// ```
pub fn parse(text: &str) -> Result<Vec<Line>, SyntaxError> {
    parse_with(text, &Options::default())
}

/// Parses a whole command file; the first error stops it (nothing is run from a file that
/// does not parse).
///
/// ```
/// use lncmail::script::{parse_with, Options};
/// let src = "PGM\nCHGVAR VAR(&X) VALUE('1')\nLNCCMD CMD(MAILEND)\nENDPGM\n";
/// let err = parse_with(src, &Options::default()).unwrap_err();
/// assert_eq!(err.line, 2);
/// let lines = parse_with(src, &Options { cl_skip_other: true }).unwrap();
/// assert_eq!(lines.len(), 1);
/// assert_eq!((lines[0].line, lines[0].cmd.as_str()), (3, "MAILEND"));
/// ```
pub fn parse_with(text: &str, options: &Options) -> Result<Vec<Line>, SyntaxError> {
    let mut out = Vec::new();
    let mut cursor = Cursor::new(text);
    while let Some((number, line)) = cursor.next() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if cl::looks_like(trimmed) {
            if let Some(l) = cl::statement((number, line), &mut cursor, options.cl_skip_other)? {
                out.push(l);
            }
        } else {
            out.push(line::statement((number, line), &mut cursor)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
