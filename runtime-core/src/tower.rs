//! tower's timer-bound middleware on this runtime's clock (feature
//! `tower`).
//!
//! Most of tower needs no runtime (`ServiceBuilder`, `ConcurrencyLimit`,
//! `LoadShed`, `MapRequest`, axum's extractors ...): use it as it is.
//! Its [`timeout`](https://docs.rs/tower/latest/tower/timeout/) and
//! [`limit::rate`](https://docs.rs/tower/latest/tower/limit/rate/)
//! middleware sleep with `tokio::time`, which panics outside a tokio
//! runtime. The layers here are the same middleware on
//! [`runtime::time`](crate::time), with tower's semantics and error types:
//!
//! * [`TimeoutLayer`] / [`Timeout`]: a request that takes longer than the
//!   limit fails with a [`BoxError`] holding tower's own
//!   [`Elapsed`], so code that checks
//!   `err.is::<Elapsed>()` (axum's `HandleErrorLayer` examples) keeps
//!   working;
//! * [`RateLimitLayer`] / [`RateLimit`]: at most `num` requests per `per`.
//!
//! ```
//! use std::time::Duration;
//! use runtime::tower::TimeoutLayer;
//! use tower::timeout::error::Elapsed;
//! use tower_layer::Layer;
//! use tower_service::Service;
//!
//! #[derive(Clone)]
//! struct Slow;
//! impl Service<()> for Slow {
//!     type Response = ();
//!     type Error = std::convert::Infallible;
//!     type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), Self::Error>> + Send>>;
//!     fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
//!         std::task::Poll::Ready(Ok(()))
//!     }
//!     fn call(&mut self, _: ()) -> Self::Future {
//!         Box::pin(async {
//!             runtime::time::sleep(Duration::from_secs(3600)).await;
//!             Ok(())
//!         })
//!     }
//! }
//!
//! // Paused time: the 30 s pass at once.
//! let rt = runtime::Builder::new_current_thread().start_paused(true).build().unwrap();
//! rt.block_on(async {
//! let mut svc = TimeoutLayer::new(Duration::from_secs(30)).layer(Slow);
//! let err = svc.call(()).await.unwrap_err();
//! assert!(err.is::<Elapsed>());
//! });
//! ```

use crate::time::{sleep, sleep_until, Instant, Sleep};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tower::timeout::error::Elapsed;
use tower_layer::Layer;
use tower_service::Service;

/// tower's error type: what [`Timeout`] fails with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Applies a [`Timeout`] to requests: tower's `TimeoutLayer`, on this
/// runtime's clock.
#[derive(Clone, Copy, Debug)]
pub struct TimeoutLayer {
    timeout: Duration,
}

impl TimeoutLayer {
    /// Requests that take longer than `timeout` fail with
    /// [`Elapsed`].
    pub const fn new(timeout: Duration) -> TimeoutLayer {
        TimeoutLayer { timeout }
    }
}

impl<S> Layer<S> for TimeoutLayer {
    type Service = Timeout<S>;

    fn layer(&self, inner: S) -> Timeout<S> {
        Timeout::new(inner, self.timeout)
    }
}

/// Fails requests that take longer than a limit: tower's `Timeout`, on
/// this runtime's clock. The clock starts when the request is handed to
/// the inner service (`call`), not while waiting for it to be ready, as in
/// tower. Errors: the inner service's, boxed, or a boxed
/// [`Elapsed`].
#[derive(Clone, Debug)]
pub struct Timeout<S> {
    inner: S,
    timeout: Duration,
}

impl<S> Timeout<S> {
    /// `inner` with requests limited to `timeout`.
    pub const fn new(inner: S, timeout: Duration) -> Timeout<S> {
        Timeout { inner, timeout }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, Request> Service<Request> for Timeout<S>
where
    S: Service<Request>,
    S::Error: Into<BoxError>,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request) -> ResponseFuture<S::Future> {
        ResponseFuture {
            response: self.inner.call(request),
            sleep: sleep(self.timeout),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`Timeout`].
    pub struct ResponseFuture<F> {
        #[pin]
        response: F,
        sleep: Sleep,
    }
}

impl<F: fmt::Debug> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("response", &self.response)
            .field("deadline", &self.sleep.deadline())
            .finish()
    }
}

impl<F, T, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<T, E>>,
    E: Into<BoxError>,
{
    type Output = Result<T, BoxError>;

    /// The response first: one that is ready wins over a deadline that
    /// passed at the same moment, as in tower.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(res) = this.response.poll(cx) {
            return Poll::Ready(res.map_err(Into::into));
        }
        ready!(Pin::new(this.sleep).poll(cx));
        Poll::Ready(Err(Elapsed::new().into()))
    }
}

/// Applies a [`RateLimit`] to requests: tower's `RateLimitLayer`, on this
/// runtime's clock.
#[derive(Clone, Copy, Debug)]
pub struct RateLimitLayer {
    num: u64,
    per: Duration,
}

impl RateLimitLayer {
    /// At most `num` requests per `per`.
    ///
    /// # Panics
    /// If `num` is 0 or `per` is zero (no request could ever pass), as
    /// tower's `Rate::new`.
    #[track_caller]
    pub const fn new(num: u64, per: Duration) -> RateLimitLayer {
        assert!(num > 0, "RateLimitLayer::new: `num` must be at least 1");
        assert!(
            !per.is_zero(),
            "RateLimitLayer::new: `per` must be longer than zero"
        );
        RateLimitLayer { num, per }
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> RateLimit<S> {
        RateLimit::new(inner, self.num, self.per)
    }
}

/// Lets at most `num` requests through per period of `per`: tower's
/// `RateLimit` (the same fixed-window algorithm), on this runtime's clock.
/// `poll_ready` is pending while the window's budget is spent.
pub struct RateLimit<S> {
    inner: S,
    num: u64,
    per: Duration,
    state: RateState,
    /// Armed while `Limited`: the end of the spent window.
    sleep: Pin<Box<Sleep>>,
}

#[derive(Debug)]
enum RateState {
    /// The budget of this window is spent.
    Limited,
    /// `rem` requests may still pass before `until`.
    Ready { until: Instant, rem: u64 },
}

impl<S> RateLimit<S> {
    /// `inner`, letting at most `num` requests through per `per`.
    ///
    /// # Panics
    /// If `num` is 0 or `per` is zero.
    #[track_caller]
    pub fn new(inner: S, num: u64, per: Duration) -> RateLimit<S> {
        assert!(num > 0, "RateLimit::new: `num` must be at least 1");
        assert!(
            !per.is_zero(),
            "RateLimit::new: `per` must be longer than zero"
        );
        let until = Instant::now();
        RateLimit {
            inner,
            num,
            per,
            state: RateState::Ready { until, rem: num },
            sleep: Box::pin(sleep_until(until)),
        }
    }

    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: fmt::Debug> fmt::Debug for RateLimit<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimit")
            .field("inner", &self.inner)
            .field("num", &self.num)
            .field("per", &self.per)
            .field("state", &self.state)
            .finish()
    }
}

impl<S, Request> Service<Request> for RateLimit<S>
where
    S: Service<Request>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        if let RateState::Limited = self.state {
            ready!(self.sleep.as_mut().poll(cx));
            self.state = RateState::Ready {
                until: Instant::now() + self.per,
                rem: self.num,
            };
        }
        self.inner.poll_ready(cx)
    }

    /// # Panics
    /// If called while the budget is spent, without a `poll_ready` that
    /// said ready first (tower's contract).
    fn call(&mut self, request: Request) -> S::Future {
        match self.state {
            RateState::Ready { mut until, mut rem } => {
                let now = Instant::now();
                if now >= until {
                    until = now + self.per;
                    rem = self.num;
                }
                if rem > 1 {
                    self.state = RateState::Ready {
                        until,
                        rem: rem - 1,
                    };
                } else {
                    self.sleep.as_mut().get_mut().reset(until);
                    self.state = RateState::Limited;
                }
                self.inner.call(request)
            }
            RateState::Limited => {
                panic!("RateLimit: service not ready; poll_ready must be called first")
            }
        }
    }
}
