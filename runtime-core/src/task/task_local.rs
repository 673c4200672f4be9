//! `task_local!`: values that belong to a task (asyncio's contextvars),
//! tokio's `LocalKey` with the same names.
//!
//! A key is a thread-local slot (`RefCell<Option<T>>`). A task does not own a
//! thread, so the value is not kept in the slot: [`LocalKey::scope`] keeps it
//! in its future and swaps it into the slot for the duration of each poll,
//! then swaps it back out (and whatever the slot held before back in), by a
//! guard, so a panicking poll restores the slot too. Scopes nest the same
//! way. Between polls the value is in the future, wherever the task moves.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Declares task-local keys: `static NAME: Type;`, any number of them, with
/// attributes and visibility. Each becomes a [`LocalKey`]: tokio's
/// `task_local!`.
///
/// ```
/// runtime::task_local! {
///     /// The request being served.
///     pub static REQUEST_ID: u64;
///     static USER: String;
/// }
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(REQUEST_ID.scope(7, async {
///     assert_eq!(REQUEST_ID.get(), 7);
///     assert!(USER.try_with(|u| u.len()).is_err(), "USER was never set");
/// }));
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::__task_local_key!($(#[$attr])* $vis $name, $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $crate::__task_local_key!($(#[$attr])* $vis $name, $t);
    };
}

/// One key of [`task_local!`]; not for direct use.
#[doc(hidden)]
#[macro_export]
macro_rules! __task_local_key {
    ($(#[$attr:meta])* $vis:vis $name:ident, $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static SLOT: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey { slot: SLOT }
        };
    };
}

/// A key to a task-local value, declared with [`task_local!`](crate::task_local).
///
/// The value is set for the span of one future by [`scope`](Self::scope)
/// (or of one closure by [`sync_scope`](Self::sync_scope)) and read inside
/// it with [`with`](Self::with), [`try_with`](Self::try_with) or
/// [`get`](Self::get). Unlike a thread-local it has no default: outside a
/// scope there is no value. Spawned tasks do not inherit it.
///
/// ```
/// runtime::task_local! {
///     static DEPTH: u32;
/// }
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(DEPTH.scope(1, async {
///     assert_eq!(DEPTH.get(), 1);
///     DEPTH.scope(2, async { assert_eq!(DEPTH.get(), 2) }).await;
///     assert_eq!(DEPTH.get(), 1, "the outer value is back");
/// }));
/// ```
pub struct LocalKey<T: 'static> {
    /// The thread's slot; filled only while a scope of this key runs.
    #[doc(hidden)]
    pub slot: std::thread::LocalKey<RefCell<Option<T>>>,
}

/// [`LocalKey::try_with`] found no value: not inside a scope of the key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AccessError(());

/// Why a scope could not be entered.
enum ScopeError {
    /// A `with` of the same key is running (its closure entered the scope).
    Borrowed,
    /// The thread's storage is being torn down.
    Destroyed,
}

impl ScopeError {
    #[track_caller]
    fn panic(self) -> ! {
        match self {
            ScopeError::Borrowed => panic!(
                "cannot enter a task-local scope while the task-local storage is borrowed \
                 (a scope of this key was entered inside its own `with`)"
            ),
            ScopeError::Destroyed => panic!(
                "cannot enter a task-local scope during or after destruction of the \
                 underlying thread-local"
            ),
        }
    }
}

impl<T: 'static> LocalKey<T> {
    /// Runs `future` with `value` as this key's value. The value is dropped
    /// when the returned future is; [`TaskLocalFuture::take_value`] gets it
    /// back.
    ///
    /// # Panics
    /// The returned future's poll panics if it runs inside this key's
    /// [`with`](Self::with) closure.
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            key: self,
            value: Some(value),
            future: Some(future),
            _pinned: PhantomPinned,
        }
    }

    /// Runs `f` with `value` as this key's value, then drops the value.
    ///
    /// ```
    /// runtime::task_local! {
    ///     static NAME: &'static str;
    /// }
    /// assert_eq!(NAME.sync_scope("x", || NAME.get()), "x");
    /// ```
    ///
    /// # Panics
    /// Inside this key's [`with`](Self::with) closure.
    #[track_caller]
    pub fn sync_scope<F, R>(&'static self, value: T, f: F) -> R
    where
        F: FnOnce() -> R,
    {
        let mut value = Some(value);
        match self.enter(&mut value, f) {
            Ok(r) => r,
            Err(e) => e.panic(),
        }
    }

    /// Calls `f` with the value in `slot` swapped into the thread's slot, and
    /// swaps it back out afterwards, even if `f` panics.
    fn enter<R>(
        &'static self,
        slot: &mut Option<T>,
        f: impl FnOnce() -> R,
    ) -> Result<R, ScopeError> {
        struct SwapBack<'a, T: 'static> {
            key: &'static LocalKey<T>,
            slot: &'a mut Option<T>,
        }
        impl<T: 'static> Drop for SwapBack<'_, T> {
            fn drop(&mut self) {
                // Cannot fail: the swap in below succeeded, so the storage
                // is alive, and no borrow of it outlives a `with` call.
                self.key
                    .slot
                    .with(|cell| std::mem::swap(self.slot, &mut *cell.borrow_mut()));
            }
        }
        self.slot
            .try_with(|cell| {
                cell.try_borrow_mut()
                    .map(|mut cur| std::mem::swap(slot, &mut *cur))
                    .map_err(|_| ScopeError::Borrowed)
            })
            .map_err(|_| ScopeError::Destroyed)??;
        let _back = SwapBack { key: self, slot };
        Ok(f())
    }

    /// Calls `f` with a reference to the current value.
    ///
    /// # Panics
    /// Outside a scope of this key.
    #[track_caller]
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(r) => r,
            Err(_) => panic!(
                "cannot access a task-local storage value without setting it first \
                 (`LocalKey::scope` or `sync_scope`)"
            ),
        }
    }

    /// Calls `f` with a reference to the current value, or returns an
    /// [`AccessError`] outside a scope of this key.
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        match self.slot.try_with(|cell| cell.borrow().as_ref().map(f)) {
            Ok(Some(r)) => Ok(r),
            Ok(None) | Err(_) => Err(AccessError(())),
        }
    }
}

impl<T: Clone + 'static> LocalKey<T> {
    /// A clone of the current value.
    ///
    /// # Panics
    /// Outside a scope of this key.
    #[track_caller]
    pub fn get(&'static self) -> T {
        self.with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("LocalKey { .. }")
    }
}

/// The future returned by [`LocalKey::scope`]: `F` with the key's value
/// set while it is polled (and while it is dropped).
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct TaskLocalFuture<T: 'static, F> {
    key: &'static LocalKey<T>,
    /// The value, between polls (during a poll it is in the thread's slot).
    value: Option<T>,
    /// Structurally pinned; `None` once it completed.
    future: Option<F>,
    _pinned: PhantomPinned,
}

impl<T: 'static, F> TaskLocalFuture<T, F> {
    /// Takes the value out of the scope, finished or not (a later poll then
    /// runs without one).
    ///
    /// ```
    /// runtime::task_local! {
    ///     static KEY: u32;
    /// }
    ///
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut scoped = std::pin::pin!(KEY.scope(42, async {}));
    ///     scoped.as_mut().await;
    ///     assert_eq!(scoped.as_mut().take_value(), Some(42));
    /// });
    /// ```
    pub fn take_value(self: Pin<&mut Self>) -> Option<T> {
        // SAFETY: `value` is not structurally pinned; nothing is moved out
        // of the pinned `future`.
        unsafe { self.get_unchecked_mut() }.value.take()
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: never moved out (it is
        // dropped in place by `set(None)`-style assignment below, through
        // the pin); `value` and `key` are not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let key = this.key;
        let future = &mut this.future;
        let res = key.enter(&mut this.value, || {
            // SAFETY: see above; `future` lives in the pinned `self`.
            let mut pinned = unsafe { Pin::new_unchecked(&mut *future) };
            let fut = pinned
                .as_mut()
                .as_pin_mut()
                .expect("`TaskLocalFuture` polled after completion");
            let out = fut.poll(cx);
            if out.is_ready() {
                // Dropped in place, inside the scope.
                pinned.set(None);
            }
            out
        });
        match res {
            Ok(out) => out,
            Err(e) => e.panic(),
        }
    }
}

impl<T: 'static, F> Drop for TaskLocalFuture<T, F> {
    /// Drops an unfinished future inside the scope, so its destructors see
    /// the value too (if the scope can be entered).
    fn drop(&mut self) {
        if std::mem::needs_drop::<F>() && self.future.is_some() {
            let future = &mut self.future;
            let _ = self.key.enter(&mut self.value, || {
                // SAFETY: `future` may have been pinned (it is only ever
                // polled through a pin); `set(None)` drops it in place,
                // without moving it.
                unsafe { Pin::new_unchecked(future) }.set(None)
            });
        }
    }
}

impl<T: fmt::Debug + 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture")
            .field("value", &self.value)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessError")
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value not set")
    }
}

impl std::error::Error for AccessError {}
