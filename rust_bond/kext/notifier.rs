// SPDX-License-Identifier: GPL-2.0

//! The netdevice notifier chain: events about every net device.

use super::netdev::NetDevice;
use super::rtnl::RtnlHeld;
use crate::sys;
use core::marker::PhantomData;
use kernel::error::Result;
use kernel::ffi::{c_int, c_ulong, c_void};
use kernel::types::Opaque;

/// The netdevice events drivers react to; the others are `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NetdevEvent {
    Up,
    Down,
    /// Carrier or operational state changed (`NETDEV_CHANGE`).
    Change,
    Unregister,
    ChangeMtu,
    ChangeAddr,
    ChangeName,
    /// About to change type (`NETDEV_PRE_TYPE_CHANGE`); may be vetoed.
    PreTypeChange,
    /// The offloads changed (`NETDEV_FEAT_CHANGE`).
    FeatChange,
    /// IGMP reports should be sent again (`NETDEV_RESEND_IGMP`).
    ResendIgmp,
    Other(c_ulong),
}

impl NetdevEvent {
    fn from_raw(event: c_ulong) -> Self {
        match event as u32 {
            sys::netdev_cmd_NETDEV_UP => Self::Up,
            sys::netdev_cmd_NETDEV_DOWN => Self::Down,
            sys::netdev_cmd_NETDEV_CHANGE => Self::Change,
            sys::netdev_cmd_NETDEV_UNREGISTER => Self::Unregister,
            sys::netdev_cmd_NETDEV_CHANGEMTU => Self::ChangeMtu,
            sys::netdev_cmd_NETDEV_CHANGEADDR => Self::ChangeAddr,
            sys::netdev_cmd_NETDEV_CHANGENAME => Self::ChangeName,
            sys::netdev_cmd_NETDEV_PRE_TYPE_CHANGE => Self::PreTypeChange,
            sys::netdev_cmd_NETDEV_FEAT_CHANGE => Self::FeatChange,
            sys::netdev_cmd_NETDEV_RESEND_IGMP => Self::ResendIgmp,
            _ => Self::Other(event),
        }
    }
}

/// A handler of netdevice events. The chain runs under RTNL.
pub(crate) trait NetdevNotifier: 'static {
    /// Handles `event` of `dev`. An error vetoes events that can be vetoed
    /// (e.g. `PreTypeChange`) and is ignored for the others.
    fn event(event: NetdevEvent, dev: &NetDevice, rtnl: &mut RtnlHeld) -> Result;
}

/// The `notifier_block` of `N`, in a static (the chain links it in).
pub(crate) struct NotifierBlock<N: NetdevNotifier>(Opaque<sys::notifier_block>, PhantomData<N>);

// SAFETY: The block is only modified by the notifier core, under its lock.
unsafe impl<N: NetdevNotifier> Sync for NotifierBlock<N> {}

impl<N: NetdevNotifier> NotifierBlock<N> {
    pub(crate) const fn new() -> Self {
        Self(
            Opaque::new(sys::notifier_block {
                notifier_call: Some(Self::call),
                next: core::ptr::null_mut(),
                priority: 0,
            }),
            PhantomData,
        )
    }

    /// Starts delivering events (replaying REGISTER/UP for existing
    /// devices); dropping the result stops it.
    pub(crate) fn register(&'static self) -> Result<NotifierReg<N>> {
        // SAFETY: The block is static and registered once.
        kernel::error::to_result(unsafe { sys::register_netdevice_notifier(self.0.get()) })?;
        Ok(NotifierReg(self))
    }

    /// # Safety
    ///
    /// Called by the netdevice chain (under RTNL) with a
    /// `netdev_notifier_info`.
    unsafe extern "C" fn call(
        _nb: *mut sys::notifier_block,
        event: c_ulong,
        ptr: *mut c_void,
    ) -> c_int {
        // SAFETY: The netdevice chain passes a `netdev_notifier_info` whose
        // device is live during the call, and runs with RTNL held.
        let (dev, mut rtnl) = unsafe {
            (
                NetDevice::from_raw(sys::netdev_notifier_info_to_dev(ptr.cast())),
                RtnlHeld::assume_held(),
            )
        };
        match N::event(NetdevEvent::from_raw(event), dev, &mut rtnl) {
            Ok(()) => sys::NOTIFY_DONE as c_int,
            // SAFETY: Pure arithmetic on the errno.
            Err(e) => unsafe { sys::notifier_from_errno(e.to_errno()) },
        }
    }
}

/// A registered notifier; dropping it unregisters it.
pub(crate) struct NotifierReg<N: NetdevNotifier>(&'static NotifierBlock<N>);

impl<N: NetdevNotifier> Drop for NotifierReg<N> {
    fn drop(&mut self) {
        // SAFETY: Registered in `register`.
        unsafe { sys::unregister_netdevice_notifier(self.0 .0.get()) };
    }
}
