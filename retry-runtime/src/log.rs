//! The default `tracing` events: one per retry, one when the call gives up.

use core::fmt;
use core::str::FromStr;
use core::time::Duration;

use retry_grammar::{Level, Problem, snippet};

use crate::PolicyError;

/// At which level the default events are emitted, or `Off`.
///
/// Each retry emits one event at this level just before its sleep, with the fields
/// `function`, `attempt`, `delay` and `error`; giving up emits one event a level higher
/// (`Warn` retries give up at `Error`). A first-try success emits nothing.
///
/// # Default
/// `Warn`, with hooks or without: a hook added for metrics does not turn the log off.
/// Write `log = off` (or [`LogLevel::Off`]) to silence the default events.
///
/// ```
/// use retry_runtime::LogLevel;
/// assert_eq!(LogLevel::Warn.give_up_level(), LogLevel::Error);
/// assert_eq!(LogLevel::Error.give_up_level(), LogLevel::Error);
/// assert_eq!(LogLevel::Off.give_up_level(), LogLevel::Off);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogLevel {
    /// No default events.
    Off,
    /// `tracing::Level::TRACE`.
    Trace,
    /// `tracing::Level::DEBUG`.
    Debug,
    /// `tracing::Level::INFO`.
    Info,
    /// `tracing::Level::WARN`.
    Warn,
    /// `tracing::Level::ERROR`.
    Error,
}

impl LogLevel {
    /// The level of the event emitted when the call gives up: one above this one.
    pub const fn give_up_level(self) -> Self {
        match self {
            Self::Off => Self::Off,
            Self::Trace => Self::Debug,
            Self::Debug => Self::Info,
            Self::Info => Self::Warn,
            Self::Warn | Self::Error => Self::Error,
        }
    }
}

impl LogLevel {
    /// The runtime's level for the grammar's.
    pub(crate) const fn from_grammar(level: Level) -> Self {
        match level {
            Level::Off => Self::Off,
            Level::Trace => Self::Trace,
            Level::Debug => Self::Debug,
            Level::Info => Self::Info,
            Level::Warn => Self::Warn,
            Level::Error => Self::Error,
        }
    }

    const fn to_grammar(self) -> Level {
        match self {
            Self::Off => Level::Off,
            Self::Trace => Level::Trace,
            Self::Debug => Level::Debug,
            Self::Info => Level::Info,
            Self::Warn => Level::Warn,
            Self::Error => Level::Error,
        }
    }
}

/// Reads `off`, `trace`, `debug`, `info`, `warn` or `error`, in any case (as `tracing`
/// and `RUST_LOG` read levels).
///
/// ```
/// use retry_runtime::LogLevel;
/// assert_eq!("warn".parse(), Ok(LogLevel::Warn));
/// assert_eq!("OFF".parse(), Ok(LogLevel::Off));
/// assert_eq!(
///     "warning".parse::<LogLevel>().unwrap_err().to_string(),
///     "unknown log level `warning` (did you mean `warn`?); \
///      expected one of `off`, `trace`, `debug`, `info`, `warn` or `error`"
/// );
/// ```
impl FromStr for LogLevel {
    type Err = PolicyError;

    fn from_str(text: &str) -> Result<Self, PolicyError> {
        let text = text.trim();
        Level::parse(text)
            .map(Self::from_grammar)
            .ok_or_else(|| PolicyError::Parse { message: Problem::UnknownLevel { found: snippet(text) }.to_string() })
    }
}

/// The word [`FromStr`] reads: `warn`, `off`.
///
/// ```
/// use retry_runtime::LogLevel;
/// assert_eq!(LogLevel::Debug.to_string(), "debug");
/// ```
impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.to_grammar().name())
    }
}

macro_rules! event_at {
    ($level:expr, $($rest:tt)*) => {
        match $level {
            LogLevel::Off => {}
            LogLevel::Trace => tracing::event!(target: "retry", tracing::Level::TRACE, $($rest)*),
            LogLevel::Debug => tracing::event!(target: "retry", tracing::Level::DEBUG, $($rest)*),
            LogLevel::Info => tracing::event!(target: "retry", tracing::Level::INFO, $($rest)*),
            LogLevel::Warn => tracing::event!(target: "retry", tracing::Level::WARN, $($rest)*),
            LogLevel::Error => tracing::event!(target: "retry", tracing::Level::ERROR, $($rest)*),
        }
    };
}

/// Whether an event at `level` could be recorded: two loads and compares, inlined, so that
/// without a subscriber (or below its level) no error is formatted and no call is made.
#[inline]
pub(crate) fn enabled(level: LogLevel) -> bool {
    let level = match level {
        LogLevel::Off => return false,
        LogLevel::Trace => tracing::Level::TRACE,
        LogLevel::Debug => tracing::Level::DEBUG,
        LogLevel::Info => tracing::Level::INFO,
        LogLevel::Warn => tracing::Level::WARN,
        LogLevel::Error => tracing::Level::ERROR,
    };
    tracing::level_enabled!(level)
}

/// One retry is about to sleep.
pub(crate) fn retrying(level: LogLevel, function: &str, attempt: u32, delay: Duration, error: &dyn fmt::Display) {
    // Jitter draws nanoseconds; a person reading the log wants milliseconds.
    let delay = if delay >= Duration::from_millis(1) {
        Duration::from_millis(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX))
    } else {
        delay
    };
    event_at!(level, function, attempt, ?delay, %error, "attempt failed; retrying");
}

/// The call gives up and returns its last outcome.
pub(crate) fn giving_up(level: LogLevel, function: &str, attempt: u32, reason: &str, error: &dyn fmt::Display) {
    event_at!(level.give_up_level(), function, attempt, reason, %error, "giving up");
}

/// The call gave up, and its fallback runs now.
pub(crate) fn falling_back(level: LogLevel, function: &str, attempt: u32) {
    event_at!(level.give_up_level(), function, attempt, "gave up; calling the fallback");
}

/// An attempt has run for the hedge's delay: another starts beside it.
pub(crate) fn hedging(level: LogLevel, function: &str, attempt: u32, after: Duration) {
    event_at!(level, function, attempt, ?after, "attempt still running; hedge started");
}
