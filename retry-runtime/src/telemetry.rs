//! Metrics through the [`metrics`](https://docs.rs/metrics) facade: the names and labels of
//! every instrument this crate records, and where each is recorded.
//!
//! Needs the `metrics` feature.
//!
//! Why `metrics` rather than `opentelemetry`: it is a facade, as `log` and `tracing` are.
//! The library records and the application chooses the exporter (Prometheus with
//! `metrics-exporter-prometheus`, OTLP with `metrics-exporter-opentelemetry`, StatsD, …), so
//! this crate carries no exporter, no runtime and no SDK; and until a recorder is
//! installed every instrument is a no-op, at the cost of one load of the global recorder.
//!
//! | instrument | kind | labels | recorded |
//! |---|---|---|---|
//! | [`ATTEMPTS`] | counter | `function`, `outcome` = `success` \| `retryable` \| `not_retryable` | once per attempt that ran; the only instrument a first-try success touches |
//! | [`RETRIES`] | counter | `function`, `outcome` = `error` \| `timeout` | once per retry decided, before its sleep |
//! | [`GIVE_UPS`] | counter | `function`, `reason` = `stop` \| `deadline` \| `budget` \| `breaker` \| `limiter_or_bulkhead` \| `server_delay_too_long` \| `not_retryable` | once per call that ends with a failure (`other` for a reason added since) |
//! | [`DELAY`] | histogram, seconds | `function` | each sleep before a retry |
//! | [`HEDGES`] | counter | `function` | each hedge started beside an attempt still running (`hedge = after(D)`) |
//! | [`BREAKER_TRANSITIONS`] | counter | `breaker`, `from`, `to` = `closed` \| `open` \| `half_open` | each change of a breaker's state |
//! | [`BREAKER_STATE`] | gauge | `breaker` | 0 closed, 1 half-open, 2 open, after each change |
//! | [`BUDGET_REFUSALS`] | counter | `kind` = `error` \| `timeout` | each retry a budget could not pay for |
//! | [`LIMITER_WAIT`] | histogram, seconds | — | each wait of a rate limiter for a permit |
//! | [`ATTEMPT_DURATION`] | histogram, seconds | `function`, `outcome` as for [`ATTEMPTS`] | each attempt that ran, once [`time_attempts`]`(true)` was called (off by default: timing reads the clock twice an attempt) |
//!
//! `docs/metrics.md` sets them beside OpenTelemetry's semantic conventions and Polly v8's
//! meter.
//!
//! ```
//! use metrics_util::debugging::{DebugValue, DebuggingRecorder};
//! use retry_runtime::{RetryPolicy, stop::attempts, telemetry, wait::none};
//!
//! let recorder = DebuggingRecorder::new();
//! let snapshotter = recorder.snapshotter();
//! let policy = RetryPolicy::builder().name("fetch").stop(attempts(3)).wait(none()).build().unwrap();
//! metrics::with_local_recorder(&recorder, || {
//!     let mut n = 0;
//!     let _: Result<u32, &str> = policy.retry_blocking(|| { n += 1; if n < 2 { Err("busy") } else { Ok(n) } });
//! });
//! let counts: Vec<_> = snapshotter.snapshot().into_vec().into_iter()
//!     .filter_map(|(key, _, _, value)| match value {
//!         DebugValue::Counter(n) => Some((key.key().name().to_owned(), n)),
//!         _ => None,
//!     })
//!     .collect();
//! assert!(counts.contains(&(telemetry::RETRIES.to_owned(), 1)));
//! assert_eq!(counts.iter().filter(|(name, _)| name == telemetry::ATTEMPTS).map(|(_, n)| n).sum::<u64>(), 2);
//! ```

use core::time::Duration;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use metrics::{Key, Label, Level, Metadata};

use retry_grammar::{BREAKER, BUDGET, DEADLINE, RETRY_AFTER_MAX, STOP, TIMEOUT};

use crate::BreakerState;
use crate::budget::RetryKind;

/// Attempts that ran, by outcome (OpenTelemetry: a `…_total` counter; Polly:
/// `resilience.polly.strategy.attempt.duration`'s count). Needs the `metrics` feature.
///
/// ```
/// assert_eq!(retry_runtime::telemetry::ATTEMPTS, "retry_attempts_total");
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub const ATTEMPTS: &str = "retry_attempts_total";

/// Retries decided (Polly: `resilience.polly.strategy.events` with `event.name = OnRetry`).
/// Needs the `metrics` feature.
///
/// ```
/// assert_eq!(retry_runtime::telemetry::RETRIES, "retry_retries_total");
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub const RETRIES: &str = "retry_retries_total";

/// Calls that ended with a failure, by why no retry followed. Needs the `metrics` feature.
///
/// ```
/// assert_eq!(retry_runtime::telemetry::GIVE_UPS, "retry_give_ups_total");
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub const GIVE_UPS: &str = "retry_give_ups_total";

/// The sleeps before retries, in seconds. Needs the `metrics` feature.
///
/// ```
/// assert_eq!(retry_runtime::telemetry::DELAY, "retry_delay_seconds");
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub const DELAY: &str = "retry_delay_seconds";

/// Hedges started: an attempt still running after the hedge's delay, and another beside it
/// (Polly: `resilience.polly.strategy.events` with `event.name` = `OnHedging`).
/// Needs the `metrics` feature.
///
/// ```
/// assert_eq!(retry_runtime::telemetry::HEDGES, "retry_hedges_total");
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub const HEDGES: &str = "retry_hedges_total";

/// Changes of a circuit breaker's state (Polly: `resilience.polly.strategy.events` with
/// `event.name` = `OnCircuitOpened` / `OnHalfOpened` / `OnCircuitClosed`).
/// Needs the `metrics` feature.
///
/// ```
/// assert_eq!(retry_runtime::telemetry::BREAKER_TRANSITIONS, "retry_breaker_transitions_total");
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub const BREAKER_TRANSITIONS: &str = "retry_breaker_transitions_total";

/// A breaker's state after its last change: 0 closed, 1 half-open, 2 open.
/// Needs the `metrics` feature.
///
/// ```
/// assert_eq!(retry_runtime::telemetry::BREAKER_STATE, "retry_breaker_state");
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub const BREAKER_STATE: &str = "retry_breaker_state";

/// Retries a budget could not pay for. Needs the `metrics` feature.
///
/// ```
/// assert_eq!(retry_runtime::telemetry::BUDGET_REFUSALS, "retry_budget_refusals_total");
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub const BUDGET_REFUSALS: &str = "retry_budget_refusals_total";

/// A rate limiter's waits for a permit, in seconds. Needs the `metrics` feature.
///
/// ```
/// assert_eq!(retry_runtime::telemetry::LIMITER_WAIT, "retry_limiter_wait_seconds");
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub const LIMITER_WAIT: &str = "retry_limiter_wait_seconds";

/// How long each attempt ran, in seconds, by outcome (Polly:
/// `resilience.polly.strategy.attempt.duration`; OpenTelemetry: a `…duration` histogram in
/// seconds). Recorded only once [`time_attempts`]`(true)` was called: timing an attempt
/// reads the clock at its start and its end, which a first-try success otherwise never
/// does. Needs the `metrics` feature.
///
/// ```
/// assert_eq!(retry_runtime::telemetry::ATTEMPT_DURATION, "retry_attempt_duration_seconds");
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub const ATTEMPT_DURATION: &str = "retry_attempt_duration_seconds";

/// Whether attempts are timed, for every call in the process.
static TIMING: AtomicBool = AtomicBool::new(false);

/// Times every attempt from now on into [`ATTEMPT_DURATION`] (`true`), or stops (`false`,
/// the default). Process-wide, as a metrics recorder is; the clock is the policy's sleeper's
/// (tokio's, paused in tests). Off, it costs one relaxed load an attempt.
/// Needs the `metrics` feature.
///
/// ```
/// use metrics_util::debugging::{DebugValue, DebuggingRecorder};
/// use retry_runtime::{RetryPolicy, telemetry};
///
/// telemetry::time_attempts(true);
/// let recorder = DebuggingRecorder::new();
/// let snapshotter = recorder.snapshotter();
/// let policy = RetryPolicy::builder().name("timed").build().unwrap();
/// metrics::with_local_recorder(&recorder, || {
///     let _: Result<(), &str> = policy.retry_blocking(|| Ok(()));
/// });
/// telemetry::time_attempts(false);
/// let timed = snapshotter.snapshot().into_vec().into_iter().any(|(key, _, _, value)| {
///     key.key().name() == telemetry::ATTEMPT_DURATION && matches!(value, DebugValue::Histogram(ref s) if s.len() == 1)
/// });
/// assert!(timed);
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub fn time_attempts(on: bool) {
    TIMING.store(on, Ordering::Relaxed);
}

/// Whether [`time_attempts`] is on.
#[inline]
pub(crate) fn timing_attempts() -> bool {
    TIMING.load(Ordering::Relaxed)
}

/// When an attempt began, in nanoseconds after the first timed attempt began (plus one, so
/// that zero is "not timed"): the clock is the sleeper's, so the origin is one of its
/// instants. An attempt that began before the origin (another runtime's paused clock) is
/// timed from the origin.
#[derive(Clone, Copy, Default)]
pub(crate) struct Started(u64);

/// The first timed attempt's start, on the clock that timed it.
static ORIGIN: OnceLock<Instant> = OnceLock::new();

impl Started {
    /// Not timed.
    pub(crate) const NOT: Self = Self(0);

    /// An attempt beginning at `now`.
    pub(crate) fn at(now: Instant) -> Self {
        let origin = *ORIGIN.get_or_init(|| now);
        let nanos = u64::try_from(now.saturating_duration_since(origin).as_nanos()).unwrap_or(u64::MAX - 1);
        Self(nanos + 1)
    }

    /// Whether the attempt was timed: the clock is read again only then.
    #[inline]
    pub(crate) const fn is_timed(self) -> bool {
        self.0 != 0
    }

    /// How long from this start to `now`, if the attempt was timed.
    pub(crate) fn until(self, now: Instant) -> Option<Duration> {
        let began = ORIGIN.get()?.checked_add(Duration::from_nanos(self.0.checked_sub(1)?))?;
        Some(now.saturating_duration_since(began))
    }
}

/// How long an attempt ran.
pub(crate) fn attempt_duration(function: &'static str, outcome: &'static str, took: Duration) {
    sample(ATTEMPT_DURATION, [("function", function), ("outcome", outcome)], took);
}

/// Where this crate's instruments say they come from.
static METADATA: Metadata<'static> = Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// How many distinct series (instrument and label values) keep their key; past that, each
/// record builds its key anew.
const SLOTS: usize = 256;
/// How many slots a series may look at before it gives up on keeping its key.
const PROBES: usize = 8;

/// The series recorded so far, each with its labels, beside the name and label values they
/// were made from. The `metrics` macros build a key on every record when a label's value is
/// not a literal: a `Vec` for the labels and a hash over them, about 500 instructions and an
/// allocation, even with no recorder installed. Here a record finds its series by the
/// addresses of its name and values (the same text at another address takes a slot of its
/// own, for the same series), and its key borrows the labels from this `static`, so that no
/// record allocates, the first included.
static SERIES: [OnceLock<Series>; SLOTS] = [const { OnceLock::new() }; SLOTS];
/// The key of each series in [`SERIES`], at the same index.
static KEYS: [OnceLock<Key>; SLOTS] = [const { OnceLock::new() }; SLOTS];

/// The most labels an instrument of this crate carries.
const MAX_LABELS: usize = 3;

struct Series {
    name: &'static str,
    values: [&'static str; MAX_LABELS],
    labels: [Label; MAX_LABELS],
    len: usize,
}

/// Runs `record` with the key of `name{labels}`.
fn with_key<const N: usize>(name: &'static str, labels: [(&'static str, &'static str); N], record: impl FnOnce(&Key)) {
    const { assert!(N <= MAX_LABELS) };
    let mut values = [""; MAX_LABELS];
    for (value, (_, given)) in values.iter_mut().zip(&labels) {
        *value = given;
    }
    let series = || {
        let mut all = [const { Label::from_static_parts("", "") }; MAX_LABELS];
        for (label, &(key, value)) in all.iter_mut().zip(&labels) {
            *label = Label::from_static_parts(key, value);
        }
        Series { name, values, labels: all, len: N }
    };
    let mut h = name.as_ptr() as u64;
    for value in &values {
        h = h.rotate_left(17) ^ (value.as_ptr() as u64) ^ value.len() as u64;
    }
    let start = (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize;
    for probe in 0..PROBES {
        let slot = (start + probe) % SLOTS;
        // An empty slot is claimed with this series; a full one is compared.
        let found = SERIES[slot].get_or_init(series);
        if core::ptr::eq(found.name, name) && found.values.iter().zip(&values).all(|(a, b)| core::ptr::eq(*a, *b)) {
            let key = KEYS[slot].get_or_init(|| Key::from_static_parts(found.name, &found.labels[..found.len]));
            return record(key);
        }
    }
    // More series than slots: build the key each time.
    record(&Key::from_parts(name, labels.iter().map(|&(k, v)| Label::from_static_parts(k, v)).collect::<Vec<_>>()));
}

fn count<const N: usize>(name: &'static str, labels: [(&'static str, &'static str); N]) {
    with_key(name, labels, |key| metrics::with_recorder(|r| r.register_counter(key, &METADATA).increment(1)));
}

fn sample<const N: usize>(name: &'static str, labels: [(&'static str, &'static str); N], value: Duration) {
    with_key(name, labels, |key| metrics::with_recorder(|r| r.register_histogram(key, &METADATA).record(value)));
}

/// An attempt that ran, by what became of its outcome.
#[inline]
pub(crate) fn attempt(function: &'static str, outcome: &'static str) {
    count(ATTEMPTS, [("function", function), ("outcome", outcome)]);
}

/// The `outcome` label of an attempt.
#[inline]
pub(crate) const fn attempt_outcome(retryable: bool, ok: bool) -> &'static str {
    match (retryable, ok) {
        (true, _) => "retryable",
        (false, true) => "success",
        (false, false) => NOT_RETRYABLE,
    }
}

/// A hedge started.
pub(crate) fn hedge(function: &'static str) {
    count(HEDGES, [("function", function)]);
}

/// A retry decided, with the sleep before it.
pub(crate) fn retry(function: &'static str, kind: RetryKind, delay: Duration) {
    count(RETRIES, [("function", function), ("outcome", kind_label(kind))]);
    sample(DELAY, [("function", function)], delay);
}

/// An error returned without a retry: a give-up of its own kind.
pub(crate) fn not_retried(function: &'static str) {
    count(GIVE_UPS, [("function", function), ("reason", NOT_RETRYABLE)]);
}

/// A call that ended with a failure; `reason` is the give-up event's message.
pub(crate) fn give_up(function: &'static str, reason: &'static str) {
    count(GIVE_UPS, [("function", function), ("reason", reason_label(reason))]);
}

/// The label of a give-up event's message: the messages are written once, in `call.rs`.
fn reason_label(message: &str) -> &'static str {
    // Named after the keys and the stop that decide them, through the grammar's table.
    const LABELS: [(&str, &str); 6] = [
        // Before `deadline`, which its message names too.
        ("rate permit or bulkhead place", "limiter_or_bulkhead"),
        ("circuit breaker", BREAKER.name),
        (RETRY_AFTER_MAX.name, "server_delay_too_long"),
        ("stop condition", STOP.name),
        (DEADLINE.name, DEADLINE.name),
        (BUDGET.name, BUDGET.name),
    ];
    LABELS.iter().find(|(part, _)| message.contains(part)).map_or("other", |&(_, label)| label)
}

/// The give-up reason of an error the policy does not retry.
const NOT_RETRYABLE: &str = "not_retryable";

/// A breaker's change of state.
pub(crate) fn breaker_transition(breaker: &'static str, from: BreakerState, to: BreakerState) {
    count(BREAKER_TRANSITIONS, [(BREAKER.name, breaker), ("from", state_label(from)), ("to", state_label(to))]);
    let level = match to {
        BreakerState::Closed => 0.0,
        BreakerState::HalfOpen => 1.0,
        BreakerState::Open => 2.0,
    };
    with_key(BREAKER_STATE, [(BREAKER.name, breaker)], |key| {
        metrics::with_recorder(|r| r.register_gauge(key, &METADATA).set(level));
    });
}

/// A retry the budget refused.
pub(crate) fn budget_refusal(kind: RetryKind) {
    count(BUDGET_REFUSALS, [("kind", kind_label(kind))]);
}

/// A wait for a rate limiter's permit.
pub(crate) fn limiter_wait(waited: Duration) {
    sample(LIMITER_WAIT, [], waited);
}

const fn kind_label(kind: RetryKind) -> &'static str {
    match kind {
        RetryKind::Timeout => TIMEOUT.name,
        RetryKind::Error => "error",
    }
}

const fn state_label(state: BreakerState) -> &'static str {
    match state {
        BreakerState::Closed => "closed",
        BreakerState::HalfOpen => "half_open",
        BreakerState::Open => "open",
    }
}
