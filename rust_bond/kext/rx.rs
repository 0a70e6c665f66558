// SPDX-License-Identifier: GPL-2.0

//! rx_handler: taking over the frames a device receives, as bridges and
//! bonds do. At most one handler per device (`-EBUSY` otherwise).

use super::compat;
use super::netdev::{NetDevRef, NetDevice};
use super::rcu::{RcuGuard, RcuNode, Retired};
use super::rtnl::{Rtnl, RtnlHeld};
use crate::sys;
use core::marker::PhantomData;
use kernel::error::Result;
use kernel::ffi::c_void;
use kernel::sync::{Arc, ArcBorrow, UniqueArc};

/// A frame being received, as the handler sees it.
pub(crate) struct RxSkb(*mut sys::sk_buff);

impl RxSkb {
    /// The Ethernet destination address.
    pub(crate) fn dest(&self) -> [u8; 6] {
        // SAFETY: The frame is an Ethernet frame with its MAC header set
        // (the handler runs after `eth_type_trans`).
        unsafe { (*sys::eth_hdr(self.0)).h_dest }
    }

    /// Whether the destination is 01:80:C2:00:00:0X (link-local: STP,
    /// LACP, LLDP ...), which belongs to the port, not the bond.
    pub(crate) fn is_link_local(&self) -> bool {
        let dest = self.dest();
        // SAFETY: `dest` is a 6-byte address, as the function reads.
        unsafe { sys::is_link_local_ether_addr(dest.as_ptr()) }
    }

    pub(super) fn as_raw(&self) -> *mut sys::sk_buff {
        self.0
    }

    /// The frame's EtherType (`skb->protocol`), in host order.
    pub(crate) fn protocol(&self) -> u16 {
        // SAFETY: A live skb owned by the receive path during the call.
        unsafe { sys::rb_skb_protocol(self.0) }
    }

    /// The frame's length in bytes, headers included.
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: A live skb owned by the receive path during the call.
        unsafe { (*self.0).len + u32::from((*self.0).mac_len) }
    }
}

/// What to do with a received frame.
pub(crate) enum RxAction<'a> {
    /// Receive it again, as received by `dev` (`RX_HANDLER_ANOTHER`).
    Deliver(&'a NetDevice),
    /// Only sockets bound to the port itself get it (`RX_HANDLER_EXACT`).
    Exact,
    /// Let it continue on the port as if there were no handler.
    Pass,
}

/// A receive handler for ports holding a `Port`.
pub(crate) trait RxHandler: 'static {
    type Port: Send + Sync + 'static;
    /// Decides what becomes of `skb`, received on a port with `port`.
    /// Runs in softirq context inside an RCU read-side section.
    fn handle<'a>(port: &'a Self::Port, skb: &RxSkb, rcu: &'a RcuGuard) -> RxAction<'a>;
}

/// The handler `H` installed on a device with its port data. Remove it
/// with [`RxReg::unregister`] under RTNL; dropping it instead takes RTNL
/// itself (so never drop one while holding RTNL).
pub(crate) struct RxReg<H: RxHandler> {
    dev: Option<NetDevRef>,
    /// The `Arc<H::Port>` handed to C as `rx_handler_data`
    /// (`ForeignOwnable`).
    port: *mut c_void,
    _h: PhantomData<H>,
}

// SAFETY: The registration may be released from any task; `port` is an
// `Arc` (Send + Sync data).
unsafe impl<H: RxHandler> Send for RxReg<H> {}
// SAFETY: `&RxReg` gives access only to `&H::Port`, which is `Sync`.
unsafe impl<H: RxHandler> Sync for RxReg<H> {}

impl<H: RxHandler> RxReg<H> {
    /// Installs `H` on `dev` with `port`. `-EBUSY` if `dev` has a handler.
    pub(crate) fn register(dev: &NetDevice, port: Arc<H::Port>, _rtnl: &RtnlHeld) -> Result<Self> {
        let raw = compat::arc_into_foreign(port);
        // SAFETY: RTNL is held; the handler fits; `raw` stays valid until
        // unregistered (we keep the Arc's reference).
        let ret =
            unsafe { sys::netdev_rx_handler_register(dev.as_raw(), Some(handle_frame::<H>), raw) };
        if ret != 0 {
            // SAFETY: Not registered: the reference is still ours.
            drop(unsafe { compat::arc_from_foreign::<H::Port>(raw) });
            return Err(kernel::error::Error::from_errno(ret));
        }
        Ok(Self {
            dev: Some(dev.to_ref()),
            port: raw,
            _h: PhantomData,
        })
    }

    /// Removes the handler and drops its port data once no receive path
    /// can still be using it (this waits for a grace period:
    /// `synchronize_net`).
    pub(crate) fn unregister(mut self, _rtnl: &RtnlHeld) {
        drop(self.unregister_inner());
    }

    /// [`RxReg::unregister`], which waits for a grace period anyway; and
    /// takes back `retired` (unpublished before), which no reader can
    /// see after that wait. `None` if someone else still holds it.
    pub(crate) fn unregister_reclaiming<T: Send + Sync + Unpin + 'static>(
        self,
        retired: Retired<T>,
        rtnl: &RtnlHeld,
    ) -> Option<UniqueArc<RcuNode<T>>> {
        self.unregister(rtnl);
        // SAFETY: `retired` was made before this call, whose unregistering
        // waited for a grace period (`synchronize_net`).
        unsafe { retired.reclaim() }
    }

    fn unregister_inner(&mut self) -> Arc<H::Port> {
        if let Some(dev) = self.dev.take() {
            // SAFETY: RTNL is held (callers' contract); the handler is ours.
            // It waits (synchronize_net) until no receive path uses it.
            unsafe { sys::netdev_rx_handler_unregister(dev.as_raw()) };
        }
        // SAFETY: The handler is gone, so the reference is ours again;
        // `dev` being `None` makes sure this runs once.
        unsafe { compat::arc_from_foreign::<H::Port>(self.port) }
    }

    /// The port data of `dev` if `H` handles its frames, for RCU readers
    /// (the registration drops it only after a grace period).
    pub(crate) fn port_rcu<'a>(
        dev: &NetDevice,
        _rcu: &'a RcuGuard,
    ) -> Option<ArcBorrow<'a, H::Port>> {
        // SAFETY: A live device; the fields are read as `rcu_dereference`
        // would (the handler is installed before its data is used).
        let (handler, data) = unsafe {
            (
                core::ptr::read_volatile(&raw const (*dev.as_raw()).rx_handler),
                core::ptr::read_volatile(&raw const (*dev.as_raw()).rx_handler_data),
            )
        };
        let ours: sys::rx_handler_func_t = Some(handle_frame::<H>);
        if handler.map(|f| f as usize) != ours.map(|f| f as usize) || data.is_null() {
            return None;
        }
        // SAFETY: Our handler's data came from `Arc::into_foreign` and
        // lives until a grace period after unregistering, which our read
        // section (borrowed for 'a) holds off.
        Some(unsafe { compat::arc_borrow::<H::Port>(data) })
    }

    /// The port data of `dev` if `H` handles its frames.
    pub(crate) fn port_of(dev: &NetDevice, _rtnl: &RtnlHeld) -> Option<Arc<H::Port>> {
        // SAFETY: Under RTNL the handler and its data cannot change.
        let (handler, data) =
            unsafe { ((*dev.as_raw()).rx_handler, (*dev.as_raw()).rx_handler_data) };
        let ours: sys::rx_handler_func_t = Some(handle_frame::<H>);
        if handler.map(|f| f as usize) != ours.map(|f| f as usize) || data.is_null() {
            return None;
        }
        // SAFETY: Our handler's data came from `Arc::into_foreign`; the
        // registration owns it, alive under RTNL; we clone it.
        Some(unsafe { compat::arc_borrow::<H::Port>(data) }.into())
    }
}

impl<H: RxHandler> Drop for RxReg<H> {
    fn drop(&mut self) {
        if self.dev.is_some() {
            let _rtnl = Rtnl::lock();
            drop(self.unregister_inner());
        }
    }
}

/// # Safety
///
/// Installed by `RxReg::<H>::register`; called by the receive path with
/// the frame, inside an RCU read-side section.
unsafe extern "C" fn handle_frame<H: RxHandler>(
    pskb: *mut *mut sys::sk_buff,
) -> sys::rx_handler_result_t {
    // SAFETY: The receive path passes a valid skb it owns; sharing is
    // resolved first, as bonding does, since we may change `skb->dev`.
    let skb = unsafe { sys::skb_share_check(*pskb, kernel::bindings::GFP_ATOMIC) };
    if skb.is_null() {
        return sys::rx_handler_result_RX_HANDLER_CONSUMED;
    }
    // SAFETY: `pskb` is the receive path's pointer to its skb.
    unsafe { *pskb = skb };
    // SAFETY: We run inside the receive path's RCU section, and the
    // registration keeps the port data (from `Arc::into_foreign`) alive
    // for all readers of it.
    let (rcu, port) = unsafe {
        (
            RcuGuard::assume_held(),
            compat::arc_borrow::<H::Port>(
                (*(*skb)
                    .__bindgen_anon_1
                    .__bindgen_anon_1
                    .__bindgen_anon_1
                    .dev)
                    .rx_handler_data,
            ),
        )
    };
    match H::handle(&port, &RxSkb(skb), &rcu) {
        RxAction::Deliver(dev) => {
            // SAFETY: The skb is ours to modify; `dev` is live (the handler
            // got it from RCU-protected state of this read section).
            unsafe {
                (*skb)
                    .__bindgen_anon_1
                    .__bindgen_anon_1
                    .__bindgen_anon_1
                    .dev = dev.as_raw()
            };
            sys::rx_handler_result_RX_HANDLER_ANOTHER
        }
        RxAction::Exact => sys::rx_handler_result_RX_HANDLER_EXACT,
        RxAction::Pass => sys::rx_handler_result_RX_HANDLER_PASS,
    }
}
