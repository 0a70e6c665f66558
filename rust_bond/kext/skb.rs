// SPDX-License-Identifier: GPL-2.0

//! Socket buffers, owned.

use super::netdev::NetDevice;
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

    fn as_raw(&self) -> *mut sys::sk_buff {
        self.0.as_ptr()
    }

    /// Length in bytes.
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: We own a valid skb.
        unsafe { (*self.as_raw()).len }
    }

    /// Whether this is an IPv4 IGMP packet (which bonding sends on one
    /// fixed port in balance-rr).
    pub(crate) fn is_igmp(&mut self) -> bool {
        let skb = self.as_raw();
        // SAFETY: We own a valid skb; `pskb_may_pull` makes the IP header
        // linear before `ip_hdr` reads it.
        unsafe {
            (*skb).__bindgen_anon_4.__bindgen_anon_1.as_ref().protocol
                == (sys::ETH_P_IP as u16).to_be()
                && sys::pskb_may_pull(skb, core::mem::size_of::<sys::iphdr>() as u32)
                && (*sys::ip_hdr(skb)).protocol == sys::IPPROTO_IGMP as u8
        }
    }

    /// Hands the skb to `dev` for transmission (`dev_queue_xmit`).
    /// Returns whether the device accepted it.
    pub(crate) fn transmit(self, dev: &NetDevice) -> bool {
        let skb = core::mem::ManuallyDrop::new(self);
        // SAFETY: We own the skb and give it up; `dev` is live for the
        // call (the caller holds it through RCU or a reference).
        unsafe {
            (*skb.as_raw())
                .__bindgen_anon_1
                .__bindgen_anon_1
                .__bindgen_anon_1
                .dev = dev.as_raw();
            sys::dev_queue_xmit(skb.as_raw()) == 0
        }
    }
}

impl Drop for SkBuff {
    fn drop(&mut self) {
        // SAFETY: We own the skb; this is the last use of the pointer.
        unsafe {
            sys::dev_kfree_skb_any_reason(
                self.as_raw(),
                sys::skb_drop_reason_SKB_DROP_REASON_NOT_SPECIFIED,
            )
        };
    }
}
