// SPDX-License-Identifier: GPL-2.0
/*
 * The ARP monitor's frames, as bonding.ko builds and reads them
 * (bond_arp_send_all(), bond_arp_rcv(), bond_has_this_ip(), and their NS
 * twins for IPv6 targets): which device
 * the route to a target leaves through, the VLAN tags between it and the
 * bond, the source address, the request itself; and the addresses of an
 * ARP frame a port received. When to probe and what a reply proves is the
 * driver's (rust_bond/bond/arp.rs). At the end, balance-tlb's learning
 * packets, which take the same way up through the VLANs.
 */
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/pkt_sched.h>
#include <linux/icmpv6.h>
#include <linux/ipv6.h>
#include <net/addrconf.h>
#include <net/arp.h>
#include <net/ip6_checksum.h>
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

/* bond_arp_send(): an ARP request from @src_hw (and @src). */
static bool rb_arp_send(struct net_device *port, __be32 dst, __be32 src,
			const u8 *src_hw, struct rb_vlan_tag *tags)
{
	struct sk_buff *skb;

	skb = arp_create(ARPOP_REQUEST, ETH_P_ARP, dst, port, src, NULL,
			 src_hw, NULL);
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
 * The route part of bond_arp_send_all() for @target: the device the route
 * leaves through (NULL without a route), and in @tags the VLANs between
 * @bond and it. Returns false if the route leaves through a device that is
 * not above the bond (nothing to send). *@rt is the route to put, if any.
 */
static bool rb_arp_path(struct net_device *bond, __be32 target,
			struct rb_vlan_tag *tags, struct rtable **rt)
{
	bool found;

	*rt = ip_route_output(dev_net(bond), target, 0, 0, 0, RT_SCOPE_LINK);
	if (IS_ERR(*rt)) {
		*rt = NULL;
		tags->proto = RB_NO_VLAN;
		return true;
	}
	if ((*rt)->dst.dev == bond) {
		tags->proto = RB_NO_VLAN;
		return true;
	}
	rcu_read_lock();
	found = rb_device_path(bond, (*rt)->dst.dev, tags, 0);
	rcu_read_unlock();
	if (!found) {
		ip_rt_put(*rt);
		*rt = NULL;
	}
	return found;
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
	__be32 addr;

	if (!rb_arp_path(bond, target, tags, &rt))
		return false;
	if (!rt) {
		if (validate)
			pr_warn_once("%s: no route to arp_ip_target %pI4 and arp_validate is set\n",
				     bond->name, &target);
		return rb_arp_send(port, target, 0, port->dev_addr, NULL);
	}
	addr = rb_confirm_addr(rt->dst.dev, target, 0);
	ip_rt_put(rt);
	return rb_arp_send(port, target, addr, port->dev_addr, tags);
}

/*
 * The path monitor's probe (rust_bond's own): an RFC 5227 ARP probe for
 * @target out of @port, from sender address 0.0.0.0 and hardware address
 * @src, through the same VLANs as rb_arp_probe(). No neighbour learns from
 * a sender of 0.0.0.0, and the switch learns only @src (the port's own
 * address), so neither the gateway's entry for the bond nor the switch's
 * for its MAC moves; the target answers to @src. Returns whether a frame
 * was sent.
 */
bool rb_path_probe(struct net_device *bond, struct net_device *port,
		   __be32 target, const u8 *src)
{
	struct rb_vlan_tag tags[RB_MAX_PATH + 1] = {};
	struct rtable *rt;

	if (!rb_arp_path(bond, target, tags, &rt))
		return false;
	if (rt)
		ip_rt_put(rt);
	return rb_arp_send(port, target, 0, src, tags);
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
 * The route part of bond_ns_send_all() for @target, as rb_arp_path():
 * *@dst is the route (NULL without one); @tags the VLANs between @bond
 * and its device. False: the route leaves through a device not above the
 * bond.
 */
static bool rb_ns_path(struct net_device *bond, const struct in6_addr *target,
		       struct rb_vlan_tag *tags, struct dst_entry **dst)
{
	struct flowi6 fl6 = { .daddr = *target };
	bool found;

	*dst = ip6_route_output(dev_net(bond), NULL, &fl6);
	if ((*dst)->error) {
		dst_release(*dst);
		*dst = NULL;
		tags->proto = RB_NO_VLAN;
		return true;
	}
	if ((*dst)->dev == bond) {
		tags->proto = RB_NO_VLAN;
		return true;
	}
	rcu_read_lock();
	found = rb_device_path(bond, (*dst)->dev, tags, 0);
	rcu_read_unlock();
	if (!found) {
		dst_release(*dst);
		*dst = NULL;
	}
	return found;
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
	struct dst_entry *dst;
	struct in6_addr saddr;
	bool sent;

	if (!ipv6_mod_enabled())
		return false;
	if (!rb_ns_path(bond, target, tags, &dst))
		return false;
	if (!dst) {
		if (validate)
			pr_warn_once("%s: no route to ns_ip6_target %pI6c and arp_validate is set\n",
				     bond->name, target);
		return rb_ns_send(port, target, &in6addr_any, NULL);
	}
	if (!ipv6_dev_get_saddr(dev_net(dst->dev), dst->dev, target, 0, &saddr))
		sent = rb_ns_send(port, target, &saddr, tags);
	else
		sent = rb_ns_send(port, target, &in6addr_any, tags);
	dst_release(dst);
	return sent;
}

/*
 * The path monitor's IPv6 probe (rust_bond's own): a neighbour solicitation
 * for @target out of @port, through the same VLANs as rb_ns_probe(), from
 * Ethernet address @src and the link-local address derived from it
 * (EUI-64), with @src as its source link-layer option. The target answers
 * to @src; the only neighbour entry it learns is that made-up address's,
 * never one of the bond's. (Not a duplicate address detection probe from
 * "::": the target would take one as a collision while its own address is
 * tentative.) Built here rather than by ndisc_send_skb(), which would take
 * the port's address (the bond's) as the Ethernet source. Returns whether a
 * frame was sent.
 */
bool rb_path_probe6(struct net_device *bond, struct net_device *port,
		    const struct in6_addr *target, const u8 *src)
{
	struct rb_vlan_tag tags[RB_MAX_PATH + 1] = {};
	int hlen = LL_RESERVED_SPACE(port);
	int len = sizeof(struct nd_msg) + 8;
	struct in6_addr mcaddr;
	struct dst_entry *dst;
	struct ipv6hdr *ip6;
	struct sk_buff *skb;
	struct nd_msg *msg;
	u8 dmac[ETH_ALEN];
	u8 *opt;

	if (!ipv6_mod_enabled() || !rb_ns_path(bond, target, tags, &dst))
		return false;
	if (dst)
		dst_release(dst);
	addrconf_addr_solict_mult(target, &mcaddr);
	ipv6_eth_mc_map(&mcaddr, dmac);
	skb = alloc_skb(hlen + sizeof(*ip6) + len + port->needed_tailroom,
			GFP_ATOMIC);
	if (!skb) {
		net_err_ratelimited("NS packet allocation failed\n");
		return false;
	}
	skb_reserve(skb, hlen);
	skb_reset_network_header(skb);
	ip6 = skb_put(skb, sizeof(*ip6));
	ip6_flow_hdr(ip6, 0, 0);
	ip6->payload_len = htons(len);
	ip6->nexthdr = IPPROTO_ICMPV6;
	ip6->hop_limit = 255;
	/* fe80::/64 and the EUI-64 of @src. */
	memset(&ip6->saddr, 0, sizeof(ip6->saddr));
	ip6->saddr.s6_addr[0] = 0xfe;
	ip6->saddr.s6_addr[1] = 0x80;
	memcpy(&ip6->saddr.s6_addr[8], src, 3);
	ip6->saddr.s6_addr[8] ^= 0x02;
	ip6->saddr.s6_addr[11] = 0xff;
	ip6->saddr.s6_addr[12] = 0xfe;
	memcpy(&ip6->saddr.s6_addr[13], src + 3, 3);
	ip6->daddr = mcaddr;
	skb_set_transport_header(skb, skb->len);
	msg = skb_put_zero(skb, len);
	msg->icmph.icmp6_type = NDISC_NEIGHBOUR_SOLICITATION;
	msg->target = *target;
	opt = (u8 *)(msg + 1);
	opt[0] = ND_OPT_SOURCE_LL_ADDR;
	opt[1] = 1;	/* in units of 8 bytes */
	memcpy(opt + 2, src, ETH_ALEN);
	msg->icmph.icmp6_cksum =
		csum_ipv6_magic(&ip6->saddr, &ip6->daddr, len, IPPROTO_ICMPV6,
				csum_partial(msg, len, 0));
	skb->protocol = htons(ETH_P_IPV6);
	skb->dev = port;
	if (dev_hard_header(skb, port, ETH_P_IPV6, dmac, src, skb->len) < 0) {
		kfree_skb(skb);
		return false;
	}
	skb_reset_mac_header(skb);
	if (!rb_put_tags(tags, skb))
		return false;
	dev_queue_xmit(skb);
	return true;
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

bool rb_path_probe6(struct net_device *bond, struct net_device *port,
		    const struct in6_addr *target, const u8 *src)
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

/*
 * What the path monitor reads of every frame a port receives: its Ethernet
 * source and destination in @src and @dst, and its VLAN id (0 untagged).
 * Returns the EtherType.
 */
u16 rb_skb_src(const struct sk_buff *skb, u8 *src, u8 *dst, u16 *vid)
{
	memcpy(src, eth_hdr(skb)->h_source, ETH_ALEN);
	memcpy(dst, eth_hdr(skb)->h_dest, ETH_ALEN);
	*vid = skb_vlan_tag_present(skb) ? skb_vlan_tag_get_id(skb) : 0;
	return ntohs(skb->protocol);
}

/*
 * Who answered, for the path monitor: an ARP reply's sender address (1, in
 * @sip), or a neighbour advertisement's target (2, in @s6); 0 for anything
 * else (requests prove nothing of the way back). Unlike rb_skb_arp(),
 * frames to another host count: the answer to a probe goes to the port's
 * own address, not the bond's.
 */
int rb_skb_path(const struct sk_buff *skb, __be32 *sip, struct in6_addr *s6)
{
	unsigned char buf[sizeof(struct arphdr) + 2 * (ETH_ALEN + 4)];
	const struct arphdr *arp;

	if (skb->pkt_type == PACKET_LOOPBACK)
		return 0;
	if (skb->protocol == htons(ETH_P_ARP)) {
		arp = skb_header_pointer(skb, 0, sizeof(buf), buf);
		if (!arp || arp->ar_hln != ETH_ALEN ||
		    arp->ar_hrd != htons(ARPHRD_ETHER) ||
		    arp->ar_pro != htons(ETH_P_IP) || arp->ar_pln != 4 ||
		    arp->ar_op != htons(ARPOP_REPLY))
			return 0;
		memcpy(sip, (const u8 *)(arp + 1) + ETH_ALEN, 4);
		return 1;
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (skb->protocol == htons(ETH_P_IPV6) && ipv6_mod_enabled()) {
		struct {
			struct ipv6hdr ip6;
			struct nd_msg nd;
		} *f, _f;

		f = skb_header_pointer(skb, 0, sizeof(_f), &_f);
		if (!f || f->ip6.nexthdr != NEXTHDR_ICMP)
			return 0;
		if (f->nd.icmph.icmp6_type == NDISC_NEIGHBOUR_ADVERTISEMENT) {
			*s6 = f->nd.target;
			return 2;
		}
	}
#endif
	return 0;
}

/* The port's filter passes (or no longer passes) frames to @mac. */
int rb_uc_addr(struct net_device *port, const u8 *mac, bool add)
{
	return add ? dev_uc_add(port, mac) : dev_uc_del(port, mac);
}

/* skb->protocol sits in a struct_group bindgen does not name. */
u16 rb_skb_protocol(const struct sk_buff *skb)
{
	return ntohs(skb->protocol);
}

unsigned long rb_jiffies(void)
{
	return jiffies;
}

/*
 * balance-tlb's learning packets (alb_send_lp_vid()): a frame from and to
 * @mac, of type ETH_P_LOOPBACK, that teaches the switch on @port's side
 * where @mac is.
 */
static void rb_lp_send(struct net_device *port, const u8 *mac, __be16 proto, u16 vid)
{
	struct {
		u8 dst[ETH_ALEN];
		u8 src[ETH_ALEN];
		__be16 type;
		u8 padding[ETH_ZLEN - ETH_HLEN];
	} __packed pkt = { .type = htons(ETH_P_LOOPBACK) };
	struct sk_buff *skb;

	memcpy(pkt.dst, mac, ETH_ALEN);
	memcpy(pkt.src, mac, ETH_ALEN);
	skb = dev_alloc_skb(sizeof(pkt));
	if (!skb)
		return;
	skb_put_data(skb, &pkt, sizeof(pkt));
	skb_reset_mac_header(skb);
	skb->network_header = skb->mac_header + ETH_HLEN;
	skb->protocol = pkt.type;
	skb->priority = TC_PRIO_CONTROL;
	skb->dev = port;
	if (vid)
		__vlan_hwaccel_put_tag(skb, proto, vid);
	dev_queue_xmit(skb);
}

struct rb_lp_walk {
	struct net_device *bond;
	struct net_device *port;
	const u8 *mac;
	bool strict;
};

/* alb_upper_dev_walk(). */
static int rb_lp_upper(struct net_device *upper, struct netdev_nested_priv *priv)
{
	struct rb_lp_walk *w = priv->data;

	if (is_vlan_dev(upper) && w->bond->lower_level == upper->lower_level - 1)
		rb_lp_send(w->port,
			   upper->addr_assign_type == NET_ADDR_STOLEN ? w->mac : upper->dev_addr,
			   vlan_dev_vlan_proto(upper), vlan_dev_vlan_id(upper));
	/* A macvlan only when not strict (the active port's), tagged with
	 * the VLAN, if any, just above the bond on its way up.
	 */
	if (netif_is_macvlan(upper) && !w->strict) {
		struct rb_vlan_tag tags[RB_MAX_PATH + 1] = {};

		if (!rb_device_path(w->bond, upper, tags, 0))
			return 0;
		rb_lp_send(w->port, upper->dev_addr, tags[0].proto, tags[0].id);
	}
	return 0;
}

/*
 * alb_send_learning_packets(): one untagged from @mac, one per VLAN right
 * above @bond (from the VLAN's own address unless it took the bond's), and
 * unless @strict one per macvlan above it.
 */
void rb_lb_learning_packets(struct net_device *bond, struct net_device *port, const u8 *mac,
			    bool strict)
{
	struct rb_lp_walk w = { .bond = bond, .port = port, .mac = mac, .strict = strict };
	struct netdev_nested_priv priv = { .data = &w };

	rb_lp_send(port, mac, 0, 0);
	rcu_read_lock();
	netdev_walk_all_upper_dev_rcu(bond, rb_lp_upper, &priv);
	rcu_read_unlock();
}
