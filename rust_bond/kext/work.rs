// SPDX-License-Identifier: GPL-2.0

//! Delayed work on the system workqueue. Devices embed these in their
//! private area (see `netdev::Device::schedule`), which is what lets the
//! work function find its device soundly.

use super::compat;
use crate::sys;
use kernel::types::Opaque;

/// A `struct delayed_work`, initialised in place by [`RawDelayedWork::init`].
#[repr(transparent)]
pub(crate) struct RawDelayedWork(Opaque<sys::delayed_work>);

// SAFETY: The workqueue API may be used from any task.
unsafe impl Sync for RawDelayedWork {}
// SAFETY: As above.
unsafe impl Send for RawDelayedWork {}

impl RawDelayedWork {
    /// Initialises the work at `slot` to run `f`.
    ///
    /// # Safety
    ///
    /// `slot` is valid for writes and does not move while the work may be
    /// queued; `f` may be run from the workqueue until the work is
    /// cancelled.
    pub(crate) unsafe fn init(slot: *mut Self, f: unsafe extern "C" fn(*mut sys::work_struct)) {
        // SAFETY: The caller's guarantees; `Self` is transparent.
        unsafe { sys::rb_init_delayed_work(slot.cast(), Some(f)) };
    }

    fn raw(&self) -> *mut sys::delayed_work {
        self.0.get()
    }

    /// Runs the work in `ms` milliseconds, unless it is already pending.
    pub(crate) fn schedule(&self, ms: u32) {
        // SAFETY: Initialised (only `init` makes these reachable); the
        // system workqueue always exists.
        unsafe {
            sys::queue_delayed_work(compat::system_wq(), self.raw(), sys::msecs_to_jiffies(ms));
        }
    }

    /// Cancels the work and waits for a run in progress (which cannot
    /// requeue itself meanwhile). Sleeps.
    pub(crate) fn cancel_sync(&self) {
        // SAFETY: Initialised; process context (callers sleep).
        unsafe { sys::cancel_delayed_work_sync(self.raw()) };
    }
}
