//! The client, written the way an application would write it: `reqwest` sends one attempt,
//! a non-2xx answer becomes an [`LlmError`] that carries the response's classification
//! ([`HttpFailure`]), and `#[retry]` on each provider's call does the rest: backoff with
//! jitter, the server's own delays, a per-attempt timeout, a circuit breaker per provider,
//! one retry budget for the whole client, and the fallback chain A → B → a human.

use core::cell::Cell;
use core::fmt;
use core::time::Duration;
use std::sync::{Mutex, PoisonError};

use eventsource_stream::Eventsource as _;
use futures_util::{Stream, StreamExt as _};
use retry_runtime::classify::{HttpFailure, Transient};
use retry_runtime::{CircuitBreaker, CircuitOpen, Elapsed, RateLimited, RateLimiter, RetryBudget, RetryState, retry};
use serde_json::{Value, json};

use super::Provider;

/// Provider A's circuit: opens after 3 failed attempts in a row, lets one probe through
/// 500 ms later.
pub static PROVIDER_A: CircuitBreaker =
    CircuitBreaker::consecutive(3, Duration::from_millis(500)).with_name("provider A");

/// Provider B's circuit: the hot standby takes a little more before it is cut off.
pub static PROVIDER_B: CircuitBreaker =
    CircuitBreaker::consecutive(5, Duration::from_millis(500)).with_name("provider B");

/// One chat request: a single user message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatRequest {
    /// Sent as `x-request-id`, so that the providers' logs and ours can be matched.
    pub id: u32,
    /// The user's message.
    pub prompt: String,
}

/// Who answered a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Served {
    /// A provider's model.
    Provider(Provider),
    /// Nobody yet: a person will, from the queue.
    Human,
}

impl fmt::Display for Served {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Provider(provider) => write!(f, "{provider}"),
            Self::Human => f.write_str("human"),
        }
    }
}

/// A request's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// Who answered.
    pub served_by: Served,
    /// The answer.
    pub text: String,
}

/// What one attempt at a provider can fail with.
#[derive(Debug)]
pub enum LlmError {
    /// The provider answered with an error status: the response, classified as it
    /// arrived (transient or not, and how long it asked to wait).
    Http(HttpFailure),
    /// No answer came: the connection was refused, reset or cut.
    Transport(reqwest::Error),
    /// The attempt outlived its `timeout`.
    TimedOut(Elapsed),
    /// The provider's circuit breaker refused the attempt.
    CircuitOpen(CircuitOpen),
    /// The provider's rate limiter could not give a permit before the call's deadline.
    RateLimited(RateLimited),
    /// A 2xx answer that is no chat completion.
    Malformed(String),
    /// An `event: error` in a stream of server-sent events (Anthropic sends its 529
    /// `overloaded_error` this way once the 200 is out): its `error.type` and message.
    Event {
        /// `overloaded_error`, `api_error`, …
        kind: String,
        /// What the provider said.
        message: String,
    },
}

impl LlmError {
    /// The status the provider answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Http(failure) => Some(failure.status().as_u16()),
            Self::Transport(e) => e.status().map(|s| s.as_u16()),
            Self::TimedOut(_)
            | Self::CircuitOpen(_)
            | Self::RateLimited(_)
            | Self::Malformed(_)
            | Self::Event { .. } => None,
        }
    }
}

/// What `when = …` and `retry_after = …` ask of an error.
impl Transient for LlmError {
    fn is_transient(&self) -> bool {
        match self {
            // `x-should-retry`, the body (529 `overloaded_error`, 429 out of quota), the status.
            Self::Http(failure) => failure.is_transient(),
            Self::Transport(e) => e.is_transient(),
            Self::TimedOut(_) | Self::CircuitOpen(_) => true,
            Self::Malformed(_) | Self::RateLimited(_) => false,
            // As the Anthropic SDK reads an error event: overloaded and internal errors pass.
            Self::Event { kind, .. } => kind == "overloaded_error" || kind == "api_error",
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            // `retry-after-ms`, then `Retry-After`, then the `x-ratelimit-reset-*` in use.
            Self::Http(failure) => failure.retry_after(),
            _ => None,
        }
    }
}

impl fmt::Display for LlmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Http(failure) => {
                write!(f, "{}", failure.status().as_u16())?;
                // Both providers put a readable message at `error.message`.
                let body: Option<Value> = serde_json::from_str(failure.body()).ok();
                if let Some(message) = body.as_ref().and_then(|b| b["error"]["message"].as_str()) {
                    write!(f, " {message:?}")?;
                }
                match failure.retry_after() {
                    Some(delay) => write!(f, ", asks for {delay:?}"),
                    None => Ok(()),
                }
            }
            Self::Transport(e) => write!(f, "no answer: {e}"),
            Self::TimedOut(elapsed) => write!(f, "{elapsed}"),
            Self::CircuitOpen(open) => write!(f, "{open}"),
            Self::RateLimited(limited) => write!(f, "{limited}"),
            Self::Malformed(why) => write!(f, "not a chat completion: {why}"),
            Self::Event { kind, message } => write!(f, "event: error {kind} {message:?}"),
        }
    }
}

impl std::error::Error for LlmError {}

impl From<reqwest::Error> for LlmError {
    fn from(e: reqwest::Error) -> Self {
        Self::Transport(e)
    }
}

/// For `timeout = …`: an attempt cut short.
impl From<Elapsed> for LlmError {
    fn from(e: Elapsed) -> Self {
        Self::TimedOut(e)
    }
}

/// For `breaker = …`: an attempt the open circuit refused.
impl From<CircuitOpen> for LlmError {
    fn from(e: CircuitOpen) -> Self {
        Self::CircuitOpen(e)
    }
}

/// For `limiter = …`: an attempt the limiter could not pace before the deadline.
impl From<RateLimited> for LlmError {
    fn from(e: RateLimited) -> Self {
        Self::RateLimited(e)
    }
}

/// Talks to every provider through one connection pool.
#[derive(Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    /// Every retry this client makes, to either provider, pays from here: AWS standard
    /// mode's prices (5 tokens a retry, 10 after a timeout, refunded when the retry
    /// succeeds, 1 back for a first-try success) with a fifth of its bucket. A field rather
    /// than a `static` (`budget = client.budget` takes any place): each client, and so
    /// each run of the demo, starts with a full bucket.
    budget: RetryBudget,
    /// Paces the requests to D by what D says is left of its limit (`observe_headers` on
    /// each of its answers), on top of AWS's adaptive mode: a field, as `budget` is, so that
    /// each run starts with no counters read.
    paced_d: RateLimiter,
    human_queue: Mutex<Vec<u32>>,
}

impl Client {
    /// A client of the providers at `base` (`http://host:port`).
    ///
    /// # Errors
    /// When reqwest cannot build its client.
    pub fn new(base: &str) -> Result<Self, reqwest::Error> {
        // The providers are on 127.0.0.1: no proxy, whatever the environment says.
        let http = reqwest::Client::builder().no_proxy().build()?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            budget: RetryBudget::token_bucket(100, 5, 10, 1),
            paced_d: RateLimiter::adaptive(),
            human_queue: Mutex::default(),
        })
    }

    /// The retry budget's tokens left, and its capacity.
    pub fn budget(&self) -> (u32, u32) {
        (self.budget.available(), self.budget.capacity())
    }

    /// The requests waiting for a person, in the order they were queued.
    pub fn human_queue(&self) -> Vec<u32> {
        self.human_queue.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// One attempt: one `POST …/v1/chat/completions`.
    ///
    /// # Errors
    /// The provider's error answer, or the transport's error.
    pub async fn complete(&self, provider: Provider, request: &ChatRequest) -> Result<Reply, LlmError> {
        let url = format!("{}/{}/v1/chat/completions", self.base, provider.path());
        let body = json!({
            "model": provider.model(),
            "messages": [{"role": "user", "content": request.prompt}],
        });
        let response = self.http.post(url).header("x-request-id", request.id).json(&body).send().await?;
        if provider == Provider::D {
            // Every answer, a 200 as well as a 429, says what is left of D's limit.
            self.paced_d.observe_headers(response.headers());
        }
        let status = response.status();
        if !status.is_success() {
            let headers = response.headers().clone();
            let body = response.text().await?;
            return Err(LlmError::Http(HttpFailure::new(status, headers, &body)));
        }
        let completion: Value = response.json().await?;
        match completion["choices"][0]["message"]["content"].as_str() {
            Some(text) => Ok(Reply { served_by: Served::Provider(provider), text: text.to_owned() }),
            None => Err(LlmError::Malformed("no `choices[0].message.content`".into())),
        }
    }
}

/// Asks provider C for a streamed answer (`"stream": true`): the tokens, one item each, read
/// with reqwest's byte stream and `eventsource-stream`'s parser. An error before the first
/// token (a 529, an `event: error`, a connection cut, no token within 2 s) retries the whole
/// request; once a token is out, an error ends the stream, since retrying would repeat the
/// tokens already shown. The call returns once the first token is in.
#[retry(
    stop = attempts(3),
    wait = exp_jitter(100ms, 2s, 50ms),
    when = LlmError::is_transient,
    retry_after = LlmError::retry_after,
    retry_after_max = 5s,
    first_item_timeout = 2s,
    log = info,
)]
pub async fn stream_c(
    client: &Client,
    request: &ChatRequest,
) -> Result<impl Stream<Item = Result<String, LlmError>>, LlmError> {
    let url = format!("{}/{}/v1/messages", client.base, Provider::C.path());
    let body = json!({
        "model": Provider::C.model(),
        "max_tokens": 256,
        "stream": true,
        "messages": [{"role": "user", "content": request.prompt}],
    });
    let response = client.http.post(url).header("x-request-id", request.id).json(&body).send().await?;
    let status = response.status();
    if !status.is_success() {
        let headers = response.headers().clone();
        let body = response.text().await?;
        return Err(LlmError::Http(HttpFailure::new(status, headers, &body)));
    }
    let tokens = response.bytes_stream().eventsource().filter_map(|event| async move {
        let event = match event {
            Ok(event) => event,
            Err(eventsource_stream::EventStreamError::Transport(e)) => return Some(Err(LlmError::Transport(e))),
            Err(e) => return Some(Err(LlmError::Malformed(e.to_string()))),
        };
        let data: Value = serde_json::from_str(&event.data).unwrap_or_default();
        match event.event.as_str() {
            "content_block_delta" => data["delta"]["text"].as_str().map(|text| Ok(text.to_owned())),
            "error" => Some(Err(LlmError::Event {
                kind: data["error"]["type"].as_str().unwrap_or("unknown").to_owned(),
                message: data["error"]["message"].as_str().unwrap_or_default().to_owned(),
            })),
            // `message_start`, `ping`, `message_stop`: nothing to show.
            _ => None,
        }
    });
    Ok(tokens)
}

tokio::task_local! {
    /// Time the request under way has slept between attempts, at either provider: what
    /// the app's metrics report. The caller opens the scope, `count_sleep` adds to it.
    pub static WAITED: Cell<Duration>;
}

/// `before_sleep`: adds the coming sleep to the request's [`WAITED`], if it keeps one.
fn count_sleep(state: &RetryState<'_, Reply, LlmError>) {
    let _ = WAITED.try_with(|waited| waited.set(waited.get() + state.next_delay().unwrap_or_default()));
}

/// Asks provider A. Transient failures are retried: 3 attempts, exponential backoff from
/// 100 ms with up to 50 ms of jitter, never sooner than the server asked (but a server that
/// asks for more than 5 s is not waited for), each attempt cut at 250 ms. When A gives up,
/// or its breaker is open, B is asked instead; a 400 is returned as it is.
#[retry(
    stop = attempts(3),
    wait = exp_jitter(100ms, 2s, 50ms),
    when = LlmError::is_transient,
    retry_after = LlmError::retry_after,
    retry_after_max = 5s,
    timeout = 250ms,
    breaker = PROVIDER_A,
    budget = client.budget,
    fallback = ask_b,
    before_sleep = count_sleep,
    log = info,
)]
pub async fn ask_a(client: &Client, request: &ChatRequest) -> Result<Reply, LlmError> {
    client.complete(Provider::A, request).await
}

/// Asks provider B, the hot standby, with the same policy; when B gives up too, the
/// request goes to a human.
#[retry(
    stop = attempts(3),
    wait = exp_jitter(100ms, 2s, 50ms),
    when = LlmError::is_transient,
    retry_after = LlmError::retry_after,
    retry_after_max = 5s,
    timeout = 250ms,
    breaker = PROVIDER_B,
    budget = client.budget,
    fallback = queue_for_human,
    before_sleep = count_sleep,
    log = info,
)]
pub async fn ask_b(client: &Client, request: &ChatRequest) -> Result<Reply, LlmError> {
    client.complete(Provider::B, request).await
}

/// Asks provider D, which advertises its limit on every answer: the limiter reads it and
/// holds a request until D's window resets, so that none draws a 429 (and if one did, its
/// reset would be waited for as any server delay).
#[retry(
    stop = attempts(3),
    wait = exp_jitter(100ms, 2s, 50ms),
    when = LlmError::is_transient,
    retry_after = LlmError::retry_after,
    retry_after_max = 5s,
    limiter = client.paced_d,
    log = info,
)]
pub async fn ask_d(client: &Client, request: &ChatRequest) -> Result<Reply, LlmError> {
    client.complete(Provider::D, request).await
}

/// Asks provider E, whose answers are sometimes slow: an attempt still running after
/// 150 ms gets a hedge beside it, and whichever answers first wins; the other is dropped,
/// its connection closed.
#[retry(
    stop = attempts(3),
    wait = exp_jitter(100ms, 2s, 50ms),
    when = LlmError::is_transient,
    hedge = after(150ms),
    log = info,
)]
pub async fn ask_e(client: &Client, request: &ChatRequest) -> Result<Reply, LlmError> {
    client.complete(Provider::E, request).await
}

/// The last resort: queue the request for a person, and say so.
pub async fn queue_for_human(client: &Client, request: &ChatRequest) -> Result<Reply, LlmError> {
    let ticket = {
        let mut queue = client.human_queue.lock().unwrap_or_else(PoisonError::into_inner);
        queue.push(request.id);
        queue.len()
    };
    tracing::warn!(ticket, "both providers gave up: queued for a human");
    Ok(Reply { served_by: Served::Human, text: format!("ticket #{ticket} in the human queue") })
}
