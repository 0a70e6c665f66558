// SPDX-License-Identifier: GPL-2.0

//! The path monitor's decisions that need no kernel (rust_bond's own
//! monitor, `bond/path.rs`): a port's verdict from its unanswered probes,
//! and the address its probes come from.

/// A port's path, as `bonding_slave/path_status` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PathState {
    /// No verdict yet (just started, no target, or the link is down).
    Unknown = 0,
    Up = 1,
    Down = 2,
}

impl PathState {
    pub(crate) fn from_u8(v: u8) -> Self {
        match v {
            1 => Self::Up,
            2 => Self::Down,
            _ => Self::Unknown,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Up => "up",
            Self::Down => "down",
        }
    }
}

/// The verdict on a port whose state is `old`, whose probes went
/// unanswered `misses` times in a row (of the target that decides), with
/// `missed` (`arp_missed_max`) allowed, and which `heard` an answer since
/// it (re)started or was found dead: dead after `missed` misses, up again
/// only on an answer, otherwise as it was.
pub(crate) fn verdict(old: PathState, misses: usize, missed: usize, heard: bool) -> PathState {
    if misses >= missed {
        PathState::Down
    } else if misses == 0 && heard {
        PathState::Up
    } else {
        old
    }
}

/// The address a port's probes come from: its permanent one (`perm`),
/// unless that is the bond's (the port whose address the bond took), in
/// which case a locally administered variant of it, so that a backup's
/// probe never teaches the switch the bond's MAC on the wrong port. The
/// group bit stays clear (unicast).
pub(crate) fn probe_mac(perm: &[u8; 6], bond: &[u8; 6]) -> [u8; 6] {
    let mut mac = *perm;
    if mac == *bond {
        mac[0] = (mac[0] ^ 0x80) | 0x02;
    }
    mac
}

#[cfg(test)]
mod tests {
    use super::*;
    use PathState::{Down, Unknown, Up};

    #[test]
    fn verdicts() {
        // A new port: no answer yet, nothing missed.
        assert_eq!(verdict(Unknown, 0, 2, false), Unknown);
        assert_eq!(verdict(Unknown, 0, 2, true), Up);
        // One probe in doubt changes nothing; two unanswered: dead.
        assert_eq!(verdict(Up, 1, 2, true), Up);
        assert_eq!(verdict(Up, 2, 2, true), Down);
        assert_eq!(verdict(Unknown, 2, 2, false), Down);
        // Dead until an answer: not when the count merely drops.
        assert_eq!(verdict(Down, 0, 2, false), Down);
        assert_eq!(verdict(Down, 1, 2, true), Down);
        assert_eq!(verdict(Down, 0, 2, true), Up);
        // arp_missed_max 1: the first unanswered probe.
        assert_eq!(verdict(Up, 1, 1, true), Down);
    }

    #[test]
    fn probe_addresses() {
        let bond = [0x02, 0, 0, 0, 0, 1];
        // Another port: its own address.
        assert_eq!(
            probe_mac(&[0x02, 0, 0, 0, 0, 2], &bond),
            [0x02, 0, 0, 0, 0, 2]
        );
        // The bond's: locally administered, unicast, not the bond's.
        assert_eq!(probe_mac(&bond, &bond), [0x82, 0, 0, 0, 0, 1]);
        let hw = [0x00, 0x1b, 0x21, 1, 2, 3];
        let p = probe_mac(&hw, &hw);
        assert_eq!(p, [0x82, 0x1b, 0x21, 1, 2, 3]);
        assert_eq!(p[0] & 0x01, 0);
        assert_eq!(p[0] & 0x02, 0x02);
        // QEMU's 52:54:00 (locally administered already).
        assert_eq!(
            probe_mac(
                &[0x52, 0x54, 0, 0, 0x0c, 0x0a],
                &[0x52, 0x54, 0, 0, 0x0c, 0x0a]
            )[0],
            0xd2
        );
    }
}
