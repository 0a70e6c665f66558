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
        // SAFETY: We own a valid skb; `pskb_may_pull` makes everything up
        // to the end of the IP header linear (`skb->data` is at the MAC
        // header on transmit) before `ip_hdr` reads it.
        unsafe {
            let end = sys::skb_network_offset(skb) + core::mem::size_of::<sys::iphdr>() as i32;
            (*skb).__bindgen_anon_4.__bindgen_anon_1.as_ref().protocol
                == (sys::ETH_P_IP as u16).to_be()
                && end > 0
                && sys::pskb_may_pull(skb, end as u32)
                && (*sys::ip_hdr(skb)).protocol == sys::IPPROTO_IGMP as u8
        }
    }

    fn set_dev(&mut self, dev: &NetDevice) {
        // SAFETY: We own the skb; `dev` is live (the caller's borrow).
        unsafe {
            (*self.as_raw())
                .__bindgen_anon_1
                .__bindgen_anon_1
                .__bindgen_anon_1
                .dev = dev.as_raw()
        };
    }

    /// Hands the skb to `dev` for transmission (`dev_queue_xmit`), and
    /// returns what `dev` said of it.
    pub(crate) fn transmit(mut self, dev: &NetDevice) -> TxStatus {
        self.set_dev(dev);
        let skb = core::mem::ManuallyDrop::new(self);
        // SAFETY: We own the skb and give it up; `dev` is live for the
        // call (the caller holds it through RCU or a reference).
        TxStatus(unsafe { sys::dev_queue_xmit(skb.as_raw()) })
    }

    /// Sends the skb through `dev`'s netpoll instance `np`, for netconsole
    /// (`netpoll_send_skb`): interrupts are off and queues are bypassed.
    pub(crate) fn netpoll_send(
        mut self,
        dev: &NetDevice,
        np: &super::netpoll::NetpollRef<'_>,
    ) -> TxStatus {
        self.set_dev(dev);
        let skb = core::mem::ManuallyDrop::new(self);
        // SAFETY: We own the skb and give it up; `np` is set up on `dev`
        // and stays allocated for the read-side section `np` borrows.
        TxStatus(unsafe { sys::netpoll_send_skb(np.as_raw(), skb.as_raw()) } as i32)
    }
}

/// What a device said of a frame handed to it: `NET_XMIT_SUCCESS`,
/// `NET_XMIT_DROP`, `NET_XMIT_CN` (congestion) or a negative errno. An
/// upper device passes it on, so that its qdisc or socket learns it too.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct TxStatus(pub(super) i32);

impl TxStatus {
    /// The frame was dropped (`NET_XMIT_DROP`).
    pub(crate) const DROP: Self = Self(sys::NET_XMIT_DROP as i32);
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
