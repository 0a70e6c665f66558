// SPDX-License-Identifier: GPL-2.0

//! What the ARP monitor needs of the kernel: the clock it counts in
//! (jiffies), ARP requests out of a port as bonding.ko builds them, and the
//! addresses of an ARP frame a port received (`sys/probes.c`).

use super::netdev::{MacAddr, NetDevice};
use super::rtnl::RtnlHeld;
use super::rx::RxSkb;
use crate::sys;
use kernel::error::Result;

/// An IPv4 address as the kernel keeps it (network byte order in a `u32`'s
/// memory: `__be32`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ipv4(pub(crate) u32);

impl Ipv4 {
    /// From the four bytes `a.b.c.d`.
    pub(crate) fn from_octets(o: [u8; 4]) -> Self {
        Self(u32::from_ne_bytes(o))
    }

    pub(crate) fn octets(self) -> [u8; 4] {
        self.0.to_ne_bytes()
    }

    pub(crate) fn is_unset(self) -> bool {
        self.0 == 0
    }
}

/// An IPv6 address (`struct in6_addr`), bytes in network order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ipv6(pub(crate) [u8; 16]);

impl Ipv6 {
    /// `::`.
    pub(crate) fn is_unset(&self) -> bool {
        self.0 == [0; 16]
    }

    /// `ff02::1`.
    pub(crate) fn is_all_nodes(&self) -> bool {
        self.0 == [0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    }

    /// Its solicited-node multicast address (`addrconf_addr_solict_mult()`):
    /// ff02::1:ff and its last 24 bits.
    pub(crate) fn solicited_node(&self) -> Ipv6 {
        let mut m = [0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 0];
        m[13..].copy_from_slice(&self.0[13..]);
        Ipv6(m)
    }

    fn raw(&self) -> sys::in6_addr {
        sys::in6_addr {
            in6_u: sys::in6_addr__bindgen_ty_1 { u6_addr8: self.0 },
        }
    }

    fn from_raw(a: &sys::in6_addr) -> Self {
        // SAFETY: Every bit pattern of the union is a valid byte array.
        Self(unsafe { a.in6_u.u6_addr8 })
    }
}

/// As `%pI6c` prints it.
impl core::fmt::Display for Ipv6 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        crate::bond_core::text::fmt_ipv6_compressed(&self.0, f)
    }
}

super::compat::kernel_display!(Ipv6);

/// As `%pI4` prints it.
impl core::fmt::Display for Ipv4 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let [a, b, c, d] = self.octets();
        write!(f, "{a}.{b}.{c}.{d}")
    }
}

super::compat::kernel_display!(Ipv4);

/// The kernel's clock tick counter.
pub(crate) fn jiffies() -> usize {
    // SAFETY: Reads a counter; callable in any context.
    unsafe { sys::rb_jiffies() as usize }
}

/// `msecs_to_jiffies()`.
pub(crate) fn ms_to_jiffies(ms: u32) -> usize {
    // SAFETY: A pure conversion.
    unsafe { sys::msecs_to_jiffies(ms) as usize }
}

/// `time_in_range(now, from, to)` of the kernel, wrap-around safe.
pub(crate) fn time_in_range(now: usize, from: usize, to: usize) -> bool {
    now.wrapping_sub(from) as isize >= 0 && to.wrapping_sub(now) as isize >= 0
}

/// `time_after(a, b)`: `a` is later than `b`.
pub(crate) fn time_after(a: usize, b: usize) -> bool {
    (b.wrapping_sub(a) as isize) < 0
}

/// Sends an ARP request for `target` out of `port`, a port of `bond`, as
/// `bond_arp_send_all()` does for one target: through the VLANs between
/// the bond and the device the route to `target` leaves through, from that
/// device's address. `validate` (probes are validated) adds a warning,
/// once, when there is no route. Returns whether a frame went out.
pub(crate) fn probe(bond: &NetDevice, port: &NetDevice, target: Ipv4, validate: bool) -> bool {
    // SAFETY: Both devices are live (the caller's references); the helper
    // may sleep nowhere and is called from process context.
    unsafe { sys::rb_arp_probe(bond.as_raw(), port.as_raw(), target.0, validate) }
}

/// Sends a neighbour solicitation for `target` out of `port`, as
/// `bond_ns_send_all()` does for one target (see [`probe`]).
pub(crate) fn probe6(bond: &NetDevice, port: &NetDevice, target: &Ipv6, validate: bool) -> bool {
    let t = target.raw();
    // SAFETY: Both devices are live; `t` is a valid address for the call.
    unsafe { sys::rb_ns_probe(bond.as_raw(), port.as_raw(), &t, validate) }
}

/// Whether `addr` is an address of `bond` or of a device above it
/// (`bond_has_this_ip6()`).
pub(crate) fn bond_has_ip6(bond: &NetDevice, addr: &Ipv6) -> bool {
    let a = addr.raw();
    // SAFETY: `bond` is live; the helper takes the RCU read lock itself.
    unsafe { sys::rb_bond_has_ip6(bond.as_raw(), &a) }
}

/// `port` joins (or leaves) the link-layer group of `target`'s
/// solicited-node address (`slave_set_ns_maddrs()`).
pub(crate) fn ns_group(port: &NetDevice, target: &Ipv6, join: bool, _rtnl: &RtnlHeld) {
    let t = target.raw();
    // SAFETY: `port` is live; RTNL is held, as `dev_mc_add()` wants.
    unsafe { sys::rb_ns_maddr(port.as_raw(), &t, join) }
}

/// Whether `ip` is an address of `bond` or of a device above it
/// (`bond_has_this_ip()`).
pub(crate) fn bond_has_ip(bond: &NetDevice, ip: Ipv4) -> bool {
    // SAFETY: `bond` is live; the helper takes the RCU read lock itself.
    unsafe { sys::rb_bond_has_ip(bond.as_raw(), ip.0) }
}

/// Sends the path monitor's probe for `target` out of `port` (a port of
/// `bond`): an RFC 5227 ARP probe from 0.0.0.0 and `src`, through the VLANs
/// the ARP monitor's would take. Returns whether a frame went out.
pub(crate) fn path_probe(bond: &NetDevice, port: &NetDevice, target: Ipv4, src: &MacAddr) -> bool {
    // SAFETY: Both devices are live (the caller's references); `src` is a
    // 6-byte address; the helper neither sleeps nor allocates but with
    // GFP_ATOMIC (callable under the RCU read lock).
    unsafe { sys::rb_path_probe(bond.as_raw(), port.as_raw(), target.0, src.as_ptr()) }
}

/// The IPv6 twin of [`path_probe`]: a neighbour solicitation for `target`
/// from `src` and the link-local address derived from it.
pub(crate) fn path_probe6(
    bond: &NetDevice,
    port: &NetDevice,
    target: &Ipv6,
    src: &MacAddr,
) -> bool {
    let t = target.raw();
    // SAFETY: Both devices are live; `t` and `src` are valid for the call;
    // the helper does not sleep (as for `path_probe`).
    unsafe { sys::rb_path_probe6(bond.as_raw(), port.as_raw(), &t, src.as_ptr()) }
}

/// Sends balance-tlb's learning packets for `mac` out of `port` (a port of
/// `bond`): untagged, then for each VLAN right above `bond`, and unless
/// `strict` for each macvlan above it (`alb_send_learning_packets()`).
pub(crate) fn learning_packets(bond: &NetDevice, port: &NetDevice, mac: &MacAddr, strict: bool) {
    // SAFETY: Both devices are live (the caller's references); `mac` is a
    // 6-byte address; the helper takes the RCU read lock for its walk and
    // allocates with GFP_ATOMIC.
    unsafe { sys::rb_lb_learning_packets(bond.as_raw(), port.as_raw(), mac.as_ptr(), strict) }
}

/// Adds `mac` to (or removes it from) the addresses `port`'s filter
/// passes (`dev_uc_add()`/`dev_uc_del()`).
pub(crate) fn uc_addr(port: &NetDevice, mac: &MacAddr, add: bool, _rtnl: &RtnlHeld) -> Result {
    // SAFETY: `port` is live; `mac` is a 6-byte address; RTNL is held.
    kernel::error::to_result(unsafe { sys::rb_uc_addr(port.as_raw(), mac.as_ptr(), add) })
}

/// Who answered, in a received ARP reply or neighbour advertisement.
pub(crate) enum PathFrom {
    /// An ARP frame's sender address.
    V4(Ipv4),
    /// A neighbour advertisement's target.
    V6(Ipv6),
}

/// What a port learned from a received ARP frame.
pub(crate) struct ArpSeen {
    pub(crate) sender: Ipv4,
    pub(crate) target: Ipv4,
    pub(crate) reply: bool,
}

impl RxSkb {
    /// The Ethernet source and destination, VLAN id (0 untagged) and
    /// EtherType (host order).
    pub(crate) fn source(&self) -> (MacAddr, MacAddr, u16, u16) {
        let (mut src, mut dst) = ([0u8; 6], [0u8; 6]);
        let mut vid = 0u16;
        // SAFETY: A live skb with its MAC header set; the out pointers are
        // valid locals (6 bytes each for the addresses).
        let proto =
            unsafe { sys::rb_skb_src(self.as_raw(), src.as_mut_ptr(), dst.as_mut_ptr(), &mut vid) };
        (src, dst, vid, proto)
    }

    /// Who answered, if this is an ARP reply or a neighbour advertisement
    /// (whoever it is for).
    pub(crate) fn path_from(&self) -> Option<PathFrom> {
        let mut sip = 0u32;
        let mut s6 = Ipv6::default().raw();
        // SAFETY: The skb is live for the handler's call; the out pointers
        // are valid locals.
        match unsafe { sys::rb_skb_path(self.as_raw(), &mut sip, &mut s6) } {
            1 => Some(PathFrom::V4(Ipv4(sip))),
            2 => Some(PathFrom::V6(Ipv6::from_raw(&s6))),
            _ => None,
        }
    }

    /// The source and destination of an IPv6 neighbour solicitation or
    /// advertisement for this host (`bond_na_rcv()`'s checks).
    pub(crate) fn nd(&self) -> Option<(Ipv6, Ipv6)> {
        let mut s = Ipv6::default().raw();
        let mut d = Ipv6::default().raw();
        // SAFETY: The skb is live for the handler's call; the out pointers
        // are valid locals.
        let ok = unsafe { sys::rb_skb_nd(self.as_raw(), &mut s, &mut d) };
        ok.then(|| (Ipv6::from_raw(&s), Ipv6::from_raw(&d)))
    }

    /// The addresses of an Ethernet/IPv4 ARP frame for this host whose
    /// hardware addresses are `addr_len` bytes (`bond_arp_rcv()`'s checks).
    pub(crate) fn arp(&self, addr_len: u32) -> Option<ArpSeen> {
        let (mut sip, mut tip, mut reply) = (0u32, 0u32, false);
        // SAFETY: The skb is live for the handler's call; the out pointers
        // are valid locals.
        let ok =
            unsafe { sys::rb_skb_arp(self.as_raw(), addr_len, &mut sip, &mut tip, &mut reply) };
        ok.then_some(ArpSeen {
            sender: Ipv4(sip),
            target: Ipv4(tip),
            reply,
        })
    }
}
