// SPDX-License-Identifier: GPL-2.0

//! rtnetlink: the link kind `bond` (`bond_netlink.c`). `ip link add/set
//! ... type bond OPTION VALUE ...` goes through the same option table,
//! checks, errors and log lines as sysfs ([`super::setopt`]),
//! with bonding.ko's extack messages; `ip -d link show` reports the
//! options and, for each port, its state.

use super::device::{BondDev, BondDriver, Shown};
use super::port::BondRx;
use super::setopt::{not_in_mode, set_option, Input};
use crate::bond_core::link::LinkState;
use crate::bond_core::options::{self, OptId};
use crate::kext::arp::Ipv6;
use crate::kext::compat::cstr_bytes;
use crate::kext::errno;
use crate::kext::link::{
    nla, policy, policy_range, total_size, Attr, Attrs, LinkDriver, Msg, Policy, PolicyTable, Range,
};
use crate::kext::netdev::{Device, ExtAck, NetDevice};
use crate::kext::print::{dev_err, dev_warn};

/// `NLA_F_NESTED`.
const NLA_F_NESTED: u32 = 1 << 15;
use crate::kext::rcu::RcuGuard;
use crate::kext::rtnl::RtnlHeld;
use crate::kext::rx::RxReg;
use crate::sys;
use kernel::c_str;
use kernel::prelude::*;
use kernel::str::{CStr, CString};

/// What an `IFLA_BOND_*` attribute sets.
#[derive(Clone, Copy)]
enum How {
    /// A number, checked against the option's table.
    Number(OptId),
    /// An interface index: the name of the device is the option's value.
    /// `active_slave` refuses a missing device (`ENODEV`), `primary`
    /// takes it as none.
    Ifindex(OptId),
    /// A nest of ARP targets, which replaces the list.
    Targets(OptId),
    /// A nest of NS targets (IPv6), which need the NS monitor.
    NsTargets,
    /// A MAC address.
    Mac(OptId),
    /// An 802.3ad option with no sysfs file (`coupled_control`, and after
    /// 6.12 `broadcast_neighbor` and `lacp_strict`): refused in every mode
    /// rust_bond runs, as bonding.ko's mode dependency does.
    AdOnly(&'static str),
}

/// How many of [`ATTRS`] the kernel has (two more after 6.12).
#[cfg(rb_bond_broadcast_neigh)]
const N_ATTRS: usize = 33;
#[cfg(not(rb_bond_broadcast_neigh))]
const N_ATTRS: usize = 31;

/// The attributes of `IFLA_INFO_DATA`, in the order `bond_changelink()`
/// applies them (an error stops the request there, earlier ones stay).
const ATTRS: [(u32, How); N_ATTRS] = {
    use How::*;
    [
        (sys::IFLA_BOND_MODE, Number(OptId::Mode)),
        (sys::IFLA_BOND_ACTIVE_SLAVE, Ifindex(OptId::ActiveSlave)),
        (sys::IFLA_BOND_MIIMON, Number(OptId::Miimon)),
        (sys::IFLA_BOND_UPDELAY, Number(OptId::Updelay)),
        (sys::IFLA_BOND_DOWNDELAY, Number(OptId::Downdelay)),
        (
            sys::IFLA_BOND_PEER_NOTIF_DELAY,
            Number(OptId::PeerNotifDelay),
        ),
        (sys::IFLA_BOND_USE_CARRIER, Number(OptId::UseCarrier)),
        (sys::IFLA_BOND_ARP_INTERVAL, Number(OptId::ArpInterval)),
        (sys::IFLA_BOND_ARP_IP_TARGET, Targets(OptId::ArpIpTarget)),
        (sys::IFLA_BOND_NS_IP6_TARGET, NsTargets),
        (sys::IFLA_BOND_ARP_VALIDATE, Number(OptId::ArpValidate)),
        (sys::IFLA_BOND_ARP_ALL_TARGETS, Number(OptId::ArpAllTargets)),
        (sys::IFLA_BOND_PRIMARY, Ifindex(OptId::Primary)),
        (
            sys::IFLA_BOND_PRIMARY_RESELECT,
            Number(OptId::PrimaryReselect),
        ),
        (sys::IFLA_BOND_FAIL_OVER_MAC, Number(OptId::FailOverMac)),
        (
            sys::IFLA_BOND_XMIT_HASH_POLICY,
            Number(OptId::XmitHashPolicy),
        ),
        (sys::IFLA_BOND_RESEND_IGMP, Number(OptId::ResendIgmp)),
        (sys::IFLA_BOND_NUM_PEER_NOTIF, Number(OptId::NumGratArp)),
        (
            sys::IFLA_BOND_ALL_SLAVES_ACTIVE,
            Number(OptId::AllSlavesActive),
        ),
        (sys::IFLA_BOND_MIN_LINKS, Number(OptId::MinLinks)),
        (sys::IFLA_BOND_LP_INTERVAL, Number(OptId::LpInterval)),
        (
            sys::IFLA_BOND_PACKETS_PER_SLAVE,
            Number(OptId::PacketsPerSlave),
        ),
        (sys::IFLA_BOND_AD_LACP_ACTIVE, Number(OptId::LacpActive)),
        (sys::IFLA_BOND_AD_LACP_RATE, Number(OptId::LacpRate)),
        (sys::IFLA_BOND_AD_SELECT, Number(OptId::AdSelect)),
        (
            sys::IFLA_BOND_AD_ACTOR_SYS_PRIO,
            Number(OptId::AdActorSysPrio),
        ),
        (
            sys::IFLA_BOND_AD_USER_PORT_KEY,
            Number(OptId::AdUserPortKey),
        ),
        (sys::IFLA_BOND_AD_ACTOR_SYSTEM, Mac(OptId::AdActorSystem)),
        (sys::IFLA_BOND_TLB_DYNAMIC_LB, Number(OptId::TlbDynamicLb)),
        (sys::IFLA_BOND_MISSED_MAX, Number(OptId::ArpMissedMax)),
        (sys::IFLA_BOND_COUPLED_CONTROL, AdOnly("coupled_control")),
        #[cfg(rb_bond_broadcast_neigh)]
        (sys::IFLA_BOND_BROADCAST_NEIGH, AdOnly("broadcast_neighbor")),
        #[cfg(rb_bond_broadcast_neigh)]
        (sys::IFLA_BOND_LACP_STRICT, AdOnly("lacp_strict")),
    ]
};

const BOND_MAX: usize = sys::__IFLA_BOND_MAX as usize - 1;
const SLAVE_MAX: usize = sys::__IFLA_BOND_SLAVE_MAX as usize - 1;

/// `delay_range` of bond_netlink.c: at most 300 s.
static DELAY_RANGE: Range = Range {
    min: 0,
    max: 300000,
};

/// `bond_policy`.
static POLICY: PolicyTable<{ BOND_MAX + 1 }> = PolicyTable({
    let mut p = [policy(0, 0); BOND_MAX + 1];
    let mut i = 0;
    while i < ATTRS.len() {
        let (attr, how) = ATTRS[i];
        p[attr as usize] = match how {
            How::Targets(_) | How::NsTargets => policy(nla::NESTED, 0),
            How::Mac(_) => policy(nla::BINARY, 6),
            How::Ifindex(_) => policy(nla::U32, 0),
            How::AdOnly(_) => policy(nla::U8, 0),
            How::Number(_) => policy(width(attr), 0),
        };
        i += 1;
    }
    p[sys::IFLA_BOND_AD_INFO as usize] = policy(nla::NESTED, 0);
    p[sys::IFLA_BOND_PEER_NOTIF_DELAY as usize] = policy_range(nla::U32, &DELAY_RANGE);
    p
});

/// The integer type of a numeric attribute, as `bond_policy` has it.
const fn width(attr: u32) -> u32 {
    match attr {
        sys::IFLA_BOND_MODE
        | sys::IFLA_BOND_USE_CARRIER
        | sys::IFLA_BOND_PRIMARY_RESELECT
        | sys::IFLA_BOND_FAIL_OVER_MAC
        | sys::IFLA_BOND_XMIT_HASH_POLICY
        | sys::IFLA_BOND_NUM_PEER_NOTIF
        | sys::IFLA_BOND_ALL_SLAVES_ACTIVE
        | sys::IFLA_BOND_AD_LACP_ACTIVE
        | sys::IFLA_BOND_AD_LACP_RATE
        | sys::IFLA_BOND_AD_SELECT
        | sys::IFLA_BOND_TLB_DYNAMIC_LB
        | sys::IFLA_BOND_MISSED_MAX => nla::U8,
        sys::IFLA_BOND_AD_ACTOR_SYS_PRIO | sys::IFLA_BOND_AD_USER_PORT_KEY => nla::U16,
        _ => nla::U32,
    }
}

/// `bond_slave_policy`.
static SLAVE_POLICY: PolicyTable<{ SLAVE_MAX + 1 }> = PolicyTable({
    let mut p = [policy(0, 0); SLAVE_MAX + 1];
    p[sys::IFLA_BOND_SLAVE_QUEUE_ID as usize] = policy(nla::U16, 0);
    p[sys::IFLA_BOND_SLAVE_PRIO as usize] = policy(nla::S32, 0);
    p[sys::IFLA_BOND_SLAVE_ACTOR_PORT_PRIO as usize] = policy(nla::U16, 0);
    p
});

/// Reads a numeric attribute with the width its policy gives it.
fn number(attr: u32, a: Attr<'_>) -> u64 {
    match width(attr) {
        nla::U8 => a.u8().into(),
        nla::U16 => a.u16().into(),
        _ => a.u32().into(),
    }
}

/// Returns `e` for attribute `a`, with the extack message bonding.ko gives
/// with that errno (`bond_opt_error_interpret()`), plus rust_bond's for
/// what it lacks.
fn refuse(e: Error, a: Attr<'_>, extack: &mut ExtAck) -> Error {
    let msg: &'static CStr = if e == EINVAL {
        c_str!("invalid option value")
    } else if e == EACCES {
        c_str!("option not supported in mode")
    } else if e == errno::ENOTEMPTY() {
        c_str!("unable to set option because the bond device has slaves")
    } else if e == EBUSY {
        c_str!("unable to set option because the bond is up")
    } else if e == ENODEV {
        c_str!("interface does not exist")
    } else if e == errno::EOPNOTSUPP() {
        c_str!("option not supported by rust_bond")
    } else {
        return e;
    };
    extack.set_msg_attr(msg, a);
    e
}

/// Applies one attribute.
fn apply(
    dev: &BondDev,
    attr: u32,
    how: How,
    a: Attr<'_>,
    miimon: u64,
    extack: &mut ExtAck,
    rtnl: &mut RtnlHeld,
) -> Result {
    let name;
    let (id, input) = match how {
        How::Number(id_) => {
            let v = number(attr, a);
            // bonding.ko after 6.12: use_carrier is always on.
            if cfg!(rb_use_carrier_obsolete) && id_ == OptId::UseCarrier {
                if v != 1 {
                    extack
                        .set_msg_attr(c_str!("option obsolete, use_carrier cannot be disabled"), a);
                    return Err(EINVAL);
                }
                return Ok(());
            }
            if v != 0
                && miimon != 0
                && matches!(
                    attr,
                    sys::IFLA_BOND_ARP_INTERVAL | sys::IFLA_BOND_ARP_VALIDATE
                )
            {
                extack.set_msg_attr(
                    if attr == sys::IFLA_BOND_ARP_INTERVAL {
                        c_str!("ARP monitoring cannot be used with MII monitoring")
                    } else {
                        c_str!("ARP validating cannot be used with MII monitoring")
                    },
                    a,
                );
                return Err(EINVAL);
            }
            (id_, Input::Value(v))
        }
        How::Ifindex(id_) => {
            let ifindex = a.u32();
            name = match dev.by_index(ifindex, rtnl) {
                Some(d) => Some(d.name()),
                None if ifindex != 0 && id_ == OptId::ActiveSlave => return Err(ENODEV),
                None => None,
            };
            (
                id_,
                Input::Text(name.as_ref().map_or(&b""[..], |n| n.as_bytes())),
            )
        }
        How::Targets(id_) => return set_arp_targets(dev, id_, a, extack, rtnl),
        How::NsTargets => return set_ns_targets(dev, a, extack, rtnl),
        How::Mac(id_) => {
            let m = a.payload();
            if m.len() != 6 {
                return Err(EINVAL);
            }
            let v = m.iter().fold(0u64, |acc, b| acc << 8 | u64::from(*b));
            (id_, Input::Value(v))
        }
        How::AdOnly(name) => {
            // Only in 802.3ad, which rust_bond has not: bonding.ko's
            // mode dependency error in every mode rust_bond runs.
            return Err(refuse(not_in_mode(dev, name), a, extack));
        }
    };
    set(dev, id, input, a, extack, rtnl)
}

/// The attributes nested in `payload` (`nla_for_each_nested()`): each
/// one's payload.
fn nested(mut payload: &[u8]) -> impl Iterator<Item = &[u8]> {
    core::iter::from_fn(move || {
        let len = usize::from(u16::from_ne_bytes([*payload.first()?, *payload.get(1)?]));
        if len < 4 || len > payload.len() {
            return None;
        }
        let data = &payload[4..len];
        payload = &payload[((len + 3) & !3).min(payload.len())..];
        Some(data)
    })
}

/// `IFLA_BOND_ARP_IP_TARGET`.
fn set_arp_targets(
    dev: &BondDev,
    id: OptId,
    a: Attr<'_>,
    extack: &mut ExtAck,
    rtnl: &mut RtnlHeld,
) -> Result {
    replace_targets::<4>(
        dev,
        a,
        extack,
        rtnl,
        "arp",
        None,
        super::arp::clear_targets,
        |cfg, t, rtnl| {
            let input = Input::Value(u64::from(u32::from_ne_bytes(t)));
            set_option(dev, cfg, options::get(id), input, rtnl)
        },
    )
}

/// `IFLA_BOND_NS_IP6_TARGET` (no sysfs file, in bonding.ko neither).
fn set_ns_targets(dev: &BondDev, a: Attr<'_>, extack: &mut ExtAck, rtnl: &mut RtnlHeld) -> Result {
    let short = Some(c_str!("Invalid IPv6 address"));
    replace_targets::<16>(
        dev,
        a,
        extack,
        rtnl,
        "ns",
        short,
        super::arp::clear_ns_targets,
        |cfg, t, _| {
            super::arp::add_ns_target(dev, cfg, Ipv6(t)).inspect_err(|_| {
                // bond_opt_error_interpret() of a value that is no number.
                dev_err!(dev, "option ns_ip6_target: invalid value ({})\n", u64::MAX);
            })
        },
    )
}

/// A target list over netlink, as `bond_changelink()` replaces it:
/// emptied, then the nest's `N`-byte addresses added one by one (an error
/// stops there; the ones before stay). An address too short fails at once
/// (with `short` in `extack`, if given).
#[allow(clippy::too_many_arguments)]
fn replace_targets<const N: usize>(
    dev: &BondDev,
    a: Attr<'_>,
    extack: &mut ExtAck,
    rtnl: &mut RtnlHeld,
    what: &str,
    short: Option<&'static CStr>,
    clear: fn(&mut super::config::Config),
    mut add: impl FnMut(&mut super::config::Config, [u8; N], &mut RtnlHeld) -> Result,
) -> Result {
    let mut cfg = dev.data().lock_cfg(rtnl)?;
    clear(&mut cfg);
    let mut added = 0;
    let mut r = Ok(());
    for t in nested(a.payload()) {
        let Ok(addr) = <[u8; N]>::try_from(t.get(..N).unwrap_or(&[])) else {
            super::arp::sync_ns_groups(&mut cfg, rtnl);
            if let Some(m) = short {
                extack.set_msg(m);
            }
            return Err(EINVAL);
        };
        r = add(&mut cfg, addr, rtnl);
        if r.is_err() {
            break;
        }
        added += 1;
    }
    if added == 0 && cfg.values.get(OptId::ArpInterval) > 0 {
        dev_warn!(dev, "Removing last {} target with arp_interval on\n", what);
    }
    super::arp::sync_ns_groups(&mut cfg, rtnl);
    drop(cfg);
    r.map_err(|e| refuse(e, a, extack))
}

/// Sets option `id` from attribute `a`, explaining a failure in `extack`.
fn set(
    dev: &BondDev,
    id: OptId,
    input: Input<'_>,
    a: Attr<'_>,
    extack: &mut ExtAck,
    rtnl: &mut RtnlHeld,
) -> Result {
    let mut cfg = dev.data().lock_cfg(rtnl)?;
    let r = set_option(dev, &mut cfg, options::get(id), input, rtnl);
    drop(cfg);
    r.map_err(|e| refuse(e, a, extack))
}

/// An attribute's room with a payload of `n` bytes (`nla_total_size()`).
const fn nla_total(n: usize) -> usize {
    (4 + n + 3) & !3
}

/// Writes `IFLA_INFO_DATA` (`bond_fill_info()`), from what the last
/// configuration change published.
fn fill(dev: &BondDev, shown: &Shown, msg: &mut Msg<'_>) -> Result {
    let v = &shown.values;
    let mode = v.mode();
    let u8_of = |id| v.get(id) as u8;
    let u32_of = |id| v.get(id) as u32;
    msg.put_u8(sys::IFLA_BOND_MODE, mode as u8)?;
    let active = {
        let rcu = RcuGuard::lock();
        dev.data().active_ifindex(&rcu)
    };
    if mode.uses_primary() && active != 0 {
        msg.put_u32(sys::IFLA_BOND_ACTIVE_SLAVE, active)?;
    }
    msg.put_u32(sys::IFLA_BOND_MIIMON, u32_of(OptId::Miimon))?;
    msg.put_u32(sys::IFLA_BOND_UPDELAY, v.delay_ms(OptId::Updelay) as u32)?;
    msg.put_u32(
        sys::IFLA_BOND_DOWNDELAY,
        v.delay_ms(OptId::Downdelay) as u32,
    )?;
    msg.put_u32(
        sys::IFLA_BOND_PEER_NOTIF_DELAY,
        v.delay_ms(OptId::PeerNotifDelay) as u32,
    )?;
    msg.put_u8(sys::IFLA_BOND_USE_CARRIER, u8_of(OptId::UseCarrier))?;
    msg.put_u32(sys::IFLA_BOND_ARP_INTERVAL, u32_of(OptId::ArpInterval))?;
    // A nest (without NLA_F_NESTED, as bonding.ko's) of the targets, each
    // typed by its slot; none, no nest.
    let mut nest = [0u8; 8 * super::arp::MAX_TARGETS];
    let mut len = 0;
    for (i, t) in v.arp_targets().iter().enumerate().filter(|(_, t)| **t != 0) {
        nest[len..len + 2].copy_from_slice(&8u16.to_ne_bytes());
        nest[len + 2..len + 4].copy_from_slice(&(i as u16).to_ne_bytes());
        nest[len + 4..len + 8].copy_from_slice(&t.to_ne_bytes());
        len += 8;
    }
    if len > 0 {
        msg.put(sys::IFLA_BOND_ARP_IP_TARGET, &nest[..len])?;
    }
    msg.put_u32(sys::IFLA_BOND_ARP_VALIDATE, u32_of(OptId::ArpValidate))?;
    msg.put_u32(sys::IFLA_BOND_ARP_ALL_TARGETS, u32_of(OptId::ArpAllTargets))?;
    // The NS targets, a nest with NLA_F_NESTED this time (as bonding.ko).
    let mut nest = [0u8; 20 * super::arp::MAX_TARGETS];
    let mut len = 0;
    for (i, t) in v
        .ns_targets()
        .iter()
        .enumerate()
        .filter(|(_, t)| **t != [0; 16])
    {
        nest[len..len + 2].copy_from_slice(&20u16.to_ne_bytes());
        nest[len + 2..len + 4].copy_from_slice(&(i as u16).to_ne_bytes());
        nest[len + 4..len + 20].copy_from_slice(t);
        len += 20;
    }
    if len > 0 {
        msg.put(sys::IFLA_BOND_NS_IP6_TARGET | NLA_F_NESTED, &nest[..len])?;
    }
    if let Some(p) = &shown.primary {
        msg.put_u32(sys::IFLA_BOND_PRIMARY, p.dev.ifindex())?;
    }
    msg.put_u8(
        sys::IFLA_BOND_PRIMARY_RESELECT,
        u8_of(OptId::PrimaryReselect),
    )?;
    msg.put_u8(sys::IFLA_BOND_FAIL_OVER_MAC, u8_of(OptId::FailOverMac))?;
    msg.put_u8(
        sys::IFLA_BOND_XMIT_HASH_POLICY,
        u8_of(OptId::XmitHashPolicy),
    )?;
    msg.put_u32(sys::IFLA_BOND_RESEND_IGMP, u32_of(OptId::ResendIgmp))?;
    msg.put_u8(sys::IFLA_BOND_NUM_PEER_NOTIF, u8_of(OptId::NumGratArp))?;
    msg.put_u8(
        sys::IFLA_BOND_ALL_SLAVES_ACTIVE,
        u8_of(OptId::AllSlavesActive),
    )?;
    msg.put_u32(sys::IFLA_BOND_MIN_LINKS, u32_of(OptId::MinLinks))?;
    msg.put_u32(sys::IFLA_BOND_LP_INTERVAL, u32_of(OptId::LpInterval))?;
    msg.put_u32(
        sys::IFLA_BOND_PACKETS_PER_SLAVE,
        u32_of(OptId::PacketsPerSlave),
    )?;
    msg.put_u8(sys::IFLA_BOND_AD_LACP_ACTIVE, u8_of(OptId::LacpActive))?;
    msg.put_u8(sys::IFLA_BOND_AD_LACP_RATE, u8_of(OptId::LacpRate))?;
    msg.put_u8(sys::IFLA_BOND_AD_SELECT, u8_of(OptId::AdSelect))?;
    msg.put_u8(sys::IFLA_BOND_TLB_DYNAMIC_LB, u8_of(OptId::TlbDynamicLb))?;
    msg.put_u8(sys::IFLA_BOND_MISSED_MAX, u8_of(OptId::ArpMissedMax))?;
    // The 802.3ad options' defaults, as 802.3ad is never in use.
    msg.put_u8(sys::IFLA_BOND_COUPLED_CONTROL, 1)?;
    #[cfg(rb_bond_broadcast_neigh)]
    {
        msg.put_u8(sys::IFLA_BOND_BROADCAST_NEIGH, 0)?;
        msg.put_u8(sys::IFLA_BOND_LACP_STRICT, 0)?;
    }
    Ok(())
}

/// The kind's registration (see `super::RustBond`).
pub(crate) static LINK_OPS: crate::kext::link::LinkOps<BondDriver> =
    crate::kext::link::LinkOps::new();

impl LinkDriver for BondDriver {
    const KIND: &'static CStr = c_str!("bond");
    const POLICY: &'static [Policy] = &POLICY.0;
    const SLAVE_POLICY: &'static [Policy] = &SLAVE_POLICY.0;
    // What `fill` writes: 16 u8 or u32 attributes at most of 8 bytes each
    // and 12 one-byte ones, rounded up generously as bond_get_size() does,
    // plus the two target nests (16 IPv4 and 16 IPv6 addresses at most).
    const INFO_SIZE: usize =
        34 * total_size(4) + nla_total(16 * total_size(4)) + nla_total(16 * total_size(16));
    const SLAVE_INFO_SIZE: usize =
        3 * total_size(1) + 2 * total_size(4) + total_size(2) + total_size(32);

    fn num_queues(rtnl: &RtnlHeld) -> u32 {
        super::tx_queues(rtnl)
    }

    fn new_data(rtnl: &RtnlHeld) -> Result<impl PinInit<Self::Data, Error>> {
        super::new_bond_data(rtnl)
    }

    fn created(dev: &Device<Self>, rtnl: &RtnlHeld) {
        super::device::created(dev, rtnl);
    }

    fn changelink(
        dev: &BondDev,
        data: &Attrs<'_>,
        extack: &mut ExtAck,
        rtnl: &mut RtnlHeld,
    ) -> Result {
        // bond_changelink() checks ARP against the miimon of the same
        // request, not the bond's.
        let miimon = data
            .get(sys::IFLA_BOND_MIIMON)
            .map_or(0, |a| u64::from(a.u32()));
        for (attr, how) in ATTRS {
            if let Some(a) = data.get(attr) {
                apply(dev, attr, how, a, miimon, extack, rtnl)?;
            }
        }
        Ok(())
    }

    fn fill_info(dev: &BondDev, msg: &mut Msg<'_>) -> Result {
        fill(dev, &dev.data().shown(), msg)
    }

    fn slave_changelink(
        dev: &BondDev,
        port: &NetDevice,
        data: &Attrs<'_>,
        extack: &mut ExtAck,
        rtnl: &mut RtnlHeld,
    ) -> Result {
        if let Some(a) = data.get(sys::IFLA_BOND_SLAVE_QUEUE_ID) {
            // "name:queue", as bond_slave_changelink() builds it.
            let text =
                CString::try_from_fmt(crate::kext::compat::fmt!("{}:{}", port.name(), a.u16()))?;
            let input = Input::Text(cstr_bytes(&text));
            set(dev, OptId::QueueId, input, a, extack, rtnl)?;
        }
        if let Some(a) = data.get(sys::IFLA_BOND_SLAVE_PRIO) {
            // bonding.ko checks the mode first (prio is for the modes that
            // select an active port).
            if !dev.data().mode().uses_primary() {
                return Err(refuse(not_in_mode(dev, "prio"), a, extack));
            }
            set_prio(dev, port, a.i32(), rtnl)?;
        }
        if let Some(a) = data.get(sys::IFLA_BOND_SLAVE_ACTOR_PORT_PRIO) {
            return Err(refuse(not_in_mode(dev, "actor_port_prio"), a, extack));
        }
        Ok(())
    }

    fn fill_slave_info(_dev: &BondDev, port: &NetDevice, msg: &mut Msg<'_>) -> Result {
        let rcu = RcuGuard::lock();
        let Some(p) = RxReg::<BondRx>::port_rcu(port, &rcu) else {
            return Ok(());
        };
        msg.put_u8(sys::IFLA_BOND_SLAVE_STATE, u8::from(p.is_backup()))?;
        msg.put_u8(
            sys::IFLA_BOND_SLAVE_MII_STATUS,
            match p.link() {
                LinkState::Up => 0,
                LinkState::Fail => 1,
                LinkState::Down => 2,
                LinkState::Back => 3,
            },
        )?;
        msg.put_u32(
            sys::IFLA_BOND_SLAVE_LINK_FAILURE_COUNT,
            p.link_failure_count
                .load(core::sync::atomic::Ordering::Relaxed),
        )?;
        msg.put(sys::IFLA_BOND_SLAVE_PERM_HWADDR, &p.perm_addr)?;
        msg.put_u16(sys::IFLA_BOND_SLAVE_QUEUE_ID, 0)?;
        msg.put_i32(sys::IFLA_BOND_SLAVE_PRIO, p.prio())
    }
}

/// `bond_option_prio_set()`: the port's priority; the active port is
/// chosen again unless a primary decides.
fn set_prio(dev: &BondDev, port: &NetDevice, prio: i32, rtnl: &RtnlHeld) -> Result {
    let mut cfg = dev.data().lock_cfg(rtnl)?;
    let Some(i) = cfg.slaves.iter().position(|s| s.port.dev.is(port)) else {
        return Err(ENODEV);
    };
    let p = cfg.slaves[i].port.clone();
    p.set_prio(prio);
    if cfg.primary.is_some() {
        super::port::slave_log!(
            dev_warn,
            dev,
            port,
            "prio updated, but will not affect failover re-selection as primary slave have been set\n"
        );
    } else {
        super::failover::select_active(dev, &mut cfg, rtnl);
    }
    Ok(())
}
