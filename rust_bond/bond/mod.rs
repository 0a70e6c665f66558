// SPDX-License-Identifier: GPL-2.0

//! The driver: the module's life cycle, `bonding_masters`, and the
//! netdevice events of bonds and their ports.

mod arp;
mod config;
mod device;
mod failover;
mod files;
mod ioctl;
mod netlink;
mod params;
mod path;
mod port;
mod proc;
mod setopt;
mod tlb;

use config::Values;
use device::{BondDev, BondDriver};
use kernel::c_str;
use kernel::prelude::*;
use kernel::str::CStr;
use params::Params;
use port::{BondRx, Leave};

use crate::kext::netdev::{self, NetDevice};
use crate::kext::notifier::{NetdevEvent, NetdevNotifier, NotifierBlock, NotifierReg};
use crate::kext::print::dev_info;
use crate::kext::procfs::ProcDir;
use crate::kext::rtnl::{Rtnl, RtnlHeld, RtnlLocked};
use crate::kext::rx::RxReg;
use crate::kext::sysfs::{ClassAttr, ClassFile, ClassFileReg, StoreInput, SysfsBuf};

/// What bonds created after load need: the /proc directory and the
/// defaults from the module parameters.
struct Globals {
    proc_dir: ProcDir,
    defaults: Values,
    tx_queues: u32,
}

static GLOBALS: RtnlLocked<Option<Globals>> = RtnlLocked::new(None);

/// `/proc/net/bonding`, while the module is loaded.
fn proc_dir(rtnl: &RtnlHeld) -> Option<&ProcDir> {
    GLOBALS.get(rtnl).as_ref().map(|g| &g.proc_dir)
}

/// Creates a bond with the module's defaults.
fn create_bond<'r>(rtnl: &'r mut RtnlHeld, name: &CStr) -> Result<&'r BondDev> {
    let (defaults, txqs) = match GLOBALS.get(rtnl) {
        Some(g) => (g.defaults.clone(), g.tx_queues),
        None => return Err(ENODEV),
    };
    device::create(rtnl, name, txqs, defaults)
}

/// Transmit queues of new bonds (`tx_queues`).
fn tx_queues(rtnl: &RtnlHeld) -> u32 {
    GLOBALS.get(rtnl).as_ref().map_or(1, |g| g.tx_queues)
}

/// The state of a bond `ip link add` creates, with the module's defaults.
fn new_bond_data(rtnl: &RtnlHeld) -> Result<impl PinInit<device::Bond, Error>> {
    let defaults = GLOBALS
        .get(rtnl)
        .as_ref()
        .map(|g| g.defaults.clone())
        .ok_or(ENODEV)?;
    Ok(device::Bond::new(defaults))
}

/// `/sys/class/net/bonding_masters`.
struct Masters;

static MASTERS: ClassAttr<Masters> = ClassAttr::new(c_str!("bonding_masters"));

impl ClassFile for Masters {
    fn show(out: &mut SysfsBuf<'_>) -> Result {
        let rtnl = crate::kext::rtnl::lock_or_restart()?;
        let mut names = KVec::new();
        netdev::for_each::<BondDriver>(&rtnl, |d| {
            let _ = names.push(d.name(), GFP_KERNEL);
        });
        drop(rtnl);
        let _ = files::write_list(out, names.into_iter());
        Ok(())
    }

    /// `+name` creates a bond, `-name` deletes one (`bonding_store_bonds()`).
    fn store(input: &StoreInput<'_>) -> Result {
        // A C string to bonding.ko: a NUL ends it.
        let bytes = crate::bond_core::text::c_string(input.bytes());
        let start = bytes
            .iter()
            .position(|c| !c.is_ascii_whitespace())
            .unwrap_or(bytes.len());
        let rest = &bytes[start..];
        let cmd = &rest[..rest
            .iter()
            .position(u8::is_ascii_whitespace)
            .unwrap_or(rest.len())
            .min(16)];
        if cmd.len() <= 1 || !setopt::valid_name(&cmd[1..]) || !matches!(cmd[0], b'+' | b'-') {
            pr_err!("no command found in bonding_masters - use +ifname or -ifname\n");
            return Err(EPERM);
        }
        let name = &cmd[1..];
        let shown = core::str::from_utf8(name).unwrap_or("?");
        let mut buf = [0u8; 17];
        buf[..name.len()].copy_from_slice(name);
        let cname = CStr::from_bytes_with_nul(&buf[..=name.len()]).map_err(|_| EINVAL)?;
        let mut rtnl = Rtnl::lock();
        if cmd[0] == b'+' {
            pr_info!("{} is being created...\n", shown);
            match create_bond(&mut rtnl, cname) {
                Ok(_) => Ok(()),
                Err(e) => {
                    if e == EEXIST {
                        pr_info!("{} already exists\n", shown);
                    } else {
                        pr_info!("{} creation failed\n", shown);
                    }
                    Err(e)
                }
            }
        } else {
            let mut found = false;
            netdev::unregister_where::<BondDriver>(&mut rtnl, |d| {
                let hit = !found && d.name().as_bytes() == name;
                if hit {
                    pr_info!("{} is being deleted...\n", shown);
                    found = true;
                }
                hit
            });
            if found {
                Ok(())
            } else {
                pr_err!("unable to delete non-existent {}\n", shown);
                Err(ENODEV)
            }
        }
    }
}

/// Reacts to events of bonds and their ports.
struct Events;

static EVENTS: NotifierBlock<Events> = NotifierBlock::new();

impl NetdevNotifier for Events {
    fn event(event: NetdevEvent, dev: &NetDevice, rtnl: &mut RtnlHeld) -> Result {
        if let Some(bond) = BondDev::try_from(dev) {
            if event == NetdevEvent::ChangeName {
                proc::rename(bond, rtnl);
            }
            // A bond may also be a port of another bond: go on.
        }
        // Events of a port: only ours, found through its receive handler.
        let Some(port) = RxReg::<BondRx>::port_of(dev, rtnl) else {
            return Ok(());
        };
        let Some(bond) = BondDev::try_from(&port.bond) else {
            return Ok(());
        };
        if port_event(event, dev, bond, &port, rtnl).is_err() {
            // The bond's configuration is taken: the event comes from inside
            // a change of the bond itself (closing a port closes a VLAN on
            // it that is a port too, say). The link monitor looks again at
            // once. Never stop the chain for the notifiers after us.
            if event == NetdevEvent::Unregister {
                // No change of a bond unregisters one of its ports; should
                // one, the port would stay linked below the bond.
                pr_err!(
                    "rust_bond: BUG: {} unregistered from inside a change of {}\n",
                    dev.name(),
                    bond.name()
                );
            }
            if bond.data().shown().values.miimon() > 0 && bond.running() {
                bond.schedule(device::MONITOR, 0);
            }
        }
        Ok(())
    }
}

/// Handles `event` of `dev`, a port of `bond`.
fn port_event(
    event: NetdevEvent,
    dev: &NetDevice,
    bond: &BondDev,
    port: &kernel::sync::Arc<port::Port>,
    rtnl: &mut RtnlHeld,
) -> Result {
    match event {
        NetdevEvent::Unregister => {
            let mut cfg = bond.data().lock_cfg(rtnl)?;
            if let Some(i) = cfg.index_of(port) {
                port::release(bond, &mut cfg, i, Leave::Unregister, rtnl);
            }
        }
        NetdevEvent::Up | NetdevEvent::Change | NetdevEvent::Down => {
            if event != NetdevEvent::Down {
                port.update_speed_duplex_in_event(rtnl);
            }
            // balance-xor's set follows the carrier at once, with or
            // without a monitor (bonding rebuilds its slave array here).
            if bond.data().mode().can_use_xmit_hash() {
                bond.data().update_tx(rtnl);
            }
            if dev.ops_locked() {
                // 7.x holds this port's instance lock while it notifies,
                // and a failover's calls on the port (promiscuity, MAC)
                // take it: the monitor work does it, right away, as it
                // does whenever the event cannot.
                if bond.data().shown().values.miimon() > 0 && bond.running() {
                    bond.schedule(device::MONITOR, 0);
                }
                return Ok(());
            }
            let mut cfg = bond.data().lock_cfg(rtnl)?;
            failover::port_event(bond, &mut cfg, port, rtnl);
        }
        NetdevEvent::FeatChange => bond.data().compute_features(bond, rtnl),
        // A port (say, a bond below this one) asks for IGMP reports:
        // they go out through the bond (bonding.ko passes it up too).
        NetdevEvent::ResendIgmp => bond.notify(netdev::event::RESEND_IGMP, rtnl),
        NetdevEvent::ChangeName => {
            let mut cfg = bond.data().lock_cfg(rtnl)?;
            if !cfg.mode().uses_primary() || cfg.values.primary().is_empty() {
                return Ok(());
            }
            let was_primary = cfg.primary.is_some();
            if cfg
                .primary
                .as_ref()
                .is_some_and(|p| kernel::sync::Arc::ptr_eq(p, port))
            {
                cfg.primary = None;
            } else if dev.name().as_bytes() == cfg.values.primary() {
                cfg.primary = Some(port.clone());
            } else {
                return Ok(());
            }
            // bonding.ko's message, with its argument as it has it.
            if was_primary {
                dev_info!(
                    bond,
                    "Primary slave changed to {}, reselecting active slave\n",
                    dev.name()
                );
            } else {
                dev_info!(
                    bond,
                    "Primary slave changed to none, reselecting active slave\n"
                );
            }
            failover::select_active(bond, &mut cfg, rtnl);
        }
        _ => {}
    }
    Ok(())
}

/// The loaded module.
pub(crate) struct RustBond {
    link: Option<crate::kext::link::LinkReg<BondDriver>>,
    events: Option<NotifierReg<Events>>,
    masters: Option<ClassFileReg<Masters>>,
}

impl kernel::Module for RustBond {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("Ethernet Channel Bonding Driver, in Rust\n");
        let params = Params::from_module()?;
        // balance-xor's encap hash policies dissect with it.
        crate::kext::skb::flow_init();
        // First, so that a clash with bonding.ko fails the load cleanly.
        let link = netlink::LINK_OPS.register().inspect_err(|e| {
            if *e == EEXIST {
                pr_err!("the link kind \"bond\" is taken: unload bonding first (rust_bond and bonding are alternatives)\n");
            }
        })?;
        {
            let mut rtnl = Rtnl::lock();
            let proc_dir = ProcDir::new(c_str!("bonding")).inspect_err(|_| {
                pr_warn!("Warning: Cannot create /proc/net/bonding\n");
            })?;
            *GLOBALS.get_mut(&mut rtnl) = Some(Globals {
                proc_dir,
                defaults: params.defaults.clone(),
                tx_queues: params.tx_queues,
            });
        }
        // From here, dropping `this` undoes whatever was set up.
        let mut this = RustBond {
            link: Some(link),
            events: None,
            masters: None,
        };
        this.masters = Some(MASTERS.create()?);
        this.events = Some(EVENTS.register()?);
        let mut rtnl = Rtnl::lock();
        for _ in 0..params.max_bonds {
            if let Err(e) = create_bond(&mut rtnl, c_str!("bond%d")) {
                pr_err!("Error: could not create a bond: error {}\n", e.to_errno());
                return Err(e);
            }
        }
        Ok(this)
    }
}

impl Drop for RustBond {
    fn drop(&mut self) {
        // First nothing may create a bond any more: bonding_masters goes
        // (waiting for writes in progress), then the kind, whose
        // unregistering deletes every bond (they all carry it).
        self.masters.take();
        self.link.take();
        {
            let mut rtnl = Rtnl::lock();
            netdev::unregister_where::<BondDriver>(&mut rtnl, |_| true);
            // Releasing RTNL frees the bonds before anything else goes.
        }
        self.events.take();
        let mut rtnl = Rtnl::lock();
        GLOBALS.get_mut(&mut rtnl).take();
        drop(rtnl);
        // The port sets retired with call_rcu are dropped by this
        // module's code: it stays until the last callback has run.
        crate::kext::rcu::barrier();
    }
}
