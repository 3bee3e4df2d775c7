//! The result codes of SPEC section 8 as `LNC_*` constants for C.
//!
//! Plain constants (cbindgen emits `#define LNC_OK 0` ...) rather than a C enum: legacy callers
//! (RPG, COBOL, CL) copy numbers, not C types, and every function returns an `int32_t`.
//! cbindgen cannot evaluate `Code::Ok as i32`, so the numbers are written out and checked
//! against [`lncmail_core::Code`] at compile time below.

use lncmail_core::Code;

/// Success.
pub const LNC_OK: i32 = 0;
/// CMD is not a known command.
pub const LNC_UNKNOWN_COMMAND: i32 = 1;
/// A property string or command line cannot be parsed.
pub const LNC_SYNTAX: i32 = 2;
/// Unknown, duplicate or ill-typed property; bad value; header injection.
pub const LNC_INVALID_PROPERTY: i32 = 3;
/// A required property or argument is missing.
pub const LNC_MISSING_PROPERTY: i32 = 4;
/// The command is not allowed in the session's state.
pub const LNC_SEQUENCE: i32 = 5;
/// An address fails the RFC 5322 check.
pub const LNC_INVALID_ADDRESS: i32 = 6;
/// A file (attachment, HTML body) cannot be read.
pub const LNC_FILE: i32 = 7;
/// .p12, password, certificate validity, missing recipient certificate.
pub const LNC_CERTIFICATE: i32 = 8;
/// DNS, refused, TLS handshake or verification, timeout, connection lost.
pub const LNC_CONNECTION: i32 = 9;
/// Authentication failed or refused (including the insecure-auth refusal).
pub const LNC_AUTH: i32 = 10;
/// The server refused permanently (5xx).
pub const LNC_REJECTED: i32 = 11;
/// The server failed temporarily (4xx) and retries were used up.
pub const LNC_TRANSIENT: i32 = 12;
/// The send log cannot be written (the mail result is still reported).
pub const LNC_LOGFILE: i32 = 13;
/// Bad handle, NULL pointer, invalid UTF-8, bad length.
pub const LNC_INVALID_ARGUMENT: i32 = 14;
/// A bug: an internal panic was caught.
pub const LNC_INTERNAL: i32 = 15;
/// Some recipients were refused, the others got the message.
pub const LNC_PARTIAL: i32 = 16;

/// Every constant with its code, for the checks below and the tests.
pub(crate) const TABLE: [(i32, Code); 17] = [
    (LNC_OK, Code::Ok),
    (LNC_UNKNOWN_COMMAND, Code::UnknownCommand),
    (LNC_SYNTAX, Code::Syntax),
    (LNC_INVALID_PROPERTY, Code::InvalidProperty),
    (LNC_MISSING_PROPERTY, Code::MissingProperty),
    (LNC_SEQUENCE, Code::Sequence),
    (LNC_INVALID_ADDRESS, Code::InvalidAddress),
    (LNC_FILE, Code::File),
    (LNC_CERTIFICATE, Code::Certificate),
    (LNC_CONNECTION, Code::Connection),
    (LNC_AUTH, Code::Auth),
    (LNC_REJECTED, Code::Rejected),
    (LNC_TRANSIENT, Code::Transient),
    (LNC_LOGFILE, Code::Logfile),
    (LNC_INVALID_ARGUMENT, Code::InvalidArgument),
    (LNC_INTERNAL, Code::Internal),
    (LNC_PARTIAL, Code::Partial),
];

// A renumbered Code fails the build, not a caller.
const _: () = {
    let mut i = 0;
    while i < TABLE.len() {
        assert!(TABLE[i].0 == TABLE[i].1 as i32);
        i += 1;
    }
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_constant() {
        assert_eq!(TABLE.len(), Code::ALL.len());
        for (n, code) in TABLE {
            assert_eq!(n, code as i32, "LNC_{}", code.name());
            assert_eq!(Code::from_i32(n), Some(code));
        }
    }
}
