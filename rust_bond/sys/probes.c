// SPDX-License-Identifier: GPL-2.0
/*
 * The ARP monitor's frames, as bonding.ko builds and reads them
 * (bond_arp_send_all(), bond_arp_rcv(), bond_has_this_ip(), and their NS
 * twins for IPv6 targets): which device
 * the route to a target leaves through, the VLAN tags between it and the
 * bond, the source address, the request itself; and the addresses of an
 * ARP frame a port received. When to probe and what a reply proves is the
 * driver's (rust_bond/bond/arp.rs).
 */
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/icmpv6.h>
#include <linux/ipv6.h>
#include <net/addrconf.h>
#include <net/arp.h>
#include <net/ip6_route.h>
#include <net/ndisc.h>
#include <net/route.h>
#include "helpers.h"

/* Deeper than any stack the kernel allows (MAX_NEST_DEV). */
#define RB_MAX_PATH 16
#define RB_NO_VLAN cpu_to_be16(0xffff)

struct rb_vlan_tag {
	__be16 proto;
	u16 id;
};

/*
 * bond_verify_device_path() without the allocation: whether @end is above
 * @start through upper devices; if so @tags[level..] holds the VLAN of each
 * device on the way (outermost first, zero where there is none), ended by
 * RB_NO_VLAN. Called under rcu_read_lock().
 */
static bool rb_device_path(struct net_device *start, struct net_device *end,
			   struct rb_vlan_tag *tags, int level)
{
	struct net_device *upper;
	struct list_head *iter;

	if (start == end) {
		tags[level].proto = RB_NO_VLAN;
		return true;
	}
	if (level >= RB_MAX_PATH)
		return false;
	netdev_for_each_upper_dev_rcu(start, upper, iter) {
		if (!rb_device_path(upper, end, tags, level + 1))
			continue;
		if (is_vlan_dev(upper)) {
			tags[level].proto = vlan_dev_vlan_proto(upper);
			tags[level].id = vlan_dev_vlan_id(upper);
		}
		return true;
	}
	return false;
}

/* bond_handle_vlan(): inner tags into the frame, the outer one as hwaccel. */
static bool rb_put_tags(struct rb_vlan_tag *tags, struct sk_buff *skb)
{
	struct rb_vlan_tag *outer = tags;

	if (!tags || tags->proto == RB_NO_VLAN)
		return true;
	for (tags++; tags->proto != RB_NO_VLAN; tags++) {
		if (!tags->id)
			continue;
		skb = vlan_insert_tag_set_proto(skb, tags->proto, tags->id);
		if (!skb) {
			net_err_ratelimited("failed to insert inner VLAN tag\n");
			return false;
		}
	}
	if (outer->id)
		__vlan_hwaccel_put_tag(skb, outer->proto, outer->id);
	return true;
}

/* bond_confirm_addr(). */
static __be32 rb_confirm_addr(struct net_device *dev, __be32 dst, __be32 local)
{
	struct in_device *in_dev;
	__be32 addr = 0;

	rcu_read_lock();
	in_dev = __in_dev_get_rcu(dev);
	if (in_dev)
		addr = inet_confirm_addr(dev_net(dev), in_dev, dst, local,
					 RT_SCOPE_HOST);
	rcu_read_unlock();
	return addr;
}

/* bond_arp_send(): an ARP request from @port's MAC. */
static bool rb_arp_send(struct net_device *port, __be32 dst, __be32 src,
			struct rb_vlan_tag *tags)
{
	struct sk_buff *skb;

	skb = arp_create(ARPOP_REQUEST, ETH_P_ARP, dst, port, src, NULL,
			 port->dev_addr, NULL);
	if (!skb) {
		net_err_ratelimited("ARP packet allocation failed\n");
		return false;
	}
	if (!rb_put_tags(tags, skb))
		return false;
	arp_xmit(skb);
	return true;
}

/*
 * One target of bond_arp_send_all(): an ARP request for @target out of
 * @port, a port of @bond, tagged with the VLANs between the bond and the
 * device the route to @target leaves through, from that device's address.
 * No route: a request from 0.0.0.0 all the same (it makes traffic). A route
 * through a device not above the bond: nothing. Returns whether a frame
 * was sent (it counts as the port's last transmit).
 */
bool rb_arp_probe(struct net_device *bond, struct net_device *port,
		  __be32 target, bool validate)
{
	struct rb_vlan_tag tags[RB_MAX_PATH + 1] = {};
	struct rtable *rt;
	bool found, sent;
	__be32 addr;

	rt = ip_route_output(dev_net(bond), target, 0, 0, 0, RT_SCOPE_LINK);
	if (IS_ERR(rt)) {
		if (validate)
			pr_warn_once("%s: no route to arp_ip_target %pI4 and arp_validate is set\n",
				     bond->name, &target);
		return rb_arp_send(port, target, 0, NULL);
	}
	if (rt->dst.dev == bond) {
		ip_rt_put(rt);
		addr = rb_confirm_addr(bond, target, 0);
		return rb_arp_send(port, target, addr, NULL);
	}
	rcu_read_lock();
	found = rb_device_path(bond, rt->dst.dev, tags, 0);
	rcu_read_unlock();
	if (!found) {
		ip_rt_put(rt);
		return false;
	}
	addr = rb_confirm_addr(rt->dst.dev, target, 0);
	ip_rt_put(rt);
	sent = rb_arp_send(port, target, addr, tags);
	return sent;
}

static int rb_upper_has_ip(struct net_device *upper,
			   struct netdev_nested_priv *priv)
{
	__be32 ip = *(__be32 *)priv->data;

	return ip == rb_confirm_addr(upper, 0, ip);
}

/* bond_has_this_ip(): @ip is an address of @bond or of a device above it. */
bool rb_bond_has_ip(struct net_device *bond, __be32 ip)
{
	struct netdev_nested_priv priv = { .data = &ip };
	bool ret;

	if (ip == rb_confirm_addr(bond, 0, ip))
		return true;
	rcu_read_lock();
	ret = netdev_walk_all_upper_dev_rcu(bond, rb_upper_has_ip, &priv);
	rcu_read_unlock();
	return ret;
}

/*
 * The checks and reads of bond_arp_rcv(): @skb (received on a port of a
 * bond whose addresses are @addr_len bytes) is an Ethernet/IPv4 ARP frame
 * for this host; its sender and target addresses and whether it is a reply.
 */
bool rb_skb_arp(const struct sk_buff *skb, unsigned int addr_len,
		__be32 *sip, __be32 *tip, bool *reply)
{
	unsigned char buf[sizeof(struct arphdr) + 2 * (MAX_ADDR_LEN + 4)];
	const struct arphdr *arp;
	const unsigned char *p;
	unsigned int alen;

	if (skb->protocol != htons(ETH_P_ARP) ||
	    skb->pkt_type == PACKET_OTHERHOST ||
	    skb->pkt_type == PACKET_LOOPBACK || addr_len > MAX_ADDR_LEN)
		return false;
	alen = sizeof(struct arphdr) + 2 * (addr_len + 4);
	arp = skb_header_pointer(skb, 0, alen, buf);
	if (!arp || arp->ar_hln != addr_len ||
	    arp->ar_hrd != htons(ARPHRD_ETHER) ||
	    arp->ar_pro != htons(ETH_P_IP) || arp->ar_pln != 4)
		return false;
	p = (const unsigned char *)(arp + 1) + addr_len;
	memcpy(sip, p, 4);
	p += 4 + addr_len;
	memcpy(tip, p, 4);
	*reply = arp->ar_op == htons(ARPOP_REPLY);
	return true;
}

#if IS_ENABLED(CONFIG_IPV6)
/* bond_ns_send(): a neighbour solicitation for @target out of @port. */
static bool rb_ns_send(struct net_device *port, const struct in6_addr *target,
		       const struct in6_addr *saddr, struct rb_vlan_tag *tags)
{
	struct in6_addr mcaddr;
	struct sk_buff *skb;

	skb = ndisc_ns_create(port, target, saddr, 0);
	if (!skb) {
		net_err_ratelimited("NS packet allocation failed\n");
		return false;
	}
	addrconf_addr_solict_mult(target, &mcaddr);
	if (!rb_put_tags(tags, skb))
		return false;
	ndisc_send_skb(skb, &mcaddr, saddr);
	return true;
}

/*
 * One target of bond_ns_send_all(), as rb_arp_probe() for ARP: a
 * solicitation for @target out of @port, through the VLANs between @bond
 * and the device the route to @target leaves through, from that device's
 * source address for it (or ::).
 */
bool rb_ns_probe(struct net_device *bond, struct net_device *port,
		 const struct in6_addr *target, bool validate)
{
	struct rb_vlan_tag tags[RB_MAX_PATH + 1] = {};
	struct rb_vlan_tag *path = NULL;
	struct flowi6 fl6 = { .daddr = *target };
	struct dst_entry *dst;
	struct in6_addr saddr;
	bool found, sent;

	if (!ipv6_mod_enabled())
		return false;
	dst = ip6_route_output(dev_net(bond), NULL, &fl6);
	if (dst->error) {
		dst_release(dst);
		if (validate)
			pr_warn_once("%s: no route to ns_ip6_target %pI6c and arp_validate is set\n",
				     bond->name, target);
		return rb_ns_send(port, target, &in6addr_any, NULL);
	}
	if (dst->dev == bond) {
		found = true;
	} else {
		rcu_read_lock();
		found = rb_device_path(bond, dst->dev, tags, 0);
		rcu_read_unlock();
		path = tags;
	}
	if (!found) {
		dst_release(dst);
		return false;
	}
	if (!ipv6_dev_get_saddr(dev_net(dst->dev), dst->dev, target, 0, &saddr))
		sent = rb_ns_send(port, target, &saddr, path);
	else
		sent = rb_ns_send(port, target, &in6addr_any, path);
	dst_release(dst);
	return sent;
}

static int rb_upper_has_ip6(struct net_device *dev,
			    struct netdev_nested_priv *priv)
{
	return ipv6_chk_addr(dev_net(dev), priv->data, dev, 0);
}

/* bond_has_this_ip6(): @addr is an address of @bond or of a device above. */
bool rb_bond_has_ip6(struct net_device *bond, const struct in6_addr *addr)
{
	struct netdev_nested_priv priv = { .data = (void *)addr };
	bool ret;

	if (rb_upper_has_ip6(bond, &priv))
		return true;
	rcu_read_lock();
	ret = netdev_walk_all_upper_dev_rcu(bond, rb_upper_has_ip6, &priv);
	rcu_read_unlock();
	return ret;
}

/*
 * The checks and reads of bond_na_rcv(): @skb is an IPv6 neighbour
 * solicitation or advertisement for this host; its source and destination.
 */
bool rb_skb_nd(const struct sk_buff *skb, struct in6_addr *saddr,
	       struct in6_addr *daddr)
{
	struct {
		struct ipv6hdr ip6;
		struct icmp6hdr icmp6;
	} *combined, _combined;

	if (skb->protocol != htons(ETH_P_IPV6) || !ipv6_mod_enabled() ||
	    skb->pkt_type == PACKET_OTHERHOST ||
	    skb->pkt_type == PACKET_LOOPBACK)
		return false;
	combined = skb_header_pointer(skb, 0, sizeof(_combined), &_combined);
	if (!combined || combined->ip6.nexthdr != NEXTHDR_ICMP ||
	    (combined->icmp6.icmp6_type != NDISC_NEIGHBOUR_SOLICITATION &&
	     combined->icmp6.icmp6_type != NDISC_NEIGHBOUR_ADVERTISEMENT))
		return false;
	*saddr = combined->ip6.saddr;
	*daddr = combined->ip6.daddr;
	return true;
}

/*
 * slave_set_ns_maddrs() for one target: @port joins (or leaves) the
 * link-layer group of @target's solicited-node address, so that a backup
 * hears the active port's solicitations.
 */
void rb_ns_maddr(struct net_device *port, const struct in6_addr *target,
		 bool join)
{
	char mac[MAX_ADDR_LEN];
	struct in6_addr mcaddr;

	addrconf_addr_solict_mult(target, &mcaddr);
	if (ndisc_mc_map(&mcaddr, mac, port, 0))
		return;
	if (join)
		dev_mc_add(port, mac);
	else
		dev_mc_del(port, mac);
}

#else /* !CONFIG_IPV6: no NS monitor */
bool rb_ns_probe(struct net_device *bond, struct net_device *port,
		 const struct in6_addr *target, bool validate)
{
	return false;
}

bool rb_bond_has_ip6(struct net_device *bond, const struct in6_addr *addr)
{
	return false;
}

bool rb_skb_nd(const struct sk_buff *skb, struct in6_addr *saddr,
	       struct in6_addr *daddr)
{
	return false;
}

void rb_ns_maddr(struct net_device *port, const struct in6_addr *target,
		 bool join)
{
}
#endif

/* skb->protocol sits in a struct_group bindgen does not name. */
u16 rb_skb_protocol(const struct sk_buff *skb)
{
	return ntohs(skb->protocol);
}

unsigned long rb_jiffies(void)
{
	return jiffies;
}
