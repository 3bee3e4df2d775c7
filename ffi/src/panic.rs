//! The panic boundary: no unwinding ever crosses into C (SPEC section 7, code 15).
//!
//! As in rustls-ffi, every exported function runs its body through [`boundary`]. Unwinding out
//! of an `extern "C"` function aborts the caller's process, so a bug on our side must turn into
//! a result code instead.

use std::panic::{catch_unwind, AssertUnwindSafe};

use lncmail_core::Code;

/// Runs `body`; if it panics, returns `on_panic` instead.
///
/// `AssertUnwindSafe` is sound here because whatever the body touched is either owned by it
/// (dropped during unwinding) or a session behind a `Mutex`, which the panic poisons: the
/// handle table then refuses that session (see `handle.rs`).
pub(crate) fn boundary<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(on_panic)
}

/// The code returned by a call that panicked.
pub(crate) const PANIC_CODE: i32 = Code::Internal as i32;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_the_fallback_value() {
        assert_eq!(boundary(PANIC_CODE, || -> i32 { panic!("a bug") }), 15);
        assert_eq!(boundary(PANIC_CODE, || 3), 3);
    }
}
