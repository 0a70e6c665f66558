// SPDX-License-Identifier: GPL-2.0

//! Module parameters: `module_param()` for Rust.
//!
//! The 6.12 `module!` macro has none, so [`module_param!`] emits what the C
//! macro does: a `struct kernel_param` in the `__param` section pointing at
//! the storage, and `parm=`/`parmtype=` strings in `.modinfo` for `modinfo`.
//! Parameters are read-only after load (permission 0), which is what makes
//! the plain reads of [`IntParam::get`] and [`CharpParam::get`] sound.

use super::compat;
use crate::sys;
use core::cell::UnsafeCell;
use kernel::ffi::{c_char, c_int};
use kernel::str::CStr;

/// Storage of an `int` module parameter.
#[repr(transparent)]
pub(crate) struct IntParam(UnsafeCell<c_int>);

// SAFETY: The kernel writes the value only while parsing the module's
// arguments, before `init` runs and before any other access; afterwards it
// is only read (the parameter has no sysfs file: permission 0).
unsafe impl Sync for IntParam {}

impl IntParam {
    /// A parameter whose value is `default` unless given at load.
    pub(crate) const fn new(default: i32) -> Self {
        Self(UnsafeCell::new(default))
    }

    /// The value given at load, or the default.
    pub(crate) fn get(&self) -> i32 {
        // SAFETY: See `impl Sync`: no write happens after load.
        unsafe { *self.0.get() }
    }

    /// The storage, for the `kernel_param` that points at it.
    pub(crate) const fn as_arg(&'static self) -> *mut kernel::ffi::c_void {
        self.0.get().cast()
    }
}

/// Storage of a `charp` (string) module parameter.
#[repr(transparent)]
pub(crate) struct CharpParam(UnsafeCell<*mut c_char>);

// SAFETY: As for `IntParam`: written only before `init`. The string it points
// to is owned by the module loader (or `param_ops_charp`) and lives until
// the module is freed.
unsafe impl Sync for CharpParam {}

impl CharpParam {
    /// A parameter that is unset unless given at load.
    pub(crate) const fn new() -> Self {
        Self(UnsafeCell::new(core::ptr::null_mut()))
    }

    /// The string given at load, if any.
    pub(crate) fn get(&self) -> Option<&CStr> {
        // SAFETY: See `impl Sync`: no write happens after load.
        let p = unsafe { *self.0.get() };
        if p.is_null() {
            None
        } else {
            // SAFETY: `param_ops_charp` stores a NUL-terminated string that
            // stays valid until the module is unloaded.
            Some(unsafe { compat::cstr_from_ptr(p) })
        }
    }

    /// The storage, for the `kernel_param` that points at it.
    pub(crate) const fn as_arg(&'static self) -> *mut kernel::ffi::c_void {
        self.0.get().cast()
    }
}

/// A `struct kernel_param` as it sits in the `__param` section.
#[repr(transparent)]
pub(crate) struct KernelParam(sys::kernel_param);

// SAFETY: The kernel only reads the descriptor; the pointers in it are to
// `'static` data (name, ops, storage) which is itself `Sync`.
unsafe impl Sync for KernelParam {}

/// The kinds of parameter storage, with the C `param_ops` that parse them.
pub(crate) enum ParamOps {
    Int,
    Charp,
}

impl KernelParam {
    /// Describes parameter `name` (NUL-terminated) stored at `arg`.
    pub(crate) const fn new(
        name: &'static [u8],
        ops: ParamOps,
        arg: *mut kernel::ffi::c_void,
    ) -> Self {
        let ops = match ops {
            ParamOps::Int => &raw const sys::param_ops_int,
            ParamOps::Charp => &raw const sys::param_ops_charp,
        };
        Self(sys::kernel_param {
            name: name.as_ptr().cast(),
            // Only parameters with a sysfs file use it; these have none.
            mod_: core::ptr::null_mut(),
            ops,
            perm: 0,
            level: -1,
            flags: 0,
            __bindgen_anon_1: sys::kernel_param__bindgen_ty_1 { arg },
        })
    }
}

/// Total length of `parts`, for sizing a `.modinfo` string at compile time.
pub(crate) const fn concat_len(parts: &[&str]) -> usize {
    let mut len = 0;
    let mut i = 0;
    while i < parts.len() {
        len += parts[i].len();
        i += 1;
    }
    len + 1
}

/// `parts` concatenated and NUL-terminated, at compile time.
pub(crate) const fn concat_nul<const N: usize>(parts: &[&str]) -> [u8; N] {
    let mut out = [0u8; N];
    let (mut i, mut o) = (0, 0);
    while i < parts.len() {
        let b = parts[i].as_bytes();
        let mut j = 0;
        while j < b.len() {
            out[o] = b[j];
            o += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

/// Declares module parameter `$name`, as C's `module_param()` +
/// `MODULE_PARM_DESC()` do, with storage in the static `$storage`.
///
/// `$kind` is `int` (an [`IntParam`]) or `charp` (a [`CharpParam`]); `$desc`
/// is any `&'static str` constant, e.g. from the option table.
macro_rules! module_param {
    ($storage:ident, $name:literal, int, $default:expr, $desc:expr) => {
        pub(crate) static $storage: $crate::kext::params::IntParam =
            $crate::kext::params::IntParam::new($default);
        $crate::kext::params::module_param!(@emit $storage, $name, Int, "int", $desc);
    };
    ($storage:ident, $name:literal, charp, $desc:expr) => {
        pub(crate) static $storage: $crate::kext::params::CharpParam =
            $crate::kext::params::CharpParam::new();
        $crate::kext::params::module_param!(@emit $storage, $name, Charp, "charp", $desc);
    };
    // `module_param_array(name, charp, ...)` as `modinfo` shows it; the
    // value is kept whole (`a,b,c`), for the driver to split.
    ($storage:ident, $name:literal, charp_array, $desc:expr) => {
        pub(crate) static $storage: $crate::kext::params::CharpParam =
            $crate::kext::params::CharpParam::new();
        $crate::kext::params::module_param!(@emit $storage, $name, Charp, "array of charp", $desc);
    };
    (@emit $storage:ident, $name:literal, $ops:ident, $type:literal, $desc:expr) => {
        const _: () = {
            use $crate::kext::params::{concat_len, concat_nul, KernelParam, ParamOps};
            #[link_section = "__param"]
            #[used(compiler)]
            static PARAM: KernelParam = KernelParam::new(
                concat!($name, "\0").as_bytes(),
                ParamOps::$ops,
                $storage.as_arg(),
            );
            const TYPE: &[&str] = &["parmtype=", $name, ":", $type];
            #[link_section = ".modinfo"]
            #[used(compiler)]
            static PARMTYPE: [u8; concat_len(TYPE)] = concat_nul(TYPE);
            const DESC: &[&str] = &["parm=", $name, ":", $desc];
            #[link_section = ".modinfo"]
            #[used(compiler)]
            static PARM: [u8; concat_len(DESC)] = concat_nul(DESC);
        };
    };
}
pub(crate) use module_param;
