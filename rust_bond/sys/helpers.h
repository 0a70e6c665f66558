/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What bindgen cannot produce from the kernel headers: function-like macros
 * and constants it does not evaluate. Keep this file small.
 */
#ifndef RUST_BOND_HELPERS_H
#define RUST_BOND_HELPERS_H

#include <linux/netdevice.h>

/* NETDEV_ALIGN is a macro bindgen may or may not expand. */
static const unsigned long rb_netdev_align = NETDEV_ALIGN;

#endif
