//! `file:DIR`: each message written as an `.eml` file. The embedded default for trying the tool
//! without a server, and what `FailedDir` uses to keep a message that could not be sent.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Code, Error, Result};
use crate::transport::{Delivery, Outgoing};

/// Writes each message into a folder.
#[derive(Debug)]
pub struct FileTransport {
    dir: PathBuf,
}

impl FileTransport {
    /// A transport writing into `dir` (created at the first message if it does not exist).
    pub fn new(dir: PathBuf) -> FileTransport {
        FileTransport { dir }
    }

    /// Writes the message; the delivery's reply is the path of the file.
    pub fn send(&mut self, message: &Outgoing<'_>) -> Result<Delivery> {
        fs::create_dir_all(&self.dir).map_err(|e| {
            Error::new(Code::File, format!("MAILSEND: cannot create the folder '{}': {e}", self.dir.display()))
        })?;
        let path = write_eml(&self.dir, message.message_id, message.bytes)?;
        Ok(Delivery { reply: path.display().to_string(), ..Delivery::default() })
    }
}

/// Writes `bytes` as a new `.eml` file in `dir`, owner-only (0600), named after the time and the
/// Message-ID, and returns its path. The file appears whole or not at all (written to a
/// temporary name, then renamed).
pub fn write_eml(dir: &Path, message_id: &str, bytes: &[u8]) -> Result<PathBuf> {
    let stamp = chrono::Local::now().format("%Y%m%dT%H%M%S%.3f");
    let id: String = message_id
        .split('@')
        .next()
        .unwrap_or("")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' })
        .take(64)
        .collect();
    let fail = |path: &Path, e: std::io::Error| {
        Error::new(Code::File, format!("cannot write '{}': {e}", path.display()))
    };
    for attempt in 0..100u32 {
        let name = if attempt == 0 { format!("{stamp}-{id}.eml") } else { format!("{stamp}-{id}-{attempt}.eml") };
        let path = dir.join(&name);
        if path.exists() {
            continue;
        }
        let tmp = dir.join(format!(".{name}.tmp"));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = match options.open(&tmp) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(fail(&tmp, e)),
        };
        let written = file.write_all(bytes).and_then(|()| file.sync_data());
        drop(file);
        if let Err(e) = written.and_then(|()| fs::rename(&tmp, &path)) {
            let _ = fs::remove_file(&tmp);
            return Err(fail(&path, e));
        }
        return Ok(path);
    }
    Err(Error::new(Code::File, format!("cannot find a free file name in '{}'", dir.display())))
}
