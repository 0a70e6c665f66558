// SPDX-License-Identifier: GPL-2.0

//! sysfs: `/sys/class/net/<bond>/bonding/*` and
//! `/sys/class/net/<port>/bonding_slave/*`, with bonding.ko's names,
//! formats and errors (`bond_sysfs.c`); a write sets the option as
//! netlink does ([`super::setopt`]).

use super::device::{BondDev, Shown};
use super::port::{BondRx, Counter};
use super::setopt::{set_option, Input};
use crate::bond_core::options::{self, BondOption, OptId, Show};
use crate::bond_core::text::c_string;
use crate::kext::netdev::{self, event, Mac, NetDevice};
use crate::kext::rcu::RcuGuard;
use crate::kext::rtnl;
use crate::kext::rx::RxReg;
use crate::kext::sysfs::{device_files, DeviceFiles, StoreInput, SysfsBuf};
use core::fmt::Write;
use core::sync::atomic::Ordering::Relaxed;
use kernel::prelude::*;

/// The files of a bond.
pub(crate) struct BondFiles;

device_files!(BOND_FILES, "bonding", BondFiles, [
    "slaves" => 0o644, "mode" => 0o644, "fail_over_mac" => 0o644,
    "arp_validate" => 0o644, "arp_all_targets" => 0o644, "arp_interval" => 0o644,
    "arp_ip_target" => 0o644, "downdelay" => 0o644, "updelay" => 0o644,
    "peer_notif_delay" => 0o644, "lacp_active" => 0o644, "lacp_rate" => 0o644,
    "ad_select" => 0o644, "xmit_hash_policy" => 0o644, "num_grat_arp" => 0o644,
    "num_unsol_na" => 0o644, "miimon" => 0o644, "primary" => 0o644,
    "primary_reselect" => 0o644, "use_carrier" => 0o644, "active_slave" => 0o644,
    "mii_status" => 0o444, "ad_aggregator" => 0o444, "ad_num_ports" => 0o444,
    "ad_actor_key" => 0o444, "ad_partner_key" => 0o444, "ad_partner_mac" => 0o444,
    "queue_id" => 0o644, "all_slaves_active" => 0o644, "resend_igmp" => 0o644,
    "min_links" => 0o644, "lp_interval" => 0o644, "packets_per_slave" => 0o644,
    "tlb_dynamic_lb" => 0o644, "ad_actor_sys_prio" => 0o644, "ad_actor_system" => 0o644,
    "ad_user_port_key" => 0o644, "arp_missed_max" => 0o644,
    // rust_bond's path monitor.
    "path_interval" => 0o644, "path_policy" => 0o644,
]);

/// The files of a port.
pub(crate) struct PortFiles;

device_files!(PORT_FILES, "bonding_slave", PortFiles, [
    "state" => 0o444, "mii_status" => 0o444, "link_failure_count" => 0o444,
    "perm_hwaddr" => 0o444, "queue_id" => 0o444, "ad_aggregator_id" => 0o444,
    "ad_actor_oper_port_state" => 0o444, "ad_partner_oper_port_state" => 0o444,
    // rust_bond's own per-port counters, as the bond saw them.
    "tx_packets" => 0o444, "tx_bytes" => 0o444, "rx_packets" => 0o444,
    "rx_bytes" => 0o444, "rx_dropped_inactive" => 0o444, "failovers" => 0o444,
    // ... and its path monitor's view of the port.
    "path_status" => 0o444, "path_failure_count" => 0o444, "path_probes" => 0o444,
]);

/// Writes `items` space separated with a final newline, nothing if empty
/// (bonding's list format).
pub(crate) fn write_list(
    out: &mut SysfsBuf<'_>,
    items: impl Iterator<Item = impl core::fmt::Display>,
) -> core::fmt::Result {
    let mut any = false;
    for n in items {
        if any {
            out.write_char(' ')?;
        }
        write!(out, "{}", n)?;
        any = true;
    }
    if any {
        out.write_char('\n')?;
    }
    Ok(())
}

impl DeviceFiles for BondFiles {
    fn show(dev: &NetDevice, name: &str, out: &mut SysfsBuf<'_>) -> Result {
        let dev = BondDev::try_from(dev).ok_or(ENODEV)?;
        if name == "mii_status" {
            let _ = writeln!(out, "{}", if dev.carrier_ok() { "up" } else { "down" });
            return Ok(());
        }
        let Some(opt) = options::find(name) else {
            // The 802.3ad status files: empty outside 802.3ad.
            return Ok(());
        };
        let _ = show_option(dev, &dev.data().shown(), opt, out);
        Ok(())
    }

    fn store(dev: &NetDevice, name: &str, input: &StoreInput<'_>) -> Result {
        let dev = BondDev::try_from(dev).ok_or(ENODEV)?;
        let opt = options::find(name).ok_or(EINVAL)?;
        let mut rtnl = rtnl::lock_or_restart()?;
        let mut cfg = dev.data().lock_cfg(&rtnl)?;
        // bonding.ko takes the write as a C string: a NUL ends it.
        let input = Input::Text(c_string(input.bytes()));
        set_option(dev, &mut cfg, opt, input, &mut rtnl)?;
        drop(cfg);
        dev.notify(event::CHANGEINFODATA, &rtnl);
        Ok(())
    }
}

/// Shows option `opt` from what the bond published, without RTNL or its
/// configuration (bonding.ko's readers use RCU too).
fn show_option(
    dev: &BondDev,
    shown: &Shown,
    opt: &BondOption,
    out: &mut SysfsBuf<'_>,
) -> core::fmt::Result {
    let v = &shown.values;
    let rcu = RcuGuard::lock();
    let ports = dev.data().ports(&rcu).map_or(&[][..], |s| &s.all[..]);
    match (opt.id, opt.show) {
        (OptId::Slaves, _) => write_list(out, ports.iter().map(|p| p.dev.name())),
        (OptId::Primary, _) => write_list(out, shown.primary.iter().map(|p| p.dev.name())),
        (OptId::ActiveSlave, _) => {
            let active = dev.data().active_name(&rcu);
            write_list(out, active.filter(|_| v.uses_primary()).into_iter())
        }
        (OptId::QueueId, _) => {
            // "name:queue" for each port; every port has queue 0.
            struct Queue0(netdev::DevName);
            impl core::fmt::Display for Queue0 {
                fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                    write!(f, "{}:0", self.0)
                }
            }
            write_list(out, ports.iter().map(|p| Queue0(p.dev.name())))
        }
        (OptId::ArpIpTarget, _) => {
            let targets = v.arp_targets().iter().filter(|t| **t != 0);
            write_list(out, targets.map(|t| crate::kext::arp::Ipv4(*t)))
        }
        (OptId::Updelay | OptId::Downdelay | OptId::PeerNotifDelay, _) => {
            writeln!(out, "{}", v.delay_ms(opt.id))
        }
        (_, Show::Raw | Show::Only8023ad) => Ok(()),
        _ => {
            opt.format(v.get(opt.id), out)?;
            out.write_char('\n')
        }
    }
}

impl DeviceFiles for PortFiles {
    fn show(dev: &NetDevice, name: &str, out: &mut SysfsBuf<'_>) -> Result {
        let rcu = RcuGuard::lock();
        let port = RxReg::<BondRx>::port_rcu(dev, &rcu).ok_or(ENODEV)?;
        let _ = match name {
            "state" => writeln!(
                out,
                "{}",
                if port.is_backup() { "backup" } else { "active" }
            ),
            "mii_status" => writeln!(out, "{}", port.link().name()),
            "link_failure_count" => writeln!(out, "{}", port.link_failure_count.load(Relaxed)),
            "perm_hwaddr" => writeln!(out, "{}", Mac(&port.perm_addr)),
            "queue_id" => writeln!(out, "0"),
            "tx_packets" => writeln!(out, "{}", port.counter(Counter::TxPackets)),
            "tx_bytes" => writeln!(out, "{}", port.counter(Counter::TxBytes)),
            "rx_packets" => writeln!(out, "{}", port.counter(Counter::RxPackets)),
            "rx_bytes" => writeln!(out, "{}", port.counter(Counter::RxBytes)),
            "rx_dropped_inactive" => writeln!(out, "{}", port.counter(Counter::RxDroppedInactive)),
            "failovers" => writeln!(out, "{}", port.failovers.load(Relaxed)),
            "path_status" => {
                let on =
                    BondDev::try_from(&port.bond).is_some_and(|b| b.data().path.interval() > 0);
                writeln!(out, "{}", if on { port.path.state().name() } else { "off" })
            }
            "path_failure_count" => writeln!(out, "{}", port.path.failures.load(Relaxed)),
            "path_probes" => writeln!(out, "{}", port.path.probes.load(Relaxed)),
            // The 802.3ad files.
            _ => writeln!(out, "N/A"),
        };
        Ok(())
    }

    fn store(_dev: &NetDevice, _name: &str, _input: &StoreInput<'_>) -> Result {
        Err(EACCES)
    }
}
