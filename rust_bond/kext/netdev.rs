// SPDX-License-Identifier: GPL-2.0

//! Network devices (`struct net_device`) and drivers of them.
//!
//! A driver implements [`Driver`]; [`register`] allocates a device whose
//! private area holds the driver's [`Driver::Data`] (and three delayed works
//! the driver can schedule), and registers it. The net core owns the device
//! from then on (`needs_free_netdev`): it is freed, and its data dropped,
//! after it is unregistered and the last reference is gone. References to
//! devices handed out here are bounded by a callback or by an RTNL borrow,
//! and the core never frees a device while RTNL is held.

use super::compat::{self, ARef, AlwaysRefCounted};
use super::rtnl::RtnlHeld;
use super::skb::SkBuff;
use super::work::RawDelayedWork;
use crate::sys;
use core::ffi::c_void;
use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::build_error;
use kernel::error::{from_result, to_result, Error, Result, VTABLE_DEFAULT_ERROR};
use kernel::ffi::c_int;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::Opaque;

/// A MAC address.
pub(crate) type MacAddr = [u8; 6];

/// A network device of any driver.
#[repr(transparent)]
pub(crate) struct NetDevice(Opaque<sys::net_device>);

// SAFETY: The C API used through `&NetDevice` is callable from any task;
// each method states the context it needs.
unsafe impl Sync for NetDevice {}
// SAFETY: As above; a `NetDevice` is only ever seen behind references.
unsafe impl Send for NetDevice {}

/// Interface counters (`struct rtnl_link_stats64`).
pub(crate) type Stats64 = sys::rtnl_link_stats64;

impl NetDevice {
    /// # Safety
    ///
    /// `ptr` points to a `net_device` that stays allocated for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut sys::net_device) -> &'a Self {
        // SAFETY: `NetDevice` is a transparent wrapper of the C struct, and
        // the caller guarantees the lifetime.
        unsafe { &*ptr.cast() }
    }

    pub(crate) fn as_raw(&self) -> *mut sys::net_device {
        self.0.get()
    }

    /// The device called `name` in the network namespace of `self`.
    pub(crate) fn by_name<'r>(&self, name: &[u8], _rtnl: &'r RtnlHeld) -> Option<&'r NetDevice> {
        let mut buf = [0u8; sys::IFNAMSIZ as usize];
        if name.is_empty() || name.len() >= buf.len() {
            return None;
        }
        buf[..name.len()].copy_from_slice(name);
        // SAFETY: RTNL is held, so a device found stays registered (and
        // allocated) for as long as the proof is borrowed; `buf` is
        // NUL-terminated.
        unsafe {
            let dev = sys::__dev_get_by_name(sys::dev_net(self.as_raw()), buf.as_ptr());
            (!dev.is_null()).then(|| NetDevice::from_raw(dev))
        }
    }

    /// The device with interface index `ifindex` in the network namespace
    /// of `self`.
    pub(crate) fn by_index<'r>(&self, ifindex: u32, _rtnl: &'r RtnlHeld) -> Option<&'r NetDevice> {
        // SAFETY: RTNL is held, so a device found stays registered (and
        // allocated) for as long as the proof is borrowed; `self` is live,
        // and its namespace with it.
        unsafe {
            let dev = sys::__dev_get_by_index(sys::dev_net(self.as_raw()), ifindex as c_int);
            (!dev.is_null()).then(|| NetDevice::from_raw(dev))
        }
    }

    /// The interface index (fixed while the device is registered).
    pub(crate) fn ifindex(&self) -> u32 {
        // SAFETY: A live device; the index is set before registration and
        // only changes when it moves namespace, under RTNL.
        unsafe { (*self.as_raw()).ifindex as u32 }
    }

    /// Whether the current task has `CAP_NET_ADMIN` in the user namespace
    /// that owns the device's network namespace
    /// (`ns_capable(dev_net(dev)->user_ns, CAP_NET_ADMIN)`).
    pub(crate) fn net_admin_capable(&self) -> bool {
        // SAFETY: A live device; process context (a sysfs write).
        unsafe { sys::rb_net_admin_capable(self.as_raw()) }
    }

    /// How deep the devices below this one nest (`lower_level`: 1 with
    /// none below), for lockdep levels. Changed under RTNL; a racing read
    /// sees the old or the new value.
    pub(crate) fn lower_level(&self) -> u32 {
        // SAFETY: A live device; a byte read does not tear.
        u32::from(unsafe { core::ptr::read_volatile(&raw const (*self.as_raw()).lower_level) })
    }

    /// Whether the device is in the initial network namespace (the one
    /// `/proc/net/bonding` and `bonding_masters` belong to).
    pub(crate) fn in_init_net(&self) -> bool {
        // SAFETY: A live device; its namespace changes only under RTNL and
        // is only compared here, never dereferenced.
        let net = unsafe { sys::dev_net(self.as_raw()) };
        core::ptr::eq(net, &raw mut sys::init_net)
    }

    /// The interface name. A copy: the name can change under RTNL.
    pub(crate) fn name(&self) -> DevName {
        let mut out = [0u8; sys::IFNAMSIZ as usize];
        // SAFETY: `name` is a fixed array inside a live device. Renames
        // write it under RTNL; like C's lockless readers we tolerate a torn
        // copy, reading it volatile.
        let name = unsafe { &raw const (*self.as_raw()).name };
        for (i, b) in out.iter_mut().enumerate() {
            // SAFETY: `i` < IFNAMSIZ, the array's length.
            *b = unsafe { core::ptr::read_volatile(name.cast::<u8>().add(i)) };
        }
        DevName(out)
    }

    /// `dev->flags` (`IFF_*`), as `READ_ONCE()` reads them.
    pub(crate) fn flags(&self) -> u32 {
        // SAFETY: A live device; `flags` is written under RTNL and read
        // locklessly all over the stack, as here.
        unsafe { core::ptr::read_volatile(&raw const (*self.as_raw()).flags) }
    }

    /// Whether the interface is administratively up (`IFF_UP`).
    pub(crate) fn is_up(&self) -> bool {
        self.flags() & sys::net_device_flags_IFF_UP != 0
    }

    /// Whether the device is open (`netif_running()`).
    pub(crate) fn running(&self) -> bool {
        // SAFETY: A live device; tests a state bit.
        unsafe { sys::netif_running(self.as_raw()) }
    }

    /// Whether a link change of the device is still to be reported by
    /// linkwatch (`__LINK_STATE_LINKWATCH_PENDING`).
    pub(crate) fn linkwatch_pending(&self) -> bool {
        // SAFETY: A live device; tests a state bit.
        unsafe { sys::rb_linkwatch_pending(self.as_raw()) }
    }

    /// Whether the device reports carrier.
    pub(crate) fn carrier_ok(&self) -> bool {
        // SAFETY: A live device; `netif_carrier_ok` only tests a bit.
        unsafe { sys::netif_carrier_ok(self.as_raw()) }
    }

    /// Turns the device's carrier on or off (any context).
    pub(crate) fn set_carrier(&self, on: bool) {
        // SAFETY: A live device; both functions are callable from any
        // context and do their own synchronisation.
        unsafe {
            if on {
                sys::netif_carrier_on(self.as_raw())
            } else {
                sys::netif_carrier_off(self.as_raw())
            }
        }
    }

    /// The hardware type (`ARPHRD_*`).
    pub(crate) fn dev_type(&self) -> u16 {
        // SAFETY: A live device; the type changes only under RTNL.
        unsafe { (*self.as_raw()).type_ }
    }

    pub(crate) fn mtu(&self) -> u32 {
        // SAFETY: A live device; read as `READ_ONCE(dev->mtu)` would.
        unsafe { core::ptr::read_volatile(&raw const (*self.as_raw()).mtu) }
    }

    /// The current MAC address (zeroes if the device has another kind).
    pub(crate) fn addr(&self) -> MacAddr {
        let mut mac = [0u8; 6];
        // SAFETY: A live device; `dev_addr` holds `addr_len` bytes and is
        // changed under RTNL (callers that need a stable value hold it).
        unsafe {
            let dev = &*self.as_raw();
            if dev.addr_len as usize == mac.len() && !dev.dev_addr.is_null() {
                core::ptr::copy_nonoverlapping(dev.dev_addr, mac.as_mut_ptr(), mac.len());
            }
        }
        mac
    }

    /// `NET_ADDR_*`: how the current MAC address was assigned.
    pub(crate) fn addr_assign_type(&self) -> u8 {
        // SAFETY: A live device; written under RTNL.
        unsafe { (*self.as_raw()).addr_assign_type }
    }

    /// Counts one dropped transmit in the core's per-CPU counters (shown as
    /// `TX dropped` by `ip -s link`).
    pub(crate) fn tx_dropped_inc(&self) {
        // SAFETY: A live device; the counters are per-CPU and lockless.
        unsafe { sys::dev_core_stats_tx_dropped_inc(self.as_raw()) }
    }

    /// The device's counters, as `ip -s link` shows them.
    pub(crate) fn stats(&self) -> Stats64 {
        let mut s = Stats64::default();
        // SAFETY: A live device; `dev_get_stats` fills `s` and may be
        // called from any process or softirq context.
        unsafe { sys::dev_get_stats(self.as_raw(), &mut s) };
        s
    }

    /// Speed (Mb/s) and duplex (`DUPLEX_*`) from ethtool, if known.
    pub(crate) fn speed_duplex(&self, _rtnl: &RtnlHeld) -> Option<(u32, u8)> {
        let mut ks = sys::ethtool_link_ksettings::default();
        // SAFETY: RTNL is held, as `__ethtool_get_link_ksettings` needs
        // (the helper takes the device's ops lock where it has one).
        let ret = unsafe { sys::rb_get_link_ksettings(self.as_raw(), &mut ks) };
        Self::parse_speed_duplex(ret, &ks)
    }

    /// [`NetDevice::speed_duplex`] from the netdevice notifier, which the
    /// core calls with the device's ops lock held where it has one.
    pub(crate) fn speed_duplex_in_event(&self, _rtnl: &RtnlHeld) -> Option<(u32, u8)> {
        let mut ks = sys::ethtool_link_ksettings::default();
        // SAFETY: RTNL is held, and the ops lock as the core took it.
        let ret = unsafe { sys::rb_get_link_ksettings_in_event(self.as_raw(), &mut ks) };
        Self::parse_speed_duplex(ret, &ks)
    }

    /// Whether the core runs the device's ops under its instance lock
    /// (7.x: `netdev_need_ops_lock`), which it then holds while it
    /// notifies the device's UP, DOWN and CHANGE.
    pub(crate) fn ops_locked(&self) -> bool {
        // SAFETY: A live device.
        unsafe { sys::rb_netdev_ops_locked(self.as_raw()) }
    }

    fn parse_speed_duplex(ret: c_int, ks: &sys::ethtool_link_ksettings) -> Option<(u32, u8)> {
        let (speed, duplex) = (ks.base.speed, ks.base.duplex);
        if ret < 0 || speed == 0 || speed == u32::MAX {
            return None;
        }
        matches!(u32::from(duplex), sys::DUPLEX_FULL | sys::DUPLEX_HALF).then_some((speed, duplex))
    }

    /// A counted reference (`dev_hold()`), for keeping the device allocated
    /// beyond a borrow. It does not stop an unregister: whoever holds one
    /// must drop it when the device goes (NETDEV_UNREGISTER), or the core
    /// waits for it forever.
    pub(crate) fn to_ref(&self) -> NetDevRef {
        ARef::from(self)
    }

    /// Whether `self` and `other` are the same device.
    pub(crate) fn is(&self, other: &NetDevice) -> bool {
        core::ptr::eq(self, other)
    }

    // Configuration, under RTNL. Each is the C function of the same name.

    pub(crate) fn set_mtu(&self, mtu: u32, _rtnl: &RtnlHeld) -> Result {
        // SAFETY: RTNL is held; a live device.
        to_result(unsafe { sys::dev_set_mtu(self.as_raw(), mtu as c_int) })
    }

    /// Sets the MTU without the checks and notifications of `set_mtu`
    /// (`__dev_set_mtu()`, `__netif_set_mtu()` after 6.12), for a device being unregistered.
    pub(crate) fn set_mtu_unregistering(&self, mtu: u32, _rtnl: &RtnlHeld) {
        // SAFETY: RTNL is held; a live device.
        let _ = unsafe { sys::rb_set_mtu_raw(self.as_raw(), mtu as i32) };
    }

    /// Changes the MAC address as `ip link set address` does.
    pub(crate) fn set_mac(&self, mac: &MacAddr, _rtnl: &RtnlHeld) -> Result {
        // SAFETY: RTNL is held; `mac` has `addr_len` (6) bytes.
        to_result(unsafe { sys::rb_dev_set_mac_address(self.as_raw(), mac.as_ptr()) })
    }

    /// Takes `mac` as this device's address, announcing the change
    /// (`bond_set_dev_addr()`: marks it stolen).
    pub(crate) fn take_mac(&self, mac: &MacAddr, _rtnl: &RtnlHeld) -> Result {
        // SAFETY: RTNL is held; `mac` has `addr_len` (6) bytes.
        unsafe {
            to_result(sys::rb_pre_changeaddr_notify(self.as_raw(), mac.as_ptr()))?;
            sys::dev_addr_set(self.as_raw(), mac.as_ptr());
            (*self.as_raw()).addr_assign_type = sys::NET_ADDR_STOLEN as u8;
            sys::call_netdevice_notifiers(
                sys::netdev_cmd_NETDEV_CHANGEADDR as kernel::ffi::c_ulong,
                self.as_raw(),
            );
        }
        Ok(())
    }

    /// Sets `mac` as the device's address without notifying and without
    /// its driver (`dev_addr_set()`): inside `ndo_set_mac_address`, whose
    /// caller notifies; and balance-tlb's per-port addresses, which only
    /// its frames' sources carry (the hardware keeps the bond's).
    pub(crate) fn set_addr_quiet(&self, mac: &MacAddr, _rtnl: &RtnlHeld) {
        // SAFETY: RTNL is held; `mac` has `addr_len` (6) bytes.
        unsafe { sys::dev_addr_set(self.as_raw(), mac.as_ptr()) };
    }

    /// Gives the device a random MAC address (`eth_hw_addr_random()`);
    /// `notify` also announces it (NETDEV_CHANGEADDR).
    pub(crate) fn random_mac(&self, notify: bool, _rtnl: &RtnlHeld) {
        // SAFETY: RTNL is held; a live Ethernet device.
        unsafe {
            sys::eth_hw_addr_random(self.as_raw());
            if notify {
                sys::call_netdevice_notifiers(
                    sys::netdev_cmd_NETDEV_CHANGEADDR as kernel::ffi::c_ulong,
                    self.as_raw(),
                );
            }
        }
    }

    pub(crate) fn open(&self, _rtnl: &RtnlHeld) -> Result {
        // SAFETY: RTNL is held; a live device.
        to_result(unsafe { sys::dev_open(self.as_raw(), core::ptr::null_mut()) })
    }

    pub(crate) fn close(&self, _rtnl: &RtnlHeld) {
        // SAFETY: RTNL is held; a live device.
        unsafe { sys::dev_close(self.as_raw()) }
    }

    pub(crate) fn set_promiscuity(&self, inc: i32, _rtnl: &RtnlHeld) -> Result {
        // SAFETY: RTNL is held; a live device.
        to_result(unsafe { sys::dev_set_promiscuity(self.as_raw(), inc) })
    }

    pub(crate) fn set_allmulti(&self, inc: i32, _rtnl: &RtnlHeld) -> Result {
        // SAFETY: RTNL is held; a live device.
        to_result(unsafe { sys::dev_set_allmulti(self.as_raw(), inc) })
    }

    /// Copies `from`'s unicast and multicast address lists to `self`
    /// (`dev_uc_sync` + `dev_mc_sync`), from `from`'s `ndo_set_rx_mode`
    /// (which the core calls with `from`'s address lock held).
    pub(crate) fn sync_addrs_in_rx_mode(&self, from: &NetDevice) {
        // SAFETY: Live devices; `from`'s address lock is held (the
        // caller's context), the functions take `self`'s.
        unsafe {
            sys::dev_uc_sync(self.as_raw(), from.as_raw());
            sys::dev_mc_sync(self.as_raw(), from.as_raw());
        }
    }

    /// [`NetDevice::sync_addrs_in_rx_mode`] from anywhere else: takes
    /// `from`'s address lock (`netif_addr_lock_bh`) as bonding.ko does.
    pub(crate) fn sync_addrs_from(&self, from: &NetDevice) {
        // SAFETY: Live devices; the helper takes the locks.
        unsafe { sys::rb_addr_sync_locked(self.as_raw(), from.as_raw(), false) };
    }

    /// [`NetDevice::sync_addrs_multiple_in_rx_mode`] from anywhere else,
    /// under `from`'s address lock.
    pub(crate) fn sync_addrs_multiple_from(&self, from: &NetDevice) {
        // SAFETY: Live devices; the helper takes the locks.
        unsafe { sys::rb_addr_sync_locked(self.as_raw(), from.as_raw(), true) };
    }

    /// Removes what `sync_addrs_from(from)` added.
    pub(crate) fn unsync_addrs_from(&self, from: &NetDevice) {
        // SAFETY: Live devices; the functions take the address locks.
        unsafe {
            sys::dev_uc_unsync(self.as_raw(), from.as_raw());
            sys::dev_mc_unsync(self.as_raw(), from.as_raw());
        }
    }

    /// Like `sync_addrs_in_rx_mode`, for several lower devices of one
    /// upper one.
    pub(crate) fn sync_addrs_multiple_in_rx_mode(&self, from: &NetDevice) {
        // SAFETY: Live devices; `from`'s address lock is held (the
        // caller's context), the functions take `self`'s.
        unsafe {
            sys::dev_uc_sync_multiple(self.as_raw(), from.as_raw());
            sys::dev_mc_sync_multiple(self.as_raw(), from.as_raw());
        }
    }

    /// Whether the device cannot carry VLANs (`NETIF_F_VLAN_CHALLENGED`).
    pub(crate) fn vlan_challenged(&self) -> bool {
        self.has_feature(sys::NETIF_F_VLAN_CHALLENGED_BIT)
    }

    /// Whether feature `bit` (`NETIF_F_*_BIT`) is on in `dev->features`.
    fn has_feature(&self, bit: u32) -> bool {
        // SAFETY: A live device; features change under RTNL.
        let features = unsafe { (*self.as_raw()).features };
        features & (1 << bit) != 0
    }

    /// Whether large receive offload is on (`NETIF_F_LRO`).
    pub(crate) fn lro(&self) -> bool {
        self.has_feature(sys::NETIF_F_LRO_BIT)
    }

    /// Turns large receive offload off (`dev_disable_lro()`): a master
    /// without LRO must not be fed merged frames.
    pub(crate) fn disable_lro(&self, _rtnl: &RtnlHeld) {
        // SAFETY: RTNL is held, as `dev_disable_lro` requires; a live device.
        unsafe { sys::dev_disable_lro(self.as_raw()) }
    }

    /// Recomputes a master's offloads, TSO limits and header room from its
    /// lower devices (`netdev_compute_master_upper_features()`), which
    /// also runs `ndo_fix_features` and notifies `NETDEV_FEAT_CHANGE`.
    pub(crate) fn compute_master_features(&self, _rtnl: &RtnlHeld) {
        // SAFETY: RTNL is held, as the function requires; a live device.
        unsafe { sys::netdev_compute_master_upper_features(self.as_raw(), true) }
    }

    /// Whether VLAN devices sit on this device (`vlan_uses_dev()`).
    pub(crate) fn has_vlans(&self, _rtnl: &RtnlHeld) -> bool {
        // SAFETY: RTNL is held, as `vlan_uses_dev` requires.
        unsafe { sys::vlan_uses_dev(self.as_raw()) }
    }

    /// Whether some rx_handler (bond, bridge, team ...) owns the device.
    pub(crate) fn rx_handler_busy(&self, _rtnl: &RtnlHeld) -> bool {
        // SAFETY: RTNL is held; a live device.
        unsafe { sys::netdev_is_rx_handler_busy(self.as_raw()) }
    }

    /// The device's master (`ip link ... master X`), if any.
    pub(crate) fn master<'r>(&self, _rtnl: &'r RtnlHeld) -> Option<&'r NetDevice> {
        // SAFETY: RTNL is held, which keeps the master registered.
        unsafe {
            let m = sys::netdev_master_upper_dev_get(self.as_raw());
            (!m.is_null()).then(|| NetDevice::from_raw(m))
        }
    }

    /// Makes `master` this device's master (what `ip link` shows), as a
    /// LAG lower of the given `tx_type` (`NETDEV_LAG_TX_TYPE_*`).
    /// With `NETDEV_LAG_TX_TYPE_HASH`, `hash_type` says what the master
    /// hashes (`NETDEV_LAG_HASH_*`), for offloading drivers below.
    pub(crate) fn link_master(
        &self,
        master: &NetDevice,
        tx_type: u32,
        hash_type: u32,
        _rtnl: &RtnlHeld,
    ) -> Result {
        let mut info = sys::netdev_lag_upper_info { tx_type, hash_type };
        // SAFETY: RTNL is held; both devices live; `info` is only read
        // during the call.
        to_result(unsafe {
            sys::netdev_master_upper_dev_link(
                self.as_raw(),
                master.as_raw(),
                core::ptr::null_mut(),
                (&raw mut info).cast(),
                core::ptr::null_mut(),
            )
        })?;
        // SAFETY: RTNL is held; `flags` is written under RTNL.
        unsafe { (*self.as_raw()).flags |= sys::net_device_flags_IFF_SLAVE };
        Ok(())
    }

    /// Undoes `link_master`.
    pub(crate) fn unlink_master(&self, master: &NetDevice, _rtnl: &RtnlHeld) {
        // SAFETY: RTNL is held; linked by `link_master`.
        unsafe {
            sys::netdev_upper_dev_unlink(self.as_raw(), master.as_raw());
            (*self.as_raw()).flags &= !sys::net_device_flags_IFF_SLAVE;
        }
    }

    /// Sets or clears `IFF_NO_ADDRCONF` (no IPv6 addresses on ports).
    pub(crate) fn set_no_addrconf(&self, on: bool, _rtnl: &RtnlHeld) {
        // SAFETY: RTNL is held; `priv_flags` is written under RTNL.
        let bits = unsafe { &mut (*self.as_raw()).__bindgen_anon_1.__bindgen_anon_1 };
        let flag = sys::netdev_priv_flags_IFF_NO_ADDRCONF as usize;
        let flags = bits.priv_flags();
        bits.set_priv_flags(if on { flags | flag } else { flags & !flag });
    }

    /// Raises a netdevice event about this device (`call_netdevice_notifiers`).
    pub(crate) fn notify(&self, event: u32, _rtnl: &RtnlHeld) {
        // SAFETY: RTNL is held; a live device.
        unsafe { sys::call_netdevice_notifiers(event as kernel::ffi::c_ulong, self.as_raw()) };
    }

    /// Reports this lower device's link and transmit state to the stack
    /// (`netdev_lower_state_changed()`, a LAG port's state).
    pub(crate) fn lower_state_changed(&self, link_up: bool, tx_enabled: bool, _rtnl: &RtnlHeld) {
        let mut info = sys::netdev_lag_lower_state_info::default();
        info.set_link_up(link_up.into());
        info.set_tx_enabled(tx_enabled.into());
        // SAFETY: RTNL is held, as the notifier chain requires; a live
        // device; `info` is only read during the call.
        unsafe { sys::netdev_lower_state_changed(self.as_raw(), (&raw mut info).cast()) }
    }

    /// Lets VLAN `vid` of `proto` in through this device's filter
    /// (`vlan_vid_add()`, counted per id).
    pub(crate) fn vlan_vid_add(&self, vlan: Vlan, _rtnl: &RtnlHeld) -> Result {
        // SAFETY: RTNL is held, as `vlan_vid_add` requires; a live device.
        to_result(unsafe { sys::vlan_vid_add(self.as_raw(), vlan.proto, vlan.vid) })
    }

    /// Undoes one [`NetDevice::vlan_vid_add`].
    pub(crate) fn vlan_vid_del(&self, vlan: Vlan, _rtnl: &RtnlHeld) {
        // SAFETY: RTNL is held; a live device.
        unsafe { sys::vlan_vid_del(self.as_raw(), vlan.proto, vlan.vid) }
    }

    /// Adds every VLAN id of `by` to this device's filter
    /// (`vlan_vids_add_by_dev()`); undoes them all if one fails.
    pub(crate) fn vlan_vids_add_by(&self, by: &NetDevice, _rtnl: &RtnlHeld) -> Result {
        // SAFETY: RTNL is held; both devices live.
        to_result(unsafe { sys::vlan_vids_add_by_dev(self.as_raw(), by.as_raw()) })
    }

    /// Removes every VLAN id of `by` from this device's filter.
    pub(crate) fn vlan_vids_del_by(&self, by: &NetDevice, _rtnl: &RtnlHeld) {
        // SAFETY: RTNL is held; both devices live.
        unsafe { sys::vlan_vids_del_by_dev(self.as_raw(), by.as_raw()) }
    }
}

/// The bonding ioctls (`SIOCBOND*`), as `ndo_siocbond` receives them.
/// The core checked `CAP_NET_ADMIN` for those that change something.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum BondIoctl {
    Enslave,
    Release,
    SetHwAddr,
    ChangeActive,
    InfoQuery,
    SlaveInfoQuery,
}

impl BondIoctl {
    fn from_raw(cmd: c_int) -> Option<Self> {
        Some(match cmd as u32 {
            sys::SIOCBONDENSLAVE => Self::Enslave,
            sys::SIOCBONDRELEASE => Self::Release,
            sys::SIOCBONDSETHWADDR => Self::SetHwAddr,
            sys::SIOCBONDCHANGEACTIVE => Self::ChangeActive,
            sys::SIOCBONDINFOQUERY => Self::InfoQuery,
            sys::SIOCBONDSLAVEINFOQUERY => Self::SlaveInfoQuery,
            _ => return None,
        })
    }
}

/// The `struct ifreq` of an interface ioctl, copied into the kernel.
pub(crate) struct IfReq<'a>(&'a sys::ifreq);

impl IfReq<'_> {
    /// `ifr_slave`: the port an ioctl names, up to its NUL.
    pub(crate) fn slave_name(&self) -> &[u8] {
        // SAFETY: Every member of the union is plain bytes or a pointer;
        // reading the name's bytes is always defined.
        let name = unsafe { self.0.ifr_ifru.ifru_slave.as_ref() };
        // SAFETY: `c_char` and `u8` have the same layout.
        let bytes: &[u8] = unsafe { core::slice::from_raw_parts(name.as_ptr().cast(), name.len()) };
        let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
        &bytes[..end]
    }

    /// `len` bytes of the caller's memory at `ifr_data`, to read and
    /// write (checked at each access, as `copy_from_user` does).
    pub(crate) fn user_data(&self, len: usize) -> kernel::uaccess::UserSlice {
        // SAFETY: As in `slave_name`; the pointer is only used as a user
        // address, which `UserSlice` checks.
        let ptr = unsafe { sys::rb_ifr_data(self.0) };
        compat::user_slice(ptr, len)
    }
}

/// A VLAN as the filter callbacks name it: the tag protocol (802.1Q or
/// 802.1ad, as the C API has it, in network byte order) and the id.
#[derive(Clone, Copy)]
pub(crate) struct Vlan {
    proto: u16,
    pub(crate) vid: u16,
}

/// Where a netlink request takes an error message for the user
/// (`struct netlink_ext_ack`); absent for requests from sysfs or ioctls.
pub(crate) struct ExtAck(pub(super) *mut sys::netlink_ext_ack);

impl ExtAck {
    /// No extack: messages go to the kernel log instead.
    pub(crate) fn none() -> Self {
        Self(core::ptr::null_mut())
    }

    /// Sets the message (`NL_SET_ERR_MSG`); returns false if there is no
    /// extack to take it.
    pub(crate) fn set_msg(&mut self, msg: &'static CStr) -> bool {
        if self.0.is_null() {
            return false;
        }
        // SAFETY: A non-null extack is the request's, live for the
        // callback that holds `self`; `msg` is static as `_msg` requires.
        unsafe { (*self.0)._msg = msg.as_char_ptr() };
        true
    }

    /// Sets the message and points at the attribute that caused it
    /// (`NL_SET_ERR_MSG_ATTR`).
    pub(crate) fn set_msg_attr(&mut self, msg: &'static CStr, attr: super::link::Attr<'_>) {
        if self.set_msg(msg) {
            // SAFETY: As in `set_msg`; `attr` is an attribute of this very
            // request, which outlives the callback.
            unsafe { (*self.0).bad_attr = attr.as_raw() };
        }
    }
}

/// Netdevice events a driver raises on its own devices.
pub(crate) mod event {
    use crate::sys;
    pub(crate) const BONDING_FAILOVER: u32 = sys::netdev_cmd_NETDEV_BONDING_FAILOVER;
    pub(crate) const NOTIFY_PEERS: u32 = sys::netdev_cmd_NETDEV_NOTIFY_PEERS;
    pub(crate) const RESEND_IGMP: u32 = sys::netdev_cmd_NETDEV_RESEND_IGMP;
    pub(crate) const CHANGEADDR: u32 = sys::netdev_cmd_NETDEV_CHANGEADDR;
    pub(crate) const RELEASE: u32 = sys::netdev_cmd_NETDEV_RELEASE;
    pub(crate) const CHANGEINFODATA: u32 = sys::netdev_cmd_NETDEV_CHANGEINFODATA;
    /// A device is about to become a port (netconsole stops using it).
    pub(crate) const JOIN: u32 = sys::netdev_cmd_NETDEV_JOIN;
}

/// A counted reference to a device (`dev_hold()`); see
/// [`NetDevice::to_ref`].
pub(crate) type NetDevRef = ARef<NetDevice>;

// SAFETY: `dev_hold()` and `dev_put()` keep a device allocated while its
// count is raised, may be called on any CPU and in any context, and the
// core frees the device only once every reference is dropped.
unsafe impl AlwaysRefCounted for NetDevice {
    fn inc_ref(&self) {
        // SAFETY: A live device; taking a reference is always allowed.
        unsafe { sys::dev_hold(self.as_raw()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller gives back a reference taken by `inc_ref`.
        unsafe { sys::dev_put(obj.as_ptr().cast()) };
    }
}

/// An interface name, copied out of its device.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct DevName([u8; sys::IFNAMSIZ as usize]);

impl DevName {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        let len = self.0.iter().position(|b| *b == 0).unwrap_or(self.0.len());
        &self.0[..len]
    }

    /// The name NUL-terminated, for C.
    pub(crate) fn as_cstr(&self) -> &CStr {
        let len = self.as_bytes().len();
        // `len` < IFNAMSIZ: the core always NUL-terminates names.
        CStr::from_bytes_with_nul(&self.0[..=len.min(self.0.len() - 1)])
            .unwrap_or(kernel::c_str!(""))
    }
}

compat::kernel_display!(DevName, Mac<'_>);

impl fmt::Display for DevName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.as_bytes() {
            fmt::Write::write_char(f, char::from(*b))?;
        }
        Ok(())
    }
}

/// A random, locally administered unicast MAC address (`eth_random_addr`).
pub(crate) fn random_mac_addr() -> MacAddr {
    let mut mac = [0u8; 6];
    // SAFETY: `mac` has the 6 bytes the function writes.
    unsafe { sys::eth_random_addr(mac.as_mut_ptr()) };
    mac
}

/// Displays a MAC address as `aa:bb:cc:dd:ee:ff`.
pub(crate) struct Mac<'a>(pub(crate) &'a MacAddr);

impl fmt::Display for Mac<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

/// Device settings a driver makes in [`Driver::setup`], before the device
/// is registered (so plain writes are race-free: `&mut`).
pub(crate) struct Setup<'a>(&'a mut sys::net_device);

impl Setup<'_> {
    /// Sets `IFF_*` bits of `dev->flags`.
    pub(crate) fn add_flags(&mut self, flags: u32) {
        self.0.flags |= flags;
    }

    /// The bit fields of `priv_flags_fast` (`priv_flags`, `lltx`).
    fn fast_bits(&mut self) -> &mut sys::net_device__bindgen_ty_1__bindgen_ty_1 {
        // SAFETY: The union is C's `struct_group(priv_flags_fast, ...)`:
        // both members name the same plain bits, so either view is valid.
        unsafe { &mut self.0.__bindgen_anon_1.__bindgen_anon_1 }
    }

    /// Sets and clears `IFF_*` bits of `dev->priv_flags`.
    pub(crate) fn change_priv_flags(&mut self, set: u32, clear: u32) {
        let bits = self.fast_bits();
        let flags = (bits.priv_flags() | set as usize) & !(clear as usize);
        bits.set_priv_flags(flags);
    }

    /// The driver does its own transmit locking (`dev->lltx`).
    pub(crate) fn set_lltx(&mut self) {
        self.fast_bits().set_lltx(1);
    }

    /// The device cannot move to another network namespace.
    pub(crate) fn set_netns_immutable(&mut self) {
        self.0.set_netns_immutable(1);
    }

    pub(crate) fn set_max_mtu(&mut self, mtu: u32) {
        self.0.max_mtu = mtu;
    }

    /// The offloads of a master over its ports (as `bond_setup()`): what
    /// [`Driver::fix_features`] then narrows to what the ports can do.
    pub(crate) fn master_features(&mut self) {
        // SAFETY: Called from the setup callback, before registration.
        unsafe { sys::rb_master_setup_features(&raw mut *self.0) }
    }

    /// Gives the device a random, locally administered MAC address.
    pub(crate) fn random_mac(&mut self) {
        // SAFETY: Called from the setup callback, after the core set up
        // `dev_addr` and before registration.
        unsafe { sys::eth_hw_addr_random(&raw mut *self.0) }
    }

    /// Device files the core creates with the device (`sysfs_groups[0]`).
    pub(crate) fn set_sysfs_group(&mut self, group: &'static super::sysfs::AttrGroup) {
        self.0.sysfs_groups[0] = group.as_raw();
    }

    /// The device's type, which uevents report as `DEVTYPE=`
    /// (`SET_NETDEV_DEVTYPE()`).
    pub(crate) fn set_devtype(&mut self, ty: &'static DevType) {
        self.0.dev.type_ = &ty.0;
    }
}

/// A device type (`struct device_type`): a name for uevents' `DEVTYPE=`.
pub(crate) struct DevType(sys::device_type);

// SAFETY: Never changed after its constant initialisation; the kernel only
// reads it.
unsafe impl Sync for DevType {}

impl DevType {
    pub(crate) const fn new(name: &'static CStr) -> Self {
        Self(sys::device_type {
            name: compat::cstr_ptr(name),
            // SAFETY: All-zero is a valid rest of `device_type`: null
            // pointers and absent callbacks.
            ..unsafe { core::mem::zeroed() }
        })
    }
}

/// What `ethtool DEV` shows of a link (`struct ethtool_link_settings`).
pub(crate) struct LinkSettings {
    /// Mb/s, or [`SPEED_UNKNOWN`].
    pub(crate) speed: u32,
    /// `DUPLEX_*`.
    pub(crate) duplex: u8,
    /// `PORT_*`.
    pub(crate) port: u8,
}

/// What `ethtool -i DEV` shows of the driver (`struct ethtool_drvinfo`);
/// the core adds the kernel release as the version.
pub(crate) struct DrvInfo {
    pub(crate) driver: &'static CStr,
    pub(crate) fw_version: &'static CStr,
}

/// Time stamping capabilities being reported (`struct
/// kernel_ethtool_ts_info`), for `ethtool -T DEV`.
pub(crate) struct TsInfo<'a>(&'a mut sys::kernel_ethtool_ts_info);

impl TsInfo<'_> {
    /// Fills in what `dev` reports (`ethtool_get_ts_info_by_layer()`).
    pub(crate) fn fill_from(&mut self, dev: &NetDevice) -> Result {
        // SAFETY: A live device (the caller holds a reference or RCU);
        // `self.0` is the core's writable struct.
        to_result(unsafe { sys::ethtool_get_ts_info_by_layer(dev.as_raw(), self.0) })
    }

    /// Adds `SOF_TIMESTAMPING_*` bits.
    pub(crate) fn add_so_timestamping(&mut self, bits: u32) {
        self.0.so_timestamping |= bits;
    }
}

/// The `SOF_TIMESTAMPING_*` bits `dev` reports, if it reports any.
pub(crate) fn so_timestamping_of(dev: &NetDevice) -> Result<u32> {
    let mut info = sys::kernel_ethtool_ts_info::default();
    TsInfo(&mut info).fill_from(dev)?;
    Ok(info.so_timestamping)
}

/// A hardware time stamping configuration being read or set
/// (`struct kernel_hwtstamp_config`), passed on to a lower device.
pub(crate) struct HwtstampConfig<'a>(&'a mut sys::kernel_hwtstamp_config);

impl HwtstampConfig<'_> {
    /// Whether the caller knows that the PHC index of a bond is that of
    /// its active port (`HWTSTAMP_FLAG_BONDED_PHC_INDEX`).
    pub(crate) fn bonded_phc_index(&self) -> bool {
        self.0.flags & sys::hwtstamp_flags_HWTSTAMP_FLAG_BONDED_PHC_INDEX as i32 != 0
    }

    /// Reads the configuration of `lower` (`generic_hwtstamp_get_lower()`).
    pub(crate) fn get_lower(&mut self, lower: &NetDevice) -> Result {
        // SAFETY: RTNL is held by the ioctl path that called us; `lower`
        // is live (the caller holds a reference).
        to_result(unsafe { sys::generic_hwtstamp_get_lower(lower.as_raw(), self.0) })
    }

    /// Sets the configuration on `lower` (`generic_hwtstamp_set_lower()`).
    pub(crate) fn set_lower(&mut self, lower: &NetDevice, extack: &mut ExtAck) -> Result {
        // SAFETY: As in `get_lower`; the extack may be null.
        to_result(unsafe { sys::generic_hwtstamp_set_lower(lower.as_raw(), self.0, extack.0) })
    }

    /// Marks the answer with `HWTSTAMP_FLAG_BONDED_PHC_INDEX`, in the
    /// user's copy if a legacy lower driver already wrote it there
    /// (`bond_set_phc_index_flag()`).
    pub(crate) fn set_bonded_phc_index(&mut self) -> Result {
        let flag = sys::hwtstamp_flags_HWTSTAMP_FLAG_BONDED_PHC_INDEX as i32;
        if !self.0.copied_to_user {
            self.0.flags |= flag;
            return Ok(());
        }
        // SAFETY: `copied_to_user` means `ifr` is the ioctl's request,
        // whose `ifr_data` is the user's `struct hwtstamp_config`.
        let data = unsafe { sys::rb_ifr_data(self.0.ifr) };
        let len = core::mem::size_of::<sys::hwtstamp_config>();
        let (mut from, mut to) = compat::user_slice(data, len).reader_writer();
        let mut buf = [0u8; 12];
        from.read_slice(&mut buf[..len])?;
        // `flags` is the first `int` of `struct hwtstamp_config`.
        let flags = i32::from_ne_bytes([buf[0], buf[1], buf[2], buf[3]]) | flag;
        buf[..4].copy_from_slice(&flags.to_ne_bytes());
        to.write_slice(&buf[..len])
    }
}

/// `SOF_TIMESTAMPING_TX_SOFTWARE`.
pub(crate) const TS_TX_SOFTWARE: u32 = sys::SOF_TIMESTAMPING_TX_SOFTWARE;
/// `SPEED_UNKNOWN`.
pub(crate) const SPEED_UNKNOWN: u32 = sys::SPEED_UNKNOWN as u32;
/// `PORT_OTHER`.
pub(crate) const PORT_OTHER: u8 = sys::PORT_OTHER as u8;

/// The delayed works each device of a driver has.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct WorkId(pub(crate) usize);

const WORKS: usize = 4;

/// A driver of network devices: the callbacks of its `net_device_ops`.
/// Those with a `rtnl` argument run with RTNL held.
#[vtable]
pub(crate) trait Driver: Sized + 'static {
    /// Per-device state, in the device's private area, pinned there.
    type Data: Send + Sync;

    /// Adjusts a new device after `ether_setup()`, before registration.
    fn setup(dev: &mut Setup<'_>);

    /// `ndo_open`: the device is being brought up.
    fn open(_dev: &Device<Self>, _rtnl: &mut RtnlHeld) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_stop`: the device is being brought down.
    fn stop(_dev: &Device<Self>, _rtnl: &mut RtnlHeld) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_uninit`: the device is being unregistered (or its registration
    /// failed); release what refers to it.
    fn uninit(_dev: &Device<Self>, _rtnl: &mut RtnlHeld) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_start_xmit`: transmit `skb`, or drop it. Called with bottom
    /// halves off, possibly with interrupts off (netpoll); never sleeps.
    fn start_xmit(dev: &Device<Self>, skb: SkBuff) -> super::skb::TxStatus;

    /// `ndo_select_queue`: the transmit queue of a frame, given the queue
    /// it was received on (if it was, and that was recorded) and the number
    /// of queues in use. Runs on the transmit path; never sleeps. The
    /// frame's own queue mapping is kept and given back when
    /// [`SkBuff::transmit`] hands it to a lower device.
    fn select_queue(_dev: &Device<Self>, _rx_queue: Option<u16>, _queues: u16) -> u16 {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_get_stats64`: fill in the counters. May run in any context
    /// (including under locks); never sleeps.
    fn get_stats64(_dev: &Device<Self>, _stats: &mut Stats64) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_add_slave` (`ip link set PORT master DEV`).
    fn add_slave(
        _dev: &Device<Self>,
        _port: &NetDevice,
        _extack: &mut ExtAck,
        _rtnl: &mut RtnlHeld,
    ) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_del_slave` (`ip link set PORT nomaster`).
    fn del_slave(_dev: &Device<Self>, _port: &NetDevice, _rtnl: &mut RtnlHeld) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_set_mac_address`. The core notifies the change afterwards.
    fn set_mac_address(_dev: &Device<Self>, _mac: &MacAddr, _rtnl: &mut RtnlHeld) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_change_mtu`; the driver stores the MTU with [`Device::store_mtu`].
    fn change_mtu(_dev: &Device<Self>, _mtu: u32, _rtnl: &mut RtnlHeld) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_change_rx_flags`: `IFF_PROMISC`/`IFF_ALLMULTI` changed (bits of
    /// `change`).
    fn change_rx_flags(_dev: &Device<Self>, _change: u32, _rtnl: &mut RtnlHeld) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_fix_features`: the offloads the device can have, of those
    /// `wanted` (see [`Device::features_of_lowers`]).
    fn fix_features(_dev: &Device<Self>, _wanted: u64, _rtnl: &RtnlHeld) -> u64 {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_set_rx_mode`: the address lists changed. Runs under the
    /// device's address spinlock: never sleeps.
    fn set_rx_mode(_dev: &Device<Self>) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_vlan_rx_add_vid`: a VLAN was added on top of the device.
    fn vlan_rx_add_vid(_dev: &Device<Self>, _vlan: Vlan, _rtnl: &RtnlHeld) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_vlan_rx_kill_vid`: a VLAN on top of the device went away.
    fn vlan_rx_kill_vid(_dev: &Device<Self>, _vlan: Vlan, _rtnl: &RtnlHeld) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_netpoll_setup`: netpoll (netconsole) starts using the device;
    /// the driver sets it up on its lower devices. RTNL is held.
    fn netpoll_setup(_dev: &Device<Self>, _rtnl: &RtnlHeld) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_netpoll_cleanup`: netpoll stops using the device. RTNL is held.
    fn netpoll_cleanup(_dev: &Device<Self>, _rtnl: &RtnlHeld) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_poll_controller`: netpoll polls the device, with interrupts
    /// off; never sleeps.
    fn poll_controller(_dev: &Device<Self>) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_siocbond`: one of bonding's ioctls on the device; RTNL is held.
    fn siocbond(
        _dev: &Device<Self>,
        _cmd: BondIoctl,
        _ifr: &IfReq<'_>,
        _rtnl: &mut RtnlHeld,
    ) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_hwtstamp_get`: the hardware time stamping configuration.
    fn hwtstamp_get(
        _dev: &Device<Self>,
        _cfg: &mut HwtstampConfig<'_>,
        _rtnl: &RtnlHeld,
    ) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_hwtstamp_set`: configures hardware time stamping.
    fn hwtstamp_set(
        _dev: &Device<Self>,
        _cfg: &mut HwtstampConfig<'_>,
        _extack: &mut ExtAck,
        _rtnl: &RtnlHeld,
    ) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Whether the device's offloads apply to any packet as they are
    /// (`ndo_features_check = passthru_features_check`): an upper device
    /// whose lower device checks the packet again.
    const PASSTHRU_FEATURES_CHECK: bool = false;

    /// ethtool's `get_drvinfo` (`ethtool -i`).
    fn drvinfo(_dev: &Device<Self>) -> DrvInfo {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// ethtool's `get_link_ksettings` (`ethtool DEV`); RTNL is held.
    fn link_ksettings(_dev: &Device<Self>, _rtnl: &RtnlHeld) -> LinkSettings {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// ethtool's `get_ts_info` (`ethtool -T DEV`), with `info` as the
    /// core's default left it. May run without RTNL; may sleep.
    fn ts_info(_dev: &Device<Self>, _info: &mut TsInfo<'_>) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// A delayed work of the device ran (see [`Device::schedule`]).
    /// Process context; RTNL is not held (the driver may try it).
    fn work(_dev: &Device<Self>, _id: WorkId) {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// Copies `src` into the C string buffer `dst`, cut to fit (`strscpy`).
fn copy_cstr(dst: &mut [kernel::ffi::c_char], src: &CStr) {
    let src = compat::cstr_bytes(src);
    let n = src.len().min(dst.len().saturating_sub(1));
    for (d, s) in dst.iter_mut().zip(&src[..n]) {
        *d = *s as kernel::ffi::c_char;
    }
    if let Some(end) = dst.get_mut(n) {
        *end = 0;
    }
}

/// The private area of a device of driver `T`: only `register` creates it.
#[repr(C)]
struct Priv<T: Driver> {
    works: [RawDelayedWork; WORKS],
    data: T::Data,
}

/// The size of the private area of a device of `T`.
pub(super) const fn priv_size<T: Driver>() -> usize {
    core::mem::size_of::<Priv<T>>()
}

/// Offset of the private area from the start of the `net_device`
/// (`netdev_priv()`: the struct's size rounded up to `NETDEV_ALIGN`).
const PRIV_OFFSET: usize = {
    let align = sys::NETDEV_ALIGN as usize;
    (core::mem::size_of::<sys::net_device>() + align - 1) & !(align - 1)
};

/// A device of driver `T`.
#[repr(transparent)]
pub(crate) struct Device<T: Driver>(NetDevice, PhantomData<T>);

impl<T: Driver> core::ops::Deref for Device<T> {
    type Target = NetDevice;
    fn deref(&self) -> &NetDevice {
        &self.0
    }
}

impl<T: Driver> Device<T> {
    /// # Safety
    ///
    /// `ptr` is a device created by [`register`] for `T` whose data has
    /// been initialised, and it stays allocated for `'a`.
    pub(super) unsafe fn from_raw<'a>(ptr: *mut sys::net_device) -> &'a Self {
        // SAFETY: Transparent wrapper; the caller guarantees the rest.
        unsafe { &*ptr.cast() }
    }

    /// `dev` as a device of driver `T`, if that is its driver.
    pub(crate) fn try_from(dev: &NetDevice) -> Option<&Self> {
        // SAFETY: A live device; `netdev_ops` is set before registration
        // and never changes.
        let ops = unsafe { (*dev.as_raw()).netdev_ops };
        if core::ptr::eq(ops, &Adapter::<T>::OPS) {
            // SAFETY: Only `register::<T>` creates devices with these ops,
            // and it initialises the data before registering them; `dev` is
            // live for as long as the borrow.
            Some(unsafe { Self::from_raw(dev.as_raw()) })
        } else {
            None
        }
    }

    fn private(&self) -> &Priv<T> {
        // SAFETY: The private area holds an initialised `Priv<T>` from
        // registration until the destructor, which runs only once every
        // reference to the device (this borrow too) is gone.
        unsafe {
            &*self
                .as_raw()
                .cast::<u8>()
                .add(PRIV_OFFSET)
                .cast::<Priv<T>>()
        }
    }

    /// The driver's per-device state.
    pub(crate) fn data(&self) -> &T::Data {
        &self.private().data
    }

    /// Runs [`Driver::work`] with `id` in `ms` milliseconds (at once for
    /// 0), unless already pending.
    pub(crate) fn schedule(&self, id: WorkId, ms: u32) {
        self.private().works[id.0].schedule(ms);
    }

    /// Cancels work `id` and waits for a run in progress. Sleeps; the work
    /// must not wait for anything the caller holds (the driver's works
    /// only *try* RTNL for this reason).
    pub(crate) fn cancel_work_sync(&self, id: WorkId) {
        self.private().works[id.0].cancel_sync();
    }

    /// Of the offloads `wanted`, those every lower device has (as
    /// `bond_fix_features()`, over the devices linked below this one).
    pub(crate) fn features_of_lowers(&self, wanted: u64, _rtnl: &RtnlHeld) -> u64 {
        // SAFETY: RTNL is held, which keeps the lower device list stable.
        unsafe { sys::rb_master_fix_features(self.as_raw(), wanted) }
    }

    /// Stores a new MTU in `ndo_change_mtu` (`WRITE_ONCE(dev->mtu)`).
    pub(crate) fn store_mtu(&self, mtu: u32, _rtnl: &RtnlHeld) {
        // SAFETY: RTNL is held, which serialises MTU changes.
        unsafe { core::ptr::write_volatile(&raw mut (*self.as_raw()).mtu, mtu) };
    }
}

/// Builds the `net_device_ops` of a driver and holds its callbacks.
pub(super) struct Adapter<T: Driver>(PhantomData<T>);

/// Runs `f` with the device and an RTNL proof, for callbacks the core
/// makes under RTNL, and turns its result into an errno.
///
/// # Safety
///
/// `dev` is a registered device of `T`, and RTNL is held.
unsafe fn with_rtnl<T: Driver>(
    dev: *mut sys::net_device,
    f: impl FnOnce(&Device<T>, &mut RtnlHeld) -> Result,
) -> c_int {
    from_result(|| {
        // SAFETY: The caller's guarantees.
        let (dev, mut rtnl) = unsafe { (Device::<T>::from_raw(dev), RtnlHeld::assume_held()) };
        f(dev, &mut rtnl)?;
        Ok(0)
    })
}

impl<T: Driver> Adapter<T> {
    const OPS: sys::net_device_ops = sys::net_device_ops {
        ndo_open: if T::HAS_OPEN { Some(Self::open) } else { None },
        ndo_stop: if T::HAS_STOP { Some(Self::stop) } else { None },
        ndo_uninit: if T::HAS_UNINIT {
            Some(Self::uninit)
        } else {
            None
        },
        ndo_start_xmit: Some(Self::start_xmit),
        ndo_select_queue: if T::HAS_SELECT_QUEUE {
            Some(Self::select_queue)
        } else {
            None
        },
        ndo_get_stats64: if T::HAS_GET_STATS64 {
            Some(Self::get_stats64)
        } else {
            None
        },
        ndo_add_slave: if T::HAS_ADD_SLAVE {
            Some(Self::add_slave)
        } else {
            None
        },
        ndo_del_slave: if T::HAS_DEL_SLAVE {
            Some(Self::del_slave)
        } else {
            None
        },
        ndo_set_mac_address: if T::HAS_SET_MAC_ADDRESS {
            Some(Self::set_mac_address)
        } else {
            None
        },
        ndo_change_mtu: if T::HAS_CHANGE_MTU {
            Some(Self::change_mtu)
        } else {
            None
        },
        ndo_change_rx_flags: if T::HAS_CHANGE_RX_FLAGS {
            Some(Self::change_rx_flags)
        } else {
            None
        },
        ndo_set_rx_mode: if T::HAS_SET_RX_MODE {
            Some(Self::set_rx_mode)
        } else {
            None
        },
        ndo_fix_features: if T::HAS_FIX_FEATURES {
            Some(Self::fix_features)
        } else {
            None
        },
        ndo_vlan_rx_add_vid: if T::HAS_VLAN_RX_ADD_VID {
            Some(Self::vlan_rx_add_vid)
        } else {
            None
        },
        ndo_vlan_rx_kill_vid: if T::HAS_VLAN_RX_KILL_VID {
            Some(Self::vlan_rx_kill_vid)
        } else {
            None
        },
        ndo_siocbond: if T::HAS_SIOCBOND {
            Some(Self::siocbond)
        } else {
            None
        },
        ndo_hwtstamp_get: if T::HAS_HWTSTAMP_GET {
            Some(Self::hwtstamp_get)
        } else {
            None
        },
        ndo_hwtstamp_set: if T::HAS_HWTSTAMP_SET {
            Some(Self::hwtstamp_set)
        } else {
            None
        },
        ndo_features_check: if T::PASSTHRU_FEATURES_CHECK {
            Some(sys::passthru_features_check)
        } else {
            None
        },
        #[cfg(CONFIG_NET_POLL_CONTROLLER)]
        ndo_netpoll_setup: if T::HAS_NETPOLL_SETUP {
            Some(Self::netpoll_setup)
        } else {
            None
        },
        #[cfg(CONFIG_NET_POLL_CONTROLLER)]
        ndo_netpoll_cleanup: if T::HAS_NETPOLL_CLEANUP {
            Some(Self::netpoll_cleanup)
        } else {
            None
        },
        #[cfg(CONFIG_NET_POLL_CONTROLLER)]
        ndo_poll_controller: if T::HAS_POLL_CONTROLLER {
            Some(Self::poll_controller)
        } else {
            None
        },
        // SAFETY: All-zero is a valid `net_device_ops`: every member is an
        // optional function pointer.
        ..unsafe { core::mem::zeroed() }
    };

    const HAS_ETHTOOL: bool = T::HAS_DRVINFO || T::HAS_LINK_KSETTINGS || T::HAS_TS_INFO;

    const ETHTOOL_OPS: sys::ethtool_ops = sys::ethtool_ops {
        get_drvinfo: if T::HAS_DRVINFO {
            Some(Self::get_drvinfo)
        } else {
            None
        },
        get_link: Some(sys::ethtool_op_get_link),
        get_link_ksettings: if T::HAS_LINK_KSETTINGS {
            Some(Self::get_link_ksettings)
        } else {
            None
        },
        get_ts_info: if T::HAS_TS_INFO {
            Some(Self::get_ts_info)
        } else {
            Some(sys::ethtool_op_get_ts_info)
        },
        // SAFETY: All-zero is a valid `ethtool_ops`: absent callbacks and
        // zero capability masks.
        ..unsafe { core::mem::zeroed() }
    };

    /// # Safety
    ///
    /// Called by the core on a device of this driver, with RTNL held.
    unsafe extern "C" fn open(dev: *mut sys::net_device) -> c_int {
        // SAFETY: `__dev_open` runs under RTNL on a registered device.
        unsafe { with_rtnl::<T>(dev, T::open) }
    }

    /// # Safety
    ///
    /// Called by the core on a device of this driver, with RTNL held.
    unsafe extern "C" fn stop(dev: *mut sys::net_device) -> c_int {
        // SAFETY: `__dev_close_many` runs under RTNL.
        unsafe { with_rtnl::<T>(dev, T::stop) }
    }

    /// # Safety
    ///
    /// Called by the core on a device of this driver, with RTNL held.
    unsafe extern "C" fn uninit(dev: *mut sys::net_device) {
        // SAFETY: Unregistering (or a failed registration) runs under RTNL.
        unsafe {
            with_rtnl::<T>(dev, |d, r| {
                T::uninit(d, r);
                Ok(())
            })
        };
    }

    /// # Safety
    ///
    /// Called by the core with an skb it hands over and a live device.
    unsafe extern "C" fn start_xmit(
        skb: *mut sys::sk_buff,
        dev: *mut sys::net_device,
    ) -> sys::netdev_tx_t {
        // SAFETY: The core passes ownership of `skb` and a registered `T`
        // device that stays allocated during the call.
        let (skb, dev) = unsafe { (SkBuff::from_raw(skb), Device::<T>::from_raw(dev)) };
        // What the lower device said goes up (a negative errno included,
        // as bonding returns `dev_queue_xmit()`'s result as it is).
        T::start_xmit(dev, skb).0 as sys::netdev_tx_t
    }

    /// # Safety
    ///
    /// Called by the core on the transmit path with a live device and an
    /// skb it keeps.
    unsafe extern "C" fn select_queue(
        dev: *mut sys::net_device,
        skb: *mut sys::sk_buff,
        _sb_dev: *mut sys::net_device,
    ) -> u16 {
        // SAFETY: A live skb, which the core lets us annotate, and a
        // registered `T` device for the call. The mapping the frame came
        // with is kept for `SkBuff::transmit` to give back.
        let (rx, queues, dev) = unsafe {
            sys::rb_skb_save_queue_mapping(skb);
            (
                sys::rb_skb_rx_queue(skb),
                (*dev).real_num_tx_queues,
                Device::<T>::from_raw(dev),
            )
        };
        let queues = u16::try_from(queues).unwrap_or(u16::MAX).max(1);
        T::select_queue(dev, u16::try_from(rx).ok(), queues)
    }

    /// # Safety
    ///
    /// Called by the core with a live device and a counters struct.
    unsafe extern "C" fn get_stats64(dev: *mut sys::net_device, stats: *mut Stats64) {
        // SAFETY: A live `T` device and a writable counters struct.
        unsafe { T::get_stats64(Device::<T>::from_raw(dev), &mut *stats) }
    }

    /// # Safety
    ///
    /// Called by rtnetlink under RTNL with two live devices.
    unsafe extern "C" fn add_slave(
        dev: *mut sys::net_device,
        port: *mut sys::net_device,
        extack: *mut sys::netlink_ext_ack,
    ) -> c_int {
        // SAFETY: RTNL is held and both devices are registered; the extack
        // (possibly null) lives for the call.
        unsafe {
            with_rtnl::<T>(dev, |d, r| {
                T::add_slave(d, NetDevice::from_raw(port), &mut ExtAck(extack), r)
            })
        }
    }

    /// # Safety
    ///
    /// Called by rtnetlink under RTNL with two live devices.
    unsafe extern "C" fn del_slave(dev: *mut sys::net_device, port: *mut sys::net_device) -> c_int {
        // SAFETY: RTNL is held and both devices are registered.
        unsafe { with_rtnl::<T>(dev, |d, r| T::del_slave(d, NetDevice::from_raw(port), r)) }
    }

    /// # Safety
    ///
    /// Called by `dev_set_mac_address` under RTNL with a `struct sockaddr`
    /// whose family the core has checked.
    unsafe extern "C" fn set_mac_address(dev: *mut sys::net_device, addr: *mut c_void) -> c_int {
        // SAFETY: `addr` is a `struct sockaddr` holding at least 6 bytes of
        // address; RTNL is held.
        unsafe {
            let mut mac = [0u8; 6];
            mac.copy_from_slice(core::slice::from_raw_parts(sys::rb_sockaddr_data(addr), 6));
            with_rtnl::<T>(dev, |d, r| T::set_mac_address(d, &mac, r))
        }
    }

    /// # Safety
    ///
    /// Called by the core under RTNL.
    unsafe extern "C" fn change_mtu(dev: *mut sys::net_device, mtu: c_int) -> c_int {
        // SAFETY: RTNL is held; the core checked the MTU's range.
        unsafe { with_rtnl::<T>(dev, |d, r| T::change_mtu(d, mtu as u32, r)) }
    }

    /// # Safety
    ///
    /// Called by the core under RTNL.
    unsafe extern "C" fn change_rx_flags(dev: *mut sys::net_device, change: c_int) {
        // SAFETY: RTNL is held (`__dev_set_promiscuity` and friends).
        unsafe {
            with_rtnl::<T>(dev, |d, r| {
                T::change_rx_flags(d, change as u32, r);
                Ok(())
            })
        };
    }

    /// # Safety
    ///
    /// Called by the core under the device's address lock.
    unsafe extern "C" fn set_rx_mode(dev: *mut sys::net_device) {
        // SAFETY: A live registered `T` device.
        T::set_rx_mode(unsafe { Device::<T>::from_raw(dev) })
    }

    /// # Safety
    ///
    /// Called by the core on a device of this driver, with RTNL held
    /// (`__netdev_update_features`).
    unsafe extern "C" fn fix_features(
        dev: *mut sys::net_device,
        features: sys::netdev_features_t,
    ) -> sys::netdev_features_t {
        // SAFETY: A live registered `T` device; RTNL is held.
        let (dev, rtnl) = unsafe { (Device::<T>::from_raw(dev), RtnlHeld::assume_held()) };
        T::fix_features(dev, features, &rtnl)
    }

    /// # Safety
    ///
    /// Called by the 8021q code under RTNL on a device of this driver.
    unsafe extern "C" fn vlan_rx_add_vid(dev: *mut sys::net_device, proto: u16, vid: u16) -> c_int {
        // SAFETY: RTNL is held (`vlan_vid_add`); a registered `T` device.
        unsafe { with_rtnl::<T>(dev, |d, r| T::vlan_rx_add_vid(d, Vlan { proto, vid }, r)) }
    }

    /// # Safety
    ///
    /// Called by the 8021q code under RTNL on a device of this driver.
    unsafe extern "C" fn vlan_rx_kill_vid(
        dev: *mut sys::net_device,
        proto: u16,
        vid: u16,
    ) -> c_int {
        // SAFETY: RTNL is held (`vlan_vid_del`); a registered `T` device.
        unsafe { with_rtnl::<T>(dev, |d, r| T::vlan_rx_kill_vid(d, Vlan { proto, vid }, r)) }
    }

    /// # Safety
    ///
    /// Called by `dev_ifsioc` under RTNL on a device of this driver, with
    /// the caller's `ifreq` copied into the kernel.
    unsafe extern "C" fn siocbond(
        dev: *mut sys::net_device,
        ifr: *mut sys::ifreq,
        cmd: c_int,
    ) -> c_int {
        let Some(cmd) = BondIoctl::from_raw(cmd) else {
            return super::errno::EOPNOTSUPP().to_errno();
        };
        // SAFETY: RTNL is held; a registered `T` device; `ifr` is the
        // kernel's copy, live for the call.
        unsafe { with_rtnl::<T>(dev, |d, r| T::siocbond(d, cmd, &IfReq(&*ifr), r)) }
    }

    /// # Safety
    ///
    /// Called by the time stamping ioctl or netlink paths under RTNL on a
    /// device of this driver, with the kernel's configuration struct.
    unsafe extern "C" fn hwtstamp_get(
        dev: *mut sys::net_device,
        cfg: *mut sys::kernel_hwtstamp_config,
    ) -> c_int {
        // SAFETY: RTNL is held; a registered `T` device; `cfg` is live and
        // writable for the call.
        unsafe {
            with_rtnl::<T>(dev, |d, r| {
                T::hwtstamp_get(d, &mut HwtstampConfig(&mut *cfg), r)
            })
        }
    }

    /// # Safety
    ///
    /// As for `hwtstamp_get`; `extack` may be null.
    unsafe extern "C" fn hwtstamp_set(
        dev: *mut sys::net_device,
        cfg: *mut sys::kernel_hwtstamp_config,
        extack: *mut sys::netlink_ext_ack,
    ) -> c_int {
        // SAFETY: As for `hwtstamp_get`; the extack lives for the call.
        unsafe {
            with_rtnl::<T>(dev, |d, r| {
                T::hwtstamp_set(d, &mut HwtstampConfig(&mut *cfg), &mut ExtAck(extack), r)
            })
        }
    }

    /// # Safety
    ///
    /// Called by `__netpoll_setup` under RTNL on a device of this driver.
    #[cfg(CONFIG_NET_POLL_CONTROLLER)]
    #[cfg(not(rb_netpoll_setup_dev_only))]
    unsafe extern "C" fn netpoll_setup(
        dev: *mut sys::net_device,
        _info: *mut sys::netpoll_info,
    ) -> c_int {
        // SAFETY: The callback's contract.
        unsafe { Self::netpoll_setup_dev(dev) }
    }

    /// # Safety
    ///
    /// As the other `netpoll_setup` (the `netpoll_info` went after 6.12).
    #[cfg(CONFIG_NET_POLL_CONTROLLER)]
    #[cfg(rb_netpoll_setup_dev_only)]
    unsafe extern "C" fn netpoll_setup(dev: *mut sys::net_device) -> c_int {
        // SAFETY: The callback's contract.
        unsafe { Self::netpoll_setup_dev(dev) }
    }

    /// # Safety
    ///
    /// Called by `__netpoll_setup` under RTNL on a device of this driver.
    #[cfg(CONFIG_NET_POLL_CONTROLLER)]
    unsafe fn netpoll_setup_dev(dev: *mut sys::net_device) -> c_int {
        // SAFETY: RTNL is held; a registered `T` device.
        unsafe { with_rtnl::<T>(dev, |d, r| T::netpoll_setup(d, r)) }
    }

    /// # Safety
    ///
    /// Called by `__netpoll_cleanup` under RTNL on a device of this driver.
    #[cfg(CONFIG_NET_POLL_CONTROLLER)]
    unsafe extern "C" fn netpoll_cleanup(dev: *mut sys::net_device) {
        // SAFETY: RTNL is held; a registered `T` device.
        unsafe {
            with_rtnl::<T>(dev, |d, r| {
                T::netpoll_cleanup(d, r);
                Ok(())
            })
        };
    }

    /// # Safety
    ///
    /// Called by netpoll on a live device of this driver, interrupts off.
    #[cfg(CONFIG_NET_POLL_CONTROLLER)]
    unsafe extern "C" fn poll_controller(dev: *mut sys::net_device) {
        // SAFETY: A live registered `T` device.
        T::poll_controller(unsafe { Device::<T>::from_raw(dev) })
    }

    /// # Safety
    ///
    /// Called by the ethtool core on a device of this driver with a
    /// writable `ethtool_drvinfo`.
    unsafe extern "C" fn get_drvinfo(dev: *mut sys::net_device, info: *mut sys::ethtool_drvinfo) {
        // SAFETY: A registered `T` device; `info` is the core's, zeroed.
        let (dev, info) = unsafe { (Device::<T>::from_raw(dev), &mut *info) };
        let d = T::drvinfo(dev);
        copy_cstr(&mut info.driver, d.driver);
        copy_cstr(&mut info.fw_version, d.fw_version);
    }

    /// # Safety
    ///
    /// Called by `__ethtool_get_link_ksettings` (RTNL held) on a device of
    /// this driver with a zeroed `ethtool_link_ksettings`.
    unsafe extern "C" fn get_link_ksettings(
        dev: *mut sys::net_device,
        ks: *mut sys::ethtool_link_ksettings,
    ) -> c_int {
        // SAFETY: A registered `T` device; RTNL is held; `ks` is writable.
        let (dev, rtnl, ks) = unsafe {
            (
                Device::<T>::from_raw(dev),
                RtnlHeld::assume_held(),
                &mut *ks,
            )
        };
        let s = T::link_ksettings(dev, &rtnl);
        ks.base.speed = s.speed;
        ks.base.duplex = s.duplex;
        ks.base.port = s.port;
        0
    }

    /// # Safety
    ///
    /// Called by the ethtool core on a device of this driver with a
    /// writable `kernel_ethtool_ts_info`, in process context.
    unsafe extern "C" fn get_ts_info(
        dev: *mut sys::net_device,
        info: *mut sys::kernel_ethtool_ts_info,
    ) -> c_int {
        from_result(|| {
            // SAFETY: A registered `T` device; `info` is the core's.
            let (dev, info) = unsafe { (Device::<T>::from_raw(dev), &mut *info) };
            T::ts_info(dev, &mut TsInfo(info))?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Run by the workqueue for work `I` of a live device of `T`.
    unsafe extern "C" fn work<const I: usize>(work: *mut sys::work_struct) {
        let offset = PRIV_OFFSET
            + core::mem::offset_of!(Priv<T>, works)
            + I * core::mem::size_of::<RawDelayedWork>();
        // SAFETY: `work` is the first member of work `I` of a `Priv<T>`,
        // which sits `PRIV_OFFSET` into a device of `T`; the destructor
        // cancels the works before the device can be freed.
        let dev = unsafe { Device::<T>::from_raw(work.cast::<u8>().sub(offset).cast()) };
        T::work(dev, WorkId(I));
    }

    /// The `setup` argument of `alloc_netdev_mqs()`.
    ///
    /// # Safety
    ///
    /// Called by `alloc_netdev_mqs()` on the device it is allocating.
    pub(super) unsafe extern "C" fn setup(dev: *mut sys::net_device) {
        // SAFETY: `dev` is a freshly allocated device.
        unsafe { sys::ether_setup(dev) };
        // SAFETY: The device is being allocated: nothing else sees it yet.
        let raw = unsafe { &mut *dev };
        raw.netdev_ops = &Self::OPS;
        if Self::HAS_ETHTOOL {
            raw.ethtool_ops = &Self::ETHTOOL_OPS;
        }
        raw.needs_free_netdev = true;
        T::setup(&mut Setup(raw));
    }

    /// `dev->priv_destructor`: drops the data when the core frees the device.
    ///
    /// # Safety
    ///
    /// Called once by the core, after the device was unregistered and the
    /// last reference dropped.
    unsafe extern "C" fn destructor(dev: *mut sys::net_device) {
        // SAFETY: The private area was initialised at registration (the
        // destructor is installed only then); nothing can borrow it now.
        unsafe {
            let p = dev.cast::<u8>().add(PRIV_OFFSET).cast::<Priv<T>>();
            for w in &(*p).works {
                w.cancel_sync();
            }
            core::ptr::drop_in_place(&raw mut (*p).data);
        }
    }
}

/// Initialises the private area (works and data) of a device of `T` that
/// `alloc_netdev_mqs()` made with [`Adapter::setup`] and that is not
/// registered yet. On error nothing is left to drop.
///
/// # Safety
///
/// `dev` is such a device, and nothing else uses it during the call.
pub(super) unsafe fn init_priv<T: Driver>(
    dev: *mut sys::net_device,
    data: impl PinInit<T::Data, Error>,
) -> Result {
    const {
        assert!(core::mem::align_of::<Priv<T>>() <= sys::NETDEV_ALIGN as usize);
        // One line below for each work.
        assert!(WORKS == 4);
    }
    // SAFETY: The private area of the device, sized for `Priv<T>` (the
    // setup of `T` asked for it) and, by the assertion above, aligned.
    let p = unsafe { dev.cast::<u8>().add(PRIV_OFFSET).cast::<Priv<T>>() };
    // SAFETY: Initialise the works, then the data, in place; the area never
    // moves. On error the initialiser leaves nothing behind to drop.
    unsafe {
        RawDelayedWork::init(&raw mut (*p).works[0], Adapter::<T>::work::<0>);
        RawDelayedWork::init(&raw mut (*p).works[1], Adapter::<T>::work::<1>);
        RawDelayedWork::init(&raw mut (*p).works[2], Adapter::<T>::work::<2>);
        RawDelayedWork::init(&raw mut (*p).works[3], Adapter::<T>::work::<3>);
        compat::pin_init_into(data, &raw mut (*p).data)
    }
}

/// Registers a device whose private area [`init_priv`] initialised. On
/// failure the data has been dropped; the device is still the caller's to
/// free (`free_netdev`, which defers the free if the core holds it still).
///
/// # Safety
///
/// RTNL is held; `dev` is such a device, not registered yet.
pub(super) unsafe fn register_initialised<T: Driver>(dev: *mut sys::net_device) -> Result {
    // SAFETY: RTNL is held; the device is initialised.
    let ret = unsafe { sys::register_netdevice(dev) };
    if ret != 0 {
        // No failure path of `register_netdevice` ran our destructor (it is
        // not installed yet), so the data is ours to drop.
        // SAFETY: The data is initialised and unreachable by anyone else.
        unsafe {
            let p = dev.cast::<u8>().add(PRIV_OFFSET).cast::<Priv<T>>();
            core::ptr::drop_in_place(&raw mut (*p).data);
        }
        return Err(Error::from_errno(ret));
    }
    // From here the core frees the device, and us the data with it. It can
    // only do so after an unregister, which needs the RTNL we hold.
    // SAFETY: A registered device, modified under RTNL.
    unsafe { (*dev).priv_destructor = Some(Adapter::<T>::destructor) };
    Ok(())
}

/// Creates and registers a device of driver `T` in the initial network
/// namespace. `name` may contain `%d` (`bond%d`) for the core to number.
/// `txqs` is the number of transmit (and receive) queues; `link` the
/// rtnetlink kind the device reports (and `ip link del` uses). Returns the
/// device and the RTNL proof reborrowed shared, to go on with under RTNL.
pub(crate) fn register<'r, T>(
    rtnl: &'r mut RtnlHeld,
    name: &CStr,
    txqs: u32,
    link: Option<&'static super::link::LinkOps<T>>,
    data: impl PinInit<T::Data, Error>,
) -> Result<(&'r Device<T>, &'r RtnlHeld)>
where
    T: super::link::LinkDriver,
{
    // SAFETY: `name` is NUL-terminated; `setup` fits the signature and only
    // touches the device being allocated.
    let dev = unsafe {
        sys::alloc_netdev_mqs(
            core::mem::size_of::<Priv<T>>() as c_int,
            name.as_char_ptr(),
            sys::NET_NAME_UNKNOWN as u8,
            Some(Adapter::<T>::setup),
            txqs,
            txqs,
        )
    };
    if dev.is_null() {
        return Err(ENOMEM);
    }
    if let Some(link) = link {
        // SAFETY: Not registered yet: nothing else sees the device.
        unsafe { (*dev).rtnl_link_ops = link.as_raw() };
    }
    // SAFETY: A fresh device of `T`'s setup; RTNL is held (`rtnl`). On
    // either failure the device was never registered (or its registration
    // was undone), so freeing it is ours to do.
    unsafe {
        if let Err(e) = init_priv::<T>(dev, data).and_then(|()| register_initialised::<T>(dev)) {
            sys::free_netdev(dev);
            return Err(e);
        }
    }
    // SAFETY: Registered with `T`'s ops and data; it cannot be freed while
    // RTNL is held, which `'r` guarantees.
    Ok((unsafe { Device::from_raw(dev) }, rtnl))
}

/// Calls `f` for every device of driver `T` in the initial namespace, in
/// registration order.
pub(crate) fn for_each<'r, T: Driver>(_rtnl: &'r RtnlHeld, mut f: impl FnMut(&'r Device<T>)) {
    // SAFETY: RTNL is held, which keeps the device list stable.
    let mut dev = unsafe { sys::first_net_device(&raw mut sys::init_net) };
    while !dev.is_null() {
        // SAFETY: A listed device stays registered under RTNL.
        if let Some(d) = Device::<T>::try_from(unsafe { NetDevice::from_raw(dev) }) {
            f(d);
        }
        // SAFETY: As above.
        dev = unsafe { sys::next_net_device(dev) };
    }
}

/// Unregisters every device of driver `T` in the initial namespace for
/// which `pred` is true, as one batch. The core frees them once RTNL is
/// released and their last references are gone.
pub(crate) fn unregister_where<T: Driver>(
    rtnl: &mut RtnlHeld,
    mut pred: impl FnMut(&Device<T>) -> bool,
) {
    let mut batch = core::mem::MaybeUninit::<sys::list_head>::uninit();
    let head = batch.as_mut_ptr();
    // SAFETY: An empty list points at itself. `batch` is not moved until
    // the end of this function, after the list is consumed.
    unsafe {
        (*head).next = head;
        (*head).prev = head;
    }
    for_each::<T>(rtnl, |d| {
        if pred(d) {
            // SAFETY: RTNL is held; queueing only links `unreg_list`, not
            // the device list being walked.
            unsafe { sys::unregister_netdevice_queue(d.as_raw(), head) };
        }
    });
    // SAFETY: RTNL is held. Unregistering calls `stop` and `uninit`; those
    // callbacks mint their own RTNL proof while ours is borrowed here.
    unsafe { sys::unregister_netdevice_many(head) };
}

/// `IFF_*` bits of `dev->flags` and `dev->priv_flags` drivers set.
pub(crate) mod iff {
    use crate::sys;

    pub(crate) const UP: u32 = sys::net_device_flags_IFF_UP;
    pub(crate) const MASTER: u32 = sys::net_device_flags_IFF_MASTER;
    pub(crate) const PROMISC: u32 = sys::net_device_flags_IFF_PROMISC;
    pub(crate) const ALLMULTI: u32 = sys::net_device_flags_IFF_ALLMULTI;
    pub(crate) const MULTICAST: u32 = sys::net_device_flags_IFF_MULTICAST;
    pub(crate) const UNICAST_FLT: u32 = sys::netdev_priv_flags_IFF_UNICAST_FLT;
    pub(crate) const NO_QUEUE: u32 = sys::netdev_priv_flags_IFF_NO_QUEUE;
    pub(crate) const XMIT_DST_RELEASE: u32 = sys::netdev_priv_flags_IFF_XMIT_DST_RELEASE;
    pub(crate) const TX_SKB_SHARING: u32 = sys::netdev_priv_flags_IFF_TX_SKB_SHARING;
}

/// Largest MTU an Ethernet device may have (`ETH_MAX_MTU`).
pub(crate) const ETH_MAX_MTU: u32 = sys::ETH_MAX_MTU;
/// `ARPHRD_ETHER`.
pub(crate) const ARPHRD_ETHER: u16 = sys::ARPHRD_ETHER as u16;
/// `NET_ADDR_RANDOM`: the address is random (nobody chose it).
pub(crate) const NET_ADDR_RANDOM: u8 = sys::NET_ADDR_RANDOM as u8;
/// `NETDEV_LAG_TX_TYPE_*` for [`NetDevice::link_master`].
pub(crate) const LAG_TX_ROUNDROBIN: u32 = sys::netdev_lag_tx_type_NETDEV_LAG_TX_TYPE_ROUNDROBIN;
pub(crate) const LAG_TX_ACTIVEBACKUP: u32 = sys::netdev_lag_tx_type_NETDEV_LAG_TX_TYPE_ACTIVEBACKUP;
pub(crate) const LAG_TX_HASH: u32 = sys::netdev_lag_tx_type_NETDEV_LAG_TX_TYPE_HASH;
pub(crate) const LAG_TX_UNKNOWN: u32 = sys::netdev_lag_tx_type_NETDEV_LAG_TX_TYPE_UNKNOWN;
/// `NETDEV_LAG_HASH_*` for [`NetDevice::link_master`].
pub(crate) const LAG_HASH_NONE: u32 = sys::netdev_lag_hash_NETDEV_LAG_HASH_NONE;
pub(crate) const LAG_HASH_L2: u32 = sys::netdev_lag_hash_NETDEV_LAG_HASH_L2;
pub(crate) const LAG_HASH_L34: u32 = sys::netdev_lag_hash_NETDEV_LAG_HASH_L34;
pub(crate) const LAG_HASH_L23: u32 = sys::netdev_lag_hash_NETDEV_LAG_HASH_L23;
pub(crate) const LAG_HASH_E23: u32 = sys::netdev_lag_hash_NETDEV_LAG_HASH_E23;
pub(crate) const LAG_HASH_E34: u32 = sys::netdev_lag_hash_NETDEV_LAG_HASH_E34;
pub(crate) const LAG_HASH_VLAN_SRCMAC: u32 = sys::netdev_lag_hash_NETDEV_LAG_HASH_VLAN_SRCMAC;
/// `DUPLEX_FULL` and the unknown marker used for ports without ethtool.
pub(crate) const DUPLEX_FULL: u8 = sys::DUPLEX_FULL as u8;
pub(crate) const DUPLEX_UNKNOWN: u8 = 0xff;
