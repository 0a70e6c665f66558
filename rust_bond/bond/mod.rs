// SPDX-License-Identifier: GPL-2.0

//! The bond device and the module's life cycle.

mod params;

use crate::bond_core::options::Mode;
use crate::kext::netdev::{self, iff, Device, Driver, Setup};
use crate::kext::rtnl::{Rtnl, RtnlHeld};
use crate::kext::skb::SkBuff;
use kernel::c_str;
use kernel::prelude::*;
use params::Params;

/// The state of one bond, in its device's private area.
pub(crate) struct Bond {
    mode: Mode,
}

/// The bond's `net_device_ops`.
pub(crate) struct BondDriver;

#[vtable]
impl Driver for BondDriver {
    type Data = Bond;

    fn setup(dev: &mut Setup<'_>) {
        // As bond_setup(): a master that transmits without the core's
        // queue or tx lock. IFF_BONDING is deliberately not set: other
        // kernel code (the C bonding driver's notifiers, team, RDMA) would
        // then take our private data for a C `struct bonding`.
        dev.add_flags(iff::MASTER);
        dev.change_priv_flags(
            iff::UNICAST_FLT | iff::NO_QUEUE,
            iff::XMIT_DST_RELEASE | iff::TX_SKB_SHARING,
        );
        dev.set_lltx();
        dev.set_netns_immutable();
        dev.set_max_mtu(netdev::ETH_MAX_MTU);
        dev.random_mac();
    }

    fn open(_dev: &Device<Self>, _rtnl: &RtnlHeld) -> Result {
        Ok(())
    }

    fn stop(_dev: &Device<Self>, _rtnl: &RtnlHeld) -> Result {
        Ok(())
    }

    fn start_xmit(dev: &Device<Self>, skb: SkBuff) {
        // No slaves yet: nothing can carry the frame.
        dev.tx_dropped_inc();
        drop(skb);
    }
}

/// Creates one bond named `bond%d` (the next free number).
fn create(rtnl: &mut RtnlHeld, params: &Params) -> Result {
    let dev = netdev::register::<BondDriver>(
        rtnl,
        c_str!("bond%d"),
        params.tx_queues,
        Bond { mode: params.mode },
    )?;
    // No slave, no carrier (bonding does the same after registering).
    dev.set_carrier(false);
    pr_info!("{}: created, mode {}\n", dev.name(), dev.data().mode.name());
    Ok(())
}

/// The loaded module: owns every bond device it created.
pub(crate) struct RustBond;

impl kernel::Module for RustBond {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("Ethernet Channel Bonding Driver, in Rust\n");
        let params = Params::from_module()?;
        let mut rtnl = Rtnl::lock();
        for _ in 0..params.max_bonds {
            if let Err(e) = create(&mut rtnl, &params) {
                pr_err!("Error: could not create a bond: error {}\n", e.to_errno());
                netdev::unregister_where::<BondDriver>(&mut rtnl, |_| true);
                return Err(e);
            }
        }
        Ok(RustBond)
    }
}

impl Drop for RustBond {
    fn drop(&mut self) {
        let mut rtnl = Rtnl::lock();
        netdev::unregister_where::<BondDriver>(&mut rtnl, |_| true);
        // Dropping the guard releases RTNL, which frees the devices (and
        // their `Bond`s) before the module's code goes away.
    }
}
