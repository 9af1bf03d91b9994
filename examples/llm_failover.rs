//! LLM failover against a real server: two OpenAI-compatible providers on 127.0.0.1 that
//! rate-limit, overload, stall, go down and refuse bad requests as a script says, and a
//! client that calls them through `#[retry]` with a breaker per provider, a retry budget and
//! the fallback chain A → B → a human. The tour takes under five seconds.
//!
//! ```text
//! cargo run --example llm_failover
//! cargo run --example llm_failover -- --scenario storm --concurrency 8
//! cargo run --example llm_failover -- --metrics 127.0.0.1:9000   # then curl http://127.0.0.1:9000/metrics
//! ```
//!
//! What to look for in the log (one line per attempt that failed, per wait, per breaker
//! change, each under the `request{id=N}` it belongs to):
//! - `delay=…` on a retry is never shorter than the server asked: 1 s for `Retry-After: 1`
//!   (request 2), 300 ms for `retry-after-ms` (3), 250 ms for `x-ratelimit-reset-requests`
//!   (4); a provider asking for 30 s, above `retry_after_max = 5s`, is not waited for: B
//!   answers instead (5);
//! - 503 and 529 `overloaded_error` back off exponentially with jitter (6, 7); an answer
//!   slower than `timeout = 250ms` is cut and retried (8); the 400 is returned at once,
//!   with no retry and no fallback (9);
//! - A's outage: three failed attempts open its breaker (10), which then refuses A without
//!   a request while B serves (11, 12); when B is overloaded too, the request is queued for
//!   a human (13); after the breaker's 500 ms cooldown one probe finds A back and closes it
//!   (14);
//! - provider C streams its answer as server-sent events (`text/event-stream`, read with
//!   reqwest's byte stream and `eventsource-stream`): its first stream sends Anthropic's
//!   `event: error` with `overloaded_error` before any token, so the whole request is retried;
//!   the second streams its tokens, each read once (15, the summary's `stream` line).
//! - provider D allows 3 requests a 400 ms window and says what is left on every answer
//!   (`x-ratelimit-remaining-requests`, `x-ratelimit-reset-requests`); the client's adaptive
//!   `RateLimiter` reads them (`observe_headers`) and holds the 4th request until the window
//!   turns, so D never answers 429 (16 to 21, the `paced` line);
//! - provider E stalls on its first attempt: `hedge = after(150ms)` sends a second one,
//!   whose answer wins, and the stalled one is dropped (22, `hedge started` in the log, the
//!   `hedged` line).
//!
//! The table after the log has a row per request; its last column is what the providers
//! answered, attempt by attempt. The scenario lives in `src/failover/`, the client as an
//! application would write it in `src/failover/client.rs`, and `tests/llm_failover.rs`
//! checks the same run's summary.

use std::io::IsTerminal;
use std::process::ExitCode;

use std::net::SocketAddr;

use examples::failover::metrics::MetricsServer;
use examples::failover::{Options, Scenario, run};

const USAGE: &str = "\
Starts two stand-in LLM providers on 127.0.0.1, sends requests through #[retry] with a
breaker per provider, a retry budget and the fallbacks A -> B -> a human, logs every retry,
wait and breaker change, then prints a row per request and the totals.

Usage: cargo run -p examples --example llm_failover -- [OPTIONS]

Options:
  --scenario <NAME>    tour: one request per kind of failure, then A's outage [default]
                       storm: many requests at once, A flaky and down for a while
  --seed <u64>         draws the storm's failures, and the tour's past its 14 requests [default: 1]
  --requests <u32>     how many requests [default: 14 for tour, 40 for storm]
  --concurrency <u32>  requests in flight at once [default: 1 for tour, 4 for storm]
  --metrics <ADDR>     serve the runtime's metrics in Prometheus's text format at
                       http://ADDR/metrics (e.g. 127.0.0.1:9000), until Ctrl-C after the run
  -h, --help           print this help
";

/// `Ok(None)` when help was asked for; beside the options, where to serve the metrics.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<(Options, Option<SocketAddr>)>, String> {
    let (mut scenario, mut seed, mut requests, mut concurrency) = (Scenario::Tour, 1, None, None);
    let mut metrics = None;
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let mut value = || inline.clone().or_else(|| args.next()).ok_or_else(|| format!("`{flag}` needs a value"));
        match flag.as_str() {
            "--scenario" => {
                let name = value()?;
                scenario = Scenario::ALL
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|&(_, s)| s)
                    .ok_or_else(|| format!("unknown scenario `{name}`; expected one of `tour`, `storm`"))?;
            }
            "--seed" => seed = number(&flag, &value()?)?,
            "--requests" => requests = Some(number(&flag, &value()?)?),
            "--concurrency" => concurrency = Some(number(&flag, &value()?)?),
            "--metrics" => {
                let address = value()?;
                metrics = Some(address.parse().map_err(|_| format!("`--metrics` expects IP:PORT, got `{address}`"))?);
            }
            _ => {
                return Err(format!(
                    "unknown argument `{flag}`; expected one of `--scenario`, `--seed`, `--requests`, \
                     `--concurrency`, `--metrics`, `--help`"
                ));
            }
        }
    }
    let mut options = Options::new(scenario);
    options.seed = seed;
    options.requests = requests.unwrap_or(options.requests);
    options.concurrency = concurrency.unwrap_or(options.concurrency);
    if options.requests == 0 {
        return Err("`--requests` must be at least 1".into());
    }
    if options.concurrency == 0 {
        return Err("`--concurrency` must be at least 1".into());
    }
    Ok(Some((options, metrics)))
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value.parse().map_err(|_| format!("`{flag}` expects a non-negative integer, got `{value}`"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let (options, metrics) = match parse(std::env::args().skip(1)) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .compact()
        .without_time()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(std::io::stdout().is_terminal())
        .init();

    let server = match metrics.map(MetricsServer::start) {
        Some(starting) => match starting.await {
            Ok(server) => Some(server),
            Err(error) => {
                eprintln!("error: cannot serve the metrics: {error}");
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    match run(&options).await {
        Ok(summary) => {
            println!("\n{summary}");
            if let Some(server) = server {
                println!("\nmetrics at http://{}/metrics; Ctrl-C to stop", server.address());
                let _ = tokio::signal::ctrl_c().await;
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
