// SPDX-License-Identifier: GPL-2.0

//! Host build of rust_bond's pure logic, for `cargo test`.
//!
//! The kernel module compiles the same files as its `bond_core` module.

#![no_std]
// The module uses what the host tests do not and vice versa.
#![allow(dead_code)]

#[cfg(test)]
extern crate std;

include!("mod.rs");
