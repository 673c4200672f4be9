use super::JoinHandle;
use crate::runtime::Handle;
use std::fmt;
use std::future::Future;
use std::io;
use std::panic::Location;

/// Spawns a task with a name, for `all_tasks`, reports and logs:
/// asyncio's `create_task(coro, name=...)`.
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let handle = runtime::task::Builder::new()
///     .name("fetch-1")
///     .spawn(async { "page" })
///     .unwrap();
/// assert_eq!(handle.await.unwrap(), "page");
/// # });
/// ```
#[derive(Default)]
pub struct Builder<'a> {
    name: Option<&'a str>,
}

impl<'a> Builder<'a> {
    /// A builder for an unnamed task.
    pub fn new() -> Builder<'a> {
        Builder { name: None }
    }

    /// Names the task.
    pub fn name(self, name: &'a str) -> Builder<'a> {
        Builder { name: Some(name) }
    }

    /// Spawns on the current runtime.
    ///
    /// # Errors
    /// If there is no runtime on this thread (instead of panicking like
    /// [`crate::spawn`]).
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let handle = Handle::try_current().map_err(io::Error::other)?;
        let name = self.name.map(Into::into);
        Ok(super::spawn_maybe_boxed!(
            future: F,
            handle.spawn_named(future, name, Location::caller())
        ))
    }

    /// Spawns on the runtime of `handle`.
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let name = self.name.map(Into::into);
        super::spawn_maybe_boxed!(future: F, handle.spawn_named(future, name, Location::caller()))
    }
}

impl fmt::Debug for Builder<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder").field("name", &self.name).finish()
    }
}
