// SPDX-License-Identifier: GPL-2.0

//! A bond's configuration and ports, as bonding's `struct bond_params` and
//! slave list. Changed only with RTNL held and the bond's config lock taken
//! (in that order); the data path never reads it, but the RCU-published
//! copies in `Bond`.

use super::device::PortSets;
use super::port::Slave;
use crate::bond_core::options::{get, Mode, OptId, OPTIONS};
use crate::bond_core::select::Reselect;
use crate::kext::procfs::ProcFile;
use crate::kext::rcu::RcuNode;
use kernel::alloc::KVec;
use kernel::sync::{Arc, UniqueArc};

/// Option values by `OptId`, as bonding stores them: updelay, downdelay and
/// peer_notif_delay in miimon ticks, everything else as written.
#[derive(Clone)]
pub(crate) struct Values {
    v: [u64; OPTIONS.len()],
    /// `primary` as recorded (it may name a device not enslaved yet).
    primary: [u8; 16],
    /// `arp_ip_target`: IPv4 addresses (`__be32`), used slots first.
    arp_targets: [u32; super::arp::MAX_TARGETS],
    /// `ns_ip6_target`: IPv6 addresses, used slots first.
    ns_targets: [[u8; 16]; super::arp::MAX_TARGETS],
}

impl Values {
    /// A new bond's values: each option's default.
    pub(crate) fn defaults() -> Self {
        let mut v = [0; OPTIONS.len()];
        for o in &OPTIONS {
            v[o.id as usize] = o.default_value();
        }
        Self {
            v,
            primary: [0; 16],
            arp_targets: [0; super::arp::MAX_TARGETS],
            ns_targets: [[0; 16]; super::arp::MAX_TARGETS],
        }
    }

    /// `num_unsol_na` is another name of `num_grat_arp`.
    fn slot(id: OptId) -> usize {
        match id {
            OptId::NumUnsolNa => OptId::NumGratArp as usize,
            _ => id as usize,
        }
    }

    pub(crate) fn get(&self, id: OptId) -> u64 {
        self.v[Self::slot(id)]
    }

    pub(crate) fn set(&mut self, id: OptId, value: u64) {
        self.v[Self::slot(id)] = value;
    }

    pub(crate) fn mode(&self) -> Mode {
        Mode::from_value(self.get(OptId::Mode)).unwrap_or(Mode::RoundRobin)
    }

    pub(crate) fn miimon(&self) -> u64 {
        self.get(OptId::Miimon)
    }

    /// A delay option in ms, as shown (ticks times miimon).
    pub(crate) fn delay_ms(&self, id: OptId) -> u64 {
        self.get(id) * self.miimon()
    }

    pub(crate) fn reselect(&self) -> Reselect {
        Reselect::from_value(self.get(OptId::PrimaryReselect))
    }

    pub(crate) fn fail_over_mac(&self) -> u64 {
        self.get(OptId::FailOverMac)
    }

    pub(crate) fn all_slaves_active(&self) -> bool {
        self.get(OptId::AllSlavesActive) != 0
    }

    /// The recorded primary name (empty if none).
    pub(crate) fn primary(&self) -> &[u8] {
        let len = self
            .primary
            .iter()
            .position(|b| *b == 0)
            .unwrap_or(self.primary.len());
        &self.primary[..len]
    }

    /// Records `name` as primary, cut to 15 bytes as bonding does.
    pub(crate) fn set_primary(&mut self, name: &[u8]) {
        self.primary = [0; 16];
        let n = name.len().min(15);
        self.primary[..n].copy_from_slice(&name[..n]);
    }

    /// `arp_ip_target`, used slots first, then zeros.
    pub(crate) fn arp_targets(&self) -> &[u32; super::arp::MAX_TARGETS] {
        &self.arp_targets
    }

    pub(crate) fn set_arp_target(&mut self, slot: usize, target: u32) {
        self.arp_targets[slot] = target;
    }

    /// Removes the target in `slot`; the later ones move down.
    pub(crate) fn remove_arp_target(&mut self, slot: usize) {
        let t = &mut self.arp_targets;
        t.copy_within(slot + 1.., slot);
        t[t.len() - 1] = 0;
    }

    /// `ns_ip6_target`, used slots first, then `::`.
    pub(crate) fn ns_targets(&self) -> &[[u8; 16]; super::arp::MAX_TARGETS] {
        &self.ns_targets
    }

    pub(crate) fn set_ns_target(&mut self, slot: usize, target: [u8; 16]) {
        self.ns_targets[slot] = target;
    }

    /// Whether the mode has a primary and an active port (for showing
    /// `primary`, `active_slave` and friends).
    pub(crate) fn uses_primary(&self) -> bool {
        get(OptId::Primary)
            .check_deps(self.mode(), false, false)
            .is_ok()
    }

    /// Whether `xmit_hash_policy` picks the transmit port
    /// (`bond_mode_uses_xmit_hash()`): balance-xor, and balance-tlb
    /// without `tlb_dynamic_lb`.
    pub(crate) fn uses_xmit_hash(&self) -> bool {
        let m = self.mode();
        m.uses_xmit_hash() || (m.is_lb() && self.get(OptId::TlbDynamicLb) == 0)
    }

    /// The delays the link monitor counts with.
    pub(crate) fn delays(&self) -> crate::bond_core::link::Delays {
        crate::bond_core::link::Delays {
            miimon_ms: self.miimon(),
            updelay: self.get(OptId::Updelay),
            downdelay: self.get(OptId::Downdelay),
        }
    }
}

/// A bond's mutable state.
pub(crate) struct Config {
    pub(crate) values: Values,
    /// Ports in enslave order.
    pub(crate) slaves: KVec<Slave>,
    /// The primary port, when `values.primary()` names an enslaved port.
    pub(crate) primary: Option<Arc<super::port::Port>>,
    /// Switch to the primary at the next selection even under
    /// `primary_reselect=failure` (it was just configured).
    pub(crate) force_primary: bool,
    /// Peer notifications still to send (in monitor ticks).
    pub(crate) send_peer_notif: u64,
    /// IGMP reports still to resend.
    pub(crate) igmp_retrans: u64,
    /// `/proc/net/bonding/<bond>`.
    pub(crate) proc_file: Option<ProcFile<super::proc::BondProc>>,
    /// Empty port sets allocated ahead, with room for every port, so that
    /// a release publishes without allocating (enslave allocates them, a
    /// release reclaims the sets it replaced).
    pub(crate) spare_ports: Option<UniqueArc<RcuNode<PortSets>>>,
}

impl Config {
    pub(crate) fn new(values: Values) -> Self {
        Self {
            values,
            slaves: KVec::new(),
            primary: None,
            force_primary: false,
            send_peer_notif: 0,
            igmp_retrans: 0,
            proc_file: None,
            spare_ports: None,
        }
    }

    pub(crate) fn mode(&self) -> Mode {
        self.values.mode()
    }

    /// The index of the slave whose port is `port`.
    pub(crate) fn index_of(&self, port: &Arc<super::port::Port>) -> Option<usize> {
        self.slaves.iter().position(|s| Arc::ptr_eq(&s.port, port))
    }
}
