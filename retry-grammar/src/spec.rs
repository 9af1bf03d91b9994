//! What a checked term means: typed, every rule already applied, values either known or
//! left for the compiler to evaluate.

use core::time::Duration;

use crate::table::{StopKind, Strategy, WaitKind};

/// A duration argument.
///
/// ```
/// use retry_grammar::Delay;
/// use std::time::Duration;
/// assert_eq!(Delay::<()>::Known(Duration::from_secs(1)).known(), Some(Duration::from_secs(1)));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Delay<S> {
    /// A literal, read.
    Known(Duration),
    /// An expression at `at`, to be evaluated later; when `positive_for` names a strategy or
    /// key, a zero must be refused with [`Problem::ZeroDuration`](crate::Problem::ZeroDuration).
    Later {
        /// Where the expression is.
        at: S,
        /// The strategy or key that needs it above zero.
        positive_for: Option<&'static str>,
    },
}

impl<S> Delay<S> {
    /// The value, when it is known.
    ///
    /// ```
    /// assert_eq!(retry_grammar::Delay::Later { at: (), positive_for: None }.known(), None);
    /// ```
    pub const fn known(&self) -> Option<Duration> {
        match self {
            Self::Known(d) => Some(*d),
            Self::Later { .. } => None,
        }
    }
}

/// `N` of `attempts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Count<S> {
    /// A literal, at least 1.
    Known(u32),
    /// An expression at this span, checked by the compiler.
    Later(S),
}

/// `FRACTION` of `scaled_jitter`.
#[derive(Debug, Clone, PartialEq)]
pub enum Fraction<S> {
    /// A literal, from 0 to 1.
    Known(f64),
    /// An expression at this span, checked by the compiler.
    Later(S),
}

/// `BASE` of `exponential`.
#[derive(Debug, Clone, PartialEq)]
pub enum Base<S> {
    /// A literal, at least 1.
    Known(f64),
    /// An expression at this span, checked by the compiler.
    Later(S),
}

/// A checked stop condition; `at` is where its name is.
///
/// ```
/// use retry_grammar::{StopSpec, Delay};
/// use std::time::Duration;
/// let both = StopSpec::Either(vec![
///     StopSpec::Deadline { limit: Delay::Known(Duration::from_secs(30)), at: () },
///     StopSpec::Deadline { limit: Delay::Known(Duration::from_secs(10)), at: () },
/// ]);
/// assert_eq!(both.deadline(), Some(Duration::from_secs(10)));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum StopSpec<S> {
    /// `attempts(N)`.
    Attempts {
        /// N.
        count: Count<S>,
        /// Where the name is.
        at: S,
    },
    /// `elapsed(D)`.
    Elapsed {
        /// D.
        limit: Delay<S>,
        /// Where the name is.
        at: S,
    },
    /// `deadline(D)`.
    Deadline {
        /// D.
        limit: Delay<S>,
        /// Where the name is.
        at: S,
    },
    /// `never`.
    Never {
        /// Where the name is.
        at: S,
    },
    /// `A | B | …`: stop when any does.
    Either(Vec<StopSpec<S>>),
    /// `A & B & …`: stop when all do.
    Both(Vec<StopSpec<S>>),
}

impl<S> StopSpec<S> {
    /// The deadline the literals imply: the earliest of `|`, the latest of `&`.
    ///
    /// ```
    /// assert_eq!(retry_grammar::StopSpec::Never { at: () }.deadline(), None);
    /// ```
    pub fn deadline(&self) -> Option<Duration> {
        match self {
            Self::Deadline { limit, .. } => limit.known(),
            Self::Either(all) => all.iter().filter_map(Self::deadline).min(),
            Self::Both(all) => all.iter().map(Self::deadline).collect::<Option<Vec<_>>>()?.into_iter().max(),
            Self::Attempts { .. } | Self::Elapsed { .. } | Self::Never { .. } => None,
        }
    }

    /// Whether it reads the time since the first attempt.
    ///
    /// ```
    /// assert!(!retry_grammar::StopSpec::Never { at: () }.is_timed());
    /// ```
    pub fn is_timed(&self) -> bool {
        match self {
            Self::Elapsed { .. } | Self::Deadline { .. } => true,
            Self::Either(all) | Self::Both(all) => all.iter().any(Self::is_timed),
            Self::Attempts { .. } | Self::Never { .. } => false,
        }
    }

    /// The table entry of a leaf; `None` for `|` and `&`.
    ///
    /// ```
    /// use retry_grammar::StopSpec;
    /// assert_eq!(StopSpec::Never { at: () }.strategy().map(|s| s.name), Some("never"));
    /// ```
    pub fn strategy(&self) -> Option<&'static Strategy> {
        let kind = match self {
            Self::Attempts { .. } => StopKind::Attempts,
            Self::Elapsed { .. } => StopKind::Elapsed,
            Self::Deadline { .. } => StopKind::Deadline,
            Self::Never { .. } => StopKind::Never,
            Self::Either(_) | Self::Both(_) => return None,
        };
        Some(Strategy::stop(kind))
    }
}

/// A checked wait strategy; `at` is where its name is.
///
/// ```
/// use retry_grammar::{WaitSpec, Delay};
/// use std::time::Duration;
/// let fixed = WaitSpec::Fixed { delay: Delay::Known(Duration::from_secs(1)), at: () };
/// assert_eq!(fixed.strategy().map(|s| s.name), Some("fixed"));
/// assert!(!fixed.remembers());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum WaitSpec<S> {
    /// `none`.
    None {
        /// Where the name is.
        at: S,
    },
    /// `fixed(D)`.
    Fixed {
        /// D.
        delay: Delay<S>,
        /// Where the name is.
        at: S,
    },
    /// `random(MIN, MAX)`.
    Random {
        /// MIN.
        min: Delay<S>,
        /// MAX.
        max: Delay<S>,
        /// Where the name is.
        at: S,
    },
    /// `exponential(INITIAL, MAX[, BASE])`.
    Exponential {
        /// INITIAL.
        initial: Delay<S>,
        /// MAX.
        max: Delay<S>,
        /// BASE, when given.
        base: Option<Base<S>>,
        /// Where the name is.
        at: S,
    },
    /// `exp_jitter(INITIAL, MAX, JITTER)`.
    ExpJitter {
        /// INITIAL.
        initial: Delay<S>,
        /// MAX.
        max: Delay<S>,
        /// JITTER.
        jitter: Delay<S>,
        /// Where the name is.
        at: S,
    },
    /// `full_jitter`, `equal_jitter` or `decorrelated_jitter` `(BASE, CAP)`.
    Jitter {
        /// Which of the three.
        kind: WaitKind,
        /// BASE.
        base: Delay<S>,
        /// CAP.
        cap: Delay<S>,
        /// Where the name is.
        at: S,
    },
    /// `incrementing(START, STEP, MAX)`.
    Incrementing {
        /// START.
        start: Delay<S>,
        /// STEP.
        step: Delay<S>,
        /// MAX.
        max: Delay<S>,
        /// Where the name is.
        at: S,
    },
    /// `decrementing(START, STEP, FLOOR)`.
    Decrementing {
        /// START.
        start: Delay<S>,
        /// STEP.
        step: Delay<S>,
        /// FLOOR.
        floor: Delay<S>,
        /// Where the name is.
        at: S,
    },
    /// `scaled_jitter(INITIAL, MAX, FRACTION)`.
    ScaledJitter {
        /// INITIAL.
        initial: Delay<S>,
        /// MAX.
        max: Delay<S>,
        /// FRACTION.
        fraction: Fraction<S>,
        /// Where the name is.
        at: S,
    },
    /// `chain(W1, W2, …)`, 1 to [`CHAIN_MAX`](crate::CHAIN_MAX) of them.
    Chain {
        /// The strategies in turn.
        waits: Vec<WaitSpec<S>>,
        /// Where the name is.
        at: S,
    },
    /// `A + B + …`.
    Sum(Vec<WaitSpec<S>>),
}

impl<S> WaitSpec<S> {
    /// The table entry of a strategy; `None` for `+`.
    ///
    /// ```
    /// assert_eq!(retry_grammar::WaitSpec::<()>::Sum(vec![]).strategy(), None);
    /// ```
    pub fn strategy(&self) -> Option<&'static Strategy> {
        let kind = match self {
            Self::None { .. } => WaitKind::None,
            Self::Fixed { .. } => WaitKind::Fixed,
            Self::Random { .. } => WaitKind::Random,
            Self::Exponential { .. } => WaitKind::Exponential,
            Self::ExpJitter { .. } => WaitKind::ExpJitter,
            Self::Jitter { kind, .. } => *kind,
            Self::Incrementing { .. } => WaitKind::Incrementing,
            Self::Decrementing { .. } => WaitKind::Decrementing,
            Self::ScaledJitter { .. } => WaitKind::ScaledJitter,
            Self::Chain { .. } => WaitKind::Chain,
            Self::Sum(_) => return None,
        };
        Some(Strategy::wait(kind))
    }

    /// Whether it remembers the previous delay (`decorrelated_jitter`).
    ///
    /// ```
    /// assert!(!retry_grammar::WaitSpec::<()>::None { at: () }.remembers());
    /// ```
    pub fn remembers(&self) -> bool {
        match self {
            Self::Jitter { kind, .. } => *kind == WaitKind::DecorrelatedJitter,
            Self::Chain { waits, .. } | Self::Sum(waits) => waits.iter().any(Self::remembers),
            _ => false,
        }
    }
}
