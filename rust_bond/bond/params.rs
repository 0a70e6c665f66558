// SPDX-License-Identifier: GPL-2.0

//! Module parameters: bonding.ko's, declared here and checked once at load
//! against the option table into the defaults every new bond copies.

use super::config::Values;
use crate::bond_core::link::ms_to_ticks;
use crate::bond_core::options::{self, get, Mode, OptId};
use crate::bond_core::text::{in4_pton, Bytes};
use crate::kext::arp::Ipv4;
use crate::kext::compat::cstr_bytes;
use crate::kext::params::{module_param, CharpParam, IntParam};
use kernel::prelude::*;
use kernel::str::CStr;

/// An `int` parameter's value when it was not given.
const UNSET: i32 = i32::MIN;

module_param!(
    MAX_BONDS,
    "max_bonds",
    int,
    1,
    "Max number of bonded devices"
);
module_param!(
    TX_QUEUES,
    "tx_queues",
    int,
    options::TX_QUEUES_DEFAULT,
    "Max number of transmit queues (default = 16)"
);
module_param!(MODE, "mode", charp, get(OptId::Mode).desc);
module_param!(MIIMON, "miimon", int, UNSET, get(OptId::Miimon).desc);
module_param!(UPDELAY, "updelay", int, UNSET, get(OptId::Updelay).desc);
module_param!(
    DOWNDELAY,
    "downdelay",
    int,
    UNSET,
    get(OptId::Downdelay).desc
);
module_param!(
    USE_CARRIER,
    "use_carrier",
    int,
    UNSET,
    get(OptId::UseCarrier).desc
);
module_param!(PRIMARY, "primary", charp, get(OptId::Primary).desc);
module_param!(
    PRIMARY_RESELECT,
    "primary_reselect",
    charp,
    get(OptId::PrimaryReselect).desc
);
module_param!(
    FAIL_OVER_MAC,
    "fail_over_mac",
    charp,
    get(OptId::FailOverMac).desc
);
module_param!(
    NUM_GRAT_ARP,
    "num_grat_arp",
    int,
    UNSET,
    get(OptId::NumGratArp).desc
);
module_param!(
    NUM_UNSOL_NA,
    "num_unsol_na",
    int,
    UNSET,
    get(OptId::NumUnsolNa).desc
);
module_param!(
    ALL_SLAVES_ACTIVE,
    "all_slaves_active",
    int,
    UNSET,
    get(OptId::AllSlavesActive).desc
);
module_param!(
    RESEND_IGMP,
    "resend_igmp",
    int,
    UNSET,
    get(OptId::ResendIgmp).desc
);
module_param!(
    PACKETS_PER_SLAVE,
    "packets_per_slave",
    int,
    UNSET,
    get(OptId::PacketsPerSlave).desc
);
// Options of features rust_bond does not implement: declared so that
// giving one fails the load by name instead of being ignored.
module_param!(
    XMIT_HASH_POLICY,
    "xmit_hash_policy",
    charp,
    get(OptId::XmitHashPolicy).desc
);
module_param!(LACP_RATE, "lacp_rate", charp, get(OptId::LacpRate).desc);
module_param!(AD_SELECT, "ad_select", charp, get(OptId::AdSelect).desc);
module_param!(
    ARP_INTERVAL,
    "arp_interval",
    int,
    UNSET,
    get(OptId::ArpInterval).desc
);
module_param!(
    ARP_IP_TARGET,
    "arp_ip_target",
    charp_array,
    get(OptId::ArpIpTarget).desc
);
module_param!(
    ARP_VALIDATE,
    "arp_validate",
    charp,
    get(OptId::ArpValidate).desc
);
module_param!(
    ARP_ALL_TARGETS,
    "arp_all_targets",
    charp,
    get(OptId::ArpAllTargets).desc
);
module_param!(
    MIN_LINKS,
    "min_links",
    int,
    UNSET,
    get(OptId::MinLinks).desc
);
module_param!(
    LP_INTERVAL,
    "lp_interval",
    int,
    UNSET,
    get(OptId::LpInterval).desc
);

// rust_bond's path monitor.
module_param!(
    PATH_INTERVAL,
    "path_interval",
    int,
    UNSET,
    get(OptId::PathInterval).desc
);
module_param!(
    PATH_POLICY,
    "path_policy",
    charp,
    get(OptId::PathPolicy).desc
);

/// The path monitor's options at load.
fn path_options(v: &mut Values) -> Result {
    let interval = int_option(OptId::PathInterval, &PATH_INTERVAL)?.unwrap_or(0);
    let arp = v.get(OptId::ArpInterval);
    if interval > 0 && arp > 0 {
        pr_err!(
            "Error: path_interval ({}) and arp_interval ({}) can't be used simultaneously\n",
            interval,
            arp
        );
        return Err(EINVAL);
    }
    v.set(OptId::PathInterval, interval);
    if let Some(value) = named_option(OptId::PathPolicy, &PATH_POLICY)? {
        v.set(OptId::PathPolicy, value);
    }
    if interval > 0 {
        pr_info!(
            "path monitoring set to {} ms, policy {}, with {} arp_ip_target(s)\n",
            interval,
            get(OptId::PathPolicy)
                .value_name(v.get(OptId::PathPolicy))
                .unwrap_or("failover"),
            v.arp_targets().iter().take_while(|t| **t != 0).count()
        );
    }
    Ok(())
}

/// The module parameters, validated.
pub(crate) struct Params {
    pub(crate) max_bonds: u32,
    pub(crate) tx_queues: u32,
    /// What each new bond starts with.
    pub(crate) defaults: Values,
}

/// Checks one integer parameter against its range; logs what was wrong.
fn in_range(name: &str, value: i32, range: core::ops::RangeInclusive<i32>) -> Result<u32> {
    if range.contains(&value) {
        // In range, and every range here starts at 0 or above.
        Ok(value.unsigned_abs())
    } else {
        pr_err!(
            "Error: {} ({}) not in range {}-{}\n",
            name,
            value,
            range.start(),
            range.end()
        );
        Err(EINVAL)
    }
}

fn show(s: &CStr) -> &str {
    s.to_str().unwrap_or("(not UTF-8)")
}

/// An int option given at load, checked against the table.
fn int_option(id: OptId, p: &IntParam) -> Result<Option<u64>> {
    let value = p.get();
    if value == UNSET {
        return Ok(None);
    }
    // bonding.ko after 6.12: use_carrier is obsolete, only 1 loads.
    if cfg!(rb_use_carrier_obsolete) && id == OptId::UseCarrier && value != 1 {
        pr_err!("Error: invalid use_carrier parameter ({})\n", value);
        return Err(EINVAL);
    }
    let opt = get(id);
    match opt.check_int(value) {
        Some(v) => Ok(Some(v)),
        None => {
            let (min, max) = opt.range().unwrap_or((0, 1));
            pr_err!(
                "Error: {} ({}) not in range {}-{}\n",
                opt.name,
                value,
                min,
                max
            );
            Err(EINVAL)
        }
    }
}

/// A named option given at load (`primary_reselect=better`).
fn named_option(id: OptId, p: &CharpParam) -> Result<Option<u64>> {
    let Some(s) = p.get() else {
        return Ok(None);
    };
    let opt = get(id);
    match opt.parse(cstr_bytes(s)) {
        Some(v) => Ok(Some(v)),
        None => {
            pr_err!(
                "Error: Invalid {} \"{}\" ({} accepts {})\n",
                opt.name,
                show(s),
                opt.name,
                opt.names()
            );
            Err(EINVAL)
        }
    }
}

/// Fails if an option of a feature rust_bond lacks was given.
fn refuse_unimplemented() -> Result {
    let named = [(OptId::LacpRate, &LACP_RATE), (OptId::AdSelect, &AD_SELECT)];
    let ints = [(OptId::MinLinks, &MIN_LINKS)];
    let given = named
        .iter()
        .find(|(_, p)| p.get().is_some())
        .map(|(id, _)| *id)
        .or_else(|| {
            ints.iter()
                .find(|(_, p)| p.get() != UNSET)
                .map(|(id, _)| *id)
        });
    if let Some(id) = given {
        let opt = get(id);
        pr_err!(
            "Error: option {} is not supported by rust_bond: {}\n",
            opt.name,
            opt.desc
        );
        return Err(EINVAL);
    }
    Ok(())
}

/// The first `.1` items of the comma-separated `.0`, each after a blank,
/// as bonding.ko's load summary prints its targets (by position, so a
/// skipped duplicate shifts them, as there).
struct FirstItems<'a>(&'a [u8], usize);

crate::kext::compat::kernel_display!(FirstItems<'_>);

impl core::fmt::Display for FirstItems<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for t in self.0.split(|c| *c == b',').take(self.1) {
            write!(f, " {}", Bytes(t))?;
        }
        Ok(())
    }
}

/// The ARP monitor's options at load (`bond_check_params()`), except that
/// what bonding.ko would reset with a warning (both monitors, a bad or no
/// target) fails the load.
fn arp_options(v: &mut Values) -> Result {
    let mut interval = int_option(OptId::ArpInterval, &ARP_INTERVAL)?.unwrap_or(0);
    let miimon = v.get(OptId::Miimon);
    if interval > 0 && miimon > 0 && MIIMON.get() == UNSET {
        // miimon was forced on by the mode (balance-tlb): bonding.ko's
        // warning, and no ARP monitor.
        pr_warn!(
            "Warning: miimon ({}) and arp_interval ({}) can't be used simultaneously, disabling ARP monitoring\n",
            miimon,
            interval
        );
        interval = 0;
    }
    if interval > 0 && miimon > 0 {
        pr_err!(
            "Error: miimon ({}) and arp_interval ({}) can't be used simultaneously\n",
            miimon,
            interval
        );
        return Err(EINVAL);
    }
    let mut count = 0;
    let list = ARP_IP_TARGET.get().map_or(&b""[..], cstr_bytes);
    if !list.is_empty() {
        // The kernel's parser of array parameters: at most 16 items.
        if list.split(|c| *c == b',').count() > super::arp::MAX_TARGETS {
            pr_err!(
                "arp_ip_target: can only take {} arguments\n",
                super::arp::MAX_TARGETS
            );
            return Err(EINVAL);
        }
        for t in list.split(|c| *c == b',') {
            let ip = in4_pton(t)
                .map(Ipv4::from_octets)
                .filter(|ip| super::setopt::target_ok(*ip));
            let Some(ip) = ip else {
                pr_err!("Error: bad arp_ip_target module parameter ({})\n", Bytes(t));
                return Err(EINVAL);
            };
            if v.arp_targets().contains(&ip.0) {
                pr_warn!(
                    "Warning: duplicate address {} in arp_ip_target, skipping\n",
                    ip
                );
                continue;
            }
            v.set_arp_target(count, ip.0);
            count += 1;
        }
    }
    if interval > 0 && count == 0 {
        pr_err!(
            "Error: arp_interval module parameter ({}) specified without providing an arp_ip_target parameter\n",
            interval
        );
        return Err(EINVAL);
    }
    v.set(OptId::ArpInterval, interval);
    if ARP_VALIDATE.get().is_some() && interval == 0 {
        pr_err!("arp_validate requires arp_interval\n");
        return Err(EINVAL);
    }
    for (id, p) in [
        (OptId::ArpValidate, &ARP_VALIDATE),
        (OptId::ArpAllTargets, &ARP_ALL_TARGETS),
    ] {
        if let Some(value) = named_option(id, p)? {
            v.set(id, value);
        }
    }
    if interval > 0 {
        pr_info!(
            "ARP monitoring set to {} ms, validate {}, with {} target(s):{}\n",
            interval,
            get(OptId::ArpValidate)
                .value_name(v.get(OptId::ArpValidate))
                .unwrap_or("none"),
            count,
            FirstItems(list, count)
        );
    }
    Ok(())
}

impl Params {
    /// Reads and checks what was given at load. Unlike bonding.ko, which
    /// resets some bad values to defaults with a warning, every bad value
    /// fails the load: a typo in modprobe.d should not silently change how
    /// the uplinks behave.
    pub(crate) fn from_module() -> Result<Self> {
        let max_bonds = in_range("max_bonds", MAX_BONDS.get(), options::MAX_BONDS_RANGE)?;
        let tx_queues = in_range("tx_queues", TX_QUEUES.get(), options::TX_QUEUES_RANGE)?;
        refuse_unimplemented()?;
        let mut v = Values::defaults();
        if let Some(s) = MODE.get() {
            match options::parse_mode(cstr_bytes(s)) {
                Ok(mode) => v.set(OptId::Mode, mode as u64),
                Err(None) => {
                    pr_err!(
                        "Error: Invalid bonding mode \"{}\" (mode accepts {})\n",
                        show(s),
                        get(OptId::Mode).names()
                    );
                    return Err(EINVAL);
                }
                Err(Some(mode)) => {
                    pr_err!(
                        "Error: mode {} ({}) is not implemented by rust_bond (mode accepts {})\n",
                        mode.name(),
                        mode as u32,
                        options::Mode::IMPLEMENTED_NAMES
                    );
                    return Err(EINVAL);
                }
            }
        }
        let ints = [
            (OptId::Miimon, &MIIMON),
            (OptId::UseCarrier, &USE_CARRIER),
            (OptId::NumGratArp, &NUM_GRAT_ARP),
            (OptId::NumUnsolNa, &NUM_UNSOL_NA),
            (OptId::AllSlavesActive, &ALL_SLAVES_ACTIVE),
            (OptId::ResendIgmp, &RESEND_IGMP),
            (OptId::PacketsPerSlave, &PACKETS_PER_SLAVE),
        ];
        for (id, p) in ints {
            if let Some(value) = int_option(id, p)? {
                v.set(id, value);
            }
        }
        // 802.3ad, balance-tlb and balance-alb need miimon.
        if !v.mode().uses_arp() && v.miimon() == 0 {
            pr_warn!("Warning: miimon must be specified, otherwise bonding will not detect link failure, speed and duplex which are essential for 802.3ad operation\n");
            pr_warn!("Forcing miimon to 100msec\n");
            v.set(OptId::Miimon, options::DEFAULT_MIIMON);
        }
        if LP_INTERVAL.get() == 0 {
            pr_warn!(
                "Warning: ip_interval must be between 1 and {}, so it was reset to {}\n",
                i32::MAX,
                get(OptId::LpInterval).default_value()
            );
        } else if let Some(value) = int_option(OptId::LpInterval, &LP_INTERVAL)? {
            v.set(OptId::LpInterval, value);
        }
        for (id, p) in [
            (OptId::PrimaryReselect, &PRIMARY_RESELECT),
            (OptId::FailOverMac, &FAIL_OVER_MAC),
        ] {
            if let Some(value) = named_option(id, p)? {
                v.set(id, value);
            }
        }
        if FAIL_OVER_MAC.get().is_some() && v.mode() != Mode::ActiveBackup {
            pr_warn!("Warning: fail_over_mac only affects active-backup mode\n");
        }
        // Checked in every mode (rust_bond's rule), used where it matters.
        if let Some(value) = named_option(OptId::XmitHashPolicy, &XMIT_HASH_POLICY)? {
            if matches!(
                v.mode(),
                Mode::RoundRobin | Mode::ActiveBackup | Mode::Broadcast
            ) {
                pr_info!(
                    "xmit_hash_policy param is irrelevant in mode {}\n",
                    v.mode().description()
                );
            } else {
                v.set(OptId::XmitHashPolicy, value);
            }
        }
        let miimon = v.get(OptId::Miimon);
        for (id, p, name) in [
            (OptId::Updelay, &UPDELAY, "updelay"),
            (OptId::Downdelay, &DOWNDELAY, "downdelay"),
        ] {
            let Some(ms) = int_option(id, p)? else {
                continue;
            };
            if miimon == 0 && ms != 0 {
                pr_err!("Error: {} ({}) needs miimon, which is not set\n", name, ms);
                return Err(EINVAL);
            }
            let (ticks, rounded) = ms_to_ticks(ms, miimon);
            if rounded {
                pr_warn!(
                    "Warning: {} ({}) is not a multiple of miimon ({}), {} rounded to {} ms\n",
                    name,
                    ms,
                    miimon,
                    name,
                    ticks * miimon
                );
            }
            v.set(id, ticks);
        }
        arp_options(&mut v)?;
        path_options(&mut v)?;
        if let Some(s) = PRIMARY.get() {
            if v.mode().uses_primary() {
                v.set_primary(cstr_bytes(s));
            } else {
                pr_warn!(
                    "Warning: {} primary device specified but has no effect in {} mode\n",
                    show(s),
                    v.mode().description()
                );
            }
        }
        Ok(Self {
            max_bonds,
            tx_queues,
            defaults: v,
        })
    }
}
