// SPDX-License-Identifier: GPL-2.0

//! Network devices (`struct net_device`) and drivers of them.
//!
//! A driver implements [`Driver`]; [`register`] allocates a device whose
//! private area holds the driver's [`Driver::Data`], and registers it. The
//! net core owns the device from then on (`needs_free_netdev`): it is freed,
//! and its data dropped, after it is unregistered and the last reference is
//! gone. References to devices handed out here are bounded by a callback or
//! by an RTNL borrow, and the core never frees a device while RTNL is held.

use super::rtnl::RtnlHeld;
use super::skb::SkBuff;
use crate::sys;
use core::fmt;
use core::marker::PhantomData;
use kernel::build_error;
use kernel::error::{from_result, Error, Result, VTABLE_DEFAULT_ERROR};
use kernel::ffi::c_int;
use kernel::init::PinInit;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::Opaque;

/// A network device of any driver.
#[repr(transparent)]
pub(crate) struct NetDevice(Opaque<sys::net_device>);

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

    /// The interface name. A copy: the name can change under RTNL.
    pub(crate) fn name(&self) -> DevName {
        let mut out = [0u8; sys::IFNAMSIZ as usize];
        // SAFETY: `name` is a fixed array inside a live device. Renames
        // write it under RTNL; like C's lockless readers we tolerate a torn
        // copy (only used for messages), and read it volatile.
        let name = unsafe { &raw const (*self.as_raw()).name };
        for (i, b) in out.iter_mut().enumerate() {
            // SAFETY: `i` < IFNAMSIZ, the array's length.
            *b = unsafe { core::ptr::read_volatile(name.cast::<u8>().add(i)) };
        }
        DevName(out)
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

    /// Counts one dropped transmit in the core's per-CPU counters (shown as
    /// `TX dropped` by `ip -s link`).
    pub(crate) fn tx_dropped_inc(&self) {
        // SAFETY: A live device; the counters are per-CPU and lockless.
        unsafe { sys::dev_core_stats_tx_dropped_inc(self.as_raw()) }
    }
}

/// An interface name, copied out of its device.
#[derive(Clone, Copy)]
pub(crate) struct DevName([u8; sys::IFNAMSIZ as usize]);

impl DevName {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        let len = self.0.iter().position(|b| *b == 0).unwrap_or(self.0.len());
        &self.0[..len]
    }
}

impl fmt::Display for DevName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.as_bytes() {
            fmt::Write::write_char(f, char::from(*b))?;
        }
        Ok(())
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

    /// Gives the device a random, locally administered MAC address.
    pub(crate) fn random_mac(&mut self) {
        // SAFETY: Called from the setup callback, after the core set up
        // `dev_addr` and before registration.
        unsafe { sys::eth_hw_addr_random(&raw mut *self.0) }
    }
}

/// A driver of network devices: the callbacks of its `net_device_ops`.
#[vtable]
pub(crate) trait Driver: Sized + 'static {
    /// Per-device state, in the device's private area, pinned there.
    type Data: Send + Sync;

    /// Adjusts a new device after `ether_setup()`, before registration.
    fn setup(dev: &mut Setup<'_>);

    /// `ndo_open`: the device is being brought up.
    fn open(_dev: &Device<Self>, _rtnl: &RtnlHeld) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_stop`: the device is being brought down.
    fn stop(_dev: &Device<Self>, _rtnl: &RtnlHeld) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `ndo_start_xmit`: transmit `skb`, or drop it. Called with bottom
    /// halves off, possibly with interrupts off (netpoll); never sleeps.
    fn start_xmit(dev: &Device<Self>, skb: SkBuff);
}

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
    unsafe fn from_raw<'a>(ptr: *mut sys::net_device) -> &'a Self {
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

    /// The driver's per-device state.
    pub(crate) fn data(&self) -> &T::Data {
        // SAFETY: The private area holds an initialised `T::Data` from
        // registration until the destructor runs, which the core does only
        // once every reference to the device (this borrow too) is gone.
        unsafe { &*sys::netdev_priv(self.as_raw()).cast::<T::Data>() }
    }
}

/// Builds the `net_device_ops` of a driver and holds its callbacks.
struct Adapter<T: Driver>(PhantomData<T>);

impl<T: Driver> Adapter<T> {
    const OPS: sys::net_device_ops = sys::net_device_ops {
        ndo_open: if T::HAS_OPEN { Some(Self::open) } else { None },
        ndo_stop: if T::HAS_STOP { Some(Self::stop) } else { None },
        ndo_start_xmit: Some(Self::start_xmit),
        // SAFETY: All-zero is a valid `net_device_ops`: every member is an
        // optional function pointer.
        ..unsafe { core::mem::zeroed() }
    };

    /// # Safety
    ///
    /// Called by the core on a device of this driver, with RTNL held.
    unsafe extern "C" fn open(dev: *mut sys::net_device) -> c_int {
        from_result(|| {
            // SAFETY: The core calls this on a registered `T` device under
            // RTNL (`__dev_open`), which also keeps it allocated.
            let (dev, rtnl) = unsafe { (Device::<T>::from_raw(dev), RtnlHeld::assume_held()) };
            T::open(dev, &rtnl)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the core on a device of this driver, with RTNL held.
    unsafe extern "C" fn stop(dev: *mut sys::net_device) -> c_int {
        from_result(|| {
            // SAFETY: As for `open` (`__dev_close_many` runs under RTNL).
            let (dev, rtnl) = unsafe { (Device::<T>::from_raw(dev), RtnlHeld::assume_held()) };
            T::stop(dev, &rtnl)?;
            Ok(0)
        })
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
        T::start_xmit(dev, skb);
        sys::netdev_tx_NETDEV_TX_OK
    }

    /// The `setup` argument of `alloc_netdev_mqs()`.
    ///
    /// # Safety
    ///
    /// Called by `alloc_netdev_mqs()` on the device it is allocating.
    unsafe extern "C" fn setup(dev: *mut sys::net_device) {
        // SAFETY: The device is being allocated: nothing else sees it yet.
        let raw = unsafe { &mut *dev };
        // SAFETY: `dev` is a freshly allocated device.
        unsafe { sys::ether_setup(dev) };
        raw.netdev_ops = &Self::OPS;
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
        // SAFETY: The data was initialised at registration (the destructor
        // is installed only then) and nothing can borrow it any more.
        unsafe { core::ptr::drop_in_place(sys::netdev_priv(dev).cast::<T::Data>()) };
    }
}

/// Creates and registers a device of driver `T` in the initial network
/// namespace. `name` may contain `%d` (`bond%d`) for the core to number.
/// `txqs` is the number of transmit (and receive) queues.
pub(crate) fn register<'r, T: Driver>(
    _rtnl: &'r mut RtnlHeld,
    name: &CStr,
    txqs: u32,
    data: impl PinInit<T::Data, Error>,
) -> Result<&'r Device<T>> {
    const {
        assert!(core::mem::align_of::<T::Data>() <= sys::NETDEV_ALIGN as usize);
    }
    // SAFETY: `name` is NUL-terminated; `setup` fits the signature and only
    // touches the device being allocated.
    let dev = unsafe {
        sys::alloc_netdev_mqs(
            core::mem::size_of::<T::Data>() as c_int,
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
    // SAFETY: `netdev_priv` of a fresh device is its private area, sized and
    // (by the assertion above) aligned for `T::Data`.
    let slot = unsafe { sys::netdev_priv(dev) }.cast::<T::Data>();
    // SAFETY: `slot` is valid, unused memory that never moves; on error
    // the initialiser leaves nothing behind to drop.
    if let Err(e) = unsafe { data.__pinned_init(slot) } {
        // SAFETY: Never registered; no destructor installed.
        unsafe { sys::free_netdev(dev) };
        return Err(e);
    }
    // SAFETY: RTNL is held (`_rtnl`); the device is initialised.
    let ret = unsafe { sys::register_netdevice(dev) };
    if ret != 0 {
        // No failure path of `register_netdevice` ran our destructor (it is
        // not installed yet), so the data is ours to drop. `free_netdev`
        // defers the free if the core still holds the device.
        // SAFETY: The data is initialised and unreachable by anyone else.
        unsafe {
            core::ptr::drop_in_place(slot);
            sys::free_netdev(dev);
        }
        return Err(Error::from_errno(ret));
    }
    // From here the core frees the device, and us the data with it. It can
    // only do so after an unregister, which needs the RTNL we hold.
    // SAFETY: A registered device, modified under RTNL.
    unsafe { (*dev).priv_destructor = Some(Adapter::<T>::destructor) };
    // SAFETY: Registered with `T`'s ops and data; it cannot be freed while
    // RTNL is held, which `'r` guarantees.
    Ok(unsafe { Device::from_raw(dev) })
}

/// Unregisters every device of driver `T` in the initial namespace for
/// which `pred` is true, as one batch. The core frees them once RTNL is
/// released and their last references are gone.
pub(crate) fn unregister_where<T: Driver>(
    _rtnl: &mut RtnlHeld,
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
    // SAFETY: RTNL is held, which keeps the device list stable while we
    // walk it; queueing only links `dev->unreg_list`, not the device list.
    unsafe {
        let mut dev = sys::first_net_device(&raw mut sys::init_net);
        while !dev.is_null() {
            if let Some(d) = Device::<T>::try_from(NetDevice::from_raw(dev)) {
                if pred(d) {
                    sys::unregister_netdevice_queue(dev, head);
                }
            }
            dev = sys::next_net_device(dev);
        }
        // Unregistering calls `stop` on devices that are up; the callbacks
        // mint their own RTNL proof, while ours is mutably borrowed here.
        sys::unregister_netdevice_many(head);
    }
}

/// `IFF_*` bits of `dev->flags` and `dev->priv_flags` drivers set.
pub(crate) mod iff {
    use crate::sys;

    pub(crate) const MASTER: u32 = sys::net_device_flags_IFF_MASTER;
    pub(crate) const UNICAST_FLT: u32 = sys::netdev_priv_flags_IFF_UNICAST_FLT;
    pub(crate) const NO_QUEUE: u32 = sys::netdev_priv_flags_IFF_NO_QUEUE;
    pub(crate) const XMIT_DST_RELEASE: u32 = sys::netdev_priv_flags_IFF_XMIT_DST_RELEASE;
    pub(crate) const TX_SKB_SHARING: u32 = sys::netdev_priv_flags_IFF_TX_SKB_SHARING;
}

/// Largest MTU an Ethernet device may have (`ETH_MAX_MTU`).
pub(crate) const ETH_MAX_MTU: u32 = sys::ETH_MAX_MTU;
