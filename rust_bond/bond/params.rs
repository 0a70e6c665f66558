// SPDX-License-Identifier: GPL-2.0

//! Module parameters: declared here, checked once at load against the
//! option table, then copied by every bond created.

use crate::bond_core::options::{self, Mode, OptId};
use crate::kext::params::module_param;
use kernel::prelude::*;

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
module_param!(MODE, "mode", charp, options::get(OptId::Mode).desc);

/// The module parameters, validated.
pub(crate) struct Params {
    pub(crate) max_bonds: u32,
    pub(crate) tx_queues: u32,
    pub(crate) mode: Mode,
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

impl Params {
    /// Reads and checks what was given at load. Unlike bonding.ko, which
    /// resets some bad values to defaults with a warning, every bad value
    /// fails the load: a typo in modprobe.d should not silently change how
    /// the uplinks behave.
    pub(crate) fn from_module() -> Result<Self> {
        let max_bonds = in_range("max_bonds", MAX_BONDS.get(), options::MAX_BONDS_RANGE)?;
        let tx_queues = in_range("tx_queues", TX_QUEUES.get(), options::TX_QUEUES_RANGE)?;
        let mode = match MODE.get() {
            None => Mode::RoundRobin,
            Some(s) => match options::parse_mode(s.as_bytes()) {
                Ok(mode) => mode,
                Err(None) => {
                    pr_err!(
                        "Error: Invalid bonding mode \"{}\" (mode accepts {})\n",
                        s.to_str().unwrap_or("?"),
                        options::get(OptId::Mode).names()
                    );
                    return Err(EINVAL);
                }
                Err(Some(mode)) => {
                    pr_err!(
                        "Error: mode {} ({}) is not implemented by rust_bond (mode accepts balance-rr, active-backup)\n",
                        mode.name(),
                        mode as u32
                    );
                    return Err(EINVAL);
                }
            },
        };
        Ok(Self {
            max_bonds,
            tx_queues,
            mode,
        })
    }
}
