//! The `RawWaker` vtable of a task: a waker is one task reference.

use super::raw::{Header, RawTask};
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake_by_val, wake_by_ref, drop_waker);

/// A waker borrowed from a reference the caller already holds (the poller's
/// `Notified`), so creating it costs no reference count traffic.
pub(crate) struct WakerRef<'a> {
    waker: ManuallyDrop<Waker>,
    _task: PhantomData<&'a RawTask>,
}

impl Deref for WakerRef<'_> {
    type Target = Waker;
    fn deref(&self) -> &Waker {
        &self.waker
    }
}

pub(crate) fn waker_ref(task: &RawTask) -> WakerRef<'_> {
    let raw = RawWaker::new(task.as_ptr().as_ptr() as *const (), &VTABLE);
    // SAFETY: the vtable functions below uphold the `RawWaker` contract: the
    // data pointer is a live task cell for as long as the waker holds a
    // reference. This one holds none of its own, so it is never dropped
    // (`ManuallyDrop`) and cannot outlive the borrowed `task`.
    let waker = unsafe { Waker::from_raw(raw) };
    WakerRef {
        waker: ManuallyDrop::new(waker),
        _task: PhantomData,
    }
}

/// # Safety
/// `ptr` is the data pointer of one of our wakers, so it is a live cell.
unsafe fn task(ptr: *const ()) -> RawTask {
    // SAFETY: our wakers are only ever made from non-null cell pointers.
    unsafe { RawTask::from_ptr(NonNull::new_unchecked(ptr as *mut Header)) }
}

unsafe fn clone(ptr: *const ()) -> RawWaker {
    // SAFETY: the waker being cloned holds (or borrows) a reference.
    let task = unsafe { task(ptr) };
    #[cfg(feature = "console")]
    crate::console::waker_op(task.header(), "waker.clone");
    task.header().state.ref_inc();
    RawWaker::new(ptr, &VTABLE)
}

unsafe fn wake_by_val(ptr: *const ()) {
    // SAFETY: the waker holds a reference, which `wake_by_val` consumes.
    let task = unsafe { task(ptr) };
    // Before the wake, which may free the cell. The console counts a wake
    // as a wake and a drop.
    #[cfg(feature = "console")]
    crate::console::waker_op(task.header(), "waker.wake");
    task.wake_by_val();
}

unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: the waker holds or borrows a reference for this call.
    let task = unsafe { task(ptr) };
    #[cfg(feature = "console")]
    crate::console::waker_op(task.header(), "waker.wake_by_ref");
    task.wake_by_ref();
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: the waker holds a reference, which it gives up here.
    let task = unsafe { task(ptr) };
    #[cfg(feature = "console")]
    crate::console::waker_op(task.header(), "waker.drop");
    task.drop_reference();
}
