//! The LLM failover demo: a real HTTP server on 127.0.0.1 standing in for two
//! OpenAI-compatible providers that fail as a script says ([`script`], [`server`]), and a
//! third that streams server-sent events and fails before its first token, a fourth that
//! advertises its rate limits and a fifth that stalls, a client
//! written as an application would write it, with `#[retry]` on each provider's call
//! ([`client`]), and [`run`], which sends the requests and sums up what happened
//! ([`Summary`]).
//!
//! `cargo run --example llm_failover` prints the log and the summary; the integration test
//! `tests/llm_failover.rs` runs the same scenario and checks its summary.
//!
//! ```no_run
//! use examples::failover::{Options, Scenario, run};
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
//! let summary = run(&Options::new(Scenario::Tour)).await?;
//! println!("{summary}");
//! # Ok(()) }
//! ```

pub mod client;
pub mod metrics;
pub mod script;
pub mod server;
mod summary;

use core::cell::Cell;
use core::fmt;
use core::time::Duration;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use tokio::task::JoinSet;
use tracing::Instrument;

use client::{ChatRequest, Client, LlmError, PROVIDER_A, PROVIDER_B, Reply, WAITED, ask_a, ask_d, ask_e};
pub use script::Scenario;
use server::Server;
pub use summary::{HedgeReport, Outcome, PacedReport, RequestReport, StreamReport, Summary};

/// One of the two stand-in providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Provider {
    /// The primary.
    A,
    /// The hot standby.
    B,
    /// An Anthropic-style provider that streams its answer as server-sent events.
    C,
    /// A provider that advertises its limits on every response (`x-ratelimit-*`) and
    /// answers 429 past them: the client paces itself by what it reads.
    D,
    /// A provider whose first attempt at each request stalls: the client hedges.
    E,
}

impl Provider {
    /// Where its endpoint is: `/{path}/v1/chat/completions`.
    pub const fn path(self) -> &'static str {
        match self {
            Self::A => "a",
            Self::B => "b",
            Self::C => "c",
            Self::D => "d",
            Self::E => "e",
        }
    }

    /// The model the client asks it for.
    pub const fn model(self) -> &'static str {
        match self {
            Self::A => "model-a-mini",
            Self::B => "model-b-haiku",
            Self::C => "model-c-sonnet",
            Self::D => "model-d-paced",
            Self::E => "model-e-slow",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::A => "A",
            Self::B => "B",
            Self::C => "C",
            Self::D => "D",
            Self::E => "E",
        })
    }
}

/// What a run does: the knobs of `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Which story the providers tell.
    pub scenario: Scenario,
    /// Draws whatever the scenario leaves to chance.
    pub seed: u64,
    /// How many requests are sent.
    pub requests: u32,
    /// How many requests are in flight at once (at least 1).
    pub concurrency: u32,
}

impl Options {
    /// The scenario's own defaults, seed 1.
    pub const fn new(scenario: Scenario) -> Self {
        Self { scenario, seed: 1, requests: scenario.default_requests(), concurrency: scenario.default_concurrency() }
    }
}

/// Starts the providers, sends `options.requests` requests through [`ask_a`] (and so its
/// fallbacks) with `options.concurrency` in flight, and sums up what the client got and
/// the providers saw.
///
/// The breakers are `static`s: they are reset first, so that every run starts closed.
///
/// # Errors
/// When the server cannot listen, or a request's task panicked.
pub async fn run(options: &Options) -> io::Result<Summary> {
    PROVIDER_A.reset();
    PROVIDER_B.reset();
    let server = Server::start(options.scenario, options.requests, options.seed).await?;
    let client = Arc::new(Client::new(&server.base_url()).map_err(io::Error::other)?);
    tracing::info!(target: "demo", "providers A and B listening at {}/{{a,b}}/v1/chat/completions", server.base_url());
    let started = Instant::now();

    let next = Arc::new(AtomicU32::new(1));
    let mut workers = JoinSet::new();
    for _ in 0..options.concurrency.max(1) {
        let (client, next, options) = (Arc::clone(&client), Arc::clone(&next), *options);
        workers.spawn(async move {
            let mut done = Vec::new();
            loop {
                let id = next.fetch_add(1, Ordering::Relaxed);
                if id > options.requests {
                    return done;
                }
                if let Some(pace) = options.scenario.pace() {
                    let due = started + pace * (id - 1);
                    tokio::time::sleep(due.saturating_duration_since(Instant::now())).await;
                }
                done.push(send(&client, options.scenario, id).await);
            }
        });
    }
    let mut finished = Vec::new();
    while let Some(done) = workers.join_next().await {
        finished.extend(done.map_err(io::Error::other)?);
    }
    finished.sort_by_key(|f: &Finished| f.id);
    let elapsed = started.elapsed();
    let streamed = stream(&client, options.requests + 1).await;
    let paced = pace(&client, options.requests + 2).await;
    let hedged = hedge(&client, options.requests + 2 + script::PACED_REQUESTS).await;
    let arrivals = server.arrivals();
    let mut summary = Summary::new(options, finished, &arrivals, elapsed, client.budget(), client.human_queue());
    summary.stream = StreamReport::new(streamed, &arrivals);
    summary.paced = PacedReport::new(paced, &arrivals);
    summary.hedged = HedgeReport::new(hedged, &arrivals);
    Ok(summary)
}

/// What the streamed request got: the tokens read, and the error that ended the stream or
/// that the call gave up with.
#[derive(Debug)]
struct Streamed {
    id: u32,
    tokens: Vec<String>,
    error: Option<LlmError>,
}

/// Asks provider C for a streamed answer and reads it to its end, logging each token.
async fn stream(client: &Client, id: u32) -> Streamed {
    use futures_util::StreamExt as _;
    let span = tracing::info_span!("request", id);
    async {
        tracing::info!(target: "demo", "script: C streams, but its first stream fails before its first token");
        let request = ChatRequest { id, prompt: format!("question {id}") };
        let mut streamed = Streamed { id, tokens: Vec::new(), error: None };
        match client::stream_c(client, &request).await {
            Ok(tokens) => {
                let mut tokens = std::pin::pin!(tokens);
                while let Some(token) = tokens.next().await {
                    match token {
                        Ok(token) => {
                            tracing::info!(target: "demo", "token: {token:?}");
                            streamed.tokens.push(token);
                        }
                        Err(e) => streamed.error = Some(e),
                    }
                }
            }
            Err(e) => streamed.error = Some(e),
        }
        streamed
    }
    .instrument(span)
    .await
}

/// A request to D or E as the client saw it.
#[derive(Debug)]
struct Sent {
    id: u32,
    result: Result<Reply, LlmError>,
    took: Duration,
}

/// Sends [`script::PACED_REQUESTS`] requests to D one after another, from `first`: D allows
/// [`script::PACED_LIMIT`] a window and says so on every answer, and `ask_d`'s limiter,
/// fed those counters, holds the next request until the window resets instead of drawing
/// a 429.
async fn pace(client: &Client, first: u32) -> Vec<Sent> {
    let mut sent = Vec::new();
    for id in first..first + script::PACED_REQUESTS {
        let span = tracing::info_span!("request", id);
        let request = ChatRequest { id, prompt: format!("question {id}") };
        let started = Instant::now();
        let result = async {
            if id == first {
                tracing::info!(target: "demo", "script: D allows {} requests a window and advertises what is left", script::PACED_LIMIT);
            }
            ask_d(client, &request).await
        }
        .instrument(span)
        .await;
        sent.push(Sent { id, result, took: started.elapsed() });
    }
    sent
}

/// Asks E, whose first attempt stalls for a second: `ask_e` hedges after
/// [`script::HEDGE_AFTER`], and the hedge's answer wins.
async fn hedge(client: &Client, id: u32) -> Sent {
    let span = tracing::info_span!("request", id);
    let request = ChatRequest { id, prompt: format!("question {id}") };
    let started = Instant::now();
    let result = async {
        tracing::info!(target: "demo", "script: E stalls on its first attempt");
        let result = ask_e(client, &request).await;
        if let Ok(reply) = &result {
            tracing::info!(target: "demo", "answered by {}: {}", reply.served_by, reply.text);
        }
        result
    }
    .instrument(span)
    .await;
    Sent { id, result, took: started.elapsed() }
}

/// One request as the client saw it.
#[derive(Debug)]
struct Finished {
    id: u32,
    result: Result<Reply, LlmError>,
    waited: Duration,
    took: Duration,
    breaker_a: retry_runtime::BreakerState,
}

/// Sends request `id`, inside a `request{id=…}` span so that every line of its log says
/// which request it is about.
async fn send(client: &Client, scenario: Scenario, id: u32) -> Finished {
    let span = tracing::info_span!("request", id);
    let request = ChatRequest { id, prompt: format!("question {id}") };
    let started = Instant::now();
    let (result, waited) = WAITED
        .scope(Cell::new(Duration::ZERO), async {
            if let Some(intent) = scenario.intent(id) {
                tracing::info!(target: "demo", "script: {intent}");
            }
            let result = ask_a(client, &request).await;
            match &result {
                Ok(reply) => tracing::info!(target: "demo", "answered by {}: {}", reply.served_by, reply.text),
                Err(e) => tracing::warn!(target: "demo", "failed, no fallback: {e}"),
            }
            (result, WAITED.with(Cell::get))
        })
        .instrument(span)
        .await;
    Finished { id, result, waited, took: started.elapsed(), breaker_a: PROVIDER_A.state() }
}
