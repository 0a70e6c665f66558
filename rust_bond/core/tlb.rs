// SPDX-License-Identifier: GPL-2.0

//! balance-tlb's dynamic transmit table (`bond_alb.c`'s `tlb_*`, with
//! `tlb_dynamic_lb` 1): 256 buckets of flows, each given to the port with
//! the most room left when its first frame goes out, and handed out again
//! every ten seconds by the load each bucket carried.
//!
//! Lock-free where bonding.ko takes `mode_lock`: the data path claims an
//! empty bucket with a compare-and-swap and adds its bytes with
//! `fetch_add`. The monitor's rebalance and the link events clear buckets
//! while frames go out; a frame racing with a clear may count its bytes
//! towards the old period or claim the bucket again at once, as bonding.ko's
//! lock would order either way. The arithmetic is bonding.ko's, `u32` and
//! wrapping where it wraps, so that both choose the same ports.

use core::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// Buckets (`TLB_HASH_TABLE_SIZE`): a flow's hash, its low byte.
pub(crate) const BUCKETS: usize = 256;

/// Seconds between rebalances (`BOND_TLB_REBALANCE_INTERVAL`), and the
/// divisor that turns a period's bytes into a load.
pub(crate) const REBALANCE_SECS: u32 = 10;

/// The monitor's ticks per second (`ALB_TIMER_TICKS_PER_SEC`).
pub(crate) const TICKS_PER_SEC: u32 = 10;

/// How much room a port has left (`compute_gap()`): its speed in bits
/// (Mb/s shifted by 20, wrapping in 32 bits as bonding.ko's `u32` does)
/// less its load in bits. An unknown speed counts as bonding.ko's
/// `SPEED_UNKNOWN`, `u32::MAX`.
pub(crate) fn gap(speed: u32, load: u32) -> i64 {
    i64::from(speed.wrapping_shl(20)) - i64::from(load.wrapping_shl(3))
}

/// What the table needs of the ports, by their index in the bond's
/// published set.
pub(crate) trait Loads {
    /// How many ports there are.
    fn count(&self) -> usize;
    /// Port `i`'s gap ([`gap`]) if it may transmit now
    /// (`bond_slave_can_tx()`), else `None`.
    fn gap(&self, i: usize) -> Option<i64>;
    /// Adds `load` to port `i`'s load.
    fn add_load(&self, i: usize, load: u32);
}

/// One bucket (`struct tlb_client_info`).
pub(crate) struct Bucket {
    /// The port's index plus one; 0 for none.
    port: AtomicU32,
    tx_bytes: AtomicU32,
    load_history: AtomicU32,
}

impl Bucket {
    pub(crate) const fn new() -> Self {
        Self {
            port: AtomicU32::new(0),
            tx_bytes: AtomicU32::new(0),
            load_history: AtomicU32::new(0),
        }
    }
}

/// The table (bonding's `tx_hashtbl` and `unbalanced_load`), its
/// [`BUCKETS`] buckets in `S` (a vector the caller allocates: three
/// kilobytes, too many for a kernel stack).
pub(crate) struct Table<S> {
    buckets: S,
    /// Bytes sent by the active port for want of a bucket's port.
    unbalanced: AtomicU32,
}

impl<S: core::ops::Deref<Target = [Bucket]>> Table<S> {
    /// An empty table (`tlb_initialize()`) in `buckets`, which should
    /// hold [`BUCKETS`] new ones: the hashes beyond those it holds go to
    /// the active port.
    pub(crate) fn new(buckets: S) -> Self {
        Self {
            buckets,
            unbalanced: AtomicU32::new(0),
        }
    }

    /// Empties the table, history and all (the bond opens:
    /// `tlb_initialize()` allocates it zeroed).
    pub(crate) fn reset(&self) {
        for b in self.buckets.iter() {
            b.port.store(0, Relaxed);
            b.tx_bytes.store(0, Relaxed);
            b.load_history.store(0, Relaxed);
        }
        self.unbalanced.store(0, Relaxed);
    }

    /// The port for a frame of `len` bytes in bucket `hash`
    /// (`__tlb_choose_channel()`): the bucket's port, or if it has none
    /// the port with the largest gap (the first of equals), which the
    /// bucket's history loads. `None` if no port may transmit.
    pub(crate) fn choose(&self, hash: u8, len: u32, ports: &impl Loads) -> Option<usize> {
        let b = self.buckets.get(usize::from(hash))?;
        let mut port = b.port.load(Relaxed);
        // Free, or naming a port beyond the ports (a frame that still saw
        // the old ports claimed it after the last remap): given anew.
        if port == 0 || port as usize > ports.count() {
            let least = least_loaded(ports)?;
            let want = u32::try_from(least + 1).ok()?;
            port = match b.port.compare_exchange(port, want, Relaxed, Relaxed) {
                Ok(_) => {
                    ports.add_load(least, b.load_history.load(Relaxed));
                    want
                }
                // Another CPU gave the bucket a port first.
                Err(other) => other,
            };
        }
        let i = (port as usize).checked_sub(1)?;
        if i >= ports.count() {
            return None;
        }
        b.tx_bytes.fetch_add(len, Relaxed);
        Some(i)
    }

    /// Takes port `i`'s buckets from it (`__tlb_clear_slave()`); with
    /// `save_load` each keeps what it carried as its history (a
    /// rebalance). The caller zeroes the port's load.
    pub(crate) fn clear_port(&self, i: usize, save_load: bool) {
        let Ok(want) = u32::try_from(i + 1) else {
            return;
        };
        for b in self.buckets.iter() {
            if b.port.load(Relaxed) != want {
                continue;
            }
            if save_load {
                let bytes = b.tx_bytes.swap(0, Relaxed);
                b.load_history.store(1 + bytes / REBALANCE_SECS, Relaxed);
            }
            b.port.store(0, Relaxed);
        }
    }

    /// The ports were published anew (a port joined or left): each bucket
    /// follows its port to its new index (`new_index` of the old one), or
    /// has none if it left.
    pub(crate) fn remap(&self, new_index: impl Fn(usize) -> Option<usize>) {
        for b in self.buckets.iter() {
            let p = b.port.load(Relaxed);
            if p == 0 {
                continue;
            }
            let to = new_index(p as usize - 1)
                .and_then(|i| u32::try_from(i + 1).ok())
                .unwrap_or(0);
            b.port.store(to, Relaxed);
        }
    }

    /// A frame went out on the active port for want of a bucket's port.
    pub(crate) fn add_unbalanced(&self, len: u32) {
        self.unbalanced.fetch_add(len, Relaxed);
    }

    /// The active port's load at a rebalance: the unbalanced bytes of the
    /// period, per second; starts the next period.
    pub(crate) fn take_unbalanced_load(&self) -> u32 {
        self.unbalanced.swap(0, Relaxed) / REBALANCE_SECS
    }
}

/// `tlb_get_least_loaded_slave()`: the first port with the largest gap.
fn least_loaded(ports: &impl Loads) -> Option<usize> {
    let mut best: Option<(usize, i64)> = None;
    for i in 0..ports.count() {
        if let Some(g) = ports.gap(i) {
            match best {
                Some((_, b)) if b >= g => {}
                _ => best = Some((i, g)),
            }
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::vec::Vec;

    fn table() -> Table<Vec<Bucket>> {
        Table::new((0..BUCKETS).map(|_| Bucket::new()).collect())
    }

    /// Ports with a speed, a load and whether they may transmit.
    struct Ports(RefCell<Vec<(u32, u32, bool)>>);

    impl Ports {
        fn new(p: &[(u32, bool)]) -> Self {
            Self(RefCell::new(p.iter().map(|&(s, up)| (s, 0, up)).collect()))
        }
        fn load(&self, i: usize) -> u32 {
            self.0.borrow()[i].1
        }
        fn zero(&self, i: usize) {
            self.0.borrow_mut()[i].1 = 0;
        }
    }

    impl Loads for Ports {
        fn count(&self) -> usize {
            self.0.borrow().len()
        }
        fn gap(&self, i: usize) -> Option<i64> {
            let (s, l, up) = self.0.borrow()[i];
            up.then(|| gap(s, l))
        }
        fn add_load(&self, i: usize, load: u32) {
            let mut v = self.0.borrow_mut();
            v[i].1 = v[i].1.wrapping_add(load);
        }
    }

    #[test]
    fn gap_wraps_like_bondings_u32() {
        // 10000 Mb/s << 20 overflows 32 bits in bonding.ko.
        assert_eq!(gap(10000, 0), 1_895_825_408);
        assert_eq!(gap(1000, 0), 1_048_576_000);
        assert_eq!(gap(u32::MAX, 0), 0xFFF0_0000);
        assert_eq!(gap(1000, 1000), 1_048_576_000 - 8000);
    }

    #[test]
    fn empty_history_puts_every_bucket_on_the_first_port() {
        // Before the first rebalance every history is 0: loads stay 0 and
        // the first port with the largest gap takes every bucket.
        let t = table();
        let p = Ports::new(&[(1000, true), (1000, true)]);
        for h in 0..=255u8 {
            assert_eq!(t.choose(h, 100, &p), Some(0));
        }
        assert_eq!(p.load(0), 0);
    }

    #[test]
    fn a_rebalance_spreads_buckets_by_what_they_carried() {
        let t = table();
        let p = Ports::new(&[(1000, true), (1000, true)]);
        // Bucket 1 carried 100000 bytes, bucket 2 10000, bucket 3 1000.
        t.choose(1, 100_000, &p);
        t.choose(2, 10_000, &p);
        t.choose(3, 1_000, &p);
        for i in 0..2 {
            t.clear_port(i, true);
            p.zero(i);
        }
        // Each bucket goes to the port with the largest gap when its next
        // frame comes: 1 to port 0 (load 10001), 2 to port 1 (load 1001),
        // 3 to port 1 (its gap is larger: load 1001 < 10001).
        assert_eq!(t.choose(1, 1, &p), Some(0));
        assert_eq!(p.load(0), 10_001);
        assert_eq!(t.choose(2, 1, &p), Some(1));
        assert_eq!(t.choose(3, 1, &p), Some(1));
        assert_eq!(p.load(1), 1_001 + 101);
        // A bucket keeps its port until it is cleared.
        assert_eq!(t.choose(1, 1, &p), Some(0));
    }

    #[test]
    fn a_port_that_cannot_transmit_gets_no_bucket() {
        let t = table();
        let p = Ports::new(&[(1000, false), (10, true)]);
        assert_eq!(t.choose(7, 1, &p), Some(1));
        let none = Ports::new(&[(1000, false)]);
        assert_eq!(table().choose(7, 1, &none), None);
    }

    #[test]
    fn clearing_without_saving_keeps_history_and_bytes() {
        let t = table();
        let p = Ports::new(&[(1000, true), (1000, true)]);
        t.choose(5, 50, &p);
        t.clear_port(0, true);
        p.zero(0);
        t.choose(5, 70, &p);
        // A link going down clears without saving (tlb_init_table_entry
        // with save_load 0): the history (1 + 50/10) and the 70 bytes stay.
        t.clear_port(0, false);
        p.zero(0);
        assert_eq!(t.choose(5, 0, &p), Some(0));
        assert_eq!(p.load(0), 6);
        t.clear_port(0, true);
        p.zero(0);
        t.choose(5, 0, &p);
        assert_eq!(p.load(0), 1 + 70 / 10);
    }

    #[test]
    fn remap_follows_ports_and_drops_those_gone() {
        let t = table();
        let p = Ports::new(&[(1000, false), (1000, true), (1000, true)]);
        t.choose(1, 1, &p);
        // Port 0 leaves: 1 becomes 0, 2 becomes 1.
        t.remap(|i| i.checked_sub(1));
        let q = Ports::new(&[(1000, true), (1000, true)]);
        assert_eq!(t.choose(1, 1, &q), Some(0));
        // Its port leaves: the bucket is free again.
        t.remap(|i| if i == 0 { None } else { Some(i) });
        let r = Ports::new(&[(10, true), (1000, true)]);
        assert_eq!(t.choose(1, 1, &r), Some(1));
    }

    #[test]
    fn a_stale_index_beyond_the_ports_is_given_anew() {
        let t = table();
        // A frame that saw three ports claims the bucket for port 2 ...
        let q = Ports::new(&[(1000, false), (1000, false), (1000, true)]);
        assert_eq!(t.choose(4, 1, &q), Some(2));
        // ... after the remap for a release left two.
        let r = Ports::new(&[(1000, true), (10, true)]);
        assert_eq!(t.choose(4, 1, &r), Some(0));
        assert_eq!(t.choose(4, 1, &r), Some(0));
    }

    #[test]
    fn unbalanced_bytes_become_the_active_ports_load() {
        let t = table();
        t.add_unbalanced(1000);
        t.add_unbalanced(500);
        assert_eq!(t.take_unbalanced_load(), 150);
        assert_eq!(t.take_unbalanced_load(), 0);
    }

    #[test]
    fn reset_forgets_history() {
        let t = table();
        let p = Ports::new(&[(1000, true)]);
        t.choose(9, 1000, &p);
        t.clear_port(0, true);
        t.reset();
        p.zero(0);
        t.choose(9, 1, &p);
        assert_eq!(p.load(0), 0);
    }
}
