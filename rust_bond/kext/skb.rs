// SPDX-License-Identifier: GPL-2.0

//! Socket buffers, owned.

use super::netdev::NetDevice;
use crate::bond_core::hash::{Flow, Frame};
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

    /// Whether balance-tlb spreads the frame over its ports: unicast IPv4,
    /// and unicast IPv6 but neighbour discovery (which may pull the
    /// headers into the linear part).
    pub(crate) fn tlb_balances(&mut self) -> bool {
        // SAFETY: We own a valid skb on its way out (`skb->data` at the
        // MAC header, the network header set).
        unsafe { sys::rb_skb_tlb_balances(self.as_raw()) }
    }

    /// Makes `port`'s address the frame's source, on a private copy of
    /// the header if it was shared (balance-tlb, for a port other than
    /// the active one). Fails only if that copy could not be allocated.
    pub(crate) fn set_source_of(&mut self, port: &NetDevice) -> kernel::error::Result {
        // SAFETY: We own a valid skb with its MAC header set; `port` is
        // live (the caller's borrow), its address read as bonding.ko
        // reads it here, without a lock.
        kernel::error::to_result(unsafe { sys::rb_skb_set_source(self.as_raw(), port.as_raw()) })
    }

    fn restore_queue_mapping(&mut self) {
        // SAFETY: We own the skb, on its way through an upper device whose
        // `ndo_select_queue` saved the mapping (or whose control block the
        // allocation zeroed, as for netpoll's frames).
        unsafe { sys::rb_skb_restore_queue_mapping(self.as_raw()) }
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
    /// returns what `dev` said of it. The queue mapping is the one the
    /// frame had before this device's `ndo_select_queue` (as bonding
    /// gives it back), for `dev`'s own queue selection.
    pub(crate) fn transmit(mut self, dev: &NetDevice) -> TxStatus {
        self.set_dev(dev);
        self.restore_queue_mapping();
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
        self.restore_queue_mapping();
        let skb = core::mem::ManuallyDrop::new(self);
        // SAFETY: We own the skb and give it up; `np` is set up on `dev`
        // and stays allocated for the read-side section `np` borrows.
        TxStatus(unsafe { sys::netpoll_send_skb(np.as_raw(), skb.as_raw()) } as i32)
    }
}

/// Sets up what [`Frame::dissect`] of an [`SkBuff`] needs; once, at load.
pub(crate) fn flow_init() {
    // SAFETY: Only initialises the module's own dissector table, before
    // any transmit can use it.
    unsafe { sys::rb_flow_init() }
}

/// What balance-xor's hash reads of a frame on its way out of the bond
/// (`skb->data` at the MAC header, the device set).
impl Frame for SkBuff {
    fn read(&mut self, off: usize, buf: &mut [u8]) -> bool {
        let (Ok(off), Ok(len)) = (i32::try_from(off), i32::try_from(buf.len())) else {
            return false;
        };
        // SAFETY: We own a valid skb; `buf` has room for `len` bytes, which
        // the call writes at most (`skb_header_pointer`, then a copy).
        unsafe { sys::rb_skb_read(self.as_raw(), off, len, buf.as_mut_ptr().cast()) }
    }

    fn protocol(&self) -> u16 {
        // SAFETY: We own a valid skb.
        unsafe { sys::rb_skb_protocol(self.as_raw()) }
    }

    fn network_offset(&self) -> usize {
        // SAFETY: We own a valid skb.
        usize::try_from(unsafe { sys::skb_network_offset(self.as_raw()) }).unwrap_or(0)
    }

    fn vlan_tci(&self) -> u16 {
        // SAFETY: We own a valid skb.
        unsafe { sys::rb_skb_vlan_tci(self.as_raw()) }
    }

    fn l4_hash(&self) -> Option<u32> {
        let mut h = 0;
        // SAFETY: We own a valid skb; `h` is written at most.
        unsafe { sys::rb_skb_l4_hash(self.as_raw(), &mut h) }.then_some(h)
    }

    fn dissect(&mut self) -> Option<Flow> {
        let mut f = sys::rb_flow::default();
        // SAFETY: We own a valid skb on its way out of a device; the
        // dissector table was initialised at load (`flow_init`).
        if !unsafe { sys::rb_skb_dissect(self.as_raw(), &mut f) } {
            return None;
        }
        Some(Flow {
            src: f.src,
            dst: f.dst,
            ports: f.ports,
            icmp_type: f.icmp_type,
            icmp_code: f.icmp_code,
            icmp_id: f.icmp_id,
        })
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
