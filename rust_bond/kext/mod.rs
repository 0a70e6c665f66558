// SPDX-License-Identifier: GPL-2.0

//! Safe abstractions over the kernel's C API for what rust_bond needs and
//! the 6.12 `kernel` crate lacks. All of rust_bond's `unsafe` lives here.

pub(crate) mod netdev;
pub(crate) mod params;
pub(crate) mod rtnl;
pub(crate) mod skb;
