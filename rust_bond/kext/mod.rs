// SPDX-License-Identifier: GPL-2.0

//! Safe abstractions over the kernel's C API for what rust_bond needs and
//! the 6.12 `kernel` crate lacks. All of rust_bond's `unsafe` lives here.

#[macro_use]
pub(crate) mod compat;
pub(crate) mod arp;
pub(crate) mod errno;
pub(crate) mod link;
pub(crate) mod netdev;
pub(crate) mod netpoll;
pub(crate) mod notifier;
pub(crate) mod params;
pub(crate) mod percpu;
pub(crate) mod print;
pub(crate) mod procfs;
pub(crate) mod rcu;
pub(crate) mod rtnl;
pub(crate) mod rx;
pub(crate) mod skb;
pub(crate) mod sync;
pub(crate) mod sysfs;
pub(crate) mod work;

/// Whether the current task may configure networking (`CAP_NET_ADMIN`).
pub(crate) fn capable_net_admin() -> bool {
    // SAFETY: Callable from process context, as sysfs writes are.
    unsafe { crate::sys::capable(crate::sys::CAP_NET_ADMIN as i32) }
}

/// A random number (`get_random_u32()`), for balance-rr's random mode.
pub(crate) fn random_u32() -> u32 {
    // SAFETY: Callable in any context.
    unsafe { crate::sys::get_random_u32() }
}

/// The running kernel's release (`uname -r`).
pub(crate) fn uts_release() -> &'static str {
    let r: &'static [u8] = crate::sys::UTS_RELEASE;
    let r = r.strip_suffix(&[0]).unwrap_or(r);
    core::str::from_utf8(r).unwrap_or("?")
}
