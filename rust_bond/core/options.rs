// SPDX-License-Identifier: GPL-2.0

//! The bonding option table: names, numbers, defaults, ranges, which modes an
//! option applies to, and how values are parsed and printed.
//!
//! One table drives module parameters, sysfs, /proc and (later) netlink, as
//! `bond_options.c` does for the C driver. Parsing follows `bond_opt_parse()`
//! byte for byte, so every accepted and rejected input matches bonding.ko.

use core::fmt;

/// Bonding modes, numbered as in `<uapi/linux/if_bonding.h>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    RoundRobin = 0,
    ActiveBackup = 1,
    Xor = 2,
    Broadcast = 3,
    Ieee8023ad = 4,
    Tlb = 5,
    Alb = 6,
}

impl Mode {
    const ALL: [Mode; 7] = [
        Mode::RoundRobin,
        Mode::ActiveBackup,
        Mode::Xor,
        Mode::Broadcast,
        Mode::Ieee8023ad,
        Mode::Tlb,
        Mode::Alb,
    ];

    /// The mode with bonding's number `value` (on the transmit path: an
    /// index, not a search).
    pub(crate) fn from_value(value: u64) -> Option<Mode> {
        // `ALL` is in numeric order (tested).
        Mode::ALL.get(usize::try_from(value).ok()?).copied()
    }

    /// The name sysfs and module options use (`active-backup`).
    pub(crate) fn name(self) -> &'static str {
        MODE_TBL[self as usize].name
    }

    /// The description `/proc/net/bonding/*` prints (`bond_mode_name()`).
    pub(crate) fn description(self) -> &'static str {
        match self {
            Mode::RoundRobin => "load balancing (round-robin)",
            Mode::ActiveBackup => "fault-tolerance (active-backup)",
            Mode::Xor => "load balancing (xor)",
            Mode::Broadcast => "fault-tolerance (broadcast)",
            Mode::Ieee8023ad => "IEEE 802.3ad Dynamic link aggregation",
            Mode::Tlb => "transmit load balancing",
            Mode::Alb => "adaptive load balancing",
        }
    }

    /// Whether rust_bond implements this mode. The others parse (so the
    /// error can name them) but are refused.
    pub(crate) fn implemented(self) -> bool {
        matches!(
            self,
            Mode::RoundRobin | Mode::ActiveBackup | Mode::Xor | Mode::Tlb
        )
    }

    /// The names of the modes rust_bond implements, for error messages.
    pub(crate) const IMPLEMENTED_NAMES: &'static str =
        "balance-rr, active-backup, balance-xor, balance-tlb";

    /// Whether one port is the active one, which receives
    /// (`bond_uses_primary()`): active-backup, balance-tlb, balance-alb.
    pub(crate) fn uses_primary(self) -> bool {
        USES_PRIMARY & self.bit() != 0
    }

    /// Whether `xmit_hash_policy` picks the transmit port whatever the
    /// other options (`bond_mode_uses_xmit_hash()` but for balance-tlb and
    /// balance-alb, which use it with `tlb_dynamic_lb` 0).
    pub(crate) fn uses_xmit_hash(self) -> bool {
        matches!(self, Mode::Xor | Mode::Ieee8023ad)
    }

    /// Whether the mode keeps a set of the ports that can transmit, which
    /// follows their carrier (`bond_mode_can_use_xmit_hash()`, for which
    /// bonding.ko rebuilds its slave arrays).
    pub(crate) fn can_use_xmit_hash(self) -> bool {
        matches!(self, Mode::Xor | Mode::Ieee8023ad | Mode::Tlb | Mode::Alb)
    }

    /// Whether the ARP monitor can run in the mode (`bond_mode_uses_arp()`):
    /// not in 802.3ad, balance-tlb or balance-alb, which need miimon.
    pub(crate) fn uses_arp(self) -> bool {
        NOT_ARP & self.bit() == 0
    }

    /// balance-tlb and balance-alb (`bond_is_lb()`).
    pub(crate) fn is_lb(self) -> bool {
        matches!(self, Mode::Tlb | Mode::Alb)
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// One named value of an option (`bond_opt_value`).
#[derive(Debug)]
pub(crate) struct OptValue {
    pub(crate) name: &'static str,
    pub(crate) value: u64,
    flags: u8,
}

const VAL_DEFAULT: u8 = 1 << 0;
const VAL_MIN: u8 = 1 << 1;
const VAL_MAX: u8 = 1 << 2;

const fn v(name: &'static str, value: u64, flags: u8) -> OptValue {
    OptValue { name, value, flags }
}

const INT_MAX: u64 = i32::MAX as u64;

static MODE_TBL: [OptValue; 7] = [
    v("balance-rr", 0, VAL_DEFAULT),
    v("active-backup", 1, 0),
    v("balance-xor", 2, 0),
    v("broadcast", 3, 0),
    v("802.3ad", 4, 0),
    v("balance-tlb", 5, 0),
    v("balance-alb", 6, 0),
];
static PPS_TBL: [OptValue; 2] = [
    v("default", 1, VAL_DEFAULT),
    v("maxval", u16::MAX as u64, VAL_MAX),
];
static FAIL_OVER_MAC_TBL: [OptValue; 3] = [
    v("none", 0, VAL_DEFAULT),
    v("active", 1, 0),
    v("follow", 2, 0),
];
static INTMAX_TBL: [OptValue; 2] = [v("off", 0, VAL_DEFAULT), v("maxval", INT_MAX, VAL_MAX)];
static NUM_PEER_NOTIF_TBL: [OptValue; 3] = [
    v("off", 0, 0),
    v("maxval", 255, VAL_MAX),
    v("default", 1, VAL_DEFAULT),
];
static PEER_NOTIF_DELAY_TBL: [OptValue; 2] = [v("off", 0, 0), v("maxval", 300_000, VAL_MAX)];
static PRIMARY_RESELECT_TBL: [OptValue; 3] = [
    v("always", 0, VAL_DEFAULT),
    v("better", 1, 0),
    v("failure", 2, 0),
];
#[cfg(not(rb_use_carrier_obsolete))]
static USE_CARRIER_TBL: [OptValue; 2] = [v("off", 0, 0), v("on", 1, VAL_DEFAULT)];
/// bonding.ko after 6.12: MII ioctls are gone, the carrier is always used.
#[cfg(rb_use_carrier_obsolete)]
static USE_CARRIER_TBL: [OptValue; 1] = [v("on", 1, VAL_DEFAULT)];
#[cfg(not(rb_use_carrier_obsolete))]
const USE_CARRIER_DESC: &str =
    "Use netif_carrier_ok (vs MII ioctls) in miimon; 0 for off, 1 for on (default)";
#[cfg(rb_use_carrier_obsolete)]
const USE_CARRIER_DESC: &str = "option obsolete, use_carrier cannot be disabled";
static ALL_SLAVES_ACTIVE_TBL: [OptValue; 2] = [v("off", 0, VAL_DEFAULT), v("on", 1, 0)];
static RESEND_IGMP_TBL: [OptValue; 3] = [
    v("off", 0, 0),
    v("maxval", 255, VAL_MAX),
    v("default", 1, VAL_DEFAULT),
];

static XMIT_HASH_TBL: [OptValue; 6] = [
    v("layer2", 0, VAL_DEFAULT),
    v("layer3+4", 1, 0),
    v("layer2+3", 2, 0),
    v("encap2+3", 3, 0),
    v("encap3+4", 4, 0),
    v("vlan+srcmac", 5, 0),
];
static ARP_VALIDATE_TBL: [OptValue; 7] = [
    v("none", 0, VAL_DEFAULT),
    v("active", 1, 0),
    v("backup", 2, 0),
    v("all", 3, 0),
    v("filter", 4, 0),
    v("filter_active", 5, 0),
    v("filter_backup", 6, 0),
];
static ARP_ALL_TARGETS_TBL: [OptValue; 2] = [v("any", 0, VAL_DEFAULT), v("all", 1, 0)];
static LACP_ACTIVE_TBL: [OptValue; 2] = [v("off", 0, 0), v("on", 1, VAL_DEFAULT)];
static LACP_RATE_TBL: [OptValue; 2] = [v("slow", 0, 0), v("fast", 1, 0)];
#[cfg(not(rb_ad_select_port_prio))]
static AD_SELECT_TBL: [OptValue; 3] = [
    v("stable", 0, VAL_DEFAULT),
    v("bandwidth", 1, 0),
    v("count", 2, 0),
];
/// bonding.ko after 6.12 also selects by the ports' actor priority.
#[cfg(rb_ad_select_port_prio)]
static AD_SELECT_TBL: [OptValue; 4] = [
    v("stable", 0, VAL_DEFAULT),
    v("bandwidth", 1, 0),
    v("count", 2, 0),
    v("actor_port_prio", 3, 0),
];
static LP_INTERVAL_TBL: [OptValue; 2] = [
    v("minval", 1, VAL_MIN | VAL_DEFAULT),
    v("maxval", INT_MAX, VAL_MAX),
];
static TLB_DYNAMIC_LB_TBL: [OptValue; 2] = [v("off", 0, 0), v("on", 1, VAL_DEFAULT)];
static AD_ACTOR_SYS_PRIO_TBL: [OptValue; 2] = [
    v("minval", 1, VAL_MIN),
    v("maxval", 65535, VAL_MAX | VAL_DEFAULT),
];
static AD_USER_PORT_KEY_TBL: [OptValue; 2] = [
    v("minval", 0, VAL_MIN | VAL_DEFAULT),
    v("maxval", 1023, VAL_MAX),
];
static MISSED_MAX_TBL: [OptValue; 3] = [
    v("minval", 1, VAL_MIN),
    v("maxval", 255, VAL_MAX),
    v("default", 2, VAL_DEFAULT),
];

/// `path_policy` (rust_bond's own): what a dead path does to a port.
static PATH_POLICY_TBL: [OptValue; 2] = [v("report", 0, 0), v("failover", 1, VAL_DEFAULT)];

/// Identifies an option of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OptId {
    Slaves,
    Mode,
    FailOverMac,
    ArpValidate,
    ArpAllTargets,
    ArpInterval,
    ArpIpTarget,
    Downdelay,
    Updelay,
    PeerNotifDelay,
    LacpActive,
    LacpRate,
    AdSelect,
    XmitHashPolicy,
    NumGratArp,
    NumUnsolNa,
    Miimon,
    Primary,
    PrimaryReselect,
    UseCarrier,
    ActiveSlave,
    QueueId,
    AllSlavesActive,
    ResendIgmp,
    MinLinks,
    LpInterval,
    PacketsPerSlave,
    TlbDynamicLb,
    AdActorSysPrio,
    AdActorSystem,
    AdUserPortKey,
    ArpMissedMax,
    PathInterval,
    PathPolicy,
}

/// How sysfs prints the current value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Show {
    /// `name number`, e.g. `active-backup 1`.
    NameAndNumber,
    /// A plain decimal.
    Number,
    /// Text the driver formats (lists, names).
    Raw,
    /// Nothing outside 802.3ad (which rust_bond does not implement).
    Only8023ad,
}

/// How much of an option rust_bond implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Support {
    /// Works as in bonding.ko.
    Full,
    /// Stored and shown, checked as bonding.ko checks it, but it only
    /// matters in modes rust_bond does not implement (as in bonding.ko,
    /// where it has no effect in balance-rr and active-backup either).
    Inert,
    /// A feature rust_bond lacks (the ARP monitor, queue mapping): values
    /// other than the default are refused with `-EOPNOTSUPP`.
    Refused,
}

/// The option may only change while the bond has no slaves.
const OPT_NOSLAVES: u8 = 1 << 0;
/// The option may only change while the bond is down.
const OPT_IFDOWN: u8 = 1 << 1;
/// The value is a string the driver interprets (no table).
const OPT_RAWVAL: u8 = 1 << 2;

/// One bonding option (`bond_option`).
#[derive(Debug)]
pub(crate) struct BondOption {
    pub(crate) id: OptId,
    pub(crate) name: &'static str,
    /// One line for `modinfo` and the documentation.
    pub(crate) desc: &'static str,
    pub(crate) show: Show,
    pub(crate) support: Support,
    values: &'static [OptValue],
    flags: u8,
    /// Modes (as `Mode::bit()`) in which the option cannot be set.
    unsupp_modes: u8,
}

const ALL_MODES: u8 = (1 << 7) - 1;

const fn all_modes_except(modes: u8) -> u8 {
    ALL_MODES & !modes
}

const ONLY_8023AD: u8 = all_modes_except(Mode::Ieee8023ad.bit());
const NOT_ARP: u8 = Mode::Ieee8023ad.bit() | Mode::Tlb.bit() | Mode::Alb.bit();
const USES_PRIMARY: u8 = Mode::ActiveBackup.bit() | Mode::Tlb.bit() | Mode::Alb.bit();

// A row of the table: one argument per column reads best.
#[allow(clippy::too_many_arguments)]
const fn opt(
    id: OptId,
    name: &'static str,
    desc: &'static str,
    show: Show,
    support: Support,
    values: &'static [OptValue],
    flags: u8,
    unsupp_modes: u8,
) -> BondOption {
    BondOption {
        id,
        name,
        desc,
        show,
        support,
        values,
        flags,
        unsupp_modes,
    }
}

use Show::{NameAndNumber as Named, Number, Only8023ad, Raw};
use Support::{Full, Inert, Refused};

/// Every option of bonding.ko, in the order of its sysfs files; then
/// rust_bond's own (the path monitor's), which have no netlink attribute.
pub(crate) static OPTIONS: [BondOption; 34] = [
    opt(OptId::Slaves, "slaves", "Enslave (+ifname) or release (-ifname) a port",
        Raw, Full, &[], OPT_RAWVAL, 0),
    opt(OptId::Mode, "mode", "Mode of operation; 0 for balance-rr, 1 for active-backup, 2 for balance-xor, 5 for balance-tlb",
        Named, Full, &MODE_TBL, OPT_NOSLAVES | OPT_IFDOWN, 0),
    opt(OptId::FailOverMac, "fail_over_mac",
        "For active-backup, do not set all slaves to the same MAC; 0 for none (default), 1 for active, 2 for follow",
        Named, Full, &FAIL_OVER_MAC_TBL, OPT_NOSLAVES, 0),
    opt(OptId::ArpValidate, "arp_validate",
        "validate src/dst of ARP probes; 0 for none (default), 1 for active, 2 for backup, 3 for all",
        Named, Full, &ARP_VALIDATE_TBL, 0, NOT_ARP),
    opt(OptId::ArpAllTargets, "arp_all_targets",
        "fail on any/all arp targets timeout; 0 for any (default), 1 for all",
        Named, Full, &ARP_ALL_TARGETS_TBL, 0, 0),
    opt(OptId::ArpInterval, "arp_interval", "arp interval in milliseconds",
        Number, Full, &INTMAX_TBL, 0, NOT_ARP),
    opt(OptId::ArpIpTarget, "arp_ip_target", "arp targets in n.n.n.n form",
        Raw, Full, &[], OPT_RAWVAL, 0),
    opt(OptId::Downdelay, "downdelay", "Delay before considering link down, in milliseconds",
        Number, Full, &INTMAX_TBL, 0, 0),
    opt(OptId::Updelay, "updelay", "Delay before considering link up, in milliseconds",
        Number, Full, &INTMAX_TBL, 0, 0),
    opt(OptId::PeerNotifDelay, "peer_notif_delay",
        "Delay between each peer notification on failover event, in milliseconds",
        Number, Full, &PEER_NOTIF_DELAY_TBL, 0, 0),
    opt(OptId::LacpActive, "lacp_active", "802.3ad LACP active mode (802.3ad is not implemented)",
        Named, Inert, &LACP_ACTIVE_TBL, OPT_IFDOWN, ONLY_8023AD),
    opt(OptId::LacpRate, "lacp_rate", "802.3ad LACPDU rate (802.3ad is not implemented)",
        Named, Inert, &LACP_RATE_TBL, OPT_IFDOWN, ONLY_8023AD),
    opt(OptId::AdSelect, "ad_select", "802.3ad aggregation selection (802.3ad is not implemented)",
        Named, Inert, &AD_SELECT_TBL, OPT_IFDOWN, 0),
    opt(OptId::XmitHashPolicy, "xmit_hash_policy",
        "balance-xor hashing method; 0 for layer 2 (default), 1 for layer 3+4, 2 for layer 2+3, 3 for encap layer 2+3, 4 for encap layer 3+4, 5 for vlan+srcmac",
        Named, Full, &XMIT_HASH_TBL, 0, 0),
    opt(OptId::NumGratArp, "num_grat_arp",
        "Number of peer notifications to send on failover event (alias of num_unsol_na)",
        Number, Full, &NUM_PEER_NOTIF_TBL, 0, 0),
    opt(OptId::NumUnsolNa, "num_unsol_na",
        "Number of peer notifications to send on failover event (alias of num_grat_arp)",
        Number, Full, &NUM_PEER_NOTIF_TBL, 0, 0),
    opt(OptId::Miimon, "miimon", "Link check interval in milliseconds",
        Number, Full, &INTMAX_TBL, 0, 0),
    opt(OptId::Primary, "primary", "Primary network device to use",
        Raw, Full, &[], OPT_RAWVAL, all_modes_except(USES_PRIMARY)),
    opt(OptId::PrimaryReselect, "primary_reselect",
        "Reselect primary slave once it comes up; 0 for always (default), 1 for better, 2 for failure",
        Named, Full, &PRIMARY_RESELECT_TBL, 0, 0),
    opt(OptId::UseCarrier, "use_carrier", USE_CARRIER_DESC,
        Number, Full, &USE_CARRIER_TBL, 0, 0),
    opt(OptId::ActiveSlave, "active_slave", "Currently active slave",
        Raw, Full, &[], OPT_RAWVAL, all_modes_except(USES_PRIMARY)),
    opt(OptId::QueueId, "queue_id", "Transmit queue of a slave (not implemented: only 0)",
        Raw, Refused, &[], OPT_RAWVAL, 0),
    opt(OptId::AllSlavesActive, "all_slaves_active",
        "Keep all frames received on an interface by setting active flag for all slaves; 0 for never (default), 1 for always",
        Number, Full, &ALL_SLAVES_ACTIVE_TBL, 0, 0),
    opt(OptId::ResendIgmp, "resend_igmp", "Number of IGMP membership reports to send on link failure",
        Number, Full, &RESEND_IGMP_TBL, 0, 0),
    opt(OptId::MinLinks, "min_links", "Minimum number of available links of 802.3ad (not implemented)",
        Number, Inert, &INTMAX_TBL, 0, 0),
    opt(OptId::LpInterval, "lp_interval", "The number of seconds between instances where the bonding driver sends learning packets to each slaves peer switch. The default is 1.",
        Number, Full, &LP_INTERVAL_TBL, 0, 0),
    opt(OptId::PacketsPerSlave, "packets_per_slave",
        "Packets to send per slave in balance-rr mode; 0 for a random slave, 1 packet per slave (default), >1 packets per slave",
        Number, Full, &PPS_TBL, 0, all_modes_except(Mode::RoundRobin.bit())),
    opt(OptId::TlbDynamicLb, "tlb_dynamic_lb", "Dynamic flow shuffling of balance-tlb: 1 by load (default), 0 by xmit_hash_policy",
        Number, Full, &TLB_DYNAMIC_LB_TBL, OPT_IFDOWN, all_modes_except(Mode::Tlb.bit() | Mode::Alb.bit())),
    opt(OptId::AdActorSysPrio, "ad_actor_sys_prio", "802.3ad system priority (802.3ad is not implemented)",
        Only8023ad, Inert, &AD_ACTOR_SYS_PRIO_TBL, 0, ONLY_8023AD),
    opt(OptId::AdActorSystem, "ad_actor_system", "802.3ad system MAC (802.3ad is not implemented)",
        Only8023ad, Inert, &[], OPT_RAWVAL, ONLY_8023AD),
    opt(OptId::AdUserPortKey, "ad_user_port_key", "802.3ad user port key (802.3ad is not implemented)",
        Only8023ad, Inert, &AD_USER_PORT_KEY_TBL, OPT_IFDOWN, ONLY_8023AD),
    opt(OptId::ArpMissedMax, "arp_missed_max",
        "Number of arp_interval monitor checks that must fail for a port to be down",
        Number, Full, &MISSED_MAX_TBL, 0, NOT_ARP),
    opt(OptId::PathInterval, "path_interval",
        "rust_bond's path monitor: how often each port's path to the arp_ip_target/ns_ip6_target addresses is checked, in milliseconds; 0 for off (default)",
        Number, Full, &INTMAX_TBL, 0, NOT_ARP),
    opt(OptId::PathPolicy, "path_policy",
        "What a port whose path died does: report (only shown), failover (default: active-backup fails over, balance-rr and balance-xor stop sending on it)",
        Named, Full, &PATH_POLICY_TBL, 0, NOT_ARP),
];

/// Why a new value was refused. Each maps to the errno bonding.ko returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OptError {
    /// The value does not parse or is out of range (`-EINVAL`).
    Invalid,
    /// The option does not apply to the bond's mode (`-EACCES`).
    NotInMode,
    /// The option can only change while the bond has no slaves (`-ENOTEMPTY`).
    HasSlaves,
    /// The option can only change while the bond is down (`-EBUSY`).
    IsUp,
}

/// The option called `name`, if rust_bond implements it.
pub(crate) fn find(name: &str) -> Option<&'static BondOption> {
    OPTIONS.iter().find(|o| o.name == name)
}

/// The table entry of option `id`; usable in constants (module parameter
/// descriptions come from here).
pub(crate) const fn get(id: OptId) -> &'static BondOption {
    let mut i = 0;
    while i < OPTIONS.len() {
        if OPTIONS[i].id as u8 == id as u8 {
            return &OPTIONS[i];
        }
        i += 1;
    }
    // Every `OptId` has an entry (a host test checks it).
    panic!("option missing from OPTIONS")
}

/// `isspace()` of the kernel's `lib/ctype.c` (which counts 0xa0 too).
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0xa0)
}

/// What `sscanf(s, "%llu")` of the kernel yields: leading blanks skipped,
/// decimal digits accumulated with wrap-around like `simple_strntoull()`.
fn scan_u64(s: &[u8]) -> Option<u64> {
    let s = &s[s.iter().take_while(|c| is_space(**c)).count()..];
    let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    Some(s[..digits].iter().fold(0u64, |acc, d| {
        acc.wrapping_mul(10).wrapping_add(u64::from(d - b'0'))
    }))
}

/// What `sscanf(s, "%32s")` of the kernel yields: the first blank-delimited
/// word, at most 32 bytes.
fn scan_word(s: &[u8]) -> Option<&[u8]> {
    let s = &s[s.iter().take_while(|c| is_space(**c)).count()..];
    let len = s.iter().take_while(|c| !is_space(**c)).count().min(32);
    (len > 0).then(|| &s[..len])
}

impl BondOption {
    /// Parses user input the way `bond_opt_parse()` does: everything after
    /// the first newline is ignored; all digits and blanks is a number,
    /// anything else the first word, matched against the value names and
    /// `default`. Numbers that name no value must lie within the table's
    /// min/max entries.
    pub(crate) fn parse(&self, input: &[u8]) -> Option<u64> {
        let input = match input.iter().position(|c| *c == b'\n') {
            Some(nl) => &input[..nl],
            None => input,
        };
        if input.iter().all(|c| c.is_ascii_digit() || is_space(*c)) {
            self.check_value(scan_u64(input)?)
        } else {
            let word = scan_word(input)?;
            self.values
                .iter()
                .find(|v| {
                    v.name.as_bytes() == word || (word == b"default" && v.flags & VAL_DEFAULT != 0)
                })
                .map(|v| v.value)
        }
    }

    /// Checks a number (from a module parameter or netlink): it must name a
    /// value of the table or lie within its range.
    pub(crate) fn check_value(&self, value: u64) -> Option<u64> {
        if self.values.iter().any(|v| v.value == value) {
            return Some(value);
        }
        let min = self.flagged(VAL_MIN).map_or(0, |v| v.value);
        let max = self.flagged(VAL_MAX)?.value;
        (min..=max).contains(&value).then_some(value)
    }

    /// Like `check_value()` for a signed module parameter.
    pub(crate) fn check_int(&self, value: i32) -> Option<u64> {
        u64::try_from(value).ok().and_then(|v| self.check_value(v))
    }

    fn flagged(&self, flag: u8) -> Option<&'static OptValue> {
        self.values.iter().find(|v| v.flags & flag != 0)
    }

    /// The value a new bond starts with.
    pub(crate) fn default_value(&self) -> u64 {
        self.flagged(VAL_DEFAULT).map_or(0, |v| v.value)
    }

    /// The name of `value`, for options shown by name.
    pub(crate) fn value_name(&self, value: u64) -> Option<&'static str> {
        self.values
            .iter()
            .find(|v| v.value == value)
            .map(|v| v.name)
    }

    /// The accepted names, for error messages: `balance-rr, active-backup, ...`.
    pub(crate) fn names(&self) -> ValueNames {
        ValueNames(self.values)
    }

    /// Whether the value is a raw string for the driver (`slaves`, ...).
    pub(crate) fn is_raw(&self) -> bool {
        self.flags & OPT_RAWVAL != 0
    }

    /// Whether the option has a maximum, so errors print the range.
    pub(crate) fn range(&self) -> Option<(u64, u64)> {
        let max = self.flagged(VAL_MAX)?.value;
        Some((self.flagged(VAL_MIN).map_or(0, |v| v.value), max))
    }

    /// Whether the option may change now (`bond_opt_check_deps()`).
    pub(crate) fn check_deps(
        &self,
        mode: Mode,
        has_slaves: bool,
        is_up: bool,
    ) -> Result<(), OptError> {
        if self.unsupp_modes & mode.bit() != 0 {
            Err(OptError::NotInMode)
        } else if self.flags & OPT_NOSLAVES != 0 && has_slaves {
            Err(OptError::HasSlaves)
        } else if self.flags & OPT_IFDOWN != 0 && is_up {
            Err(OptError::IsUp)
        } else {
            Ok(())
        }
    }

    /// Writes `value` as sysfs shows it, without the newline.
    pub(crate) fn format(&self, value: u64, w: &mut impl fmt::Write) -> fmt::Result {
        match (self.show, self.value_name(value)) {
            (Show::NameAndNumber, Some(name)) => write!(w, "{name} {value}"),
            _ => write!(w, "{value}"),
        }
    }
}

/// Displays the value names of an option, comma separated.
pub(crate) struct ValueNames(&'static [OptValue]);

impl fmt::Display for ValueNames {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(v.name)?;
        }
        Ok(())
    }
}

/// Parses the `mode` module parameter or sysfs value. `Err(None)` means the
/// input names no bonding mode; `Err(Some(mode))` a mode rust_bond does not
/// implement.
pub(crate) fn parse_mode(input: &[u8]) -> Result<Mode, Option<Mode>> {
    let mode = get(OptId::Mode)
        .parse(input)
        .and_then(Mode::from_value)
        .ok_or(None)?;
    if mode.implemented() {
        Ok(mode)
    } else {
        Err(Some(mode))
    }
}

/// Range of the `max_bonds` module parameter.
pub(crate) const MAX_BONDS_RANGE: core::ops::RangeInclusive<i32> = 0..=i32::MAX;
/// Default and range of the `tx_queues` module parameter (bonding's).
pub(crate) const TX_QUEUES_DEFAULT: i32 = 16;
/// The `miimon` of a mode that needs it when none is set
/// (`BOND_DEFAULT_MIIMON`).
pub(crate) const DEFAULT_MIIMON: u64 = 100;
/// Range of `tx_queues`.
pub(crate) const TX_QUEUES_RANGE: core::ops::RangeInclusive<i32> = 1..=255;

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    fn parse(name: &str, input: &str) -> Option<u64> {
        find(name).unwrap().parse(input.as_bytes())
    }

    #[test]
    fn every_id_has_one_entry() {
        for o in &OPTIONS {
            assert_eq!(
                OPTIONS.iter().filter(|p| p.id == o.id).count(),
                1,
                "{}",
                o.name
            );
            assert_eq!(get(o.id).name, o.name);
            assert!(o.desc.len() > 10);
        }
    }

    #[test]
    fn implemented_names_are_the_implemented_modes() {
        let names: std::vec::Vec<&str> = Mode::ALL
            .iter()
            .filter(|m| m.implemented())
            .map(|m| m.name())
            .collect();
        assert_eq!(names.join(", "), Mode::IMPLEMENTED_NAMES);
        for m in Mode::ALL {
            assert_eq!(
                m.uses_primary(),
                matches!(m, Mode::ActiveBackup | Mode::Tlb | Mode::Alb)
            );
        }
    }

    #[test]
    fn mode_names_numbers_and_default() {
        // (input, expected) exactly as bond_opt_parse() answers.
        let cases: &[(&str, Option<u64>)] = &[
            ("balance-rr", Some(0)),
            ("active-backup", Some(1)),
            ("active-backup\n", Some(1)),
            ("  active-backup  trailing words", Some(1)),
            ("1", Some(1)),
            (" 1 \n", Some(1)),
            ("6", Some(6)),
            ("balance-alb", Some(6)),
            ("default", Some(0)),
            ("7", None),
            ("-1", None),
            ("Active-Backup", None),
            ("nonsense", None),
            ("", None),
            ("   ", None),
            ("\n", None),
            ("1x", None),
            // simple_strntoull() wraps: 2^64 + 1 reads as 1.
            ("18446744073709551617", Some(1)),
        ];
        for (input, want) in cases {
            assert_eq!(parse("mode", input), *want, "{input:?}");
        }
    }

    #[test]
    fn mode_from_value() {
        for v in 0..7u64 {
            let m = Mode::from_value(v).unwrap();
            assert_eq!(m as u64, v);
        }
        assert_eq!(Mode::from_value(7), None);
        assert_eq!(Mode::from_value(u64::MAX), None);
    }

    #[test]
    fn ranges_and_named_limits() {
        let cases: &[(&str, &str, Option<u64>)] = &[
            ("miimon", "100", Some(100)),
            ("miimon", "0", Some(0)),
            ("miimon", "off", Some(0)),
            ("miimon", "maxval", Some(INT_MAX)),
            ("miimon", "2147483647", Some(INT_MAX)),
            ("miimon", "2147483648", None),
            ("miimon", "-5", None),
            ("miimon", "default", Some(0)),
            ("miimon", "100ms", None),
            ("use_carrier", "2", None),
            ("use_carrier", "on", Some(1)),
            ("use_carrier", "default", Some(1)),
            ("num_grat_arp", "255", Some(255)),
            ("num_grat_arp", "256", None),
            ("num_unsol_na", "default", Some(1)),
            ("resend_igmp", "0", Some(0)),
            ("packets_per_slave", "65535", Some(65535)),
            ("packets_per_slave", "65536", None),
            ("packets_per_slave", "0", Some(0)),
            ("peer_notif_delay", "300000", Some(300_000)),
            ("peer_notif_delay", "default", None),
            ("fail_over_mac", "follow", Some(2)),
            ("fail_over_mac", "3", None),
            ("primary_reselect", "failure", Some(2)),
            ("primary_reselect", "best", None),
            ("all_slaves_active", "1", Some(1)),
            ("all_slaves_active", "2", None),
        ];
        for (name, input, want) in cases {
            assert_eq!(parse(name, input), *want, "{name} {input:?}");
        }
    }

    #[test]
    fn overlong_words_are_cut_at_32_bytes() {
        // %32s: a 40-byte word is compared by its first 32 bytes only.
        let long = "active-backupXXXXXXXXXXXXXXXXXXXXXXXXXXX";
        assert_eq!(parse("mode", long), None);
        assert_eq!(scan_word(long.as_bytes()).unwrap().len(), 32);
    }

    #[test]
    fn binary_bytes_are_refused() {
        assert_eq!(find("mode").unwrap().parse(b"\x00\xff"), None);
        assert_eq!(find("miimon").unwrap().parse(b"1\x00"), None);
    }

    #[test]
    fn defaults_match_bonding() {
        // Every option with a value table, and its default as bonding.ko
        // shows it on a new bond.
        let want: &[(&str, u64)] = &[
            ("mode", 0),
            ("fail_over_mac", 0),
            ("arp_validate", 0),
            ("arp_all_targets", 0),
            ("arp_interval", 0),
            ("downdelay", 0),
            ("updelay", 0),
            ("peer_notif_delay", 0),
            ("lacp_active", 1),
            ("lacp_rate", 0),
            ("ad_select", 0),
            ("xmit_hash_policy", 0),
            ("num_grat_arp", 1),
            ("num_unsol_na", 1),
            ("miimon", 0),
            ("primary_reselect", 0),
            ("use_carrier", 1),
            ("all_slaves_active", 0),
            ("resend_igmp", 1),
            ("min_links", 0),
            ("lp_interval", 1),
            ("packets_per_slave", 1),
            ("tlb_dynamic_lb", 1),
            ("ad_actor_sys_prio", 65535),
            ("ad_user_port_key", 0),
            ("arp_missed_max", 2),
            ("path_interval", 0),
            ("path_policy", 1),
        ];
        let tabled = OPTIONS.iter().filter(|o| !o.is_raw()).count();
        assert_eq!(want.len(), tabled);
        for (name, value) in want {
            assert_eq!(find(name).unwrap().default_value(), *value, "{name}");
        }
    }

    #[test]
    fn table_order_is_bondings_sysfs_order() {
        let names: std::vec::Vec<_> = OPTIONS.iter().map(|o| o.name).collect();
        assert_eq!(
            &names[..4],
            ["slaves", "mode", "fail_over_mac", "arp_validate"]
        );
        // bonding.ko's end at arp_missed_max; rust_bond's own follow.
        assert_eq!(names[31], "arp_missed_max");
        assert_eq!(&names[32..], ["path_interval", "path_policy"]);
    }

    #[test]
    fn mode_dependencies() {
        let primary = get(OptId::Primary);
        assert_eq!(
            primary.check_deps(Mode::RoundRobin, false, false),
            Err(OptError::NotInMode)
        );
        assert_eq!(primary.check_deps(Mode::ActiveBackup, true, true), Ok(()));
        let lacp = get(OptId::LacpRate);
        assert_eq!(
            lacp.check_deps(Mode::ActiveBackup, false, false),
            Err(OptError::NotInMode)
        );
        assert!(get(OptId::Slaves).is_raw());
        assert_eq!(get(OptId::Miimon).range(), Some((0, INT_MAX)));
        assert_eq!(get(OptId::Mode).range(), None);
        assert_eq!(get(OptId::ArpMissedMax).range(), Some((1, 255)));
    }

    #[test]
    fn module_int_values() {
        let miimon = get(OptId::Miimon);
        assert_eq!(miimon.check_int(100), Some(100));
        assert_eq!(miimon.check_int(-1), None);
        assert_eq!(get(OptId::UseCarrier).check_int(2), None);
    }

    #[test]
    fn format_as_sysfs_shows() {
        let show = |id, v| {
            let mut s = String::new();
            get(id).format(v, &mut s).unwrap();
            s
        };
        assert_eq!(show(OptId::Mode, 1), "active-backup 1");
        assert_eq!(show(OptId::Mode, 0), "balance-rr 0");
        assert_eq!(show(OptId::FailOverMac, 2), "follow 2");
        assert_eq!(show(OptId::PrimaryReselect, 0), "always 0");
        assert_eq!(show(OptId::Miimon, 100), "100");
        assert_eq!(show(OptId::UseCarrier, 1), "1");
    }

    #[test]
    fn deps_follow_bond_opt_check_deps() {
        let mode = get(OptId::Mode);
        assert_eq!(mode.check_deps(Mode::RoundRobin, false, false), Ok(()));
        assert_eq!(
            mode.check_deps(Mode::RoundRobin, true, true),
            Err(OptError::HasSlaves)
        );
        assert_eq!(
            mode.check_deps(Mode::RoundRobin, false, true),
            Err(OptError::IsUp)
        );
        let pps = get(OptId::PacketsPerSlave);
        assert_eq!(
            pps.check_deps(Mode::ActiveBackup, false, false),
            Err(OptError::NotInMode)
        );
        assert_eq!(pps.check_deps(Mode::RoundRobin, true, true), Ok(()));
        let fom = get(OptId::FailOverMac);
        assert_eq!(
            fom.check_deps(Mode::ActiveBackup, true, false),
            Err(OptError::HasSlaves)
        );
    }

    #[test]
    fn modes() {
        assert_eq!(parse_mode(b"active-backup"), Ok(Mode::ActiveBackup));
        assert_eq!(parse_mode(b"0"), Ok(Mode::RoundRobin));
        assert_eq!(parse_mode(b"802.3ad"), Err(Some(Mode::Ieee8023ad)));
        assert_eq!(parse_mode(b"nonsense"), Err(None));
        assert_eq!(
            Mode::ActiveBackup.description(),
            "fault-tolerance (active-backup)"
        );
        assert_eq!(Mode::from_value(4).unwrap().name(), "802.3ad");
        let names = std::format!("{}", get(OptId::Mode).names());
        assert!(
            names.starts_with("balance-rr, active-backup, balance-xor"),
            "{names}"
        );
    }
}
