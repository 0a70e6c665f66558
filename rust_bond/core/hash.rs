// SPDX-License-Identifier: GPL-2.0

//! The transmit hash of balance-xor (`xmit_hash_policy`), as bonding.ko's
//! `bond_xmit_hash()` computes it, so that a flow leaves by the same port
//! with either driver.

/// `xmit_hash_policy`'s values (`BOND_XMIT_POLICY_*`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Policy {
    Layer2 = 0,
    Layer34 = 1,
    Layer23 = 2,
    Encap23 = 3,
    Encap34 = 4,
    VlanSrcMac = 5,
}

impl Policy {
    /// The policy numbered `value` (the option table only stores these).
    pub(crate) fn from_value(value: u64) -> Policy {
        match value {
            1 => Policy::Layer34,
            2 => Policy::Layer23,
            3 => Policy::Encap23,
            4 => Policy::Encap34,
            5 => Policy::VlanSrcMac,
            _ => Policy::Layer2,
        }
    }

    fn layer34(self) -> bool {
        matches!(self, Policy::Layer34 | Policy::Encap34)
    }
}

/// The addresses, ports and ICMP fields of a frame, as the kernel's
/// `struct flow_keys` has them for bonding.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub(crate) struct Flow {
    /// `flow_get_u32_src()`: an IPv4 address as it lies in memory, or the
    /// 32-bit fold of an IPv6 one.
    pub(crate) src: u32,
    /// `flow_get_u32_dst()`.
    pub(crate) dst: u32,
    /// The transport ports as they lie in memory (`ports.ports`).
    pub(crate) ports: u32,
    /// ICMP type and code.
    pub(crate) icmp_type: u8,
    pub(crate) icmp_code: u8,
    /// The ICMP echo/timestamp id (1 for an id of 0), 0 for other types.
    pub(crate) icmp_id: u16,
}

impl Flow {
    /// `struct flow_dissector_key_icmp` read as a `u32`.
    fn icmp_word(&self) -> u32 {
        u32::from(self.icmp_type) | u32::from(self.icmp_code) << 8 | u32::from(self.icmp_id) << 16
    }
}

/// What the hash reads of a frame on transmit.
pub(crate) trait Frame {
    /// Copies the bytes at `off` from the start of the frame (its MAC
    /// header) into `buf`; false if the frame is shorter.
    fn read(&mut self, off: usize, buf: &mut [u8]) -> bool;
    /// `skb->protocol`, in host order.
    fn protocol(&self) -> u16;
    /// Where the network header starts.
    fn network_offset(&self) -> usize;
    /// The tag control information of an out-of-band VLAN tag, or 0.
    fn vlan_tci(&self) -> u16;
    /// The flow hash the stack computed over layer 4, if it did.
    fn l4_hash(&self) -> Option<u32>;
    /// The kernel's flow dissector with bonding's keys, through
    /// encapsulations (the encap policies).
    fn dissect(&mut self) -> Option<Flow>;
}

const ETH_P_IP: u16 = 0x0800;
const ETH_P_IPV6: u16 = 0x86dd;
const IPPROTO_ICMP: u8 = 1;
const IPPROTO_ICMPV6: u8 = 58;

/// `bond_xmit_hash()`.
pub(crate) fn xmit_hash(policy: Policy, f: &mut impl Frame) -> u32 {
    if policy == Policy::Encap34 {
        if let Some(h) = f.l4_hash() {
            return h;
        }
    }
    if policy == Policy::VlanSrcMac {
        return vlan_srcmac_hash(f);
    }
    let flow = match policy {
        Policy::Layer2 => None,
        Policy::Encap23 | Policy::Encap34 => f.dissect(),
        _ => flow_ip_icmp(f, policy.layer34()),
    };
    let Some(flow) = flow else {
        return eth_hash(f);
    };
    let mut hash = match policy {
        Policy::Layer23 | Policy::Encap23 => eth_hash(f),
        _ if flow.icmp_id != 0 => flow.icmp_word(),
        _ => flow.ports,
    };
    hash ^= flow.dst ^ flow.src;
    hash ^= hash >> 16;
    hash ^= hash >> 8;
    // bonding.ko drops the lowest bit: ports are often even.
    if policy.layer34() {
        hash >> 1
    } else {
        hash
    }
}

/// `bond_eth_hash()`: the last bytes of both MACs and the EtherType.
fn eth_hash(f: &mut impl Frame) -> u32 {
    let mut eth = [0u8; 14];
    if !f.read(0, &mut eth) {
        return 0;
    }
    u32::from(eth[5] ^ eth[11]) ^ u32::from(u16::from_be_bytes([eth[12], eth[13]]))
}

/// `bond_vlan_srcmac_hash()`.
fn vlan_srcmac_hash(f: &mut impl Frame) -> u32 {
    let mut eth = [0u8; 14];
    if !f.read(0, &mut eth) {
        return 0;
    }
    let vendor = u32::from_be_bytes([0, eth[6], eth[7], eth[8]]);
    let dev = u32::from_be_bytes([0, eth[9], eth[10], eth[11]]);
    u32::from(f.vlan_tci()) ^ vendor ^ dev
}

/// `bond_flow_dissect()` for the policies that parse the IP header
/// themselves: the addresses, the ports with `l34`, the ICMP fields, and
/// for an ICMP error the addresses and ports of the frame it quotes.
fn flow_ip_icmp(f: &mut impl Frame, l34: bool) -> Option<Flow> {
    let mut flow = Flow::default();
    let mut off = f.network_offset();
    let mut proto = None;
    flow_ip(f, &mut flow, &mut off, &mut proto, l34)?;
    let v6 = match proto {
        Some(IPPROTO_ICMP) => false,
        Some(IPPROTO_ICMPV6) => true,
        _ => return Some(flow),
    };
    // The ICMP and ICMPv6 headers are both 8 bytes.
    let mut ih = [0u8; 8];
    if f.read(off, &mut ih) {
        flow.icmp_type = ih[0];
        flow.icmp_code = ih[1];
        flow.icmp_id = if icmp_has_id(ih[0]) {
            match u16::from_be_bytes([ih[4], ih[5]]) {
                0 => 1,
                id => id,
            }
        } else {
            0
        };
    }
    let is_err = if v6 {
        icmpv6_is_err(flow.icmp_type)
    } else {
        icmp_is_err(flow.icmp_type)
    };
    if !is_err {
        return Some(flow);
    }
    off += ih.len();
    flow_ip(f, &mut flow, &mut off, &mut proto, l34)?;
    Some(flow)
}

/// `bond_flow_ip()`: reads the IPv4 or IPv6 header at `off`, moves `off`
/// past it, and sets `proto` (left as it was for a fragment).
fn flow_ip(
    f: &mut impl Frame,
    flow: &mut Flow,
    off: &mut usize,
    proto: &mut Option<u8>,
    l34: bool,
) -> Option<()> {
    match f.protocol() {
        ETH_P_IP => {
            let mut h = [0u8; 20];
            if !f.read(*off, &mut h) {
                return None;
            }
            flow.src = u32::from_ne_bytes([h[12], h[13], h[14], h[15]]);
            flow.dst = u32::from_ne_bytes([h[16], h[17], h[18], h[19]]);
            *off += usize::from(h[0] & 0xf) << 2;
            // ip_is_fragment(): more fragments, or an offset.
            if u16::from_be_bytes([h[6], h[7]]) & 0x3fff == 0 {
                *proto = Some(h[9]);
            }
        }
        ETH_P_IPV6 => {
            let mut h = [0u8; 40];
            if !f.read(*off, &mut h) {
                return None;
            }
            flow.src = fold_ipv6(&h[8..24]);
            flow.dst = fold_ipv6(&h[24..40]);
            *off += 40;
            *proto = Some(h[6]);
        }
        _ => return None,
    }
    if l34 {
        flow.ports = proto
            .and_then(ports_offset)
            .and_then(|p| {
                let mut b = [0u8; 4];
                f.read(*off + p, &mut b).then(|| u32::from_ne_bytes(b))
            })
            .unwrap_or(0);
    }
    Some(())
}

/// `ipv6_addr_hash()`: the four words of an address XORed.
fn fold_ipv6(a: &[u8]) -> u32 {
    a.chunks_exact(4)
        .map(|w| u32::from_ne_bytes([w[0], w[1], w[2], w[3]]))
        .fold(0, |x, w| x ^ w)
}

/// `proto_ports_offset()`: where the ports (or the SPI) are.
fn ports_offset(proto: u8) -> Option<usize> {
    match proto {
        // TCP, UDP, DCCP, ESP, SCTP, UDP-Lite.
        6 | 17 | 33 | 50 | 132 | 136 => Some(0),
        // AH's SPI.
        51 => Some(4),
        _ => None,
    }
}

/// The kernel's `icmp_has_id()`: the ICMP and ICMPv6 types together.
fn icmp_has_id(t: u8) -> bool {
    matches!(t, 0 | 8 | 13 | 14 | 128 | 129)
}

/// `icmp_is_err()`: unreachable, source quench, redirect, time exceeded,
/// parameter problem.
fn icmp_is_err(t: u8) -> bool {
    matches!(t, 3 | 4 | 5 | 11 | 12)
}

/// `icmpv6_is_err()`.
fn icmpv6_is_err(t: u8) -> bool {
    matches!(t, 1..=4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    struct Bytes {
        b: Vec<u8>,
        proto: u16,
        tci: u16,
        l4: Option<u32>,
    }

    impl Frame for Bytes {
        fn read(&mut self, off: usize, buf: &mut [u8]) -> bool {
            match self.b.get(off..off + buf.len()) {
                Some(s) => {
                    buf.copy_from_slice(s);
                    true
                }
                None => false,
            }
        }
        fn protocol(&self) -> u16 {
            self.proto
        }
        fn network_offset(&self) -> usize {
            14
        }
        fn vlan_tci(&self) -> u16 {
            self.tci
        }
        fn l4_hash(&self) -> Option<u32> {
            self.l4
        }
        fn dissect(&mut self) -> Option<Flow> {
            None
        }
    }

    const DST: [u8; 6] = [0x02, 0, 0, 0, 0, 0x10];
    const SRC: [u8; 6] = [0x52, 0x54, 0, 0x12, 0x34, 0x03];

    fn eth(proto: u16) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&DST);
        b.extend_from_slice(&SRC);
        b.extend_from_slice(&proto.to_be_bytes());
        b
    }

    /// An IPv4 frame from 10.0.0.1 to 10.0.0.2 of protocol `p`, and `l4`.
    fn ipv4(p: u8, frag: u16, l4: &[u8]) -> Bytes {
        let mut b = eth(ETH_P_IP);
        let len = (20 + l4.len()) as u16;
        b.extend_from_slice(&[0x45, 0]);
        b.extend_from_slice(&len.to_be_bytes());
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&frag.to_be_bytes());
        b.extend_from_slice(&[64, p, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        b.extend_from_slice(l4);
        Bytes {
            b,
            proto: ETH_P_IP,
            tci: 0,
            l4: None,
        }
    }

    fn h(p: Policy, f: &mut Bytes) -> u32 {
        xmit_hash(p, f)
    }

    fn fold(mut x: u32) -> u32 {
        x ^= x >> 16;
        x ^= x >> 8;
        x
    }

    #[test]
    fn layer2_is_the_macs_last_bytes_and_the_ethertype() {
        let mut f = ipv4(6, 0, &[0; 20]);
        assert_eq!(h(Policy::Layer2, &mut f), (0x10 ^ 0x03) ^ 0x0800);
        // Too short for an Ethernet header: 0.
        let mut f = Bytes {
            b: DST.to_vec(),
            proto: ETH_P_IP,
            tci: 0,
            l4: None,
        };
        assert_eq!(h(Policy::Layer2, &mut f), 0);
    }

    #[test]
    fn layer34_hashes_ports_and_addresses_and_drops_a_bit() {
        let mut f = ipv4(6, 0, &[0x30, 0x39, 0x00, 0x50, 0, 0, 0, 0]);
        let ports = u32::from_ne_bytes([0x30, 0x39, 0x00, 0x50]);
        let addrs = u32::from_ne_bytes([10, 0, 0, 1]) ^ u32::from_ne_bytes([10, 0, 0, 2]);
        assert_eq!(h(Policy::Layer34, &mut f), fold(ports ^ addrs) >> 1);
        // A fragment has no ports.
        let mut f = ipv4(6, 0x2000, &[0x30, 0x39, 0x00, 0x50]);
        assert_eq!(h(Policy::Layer34, &mut f), fold(addrs) >> 1);
        // AH: the SPI, 4 bytes in.
        let mut f = ipv4(51, 0, &[0, 0, 0, 0, 1, 2, 3, 4]);
        assert_eq!(
            h(Policy::Layer34, &mut f),
            fold(u32::from_ne_bytes([1, 2, 3, 4]) ^ addrs) >> 1
        );
        // Too short for the ports: 0 for them.
        let mut f = ipv4(17, 0, &[0x30]);
        assert_eq!(h(Policy::Layer34, &mut f), fold(addrs) >> 1);
    }

    #[test]
    fn layer23_hashes_macs_and_addresses() {
        let mut f = ipv4(6, 0, &[0x30, 0x39, 0x00, 0x50]);
        let addrs = u32::from_ne_bytes([10, 0, 0, 1]) ^ u32::from_ne_bytes([10, 0, 0, 2]);
        assert_eq!(
            h(Policy::Layer23, &mut f),
            fold(((0x10 ^ 0x03) ^ 0x0800) ^ addrs)
        );
        // Not IP: layer 2 alone.
        let mut f = Bytes {
            b: eth(0x0806),
            proto: 0x0806,
            tci: 0,
            l4: None,
        };
        f.b.extend_from_slice(&[0; 28]);
        assert_eq!(h(Policy::Layer23, &mut f), (0x10 ^ 0x03) ^ 0x0806);
    }

    #[test]
    fn icmp_echo_hashes_its_id_errors_the_quoted_flow() {
        let addrs = u32::from_ne_bytes([10, 0, 0, 1]) ^ u32::from_ne_bytes([10, 0, 0, 2]);
        // Echo request, id 0x1234.
        let mut f = ipv4(1, 0, &[8, 0, 0, 0, 0x12, 0x34, 0, 1]);
        assert_eq!(
            h(Policy::Layer34, &mut f),
            fold((8 | 0x1234 << 16) ^ addrs) >> 1
        );
        // Id 0 counts as 1.
        let mut f = ipv4(1, 0, &[0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(h(Policy::Layer34, &mut f), fold(1 << 16 ^ addrs) >> 1);
        // Port unreachable quoting UDP 10.0.0.2:53 -> 10.0.0.1:1000.
        let mut quoted = std::vec![3, 3, 0, 0, 0, 0, 0, 0];
        quoted.extend_from_slice(&[0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0]);
        quoted.extend_from_slice(&[10, 0, 0, 2, 10, 0, 0, 1]);
        quoted.extend_from_slice(&[0, 53, 0x03, 0xe8]);
        let mut f = ipv4(1, 0, &quoted);
        let ports = u32::from_ne_bytes([0, 53, 0x03, 0xe8]);
        assert_eq!(h(Policy::Layer34, &mut f), fold(ports ^ addrs) >> 1);
        // A truncated quote: layer 2.
        let mut f = ipv4(1, 0, &quoted[..12]);
        assert_eq!(h(Policy::Layer34, &mut f), (0x10 ^ 0x03) ^ 0x0800);
    }

    #[test]
    fn ipv6_folds_the_addresses() {
        let mut b = eth(ETH_P_IPV6);
        b.extend_from_slice(&[0x60, 0, 0, 0, 0, 8, 17, 64]);
        let src: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        let dst: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
        b.extend_from_slice(&src);
        b.extend_from_slice(&dst);
        b.extend_from_slice(&[0x04, 0xd2, 0x16, 0x2e, 0, 8, 0, 0]);
        let mut f = Bytes {
            b,
            proto: ETH_P_IPV6,
            tci: 0,
            l4: None,
        };
        let ports = u32::from_ne_bytes([0x04, 0xd2, 0x16, 0x2e]);
        assert_eq!(
            h(Policy::Layer34, &mut f),
            fold(ports ^ fold_ipv6(&src) ^ fold_ipv6(&dst)) >> 1
        );
        assert_eq!(
            fold_ipv6(&src) ^ fold_ipv6(&dst),
            u32::from_ne_bytes([0, 0, 0, 3])
        );
    }

    #[test]
    fn vlan_srcmac_and_encap34_with_a_stack_hash() {
        let mut f = ipv4(6, 0, &[0; 4]);
        f.tci = 0x2005;
        assert_eq!(h(Policy::VlanSrcMac, &mut f), 0x2005 ^ 0x525400 ^ 0x123403);
        f.l4 = Some(0xdead_beef);
        assert_eq!(h(Policy::Encap34, &mut f), 0xdead_beef);
        // Without a dissected flow, encap falls back to layer 2.
        f.l4 = None;
        assert_eq!(h(Policy::Encap23, &mut f), (0x10 ^ 0x03) ^ 0x0800);
    }

    #[test]
    fn policy_numbers_match_the_option_table() {
        for (i, p) in [
            Policy::Layer2,
            Policy::Layer34,
            Policy::Layer23,
            Policy::Encap23,
            Policy::Encap34,
            Policy::VlanSrcMac,
        ]
        .into_iter()
        .enumerate()
        {
            assert_eq!(Policy::from_value(i as u64), p);
            assert_eq!(p as usize, i);
        }
    }
}
