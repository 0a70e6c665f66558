// SPDX-License-Identifier: GPL-2.0

//! Kernel log lines about a device, as C's `netdev_err()` prints them:
//! `bond0: message`, without the module prefix `pr_err!` adds.

use super::compat;
use super::netdev::NetDevice;
use core::fmt;
use kernel::print::{call_printk, format_strings};

/// Log levels used for device messages.
pub(crate) enum Level {
    Err,
    Warn,
    Info,
}

/// Prints `args` prefixed with `dev`'s name. Use [`dev_err!`] and friends.
pub(crate) fn dev_log(level: Level, dev: &NetDevice, args: fmt::Arguments<'_>) {
    let name = dev.name();
    let fmt = match level {
        Level::Err => &format_strings::ERR,
        Level::Warn => &format_strings::WARNING,
        Level::Info => &format_strings::INFO,
    };
    // SAFETY: `fmt` is one of `format_strings` ("%s: %pA" with a level);
    // the name is NUL-terminated (`as_cstr`).
    unsafe { call_printk(fmt, compat::cstr_bytes_with_nul(name.as_cstr()), args) };
}

/// `dev_err!(dev, "fmt", args)`: an error about a device.
macro_rules! dev_err {
    ($dev:expr, $($arg:tt)*) => {
        $crate::kext::print::dev_log($crate::kext::print::Level::Err, $dev, format_args!($($arg)*))
    };
}
/// `dev_warn!(dev, "fmt", args)`.
macro_rules! dev_warn {
    ($dev:expr, $($arg:tt)*) => {
        $crate::kext::print::dev_log($crate::kext::print::Level::Warn, $dev, format_args!($($arg)*))
    };
}
/// `dev_info!(dev, "fmt", args)`.
macro_rules! dev_info {
    ($dev:expr, $($arg:tt)*) => {
        $crate::kext::print::dev_log($crate::kext::print::Level::Info, $dev, format_args!($($arg)*))
    };
}
pub(crate) use {dev_err, dev_info, dev_warn};

/// Whether a rate-limited networking message may be printed now
/// (`net_ratelimit()`: 10 per 5 s).
pub(crate) fn net_ratelimit() -> bool {
    // SAFETY: No preconditions; callable in any context.
    unsafe { crate::sys::rb_net_ratelimit() }
}
