//! Shared by the `attribute_*` tests: a recorder of when each attempt began, on tokio's
//! clock, and an error type with unit, tuple and struct variants.
#![allow(dead_code)]

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use retry_runtime::Elapsed;
use tokio::time::Instant;

/// When each attempt began, on tokio's (paused) clock. Annotated functions take it by
/// reference, so each test has its own and tests never share state.
#[derive(Debug, Default)]
pub(crate) struct Attempts(Mutex<Vec<Instant>>);

impl Attempts {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Records an attempt beginning now; returns its number, counting from 1.
    pub(crate) fn begin(&self) -> u32 {
        let mut times = self.0.lock().unwrap();
        times.push(Instant::now());
        u32::try_from(times.len()).unwrap()
    }

    /// How many attempts began.
    pub(crate) fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// The time between consecutive attempts: the sleeps, plus whatever the attempts took.
    pub(crate) fn gaps(&self) -> Vec<Duration> {
        let times = self.0.lock().unwrap();
        times.windows(2).map(|w| w[1] - w[0]).collect()
    }

    /// When each attempt began, counted from the first.
    pub(crate) fn offsets(&self) -> Vec<Duration> {
        let times = self.0.lock().unwrap();
        times.iter().map(|t| *t - times[0]).collect()
    }
}

pub(crate) fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub(crate) fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// tokio's timer counts whole milliseconds: a sleep of `d` moves the paused clock by `d`
/// rounded up to the next millisecond.
pub(crate) fn timer_rounded(d: Duration) -> Duration {
    let nanos = d.as_nanos().div_ceil(1_000_000) * 1_000_000;
    Duration::from_nanos(u64::try_from(nanos).unwrap())
}

/// An error as an LLM client might have it: unit, tuple and struct variants.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LlmError {
    RateLimit,
    Overload(u32),
    Http { status: u16, attempt: u32 },
    Status(u16),
    BadRequest,
    TimedOut(Elapsed),
}

impl LlmError {
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            Self::RateLimit | Self::Overload(_) | Self::TimedOut(_) => true,
            Self::Http { status, .. } | Self::Status(status) => *status == 429 || *status >= 500,
            Self::BadRequest => false,
        }
    }
}

impl fmt::Display for LlmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RateLimit => f.write_str("rate limited"),
            Self::Overload(n) => write!(f, "overloaded (attempt {n})"),
            Self::Http { status, attempt } => write!(f, "http {status} (attempt {attempt})"),
            Self::Status(status) => write!(f, "status {status}"),
            Self::BadRequest => f.write_str("bad request"),
            Self::TimedOut(e) => write!(f, "{e}"),
        }
    }
}

impl From<Elapsed> for LlmError {
    fn from(e: Elapsed) -> Self {
        Self::TimedOut(e)
    }
}
