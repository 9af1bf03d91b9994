//! Retries with backoff, jitter and server-directed delays: the runtime behind `#[retry]`.
//!
//! The [`retry`] attribute expands to a plain loop over this crate; everything it does is
//! also available as a value, [`RetryPolicy`], for closures and for policies read from
//! configuration.
//!
//! # Quick start
//!
//! ```
//! use retry_runtime::retry;
//!
//! #[derive(Debug)]
//! enum LlmError { RateLimit, Overload, BadRequest }
//! # impl std::fmt::Display for LlmError {
//! #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, "{self:?}") }
//! # }
//!
//! #[retry(stop = attempts(5), wait = exp_jitter(1, 60, 5), on = RateLimit | Overload)]
//! async fn call_llm(prompt: &str) -> Result<String, LlmError> {
//!     Ok(format!("echo: {prompt}"))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! assert_eq!(call_llm("hi").await.unwrap(), "echo: hi");
//! # }
//! ```
//!
//! Without the macro, the same policy as a value:
//!
//! ```
//! use retry_runtime::{RetryPolicy, stop::attempts, wait::exp_jitter};
//! use std::time::Duration;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
//! let policy = RetryPolicy::builder()
//!     .stop(attempts(5))
//!     .wait(exp_jitter(Duration::from_secs(1), Duration::from_secs(60), Duration::from_secs(5)))
//!     .build()
//!     .expect("a valid policy");
//! let mut calls = 0;
//! let reply: Result<u32, &str> = policy
//!     .retry(|| {
//!         calls += 1;
//!         let n = calls;
//!         async move { if n < 3 { Err("busy") } else { Ok(n) } }
//!     })
//!     .await;
//! assert_eq!(reply, Ok(3));
//! # }
//! ```
//!
//! Or read from configuration, in the attribute's own words (see [`config`]):
//!
//! ```
//! use retry_runtime::config::PolicyConfig;
//!
//! let config: PolicyConfig = "stop = attempts(5) | elapsed(30s), wait = exp_jitter(1s, 60s, 5s)".parse()?;
//! let policy = config.build()?;
//! let mut calls = 0;
//! let reply: Result<u32, &str> = policy.retry_blocking(|| {
//!     calls += 1;
//!     if calls < 2 { Err("busy") } else { Ok(calls) }
//! });
//! assert_eq!(reply, Ok(2));
//! # Ok::<(), retry_runtime::PolicyError>(())
//! ```
//!
//! # Features
//!
//! | feature | what it adds |
//! |---|---|
//! | `tokio` (default) | [`sleep::TokioSleep`], the default async sleeper; [`Bulkhead`]; [`RateLimiter::acquire`] |
//! | `http` | [`classify::Transient`] and [`classify::FailedRequest`] for `http::StatusCode` and `http::Response`; `classify::{HttpFailure, response, server_delay}`; `RateLimiter::observe_headers` |
//! | `reqwest` | the same for `reqwest::Error` and `reqwest::Response` (reqwest 0.13, no default features); implies `http` |
//! | `serde` | `Deserialize` for [`config::PolicyConfig`] and a boxed [`RetryPolicy`] |
//! | `tower` | `tower::RetryLayer`, for any tower service whose request is `Clone` |
//! | `reqwest-middleware` | `reqwest_middleware::RetryMiddleware` (reqwest-middleware 0.5); implies `reqwest` |
//! | `metrics` | `telemetry`: counters and histograms through the `metrics` facade |
//! | `redis` | `fleet`: a breaker, budget and limiter shared by every process through Redis |
//!
//! Every item behind a feature says so in its docs, with a badge on docs.rs.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[doc(inline)]
#[doc = include_str!("../docs/attribute.md")]
pub use retry_macros::retry;

mod builder;
mod call;
mod error;
mod guards;
mod hedge;
mod log;
mod nested;
mod policy;
mod run;
mod shaping;
mod state;
mod stream;
mod sync;
mod timeout;

pub mod breaker;
pub mod budget;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod bulkhead;
pub mod classify;
pub mod config;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod fleet;
pub mod headers;
pub mod hooks;
pub mod limiter;
pub mod predicate;
pub mod presets;
#[cfg(feature = "reqwest-middleware")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
pub mod reqwest_middleware;
pub mod sleep;
pub mod stop;
#[cfg(feature = "metrics")]
#[cfg_attr(docsrs, doc(cfg(feature = "metrics")))]
pub mod telemetry;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub mod tower;
pub mod wait;

#[doc(hidden)]
pub mod __private;

pub use breaker::{BreakerState, CircuitBreaker, CircuitOpen};
pub use budget::RetryBudget;
pub use builder::RetryPolicyBuilder;
#[cfg(feature = "tokio")]
pub use bulkhead::{Bulkhead, BulkheadFull};
pub use error::PolicyError;
pub use hedge::Hedge;
pub use limiter::{RateLimited, RateLimiter};
pub use log::LogLevel;
pub use nested::Nested;
pub use policy::RetryPolicy;
pub use state::{IdempotencyKey, RetryState};
pub use timeout::Elapsed;

/// Runs the attribute's documentation as doctests: rustdoc does not test docs on a re-export.
#[cfg(doctest)]
#[doc = include_str!("../docs/attribute.md")]
pub struct AttributeDocs;

/// Runs the README's Rust snippets as doctests (those not marked `ignore`): each that claims
/// to compile does. They use the features they show, so they run with all of them.
#[cfg(all(doctest, feature = "tokio", feature = "tower", feature = "reqwest-middleware"))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDocs;
