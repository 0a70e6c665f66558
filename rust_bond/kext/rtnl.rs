// SPDX-License-Identifier: GPL-2.0

//! The RTNL lock: a guard that takes it, and a token that proves it is held.
//!
//! Configuration in the net stack happens under RTNL. Functions that need it
//! take `&RtnlHeld` (`&mut RtnlHeld` where they may call back into the
//! driver), so "called with RTNL held" is checked by the compiler, not by a
//! comment.

use crate::sys;
use core::marker::PhantomData;

/// Proof that the current task holds RTNL. Not `Send`: the lock belongs to
/// the task that took it.
pub(crate) struct RtnlHeld(PhantomData<*mut ()>);

impl RtnlHeld {
    /// Creates the proof for code the net core calls with RTNL held.
    ///
    /// # Safety
    ///
    /// RTNL must be held by the current task for as long as the token (and
    /// anything borrowed from it) lives. Callers of C functions that call
    /// back into code minting such tokens take the outer proof as
    /// `&mut RtnlHeld`, so borrows of the outer and inner proofs never
    /// overlap.
    pub(crate) unsafe fn assume_held() -> Self {
        Self(PhantomData)
    }
}

/// Holds RTNL until dropped. Dereferences to the [`RtnlHeld`] proof.
pub(crate) struct Rtnl(RtnlHeld);

impl Rtnl {
    /// Takes RTNL, sleeping until it is free.
    pub(crate) fn lock() -> Self {
        // SAFETY: `rtnl_lock` has no preconditions beyond a sleepable
        // context, which every caller of this (process context) provides.
        unsafe { sys::rtnl_lock() };
        Self(RtnlHeld(PhantomData))
    }
}

/// Takes RTNL for a sysfs write, or asks the kernel to restart the write
/// system call if someone else holds it (`rtnl_trylock` +
/// `restart_syscall()`, as bonding's sysfs does: blocking here could
/// deadlock against an unregister that waits for this very file).
pub(crate) fn lock_or_restart() -> kernel::error::Result<Rtnl> {
    // SAFETY: `rtnl_trylock` has no preconditions.
    if unsafe { sys::rtnl_trylock() } != 0 {
        Ok(Rtnl(RtnlHeld(PhantomData)))
    } else {
        // SAFETY: Process context (a system call); it flags the task and
        // returns -ERESTARTNOINTR, which the syscall exit path handles.
        Err(kernel::error::Error::from_errno(unsafe {
            sys::restart_syscall()
        }))
    }
}

/// Tries to take RTNL without sleeping (for works that a lock holder may
/// be waiting to cancel).
pub(crate) fn try_lock() -> Option<Rtnl> {
    // SAFETY: `rtnl_trylock` has no preconditions.
    (unsafe { sys::rtnl_trylock() } != 0).then(|| Rtnl(RtnlHeld(PhantomData)))
}

impl core::ops::Deref for Rtnl {
    type Target = RtnlHeld;
    fn deref(&self) -> &RtnlHeld {
        &self.0
    }
}

impl core::ops::DerefMut for Rtnl {
    fn deref_mut(&mut self) -> &mut RtnlHeld {
        &mut self.0
    }
}

impl Drop for Rtnl {
    fn drop(&mut self) {
        // SAFETY: Taken in `lock()`; this guard is its only owner. Unlocking
        // also runs the net core's todo list (frees unregistered devices).
        unsafe { sys::rtnl_unlock() };
    }
}

/// Data protected by RTNL: reading needs an `&RtnlHeld` proof, writing
/// the [`Rtnl`] guard itself, mutably. Proofs can be minted by callbacks
/// (the core calls them with RTNL held), so a second proof may exist
/// while a borrow made through the first is alive; a guard cannot: RTNL
/// does not nest, so while this task holds it (for any proof's borrow to
/// be alive) no other guard can be taken, and borrows made through the
/// guard's own proof are excluded by the mutable borrow.
pub(crate) struct RtnlLocked<T>(core::cell::UnsafeCell<T>);

// SAFETY: Every access goes through an `RtnlHeld` proof, so RTNL serialises
// them; `T: Send` because different tasks take turns owning it.
unsafe impl<T: Send> Sync for RtnlLocked<T> {}

impl<T> RtnlLocked<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }

    /// Reads the data while RTNL is held.
    pub(crate) fn get<'a>(&'a self, _rtnl: &'a RtnlHeld) -> &'a T {
        // SAFETY: RTNL is held for 'a; writers need the proof mutably, and
        // no proof can be borrowed both ways at once.
        unsafe { &*self.0.get() }
    }

    /// Changes the data while this task holds RTNL through `_rtnl`.
    pub(crate) fn get_mut<'a>(&'a self, _rtnl: &'a mut Rtnl) -> &'a mut T {
        // Borrows made through proofs that callbacks minted end with those
        // callbacks, which run inside calls this guard's holder made
        // (borrowing the guard) or while the core holds RTNL (when no
        // guard can exist).
        // SAFETY: The guard is exclusively borrowed for 'a, so no borrow
        // made through it or (above) any other proof is alive.
        unsafe { &mut *self.0.get() }
    }
}

/// Data changed under RTNL whose users may be called back into while they
/// hold it: a bond's configuration, reached again when a bond is a port of
/// another bond, or when an operation on one device raises events of
/// another. Like `RefCell`, it hands out one borrow at a time and refuses a
/// second one instead of deadlocking or aliasing; RTNL, which every
/// borrower must hold, keeps other tasks out, so a refusal can only be a
/// re-entry from the same task. Unlike a mutex it has no lock class, so
/// bonds nested in bonds need no lockdep annotation (bonding.ko too guards
/// its configuration with RTNL alone).
///
/// # Invariants
///
/// `value` is borrowed only through an [`RtnlBorrow`], and only while
/// `busy` is set by that borrow.
pub(crate) struct RtnlCell<T> {
    busy: core::sync::atomic::AtomicBool,
    value: core::cell::UnsafeCell<T>,
}

// SAFETY: The `busy` flag gives out one borrow at a time (see the type's
// invariants), whatever task asks; `T: Send` because tasks take turns.
unsafe impl<T: Send> Sync for RtnlCell<T> {}

impl<T> RtnlCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self {
            busy: core::sync::atomic::AtomicBool::new(false),
            value: core::cell::UnsafeCell::new(value),
        }
    }

    /// Borrows the data, or returns `None` if it is borrowed already (a
    /// callback re-entering its caller's borrow).
    pub(crate) fn borrow(&self, _rtnl: &RtnlHeld) -> Option<RtnlBorrow<'_, T>> {
        use core::sync::atomic::Ordering::{Acquire, Relaxed};
        self.busy
            .compare_exchange(false, true, Acquire, Relaxed)
            .ok()
            // INVARIANT: `busy` is set, and cleared when the borrow drops.
            .map(|_| RtnlBorrow {
                cell: self,
                _t: PhantomData,
            })
    }
}

/// The one borrow of an [`RtnlCell`]; gives it back when dropped.
pub(crate) struct RtnlBorrow<'a, T> {
    cell: &'a RtnlCell<T>,
    /// It hands out `&T` and `&mut T`: shareable between threads only as
    /// far as those are.
    _t: PhantomData<&'a mut T>,
}

impl<T> core::ops::Deref for RtnlBorrow<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: This borrow set `busy`, so no other reference exists.
        unsafe { &*self.cell.value.get() }
    }
}

impl<T> core::ops::DerefMut for RtnlBorrow<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: This borrow set `busy`, so no other reference exists, and
        // `&mut self` makes this one unique.
        unsafe { &mut *self.cell.value.get() }
    }
}

impl<T> Drop for RtnlBorrow<'_, T> {
    fn drop(&mut self) {
        self.cell
            .busy
            .store(false, core::sync::atomic::Ordering::Release);
    }
}
