// SPDX-License-Identifier: GPL-2.0

//! Files under `/proc/net` of the initial namespace, printed through a
//! `seq_file` (`proc_create_single_data()`).

use super::netdev::NetDevice;
use crate::sys;
use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::error::{from_result, Result};
use kernel::ffi::{c_int, c_void};
use kernel::prelude::*;
use kernel::str::CStr;

/// The text of a /proc file being printed. Writes that do not fit make the
/// seq_file core retry the whole show with a larger buffer.
pub(crate) struct SeqBuf(NonNull<sys::seq_file>);

impl fmt::Write for SeqBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: The seq_file is live for the duration of the show
        // callback that created `self`; `s` is valid for `s.len()` bytes.
        unsafe { sys::seq_write(self.0.as_ptr(), s.as_ptr().cast(), s.len()) };
        Ok(())
    }
}

/// What a per-device /proc file prints.
pub(crate) trait ProcShow: 'static {
    fn show(dev: &NetDevice, out: &mut SeqBuf) -> Result;
}

/// A directory under `/proc/net`; dropping it removes it (and anything
/// left in it).
pub(crate) struct ProcDir(NonNull<sys::proc_dir_entry>);

// SAFETY: The entry may be removed from any task.
unsafe impl Send for ProcDir {}
// SAFETY: `&ProcDir` only lends the pointer to `proc_create_*`, which may
// be called concurrently.
unsafe impl Sync for ProcDir {}

impl ProcDir {
    /// Creates `/proc/net/<name>` in the initial namespace.
    pub(crate) fn new(name: &CStr) -> Result<Self> {
        // SAFETY: `name` is NUL-terminated; `proc_net` of the initial
        // namespace exists for the kernel's lifetime.
        let dir = unsafe { sys::proc_mkdir(name.as_char_ptr(), sys::init_net.proc_net) };
        NonNull::new(dir).map(Self).ok_or(ENOMEM)
    }

    /// Creates file `name` in this directory showing `dev` through `P`.
    /// The file must be dropped before `dev` is freed; dropping waits for
    /// readers in progress.
    pub(crate) fn create_file<P: ProcShow>(
        &self,
        name: &CStr,
        dev: &NetDevice,
    ) -> Result<ProcFile<P>> {
        // SAFETY: `name` is NUL-terminated (procfs copies it); the show
        // callback matches; `dev` outlives the file (caller's contract,
        // kept by the owner dropping the file in time).
        let entry = unsafe {
            sys::proc_create_single_data(
                name.as_char_ptr(),
                0o444,
                self.0.as_ptr(),
                Some(show_trampoline::<P>),
                dev.as_raw().cast(),
            )
        };
        NonNull::new(entry)
            .map(|e| ProcFile(e, PhantomData))
            .ok_or(ENOMEM)
    }
}

impl Drop for ProcDir {
    fn drop(&mut self) {
        // SAFETY: Created by `proc_mkdir`; removed once.
        unsafe { sys::proc_remove(self.0.as_ptr()) };
    }
}

/// A file created by [`ProcDir::create_file`]; dropping it removes it.
pub(crate) struct ProcFile<P: ProcShow>(NonNull<sys::proc_dir_entry>, PhantomData<P>);

// SAFETY: The entry may be removed from any task.
unsafe impl<P: ProcShow> Send for ProcFile<P> {}
// SAFETY: No access through `&ProcFile`.
unsafe impl<P: ProcShow> Sync for ProcFile<P> {}

impl<P: ProcShow> Drop for ProcFile<P> {
    fn drop(&mut self) {
        // SAFETY: Created by `proc_create_single_data`; `proc_remove` waits
        // for readers still in `show`.
        unsafe { sys::proc_remove(self.0.as_ptr()) };
    }
}

/// # Safety
///
/// Called by the seq_file core for a file made by `create_file::<P>`.
unsafe extern "C" fn show_trampoline<P: ProcShow>(
    seq: *mut sys::seq_file,
    _v: *mut c_void,
) -> c_int {
    from_result(|| {
        // SAFETY: `single_open` stores the entry's data, a net device that
        // outlives the entry, in `private`; `seq` is live during the call.
        let dev = unsafe { NetDevice::from_raw((*seq).private.cast()) };
        // `seq` is non-null: the core passes its own seq_file.
        let mut out = SeqBuf(NonNull::new(seq).ok_or(EINVAL)?);
        P::show(dev, &mut out)?;
        Ok(0)
    })
}
