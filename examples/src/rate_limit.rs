//! The rate-limit experiment: `N` clients share one provider that allows `R` requests a
//! second, and answer each 429 by retrying through the runtime's real
//! [`RetryPolicy::retry`](retry_runtime::RetryPolicy::retry) loop, with no limiter, a
//! fixed limiter at `R`, or the adaptive limiter fed the provider's headers.
//!
//! The model runs on tokio's paused clock, so a minute of traffic takes a fraction of a
//! second and every number is fixed:
//! - the provider counts requests in fixed windows of one second, `R` a window; above that
//!   it answers 429 with `Retry-After` (whole seconds, rounded up, as most servers send
//!   it); every answer carries OpenAI's `x-ratelimit-remaining-requests` and
//!   `x-ratelimit-reset-requests`;
//! - a request takes [`Model::latency`] there and back, and reaches the provider halfway;
//! - each client sends its next call as soon as the last one ended (a closed loop), the
//!   clients starting evenly spread over the first second; a call retries up to 10 attempts
//!   with full jitter (base 100 ms, cap 5 s), sleeping at least what `Retry-After` asks.
//!
//! ```
//! use examples::rate_limit::{Model, Shaping, simulate};
//! let model = Model { seconds: 5, ..Model::default() };
//! let alone = simulate(&model, Shaping::RetriesAlone, 20);
//! assert!(alone.throttled > 0);
//! ```

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use http::HeaderMap;
use retry_runtime::RetryPolicy;
use retry_runtime::headers::retry_after;
use retry_runtime::limiter::{Outcome, RateLimiter};
use retry_runtime::stop::attempts;
use retry_runtime::wait::full_jitter;
use tokio::time::Instant;

/// How the clients protect the provider, beyond retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shaping {
    /// Retries alone, honouring `Retry-After`.
    RetriesAlone,
    /// A shared [`RateLimiter::per_second`] at the provider's `R`.
    Fixed,
    /// A shared [`RateLimiter::adaptive`] that also reads every response's headers
    /// ([`RateLimiter::observe_headers`]).
    AdaptiveWithHeaders,
}

impl Shaping {
    /// Every way, in the order tables and legends list them.
    pub const ALL: [Self; 3] = [Self::RetriesAlone, Self::Fixed, Self::AdaptiveWithHeaders];

    /// The name tables and legends show.
    pub const fn name(self) -> &'static str {
        match self {
            Self::RetriesAlone => "retries alone",
            Self::Fixed => "fixed limiter at R",
            Self::AdaptiveWithHeaders => "adaptive + headers",
        }
    }
}

/// The simulated provider and clients.
///
/// # Default
/// `R` = 100 requests a second, 50 ms a request, 60 s of traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Model {
    /// Requests the provider allows in each one-second window (`R`).
    pub rate: u32,
    /// A request's time there and back.
    pub latency: Duration,
    /// How long the clients keep calling.
    pub seconds: u64,
}

impl Default for Model {
    fn default() -> Self {
        Self { rate: 100, latency: Duration::from_millis(50), seconds: 60 }
    }
}

/// What one run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The number of clients.
    pub clients: u32,
    /// How they shaped their traffic.
    pub shaping: Shaping,
    /// Calls that succeeded.
    pub successes: u64,
    /// 429s the provider sent.
    pub throttled: u64,
    /// Calls that gave up (attempts used up).
    pub gave_up: u64,
    /// Each successful call's time from its start to its success, sorted.
    pub latencies: Vec<Duration>,
    /// The provider's capacity over the run: `R` times its seconds.
    pub capacity: u64,
}

impl Report {
    /// 429s per successful call.
    pub fn throttled_per_success(&self) -> f64 {
        self.throttled as f64 / self.successes.max(1) as f64
    }

    /// Successful calls as a share of what the provider allows.
    pub fn goodput(&self) -> f64 {
        self.successes as f64 / self.capacity.max(1) as f64
    }

    /// The `q`-quantile (0 to 1) of the successful calls' latency.
    pub fn latency(&self, q: f64) -> Duration {
        let Some(last) = self.latencies.len().checked_sub(1) else { return Duration::ZERO };
        self.latencies[((last as f64) * q).round() as usize]
    }
}

/// A 429, with what its `Retry-After` said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    /// `Retry-After`, read by the runtime's own reader.
    pub retry_after: Option<Duration>,
}

impl std::fmt::Display for Throttled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("429 too many requests")
    }
}

/// The provider: fixed one-second windows of `rate` requests, from `start`.
#[derive(Debug)]
struct Provider {
    rate: u32,
    start: Instant,
    window: u64,
    used: u32,
    throttled: u64,
}

impl Provider {
    /// Counts a request arriving now: `Ok` with its headers, or a 429 with its headers.
    fn arrive(&mut self) -> Result<HeaderMap, (Throttled, HeaderMap)> {
        let elapsed = self.start.elapsed();
        let window = elapsed.as_secs();
        if window != self.window {
            (self.window, self.used) = (window, 0);
        }
        let reset = Duration::from_secs(window + 1) - elapsed;
        let admitted = self.used < self.rate;
        self.used += u32::from(admitted);
        let mut headers = HeaderMap::new();
        let remaining = self.rate - self.used;
        headers.insert("x-ratelimit-remaining-requests", remaining.into());
        let reset_ms = format!("{}ms", reset.as_secs_f64() * 1e3);
        headers.insert("x-ratelimit-reset-requests", reset_ms.parse().expect("a header value"));
        if admitted {
            return Ok(headers);
        }
        self.throttled += 1;
        let seconds = reset.as_secs() + u64::from(reset.subsec_nanos() > 0);
        headers.insert("retry-after", seconds.into());
        let retry_after = retry_after(&seconds.to_string(), std::time::SystemTime::now());
        Err((Throttled { retry_after }, headers))
    }
}

/// One run of `clients` clients for `model.seconds`.
pub fn simulate(model: &Model, shaping: Shaping, clients: u32) -> Report {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a current-thread runtime");
    runtime.block_on(run(*model, shaping, clients))
}

#[derive(Debug, Default)]
struct Tally {
    successes: u64,
    gave_up: u64,
    latencies: Vec<Duration>,
}

async fn run(model: Model, shaping: Shaping, clients: u32) -> Report {
    let start = Instant::now();
    let end = start + Duration::from_secs(model.seconds);
    let provider = Arc::new(Mutex::new(Provider { rate: model.rate, start, window: 0, used: 0, throttled: 0 }));
    // Leaked: a limiter is a `static` in real code, and a run is one process's worth.
    let limiter: Option<&'static RateLimiter> = match shaping {
        Shaping::RetriesAlone => None,
        Shaping::Fixed => Some(Box::leak(Box::new(RateLimiter::per_second(model.rate)))),
        Shaping::AdaptiveWithHeaders => Some(Box::leak(Box::new(RateLimiter::adaptive()))),
    };
    let read_headers = shaping == Shaping::AdaptiveWithHeaders;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (provider, tally) = (provider.clone(), tally.clone());
        let stagger = Duration::from_secs(1) * c / clients;
        tasks.push(tokio::spawn(async move {
            let policy = RetryPolicy::builder()
                .stop(attempts(10))
                .wait(full_jitter(Duration::from_millis(100), Duration::from_secs(5)))
                .retry_after(|e: &Throttled| e.retry_after)
                .log(retry_runtime::LogLevel::Off)
                .seed(u64::from(c))
                .build()
                .expect("a valid policy");
            tokio::time::sleep(stagger).await;
            while Instant::now() < end {
                let began = Instant::now();
                let outcome = policy.retry(|| attempt(&provider, limiter, read_headers, model.latency)).await;
                let mut tally = tally.lock().unwrap_or_else(PoisonError::into_inner);
                match outcome {
                    // Only what the provider served within the run counts toward goodput.
                    Ok(()) if Instant::now() > end => {}
                    Ok(()) => {
                        tally.successes += 1;
                        tally.latencies.push(began.elapsed());
                    }
                    Err(_) => tally.gave_up += 1,
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("a client task");
    }
    let mut tally = std::mem::take(&mut *tally.lock().unwrap_or_else(PoisonError::into_inner));
    tally.latencies.sort_unstable();
    let throttled = provider.lock().unwrap_or_else(PoisonError::into_inner).throttled;
    Report {
        clients,
        shaping,
        successes: tally.successes,
        throttled,
        gave_up: tally.gave_up,
        latencies: tally.latencies,
        capacity: u64::from(model.rate) * model.seconds,
    }
}

/// One attempt: a permit from the limiter, the request, its answer.
async fn attempt(
    provider: &Mutex<Provider>,
    limiter: Option<&RateLimiter>,
    read_headers: bool,
    latency: Duration,
) -> Result<(), Throttled> {
    let permit = match limiter {
        Some(limiter) => Some(limiter.acquire(None).await.expect("no deadline, so never refused")),
        None => None,
    };
    tokio::time::sleep(latency / 2).await;
    let answer = provider.lock().unwrap_or_else(PoisonError::into_inner).arrive();
    tokio::time::sleep(latency - latency / 2).await;
    let (headers, result, outcome) = match answer {
        Ok(headers) => (headers, Ok(()), Outcome::Success),
        Err((throttled, headers)) => (headers, Err(throttled), Outcome::Throttled),
    };
    if let (true, Some(limiter)) = (read_headers, limiter) {
        limiter.observe_headers(&headers);
    }
    if let Some(permit) = permit {
        permit.record(outcome);
    }
    result
}
