//! The handle table: C gets integers, never pointers (SPEC section 7).
//!
//! A handle names an `Arc<Mutex<Session>>` in one global table. The table lock is held only to
//! look a handle up, insert or remove it; the per-session lock is taken after the table lock is
//! released, so calls on different handles run in parallel while calls on one handle are
//! serialized. Numbers come from a counter and are not handed out again while the counter has
//! not wrapped, so a stale handle gives code 14 instead of reaching someone else's session.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use lncmail_core::{Code, Error, Session};

/// A session shared between the table and the calls running on it.
pub(crate) type Shared = Arc<Mutex<Session>>;

struct Table {
    next: i32,
    sessions: HashMap<i32, Shared>,
}

static TABLE: LazyLock<Mutex<Table>> = LazyLock::new(|| Mutex::new(Table { next: 1, sessions: HashMap::new() }));

/// The table, even if a panic poisoned its lock: every change to it is a single insert or
/// remove, so it is never left half-updated.
fn table() -> MutexGuard<'static, Table> {
    TABLE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Opens a session and returns its handle (> 0).
pub(crate) fn open() -> Result<i32, Error> {
    let mut t = table();
    // At most i32::MAX - 1 handles can be open, so this finds a free number; the bound keeps
    // the loop finite even so.
    for _ in 0..=t.sessions.len() {
        let handle = t.next;
        t.next = if t.next == i32::MAX { 1 } else { t.next + 1 };
        if let Entry::Vacant(free) = t.sessions.entry(handle) {
            let session = Session::with_id(u64::try_from(handle).unwrap_or_default());
            free.insert(Arc::new(Mutex::new(session)));
            return Ok(handle);
        }
    }
    Err(Error::new(Code::Internal, "lnc_open: no free handle number"))
}

/// Looks a handle up.
pub(crate) fn get(handle: i32) -> Result<Shared, Error> {
    table().sessions.get(&handle).cloned().ok_or_else(|| unknown(handle))
}

/// Removes a handle. The session is dropped (its SMTP connection closed with QUIT) when the
/// last call still running on it returns, and never while the table lock is held.
pub(crate) fn close(handle: i32) -> Result<(), Error> {
    let removed = table().sessions.remove(&handle);
    match removed {
        Some(session) => {
            drop(session);
            Ok(())
        }
        None => Err(unknown(handle)),
    }
}

/// Runs `f` on the session, holding its lock for the whole call.
pub(crate) fn with_session<T>(session: &Shared, handle: i32, f: impl FnOnce(&mut Session) -> T) -> Result<T, Error> {
    match session.lock() {
        Ok(mut s) => Ok(f(&mut s)),
        // A panic in an earlier call may have left the session half-changed; refusing it is
        // safer than sending a message built from a broken state.
        Err(_) => Err(Error::new(
            Code::Internal,
            format!("handle {handle} is unusable after an internal error: lnc_close it and open a new one"),
        )),
    }
}

fn unknown(handle: i32) -> Error {
    Error::new(Code::InvalidArgument, format!("unknown or closed handle {handle}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_not_reused_after_close() {
        let a = open().unwrap();
        close(a).unwrap();
        let b = open().unwrap();
        assert_ne!(a, b);
        assert_eq!(get(a).unwrap_err().code(), Code::InvalidArgument);
        assert_eq!(close(a).unwrap_err().code(), Code::InvalidArgument);
        close(b).unwrap();
    }

    #[test]
    fn a_poisoned_session_is_refused_until_closed() {
        let h = open().unwrap();
        let s = get(h).unwrap();
        let s2 = Arc::clone(&s);
        let _ = std::thread::spawn(move || {
            let _guard = s2.lock();
            panic!("simulated bug while holding the session");
        })
        .join();
        assert_eq!(with_session(&s, h, |_| ()).unwrap_err().code(), Code::Internal);
        close(h).unwrap();
    }
}
