// SPDX-License-Identifier: GPL-2.0

//! RCU: a read-side guard, and an `Arc` published to RCU readers and
//! retired with `call_rcu`.

use super::rtnl::RtnlHeld;
use crate::sys;
use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::pin::Pin;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::prelude::*;
use kernel::sync::{Arc, UniqueArc};

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

/// Waits until every callback [`Retired`] queued has run: module unload,
/// before the callbacks' code goes away.
pub(crate) fn barrier() {
    // SAFETY: Process context (it sleeps), which module unload is in.
    unsafe { sys::rcu_barrier() };
}

/// A value with the `rcu_head` that retires it: what an [`RcuArc`]
/// publishes. Dereferences to the value.
///
/// # Invariants
///
/// `head` is used only while the node is being retired: between
/// [`Retired`]'s drop, which gives the reference an [`RcuArc`] published
/// to an RCU callback, and that callback, which drops it (other
/// references from [`RcuArc::get_rtnl`] may outlive it). A node is
/// published only from a [`UniqueArc`], so it is never retired twice at
/// once.
pub(crate) struct RcuNode<T> {
    head: UnsafeCell<MaybeUninit<sys::callback_head>>,
    value: T,
}

// SAFETY: `head` is touched only by the one retiring the node (see the
// type's invariants); the value is `Send`.
unsafe impl<T: Send> Send for RcuNode<T> {}
// SAFETY: Shared references only read the value (`head` is not reachable
// through them but for the retiring party, see the invariants).
unsafe impl<T: Sync> Sync for RcuNode<T> {}

impl<T> RcuNode<T> {
    /// A new, unpublished node.
    pub(crate) fn new(value: T, flags: kernel::alloc::Flags) -> Result<UniqueArc<Self>> {
        UniqueArc::new(
            Self {
                head: UnsafeCell::new(MaybeUninit::uninit()),
                value,
            },
            flags,
        )
        .map_err(|_| ENOMEM)
    }
}

impl<T> core::ops::Deref for RcuNode<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> core::ops::DerefMut for RcuNode<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

/// An optional `Arc<RcuNode<T>>` that RCU readers may look at without
/// taking a reference, and that RTNL holders replace without waiting: the
/// old value is dropped by an RCU callback once no reader can see it
/// (`rcu_assign_pointer` and `kfree_rcu`, as bonding.ko publishes).
///
/// # Invariants
///
/// A non-null pointer in the slot came from `Arc::into_raw` and owns that
/// reference; it is replaced only under RTNL.
pub(crate) struct RcuArc<T: Send + Sync + 'static>(AtomicPtr<RcuNode<T>>, PhantomData<Arc<T>>);

impl<T: Send + Sync + 'static> RcuArc<T> {
    pub(crate) const fn new() -> Self {
        Self(AtomicPtr::new(core::ptr::null_mut()), PhantomData)
    }

    /// The current value, for as long as the read-side section lasts.
    pub(crate) fn get<'a>(&'a self, _rcu: &'a RcuGuard) -> Option<&'a T> {
        // Acquire pairs with the Release of `replace` (rcu_dereference).
        let p = self.0.load(Ordering::Acquire);
        // SAFETY: A non-null pointer owns a reference (type invariant);
        // when replaced, that reference is dropped only after a grace
        // period, which our read section (borrowed for 'a) holds off.
        unsafe { p.as_ref() }.map(|n| &n.value)
    }

    /// The current value, for an updater that may sleep while using it.
    pub(crate) fn get_rtnl(&self, _rtnl: &RtnlHeld) -> Option<Arc<RcuNode<T>>> {
        let p = self.0.load(Ordering::Acquire);
        if p.is_null() {
            return None;
        }
        // SAFETY: Under RTNL nobody can replace the value (only `replace`
        // does, under RTNL), so the slot's reference is alive; borrowing it
        // to clone is sound and `ManuallyDrop` gives it back untouched.
        let this = core::mem::ManuallyDrop::new(unsafe { Arc::from_raw(p) });
        Some(Arc::clone(&this))
    }

    /// Publishes `new` and returns the old value, to be dropped once the
    /// readers are done with it (see [`Retired`]). Never waits.
    pub(crate) fn replace(
        &self,
        new: Option<UniqueArc<RcuNode<T>>>,
        _rtnl: &RtnlHeld,
    ) -> Retired<T> {
        let p = new.map_or(core::ptr::null_mut(), |a| {
            Arc::into_raw(Arc::from(a)).cast_mut()
        });
        // Release: readers that see `p` see the value it points to.
        let old = self.0.swap(p, Ordering::AcqRel);
        // SAFETY: `old` came from `Arc::into_raw` (or is null) and this
        // swap took it out of the slot; readers may still use it, hence
        // `Retired`.
        Retired((!old.is_null()).then(|| unsafe { Arc::from_raw(old) }))
    }
}

impl<T: Send + Sync + 'static> Drop for RcuArc<T> {
    fn drop(&mut self) {
        let p = *self.0.get_mut();
        if !p.is_null() {
            // SAFETY: We are dropped, so no borrow of `self`, and hence
            // (see `get`) no reader of the value, remains.
            drop(unsafe { Arc::from_raw(p) });
        }
    }
}

/// A value taken out of an [`RcuArc`] that readers may still see.
/// Dropping it queues an RCU callback that drops the value after a grace
/// period (from softirq context: `T`'s drop must not sleep); it never
/// waits. Module unload waits for the callbacks ([`barrier`]).
pub(crate) struct Retired<T: Send + Sync + 'static>(Option<Arc<RcuNode<T>>>);

impl<T: Send + Sync + 'static> Retired<T> {
    /// The old value back for reuse, `None` if there was none or if
    /// someone else still holds a reference to it
    /// ([`RcuArc::get_rtnl`]).
    ///
    /// # Safety
    ///
    /// A grace period has ended since the value was unpublished (this
    /// `Retired` was made): no reader can still see it.
    pub(super) unsafe fn reclaim(mut self) -> Option<UniqueArc<RcuNode<T>>>
    where
        T: Unpin,
    {
        self.0
            .take()
            .and_then(Arc::into_unique_or_drop)
            .map(Pin::into_inner)
    }

    /// The callback `Drop` queues.
    ///
    /// # Safety
    ///
    /// `head` is the `head` of an `RcuNode<T>` whose reference the caller
    /// gave away with `Arc::into_raw`, queued once.
    unsafe extern "C" fn reclaim_cb(head: *mut sys::callback_head) {
        // SAFETY: Per the function's contract, `head` lies in an
        // `RcuNode<T>` (`UnsafeCell<MaybeUninit<_>>` is
        // `repr(transparent)`, so its address is the field's).
        let node = unsafe {
            kernel::container_of!(
                head.cast::<UnsafeCell<MaybeUninit<sys::callback_head>>>(),
                RcuNode<T>,
                head
            )
        };
        // SAFETY: That reference was given away to this callback.
        drop(unsafe { Arc::from_raw(node) });
    }
}

impl<T: Send + Sync + 'static> Drop for Retired<T> {
    fn drop(&mut self) {
        let Some(old) = self.0.take() else {
            return;
        };
        let node = Arc::into_raw(old);
        // SAFETY: `node` is alive (we gave away a reference to the
        // callback); its `head` is not in use (the type invariants of
        // `RcuNode`: this node left its slot once, here).
        unsafe { sys::call_rcu((*node).head.get().cast(), Some(Self::reclaim_cb)) };
    }
}
