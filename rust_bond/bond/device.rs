// SPDX-License-Identifier: GPL-2.0

//! The bond device: its state, its `net_device_ops`, and the data path.

use super::config::{Config, Values};
use super::files::BOND_FILES;
use super::port::{self, Leave, Port};
use crate::bond_core::hash::Policy;
use crate::bond_core::link::LinkState;
use crate::bond_core::options::{Mode, OptId};
use crate::kext::netdev::{
    self, iff, BondIoctl, DevType, Device, Driver, DrvInfo, ExtAck, HwtstampConfig, IfReq,
    LinkSettings, MacAddr, NetDevice, Setup, Stats64, TsInfo, Vlan, WorkId,
};
use crate::kext::netpoll;
use crate::kext::percpu::PerCpuU32;
use crate::kext::rcu::{RcuArc, RcuGuard, RcuNode, Retired};
use crate::kext::rtnl::{RtnlBorrow, RtnlCell, RtnlHeld};
use crate::kext::skb::{SkBuff, TxStatus};
use crate::kext::sync::{LevelGuard, LevelLock};
use core::sync::atomic::{
    AtomicBool, AtomicU32, AtomicU64, AtomicU8,
    Ordering::{Acquire, Relaxed, Release},
};
use kernel::alloc::KVec;
use kernel::new_spinlock;
use kernel::prelude::*;
use kernel::sync::{Arc, SpinLock, UniqueArc};

/// A device of this driver.
pub(crate) type BondDev = Device<BondDriver>;

/// The link monitor (miimon) work.
pub(crate) const MONITOR: WorkId = WorkId(0);
/// The IGMP report resend work.
pub(crate) const IGMP: WorkId = WorkId(1);
/// The path monitor's work.
pub(crate) const PATH: WorkId = WorkId(2);
/// balance-tlb's monitor (learning packets and rebalancing).
pub(crate) const TLB: WorkId = WorkId(3);

/// The ports as the data path sees them. `all` is replaced as a whole
/// under RTNL when a port joins or leaves; the active port and the
/// balance-rr transmit set are rewritten in place (atomics), so a link
/// change or a failover publishes without allocating and without waiting.
pub(crate) struct PortSets {
    /// Every port, in enslave order.
    pub(crate) all: KVec<Arc<Port>>,
    /// balance-rr and balance-xor: indices in `all` of the ports that can
    /// transmit, in enslave order, the first `tx_len` of them valid. One
    /// entry per port of `all`. A reader racing with a rewrite may pick a
    /// port that just went down, which `rr_port` skips, as bonding skips
    /// it (balance-xor sends there, as bonding's slave array does until it
    /// is rebuilt).
    tx: KVec<AtomicU32>,
    tx_len: AtomicU32,
    /// The index in `all` of the active port (active-backup), or of the
    /// one IGMP goes to (balance-rr); [`PortSets::NONE`] for none.
    active: AtomicU32,
}

impl PortSets {
    const NONE: u32 = u32::MAX;

    /// The active port.
    pub(crate) fn active(&self) -> Option<&Arc<Port>> {
        self.all.get(self.active.load(Acquire) as usize)
    }

    pub(crate) fn index_of(&self, port: &Port) -> Option<u32> {
        let i = self.all.iter().position(|p| core::ptr::eq(&**p, port))?;
        u32::try_from(i).ok()
    }

    /// How many ports the transmit set has now.
    fn tx_count(&self) -> usize {
        (self.tx_len.load(Acquire) as usize).min(self.tx.len())
    }

    /// Whether the sets have room for `n` ports.
    pub(crate) fn has_room(&self, n: usize) -> bool {
        self.all.capacity() >= n && self.tx.capacity() >= n
    }

    /// Empties the sets (keeping their room), letting go of the ports.
    pub(crate) fn clear(&mut self) {
        crate::kext::compat::vec_clear(&mut self.all);
        crate::kext::compat::vec_clear(&mut self.tx);
        *self.tx_len.get_mut() = 0;
        *self.active.get_mut() = Self::NONE;
    }

    /// Rewrites the transmit set: the ports that are up and not backups
    /// (and, with `carrier`, running with a carrier: bonding's slave array
    /// of balance-xor), without those whose path is dead if `avoid_dead`
    /// and any other has a live one.
    fn update_tx(&self, avoid_dead: bool, carrier: bool) {
        let ok = |p: &Port| p.link() == LinkState::Up && !p.is_backup() && (!carrier || p.dev_up());
        let skip_dead = avoid_dead && self.all.iter().any(|p| ok(p) && !p.path.is_down());
        let mut n = 0;
        for (i, p) in self.all.iter().enumerate() {
            if ok(p) && !(skip_dead && p.path.is_down()) {
                self.tx[n].store(i as u32, Relaxed);
                n += 1;
            }
        }
        self.tx_len.store(n as u32, Release);
    }
}

/// 64-bit counters updated without a lock (for `get_stats64`, which may
/// run in any context).
#[derive(Default)]
pub(crate) struct AtomicStats([AtomicU64; 25]);

impl AtomicStats {
    fn fields(s: &mut Stats64) -> [&mut u64; 25] {
        [
            &mut s.rx_packets,
            &mut s.tx_packets,
            &mut s.rx_bytes,
            &mut s.tx_bytes,
            &mut s.rx_errors,
            &mut s.tx_errors,
            &mut s.rx_dropped,
            &mut s.tx_dropped,
            &mut s.multicast,
            &mut s.collisions,
            &mut s.rx_length_errors,
            &mut s.rx_over_errors,
            &mut s.rx_crc_errors,
            &mut s.rx_frame_errors,
            &mut s.rx_fifo_errors,
            &mut s.rx_missed_errors,
            &mut s.tx_aborted_errors,
            &mut s.tx_carrier_errors,
            &mut s.tx_fifo_errors,
            &mut s.tx_heartbeat_errors,
            &mut s.tx_window_errors,
            &mut s.rx_compressed,
            &mut s.tx_compressed,
            &mut s.rx_nohandler,
            &mut s.rx_otherhost_dropped,
        ]
    }

    /// Adds to `total` what each counter of `now` grew by since this
    /// snapshot, which becomes `now` (`bond_fold_stats()`, see
    /// [`crate::bond_core::stats::fold`]). Only under the bond's statistics
    /// lock.
    pub(crate) fn fold_into(&self, total: &mut Stats64, now: &Stats64) {
        let mut now = *now;
        for ((last, nv), t) in self
            .0
            .iter()
            .zip(Self::fields(&mut now))
            .zip(Self::fields(total))
        {
            *t = crate::bond_core::stats::fold(*t, *nv, last.load(Relaxed));
            last.store(*nv, Relaxed);
        }
    }

    pub(crate) fn new(s: &Stats64) -> Self {
        let this = Self::default();
        let mut s = *s;
        for (a, v) in this.0.iter().zip(Self::fields(&mut s)) {
            a.store(*v, Relaxed);
        }
        this
    }
}

/// The configuration netlink reports ([`Bond::shown`]).
#[derive(Clone)]
pub(crate) struct Shown {
    pub(crate) values: Values,
    /// The primary port, if enslaved.
    pub(crate) primary: Option<Arc<Port>>,
}

/// The locked configuration of a bond.
pub(crate) struct CfgGuard<'a> {
    bond: &'a Bond,
    guard: RtnlBorrow<'a, Config>,
}

impl core::ops::Deref for CfgGuard<'_> {
    type Target = Config;
    fn deref(&self) -> &Config {
        &self.guard
    }
}

impl core::ops::DerefMut for CfgGuard<'_> {
    fn deref_mut(&mut self) -> &mut Config {
        &mut self.guard
    }
}

impl Drop for CfgGuard<'_> {
    fn drop(&mut self) {
        let shown = Shown {
            values: self.guard.values.clone(),
            primary: self.guard.primary.clone(),
        };
        // What the link monitor inspects without RTNL.
        self.bond.publish_monitor(&self.guard.values);
        let count = self.guard.send_peer_notif;
        let delay = self.guard.values.get(OptId::PeerNotifDelay).max(1);
        self.bond.peer_notif_pending.store(count > 0, Relaxed);
        self.bond
            .peer_notif_due
            .store(count > 0 && count % delay == 0, Relaxed);
        let old = core::mem::replace(&mut *self.bond.shown.lock(), shown);
        // Outside the spinlock: it may hold the last reference to a port.
        drop(old);
    }
}

/// One bond.
#[pin_data]
pub(crate) struct Bond {
    /// Configuration and ports, changed under RTNL. Taken through
    /// [`Bond::lock_cfg`].
    cfg: RtnlCell<Config>,
    /// What netlink, sysfs and /proc report of the configuration,
    /// published whenever `cfg` is given back: the net core asks for it
    /// from inside changes that hold `cfg` (the events they raise), and
    /// readers must not wait for RTNL (bonding.ko's read RCU too).
    #[pin]
    shown: SpinLock<Shown>,
    /// The ports and the active one, for the data path.
    ports: RcuArc<PortSets>,
    /// The mode, for the data path (a copy of the config's).
    mode: AtomicU8,
    /// `xmit_hash_policy`, for the data path.
    xmit_policy: AtomicU8,
    /// `packets_per_slave`, for the data path.
    pub(crate) pps: AtomicU32,
    /// balance-tlb's load table, and what its data path and monitor read
    /// of the configuration.
    pub(crate) tlb: super::tlb::BondTlb,
    /// `miimon`, and whether peer notifications are due: what the link
    /// monitor reads before it decides to take RTNL (copies of the
    /// config's, updated whenever it is given back).
    miimon: AtomicU32,
    peer_notif_pending: AtomicBool,
    /// ... and whether one is due at the next tick (the count is a
    /// multiple of `peer_notif_delay`).
    peer_notif_due: AtomicBool,
    /// The path monitor's options, for it and the receive path.
    pub(crate) path: super::path::BondPath,
    /// The ARP monitor's options, for it and the receive path.
    pub(crate) arp: super::arp::BondArp,
    /// balance-rr: packets sent per CPU (bonding's `rr_tx_counter`).
    rr_counter: PerCpuU32,
    /// The bond's counters (bonding's `bond_stats`): what its ports
    /// counted since they were enslaved, folded in by every read and a
    /// last time at release, so that totals never go backwards and never
    /// count a port twice.
    #[pin]
    stats: LevelLock<Stats64>,
    /// Set while the offloads are being recomputed (under RTNL): that may
    /// change a port's offloads, whose event must not recompute again
    /// (bonding's `notifier_ctx`).
    features_busy: AtomicBool,
}

impl Bond {
    pub(crate) fn new(values: Values) -> impl PinInit<Self, Error> {
        let mode = values.mode() as u8;
        let xmit_policy = values.get(crate::bond_core::options::OptId::XmitHashPolicy) as u8;
        let pps = values.get(crate::bond_core::options::OptId::PacketsPerSlave) as u32;
        let miimon = u32::try_from(values.miimon()).unwrap_or(u32::MAX);
        let arp = super::arp::BondArp::new(&values);
        let tlb = super::tlb::BondTlb::new(&values);
        let path = super::path::BondPath::new(&values);
        let shown = Shown {
            values: values.clone(),
            primary: None,
        };
        try_pin_init!(Bond {
            cfg: RtnlCell::new(Config::new(values)),
            shown <- new_spinlock!(shown),
            ports: RcuArc::new(),
            mode: AtomicU8::new(mode),
            xmit_policy: AtomicU8::new(xmit_policy),
            pps: AtomicU32::new(pps),
            tlb: tlb?,
            miimon: AtomicU32::new(miimon),
            peer_notif_pending: AtomicBool::new(false),
            peer_notif_due: AtomicBool::new(false),
            arp,
            path,
            rr_counter: PerCpuU32::new()?,
            stats <- LevelLock::new(Stats64::default()),
            features_busy: AtomicBool::new(false),
        })
    }

    /// Recomputes `dev`'s offloads, TSO limits and header room from its
    /// ports (bonding: after a port joins or leaves, or its offloads
    /// change), unless that is what is running now.
    pub(crate) fn compute_features(&self, dev: &BondDev, rtnl: &RtnlHeld) {
        if !self.features_busy.swap(true, Relaxed) {
            dev.compute_master_features(rtnl);
            self.features_busy.store(false, Relaxed);
        }
    }

    /// Takes the configuration; giving it back publishes what netlink
    /// shows. Fails with `EBUSY` if it is taken already: a callback from
    /// inside a change of the same bond (an enslave that would loop the
    /// bond below itself, an event a change of a port raised).
    pub(crate) fn lock_cfg(&self, rtnl: &RtnlHeld) -> Result<CfgGuard<'_>> {
        let guard = self.cfg.borrow(rtnl).ok_or(EBUSY)?;
        Ok(CfgGuard { bond: self, guard })
    }

    /// The configuration as of the last unlock, for netlink.
    pub(crate) fn shown(&self) -> Shown {
        self.shown.lock().clone()
    }

    /// The bond's counters, locked at `dev`'s nesting level: reading them
    /// reads the ports', which may be bonds whose locks nest inside.
    pub(crate) fn lock_stats(&self, dev: &NetDevice) -> LevelGuard<'_, Stats64> {
        self.stats.lock(dev.lower_level().saturating_sub(1))
    }

    /// Publishes what the monitors read without RTNL: at every unlock of
    /// the configuration, and before a monitor is started.
    pub(crate) fn publish_monitor(&self, v: &Values) {
        let miimon = u32::try_from(v.miimon()).unwrap_or(u32::MAX);
        self.miimon.store(miimon, Relaxed);
        self.tlb.publish(v);
        let changed = self.arp.targets_differ(v);
        self.arp.publish(v);
        self.path.publish(v, changed);
    }

    /// `miimon` as of the last change of the configuration.
    pub(crate) fn miimon(&self) -> u32 {
        self.miimon.load(Relaxed)
    }

    /// Whether peer notifications were due at the last change of the
    /// configuration.
    pub(crate) fn peer_notif_pending(&self) -> bool {
        self.peer_notif_pending.load(Relaxed)
    }

    /// Whether a peer notification was due at the last change of the
    /// configuration (pending, and the count a multiple of the delay):
    /// what 6.12's ARP monitor decides on before its commit.
    #[cfg(not(rb_peer_notify_after_commit))]
    pub(crate) fn peer_notif_due(&self) -> bool {
        self.peer_notif_due.load(Relaxed)
    }

    pub(crate) fn mode(&self) -> Mode {
        Mode::from_value(u64::from(self.mode.load(Relaxed))).unwrap_or(Mode::RoundRobin)
    }

    pub(crate) fn set_mode(&self, mode: Mode) {
        self.mode.store(mode as u8, Relaxed);
    }

    /// `xmit_hash_policy`, as the data path reads it.
    pub(crate) fn xmit_policy(&self) -> Policy {
        Policy::from_value(u64::from(self.xmit_policy.load(Relaxed)))
    }

    pub(crate) fn set_xmit_policy(&self, value: u64) {
        self.xmit_policy.store(value as u8, Relaxed);
    }

    /// The ports as last published, for readers (in enslave order).
    pub(crate) fn ports<'a>(&'a self, rcu: &'a RcuGuard) -> Option<&'a PortSets> {
        self.ports.get(rcu)
    }

    /// The ports as last published, for an updater that must not take the
    /// configuration (it may be called from inside a change of it).
    fn ports_rtnl(&self, rtnl: &RtnlHeld) -> Option<Arc<RcuNode<PortSets>>> {
        self.ports.get_rtnl(rtnl)
    }

    pub(crate) fn active_port(&self, _rtnl: &RtnlHeld) -> Option<Arc<Port>> {
        let rcu = RcuGuard::lock();
        self.active(&rcu).cloned()
    }

    /// The active port, for a reader.
    pub(crate) fn active<'a>(&'a self, rcu: &'a RcuGuard) -> Option<&'a Arc<Port>> {
        self.ports.get(rcu)?.active()
    }

    /// The active port's interface index, 0 for none.
    pub(crate) fn active_ifindex(&self, rcu: &RcuGuard) -> u32 {
        self.active(rcu).map_or(0, |p| p.dev.ifindex())
    }

    /// The active port's name, for showing.
    pub(crate) fn active_name(&self, rcu: &RcuGuard) -> Option<netdev::DevName> {
        self.active(rcu).map(|p| p.dev.name())
    }

    pub(crate) fn active_is(&self, port: &Arc<Port>) -> bool {
        let rcu = RcuGuard::lock();
        self.active(&rcu).is_some_and(|p| Arc::ptr_eq(p, port))
    }

    /// Makes `port` the active one for the data path, at once (bonding's
    /// `rcu_assign_pointer(bond->curr_active_slave, ...)`): an index
    /// stored in the published sets, which must hold the port.
    pub(crate) fn set_active_port(&self, port: Option<&Arc<Port>>, _rtnl: &RtnlHeld) {
        let rcu = RcuGuard::lock();
        if let Some(sets) = self.ports.get(&rcu) {
            let i = port
                .and_then(|p| sets.index_of(p))
                .unwrap_or(PortSets::NONE);
            sets.active.store(i, Release);
        }
    }

    /// A port's link, backup or carrier state changed: the transmit set
    /// follows, in place (one writer: RTNL).
    pub(crate) fn update_tx(&self, _rtnl: &RtnlHeld) {
        let rcu = RcuGuard::lock();
        if let Some(sets) = self.ports.get(&rcu) {
            sets.update_tx(self.path.avoids_dead(), self.mode().can_use_xmit_hash());
        }
    }

    /// How many ports the transmit set has.
    pub(crate) fn tx_count(&self, _rtnl: &RtnlHeld) -> usize {
        let rcu = RcuGuard::lock();
        self.ports.get(&rcu).map_or(0, PortSets::tx_count)
    }

    /// Publishes the ports of `cfg` to the data path after a release
    /// (which must not fail or allocate): into the spare sets
    /// (`cfg.spare_ports`, allocated by enslave or reclaimed by the last
    /// release). Without a spare big enough (only if something held on to
    /// the sets a release reclaims) it allocates; if that fails too, the
    /// data path sees no port until the next publication rather than a
    /// stale one. Returns the sets replaced, which readers may still see.
    pub(crate) fn publish_ports(
        &self,
        dev: &NetDevice,
        cfg: &mut Config,
        rtnl: &RtnlHeld,
    ) -> Retired<PortSets> {
        let n = cfg.slaves.len();
        let sets = match cfg.spare_ports.take() {
            Some(s) if s.has_room(n) => Some(s),
            _ => Self::alloc_ports(n).ok(),
        };
        match sets {
            Some(sets) => self.publish_ports_in(sets, cfg, rtnl),
            None => {
                crate::kext::print::dev_err!(
                    dev,
                    "out of memory publishing the ports: none transmit until the next change\n"
                );
                self.ports.replace(None, rtnl)
            }
        }
    }

    /// Room for the published sets of `n` ports, taken before a change
    /// that must not fail after its point of no return (enslave).
    pub(crate) fn alloc_ports(n: usize) -> Result<UniqueArc<RcuNode<PortSets>>> {
        RcuNode::new(
            PortSets {
                all: KVec::with_capacity(n, GFP_KERNEL)?,
                tx: KVec::with_capacity(n, GFP_KERNEL)?,
                tx_len: AtomicU32::new(0),
                active: AtomicU32::new(PortSets::NONE),
            },
            GFP_KERNEL,
        )
    }

    /// Publishes the ports of `cfg` in `sets`, which [`Bond::alloc_ports`]
    /// made with room for them all (nothing is allocated here), keeping
    /// the active port; returns the old sets, which readers may still see.
    pub(crate) fn publish_ports_in(
        &self,
        mut sets: UniqueArc<RcuNode<PortSets>>,
        cfg: &Config,
        rtnl: &RtnlHeld,
    ) -> Retired<PortSets> {
        let active = self.active_port(rtnl);
        sets.clear();
        for s in cfg.slaves.iter() {
            // Within the capacity: cannot fail.
            let _ = sets.all.push(s.port.clone(), GFP_NOWAIT);
            let _ = sets.tx.push(AtomicU32::new(0), GFP_NOWAIT);
        }
        let i = active
            .and_then(|p| sets.index_of(&p))
            .unwrap_or(PortSets::NONE);
        *sets.active.get_mut() = i;
        sets.update_tx(self.path.avoids_dead(), self.mode().can_use_xmit_hash());
        if self.mode() == Mode::Tlb {
            // The load table names ports by their index: each bucket
            // follows its port, or is free if the port left.
            if let Some(old) = self.ports_rtnl(rtnl) {
                self.tlb.table.remap(|i| {
                    let p = old.all.get(i)?;
                    sets.index_of(p).map(|j| j as usize)
                });
            }
        }
        self.ports.replace(Some(sets), rtnl)
    }

    /// The balance-rr port for the next packet (`bond_xmit_roundrobin`):
    /// O(1) in the number of ports, from the published set of ports that
    /// can transmit.
    fn rr_port<'a>(&'a self, skb: &mut SkBuff, rcu: &'a RcuGuard) -> Option<&'a Port> {
        if skb.is_igmp() {
            // IGMP reports go out on one port, as bonding does.
            if let Some(p) = self.active(rcu) {
                return Some(p);
            }
        }
        let sets = self.ports.get(rcu)?;
        let n = sets.tx_count();
        if n == 0 {
            return None;
        }
        let pps = self.pps.load(Relaxed);
        let id = match pps {
            0 => crate::kext::random_u32(),
            1 => self.rr_counter.inc_return(),
            _ => self.rr_counter.inc_return() / pps,
        } as usize;
        // The set is rebuilt on every link change; a port that lost its
        // carrier since is skipped here, as bonding skips it.
        (0..n)
            .filter_map(|i| sets.all.get(sets.tx[(id + i) % n].load(Relaxed) as usize))
            .map(|p| &**p)
            .find(|p| p.dev_up())
    }

    /// The balance-tlb port for `skb` (`bond_xmit_tlb_slave_get()` and
    /// `bond_do_alb_xmit()`): unicast IP flows by the load table (or by
    /// their hash over the transmit set, without `tlb_dynamic_lb`), the
    /// rest by the active port. A frame leaving by another port than the
    /// active one carries that port's address as its source. `None` to
    /// drop the frame.
    fn tlb_port<'a>(&'a self, skb: &mut SkBuff, rcu: &'a RcuGuard) -> Option<&'a Port> {
        let sets = self.ports.get(rcu)?;
        let dynamic = self.tlb.dynamic();
        let mut port = None;
        if skb.tlb_balances() {
            let hash = crate::bond_core::hash::xmit_hash(self.xmit_policy(), skb);
            port = if dynamic {
                let loads = super::tlb::SetLoads(sets);
                self.tlb
                    .table
                    .choose(hash as u8, skb.len(), &loads)
                    .and_then(|i| sets.all.get(i))
            } else {
                let n = sets.tx_count();
                (n > 0)
                    .then(|| sets.tx[hash as usize % n].load(Relaxed) as usize)
                    .and_then(|i| sets.all.get(i))
            };
        }
        let active = sets.active();
        let port = match port {
            Some(p) => p,
            None => {
                if dynamic {
                    self.tlb.table.add_unbalanced(skb.len());
                }
                active?
            }
        };
        if !port.can_tx() {
            if dynamic {
                // bonding.ko frees its buckets on the spot.
                match sets.index_of(port) {
                    Some(i) => self.tlb.clear(i as usize, port, false),
                    None => port.set_tlb_load(0),
                }
            }
            return None;
        }
        if !active.is_some_and(|a| Arc::ptr_eq(a, port)) && skb.set_source_of(&port.dev).is_err() {
            return None;
        }
        Some(port)
    }

    /// The balance-xor port for `skb` (`bond_3ad_xor_xmit`): the transmit
    /// set's entry that the flow's hash names, so that a flow keeps its
    /// port while the set stays the same.
    fn xor_port<'a>(&'a self, skb: &mut SkBuff, rcu: &'a RcuGuard) -> Option<&'a Port> {
        let sets = self.ports.get(rcu)?;
        let n = sets.tx_count();
        if n == 0 {
            return None;
        }
        let hash = crate::bond_core::hash::xmit_hash(self.xmit_policy(), skb);
        let i = sets.tx[hash as usize % n].load(Relaxed) as usize;
        sets.all.get(i).map(|p| &**p)
    }
}

/// `DEVTYPE=bond` in the bond's uevents, as bonding.ko's `bond_type`.
static BOND_TYPE: DevType = DevType::new(kernel::c_str!("bond"));

/// The bond's `net_device_ops`.
pub(crate) struct BondDriver;

#[vtable]
impl Driver for BondDriver {
    type Data = Bond;

    fn setup(dev: &mut Setup<'_>) {
        // As bond_setup(): a master that transmits without the core's
        // queue or tx lock. IFF_BONDING is deliberately not set: other
        // kernel code (the C bonding driver's notifiers, team, RDMA) would
        // then take our private data for a C `struct bonding`.
        dev.add_flags(iff::MASTER);
        dev.change_priv_flags(
            iff::UNICAST_FLT | iff::NO_QUEUE,
            iff::XMIT_DST_RELEASE | iff::TX_SKB_SHARING,
        );
        dev.set_lltx();
        dev.set_netns_immutable();
        dev.set_max_mtu(netdev::ETH_MAX_MTU);
        dev.random_mac();
        dev.set_sysfs_group(&BOND_FILES);
        dev.set_devtype(&BOND_TYPE);
        dev.master_features();
    }

    fn fix_features(dev: &BondDev, wanted: u64, rtnl: &RtnlHeld) -> u64 {
        dev.features_of_lowers(wanted, rtnl)
    }

    fn open(dev: &BondDev, rtnl: &mut RtnlHeld) -> Result {
        let cfg = dev.data().lock_cfg(rtnl)?;
        let path = cfg.values.get(OptId::PathInterval) > 0;
        if path {
            super::path::opened(&cfg);
        }
        let mode = cfg.mode();
        for s in cfg.slaves.iter() {
            if mode.uses_primary() && !dev.data().active_is(&s.port) {
                s.port
                    .set_inactive_flags_in(mode, cfg.values.all_slaves_active(), rtnl);
            } else {
                s.port.set_active_flags(rtnl);
            }
        }
        if mode.is_lb() {
            super::tlb::opened(dev, &cfg);
        }
        dev.data().update_tx(rtnl);
        if cfg.values.miimon() > 0
            || cfg
                .values
                .get(crate::bond_core::options::OptId::ArpInterval)
                > 0
        {
            dev.schedule(MONITOR, 0);
        }
        if path {
            dev.schedule(PATH, 0);
        }
        Ok(())
    }

    fn stop(dev: &BondDev, rtnl: &mut RtnlHeld) -> Result {
        // The works only try RTNL, so waiting for them here cannot deadlock.
        dev.cancel_work_sync(MONITOR);
        dev.cancel_work_sync(IGMP);
        dev.cancel_work_sync(PATH);
        dev.cancel_work_sync(TLB);
        let mut cfg = dev.data().lock_cfg(rtnl)?;
        cfg.send_peer_notif = 0;
        let active = {
            let rcu = RcuGuard::lock();
            dev.data().active(&rcu).map(|p| p.dev.to_ref())
        };
        match cfg.mode() {
            m if m.uses_primary() => {
                if let Some(p) = active {
                    p.unsync_addrs_from(dev);
                }
            }
            _ => {
                for s in cfg.slaves.iter() {
                    s.port.dev.unsync_addrs_from(dev);
                }
            }
        }
        Ok(())
    }

    fn uninit(dev: &BondDev, rtnl: &mut RtnlHeld) {
        let Ok(mut cfg) = dev.data().lock_cfg(rtnl) else {
            // Unregistering runs no change of this bond; should it ever,
            // the ports would keep their references and say so.
            pr_err!(
                "rust_bond: BUG: {} is unregistered from inside its own change\n",
                dev.name()
            );
            return;
        };
        port::release_all(dev, &mut cfg, rtnl);
        let proc_file = cfg.proc_file.take();
        drop(cfg);
        // Removing the file waits for its readers (which only try RTNL).
        drop(proc_file);
    }

    fn start_xmit(dev: &BondDev, mut skb: SkBuff) -> TxStatus {
        let bond = dev.data();
        let rcu = RcuGuard::lock();
        let port = match bond.mode() {
            Mode::ActiveBackup => bond.active(&rcu).map(|p| &**p),
            Mode::Xor => bond.xor_port(&mut skb, &rcu),
            Mode::Tlb => bond.tlb_port(&mut skb, &rcu),
            _ => bond.rr_port(&mut skb, &rcu),
        };
        let Some(p) = port else {
            dev.tx_dropped_inc();
            drop(skb);
            return TxStatus::DROP;
        };
        p.count_tx(skb.len());
        if netpoll::tx_running(dev) {
            // netconsole: through the port's netpoll, never a queue.
            return match p.np.get(&rcu) {
                Some(np) => skb.netpoll_send(&p.dev, &np),
                None => TxStatus::DROP,
            };
        }
        skb.transmit(&p.dev)
    }

    /// `bond_select_queue()`: the queue the frame came in on, else 0. The
    /// core would otherwise hash the flow to pick one, which costs a flow
    /// dissection per frame and, by marking the frame hashed, changes
    /// what `encap3+4` hashes on.
    fn select_queue(_dev: &BondDev, rx_queue: Option<u16>, queues: u16) -> u16 {
        rx_queue.and_then(|q| q.checked_rem(queues)).unwrap_or(0)
    }

    fn get_stats64(dev: &BondDev, stats: &mut Stats64) {
        let bond = dev.data();
        let rcu = RcuGuard::lock();
        // The sets first: a bond enslaved below this one raised its
        // nesting level before it was published.
        let sets = bond.ports.get(&rcu);
        let mut total = bond.lock_stats(dev);
        for p in sets.iter().flat_map(|s| s.all.iter()) {
            p.fold_stats(&mut total);
        }
        *stats = *total;
    }

    fn add_slave(
        dev: &BondDev,
        port: &NetDevice,
        extack: &mut ExtAck,
        rtnl: &mut RtnlHeld,
    ) -> Result {
        let mut cfg = dev.data().lock_cfg(rtnl)?;
        port::enslave(dev, &mut cfg, port, extack, rtnl)
    }

    fn del_slave(dev: &BondDev, port: &NetDevice, rtnl: &mut RtnlHeld) -> Result {
        release_port(dev, port, rtnl)
    }

    fn siocbond(dev: &BondDev, cmd: BondIoctl, ifr: &IfReq<'_>, rtnl: &mut RtnlHeld) -> Result {
        super::ioctl::ioctl(dev, cmd, ifr, rtnl)
    }

    /// `bond_hwtstamp_get()`: the active port's configuration.
    fn hwtstamp_get(dev: &BondDev, cfg: &mut HwtstampConfig<'_>, rtnl: &RtnlHeld) -> Result {
        let active = dev
            .data()
            .active_port(rtnl)
            .filter(|_| dev.data().mode().uses_primary());
        let active = active.ok_or(crate::kext::errno::EOPNOTSUPP())?;
        cfg.get_lower(&active.dev)?;
        cfg.set_bonded_phc_index()
    }

    /// `bond_hwtstamp_set()`: only for callers that know the PHC follows
    /// the active port; configures that port.
    fn hwtstamp_set(
        dev: &BondDev,
        cfg: &mut HwtstampConfig<'_>,
        extack: &mut ExtAck,
        rtnl: &RtnlHeld,
    ) -> Result {
        if !cfg.bonded_phc_index() {
            return Err(crate::kext::errno::EOPNOTSUPP());
        }
        let active = dev
            .data()
            .active_port(rtnl)
            .filter(|_| dev.data().mode().uses_primary());
        let active = active.ok_or(crate::kext::errno::EOPNOTSUPP())?;
        cfg.set_lower(&active.dev, extack)?;
        cfg.set_bonded_phc_index()
    }

    /// The port's own check applies further down (bonding.ko's choice).
    const PASSTHRU_FEATURES_CHECK: bool = true;

    fn set_mac_address(dev: &BondDev, mac: &MacAddr, rtnl: &mut RtnlHeld) -> Result {
        let mut cfg = dev.data().lock_cfg(rtnl)?;
        if cfg.values.fail_over_mac() != 0 && cfg.mode() == Mode::ActiveBackup {
            // bonding.ko: the ports' MACs follow failover, not the user.
            return Ok(());
        }
        if !is_valid_ether_addr(mac) {
            return Err(crate::kext::errno::EADDRNOTAVAIL());
        }
        let old = dev.addr();
        for (i, s) in cfg.slaves.iter().enumerate() {
            if let Err(e) = s.port.dev.set_mac(mac, rtnl) {
                for s in cfg.slaves.iter().take(i) {
                    let _ = s.port.dev.set_mac(&old, rtnl);
                }
                return Err(e);
            }
        }
        dev.set_addr_quiet(mac, rtnl);
        super::path::bond_addr_changed(dev, &mut cfg, rtnl);
        Ok(())
    }

    fn change_mtu(dev: &BondDev, mtu: u32, rtnl: &mut RtnlHeld) -> Result {
        let cfg = dev.data().lock_cfg(rtnl)?;
        let old = dev.mtu();
        for (i, s) in cfg.slaves.iter().enumerate() {
            if let Err(e) = s.port.dev.set_mtu(mtu, rtnl) {
                for s in cfg.slaves.iter().take(i) {
                    let _ = s.port.dev.set_mtu(old, rtnl);
                }
                return Err(e);
            }
        }
        dev.store_mtu(mtu, rtnl);
        Ok(())
    }

    /// From the published ports, not the configuration: a change of the
    /// bond's flags can come from inside one of its own changes.
    fn change_rx_flags(dev: &BondDev, change: u32, rtnl: &mut RtnlHeld) {
        let flags = dev.flags();
        let inc = |on: bool| if on { 1 } else { -1 };
        let apply = |p: &NetDevice| {
            if change & iff::PROMISC != 0 {
                let _ = p.set_promiscuity(inc(flags & iff::PROMISC != 0), rtnl);
            }
            if change & iff::ALLMULTI != 0 {
                let _ = p.set_allmulti(inc(flags & iff::ALLMULTI != 0), rtnl);
            }
        };
        match dev.data().mode() {
            m if m.uses_primary() => {
                if let Some(p) = dev.data().active_port(rtnl) {
                    apply(&p.dev);
                }
            }
            _ => {
                if let Some(sets) = dev.data().ports_rtnl(rtnl) {
                    sets.all.iter().for_each(|p| apply(&p.dev));
                }
            }
        }
    }

    fn set_rx_mode(dev: &BondDev) {
        let bond = dev.data();
        let rcu = RcuGuard::lock();
        match bond.mode() {
            m if m.uses_primary() => {
                if let Some(p) = bond.active(&rcu) {
                    p.dev.sync_addrs_in_rx_mode(dev);
                }
            }
            _ => {
                if let Some(sets) = bond.ports.get(&rcu) {
                    for p in sets.all.iter() {
                        p.dev.sync_addrs_multiple_in_rx_mode(dev);
                    }
                }
            }
        }
    }

    /// A VLAN on the bond: every port lets its id in (`bond_vlan_rx_add_vid`),
    /// or none does.
    fn vlan_rx_add_vid(dev: &BondDev, vlan: Vlan, rtnl: &RtnlHeld) -> Result {
        let Some(sets) = dev.data().ports_rtnl(rtnl) else {
            return Ok(());
        };
        for (i, p) in sets.all.iter().enumerate() {
            if let Err(e) = p.dev.vlan_vid_add(vlan, rtnl) {
                for p in sets.all.iter().take(i) {
                    p.dev.vlan_vid_del(vlan, rtnl);
                }
                return Err(e);
            }
        }
        Ok(())
    }

    fn vlan_rx_kill_vid(dev: &BondDev, vlan: Vlan, rtnl: &RtnlHeld) -> Result {
        if let Some(sets) = dev.data().ports_rtnl(rtnl) {
            for p in sets.all.iter() {
                p.dev.vlan_vid_del(vlan, rtnl);
            }
        }
        Ok(())
    }

    /// netconsole starts on the bond: netpoll on every port, or on none
    /// (`bond_netpoll_setup()`).
    fn netpoll_setup(dev: &BondDev, rtnl: &RtnlHeld) -> Result {
        let Some(sets) = dev.data().ports_rtnl(rtnl) else {
            return Ok(());
        };
        for p in sets.all.iter() {
            if let Err(e) = p.np.enable(&p.dev, rtnl) {
                Self::netpoll_cleanup(dev, rtnl);
                return Err(e);
            }
        }
        Ok(())
    }

    fn netpoll_cleanup(dev: &BondDev, rtnl: &RtnlHeld) {
        if let Some(sets) = dev.data().ports_rtnl(rtnl) {
            for p in sets.all.iter() {
                p.np.disable(rtnl);
            }
        }
    }

    /// netpoll polls the bond: it polls the ports that are up.
    fn poll_controller(dev: &BondDev) {
        let rcu = RcuGuard::lock();
        if let Some(sets) = dev.data().ports.get(&rcu) {
            for p in sets.all.iter().filter(|p| p.dev_up()) {
                netpoll::poll_dev(&p.dev);
            }
        }
    }

    /// bonding.ko's answer to `ethtool -i`: scripts look for this driver
    /// name (rust_bond names itself in /proc/net/bonding).
    fn drvinfo(_dev: &BondDev) -> DrvInfo {
        DrvInfo {
            driver: kernel::c_str!("bonding"),
            // BOND_ABI_VERSION
            fw_version: kernel::c_str!("2"),
        }
    }

    /// `bond_ethtool_get_link_ksettings()`: the sum of the speeds of the
    /// ports that can transmit, and the duplex of the first that knows.
    fn link_ksettings(dev: &BondDev, rtnl: &RtnlHeld) -> LinkSettings {
        let mut speed = 0u32;
        let mut duplex = netdev::DUPLEX_UNKNOWN;
        if let Some(sets) = dev.data().ports_rtnl(rtnl) {
            for p in sets.all.iter().filter(|p| p.can_tx()) {
                p.update_speed_duplex(rtnl);
                if let Some((s, d)) = p.speed_duplex() {
                    speed = speed.saturating_add(s);
                    if duplex == netdev::DUPLEX_UNKNOWN {
                        duplex = d;
                    }
                }
            }
        }
        LinkSettings {
            speed: if speed == 0 {
                netdev::SPEED_UNKNOWN
            } else {
                speed
            },
            duplex,
            port: netdev::PORT_OTHER,
        }
    }

    /// `bond_ethtool_get_ts_info()`: the active port's time stamping in
    /// the modes with one (active-backup, balance-tlb); otherwise
    /// software transmit stamps if every port has them.
    fn ts_info(dev: &BondDev, info: &mut TsInfo<'_>) -> Result {
        let bond = dev.data();
        let active = match bond.mode() {
            m if m.uses_primary() => {
                let rcu = RcuGuard::lock();
                bond.active(&rcu).map(|p| p.dev.to_ref())
            }
            _ => None,
        };
        if let Some(a) = active {
            return info.fill_from(&a);
        }
        let mut sw_tx = false;
        let mut ret = Ok(());
        let rcu = RcuGuard::lock();
        if let Some(sets) = bond.ports.get(&rcu) {
            for p in sets.all.iter() {
                match netdev::so_timestamping_of(&p.dev) {
                    Ok(bits) if bits & netdev::TS_TX_SOFTWARE != 0 => sw_tx = true,
                    r => {
                        ret = r.map(|_| ());
                        sw_tx = false;
                        break;
                    }
                }
            }
        }
        if sw_tx {
            info.add_so_timestamping(netdev::TS_TX_SOFTWARE);
        }
        ret
    }

    fn work(dev: &BondDev, id: WorkId) {
        if id == MONITOR {
            // One work for both monitors: they exclude each other.
            if dev.data().arp.interval() > 0 {
                super::arp::monitor(dev);
            } else {
                super::failover::monitor(dev);
            }
        } else if id == PATH {
            super::path::monitor(dev);
        } else if id == TLB {
            super::tlb::monitor(dev);
        } else {
            super::failover::resend_igmp(dev);
        }
    }
}

/// Releases `port` from `dev` (`ip link set PORT nomaster`,
/// `SIOCBONDRELEASE`): `EINVAL` if it is not a port of `dev`.
pub(crate) fn release_port(dev: &BondDev, port: &NetDevice, rtnl: &RtnlHeld) -> Result {
    let mut cfg = dev.data().lock_cfg(rtnl)?;
    let idx = cfg
        .slaves
        .iter()
        .position(|s| s.port.dev.is(port))
        .ok_or(EINVAL)?;
    port::release(dev, &mut cfg, idx, Leave::Release, rtnl);
    Ok(())
}

fn is_valid_ether_addr(mac: &MacAddr) -> bool {
    mac[0] & 1 == 0 && mac.iter().any(|b| *b != 0)
}

/// Creates a bond named `name` (`bond%d`: the next free number) with
/// `values`, and its /proc file.
pub(crate) fn create<'r>(
    rtnl: &'r mut RtnlHeld,
    name: &kernel::str::CStr,
    tx_queues: u32,
    values: Values,
) -> Result<&'r BondDev> {
    let (dev, rtnl) = netdev::register::<BondDriver>(
        rtnl,
        name,
        tx_queues,
        Some(&super::netlink::LINK_OPS),
        Bond::new(values),
    )?;
    created(dev, rtnl);
    Ok(dev)
}

/// Finishes a bond that was just registered, by [`create`] or by `ip link
/// add`.
pub(crate) fn created(dev: &BondDev, rtnl: &RtnlHeld) {
    // No port, no carrier (bonding does the same after registering).
    dev.set_carrier(false);
    super::proc::create_file(dev, rtnl);
}
