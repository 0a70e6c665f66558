// SPDX-License-Identifier: GPL-2.0

//! Ports (bonding's slaves): enslaving and releasing them, and receiving
//! on them.

use super::arp::PortArp;
use super::config::Config;
use super::device::{AtomicStats, Bond, BondDev};
use super::files::PORT_FILES;
use crate::bond_core::hash::Policy;
use crate::bond_core::link::{LinkState, PortLink};
use crate::bond_core::options::{Mode, OptId};
use crate::kext::netdev::{
    self, iff, DevName, ExtAck, MacAddr, NetDevRef, NetDevice, Stats64, ARPHRD_ETHER,
    NET_ADDR_RANDOM,
};
use crate::kext::netpoll::{self, NetpollSlot};
use crate::kext::percpu::PerCpuU64s;
use crate::kext::print::{dev_err, dev_info, dev_warn};
use crate::kext::rcu::RcuGuard;
use crate::kext::rtnl::RtnlHeld;
use crate::kext::rx::{RxAction, RxHandler, RxReg, RxSkb};
use crate::kext::sync::LevelGuard;
use crate::kext::sysfs::GroupOnDevice;
use core::sync::atomic::{
    AtomicBool, AtomicI32, AtomicU32, AtomicU64, AtomicU8, Ordering::Relaxed,
};
use kernel::c_str;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::Arc;
use kernel::types::ScopeGuard;

/// `bond0: (slave eth0): message`, as bonding's `slave_info()` prints.
macro_rules! slave_log {
    ($mac:ident, $bond:expr, $port:expr, $($arg:tt)*) => {
        $mac!($bond, "(slave {}): {}", $port.name(), format_args!($($arg)*))
    };
}
pub(crate) use slave_log;

/// What the data path and the port's sysfs files read of a port: all
/// atomics, so neither takes the bond's config lock.
pub(crate) struct Port {
    pub(crate) dev: NetDevRef,
    /// The bond device, where active ports deliver their frames.
    pub(crate) bond: NetDevRef,
    /// The port's MAC address when it was enslaved, restored at release.
    pub(crate) perm_addr: MacAddr,
    link: AtomicU8,
    /// `bonding_slave/state`: backup (true) or active.
    backup: AtomicBool,
    /// Frames received here are not delivered to the bond.
    inactive: AtomicBool,
    pub(crate) link_failure_count: AtomicU32,
    speed: AtomicU32,
    duplex: AtomicU8,
    /// What the bond sent and received through the port, per CPU
    /// (indexed by [`Counter`]): the hot paths never share a cache line.
    counters: PerCpuU64s<{ Counter::COUNT }>,
    /// How many times the port became the active one.
    pub(crate) failovers: AtomicU64,
    /// The port's counters when the bond last folded them into its own
    /// (under the bond's statistics lock): at first, when enslaved.
    folded: AtomicStats,
    /// netpoll on the port while netconsole (or another netpoll user)
    /// runs over the bond.
    pub(crate) np: NetpollSlot,
    /// What the ARP monitor knows of the port.
    pub(crate) arp: PortArp,
    /// What the path monitor knows of the port.
    pub(crate) path: super::path::PortPath,
    /// `bonding_slave/prio`: among ports that are up, the active-backup
    /// selection prefers the highest.
    prio: AtomicI32,
    /// balance-tlb: the load of the flows the port carries (bonding's
    /// `tlb_slave_info.load`), in bytes per second of the last period.
    tlb_load: AtomicU32,
}

impl Port {
    /// Adds what the port counted since the last fold to the bond's
    /// counters (`total`, whose lock proves the caller holds it).
    pub(crate) fn fold_stats(&self, total: &mut LevelGuard<'_, Stats64>) {
        self.folded.fold_into(total, &self.dev.stats());
    }

    pub(crate) fn link(&self) -> LinkState {
        LinkState::from_u8(self.link.load(Relaxed))
    }

    pub(crate) fn prio(&self) -> i32 {
        self.prio.load(Relaxed)
    }

    pub(crate) fn set_prio(&self, prio: i32) {
        self.prio.store(prio, Relaxed);
    }

    pub(crate) fn is_backup(&self) -> bool {
        self.backup.load(Relaxed)
    }

    /// Running with carrier (`bond_slave_is_up()`).
    pub(crate) fn dev_up(&self) -> bool {
        self.dev.running() && self.dev.carrier_ok()
    }

    /// Whether the bond may transmit on the port now (`bond_slave_can_tx()`).
    pub(crate) fn can_tx(&self) -> bool {
        self.dev_up() && self.link() == LinkState::Up && !self.is_backup()
    }

    /// Speed in Mb/s and duplex, when ethtool knows them.
    pub(crate) fn speed_duplex(&self) -> Option<(u32, u8)> {
        let speed = self.speed.load(Relaxed);
        (speed != 0).then(|| (speed, self.duplex.load(Relaxed)))
    }

    pub(crate) fn update_speed_duplex(&self, rtnl: &RtnlHeld) {
        self.store_speed_duplex(self.dev.speed_duplex(rtnl));
    }

    /// [`Port::update_speed_duplex`] from the netdevice notifier.
    pub(crate) fn update_speed_duplex_in_event(&self, rtnl: &RtnlHeld) {
        self.store_speed_duplex(self.dev.speed_duplex_in_event(rtnl));
    }

    fn store_speed_duplex(&self, sd: Option<(u32, u8)>) {
        let (s, d) = sd.unwrap_or((0, netdev::DUPLEX_UNKNOWN));
        self.speed.store(s, Relaxed);
        self.duplex.store(d, Relaxed);
    }

    /// `bond_set_slave_active_flags()`.
    pub(crate) fn set_active_flags(&self, rtnl: &RtnlHeld) {
        let was_backup = self.backup.swap(false, Relaxed);
        self.inactive.store(false, Relaxed);
        if was_backup {
            self.lower_state_changed(rtnl);
        }
    }

    /// `bond_set_slave_inactive_flags()` of balance-tlb: the port stays
    /// active (it transmits) but delivers nothing to the bond unless
    /// `all_slaves_active` (which leaves the flag as it was, as bonding.ko
    /// does). No state changes, so nothing to announce.
    pub(crate) fn set_lb_inactive_flags(&self, all_slaves_active: bool) {
        if !all_slaves_active {
            self.inactive.store(true, Relaxed);
        }
    }

    /// [`Port::set_inactive_flags`], or in balance-tlb
    /// [`Port::set_lb_inactive_flags`], as bonding.ko's one function.
    pub(crate) fn set_inactive_flags_in(
        &self,
        mode: Mode,
        all_slaves_active: bool,
        rtnl: &RtnlHeld,
    ) {
        if mode.is_lb() {
            self.set_lb_inactive_flags(all_slaves_active);
        } else {
            self.set_inactive_flags(all_slaves_active, rtnl);
        }
    }

    /// The load balance-tlb's table counts on the port.
    pub(crate) fn tlb_load(&self) -> u32 {
        self.tlb_load.load(Relaxed)
    }

    pub(crate) fn set_tlb_load(&self, load: u32) {
        self.tlb_load.store(load, Relaxed);
    }

    pub(crate) fn add_tlb_load(&self, load: u32) {
        // Wrapping, as bonding.ko's u32.
        self.tlb_load.fetch_add(load, Relaxed);
    }

    /// The speed balance-tlb weighs the port by: bonding.ko's
    /// `SPEED_UNKNOWN` (`u32::MAX`) when ethtool does not know it.
    pub(crate) fn tlb_speed(&self) -> u32 {
        self.speed_duplex().map_or(u32::MAX, |(s, _)| s)
    }

    /// `bond_set_slave_inactive_flags()`.
    pub(crate) fn set_inactive_flags(&self, all_slaves_active: bool, rtnl: &RtnlHeld) {
        let was_backup = self.backup.swap(true, Relaxed);
        self.inactive.store(!all_slaves_active, Relaxed);
        if !was_backup {
            self.lower_state_changed(rtnl);
        }
    }

    /// Only the backup state, not what it delivers (balance-rr's ARP
    /// monitor: `bond_set_backup_slave()` / `bond_set_active_slave()`).
    pub(crate) fn set_backup_state(&self, backup: bool, rtnl: &RtnlHeld) {
        if self.backup.swap(backup, Relaxed) != backup {
            self.lower_state_changed(rtnl);
        }
    }

    /// Tells the stack the port's link and transmit state
    /// (`bond_lower_state_changed()`: `NETDEV_CHANGELOWERSTATE`, which
    /// `ip monitor` sees as a link message of the port).
    pub(crate) fn lower_state_changed(&self, rtnl: &RtnlHeld) {
        let link_up = matches!(self.link(), LinkState::Up | LinkState::Fail);
        self.dev
            .lower_state_changed(link_up, !self.is_backup(), rtnl);
    }

    /// `all_slaves_active` changed: backups deliver (or stop).
    pub(crate) fn set_all_slaves_active(&self, on: bool) {
        if self.is_backup() {
            self.inactive.store(!on, Relaxed);
        }
    }

    pub(crate) fn count_tx(&self, bytes: u32) {
        self.counters.add::<{ Counter::TxPackets as usize }>(1);
        self.counters
            .add::<{ Counter::TxBytes as usize }>(u64::from(bytes));
    }

    /// One of the port's counters, summed over the CPUs.
    pub(crate) fn counter(&self, c: Counter) -> u64 {
        // Always `Some`: `Counter::COUNT` counts every variant.
        self.counters.sum(c as usize).unwrap_or(0)
    }
}

/// The per-port counters of `bonding_slave/`.
#[derive(Clone, Copy)]
pub(crate) enum Counter {
    TxPackets,
    TxBytes,
    RxPackets,
    RxBytes,
    RxDroppedInactive,
}

impl Counter {
    const COUNT: usize = Counter::RxDroppedInactive as usize + 1;
}

/// The receive handler of ports (`bond_handle_frame()`).
pub(crate) struct BondRx;

impl RxHandler for BondRx {
    type Port = Port;

    fn handle<'a>(port: &'a Port, skb: &RxSkb, rcu: &'a RcuGuard) -> RxAction<'a> {
        // The ARP monitor sees every frame, a backup's too
        // (`bond->recv_probe`, while the bond is up).
        if let Some(bond) = BondDev::try_from(&port.bond) {
            if bond.data().arp.interval() > 0 && bond.is_up() {
                super::arp::received(bond, port, skb, rcu);
            }
            // And the path monitor (rust_bond's own).
            if bond.data().path.interval() > 0 {
                super::path::received(bond, port, skb, rcu);
            }
        }
        if port.inactive.load(Relaxed) {
            // A backup: link-local frames (LLDP, STP) still reach the port
            // itself; the rest only sockets bound to the port.
            if skb.is_link_local() {
                return RxAction::Pass;
            }
            port.counters
                .add::<{ Counter::RxDroppedInactive as usize }>(1);
            return RxAction::Exact;
        }
        port.counters.add::<{ Counter::RxPackets as usize }>(1);
        port.counters
            .add::<{ Counter::RxBytes as usize }>(u64::from(skb.len()));
        RxAction::Deliver(&port.bond)
    }
}

/// A port as the bond's config owns it.
pub(crate) struct Slave {
    pub(crate) port: Arc<Port>,
    rx: Option<RxReg<BondRx>>,
    files: Option<GroupOnDevice>,
    /// The monitor's state of the port (mirrored into `port.link`).
    pub(crate) link: PortLink,
    orig_mtu: u32,
    /// The NS targets' groups the port joined.
    pub(crate) ns: super::arp::NsGroups,
    /// The address the path monitor added to the port's filter.
    pub(crate) path_mac: Option<MacAddr>,
}

impl Slave {
    pub(crate) fn set_link(&mut self, link: PortLink, rtnl: &RtnlHeld) {
        let up = |s: LinkState| matches!(s, LinkState::Up | LinkState::Fail);
        let changed = up(self.link.state) != up(link.state);
        self.link = link;
        self.port.link.store(link.state.to_u8(), Relaxed);
        if changed {
            self.port.lower_state_changed(rtnl);
        }
    }

    /// The link state without the lower-state event (balance-rr's ARP
    /// monitor sends one with the backup state).
    pub(crate) fn set_link_quietly(&mut self, link: PortLink) {
        self.link = link;
        self.port.link.store(link.state.to_u8(), Relaxed);
    }

    pub(crate) fn name(&self) -> DevName {
        self.port.dev.name()
    }
}

/// Enslaves `pdev` to `dev` (`bond_enslave()`): the checks, then MTU and
/// MAC while the port is down, open it, take over its receive path, link
/// it below the bond.
pub(crate) fn enslave(
    dev: &BondDev,
    cfg: &mut Config,
    pdev: &NetDevice,
    extack: &mut ExtAck,
    rtnl: &RtnlHeld,
) -> Result {
    let bond: &Bond = dev.data();
    let mode = cfg.mode();
    if pdev.flags() & iff::MASTER != 0 && BondDev::try_from(pdev).is_none() {
        refuse(
            dev,
            None,
            extack,
            c_str!("Device type (master device) cannot be enslaved"),
        );
        return Err(EPERM);
    }
    if pdev.rx_handler_busy(rtnl) {
        refuse(
            dev,
            Some(pdev),
            extack,
            c_str!("Device is in use and cannot be enslaved"),
        );
        return Err(EBUSY);
    }
    if pdev.is(dev) {
        refuse(dev, None, extack, c_str!("Cannot enslave bond to itself."));
        return Err(EPERM);
    }
    if pdev.vlan_challenged() {
        if dev.has_vlans(rtnl) {
            let msg = c_str!("Can not enslave VLAN challenged device to VLAN enabled bond");
            refuse(dev, Some(pdev), extack, msg);
            return Err(EPERM);
        }
        slave_log!(
            dev_warn,
            dev,
            pdev,
            "enslaved VLAN challenged slave. Adding VLANs will be blocked as long as it is part of bond.\n"
        );
    }
    if pdev.is_up() {
        refuse(
            dev,
            Some(pdev),
            extack,
            c_str!("Device can not be enslaved while up"),
        );
        return Err(EPERM);
    }
    if pdev.dev_type() != dev.dev_type() || pdev.dev_type() != ARPHRD_ETHER {
        // bonding.ko turns a port-less bond into the first port's type;
        // rust_bond bonds Ethernet ports only.
        refuse(
            dev,
            Some(pdev),
            extack,
            c_str!("Device type is different from other slaves"),
        );
        return Err(EINVAL);
    }
    // Users of the port itself, netconsole among them, let go of it.
    pdev.notify(netdev::event::JOIN, rtnl);
    // Room for the new slave now, so that nothing can fail after the port
    // is taken over.
    cfg.slaves.reserve(1, GFP_KERNEL)?;
    let n = cfg.slaves.len() + 1;
    let sets = Bond::alloc_ports(n)?;
    // And for the next release, which must publish without allocating
    // (kept in `cfg` only once nothing can fail any more).
    let spare = match &cfg.spare_ports {
        Some(s) if s.has_room(n) => None,
        _ => Some(Bond::alloc_ports(n)?),
    };
    // From here, each step that changed something arms a guard that
    // undoes it if a later step fails; guards run in reverse order, and
    // all are dismissed once the port is enslaved.
    let first = cfg.slaves.is_empty();
    if first && dev.addr_assign_type() == NET_ADDR_RANDOM {
        dev.take_mac(&pdev.addr(), rtnl)?;
    }
    let undo_bond_mac = ScopeGuard::new(|| {
        if first && dev.addr() == pdev.addr() {
            dev.random_mac(false, rtnl);
        }
    });

    let orig_mtu = pdev.mtu();
    if let Err(e) = pdev.set_mtu(dev.mtu(), rtnl) {
        slave_log!(
            dev_err,
            dev,
            pdev,
            "Error {} calling dev_set_mtu\n",
            e.to_errno()
        );
        return Err(e);
    }
    let restore_mtu = ScopeGuard::new(|| {
        let _ = pdev.set_mtu(orig_mtu, rtnl);
    });
    let perm_addr = pdev.addr();
    let fom = cfg.values.fail_over_mac();
    let sets_mac = fom == 0 || mode != Mode::ActiveBackup;
    let mac_result = if sets_mac {
        pdev.set_mac(&dev.addr(), rtnl)
    } else if fom == 2 && !first && perm_addr == dev.addr() {
        pdev.set_mac(&netdev::random_mac_addr(), rtnl)
    } else {
        Ok(())
    };
    if let Err(e) = mac_result {
        slave_log!(
            dev_err,
            dev,
            pdev,
            "Error {} calling set_mac_address\n",
            e.to_errno()
        );
        return Err(e);
    }
    let restore_mac = ScopeGuard::new(|| {
        if sets_mac {
            let _ = pdev.set_mac(&perm_addr, rtnl);
        }
    });
    pdev.set_no_addrconf(true, rtnl);
    let restore_addrconf = ScopeGuard::new(|| pdev.set_no_addrconf(false, rtnl));
    if let Err(e) = pdev.open(rtnl) {
        slave_log!(dev_err, dev, pdev, "Opening slave failed\n");
        return Err(e);
    }
    let close = ScopeGuard::new(|| pdev.close(rtnl));
    // The VLANs on the bond pass the port's filter too.
    if let Err(e) = pdev.vlan_vids_add_by(dev, rtnl) {
        slave_log!(dev_err, dev, pdev, "Couldn't add bond vlan ids\n");
        return Err(e);
    }
    let del_vids = ScopeGuard::new(|| pdev.vlan_vids_del_by(dev, rtnl));

    let counters = PerCpuU64s::new().map_err(|_| ENOMEM)?;
    // With the ARP monitor (and no miimon), a port starts as its carrier
    // says.
    let arp_mode = cfg.values.miimon() == 0 && cfg.values.get(OptId::ArpInterval) > 0;
    let arp_down = arp_mode && !pdev.carrier_ok();
    let port = Arc::new(
        Port {
            dev: pdev.to_ref(),
            bond: dev.to_ref(),
            perm_addr,
            link: AtomicU8::new(LinkState::Up.to_u8()),
            backup: AtomicBool::new(false),
            inactive: AtomicBool::new(false),
            link_failure_count: AtomicU32::new(0),
            speed: AtomicU32::new(0),
            duplex: AtomicU8::new(netdev::DUPLEX_UNKNOWN),
            counters,
            failovers: AtomicU64::new(0),
            folded: AtomicStats::new(&pdev.stats()),
            np: NetpollSlot::new(),
            arp: PortArp::new(
                u32::try_from(cfg.values.get(OptId::ArpInterval)).unwrap_or(u32::MAX),
                arp_down || (cfg.values.miimon() > 0 && !pdev.carrier_ok()),
            ),
            prio: AtomicI32::new(0),
            path: super::path::PortPath::new(),
            tlb_load: AtomicU32::new(0),
        },
        GFP_KERNEL,
    )
    .map_err(|_| ENOMEM)?;
    if mode.is_lb() {
        // Its own address back as dev_addr (the guards above restore it
        // on failure).
        super::tlb::attach(dev, cfg, &port, rtnl)?;
    }
    // netconsole over the bond sends through every port.
    if netpoll::is_set_up(dev, rtnl) && port.np.enable(pdev, rtnl).is_err() {
        slave_log!(
            dev_info,
            dev,
            pdev,
            "master_dev is using netpoll, but new slave device does not support netpoll\n"
        );
        return Err(EBUSY);
    }
    let disable_np = ScopeGuard::new(|| port.np.disable(rtnl));
    port.update_speed_duplex(rtnl);
    // The initial link state: with miimon, what the carrier says (an
    // updelay applies); without, up whatever the carrier.
    let miimon = cfg.values.miimon();
    let link = if arp_down {
        PortLink::new(LinkState::Down)
    } else if miimon == 0 {
        PortLink::new(LinkState::Up)
    } else if super::failover::link_ok(&port, &cfg.values) {
        if cfg.values.get(OptId::Updelay) > 0 {
            PortLink::with_delay(LinkState::Back, cfg.values.get(OptId::Updelay))
        } else {
            PortLink::new(LinkState::Up)
        }
    } else {
        PortLink::new(LinkState::Down)
    };
    let mut slave = Slave {
        port: port.clone(),
        rx: None,
        files: None,
        link,
        orig_mtu,
        ns: super::arp::NsGroups::new(),
        path_mac: None,
    };
    slave.set_link(link, rtnl);
    match mode {
        Mode::ActiveBackup => port.set_inactive_flags(cfg.values.all_slaves_active(), rtnl),
        // Transmits, but receives for the bond only once it is the active
        // port.
        Mode::Tlb => port.set_lb_inactive_flags(cfg.values.all_slaves_active()),
        _ => port.set_active_flags(rtnl),
    }

    if !dev.lro() {
        pdev.disable_lro(rtnl);
    }
    let rx =
        ScopeGuard::new_with_data(RxReg::<BondRx>::register(pdev, port.clone(), rtnl)?, |rx| {
            rx.unregister(rtnl)
        });
    let (tx_type, hash_type) = match mode {
        Mode::ActiveBackup => (netdev::LAG_TX_ACTIVEBACKUP, netdev::LAG_HASH_NONE),
        Mode::Xor => (netdev::LAG_TX_HASH, lag_hash(bond.xmit_policy())),
        Mode::RoundRobin => (netdev::LAG_TX_ROUNDROBIN, netdev::LAG_HASH_NONE),
        _ => (netdev::LAG_TX_UNKNOWN, netdev::LAG_HASH_NONE),
    };
    pdev.link_master(dev, tx_type, hash_type, rtnl)?;
    let unlink = ScopeGuard::new(|| pdev.unlink_master(dev, rtnl));
    // Its state as a port of the bond, now that it is one.
    port.lower_state_changed(rtnl);
    slave.files = Some(PORT_FILES.add(pdev)?);

    // Enslaved: nothing below can fail.
    unlink.dismiss();
    slave.rx = Some(rx.dismiss());
    disable_np.dismiss();
    del_vids.dismiss();
    close.dismiss();
    restore_addrconf.dismiss();
    restore_mac.dismiss();
    restore_mtu.dismiss();
    undo_bond_mac.dismiss();
    if !mode.uses_primary() {
        let flags = dev.flags();
        if flags & iff::PROMISC != 0 {
            let _ = pdev.set_promiscuity(1, rtnl);
        }
        if flags & iff::ALLMULTI != 0 {
            let _ = pdev.set_allmulti(1, rtnl);
        }
        if flags & iff::UP != 0 {
            pdev.sync_addrs_multiple_from(dev);
        }
    }
    if mode.uses_primary() && cfg.values.primary() == pdev.name().as_bytes() {
        cfg.primary = Some(port.clone());
        cfg.force_primary = true;
    }
    let link_up = slave.link.state != LinkState::Down;
    // Cannot fail: reserved above.
    let _ = cfg.slaves.push(slave, GFP_KERNEL);
    if cfg.values.get(OptId::PathInterval) > 0 {
        if let Some(s) = cfg.slaves.last_mut() {
            super::path::start(dev, s, rtnl);
        }
    }
    bond.compute_features(dev, rtnl);
    // The old sets go when the readers are done with them.
    drop(bond.publish_ports_in(sets, cfg, rtnl));
    if spare.is_some() {
        cfg.spare_ports = spare;
    }
    // balance-rr and balance-xor keep an "active" port too (bonding's
    // trunk modes), which only balance-rr uses (for IGMP).
    if !mode.uses_primary() && bond.active_port(rtnl).is_none() && port.link() == LinkState::Up {
        bond.set_active_port(Some(&port), rtnl);
    }
    super::failover::set_carrier(dev, cfg);
    if mode.uses_primary() {
        super::failover::select_active(dev, cfg, rtnl);
    }
    super::arp::sync_ns_groups(cfg, rtnl);
    slave_log!(
        dev_info,
        dev,
        pdev,
        "Enslaving as {} interface with {} link\n",
        if port.is_backup() {
            "a backup"
        } else {
            "an active"
        },
        if link_up { "an up" } else { "a down" }
    );
    Ok(())
}

/// A refusal's message goes to the netlink request if there is one, else
/// to the kernel log as `Error: msg` (bonding's `BOND_NL_ERR()`).
fn refuse(dev: &NetDevice, port: Option<&NetDevice>, extack: &mut ExtAck, msg: &'static CStr) {
    if extack.set_msg(msg) {
        return;
    }
    let msg = msg.to_str().unwrap_or("?");
    match port {
        Some(p) => slave_log!(dev_err, dev, p, "Error: {}\n", msg),
        None => dev_err!(dev, "Error: {}\n", msg),
    }
}

/// How a port leaves.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Leave {
    /// `-eth0`, `ip link set eth0 nomaster`: choose a new active port.
    Release,
    /// The port device is going away.
    Unregister,
    /// The bond is going away: no reselection, no warnings.
    All,
}

/// Releases slave `idx` (`__bond_release_one()`): the port is closed and
/// left down with its own MAC address and MTU back.
pub(crate) fn release(dev: &BondDev, cfg: &mut Config, idx: usize, how: Leave, rtnl: &RtnlHeld) {
    let bond: &Bond = dev.data();
    let old_flags = dev.flags();
    let mode = cfg.mode();
    let Some(mut slave) = crate::kext::compat::vec_remove(&mut cfg.slaves, idx) else {
        return;
    };
    let port = slave.port.clone();
    let pdev: &NetDevice = &port.dev;
    port.set_inactive_flags_in(mode, cfg.values.all_slaves_active(), rtnl);
    super::arp::released(cfg);
    port.arp.set_candidate(false);
    super::arp::leave_ns_groups(&port, &mut slave.ns, rtnl);
    super::path::detach(&mut slave, rtnl);
    drop(slave.files.take());
    // What it counted up to now stays in the bond's counters
    // (`bond_get_stats()` before the release).
    port.fold_stats(&mut bond.lock_stats(dev));
    let was_active = bond.active_is(&port);
    // The data path stops seeing the port (the sets keep the active port
    // unless it is this one). The sets replaced are unused once the rx
    // handler's unregistering has waited for its grace period: they are
    // the spare for the next release, which then allocates nothing
    // either.
    let retired = bond.publish_ports(dev, cfg, rtnl);
    let reclaimed = match slave.rx.take() {
        Some(rx) => rx.unregister_reclaiming(retired, rtnl),
        None => None,
    };
    if let Some(mut r) = reclaimed {
        r.clear();
        if !cfg
            .spare_ports
            .as_ref()
            .is_some_and(|s| s.has_room(r.all.capacity()))
        {
            cfg.spare_ports = Some(r);
        }
    }
    pdev.unlink_master(dev, rtnl);
    slave_log!(
        dev_info,
        dev,
        pdev,
        "Releasing {} interface\n",
        if port.is_backup() { "backup" } else { "active" }
    );
    let fom_active = cfg.values.fail_over_mac() == 1 && mode == Mode::ActiveBackup;
    if how != Leave::All && !fom_active && dev.addr() == port.perm_addr && !cfg.slaves.is_empty() {
        slave_log!(
            dev_warn,
            dev,
            pdev,
            "the permanent HWaddr of slave - {} - is still in use by bond - set the HWaddr of slave to a different address to avoid conflicts\n",
            netdev::Mac(&port.perm_addr)
        );
    }
    if cfg.primary.as_ref().is_some_and(|p| Arc::ptr_eq(p, &port)) {
        cfg.primary = None;
    }
    if was_active {
        super::failover::switch_active(dev, cfg, Some(port.clone()), None, rtnl);
    }
    if mode.is_lb() {
        super::tlb::detach(dev, cfg, &port, rtnl);
    }
    if how != Leave::All && was_active {
        super::failover::select_active(dev, cfg, rtnl);
    }
    if !mode.uses_primary() && was_active {
        // balance-rr keeps an "active" port only for IGMP.
        let next = cfg
            .slaves
            .iter()
            .find(|s| s.port.link() == LinkState::Up)
            .map(|s| s.port.clone());
        bond.set_active_port(next.as_ref(), rtnl);
    }
    super::failover::set_carrier(dev, cfg);
    if cfg.slaves.is_empty() {
        dev.random_mac(false, rtnl);
    }
    bond.compute_features(dev, rtnl);
    pdev.vlan_vids_del_by(dev, rtnl);
    port.np.disable(rtnl);
    if cfg.slaves.is_empty() {
        dev.notify(netdev::event::CHANGEADDR, rtnl);
        dev.notify(netdev::event::RELEASE, rtnl);
    }
    if !mode.uses_primary() {
        if old_flags & iff::PROMISC != 0 {
            let _ = pdev.set_promiscuity(-1, rtnl);
        }
        if old_flags & iff::ALLMULTI != 0 {
            let _ = pdev.set_allmulti(-1, rtnl);
        }
        if old_flags & iff::UP != 0 {
            pdev.unsync_addrs_from(dev);
        }
    }
    pdev.close(rtnl);
    pdev.set_no_addrconf(false, rtnl);
    if !fom_active {
        let _ = pdev.set_mac(&port.perm_addr, rtnl);
    }
    if how != Leave::Release {
        // The port or the bond is going away: no MTU change to announce
        // (bonding.ko).
        pdev.set_mtu_unregistering(slave.orig_mtu, rtnl);
    } else {
        let _ = pdev.set_mtu(slave.orig_mtu, rtnl);
    }
}

/// Releases every port (the bond is being deleted).
pub(crate) fn release_all(dev: &BondDev, cfg: &mut Config, rtnl: &RtnlHeld) {
    if cfg.slaves.is_empty() {
        return;
    }
    while !cfg.slaves.is_empty() {
        release(dev, cfg, cfg.slaves.len() - 1, Leave::All, rtnl);
    }
    dev_info!(dev, "Released all slaves\n");
}

/// What a hashing mode tells the ports' drivers it hashes
/// (`bond_lag_hash_type()`).
fn lag_hash(policy: Policy) -> u32 {
    match policy {
        Policy::Layer2 => netdev::LAG_HASH_L2,
        Policy::Layer34 => netdev::LAG_HASH_L34,
        Policy::Layer23 => netdev::LAG_HASH_L23,
        Policy::Encap23 => netdev::LAG_HASH_E23,
        Policy::Encap34 => netdev::LAG_HASH_E34,
        Policy::VlanSrcMac => netdev::LAG_HASH_VLAN_SRCMAC,
    }
}
