//! The send log (SPEC section 6): one CSV row per MAILSEND attempt, `;`-separated, appended
//! under an exclusive file lock so rows from many handles, threads and processes never mix.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use crate::error::{Code, Error, Result};

/// The header row, as written when the file is created.
pub const COLUMNS: [&str; 15] = [
    "timestamp",
    "session",
    "message_id",
    "sender",
    "to",
    "cc",
    "bcc_count",
    "subject",
    "attachments",
    "bytes",
    "status",
    "code",
    "detail",
    "server",
    "duration_ms",
];

/// The outcome column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every recipient accepted the message.
    Sent,
    /// Some recipients refused it (code 16).
    Partial,
    /// Not sent.
    Failed,
}

impl Status {
    /// The text in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Sent => "SENT",
            Status::Partial => "PARTIAL",
            Status::Failed => "FAILED",
        }
    }
}

/// One row of the log. Never holds a password: there is no column for one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// RFC 3339 timestamp with offset.
    pub timestamp: String,
    /// The session (handle) number.
    pub session: u64,
    /// The Message-ID (empty if the message could not be built).
    pub message_id: String,
    /// The sender address.
    pub sender: String,
    /// `To` addresses.
    pub to: Vec<String>,
    /// `Cc` addresses.
    pub cc: Vec<String>,
    /// How many Bcc recipients (never their addresses).
    pub bcc_count: usize,
    /// The subject.
    pub subject: String,
    /// How many attachments.
    pub attachments: usize,
    /// The size of the message as sent.
    pub bytes: usize,
    /// SENT, PARTIAL or FAILED.
    pub status: Status,
    /// The result code.
    pub code: i32,
    /// The server's reply or the error text.
    pub detail: String,
    /// host:port or the transport URL.
    pub server: String,
    /// The whole MAILSEND, retries included.
    pub duration_ms: u128,
}

impl Row {
    /// The current time in RFC 3339 with the local offset.
    pub fn now() -> String {
        chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
    }

    fn cells(&self) -> [String; 15] {
        [
            self.timestamp.clone(),
            self.session.to_string(),
            guard(&self.message_id),
            guard(&self.sender),
            guard(&self.to.join(",")),
            guard(&self.cc.join(",")),
            self.bcc_count.to_string(),
            guard(&self.subject),
            self.attachments.to_string(),
            self.bytes.to_string(),
            self.status.as_str().to_string(),
            self.code.to_string(),
            guard(&self.detail),
            guard(&self.server),
            self.duration_ms.to_string(),
        ]
    }
}

/// Spreadsheet formula injection guard: a text cell that begins with `=`, `+`, `-` or `@` gets
/// a leading `'`.
///
/// ```
/// assert_eq!(lncmail::log::guard("=HYPERLINK(1)"), "'=HYPERLINK(1)");
/// assert_eq!(lncmail::log::guard("hello"), "hello");
/// ```
pub fn guard(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

fn csv_line(cells: &[String]) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new().delimiter(b';').terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    w.write_record(cells).map_err(|e| Error::new(Code::Logfile, format!("log row: {e}")))?;
    w.into_inner().map_err(|e| Error::new(Code::Logfile, format!("log row: {e}")))
}

/// Appends one row to the log at `path` (created owner-only with a header row if new).
///
/// The row is one `write` under an exclusive lock, so concurrent writers never interleave.
pub fn append(path: &Path, row: &Row) -> Result<()> {
    let fail = |e: std::io::Error| {
        Error::new(Code::Logfile, format!("cannot write the log '{}': {e}", path.display()))
    };
    let line = csv_line(&row.cells())?;
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path).map_err(fail)?;
    let mut lock = fd_lock::RwLock::new(file);
    let mut guard = lock.write().map_err(fail)?;
    let is_new = guard.metadata().map_err(fail)?.len() == 0;
    let mut buf = if is_new { csv_line(&COLUMNS.map(String::from))? } else { Vec::new() };
    buf.extend_from_slice(&line);
    guard.write_all(&buf).map_err(fail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> Row {
        Row {
            timestamp: "2026-01-01T00:00:00.000+01:00".into(),
            session: 7,
            message_id: "id@x".into(),
            sender: "me@example.com".into(),
            to: vec!["a@x.org".into(), "b@x.org".into()],
            cc: vec![],
            bcc_count: 2,
            subject: "=SUM(A1); \"quoted\"".into(),
            attachments: 1,
            bytes: 1234,
            status: Status::Sent,
            code: 0,
            detail: "-cmd".into(),
            server: "file:out".into(),
            duration_ms: 5,
        }
    }

    #[test]
    fn row_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.csv");
        append(&path, &row()).unwrap();
        append(&path, &row()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], COLUMNS.join(";"));
        assert_eq!(
            lines[1],
            "2026-01-01T00:00:00.000+01:00;7;id@x;me@example.com;a@x.org,b@x.org;;2;\"'=SUM(A1); \"\"quoted\"\"\";1;1234;SENT;0;'-cmd;file:out;5"
        );
        assert_eq!(lines.len(), 4); // header, 2 rows, empty after the last CRLF
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn unwritable_log_is_code_13() {
        let e = append(Path::new("/nonexistent-dir/log.csv"), &row()).unwrap_err();
        assert_eq!(e.code(), Code::Logfile);
    }
}
