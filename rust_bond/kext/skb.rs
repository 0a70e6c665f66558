// SPDX-License-Identifier: GPL-2.0

//! Socket buffers, owned.

use crate::sys;
use core::ptr::NonNull;

/// An `sk_buff` this code owns. Dropping it frees it as a drop (the
/// `kfree_skb` tracepoint sees it), safe in any context as
/// `dev_kfree_skb_any()` is.
pub(crate) struct SkBuff(NonNull<sys::sk_buff>);

// SAFETY: An skb may be freed or handed on from any CPU or task.
unsafe impl Send for SkBuff {}

impl SkBuff {
    /// # Safety
    ///
    /// `ptr` is a valid skb whose ownership the caller hands over.
    pub(crate) unsafe fn from_raw(ptr: *mut sys::sk_buff) -> Self {
        // SAFETY: The caller passes a valid, hence non-null, skb.
        Self(unsafe { NonNull::new_unchecked(ptr) })
    }
}

impl Drop for SkBuff {
    fn drop(&mut self) {
        // SAFETY: We own the skb; this is the last use of the pointer.
        unsafe {
            sys::dev_kfree_skb_any_reason(
                self.0.as_ptr(),
                sys::skb_drop_reason_SKB_DROP_REASON_NOT_SPECIFIED,
            )
        };
    }
}
