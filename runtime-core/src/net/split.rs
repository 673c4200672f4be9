//! The halves of a split stream, for TCP and Unix alike: one macro defines
//! `ReadHalf`/`WriteHalf` (borrowed, from `split`), `OwnedReadHalf`/
//! `OwnedWriteHalf` (from `into_split`, reunited by `reunite`) and
//! `ReuniteError` in the module that invokes it, as tokio has them in
//! `tokio::net::tcp` and `tokio::net::unix`.
//!
//! Reading and writing wait on different wakers of the socket's readiness
//! slot, so one task may read while another writes. Dropping a half leaves
//! the other usable; dropping the owned write half shuts the write half of
//! the socket (the peer reads EOF), unless it was given up with `forget`.

macro_rules! split_halves {
    ($Stream:ident, $Addr:ty, $kind:literal) => {
        use $crate::loom::Arc;

        #[doc = concat!("The borrowed read half of a [`", stringify!($Stream), "`], from [`", stringify!($Stream), "::split`].")]
        ///
        /// Implements tokio's and futures-io's `AsyncRead`.
        #[derive(Debug)]
        pub struct ReadHalf<'a>(&'a $Stream);

        #[doc = concat!("The borrowed write half of a [`", stringify!($Stream), "`], from [`", stringify!($Stream), "::split`].")]
        ///
        /// Implements tokio's and futures-io's `AsyncWrite`; shutting it
        /// down shuts the socket's write half.
        #[derive(Debug)]
        pub struct WriteHalf<'a>(&'a $Stream);

        #[doc = concat!("The owned read half of a [`", stringify!($Stream), "`], from [`", stringify!($Stream), "::into_split`].")]
        ///
        /// Implements tokio's and futures-io's `AsyncRead`. Dropping it
        /// leaves the write half usable.
        #[derive(Debug)]
        pub struct OwnedReadHalf {
            inner: Arc<$Stream>,
        }

        #[doc = concat!("The owned write half of a [`", stringify!($Stream), "`], from [`", stringify!($Stream), "::into_split`].")]
        ///
        /// Implements tokio's and futures-io's `AsyncWrite`. Dropping it
        /// shuts the socket's write half (the peer reads EOF) unless it is
        /// given up with [`forget`](Self::forget); the read half stays
        /// usable.
        #[derive(Debug)]
        pub struct OwnedWriteHalf {
            inner: Arc<$Stream>,
            shutdown_on_drop: bool,
        }

        /// The two halves given to `reunite` came from different streams;
        /// here they are back.
        #[derive(Debug)]
        pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

        impl std::fmt::Display for ReuniteError {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(
                    f,
                    concat!("tried to reunite halves that are not from the same ", $kind)
                )
            }
        }

        impl std::error::Error for ReuniteError {}

        pub(crate) fn split(stream: &mut $Stream) -> (ReadHalf<'_>, WriteHalf<'_>) {
            (ReadHalf(&*stream), WriteHalf(&*stream))
        }

        pub(crate) fn split_owned(stream: $Stream) -> (OwnedReadHalf, OwnedWriteHalf) {
            let inner = Arc::new(stream);
            let write = OwnedWriteHalf {
                inner: inner.clone(),
                shutdown_on_drop: true,
            };
            (OwnedReadHalf { inner }, write)
        }

        fn reunite(
            read: OwnedReadHalf,
            mut write: OwnedWriteHalf,
        ) -> Result<$Stream, ReuniteError> {
            if !Arc::ptr_eq(&read.inner, &write.inner) {
                return Err(ReuniteError(read, write));
            }
            write.shutdown_on_drop = false;
            drop(write);
            Ok(Arc::try_unwrap(read.inner)
                .unwrap_or_else(|_| unreachable!("a stream has exactly two owned halves")))
        }

        /// The read-side methods every read half has.
        macro_rules! read_methods {
            () => {
                /// Waits until the stream is ready for any of `interest`
                /// (see the stream's `ready`).
                pub async fn ready(&self, interest: $crate::io::Interest) -> std::io::Result<$crate::io::Ready> {
                    self.stream().ready(interest).await
                }

                /// Waits until the stream is readable.
                pub async fn readable(&self) -> std::io::Result<()> {
                    self.stream().readable().await
                }

                /// Reads what is there now, without waiting; `WouldBlock` if
                /// nothing is, `Ok(0)` at end of stream.
                pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                    self.stream().try_read(buf)
                }

                /// Like [`try_read`](Self::try_read), into several buffers.
                pub fn try_read_vectored(&self, bufs: &mut [std::io::IoSliceMut<'_>]) -> std::io::Result<usize> {
                    self.stream().try_read_vectored(bufs)
                }

                /// The address of the remote end.
                pub fn peer_addr(&self) -> std::io::Result<$Addr> {
                    self.stream().peer_addr()
                }

                /// The address of the local end.
                pub fn local_addr(&self) -> std::io::Result<$Addr> {
                    self.stream().local_addr()
                }
            };
        }

        /// The write-side methods every write half has.
        macro_rules! write_methods {
            () => {
                /// Waits until the stream is ready for any of `interest`
                /// (see the stream's `ready`).
                pub async fn ready(&self, interest: $crate::io::Interest) -> std::io::Result<$crate::io::Ready> {
                    self.stream().ready(interest).await
                }

                /// Waits until the stream is writable.
                pub async fn writable(&self) -> std::io::Result<()> {
                    self.stream().writable().await
                }

                /// Writes what fits now, without waiting; `WouldBlock` if
                /// nothing does.
                pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
                    self.stream().try_write(buf)
                }

                /// Like [`try_write`](Self::try_write), from several buffers
                /// in one system call.
                pub fn try_write_vectored(&self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
                    self.stream().try_write_vectored(bufs)
                }

                /// The address of the remote end.
                pub fn peer_addr(&self) -> std::io::Result<$Addr> {
                    self.stream().peer_addr()
                }

                /// The address of the local end.
                pub fn local_addr(&self) -> std::io::Result<$Addr> {
                    self.stream().local_addr()
                }
            };
        }

        impl ReadHalf<'_> {
            fn stream(&self) -> &$Stream {
                self.0
            }
            read_methods!();
        }

        impl WriteHalf<'_> {
            fn stream(&self) -> &$Stream {
                self.0
            }
            write_methods!();
        }

        impl OwnedReadHalf {
            fn stream(&self) -> &$Stream {
                &self.inner
            }
            read_methods!();

            /// Puts the stream back together with its write half; hands
            /// both back in the error if they are not from the same stream.
            pub fn reunite(self, other: OwnedWriteHalf) -> Result<$Stream, ReuniteError> {
                reunite(self, other)
            }
        }

        impl OwnedWriteHalf {
            fn stream(&self) -> &$Stream {
                &self.inner
            }
            write_methods!();

            /// Puts the stream back together with its read half; hands
            /// both back in the error if they are not from the same stream.
            pub fn reunite(self, other: OwnedReadHalf) -> Result<$Stream, ReuniteError> {
                reunite(other, self)
            }

            /// Drops this half without shutting the socket's write half.
            pub fn forget(mut self) {
                self.shutdown_on_drop = false;
            }
        }

        impl Drop for OwnedWriteHalf {
            fn drop(&mut self) {
                if self.shutdown_on_drop {
                    let _ = $crate::net::ops::shutdown_write(self.inner.io.get_ref());
                }
            }
        }

        impl AsRef<$Stream> for ReadHalf<'_> {
            fn as_ref(&self) -> &$Stream {
                self.0
            }
        }

        impl AsRef<$Stream> for WriteHalf<'_> {
            fn as_ref(&self) -> &$Stream {
                self.0
            }
        }

        impl AsRef<$Stream> for OwnedReadHalf {
            fn as_ref(&self) -> &$Stream {
                &self.inner
            }
        }

        impl AsRef<$Stream> for OwnedWriteHalf {
            fn as_ref(&self) -> &$Stream {
                &self.inner
            }
        }

        $crate::net::ops::impl_async_read!(ReadHalf<'_>, |h| &h.0.io);
        $crate::net::ops::impl_async_read!(OwnedReadHalf, |h| &h.inner.io);
        $crate::net::ops::impl_async_write!(WriteHalf<'_>, |h| &h.0.io);
        $crate::net::ops::impl_async_write!(OwnedWriteHalf, |h| &h.inner.io);
    };
}
pub(crate) use split_halves;
