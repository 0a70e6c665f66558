// SPDX-License-Identifier: GPL-2.0

//! A spinlock taken at a nesting level (`spin_lock_nested()`).

use crate::sys;
use core::cell::UnsafeCell;
use core::marker::PhantomData;
use kernel::prelude::*;
use kernel::types::Opaque;

/// A spinlock whose instances share one lockdep class and nest by a level
/// the caller gives (a bond's statistics lock is taken while the
/// statistics of a bond below it are read, which takes that bond's:
/// bonding.ko's `spin_lock_nested(&bond->stats_lock, level)`).
///
/// # Invariants
///
/// `lock` is an initialised `spinlock_t`; `data` is accessed only while it
/// is held.
#[pin_data]
pub(crate) struct LevelLock<T> {
    #[pin]
    lock: Opaque<sys::spinlock_t>,
    data: UnsafeCell<T>,
}

// SAFETY: The data moves with the lock; `T: Send` is all a move needs.
unsafe impl<T: Send> Send for LevelLock<T> {}
// SAFETY: Shared access reaches the data only through the lock, which
// gives one CPU at a time a `&mut T`: `T: Send` suffices (as for
// `kernel::sync::SpinLock`).
unsafe impl<T: Send> Sync for LevelLock<T> {}

impl<T> LevelLock<T> {
    pub(crate) fn new(data: T) -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: `slot` is valid for writes; the lock is initialised
            // in place and never moves (pinned).
            lock <- Opaque::ffi_init(|slot: *mut sys::spinlock_t| unsafe {
                sys::rb_level_lock_init(slot)
            }),
            data: UnsafeCell::new(data),
        })
    }

    /// Takes the lock as lockdep subclass `level` (0 to 7; higher values
    /// count as 7). Spins; callable in any context but hard interrupts.
    pub(crate) fn lock(&self, level: u32) -> LevelGuard<'_, T> {
        // SAFETY: The lock is initialised (type invariant).
        unsafe { sys::rb_spin_lock_nested(self.lock.get(), level.min(7) as i32) };
        LevelGuard(self, PhantomData)
    }
}

/// The held [`LevelLock`]; unlocks when dropped. Not `Send`: a spinlock is
/// released by the CPU that holds it.
pub(crate) struct LevelGuard<'a, T>(&'a LevelLock<T>, PhantomData<*mut ()>);

impl<T> core::ops::Deref for LevelGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: The lock is held, so nobody else accesses the data.
        unsafe { &*self.0.data.get() }
    }
}

impl<T> core::ops::DerefMut for LevelGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: The lock is held, so nobody else accesses the data.
        unsafe { &mut *self.0.data.get() }
    }
}

impl<T> Drop for LevelGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: Taken in `lock()` by this guard, on this CPU.
        unsafe { sys::rb_spin_unlock(self.0.lock.get()) };
    }
}
