// SPDX-License-Identifier: GPL-2.0
/*
 * What balance-xor's transmit hash reads of a frame (the hash itself is
 * rust_bond/core/hash.rs): bytes at an offset, the VLAN tag and the
 * stack's flow hash, and for the encap policies the kernel's flow
 * dissector with bonding.ko's own keys (flow_keys_bonding in
 * bond_main.c), a table that is initialised once at load.
 */
#include <linux/skbuff.h>
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/ipv6.h>
#include <net/ndisc.h>
#include <net/flow_dissector.h>
#include <net/sch_generic.h>
#include "helpers.h"

static const struct flow_dissector_key rb_bonding_keys[] = {
	{ .key_id = FLOW_DISSECTOR_KEY_CONTROL, .offset = offsetof(struct flow_keys, control) },
	{ .key_id = FLOW_DISSECTOR_KEY_BASIC, .offset = offsetof(struct flow_keys, basic) },
	{ .key_id = FLOW_DISSECTOR_KEY_IPV4_ADDRS, .offset = offsetof(struct flow_keys, addrs.v4addrs) },
	{ .key_id = FLOW_DISSECTOR_KEY_IPV6_ADDRS, .offset = offsetof(struct flow_keys, addrs.v6addrs) },
	{ .key_id = FLOW_DISSECTOR_KEY_TIPC, .offset = offsetof(struct flow_keys, addrs.tipckey) },
	{ .key_id = FLOW_DISSECTOR_KEY_PORTS, .offset = offsetof(struct flow_keys, ports) },
	{ .key_id = FLOW_DISSECTOR_KEY_ICMP, .offset = offsetof(struct flow_keys, icmp) },
	{ .key_id = FLOW_DISSECTOR_KEY_VLAN, .offset = offsetof(struct flow_keys, vlan) },
	{ .key_id = FLOW_DISSECTOR_KEY_FLOW_LABEL, .offset = offsetof(struct flow_keys, tags) },
	{ .key_id = FLOW_DISSECTOR_KEY_GRE_KEYID, .offset = offsetof(struct flow_keys, keyid) },
};

static struct flow_dissector rb_flow_keys_bonding __read_mostly;

void rb_flow_init(void)
{
	skb_flow_dissector_init(&rb_flow_keys_bonding, rb_bonding_keys,
				ARRAY_SIZE(rb_bonding_keys));
}

bool rb_skb_read(const struct sk_buff *skb, int off, int len, void *buf)
{
	const void *p = skb_header_pointer(skb, off, len, buf);

	if (!p)
		return false;
	if (p != buf)
		memcpy(buf, p, len);
	return true;
}

u16 rb_skb_vlan_tci(const struct sk_buff *skb)
{
	return skb_vlan_tag_present(skb) ? skb_vlan_tag_get(skb) : 0;
}

bool rb_skb_l4_hash(const struct sk_buff *skb, u32 *hash)
{
	if (!skb->l4_hash)
		return false;
	*hash = skb->hash;
	return true;
}

/*
 * An upper device's queue selection overwrites skb->queue_mapping; the
 * value the frame came with is kept in the qdisc control block's field for
 * it and given back before the frame goes to a lower device
 * (bond_select_queue() and bond_dev_queue_xmit() in bonding.ko).
 */
void rb_skb_save_queue_mapping(struct sk_buff *skb)
{
	qdisc_skb_cb(skb)->slave_dev_queue_mapping = skb_get_queue_mapping(skb);
}

void rb_skb_restore_queue_mapping(struct sk_buff *skb)
{
	skb_set_queue_mapping(skb, qdisc_skb_cb(skb)->slave_dev_queue_mapping);
}

/* The receive queue recorded in the skb, or -1. */
int rb_skb_rx_queue(const struct sk_buff *skb)
{
	return skb_rx_queue_recorded(skb) ? skb_get_rx_queue(skb) : -1;
}

/* bond_flow_dissect() for encap2+3 and encap3+4, on transmit. */
bool rb_skb_dissect(struct sk_buff *skb, struct rb_flow *f)
{
	struct flow_keys fk;

	memset(&fk, 0, sizeof(fk));
	if (!__skb_flow_dissect(dev_net(skb->dev), skb, &rb_flow_keys_bonding, &fk, skb->data,
				skb->protocol, skb_network_offset(skb), skb_headlen(skb), 0))
		return false;
	f->src = (__force u32)flow_get_u32_src(&fk);
	f->dst = (__force u32)flow_get_u32_dst(&fk);
	f->ports = (__force u32)fk.ports.ports;
	f->icmp_type = fk.icmp.type;
	f->icmp_code = fk.icmp.code;
	f->icmp_id = fk.icmp.id;
	return true;
}

/* alb_determine_nd(): an IPv6 frame that is (or may be) ND. */
static bool rb_skb_is_nd(struct sk_buff *skb)
{
	const struct ipv6hdr *ip6hdr;
	const struct icmp6hdr *hdr;

	if (!pskb_network_may_pull(skb, sizeof(*ip6hdr)))
		return true;
	ip6hdr = ipv6_hdr(skb);
	if (ip6hdr->nexthdr != IPPROTO_ICMPV6)
		return false;
	if (!pskb_network_may_pull(skb, sizeof(*ip6hdr) + sizeof(*hdr)))
		return true;
	ip6hdr = ipv6_hdr(skb);
	hdr = (const struct icmp6hdr *)(ip6hdr + 1);
	return hdr->icmp6_type == NDISC_NEIGHBOUR_ADVERTISEMENT ||
	       hdr->icmp6_type == NDISC_NEIGHBOUR_SOLICITATION;
}

/*
 * Whether balance-tlb spreads the frame (bond_xmit_tlb_slave_get()):
 * unicast IPv4, and unicast IPv6 but neighbour discovery. The rest goes
 * out on the active port.
 */
bool rb_skb_tlb_balances(struct sk_buff *skb)
{
	if (is_multicast_ether_addr(skb_eth_hdr(skb)->h_dest))
		return false;
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		return true;
	case htons(ETH_P_IPV6):
		return !rb_skb_is_nd(skb);
	default:
		return false;
	}
}

/* bond_do_alb_xmit(): a frame leaving by a port other than the active one
 * carries that port's address as its source. -ENOMEM if the header could
 * not be made writable.
 */
int rb_skb_set_source(struct sk_buff *skb, const struct net_device *port)
{
	if (skb_cow_head(skb, 0))
		return -ENOMEM;
	ether_addr_copy(skb_eth_hdr(skb)->h_source, port->dev_addr);
	return 0;
}
