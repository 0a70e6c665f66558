// SPDX-License-Identifier: GPL-2.0

//! netpoll (`struct netpoll`): the path netconsole sends the kernel log
//! through, with interrupts off and no queues. An upper device that
//! supports it sets up an instance on each of its lower devices and sends
//! through it while netpoll transmits on the upper device.

use super::netdev::NetDevice;
use super::rcu::RcuGuard;
use super::rtnl::RtnlHeld;
use crate::sys;
use core::marker::PhantomData;
use core::ptr::null_mut;
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::error::{to_result, Result};
use kernel::prelude::*;

/// Whether netpoll is transmitting on `dev` now (`netpoll_tx_running()`):
/// the transmit path must then send through netpoll, not queue.
pub(crate) fn tx_running(dev: &NetDevice) -> bool {
    // SAFETY: Reads the interrupt flag; callable in any context.
    unsafe { sys::netpoll_tx_running(dev.as_raw()) }
}

/// Polls `dev` for netpoll (`netpoll_poll_dev()`), from
/// `ndo_poll_controller`.
pub(crate) fn poll_dev(dev: &NetDevice) {
    // SAFETY: A live device (the caller's borrow); netpoll calls this with
    // interrupts off, as `netpoll_poll_dev` expects.
    unsafe { sys::netpoll_poll_dev(dev.as_raw()) }
}

/// Whether netpoll is set up on `dev` (`dev->npinfo`), so that a new lower
/// device needs an instance too.
pub(crate) fn is_set_up(dev: &NetDevice, _rtnl: &RtnlHeld) -> bool {
    // SAFETY: RTNL is held, which `npinfo` changes under.
    unsafe { !(*dev.as_raw()).npinfo.is_null() }
}

/// An optional netpoll instance on one lower device, which the transmit
/// path reads under RCU and RTNL holders set up and free.
///
/// # Invariants
///
/// The pointer is null or a `struct netpoll` allocated here and set up by
/// `__netpoll_setup` on the device it was enabled for; it is freed only by
/// `__netpoll_free`, which waits for RCU readers first.
pub(crate) struct NetpollSlot(AtomicPtr<sys::netpoll>);

impl NetpollSlot {
    pub(crate) const fn new() -> Self {
        Self(AtomicPtr::new(null_mut()))
    }

    /// Sets up an instance on `dev` (`slave_enable_netpoll()`); nothing
    /// if there is one already.
    pub(crate) fn enable(&self, dev: &NetDevice, _rtnl: &RtnlHeld) -> Result {
        if !self.0.load(Ordering::Relaxed).is_null() {
            return Ok(());
        }
        // `__netpoll_free` frees it with `kfree`: a `KBox` is kmalloc'ed.
        let np = KBox::into_raw(KBox::new(sys::netpoll::default(), GFP_KERNEL)?);
        // SAFETY: RTNL is held, as `__netpoll_setup` requires; `np` is a
        // zeroed `struct netpoll` and `dev` is live.
        if let Err(e) = to_result(unsafe { sys::__netpoll_setup(np, dev.as_raw()) }) {
            // SAFETY: From `KBox::into_raw` above, never published.
            drop(unsafe { KBox::from_raw(np) });
            return Err(e);
        }
        // INVARIANT: Set up on `dev` just now. Release: readers that see
        // the pointer see the set-up instance.
        self.0.store(np, Ordering::Release);
        Ok(())
    }

    /// Frees the instance, if any (`slave_disable_netpoll()`). Waits for
    /// an RCU grace period, as `__netpoll_free` does.
    pub(crate) fn disable(&self, _rtnl: &RtnlHeld) {
        let np = self.0.swap(null_mut(), Ordering::AcqRel);
        if !np.is_null() {
            // SAFETY: RTNL is held; `np` was set up by `enable` (the type's
            // invariant) and is no longer reachable from the slot;
            // `__netpoll_free` waits for readers before freeing it.
            unsafe { sys::__netpoll_free(np) };
        }
    }

    /// The instance, for the transmit path.
    pub(crate) fn get<'a>(&'a self, _rcu: &'a RcuGuard) -> Option<NetpollRef<'a>> {
        let np = self.0.load(Ordering::Acquire);
        (!np.is_null()).then_some(NetpollRef(np, PhantomData))
    }
}

impl Drop for NetpollSlot {
    fn drop(&mut self) {
        // An instance left set up would leak and keep its device; the
        // owner disables it under RTNL before dropping the slot.
        if !self.0.get_mut().is_null() {
            pr_err!("rust_bond: BUG: a netpoll instance was not freed\n");
        }
    }
}

/// A netpoll instance borrowed for an RCU read-side section.
pub(crate) struct NetpollRef<'a>(*mut sys::netpoll, PhantomData<&'a RcuGuard>);

impl NetpollRef<'_> {
    pub(super) fn as_raw(&self) -> *mut sys::netpoll {
        self.0
    }
}
