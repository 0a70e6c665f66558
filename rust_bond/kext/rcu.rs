// SPDX-License-Identifier: GPL-2.0

//! RCU: a read-side guard, and an `Arc` published to RCU readers.

use super::rtnl::RtnlHeld;
use crate::sys;
use core::marker::PhantomData;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::sync::Arc;

/// An RCU read-side critical section; ends when dropped. Not `Send`.
pub(crate) struct RcuGuard(PhantomData<*mut ()>);

impl RcuGuard {
    pub(crate) fn lock() -> Self {
        // SAFETY: `rcu_read_lock` may be called in any context; the guard
        // unlocks on the same task.
        unsafe { sys::rcu_read_lock() };
        Self(PhantomData)
    }

    /// Proof for code the core runs inside a read-side section (the
    /// receive path, `ndo_start_xmit`).
    ///
    /// # Safety
    ///
    /// The caller is inside an RCU read-side critical section (including
    /// a bottom-half or preempt-disabled section) for the token's life.
    pub(crate) unsafe fn assume_held() -> core::mem::ManuallyDrop<Self> {
        core::mem::ManuallyDrop::new(Self(PhantomData))
    }
}

impl Drop for RcuGuard {
    fn drop(&mut self) {
        // SAFETY: Locked in `lock()` on this task.
        unsafe { sys::rcu_read_unlock() };
    }
}

/// Waits for every RCU read-side section in progress to end. Sleeps.
pub(crate) fn synchronize() {
    // SAFETY: Called from process context (it sleeps), which every caller
    // (RTNL holders) is in.
    unsafe { sys::synchronize_rcu() };
}

/// An optional `Arc<T>` that RCU readers may look at without taking a
/// reference, and that RTNL holders replace. The old value is dropped only
/// after a grace period, so readers never see it freed.
pub(crate) struct RcuArc<T: Send + Sync>(AtomicPtr<T>, PhantomData<Arc<T>>);

impl<T: Send + Sync> RcuArc<T> {
    pub(crate) const fn new() -> Self {
        Self(AtomicPtr::new(core::ptr::null_mut()), PhantomData)
    }

    /// The current value, for as long as the read-side section lasts.
    pub(crate) fn get<'a>(&'a self, _rcu: &'a RcuGuard) -> Option<&'a T> {
        // Acquire pairs with the Release of `replace` (rcu_dereference).
        let p = self.0.load(Ordering::Acquire);
        // SAFETY: A non-null pointer came from `Arc::into_raw` and keeps
        // its reference until a replacement has waited out every reader
        // section that could have loaded it, including ours.
        unsafe { p.as_ref() }
    }

    /// The current value, for an updater.
    pub(crate) fn get_rtnl(&self, _rtnl: &RtnlHeld) -> Option<Arc<T>> {
        let p = self.0.load(Ordering::Acquire);
        if p.is_null() {
            return None;
        }
        // SAFETY: Under RTNL nobody can drop the value `p` owns (only
        // `replace` does, under RTNL); borrowing it to clone is sound and
        // `ManuallyDrop` gives the borrowed reference back untouched.
        let this = core::mem::ManuallyDrop::new(unsafe { Arc::from_raw(p) });
        Some(Arc::clone(&this))
    }

    /// Whether the current value is `other`.
    pub(crate) fn is(&self, other: &Arc<T>) -> bool {
        core::ptr::eq(self.0.load(Ordering::Acquire), &**other)
    }

    /// Publishes `new` and returns the old value, which must wait for the
    /// readers (see [`Retired`]).
    pub(crate) fn replace(&self, new: Option<Arc<T>>, _rtnl: &RtnlHeld) -> Retired<T> {
        let p = new.map_or(core::ptr::null_mut(), |a| Arc::into_raw(a).cast_mut());
        // Release: readers that see `p` see the value it points to.
        let old = self.0.swap(p, Ordering::AcqRel);
        // SAFETY: `old` came from `Arc::into_raw` (or is null) and this
        // swap took it out; readers may still use it, hence `Retired`.
        Retired((!old.is_null()).then(|| unsafe { Arc::from_raw(old) }))
    }
}

impl<T: Send + Sync> Drop for RcuArc<T> {
    fn drop(&mut self) {
        let p = *self.0.get_mut();
        if !p.is_null() {
            // SAFETY: We are dropped, so no borrow of `self`, and hence
            // (see `get`) no reference to the value, remains.
            drop(unsafe { Arc::from_raw(p) });
        }
    }
}

/// A value taken out of an [`RcuArc`]. Dropping it waits for a grace
/// period (sleeps) before dropping the `Arc`.
pub(crate) struct Retired<T: Send + Sync>(Option<Arc<T>>);

impl<T: Send + Sync> Drop for Retired<T> {
    fn drop(&mut self) {
        if self.0.is_some() {
            synchronize();
        }
    }
}
