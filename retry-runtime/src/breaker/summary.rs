//! [`Summary`]: the packed atomic word that lets a closed breaker admit, and an open one
//! refuse, without taking the lock.

use super::{Machine, Phase, Tally};

/// The word [`CircuitBreaker::summary`] holds: the generation shifted left by four, and
/// one bit each for closed, a success that would change nothing (closed, a consecutive
/// count at zero), open until a known time, and isolated.
pub(super) struct Summary;

impl Summary {
    pub(super) const CLEAN: u64 = 0b0001;
    pub(super) const CLOSED: u64 = 0b0010;
    pub(super) const OPEN: u64 = 0b0100;
    pub(super) const ISOLATED: u64 = 0b1000;
    pub(super) const SHIFT: u32 = 4;
    /// The generations the word can hold.
    pub(super) const GENERATIONS: u64 = u64::MAX >> Self::SHIFT;

    pub(super) fn of(machine: &Machine, open_until: u64) -> u64 {
        let closed = matches!(machine.phase, Phase::Closed);
        let clean = closed && matches!(machine.tally, Tally::Consecutive(0));
        let open = matches!(machine.phase, Phase::Open { until: Some(_) }) && open_until != 0;
        let isolated = matches!(machine.phase, Phase::Isolated);
        machine.generation << Self::SHIFT
            | u64::from(isolated) << 3
            | u64::from(open) << 2
            | u64::from(closed) << 1
            | u64::from(clean)
    }

    pub(super) fn generation(word: u64) -> u64 {
        word >> Self::SHIFT
    }

    /// Whether a permit of `generation` may skip the lock to report a success.
    pub(super) fn success_is_noop(word: u64, generation: u64) -> bool {
        word & (Self::CLOSED | Self::CLEAN) == Self::CLOSED | Self::CLEAN && Self::generation(word) == generation
    }
}
