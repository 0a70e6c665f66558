// SPDX-License-Identifier: GPL-2.0

//! Setting an option (`bond_options.c`): one path for a sysfs write and a
//! netlink attribute, with bonding.ko's checks, errnos and log lines.

use super::config::Config;
use super::device::{BondDev, MONITOR};
use super::port::{self, Leave};
use crate::bond_core::link::ms_to_ticks;
use crate::bond_core::options::{self, BondOption, OptError, OptId, Support};
use crate::bond_core::text::{in4_pton, Bytes};
use crate::kext::arp::Ipv4;
use crate::kext::errno;
use crate::kext::netdev;
use crate::kext::print::{dev_err, dev_warn};
use crate::kext::rtnl::RtnlHeld;
use core::sync::atomic::Ordering::Relaxed;
use kernel::prelude::*;

/// The text of a write, cut at the first newline (for messages).
fn text(input: &[u8]) -> Bytes<'_> {
    let end = input
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(input.len());
    Bytes(&input[..end])
}

/// Refuses a value of option `name` (which is `what`) that rust_bond does
/// not implement.
pub(crate) fn unsupported(dev: &BondDev, name: &str, what: &str) -> Error {
    dev_err!(
        dev,
        "option {}: not supported by rust_bond: {}\n",
        name,
        what
    );
    errno::EOPNOTSUPP()
}

/// Refuses option `name` in the bond's mode (`BOND_OPT_DEP_MODE` unmet).
pub(crate) fn not_in_mode(dev: &BondDev, name: &str) -> Error {
    let mode = dev.data().mode();
    dev_err!(
        dev,
        "option {}: mode dependency failed, not supported in mode {}({})\n",
        name,
        mode.name(),
        mode as u32
    );
    EACCES
}

/// A value for an option: text from sysfs (or names netlink resolved), a
/// number from netlink (`bond_opt_initstr()` / `bond_opt_initval()`).
#[derive(Clone, Copy)]
pub(crate) enum Input<'a> {
    Text(&'a [u8]),
    Value(u64),
}

crate::kext::compat::kernel_display!(
    Input<'_>,
    crate::bond_core::options::ValueNames,
    crate::bond_core::text::Bytes<'_>
);

impl core::fmt::Display for Input<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Input::Text(t) => write!(f, "{}", text(t)),
            Input::Value(v) => write!(f, "{v}"),
        }
    }
}

/// `bond_opt_error_interpret()` for `-EINVAL`.
fn invalid(dev: &BondDev, opt: &BondOption, input: Input<'_>) -> Error {
    dev_err!(dev, "option {}: invalid value ({})\n", opt.name, input);
    if let Some((min, max)) = opt.range() {
        dev_err!(
            dev,
            "option {}: allowed values {} - {}\n",
            opt.name,
            min,
            max
        );
    }
    EINVAL
}

/// Applies a write to option `opt` (`__bond_opt_set()`): mode
/// dependencies first, then parsing, then the option's own rules.
pub(crate) fn set_option(
    dev: &BondDev,
    cfg: &mut Config,
    opt: &BondOption,
    input: Input<'_>,
    rtnl: &mut RtnlHeld,
) -> Result {
    if let Err(e) = opt.check_deps(cfg.mode(), !cfg.slaves.is_empty(), dev.is_up()) {
        return Err(match e {
            OptError::NotInMode => not_in_mode(dev, opt.name),
            OptError::HasSlaves => {
                dev_err!(
                    dev,
                    "option {}: unable to set because the bond device has slaves\n",
                    opt.name
                );
                errno::ENOTEMPTY()
            }
            OptError::IsUp | OptError::Invalid => {
                dev_err!(
                    dev,
                    "option {}: unable to set because the bond device is up\n",
                    opt.name
                );
                EBUSY
            }
        });
    }
    let value = match input {
        Input::Text(text) if opt.is_raw() => return set_raw(dev, cfg, opt, text, rtnl),
        Input::Text(text) => opt.parse(text),
        // Netlink's targets, one at a time.
        Input::Value(t) if opt.id == OptId::ArpIpTarget => {
            return add_arp_target(dev, cfg, Ipv4(t as u32)).map_err(|e| {
                if e == EINVAL {
                    invalid(dev, opt, input)
                } else {
                    e
                }
            });
        }
        Input::Value(_) if opt.is_raw() => None,
        Input::Value(v) => opt.check_value(v),
    };
    let Some(value) = value else {
        return Err(invalid(dev, opt, input));
    };
    if opt.support == Support::Refused && value != cfg.values.get(opt.id) {
        return Err(unsupported(dev, opt.name, opt.desc));
    }
    if opt.id == OptId::Mode {
        if let Some(m) = options::Mode::from_value(value).filter(|m| !m.implemented()) {
            dev_err!(
                dev,
                "option mode: mode {} ({}) is not implemented by rust_bond\n",
                m.name(),
                value
            );
            return Err(errno::EOPNOTSUPP());
        }
    }
    let v = &mut cfg.values;
    match opt.id {
        OptId::Mode => {
            v.set(OptId::Mode, value);
            // bonding resets arp_validate on every mode write.
            v.set(OptId::ArpValidate, 0);
            // A mode without the ARP monitor runs miimon instead
            // (bond_option_mode_set()).
            if !v.mode().uses_arp() {
                v.set(OptId::ArpInterval, 0);
                // Nor the path monitor, which takes the ARP monitor's
                // targets (the bond is down: neither runs).
                v.set(OptId::PathInterval, 0);
                if v.miimon() == 0 {
                    v.set(OptId::Miimon, options::DEFAULT_MIIMON);
                }
            }
            dev.data().set_mode(v.mode());
        }
        OptId::Miimon => {
            let before = monitor_of(v);
            v.set(OptId::Miimon, value);
            // The two monitors exclude each other.
            if value > 0 && v.get(OptId::ArpInterval) > 0 {
                v.set(OptId::ArpInterval, 0);
                v.set(OptId::ArpValidate, 0);
            }
            restart_monitor(dev, v, before);
        }
        OptId::ArpInterval if value > 0 && v.get(OptId::PathInterval) > 0 => {
            dev_err!(
                dev,
                "option arp_interval: the path monitor (path_interval {}) runs; it and the ARP monitor can't be used simultaneously\n",
                v.get(OptId::PathInterval)
            );
            return Err(EINVAL);
        }
        OptId::PathInterval if value > 0 && v.get(OptId::ArpInterval) > 0 => {
            dev_err!(
                dev,
                "option path_interval: the ARP monitor (arp_interval {}) runs; it and the path monitor can't be used simultaneously\n",
                v.get(OptId::ArpInterval)
            );
            return Err(EINVAL);
        }
        OptId::PathInterval => {
            let before = v.get(OptId::PathInterval);
            v.set(OptId::PathInterval, value);
            super::path::restart(dev, cfg, before, rtnl);
        }
        OptId::PathPolicy => {
            if value != v.get(opt.id) {
                v.set(opt.id, value);
                dev.data().publish_monitor(v);
                super::path::settle(dev, cfg, rtnl);
            }
        }
        OptId::ArpInterval => {
            let before = monitor_of(v);
            v.set(OptId::ArpInterval, value);
            if value > 0 {
                v.set(OptId::Miimon, 0);
            }
            restart_monitor(dev, v, before);
        }
        OptId::Updelay | OptId::Downdelay | OptId::PeerNotifDelay => {
            let what = match opt.id {
                OptId::Updelay => "up delay",
                OptId::Downdelay => "down delay",
                _ => "peer notification delay",
            };
            let miimon = v.miimon();
            if miimon == 0 {
                dev_err!(
                    dev,
                    "Unable to set {} as MII monitoring is disabled\n",
                    what
                );
                return Err(EPERM);
            }
            let (ticks, rounded) = ms_to_ticks(value, miimon);
            if rounded {
                dev_warn!(
                    dev,
                    "{} ({}) is not a multiple of miimon ({}), value rounded to {} ms\n",
                    what,
                    value,
                    miimon,
                    ticks * miimon
                );
            }
            v.set(opt.id, ticks);
        }
        OptId::PrimaryReselect => {
            v.set(opt.id, value);
            super::failover::select_active(dev, cfg, rtnl);
        }
        OptId::AllSlavesActive => {
            if value != v.get(opt.id) {
                v.set(opt.id, value);
                for s in cfg.slaves.iter() {
                    s.port.set_all_slaves_active(value != 0);
                }
            }
        }
        OptId::PacketsPerSlave => {
            v.set(opt.id, value);
            dev.data().pps.store(value as u32, Relaxed);
        }
        OptId::XmitHashPolicy => {
            v.set(opt.id, value);
            dev.data().set_xmit_policy(value);
        }
        _ => v.set(opt.id, value),
    }
    // arp_validate (or what resets it) decides which ports join the NS
    // targets' groups.
    super::arp::sync_ns_groups(cfg, rtnl);
    Ok(())
}

/// Which monitor `v` runs: 0 none, 1 miimon, 2 the ARP monitor.
fn monitor_of(v: &super::config::Values) -> u8 {
    if v.get(OptId::ArpInterval) > 0 {
        2
    } else {
        u8::from(v.miimon() > 0)
    }
}

/// Starts whichever monitor `v` asks for on a bond that is up, if it is
/// not the one that ran (`before`): they share a work. A new interval of
/// the same monitor applies from its next run, as in bonding.ko (whose
/// `queue_delayed_work()` leaves a pending run as it is).
fn restart_monitor(dev: &BondDev, v: &super::config::Values, before: u8) {
    let now = monitor_of(v);
    if !dev.is_up() || now == before {
        return;
    }
    // What the work reads, before it can run.
    dev.data().publish_monitor(v);
    dev.cancel_work_sync(MONITOR);
    if now != 0 {
        dev.schedule(MONITOR, 0);
    }
}

/// The first blank-delimited word of `input`, at most `max` bytes
/// (`sscanf("%<max>s")`).
fn word(input: &[u8], max: usize) -> &[u8] {
    let is_space = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let start = input
        .iter()
        .position(|c| !is_space(c))
        .unwrap_or(input.len());
    let rest = &input[start..];
    let len = rest
        .iter()
        .position(is_space)
        .unwrap_or(rest.len())
        .min(max);
    &rest[..len]
}

/// `dev_valid_name()`.
pub(crate) fn valid_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name.len() < 16
        && name != b"."
        && name != b".."
        && !name
            .iter()
            .any(|c| matches!(c, b'/' | b':') || c.is_ascii_whitespace())
}

fn set_raw(
    dev: &BondDev,
    cfg: &mut Config,
    opt: &BondOption,
    input: &[u8],
    rtnl: &mut RtnlHeld,
) -> Result {
    match opt.id {
        OptId::Slaves => set_slaves(dev, cfg, input, rtnl),
        OptId::Primary => {
            set_primary(dev, cfg, input, rtnl);
            Ok(())
        }
        OptId::ActiveSlave => set_active_slave(dev, cfg, input, rtnl),
        OptId::ArpIpTarget => set_arp_ip_target(dev, cfg, input).map_err(|e| {
            if e == EINVAL {
                invalid(dev, opt, Input::Text(input))
            } else {
                e
            }
        }),
        OptId::QueueId => {
            // "ifname:queue": only queue 0, which every port has.
            let w = word(input, 32);
            let mut parts = w.splitn(2, |c| *c == b':');
            let (name, qid) = (parts.next().unwrap_or(b""), parts.next());
            let ours = cfg.slaves.iter().any(|s| s.name().as_bytes() == name);
            match qid {
                Some(b"0") if ours => Ok(()),
                Some(q) if ours && !q.is_empty() && q.iter().all(u8::is_ascii_digit) => {
                    Err(unsupported(dev, opt.name, opt.desc))
                }
                _ => Err(EPERM),
            }
        }
        _ => Err(unsupported(dev, opt.name, opt.desc)),
    }
}

/// `+addr` / `-addr` (`bond_option_arp_ip_targets_set()`).
fn set_arp_ip_target(dev: &BondDev, cfg: &mut Config, input: &[u8]) -> Result {
    let Some(a) = input.get(1..).and_then(in4_pton) else {
        dev_err!(dev, "invalid ARP target specified\n");
        return Err(EPERM);
    };
    match input[0] {
        b'+' => add_arp_target(dev, cfg, Ipv4::from_octets(a)),
        b'-' => remove_arp_target(dev, cfg, Ipv4::from_octets(a)),
        _ => {
            dev_err!(
                dev,
                "no command found in arp_ip_targets file - use +<addr> or -<addr>\n"
            );
            Err(EPERM)
        }
    }
}

/// `bond_is_ip_target_ok()`: not 255.255.255.255, not 0.0.0.0.
pub(crate) fn target_ok(t: Ipv4) -> bool {
    let o = t.octets();
    o != [255; 4] && o != [0; 4]
}

/// `_bond_option_arp_ip_target_add()`.
pub(crate) fn add_arp_target(dev: &BondDev, cfg: &mut Config, t: Ipv4) -> Result {
    if !target_ok(t) {
        dev_err!(dev, "invalid ARP target {} specified for addition\n", t);
        return Err(EINVAL);
    }
    let targets = cfg.values.arp_targets();
    if targets.contains(&t.0) {
        dev_err!(dev, "ARP target {} is already present\n", t);
        return Err(EINVAL);
    }
    let Some(slot) = targets.iter().position(|x| *x == 0) else {
        dev_err!(dev, "ARP target table is full!\n");
        return Err(EINVAL);
    };
    super::arp::add_target(cfg, slot, t);
    Ok(())
}

/// `bond_option_arp_ip_target_rem()`.
fn remove_arp_target(dev: &BondDev, cfg: &mut Config, t: Ipv4) -> Result {
    if !target_ok(t) {
        dev_err!(dev, "invalid ARP target {} specified for removal\n", t);
        return Err(EINVAL);
    }
    let targets = cfg.values.arp_targets();
    let Some(slot) = targets.iter().position(|x| *x == t.0) else {
        dev_err!(dev, "unable to remove nonexistent ARP target {}\n", t);
        return Err(EINVAL);
    };
    if slot == 0 && targets[1] == 0 && cfg.values.get(OptId::ArpInterval) > 0 {
        dev_warn!(dev, "Removing last arp target with arp_interval on\n");
    }
    super::arp::remove_target(cfg, slot);
    Ok(())
}

/// `+ifname` enslaves, `-ifname` releases (`bond_option_slaves_set()`).
fn set_slaves(dev: &BondDev, cfg: &mut Config, input: &[u8], rtnl: &mut RtnlHeld) -> Result {
    let cmd = word(input, 16);
    if cmd.len() <= 1 || !matches!(cmd[0], b'+' | b'-') || !valid_name(&cmd[1..]) {
        dev_err!(
            dev,
            "no command found in slaves file - use +ifname or -ifname\n"
        );
        return Err(EPERM);
    }
    let Some(pdev) = dev.by_name(&cmd[1..], rtnl) else {
        dev_err!(
            dev,
            "option slaves: interface {} does not exist!\n",
            text(input)
        );
        return Err(ENODEV);
    };
    let result = if cmd[0] == b'+' {
        port::enslave(dev, cfg, pdev, &mut netdev::ExtAck::none(), rtnl)
    } else {
        match cfg.slaves.iter().position(|s| s.port.dev.is(pdev)) {
            Some(i) => {
                port::release(dev, cfg, i, Leave::Release, rtnl);
                Ok(())
            }
            None => Err(EINVAL),
        }
    };
    if let Err(e) = result {
        if e == EINVAL {
            dev_err!(dev, "option slaves: invalid value ({})\n", text(input));
        } else if e == EBUSY {
            // bonding.ko's message for any -EBUSY, misleading as it is.
            dev_err!(
                dev,
                "option slaves: unable to set because the bond device is up\n"
            );
        }
        return Err(e);
    }
    Ok(())
}

/// `bond_option_primary_set()`: never fails; a name that is not a port yet
/// is recorded for when it is enslaved.
fn set_primary(dev: &BondDev, cfg: &mut Config, input: &[u8], rtnl: &RtnlHeld) {
    let name = text(input).0;
    if name.is_empty() {
        cfg.primary = None;
        cfg.values.set_primary(b"");
        super::failover::select_active(dev, cfg, rtnl);
        return;
    }
    let found = cfg
        .slaves
        .iter()
        .find(|s| s.name().as_bytes() == &name[..name.len().min(16)])
        .map(|s| s.port.clone());
    match found {
        Some(p) => {
            cfg.primary = Some(p);
            cfg.values.set_primary(name);
            cfg.force_primary = true;
            super::failover::select_active(dev, cfg, rtnl);
        }
        None => {
            if cfg.primary.take().is_some() {
                super::failover::select_active(dev, cfg, rtnl);
            }
            cfg.values.set_primary(name);
        }
    }
}

/// `bond_option_active_slave_set()`.
fn set_active_slave(dev: &BondDev, cfg: &mut Config, input: &[u8], rtnl: &RtnlHeld) -> Result {
    let name = word(input, 15);
    if name.is_empty() {
        super::failover::change_active(dev, cfg, None, rtnl);
        super::failover::select_active(dev, cfg, rtnl);
        return Ok(());
    }
    let Some(pdev) = dev.by_name(name, rtnl) else {
        dev_err!(
            dev,
            "option active_slave: interface {} does not exist!\n",
            text(input)
        );
        return Err(ENODEV);
    };
    let invalid_value = || {
        dev_err!(
            dev,
            "option active_slave: invalid value ({})\n",
            text(input)
        )
    };
    let Some(i) = cfg.slaves.iter().position(|s| s.port.dev.is(pdev)) else {
        let other_bond = pdev
            .master(rtnl)
            .is_some_and(|m| BondDev::try_from(m).is_some());
        let msg = if other_bond {
            "Device is not our slave"
        } else {
            "Device is not bonding slave"
        };
        port::slave_log!(dev_err, dev, pdev, "{}\n", msg);
        invalid_value();
        return Err(EINVAL);
    };
    let new = cfg.slaves[i].port.clone();
    let old = dev.data().active_port(rtnl);
    if dev.data().active_is(&new) {
        return Ok(());
    }
    if old.is_some()
        && cfg.slaves[i].link.state == crate::bond_core::link::LinkState::Up
        && new.dev_up()
    {
        super::failover::change_active(dev, cfg, Some(new), rtnl);
        return Ok(());
    }
    port::slave_log!(
        dev_err,
        dev,
        pdev,
        "Could not set as active slave; either {} is down or the link is down\n",
        pdev.name()
    );
    invalid_value();
    Err(EINVAL)
}
