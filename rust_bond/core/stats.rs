// SPDX-License-Identifier: GPL-2.0

//! Folding a port's counters into the bond's (`bond_fold_stats()`).

/// The bond's total for one counter after a port's counter went from
/// `last` (what the bond last folded in) to `now`: it grows by the
/// difference, or not at all if the counter went backwards (drivers that
/// reset their counters at down/up), so the total never does. A counter
/// that has never left 32 bits (on both readings) is taken to wrap at 32
/// bits, as bonding.ko does for drivers with 32-bit counters.
pub(crate) fn fold(total: u64, now: u64, last: u64) -> u64 {
    let delta = if (now | last) >> 32 == 0 {
        i64::from((now as u32).wrapping_sub(last as u32) as i32)
    } else {
        now.wrapping_sub(last) as i64
    };
    if delta > 0 {
        total.wrapping_add(delta as u64)
    } else {
        total
    }
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn growth_is_added() {
        assert_eq!(fold(100, 50, 20), 130);
        assert_eq!(fold(0, 1 << 40, (1 << 40) - 5), 5);
    }

    #[test]
    fn a_reset_adds_nothing_and_counting_resumes_from_it() {
        // The port counted 1000, the bond folded them; the port reset.
        let mut total = fold(0, 1000, 0);
        assert_eq!(total, 1000);
        total = fold(total, 3, 1000);
        assert_eq!(total, 1000, "never backwards");
        // After the reset, the bond folds from the new reading.
        total = fold(total, 10, 3);
        assert_eq!(total, 1007);
    }

    #[test]
    fn thirty_two_bit_counters_wrap() {
        assert_eq!(fold(7, 0x10, 0xffff_fff0), 7 + 0x20);
    }

    #[test]
    fn folding_twice_counts_once() {
        // A release folds the port a last time; a read racing with it
        // folds again from what the release left: nothing more.
        let t = fold(0, 500, 100);
        assert_eq!(fold(t, 500, 500), t);
    }
}
