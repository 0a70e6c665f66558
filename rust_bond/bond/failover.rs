// SPDX-License-Identifier: GPL-2.0

//! Link monitoring, active-port selection and failover
//! (`bond_mii_monitor()`, `bond_select_active_slave()`,
//! `bond_change_active_slave()`), plus rust_bond's event path: a port's
//! carrier or up/down change is acted on when the notifier reports it, not
//! at the next monitor tick.

use super::config::{Config, Values};
use super::device::{BondDev, IGMP, MONITOR};
use super::port::{slave_log, Port, Slave};
use crate::bond_core::link::{LinkState, Step};
use crate::bond_core::options::{Mode, OptId};
use crate::bond_core::select::{find_best_by, Candidate, Selection};
use crate::kext::netdev::{self, event, iff, NetDevice};
use crate::kext::print::{dev_err, dev_info, dev_warn};
use crate::kext::rcu::RcuGuard;
use crate::kext::rtnl::{self, RtnlHeld};
use core::sync::atomic::Ordering::Relaxed;
use kernel::sync::Arc;

/// Whether a port's link is up, as the monitor sees it
/// (`bond_check_dev_link()`): open and with carrier. rust_bond reads the
/// carrier whatever `use_carrier` says (MII ioctls are long obsolete).
pub(crate) fn link_ok(port: &Port, _v: &Values) -> bool {
    port.dev.running() && port.dev.carrier_ok()
}

/// The bond has carrier iff a port's link is UP (`bond_set_carrier()`);
/// returns whether that changed.
pub(crate) fn set_carrier(dev: &BondDev, cfg: &Config) -> bool {
    let on = cfg.slaves.iter().any(|s| s.link.state == LinkState::Up);
    if on == dev.carrier_ok() {
        return false;
    }
    dev.set_carrier(on);
    true
}

/// `bond_select_active_slave()`.
pub(crate) fn select_active(dev: &BondDev, cfg: &mut Config, rtnl: &RtnlHeld) {
    let bond = dev.data();
    let current = bond.active_port(rtnl);
    let sel = Selection {
        primary: cfg.primary.as_ref().and_then(|p| cfg.index_of(p)),
        current: current.as_ref().and_then(|p| cfg.index_of(p)),
        reselect: cfg.values.reselect(),
        force_primary: cfg.force_primary,
        updelay: cfg.values.get(OptId::Updelay),
    };
    let (best, consumed) = {
        let dead = super::path::dead_path_filter(cfg);
        find_best_by(
            cfg.slaves.len(),
            |i| {
                let s = &cfg.slaves[i];
                candidate(s, dead(&s.port, sel.current == Some(i)))
            },
            sel,
        )
    };
    if consumed {
        cfg.force_primary = false;
    }
    if best == sel.current {
        return;
    }
    let new = best.map(|i| cfg.slaves[i].port.clone());
    change_active(dev, cfg, new, rtnl);
    if set_carrier(dev, cfg) {
        if dev.carrier_ok() {
            dev_info!(dev, "active interface up!\n");
        } else {
            dev_info!(dev, "now running without any active interface!\n");
        }
    }
}

/// What the selection needs to know of a port; one passed over for its
/// path (`dead`, the path monitor's failover policy) counts as down.
fn candidate(s: &Slave, dead: bool) -> Candidate {
    let (speed, duplex) = s.port.speed_duplex().unwrap_or((0, netdev::DUPLEX_UNKNOWN));
    Candidate {
        link: if dead { LinkState::Down } else { s.link.state },
        delay: s.link.delay(),
        dev_up: s.port.dev_up(),
        prio: s.port.prio(),
        speed,
        duplex,
    }
}

/// Makes `new` the active port (`bond_change_active_slave()`).
pub(crate) fn change_active(
    dev: &BondDev,
    cfg: &mut Config,
    new: Option<Arc<Port>>,
    rtnl: &RtnlHeld,
) {
    let old = dev.data().active_port(rtnl);
    switch_active(dev, cfg, old, new, rtnl);
}

/// Makes `new` the active port in place of `old`, which a release may
/// have unpublished already.
pub(crate) fn switch_active(
    dev: &BondDev,
    cfg: &mut Config,
    old: Option<Arc<Port>>,
    new: Option<Arc<Port>>,
    rtnl: &RtnlHeld,
) {
    let bond = dev.data();
    if old.as_ref().map(|p| core::ptr::from_ref::<Port>(p))
        == new.as_ref().map(|p| core::ptr::from_ref::<Port>(p))
    {
        return;
    }
    let mode = cfg.mode();
    if let Some(n) = &new {
        n.arp.link_up_now();
        if let Some(i) = cfg.index_of(n) {
            let s = &mut cfg.slaves[i];
            if s.link.state == LinkState::Back {
                if mode.uses_primary() {
                    let ms =
                        (cfg.values.get(OptId::Updelay) - s.link.delay()) * cfg.values.miimon();
                    slave_log!(
                        dev_info,
                        dev,
                        n.dev,
                        "making interface the new active one {} ms earlier\n",
                        ms
                    );
                }
                s.set_link(crate::bond_core::link::PortLink::new(LinkState::Up), rtnl);
                if mode.is_lb() {
                    super::tlb::link_change(dev, n, true);
                }
            } else if mode.uses_primary() {
                slave_log!(
                    dev_info,
                    dev,
                    n.dev,
                    "making interface the new active one\n"
                );
            }
        }
    }
    if mode.uses_primary() {
        swap_addr_state(dev, new.as_deref(), old.as_deref(), rtnl);
    }
    if mode.is_lb() {
        super::tlb::active_change(dev, cfg, old.as_ref(), new.as_ref(), rtnl);
        if let Some(o) = &old {
            o.set_inactive_flags_in(mode, cfg.values.all_slaves_active(), rtnl);
        }
        if let Some(n) = &new {
            n.set_active_flags(rtnl);
        }
    } else {
        // Published at once: the new port delivers to the bond as soon as
        // its flags say so, just below (bonding.ko's order).
        bond.set_active_port(new.as_ref(), rtnl);
    }
    if mode == Mode::ActiveBackup {
        if let Some(o) = &old {
            o.set_inactive_flags(cfg.values.all_slaves_active(), rtnl);
        }
        if let Some(n) = &new {
            n.set_active_flags(rtnl);
            n.failovers.fetch_add(1, Relaxed);
            if cfg.values.fail_over_mac() != 0 {
                fail_over_mac(dev, cfg, n, old.as_deref(), rtnl);
            }
            let mut should = false;
            if dev.running() {
                cfg.send_peer_notif = cfg.values.get(OptId::NumGratArp)
                    * cfg.values.get(OptId::PeerNotifDelay).max(1);
                should = should_notify_peers(dev, cfg);
            }
            dev.notify(event::BONDING_FAILOVER, rtnl);
            if should {
                cfg.send_peer_notif -= 1;
                dev.notify(event::NOTIFY_PEERS, rtnl);
            }
        }
    }
    // A port the selection took out of updelay transmits now (in every
    // mode: balance-rr's set has it from here).
    bond.update_tx(rtnl);
    // The new backup joins the NS targets' groups, the new active leaves.
    super::arp::sync_ns_groups(cfg, rtnl);
    let resend = cfg.values.get(OptId::ResendIgmp);
    if dev.running()
        && resend > 0
        && ((new.is_some() && mode.uses_primary()) || mode == Mode::RoundRobin)
    {
        cfg.igmp_retrans = resend;
        dev.schedule(IGMP, 1);
    }
}

/// Moves promiscuity, allmulti and the address lists from the old active
/// port to the new one (`bond_hw_addr_swap()`).
fn swap_addr_state(dev: &BondDev, new: Option<&Port>, old: Option<&Port>, rtnl: &RtnlHeld) {
    let flags = dev.flags();
    if let Some(o) = old {
        if flags & iff::PROMISC != 0 {
            let _ = o.dev.set_promiscuity(-1, rtnl);
        }
        if flags & iff::ALLMULTI != 0 {
            let _ = o.dev.set_allmulti(-1, rtnl);
        }
        if flags & iff::UP != 0 {
            o.dev.unsync_addrs_from(dev);
        }
    }
    if let Some(n) = new {
        if flags & iff::PROMISC != 0 {
            let _ = n.dev.set_promiscuity(1, rtnl);
        }
        if flags & iff::ALLMULTI != 0 {
            let _ = n.dev.set_allmulti(1, rtnl);
        }
        if flags & iff::UP != 0 {
            n.dev.sync_addrs_from(dev);
        }
    }
}

/// `fail_over_mac` at failover (`bond_do_fail_over_mac()`): `active`, the
/// bond takes the new port's MAC; `follow`, the new and old ports swap.
fn fail_over_mac(dev: &BondDev, cfg: &Config, new: &Port, old: Option<&Port>, rtnl: &RtnlHeld) {
    match cfg.values.fail_over_mac() {
        1 => {
            if let Err(e) = dev.take_mac(&new.dev.addr(), rtnl) {
                slave_log!(
                    dev_err,
                    dev,
                    new.dev,
                    "Error {} setting bond MAC from slave\n",
                    -e.to_errno()
                );
            }
        }
        _ => {
            let bond_mac = dev.addr();
            let old: Option<&NetDevice> = match old {
                Some(o) => Some(&o.dev),
                None => cfg
                    .slaves
                    .iter()
                    .map(|s| &*s.port.dev)
                    .find(|d| !d.is(&new.dev) && d.addr() == bond_mac),
            };
            // The new port takes the old one's MAC (or the bond's), and the
            // old one the new one's.
            let tmp = new.dev.addr();
            let target = old.map_or(bond_mac, |o| o.addr());
            if let Err(e) = new.dev.set_mac(&target, rtnl) {
                slave_log!(
                    dev_err,
                    dev,
                    new.dev,
                    "Error {} setting MAC of new active slave\n",
                    -e.to_errno()
                );
                return;
            }
            if let Some(o) = old {
                if let Err(e) = o.set_mac(&tmp, rtnl) {
                    slave_log!(
                        dev_err,
                        dev,
                        o,
                        "Error {} setting MAC of old active slave\n",
                        -e.to_errno()
                    );
                }
            }
        }
    }
}

/// `bond_should_notify_peers()`.
pub(crate) fn should_notify_peers(dev: &BondDev, cfg: &Config) -> bool {
    let delay = cfg.values.get(OptId::PeerNotifDelay).max(1);
    cfg.send_peer_notif != 0
        && cfg.send_peer_notif % delay == 0
        && dev.carrier_ok()
        // Not while the active port's own link change is unreported.
        && {
            let rcu = RcuGuard::lock();
            dev.data()
                .active(&rcu)
                .is_some_and(|p| !p.dev.linkwatch_pending())
        }
}

/// Logs and commits what a tick (or an event) did to slave `i`; returns
/// whether the active port must be reselected.
fn apply(dev: &BondDev, cfg: &mut Config, i: usize, step: Step, rtnl: &RtnlHeld) -> bool {
    let mode = cfg.mode();
    let bond = dev.data();
    let port = cfg.slaves[i].port.clone();
    let pdev = &port.dev;
    match step {
        Step::Same => false,
        Step::DownIn { ms } => {
            let which = match mode {
                Mode::ActiveBackup if bond.active_is(&port) => "active ",
                Mode::ActiveBackup => "backup ",
                _ => "",
            };
            slave_log!(
                dev_info,
                dev,
                pdev,
                "link status down for {}interface, disabling it in {} ms\n",
                which,
                ms
            );
            false
        }
        Step::UpAgain { ms } => {
            port.arp.link_up_now();
            slave_log!(
                dev_info,
                dev,
                pdev,
                "link status up again after {} ms\n",
                ms
            );
            false
        }
        Step::UpIn { ms } => {
            slave_log!(
                dev_info,
                dev,
                pdev,
                "link status up, enabling it in {} ms\n",
                ms
            );
            false
        }
        Step::DownAgain { ms } => {
            slave_log!(
                dev_info,
                dev,
                pdev,
                "link status down again after {} ms\n",
                ms
            );
            false
        }
        Step::Up => {
            port.arp.link_up_now();
            port.update_speed_duplex(rtnl);
            if mode.is_lb() && port.speed_duplex().is_none() {
                // A mode that weighs ports by speed keeps one whose speed
                // ethtool cannot tell down (bond_needs_speed_duplex()),
                // and the next tick tries again.
                cfg.slaves[i]
                    .set_link(crate::bond_core::link::PortLink::new(LinkState::Down), rtnl);
                if crate::kext::print::net_ratelimit() {
                    slave_log!(dev_warn, dev, pdev, "failed to get link speed/duplex\n");
                }
                return false;
            }
            // Every port but active-backup's transmits at once
            // (balance-tlb's still delivers only if it is the active one).
            if mode.is_lb() {
                port.set_backup_state(false, rtnl);
            } else if mode != Mode::ActiveBackup {
                port.set_active_flags(rtnl);
            }
            let (speed, duplex) = port.speed_duplex().unwrap_or((0, netdev::DUPLEX_FULL));
            slave_log!(
                dev_info,
                dev,
                pdev,
                "link status definitely up, {} Mbps {} duplex\n",
                speed,
                if duplex != 0 { "full" } else { "half" }
            );
            if mode.is_lb() {
                super::tlb::link_change(dev, &port, true);
            }
            // bond_miimon_commit(): reselect for a port that beats the
            // active one on prio too.
            let beats_active = match bond.active_port(rtnl) {
                Some(a) => port.prio() > a.prio(),
                None => true,
            };
            beats_active || cfg.primary.as_ref().is_some_and(|p| Arc::ptr_eq(p, &port))
        }
        Step::Down => {
            let n = port.link_failure_count.load(Relaxed);
            port.link_failure_count.store(n.saturating_add(1), Relaxed);
            if mode == Mode::ActiveBackup {
                port.set_inactive_flags(cfg.values.all_slaves_active(), rtnl);
            }
            slave_log!(
                dev_info,
                dev,
                pdev,
                "link status definitely down, disabling slave\n"
            );
            if mode.is_lb() {
                super::tlb::link_change(dev, &port, false);
            }
            bond.active_is(&port)
        }
    }
}

/// After link changes: reselect if needed, update carrier and the data
/// path's port sets.
fn settle(dev: &BondDev, cfg: &mut Config, reselect: bool, changed: bool, rtnl: &RtnlHeld) {
    if reselect {
        select_active(dev, cfg, rtnl);
    }
    set_carrier(dev, cfg);
    if changed {
        dev.data().update_tx(rtnl);
    }
}

/// Whether the first port back skips updelay (`bond_miimon_inspect()`):
/// in active-backup when no port is active, in balance-xor when none can
/// transmit. balance-rr never skips it (bonding.ko does once the bond was
/// in a hashing mode before: its emptied slave array stays behind).
fn skip_updelay(dev: &BondDev, cfg: &Config, rtnl: &RtnlHeld) -> bool {
    match cfg.mode() {
        Mode::ActiveBackup => dev.data().active_port(rtnl).is_none(),
        m if m.can_use_xmit_hash() => dev.data().tx_count(rtnl) == 0,
        _ => false,
    }
}

/// bonding.ko's line for the first port back when it skips updelay
/// (`ignore_updelay`): announced as a delay of 0 ms, before it is up.
fn log_updelay_skipped(
    dev: &BondDev,
    cfg: &Config,
    i: usize,
    before: LinkState,
    step: Step,
    skip: bool,
) {
    if skip && step == Step::Up && before == LinkState::Down && cfg.values.get(OptId::Updelay) > 0 {
        slave_log!(
            dev_info,
            dev,
            &cfg.slaves[i].port.dev,
            "link status up, enabling it in 0 ms\n"
        );
    }
}

/// One pass of the MII monitor over every port (`bond_mii_monitor()`).
fn monitor_pass(dev: &BondDev, cfg: &mut Config, rtnl: &RtnlHeld) {
    // 6.12's bonding.ko decides before the pass commits, later ones after
    // (so that a failover of this pass is notified in full).
    #[cfg(not(rb_peer_notify_after_commit))]
    let should_notify = should_notify_peers(dev, cfg);
    let mut no_active = skip_updelay(dev, cfg, rtnl);
    let delays = cfg.values.delays();
    let (mut reselect, mut changed) = (false, false);
    for i in 0..cfg.slaves.len() {
        let ok = link_ok(&cfg.slaves[i].port, &cfg.values);
        let mut link = cfg.slaves[i].link;
        let before = link.state;
        let step = link.tick(ok, delays, no_active);
        log_updelay_skipped(dev, cfg, i, before, step, no_active);
        if step == Step::Up {
            // Only the first port back skips updelay.
            no_active = false;
        }
        cfg.slaves[i].set_link(link, rtnl);
        changed |= before != link.state;
        reselect |= apply(dev, cfg, i, step, rtnl);
    }
    settle(dev, cfg, reselect, changed, rtnl);
    if cfg.send_peer_notif > 0 {
        #[cfg(rb_peer_notify_after_commit)]
        let should_notify = should_notify_peers(dev, cfg);
        cfg.send_peer_notif -= 1;
        if should_notify {
            dev.notify(event::NOTIFY_PEERS, rtnl);
        }
    }
}

/// Whether a monitor pass would change anything (`bond_miimon_inspect()`),
/// read under RCU only: a port whose carrier disagrees with its link
/// state, a delay counting down, peer notifications due.
fn pass_needed(dev: &BondDev) -> bool {
    let bond = dev.data();
    if bond.peer_notif_pending() {
        return true;
    }
    let rcu = RcuGuard::lock();
    let Some(sets) = bond.ports(&rcu) else {
        return false;
    };
    sets.all.iter().any(|p| match p.link() {
        LinkState::Up => !p.dev_up(),
        LinkState::Down => p.dev_up(),
        LinkState::Fail | LinkState::Back => true,
    })
}

/// The monitor work: one pass every `miimon` ms while the bond is up. It
/// inspects without RTNL and takes RTNL only to commit a change, as
/// bonding.ko, so a steady bond never contends for it.
pub(crate) fn monitor(dev: &BondDev) {
    if !pass_needed(dev) {
        let miimon = dev.data().miimon();
        if miimon > 0 {
            dev.schedule(MONITOR, miimon);
        }
        return;
    }
    let Some(rtnl) = rtnl::try_lock() else {
        // Someone holds RTNL (perhaps waiting for this work to stop): try
        // again in a jiffy, as bonding does.
        dev.schedule(MONITOR, 1);
        return;
    };
    let miimon = {
        let Ok(mut cfg) = dev.data().lock_cfg(&rtnl) else {
            dev.schedule(MONITOR, 1);
            return;
        };
        if !cfg.slaves.is_empty() {
            monitor_pass(dev, &mut cfg, &rtnl);
        }
        cfg.values.miimon()
    };
    drop(rtnl);
    if miimon > 0 {
        dev.schedule(MONITOR, miimon as u32);
    }
}

/// A port's carrier or up/down state changed (from the netdevice
/// notifier): decide now what the next tick would. Only with link
/// monitoring on (miimon) and the bond up, as the monitor itself runs.
pub(crate) fn port_event(dev: &BondDev, cfg: &mut Config, port: &Arc<Port>, rtnl: &RtnlHeld) {
    if cfg.values.miimon() == 0 || !dev.running() {
        return;
    }
    let Some(i) = cfg.index_of(port) else {
        return;
    };
    let no_active = skip_updelay(dev, cfg, rtnl);
    let ok = link_ok(port, &cfg.values);
    let mut link = cfg.slaves[i].link;
    let before = link.state;
    let step = link.event(ok, cfg.values.delays(), no_active);
    log_updelay_skipped(dev, cfg, i, before, step, no_active);
    cfg.slaves[i].set_link(link, rtnl);
    let reselect = apply(dev, cfg, i, step, rtnl);
    settle(dev, cfg, reselect, before != link.state, rtnl);
}

/// The IGMP resend work: `resend_igmp` reports, 200 ms apart.
pub(crate) fn resend_igmp(dev: &BondDev) {
    let Some(rtnl) = rtnl::try_lock() else {
        dev.schedule(IGMP, 1);
        return;
    };
    dev.notify(event::RESEND_IGMP, &rtnl);
    let again = {
        let Ok(mut cfg) = dev.data().lock_cfg(&rtnl) else {
            return;
        };
        if cfg.igmp_retrans > 1 {
            cfg.igmp_retrans -= 1;
            true
        } else {
            cfg.igmp_retrans = 0;
            false
        }
    };
    drop(rtnl);
    if again {
        dev.schedule(IGMP, 200);
    }
}
