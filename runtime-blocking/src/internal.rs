//! Helpers that `runtime-core` shares with this crate, kept here because this
//! is the lowest crate (`runtime-core` depends on it, never the reverse).
//!
//! **Internal**: `pub` only so that `runtime-core` can reach it, hidden from
//! the docs, and not part of this crate's API: it may change in any release.

use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The message of a panic payload: `panic!("..")` and `.expect("..")` give a
/// `&'static str` or a `String`; any other payload (`panic_any(42)`) has none.
pub fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// How something panicked, worded as tokio words it: `panicked` or
/// `panicked with message "boom"`. Displayed after a subject ("task 12
/// panicked", "the on_thread_start hook panicked").
#[derive(Debug, Clone, Copy)]
pub struct Panicked<'a>(pub Option<&'a str>);

impl fmt::Display for Panicked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(msg) => write!(f, "panicked with message {msg:?}"),
            None => f.write_str("panicked"),
        }
    }
}

/// Runs a thread hook (`on_thread_start`/`on_thread_stop`), if there is one,
/// containing its panic and a panic from dropping the panic's payload. On a
/// panic returns its message, if it had one (see [`panic_message`]); the
/// default panic hook has already printed it.
pub fn run_hook<F: Fn() + ?Sized>(hook: Option<&F>) -> Result<(), Option<String>> {
    let Some(hook) = hook else { return Ok(()) };
    catch_unwind(AssertUnwindSafe(hook)).map_err(|payload| {
        let msg = panic_message(&*payload).map(str::to_owned);
        // Dropping a payload runs user code, which can itself panic.
        let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
        msg
    })
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn messages_of_string_payloads_only() {
        let s: Box<dyn Any + Send> = Box::new("static");
        let owned: Box<dyn Any + Send> = Box::new(String::from("owned"));
        let other: Box<dyn Any + Send> = Box::new(42_u32);
        assert_eq!(panic_message(&*s), Some("static"));
        assert_eq!(panic_message(&*owned), Some("owned"));
        assert_eq!(panic_message(&*other), None);
        assert_eq!(
            Panicked(Some("a \"quote\"")).to_string(),
            r#"panicked with message "a \"quote\"""#
        );
        assert_eq!(Panicked(None).to_string(), "panicked");
    }

    #[test]
    fn a_hook_panic_is_contained_even_if_its_payload_panics_on_drop() {
        struct Bomb;
        impl Drop for Bomb {
            fn drop(&mut self) {
                panic!("payload drop");
            }
        }
        let none: Option<&dyn Fn()> = None;
        assert_eq!(run_hook(none), Ok(()));
        assert_eq!(run_hook(Some(&|| {})), Ok(()));
        assert_eq!(
            run_hook(Some(&|| panic!("hook {}", 1))),
            Err(Some("hook 1".into()))
        );
        assert_eq!(run_hook(Some(&|| std::panic::panic_any(Bomb))), Err(None));
    }
}
