// SPDX-License-Identifier: GPL-2.0

//! rtnetlink link kinds (`struct rtnl_link_ops`): `ip link add NAME type
//! KIND ...`, `ip link set NAME type KIND ...`, `ip link del`, and the
//! `IFLA_INFO_DATA` / `IFLA_INFO_SLAVE_DATA` that `ip -d link show` prints.
//!
//! A [`LinkDriver`] is a [`Driver`] of Ethernet devices that also answers
//! those requests. [`LinkOps`] holds its `rtnl_link_ops` in a static; the
//! devices it creates are the driver's like those from
//! [`super::netdev::register`], which can tag its devices with the kind too.
//! The core calls every callback here with RTNL held.

use super::compat;
use super::netdev::{self, Adapter, Device, Driver, ExtAck, NetDevice};
use super::rtnl::RtnlHeld;
use crate::sys;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::error::{from_result, to_result, Error, Result};
use kernel::ffi::{c_int, c_uint};
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::Opaque;

/// Attribute types of a policy (`NLA_U8`, ...).
pub(crate) mod nla {
    use crate::sys;
    pub(crate) const U8: u32 = sys::NLA_U8;
    pub(crate) const U16: u32 = sys::NLA_U16;
    pub(crate) const U32: u32 = sys::NLA_U32;
    pub(crate) const S32: u32 = sys::NLA_S32;
    pub(crate) const NESTED: u32 = sys::NLA_NESTED;
    pub(crate) const BINARY: u32 = sys::NLA_BINARY;
}

/// One entry of an attribute policy (`struct nla_policy`).
pub(crate) type Policy = sys::nla_policy;

/// A policy, indexed by attribute type, for a static.
#[repr(transparent)]
pub(crate) struct PolicyTable<const N: usize>(pub(crate) [Policy; N]);

// SAFETY: Never written after initialisation; the pointers an entry may
// hold (none of [`policy`]'s do) would point at static data.
unsafe impl<const N: usize> Sync for PolicyTable<N> {}

/// A policy entry: attribute type `ty` (one of [`nla`]) and, for
/// `nla::BINARY`, the maximum length (0 for none).
pub(crate) const fn policy(ty: u32, len: u16) -> Policy {
    // SAFETY: All-zero is `{ .type = NLA_UNSPEC }`, a valid entry.
    let mut p: Policy = unsafe { core::mem::zeroed() };
    p.type_ = ty as u8;
    p.len = len;
    p
}

/// The range a policy entry checks (`struct netlink_range_validation`),
/// for a static.
pub(crate) type Range = sys::netlink_range_validation;

/// A policy entry for an unsigned attribute of type `ty` that must lie in
/// `range` (`NLA_POLICY_FULL_RANGE`): the core refuses others with
/// "integer out of range" (`ERANGE`).
pub(crate) const fn policy_range(ty: u32, range: &'static Range) -> Policy {
    let mut p = policy(ty, 0);
    p.validation_type = sys::nla_policy_validation_NLA_VALIDATE_RANGE_PTR as u8;
    p.__bindgen_anon_1.range = range;
    p
}

/// The size of an attribute's header (`NLA_HDRLEN`).
const NLA_HDRLEN: usize = {
    let align = sys::NLA_ALIGNTO as usize;
    (core::mem::size_of::<sys::nlattr>() + align - 1) & !(align - 1)
};

/// The space an attribute with a payload of `len` bytes takes
/// (`nla_total_size()`).
pub(crate) const fn total_size(len: usize) -> usize {
    let align = sys::NLA_ALIGNTO as usize;
    (NLA_HDRLEN + len + align - 1) & !(align - 1)
}

/// One attribute of a request.
#[derive(Clone, Copy)]
pub(crate) struct Attr<'a>(NonNull<sys::nlattr>, PhantomData<&'a ()>);

impl<'a> Attr<'a> {
    /// The payload.
    pub(crate) fn payload(&self) -> &'a [u8] {
        // SAFETY: The core hands over attributes it has checked to lie
        // within the request: `nla_len` covers the header and payload.
        unsafe {
            let a = self.0.as_ptr();
            let len = usize::from((*a).nla_len).saturating_sub(NLA_HDRLEN);
            core::slice::from_raw_parts(a.cast::<u8>().add(NLA_HDRLEN), len)
        }
    }

    /// The payload as a native-endian integer of `N` bytes; a shorter
    /// payload (which the policy refuses anyway) reads as zero-extended.
    fn int<const N: usize>(&self) -> [u8; N] {
        let mut out = [0u8; N];
        let p = self.payload();
        let n = p.len().min(N);
        out[..n].copy_from_slice(&p[..n]);
        out
    }

    pub(crate) fn u8(&self) -> u8 {
        self.int::<1>()[0]
    }

    pub(crate) fn u16(&self) -> u16 {
        u16::from_ne_bytes(self.int())
    }

    pub(crate) fn u32(&self) -> u32 {
        u32::from_ne_bytes(self.int())
    }

    pub(crate) fn i32(&self) -> i32 {
        i32::from_ne_bytes(self.int())
    }

    pub(super) fn as_raw(&self) -> *const sys::nlattr {
        self.0.as_ptr()
    }
}

/// The attributes of a request, indexed by type, validated against the
/// kind's policy (`struct nlattr *data[]`).
pub(crate) struct Attrs<'a> {
    tb: *const *mut sys::nlattr,
    max: u32,
    _p: PhantomData<&'a ()>,
}

impl<'a> Attrs<'a> {
    /// # Safety
    ///
    /// `tb` is null or an array of `max + 1` attribute pointers (each null
    /// or pointing into the request), valid for `'a`.
    unsafe fn new(tb: *mut *mut sys::nlattr, max: u32) -> Self {
        Self {
            tb,
            max,
            _p: PhantomData,
        }
    }

    /// The attribute of type `ty`, if the request has it.
    pub(crate) fn get(&self, ty: u32) -> Option<Attr<'a>> {
        if self.tb.is_null() || ty > self.max {
            return None;
        }
        // SAFETY: In bounds of the array `new` was given.
        let p = unsafe { *self.tb.add(ty as usize) };
        NonNull::new(p).map(|p| Attr(p, PhantomData))
    }
}

/// A message being filled in (`fill_info`).
pub(crate) struct Msg<'a>(*mut sys::sk_buff, PhantomData<&'a mut ()>);

impl Msg<'_> {
    /// Appends attribute `ty` with payload `data`; `EMSGSIZE` if it does
    /// not fit.
    pub(crate) fn put(&mut self, ty: u32, data: &[u8]) -> Result {
        // SAFETY: The core's message buffer, ours for the callback;
        // `nla_put` checks the room left and copies `data`.
        to_result(unsafe {
            sys::nla_put(
                self.0,
                ty as c_int,
                data.len() as c_int,
                data.as_ptr().cast(),
            )
        })
    }

    pub(crate) fn put_u8(&mut self, ty: u32, v: u8) -> Result {
        self.put(ty, &[v])
    }

    pub(crate) fn put_u16(&mut self, ty: u32, v: u16) -> Result {
        self.put(ty, &v.to_ne_bytes())
    }

    pub(crate) fn put_u32(&mut self, ty: u32, v: u32) -> Result {
        self.put(ty, &v.to_ne_bytes())
    }

    pub(crate) fn put_i32(&mut self, ty: u32, v: i32) -> Result {
        self.put(ty, &v.to_ne_bytes())
    }
}

/// A driver whose devices are a link kind of rtnetlink.
pub(crate) trait LinkDriver: Driver {
    /// The kind (`ip link add ... type KIND`).
    const KIND: &'static CStr;
    /// `IFLA_INFO_DATA` policy, indexed by attribute type.
    const POLICY: &'static [Policy];
    /// `IFLA_INFO_SLAVE_DATA` policy of the driver's ports.
    const SLAVE_POLICY: &'static [Policy];
    /// Upper bounds of what [`LinkDriver::fill_info`] and
    /// [`LinkDriver::fill_slave_info`] write.
    const INFO_SIZE: usize;
    const SLAVE_INFO_SIZE: usize;

    /// Transmit (and receive) queues of a device `ip link add` creates.
    fn num_queues(rtnl: &RtnlHeld) -> u32;

    /// The data of a device `ip link add` creates.
    fn new_data(rtnl: &RtnlHeld) -> Result<impl PinInit<Self::Data, Error>>;

    /// The device was registered (by `ip link add` or by
    /// [`super::netdev::register`]'s caller): finish setting it up.
    fn created(dev: &Device<Self>, rtnl: &RtnlHeld);

    /// Applies `IFLA_INFO_DATA` (`ip link add/set ... type KIND ...`).
    fn changelink(
        dev: &Device<Self>,
        data: &Attrs<'_>,
        extack: &mut ExtAck,
        rtnl: &mut RtnlHeld,
    ) -> Result;

    /// Writes the device's `IFLA_INFO_DATA`. The core may call this while
    /// the driver itself is in the middle of a change (from the events the
    /// change raises): it must not take the driver's own locks.
    fn fill_info(dev: &Device<Self>, msg: &mut Msg<'_>) -> Result;

    /// Applies `IFLA_INFO_SLAVE_DATA` to `port`, a port of `dev`.
    fn slave_changelink(
        dev: &Device<Self>,
        port: &NetDevice,
        data: &Attrs<'_>,
        extack: &mut ExtAck,
        rtnl: &mut RtnlHeld,
    ) -> Result;

    /// Writes `IFLA_INFO_SLAVE_DATA` of `port`, a port of `dev`; the same
    /// caveat as for [`LinkDriver::fill_info`].
    fn fill_slave_info(dev: &Device<Self>, port: &NetDevice, msg: &mut Msg<'_>) -> Result;
}

/// The `rtnl_link_ops` of `T`, in a static (the core links it into its
/// list of kinds).
pub(crate) struct LinkOps<T: LinkDriver>(Opaque<sys::rtnl_link_ops>, PhantomData<T>);

// SAFETY: The core modifies the ops only in `rtnl_link_(un)register`,
// under its own lock; the callbacks are safe on any CPU.
unsafe impl<T: LinkDriver> Sync for LinkOps<T> {}

impl<T: LinkDriver> LinkOps<T> {
    pub(crate) const fn new() -> Self {
        Self(
            Opaque::new(sys::rtnl_link_ops {
                kind: compat::cstr_ptr(T::KIND),
                priv_size: netdev::priv_size::<T>(),
                setup: Some(Adapter::<T>::setup),
                maxtype: T::POLICY.len() as c_uint - 1,
                policy: T::POLICY.as_ptr(),
                validate: Some(Self::validate),
                newlink: Some(Self::newlink),
                changelink: Some(Self::changelink),
                get_size: Some(Self::get_size),
                fill_info: Some(Self::fill_info),
                get_num_tx_queues: Some(Self::num_queues),
                get_num_rx_queues: Some(Self::num_queues),
                slave_maxtype: T::SLAVE_POLICY.len() as c_uint - 1,
                slave_policy: T::SLAVE_POLICY.as_ptr(),
                slave_changelink: Some(Self::slave_changelink),
                get_slave_size: Some(Self::get_slave_size),
                fill_slave_info: Some(Self::fill_slave_info),
                // `dellink` stays unset: registering fills in
                // `unregister_netdevice_queue`, which is what we need.
                // SAFETY: All-zero is valid for the rest: an unlinked list
                // head, null pointers, no callbacks.
                ..unsafe { core::mem::zeroed() }
            }),
            PhantomData,
        )
    }

    pub(super) fn as_raw(&'static self) -> *mut sys::rtnl_link_ops {
        self.0.get()
    }

    /// Makes the kind available; dropping the result removes it, and with
    /// it every device of the kind. `EEXIST` if another driver has the kind.
    pub(crate) fn register(&'static self) -> Result<LinkReg<T>> {
        // SAFETY: The ops are static and registered once; takes RTNL.
        to_result(unsafe { sys::rtnl_link_register(self.0.get()) })?;
        Ok(LinkReg(self))
    }

    /// # Safety
    ///
    /// Called by the core with the request's attributes.
    unsafe extern "C" fn validate(
        tb: *mut *mut sys::nlattr,
        _data: *mut *mut sys::nlattr,
        _extack: *mut sys::netlink_ext_ack,
    ) -> c_int {
        // SAFETY: `tb` has `IFLA_MAX + 1` entries.
        let tb = unsafe { Attrs::new(tb, sys::__IFLA_MAX - 1) };
        // As every Ethernet kind: a given address must be a unicast one.
        if let Some(addr) = tb.get(sys::IFLA_ADDRESS) {
            let a = addr.payload();
            if a.len() != 6 {
                return EINVAL.to_errno();
            }
            if a[0] & 1 != 0 || a.iter().all(|b| *b == 0) {
                return super::errno::EADDRNOTAVAIL().to_errno();
            }
        }
        0
    }

    /// # Safety
    ///
    /// Called by `rtnl_newlink()` under RTNL with a device `rtnl_create_link`
    /// allocated with these ops (so with `T`'s setup), not registered.
    #[cfg(not(rb_newlink_params))]
    unsafe extern "C" fn newlink(
        _src_net: *mut sys::net,
        dev: *mut sys::net_device,
        _tb: *mut *mut sys::nlattr,
        data: *mut *mut sys::nlattr,
        extack: *mut sys::netlink_ext_ack,
    ) -> c_int {
        // SAFETY: The callback's contract is `newlink_inner`'s.
        unsafe { Self::newlink_inner(dev, data, extack) }
    }

    /// # Safety
    ///
    /// As [`LinkOps::newlink_inner`]; `params` is the core's.
    #[cfg(rb_newlink_params)]
    unsafe extern "C" fn newlink(
        dev: *mut sys::net_device,
        params: *mut sys::rtnl_newlink_params,
        extack: *mut sys::netlink_ext_ack,
    ) -> c_int {
        // SAFETY: The callback's contract is `newlink_inner`'s; the core
        // passes valid parameters.
        unsafe { Self::newlink_inner(dev, (*params).data, extack) }
    }

    /// `newlink` with the attributes it uses (its signature changed after
    /// 6.12).
    ///
    /// # Safety
    ///
    /// Called by `rtnl_newlink()` under RTNL with a device `rtnl_create_link`
    /// allocated with these ops (so with `T`'s setup), not registered;
    /// `data` is its `IFLA_INFO_DATA` attributes parsed by the policy, or
    /// null.
    unsafe fn newlink_inner(
        dev: *mut sys::net_device,
        data: *mut *mut sys::nlattr,
        extack: *mut sys::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: RTNL is held for the whole callback.
            let mut rtnl = unsafe { RtnlHeld::assume_held() };
            let mut extack = ExtAck(extack);
            let init = T::new_data(&rtnl)?;
            // SAFETY: A fresh device of `T`'s setup that only we use; RTNL
            // is held. On failure the core frees the device.
            unsafe {
                netdev::init_priv::<T>(dev, init)?;
                netdev::register_initialised::<T>(dev)?;
            }
            // SAFETY: Registered with `T`'s ops and data.
            let d = unsafe { Device::<T>::from_raw(dev) };
            T::created(d, &rtnl);
            // SAFETY: `data` has the policy's entries (or is null).
            let attrs = unsafe { Attrs::new(data, T::POLICY.len() as u32 - 1) };
            if let Err(e) = T::changelink(d, &attrs, &mut extack, &mut rtnl) {
                // As bond_newlink(): undo the registration; the core's
                // `free_netdev` then leaves the device to the unregister.
                // SAFETY: Registered, RTNL held.
                unsafe { sys::unregister_netdevice_queue(dev, core::ptr::null_mut()) };
                return Err(e);
            }
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the core under RTNL on a device of this kind.
    unsafe extern "C" fn changelink(
        dev: *mut sys::net_device,
        _tb: *mut *mut sys::nlattr,
        data: *mut *mut sys::nlattr,
        extack: *mut sys::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: A registered device of `T` (only `T`'s devices carry
            // these ops); RTNL is held; `data` matches the policy.
            let (d, mut rtnl, attrs) = unsafe {
                (
                    Device::<T>::from_raw(dev),
                    RtnlHeld::assume_held(),
                    Attrs::new(data, T::POLICY.len() as u32 - 1),
                )
            };
            T::changelink(d, &attrs, &mut ExtAck(extack), &mut rtnl)?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by the core under RTNL; `dev` is the master, of this kind,
    /// and `port` one of its lower devices.
    unsafe extern "C" fn slave_changelink(
        dev: *mut sys::net_device,
        port: *mut sys::net_device,
        _tb: *mut *mut sys::nlattr,
        data: *mut *mut sys::nlattr,
        extack: *mut sys::netlink_ext_ack,
    ) -> c_int {
        from_result(|| {
            // SAFETY: As for `changelink`; the port is live for the call.
            let (d, port, mut rtnl, attrs) = unsafe {
                (
                    Device::<T>::from_raw(dev),
                    NetDevice::from_raw(port),
                    RtnlHeld::assume_held(),
                    Attrs::new(data, T::SLAVE_POLICY.len() as u32 - 1),
                )
            };
            T::slave_changelink(d, port, &attrs, &mut ExtAck(extack), &mut rtnl)?;
            Ok(0)
        })
    }

    extern "C" fn get_size(_dev: *const sys::net_device) -> usize {
        T::INFO_SIZE
    }

    extern "C" fn get_slave_size(
        _dev: *const sys::net_device,
        _port: *const sys::net_device,
    ) -> usize {
        T::SLAVE_INFO_SIZE
    }

    /// # Safety
    ///
    /// Called by the core with a message being built for a registered
    /// device of this kind.
    unsafe extern "C" fn fill_info(skb: *mut sys::sk_buff, dev: *const sys::net_device) -> c_int {
        from_result(|| {
            // SAFETY: A live device of `T`, registered with its data.
            let d = unsafe { Device::<T>::from_raw(dev.cast_mut()) };
            T::fill_info(d, &mut Msg(skb, PhantomData))?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// As `fill_info`; `port` is a lower device of `dev`.
    unsafe extern "C" fn fill_slave_info(
        skb: *mut sys::sk_buff,
        dev: *const sys::net_device,
        port: *const sys::net_device,
    ) -> c_int {
        from_result(|| {
            // SAFETY: As for `fill_info`; the port is live for the call.
            let (d, port) = unsafe {
                (
                    Device::<T>::from_raw(dev.cast_mut()),
                    NetDevice::from_raw(port.cast_mut()),
                )
            };
            T::fill_slave_info(d, port, &mut Msg(skb, PhantomData))?;
            Ok(0)
        })
    }

    /// # Safety
    ///
    /// Called by `rtnl_create_link()`, under RTNL.
    unsafe extern "C" fn num_queues() -> c_uint {
        // SAFETY: RTNL is held for the call.
        T::num_queues(&unsafe { RtnlHeld::assume_held() })
    }
}

/// A registered kind; dropping it unregisters the kind and deletes its
/// devices (takes RTNL).
pub(crate) struct LinkReg<T: LinkDriver>(&'static LinkOps<T>);

impl<T: LinkDriver> Drop for LinkReg<T> {
    fn drop(&mut self) {
        // SAFETY: Registered in `register`; called without RTNL (the
        // module's exit path), as `rtnl_link_unregister` takes it.
        unsafe { sys::rtnl_link_unregister(self.0 .0.get()) };
    }
}
