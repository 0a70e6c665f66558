// SPDX-License-Identifier: GPL-2.0

//! balance-tlb (mode 5), as `bond_alb.c` without its receive balancing:
//! every port transmits, the active one alone receives.
//!
//! - Each port keeps its own address as `dev_addr`, which the frames it
//!   sends carry as their source; its hardware keeps the bond's (so that a
//!   port that becomes the active one receives at once). The active port's
//!   `dev_addr` is the bond's: a failover swaps the two ports' addresses.
//! - With `tlb_dynamic_lb` 1, flows go by the load table of
//!   [`crate::bond_core::tlb`], rebalanced every ten seconds by this
//!   module's monitor, which also sends each port's learning packets
//!   every `lp_interval` seconds; with 0, by `xmit_hash_policy` over the
//!   ports that can transmit (the transmit set), and no monitor runs.

use super::config::{Config, Values};
use super::device::{BondDev, PortSets, TLB};
use super::port::{slave_log, Port};
use crate::bond_core::options::OptId;
use crate::bond_core::tlb::{self, Bucket, Loads, Table};
use crate::kext::arp::learning_packets;
use crate::kext::netdev::MacAddr;
use crate::kext::print::{dev_err, dev_warn};
use crate::kext::rcu::RcuGuard;
use crate::kext::rtnl::RtnlHeld;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};
use kernel::alloc::KVec;
use kernel::prelude::*;
use kernel::sync::Arc;

/// The monitor's period, in ms (`alb_delta_in_ticks`).
const TICK_MS: u32 = 1000 / tlb::TICKS_PER_SEC;

/// A bond's balance-tlb state (bonding's `alb_bond_info`, the parts
/// balance-tlb uses).
pub(crate) struct BondTlb {
    pub(crate) table: Table<KVec<Bucket>>,
    /// `tlb_dynamic_lb` and `lp_interval` as of the last change of the
    /// configuration (copies for the data path and the monitor).
    dynamic: AtomicBool,
    lp_interval: AtomicU32,
    /// The monitor's ticks since the last rebalance (a port that joins or
    /// comes up sets it to the limit: a rebalance at the next tick).
    rebalance_ticks: AtomicU32,
    /// ... and since the last learning packets.
    lp_ticks: AtomicU32,
}

impl BondTlb {
    pub(crate) fn new(v: &Values) -> Result<Self> {
        let mut buckets = KVec::with_capacity(tlb::BUCKETS, GFP_KERNEL)?;
        for _ in 0..tlb::BUCKETS {
            // Within the capacity: cannot fail.
            let _ = buckets.push(Bucket::new(), GFP_KERNEL);
        }
        let this = Self {
            table: Table::new(buckets),
            dynamic: AtomicBool::new(false),
            lp_interval: AtomicU32::new(0),
            rebalance_ticks: AtomicU32::new(0),
            lp_ticks: AtomicU32::new(0),
        };
        this.publish(v);
        Ok(this)
    }

    /// Takes the options' values, at every change of the configuration.
    pub(crate) fn publish(&self, v: &Values) {
        self.dynamic.store(v.get(OptId::TlbDynamicLb) != 0, Relaxed);
        self.lp_interval.store(
            u32::try_from(v.get(OptId::LpInterval)).unwrap_or(u32::MAX),
            Relaxed,
        );
    }

    /// Takes port `i` (of the published sets), `port`, its buckets and
    /// its load (`__tlb_clear_slave()`); with `save_load` the buckets keep
    /// what they carried as their history.
    pub(crate) fn clear(&self, i: usize, port: &Port, save_load: bool) {
        self.table.clear_port(i, save_load);
        port.set_tlb_load(0);
    }

    /// `tlb_dynamic_lb`: flows by load, not by hash.
    pub(crate) fn dynamic(&self) -> bool {
        self.dynamic.load(Relaxed)
    }

    /// Rebalance at the next tick.
    fn rebalance_soon(&self) {
        self.rebalance_ticks
            .store(tlb::REBALANCE_SECS * tlb::TICKS_PER_SEC, Relaxed);
    }
}

/// The published ports as the load table sees them.
pub(crate) struct SetLoads<'a>(pub(crate) &'a PortSets);

impl Loads for SetLoads<'_> {
    fn count(&self) -> usize {
        self.0.all.len()
    }

    fn gap(&self, i: usize) -> Option<i64> {
        let p = self.0.all.get(i)?;
        p.can_tx().then(|| tlb::gap(p.tlb_speed(), p.tlb_load()))
    }

    fn add_load(&self, i: usize, load: u32) {
        if let Some(p) = self.0.all.get(i) {
            p.add_tlb_load(load);
        }
    }
}

/// Takes `port`'s buckets from it (`tlb_clear_slave()`); with `save_load`
/// they keep what they carried as their history.
fn clear_port(dev: &BondDev, port: &Port, save_load: bool) {
    let rcu = RcuGuard::lock();
    match dev.data().ports(&rcu).and_then(|s| s.index_of(port)) {
        Some(i) => dev.data().tlb.clear(i as usize, port, save_load),
        None => port.set_tlb_load(0),
    }
}

/// The port of `cfg` whose address is `mac` (`bond_slave_has_mac()`).
fn port_with_addr(cfg: &Config, mac: &MacAddr) -> Option<Arc<Port>> {
    cfg.slaves
        .iter()
        .find(|s| s.port.dev.addr() == *mac)
        .map(|s| s.port.clone())
}

/// A port joins (`bond_alb_init_slave()`), before it is in `cfg`: it
/// takes back its own address as `dev_addr` (its hardware keeps the
/// bond's, set by the enslave), or the free one of another port if that
/// is in use; a rebalance follows. `EFAULT` if no address is free, which
/// cannot happen while every port has one of its own.
pub(crate) fn attach(dev: &BondDev, cfg: &Config, port: &Port, rtnl: &RtnlHeld) -> Result {
    port.dev.set_addr_quiet(&port.perm_addr, rtnl);
    if !cfg.slaves.is_empty() {
        give_free_addr(dev, cfg, port, rtnl)?;
    }
    port.set_tlb_load(0);
    dev.data().tlb.rebalance_soon();
    Ok(())
}

/// `alb_handle_addr_collision_on_attach()` for a port that is not the
/// first.
fn give_free_addr(dev: &BondDev, cfg: &Config, port: &Port, rtnl: &RtnlHeld) -> Result {
    let pdev = &port.dev;
    let bond_addr = dev.addr();
    if port.perm_addr != bond_addr {
        if port_with_addr(cfg, &pdev.addr()).is_none() {
            return Ok(());
        }
        pdev.set_addr_quiet(&bond_addr, rtnl);
    }
    let mut has_bond_addr = dev.data().active_port(rtnl);
    let mut free = None;
    for s in cfg.slaves.iter() {
        if port_with_addr(cfg, &s.port.perm_addr).is_none() {
            free = Some(s.port.clone());
            break;
        }
        if has_bond_addr.is_none() && s.port.dev.addr() == bond_addr {
            has_bond_addr = Some(s.port.clone());
        }
    }
    if let Some(f) = free {
        pdev.set_addr_quiet(&f.perm_addr, rtnl);
        slave_log!(
            dev_warn,
            dev,
            pdev,
            "the slave hw address is in use by the bond; giving it the hw address of {}\n",
            f.dev.name()
        );
    } else if has_bond_addr.is_some() {
        slave_log!(
            dev_err,
            dev,
            pdev,
            "the slave hw address is in use by the bond; couldn't find a slave with a free hw address to give it (this should not have happened)\n"
        );
        return Err(EFAULT);
    }
    Ok(())
}

/// A port left (`bond_alb_deinit_slave()`), after the active port was
/// cleared if it was this one and before another is chosen: if another
/// port uses its own address, it gets the one this port had. Its buckets
/// went with it when the ports were published without it.
pub(crate) fn detach(dev: &BondDev, cfg: &Config, port: &Port, rtnl: &RtnlHeld) {
    port.set_tlb_load(0);
    if cfg.slaves.is_empty() {
        return;
    }
    // alb_change_hw_addr_on_detach()
    let cur = port.dev.addr();
    if port.perm_addr != cur && port.perm_addr != dev.addr() {
        if let Some(other) = port_with_addr(cfg, &port.perm_addr) {
            swap_addrs(port, &other, rtnl);
            fasten_swap(dev, port, &other);
        }
    }
}

/// A port's link went down or came up (`bond_alb_handle_link_change()`):
/// down, it loses its buckets; up, a rebalance follows at once.
pub(crate) fn link_change(dev: &BondDev, port: &Port, up: bool) {
    if up {
        dev.data().tlb.rebalance_soon();
    } else {
        clear_port(dev, port, false);
    }
}

/// `new` becomes the active port (`bond_alb_handle_active_change()`): it
/// takes the bond's address as `dev_addr` from the old active port (or
/// the port that has it), which gets `new`'s, and the switch learns both.
pub(crate) fn active_change(
    dev: &BondDev,
    cfg: &Config,
    old: Option<&Arc<Port>>,
    new: Option<&Arc<Port>>,
    rtnl: &RtnlHeld,
) {
    dev.data().set_active_port(new, rtnl);
    let Some(new) = new else {
        return;
    };
    if cfg.slaves.is_empty() {
        return;
    }
    let bond_addr = dev.addr();
    let swap = old.cloned().or_else(|| port_with_addr(cfg, &bond_addr));
    // Their buckets go while their addresses change.
    if let Some(s) = &swap {
        clear_port(dev, s, true);
    }
    clear_port(dev, new, true);
    // A port whose link flapped may have taken its own address into its
    // filter: the hardware takes the bond's again, best effort.
    let tmp = new.dev.addr();
    let _ = new.dev.set_mac(&bond_addr, rtnl);
    new.dev.set_addr_quiet(&tmp, rtnl);
    match swap {
        Some(s) => {
            swap_addrs(&s, new, rtnl);
            fasten_swap(dev, &s, new);
        }
        None => {
            new.dev.set_addr_quiet(&bond_addr, rtnl);
            learning_packets(dev, &new.dev, &bond_addr, false);
        }
    }
}

/// `alb_swap_mac_addr()`: the two ports' `dev_addr`s trade places.
fn swap_addrs(a: &Port, b: &Port, rtnl: &RtnlHeld) {
    let tmp = a.dev.addr();
    a.dev.set_addr_quiet(&b.dev.addr(), rtnl);
    b.dev.set_addr_quiet(&tmp, rtnl);
}

/// `alb_fasten_mac_swap()`: each port that can transmit tells the switch
/// its new address.
fn fasten_swap(dev: &BondDev, a: &Port, b: &Port) {
    for p in [a, b] {
        if p.can_tx() {
            learning_packets(dev, &p.dev, &p.dev.addr(), false);
        }
    }
}

/// The bond opens (`bond_alb_initialize()`): a fresh table, and with
/// `tlb_dynamic_lb` the monitor.
pub(crate) fn opened(dev: &BondDev, cfg: &Config) {
    let t = &dev.data().tlb;
    t.table.reset();
    t.rebalance_ticks.store(0, Relaxed);
    t.lp_ticks.store(0, Relaxed);
    if cfg.values.get(OptId::TlbDynamicLb) != 0 {
        dev.schedule(TLB, 0);
    }
}

/// The monitor (`bond_alb_monitor()`), every 100 ms while the bond is up
/// with `tlb_dynamic_lb`: every `lp_interval` seconds each port's learning
/// packets (the active port's for the VLANs and macvlans above the bond
/// too), every ten seconds a rebalance. Takes no lock but RCU.
pub(crate) fn monitor(dev: &BondDev) {
    let bond = dev.data();
    let t = &bond.tlb;
    {
        let rcu = RcuGuard::lock();
        match bond.ports(&rcu).filter(|s| !s.all.is_empty()) {
            None => {
                t.rebalance_ticks.store(0, Relaxed);
                t.lp_ticks.store(0, Relaxed);
            }
            Some(sets) => {
                let rebalance = t.rebalance_ticks.fetch_add(1, Relaxed) + 1;
                let lp = t.lp_ticks.fetch_add(1, Relaxed) + 1;
                let active = sets.active();
                let is_active = |p: &Arc<Port>| active.is_some_and(|a| Arc::ptr_eq(a, p));
                let lp_interval = t.lp_interval.load(Relaxed);
                if lp >= lp_interval.saturating_mul(tlb::TICKS_PER_SEC) {
                    for p in sets.all.iter() {
                        learning_packets(dev, &p.dev, &p.dev.addr(), !is_active(p));
                    }
                    t.lp_ticks.store(0, Relaxed);
                }
                if rebalance >= tlb::REBALANCE_SECS * tlb::TICKS_PER_SEC {
                    for (i, p) in sets.all.iter().enumerate() {
                        t.clear(i, p, true);
                        if is_active(p) {
                            p.set_tlb_load(t.table.take_unbalanced_load());
                        }
                    }
                    t.rebalance_ticks.store(0, Relaxed);
                }
            }
        }
    }
    dev.schedule(TLB, TICK_MS);
}
