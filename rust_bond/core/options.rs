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

    /// The mode with bonding's number `value`.
    pub(crate) fn from_value(value: u64) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| *m as u64 == value)
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
        matches!(self, Mode::RoundRobin | Mode::ActiveBackup)
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
static USE_CARRIER_TBL: [OptValue; 2] = [v("off", 0, 0), v("on", 1, VAL_DEFAULT)];
static ALL_SLAVES_ACTIVE_TBL: [OptValue; 2] = [v("off", 0, VAL_DEFAULT), v("on", 1, 0)];
static RESEND_IGMP_TBL: [OptValue; 3] = [
    v("off", 0, 0),
    v("maxval", 255, VAL_MAX),
    v("default", 1, VAL_DEFAULT),
];

/// Identifies an option of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OptId {
    Mode,
    Miimon,
    Updelay,
    Downdelay,
    UseCarrier,
    PrimaryReselect,
    FailOverMac,
    NumGratArp,
    NumUnsolNa,
    AllSlavesActive,
    ResendIgmp,
    PacketsPerSlave,
    PeerNotifDelay,
}

/// How sysfs prints the current value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Show {
    /// `name number`, e.g. `active-backup 1`.
    NameAndNumber,
    /// A plain decimal.
    Number,
}

/// The option may only change while the bond has no slaves.
const OPT_NOSLAVES: u8 = 1 << 0;
/// The option may only change while the bond is down.
const OPT_IFDOWN: u8 = 1 << 1;

/// One bonding option (`bond_option`).
#[derive(Debug)]
pub(crate) struct BondOption {
    pub(crate) id: OptId,
    pub(crate) name: &'static str,
    /// One line for `modinfo` and the documentation.
    pub(crate) desc: &'static str,
    pub(crate) show: Show,
    values: &'static [OptValue],
    flags: u8,
    /// Modes (as `Mode::bit()`) in which the option cannot be set.
    unsupp_modes: u8,
}

const ALL_MODES: u8 = (1 << 7) - 1;

const fn all_modes_except(modes: u8) -> u8 {
    ALL_MODES & !modes
}

/// Every option rust_bond implements, in bonding's sysfs order.
pub(crate) static OPTIONS: [BondOption; 13] = [
    BondOption {
        id: OptId::Mode,
        name: "mode",
        desc: "Mode of operation; 0 for balance-rr, 1 for active-backup",
        show: Show::NameAndNumber,
        values: &MODE_TBL,
        flags: OPT_NOSLAVES | OPT_IFDOWN,
        unsupp_modes: 0,
    },
    BondOption {
        id: OptId::Miimon,
        name: "miimon",
        desc: "Link check interval in milliseconds",
        show: Show::Number,
        values: &INTMAX_TBL,
        flags: 0,
        unsupp_modes: 0,
    },
    BondOption {
        id: OptId::Updelay,
        name: "updelay",
        desc: "Delay before considering link up, in milliseconds",
        show: Show::Number,
        values: &INTMAX_TBL,
        flags: 0,
        unsupp_modes: 0,
    },
    BondOption {
        id: OptId::Downdelay,
        name: "downdelay",
        desc: "Delay before considering link down, in milliseconds",
        show: Show::Number,
        values: &INTMAX_TBL,
        flags: 0,
        unsupp_modes: 0,
    },
    BondOption {
        id: OptId::UseCarrier,
        name: "use_carrier",
        desc: "Use netif_carrier_ok (vs MII ioctls) in miimon; 0 for off, 1 for on (default)",
        show: Show::Number,
        values: &USE_CARRIER_TBL,
        flags: 0,
        unsupp_modes: 0,
    },
    BondOption {
        id: OptId::PrimaryReselect,
        name: "primary_reselect",
        desc: "Reselect primary slave once it comes up; 0 for always (default), 1 for better, 2 for failure",
        show: Show::NameAndNumber,
        values: &PRIMARY_RESELECT_TBL,
        flags: 0,
        unsupp_modes: 0,
    },
    BondOption {
        id: OptId::FailOverMac,
        name: "fail_over_mac",
        desc: "For active-backup, do not set all slaves to the same MAC; 0 for none (default), 1 for active, 2 for follow",
        show: Show::NameAndNumber,
        values: &FAIL_OVER_MAC_TBL,
        flags: OPT_NOSLAVES,
        unsupp_modes: 0,
    },
    BondOption {
        id: OptId::NumGratArp,
        name: "num_grat_arp",
        desc: "Number of peer notifications to send on failover event (alias of num_unsol_na)",
        show: Show::Number,
        values: &NUM_PEER_NOTIF_TBL,
        flags: 0,
        unsupp_modes: 0,
    },
    BondOption {
        id: OptId::NumUnsolNa,
        name: "num_unsol_na",
        desc: "Number of peer notifications to send on failover event (alias of num_grat_arp)",
        show: Show::Number,
        values: &NUM_PEER_NOTIF_TBL,
        flags: 0,
        unsupp_modes: 0,
    },
    BondOption {
        id: OptId::AllSlavesActive,
        name: "all_slaves_active",
        desc: "Keep all frames received on an interface by setting active flag for all slaves; 0 for never (default), 1 for always",
        show: Show::Number,
        values: &ALL_SLAVES_ACTIVE_TBL,
        flags: 0,
        unsupp_modes: 0,
    },
    BondOption {
        id: OptId::ResendIgmp,
        name: "resend_igmp",
        desc: "Number of IGMP membership reports to send on link failure",
        show: Show::Number,
        values: &RESEND_IGMP_TBL,
        flags: 0,
        unsupp_modes: 0,
    },
    BondOption {
        id: OptId::PacketsPerSlave,
        name: "packets_per_slave",
        desc: "Packets to send per slave in balance-rr mode; 0 for a random slave, 1 packet per slave (default), >1 packets per slave",
        show: Show::Number,
        values: &PPS_TBL,
        flags: 0,
        unsupp_modes: all_modes_except(Mode::RoundRobin.bit()),
    },
    BondOption {
        id: OptId::PeerNotifDelay,
        name: "peer_notif_delay",
        desc: "Delay between each peer notification on failover event, in milliseconds",
        show: Show::Number,
        values: &PEER_NOTIF_DELAY_TBL,
        flags: 0,
        unsupp_modes: 0,
    },
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
        let want: &[(&str, u64)] = &[
            ("mode", 0),
            ("miimon", 0),
            ("updelay", 0),
            ("downdelay", 0),
            ("use_carrier", 1),
            ("primary_reselect", 0),
            ("fail_over_mac", 0),
            ("num_grat_arp", 1),
            ("num_unsol_na", 1),
            ("all_slaves_active", 0),
            ("resend_igmp", 1),
            ("packets_per_slave", 1),
            ("peer_notif_delay", 0),
        ];
        assert_eq!(want.len(), OPTIONS.len());
        for (name, value) in want {
            assert_eq!(find(name).unwrap().default_value(), *value, "{name}");
        }
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
