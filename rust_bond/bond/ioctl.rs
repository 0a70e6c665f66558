// SPDX-License-Identifier: GPL-2.0

//! bonding's ioctls (`bond_do_ioctl()`), as the C `ifenslave` of
//! ifenslave 1.x and other old tools call them.

use super::device::BondDev;
use super::setopt::{self, Input};
use crate::bond_core::options::{self, OptId};
use crate::kext::netdev::{event, BondIoctl, ExtAck, IfReq, ARPHRD_ETHER};
use crate::kext::rtnl::RtnlHeld;
use kernel::prelude::*;

/// `struct ifbond`: three `__s32`.
const IFBOND_LEN: usize = 12;
/// `struct ifslave`: `__s32 slave_id`, `char slave_name[16]`, `__s8 link`,
/// `__s8 state`, two bytes of padding, `__u32 link_failure_count`.
const IFSLAVE_LEN: usize = 28;

pub(crate) fn ioctl(dev: &BondDev, cmd: BondIoctl, ifr: &IfReq<'_>, rtnl: &mut RtnlHeld) -> Result {
    match cmd {
        BondIoctl::InfoQuery => {
            let (mut from, mut to) = ifr.user_data(IFBOND_LEN).reader_writer();
            let mut info = [0u8; IFBOND_LEN];
            from.read_slice(&mut info)?;
            let cfg = dev.data().lock_cfg(rtnl)?;
            info[0..4].copy_from_slice(&(cfg.mode() as i32).to_ne_bytes());
            info[4..8].copy_from_slice(&(cfg.slaves.len() as i32).to_ne_bytes());
            info[8..12].copy_from_slice(&(cfg.values.miimon() as i32).to_ne_bytes());
            drop(cfg);
            to.write_slice(&info)
        }
        BondIoctl::SlaveInfoQuery => {
            let (mut from, mut to) = ifr.user_data(IFSLAVE_LEN).reader_writer();
            let mut info = [0u8; IFSLAVE_LEN];
            from.read_slice(&mut info)?;
            let id = i32::from_ne_bytes([info[0], info[1], info[2], info[3]]);
            let cfg = dev.data().lock_cfg(rtnl)?;
            let slave = usize::try_from(id)
                .ok()
                .and_then(|i| cfg.slaves.get(i))
                .ok_or(ENODEV)?;
            // As strcpy(): the name and its NUL, the rest left as it was.
            let name = slave.name();
            let name = name.as_bytes();
            info[4..4 + name.len()].copy_from_slice(name);
            info[4 + name.len()] = 0;
            info[20] = slave.link.state.to_u8();
            info[21] = u8::from(slave.port.is_backup());
            let failures = slave
                .port
                .link_failure_count
                .load(core::sync::atomic::Ordering::Relaxed);
            info[24..28].copy_from_slice(&failures.to_ne_bytes());
            drop(cfg);
            to.write_slice(&info)
        }
        _ => {
            let pdev = dev.by_name(ifr.slave_name(), rtnl).ok_or(ENODEV)?;
            match cmd {
                BondIoctl::Enslave => {
                    let mut cfg = dev.data().lock_cfg(rtnl)?;
                    super::port::enslave(dev, &mut cfg, pdev, &mut ExtAck::none(), rtnl)
                }
                BondIoctl::Release => super::device::release_port(dev, pdev, rtnl),
                // bond_set_dev_addr(): the bond takes the port's address
                // (an Ethernet one: rust_bond bonds nothing else).
                BondIoctl::SetHwAddr if pdev.dev_type() != ARPHRD_ETHER => Err(EINVAL),
                BondIoctl::SetHwAddr => dev.take_mac(&pdev.addr(), rtnl),
                _ => {
                    let name = pdev.name();
                    let mut cfg = dev.data().lock_cfg(rtnl)?;
                    let opt = options::get(OptId::ActiveSlave);
                    setopt::set_option(dev, &mut cfg, opt, Input::Text(name.as_bytes()), rtnl)?;
                    drop(cfg);
                    dev.notify(event::CHANGEINFODATA, rtnl);
                    Ok(())
                }
            }
        }
    }
}
