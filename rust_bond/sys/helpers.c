// SPDX-License-Identifier: GPL-2.0
/*
 * The few kernel macros rust_bond needs that bindgen cannot turn into
 * functions. Keep this file small; everything else is generated.
 */
#include <linux/capability.h>
#include <linux/ethtool.h>
#include <linux/if.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <net/net_namespace.h>
#include "helpers.h"

/* INIT_DELAYED_WORK() is a macro (it declares a lockdep class per site). */
void rb_init_delayed_work(struct delayed_work *dw, work_func_t fn)
{
	INIT_DELAYED_WORK(dw, fn);
}

/* alloc_percpu() is a macro (allocation profiling wraps it). */
u32 __percpu *rb_alloc_percpu_u32(void)
{
	return alloc_percpu(u32);
}

/* this_cpu_inc_return() is an arch-specific macro (one instruction on x86). */
u32 rb_percpu_inc_return(u32 __percpu *counter)
{
	return this_cpu_inc_return(*counter);
}

u64 __percpu *rb_alloc_percpu_u64s(size_t n)
{
	return __alloc_percpu(n * sizeof(u64), sizeof(u64));
}

void rb_percpu_u64_add(u64 __percpu *counters, size_t i, u64 v)
{
	this_cpu_add(counters[i], v);
}

u64 rb_percpu_u64_sum(u64 __percpu *counters, size_t i)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(counters, cpu)[i]);
	return sum;
}

/*
 * The offloads of a master over its ports, as bond_setup() and
 * bond_fix_features() set them: the feature sets are macros of macros.
 * VLAN filtering (NETIF_F_HW_VLAN_*_FILTER) makes the 8021q code hand the
 * master its VLAN ids, which it passes on to the ports.
 */
void rb_master_setup_features(struct net_device *dev)
{
	dev->hw_features = MASTER_UPPER_DEV_VLAN_FEATURES | NETIF_F_HW_VLAN_CTAG_RX |
			   NETIF_F_HW_VLAN_CTAG_FILTER | NETIF_F_HW_VLAN_STAG_RX |
			   NETIF_F_HW_VLAN_STAG_FILTER | NETIF_F_GSO_ENCAP_ALL;
	dev->features |= dev->hw_features | NETIF_F_HW_VLAN_CTAG_TX |
			 NETIF_F_HW_VLAN_STAG_TX | NETIF_F_GSO_PARTIAL;
}

/* ndo_fix_features: what every lower device can do (under RTNL). */
u64 rb_master_fix_features(struct net_device *dev, u64 features)
{
	netdev_features_t mask = features;
	struct net_device *lower;
	struct list_head *iter;

	features = netdev_base_features(features);
	netdev_for_each_lower_dev(dev, lower, iter)
		features = netdev_increment_features(features, lower->features, mask);
	return netdev_add_tso_features(features, mask);
}

/*
 * spin_lock_init() declares a lockdep class per call site (one for every
 * bond's statistics lock); spin_lock_nested() and spin_unlock() are
 * macros or inlines.
 */
void rb_level_lock_init(spinlock_t *lock)
{
	spin_lock_init(lock);
}

void rb_spin_lock_nested(spinlock_t *lock, int subclass)
{
	spin_lock_nested(lock, subclass);
}

void rb_spin_unlock(spinlock_t *lock)
{
	spin_unlock(lock);
}

/* dev_net() is an inline. */
/* net_ratelimit(), for warnings a monitor could repeat every tick. */
bool rb_net_ratelimit(void)
{
	return net_ratelimit();
}

bool rb_net_admin_capable(struct net_device *dev)
{
	return ns_capable(dev_net(dev)->user_ns, CAP_NET_ADMIN);
}

/* A link change of the device waits for linkwatch to report it. */
bool rb_linkwatch_pending(struct net_device *dev)
{
	return test_bit(__LINK_STATE_LINKWATCH_PENDING, &dev->state);
}

/*
 * What differs in C between 6.12 and 7.x, each keyed on a macro that Kbuild
 * defines from the kernel's own headers (rb_has there), as kext/compat.rs
 * is in Rust.
 */
#ifdef RB_NETDEV_LOCK_OPS
#include <net/netdev_lock.h>
#else
/* Before the instance lock, the ops ran under RTNL alone. */
static inline void netdev_lock_ops(struct net_device *dev) { }
static inline void netdev_unlock_ops(struct net_device *dev) { }
static inline bool netdev_need_ops_lock(const struct net_device *dev) { return false; }
#endif

#ifdef RB_NETIF_SET_MTU
/* bonding.ko imports it too, for the same call. */
MODULE_IMPORT_NS("NETDEV_INTERNAL");
#define rb_raw_set_mtu __netif_set_mtu
#else
#define rb_raw_set_mtu __dev_set_mtu
#endif

#ifdef RB_NETIF_GET_LINK_KSETTINGS
#define rb_raw_get_link_ksettings netif_get_link_ksettings
#else
#define rb_raw_get_link_ksettings __ethtool_get_link_ksettings
#endif

/*
 * Where a port's driver asks for it (7.x: netdev_need_ops_lock), its ops
 * run under its instance lock, which the netif_ calls expect held; bonding.ko
 * takes it around the same calls. The core holds it already while it
 * notifies UP, DOWN, CHANGE, GOING_DOWN and CHANGENAME of such a device.
 */
bool rb_netdev_ops_locked(struct net_device *dev)
{
	return netdev_need_ops_lock(dev);
}

int rb_set_mtu_raw(struct net_device *dev, int mtu)
{
	int ret;

	netdev_lock_ops(dev);
	ret = rb_raw_set_mtu(dev, mtu);
	netdev_unlock_ops(dev);
	return ret;
}

int rb_get_link_ksettings(struct net_device *dev, struct ethtool_link_ksettings *ks)
{
	int ret;

	netdev_lock_ops(dev);
	ret = rb_raw_get_link_ksettings(dev, ks);
	netdev_unlock_ops(dev);
	return ret;
}

/* From the netdevice notifier, where the core holds what it must. */
int rb_get_link_ksettings_in_event(struct net_device *dev, struct ethtool_link_ksettings *ks)
{
	return rb_raw_get_link_ksettings(dev, ks);
}

int rb_pre_changeaddr_notify(struct net_device *dev, const char *addr)
{
#ifdef RB_NETIF_PRE_CHANGEADDR
	return netif_pre_changeaddr_notify(dev, addr, NULL);
#else
	return dev_pre_changeaddr_notify(dev, addr, NULL);
#endif
}

int rb_dev_set_mac_address(struct net_device *dev, const u8 *mac)
{
	struct sockaddr_storage ss = { .ss_family = dev->type };

#ifdef RB_SET_MAC_SOCKADDR_STORAGE
	memcpy(ss.__data, mac, dev->addr_len);
	return dev_set_mac_address(dev, &ss, NULL);
#else
	memcpy(((struct sockaddr *)&ss)->sa_data, mac, dev->addr_len);
	return dev_set_mac_address(dev, (struct sockaddr *)&ss, NULL);
#endif
}

/* The address bytes of the struct sockaddr given to ndo_set_mac_address. */
const u8 *rb_sockaddr_data(const void *sockaddr)
{
	return (const u8 *)((const struct sockaddr *)sockaddr)->sa_data;
}

void __user *rb_ifr_data(const struct ifreq *ifr)
{
	return ifr->ifr_data;
}

/* The sysfs namespace tag of the initial network namespace. */
const void *rb_init_net_tag(void)
{
#ifdef RB_NS_COMMON_TAG
	return to_ns_common(&init_net);
#else
	return &init_net;
#endif
}

/*
 * Copies the upper device's address lists to a port outside its
 * ndo_set_rx_mode, under the upper's address lock as dev_uc_sync()
 * expects (bonding.ko: failover and balance-rr's enslave).
 */
void rb_addr_sync_locked(struct net_device *to, struct net_device *from, bool multiple)
{
	netif_addr_lock_bh(from);
	if (multiple) {
		dev_mc_sync_multiple(to, from);
		dev_uc_sync_multiple(to, from);
	} else {
		dev_uc_sync(to, from);
		dev_mc_sync(to, from);
	}
	netif_addr_unlock_bh(from);
}
