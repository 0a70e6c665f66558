// SPDX-License-Identifier: GPL-2.0

//! Error codes bonding returns that the 6.12 `kernel::error::code` lacks.

use kernel::error::Error;

macro_rules! errnos {
    ($($name:ident = $value:literal),* $(,)?) => {$(
        #[doc = concat!("`-", stringify!($name), "`")]
        #[allow(non_snake_case)]
        pub(crate) fn $name() -> Error {
            Error::from_errno(-$value)
        }
    )*};
}

errnos! {
    ENOTEMPTY = 39,
    EOPNOTSUPP = 95,
    EADDRNOTAVAIL = 99,
}
