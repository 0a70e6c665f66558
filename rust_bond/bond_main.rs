// SPDX-License-Identifier: GPL-2.0

//! rust_bond: Linux NIC bonding as a Rust kernel module.
//!
//! It offers the interface of the in-tree bonding driver (module options,
//! sysfs, `/proc/net/bonding`, iproute2) so that existing scripts and tools
//! work unchanged. See `Documentation/rust_bond.rst`.

// `try_pin_init!` of the bond's private data, one field a level deep,
// passes the default limit of 128.
#![recursion_limit = "256"]

use bond::RustBond;

mod bond;
/// Pure logic shared with the host tests (`cargo test` in `rust_bond/core`).
#[path = "core/mod.rs"]
#[allow(
    dead_code,
    reason = "sysfs and /proc, which use the rest, are not built yet"
)]
mod bond_core;
mod kext;
mod sys;

kext::compat::rb_module! {
    type: RustBond,
    name: "rust_bond",
    author: "rust_bond developers",
    description: "Ethernet Channel Bonding Driver, in Rust",
    license: "GPL",
}
