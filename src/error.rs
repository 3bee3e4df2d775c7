//! Result codes (SPEC section 8) and the one error type of the crate.

use std::fmt;

/// The result code of a command, as SPEC section 8 numbers it.
///
/// The same numbers are the `LNC_*` constants of the C header.
///
/// ```
/// use lncmail::Code;
/// assert_eq!(Code::Sequence as i32, 5);
/// assert_eq!(Code::from_i32(16), Some(Code::Partial));
/// assert_eq!(Code::Partial.name(), "PARTIAL");
/// ```
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// Success.
    Ok = 0,
    /// CMD is not a known command.
    UnknownCommand = 1,
    /// A property string or command line cannot be parsed.
    Syntax = 2,
    /// Unknown, duplicate or ill-typed property; bad value; header injection.
    InvalidProperty = 3,
    /// A required property or argument is missing.
    MissingProperty = 4,
    /// The command is not allowed in the session's state.
    Sequence = 5,
    /// An address fails the RFC 5322 check.
    InvalidAddress = 6,
    /// A file (attachment, HTML body) cannot be read.
    File = 7,
    /// .p12, password, certificate validity, missing recipient certificate.
    Certificate = 8,
    /// DNS, refused, TLS handshake or verification, timeout, connection lost.
    Connection = 9,
    /// Authentication failed or refused (including the insecure-auth refusal).
    Auth = 10,
    /// The server refused permanently (5xx).
    Rejected = 11,
    /// The server failed temporarily (4xx) and retries were used up.
    Transient = 12,
    /// The log cannot be written (the mail result is still reported).
    Logfile = 13,
    /// Bad handle, NULL pointer, invalid UTF-8 (C ABI).
    InvalidArgument = 14,
    /// A bug: an internal panic was caught.
    Internal = 15,
    /// Some recipients were refused, the others got the message.
    Partial = 16,
}

impl Code {
    /// Every code, in numeric order.
    pub const ALL: [Code; 17] = [
        Code::Ok,
        Code::UnknownCommand,
        Code::Syntax,
        Code::InvalidProperty,
        Code::MissingProperty,
        Code::Sequence,
        Code::InvalidAddress,
        Code::File,
        Code::Certificate,
        Code::Connection,
        Code::Auth,
        Code::Rejected,
        Code::Transient,
        Code::Logfile,
        Code::InvalidArgument,
        Code::Internal,
        Code::Partial,
    ];

    /// The code for a number, if there is one.
    pub fn from_i32(n: i32) -> Option<Code> {
        Code::ALL.get(usize::try_from(n).ok()?).copied()
    }

    /// The SPEC name of the code (`OK`, `SEQUENCE`, ...), as in `LNC_<NAME>`.
    pub fn name(self) -> &'static str {
        match self {
            Code::Ok => "OK",
            Code::UnknownCommand => "UNKNOWN_COMMAND",
            Code::Syntax => "SYNTAX",
            Code::InvalidProperty => "INVALID_PROPERTY",
            Code::MissingProperty => "MISSING_PROPERTY",
            Code::Sequence => "SEQUENCE",
            Code::InvalidAddress => "INVALID_ADDRESS",
            Code::File => "FILE",
            Code::Certificate => "CERTIFICATE",
            Code::Connection => "CONNECTION",
            Code::Auth => "AUTH",
            Code::Rejected => "REJECTED",
            Code::Transient => "TRANSIENT",
            Code::Logfile => "LOGFILE",
            Code::InvalidArgument => "INVALID_ARGUMENT",
            Code::Internal => "INTERNAL",
            Code::Partial => "PARTIAL",
        }
    }

    /// A one-line description of the code (the text of `lnc_strerror`).
    pub fn description(self) -> &'static str {
        match self {
            Code::Ok => "success",
            Code::UnknownCommand => "unknown command",
            Code::Syntax => "a property string or command line cannot be parsed",
            Code::InvalidProperty => "unknown, duplicate or ill-typed property, or bad value",
            Code::MissingProperty => "a required property or argument is missing",
            Code::Sequence => "the command is not allowed in the session's state",
            Code::InvalidAddress => "an address fails the RFC 5322 check",
            Code::File => "a file cannot be read or written",
            Code::Certificate => "certificate, .p12 or password problem",
            Code::Connection => "connection to the server failed",
            Code::Auth => "authentication failed or refused",
            Code::Rejected => "the server refused permanently",
            Code::Transient => "the server failed temporarily and retries were used up",
            Code::Logfile => "the send log cannot be written",
            Code::InvalidArgument => "invalid argument (handle, pointer or UTF-8)",
            Code::Internal => "internal error",
            Code::Partial => "some recipients were refused",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A failed command: the code of SPEC section 8 and a message that says what was wrong,
/// where, and what was expected.
///
/// Its `Display` is the result text: `E<code> <message>`.
///
/// ```
/// use lncmail::{Code, Error};
/// let e = Error::new(Code::MissingProperty, "MAILSMTP: property Server is required");
/// assert_eq!(e.to_string(), "E4 MAILSMTP: property Server is required");
/// assert_eq!(e.code(), Code::MissingProperty);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("E{} {message}", *.code as i32)]
pub struct Error {
    code: Code,
    message: String,
}

impl Error {
    /// An error with a code and a message.
    pub fn new(code: Code, message: impl Into<String>) -> Error {
        Error { code, message: message.into() }
    }

    /// The result code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The message, without the `E<code>` prefix.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error with `context: ` put before its message.
    pub fn context(mut self, context: impl std::fmt::Display) -> Error {
        self.message = format!("{context}: {}", self.message);
        self
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
