// SPDX-License-Identifier: GPL-2.0

//! `/proc/net/bonding/<bond>`, line for line as `bond_procfs.c` prints it.

use super::device::{BondDev, Shown};
use crate::bond_core::options::{get, Mode, OptId};
use crate::kext::netdev::{Mac, NetDevice};
use crate::kext::print::dev_warn;
use crate::kext::procfs::{ProcShow, SeqBuf};
use crate::kext::rcu::RcuGuard;
use crate::kext::rtnl::RtnlHeld;
use core::fmt::Write;
use core::sync::atomic::Ordering::Relaxed;
use kernel::prelude::*;

/// Prints a bond's /proc file.
pub(crate) struct BondProc;

impl ProcShow for BondProc {
    fn show(dev: &NetDevice, out: &mut SeqBuf) -> Result {
        let dev = BondDev::try_from(dev).ok_or(ENODEV)?;
        let _ = print(dev, &dev.data().shown(), out);
        Ok(())
    }
}

/// Prints from what the bond published, without RTNL or its
/// configuration, as bonding.ko's RCU reader does.
fn print(dev: &BondDev, shown: &Shown, out: &mut SeqBuf) -> core::fmt::Result {
    let v = &shown.values;
    let mode = v.mode();
    // bonding prints its version (the kernel release); rust_bond names
    // itself in the same line.
    writeln!(
        out,
        "Ethernet Channel Bonding Driver: rust_bond v{}\n",
        crate::kext::uts_release()
    )?;
    write!(out, "Bonding Mode: {}", mode.description())?;
    let fom = v.fail_over_mac();
    if mode == Mode::ActiveBackup && fom != 0 {
        write!(
            out,
            " (fail_over_mac {})",
            get(OptId::FailOverMac).value_name(fom).unwrap_or("?")
        )?;
    }
    writeln!(out)?;
    if v.uses_xmit_hash() {
        let policy = v.get(OptId::XmitHashPolicy);
        writeln!(
            out,
            "Transmit Hash Policy: {} ({})",
            get(OptId::XmitHashPolicy).value_name(policy).unwrap_or("?"),
            policy
        )?;
    }
    let rcu = RcuGuard::lock();
    if v.uses_primary() {
        match &shown.primary {
            Some(p) => writeln!(
                out,
                "Primary Slave: {} (primary_reselect {})",
                p.dev.name(),
                get(OptId::PrimaryReselect)
                    .value_name(v.get(OptId::PrimaryReselect))
                    .unwrap_or("?")
            )?,
            None => writeln!(out, "Primary Slave: None")?,
        }
        match dev.data().active_name(&rcu) {
            Some(n) => writeln!(out, "Currently Active Slave: {}", n)?,
            None => writeln!(out, "Currently Active Slave: None")?,
        }
    }
    writeln!(
        out,
        "MII Status: {}",
        if dev.carrier_ok() { "up" } else { "down" }
    )?;
    writeln!(out, "MII Polling Interval (ms): {}", v.miimon())?;
    writeln!(out, "Up Delay (ms): {}", v.delay_ms(OptId::Updelay))?;
    writeln!(out, "Down Delay (ms): {}", v.delay_ms(OptId::Downdelay))?;
    writeln!(
        out,
        "Peer Notification Delay (ms): {}",
        v.delay_ms(OptId::PeerNotifDelay)
    )?;
    if v.get(OptId::ArpInterval) > 0 {
        writeln!(
            out,
            "ARP Polling Interval (ms): {}",
            v.get(OptId::ArpInterval)
        )?;
        writeln!(out, "ARP Missed Max: {}", v.get(OptId::ArpMissedMax))?;
        write!(out, "ARP IP target/s (n.n.n.n form):")?;
        for (i, t) in v.arp_targets().iter().take_while(|t| **t != 0).enumerate() {
            let sep = if i > 0 { "," } else { "" };
            write!(out, "{} {}", sep, crate::kext::arp::Ipv4(*t))?;
        }
        write!(out, "\nNS IPv6 target/s (xx::xx form):")?;
        for (i, t) in v
            .ns_targets()
            .iter()
            .take_while(|t| **t != [0; 16])
            .enumerate()
        {
            let sep = if i > 0 { "," } else { "" };
            write!(out, "{} {}", sep, crate::kext::arp::Ipv6(*t))?;
        }
        writeln!(out)?;
    }
    // rust_bond's path monitor: shown only when it runs, so that the file
    // reads as bonding.ko's otherwise.
    let path = v.get(OptId::PathInterval) > 0;
    if path {
        writeln!(
            out,
            "Path Monitor Interval (ms): {}",
            v.get(OptId::PathInterval)
        )?;
        writeln!(
            out,
            "Path Policy: {}",
            if v.get(OptId::PathPolicy) != 0 {
                "failover"
            } else {
                "report"
            }
        )?;
        if v.get(OptId::ArpInterval) == 0 {
            writeln!(out, "ARP Missed Max: {}", v.get(OptId::ArpMissedMax))?;
            write!(out, "Path targets:")?;
            let v4 = v.arp_targets().iter().take_while(|t| **t != 0);
            let v6 = v.ns_targets().iter().take_while(|t| **t != [0; 16]);
            let mut sep = "";
            for t in v4 {
                write!(out, "{} {}", sep, crate::kext::arp::Ipv4(*t))?;
                sep = ",";
            }
            for t in v6 {
                write!(out, "{} {}", sep, crate::kext::arp::Ipv6(*t))?;
                sep = ",";
            }
            writeln!(out)?;
        }
    }
    let ports = dev.data().ports(&rcu).map_or(&[][..], |s| &s.all[..]);
    for p in ports {
        writeln!(out, "\nSlave Interface: {}", p.dev.name())?;
        writeln!(out, "MII Status: {}", p.link().name())?;
        match p.speed_duplex() {
            Some((speed, duplex)) => {
                writeln!(out, "Speed: {} Mbps", speed)?;
                writeln!(out, "Duplex: {}", if duplex != 0 { "full" } else { "half" })?;
            }
            None => writeln!(out, "Speed: Unknown\nDuplex: Unknown")?,
        }
        writeln!(
            out,
            "Link Failure Count: {}",
            p.link_failure_count.load(Relaxed)
        )?;
        writeln!(out, "Permanent HW addr: {}", Mac(&p.perm_addr))?;
        writeln!(out, "Slave queue ID: 0")?;
        if path {
            writeln!(out, "Path Status: {}", p.path.state().name())?;
            writeln!(out, "Path Failure Count: {}", p.path.failures.load(Relaxed))?;
        }
    }
    Ok(())
}

/// Creates the bond's /proc file (at creation and after a rename).
pub(crate) fn create_file(dev: &BondDev, rtnl: &RtnlHeld) {
    // The directory is the initial namespace's; bonds elsewhere have none
    // (their names may clash with the initial namespace's).
    let Some(dir) = super::proc_dir(rtnl).filter(|_| dev.in_init_net()) else {
        return;
    };
    let name = dev.name();
    match dir.create_file::<BondProc>(name.as_cstr(), dev) {
        Ok(f) => {
            if let Ok(mut cfg) = dev.data().lock_cfg(rtnl) {
                cfg.proc_file = Some(f);
            }
        }
        Err(_) => dev_warn!(dev, "Cannot create /proc/net/bonding/{}\n", name),
    }
}

/// The bond was renamed: the file follows.
pub(crate) fn rename(dev: &BondDev, rtnl: &RtnlHeld) {
    let Ok(old) = dev.data().lock_cfg(rtnl).map(|mut c| c.proc_file.take()) else {
        return;
    };
    // Removing waits for readers: the configuration is not held.
    drop(old);
    create_file(dev, rtnl);
}
