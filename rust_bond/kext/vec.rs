// SPDX-License-Identifier: GPL-2.0

//! What the 6.12 `KVec` lacks.

use kernel::alloc::KVec;

/// Removes and returns element `idx`, shifting the rest down (like
/// `Vec::remove`); `None` if out of range. Never allocates.
pub(crate) fn remove<T>(v: &mut KVec<T>, idx: usize) -> Option<T> {
    let len = v.len();
    if idx >= len {
        return None;
    }
    v.as_mut_slice()[idx..].rotate_left(1);
    // SAFETY: `len - 1 < len`: the last slot holds an initialised element,
    // which we move out and then exclude from the vector.
    unsafe {
        let last = core::ptr::read(v.as_ptr().add(len - 1));
        v.set_len(len - 1);
        Some(last)
    }
}

/// Drops every element, keeping the room (like `Vec::clear`). Never
/// allocates.
pub(crate) fn clear<T>(v: &mut KVec<T>) {
    let len = v.len();
    // SAFETY: The first `len` elements are initialised; the length is set
    // to 0 first, so that no element can be dropped twice.
    unsafe {
        v.set_len(0);
        core::ptr::drop_in_place(core::ptr::slice_from_raw_parts_mut(v.as_mut_ptr(), len));
    }
}
