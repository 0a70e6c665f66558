// SPDX-License-Identifier: GPL-2.0

//! The per-port link state machine of the MII monitor, as
//! `bond_miimon_inspect()` runs it: UP -> FAIL (downdelay) -> DOWN ->
//! BACK (updelay) -> UP, counted in monitor ticks.

/// A port's link state as the bond sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkState {
    Up,
    /// Link lost, waiting out `downdelay`.
    Fail,
    Down,
    /// Link back, waiting out `updelay`.
    Back,
}

impl LinkState {
    /// As sysfs `bonding_slave/mii_status` prints it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            LinkState::Up => "up",
            LinkState::Fail => "going down",
            LinkState::Down => "down",
            LinkState::Back => "going back",
        }
    }

    /// Whether the port may carry traffic (only UP may).
    pub(crate) fn usable(self) -> bool {
        self == LinkState::Up
    }

    pub(crate) fn to_u8(self) -> u8 {
        self as u8
    }

    pub(crate) fn from_u8(v: u8) -> Self {
        match v {
            0 => LinkState::Up,
            1 => LinkState::Fail,
            2 => LinkState::Down,
            _ => LinkState::Back,
        }
    }
}

/// What one tick of the monitor did to a port; the driver logs it (with
/// bonding's messages) and commits `Up`/`Down`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Nothing changed.
    Same,
    /// Link lost; the port goes down in `ms` unless it comes back.
    DownIn { ms: u64 },
    /// Link back during downdelay, after `ms`: still up.
    UpAgain { ms: u64 },
    /// The port is now down.
    Down,
    /// Link back; the port goes up in `ms` unless it drops again.
    UpIn { ms: u64 },
    /// Link lost during updelay, after `ms`: still down.
    DownAgain { ms: u64 },
    /// The port is now up.
    Up,
}

/// Delays in monitor ticks, and the interval they are counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Delays {
    pub(crate) miimon_ms: u64,
    pub(crate) updelay: u64,
    pub(crate) downdelay: u64,
}

/// A port's monitor state: the link state and the ticks left of a delay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PortLink {
    pub(crate) state: LinkState,
    delay: u64,
}

impl PortLink {
    pub(crate) const fn new(state: LinkState) -> Self {
        Self { state, delay: 0 }
    }

    /// A port entering `state` with `delay` ticks of delay ahead.
    pub(crate) const fn with_delay(state: LinkState, delay: u64) -> Self {
        Self { state, delay }
    }

    /// Ticks left of the current up or down delay.
    pub(crate) fn delay(&self) -> u64 {
        self.delay
    }

    /// One monitor tick with the port's current carrier `link_ok`.
    /// `no_active` is true when the bond has no active port: the first
    /// port to come back then skips updelay, as bonding's
    /// `ignore_updelay` does.
    pub(crate) fn tick(&mut self, link_ok: bool, d: Delays, no_active: bool) -> Step {
        let mut step = Step::Same;
        match self.state {
            LinkState::Up => {
                if link_ok {
                    return Step::Same;
                }
                self.state = LinkState::Fail;
                self.delay = d.downdelay;
                if self.delay > 0 {
                    step = Step::DownIn {
                        ms: d.downdelay * d.miimon_ms,
                    };
                }
                // Falls through to FAIL within the same tick.
                return self.fail(link_ok, d, step);
            }
            LinkState::Fail => return self.fail(link_ok, d, step),
            LinkState::Down => {
                if !link_ok {
                    return Step::Same;
                }
                self.state = LinkState::Back;
                self.delay = d.updelay;
                if self.delay > 0 {
                    step = Step::UpIn {
                        ms: d.updelay * d.miimon_ms,
                    };
                }
                // Falls through to BACK within the same tick.
            }
            LinkState::Back => {}
        }
        // BACK
        if !link_ok {
            self.state = LinkState::Down;
            return Step::DownAgain {
                ms: (d.updelay - self.delay) * d.miimon_ms,
            };
        }
        if no_active {
            self.delay = 0;
        }
        if self.delay == 0 {
            self.state = LinkState::Up;
            return Step::Up;
        }
        self.delay -= 1;
        step
    }

    fn fail(&mut self, link_ok: bool, d: Delays, step: Step) -> Step {
        if link_ok {
            self.state = LinkState::Up;
            return Step::UpAgain {
                ms: (d.downdelay - self.delay) * d.miimon_ms,
            };
        }
        if self.delay == 0 {
            self.state = LinkState::Down;
            return Step::Down;
        }
        self.delay -= 1;
        step
    }

    /// A carrier or up/down event of the port, acted on at once instead
    /// of at the next tick. Only transitions that start or cancel a delay
    /// (or decide without one) happen here; counting a delay down stays
    /// with the monitor's ticks, so up- and downdelay last as long as with
    /// polling alone.
    pub(crate) fn event(&mut self, link_ok: bool, d: Delays, no_active: bool) -> Step {
        match (self.state, link_ok) {
            // A delay starts in full: the event is not a tick.
            (LinkState::Up, false) => {
                self.delay = d.downdelay;
                if self.delay == 0 {
                    self.state = LinkState::Down;
                    return Step::Down;
                }
                self.state = LinkState::Fail;
                Step::DownIn {
                    ms: d.downdelay * d.miimon_ms,
                }
            }
            (LinkState::Down, true) => {
                self.delay = if no_active { 0 } else { d.updelay };
                if self.delay == 0 {
                    self.state = LinkState::Up;
                    return Step::Up;
                }
                self.state = LinkState::Back;
                Step::UpIn {
                    ms: d.updelay * d.miimon_ms,
                }
            }
            // Cancelling a delay is the same as at a tick.
            (LinkState::Fail, true) | (LinkState::Back, false) => self.tick(link_ok, d, no_active),
            _ => Step::Same,
        }
    }
}

/// Rounds a delay in ms to monitor ticks as bonding does (down to a
/// multiple of miimon); returns the ticks and whether rounding changed it.
pub(crate) fn ms_to_ticks(ms: u64, miimon_ms: u64) -> (u64, bool) {
    if miimon_ms == 0 {
        return (0, ms != 0);
    }
    (ms / miimon_ms, ms % miimon_ms != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use LinkState::*;

    const D0: Delays = Delays {
        miimon_ms: 100,
        updelay: 0,
        downdelay: 0,
    };
    const D2: Delays = Delays {
        miimon_ms: 100,
        updelay: 2,
        downdelay: 3,
    };

    /// Runs ticks with the given carrier samples; returns the states and
    /// steps after each tick.
    fn run(
        start: LinkState,
        d: Delays,
        samples: &[bool],
        no_active: bool,
    ) -> std::vec::Vec<(LinkState, Step)> {
        let mut p = PortLink::new(start);
        samples
            .iter()
            .map(|ok| {
                let s = p.tick(*ok, d, no_active);
                (p.state, s)
            })
            .collect()
    }

    #[test]
    fn without_delays_one_tick_decides() {
        assert_eq!(run(Up, D0, &[false], false), [(Down, Step::Down)]);
        assert_eq!(run(Down, D0, &[true], false), [(Up, Step::Up)]);
        assert_eq!(run(Up, D0, &[true, true], false), [(Up, Step::Same); 2]);
    }

    #[test]
    fn downdelay_counts_ticks_then_goes_down() {
        let r = run(Up, D2, &[false, false, false, false], false);
        assert_eq!(r[0], (Fail, Step::DownIn { ms: 300 }));
        assert_eq!(r[1], (Fail, Step::Same));
        assert_eq!(r[2], (Fail, Step::Same));
        assert_eq!(r[3], (Down, Step::Down));
    }

    #[test]
    fn recovery_during_downdelay_reports_elapsed_time() {
        let r = run(Up, D2, &[false, false, true], false);
        assert_eq!(r[2], (Up, Step::UpAgain { ms: 200 }));
    }

    #[test]
    fn updelay_counts_ticks_then_goes_up() {
        let r = run(Down, D2, &[true, true, true], false);
        assert_eq!(r[0], (Back, Step::UpIn { ms: 200 }));
        assert_eq!(r[1], (Back, Step::Same));
        assert_eq!(r[2], (Up, Step::Up));
    }

    #[test]
    fn loss_during_updelay_goes_back_down() {
        let r = run(Down, D2, &[true, true, false], false);
        assert_eq!(r[2], (Down, Step::DownAgain { ms: 200 }));
    }

    #[test]
    fn first_port_back_without_active_skips_updelay() {
        assert_eq!(run(Down, D2, &[true], true), [(Up, Step::Up)]);
    }

    #[test]
    fn events_act_at_once_but_do_not_count_delays() {
        let mut p = PortLink::new(Up);
        assert_eq!(p.event(false, D0, false), Step::Down);
        assert_eq!(p.state, Down);
        assert_eq!(p.event(true, D0, false), Step::Up);
        let mut p = PortLink::new(Up);
        assert_eq!(p.event(false, D2, false), Step::DownIn { ms: 300 });
        assert_eq!(p.state, Fail);
        // The whole downdelay is still ahead; more "down" events do not
        // shorten it ...
        assert_eq!(p.delay(), 3);
        assert_eq!(p.event(false, D2, false), Step::Same);
        assert_eq!(p.delay(), 3);
        // ... but a recovery cancels it at once.
        assert_eq!(p.event(true, D2, false), Step::UpAgain { ms: 0 });
        // Back from down with an updelay: the delay starts, nothing more.
        let mut p = PortLink::new(Down);
        assert_eq!(p.event(true, D2, false), Step::UpIn { ms: 200 });
        assert_eq!(p.event(true, D2, false), Step::Same);
        assert_eq!((p.state, p.delay()), (Back, 2));
        // Without an active port the first one back skips updelay.
        let mut p = PortLink::new(Down);
        assert_eq!(p.event(true, D2, true), Step::Up);
    }

    #[test]
    fn event_then_ticks_wait_the_full_downdelay() {
        // Lost between ticks: DOWN only on the 4th tick after (3 ticks of
        // delay fully elapsed), never earlier than polling would allow.
        let mut p = PortLink::new(Up);
        p.event(false, D2, false);
        let steps: std::vec::Vec<_> = (0..4).map(|_| p.tick(false, D2, false)).collect();
        assert_eq!(steps, [Step::Same, Step::Same, Step::Same, Step::Down]);
    }

    #[test]
    fn rounding_to_ticks() {
        assert_eq!(ms_to_ticks(250, 100), (2, true));
        assert_eq!(ms_to_ticks(200, 100), (2, false));
        assert_eq!(ms_to_ticks(0, 100), (0, false));
        assert_eq!(ms_to_ticks(50, 0), (0, true));
    }

    #[test]
    fn names_as_sysfs_prints_them() {
        let names: std::vec::Vec<_> = [Up, Fail, Down, Back].iter().map(|s| s.name()).collect();
        assert_eq!(names, ["up", "going down", "down", "going back"]);
        for s in [Up, Fail, Down, Back] {
            assert_eq!(LinkState::from_u8(s.to_u8()), s);
        }
    }
}
