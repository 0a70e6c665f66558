// SPDX-License-Identifier: GPL-2.0

//! Choosing the active port of an active-backup bond, exactly as
//! `bond_find_best_slave()` and `bond_choose_primary_or_current()` do in
//! 6.12 (including that, with equal `prio`, the first UP port in slave
//! order wins over the current one under `primary_reselect=always`).

use super::link::LinkState;

/// `primary_reselect` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reselect {
    Always = 0,
    Better = 1,
    Failure = 2,
}

impl Reselect {
    pub(crate) fn from_value(v: u64) -> Self {
        match v {
            1 => Reselect::Better,
            2 => Reselect::Failure,
            _ => Reselect::Always,
        }
    }
}

/// What selection needs to know of a port, in slave order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub(crate) link: LinkState,
    /// Ticks left of its updelay while `Back`.
    pub(crate) delay: u64,
    /// Running with carrier (`bond_slave_is_up()`).
    pub(crate) dev_up: bool,
    pub(crate) prio: i32,
    /// Mb/s; 0 when unknown.
    pub(crate) speed: u32,
    /// 0 half, 1 full, 0xff unknown (`DUPLEX_*`).
    pub(crate) duplex: u8,
}

/// The bond-wide inputs of a selection.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Selection {
    pub(crate) primary: Option<usize>,
    pub(crate) current: Option<usize>,
    pub(crate) reselect: Reselect,
    /// Set when `primary` was just configured: switch to it if it is up.
    pub(crate) force_primary: bool,
    pub(crate) updelay: u64,
}

/// The port that should be active, if any (`bond_find_best_slave()`).
/// Returns it and whether `force_primary` was consumed.
#[cfg(test)]
pub(crate) fn find_best(ports: &[Candidate], sel: Selection) -> (Option<usize>, bool) {
    find_best_by(ports.len(), |i| ports[i], sel)
}

/// [`find_best`] over `n` ports that `at` describes: the caller needs no
/// room for them (a failover allocates nothing).
pub(crate) fn find_best_by(
    n: usize,
    at: impl Fn(usize) -> Candidate,
    sel: Selection,
) -> (Option<usize>, bool) {
    let (choice, consumed) = primary_or_current(n, &at, sel);
    if choice.is_some() {
        return (choice, consumed);
    }
    let mut best = None;
    let mut mintime = sel.updelay;
    for i in 0..n {
        let p = at(i);
        if p.link == LinkState::Up {
            return (Some(i), consumed);
        }
        if p.link == LinkState::Back && p.dev_up && p.delay < mintime {
            mintime = p.delay;
            best = Some(i);
        }
    }
    (best, consumed)
}

fn primary_or_current(
    n: usize,
    at: &impl Fn(usize) -> Candidate,
    sel: Selection,
) -> (Option<usize>, bool) {
    let up = |i: Option<usize>| i.filter(|&i| i < n && at(i).link == LinkState::Up);
    let curr = sel.current;
    let prim = match up(sel.primary) {
        Some(prim) => {
            if sel.force_primary {
                return (Some(prim), true);
            }
            prim
        }
        None => {
            // The highest prio UP port; the first one among equals.
            let mut hprio: Option<(usize, i32)> = None;
            for i in 0..n {
                let p = at(i);
                let higher = match hprio {
                    Some((_, h)) => p.prio > h,
                    None => true,
                };
                if p.link == LinkState::Up && higher {
                    hprio = Some((i, p.prio));
                }
            }
            match hprio {
                Some((h, _)) if Some(h) != curr => h,
                _ => return (up(curr), false),
            }
        }
    };
    let Some(curr) = up(curr) else {
        return (Some(prim), false);
    };
    // Both are up.
    let (p, c) = (at(prim), at(curr));
    let choice = match sel.reselect {
        Reselect::Always => prim,
        Reselect::Better => {
            if p.speed < c.speed || (p.speed == c.speed && p.duplex <= c.duplex) {
                curr
            } else {
                prim
            }
        }
        Reselect::Failure => curr,
    };
    (Some(choice), false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use LinkState::*;

    fn port(link: LinkState) -> Candidate {
        Candidate {
            link,
            delay: 0,
            dev_up: link != Down,
            prio: 0,
            speed: 10000,
            duplex: 1,
        }
    }

    fn sel(primary: Option<usize>, current: Option<usize>, reselect: Reselect) -> Selection {
        Selection {
            primary,
            current,
            reselect,
            force_primary: false,
            updelay: 0,
        }
    }

    /// (ports, primary, current, reselect, expected)
    #[test]
    fn table() {
        use Reselect::*;
        let cases: &[(
            &[LinkState],
            Option<usize>,
            Option<usize>,
            Reselect,
            Option<usize>,
        )] = &[
            // No primary: keep a working current port ...
            (&[Down, Up], None, Some(1), Always, Some(1)),
            // ... but the first UP port wins under "always" (6.12 prio logic).
            (&[Up, Up], None, Some(1), Always, Some(0)),
            (&[Up, Up], None, Some(1), Failure, Some(1)),
            (&[Up, Up], None, Some(1), Better, Some(1)),
            // Current down: the first UP port.
            (&[Down, Up, Up], None, Some(0), Always, Some(1)),
            // Nothing up.
            (&[Down, Down], None, Some(0), Always, None),
            (&[], None, None, Always, None),
            // Primary up and current up: policy decides.
            (&[Up, Up], Some(0), Some(1), Always, Some(0)),
            (&[Up, Up], Some(0), Some(1), Better, Some(1)),
            (&[Up, Up], Some(0), Some(1), Failure, Some(1)),
            // Current down: the primary under every policy.
            (&[Up, Down], Some(0), Some(1), Failure, Some(0)),
            // Primary down: current stays.
            (&[Down, Up], Some(0), Some(1), Always, Some(1)),
            // No current: the primary.
            (&[Up, Up], Some(1), None, Failure, Some(1)),
        ];
        for (links, primary, current, reselect, want) in cases {
            let ports: std::vec::Vec<_> = links.iter().map(|l| port(*l)).collect();
            let (got, _) = find_best(&ports, sel(*primary, *current, *reselect));
            assert_eq!(
                got, *want,
                "{links:?} primary {primary:?} current {current:?} {reselect:?}"
            );
        }
    }

    #[test]
    fn better_compares_speed_then_duplex() {
        let mut ports = [port(Up), port(Up)];
        ports[0].speed = 20000;
        let s = sel(Some(0), Some(1), Reselect::Better);
        assert_eq!(find_best(&ports, s).0, Some(0));
        ports[0].speed = 10000;
        ports[0].duplex = 0;
        assert_eq!(find_best(&ports, s).0, Some(1));
    }

    #[test]
    fn force_primary_overrides_failure_policy_once() {
        let ports = [port(Up), port(Up)];
        let mut s = sel(Some(0), Some(1), Reselect::Failure);
        s.force_primary = true;
        assert_eq!(find_best(&ports, s), (Some(0), true));
    }

    #[test]
    fn without_up_ports_the_soonest_back_one() {
        let mut ports = [port(Back), port(Back), port(Back)];
        ports[0].delay = 3;
        ports[1].delay = 1;
        ports[2].delay = 2;
        let mut s = sel(None, None, Reselect::Always);
        s.updelay = 5;
        assert_eq!(find_best(&ports, s).0, Some(1));
        // A port whose device is not up does not count.
        ports[1].dev_up = false;
        assert_eq!(find_best(&ports, s).0, Some(2));
    }

    #[test]
    fn higher_prio_wins_without_primary() {
        let mut ports = [port(Up), port(Up)];
        ports[1].prio = 5;
        assert_eq!(
            find_best(&ports, sel(None, Some(0), Reselect::Always)).0,
            Some(1)
        );
    }
}
