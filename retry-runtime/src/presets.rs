//! Ready policies: the official SDKs' decisions, and the seed article's advice for
//! user-facing and background calls.
//!
//! Each returns a builder, so a key set after it replaces that part only:
//! `presets::openai().stop(attempts(5))` keeps everything else the SDK decides. The
//! attribute's `preset = NAME` is the same (`#[retry(preset = openai, stop = attempts(5))]`).
//!
//! | preset | stop | wait | retried | server's delay |
//! |---|---|---|---|---|
//! | [`openai`] | `attempts(3)` | `scaled_jitter(0.5s, 8s, 0.25)` | [`Sdk::OpenAi`] | slept exactly if 0 < d ≤ 120 s; above, no retry |
//! | [`anthropic`] | `attempts(3)` | `scaled_jitter(0.5s, 8s, 0.25)` | [`Sdk::Anthropic`] | slept exactly if d > 0, cut to 4 294 967 s |
//! | [`interactive`] | `attempts(3) \| deadline(30s)` | `full_jitter(0.5s, 5s)` | [`TransientErrors`] | at least d, at most 30 s in all |
//! | [`background`] | `attempts(7) \| deadline(10m)` | `full_jitter(1s, 60s)` | [`TransientErrors`] | at least d, up to 60 s |
//!
//! `openai` and `anthropic` decide as openai-python 3.57 and anthropic-python 2.16 do for
//! the same response (checked on every case of decisions recorded by running them,
//! `retry-runtime/tests/sdk_presets.rs`), with one difference on purpose: a 429 whose body
//! says the account is out of money (`insufficient_quota`, `enforced_spend_limit_reached`)
//! is not retried, since no wait cures it. They work with any error that is a
//! [`FailedRequest`]: `classify::HttpFailure` (feature `http`), `reqwest`'s
//! `Response` and `Error`, `std::io::Error` (a failed connection, which both SDKs retry), or
//! your own type forwarding to one of them.
//!
//! `interactive` and `background` are the seed article's advice: a person waiting gets at
//! most 3 attempts and 30 s in all; work nobody waits for gets 7 attempts with backoff
//! capped at 60 s, within 10 minutes. They retry what [`Transient`](crate::classify::Transient)
//! says is transient, no sooner than the server asked.
//!
//! [`FailedRequest`]: crate::classify::FailedRequest
//! [`TransientErrors`]: crate::classify::TransientErrors

use core::time::Duration;

use crate::RetryPolicyBuilder;
use crate::builder::{KeysBuilder, Prechecked};
use crate::classify::{ANTHROPIC_MAX_SERVER_DELAY, OPENAI_MAX_SERVER_DELAY, Sdk, TransientErrors};
use crate::guards::Guards;
use crate::hooks::Hooks;
use crate::policy::DEFAULT_NAME;
use crate::predicate::NoValue;
use crate::stop::{Attempts, Deadline, Either, attempts, deadline};
use crate::timeout::Execution;
use crate::wait::{FullJitter, ScaledJitter, full_jitter, scaled_jitter};

/// What the SDKs' presets build: their stop, backoff and decisions.
pub type SdkPreset = RetryPolicyBuilder<Attempts, ScaledJitter, Sdk, NoValue, Sdk>;

/// What `interactive` and `background` build.
pub type AdvicePreset =
    RetryPolicyBuilder<Either<Attempts, Deadline>, FullJitter, TransientErrors, NoValue, TransientErrors>;

/// The same keys on the attribute's builder, whose setters are `const`.
type Keys<S, W, P, A> = RetryPolicyBuilder<S, W, P, NoValue, A, Execution, Hooks, Guards, Prechecked>;

/// The SDKs' backoff: `min(0.5 s · 2^(n−1), 8 s) · (1 − 0.25 · U)`.
const SDK_BACKOFF: ScaledJitter = scaled_jitter(Duration::from_millis(500), Duration::from_secs(8), 0.25);

/// Decides as openai-python 3.57: 3 attempts; retries what [`Sdk::OpenAi`] retries; sleeps
/// exactly the server's delay when 0 < d ≤ 120 s, else the SDK's backoff.
///
/// (The example needs the `http` feature.)
#[cfg_attr(feature = "http", doc = "```")]
#[cfg_attr(not(feature = "http"), doc = "```ignore")]
/// use retry_runtime::{classify::HttpFailure, presets};
/// use http::{HeaderMap, StatusCode};
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let policy = presets::openai().build().unwrap();
/// let mut headers = HeaderMap::new();
/// headers.insert("retry-after-ms", "100".parse().unwrap());
/// let start = tokio::time::Instant::now();
/// let mut calls = 0;
/// let out: Result<(), HttpFailure> = policy
///     .retry(|| {
///         calls += 1;
///         let failure = HttpFailure::new(StatusCode::TOO_MANY_REQUESTS, headers.clone(), "");
///         async move { Err(failure) }
///     })
///     .await;
/// assert!(out.is_err());
/// assert_eq!(calls, 3);
/// assert_eq!(start.elapsed(), Duration::from_millis(200)); // exactly as asked, twice
/// # }
/// ```
pub fn openai() -> SdkPreset {
    on_keys::openai(KeysBuilder::named(DEFAULT_NAME)).build().into_builder()
}

/// Decides as anthropic-python 2.16: 3 attempts; retries what [`Sdk::Anthropic`] retries;
/// sleeps exactly any server delay d > 0 (cut to 4 294 967 s), else the SDK's backoff.
///
/// (The example needs the `http` feature.)
#[cfg_attr(feature = "http", doc = "```")]
#[cfg_attr(not(feature = "http"), doc = "```ignore")]
/// use retry_runtime::{classify::HttpFailure, presets};
/// use http::{HeaderMap, StatusCode};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let policy = presets::anthropic().build().unwrap();
/// let mut calls = 0;
/// let out: Result<(), HttpFailure> = policy
///     .retry(|| {
///         calls += 1;
///         let failure = HttpFailure::new(StatusCode::from_u16(425).unwrap(), HeaderMap::new(), "");
///         async move { Err(failure) }
///     })
///     .await;
/// assert!(out.is_err());
/// assert_eq!(calls, 1); // the SDK does not retry 425
/// # }
/// ```
pub fn anthropic() -> SdkPreset {
    on_keys::anthropic(KeysBuilder::named(DEFAULT_NAME)).build().into_builder()
}

/// For a person waiting: at most 3 attempts and 30 s in all, full jitter from 0.5 s to 5 s,
/// transient errors only, no sooner than the server asked.
///
/// ```
/// use retry_runtime::presets;
/// use std::io::{Error, ErrorKind};
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let policy = presets::interactive().build().unwrap();
/// let start = tokio::time::Instant::now();
/// let mut calls = 0;
/// let out: Result<(), Error> = policy
///     .retry(|| { calls += 1; async { Err(ErrorKind::TimedOut.into()) } })
///     .await;
/// assert!(out.is_err());
/// assert_eq!(calls, 3);
/// assert!(start.elapsed() <= Duration::from_secs_f64(0.5 + 1.0)); // two jittered sleeps
/// # }
/// ```
pub fn interactive() -> AdvicePreset {
    on_keys::interactive(KeysBuilder::named(DEFAULT_NAME)).build().into_builder()
}

/// For work nobody waits for: 7 attempts within 10 minutes, full jitter from 1 s capped
/// at 60 s, transient errors only, no sooner than the server asked (up to 60 s).
///
/// ```
/// use retry_runtime::presets;
/// use std::io::{Error, ErrorKind};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let policy = presets::background().build().unwrap();
/// let mut calls = 0;
/// let out: Result<(), Error> = policy
///     .retry(|| { calls += 1; async { Err(ErrorKind::ConnectionReset.into()) } })
///     .await;
/// assert!(out.is_err());
/// assert_eq!(calls, 7);
/// # }
/// ```
pub fn background() -> AdvicePreset {
    on_keys::background(KeysBuilder::named(DEFAULT_NAME)).build().into_builder()
}

/// Each preset's keys, set once, on the attribute's builder: `const`, so that
/// `#[retry(preset = openai)]` builds its policy at compile time; the functions above turn
/// the same keys into a users' builder. Each function is named as the preset is spelled.
#[doc(hidden)]
pub mod on_keys {
    use super::*;

    /// `preset = openai`.
    pub const fn openai(defaults: KeysBuilder) -> Keys<Attempts, ScaledJitter, Sdk, Sdk> {
        sdk(defaults, Sdk::OpenAi, OPENAI_MAX_SERVER_DELAY)
    }

    /// `preset = anthropic`.
    pub const fn anthropic(defaults: KeysBuilder) -> Keys<Attempts, ScaledJitter, Sdk, Sdk> {
        sdk(defaults, Sdk::Anthropic, ANTHROPIC_MAX_SERVER_DELAY)
    }

    /// `preset = interactive`.
    pub const fn interactive(
        defaults: KeysBuilder,
    ) -> Keys<Either<Attempts, Deadline>, FullJitter, TransientErrors, TransientErrors> {
        advice(defaults, 3, Duration::from_secs(30), full_jitter(Duration::from_millis(500), Duration::from_secs(5)))
    }

    /// `preset = background`.
    pub const fn background(
        defaults: KeysBuilder,
    ) -> Keys<Either<Attempts, Deadline>, FullJitter, TransientErrors, TransientErrors> {
        advice(defaults, 7, Duration::from_secs(600), full_jitter(Duration::from_secs(1), Duration::from_secs(60)))
    }

    const fn sdk(defaults: KeysBuilder, sdk: Sdk, longest: Duration) -> Keys<Attempts, ScaledJitter, Sdk, Sdk> {
        defaults
            .stop(attempts(3))
            .wait(SDK_BACKOFF)
            .when(sdk)
            .retry_after(sdk)
            .retry_after_max(longest)
            .retry_after_exact()
    }

    const fn advice(
        defaults: KeysBuilder,
        tries: u32,
        within: Duration,
        wait: FullJitter,
    ) -> Keys<Either<Attempts, Deadline>, FullJitter, TransientErrors, TransientErrors> {
        defaults
            .stop(Either(attempts(tries), deadline(within)))
            .wait(wait)
            .when(TransientErrors)
            .retry_after(TransientErrors)
    }
}
