// SPDX-License-Identifier: GPL-2.0

//! What differs between the `kernel` crates rust_bond builds against:
//! 6.12 LTS and 7.x. Everything else of rust_bond uses these names and
//! never asks which kernel it is built for.
//!
//! Each difference is a `cfg` that `Kbuild` sets from what the kernel's
//! own Rust sources provide (`rb_probe` there), not from its version; the
//! one C counterpart is at the end of `sys/helpers.c`.

use crate::sys;
use kernel::alloc::KVec;
use kernel::error::Error;
use kernel::ffi::{c_char, c_void};
use kernel::prelude::PinInit;
use kernel::str::CStr;
#[cfg(rb_cstr_core)]
use kernel::str::CStrExt as _;
use kernel::sync::{Arc, ArcBorrow};
use kernel::types::ForeignOwnable;
use kernel::uaccess::UserSlice;

#[cfg(rb_aref_in_sync)]
pub(crate) use kernel::sync::aref::{ARef, AlwaysRefCounted};
/// Counted references: `kernel::types` in 6.12, `kernel::sync::aref` later.
#[cfg(not(rb_aref_in_sync))]
pub(crate) use kernel::types::{ARef, AlwaysRefCounted};

/// The formatting macro for `CString::try_from_fmt`: a crate-root macro in
/// 6.12, the prelude's (the `macros` crate's) later.
#[cfg(not(rb_kernel_display))]
pub(crate) use kernel::fmt;
#[cfg(rb_kernel_display)]
pub(crate) use kernel::prelude::fmt;

/// Hands `arc`'s reference to C (`ForeignOwnable::into_foreign`, which
/// gives a `*const` pointer in 6.12 and a `*mut` one later).
pub(crate) fn arc_into_foreign<T: Send + Sync + 'static>(arc: Arc<T>) -> *mut c_void {
    arc.into_foreign().into_mut()
}

/// A pointer as `*mut`, whichever it was (for the signatures that changed
/// from `*const` to `*mut` after 6.12).
trait IntoMut {
    fn into_mut(self) -> *mut c_void;
}

impl IntoMut for *const c_void {
    fn into_mut(self) -> *mut c_void {
        self.cast_mut()
    }
}

impl IntoMut for *mut c_void {
    fn into_mut(self) -> *mut c_void {
        self
    }
}

/// Takes back the reference handed to C by [`arc_into_foreign`].
///
/// # Safety
///
/// `ptr` came from [`arc_into_foreign`] for the same `T`, and C no longer
/// uses it: its reference is the caller's again, to be taken back once.
pub(crate) unsafe fn arc_from_foreign<T: Send + Sync + 'static>(ptr: *mut c_void) -> Arc<T> {
    // SAFETY: The caller's contract is `from_foreign`'s.
    unsafe { Arc::<T>::from_foreign(ptr) }
}

/// Borrows the `Arc` handed to C by [`arc_into_foreign`].
///
/// # Safety
///
/// `ptr` came from [`arc_into_foreign`] for the same `T`, and is not taken
/// back with [`arc_from_foreign`] while the borrow lives.
pub(crate) unsafe fn arc_borrow<'a, T: Send + Sync + 'static>(
    ptr: *mut c_void,
) -> ArcBorrow<'a, T> {
    // SAFETY: The caller's contract is `borrow`'s.
    unsafe { Arc::<T>::borrow(ptr) }
}

/// The bytes of `s`, without the NUL.
pub(crate) fn cstr_bytes(s: &CStr) -> &[u8] {
    #[cfg(rb_cstr_core)]
    return s.to_bytes();
    #[cfg(not(rb_cstr_core))]
    return s.as_bytes();
}

/// The bytes of `s`, with the NUL.
pub(crate) fn cstr_bytes_with_nul(s: &CStr) -> &[u8] {
    #[cfg(rb_cstr_core)]
    return s.to_bytes_with_nul();
    #[cfg(not(rb_cstr_core))]
    return s.as_bytes_with_nul();
}

/// `s` as a C string pointer, in constants too.
pub(crate) const fn cstr_ptr(s: &CStr) -> *const c_char {
    #[cfg(rb_cstr_core)]
    return kernel::str::as_char_ptr_in_const_context(s);
    #[cfg(not(rb_cstr_core))]
    return s.as_char_ptr();
}

/// The C string at `ptr`.
///
/// # Safety
///
/// `ptr` is a NUL-terminated string that lives and does not change for
/// `'a`.
pub(crate) unsafe fn cstr_from_ptr<'a>(ptr: *const c_char) -> &'a CStr {
    // SAFETY: The caller's contract is `from_char_ptr`'s.
    unsafe { CStr::from_char_ptr(ptr) }
}

/// Runs the pinned initialiser `init` on `slot` (`__pinned_init` in
/// 6.12, `__init` in the pin-init crate).
///
/// # Safety
///
/// As `PinInit::__pinned_init`: `slot` is valid uninitialised memory that
/// never moves; on error the caller leaves it alone.
pub(crate) unsafe fn pin_init_into<T, I: PinInit<T, Error>>(
    init: I,
    slot: *mut T,
) -> Result<(), Error> {
    #[cfg(rb_pin_init_crate)]
    // SAFETY: The caller's contract is the method's.
    return unsafe { init.__init(slot) };
    #[cfg(not(rb_pin_init_crate))]
    // SAFETY: The caller's contract is the method's.
    return unsafe { init.__pinned_init(slot) };
}

/// Removes and returns element `idx` of `v`, shifting the rest down;
/// `None` if out of range. Never allocates. (`KVec::remove` after 6.12.)
pub(crate) fn vec_remove<T>(v: &mut KVec<T>, idx: usize) -> Option<T> {
    #[cfg(rb_vec_remove)]
    return v.remove(idx).ok();
    #[cfg(not(rb_vec_remove))]
    {
        let len = v.len();
        if idx >= len {
            return None;
        }
        v.as_mut_slice()[idx..].rotate_left(1);
        // SAFETY: `len - 1 < len`: the last slot holds an initialised
        // element, which we move out and then exclude from the vector.
        unsafe {
            let last = core::ptr::read(v.as_ptr().add(len - 1));
            v.set_len(len - 1);
            Some(last)
        }
    }
}

/// Drops every element of `v`, keeping the room. Never allocates.
/// (`KVec::clear` after 6.12.)
pub(crate) fn vec_clear<T>(v: &mut KVec<T>) {
    #[cfg(rb_vec_remove)]
    v.clear();
    #[cfg(not(rb_vec_remove))]
    {
        let len = v.len();
        // SAFETY: The first `len` elements are initialised; the length is
        // set to 0 first, so that no element can be dropped twice.
        unsafe {
            v.set_len(0);
            core::ptr::drop_in_place(core::ptr::slice_from_raw_parts_mut(v.as_mut_ptr(), len));
        }
    }
}

/// `len` bytes of user memory at `ptr`, checked at each access.
pub(crate) fn user_slice(ptr: *mut c_void, len: usize) -> UserSlice {
    #[cfg(rb_user_ptr)]
    return UserSlice::new(kernel::uaccess::UserPtr::from_ptr(ptr), len);
    #[cfg(not(rb_user_ptr))]
    return UserSlice::new(ptr as usize, len);
}

/// Gives types that are `core::fmt::Display` the kernel's own `Display`
/// too, which `fmt!` and the `pr_*!` macros want after 6.12.
macro_rules! kernel_display {
    ($($t:ty),* $(,)?) => {$(
        #[cfg(rb_kernel_display)]
        impl kernel::fmt::Display for $t {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Display::fmt(self, f)
            }
        }
    )*};
}
pub(crate) use kernel_display;

/// Sets the callbacks of a device attribute (its fields in 6.12, unions of
/// a callback and its `const` twin later).
pub(crate) const fn set_dev_attr_callbacks(
    a: &mut sys::device_attribute,
    show: DevAttrShow,
    store: DevAttrStore,
) {
    #[cfg(rb_sysfs_alternatives)]
    {
        a.__bindgen_anon_1.show = show;
        a.__bindgen_anon_2.store = store;
    }
    #[cfg(not(rb_sysfs_alternatives))]
    {
        a.show = show;
        a.store = store;
    }
}

/// `device_attribute`'s `show` callback.
pub(crate) type DevAttrShow = Option<
    unsafe extern "C" fn(*mut sys::device, *mut sys::device_attribute, *mut c_char) -> isize,
>;
/// `device_attribute`'s `store` callback.
pub(crate) type DevAttrStore = Option<
    unsafe extern "C" fn(
        *mut sys::device,
        *mut sys::device_attribute,
        *const c_char,
        usize,
    ) -> isize,
>;

/// Sets the attribute list of a group.
pub(crate) const fn set_group_attrs(g: &mut sys::attribute_group, attrs: *mut *mut sys::attribute) {
    #[cfg(rb_sysfs_alternatives)]
    {
        g.__bindgen_anon_2.attrs = attrs;
    }
    #[cfg(not(rb_sysfs_alternatives))]
    {
        g.attrs = attrs;
    }
}

/// The module's declaration (`module!`), whose author key is `author` in
/// 6.12 and `authors` (a list) later. Later kernels also keep
/// `__netif_set_mtu` in the `NETDEV_INTERNAL` namespace; `sys/helpers.c`
/// imports it, as bonding.ko does.
macro_rules! rb_module {
    (type: $t:ident, name: $name:tt, author: $author:tt,
     description: $desc:tt, license: $lic:tt $(,)?) => {
        #[cfg(not(rb_module_authors))]
        kernel::prelude::module! {
            type: $t,
            name: $name,
            author: $author,
            description: $desc,
            license: $lic,
        }
        #[cfg(rb_module_authors)]
        kernel::prelude::module! {
            type: $t,
            name: $name,
            authors: [$author],
            description: $desc,
            license: $lic,
        }
    };
}
pub(crate) use rb_module;

/// The per-CPU system workqueue: `system_percpu_wq` where `system_wq` is
/// deprecated (7.x warns once when work is queued there).
#[cfg(rb_system_percpu_wq)]
pub(crate) fn system_wq() -> *mut crate::sys::workqueue_struct {
    // SAFETY: Set once at boot, before any module loads; only read.
    unsafe { crate::sys::system_percpu_wq }
}

/// The per-CPU system workqueue (`system_wq`).
#[cfg(not(rb_system_percpu_wq))]
pub(crate) fn system_wq() -> *mut crate::sys::workqueue_struct {
    // SAFETY: Set once at boot, before any module loads; only read.
    unsafe { crate::sys::system_wq }
}
