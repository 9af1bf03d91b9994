//! [`Machine`]: the state the breaker's mutex guards (its phase, generation, tally and
//! probes), and the tally that decides when a closed circuit trips.

use std::time::Instant;

use super::window::{CallWindow, TimeWindow};
use super::{BreakerState, SlidingWindow, Trip, at_or_above};

#[derive(Debug, Clone, Copy)]
pub(super) enum Phase {
    Closed,
    /// `until: None` when the cooldown overflows the clock.
    Open {
        until: Option<Instant>,
    },
    Isolated,
    HalfOpen,
}

impl Phase {
    pub(super) const fn state(self) -> BreakerState {
        match self {
            Self::Closed => BreakerState::Closed,
            Self::Open { .. } | Self::Isolated => BreakerState::Open,
            Self::HalfOpen => BreakerState::HalfOpen,
        }
    }
}

/// Everything the mutex guards.
#[derive(Debug)]
pub(super) struct Machine {
    pub(super) phase: Phase,
    /// Bumped on every change of phase; a permit reports only into its own generation.
    pub(super) generation: u64,
    pub(super) tally: Tally,
    /// Half-open probes admitted and not yet reported or given back, of any round: a probe
    /// still running when its round ended (another failed and re-opened the circuit) keeps
    /// its slot until it ends, so that no round admits a full set beside it.
    pub(super) probes_out: u32,
    pub(super) probe_successes: u32,
    pub(super) probe_failures: u32,
    /// The state changes made under the lock, announced once it is released (at most two in
    /// one critical section: open to half-open, then a probe's verdict).
    pub(super) changes: [Option<Change>; 2],
}

/// A state change to announce: from, to, and whether the circuit is isolated.
#[derive(Debug, Clone, Copy)]
pub(super) struct Change {
    pub(super) old: super::BreakerState,
    pub(super) new: super::BreakerState,
    pub(super) isolated: bool,
}

impl Machine {
    pub(super) const fn new(trip: Trip) -> Self {
        Self {
            phase: Phase::Closed,
            generation: 0,
            tally: Tally::new(trip),
            probes_out: 0,
            probe_successes: 0,
            probe_failures: 0,
            changes: [None, None],
        }
    }
}

/// The outcomes a closed circuit counts.
#[derive(Debug)]
pub(super) enum Tally {
    Consecutive(u32),
    Calls(CallWindow),
    Time(TimeWindow),
}

impl Tally {
    pub(super) const fn new(trip: Trip) -> Self {
        match trip {
            Trip::Consecutive(_) => Self::Consecutive(0),
            Trip::Ratio { window: SlidingWindow::Calls(size), .. } => Self::Calls(CallWindow::new(size)),
            Trip::Ratio { window: SlidingWindow::Time(span), .. } => Self::Time(TimeWindow::new(span)),
        }
    }

    /// Counts one outcome and tells whether the threshold is reached.
    pub(super) fn record(&mut self, failed: bool, now: impl Fn() -> Instant, trip: Trip) -> bool {
        let (failures, calls, minimum) = match (self, trip) {
            (Self::Consecutive(count), Trip::Consecutive(threshold)) => {
                *count = if failed { count.saturating_add(1) } else { 0 };
                return *count >= threshold;
            }
            (Self::Calls(window), Trip::Ratio { minimum_calls, .. }) => {
                window.record(failed);
                (window.failures, window.len, minimum_calls.min(window.size))
            }
            (Self::Time(window), Trip::Ratio { minimum_calls, .. }) => {
                window.record(failed, now());
                let (calls, failures) = window.totals();
                (failures, calls, minimum_calls)
            }
            _ => return false,
        };
        let Trip::Ratio { ppm, .. } = trip else {
            return false;
        };
        calls >= minimum && at_or_above(failures, calls, ppm)
    }

    pub(super) fn clear(&mut self) {
        match self {
            Self::Consecutive(count) => *count = 0,
            Self::Calls(window) => window.clear(),
            Self::Time(window) => window.clear(),
        }
    }
}
