/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C API rust_bond binds to. Kbuild runs bindgen over this header with the
 * target kernel's own flags, so struct layouts always match its .config.
 * `static inline` functions become real symbols through the wrappers bindgen
 * writes to bindings_wrap.c; the few macros bindgen cannot see are in
 * helpers.h.
 */
#include <linux/capability.h>
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_bonding.h>
#include <linux/sockios.h>
#include <linux/if_vlan.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/netpoll.h>
#include <linux/rcupdate.h>
#include <linux/rtnetlink.h>
#include <net/netlink.h>
#include <net/rtnetlink.h>
#include <uapi/linux/if_link.h>
#include <linux/skbuff.h>
#include <net/net_namespace.h>
#include <linux/ethtool.h>
#include <linux/net_tstamp.h>
#include <linux/ip.h>
#include <linux/proc_fs.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <generated/utsrelease.h>
#include "helpers.h"
