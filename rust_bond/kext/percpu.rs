// SPDX-License-Identifier: GPL-2.0

//! Per-CPU counters.

use crate::sys;
use core::ptr::NonNull;
use kernel::prelude::*;

/// A `u32` per CPU (`alloc_percpu(u32)`), each CPU counting on its own:
/// no cache line bounces between CPUs.
pub(crate) struct PerCpuU32(NonNull<u32>);

// SAFETY: Each CPU only touches its own copy, through `this_cpu` ops.
unsafe impl Send for PerCpuU32 {}
// SAFETY: As above.
unsafe impl Sync for PerCpuU32 {}

impl PerCpuU32 {
    /// Zeroed counters, one per possible CPU.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: Plain allocation (GFP_KERNEL: process context, as at bond
        // creation); the memory is zeroed.
        let p = unsafe { sys::rb_alloc_percpu_u32() };
        NonNull::new(p).map(Self).ok_or(ENOMEM)
    }

    /// Increments this CPU's counter and returns the new value
    /// (`this_cpu_inc_return()`: safe with preemption on).
    pub(crate) fn inc_return(&self) -> u32 {
        // SAFETY: A live per-CPU allocation of a `u32`.
        unsafe { sys::rb_percpu_inc_return(self.0.as_ptr()) }
    }
}

impl Drop for PerCpuU32 {
    fn drop(&mut self) {
        // SAFETY: Allocated by `__alloc_percpu`; freed once.
        unsafe { sys::free_percpu(self.0.as_ptr().cast()) };
    }
}

/// `N` `u64` counters per CPU: the data path adds on its own CPU
/// (`this_cpu_add()`, no atomics, no shared cache line), readers sum
/// over every possible CPU. A sum is not a snapshot of all `N` at once.
pub(crate) struct PerCpuU64s<const N: usize>(NonNull<u64>);

// SAFETY: Each CPU only writes its own copy, through `this_cpu` ops;
// readers only read (whole aligned `u64`s, which do not tear on 64-bit).
unsafe impl<const N: usize> Send for PerCpuU64s<N> {}
// SAFETY: As above.
unsafe impl<const N: usize> Sync for PerCpuU64s<N> {}

impl<const N: usize> PerCpuU64s<N> {
    /// Zeroed counters. Process context.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: Plain allocation (GFP_KERNEL); the memory is zeroed.
        let p = unsafe { sys::rb_alloc_percpu_u64s(N) };
        NonNull::new(p).map(Self).ok_or(ENOMEM)
    }

    /// Adds `v` to counter `I` of this CPU. Any context. `I < N` is
    /// checked when the call is built, so the data path has no check.
    pub(crate) fn add<const I: usize>(&self, v: u64) {
        let () = Below::<I, N>::OK;
        // SAFETY: A live per-CPU allocation of `N` `u64`s; `I < N`.
        unsafe { sys::rb_percpu_u64_add(self.0.as_ptr(), I, v) }
    }

    /// Counter `i` summed over every CPU, `None` if there is no counter
    /// `i`. Any context.
    pub(crate) fn sum(&self, i: usize) -> Option<u64> {
        // SAFETY: As in `add`, once `i < N`.
        (i < N).then(|| unsafe { sys::rb_percpu_u64_sum(self.0.as_ptr(), i) })
    }
}

/// `Below::<I, N>::OK` fails the build unless `I < N`.
struct Below<const I: usize, const N: usize>;

impl<const I: usize, const N: usize> Below<I, N> {
    const OK: () = assert!(I < N, "per-CPU counter index out of range");
}

impl<const N: usize> Drop for PerCpuU64s<N> {
    fn drop(&mut self) {
        // SAFETY: Allocated by `__alloc_percpu`; freed once.
        unsafe { sys::free_percpu(self.0.as_ptr().cast()) };
    }
}
