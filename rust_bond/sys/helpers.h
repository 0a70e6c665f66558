/* SPDX-License-Identifier: GPL-2.0 */
/* What bindgen cannot produce from the kernel headers (see helpers.c). */
#ifndef RUST_BOND_HELPERS_H
#define RUST_BOND_HELPERS_H

#include <linux/percpu.h>
#include <linux/workqueue.h>

void rb_init_delayed_work(struct delayed_work *dw, work_func_t fn);
u32 __percpu *rb_alloc_percpu_u32(void);
u32 rb_percpu_inc_return(u32 __percpu *counter);
u64 __percpu *rb_alloc_percpu_u64s(size_t n);
void rb_percpu_u64_add(u64 __percpu *counters, size_t i, u64 v);
u64 rb_percpu_u64_sum(u64 __percpu *counters, size_t i);

struct net_device;
void rb_master_setup_features(struct net_device *dev);
u64 rb_master_fix_features(struct net_device *dev, u64 features);
bool rb_net_ratelimit(void);
bool rb_net_admin_capable(struct net_device *dev);
bool rb_linkwatch_pending(struct net_device *dev);
/* What differs in C between 6.12 and 7.x (see helpers.c). */
struct ethtool_link_ksettings;
struct ifreq;
bool rb_netdev_ops_locked(struct net_device *dev);
int rb_set_mtu_raw(struct net_device *dev, int mtu);
int rb_get_link_ksettings(struct net_device *dev, struct ethtool_link_ksettings *ks);
int rb_get_link_ksettings_in_event(struct net_device *dev, struct ethtool_link_ksettings *ks);
int rb_pre_changeaddr_notify(struct net_device *dev, const char *addr);
int rb_dev_set_mac_address(struct net_device *dev, const u8 *mac);
const u8 *rb_sockaddr_data(const void *sockaddr);
void __user *rb_ifr_data(const struct ifreq *ifr);
const void *rb_init_net_tag(void);
void rb_addr_sync_locked(struct net_device *to, struct net_device *from, bool multiple);

/* The ARP monitor's frames (probes.c). */
struct sk_buff;
bool rb_arp_probe(struct net_device *bond, struct net_device *port, __be32 target, bool validate);
bool rb_bond_has_ip(struct net_device *bond, __be32 ip);
bool rb_skb_arp(const struct sk_buff *skb, unsigned int addr_len, __be32 *sip, __be32 *tip,
		bool *reply);
struct in6_addr;
bool rb_ns_probe(struct net_device *bond, struct net_device *port, const struct in6_addr *target,
		 bool validate);
bool rb_bond_has_ip6(struct net_device *bond, const struct in6_addr *addr);
bool rb_skb_nd(const struct sk_buff *skb, struct in6_addr *saddr, struct in6_addr *daddr);
void rb_ns_maddr(struct net_device *port, const struct in6_addr *target, bool join);
u16 rb_skb_protocol(const struct sk_buff *skb);
bool rb_path_probe(struct net_device *bond, struct net_device *port, __be32 target, const u8 *src);
bool rb_path_probe6(struct net_device *bond, struct net_device *port, const struct in6_addr *target,
		    const u8 *src);
u16 rb_skb_src(const struct sk_buff *skb, u8 *src, u8 *dst, u16 *vid);
int rb_skb_path(const struct sk_buff *skb, __be32 *sip, struct in6_addr *s6);
int rb_uc_addr(struct net_device *port, const u8 *mac, bool add);
unsigned long rb_jiffies(void);

/* balance-xor's transmit hash (flow.c). */
struct rb_flow {
	u32 src;
	u32 dst;
	u32 ports;
	u8 icmp_type;
	u8 icmp_code;
	u16 icmp_id;
};
void rb_flow_init(void);
bool rb_skb_read(const struct sk_buff *skb, int off, int len, void *buf);
u16 rb_skb_vlan_tci(const struct sk_buff *skb);
bool rb_skb_l4_hash(const struct sk_buff *skb, u32 *hash);
bool rb_skb_dissect(struct sk_buff *skb, struct rb_flow *f);
int rb_skb_rx_queue(const struct sk_buff *skb);
void rb_skb_save_queue_mapping(struct sk_buff *skb);
void rb_skb_restore_queue_mapping(struct sk_buff *skb);

/* balance-tlb (flow.c, probes.c). */
bool rb_skb_tlb_balances(struct sk_buff *skb);
int rb_skb_set_source(struct sk_buff *skb, const struct net_device *port);
void rb_lb_learning_packets(struct net_device *bond, struct net_device *port, const u8 *mac,
			    bool strict);

#include <linux/spinlock.h>
void rb_level_lock_init(spinlock_t *lock);
void rb_spin_lock_nested(spinlock_t *lock, int subclass);
void rb_spin_unlock(spinlock_t *lock);

#endif
