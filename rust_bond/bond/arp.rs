// SPDX-License-Identifier: GPL-2.0

//! The ARP monitor (`arp_interval`, `arp_ip_target`, `arp_validate`,
//! `arp_all_targets`, `arp_missed_max`), as bonding.ko's
//! `bond_loadbalance_arp_mon()` (balance-rr) and
//! `bond_activebackup_arp_mon()` (active-backup) run it: every interval
//! each port that should probe sends an ARP request to every target, and a
//! port whose last valid receive (or transmit) is too old goes down.
//!
//! As the MII monitor, it inspects without RTNL (the ports' clocks are
//! atomics the receive path writes) and takes RTNL only to commit a change.

use super::config::{Config, Values};
use super::device::{BondDev, MONITOR};
use super::failover::{select_active, set_carrier, should_notify_peers};
use super::port::{slave_log, Port};
use crate::bond_core::link::{LinkState, PortLink};
use crate::bond_core::options::{Mode, OptId};
use crate::kext::arp::{self, jiffies, ms_to_jiffies, time_after, time_in_range, Ipv4, Ipv6};
use crate::kext::netdev::{event, iff};
use crate::kext::print::{dev_err, dev_info};
use crate::kext::rcu::RcuGuard;
use crate::kext::rtnl::{self, RtnlHeld};
use crate::kext::rx::RxSkb;
use core::sync::atomic::{
    AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering::Relaxed,
};
use kernel::prelude::*;
use kernel::sync::Arc;

/// At most this many `arp_ip_target`s (`BOND_MAX_ARP_TARGETS`).
pub(crate) const MAX_TARGETS: usize = 16;

/// `arp_validate` bits (`BOND_ARP_VALIDATE_*`, `BOND_ARP_FILTER`): validate
/// on active ports, on backups; count only ARP (and NS) as traffic.
const VALIDATE_ACTIVE: u8 = 1 << 0;
const VALIDATE_BACKUP: u8 = 1 << 1;
const FILTER: u8 = 1 << 2;

const ETH_P_ARP: u16 = 0x0806;
const ETH_P_IPV6: u16 = 0x86dd;

/// A proposed link state: none.
const NO_CHANGE: u8 = u8::MAX;

/// A port's ARP monitor state, written without a lock by the receive path
/// and the monitor (bonding's `last_rx`, `last_tx`, `target_last_arp_rx`,
/// `last_link_up`, `link_new_state`), in jiffies.
pub(crate) struct PortArp {
    last_rx: AtomicUsize,
    last_tx: AtomicUsize,
    target_rx: [AtomicUsize; MAX_TARGETS],
    last_link_up: AtomicUsize,
    proposed: AtomicU8,
    /// The port the monitor tries while no port is active
    /// (`current_arp_slave`; at most one port of a bond has it).
    candidate: AtomicBool,
}

impl PortArp {
    /// A new port's clocks: nothing received or sent within the interval
    /// (`bond_enslave()`), up since now unless `down`.
    pub(crate) fn new(interval_ms: u32, down: bool) -> Self {
        let now = jiffies();
        let long_ago = now.wrapping_sub(ms_to_jiffies(interval_ms) + 1);
        Self {
            last_rx: AtomicUsize::new(long_ago),
            last_tx: AtomicUsize::new(long_ago),
            target_rx: core::array::from_fn(|_| AtomicUsize::new(long_ago)),
            last_link_up: AtomicUsize::new(if down { 0 } else { now }),
            proposed: AtomicU8::new(NO_CHANGE),
            candidate: AtomicBool::new(false),
        }
    }

    /// The port just became the active one, or came up.
    pub(crate) fn link_up_now(&self) {
        self.last_link_up.store(jiffies(), Relaxed);
    }

    fn last_tx(&self) -> usize {
        self.last_tx.load(Relaxed)
    }

    pub(crate) fn is_candidate(&self) -> bool {
        self.candidate.load(Relaxed)
    }

    pub(crate) fn set_candidate(&self, on: bool) {
        self.candidate.store(on, Relaxed);
    }
}

/// What the receive path and the monitor read of the bond's ARP options
/// (copies of the configuration's, published whenever it changes).
pub(crate) struct BondArp {
    interval: AtomicU32,
    validate: AtomicU8,
    all_targets: AtomicBool,
    missed_max: AtomicU8,
    targets: [AtomicU32; MAX_TARGETS],
    /// `ns_ip6_target`, each in two halves.
    ns: [[AtomicU64; 2]; MAX_TARGETS],
}

impl BondArp {
    pub(crate) fn new(v: &Values) -> Self {
        let this = Self {
            interval: AtomicU32::new(0),
            validate: AtomicU8::new(0),
            all_targets: AtomicBool::new(false),
            missed_max: AtomicU8::new(2),
            targets: [const { AtomicU32::new(0) }; MAX_TARGETS],
            ns: [const { [const { AtomicU64::new(0) }; 2] }; MAX_TARGETS],
        };
        this.publish(v);
        this
    }

    /// Publishes the options of `v`.
    pub(crate) fn publish(&self, v: &Values) {
        let interval = u32::try_from(v.get(OptId::ArpInterval)).unwrap_or(u32::MAX);
        self.interval.store(interval, Relaxed);
        self.validate
            .store(v.get(OptId::ArpValidate) as u8, Relaxed);
        self.all_targets
            .store(v.get(OptId::ArpAllTargets) != 0, Relaxed);
        self.missed_max
            .store(v.get(OptId::ArpMissedMax) as u8, Relaxed);
        for (a, t) in self.targets.iter().zip(v.arp_targets().iter()) {
            a.store(*t, Relaxed);
        }
        for (a, t) in self.ns.iter().zip(v.ns_targets().iter()) {
            let (hi, lo) = t.split_at(8);
            a[0].store(u64::from_ne_bytes(hi.try_into().unwrap_or([0; 8])), Relaxed);
            a[1].store(u64::from_ne_bytes(lo.try_into().unwrap_or([0; 8])), Relaxed);
        }
    }

    /// `arp_interval` in ms; 0 when the ARP monitor is off.
    pub(crate) fn interval(&self) -> u32 {
        self.interval.load(Relaxed)
    }

    fn delta(&self) -> usize {
        ms_to_jiffies(self.interval())
    }

    /// `bond_time_in_interval()`: now is within `last` - delta and
    /// `last` + `n` * delta + delta / 2.
    fn in_interval(&self, last: usize, n: usize) -> bool {
        let d = self.delta();
        time_in_range(
            jiffies(),
            last.wrapping_sub(d),
            last.wrapping_add(n * d + d / 2),
        )
    }

    pub(crate) fn missed_max(&self) -> usize {
        usize::from(self.missed_max.load(Relaxed))
    }

    /// `arp_all_targets=all`.
    pub(crate) fn all_targets(&self) -> bool {
        self.all_targets.load(Relaxed)
    }

    /// Whether `v`'s targets differ from those published.
    pub(crate) fn targets_differ(&self, v: &Values) -> bool {
        let mut v4 = self.targets.iter().zip(v.arp_targets().iter());
        let mut v6 = self.ns.iter().zip(v.ns_targets().iter());
        v4.any(|(a, t)| a.load(Relaxed) != *t)
            || v6.any(|(a, t)| {
                let (hi, lo) = t.split_at(8);
                a[0].load(Relaxed).to_ne_bytes()[..] != *hi
                    || a[1].load(Relaxed).to_ne_bytes()[..] != *lo
            })
    }

    /// The targets, up to the first empty slot.
    pub(crate) fn targets(&self) -> impl Iterator<Item = Ipv4> + '_ {
        self.targets
            .iter()
            .map(|a| Ipv4(a.load(Relaxed)))
            .take_while(|t| !t.is_unset())
    }

    /// The NS targets, up to the first empty slot.
    pub(crate) fn ns_targets(&self) -> impl Iterator<Item = Ipv6> + '_ {
        self.ns
            .iter()
            .map(|a| {
                let mut t = [0u8; 16];
                t[..8].copy_from_slice(&a[0].load(Relaxed).to_ne_bytes());
                t[8..].copy_from_slice(&a[1].load(Relaxed).to_ne_bytes());
                Ipv6(t)
            })
            .take_while(|t| !t.is_unset())
    }

    /// `bond_get_targets_ip6()`: the slot of the NS target that is `a` or
    /// whose solicited-node address is `a` (so that a backup validates the
    /// active port's solicitations it hears).
    fn ns_index(&self, a: &Ipv6) -> Option<usize> {
        for (i, slot) in self.ns.iter().enumerate() {
            let mut t = [0u8; 16];
            t[..8].copy_from_slice(&slot[0].load(Relaxed).to_ne_bytes());
            t[8..].copy_from_slice(&slot[1].load(Relaxed).to_ne_bytes());
            let t = Ipv6(t);
            if t == *a || t.solicited_node() == *a {
                return Some(i);
            }
            if t.is_unset() {
                break;
            }
        }
        None
    }

    /// `slave_do_arp_validate()`: whether what `port` receives is validated.
    fn validates(&self, port: &Port) -> bool {
        let bit = if port.is_backup() {
            VALIDATE_BACKUP
        } else {
            VALIDATE_ACTIVE
        };
        self.validate.load(Relaxed) & bit != 0
    }

    /// `slave_last_rx()`: with `arp_all_targets=all`, the port's oldest
    /// answer among the ARP targets (whether or not it validates: without
    /// validation nothing sets those clocks but a target's addition, as in
    /// bonding.ko).
    fn last_rx(&self, port: &Port) -> usize {
        let a = &port.arp;
        if !self.all_targets.load(Relaxed) {
            return a.last_rx.load(Relaxed);
        }
        let mut oldest = a.target_rx[0].load(Relaxed);
        for (i, _) in self.targets().enumerate().skip(1) {
            let t = a.target_rx[i].load(Relaxed);
            if time_after(oldest, t) {
                oldest = t;
            }
        }
        oldest
    }

    /// `bond_validate_arp()`: an ARP from `sender` to `target` proves the
    /// path of `port` if `sender` is a target and `target` is ours.
    fn validate_arp(&self, bond: &BondDev, port: &Port, sender: Ipv4, target: Ipv4) {
        if sender.is_unset() || !arp::bond_has_ip(bond, target) {
            return;
        }
        let Some(i) = self.targets().position(|t| t == sender) else {
            return;
        };
        seen_target(port, i);
    }

    /// `bond_validate_na()`: a neighbour solicitation or advertisement from
    /// `sender` to `dest` proves the path of `port` if `sender` is an NS
    /// target and `dest` is all nodes or ours.
    fn validate_na(&self, bond: &BondDev, port: &Port, sender: &Ipv6, dest: &Ipv6) {
        if sender.is_unset() || (!dest.is_all_nodes() && !arp::bond_has_ip6(bond, dest)) {
            return;
        }
        let Some(i) = self.ns_index(sender) else {
            return;
        };
        seen_target(port, i);
    }
}

/// `port` heard from target `i` (of either list: bonding keeps one set of
/// clocks for both).
fn seen_target(port: &Port, i: usize) {
    let now = jiffies();
    port.arp.last_rx.store(now, Relaxed);
    port.arp.target_rx[i].store(now, Relaxed);
}

/// Records what `port` of `bond` received, for the ARP monitor
/// (`bond_rcv_validate()`). Runs in the receive path before a backup drops
/// the frame.
pub(crate) fn received(bond: &BondDev, port: &Port, skb: &RxSkb, rcu: &RcuGuard) {
    let b = bond.data();
    let a = &b.arp;
    if !a.validates(port) {
        let filter = a.validate.load(Relaxed) & FILTER != 0;
        if !filter || matches!(skb.protocol(), ETH_P_ARP | ETH_P_IPV6) {
            port.arp.last_rx.store(jiffies(), Relaxed);
        }
        return;
    }
    // Which ARP and NS frames are trusted (bond_arp_rcv(), bond_na_rcv()):
    // any on an active port; on a backup, the active port's requests seen
    // through the switch (sender and target swapped) once the active one
    // has heard a target since it became active; or, while a candidate is
    // being tried, an ARP reply (any NS or NA) to it, which the switch may
    // deliver to another port.
    let trust = |candidate_ok: bool| -> Option<bool> {
        if !port.is_backup() {
            return Some(false);
        }
        let sets = b.ports(rcu);
        if let Some(act) = sets.and_then(|s| s.active()) {
            if time_after(a.last_rx(act), act.arp.last_link_up.load(Relaxed)) {
                return Some(true);
            }
        }
        let candidate = sets.and_then(|s| s.all.iter().find(|p| p.arp.is_candidate()));
        candidate
            .filter(|c| candidate_ok && a.in_interval(c.arp.last_tx(), 1))
            .map(|_| false)
    };
    // Ethernet: rust_bond enslaves nothing else (6-byte addresses).
    if let Some(seen) = skb.arp(6) {
        match trust(seen.reply) {
            Some(false) => a.validate_arp(bond, port, seen.sender, seen.target),
            Some(true) => a.validate_arp(bond, port, seen.target, seen.sender),
            None => {}
        }
    } else if let Some((src, dst)) = skb.nd() {
        match trust(true) {
            Some(false) => a.validate_na(bond, port, &src, &dst),
            Some(true) => a.validate_na(bond, port, &dst, &src),
            None => {}
        }
    }
}

/// Sends a probe to every target, ARP and NS, out of `port`
/// (`bond_send_validate()`).
fn probe(bond: &BondDev, port: &Port) {
    let a = &bond.data().arp;
    let validate = a.validate.load(Relaxed) != 0;
    for t in a.targets() {
        if arp::probe(bond, &port.dev, t, validate) {
            port.arp.last_tx.store(jiffies(), Relaxed);
        }
    }
    for t in a.ns_targets() {
        if arp::probe6(bond, &port.dev, &t, validate) {
            port.arp.last_tx.store(jiffies(), Relaxed);
        }
    }
}

/// The monitor work while `arp_interval` is set (`bond_arp_monitor()`).
pub(crate) fn monitor(dev: &BondDev) {
    let bond = dev.data();
    let interval = bond.arp.interval();
    if interval == 0 {
        return;
    }
    let again = if bond.mode() == Mode::ActiveBackup {
        ab_monitor(dev)
    } else {
        lb_monitor(dev);
        None
    };
    if bond.arp.interval() > 0 {
        dev.schedule(MONITOR, again.unwrap_or(interval));
    }
}

/// `bond_loadbalance_arp_mon()`: every port that is up probes; a port that
/// sent and heard within the interval is up, one that did not within
/// `arp_missed_max` intervals is down.
fn lb_monitor(dev: &BondDev) {
    let bond = dev.data();
    let a = &bond.arp;
    let mut changed = false;
    {
        let rcu = RcuGuard::lock();
        let Some(sets) = bond.ports(&rcu) else {
            return;
        };
        for p in sets.all.iter() {
            let last_tx = p.arp.last_tx();
            let last_rx = p.arp.last_rx.load(Relaxed);
            let new = if p.link() != LinkState::Up {
                (a.in_interval(last_tx, 1) && a.in_interval(last_rx, 1)).then_some(LinkState::Up)
            } else {
                (!a.in_interval(last_tx, a.missed_max()) || !a.in_interval(last_rx, a.missed_max()))
                    .then_some(LinkState::Down)
            };
            p.arp
                .proposed
                .store(new.map_or(NO_CHANGE, LinkState::to_u8), Relaxed);
            changed |= new.is_some();
            if p.dev_up() {
                probe(dev, p);
            }
        }
    }
    if !changed {
        return;
    }
    // Busy: the next run proposes again.
    let Some(rtnl) = rtnl::try_lock() else {
        return;
    };
    if let Ok(mut cfg) = bond.lock_cfg(&rtnl) {
        lb_commit(dev, &mut cfg, &rtnl);
    }
}

/// Commits what [`lb_monitor`] proposed.
fn lb_commit(dev: &BondDev, cfg: &mut Config, rtnl: &RtnlHeld) {
    let bond = dev.data();
    let current = bond.active_port(rtnl);
    let (mut reselect, mut changed) = (false, false);
    for i in 0..cfg.slaves.len() {
        let port = cfg.slaves[i].port.clone();
        let proposed = port.arp.proposed.swap(NO_CHANGE, Relaxed);
        if proposed == NO_CHANGE {
            continue;
        }
        let new = LinkState::from_u8(proposed);
        let is_current = current.as_ref().is_some_and(|c| Arc::ptr_eq(c, &port));
        if new == LinkState::Up {
            if current.is_none() {
                slave_log!(dev_info, dev, port.dev, "link status definitely up\n");
                reselect = true;
            } else {
                slave_log!(dev_info, dev, port.dev, "interface is now up\n");
            }
        } else {
            let n = port.link_failure_count.load(Relaxed);
            port.link_failure_count.store(n.saturating_add(1), Relaxed);
            slave_log!(dev_info, dev, port.dev, "interface is now down\n");
            reselect |= is_current;
        }
        // The state alone: the port's event comes with its backup state.
        cfg.slaves[i].set_link_quietly(PortLink::new(new));
        changed = true;
    }
    if changed {
        // bond_slave_state_change(): every port that is up is active, every
        // port that is down a backup (it still delivers what it receives).
        for s in cfg.slaves.iter() {
            match s.link.state {
                LinkState::Up => s.port.set_backup_state(false, rtnl),
                LinkState::Down => s.port.set_backup_state(true, rtnl),
                _ => {}
            }
        }
    }
    if reselect {
        select_active(dev, cfg, rtnl);
    }
    set_carrier(dev, cfg);
    bond.update_tx(rtnl);
}

/// `bond_activebackup_arp_mon()`: inspect; commit under RTNL if a port
/// changes; then probe from the active port or, without one, from the
/// next candidate. Returns the delay to the next run if it is not the
/// interval.
fn ab_monitor(dev: &BondDev) -> Option<u32> {
    let bond = dev.data();
    // 6.12's bonding.ko decides on a peer notification before the commit
    // and spends the count only when it notifies; later ones decide after
    // it and spend one every tick.
    #[cfg(not(rb_peer_notify_after_commit))]
    let notify = bond.peer_notif_due();
    if ab_inspect(dev) {
        let Some(rtnl) = rtnl::try_lock() else {
            return Some(1);
        };
        let Ok(mut cfg) = bond.lock_cfg(&rtnl) else {
            return Some(1);
        };
        ab_commit(dev, &mut cfg, &rtnl);
    }
    #[cfg(rb_peer_notify_after_commit)]
    let notify = bond.peer_notif_pending();
    let lost = {
        let rcu = RcuGuard::lock();
        let sets = bond.ports(&rcu);
        if let (Some(a), Some(c)) = (
            sets.and_then(|s| s.active()),
            sets.and_then(|s| s.all.iter().find(|p| p.arp.is_candidate())),
        ) {
            dev_info!(
                dev,
                "PROBE: c_arp {} && cas {} BAD\n",
                c.dev.name(),
                a.dev.name()
            );
        }
        match bond.active(&rcu) {
            Some(p) => {
                probe(dev, p);
                false
            }
            None => sets.is_some_and(|s| !s.all.is_empty()),
        }
    };
    if !lost && !notify {
        return None;
    }
    // Trying the next port takes RTNL (bonding.ko changes the ports' state
    // under RCU only; rust_bond keeps it in the configuration): busy, the
    // next interval tries again.
    let Some(rtnl) = rtnl::try_lock() else {
        return (cfg!(rb_peer_notify_after_commit) && notify).then_some(1);
    };
    let Ok(mut cfg) = bond.lock_cfg(&rtnl) else {
        return None;
    };
    if bond.active_port(&rtnl).is_none() && !cfg.slaves.is_empty() {
        try_next(dev, &mut cfg, &rtnl);
    }
    if notify && cfg.send_peer_notif > 0 {
        let should = should_notify_peers(dev, &cfg);
        if should || cfg!(rb_peer_notify_after_commit) {
            cfg.send_peer_notif -= 1;
        }
        if should {
            dev.notify(event::NOTIFY_PEERS, &rtnl);
        }
    }
    None
}

/// `bond_ab_arp_inspect()`: proposes link changes from the ports' clocks;
/// returns whether any was proposed.
fn ab_inspect(dev: &BondDev) -> bool {
    let bond = dev.data();
    let a = &bond.arp;
    let rcu = RcuGuard::lock();
    let Some(sets) = bond.ports(&rcu) else {
        return false;
    };
    let trying = sets.all.iter().any(|p| p.arp.is_candidate());
    let mut commit = false;
    for p in sets.all.iter() {
        let last_rx = a.last_rx(p);
        let link = p.link();
        let new = if link != LinkState::Up {
            if a.in_interval(last_rx, 1) {
                Some(LinkState::Up)
            } else if link == LinkState::Back {
                Some(LinkState::Fail)
            } else {
                None
            }
        } else if a.in_interval(p.arp.last_link_up.load(Relaxed), 2) {
            // Two intervals after it came up or became active: its
            // clocks need a full round to be meaningful.
            None
        } else if p.is_backup() {
            // A backup is down once it heard nothing for missed_max + 1
            // intervals, unless a candidate is being tried (then only the
            // active port may go down).
            (!trying && !a.in_interval(last_rx, a.missed_max() + 1)).then_some(LinkState::Down)
        } else {
            // The active port: nothing sent or nothing heard for
            // missed_max intervals.
            (!a.in_interval(p.arp.last_tx(), a.missed_max())
                || !a.in_interval(last_rx, a.missed_max()))
            .then_some(LinkState::Down)
        };
        p.arp
            .proposed
            .store(new.map_or(NO_CHANGE, LinkState::to_u8), Relaxed);
        commit |= new.is_some();
    }
    commit
}

/// Stops trying the candidate port, if any.
fn clear_candidate(cfg: &mut Config) {
    for s in cfg.slaves.iter() {
        s.port.arp.set_candidate(false);
    }
}

/// `bond_ab_arp_commit()`.
fn ab_commit(dev: &BondDev, cfg: &mut Config, rtnl: &RtnlHeld) {
    let bond = dev.data();
    let all_active = cfg.values.all_slaves_active();
    let mut failover = false;
    for i in 0..cfg.slaves.len() {
        let port = cfg.slaves[i].port.clone();
        let proposed = port.arp.proposed.swap(NO_CHANGE, Relaxed);
        if proposed == NO_CHANGE {
            continue;
        }
        let current = bond.active_port(rtnl);
        let is_current = current.as_ref().is_some_and(|c| Arc::ptr_eq(c, &port));
        match LinkState::from_u8(proposed) {
            LinkState::Up => {
                if is_current {
                    continue;
                }
                cfg.slaves[i].set_link(PortLink::new(LinkState::Up), rtnl);
                let candidate = cfg
                    .slaves
                    .iter()
                    .find(|s| s.port.arp.is_candidate())
                    .map(|s| s.port.clone());
                if let Some(c) = candidate {
                    c.set_inactive_flags(all_active, rtnl);
                    clear_candidate(cfg);
                }
                slave_log!(dev_info, dev, port.dev, "link status definitely up\n");
                let primary = cfg.primary.as_ref().is_some_and(|p| Arc::ptr_eq(p, &port));
                if current.is_none()
                    || primary
                    || current.as_ref().is_some_and(|c| port.prio() > c.prio())
                {
                    failover = true;
                }
            }
            LinkState::Down => {
                let n = port.link_failure_count.load(Relaxed);
                port.link_failure_count.store(n.saturating_add(1), Relaxed);
                cfg.slaves[i].set_link(PortLink::new(LinkState::Down), rtnl);
                port.set_inactive_flags(all_active, rtnl);
                slave_log!(
                    dev_info,
                    dev,
                    port.dev,
                    "link status definitely down, disabling slave\n"
                );
                if is_current {
                    clear_candidate(cfg);
                    failover = true;
                }
            }
            LinkState::Fail => {
                cfg.slaves[i].set_link(PortLink::new(LinkState::Fail), rtnl);
                port.set_inactive_flags(all_active, rtnl);
                // A port just enslaved became the active one.
                if current.is_some() {
                    clear_candidate(cfg);
                }
            }
            LinkState::Back => slave_log!(
                dev_err,
                dev,
                port.dev,
                "impossible: link_new_state {} on slave\n",
                proposed
            ),
        }
    }
    if failover {
        select_active(dev, cfg, rtnl);
    }
    set_carrier(dev, cfg);
    bond.update_tx(rtnl);
}

/// No port is active: try the next one that is up after the current
/// candidate (bonding's `bond_ab_arp_probe()` without an active port). It
/// goes "back", delivers and probes; the next inspection decides.
fn try_next(dev: &BondDev, cfg: &mut Config, rtnl: &RtnlHeld) {
    let all_active = cfg.values.all_slaves_active();
    let n = cfg.slaves.len();
    let cur = cfg
        .slaves
        .iter()
        .position(|s| s.port.arp.is_candidate())
        .unwrap_or(0);
    let (mut before, mut next, mut found) = (None, None, false);
    for i in 0..n {
        let port = cfg.slaves[i].port.clone();
        let up = port.dev_up();
        if !found && before.is_none() && up {
            before = Some(i);
        }
        if found && next.is_none() && up {
            next = Some(i);
        }
        // Marked up but not: several ports failed at once and the
        // selection left this one as it was.
        if !up && cfg.slaves[i].link.state == LinkState::Up {
            cfg.slaves[i].set_link(PortLink::new(LinkState::Down), rtnl);
            let c = port.link_failure_count.load(Relaxed);
            port.link_failure_count.store(c.saturating_add(1), Relaxed);
            port.set_inactive_flags(all_active, rtnl);
            slave_log!(dev_info, dev, port.dev, "backup interface is now down\n");
        }
        if i == cur {
            found = true;
        }
    }
    let Some(i) = next.or(before) else {
        return;
    };
    let port = cfg.slaves[i].port.clone();
    cfg.slaves[i].set_link(PortLink::new(LinkState::Back), rtnl);
    port.set_active_flags(rtnl);
    probe(dev, &port);
    port.arp.link_up_now();
    clear_candidate(cfg);
    port.arp.set_candidate(true);
    dev.data().update_tx(rtnl);
}

/// A port leaves: no candidate any more (`bond_release()` clears
/// `current_arp_slave` whichever port leaves).
pub(crate) fn released(cfg: &mut Config) {
    clear_candidate(cfg);
}

/// Adds `target` (`bond_option_arp_ip_target_add()`): every port's clock
/// for the new slot starts now.
pub(crate) fn add_target(cfg: &mut Config, slot: usize, target: Ipv4) {
    let now = jiffies();
    for s in cfg.slaves.iter() {
        s.port.arp.target_rx[slot].store(now, Relaxed);
    }
    cfg.values.set_arp_target(slot, target.0);
}

/// Removes the target in `slot`, moving the later ones (and the ports'
/// clocks for them) down one slot.
pub(crate) fn remove_target(cfg: &mut Config, slot: usize) {
    let used = cfg
        .values
        .arp_targets()
        .iter()
        .take_while(|t| **t != 0)
        .count();
    for s in cfg.slaves.iter() {
        let rx = &s.port.arp.target_rx;
        for i in slot..used.saturating_sub(1) {
            rx[i].store(rx[i + 1].load(Relaxed), Relaxed);
        }
        if used > 0 {
            rx[used - 1].store(0, Relaxed);
        }
    }
    cfg.values.remove_arp_target(slot);
}

/// Empties the target list (`bond_option_arp_ip_targets_clear()`).
pub(crate) fn clear_targets(cfg: &mut Config) {
    for s in cfg.slaves.iter() {
        for t in &s.port.arp.target_rx {
            t.store(0, Relaxed);
        }
    }
    for i in 0..MAX_TARGETS {
        cfg.values.set_arp_target(i, 0);
    }
}

/// Empties the NS target list (`bond_option_ns_ip6_targets_clear()`):
/// the ports' clocks of every slot start over, as bonding's do.
pub(crate) fn clear_ns_targets(cfg: &mut Config) {
    for s in cfg.slaves.iter() {
        for t in &s.port.arp.target_rx {
            t.store(0, Relaxed);
        }
    }
    for i in 0..MAX_TARGETS {
        cfg.values.set_ns_target(i, [0; 16]);
    }
}

/// `bond_option_ns_ip6_targets_set()`: adds `t`, or says why not.
pub(crate) fn add_ns_target(dev: &BondDev, cfg: &mut Config, t: Ipv6) -> Result {
    // bond_is_ip6_target_ok(): not ::, not loopback, not multicast.
    let loopback = t.0[..15] == [0; 15] && t.0[15] == 1;
    if t.is_unset() || loopback || t.0[0] == 0xff {
        dev_err!(dev, "invalid NS target {} specified for addition\n", t);
        return Err(EINVAL);
    }
    let targets = cfg.values.ns_targets();
    if targets.contains(&t.0) {
        dev_err!(dev, "NS target {} is already present\n", t);
        return Err(EINVAL);
    }
    let Some(slot) = targets.iter().position(|x| *x == [0; 16]) else {
        dev_err!(dev, "NS target table is full!\n");
        return Err(EINVAL);
    };
    let now = jiffies();
    for s in cfg.slaves.iter() {
        s.port.arp.target_rx[slot].store(now, Relaxed);
    }
    cfg.values.set_ns_target(slot, t.0);
    Ok(())
}

/// The link-layer groups of the NS targets' solicited-node addresses a
/// port joined (so that a backup hears the active port's solicitations).
pub(crate) struct NsGroups {
    joined: [Ipv6; MAX_TARGETS],
    n: usize,
}

impl NsGroups {
    pub(crate) const fn new() -> Self {
        Self {
            joined: [Ipv6([0; 16]); MAX_TARGETS],
            n: 0,
        }
    }

    /// Makes `port` a member of exactly the groups of `want`.
    fn sync(&mut self, port: &Port, want: &[[u8; 16]], rtnl: &RtnlHeld) {
        let mut i = 0;
        while i < self.n {
            let t = self.joined[i];
            if want.contains(&t.0) {
                i += 1;
                continue;
            }
            arp::ns_group(&port.dev, &t, false, rtnl);
            self.n -= 1;
            self.joined[i] = self.joined[self.n];
        }
        for t in want.iter().map(|t| Ipv6(*t)) {
            if self.n < MAX_TARGETS && !self.joined[..self.n].contains(&t) {
                arp::ns_group(&port.dev, &t, true, rtnl);
                self.joined[self.n] = t;
                self.n += 1;
            }
        }
    }
}

/// Backups of an active-backup bond that validates join the groups of the
/// NS targets; every other port leaves them (bonding's
/// `bond_slave_ns_maddrs_add()`/`_del()`, kept exact at every change).
pub(crate) fn sync_ns_groups(cfg: &mut Config, rtnl: &RtnlHeld) {
    let validating = cfg.mode() == Mode::ActiveBackup && cfg.values.get(OptId::ArpValidate) != 0;
    let targets = *cfg.values.ns_targets();
    let used = targets.iter().take_while(|t| **t != [0; 16]).count();
    for s in cfg.slaves.iter_mut() {
        let join = validating && s.port.is_backup() && s.port.dev.flags() & iff::MULTICAST != 0;
        let want = if join { &targets[..used] } else { &[][..] };
        let port = s.port.clone();
        s.ns.sync(&port, want, rtnl);
    }
}

/// A port leaves: it leaves the groups too.
pub(crate) fn leave_ns_groups(port: &Port, groups: &mut NsGroups, rtnl: &RtnlHeld) {
    groups.sync(port, &[], rtnl);
}
