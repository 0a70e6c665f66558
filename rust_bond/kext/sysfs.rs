// SPDX-License-Identifier: GPL-2.0

//! sysfs files: a class file under `/sys/class/net/` and groups of device
//! files (`/sys/class/net/<dev>/<group>/<file>`).
//!
//! Every file of a set shares one show and one store trampoline, which pass
//! the file's name to the driver: the driver declares names and modes with
//! [`device_files!`] and implements [`DeviceFiles`] once. The C structures
//! live in statics, as sysfs keeps pointers to them.

use super::compat;
use super::netdev::NetDevice;
use crate::sys;
use core::fmt;
use core::marker::PhantomData;
use kernel::error::{from_result, Result};
use kernel::ffi::c_char;
use kernel::prelude::*;
use kernel::str::CStr;

/// Where a show callback writes its text: the page sysfs provides.
pub(crate) struct SysfsBuf<'a> {
    page: &'a mut [u8],
    len: usize,
}

impl fmt::Write for SysfsBuf<'_> {
    /// Appends `s`; like `sysfs_emit()`, what does not fit the page is cut.
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.page.len() - self.len;
        let n = s.len().min(room);
        self.page[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// The input of a store callback. `len()` is what sysfs passed (the store
/// returns it on success); `bytes()` is the text.
pub(crate) struct StoreInput<'a>(&'a [u8]);

impl StoreInput<'_> {
    pub(crate) fn bytes(&self) -> &[u8] {
        self.0
    }
}

/// What the files of a set do.
pub(crate) trait DeviceFiles: 'static {
    /// Writes the content of file `name` of `dev`.
    fn show(dev: &NetDevice, name: &str, out: &mut SysfsBuf<'_>) -> Result;
    /// Applies a write to file `name` of `dev`.
    fn store(dev: &NetDevice, name: &str, input: &StoreInput<'_>) -> Result;
}

/// A `struct device_attribute` in a static. The kernel only reads it.
#[repr(transparent)]
pub(crate) struct DeviceAttr(sys::device_attribute);

// SAFETY: Immutable after compile time; the pointers in it are to statics.
unsafe impl Sync for DeviceAttr {}

impl DeviceAttr {
    /// File `name` with permission bits `mode`, served by `F`.
    pub(crate) const fn new<F: DeviceFiles>(name: &'static CStr, mode: u16) -> Self {
        // SAFETY: All-zero is a valid `struct attribute` (no lockdep key
        // needed for static attributes: sysfs uses the static's address).
        // The same holds for the whole `struct device_attribute`.
        let mut a: sys::device_attribute = unsafe { core::mem::zeroed() };
        a.attr.name = compat::cstr_ptr(name);
        a.attr.mode = mode;
        compat::set_dev_attr_callbacks(
            &mut a,
            if mode & 0o444 != 0 {
                Some(show::<F>)
            } else {
                None
            },
            if mode & 0o222 != 0 {
                Some(store::<F>)
            } else {
                None
            },
        );
        Self(a)
    }
}

/// The NULL-terminated pointer array of a group, in a static.
#[repr(transparent)]
pub(crate) struct AttrPtrs<const N: usize>([*const sys::attribute; N]);

// SAFETY: Immutable; the pointers are to statics.
unsafe impl<const N: usize> Sync for AttrPtrs<N> {}

impl<const N: usize> AttrPtrs<N> {
    /// Pointers to each of `attrs`, then NULL. `N` is `attrs.len() + 1`.
    pub(crate) const fn new(attrs: &'static [DeviceAttr]) -> Self {
        let mut ptrs = [core::ptr::null(); N];
        let mut i = 0;
        while i < attrs.len() {
            ptrs[i] = &attrs[i].0.attr;
            i += 1;
        }
        Self(ptrs)
    }
}

/// A named group of device files: a directory under the device.
#[repr(transparent)]
pub(crate) struct AttrGroup(sys::attribute_group);

// SAFETY: Immutable; the pointers are to statics.
unsafe impl Sync for AttrGroup {}

impl AttrGroup {
    pub(crate) const fn new<const N: usize>(
        name: &'static CStr,
        ptrs: &'static AttrPtrs<N>,
    ) -> Self {
        // SAFETY: All-zero is a valid group (no visibility callbacks).
        let mut group: sys::attribute_group = unsafe { core::mem::zeroed() };
        group.name = compat::cstr_ptr(name);
        compat::set_group_attrs(&mut group, ptrs.0.as_ptr().cast_mut().cast());
        Self(group)
    }

    pub(crate) fn as_raw(&'static self) -> *const sys::attribute_group {
        &self.0
    }

    /// Adds the group's directory and files to `dev` (for devices whose
    /// groups are not given at registration). Removed by dropping the
    /// result.
    pub(crate) fn add(&'static self, dev: &NetDevice) -> Result<GroupOnDevice> {
        // SAFETY: A live registered device; the group is static.
        let kobj = unsafe { &raw mut (*dev.as_raw()).dev.kobj };
        // SAFETY: As above; sysfs copies nothing and keeps the pointer.
        kernel::error::to_result(unsafe { sys::sysfs_create_group(kobj, &self.0) })?;
        Ok(GroupOnDevice {
            kobj,
            group: self,
            _dev: dev_hold(dev),
        })
    }
}

/// A group added to a device by [`AttrGroup::add`]; dropping it removes
/// the files, waiting for callbacks in progress.
pub(crate) struct GroupOnDevice {
    kobj: *mut sys::kobject,
    group: &'static AttrGroup,
    _dev: super::netdev::NetDevRef,
}

// SAFETY: Removing the group may happen from any task.
unsafe impl Send for GroupOnDevice {}
// SAFETY: No shared access through `&GroupOnDevice`.
unsafe impl Sync for GroupOnDevice {}

impl Drop for GroupOnDevice {
    fn drop(&mut self) {
        // SAFETY: Added in `add()`; the device is held by `_dev`.
        unsafe { sys::sysfs_remove_group(self.kobj, &self.group.0) };
    }
}

fn dev_hold(dev: &NetDevice) -> super::netdev::NetDevRef {
    dev.to_ref()
}

/// # Safety
///
/// Called by sysfs for a file of group served by `F`, on a net device.
unsafe extern "C" fn show<F: DeviceFiles>(
    dev: *mut sys::device,
    attr: *mut sys::device_attribute,
    buf: *mut c_char,
) -> isize {
    from_result(|| {
        // SAFETY: sysfs passes the `struct device` embedded in a live net
        // device, the attribute of the file, and a page-sized buffer.
        let (net, name, page) = unsafe {
            (
                net_device_of(dev),
                compat::cstr_from_ptr((*attr).attr.name),
                core::slice::from_raw_parts_mut(buf.cast::<u8>(), kernel::page::PAGE_SIZE),
            )
        };
        let mut out = SysfsBuf { page, len: 0 };
        F::show(net, name.to_str().map_err(|_| EINVAL)?, &mut out)?;
        Ok(out.len as isize)
    })
}

/// # Safety
///
/// Called by sysfs for a file of a group served by `F`, on a net device.
unsafe extern "C" fn store<F: DeviceFiles>(
    dev: *mut sys::device,
    attr: *mut sys::device_attribute,
    buf: *const c_char,
    count: usize,
) -> isize {
    from_result(|| {
        // SAFETY: As in `show`.
        let (net, name) = unsafe { (net_device_of(dev), compat::cstr_from_ptr((*attr).attr.name)) };
        // SAFETY: sysfs passes `count` bytes at `buf` for the call.
        let input = unsafe { store_input(buf, count, net.net_admin_capable())? };
        F::store(net, name.to_str().map_err(|_| EINVAL)?, &StoreInput(input))?;
        Ok(count as isize)
    })
}

/// The bytes of a write, for a task allowed to configure networking
/// (`allowed`): as net-sysfs's own files, rust_bond's need `CAP_NET_ADMIN`
/// (the file mode alone would let any root task in), in the user
/// namespace that owns the device's network namespace, as bonding.ko's
/// ioctls check it: root in a container configures its own bonds.
///
/// # Safety
///
/// `buf` holds `count` readable bytes for `'a`.
unsafe fn store_input<'a>(buf: *const c_char, count: usize, allowed: bool) -> Result<&'a [u8]> {
    if !allowed {
        return Err(EPERM);
    }
    // SAFETY: The caller's guarantee.
    Ok(unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), count) })
}

/// The net device a sysfs `struct device` is embedded in (`to_net_dev()`).
///
/// # Safety
///
/// `dev` is the `dev` member of a live `struct net_device`.
unsafe fn net_device_of<'a>(dev: *mut sys::device) -> &'a NetDevice {
    let offset = core::mem::offset_of!(sys::net_device, dev);
    // SAFETY: The caller guarantees `dev` is embedded in a net device.
    unsafe { NetDevice::from_raw(dev.cast::<u8>().sub(offset).cast()) }
}

/// A file directly under `/sys/class/net/` (like `bonding_masters`).
pub(crate) trait ClassFile: 'static {
    fn show(out: &mut SysfsBuf<'_>) -> Result;
    fn store(input: &StoreInput<'_>) -> Result;
}

/// The static C attribute of a [`ClassFile`].
#[repr(transparent)]
pub(crate) struct ClassAttr<F: ClassFile>(sys::class_attribute, PhantomData<F>);

// SAFETY: Immutable; the pointers are to statics.
unsafe impl<F: ClassFile> Sync for ClassAttr<F> {}

impl<F: ClassFile> ClassAttr<F> {
    /// File `name`, readable by all, writable by root (0644).
    pub(crate) const fn new(name: &'static CStr) -> Self {
        // SAFETY: All-zero is a valid `struct attribute`.
        let mut attr: sys::attribute = unsafe { core::mem::zeroed() };
        attr.name = compat::cstr_ptr(name);
        attr.mode = 0o644;
        Self(
            sys::class_attribute {
                attr,
                show: Some(Self::show),
                store: Some(Self::store),
            },
            PhantomData,
        )
    }

    /// Creates the file in `/sys/class/net` of the initial namespace;
    /// dropping the result removes it.
    pub(crate) fn create(&'static self) -> Result<ClassFileReg<F>> {
        // SAFETY: A static attribute; the namespace tag of the initial
        // network namespace is its `struct net`.
        kernel::error::to_result(unsafe {
            sys::netdev_class_create_file_ns(&self.0, sys::rb_init_net_tag().cast())
        })?;
        Ok(ClassFileReg(self))
    }

    /// # Safety
    ///
    /// Called by sysfs with a page-sized buffer.
    unsafe extern "C" fn show(
        _class: *const sys::class,
        _attr: *const sys::class_attribute,
        buf: *mut c_char,
    ) -> isize {
        from_result(|| {
            // SAFETY: sysfs passes a page-sized buffer.
            let page = unsafe {
                core::slice::from_raw_parts_mut(buf.cast::<u8>(), kernel::page::PAGE_SIZE)
            };
            let mut out = SysfsBuf { page, len: 0 };
            F::show(&mut out)?;
            Ok(out.len as isize)
        })
    }

    /// # Safety
    ///
    /// Called by sysfs with `count` bytes at `buf`.
    unsafe extern "C" fn store(
        _class: *const sys::class,
        _attr: *const sys::class_attribute,
        buf: *const c_char,
        count: usize,
    ) -> isize {
        from_result(|| {
            // SAFETY: sysfs passes `count` readable bytes. The file is in
            // the initial network namespace only.
            let input = unsafe { store_input(buf, count, super::capable_net_admin())? };
            F::store(&StoreInput(input))?;
            Ok(count as isize)
        })
    }
}

/// A created class file; dropping it removes the file (waiting for
/// callbacks in progress).
pub(crate) struct ClassFileReg<F: ClassFile>(&'static ClassAttr<F>);

impl<F: ClassFile> Drop for ClassFileReg<F> {
    fn drop(&mut self) {
        // SAFETY: Created in `ClassAttr::create` with the same arguments.
        unsafe { sys::netdev_class_remove_file_ns(&self.0 .0, sys::rb_init_net_tag().cast()) };
    }
}

/// Declares a static group of device files served by `$files` (a
/// [`DeviceFiles`] type): `device_files!(NAME, "dir", Files, ["file" => 0o644, ...])`.
macro_rules! device_files {
    ($group:ident, $dir:literal, $files:ty, [$($name:literal => $mode:expr),* $(,)?]) => {
        pub(crate) static $group: $crate::kext::sysfs::AttrGroup = {
            use $crate::kext::sysfs::{AttrGroup, AttrPtrs, DeviceAttr};
            static ATTRS: &[DeviceAttr] = &[
                $(DeviceAttr::new::<$files>(kernel::c_str!($name), $mode)),*
            ];
            const N: usize = [$($name),*].len();
            static PTRS: AttrPtrs<{ N + 1 }> = AttrPtrs::new(ATTRS);
            AttrGroup::new(kernel::c_str!($dir), &PTRS)
        };
    };
}
pub(crate) use device_files;
