//! # lncmail
//!
//! Mail sending driven by LAUNCHER-style commands (`MAILSMTP`, `MAILPREP`, `MAILTEXT`,
//! `MAILATT`, `MAILSEND`, `MAILEND` ...), for programs that used LAUNCHER Office's LNCCMD on
//! IBM i and want the same commands on Linux.
//!
//! A [`Session`] takes commands and answers each with a [`Reply`] (`OK ...`) or an [`Error`]
//! (`E<code> ...`, with a [`Code`] of the contract's section 8):
//!
//! ```
//! use lncmail::Session;
//!
//! let outbox = tempfile::tempdir().unwrap();
//! let mut s = Session::new();
//! s.execute("MAILSMTP", &format!(r#"Server="file:{}";Sender="Me <me@example.com>""#, outbox.path().display()), "")?;
//! s.execute("MAILPREP", "you@example.com", r#"subject="Monthly report""#)?;
//! s.execute("MAILTEXT", "Please find the report attached.", "")?;
//! let reply = s.execute("MAILSEND", "", "")?;
//! println!("{reply}"); // OK /tmp/.../20261122T...eml
//! s.execute("MAILEND", "", "")?;
//! # Ok::<(), lncmail::Error>(())
//! ```
//!
//! The pieces below the session can be used alone: [`props`] parses property strings,
//! [`settings::Settings`] validates MAILSMTP, [`draft::Draft`] is a message being composed,
//! [`mime::compose`] turns it into bytes, [`transport`] delivers them, [`log`] writes the send
//! log, [`script`] reads command files.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod address;
pub mod command;
pub mod draft;
mod error;
pub mod log;
pub mod mime;
pub mod props;
pub mod script;
mod secret;
pub mod session;
pub mod settings;
pub mod smime;
pub mod transport;

pub use error::{Code, Error, Result};
pub use secret::Secret;
pub use session::{Reply, Session, State};
