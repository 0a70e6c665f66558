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
