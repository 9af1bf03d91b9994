//! The typed error a policy built at run time returns instead of panicking.

use core::fmt;
use core::time::Duration;

use retry_grammar::Problem;

/// Why a [`RetryPolicy`](crate::RetryPolicy) could not be built: the run-time twin of the
/// attribute's compile errors.
///
/// ```
/// use retry_runtime::{PolicyError, RetryPolicy, stop::attempts};
///
/// let err = RetryPolicy::builder().stop(attempts(0)).build().unwrap_err();
/// assert_eq!(err, PolicyError::ZeroAttempts);
/// assert_eq!(err.to_string(), "`attempts(0)` never runs the function; use `attempts(1)` or more");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PolicyError {
    /// `attempts(0)`.
    ZeroAttempts,
    /// A duration that must be positive is zero.
    ZeroDuration {
        /// The strategy and argument, as the attribute spells them (`elapsed`, `fixed`).
        what: &'static str,
    },
    /// A strategy's first delay is larger than its cap (`exponential(10, 5)`).
    InitialExceedsMax {
        /// The strategy, as the attribute spells it.
        strategy: &'static str,
        /// The initial (or base, or minimum) delay.
        initial: Duration,
        /// The cap.
        max: Duration,
    },
    /// A growth base below 1 (`exponential(1, 60, 0.5)`) or not a finite number.
    InvalidBase {
        /// The base as given.
        base: f64,
    },
    /// A `scaled_jitter` fraction outside `0..=1` (or not a number).
    InvalidJitterFraction {
        /// The fraction as given.
        fraction: f64,
    },
    /// `chain()` with no strategy in it.
    EmptyChain,
    /// A per-attempt `timeout` longer than the `deadline` that bounds the whole call.
    TimeoutExceedsDeadline {
        /// The per-attempt timeout.
        timeout: Duration,
        /// The deadline.
        deadline: Duration,
    },
    /// A hedge that may start no hedge, or more than
    /// [`HEDGES_MAX`](retry_grammar::HEDGES_MAX) (`hedges = 0`, `hedges = 50`).
    InvalidHedges {
        /// The number given.
        hedges: u32,
    },
    /// Text given for a policy (configuration) that does not parse.
    Parse {
        /// What was wrong, lowercase, quoting the offending text.
        message: String,
    },
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The rules the attribute and configuration check too: one wording, the grammar's.
            Self::ZeroAttempts => Problem::ZeroAttempts.fmt(f),
            Self::ZeroDuration { what } => Problem::ZeroDuration { what }.fmt(f),
            Self::InitialExceedsMax { strategy, initial, max } => {
                Problem::Misordered { strategy, low: *initial, high: *max }.fmt(f)
            }
            Self::InvalidBase { base } => Problem::BaseBelowOne { base: *base }.fmt(f),
            Self::InvalidJitterFraction { fraction } => Problem::FractionOutOfRange { fraction: *fraction }.fmt(f),
            Self::EmptyChain => Problem::EmptyChain.fmt(f),
            Self::TimeoutExceedsDeadline { timeout, deadline } => {
                Problem::TimeoutExceedsDeadline { timeout: *timeout, deadline: *deadline }.fmt(f)
            }
            Self::InvalidHedges { hedges: 0 } => Problem::ZeroHedges.fmt(f),
            Self::InvalidHedges { hedges } => Problem::TooManyHedges { found: hedges.to_string() }.fmt(f),
            Self::Parse { message } => f.write_str(message),
        }
    }
}

impl std::error::Error for PolicyError {}
