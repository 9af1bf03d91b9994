//! What the stand-in providers answer: a script per request, so that a run's story is
//! fixed by its scenario and seed, whatever the timing and the concurrency.

use core::fmt;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::Provider;

/// What a provider answers to one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Answer {
    /// 200 with a chat completion.
    Complete,
    /// 429 with `Retry-After: SECS` (RFC 9110 allows whole seconds only).
    RetryAfter {
        /// The delay asked for, in seconds.
        secs: u64,
    },
    /// 429 with `retry-after-ms: MS`, as OpenAI and Anthropic send it.
    RetryAfterMs {
        /// The delay asked for, in milliseconds.
        ms: u64,
    },
    /// 429 with OpenAI's `x-ratelimit-remaining-requests: 0` and
    /// `x-ratelimit-reset-requests: {MS}ms` (beside a tokens limit that is not used up).
    RateLimitReset {
        /// When the requests limit resets, in milliseconds.
        ms: u64,
    },
    /// 503 and nothing else.
    Unavailable,
    /// 529 with Anthropic's `overloaded_error` body, and `retry-after-ms` when given.
    Overloaded {
        /// The delay asked for, if any, in milliseconds.
        retry_after_ms: Option<u64>,
    },
    /// 200, but only after `ms`: longer than the client's per-attempt timeout.
    Slow {
        /// How long the server takes to answer, in milliseconds.
        ms: u64,
    },
    /// 400 `invalid_request_error`: the same request will always fail.
    BadRequest,
    /// 200 `text/event-stream` whose first event is Anthropic's `event: error` with an
    /// `overloaded_error`: the stream fails before its first token.
    StreamOverloaded,
    /// 200 `text/event-stream`: `message_start`, then a `content_block_delta` per token, one
    /// of them cut by a `ping`, then `message_stop`.
    Stream,
}

impl Answer {
    /// The status the server sends (a slow answer's too, if the client is still there).
    pub const fn status(self) -> u16 {
        match self {
            Self::Complete | Self::Slow { .. } | Self::StreamOverloaded | Self::Stream => 200,
            Self::RetryAfter { .. } | Self::RetryAfterMs { .. } | Self::RateLimitReset { .. } => 429,
            Self::Unavailable => 503,
            Self::Overloaded { .. } => 529,
            Self::BadRequest => 400,
        }
    }
}

/// How the summary names an answer: its status and what it asked for.
impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Complete => f.write_str("200"),
            Self::RetryAfter { secs } => write!(f, "429 Retry-After: {secs}"),
            Self::RetryAfterMs { ms } => write!(f, "429 retry-after-ms: {ms}"),
            Self::RateLimitReset { ms } => write!(f, "429 x-ratelimit-reset-requests: {ms}ms"),
            Self::Unavailable => f.write_str("503"),
            Self::Overloaded { retry_after_ms: None } => f.write_str("529 overloaded"),
            Self::Overloaded { retry_after_ms: Some(ms) } => write!(f, "529 retry-after-ms: {ms}"),
            Self::Slow { ms } => write!(f, "200 too late ({ms} ms)"),
            Self::BadRequest => f.write_str("400"),
            Self::StreamOverloaded => f.write_str("200 SSE `event: error` overloaded_error"),
            Self::Stream => f.write_str("200 SSE tokens"),
        }
    }
}

/// What each provider answers to one request: its `n`-th attempt gets the `n`-th answer,
/// and the last answer repeats for any later attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// Provider A's answers.
    pub a: Vec<Answer>,
    /// Provider B's answers.
    pub b: Vec<Answer>,
}

impl Script {
    fn new(a: &[Answer], b: &[Answer]) -> Self {
        Self { a: a.to_vec(), b: b.to_vec() }
    }

    /// What `provider` answers to its `attempt`-th attempt (1-based).
    pub fn answer(&self, provider: Provider, attempt: u32) -> Answer {
        let answers = match provider {
            Provider::A => &self.a,
            Provider::B => &self.b,
            Provider::C => STREAMED,
            // D answers by its window (`server.rs`), not by a script.
            Provider::D => &[Answer::Complete],
            Provider::E => HEDGED,
        };
        let i = usize::try_from(attempt.saturating_sub(1)).unwrap_or(usize::MAX).min(answers.len() - 1);
        answers[i]
    }
}

/// Which story a run tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// One request per kind of failure, in order, then A's outage and its recovery: the
    /// walk-through. Requests past the script draw their failures from the seed.
    Tour,
    /// Many requests at once: A fails at random and goes down for the second quarter of
    /// the requests, B is sometimes overloaded; the breakers, the budget and the fallbacks
    /// share the load.
    Storm,
    /// Several processes, each numbering its own requests: A is down for the requests of
    /// phase 1 ([`Scenario::fleet_id`]), up before and after; B is always up. What
    /// `cargo run --example fleet` runs.
    Fleet,
}

use Answer::{BadRequest, Complete, Overloaded, RateLimitReset, RetryAfter, RetryAfterMs, Slow, Unavailable};

/// What the streaming provider C answers, in every scenario: a stream that fails before its
/// first token, then one that streams.
const STREAMED: &[Answer] = &[Answer::StreamOverloaded, Answer::Stream];

/// What the stalling provider E answers, in every scenario: a first attempt that takes a
/// second, then answers at once.
const HEDGED: &[Answer] = &[Answer::Slow { ms: 1_000 }, Answer::Complete];

/// How long `ask_e` lets an attempt run before it hedges (its `hedge = after(150ms)`).
pub const HEDGE_AFTER: std::time::Duration = std::time::Duration::from_millis(150);

/// How many requests D allows in each of its windows.
pub const PACED_LIMIT: u32 = 3;

/// How long D's windows last.
pub const PACED_WINDOW: std::time::Duration = std::time::Duration::from_millis(400);

/// How many requests the run sends D, one after another: two windows' worth.
pub const PACED_REQUESTS: u32 = 2 * PACED_LIMIT;

/// The tokens of C's stream.
pub const STREAMED_TOKENS: [&str; 5] = ["Streams ", "are ", "retried ", "until ", "their first token."];

/// The tour, request by request: (what it shows, A's answers, B's answers).
const TOUR: [(&str, &[Answer], &[Answer]); 14] = [
    ("a plain success", &[Complete], &[Complete]),
    ("429 with Retry-After", &[RetryAfter { secs: 1 }, Complete], &[Complete]),
    ("429 with retry-after-ms", &[RetryAfterMs { ms: 300 }, Complete], &[Complete]),
    ("429 with x-ratelimit-reset-*", &[RateLimitReset { ms: 250 }, Complete], &[Complete]),
    ("a Retry-After above retry_after_max", &[RetryAfter { secs: 30 }], &[Complete]),
    ("503 twice", &[Unavailable, Unavailable, Complete], &[Complete]),
    ("529 overloaded_error", &[Overloaded { retry_after_ms: None }, Complete], &[Complete]),
    ("slower than the timeout", &[Slow { ms: 1000 }, Complete], &[Complete]),
    ("400: not worth a retry", &[BadRequest], &[Complete]),
    ("A's outage opens its breaker", &[Unavailable], &[Complete]),
    ("A's breaker is open", &[Unavailable], &[Complete]),
    ("A's breaker is open", &[Unavailable], &[Complete]),
    ("B overloaded too", &[Unavailable], &[Overloaded { retry_after_ms: Some(300) }]),
    ("A is back: the probe closes its breaker", &[Complete], &[Complete]),
];

impl Scenario {
    /// Every scenario, as `--scenario` spells it.
    pub const ALL: [(&'static str, Self); 2] = [("tour", Self::Tour), ("storm", Self::Storm)];

    /// The name `--scenario` takes.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, s)| *s == self).map_or("tour", |(name, _)| name)
    }

    /// How many requests a run makes unless told.
    pub const fn default_requests(self) -> u32 {
        match self {
            Self::Tour => TOUR.len() as u32,
            Self::Storm | Self::Fleet => 40,
        }
    }

    /// How many requests are in flight at once unless told.
    pub const fn default_concurrency(self) -> u32 {
        match self {
            Self::Tour | Self::Fleet => 1,
            Self::Storm => 4,
        }
    }

    /// How often a request arrives, if the scenario paces them: under load, the breaker's
    /// cooldown has to pass in the time the requests take, not in a burst.
    pub const fn pace(self) -> Option<core::time::Duration> {
        match self {
            Self::Tour | Self::Fleet => None,
            Self::Storm => Some(core::time::Duration::from_millis(50)),
        }
    }

    /// What request `id` (1-based) shows, for the log: the tour's line for it, if any.
    pub fn intent(self, id: u32) -> Option<&'static str> {
        match self {
            Self::Tour => TOUR.get(index(id)).map(|(intent, _, _)| *intent),
            Self::Storm | Self::Fleet => None,
        }
    }

    /// A fleet request's id: its phase (0 A up, 1 A down, 2 A back), the worker that sends
    /// it and its number there.
    pub const fn fleet_id(phase: u32, worker: u32, n: u32) -> u32 {
        phase * 10_000_000 + worker * 100_000 + n % 100_000
    }

    /// The script of request `id` (1-based) in a run of `requests`; `seed` draws whatever
    /// the scenario leaves to chance, the same way for the same seed.
    pub fn script(self, id: u32, requests: u32, seed: u64) -> Script {
        let mut rng = SmallRng::seed_from_u64(seed ^ u64::from(id).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        match self {
            Self::Tour => match TOUR.get(index(id)) {
                Some((_, a, b)) => Script::new(a, b),
                None => Script { a: flaky(&mut rng), b: vec![Complete] },
            },
            Self::Storm => {
                let outage = requests / 4 < id && id <= requests / 2;
                let a = if outage { vec![Unavailable] } else { flaky(&mut rng) };
                let b =
                    (0..3).map(|_| if rng.random_bool(0.2) { Overloaded { retry_after_ms: None } } else { Complete });
                Script { a, b: b.collect() }
            }
            Self::Fleet => {
                let a = if id / 10_000_000 == 1 { Unavailable } else { Complete };
                Script { a: vec![a], b: vec![Complete] }
            }
        }
    }
}

fn index(id: u32) -> usize {
    usize::try_from(id.saturating_sub(1)).unwrap_or(usize::MAX)
}

/// A provider on a bad day: up to two transient failures before it answers, or now and then
/// a request it refuses outright.
fn flaky(rng: &mut SmallRng) -> Vec<Answer> {
    if rng.random_bool(0.05) {
        return vec![BadRequest];
    }
    let failures = match rng.random_range(0..10) {
        0..=5 => 0,
        6..=8 => 1,
        _ => 2,
    };
    let mut answers: Vec<Answer> = (0..failures)
        .map(|_| match rng.random_range(0..5) {
            0 => RetryAfterMs { ms: rng.random_range(1..=4) * 100 },
            1 => RateLimitReset { ms: rng.random_range(1..=3) * 100 },
            2 => Unavailable,
            3 => Overloaded { retry_after_ms: None },
            _ => Slow { ms: 1000 },
        })
        .collect();
    answers.push(Complete);
    answers
}
