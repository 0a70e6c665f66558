// SPDX-License-Identifier: GPL-2.0

//! rust_bond's path monitor (`path_interval`, `path_policy`; not in
//! bonding.ko): whether each port can still reach the targets of
//! `arp_ip_target` and `ns_ip6_target`, kept apart from its link state and
//! run alongside miimon, so that a carrier loss still fails over on the
//! event while a switch that lost its uplink is seen too.
//!
//! - Proof is passive first: an ARP reply from a target (its sender
//!   address) or a neighbour advertisement for one, and then any frame to
//!   the bond's address from the MAC address such an answer came from, on
//!   its VLAN. A port that carries traffic to and from the gateway sends
//!   no probe. Broadcasts and requests prove nothing (the way back may be
//!   dead).
//! - A port that heard nothing for half an interval probes at the next
//!   tick; a backup only every [`BACKUP_EVERY`] intervals, unless the
//!   active port's last probe went unanswered (then it probes as the
//!   active port does, to be ready to take over, or to show the target
//!   is gone for all). Probes come from the port's own address
//!   ([`probe_mac`]): an RFC 5227 ARP probe (sender 0.0.0.0), or a
//!   neighbour solicitation from the link-local address made of that MAC.
//!   Neither moves the gateway's neighbour entry for the bond nor the
//!   switch's entry for the bond's MAC; the answer comes back to that
//!   address, and counts for the port that owns it whichever port it
//!   arrives on (a static LAG may hash it to another).
//! - A port whose probe went unanswered for a tick is in doubt: the
//!   monitor runs every half interval until it is answered or found dead.
//!   A port whose last `arp_missed_max` probes to a target went
//!   unanswered has a dead path to it (counted in probes, not in time, so
//!   that a late tick on a busy host is no false alarm); the path is dead
//!   when every target's is (`arp_all_targets=all`: any target's).
//! - `path_policy=failover`: active-backup leaves an active port whose
//!   path died for a port with recent proof, passing over ports dead or in
//!   doubt; with none, it stays (a gateway gone for all ports moves
//!   nothing). A path coming back moves the bond only to the primary or a
//!   port of higher prio. balance-rr stops sending on a port whose path
//!   died while another's is not dead.

use super::config::{Config, Values};
use super::device::{BondDev, PATH};
use super::failover::select_active;
use super::port::{slave_log, Port, Slave};
use crate::bond_core::link::LinkState;
use crate::bond_core::options::{Mode, OptId};
use crate::kext::arp::{self, jiffies, ms_to_jiffies, PathFrom};
use crate::kext::netdev::MacAddr;
use crate::kext::print::{dev_info, dev_warn};
use crate::kext::rcu::RcuGuard;
use crate::kext::rtnl::{self, RtnlHeld};
use crate::kext::rx::RxSkb;
use core::sync::atomic::{
    AtomicBool, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering::Relaxed,
};
use kernel::sync::Arc;

use super::arp::MAX_TARGETS;

/// A backup with nothing to worry about probes once in this many
/// intervals.
pub(crate) const BACKUP_EVERY: usize = 10;

/// Target slots: the ARP targets, then the NS targets.
const SLOTS: usize = 2 * MAX_TARGETS;

const ETH_P_ARP: u16 = 0x0806;
const ETH_P_IPV6: u16 = 0x86dd;

pub(crate) use crate::bond_core::path::PathState;
use crate::bond_core::path::{probe_mac, verdict};

/// No proposed change.
const NO_CHANGE: u8 = u8::MAX;

/// A port's path monitor state, written without a lock by the receive
/// path (`rx`, `heard`) and the monitor.
pub(crate) struct PortPath {
    /// Per target slot, when the port last had proof of it (jiffies).
    rx: [AtomicUsize; SLOTS],
    /// Whether any proof came since the monitor (re)started on the port,
    /// or since its path was found dead.
    heard: AtomicBool,
    /// Per target slot, the probes sent since its last proof.
    unanswered: [AtomicU8; SLOTS],
    state: AtomicU8,
    proposed: AtomicU8,
    /// How many times the path died (`path_failure_count`).
    pub(crate) failures: AtomicU32,
    /// Probes sent (`path_probes`).
    pub(crate) probes: AtomicU64,
    /// The address probes come from ([`probe_mac`], packed by
    /// [`pack`]); 0 while the monitor is off.
    mac: AtomicU64,
    /// When the port last probed.
    last_probe: AtomicUsize,
    /// Its last probe was answered and its newest proof is recent enough
    /// for an active port: it may take over from one whose path died.
    fresh: AtomicBool,
    /// A probe of it went unanswered for a tick (not found dead yet).
    doubt: AtomicBool,
    /// The target list ([`BondPath::gen`]) its clocks are for.
    gen: AtomicU32,
}

impl PortPath {
    pub(crate) fn new() -> Self {
        let now = jiffies();
        Self {
            rx: core::array::from_fn(|_| AtomicUsize::new(now)),
            heard: AtomicBool::new(false),
            unanswered: [const { AtomicU8::new(0) }; SLOTS],
            state: AtomicU8::new(PathState::Unknown as u8),
            proposed: AtomicU8::new(NO_CHANGE),
            failures: AtomicU32::new(0),
            probes: AtomicU64::new(0),
            mac: AtomicU64::new(0),
            last_probe: AtomicUsize::new(now.wrapping_sub(usize::MAX / 4)),
            fresh: AtomicBool::new(false),
            doubt: AtomicBool::new(false),
            gen: AtomicU32::new(0),
        }
    }

    pub(crate) fn state(&self) -> PathState {
        PathState::from_u8(self.state.load(Relaxed))
    }

    /// Whether the path is known to be dead.
    pub(crate) fn is_down(&self) -> bool {
        self.state() == PathState::Down
    }

    /// Starts over: no verdict, and a full window before one.
    fn restart(&self, now: usize) {
        self.touch(now);
        self.heard.store(false, Relaxed);
        self.fresh.store(false, Relaxed);
        self.doubt.store(false, Relaxed);
        self.state.store(PathState::Unknown as u8, Relaxed);
        self.proposed.store(NO_CHANGE, Relaxed);
    }

    /// A full window from `now` to prove the path, keeping the verdict.
    fn touch(&self, now: usize) {
        for r in &self.rx {
            r.store(now, Relaxed);
        }
        for u in &self.unanswered {
            u.store(0, Relaxed);
        }
    }

    /// Proof of target `slot` now.
    fn proof(&self, slot: usize, now: usize) {
        // One write per tick at most: the port's frames may come in on
        // several CPUs at once.
        if self.rx[slot].load(Relaxed) != now {
            self.rx[slot].store(now, Relaxed);
        }
        if self.unanswered[slot].load(Relaxed) != 0 {
            self.unanswered[slot].store(0, Relaxed);
        }
        if !self.heard.load(Relaxed) {
            self.heard.store(true, Relaxed);
        }
    }
}

/// What the receive path and the monitor read of the path options (copies
/// of the configuration's, published whenever it changes).
pub(crate) struct BondPath {
    interval: AtomicU32,
    failover: AtomicBool,
    /// Per target slot, the (MAC, VLAN) frames from the target come with
    /// ([`key`]), 0 until learned.
    learned: [AtomicU64; SLOTS],
    /// The slots with a learned key, as bits.
    learned_mask: AtomicU32,
    /// Changes whenever the target list does: the ports' clocks start
    /// over for a new list.
    gen: AtomicU32,
}

/// (MAC, VLAN id) in one word, with a bit that says it is set.
fn key(mac: &MacAddr, vid: u16) -> u64 {
    pack(mac) | (u64::from(vid & 0xfff) << 48) | (1 << 63)
}

fn pack(mac: &MacAddr) -> u64 {
    let mut b = [0u8; 8];
    b[..6].copy_from_slice(mac);
    u64::from_le_bytes(b)
}

fn unpack(v: u64) -> MacAddr {
    let b = v.to_le_bytes();
    [b[0], b[1], b[2], b[3], b[4], b[5]]
}

impl BondPath {
    pub(crate) fn new(v: &Values) -> Self {
        let this = Self {
            interval: AtomicU32::new(0),
            failover: AtomicBool::new(true),
            learned: [const { AtomicU64::new(0) }; SLOTS],
            learned_mask: AtomicU32::new(0),
            gen: AtomicU32::new(0),
        };
        this.publish(v, false);
        this
    }

    /// Publishes the options of `v`; forgets what was learned of the
    /// targets if they changed.
    pub(crate) fn publish(&self, v: &Values, targets_changed: bool) {
        let interval = u32::try_from(v.get(OptId::PathInterval)).unwrap_or(u32::MAX);
        self.interval.store(interval, Relaxed);
        self.failover.store(v.get(OptId::PathPolicy) != 0, Relaxed);
        if targets_changed {
            self.gen.fetch_add(1, Relaxed);
        }
        if targets_changed || interval == 0 {
            self.learned_mask.store(0, Relaxed);
            for l in &self.learned {
                l.store(0, Relaxed);
            }
        }
    }

    /// `path_interval` in ms; 0 when the monitor is off.
    pub(crate) fn interval(&self) -> u32 {
        self.interval.load(Relaxed)
    }

    /// Whether dead paths take ports out of selection and transmission.
    pub(crate) fn avoids_dead(&self) -> bool {
        self.interval() > 0 && self.failover.load(Relaxed)
    }

    fn learn(&self, slot: usize, k: u64) {
        if self.learned[slot].load(Relaxed) != k {
            self.learned[slot].store(k, Relaxed);
            self.learned_mask.fetch_or(1 << slot, Relaxed);
        }
    }
}

/// Records what `port` of `bond` received (the receive path, before a
/// backup drops the frame).
pub(crate) fn received(bond: &BondDev, port: &Port, skb: &RxSkb, rcu: &RcuGuard) {
    let b = bond.data();
    let p = &b.path;
    let (src, dst, vid, proto) = skb.source();
    let answer = match proto {
        // Parsed only for a family with a target.
        ETH_P_ARP => b.arp.targets().next().is_some(),
        ETH_P_IPV6 => b.arp.ns_targets().next().is_some(),
        _ => false,
    };
    // To the bond (the port's address): not broadcasts, nor another
    // host's frames flooded by a switch, whose way back from us to the
    // target would be unproven; not the target's own checks of the probe
    // address either (answers to probes count below).
    let to_us = dst == port.dev.addr();
    let mut mask = if to_us {
        p.learned_mask.load(Relaxed)
    } else {
        0
    };
    if mask == 0 && !answer {
        return;
    }
    let k = key(&src, vid);
    let now = jiffies();
    // From a target's address: the way there and back works.
    while mask != 0 {
        let slot = mask.trailing_zeros() as usize;
        mask &= mask - 1;
        if p.learned[slot].load(Relaxed) == k {
            port.path.proof(slot, now);
        }
    }
    if !answer {
        return;
    }
    let slot = match skb.path_from() {
        Some(PathFrom::V4(ip)) if !ip.is_unset() => b.arp.targets().position(|t| t == ip),
        Some(PathFrom::V6(ip)) if !ip.is_unset() => b
            .arp
            .ns_targets()
            .position(|t| t == ip)
            .map(|i| MAX_TARGETS + i),
        _ => None,
    };
    let Some(slot) = slot else {
        return;
    };
    p.learn(slot, k);
    // An answer to a probe proves the path of the port that sent it,
    // whichever port it arrives on (a static LAG hashes); one to the bond
    // (the host's own resolution), the path of the port it came in on.
    let to = pack(&dst);
    let owner = b
        .ports(rcu)
        .and_then(|s| s.all.iter().find(|q| q.path.mac.load(Relaxed) == to));
    match owner {
        Some(q) => q.path.proof(slot, now),
        None if to_us => port.path.proof(slot, now),
        None => {}
    }
}

/// Starts the monitor on a port: [`attach`], and its verdict starts over.
pub(crate) fn start(dev: &BondDev, slave: &mut Slave, rtnl: &RtnlHeld) {
    attach(dev, slave, rtnl);
    slave.port.path.restart(jiffies());
}

/// Gives a port its probe address, which its filter passes.
fn attach(dev: &BondDev, slave: &mut Slave, rtnl: &RtnlHeld) {
    let port = &slave.port;
    let mac = probe_mac(&port.perm_addr, &dev.addr());
    if slave.path_mac != Some(mac) {
        detach(slave, rtnl);
        match arp::uc_addr(&slave.port.dev, &mac, true, rtnl) {
            Ok(()) => slave.path_mac = Some(mac),
            // It probes all the same: its filter may pass the answers.
            Err(e) => slave_log!(
                dev_warn,
                dev,
                slave.port.dev,
                "path monitor: cannot add the probe address to the port's filter ({:?})\n",
                e
            ),
        }
    }
    slave.port.path.mac.store(pack(&mac), Relaxed);
}

/// Stops the monitor on a port (the monitor is turned off, or the port
/// leaves).
pub(crate) fn detach(slave: &mut Slave, rtnl: &RtnlHeld) {
    if let Some(mac) = slave.path_mac.take() {
        // Added by `attach`: it is there to remove.
        let _ = arp::uc_addr(&slave.port.dev, &mac, false, rtnl);
    }
    slave.port.path.mac.store(0, Relaxed);
}

/// `path_interval` changed from `before` (under RTNL): the ports follow,
/// and the work starts or stops.
pub(crate) fn restart(dev: &BondDev, cfg: &mut Config, before: u64, rtnl: &RtnlHeld) {
    let now = cfg.values.get(OptId::PathInterval);
    if before == now {
        return;
    }
    if before != 0 && now != 0 {
        // A new interval: new windows, from now, at once.
        dev.data().publish_monitor(&cfg.values);
        let t = jiffies();
        for s in cfg.slaves.iter() {
            s.port.path.touch(t);
        }
        if dev.is_up() {
            dev.cancel_work_sync(PATH);
            dev.schedule(PATH, 0);
        }
        return;
    }
    // What the work and the receive path read, before either can act.
    dev.data().publish_monitor(&cfg.values);
    if now == 0 {
        // The work only tries RTNL: waiting for it cannot deadlock.
        dev.cancel_work_sync(PATH);
        let t = jiffies();
        for s in cfg.slaves.iter_mut() {
            detach(s, rtnl);
            s.port.path.restart(t);
        }
        // Dead paths no longer count.
        settle(dev, cfg, rtnl);
        return;
    }
    for s in cfg.slaves.iter_mut() {
        start(dev, s, rtnl);
    }
    if dev.is_up() {
        dev.schedule(PATH, 0);
    }
}

/// The bond's MAC changed: a port whose probe address was chosen against
/// the old one gets a new one (see [`probe_mac`]).
pub(crate) fn bond_addr_changed(dev: &BondDev, cfg: &mut Config, rtnl: &RtnlHeld) {
    if cfg.values.get(OptId::PathInterval) == 0 {
        return;
    }
    for s in cfg.slaves.iter_mut() {
        attach(dev, s, rtnl);
    }
}

/// The bond comes up: every port's verdict starts over.
pub(crate) fn opened(cfg: &Config) {
    let now = jiffies();
    for s in cfg.slaves.iter() {
        s.port.path.restart(now);
    }
}

/// The verdicts changed (or what they do): selection and transmission
/// follow.
pub(crate) fn settle(dev: &BondDev, cfg: &mut Config, rtnl: &RtnlHeld) {
    if cfg.mode() == Mode::ActiveBackup {
        select_active(dev, cfg, rtnl);
    }
    dev.data().update_tx(rtnl);
}

/// The monitor's work, every `path_interval`.
pub(crate) fn monitor(dev: &BondDev) {
    let b = dev.data();
    let interval = b.path.interval();
    if interval == 0 {
        return;
    }
    let (commit_due, doubt) = inspect(dev);
    if commit_due {
        let Some(rtnl) = rtnl::try_lock() else {
            // Busy: again soon (probes that are due still go out).
            dev.schedule(PATH, 1);
            return;
        };
        if let Ok(mut cfg) = b.lock_cfg(&rtnl) {
            commit(dev, &mut cfg, &rtnl);
        }
    }
    dev.schedule(
        PATH,
        if doubt {
            (interval / 2).max(1)
        } else {
            interval
        },
    );
}

/// How long before `now` the clock `t` was set; 0 if after `now` (the
/// receive path may set it while the monitor runs).
fn age_of(now: usize, t: usize) -> usize {
    usize::try_from(now.wrapping_sub(t) as isize).unwrap_or(0)
}

/// Proposes verdicts from the ports' clocks, and probes from the ports
/// that heard nothing for a while. Returns whether to commit (a verdict
/// changed, or the active port's path is dead and another port could
/// take over now), and whether a port is in doubt (its last probe went
/// unanswered for a tick, and its path is not found dead yet).
fn inspect(dev: &BondDev) -> (bool, bool) {
    let b = dev.data();
    let a = &b.arp;
    let d = ms_to_jiffies(b.path.interval()).max(1);
    let ab = b.mode() == Mode::ActiveBackup;
    let all = a.all_targets();
    let missed = a.missed_max();
    let gen = b.path.gen.load(Relaxed);
    let n4 = a.targets().count();
    let n6 = a.ns_targets().count();
    let now = jiffies();
    let rcu = RcuGuard::lock();
    let Some(sets) = b.ports(&rcu) else {
        return (false, false);
    };
    // Probes in a row without an answer: of the target answering best
    // (any), or worst (all).
    let misses_of = |pp: &PortPath| {
        let m = (0..n4)
            .chain(MAX_TARGETS..MAX_TARGETS + n6)
            .map(|i| usize::from(pp.unanswered[i].load(Relaxed)));
        if all { m.max() } else { m.min() }.unwrap_or(0)
    };
    // The active port's last probe went unanswered: backups probe as it
    // does.
    let suspect = ab && sets.active().is_some_and(|p| misses_of(&p.path) > 0);
    let (mut commit, mut doubt) = (false, false);
    for port in sets.all.iter() {
        let pp = &port.path;
        if pp.gen.load(Relaxed) != gen {
            // A new target list: a full window to prove the path to it.
            pp.gen.store(gen, Relaxed);
            pp.touch(now);
        }
        // The link monitor's verdict, not the carrier: without miimon a
        // port that lost its carrier is found out by its unanswered
        // probes.
        if port.link() != LinkState::Up || n4 + n6 == 0 {
            // The link decides (or there is nothing to check): the path
            // starts over, a full window from when the link is back.
            let was = pp.state();
            pp.restart(now);
            if was != PathState::Unknown {
                // Dead no more: what that changes needs a commit.
                pp.state.store(was as u8, Relaxed);
                pp.proposed.store(PathState::Unknown as u8, Relaxed);
                commit = true;
            }
            continue;
        }
        // A backup probes less often, unless the active port's path is in
        // doubt.
        let f = if ab && port.is_backup() && !suspect {
            BACKUP_EVERY
        } else {
            1
        };
        let slots = (0..n4).chain(MAX_TARGETS..MAX_TARGETS + n6);
        let ages = slots.clone().map(|i| age_of(now, pp.rx[i].load(Relaxed)));
        let age = if all { ages.max() } else { ages.min() }.unwrap_or(0);
        let misses = misses_of(pp);
        // Answered, recently enough for an active port: it may take over.
        pp.fresh.store(
            misses == 0 && age <= missed * d && pp.heard.load(Relaxed),
            Relaxed,
        );
        let old = pp.state();
        let new = verdict(old, misses, missed, pp.heard.load(Relaxed));
        // In doubt: the work runs every half interval while a port that
        // probes every tick waits for an answer.
        let in_doubt = misses > 0 && new != PathState::Down;
        pp.doubt.store(in_doubt, Relaxed);
        doubt |= in_doubt && f == 1;
        if new == PathState::Down && old != PathState::Down {
            // Up again only on proof heard from now on (and a Down that an
            // answer overtakes before the commit is not committed).
            pp.heard.store(false, Relaxed);
        }
        let proposal = if new == old { NO_CHANGE } else { new as u8 };
        pp.proposed.store(proposal, Relaxed);
        commit |= new != old;
        let mac = pp.mac.load(Relaxed);
        let quiet = f * d - d / 2;
        if mac == 0 || age < quiet || age_of(now, pp.last_probe.load(Relaxed)) < quiet {
            continue;
        }
        pp.last_probe.store(now, Relaxed);
        let mac = unpack(mac);
        for i in slots {
            if age_of(now, pp.rx[i].load(Relaxed)) < quiet {
                continue;
            }
            // Unanswered until an answer says otherwise (also if nothing
            // can be sent: the target is out of reach). Counted first: the
            // answer may come back before the send returns (a veth peer
            // answers in the softirqs that run when it does).
            let _ = pp.unanswered[i].fetch_update(Relaxed, Relaxed, |v| Some(v.saturating_add(1)));
            let sent = if i < MAX_TARGETS {
                a.targets()
                    .nth(i)
                    .is_some_and(|t| arp::path_probe(dev, &port.dev, t, &mac))
            } else {
                a.ns_targets()
                    .nth(i - MAX_TARGETS)
                    .is_some_and(|t| arp::path_probe6(dev, &port.dev, &t, &mac))
            };
            if sent {
                pp.probes.fetch_add(1, Relaxed);
            }
        }
    }
    // The active port's path is dead and a port with recent proof could
    // take over (the selection waits for one: see `avoid_dead_paths`).
    if ab && b.path.avoids_dead() {
        let active_dead = sets.active().is_some_and(|p| p.path.is_down());
        commit |= active_dead && sets.all.iter().any(|p| live(p));
    }
    (commit, doubt)
}

/// Whether `port` can take over from one whose path died: up, its path
/// not dead, and with proof recent enough for an active port.
fn live(port: &Port) -> bool {
    port.link() == LinkState::Up && !port.path.is_down() && port.path.fresh.load(Relaxed)
}

/// Commits the proposed verdicts (under RTNL). The active port changes
/// only when its path died and another port can take over, or when a path
/// came back on a port the selection prefers (the primary, a higher
/// prio), as a link coming up does it in bonding.ko; never merely because
/// a verdict changed somewhere.
fn commit(dev: &BondDev, cfg: &mut Config, rtnl: &RtnlHeld) {
    let failover = cfg.values.get(OptId::PathPolicy) != 0;
    let active = dev.data().active_port(rtnl);
    let mut reselect = false;
    for s in cfg.slaves.iter() {
        let pp = &s.port.path;
        let new = pp.proposed.swap(NO_CHANGE, Relaxed);
        if new == NO_CHANGE {
            continue;
        }
        let new = PathState::from_u8(new);
        let old = pp.state();
        if new == old || (new == PathState::Down && pp.heard.load(Relaxed)) {
            // Unchanged, or answered since the inspection.
            continue;
        }
        pp.state.store(new as u8, Relaxed);
        match new {
            PathState::Down => {
                pp.failures.fetch_add(1, Relaxed);
                slave_log!(
                    dev_warn,
                    dev,
                    s.port.dev,
                    "path to the targets is down{}\n",
                    if failover {
                        ""
                    } else {
                        " (path_policy report: no action)"
                    }
                );
            }
            PathState::Up => {
                slave_log!(dev_info, dev, s.port.dev, "path to the targets is up\n");
                let primary = cfg
                    .primary
                    .as_ref()
                    .is_some_and(|p| Arc::ptr_eq(p, &s.port));
                let better = active.as_ref().is_some_and(|a| s.port.prio() > a.prio());
                reselect |= old == PathState::Down && (primary || better);
            }
            PathState::Unknown => {}
        }
    }
    if !failover {
        return;
    }
    // The active port's path is dead (found now or before) and another
    // port is live; or there is no active port.
    let active_dead = active.as_ref().is_some_and(|a| a.path.is_down());
    reselect |= active.is_none() || (active_dead && cfg.slaves.iter().any(|s| live(&s.port)));
    if reselect && cfg.mode() == Mode::ActiveBackup {
        select_active(dev, cfg, rtnl);
    }
    dev.data().update_tx(rtnl);
}

/// Which ports the selection passes over for their path
/// (`path_policy=failover`), as a function of a port and whether it is
/// the active one: with a live port (see [`live`]), every port whose path
/// is dead or in doubt; without one, every port whose path is dead but
/// the active port (a gateway gone for all moves nothing) — unless that
/// would leave no port that is up at all.
pub(crate) fn dead_path_filter(cfg: &Config) -> impl Fn(&Port, bool) -> bool + '_ {
    let on = cfg.values.get(OptId::PathInterval) > 0 && cfg.values.get(OptId::PathPolicy) != 0;
    let any_live = on && cfg.slaves.iter().any(|s| live(&s.port));
    let excluded = move |p: &Port, active: bool| {
        if any_live {
            p.path.is_down() || p.path.doubt.load(Relaxed)
        } else {
            p.path.is_down() && !active
        }
    };
    let any_left = on
        && cfg
            .slaves
            .iter()
            .any(|s| s.link.state == LinkState::Up && !excluded(&s.port, false));
    move |p: &Port, active: bool| any_left && excluded(p, active)
}
