// SPDX-License-Identifier: GPL-2.0

// Pure bonding logic: no kernel types, no `unsafe`. Built into the module and,
// through `host.rs`, by `cargo test` on the host. This file is `include!`d by
// `host.rs`, so it holds no inner attributes; the crate docs live there and
// on the `mod` declaration in `bond_main.rs`.

pub(crate) mod hash;
pub(crate) mod link;
pub(crate) mod options;
pub(crate) mod path;
pub(crate) mod select;
pub(crate) mod stats;
pub(crate) mod text;
pub(crate) mod tlb;
